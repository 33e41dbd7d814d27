"""What reviewers read: the review queue, the comparison table and countries side by side.

Each function returns typed rows, computed before rendering, so a page only
lays them out: the views add addresses and labels, nothing else.  Reviewers
see submitted, returned and accepted assessments (`visible_assessments`),
never drafts.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select
from sqlalchemy.orm import defer

from ..catalogue import Band, Catalogue, Instrument, Obligation
from ..catalogue_store import catalogue_for
from ..db import db
from ..models import Assessment, Country, Cycle, Status
from .access import REVIEWABLE
from .comparison import compare_cycle, trends
from .scores import load_answers, scores_of_many

STATUSES = [s.value for s in REVIEWABLE]
MIN_SIDE, MAX_SIDE = 2, 5
_ISO3 = re.compile(r"^[A-Za-z]{3}$")


def name_key(name: str) -> str:
    """Return a sort key that puts "Åland Islands" with the A's."""
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


# --------------------------------------------------------------------------
# The review queue
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueRow:
    """A submitted assessment waiting for review: its stored scores and how long it has waited."""

    assessment: Assessment
    scores: dict[str, Any]
    days: int | None


def review_queue(now: datetime | None = None) -> list[QueueRow]:
    """List the submitted assessments of every cycle, oldest submission first."""
    waiting = list(
        db.session.scalars(  # stored scores are loaded below, in one query
            select(Assessment)
            .options(defer(Assessment.scores))
            .where(Assessment.status == Status.SUBMITTED)
            .order_by(Assessment.submitted_at, Assessment.id)
        )
    )
    scores = scores_of_many(waiting)
    now = now or datetime.now(UTC)
    return [QueueRow(a, scores[a.id], (now - a.submitted_at).days if a.submitted_at else None) for a in waiting]


# --------------------------------------------------------------------------
# The comparison table
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class CompareRow:
    """One country's line of the comparison: scores, band, change since the previous cycle, counts."""

    iso3: str
    name: str
    region: str
    status: str
    rank: int | None
    overall: float | None
    band: str | None
    change: float | None
    shared_items: int | None
    sections: dict[str, tuple[float | None, float | None]]  # section id → (score, change)
    gaps: int
    critical_gaps: int
    missing: int
    unsupported: int


@dataclass(frozen=True)
class RegionalMean:
    region: str
    means: dict[str, float | None]  # "overall" and each section id
    count: int


@dataclass(frozen=True)
class BandKey:
    """A band of the catalogue as the heat-map's legend shows it."""

    id: str
    label: str
    min: float


@dataclass(frozen=True)
class SectionRef:
    id: str
    title: str


@dataclass(frozen=True)
class BandCount:
    """How many of the countries shown fall in a band (`id` None: no score)."""

    id: str | None
    label: str
    count: int


@dataclass(frozen=True)
class Spread:
    """The spread of one area's scores over the countries shown: five numbers (None without scores)."""

    id: str  # "overall" or a section id
    title: str
    count: int
    low: float | None
    q1: float | None
    median: float | None
    q3: float | None
    high: float | None


@dataclass(frozen=True)
class ComparisonTable:
    """The comparison of a cycle, filtered and sorted as asked, with the means of every visible country."""

    cycle: Cycle
    previous_cycle: str | None
    rows: list[CompareRow]  # the rows shown, filtered and sorted
    total: int  # every visible country, whatever the filters
    members: int  # every member country (the country table), submitted or not
    sections: list[SectionRef]
    sort_columns: dict[str, bool]  # sort key → numeric
    global_means: dict[str, float | None]
    regional_means: list[RegionalMean]
    region_mean: RegionalMean | None
    regions: list[str]
    bands: list[BandKey]  # highest first
    region: str
    status: str
    sort: str
    direction: str
    selected: list[str]
    distribution: list[BandCount]  # the rows shown by band, highest band first, then no score
    spreads: list[Spread]  # overall, then each section, over the rows shown
    trends: dict[str, list[tuple[str, float | None]]]  # country → (cycle, overall), oldest first


def sort_columns(catalogue: Catalogue) -> dict[str, bool]:
    """Return the comparison's sort keys in table order, each with whether it is numeric."""
    keys = {"country": False, "region": False, "status": False, "overall": True, "band": True, "change": True}
    keys.update({f"section-{s.id}": True for s in catalogue.sections})
    keys.update({"gaps": True, "missing": True, "unsupported": True})
    return keys


