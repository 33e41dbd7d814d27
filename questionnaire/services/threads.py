"""Comment threads marked resolved, and what a returned assessment asks the country to look at.

Either side (the country, the reviewers) may mark an item's thread resolved, and
reopen it; a new message in the thread reopens it by itself (`lifecycle.add_comment`).
A resolved thread folds on the section page.  Marking and reopening move the
assessment's version on, since section pages are cached by version.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from ..catalogue import Item
from ..catalogue_store import catalogue_for
from ..db import db, rowcount
from ..models import Assessment, Comment, Event, Role, Status, ThreadResolution, User, utcnow
from .access import can_comment_on, can_view_item
from .answers import bump_version
from .errors import InvalidTransition, NotFound
from .lifecycle import comments_of

REVIEWER_ROLES = (Role.REVIEWER, Role.ADMIN)


def may_resolve(user: User, assessment: Assessment, item: str) -> bool:
    """Tell whether the user may mark the item's thread resolved or reopen it: whoever may write in it."""
    return can_view_item(user, assessment, item) and can_comment_on(user, assessment, [item])


def _require(user: User, assessment: Assessment, item: str) -> None:
    if not can_view_item(user, assessment, item):
        raise NotFound(_("No such assessment."))
    if item not in catalogue_for(assessment.cycle).item_by_id:
        raise NotFound(_("There is no checklist item '%(item)s' in this cycle.", item=item))
    if not can_comment_on(user, assessment, [item]):
        raise InvalidTransition(_("Comments are closed for this assessment."))


def resolution_of(assessment: Assessment, item: str) -> ThreadResolution | None:
    """Return the item's thread resolution, if it is marked resolved."""
    return db.session.scalar(
        select(ThreadResolution).where(
            ThreadResolution.assessment_id == assessment.id, ThreadResolution.item_id == item
        )
    )


def resolutions_of(assessment: Assessment) -> dict[str, ThreadResolution]:
    """Return the resolved threads of the assessment, by item."""
    rows = db.session.scalars(select(ThreadResolution).where(ThreadResolution.assessment_id == assessment.id))
    return {r.item_id: r for r in rows}


def resolve(user: User, assessment: Assessment, item: str) -> ThreadResolution:
    """Mark the item's thread resolved (nothing changes if it already is)."""
    _require(user, assessment, item)
    existing = resolution_of(assessment, item)
    if existing is not None:
        return existing
    has_messages = db.session.scalar(
        select(Comment.id).where(Comment.assessment_id == assessment.id, Comment.item_id == item).limit(1)
    )
    if has_messages is None:
        raise InvalidTransition(_("There is nothing to resolve: nobody has commented on %(item)s.", item=item))
    now = utcnow()
    resolution = ThreadResolution(assessment_id=assessment.id, item_id=item, resolved_by_id=user.id, resolved_at=now)
    db.session.add(resolution)
    try:
        bump_version(assessment, now)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()  # marked resolved by someone else at the same moment
        found = resolution_of(assessment, item)
        if found is None:
            raise
        return found
    return resolution


def reopen(user: User, assessment: Assessment, item: str) -> bool:
    """Open the item's thread again; return whether it was marked resolved."""
    _require(user, assessment, item)
    outcome = db.session.execute(
        delete(ThreadResolution).where(
            ThreadResolution.assessment_id == assessment.id, ThreadResolution.item_id == item
        )
    )
    removed = rowcount(outcome) > 0
    if removed:
        bump_version(assessment, utcnow())
    db.session.commit()
    return removed


# --------------------------------------------------------------------------
# A returned assessment: the reviewers' reason and the threads still open
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class OpenThread:
    """An item whose thread has a reviewer's message and is not resolved."""

    item: Item
    messages: int  # in the thread


@dataclass(frozen=True)
class ReturnNotice:
    """Why the reviewers returned the assessment, and the items whose threads wait for the country."""

    event: Event | None  # the latest return
    threads: tuple[OpenThread, ...]


def _from_reviewers(comment: Comment) -> bool:
    return comment.user is not None and comment.user.role in REVIEWER_ROLES


def open_reviewer_threads(assessment: Assessment) -> list[OpenThread]:
    """Return, in catalogue order, the items whose thread has a reviewer's message and is not resolved."""
    catalogue = catalogue_for(assessment.cycle)
    threads = comments_of(assessment)
    resolved = resolutions_of(assessment)
    return [
        OpenThread(item, len(threads[item.id]))
        for item in catalogue.items
        if item.id in threads and item.id not in resolved and any(_from_reviewers(c) for c in threads[item.id])
    ]


def return_notice(assessment: Assessment) -> ReturnNotice | None:
    """Return what a returned assessment opens with (None unless it is returned)."""
    if assessment.status != Status.RETURNED:
        return None
    event = db.session.scalar(
        select(Event)
        .where(Event.assessment_id == assessment.id, Event.action == "returned")
        .order_by(Event.at.desc(), Event.id.desc())
        .limit(1)
    )
    return ReturnNotice(event, tuple(open_reviewer_threads(assessment)))
