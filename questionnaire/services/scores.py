"""Scores of assessments, computed by the `scoring` package and kept until answers change.

Two stores keep work from being repeated, and neither can go stale because
both are keyed by the assessment's version, which every saved answer and
every change of status increases (see `services.answers.save_answers`):

- the database column `Assessment.scores` (with `scores_version`) holds the
  JSON scores, shared by every process;
- a small in-process memory (`ScoreMemo`, one per application) holds the
  scored answers that comparisons need (the answers themselves, not only the
  result), so a comparison rebuilt after one country changed rescores only
  that country.

Functions taking many assessments issue a fixed number of SQL statements
whatever their number: answers are loaded with one query and fresh scores are
written back with one executemany.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import bindparam, select, update
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm.attributes import set_committed_value

import scoring

from ..caching import LruCache
from ..catalogue_store import catalogue_for, edition
from ..db import db, table_of
from ..models import Answer, Assessment
from .answers import answers_of

SCORED_MEMO_SIZE = 4096
COMPARISON_MEMO_SIZE = 32


class ScoreMemo:
    """The application's in-process memory of scored assessments and comparisons."""

    def __init__(self) -> None:
        self.scored: LruCache[Hashable, Any] = LruCache(SCORED_MEMO_SIZE)
        self.comparisons: LruCache[Hashable, Any] = LruCache(COMPARISON_MEMO_SIZE)

    def clear(self) -> None:
        """Forget everything (tests, or after restoring a database)."""
        self.scored.clear()
        self.comparisons.clear()


def memo() -> ScoreMemo:
    """Return the current application's memory (made on first use)."""
    found = current_app.extensions.get("score_memo")
    if found is None:
        found = current_app.extensions.setdefault("score_memo", ScoreMemo())
    return found  # type: ignore[no-any-return]


def state_key(assessment_id: int, version: int, updated_at: datetime | None) -> tuple[int, int, str]:
    """Return what identifies the content of an assessment's answers at one moment."""
    # The time guards against an id reused after rows were deleted (SQLite reuses ids).
    return (assessment_id, version, updated_at.isoformat() if updated_at else "")


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


def _known(edition_: scoring.Edition, answers: Iterable[scoring.Answer]) -> tuple[scoring.Answer, ...]:
    known = {i.id for i in edition_.items}
    return tuple(a for a in answers if a.item in known)


def compute(assessment: Assessment, answers: dict[str, Answer] | None = None) -> scoring.Result:
    """Score an assessment from its stored answers."""
    edition_ = catalogue_for(assessment.cycle).edition
    answers = answers if answers is not None else answers_of(assessment)
    return scoring.score_assessment(edition_, _known(edition_, scoring_answers(answers)))


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
    commit_keeping_loaded()
    set_committed_value(assessment, "scores", data)
    set_committed_value(assessment, "scores_version", version)
    return data


class ScoreRef:
    """What `scored_many` needs to know of an assessment (no ORM object required)."""

    __slots__ = ("id", "version", "updated_at", "edition_hash")

    def __init__(self, id: int, version: int, updated_at: datetime | None, edition_hash: str) -> None:
        self.id, self.version, self.updated_at, self.edition_hash = (
            id,
            version,
            updated_at,
            edition_hash,
        )

    @classmethod
    def of(cls, assessment: Assessment) -> ScoreRef:
        """Return the reference of an assessment."""
        return cls(assessment.id, assessment.version, assessment.updated_at, assessment.cycle.edition_hash)

    @property
    def key(self) -> tuple[str, int, int, str]:
        return (self.edition_hash, *state_key(self.id, self.version, self.updated_at))


def load_answers(ids: Sequence[int]) -> dict[int, dict[str, Answer]]:
    """Load the answers of many assessments with one query, by assessment and item."""
    found: dict[int, dict[str, Answer]] = defaultdict(dict)
    if ids:
        query = select(Answer).where(Answer.assessment_id.in_(sorted(set(ids))))
        for answer in db.session.scalars(query):
            found[answer.assessment_id][answer.item_id] = answer
    return found


