"""Invitations and password resets, as a real SMTP server on loopback receives them: each link works once."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
from sqlalchemy import func, select

from questionnaire import auth
from questionnaire.cli import main
from questionnaire.db import db
from questionnaire.models import LoginSession, User

from ..conftest import PASSWORD, link_in, mail_config

NEW_PASSWORD = "a fresh and long passphrase"


@pytest.fixture
def app_config(mailbox):  # type: ignore[no-untyped-def]
    return mail_config(mailbox)


def _path(link: str) -> str:
    return "/" + link.split("/", 3)[3]


def _text(message: Any) -> str:
    return str(message.get_body(preferencelist=("plain",)).get_content())


def _html(message: Any) -> str:
    return str(message.get_body(preferencelist=("html",)).get_content())


def test_an_admin_invites_a_reviewer_who_sets_a_password_once(make_client, users, mailbox) -> None:  # type: ignore[no-untyped-def]
    admin = make_client()
    admin.login("admin@example.org")
    response = admin.post_form(
        "/admin/users",
        {"email": "analyst@example.org", "name": "Ana Lyst", "role": "reviewer", "country": ""},
        page="/admin/users",
    )
    assert response.status_code == 302  # e-mailed: nothing secret is shown on the page
    (message,) = mailbox.wait_for(1)
    assert message["To"] == "analyst@example.org"
    assert message["From"] == "THB platform <no-reply@thb.test>"
    assert message["Subject"] == "Your invitation to the THB self-assessment platform"
    assert message["Auto-Submitted"] == "auto-generated"
    link = link_in(message)
    assert link.startswith("http://localhost/invitations/")
    assert link in _html(message) and "Dear Ana Lyst," in _text(message) and "72 hours" in _text(message)
    assert "second factor" in _text(message)  # a reviewer is told what comes after the password
    invited = make_client()
    page = invited.get(_path(link))
    assert page.status_code == 200 and "analyst@example.org" in page.get_data(as_text=True)
    done = invited.post_form(_path(link), {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302
    invited.login("analyst@example.org", NEW_PASSWORD)
    # The link is spent: a second use is refused and the password stays.
    again = make_client().get(_path(link))
    assert again.status_code == 404 and "used already" in again.get_data(as_text=True)
    assert auth.verify_password(auth.find_user("analyst@example.org"), NEW_PASSWORD)


def test_an_invitation_is_written_in_the_inviters_language(make_client, users, mailbox) -> None:  # type: ignore[no-untyped-def]
    admin = make_client()
    admin.login("admin@example.org")
    admin.post_form("/language", {"lang": "fr", "next": "/admin/users"}, page="/admin/users")
    admin.post_form(
        "/admin/users", {"email": "fr@example.org", "role": "respondent", "country": "FRA"}, page="/admin/users"
    )
    (message,) = mailbox.wait_for(1)
    assert message["Subject"].strip() == "Votre invitation à la plateforme d’auto-évaluation TEH"
    assert message["Content-Language"] == "fr"
    assert "72 heures" in _text(message) and 'lang="fr"' in _html(message)


def test_an_invitation_in_arabic_reads_right_to_left(make_client, users, mailbox) -> None:  # type: ignore[no-untyped-def]
    users["admin"].locale = "ar"
    db.session.commit()
    from questionnaire.services import accounts

    with db.session.no_autoflush:
        accounts.invite_user("ar@example.org", "reviewer", by=users["admin"])
    (message,) = mailbox.wait_for(1)
    html = _html(message)
    # Outside a request the inviter's language is unknown: the new account has none either, so English.
    assert 'dir="ltr"' in html
    user = auth.find_user("ar@example.org")
    user.locale = "ar"
    db.session.commit()
    accounts.resend_invitation(user)
    second = mailbox.wait_for(2)[1]
    assert 'dir="rtl"' in _html(second) and 'lang="ar"' in _html(second)
    assert second["Subject"].strip() == "دعوتك إلى منصة التقييم الذاتي بشأن الاتجار بالبشر"


def test_a_resent_invitation_works_and_an_accepted_one_cannot_be_resent(make_client, users, mailbox) -> None:  # type: ignore[no-untyped-def]
    from questionnaire.services import accounts

    invitation = accounts.invite_user("late@example.org", "respondent", "DEU")
    admin = make_client()
    admin.login("admin@example.org")
    user_id = invitation.user.id
    page = f"/admin/users/{user_id}"
    assert "Send a new invitation" in admin.get(page).get_data(as_text=True)
    admin.post_form(f"/admin/users/{user_id}/invitation", page=page)
    first, second = mailbox.wait_for(2)
    client = make_client()
    path = _path(link_in(second))
    assert client.post_form(path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302
    # Setting the password spends every link sent for that account, the first one as well.
    assert make_client().get(_path(link_in(first))).status_code == 404
    refused = admin.post_form(f"/admin/users/{user_id}/invitation", page=page, follow_redirects=True)
    assert "has set a password already" in refused.get_data(as_text=True)
    mailbox.wait_for(2)
    assert len(mailbox.messages) == 2


def test_a_focal_point_invites_a_contributor_by_email(make_client, users, cycle, mailbox) -> None:  # type: ignore[no-untyped-def]
    from questionnaire import services

    services.start_assessment(users["fra"], cycle, "FRA")
    focal = make_client()
    focal.login("fra@example.org")
    team = "/cycles/2026/countries/FRA/team"
    page = focal.post_form(f"{team}/invite", {"email": "interior@example.org", "name": "Interior"}, page=team)
    text = page.get_data(as_text=True)
    assert "An invitation was e-mailed to them." in text and "/invitations/" not in text
    (message,) = mailbox.wait_for(1)
    assert "contribute to the self-assessment of France" in _text(message)
    assert "Focal point" not in message["Subject"]


def test_a_password_reset_answers_the_same_and_mails_only_a_real_account(make_client, users, mailbox) -> None:  # type: ignore[no-untyped-def]
    client = make_client()
    known = client.post_form("/password-reset", {"email": "fra@example.org"})
    unknown = client.post_form("/password-reset", {"email": "nobody@example.org"}, page="/password-reset")
    assert known.status_code == unknown.status_code == 200

    def said(response: Any, address: str) -> str:
        return response.get_data(as_text=True).replace(address, "ADDRESS")

    assert said(known, "fra@example.org") == said(unknown, "nobody@example.org")
    (message,) = mailbox.wait_for(1)
    assert message["To"] == "fra@example.org"
    assert "2 hours" in _text(message)
    assert not mailbox.to("nobody@example.org")


def test_a_reset_link_works_once_and_ends_every_session_and_token(make_client, users, mailbox, app) -> None:  # type: ignore[no-untyped-def]
    elsewhere = make_client()
    elsewhere.login("fra@example.org")
    token = auth.issue_token(users["fra"], "script")
    make_client().post_form("/password-reset", {"email": "FRA@example.org "})
    (message,) = mailbox.wait_for(1)
    path = _path(link_in(message))
    client = make_client()
    form = client.get(path)
    assert form.status_code == 200
    mismatch = client.post_form(path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD + "!"})
    assert mismatch.status_code == 400 and "The two passwords differ." in mismatch.get_data(as_text=True)
    done = client.post_form(path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}, follow_redirects=True)
    assert "Your password was changed." in done.get_data(as_text=True)
    assert elsewhere.get("/").status_code == 302  # signed out
    assert db.session.scalar(select(func.count()).select_from(LoginSession)) == 0
    assert auth.user_for_token(token) is None
    assert make_client().get(path).status_code == 404  # spent
    client.login("fra@example.org", NEW_PASSWORD)


def test_a_forged_or_tampered_link_is_refused(make_client, users) -> None:  # type: ignore[no-untyped-def]
    from questionnaire.services import accounts

    token = accounts.link_token(users["fra"], "reset")
    client = make_client()
    assert client.get(f"/password-reset/{token[:-2]}xx").status_code == 404
    # An invitation link is no reset link, and the other way round.
    assert client.get(f"/invitations/{token}").status_code == 404
    assert client.get(f"/password-reset/{'a' * 600}").status_code == 404


def test_reset_requests_are_throttled_per_address(make_client, users, mailbox) -> None:  # type: ignore[no-untyped-def]
    client = make_client()
    statuses = [
        client.post_form("/password-reset", {"email": "fra@example.org"}, page="/password-reset").status_code
        for _ in range(6)
    ]
    assert statuses == [200] * 5 + [429]
    mailbox.wait_for(5)
    assert len(mailbox.messages) == 5


def test_a_temporary_failure_is_retried_and_a_refusal_is_not(users, mailbox, caplog) -> None:  # type: ignore[no-untyped-def]
    from questionnaire import mail
    from questionnaire.services import accounts

    mailbox.fail_next = 1  # "451 try again later" once
    accounts.request_password_reset("fra@example.org")
    (message,) = mailbox.wait_for(1)
    assert message["To"] == "fra@example.org"
    mailbox.refuse.add("deu@example.org")
    with caplog.at_level(logging.INFO, logger="questionnaire.mail"):
        accounts.request_password_reset("deu@example.org")
        assert mail.wait_until_sent(10)
    assert len(mailbox.messages) == 1
    assert any("refused by the server" in r.getMessage() for r in caplog.records)


def test_no_link_or_password_reaches_the_log(app, users, mailbox, caplog) -> None:  # type: ignore[no-untyped-def]
    from questionnaire import mail
    from questionnaire.services import accounts

    with caplog.at_level(logging.DEBUG):
        invitation = accounts.invite_user("secret@example.org", "reviewer")
        accounts.request_password_reset("fra@example.org")
        assert mail.wait_until_sent(10)
        mailbox.wait_for(2)
    # Every log but the test SMTP server's own (aiosmtpd writes out what it receives, at DEBUG).
    logged = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("mail.log"))
    token = invitation.link.rsplit("/", 1)[-1]
    assert token not in logged
    reset_token = link_in(mailbox.to("fra@example.org")[0]).rsplit("/", 1)[-1]
    assert reset_token not in logged
    assert "e-mail invitation sent to secret@example.org" in logged


def test_without_a_mail_server_the_message_is_logged_without_its_link(app, users, caplog) -> None:  # type: ignore[no-untyped-def]
    from questionnaire.services import accounts

    app.config["MAIL_SERVER"] = None
    with caplog.at_level(logging.INFO, logger="questionnaire.mail"):
        invitation = accounts.invite_user("offline@example.org", "respondent", "FRA")
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "offline@example.org" in logged and "Your invitation" in logged
    assert invitation.link not in logged and "[one-time link: sent to the recipient only]" in logged
    assert not invitation.emailed


def test_users_invite_on_the_command_line(app, users, mailbox) -> None:  # type: ignore[no-untyped-def]
    runner = app.test_cli_runner()
    result = runner.invoke(main, ["users", "invite", "cli@example.org", "--role", "respondent", "--country", "ita"])
    assert result.exit_code == 0, result.output
    assert "invited respondent cli@example.org (ITA): the invitation was handed to 127.0.0.1:" in result.output
    (message,) = mailbox.wait_for(1)
    assert message["To"] == "cli@example.org" and "/invitations/" in link_in(message)
    assert "/invitations/" not in result.output  # the link went by e-mail only
    refused = runner.invoke(main, ["users", "invite", "cli@example.org", "--role", "respondent", "--country", "ITA"])
    assert refused.exit_code == 1 and "already exists" in refused.output
    again = runner.invoke(main, ["users", "invite", "cli@example.org", "--role", "respondent", "--resend"])
    assert again.exit_code == 0 and len(mailbox.wait_for(2)) == 2
    bad = runner.invoke(main, ["users", "invite", "x@example.org", "--role", "respondent", "--country", "ZZZ"])
    assert bad.exit_code == 1 and "Unknown country code" in bad.output
    assert db.session.scalar(select(func.count()).select_from(User).where(User.email == "x@example.org")) == 0


def test_the_invitation_page_speaks_to_any_role(make_client, users) -> None:  # type: ignore[no-untyped-def]
    from questionnaire.services import accounts

    invitation = accounts.invite_user("admin2@example.org", "admin")
    page = make_client().get(_path(invitation.link)).get_data(as_text=True)
    assert "admin2@example.org" in page
    assert re.search(r"contribute to your country", page) is None
    assert auth.verify_password(invitation.user, PASSWORD) is False


def test_with_redis_messages_wait_in_the_queue_for_the_worker(app, users, mailbox, redis_url) -> None:  # type: ignore[no-untyped-def]
    from redis import Redis
    from rq import Queue

    from questionnaire.jobs import run_worker
    from questionnaire.services import accounts

    app.config["REDIS_URL"] = redis_url
    accounts.request_password_reset("fra@example.org")
    queue = Queue("mail", connection=Redis.from_url(redis_url))
    assert queue.count == 1 and not mailbox.messages  # queued: no web process waits for the server
    job = queue.jobs[0]
    assert job.retries_left == 4  # retried after 10 s, 1 min, 5 min and 15 min
    run_worker(burst=True)
    (message,) = mailbox.wait_for(1)
    assert message["To"] == "fra@example.org" and "/password-reset/" in link_in(message)
    assert queue.count == 0
