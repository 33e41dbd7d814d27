"""The API of recommendations: GET and POST …/recommendations, and those sent with a return or an acceptance."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from questionnaire import services
from questionnaire.db import db
from questionnaire.models import Assessment, Cycle, Event, Recommendation, User

from .conftest import start

BASE_2025 = "cycles/2025/countries/fra"
BASE_2026 = "cycles/2026/countries/FRA"


def _cycle(code: str, year: int) -> Cycle:
    cycle = services.create_cycle(code, f"Self-assessment {code}")
    cycle.opened_at = datetime(year, 3, 1, tzinfo=UTC)
    db.session.commit()
    return cycle


@pytest.fixture
def cycles(app: Any, users: dict[str, User]) -> dict[str, Cycle]:
    return {code: _cycle(code, int(code)) for code in ("2025", "2026")}


@pytest.fixture
def fra_2025(users: dict[str, User], cycles: dict[str, Cycle]) -> Assessment:
    """France 2025, submitted: IX-3 not implemented, IX-4 partially."""
    return start(users, cycles["2025"], "FRA", "submitted", {"IX-3": "none", "IX-4": "partially"})


def rate(user: User, assessment: Assessment, ratings: dict[str, str]) -> None:
    """Save ratings over what is stored (answers carried forward from 2025 included)."""
    stored = services.answers_of(assessment)
    services.save_answers(
        user,
        assessment,
        [
            services.Edit(
                item,
                services.make_input(rating=r, description="In force."),
                stored[item].version if item in stored else 0,
            )
            for item, r in ratings.items()
        ],
    )


def count(model: Any = Recommendation) -> int:
    db.session.expire_all()
    return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


def status_of(assessment: Assessment) -> str:
    db.session.expire_all()
    return db.session.get(Assessment, assessment.id).status  # type: ignore[union-attr]


def test_a_return_carries_recommendations(api, tokens, fra_2025) -> None:  # type: ignore[no-untyped-def]
    body = {
        "comment": "Please cite the law.",
        "recommendations": [
            {"obligation": "ga-1988.1", "text": "Exchange information through I-24/7.", "priority": "high"},
            {"obligation": "ga-1988.2", "text": "Build a national database.", "target_cycle": "2026"},
        ],
    }
    response = api.post(f"{BASE_2025}/return", tokens["reviewer"], body)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "returned"
    returned = db.session.scalar(select(Event).where(Event.action == "returned"))
    made = db.session.scalars(select(Recommendation).order_by(Recommendation.id)).all()
    assert [(r.obligation_id, r.priority, r.target_cycle, r.event_id) for r in made] == [
        ("ga-1988.1", "high", "", returned.id),
        ("ga-1988.2", "medium", "2026", returned.id),
    ]


def test_an_acceptance_carries_recommendations_and_a_bad_one_saves_nothing(api, tokens, fra_2025) -> None:  # type: ignore[no-untyped-def]
    bad = {
        "recommendations": [
            {"obligation": "ga-1988.1", "text": "Fine."},
            {"obligation": "ga-2001.4", "text": "Interpol's own task.", "target_cycle": "1999"},
        ]
    }
    response = api.post(f"{BASE_2025}/accept", tokens["reviewer"], bad)
    assert response.status_code == 422
    errors = response.get_json()["error"]["errors"]
    assert set(errors) == {"recommendations[1].obligation", "recommendations[1].target_cycle"}
    assert status_of(fra_2025) == "submitted" and count() == 0

    shape = api.post(
        f"{BASE_2025}/accept", tokens["reviewer"], {"recommendations": [{"text": "", "priority": "urgent"}]}
    )
    assert shape.status_code == 422
    assert set(shape.get_json()["error"]["errors"]) == {
        "recommendations[0].obligation",
        "recommendations[0].text",
        "recommendations[0].priority",
    }

    good = {"comment": "Thank you.", "recommendations": [{"obligation": "ga-1988.1", "text": "Keep it up."}]}
    response = api.post(f"{BASE_2025}/accept", tokens["reviewer"], good)
    assert response.status_code == 200 and status_of(fra_2025) == "accepted" and count() == 1


def test_get_lists_recommendations_with_their_follow_up(api, tokens, users, cycles, fra_2025) -> None:  # type: ignore[no-untyped-def]
    body = {"recommendations": [{"obligation": "ga-1988.1", "text": "Exchange information.", "priority": "low"}]}
    assert api.post(f"{BASE_2025}/accept", tokens["reviewer"], body).status_code == 200
    listed = api.get(f"{BASE_2025}/recommendations", tokens["fra"]).get_json()
    assert listed["cycle"] == "2025" and listed["country"] == "FRA"
    (rec,) = listed["recommendations"]
    assert {k: rec[k] for k in ("obligation", "instrument", "paragraph", "text", "priority", "target_cycle")} == {
        "obligation": "ga-1988.1",
        "instrument": "ga-1988",
        "paragraph": "(1)",
        "text": "Exchange information.",
        "priority": "low",
        "target_cycle": None,
    }
    assert rec["made_in"] == "2025" and rec["created_by"] == "reviewer@example.org"
    assert (rec["status"], rec["followed_up_in"], rec["score_before"], rec["score_after"]) == ("pending", None, 0, None)
    assert rec["comments"] == []

    # France's 2026 draft implements it: France sees it, reviewers do not.
    rate(users["fra"], start(users, cycles["2026"], "FRA", "draft"), {"IX-3": "full"})
    own = api.get(f"{BASE_2026}/recommendations", tokens["fra"]).get_json()["recommendations"]
    assert [(r["status"], r["followed_up_in"], r["score_after"]) for r in own] == [("implemented", "2026", 100)]
    seen = api.get(f"{BASE_2025}/recommendations", tokens["reviewer"]).get_json()["recommendations"]
    assert [(r["status"], r["followed_up_in"]) for r in seen] == [("pending", None)]
    assert api.get(f"{BASE_2026}/recommendations", tokens["reviewer"]).status_code == 404  # a draft

    services.submit(users["fra"], services.find_assessment("2026", "FRA"))
    seen = api.get(f"{BASE_2026}/recommendations", tokens["admin"]).get_json()["recommendations"]
    assert [(r["status"], r["made_in"]) for r in seen] == [("implemented", "2025")]


def test_post_adds_one_recommendation_for_reviewers_only(api, tokens, users, fra_2025) -> None:  # type: ignore[no-untyped-def]
    body = {"obligation": "ga-1988.2", "text": "Build a national database.", "priority": "high"}
    assert api.post(f"{BASE_2025}/recommendations", tokens["fra"], body).status_code == 403
    assert api.post(f"{BASE_2025}/recommendations", tokens["deu"], body).status_code == 404
    assert api.get(f"{BASE_2025}/recommendations", tokens["deu"]).status_code == 404
    assert count() == 0
    response = api.post(f"{BASE_2025}/recommendations", tokens["reviewer"], body)
    assert response.status_code == 201, response.get_json()
    made = response.get_json()
    assert (made["obligation"], made["priority"], made["status"], made["made_in"]) == (
        "ga-1988.2",
        "high",
        "pending",
        "2025",
    )
    assert made["score_before"] == 50
    assert db.session.get(Recommendation, made["id"]).event_id is None  # not made with a return or acceptance


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"obligation", "text"}),
        ({"obligation": "ga-1988.1", "text": "x", "priority": "urgent"}, {"priority"}),
        ({"obligation": "ga-1988.1", "text": "x" * 5001}, {"text"}),
        ({"obligation": "ga-1988.1", "text": "x", "colour": "red"}, {"colour"}),
        ({"obligation": 3, "text": ["x"]}, {"obligation", "text"}),
        ({"obligation": "nope", "text": "x"}, {"obligation"}),
        ({"obligation": "ga-2001.4", "text": "x"}, {"obligation"}),
        ({"obligation": "ga-1988.1", "text": "  \n\t "}, {"text"}),
        ({"obligation": "ga-1988.1", "text": "x", "target_cycle": "2025"}, {"target_cycle"}),
    ],
)
def test_post_names_each_field_at_fault(api, tokens, fra_2025, body, fields) -> None:  # type: ignore[no-untyped-def]
    response = api.post(f"{BASE_2025}/recommendations", tokens["reviewer"], body)
    assert response.status_code == 422, response.get_json()
    assert set(response.get_json()["error"]["errors"]) == fields
    assert count() == 0


def test_post_on_a_closed_cycle_is_refused(api, tokens, users, cycles, fra_2025) -> None:  # type: ignore[no-untyped-def]
    services.close_cycle(cycles["2025"])
    body = {"obligation": "ga-1988.1", "text": "Too late."}
    assert api.post(f"{BASE_2025}/recommendations", tokens["reviewer"], body).status_code == 409
    assert count() == 0
