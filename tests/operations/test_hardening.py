"""Hardening: security headers, cookies, size limits, unsafe settings refused, shared limits."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any

import pytest

from questionnaire import create_app, services
from questionnaire.config import ConfigurationError, secret_key_problem

from ..conftest import PASSWORD, Client  # type: ignore[import-not-found]  # noqa: TID252

ROOT = Path(__file__).resolve().parents[2]
GOOD_KEY = secrets.token_urlsafe(48)


@pytest.fixture
def app_config() -> dict[str, Any]:
    # Let an unhandled error become the 500 page, as in production.
    return {"PROPAGATE_EXCEPTIONS": False}


def directives(csp: str) -> dict[str, list[str]]:
    out = {}
    for part in csp.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


def assert_hardened(response: Any, where: str) -> None:
    headers = response.headers
    csp = headers.get("Content-Security-Policy")
    assert csp, f"{where}: no Content-Security-Policy"
    policy = directives(csp)
    script = policy.get("script-src") or policy["default-src"]
    assert "'unsafe-inline'" not in script and "'unsafe-eval'" not in script, where
    assert "'unsafe-inline'" not in (policy.get("style-src") or policy["default-src"]), where
    assert policy.get("frame-ancestors") == ["'none'"], where
    assert policy.get("object-src") == ["'none'"], where
    assert headers.get("X-Frame-Options") == "DENY", where
    assert headers.get("X-Content-Type-Options") == "nosniff", where
    assert headers.get("Referrer-Policy") == "same-origin", where
    assert headers.get("Cross-Origin-Opener-Policy") == "same-origin", where
    assert "Strict-Transport-Security" not in headers, f"{where}: HSTS over plain HTTP"


ANONYMOUS = [
    ("GET", "/login", 200),
    ("GET", "/", 302),
    ("GET", "/healthz", 200),
    ("GET", "/static/css/app.css", 200),
    ("GET", "/no/such/page", 404),
    ("GET", "/logout", 405),
    ("POST", "/login", 400),  # no CSRF token
    ("GET", "/cycles/2026/countries/FRA/", 302),
    ("GET", "/api/v1/cycles", 401),
]
SIGNED_IN = [
    ("GET", "/", 200),
    ("GET", "/account", 200),
    ("GET", "/cycles/2026/countries/FRA/", 200),
    ("GET", "/cycles/2026/countries/FRA/sections/criminal-law", 200),
    ("GET", "/cycles/2026/countries/FRA/history", 200),
    ("GET", "/cycles/2026/countries/DEU/", 404),  # another country's draft
    ("GET", "/boom", 500),
]


@pytest.fixture
def fra_client(app, client, users, cycle) -> Any:  # type: ignore[no-untyped-def]
    def boom() -> str:
        raise RuntimeError("an unexpected failure")

    app.add_url_rule("/boom", "boom", boom)
    services.start_assessment(users["fra"], cycle, "FRA")
    services.start_assessment(users["deu"], cycle, "DEU")
    return client


@pytest.mark.parametrize(("method", "path", "status"), ANONYMOUS, ids=[f"{m} {p}" for m, p, _ in ANONYMOUS])
def test_every_anonymous_response_carries_the_security_headers(client, cycle, method, path, status) -> None:  # type: ignore[no-untyped-def]
    response = client.open(path, method=method)
    assert response.status_code == status
    assert_hardened(response, f"{method} {path}")
    if path.startswith("/static/"):
        assert "no-store" not in response.headers.get("Cache-Control", "")
    else:
        assert response.headers.get("Cache-Control") == "no-store"


@pytest.mark.parametrize(("method", "path", "status"), SIGNED_IN, ids=[f"{m} {p}" for m, p, _ in SIGNED_IN])
def test_every_signed_in_response_carries_the_security_headers(fra_client, users, method, path, status) -> None:  # type: ignore[no-untyped-def]
    fra_client.login(users["fra"].email)
    response = fra_client.open(path, method=method)
    assert response.status_code == status
    assert_hardened(response, f"{method} {path}")
    assert response.headers.get("Cache-Control") == "no-store"
    if status == 500:
        assert "an unexpected failure" not in response.get_data(as_text=True)  # no traceback shown


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<[^>]+\sstyle\s*=", re.IGNORECASE)


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/account",
        "/cycles/2026/countries/FRA/",
        "/cycles/2026/countries/FRA/sections/criminal-law",
        "/no/such/page",
    ],
)
def test_pages_need_no_inline_script_or_style_so_the_policy_breaks_nothing(fra_client, users, path) -> None:  # type: ignore[no-untyped-def]
    fra_client.login(users["fra"].email)
    html = fra_client.get(path).get_data(as_text=True)
    assert not INLINE_SCRIPT.findall(html)
    assert not INLINE_HANDLER.findall(html)
    assert not INLINE_STYLE.findall(html)


# ---------------------------------------------------------------------------
# Behind an HTTPS proxy
# ---------------------------------------------------------------------------


def _app(database_url: str, **extra: Any) -> Any:
    config = {
        "TESTING": True,
        "SECRET_KEY": GOOD_KEY,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "RATELIMIT_STORAGE_URI": "memory://",
        **extra,
    }
    application = create_app(config)
    application.test_client_class = Client
    return application


HTTPS = {
    "X-Forwarded-Proto": "https",
    "X-Forwarded-For": "203.0.113.9",
    "X-Forwarded-Host": "thb.example.org",
}


def test_behind_an_https_proxy_hsts_is_sent_and_cookies_are_secure(app, database_url, users) -> None:  # type: ignore[no-untyped-def]
    proxied = _app(database_url, BEHIND_HTTPS_PROXY=True)
    client = proxied.test_client()
    # The app is reached over plain HTTP: only the trusted proxy's header says HTTPS.
    page = client.get("/login", base_url="http://localhost", headers=HTTPS)
    assert page.headers["Strict-Transport-Security"].startswith("max-age=63072000")
    assert_hardened_but_https(page)
    # A browser signing in: it sends the secure cookie back only over HTTPS and, as Flask-WTF
    # requires over HTTPS, a same-origin Referer (the host the proxy forwarded).
    page = client.get("/login", base_url="https://localhost", headers=HTTPS)
    html = page.get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert token
    signed_in = client.post(
        "/login",
        base_url="https://localhost",
        headers={**HTTPS, "Referer": "https://thb.example.org/login"},
        data={"email": users["fra"].email, "password": PASSWORD, "csrf_token": token.group(1)},
    )
    assert signed_in.status_code == 302
    assert signed_in.headers["Location"] in ("/", "https://thb.example.org/")
    cookies = [v for k, v in signed_in.headers.items() if k.lower() == "set-cookie"]
    session = [c for c in cookies if c.startswith("thbq_session=")]
    assert session, cookies
    flags = {part.strip().split("=")[0].lower(): part.strip() for part in session[0].split(";")[1:]}
    assert "secure" in flags and "httponly" in flags
    assert flags["samesite"].lower() == "samesite=lax"
    # A plain-HTTP request that reached the app without the proxy gets no HSTS.
    plain = proxied.test_client().get("/login", base_url="http://localhost")
    assert "Strict-Transport-Security" not in plain.headers


def assert_hardened_but_https(response: Any) -> None:
    assert response.headers.get("X-Frame-Options") == "DENY"
    assert "'unsafe-inline'" not in directives(response.headers["Content-Security-Policy"])["script-src"]


def test_without_the_proxy_setting_forwarded_headers_are_not_trusted(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/login", headers=HTTPS)
    assert "Strict-Transport-Security" not in response.headers
    assert_hardened(response, "GET /login with spoofed forwarding headers")


def test_session_cookies_are_httponly_and_samesite_over_plain_http(client, users) -> None:  # type: ignore[no-untyped-def]
    response = client.login(users["fra"].email)
    cookie = next(v for k, v in response.headers.items() if k.lower() == "set-cookie" and "thbq_session=" in v)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


# ---------------------------------------------------------------------------
# Size limits
# ---------------------------------------------------------------------------


def _multipart(fields: list[tuple[str, bytes]]) -> tuple[bytes, str]:
    boundary = "thbq-test-boundary"
    parts = [
        b"--"
        + boundary.encode()
        + b'\r\nContent-Disposition: form-data; name="'
        + name.encode()
        + b'"\r\n\r\n'
        + value
        + b"\r\n"
        for name, value in fields
    ]
    return b"".join(parts) + b"--" + boundary.encode() + b"--\r\n", f"multipart/form-data; boundary={boundary}"


MB = 1024 * 1024
FORM = "application/x-www-form-urlencoded"
OVERSIZED = {
    "body-over-8-MB": (b"email=" + b"a" * (9 * MB), FORM),
    "url-encoded-form-over-2-MB": (b"description=" + b"a" * (3 * MB), FORM),
    "multipart-field-over-2-MB": _multipart([("description", b"a" * (3 * MB))]),
    "multipart-over-2000-fields": _multipart([(f"f{i}", b"1") for i in range(2500)]),
    "json-over-2-MB": (b'{"description": "' + b"a" * (3 * MB) + b'"}', "application/json"),
}


@pytest.mark.parametrize("case", list(OVERSIZED))
def test_oversized_requests_are_refused_with_413(client, users, cycle, case) -> None:  # type: ignore[no-untyped-def]
    body, content_type = OVERSIZED[case]
    json_body = content_type == "application/json"
    path = "/api/v1/cycles/2026/countries/FRA/answers/CL-1" if json_body else "/login"
    response = client.open(
        path,
        method="PUT" if json_body else "POST",
        data=body,
        content_type=content_type,
        headers={"Authorization": "Bearer thbq_" + "x" * 43},
    )
    assert response.status_code == 413
    assert_hardened(response, f"413 on {path}")


def test_a_normal_section_save_is_well_under_the_limits(fra_client, users, catalogue) -> None:  # type: ignore[no-untyped-def]
    """The limits leave room: a whole section with every field at its maximum length still saves."""
    from questionnaire.forms import field_name
    from questionnaire.services import answers as rules

    fra_client.login(users["fra"].email)
    path = "/cycles/2026/countries/FRA/sections/criminal-law"
    data = {}
    for item in catalogue.items_in("criminal-law"):
        prefix = field_name(item.id)
        data.update(
            {
                f"{prefix}-rating": "partially",
                f"{prefix}-description": "d" * rules.MAX_DESCRIPTION,
                f"{prefix}-legal_references": "\n".join(["r" * rules.MAX_REFERENCE] * rules.MAX_REFERENCES),
                f"{prefix}-evidence_links": "\n".join(
                    [f"https://example.org/{i}/" + "l" * 1900 for i in range(rules.MAX_LINKS)]
                ),
                f"{prefix}-assistance_kind": "training",
                f"{prefix}-assistance_description": "a" * rules.MAX_ASSISTANCE,
                f"{prefix}-justification": "j" * rules.MAX_JUSTIFICATION,
                f"{prefix}-version": "0",
                f"{prefix}-original": "",
            }
        )
    response = fra_client.post_form(path, data, headers={"X-Autosave": "1"})
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert len(response.get_json()["saved"]) == len(catalogue.items_in("criminal-law"))


# ---------------------------------------------------------------------------
# Refusing unsafe configuration
# ---------------------------------------------------------------------------


@pytest.fixture
def production_env(monkeypatch: pytest.MonkeyPatch, database_url: str) -> None:
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    monkeypatch.setenv("DATABASE_URL", database_url)


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        (None, "is not set"),
        ("", "is not set"),
        ("change-me", "well-known placeholder"),
        ("too-short-Xk29", "too short"),
        ("change-me-to-a-long-random-string-please!!", "placeholder"),
        ("your-secret-key-goes-here-0123456789", "placeholder"),
        ("b" * 48, "not random"),
        ("abcabcabcabcabcabcabcabcabcabcabcabc", "not random"),
    ],
)
def test_the_production_configuration_refuses_to_start_without_a_real_secret_key(
    production_env, monkeypatch, key, reason
) -> None:  # type: ignore[no-untyped-def]
    if key is not None:
        monkeypatch.setenv("SECRET_KEY", key)
    with pytest.raises(ConfigurationError, match=reason):
        create_app()
    with pytest.raises(ConfigurationError, match=reason):
        create_app({"SECRET_KEY": key})


def test_a_generated_key_is_accepted(production_env, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SECRET_KEY", GOOD_KEY)
    assert create_app().config["SECRET_KEY"] == GOOD_KEY
    for _ in range(2000):
        assert secret_key_problem(secrets.token_urlsafe(48)) is None
        assert secret_key_problem(secrets.token_hex(16)) is None


def test_the_debugger_is_refused_in_production(production_env, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SECRET_KEY", GOOD_KEY)
    with pytest.raises(ConfigurationError, match="DEBUG"):
        create_app({"DEBUG": True})
    monkeypatch.setenv("FLASK_DEBUG", "1")
    with pytest.raises(ConfigurationError, match="DEBUG"):
        create_app()


def test_the_wsgi_entry_point_does_not_start_without_a_secret_key(database_url) -> None:  # type: ignore[no-untyped-def]
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "FLASK_DEBUG")}
    env.update(DATABASE_URL=database_url, PYTHONPATH=str(ROOT))
    done = subprocess.run(
        [sys.executable, "-c", "import questionnaire.wsgi"],
        env=env,
        cwd=str(ROOT),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode != 0
    assert "ConfigurationError: SECRET_KEY is not set" in done.stderr


# ---------------------------------------------------------------------------
# Rate limits shared between processes through Redis
# ---------------------------------------------------------------------------


class _Browser:
    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def failed_login(self, email: str) -> int:
        with self.opener.open(self.base + "/login", timeout=30) as page:
            token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.read().decode())
        assert token
        data = urllib.parse.urlencode({"email": email, "password": "wrong password!", "csrf_token": token.group(1)})
        try:
            with self.opener.open(self.base + "/login", data.encode(), timeout=30) as response:
                return int(response.status)
        except urllib.error.HTTPError as error:
            return int(error.code)


@pytest.mark.slow
@pytest.mark.parametrize("shared", [True, False], ids=["redis", "memory-per-process"])
def test_sign_in_limits_are_shared_by_every_process_through_redis(
    app, database_url, server_factory, redis_url, shared
) -> None:  # type: ignore[no-untyped-def]
    env = {"REDIS_URL": redis_url} if shared else {}
    key = secrets.token_urlsafe(48)
    first = server_factory(database_url, key, workers=1, extra_env=env).start()
    second = server_factory(database_url, key, workers=1, extra_env=env).start()
    browsers = [_Browser(first.base), _Browser(second.base)]
    email = f"someone-{secrets.token_hex(4)}@example.org"
    statuses = [browsers[n % 2].failed_login(email) for n in range(12)]
    if shared:
        # 10 per account in 15 minutes, counted across both servers: the 11th is refused.
        assert statuses[:10] == [401] * 10 and statuses[10:] == [429, 429], statuses
    else:
        # Without Redis each process counts alone: 6 attempts each, none refused.
        assert statuses == [401] * 12, statuses


@pytest.mark.slow
def test_sign_in_still_works_when_redis_is_down(app, database_url, server_factory, users) -> None:  # type: ignore[no-untyped-def]
    from .conftest import free_port

    down = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    server = server_factory(database_url, secrets.token_urlsafe(48), workers=1, extra_env={"REDIS_URL": down}).start()
    browser = _Browser(server.base)
    assert browser.failed_login(users["fra"].email) == 401  # answered, not a server error


# ---------------------------------------------------------------------------
# Rotating SECRET_KEY
# ---------------------------------------------------------------------------


def _signed_in_cookie(database_url: str, key: str, email: str) -> str:
    client = _app(database_url, SECRET_KEY=key).test_client()
    client.login(email)
    cookie = client.get_cookie("thbq_session")
    assert cookie is not None
    return cookie.value


def _start_page_status(application: Any, cookie: str) -> int:
    client = application.test_client()
    client.set_cookie("thbq_session", cookie)
    return int(client.get("/").status_code)


def test_a_new_secret_key_signs_everyone_out_unless_the_old_one_is_a_fallback(
    app, database_url, users, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    old, new = secrets.token_urlsafe(48), secrets.token_urlsafe(48)
    cookie = _signed_in_cookie(database_url, old, users["fra"].email)
    assert _start_page_status(_app(database_url, SECRET_KEY=old), cookie) == 200
    assert _start_page_status(_app(database_url, SECRET_KEY=new), cookie) == 302  # to /login
    monkeypatch.setenv("SECRET_KEY_FALLBACKS", f"{secrets.token_urlsafe(48)}, {old}")
    assert _start_page_status(_app(database_url, SECRET_KEY=new), cookie) == 200


def test_report_limits_come_from_the_environment(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from questionnaire.config import ConfigurationError, from_environment

    monkeypatch.setenv("REPORT_TIMEOUT_SECONDS", "90")
    monkeypatch.setenv("MEETING_PACK_FOLDER", "/srv/packs")
    assert from_environment()["REPORT_TIMEOUT_SECONDS"] == 90
    assert from_environment()["MEETING_PACK_FOLDER"] == "/srv/packs"
    monkeypatch.setenv("REPORT_CONCURRENCY", "two")
    with pytest.raises(ConfigurationError, match="REPORT_CONCURRENCY must be a whole number, not 'two'"):
        from_environment()
    monkeypatch.setenv("REPORT_CONCURRENCY", "0")
    with pytest.raises(ConfigurationError, match="REPORT_CONCURRENCY must be greater than 0"):
        from_environment()


def test_a_views_own_security_header_is_kept_and_not_doubled_but_never_its_caching(app, client) -> None:  # type: ignore[no-untyped-def]
    @app.get("/test-own-headers")
    def own_headers():  # type: ignore[no-untyped-def]
        return "ok", 200, {"x-frame-options": "SAMEORIGIN", "cache-control": "private, max-age=60", "ETag": '"x"'}

    response = client.get("/test-own-headers")
    assert response.headers.getlist("X-Frame-Options") == ["SAMEORIGIN"]
    assert response.headers.getlist("Cache-Control") == ["no-store"]  # decided in one place, for every view
    assert "ETag" not in response.headers
    assert response.headers.getlist("X-Content-Type-Options") == ["nosniff"]


@pytest.mark.parametrize(
    ("url", "pings"),
    [("sqlite:///{tmp}/x.db", False), ("postgresql+psycopg://nobody@127.0.0.1:1/none", True)],
)
def test_pooled_connections_are_tested_only_where_a_server_can_drop_them(tmp_path, url, pings) -> None:  # type: ignore[no-untyped-def]
    from questionnaire import create_app
    from questionnaire.db import db

    app = create_app(
        {"SECRET_KEY": "k" * 8 + secrets.token_hex(16), "SQLALCHEMY_DATABASE_URI": url.format(tmp=tmp_path)}
    )
    with app.app_context():
        assert db.engine.pool._pre_ping is pings


PRIVATE_DOWNLOADS = (
    ("fra@example.org", "/cycles/2026/countries/FRA/report.pdf"),
    ("fra@example.org", "/cycles/2026/countries/FRA/questionnaire.xlsx"),
    ("reviewer@example.org", "/cycles/2026/export/scores.csv"),
    ("reviewer@example.org", "/cycles/2026/export/answers.xlsx"),
    ("reviewer@example.org", "/cycles/2026/export/scores.json"),
)


@pytest.mark.parametrize(("email", "path"), PRIVATE_DOWNLOADS, ids=[p for _, p in PRIVATE_DOWNLOADS])
def test_every_private_download_is_no_store_without_validators(make_client, users, cycle, email, path) -> None:  # type: ignore[no-untyped-def]
    services.start_assessment(users["fra"], cycle, "FRA")
    client = make_client()
    client.login(email)
    for headers in ({}, {"If-None-Match": "*", "If-Modified-Since": "Fri, 01 Jan 2100 00:00:00 GMT"}):
        response = client.get(path, headers=headers)
        assert response.status_code == 200, path
        assert response.headers.getlist("Cache-Control") == ["no-store"]
        assert "ETag" not in response.headers and "Last-Modified" not in response.headers
        assert "Content-Disposition" in response.headers


def test_the_api_download_is_no_store_without_validators(app, users, cycle) -> None:  # type: ignore[no-untyped-def]
    from questionnaire.auth import issue_token

    services.start_assessment(users["fra"], cycle, "FRA")
    token = issue_token(users["fra"], "tests")
    response = app.test_client().get(
        "/api/v1/cycles/2026/countries/FRA/questionnaire.xlsx",
        headers={"Authorization": f"Bearer {token}", "If-None-Match": "*"},
    )
    assert response.status_code == 200
    assert response.headers.getlist("Cache-Control") == ["no-store"]
    assert "ETag" not in response.headers
    assert response.headers["Content-Disposition"].startswith("attachment;")
