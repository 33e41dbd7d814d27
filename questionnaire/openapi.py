"""The OpenAPI 3.1 document of the JSON API.

The bodies' schemas are generated from the pydantic models of
`api_schemas`, the very models the API validates requests with and
serialises responses through, so the document cannot drift from what the
API accepts and answers.  The paths, operations and parameters are declared
here and name their bodies by model.  Path parameters take their patterns
from the services (`services.cycles`) and the catalogue's id rule.
"""

from __future__ import annotations

import copy
from functools import lru_cache
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import (
    GenerateJsonSchema,
    JsonSchemaMode,
    JsonSchemaValue,
    models_json_schema,
)
from pydantic_core import core_schema

from . import api_schemas as schemas
from .catalogue import _ID as CATALOGUE_ID
from .services.access import CYCLE_CODE
from .services.assistance import REGIONS as ASSISTANCE_REGIONS

API_PREFIX = "/api/v1"
API_VERSION = "1.0.0"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
REF_TEMPLATE = "#/components/schemas/{model}"

# Path parameters: a value outside these patterns names nothing that can exist.
CYCLE_PATTERN = CYCLE_CODE.pattern
ISO3_PATTERN = r"^[A-Za-z]{3}$"
ITEM_PATTERN = CATALOGUE_ID.pattern

JsonSchema = dict[str, Any]

# ---------------------------------------------------------------------------
# Component schemas, generated from the models
# ---------------------------------------------------------------------------

# The bodies the operations take (validated as requests) and answer (serialised responses);
# the models they hold are added to the components by the generator.
REQUEST_MODELS: tuple[type[BaseModel], ...] = (
    schemas.AnswerInput,
    schemas.SubmitInput,  # a TransitionInput with the declaration
    schemas.ReturnInput,
    schemas.CommentInput,
    schemas.AcceptInput,  # recommendations (services.recommendations)
    schemas.RecommendationInput,
    schemas.ConfirmInput,
    schemas.Assignments,
)
RESPONSE_MODELS: tuple[type[BaseModel], ...] = (
    schemas.Answer,
    schemas.ConfirmResult,
    schemas.Assessment,
    schemas.Catalogue,
    schemas.CycleList,
    schemas.Scores,
    schemas.Comparison,
    schemas.Participation,
    schemas.AssistanceDemand,  # technical assistance requested (services.assistance)
    schemas.History,
    schemas.Comment,
    schemas.CommentList,
    schemas.Recommendation,  # recommendations (services.recommendations)
    schemas.RecommendationList,
    schemas.ImportReport,
    schemas.EvidenceFile,  # evidence files (services.evidence)
    schemas.EvidenceList,
    schemas.Error,
)


class SchemaGenerator(GenerateJsonSchema):
    """Pydantic's JSON Schema, without what would mislead a reader of the document.

    Field titles (`"title": "Legal References"`) repeat the property names; defaults are
    left out because a field left out of an answer keeps its saved value, not the default.
    """

    def field_title_should_be_set(self, schema: object) -> bool:
        return False

    def default_schema(self, schema: core_schema.WithDefaultSchema) -> JsonSchemaValue:
        return self.generate_inner(schema["schema"])


def schema_of(model: type[BaseModel], mode: JsonSchemaMode = "validation") -> JsonSchema:
    """Return one model's JSON Schema as the document holds it (the models it holds are `$ref`s)."""
    schema = model.model_json_schema(ref_template=REF_TEMPLATE, schema_generator=SchemaGenerator, mode=mode)
    schema.pop("$defs", None)
    return schema


def _components() -> dict[str, JsonSchema]:
    models: list[tuple[type[BaseModel], JsonSchemaMode]] = [(m, "validation") for m in REQUEST_MODELS]
    models += [(m, "serialization") for m in RESPONSE_MODELS]
    _, top = models_json_schema(models, ref_template=REF_TEMPLATE, schema_generator=SchemaGenerator)
    return dict(sorted(top["$defs"].items()))


def _ref(model: type[BaseModel]) -> JsonSchema:
    return {"$ref": REF_TEMPLATE.format(model=model.__name__)}


# ---------------------------------------------------------------------------
# Operations
# ---------------------------------------------------------------------------

