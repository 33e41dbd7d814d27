"""A cycle's due date: set on the command line and the admin page, days left, late submissions."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from questionnaire import services
from questionnaire.db import db
from questionnaire.models import Assessment, Cycle, CycleEvent

from .conftest import DECLARATION


def test_days_left_and_late() -> None:
    cycle = Cycle(code="x", due_date=date(2026, 3, 31))
    assert cycle.days_left(date(2026, 3, 29)) == 2
    assert cycle.days_left(date(2026, 3, 31)) == 0
    assert cycle.days_left(date(2026, 4, 2)) == -2
    assert not cycle.is_late(datetime(2026, 3, 31, 23, 59, 59, tzinfo=UTC))
    assert cycle.is_late(datetime(2026, 4, 1, 0, 0, 1, tzinfo=UTC))
    assert not Cycle(code="y").is_late(datetime(2030, 1, 1, tzinfo=UTC))


def test_the_command_line_sets_the_due_date_and_refuses_a_bad_one(app) -> None:  # type: ignore[no-untyped-def]
    from questionnaire.cli import main

    runner = app.test_cli_runner()
    bad = runner.invoke(main, ["cycles", "create", "2027", "--due", "2027-02-30"])
    assert bad.exit_code != 0 and "--due" in bad.output and "2027-02-30" in bad.output
    assert db.session.scalar(select(Cycle)) is None  # nothing half-made
    good = runner.invoke(main, ["cycles", "create", "2027", "--due", "2027-03-31"])
    assert good.exit_code == 0, good.output
    assert "due 2027-03-31" in good.output
    assert services.find_cycle("2027").due_date == date(2027, 3, 31)


def test_the_admin_page_sets_changes_and_clears_it(app, users, make_client) -> None:  # type: ignore[no-untyped-def]
    admin = make_client()
    admin.login("admin@example.org")
    made = admin.post_form(
        "/admin/cycles", {"code": "2027", "title": "", "due_date": "2027-03-31"}, page="/admin/cycles"
    )
    assert made.status_code == 302
    assert services.find_cycle("2027").due_date == date(2027, 3, 31)
    bad = admin.post_form("/admin/cycles", {"code": "2028", "due_date": "31/03/2028"}, page="/admin/cycles")
    assert bad.status_code == 400 and "Not a valid date value." in bad.get_data(as_text=True)
    page = admin.post_form(
        "/admin/cycles/2027/due", {"due_date": "2027-04-15"}, page="/admin/cycles", follow_redirects=True
    ).get_data(as_text=True)
    assert "Answers in cycle 2027 are due on April 15, 2027." in page
    assert "due date set to 2027-04-15" in page
    admin.post_form("/admin/cycles/2027/due", {"due_date": ""}, page="/admin/cycles")
    db.session.expire_all()
    assert services.find_cycle("2027").due_date is None
    actions = [e.action for e in db.session.scalars(select(CycleEvent).order_by(CycleEvent.id))]
    assert actions == ["due_date", "due_date"]
    respondent = make_client()
    respondent.login("fra@example.org")
    assert respondent.post_form("/admin/cycles/2027/due", {"due_date": "2027-01-01"}, page="/").status_code in (
        403,
        404,
    )
    db.session.expire_all()
    assert services.find_cycle("2027").due_date is None


def test_a_late_submission_is_accepted_and_marked(app, users, make_client) -> None:  # type: ignore[no-untyped-def]
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    services.create_cycle("2026", due=yesterday)
    client = make_client()
    client.login("fra@example.org")
    base = "/cycles/2026/countries/FRA"
    client.post_form(f"{base}/start", page="/")
    assert "1 day past the due date" in client.get(f"{base}/").get_data(as_text=True)
    assert client.post_form(f"{base}/submit", DECLARATION, page=f"{base}/submit").status_code == 302
    assessment = db.session.scalar(select(Assessment))
    assert assessment.status == "submitted" and assessment.first_submitted_at is not None
    assert assessment.cycle.is_late(assessment.first_submitted_at)
    assert "first submitted on" in client.get(f"{base}/").get_data(as_text=True)
    first = assessment.first_submitted_at
    reviewer = make_client()
    reviewer.login("reviewer@example.org")
    reviewer.post_form(f"{base}/return", {"comment": "Cite the law."}, page=f"{base}/")
    client.post_form(f"{base}/submit", DECLARATION, page=f"{base}/submit")
    db.session.expire_all()
    assessment = db.session.scalar(select(Assessment))
    assert assessment.first_submitted_at == first and assessment.submitted_at > first


def test_the_api_gives_the_due_date(app, users) -> None:  # type: ignore[no-untyped-def]
    from questionnaire import auth

    services.create_cycle("2026", due=date(2026, 12, 31))
    token = auth.issue_token(users["reviewer"], "t")
    body = app.test_client().get("/api/v1/cycles", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert body["cycles"][0]["due_date"] == "2026-12-31"
