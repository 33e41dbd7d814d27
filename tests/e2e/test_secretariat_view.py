"""The secretariat's view in a real browser: the comparison at full width with its map, and the assistance page.

Every page reached is checked (axe-core, headings, focus, skip link, 360 px, Nu
HTML checker at the end of the session): see conftest.py.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from questionnaire import services
from questionnaire.db import db
from questionnaire.models import Assessment

pytestmark = pytest.mark.browser


def _visible_countries() -> dict[str, str]:
    """The demo countries a reviewer sees in 2026 (submitted, returned, accepted), by code, with names."""
    cycle = services.find_cycle("2026")
    return {a.country_iso3: a.country.name for a in services.visible_assessments(None, cycle)}


def test_the_comparison_fills_a_wide_screen_and_maps_every_country(ui) -> None:  # type: ignore[no-untyped-def]
    page = ui.page
    ui.login("reviewer@demo.test")
    ui.goto("/cycles/2026/compare")
    page.set_viewport_size({"width": 1920, "height": 1080})  # the checks leave the page at 1,280 px
    # The page does not scroll sideways, and the table needs no scrolling of its own at this width.
    assert page.evaluate("document.documentElement.scrollWidth") <= 1920
    wrap = page.locator(".table-wrap--tall")
    assert wrap.evaluate("e => e.scrollWidth <= e.clientWidth + 1"), "the heat map scrolls sideways at 1,920 px"
    assert page.locator("main").evaluate("e => e.getBoundingClientRect().width") > 1800, "the page uses the width"
    # One shape (or marker) per visible demo country, titled with its name, band and score.
    visible = _visible_countries()
    assert len(visible) >= 6
    for iso3, name in visible.items():
        shape = page.locator(f'.world-map__svg [data-iso3="{iso3}"]:not([aria-hidden="true"])')
        assert shape.count() == 1, iso3
        title = shape.locator("title").text_content() or ""
        assert title.startswith(f"{name}: band ") and ", score " in title, title
        box = shape.bounding_box()
        assert box and box["width"] > 0 and box["height"] > 0
    # Drafts stay private: a country with a draft is drawn blank, like one that has not started.
    drafts = db.session.scalars(
        select(Assessment.country_iso3).where(Assessment.status == "draft", Assessment.cycle.has(code="2026"))
    ).all()
    assert drafts
    for iso3 in drafts:
        assert page.locator(f'.world-map__svg [data-iso3="{iso3}"]').count() == 0
    # Every chart is there without script, and the table links to the assistance page.
    for selector in (".bar-chart", ".spread-chart .box", ".spark"):
        assert page.locator(selector).count() > 0, selector
    page.get_by_role("link", name="Technical assistance requested").first.click()
    ui.check()
    assert page.locator("h1").inner_text().startswith("Technical assistance requested")


def test_the_assistance_page_filters_and_mirrors_in_arabic(ui) -> None:  # type: ignore[no-untyped-def]
    page = ui.page
    ui.login("reviewer@demo.test")
    ui.goto("/cycles/2026/assistance")
    total = page.locator(".assistance-table tbody tr").count()
    assert total > 0
    page.select_option("#filter-kind", "training")
    with page.expect_navigation():
        page.get_by_role("button", name="Apply filters").click()
    ui.check("filtered")
    kinds = {t.strip() for t in page.locator(".assistance-table tbody tr td:nth-of-type(4)").all_inner_texts()}
    assert kinds == {"Training and capacity building"}
    ui.goto("/cycles/2026/assistance?region=Atlantis", state="unknown region")
    assert "is not a region" in page.locator("main").inner_text()
    # In Arabic the page reads right to left; the bars grow from the right.
    page.select_option("#language-select", "ar")
    with page.expect_navigation():
        page.locator(".language-form button").click()
    ui.goto("/cycles/2026/compare", state="arabic")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator(".bar").first.evaluate("e => getComputedStyle(e).transform") != "none"
    assert page.locator(".world-map__svg").evaluate("e => getComputedStyle(e).transform") == "none"
