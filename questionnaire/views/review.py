"""Reviewers' pages: the review queue, the comparison of countries, side by side, exports.

Only reviewers and admins reach these pages; anyone else gets "not found".
They see submitted, returned and accepted assessments, never drafts.  The rows
come from `services.review`; this module adds the labels and addresses.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from io import BytesIO
from typing import Any

from flask import Blueprint, abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from .. import charts, exports, services
from ..catalogue import Band, Catalogue
from ..catalogue_store import catalogue_for
from ..i18n import current_language, format_number, region_name
from ..models import Cycle
from ..services import assistance as assistance_service
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


def band_of(bands: Iterable[Band]) -> Callable[[float | None], str | None]:
    """Return a function naming the band a score falls in (by thresholds alone), or None."""
    ordered = review.bands_highest_first(bands)

    def band(score: float | None) -> str | None:
        if score is None:
            return None
        return next((b.id for b in ordered if score >= b.min_score), None)

    return band


@dataclass(frozen=True)
class MapCountry:
    """A country on the map: its shape, the class naming its band's fill, and its title."""

    shape: charts.MapShape
    css: str
    title: str


def map_countries(table: review.ComparisonTable, catalogue: Catalogue) -> list[MapCountry]:
    """Pair every country's shape with its band and, for the countries shown, a title in the reader's language.

    A country not shown (no submitted assessment, a draft, or filtered out) is drawn as land with
    no name and no title: the map tells nothing of it, as the table does not list it.
    """
    language = current_language()
    labels = {b.id: b.label for b in catalogue.bands}
    rows = {r.iso3: r for r in table.rows}
    found = []
    for shape in charts.world_shapes().countries:
        row = rows.get(shape.iso3)
        if row is None:
            css, title = "map-band--absent", ""
        elif row.band is None:
            css, title = "map-band--none", _("%(name)s: no score", name=row.name)
        else:
            css = f"map-band--{row.band.lower()}"
            title = _(
                "%(name)s: band %(band)s (%(label)s), score %(score)s",
                name=row.name,
                band=row.band,
                label=labels.get(row.band, row.band),
                score=format_number(row.overall, 1, language),
            )
        found.append(MapCountry(shape, css, title))
    return found


def trend_label(points: list[tuple[str, float | None]]) -> str:
    """Say a country's trend in words: each cycle with its overall score."""
    language = current_language()
    return _(
        "Overall score by cycle: %(points)s",
        points="; ".join(f"{code}: {format_number(score, 1, language)}" for code, score in points),
    )


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

    sparks = {}
    for row in table.rows:
        points = table.trends.get(row.iso3, [])
        line = charts.sparkline([score for _, score in points])
        if line is not None:
            sparks[row.iso3] = (line, trend_label(points))
    shown = max((d.count for d in table.distribution), default=0)
    return render_template(
        "review/compare.html",
        view=table,
        cycle=cycle,
        labels=column_labels(catalogue),
        heat=heat_class(catalogue.bands),
        band_of=band_of(catalogue.bands),
        sort_url=sort_url,
        export_url=export_url,
        world=charts.world_shapes(),
        map_countries=map_countries(table, catalogue),
        sparks=sparks,
        share=charts.share,
        distribution_max=shown,
        band_labels={b.id: b.label for b in catalogue.bands},
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
# Technical assistance: which countries asked for which kind, for which sections and clauses
# --------------------------------------------------------------------------


def _assistance_filters() -> dict[str, str]:
    return {k: v for k in ("region", "kind") if (v := request.args.get(k, "").strip())}


def render_assistance(
    cycle: Cycle,
    demand: assistance_service.AssistanceDemand | None,
    filters: dict[str, str],
    errors: dict[str, str],
) -> str:
    """Render the assistance page of a demand (also used by the benchmark of the page)."""
    catalogue = catalogue_for(cycle)
    by_country: dict[str, list[assistance_service.AssistanceRequest]] = {}
    for asked in demand.requests if demand else ():
        by_country.setdefault(asked.iso3, []).append(asked)
    kept: dict[str, Any] = {} if errors else dict(filters)
    return render_template(
        "review/assistance.html",
        cycle=cycle,
        demand=demand,
        errors=errors,
        filters=filters,
        regions=assistance_service.REGIONS,
        kinds=catalogue.assistance_kinds,
        labels=assistance_service.labels(cycle),
        by_country=by_country,
        kind_counts={iso3: Counter(r.kind for r in asked) for iso3, asked in by_country.items()},
        obligations=catalogue.obligation_by_id,
        instruments=catalogue.instrument_by_id,
        share=charts.share,
        region_name_of=region_name,
        export_url=lambda fmt: url_for("review.assistance_export", cycle=cycle.code, fmt=fmt, **kept),
    )


@bp.route("/cycles/<cycle>/assistance")
@reviewer_required
def assistance(cycle: str) -> tuple[str, int]:
    """Show the technical assistance countries requested, filtered by region and kind, with totals."""
    found = services.find_cycle(cycle)
    filters = _assistance_filters()
    try:
        demand = assistance_service.assistance_demand(current_user, found, filters.get("region"), filters.get("kind"))
    except assistance_service.InvalidFilter as refused:
        # A form page with a message: what is wrong with each filter, and the form to correct it.
        return render_assistance(found, None, filters, refused.errors), 400
    return render_assistance(found, demand, filters, {}), 200


@bp.route("/cycles/<cycle>/assistance/export.<fmt>")
@reviewer_required
def assistance_export(cycle: str, fmt: str) -> Response | tuple[str, int]:
    """Download the assistance requested (CSV or Excel), with the filters of the page."""
    if fmt not in exports.ASSISTANCE_FORMATS:
        abort(404)
    found = services.find_cycle(cycle)
    filters = _assistance_filters()
    try:
        demand = assistance_service.assistance_demand(current_user, found, filters.get("region"), filters.get("kind"))
    except assistance_service.InvalidFilter as refused:
        return render_template("errors/error.html", title=_("Unknown filter"), message=refused.message), 400
    made = exports.export_assistance(found, demand, fmt)
    return private_download(BytesIO(made.content), made.content_type, made.filename)


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
