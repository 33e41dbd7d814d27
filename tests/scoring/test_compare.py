"""Comparison of countries, change since the previous cycle, and `restrict`."""

from __future__ import annotations

import pytest

from scoring import (
    AreaScore,
    CountryInput,
    Flags,
    Result,
    Scored,
    compare,
    restrict,
    score_assessment,
    score_scored,
)


def fabricated(edition, overall: float | None, sections: dict[str, float | None]) -> Scored:  # noqa: ANN001
    """A Scored whose result is made up: ranking and means only read the result."""
    result = Result(
        edition=edition.hash,
        overall=overall,
        band=None,
        uncapped_band=None,
        capped_by=(),
        sections=tuple(AreaScore(s, f"Section {s}", v) for s, v in sections.items()),
        instruments=(),
        obligations=(),
        items=(),
        gaps=(),
        flags=Flags(),
    )
    return Scored(edition=edition, answers=(), result=result)


@pytest.fixture
def two_sections(edition_factory):
    return edition_factory(
        {"X": "S1", "Y": "S2"},
        [("O1", "I", 1, False, ("X",)), ("O2", "I", 1, False, ("Y",))],
    )


def ranking(comparison) -> list[tuple[str, int | None]]:  # noqa: ANN001
    return [(row.country, row.rank) for row in comparison.rows]


def test_countries_are_ranked_by_overall_with_competition_ranking(two_sections):
    countries = [
        CountryInput("DDD", "Europe", fabricated(two_sections, 75.0, {})),
        CountryInput("BBB", "Europe", fabricated(two_sections, 79.96, {})),
        CountryInput("EEE", "Europe", fabricated(two_sections, None, {})),
        CountryInput("CCC", "Europe", fabricated(two_sections, 75.0, {})),
        CountryInput("AAA", "Europe", fabricated(two_sections, 80.04, {})),
        CountryInput("FFF", "Europe", fabricated(two_sections, 60.0, {})),
    ]
    # 80.04 and 79.96 are both 80.0 to one decimal: they share rank 1.
    assert ranking(compare(countries)) == [
        ("AAA", 1),
        ("BBB", 1),
        ("CCC", 3),
        ("DDD", 3),
        ("FFF", 5),
        ("EEE", None),
    ]


def test_ties_are_ordered_by_country_code_whatever_the_input_order(two_sections):
    countries = [CountryInput(code, "Africa", fabricated(two_sections, 50.0, {})) for code in ("ZWE", "AGO", "KEN")]
    assert ranking(compare(countries)) == [("AGO", 1), ("KEN", 1), ("ZWE", 1)]
    assert ranking(compare(reversed(countries))) == ranking(compare(countries))


def test_countries_without_overall_come_last_unranked(two_sections):
    countries = [
        CountryInput("BBB", "Asia", fabricated(two_sections, None, {})),
        CountryInput("AAA", "Asia", fabricated(two_sections, None, {})),
        CountryInput("CCC", "Asia", fabricated(two_sections, 0.0, {})),
    ]
    assert ranking(compare(countries)) == [("CCC", 1), ("AAA", None), ("BBB", None)]


def test_a_country_listed_twice_is_an_error(two_sections):
    scored = fabricated(two_sections, 50.0, {})
    with pytest.raises(ValueError, match="AAA"):
        compare([CountryInput("AAA", "Asia", scored), CountryInput("AAA", "Asia", scored)])


def test_row_reports_overall_band_sections_and_counts(edition_factory, answer):
    edition = edition_factory(
        {"X": "S1", "Y": "S2", "Z": "S2"},
        [
            ("O1", "I", 3, True, ("X",)),
            ("O2", "I", 1, False, ("Y",)),
            ("O3", "I", 1, False, ("Z",)),
        ],
    )
    scored = score_scored(edition, [answer("X", "initial"), answer("Y", "full", description="")])
    (row,) = compare([CountryInput("KEN", "Africa", scored)]).rows
    result = scored.result
    assert (row.country, row.region, row.rank) == ("KEN", "Africa", 1)
    assert (row.overall, row.band) == (result.overall, result.band)
    assert row.sections == result.sections
    assert (row.gaps, row.critical_gaps, row.missing, row.unsupported) == (2, 1, 1, 1)
    assert row.change is None


def test_global_means_are_plain_means_over_countries_with_a_score(two_sections):
    countries = [
        CountryInput("AAA", "Asia", fabricated(two_sections, 90.0, {"S1": 80.0, "S2": None})),
        CountryInput("BBB", "Asia", fabricated(two_sections, 60.0, {"S1": 40.0, "S2": None})),
        CountryInput("CCC", "Asia", fabricated(two_sections, None, {"S1": None, "S2": None})),
    ]
    means = compare(countries).global_means
    assert means == (
        AreaScore("S1", "Section S1", 60.0),
        AreaScore("S2", "Section S2", None),
        AreaScore("overall", "Overall", 75.0),
    )


