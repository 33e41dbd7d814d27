"""Reports behind the access rules: a hidden draft looks like a missing one; codes in any case.

Who may open each report and meeting-pack route is in the application's one
access matrix, tests/test_access_matrix.py.
"""

from __future__ import annotations

from typing import Any

import pytest

from questionnaire import services

A = "/cycles/2026/countries/FRA"


@pytest.fixture
def world(app, users, cycle, monkeypatch) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    from questionnaire.views import reports as report_views

    monkeypatch.setattr(report_views.documents, "pdf_of", lambda html: b"%PDF-1.7 stub")
    assessment, _ = services.start_assessment(users["fra"], cycle, "FRA")
    return {"assessment": assessment}


def test_another_countrys_draft_and_a_missing_one_look_the_same(make_client, world) -> None:  # type: ignore[no-untyped-def]
    other = make_client()
    other.login("deu@example.org")
    for suffix in ("report", "report.pdf"):
        existing = other.get(f"{A}/{suffix}")
        missing = other.get(f"/cycles/2026/countries/ITA/{suffix}")
        assert existing.status_code == missing.status_code == 404
        assert existing.get_data(as_text=True).replace("FRA", "ITA") == missing.get_data(as_text=True)


@pytest.mark.parametrize("iso3", ["fra", "Fra", "FRA"])
def test_the_country_code_may_be_in_any_letter_case(make_client, world, iso3) -> None:  # type: ignore[no-untyped-def]
    client = make_client()
    client.login("fra@example.org")
    assert client.get(f"/cycles/2026/countries/{iso3}/report").status_code == 200
    response = client.get(f"/cycles/2026/countries/{iso3}/report.pdf")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == "inline; filename=2026-FRA-gap-report.pdf"
    assert response.headers["Cache-Control"] == "no-store"
