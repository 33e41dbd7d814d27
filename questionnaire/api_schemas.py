"""The bodies of the JSON API as pydantic models: the one description of its shapes.

Requests are validated with these models (`views/api.py`), responses are
built and serialised through them, and the OpenAPI document (`openapi.py`)
publishes their JSON Schema, so what the API accepts, what it answers and
what it documents cannot drift apart.  Limits come from the services
(`services.answers`, `services.lifecycle`) and field descriptions are those
clients read in the document.

Request models are strict (JSON types only: `"1"` is not a number, `true` not
an integer) and closed (an unknown field is an error); `problems_of` turns a
refusal into one message per field path, such as `assistance.kind` or
`evidence_links[2]`, in the reader's language.  Response models mirror the
services' data; the open ones (catalogue, scores, comparison) allow more
fields than they name, as the catalogue file may carry more.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, get_args

from babel.numbers import format_decimal
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationError,
    WithJsonSchema,
)
from pydantic.fields import FieldInfo
from pydantic.json_schema import SkipJsonSchema
from pydantic_core import ErrorDetails, PydanticCustomError

from . import models as orm
from . import services
from .catalogue_store import catalogue_for
from .models import Status
from .services.answers import (
    MAX_ASSISTANCE,
    MAX_DESCRIPTION,
    MAX_JUSTIFICATION,
    MAX_LINK,
    MAX_LINKS,
    MAX_REFERENCE,
    MAX_REFERENCES,
)
from .services.lifecycle import MAX_COMMENT

# ---------------------------------------------------------------------------
# Field types
# ---------------------------------------------------------------------------


def _whole_characters(value: str) -> str:
    """Refuse text holding a lone surrogate (JSON's "\\ud800" escape), which no storage can keep."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise PydanticCustomError(
            "unpaired_surrogate", "contains an unpaired surrogate, which is not a Unicode character"
        ) from None
    return value


