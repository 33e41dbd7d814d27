"""Score one assessment: items, obligations, sections, instruments, overall, band and gaps.

The method is described in plain words in ``docs/methodology.md``.  Every
parameter (scale values, weights, bands, core threshold and cap, critical
priority) comes from the `Edition`; nothing is hard-coded here.

Speed: `score_assessment` is called for every country of a cycle, so whatever
depends only on the edition (positions, scale look-ups, the item results each
rating can produce, ...) is computed once per edition by `_index` and cached.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import fields
from math import fsum

from .model import (
    FLAG_MISSING,
    FLAG_UNJUSTIFIED_NA,
    FLAG_UNSUPPORTED,
    MISSING,
    NOT_APPLICABLE,
    RATED,
    UNJUSTIFIED_NA,
    Answer,
    AreaScore,
    Edition,
    Flags,
    Gap,
    ItemResult,
    ObligationResult,
    Result,
)

#: Scores closer than this (in points) are treated as equal when comparing them
#: with 100 (gaps), a band's minimum, the core threshold or the critical priority,
#: so that floating-point noise such as 79.99999999999999 cannot change a figure.
TOLERANCE = 1e-9

# Interned result objects are kept per edition; past this many the cache is reset.
_RESULT_CACHE_LIMIT = 50_000
_EDITION_CACHE_LIMIT = 64


class UnknownRating(ValueError):
    """A rating id that is not a step of the edition's scale (a programming error)."""

    def __init__(self, item: str, rating: str) -> None:
        super().__init__(item, rating)
        self.item = item
        self.rating = rating

    def __str__(self) -> str:
        return f"item {self.item!r} is rated {self.rating!r}, which is not on the scale"


class UnknownChecklistItem(ValueError):
    """An answer for an item the edition does not contain."""

    def __init__(self, item: str) -> None:
        super().__init__(item)
        self.item = item

    def __str__(self) -> str:
        return f"answer for item {self.item!r}, which is not in this edition"


_GapBuilder = Callable[[int, str, str, str, float, float, float, float, bool, bool, tuple[str, ...]], Gap]


def _gap_builder() -> _GapBuilder:
    """Return a constructor of `Gap` that skips the frozen dataclass's `__init__`.

    A frozen dataclass sets each field through `object.__setattr__`; setting the
    slots directly builds the same object in half the time, which matters
    because an assessment can have dozens of gaps.  If `Gap` ever changes shape
    (other fields, no slots, a `__post_init__`), the plain class is used.
    """
    names = (
        "rank",
        "obligation",
        "instrument",
        "paragraph",
        "score",
        "shortfall",
        "weight",
        "priority",
        "core",
        "critical",
        "items",
    )
    attrs = vars(Gap)
    if tuple(f.name for f in fields(Gap)) != names or "__slots__" not in attrs or hasattr(Gap, "__post_init__"):
        return Gap
    (rank_, obligation_, instrument_, paragraph_, score_, shortfall_) = (attrs[n].__set__ for n in names[:6])
    (weight_, priority_, core_, critical_, items_) = (attrs[n].__set__ for n in names[6:])
    new = object.__new__

    def build(
        rank: int,
        obligation: str,
        instrument: str,
        paragraph: str,
        score: float,
        shortfall: float,
        weight: float,
        priority: float,
        core: bool,
        critical: bool,
        items: tuple[str, ...],
    ) -> Gap:
        gap: Gap = new(Gap)
        rank_(gap, rank)
        obligation_(gap, obligation)
        instrument_(gap, instrument)
        paragraph_(gap, paragraph)
        score_(gap, score)
        shortfall_(gap, shortfall)
        weight_(gap, weight)
        priority_(gap, priority)
        core_(gap, core)
        critical_(gap, critical)
        items_(gap, items)
        return gap

    return build


_new_gap = _gap_builder()


def _blank(text: str) -> bool:
    return not text or text.isspace()


# A scale step as seen by one item: (value, needs_support, result, flagged result).
# For a valued step the flagged result is the "unsupported" one; for the
# not-applicable step the result is the justified one and the flagged result
# the unjustified one.
_Step = tuple[float | None, bool, ItemResult, ItemResult]

# A scored obligation: (position in the catalogue, weight, core, item positions,
# (item id, item position) pairs).
_Scored = tuple[int, float, bool, tuple[int, ...], tuple[tuple[str, int], ...]]


