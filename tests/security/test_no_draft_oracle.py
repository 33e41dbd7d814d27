"""Starting an assessment reveals nothing of a draft to anyone outside the country.

France has a draft, Italy has nothing.  Every outsider (another country's
respondent, a reviewer, an admin) who tries to start either, through the API or
the browser, must get the same answer for both, and nothing may be created.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from questionnaire import services
from questionnaire.auth import issue_token
from questionnaire.db import db
from questionnaire.models import Assessment, Event, Role

from ..conftest import add_user

OUTSIDERS = ("deu", "reviewer", "admin")


@pytest.fixture
def world(users, cycle):  # type: ignore[no-untyped-def]
    services.start_assessment(users["fra"], cycle, "FRA")
    add_user("ita@example.org", Role.RESPONDENT, "ITA")
    return users


def _counts() -> tuple[int, int]:
    return (
        db.session.scalar(select(func.count()).select_from(Assessment)),
        db.session.scalar(select(func.count()).select_from(Event)),
    )


@pytest.mark.parametrize("outsider", OUTSIDERS)
@pytest.mark.parametrize("cycle_open", [True, False], ids=["open", "closed"])
def test_api_start_answers_the_same_for_a_draft_and_for_nothing(app, world, cycle, outsider, cycle_open) -> None:  # type: ignore[no-untyped-def]
    if not cycle_open:
        services.close_cycle(cycle)
    token = issue_token(world[outsider], "tests")
    client = app.test_client()
    before = _counts()
    answers = {}
    for iso3 in ("FRA", "ITA"):
        response = client.post(
            f"/api/v1/cycles/2026/countries/{iso3.lower()}/assessment", headers={"Authorization": f"Bearer {token}"}
        )
        answers[iso3] = (response.status_code, response.get_data(as_text=True).replace(iso3, "XXX"))
    assert answers["FRA"] == answers["ITA"]
    assert answers["FRA"][0] == 404
    assert _counts() == before, "an outsider's request created something"


@pytest.mark.parametrize("outsider", OUTSIDERS)
def test_browser_start_answers_the_same_for_a_draft_and_for_nothing(make_client, world, outsider) -> None:  # type: ignore[no-untyped-def]
    client = make_client()
    client.login(world[outsider].email)
    before = _counts()
    answers = {}
    for iso3 in ("FRA", "ITA"):
        response = client.post_form(f"/cycles/2026/countries/{iso3}/start", page="/")
        answers[iso3] = (response.status_code, response.get_data(as_text=True).replace(iso3, "XXX"))
    assert answers["FRA"] == answers["ITA"]
    assert answers["FRA"][0] == 404
    assert _counts() == before


def test_an_outsider_starting_a_submitted_assessment_gets_it_as_before(app, world, cycle) -> None:  # type: ignore[no-untyped-def]
    """A reviewer may already see a submitted assessment, so starting it again just returns it."""
    fra = services.find_assessment("2026", "FRA")
    services.submit(world["fra"], fra)
    token = issue_token(world["reviewer"], "tests")
    response = app.test_client().post(
        "/api/v1/cycles/2026/countries/FRA/assessment", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200
    assert response.get_json()["status"] == "submitted"


def test_the_countrys_respondent_still_starts_it(app, world) -> None:  # type: ignore[no-untyped-def]
    token = issue_token(add_user("ita2@example.org", Role.RESPONDENT, "ITA"), "tests")
    response = app.test_client().post(
        "/api/v1/cycles/2026/countries/ITA/assessment", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 201
    assert response.get_json()["status"] == "draft"
