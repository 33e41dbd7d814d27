"""Admins close a cycle only after confirming what is unfinished, reopen it (audited), delete an unused one."""

from __future__ import annotations

from sqlalchemy import func, select

from questionnaire import services
from questionnaire.db import db
from questionnaire.models import Country, Cycle

from .conftest import add_user


def _admin(make_client):  # type: ignore[no-untyped-def]
    admin = make_client()
    admin.login("admin@example.org")
    return admin


def test_closing_asks_for_confirmation_naming_what_is_unfinished(make_client, users, cycle) -> None:  # type: ignore[no-untyped-def]
    services.start_assessment(users["fra"], cycle, "FRA")  # a draft: counted as not submitted
    germany, _ = services.start_assessment(users["deu"], cycle, "DEU")
    services.submit(users["deu"], germany)
    services.return_assessment(users["reviewer"], germany, "Please cite the law.")
    ita = add_user("ita@example.org", "respondent", "ITA")
    italy, _ = services.start_assessment(ita, cycle, "ITA")
    services.submit(ita, italy)
    admin = _admin(make_client)
    asked = admin.post_form("/admin/cycles/2026/close", page="/admin/cycles")
    assert asked.status_code == 200
    page = asked.get_data(as_text=True)
    countries = db.session.scalar(select(func.count()).select_from(Country))
    assert "1 assessment is returned to its country and still awaits its answers." in page
    assert f"{countries - 2} countries have not submitted (whether they have started a draft or not)." in page
    assert db.session.scalar(select(Cycle.is_open)) is True, "asking closed the cycle"
    done = admin.post_form("/admin/cycles/2026/close", {"confirm": "1"}, page="/admin/cycles", follow_redirects=True)
    assert "Cycle 2026 is closed." in done.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(Cycle.is_open)) is False


def test_the_confirmation_reveals_no_draft(make_client, users, cycle) -> None:  # type: ignore[no-untyped-def]
    """A country's draft and its having nothing count the same: the page is identical."""
    admin = _admin(make_client)
    before = admin.post_form("/admin/cycles/2026/close", page="/admin/cycles").get_data(as_text=True)
    services.start_assessment(users["fra"], cycle, "FRA")
    after = admin.post_form("/admin/cycles/2026/close", page="/admin/cycles").get_data(as_text=True)
    strip = lambda html: "".join(line for line in html.splitlines() if "csrf_token" not in line)  # noqa: E731
    assert strip(before) == strip(after)


def test_an_admin_reopens_a_closed_cycle_and_the_history_records_who(make_client, users, cycle) -> None:  # type: ignore[no-untyped-def]
    admin = _admin(make_client)
    admin.post_form("/admin/cycles/2026/close", {"confirm": "1"}, page="/admin/cycles")
    done = admin.post_form("/admin/cycles/2026/reopen", page="/admin/cycles", follow_redirects=True)
    assert "Cycle 2026 is open again" in done.get_data(as_text=True)
    found = services.find_cycle("2026")
    assert found.is_open and found.closed_at is None
    events = services.cycle_events(found)
    assert [(e.action, e.user.email) for e in events] == [
        ("closed", "admin@example.org"),
        ("reopened", "admin@example.org"),
    ]
    page = admin.get("/admin/cycles").get_data(as_text=True)
    assert "reopened" in page and "admin@example.org" in page
    again = admin.post_form("/admin/cycles/2026/reopen", page="/admin/cycles")
    assert again.status_code == 409


def test_an_unused_cycle_can_be_deleted_a_started_one_cannot(make_client, users, cycle) -> None:  # type: ignore[no-untyped-def]
    services.create_cycle("2030", "Opened by mistake")
    admin = _admin(make_client)
    page = admin.get("/admin/cycles").get_data(as_text=True)
    assert 'action="/admin/cycles/2030/delete"' in page and 'action="/admin/cycles/2026/delete"' in page
    unconfirmed = admin.post_form("/admin/cycles/2030/delete", page="/admin/cycles")
    assert unconfirmed.status_code == 409 and services.find_cycle("2030")
    done = admin.post_form("/admin/cycles/2030/delete", {"confirm": "1"}, page="/admin/cycles", follow_redirects=True)
    assert "Cycle 2030 was deleted." in done.get_data(as_text=True)
    assert [c.code for c in services.list_cycles()] == ["2026"]
    services.start_assessment(users["fra"], cycle, "FRA")
    assert 'action="/admin/cycles/2026/delete"' not in admin.get("/admin/cycles").get_data(as_text=True)
    refused = admin.post_form("/admin/cycles/2026/delete", {"confirm": "1"}, page="/admin/cycles")
    assert refused.status_code == 409
    assert "countries have started assessments in it" in refused.get_data(as_text=True)
    assert services.find_cycle("2026") is not None


def test_closing_a_cycle_publishes_its_means_once(make_client, users, cycle) -> None:  # type: ignore[no-untyped-def]
    germany, _ = services.start_assessment(users["deu"], cycle, "DEU")
    services.submit(users["deu"], germany)
    services.close_cycle(cycle)
    first = services.find_cycle("2026")
    published, at = first.published_means, first.means_published_at
    assert published["countries"] == 1 and at is not None
    services.reopen_cycle(first)
    services.close_cycle(services.find_cycle("2026"))
    again = services.find_cycle("2026")
    assert again.published_means == published and again.means_published_at == at
