"""Configuration: defaults, then the environment, then what the caller passes."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

PACKAGE_DIR = Path(__file__).resolve().parent
#: Where a wheel keeps its copy of the product's top-level files (templates/, static/,
#: obligations.yaml, docs/methodology.md): pyproject.toml puts them there at build time.
SHIPPED = PACKAGE_DIR / "_shipped"


def resource(name: str) -> Path:
    """Return one of the product's top-level files or folders: the wheel's copy when installed, else the checkout's."""
    shipped = SHIPPED / name
    return shipped if shipped.exists() else PACKAGE_DIR.parent / name


PROJECT_ROOT = PACKAGE_DIR.parent  # the checkout (tests and benchmarks read its files)
DEFAULT_CATALOGUE = resource("obligations.yaml")
INSECURE_KEYS = {"", "dev", "change-me", "changeme", "secret", "demo", "test"}
# Words that mark a key copied from an example rather than generated.
# Six letters or more, so that a generated key practically never contains one by chance.
PLACEHOLDER_WORDS = (
    "change",
    "replace",
    "example",
    "placeholder",
    "secret",
    "insecure",
    "default",
    "password",
    "sample",
    "xxxxxx",
)
MIN_KEY_LENGTH = 32
MIN_KEY_DISTINCT = 6  # even 32 hexadecimal digits practically always have 10 or more


class ConfigurationError(RuntimeError):
    """The configuration is not safe or not complete enough to start."""


def defaults(instance_path: str) -> dict[str, Any]:
    """Return the built-in defaults."""
    return {
        "SQLALCHEMY_DATABASE_URI": "sqlite:///" + os.path.join(instance_path, "questionnaire.db"),
        "SQLALCHEMY_ENGINE_OPTIONS": {},
        "CATALOGUE_PATH": str(DEFAULT_CATALOGUE),
        "REDIS_URL": None,
        "SECRET_KEY": None,
        # Runs for demo and tests only; production must say nothing and set SECRET_KEY.
        "ALLOW_INSECURE_SECRET": False,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": False,
        "SESSION_COOKIE_NAME": "thbq_session",
        "PERMANENT_SESSION_LIFETIME": 12 * 3600,
        # The cookie holds only the sign-in session's secret; it is re-signed when it
        # changes and when the server-side session is extended (every ten minutes of
        # activity), not on every request.
        "SESSION_REFRESH_EACH_REQUEST": False,
        # A form kept open for a working day still saves; an older token is
        # answered with the typed data and a request to save again.
        "WTF_CSRF_TIME_LIMIT": 12 * 3600,
        "MAX_CONTENT_LENGTH": 8 * 1024 * 1024,
        "MAX_FORM_MEMORY_SIZE": 2 * 1024 * 1024,
        "MAX_FORM_PARTS": 2000,
        "LOGIN_RATE_LIMIT": "10 per 15 minutes",
        "RATELIMIT_HEADERS_ENABLED": True,
        # Redis down: keep limiting, per process, rather than failing every sign-in.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "BABEL_DEFAULT_LOCALE": "en",
        "LANGUAGES": ["en", "fr", "es", "ar"],
        "PREFERRED_URL_SCHEME": "http",
        "BEHIND_HTTPS_PROXY": False,
        # Reviewers and admins sign in with a second factor.  Only demo and test configurations
        # may turn this off (`check` refuses it elsewhere); demo accounts are never asked.
        "SECOND_FACTOR_REQUIRED": True,
        # Where links in e-mail sent outside a request (reminders, digests) point to.
        "BASE_URL": "http://127.0.0.1:5000/",
        "REPORT_TIMEOUT_SECONDS": 60,
        "REPORT_MEMORY_MB": 1024,
    }


