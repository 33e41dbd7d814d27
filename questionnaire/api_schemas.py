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

from datetime import date, datetime
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
from .services import assistance, participation
from .services.answers import (
    MAX_ASSISTANCE,
    MAX_DESCRIPTION,
    MAX_JUSTIFICATION,
    MAX_LINK,
    MAX_LINKS,
    MAX_REFERENCE,
    MAX_REFERENCES,
)
from .services.declarations import MAX_MINISTRY, MAX_NAME, MAX_POSITION
from .services.declarations import DeclarationInput as DeclarationValues
from .services.evidence import FileInfo as EvidenceInfo
from .services.lifecycle import MAX_COMMENT
from .services.recommendations import MAX_PER_STEP, MAX_TEXT, FollowedUp
from .services.recommendations import RecommendationInput as RecommendationValues

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


# Recommendations made when returning or accepting, or later (services.recommendations) ----------


class RecommendationInput(_Request):
    model_config = ConfigDict(
        json_schema_extra={
            "description": "A recommendation on one obligation: what the country should do about it. The "
            "country's next assessment (or its assessment in `target_cycle`) follows it up."
        }
    )

    obligation: Annotated[str, Field(min_length=1, max_length=64), UNICODE] = Field(
        description="The id of an obligation of the cycle's catalogue edition that is assessed against "
        "countries (one with items), such as `ga-1988.1`."
    )
    text: Annotated[str, Field(min_length=1, max_length=MAX_TEXT), UNICODE] = Field(
        description="What the country should do."
    )
    priority: Literal["high", "medium", "low"] = Field(default="medium", description="`medium` when left out.")
    target_cycle: Annotated[str, Field(max_length=32), UNICODE] | None = Field(
        default=None,
        description="The code of a cycle opened after the assessment's, by which it should be done; "
        "null, empty or left out for the next cycle.",
    )

    def values(self) -> RecommendationValues:
        """Return the recommendation as the service takes it."""
        return RecommendationValues(self.obligation, self.text, self.priority, self.target_cycle or "")


def _no_recommendations() -> list[RecommendationInput]:
    return []


class TransitionInput(_Request):
    model_config = ConfigDict(json_schema_extra={"description": "An optional comment recorded with the step."})

    comment: Annotated[str, Field(max_length=MAX_COMMENT), UNICODE] = ""


class DeclarationInput(_Request):
    model_config = ConfigDict(
        json_schema_extra={
            "description": "Who submits: recorded with the submission and printed on the gap report's cover."
        }
    )

    name: Annotated[str, Field(min_length=1, max_length=MAX_NAME), UNICODE] = Field(description="Your name.")
    position: Annotated[str, Field(min_length=1, max_length=MAX_POSITION), UNICODE] = Field(
        description="Your position, such as `Director of International Cooperation`."
    )
    ministry: Annotated[str, Field(min_length=1, max_length=MAX_MINISTRY), UNICODE] = Field(
        description="The ministry or agency you submit for."
    )

    def values(self) -> DeclarationValues:
        """Return the declaration as the service takes it."""
        return DeclarationValues(self.name, self.position, self.ministry)


class SubmitInput(TransitionInput):
    model_config = ConfigDict(
        json_schema_extra={
            "description": "An optional comment, and the declaration of who submits (recorded with the submission; "
            "left out, none is recorded)."
        }
    )

    declaration: DeclarationInput | None = None


class ReturnInput(_Request):
    model_config = ConfigDict(
        json_schema_extra={"description": "What the country should look at again: returning needs a comment."}
    )

    comment: Annotated[str, Field(min_length=1, max_length=MAX_COMMENT), UNICODE]
    recommendations: list[RecommendationInput] = Field(
        default_factory=_no_recommendations,
        max_length=MAX_PER_STEP,
        description="Recommendations made with the return, saved with it or not at all.",
    )


