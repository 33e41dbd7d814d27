"""A lighter form, checking before signing, and a returned assessment, in a real browser on the demo instance.

Every page reached is checked (axe-core, headings, focus, skip link, 360 px, Nu
HTML checker at the end of the session): see conftest.py.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from .conftest import ARTIFACTS, DESKTOP, PHONE

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips with the reason
    expect = None

pytestmark = pytest.mark.browser

MEX = "/cycles/2026/countries/MEX"
FRA = "/cycles/2026/countries/FRA"
BRA = "/cycles/2026/countries/BRA"
CRIMINAL_LAW = ("CL-1", "CL-2", "CL-3", "CL-4", "CL-5")
SHOTS = ARTIFACTS / "team-forms"


def _field(item: str) -> str:
    return "item_" + re.sub(r"[^A-Za-z0-9]", "_", item)


def _settle_autosave(page: Any) -> None:
    """Wait until no autosave request is under way (the status says so)."""
    expect(page.locator("#autosave-status")).not_to_have_text("Saving…", timeout=15_000)


def _focused_id(page: Any) -> str:
    return str(page.evaluate("() => document.activeElement && document.activeElement.id"))


def _shot(page: Any, name: str) -> str:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return str(path)


def test_the_form_asks_only_for_what_the_answers_need(ui) -> None:  # type: ignore[no-untyped-def]
    page = ui.page
    ui.login("mex@demo.test")
    ui.goto(f"{MEX}/sections/criminal-law")

    # The clauses and the evidence asked for stay folded.
    assert page.locator(".item__guidance details").count() >= 2 * len(CRIMINAL_LAW)
    assert page.locator(".item__guidance details[open]").count() == 0

    # An item neither "not applicable" nor justified: its justification is folded, and Tab passes it by.
    item = next(
        i
        for i in CRIMINAL_LAW
        if not page.locator(f"#{_field(i)}-rating-not_applicable").is_checked()
        and not page.input_value(f"#{_field(i)}-justification")
    )
    f = _field(item)
    justification = page.locator(f"#{f}-justification")
    expect(justification).to_be_hidden()
    page.focus(f"#{f}-evidence_links")
    page.keyboard.press("Tab")
    assert _focused_id(page) == f"{f}-assistance_kind", "the folded justification is not reached with Tab"
    # Choosing "not applicable" (with the keyboard) shows it at once; another rating folds it again.
    page.locator(f"#{f}-rating-not_applicable").focus()
    page.keyboard.press("Space")
    expect(justification).to_be_visible()
    page.locator(f"#{f}-rating-partially").check()
    expect(justification).to_be_hidden()
    # Text typed in it keeps it open, whatever the rating.
    page.locator(f"#{f}-rating-not_applicable").check()
    justification.fill("Typed, then the rating changed.")
    page.locator(f"#{f}-rating-partially").check()
    expect(justification).to_be_visible()
    justification.fill("")

    # The description of assistance appears when a kind of assistance is chosen.
    item = next(
        i
        for i in CRIMINAL_LAW
        if page.input_value(f"#{_field(i)}-assistance_kind") == "none"
        and not page.input_value(f"#{_field(i)}-assistance_description")
    )
    f = _field(item)
    described = page.locator(f"#{f}-assistance_description")
    expect(described).to_be_hidden()
    page.focus(f"#{f}-assistance_kind")
    page.keyboard.press("ArrowDown")  # from "No assistance needed" to the first kind
    expect(described).to_be_visible()
    page.keyboard.press("Tab")
    assert _focused_id(page) == f"{f}-assistance_description"
    page.select_option(f"#{f}-assistance_kind", "none")
    expect(described).to_be_hidden()

    # Without the script every field is there, as it always was.
    context = page.context.browser.new_context(viewport=DESKTOP, java_script_enabled=False)
    try:
        plain = context.new_page()
        plain.goto(ui.url("/login"))
        plain.fill("#email", "mex@demo.test")
        plain.fill("#password", "demo-password")
        with plain.expect_navigation():
            plain.locator("main").get_by_role("button", name="Sign in").click()
        plain.goto(ui.url(f"{MEX}/sections/criminal-law"))
        for i in CRIMINAL_LAW:
            expect(plain.locator(f"#{_field(i)}-justification")).to_be_visible()
            expect(plain.locator(f"#{_field(i)}-assistance_description")).to_be_visible()
    finally:
        context.close()


def test_saving_comes_back_to_the_item_and_errors_still_take_the_focus(ui) -> None:  # type: ignore[no-untyped-def]
    page = ui.page
    ui.login("mex@demo.test")
    ui.goto(f"{MEX}/sections/criminal-law")

    # Work on the last item, then Save: the page comes back to it, and says what was saved beside the button.
    last = _field("CL-5")
    page.fill(f"#{last}-description", "Typed far down the page.")
    _settle_autosave(page)
    with page.expect_navigation():
        page.locator(".form-actions").get_by_role("button", name="Save", exact=True).click()
    assert page.url.endswith("#item-CL-5"), page.url
    expect(page.locator("#item-CL-5")).to_be_in_viewport()
    expect(page.locator("#autosave-status")).not_to_be_empty()
    ui.check("back at the item")

    # A Save refused: the error summary still takes the focus.
    f = _field("CL-4")
    page.locator(f"#{f}-rating-not_applicable").check()
    page.fill(f"#{f}-justification", "")
    _settle_autosave(page)
    with page.expect_navigation():
        page.locator(".form-actions").get_by_role("button", name="Save", exact=True).click()
    assert "error-summary" in str(page.evaluate("() => document.activeElement.className"))
    ui.check("errors")
    expect(page.locator(f"#{f}-justification")).to_be_visible()  # a field with an error is never folded

    # On a phone, the list of sections is one link away from the top.
    page.set_viewport_size(PHONE)
    try:
        jump = page.locator(".section-jump a")
        expect(jump).to_be_visible()
        top = jump.bounding_box()
        question = page.locator(".section-body h1").bounding_box()
        assert top and question and top["y"] < question["y"], "the link comes before the questions"
        jump.click()
        expect(page.locator("#sections-title")).to_be_in_viewport()
    finally:
        page.set_viewport_size(DESKTOP)
    expect(page.locator(".section-jump a")).to_be_hidden()  # beside the questions on a wide screen


def test_checking_the_answers_then_signing(ui) -> None:  # type: ignore[no-untyped-def]
    page = ui.page
    ui.login("fra@demo.test")
    ui.goto(f"{FRA}/")
    page.get_by_role("link", name="Review and submit").click()
    ui.check()
    # France's team reviews its sections: those not approved are listed, each linked.
    sections = page.locator("#sections-to-approve")
    expect(sections).to_contain_text("Ready for approval")
    expect(sections).to_contain_text("Sent back")
    expect(sections.get_by_role("link", name="Criminal law and international instruments")).to_have_count(0)
    expect(page.locator(".check-summary")).to_contain_text("sections are not approved")
    assert page.input_value("#declaration-name") == "Focal point FRA"

    page.fill("#declaration-name", "Claire Martin")
    page.fill("#declaration-position", "")
    with page.expect_navigation():
        page.locator("main form").get_by_role("button", name=re.compile("^Submit")).click()
    assert "error-summary" in str(page.evaluate("() => document.activeElement.className"))
    expect(page.locator("#declaration-position-error")).to_contain_text("Enter your position.")
    expect(page.locator("#declaration-ministry-error")).to_contain_text("Enter your ministry or agency.")
    ui.check("errors")
    page.locator(".error-summary").get_by_role("link", name=re.compile("position")).click()
    assert _focused_id(page) == "declaration-position"
    page.keyboard.type("Head of the anti-trafficking unit")
    page.fill("#declaration-ministry", "Ministry of the Interior")
    with page.expect_navigation():
        page.locator("main form").get_by_role("button", name=re.compile("^Submit")).click()
    expect(page.locator(".flashes")).to_contain_text("submitted to the reviewers")
    expect(page.locator("#declaration")).to_contain_text(
        "by Claire Martin, Head of the anti-trafficking unit, Ministry of the Interior."
    )
    ui.check("submitted")
    page.get_by_role("link", name="Gap report", exact=True).click()
    expect(page.locator("#cover-declaration")).to_contain_text("Claire Martin")
    ui.check()


def test_a_returned_assessment_says_why_and_resolved_threads_fold(ui) -> None:  # type: ignore[no-untyped-def]
    page = ui.page
    ui.login("bra@demo.test")
    ui.goto(f"{BRA}/", "returned")
    returned = page.locator("#returned")
    expect(returned).to_contain_text("Please complete the legal references for CL-2")
    expect(returned).to_contain_text("reviewer@demo.test")
    expect(returned).to_contain_text("1 item has an open reviewer comment")
    with page.expect_navigation():
        returned.get_by_role("link", name="CL-2").click()
    assert page.url.endswith("#item-CL-2")
    ui.check()

    thread = page.locator("#item-CL-2 .thread")
    with page.expect_navigation():
        thread.get_by_role("button", name=re.compile("^Mark resolved")).click()
    expect(page.locator(".flashes")).to_contain_text("marked resolved")
    expect(thread).to_contain_text("Resolved by bra@demo.test")
    fold = thread.locator("details.thread__fold")
    assert fold.evaluate("d => d.open") is False, "a resolved thread is folded"
    expect(thread.locator(".thread__message")).to_be_hidden()
    ui.check("thread resolved")
    SHOTS.mkdir(parents=True, exist_ok=True)
    thread.screenshot(path=str(SHOTS / "thread-resolved.png"))
    fold.locator("summary").click()
    expect(thread.locator(".thread__message")).to_be_visible()

    ui.goto(f"{BRA}/", "returned, threads resolved")
    expect(page.locator("#returned")).to_contain_text("Every thread with a reviewer's comment is resolved.")

    ui.goto(f"{BRA}/sections/criminal-law")
    with page.expect_navigation():
        thread.get_by_role("button", name=re.compile("^Reopen")).click()
    expect(thread.locator(".thread__message")).to_be_visible()
    expect(thread.get_by_role("button", name=re.compile("^Mark resolved"))).to_be_visible()
    ui.check()


def test_the_returned_assessment_and_the_lighter_form_in_arabic(ui) -> None:  # type: ignore[no-untyped-def]
    page = ui.page
    ui.login("bra@demo.test")
    page.select_option("#language-select", "ar")
    with page.expect_navigation():
        page.locator(".language-form button").click()
    assert page.locator("html").get_attribute("dir") == "rtl"
    ui.check("ar")

    ui.goto(f"{BRA}/", "returned, ar")
    returned = page.locator("#returned")
    expect(returned).to_be_visible()
    # The notice's rule stands at the start of the line: on the right, right to left.
    widths = returned.evaluate(
        "e => [parseFloat(getComputedStyle(e).borderRightWidth), parseFloat(getComputedStyle(e).borderLeftWidth)]"
    )
    assert widths[0] > widths[1], widths
    _shot(page, "overview-returned-ar")

    ui.goto(f"{BRA}/sections/criminal-law", "ar")
    f = _field("CL-1")
    page.locator(f"#{f}-rating-not_applicable").check()
    expect(page.locator(f"#{f}-justification")).to_be_visible()
    page.locator(f"#{f}-justification").scroll_into_view_if_needed()
    _shot(page, "section-ar")
    page.set_viewport_size(PHONE)
    try:
        page.evaluate("() => window.scrollTo(0, 0)")
        expect(page.locator(".section-jump a")).to_be_visible()
        _shot(page, "section-ar-360")
    finally:
        page.set_viewport_size(DESKTOP)

    ui.goto(f"{BRA}/submit", "ar")
    expect(page.locator("#declaration-name")).to_be_visible()
    _shot(page, "submit-ar")