_ERRORS = {
    400: "The request is malformed: its body is not JSON, or not UTF-8, or missing.",
    401: "No API token, or the token is unknown, revoked or its account deactivated.",
    403: "You may see this assessment but not do this (for example, a reviewer saving an answer).",
    404: "Nothing here for you: no such cycle, country, item or assessment, or one you may not see "
    "(another country's assessment, a draft for a reviewer).",
    409: (
        "Not possible in the assessment's present state (already submitted, accepted, cycle "
        "closed), "
        "or the answer changed since the version you sent (`current` holds it)."
    ),
    413: "The body is larger than the platform accepts.",
    415: "The body is not of the media type this operation takes.",
    422: "The body is well-formed but breaks a rule; `errors` names each field at fault.",
}


def _json(schema: JsonSchema) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _error_response(status: int) -> dict[str, Any]:
    response: dict[str, Any] = {"description": _ERRORS[status], "content": _json(_ref(schemas.Error))}
    if status == 401:
        response["headers"] = {
            "WWW-Authenticate": {
                "description": ('`Bearer realm="api"`, with `error="invalid_token"` when a token was sent.'),
                "schema": {"type": "string"},
            }
        }
    return response


def _param(name: str) -> JsonSchema:
    return {"$ref": f"#/components/parameters/{name}"}


_PARAMETERS: dict[str, JsonSchema] = {
    "cycle": {
        "name": "cycle",
        "in": "path",
        "required": True,
        "description": "The cycle's code, such as 2026.",
        "schema": {"type": "string", "pattern": CYCLE_PATTERN},
        "example": "2026",
    },
    "iso3": {
        "name": "iso3",
        "in": "path",
        "required": True,
        "description": "The country's ISO 3166-1 alpha-3 code, in any letter case.",
        "schema": {"type": "string", "pattern": ISO3_PATTERN},
        "example": "FRA",
    },
    "item": {
        "name": "item",
        "in": "path",
        "required": True,
        "description": "A checklist item's id in the cycle's catalogue edition.",
        "schema": {"type": "string", "pattern": ITEM_PATTERN},
        "example": "CL-1",
    },
}

_COUNTRY = [_param("cycle"), _param("iso3")]
_ASSESSMENT = f"{API_PREFIX}/cycles/{{cycle}}/countries/{{iso3}}"


def _operation(
    operation_id: str,
    summary: str,
    responses: dict[int, Any],
    *,
    errors: tuple[int, ...],
    parameters: list[Any] | None = None,
    body: dict[str, Any] | None = None,
    description: str = "",
    public: bool = False,
) -> dict[str, Any]:
    result: dict[str, Any] = {"operationId": operation_id, "summary": summary}
    if description:
        result["description"] = description
    if parameters:
        result["parameters"] = parameters
    if body is not None:
        result["requestBody"] = body
    all_responses = {str(k): v for k, v in responses.items()}
    # Every operation may answer 400: a request holding a NUL character anywhere (path, query or
    # body) is refused before it reaches the operation (views/__init__.py).
    for status in (400, 401, *errors) if not public else (400, *errors):
        all_responses[str(status)] = _error_response(status)
    result["responses"] = dict(sorted(all_responses.items()))
    if public:
        result["security"] = []
    return result


def _ok(description: str, model: type[BaseModel], headers: dict[str, Any] | None = None) -> dict[str, Any]:
    response: dict[str, Any] = {"description": description, "content": _json(_ref(model))}
    if headers:
        response["headers"] = headers
    return response


def _body(model: type[BaseModel], required: bool = True, description: str = "") -> dict[str, Any]:
    body: dict[str, Any] = {"required": required, "content": _json(_ref(model))}
    if description:
        body["description"] = description
    return body


def _transition(
    operation_id: str, summary: str, description: str, model: type[BaseModel], required: bool
) -> dict[str, Any]:
    return {
        "post": _operation(
            operation_id,
            summary,
            {200: _ok("The step was taken; the assessment as it now stands.", schemas.Assessment)},
            parameters=_COUNTRY,
            errors=(400, 403, 404, 409, 413, 415, 422),
            description=description,
            body=_body(model, required=required),
        )
    }


