"""Small hand-built editions for the scoring tests.

The method parameters are those of the current catalogue (full=100 ... none=0,
bands A–E, core threshold 50 capping at D, critical priority 150), but every
test builds its own edition so that it does not depend on obligations.yaml.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pytest

from scoring import (
    Answer,
    Area,
    Band,
    Edition,
    ItemSpec,
    Method,
    ObligationSpec,
    RatingLevel,
)

SCALE = (
    RatingLevel("full", "Fully implemented", 100, needs_support=True),
    RatingLevel("largely", "Largely implemented", 75, needs_support=True),
    RatingLevel("partially", "Partially implemented", 50),
    RatingLevel("initial", "Initial steps", 25),
    RatingLevel("none", "Not implemented", 0),
    RatingLevel("not_applicable", "Not applicable", None),
)
BANDS = (
    Band("A", "Comprehensive", 80),
    Band("B", "Substantial", 65),
    Band("C", "Moderate", 50),
    Band("D", "Limited", 35),
    Band("E", "Minimal", 0),
)


def make_method(**changes: Any) -> Method:
    """Return the current catalogue's method, with some parameters changed."""
    params: dict[str, Any] = {
        "scale": SCALE,
        "bands": BANDS,
        "core_threshold": 50,
        "core_band_cap": "D",
        "critical_priority": 150,
    }
    params.update(changes)
    return Method(**params)


# An obligation as (id, instrument, weight, core, items).
ObSpec = tuple[str, str, float, bool, Sequence[str]]


def make_edition(
    items: dict[str, str],
    obligations: Sequence[ObSpec],
    *,
    sections: Sequence[str] | None = None,
    instruments: Sequence[str] | None = None,
    method: Method | None = None,
    hash: str = "test-edition",
) -> Edition:
    """Build an edition: items maps item id to section id, in catalogue order."""
    section_ids = list(sections) if sections is not None else list(dict.fromkeys(items.values()))
    instrument_ids = list(instruments) if instruments is not None else list(dict.fromkeys(o[1] for o in obligations))
    return Edition(
        hash=hash,
        method=method or make_method(),
        sections=tuple(Area(s, f"Section {s}") for s in section_ids),
        instruments=tuple(Area(i, f"Instrument {i}") for i in instrument_ids),
        items=tuple(ItemSpec(i, s) for i, s in items.items()),
        obligations=tuple(
            ObligationSpec(oid, ins, f"{ins} op. {k}", weight, core, tuple(its))
            for k, (oid, ins, weight, core, its) in enumerate(obligations, start=1)
        ),
    )


def rate(
    item: str,
    rating: str | None,
    *,
    description: str = "Described in practice.",
    legal_references: tuple[str, ...] = (),
    justification: str = "",
) -> Answer:
    """Return an answer; ratings are supported by a description unless told otherwise."""
    return Answer(item, rating, description, legal_references, justification)


@pytest.fixture
def method() -> Method:
    return make_method()


@pytest.fixture
def edition_factory() -> Callable[..., Edition]:
    return make_edition


@pytest.fixture
def method_factory() -> Callable[..., Method]:
    return make_method


@pytest.fixture
def answer() -> Callable[..., Answer]:
    return rate


@pytest.fixture
def small_edition() -> Edition:
    """Two instruments, four scored obligations and one unscored, five items in two sections.

    A1 is shared by O1 and O4.
    """
    return make_edition(
        {"A1": "S1", "A2": "S1", "A3": "S1", "B1": "S2", "B2": "S2"},
        [
            ("O1", "I1", 3, False, ("A1", "A2")),
            ("O2", "I1", 2, True, ("B1", "B2")),
            ("O3", "I2", 1, False, ("A3", "B1")),
            ("O4", "I2", 3, False, ("A1",)),
            ("O5", "I2", 3, False, ()),
        ],
    )
