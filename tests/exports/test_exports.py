"""Exports of scores and full answers: CSV, XLSX, JSON; formula injection; downloads; CLI."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from questionnaire import exports, services
from questionnaire.catalogue_store import current_catalogue
from questionnaire.cli import main
from questionnaire.db import db
from questionnaire.models import Assessment

from .conftest import FAKE, PAYLOADS, SHORT

# Columns whose values the platform computes (numbers, or empty when there is none).
NUMERIC = {
    "version",
    "rank",
    "overall",
    "change_overall",
    "gaps",
    "critical_gaps",
    "missing",
    "unsupported",
    "unjustified_not_applicable",
}
# Columns whose values come from the catalogue or the lifecycle, never from what people type.
CONTROLLED = {
    "status",
    "band",
    "item",
    "section",
    "rating",
    "updated_at",
    "carried",
    "previous_cycle",
    "previous_rating",
    "rating_change",
}


def numeric(column: str) -> bool:
    return column in NUMERIC or column.startswith(("section:", "instrument:"))


def read_csv(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf"), "UTF-8 with a byte-order mark, for Excel"
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def read_xlsx(content: bytes, sheet: str) -> list[list[Any]]:
    book = load_workbook(io.BytesIO(content))
    rows = []
    for row in book[sheet].iter_rows():
        for cell in row:
            assert cell.data_type != "f", f"{sheet}!{cell.coordinate} is a formula: {cell.value!r}"
        rows.append([cell for cell in row])
    return rows


# --------------------------------------------------------------------------
# Every exported column, every payload, both spreadsheet formats
# --------------------------------------------------------------------------


def real_columns(kind: str) -> list[str]:
    """Return the columns the platform exports for a kind of table."""
    cycle = services.find_cycle("2026")
    return exports.tables(cycle, [], kind)[0].columns


@pytest.mark.parametrize("kind", exports.KINDS)
def test_every_column_neutralises_every_formula_in_csv_and_reads_back_exactly(hostile, kind) -> None:  # type: ignore[no-untyped-def]
    columns = real_columns(kind)
    table = exports.Table(kind, columns, rows=[[p] * len(columns) for p in PAYLOADS])
    rows = read_csv(exports.write_csv(table))
    assert rows[0] == columns
    for payload, row in zip(PAYLOADS, rows[1:], strict=True):
        assert len(row) == len(columns)
        for column, cell in zip(columns, row, strict=True):
            assert not exports.starts_like_formula(cell), f"{column}: {cell!r} would run as a formula"
            assert exports.recover_csv_cell(cell) == payload, f"{column}: {cell!r} does not give back {payload!r}"


@pytest.mark.parametrize("kind", exports.KINDS)
def test_every_column_is_a_plain_string_cell_in_xlsx_and_reads_back_exactly(hostile, kind) -> None:  # type: ignore[no-untyped-def]
    columns = real_columns(kind)
    table = exports.Table(kind, columns, rows=[[p] * len(columns) for p in PAYLOADS])
    rows = read_xlsx(exports.write_xlsx([table], {"cycle": "=1+1"}), kind.capitalize())
    assert [c.value for c in rows[0]] == columns
    for payload, row in zip(PAYLOADS, rows[1:], strict=True):
        # XML turns a carriage return into a line feed; stored text has only line feeds anyway.
        typed = payload.replace("\r", "\n")
        for column, cell in zip(columns, row, strict=True):
            assert cell.data_type == "s", f"{column}: stored as {cell.data_type}"
            assert cell.value == typed, f"{column}: {cell.value!r} is not {typed!r}"
            assert cell.quotePrefix == exports.starts_like_formula(typed), column


def test_the_neutralising_is_undone_by_dropping_one_quote() -> None:
    for text in [*PAYLOADS, "'", "''", "'plain", "plain", ""]:
        cell = exports.neutralise_csv_cell(text)
        assert not exports.starts_like_formula(cell)
        assert exports.recover_csv_cell(cell) == text
    assert exports.neutralise_csv_cell(-2.5) == -2.5  # numbers the platform computed stay numbers


# --------------------------------------------------------------------------
# The real exports of a cycle whose answers are hostile
# --------------------------------------------------------------------------


def expected_answer(column: str, n: int) -> str:
    """Return what the fixture typed into a column of the FAKE country's n-th item."""
    typed = {
        "country": FAKE,
        "country_name": PAYLOADS[0],
        "description": PAYLOADS[n % len(PAYLOADS)],
        "legal_references": PAYLOADS[(n + 1) % len(PAYLOADS)] + "\nCriminal Code, art. 2",
        "evidence_links": PAYLOADS[(n + 2) % len(PAYLOADS)],
        "assistance_kind": SHORT[(n + 3) % len(SHORT)],
        "assistance_description": PAYLOADS[(n + 4) % len(PAYLOADS)],
        "justification": PAYLOADS[(n + 5) % len(PAYLOADS)],
        "updated_by": "=cmd|' /C calc'!A0@example.org",
    }
    return typed[column]


