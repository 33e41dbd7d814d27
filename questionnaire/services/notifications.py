"""Notifications: what a user should know of, in the platform and by e-mail.

`notify` records one `Notification` per active recipient in the caller's
transaction and counts it in the recipient's `unread_notifications`.  A
notification is kept as a kind and its parameters (cycle code, ISO3, item or
section id, the actor's name, a short excerpt of what they wrote), never as a
sentence: `describe` writes it in the reader's language whenever it is shown or
mailed, with the country's name and the item's and section's titles of that
cycle's catalogue edition in that language.

Those who chose "instant" get an e-mail, composed in their language while the
transaction is open and handed to `mail.send` only once it commits (an
`after_commit` listener on the session); a rollback drops it with the rows.
"daily" recipients get the digest of `services.reminders`; "off" nothing by
e-mail.

Country isolation: the event helpers below pick recipients who may see what the
notification is about (`services.access`), and `notify` refuses, whatever a
caller asks, to tell a country's people about another country.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import urljoin

from flask import current_app, has_request_context, url_for
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from sqlalchemy import Select, and_, event, func, or_, select, update
from sqlalchemy.orm import Session, SessionTransaction

from .. import mail
from ..catalogue import Catalogue
from ..catalogue_store import catalogue_for
from ..db import db, rowcount
from ..i18n import country_name, current_language
from ..models import (
    Assessment,
    Assignment,
    Comment,
    Country,
    Cycle,
    Notification,
    NotifyBy,
    Role,
    User,
    utcnow,
)
from .access import can_view_item

log = logging.getLogger(__name__)

RETURNED = "returned"
SUBMITTED = "submitted"
ACCEPTED = "accepted"
COMMENT = "comment"
ASSIGNED = "assigned"
SENT_BACK = "sent_back"
DUE = "due"
KINDS = (RETURNED, SUBMITTED, ACCEPTED, COMMENT, ASSIGNED, SENT_BACK, DUE)

EXCERPT = 200  # characters of a comment or note kept with the notification
PER_PAGE = 20
# The e-mails of this transaction's notifications, sent once it commits.
_PENDING = "thbq_notification_mail"


# --------------------------------------------------------------------------
# Recording
# --------------------------------------------------------------------------


def notify(users: Iterable[User | None], kind: str, params: Mapping[str, Any], link: str) -> list[Notification]:
    """Record a notification for each active recipient, in the caller's transaction; return the rows.

    `params` holds only values (codes, ids, names, a short excerpt), no sentence; `link` is the
    path of the page the notification is about.  Instant e-mails go out when the transaction commits.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    values = {k: v for k, v in params.items() if v is not None and v != ""}
    recipients: dict[int, User] = {}
    for user in users:
        if user is None or not user.active or user.id in recipients or not _may_know(user, values):
            continue
        recipients[user.id] = user
    if not recipients:
        return []
    now = utcnow()
    rows = [
        Notification(user_id=user.id, kind=kind, params=dict(values), link=link, created_at=now)
        for user in recipients.values()
    ]
    db.session.add_all(rows)
    db.session.execute(
        update(User)
        .where(User.id.in_(list(recipients)))
        .values(unread_notifications=User.unread_notifications + 1)
        .execution_options(synchronize_session="fetch")
    )
    quiet = db.session.info.get(_QUIET, False)
    for user, row in zip(recipients.values(), rows, strict=True):
        if user.notify_by == NotifyBy.INSTANT and not quiet:
            send_after_commit(instant_message(user, kind, values, link))
            row.emailed_at = now
    return rows


_QUIET = "notifications-quiet"


@contextmanager
def quiet() -> Iterator[None]:
    """Record notifications without e-mailing them (`questionnaire demo` making its sample history)."""
    db.session.info[_QUIET] = True
    try:
        yield
    finally:
        db.session.info.pop(_QUIET, None)


def send_after_commit(message: mail.Outgoing) -> None:
    """Send a message once the current transaction commits (never if it rolls back)."""
    pending: list[mail.Outgoing] = db.session.info.setdefault(_PENDING, [])
    pending.append(message)


def _may_know(user: User, params: Mapping[str, Any]) -> bool:
    """A country's people hear only of their own country; the secretariat of any."""
    if user.role in (Role.RESPONDENT, Role.CONTRIBUTOR):
        return bool(user.country_iso3) and params.get("country") == user.country_iso3
    return user.role in (Role.REVIEWER, Role.ADMIN)


