"""Reviewers' pages: the review queue, the comparison of countries, side by side, exports.

Only reviewers and admins reach these pages; anyone else gets "not found".
They see submitted, returned and accepted assessments, never drafts.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from io import BytesIO
from typing import Any

from flask import Blueprint, abort, current_app, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import defer

from .. import exports, services
from ..catalogue import Catalogue
from ..catalogue_store import catalogue_for
from ..db import db
from ..models import Assessment, Cycle, Status
from ..services.scores import load_answers, scores_of_many
from .common import private_download, reviewer_required

bp = Blueprint("review", __name__)

STATUSES = [s.value for s in services.REVIEWABLE]
MIN_SIDE, MAX_SIDE = 2, 5
_ISO3 = re.compile(r"^[A-Za-z]{3}$")


def name_key(name: str) -> str:
    """Return a sort key that puts "Åland Islands" with the A's."""
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


# --------------------------------------------------------------------------
# The review queue
# --------------------------------------------------------------------------


@bp.route("/review")
@reviewer_required
def queue():  # type: ignore[no-untyped-def]
    """List submitted assessments waiting for review, oldest first."""
    waiting = list(
        db.session.scalars(  # stored scores are loaded below, in one query
            select(Assessment)
            .options(defer(Assessment.scores))
            .where(Assessment.status == Status.SUBMITTED)
            .order_by(Assessment.submitted_at, Assessment.id)
        )
    )
    scores = scores_of_many(waiting)
    now = datetime.now(UTC)
    rows = [
        {
            "assessment": a,
            "scores": scores[a.id],
            "days": (now - a.submitted_at).days if a.submitted_at else None,
        }
        for a in waiting
    ]
    return render_template("review/queue.html", rows=rows)


# --------------------------------------------------------------------------
# The comparison page
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """A sortable column of the comparison table."""

    key: str
    label: str
    numeric: bool


@dataclass
class CompareView:
    """Everything the comparison template shows, computed before rendering."""

    cycle: Cycle
    previous_cycle: str | None
    rows: list[dict[str, Any]]
    total: int
    sections: list[dict[str, Any]]
    columns: dict[str, Column]
    global_means: dict[str, Any]
    regional_means: list[dict[str, Any]]
    region_mean: dict[str, Any] | None
    regions: list[str]
    bands: list[dict[str, Any]]
    region: str
    status: str
    sort: str
    direction: str
    heat: Callable[[float | None], str]
    sort_url: Callable[[str], str]
    export_url: Callable[[str, str], str]
    selected: list[str] = field(default_factory=list)


def heat_class(bands: Sequence[Any]) -> Callable[[float | None], str]:
    """Return a function naming the heat-map class of a score: its band in the catalogue."""
    ordered = sorted(bands, key=lambda b: b.min_score, reverse=True)

    def heat(score: float | None) -> str:
        if score is None:
            return "heat heat--none"
        for band in ordered:
            if score >= band.min_score:
                return f"heat heat--{band.id.lower()}"
        return "heat heat--none"

    return heat


def report_url(cycle: str, iso3: str) -> str | None:
    """Return the address of a country's gap report, if the reports module is installed."""
    endpoint = current_app.extensions.get("review_report_endpoint", False)
    if endpoint is False:
        endpoint = None
        for rule in current_app.url_map.iter_rules():
            if rule.rule in (
                "/cycles/<cycle>/countries/<iso3>/report",
                "/cycles/<cycle>/countries/<iso3>/report/",
            ) and "GET" in (rule.methods or ()):
                endpoint = rule.endpoint
                break
        current_app.extensions["review_report_endpoint"] = endpoint
    return url_for(endpoint, cycle=cycle, iso3=iso3) if endpoint else None


def comparison_rows(data: dict[str, Any], assessments: Sequence[Assessment]) -> list[dict[str, Any]]:
    """Join the comparison's rows with what the page shows of each assessment."""
    by_country = {a.country_iso3: a for a in assessments}
    rows = []
    for row in data["rows"]:
        assessment = by_country[row["country"]]
        change = row["change"] or {}
        changes = {s["id"]: s["score"] for s in change.get("sections", ())}
        rows.append(
            {
                "iso3": row["country"],
                "name": assessment.country.name,
                "region": row["region"],
                "status": assessment.status,
                "rank": row["rank"],
                "overall": row["overall"],
                "band": row["band"],
                "change": change.get("overall"),
                "shared_items": change.get("shared_items"),
                "sections": {s["id"]: (s["score"], changes.get(s["id"])) for s in row["sections"]},
                "gaps": row["gaps"],
                "critical_gaps": row["critical_gaps"],
                "missing": row["missing"],
                "unsupported": row["unsupported"],
                "overview_url": url_for("assessment.overview", cycle=data["cycle"], iso3=row["country"]),
                "report_url": report_url(data["cycle"], row["country"]),
            }
        )
    return rows


