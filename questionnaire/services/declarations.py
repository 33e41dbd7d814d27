"""The declaration signed with a submission: who stands behind the answers (name, position, ministry).

The browser asks for it on every submission; the API takes it when a client
sends it (older clients submit without one).  It is recorded in the same
transaction as the submission (`lifecycle.submit`), linked to the "submitted"
event, and printed on the gap report's cover, the overview and the history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from ..db import db
from ..models import Assessment, Declaration, User
from .answers import clean_text
from .errors import InvalidAnswer

MAX_NAME = 200
MAX_POSITION = 200
MAX_MINISTRY = 300
FIELDS = ("name", "position", "ministry")


class InvalidDeclaration(InvalidAnswer):
    """A declaration without a name, a position or a ministry, or with one too long: `errors` names each."""


@dataclass(frozen=True)
class DeclarationInput:
    """A declaration as typed: who submits, in which position, for which ministry or agency."""

    name: str = ""
    position: str = ""
    ministry: str = ""


def _one_line(value: str | None) -> str:
    return " ".join(clean_text(value).split())


def check_declaration(given: DeclarationInput) -> DeclarationInput:
    """Return the declaration cleaned (one line each), or raise InvalidDeclaration naming each field at fault."""
    cleaned = DeclarationInput(_one_line(given.name), _one_line(given.position), _one_line(given.ministry))
    errors: dict[str, str] = {}
    missing = {
        "name": _("Enter your name."),
        "position": _("Enter your position."),
        "ministry": _("Enter your ministry or agency."),
    }
    limits = {"name": MAX_NAME, "position": MAX_POSITION, "ministry": MAX_MINISTRY}
    for field in FIELDS:
        value = getattr(cleaned, field)
        if not value:
            errors[field] = missing[field]
        elif len(value) > limits[field]:
            errors[field] = _("Use at most %(max)d characters.", max=limits[field])
    if errors:
        raise InvalidDeclaration(
            _("Say who submits the assessment: the declaration needs your name, position and ministry."),
            errors=errors,
        )
    return cleaned


def record(assessment: Assessment, event_id: int, user: User, signed: DeclarationInput, at: datetime) -> Declaration:
    """Add the declaration of a submission to the session (the caller commits it with the submission)."""
    declaration = Declaration(
        assessment_id=assessment.id,
        event_id=event_id,
        user_id=user.id,
        name=signed.name,
        position=signed.position,
        ministry=signed.ministry,
        at=at,
    )
    db.session.add(declaration)
    return declaration


def latest_declaration(assessment: Assessment) -> Declaration | None:
    """Return the declaration of the assessment's latest signed submission, if any."""
    return db.session.scalar(
        select(Declaration)
        .where(Declaration.assessment_id == assessment.id)
        .order_by(Declaration.at.desc(), Declaration.id.desc())
        .limit(1)
    )


def declarations_by_event(assessment: Assessment) -> dict[int, Declaration]:
    """Return the assessment's declarations by the id of the submission they were signed with."""
    rows = db.session.scalars(select(Declaration).where(Declaration.assessment_id == assessment.id))
    return {d.event_id: d for d in rows if d.event_id is not None}


def suggested(user: User) -> DeclarationInput:
    """Return what the declaration form starts with: the account's name, and the user's last position and ministry."""
    last = db.session.scalar(
        select(Declaration)
        .where(Declaration.user_id == user.id)
        .order_by(Declaration.at.desc(), Declaration.id.desc())
        .limit(1)
    )
    if last is None:
        return DeclarationInput(name=user.name or "")
    return DeclarationInput(name=user.name or last.name, position=last.position, ministry=last.ministry)