def _paths() -> dict[str, Any]:
    return {
        f"{API_PREFIX}/openapi.json": {
            "get": _operation(
                "getOpenApiDocument",
                "This document",
                {
                    200: {
                        "description": "The OpenAPI 3.1 document of the API.",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    }
                },
                errors=(),
                public=True,
                description="Needs no token.",
            )
        },
        f"{API_PREFIX}/catalogue": {
            "get": _operation(
                "getCatalogue",
                "The catalogue: instruments, obligations, items, scale, sections, hash",
                {
                    200: _ok(
                        "The current catalogue edition, or the one the given cycle uses.",
                        schemas.Catalogue,
                    )
                },
                errors=(404, 422),
                parameters=[
                    {
                        "name": "cycle",
                        "in": "query",
                        "required": False,
                        "description": ("Give the edition this cycle was opened with instead of the current one."),
                        "schema": {"type": "string"},
                        "example": "2026",
                    },
                    {
                        "name": "lang",
                        "in": "query",
                        "required": False,
                        "description": (
                            "The language of the texts users read (titles, questions, guidance, scale, bands, "
                            "sections, assistance kinds, clauses): `en` (the authentic English), `fr`, `es` or "
                            "`ar`. Without it, the account's language, else `Accept-Language`. Ids, values and the "
                            "hash are the same in every language."
                        ),
                        "schema": {"type": "string", "enum": ["en", "fr", "es", "ar"]},
                        "example": "fr",
                    },
                ],
            )
        },
        f"{API_PREFIX}/cycles": {
            "get": _operation(
                "listCycles",
                "Cycles and their status, newest first",
                {200: _ok("Every cycle.", schemas.CycleList)},
                errors=(),
            )
        },
        f"{API_PREFIX}/cycles/{{cycle}}/scores": {
            "get": _operation(
                "compareCycle",
                "Every visible country's scores in a cycle, for comparison",
                {200: _ok("The comparison.", schemas.Comparison)},
                parameters=[_param("cycle")],
                errors=(404,),
            )
        },
        # Participation: every member country's status in a cycle (reviewers and admins).
        f"{API_PREFIX}/cycles/{{cycle}}/participation": {
            "get": _operation(
                "getParticipation",
                "Every member country's status in a cycle, as the secretariat may know it",
                {200: _ok("Every member country, by name, with the counts by status.", schemas.Participation)},
                parameters=[_param("cycle")],
                errors=(403, 404),
                description=(
                    "For reviewers and admins; anyone else gets 403. A draft is private to its country: a "
                    "country with a draft and one that has not started are both `not_submitted`, with no dates."
                ),
            )
        },
        # Technical assistance requested in a cycle (reviewers and admins).
        f"{API_PREFIX}/cycles/{{cycle}}/assistance": {
            "get": _operation(
                "getAssistance",
                "The technical assistance countries requested in a cycle, by kind, section and clause",
                {200: _ok("Every request, with totals per kind, section and region.", schemas.AssistanceDemand)},
                parameters=[
                    _param("cycle"),
                    {
                        "name": "region",
                        "in": "query",
                        "required": False,
                        "description": "Only the countries of this UN M49 region (its English name).",
                        "schema": {"type": "string", "enum": list(ASSISTANCE_REGIONS)},
                        "example": "Africa",
                    },
                    {
                        "name": "kind",
                        "in": "query",
                        "required": False,
                        "description": "Only requests of this kind: an id of the catalogue's `assistance_kinds`.",
                        "schema": {"type": "string"},
                        "example": "training",
                    },
                ],
                errors=(403, 404, 422),
                description=(
                    "For reviewers and admins; anyone else gets 403. Only submitted, returned and accepted "
                    "assessments count, never drafts. An unknown region or kind, or any other query parameter, is "
                    "refused with 422, naming it."
                ),
            )
        },
        f"{_ASSESSMENT}/assessment": {
            "post": _operation(
                "startAssessment",
                "Start the country's assessment in the cycle (idempotent)",
                {
                    201: _ok(
                        "Started now.",
                        schemas.Assessment,
                        headers={
                            "Location": {
                                "description": "Where the assessment is.",
                                "schema": {"type": "string"},
                            }
                        },
                    ),
                    200: _ok("It had been started already; nothing changed.", schemas.Assessment),
                },
                parameters=_COUNTRY,
                errors=(403, 404, 409),
                description=(
                    "A respondent starts their own country's assessment; an admin may start any. Takes no body."
                ),
            ),
            "get": _operation(
                "getAssessment",
                "Status, version, progress and every answer with its version",
                {200: _ok("The assessment.", schemas.Assessment)},
                parameters=_COUNTRY,
                errors=(404,),
            ),
        },
        f"{_ASSESSMENT}/answers/{{item}}": {
            "put": _operation(
                "saveAnswer",
                "Save one answer",
                {
                    200: _ok("Saved (or nothing had changed); the answer as stored.", schemas.Answer),
                    201: _ok("The item's first answer was saved; the answer as stored.", schemas.Answer),
                },
                parameters=[*_COUNTRY, _param("item")],
                errors=(400, 403, 404, 409, 413, 415, 422),
                body=_body(schemas.AnswerInput),
                description=(
                    "Saved only if the answer is still at `version`; otherwise 409 with the "
                    "current "
                    "answer in `error.current`, and nothing is saved. Only the country's "
                    "respondents may save, while the assessment is a draft or returned and the "
                    "cycle open."
                ),
            )
        },
        f"{_ASSESSMENT}/assignments": {
            "get": _operation(
                "getAssignments",
                "Which contributors are assigned which sections",
                {
                    200: _ok(
                        "Every section of the edition with the e-mail addresses assigned to it.", schemas.Assignments
                    )
                },
                parameters=_COUNTRY,
                errors=(404,),
                description="The country's focal points only: assignments are internal to the country.",
            ),
            "put": _operation(
                "setAssignments",
                "Replace which contributors are assigned which sections",
                {200: _ok("The assignments as they now stand.", schemas.Assignments)},
                parameters=_COUNTRY,
                errors=(400, 404, 409, 413, 415, 422),
                body=_body(schemas.Assignments),
                description=(
                    "The country's focal points only, while the assessment is a draft or returned and the cycle "
                    "open. Every address must be a contributor of the country (invited on the team page); all or "
                    "nothing."
                ),
            ),
        },
        f"{_ASSESSMENT}/confirm": {
            "post": _operation(
                "confirmCarriedAnswers",
                "Confirm answers carried forward from the earlier cycle, unchanged",
                {200: _ok("The items confirmed now.", schemas.ConfirmResult)},
                parameters=_COUNTRY,
                errors=(400, 403, 404, 409, 413, 415, 422),
                body=_body(schemas.ConfirmInput),
                description=(
                    "By the country's respondents while they may edit. An item whose carried answer was already "
                    "confirmed or changed is left as it is; an item not in the cycle's questionnaire is refused (422)."
                ),
            )
        },
        f"{_ASSESSMENT}/submit": _transition(
            "submitAssessment",
            "Submit the assessment to the reviewers",
            "From draft or returned; by the country's respondents. An optional `declaration` (`name`, `position`, "
            "`ministry`, each required in it) is recorded with the submission, in the same transaction, and printed "
            "on the gap report's cover; without one, none is recorded. A declaration blank after trimming is refused "
            "with 422 naming `declaration.name` and so on.",
            schemas.SubmitInput,
            False,
        ),
        f"{_ASSESSMENT}/return": _transition(
            "returnAssessment",
            "Return the assessment to the country",
            "From submitted; by reviewers and admins; the comment is required. Optional `recommendations` are "
            "saved with the return, or nothing is (422 names each field at fault, such as "
            "`recommendations[0].obligation`).",
            schemas.ReturnInput,
            True,
        ),
        f"{_ASSESSMENT}/accept": _transition(
            "acceptAssessment",
            "Accept the assessment (final)",
            "From submitted; by reviewers and admins. Optional `recommendations` are saved with the acceptance, "
            "or nothing is.",
            schemas.AcceptInput,
            False,
        ),
        f"{_ASSESSMENT}/questionnaire.xlsx": {
            "get": _operation(
                "downloadQuestionnaire",
                "Download the offline questionnaire, pre-filled",
                {
                    200: {
                        "description": "The workbook.",
                        "content": {XLSX: {"schema": {"type": "string", "contentMediaType": XLSX}}},
                    }
                },
                parameters=_COUNTRY,
                errors=(404,),
            ),
            "post": _operation(
                "uploadQuestionnaire",
                "Upload a filled-in offline questionnaire",
                {200: _ok("Read and saved: what changed.", schemas.ImportReport)},
                parameters=_COUNTRY,
                errors=(400, 403, 404, 409, 413, 415, 422),
                body={
                    "required": True,
                    "content": {XLSX: {"schema": {"type": "string", "contentMediaType": XLSX}}},
                },
                description=(
                    "Send the workbook itself as the body. A workbook that cannot be read, or "
                    "whose "
                    "answers break a rule, is refused with 422 and nothing is saved; answers "
                    "changed by someone else since the download are refused with 409."
                ),
            ),
        },
        f"{_ASSESSMENT}/scores": {
            "get": _operation(
                "getScores",
                "Overall score and band, per section, instrument and obligation, and the ranked gaps",
                {200: _ok("The scores.", schemas.Scores)},
                parameters=_COUNTRY,
                errors=(404,),
            )
        },
        f"{_ASSESSMENT}/history": {
            "get": _operation(
                "getHistory",
                "The audit trail of the assessment",
                {200: _ok("Every change, oldest first.", schemas.History)},
                parameters=[
                    *_COUNTRY,
                    {
                        "name": "item",
                        "in": "query",
                        "required": False,
                        "description": "Only the changes of this checklist item.",
                        "schema": {"type": "string"},
                        "example": "CL-1",
                    },
                ],
                errors=(404,),
            )
        },
        f"{_ASSESSMENT}/items/{{item}}/comments": {
            "get": _operation(
                "listComments",
                "The thread of comments on one item",
                {200: _ok("The thread, oldest first.", schemas.CommentList)},
                parameters=[*_COUNTRY, _param("item")],
                errors=(404,),
            ),
            "post": _operation(
                "addComment",
                "Add a comment to an item's thread",
                {201: _ok("Added.", schemas.Comment)},
                parameters=[*_COUNTRY, _param("item")],
                errors=(400, 404, 409, 413, 415, 422),
                body=_body(schemas.CommentInput),
                description=(
                    "Whoever may see the assessment may comment while the cycle is open and the "
                    "assessment not accepted."
                ),
            ),
        },
    }