def classify(column: str) -> str:
    if numeric(column):
        return "number"
    if column in CONTROLLED:
        return "controlled"
    return "typed"


def test_every_column_of_the_exports_is_classified() -> None:
    for column in exports.ANSWER_COLUMNS:
        assert classify(column) in ("number", "controlled", "typed")
    assert {c for c in exports.ANSWER_COLUMNS if classify(c) == "typed"} == {
        "country",
        "country_name",
        "description",
        "legal_references",
        "evidence_links",
        "assistance_kind",
        "assistance_description",
        "justification",
        "updated_by",
    }


def test_the_answers_csv_neutralises_what_was_typed_and_gives_it_back(reviewer, hostile) -> None:  # type: ignore[no-untyped-def]
    response = reviewer.get("/cycles/2026/export/answers.csv")
    rows = read_csv(response.data)
    header, body = rows[0], rows[1:]
    assert header == exports.ANSWER_COLUMNS
    items = [i.id for i in current_catalogue().items]
    fake = [dict(zip(header, r, strict=True)) for r in body if exports.recover_csv_cell(r[0]) == FAKE]
    assert len(fake) == len(items)
    for n, row in enumerate(fake):
        for column, cell in row.items():
            assert not exports.starts_like_formula(cell), f"{column}: {cell!r}"
            kind = classify(column)
            if kind == "typed":
                assert exports.recover_csv_cell(cell) == expected_answer(column, n), column
            elif kind == "number":
                assert cell == "" or float(cell) == float(cell)
    assert all("SECRET DRAFT TEXT" not in "".join(r) for r in body), "a draft was exported"


def test_the_answers_xlsx_keeps_what_was_typed_as_text(reviewer, hostile) -> None:  # type: ignore[no-untyped-def]
    response = reviewer.get("/cycles/2026/export/answers.xlsx")
    rows = read_xlsx(response.data, "Answers")
    header = [c.value for c in rows[0]]
    assert header == exports.ANSWER_COLUMNS
    fake = [dict(zip(header, r, strict=True)) for r in rows[1:] if r[0].value == FAKE]
    assert len(fake) == len(current_catalogue().items)
    for n, row in enumerate(fake):
        for column, cell in row.items():
            kind = classify(column)
            if kind == "typed":
                typed = expected_answer(column, n).replace("\r", "\n")  # as XML reads it back
                assert cell.data_type == "s" and cell.value == typed, column
            elif kind == "number":
                assert cell.data_type == "n", column
    assert all(r[0].value != "DEU" for r in rows[1:]), "a draft was exported"
    about = {r[0].value: r[1].value for r in read_xlsx(response.data, "About") if len(r) > 1 and r[0].value}
    assert about["cycle"] == "2026" and about["countries"] == "2"


