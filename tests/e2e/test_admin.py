"""The platform's operator, in a real browser: accounts and cycles."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from questionnaire.db import db
from questionnaire.models import Cycle, User

pytestmark = pytest.mark.browser


def test_an_admin_invites_a_user_who_signs_in_and_opens_a_cycle(ui) -> None:  # type: ignore[no-untyped-def]
    page = ui.page
    # A wrong password: the message takes the focus.
    ui.goto("/login")
    page.fill("#email", "admin@demo.test")
    page.fill("#password", "not the password")
    with page.expect_navigation():
        page.locator("main").get_by_role("button", name="Sign in").click()
    assert ui.focused()["id"] == "login-error"
    ui.check("errors")
    ui.login("admin@demo.test")
    page.locator(".site-nav").get_by_role("link", name="Administration").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Accounts"
    ui.check()

    # A mistake first: the error summary takes the focus and names the field.
    page.fill("#email", "not an address")
    with page.expect_navigation():
        page.get_by_role("button", name="Send the invitation").click()
    assert "error-summary" in ui.focused()["cls"]
    summary = page.locator(".error-summary").inner_text()
    assert "E-mail address" in summary
    ui.check("errors")

    page.fill("#email", "focal.point@justice.example.de")
    page.fill("#name", "Focal point, Federal Ministry of Justice")
    page.select_option("#role", "respondent")
    page.select_option("#country", "DEU")
    with page.expect_navigation():
        page.get_by_role("button", name="Send the invitation").click()
    # No MAIL_SERVER on this instance: the admin is shown the link to pass on.
    assert "The account focal.point@justice.example.de was made." in page.locator(".flashes").inner_text()
    link = page.locator("main .notice code.token").inner_text().strip()
    assert "/invitations/" in link
    assert "focal.point@justice.example.de" in page.locator("main table").inner_text()
    ui.check("invited")
    db.session.expire_all()
    created = db.session.scalar(select(User).where(User.email == "focal.point@justice.example.de"))
    assert (created.role, created.country_iso3) == ("respondent", "DEU")

    # A new cycle.
    page.locator(".subnav, main").get_by_role("link", name="Cycles").first.click()
    ui.check()
    page.fill("#code", "2027")
    page.fill("#title", "Self-assessment 2027")
    with page.expect_navigation():
        page.get_by_role("button", name="Open the cycle").click()
    assert "Cycle 2027 is open" in page.locator(".flashes").inner_text()
    ui.check("opened")
    db.session.expire_all()
    assert db.session.scalar(select(Cycle.is_open).where(Cycle.code == "2027")) is True

    # The new respondent chooses a password from the link, signs in and finds the new cycle ready to start.
    ui.logout()
    ui.goto(link, "invitation")
    page.fill("#password", "a long enough password for the demo")
    page.fill("#confirm", "a long enough password for the demo")
    with page.expect_navigation():
        page.get_by_role("button", name="Set the password").click()
    ui.check("password chosen")
    ui.login("focal.point@justice.example.de", "a long enough password for the demo")
    cards = page.locator(".card").all_inner_texts()
    assert any("Self-assessment 2027" in c and "Start the assessment" in c for c in cards), cards
