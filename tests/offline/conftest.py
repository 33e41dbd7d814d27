"""Fixtures for the offline questionnaire: a started assessment with answers, and workbook tools."""

from __future__ import annotations

import io
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from questionnaire import offline, services
from questionnaire.catalogue import load_catalogue
from questionnaire.config import DEFAULT_CATALOGUE
from questionnaire.db import db
from questionnaire.models import Answer, AnswerChange, Assessment


def _sheet_names() -> dict[str, str]:
    """The English workbook's sheet names by section id (sheets are named by their section's title)."""
    taken = {offline.META.lower(), offline.INSTRUCTIONS.lower()}
    return {s.id: offline._safe_sheet_name(s.title, taken) for s in load_catalogue(DEFAULT_CATALOGUE).sections}


SHEETS = _sheet_names()
CRIMINAL_LAW = SHEETS["criminal-law"]
VICTIMS = SHEETS["victims"]

BASE = "/cycles/2026/countries/FRA"
XLSX = f"{BASE}/questionnaire.xlsx"


@pytest.fixture
def assessment(users: dict[str, Any], cycle: Any) -> Assessment:
    """France's 2026 draft with three answers saved through the form."""
    found, _ = services.start_assessment(users["fra"], cycle, "FRA")
    services.save_answers(
        users["fra"],
        found,
        [
            services.Edit(
                "CL-1",
                services.make_input(
                    rating="largely",
                    description="Party to all three instruments since 2002-2003.",
                    legal_references="Décret n° 2004-446\nLoi n° 2002-1040",
                    evidence_links="https://treaties.un.org/\nhttps://www.legifrance.gouv.fr/",
                ),
                0,
            ),
            services.Edit(
                "CL-2",
                services.make_input(
                    rating="not_applicable",
                    justification="=This justification starts with an equals sign",
                ),
                0,
            ),
            services.Edit(
                "VP-1",
                services.make_input(
                    rating="partially",
                    description="Referral mechanism in three regions.",
                    assistance_kind="training",
                    assistance_description="Train labour inspectors.",
                ),
                0,
            ),
        ],
    )
    return found


@pytest.fixture
def fra(client: Any, assessment: Assessment) -> Any:
    """A browser signed in as France's respondent."""
    client.login("fra@example.org")
    return client


class Book:
    """Open, change and save questionnaire workbooks as a user would with a spreadsheet."""

    def download(self, assessment: Assessment) -> bytes:
        return offline.build_workbook(assessment)

    def where(self, data: bytes, item: str, key: str) -> tuple[str, str]:
        """Return (sheet, cell) of an item's field."""
        wb = load_workbook(io.BytesIO(data))
        letter = offline.COLUMN[key].letter
        for ws in wb.worksheets:
            if ws.title in (offline.INSTRUCTIONS, offline.META):
                continue
            for row in range(offline.FIRST_ROW, ws.max_row + 1):
                if ws.cell(row, 1).value == item:
                    return ws.title, f"{letter}{row}"
        raise AssertionError(f"{item} is not in the workbook")

    def edit(self, data: bytes, changes: dict[tuple[str, str], Any], *, as_text: bool = False) -> bytes:
        """Set cells {(item, field) or (sheet, cell): value} and save, as openpyxl would."""
        wb = load_workbook(io.BytesIO(data))
        for (first, second), value in changes.items():
            if first in wb.sheetnames:
                sheet, cell = first, second
            else:
                sheet, cell = self.where(data, first, second)
            wb[sheet][cell].value = value
            if as_text and isinstance(value, str):
                wb[sheet][cell].data_type = "s"
        return self.save(wb)

    def open(self, data: bytes) -> Any:
        return load_workbook(io.BytesIO(data))

    def save(self, wb: Any) -> bytes:
        out = io.BytesIO()
        wb.save(out)
        return out.getvalue()


@pytest.fixture
def book() -> Book:
    return Book()


def _state(assessment_id: int) -> dict[str, Any]:
    db.session.expire_all()
    answers = db.session.scalars(select(Answer).where(Answer.assessment_id == assessment_id)).all()
    return {
        "answers": sorted((a.item_id, a.version, services.AnswerInput.of(a).as_dict()) for a in answers),
        "audit": db.session.scalar(select(func.count()).select_from(AnswerChange)),
        "version": db.session.get(Assessment, assessment_id).version,
    }


@pytest.fixture
def state() -> Any:
    """Return a snapshot of everything an import could change (to show nothing did)."""
    return _state
