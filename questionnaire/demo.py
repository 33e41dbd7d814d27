"""The demo instance: two cycles, a dozen countries, answers in every state.

Everything is created through the services, so the demo has the same audit
trail and lifecycle events as real use.  Answers are generated from a seeded
random generator: the same demo every time.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select, update

from . import auth, services
from .catalogue import Catalogue, Item
from .catalogue_store import catalogue_for
from .db import db
from .models import Assessment, Cycle, Role, User
from .seed import ensure_schema

DEMO_PASSWORD = "demo-password"  # noqa: S105 - the documented demo password
ADMIN = "admin@demo.test"
REVIEWER = "reviewer@demo.test"

# (ISO3, how far along the country is (0–1), its 2026 state)
COUNTRIES: list[tuple[str, float, str]] = [
    ("FRA", 0.85, "returned"),  # its team revises it: a contributor of the interior ministry (CONTRIBUTOR)
    ("NGA", 0.55, "submitted"),
    ("BRA", 0.70, "returned"),
    ("IND", 0.60, "submitted"),
    ("AUS", 0.90, "accepted"),
    ("MEX", 0.50, "draft"),
    ("KEN", 0.45, "submitted"),
    ("THA", 0.65, "draft"),
    ("PHL", 0.75, "submitted"),
    ("ESP", 0.80, "returned"),
    ("MAR", 0.40, "draft"),
    ("CAN", 0.88, "not started"),
    ("NZL", 0.80, "new"),  # takes part for the first time in 2026: nothing to carry forward
]

_LAWS = {
    "criminal-law": ["Criminal Code", "Law on Trafficking in Persons", "Code of Criminal Procedure"],
    "law-enforcement": ["Police Act", "Decree on the National Task Force", "Border Control Act"],
    "information-exchange": ["Police Cooperation Act", "Data Protection Act", "NCB Standing Order"],
    "victims": ["Victims' Rights Act", "Aliens Act", "National Referral Mechanism Decree"],
    "prevention": ["National Action Plan", "Labour Inspection Act", "Education Act"],
    "proceeds": ["Anti-Money Laundering Act", "Proceeds of Crime Act", "Criminal Code"],
    "cooperation": ["Mutual Legal Assistance Act", "National Strategy", "Budget Act"],
}
_PRACTICE = {
    "full": (
        "In force and applied nationwide. {e}. Figures for the last three years are published "
        "in the annual report of the national coordinator."
    ),
    "largely": "In force and applied, with gaps in some regions. {e}. Coverage of rural areas is being extended.",
    "partially": "Partly in place. {e}. Implementing regulations are still missing for part of the country.",
    "initial": "A draft has been prepared and is under inter-ministerial consultation. {e} is planned for next year.",
    "none": "Nothing is in place yet; the matter is under discussion in the national task force.",
}
_ASSISTANCE = ["training", "legislative", "data", "victim_services", "equipment", "cooperation"]


def _answer_for(
    rng: random.Random, item: Item, strength: float, country: str, catalogue: Catalogue
) -> services.AnswerInput | None:
    """Draw a plausible answer for a country of a given strength (or None: left unanswered)."""
    if rng.random() < 0.06:
        return None
    if item.id == "PR-5" and rng.random() < 0.5:
        return services.make_input(
            rating="not_applicable",
            justification=(
                f"{country} deploys no military or civilian personnel to peacekeeping operations "
                "and had no crisis of the kind in the period."
            ),
        )
    roll = strength + rng.uniform(-0.35, 0.35)
    rating = (
        "full"
        if roll > 0.85
        else "largely"
        if roll > 0.65
        else "partially"
        if roll > 0.45
        else "initial"
        if roll > 0.3
        else "none"
    )
    laws = _LAWS[item.section]
    supported = rating in ("partially", "initial", "none") or rng.random() > 0.08  # a few unsupported ratings
    references = () if rating == "none" or not supported else (f"{rng.choice(laws)}, art. {rng.randint(2, 240)}",)
    description = _PRACTICE[rating].format(e=item.evidence[0]) if supported else ""
    links = (
        (f"https://legislation.example.org/{country.lower()}/{item.id.lower()}",)
        if rating in ("full", "largely") and supported
        else ()
    )
    assistance = None
    assistance_text = ""
    if rating in ("partially", "initial", "none") and rng.random() < 0.5:
        assistance = rng.choice(_ASSISTANCE)
        assistance_text = f"Support to implement {item.id}: {item.action}"
    return services.make_input(
        rating=rating,
        description=description,
        legal_references=references,
        evidence_links=links,
        assistance_kind=assistance,
        assistance_description=assistance_text,
    )


def _fill(assessment, user: User, strength: float, rng: random.Random) -> None:  # type: ignore[no-untyped-def]
    catalogue = catalogue_for(assessment.cycle)
    edits = []
    for item in catalogue.items:
        values = _answer_for(rng, item, strength, assessment.country_iso3, catalogue)
        if values is not None:
            edits.append(services.Edit(item.id, values, 0))
    services.save_answers(user, assessment, edits, source="form")


def _update(assessment, user: User, strength: float, state: str, rng: random.Random) -> None:  # type: ignore[no-untyped-def]
    """Answer a cycle that started from the last one's answers: keep some, confirm most kept, update the rest.

    A country further along confirms more; a draft still has carried answers waiting.
    """
    catalogue = catalogue_for(assessment.cycle)
    stored = services.answers_of(assessment)
    edits = []
    kept = []
    for item in catalogue.items:
        existing = stored.get(item.id)
        if existing is not None and existing.carry and rng.random() < 0.6:
            kept.append(item.id)
            continue
        values = _answer_for(rng, item, strength, assessment.country_iso3, catalogue)
        if values is not None:
            edits.append(services.Edit(item.id, values, existing.version if existing else 0))
    services.save_answers(user, assessment, edits, source="form")
    share = 0.95 if state in ("submitted", "accepted") else 0.7 if state == "returned" else 0.35
    services.carry.confirm(user, assessment, [i for i in kept if rng.random() < share])


def _cycle(code: str, title: str, opened: datetime, due: date) -> Cycle:
    cycle = services.create_cycle(code, title, due)
    cycle.opened_at = opened
    db.session.commit()
    return cycle


def _submitted_on(assessment, when: datetime) -> None:  # type: ignore[no-untyped-def]
    """Date a past cycle's submission as it happened then (the demo is built today)."""
    assessment.submitted_at = assessment.first_submitted_at = when
    for event in services.events(assessment):
        if event.action == "submitted":
            event.at = when
    db.session.commit()


