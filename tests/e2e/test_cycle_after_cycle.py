"""Cycle after cycle, in a real browser on the demo: a country starts 2026 from its 2025 answers.

Canada's 2025 assessment was accepted and it has not started 2026. Its focal point
starts, confirms a whole section, changes one answer, sees the warning for the
answers still unconfirmed and submits; the reviewer reads what changed since 2025 and
who has submitted.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from questionnaire.db import db
from questionnaire.models import Answer, Assessment, Cycle

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips with the reason
    expect = None

pytestmark = pytest.mark.browser

BASE = "/cycles/2026/countries/CAN"


def _carry_states() -> dict[str, str | None]:
    db.session.expire_all()
    rows = db.session.scalars(
        select(Answer).join(Assessment).join(Cycle).where(Assessment.country_iso3 == "CAN", Cycle.code == "2026")
    )
    return {a.item_id: a.carry for a in rows}


def test_a_country_starts_from_last_cycle_confirms_changes_and_submits(ui) -> None:  # type: ignore[no-untyped-def]
    page = ui.page
    ui.login("can@demo.test")
    with page.expect_navigation():
        page.get_by_role("button", name="Start the assessment").click()
    ui.check("started")
    carried = _carry_states()
    assert carried and set(carried.values()) == {"carried"}, "every 2025 answer arrives carried, unconfirmed"
    expect(page.locator("#carried")).to_contain_text(f"{len(carried)} answers carried forward from 2025")

    # The first section: every carried answer confirmed in one click.
    ui.goto(f"{BASE}/sections/criminal-law", "carried")
    expect(page.locator(".carry--pending").first).to_contain_text("Carried forward from 2025 — confirm or update.")
    page.locator(".carry__previous summary").first.click()
    expect(page.locator(".carry__previous").first).to_contain_text("Rating")
    in_section = page.locator(".carry--pending").count()
    with page.expect_navigation():
        page.locator("#carried-notice").get_by_role("button").click()
    expect(page.locator(".flashes")).to_contain_text(f"Confirmed {in_section} carried-forward answer")
    ui.check("confirmed")
    assert page.locator(".carry--pending").count() == 0
    states = _carry_states()
    assert sum(1 for i, s in states.items() if i.startswith("CL-") and s == "confirmed") == in_section

    # Another section: one answer changed.
    ui.goto(f"{BASE}/sections/victims", "before the change")
    checked = page.locator("input[name='item_VP_1-rating']:checked").get_attribute("value")
    new = "none" if checked != "none" else "full"
    page.locator(f"#item_VP_1-rating-{new}").check()
    if new == "none":  # a "not implemented" rating needs no support; the carried text stays
        pass
    expect(page.locator("#autosave-status")).not_to_have_text("Saving…", timeout=15_000)
    with page.expect_navigation():
        page.locator(".form-actions").get_by_role("button", name="Save", exact=True).click()
    ui.check("changed")
    expect(page.locator("#carry-VP-1")).to_contain_text("then updated")
    assert _carry_states()["VP-1"] == "changed"

    # Submitting warns of the answers nobody confirmed, and lets the country submit anyway.
    ui.goto(f"{BASE}/submit", "warning")
    still = sum(1 for s in _carry_states().values() if s == "carried")
    assert still > 0
    expect(page.locator("#unconfirmed")).to_contain_text(f"{still} answers carried forward from 2025 are not confirmed")
    page.fill("#declaration-position", "Director of International Cooperation")
    page.fill("#declaration-ministry", "Ministry of Public Safety")
    with page.expect_navigation():
        page.locator("main form").get_by_role("button", name=re.compile("^Submit")).click()
    expect(page.locator(".flashes")).to_contain_text("submitted to the reviewers")
    ui.check("submitted")
    ui.logout()

    # The reviewer: what changed since 2025, and who has submitted.
    ui.login("reviewer@demo.test")
    ui.goto(f"{BASE}/changes", "reviewer")
    heading = "Ratings down" if new == "none" else "Ratings up"
    expect(page.locator(f"h2:has-text('{heading}')")).to_contain_text("(1)")
    expect(page.locator("main")).to_contain_text("VP-1")
    expect(page.locator("#confirmed")).to_contain_text(f"({in_section})")
    ui.goto(f"{BASE}/sections/victims", "reviewer reads")
    expect(page.locator("#carry-VP-1")).to_contain_text("then updated")
    expect(page.locator(".carry--pending").first).to_contain_text("not yet confirmed by the country")

    ui.goto("/cycles/2026/participation", "participation")
    row = page.locator("tr", has_text="Canada")
    expect(row).to_contain_text("Submitted")
