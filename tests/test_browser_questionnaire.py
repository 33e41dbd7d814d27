"""A respondent in a real browser: sign in, fill a section, save, reload, find the answers, submit."""

from __future__ import annotations

import re

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
    # The declaration: who submits (this account has no name to start the form with).
    page.get_by_label("Your name").fill("Claire Martin")
    page.get_by_label("Your position").fill("Head of the anti-trafficking unit")
    page.get_by_label("Your ministry or agency").fill("Ministry of the Interior")
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


def _open_section(page, live_server) -> None:  # type: ignore[no-untyped-def]
    browser_login(page, live_server, "fra@example.org")
    page.get_by_role("button", name="Start the assessment").click()
    page.goto(f"{live_server}/cycles/2026/countries/FRA/sections/criminal-law")


def test_sending_a_comment_right_after_typing_keeps_the_typed_answer(page, live_server, users, cycle) -> None:  # type: ignore[no-untyped-def]
    from questionnaire.models import Comment

    _open_section(page, live_server)
    page.fill("#item_CL_1-description", "Typed a moment before sending the comment.")
    page.fill("#comment-CL-1", "Which law should we cite here?")
    # Well within the autosave delay: nothing has been saved automatically yet.
    assert page.locator("#autosave-status").inner_text() == "Unsaved changes"
    page.locator("#item-CL-1").get_by_role("button", name="Send comment").click()
    page.wait_for_url("**/sections/criminal-law#thread-CL-1")
    assert "Your comment on CL-1 was added." in page.locator(".flashes").inner_text()
    assert page.input_value("#item_CL_1-description") == "Typed a moment before sending the comment."
    db.session.expire_all()
    assert db.session.scalar(select(Answer.description).where(Answer.item_id == "CL-1")) == (
        "Typed a moment before sending the comment."
    )
    assert [c.body for c in db.session.scalars(select(Comment))] == ["Which law should we cite here?"]


def test_a_comment_sent_while_an_autosave_is_on_its_way_waits_for_it(page, live_server, users, cycle) -> None:  # type: ignore[no-untyped-def]
    from questionnaire.models import Comment

    _open_section(page, live_server)
    # Hold the autosave's reply back, so the comment is sent while it is in the air.
    held = []
    page.route(
        "**/sections/criminal-law",
        lambda route: held.append(route) if route.request.headers.get("x-autosave") else route.continue_(),
    )
    page.fill("#item_CL_2-description", "Autosaved, slowly.")
    expect(page.locator("#autosave-status")).to_have_text(re.compile("^Saving"), timeout=10000)
    page.fill("#item_CL_2-description", "Autosaved, slowly, then typed on.")
    page.fill("#comment-CL-2", "Sent during the autosave.")
    page.locator("#item-CL-2").get_by_role("button", name="Send comment").click()
    expect(page.locator("#autosave-status")).to_contain_text("Saving your answers first")
    assert len(held) == 1
    held[0].continue_()
    page.wait_for_url("**#thread-CL-2")
    db.session.expire_all()
    answer = db.session.scalar(select(Answer).where(Answer.item_id == "CL-2"))
    assert (answer.description, answer.version) == ("Autosaved, slowly, then typed on.", 2)  # no conflict with itself
    assert [c.body for c in db.session.scalars(select(Comment))] == ["Sent during the autosave."]


def test_autosave_shows_a_refusal_beside_its_field(page, live_server, users, cycle) -> None:  # type: ignore[no-untyped-def]
    _open_section(page, live_server)
    page.locator("#item_CL_2-rating-not_applicable").check()
    error = page.locator("#item_CL_2-justification-autosave-error")
    expect(error).to_contain_text("justification", timeout=15000)
    assert page.get_attribute("#item_CL_2-justification", "aria-invalid") == "true"
    assert "item_CL_2-justification-autosave-error" in page.get_attribute(
        "#item_CL_2-justification", "aria-describedby"
    )
    expect(page.locator("#autosave-status")).to_contain_text("CL-2 need attention")
    page.fill("#item_CL_2-justification", "No such offence can arise: the clause is addressed to Interpol.")
    expect(error).to_have_count(0, timeout=15000)
    assert page.get_attribute("#item_CL_2-justification", "aria-invalid") is None


def test_an_autosave_conflict_shows_the_other_version_and_keeps_the_typing(
    page, live_server, users, cycle, make_client
) -> None:  # type: ignore[no-untyped-def]
    from .test_questionnaire import SECTION, load

    _open_section(page, live_server)
    other = make_client()
    other.login("fra@example.org")
    theirs = load(other)
    theirs.update({"item_CL_3-rating": "full", "item_CL_3-description": "Saved by a colleague."})
    assert other.post(SECTION, data=theirs).status_code == 302
    page.fill("#item_CL_3-description", "My own typing.")
    conflict = page.locator('#item-CL-3 [data-conflict="CL-3"]')
    expect(conflict).to_contain_text("Saved by a colleague.", timeout=15000)
    expect(conflict).to_contain_text("The version saved by someone else")
    expect(page.locator("#autosave-status")).to_contain_text("someone else saved CL-3 while you were typing")
    assert page.input_value("#item_CL_3-description") == "My own typing."


def test_save_after_autosave_tells_what_is_stored_and_what_is_not(page, live_server, users, cycle) -> None:  # type: ignore[no-untyped-def]
    _open_section(page, live_server)
    page.locator("#item_CL_1-rating-full").check()
    page.fill("#item_CL_2-evidence_links", "ftp://not-a-web-link")
    expect(page.locator("#autosave-status")).to_contain_text("Saved automatically: CL-1", timeout=15000)
    with page.expect_navigation():
        page.get_by_role("button", name="Save", exact=True).click()
    summary = page.locator(".error-summary").inner_text()
    assert "Nothing was saved: 1 answer needs correcting" in summary
    assert "Already saved automatically while you typed, and kept: CL-1." in summary
