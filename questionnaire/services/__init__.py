"""The use cases of the platform, independent of HTTP.

Views, the API, the spreadsheet import and the command line all call these.
"""

from .access import (
    EDITABLE,
    REVIEWABLE,
    assessment_for,
    assessment_of,
    can_comment,
    can_edit,
    can_review,
    can_view,
    list_cycles,
    find_assessment,
    find_country,
    find_cycle,
    previous_cycle,
    visible_assessments,
)
from .answers import (
    FIELD_LABELS,
    FIELDS,
    AnswerInput,
    Edit,
    answers_of,
    history,
    make_input,
    save_answer,
    save_answers,
    validate,
)
from .comparison import compare_cycle
from .cycles import close_cycle, create_cycle
from .errors import (
    CycleClosed,
    Forbidden,
    InvalidAnswer,
    InvalidTransition,
    NotFound,
    ServiceError,
    StaleAnswer,
    UnknownChecklistItem,
)
from .lifecycle import (
    accept,
    add_comment,
    comments_of,
    events,
    progress,
    return_assessment,
    start_assessment,
    submit,
    unanswered_items,
)
from .scores import compute, scores_of

__all__ = [
    "EDITABLE", "REVIEWABLE", "FIELDS", "FIELD_LABELS", "AnswerInput", "Edit", "CycleClosed",
    "Forbidden", "InvalidAnswer", "InvalidTransition", "NotFound", "ServiceError", "StaleAnswer",
    "UnknownChecklistItem", "accept", "add_comment", "answers_of", "assessment_for", "assessment_of", "can_comment",
    "can_edit", "can_review", "can_view", "close_cycle", "comments_of", "compare_cycle", "compute", "create_cycle",
    "list_cycles", "events", "find_assessment", "find_country", "find_cycle", "history", "make_input",
    "previous_cycle", "progress", "return_assessment", "save_answer", "save_answers", "scores_of",
    "start_assessment", "submit", "unanswered_items", "validate", "visible_assessments",
]
