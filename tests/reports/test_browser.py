"""In a real browser: the report page obeys the CSP, and the meeting-pack page follows its job."""

from __future__ import annotations

import pytest

from ..conftest import browser_login
from .conftest import make_assessment

pytestmark = pytest.mark.browser


def test_the_report_page_loads_with_no_csp_violation_and_right_to_left_in_arabic(page, live_server, submitted) -> None:  # type: ignore[no-untyped-def]
    problems: list[str] = []
    page.on(
        "console",
        lambda message: problems.append(message.text) if message.type == "error" else None,
    )
    browser_login(page, live_server, "fra@example.org")
    page.goto(f"{live_server}/cycles/2026/countries/fra/report")
    assert page.locator("h1").inner_text() == "France"
    first_bar = page.locator("svg.bar title").first.text_content()
    assert first_bar.startswith("Overall score: France ")
    # The stylesheet applied (a CSP block would leave the cover unstyled).
    colour = page.locator(".cover__kicker").evaluate("e => getComputedStyle(e).textTransform")
    assert colour == "uppercase"
    assert page.locator(".report-toolbar a", has_text="Download as PDF").count() == 1
    page.goto(f"{live_server}/")
    page.select_option("#language-select", "ar")
    with page.expect_navigation():
        page.click(".language-form button")
    page.goto(f"{live_server}/cycles/2026/countries/fra/report")
    assert page.locator("html").get_attribute("dir") == "rtl"
    title_box = page.locator(".cover__title").bounding_box()
    body_box = page.locator(".cover").bounding_box()
    assert title_box and body_box
    # Right to left: the title hugs the right edge of the cover.
    assert abs((title_box["x"] + title_box["width"]) - (body_box["x"] + body_box["width"])) < 2
    assert problems == []


def test_the_meeting_pack_page_follows_the_job_and_offers_the_zip(page, live_server, users, cycle) -> None:  # type: ignore[no-untyped-def]
    make_assessment(users["deu"], cycle, "DEU", "submitted")
    browser_login(page, live_server, "reviewer@example.org")
    page.click("a:has-text('Meeting pack')")
    assert page.locator("h1").inner_text().startswith("Meeting pack")
    with page.expect_navigation():
        page.click("button:has-text('Prepare the meeting pack')")
    assert "/meeting-packs/" in page.url
    # The script polls the status and reloads when the pack is ready; no click needed.
    download = page.locator("#pack-download")
    download.wait_for(timeout=180_000)
    assert page.locator("#pack-count").inner_text() == "2 / 2"
    with page.expect_download() as info:
        download.click()
    assert info.value.suggested_filename == "meeting-pack-2026.zip"