def _sort_key(key: str, band_order: dict[str, int]) -> Callable[[dict[str, Any]], Any]:
    if key == "country":
        return lambda r: name_key(r["name"])
    if key == "region":
        return lambda r: (r["region"].casefold(), name_key(r["name"]))
    if key == "status":
        return lambda r: (
            STATUSES.index(r["status"]) if r["status"] in STATUSES else 99,
            name_key(r["name"]),
        )
    if key == "band":
        return lambda r: band_order.get(r["band"], -1) if r["band"] is not None else None
    if key.startswith("section-"):
        section = key.removeprefix("section-")
        return lambda r: r["sections"].get(section, (None, None))[0]
    return lambda r: r[key]


def sort_rows(rows: list[dict[str, Any]], key: str, direction: str, band_order: dict[str, int]) -> list[dict[str, Any]]:
    """Sort rows by a column; rows without a value come last whichever the direction."""
    get = _sort_key(key, band_order)
    present = [r for r in rows if get(r) is not None]
    absent = [r for r in rows if get(r) is None]
    # Ties keep a stable, readable order: by country name.
    present.sort(key=lambda r: name_key(r["name"]))
    present.sort(key=get, reverse=direction == "desc")
    absent.sort(key=lambda r: name_key(r["name"]))
    return present + absent


def _columns(catalogue: Catalogue) -> dict[str, Column]:
    columns = [
        Column("country", _("Country"), False),
        Column("region", _("Region"), False),
        Column("status", _("Status"), False),
        Column("overall", _("Overall"), True),
        Column("band", _("Band"), True),
        Column("change", _("Change"), True),
    ]
    columns += [Column(f"section-{s.id}", s.title, True) for s in catalogue.sections]
    columns += [
        Column("gaps", _("Gaps"), True),
        Column("missing", _("Missing"), True),
        Column("unsupported", _("Unsupported"), True),
    ]
    return {c.key: c for c in columns}


def _means(means: list[dict[str, Any]]) -> dict[str, Any]:
    return {m["id"]: m["score"] for m in means}


def build_compare_view(cycle: Cycle, assessments: Sequence[Assessment], args: Any) -> CompareView:
    """Compute the comparison page's content from the visible assessments and the query string."""
    catalogue = catalogue_for(cycle)
    data = services.compare_cycle(cycle, list(assessments))
    rows = comparison_rows(data, assessments)
    regions = sorted({r["region"] for r in rows}, key=str.casefold)
    region = args.get("region", "")
    region = region if region in regions else ""
    status = args.get("status", "")
    status = status if status in STATUSES else ""
    columns = _columns(catalogue)
    sort = args.get("sort", "overall")
    sort = sort if sort in columns else "overall"
    default_direction = "desc" if columns[sort].numeric else "asc"
    direction = args.get("dir", default_direction)
    direction = direction if direction in ("asc", "desc") else default_direction
    shown = [r for r in rows if (not region or r["region"] == region) and (not status or r["status"] == status)]
    band_order = {b.id: n for n, b in enumerate(sorted(catalogue.bands, key=lambda b: b.min_score))}
    shown = sort_rows(shown, sort, direction, band_order)

    regional = [
        {
            "region": m["region"],
            "means": _means(m["means"]),
            "count": sum(1 for r in rows if r["region"] == m["region"]),
        }
        for m in data["regional_means"]
    ]
    filters = {k: v for k, v in (("region", region), ("status", status)) if v}

    def sort_url(key: str) -> str:
        numeric = columns[key].numeric
        if key == sort:
            new = "asc" if direction == "desc" else "desc"
        else:
            new = "desc" if numeric else "asc"
        return url_for("review.compare", cycle=cycle.code, **filters, sort=key, dir=new)

    def export_url(kind: str, fmt: str) -> str:
        return url_for("review.export", cycle=cycle.code, kind=kind, fmt=fmt, **filters)

    return CompareView(
        cycle=cycle,
        previous_cycle=data["previous_cycle"],
        rows=shown,
        total=len(rows),
        sections=[{"id": s.id, "title": s.title} for s in catalogue.sections],
        columns=columns,
        global_means=_means(data["global_means"]),
        regional_means=regional,
        region_mean=next((m for m in regional if m["region"] == region), None) if region else None,
        regions=regions,
        bands=[
            {
                "id": b.id,
                "label": b.label,
                "min": b.min_score,
                "class": heat_class(catalogue.bands)(b.min_score),
            }
            for b in sorted(catalogue.bands, key=lambda b: b.min_score, reverse=True)
        ],
        region=region,
        status=status,
        sort=sort,
        direction=direction,
        heat=heat_class(catalogue.bands),
        sort_url=sort_url,
        export_url=export_url,
        selected=[c.upper() for c in args.getlist("country")] if hasattr(args, "getlist") else [],
    )


@bp.route("/cycles/<cycle>/compare")
@reviewer_required
def compare(cycle: str):  # type: ignore[no-untyped-def]
    """Compare the countries of a cycle: heat-map, filters, sorting, means, change, exports."""
    found = services.find_cycle(cycle)
    assessments = services.visible_assessments(current_user, found)
    view = build_compare_view(found, assessments, request.args)
    return render_template("review/compare.html", view=view, cycle=found)


