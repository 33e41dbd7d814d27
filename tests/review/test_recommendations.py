"""Recommendations: made when returning or accepting, shown in the next cycle, followed up by its answers.

France's 2025 assessment gets recommendations on four obligations, each assessed
by one item of its own; France's 2026 answers then implement one (IX-3 fully
implemented), improve another (IX-4 from none to partially), leave a third as it
was (CL-1) and the fourth is due only in 2027.
"""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from questionnaire import services
from questionnaire.db import db
from questionnaire.models import Assessment, Cycle, Event, Recommendation, RecommendationComment, User
from questionnaire.services import recommendations
from questionnaire.services.recommendations import RecommendationInput

IMPLEMENTED, PROGRESS, STILL, LATER = "ga-1988.1", "ga-1988.2", "ecosoc-2006.1", "ecosoc-2006.2a"
ITEM = {IMPLEMENTED: "IX-3", PROGRESS: "IX-4", STILL: "CL-1", LATER: "CL-2"}
BASE_2025 = "/cycles/2025/countries/FRA"
BASE_2026 = "/cycles/2026/countries/FRA"


def _cycle(code: str, year: int) -> Cycle:
    cycle = services.create_cycle(code, f"Self-assessment {code}")
    cycle.opened_at = datetime(year, 3, 1, tzinfo=UTC)
    db.session.commit()
    return cycle


@pytest.fixture
def cycles(app: Any, users: dict[str, User]) -> dict[str, Cycle]:
    """Cycles 2025, 2026 and 2027, opened in that order."""
    return {code: _cycle(code, int(code)) for code in ("2025", "2026", "2027")}


def rate(user: User, assessment: Assessment, ratings: dict[str, str]) -> None:
    """Save ratings (with a description and a law, so that none is unsupported) over what is stored."""
    stored = services.answers_of(assessment)
    edits = [
        services.Edit(
            item,
            services.make_input(rating=rating, description="In force.", legal_references=["Act 1, art. 2"]),
            stored[item].version if item in stored else 0,
        )
        for item, rating in ratings.items()
    ]
    services.save_answers(user, assessment, edits)


def submitted(user: User, cycle: Cycle, ratings: dict[str, str]) -> Assessment:
    assessment, _ = services.start_assessment(user, cycle, user.country_iso3 or "")
    rate(user, assessment, ratings)
    services.submit(user, assessment)
    return assessment


def fresh(assessment: Assessment) -> Assessment:
    db.session.expire_all()
    found = db.session.get(Assessment, assessment.id)
    assert found is not None
    return found


def count(model: Any) -> int:
    db.session.expire_all()
    return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


FOUR = [
    RecommendationInput(IMPLEMENTED, "Exchange information on traffickers through I-24/7.", "high"),
    RecommendationInput(PROGRESS, "Build a national database of cases.", "medium"),
    RecommendationInput(STILL, "Criminalize trafficking as the Protocol defines it.", "low"),
    RecommendationInput(LATER, "Make trafficking a serious crime.", "high", "2027"),
]


@pytest.fixture
def recommended(users: dict[str, User], cycles: dict[str, Cycle]) -> Assessment:
    """France 2025, accepted with the four recommendations."""
    fra = submitted(users["fra"], cycles["2025"], {"IX-3": "none", "IX-4": "none", "CL-1": "partially", "CL-2": "none"})
    recommendations.accept(users["reviewer"], fra, "Thank you.", FOUR)
    return fra


@pytest.fixture
def next_draft(users: dict[str, User], cycles: dict[str, Cycle], recommended: Assessment) -> Assessment:
    """France 2026: a draft that implements one, improves another, keeps the third as it was."""
    assessment, _ = services.start_assessment(users["fra"], cycles["2026"], "FRA")
    rate(users["fra"], assessment, {"IX-3": "full", "IX-4": "partially", "CL-1": "partially", "CL-2": "full"})
    return assessment


