"""The comparison's pictures: the world map of bands, the distribution, the spreads, the trends."""

from __future__ import annotations

import csv
import html as htmllib
import math
import re
import statistics
from typing import Any

import pytest

from questionnaire import charts, services
from questionnaire.services.review import quartiles

from .conftest import countries


def test_equal_earth_projection_known_points() -> None:
    assert charts.equal_earth(0, 0) == (0.0, 0.0)
    x, y = charts.equal_earth(180, 0)
    assert math.isclose(x, 2.7066, abs_tol=1e-3) and y == 0
    x, y = charts.equal_earth(0, 90)
    assert x == 0 and math.isclose(y, 1.3173, abs_tol=1e-3)
    # Symmetric, and north is up.
    assert charts.equal_earth(-30, -40) == tuple(-v for v in charts.equal_earth(30, 40))


def test_the_shipped_shapes_cover_every_un_member_and_stay_on_the_map() -> None:
    path = charts.WORLD_FILE
    assert path.stat().st_size < 300_000, "keep the shipped map small"
    world = charts.world_shapes()
    drawn = {c.iso3: c for c in world.countries}
    with (path.parent / "countries.csv").open(encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(line for line in f if not line.startswith("#"))]
    with_region = {r["iso3"] for r in rows if r["region"]}
    missing = with_region - set(drawn)
    # Natural Earth draws these French overseas departments, Norway's and Australia's islands and
    # the Dutch Caribbean as parts of other countries: none is a member state.
    assert missing <= {"BES", "BVT", "CCK", "CXR", "GIB", "GLP", "GUF", "MTQ", "MYT", "REU", "SJM", "TKL", "UMI"}
    for shape in world.countries:
        assert shape.path or shape.marker, shape.iso3
        numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", shape.path)]
        assert all(-1 <= n <= world.width + 1 for n in numbers[0::2]), shape.iso3
        if shape.marker:
            assert 0 <= shape.marker[0] <= world.width and 0 <= shape.marker[1] <= world.height
    # Large countries are drawn, tiny ones get a marker.
    assert drawn["BRA"].path and drawn["BRA"].marker is None
    assert drawn["MCO"].marker is not None and drawn["TUV"].marker is not None


def test_quartiles_match_the_inclusive_method() -> None:
    values = [3.0, 50.0, 12.5, 99.0, 47.0, 61.0, 8.0]
    low, q1, median, q3, high = quartiles(values)  # type: ignore[misc]
    assert (low, high) == (3.0, 99.0) and median == statistics.median(values)
    assert [q1, median, q3] == pytest.approx(statistics.quantiles(values, n=4, method="inclusive"))
    assert quartiles([]) is None and quartiles([7.0]) == (7.0,) * 5


def test_sparkline_geometry() -> None:
    assert charts.sparkline([50.0]) is None and charts.sparkline([None, 40.0]) is None
    line = charts.sparkline([0.0, None, 100.0])
    assert line is not None and len(line.dots) == 2
    (x1, y1), (x2, y2) = line.dots
    assert x1 < x2 and y1 > y2  # higher scores higher up; later cycles further along


@pytest.fixture
def three_cycles(world: Any) -> list[str]:
    codes = countries(12)
    world("2024", codes[:10], status="accepted", seed=1)
    world("2025", codes[:11], status="accepted", seed=2)
    world("2026", codes, status=lambda c: "draft" if c == codes[-1] else "submitted", seed=3)
    return codes


def map_titles(page: str) -> dict[str, str]:
    found = r'data-iso3="([A-Z]{3})" role="img" aria-label="[^"]*"><title>([^<]*)</title>'
    return {iso3: htmllib.unescape(title) for iso3, title in re.findall(found, page)}


