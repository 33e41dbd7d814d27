"""The offline questionnaire through the API: download, upload, refusals and conflicts."""

from __future__ import annotations

import io

import pytest

from questionnaire import services

from .conftest import start

XLSX_PATH = "cycles/2026/countries/FRA/questionnaire.xlsx"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def fill(data: bytes, item: str, **values: str) -> bytes:
    """Type values into an item's row of a downloaded workbook, as a spreadsheet user would."""
    from openpyxl import load_workbook

    from questionnaire import offline

    book = load_workbook(io.BytesIO(data))
    item_column = offline.COLUMN["item"].index
    for sheet in book.worksheets:
        for row in range(offline.FIRST_ROW, sheet.max_row + 1):
            if sheet.cell(row, item_column).value == item:
                for key, value in values.items():
                    sheet.cell(row, offline.COLUMN[key].index).value = value
                out = io.BytesIO()
                book.save(out)
                return out.getvalue()
    raise AssertionError(f"{item} is not in the workbook")


def upload(api, token, data, content_type=XLSX):
    return api.post(XLSX_PATH, token, data=data, content_type=content_type)


def test_download_is_an_xlsx_attachment(api, tokens, fra_draft):
    response = api.get(XLSX_PATH, tokens["fra"])
    assert response.status_code == 200
    assert response.mimetype == XLSX
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.data[:4] == b"PK\x03\x04"


def test_an_upload_saves_the_changed_answers_with_source_api(api, tokens, fra_draft, catalogue):
    data = api.get(XLSX_PATH, tokens["fra"]).data
    label = catalogue.level_by_id["full"].label
    changed = fill(data, "CL-2", rating=label, description="Ratified in 2002.")
    response = upload(api, tokens["fra"], changed)
    assert response.status_code == 200, response.get_json()
    report = response.get_json()
    assert report["ok"] is True
    assert report["applied"] == ["CL-2"]
    answer = services.answers_of(fra_draft)["CL-2"]
    assert (answer.rating, answer.description) == ("full", "Ratified in 2002.")
    assert [c.source for c in services.history(fra_draft, "CL-2")] == ["api"]


def test_an_unchanged_upload_saves_nothing(api, tokens, fra_draft):
    data = api.get(XLSX_PATH, tokens["fra"]).data
    report = upload(api, tokens["fra"], data).get_json()
    assert report["ok"] is True
    assert report["applied"] == []


def test_a_file_with_a_bad_rating_gets_422_with_where_and_nothing_is_saved(api, tokens, fra_draft):
    data = fill(api.get(XLSX_PATH, tokens["fra"]).data, "CL-2", rating="Brilliant")
    response = upload(api, tokens["fra"], data)
    assert response.status_code == 422
    error = response.get_json()["error"]
    problems = error["report"]["problems"]
    assert problems and problems[0]["sheet"] and problems[0]["row"]
    assert "CL-2" not in services.answers_of(fra_draft)


def test_a_conflict_gets_409_and_nothing_is_saved(api, tokens, fra_draft):
    data = fill(api.get(XLSX_PATH, tokens["fra"]).data, "CL-1", description="From the file.")
    assert (
        api.put(
            "cycles/2026/countries/FRA/answers/CL-1",
            tokens["fra"],
            {"version": 1, "rating": "full"},
        ).status_code
        == 200
    )
    response = upload(api, tokens["fra"], data)
    assert response.status_code == 409
    conflicts = response.get_json()["error"]["report"]["conflicts"]
    assert [c["item"] for c in conflicts] == ["CL-1"]
    assert services.answers_of(fra_draft)["CL-1"].description == "In force."


@pytest.mark.parametrize(
    "data",
    [
        b"not a workbook",
        b"PK\x03\x04" + b"\x00" * 100,
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100,
    ],
    ids=["text", "broken-zip", "old-excel"],
)
def test_a_file_that_is_not_a_workbook_gets_422(api, tokens, fra_draft, data):
    response = upload(api, tokens["fra"], data)
    assert response.status_code == 422
    assert response.get_json()["error"]["message"]


def test_an_empty_body_gets_400_and_a_wrong_type_415(api, tokens, fra_draft):
    assert upload(api, tokens["fra"], b"").status_code == 400
    response = upload(api, tokens["fra"], b"a,b\n1,2\n", content_type="text/csv")
    assert response.status_code == 415
    assert XLSX in response.get_json()["error"]["message"]


def test_an_upload_too_large_for_the_questionnaire_gets_413(app, api, tokens, fra_draft):
    app.config["SPREADSHEET_MAX_BYTES"] = 1000
    response = upload(api, tokens["fra"], api.get(XLSX_PATH, tokens["fra"]).data)
    assert response.status_code == 413
    assert response.get_json()["error"]["status"] == 413


def test_a_reviewer_cannot_upload_and_a_submitted_assessment_refuses(api, tokens, users, cycle):
    from questionnaire import offline

    assessment = start(users, cycle, "FRA", "submitted")
    data = offline.build_workbook(assessment)
    assert upload(api, tokens["reviewer"], data).status_code == 403
    assert upload(api, tokens["fra"], data).status_code == 409
    assert upload(api, tokens["deu"], data).status_code == 404
