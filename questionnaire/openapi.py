"""The OpenAPI 3.1 document of the JSON API, and the request schemas the API checks bodies with.

The request bodies are described once, here, as JSON Schema; `views/api.py`
validates what clients send with `check` against the very same dicts, so the
document cannot drift from what the API accepts.  Limits come from the
services (`services.answers`, `services.lifecycle`, `services.cycles`) and the
catalogue's id rule.
"""

from __future__ import annotations

import copy
from functools import lru_cache
from typing import Any

from .catalogue import _ID as CATALOGUE_ID
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
from .services.cycles import CYCLE_CODE
from .services.lifecycle import MAX_COMMENT

API_PREFIX = "/api/v1"
API_VERSION = "1.0.0"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Path parameters: a value outside these patterns names nothing that can exist.
CYCLE_PATTERN = CYCLE_CODE.pattern
ISO3_PATTERN = r"^[A-Za-z]{3}$"
ITEM_PATTERN = CATALOGUE_ID.pattern

JsonSchema = dict[str, Any]

# ---------------------------------------------------------------------------
# Request bodies (validated by the API with `check`)
# ---------------------------------------------------------------------------

ASSISTANCE_INPUT: JsonSchema = {
    "type": "object",
    "additionalProperties": False,
    "required": ["requested"],
    "description": (
        "The technical assistance the country needs for this item. With `requested` false, "
        "`kind` must be null (or absent) and `description` empty (or absent)."
    ),
    "properties": {
        "requested": {"type": "boolean", "description": "Whether the country requests assistance."},
        "kind": {
            "type": ["string", "null"],
            "description": "The kind of assistance: an id of the catalogue's `assistance_kinds`. "
            "Required when `requested` is true.",
        },
        "description": {
            "type": "string",
            "maxLength": MAX_ASSISTANCE,
            "description": "What assistance is needed. Required when `requested` is true.",
        },
    },
}

ANSWER_INPUT: JsonSchema = {
    "type": "object",
    "additionalProperties": False,
    "required": ["version"],
    "description": (
        "One answer. `version` is the version of the answer the edit is based on (0 for an item "
        "never answered). Fields left out keep their saved value (blank for a new answer), so a "
        "client may send only what it changes; send an empty string or list (null for `rating`) "
        "to clear one. "
        "Text is stored in Unicode NFC with control characters removed and outer spaces trimmed; "
        "blank entries of the lists are dropped."
    ),
    "properties": {
        "version": {
            "type": "integer",
            "minimum": 0,
            "description": "The answer's version this edit is based on.",
        },
        "rating": {
            "type": ["string", "null"],
            "description": (
                "A step of the rating scale of the cycle's catalogue edition (`scale[].id`), or null for no rating yet."
            ),
        },
        "description": {
            "type": "string",
            "maxLength": MAX_DESCRIPTION,
            "description": "How the country implements the item.",
        },
        "legal_references": {
            "type": "array",
            "maxItems": MAX_REFERENCES,
            "items": {"type": "string", "maxLength": MAX_REFERENCE},
            "description": "Citations of laws and articles, one per entry.",
        },
        "evidence_links": {
            "type": "array",
            "maxItems": MAX_LINKS,
            "items": {"type": "string", "maxLength": MAX_LINK},
            "description": ("Addresses of evidence; each must be an http:// or https:// address with a host name."),
        },
        "assistance": ASSISTANCE_INPUT,
        "justification": {
            "type": "string",
            "maxLength": MAX_JUSTIFICATION,
            "description": "Why the item does not apply; required with a not-applicable rating.",
        },
    },
}

TRANSITION_INPUT: JsonSchema = {
    "type": "object",
    "additionalProperties": False,
    "description": "An optional comment recorded with the step.",
    "properties": {"comment": {"type": "string", "maxLength": MAX_COMMENT}},
}

RETURN_INPUT: JsonSchema = {
    "type": "object",
    "additionalProperties": False,
    "required": ["comment"],
    "description": "What the country should look at again: returning needs a comment.",
    "properties": {"comment": {"type": "string", "minLength": 1, "maxLength": MAX_COMMENT}},
}

COMMENT_INPUT: JsonSchema = {
    "type": "object",
    "additionalProperties": False,
    "required": ["body"],
    "properties": {"body": {"type": "string", "minLength": 1, "maxLength": MAX_COMMENT}},
}


