"""Fixtures shared by the whole suite.

The database is SQLite in a temporary file unless TEST_DATABASE_URL names
another (CI runs the suite a second time against PostgreSQL).  The schema is
built once per run by the Alembic migrations, so the migrations are tested on
every run; each test then starts from empty tables (countries kept).
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, delete, text

from questionnaire import create_app
from questionnaire.auth import hash_password, limiter
from questionnaire.db import Base, db
from questionnaire.models import Role, User

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery staple"
# The declaration the submit form asks for (services/declarations.py), as the browser posts it.
DECLARATION = {
    "name": "Claire Martin",
    "position": "Head of the anti-trafficking unit",
    "ministry": "Ministry of the Interior",
}
_PASSWORD_HASH = hash_password(PASSWORD)  # argon2id is slow on purpose: hash once per run
_KEEP = {"country", "alembic_version"}


def _database_url(tmp_root: Path) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        from questionnaire.config import normalise_database_url

        return normalise_database_url(url)
    return f"sqlite:///{tmp_root / 'test.db'}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Create the test database's schema once, through the migrations."""
    url = _database_url(tmp_path_factory.mktemp("db"))
    if url.startswith("postgresql"):
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    app = create_app(_config(url))
    with app.app_context():
        from questionnaire.seed import ensure_schema

        ensure_schema()
        db.engine.dispose()
    return url


def _config(url: str, **extra: Any) -> dict[str, Any]:
    return {
        "TESTING": True,
        # Reviewers and admins of most tests sign in with a password alone; the tests of two-factor
        # sign-in (tests/accounts/) turn this back on, as it is in production.
        "SECOND_FACTOR_REQUIRED": False,
        "SECRET_KEY": secrets.token_hex(32),
        "SQLALCHEMY_DATABASE_URI": url,
        "RATELIMIT_STORAGE_URI": "memory://",
        **extra,
    }


def _empty_tables() -> None:
    for table in reversed(Base.metadata.sorted_tables):
        if table.name not in _KEEP:
            db.session.execute(delete(table))
    db.session.commit()


@pytest.fixture
def app_config() -> dict[str, Any]:
    """Extra configuration a test module may override."""
    return {}


@pytest.fixture
def app(database_url: str, app_config: dict[str, Any]) -> Iterator[Flask]:
    """An application on empty tables."""
    application = create_app(_config(database_url, **app_config))
    with application.app_context():
        _empty_tables()
        limiter.reset()
        yield application
        db.session.remove()
        _empty_tables()
        db.engine.dispose()


class Client(FlaskClient):
    """A test client that signs in and sends forms with their CSRF token.

    Each request runs in a fresh application context, as in production: the
    test's own context (and its `g` and database session) is not shared.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        with self.application.app_context():
            return super().open(*args, **kwargs)

    def login(self, email: str, password: str = PASSWORD) -> Any:
        """Sign in through the form (and the second factor, for an account that has one); fail the test if
        it does not work."""
        token = self.csrf_token("/login")
        response = self.post("/login", data={"email": email, "password": password, "csrf_token": token})
        assert response.status_code == 302, f"sign-in failed for {email}: {response.status_code}"
        if response.headers["Location"].endswith("/login/second-factor"):
            code = next_code(email)
            token = self.csrf_token("/login/second-factor")
            response = self.post("/login/second-factor", data={"code": code, "csrf_token": token})
            assert response.status_code == 302, f"second factor refused for {email}: {response.status_code}"
        return response

    def csrf_token(self, page: str = "/login") -> str:
        """Read a CSRF token from a page's form."""
        html = self.get(page).get_data(as_text=True)
        match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html)
        if not match:
            match = re.search(r'id="csrf_token" name="csrf_token" type="hidden" value="([^"]+)"', html)
        assert match, f"no CSRF token on {page}"
        return match.group(1)

    def post_form(self, url: str, data: dict[str, Any] | None = None, page: str | None = None, **kwargs: Any) -> Any:
        """POST a form with a valid CSRF token taken from `page` (default: the same URL)."""
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf_token(page or url))
        return self.post(url, data=data, **kwargs)


@pytest.fixture
def client(app: Flask) -> Client:
    app.test_client_class = Client
    return app.test_client()  # type: ignore[return-value]


@pytest.fixture
def make_client(app: Flask) -> Any:
    """Return a factory of independent clients (separate cookie jars)."""
    app.test_client_class = Client

    def factory() -> Client:
        return app.test_client()  # type: ignore[return-value]

    return factory


