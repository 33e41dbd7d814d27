"""Fixtures of the API tests: a token per role, a JSON client, assessments in each state."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask

from questionnaire import services
from questionnaire.auth import issue_token
from questionnaire.catalogue import Catalogue, load_catalogue
from questionnaire.models import Assessment, Cycle, User

BASE = "/api/v1"
_NO_BODY = object()


class Api:
    """A thin JSON client for /api/v1 that sends a bearer token when given one."""

    def __init__(self, client: Any):
        self.client = client

    def call(
        self,
        method: str,
        path: str,
        token: str | None = None,
        body: Any = _NO_BODY,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> Any:
        """Send a request; `body` is sent as JSON, `data` (in kwargs) as it is."""
        headers = dict(headers or {})
        if token is not None:
            headers.setdefault("Authorization", f"Bearer {token}")
        if body is not _NO_BODY:
            kwargs["data"] = json.dumps(body)
            kwargs.setdefault("content_type", "application/json")
        url = path if path.startswith("/") else f"{BASE}/{path}"
        return self.client.open(url, method=method, headers=headers, **kwargs)

    def get(self, path: str, token: str | None = None, **kwargs: Any) -> Any:
        return self.call("GET", path, token, **kwargs)

    def post(self, path: str, token: str | None = None, body: Any = _NO_BODY, **kwargs: Any) -> Any:
        return self.call("POST", path, token, body, **kwargs)

    def put(self, path: str, token: str | None = None, body: Any = _NO_BODY, **kwargs: Any) -> Any:
        return self.call("PUT", path, token, body, **kwargs)


@pytest.fixture(scope="session")
def parsed_catalogue() -> dict[str, Catalogue]:
    """Catalogue files parsed once per run, by path (editions are immutable)."""
    return {}


@pytest.fixture(autouse=True)
def _parse_the_catalogue_once(app: Flask, parsed_catalogue: dict[str, Catalogue]) -> None:
    """Give each test's application the catalogue parsed once, instead of parsing it again.

    The permission matrix builds hundreds of applications; parsing obligations.yaml
    for each would be most of its run time.
    """
    path = str(app.config["CATALOGUE_PATH"])
    if path not in parsed_catalogue:
        parsed_catalogue[path] = load_catalogue(path)
    app.extensions["catalogue"] = parsed_catalogue[path]


@pytest.fixture
def api(app: Flask) -> Api:
    """A JSON client of the API (no cookies of a signed-in browser)."""
    return Api(app.test_client())


@pytest.fixture
def tokens(users: dict[str, User]) -> dict[str, str]:
    """An API token for each account of the `users` fixture, by the same names."""
    return {name: issue_token(user, "tests") for name, user in users.items()}


def put_state(assessment: Assessment, state: str, users: dict[str, User]) -> Assessment:
    """Bring a draft assessment to `state` (draft, submitted, returned or accepted)."""
    respondent = next(u for u in users.values() if u.country_iso3 == assessment.country_iso3)
    if state == "draft":
        return assessment
    services.submit(respondent, assessment)
    if state == "submitted":
        return assessment
    if state == "returned":
        services.return_assessment(users["reviewer"], assessment, "Please cite the law.")
        return assessment
    if state == "accepted":
        services.accept(users["reviewer"], assessment)
        return assessment
    raise ValueError(state)


def start(
    users: dict[str, User],
    cycle: Cycle,
    iso3: str,
    state: str = "draft",
    answers: dict[str, str] | None = None,
) -> Assessment:
    """Start a country's assessment, save some ratings, and bring it to `state`."""
    respondent = next(u for u in users.values() if u.country_iso3 == iso3.upper())
    assessment, _ = services.start_assessment(respondent, cycle, iso3)
    if answers:
        edits = [
            services.Edit(item, services.make_input(rating=rating, description="In force."), 0)
            for item, rating in answers.items()
        ]
        services.save_answers(respondent, assessment, edits)
    return put_state(assessment, state, users)


@pytest.fixture
def fra_draft(users: dict[str, User], cycle: Cycle) -> Assessment:
    """France's 2026 assessment, a draft with one answer (CL-1, largely)."""
    return start(users, cycle, "FRA", "draft", {"CL-1": "largely"})
