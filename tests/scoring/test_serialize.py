"""What the API and the CLI print: JSON-ready dicts."""

from __future__ import annotations

import json

import pytest

from scoring import (
    CountryInput,
    compare,
    comparison_to_dict,
    score_assessment,
    score_scored,
    to_dict,
)
from scoring.rounding import round1, round_half_up


@pytest.fixture
def result(small_edition, answer):
    return score_assessment(
        small_edition,
        [
            answer("A1", "full"),
            answer("A2", "largely", description=""),
            answer("A3", "not_applicable", justification="No coastline."),
            answer("B1", "partially"),
        ],
    )


def test_result_dict_has_the_documented_structure(result):
    data = to_dict(result)
    assert list(data) == [
        "edition",
        "overall",
        "band",
        "uncapped_band",
        "capped_by",
        "sections",
        "instruments",
        "obligations",
        "items",
        "gaps",
        "flags",
        "counts",
    ]
    assert data["edition"] == "test-edition"
    assert (data["overall"], data["band"], data["uncapped_band"]) == (73.6, "D", "B")
    assert data["capped_by"] == ["O2"]
    assert data["sections"] == [
        {"id": "S1", "title": "Section S1", "score": 93.8},
        {"id": "S2", "title": "Section S2", "score": 33.3},
    ]
    assert data["instruments"][0] == {"id": "I1", "title": "Instrument I1", "score": 62.5}
    assert data["obligations"][4] == {
        "id": "O5",
        "instrument": "I2",
        "paragraph": "I2 op. 5",
        "weight": 3.0,
        "core": False,
        "scored": False,
        "score": None,
        "items": [],
    }
    assert data["items"][1] == {
        "id": "A2",
        "section": "S1",
        "rating": "largely",
        "status": "rated",
        "value": 75.0,
        "flags": ["unsupported"],
    }
    assert data["gaps"][0] == {
        "rank": 1,
        "obligation": "O2",
        "instrument": "I1",
        "paragraph": "I1 op. 2",
        "score": 25.0,
        "shortfall": 75.0,
        "weight": 2.0,
        "priority": 150.0,
        "core": True,
        "critical": True,
        "items": ["B1", "B2"],
    }
    assert data["flags"] == {
        "unsupported": ["A2"],
        "missing": ["B2"],
        "unjustified_not_applicable": [],
    }
    assert data["counts"] == {
        "gaps": 3,
        "critical_gaps": 1,
        "missing": 1,
        "unsupported": 1,
        "unjustified_not_applicable": 0,
    }


def test_result_dict_is_json_ready(result):
    data = to_dict(result)
    assert json.loads(json.dumps(data, allow_nan=False)) == data


def test_figures_are_rounded_half_away_from_zero_to_one_decimal():
    assert round1(6.25) == 6.3  # round() would give 6.2
    assert round1(93.75) == 93.8
    assert round1(200 / 3) == 66.7
    assert round1(-0.04) == 0.0 and str(round1(-0.04)) == "0.0"
    assert round1(-2.25) == -2.3
    assert round_half_up(2.675, 2) == 2.68


def test_comparison_dict_has_rows_global_and_regional_means(edition_factory, answer):
    previous = edition_factory({"X": "S1", "W": "S2"}, [("O1", "I", 1, False, ("X", "W"))])
    current = edition_factory({"X": "S1", "Y": "S2"}, [("O1", "I", 1, False, ("X", "Y"))])
    countries = [
        CountryInput(
            "KEN",
            "Africa",
            score_scored(current, [answer("X", "full"), answer("Y", "none")]),
            score_scored(previous, [answer("X", "partially")]),
        ),
        CountryInput("FRA", "Europe", score_scored(current, [answer("X", "initial")])),
    ]
    data = comparison_to_dict(compare(countries))
    assert json.loads(json.dumps(data, allow_nan=False)) == data
    assert list(data) == ["rows", "global_means", "regional_means"]
    ken, fra = data["rows"]
    assert ken == {
        "country": "KEN",
        "region": "Africa",
        "rank": 1,
        "overall": 50.0,
        "band": "C",
        "sections": [
            {"id": "S1", "title": "Section S1", "score": 100.0},
            {"id": "S2", "title": "Section S2", "score": 0.0},
        ],
        "gaps": 1,
        "critical_gaps": 0,
        "missing": 0,
        "unsupported": 0,
        "change": {
            "overall": 50.0,
            "sections": [
                {"id": "S1", "title": "Section S1", "score": 50.0},
                {"id": "S2", "title": "Section S2", "score": None},
            ],
            "shared_items": 1,
        },
    }
    assert (fra["rank"], fra["overall"], fra["change"]) == (2, 12.5, None)
    assert data["global_means"][-1] == {"id": "overall", "title": "Overall", "score": 31.3}
    assert [r["region"] for r in data["regional_means"]] == ["Africa", "Europe"]
    assert data["regional_means"][1]["means"][0] == {
        "id": "S1",
        "title": "Section S1",
        "score": 25.0,
    }
