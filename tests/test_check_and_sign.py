"""Check your answers, then sign: the page listing what needs attention, and the declaration signed with a submission.

The groups come from the scores' flags (missing, unsupported, unjustified not-applicable),
the carried-forward answers nobody confirmed and the sections of the internal review not
approved; the declaration (name, position, ministry) is required in the browser, optional
in the API, recorded in the same transaction as the submission and printed on the report's
cover, the overview and the history.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm.attributes import set_committed_value

from questionnaire import services
from questionnaire.auth import issue_token
from questionnaire.db import db
from questionnaire.models import Answer, Assessment, Assignment, Carry, Declaration, Event, SectionReview, Status

from .api.conftest import Api
from .conftest import DECLARATION, add_user

BASE = "/cycles/2026/countries/FRA"
API = "/api/v1/cycles/2026/countries/FRA"


@pytest.fixture
def draft(users, cycle) -> Assessment:  # type: ignore[no-untyped-def]
    assessment, _ = services.start_assessment(users["fra"], cycle, "FRA")
    return assessment


@pytest.fixture
def respondent(make_client, draft):  # type: ignore[no-untyped-def]
    client = make_client()
    client.login("fra@example.org")
    return client


def _save(user: Any, assessment: Assessment, **ratings: tuple[str, str]) -> None:
    """Save answers: item id (with _ for -) -> (rating, description)."""
    edits = [
        services.Edit(item.replace("_", "-"), services.make_input(rating=rating, description=text), 0)
        for item, (rating, text) in ratings.items()
    ]
    services.save_answers(user, assessment, edits)


def _group(page: str, group: str) -> str:
    """Return the HTML of one group of the check page (the <section id=group> … </section>)."""
    match = re.search(rf'<section class="check-group[^"]*" id="{group}".*?</section>', page, re.S)
    assert match, f"no group {group} on the page"
    return match.group(0)


def _input(page: str, field: str) -> str:
    """Return the <input> of a field of the declaration."""
    match = re.search(rf'<input[^>]*id="declaration-{field}"[^>]*>', page)
    assert match, f"no input for {field}"
    return match.group(0)


def _declarations() -> list[Declaration]:
    db.session.expire_all()
    return list(db.session.scalars(select(Declaration).order_by(Declaration.id)))


def _status() -> str:
    db.session.expire_all()
    return str(db.session.scalar(select(Assessment.status)))


# ---------------------------------------------------------------------------
# The check page
# ---------------------------------------------------------------------------


def test_the_check_page_lists_each_group_with_links_to_the_items(respondent, users, draft, catalogue) -> None:  # type: ignore[no-untyped-def]
    _save(users["fra"], draft, CL_1=("full", ""), CL_2=("largely", "Article 225-4-1."))
    # An unjustified "not applicable" and an unconfirmed carried answer cannot be typed any more;
    # they come from earlier data (a carried answer, an older rule).
    db.session.add(Answer(assessment_id=draft.id, item_id="CL-3", rating="not_applicable", justification=""))
    db.session.add(Answer(assessment_id=draft.id, item_id="VP-1", rating="partially", carry=Carry.CARRIED))
    db.session.execute(update(Assessment).values(version=Assessment.version + 1))
    db.session.commit()

    page = respondent.get(f"{BASE}/submit").get_data(as_text=True)
    assert "Check your answers, then submit" in page
    unanswered = _group(page, "unanswered")
    assert "34 items are not answered" in unanswered
    assert 'href="/cycles/2026/countries/FRA/sections/criminal-law#item-CL-4"' in unanswered
    assert "#item-CL-1" not in unanswered and "#item-CL-3" not in unanswered
    unsupported = _group(page, "unsupported")
    assert "1 rating has nothing cited to support it" in unsupported
    assert 'href="/cycles/2026/countries/FRA/sections/criminal-law#item-CL-1"' in unsupported
    assert "#item-CL-2" not in unsupported  # described: supported
    unjustified = _group(page, "unjustified")
    assert "1 item is not applicable without a justification" in unjustified
    assert "#item-CL-3" in unjustified
    unconfirmed = _group(page, "unconfirmed")
    assert "#item-VP-1" in unconfirmed
    # The summary at the top links to each group.
    for group in ("unanswered", "unsupported", "unjustified", "unconfirmed"):
        assert f'<a href="#{group}">' in page
    assert 'id="sections-to-approve"' not in page  # no internal review in this country: nothing about it


def test_sections_of_the_internal_review_not_approved_are_listed(respondent, users, draft) -> None:  # type: ignore[no-untyped-def]
    contributor = add_user("interior@example.org", "contributor", "FRA")
    db.session.add(Assignment(assessment_id=draft.id, user_id=contributor.id, section_id="victims"))
    db.session.add(SectionReview(assessment_id=draft.id, section_id="criminal-law", state="ready"))
    db.session.add(SectionReview(assessment_id=draft.id, section_id="prevention", state="approved"))
    db.session.commit()

    sections = _group(respondent.get(f"{BASE}/submit").get_data(as_text=True), "sections-to-approve")
    assert "2 sections are not approved in your internal review" in sections
    assert f'href="{BASE}/sections/criminal-law"' in sections and "Ready for approval" in sections
    assert f'href="{BASE}/sections/victims"' in sections and "In progress" in sections
    assert "/sections/prevention" not in sections  # approved


def test_nothing_needs_attention_once_everything_is_answered_and_supported(respondent, users, draft, catalogue) -> None:  # type: ignore[no-untyped-def]
    _save(users["fra"], draft, **{i.id.replace("-", "_"): ("full", "In force.") for i in catalogue.items})
    page = respondent.get(f"{BASE}/submit").get_data(as_text=True)
    assert "Nothing needs attention" in page
    assert 'class="check-group' not in page
    assert "Submit to the reviewers" in page


def test_only_the_countrys_respondents_reach_the_check_page(make_client, users, draft) -> None:  # type: ignore[no-untyped-def]
    germany = make_client()
    germany.login("deu@example.org")
    assert germany.get(f"{BASE}/submit").status_code == 404
    assert germany.post_form(f"{BASE}/submit", DECLARATION, page="/").status_code == 404
    reviewer = make_client()
    reviewer.login("reviewer@example.org")
    assert reviewer.get(f"{BASE}/submit").status_code == 404  # a draft is private
    assert _status() == "draft" and _declarations() == []


# ---------------------------------------------------------------------------
# The declaration in the browser
# ---------------------------------------------------------------------------


def test_submitting_needs_the_declaration_with_errors_beside_the_fields(respondent) -> None:  # type: ignore[no-untyped-def]
    refused = respondent.post_form(
        f"{BASE}/submit", {"name": "  ", "position": "", "ministry": "", "comment": "Kept when refused."}
    )
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert 'class="error-summary"' in page and "data-autofocus" in page
    for field, message in (
        ("name", "Enter your name."),
        ("position", "Enter your position."),
        ("ministry", "Enter your ministry or agency."),
    ):
        assert re.search(rf'id="declaration-{field}-error">.*?{re.escape(message)}', page, re.S), field
        assert f'href="#declaration-{field}"' in page  # the summary links to the field
        assert 'aria-invalid="true"' in _input(page, field)
    assert "Kept when refused." in page
    assert _status() == "draft" and _declarations() == []

    partly = respondent.post_form(f"{BASE}/submit", {"name": "Claire Martin", "position": "Head of unit"})
    assert partly.status_code == 422
    assert 'value="Claire Martin"' in partly.get_data(as_text=True)  # what was typed stays
    assert 'id="declaration-ministry-error"' in partly.get_data(as_text=True)
    assert 'id="declaration-name-error"' not in partly.get_data(as_text=True)
    long = respondent.post_form(f"{BASE}/submit", {**DECLARATION, "ministry": "M" * 301})
    assert long.status_code == 422 and "Use at most 300 characters." in long.get_data(as_text=True)
    assert _status() == "draft" and _declarations() == []


def test_the_declaration_is_recorded_with_the_submission(respondent, users) -> None:  # type: ignore[no-untyped-def]
    done = respondent.post_form(f"{BASE}/submit", {**DECLARATION, "name": " Claire\n Martin ", "comment": "Ready."})
    assert done.status_code == 302
    assert _status() == "submitted"
    [declaration] = _declarations()
    event = db.session.scalar(select(Event).where(Event.action == "submitted"))
    assert declaration.event_id == event.id and declaration.user_id == users["fra"].id
    assert declaration.at == event.at
    assert (declaration.name, declaration.position, declaration.ministry) == (
        "Claire Martin",  # one line, trimmed
        DECLARATION["position"],
        DECLARATION["ministry"],
    )
    assert event.comment == "Ready."

    overview = respondent.get(f"{BASE}/").get_data(as_text=True)
    sentence = "by Claire Martin, Head of the anti-trafficking unit, Ministry of the Interior."
    assert re.search(r'<dd id="declaration">Submitted on [^<]+ ' + re.escape(sentence), overview)
    history = respondent.get(f"{BASE}/history").get_data(as_text=True)
    assert "Declaration: Claire Martin, Head of the anti-trafficking unit, Ministry of the Interior" in history


def test_the_form_starts_with_the_name_of_the_account_then_the_last_declaration(make_client, users, draft) -> None:  # type: ignore[no-untyped-def]
    users["fra"].name = "Claire Martin"
    db.session.commit()
    client = make_client()
    client.login("fra@example.org")
    page = client.get(f"{BASE}/submit").get_data(as_text=True)
    assert 'value="Claire Martin"' in _input(page, "name")
    assert 'value=""' in _input(page, "position")
    client.post_form(f"{BASE}/submit", DECLARATION)
    services.return_assessment(users["reviewer"], services.find_assessment("2026", "FRA"), "Cite the law.")
    again = client.get(f"{BASE}/submit").get_data(as_text=True)
    assert 'value="Head of the anti-trafficking unit"' in _input(again, "position")
    assert 'value="Ministry of the Interior"' in _input(again, "ministry")


def test_a_submission_without_its_token_records_nothing(respondent) -> None:  # type: ignore[no-untyped-def]
    assert respondent.post(f"{BASE}/submit", data=DECLARATION).status_code == 400
    assert _status() == "draft" and _declarations() == []


def test_a_failed_submission_keeps_no_declaration(users, draft) -> None:  # type: ignore[no-untyped-def]
    """The declaration is written in the submission's transaction: refused together."""
    signed = services.declarations.DeclarationInput("Claire Martin", "Head of unit", "Ministry of the Interior")
    # Someone else submitted meanwhile: this session still believes it is a draft.
    db.session.execute(update(Assessment).values(status=Status.SUBMITTED))
    db.session.commit()
    set_committed_value(draft, "status", Status.DRAFT)
    with pytest.raises(services.InvalidTransition):
        services.submit(users["fra"], draft, "", signed)
    assert _declarations() == []
    assert db.session.scalar(select(func.count()).select_from(Event).where(Event.action == "submitted")) == 0
    # Refused declarations change nothing either.
    db.session.execute(update(Assessment).values(status=Status.DRAFT))
    db.session.commit()
    with pytest.raises(services.declarations.InvalidDeclaration) as refused:
        services.submit(users["fra"], draft, "", services.declarations.DeclarationInput("Claire", " ", ""))
    assert set(refused.value.errors) == {"position", "ministry"}
    assert _status() == "draft" and _declarations() == []