def _integral(value: object) -> object:
    """Take 3.0 as 3, as JSON Schema's `integer` does (3.5 stays a float, and is refused)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _isoformat(value: datetime) -> str:
    return value.isoformat()


# Text fields: length limits apply to the text itself (so they are published as maxLength), then
# the check for lone surrogates.  `Annotated[str, Field(max_length=…), UNICODE]`, in that order.
UNICODE = AfterValidator(_whole_characters)
Text = Annotated[str, UNICODE]
Version = Annotated[int, Field(ge=0), BeforeValidator(_integral)]
# A moment, written as Python's isoformat() (2026-06-15T09:30:00.123456+00:00).
Timestamp = Annotated[
    datetime,
    PlainSerializer(_isoformat, return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]
# A JSON number kept as it came: 80 stays 80, 62.5 stays 62.5 (a float field would write 80.0).
Number = Annotated[int | float, WithJsonSchema({"type": "number"})]
Score = Annotated[
    int | float | None,
    WithJsonSchema({"type": ["number", "null"], "minimum": 0, "maximum": 100}),
]


def _email(user: orm.User | None) -> str | None:
    return user.email if user is not None else None


class ApiModel(BaseModel):
    """A body of the API, either way."""

    def as_json(self) -> dict[str, Any]:
        """Return the body as JSON data: the fields given (or read), under their published names."""
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True)


class _Request(ApiModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class _Closed(ApiModel):
    model_config = ConfigDict(extra="forbid")


class _Open(ApiModel):
    model_config = ConfigDict(extra="allow")


# ---------------------------------------------------------------------------
# Requests
# ---------------------------------------------------------------------------


class AssistanceInput(_Request):
    model_config = ConfigDict(
        json_schema_extra={
            "description": (
                "The technical assistance the country needs for this item. With `requested` false, "
                "`kind` must be null (or absent) and `description` empty (or absent)."
            )
        }
    )

    requested: bool = Field(description="Whether the country requests assistance.")
    kind: Text | None = Field(
        default=None,
        description="The kind of assistance: an id of the catalogue's `assistance_kinds`. "
        "Required when `requested` is true.",
    )
    description: Annotated[str, Field(max_length=MAX_ASSISTANCE), UNICODE] = Field(
        default="", description="What assistance is needed. Required when `requested` is true."
    )


def _no_assistance() -> AssistanceInput:
    return AssistanceInput(requested=False)


class AnswerInput(_Request):
    model_config = ConfigDict(
        json_schema_extra={
            "description": (
                "One answer. `version` is the version of the answer the edit is based on (0 for an item "
                "never answered). Fields left out keep their saved value (blank for a new answer), so a "
                "client may send only what it changes; send an empty string or list (null for `rating`) "
                "to clear one. "
                "Text is stored in Unicode NFC with control characters removed and outer spaces trimmed; "
                "blank entries of the lists are dropped."
            )
        }
    )

    version: Version = Field(description="The answer's version this edit is based on.")
    rating: Text | None = Field(
        default=None,
        description="A step of the rating scale of the cycle's catalogue edition (`scale[].id`), "
        "or null for no rating yet.",
    )
    description: Annotated[str, Field(max_length=MAX_DESCRIPTION), UNICODE] = Field(
        default="", description="How the country implements the item."
    )
    legal_references: list[Annotated[str, Field(max_length=MAX_REFERENCE), UNICODE]] = Field(
        default_factory=list,
        max_length=MAX_REFERENCES,
        description="Citations of laws and articles, one per entry.",
    )
    evidence_links: list[Annotated[str, Field(max_length=MAX_LINK), UNICODE]] = Field(
        default_factory=list,
        max_length=MAX_LINKS,
        description="Addresses of evidence; each must be an http:// or https:// address with a host name.",
    )
    assistance: AssistanceInput = Field(default_factory=_no_assistance)
    justification: Annotated[str, Field(max_length=MAX_JUSTIFICATION), UNICODE] = Field(
        default="", description="Why the item does not apply; required with a not-applicable rating."
    )

    def merged_with(self, stored: services.AnswerInput) -> tuple[services.AnswerInput, dict[str, str]]:
        """Return the answer to save: the fields sent over the stored ones; and the assistance's problems.

        A field left out keeps its stored value (`model_fields_set` tells which were sent).
        """
        sent = self.model_fields_set
        problems: dict[str, str] = {}
        kind, description = stored.assistance_kind, stored.assistance_description
        if "assistance" in sent:
            kind, description = self.assistance.kind, self.assistance.description
            if self.assistance.requested:
                if kind is None or kind.strip() in ("", "none"):
                    problems["assistance.kind"] = _("is required when assistance is requested.")
                    kind = None
            else:
                if kind is not None:
                    problems["assistance.kind"] = _("must be null or left out when “requested” is false.")
                if description.strip():
                    problems["assistance.description"] = _("must be empty or left out when “requested” is false.")
                kind, description = None, ""
        values = services.make_input(
            rating=self.rating if "rating" in sent else stored.rating,
            description=self.description if "description" in sent else stored.description,
            legal_references=self.legal_references if "legal_references" in sent else stored.legal_references,
            evidence_links=self.evidence_links if "evidence_links" in sent else stored.evidence_links,
            assistance_kind=kind,
            assistance_description=description,
            justification=self.justification if "justification" in sent else stored.justification,
        )
        return values, problems


class TransitionInput(_Request):
    model_config = ConfigDict(json_schema_extra={"description": "An optional comment recorded with the step."})

    comment: Annotated[str, Field(max_length=MAX_COMMENT), UNICODE] = ""


class ReturnInput(_Request):
    model_config = ConfigDict(
        json_schema_extra={"description": "What the country should look at again: returning needs a comment."}
    )

    comment: Annotated[str, Field(min_length=1, max_length=MAX_COMMENT), UNICODE]


class CommentInput(_Request):
    body: Annotated[str, Field(min_length=1, max_length=MAX_COMMENT), UNICODE]


# ---------------------------------------------------------------------------
# Answers and assessments
# ---------------------------------------------------------------------------


class Assistance(_Closed):
    requested: bool
    kind: str | None
    description: str


class Answer(_Closed):
    model_config = ConfigDict(json_schema_extra={"description": "One answer as stored."})

    item: str = Field(description="The checklist item's id.")
    rating: str | None
    description: str
    legal_references: list[str]
    evidence_links: list[str]
    assistance: Assistance
    justification: str
    version: int = Field(ge=0, description="Increased by every saved change; 0 for an item never answered.")
    updated_at: Timestamp | None
    updated_by: str | None = Field(description="E-mail address of who saved it last.")

    @classmethod
    def of(cls, item: str, answer: orm.Answer | None) -> Answer:
        """Return an item's answer as the API shows it (blank, version 0, when there is none)."""
        values = services.AnswerInput.of(answer)
        return cls(
            item=item,
            rating=values.rating,
            description=values.description,
            legal_references=list(values.legal_references),
            evidence_links=list(values.evidence_links),
            assistance=Assistance(
                requested=values.assistance_kind is not None,
                kind=values.assistance_kind,
                description=values.assistance_description,
            ),
            justification=values.justification,
            version=answer.version if answer is not None else 0,
            updated_at=answer.updated_at if answer is not None else None,
            updated_by=_email(answer.updated_by) if answer is not None else None,
        )


