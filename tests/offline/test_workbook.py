"""The downloaded workbook: sheets, pre-filled answers, protection, drop-downs, print set-up."""

from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import load_workbook

from questionnaire import offline
from questionnaire.catalogue_store import catalogue_for

from .conftest import CRIMINAL_LAW, SHEETS, VICTIMS


def test_instructions_first_then_one_sheet_per_section(assessment, book) -> None:
    wb = book.open(book.download(assessment))
    catalogue = catalogue_for(assessment.cycle)
    assert wb.sheetnames[0] == "Instructions"
    assert wb.sheetnames[1:-1] == [SHEETS[s.id] for s in catalogue.sections]
    assert wb.sheetnames[-1] == offline.META
    assert wb[offline.META].sheet_state == "veryHidden"
    for section in catalogue.sections:
        ws = wb[SHEETS[section.id]]
        ids = [ws.cell(r, 1).value for r in range(offline.FIRST_ROW, ws.max_row + 1)]
        assert ids == [i.id for i in catalogue.items_in(section.id)]
        questions = [ws.cell(r, 2).value for r in range(offline.FIRST_ROW, ws.max_row + 1)]
        assert questions == [i.question for i in catalogue.items_in(section.id)]


def test_current_answers_and_their_versions_are_pre_filled(assessment, book) -> None:
    data = book.download(assessment)
    wb = book.open(data)
    ws = wb[CRIMINAL_LAW]
    row = {ws.cell(r, 1).value: r for r in range(3, ws.max_row + 1)}["CL-1"]
    values = {c.key: ws.cell(row, c.index).value for c in offline.COLUMNS}
    assert values["rating"] == "Largely implemented"
    assert values["description"] == "Party to all three instruments since 2002-2003."
    assert values["legal_references"] == "Décret n° 2004-446\nLoi n° 2002-1040"
    assert values["evidence_links"] == "https://treaties.un.org/\nhttps://www.legifrance.gouv.fr/"
    assert values["assistance_kind"] == "None"
    assert values["version"] == 1
    unanswered = {
        ws.cell(r, 1).value: ws.cell(r, offline.COLUMN["version"].index).value for r in range(3, ws.max_row + 1)
    }
    assert unanswered["CL-3"] == 0
    victims = wb[VICTIMS]
    vp1 = [r for r in range(3, victims.max_row + 1) if victims.cell(r, 1).value == "VP-1"][0]
    assert victims.cell(vp1, offline.COLUMN["assistance_kind"].index).value == "Training and capacity building"
    assert victims.cell(vp1, offline.COLUMN["assistance_description"].index).value == "Train labour inspectors."


def test_text_starting_with_equals_is_written_as_text_not_a_formula(assessment, book) -> None:
    data = book.download(assessment)
    sheet, cell = book.where(data, "CL-2", "justification")
    assert book.open(data)[sheet][cell].data_type == "s"
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = "".join(archive.read(n).decode() for n in archive.namelist() if n.startswith("xl/worksheets/"))
    assert "<f>" not in xml and "<f " not in xml


@pytest.mark.parametrize("text", ['=HYPERLINK("http://evil.example","x")', "+1+1", "-2+3", "@SUM(A1)", "＝1+1"])
def test_formula_like_text_is_written_with_a_quote_prefix_and_reads_back_unchanged(
    assessment, users, book, text
) -> None:  # type: ignore[no-untyped-def]
    from questionnaire import services

    services.save_answers(
        users["fra"], assessment, [services.Edit("IX-2", services.make_input(rating="none", description=text), 0)]
    )
    data = book.download(assessment)
    sheet, cell = book.where(data, "IX-2", "description")
    written = book.open(data)[sheet][cell]
    assert written.value == text and written.data_type == "s"
    assert written.quotePrefix is True, "formula-like text must keep Excel's quote prefix"
    plain_sheet, plain_cell = book.where(data, "CL-1", "description")
    assert book.open(data)[plain_sheet][plain_cell].quotePrefix is False  # ordinary text is left alone
    # Uploaded back as it is, nothing changes: the text is read as the text it was.
    report = offline.import_workbook(users["fra"], assessment, data)
    assert report.ok and report.applied == []
    assert services.answers_of(assessment)["IX-2"].description == text
    # Edited elsewhere in the row, the quote-prefixed cell still reads back unchanged.
    edited = book.edit(data, {("IX-2", "justification"): "Edited offline."})
    report = offline.import_workbook(users["fra"], assessment, edited)
    assert report.ok and report.applied == ["IX-2"], report.as_dict()
    assert services.answers_of(assessment)["IX-2"].description == text


