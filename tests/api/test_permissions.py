"""Every API route × every role × every state of the target country's assessment.

The target is France's assessment in cycle 2026, absent or in each state of its
lifecycle.  The actors are an anonymous client, France's own respondent, the
respondent of another country (Germany, which has its own draft), a reviewer
and an admin.  Each case is its own test and asserts the exact status; a case
that is refused must leave the assessment exactly as it was.  An API route
missing from the table fails the suite.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import func, select

from questionnaire import create_app, services
from questionnaire.auth import limiter
from questionnaire.db import db
from questionnaire.models import AnswerChange, Comment, Event, EvidenceFile

from ..conftest import _config, _empty_tables
from .conftest import put_state, start

ACTORS = ("anonymous", "respondent-own-country", "respondent-other-country", "reviewer", "admin")
TOKEN_OF = {
    "respondent-own-country": "fra",
    "respondent-other-country": "deu",
    "reviewer": "reviewer",
    "admin": "admin",
}
STATES = ("none", "draft", "submitted", "returned", "accepted")
COUNTRY = "/api/v1/cycles/<cycle>/countries/<iso3>"


def row(*codes: int) -> dict[str, int]:
    """Map the five actors, in ACTORS order, to their expected status."""
    assert len(codes) == len(ACTORS)
    return dict(zip(ACTORS, codes, strict=True))


def table(
    none: tuple[int, ...],
    draft: tuple[int, ...],
    submitted: tuple[int, ...],
    returned: tuple[int, ...],
    accepted: tuple[int, ...],
) -> dict[str, dict[str, int]]:
    return {
        "none": row(*none),
        "draft": row(*draft),
        "submitted": row(*submitted),
        "returned": row(*returned),
        "accepted": row(*accepted),
    }


EVERYONE = (401, 200, 200, 200, 200)
NOBODY = (401, 404, 404, 404, 404)
READ = table(
    none=NOBODY,
    draft=(401, 200, 404, 404, 404),
    submitted=(401, 200, 404, 200, 200),
    returned=(401, 200, 404, 200, 200),
    accepted=(401, 200, 404, 200, 200),
)
EDIT = table(
    none=NOBODY,
    draft=(401, 201, 404, 404, 404),
    submitted=(401, 409, 404, 403, 403),
    returned=(401, 201, 404, 403, 403),
    accepted=(401, 409, 404, 403, 403),
)
REVIEW = table(
    none=NOBODY,
    draft=(401, 403, 404, 404, 404),
    submitted=(401, 403, 404, 200, 200),
    returned=(401, 403, 404, 409, 409),
    accepted=(401, 403, 404, 409, 409),
)

# (method, route) -> (request path, JSON body or None, expected status by state and actor)
MATRIX: dict[tuple[str, str], tuple[str, object, dict[str, dict[str, int]]]] = {
    ("GET", "/api/v1/openapi.json"): (
        "/api/v1/openapi.json",
        None,
        {s: row(200, 200, 200, 200, 200) for s in STATES},
    ),
    ("GET", "/api/v1/catalogue"): ("/api/v1/catalogue", None, {s: row(*EVERYONE) for s in STATES}),
    ("GET", "/api/v1/cycles"): ("/api/v1/cycles", None, {s: row(*EVERYONE) for s in STATES}),
    ("GET", "/api/v1/cycles/<cycle>/scores"): (
        "/api/v1/cycles/2026/scores",
        None,
        {s: row(*EVERYONE) for s in STATES},
    ),
    ("GET", "/api/v1/cycles/<cycle>/participation"): (
        "/api/v1/cycles/2026/participation",
        None,
        {s: row(401, 403, 403, 200, 200) for s in STATES},
    ),
    ("GET", "/api/v1/cycles/<cycle>/assistance"): (
        "/api/v1/cycles/2026/assistance",
        None,
        {s: row(401, 403, 403, 200, 200) for s in STATES},
    ),
    ("POST", f"{COUNTRY}/assessment"): (
        "assessment",
        None,
        table(
            none=(401, 201, 404, 404, 404),
            draft=(401, 200, 404, 404, 404),
            submitted=(401, 200, 404, 200, 200),
            returned=(401, 200, 404, 200, 200),
            accepted=(401, 200, 404, 200, 200),
        ),
    ),
    ("GET", f"{COUNTRY}/assessment"): ("assessment", None, READ),
    ("PUT", f"{COUNTRY}/answers/<item>"): (
        "answers/CL-2",
        {"version": 0, "rating": "partially", "description": "A pilot in two regions."},
        EDIT,
    ),
    # Internal to the country: its focal points only; the secretariat learns nothing, not even that it exists.
    ("GET", f"{COUNTRY}/assignments"): (
        "assignments",
        None,
        table(
            none=NOBODY,
            draft=(401, 200, 404, 404, 404),
            submitted=(401, 200, 404, 404, 404),
            returned=(401, 200, 404, 404, 404),
            accepted=(401, 200, 404, 404, 404),
        ),
    ),
    ("PUT", f"{COUNTRY}/assignments"): (
        "assignments",
        {"criminal-law": []},
        table(
            none=NOBODY,
            draft=(401, 200, 404, 404, 404),
            submitted=(401, 409, 404, 404, 404),
            returned=(401, 200, 404, 404, 404),
            accepted=(401, 409, 404, 404, 404),
        ),
    ),
    ("POST", f"{COUNTRY}/confirm"): (
        "confirm",
        {"items": ["CL-1"]},
        table(
            none=NOBODY,
            draft=(401, 200, 404, 404, 404),
            submitted=(401, 409, 404, 403, 403),
            returned=(401, 200, 404, 403, 403),
            accepted=(401, 409, 404, 403, 403),
        ),
    ),
    ("POST", f"{COUNTRY}/submit"): (
        "submit",
        {"comment": "Ready."},
        table(
            none=NOBODY,
            draft=(401, 200, 404, 404, 404),
            submitted=(401, 409, 404, 403, 403),
            returned=(401, 200, 404, 403, 403),
            accepted=(401, 409, 404, 403, 403),
        ),
    ),
    ("POST", f"{COUNTRY}/return"): ("return", {"comment": "Please cite the law."}, REVIEW),
    ("POST", f"{COUNTRY}/accept"): ("accept", {}, REVIEW),
    ("GET", f"{COUNTRY}/questionnaire.xlsx"): ("questionnaire.xlsx", None, READ),
    ("POST", f"{COUNTRY}/questionnaire.xlsx"): (
        "questionnaire.xlsx",
        "workbook",
        table(
            none=NOBODY,
            draft=(401, 200, 404, 404, 404),
            submitted=(401, 409, 404, 403, 403),
            returned=(401, 200, 404, 403, 403),
            accepted=(401, 409, 404, 403, 403),
        ),
    ),
    ("GET", f"{COUNTRY}/scores"): ("scores", None, READ),
    ("GET", f"{COUNTRY}/history"): ("history", None, READ),
    ("GET", f"{COUNTRY}/items/<item>/comments"): ("items/CL-1/comments", None, READ),
    ("POST", f"{COUNTRY}/items/<item>/comments"): (
        "items/CL-1/comments",
        {"body": "Which article?"},
        table(
            none=NOBODY,
            draft=(401, 201, 404, 404, 404),
            submitted=(401, 201, 404, 201, 201),
            returned=(401, 201, 404, 201, 201),
            accepted=(401, 409, 404, 409, 409),
        ),
    ),
    # Recommendations (services.recommendations): reviewers make them on what reached them.
    ("GET", f"{COUNTRY}/recommendations"): ("recommendations", None, READ),
    ("POST", f"{COUNTRY}/recommendations"): (
        "recommendations",
        {"obligation": "ga-1988.1", "text": "Share data through I-24/7.", "priority": "high"},
        table(
            none=NOBODY,
            draft=(401, 403, 404, 404, 404),
            submitted=(401, 403, 404, 201, 201),
            returned=(401, 403, 404, 201, 201),
            accepted=(401, 403, 404, 201, 201),
        ),
    ),
}
# Evidence files (services.evidence): France's CL-1 holds a shared file, attached while a draft.
EVIDENCE = f"{COUNTRY}/answers/<item>/evidence"
MATRIX |= {
    ("POST", EVIDENCE): ("answers/CL-1/evidence", "evidence-upload", EDIT),
    ("GET", EVIDENCE): ("answers/CL-1/evidence", None, READ),
    ("GET", f"{EVIDENCE}/<int:evidence>"): ("answers/CL-1/evidence/{evidence}", None, READ),
    ("DELETE", f"{EVIDENCE}/<int:evidence>"): (
        "answers/CL-1/evidence/{evidence}",
        None,
        table(
            none=NOBODY,
            draft=(401, 204, 404, 404, 404),
            submitted=(401, 409, 404, 403, 403),
            returned=(401, 204, 404, 403, 403),
            accepted=(401, 409, 404, 403, 403),
        ),
    ),
}

CASES = [
    pytest.param(route, state, actor, id=f"{route[0]} {route[1].removeprefix(COUNTRY)}-{state}-{actor}")
    for route in MATRIX
    for state in STATES
    for actor in ACTORS
]


@pytest.fixture(scope="module")
def matrix_app(database_url: str) -> Iterator[Flask]:
    """One application for the whole matrix: building its URL map is most of an app's cost."""
    application = create_app(_config(database_url))
    yield application
    with application.app_context():
        db.engine.dispose()


