"""Comparison of countries within a cycle, with the change since the previous cycle.

A comparison is computed by `scoring.compare` and kept in the application's
memory under a key made of every compared assessment's id and version (and
those of the previous cycle's assessments): a page view with nothing changed
rescores nothing, and any saved answer or change of status gives a new key,
so a kept comparison is never stale.  Whatever the number of countries, a
comparison costs two SQL statements when kept (the previous cycle and its
assessments' versions), one more when something changed (the changed
assessments' answers).
"""

from __future__ import annotations

import json
from typing import Any, cast

from sqlalchemy import select

import scoring
from scoring.rounding import round1

from ..catalogue_store import catalogue_for
from ..db import db
from ..models import Assessment, Cycle
from .access import REVIEWABLE, previous_cycle, visible_assessments
from .scores import ScoreRef, memo, scored_many, state_key


def _previous_assessments(before: Cycle, countries: list[str]) -> list[tuple[int, str, int, Any]]:
    """Return (id, country, version, updated_at) of the previous cycle's reviewable assessments."""
    if not countries:
        return []
    rows = db.session.execute(
        select(Assessment.id, Assessment.country_iso3, Assessment.version, Assessment.updated_at).where(
            Assessment.cycle_id == before.id,
            Assessment.country_iso3.in_(countries),
            Assessment.status.in_([s.value for s in REVIEWABLE]),
        )
    )
    return [(r.id, r.country_iso3, r.version, r.updated_at) for r in rows]


def compare_cycle(cycle: Cycle, assessments: list[Assessment]) -> dict[str, Any]:
    """Compare the given assessments of a cycle; return JSON data (comparison_to_dict).

    The change since the previous cycle uses each country's submitted or
    accepted assessment of the cycle opened before this one, measured on the
    items both catalogue editions share.  The caller gets its own copy of the
    data: changing it changes nothing kept.
    """
    edition = catalogue_for(cycle).edition
    before = previous_cycle(cycle)
    previous = _previous_assessments(before, [a.country_iso3 for a in assessments]) if before else []
    current_key = tuple(
        sorted(
            (a.country_iso3, a.country.region or "—", *state_key(a.id, a.version, a.updated_at)) for a in assessments
        )
    )
    previous_key = tuple(sorted((iso3, *state_key(i, v, at)) for i, iso3, v, at in previous))
    key = (
        cycle.id,
        cycle.code,
        edition.hash,
        before.edition_hash if before else None,
        current_key,
        previous_key,
    )
    kept = memo().comparisons.get(key)
    if kept is not None:
        return cast(dict[str, Any], json.loads(kept))  # each caller gets its own copy

    refs = [ScoreRef.of(a) for a in assessments]
    if before is not None:
        refs += [ScoreRef(i, v, at, before.edition_hash) for i, _, v, at in previous]
    scored = scored_many(refs)
    previous_by_country = {iso3: i for i, iso3, _, _ in previous}
    inputs = []
    for assessment in assessments:
        prior_id = previous_by_country.get(assessment.country_iso3)
        inputs.append(
            scoring.CountryInput(
                country=assessment.country_iso3,
                region=assessment.country.region or "—",
                current=scored[assessment.id],
                previous=scored[prior_id] if prior_id is not None else None,
            )
        )
    data = scoring.comparison_to_dict(scoring.compare(inputs))
    data["cycle"] = cycle.code
    data["previous_cycle"] = before.code if before is not None else None
    data["edition"] = edition.hash
    frozen = json.dumps(data, separators=(",", ":"))  # plain JSON data: an exact copy on loading
    memo().comparisons.put(key, frozen)
    return cast(dict[str, Any], json.loads(frozen))


OVERALL = "overall"


def _area_scores(row: dict[str, Any]) -> dict[str, float | None]:
    scores: dict[str, float | None] = {OVERALL: row.get("overall")}
    for section in row.get("sections", ()):
        scores[section["id"]] = section["score"]
    return scores


def _means_of(means: list[dict[str, Any]], rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Pair each area's mean with the number of countries whose score for it exists."""
    counts: dict[str, int] = {}
    for row in rows:
        for area, value in _area_scores(row).items():
            if value is not None:
                counts[area] = counts.get(area, 0) + 1
    return {m["id"]: {"score": m["score"], "countries": counts.get(m["id"], 0)} for m in means}


def means_summary(comparison: dict[str, Any]) -> dict[str, Any]:
    """Return the means of a comparison by area, overall and per region, with how many countries make each up.

    This is all a country's report shows of other countries: it holds no row of
    any country.
    """
    rows = comparison.get("rows", [])
    return {
        "countries": len(rows),
        "global": _means_of(comparison.get("global_means", []), rows),
        "regional": {
            entry["region"]: _means_of(entry["means"], [r for r in rows if r.get("region") == entry["region"]])
            for entry in comparison.get("regional_means", [])
        },
    }


def reviewable_comparison(cycle: Cycle) -> dict[str, Any]:
    """Compare every assessment of the cycle that reached the reviewers (submitted, returned, accepted)."""
    return compare_cycle(cycle, visible_assessments(None, cycle))


TREND_CYCLES = 10  # the most cycles a country's trend shows, the given one last


def trends(
    cycle: Cycle, assessments: list[Assessment], limit: int = TREND_CYCLES
) -> dict[str, list[tuple[str, float | None]]]:
    """Return each country's overall score in the cycles up to this one (oldest first), by country code.

    A country's point in an earlier cycle is its submitted, returned or accepted
    assessment there, scored on that cycle's edition; a cycle where it has none
    is left out of its line.  One SQL statement when kept (the cycles' assessments
    with their versions), one more when something changed (the changed
    assessments' answers), whatever the number of countries and cycles.
    """
    countries = sorted({a.country_iso3 for a in assessments})
    if not countries:
        return {}
    rows = db.session.execute(
        select(
            Cycle.code,
            Cycle.opened_at,
            Cycle.edition_hash,
            Assessment.id,
            Assessment.country_iso3,
            Assessment.version,
            Assessment.updated_at,
        )
        .join(Assessment.cycle)
        .where(
            Cycle.opened_at <= cycle.opened_at,
            Assessment.country_iso3.in_(countries),
            Assessment.status.in_([s.value for s in REVIEWABLE]),
        )
    ).all()
    cycles = sorted({(r.opened_at, r.code) for r in rows})[-limit:]
    wanted = {code for _, code in cycles}
    rows = [r for r in rows if r.code in wanted]
    key = ("trends", tuple(sorted((r.code, r.country_iso3, *state_key(r.id, r.version, r.updated_at)) for r in rows)))
    kept = memo().comparisons.get(key)
    if kept is not None:
        return cast(dict[str, list[tuple[str, float | None]]], kept)
    scored = scored_many([ScoreRef(r.id, r.version, r.updated_at, r.edition_hash) for r in rows])
    order = {code: n for n, (_, code) in enumerate(cycles)}
    lines: dict[str, list[tuple[int, str, float | None]]] = {}
    for r in rows:
        overall = scored[r.id].result.overall
        lines.setdefault(r.country_iso3, []).append(
            (order[r.code], r.code, round1(overall) if overall is not None else None)
        )
    found = {iso3: [(code, score) for _, code, score in sorted(points)] for iso3, points in lines.items()}
    memo().comparisons.put(key, found)
    return found
