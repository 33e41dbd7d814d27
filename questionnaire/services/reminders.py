"""Due-date reminders and daily digests: `questionnaire reminders send`, safe to run every hour.

Reminders.  For every open cycle with a due date 14, 7 or 1 days away (or
less), every country with focal points that has not submitted (no assessment, a
draft, or returned) gets one reminder for the smallest of those thresholds it
has reached; the larger ones are recorded as done with it, so a cycle opened
five days before its due date sends one "due in 5 days" reminder, not two.  The
`ReminderSent` rows are written in the same transaction as the notifications
and the e-mails leave only once it commits: a second run at the same moment
meets the unique constraint, rolls back and sends nothing.  Past the due date
nothing more is sent.

Digests.  A user who chose "daily" gets, at most once every 24 hours, one
message listing their unread notifications of the last seven days that were not
yet e-mailed.  Claiming the digest is one conditional UPDATE of
`digest_sent_at`, so two runs at once never send it twice.

With REDIS_URL set, `questionnaire scheduler` enqueues `run_scheduled` on the
mail queue (MAIL_QUEUE, default "mail") every hour, at minute 0; `questionnaire
worker` runs it inside the application.
"""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import click
from flask import current_app, has_app_context
from flask.cli import AppGroup
from flask_babel import ngettext
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from .. import mail
from ..db import db, rowcount
from ..models import Assessment, Cycle, Notification, NotifyBy, ReminderSent, Role, Status, User, utcnow
from . import notifications

log = logging.getLogger(__name__)

THRESHOLDS = (14, 7, 1)  # days before the due date
DIGEST_EVERY = timedelta(hours=24)
DIGEST_WINDOW = timedelta(days=7)  # older unread notifications are left to the platform's list
DIGEST_MAX = 50  # notifications listed in one digest (the list in the platform has them all)
SUBMITTED = (Status.SUBMITTED.value, Status.ACCEPTED.value)


@dataclass(frozen=True)
class Reminder:
    """A reminder sent to one country's focal points."""

    cycle: str
    country: str
    days: int  # days left to the due date when it was sent
    threshold: int
    recipients: int


@dataclass(frozen=True)
class Digest:
    """A daily digest sent to one user."""

    email: str
    notifications: int


@dataclass(frozen=True)
class Summary:
    """What one run sent."""

    reminders: tuple[Reminder, ...]
    digests: tuple[Digest, ...]

    def lines(self) -> list[str]:
        """Describe the run for the operator, one line each."""
        out = [
            f"reminder: cycle {r.cycle}, {r.country}, due in {r.days} day(s) "
            f"(the {r.threshold}-day reminder) to {r.recipients} focal point(s)"
            for r in self.reminders
        ]
        out += [f"digest: {d.email}, {d.notifications} notification(s)" for d in self.digests]
        if not out:
            out.append("nothing to send")
        return out


def send_due(today: date | None = None, now: datetime | None = None) -> Summary:
    """Send the reminders and daily digests that are due; each exactly once, whoever else runs at once."""
    now = now or utcnow()
    today = today or now.date()
    reminders = _send_reminders(today)
    digests = _send_digests(now)
    return Summary(tuple(reminders), tuple(digests))


# --------------------------------------------------------------------------
# Reminders
# --------------------------------------------------------------------------


def _send_reminders(today: date) -> list[Reminder]:
    sent: list[Reminder] = []
    cycles = list(
        db.session.scalars(
            select(Cycle).where(Cycle.is_open.is_(True), Cycle.due_date.is_not(None)).order_by(Cycle.code)
        )
    )
    for cycle_id, code, due in [(c.id, c.code, c.due_date) for c in cycles]:
        assert due is not None
        days = (due - today).days
        reached = sorted(t for t in THRESHOLDS if 0 <= days <= t)
        if not reached:
            continue
        sent.extend(_remind_cycle(cycle_id, code, days, reached))
    return sent


def _remind_cycle(cycle_id: int, code: str, days: int, reached: list[int]) -> list[Reminder]:
    smallest = reached[0]
    done: dict[str, set[int]] = {}
    for iso3, before in db.session.execute(
        select(ReminderSent.country_iso3, ReminderSent.days_before).where(ReminderSent.cycle_id == cycle_id)
    ):
        done.setdefault(iso3, set()).add(before)
    submitted = set(
        db.session.scalars(
            select(Assessment.country_iso3).where(Assessment.cycle_id == cycle_id, Assessment.status.in_(SUBMITTED))
        )
    )
    with_focal_points = set(
        db.session.scalars(
            select(User.country_iso3)
            .where(User.role == Role.RESPONDENT, User.active.is_(True), User.country_iso3.is_not(None))
            .distinct()
        )
    )
    sent = []
    for iso3 in sorted(c for c in with_focal_points - submitted if c is not None):
        if smallest in done.get(iso3, set()):
            continue
        reminder = _remind_country(cycle_id, iso3, days, [t for t in reached if t not in done.get(iso3, set())])
        if reminder is not None:
            sent.append(reminder)
    return sent


def _remind_country(cycle_id: int, iso3: str, days: int, thresholds: list[int]) -> Reminder | None:
    """Record the reminder and notify the country's focal points in one transaction; None if another run did."""
    cycle = db.session.get(Cycle, cycle_id)
    if cycle is None:
        return None
    now = utcnow()
    for threshold in thresholds:
        db.session.add(ReminderSent(cycle_id=cycle_id, country_iso3=iso3, days_before=threshold, sent_at=now))
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()  # another run recorded it first: it sends, this one does not
        return None
    assessment = db.session.scalar(
        select(Assessment).where(Assessment.cycle_id == cycle_id, Assessment.country_iso3 == iso3)
    )
    if assessment is not None and assessment.status in SUBMITTED:  # submitted since the list was read
        db.session.rollback()
        return None
    rows = notifications.on_due(cycle, iso3, days, assessment)
    code = cycle.code
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return None
    return Reminder(code, iso3, days, thresholds[0], len(rows))