def from_environment() -> dict[str, Any]:
    """Read the settings an operator may give as environment variables."""
    env = os.environ
    config: dict[str, Any] = {}
    if env.get("DATABASE_URL"):
        config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(env["DATABASE_URL"])
    for name in ("SECRET_KEY", "REDIS_URL", "CATALOGUE_PATH"):
        if env.get(name):
            config[name] = env[name]
    if env.get("SECRET_KEY_FALLBACKS"):
        # Old keys still accepted for sign-in cookies during a planned rotation (newest first).
        keys = env["SECRET_KEY_FALLBACKS"].split(",")
        config["SECRET_KEY_FALLBACKS"] = [k.strip() for k in keys if k.strip()]
    if env.get("BEHIND_HTTPS_PROXY", "").lower() in ("1", "true", "yes"):
        config["BEHIND_HTTPS_PROXY"] = True
    for name in ("REPORT_QUEUE", "MEETING_PACK_FOLDER", *TEXT_MAIL_SETTINGS, "BASE_URL"):
        if env.get(name):
            config[name] = env[name]
    for name in ("MAIL_USE_TLS", "MAIL_USE_SSL"):
        if env.get(name):
            config[name] = _flag(name, env[name])
    if config.get("MAIL_USE_TLS") and config.get("MAIL_USE_SSL"):
        raise ConfigurationError(
            "MAIL_USE_TLS (STARTTLS) and MAIL_USE_SSL cannot both be on: choose the one your server speaks"
        )
    numbers = ("REPORT_CONCURRENCY", "REPORT_TIMEOUT_SECONDS", "REPORT_MEMORY_MB", "MEETING_PACK_TIMEOUT_SECONDS")
    # EVIDENCE_MAX_BYTES: services.evidence, default 20 MiB; MAIL_PORT and MAIL_TIMEOUT: questionnaire.mail.
    for name in (*numbers, "EVIDENCE_MAX_BYTES", "MAIL_PORT", "MAIL_TIMEOUT"):
        if env.get(name):
            try:
                value = int(env[name])
            except ValueError:
                raise ConfigurationError(f"{name} must be a whole number, not {env[name]!r}") from None
            if value <= 0:
                raise ConfigurationError(f"{name} must be greater than 0, not {value}")
            config[name] = value
    return config


# E-mail (questionnaire/mail.py): without MAIL_SERVER messages are written to the log.
TEXT_MAIL_SETTINGS = ("MAIL_SERVER", "MAIL_USERNAME", "MAIL_PASSWORD", "MAIL_FROM", "MAIL_QUEUE")


def _flag(name: str, value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off", ""):
        return False
    raise ConfigurationError(f"{name} must be true or false, not {value!r}")


def normalise_database_url(url: str) -> str:
    """Use the psycopg 3 driver for plain postgres:// and postgresql:// URLs."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def check(config: dict[str, Any]) -> None:
    """Refuse to start with settings that are unsafe outside demo and tests."""
    if not config.get("SECOND_FACTOR_REQUIRED", True) and not (
        config.get("TESTING") or config.get("ALLOW_INSECURE_SECRET")
    ):
        raise ConfigurationError("SECOND_FACTOR_REQUIRED may be turned off only for demo and tests")
    if config.get("ALLOW_INSECURE_SECRET"):
        return
    if config.get("DEBUG"):
        # The debugger runs code typed into the browser; never outside a developer's machine.
        raise ConfigurationError("DEBUG must not be enabled outside demo and tests (unset FLASK_DEBUG)")
    problem = secret_key_problem(config.get("SECRET_KEY"))
    if problem:
        raise ConfigurationError(
            f"SECRET_KEY {problem}: set it to a random value of at least {MIN_KEY_LENGTH} "
            "characters (for example: python -c 'import secrets; print(secrets.token_urlsafe(48))')"
        )


def secret_key_problem(key: Any) -> str | None:
    """Return what is wrong with a SECRET_KEY for production, or None if it looks generated."""
    if not key or not str(key).strip():
        return "is not set"
    text = str(key)
    if text.strip().lower() in INSECURE_KEYS:
        return "is a well-known placeholder"
    if len(text) < MIN_KEY_LENGTH:
        return f"is too short ({len(text)} characters)"
    lowered = text.lower()
    if any(word in lowered for word in PLACEHOLDER_WORDS):
        return "looks like a placeholder copied from an example"
    if len(set(text)) < MIN_KEY_DISTINCT:
        return "is not random (too few different characters)"
    return None