def statuses(rows: list[recommendations.FollowedUp]) -> dict[str, str]:
    return {r.obligation_id: r.status for r in rows}


def signed_in(make_client: Any, email: str) -> Any:
    client = make_client()
    client.login(email)
    return client


def _text(response: Any) -> str:
    return response.get_data(as_text=True)


def card_statuses(page: str) -> list[str]:
    """Return the status of each recommendation shown on a follow-up page (the legend left out)."""
    cards = re.findall(r'<article class="recommendation".*?</article>', page, re.S)
    return [re.search(r"tag--follow-up tag--([a-z-]+)", card).group(1) for card in cards]  # type: ignore[union-attr]


# --------------------------------------------------------------------------
# Made when returning and when accepting
# --------------------------------------------------------------------------


def test_recommendations_are_made_with_a_return_and_with_an_acceptance(make_client, users, cycles) -> None:  # type: ignore[no-untyped-def]
    fra = submitted(users["fra"], cycles["2025"], {"IX-3": "none"})
    reviewer = signed_in(make_client, "reviewer@example.org")
    overview = reviewer.get(f"{BASE_2025}/")
    page = _text(overview)
    assert 'id="return-recommendations-0-obligation"' in page and 'id="accept-recommendations-0-obligation"' in page
    assert '<option value="ga-1988.1">(1) — Member countries improve' in page
    assert 'value="ga-2001.4"' not in page  # addressed to an international body: not scored, not offered

    response = reviewer.post_form(
        f"{BASE_2025}/return",
        {
            "comment": "Please cite the law.",
            "recommendations-0-obligation": IMPLEMENTED,
            "recommendations-0-text": "Exchange information through I-24/7.",
            "recommendations-0-priority": "high",
            "recommendations-0-target_cycle": "",
            "recommendations-1-obligation": "",  # a row left empty is ignored
            "recommendations-1-text": "  ",
            "recommendations-1-priority": "medium",
        },
        page=f"{BASE_2025}/",
    )
    assert response.status_code == 302
    returned = db.session.scalar(select(Event).where(Event.action == "returned"))
    made = db.session.scalars(select(Recommendation)).all()
    assert [(r.obligation_id, r.priority, r.target_cycle, r.event_id) for r in made] == [
        (IMPLEMENTED, "high", "", returned.id)
    ]
    assert fresh(fra).status == "returned"

    services.submit(users["fra"], fresh(fra))
    response = reviewer.post_form(
        f"{BASE_2025}/accept",
        {
            "comment": "",
            "recommendations-0-obligation": PROGRESS,
            "recommendations-0-text": "Build a national database.",
            "recommendations-0-priority": "low",
            "recommendations-0-target_cycle": "2027",
        },
        page=f"{BASE_2025}/",
    )
    assert response.status_code == 302
    accepted = db.session.scalar(select(Event).where(Event.action == "accepted"))
    made = db.session.scalars(select(Recommendation).order_by(Recommendation.id)).all()
    assert [(r.obligation_id, r.priority, r.target_cycle, r.event_id) for r in made][1:] == [
        (PROGRESS, "low", "2027", accepted.id)
    ]
    assert fresh(fra).status == "accepted"
    flashed = _text(reviewer.get(f"{BASE_2025}/"))
    assert "The assessment was accepted." in flashed and "1 recommendation was recorded with it." in flashed


def test_another_row_can_be_added_without_saving_anything(make_client, users, cycles) -> None:  # type: ignore[no-untyped-def]
    submitted(users["fra"], cycles["2025"], {"IX-3": "none"})
    reviewer = signed_in(make_client, "reviewer@example.org")
    response = reviewer.post_form(
        f"{BASE_2025}/return",
        {"comment": "Typed so far.", "recommendations-0-text": "First idea.", "more": "1"},
        page=f"{BASE_2025}/",
    )
    page = _text(response)
    assert response.status_code == 200
    assert 'id="return-recommendations-1-text"' in page and "First idea." in page and "Typed so far." in page
    assert 'id="accept-recommendations-1-text"' not in page
    assert count(Recommendation) == 0 and count(Event) == 2  # started, submitted


