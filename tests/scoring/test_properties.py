"""Properties of the method, checked on random editions and answers (hypothesis)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from scoring import (
    NOT_APPLICABLE,
    Answer,
    Area,
    Band,
    Edition,
    ItemSpec,
    Method,
    ObligationSpec,
    RatingLevel,
    Result,
    restrict,
    score_assessment,
)

EPS = 1e-9
TEXTS = st.sampled_from(["", "  ", "Applied nationwide since 2019."])


@st.composite
def methods(draw: st.DrawFn) -> Method:
    values = draw(st.lists(st.integers(0, 100), min_size=1, max_size=5, unique=True))
    values.sort(reverse=True)
    scale = [RatingLevel(f"r{v}", f"{v}", float(v), needs_support=draw(st.booleans())) for v in values]
    scale.insert(draw(st.integers(0, len(scale))), RatingLevel("na", "Not applicable", None))
    mins = draw(st.lists(st.integers(1, 100), max_size=4, unique=True))
    mins = sorted(mins, reverse=True) + [0]
    bands = tuple(Band(f"B{k}", "", float(m)) for k, m in enumerate(mins))
    return Method(
        scale=tuple(scale),
        bands=bands,
        core_threshold=draw(st.sampled_from([0, 25, 50, 62.5, 100])),
        core_band_cap=draw(st.sampled_from([b.id for b in bands])),
        critical_priority=draw(st.sampled_from([0, 50, 150, 1000])),
    )


@st.composite
def editions(draw: st.DrawFn) -> Edition:
    sections = [f"S{k}" for k in range(draw(st.integers(1, 3)))]
    instruments = [f"I{k}" for k in range(draw(st.integers(1, 2)))]
    item_ids = [f"Q{k}" for k in range(draw(st.integers(1, 7)))]
    obligations = []
    for k in range(draw(st.integers(1, 6))):
        items = draw(st.lists(st.sampled_from(item_ids), max_size=4, unique=True))
        obligations.append(
            ObligationSpec(
                id=f"O{k}",
                instrument=draw(st.sampled_from(instruments)),
                paragraph=str(k + 1),
                weight=draw(st.sampled_from([0.5, 1, 1.7, 2, 3])),
                core=draw(st.booleans()),
                items=tuple(items),
            )
        )
    return Edition(
        hash="random",
        method=draw(methods()),
        sections=tuple(Area(s, s) for s in sections),
        instruments=tuple(Area(i, i) for i in instruments),
        items=tuple(ItemSpec(i, draw(st.sampled_from(sections))) for i in item_ids),
        obligations=tuple(obligations),
    )


@st.composite
def answer_sets(draw: st.DrawFn, edition: Edition) -> list[Answer]:
    ratings = [None] + [s.id for s in edition.method.scale]
    answers = []
    for item in edition.items:
        if draw(st.booleans()) and draw(st.booleans()):
            continue  # no answer at all
        answers.append(
            Answer(
                item=item.id,
                rating=draw(st.sampled_from(ratings)),
                description=draw(TEXTS),
                legal_references=tuple(draw(st.lists(TEXTS, max_size=2))),
                justification=draw(TEXTS),
            )
        )
    return draw(st.permutations(answers))


@st.composite
def assessments(draw: st.DrawFn) -> tuple[Edition, list[Answer]]:
    edition = draw(editions())
    return edition, draw(answer_sets(edition))


def all_scores(result: Result) -> dict[str, float | None]:
    """Every score of a result, keyed by level and id."""
    scores: dict[str, float | None] = {"overall": result.overall}
    scores.update({f"section {s.id}": s.score for s in result.sections})
    scores.update({f"instrument {i.id}": i.score for i in result.instruments})
    scores.update({f"obligation {o.obligation}": o.score for o in result.obligations})
    return scores


def scores_only(result: Result) -> dict[str, Any]:
    """What a result says about the country, leaving out the per-item detail."""
    return {
        "scores": all_scores(result),
        "band": (result.band, result.uncapped_band, result.capped_by),
        "gaps": [(g.rank, g.obligation, g.priority, g.critical, g.items) for g in result.gaps],
    }


def close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return abs(a - b) <= EPS * max(1.0, abs(a), abs(b))


@given(assessments())
def test_every_score_is_between_0_and_100(case: tuple[Edition, list[Answer]]) -> None:
    edition, answers = case
    result = score_assessment(edition, answers)
    for name, score in all_scores(result).items():
        assert score is None or -EPS <= score <= 100 + EPS, name
    for gap in result.gaps:
        assert 0 < gap.shortfall <= 100 + EPS
        assert gap.priority >= 0


@given(assessments(), st.data())
def test_raising_one_rating_never_lowers_any_score(case: tuple[Edition, list[Answer]], data: st.DataObject) -> None:
    edition, answers = case
    before = score_assessment(edition, answers)
    # Items that count (rated, missing, unjustified N/A) and a step worth more.
    counting = [i for i in before.items if i.value is not None]
    assume(counting)
    target = data.draw(st.sampled_from(counting))
    higher = [
        s.id
        for s in edition.method.scale
        if s.value is not None and target.value is not None and s.value > target.value
    ]
    assume(higher)
    rating = data.draw(st.sampled_from(higher))
    others = [a for a in answers if a.item != target.item]
    old = next((a for a in answers if a.item == target.item), Answer(target.item))
    after = score_assessment(edition, [*others, replace(old, rating=rating)])

    old_scores, new_scores = all_scores(before), all_scores(after)
    for name, score in old_scores.items():
        new = new_scores[name]
        assert (score is None) == (new is None), name
        if score is not None and new is not None:
            assert new >= score - EPS, (name, score, new)


@given(assessments(), st.data())
def test_justified_not_applicable_is_the_same_as_leaving_the_item_out_of_the_catalogue(
    case: tuple[Edition, list[Answer]], data: st.DataObject
) -> None:
    """Marking item x justified N/A scores exactly like the edition without x.

    Precisely, with A the answers and A' the same answers with x justified N/A:
    - every obligation that does not assess x keeps its score exactly;
    - an obligation that assesses x and counted it with value v over n items
      moves to (n·s − v) / (n − 1), or drops out (None) when n = 1;
    - the overall is the weighted mean of those adjusted obligation scores,
      i.e. x's contribution is removed and nothing else changes;
    - and every score, the band and the gaps equal those of
      `restrict(edition, items − {x})` scored on the other answers.
    Reading it backwards covers removing a justified N/A.
    """
    edition, answers = case
    target = data.draw(st.sampled_from([i.id for i in edition.items]))
    na = next(s.id for s in edition.method.scale if s.value is None)
    others = [a for a in answers if a.item != target]
    marked = [*others, Answer(target, na, justification="Not relevant to this country.")]

    before = score_assessment(edition, answers)
    after = score_assessment(edition, marked)
    assert next(i for i in after.items if i.item == target).status == NOT_APPLICABLE

    values = {i.item: i.value for i in before.items}
    x_value = values[target]
    adjusted: dict[str, tuple[float, float | None]] = {}
    for spec, old, new in zip(edition.obligations, before.obligations, after.obligations, strict=True):
        if target not in spec.items or x_value is None:
            assert new.score == old.score, spec.id
            expected = old.score
        else:
            assert old.score is not None
            n = sum(1 for i in spec.items if values[i] is not None)
            expected = None if n == 1 else (n * old.score - x_value) / (n - 1)
            assert close(new.score, expected), (spec.id, new.score, expected)
        if spec.items:
            adjusted[spec.id] = (spec.weight, expected)
    counted = [(w, s) for w, s in adjusted.values() if s is not None]
    expected_overall = sum(w * s for w, s in counted) / sum(w for w, _ in counted) if counted else None
    assert close(after.overall, expected_overall)

    without = score_assessment(restrict(edition, [i.id for i in edition.items if i.id != target]), others)
    a, b = scores_only(after), scores_only(without)
    assert a["band"] == b["band"]
    assert [g[:2] + g[3:] for g in a["gaps"]] == [g[:2] + g[3:] for g in b["gaps"]]
    for name, score in a["scores"].items():
        assert close(score, b["scores"][name]), name


@given(assessments(), st.randoms(use_true_random=False))
def test_answer_order_never_changes_the_result(case: tuple[Edition, list[Answer]], rnd: Any) -> None:
    edition, answers = case
    shuffled = list(answers)
    rnd.shuffle(shuffled)
    assert score_assessment(edition, shuffled) == score_assessment(edition, answers)


@given(assessments())
def test_band_is_never_better_than_the_cap_when_capped(case: tuple[Edition, list[Answer]]) -> None:
    edition, answers = case
    result = score_assessment(edition, answers)
    order = [b.id for b in edition.method.bands]
    if result.band is not None:
        assert result.uncapped_band is not None
        assert order.index(result.band) >= order.index(result.uncapped_band)
    if result.capped_by and result.band is not None:
        assert order.index(result.band) >= order.index(edition.method.core_band_cap)
    if not result.capped_by:
        assert result.band == result.uncapped_band


@given(assessments())
def test_restricting_to_every_item_changes_nothing(case: tuple[Edition, list[Answer]]) -> None:
    edition, answers = case
    everything = restrict(edition, [i.id for i in edition.items])
    assert everything is not edition
    assert score_assessment(everything, answers) == score_assessment(edition, answers)


@given(assessments())
def test_sections_weighted_by_their_pair_weights_give_the_overall(
    case: tuple[Edition, list[Answer]],
) -> None:
    edition, answers = case
    result = score_assessment(edition, answers)
    values = {i.item: i.value for i in result.items}
    section_of = {i.id: i.section for i in edition.items}
    share = dict.fromkeys(section_of.values(), 0.0)
    for spec in edition.obligations:
        counting = [i for i in spec.items if values[i] is not None]
        for item_id in counting:
            share[section_of[item_id]] += spec.weight / len(counting)
    sections = {s.id: s.score for s in result.sections}
    total = sum(share.values())
    if result.overall is None:
        assert total == 0
    else:
        recombined = sum(share[s] * (sections[s] or 0.0) for s in share) / total
        assert close(recombined, result.overall)


@settings(max_examples=50)
@given(assessments())
def test_gaps_are_ranked_by_priority(case: tuple[Edition, list[Answer]]) -> None:
    edition, answers = case
    result = score_assessment(edition, answers)
    assert [g.rank for g in result.gaps] == list(range(1, len(result.gaps) + 1))
    priorities = [g.priority for g in result.gaps]
    assert all(a >= b - 1e-6 for a, b in zip(priorities, priorities[1:], strict=False))
    scored = {o.obligation for o in result.obligations if o.score is not None and o.score < 100 - EPS}
    assert {g.obligation for g in result.gaps} == scored
