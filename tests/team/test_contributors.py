"""Contributors: a focal point invites and assigns; a contributor sees and edits only what is assigned.

Every case of the access matrix the issue asks for is its own test: the contributor's own
assigned section, its own unassigned section, another country, and the country's internal
states and notes as a reviewer sees (does not see) them.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from questionnaire import auth, services
from questionnaire.db import db
from questionnaire.models import Answer, Assessment, SectionReview, User
from questionnaire.services import accounts, team

from ..conftest import PASSWORD  # type: ignore[import-not-found]  # noqa: TID252

BASE = "/cycles/2026/countries/FRA"
INTERIOR = "interior@example.org"


@pytest.fixture
def world(app, users, cycle, make_client) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """France started, a contributor of the interior ministry assigned 'law-enforcement' and the item VP-1."""
    france, _ = services.start_assessment(users["fra"], cycle, "FRA")
    germany, _ = services.start_assessment(users["deu"], cycle, "DEU")
    invited = team.invite_contributor(users["fra"], france, INTERIOR, "Interior ministry")
    contributor = invited.user
    accounts.accept_invitation(invited.link.rsplit("/", 1)[-1], PASSWORD)
    team.assign(users["fra"], france, contributor, "law-enforcement")
    team.assign(users["fra"], france, contributor, "victims", "VP-1")
    client = make_client()
    client.login(INTERIOR)
    focal = make_client()
    focal.login("fra@example.org")
    return {"france": france, "germany": germany, "contributor": contributor, "client": client, "focal": focal}


def _answer(item: str) -> Answer | None:
    db.session.expire_all()
    return db.session.scalar(
        select(Answer).join(Assessment).where(Assessment.country_iso3 == "FRA", Answer.item_id == item)
    )


# --- the contributor's own assigned section --------------------------------------------------


def test_contributor_sees_own_assigned_section(world) -> None:  # type: ignore[no-untyped-def]
    page = world["client"].get(f"{BASE}/sections/law-enforcement")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert 'id="item-LE-1"' in text and 'id="item-LE-6"' in text
    assert "Mark this section ready" in text


def test_contributor_sees_only_the_assigned_item_of_a_partly_assigned_section(world) -> None:  # type: ignore[no-untyped-def]
    text = world["client"].get(f"{BASE}/sections/victims").get_data(as_text=True)
    assert 'id="item-VP-1"' in text and 'id="item-VP-2"' not in text
    assert "Criminal law" not in text  # the section list holds only sections with their items


def test_contributor_saves_an_assigned_item(world) -> None:  # type: ignore[no-untyped-def]
    url = f"{BASE}/sections/law-enforcement"
    response = world["client"].post_form(url, {"item_LE_1-rating": "partially", "item_LE_1-version": "0"}, page=url)
    assert response.status_code == 302
    saved = _answer("LE-1")
    assert saved is not None and saved.rating == "partially" and saved.updated_by_id == world["contributor"].id


def test_contributor_comments_on_an_assigned_item(world) -> None:  # type: ignore[no-untyped-def]
    url = f"{BASE}/items/LE-2/comments"
    assert (
        world["client"].post_form(url, {"body": "Figures follow."}, page=f"{BASE}/sections/law-enforcement").status_code
        == 302
    )
    assert [c.body for c in services.comments_of(world["france"]).get("LE-2", [])] == ["Figures follow."]


def test_contributor_marks_an_assigned_section_ready(world) -> None:  # type: ignore[no-untyped-def]
    url = f"{BASE}/sections/law-enforcement"
    assert world["client"].post_form(f"{url}/ready", {}, page=url).status_code == 302
    assert team.section_reviews(world["france"])["law-enforcement"].state == "ready"


# --- the contributor's own unassigned section ------------------------------------------------


def test_contributor_gets_404_for_an_unassigned_section(world) -> None:  # type: ignore[no-untyped-def]
    assert world["client"].get(f"{BASE}/sections/criminal-law").status_code == 404


def test_contributor_cannot_save_an_unassigned_section(world) -> None:  # type: ignore[no-untyped-def]
    url = f"{BASE}/sections/criminal-law"
    response = world["client"].post_form(
        url, {"item_CL_1-rating": "none", "item_CL_1-version": "0"}, page=f"{BASE}/sections/law-enforcement"
    )
    assert response.status_code == 404
    assert _answer("CL-1") is None


def test_contributor_cannot_slip_an_unassigned_item_into_an_assigned_section(world) -> None:  # type: ignore[no-untyped-def]
    url = f"{BASE}/sections/victims"
    world["client"].post_form(
        url,
        {"item_VP_1-rating": "full", "item_VP_1-version": "0", "item_VP_2-rating": "none", "item_VP_2-version": "0"},
        page=url,
    )
    assert _answer("VP-1") is not None and _answer("VP-2") is None


def test_contributor_cannot_comment_on_an_unassigned_item(world) -> None:  # type: ignore[no-untyped-def]
    url = f"{BASE}/items/CL-1/comments"
    assert world["client"].post_form(url, {"body": "x"}, page=f"{BASE}/sections/law-enforcement").status_code == 404
    assert services.comments_of(world["france"]) == {}


def test_contributor_cannot_mark_an_unassigned_section_ready(world) -> None:  # type: ignore[no-untyped-def]
    response = world["client"].post_form(
        f"{BASE}/sections/criminal-law/ready", {}, page=f"{BASE}/sections/law-enforcement"
    )
    assert response.status_code == 404
    assert team.section_reviews(world["france"]) == {}


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/report",
        "/report.pdf",
        "/history",
        "/submit",
        "/changes",
        "/questionnaire.xlsx",
        "/recommendations",
        "/team",
    ],
)
def test_contributor_gets_404_for_the_whole_assessment(world, path) -> None:  # type: ignore[no-untyped-def]
    assert world["client"].get(f"{BASE}{path}").status_code == 404


def test_contributor_cannot_submit(world) -> None:  # type: ignore[no-untyped-def]
    assert world["client"].post_form(f"{BASE}/submit", {}, page=f"{BASE}/sections/law-enforcement").status_code == 404
    db.session.expire_all()
    assert world["france"].status == "draft"


def test_contributor_api_sees_no_assessment_and_no_assignments(world, app) -> None:  # type: ignore[no-untyped-def]
    headers = {"Authorization": f"Bearer {auth.issue_token(world['contributor'], 't')}"}
    api = app.test_client()
    assert api.get(f"/api/v1{BASE}/assessment", headers=headers).status_code == 404
    assert api.get(f"/api/v1{BASE}/assignments", headers=headers).status_code == 404
    assert api.get(f"/api/v1{BASE}/scores", headers=headers).status_code == 404


# --- another country -------------------------------------------------------------------------


def test_contributor_gets_404_for_another_country(world) -> None:  # type: ignore[no-untyped-def]
    for path in ("/sections/law-enforcement", "/sections/criminal-law", "/"):
        assert world["client"].get(f"/cycles/2026/countries/DEU{path}").status_code == 404


def test_another_countrys_focal_point_gets_404_for_the_team(world, make_client) -> None:  # type: ignore[no-untyped-def]
    germany = make_client()
    germany.login("deu@example.org")
    assert germany.get(f"{BASE}/team").status_code == 404
    assert germany.post_form(f"{BASE}/sections/law-enforcement/approve", {}, page="/").status_code == 404


def test_a_focal_point_cannot_assign_another_countrys_contributor(world, users) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(services.InvalidAnswer):
        team.assign(users["deu"], world["germany"], world["contributor"], "law-enforcement")
    with pytest.raises(services.InvalidAnswer, match="cannot be invited"):
        team.invite_contributor(users["deu"], world["germany"], INTERIOR)


# --- internal states and notes, as a reviewer -----------------------------------------------


@pytest.fixture
def submitted(world, users):  # type: ignore[no-untyped-def]
    """France's internal review with a note, then the assessment submitted."""
    team.mark_ready(world["contributor"], world["france"], "law-enforcement")
    team.send_back(users["fra"], world["france"], "law-enforcement", "SECRET-NOTE: check the border figures")
    team.approve(users["fra"], world["france"], "victims")
    services.submit(users["fra"], world["france"])
    return world


