"""Comparison of countries within a cycle, with the change since the previous cycle."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select

import scoring

from ..catalogue_store import catalogue_for
from ..db import db
from ..models import Answer, Assessment, Cycle
from .access import REVIEWABLE, previous_cycle
from .scores import scoring_answers


def _answers_by_assessment(ids: list[int]) -> dict[int, dict[str, Answer]]:
    """Load the answers of many assessments in one query."""
    found: dict[int, dict[str, Answer]] = defaultdict(dict)
    if ids:
        for answer in db.session.scalars(select(Answer).where(Answer.assessment_id.in_(ids))):
            found[answer.assessment_id][answer.item_id] = answer
    return found


def compare_cycle(cycle: Cycle, assessments: list[Assessment]) -> dict[str, Any]:
    """Compare the given assessments of a cycle; return JSON data (comparison_to_dict).

    The change since the previous cycle uses each country's submitted or
    accepted assessment of the cycle opened before this one, measured on the
    items both catalogue editions share.
    """
    edition = catalogue_for(cycle).edition
    before = previous_cycle(cycle)
    previous: dict[str, Assessment] = {}
    if before is not None and assessments:
        rows = db.session.scalars(
            select(Assessment).where(
                Assessment.cycle_id == before.id,
                Assessment.country_iso3.in_([a.country_iso3 for a in assessments]),
                Assessment.status.in_([s.value for s in REVIEWABLE]),
            )
        )
        previous = {a.country_iso3: a for a in rows}
    answers = _answers_by_assessment([a.id for a in assessments] + [a.id for a in previous.values()])
    previous_edition = catalogue_for(before).edition if before is not None else None
    inputs = []
    for assessment in assessments:
        current = scoring.score_scored(edition, scoring_answers(answers[assessment.id]))
        prior = None
        if assessment.country_iso3 in previous and previous_edition is not None:
            old = previous[assessment.country_iso3]
            prior = scoring.score_scored(previous_edition, scoring_answers(answers[old.id]))
        inputs.append(scoring.CountryInput(
            country=assessment.country_iso3, region=assessment.country.region or "—",
            current=current, previous=prior))
    data = scoring.comparison_to_dict(scoring.compare(inputs))
    data["cycle"] = cycle.code
    data["previous_cycle"] = before.code if before is not None else None
    data["edition"] = edition.hash
    return data
