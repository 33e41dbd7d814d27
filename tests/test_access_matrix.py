"""Every browser route × every role × own or other country, on GET and POST.

Each case is its own test.  A route of the application that this matrix does
not classify fails the suite, so a new page cannot ship without deciding who
may use it.  (The JSON API has its own matrix in tests/api/.)
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from questionnaire import jobs, services
from questionnaire.auth import issue_token
from questionnaire.db import db
from questionnaire.models import (
    ApiToken,
    Assessment,
    Comment,
    Cycle,
    EvidenceFile,
    Job,
    RecommendationComment,
    SectionReview,
    Status,
    ThreadResolution,
    User,
)

from .conftest import DECLARATION, add_user, enrol

ROLES = ("anonymous", "own", "other", "reviewer", "admin")
EMAIL = {
    "own": "fra@example.org",
    "other": "deu@example.org",
    "reviewer": "reviewer@example.org",
    "admin": "admin@example.org",
}

LOGIN = "login"  # redirected to the sign-in page
HOME = "home"  # redirected to the start page (the sign-in page, once signed in)
OK = "ok"  # 200, or a redirect somewhere other than the sign-in page
INVITED = datetime(2026, 1, 1, tzinfo=UTC)
A = "/cycles/2026/countries/FRA"


def _same(outcome: Any) -> dict[str, Any]:
    return dict.fromkeys(ROLES, outcome)


def _signed_in(outcome: Any) -> dict[str, Any]:
    return {"anonymous": LOGIN, **dict.fromkeys(ROLES[1:], outcome)}


def _reviewers(outcome: Any = OK) -> dict[str, Any]:
    return {"anonymous": LOGIN, "own": 404, "other": 404, "reviewer": outcome, "admin": outcome}


def _admins(outcome: Any = OK) -> dict[str, Any]:
    return {"anonymous": LOGIN, "own": 404, "other": 404, "reviewer": 404, "admin": outcome}


def _assessment(draft: Any, submitted: Any) -> dict[str, dict[str, Any]]:
    return {"draft": draft, "submitted": submitted}


def _country(own_draft: Any, own_submitted: Any, reviewer_submitted: Any) -> dict[str, dict[str, Any]]:
    """Own respondent / others on FRA's assessment as a draft and once submitted."""
    return _assessment(
        {"anonymous": LOGIN, "own": own_draft, "other": 404, "reviewer": 404, "admin": 404},
        {
            "anonymous": LOGIN,
            "own": own_submitted,
            "other": 404,
            "reviewer": reviewer_submitted,
            "admin": reviewer_submitted,
        },
    )