def test_reviewer_does_not_see_internal_states_or_notes(submitted, make_client) -> None:  # type: ignore[no-untyped-def]
    reviewer = make_client()
    reviewer.login("reviewer@example.org")
    for section in ("law-enforcement", "victims"):
        text = reviewer.get(f"{BASE}/sections/{section}").get_data(as_text=True)
        assert "SECRET-NOTE" not in text and "Internal review" not in text and "interior@" not in text
    overview = reviewer.get(f"{BASE}/").get_data(as_text=True)
    assert "SECRET-NOTE" not in overview and "team" not in overview.lower().split("<main", 1)[1].split("</main>")[0]


def test_reviewer_gets_404_for_the_team_page_and_its_actions(submitted, make_client) -> None:  # type: ignore[no-untyped-def]
    reviewer = make_client()
    reviewer.login("reviewer@example.org")
    assert reviewer.get(f"{BASE}/team").status_code == 404
    assert reviewer.post_form(f"{BASE}/sections/victims/send-back", {"note": "x"}, page="/").status_code == 404


def test_reviewer_api_gets_404_for_assignments(submitted, app, users) -> None:  # type: ignore[no-untyped-def]
    headers = {"Authorization": f"Bearer {auth.issue_token(users['reviewer'], 't')}"}
    assert app.test_client().get(f"/api/v1{BASE}/assignments", headers=headers).status_code == 404