def next_code(email: str, after: int = 0) -> str:
    """Return a code of the account's authenticator app that it has not used yet (this or a later time step)."""
    import time

    import pyotp

    with db.engine.connect() as connection:
        secret, last = connection.execute(
            text("SELECT totp_secret, totp_last_step FROM user_account WHERE email = :email"), {"email": email}
        ).one()
    totp = pyotp.TOTP(secret)
    now = int(time.time() // totp.interval)
    step = max(now, (last if last is not None else now - 1) + 1) + after
    assert step <= now + 1, f"{email} used this time step's code already; the next is not yet accepted"
    return str(totp.generate_otp(step))


def enrol(user: User) -> list[str]:
    """Give the account a confirmed second factor; return its recovery codes."""
    import pyotp

    from questionnaire import two_factor

    two_factor.begin_enrolment(user)
    codes = two_factor.confirm_enrolment(user, pyotp.TOTP(user.totp_secret).now())
    assert codes is not None
    user.totp_last_step = None  # the enrolment's code does not count against the first sign-in
    db.session.commit()
    return codes


def add_user(email: str, role: str, country: str | None = None, active: bool = True) -> User:
    """Create an account directly (password: PASSWORD)."""
    user = User(email=email, role=role, country_iso3=country, password_hash=_PASSWORD_HASH, active=active)
    db.session.add(user)
    db.session.commit()
    return user


@pytest.fixture
def users(app: Flask) -> dict[str, User]:
    """A respondent of France, one of Germany, a reviewer and an admin."""
    return {
        "fra": add_user("fra@example.org", Role.RESPONDENT, "FRA"),
        "deu": add_user("deu@example.org", Role.RESPONDENT, "DEU"),
        "reviewer": add_user("reviewer@example.org", Role.REVIEWER),
        "admin": add_user("admin@example.org", Role.ADMIN),
    }


@pytest.fixture
def cycle(app: Flask) -> Any:
    """An open cycle 2026 on the current catalogue."""
    from questionnaire import services

    return services.create_cycle("2026", "Self-assessment 2026")


REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def usable_redis(url: str) -> str:
    """Return `url` with its database emptied; skip when Redis does not answer there.

    Under REQUIRE_REDIS=1 (as in CI) a Redis that does not answer fails the test instead.
    """
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("REQUIRE_REDIS") == "1":
            pytest.fail(f"Redis is required but does not answer at {url}")
        pytest.skip(f"Redis does not answer at {url} (set TEST_REDIS_URL)")
    client.flushdb()
    client.close()
    return url


@pytest.fixture
def redis_url() -> str:
    """A Redis URL for the test (database 15, emptied): see `usable_redis`."""
    return usable_redis(REDIS_URL)


@pytest.fixture
def catalogue(app: Flask) -> Any:
    from questionnaire.catalogue_store import current_catalogue

    return current_catalogue()


# ---------------------------------------------------------------------------
# A real browser against a real server
# ---------------------------------------------------------------------------

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]


def _browser_unavailable() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright Python package is not installed"
    if not Path(CHROMIUM).exists():
        return f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """A headless Debian Chromium driven by Playwright (skips, or fails under REQUIRE_BROWSER=1)."""
    reason = _browser_unavailable()
    if reason:
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"browser tests are required but cannot run: {reason}")
        pytest.skip(f"browser test skipped: {reason}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """Serve the test application on a free loopback port; yield its base URL."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh browser page (own cookies), desktop size."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


def browser_login(page: Any, base_url: str, email: str, password: str = PASSWORD) -> None:
    """Sign in through the real form."""
    page.goto(f"{base_url}/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.locator("main").get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/login" not in url)


# --------------------------------------------------------------------------
# A real SMTP server on loopback, for the e-mail tests
# --------------------------------------------------------------------------


class Mailbox:
    """What the loopback SMTP server received, as parsed messages."""

    def __init__(self) -> None:
        import threading

        self.messages: list[Any] = []
        self.refuse: set[str] = set()  # addresses the server answers 550 for
        self.fail_next = 0  # how many next deliveries the server answers 451 (try again later)
        self._lock = threading.Lock()
        self.port = 0

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:  # noqa: N802
        if address in self.refuse:
            return "550 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        import email
        from email import policy

        with self._lock:
            if self.fail_next:
                self.fail_next -= 1
                return "451 Try again later"
            message = email.message_from_bytes(envelope.content, policy=policy.default)
            self.messages.append(message)
        return "250 Message accepted for delivery"

    def clear(self) -> None:
        with self._lock:
            self.messages.clear()
            self.refuse.clear()
            self.fail_next = 0

    def wait_for(self, count: int, timeout: float = 15.0) -> list[Any]:
        """Wait until the server has received `count` messages; return them (fail the test otherwise)."""
        import time

        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(self.messages) >= count, f"expected {count} messages, received {len(self.messages)}"
        return list(self.messages)

    def wait_to(self, address: str, count: int = 1, timeout: float = 15.0) -> list[Any]:
        """Wait until `count` messages for one address have arrived; return them (fail the test otherwise)."""
        import time

        deadline = time.monotonic() + timeout
        while len(self.to(address)) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        found = self.to(address)
        assert len(found) >= count, f"expected {count} messages to {address}, received {len(found)}"
        return found

    def to(self, address: str) -> list[Any]:
        """Return the messages received for one address."""
        return [m for m in self.messages if address in str(m["To"])]


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[Mailbox]:
    """Start a real SMTP server (aiosmtpd) on a free loopback port for the whole run."""
    import socket

    from aiosmtpd.controller import Controller

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    mailbox.port = port
    try:
        yield mailbox
    finally:
        controller.stop()


@pytest.fixture
def mailbox(smtp_server: Mailbox) -> Iterator[Mailbox]:
    """The loopback SMTP server's mailbox, empty at the start of the test."""
    from questionnaire import mail

    smtp_server.clear()
    yield smtp_server
    mail.wait_until_sent(10)
    smtp_server.clear()


def mail_config(mailbox: Mailbox, **extra: Any) -> dict[str, Any]:
    """Return the settings that send e-mail to the loopback server (retries after 0.1 s and 0.2 s)."""
    return {
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": mailbox.port,
        "MAIL_FROM": "THB platform <no-reply@thb.test>",
        "MAIL_TIMEOUT": 5,
        "MAIL_RETRY_DELAYS": (0.1, 0.2),
        **extra,
    }


def link_in(message: Any) -> str:
    """Return the first link of a received message's plain text."""
    body = message.get_body(preferencelist=("plain",)).get_content()
    match = re.search(r"https?://\S+", body)
    assert match, f"no link in: {body}"
    return match.group(0)