def build_demo() -> bool:
    """Create the demo data unless this database already has it; return whether it was created.

    The history it makes notifies people in the platform, but e-mails nobody (even with MAIL_SERVER set),
    and renders no report ahead of time: the demo's reports are kept when first asked for, so the
    demo starts without minutes of rendering behind it.
    """
    from flask import current_app

    from .services import notifications

    keeping = current_app.config.get("KEEP_REPORTS")
    current_app.config["KEEP_REPORTS"] = False
    try:
        with notifications.quiet():
            return _build_demo()
    finally:
        current_app.config["KEEP_REPORTS"] = keeping


def _build_demo() -> bool:
    ensure_schema()
    if db.session.scalar(select(User).where(User.email == ADMIN)) is not None:
        return False
    if services.access.count_users() > 0:
        raise RuntimeError(
            "This database already has accounts that are not the demo's; give the demo its own database with --db."
        )
    auth.create_user(ADMIN, DEMO_PASSWORD, Role.ADMIN, name="Platform administrator")
    reviewer = auth.create_user(REVIEWER, DEMO_PASSWORD, Role.REVIEWER, name="Secretariat analyst")
    respondents = {
        iso3: auth.create_user(
            f"{iso3.lower()}@demo.test", DEMO_PASSWORD, Role.RESPONDENT, iso3, name=f"Focal point {iso3}"
        )
        for iso3, _, _ in COUNTRIES
    }
    rng = random.Random(2026)  # noqa: S311 - demo data, not security

    # 2025: closed, every country accepted (a little weaker than in 2026).
    # Due on 30 June 2025; Morocco's submission came late.
    c2025 = _cycle("2025", "Self-assessment 2025", datetime(2025, 3, 1, tzinfo=UTC), date(2025, 6, 30))
    for n, (iso3, strength, state) in enumerate(COUNTRIES):
        if state == "new":
            continue
        user = respondents[iso3]
        assessment, _created = services.start_assessment(user, c2025, iso3)
        _fill(assessment, user, max(0.1, strength - 0.12), rng)
        services.submit(user, assessment, "Submitted after consultation of the ministries concerned.")
        _submitted_on(
            assessment,
            datetime(2025, 7, 14, 9, tzinfo=UTC) if iso3 == "MAR" else datetime(2025, 5, 2 + n, 10, tzinfo=UTC),
        )
        services.accept(reviewer, assessment, "Accepted. Thank you for the detailed answers.")
    _recommend(reviewer, c2025)  # before it closes: recommendations are made while a cycle is open
    services.close_cycle(c2025)

    # 2026: open, due four weeks after the demo is made; assessments in every state, each started
    # from the country's 2025 answers (carried forward), some confirmed, some updated.
    c2026 = _cycle(
        "2026",
        "Self-assessment 2026",
        datetime(2026, 3, 1, tzinfo=UTC),
        datetime.now(UTC).date() + timedelta(days=28),
    )
    for iso3, strength, state in COUNTRIES:
        if state in ("not started", "new"):
            continue
        user = respondents[iso3]
        assessment, _created = services.start_assessment(user, c2026, iso3)
        _update(assessment, user, strength, state, rng)
        if state == "draft":
            continue
        services.submit(user, assessment, "")
        if state == "accepted":
            services.accept(reviewer, assessment, "")
        elif state == "returned":
            catalogue = catalogue_for(c2026)
            item = catalogue.items[1].id
            services.add_comment(
                reviewer,
                assessment,
                item,
                "Please cite the article that defines the offence and give the number of convictions.",
            )
            services.return_assessment(
                reviewer, assessment, f"Please complete the legal references for {item} and answer the comments."
            )
    _team(respondents["FRA"], c2026)
    # Every account here is the demo's (the database had none before): none is asked for a second factor.
    db.session.execute(update(User).values(demo=True))
    db.session.commit()
    _notifications_read(c2025)
    return True


