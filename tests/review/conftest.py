"""Fixtures of the reviewers' pages: cycles of many countries, built quickly.

`world` inserts assessments and answers directly (one statement per table),
so that a test can have a hundred countries in a fraction of a second.  The
answers are drawn from a seeded generator: the same world every time.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert, select

from questionnaire import services
from questionnaire.catalogue_store import current_catalogue
from questionnaire.db import db
from questionnaire.models import Answer, Assessment, Country, Cycle

RATINGS = ("full", "largely", "partially", "initial", "none")


def countries(n: int) -> list[str]:
    """Return the codes of n countries that have a UN M49 region, in code order."""
    codes = db.session.scalars(select(Country.iso3).where(Country.region != "").order_by(Country.iso3).limit(n))
    found = list(codes)
    assert len(found) == n, f"only {len(found)} countries with a region"
    return found


def build_cycle(
    code: str,
    codes: Sequence[str],
    status: str | Callable[[str], str] = "submitted",
    seed: int = 1,
    strength: Callable[[str], float] | None = None,
    assistance: Callable[[str, str], str | None] | None = None,
) -> Cycle:
    """Open a cycle; give each country an assessment in that status, every item answered.

    `assistance(iso3, item)` names the kind of assistance an answer asks for (None: none).
    """
    cycle = services.create_cycle(code, f"Self-assessment {code}")
    catalogue = current_catalogue()
    rng = random.Random(f"{code}-{seed}")
    now = datetime.now(UTC)
    rows = []
    for n, iso3 in enumerate(codes):
        state = status(iso3) if callable(status) else status
        rows.append(
            {
                "cycle_id": cycle.id,
                "country_iso3": iso3,
                "status": state,
                "version": 2,
                "created_at": now,
                "updated_at": now,
                "submitted_at": None if state == "draft" else now - timedelta(days=len(codes) - n),
            }
        )
    db.session.execute(insert(Assessment), rows)
    ids = dict(
        db.session.execute(select(Assessment.country_iso3, Assessment.id).where(Assessment.cycle_id == cycle.id)).all()
    )
    answers = []
    for iso3 in codes:
        # Each country keeps roughly its level from one cycle to the next.
        level = strength(iso3) if strength else random.Random(iso3).random() + rng.uniform(-0.1, 0.1)
        for item in catalogue.items:
            pick = min(len(RATINGS) - 1, max(0, int((1 - level) * len(RATINGS) + rng.uniform(-1, 1))))
            rating = RATINGS[pick]
            kind = assistance(iso3, item.id) if assistance else None
            answers.append(
                {
                    "assessment_id": ids[iso3],
                    "item_id": item.id,
                    "rating": rating,
                    "description": f"{iso3} practice for {item.id}: {rating}.",
                    "legal_references": [f"Act {rng.randint(1, 99)}"],
                    "evidence_links": [],
                    "assistance_kind": kind,
                    "assistance_description": f"{iso3} needs {kind} for {item.id}." if kind else "",
                    "justification": "",
                    "version": 1,
                    "updated_at": now,
                    "updated_by_id": None,
                }
            )
    db.session.execute(insert(Answer), answers)
    db.session.commit()
    return cycle


@pytest.fixture
def world(app: Any) -> Callable[..., Cycle]:
    """Return build_cycle, to be called once per cycle (oldest first)."""
    return build_cycle


@pytest.fixture
def reviewer(make_client: Any, users: Any) -> Any:
    """A signed-in reviewer's browser."""
    client = make_client()
    client.login("reviewer@example.org")
    return client


def earlier_recommendation(iso3: str = "FRA", code: str = "2024") -> int:
    """Accept the country's assessment of a new cycle opened before the others, with a recommendation; return its id.

    For the matrices of pages and requests: the country's respondent and a reviewer must exist.
    """
    from questionnaire.models import Role, User
    from questionnaire.services import recommendations

    earlier = services.create_cycle(code, f"Self-assessment {code}")
    earlier.opened_at = datetime(2000, 1, 1, tzinfo=UTC)
    db.session.commit()
    respondent = db.session.scalar(select(User).where(User.role == Role.RESPONDENT, User.country_iso3 == iso3))
    reviewer = db.session.scalar(select(User).where(User.role == Role.REVIEWER))
    assert respondent is not None and reviewer is not None
    assessment, _ = services.start_assessment(respondent, earlier, iso3)
    services.submit(respondent, assessment)
    made = recommendations.accept(
        reviewer, assessment, "", [recommendations.RecommendationInput("ga-1988.1", "Share data through I-24/7.")]
    )
    return made.recommendations[0].id
