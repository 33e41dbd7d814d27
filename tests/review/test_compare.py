"""The comparison page: who is listed, heat-map, filters, sorting, means, change, links."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import func, select

from questionnaire import services
from questionnaire.db import db
from questionnaire.models import Assessment, Country
from questionnaire.services.review import name_key
from scoring.rounding import round1

from .conftest import countries

STATES = ("submitted", "returned", "accepted", "draft")


def listed(html: str) -> list[str]:
    """Return the country codes of the table's rows, in order."""
    return re.findall(r'<input type="checkbox" name="country" value="([A-Z]{3})" id="pick-', html)


def row_of(html: str, iso3: str) -> str:
    """Return the HTML of one country's row."""
    match = re.search(
        rf'<tr>\s*<th scope="row" class="sticky-col country-cell">\s*'
        rf'<input type="checkbox" name="country" value="{iso3}".*?</tr>',
        html,
        re.S,
    )
    assert match, f"no row for {iso3}"
    return match.group(0)


def fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def signed(value: float) -> str:
    return f"+{value:.1f}" if value > 0 else f"−{-value:.1f}" if value < 0 else "±0.0"


@pytest.fixture
def eight(world: Any) -> list[str]:
    """Eight countries in 2025 (accepted) and 2026 (two in each state)."""
    codes = countries(8)
    world("2025", codes, status="accepted")
    world("2026", codes, status=lambda c: STATES[codes.index(c) % 4], seed=2)
    return codes


def comparison(cycle: str = "2026") -> dict[str, Any]:
    found = services.find_cycle(cycle)
    reviewable = list(
        db.session.scalars(select(Assessment).where(Assessment.cycle_id == found.id, Assessment.status != "draft"))
    )
    return services.compare_cycle(found, reviewable)


def test_every_submitted_returned_and_accepted_country_is_listed_and_no_draft(reviewer, eight) -> None:  # type: ignore[no-untyped-def]
    html = reviewer.get("/cycles/2026/compare").get_data(as_text=True)
    drafts = [c for i, c in enumerate(eight) if STATES[i % 4] == "draft"]
    assert sorted(listed(html)) == sorted(c for c in eight if c not in drafts)
    for code in drafts:
        name = db.session.get(Country, code).name
        assert name not in html, f"the draft of {name} shows on the comparison"
    members = db.session.scalar(select(func.count()).select_from(Country))
    assert f"6 of {members} member countries have submitted an assessment." in html, "every member country counts"
    assert "of them are shown" not in html, "without a filter, every submitted country is shown"


def test_the_default_order_is_the_ranking(reviewer, eight) -> None:  # type: ignore[no-untyped-def]
    html = reviewer.get("/cycles/2026/compare").get_data(as_text=True)
    assert listed(html) == [r["country"] for r in comparison()["rows"]]
    assert 'aria-sort="descending"' in html


def test_heat_map_cells_print_the_score_and_use_classes_not_inline_styles(reviewer, eight) -> None:  # type: ignore[no-untyped-def]
    html = reviewer.get("/cycles/2026/compare").get_data(as_text=True)
    assert "style=" not in html
    for row in comparison()["rows"]:
        cells = row_of(html, row["country"])
        band = row["band"].lower()
        assert f'class="num heat heat--{band} overall-cell">{fmt(row["overall"])}<' in cells
        for section in row["sections"]:
            assert f">{fmt(section['score'])}<" in cells
    # the legend explains every colour with its band and threshold, in words
    assert "80 and above" in html and "no score" in html
    assert '<link rel="stylesheet" href="/static/css/compare.css">' in html


def test_filtering_by_region_shows_that_region_and_its_mean(reviewer, eight) -> None:  # type: ignore[no-untyped-def]
    data = comparison()
    region = data["rows"][0]["region"]
    expected = sorted(r["country"] for r in data["rows"] if r["region"] == region)
    html = reviewer.get(f"/cycles/2026/compare?region={region}").get_data(as_text=True)
    assert sorted(listed(html)) == expected
    means = next(m for m in data["regional_means"] if m["region"] == region)["means"]
    overall = next(m for m in means if m["id"] == "overall")["score"]
    assert f"Mean of {region}" in html
    footer = html.split("<tfoot>")[1]
    assert f">{fmt(overall)}<" in footer.split("Global mean")[0]
    assert f'<option value="{region}" selected>' in html


