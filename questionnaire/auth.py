"""Accounts: password hashing, server-side sign-in sessions, API tokens, rate limits."""

from __future__ import annotations

import functools
import hashlib
import re
import secrets
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import Flask, current_app, g, request, session
from flask_babel import gettext as _
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, login_user, logout_user
from sqlalchemy import Select, bindparam, delete, func, select, update
from sqlalchemy.orm import lazyload

from .db import db
from .models import ApiToken, LoginSession, Role, User, utcnow

# OWASP Password Storage Cheat Sheet / ASVS 5.0 appendix C: argon2id with at
# least 19 MiB of memory, 2 iterations, 1 degree of parallelism.
PASSWORD_HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256
# Verified against when the account does not exist, so timing does not reveal it.
_DUMMY_HASH = PASSWORD_HASHER.hash("not-a-real-password-" + secrets.token_hex(8))

login_manager = LoginManager()
limiter = Limiter(key_func=get_remote_address, default_limits=[], strategy="moving-window")


class AccountError(ValueError):
    """An account cannot be created or changed as asked; `field` names the form field at fault."""

    def __init__(self, message: str, field: str = "email"):
        super().__init__(message)
        self.field = field


def hash_password(password: str) -> str:
    """Hash a password with argon2id."""
    return PASSWORD_HASHER.hash(password)


# zxcvbn's guess estimate below which a password is refused as too easy to guess
# (its score 0 and 1: "too guessable" and "very guessable").
MIN_PASSWORD_GUESSES = 10**6
# Words of the e-mail address's local part or of the name shorter than this are not
# looked for on their own (so "of" or "the" in a name forbids nothing).
_MIN_PERSONAL_WORD = 4


def _personal_words(email: str, name: str) -> list[str]:
    """Return the parts of an account's e-mail address and name a password must not contain."""
    local = normalise_email(email).partition("@")[0]
    words = [w for w in re.split(r"[^\w]+", f"{local} {name.lower()}") if len(w) >= _MIN_PERSONAL_WORD]
    if len(local) >= 3:
        words.append(local)
    return sorted(set(words), key=len, reverse=True)


def check_password_policy(password: str, email: str = "", name: str = "") -> None:
    """Refuse passwords that are too short or too long, common, breached, personal or easy to guess.

    ASVS 5.0, 6.2: at least 12 characters and no composition rules; refused are
    the 30,000 most common passwords of public breaches (zxcvbn's list), passwords
    that contain the account's e-mail address or name, and passwords zxcvbn
    estimates can be guessed in under a million tries (a common word with a
    suffix, a keyboard row, a repeated sequence).
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(
            _("The password must have at least %(min)d characters.", min=MIN_PASSWORD_LENGTH), field="password"
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountError(
            _("The password must have at most %(max)d characters.", max=MAX_PASSWORD_LENGTH), field="password"
        )
    if password.lower() in _breached_passwords():
        raise AccountError(
            _(
                "This password is one of the most common passwords found in data breaches, "
                "so attackers try it first. Choose another."
            ),
            field="password",
        )
    lowered = password.lower()
    if any(word in lowered for word in _personal_words(email, name)):
        raise AccountError(_("The password must not contain your e-mail address or your name."), field="password")
    from zxcvbn import zxcvbn

    if float(zxcvbn(password)["guesses"]) < MIN_PASSWORD_GUESSES:
        raise AccountError(
            _(
                "This password is too easy to guess: it is made of a common word, name or pattern "
                "(a keyboard row, a repeated or sequential run). A few unrelated words make a strong password."
            ),
            field="password",
        )


@functools.cache
def _breached_passwords() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def verify_password(user: User | None, password: str) -> bool:
    """Check a password, spending the same time whether or not the account exists."""
    if len(password) > MAX_PASSWORD_LENGTH:
        return False
    stored = user.password_hash if user is not None else _DUMMY_HASH
    try:
        PASSWORD_HASHER.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
    if user is None or not user.active:
        return False
    if PASSWORD_HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = PASSWORD_HASHER.hash(password)
    return True


def normalise_email(email: str) -> str:
    """Compare e-mail addresses without regard to case or surrounding spaces."""
    return email.strip().lower()


def find_user(email: str) -> User | None:
    """Return the account with this e-mail address, if any."""
    return db.session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------
# Browser sessions
# --------------------------------------------------------------------------


def sign_in(user: User) -> None:
    """Start a new server-side session for this browser, replacing whatever it had."""
    session.clear()  # renew: nothing from before sign-in survives
    secret = secrets.token_urlsafe(32)
    lifetime = timedelta(seconds=int(current_app.config["PERMANENT_SESSION_LIFETIME"]))
    db.session.add(
        LoginSession(
            id=_digest(secret),
            user_id=user.id,
            expires_at=utcnow() + lifetime,
            address=(request.remote_addr or "")[:64],
            user_agent=(request.user_agent.string or "")[:300],
        )
    )
    user.last_login_at = utcnow()
    db.session.commit()
    user.login_secret = secret
    session.permanent = True
    login_user(user, remember=False)


def sign_out() -> None:
    """End this browser's session on the server, so a copied cookie is worthless."""
    secret = session.get("_user_id")
    if secret:
        db.session.execute(delete(LoginSession).where(LoginSession.id == _digest(str(secret))))
        db.session.commit()
    logout_user()
    session.clear()