class Country(_Closed):
    iso3: str
    name: str
    region: str


class SectionProgress(_Closed):
    id: str
    title: str
    answered: int = Field(ge=0)
    total: int = Field(ge=0)
    first_unanswered: str | None


class Progress(_Closed):
    answered: int = Field(ge=0)
    total: int = Field(ge=0)
    sections: list[SectionProgress]


class Permissions(_Closed):
    model_config = ConfigDict(json_schema_extra={"description": "What the requesting user may do now."})

    edit: bool
    submit: bool
    review: bool
    comment: bool


class Assessment(_Closed):
    model_config = ConfigDict(
        json_schema_extra={
            "description": "One country's assessment in one cycle. `answers` lists the items answered so "
            "far, in catalogue order; an item not listed has version 0."
        }
    )

    cycle: str
    country: Country
    status: Status
    version: int = Field(ge=1, description="Increased by every saved answer and every change of status.")
    edition: str = Field(description="Hash of the catalogue edition the cycle uses.")
    created_at: Timestamp
    updated_at: Timestamp
    submitted_at: Timestamp | None
    progress: Progress
    answers: list[Answer]
    can: Permissions

    @classmethod
    def of(cls, assessment: orm.Assessment, user: orm.User) -> Assessment:
        """Return the assessment as `user` sees it: status, progress, answers and what they may do."""
        catalogue = catalogue_for(assessment.cycle)
        answers = services.answers_of(assessment)
        sections = services.progress(assessment, answers)
        editable = services.can_edit(user, assessment)
        return cls(
            cycle=assessment.cycle.code,
            country=Country(
                iso3=assessment.country.iso3,
                name=assessment.country.name,
                region=assessment.country.region or "",
            ),
            status=Status(assessment.status),
            version=assessment.version,
            edition=assessment.cycle.edition_hash,
            created_at=assessment.created_at,
            updated_at=assessment.updated_at,
            submitted_at=assessment.submitted_at,
            progress=Progress(
                answered=sum(s.answered for s in sections),
                total=sum(s.total for s in sections),
                sections=[
                    SectionProgress(
                        id=s.id,
                        title=s.title,
                        answered=s.answered,
                        total=s.total,
                        first_unanswered=s.first_unanswered,
                    )
                    for s in sections
                ],
            ),
            answers=[Answer.of(i.id, answers[i.id]) for i in catalogue.items if i.id in answers],
            can=Permissions(
                edit=editable,
                submit=editable,
                review=services.can_review(user, assessment),
                comment=services.can_comment(user, assessment),
            ),
        )


# ---------------------------------------------------------------------------
# Cycles and the catalogue
# ---------------------------------------------------------------------------


class Cycle(_Closed):
    code: str
    title: str
    status: Literal["open", "closed"]
    edition: str
    opened_at: Timestamp
    closed_at: Timestamp | None

    @classmethod
    def of(cls, cycle: orm.Cycle) -> Cycle:
        return cls(
            code=cycle.code,
            title=cycle.title,
            status="open" if cycle.is_open else "closed",
            edition=cycle.edition_hash,
            opened_at=cycle.opened_at,
            closed_at=cycle.closed_at,
        )


class CycleList(_Closed):
    cycles: list[Cycle]


