"""Reviewers' pages: the review queue and the comparison of countries."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import current_user, login_required
from sqlalchemy import select

from .. import services
from ..db import db
from ..models import Assessment, Status

bp = Blueprint("review", __name__)


def _reviewers_only() -> None:
    if not current_user.is_reviewer:
        abort(404)


@bp.route("/review")
@login_required
def queue():  # type: ignore[no-untyped-def]
    """List submitted assessments waiting for review, oldest first."""
    _reviewers_only()
    waiting = list(db.session.scalars(
        select(Assessment).where(Assessment.status == Status.SUBMITTED).order_by(Assessment.submitted_at, Assessment.id)))
    rows = []
    for assessment in waiting:
        scores = services.scores_of(assessment)
        rows.append((assessment, scores))
    return render_template("review/queue.html", rows=rows)


@bp.route("/cycles/<cycle>/compare")
@login_required
def compare(cycle: str):  # type: ignore[no-untyped-def]
    """Compare the countries of a cycle."""
    _reviewers_only()
    found = services.find_cycle(cycle)
    rows = [(a, services.scores_of(a)) for a in services.visible_assessments(current_user, found)]
    return render_template("review/compare.html", cycle=found, rows=rows)