def end_all_sessions(user: User) -> None:
    """Sign the user out everywhere (after a password change or deactivation)."""
    db.session.execute(delete(LoginSession).where(LoginSession.user_id == user.id))


def set_active(user: User, active: bool, by: User) -> None:
    """Deactivate or reactivate an account; deactivating signs it out everywhere."""
    if user.id == by.id and not active:
        raise AccountError(_("You cannot deactivate your own account."), field="active")
    user.active = active
    if not active:
        end_all_sessions(user)
    db.session.commit()


# Sliding expiry: activity extends a session, but the row is written at most this often.
_RENEW_AFTER = timedelta(minutes=10)


def session_user_statement() -> Select[User, datetime]:
    """The signed-in user's lookup: one indexed query for the session and its user (the user's
    country is loaded only where a page shows it)."""
    return (
        select(User, LoginSession.expires_at)
        .join(LoginSession, LoginSession.user_id == User.id)
        .where(LoginSession.id == bindparam("id"))
        .options(lazyload(User.country))
    )


# Speed: run on every request, so built once: building it and its cache key each time costs
# about 0.2 ms, an eighth of a cached section page (`benchmarks/machinery.py`, 2026-12-03).
_SESSION_USER = session_user_statement()


def _load_user(secret: str) -> User | None:
    session_id = _digest(secret)
    found = db.session.execute(_SESSION_USER, {"id": session_id}).first()
    if found is None:
        return None
    user, expires_at = found
    now = utcnow()
    if expires_at <= now or not user.active:
        db.session.execute(delete(LoginSession).where(LoginSession.id == session_id))
        db.session.commit()
        return None
    lifetime = timedelta(seconds=int(current_app.config["PERMANENT_SESSION_LIFETIME"]))
    if expires_at - now < lifetime - _RENEW_AFTER:
        db.session.execute(update(LoginSession).where(LoginSession.id == session_id).values(expires_at=now + lifetime))
        db.session.commit()
        # The cookie is re-sent only when the session changes (SESSION_REFRESH_EACH_REQUEST
        # is off): send it now, so its expiry slides with the server-side one.
        session.modified = True
    user.login_secret = secret
    # Read the language preference now: a save commits, which expires the user, and
    # translating its reply would otherwise query the user again.
    g.user_locale = user.locale
    return user


# --------------------------------------------------------------------------
# API tokens
# --------------------------------------------------------------------------

TOKEN_PREFIX = "thbq_"  # noqa: S105 - a public prefix, not a secret