class Instrument(_Open):
    id: str
    title: str
    body: str
    date: str


class Obligation(_Open):
    id: str
    instrument: str
    paragraph: str
    verb: str
    addressee: str
    text: str
    items: list[str]


class ChecklistItem(_Open):
    id: str
    section: str
    question: str
    guidance: str
    evidence: list[str]


class ScaleStep(_Open):
    id: str
    label: str
    value: Number | None


class Section(_Open):
    id: str
    title: str


class Strength(_Open):
    id: str
    weight: Number
    verbs: list[str]


class Band(_Open):
    id: str
    label: str
    min_score: Number


class AssistanceKind(_Open):
    id: str
    label: str


class Catalogue(_Open):
    model_config = ConfigDict(
        json_schema_extra={
            "description": "A catalogue edition as in `obligations.yaml` (see docs/catalogue.md), with its hash."
        }
    )

    hash: str = Field(description="The edition's content hash.")
    language: str = Field(description="The language of the texts: `en`, `fr`, `es` or `ar`.")
    translation: str | None = Field(
        description="The revision of that language's translation file (null for English, the authentic texts)."
    )
    unofficial_clauses: list[str] = Field(
        description="The obligations whose clause text is an unofficial translation (the English is authentic)."
    )
    title: str
    schema_version: int = Field(alias="schema")
    instruments: list[Instrument]
    obligations: list[Obligation]
    items: list[ChecklistItem]
    scale: list[ScaleStep]
    sections: list[Section]
    strengths: list[Strength]
    bands: list[Band]
    assistance_kinds: list[AssistanceKind]


# ---------------------------------------------------------------------------
# Scores and comparisons
# ---------------------------------------------------------------------------


class AreaScore(_Open):
    id: str
    title: str
    score: Number | None


class ObligationScore(_Open):
    id: str
    instrument: str
    paragraph: str
    weight: Number
    core: bool
    scored: bool
    score: Number | None
    items: list[str]


class ItemScore(_Open):
    id: str
    section: str
    rating: str | None
    status: str
    value: Number | None
    flags: list[str]


class Gap(_Open):
    rank: int
    obligation: str
    instrument: str
    paragraph: str
    score: Number
    shortfall: Number
    weight: Number
    priority: Number
    core: bool
    critical: bool
    items: list[str]


class ScoreFlags(_Open):
    unsupported: list[str]
    missing: list[str]
    unjustified_not_applicable: list[str]


class Scores(_Open):
    model_config = ConfigDict(
        json_schema_extra={
            "description": "Scores on 0–100 by the method of docs/methodology.md, rounded to one decimal."
        }
    )

    cycle: str
    country: str
    status: Status
    version: int = Field(description="The assessment version the scores are of.")
    edition: str
    overall: Score
    band: str | None
    uncapped_band: str | None
    capped_by: list[str]
    sections: list[AreaScore]
    instruments: list[AreaScore]
    obligations: list[ObligationScore]
    items: list[ItemScore]
    gaps: list[Gap]
    flags: ScoreFlags
    counts: dict[str, int]


class ScoreChange(_Open):
    overall: Number | None
    sections: list[AreaScore]
    shared_items: int = 0


class ComparisonRow(_Open):
    country: str
    region: str
    rank: int | None
    overall: Number | None
    band: str | None
    sections: list[AreaScore]
    gaps: int
    critical_gaps: int
    missing: int
    unsupported: int
    change: ScoreChange | None = Field(
        description="Change since the previous cycle, in points; null without a comparable earlier assessment."
    )


class RegionalMeans(_Open):
    region: str
    means: list[AreaScore]


class Comparison(_Open):
    model_config = ConfigDict(
        json_schema_extra={
            "description": "Every country of the cycle the user may see (a respondent: their own; reviewers: "
            "every submitted, returned or accepted assessment), ranked."
        }
    )

    cycle: str
    previous_cycle: str | None
    edition: str
    rows: list[ComparisonRow]
    global_means: list[AreaScore]
    regional_means: list[RegionalMeans]


# ---------------------------------------------------------------------------
# History and comments
# ---------------------------------------------------------------------------