# endpoint -> (path, {method: {state: {role: outcome}}}); a state-independent
# expectation is given once under "any".
MATRIX: dict[str, tuple[str, dict[str, dict[str, dict[str, Any]]]]] = {
    "main.home": ("/", {"GET": {"any": _signed_in(OK)}}),
    "main.set_language": ("/language", {"POST": {"any": _same(OK)}}),
    "main.health": ("/healthz", {"GET": {"any": _same(OK)}}),
    "auth.login": (
        "/login",
        {"GET": {"any": {"anonymous": OK, **dict.fromkeys(ROLES[1:], HOME)}}, "POST": {"any": _same(401)}},
    ),
    "auth.logout": ("/logout", {"POST": {"any": _same(LOGIN)}}),
    "auth.account": (
        "/account",
        {"GET": {"any": _signed_in(OK)}, "POST": {"any": {"anonymous": LOGIN, **dict.fromkeys(ROLES[1:], 400)}}},
    ),
    "auth.create_token": ("/account/tokens", {"POST": {"any": _signed_in(OK)}}),
    # Accounts reached by e-mail, and the second factor (views/auth.py).
    "auth.password_reset": ("/password-reset", {"GET": {"any": _same(OK)}, "POST": {"any": _same(400)}}),
    "auth.reset_password": ("/password-reset/not-a-token", {"GET": {"any": _same(404)}, "POST": {"any": _same(404)}}),
    "auth.second_factor": ("/login/second-factor", {"GET": {"any": _same(LOGIN)}, "POST": {"any": _same(LOGIN)}}),
    "auth.two_factor_setup": (
        "/account/two-factor",
        {"GET": {"any": _signed_in(OK)}, "POST": {"any": _signed_in(400)}},
    ),
    "auth.new_recovery_codes": ("/account/two-factor/recovery-codes", {"POST": {"any": _signed_in(404)}}),
    "auth.remove_two_factor": ("/account/two-factor/remove", {"POST": {"any": _signed_in(404)}}),
    "admin.account": ("/admin/users/{victim}", {"GET": {"any": _admins()}, "POST": {"any": _admins(400)}}),
    "admin.resend_invitation": ("/admin/users/{victim}/invitation", {"POST": {"any": _admins()}}),
    "admin.reset_second_factor": ("/admin/users/{victim}/second-factor/reset", {"POST": {"any": _admins()}}),
    "auth.revoke_token": ("/account/tokens/999999/revoke", {"POST": {"any": _signed_in(404)}}),
    "catalogue.index": ("/catalogue/", {"GET": {"any": _signed_in(OK)}}),
    "catalogue.method": ("/catalogue/method", {"GET": {"any": _signed_in(OK)}}),
    "review.queue": ("/review", {"GET": {"any": _reviewers()}}),
    "review.compare": ("/cycles/2026/compare", {"GET": {"any": _reviewers()}}),
    "review.side_by_side": ("/cycles/2026/compare/countries?country=FRA&country=DEU", {"GET": {"any": _reviewers()}}),
    "review.export": ("/cycles/2026/export/scores.csv", {"GET": {"any": _reviewers()}}),
    "review.participation": ("/cycles/2026/participation", {"GET": {"any": _reviewers()}}),
    "review.assistance": ("/cycles/2026/assistance", {"GET": {"any": _reviewers()}}),
    "review.assistance_export": ("/cycles/2026/assistance/export.csv", {"GET": {"any": _reviewers()}}),
    "admin.users": ("/admin/users", {"GET": {"any": _admins()}, "POST": {"any": _admins(400)}}),
    "admin.set_active": ("/admin/users/{victim}/active", {"POST": {"any": _admins()}}),
    "admin.reset_password": ("/admin/users/{victim}/password", {"POST": {"any": _admins()}}),
    "admin.cycles": ("/admin/cycles", {"GET": {"any": _admins()}, "POST": {"any": _admins(400)}}),
    "admin.close_cycle": ("/admin/cycles/2026/close", {"POST": {"any": _admins()}}),
    "admin.due_date": ("/admin/cycles/2026/due", {"POST": {"any": _admins()}}),
    "admin.reopen_cycle": ("/admin/cycles/2025/reopen", {"POST": {"any": _admins()}}),
    "admin.delete_cycle": ("/admin/cycles/2030/delete", {"POST": {"any": _admins()}}),
    "admin.revoke_tokens": ("/admin/users/{victim}/tokens/revoke", {"POST": {"any": _admins()}}),
    "assessment.start": (
        f"{A}/start",
        {
            "POST": _assessment(
                {"anonymous": LOGIN, "own": OK, "other": 404, "reviewer": 404, "admin": 404},
                {"anonymous": LOGIN, "own": OK, "other": 404, "reviewer": OK, "admin": OK},
            )
        },
    ),
    "assessment.overview": (f"{A}/", {"GET": _country(OK, OK, OK)}),
    "assessment.section": (f"{A}/sections/criminal-law", {"GET": _country(OK, OK, OK), "POST": _country(OK, 409, 403)}),
    "assessment.submit": (f"{A}/submit", {"GET": _country(OK, 409, 404), "POST": _country(OK, 409, 403)}),
    "assessment.return_": (f"{A}/return", {"POST": _country(403, 403, OK)}),
    "assessment.accept": (f"{A}/accept", {"POST": _country(403, 403, OK)}),
    "assessment.comment": (f"{A}/items/CL-1/comments", {"POST": _country(OK, OK, OK)}),
    # Marking a thread resolved: whoever may write in it (the world has a comment on CL-2).
    "assessment.resolve_thread": (f"{A}/items/CL-2/resolution", {"POST": _country(OK, OK, OK)}),
    "assessment.history": (f"{A}/history", {"GET": _country(OK, OK, OK)}),
    # A country's team: its focal point only, never another country or the secretariat.
    "team.page": (f"{A}/team", {"GET": _country(OK, OK, 404)}),
    "team.invite": (f"{A}/team/invite", {"POST": _country(OK, OK, 404)}),
    "team.assign": (f"{A}/team/assign", {"POST": _country(422, 422, 404)}),
    "team.unassign": (f"{A}/team/assignments/999999/remove", {"POST": _country(404, 409, 404)}),
    "team.ready": (f"{A}/sections/criminal-law/ready", {"POST": _country(OK, 409, 404)}),
    "team.approve": (f"{A}/sections/criminal-law/approve", {"POST": _country(OK, 409, 404)}),
    "team.send_back": (f"{A}/sections/criminal-law/send-back", {"POST": _country(OK, 409, 404)}),
    "team.assigned": (
        "/assigned",
        {"GET": {"any": {"anonymous": LOGIN, "own": OK, "other": OK, "reviewer": 404, "admin": 404}}},
    ),
    "team.accept_invitation": ("/invitations/not-a-token", {"GET": {"any": _same(404)}, "POST": {"any": _same(404)}}),
    # France has no earlier assessment in this world: nobody finds a comparison, and nobody learns more.
    "assessment.changes": (f"{A}/changes", {"GET": _country(404, 404, 404)}),
    "reports.report": (f"{A}/report", {"GET": _country(OK, OK, OK)}),
    "reports.report_pdf": (f"{A}/report.pdf", {"GET": _country(OK, OK, OK)}),
    "reports.meeting_pack": (
        "/cycles/2026/meeting-pack",
        {"GET": {"any": _reviewers()}, "POST": {"any": _reviewers()}},
    ),
    "reports.job": ("/meeting-packs/{job}", {"GET": {"any": _reviewers()}}),
    "reports.job_status": ("/meeting-packs/{job}/status", {"GET": {"any": _reviewers()}}),
    "reports.job_download": ("/meeting-packs/{job}/download", {"GET": {"any": _reviewers()}}),  # finished
    "offline.download": (f"{A}/questionnaire.xlsx", {"GET": _country(OK, OK, OK)}),
    "offline.upload": (f"{A}/questionnaire.xlsx", {"POST": _country(OK, 409, 403)}),
    "offline.upload_form": (f"{A}/upload", {"GET": _country(OK, 409, 403)}),
    # Recommendations (views/recommendations.py): {recommendation} is France's, made in an earlier cycle.
    "recommendations.country": (f"{A}/recommendations", {"GET": _country(OK, OK, OK)}),
    "recommendations.comment": (f"{A}/recommendations/{{recommendation}}/comments", {"POST": _country(OK, OK, OK)}),
    "recommendations.across": ("/cycles/2026/recommendations", {"GET": {"any": _reviewers()}}),
}
UNCLASSIFIED_OK = {"static"}  # public assets
OTHER_MATRICES = ("api.",)  # tests/api/test_permissions.py


