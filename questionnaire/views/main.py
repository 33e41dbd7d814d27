"""The start page and the language choice."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import select

from .. import services
from ..db import db
from .auth import safe_next
from .common import login_required

bp = Blueprint("main", __name__)


@bp.route("/")
@login_required
def home() -> ResponseReturnValue:
    """Show a respondent their assessments, and a reviewer the cycles."""
    if current_user.is_contributor:
        return redirect(url_for("team.assigned"))
    cycles = services.list_cycles()
    if current_user.is_respondent:
        return render_template("home_respondent.html", rows=services.own_assessments(current_user, cycles))
    return render_template("home_reviewer.html", cycles=cycles, counts=services.reviewable_counts())


@bp.route("/language", methods=["POST"])
def set_language() -> ResponseReturnValue:
    """Remember the language chosen for this browser session."""
    lang = request.form.get("lang", "")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
        if current_user.is_authenticated:
            current_user.locale = lang
            db.session.commit()
    return redirect(safe_next(request.form.get("next")))


@bp.route("/healthz")
def health() -> ResponseReturnValue:
    """Tell a load balancer the application and its database answer."""
    db.session.execute(select(1))
    return {"status": "ok"}
