"""The JSON API: authentication, answers, lifecycle, comments, history, scores and errors."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from questionnaire import api_schemas, services
from questionnaire.auth import issue_token
from questionnaire.db import db
from questionnaire.models import Answer, AnswerChange, ApiToken, utcnow

from .conftest import start

FRA = "cycles/2026/countries/FRA"


def error_of(response):
    """Return the error object of a JSON error response, checking its shape."""
    data = response.get_json()
    assert response.mimetype == "application/json", response.data[:200]
    assert set(data) == {"error"}, data
    assert data["error"]["status"] == response.status_code
    assert data["error"]["message"]
    return data["error"]


def stored(assessment, item):
    return db.session.scalar(select(Answer).where(Answer.assessment_id == assessment.id, Answer.item_id == item))


# ---------------------------------------------------------------------------
# Authentication
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "Bearer",
        "Bearer ",
        "Basic Zm9vOmJhcg==",
        "Bearer thbq_not-a-real-token",
        "Bearer x" * 300,
    ],
    ids=["missing", "empty", "no-token", "blank-token", "basic", "unknown", "huge"],
)
def test_requests_without_a_valid_token_get_401_with_a_bearer_challenge(api, tokens, header):
    headers = {"Authorization": header} if header is not None else {}
    response = api.get("cycles", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith('Bearer realm="api"')
    assert "token" in error_of(response)["message"]


def test_a_sent_but_invalid_token_is_named_invalid_in_the_challenge(api):
    response = api.get("cycles", "thbq_" + "x" * 43)
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_a_revoked_token_no_longer_works(api, users, tokens):
    assert api.get("cycles", tokens["fra"]).status_code == 200
    row = db.session.scalar(select(ApiToken).where(ApiToken.user_id == users["fra"].id))
    row.revoked_at = utcnow()
    db.session.commit()
    assert api.get("cycles", tokens["fra"]).status_code == 401


def test_a_deactivated_account_s_token_no_longer_works(api, users, tokens):
    users["fra"].active = False
    db.session.commit()
    assert api.get("cycles", tokens["fra"]).status_code == 401


def test_a_signed_in_browser_cookie_without_a_token_gets_401(client, users, fra_draft):
    client.login("fra@example.org")
    assert client.get("/cycles/2026/countries/FRA/").status_code == 200  # the cookie works...
    for method, path in [
        ("GET", f"/api/v1/{FRA}/assessment"),
        ("PUT", f"/api/v1/{FRA}/answers/CL-2"),
        ("POST", f"/api/v1/{FRA}/submit"),
    ]:
        response = client.open(path, method=method, json={"version": 0, "rating": "full"})
        assert response.status_code == 401, (method, path)  # ...but not for the API
    assert services.find_assessment("2026", "FRA").status == "draft"
    assert stored(fra_draft, "CL-2") is None


def test_the_token_decides_who_acts_even_with_another_user_s_cookie(client, users, tokens, cycle):
    start(users, cycle, "DEU")
    client.login("fra@example.org")
    response = client.get(
        "/api/v1/cycles/2026/countries/DEU/assessment",
        headers={"Authorization": f"Bearer {tokens['deu']}"},
    )
    assert response.status_code == 200
    assert response.get_json()["country"]["iso3"] == "DEU"


def test_writes_need_no_csrf_token_because_only_bearer_tokens_are_accepted(api, tokens, fra_draft):
    response = api.put(f"{FRA}/answers/CL-2", tokens["fra"], {"version": 0, "rating": "partially"})
    assert response.status_code == 201


def test_the_openapi_document_needs_no_token(api):
    response = api.get("openapi.json")
    assert response.status_code == 200
    assert response.get_json()["openapi"].startswith("3.1")


# ---------------------------------------------------------------------------
# Catalogue and cycles
# ---------------------------------------------------------------------------


def test_catalogue_is_the_current_edition_with_its_hash(api, tokens, catalogue):
    data = api.get("catalogue", tokens["fra"]).get_json()
    assert data["hash"] == catalogue.hash
    assert [i["id"] for i in data["items"]] == [i.id for i in catalogue.items]
    assert [o["id"] for o in data["obligations"]] == [o.id for o in catalogue.obligations]
    for key in ("instruments", "scale", "sections", "strengths", "bands"):
        assert data[key], key


def test_catalogue_of_a_cycle_and_of_an_unknown_cycle(api, tokens, cycle, catalogue):
    assert api.get("catalogue?cycle=2026", tokens["fra"]).get_json()["hash"] == cycle.edition_hash
    response = api.get("catalogue?cycle=1999", tokens["fra"])
    assert response.status_code == 404
    assert "1999" in error_of(response)["message"]


def test_cycles_list_code_status_and_edition(api, tokens, cycle):
    services.close_cycle(services.create_cycle("2025"))
    data = api.get("cycles", tokens["reviewer"]).get_json()
    by_code = {c["code"]: c for c in data["cycles"]}
    assert by_code["2026"]["status"] == "open"
    assert by_code["2025"]["status"] == "closed"
    assert by_code["2025"]["closed_at"] is not None
    assert by_code["2026"]["edition"] == cycle.edition_hash


# ---------------------------------------------------------------------------
# Starting and reading an assessment
# ---------------------------------------------------------------------------


def test_start_is_idempotent_201_then_200(api, tokens, cycle):
    first = api.post(f"{FRA}/assessment", tokens["fra"])
    assert first.status_code == 201
    assert first.headers["Location"].endswith("/api/v1/cycles/2026/countries/FRA/assessment")
    assert first.get_json()["status"] == "draft"
    again = api.post("cycles/2026/countries/fra/assessment", tokens["fra"])
    assert again.status_code == 200
    assert again.get_json()["version"] == first.get_json()["version"]


def test_only_the_countrys_respondents_start_it_not_an_admin_nor_a_reviewer(api, tokens, cycle):
    for who in ("admin", "reviewer"):
        response = api.post("cycles/2026/countries/ITA/assessment", tokens[who])
        assert response.status_code == 404, who
        assert services.find_assessment("2026", "ITA") is None


def test_starting_in_a_closed_cycle_is_refused(api, tokens, cycle):
    services.close_cycle(cycle)
    response = api.post(f"{FRA}/assessment", tokens["fra"])
    assert response.status_code == 409
    assert "closed" in error_of(response)["message"]


def test_unknown_cycle_country_and_malformed_codes_answer_404(api, tokens, cycle):
    for path in [
        "cycles/1999/countries/FRA/assessment",
        "cycles/2026/countries/XXX/assessment",
        "cycles/2026/countries/FRANCE/assessment",
        "cycles/20%2026/countries/FRA/assessment",
        "cycles/2026%00/countries/FRA/assessment",
    ]:
        response = api.post(path, tokens["fra"])
        assert response.status_code == 404, path
        error_of(response)
    message = error_of(api.post("cycles/2026/countries/FRANCE/assessment", tokens["fra"]))["message"]
    assert message == "There is no country “FRANCE” (use an ISO 3166-1 alpha-3 code)."


def test_assessment_lists_status_version_progress_and_answers_in_catalogue_order(api, tokens, users, cycle, catalogue):
    start(users, cycle, "FRA", answers={"VP-1": "full", "CL-2": "none"})
    data = api.get("cycles/2026/countries/fra/assessment", tokens["fra"]).get_json()
    assert data["status"] == "draft"
    assert data["country"] == {"iso3": "FRA", "name": "France", "region": "Europe"}
    assert [a["item"] for a in data["answers"]] == ["CL-2", "VP-1"]
    assert all(a["version"] == 1 for a in data["answers"])
    assert data["progress"]["answered"] == 2
    assert data["progress"]["total"] == len(catalogue.items)
    assert data["can"] == {"edit": True, "submit": True, "review": False, "comment": True}


def test_another_country_s_respondent_gets_404_not_403(api, tokens, fra_draft):
    for method, path, body in [
        ("GET", f"{FRA}/assessment", None),
        ("GET", f"{FRA}/scores", None),
        ("GET", f"{FRA}/history", None),
        ("PUT", f"{FRA}/answers/CL-2", {"version": 0, "rating": "none"}),
        ("POST", f"{FRA}/submit", {}),
    ]:
        kwargs = {"body": body} if body is not None else {}
        response = api.call(method, path, tokens["deu"], **kwargs)
        assert response.status_code == 404, (method, path)
        assert "FRA" not in json.dumps(response.get_json())
    assert stored(fra_draft, "CL-2") is None


def test_a_draft_is_invisible_to_reviewers(api, tokens, fra_draft):
    assert api.get(f"{FRA}/assessment", tokens["reviewer"]).status_code == 404
    rows = api.get("cycles/2026/scores", tokens["reviewer"]).get_json()["rows"]
    assert rows == []


# ---------------------------------------------------------------------------
# Saving answers
# ---------------------------------------------------------------------------

FULL_ANSWER = {
    "rating": "largely",
    "description": "The Penal Code, article 225-4-1, defines the offence.",
    "legal_references": ["Code pénal, art. 225-4-1", "Loi n° 2013-711"],
    "evidence_links": ["https://www.legifrance.gouv.fr/codes/article_lc/LEGIARTI000027811072"],
    "assistance": {"requested": True, "kind": "legislative", "description": "Review of the draft."},
    "justification": "",
}


def test_put_creates_an_answer_201_then_updates_it_200(api, tokens, fra_draft):
    created = api.put(f"{FRA}/answers/CL-2", tokens["fra"], {**FULL_ANSWER, "version": 0})
    assert created.status_code == 201
    answer = created.get_json()
    assert answer["version"] == 1
    assert answer["assistance"] == FULL_ANSWER["assistance"]
    assert answer["legal_references"] == FULL_ANSWER["legal_references"]
    assert answer["updated_by"] == "fra@example.org"
    updated = api.put(f"{FRA}/answers/CL-2", tokens["fra"], {"version": 1, "rating": "full"})
    assert updated.status_code == 200
    assert updated.get_json()["version"] == 2
    row = stored(fra_draft, "CL-2")
    # Fields left out keep their saved value.
    assert (row.rating, row.description, row.assistance_kind) == (
        "full",
        FULL_ANSWER["description"],
        "legislative",
    )
    change = db.session.scalars(select(AnswerChange).where(AnswerChange.item_id == "CL-2")).all()
    assert [c.source for c in change] == ["api", "api"]


def test_put_of_unchanged_values_saves_nothing(api, tokens, fra_draft):
    response = api.put(f"{FRA}/answers/CL-1", tokens["fra"], {"version": 1, "rating": "largely"})
    assert response.status_code == 200
    assert response.get_json()["version"] == 1


def test_a_stale_version_gets_409_with_the_current_answer_and_saves_nothing(api, tokens, fra_draft):
    response = api.put(f"{FRA}/answers/CL-1", tokens["fra"], {"version": 0, "rating": "none"})
    assert response.status_code == 409
    error = error_of(response)
    assert error["item"] == "CL-1"
    assert error["based_on"] == 0
    assert error["current"]["rating"] == "largely"
    assert error["current"]["version"] == 1
    assert stored(fra_draft, "CL-1").rating == "largely"


def test_clearing_fields_with_empty_values(api, tokens, fra_draft):
    api.put(f"{FRA}/answers/CL-2", tokens["fra"], {**FULL_ANSWER, "version": 0})
    response = api.put(
        f"{FRA}/answers/CL-2",
        tokens["fra"],
        {
            "version": 1,
            "rating": None,
            "legal_references": [],
            "assistance": {"requested": False},
        },
    )
    answer = response.get_json()
    assert answer["rating"] is None
    assert answer["legal_references"] == []
    assert answer["assistance"] == {"requested": False, "kind": None, "description": ""}


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"version": 0, "rating": "excellent"}, {"rating"}),
        ({"version": 0, "rating": "not_applicable"}, {"justification"}),
        ({"version": 0, "evidence_links": ["javascript:alert(1)"]}, {"evidence_links"}),
        ({"version": 0, "evidence_links": ["ftp://example.org/x"]}, {"evidence_links"}),
        ({"version": 0, "assistance": {"requested": True}}, {"assistance.kind"}),
        (
            {"version": 0, "assistance": {"requested": True, "kind": "money", "description": "x"}},
            {"assistance.kind"},
        ),
        (
            {"version": 0, "assistance": {"requested": True, "kind": "legislative"}},
            {"assistance.description"},
        ),
        (
            {"version": 0, "assistance": {"requested": False, "kind": "legislative"}},
            {"assistance.kind"},
        ),
        (
            {"version": 0, "rating": "excellent", "evidence_links": ["nope"]},
            {"rating", "evidence_links"},
        ),
    ],
    ids=[
        "unknown-rating",
        "na-without-justification",
        "javascript-link",
        "ftp-link",
        "assistance-no-kind",
        "assistance-unknown-kind",
        "assistance-no-description",
        "assistance-kind-not-requested",
        "two-fields",
    ],
)
def test_rule_breaking_answers_get_422_naming_each_field(api, tokens, fra_draft, body, fields):
    response = api.put(f"{FRA}/answers/CL-2", tokens["fra"], body)
    assert response.status_code == 422
    error = error_of(response)
    assert set(error["errors"]) == fields
    assert stored(fra_draft, "CL-2") is None


def test_a_422_names_each_bad_field_by_its_path(api, tokens, fra_draft):
    body = {
        "version": -1,
        "rating": 3,
        "legal_references": ["Code pénal", 5, None],
        "evidence_links": "https://example.org",
        "assistance": {"requested": "yes", "colour": "blue"},
        "colour": "blue",
    }
    response = api.put(f"{FRA}/answers/CL-2", tokens["fra"], body)
    assert response.status_code == 422
    error = error_of(response)
    assert error["errors"] == {
        "version": "must be at least 0.",
        "rating": "must be text (a JSON string) or null.",
        "legal_references[1]": "must be text (a JSON string).",
        "legal_references[2]": "must be text (a JSON string).",
        "evidence_links": "must be a list (a JSON array).",
        "assistance.requested": "must be true or false.",
        "assistance.colour": "is not a known field (known fields: requested, kind, description).",
        "colour": (
            "is not a known field (known fields: version, rating, description, legal_references, "
            "evidence_links, assistance, justification)."
        ),
    }
    assert error["message"] == "8 fields need correcting; nothing was changed."
    assert stored(fra_draft, "CL-2") is None


@pytest.mark.parametrize(
    ("headers", "locale", "message", "field"),
    [
        ({"Accept-Language": "fr"}, None, "2 champs doivent être corrigés", "doit être un nombre entier."),
        ({"Accept-Language": "es"}, None, "2 campos deben corregirse", "debe ser un número entero."),
        ({"Accept-Language": "ar"}, None, "حقلان يحتاجان إلى تصحيح", "يجب أن يكون عددًا صحيحًا."),
        ({}, "fr", "2 champs doivent être corrigés", "doit être un nombre entier."),
        ({"Accept-Language": "es"}, "fr", "2 champs doivent être corrigés", "doit être un nombre entier."),
    ],
    ids=["accept-fr", "accept-es", "accept-ar", "user-fr", "user-fr-over-accept-es"],
)
def test_field_messages_speak_the_reader_s_language(api, tokens, users, fra_draft, headers, locale, message, field):
    users["fra"].locale = locale
    db.session.commit()
    body = {"version": "1", "description": "x" * 10_001}
    response = api.put(f"{FRA}/answers/CL-2", tokens["fra"], body, headers=headers)
    assert response.status_code == 422
    error = error_of(response)
    assert message in error["message"]
    assert error["errors"]["version"] == field
    assert "10" in error["errors"]["description"] and "001" in error["errors"]["description"]
    assert "at most" not in error["errors"]["description"]


def test_a_whole_number_written_as_a_float_is_a_version(api, tokens, fra_draft):
    response = api.put(f"{FRA}/answers/CL-2", tokens["fra"], {"version": 0.0, "rating": "full"})
    assert response.status_code == 201
    assert api.put(f"{FRA}/answers/CL-2", tokens["fra"], {"version": 1.5}).status_code == 422


def test_responses_are_what_their_models_serialise(api, tokens, users, cycle, fra_draft, catalogue):
    """Each body validates against its model, and serialising it again gives the very same JSON."""
    saved = api.put(f"{FRA}/answers/CL-2", tokens["fra"], {**FULL_ANSWER, "version": 0})
    api.post(f"{FRA}/items/CL-1/comments", tokens["fra"], {"body": "See the decree."})
    bodies = {
        api_schemas.Answer: saved,
        api_schemas.Assessment: api.get(f"{FRA}/assessment", tokens["fra"]),
        api_schemas.CycleList: api.get("cycles", tokens["fra"]),
        api_schemas.Catalogue: api.get("catalogue", tokens["fra"]),
        api_schemas.Scores: api.get(f"{FRA}/scores", tokens["fra"]),
        api_schemas.Comparison: api.get("cycles/2026/scores", tokens["fra"]),
        api_schemas.History: api.get(f"{FRA}/history", tokens["fra"]),
        api_schemas.CommentList: api.get(f"{FRA}/items/CL-1/comments", tokens["fra"]),
        api_schemas.Error: api.put(f"{FRA}/answers/CL-2", tokens["fra"], {"version": 0, "rating": "none"}),
    }
    for model, response in bodies.items():
        data = response.get_json()
        assert model.model_validate(data).as_json() == data, model.__name__
    # Values are written as before the models: times by isoformat(), whole numbers as integers.
    row = stored(fra_draft, "CL-2")
    assert saved.get_json()["updated_at"] == row.updated_at.isoformat()
    assert bodies[api_schemas.CycleList].get_json()["cycles"][0]["opened_at"] == cycle.opened_at.isoformat()
    served = bodies[api_schemas.Catalogue].get_json()
    assert served == {
        **json.loads(catalogue.to_json()),
        "hash": catalogue.hash,
        "language": "en",
        "translation": None,
        "unofficial_clauses": [],
    }
    values = [(s["value"], type(s["value"])) for s in served["scale"]]
    assert values == [(s["value"], type(s["value"])) for s in json.loads(catalogue.to_json())["scale"]]
    assert (100, int) in values  # not 100.0
    stale = error_of(bodies[api_schemas.Error])
    assert set(stale) == {"status", "message", "item", "based_on", "current"}


def test_na_with_a_justification_is_saved(api, tokens, fra_draft):
    body = {"version": 0, "rating": "not_applicable", "justification": "No peacekeepers deployed."}
    assert api.put(f"{FRA}/answers/CL-2", tokens["fra"], body).status_code == 201


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"rating": "full"}, "version", "required"),
        ({"version": "1"}, "version", "whole number"),
        ({"version": True}, "version", "whole number"),
        ({"version": -1}, "version", "at least 0"),
        ({"version": 0, "rating": 3}, "rating", "text"),
        ({"version": 0, "description": ["a"]}, "description", "text"),
        ({"version": 0, "legal_references": "Code pénal"}, "legal_references", "list"),
        ({"version": 0, "legal_references": ["ok", 5]}, "legal_references[1]", "text"),
        ({"version": 0, "evidence_links": [None]}, "evidence_links[0]", "text"),
        ({"version": 0, "assistance": "yes"}, "assistance", "object"),
        ({"version": 0, "assistance": {"kind": "legislative"}}, "assistance.requested", "required"),
        (
            {"version": 0, "assistance": {"requested": "yes"}},
            "assistance.requested",
            "true or false",
        ),
        ({"version": 0, "colour": "blue"}, "colour", "not a known field"),
        ({"version": 0, "description": "x" * 10_001}, "description", "at most 10,000 characters (it has 10,001)"),
        ({"version": 0, "legal_references": ["x"] * 51}, "legal_references", "at most 50 entries (it has 51)"),
        ({"version": 0, "evidence_links": ["x" * 2001]}, "evidence_links[0]", "at most 2,000 characters"),
        ({"version": 0, "rating": 3}, "rating", "or null"),
        ({"version": 0, "assistance": None}, "assistance", "object"),
        ({"version": 0, "description": None}, "description", "text"),
        ({"version": 0, "description": "\ud800"}, "description", "unpaired surrogate"),
        ({"version": 0, "assistance": {"requested": False, "urgent": True}}, "assistance.urgent", "requested, kind"),
    ],
)
def test_wrong_types_get_422_naming_the_field(api, tokens, fra_draft, body, field, words):
    response = api.put(f"{FRA}/answers/CL-2", tokens["fra"], body)
    assert response.status_code == 422
    error = error_of(response)
    assert field in error["errors"], error
    assert words in error["errors"][field]
    assert stored(fra_draft, "CL-2") is None


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ('{"version": 0,', "not valid JSON"),
        ("{'version': 0}", "not valid JSON"),
        ('{"version": NaN}', "not valid JSON"),
        (b'{"description": "\xff"}', "not UTF-8"),
        ("[" * 100_000 + "]" * 100_000, "not valid JSON"),
        ("", "Send a JSON object"),
    ],
    ids=["truncated", "single-quotes", "nan", "latin1", "deep", "empty"],
)
def test_malformed_json_gets_400_naming_the_problem(api, tokens, fra_draft, data, words):
    response = api.put(f"{FRA}/answers/CL-2", tokens["fra"], data=data, content_type="application/json")
    assert response.status_code == 400
    assert words in error_of(response)["message"]


def test_a_json_array_body_gets_422(api, tokens, fra_draft):
    response = api.put(f"{FRA}/answers/CL-2", tokens["fra"], [{"version": 0}])
    assert response.status_code == 422
    assert "object" in error_of(response)["message"]


def test_a_body_that_is_not_json_gets_415(api, tokens, fra_draft):
    response = api.put(
        f"{FRA}/answers/CL-2",
        tokens["fra"],
        data="version=0&rating=full",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 415
    assert "application/json" in error_of(response)["message"]


def test_a_body_over_the_size_limit_gets_413(app, api, tokens, fra_draft):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = api.put(f"{FRA}/answers/CL-2", tokens["fra"], {"version": 0, "description": "x" * 2000})
    assert response.status_code == 413
    error_of(response)


def test_an_unknown_item_gets_404(api, tokens, fra_draft):
    response = api.put(f"{FRA}/answers/XX-99", tokens["fra"], {"version": 0, "rating": "full"})
    assert response.status_code == 404
    assert "XX-99" in error_of(response)["message"]


def test_text_is_cleaned_as_in_the_browser(api, tokens, fra_draft):
    body = {
        "version": 0,
        "description": "  Cafe\u0301\x07 law  ",
        "legal_references": ["  ", "Art. 1 "],
    }
    answer = api.put(f"{FRA}/answers/CL-2", tokens["fra"], body).get_json()
    assert answer["description"] == "Café law"
    assert answer["legal_references"] == ["Art. 1"]


def test_a_reviewer_may_not_save_answers(api, tokens, users, cycle):
    start(users, cycle, "FRA", "submitted")
    response = api.put(f"{FRA}/answers/CL-2", tokens["reviewer"], {"version": 0, "rating": "full"})
    assert response.status_code == 403


def test_answers_of_a_closed_cycle_cannot_change(api, tokens, fra_draft, cycle):
    services.close_cycle(cycle)
    response = api.put(f"{FRA}/answers/CL-2", tokens["fra"], {"version": 0, "rating": "full"})
    assert response.status_code == 409
    assert "closed" in error_of(response)["message"]


# ---------------------------------------------------------------------------
# Lifecycle
# ---------------------------------------------------------------------------


def test_submit_return_resubmit_accept(api, tokens, fra_draft):
    response = api.post(f"{FRA}/submit", tokens["fra"], {"comment": "Done."})
    assert response.status_code == 200
    assert response.get_json()["status"] == "submitted"
    assert response.get_json()["can"]["edit"] is False

    no_comment = api.post(f"{FRA}/return", tokens["reviewer"], {})
    assert no_comment.status_code == 422
    assert "comment" in error_of(no_comment)["errors"]
    blank = api.post(f"{FRA}/return", tokens["reviewer"], {"comment": "   "})
    assert blank.status_code == 422
    assert "comment" in error_of(blank)["errors"]
    assert services.find_assessment("2026", "FRA").status == "submitted"

    returned = api.post(f"{FRA}/return", tokens["reviewer"], {"comment": "Cite the law for CL-1."})
    assert returned.get_json()["status"] == "returned"
    assert api.put(f"{FRA}/answers/CL-1", tokens["fra"], {"version": 1, "rating": "full"}).status_code == 200
    assert api.post(f"{FRA}/submit", tokens["fra"]).status_code == 200
    accepted = api.post(f"{FRA}/accept", tokens["admin"])
    assert accepted.status_code == 200
    assert accepted.get_json()["status"] == "accepted"
    again = api.post(f"{FRA}/accept", tokens["reviewer"])
    assert again.status_code == 409

    events = api.get(f"{FRA}/history", tokens["fra"]).get_json()["events"]
    assert [e["action"] for e in events] == [
        "started",
        "submitted",
        "returned",
        "submitted",
        "accepted",
    ]
    assert events[2]["comment"] == "Cite the law for CL-1."
    assert events[2]["user"] == "reviewer@example.org"


def test_a_respondent_cannot_accept_their_own_assessment(api, tokens, users, cycle):
    start(users, cycle, "FRA", "submitted")
    assert api.post(f"{FRA}/accept", tokens["fra"]).status_code == 403
    assert services.find_assessment("2026", "FRA").status == "submitted"


def test_transition_bodies_are_checked(api, tokens, fra_draft):
    response = api.post(f"{FRA}/submit", tokens["fra"], {"comment": 5, "urgent": True})
    assert response.status_code == 422
    assert set(error_of(response)["errors"]) == {"comment", "urgent"}
    assert services.find_assessment("2026", "FRA").status == "draft"


# ---------------------------------------------------------------------------
# Comments, history, scores
# ---------------------------------------------------------------------------


def test_comments_thread_between_reviewer_and_country(api, tokens, users, cycle):
    start(users, cycle, "FRA", "submitted")
    path = f"{FRA}/items/CL-1/comments"
    posted = api.post(path, tokens["reviewer"], {"body": "Which article?"})
    assert posted.status_code == 201
    assert posted.get_json()["author"] == "reviewer@example.org"
    assert api.post(path, tokens["fra"], {"body": "Article 225-4-1."}).status_code == 201
    thread = api.get(path, tokens["fra"]).get_json()
    assert [c["body"] for c in thread["comments"]] == ["Which article?", "Article 225-4-1."]
    assert [c["role"] for c in thread["comments"]] == ["reviewer", "respondent"]
    empty = api.post(path, tokens["fra"], {"body": ""})
    assert empty.status_code == 422
    assert "body" in error_of(empty)["errors"]
    assert api.get(f"{FRA}/items/XX-9/comments", tokens["fra"]).status_code == 404


def test_history_of_one_item(api, tokens, fra_draft):
    api.put(f"{FRA}/answers/CL-1", tokens["fra"], {"version": 1, "rating": "full"})
    api.put(f"{FRA}/answers/CL-2", tokens["fra"], {"version": 0, "rating": "none"})
    data = api.get(f"{FRA}/history?item=CL-1", tokens["fra"]).get_json()
    assert [(c["item"], c["version"]) for c in data["changes"]] == [("CL-1", 1), ("CL-1", 2)]
    assert data["changes"][1]["changes"] == {"rating": ["largely", "full"]}
    assert data["changes"][1]["source"] == "api"
    assert api.get(f"{FRA}/history?item=XX-1", tokens["fra"]).status_code == 404


def test_scores_follow_the_answers(api, tokens, fra_draft):
    before = api.get(f"{FRA}/scores", tokens["fra"]).get_json()
    assert before["country"] == "FRA"
    assert before["version"] == fra_draft.version
    api.put(
        f"{FRA}/answers/CL-2",
        tokens["fra"],
        {"version": 0, "rating": "full", "description": "In force."},
    )
    after = api.get(f"{FRA}/scores", tokens["fra"]).get_json()
    assert after["version"] == before["version"] + 1
    assert after["overall"] > before["overall"]
    assert after == {
        **services.scores_of(fra_draft),
        "cycle": "2026",
        "country": "FRA",
        "status": "draft",
        "version": after["version"],
    }


def test_cycle_scores_show_each_user_what_they_may_see(api, tokens, users, cycle):
    start(users, cycle, "FRA", "submitted", {"CL-1": "full"})
    start(users, cycle, "DEU", "draft", {"CL-1": "none"})
    countries = {
        name: [r["country"] for r in api.get("cycles/2026/scores", tokens[name]).get_json()["rows"]]
        for name in ("fra", "deu", "reviewer", "admin")
    }
    assert countries == {"fra": ["FRA"], "deu": ["DEU"], "reviewer": ["FRA"], "admin": ["FRA"]}


# ---------------------------------------------------------------------------
# Method errors
# ---------------------------------------------------------------------------


def test_a_wrong_method_gets_405_with_allow(api, tokens, fra_draft):
    response = api.call("DELETE", f"{FRA}/assessment", tokens["fra"])
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "POST"}
    error_of(response)


def test_an_unknown_api_address_gets_a_json_404(api, tokens):
    response = api.get("nothing/here", tokens["fra"])
    assert response.status_code == 404
    error_of(response)


def test_a_token_can_be_issued_for_every_role(app, users):
    for user in users.values():
        assert issue_token(user).startswith("thbq_")
    count = db.session.scalar(select(func.count()).select_from(ApiToken))
    assert count == len(users)
