"""The workbook in another spreadsheet program: LibreOffice opens, re-saves and prints it.

Skipped (with the reason) when LibreOffice is not installed; REQUIRE_LIBREOFFICE=1 makes
that a failure instead.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from questionnaire import offline

from .conftest import VICTIMS

SOFFICE = shutil.which("libreoffice") or shutil.which("soffice")

pytestmark = pytest.mark.slow


@pytest.fixture
def soffice(tmp_path: Path) -> Any:
    """Return a function converting a file with headless LibreOffice (own profile per test)."""
    if SOFFICE is None:
        reason = "LibreOffice is not installed (apt-get install libreoffice-calc-nogui)"
        if os.environ.get("REQUIRE_LIBREOFFICE") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    profile = (tmp_path / "profile").as_uri()

    def convert(data: bytes, target: str, name: str = "questionnaire.xlsx") -> bytes:
        source = tmp_path / name
        source.write_bytes(data)
        out = tmp_path / "out"
        out.mkdir(exist_ok=True)
        subprocess.run(  # a fixed program on our own temporary files
            [
                SOFFICE,
                f"-env:UserInstallation={profile}",
                "--headless",
                "--convert-to",
                target,
                "--outdir",
                str(out),
                str(source),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
        suffix = target.split(":")[0]
        return (out / f"{source.stem}.{suffix}").read_bytes()

    return convert


def test_a_file_resaved_by_libreoffice_keeps_protection_and_drop_downs(assessment, book, soffice) -> None:
    resaved = soffice(book.download(assessment), "xlsx:Calc MS Excel 2007 XML")
    wb = load_workbook(io.BytesIO(resaved))
    ws = wb[VICTIMS]
    assert ws.protection.sheet
    assert ws["D3"].protection.locked is False and ws["A3"].protection.locked is True
    lists = {dv.formula1 for dv in ws.data_validations.dataValidation if dv.type == "list"}
    assert lists == {"RatingChoices", "AssistanceChoices"}
    assert wb[offline.META].sheet_state in ("hidden", "veryHidden")


def test_a_file_resaved_by_libreoffice_imports(assessment, users, book, soffice) -> None:
    resaved = soffice(book.download(assessment), "xlsx:Calc MS Excel 2007 XML")
    report = offline.import_workbook(users["fra"], assessment, resaved)
    assert report.ok and report.applied == [] and len(report.unchanged) == 38
    filled = book.edit(
        resaved,
        {
            ("IX-2", "rating"): "Largely implemented",
            ("IX-2", "description"): "Line one.\nLine two.",
        },
    )
    report = offline.import_workbook(users["fra"], assessment, filled)
    assert report.ok and report.applied == ["IX-2"]


def test_libreoffice_prints_the_questions_and_answers_readably(assessment, book, soffice) -> None:
    from pypdf import PdfReader

    pdf = PdfReader(io.BytesIO(soffice(book.download(assessment), "pdf")))
    text = "\n".join(page.extract_text() for page in pdf.pages)
    # Where a cell's text wraps depends on the fonts installed: compare words, not line breaks.
    words = " ".join(text.split())
    assert "Self-assessment questionnaire: France, cycle 2026" in words
    assert "Is your country a party to the United Nations" in words
    assert "Largely implemented" in words and "Décret n° 2004-446" in words
    # The repeated header row and item column: every section page names its columns.
    assert words.count("Rating (choose from the") >= len(assessment_sections(assessment))


def assessment_sections(assessment: Any) -> list[str]:
    from questionnaire.catalogue_store import catalogue_for

    return [s.id for s in catalogue_for(assessment.cycle).sections]


def test_a_quote_prefixed_answer_resaved_by_libreoffice_reads_back_unchanged(assessment, users, book, soffice) -> None:
    from openpyxl import load_workbook as load

    data = book.download(assessment)
    resaved = soffice(data, "xlsx:Calc MS Excel 2007 XML")
    sheet, cell = book.where(resaved, "CL-2", "justification")
    kept = load(io.BytesIO(resaved))[sheet][cell]
    assert kept.value == "=This justification starts with an equals sign" and kept.data_type == "s"
    report = offline.import_workbook(users["fra"], assessment, resaved)
    assert report.ok and report.applied == [], report.as_dict()