def test_the_scores_csv_and_xlsx_have_numbers_as_numbers_and_text_as_text(reviewer, hostile) -> None:  # type: ignore[no-untyped-def]
    rows = read_csv(reviewer.get("/cycles/2026/export/scores.csv").data)
    header = rows[0]
    catalogue = current_catalogue()
    assert header[:9] == [
        "country",
        "country_name",
        "region",
        "status",
        "version",
        "rank",
        "overall",
        "band",
        "change_overall",
    ]
    assert [c for c in header if c.startswith("section:")] == [f"section:{s.id}" for s in catalogue.sections]
    assert [c for c in header if c.startswith("instrument:")] == [f"instrument:{i.id}" for i in catalogue.instruments]
    by_country = {exports.recover_csv_cell(r[0]): dict(zip(header, r, strict=True)) for r in rows[1:]}
    assert set(by_country) == {FAKE, "FRA"}
    fake = by_country[FAKE]
    assert exports.recover_csv_cell(fake["country_name"]) == PAYLOADS[0]
    assert exports.recover_csv_cell(fake["region"]) == "@Region"
    for column, cell in fake.items():
        assert not exports.starts_like_formula(cell), column
        if numeric(column) and cell:
            float(cell)
    assert by_country["FRA"]["overall"] == "100.0" and by_country["FRA"]["band"] == "A"

    sheet = read_xlsx(reviewer.get("/cycles/2026/export/scores.xlsx").data, "Scores")
    header = [c.value for c in sheet[0]]
    fake_row = dict(zip(header, next(r for r in sheet[1:] if r[0].value == FAKE), strict=True))
    assert fake_row["country_name"].value == PAYLOADS[0] and fake_row["country_name"].data_type == "s"
    assert fake_row["region"].value == "@Region"
    for column, cell in fake_row.items():
        if numeric(column) and cell.value is not None:
            assert cell.data_type == "n", column


def test_json_exports_keep_the_text_and_the_structure(reviewer, hostile) -> None:  # type: ignore[no-untyped-def]
    scores = reviewer.get("/cycles/2026/export/scores.json").get_json()
    assert scores["cycle"] == "2026" and "answers" not in scores
    fake = next(r for r in scores["scores"] if r["country"] == FAKE)
    assert fake["country_name"] == PAYLOADS[0]
    assert set(fake["sections"]) == {s.id for s in current_catalogue().sections}
    stored = db.session.get(Assessment, hostile["ids"][FAKE])
    assert fake["counts"]["unsupported"] == services.scores_of(stored)["counts"]["unsupported"]
    answers = reviewer.get("/cycles/2026/export/answers.json").get_json()
    first = next(r for r in answers["answers"] if r["country"] == FAKE)
    assert first["description"] == PAYLOADS[0]
    assert first["legal_references"] == [PAYLOADS[1], "Criminal Code, art. 2"]
    assert first["updated_by"] == "=cmd|' /C calc'!A0@example.org"
    assert first["updated_at"] == "2026-03-01T12:30:00Z"
    assert {r["country"] for r in answers["answers"]} == {FAKE, "FRA"}


def test_unanswered_items_are_rows_with_version_0(reviewer, hostile) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import delete

    from questionnaire.db import db
    from questionnaire.models import Answer

    db.session.execute(delete(Answer).where(Answer.assessment_id == hostile["ids"]["FRA"], Answer.item_id == "CL-1"))
    db.session.commit()
    rows = reviewer.get("/cycles/2026/export/answers.json").get_json()["answers"]
    blank = next(r for r in rows if r["country"] == "FRA" and r["item"] == "CL-1")
    assert blank["rating"] is None and blank["version"] == 0 and blank["description"] == ""


# --------------------------------------------------------------------------
# Downloads
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "fmt", "content_type"),
    [
        ("scores", "csv", "text/csv; charset=utf-8"),
        ("answers", "csv", "text/csv; charset=utf-8"),
        ("scores", "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("answers", "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("scores", "json", "application/json"),
        ("answers", "json", "application/json"),
    ],
)
def test_downloads_are_attachments_with_a_safe_name_and_the_right_type(
    reviewer, hostile, kind, fmt, content_type
) -> None:  # type: ignore[no-untyped-def]
    response = reviewer.get(f"/cycles/2026/export/{kind}.{fmt}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == content_type
    assert response.headers["Content-Disposition"] == f"attachment; filename=thb-2026-{kind}.{fmt}"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    "path",
    [
        "/cycles/2026/export/passwords.csv",
        "/cycles/2026/export/scores.exe",
        "/cycles/2026/export/scores.CSV",
        "/cycles/1999/export/scores.csv",
    ],
)
def test_unknown_exports_are_not_found(reviewer, hostile, path) -> None:  # type: ignore[no-untyped-def]
    assert reviewer.get(path).status_code == 404