def test_filtering_by_status(reviewer, eight) -> None:  # type: ignore[no-untyped-def]
    html = reviewer.get("/cycles/2026/compare?status=returned").get_data(as_text=True)
    assert sorted(listed(html)) == sorted(c for i, c in enumerate(eight) if STATES[i % 4] == "returned")
    members = db.session.scalar(select(func.count()).select_from(Country))
    assert f"6 of {members} member countries have submitted an assessment." in html
    assert "2 of them are shown." in html


@pytest.mark.parametrize("query", ["region=Atlantis", "status=draft", "status=<script>", "sort=password&dir=sideways"])
def test_unknown_filters_and_sorts_are_ignored(reviewer, eight, query) -> None:  # type: ignore[no-untyped-def]
    html = reviewer.get(f"/cycles/2026/compare?{query}").get_data(as_text=True)
    assert listed(html) == [r["country"] for r in comparison()["rows"]]
    assert "<script>" not in html


def test_filters_combine_and_no_match_says_so(reviewer, eight) -> None:  # type: ignore[no-untyped-def]
    data = comparison()
    taken = {(r["region"], db.session.get(Assessment, _id(r["country"])).status) for r in data["rows"]}
    regions = {r["region"] for r in data["rows"]}
    missing = next(
        ((reg, st) for reg in regions for st in ("submitted", "returned", "accepted") if (reg, st) not in taken),
        None,
    )
    if missing is None:
        pytest.skip("every region has every status in this world")
    html = reviewer.get(f"/cycles/2026/compare?region={missing[0]}&status={missing[1]}").get_data(as_text=True)
    assert listed(html) == []
    assert "No country matches these filters." in html


def _id(iso3: str) -> int:
    cycle = services.find_cycle("2026")
    return db.session.scalar(
        select(Assessment.id).where(Assessment.cycle_id == cycle.id, Assessment.country_iso3 == iso3)
    )


def _names(codes: list[str]) -> list[str]:
    return [db.session.get(Country, c).name for c in codes]


@pytest.mark.parametrize("direction", ["asc", "desc"])
@pytest.mark.parametrize(
    "column",
    ["overall", "change", "gaps", "missing", "unsupported", "section-victims", "section-proceeds"],
)
def test_sorting_by_a_number_column(reviewer, eight, column, direction) -> None:  # type: ignore[no-untyped-def]
    html = reviewer.get(f"/cycles/2026/compare?sort={column}&dir={direction}").get_data(as_text=True)
    rows = {r["country"]: r for r in comparison()["rows"]}

    def value(code: str) -> Any:
        row = rows[code]
        if column == "change":
            return row["change"]["overall"] if row["change"] else None
        if column.startswith("section-"):
            return next(s["score"] for s in row["sections"] if s["id"] == column.removeprefix("section-"))
        return row[column]

    values = [value(c) for c in listed(html)]
    present = [v for v in values if v is not None]
    assert present == sorted(present, reverse=direction == "desc")
    assert values[len(present) :] == [None] * (len(values) - len(present)), "rows without a value come last"
    assert f'aria-sort="{"ascending" if direction == "asc" else "descending"}"' in html


@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_sorting_by_country_name_and_by_status(reviewer, eight, direction) -> None:  # type: ignore[no-untyped-def]
    html = reviewer.get(f"/cycles/2026/compare?sort=country&dir={direction}").get_data(as_text=True)
    names = _names(listed(html))
    assert names == sorted(names, key=name_key, reverse=direction == "desc")
    if "Åland Islands" in names and direction == "asc":
        assert names.index("Åland Islands") < names.index("Albania"), "Å sorts with the A's"
    html = reviewer.get(f"/cycles/2026/compare?sort=status&dir={direction}").get_data(as_text=True)
    order = [db.session.get(Assessment, _id(c)).status for c in listed(html)]
    rank = {"submitted": 0, "returned": 1, "accepted": 2}
    assert [rank[s] for s in order] == sorted((rank[s] for s in order), reverse=direction == "desc")


def test_sort_links_keep_the_filters_and_turn_the_current_column_around(reviewer, eight) -> None:  # type: ignore[no-untyped-def]
    region = comparison()["rows"][0]["region"]
    html = reviewer.get(f"/cycles/2026/compare?region={region}&sort=overall&dir=desc").get_data(as_text=True)
    links = {
        re.search(r"sort=([\w-]+)", href).group(1): href.replace("&amp;", "&")
        for href in re.findall(r'<th scope="col" class="sortable[^"]*"[^>]*>\s*<a href="([^"]*)">', html)
    }
    assert len(links) == 9 + 7  # every column but the report link, with the 7 sections
    assert all(f"region={region}" in link for link in links.values())
    assert "dir=asc" in links["overall"]  # the current column turns around
    assert "dir=asc" in links["country"]  # names start from A
    assert "dir=desc" in links["section-victims"]  # scores start from the best