def _cases() -> list[Any]:
    cases = []
    for endpoint, (path, methods) in MATRIX.items():
        for method, states in methods.items():
            for state, roles in states.items():
                for role in ROLES:
                    cases.append(
                        pytest.param(
                            endpoint,
                            path,
                            method,
                            "draft" if state == "any" else state,
                            role,
                            roles[role],
                            id=f"{endpoint}-{method}-{state}-{role}",
                        )
                    )
    return cases


@pytest.fixture
def world(app, users, cycle, monkeypatch) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    from questionnaire.views import reports as report_views

    monkeypatch.setattr(jobs, "dispatch", lambda job_id: None)  # starting a pack is enough here
    # Access is decided before anything is rendered; the real renderer has tests of its own.
    monkeypatch.setattr(report_views.documents, "pdf_of", lambda html: b"%PDF-1.7 stub")
    assessment, _ = services.start_assessment(users["fra"], cycle, "FRA")
    services.add_comment(users["fra"], assessment, "CL-2", "A note on CL-2.")  # a thread to resolve
    _attach_evidence(users["fra"], assessment)  # evidence files: {evidence}
    victim = add_user("victim@example.org", "reviewer")
    issue_token(victim, "a script")
    job, _ = jobs.start_meeting_pack(users["reviewer"], cycle)
    _finish(job)
    services.close_cycle(services.create_cycle("2025"))
    services.create_cycle("2030")  # opened by mistake: nobody started it
    # The victim was invited and has a second factor: what the admin's buttons act on.
    victim.invited_at = INVITED
    db.session.commit()
    enrol(victim)
    return {"assessment": assessment, "victim": victim, "job": job.id, "notification": _notification(users["fra"])}