# ---------------------------------------------------------------------------
# The API
# ---------------------------------------------------------------------------


@pytest.fixture
def api(app) -> Api:  # type: ignore[no-untyped-def]
    return Api(app.test_client())


def test_the_api_submits_without_a_declaration_as_before(api, users, draft) -> None:  # type: ignore[no-untyped-def]
    token = issue_token(users["fra"], "script")
    response = api.post(f"{API}/submit", token, {"comment": "Done."})
    assert response.status_code == 200 and response.get_json()["status"] == "submitted"
    assert _declarations() == []
    events = api.get(f"{API}/history", token).get_json()["events"]
    assert events[-1]["action"] == "submitted" and events[-1]["declaration"] is None


def test_the_api_records_a_declaration_sent_with_the_submission(api, users, draft) -> None:  # type: ignore[no-untyped-def]
    token = issue_token(users["fra"], "script")
    response = api.post(f"{API}/submit", token, {"comment": "Done.", "declaration": DECLARATION})
    assert response.status_code == 200
    [declaration] = _declarations()
    assert declaration.name == "Claire Martin" and declaration.user_id == users["fra"].id
    events = api.get(f"{API}/history", token).get_json()["events"]
    assert events[-1]["declaration"] == DECLARATION
    reviewer = issue_token(users["reviewer"], "script")
    assert api.get(f"{API}/history", reviewer).get_json()["events"][-1]["declaration"] == DECLARATION