class AcceptInput(TransitionInput):
    model_config = ConfigDict(
        json_schema_extra={"description": "An optional comment, and any recommendations made with the acceptance."}
    )

    recommendations: list[RecommendationInput] = Field(
        default_factory=_no_recommendations,
        max_length=MAX_PER_STEP,
        description="Recommendations made with the acceptance, saved with it or not at all.",
    )


class CommentInput(_Request):
    body: Annotated[str, Field(min_length=1, max_length=MAX_COMMENT), UNICODE]


# ---------------------------------------------------------------------------
# Answers and assessments
# ---------------------------------------------------------------------------


class Assistance(_Closed):
    requested: bool
    kind: str | None
    description: str


class ConfirmInput(_Request):
    model_config = ConfigDict(
        json_schema_extra={"description": "Carried-forward answers to confirm unchanged (one or more items)."}
    )

    items: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(min_length=1, max_length=500)


class ConfirmResult(_Closed):
    confirmed: list[str] = Field(
        description="The items confirmed now; items not carried (or already confirmed) are left out."
    )
    version: int = Field(description="The assessment's version after the confirmation.")


class PreviousAnswer(_Closed):
    model_config = ConfigDict(
        json_schema_extra={"description": "The country's answer to the item in its earlier assessment."}
    )

    cycle: str = Field(description="The code of the earlier cycle.")
    rating: str | None
    description: str
    legal_references: list[str]
    evidence_links: list[str]


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
    carried_forward: bool = Field(
        description="Carried forward from the earlier assessment and not yet confirmed or changed."
    )
    carry: Literal["carried", "confirmed", "changed"] | None = Field(
        description="Where a carried-forward answer stands: not yet confirmed, confirmed unchanged, or changed; "
        "null for an answer first given in this cycle."
    )
    previous: PreviousAnswer | None = Field(
        description="The country's answer in its earlier assessment (the one answers were carried from), "
        "or null when there is none or the reader may not see it."
    )

    @classmethod
    def of(
        cls, item: str, answer: orm.Answer | None, previous: orm.Answer | None = None, previous_cycle: str = ""
    ) -> Answer:
        """Return an item's answer as the API shows it (blank, version 0, when there is none)."""
        values = services.AnswerInput.of(answer)
        carry = answer.carry if answer is not None else None
        return cls(
            carried_forward=carry == "carried",
            carry=carry if carry in ("carried", "confirmed", "changed") else None,  # type: ignore[arg-type]
            previous=PreviousAnswer(
                cycle=previous_cycle,
                rating=previous.rating,
                description=previous.description or "",
                legal_references=list(previous.legal_references or ()),
                evidence_links=list(previous.evidence_links or ()),
            )
            if previous is not None
            else None,
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
    first_submitted_at: Timestamp | None = Field(description="The first submission: what on time or late is judged by.")
    late: bool | None = Field(
        description="Whether the first submission came after the cycle's due date; null before it or without one."
    )
    due_date: date | None = Field(description="The cycle's due date (answers are late after its end, UTC).")
    previous_cycle: str | None = Field(
        description="The earlier cycle whose answers are shown as `previous` (and were carried forward)."
    )
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
        earlier = services.carry.previous_assessment(assessment)
        before = services.carry.previous_answers(user, earlier)
        if not before:
            earlier = None
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
            first_submitted_at=assessment.first_submitted_at,
            late=assessment.cycle.is_late(assessment.first_submitted_at)
            if assessment.first_submitted_at and assessment.cycle.due_date
            else None,
            due_date=assessment.cycle.due_date,
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
            previous_cycle=earlier.cycle.code if earlier is not None else None,
            answers=[
                Answer.of(i.id, answers[i.id], before.get(i.id), earlier.cycle.code if earlier else "")
                for i in catalogue.items
                if i.id in answers
            ],
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
    due_date: date | None = Field(description="The day answers are due; a first submission after its end is late.")

    @classmethod
    def of(cls, cycle: orm.Cycle) -> Cycle:
        return cls(
            code=cycle.code,
            title=cycle.title,
            status="open" if cycle.is_open else "closed",
            edition=cycle.edition_hash,
            opened_at=cycle.opened_at,
            closed_at=cycle.closed_at,
            due_date=cycle.due_date,
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
# Participation: every member country's status in a cycle (services.participation)
# ---------------------------------------------------------------------------


class ParticipationSummary(_Closed):
    model_config = ConfigDict(
        json_schema_extra={"description": "How many member countries stand in each status, and how many were late."}
    )

    members: int = Field(ge=0, description="Every member country.")
    not_submitted: int = Field(ge=0, description="Countries with nothing submitted (a draft or not started).")
    submitted: int = Field(ge=0)
    returned: int = Field(ge=0)
    accepted: int = Field(ge=0)
    late: int = Field(ge=0, description="Countries whose first submission came after the due date.")


class CountryParticipation(_Closed):
    iso3: str
    name: str = Field(description="The country's name in the reader's language.")
    region: str = Field(description="UN M49 region, in English (empty for a country without one).")
    status: participation.ParticipationStatus = Field(
        description="As the secretariat may know it: a country with a draft has not submitted."
    )
    first_submitted_at: Timestamp | None
    submitted_at: Timestamp | None = Field(description="The last submission.")
    returned_at: Timestamp | None = Field(description="The last return to the country.")
    accepted_at: Timestamp | None
    late: bool | None = Field(
        description="Whether the first submission came after the end of the due date (UTC); "
        "null without a submission or a due date."
    )


class Participation(_Closed):
    model_config = ConfigDict(
        json_schema_extra={
            "description": "Every member country's status in the cycle as the secretariat may know it, by name. "
            "A draft is private to its country: a country with a draft and one that has not started are both "
            "`not_submitted`, with no dates."
        }
    )

    cycle: str
    due_date: date | None = Field(description="The day answers are due (ISO 8601), or null.")
    summary: ParticipationSummary
    countries: list[CountryParticipation]

    @classmethod
    def of(cls, view: participation.Participation) -> Participation:
        summary = view.summary
        return cls(
            cycle=view.cycle.code,
            due_date=view.due_date,
            summary=ParticipationSummary(
                members=summary.members,
                not_submitted=summary.not_submitted,
                submitted=summary.submitted,
                returned=summary.returned,
                accepted=summary.accepted,
                late=summary.late,
            ),
            countries=[
                CountryParticipation(
                    iso3=line.iso3,
                    name=line.name,
                    region=line.region,
                    status=line.status,
                    first_submitted_at=line.first_submitted_at,
                    submitted_at=line.submitted_at,
                    returned_at=line.returned_at,
                    accepted_at=line.accepted_at,
                    late=line.late,
                )
                for line in view.countries
            ],
        )


# ---------------------------------------------------------------------------
# Technical assistance requested (services.assistance)
# ---------------------------------------------------------------------------


class AssistanceRequest(_Closed):
    model_config = ConfigDict(json_schema_extra={"description": "One answer asking for technical assistance."})

    iso3: str
    country: str = Field(description="The country's name in the reader's language.")
    region: str = Field(description="UN M49 region, in English.")
    section: str = Field(description="The id of the item's section in the catalogue.")
    section_title: str = Field(description="The section's title in the reader's language.")
    item: str = Field(description="The checklist item's id.")
    obligations: list[str] = Field(description="The ids of the clauses (obligations) the item assesses.")
    kind: str = Field(description="An id of the catalogue's `assistance_kinds`.")
    kind_label: str = Field(description="The kind's label in the reader's language.")
    description: str = Field(description="The assistance needed, as the country described it.")


class AssistanceDemand(_Closed):
    model_config = ConfigDict(
        json_schema_extra={
            "description": "The technical assistance countries requested in a cycle, filtered as asked, with "
            "totals. Only submitted, returned and accepted assessments count, never drafts."
        }
    )

    cycle: str
    region: str | None = Field(description="The region filter applied, or null for all.")
    kind: str | None = Field(description="The kind filter applied, or null for all.")
    countries: int = Field(ge=0, description="Countries with at least one request.")
    by_kind: dict[str, int] = Field(description="Requests per kind id: every kind of the catalogue, in its order.")
    by_section: dict[str, int] = Field(description="Requests per section id: every section, in its order.")
    by_region: dict[str, int] = Field(description="Requests per region that asked.")
    requests: list[AssistanceRequest]

    @classmethod
    def of(
        cls, demand: assistance.AssistanceDemand, names: assistance.Labels, region: str | None, kind: str | None
    ) -> AssistanceDemand:
        return cls(
            cycle=demand.cycle,
            region=region,
            kind=kind,
            countries=demand.countries,
            by_kind=demand.by_kind,
            by_section=demand.by_section,
            by_region=demand.by_region,
            requests=[
                AssistanceRequest(
                    iso3=r.iso3,
                    country=r.country,
                    region=r.region,
                    section=r.section,
                    section_title=names.sections.get(r.section, r.section),
                    item=r.item,
                    obligations=list(r.obligations),
                    kind=r.kind,
                    kind_label=names.kinds.get(r.kind, r.kind),
                    description=r.description,
                )
                for r in demand.requests
            ],
        )


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


class Declaration(_Closed):
    name: str
    position: str
    ministry: str


class Event(_Closed):
    action: str
    from_status: str | None
    to_status: str
    at: Timestamp
    user: str | None
    comment: str
    declaration: Declaration | None = Field(
        default=None, description="On a submission: the declaration signed with it, if the submitter gave one."
    )

    @classmethod
    def of(cls, event: orm.Event, declaration: orm.Declaration | None = None) -> Event:
        signed = (
            Declaration(name=declaration.name, position=declaration.position, ministry=declaration.ministry)
            if declaration is not None
            else None
        )
        return cls(
            action=event.action,
            from_status=event.from_status,
            to_status=event.to_status,
            at=event.at,
            user=_email(event.user),
            comment=event.comment or "",
            declaration=signed,
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


class ThreadResolved(_Closed):
    by: str | None = Field(description="E-mail address of who marked the thread resolved.")
    at: Timestamp


class CommentList(_Closed):
    item: str
    comments: list[Comment]
    resolved: ThreadResolved | None = Field(
        default=None,
        description="Set when the thread is marked resolved (in the browser, by either side); a new comment "
        "opens it again.",
    )


# ---------------------------------------------------------------------------
# Recommendations and their follow-up (services.recommendations)
# ---------------------------------------------------------------------------


class RecommendationComment(_Closed):
    id: int
    at: Timestamp
    author: str | None = Field(description="E-mail address of who wrote it.")
    role: str | None
    body: str


class Recommendation(_Closed):
    model_config = ConfigDict(
        json_schema_extra={
            "description": "A recommendation and its follow-up. `status` comes from the country's next assessment "
            "(the first later one, or the one in `target_cycle`): `implemented` when every item assessing the "
            "obligation is rated at the top of the scale or the obligation scores 100, `progress` when the "
            "obligation's score rose since the recommendation was made, `no_progress` when it did not, `pending` "
            "without later answers. For reviewers the follow-up comes only from assessments submitted to them; "
            "the country's respondents also see it from their own draft."
        }
    )

    id: int
    country: str
    obligation: str = Field(description="The obligation's id.")
    instrument: str | None = Field(description="The obligation's instrument, in the edition it was made in.")
    paragraph: str | None = Field(description="The obligation's paragraph, as printed.")
    text: str
    priority: Literal["high", "medium", "low"]
    target_cycle: str | None = Field(description="The cycle by which it should be done; null for the next one.")
    made_in: str = Field(description="The code of the cycle whose assessment it was made on.")
    created_at: Timestamp
    created_by: str | None = Field(description="E-mail address of the reviewer who made it.")
    status: Literal["implemented", "progress", "no_progress", "pending"]
    followed_up_in: str | None = Field(description="The code of the cycle whose answers the status comes from.")
    score_before: Score = Field(description="The obligation's score on the assessment it was made on.")
    score_after: Score = Field(description="The obligation's score on the assessment that follows it up.")
    comments: list[RecommendationComment]

    @classmethod
    def of(cls, row: FollowedUp) -> Recommendation:
        return cls(
            id=row.id,
            country=row.country_iso3,
            obligation=row.obligation_id,
            instrument=row.obligation.instrument if row.obligation is not None else None,
            paragraph=row.obligation.paragraph if row.obligation is not None else None,
            text=row.text,
            priority=row.priority,  # type: ignore[arg-type]  # one of Priority, checked when made
            target_cycle=row.target_cycle or None,
            made_in=row.made_in.code,
            created_at=row.created_at,
            created_by=row.author,
            status=row.status,  # type: ignore[arg-type]  # one of FollowUp
            followed_up_in=row.followed_up_cycle,
            score_before=row.score_before,
            score_after=row.score_after,
            comments=[
                RecommendationComment(
                    id=c.id,
                    at=c.at,
                    author=_email(c.user),
                    role=c.user.role if c.user else None,
                    body=c.body,
                )
                for c in row.comments
            ],
        )


class RecommendationList(_Closed):
    model_config = ConfigDict(
        json_schema_extra={
            "description": "The recommendations made on the country's assessment in this cycle, and those of "
            "earlier cycles still followed up (not already found implemented before this cycle)."
        }
    )

    cycle: str
    country: str
    recommendations: list[Recommendation]


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


# ---------------------------------------------------------------------------
# A country's team: which contributors answer which sections (services.team)
# ---------------------------------------------------------------------------


class Assignments(ApiModel):
    """Which contributors (by e-mail) are assigned which sections: `{"<section>": ["email", …]}`."""

    model_config = ConfigDict(
        extra="allow",
        strict=True,
        json_schema_extra={
            "description": "Which contributors (by e-mail address) are assigned which sections: "
            '`{"<section>": ["email", …]}`. Every section of the edition is listed in a reply; a PUT replaces '
            "the whole-section assignments with the ones sent (sections left out lose theirs); single-item "
            "assignments made on the team page are kept."
        },
    )
    __pydantic_extra__: dict[
        str, Annotated[list[Annotated[str, Field(min_length=3, max_length=254)]], Field(max_length=200)]
    ] = Field(  # noqa: E501
        init=False
    )

    def sections(self) -> dict[str, list[str]]:
        """Return the assignments sent, by section."""
        return dict(self.__pydantic_extra__ or {})


# ---------------------------------------------------------------------------
# Evidence files attached to answers (services.evidence)
# ---------------------------------------------------------------------------

_Date = date  # the type, under a name the field `date` below does not hide


class EvidenceFile(_Closed):
    model_config = ConfigDict(
        json_schema_extra={
            "description": "A file attached to an answer. Reviewers and admins see only files shared with them, and "
            "only once the assessment is submitted; files internal to the country are seen by its own team only."
        }
    )

    id: int
    item: str
    title: str
    date: _Date | None = Field(description="The document's date (YYYY-MM-DD), if given.")
    shared: bool = Field(description="Shared with the reviewers; false: internal to the country.")
    filename: str = Field(
        description="The name it is downloaded under (the original's, cleaned, with the real type's extension)."
    )
    media_type: str = Field(description="The type found from the file's content (never the name or the client's).")
    size: int = Field(description="In bytes.")
    sha256: str = Field(description="The SHA-256 of the content, in hexadecimal.")
    uploaded_by: str | None = Field(description="E-mail address of who attached it.")
    uploaded_at: Timestamp
    download: str = Field(description="Where to download the file through the API.")

    @classmethod
    def of(cls, info: EvidenceInfo, download: str) -> EvidenceFile:
        return cls(
            id=info.id,
            item=info.item,
            title=info.title,
            date=info.document_date,
            shared=info.shared,
            filename=info.filename,
            media_type=info.media_type,
            size=info.size,
            sha256=info.sha256,
            uploaded_by=info.uploaded_by,
            uploaded_at=info.uploaded_at,
            download=download,
        )


class EvidenceList(_Closed):
    item: str
    files: list[EvidenceFile] = Field(description="The files you may see, oldest first.")
