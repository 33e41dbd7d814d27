"""A ministry's focal point, in a real browser, on the demo instance.

Every page reached is checked (axe-core, headings, focus, skip link, 360 px, Nu
HTML checker at the end of the session): see conftest.py.
"""

from __future__ import annotations

from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from questionnaire import offline
from questionnaire.db import db
from questionnaire.models import Answer, Assessment, Comment

from .conftest import DEMO_PASSWORD

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips with the reason
    expect = None

pytestmark = pytest.mark.browser


def _answers(iso3: str, cycle: str = "2026") -> dict[str, Answer]:
    db.session.expire_all()
    rows = db.session.scalars(
        select(Answer).join(Assessment).where(Assessment.country_iso3 == iso3, Assessment.cycle.has(code=cycle))
    )
    return {a.item_id: a for a in rows}


def _is(**wanted: str) -> Any:
    """A predicate on UI.focused(): every given key has the given value."""
    return lambda now: all(now.get(k) == v for k, v in wanted.items())


def _keyboard_sign_in(ui: Any, email: str) -> None:
    """Sign in with the keyboard: skip link, Tab, type, Enter."""
    page = ui.page
    page.goto(ui.url("/login"))
    page.keyboard.press("Tab")
    now = ui.focused()
    assert "skip-link" in now["cls"], f"the first Tab should reach the skip link, reached {now}"
    box = page.locator(".skip-link").bounding_box()
    assert box and box["y"] >= 0 and box["height"] > 10, "the focused skip link is on screen"
    page.keyboard.press("Enter")
    assert ui.focused()["id"] == "main", "the skip link moves focus to the main content"
    page.keyboard.press("Tab")
    assert ui.focused()["id"] == "email", "after the skip link, Tab goes into the page, past the navigation"
    ui.check()
    ui.tab_to(_is(id="email"))
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    assert ui.focused()["id"] == "password"
    page.keyboard.type(DEMO_PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    ui.check()


def _settle_autosave(ui: Any) -> None:
    """Wait until no autosave request is under way (the status says so), before pressing Save."""
    expect(ui.page.locator("#autosave-status")).not_to_have_text("Saving…", timeout=15_000)


def test_a_respondent_completes_a_section_with_the_keyboard_alone_and_resumes_it(ui) -> None:  # type: ignore[no-untyped-def]
    page = ui.page
    _keyboard_sign_in(ui, "nzl@demo.test")

    # New Zealand takes part for the first time and has not started: start it from the start page.
    ui.tab_to(_is(tag="button", text="Start the assessment"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "The assessment was started" in page.locator(".flashes").inner_text()
    ui.check()

    ui.tab_to(_is(tag="a", text="Proceeds of crime"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_role("heading", level=1).inner_text() == "Proceeds of crime"
    ui.check()

    # The skip link on a long page: past the header and straight into the content.
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    page.goto(page.url)  # a fresh load: focus starts at the top
    page.keyboard.press("Tab")
    assert "skip-link" in ui.focused()["cls"]
    page.keyboard.press("Enter")
    assert ui.focused()["id"] == "main"
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.querySelector('main').contains(document.activeElement)")

    # PC-1: "Largely implemented" with the arrow keys, a description, a law, a link, assistance.
    ui.tab_to(_is(id="item_PC_1-rating-full"))
    page.keyboard.press("ArrowDown")
    assert ui.focused()["id"] == "item_PC_1-rating-largely"
    page.keyboard.press("Tab")
    assert ui.focused()["id"] == "item_PC_1-description"
    page.keyboard.type("Confiscation orders are issued by the criminal courts; 214 in 2025.")
    page.keyboard.press("Tab")
    page.keyboard.type("Proceeds of Crime Act, art. 12")
    page.keyboard.press("Tab")
    page.keyboard.type("https://legislation.example.org/nzl/poca")
    ui.tab_to(_is(id="item_PC_1-assistance_kind"))
    page.keyboard.press("ArrowDown")  # from "No" to the first kind of assistance
    assert page.input_value("#item_PC_1-assistance_kind") != "none"
    page.keyboard.press("Tab")
    page.keyboard.type("Training of financial investigators.")

    # PC-2: Space checks the first option, "Fully implemented".
    ui.tab_to(_is(id="item_PC_2-rating-full"))
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    page.keyboard.type("An asset recovery office has worked since 2011.")

    # PC-3: "Not applicable" (ArrowUp wraps to the last option) without a justification: refused.
    ui.tab_to(_is(id="item_PC_3-rating-full"))
    page.keyboard.press("ArrowUp")
    assert ui.focused()["id"] == "item_PC_3-rating-not_applicable"
    _settle_autosave(ui)
    ui.tab_to(_is(tag="button", text="Save"))
    with page.expect_navigation():
        page.keyboard.press("Enter")

    # The error summary takes the focus and its link leads to the field.
    now = ui.focused()
    assert "error-summary" in now["cls"], f"focus should be on the error summary, is on {now}"
    assert "PC-3" in page.locator(".error-summary").inner_text()
    ui.check("errors")
    page.locator(".error-summary").focus()
    page.keyboard.press("Tab")
    link = ui.focused()
    assert link["tag"] == "a" and "Justification" in link["text"], link
    page.keyboard.press("Enter")
    assert ui.focused()["id"] == "item_PC_3-justification"
    page.keyboard.type("New Zealand has no confiscated assets of trafficking cases to share in this period.")
    _settle_autosave(ui)
    ui.tab_to(_is(tag="button", text="Save"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    flashes = page.locator(".flashes").inner_text()
    assert "Saved" in flashes or "Nothing had changed" in flashes, flashes
    assert page.locator("#section-progress").inner_text().startswith("3 of 3 items in this section answered")
    ui.check()

    saved = _answers("NZL")
    assert {k: saved[k].rating for k in ("PC-1", "PC-2", "PC-3")} == {
        "PC-1": "largely",
        "PC-2": "full",
        "PC-3": "not_applicable",
    }
    assert saved["PC-1"].legal_references == ["Proceeds of Crime Act, art. 12"]
    assert saved["PC-1"].assistance_kind

    # Leave: sign out, with the keyboard.
    ui.tab_to(_is(tag="button", text="Sign out"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    ui.check()

    # Resume: sign in again, open the assessment and the section; the answers are there.
    _keyboard_sign_in(ui, "nzl@demo.test")
    ui.tab_to(lambda now: now["text"] == "Open the assessment" and "/2026/" in now["href"])
    with page.expect_navigation():
        page.keyboard.press("Enter")
    ui.check()
    ui.tab_to(_is(tag="a", text="Proceeds of crime"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    ui.check()
    assert page.locator("#item_PC_1-rating-largely").is_checked()
    assert page.locator("#item_PC_2-rating-full").is_checked()
    assert page.locator("#item_PC_3-rating-not_applicable").is_checked()
    assert (
        page.input_value("#item_PC_1-description")
        == "Confiscation orders are issued by the criminal courts; 214 in 2025."
    )
    assert page.input_value("#item_PC_3-justification").startswith("New Zealand has no confiscated assets")


def test_a_respondent_fills_in_the_offline_questionnaire_and_uploads_it(ui, tmp_path) -> None:  # type: ignore[no-untyped-def]
    page = ui.page
    ui.login("mex@demo.test")
    ui.goto("/cycles/2026/countries/MEX/")
    before = {k: a.version for k, a in _answers("MEX").items()}

    with page.expect_download() as info:
        page.get_by_role("link", name="Download the questionnaire as Excel (.xlsx), to fill in offline").click()
    download = info.value
    assert download.suggested_filename == "questionnaire-MEX-2026.xlsx"
    original = tmp_path / "downloaded" / download.suggested_filename
    download.save_as(original)
    workbook = load_workbook(original)
    sheet = workbook["Proceeds of crime"]  # sheets are named by their section's title
    assert sheet["A3"].value == "PC-1"
    rating = offline.COLUMN["rating"].index
    description = offline.COLUMN["description"].index
    sheet.cell(3, rating).value = "Fully implemented"
    sheet.cell(3, description).value = "Confiscation is mandatory since the 2025 reform; 48 orders."
    filled = tmp_path / "questionnaire-MEX-2026.xlsx"
    workbook.save(filled)

    page.get_by_role("link", name="Upload a filled-in questionnaire").click()
    ui.check()
    page.set_input_files("#offline-file", str(filled))
    with page.expect_navigation():
        page.get_by_role("button", name="Check and upload").click()
    assert "1 answer was saved from the file." in page.locator("main").inner_text()
    ui.check("result")

    after = _answers("MEX")
    assert after["PC-1"].rating == "full"
    assert after["PC-1"].description == "Confiscation is mandatory since the 2025 reform; 48 orders."
    assert after["PC-1"].version == before["PC-1"] + 1
    assert {k: a.version for k, a in after.items() if k != "PC-1"} == {k: v for k, v in before.items() if k != "PC-1"}

    # A file that is not a workbook is refused with a message, and focus goes to it.
    bad = tmp_path / "notes.xlsx"
    bad.write_bytes(b"this is not a spreadsheet")
    page.goto(ui.url("/cycles/2026/countries/MEX/upload"))
    page.set_input_files("#offline-file", str(bad))
    with page.expect_navigation():
        page.get_by_role("button", name="Check and upload").click()
    assert "error-summary" in ui.focused()["cls"]
    assert "nothing was saved" in page.locator(".error-summary").inner_text()
    ui.check("refused")


def test_a_respondent_answers_a_reviewer_comment_and_submits_again(ui) -> None:  # type: ignore[no-untyped-def]
    page = ui.page
    ui.login("bra@demo.test")
    ui.goto("/cycles/2026/countries/BRA/")
    assert "Returned for changes" in page.locator(".status").inner_text()
    page.get_by_role("link", name="Criminal law and international instruments").click()
    ui.check()

    thread = page.locator("#item-CL-2 .thread")
    assert "Please cite the article that defines the offence" in thread.inner_text()
    page.fill("#comment-CL-2", "Article 149-A of the Penal Code; 312 convictions in 2025.")
    with page.expect_navigation():
        thread.get_by_role("button", name="Send comment").click()
    assert "Your comment on CL-2 was added." in page.locator(".flashes").inner_text()
    ui.check("after a comment")

    page.fill("#item_CL_2-legal_references", "Penal Code, art. 149-A")
    _settle_autosave(ui)
    with page.expect_navigation():
        page.get_by_role("button", name="Save", exact=True).click()
    ui.check()
    assert _answers("BRA")["CL-2"].legal_references == ["Penal Code, art. 149-A"]

    page.get_by_role("link", name="Back to the assessment").click()
    ui.check()
    page.get_by_role("link", name="Review and submit").click()
    ui.check()
    assert page.input_value("#declaration-name") == "Focal point BRA"  # from the account
    page.fill("#declaration-position", "Director of International Cooperation")
    page.fill("#declaration-ministry", "Ministry of Justice and Public Security")
    page.fill("#submit-comment", "Legal references completed as asked.")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert "The assessment was submitted to the reviewers." in page.locator(".flashes").inner_text()
    assert "Submitted" in page.locator(".status").inner_text()
    ui.check("submitted")

    db.session.expire_all()
    brazil = db.session.scalar(
        select(Assessment).where(Assessment.country_iso3 == "BRA", Assessment.cycle.has(code="2026"))
    )
    assert brazil.status == "submitted"
    assert db.session.scalar(select(func.count()).select_from(Comment).where(Comment.assessment_id == brazil.id)) == 2


def test_the_questionnaire_works_in_arabic_right_to_left(ui) -> None:  # type: ignore[no-untyped-def]
    page = ui.page
    ui.login("mar@demo.test")
    page.select_option("#language-select", "ar")
    with page.expect_navigation():
        page.locator(".language-form button").click()
    assert page.locator("html").get_attribute("dir") == "rtl"
    ui.check("ar")
    ui.goto("/cycles/2026/countries/MAR/", state="ar")
    ui.goto("/cycles/2026/countries/MAR/sections/victims", state="ar")
    # Right to left: the questions start at the right edge of their box.
    question = page.locator("#item-VP-1 .item__question").bounding_box()
    item = page.locator("#item-VP-1").bounding_box()
    assert question and item
    assert abs((question["x"] + question["width"]) - (item["x"] + item["width"])) < 40
