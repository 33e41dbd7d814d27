"""The scoring method: pure functions over frozen dataclasses, standard library only.

`score_assessment` scores one country's answers against a catalogue edition;
`compare` ranks countries and measures change since the previous cycle;
`to_dict` and `comparison_to_dict` give what the API and the CLI print.
The method is explained in ``docs/methodology.md``.
"""

from .compare import change_between, compare, restrict, score_scored
from .method import TOLERANCE, UnknownChecklistItem, UnknownRating, score_assessment
from .model import (
    FLAG_MISSING,
    FLAG_UNJUSTIFIED_NA,
    FLAG_UNSUPPORTED,
    MISSING,
    NOT_APPLICABLE,
    RATED,
    UNJUSTIFIED_NA,
    Answer,
    Area,
    AreaScore,
    Band,
    Change,
    Comparison,
    CountryInput,
    CountryRow,
    Edition,
    Flags,
    Gap,
    ItemResult,
    ItemSpec,
    Method,
    ObligationResult,
    ObligationSpec,
    RatingLevel,
    Result,
    Scored,
)
from .serialize import comparison_to_dict, to_dict

__all__ = [
    "change_between",
    "FLAG_MISSING",
    "FLAG_UNJUSTIFIED_NA",
    "FLAG_UNSUPPORTED",
    "MISSING",
    "NOT_APPLICABLE",
    "RATED",
    "TOLERANCE",
    "UNJUSTIFIED_NA",
    "Answer",
    "Area",
    "AreaScore",
    "Band",
    "Change",
    "Comparison",
    "CountryInput",
    "CountryRow",
    "Edition",
    "Flags",
    "Gap",
    "ItemResult",
    "ItemSpec",
    "Method",
    "ObligationResult",
    "ObligationSpec",
    "RatingLevel",
    "Result",
    "Scored",
    "UnknownChecklistItem",
    "UnknownRating",
    "compare",
    "comparison_to_dict",
    "restrict",
    "score_assessment",
    "score_scored",
    "to_dict",
]
