"""Every route, fed hostile path parameters, query strings and bodies, answers without a server error.

The walk covers every rule of the URL map (a new route is walked as soon as it
exists), as an anonymous visitor, a respondent, a reviewer and an admin.  Each
path parameter in turn takes each hostile value while the others stay valid;
then the valid URL gets hostile query strings, and, where the route takes a
POST or PUT, hostile form or JSON bodies (with a valid CSRF token, so the body
reaches the view).  In the test configuration an exception is not turned into
a 500 page but raised, so any crash fails the case with its traceback.  The
JSON API is also fuzzed from its OpenAPI document by schemathesis
(tests/api/test_openapi.py).
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote

import pytest

from questionnaire import jobs, services
from questionnaire.auth import issue_token, limiter

from ..conftest import add_user

# Quoted as they would arrive on the wire.
HOSTILE_SEGMENTS = (
    "9223372036854775808",  # 2**63: past a 64-bit integer
    "2147483648",  # 2**31: past PostgreSQL's integer
    "340282366920938463463374607431768211456",
    "-1",
    "0",
    "%00",
    "%0D%0AX-Injected:%201",
    "..%2F..%2Fetc%2Fpasswd",
    "%27%20OR%201%3D1--",
    "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    "x" * 2000,
    "%E2%80%AEabc",  # right-to-left override
    "%F0%9F%92%A9",
    "%FF%FE",
    "%20",
)
HOSTILE_VALUES = (
    "\r\nX-Injected: 1",
    "/x\r\nSet-Cookie: a=b",
    "\x00",
    "9223372036854775808",
    "-9223372036854775809",
    "1e309",
    "NaN",
    "<script>alert(1)</script>",
    '=HYPERLINK("http://evil.example")',
    "' OR 1=1 --",
    "ﷺ" * 300,
    "%s%s%s%n",
    "//evil.example/",
    "x" * 20_000,
)
QUERY_KEYS = ("next", "lang", "country", "cycle", "page", "sort", "format", "q", "status", "section")
FORM_KEYS = (
    "csrf_token_extra",
    "next",
    "lang",
    "email",
    "password",
    "current",
    "new",
    "confirm",
    "name",
    "role",
    "country",
    "code",
    "title",
    "comment",
    "body",
    "active",
    "label",
    "confirm_close",
    "language",
    "item_CL_1-rating",
    "item_CL_1-description",
    "item_CL_1-version",
    "item_CL_1-original",
    "item_CL_1-evidence_links",
    "item_CL_1-assistance_kind",
)
JSON_BODIES: tuple[Any, ...] = (
    {"version": 2**63, "rating": "full", "description": "x"},
    {"version": -(2**63) - 1},
    {"version": 1e309},
    {"version": "1", "rating": None, "legal_references": [None, 2**70], "evidence_links": "javascript:alert(1)"},
    {"comment": "\x00" * 10, "body": {"nested": [1, 2, 3]}},
    {"assistance": {"kind": "\r\n", "description": ["x"]}},
    [1, 2, 3],
    "a string",
    None,
    json.loads("[" * 500 + "]" * 500),
)
ROLES = ("anonymous", "fra@example.org", "reviewer@example.org", "admin@example.org")
PARAM = re.compile(r"<(?:([a-z]+)(?:\([^)]*\))?:)?([a-z_0-9]+)>")


def _routes(app: Any) -> list[Any]:
    return sorted(
        (rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"),
        key=lambda rule: (rule.rule, sorted(rule.methods or ())),
    )


def _route_ids() -> list[str]:
    """The routes' endpoints and methods, read from an application built once for collection."""
    import secrets

    from questionnaire import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": secrets.token_hex(32), "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    return [f"{rule.endpoint}:{rule.rule}" for rule in _routes(app)]


@pytest.fixture
def world(app, users, cycle, monkeypatch):  # type: ignore[no-untyped-def]
    """France with a draft, Germany submitted, a meeting pack, an API token per role."""
    monkeypatch.setattr(jobs, "dispatch", lambda job_id: None)
    services.start_assessment(users["fra"], cycle, "FRA")
    germany, _ = services.start_assessment(users["deu"], cycle, "DEU")
    services.submit(users["deu"], germany)
    job, _ = jobs.start_meeting_pack(users["reviewer"], cycle)
    victim = add_user("victim@example.org", "reviewer")
    tokens = {u.email: issue_token(u, "tests") for u in users.values()}
    return {
        "cycle": "2026",
        "code": "2026",
        "iso3": "FRA",
        "section": "criminal-law",
        "item": "CL-1",
        "token_id": 1,
        "user_id": victim.id,
        "job_id": job.id,
        "recommendation_id": 1,
        "assignment_id": 1,  # the team page's routes
        "token": "not-an-invitation",  # /invitations/<token>, /password-reset/<token>
        "notification_id": 1,  # /notifications/<id>/read
        "evidence": _evidence(users["fra"]),  # evidence files: France's, on CL-1 (the API's and the pages' names)
        "file_id": _evidence(users["fra"]),
        "kind": "scores",
        "fmt": "csv",
        "filename": "css/app.css",
        "tokens": tokens,
    }