def test_the_downloads_follow_the_comparison_filters(reviewer, hostile) -> None:  # type: ignore[no-untyped-def]
    accepted = reviewer.get("/cycles/2026/export/scores.json?status=accepted").get_json()
    assert [r["country"] for r in accepted["scores"]] == ["FRA"]
    europe = reviewer.get("/cycles/2026/export/answers.json?region=Europe").get_json()
    assert {r["country"] for r in europe["answers"]} == {"FRA"}
    nothing = reviewer.get("/cycles/2026/export/scores.csv?status=draft")
    assert read_csv(nothing.data)[1:] == []


def test_a_cycle_code_cannot_break_the_file_name() -> None:
    class Cycle:
        code = '../"evil"\r\nX-Header: 1'

    assert exports.filename(Cycle(), "scores", "csv") == "thb-evil_X-Header_1-scores.csv"  # type: ignore[arg-type]


def test_long_text_is_cut_at_excels_cell_limit_and_says_so() -> None:
    table = exports.Table("answers", ["description"], rows=[["=" + "x" * 40_000]])
    cell = read_xlsx(exports.write_xlsx([table], {}), "Answers")[1][0]
    assert len(cell.value) == exports.XLSX_MAX_CELL
    assert cell.value.startswith("=xxx") and cell.value.endswith("see the JSON export for the whole text]")
    assert cell.data_type == "s"


# --------------------------------------------------------------------------
# questionnaire export --cycle C -o FILE
# --------------------------------------------------------------------------


@pytest.fixture
def cli(app):  # type: ignore[no-untyped-def]
    runner = app.test_cli_runner()

    def run(*args: str):  # type: ignore[no-untyped-def]
        return runner.invoke(main, list(args))

    return run


def test_the_command_writes_a_workbook_with_scores_and_answers(cli, hostile, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "export.xlsx"
    result = cli("export", "--cycle", "2026", "-o", str(target))
    assert result.exit_code == 0, result.output
    assert f"wrote {target} (scores and answers, 2 countries, cycle 2026)" in result.output
    book = load_workbook(target)
    assert book.sheetnames == ["Scores", "Answers", "About"]
    for sheet in ("Scores", "Answers"):
        for row in book[sheet].iter_rows():
            assert all(c.data_type != "f" for c in row)
    assert book["Answers"].max_row == 1 + 2 * len(current_catalogue().items)


def test_the_command_writes_json(cli, hostile, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "export.JSON"
    assert cli("export", "--cycle", "2026", "-o", str(target)).exit_code == 0
    data = json.loads(target.read_text("utf-8"))
    assert {r["country"] for r in data["scores"]} == {FAKE, "FRA"}
    assert len(data["answers"]) == 2 * len(current_catalogue().items)


def test_the_command_writes_two_csv_files_for_scores_and_answers(cli, hostile, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "thb.csv"
    result = cli("export", "--cycle", "2026", "-o", str(target))
    assert result.exit_code == 0, result.output
    scores, answers = (
        read_csv(target.read_bytes()),
        read_csv((tmp_path / "thb-answers.csv").read_bytes()),
    )
    assert scores[0][0:2] == ["country", "country_name"] and len(scores) == 3
    assert answers[0] == exports.ANSWER_COLUMNS and len(answers) == 1 + 2 * len(current_catalogue().items)


def test_the_command_writes_one_table_when_asked(cli, hostile, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "answers.csv"
    assert cli("export", "--cycle", "2026", "--what", "answers", "-o", str(target)).exit_code == 0
    assert read_csv(target.read_bytes())[0] == exports.ANSWER_COLUMNS
    assert not (tmp_path / "answers-answers.csv").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--cycle", "2026", "-o", "{tmp}/export.pdf"],
            "must end in .csv, .xlsx or .json (it ends in '.pdf')",
        ),
        (
            ["--cycle", "2026", "-o", "{tmp}/export"],
            "must end in .csv, .xlsx or .json (it ends in 'nothing')",
        ),
        (["--cycle", "1999", "-o", "{tmp}/export.csv"], "There is no cycle '1999'."),
        (["--cycle", "2026", "-o", "{tmp}/missing/export.csv"], "no such folder"),
    ],
)
def test_the_command_names_what_is_wrong(cli, hostile, tmp_path, args, message) -> None:  # type: ignore[no-untyped-def]
    result = cli("export", *[a.format(tmp=tmp_path) for a in args])
    assert result.exit_code != 0
    assert message in result.output
    assert list(tmp_path.iterdir()) == []
