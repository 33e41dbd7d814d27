"""Importing a filled-in workbook: the round trip, unchanged rows, conflicts and every row check."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import select

from questionnaire import offline, services
from questionnaire.db import db
from questionnaire.models import AnswerChange

from .conftest import CRIMINAL_LAW, SHEETS, VICTIMS


def _answers(assessment: Any) -> dict[str, services.AnswerInput]:
    db.session.expire_all()
    return {k: services.AnswerInput.of(v) for k, v in services.answers_of(assessment).items()}


def test_round_trip_applies_exactly_the_changes_made_in_the_file(assessment, users, book) -> None:
    before = _answers(assessment)
    data = book.download(assessment)
    filled = book.edit(
        data,
        {
            ("CL-1", "rating"): "Fully implemented",
            (
                "CL-1",
                "evidence_links",
            ): "https://treaties.un.org/\nhttps://www.legifrance.gouv.fr/\nhttps://www.example.org/report.pdf",
            ("LE-2", "rating"): "initial",  # an id is accepted as well as a label
            ("LE-2", "description"): "A specialised unit was set up in 2024.",
            ("LE-2", "assistance_kind"): "Equipment and information systems",
            ("LE-2", "assistance_description"): "Case management software.",
        },
    )
    report = offline.import_workbook(users["fra"], assessment, filled)
    assert report.ok, report.problems
    assert sorted(report.applied) == ["CL-1", "LE-2"]
    assert len(report.unchanged) == 36

    after = _answers(assessment)
    assert after["CL-1"].rating == "full"
    assert after["CL-1"].evidence_links[-1] == "https://www.example.org/report.pdf"
    assert after["CL-1"].description == before["CL-1"].description
    assert after["LE-2"] == services.AnswerInput(
        rating="initial",
        description="A specialised unit was set up in 2024.",
        assistance_kind="equipment",
        assistance_description="Case management software.",
    )
    assert {k: v for k, v in after.items() if k not in ("CL-1", "LE-2")} == {
        k: v for k, v in before.items() if k not in ("CL-1", "LE-2")
    }

    trail = db.session.scalars(
        select(AnswerChange).where(AnswerChange.source == "spreadsheet").order_by(AnswerChange.item_id)
    ).all()
    assert [(c.item_id, c.version, c.user_id) for c in trail] == [
        ("CL-1", 2, users["fra"].id),
        ("LE-2", 1, users["fra"].id),
    ]
    assert set(trail[0].changes) == {"rating", "evidence_links"}
    assert trail[0].changes["rating"] == ["largely", "full"]
    assert set(trail[1].changes) == {
        "rating",
        "description",
        "assistance_kind",
        "assistance_description",
    }


def test_an_untouched_file_changes_nothing(assessment, users, book, state) -> None:
    before = state(assessment.id)
    report = offline.import_workbook(users["fra"], assessment, book.download(assessment))
    assert report.ok and report.applied == [] and len(report.unchanged) == 38
    assert state(assessment.id) == before


def test_text_starting_with_equals_survives_the_round_trip(assessment, users, book) -> None:
    data = book.edit(
        book.download(assessment),
        {("CL-3", "description"): "=not a formula, typed with a leading apostrophe"},
        as_text=True,
    )
    report = offline.import_workbook(users["fra"], assessment, data)
    assert report.ok and report.applied == ["CL-3"]
    assert _answers(assessment)["CL-3"].description.startswith("=not a formula")
    assert _answers(assessment)["CL-2"].justification.startswith("=This justification")


def test_a_row_changed_on_both_sides_is_a_conflict_with_both_versions(assessment, users, book, state) -> None:
    data = book.download(assessment)
    services.save_answers(
        users["fra"],
        assessment,
        [services.Edit("CL-1", services.make_input(rating="full", description="Saved online meanwhile."), 1)],
    )
    before = state(assessment.id)
    filled = book.edit(data, {("CL-1", "description"): "Typed offline.", ("CL-4", "rating"): "Not implemented"})
    report = offline.import_workbook(users["fra"], assessment, filled)
    assert not report.ok and report.applied == []
    [conflict] = report.conflicts
    assert (conflict.item, conflict.sheet, conflict.row) == ("CL-1", CRIMINAL_LAW, 3)
    assert conflict.file_version == 1 and conflict.platform_version == 2
    assert conflict.file_values.description == "Typed offline."
    assert conflict.file_values.rating == "largely"
    assert conflict.platform_values.description == "Saved online meanwhile."
    assert conflict.platform_by == "fra@example.org"
    assert state(assessment.id) == before  # not even CL-4, which was clean

    # The user chooses the file's answer, having seen version 2: now it applies.
    report = offline.import_workbook(users["fra"], assessment, filled, replace={"CL-1": 2})
    assert report.ok and sorted(report.applied) == ["CL-1", "CL-4"]
    assert _answers(assessment)["CL-1"].description == "Typed offline."


def test_a_replacement_choice_for_an_older_version_is_a_conflict_again(assessment, users, book) -> None:
    data = book.download(assessment)
    for version, text in ((1, "Second."), (2, "Third.")):
        services.save_answers(
            users["fra"],
            assessment,
            [services.Edit("CL-1", services.make_input(rating="full", description=text), version)],
        )
    filled = book.edit(data, {("CL-1", "description"): "Typed offline."})
    report = offline.import_workbook(users["fra"], assessment, filled, replace={"CL-1": 2})
    assert not report.ok and report.conflicts[0].platform_version == 3


def test_a_row_left_alone_keeps_the_platforms_newer_answer(assessment, users, book) -> None:
    data = book.download(assessment)
    services.save_answers(
        users["fra"],
        assessment,
        [services.Edit("CL-1", services.make_input(rating="full", description="Saved online meanwhile."), 1)],
    )
    filled = book.edit(data, {("CL-4", "rating"): "Not implemented"})
    report = offline.import_workbook(users["fra"], assessment, filled)
    assert report.ok and report.applied == ["CL-4"]
    assert report.kept_platform == ["CL-1"] and "CL-1" in report.unchanged
    assert _answers(assessment)["CL-1"].description == "Saved online meanwhile."


def test_without_the_fingerprint_a_stale_row_that_differs_is_a_conflict(assessment, users, book) -> None:
    data = book.download(assessment)
    services.save_answers(users["fra"], assessment, [services.Edit("CL-1", services.make_input(rating="full"), 1)])
    sheet, cell = book.where(data, "CL-1", "digest")
    report = offline.import_workbook(users["fra"], assessment, book.edit(data, {(sheet, cell): None}))
    assert [c.item for c in report.conflicts] == ["CL-1"]


def test_the_command_line_import_records_no_user_and_source_import(assessment, book) -> None:
    data = book.edit(book.download(assessment), {("PR-1", "rating"): "Partially implemented"})
    report = offline.import_workbook(None, assessment, data, source="import")
    assert report.ok and report.applied == ["PR-1"]
    change = db.session.scalar(select(AnswerChange).where(AnswerChange.item_id == "PR-1"))
    assert change.user_id is None and change.source == "import"


# --------------------------------------------------------------------------
# Row checks: each names sheet, cell and what is wrong, and nothing is applied
# --------------------------------------------------------------------------

LONG = "x" * 10_001

ROW_CASES = [
    (
        "made-up item",
        {(CRIMINAL_LAW, "A5"): "XX-99"},
        CRIMINAL_LAW,
        "A5",
        "There is no checklist item “XX-99”",
    ),
    (
        "another section's item",
        {(CRIMINAL_LAW, "A5"): "LE-1"},
        CRIMINAL_LAW,
        "A5",
        "belongs to the section “Investigation and law enforcement”",
    ),
    (
        "rating off the scale",
        {("CL-3", "rating"): "Excellent"},
        CRIMINAL_LAW,
        "D5",
        "“Excellent” is not on the rating scale",
    ),
    (
        "number as rating",
        {("CL-3", "rating"): 4},
        CRIMINAL_LAW,
        "D5",
        "“4” is not on the rating scale",
    ),
    (
        "not applicable without justification",
        {("CL-3", "rating"): "Not applicable"},
        CRIMINAL_LAW,
        "J5",
        "needs a justification",
    ),
    (
        "ftp link",
        {("CL-3", "evidence_links"): "ftp://example.org/law.pdf"},
        CRIMINAL_LAW,
        "G5",
        "must start with http:// or https://",
    ),
    (
        "javascript link",
        {("CL-3", "evidence_links"): "https://ok.example.org/\njavascript:alert(1)"},
        CRIMINAL_LAW,
        "G5",
        "Link 2 (javascript:alert(1)) must start with http://",
    ),
    (
        "link without scheme",
        {("CL-3", "evidence_links"): "www.example.org"},
        CRIMINAL_LAW,
        "G5",
        "must start with http:// or https://",
    ),
    (
        "overlong description",
        {("CL-3", "description"): LONG},
        CRIMINAL_LAW,
        "E5",
        "Keep the description under 10,000 characters",
    ),
    (
        "overlong reference",
        {("CL-3", "legal_references"): "y" * 501},
        CRIMINAL_LAW,
        "F5",
        "Reference 1 is longer than 500 characters",
    ),
    (
        "formula as description",
        {("CL-3", "description"): '=HYPERLINK("http://evil.example","click")'},
        CRIMINAL_LAW,
        "E5",
        "holds a formula",
    ),
    ("formula as rating", {("CL-3", "rating"): "=D3"}, CRIMINAL_LAW, "D5", "holds a formula"),
    (
        "date as description",
        {("CL-3", "description"): datetime(2024, 5, 1)},
        CRIMINAL_LAW,
        "E5",
        "holds a date or time where text belongs",
    ),
    (
        "boolean as justification",
        {("CL-3", "justification"): True},
        CRIMINAL_LAW,
        "J5",
        "TRUE/FALSE where text belongs",
    ),
    (
        "version not a number",
        {("CL-3", "version"): "abc"},
        CRIMINAL_LAW,
        "K5",
        "not a whole number",
    ),
    (
        "unknown assistance kind",
        {("CL-3", "assistance_kind"): "Money"},
        CRIMINAL_LAW,
        "H5",
        "“Money” is not a kind of technical assistance",
    ),
    (
        "assistance described without a kind",
        {("CL-3", "assistance_description"): "Training"},
        CRIMINAL_LAW,
        "I5",
        "its kind is “None”",
    ),
    (
        "kind without a description",
        {("CL-3", "assistance_kind"): "Other"},
        CRIMINAL_LAW,
        "I5",
        "Describe the technical assistance",
    ),
    (
        "item twice",
        {(CRIMINAL_LAW, "A5"): "CL-1"},
        CRIMINAL_LAW,
        "A5",
        f"Item CL-1 appears more than once (first on sheet {CRIMINAL_LAW}, row 3)",
    ),
    (
        "answers without an item",
        {(CRIMINAL_LAW, "A5"): None},
        CRIMINAL_LAW,
        "A5",
        "has answers but no item id",
    ),
    (
        "heading changed",
        {(CRIMINAL_LAW, "E2"): "Notes"},
        CRIMINAL_LAW,
        "E2",
        "column heading was changed",
    ),
    (
        "edition tampered",
        {("_platform", "B4"): "0000000000000000"},
        "Instructions",
        "B5",
        "catalogue edition 0000000000000000",
    ),
]


@pytest.mark.parametrize(
    ("changes", "sheet", "cell", "message"),
    [pytest.param(c, s, cell, m, id=i) for i, c, s, cell, m in ROW_CASES],
)
def test_row_check(assessment, users, book, state, changes, sheet, cell, message) -> None:
    data = book.download(assessment)
    if (CRIMINAL_LAW, "A5") in changes and changes[(CRIMINAL_LAW, "A5")] is None:
        changes = {**changes, ("CL-3", "description"): "An answer in a row whose id was cleared."}
    # A clean change elsewhere in the same file, which must not be applied either.
    filled = book.edit(data, {("IC-1", "rating"): "Fully implemented", **changes})
    before = state(assessment.id)
    report = offline.import_workbook(users["fra"], assessment, filled)
    assert not report.ok and report.applied == []
    found = [(p.sheet, p.cell, p.message) for p in report.problems]
    assert any(s == sheet and c == cell and message in m for s, c, m in found), found
    assert state(assessment.id) == before


def test_every_problem_in_the_file_is_listed_at_once(assessment, users, book) -> None:
    filled = book.edit(
        book.download(assessment),
        {
            ("CL-3", "rating"): "Excellent",
            ("LE-1", "evidence_links"): "file:///etc/passwd",
            ("IC-8", "rating"): "Not applicable",
        },
    )
    report = offline.import_workbook(users["fra"], assessment, filled)
    assert [p.location for p in report.problems] == [
        f"{CRIMINAL_LAW}!D5",
        f"{SHEETS['law-enforcement']}!G3",
        f"{SHEETS['cooperation']}!J10",
    ]


def test_a_file_of_another_country_is_refused(assessment, users, cycle, book, state) -> None:
    germany, _ = services.start_assessment(users["deu"], cycle, "DEU")
    data = book.edit(book.download(germany), {("CL-3", "rating"): "Fully implemented"})
    before = state(assessment.id)
    report = offline.import_workbook(users["fra"], assessment, data)
    [problem] = report.problems
    assert problem.location == "Instructions!B3"
    assert "questionnaire of DEU; it cannot be uploaded to the assessment of France (FRA)" in problem.message
    assert state(assessment.id) == before


def test_a_file_of_another_cycle_is_refused(assessment, users, book, state) -> None:
    other = services.create_cycle("2027", "Self-assessment 2027")
    later, _ = services.start_assessment(users["fra"], other, "FRA")
    data = book.edit(book.download(assessment), {("CL-3", "rating"): "Fully implemented"})
    before = state(later.id)
    report = offline.import_workbook(users["fra"], later, data)
    [problem] = report.problems
    assert problem.location == "Instructions!B4"
    assert "This file is for cycle 2026; it cannot be uploaded to cycle 2027" in problem.message
    assert state(later.id) == before


def test_an_added_sheet_is_reported(assessment, users, book, state) -> None:
    wb = book.open(book.download(assessment))
    wb.create_sheet("Notes")["A1"] = "CL-3: ask the Ministry of Justice"
    report = offline.import_workbook(users["fra"], assessment, book.save(wb))
    assert [(p.sheet, p.cell) for p in report.problems] == [("Notes", None)]
    assert "not part of the questionnaire" in report.problems[0].message


def test_a_deleted_section_sheet_changes_nothing_there(assessment, users, book) -> None:
    wb = book.open(book.edit(book.download(assessment), {("CL-3", "rating"): "Initial steps"}))
    del wb[VICTIMS]
    report = offline.import_workbook(users["fra"], assessment, book.save(wb))
    assert report.ok and report.applied == ["CL-3"]
    assert _answers(assessment)["VP-1"].rating == "partially"


def test_only_the_countrys_respondent_may_import(assessment, users, book, state) -> None:
    data = book.download(assessment)
    for who, error in (("deu", services.NotFound), ("reviewer", services.NotFound)):
        with pytest.raises(error):
            offline.import_workbook(users[who], assessment, data)
    services.submit(users["fra"], assessment)
    with pytest.raises(services.InvalidTransition):
        offline.import_workbook(users["fra"], assessment, data)
    with pytest.raises(services.InvalidTransition):
        offline.import_workbook(None, assessment, data)


def test_a_race_with_an_online_save_becomes_a_conflict(assessment, users, book, monkeypatch) -> None:
    """Someone saving between the check and the write: save_answers' lock makes it a conflict."""
    data = book.edit(book.download(assessment), {("CL-1", "description"): "Typed offline."})
    real = services.save_answers

    def racing(*args: Any, **kwargs: Any) -> Any:
        real(users["fra"], assessment, [services.Edit("CL-1", services.make_input(rating="full"), 1)])
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "save_answers", racing)
    report = offline.import_workbook(users["fra"], assessment, data)
    assert [c.item for c in report.conflicts] == ["CL-1"] and report.applied == []
    assert _answers(assessment)["CL-1"].rating == "full"
    assert _answers(assessment)["CL-1"].description == ""


def test_a_workbook_downloaded_in_french_reads_back_for_an_english_reader(app, assessment, users, book) -> None:
    from flask_babel import force_locale

    with app.test_request_context(), force_locale("fr"):
        french = book.download(assessment)
    data = book.edit(
        french,
        {
            ("CL-3", "rating"): "Premières mesures",
            ("CL-3", "assistance_kind"): "Formation et renforcement des capacités",
        },
    )
    data = book.edit(data, {("CL-3", "assistance_description"): "Former les procureurs."})
    report = offline.import_workbook(users["fra"], assessment, data)  # read by an English reader
    assert report.ok, [p.message for p in report.problems]
    saved = _answers(assessment)["CL-3"]
    assert (saved.rating, saved.assistance_kind) == ("initial", "training")