class _Index:
    """Everything about an edition that does not depend on the answers."""

    __slots__ = (
        "edition",
        "item_ids",
        "item_pos",
        "steps",
        "missing_results",
        "scored",
        "section_pairs",
        "instrument_obs",
        "core_obs",
        "ob_ids",
        "ob_labels",
        "ob_template",
        "ob_cache",
        "sections",
        "instruments",
        "bands",
        "band_pos",
        "cap_pos",
        "core_threshold",
        "critical_priority",
        "lock",
    )

    def __init__(self, edition: Edition) -> None:
        method = edition.method
        self.edition = edition

        section_pos = _positions("section", [s.id for s in edition.sections])
        instrument_pos = _positions("instrument", [i.id for i in edition.instruments])
        self.item_ids: tuple[str, ...] = tuple(i.id for i in edition.items)
        self.item_pos: dict[str, int] = _positions("item", self.item_ids)
        _positions("obligation", [o.id for o in edition.obligations])
        _positions("rating", [s.id for s in method.scale])
        band_ids = _positions("band", [b.id for b in method.bands])

        for step in method.scale:
            if step.value is not None and not 0 <= step.value <= 100:
                raise ValueError(f"rating {step.id!r} has value {step.value}, outside 0–100")
        if not method.bands:
            raise ValueError("the method has no bands")
        mins = [b.min_score for b in method.bands]
        if any(a <= b for a, b in zip(mins, mins[1:], strict=False)):
            raise ValueError("bands must be listed best first, with decreasing min_score")
        if method.core_band_cap not in band_ids:
            raise ValueError(f"core band cap {method.core_band_cap!r} is not a band")

        item_section: list[int] = []
        for item in edition.items:
            if item.section not in section_pos:
                raise ValueError(f"item {item.id!r} is in unknown section {item.section!r}")
            item_section.append(section_pos[item.section])

        # Every result an item can get, built once.
        steps: list[dict[str, _Step]] = []
        missing: list[ItemResult] = []
        for item in edition.items:
            table: dict[str, _Step] = {}
            for step in method.scale:
                if step.value is None:
                    table[step.id] = (
                        None,
                        False,
                        ItemResult(item.id, item.section, step.id, NOT_APPLICABLE, None),
                        ItemResult(
                            item.id,
                            item.section,
                            step.id,
                            UNJUSTIFIED_NA,
                            0.0,
                            (FLAG_UNJUSTIFIED_NA,),
                        ),
                    )
                else:
                    value = float(step.value)
                    plain = ItemResult(item.id, item.section, step.id, RATED, value)
                    flagged = ItemResult(item.id, item.section, step.id, RATED, value, (FLAG_UNSUPPORTED,))
                    table[step.id] = (value, step.needs_support, plain, flagged)
            steps.append(table)
            missing.append(ItemResult(item.id, item.section, None, MISSING, 0.0, (FLAG_MISSING,)))
        self.steps: tuple[dict[str, _Step], ...] = tuple(steps)
        self.missing_results: tuple[ItemResult, ...] = tuple(missing)

        scored: list[_Scored] = []
        template: list[ObligationResult] = []
        section_pairs: list[list[tuple[int, int]]] = [[] for _ in edition.sections]
        instrument_obs: list[list[int]] = [[] for _ in edition.instruments]
        core_obs: list[int] = []
        for op, ob in enumerate(edition.obligations):
            if ob.instrument not in instrument_pos:
                raise ValueError(f"obligation {ob.id!r} belongs to unknown instrument {ob.instrument!r}")
            if not ob.weight > 0:
                raise ValueError(f"obligation {ob.id!r} has weight {ob.weight}; it must be > 0")
            if len(set(ob.items)) != len(ob.items):
                raise ValueError(f"obligation {ob.id!r} lists an item twice")
            for item_id in ob.items:
                if item_id not in self.item_pos:
                    raise ValueError(f"obligation {ob.id!r} lists unknown item {item_id!r}")
            template.append(
                ObligationResult(ob.id, ob.instrument, ob.paragraph, float(ob.weight), ob.core, None, ob.items)
            )
            if ob.scored:
                k = len(scored)
                positions = tuple(self.item_pos[i] for i in ob.items)
                scored.append(
                    (
                        op,
                        float(ob.weight),
                        ob.core,
                        positions,
                        tuple(zip(ob.items, positions, strict=True)),
                    )
                )
                instrument_obs[instrument_pos[ob.instrument]].append(k)
                if ob.core:
                    core_obs.append(k)
                for p in positions:
                    section_pairs[item_section[p]].append((k, p))
        self.scored: tuple[_Scored, ...] = tuple(scored)
        # Per section, every (scored obligation, item position) pair whose item is in it.
        self.section_pairs: tuple[tuple[tuple[int, int], ...], ...] = tuple(tuple(pairs) for pairs in section_pairs)
        # Per instrument, its scored obligations; and the core ones.
        self.instrument_obs: tuple[tuple[int, ...], ...] = tuple(tuple(obs) for obs in instrument_obs)
        self.core_obs: tuple[int, ...] = tuple(core_obs)
        self.ob_ids: tuple[str, ...] = tuple(o.id for o in edition.obligations)
        self.ob_labels: tuple[tuple[str, str, str], ...] = tuple(
            (o.id, o.instrument, o.paragraph) for o in edition.obligations
        )
        self.ob_template: tuple[ObligationResult, ...] = tuple(template)
        self.ob_cache: dict[tuple[int, float], ObligationResult] = {}

        self.sections: tuple[tuple[str, str], ...] = tuple((s.id, s.title) for s in edition.sections)
        self.instruments: tuple[tuple[str, str], ...] = tuple((i.id, i.title) for i in edition.instruments)
        self.bands: tuple[tuple[str, float], ...] = tuple((b.id, float(b.min_score)) for b in method.bands)
        self.band_pos: dict[str, int] = band_ids
        self.cap_pos: int = band_ids[method.core_band_cap]
        self.core_threshold: float = float(method.core_threshold)
        self.critical_priority: float = float(method.critical_priority)
        self.lock = threading.Lock()

    def obligation_result(self, op: int, score: float) -> ObligationResult:
        """Return the (interned) result of obligation `op` scoring `score`."""
        key = (op, score)
        found = self.ob_cache.get(key)
        if found is None:
            t = self.ob_template[op]
            found = ObligationResult(t.obligation, t.instrument, t.paragraph, t.weight, t.core, score, t.items)
            with self.lock:
                if len(self.ob_cache) >= _RESULT_CACHE_LIMIT:
                    self.ob_cache.clear()
                self.ob_cache[key] = found
        return found