def _notifications_read(closed: Cycle) -> None:
    """Leave the closed cycle's notifications read, so each list shows the 2026 ones as new (services.notifications)."""
    from .models import Notification
    from .services import notifications

    users = set()
    for row in db.session.scalars(select(Notification).where(Notification.read_at.is_(None))):
        if (row.params or {}).get("cycle") == closed.code:
            row.read_at = row.created_at
            users.add(row.user_id)
    db.session.flush()
    for user_id in users:
        notifications.recount(user_id)
    db.session.commit()


# --------------------------------------------------------------------------
# France's team: a contributor of the interior ministry, assigned the police and
# Interpol sections of the returned 2026 assessment (services.team)
# --------------------------------------------------------------------------

CONTRIBUTOR = "fra.interior@demo.test"


def _team(focal: User, cycle: Cycle) -> None:
    """Invite the interior ministry's contributor, assign sections, and leave the internal review half done."""
    from .services import team

    assessment = services.find_assessment(cycle.code, "FRA")
    assert assessment is not None
    contributor = auth.create_user(
        CONTRIBUTOR, DEMO_PASSWORD, Role.CONTRIBUTOR, "FRA", name="Ministry of the Interior (police and borders)"
    )
    team.assign(focal, assessment, contributor, "law-enforcement")
    team.assign(focal, assessment, contributor, "information-exchange")
    team.mark_ready(contributor, assessment, "law-enforcement")
    team.mark_ready(contributor, assessment, "information-exchange")
    team.send_back(
        focal,
        assessment,
        "information-exchange",
        "Please add the number of I-24/7 terminals outside the capital and the date of the last HSTM message.",
    )
    team.approve(focal, assessment, "criminal-law")
    _evidence(contributor, focal, assessment)