def issue_token(user: User, label: str = "") -> str:
    """Create an API token for the user and return it (only its hash is kept)."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    db.session.add(ApiToken(user_id=user.id, token_hash=_digest(token), label=label[:100]))
    db.session.commit()
    return token


def tokens_of(user: User) -> list[ApiToken]:
    """Return a user's API tokens, newest first."""
    return list(
        db.session.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def revoke_tokens(user: User, token_id: int | None = None, commit: bool = True) -> int:
    """Revoke one of the user's tokens (or all of them); return how many were revoked."""
    query = select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    if token_id is not None:
        query = query.where(ApiToken.id == token_id)
    rows = list(db.session.scalars(query))
    for row in rows:
        row.revoked_at = utcnow()
    if commit:
        db.session.commit()
    return len(rows)


def active_token_counts() -> dict[int, int]:
    """Return how many unrevoked API tokens each account has (accounts with none are left out)."""
    rows = db.session.execute(
        select(ApiToken.user_id, func.count()).where(ApiToken.revoked_at.is_(None)).group_by(ApiToken.user_id)
    )
    return {user_id: int(count) for user_id, count in rows}


def user_for_token(token: str) -> User | None:
    """Return the active user a bearer token belongs to."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    row = db.session.scalar(
        select(ApiToken).where(ApiToken.token_hash == _digest(token), ApiToken.revoked_at.is_(None))
    )
    if row is None or not row.user.active:
        return None
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at > timedelta(minutes=5):
        row.last_used_at = now  # written at most every few minutes, not on every call
        db.session.commit()
    return row.user


# --------------------------------------------------------------------------
# Accounts
# --------------------------------------------------------------------------


def create_user(email: str, password: str, role: str, country: str | None = None, name: str = "") -> User:
    """Create an account after checking its role, country and password."""
    from .models import Country

    email = normalise_email(email)
    if not email or "@" not in email or len(email) > 254 or any(c.isspace() for c in email):
        raise AccountError(_("'%(email)s' is not a valid e-mail address.", email=email))
    if role not in {r.value for r in Role}:
        raise AccountError(
            _("Unknown role '%(role)s': use respondent, contributor, reviewer or admin.", role=role), field="role"
        )
    iso3 = country.upper() if country else None
    if role in (Role.RESPONDENT, Role.CONTRIBUTOR):
        if not iso3:
            raise AccountError(
                _("A respondent or contributor must belong to a country (give its ISO 3166-1 alpha-3 code)."),
                field="country",
            )
        if db.session.get(Country, iso3) is None:
            raise AccountError(
                _("Unknown country code '%(country)s' (use ISO 3166-1 alpha-3, e.g. FRA).", country=country),
                field="country",
            )
    elif iso3:
        raise AccountError(_("Only respondents and contributors belong to a country."), field="country")
    check_password_policy(password, email, name)
    if find_user(email) is not None:
        raise AccountError(_("An account for %(email)s already exists.", email=email))
    user = User(
        email=email,
        name=name.strip()[:200],
        password_hash=hash_password(password),
        role=role,
        country_iso3=iso3,
    )
    db.session.add(user)
    db.session.commit()
    return user


def change_password(user: User, new_password: str) -> int:
    """Set a new password, end every session of the user and revoke their API tokens.

    Return how many API tokens were revoked: a token may have been copied along
    with the password a change is meant to lock out.
    """
    check_password_policy(new_password, user.email, user.name or "")
    user.password_hash = hash_password(new_password)
    user.password_changed_at = utcnow()
    end_all_sessions(user)
    revoked = revoke_tokens(user, commit=False)
    db.session.commit()
    return revoked


# --------------------------------------------------------------------------
# Wiring
# --------------------------------------------------------------------------


def login_key() -> str:
    """Rate-limit key for sign-in attempts on one account."""
    return "account:" + normalise_email(request.form.get("email", ""))[:254]


def failed_login(response: Any) -> bool:
    """Count only attempts that did not sign in."""
    return bool(response.status_code != 302)


def init_app(app: Flask) -> None:
    """Set up sign-in sessions and the rate limiter."""
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = None  # sessions are server-side already
    login_manager.user_loader(_load_user)

    from flask_babel import lazy_gettext

    login_manager.login_message = lazy_gettext("Please sign in to see this page.")
    login_manager.login_message_category = "info"

    redis_url = app.config.get("REDIS_URL")
    app.config.setdefault("RATELIMIT_STORAGE_URI", redis_url or "memory://")
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "thbq")
    limiter.init_app(app)
    limiter.request_filter(_not_rate_limited)


# Only attempts at a password or a code are rate-limited: signing in, its second factor, asking
# for a reset link, and the current-password check of a password change (see views/auth.py);
# every other request
# skips the limiter's per-request bookkeeping.
RATE_LIMITED = {
    ("POST", "auth.login"),
    ("POST", "auth.account"),
    ("POST", "auth.second_factor"),
    ("POST", "auth.password_reset"),
}


def _not_rate_limited() -> bool:
    return (request.method, request.endpoint) not in RATE_LIMITED
