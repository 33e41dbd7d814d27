"""Cycles: open one on the current catalogue edition, close it."""

from __future__ import annotations

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
            f"'{code}' is not a valid cycle code: use 1–32 letters, digits, '-' or '_' (for example 2026).",
            errors={"code": "Use 1–32 letters, digits, '-' or '_'."},
        )
    if db.session.scalar(select(Cycle).where(Cycle.code == code)) is not None:
        raise InvalidTransition(f"Cycle {code} already exists.", errors={"code": "This cycle already exists."})
    catalogue = current_catalogue()
    store_edition(catalogue)
    cycle = Cycle(code=code, title=(title.strip() or f"Self-assessment {code}")[:200],
                  edition_hash=catalogue.hash, is_open=True)
    db.session.add(cycle)
    db.session.commit()
    return cycle


def close_cycle(cycle: Cycle) -> Cycle:
    """Close a cycle: its assessments can no longer change."""
    if not cycle.is_open:
        raise InvalidTransition(f"Cycle {cycle.code} is already closed.")
    cycle.is_open = False
    cycle.closed_at = utcnow()
    db.session.commit()
    return cycle
