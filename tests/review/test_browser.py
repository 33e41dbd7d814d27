"""The comparison and side-by-side pages in a real Chromium, on a desktop and a phone."""

from __future__ import annotations

from typing import Any

import pytest

from ..conftest import browser_login
from .conftest import countries

pytestmark = pytest.mark.browser


@pytest.fixture
def twelve(world: Any, users: Any) -> list[str]:
    codes = countries(12)
    world("2025", codes, status="accepted")
    world("2026", codes, seed=2)
    return codes


@pytest.fixture
def phone(browser: Any) -> Any:
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    yield page
    context.close()


def console_errors(page: Any) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    return errors


def test_ticking_countries_leads_to_the_side_by_side_view(page, live_server, twelve) -> None:  # type: ignore[no-untyped-def]
    errors = console_errors(page)
    browser_login(page, live_server, "reviewer@example.org")
    page.goto(f"{live_server}/cycles/2026/compare")
    status = page.locator("#selection-status")
    page.check(f"#pick-{twelve[0]}")
    assert status.text_content() == "1 selected (choose 2 to 5)."
    # one country is not enough: the form stays, and says why
    # (the button says aria-disabled but stays focusable and pressable, so it can explain itself)
    page.locator("#side-by-side-form button[type=submit]").click(force=True)
    assert page.url.endswith("/cycles/2026/compare")
    assert "is-invalid" in (status.get_attribute("class") or "")
    page.check(f"#pick-{twelve[1]}")
    page.check(f"#pick-{twelve[2]}")
    assert status.text_content() == "3 selected (choose 2 to 5)."
    page.locator("#side-by-side-form button[type=submit]").click()
    page.wait_for_url("**/compare/countries?*")
    assert page.locator("td[data-country]").count() == 3 * page.locator("th.sbs__obligation[scope=row]").count()
    assert errors == [], errors  # nothing refused by the content security policy


def test_sorting_works_by_links_without_script(page, live_server, twelve) -> None:  # type: ignore[no-untyped-def]
    browser_login(page, live_server, "reviewer@example.org")
    page.goto(f"{live_server}/cycles/2026/compare")
    page.get_by_role("link", name="Country", exact=True).click()
    page.wait_for_url("**sort=country**")
    assert page.locator("th[aria-sort=ascending]").count() == 1


def test_the_comparison_fits_a_phone_and_its_table_scrolls_in_its_box(phone, live_server, twelve) -> None:  # type: ignore[no-untyped-def]
    browser_login(phone, live_server, "reviewer@example.org")
    phone.goto(f"{live_server}/cycles/2026/compare")
    wide = phone.evaluate("""() => [...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > 361 && !e.closest('.table-wrap'))
        .map(e => e.tagName + '.' + e.className)""")
    assert wide == []
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    box = phone.locator(".table-wrap--tall")
    assert box.evaluate("e => e.scrollWidth > e.clientWidth")
    # the country column stays in view while the table scrolls sideways
    box.evaluate("e => { e.scrollLeft = 400; }")
    first = phone.locator("tbody th.sticky-col").first
    assert first.bounding_box()["x"] < 40


def test_the_side_by_side_view_stacks_countries_on_a_phone(phone, live_server, twelve) -> None:  # type: ignore[no-untyped-def]
    browser_login(phone, live_server, "reviewer@example.org")
    phone.goto(f"{live_server}/cycles/2026/compare/countries?country={twelve[0]}&country={twelve[1]}")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    cell = phone.locator("td[data-country]").first
    assert cell.evaluate("e => getComputedStyle(e).display") == "block"
    label = cell.evaluate("e => getComputedStyle(e, '::before').content")
    assert label.strip('"') == cell.get_attribute("data-country")
