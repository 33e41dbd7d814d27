"""Print layouts, the Content Security Policy enforced in a browser, and the checks themselves."""

from __future__ import annotations

import shutil
import subprocess
from typing import Any

import pytest

from .conftest import ARTIFACTS, DEMO_PASSWORD, DESKTOP, UI, VNU

pytestmark = pytest.mark.browser


def _pdf_pages(pdf: bytes, name: str) -> list[Any]:
    """Save a PDF under test-artifacts/e2e/print/ with its first pages as PNG; return the PNGs."""
    out = ARTIFACTS / "print"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{name}.pdf"
    path.write_bytes(pdf)
    for old in out.glob(f"{name}-*.png"):
        old.unlink()
    if not shutil.which("pdftoppm"):
        return []
    subprocess.run(
        ["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "3", str(path), str(out / name)],
        check=True,
    )  # noqa: S603, S607
    return sorted(out.glob(f"{name}-*.png"))


def _hidden(page: Any, selector: str) -> bool:
    return bool(
        page.evaluate(
            "(s) => [...document.querySelectorAll(s)].every(e => getComputedStyle(e).display === 'none')",
            selector,
        )
    )


def test_the_questionnaire_prints_without_navigation_and_with_every_answer(ui) -> None:  # type: ignore[no-untyped-def]
    page = ui.page
    ui.login("mex@demo.test")
    ui.goto("/cycles/2026/countries/MEX/sections/victims")
    page.emulate_media(media="print")
    try:
        for chrome in (
            ".site-header",
            ".site-footer",
            ".section-nav",
            ".form-actions",
            ".pager",
            ".breadcrumbs",
            ".skip-link",
        ):
            assert _hidden(page, chrome), f"{chrome} shows in print"
        # The clauses and the evidence asked for are printed open, not folded away.
        assert page.locator("#item-VP-1 .clause-quote").first.is_visible()
        # Typed answers print in full: text areas grow to their content.
        box = page.locator("#item_VP_1-description")
        assert box.evaluate("e => e.scrollHeight <= e.clientHeight + 2"), "a text area cuts its answer in print"
        # Nothing is cut at the right edge of a portrait A4 page (180 mm inside margins: 680 px).
        page.set_viewport_size({"width": 680, "height": 1000})
        assert page.evaluate("document.documentElement.scrollWidth") <= 680
        page.set_viewport_size(DESKTOP)
        pdf = page.pdf(format="A4", print_background=True)
    finally:
        page.emulate_media(media="screen")
        page.set_viewport_size(DESKTOP)
    assert pdf.startswith(b"%PDF")
    assert _pdf_pages(pdf, "section-MEX-victims") or not shutil.which("pdftoppm")


def test_the_comparison_prints_landscape_with_its_whole_table(ui) -> None:  # type: ignore[no-untyped-def]
    page = ui.page
    ui.login("reviewer@demo.test")
    ui.goto("/cycles/2026/compare")
    page.emulate_media(media="print")
    try:
        for chrome in (
            ".site-header",
            ".filters",
            ".side-form__bar",
            ".downloads",
            ".country-cell input",
        ):
            assert _hidden(page, chrome), f"{chrome} shows in print"
        wrap = page.locator(".table-wrap--tall")
        assert wrap.evaluate("e => getComputedStyle(e).overflow") == "visible"
        # The whole table fits a landscape A4 page (277 mm between the margins, 1047 CSS px).
        page.set_viewport_size({"width": 1047, "height": 740})
        width = page.evaluate("document.documentElement.scrollWidth")
        page.set_viewport_size(DESKTOP)
        pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    finally:
        page.emulate_media(media="screen")
        page.set_viewport_size(DESKTOP)
    assert pdf.startswith(b"%PDF")
    pages = _pdf_pages(pdf, "compare-2026")
    assert pages or not shutil.which("pdftoppm")
    assert width <= 1047, f"the comparison is {width}px wide in print"


def test_the_content_security_policy_blocks_nothing_the_pages_need(browser, live_server, demo) -> None:  # type: ignore[no-untyped-def]
    """With the CSP enforced (other tests bypass it for axe): no violation on the main pages."""
    problems: list[str] = []
    for email, paths in {
        "mex@demo.test": [
            "/",
            "/cycles/2026/countries/MEX/",
            "/cycles/2026/countries/MEX/sections/victims",
            "/cycles/2026/countries/MEX/upload",
            "/cycles/2026/countries/MEX/submit",
            "/cycles/2026/countries/MEX/report",
        ],
        "reviewer@demo.test": [
            "/",
            "/review",
            "/cycles/2026/compare",
            "/cycles/2026/compare/countries?country=FRA&country=NGA",
            "/cycles/2026/countries/NGA/sections/criminal-law",
            "/cycles/2026/meeting-pack",
            "/catalogue/",
        ],
        "admin@demo.test": ["/admin/users", "/admin/cycles"],
    }.items():
        context = browser.new_context(viewport=DESKTOP)
        page = context.new_page()
        page.on(
            "console",
            lambda m, p=page: problems.append(f"{p.url}: {m.text}") if m.type == "error" else None,
        )
        page.on("pageerror", lambda e, p=page: problems.append(f"{p.url}: {e}"))
        try:
            page.goto(f"{live_server}/login")
            page.fill("#email", email)
            page.fill("#password", DEMO_PASSWORD)
            with page.expect_navigation():
                page.locator("main").get_by_role("button", name="Sign in").click()
            for path in paths:
                page.goto(f"{live_server}{path}")
                page.wait_for_load_state("load")
                # The stylesheet applied (a blocked one would leave the body's default margin).
                if "/report" not in path:
                    assert page.evaluate("getComputedStyle(document.body).margin") == "0px", path
        finally:
            context.close()
    assert problems == []


BROKEN = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Broken on purpose</title></head>
<body>
<a class="skip-link" href="#nowhere">Skip</a>
<header class="site-header"><a href="/">Home</a></header>
<main id="main">
<h1>One</h1><h3>Skipped a level</h3>
<p style="color:#bbb;background:#fff">Low contrast text</p>
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
<input type="text">
<span class="heat heat--a"></span>
<button class="no-outline">Press</button>
<div style="width:900px">Too wide</div>
<p>Unclosed <b>bold
</main>
</body></html>"""


def test_the_checks_catch_what_they_should(browser, live_server, audit_log) -> None:  # type: ignore[no-untyped-def]
    """A page broken on purpose fails each check with a message naming the problem."""
    tab = UI(browser, live_server, audit_log, "self-test")
    try:
        tab.page.route(
            "**/broken-on-purpose",
            lambda route: route.fulfill(status=200, content_type="text/html", body=BROKEN),
        )
        tab.page.goto(f"{live_server}/broken-on-purpose")
        tab.page.add_style_tag(
            content=".no-outline:focus, .no-outline:focus-visible { outline: none; box-shadow: none; }"
        )
        with pytest.raises(pytest.fail.Exception) as failed:
            tab.check("self-test")
        message = str(failed.value)
        for expected in (
            "axe critical image-alt",
            "axe critical label",
            "axe serious color-contrast",
            "heading level skipped: h1 then h3",
            "the skip link's target #nowhere is missing",
            "coloured marker without text",
            "no visible focus indicator on <button",
            "at 360 px the page scrolls sideways",
        ):
            assert expected in message, f"{expected!r} not found in:\n{message}"
    finally:
        tab.close()
        # The broken document must not reach the session's Nu run: it would fail the suite.
        record = audit_log.pages.pop("errors.not_found (self-test)", None)
        assert record and record.files, "the document was captured for the HTML checker"
        checked = subprocess.run(  # noqa: S603, S607
            [
                "java",
                "-Xss4m",
                "-jar",
                str(VNU),
                "--format",
                "json",
                "--stdout",
                str(record.files[0]),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        assert '"type":"error"' in checked.stdout, checked.stdout
        for shot in audit_log.shots.glob("errors-not-found-self-test-*.png"):
            shot.unlink()