class AnswerChange(_Closed):
    item: str
    version: int = Field(description="The answer's version after the change.")
    at: Timestamp
    user: str | None
    source: str = Field(description="form, autosave, api, spreadsheet or import.")
    changes: dict[str, Annotated[list[Any], Field(min_length=2, max_length=2)]] = Field(
        description="For each changed field (rating, description, legal_references, evidence_links, "
        "assistance_kind, assistance_description, justification): [old value, new value]."
    )

    @classmethod
    def of(cls, change: orm.AnswerChange) -> AnswerChange:
        return cls(
            item=change.item_id,
            version=change.version,
            at=change.at,
            user=_email(change.user),
            source=change.source,
            changes=change.changes,
        )


class Event(_Closed):
    action: str
    from_status: str | None
    to_status: str
    at: Timestamp
    user: str | None
    comment: str

    @classmethod
    def of(cls, event: orm.Event) -> Event:
        return cls(
            action=event.action,
            from_status=event.from_status,
            to_status=event.to_status,
            at=event.at,
            user=_email(event.user),
            comment=event.comment or "",
        )


class History(_Closed):
    model_config = ConfigDict(
        json_schema_extra={
            "description": "The audit trail: every saved change of every answer, and every step of the "
            "lifecycle, oldest first."
        }
    )

    changes: list[AnswerChange]
    events: list[Event]


class Comment(_Closed):
    id: int
    item: str
    at: Timestamp
    author: str | None
    role: str | None
    body: str

    @classmethod
    def of(cls, comment: orm.Comment) -> Comment:
        return cls(
            id=comment.id,
            item=comment.item_id,
            at=comment.at,
            author=_email(comment.user),
            role=comment.user.role if comment.user else None,
            body=comment.body,
        )


class CommentList(_Closed):
    item: str
    comments: list[Comment]


# ---------------------------------------------------------------------------
# Uploads of the offline questionnaire
# ---------------------------------------------------------------------------


class ImportProblem(_Closed):
    sheet: str | None
    row: int | None
    column: str | None = Field(description="A column letter, such as D.")
    cell: str | None = Field(description="Such as D5, or the row alone.")
    item: str | None = Field(description="The checklist item of that row, when known.")
    message: str


class AnswerValues(_Open):
    version: int
    rating: str | None = None
    description: str = ""
    legal_references: list[str] = Field(default_factory=list)
    evidence_links: list[str] = Field(default_factory=list)
    assistance_kind: str | None = None
    assistance_description: str = ""
    justification: str = ""


class ImportConflict(_Closed):
    model_config = ConfigDict(
        json_schema_extra={"description": "A row changed in the file whose answer also changed on the platform."}
    )

    item: str
    sheet: str
    row: int
    file: AnswerValues
    platform: AnswerValues


class ImportReport(_Closed):
    model_config = ConfigDict(
        json_schema_extra={
            "description": "What an upload of the offline questionnaire did. Nothing is saved unless `ok` is true."
        }
    )

    ok: bool = Field(description="True when the file was clean and its changes have been saved.")
    applied: list[str] = Field(description="Items whose answers were saved.")
    unchanged: list[str] = Field(description="Items already as in the file.")
    kept_platform: list[str] = Field(
        description="Items the file left as downloaded while the platform's answer changed meanwhile: "
        "the platform's newer answer is kept."
    )
    problems: list[ImportProblem]
    conflicts: list[ImportConflict]


# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------


class ErrorDetail(_Closed):
    status: int = Field(description="The HTTP status, repeated.")
    message: str = Field(description="What is wrong, in words.")
    errors: dict[str, str] | SkipJsonSchema[None] = Field(
        default=None,
        description="One message per field at fault (422), such as `rating`, `assistance.kind` or `evidence_links[2]`.",
    )
    item: str | None = Field(default=None, description="The checklist item concerned.")
    current: Answer | None = Field(default=None, description="On a stale save (409): the answer as it now stands.")
    based_on: int | SkipJsonSchema[None] = Field(default=None, description="On a stale save: the version you sent.")
    report: ImportReport | SkipJsonSchema[None] = Field(
        default=None,
        description="On a refused upload of the offline questionnaire: what was found (nothing was saved).",
    )


