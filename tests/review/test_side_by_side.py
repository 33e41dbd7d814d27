"""Two to five countries side by side, obligation by obligation."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select, update

from questionnaire import services
from questionnaire.catalogue_store import current_catalogue
from questionnaire.db import db
from questionnaire.models import Answer, Assessment, Country

from .conftest import countries

URL = "/cycles/2026/compare/countries"


@pytest.fixture
def six(world: Any) -> list[str]:
    """Six countries with submitted assessments in 2026, and a seventh with a draft."""
    codes = countries(7)
    world("2026", codes, status=lambda c: "draft" if c == codes[-1] else "submitted")
    return codes


def query(*codes: str) -> str:
    return URL + "?" + "&".join(f"country={c}" for c in codes)


def national_obligations() -> list[Any]:
    catalogue = current_catalogue()
    return [o for o in catalogue.obligations if o.items and catalogue.addressee_by_id[o.addressee].scope == "national"]


def test_two_countries_side_by_side_show_every_state_obligation_grouped_by_instrument(reviewer, six) -> None:  # type: ignore[no-untyped-def]
    first, second = six[0], six[1]
    html = reviewer.get(query(first, second)).get_data(as_text=True)
    catalogue = current_catalogue()
    obligations = national_obligations()
    assert html.count('<th scope="row" class="sbs__obligation">') == len(obligations)
    # grouped by instrument, in catalogue order
    headings = re.findall(r'<h2 id="instrument-([^"]+)">', html)
    assert headings == [i.id for i in catalogue.instruments if any(o.instrument == i.id for o in obligations)]
    # one cell per country and obligation, labelled with the country (for narrow screens)
    for code in (first, second):
        name = db.session.get(Country, code).name
        assert html.count(f'<td data-country="{name}">') == len(obligations)


def test_each_cell_has_the_obligation_score_and_the_ratings_and_descriptions_behind_it(reviewer, six) -> None:  # type: ignore[no-untyped-def]
    first, second, third = six[:3]
    html = reviewer.get(query(first, second, third)).get_data(as_text=True)
    catalogue = current_catalogue()
    cycle = services.find_cycle("2026")
    for code in (first, second, third):
        assessment = db.session.scalar(
            select(Assessment).where(Assessment.cycle_id == cycle.id, Assessment.country_iso3 == code)
        )
        scores = {o["id"]: o["score"] for o in services.scores_of(assessment)["obligations"]}
        answers = services.answers_of(assessment)
        name = assessment.country.name
        cells = re.findall(rf'<td data-country="{re.escape(name)}">(.*?)</td>', html, re.S)
        for obligation, cell in zip(national_obligations(), cells, strict=True):
            assert f">{scores[obligation.id]:.1f}<" in cell, (code, obligation.id)
            for item in obligation.items:
                answer = answers[item]
                assert f">{item}</a>" in cell
                assert f"<strong>{catalogue.level_by_id[answer.rating].label}</strong>" in cell
                assert answer.description in cell


def test_unanswered_items_say_so(reviewer, six) -> None:  # type: ignore[no-untyped-def]
    cycle = services.find_cycle("2026")
    target = db.session.scalar(
        select(Assessment.id).where(Assessment.cycle_id == cycle.id, Assessment.country_iso3 == six[0])
    )
    db.session.execute(
        update(Answer)
        .where(Answer.assessment_id == target, Answer.item_id == "CL-1")
        .values(rating=None, description="")
    )
    db.session.execute(update(Assessment).where(Assessment.id == target).values(version=Assessment.version + 1))
    db.session.commit()
    html = reviewer.get(query(six[0], six[1])).get_data(as_text=True)
    assert "Not answered" in html


def test_what_countries_typed_is_escaped(reviewer, six) -> None:  # type: ignore[no-untyped-def]
    cycle = services.find_cycle("2026")
    target = db.session.scalar(
        select(Assessment.id).where(Assessment.cycle_id == cycle.id, Assessment.country_iso3 == six[0])
    )
    db.session.execute(
        update(Answer).where(Answer.assessment_id == target).values(description='<script>alert("x")</script>')
    )
    db.session.commit()
    html = reviewer.get(query(six[0], six[1])).get_data(as_text=True)
    assert '<script>alert("x")</script>' not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html


@pytest.mark.parametrize("chosen", [1, 6])
def test_fewer_than_two_or_more_than_five_countries_are_refused_with_a_message(reviewer, six, chosen) -> None:  # type: ignore[no-untyped-def]
    response = reviewer.get(query(*six[:chosen]))
    html = response.get_data(as_text=True)
    assert f"Choose between 2 and 5 countries; you chose {chosen}." in html
    assert "sbs__obligation" not in html
    # the choice is kept in the form, to correct it
    for code in six[:chosen]:
        assert f'value="{code}" id="choose-{code}" checked' in html


def test_the_same_country_twice_counts_once(reviewer, six) -> None:  # type: ignore[no-untyped-def]
    html = reviewer.get(query(six[0], six[0].lower(), six[1])).get_data(as_text=True)
    assert html.count('<th scope="row" class="sbs__obligation">') == len(national_obligations())
    assert html.count('<td data-country="') == 2 * len(national_obligations())


def test_without_a_choice_the_page_offers_the_countries(reviewer, six) -> None:  # type: ignore[no-untyped-def]
    response = reviewer.get(URL)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "error-summary" not in html
    assert len(re.findall(r'name="country" value="[A-Z]{3}"', html)) == 6  # not the draft


def test_a_draft_and_a_country_without_assessment_get_the_same_answer(reviewer, six) -> None:  # type: ignore[no-untyped-def]
    draft = six[-1]
    nothing = next(c for c in countries(20) if c not in six)
    with_draft = reviewer.get(query(six[0], draft)).get_data(as_text=True)
    with_nothing = reviewer.get(query(six[0], nothing)).get_data(as_text=True)
    assert f"No submitted, returned or accepted assessment in cycle 2026 for: {draft}." in with_draft
    assert with_draft.replace(draft, "XXX") == with_nothing.replace(nothing, "XXX")
    assert db.session.get(Country, draft).name not in with_draft


def test_a_malformed_code_is_named(reviewer, six) -> None:  # type: ignore[no-untyped-def]
    html = reviewer.get(query(six[0], "F<b>R")).get_data(as_text=True)
    assert "Not a country code (use three letters, such as FRA): F&lt;b&gt;R." in html


def test_the_comparison_page_sends_its_ticked_countries_here(reviewer, six) -> None:  # type: ignore[no-untyped-def]
    html = reviewer.get("/cycles/2026/compare").get_data(as_text=True)
    assert f'<form method="get" action="{URL}" id="side-by-side-form"' in html
    assert len(re.findall(r'<input type="checkbox" name="country" value="[A-Z]{3}" id="pick-', html)) == 6
