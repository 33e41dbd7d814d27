"""Demand for technical assistance: the use case, the page, its exports and the API."""

from __future__ import annotations

import csv
import io
from collections import Counter
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, update

from questionnaire import auth, services
from questionnaire.catalogue_store import current_catalogue
from questionnaire.db import db
from questionnaire.models import Answer, Assessment, Country, User
from questionnaire.services import assistance
from questionnaire.services.errors import Forbidden

from .conftest import countries

KINDS = ("legislative", "training", "equipment", "data", "victim_services", "cooperation")
STATES = ("submitted", "returned", "accepted", "draft")


def asked(iso3: str, item: str) -> str | None:
    """A fixed, uneven pattern of requests: some items of some countries, of several kinds."""
    number = sum(map(ord, iso3 + item))
    return KINDS[number % len(KINDS)] if number % 5 == 0 else None


@pytest.fixture
def eight(world: Any) -> list[str]:
    """Eight countries in 2026, two in each state (the drafts ask for assistance too)."""
    codes = countries(8)
    world("2026", codes, status=lambda c: STATES[codes.index(c) % 4], assistance=asked)
    return codes


def expected(codes: list[str], region: str | None = None, kind: str | None = None) -> list[tuple[str, str, str]]:
    """The (country, item, kind) of every request a reviewer may see, computed from the pattern."""
    regions = {c.iso3: c.region for c in db.session.scalars(select(Country).where(Country.iso3.in_(codes)))}
    visible = [c for c in codes if STATES[codes.index(c) % 4] != "draft"]
    found = []
    for iso3 in visible:
        for item in current_catalogue().items:
            wanted = asked(iso3, item.id)
            if wanted and (region is None or regions[iso3] == region) and (kind is None or wanted == kind):
                found.append((iso3, item.id, wanted))
    return sorted(found)


def reviewer_user() -> User:
    found = db.session.scalar(select(User).where(User.email == "reviewer@example.org"))
    assert found is not None
    return found


def test_every_visible_request_is_counted_once_and_drafts_never(users: Any, eight: list[str]) -> None:
    cycle = services.find_cycle("2026")
    demand = assistance.assistance_demand(reviewer_user(), cycle)
    got = sorted((r.iso3, r.item, r.kind) for r in demand.requests)
    assert got == expected(eight) and got, "the requests of submitted, returned and accepted assessments"
    drafts = {c for c in eight if STATES[eight.index(c) % 4] == "draft"}
    assert not drafts & {r.iso3 for r in demand.requests}
    catalogue = current_catalogue()
    # Totals: every kind and section of the catalogue, in its order, 0 where nothing was asked.
    assert list(demand.by_kind) == [k.id for k in catalogue.assistance_kinds]
    assert list(demand.by_section) == [s.id for s in catalogue.sections]
    assert demand.by_kind == {k.id: sum(1 for r in got if r[2] == k.id) for k in catalogue.assistance_kinds}
    sections = Counter(catalogue.item_by_id[item].section for _, item, _ in got)
    assert demand.by_section == {s.id: sections.get(s.id, 0) for s in catalogue.sections}
    assert sum(demand.by_region.values()) == len(got)
    assert demand.countries == len({iso3 for iso3, _, _ in got})
    # Each request names the clauses its item assesses.
    for request in demand.requests:
        assert request.obligations == tuple(catalogue.item_by_id[request.item].obligations)
        assert request.description == f"{request.iso3} needs {request.kind} for {request.item}."
    # The operator (user None) sees the same; the order is by country name, then section and item.
    assert assistance.assistance_demand(None, cycle) == demand
    names = [r.country for r in demand.requests]
    assert names == sorted(names, key=services.review.name_key)


def test_filters_by_region_and_kind(users: Any, eight: list[str]) -> None:
    cycle = services.find_cycle("2026")
    regions = {r.region for r in assistance.assistance_demand(None, cycle).requests}
    for region in regions:
        for kind in (None, "training"):
            demand = assistance.assistance_demand(None, cycle, region=region, kind=kind)
            assert sorted((r.iso3, r.item, r.kind) for r in demand.requests) == expected(eight, region, kind)
            assert set(demand.by_region) <= {region}


def test_unknown_filters_and_other_people_are_refused(users: Any, eight: list[str]) -> None:
    cycle = services.find_cycle("2026")
    with pytest.raises(assistance.InvalidFilter) as refused:
        assistance.assistance_demand(None, cycle, region="Atlantis", kind="magic")
    assert set(refused.value.errors) == {"region", "kind"}
    assert "Atlantis" in refused.value.errors["region"] and "Europe" in refused.value.errors["region"]
    assert "magic" in refused.value.errors["kind"] and "training" in refused.value.errors["kind"]
    respondent = db.session.scalar(select(User).where(User.email == "fra@example.org"))
    with pytest.raises(Forbidden):
        assistance.assistance_demand(respondent, cycle)


