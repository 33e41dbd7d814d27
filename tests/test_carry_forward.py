"""Answers carried forward from the last cycle across an edition change; confirmed, changed; the audit trail."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select

from questionnaire import services
from questionnaire.db import db
from questionnaire.models import Answer, AnswerChange, Assessment, Event
from questionnaire.services import carry
from questionnaire.services.answers import AnswerInput

from .conftest import DECLARATION

FULL = {"rating": "full", "description": "In force.", "legal_references": ("Criminal Code, art. 1",)}


def _values(**values: Any) -> AnswerInput:
    return AnswerInput(**{**FULL, **values})


def _answer(user, assessment, item: str, **values: Any) -> None:  # type: ignore[no-untyped-def]
    current = services.answers_of(assessment).get(item)
    services.save_answer(user, assessment, item, _values(**values), current.version if current else 0, source="api")


def _edited_catalogue(app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Switch the application to an edition where CL-1's question changed, IC-3 is gone and CL-6 is new."""
    data = yaml.safe_load(Path(app.config["CATALOGUE_PATH"]).read_text(encoding="utf-8"))
    items = data["items"]
    cl1 = next(i for i in items if i["id"] == "CL-1")
    cl1["question"] = "Has your country joined the three instruments?"
    data["items"] = [i for i in items if i["id"] != "IC-3"]
    new = {**copy.deepcopy(next(i for i in items if i["id"] == "CL-2")), "id": "CL-6", "question": "Is it new?"}
    data["items"].insert(5, new)
    for obligation in data["obligations"]:
        obligation["items"] = [i for i in obligation["items"] if i != "IC-3"]
        if obligation["id"] == "ga-2005.asks":
            obligation["items"].append("CL-6")
    path = tmp_path / "obligations.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    app.config["CATALOGUE_PATH"] = str(path)
    app.extensions["catalogue"] = None


def _close_with(user, reviewer, code: str, ratings: dict[str, str], status: str = "accepted") -> Assessment:  # type: ignore[no-untyped-def]
    cycle = services.create_cycle(code)
    assessment, _ = services.start_assessment(user, cycle, "FRA")
    for item, rating in ratings.items():
        _answer(user, assessment, item, rating=rating)
    if status in ("submitted", "accepted"):
        services.submit(user, assessment)
    if status == "accepted":
        services.accept(reviewer, assessment)
    services.close_cycle(cycle)
    return assessment


@pytest.fixture
def last_year(app, users):  # type: ignore[no-untyped-def]
    """France's accepted 2025 answers on the current edition."""
    return _close_with(
        users["fra"],
        users["reviewer"],
        "2025",
        {"CL-1": "full", "CL-2": "largely", "IC-3": "partially", "LE-1": "none"},
    )


def _carried(assessment: Assessment) -> dict[str, str | None]:
    db.session.expire_all()
    return {a.item_id: a.carry for a in db.session.scalars(select(Answer).where(Answer.assessment_id == assessment.id))}


def test_carried_across_an_edition_change(app, users, last_year, tmp_path) -> None:  # type: ignore[no-untyped-def]
    before = services.compute(last_year)
    _edited_catalogue(app, tmp_path)
    cycle = services.create_cycle("2026")
    assessment, created = services.start_assessment(users["fra"], cycle, "FRA")
    assert created
    # CL-1's question changed and IC-3 is gone: neither is carried; CL-2 and LE-1 are.
    assert _carried(assessment) == {"CL-2": "carried", "LE-1": "carried"}
    answers = services.answers_of(assessment)
    assert AnswerInput.of(answers["CL-2"]) == _values(rating="largely")
    assert assessment.carried_from_id == last_year.id

    states = carry.carry_states(assessment, answers)
    assert states["CL-1"] == carry.ItemCarry("question_changed", old_question=states["CL-1"].old_question)
    assert states["CL-1"].old_question.startswith("Is your country a party to")
    assert states["CL-6"].state == "new_item"
    assert states["CL-2"].state == "carried"
    assert "IC-3" not in states

    # The carried answers count as the country's last position: the same ratings, the same item scores.
    now = services.compute(assessment)
    now_items = {i.item: i.value for i in now.items}
    before_items = {i.item: i.value for i in before.items}
    assert now_items["CL-2"] == before_items["CL-2"] == 75
    assert now_items["LE-1"] == before_items["LE-1"] == 0
    assert now.overall is not None and now.overall > 0

    # Confirming changes nothing in the score; changing a carried answer does.
    assert carry.confirm(users["fra"], assessment, ["CL-2", "CL-1", "CL-2"]) == ["CL-2"]
    assert services.compute(assessment).overall == now.overall
    _answer(users["fra"], assessment, "LE-1", rating="full")
    assert services.compute(assessment).overall > now.overall
    assert _carried(assessment) == {"CL-2": "confirmed", "LE-1": "changed"}
    assert carry.unconfirmed(assessment) == []