# ---------------------------------------------------------------------------
# Checking a JSON value against the subset of JSON Schema used above
# ---------------------------------------------------------------------------

_TYPE_NAMES = {
    "string": "text (a JSON string)",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "array": "a list (a JSON array)",
    "object": "an object",
    "null": "null",
}


def _is_type(value: Any, name: str) -> bool:
    if name == "string":
        return isinstance(value, str)
    if name == "integer":
        if isinstance(value, bool):
            return False
        return isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    if name == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if name == "boolean":
        return isinstance(value, bool)
    if name == "array":
        return isinstance(value, list)
    if name == "object":
        return isinstance(value, dict)
    if name == "null":
        return value is None
    raise ValueError(f"unsupported schema type {name!r}")


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def check(value: Any, schema: JsonSchema, path: str = "") -> dict[str, str]:
    """Check a JSON value against one of the request schemas; return {field path: problem}.

    Supports what the request schemas use: type, properties, required,
    additionalProperties (false), items, minItems, maxItems, minLength,
    maxLength, minimum.  Paths read like `assistance.kind` or `evidence_links[2]`.
    """
    types = schema.get("type")
    if types is not None:
        names = [types] if isinstance(types, str) else list(types)
        if not any(_is_type(value, n) for n in names):
            wanted = " or ".join(_TYPE_NAMES[n] for n in names)
            return {path or "body": f"must be {wanted}."}
    problems: dict[str, str] = {}
    if isinstance(value, str):
        if "minLength" in schema and len(value) < schema["minLength"]:
            problems[path] = (
                "must not be empty."
                if schema["minLength"] == 1
                else (f"must have at least {schema['minLength']} characters.")
            )
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            problems[path] = f"must have at most {schema['maxLength']:,} characters (it has {len(value):,})."
        if any(0xD800 <= ord(c) <= 0xDFFF for c in value):
            problems[path] = "contains an unpaired surrogate, which is not a Unicode character."
    elif _is_type(value, "integer") or _is_type(value, "number"):
        if "minimum" in schema and value < schema["minimum"]:
            problems[path] = f"must be at least {schema['minimum']}."
    elif isinstance(value, list):
        if "minItems" in schema and len(value) < schema["minItems"]:
            problems[path] = f"must have at least {schema['minItems']} entries."
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            problems[path] = f"must have at most {schema['maxItems']} entries (it has {len(value)})."
        items = schema.get("items")
        if items is not None and path not in problems:
            for index, entry in enumerate(value):
                problems.update(check(entry, items, f"{path}[{index}]"))
    elif isinstance(value, dict):
        properties: dict[str, JsonSchema] = schema.get("properties", {})
        for name in schema.get("required", ()):
            if name not in value:
                problems[_join(path, name)] = "is required."
        for name, entry in value.items():
            if name in properties:
                problems.update(check(entry, properties[name], _join(path, name)))
            elif schema.get("additionalProperties") is False:
                known = ", ".join(properties)
                problems[_join(path, name)] = f"is not a known field (known fields: {known})."
    return problems


# ---------------------------------------------------------------------------
# Response schemas
# ---------------------------------------------------------------------------


def _nullable(type_name: str, **extra: Any) -> JsonSchema:
    return {"type": [type_name, "null"], **extra}


_DATETIME = {"type": "string", "format": "date-time"}
_STRINGS = {"type": "array", "items": {"type": "string"}}


def _object(
    properties: dict[str, JsonSchema],
    required: list[str] | None = None,
    *,
    closed: bool = True,
    description: str = "",
) -> JsonSchema:
    schema: JsonSchema = {
        "type": "object",
        "required": list(properties) if required is None else required,
        "properties": properties,
    }
    if closed:
        schema["additionalProperties"] = False
    if description:
        schema["description"] = description
    return schema


def _ref(name: str) -> JsonSchema:
    return {"$ref": f"#/components/schemas/{name}"}


def _array(items: JsonSchema) -> JsonSchema:
    return {"type": "array", "items": items}


_AREA = _object(
    {"id": {"type": "string"}, "title": {"type": "string"}, "score": _nullable("number")},
    closed=False,
)