def load_scoring_answers(ids: Sequence[int]) -> dict[int, list[scoring.Answer]]:
    """Load, with one query, the answers of many assessments as the scoring method sees them."""
    found: dict[int, list[scoring.Answer]] = defaultdict(list)
    if ids:
        # Only the columns the method reads: building ORM objects costs more than the scoring.
        query = select(
            Answer.assessment_id,
            Answer.item_id,
            Answer.rating,
            Answer.description,
            Answer.legal_references,
            Answer.justification,
        ).where(Answer.assessment_id.in_(sorted(set(ids))))
        for (
            assessment_id,
            item,
            rating,
            description,
            references,
            justification,
        ) in db.session.execute(query):
            found[assessment_id].append(
                scoring.Answer(
                    item=item,
                    rating=rating,
                    description=description or "",
                    legal_references=tuple(references or ()),
                    justification=justification or "",
                )
            )
    return found


def scored_many(refs: Sequence[ScoreRef]) -> dict[int, scoring.Scored]:
    """Return each assessment's answers scored (by id), scoring only what changed since asked."""
    store = memo().scored
    result: dict[int, scoring.Scored] = {}
    missing: list[ScoreRef] = []
    for ref in refs:
        hit = store.get(ref.key)
        if hit is None:
            missing.append(ref)
        else:
            result[ref.id] = hit
    if missing:
        answers = load_scoring_answers([r.id for r in missing])
        for ref in missing:
            edition_ = edition(ref.edition_hash).edition
            scored = scoring.score_scored(edition_, _known(edition_, answers.get(ref.id, ())))
            store.put(ref.key, scored)
            result[ref.id] = scored
    return result


def scores_of_many(assessments: Sequence[Assessment]) -> dict[int, dict[str, Any]]:
    """Return the JSON scores of many assessments (by id) with a fixed number of SQL statements.

    Kept scores are used when current; the others are computed together and
    written back in one statement, each only if its assessment did not change meanwhile.
    """
    result: dict[int, dict[str, Any]] = {}
    stale: list[Assessment] = []
    _load_deferred_scores(assessments)
    for assessment in assessments:
        if assessment.scores is not None and assessment.scores_version == assessment.version:
            result[assessment.id] = assessment.scores
        else:
            stale.append(assessment)
    if not stale:
        return result
    scored = scored_many([ScoreRef.of(a) for a in stale])
    rows = []
    for assessment in stale:
        data = scoring.to_dict(scored[assessment.id].result)
        result[assessment.id] = data
        rows.append({"b_id": assessment.id, "b_version": assessment.version, "b_scores": data})
    table = table_of(Assessment)
    db.session.execute(
        update(table)
        .where(table.c.id == bindparam("b_id"), table.c.version == bindparam("b_version"))
        .values(
            scores=bindparam("b_scores", type_=table.c.scores.type),
            scores_version=bindparam("b_version"),
        ),
        rows,
    )
    commit_keeping_loaded()
    for assessment in stale:
        # Keep the session's objects in step without marking them changed.
        set_committed_value(assessment, "scores", result[assessment.id])
        set_committed_value(assessment, "scores_version", assessment.version)
    return result


def _load_deferred_scores(assessments: Sequence[Assessment]) -> None:
    """Load with one query the stored scores of assessments loaded without them (see `defer`)."""
    waiting = {a.id: a for a in assessments if "scores" in sa_inspect(a).unloaded}
    if not waiting:
        return
    query = select(Assessment.id, Assessment.scores, Assessment.scores_version).where(
        Assessment.id.in_(sorted(waiting))
    )
    for assessment_id, scores, version in db.session.execute(query):
        set_committed_value(waiting[assessment_id], "scores", scores)
        set_committed_value(waiting[assessment_id], "scores_version", version)


def commit_keeping_loaded() -> None:
    """Commit without expiring what the session loaded, so reading it costs no more queries."""
    session = db.session()
    before = session.expire_on_commit
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = before