def _evidence(user: Any) -> int:
    """Attach a small PDF to France's CL-1; return its id."""
    from questionnaire.services import evidence

    from ..evidence.conftest import pdf

    fra = services.find_assessment("2026", "FRA")
    return evidence.attach(user, fra, "CL-1", data=pdf(), filename="loi.pdf", title="Loi", shared=True).id


def _path(rule: Any, values: dict[str, Any], hostile: tuple[str, str] | None = None) -> str:
    def replace(match: re.Match[str]) -> str:
        name = match.group(2)
        if hostile is not None and hostile[0] == name:
            return hostile[1]
        return quote(str(values[name]), safe="")

    return PARAM.sub(replace, rule.rule)


def _requests(rule: Any, world: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """Every (method, url, request arguments) tried against one route."""
    methods = sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
    params = [m.group(2) for m in PARAM.finditer(rule.rule)]
    valid = _path(rule, world)
    urls = [_path(rule, world, (name, value)) for name in params for value in HOSTILE_SEGMENTS]
    queries = [
        "&".join(f"{key}={quote(value, safe='')}" for key in QUERY_KEYS)
        for value in ("\r\nX-Injected: 1", "\x00", "9223372036854775808", "x" * 3000)
    ]
    queries += ["next=%2Fx%0D%0AX:1", "%FF=%FE&a[]=1&a[]=2&=&&", "country=FRA&country=" + "DEU&country=" * 300]
    cases: list[tuple[str, str, dict[str, Any]]] = []
    for method in methods:
        cases += [(method, url, {}) for url in urls]
        cases += [(method, f"{valid}?{query}", {}) for query in queries]
        if method in ("POST", "PUT"):
            for value in HOSTILE_VALUES:
                cases.append((method, valid, {"data": dict.fromkeys(FORM_KEYS, value)}))
            raw = "&".join(f"{key}=%FF%FE%00" for key in FORM_KEYS).encode()
            cases.append((method, valid, {"data": raw, "content_type": "application/x-www-form-urlencoded"}))
            if rule.rule.startswith("/api/"):
                for body in JSON_BODIES:
                    cases.append((method, valid, {"data": json.dumps(body), "content_type": "application/json"}))
                cases.append((method, valid, {"data": b"{not json", "content_type": "application/json"}))
                cases.append((method, valid, {"data": b"\xff\xfe\x00", "content_type": "application/json"}))
    return cases


@pytest.mark.parametrize("route", _route_ids())
def test_no_hostile_input_makes_a_server_error(make_client, app, world, route) -> None:  # type: ignore[no-untyped-def]
    endpoint, path = route.split(":", 1)
    rule = next(r for r in _routes(app) if r.endpoint == endpoint and r.rule == path)
    failures = []
    for role in ROLES:
        limiter.reset()  # each role's walk starts below the sign-in limits
        client = make_client()
        headers: dict[str, str] = {}
        csrf = ""
        if role != "anonymous":
            if rule.rule.startswith("/api/"):
                headers["Authorization"] = f"Bearer {world['tokens'][role]}"
            else:
                client.login(role)
                csrf = client.csrf_token("/account")
        for method, url, kwargs in _requests(rule, world):
            if isinstance(kwargs.get("data"), dict):
                kwargs = {"data": {**kwargs["data"], "csrf_token": csrf or "x"}}
            elif kwargs.get("content_type") == "application/x-www-form-urlencoded":
                kwargs = {**kwargs, "data": kwargs["data"] + f"&csrf_token={csrf}".encode()}
            response = client.open(url, method=method, headers=headers, **kwargs)
            if response.status_code >= 500:
                failures.append(f"{role} {method} {url[:120]} -> {response.status_code}")
            for name, value in response.headers.items():
                assert "\r" not in value and "\n" not in value, f"{role} {method} {url[:120]}: header {name} split"
                assert name.lower() != "x-injected", f"{role} {method} {url[:120]}: header injected"
    assert not failures, "\n".join(failures[:20])