def test_each_field_at_fault_is_named_and_nothing_is_saved(make_client, users, cycles) -> None:  # type: ignore[no-untyped-def]
    fra = submitted(users["fra"], cycles["2025"], {"IX-3": "none"})
    reviewer = signed_in(make_client, "reviewer@example.org")
    response = reviewer.post_form(
        f"{BASE_2025}/return",
        {
            "comment": "",
            "recommendations-0-obligation": "no-such-obligation",
            "recommendations-0-text": "",
            "recommendations-0-priority": "urgent",
            "recommendations-0-target_cycle": "1999",
            "recommendations-1-obligation": "ga-2001.4",  # addressed to Interpol, not to countries
            "recommendations-1-text": "x" * 5001,
            "recommendations-1-priority": "low",
        },
        page=f"{BASE_2025}/",
    )
    page = _text(response)
    assert response.status_code == 422
    assert "2 recommendations need correcting; nothing was saved." in page
    for field in ("comment", "recommendations-0-obligation", "recommendations-0-text"):
        assert f'href="#return-{field}"' in page and f'id="return-{field}-error"' in page
    for field in ("recommendations-0-priority", "recommendations-0-target_cycle", "recommendations-1-obligation"):
        assert f'id="return-{field}-error"' in page
    assert "There is no obligation “no-such-obligation”" in page
    assert "Write the recommendation." in page
    assert "Choose one of the priorities: High, Medium, Low." in page
    assert "Choose the next cycle, or a cycle opened after 2025." in page
    assert "is addressed to an international body" in page
    assert "Keep the recommendation under 5,000 characters." in page
    assert "A comment is required to return an assessment." in page
    assert 'aria-invalid="true"' in page
    assert fresh(fra).status == "submitted"
    assert count(Recommendation) == 0 and count(Event) == 2


def test_a_return_without_a_comment_still_says_why(make_client, users, cycles) -> None:  # type: ignore[no-untyped-def]
    submitted(users["fra"], cycles["2025"], {"IX-3": "none"})
    reviewer = signed_in(make_client, "reviewer@example.org")
    response = reviewer.post_form(f"{BASE_2025}/return", {"comment": "  "}, page=f"{BASE_2025}/")
    assert response.status_code == 422
    assert "returning needs a comment" in _text(response)
    assert 'id="return-comment-error"' in _text(response)


def test_the_service_saves_the_step_and_its_recommendations_together_or_neither(users, cycles) -> None:  # type: ignore[no-untyped-def]
    fra = submitted(users["fra"], cycles["2025"], {"IX-3": "none"})
    with pytest.raises(recommendations.InvalidRecommendation) as refused:
        recommendations.return_assessment(
            users["reviewer"], fra, "Please look again.", [RecommendationInput(IMPLEMENTED, "")]
        )
    assert refused.value.errors == {"recommendations[0].text": "Write the recommendation."}
    assert fresh(fra).status == "submitted" and count(Recommendation) == 0
    # A respondent may neither return nor recommend; a reviewer may not on an accepted assessment.
    with pytest.raises(services.Forbidden):
        recommendations.accept(users["fra"], fresh(fra), "", [RecommendationInput(IMPLEMENTED, "Do it.")])
    recommendations.accept(users["reviewer"], fresh(fra), "", [])
    with pytest.raises(services.InvalidTransition):
        recommendations.accept(users["reviewer"], fresh(fra), "", [RecommendationInput(IMPLEMENTED, "Do it.")])
    assert count(Recommendation) == 0


# --------------------------------------------------------------------------
# Follow-up
# --------------------------------------------------------------------------