def _recommendation_paths() -> dict[str, Any]:
    """The operations on recommendations and their follow-up (services.recommendations)."""
    return {
        f"{_ASSESSMENT}/recommendations": {
            "get": _operation(
                "listRecommendations",
                "Reviewers' recommendations on the country's obligations, and their follow-up",
                {200: _ok("Those made in this cycle, and earlier ones still followed up.", schemas.RecommendationList)},
                parameters=_COUNTRY,
                errors=(404,),
                description=(
                    "Whoever may see the assessment. Reviewers see the follow-up only from assessments submitted "
                    "to them; the country's respondents also from their own draft."
                ),
            ),
            "post": _operation(
                "addRecommendation",
                "Add a recommendation on an obligation",
                {201: _ok("Added; the recommendation with its follow-up.", schemas.Recommendation)},
                parameters=_COUNTRY,
                errors=(400, 403, 404, 409, 413, 415, 422),
                body=_body(schemas.RecommendationInput),
                description=(
                    "By reviewers and admins, on an assessment submitted, returned or accepted, while its cycle is "
                    "open (respondents get 403). Recommendations are usually made with `…/return` or `…/accept`."
                ),
            ),
        }
    }


# ---------------------------------------------------------------------------
# Evidence files attached to answers (services.evidence)
# ---------------------------------------------------------------------------


