"""Compare countries: ranking, global and regional means, change since the last cycle."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import replace
from math import fsum

from .method import score_assessment
from .model import (
    Answer,
    AreaScore,
    Change,
    Comparison,
    CountryInput,
    CountryRow,
    Edition,
    Result,
    Scored,
)
from .rounding import round1

OVERALL_ID = "overall"
OVERALL_TITLE = "Overall"


def score_scored(edition: Edition, answers: Iterable[Answer]) -> Scored:
    """Score the answers and bundle them with their edition for comparison."""
    kept = tuple(answers)
    return Scored(edition=edition, answers=kept, result=score_assessment(edition, kept))


def restrict(edition: Edition, item_ids: Iterable[str]) -> Edition:
    """Return the edition reduced to the given items; emptied obligations become unscored."""
    keep = frozenset(item_ids)
    items = tuple(item for item in edition.items if item.id in keep)
    obligations = tuple(replace(ob, items=tuple(i for i in ob.items if i in keep)) for ob in edition.obligations)
    if len(items) == len(edition.items):
        content_hash = edition.hash
    else:
        digest = hashlib.sha256("\n".join(sorted(i.id for i in items)).encode()).hexdigest()
        content_hash = f"{edition.hash}/restricted-{digest[:12]}"
    return replace(edition, hash=content_hash, items=items, obligations=obligations)


def _mean(scores: Iterable[float | None]) -> float | None:
    present = [s for s in scores if s is not None]
    return fsum(present) / len(present) if present else None


def _delta(now: float | None, before: float | None) -> float | None:
    return None if now is None or before is None else now - before


class _Shared:
    """Both editions of a country restricted to the items they share."""

    __slots__ = ("current", "previous", "items")

    def __init__(self, current: Edition, previous: Edition) -> None:
        shared = {i.id for i in current.items} & {i.id for i in previous.items}
        self.items = frozenset(shared)
        self.current = restrict(current, shared)
        self.previous = restrict(previous, shared)


def change_between(current: Scored, previous: Scored) -> Change:
    """Return the change from one assessment to an earlier one, measured on the items both editions share."""
    return _between(current, previous, {})


def _change(country: CountryInput, memo: dict[tuple[int, int], _Shared]) -> Change | None:
    previous = country.previous
    if previous is None:
        return None
    return _between(country.current, previous, memo)


def _between(current: Scored, previous: Scored, memo: dict[tuple[int, int], _Shared]) -> Change:
    key = (id(current.edition), id(previous.edition))
    shared = memo.get(key)
    if shared is None:
        shared = memo[key] = _Shared(current.edition, previous.edition)
    items = shared.items
    now = score_assessment(shared.current, [a for a in current.answers if a.item in items])
    before = score_assessment(shared.previous, [a for a in previous.answers if a.item in items])
    before_sections = {s.id: s.score for s in before.sections}
    return Change(
        overall=_delta(now.overall, before.overall),
        sections=tuple(AreaScore(s.id, s.title, _delta(s.score, before_sections.get(s.id))) for s in now.sections),
        shared_items=len(items),
    )


def _means(results: list[Result], sections: list[tuple[str, str]]) -> tuple[AreaScore, ...]:
    means = []
    for sid, title in sections:
        means.append(
            AreaScore(
                sid,
                title,
                _mean(s.score for r in results for s in r.sections if s.id == sid),
            )
        )
    means.append(AreaScore(OVERALL_ID, OVERALL_TITLE, _mean(r.overall for r in results)))
    return tuple(means)


def compare(countries: Iterable[CountryInput]) -> Comparison:
    """Rank countries and compute global means, regional means and change since last cycle."""
    inputs = list(countries)
    codes = [c.country for c in inputs]
    if len(set(codes)) != len(codes):
        duplicated = sorted({c for c in codes if codes.count(c) > 1})
        raise ValueError(f"countries listed twice: {', '.join(duplicated)}")

    # Ranked best first on the overall rounded to one decimal; ties by country code.
    def order(c: CountryInput) -> tuple[int, float, str]:
        overall = c.current.result.overall
        if overall is None:
            return (1, 0.0, c.country)
        return (0, -round1(overall), c.country)

    inputs.sort(key=order)
    memo: dict[tuple[int, int], _Shared] = {}
    rows: list[CountryRow] = []
    rank: int | None = None
    last: float | None = None
    for position, c in enumerate(inputs, start=1):
        result = c.current.result
        if result.overall is None:
            rank = None
        else:
            rounded = round1(result.overall)
            if rounded != last:
                rank, last = position, rounded
        rows.append(
            CountryRow(
                country=c.country,
                region=c.region,
                rank=rank,
                overall=result.overall,
                band=result.band,
                sections=result.sections,
                gaps=len(result.gaps),
                critical_gaps=len(result.critical_gaps),
                missing=len(result.flags.missing),
                unsupported=len(result.flags.unsupported),
                change=_change(c, memo),
            )
        )

    # Sections in order of first appearance (all countries usually share one edition).
    sections: dict[str, str] = {}
    for c in inputs:
        for area in c.current.edition.sections:
            sections.setdefault(area.id, area.title)
    section_list = list(sections.items())

    results = [c.current.result for c in inputs]
    by_region: dict[str, list[Result]] = {}
    for c in inputs:
        by_region.setdefault(c.region, []).append(c.current.result)

    return Comparison(
        rows=tuple(rows),
        global_means=_means(results, section_list),
        regional_means=tuple((region, _means(by_region[region], section_list)) for region in sorted(by_region)),
    )
