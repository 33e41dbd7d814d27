"""A respondent in a real browser: sign in, fill a section, save, reload, find the answers, submit."""

from __future__ import annotations

import pytest
from sqlalchemy import select

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips with the reason
    expect = None

from questionnaire.db import db
from questionnaire.models import Answer, Assessment

from .conftest import browser_login

pytestmark = pytest.mark.browser


def test_a_respondent_fills_a_section_and_submits(page, live_server, users, cycle) -> None:  # type: ignore[no-untyped-def]
    browser_login(page, live_server, "fra@example.org")
    page.get_by_role("button", name="Start the assessment").click()
    page.get_by_role("link", name="Criminal law and international instruments").first.click()
    assert page.get_by_role("heading", level=1).inner_text() == "Criminal law and international instruments"

    # The clause behind an item is one click away, quoted verbatim.
    page.locator("#item-CL-2 summary", has_text="The clause this item assesses").click()
    assert (
        page.locator("#item-CL-2 blockquote").inner_text().strip()
        == "Urges all Member States:\n\nTo criminalize trafficking in persons;"
    )

    page.get_by_label("Largely implemented").nth(1).check()  # CL-2 is the second item
    page.fill("#item_CL_2-description", "Article 225-4-1 of the Criminal Code defines trafficking.")
    page.fill("#item_CL_2-legal_references", "Criminal Code, art. 225-4-1")
    page.fill("#item_CL_2-evidence_links", "https://www.legifrance.gouv.fr/")
    # keyboard only for the first item: focus its first radio and move with the arrow keys
    page.focus("#item_CL_1-rating-full")
    page.keyboard.press("ArrowDown")  # selects "largely"
    page.keyboard.press("ArrowDown")  # selects "partially"
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_load_state()
    assert "Saved 2 answers" in page.locator(".flashes").inner_text()

    page.reload()
    assert page.locator("#item_CL_2-rating-largely").is_checked()
    assert page.locator("#item_CL_1-rating-partially").is_checked()
    assert page.input_value("#item_CL_2-description") == "Article 225-4-1 of the Criminal Code defines trafficking."

    page.get_by_role("link", name="Back to the assessment").click()
    page.get_by_role("link", name="Review and submit").click()
    assert "36 items are not answered" in page.content()
    page.get_by_role("button", name="Submit with unanswered items").click()
    page.wait_for_load_state()
    assert "The assessment was submitted to the reviewers." in page.locator(".flashes").inner_text()
    db.session.expire_all()
    assert db.session.scalar(select(Assessment.status)) == "submitted"
    assert {a.item_id: a.rating for a in db.session.scalars(select(Answer))} == {"CL-1": "partially", "CL-2": "largely"}


def test_autosave_keeps_typing_without_pressing_save(page, live_server, users, cycle) -> None:  # type: ignore[no-untyped-def]
    browser_login(page, live_server, "fra@example.org")
    page.get_by_role("button", name="Start the assessment").click()
    page.goto(f"{live_server}/cycles/2026/countries/FRA/sections/criminal-law")
    page.fill("#item_CL_3-description", "Typed, then the page was left alone.")
    page.locator("#item_CL_3-rating-initial").check()
    expect(page.locator("#autosave-status")).to_contain_text("All changes saved", timeout=15000)
    db.session.expire_all()
    answer = db.session.scalar(select(Answer).where(Answer.item_id == "CL-3"))
    assert answer.description == "Typed, then the page was left alone."
    # a second autosave builds on the version the first one returned (no conflict)
    page.fill("#item_CL_3-description", "Typed again.")
    expect(page.locator("#autosave-status")).to_contain_text("All changes saved", timeout=15000)
    db.session.expire_all()
    answer = db.session.scalar(select(Answer).where(Answer.item_id == "CL-3"))
    assert (answer.description, answer.version) == ("Typed again.", 2)