def _finish(job: Job) -> None:
    """Make the reviewer's pack a finished one with its ZIP file, as a worker would leave it."""
    name = f"{job.id}.zip"
    with zipfile.ZipFile(jobs.packs_folder() / name, "w") as archive:
        archive.writestr("2026-comparison.pdf", b"%PDF-1.7 stub")
    job.status, job.done, job.total, job.result_path = jobs.FINISHED, 1, 1, name
    db.session.commit()


def _workbook() -> tuple[io.BytesIO, str]:
    """France's questionnaire as downloaded, with CL-3 rated in it."""
    from questionnaire import offline

    from .offline.conftest import Book

    data = offline.build_workbook(_fra())
    return io.BytesIO(Book().edit(data, {("CL-3", "rating"): "Fully implemented"})), "questionnaire.xlsx"


def _post_data(endpoint: str) -> dict[str, Any]:
    if endpoint == "offline.upload":
        return {"file": _workbook()}
    if endpoint == "evidence.upload":
        from .evidence.conftest import pdf

        return {"file": (io.BytesIO(pdf()), "loi.pdf"), "title": "A law, attached", "shared": "true"}
    return {
        "main.set_language": {"lang": "fr", "next": "/"},
        "auth.login": {"email": "nobody@example.org", "password": "wrong password"},
        "auth.create_token": {"label": "a new script"},
        "assessment.section": {
            "item_CL_1-rating": "full",
            "item_CL_1-description": "In force since 2002.",
            "item_CL_1-version": "0",
        },
        "assessment.submit": {"comment": "Ready.", **DECLARATION},
        "assessment.return_": {"comment": "Please cite the law."},
        "assessment.comment": {"body": "A question about this item."},
        "assessment.resolve_thread": {"resolved": "yes"},
        "recommendations.comment": {"body": "A question about this recommendation."},
        "admin.set_active": {"active": "0"},
        "admin.reset_password": {"password": "lantern orbit cactus violin"},
        "admin.close_cycle": {"confirm": "1"},
        "admin.delete_cycle": {"confirm": "1"},
        "admin.due_date": {"due_date": "2027-01-31"},
        "team.invite": {"email": "new.contributor@example.org"},
        "team.send_back": {"note": "Look at the border figures again."},
        "notifications.settings": {"notify_by": "daily"},
    }.get(endpoint, {})


def _fra() -> Assessment:
    db.session.expire_all()
    return db.session.scalar(select(Assessment).where(Assessment.country_iso3 == "FRA"))


def _cycle_open(code: str) -> bool | None:
    db.session.expire_all()
    return db.session.scalar(select(Cycle.is_open).where(Cycle.code == code))


