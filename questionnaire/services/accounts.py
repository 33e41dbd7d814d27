"""Accounts reached by e-mail: invitations, password resets, and the admins' account administration.

An invitation and a password reset both send a link that sets the password.  The link is
signed with SECRET_KEY and holds the account's id and a fingerprint of its current password
hash: setting the password changes the hash, so each link works once.  An invitation link
expires after 72 hours, a reset link after two.  Asking for a reset answers the same whether
or not the address has an account, and sends nothing for an unknown one.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from flask import current_app, has_request_context, url_for
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete, func, or_, select

from .. import auth, mail, two_factor
from ..db import db
from ..i18n import current_language
from ..models import Country, Role, User, utcnow
from .answers import clean_text
from .errors import InvalidAnswer, NotFound

INVITATION_HOURS = 72
RESET_HOURS = 2
PAGE_SIZE = 50


# --------------------------------------------------------------------------
# Links that set a password, once
# --------------------------------------------------------------------------


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"thbq-{purpose}")


def link_token(user: User, purpose: str) -> str:
    """Return a signed token for a link that sets this account's password (`invitation` or `reset`)."""
    return str(_serializer(purpose).dumps({"u": user.id, "p": user.password_hash[-16:]}))


def _user_of(token: str, purpose: str, hours: int) -> User:
    """Return the account a link is for; NotFound (with what to do) when expired, used or forged."""
    if purpose == "invitation":
        expired = _("This invitation has expired: ask for a new one.")
        used = _("This invitation link is not valid any more: it was used already.")
        forged = _("This invitation link is not valid.")
    else:
        expired = _("This password reset link has expired: ask for a new one.")
        used = _("This password reset link is not valid any more: it was used already.")
        forged = _("This password reset link is not valid.")
    if len(token) > 500:
        raise NotFound(forged)
    try:
        data = _serializer(purpose).loads(token, max_age=hours * 3600)
    except SignatureExpired:
        raise NotFound(expired) from None
    except BadSignature:
        raise NotFound(forged) from None
    user = db.session.get(User, data.get("u")) if isinstance(data, dict) and isinstance(data.get("u"), int) else None
    if user is None or not user.active or user.password_hash[-16:] != data.get("p"):
        raise NotFound(used)
    return user


def invited_user(token: str) -> User:
    """Return the account an invitation link is for, or raise NotFound (expired, used, forged)."""
    return _user_of(token, "invitation", INVITATION_HOURS)


def reset_user(token: str) -> User:
    """Return the account a password reset link is for, or raise NotFound (expired, used, forged)."""
    return _user_of(token, "reset", RESET_HOURS)


def accept_invitation(token: str, password: str) -> User:
    """Set the invited person's password (checked against the policy); the link is then spent."""
    user = invited_user(token)
    auth.check_password_policy(password, user.email, user.name)
    user.password_hash = auth.hash_password(password)
    user.password_changed_at = utcnow()
    user.invitation_accepted_at = utcnow()
    db.session.commit()
    return user


def reset_password(token: str, password: str) -> User:
    """Set a new password from a reset link: the link is spent, other sessions end, API tokens are revoked."""
    user = reset_user(token)
    auth.change_password(user, password)
    return user


# --------------------------------------------------------------------------
# Messages
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Invitation:
    """An invitation made: the account, and the link (for whoever made it, when no e-mail goes out)."""

    user: User
    link: str
    emailed: bool


def unusable_password() -> str:
    """Return a password nobody is told, for an account whose owner will choose one from a link."""
    return secrets.token_urlsafe(32) + "Aa1!"  # passes the policy; never told to anyone


def send_invitation(user: User, by: User | None = None) -> Invitation:
    """E-mail the account a new invitation link (valid 72 hours); return it."""
    token = link_token(user, "invitation")
    # Someone invited has chosen no language yet: write in the one the inviter is using.
    language = mail.language_of(user, fallback=current_language() if has_request_context() else None)
    with mail.writing_in(language):
        link = url_for("team.accept_invitation", token=token, _external=True)
    country = user.country
    message = mail.compose(
        "invitation",
        user.email,
        language,
        lambda: _("Your invitation to the THB self-assessment platform"),
        secrets=[link],
        link=link,
        user=user,
        by=by,
        country=country,
        hours=INVITATION_HOURS,
    )
    mail.send(message)
    user.invited_at = utcnow()
    db.session.commit()
    return Invitation(user=user, link=link, emailed=mail.configured())


def invite_user(
    email: str, role: str, country: str | None = None, name: str = "", by: User | None = None
) -> Invitation:
    """Create an account whose password its owner sets from an e-mailed link (admins and the command line)."""
    user = auth.create_user(email, unusable_password(), role, country, name=clean_text(name)[:200])
    return send_invitation(user, by)


