"""Two-factor sign-in: time-based one-time passwords (TOTP, RFC 6238) and one-time recovery codes.

A user enrols by scanning a QR code into an authenticator app and typing the code it shows;
the secret is kept from then on, with the last time step a code was accepted for, so a code
(even one still within its 30 seconds) never works twice.  Ten recovery codes, each usable
once, stand in for a lost phone; an admin (or `questionnaire users mfa-reset`) clears the
second factor for a user who lost both.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

import pyotp
import segno
from flask import current_app
from sqlalchemy import delete, select

from .db import db
from .models import RecoveryCode, User, utcnow

ISSUER = "THB self-assessment"
RECOVERY_CODES = 10
# A code of the time step before or after the current one is accepted too: clocks of phones drift.
DRIFT_STEPS = 1
_GROUPS = 3  # a recovery code is three groups of four letters and digits: "k7qm-2xrt-9dwe"
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread


def required(user: User) -> bool:
    """Tell whether this account must sign in with a second factor (reviewers and admins, not demo accounts)."""
    return bool(user.is_reviewer and not user.demo and current_app.config.get("SECOND_FACTOR_REQUIRED", True))


def enrolled(user: User) -> bool:
    """Tell whether the account has a confirmed second factor."""
    return user.totp_enrolled_at is not None and bool(user.totp_secret)


def must_enrol(user: User) -> bool:
    """Tell whether the account may do nothing until it enrols a second factor."""
    return required(user) and not enrolled(user)


def begin_enrolment(user: User) -> str:
    """Give the account a new secret, not yet confirmed; return it (a second call keeps the pending one)."""
    if enrolled(user):
        raise ValueError("already enrolled")
    if not user.totp_secret:
        user.totp_secret = pyotp.random_base32()
        db.session.commit()
    return str(user.totp_secret)


def provisioning_uri(user: User) -> str:
    """Return the otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(str(user.totp_secret)).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_code_svg(uri: str) -> str:
    """Draw the QR code of an otpauth:// address as inline SVG (no image is fetched from anywhere)."""
    return str(segno.make(uri, error="m").svg_inline(scale=5, border=2, dark="#000", light="#fff"))


def _digits(code: str) -> str:
    return "".join(c for c in code if not c.isspace() and c != "-")


def _matching_step(secret: str, code: str, at: float | None = None) -> int | None:
    """Return the time step whose code this is (within the allowed drift), or None."""
    totp = pyotp.TOTP(secret)
    now = time.time() if at is None else at
    step_now = int(now // totp.interval)
    for step in range(step_now - DRIFT_STEPS, step_now + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _accept_totp(user: User, code: str) -> bool:
    code = _digits(code)
    if len(code) != 6 or not code.isdigit() or not user.totp_secret:
        return False
    step = _matching_step(user.totp_secret, code)
    if step is None or (user.totp_last_step is not None and step <= user.totp_last_step):
        return False  # wrong, or a code (or an earlier one) already used: replayed
    user.totp_last_step = step
    return True


def confirm_enrolment(user: User, code: str) -> list[str] | None:
    """Confirm the pending secret with a code from the app; return new recovery codes, or None if wrong."""
    if enrolled(user) or not user.totp_secret or not _accept_totp(user, code):
        db.session.rollback()
        return None
    user.totp_enrolled_at = utcnow()
    codes = _new_recovery_codes(user)
    db.session.commit()
    return codes


def verify(user: User, code: str) -> str | None:
    """Check a sign-in code: 'totp' or 'recovery' for an accepted one (then spent), None otherwise."""
    if not enrolled(user):
        return None
    if _accept_totp(user, code):
        db.session.commit()
        return "totp"
    if _use_recovery_code(user, code):
        db.session.commit()
        return "recovery"
    db.session.rollback()
    return None


def _digest(code: str) -> str:
    return hashlib.sha256(_digits(code).lower().encode("utf-8")).hexdigest()


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [
        "-".join("".join(secrets.choice(_ALPHABET) for _ in range(4)) for _ in range(_GROUPS))
        for _ in range(RECOVERY_CODES)
    ]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_digest(c)) for c in codes)
    return codes


def new_recovery_codes(user: User) -> list[str]:
    """Replace the account's recovery codes with ten new ones; return them (shown once)."""
    codes = _new_recovery_codes(user)
    db.session.commit()
    return codes


def recovery_codes_left(user: User) -> int:
    """Return how many of the account's recovery codes are still unused."""
    found = db.session.scalars(
        select(RecoveryCode.id).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )
    return len(list(found))


def _use_recovery_code(user: User, code: str) -> bool:
    cleaned = _digits(code).lower()
    if len(cleaned) != 4 * _GROUPS:
        return False
    row = db.session.scalar(
        select(RecoveryCode).where(
            RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _digest(cleaned), RecoveryCode.used_at.is_(None)
        )
    )
    if row is None:
        return False
    row.used_at = utcnow()
    return True


def reset(user: User) -> None:
    """Remove the account's second factor and recovery codes, and sign it out everywhere."""
    from . import auth

    user.totp_secret = None
    user.totp_enrolled_at = None
    user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    auth.end_all_sessions(user)
    db.session.commit()