def test_the_audit_trail_records_the_carry_forward(app, users, last_year) -> None:  # type: ignore[no-untyped-def]
    cycle = services.create_cycle("2026")
    assessment, _ = services.start_assessment(users["fra"], cycle, "FRA")
    trail = list(db.session.scalars(select(AnswerChange).where(AnswerChange.assessment_id == assessment.id)))
    assert {(c.item_id, c.source) for c in trail} == {(i, "carried") for i in ("CL-1", "CL-2", "IC-3", "LE-1")}
    cl2 = next(c for c in trail if c.item_id == "CL-2")
    assert cl2.changes["rating"] == [None, "largely"] and cl2.user_id == users["fra"].id
    event = db.session.scalar(
        select(Event).where(Event.assessment_id == assessment.id, Event.action == "carried_forward")
    )
    assert event is not None and event.comment == "2025"

    carry.confirm(users["fra"], assessment, ["CL-2"])
    _answer(users["fra"], assessment, "LE-1", rating="initial")
    changes = {
        c.item_id: c.changes
        for c in db.session.scalars(
            select(AnswerChange).where(AnswerChange.assessment_id == assessment.id, AnswerChange.source != "carried")
        )
    }
    assert changes["CL-2"] == {"carried_forward": [True, False]}
    assert changes["LE-1"] == {"rating": ["none", "initial"], "carried_forward": [True, False]}


def test_the_most_recent_accepted_else_submitted(app, users) -> None:  # type: ignore[no-untyped-def]
    fra, reviewer = users["fra"], users["reviewer"]
    _close_with(fra, reviewer, "2023", {"CL-2": "initial"}, status="accepted")
    _close_with(fra, reviewer, "2024", {"CL-2": "partially"}, status="submitted")
    _close_with(fra, reviewer, "2025", {"CL-2": "largely"}, status="draft")
    assessment, _ = services.start_assessment(fra, services.create_cycle("2026"), "FRA")
    assert services.answers_of(assessment)["CL-2"].rating == "initial"  # accepted 2023 beats submitted 2024


def test_submitted_when_nothing_was_accepted_and_nothing_from_drafts(app, users) -> None:  # type: ignore[no-untyped-def]
    fra, reviewer = users["fra"], users["reviewer"]
    _close_with(fra, reviewer, "2024", {"CL-2": "partially"}, status="submitted")
    _close_with(fra, reviewer, "2025", {"CL-2": "largely"}, status="draft")
    assessment, _ = services.start_assessment(fra, services.create_cycle("2026"), "FRA")
    assert services.answers_of(assessment)["CL-2"].rating == "partially"
    # Germany has nothing earlier: it starts empty, and nothing of France's reaches it.
    germany, _ = services.start_assessment(users["deu"], services.find_cycle("2026"), "DEU")
    assert services.answers_of(germany) == {}
    assert germany.carried_from_id is None


def test_a_draft_is_never_a_source(app, users) -> None:  # type: ignore[no-untyped-def]
    _close_with(users["fra"], users["reviewer"], "2025", {"CL-2": "largely"}, status="draft")
    assessment, _ = services.start_assessment(users["fra"], services.create_cycle("2026"), "FRA")
    assert services.answers_of(assessment) == {}
    assert carry.previous_assessment(assessment) is None