def _count(model: Any, *where: Any) -> int:
    db.session.expire_all()
    return int(db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def _review_state(section: str) -> str | None:
    db.session.expire_all()
    return db.session.scalar(select(SectionReview.state).where(SectionReview.section_id == section))


def _victim(world: dict[str, Any]) -> User:
    db.session.expire_all()
    return db.session.get(User, world["victim"].id)


# What each allowed POST must have done, checked after it answered OK: a redirect
# that lands nowhere near the sign-in page is not enough.
EFFECTS: dict[str, Callable[[dict[str, Any], str], bool]] = {
    "main.set_language": lambda world, role: (
        role == "anonymous" or db.session.scalar(select(User.locale).where(User.email == EMAIL[role])) == "fr"
    ),
    "auth.create_token": lambda world, role: _count(ApiToken, ApiToken.label == "a new script") == 1,
    "admin.set_active": lambda world, role: _victim(world).active is False,
    "admin.reset_password": lambda world, role: _victim(world).password_hash != world["victim_hash"],
    "admin.revoke_tokens": lambda world, role: _count(ApiToken, ApiToken.revoked_at.is_(None)) == 0,
    "admin.resend_invitation": lambda world, role: _victim(world).invited_at > INVITED,
    "admin.reset_second_factor": lambda world, role: _victim(world).totp_enrolled_at is None,
    "admin.close_cycle": lambda world, role: _cycle_open("2026") is False,
    "team.invite": lambda world, role: _count(User, User.email == "new.contributor@example.org") == 1,
    "team.ready": lambda world, role: _review_state("criminal-law") == "ready",
    "team.approve": lambda world, role: _review_state("criminal-law") == "approved",
    "team.send_back": lambda world, role: _review_state("criminal-law") == "sent_back",
    "admin.due_date": lambda world, role: (
        db.session.scalar(select(Cycle.due_date).where(Cycle.code == "2026")) == date(2027, 1, 31)
    ),
    "admin.reopen_cycle": lambda world, role: _cycle_open("2025") is True,
    "admin.delete_cycle": lambda world, role: _cycle_open("2030") is None,
    "assessment.start": lambda world, role: _count(Assessment, Assessment.country_iso3 == "FRA") == 1,
    "assessment.section": lambda world, role: (
        services.answers_of(_fra()).get("CL-1") is not None and services.answers_of(_fra())["CL-1"].rating == "full"
    ),
    "assessment.submit": lambda world, role: _fra().status == Status.SUBMITTED,
    "assessment.return_": lambda world, role: _fra().status == Status.RETURNED,
    "assessment.accept": lambda world, role: _fra().status == Status.ACCEPTED,
    "assessment.comment": lambda world, role: _count(Comment, Comment.body == "A question about this item.") == 1,
    "assessment.resolve_thread": lambda world, role: _count(ThreadResolution, ThreadResolution.item_id == "CL-2") == 1,
    "recommendations.comment": lambda world, role: (
        _count(RecommendationComment, RecommendationComment.body == "A question about this recommendation.") == 1
    ),
    # A new pack for whoever starts one (the reviewer's first one, made by the world, is finished).
    "reports.meeting_pack": lambda world, role: (
        _count(Job, Job.user_id == _user(EMAIL[role])) == (2 if role == "reviewer" else 1)
    ),
    "offline.upload": lambda world, role: services.answers_of(_fra())["CL-3"].rating == "full",
}

# Evidence files (views/evidence.py): {evidence} is a file France shared on CL-1 while a draft.
MATRIX |= {
    "evidence.upload": (f"{A}/items/CL-1/evidence", {"POST": _country(OK, 409, 403)}),
    "evidence.download": (f"{A}/evidence/{{evidence}}", {"GET": _country(OK, OK, OK)}),
    "evidence.delete": (f"{A}/evidence/{{evidence}}/delete", {"POST": _country(OK, 409, 403)}),
}
EFFECTS |= {
    "evidence.upload": lambda world, role: _count(EvidenceFile, EvidenceFile.title == "A law, attached") == 1,
    "evidence.delete": lambda world, role: _count(EvidenceFile) == 0,
}


def _attach_evidence(user: User, assessment: Assessment) -> None:
    """Share a small PDF on France's CL-1 (evidence files)."""
    from questionnaire.services import evidence

    from .evidence.conftest import pdf

    evidence.attach(user, assessment, "CL-1", data=pdf(), filename="loi.pdf", title="Loi", shared=True)


def _evidence_id() -> int:
    return int(db.session.scalar(select(EvidenceFile.id)) or 0)


# Notifications (views/notifications.py): {notification} is one of France's focal point's, unread.
MATRIX |= {
    "notifications.index": ("/notifications", {"GET": {"any": _signed_in(OK)}}),
    "notifications.read": (
        "/notifications/{notification}/read",
        {"POST": {"any": {"anonymous": LOGIN, "own": OK, "other": 404, "reviewer": 404, "admin": 404}}},
    ),
    "notifications.read_all": ("/notifications/read-all", {"POST": {"any": _signed_in(OK)}}),
    "notifications.settings": (
        "/account/notifications",
        {"GET": {"any": _signed_in(OK)}, "POST": {"any": _signed_in(OK)}},
    ),
}
EFFECTS |= {
    "notifications.read": lambda world, role: _notification_read(world["notification"]),
    "notifications.read_all": lambda world, role: (
        db.session.scalar(select(User.unread_notifications).where(User.email == EMAIL[role])) == 0
        and (role != "own" or _notification_read(world["notification"]))
    ),
    "notifications.settings": lambda world, role: (
        db.session.scalar(select(User.notify_by).where(User.email == EMAIL[role])) == "daily"
    ),
}


def _notification(user: User) -> int:
    """Give France's focal point an unread notification; return its id."""
    from questionnaire.services import notifications

    (row,) = notifications.notify([user], notifications.DUE, {"cycle": "2026", "country": "FRA", "days": 7}, "/")
    db.session.commit()
    return row.id


def _notification_read(notification_id: int) -> bool:
    from questionnaire.models import Notification

    db.session.expire_all()
    return db.session.scalar(select(Notification.read_at).where(Notification.id == notification_id)) is not None


@pytest.mark.parametrize(("endpoint", "path", "method", "state", "role", "expected"), _cases())
def test_access(make_client, world, endpoint, path, method, state, role, expected) -> None:  # type: ignore[no-untyped-def]
    if state == "submitted":
        services.submit(db.session.get(User, world["assessment"] and _user("fra@example.org")), world["assessment"])
    world["victim_hash"] = _victim(world).password_hash
    client = make_client()
    if role != "anonymous":
        client.login(EMAIL[role])
    url = path.format(
        victim=world["victim"].id,
        job=world["job"],
        recommendation=_earlier_recommendation() if "{recommendation}" in path else "",
        evidence=_evidence_id() if "{evidence}" in path else "",
        notification=world["notification"],
    )
    if method == "GET":
        response = client.get(url)
    else:
        data = _post_data(endpoint)
        data["csrf_token"] = client.csrf_token("/login" if role == "anonymous" else "/")
        response = client.post(url, data=data, content_type="multipart/form-data")
    what = f"{method} {url} as {role} ({state})"
    _check(response, expected, what)
    if expected == OK and method == "GET":
        assert response.status_code == 200, f"{what}: {response.status_code} {response.headers.get('Location')}"
    if expected == OK and method == "POST":
        assert EFFECTS[endpoint](world, role), f"{what}: answered {response.status_code} but did nothing"


def _earlier_recommendation() -> int:
    """Return the id of a recommendation made on France's assessment of a cycle before 2026."""
    from .review.conftest import earlier_recommendation

    return earlier_recommendation("FRA")


def _user(email: str) -> int:
    return db.session.scalar(select(User.id).where(User.email == email))


def _check(response: Any, expected: Any, what: str) -> None:
    location = response.headers.get("Location", "")
    if expected == LOGIN:
        assert response.status_code == 302 and location.startswith("/login"), (
            f"{what}: {response.status_code} {location}"
        )
    elif expected == HOME:
        assert response.status_code == 302 and location == "/", f"{what}: {response.status_code} {location}"
    elif expected == OK:
        assert response.status_code in (200, 302), f"{what}: {response.status_code}"
        assert not location.startswith("/login"), f"{what}: sent to sign in"
    else:
        assert response.status_code == expected, f"{what}: {response.status_code}, expected {expected}"


def test_every_allowed_post_has_its_effect_checked() -> None:
    allowed = {
        endpoint
        for endpoint, (_, methods) in MATRIX.items()
        if any(OK in roles.values() for roles in methods.get("POST", {}).values())
    }
    assert allowed - set(EFFECTS) == set(), "allowed POSTs whose effect the matrix does not check"


def test_every_route_is_classified(app) -> None:  # type: ignore[no-untyped-def]
    missing = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in UNCLASSIFIED_OK or rule.endpoint.startswith(OTHER_MATRICES):
            continue
        classified = MATRIX.get(rule.endpoint)
        methods = set(rule.methods or ()) - {"HEAD", "OPTIONS"}
        if classified is None or not methods <= set(classified[1]):
            missing.append(f"{rule.endpoint} {sorted(methods)} {rule.rule}")
    assert not missing, "routes not in the access matrix:\n" + "\n".join(missing)


def test_a_drafts_existence_is_not_revealed(make_client, world) -> None:  # type: ignore[no-untyped-def]
    """A respondent of another country gets the same answer for an existing draft and a missing one."""
    other = make_client()
    other.login("deu@example.org")
    existing = other.get(f"{A}/")
    missing = other.get("/cycles/2026/countries/ITA/")
    assert existing.status_code == missing.status_code == 404
    assert existing.get_data(as_text=True).replace("FRA", "ITA") == missing.get_data(as_text=True)


def test_the_comparison_never_lists_drafts(make_client, world) -> None:  # type: ignore[no-untyped-def]
    reviewer = make_client()
    reviewer.login("reviewer@example.org")
    page = reviewer.get("/cycles/2026/compare").get_data(as_text=True)
    assert "France" not in page
    services.submit(db.session.get(User, _user("fra@example.org")), db.session.get(Assessment, world["assessment"].id))
    assert "France" in reviewer.get("/cycles/2026/compare").get_data(as_text=True)