class Error(_Closed):
    error: ErrorDetail


# ---------------------------------------------------------------------------
# Refused requests, one message per field, in the reader's language
# ---------------------------------------------------------------------------


def _submodel(annotation: Any) -> type[BaseModel] | None:
    """Return the model an annotation holds (`X`, `X | None`, `list[X]` …), if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in get_args(annotation):
        found = _submodel(argument)
        if found is not None:
            return found
    return None


def _located(model: type[BaseModel], loc: tuple[int | str, ...]) -> tuple[type[BaseModel] | None, FieldInfo | None]:
    """Return the model whose field `loc` ends in, and that field (None for a list entry or unknown name)."""
    holder: type[BaseModel] | None = model
    owner: type[BaseModel] | None = model
    field: FieldInfo | None = None
    for part in loc:
        if isinstance(part, int):
            field = None
            continue
        holder = owner
        field = owner.model_fields.get(part) if owner is not None else None
        owner = _submodel(field.annotation) if field is not None else None
    return holder, field


def path_of(loc: tuple[int | str, ...]) -> str:
    """Write an error's location as the API names fields: `assistance.kind`, `evidence_links[2]`."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path = f"{path}.{part}" if path else part
    return path or "body"


def _number(value: int) -> str:
    """Write a number as the reader's language does (10,000; 10 000; 10.000)."""
    return format_decimal(value, locale=get_locale() or "en")


def _message(error: ErrorDetails, model: type[BaseModel]) -> str:
    """Say what is wrong with one field, in the reader's language."""
    kind = error["type"]
    ctx = error.get("ctx") or {}
    holder, field = _located(model, tuple(error["loc"]))
    nullable = field is not None and type(None) in get_args(field.annotation)
    if kind == "missing":
        return str(_("is required."))
    if kind == "extra_forbidden":
        known = ", ".join(holder.model_fields) if holder is not None else ""
        return str(_("is not a known field (known fields: %(fields)s).", fields=known))
    if kind == "string_type":
        if nullable:
            return str(_("must be text (a JSON string) or null."))
        return str(_("must be text (a JSON string)."))
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return str(_("must be a whole number."))
    if kind in ("bool_type", "bool_parsing"):
        return str(_("must be true or false."))
    if kind == "list_type":
        return str(_("must be a list (a JSON array)."))
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return str(_("must be an object."))
    if kind == "string_too_short" and ctx.get("min_length") == 1:
        return str(_("must not be empty."))
    if kind == "string_too_long" or (kind == "too_long" and isinstance(error["input"], str)):
        limit = int(ctx["max_length"])
        length = len(error["input"]) if isinstance(error["input"], str) else 0
        return str(
            ngettext(
                "must have at most %(max)s character (it has %(length)s).",
                "must have at most %(max)s characters (it has %(length)s).",
                limit,
                max=_number(limit),
                length=_number(length),
            )
        )
    if kind == "too_long":
        limit = int(ctx["max_length"])
        return str(
            ngettext(
                "must have at most %(max)s entry (it has %(length)s).",
                "must have at most %(max)s entries (it has %(length)s).",
                limit,
                max=_number(limit),
                length=_number(ctx.get("actual_length", 0)),
            )
        )
    if kind in ("greater_than_equal", "greater_than"):
        return str(_("must be at least %(min)s.", min=_number(ctx.get("ge", ctx.get("gt", 0)))))
    if kind in ("literal_error", "enum"):
        return str(_("must be one of: %(expected)s.", expected=ctx.get("expected", "")))
    if kind == "string_pattern_mismatch":
        return str(_("does not match the pattern %(pattern)s.", pattern=ctx.get("pattern", "")))
    if kind in ("unpaired_surrogate", "string_unicode"):
        return str(_("contains an unpaired surrogate, which is not a Unicode character."))
    return str(_("is not valid."))


def problems_of(error: ValidationError, model: type[BaseModel]) -> dict[str, str]:
    """Return {field path: what is wrong} for a body the model refused (the first problem of each field)."""
    problems: dict[str, str] = {}
    for detail in error.errors(include_url=False):
        problems.setdefault(path_of(tuple(detail["loc"])), _message(detail, model))
    return problems