def test_the_same_page_cached_for_the_country_is_not_served_to_a_reviewer(submitted, make_client) -> None:  # type: ignore[no-untyped-def]
    focal = make_client()
    focal.login("fra@example.org")
    assert "SECRET-NOTE" in focal.get(f"{BASE}/sections/law-enforcement").get_data(as_text=True)
    reviewer = make_client()
    reviewer.login("reviewer@example.org")
    assert "SECRET-NOTE" not in reviewer.get(f"{BASE}/sections/law-enforcement").get_data(as_text=True)


# --- the focal point's side -------------------------------------------------------------------


def test_the_team_page_shows_assignments_progress_and_states(world) -> None:  # type: ignore[no-untyped-def]
    team.mark_ready(world["contributor"], world["france"], "law-enforcement")
    text = world["focal"].get(f"{BASE}/team").get_data(as_text=True)
    assert INTERIOR in text and "0 of 7" in text and "Ready for approval" in text


def test_invite_through_the_page_shows_a_single_use_link(world, make_client) -> None:  # type: ignore[no-untyped-def]
    page = (
        world["focal"]
        .post_form(f"{BASE}/team/invite", {"email": "justice@example.org", "name": "Justice"}, page=f"{BASE}/team")
        .get_data(as_text=True)
    )
    link = page.split('id="invitation-link"', 1)[1].split('<code class="break">', 1)[1].split("</code>", 1)[0]
    path = link.replace("&amp;", "&").split("localhost", 1)[1]
    anonymous = make_client()
    assert anonymous.get(path).status_code == 200
    done = anonymous.post_form(path, {"password": PASSWORD, "confirm": PASSWORD}, page=path)
    assert done.status_code == 302
    assert anonymous.get(path).status_code == 404  # spent
    assert anonymous.get("/invitations/forged-token").status_code == 404


def test_send_back_needs_a_note_and_approve_works(world) -> None:  # type: ignore[no-untyped-def]
    url = f"{BASE}/sections/law-enforcement"
    team.mark_ready(world["contributor"], world["france"], "law-enforcement")
    refused = world["focal"].post_form(f"{url}/send-back", {"note": " "}, page=f"{BASE}/team", follow_redirects=True)
    assert "needs a note" in refused.get_data(as_text=True)
    assert team.section_reviews(world["france"])["law-enforcement"].state == "ready"
    world["focal"].post_form(f"{url}/approve", {}, page=f"{BASE}/team")
    db.session.expire_all()
    assert db.session.scalar(select(SectionReview.state)) == "approved"


def test_assignments_api_get_and_put(world, app, users) -> None:  # type: ignore[no-untyped-def]
    headers = {"Authorization": f"Bearer {auth.issue_token(users['fra'], 't')}"}
    api = app.test_client()
    url = f"/api/v1{BASE}/assignments"
    body = api.get(url, headers=headers).get_json()
    assert body["law-enforcement"] == [INTERIOR] and body["criminal-law"] == []
    changed = api.put(url, json={"criminal-law": [INTERIOR.upper()], "law-enforcement": []}, headers=headers)
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["criminal-law"] == [INTERIOR] and changed.get_json()["law-enforcement"] == []
    assert "VP-1" in services.access.assigned_items(world["contributor"], world["france"])  # item kept
    refused = api.put(url, json={"criminal-law": ["stranger@example.org"], "nowhere": []}, headers=headers)
    assert refused.status_code == 422 and set(refused.get_json()["error"]["errors"]) == {"criminal-law", "nowhere"}
    assert api.get(url, headers=headers).get_json()["criminal-law"] == [INTERIOR]  # nothing changed
    assert api.put(url, json={"criminal-law": "x"}, headers=headers).status_code == 422


def test_a_bad_invitation_is_refused_beside_its_field_and_nothing_is_made(world) -> None:  # type: ignore[no-untyped-def]
    before = db.session.scalar(select(func.count()).select_from(User))
    page = world["focal"].post_form(f"{BASE}/team/invite", {"email": "not an address"}, page=f"{BASE}/team")
    assert page.status_code == 422
    text = page.get_data(as_text=True)
    assert "Enter a valid e-mail address." in text and 'id="email-error"' in text
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(User)) == before


def test_two_different_passwords_keep_the_invitation_usable(world, users, make_client) -> None:  # type: ignore[no-untyped-def]
    token = team.invite_contributor(users["fra"], world["france"], "justice@example.org").link.rsplit("/", 1)[-1]
    anonymous = make_client()
    path = f"/invitations/{token}"
    refused = anonymous.post_form(path, {"password": PASSWORD, "confirm": PASSWORD + "x"}, page=path)
    assert refused.status_code == 400 and "The two passwords differ." in refused.get_data(as_text=True)
    weak = anonymous.post_form(path, {"password": "password", "confirm": "password"}, page=path)
    assert weak.status_code == 400
    assert anonymous.get(path).status_code == 200  # not spent
