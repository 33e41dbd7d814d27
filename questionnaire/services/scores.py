"""Scores of assessments, computed by the `scoring` package and kept until answers change."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update

import scoring

from ..catalogue_store import catalogue_for
from ..db import db
from ..models import Answer, Assessment
from .answers import answers_of


def scoring_answers(answers: dict[str, Answer]) -> tuple[scoring.Answer, ...]:
    """Return the answers as the scoring method sees them."""
    return tuple(
        scoring.Answer(
            item=a.item_id,
            rating=a.rating,
            description=a.description or "",
            legal_references=tuple(a.legal_references or ()),
            justification=a.justification or "",
        )
        for a in answers.values()
    )


def compute(assessment: Assessment, answers: dict[str, Answer] | None = None) -> scoring.Result:
    """Score an assessment from its stored answers."""
    edition = catalogue_for(assessment.cycle).edition
    answers = answers if answers is not None else answers_of(assessment)
    known = {i.id for i in edition.items}
    return scoring.score_assessment(
        edition, tuple(a for a in scoring_answers(answers) if a.item in known)
    )


def scores_of(assessment: Assessment) -> dict[str, Any]:
    """Return the assessment's scores as JSON data, recomputing only when answers changed."""
    if assessment.scores is not None and assessment.scores_version == assessment.version:
        return assessment.scores
    version = assessment.version
    data = scoring.to_dict(compute(assessment))
    # Store only if nothing was saved meanwhile; otherwise the next reader recomputes.
    db.session.execute(
        update(Assessment)
        .where(Assessment.id == assessment.id, Assessment.version == version)
        .values(scores=data, scores_version=version)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    assessment.scores, assessment.scores_version = data, version
    return data