@event.listens_for(db.session, "after_commit")
def _send_after_commit(session: Session) -> None:
    for message in session.info.pop(_PENDING, None) or ():
        try:
            mail.send(message)
        except Exception:  # noqa: BLE001 - the commit happened; a message that cannot be queued is logged
            log.exception("notification e-mail to %s could not be queued", message.to)


@event.listens_for(db.session, "after_transaction_end")
def _drop_after_rollback(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the outermost transaction ended without a commit (or after it)
        session.info.pop(_PENDING, None)


def absolute(link: str) -> str:
    """Return a notification's link as an absolute address on the platform."""
    return urljoin(mail.base_url(), link)


def instant_message(user: User, kind: str, params: Mapping[str, Any], link: str) -> mail.Outgoing:
    """Compose the e-mail of one notification in the recipient's language."""
    return mail.compose(
        "reminder" if kind == DUE else "notification",
        user.email,
        mail.language_of(user),
        lambda: describe(kind, params).title,
        render=lambda: describe(kind, params),
        user=user,
        link=absolute(link),
        settings=absolute(path_of("notifications.settings")),
    )


def path_of(endpoint: str, anchor: str | None = None, **values: Any) -> str:
    """Return the path of a page, inside or outside a request (the command line, a job)."""
    if has_request_context():
        return url_for(endpoint, _anchor=anchor, **values)
    with current_app.test_request_context("/"):
        return url_for(endpoint, _anchor=anchor, **values)


# --------------------------------------------------------------------------
# Reading in the reader's language
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Described:
    """A notification in words of one language: what happened, and what was written with it."""

    title: str
    excerpt: str


def describe(kind: str, params: Mapping[str, Any], catalogues: dict[str, Catalogue | None] | None = None) -> Described:
    """Write a notification in the current language (of the request, or of `force_locale`)."""
    cycle = str(params.get("cycle", ""))
    words: dict[str, Any] = {
        "cycle": cycle,
        "country": _country(str(params.get("country", ""))),
        "actor": str(params.get("actor") or "") or _("Someone"),
    }
    excerpt = str(params.get("excerpt") or "")
    catalogue = _catalogue(cycle, catalogues)
    item = str(params.get("item") or "")
    section = str(params.get("section") or "")
    words["item"] = item
    words["item_title"] = _item_title(catalogue, item)
    words["section"] = _section_title(catalogue, section)
    if kind == SUBMITTED:
        title = _("%(country)s submitted its self-assessment for cycle %(cycle)s.", **words)
    elif kind == RETURNED:
        title = _("%(actor)s returned the self-assessment of %(country)s for cycle %(cycle)s.", **words)
    elif kind == ACCEPTED:
        title = _("%(actor)s accepted the self-assessment of %(country)s for cycle %(cycle)s.", **words)
    elif kind == COMMENT:
        title = _("%(actor)s commented on %(item)s, “%(item_title)s” (%(country)s, cycle %(cycle)s).", **words)
    elif kind == ASSIGNED and item:
        title = _(
            "%(actor)s assigned you item %(item)s, “%(item_title)s” (%(country)s, cycle %(cycle)s).",
            **words,
        )
    elif kind == ASSIGNED:
        title = _("%(actor)s assigned you the section “%(section)s” (%(country)s, cycle %(cycle)s).", **words)
    elif kind == SENT_BACK:
        title = _("%(actor)s sent the section “%(section)s” back to you (%(country)s, cycle %(cycle)s).", **words)
    elif kind == DUE:
        title = _due(words, params)
    else:
        title = _("Something changed in cycle %(cycle)s.", **words)
    return Described(title=title, excerpt=excerpt)


def _due(words: dict[str, Any], params: Mapping[str, Any]) -> str:
    try:
        due = date.fromisoformat(str(params.get("due", "")))
        days = int(params.get("days", 0))
    except (TypeError, ValueError):
        return _("The self-assessment of %(country)s for cycle %(cycle)s is due soon.", **words)
    when = format_date(due, "long")
    if days <= 0:
        return _("The self-assessment of %(country)s for cycle %(cycle)s is due today, %(date)s.", date=when, **words)
    return ngettext(
        "The self-assessment of %(country)s for cycle %(cycle)s is due in %(num)d day, on %(date)s.",
        "The self-assessment of %(country)s for cycle %(cycle)s is due in %(num)d days, on %(date)s.",
        days,
        date=when,
        **words,
    )


def _country(iso3: str) -> str:
    found = db.session.get(Country, iso3) if len(iso3) == 3 else None
    return country_name(found) if found is not None else iso3


def _catalogue(cycle: str, catalogues: dict[str, Catalogue | None] | None) -> Catalogue | None:
    """The cycle's edition in the current language (None when the cycle is gone)."""
    key = f"{cycle}\x00{current_language()}"
    if catalogues is not None and key in catalogues:
        return catalogues[key]
    found = db.session.scalar(select(Cycle).where(Cycle.code == cycle)) if cycle else None
    try:
        catalogue = catalogue_for(found) if found is not None else None
    except LookupError:
        catalogue = None
    if catalogues is not None:
        catalogues[key] = catalogue
    return catalogue


def _item_title(catalogue: Catalogue | None, item: str) -> str:
    found = catalogue.item_by_id.get(item) if catalogue is not None and item else None
    if found is None:
        return item
    question = " ".join(found.question.split())
    return question if len(question) <= 90 else question[:89].rstrip() + "…"


def _section_title(catalogue: Catalogue | None, section: str) -> str:
    found = catalogue.section_by_id.get(section) if catalogue is not None and section else None
    return found.title if found is not None else section


def excerpt(text: str | None) -> str:
    """Return the start of a comment or note, on one line, to keep with a notification."""
    flat = " ".join((text or "").split())
    return flat if len(flat) <= EXCERPT else flat[: EXCERPT - 1].rstrip() + "…"


def actor_name(user: User | None) -> str:
    """Return how a notification names who acted (their name, else their address)."""
    if user is None:
        return ""
    return user.name or user.email


# --------------------------------------------------------------------------
# Who hears of what (called by lifecycle, team and reminders, before they commit)
# --------------------------------------------------------------------------


def _params(assessment: Assessment, actor: User | None, **extra: Any) -> dict[str, Any]:
    return {"cycle": assessment.cycle.code, "country": assessment.country_iso3, "actor": actor_name(actor), **extra}


def focal_points(iso3: str) -> list[User]:
    """Return the country's active respondents (its focal points)."""
    return list(
        db.session.scalars(
            select(User)
            .where(User.role == Role.RESPONDENT, User.country_iso3 == iso3, User.active.is_(True))
            .order_by(User.id)
        )
    )


def _people(*roles: Role) -> Select[User]:
    return select(User).where(User.role.in_([str(r) for r in roles]), User.active.is_(True)).order_by(User.id)


def _overview(assessment: Assessment) -> str:
    return path_of("assessment.overview", cycle=assessment.cycle.code, iso3=assessment.country_iso3)


def _section_link(assessment: Assessment, section: str, item: str | None = None) -> str:
    return path_of(
        "assessment.section",
        anchor=f"item-{item}" if item else None,
        cycle=assessment.cycle.code,
        iso3=assessment.country_iso3,
        section=section,
    )


def on_transition(actor: User, assessment: Assessment, action: str, to: str, comment: str = "") -> None:
    """An assessment was submitted (to the secretariat), returned or accepted (to the country's focal points)."""
    params = _params(assessment, actor, excerpt=excerpt(comment))
    if action == SUBMITTED:
        # Reviewers hear of an assessment once it reaches them, never of a draft.
        recipients = [u for u in db.session.scalars(_people(Role.REVIEWER, Role.ADMIN)) if to == "submitted"]
    elif action in (RETURNED, ACCEPTED):
        recipients = focal_points(assessment.country_iso3)
    else:
        return
    notify((u for u in recipients if u.id != actor.id), action, params, _overview(assessment))


def on_comment(actor: User, assessment: Assessment, item: str, body: str) -> None:
    """A comment on an item: to the other side, and only to those who may read that item's thread."""
    catalogue = catalogue_for(assessment.cycle, "en")
    found = catalogue.item_by_id.get(item)
    if found is None:
        return
    candidates: list[User]
    if actor.is_reviewer:
        contributors = db.session.scalars(
            select(User)
            .join(Assignment, Assignment.user_id == User.id)
            .where(
                Assignment.assessment_id == assessment.id,
                User.role == Role.CONTRIBUTOR,
                or_(Assignment.item_id == item, and_(Assignment.item_id == "", Assignment.section_id == found.section)),
            )
            .distinct()
        )
        candidates = focal_points(assessment.country_iso3) + list(contributors)
    else:
        commenters = list(
            db.session.scalars(
                select(User)
                .where(
                    User.id.in_(select(Comment.user_id).where(Comment.assessment_id == assessment.id)),
                    User.role.in_([Role.REVIEWER.value, Role.ADMIN.value]),
                    User.active.is_(True),
                )
                .order_by(User.id)
            )
        )
        candidates = (
            commenters
            or list(db.session.scalars(_people(Role.REVIEWER)))
            or list(db.session.scalars(_people(Role.ADMIN)))
        )
    recipients = [u for u in candidates if u.id != actor.id and can_view_item(u, assessment, item)]
    notify(
        recipients,
        COMMENT,
        _params(assessment, actor, item=item, section=found.section, excerpt=excerpt(body)),
        _section_link(assessment, found.section, item),
    )


def on_assigned(focal: User, assessment: Assessment, contributor: User, section: str, item: str = "") -> None:
    """A focal point assigned a contributor a section (or one item of it)."""
    notify(
        [contributor],
        ASSIGNED,
        _params(assessment, focal, section=section, item=item),
        _section_link(assessment, section, item or None),
    )


def on_sent_back(focal: User, assessment: Assessment, section: str, note: str) -> None:
    """A focal point sent a section back: to the contributors assigned anything in it."""
    contributors = db.session.scalars(
        select(User)
        .join(Assignment, Assignment.user_id == User.id)
        .where(
            Assignment.assessment_id == assessment.id,
            Assignment.section_id == section,
            User.role == Role.CONTRIBUTOR,
        )
        .distinct()
    )
    notify(
        [u for u in contributors if u.id != focal.id],
        SENT_BACK,
        _params(assessment, focal, section=section, excerpt=excerpt(note)),
        _section_link(assessment, section),
    )


def on_due(cycle: Cycle, iso3: str, days: int, assessment: Assessment | None) -> list[Notification]:
    """Remind a country's focal points that the cycle's due date is near."""
    params = {
        "cycle": cycle.code,
        "country": iso3,
        "days": max(days, 0),
        "due": cycle.due_date.isoformat() if cycle.due_date else "",
    }
    link = _overview(assessment) if assessment is not None else path_of("main.home")
    return notify(focal_points(iso3), DUE, params, link)


# --------------------------------------------------------------------------
# The reader's list
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Shown:
    """One notification on the reader's list."""

    id: int
    title: str
    excerpt: str
    created_at: datetime
    read: bool


@dataclass(frozen=True)
class Page:
    """A page of the reader's notifications, newest first."""

    rows: tuple[Shown, ...]
    page: int
    pages: int
    total: int
    unread: int


def page_of(user: User, page: int = 1, per_page: int = PER_PAGE) -> Page:
    """Return a page of the user's notifications, newest first, in the current language."""
    total = int(db.session.scalar(select(func.count()).where(Notification.user_id == user.id)) or 0)
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    rows = db.session.scalars(
        select(Notification)
        .where(Notification.user_id == user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    catalogues: dict[str, Catalogue | None] = {}
    shown = []
    for row in rows:
        words = describe(row.kind, row.params or {}, catalogues)
        shown.append(Shown(row.id, words.title, words.excerpt, row.created_at, row.read_at is not None))
    return Page(tuple(shown), page, pages, total, int(user.unread_notifications or 0))


def recount(user_id: int) -> None:
    """Count the user's unread notifications again into `unread_notifications`."""
    unread = (
        select(func.count()).where(Notification.user_id == user_id, Notification.read_at.is_(None)).scalar_subquery()
    )
    db.session.execute(
        update(User)
        .where(User.id == user_id)
        .values(unread_notifications=unread)
        .execution_options(synchronize_session=False)
    )


def mark_read(user: User, notification_id: int) -> str | None:
    """Mark one of the user's notifications read; return its link (None when it is not theirs)."""
    found = db.session.scalar(
        select(Notification).where(Notification.id == notification_id, Notification.user_id == user.id)
    )
    if found is None:
        return None
    if found.read_at is None:
        changed = db.session.execute(
            update(Notification)
            .where(Notification.id == found.id, Notification.read_at.is_(None))
            .values(read_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        if rowcount(changed):
            recount(user.id)
    link = found.link
    db.session.commit()
    return link if _local(link) else None


def mark_all_read(user: User) -> int:
    """Mark every unread notification of the user read; return how many were."""
    changed = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    count = rowcount(changed)
    recount(user.id)
    db.session.commit()
    return count


def _local(link: str) -> bool:
    """Tell whether a stored link is a path on this platform (never another site)."""
    return link.startswith("/") and not link.startswith("//") and "\\" not in link


def set_preference(user: User, choice: str) -> None:
    """Choose how the user hears of notifications by e-mail (instant, daily or off)."""
    if choice not in {c.value for c in NotifyBy}:
        raise ValueError(choice)
    user.notify_by = choice
    db.session.commit()
