"""The notifications page, reading one, the unread count in the header, and the e-mail preference."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from questionnaire import services
from questionnaire.db import db
from questionnaire.models import Notification, User
from questionnaire.services import notifications

from .conftest import settle


def _returned(people: dict[str, User], cycle: Any) -> Any:
    assessment, _ = services.start_assessment(people["fra"], cycle, "FRA")
    services.submit(people["fra"], assessment)
    services.add_comment(people["reviewer"], assessment, "CL-1", "Which <b>article</b>?")
    services.return_assessment(people["reviewer"], assessment, "Please complete.")
    settle()
    return assessment


def _header_count(html: str) -> str:
    match = re.search(r'class="site-nav__notifications"[^>]*>(.*?)</a>', html, re.S)
    assert match, "no notifications link in the header"
    return re.sub(r"<[^>]+>", "", match.group(1)).split()


def test_the_list_the_count_and_reading_one(people, cycle, make_client) -> None:  # type: ignore[no-untyped-def]
    _returned(people, cycle)
    client = make_client()
    client.login("fra@example.org")
    home = client.get("/").get_data(as_text=True)
    assert _header_count(home) == ["Notifications", "2", "(2", "unread)"]
    page = client.get("/notifications").get_data(as_text=True)
    assert page.index("returned the self-assessment of France") < page.index("commented on CL-1")  # newest first
    assert "Which &lt;b&gt;article&lt;/b&gt;?" in page and "<b>article</b>" not in page
    comment = db.session.scalar(
        select(Notification).where(Notification.user_id == people["fra"].id, Notification.kind == "comment")
    )
    response = client.post_form(f"/notifications/{comment.id}/read", page="/notifications")
    assert response.status_code == 302
    assert response.headers["Location"] == "/cycles/2026/countries/FRA/sections/criminal-law#item-CL-1"
    section = client.get("/cycles/2026/countries/FRA/sections/criminal-law").get_data(as_text=True)
    assert _header_count(section) == ["Notifications", "1", "(1", "unread)"]
    # Reading it again changes nothing.
    client.post_form(f"/notifications/{comment.id}/read", page="/notifications")
    db.session.expire_all()
    assert db.session.get(User, people["fra"].id).unread_notifications == 1
    client.post_form("/notifications/read-all", page="/notifications")
    db.session.expire_all()
    assert db.session.get(User, people["fra"].id).unread_notifications == 0
    section = client.get("/cycles/2026/countries/FRA/sections/criminal-law").get_data(as_text=True)
    assert _header_count(section) == ["Notifications"]  # the cached page shows the new count


def test_the_list_reads_in_the_readers_language(people, cycle, make_client) -> None:  # type: ignore[no-untyped-def]
    _returned(people, cycle)
    client = make_client()
    client.login("fra2@example.org")  # reads Arabic
    page = client.get("/notifications").get_data(as_text=True)
    assert 'dir="rtl"' in page and "فرنسا" in page
    client.post_form("/language", {"lang": "fr", "next": "/"}, page="/")
    page = client.get("/notifications").get_data(as_text=True)
    assert "France" in page and "فرنسا" not in page
    assert re.search(r"il y a|à l’instant|dans", page), "the time, in French"


def test_nobody_reads_anothers_notification(people, cycle, make_client) -> None:  # type: ignore[no-untyped-def]
    _returned(people, cycle)
    theirs = db.session.scalar(select(Notification.id).where(Notification.user_id == people["fra"].id))
    client = make_client()
    client.login("deu@example.org")
    assert client.post_form(f"/notifications/{theirs}/read", page="/notifications").status_code == 404
    assert "France" not in client.get("/notifications").get_data(as_text=True)
    assert db.session.scalar(select(Notification.read_at).where(Notification.id == theirs)) is None


def test_pages_of_notifications(people, cycle, make_client) -> None:  # type: ignore[no-untyped-def]
    for n in range(notifications.PER_PAGE + 3):
        notifications.notify([people["deu"]], notifications.DUE, {"cycle": "2026", "country": "DEU", "days": n}, "/")
    db.session.commit()
    client = make_client()
    client.login("deu@example.org")
    first = client.get("/notifications").get_data(as_text=True)
    assert first.count('class="notification ') == notifications.PER_PAGE and "Page 1 of 2" in first
    second = client.get("/notifications?page=2").get_data(as_text=True)
    assert second.count('class="notification ') == 3
    for odd in ("0", "-4", "abc", "99999999999999999999", "%00"):
        assert client.get(f"/notifications?page={odd}").status_code in (200, 400)


def test_choosing_how_notifications_come(people, make_client) -> None:  # type: ignore[no-untyped-def]
    client = make_client()
    client.login("fra@example.org")
    page = client.get("/account/notifications").get_data(as_text=True)
    assert re.search(r'<input checked[^>]*value="instant"|value="instant"[^>]*checked', page)
    response = client.post_form("/account/notifications", {"notify_by": "daily"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, people["fra"].id).notify_by == "daily"
    refused = client.post_form("/account/notifications", {"notify_by": "hourly"})
    assert refused.status_code == 422 and "error-summary" in refused.get_data(as_text=True)
    empty = client.post_form("/account/notifications", {})
    assert empty.status_code == 422
    db.session.expire_all()
    assert db.session.get(User, people["fra"].id).notify_by == "daily"


def test_anonymous_visitors_are_sent_to_sign_in(app, make_client) -> None:  # type: ignore[no-untyped-def]
    client = make_client()
    for url in ("/notifications", "/account/notifications"):
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")
