"""Time the scoring of a whole cycle (196 countries) against a plain-dict baseline.

Run:  .venv/bin/python benchmarks/scoring.py [--countries 196] [--repeat 5] [--seed 2026]

The edition is the full catalogue (``questionnaire.catalogue.load_catalogue``
on the top-level ``obligations.yaml``); if that cannot be loaded, a synthetic
edition of the same size (45 obligations, 40 items, 7 sections, 5 instruments)
is used instead.  The script says which one it used.

The baseline computes the same numbers from the same answers -- item values
(missing and unjustified not-applicable count 0, justified not-applicable drops
out), obligation means, the weighted overall and the section scores -- with
plain dicts and comprehensions and without building any result object.  Both
are timed best-of-N with time.perf_counter, and the script checks that they
agree on every overall and section score.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable, Sequence
from math import fsum
from pathlib import Path

# This file is itself called "scoring": take its folder off the path so that
# `import scoring` finds the package at the repository root.
HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(ROOT))

from scoring import (  # noqa: E402
    Answer,
    Area,
    Band,
    Edition,
    ItemSpec,
    Method,
    ObligationSpec,
    RatingLevel,
    score_assessment,
)


def load_edition() -> tuple[Edition, str]:
    """Return the full catalogue's edition, or a synthetic one of the same size."""
    path = ROOT / "obligations.yaml"
    try:
        from questionnaire.catalogue import load_catalogue

        edition = load_catalogue(path).edition
    except Exception as exc:  # any failure means: fall back
        return synthetic_edition(), f"synthetic edition (catalogue not available: {exc!r})"
    return edition, f"full catalogue {path.name} (edition {edition.hash[:12]})"


def synthetic_edition(
    obligations: int = 45, items: int = 40, sections: int = 7, instruments: int = 5, seed: int = 7
) -> Edition:
    """Build an edition with the full catalogue's size and the current method."""
    rng = random.Random(seed)
    method = Method(
        scale=(
            RatingLevel("full", "Fully implemented", 100, needs_support=True),
            RatingLevel("largely", "Largely implemented", 75, needs_support=True),
            RatingLevel("partially", "Partially implemented", 50),
            RatingLevel("initial", "Initial steps", 25),
            RatingLevel("none", "Not implemented", 0),
            RatingLevel("not_applicable", "Not applicable", None),
        ),
        bands=(
            Band("A", "A", 80),
            Band("B", "B", 65),
            Band("C", "C", 50),
            Band("D", "D", 35),
            Band("E", "E", 0),
        ),
        core_threshold=50,
        core_band_cap="D",
        critical_priority=150,
    )
    section_areas = tuple(Area(f"S{k}", f"Section {k}") for k in range(1, sections + 1))
    instrument_areas = tuple(Area(f"R{k}", f"Resolution {k}") for k in range(1, instruments + 1))
    item_specs = tuple(ItemSpec(f"Q{k:02d}", section_areas[k % sections].id) for k in range(1, items + 1))
    item_ids = [i.id for i in item_specs]
    specs = []
    for k in range(1, obligations + 1):
        # About one clause in nine is addressed to an international body (no items).
        its: tuple[str, ...] = () if k % 9 == 0 else tuple(rng.sample(item_ids, rng.randint(1, 4)))
        specs.append(
            ObligationSpec(
                id=f"OB{k:02d}",
                instrument=instrument_areas[k % instruments].id,
                paragraph=str(k),
                weight=rng.choice((1, 2, 3)),
                core=k % 6 == 0,
                items=its,
            )
        )
    return Edition(
        hash="synthetic",
        method=method,
        sections=section_areas,
        instruments=instrument_areas,
        items=item_specs,
        obligations=tuple(specs),
    )


def synthetic_cycle(edition: Edition, countries: int, seed: int) -> list[tuple[Answer, ...]]:
    """Give every country a random answer to every item (some missing, some N/A)."""
    rng = random.Random(seed)
    ratings = [s.id for s in edition.method.scale]
    cycle = []
    for _ in range(countries):
        answers = []
        for item in edition.items:
            roll = rng.random()
            if roll < 0.05:
                continue  # missing
            rating = rng.choice(ratings)
            answers.append(
                Answer(
                    item=item.id,
                    rating=rating,
                    description="" if rng.random() < 0.2 else "What is done in practice.",
                    legal_references=() if rng.random() < 0.5 else ("Act 12/2019, s. 4",),
                    justification="" if rng.random() < 0.3 else "No such situation arises.",
                )
            )
        rng.shuffle(answers)
        cycle.append(tuple(answers))
    return cycle


Scores = tuple[float | None, dict[str, float | None]]