def test_item_question_and_version_are_locked_and_answers_unlocked(assessment, book) -> None:
    wb = book.open(book.download(assessment))
    for ws in wb.worksheets:
        assert ws.protection.sheet, f"{ws.title} is not protected"
    assert wb.security.lockStructure
    ws = wb[CRIMINAL_LAW]
    for column in offline.COLUMNS:
        locked = ws.cell(3, column.index).protection.locked
        assert locked is (not column.editable), column.key
    assert ws.column_dimensions[offline.COLUMN["digest"].letter].hidden


def test_rating_and_assistance_are_drop_downs_of_the_scale(assessment, book) -> None:
    wb = book.open(book.download(assessment))
    catalogue = catalogue_for(assessment.cycle)
    ws = wb[VICTIMS]
    last = 2 + len(catalogue.items_in("victims"))
    lists = {dv.formula1: str(dv.sqref) for dv in ws.data_validations.dataValidation if dv.type == "list"}
    assert lists == {"=RatingChoices": f"D3:D{last}", "=AssistanceChoices": f"H3:H{last}"}
    meta = wb[offline.META]
    ratings = wb.defined_names["RatingChoices"].attr_text
    assert ratings == f"'{offline.META}'!$D$1:$D${len(catalogue.scale)}"
    assert [meta.cell(r, 4).value for r in range(1, len(catalogue.scale) + 1)] == [s.label for s in catalogue.scale]
    kinds = [meta.cell(r, 5).value for r in range(1, len(catalogue.assistance_kinds) + 2)]
    assert kinds == ["None"] + [k.label for k in catalogue.assistance_kinds]


def test_identity_is_recorded_in_the_protected_sheet(assessment, book) -> None:
    wb = book.open(book.download(assessment))
    meta = {
        wb[offline.META].cell(r, 1).value: wb[offline.META].cell(r, 2).value
        for r in range(1, wb[offline.META].max_row + 1)
    }
    assert meta["cycle"] == "2026"
    assert meta["country"] == "FRA"
    assert meta["edition"] == catalogue_for(assessment.cycle).hash
    assert meta["format"] == offline.FORMAT


def test_sheets_are_set_up_to_read_and_print(assessment, book) -> None:
    wb = book.open(book.download(assessment))
    ws = wb[CRIMINAL_LAW]
    assert ws.freeze_panes == "B3"
    assert ws.print_title_rows == "$2:$2" and ws.print_title_cols == "$A:$A"
    assert ws.page_setup.orientation == "landscape"
    assert ws["E3"].alignment.wrap_text and ws["B3"].alignment.wrap_text
    assert ws.column_dimensions["B"].width >= 40 and ws.column_dimensions["E"].width >= 40
    assert ws.row_dimensions[3].height >= 60  # room to read the question and to type


def test_defusedxml_guards_openpyxl() -> None:
    """openpyxl parses through defusedxml when it is installed (it is a dependency)."""
    import openpyxl
    from openpyxl.xml import functions

    assert openpyxl.DEFUSEDXML is True
    assert functions.fromstring.__module__.startswith("defusedxml")


def test_the_file_is_small(assessment, book) -> None:
    data = book.download(assessment)
    assert len(data) < 100_000
    load_workbook(io.BytesIO(data), read_only=True).close()


def test_an_arabic_workbook_reads_right_to_left_in_arabic(app, assessment, book) -> None:
    from flask_babel import force_locale

    with app.test_request_context(), force_locale("ar"):
        wb = book.open(book.download(assessment))
    meta = wb[offline.META]
    names = {meta.cell(r, 1).value: meta.cell(r, 2).value for r in range(1, meta.max_row + 1)}
    assert wb.sheetnames[0] == names["sheet:instructions"] == "التعليمات"
    ws = wb[names["sheet:criminal-law"]]
    assert ws.title.startswith("القانون الجنائي")
    assert all(sheet.sheet_view.rightToLeft for sheet in wb.worksheets if sheet.title != offline.META)
    assert ws["B3"].alignment.readingOrder == 2  # the question: right to left
    assert ws["E3"].alignment.readingOrder == 0  # an answer: the direction of what is typed
    assert ws["D3"].value in ("منفَّذ إلى حد كبير", "منفَّذ بالكامل", "منفَّذ جزئياً", "خطوات أولية", "غير منفَّذ", None)
    english = book.open(book.download(assessment))
    assert not english[CRIMINAL_LAW].sheet_view.rightToLeft
