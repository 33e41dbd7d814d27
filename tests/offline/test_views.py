"""The offline questionnaire in the browser: download, upload form, upload result, access rules."""

from __future__ import annotations

import io
import os
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from questionnaire import offline, services
from questionnaire.db import db
from questionnaire.models import AnswerChange

from .conftest import CRIMINAL_LAW, SHEETS, VICTIMS

BASE = "/cycles/2026/countries/FRA"
XLSX = f"{BASE}/questionnaire.xlsx"
UPLOAD = f"{BASE}/upload"


def _upload(client: Any, data: bytes, name: str = "questionnaire-FRA-2026.xlsx", **form: Any) -> Any:
    token = client.csrf_token(UPLOAD)
    return client.post(
        XLSX,
        data={"csrf_token": token, "file": (io.BytesIO(data), name), **form},
        content_type="multipart/form-data",
    )


def test_round_trip_through_the_browser(fra, assessment, users) -> None:
    """Download, change answers with openpyxl, upload; find exactly those changes, and audited."""
    response = fra.get(XLSX)
    assert response.status_code == 200
    assert response.mimetype == offline.XLSX_MIMETYPE
    assert "attachment; filename=questionnaire-FRA-2026.xlsx" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    before = {k: services.AnswerInput.of(v) for k, v in services.answers_of(assessment).items()}

    wb = load_workbook(io.BytesIO(response.data))
    ws = wb[SHEETS["proceeds"]]
    assert ws["A3"].value == "PC-1"
    ws["D3"] = "Largely implemented"
    ws["E3"] = "Confiscation orders: 214 in 2024.\nAsset recovery office since 2011."
    ws["F3"] = "Code pénal, art. 131-21\nCode de procédure pénale, art. 706-141"
    victims = wb[VICTIMS]
    row = [r for r in range(3, victims.max_row + 1) if victims.cell(r, 1).value == "VP-1"][0]
    victims.cell(row, offline.COLUMN["assistance_kind"].index).value = "None"
    victims.cell(row, offline.COLUMN["assistance_description"].index).value = None
    out = io.BytesIO()
    wb.save(out)

    result = _upload(fra, out.getvalue())
    page = result.get_data(as_text=True)
    assert result.status_code == 200, page
    assert "2 answers were saved from the file." in page
    assert "36 rows had not changed." in page
    assert f'href="{BASE}/sections/proceeds#item-PC-1"' in page

    db.session.expire_all()
    after = {k: services.AnswerInput.of(v) for k, v in services.answers_of(assessment).items()}
    assert after["PC-1"] == services.AnswerInput(
        rating="largely",
        description="Confiscation orders: 214 in 2024.\nAsset recovery office since 2011.",
        legal_references=("Code pénal, art. 131-21", "Code de procédure pénale, art. 706-141"),
    )
    assert after["VP-1"].assistance_kind is None and after["VP-1"].assistance_description == ""
    assert after["VP-1"].rating == before["VP-1"].rating
    assert {k: v for k, v in after.items() if k not in ("PC-1", "VP-1")} == {
        k: v for k, v in before.items() if k not in ("PC-1", "VP-1")
    }

    trail = db.session.scalars(
        select(AnswerChange).where(AnswerChange.source == "spreadsheet").order_by(AnswerChange.item_id)
    ).all()
    assert [(c.item_id, c.user_id) for c in trail] == [
        ("PC-1", users["fra"].id),
        ("VP-1", users["fra"].id),
    ]
    assert set(trail[0].changes) == {"rating", "description", "legal_references"}
    assert trail[1].changes == {
        "assistance_kind": ["training", None],
        "assistance_description": ["Train labour inspectors.", ""],
    }
    history = fra.get(f"{BASE}/history").get_data(as_text=True)
    assert "spreadsheet" in history