def _evidence_form() -> JsonSchema:
    """The multipart form of an upload, written from the service's rules (no JSON model: a file is sent)."""
    from .services import evidence

    return {
        "type": "object",
        "required": ["file", "title"],
        "additionalProperties": False,
        "properties": {
            "file": {
                "type": "string",
                "contentMediaType": "application/octet-stream",
                "description": (
                    "The file, up to EVIDENCE_MAX_BYTES (20 MiB unless configured): PDF; Word, Excel or PowerPoint "
                    "(.docx, .xlsx, .pptx); OpenDocument (.odt, .ods, .odp); PNG, JPEG, GIF or WebP. Its type is "
                    "found from its content, never its name; HTML, SVG, scripts, macros, polyglots and ZIP bombs "
                    "are refused (docs/evidence.md)."
                ),
            },
            "title": {
                "type": "string",
                "minLength": 1,
                "maxLength": evidence.MAX_TITLE,
                "description": "What the document is, such as the name of the law or report.",
            },
            "date": {"type": "string", "format": "date", "description": "The document's date, YYYY-MM-DD (optional)."},
            "shared": {
                "type": "boolean",
                "description": "true: shared with the reviewers; false (the default): internal to the country.",
            },
        },
    }


def _evidence_paths() -> dict[str, Any]:
    """The operations on evidence files (services.evidence)."""
    from .services import evidence

    file_parameter = {
        "name": "evidence",
        "in": "path",
        "required": True,
        "description": "The file's id.",
        "schema": {"type": "integer", "minimum": 0, "maximum": 2**31 - 1},
        "example": 1,
    }
    item = [*_COUNTRY, _param("item")]
    return {
        f"{_ASSESSMENT}/answers/{{item}}/evidence": {
            "post": _operation(
                "attachEvidence",
                "Attach a file to an answer",
                {
                    201: _ok(
                        "Attached.",
                        schemas.EvidenceFile,
                        headers={"Location": {"description": "Where to download it.", "schema": {"type": "string"}}},
                    )
                },
                parameters=item,
                errors=(400, 403, 404, 409, 413, 415, 422),
                body={
                    "required": True,
                    "content": {
                        "multipart/form-data": {
                            "schema": _evidence_form(),
                            "encoding": {"file": {"contentType": ", ".join(evidence.MEDIA_TYPES)}},
                        }
                    },
                },
                description=(
                    "By the country's respondents (and contributors on their items) while answers may change. "
                    "A file or field that breaks a rule is refused with 422 (413 when too large), each field at fault "
                    "named in `errors`; nothing is saved. The attachment is recorded in the answer's audit trail."
                ),
            ),
            "get": _operation(
                "listEvidence",
                "The files attached to an answer",
                {200: _ok("The files you may see, oldest first.", schemas.EvidenceList)},
                parameters=item,
                errors=(404,),
                description=(
                    "Whoever may see the answer. Reviewers and admins see only the files shared with them; files "
                    "internal to the country are left out, not counted."
                ),
            ),
        },
        f"{_ASSESSMENT}/answers/{{item}}/evidence/{{evidence}}": {
            "get": _operation(
                "downloadEvidence",
                "Download a file",
                {
                    200: {
                        "description": (
                            "The file, as an attachment of the type found from its content, with "
                            "`Cache-Control: no-store`, `X-Content-Type-Options: nosniff` and a sandboxing "
                            "`Content-Security-Policy`."
                        ),
                        "headers": {
                            "Content-Disposition": {
                                "description": "`attachment` and the file name (RFC 6266 `filename*` if not ASCII).",
                                "schema": {"type": "string"},
                            }
                        },
                        "content": {
                            media_type: {"schema": {"type": "string", "contentMediaType": media_type}}
                            for media_type in evidence.MEDIA_TYPES
                        },
                    }
                },
                parameters=[*item, file_parameter],
                errors=(404,),
                description="An internal file answers 404 to reviewers, as a file that does not exist does.",
            ),
            "delete": _operation(
                "deleteEvidence",
                "Remove a file from its answer",
                {204: {"description": "Removed; the audit trail keeps its title and SHA-256."}},
                parameters=[*item, file_parameter],
                errors=(403, 404, 409),
                description="By the country's respondents (and contributors on their items) while answers may change.",
            ),
        },
    }


