"""The review queue: submitted assessments waiting for review, oldest first, with their flags."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from questionnaire import services
from questionnaire.db import db
from questionnaire.models import Answer, Assessment, Country

from .conftest import countries

STATES = ("submitted", "returned", "accepted", "draft")


def queued(html: str) -> list[str]:
    """Return the country names in the queue, in order."""
    return re.findall(r'<th scope="row" class="sticky-col"><a href="[^"]+#review">([^<]+)</a>', html)


def test_only_submitted_assessments_are_queued_oldest_first(reviewer, world) -> None:  # type: ignore[no-untyped-def]
    codes = countries(8)
    world("2026", codes, status=lambda c: STATES[codes.index(c) % 4])
    cycle = services.find_cycle("2026")
    now = datetime.now(UTC)
    submitted = [c for i, c in enumerate(codes) if STATES[i % 4] == "submitted"]
    # the later country in code order waited longer
    for days, code in enumerate(submitted, start=3):
        db.session.execute(
            update(Assessment)
            .where(Assessment.cycle_id == cycle.id, Assessment.country_iso3 == code)
            .values(submitted_at=now - timedelta(days=days))
        )
    db.session.commit()
    html = reviewer.get("/review").get_data(as_text=True)
    assert queued(html) == [db.session.get(Country, c).name for c in reversed(submitted)]
    assert "2 assessments are waiting." in html
    assert f">{3 + len(submitted) - 1}</td>" in html  # days waiting


def test_each_assessment_shows_its_unsupported_answers_and_missing_information(reviewer, world) -> None:  # type: ignore[no-untyped-def]
    codes = countries(2)
    world("2026", codes)
    cycle = services.find_cycle("2026")
    target = db.session.scalar(
        select(Assessment).where(Assessment.cycle_id == cycle.id, Assessment.country_iso3 == codes[0])
    )
    # three items without a rating, two "full" ratings with neither description nor reference
    db.session.execute(
        update(Answer)
        .where(Answer.assessment_id == target.id, Answer.item_id.in_(["CL-1", "CL-2", "CL-3"]))
        .values(rating=None)
    )
    db.session.execute(
        update(Answer)
        .where(Answer.assessment_id == target.id, Answer.item_id.in_(["LE-1", "LE-2"]))
        .values(rating="full", description="", legal_references=[])
    )
    db.session.execute(update(Assessment).where(Assessment.id == target.id).values(version=Assessment.version + 1))
    db.session.commit()
    html = reviewer.get("/review").get_data(as_text=True)
    row = html.split(f">{target.country.name}</a>")[1].split("</tr>")[0]
    cells = re.findall(r'<td class="num[^"]*">([^<]*)</td>', row)
    assert cells[1:3] == ["2", "3"]  # waiting, then unsupported and missing
    db.session.expire_all()
    scores = services.scores_of(db.session.get(Assessment, target.id))
    assert (scores["counts"]["unsupported"], scores["counts"]["missing"]) == (2, 3)


def test_an_empty_queue_says_so(reviewer, world) -> None:  # type: ignore[no-untyped-def]
    world("2026", countries(2), status="accepted")
    html = reviewer.get("/review").get_data(as_text=True)
    assert "Nothing is waiting for review." in html
    assert queued(html) == []


def test_the_queue_covers_every_cycle_and_marks_closed_ones(reviewer, world) -> None:  # type: ignore[no-untyped-def]
    codes = countries(2)
    world("2025", codes[:1])
    services.close_cycle(services.find_cycle("2025"))
    world("2026", codes[1:])
    html = reviewer.get("/review").get_data(as_text=True)
    assert len(queued(html)) == 2
    assert '2025 <span class="tag">closed</span>' in html


def test_the_queue_links_to_each_assessments_review(reviewer, world: Any) -> None:  # type: ignore[no-untyped-def]
    codes = countries(1)
    world("2026", codes)
    html = reviewer.get("/review").get_data(as_text=True)
    assert f'href="/cycles/2026/countries/{codes[0]}/#review"' in html