def test_the_map_gives_every_visible_country_its_band_and_score(reviewer: Any, three_cycles: list[str]) -> None:
    page = reviewer.get("/cycles/2026/compare").get_data(as_text=True)
    cycle = services.find_cycle("2026")
    table = services.review.comparison_table(cycle, services.visible_assessments(None, cycle))
    titles = map_titles(page)
    for row in table.rows:
        assert row.band is not None
        title = titles[row.iso3]
        assert title.startswith(f"{row.name}: band {row.band} (") and f"score {row.overall:.1f}" in title
        drawn = {c.iso3: c for c in charts.world_shapes().countries}[row.iso3]
        if drawn.path:
            assert re.search(
                rf'class="map-country map-band--{row.band.lower()}" d="M[^"]+" data-iso3="{row.iso3}"', page
            )
        else:  # too small to draw: a marker, with the title
            assert re.search(rf'class="map-marker map-band--{row.band.lower()}" [^>]*data-iso3="{row.iso3}"', page)
    draft = three_cycles[-1]
    assert draft not in titles and f'data-iso3="{draft}"' not in page, "a draft is drawn blank, like no assessment"
    assert 'class="map-country map-band--absent" d="M' in page
    # The map has a text alternative and the distribution adds up to the countries shown.
    assert 'aria-describedby="map-summary"' in page and 'id="map-summary"' in page
    counts = [int(n) for n in re.findall(r'<td class="num bar-chart__value">(\d+)</td>', page)]
    assert sum(counts) == len(table.rows) == 11


def test_trends_spreads_and_change(reviewer: Any, three_cycles: list[str]) -> None:
    page = reviewer.get("/cycles/2026/compare").get_data(as_text=True)
    cycle = services.find_cycle("2026")
    table = services.review.comparison_table(cycle, services.visible_assessments(None, cycle))
    first, eleventh = three_cycles[0], three_cycles[10]
    assert [code for code, _ in table.trends[first]] == ["2024", "2025", "2026"]
    assert [code for code, _ in table.trends[eleventh]] == ["2025", "2026"]
    for row in table.rows:
        assert table.trends[row.iso3][-1] == ("2026", row.overall)
    # The sparkline says its points in words.
    labels = re.findall(r'class="chart-svg chart-svg--mirror spark"[^>]*aria-label="([^"]+)"', page)
    assert len(labels) == 11 and all(label.startswith("Overall score by cycle: 20") for label in labels)
    assert any(label.startswith("Overall score by cycle: 2024: ") and "; 2026: " in label for label in labels)
    # Spreads: overall first, then each section, five numbers each, from the rows shown.
    spread = table.spreads[0]
    assert spread.id == "overall" and spread.count == 11
    assert (spread.low, spread.median, spread.high) == (
        min(r.overall for r in table.rows if r.overall is not None),
        statistics.median(r.overall for r in table.rows if r.overall is not None),
        max(r.overall for r in table.rows if r.overall is not None),
    )
    assert [s.id for s in table.spreads[1:]] == [s.id for s in table.sections]
    # Change since 2025 as an arrow and a number (never colour alone).
    assert re.search(
        r'class="change change--(up|down|flat)"><span aria-hidden="true">[▲▼=]</span> <span dir="ltr">', page
    )


def test_the_map_speaks_the_readers_language(reviewer: Any, three_cycles: list[str]) -> None:
    reviewer.post_form("/language", {"lang": "fr", "next": "/"}, page="/")
    page = reviewer.get("/cycles/2026/compare").get_data(as_text=True)
    cycle = services.find_cycle("2026")
    table = services.review.comparison_table(cycle, services.visible_assessments(None, cycle))
    row = table.rows[0]
    titles = map_titles(page)
    assert f"{row.overall:.1f}".replace(".", ",") in titles[row.iso3], "a decimal comma in French"
    reviewer.post_form("/language", {"lang": "ar", "next": "/"}, page="/")
    page = reviewer.get("/cycles/2026/compare").get_data(as_text=True)
    assert 'dir="rtl"' in page and "chart-svg--mirror" in page
    assert 'class="world-map__svg"' in page and "chart-svg--mirror world-map" not in page  # geographic


def test_only_the_comparison_is_wide(reviewer: Any, three_cycles: list[str]) -> None:
    assert '<div class="wide-page compare-page">' in reviewer.get("/cycles/2026/compare").get_data(as_text=True)
    assert "wide-page" not in reviewer.get("/review").get_data(as_text=True)