def test_confirming_is_for_the_country_only(app, users, last_year) -> None:  # type: ignore[no-untyped-def]
    assessment, _ = services.start_assessment(users["fra"], services.create_cycle("2026"), "FRA")
    with pytest.raises(services.NotFound):
        carry.confirm(users["deu"], assessment, ["CL-2"])
    with pytest.raises(services.UnknownChecklistItem):
        carry.confirm(users["fra"], assessment, ["XX-9"])
    assert _carried(assessment)["CL-2"] == "carried"


def test_changes_since_the_last_cycle(app, users, last_year) -> None:  # type: ignore[no-untyped-def]
    assessment, _ = services.start_assessment(users["fra"], services.create_cycle("2026"), "FRA")
    _answer(users["fra"], assessment, "LE-1", rating="partially")
    _answer(users["fra"], assessment, "CL-2", rating="initial")
    _answer(users["fra"], assessment, "IC-3", rating="partially", description="Now with figures.")
    carry.confirm(users["fra"], assessment, ["CL-1"])
    changes = carry.changes_since_last(users["fra"], assessment)
    assert [d.item for d in changes.up] == ["LE-1"]
    assert [d.item for d in changes.down] == ["CL-2"]
    assert [(d.item, d.texts_changed) for d in changes.texts] == [("IC-3", ("description",))]
    assert [d.item for d in changes.confirmed] == ["CL-1"]
    assert changes.change.overall == pytest.approx(changes.overall_after - changes.overall_before)
    assert changes.previous.id == last_year.id
    # Someone who may not see the earlier assessment learns nothing about it.
    with pytest.raises(services.NotFound):
        carry.changes_since_last(users["deu"], assessment)


BASE = "/cycles/2026/countries/FRA"


@pytest.fixture
def started(app, users, last_year, make_client):  # type: ignore[no-untyped-def]
    """France's 2026 assessment, started in the browser from its accepted 2025 answers."""
    cycle = services.create_cycle("2026")
    cycle.due_date = __import__("datetime").date(2099, 1, 31)
    db.session.commit()
    client = make_client()
    client.login("fra@example.org")
    assert client.post_form(f"{BASE}/start", page="/").status_code == 302
    return client


def test_the_section_page_shows_carried_answers_and_the_last_cycle(started) -> None:  # type: ignore[no-untyped-def]
    page = started.get(f"{BASE}/sections/criminal-law").get_data(as_text=True)
    assert "2 answers in this section were carried forward from 2025 and are not yet confirmed." in page
    assert "Carried forward from 2025 — confirm or update." in page
    assert 'name="confirm" value="CL-2"' in page
    assert "Answer in 2025" in page
    overview = started.get(f"{BASE}/").get_data(as_text=True)
    assert "4 answers carried forward from 2025 are not yet confirmed" in overview
    assert "days left" in overview


def test_confirming_an_item_then_a_section_in_the_form(started) -> None:  # type: ignore[no-untyped-def]
    url = f"{BASE}/sections/criminal-law"
    done = started.post_form(url, {"confirm": "CL-2"}, page=url, follow_redirects=True).get_data(as_text=True)
    assert "Confirmed 1 carried-forward answer unchanged: CL-2." in done
    assert "Confirmed unchanged" in done
    done = started.post_form(url, {"confirm": "*section*"}, page=url, follow_redirects=True).get_data(as_text=True)
    assert "Confirmed 1 carried-forward answer unchanged: CL-1." in done
    assert started.post_form(url, {"confirm": "VP-1"}, page=url).status_code == 404  # not in this section
    submit = started.get(f"{BASE}/submit").get_data(as_text=True)
    assert "2 answers carried forward from 2025 are not confirmed" in submit  # IC-3 and LE-1
    assert "#item-IC-3" in submit and "#item-LE-1" in submit and "#item-CL-2" not in submit