def _schemas() -> dict[str, JsonSchema]:
    answer = _object(
        {
            "item": {"type": "string", "description": "The checklist item's id."},
            "rating": _nullable("string"),
            "description": {"type": "string"},
            "legal_references": _STRINGS,
            "evidence_links": _STRINGS,
            "assistance": _object(
                {
                    "requested": {"type": "boolean"},
                    "kind": _nullable("string"),
                    "description": {"type": "string"},
                }
            ),
            "justification": {"type": "string"},
            "version": {
                "type": "integer",
                "minimum": 0,
                "description": "Increased by every saved change; 0 for an item never answered.",
            },
            "updated_at": _nullable("string", format="date-time"),
            "updated_by": _nullable("string", description="E-mail address of who saved it last."),
        },
        description="One answer as stored.",
    )
    section_progress = _object(
        {
            "id": {"type": "string"},
            "title": {"type": "string"},
            "answered": {"type": "integer", "minimum": 0},
            "total": {"type": "integer", "minimum": 0},
            "first_unanswered": _nullable("string"),
        }
    )
    assessment = _object(
        {
            "cycle": {"type": "string"},
            "country": _object(
                {
                    "iso3": {"type": "string"},
                    "name": {"type": "string"},
                    "region": {"type": "string"},
                }
            ),
            "status": {"type": "string", "enum": [s.value for s in Status]},
            "version": {
                "type": "integer",
                "minimum": 1,
                "description": "Increased by every saved answer and every change of status.",
            },
            "edition": {
                "type": "string",
                "description": "Hash of the catalogue edition the cycle uses.",
            },
            "created_at": _DATETIME,
            "updated_at": _DATETIME,
            "submitted_at": _nullable("string", format="date-time"),
            "progress": _object(
                {
                    "answered": {"type": "integer", "minimum": 0},
                    "total": {"type": "integer", "minimum": 0},
                    "sections": _array(section_progress),
                }
            ),
            "answers": _array(_ref("Answer")),
            "can": _object(
                {name: {"type": "boolean"} for name in ("edit", "submit", "review", "comment")},
                description="What the requesting user may do now.",
            ),
        },
        description="One country's assessment in one cycle. `answers` lists the items answered so "
        "far, in catalogue order; an item not listed has version 0.",
    )
    cycle = _object(
        {
            "code": {"type": "string"},
            "title": {"type": "string"},
            "status": {"type": "string", "enum": ["open", "closed"]},
            "edition": {"type": "string"},
            "opened_at": _DATETIME,
            "closed_at": _nullable("string", format="date-time"),
        }
    )
    catalogue = _object(
        {
            "hash": {"type": "string", "description": "The edition's content hash."},
            "title": {"type": "string"},
            "schema": {"type": "integer"},
            "instruments": _array(
                _object(
                    {
                        "id": {"type": "string"},
                        "title": {"type": "string"},
                        "body": {"type": "string"},
                        "date": {"type": "string"},
                    },
                    closed=False,
                )
            ),
            "obligations": _array(
                _object(
                    {
                        "id": {"type": "string"},
                        "instrument": {"type": "string"},
                        "paragraph": {"type": "string"},
                        "verb": {"type": "string"},
                        "addressee": {"type": "string"},
                        "text": {"type": "string"},
                        "items": _STRINGS,
                    },
                    closed=False,
                )
            ),
            "items": _array(
                _object(
                    {
                        "id": {"type": "string"},
                        "section": {"type": "string"},
                        "question": {"type": "string"},
                        "guidance": {"type": "string"},
                        "evidence": _STRINGS,
                    },
                    closed=False,
                )
            ),
            "scale": _array(
                _object(
                    {
                        "id": {"type": "string"},
                        "label": {"type": "string"},
                        "value": _nullable("number"),
                    },
                    closed=False,
                )
            ),
            "sections": _array(_object({"id": {"type": "string"}, "title": {"type": "string"}}, closed=False)),
            "strengths": _array(
                _object(
                    {"id": {"type": "string"}, "weight": {"type": "number"}, "verbs": _STRINGS},
                    closed=False,
                )
            ),
            "bands": _array(
                _object(
                    {
                        "id": {"type": "string"},
                        "label": {"type": "string"},
                        "min_score": {"type": "number"},
                    },
                    closed=False,
                )
            ),
            "assistance_kinds": _array(_object({"id": {"type": "string"}, "label": {"type": "string"}}, closed=False)),
        },
        closed=False,
        description=("A catalogue edition as in `obligations.yaml` (see docs/catalogue.md), with its hash."),
    )
    gap = _object(
        {
            "rank": {"type": "integer"},
            "obligation": {"type": "string"},
            "instrument": {"type": "string"},
            "paragraph": {"type": "string"},
            "score": {"type": "number"},
            "shortfall": {"type": "number"},
            "weight": {"type": "number"},
            "priority": {"type": "number"},
            "core": {"type": "boolean"},
            "critical": {"type": "boolean"},
            "items": _STRINGS,
        },
        closed=False,
    )
    scores = _object(
        {
            "cycle": {"type": "string"},
            "country": {"type": "string"},
            "status": {"type": "string", "enum": [s.value for s in Status]},
            "version": {
                "type": "integer",
                "description": "The assessment version the scores are of.",
            },
            "edition": {"type": "string"},
            "overall": _nullable("number", minimum=0, maximum=100),
            "band": _nullable("string"),
            "uncapped_band": _nullable("string"),
            "capped_by": _STRINGS,
            "sections": _array(_AREA),
            "instruments": _array(_AREA),
            "obligations": _array(
                _object(
                    {
                        "id": {"type": "string"},
                        "instrument": {"type": "string"},
                        "paragraph": {"type": "string"},
                        "weight": {"type": "number"},
                        "core": {"type": "boolean"},
                        "scored": {"type": "boolean"},
                        "score": _nullable("number"),
                        "items": _STRINGS,
                    },
                    closed=False,
                )
            ),
            "items": _array(
                _object(
                    {
                        "id": {"type": "string"},
                        "section": {"type": "string"},
                        "rating": _nullable("string"),
                        "status": {"type": "string"},
                        "value": _nullable("number"),
                        "flags": _STRINGS,
                    },
                    closed=False,
                )
            ),
            "gaps": _array(gap),
            "flags": _object(
                {
                    "unsupported": _STRINGS,
                    "missing": _STRINGS,
                    "unjustified_not_applicable": _STRINGS,
                },
                closed=False,
            ),
            "counts": {"type": "object", "additionalProperties": {"type": "integer"}},
        },
        closed=False,
        description="Scores on 0–100 by the method of docs/methodology.md, rounded to one decimal.",
    )
    change = _nullable(
        "object",
        required=["overall", "sections"],
        properties={
            "overall": _nullable("number"),
            "sections": _array(_AREA),
            "shared_items": {"type": "integer"},
        },
        description=("Change since the previous cycle, in points; null without a comparable earlier assessment."),
    )
    comparison = _object(
        {
            "cycle": {"type": "string"},
            "previous_cycle": _nullable("string"),
            "edition": {"type": "string"},
            "rows": _array(
                _object(
                    {
                        "country": {"type": "string"},
                        "region": {"type": "string"},
                        "rank": _nullable("integer"),
                        "overall": _nullable("number"),
                        "band": _nullable("string"),
                        "sections": _array(_AREA),
                        "gaps": {"type": "integer"},
                        "critical_gaps": {"type": "integer"},
                        "missing": {"type": "integer"},
                        "unsupported": {"type": "integer"},
                        "change": change,
                    },
                    closed=False,
                )
            ),
            "global_means": _array(_AREA),
            "regional_means": _array(_object({"region": {"type": "string"}, "means": _array(_AREA)}, closed=False)),
        },
        closed=False,
        description=(
            "Every country of the cycle the user may see (a respondent: their own; reviewers: "
            "every submitted, returned or accepted assessment), ranked."
        ),
    )
    history = _object(
        {
            "changes": _array(
                _object(
                    {
                        "item": {"type": "string"},
                        "version": {
                            "type": "integer",
                            "description": "The answer's version after the change.",
                        },
                        "at": _DATETIME,
                        "user": _nullable("string"),
                        "source": {
                            "type": "string",
                            "description": "form, autosave, api, spreadsheet or import.",
                        },
                        "changes": {
                            "type": "object",
                            "description": (
                                "For each changed field (rating, description, legal_references, "
                                "evidence_links, assistance_kind, assistance_description, "
                                "justification): [old value, new value]."
                            ),
                            "additionalProperties": {"type": "array", "minItems": 2, "maxItems": 2},
                        },
                    }
                )
            ),
            "events": _array(
                _object(
                    {
                        "action": {"type": "string"},
                        "from_status": _nullable("string"),
                        "to_status": {"type": "string"},
                        "at": _DATETIME,
                        "user": _nullable("string"),
                        "comment": {"type": "string"},
                    }
                )
            ),
        },
        description=(
            "The audit trail: every saved change of every answer, and every step of the lifecycle, oldest first."
        ),
    )
    comment = _object(
        {
            "id": {"type": "integer"},
            "item": {"type": "string"},
            "at": _DATETIME,
            "author": _nullable("string"),
            "role": _nullable("string"),
            "body": {"type": "string"},
        }
    )
    problem = _object(
        {
            "sheet": _nullable("string"),
            "row": _nullable("integer"),
            "column": _nullable("string", description="A column letter, such as D."),
            "cell": _nullable("string", description="Such as D5, or the row alone."),
            "message": {"type": "string"},
        }
    )
    answer_values = _object(
        {
            "version": {"type": "integer"},
            "rating": _nullable("string"),
            "description": {"type": "string"},
            "legal_references": _STRINGS,
            "evidence_links": _STRINGS,
            "assistance_kind": _nullable("string"),
            "assistance_description": {"type": "string"},
            "justification": {"type": "string"},
        },
        required=["version"],
        closed=False,
    )
    conflict = _object(
        {
            "item": {"type": "string"},
            "sheet": {"type": "string"},
            "row": {"type": "integer"},
            "file": answer_values,
            "platform": answer_values,
        },
        description="A row changed in the file whose answer also changed on the platform.",
    )
    import_report = _object(
        {
            "ok": {
                "type": "boolean",
                "description": "True when the file was clean and its changes have been saved.",
            },
            "applied": {**_STRINGS, "description": "Items whose answers were saved."},
            "unchanged": {**_STRINGS, "description": "Items already as in the file."},
            "kept_platform": {
                **_STRINGS,
                "description": "Items the file left as downloaded while the platform's answer "
                "changed meanwhile: the platform's newer answer is kept.",
            },
            "problems": _array(problem),
            "conflicts": _array(conflict),
        },
        description="What an upload of the offline questionnaire did. Nothing is saved unless `ok` is true.",
    )
    error = _object(
        {
            "error": _object(
                {
                    "status": {"type": "integer", "description": "The HTTP status, repeated."},
                    "message": {"type": "string", "description": "What is wrong, in words."},
                    "errors": {
                        "type": "object",
                        "additionalProperties": {"type": "string"},
                        "description": "One message per field at fault (422), such as "
                        "`rating`, `assistance.kind` or `evidence_links[2]`.",
                    },
                    "item": _nullable("string", description="The checklist item concerned."),
                    "current": {
                        "anyOf": [_ref("Answer"), {"type": "null"}],
                        "description": "On a stale save (409): the answer as it now stands.",
                    },
                    "based_on": {
                        "type": "integer",
                        "description": "On a stale save: the version you sent.",
                    },
                    "report": {
                        **_ref("ImportReport"),
                        "description": "On a refused upload of the offline questionnaire: what "
                        "was found (nothing was saved).",
                    },
                },
                required=["status", "message"],
            ),
        }
    )
    return {
        "Answer": answer,
        "AnswerInput": ANSWER_INPUT,
        "Assessment": assessment,
        "Cycle": cycle,
        "CycleList": _object({"cycles": _array(_ref("Cycle"))}),
        "Catalogue": catalogue,
        "Scores": scores,
        "Comparison": comparison,
        "History": history,
        "Comment": comment,
        "CommentList": _object({"item": {"type": "string"}, "comments": _array(_ref("Comment"))}),
        "CommentInput": COMMENT_INPUT,
        "TransitionInput": TRANSITION_INPUT,
        "ReturnInput": RETURN_INPUT,
        "ImportReport": import_report,
        "Error": error,
    }


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
    response: dict[str, Any] = {"description": _ERRORS[status], "content": _json(_ref("Error"))}
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
    for status in (401, *errors) if not public else errors:
        all_responses[str(status)] = _error_response(status)
    result["responses"] = dict(sorted(all_responses.items()))
    if public:
        result["security"] = []
    return result


