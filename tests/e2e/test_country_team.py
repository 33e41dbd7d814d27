"""A country's team, in a real browser on the demo (France's 2026 assessment, returned to it).

The focal point invites a contributor of the justice ministry and assigns a section; the
contributor accepts the invitation, answers, attaches a PDF and marks the section ready; the
focal point approves it, checks the answers, signs and submits; the reviewer downloads the
evidence.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips with the reason
    expect = None

pytestmark = pytest.mark.browser

BASE = "/cycles/2026/countries/FRA"
JUSTICE = "fra.justice@example.org"
PASSWORD = "orchid tensile harbour 4571"
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Count 0/Kids[]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def test_focal_point_and_contributor_prepare_sign_and_submit(ui, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page = ui.page

    # The focal point invites the justice ministry and gives it "Proceeds of crime".
    ui.login("fra@demo.test")
    ui.goto(f"{BASE}/team", "team")
    page.fill("#email", JUSTICE)
    page.fill("#name", "Ministry of Justice")
    with page.expect_navigation():
        page.get_by_role("button", name="Invite", exact=True).click()
    ui.check("invited")
    link = page.locator("#invitation-link code").inner_text().strip()
    page.select_option("#contributor", label=f"Ministry of Justice <{JUSTICE}>")
    page.select_option("#section", value="proceeds")
    with page.expect_navigation():
        page.get_by_role("button", name="Assign", exact=True).click()
    expect(page.locator(".flashes")).to_contain_text(f"Assigned to {JUSTICE}")
    ui.check("assigned")
    ui.logout()

    # The contributor accepts the invitation, signs in and sees only what is assigned.
    ui.goto(link, "invitation")
    page.fill("#password", PASSWORD)
    page.fill("#confirm", PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Set the password").click()
    expect(page.locator(".flashes")).to_contain_text(f"Your password is set. Sign in with {JUSTICE}.")
    ui.check("password set")
    ui.login(JUSTICE, PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Assigned to me")
    with page.expect_navigation():
        page.get_by_role("link", name="Proceeds of crime").click()
    ui.check("contributor's section")
    expect(page.locator(".section-nav li")).to_have_count(1)
    current = page.locator("input[name='item_PC_1-rating']:checked").get_attribute("value")
    page.locator(f"#item_PC_1-rating-{'full' if current != 'full' else 'largely'}").check()
    page.fill("#item_PC_1-legal_references", "Code of Criminal Procedure, art. 706-141")
    expect(page.locator("#autosave-status")).not_to_have_text("Saving…", timeout=15_000)
    with page.expect_navigation():
        page.locator(".form-actions").get_by_role("button", name="Save", exact=True).click()
    ui.check("saved")
    pdf = tmp_path / "proceeds-of-crime-act.pdf"
    pdf.write_bytes(PDF)
    page.set_input_files("#evidence-PC-1-file", str(pdf))
    page.fill("#evidence-PC-1-title-input", "Proceeds of Crime Act")
    page.check("#evidence-PC-1-shared")
    with page.expect_navigation():
        page.get_by_role("button", name="Attach the file").first.click()
    ui.check("attached")
    expect(page.locator("#evidence-PC-1")).to_contain_text("Proceeds of Crime Act")
    with page.expect_navigation():
        page.get_by_role("button", name="Mark this section ready").click()
    expect(page.locator("#team-review")).to_contain_text("Ready for approval")
    ui.check("ready")
    assert ui.goto(f"{BASE}/sections/criminal-law").status == 404
    ui.logout()

    # The focal point approves, checks the answers, signs and submits.
    ui.login("fra@demo.test")
    ui.goto(f"{BASE}/team", "to approve")
    row = page.locator("#review-proceeds")
    expect(row).to_contain_text("Ready for approval")
    with page.expect_navigation():
        row.get_by_role("button", name=re.compile("^Approve")).click()
    expect(page.locator("#review-proceeds")).to_contain_text("Approved")
    ui.check("approved")
    ui.goto(f"{BASE}/submit", "check")
    page.fill("#declaration-name", "Claire Dubois")
    page.fill("#declaration-position", "Head of the anti-trafficking unit")
    page.fill("#declaration-ministry", "Ministry of the Interior")
    with page.expect_navigation():
        page.locator("main form").get_by_role("button", name=re.compile("Submit|Sign")).last.click()
    expect(page.locator(".flashes")).to_contain_text("submitted to the reviewers")
    ui.check("signed")
    ui.logout()

    # The reviewer reads the section and downloads the shared evidence.
    ui.login("reviewer@demo.test")
    ui.goto(f"{BASE}/sections/proceeds", "reviewer")
    expect(page.locator("main")).not_to_contain_text("Internal review")
    with page.expect_download() as info:
        page.get_by_role("link", name="Proceeds of Crime Act").click()
    saved = tmp_path / "downloaded.pdf"
    info.value.save_as(saved)
    assert saved.read_bytes() == PDF
