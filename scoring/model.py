"""Frozen inputs and outputs of the scoring method.

Everything the method needs arrives in these dataclasses; nothing here knows
about YAML, databases or the web.  The catalogue loader builds an `Edition`
from `obligations.yaml`, the application builds `Answer`s from its database.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Item statuses -------------------------------------------------------------
RATED = "rated"
MISSING = "missing"  # no rating given: counts as no implementation
NOT_APPLICABLE = "not_applicable"  # justified: drops out
UNJUSTIFIED_NA = "unjustified_not_applicable"  # counts as no implementation

# Reviewer flags ------------------------------------------------------------
FLAG_UNSUPPORTED = "unsupported"
FLAG_MISSING = "missing_information"
FLAG_UNJUSTIFIED_NA = "not_applicable_without_justification"


@dataclass(frozen=True, slots=True)
class RatingLevel:
    """One step of the rating scale; `value` is 0–100, or None for not applicable."""

    id: str
    label: str
    value: float | None
    needs_support: bool = False  # full/largely: must cite law or describe practice


@dataclass(frozen=True, slots=True)
class Band:
    """A letter band: every overall score at or above `min_score` earns it."""

    id: str
    label: str
    min_score: float


@dataclass(frozen=True, slots=True)
class Method:
    """The parameters of the method, all taken from the catalogue."""

    scale: tuple[RatingLevel, ...]
    bands: tuple[Band, ...]  # best first; the last one has min_score 0
    core_threshold: float  # a core obligation scoring below this caps the band
    core_band_cap: str  # the best band a capped assessment may get
    critical_priority: float  # a gap with priority at or above this is critical

    def level(self, rating: str) -> RatingLevel:
        """Return the scale step with this id."""
        for step in self.scale:
            if step.id == rating:
                return step
        raise KeyError(rating)


@dataclass(frozen=True, slots=True)
class Area:
    """A section (theme) or an instrument, in catalogue order."""

    id: str
    title: str


@dataclass(frozen=True, slots=True)
class ItemSpec:
    """A checklist item: the question a ministry answers."""

    id: str
    section: str


@dataclass(frozen=True, slots=True)
class ObligationSpec:
    """An operative clause; `items` is empty when it is addressed to an international body."""

    id: str
    instrument: str
    paragraph: str
    weight: float  # the strength of its verb
    core: bool
    items: tuple[str, ...]

    @property
    def scored(self) -> bool:
        """Tell whether the clause is assessed against a country."""
        return bool(self.items)


@dataclass(frozen=True, slots=True)
class Edition:
    """One catalogue edition, identified by the hash of its content."""

    hash: str
    method: Method
    sections: tuple[Area, ...]
    instruments: tuple[Area, ...]
    items: tuple[ItemSpec, ...]
    obligations: tuple[ObligationSpec, ...]


@dataclass(frozen=True, slots=True)
class Answer:
    """What a country said about one item (only what the method looks at)."""

    item: str
    rating: str | None = None
    description: str = ""
    legal_references: tuple[str, ...] = ()
    justification: str = ""


# Results ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ItemResult:
    item: str
    section: str
    rating: str | None
    status: str  # RATED, MISSING, NOT_APPLICABLE or UNJUSTIFIED_NA
    value: float | None  # 0–100 as used in the scores; None when it drops out
    flags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ObligationResult:
    obligation: str
    instrument: str
    paragraph: str
    weight: float
    core: bool
    score: float | None  # None when every item is not applicable
    items: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AreaScore:
    id: str
    title: str
    score: float | None  # None when nothing in the area counts


@dataclass(frozen=True, slots=True)
class Gap:
    rank: int
    obligation: str
    instrument: str
    paragraph: str
    score: float
    shortfall: float  # 100 - score
    weight: float
    priority: float  # weight × shortfall
    core: bool
    critical: bool
    items: tuple[str, ...]  # the items behind the gap: those below full


@dataclass(frozen=True, slots=True)
class Flags:
    unsupported: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    unjustified_not_applicable: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Result:
    edition: str
    overall: float | None
    band: str | None
    uncapped_band: str | None
    capped_by: tuple[str, ...]  # core obligations that capped the band
    sections: tuple[AreaScore, ...]
    instruments: tuple[AreaScore, ...]
    obligations: tuple[ObligationResult, ...]
    items: tuple[ItemResult, ...]
    gaps: tuple[Gap, ...]
    flags: Flags = field(default_factory=Flags)

    @property
    def critical_gaps(self) -> tuple[Gap, ...]:
        """Return the gaps marked critical."""
        return tuple(g for g in self.gaps if g.critical)


# Comparison ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Scored:
    """One assessment ready for comparison: its edition, answers and result."""

    edition: Edition
    answers: tuple[Answer, ...]
    result: Result


@dataclass(frozen=True, slots=True)
class CountryInput:
    country: str  # ISO 3166-1 alpha-3
    region: str  # UN M49 region name
    current: Scored
    previous: Scored | None = None


@dataclass(frozen=True, slots=True)
class Change:
    """Change since the previous cycle, measured on the items both cycles share."""

    overall: float | None
    sections: tuple[AreaScore, ...]  # score holds the change in points
    shared_items: int


@dataclass(frozen=True, slots=True)
class CountryRow:
    country: str
    region: str
    rank: int | None  # None when the country has no overall score
    overall: float | None
    band: str | None
    sections: tuple[AreaScore, ...]
    gaps: int
    critical_gaps: int
    missing: int
    unsupported: int
    change: Change | None


@dataclass(frozen=True, slots=True)
class Comparison:
    rows: tuple[CountryRow, ...]  # ranked, best first; unranked last
    global_means: tuple[AreaScore, ...]  # per section, plus id "overall"
    regional_means: tuple[tuple[str, tuple[AreaScore, ...]], ...]  # (region, means)