def test_statuses_follow_from_the_next_cycles_answers(users, cycles, recommended, next_draft) -> None:  # type: ignore[no-untyped-def]
    services.submit(users["fra"], next_draft)
    for viewer in (users["reviewer"], users["fra"]):
        rows = recommendations.for_country(viewer, fresh(recommended))
        assert statuses(rows) == {
            IMPLEMENTED: "implemented",
            PROGRESS: "progress",
            STILL: "no_progress",
            LATER: "pending",  # due by 2027, which France has not answered yet
        }
    rows = {r.obligation_id: r for r in recommendations.for_country(users["reviewer"], fresh(recommended))}
    assert (rows[PROGRESS].score_before, rows[PROGRESS].score_after) == (0, 50)
    assert rows[IMPLEMENTED].followed_up_cycle == "2026" and rows[LATER].followed_up_cycle is None

    # The 2027 answers follow up the one due by then.
    later, _ = services.start_assessment(users["fra"], cycles["2027"], "FRA")
    rate(users["fra"], later, {"CL-2": "full"})
    services.submit(users["fra"], later)
    assert statuses(recommendations.for_country(users["reviewer"], fresh(recommended)))[LATER] == "implemented"


def test_a_draft_never_tells_reviewers_how_the_country_follows_up(make_client, users, recommended, next_draft) -> None:  # type: ignore[no-untyped-def]
    assert set(statuses(recommendations.for_country(users["reviewer"], fresh(recommended))).values()) == {"pending"}
    assert statuses(recommendations.for_country(users["fra"], fresh(recommended)))[IMPLEMENTED] == "implemented"
    reviewer = signed_in(make_client, "reviewer@example.org")
    page = _text(reviewer.get(f"{BASE_2025}/recommendations"))
    assert card_statuses(page) == ["pending"] * 4
    across = _text(reviewer.get("/cycles/2025/recommendations"))
    assert across.count("tag--pending") == 4 and "tag--implemented" not in across
    assert reviewer.get(f"{BASE_2026}/recommendations").status_code == 404  # the draft's own page

    country = signed_in(make_client, "fra@example.org")
    page = _text(country.get(f"{BASE_2026}/recommendations"))
    assert sorted(card_statuses(page)) == ["implemented", "no-progress", "pending", "progress"]
    # What reviewers see is the same whether the country has a draft or nothing.
    db.session.delete(fresh(next_draft))
    db.session.commit()
    assert _text(reviewer.get("/cycles/2025/recommendations")).count("tag--pending") == 4


def test_earlier_recommendations_are_shown_beside_the_items_that_assess_them(
    make_client, users, recommended, next_draft
) -> None:  # type: ignore[no-untyped-def]
    by_item = recommendations.recommendations_by_item(fresh(next_draft))
    assert {item: [r.obligation_id for r in rows] for item, rows in by_item.items()} == {
        ITEM[o]: [o] for o in (IMPLEMENTED, PROGRESS, STILL, LATER)
    }
    country = signed_in(make_client, "fra@example.org")
    page = _text(country.get(f"{BASE_2026}/sections/information-exchange"))
    assert 'id="recommendations-IX-3-title"' in page
    assert "Exchange information on traffickers through I-24/7." in page
    assert f'href="{BASE_2025}/recommendations#recommendation-' in page
    assert recommendations.recommendations_by_item(fresh(recommended)) == {}  # nothing earlier than 2025


def test_another_country_gets_not_found(make_client, users, recommended) -> None:  # type: ignore[no-untyped-def]
    other = signed_in(make_client, "deu@example.org")
    rec = db.session.scalars(select(Recommendation)).first()
    assert other.get(f"{BASE_2025}/recommendations").status_code == 404
    response = other.post_form(f"{BASE_2025}/recommendations/{rec.id}/comments", {"body": "Hello"}, page="/")
    assert response.status_code == 404
    assert other.get("/cycles/2025/recommendations").status_code == 404  # reviewers only
    assert count(RecommendationComment) == 0