def _pdf(title: str) -> bytes:
    """A one-page PDF whose text is the title (a stand-in for a scanned law or report)."""
    text = title.replace("\\", "").replace("(", "").replace(")", "").encode("latin-1", "replace")
    stream = b"BT /F1 14 Tf 72 760 Td (" + text + b") Tj ET"
    objects = [
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R/Resources<</Font<</F1 5 0 R>>>>>>",
        b"<</Length " + str(len(stream)).encode() + b">>stream\n" + stream + b"\nendstream",
        b"<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += str(number).encode() + b" 0 obj\n" + body + b"\nendobj\n"
    table = len(out)
    out += b"xref\n0 " + str(len(objects) + 1).encode() + b"\n0000000000 65535 f \n"
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += b"trailer<</Size " + str(len(objects) + 1).encode() + b"/Root 1 0 R>>\nstartxref\n"
    out += str(table).encode() + b"\n%%EOF\n"
    return bytes(out)


def _evidence(contributor: User, focal: User, assessment: Assessment) -> None:
    """Evidence files on France's answers: shared with the reviewers, and one kept internal."""
    from .services import evidence

    files = [
        (contributor, "LE-1", "Decree on the national anti-trafficking police unit", date(2024, 9, 12), True),
        (contributor, "IX-1", "NCB standing order on the HSTM message", date(2025, 1, 20), True),
        (contributor, "IX-1", "Draft reply on I-24/7 terminals (internal)", None, False),
        (focal, "CL-2", "Criminal Code, articles 225-4-1 to 225-4-9", date(2023, 3, 1), True),
    ]
    for who, item, title, when, shared in files:
        evidence.attach(
            who,
            assessment,
            item,
            data=_pdf(title),
            filename=title.lower().replace(" ", "-")[:60] + ".pdf",
            title=title,
            document_date=when,
            shared=shared,
        )


# --------------------------------------------------------------------------
# Recommendations on the 2025 assessments, followed up by the 2026 answers
# (services.recommendations): their status shows on /cycles/2026/recommendations.
# --------------------------------------------------------------------------

# The countries whose 2025 acceptance came with recommendations, and how many (their top gaps).
RECOMMENDED: dict[str, int] = {"FRA": 2, "BRA": 2, "NGA": 1, "MEX": 2, "CAN": 1, "ESP": 1}


def _recommend(reviewer: User, cycle: Cycle) -> None:
    """Recommend, on a few accepted assessments, what to do about their highest-ranked gaps."""
    from .services import recommendations

    catalogue = catalogue_for(cycle)
    for iso3, count in RECOMMENDED.items():
        assessment = services.find_assessment(cycle.code, iso3)
        if assessment is None:
            continue
        for gap in services.scores_of(assessment)["gaps"][:count]:
            obligation = catalogue.obligation_by_id[gap["obligation"]]
            item = catalogue.item_by_id[obligation.items[0]]
            recommendations.add_recommendation(
                reviewer,
                assessment,
                recommendations.RecommendationInput(
                    obligation=obligation.id,
                    text=f"{item.action} Report on the steps taken in the next cycle.",
                    priority="high" if gap["critical"] else "medium",
                ),
            )


def demo_accounts() -> list[tuple[str, str, str | None]]:
    """Return the demo accounts (e-mail, role, country)."""
    rows = db.session.execute(
        select(User.email, User.role, User.country_iso3)
        .where(User.email.like("%@demo.test"))
        .order_by(User.role, User.email)
    )
    return [(email, role, country) for email, role, country in rows]