def test_problems_are_listed_by_sheet_and_cell(fra, assessment, book, state) -> None:
    data = book.edit(
        book.download(assessment),
        {("CL-3", "rating"): "Excellent", ("CL-3", "evidence_links"): "<script>alert(1)</script>"},
    )
    before = state(assessment.id)
    response = _upload(fra, data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Nothing was saved: 2 problems to correct in the file" in page
    assert f"<h3>Sheet “{CRIMINAL_LAW}”</h3>" in page
    assert "<li><strong>Cell D5</strong> (CL-3 · Rating): “Excellent” is not on the rating scale." in page
    assert "<li><strong>Cell G5</strong> (CL-3 · Evidence links): Link 1 (&lt;script&gt;" in page
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert state(assessment.id) == before


def test_a_conflict_shows_both_versions_and_can_be_settled(fra, assessment, users, book, state) -> None:
    data = book.download(assessment)
    services.save_answers(
        users["fra"],
        assessment,
        [services.Edit("CL-1", services.make_input(rating="full", description="Saved online meanwhile."), 1)],
    )
    filled = book.edit(data, {("CL-1", "description"): "Typed offline."})
    before = state(assessment.id)
    response = _upload(fra, filled)
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "1 answer was changed on the platform after the file was downloaded" in page
    assert "Typed offline." in page and "Saved online meanwhile." in page
    assert "Your file (based on version 1)" in page and "On the platform now (version 2)" in page
    assert 'name="replace" id="replace-CL-1" value="CL-1:2"' in page
    assert state(assessment.id) == before

    settled = _upload(fra, filled, replace="CL-1:2")
    assert settled.status_code == 200, settled.get_data(as_text=True)
    db.session.expire_all()
    assert services.answers_of(assessment)["CL-1"].description == "Typed offline."


def test_a_hostile_file_is_refused_on_the_upload_page(fra, assessment, state) -> None:
    before = state(assessment.id)
    response = _upload(fra, b"%PDF-1.4 not a spreadsheet", name="report.xlsx")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "The file was not accepted; nothing was saved" in page
    assert "report.xlsx" in page and "The file is a PDF document, not an Excel workbook (.xlsx)." in page
    assert state(assessment.id) == before


@pytest.mark.parametrize("megabytes", [6, 9])
def test_a_file_over_the_limit_gets_413_with_the_limit_named(fra, assessment, state, megabytes) -> None:
    """Over 5 MB (the spreadsheet limit) and over 8 MB (the platform's): a clear 413 either way."""
    before = state(assessment.id)
    response = _upload(fra, b"PK\x03\x04" + os.urandom(megabytes * 1024 * 1024))
    page = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "5 MB, the most the platform accepts for a questionnaire" in page
    assert state(assessment.id) == before


def test_a_file_between_the_form_limit_and_five_megabytes_is_refused_by_the_check(fra, assessment, app, state) -> None:
    app.config["SPREADSHEET_MAX_BYTES"] = 1024 * 1024
    before = state(assessment.id)
    response = _upload(fra, b"PK\x03\x04" + os.urandom(1024 * 1024 + 10))
    assert response.status_code == 413
    assert "The file is 1 MB; the platform accepts questionnaires of up to 1 MB." in response.get_data(as_text=True)
    assert state(assessment.id) == before


def test_upload_without_a_file_asks_for_one(fra, assessment) -> None:
    token = fra.csrf_token(UPLOAD)
    response = fra.post(XLSX, data={"csrf_token": token}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Choose the filled-in questionnaire (.xlsx) to upload." in response.get_data(as_text=True)


def test_upload_without_the_csrf_token_is_refused(fra, assessment, book, state) -> None:
    data = book.edit(book.download(assessment), {("CL-3", "rating"): "Fully implemented"})
    before = state(assessment.id)
    response = fra.post(XLSX, data={"file": (io.BytesIO(data), "q.xlsx")}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert state(assessment.id) == before


def test_the_overview_links_to_download_and_upload(fra, assessment) -> None:
    page = fra.get(f"{BASE}/").get_data(as_text=True)
    assert f'href="{XLSX}"' in page and f'href="{UPLOAD}"' in page


def test_a_reviewer_may_download_a_submitted_assessment_but_not_upload(make_client, assessment, users, book) -> None:
    services.submit(users["fra"], assessment)
    reviewer = make_client()
    reviewer.login("reviewer@example.org")
    page = reviewer.get(f"{BASE}/").get_data(as_text=True)
    assert f'href="{XLSX}"' in page and f'href="{UPLOAD}"' not in page
    assert reviewer.get(XLSX).status_code == 200
    assert reviewer.get(UPLOAD).status_code == 403
    token = reviewer.csrf_token("/")
    response = reviewer.post(
        XLSX,
        data={"csrf_token": token, "file": (io.BytesIO(book.download(assessment)), "q.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 403