def test_both_sides_comment_and_an_empty_comment_is_refused(make_client, users, recommended) -> None:  # type: ignore[no-untyped-def]
    rec = db.session.scalars(select(Recommendation).order_by(Recommendation.id)).first()
    url = f"{BASE_2025}/recommendations/{rec.id}/comments"
    reviewer = signed_in(make_client, "reviewer@example.org")
    country = signed_in(make_client, "fra@example.org")
    assert (
        reviewer.post_form(url, {"body": "Where does this stand?"}, page=f"{BASE_2025}/recommendations").status_code
        == 302
    )
    response = country.post_form(url, {"body": "A bill is before parliament."}, page=f"{BASE_2025}/recommendations")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"#recommendation-{rec.id}")
    page = _text(reviewer.get(f"{BASE_2025}/recommendations"))
    assert "Where does this stand?" in page and "A bill is before parliament." in page
    refused = country.post_form(url, {"body": "   "}, page=f"{BASE_2025}/recommendations")
    assert refused.status_code == 422 and f'id="comment-{rec.id}-error"' in _text(refused)
    assert count(RecommendationComment) == 2
    # A recommendation of another country is not found under France's address.
    assert country.post_form(f"{BASE_2025}/recommendations/999999/comments", {"body": "x"}, page="/").status_code == 404


def test_without_a_csrf_token_nothing_happens(make_client, users, cycles, recommended) -> None:  # type: ignore[no-untyped-def]
    rec = db.session.scalars(select(Recommendation)).first()
    country = signed_in(make_client, "fra@example.org")
    response = country.post(f"{BASE_2025}/recommendations/{rec.id}/comments", data={"body": "Hello"})
    assert response.status_code == 400 and count(RecommendationComment) == 0
    fra_2026 = submitted(users["fra"], cycles["2026"], {"IX-3": "full"})
    reviewer = signed_in(make_client, "reviewer@example.org")
    before = count(Recommendation)
    response = reviewer.post(
        f"{BASE_2026}/accept",
        data={"recommendations-0-obligation": IMPLEMENTED, "recommendations-0-text": "Keep it up."},
    )
    assert response.status_code == 400
    assert count(Recommendation) == before and fresh(fra_2026).status == "submitted"


def test_the_cross_country_page_filters_by_status_and_priority(make_client, users, recommended, next_draft) -> None:  # type: ignore[no-untyped-def]
    services.submit(users["fra"], next_draft)
    reviewer = signed_in(make_client, "reviewer@example.org")
    page = _text(reviewer.get("/cycles/2026/recommendations"))
    assert "4 recommendations" in page  # made in 2025, followed up in 2026 (one still pending)
    implemented = _text(reviewer.get("/cycles/2026/recommendations?status=implemented"))
    assert "1 recommendation" in implemented and "I-24/7" in implemented and "national database" not in implemented
    high = _text(reviewer.get("/cycles/2026/recommendations?priority=high"))
    assert "2 recommendations" in high
    odd = reviewer.get("/cycles/2026/recommendations?status=%3Cscript%3E&priority=x")
    assert odd.status_code == 200 and "4 recommendations" in _text(odd) and "<script>" not in _text(odd)
    # Found implemented in 2026, it is no longer followed up in 2027.
    assert "I-24/7" not in _text(reviewer.get("/cycles/2027/recommendations"))
    assert "national database" in _text(reviewer.get("/cycles/2027/recommendations"))


# --------------------------------------------------------------------------
# Hostile text and the gap report
# --------------------------------------------------------------------------

HOSTILE = '<script>alert("x")</script> & <b>bold</b>'


