"""The catalogue: every instrument, its clauses verbatim and the items that assess them."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask.typing import ResponseReturnValue

from .. import services
from ..catalogue_store import catalogue_for, current_catalogue
from ..reports.methodology import methodology_html
from .common import login_required

bp = Blueprint("catalogue", __name__, url_prefix="/catalogue")


@bp.route("/")
@login_required
def index() -> ResponseReturnValue:
    """Show the current edition, or the edition a cycle was opened with (?cycle=)."""
    cycle_code = request.args.get("cycle")
    cycle = None
    if cycle_code:
        try:
            cycle = services.find_cycle(cycle_code)
        except services.NotFound:
            abort(404)
        catalogue = catalogue_for(cycle)
    else:
        catalogue = current_catalogue()
    return render_template("catalogue/index.html", catalogue=catalogue, cycle=cycle)


@bp.route("/method")
@login_required
def method() -> ResponseReturnValue:
    """Show the published scoring method."""
    return render_template("catalogue/method.html", body=methodology_html(), catalogue=current_catalogue())