def test_the_page_lists_requests_with_labels_totals_and_links(reviewer: Any, eight: list[str]) -> None:
    response = reviewer.get("/cycles/2026/assistance")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    want = expected(eight)
    assert html.count('<td class="nowrap"><a href="/catalogue/#item-') == len(want)
    assert "Training and capacity building" in html  # the kind's label, not its id
    assert 'href="/cycles/2026/compare"' in html
    assert 'href="/cycles/2026/assistance/export.csv"' in html
    # The comparison page links here.
    assert 'href="/cycles/2026/assistance"' in reviewer.get("/cycles/2026/compare").get_data(as_text=True)
    # Filtered: the export links keep the filters.
    filtered = reviewer.get("/cycles/2026/assistance?kind=training").get_data(as_text=True)
    assert filtered.count('<td class="nowrap"><a href="/catalogue/#item-') == len(expected(eight, kind="training"))
    assert "/cycles/2026/assistance/export.xlsx?kind=training" in filtered


def test_the_page_says_what_is_wrong_with_a_filter(reviewer: Any, eight: list[str]) -> None:
    response = reviewer.get("/cycles/2026/assistance?region=%3Cb%3EAtlantis&kind=magic")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "&lt;b&gt;Atlantis" in html and "<b>Atlantis" not in html
    assert "is not a region" in html and "is not a kind of assistance" in html
    assert reviewer.get("/cycles/2026/assistance/export.csv?kind=magic").status_code == 400


def test_the_page_in_french_uses_the_catalogue_translations(reviewer: Any, eight: list[str]) -> None:
    reviewer.post_form("/language", {"lang": "fr", "next": "/"}, page="/")
    html = reviewer.get("/cycles/2026/assistance").get_data(as_text=True)
    assert "Formation et renforcement des capacités" in html
    assert "Protection des victimes et assistance aux victimes" in html


def test_respondents_get_not_found(make_client: Any, users: Any, eight: list[str]) -> None:
    client = make_client()
    client.login("fra@example.org")
    assert client.get("/cycles/2026/assistance").status_code == 404
    assert client.get("/cycles/2026/assistance/export.csv").status_code == 404


def test_exports_neutralise_formulas(reviewer: Any, eight: list[str]) -> None:
    visible = [c for c in eight if STATES[eight.index(c) % 4] != "draft"]
    target = db.session.scalar(
        select(Answer.id)
        .join(Assessment, Answer.assessment_id == Assessment.id)
        .where(Assessment.country_iso3.in_(visible), Answer.assistance_kind.is_not(None))
        .limit(1)
    )
    db.session.execute(update(Answer).where(Answer.id == target).values(assistance_description="=HYPERLINK(1)"))
    db.session.commit()
    response = reviewer.get("/cycles/2026/assistance/export.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][0] == "country" and len(rows) == 1 + len(expected(eight))
    assert "'=HYPERLINK(1)" in [r[-1] for r in rows]
    response = reviewer.get("/cycles/2026/assistance/export.xlsx?kind=")
    sheet = load_workbook(io.BytesIO(response.get_data()))["Assistance"]
    cells = [c for row in sheet.iter_rows() for c in row if c.value == "=HYPERLINK(1)"]
    assert cells and all(c.data_type == "s" for c in cells)
    assert reviewer.get("/cycles/2026/assistance/export.json").status_code == 404


def token_for(email: str) -> dict[str, str]:
    user = db.session.scalar(select(User).where(User.email == email))
    assert user is not None
    return {"Authorization": f"Bearer {auth.issue_token(user)}"}


def test_the_api_answers_as_the_page(client: Any, users: Any, eight: list[str]) -> None:
    headers = token_for("reviewer@example.org")
    response = client.get("/api/v1/cycles/2026/assistance?kind=training", headers=headers)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["kind"] == "training" and body["region"] is None
    assert sorted((r["iso3"], r["item"], r["kind"]) for r in body["requests"]) == expected(eight, kind="training")
    assert {r["kind_label"] for r in body["requests"]} <= {"Training and capacity building"}
    refused = client.get("/api/v1/cycles/2026/assistance?region=Atlantis", headers=headers)
    assert refused.status_code == 422 and "region" in refused.get_json()["error"]["errors"]
    unknown = client.get("/api/v1/cycles/2026/assistance?colour=red", headers=headers)
    assert unknown.status_code == 422 and "colour" in unknown.get_json()["error"]["errors"]
    respondent = client.get("/api/v1/cycles/2026/assistance", headers=token_for("fra@example.org"))
    assert respondent.status_code == 403
    document = client.get("/api/v1/openapi.json").get_json()
    operation = document["paths"]["/api/v1/cycles/{cycle}/assistance"]["get"]
    assert operation["operationId"] == "getAssistance"
    assert "AssistanceDemand" in document["components"]["schemas"]