def baseline(edition: Edition) -> Callable[[Sequence[Answer]], Scores]:
    """Return a plain-dict scorer computing overall and section scores."""
    scale = {s.id: s.value for s in edition.method.scale}
    section_of = {i.id: i.section for i in edition.items}
    obligations = [(o.weight, o.items) for o in edition.obligations if o.items]
    section_ids = [s.id for s in edition.sections]

    def score(answers: Sequence[Answer]) -> Scores:
        given = {a.item: a for a in answers}
        values: dict[str, float | None] = {}
        for item in section_of:
            a = given.get(item)
            if a is None or a.rating is None:
                values[item] = 0.0
            elif (v := scale[a.rating]) is None:
                values[item] = None if a.justification.strip() else 0.0
            else:
                values[item] = v
        num: list[float] = []
        den: list[float] = []
        sec_num: dict[str, list[float]] = {s: [] for s in section_ids}
        sec_den: dict[str, list[float]] = {s: [] for s in section_ids}
        for weight, items in obligations:
            counted = {i: v for i in items if (v := values[i]) is not None}
            if not counted:
                continue
            n = len(counted)
            num.append(weight * fsum(counted.values()) / n)
            den.append(weight)
            for i, v in counted.items():
                sec_num[section_of[i]].append(weight / n * v)
                sec_den[section_of[i]].append(weight / n)
        overall = fsum(num) / fsum(den) if den else None
        sections = {s: fsum(sec_num[s]) / fsum(sec_den[s]) if sec_den[s] else None for s in sec_num}
        return overall, sections

    return score


def tight_baseline(edition: Edition) -> Callable[[Sequence[Answer]], Scores]:
    """Return a plain scorer tuned like the package: precomputed positions, plain loops.

    Not the reference for the target; printed so the cost of building the
    result objects (item results, gaps, flags, band) can be seen on its own.
    """
    scale = {s.id: s.value for s in edition.method.scale}
    pos = {i.id: k for k, i in enumerate(edition.items)}
    section_ids = [s.id for s in edition.sections]
    sec_of = [section_ids.index(i.section) for i in edition.items]
    obligations = [(float(o.weight), [pos[i] for i in o.items]) for o in edition.obligations if o.items]

    def score(answers: Sequence[Answer]) -> Scores:
        values: list[float | None] = [0.0] * len(pos)
        for a in answers:
            if a.rating is not None:
                v = scale[a.rating]
                if v is not None:
                    values[pos[a.item]] = v
                elif a.justification.strip():
                    values[pos[a.item]] = None
        num: list[float] = []
        den: list[float] = []
        sec_num: list[list[float]] = [[] for _ in section_ids]
        sec_den: list[list[float]] = [[] for _ in section_ids]
        for weight, positions in obligations:
            counted: list[tuple[float, int]] = []
            for p in positions:
                v = values[p]
                if v is not None:
                    counted.append((v, p))
            if counted:
                n = len(counted)
                num.append(weight * fsum([v for v, _ in counted]) / n)
                den.append(weight)
                w = weight / n
                for v, p in counted:
                    sec_num[sec_of[p]].append(w * v)
                    sec_den[sec_of[p]].append(w)
        overall = fsum(num) / fsum(den) if den else None
        sections = {s: fsum(sec_num[k]) / fsum(sec_den[k]) if sec_den[k] else None for k, s in enumerate(section_ids)}
        return overall, sections

    return score


def best_of(repeat: int, run: Callable[[], object]) -> float:
    """Return the best wall time of `repeat` runs."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def close(a: float | None, b: float | None) -> bool:
    return (a is None and b is None) or (a is not None and b is not None and abs(a - b) < 1e-9)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--countries", type=int, default=196)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--synthetic", action="store_true", help="skip the catalogue")
    args = parser.parse_args(argv)

    if args.synthetic:
        edition, source = synthetic_edition(), "synthetic edition (--synthetic)"
    else:
        edition, source = load_edition()
    scored = sum(1 for o in edition.obligations if o.items)
    print(f"edition: {source}")
    print(
        f"  {len(edition.obligations)} obligations ({scored} scored), {len(edition.items)} items, "
        f"{len(edition.sections)} sections, {len(edition.instruments)} instruments"
    )
    cycle = synthetic_cycle(edition, args.countries, args.seed)
    plain = baseline(edition)
    tight = tight_baseline(edition)

    # Same numbers from all (this also warms the package's per-edition index).
    for answers in cycle:
        result = score_assessment(edition, answers)
        for overall, sections in (plain(answers), tight(answers)):
            assert close(result.overall, overall), (result.overall, overall)
            for area in result.sections:
                assert close(area.score, sections[area.id]), (area.id, area.score)
    print(f"  checked: package and baselines agree on {len(cycle)} overall and section scores")

    package_time = best_of(args.repeat, lambda: [score_assessment(edition, a) for a in cycle])
    baseline_time = best_of(args.repeat, lambda: [plain(a) for a in cycle])
    tight_time = best_of(args.repeat, lambda: [tight(a) for a in cycle])
    n = len(cycle)
    print(f"countries: {n}, best of {args.repeat} runs")
    print(f"  package  score_assessment: {package_time / n * 1e6:8.1f} µs per country")
    print(f"  baseline plain dicts:      {baseline_time / n * 1e6:8.1f} µs per country")
    print(f"  ratio package / baseline:  {package_time / baseline_time:8.2f}x (target <= 3x)")
    print(
        f"  (for information: tuned plain loops {tight_time / n * 1e6:.1f} µs per country, "
        f"package {package_time / tight_time:.2f}x that)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
