"""`questionnaire import FILE.xlsx --cycle C --country ISO3`."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from questionnaire import services
from questionnaire.cli import main
from questionnaire.db import db
from questionnaire.models import AnswerChange
from questionnaire.offline_commands import import_command

from .conftest import SHEETS


def _run(app, *args: str):  # type: ignore[no-untyped-def]
    """Run the command in the test application (stdout and stderr kept apart, click 8.2+)."""
    return app.test_cli_runner().invoke(import_command, list(args))


def test_the_command_is_part_of_the_questionnaire_group() -> None:
    assert main.commands["import"] is import_command


def test_a_clean_file_is_imported_with_a_summary(app, assessment, book, tmp_path: Path) -> None:
    path = tmp_path / "fra.xlsx"
    path.write_bytes(
        book.edit(
            book.download(assessment),
            {("PR-2", "rating"): "Initial steps", ("PR-2", "description"): "Pilot in two regions."},
        )
    )
    result = _run(app, str(path), "--cycle", "2026", "--country", "fra")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        f"{path}: imported into France (FRA), cycle 2026: 1 answer(s) changed (PR-2), 37 unchanged.\n"
    )
    change = db.session.scalar(select(AnswerChange).where(AnswerChange.item_id == "PR-2"))
    assert change.source == "import" and change.user_id is None


def test_problems_are_printed_as_file_sheet_cell_lines(app, assessment, book, state, tmp_path: Path) -> None:
    path = tmp_path / "fra.xlsx"
    path.write_bytes(
        book.edit(
            book.download(assessment),
            {("CL-3", "rating"): "Excellent", ("IC-8", "rating"): "Not applicable"},
        )
    )
    before = state(assessment.id)
    result = _run(app, str(path), "--cycle", "2026", "--country", "FRA")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"{path}:{SHEETS['criminal-law']}!D5: “Excellent” is not on the rating scale.")
    assert lines[1].startswith(f"{path}:{SHEETS['cooperation']}!J10: Explain why the item does not apply")
    assert len(lines) == 2
    assert state(assessment.id) == before


def test_a_conflict_is_reported_and_can_be_settled_with_replace(app, assessment, users, book, tmp_path: Path) -> None:
    path = tmp_path / "fra.xlsx"
    data = book.download(assessment)
    services.save_answers(users["fra"], assessment, [services.Edit("CL-1", services.make_input(rating="full"), 1)])
    path.write_bytes(book.edit(data, {("CL-1", "description"): "Typed offline."}))
    result = _run(app, str(path), "--cycle", "2026", "--country", "FRA")
    assert result.exit_code == 1
    assert result.stdout.startswith(
        f"{path}:{SHEETS['criminal-law']}!A3: CL-1 was changed on the platform (now version 2)"
    )
    assert "--replace CL-1:2" in result.stdout
    result = _run(app, str(path), "--cycle", "2026", "--country", "FRA", "--replace", "CL-1:2")
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert services.answers_of(assessment)["CL-1"].description == "Typed offline."


def test_a_hostile_file_is_refused_with_its_reason(app, assessment, state, tmp_path: Path) -> None:
    path = tmp_path / "fra.xlsx"
    path.write_bytes(b"%PDF-1.4\n")
    before = state(assessment.id)
    result = _run(app, str(path), "--cycle", "2026", "--country", "FRA")
    assert result.exit_code == 1
    assert f"{path}: The file is a PDF document, not an Excel workbook (.xlsx)." in result.output
    assert state(assessment.id) == before


def test_an_unknown_country_or_missing_assessment_is_an_error(app, assessment, book, tmp_path: Path) -> None:
    path = tmp_path / "fra.xlsx"
    path.write_bytes(book.download(assessment))
    result = _run(app, str(path), "--cycle", "2026", "--country", "XXX")
    assert result.exit_code == 1 and "There is no country 'XXX'" in result.output
    result = _run(app, str(path), "--cycle", "2026", "--country", "ITA")
    assert result.exit_code == 1 and "ITA has no assessment in cycle 2026" in result.output


def test_a_submitted_assessment_cannot_be_imported_into(app, assessment, users, book, tmp_path: Path) -> None:
    path = tmp_path / "fra.xlsx"
    path.write_bytes(book.edit(book.download(assessment), {("PR-2", "rating"): "Initial steps"}))
    services.submit(users["fra"], assessment)
    result = _run(app, str(path), "--cycle", "2026", "--country", "FRA")
    assert result.exit_code == 1 and "answers can change only while it is a draft or returned" in result.output