def resend_invitation(user: User, by: User | None = None) -> Invitation:
    """Send a new invitation link to an account that has not set its password yet (the old link stops working
    when the password is set, as every link does)."""
    if user.invitation_accepted_at is not None or user.invited_at is None:
        raise InvalidAnswer(
            _("%(email)s has set a password already: they can reset it from the sign-in page.", email=user.email),
            errors={"email": _("This account has set its password already.")},
        )
    if not user.active:
        raise InvalidAnswer(
            _("%(email)s is deactivated: reactivate the account first.", email=user.email),
            errors={"email": _("This account is deactivated.")},
        )
    return send_invitation(user, by)


def request_password_reset(email: str) -> None:
    """E-mail a reset link if the address has an active account; do nothing otherwise (the caller says the same)."""
    user = auth.find_user(email[:254])
    if user is None or not user.active:
        return
    token = link_token(user, "reset")
    language = mail.language_of(user)
    with mail.writing_in(language):
        link = url_for("auth.reset_password", token=token, _external=True)
    mail.send(
        mail.compose(
            "password_reset",
            user.email,
            language,
            lambda: _("Reset your password for the THB self-assessment platform"),
            secrets=[link],
            link=link,
            user=user,
            hours=RESET_HOURS,
        )
    )


# --------------------------------------------------------------------------
# Account administration
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class AccountRow:
    """One account as the administration page lists it."""

    user: User
    tokens: int
    invitation_pending: bool
    second_factor: bool
    second_factor_required: bool


@dataclass(frozen=True)
class AccountPage:
    """A page of accounts found by a search."""

    rows: tuple[AccountRow, ...]
    total: int
    page: int
    pages: int


def search_accounts(text: str = "", role: str = "", country: str = "", state: str = "", page: int = 1) -> AccountPage:
    """Find accounts by e-mail or name (part of either), role, country and state (active, inactive, invited)."""
    query = select(User)
    text = text.strip()[:200]
    if text:
        pattern = "%" + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(
            or_(func.lower(User.email).like(pattern, escape="\\"), func.lower(User.name).like(pattern, escape="\\"))
        )
    if role in {r.value for r in Role}:
        query = query.where(User.role == role)
    if len(country) == 3 and country.isascii() and country.isalpha():
        query = query.where(User.country_iso3 == country.upper())
    if state == "active":
        query = query.where(User.active.is_(True))
    elif state == "inactive":
        query = query.where(User.active.is_(False))
    elif state == "invited":
        query = query.where(User.invited_at.is_not(None), User.invitation_accepted_at.is_(None))
    total = int(db.session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, page), pages)
    found = list(db.session.scalars(query.order_by(User.email).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)))
    tokens = auth.active_token_counts()
    rows = tuple(
        AccountRow(
            user=u,
            tokens=tokens.get(u.id, 0),
            invitation_pending=u.invited_at is not None and u.invitation_accepted_at is None,
            second_factor=two_factor.enrolled(u),
            second_factor_required=two_factor.required(u),
        )
        for u in found
    )
    return AccountPage(rows=rows, total=total, page=page, pages=pages)


def update_account(user: User, by: User, name: str, role: str, country: str | None) -> User:
    """Change an account's name, role and country (checked as when creating one).

    A change of role or country ends the account's sessions and revokes its API tokens: what
    they were allowed to reach has changed.  Admins cannot change their own role.
    """
    from ..models import Assignment

    if role not in {r.value for r in Role}:
        raise auth.AccountError(
            _("Unknown role '%(role)s': use respondent, contributor, reviewer or admin.", role=role), field="role"
        )
    iso3 = country.upper() if country else None
    if role in (Role.RESPONDENT, Role.CONTRIBUTOR):
        if not iso3 or db.session.get(Country, iso3) is None:
            raise auth.AccountError(
                _("A respondent or contributor must belong to a country (give its ISO 3166-1 alpha-3 code)."),
                field="country",
            )
    else:
        iso3 = None
    if user.id == by.id and role != user.role:
        raise auth.AccountError(_("You cannot change your own role."), field="role")
    changed_access = role != user.role or iso3 != user.country_iso3
    user.name = clean_text(name)[:200]
    if changed_access:
        if user.country_iso3 != iso3:
            # Work assigned in the old country is not the account's any more.
            db.session.execute(delete(Assignment).where(Assignment.user_id == user.id))
        user.role = role
        user.country_iso3 = iso3
        auth.end_all_sessions(user)
        auth.revoke_tokens(user, commit=False)
    db.session.commit()
    return user


def account(user_id: int) -> User:
    """Return an account by its id, or NotFound."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(_("There is no such account."))
    return user