# --------------------------------------------------------------------------
# Daily digests
# --------------------------------------------------------------------------


def _unsent(user_id: int, since: datetime) -> Any:
    return (
        select(Notification)
        .where(
            Notification.user_id == user_id,
            Notification.emailed_at.is_(None),
            Notification.read_at.is_(None),
            Notification.created_at >= since,
        )
        .order_by(Notification.created_at, Notification.id)
    )


def _send_digests(now: datetime) -> list[Digest]:
    cutoff = now - DIGEST_EVERY
    since = now - DIGEST_WINDOW
    waiting = select(Notification.user_id).where(
        Notification.emailed_at.is_(None), Notification.read_at.is_(None), Notification.created_at >= since
    )
    due = or_(User.digest_sent_at.is_(None), User.digest_sent_at <= cutoff)
    candidates = list(
        db.session.scalars(
            select(User.id)
            .where(User.notify_by == NotifyBy.DAILY.value, User.active.is_(True), due, User.id.in_(waiting))
            .order_by(User.id)
        )
    )
    sent = []
    for user_id in candidates:
        claimed = db.session.execute(
            update(User)
            .where(User.id == user_id, due, User.notify_by == NotifyBy.DAILY.value)
            .values(digest_sent_at=now)
            .execution_options(synchronize_session=False)
        )
        if not rowcount(claimed):
            db.session.rollback()  # sent by another run in the last 24 hours
            continue
        user = db.session.get(User, user_id)
        rows = list(db.session.scalars(_unsent(user_id, since).limit(DIGEST_MAX)))
        if user is None or not rows:
            db.session.rollback()
            continue
        notifications.send_after_commit(_digest(user, rows))
        for row in rows:
            row.emailed_at = now
        email = user.email
        db.session.commit()
        sent.append(Digest(email, len(rows)))
    return sent


def _digest(user: User, rows: list[Notification]) -> mail.Outgoing:
    items = [(r.kind, dict(r.params or {}), notifications.absolute(r.link)) for r in rows]

    def render() -> list[dict[str, str]]:
        catalogues: dict[str, Any] = {}
        out = []
        for kind, params, link in items:
            words = notifications.describe(kind, params, catalogues)
            out.append({"title": words.title, "excerpt": words.excerpt, "link": link})
        return out

    return mail.compose(
        "digest",
        user.email,
        mail.language_of(user),
        lambda: ngettext(
            "Your daily digest: %(num)d notification", "Your daily digest: %(num)d notifications", len(items)
        ),
        render=render,
        user=user,
        link=notifications.absolute(notifications.path_of("notifications.index")),
        settings=notifications.absolute(notifications.path_of("notifications.settings")),
    )


# --------------------------------------------------------------------------
# Scheduled: the job the RQ cron scheduler enqueues every hour
# --------------------------------------------------------------------------

JOB_NAME = "thbq-reminders"
HOURLY = "0 * * * *"


def run_scheduled() -> str:
    """Send what is due (the function `questionnaire worker` runs every hour); return the summary."""
    if not has_app_context():
        raise RuntimeError("run the reminders with `questionnaire worker`, which gives the jobs the application")
    if current_app.extensions.get("jobs_worker_pid") not in (None, os.getpid()):
        # An RQ work horse forked from the worker: never share its database connections.
        db.engine.dispose(close=False)
    summary = send_due()
    for line in summary.lines():
        log.info("reminders: %s", line)
    return "\n".join(summary.lines())


def mail_queue() -> str:
    """Return the name of the RQ queue the e-mail (and the hourly reminders) go to."""
    return str(current_app.config.get("MAIL_QUEUE") or mail.DEFAULT_QUEUE)


# --------------------------------------------------------------------------
# Commands
# --------------------------------------------------------------------------

reminders_cli = AppGroup("reminders", help="Due-date reminders and daily digests.")


@reminders_cli.command("send")
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Count the days to due dates from this day (for checks; default: today, UTC).",
)
def send_command(today: datetime | None) -> None:
    """E-mail the reminders and daily digests that are due (safe to run every hour)."""
    summary = send_due(today.date() if today else None)
    for line in summary.lines():
        click.echo(line)
    if not mail.wait_until_sent(120):
        click.echo("error: some messages were not handed to the mail server in time", err=True)
        sys.exit(1)


@click.command("scheduler")
@click.option("--cron", "schedule", default=HOURLY, show_default=True, help="When to send (cron, local time).")
def scheduler_command(schedule: str) -> None:
    """Enqueue `reminders send` on the mail queue every hour (needs REDIS_URL and `questionnaire worker`)."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        click.echo("error: set REDIS_URL: the scheduler hands the reminders to `questionnaire worker`", err=True)
        sys.exit(1)
    from redis import Redis
    from rq.cron import CronScheduler

    scheduler = CronScheduler(connection=Redis.from_url(url), name=f"{JOB_NAME}-{os.getpid()}")
    scheduler.register(run_scheduled, mail_queue(), cron=schedule, job_timeout=1800, name=JOB_NAME)
    click.echo(f"scheduling the reminders ({schedule}) on queue {mail_queue()!r}; `questionnaire worker` runs them")
    scheduler.start()  # type: ignore[no-untyped-call]  # RQ 3's CronScheduler.start has no annotations


def register(main: click.Group) -> None:
    """Add `reminders send` and `scheduler` to the command line."""
    main.add_command(reminders_cli)
    main.add_command(scheduler_command)