def refs_in(value: Any) -> set[str]:
    """Return every `$ref` a part of the document holds."""
    if isinstance(value, dict):
        found = {value["$ref"]} if isinstance(value.get("$ref"), str) else set()
        return found.union(*(refs_in(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(refs_in(v) for v in value))
    return set()


@lru_cache(maxsize=1)
def _document() -> dict[str, Any]:
    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": "THB self-assessment platform API",
            "version": API_VERSION,
            "description": (
                "Everything a respondent or reviewer can do in the browser, under the same "
                "permissions. "
                "Send `Authorization: Bearer <token>` (get one with `questionnaire users token "
                "EMAIL`). "
                'Errors are JSON: `{"error": {"status": …, "message": …}}`. See docs/api.md.'
            ),
        },
        "security": [{"bearerAuth": []}],
        "paths": {**_paths(), **_recommendation_paths(), **_evidence_paths()},
        "components": {
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An API token printed by `questionnaire users token EMAIL`.",
                }
            },
            "parameters": _PARAMETERS,
            "schemas": _components(),
        },
    }
    known = {REF_TEMPLATE.format(model=name) for name in document["components"]["schemas"]}
    known |= {f"#/components/parameters/{name}" for name in _PARAMETERS}
    missing = refs_in(document) - known
    if missing:  # an operation names a model left out of REQUEST_MODELS or RESPONSE_MODELS
        raise LookupError(f"the OpenAPI document refers to undefined schemas: {sorted(missing)}")
    return document


def build_document() -> dict[str, Any]:
    """Return the OpenAPI 3.1 document of the JSON API (a fresh copy the caller may change)."""
    return copy.deepcopy(_document())
