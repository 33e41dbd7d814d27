"""Submit, return with a comment, resubmit, accept; item comment threads; closed cycles."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from questionnaire import services
from questionnaire.db import db
from questionnaire.models import Assessment, Event

from .conftest import DECLARATION

BASE = "/cycles/2026/countries/FRA"


@pytest.fixture
def respondent(make_client, users, cycle):  # type: ignore[no-untyped-def]
    client = make_client()
    client.login("fra@example.org")
    client.post_form(f"{BASE}/start", page="/")
    return client


@pytest.fixture
def reviewer(make_client, users):  # type: ignore[no-untyped-def]
    client = make_client()
    client.login("reviewer@example.org")
    return client


def status() -> str:
    db.session.expire_all()
    return db.session.scalar(select(Assessment.status))


def events() -> list[tuple[str, str, str]]:
    db.session.expire_all()
    return [(e.action, e.to_status, e.comment) for e in db.session.scalars(select(Event).order_by(Event.id))]


def test_submitting_warns_of_unanswered_items(respondent) -> None:  # type: ignore[no-untyped-def]
    page = respondent.get(f"{BASE}/submit").get_data(as_text=True)
    assert "38 items are not answered" in page
    assert "count as not implemented" in page
    assert 'href="/cycles/2026/countries/FRA/sections/criminal-law#item-CL-1"' in page
    assert status() == "draft"


def test_the_whole_review_cycle(respondent, reviewer) -> None:  # type: ignore[no-untyped-def]
    assert reviewer.get(f"{BASE}/").status_code == 404  # a draft is private
    assert respondent.post_form(f"{BASE}/submit", {"comment": "Ready.", **DECLARATION}).status_code == 302
    assert status() == "submitted"
    assert reviewer.get(f"{BASE}/").status_code == 200
    # the country can no longer edit
    page = respondent.get(f"{BASE}/sections/criminal-law").get_data(as_text=True)
    assert "read only" in page
    assert respondent.post_form(f"{BASE}/sections/criminal-law", {"item_CL_1-rating": "full"}).status_code == 409

    # returning needs a comment
    refused = reviewer.post_form(f"{BASE}/return", {"comment": "   "}, page=f"{BASE}/", follow_redirects=True)
    assert "returning needs a comment" in refused.get_data(as_text=True)
    assert status() == "submitted"
    reviewer.post_form(f"{BASE}/items/CL-2/comments", {"body": "Which article defines the offence?"}, page=f"{BASE}/")
    assert (
        reviewer.post_form(f"{BASE}/return", {"comment": "Please complete CL-2."}, page=f"{BASE}/").status_code == 302
    )
    assert status() == "returned"

    # the country reads the comment, answers it and resubmits
    section = respondent.get(f"{BASE}/sections/criminal-law").get_data(as_text=True)
    assert "Which article defines the offence?" in section
    assert "Returned for changes" in respondent.get(f"{BASE}/").get_data(as_text=True)
    respondent.post_form(
        f"{BASE}/items/CL-2/comments", {"body": "Article 225-4-1 of the Criminal Code."}, page=f"{BASE}/"
    )
    assert respondent.post_form(f"{BASE}/submit", {"comment": "", **DECLARATION}).status_code == 302
    assert status() == "submitted"

    assert reviewer.post_form(f"{BASE}/accept", {"comment": "Thank you."}, page=f"{BASE}/").status_code == 302
    assert status() == "accepted"
    # accepted is final
    assert reviewer.post_form(f"{BASE}/return", {"comment": "Again"}, page=f"{BASE}/").status_code == 409
    assert reviewer.post_form(f"{BASE}/accept", {}, page=f"{BASE}/").status_code == 409
    assert respondent.post_form(f"{BASE}/submit", {}, page=f"{BASE}/").status_code == 409
    assert [e[:2] for e in events()] == [
        ("started", "draft"),
        ("submitted", "submitted"),
        ("returned", "returned"),
        ("submitted", "submitted"),
        ("accepted", "accepted"),
    ]
    assert events()[2][2] == "Please complete CL-2."
    history = reviewer.get(f"{BASE}/history").get_data(as_text=True)
    assert "Please complete CL-2." in history


def test_every_transition_records_who_and_when(respondent, reviewer, users) -> None:  # type: ignore[no-untyped-def]
    respondent.post_form(f"{BASE}/submit", DECLARATION)
    reviewer.post_form(f"{BASE}/accept", {}, page=f"{BASE}/")
    rows = db.session.scalars(select(Event).order_by(Event.id)).all()
    assert [r.user_id for r in rows] == [users["fra"].id, users["fra"].id, users["reviewer"].id]
    assert all(r.at is not None and r.at.tzinfo is not None for r in rows)
    assert [r.from_status for r in rows] == [None, "draft", "submitted"]


def test_comments_are_closed_once_accepted(respondent, reviewer) -> None:  # type: ignore[no-untyped-def]
    respondent.post_form(f"{BASE}/submit", DECLARATION)
    reviewer.post_form(f"{BASE}/accept", {}, page=f"{BASE}/")
    assert reviewer.post_form(f"{BASE}/items/CL-1/comments", {"body": "Late"}, page=f"{BASE}/").status_code == 409


def test_empty_and_overlong_comments_are_refused(respondent) -> None:  # type: ignore[no-untyped-def]
    empty = respondent.post_form(f"{BASE}/items/CL-1/comments", {"body": "  "}, page=f"{BASE}/", follow_redirects=True)
    assert "Write something before sending the comment." in empty.get_data(as_text=True)
    long = respondent.post_form(
        f"{BASE}/items/CL-1/comments", {"body": "x" * 5001}, page=f"{BASE}/", follow_redirects=True
    )
    assert "Keep the comment under 5,000 characters." in long.get_data(as_text=True)
    assert respondent.post_form(f"{BASE}/items/NOPE/comments", {"body": "x"}, page=f"{BASE}/").status_code == 404


def test_a_closed_cycle_freezes_its_assessments(app, respondent, users, cycle) -> None:  # type: ignore[no-untyped-def]
    services.close_cycle(cycle)
    assert (
        respondent.post_form(f"{BASE}/sections/criminal-law", {"item_CL_1-rating": "full"}, page=f"{BASE}/").status_code
        == 409
    )
    assert respondent.post_form(f"{BASE}/submit", {}, page=f"{BASE}/").status_code == 409
    with pytest.raises(services.InvalidTransition, match="already closed"):
        services.close_cycle(cycle)


def test_a_cycle_keeps_its_catalogue_edition_when_the_file_changes(app, users, cycle, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from questionnaire.catalogue_store import catalogue_for, current_catalogue

    original = catalogue_for(cycle)
    text = app.config["CATALOGUE_PATH"] and open(app.config["CATALOGUE_PATH"], encoding="utf-8").read()
    edited = tmp_path / "edited.yaml"
    edited.write_text(text.replace("Is your country a party to", "Has your country joined"), encoding="utf-8")
    app.config["CATALOGUE_PATH"] = str(edited)
    app.extensions["catalogue"] = None
    assert current_catalogue().hash != original.hash
    later = services.create_cycle("2027")
    assert later.edition_hash == current_catalogue().hash
    assert catalogue_for(cycle).hash == original.hash
    assert catalogue_for(cycle).item_by_id["CL-1"].question.startswith("Is your country a party to")
    assert catalogue_for(later).item_by_id["CL-1"].question.startswith("Has your country joined")


def test_starting_twice_is_harmless(respondent) -> None:  # type: ignore[no-untyped-def]
    assert respondent.post_form(f"{BASE}/start", page="/").status_code == 302
    assert len(db.session.scalars(select(Assessment)).all()) == 1


def test_invalid_cycle_codes_are_refused(app) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(services.InvalidAnswer, match="not a valid cycle code"):
        services.create_cycle("20 26/../x")
