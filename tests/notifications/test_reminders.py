"""Due-date reminders and daily digests: `questionnaire reminders send`, each message once."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select

from questionnaire import services
from questionnaire.cli import main
from questionnaire.db import db
from questionnaire.models import Notification, ReminderSent, User, utcnow
from questionnaire.services import reminders

from ..conftest import link_in
from .conftest import path_of, settle

DUE = date(2026, 6, 30)


def _due(cycle: Any, when: date | None = DUE) -> None:
    cycle.due_date = when
    db.session.commit()


def _run(today: date) -> reminders.Summary:
    summary = reminders.send_due(today)
    settle()
    return summary


def _sent(mailbox: Any) -> list[str]:
    return sorted(str(m["To"]) for m in mailbox.messages)


def test_one_reminder_per_threshold_and_each_once(people, cycle, mailbox) -> None:  # type: ignore[no-untyped-def]
    _due(cycle)
    assert _run(DUE - timedelta(days=15)).reminders == ()
    summary = _run(DUE - timedelta(days=14))
    assert {(r.country, r.threshold, r.days) for r in summary.reminders} == {("FRA", 14, 14), ("DEU", 14, 14)}
    assert _sent(mailbox) == ["deu@example.org", "fra2@example.org", "fra@example.org"]
    # Run again the same day, and the next days: nothing more until the 7-day threshold.
    for days in (14, 13, 8):
        assert _run(DUE - timedelta(days=days)).reminders == ()
    assert len(mailbox.messages) == 3
    assert len(_run(DUE - timedelta(days=7)).reminders) == 2
    assert len(_run(DUE - timedelta(days=1)).reminders) == 2
    assert _run(DUE).reminders == ()  # the 1-day reminder was the last
    assert _run(DUE + timedelta(days=1)).reminders == ()  # past the due date: nothing
    assert len(mailbox.messages) == 9


def test_a_cycle_opened_late_sends_one_reminder_not_two(people, cycle, mailbox) -> None:  # type: ignore[no-untyped-def]
    _due(cycle)
    summary = _run(DUE - timedelta(days=5))
    assert {(r.country, r.threshold, r.days) for r in summary.reminders} == {("FRA", 7, 5), ("DEU", 7, 5)}
    assert len(mailbox.to("fra@example.org")) == 1
    message = mailbox.to("fra@example.org")[0]
    assert "due in 5 days" in message["Subject"] and "June 30, 2026" in message["Subject"]
    # The 14-day threshold counts as done; the next one is the 1-day reminder.
    done = set(db.session.execute(select(ReminderSent.country_iso3, ReminderSent.days_before)))
    assert done == {("FRA", 7), ("FRA", 14), ("DEU", 7), ("DEU", 14)}
    assert _run(DUE - timedelta(days=4)).reminders == ()
    assert len(_run(DUE - timedelta(days=1)).reminders) == 2


def test_the_reminder_reads_in_the_recipients_language_and_links_home(people, cycle, mailbox, make_client) -> None:  # type: ignore[no-untyped-def]
    _due(cycle)
    _run(DUE - timedelta(days=7))
    arabic = mailbox.to("fra2@example.org")[0]
    assert arabic["Content-Language"] == "ar" and "فرنسا" in arabic["Subject"]
    german = mailbox.to("deu@example.org")[0]
    link = link_in(german)
    assert link.startswith("http://127.0.0.1:5000/")  # BASE_URL: sent outside any request
    client = make_client()
    client.login("deu@example.org")
    assert client.get(path_of(link)).status_code == 200  # no assessment yet: the start page


def test_no_due_date_closed_cycles_and_submitted_countries_get_nothing(people, cycle, mailbox) -> None:  # type: ignore[no-untyped-def]
    assert _run(date(2026, 1, 1)).reminders == ()  # the cycle has no due date
    _due(cycle)
    assessment, _ = services.start_assessment(people["fra"], cycle, "FRA")
    services.submit(people["fra"], assessment)
    settle()
    mailbox.clear()
    summary = _run(DUE - timedelta(days=7))
    assert [r.country for r in summary.reminders] == ["DEU"]
    assert _sent(mailbox) == ["deu@example.org"]
    mailbox.clear()
    services.close_cycle(cycle)
    assert _run(DUE - timedelta(days=1)).reminders == ()
    assert mailbox.messages == []


def test_a_returned_assessment_is_reminded(people, cycle, mailbox) -> None:  # type: ignore[no-untyped-def]
    _due(cycle)
    assessment, _ = services.start_assessment(people["fra"], cycle, "FRA")
    services.submit(people["fra"], assessment)
    services.return_assessment(people["reviewer"], assessment, "Please complete.")
    settle()
    mailbox.clear()
    summary = _run(DUE - timedelta(days=1))
    assert sorted(r.country for r in summary.reminders) == ["DEU", "FRA"]


def test_two_runs_at_once_send_each_reminder_once(people, cycle, mailbox, app) -> None:  # type: ignore[no-untyped-def]
    """A second run that finds the reminder recorded by another meets the unique constraint and sends nothing."""
    _due(cycle)
    today = DUE - timedelta(days=7)
    # The other run recorded France's reminder after this one read the list (simulated by recording it
    # in another session, as a concurrent process would).
    from sqlalchemy.orm import Session

    with Session(db.engine) as other:
        other.add(ReminderSent(cycle_id=cycle.id, country_iso3="FRA", days_before=7))
        other.commit()
    original = reminders._remind_cycle

    def stale_view(cycle_id: int, code: str, days: int, reached: list[int]) -> Any:
        # Read the list as it was before the other run recorded France.
        real = db.session.execute
        calls = {"n": 0}

        def execute(statement: Any, *args: Any, **kwargs: Any) -> Any:
            calls["n"] += 1
            result = real(statement, *args, **kwargs)
            if calls["n"] == 1:  # the reminders already sent: pretend France's is not there yet
                return [row for row in result if row[0] != "FRA"]
            return result

        db.session.execute = execute  # type: ignore[method-assign]
        try:
            return original(cycle_id, code, days, reached)
        finally:
            del db.session.execute

    reminders._remind_cycle = stale_view  # type: ignore[assignment]
    try:
        summary = _run(today)
    finally:
        reminders._remind_cycle = original  # type: ignore[assignment]
    assert [r.country for r in summary.reminders] == ["DEU"]
    assert _sent(mailbox) == ["deu@example.org"]
    assert db.session.scalar(select(func.count()).where(Notification.kind == "due")) == 1


def test_the_command_prints_what_it_sent_and_runs_twice_safely(people, cycle, mailbox, app) -> None:  # type: ignore[no-untyped-def]
    _due(cycle, utcnow().date() + timedelta(days=3))
    runner = app.test_cli_runner()
    first = runner.invoke(main, ["reminders", "send"])
    assert first.exit_code == 0, first.output
    assert "cycle 2026, FRA, due in 3 day(s)" in first.output and "DEU" in first.output
    settle()
    assert len(mailbox.messages) == 3
    second = runner.invoke(main, ["reminders", "send"])
    assert second.exit_code == 0 and "nothing to send" in second.output
    settle()
    assert len(mailbox.messages) == 3


def test_a_daily_digest_once_a_day(people, cycle, mailbox) -> None:  # type: ignore[no-untyped-def]
    reviewer = people["reviewer"]
    reviewer.notify_by = "daily"
    db.session.commit()
    for iso3 in ("FRA", "DEU"):
        assessment, _ = services.start_assessment(people[iso3.lower()], cycle, iso3)
        services.submit(people[iso3.lower()], assessment)
    settle()
    assert mailbox.to("reviewer@example.org") == []  # daily: nothing at once
    now = utcnow()
    summary = reminders.send_due(now=now)
    settle()
    assert [(d.email, d.notifications) for d in summary.digests] == [("reviewer@example.org", 2)]
    (digest,) = mailbox.to("reviewer@example.org")
    body = digest.get_body(preferencelist=("plain",)).get_content()
    assert "France" in body and "Allemagne" in body  # in French, as the reviewer reads
    assert "/cycles/2026/countries/FRA/" in body
    # A new notification an hour later waits for the next day's digest.
    assessment = services.find_assessment("2026", "FRA")
    services.return_assessment(people["admin"], assessment, "Please complete.")
    assessment = services.find_assessment("2026", "FRA")
    services.submit(people["fra"], assessment)
    assert reminders.send_due(now=now + timedelta(hours=1)).digests == ()
    assert reminders.send_due(now=now + timedelta(hours=23, minutes=59)).digests == ()
    later = reminders.send_due(now=now + timedelta(hours=24))
    settle()
    assert [(d.email, d.notifications) for d in later.digests] == [("reviewer@example.org", 1)]
    assert len(mailbox.to("reviewer@example.org")) == 2
    assert reminders.send_due(now=now + timedelta(hours=25)).digests == ()


def test_a_digest_leaves_out_what_was_read(people, cycle, mailbox) -> None:  # type: ignore[no-untyped-def]
    people["reviewer"].notify_by = "daily"
    db.session.commit()
    assessment, _ = services.start_assessment(people["fra"], cycle, "FRA")
    services.submit(people["fra"], assessment)
    from questionnaire.services import notifications

    notifications.mark_all_read(db.session.get(User, people["reviewer"].id))
    assert reminders.send_due().digests == ()


def test_the_scheduled_job_runs_inside_the_application(people, cycle, mailbox) -> None:  # type: ignore[no-untyped-def]
    _due(cycle, utcnow().date() + timedelta(days=1))
    text = reminders.run_scheduled()
    settle()
    assert "FRA" in text and len(mailbox.messages) == 3


def test_the_scheduler_needs_the_queue(app) -> None:  # type: ignore[no-untyped-def]
    result = app.test_cli_runner().invoke(main, ["scheduler"])
    assert result.exit_code == 1 and "REDIS_URL" in result.output


def test_runs_in_parallel_threads_send_each_reminder_once(people, cycle, mailbox, app) -> None:  # type: ignore[no-untyped-def]
    import threading

    _due(cycle)
    today = DUE - timedelta(days=7)
    barrier = threading.Barrier(3)
    summaries: list[reminders.Summary] = []
    errors: list[BaseException] = []

    def run() -> None:
        with app.app_context():
            try:
                barrier.wait()
                summaries.append(reminders.send_due(today))
            except BaseException as error:  # noqa: BLE001 - reported below
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    settle()
    assert errors == []
    assert sorted(r.country for s in summaries for r in s.reminders) == ["DEU", "FRA"]
    assert _sent(mailbox) == ["deu@example.org", "fra2@example.org", "fra@example.org"]
