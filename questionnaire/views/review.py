"""Reviewers' pages: the review queue, the comparison of countries, side by side, exports.

Only reviewers and admins reach these pages; anyone else gets "not found".
They see submitted, returned and accepted assessments, never drafts.  The rows
come from `services.review`; this module adds the labels and addresses.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from io import BytesIO
from typing import Any

from flask import Blueprint, abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from .. import exports, services
from ..catalogue import Band, Catalogue
from ..catalogue_store import catalogue_for
from ..services import participation as participation_service
from ..services import review
from .common import private_download, reviewer_required

bp = Blueprint("review", __name__)


def heat_class(bands: Iterable[Band]) -> Callable[[float | None], str]:
    """Return a function naming the heat-map class of a score: its band in the catalogue."""
    ordered = review.bands_highest_first(bands)

    def heat(score: float | None) -> str:
        if score is None:
            return "heat heat--none"
        for band in ordered:
            if score >= band.min_score:
                return f"heat heat--{band.id.lower()}"
        return "heat heat--none"

    return heat


@bp.route("/review")
@reviewer_required
def queue() -> str:
    """List submitted assessments waiting for review, oldest first."""
    return render_template("review/queue.html", rows=review.review_queue())


def column_labels(catalogue: Catalogue) -> dict[str, str]:
    """The comparison's column headings, by sort key."""
    labels = {
        "country": _("Country"),
        "region": _("Region"),
        "status": _("Status"),
        "overall": _("Overall"),
        "band": _("Band"),
        "change": _("Change"),
        "gaps": _("Gaps"),
        "missing": _("Missing"),
        "unsupported": _("Unsupported"),
    }
    labels.update({f"section-{s.id}": s.title for s in catalogue.sections})
    return labels


def render_compare(table: review.ComparisonTable) -> str:
    """Render the comparison page of a table (also used by the benchmark of the page)."""
    cycle = table.cycle
    catalogue = catalogue_for(cycle)
    filters: dict[str, Any] = {k: v for k, v in (("region", table.region), ("status", table.status)) if v}

    def sort_url(key: str) -> str:
        if key == table.sort:
            new = "asc" if table.direction == "desc" else "desc"
        else:
            new = "desc" if table.sort_columns[key] else "asc"
        return url_for("review.compare", cycle=cycle.code, **filters, sort=key, dir=new)

    def export_url(kind: str, fmt: str) -> str:
        return url_for("review.export", cycle=cycle.code, kind=kind, fmt=fmt, **filters)

    return render_template(
        "review/compare.html",
        view=table,
        cycle=cycle,
        labels=column_labels(catalogue),
        heat=heat_class(catalogue.bands),
        sort_url=sort_url,
        export_url=export_url,
    )


@bp.route("/cycles/<cycle>/compare")
@reviewer_required
def compare(cycle: str) -> str:
    """Compare the countries of a cycle: heat-map, filters, sorting, means, change, exports."""
    found = services.find_cycle(cycle)
    table = review.comparison_table(
        found,
        services.visible_assessments(current_user, found),
        region=request.args.get("region", ""),
        status=request.args.get("status", ""),
        sort=request.args.get("sort", "overall"),
        direction=request.args.get("dir", ""),
        selected=request.args.getlist("country"),
    )
    return render_compare(table)


@bp.route("/cycles/<cycle>/compare/countries")
@reviewer_required
def side_by_side(cycle: str) -> str:
    """Show two to five countries side by side, obligation by obligation."""
    found = services.find_cycle(cycle)
    catalogue = catalogue_for(found)
    view = review.side_by_side(
        found, services.visible_assessments(current_user, found), request.args.getlist("country")
    )
    # A form page with a message, like any other: 200 (the message names what is wrong).
    return render_template(
        "review/side_by_side.html",
        cycle=found,
        catalogue=catalogue,
        view=view,
        heat=heat_class(catalogue.bands),
        min_side=review.MIN_SIDE,
        max_side=review.MAX_SIDE,
    )


# --------------------------------------------------------------------------
# Participation: every member country's status (a draft shows as not submitted)
# --------------------------------------------------------------------------


@bp.route("/cycles/<cycle>/participation")
@reviewer_required
def participation(cycle: str) -> str:
    """List every member country's status in the cycle, with its dates, on time or late, and the counts."""
    found = services.find_cycle(cycle)
    view = participation_service.participation(current_user, found)
    return render_template(
        "review/participation.html",
        cycle=found,
        view=view,
        statuses=participation_service.STATUSES,
        status_label=participation_service.status_label,
    )


# --------------------------------------------------------------------------
# Exports
# --------------------------------------------------------------------------


@bp.route("/cycles/<cycle>/export/<kind>.<fmt>")
@reviewer_required
def export(cycle: str, kind: str, fmt: str) -> Response:
    """Download the scores or the full answers of the countries shown on the comparison page, or the
    participation of every member country."""
    if kind == exports.PARTICIPATION and fmt in exports.FORMATS:
        found = services.find_cycle(cycle)
        made = exports.export_participation(participation_service.participation(current_user, found), fmt)
        return private_download(BytesIO(made.content), made.content_type, made.filename)
    if kind not in exports.KINDS or fmt not in exports.FORMATS:
        abort(404)
    found = services.find_cycle(cycle)
    assessments = services.visible_assessments(current_user, found)
    region = request.args.get("region", "")
    status = request.args.get("status", "")
    if region:
        assessments = [a for a in assessments if (a.country.region or "—") == region]
    if status:
        assessments = [a for a in assessments if a.status == status]
    made = exports.export(found, assessments, kind, fmt)
    return private_download(BytesIO(made.content), made.content_type, made.filename)
