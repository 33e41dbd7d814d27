"""The OpenAPI document: it lists every route, and schemathesis finds the API true to it.

Schemathesis generates requests from the document (valid ones and, with
`mode = all`, deliberately invalid ones) and checks each response: no server
error, a documented status, the documented media type, headers and JSON
schema, and invalid data refused.  It runs twice, each operation its own test:
as France's respondent on France's draft (answers, submit, upload reach their
success paths) and as a reviewer on a submitted assessment (return, accept,
comments).  Path parameters and ratings are drawn mostly from real values so
that the success paths are reached, and partly from generated ones.

Bounded for CI speed: API_FUZZ_EXAMPLES (default 10) examples per operation and
phase, seeded by API_FUZZ_SEED (default fixed) so a failure can be replayed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from questionnaire import openapi, services
from questionnaire.catalogue import load_catalogue
from questionnaire.config import DEFAULT_CATALOGUE
from questionnaire.models import Assessment, User

from .conftest import put_state, start

DOCUMENT = openapi.build_document()
CATALOGUE = load_catalogue(DEFAULT_CATALOGUE)
SEED = int(os.environ.get("API_FUZZ_SEED", "20260615"))
EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "10"))

CONFIG = schemathesis.Config.from_dict(
    {
        "seed": SEED,
        "generation": {"max-examples": EXAMPLES, "mode": "all"},
        "phases": {
            "examples": {"enabled": True},
            "coverage": {"enabled": True},
            "fuzzing": {"enabled": True},
            "stateful": {"enabled": False},
        },
        "dictionaries": {
            "cycles": {"values": ["2026"]},
            "countries": {"values": ["FRA", "fra"]},
            "items": {"values": [i.id for i in CATALOGUE.items]},
            "ratings": {"values": [s.id for s in CATALOGUE.scale]},
            "kinds": {"values": [a.id for a in CATALOGUE.assistance_kinds]},
            "links": {
                "values": [
                    "https://www.legifrance.gouv.fr/loda/id/JORFTEXT000027730123",
                    "http://example.org/report.pdf",
                ]
            },
            "versions": {"values": [0, 1, 2]},
        },
        "parameters": {
            "path.cycle": {"dictionary": "cycles", "probability": 0.85},
            "path.iso3": {"dictionary": "countries", "probability": 0.85},
            "path.item": {"dictionary": "items", "probability": 0.85},
            "query.item": {"dictionary": "items", "probability": 0.7},
            "query.cycle": {"dictionary": "cycles", "probability": 0.7},
            "body.rating": {"dictionary": "ratings", "probability": 0.7},
            "body.version": {"dictionary": "versions", "probability": 0.7},
            "body.evidence_links[*]": {"dictionary": "links", "probability": 0.7},
            "body.assistance.kind": {"dictionary": "kinds", "probability": 0.7},
        },
    }
)
SCHEMA = schemathesis.openapi.from_dict(DOCUMENT, config=CONFIG)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


def documented_operations() -> set[tuple[str, str]]:
    return {
        (method.upper(), path)
        for path, item in DOCUMENT["paths"].items()
        for method in item
        if method in ("get", "put", "post", "delete", "patch")
    }


def routed_operations(app: Flask) -> set[tuple[str, str]]:
    """Every (method, path) of the API blueprint, with Flask's <x> written as OpenAPI's {x}."""
    return {
        (method, re.sub(r"<(?:[a-z_]+:)?([a-z_0-9]+)>", r"{\1}", rule.rule))
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def test_every_api_route_is_documented_and_every_documented_route_exists(app):
    routes = routed_operations(app)
    assert routes, "the API blueprint is not registered"
    assert routes - documented_operations() == set(), "routes missing from the OpenAPI document"
    assert documented_operations() - routes == set(), "documented operations that do not exist"


def test_the_document_is_valid_openapi_3_1():
    SCHEMA.validate()
    assert DOCUMENT["openapi"] == "3.1.0"
    operation_ids = [op["operationId"] for item in DOCUMENT["paths"].values() for op in item.values()]
    assert len(operation_ids) == len(set(operation_ids))


def test_every_operation_documents_its_errors_with_the_error_schema():
    for path, item in DOCUMENT["paths"].items():
        for method, operation in item.items():
            public = operation.get("security") == []
            assert public == (path == "/api/v1/openapi.json"), (method, path)
            statuses = set(operation["responses"])
            if not public:
                assert "401" in statuses, (method, path)
            for status, response in operation["responses"].items():
                if status.startswith(("4", "5")):
                    assert response["content"]["application/json"]["schema"] == {
                        "$ref": "#/components/schemas/Error"
                    }, (method, path, status)
            if "{iso3}" in path:
                assert "404" in statuses, (method, path)


def test_the_document_served_is_the_document_built(api):
    assert api.get("openapi.json").get_json() == DOCUMENT


def test_request_bodies_are_the_schemas_of_the_models_the_api_validates_with():
    schemas = DOCUMENT["components"]["schemas"]
    for model in openapi.REQUEST_MODELS:
        assert schemas[model.__name__] == openapi.schema_of(model, "validation"), model
    answer = schemas["AnswerInput"]
    assert answer["required"] == ["version"]
    assert answer["additionalProperties"] is False
    limits = answer["properties"]
    assert limits["version"]["minimum"] == 0
    assert limits["description"]["maxLength"] == services.answers.MAX_DESCRIPTION
    assert limits["justification"]["maxLength"] == services.answers.MAX_JUSTIFICATION
    assert limits["legal_references"]["maxItems"] == services.answers.MAX_REFERENCES
    assert limits["legal_references"]["items"]["maxLength"] == services.answers.MAX_REFERENCE
    assert limits["evidence_links"]["maxItems"] == services.answers.MAX_LINKS
    assert limits["evidence_links"]["items"]["maxLength"] == services.answers.MAX_LINK
    assert "default" not in limits["description"], "a field left out keeps its saved value, not a default"
    assistance = schemas["AssistanceInput"]
    assert assistance["properties"]["description"]["maxLength"] == services.answers.MAX_ASSISTANCE
    assert assistance["required"] == ["requested"]
    comment = schemas["ReturnInput"]["properties"]["comment"]
    assert (comment["minLength"], comment["maxLength"]) == (1, services.lifecycle.MAX_COMMENT)
    assert schemas["CommentInput"]["required"] == ["body"]
    # The descriptions clients read are carried over from the models.
    assert "Fields left out keep their saved value" in answer["description"]
    assert schemas["Answer"]["properties"]["updated_by"]["description"] == "E-mail address of who saved it last."


def _refs(value):
    return openapi.refs_in(value)


def test_every_operation_references_model_generated_schemas():
    schemas = DOCUMENT["components"]["schemas"]
    by_name = {m.__name__: (m, "validation") for m in openapi.REQUEST_MODELS}
    by_name |= {m.__name__: (m, "serialization") for m in openapi.RESPONSE_MODELS}
    used = set()
    for path, item in DOCUMENT["paths"].items():
        for method, operation in item.items():
            bodies = [operation.get("requestBody", {})] + list(operation["responses"].values())
            for body in bodies:
                for media, content in body.get("content", {}).items():
                    schema = content["schema"]
                    document = path.endswith("/openapi.json") and body is operation["responses"].get("200")
                    if media != "application/json" or document:
                        assert "$ref" not in schema, (method, path)
                        continue
                    # Every JSON body is a model, named and nothing more: no schema is written by hand.
                    assert set(schema) == {"$ref"}, (method, path, schema)
                    name = schema["$ref"].removeprefix("#/components/schemas/")
                    assert name in by_name, (method, path, name)
                    used.add(name)
    assert used == set(by_name), "a model is listed but no operation uses it"
    for name, (model, mode) in by_name.items():
        assert schemas[name] == openapi.schema_of(model, mode), name
    # The components are the models and what they hold, nothing else.
    held = set().union(*(_refs(schemas[name]) for name in by_name))
    expected = set(by_name) | {ref.removeprefix("#/components/schemas/") for ref in held}
    while True:
        more = set().union(*(_refs(schemas[n]) for n in expected))
        more = {ref.removeprefix("#/components/schemas/") for ref in more}
        if more <= expected:
            break
        expected |= more
    assert set(schemas) == expected
    assert all("title" not in prop for s in schemas.values() for prop in s.get("properties", {}).values())


# ---------------------------------------------------------------------------
# Schemathesis
# ---------------------------------------------------------------------------


@schemathesis.serializer(openapi.XLSX)
def _workbook_bytes(ctx: Any, value: Any) -> bytes:
    """Send a generated workbook body as it is (generated text as UTF-8)."""
    if isinstance(value, bytes):
        return value
    return str(value).encode("utf-8", "surrogatepass")


UPLOAD = ("POST", "/api/v1/cycles/{cycle}/countries/{iso3}/questionnaire.xlsx")


class Persona:
    """Who schemathesis acts as, on which assessment, and which operations must succeed."""

    def __init__(self, app: Flask, token: str, must_succeed: set[tuple[str, str]]):
        self.app = app
        self.token = token
        self.must_succeed = must_succeed
        self.statuses: dict[tuple[str, str], list[int]] = {}

    def call(self, case: Any) -> None:
        key = (case.method.upper(), case.path)
        extra: dict[str, Any] = {}
        if key == UPLOAD and isinstance(case.body, str) and len(case.body) % 2 == 0:
            # Half the uploads send a real workbook, downloaded just before, so that the
            # success path is reached too; the others send what schemathesis generated.
            from questionnaire import offline

            assessment = services.find_assessment("2026", "FRA")
            assert assessment is not None
            extra["data"] = offline.build_workbook(assessment)
        response = case.call_and_validate(
            app=self.app, headers={"Authorization": f"Bearer {self.token}"}, checks=CHECKS, **extra
        )
        self.statuses.setdefault(key, []).append(response.status_code)

    def check_reached(self) -> None:
        assert self.statuses, "schemathesis made no request"
        for key, statuses in self.statuses.items():
            if key in self.must_succeed:
                assert any(200 <= s < 300 for s in statuses), (
                    f"{key[0]} {key[1]} never succeeded; statuses seen: {sorted(set(statuses))}"
                )


COUNTRY = "/api/v1/cycles/{cycle}/countries/{iso3}"
READS = {
    ("GET", "/api/v1/openapi.json"),
    ("GET", "/api/v1/catalogue"),
    ("GET", "/api/v1/cycles"),
    ("GET", "/api/v1/cycles/{cycle}/scores"),
    ("GET", f"{COUNTRY}/assessment"),
    ("POST", f"{COUNTRY}/assessment"),
    ("GET", f"{COUNTRY}/questionnaire.xlsx"),
    ("GET", f"{COUNTRY}/scores"),
    ("GET", f"{COUNTRY}/history"),
    ("GET", f"{COUNTRY}/items/{{item}}/comments"),
    ("POST", f"{COUNTRY}/items/{{item}}/comments"),
}


def _world(users: dict[str, User], cycle: Any) -> Assessment:
    start(users, cycle, "DEU", "submitted", {"CL-1": "full"})
    return start(users, cycle, "FRA", "draft", {"CL-1": "largely", "CL-2": "partially", "LE-1": "none"})


@pytest.fixture
def respondent(app: Flask, users, tokens, cycle) -> Iterator[Persona]:
    """France's respondent, on France's draft."""
    _world(users, cycle)
    persona = Persona(
        app,
        tokens["fra"],
        READS | {("PUT", f"{COUNTRY}/answers/{{item}}"), ("POST", f"{COUNTRY}/submit"), UPLOAD},
    )
    yield persona
    persona.check_reached()


@pytest.fixture
def reviewer(app: Flask, users, tokens, cycle) -> Iterator[Persona]:
    """A reviewer, on France's submitted assessment."""
    put_state(_world(users, cycle), "submitted", users)
    persona = Persona(
        app,
        tokens["reviewer"],
        (READS - {("POST", f"{COUNTRY}/assessment")})
        | {("POST", f"{COUNTRY}/return"), ("POST", f"{COUNTRY}/accept")}
        | {("GET", "/api/v1/cycles/{cycle}/participation")},  # reviewers only: respondents get 403
    )
    yield persona
    persona.check_reached()


# One world per operation, shared by its examples on purpose: state builds up as in real use.
SHARED_WORLD = settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)


@SCHEMA.parametrize()
@SHARED_WORLD
def test_api_conforms_as_respondent(case, respondent):
    respondent.call(case)


@SCHEMA.parametrize()
@SHARED_WORLD
def test_api_conforms_as_reviewer(case, reviewer):
    reviewer.call(case)
