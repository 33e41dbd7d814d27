"""Scores are not recomputed needlessly, and never shown stale."""

from __future__ import annotations

import re
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import event, select, update

import scoring
from questionnaire import services
from questionnaire.db import db
from questionnaire.models import Answer, Assessment

from .conftest import countries


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Count every scoring of an assessment: for the comparison, and inside it (the change)."""
    counted: Counter[str] = Counter()
    compare_module = sys.modules["scoring.compare"]
    score_scored, inner = scoring.score_scored, compare_module.score_assessment

    def counting_scored(*args: Any, **kwargs: Any) -> Any:
        counted["assessments"] += 1
        return score_scored(*args, **kwargs)

    def counting_inner(*args: Any, **kwargs: Any) -> Any:
        counted["inside compare"] += 1
        return inner(*args, **kwargs)

    monkeypatch.setattr(scoring, "score_scored", counting_scored)
    monkeypatch.setattr(compare_module, "score_assessment", counting_inner)
    return counted


@contextmanager
def statements() -> Iterator[list[str]]:
    seen: list[str] = []

    def listen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", listen)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", listen)


@pytest.fixture
def five(world: Any, users: Any) -> list[str]:
    """France (returned, so its respondent can change answers) and four others, in 2025 and 2026."""
    codes = ["FRA", *[c for c in countries(5) if c != "FRA"][:4]]
    world("2025", codes, status="accepted")
    world("2026", codes, status=lambda c: "returned" if c == "FRA" else "submitted", seed=2)
    return codes


def overall_cell(html: str, iso3: str) -> str:
    row = re.search(rf'value="{iso3}" id="pick-{iso3}".*?</tr>', html, re.S).group(0)
    return re.search(r'overall-cell">([^<]+)<', row).group(1)


def france() -> Assessment:
    cycle = services.find_cycle("2026")
    db.session.expire_all()
    return db.session.scalar(
        select(Assessment).where(Assessment.cycle_id == cycle.id, Assessment.country_iso3 == "FRA")
    )


def test_a_second_view_rescores_nothing(reviewer, five, calls) -> None:  # type: ignore[no-untyped-def]
    first = reviewer.get("/cycles/2026/compare").get_data(as_text=True)
    assert calls["assessments"] == 10  # five countries, two cycles
    calls.clear()
    second = reviewer.get("/cycles/2026/compare").get_data(as_text=True)
    assert calls == Counter()
    assert overall_cell(first, "FRA") == overall_cell(second, "FRA")


def test_an_answer_saved_shows_at_once_and_only_that_country_is_rescored(reviewer, five, calls, users) -> None:  # type: ignore[no-untyped-def]
    before = overall_cell(reviewer.get("/cycles/2026/compare").get_data(as_text=True), "FRA")
    calls.clear()
    assessment = france()
    current = services.answers_of(assessment)
    for item in ("CL-1", "CL-2", "CL-3"):
        services.save_answers(
            users["fra"],
            assessment,
            [
                services.Edit(
                    item,
                    services.make_input(rating="none", description="Nothing yet."),
                    based_on=current[item].version,
                )
            ],
        )
    after = overall_cell(reviewer.get("/cycles/2026/compare").get_data(as_text=True), "FRA")
    expected = services.compute(france()).overall
    assert after == f"{expected:.1f}" and after != before
    assert calls["assessments"] == 1


def test_a_change_written_by_another_process_is_seen(reviewer, five) -> None:  # type: ignore[no-untyped-def]
    """Nothing kept in this process can hide a change: every key holds the assessment's version."""
    reviewer.get("/cycles/2026/compare")
    assessment = france()
    db.session.execute(update(Answer).where(Answer.assessment_id == assessment.id).values(rating="full"))
    db.session.execute(
        update(Assessment)
        .where(Assessment.id == assessment.id)
        .values(version=Assessment.version + 1, updated_at=datetime.now(UTC))
    )
    db.session.commit()
    html = reviewer.get("/cycles/2026/compare").get_data(as_text=True)
    assert overall_cell(html, "FRA") == f"{services.compute(france()).overall:.1f}"


def test_a_change_of_status_shows_at_once(reviewer, five, users) -> None:  # type: ignore[no-untyped-def]
    reviewer.get("/cycles/2026/compare")
    services.submit(users["fra"], france())
    html = reviewer.get("/cycles/2026/compare?status=returned").get_data(as_text=True)
    assert 'value="FRA"' not in html
    html = reviewer.get("/cycles/2026/compare?status=submitted").get_data(as_text=True)
    assert 'value="FRA"' in html


def test_callers_get_their_own_copy_of_a_kept_comparison(reviewer, five) -> None:  # type: ignore[no-untyped-def]
    cycle = services.find_cycle("2026")
    assessments = services.visible_assessments(users_reviewer(), cycle)
    first = services.compare_cycle(cycle, assessments)
    first["rows"].clear()
    assert len(services.compare_cycle(cycle, assessments)["rows"]) == 5


def users_reviewer() -> Any:
    from questionnaire.models import User

    return db.session.scalar(select(User).where(User.email == "reviewer@example.org"))


def test_scores_are_written_back_once_and_then_read(reviewer, five, calls) -> None:  # type: ignore[no-untyped-def]
    with statements() as first:
        assert reviewer.get("/cycles/2026/export/scores.json").status_code == 200
    assert sum(s.lstrip().upper().startswith("UPDATE ASSESSMENT") for s in first) == 1  # one executemany
    for code in five:
        cycle = services.find_cycle("2026")
        db.session.expire_all()
        stored = db.session.scalar(
            select(Assessment).where(Assessment.cycle_id == cycle.id, Assessment.country_iso3 == code)
        )
        assert stored.scores_version == stored.version
        assert stored.scores == scoring.to_dict(services.compute(stored))
    calls.clear()
    with statements() as second:
        assert reviewer.get("/cycles/2026/export/scores.json").status_code == 200
    assert not any(s.lstrip().upper().startswith("UPDATE ASSESSMENT") for s in second)
    assert calls == Counter()


def test_kept_scores_of_an_older_version_are_not_used(reviewer, five, users) -> None:  # type: ignore[no-untyped-def]
    data = reviewer.get("/cycles/2026/export/scores.json").get_json()
    before = next(r for r in data["scores"] if r["country"] == "FRA")["overall"]
    assessment = france()
    assert assessment.scores_version == assessment.version
    current = services.answers_of(assessment)
    rating = "none" if current["CL-1"].rating != "none" else "full"
    services.save_answers(
        users["fra"],
        assessment,
        [
            services.Edit(
                "CL-1",
                services.make_input(rating=rating, description="Changed.", legal_references="Act 1"),
                based_on=current["CL-1"].version,
            )
        ],
    )
    data = reviewer.get("/cycles/2026/export/scores.json").get_json()
    after = next(r for r in data["scores"] if r["country"] == "FRA")["overall"]
    assert after == scoring.to_dict(services.compute(france()))["overall"]
    assert after != before
