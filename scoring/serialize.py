"""Turn results and comparisons into JSON-ready dicts (what the API and the CLI print).

Scores, shortfalls, weights and priorities are rounded to one decimal, halves
away from zero; ids are kept as they are.  Lists keep catalogue order, gaps
keep their rank order, comparison rows their ranking.
"""

from __future__ import annotations

from typing import Any

from .model import (
    AreaScore,
    Change,
    Comparison,
    CountryRow,
    Gap,
    ItemResult,
    ObligationResult,
    Result,
)
from .rounding import round1


def _r(value: float | None) -> float | None:
    return None if value is None else round1(value)


def _area(area: AreaScore) -> dict[str, Any]:
    return {"id": area.id, "title": area.title, "score": _r(area.score)}


def _obligation(ob: ObligationResult) -> dict[str, Any]:
    return {
        "id": ob.obligation,
        "instrument": ob.instrument,
        "paragraph": ob.paragraph,
        "weight": _r(ob.weight),
        "core": ob.core,
        "scored": bool(ob.items),
        "score": _r(ob.score),
        "items": list(ob.items),
    }


def _item(item: ItemResult) -> dict[str, Any]:
    return {
        "id": item.item,
        "section": item.section,
        "rating": item.rating,
        "status": item.status,
        "value": _r(item.value),
        "flags": list(item.flags),
    }


def _gap(gap: Gap) -> dict[str, Any]:
    return {
        "rank": gap.rank,
        "obligation": gap.obligation,
        "instrument": gap.instrument,
        "paragraph": gap.paragraph,
        "score": _r(gap.score),
        "shortfall": _r(gap.shortfall),
        "weight": _r(gap.weight),
        "priority": _r(gap.priority),
        "core": gap.core,
        "critical": gap.critical,
        "items": list(gap.items),
    }


def to_dict(result: Result) -> dict[str, Any]:
    """Return a JSON-ready dict of one assessment's result."""
    flags = result.flags
    return {
        "edition": result.edition,
        "overall": _r(result.overall),
        "band": result.band,
        "uncapped_band": result.uncapped_band,
        "capped_by": list(result.capped_by),
        "sections": [_area(s) for s in result.sections],
        "instruments": [_area(i) for i in result.instruments],
        "obligations": [_obligation(o) for o in result.obligations],
        "items": [_item(i) for i in result.items],
        "gaps": [_gap(g) for g in result.gaps],
        "flags": {
            "unsupported": list(flags.unsupported),
            "missing": list(flags.missing),
            "unjustified_not_applicable": list(flags.unjustified_not_applicable),
        },
        "counts": {
            "gaps": len(result.gaps),
            "critical_gaps": len(result.critical_gaps),
            "missing": len(flags.missing),
            "unsupported": len(flags.unsupported),
            "unjustified_not_applicable": len(flags.unjustified_not_applicable),
        },
    }


def _change(change: Change | None) -> dict[str, Any] | None:
    if change is None:
        return None
    return {
        "overall": _r(change.overall),
        "sections": [_area(s) for s in change.sections],
        "shared_items": change.shared_items,
    }


def _row(row: CountryRow) -> dict[str, Any]:
    return {
        "country": row.country,
        "region": row.region,
        "rank": row.rank,
        "overall": _r(row.overall),
        "band": row.band,
        "sections": [_area(s) for s in row.sections],
        "gaps": row.gaps,
        "critical_gaps": row.critical_gaps,
        "missing": row.missing,
        "unsupported": row.unsupported,
        "change": _change(row.change),
    }


def comparison_to_dict(comparison: Comparison) -> dict[str, Any]:
    """Return a JSON-ready dict of a comparison of countries."""
    return {
        "rows": [_row(r) for r in comparison.rows],
        "global_means": [_area(a) for a in comparison.global_means],
        "regional_means": [
            {"region": region, "means": [_area(a) for a in means]} for region, means in comparison.regional_means
        ],
    }
