"""Cycles: open one on the current catalogue edition, close it."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from ..catalogue_store import current_catalogue, store_edition
from ..db import db
from ..models import Cycle, utcnow
from .access import CYCLE_CODE
from .errors import InvalidAnswer, InvalidTransition


def create_cycle(code: str, title: str = "") -> Cycle:
    """Open a cycle pinned to the current catalogue edition."""
    code = code.strip()
    if not CYCLE_CODE.match(code):
        raise InvalidAnswer(
            _(
                "'%(code)s' is not a valid cycle code: use 1–32 letters, digits, '-' or '_' (for example 2026).",
                code=code,
            ),
            errors={"code": _("Use 1–32 letters, digits, '-' or '_'.")},
        )
    if db.session.scalar(select(Cycle).where(Cycle.code == code)) is not None:
        raise InvalidTransition(
            _("Cycle %(code)s already exists.", code=code), errors={"code": _("This cycle already exists.")}
        )
    catalogue = current_catalogue()
    store_edition(catalogue)
    cycle = Cycle(
        code=code, title=(title.strip() or f"Self-assessment {code}")[:200], edition_hash=catalogue.hash, is_open=True
    )
    db.session.add(cycle)
    db.session.commit()
    return cycle


def close_cycle(cycle: Cycle) -> Cycle:
    """Close a cycle: its assessments can no longer change."""
    if not cycle.is_open:
        raise InvalidTransition(_("Cycle %(code)s is already closed.", code=cycle.code))
    cycle.is_open = False
    cycle.closed_at = utcnow()
    db.session.commit()
    return cycle
