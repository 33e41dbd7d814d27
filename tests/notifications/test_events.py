"""Each event's notification: who receives it, in which language, with a link that works for them; nobody else."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import func, select

from questionnaire import services
from questionnaire.db import db
from questionnaire.models import Notification, User
from questionnaire.services import notifications, team

from ..conftest import DECLARATION, PASSWORD, link_in
from .conftest import path_of, settle


def _count(user: User) -> int:
    return int(db.session.scalar(select(func.count()).where(Notification.user_id == user.id)) or 0)


def _addresses(mailbox: Any) -> list[str]:
    return sorted(str(m["To"]) for m in mailbox.messages)


def _submitted(people: dict[str, User], cycle: Any, iso3: str = "FRA") -> Any:
    assessment, _ = services.start_assessment(people[iso3.lower()], cycle, iso3)
    services.submit(people[iso3.lower()], assessment, "Ready for review.")
    return assessment


def test_a_submission_reaches_the_secretariat_in_each_ones_language(people, cycle, mailbox, make_client) -> None:  # type: ignore[no-untyped-def]
    client = make_client()
    client.login("deu@example.org")
    client.post("/cycles/2026/countries/DEU/start", data={"csrf_token": client.csrf_token("/")})
    response = client.post_form(
        "/cycles/2026/countries/DEU/submit", {"comment": "Alles bereit.", **DECLARATION}, page="/"
    )
    assert response.status_code == 302
    settle()
    # The reviewer reads French; the admin chose no e-mail: only the platform tells them.
    assert _addresses(mailbox) == ["reviewer@example.org"]
    (message,) = mailbox.to("reviewer@example.org")
    assert "Allemagne" in message["Subject"] and "2026" in message["Subject"]
    assert message["Content-Language"] == "fr"
    html = message.get_body(preferencelist=("html",)).get_content()
    assert 'lang="fr"' in html and "Alles bereit." in html
    link = link_in(message)
    assert link.startswith("http://localhost/cycles/2026/countries/DEU/")
    reviewer = make_client()
    reviewer.login("reviewer@example.org")
    assert reviewer.get(path_of(link)).status_code == 200
    assert _count(people["admin"]) == 1 and _count(people["reviewer"]) == 1
    # Nobody of any country hears of another's submission.
    assert _count(people["fra"]) == _count(people["fra2"]) == _count(people["deu"]) == 0


def test_a_return_reaches_the_countrys_focal_points_only(people, cycle, mailbox, make_client) -> None:  # type: ignore[no-untyped-def]
    assessment = _submitted(people, cycle)
    _submitted(people, cycle, "DEU")
    settle()
    mailbox.clear()
    reviewer = make_client()
    reviewer.login("reviewer@example.org")
    reviewer.post_form("/cycles/2026/countries/FRA/return", {"comment": "Please cite <the law>."}, page="/")
    mailbox.wait_for(2)
    settle()
    assert _addresses(mailbox) == ["fra2@example.org", "fra@example.org"]
    arabic = mailbox.to("fra2@example.org")[0]
    assert arabic["Content-Language"] == "ar"
    assert "فرنسا" in arabic["Subject"]  # France, in Arabic
    html = arabic.get_body(preferencelist=("html",)).get_content()
    assert 'dir="rtl"' in html and 'lang="ar"' in html
    assert "Please cite &lt;the law&gt;." in html and "<the law>" not in html  # the comment is escaped
    english = mailbox.to("fra@example.org")[0]
    assert "Anne Analyst returned the self-assessment of France for cycle 2026." in english["Subject"]
    focal = make_client()
    focal.login("fra@example.org")
    assert focal.get(path_of(link_in(english))).status_code == 200
    assert _count(people["deu"]) == 0
    db.session.expire_all()
    assert services.find_assessment("2026", "FRA").status == "returned"
    assert assessment.id


def test_an_acceptance_reaches_the_focal_points(people, cycle, mailbox) -> None:  # type: ignore[no-untyped-def]
    assessment = _submitted(people, cycle)
    settle()
    mailbox.clear()
    services.accept(people["reviewer"], assessment, "Thank you.")
    mailbox.wait_for(2)
    settle()
    assert _addresses(mailbox) == ["fra2@example.org", "fra@example.org"]
    assert "accepted the self-assessment of France" in mailbox.to("fra@example.org")[0]["Subject"]


def test_a_draft_tells_the_secretariat_nothing(people, cycle, mailbox) -> None:  # type: ignore[no-untyped-def]
    assessment, _ = services.start_assessment(people["fra"], cycle, "FRA")
    services.add_comment(people["fra"], assessment, "CL-1", "A question among ourselves.")
    settle()
    assert mailbox.messages == []
    assert _count(people["reviewer"]) == _count(people["admin"]) == 0


def test_comments_go_to_the_other_side_and_only_to_who_may_read_the_item(people, cycle, mailbox) -> None:  # type: ignore[no-untyped-def]
    assessment, _ = services.start_assessment(people["fra"], cycle, "FRA")
    team.assign(people["fra"], assessment, people["contributor"], "criminal-law")
    team.assign(people["fra"], assessment, people["other_contributor"], "law-enforcement")
    services.submit(people["fra"], assessment, "")
    services.return_assessment(people["reviewer"], assessment, "See the comments.")
    settle()
    mailbox.clear()
    # A reviewer's comment: France's focal points and the contributor assigned CL-1, not the other one.
    services.add_comment(people["reviewer"], assessment, "CL-1", "Which article defines the offence?")
    mailbox.wait_for(3)
    settle()
    assert _addresses(mailbox) == ["fra2@example.org", "fra@example.org", "police@example.org"]
    message = mailbox.to("police@example.org")[0]
    assert "CL-1" in message["Subject"] and "Which article defines the offence?" in link_in_body(message)
    assert link_in(message).endswith("/cycles/2026/countries/FRA/sections/criminal-law#item-CL-1")
    # The country answers: the reviewer who commented hears of it, not the other reviewers.
    other_reviewer = _reviewer("second.reviewer@example.org")
    mailbox.clear()
    services.add_comment(people["contributor"], assessment, "CL-1", "Article 225-4-1 of the penal code.")
    mailbox.wait_for(1)
    settle()
    assert _addresses(mailbox) == ["reviewer@example.org"]
    assert _count(other_reviewer) == 0
    assert _count(people["deu"]) == 0


def test_a_countrys_first_comment_goes_to_every_reviewer(people, cycle, mailbox) -> None:  # type: ignore[no-untyped-def]
    assessment = _submitted(people, cycle)
    services.return_assessment(people["reviewer"], assessment, "See the comments.")
    other_reviewer = _reviewer("second.reviewer@example.org")
    settle()
    mailbox.clear()
    services.add_comment(people["fra"], assessment, "CL-2", "We added the figures.")
    mailbox.wait_for(2)
    settle()
    assert _addresses(mailbox) == ["reviewer@example.org", "second.reviewer@example.org"]
    assert _count(other_reviewer) == 1
    assert _count(people["admin"]) == 1  # the submission only: the country's comment went to the reviewers
    assert _count(people["fra2"]) == 1  # the return, not her colleague's comment


def link_in_body(message: Any) -> str:
    return str(message.get_body(preferencelist=("plain",)).get_content())


def _reviewer(email: str) -> User:
    from ..conftest import add_user

    return add_user(email, "reviewer")


def test_an_assignment_and_a_section_sent_back_reach_the_contributor(people, cycle, mailbox, make_client) -> None:  # type: ignore[no-untyped-def]
    assessment, _ = services.start_assessment(people["fra"], cycle, "FRA")
    team.assign(people["fra"], assessment, people["contributor"], "criminal-law")
    mailbox.wait_for(1)
    settle()
    (message,) = mailbox.to("police@example.org")
    assert "Claire Martin assigned you the section" in message["Subject"]
    contributor = make_client()
    contributor.login("police@example.org")
    assert contributor.get(path_of(link_in(message))).status_code == 200
    mailbox.clear()
    team.send_back(people["fra"], assessment, "criminal-law", "Add the 2025 figures.")
    mailbox.wait_for(1)
    settle()
    assert _addresses(mailbox) == ["police@example.org"]
    assert "Add the 2025 figures." in link_in_body(mailbox.messages[0])
    assert _count(people["other_contributor"]) == 0


def test_nothing_is_sent_or_kept_when_the_transaction_rolls_back(people, cycle, mailbox) -> None:  # type: ignore[no-untyped-def]
    notifications.notify([people["fra"]], notifications.DUE, {"cycle": "2026", "country": "FRA"}, "/")
    db.session.rollback()
    db.session.commit()  # a later commit sends nothing left over
    settle()
    assert mailbox.messages == []
    assert _count(people["fra"]) == 0
    assert db.session.get(User, people["fra"].id).unread_notifications == 0


def test_notify_never_tells_a_country_about_another(people, cycle, mailbox) -> None:  # type: ignore[no-untyped-def]
    rows = notifications.notify(
        [people["deu"], people["fra"], people["contributor"]],
        notifications.RETURNED,
        {"cycle": "2026", "country": "FRA", "actor": "x"},
        "/",
    )
    db.session.commit()
    assert sorted(r.user_id for r in rows) == sorted([people["fra"].id, people["contributor"].id])
    settle()
    assert "deu@example.org" not in _addresses(mailbox)


def test_off_gets_no_email_but_the_notification(people, cycle, mailbox) -> None:  # type: ignore[no-untyped-def]
    people["fra"].notify_by = "off"
    db.session.commit()
    assessment = _submitted(people, cycle)
    services.accept(people["reviewer"], assessment)
    mailbox.wait_for(2)  # the reviewer's (submitted) and fra2's (accepted)
    settle()
    assert mailbox.to("fra@example.org") == []
    assert _count(people["fra"]) == 1
    row = db.session.scalar(select(Notification).where(Notification.user_id == people["fra"].id))
    assert row.emailed_at is None and row.kind == "accepted"


def test_no_secret_reaches_the_log(people, cycle, mailbox, make_client, caplog) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.DEBUG)
    client = make_client()
    client.login("fra@example.org")
    client.post("/cycles/2026/countries/FRA/start", data={"csrf_token": client.csrf_token("/")})
    client.post_form("/cycles/2026/countries/FRA/submit", {"comment": "x", **DECLARATION}, page="/")
    settle()
    assert mailbox.messages
    text = caplog.text
    assert PASSWORD not in text
    assert "csrf" not in text.lower()
    assert people["fra"].password_hash not in text
