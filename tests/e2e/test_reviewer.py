"""A secretariat reviewer, in a real browser, on the demo instance.

Every page reached is checked (axe-core, headings, focus, skip link, 360 px, Nu
HTML checker at the end of the session): see conftest.py.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
import uuid

import pytest
from sqlalchemy import select

from questionnaire import jobs
from questionnaire.db import db
from questionnaire.models import Assessment, Comment, Cycle, Job, User

from .conftest import ARTIFACTS

pytestmark = pytest.mark.browser

NUMBER = re.compile(r"^[+−-]?\d+\.\d$")


def _status(iso3: str) -> str:
    db.session.expire_all()
    return db.session.scalar(
        select(Assessment.status).where(Assessment.country_iso3 == iso3, Assessment.cycle.has(code="2026"))
    )


def _queue(page) -> list[str]:  # type: ignore[no-untyped-def]
    return [t.strip() for t in page.locator("main table tbody tr th").all_inner_texts()]


def test_a_reviewer_works_the_queue_returns_one_accepts_another_and_gets_a_report(ui) -> None:  # type: ignore[no-untyped-def]
    page = ui.page
    ui.login("reviewer@demo.test")
    page.locator(".site-nav").get_by_role("link", name="Review queue").click()
    ui.check()
    waiting = _queue(page)
    assert sorted(waiting) == ["India", "Kenya", "Nigeria", "Philippines"]

    # Nigeria: a comment on an item, then returned with a comment.
    page.get_by_role("link", name="Nigeria").click()
    ui.check()
    page.get_by_role("link", name="Criminal law and international instruments").click()
    ui.check()
    page.fill("#comment-CL-1", "Which court has jurisdiction over trafficking cases?")
    with page.expect_navigation():
        page.locator("#item-CL-1 .thread").get_by_role("button", name="Send comment").click()
    assert "Your comment on CL-1 was added." in page.locator(".flashes").inner_text()
    ui.check("after a comment")
    page.get_by_role("link", name="Back to the assessment").click()
    ui.check()
    page.fill("#return-comment", "Please answer the comment on CL-1 and complete the missing items.")
    with page.expect_navigation():
        page.get_by_role("button", name="Return to the country").click()
    assert "The assessment was returned to the country." in page.locator(".flashes").inner_text()
    assert "Returned for changes" in page.locator(".status").inner_text()
    ui.check("returned")
    assert _status("NGA") == "returned"

    # India: accepted.
    page.locator(".site-nav").get_by_role("link", name="Review queue").click()
    ui.check()
    page.get_by_role("link", name="India").click()
    ui.check()
    page.fill("#accept-comment", "Accepted with thanks.")
    with page.expect_navigation():
        page.get_by_role("button", name="Accept the assessment").click()
    assert "The assessment was accepted." in page.locator(".flashes").inner_text()
    ui.check("accepted")
    assert _status("IND") == "accepted"

    page.locator(".site-nav").get_by_role("link", name="Review queue").click()
    assert sorted(_queue(page)) == ["Kenya", "Philippines"]
    ui.check()

    # Kenya's gap report as PDF (a download), then in the browser.
    page.get_by_role("link", name="Kenya").click()
    ui.check()
    with page.expect_download() as info:
        page.get_by_role("link", name="Gap report as PDF").click()
    download = info.value
    assert download.suggested_filename == "2026-KEN-gap-report.pdf"
    out = ARTIFACTS / "pdf"
    out.mkdir(parents=True, exist_ok=True)
    pdf = out / download.suggested_filename
    download.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftoppm"):
        subprocess.run(  # noqa: S603, S607
            [
                "pdftoppm",
                "-png",
                "-r",
                "60",
                "-f",
                "1",
                "-l",
                "2",
                str(pdf),
                str(pdf.with_suffix("")),
            ],
            check=True,
        )
        assert list(out.glob(f"{pdf.stem}-*.png"))
    page.get_by_role("link", name="Gap report", exact=True).click()
    assert page.locator("h1").inner_text() == "Kenya"
    ui.check()

    db.session.expire_all()
    nigeria = db.session.scalar(
        select(Assessment).where(Assessment.country_iso3 == "NGA", Assessment.cycle.has(code="2026"))
    )
    assert [c.body for c in db.session.scalars(select(Comment).where(Comment.assessment_id == nigeria.id))] == [
        "Which court has jurisdiction over trafficking cases?"
    ]


def test_a_reviewer_compares_countries_filters_sorts_exports_and_views_side_by_side(ui) -> None:  # type: ignore[no-untyped-def]
    page = ui.page
    ui.login("reviewer@demo.test")
    page.locator("main").get_by_role("link", name="Compare countries").first.click()
    assert page.url.endswith("/cycles/2026/compare")
    ui.check()
    table = page.locator(".compare-table").first
    rows = table.locator("tbody tr")
    assert rows.count() == 8  # submitted, returned and accepted; never drafts

    # Colour is never the only carrier: every heat-map cell prints its number (or "no score"),
    # every band is a letter, every status is a word.
    for cell in table.locator("td[class*='heat--']").all_inner_texts():
        text = cell.split("\n")[0].strip()
        assert NUMBER.match(text) or text in ("—no score", "— no score"), cell
    bands = [rows.nth(i).locator("td").nth(1).inner_text() for i in range(rows.count())]
    assert all(b in "ABCDE" and b for b in bands), bands
    assert page.locator(".legend__list li strong").all_inner_texts()[:5] == ["A", "B", "C", "D", "E"]
    for status in table.locator(".status").all_inner_texts():
        assert status.strip(" ✎➜↺✓") in ("Submitted", "Returned for changes", "Accepted")

    # Filters: one region.
    page.select_option("#filter-region", "Europe")
    with page.expect_navigation():
        page.get_by_role("button", name="Apply filters").click()
    ui.check("filtered")
    names = table.locator("tbody th a").all_inner_texts()
    assert sorted(names) == ["France", "Spain"]
    assert "Mean of Europe" in table.locator("tfoot").inner_text()
    page.get_by_role("link", name="Show all countries").click()
    ui.check()

    # Sorting by a column's header link, both ways.
    def overall() -> list[float]:
        return [float(t) for t in table.locator("tbody td.overall-cell").all_inner_texts()]

    page.locator("thead").get_by_role("link", name=re.compile("^Overall")).click()
    ui.check("sorted")
    first = overall()
    direction = page.locator("th[aria-sort]").get_attribute("aria-sort")
    assert first == sorted(first, reverse=direction == "descending")
    page.locator("thead").get_by_role("link", name=re.compile("^Overall")).click()
    second = overall()
    assert second == list(reversed(first))
    assert page.locator("th[aria-sort]").get_attribute("aria-sort") != direction
    ui.check("sorted")

    # Exports: the scores of the countries shown, as CSV.
    with page.expect_download() as info:
        page.locator(".downloads").get_by_role("link", name="CSV").first.click()
    download = info.value
    assert download.suggested_filename.endswith(".csv")
    with open(download.path(), encoding="utf-8-sig") as handle:
        exported = list(csv.DictReader(io.StringIO(handle.read())))
    assert len(exported) == 8
    with page.expect_download() as info:
        page.locator(".downloads").get_by_role("link", name="Excel").nth(1).click()
    assert info.value.suggested_filename.endswith(".xlsx")

    # Side by side: tick three countries.
    for name in ("France", "Nigeria", "India"):
        page.get_by_label(f"Select {name} for the side-by-side view").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Show the selected countries side by side").click()
    ui.check()
    assert "/compare/countries" in page.url
    heading = page.locator("main").inner_text()
    for name in ("France", "Nigeria", "India"):
        assert name in heading


def test_reviewer_pages_off_the_main_path(ui) -> None:  # type: ignore[no-untyped-def]
    """Start page, meeting pack, catalogue, method, history, account, a closed cycle, a 404."""
    page = ui.page
    ui.login("reviewer@demo.test")
    assert page.get_by_role("heading", level=1).inner_text() == "Self-assessment cycles"
    ui.goto("/cycles/2026/meeting-pack")
    # An interrupted meeting pack (rendering a real one takes minutes: see tests/reports).
    reviewer = db.session.scalar(select(User).where(User.email == "reviewer@demo.test"))
    cycle = db.session.scalar(select(Cycle).where(Cycle.code == "2026"))
    job = Job(
        id=str(uuid.uuid4()),
        kind=jobs.MEETING_PACK,
        cycle_id=cycle.id,
        user_id=reviewer.id,
        status=jobs.FAILED,
        done=3,
        total=10,
        error=jobs.INTERRUPTED,
    )
    db.session.add(job)
    db.session.commit()
    ui.goto("/cycles/2026/meeting-pack", state="with a job")
    page.get_by_role("link", name=re.compile(r"\d{4}-\d{2}-\d{2}")).first.click()
    assert "/meeting-packs/" in page.url
    ui.check()
    ui.goto("/cycles/2025/compare", state="closed cycle")
    ui.goto("/cycles/2025/countries/FRA/", state="closed cycle")
    ui.goto("/cycles/2025/countries/FRA/sections/victims", state="closed cycle")
    ui.goto("/cycles/2026/countries/PHL/history")
    ui.goto("/cycles/2026/countries/PHL/history?item=CL-2", state="one item")
    ui.goto("/cycles/2026/countries/ESP/report", state="returned")
    ui.goto("/catalogue/")
    ui.goto("/catalogue/method")
    ui.goto("/account")
    page.fill("#current", "not the password")
    page.fill("#new", "short")
    page.fill("#confirm", "other")
    with page.expect_navigation():
        page.get_by_role("button", name="Change password").click()
    assert "error-summary" in ui.focused()["cls"]
    ui.check("errors")
    # Drafts are private: a reviewer gets a 404 page for Mexico's draft.
    response = ui.goto("/cycles/2026/countries/MEX/", state="draft hidden")
    assert response.status == 404
    ui.goto("/no/such/page")