def _ok(description: str, schema_name: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    response: dict[str, Any] = {"description": description, "content": _json(_ref(schema_name))}
    if headers:
        response["headers"] = headers
    return response


def _body(schema_name: str, required: bool = True, description: str = "") -> dict[str, Any]:
    body: dict[str, Any] = {"required": required, "content": _json(_ref(schema_name))}
    if description:
        body["description"] = description
    return body


def _transition(operation_id: str, summary: str, description: str, input_schema: str, required: bool) -> dict[str, Any]:
    return {
        "post": _operation(
            operation_id,
            summary,
            {200: _ok("The step was taken; the assessment as it now stands.", "Assessment")},
            parameters=_COUNTRY,
            errors=(400, 403, 404, 409, 413, 415, 422),
            description=description,
            body=_body(input_schema, required=required),
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
                        "Catalogue",
                    )
                },
                errors=(404,),
                parameters=[
                    {
                        "name": "cycle",
                        "in": "query",
                        "required": False,
                        "description": ("Give the edition this cycle was opened with instead of the current one."),
                        "schema": {"type": "string"},
                        "example": "2026",
                    }
                ],
            )
        },
        f"{API_PREFIX}/cycles": {
            "get": _operation(
                "listCycles",
                "Cycles and their status, newest first",
                {200: _ok("Every cycle.", "CycleList")},
                errors=(),
            )
        },
        f"{API_PREFIX}/cycles/{{cycle}}/scores": {
            "get": _operation(
                "compareCycle",
                "Every visible country's scores in a cycle, for comparison",
                {200: _ok("The comparison.", "Comparison")},
                parameters=[_param("cycle")],
                errors=(404,),
            )
        },
        f"{_ASSESSMENT}/assessment": {
            "post": _operation(
                "startAssessment",
                "Start the country's assessment in the cycle (idempotent)",
                {
                    201: _ok(
                        "Started now.",
                        "Assessment",
                        headers={
                            "Location": {
                                "description": "Where the assessment is.",
                                "schema": {"type": "string"},
                            }
                        },
                    ),
                    200: _ok("It had been started already; nothing changed.", "Assessment"),
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
                {200: _ok("The assessment.", "Assessment")},
                parameters=_COUNTRY,
                errors=(404,),
            ),
        },
        f"{_ASSESSMENT}/answers/{{item}}": {
            "put": _operation(
                "saveAnswer",
                "Save one answer",
                {
                    200: _ok("Saved (or nothing had changed); the answer as stored.", "Answer"),
                    201: _ok("The item's first answer was saved; the answer as stored.", "Answer"),
                },
                parameters=[*_COUNTRY, _param("item")],
                errors=(400, 403, 404, 409, 413, 415, 422),
                body=_body("AnswerInput"),
                description=(
                    "Saved only if the answer is still at `version`; otherwise 409 with the "
                    "current "
                    "answer in `error.current`, and nothing is saved. Only the country's "
                    "respondents may save, while the assessment is a draft or returned and the "
                    "cycle open."
                ),
            )
        },
        f"{_ASSESSMENT}/submit": _transition(
            "submitAssessment",
            "Submit the assessment to the reviewers",
            "From draft or returned; by the country's respondents.",
            "TransitionInput",
            False,
        ),
        f"{_ASSESSMENT}/return": _transition(
            "returnAssessment",
            "Return the assessment to the country",
            "From submitted; by reviewers and admins; the comment is required.",
            "ReturnInput",
            True,
        ),
        f"{_ASSESSMENT}/accept": _transition(
            "acceptAssessment",
            "Accept the assessment (final)",
            "From submitted; by reviewers and admins.",
            "TransitionInput",
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
                {200: _ok("Read and saved: what changed.", "ImportReport")},
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
                {200: _ok("The scores.", "Scores")},
                parameters=_COUNTRY,
                errors=(404,),
            )
        },
        f"{_ASSESSMENT}/history": {
            "get": _operation(
                "getHistory",
                "The audit trail of the assessment",
                {200: _ok("Every change, oldest first.", "History")},
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
                {200: _ok("The thread, oldest first.", "CommentList")},
                parameters=[*_COUNTRY, _param("item")],
                errors=(404,),
            ),
            "post": _operation(
                "addComment",
                "Add a comment to an item's thread",
                {201: _ok("Added.", "Comment")},
                parameters=[*_COUNTRY, _param("item")],
                errors=(400, 404, 409, 413, 415, 422),
                body=_body("CommentInput"),
                description=(
                    "Whoever may see the assessment may comment while the cycle is open and the "
                    "assessment not accepted."
                ),
            ),
        },
    }


@lru_cache(maxsize=1)
def _document() -> dict[str, Any]:
    return {
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
        "paths": _paths(),
        "components": {
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An API token printed by `questionnaire users token EMAIL`.",
                }
            },
            "parameters": _PARAMETERS,
            "schemas": _schemas(),
        },
    }


def build_document() -> dict[str, Any]:
    """Return the OpenAPI 3.1 document of the JSON API (a fresh copy the caller may change)."""
    return copy.deepcopy(_document())