def test_the_changes_page_for_the_country_and_the_reviewers(started, make_client, users) -> None:  # type: ignore[no-untyped-def]
    url = f"{BASE}/sections/criminal-law"
    started.post_form(url, {"item_CL_2-rating": "full", "item_CL_2-version": "1"}, page=url)
    page = started.get(f"{BASE}/changes").get_data(as_text=True)
    assert "Changes since 2025" in page and "Ratings up (1)" in page and "Ratings down (0)" in page
    reviewer = make_client()
    reviewer.login("reviewer@example.org")
    assert reviewer.get(f"{BASE}/changes").status_code == 404  # a draft is private
    started.post_form(f"{BASE}/submit", DECLARATION, page=f"{BASE}/submit")
    assert "Ratings up (1)" in reviewer.get(f"{BASE}/changes").get_data(as_text=True)
    germany = make_client()
    germany.login("deu@example.org")
    assert germany.get(f"{BASE}/changes").status_code == 404


def test_the_api_shows_carried_answers_and_confirms_them(app, users, last_year) -> None:  # type: ignore[no-untyped-def]
    from questionnaire import auth

    cycle = services.create_cycle("2026")
    services.start_assessment(users["fra"], cycle, "FRA")
    token = auth.issue_token(users["fra"], "test")
    headers = {"Authorization": f"Bearer {token}"}
    api = app.test_client()
    url = "/api/v1/cycles/2026/countries/FRA"
    body = api.get(f"{url}/assessment", headers=headers).get_json()
    assert body["previous_cycle"] == "2025"
    cl2 = next(a for a in body["answers"] if a["item"] == "CL-2")
    assert cl2["carried_forward"] is True and cl2["carry"] == "carried"
    assert cl2["previous"] == {
        "cycle": "2025",
        "rating": "largely",
        "description": "In force.",
        "legal_references": ["Criminal Code, art. 1"],
        "evidence_links": [],
    }
    done = api.post(f"{url}/confirm", json={"items": ["CL-2", "CL-2", "LE-1"]}, headers=headers)
    assert done.status_code == 200 and done.get_json()["confirmed"] == ["CL-2", "LE-1"]
    again = api.get(f"{url}/assessment", headers=headers).get_json()
    assert {a["item"]: a["carried_forward"] for a in again["answers"]} == {
        "CL-1": True,
        "CL-2": False,
        "LE-1": False,
        "IC-3": True,
    }
    assert api.post(f"{url}/confirm", json={"items": []}, headers=headers).status_code == 422
    assert api.post(f"{url}/confirm", json={"items": ["XX-1"]}, headers=headers).status_code == 422
    # Another country's respondent learns nothing, not even that France has a draft.
    other = {"Authorization": f"Bearer {auth.issue_token(users['deu'], 'test')}"}
    assert api.post(f"{url}/confirm", json={"items": ["CL-1"]}, headers=other).status_code == 404


def test_exports_give_the_previous_rating_and_the_change(app, users, last_year, make_client) -> None:  # type: ignore[no-untyped-def]
    assessment, _ = services.start_assessment(users["fra"], services.create_cycle("2026"), "FRA")
    _answer(users["fra"], assessment, "LE-1", rating="full")
    carry.confirm(users["fra"], assessment, ["CL-1"])
    services.submit(users["fra"], assessment)
    reviewer = make_client()
    reviewer.login("reviewer@example.org")
    body = reviewer.get("/cycles/2026/export/answers.json").get_json()
    rows = {r["item"]: r for r in body["answers"] if r["country"] == "FRA"}
    assert (rows["CL-2"]["carried"], rows["CL-2"]["previous_rating"], rows["CL-2"]["rating_change"]) == (
        "carried",
        "largely",
        "same",
    )
    assert (rows["LE-1"]["carried"], rows["LE-1"]["previous_rating"], rows["LE-1"]["rating_change"]) == (
        "changed",
        "none",
        "up",
    )
    assert rows["CL-1"]["carried"] == "confirmed" and rows["CL-1"]["previous_cycle"] == "2025"
    assert rows["VP-1"]["previous_rating"] is None and rows["VP-1"]["rating_change"] == ""