def _positions(kind: str, ids: Iterable[str]) -> dict[str, int]:
    positions: dict[str, int] = {}
    for pos, ident in enumerate(ids):
        if ident in positions:
            raise ValueError(f"{kind} id {ident!r} appears twice in the edition")
        positions[ident] = pos
    return positions


# Editions are looked up by identity first (cheap), then by value (hashing a
# whole edition costs tens of microseconds, so only on a miss).
_by_id: dict[int, tuple[Edition, _Index]] = {}
_by_value: dict[Edition, _Index] = {}
_cache_lock = threading.Lock()


def _index(edition: Edition) -> _Index:
    hit = _by_id.get(id(edition))
    if hit is not None and hit[0] is edition:
        return hit[1]
    with _cache_lock:
        index = _by_value.get(edition)
        if index is None:
            index = _Index(edition)
            if len(_by_value) >= _EDITION_CACHE_LIMIT:
                del _by_value[next(iter(_by_value))]
            _by_value[edition] = index
        if len(_by_id) >= _EDITION_CACHE_LIMIT:
            del _by_id[next(iter(_by_id))]
        # Keeping the edition in the entry keeps it alive, so its id cannot be reused.
        _by_id[id(edition)] = (edition, index)
    return index


def score_assessment(edition: Edition, answers: Iterable[Answer]) -> Result:
    """Score one country's answers against an edition of the catalogue."""
    ix = _index(edition)
    item_pos = ix.item_pos
    n_items = len(ix.item_ids)

    given: list[Answer | None] = [None] * n_items
    for answer in answers:
        p = item_pos.get(answer.item)
        if p is None:
            raise UnknownChecklistItem(answer.item)
        if given[p] is not None:
            raise ValueError(f"item {answer.item!r} is answered twice")
        given[p] = answer

    # Items, in catalogue order --------------------------------------------
    values: list[float | None] = [0.0] * n_items
    item_results: list[ItemResult] = []
    missing: list[str] = []
    unsupported: list[str] = []
    unjustified: list[str] = []
    item_ids = ix.item_ids
    steps = ix.steps
    for p, given_answer in enumerate(given):
        if given_answer is None or given_answer.rating is None:
            missing.append(item_ids[p])
            item_results.append(ix.missing_results[p])
            continue
        step = steps[p].get(given_answer.rating)
        if step is None:
            raise UnknownRating(item_ids[p], given_answer.rating)
        value, needs_support, result, flagged = step
        if value is None:
            if _blank(given_answer.justification):
                unjustified.append(item_ids[p])
                item_results.append(flagged)
            else:
                values[p] = None
                item_results.append(result)
        else:
            values[p] = value
            if (
                needs_support
                and _blank(given_answer.description)
                and all(_blank(ref) for ref in given_answer.legal_references)
            ):
                unsupported.append(item_ids[p])
                item_results.append(flagged)
            else:
                item_results.append(result)

    # Obligations: the mean of their counting items; pair weight w / n ----------
    # Per scored obligation k: its score, w × score and w (both 0 when it drops
    # out, which adds nothing to a sum), and the weight w / n of each of its pairs.
    scored = ix.scored
    n_scored = len(scored)
    scores: list[float | None] = [None] * n_scored
    weighted = [0.0] * n_scored
    counted_weight = [0.0] * n_scored
    pair_weight = [0.0] * n_scored
    ob_results = list(ix.ob_template)
    interned = ix.ob_cache.get
    for k, (op, weight, _core, positions, _pairs) in enumerate(scored):
        counted: list[float] = []
        for p in positions:
            v = values[p]
            if v is not None:
                counted.append(v)
        if counted:
            n = len(counted)
            score = fsum(counted) / n
            scores[k] = score
            weighted[k] = weight * score
            counted_weight[k] = weight
            pair_weight[k] = weight / n
            ob_results[op] = interned((op, score)) or ix.obligation_result(op, score)

    # Sections: pair-weighted mean over the (obligation, item) pairs in them ---------
    # A pair whose item drops out is skipped; an item that counts belongs only to
    # obligations that count, so their w / n is set.
    sections: list[AreaScore] = []
    for (sid, title), pairs in zip(ix.sections, ix.section_pairs, strict=True):
        num: list[float] = []
        den: list[float] = []
        for k, p in pairs:
            v = values[p]
            if v is not None:
                w = pair_weight[k]
                num.append(w * v)
                den.append(w)
        sections.append(AreaScore(sid, title, fsum(num) / fsum(den) if den else None))

    # Instruments and overall: weighted means of obligation scores -----------------
    instruments: list[AreaScore] = []
    for (iid, title), obs in zip(ix.instruments, ix.instrument_obs, strict=True):
        total = fsum(map(counted_weight.__getitem__, obs))
        instruments.append(AreaScore(iid, title, fsum(map(weighted.__getitem__, obs)) / total if total else None))
    total = fsum(counted_weight)
    overall = fsum(weighted) / total if total else None

    # Band and cap ------------------------------------------------------------------
    uncapped: str | None = None
    band: str | None = None
    capped_by: tuple[str, ...] = ()
    if overall is not None:
        uncapped_pos = -1
        for pos, (bid, min_score) in enumerate(ix.bands):
            if overall + TOLERANCE >= min_score:
                uncapped, uncapped_pos = bid, pos
                break
        threshold = ix.core_threshold - TOLERANCE
        capped_by = tuple(
            [ix.ob_ids[scored[k][0]] for k in ix.core_obs if (s := scores[k]) is not None and s < threshold]
        )
        band = uncapped
        if capped_by and uncapped is not None and uncapped_pos < ix.cap_pos:
            band = ix.bands[ix.cap_pos][0]

    # Gaps: every obligation below 100, by priority, core first, catalogue order ----
    # The priority in the sort key is counted in millionths of a point, so that
    # floating-point noise cannot split a tie (3 × 33.333... against 2 × 50).
    top = 100.0 - TOLERANCE
    below: list[tuple[int, bool, int, float, float]] = []
    for k, s in enumerate(scores):
        if s is not None and s < top:
            priority = scored[k][1] * (100.0 - s)
            below.append((-int(priority * 1e6 + 0.5), not scored[k][2], k, s, priority))
    below.sort()
    critical_at = ix.critical_priority - TOLERANCE
    labels = ix.ob_labels
    gaps: list[Gap] = []
    for rank, (_, _, k, score, priority) in enumerate(below, start=1):
        op, weight, core, _positions, item_pairs = scored[k]
        ob_id, instrument, paragraph = labels[op]
        behind: list[str] = []
        for item_id, p in item_pairs:
            v = values[p]
            if v is not None and v < top:
                behind.append(item_id)
        gaps.append(
            _new_gap(
                rank,
                ob_id,
                instrument,
                paragraph,
                score,
                100.0 - score,
                weight,
                priority,
                core,
                core or priority >= critical_at,
                tuple(behind),
            )
        )

    return Result(
        edition=edition.hash,
        overall=overall,
        band=band,
        uncapped_band=uncapped,
        capped_by=capped_by,
        sections=tuple(sections),
        instruments=tuple(instruments),
        obligations=tuple(ob_results),
        items=tuple(item_results),
        gaps=tuple(gaps),
        flags=Flags(tuple(unsupported), tuple(missing), tuple(unjustified)),
    )
