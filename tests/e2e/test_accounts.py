"""Accounts in a real browser, with a real SMTP server: an admin invites a reviewer, who opens the
e-mailed link, chooses a password, sets up the second factor with the QR code's key, and only then
reaches the review queue; the next sign-in asks for a code.  The invitation e-mail is rendered as the
recipient's mail program would show it (screenshots in English and Arabic), and so is the enrolment page.
"""

from __future__ import annotations

import re
from typing import Any

import pyotp
import pytest

from ..conftest import link_in, mail_config
from .conftest import ARTIFACTS

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips with the reason
    expect = None

pytestmark = pytest.mark.browser

ANALYST = "analyst@example.org"
PASSWORD = "lantern meadow copper 8812"


@pytest.fixture
def app_config(mailbox):  # type: ignore[no-untyped-def]
    return mail_config(mailbox, SECOND_FACTOR_REQUIRED=True)  # as in production; demo accounts are exempt


def _show_email(browser: Any, message: Any, name: str) -> str:
    """Render a received message's HTML part as a mail program would, save a screenshot; return its text."""
    html = message.get_body(preferencelist=("html",)).get_content()
    context = browser.new_context(viewport={"width": 700, "height": 900}, java_script_enabled=False)
    try:
        page = context.new_page()
        page.set_content(html)
        folder = ARTIFACTS / "screenshots"
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(folder / f"email-{name}.png"), full_page=True)
        text = str(page.inner_text("body"))
        direction = page.evaluate("document.documentElement.dir")
        assert direction == ("rtl" if message["Content-Language"] == "ar" else "ltr")
        return text
    finally:
        context.close()


def test_an_invited_reviewer_sets_a_password_then_a_second_factor(ui, browser, mailbox) -> None:  # type: ignore[no-untyped-def]
    page = ui.page

    # The admin (a demo account: no second factor asked) invites an analyst.
    ui.login("admin@demo.test")
    ui.goto("/admin/users", "accounts")
    page.fill("#email", ANALYST)
    page.fill("#name", "Ana Lyst")
    page.select_option("#role", value="reviewer")
    with page.expect_navigation():
        page.get_by_role("button", name="Send the invitation").click()
    expect(page.locator(".flashes")).to_contain_text(f"{ANALYST} was invited")
    ui.check("invited")
    ui.logout()

    (message,) = mailbox.wait_to(ANALYST)
    text = _show_email(browser, message, "invitation-en")
    assert "Choose my password" in text and "expires in 72 hours" in text

    # The analyst opens the link, chooses a password and signs in: the second factor comes first.
    ui.goto(link_in(message), "invitation")
    page.fill("#password", PASSWORD)
    page.fill("#confirm", PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Set the password").click()
    ui.check("password set")
    ui.login(ANALYST, PASSWORD)
    assert page.url.endswith("/account/two-factor")
    expect(page.locator("main")).to_contain_text("Reviewers and admins sign in with a second factor.")
    ui.goto("/review", "review before enrolment")
    assert page.url.endswith("/account/two-factor")  # sent back: nothing opens before the second factor
    expect(page.locator(".flashes")).to_contain_text("Set up your second factor first")
    assert page.locator("figure.qr-code svg").count() == 1

    # The page in Arabic, right to left, before enrolling.
    page.select_option("#language-select", value="ar")
    with page.expect_navigation():
        page.locator(".language-form button").click()
    ui.check("enrolment in Arabic")
    assert page.evaluate("document.documentElement.dir") == "rtl"
    page.select_option("#language-select", value="en")
    with page.expect_navigation():
        page.locator(".language-form button").click()
    ui.check("enrolment")

    secret = page.locator("code.secret-key").inner_text().replace(" ", "")
    page.fill("#code", pyotp.TOTP(secret).now())
    with page.expect_navigation():
        page.get_by_role("button", name="Confirm").click()
    ui.check("recovery codes")
    codes = [c.strip() for c in page.locator(".recovery-codes code").all_inner_texts()]
    assert len(codes) == 10 and all(re.fullmatch(r"[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}", c) for c in codes)
    ui.goto("/review", "review queue")
    expect(page.locator("h1")).to_contain_text("Review")
    ui.logout()

    # The next sign-in asks for a code; a recovery code stands in for the phone, once.
    ui.login(ANALYST, PASSWORD)
    assert page.url.endswith("/login/second-factor")
    page.fill("#code", codes[0])
    with page.expect_navigation():
        page.locator("main").get_by_role("button", name="Sign in").click()
    expect(page.locator(".flashes")).to_contain_text("9 are left")
    ui.check("signed in with a recovery code")


def test_an_invitation_in_arabic_as_received(ui, browser, mailbox, app, live_server) -> None:  # type: ignore[no-untyped-def]
    from questionnaire.db import db
    from questionnaire.services import accounts

    app.config["BASE_URL"] = live_server + "/"  # links made outside a request (here: the test's own call)
    invitation = accounts.invite_user("murad@example.org", "respondent", "MAR", name="Murad")
    invitation.user.locale = "ar"
    db.session.commit()
    accounts.resend_invitation(invitation.user)
    first, second = mailbox.wait_to("murad@example.org", 2)
    assert second["Content-Language"] == "ar"
    text = _show_email(browser, second, "invitation-ar")
    assert "Murad" in text and "الاتجار بالبشر" in text
    assert link_in(second).startswith(live_server + "/invitations/")
    ui.goto(link_in(second), "invitation from the Arabic message")