def test_hostile_text_is_escaped_in_pages_and_reports(make_client, users, cycles, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    fra = submitted(users["fra"], cycles["2025"], {"IX-3": "none"})
    recommendations.accept(users["reviewer"], fra, "", [RecommendationInput(IMPLEMENTED, HOSTILE, "high")])
    rec = db.session.scalars(select(Recommendation)).first()
    recommendations.add_comment(users["fra"], fresh(fra), rec.id, HOSTILE)
    draft, _ = services.start_assessment(users["fra"], cycles["2026"], "FRA")
    country = signed_in(make_client, "fra@example.org")
    reviewer = signed_in(make_client, "reviewer@example.org")
    for client, url in (
        (country, f"{BASE_2025}/recommendations"),
        (reviewer, f"{BASE_2025}/recommendations"),
        (reviewer, "/cycles/2025/recommendations"),
        (country, f"{BASE_2026}/sections/information-exchange"),
        (country, f"{BASE_2025}/report"),
        (country, f"{BASE_2026}/report"),
    ):
        page = _text(client.get(url))
        assert "<script>alert" not in page and "<b>bold</b>" not in page, url
        assert "&lt;script&gt;alert(" in page, url


@pytest.mark.slow
def test_the_pdf_report_lists_recommendations_and_their_follow_up(make_client, users, recommended, next_draft) -> None:  # type: ignore[no-untyped-def]
    from pypdf import PdfReader

    db.session.execute(
        Recommendation.__table__.update().where(Recommendation.obligation_id == STILL).values(text=HOSTILE)  # type: ignore[attr-defined]
    )
    db.session.commit()
    country = signed_in(make_client, "fra@example.org")
    html = _text(country.get(f"{BASE_2026}/report"))
    assert 'id="recommendations"' in html and "Follow-up of earlier recommendations" in html
    assert ">Implemented</strong>" in html  # the country's report uses its own draft
    reviewer_html = _text(signed_in(make_client, "reviewer@example.org").get(f"{BASE_2025}/report"))
    assert "Made on this assessment" in reviewer_html and "Build a national database of cases." in reviewer_html
    response = country.get(f"{BASE_2025}/report.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF-")
    text = re.sub(r"\s+", " ", " ".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(response.data)).pages))
    assert "Reviewers' recommendations" in text or "Reviewers’ recommendations" in text
    assert '<script>alert("x")</script>' in text  # printed as the text it is, never run
    assert "Build a national database of cases." in text


def test_odd_rows_of_the_form_do_no_harm(make_client, users, cycles) -> None:  # type: ignore[no-untyped-def]
    fra = submitted(users["fra"], cycles["2025"], {"IX-3": "none"})
    reviewer = signed_in(make_client, "reviewer@example.org")
    data = {
        "comment": "Please look again.",
        "recommendations-99999999999999999999-obligation": IMPLEMENTED,
        "recommendations-99999999999999999999-text": "<script>alert(1)</script>",
        "recommendations-x-text": "not a row",
        "recommendations--1-text": "not a row either",
        **{f"recommendations-{n}-text": f"Row {n}" for n in range(40)},  # more rows than one step may carry
    }
    response = reviewer.post_form(f"{BASE_2025}/return", data, page=f"{BASE_2025}/")
    page = _text(response)
    assert response.status_code == 422  # the rows without an obligation
    assert "<script>alert(1)</script>" not in page
    assert page.count('class="recommendation-row"') == recommendations.MAX_PER_STEP + 1  # and the accept form's row
    assert fresh(fra).status == "submitted" and count(Recommendation) == 0
    more = reviewer.post_form(f"{BASE_2025}/return", {**data, "more": "1"}, page=f"{BASE_2025}/")
    assert more.status_code == 200 and count(Recommendation) == 0


def test_a_new_recommendation_shows_at_once_on_a_cached_section_page(
    make_client, users, recommended, next_draft
) -> None:  # type: ignore[no-untyped-def]
    country = signed_in(make_client, "fra@example.org")
    url = f"{BASE_2026}/sections/information-exchange"
    assert "Report on the database every year." not in _text(country.get(url))
    assert "Report on the database every year." not in _text(country.get(url))  # now served from the cache
    recommendations.add_recommendation(
        users["reviewer"], fresh(recommended), RecommendationInput(PROGRESS, "Report on the database every year.")
    )
    assert "Report on the database every year." in _text(country.get(url))