def test_the_api_refuses_an_incomplete_declaration(api, users, draft) -> None:  # type: ignore[no-untyped-def]
    token = issue_token(users["fra"], "script")
    missing = api.post(f"{API}/submit", token, {"declaration": {"name": "Claire Martin"}})
    assert missing.status_code == 422
    assert set(missing.get_json()["error"]["errors"]) == {"declaration.position", "declaration.ministry"}
    blank = api.post(f"{API}/submit", token, {"declaration": {**DECLARATION, "position": "   "}})
    assert blank.status_code == 422
    assert set(blank.get_json()["error"]["errors"]) == {"declaration.position"}
    unknown = api.post(f"{API}/submit", token, {"declaration": {**DECLARATION, "phone": "1"}})
    assert unknown.status_code == 422 and "declaration.phone" in unknown.get_json()["error"]["errors"]
    assert _status() == "draft" and _declarations() == []
    # Permission comes first: a reviewer learns nothing of a draft, whatever the body.
    reviewer = issue_token(users["reviewer"], "script")
    assert api.post(f"{API}/submit", reviewer, {"declaration": {"name": ""}}).status_code == 404


def test_the_submit_operation_documents_the_declaration(api) -> None:  # type: ignore[no-untyped-def]
    document = api.get("/api/v1/openapi.json").get_json()
    body = document["paths"][f"{API.replace('2026', '{cycle}').replace('FRA', '{iso3}')}/submit"]["post"]
    schema = body["requestBody"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/SubmitInput"}
    declaration = document["components"]["schemas"]["DeclarationInput"]
    assert set(declaration["required"]) == {"name", "position", "ministry"}


# ---------------------------------------------------------------------------
# The report's cover
# ---------------------------------------------------------------------------


def test_the_reports_cover_prints_the_latest_declaration(respondent, make_client, users) -> None:  # type: ignore[no-untyped-def]
    draft_report = respondent.get(f"{BASE}/report").get_data(as_text=True)
    assert 'id="cover-declaration"' not in draft_report
    respondent.post_form(f"{BASE}/submit", DECLARATION)
    services.return_assessment(users["reviewer"], services.find_assessment("2026", "FRA"), "Cite the law.")
    respondent.post_form(f"{BASE}/submit", {**DECLARATION, "name": "Paul Durand", "position": "Deputy director"})
    reviewer = make_client()
    reviewer.login("reviewer@example.org")
    for client in (respondent, reviewer):
        report = client.get(f"{BASE}/report").get_data(as_text=True)
        cover = re.search(r'<tr id="cover-declaration">.*?</tr>', report, re.S)
        assert cover, "no declaration on the cover"
        text = re.sub(r"<[^>]+>", "", cover.group(0))
        assert re.search(r"Submitted on .+ by Paul Durand, Deputy director, Ministry of the Interior\.", text), text
        assert "Claire Martin" not in cover.group(0)  # the latest declaration only