@pytest.fixture
def app(matrix_app: Flask) -> Iterator[Flask]:
    """The shared application, on empty tables, as the suite's `app` fixture gives them."""
    with matrix_app.app_context():
        _empty_tables()
        limiter.reset()
        for name in ("score_memo",):  # in-process memories must not outlive their rows
            kept = matrix_app.extensions.get(name)
            if kept is not None:
                kept.clear()
        yield matrix_app
        db.session.remove()
        _empty_tables()


def api_routes(app) -> set[tuple[str, str]]:
    """Return every (method, rule) the API blueprint serves (HEAD and OPTIONS are automatic)."""
    return {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def test_every_api_route_is_in_the_permission_matrix(app):
    routes = api_routes(app)
    assert routes, "the API blueprint is not registered"
    assert routes - set(MATRIX) == set(), "API routes missing from the permission matrix"
    assert set(MATRIX) - routes == set(), "the matrix lists routes that do not exist"


def snapshot(iso3: str) -> tuple:
    """What a refused request must not change."""
    assessment = services.find_assessment("2026", iso3)
    if assessment is None:
        return (None,)
    db.session.refresh(assessment)
    count = lambda model: db.session.scalar(  # noqa: E731
        select(func.count()).select_from(model).where(model.assessment_id == assessment.id)
    )
    answers = {a.item_id: (a.version, a.rating) for a in services.answers_of(assessment).values()}
    return (
        assessment.status,
        assessment.version,
        answers,
        count(AnswerChange),
        count(Event),
        count(Comment),
        count(EvidenceFile),
    )


@pytest.mark.parametrize(("route", "state", "actor"), CASES)
def test_permission(app, api, users, tokens, cycle, route, state, actor):
    path, body, expected = MATRIX[route]
    start(users, cycle, "DEU", "draft", {"CL-1": "full"})
    if state != "none" and "/evidence" in route[1]:  # evidence files: a shared one, attached while a draft
        from questionnaire.services import evidence

        from ..evidence.conftest import pdf

        fra = start(users, cycle, "FRA", "draft", {"CL-1": "largely"})
        shared = evidence.attach(users["fra"], fra, "CL-1", data=pdf(), filename="loi.pdf", title="Loi", shared=True)
        path = path.replace("{evidence}", str(shared.id))
        put_state(fra, state, users)
    elif state != "none":
        start(users, cycle, "FRA", state, {"CL-1": "largely"})
    path = path.replace("{evidence}", "1")
    if not path.startswith("/"):
        path = f"/api/v1/cycles/2026/countries/fra/{path}"
    kwargs: dict = {}
    if body == "evidence-upload":
        import io

        from ..evidence.conftest import pdf

        upload = {"file": (io.BytesIO(pdf()), "loi.pdf"), "title": "Loi n° 2013-711", "shared": "true"}
        kwargs = {"data": upload, "content_type": "multipart/form-data"}
    elif body == "workbook":
        from questionnaire import offline

        fra = services.find_assessment("2026", "FRA")
        data = offline.build_workbook(fra) if fra is not None else b"PK\x03\x04 not a workbook"
        kwargs = {"data": data, "content_type": offline.XLSX_MIMETYPE}
    elif body is not None:
        kwargs = {"body": body}
    token = tokens[TOKEN_OF[actor]] if actor in TOKEN_OF else None
    before = (snapshot("FRA"), snapshot("DEU"))

    response = api.call(route[0], path, token, **kwargs)

    assert response.status_code == expected[state][actor], response.get_data(as_text=True)[:300]
    if response.status_code >= 400:
        assert response.get_json()["error"]["status"] == response.status_code
        assert (snapshot("FRA"), snapshot("DEU")) == before, "a refused request changed something"
        if actor == "respondent-other-country" or (actor in ("reviewer", "admin") and state == "draft"):
            assert "FRA" not in response.get_data(as_text=True), "a hidden assessment leaked"
    else:
        assert snapshot("DEU") == before[1], "acting on France changed Germany's assessment"
    if route == ("GET", "/api/v1/cycles/<cycle>/scores") and token is not None:
        countries = [r["country"] for r in response.get_json()["rows"]]
        may_see_fra = state != "none" and (
            actor == "respondent-own-country" or (actor in ("reviewer", "admin") and state != "draft")
        )
        assert ("FRA" in countries) == may_see_fra
        assert ("DEU" in countries) == (actor == "respondent-other-country")
    if response.status_code == 200 and route[0] == "GET" and "countries" in route[1]:
        if response.mimetype == "application/json":
            data = response.get_json()
            assert data.get("country") in (
                None,
                "FRA",
                {"iso3": "FRA", "name": "France", "region": "Europe"},
            )