def test_global_means_and_regional_means_come_from_the_comparison(reviewer, eight) -> None:  # type: ignore[no-untyped-def]
    data = comparison()
    html = reviewer.get("/cycles/2026/compare").get_data(as_text=True)
    footer = html.split('<th scope="row" class="sticky-col">Global mean')[1].split("</tr>")[0]
    for mean in data["global_means"]:
        assert f">{fmt(mean['score'])}<" in footer
    overall = next(m["score"] for m in data["global_means"] if m["id"] == "overall")
    scores = [r["overall"] for r in data["rows"]]
    assert overall == pytest.approx(sum(scores) / len(scores), abs=0.06)
    regional = html.split('id="regional-title"')[1]
    for entry in data["regional_means"]:
        row = regional.split(f">{entry['region']}</a>")[1].split("</tr>")[0]
        for mean in entry["means"]:
            assert f">{fmt(mean['score'])}<" in row


def test_change_since_the_previous_cycle_is_shown_for_each_country(reviewer, eight) -> None:  # type: ignore[no-untyped-def]
    html = reviewer.get("/cycles/2026/compare").get_data(as_text=True)
    assert "Change is measured against cycle 2025" in html
    before = services.find_cycle("2025")
    for row in comparison()["rows"]:
        now = services.compute(db.session.get(Assessment, _id(row["country"]))).overall
        old = db.session.scalar(
            select(Assessment).where(Assessment.cycle_id == before.id, Assessment.country_iso3 == row["country"])
        )
        delta = round1(now - services.compute(old).overall)
        assert row["change"]["overall"] == delta
        assert signed(delta) in row_of(html, row["country"])


def test_without_a_previous_cycle_there_is_no_change(reviewer, world) -> None:  # type: ignore[no-untyped-def]
    world("2026", countries(3))
    html = reviewer.get("/cycles/2026/compare").get_data(as_text=True)
    assert "There is no earlier cycle" in html
    assert "no earlier score" in html


def test_each_row_links_to_the_assessment_and_to_the_report_when_there_is_one(app, reviewer, eight) -> None:  # type: ignore[no-untyped-def]
    html = reviewer.get("/cycles/2026/compare").get_data(as_text=True)
    has_reports = any(r.rule == "/cycles/<cycle>/countries/<iso3>/report" for r in app.url_map.iter_rules())
    for code in listed(html):
        row = row_of(html, code)
        assert f'href="/cycles/2026/countries/{code}/"' in row
        assert (f'href="/cycles/2026/countries/{code}/report"' in row) == has_reports


def test_the_page_offers_the_exports_of_the_countries_shown(reviewer, eight) -> None:  # type: ignore[no-untyped-def]
    html = reviewer.get("/cycles/2026/compare?status=accepted").get_data(as_text=True)
    for kind in ("scores", "answers"):
        for fmt_ in ("csv", "xlsx", "json"):
            assert f'href="/cycles/2026/export/{kind}.{fmt_}?status=accepted"' in html


def test_a_cycle_nobody_submitted_in_says_so(reviewer, world) -> None:  # type: ignore[no-untyped-def]
    world("2026", countries(2), status="draft")
    html = reviewer.get("/cycles/2026/compare").get_data(as_text=True)
    assert "No country has submitted an assessment in this cycle yet." in html
    assert listed(html) == []


def test_an_unknown_cycle_is_not_found(reviewer, eight) -> None:  # type: ignore[no-untyped-def]
    assert reviewer.get("/cycles/1999/compare").status_code == 404


@pytest.mark.parametrize("who", ["fra@example.org", "deu@example.org"])
def test_respondents_never_see_the_comparison_even_of_their_own_submitted_country(
    make_client, users, world, who
) -> None:  # type: ignore[no-untyped-def]
    world("2026", ["FRA", "DEU"], status="accepted")
    client = make_client()
    client.login(who)
    for url in (
        "/cycles/2026/compare",
        "/review",
        "/cycles/2026/compare/countries?country=FRA&country=DEU",
        "/cycles/2026/export/scores.csv",
        "/cycles/2026/export/answers.json",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert b"France" not in response.data and b"Germany" not in response.data


def test_admins_see_the_comparison_too(make_client, users, eight) -> None:  # type: ignore[no-untyped-def]
    client = make_client()
    client.login("admin@example.org")
    html = client.get("/cycles/2026/compare").get_data(as_text=True)
    assert len(listed(html)) == 6