def _rows(data: dict[str, Any], assessments: Sequence[Assessment]) -> list[CompareRow]:
    by_country = {a.country_iso3: a for a in assessments}
    rows = []
    for row in data["rows"]:
        assessment = by_country[row["country"]]
        change = row["change"] or {}
        changes = {s["id"]: s["score"] for s in change.get("sections", ())}
        rows.append(
            CompareRow(
                iso3=row["country"],
                name=assessment.country.name,
                region=row["region"],
                status=assessment.status,
                rank=row["rank"],
                overall=row["overall"],
                band=row["band"],
                change=change.get("overall"),
                shared_items=change.get("shared_items"),
                sections={s["id"]: (s["score"], changes.get(s["id"])) for s in row["sections"]},
                gaps=row["gaps"],
                critical_gaps=row["critical_gaps"],
                missing=row["missing"],
                unsupported=row["unsupported"],
            )
        )
    return rows


def _sort_value(key: str, band_order: dict[str, int]) -> Callable[[CompareRow], Any]:
    if key == "country":
        return lambda r: name_key(r.name)
    if key == "region":
        return lambda r: (r.region.casefold(), name_key(r.name))
    if key == "status":
        return lambda r: (STATUSES.index(r.status) if r.status in STATUSES else 99, name_key(r.name))
    if key == "band":
        return lambda r: band_order.get(r.band, -1) if r.band is not None else None
    if key.startswith("section-"):
        section = key.removeprefix("section-")
        return lambda r: r.sections.get(section, (None, None))[0]
    return lambda r: getattr(r, key)


def sort_rows(rows: Iterable[CompareRow], key: str, direction: str, band_order: dict[str, int]) -> list[CompareRow]:
    """Sort rows by a column; rows without a value come last whichever the direction."""
    get = _sort_value(key, band_order)
    present = [r for r in rows if get(r) is not None]
    absent = [r for r in rows if get(r) is None]
    # Ties keep a stable, readable order: by country name.
    present.sort(key=lambda r: name_key(r.name))
    present.sort(key=get, reverse=direction == "desc")
    absent.sort(key=lambda r: name_key(r.name))
    return present + absent


def _means(means: list[dict[str, Any]]) -> dict[str, float | None]:
    return {m["id"]: m["score"] for m in means}


def bands_highest_first(bands: Iterable[Band]) -> list[Band]:
    return sorted(bands, key=lambda b: b.min_score, reverse=True)


def quartiles(values: Sequence[float]) -> tuple[float, float, float, float, float] | None:
    """Return min, lower quartile, median, upper quartile and max (quartiles interpolated, as
    spreadsheets' QUARTILE.INC), or None for no values."""
    if not values:
        return None
    ordered = sorted(values)

    def at(fraction: float) -> float:
        position = fraction * (len(ordered) - 1)
        low = int(position)
        high = min(low + 1, len(ordered) - 1)
        return ordered[low] + (ordered[high] - ordered[low]) * (position - low)

    return ordered[0], at(0.25), at(0.5), at(0.75), ordered[-1]


def spreads(rows: Sequence[CompareRow], sections: Sequence[SectionRef], overall: str) -> list[Spread]:
    """Return the five-number summary of the overall score and of each section over the rows."""
    areas = [("overall", overall, [r.overall for r in rows])]
    areas += [(s.id, s.title, [r.sections.get(s.id, (None, None))[0] for r in rows]) for s in sections]
    found = []
    for area, title, given in areas:
        values = [v for v in given if v is not None]
        five = quartiles(values)
        found.append(Spread(area, title, len(values), *(five or (None, None, None, None, None))))
    return found


def distribution(rows: Sequence[CompareRow], bands: Sequence[Band], none_label: str) -> list[BandCount]:
    """Count the rows in each band, highest first, then those without a score."""
    counts: dict[str | None, int] = {}
    for row in rows:
        counts[row.band] = counts.get(row.band, 0) + 1
    found = [BandCount(b.id, b.label, counts.get(b.id, 0)) for b in bands_highest_first(bands)]
    return [*found, BandCount(None, none_label, counts.get(None, 0))]


