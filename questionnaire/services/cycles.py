"""Cycles: open one on the current catalogue edition, close it, reopen it, delete an unused one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import delete, func, select

from ..catalogue_store import english_catalogue, store_edition
from ..db import db
from ..models import Assessment, Country, Cycle, CycleEvent, Job, Status, User, utcnow
from .access import CYCLE_CODE, REVIEWABLE
from .comparison import means_summary, reviewable_comparison
from .errors import CycleExists, CycleInUse, InvalidCycleCode, InvalidTransition


def create_cycle(code: str, title: str = "", due: date | None = None) -> Cycle:
    """Open a cycle pinned to the current catalogue edition, answers due by `due` (if given)."""
    code = code.strip()
    if not CYCLE_CODE.match(code):
        raise InvalidCycleCode(
            _(
                "'%(code)s' is not a valid cycle code: use 1–32 letters, digits, '-' or '_' (for example 2026).",
                code=code,
            ),
            errors={"code": _("Use 1–32 letters, digits, '-' or '_'.")},
        )
    if db.session.scalar(select(Cycle).where(Cycle.code == code)) is not None:
        raise CycleExists(
            _("Cycle %(code)s already exists.", code=code), errors={"code": _("This cycle already exists.")}
        )
    catalogue = english_catalogue()
    store_edition(catalogue)
    cycle = Cycle(
        code=code,
        title=(title.strip() or f"Self-assessment {code}")[:200],
        edition_hash=catalogue.hash,
        is_open=True,
        due_date=due,
    )
    db.session.add(cycle)
    db.session.commit()
    return cycle


@dataclass(frozen=True)
class OpenWork:
    """What closing a cycle would stop, as the secretariat may know it.

    A draft is private to its country: a country that started and one that did
    not both count as "not submitted", so the count reveals no draft.
    """

    returned: int  # sent back to their country, awaiting its answers
    not_submitted: int  # countries with nothing submitted (a draft or not started)

    @property
    def total(self) -> int:
        return self.returned + self.not_submitted


def open_work(cycle: Cycle) -> OpenWork:
    """Count the cycle's assessments returned to their country, and the countries that have not submitted."""
    counts = dict(
        db.session.execute(
            select(Assessment.status, func.count())
            .where(Assessment.cycle_id == cycle.id, Assessment.status.in_([s.value for s in REVIEWABLE]))
            .group_by(Assessment.status)
        ).all()
    )
    countries = int(db.session.scalar(select(func.count()).select_from(Country)) or 0)
    reached_reviewers = sum(int(n) for n in counts.values())
    return OpenWork(returned=int(counts.get(Status.RETURNED, 0)), not_submitted=max(0, countries - reached_reviewers))


def _record(cycle: Cycle, action: str, user: User | None, comment: str = "") -> None:
    db.session.add(CycleEvent(cycle_id=cycle.id, action=action, user_id=user.id if user else None, comment=comment))


def set_due_date(cycle: Cycle, due: date | None, user: User | None = None) -> Cycle:
    """Set or clear a cycle's due date; the change is kept in the cycle's audit trail."""
    if cycle.due_date == due:
        return cycle
    cycle.due_date = due
    _record(cycle, "due_date", user, due.isoformat() if due else "")
    db.session.commit()
    return cycle


def close_cycle(cycle: Cycle, user: User | None = None) -> Cycle:
    """Close a cycle: its assessments can no longer change.

    The first close also publishes the means that countries' own reports show,
    over the assessments that reached the reviewers by then; they never change
    afterwards, even if the cycle is reopened (docs/methodology.md).
    """
    if not cycle.is_open:
        raise InvalidTransition(_("Cycle %(code)s is already closed.", code=cycle.code))
    now = utcnow()
    if cycle.published_means is None:
        cycle.published_means = means_summary(reviewable_comparison(cycle))
        cycle.means_published_at = now
    cycle.is_open = False
    cycle.closed_at = now
    _record(cycle, "closed", user)
    db.session.commit()
    return cycle


def reopen_cycle(cycle: Cycle, user: User | None = None) -> Cycle:
    """Reopen a closed cycle, so its drafts and returned assessments can change again."""
    if cycle.is_open:
        raise InvalidTransition(_("Cycle %(code)s is already open.", code=cycle.code))
    cycle.is_open = True
    cycle.closed_at = None
    _record(cycle, "reopened", user)
    db.session.commit()
    return cycle


def delete_cycle(cycle: Cycle) -> None:
    """Delete a cycle that no country has started an assessment in (a cycle opened by mistake)."""
    if cycle.id not in unused_cycles():
        raise CycleInUse(
            _(
                "Cycle %(code)s cannot be deleted: countries have started assessments in it. Close it instead.",
                code=cycle.code,
            )
        )
    db.session.execute(delete(Job).where(Job.cycle_id == cycle.id))
    db.session.execute(delete(CycleEvent).where(CycleEvent.cycle_id == cycle.id))
    db.session.delete(cycle)
    db.session.commit()


def cycle_events(cycle: Cycle) -> list[CycleEvent]:
    """Return the cycle's audit trail, oldest first."""
    return list(db.session.scalars(select(CycleEvent).where(CycleEvent.cycle_id == cycle.id).order_by(CycleEvent.id)))


def unused_cycles() -> set[int]:
    """Return the ids of the cycles no country has started an assessment in: those may be deleted.

    Only that yes-or-no is told, for the whole cycle: never which country, or how many, has a draft.
    """
    used = select(Assessment.cycle_id).distinct()
    return set(db.session.scalars(select(Cycle.id).where(Cycle.id.not_in(used))))


def reviewable_counts() -> dict[int, dict[str, int]]:
    """Count each cycle's assessments by reviewable status (drafts are never counted: they stay private)."""
    counts: dict[int, dict[str, int]] = {}
    rows = db.session.execute(
        select(Assessment.cycle_id, Assessment.status, func.count())
        .where(Assessment.status.in_([s.value for s in REVIEWABLE]))
        .group_by(Assessment.cycle_id, Assessment.status)
    )
    for cycle_id, status, n in rows:
        counts.setdefault(cycle_id, {})[status] = n
    return counts