def test_regional_means_are_per_region_sorted_by_name(two_sections):
    countries = [
        CountryInput("AAA", "Oceania", fabricated(two_sections, 90.0, {"S1": 90.0, "S2": 10.0})),
        CountryInput("BBB", "Africa", fabricated(two_sections, 60.0, {"S1": 40.0, "S2": 20.0})),
        CountryInput("CCC", "Africa", fabricated(two_sections, 40.0, {"S1": 20.0, "S2": None})),
    ]
    regional = dict(compare(countries).regional_means)
    assert list(regional) == ["Africa", "Oceania"]
    assert [a.score for a in regional["Africa"]] == [30.0, 20.0, 50.0]
    assert [a.score for a in regional["Oceania"]] == [90.0, 10.0, 90.0]
    assert [a.id for a in regional["Africa"]] == ["S1", "S2", "overall"]


def test_empty_comparison_has_no_rows_and_no_means():
    comparison = compare([])
    assert comparison.rows == () and comparison.regional_means == ()
    assert comparison.global_means == (AreaScore("overall", "Overall", None),)


# Change since the previous cycle --------------------------------------------------


@pytest.fixture
def cycles(edition_factory):
    """The previous edition had W; the current one dropped W and added Z."""
    previous = edition_factory(
        {"X": "S1", "Y": "S2", "W": "S2"},
        [("O1", "I", 2, False, ("X",)), ("O2", "I", 1, True, ("Y", "W"))],
        hash="previous",
    )
    current = edition_factory(
        {"X": "S1", "Y": "S2", "Z": "S1"},
        [
            ("O1", "I", 2, False, ("X", "Z")),
            ("O2", "I", 1, True, ("Y",)),
            ("O3", "I", 3, False, ("Z",)),
        ],
        hash="current",
    )
    return previous, current


def test_change_is_measured_on_the_items_both_cycles_share(cycles, answer):
    previous, current = cycles
    before = score_scored(previous, [answer("X", "initial"), answer("Y", "partially"), answer("W", "full")])
    now = score_scored(current, [answer("X", "largely"), answer("Y", "full"), answer("Z", "none")])
    (row,) = compare([CountryInput("KEN", "Africa", now, before)]).rows
    change = row.change
    assert change is not None
    assert change.shared_items == 2  # X and Y
    # On X and Y only, both editions reduce to O1 = X (w 2) and O2 = Y (w 1); O3 is
    # left without items.  Now: (2·75 + 1·100)/3; before: (2·25 + 1·50)/3.
    assert change.overall == pytest.approx(250 / 3 - 100 / 3)
    assert change.sections == (
        AreaScore("S1", "Section S1", pytest.approx(75.0 - 25.0)),
        AreaScore("S2", "Section S2", pytest.approx(100.0 - 50.0)),
    )
    # The row itself still shows the full current result.
    assert row.overall == now.result.overall


def test_change_is_none_where_either_side_has_no_score(cycles, answer):
    previous, current = cycles
    before = score_scored(previous, [answer("X", "not_applicable", justification="n/a"), answer("Y", "none")])
    now = score_scored(current, [answer("X", "full"), answer("Y", "full")])
    (row,) = compare([CountryInput("KEN", "Africa", now, before)]).rows
    assert row.change is not None
    assert [s.score for s in row.change.sections] == [None, 100.0]


def test_change_ignores_answers_to_items_the_other_cycle_lacks(cycles, answer):
    previous, current = cycles
    before = score_scored(previous, [answer("W", "none"), answer("X", "full")])
    now = score_scored(current, [answer("Z", "full"), answer("X", "full")])
    (row,) = compare([CountryInput("KEN", "Africa", now, before)]).rows
    assert row.change is not None
    assert row.change.overall == 0.0  # X full and Y missing on both sides


def test_score_scored_keeps_edition_answers_and_result(small_edition, answer):
    answers = [answer("A1", "full"), answer("B1", "none")]
    scored = score_scored(small_edition, iter(answers))
    assert scored.edition is small_edition
    assert scored.answers == tuple(answers)
    assert scored.result == score_assessment(small_edition, answers)


# restrict -------------------------------------------------------------------------------


def test_restrict_removes_items_everywhere_and_unscores_emptied_obligations(small_edition):
    reduced = restrict(small_edition, ["A1", "B2", "NOT-IN-EDITION"])
    assert [i.id for i in reduced.items] == ["A1", "B2"]
    assert {o.id: o.items for o in reduced.obligations} == {
        "O1": ("A1",),
        "O2": ("B2",),
        "O3": (),
        "O4": ("A1",),
        "O5": (),
    }
    assert not next(o for o in reduced.obligations if o.id == "O3").scored
    assert reduced.sections == small_edition.sections
    assert reduced.instruments == small_edition.instruments
    assert reduced.method == small_edition.method
    assert reduced.hash != small_edition.hash


def test_restrict_to_every_item_keeps_the_edition(small_edition):
    same = restrict(small_edition, [i.id for i in small_edition.items])
    assert same == small_edition


def test_restricted_hash_depends_only_on_the_items_kept(small_edition):
    assert restrict(small_edition, ["B2", "A1"]).hash == restrict(small_edition, ["A1", "B2"]).hash
    assert restrict(small_edition, ["A1"]).hash != restrict(small_edition, ["A1", "B2"]).hash