def comparison_table(
    cycle: Cycle,
    assessments: Sequence[Assessment],
    *,
    region: str = "",
    status: str = "",
    sort: str = "overall",
    direction: str = "",
    selected: Iterable[str] = (),
) -> ComparisonTable:
    """Compare the given (visible) assessments of a cycle; filter and sort as asked.

    A filter or sort the table does not know falls back to its default, so any
    query string gives a page.
    """
    catalogue = catalogue_for(cycle)
    data = compare_cycle(cycle, list(assessments))
    rows = _rows(data, assessments)
    regions = sorted({r.region for r in rows}, key=str.casefold)
    region = region if region in regions else ""
    status_filter = status if status in STATUSES else ""
    columns = sort_columns(catalogue)
    sort = sort if sort in columns else "overall"
    default_direction = "desc" if columns[sort] else "asc"
    direction = direction if direction in ("asc", "desc") else default_direction
    shown = [r for r in rows if (not region or r.region == region) and (not status_filter or r.status == status_filter)]
    band_order = {b.id: n for n, b in enumerate(sorted(catalogue.bands, key=lambda b: b.min_score))}
    sections = [SectionRef(s.id, s.title) for s in catalogue.sections]
    regional = [
        RegionalMean(m["region"], _means(m["means"]), sum(1 for r in rows if r.region == m["region"]))
        for m in data["regional_means"]
    ]
    return ComparisonTable(
        cycle=cycle,
        previous_cycle=data["previous_cycle"],
        rows=sort_rows(shown, sort, direction, band_order),
        total=len(rows),
        members=int(db.session.scalar(select(func.count()).select_from(Country)) or 0),
        sections=sections,
        sort_columns=columns,
        global_means=_means(data["global_means"]),
        regional_means=regional,
        region_mean=next((m for m in regional if m.region == region), None) if region else None,
        regions=regions,
        bands=[BandKey(b.id, b.label, b.min_score) for b in bands_highest_first(catalogue.bands)],
        region=region,
        status=status_filter,
        sort=sort,
        direction=direction,
        selected=[c.upper() for c in selected],
        distribution=distribution(shown, catalogue.bands, _("No score")),
        spreads=spreads(shown, sections, _("Overall")),
        trends=trends(cycle, list(assessments)),
    )


# --------------------------------------------------------------------------
# Side by side
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemAnswer:
    id: str
    rating: str | None
    rating_label: str | None
    description: str
    justification: str


@dataclass(frozen=True)
class SideCell:
    """One country's column for one obligation: its score and the answers behind it."""

    assessment: Assessment
    score: float | None
    items: list[ItemAnswer]


@dataclass(frozen=True)
class SideObligation:
    obligation: Obligation
    cells: list[SideCell]


@dataclass(frozen=True)
class SideGroup:
    instrument: Instrument
    obligations: list[SideObligation]


@dataclass(frozen=True)
class SideBySide:
    """The chosen countries, obligation by obligation, or what is wrong with the choice."""

    groups: list[SideGroup]
    chosen: list[Assessment]
    scores: dict[int, dict[str, Any]]
    errors: list[str]
    picker: list[Assessment]  # every visible country, by name
    selected: set[str]


def side_by_side_groups(catalogue: Catalogue, chosen: Sequence[Assessment]) -> list[SideGroup]:
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
                        ItemAnswer(
                            id=item_id,
                            rating=answer.rating if answer else None,
                            rating_label=level.label if level else None,
                            description=(answer.description if answer else "") or "",
                            justification=(answer.justification if answer else "") or "",
                        )
                    )
                cells.append(SideCell(assessment, obligation_scores[assessment.id].get(obligation.id), items))
            obligations.append(SideObligation(obligation, cells))
        if obligations:
            groups.append(SideGroup(instrument, obligations))
    return groups


def _chosen_countries(values: Iterable[str]) -> tuple[list[str], list[str]]:
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


def side_by_side(cycle: Cycle, visible_assessments: Sequence[Assessment], asked: Iterable[str]) -> SideBySide:
    """Put two to five of the visible countries side by side; name what is wrong with any other choice."""
    visible = {a.country_iso3: a for a in visible_assessments}
    chosen_codes, malformed = _chosen_countries(asked)
    errors = []
    if malformed:
        errors.append(_("Not a country code (use three letters, such as FRA): %(codes)s.", codes=", ".join(malformed)))
    unknown = [c for c in chosen_codes if c not in visible]
    if unknown:
        # The same message for a draft and for no assessment at all: drafts stay private.
        errors.append(
            _(
                "No submitted, returned or accepted assessment in cycle %(cycle)s for: %(codes)s.",
                cycle=cycle.code,
                codes=", ".join(unknown),
            )
        )
    asked_count = len(chosen_codes) + len(malformed)
    if asked_count and not MIN_SIDE <= asked_count <= MAX_SIDE:
        errors.append(
            ngettext(
                "Choose between %(min)d and %(max)d countries; you chose %(num)d.",
                "Choose between %(min)d and %(max)d countries; you chose %(num)d.",
                asked_count,
                min=MIN_SIDE,
                max=MAX_SIDE,
            )
        )
    chosen = [visible[c] for c in chosen_codes if c in visible] if not errors else []
    return SideBySide(
        groups=side_by_side_groups(catalogue_for(cycle), chosen) if chosen else [],
        chosen=chosen,
        scores=scores_of_many(chosen) if chosen else {},
        errors=errors,
        picker=sorted(visible.values(), key=lambda a: name_key(a.country.name)),
        selected=set(chosen_codes),
    )