# --------------------------------------------------------------------------
# Side by side
# --------------------------------------------------------------------------


def _chosen_countries(values: list[str]) -> tuple[list[str], list[str]]:
    """Return the distinct country codes asked for (upper case, in order) and the malformed ones."""
    chosen: list[str] = []
    malformed: list[str] = []
    for value in values:
        code = value.strip()
        if not _ISO3.match(code):
            malformed.append(code[:20])
        elif code.upper() not in chosen:
            chosen.append(code.upper())
    return chosen, malformed


def side_by_side_content(catalogue: Catalogue, chosen: Sequence[Assessment]) -> list[dict[str, Any]]:
    """Return, instrument by instrument, each state-addressed obligation with every chosen country's
    obligation score and the rating and description of each item behind it."""
    scores = scores_of_many(chosen)
    answers = load_answers([a.id for a in chosen])
    obligation_scores = {a.id: {o["id"]: o["score"] for o in scores[a.id]["obligations"]} for a in chosen}
    groups = []
    for instrument in catalogue.instruments:
        obligations = []
        for obligation in catalogue.obligations:
            if obligation.instrument != instrument.id or not obligation.items:
                continue
            addressee = catalogue.addressee_by_id.get(obligation.addressee)
            if addressee is not None and addressee.scope != "national":
                continue
            cells = []
            for assessment in chosen:
                given = answers.get(assessment.id, {})
                items = []
                for item_id in obligation.items:
                    answer = given.get(item_id)
                    level = catalogue.level_by_id.get(answer.rating) if answer and answer.rating else None
                    items.append(
                        {
                            "id": item_id,
                            "rating": answer.rating if answer else None,
                            "rating_label": level.label if level else None,
                            "description": (answer.description if answer else "") or "",
                            "justification": (answer.justification if answer else "") or "",
                        }
                    )
                cells.append(
                    {
                        "assessment": assessment,
                        "score": obligation_scores[assessment.id].get(obligation.id),
                        "items": items,
                    }
                )
            obligations.append({"obligation": obligation, "cells": cells})
        if obligations:
            groups.append({"instrument": instrument, "obligations": obligations})
    return groups


@bp.route("/cycles/<cycle>/compare/countries")
@reviewer_required
def side_by_side(cycle: str):  # type: ignore[no-untyped-def]
    """Show two to five countries side by side, obligation by obligation."""
    found = services.find_cycle(cycle)
    catalogue = catalogue_for(found)
    visible = {a.country_iso3: a for a in services.visible_assessments(current_user, found)}
    chosen_codes, malformed = _chosen_countries(request.args.getlist("country"))
    errors = []
    if malformed:
        errors.append(
            _(
                "Not a country code (use three letters, such as FRA): %(codes)s.",
                codes=", ".join(malformed),
            )
        )
    unknown = [c for c in chosen_codes if c not in visible]
    if unknown:
        # The same message for a draft and for no assessment at all: drafts stay private.
        errors.append(
            _(
                "No submitted, returned or accepted assessment in cycle %(cycle)s for: %(codes)s.",
                cycle=found.code,
                codes=", ".join(unknown),
            )
        )
    chosen = [visible[c] for c in chosen_codes if c in visible]
    if (chosen_codes or malformed) and not (MIN_SIDE <= len(chosen_codes) + len(malformed) <= MAX_SIDE):
        errors.append(
            ngettext(
                "Choose between %(min)d and %(max)d countries; you chose %(num)d.",
                "Choose between %(min)d and %(max)d countries; you chose %(num)d.",
                len(chosen_codes) + len(malformed),
                min=MIN_SIDE,
                max=MAX_SIDE,
            )
        )
    groups: list[dict[str, Any]] = []
    scores: dict[int, dict[str, Any]] = {}
    if not errors and chosen:
        groups = side_by_side_content(catalogue, chosen)
        scores = scores_of_many(chosen)
    heat = heat_class(catalogue.bands)
    picker = sorted(visible.values(), key=lambda a: name_key(a.country.name))
    # A form page with a message, like any other: 200 (the message names what is wrong).
    return render_template(
        "review/side_by_side.html",
        cycle=found,
        catalogue=catalogue,
        groups=groups,
        chosen=chosen if not errors else [],
        scores=scores,
        errors=errors,
        picker=picker,
        selected=set(chosen_codes),
        heat=heat,
        min_side=MIN_SIDE,
        max_side=MAX_SIDE,
    )


# --------------------------------------------------------------------------
# Exports
# --------------------------------------------------------------------------


@bp.route("/cycles/<cycle>/export/<kind>.<fmt>")
@reviewer_required
def export(cycle: str, kind: str, fmt: str):  # type: ignore[no-untyped-def]
    """Download the scores or the full answers of the countries shown on the comparison page."""
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
