"""The meeting pack's comparison: the heat map's colours, participation, assistance, one region,
and the country reports copied from the kept ones instead of rendered again."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from questionnaire.reports import documents, kept
from questionnaire.reports.pack import build_meeting_pack

from ..conftest import add_user
from .conftest import make_assessment

ROOT = Path(__file__).resolve().parents[2]


def test_the_pdf_uses_the_comparison_pages_band_palette() -> None:
    compare = (ROOT / "static/css/compare.css").read_text()
    report = (ROOT / "static/css/report.css").read_text()
    page = dict(re.findall(r"--heat-([a-z]+):\s*(#[0-9a-f]{6})", compare))
    printed = dict(re.findall(r"\.heat--([a-z]+) \{ background: (#[0-9a-f]{6})", report))
    assert set(printed) == {"a", "b", "c", "d", "e", "none"}  # the bands and "no score"
    assert all(page[key] == colour for key, colour in printed.items())


@pytest.fixture
def world(app, users, cycle) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """DEU submitted (Europe), ESP accepted (Europe), NGA submitted (Africa)."""
    esp = add_user("esp@example.org", "respondent", "ESP")
    nga = add_user("nga@example.org", "respondent", "NGA")
    make_assessment(users["deu"], cycle, "DEU", "submitted", overrides={"IX-4": {"rating": "none"}})
    make_assessment(esp, cycle, "ESP", "accepted", reviewer=users["reviewer"])
    make_assessment(nga, cycle, "NGA", "submitted", overrides={"CL-2": {"rating": "full"}})
    return {"cycle": cycle}


def _comparison_html(cycle: Any, region: str = "") -> str:
    with documents.rendering("en"):
        return documents.comparison_report_html(documents.comparison_report(cycle, region=region), pdf=True)


def test_the_comparison_has_colours_told_by_text_participation_and_assistance(world) -> None:  # type: ignore[no-untyped-def]
    html = _comparison_html(world["cycle"])
    # Every coloured score also prints its number, and every band cell its letter and name.
    assert re.search(r'<td class="num heat heat--[a-e]">\d+\.\d</td>', html)
    assert re.search(r'<td class="heat heat--[a-e]"><strong>[A-E]</strong> <span[^>]*>\w+ implementation</span>', html)
    assert "Participation" in html and "Submitted to the reviewers" in html
    # Assistance: the constructed assessment asks for data (IX-4) and training (LE-6) help.
    assistance = html[html.index('id="assistance-title"') :]
    assert "Data collection and research" in assistance and "Training and capacity building" in assistance
    assert (
        "5 requests" in assistance
    )  # two each, but Germany's IX-4 is replaced by a rating alone and "from 3 countries" in assistance
    # No internal ids in the common gaps: each titled by its clause.
    common = html[html.index('id="common-gaps-title"') : html.index('id="assistance-title"')]
    assert "Obligation " not in common and "ecosoc-2006" not in common


def test_a_pack_for_one_region(app, world, tmp_path) -> None:  # type: ignore[no-untyped-def]
    html = _comparison_html(world["cycle"], "Europe")
    ranking = html[html.index('id="ranking-title"') : html.index('id="participation-title"')]
    assert "Germany" in ranking and "Spain" in ranking and "Nigeria" not in ranking
    from questionnaire.cli import main

    result = app.test_cli_runner().invoke(
        main, ["meeting-pack", "--cycle", "2026", "-o", str(tmp_path), "--region", "Europe", "-j", "1"]
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "2026-DEU-gap-report.pdf",
        "2026-ESP-gap-report.pdf",
        "2026-comparison.pdf",
    ]
    refused = app.test_cli_runner().invoke(
        main, ["meeting-pack", "--cycle", "2026", "-o", str(tmp_path), "--region", "Mars"]
    )
    assert refused.exit_code == 1 and "--region Mars: no country of that region" in refused.output


def test_the_start_form_offers_the_regions_and_refuses_another(make_client, world) -> None:  # type: ignore[no-untyped-def]
    reviewer = make_client()
    reviewer.login("reviewer@example.org")
    page = reviewer.get("/cycles/2026/meeting-pack").get_data(as_text=True)
    assert '<option value="Europe">' in page and '<option value="Africa">' in page
    response = reviewer.post_form(
        "/cycles/2026/meeting-pack", {"region": "<b>Mars</b>"}, page="/cycles/2026/meeting-pack", follow_redirects=True
    )
    text = response.get_data(as_text=True)
    assert "is not a region of this cycle" in text and "<b>Mars</b>" not in text


def test_the_pack_copies_a_current_kept_report_instead_of_rendering_it(app, world, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from questionnaire.reports import pack

    app.config.update(KEEP_REPORTS=True)
    cycle = world["cycle"]
    germany = next(a for a in pack.pack_assessments(cycle) if a.country_iso3 == "DEU")
    with documents.rendering("en"):
        current = kept.digest(germany, "reviewer", "en")
    kept.store(germany, "reviewer", "en", kept.PDF, current, kept.READY, b"%PDF kept copy")
    rendered: list[str] = []

    def render(html: str, root: Any, limits: Any) -> bytes:
        rendered.append(html[:0])
        return b"%PDF fresh"

    monkeypatch.setattr(pack, "render_pdf", render)
    result = build_meeting_pack(cycle, tmp_path, workers=1, language="en", region="Europe")
    assert result.ok and result.reused == 1
    assert (tmp_path / "2026-DEU-gap-report.pdf").read_bytes() == b"%PDF kept copy"
    assert (tmp_path / "2026-ESP-gap-report.pdf").read_bytes() == b"%PDF fresh"
    assert len(rendered) == 2  # Spain and the comparison
    # What the pack rendered is kept for the next reader.
    spain = next(a for a in pack.pack_assessments(cycle) if a.country_iso3 == "ESP")
    assert kept.kept_pdf(spain, "en") == b"%PDF fresh"
