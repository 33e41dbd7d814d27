"""A country's gap report: what the PDF and the page say, read back from the PDF itself."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from questionnaire import services
from questionnaire.catalogue_store import current_catalogue
from questionnaire.models import Assessment

from ..conftest import add_user
from .conftest import (
    EXPECTED_GAPS,
    OBLIGATION_ID,
    PRIORITIES,
    REVIEWER_COMMENT,
    gap_ids,
    gap_title,
    make_assessment,
    normalise,
    page_texts,
    pdf_text,
)


def _pdf(client, url: str) -> bytes:  # type: ignore[no-untyped-def]
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/pdf"
    return response.get_data()


def test_the_constructed_assessment_has_the_gaps_worked_out_by_hand(submitted: Assessment) -> None:
    """The fixture's table is right: the scoring method finds exactly these gaps in this order."""
    scores = services.scores_of(submitted)
    assert [g["obligation"] for g in scores["gaps"]] == EXPECTED_GAPS
    assert [g["priority"] for g in scores["gaps"]] == [300.0, 150.0, 100.0, 75.0, 50.0]


def test_the_pdf_lists_exactly_the_expected_gaps_in_order_with_their_clauses(client, submitted) -> None:  # type: ignore[no-untyped-def]
    client.login("reviewer@example.org")
    text = pdf_text(_pdf(client, "/cycles/2026/countries/FRA/report.pdf"))
    assert gap_ids(text) == EXPECTED_GAPS
    catalogue = current_catalogue()
    body = text[
        text.index("Gaps, ranked by priority Each gap") : text.index("Reviewers' recommendations Reviewers may")
    ]
    # Each gap is titled by what its clause asks, in rank order.
    positions = [body.index(f"{n}. {gap_title(ob)}") for n, ob in enumerate(EXPECTED_GAPS, 1)] + [len(body)]
    assert positions == sorted(positions)
    for number, obligation_id in enumerate(EXPECTED_GAPS):
        obligation = catalogue.obligation_by_id[obligation_id]
        gap_text = body[positions[number] : positions[number + 1]]
        instrument = catalogue.instrument_by_id[obligation.instrument]
        assert f"Source: {normalise(instrument.body)}" in gap_text
        assert f"paragraph {obligation.paragraph}" in gap_text
        for item_id in obligation.items:
            item = catalogue.item_by_id[item_id]
            assert normalise(item.action) in gap_text, f"recommended action of {item_id} missing"
            assert normalise(item.guidance)[:60] in gap_text, (
                f"what full implementation of {item_id} looks like missing"
            )
            assert normalise(item.question) in gap_text
    # The country's own words and the reviewer's comment sit in the gap they belong to.
    first_gap = body[positions[0] : positions[1]]
    assert "No specific offence yet; a bill is before parliament." in first_gap
    assert REVIEWER_COMMENT in first_gap
    assert "Police Data Act, art. 12" in body[positions[1] : positions[2]]
    assert "Not answered" in body[positions[2] : positions[3]]


def test_the_body_speaks_to_ministers_and_the_formula_is_in_the_annex(client, submitted) -> None:  # type: ignore[no-untyped-def]
    """No internal ids, weights, shortfalls or priorities before the annexes; the annex has them all."""
    client.login("reviewer@example.org")
    text = pdf_text(_pdf(client, "/cycles/2026/countries/FRA/report.pdf"))
    body = text[text.index("Summary Overall score") : text.index("Annex A: how the scores are calculated", 2000)]
    assert OBLIGATION_ID.findall(body) == []
    for word in ("shortfall", "Shortfall", "weight", "priority 300", "Obligation ", "CL-2", "IX-4", "CL-4", "IC-8"):
        assert word not in body, f"{word!r} in the body of the report"
    assert "Implementation: 0.0 out of 100" in body and "Implementation: 50.0 out of 100" in body
    annex = text[text.index(PRIORITIES) :]
    assert "Priority is the weight of the clause's verb times the shortfall" in annex
    assert re.search(r"1 .*?ecosoc-2006\.2a 0\.0 100\.0 3 300\.0", annex)


def test_the_pdf_summary_assistance_missing_and_unsupported_sections(client, submitted) -> None:  # type: ignore[no-untyped-def]
    client.login("reviewer@example.org")
    text = pdf_text(_pdf(client, "/cycles/2026/countries/FRA/report.pdf"))
    scores = services.scores_of(submitted)
    assert f"{scores['overall']:.1f} / 100" in text
    summary = text[text.index("Overall score") :]
    assert re.search(r"Gaps 5 Critical gaps 2 Missing answers 1 Ratings without support 1", summary)
    body = text[text.index("Gaps, ranked by priority Each gap") :]  # past the contents and summary
    assistance = body[body.index("Technical assistance requested") : body.index("Missing information")]
    assert "Data collection and research (1)" in assistance and "Help to extend the database nationwide." in assistance
    assert "Training and capacity building (1)" in assistance and "Trainers for the police academy." in assistance
    items = current_catalogue().item_by_id
    missing = body[body.index("Missing information") : body.index("Ratings without support")]
    assert normalise(items["CL-4"].question) in missing
    unsupported = body[body.index("Ratings without support") : body.index("Annex A: how")]
    assert normalise(items["IC-8"].question) in unsupported and "Fully implemented" in unsupported
    assert "Annex B: the catalogue edition" in text and current_catalogue().hash in text


def test_the_pdf_is_tagged_with_title_language_outline_and_page_numbers(client, submitted) -> None:  # type: ignore[no-untyped-def]
    client.login("reviewer@example.org")
    data = _pdf(client, "/cycles/2026/countries/FRA/report.pdf")
    reader = PdfReader(io.BytesIO(data))
    root = reader.trailer["/Root"]
    assert root["/MarkInfo"]["/Marked"] in (True, "true")
    assert "/StructTreeRoot" in root
    assert root["/Lang"] == "en"
    assert root["/ViewerPreferences"]["/DisplayDocTitle"] in (True, "true")
    assert reader.metadata.title == "Gap report: France, Self-assessment 2026"
    xmp = reader.xmp_metadata
    assert xmp is not None and b"pdfuaid" in reader.trailer["/Root"]["/Metadata"].get_object().get_data()
    # The structure tree has the headings, tables and the chart as a figure with its text.
    tags = _structure(root["/StructTreeRoot"])
    assert {"/H1", "/H2", "/H3", "/Table", "/TH", "/TD", "/L", "/LI", "/Link", "/Figure"} <= {t for t, _ in tags}
    # The chart: one bar per area, each saying in words what it shows, then the scale.
    figures = [alt for t, alt in tags if t == "/Figure"]
    overall = f"{services.scores_of(submitted)['overall']:.1f}"  # France is the only country
    assert figures[0] == (f"Overall score: France {overall}; mean of Europe {overall}; mean of all countries {overall}")
    assert len(figures) == 1 + len(current_catalogue().sections) + 1
    assert figures[1].startswith("Criminal law and international instruments: France ")
    assert figures[-1] == "Scale from 0 to 100"
    # Bookmarks: the cover, the chapters and, under the gaps, one per gap.
    outline = reader.outline
    titles = [o.title for o in outline if not isinstance(o, list)]
    assert titles == [
        "France",
        "Summary",
        "Gaps, ranked by priority",
        "Reviewers' recommendations",
        "Technical assistance requested",
        "Missing information",
        "Ratings without support",
        "Annex A: how the scores are calculated",
        "Annex B: the catalogue edition",
        "Annex C: evidence files shared with the reviewers",
    ]
    gaps = outline[
        [o.title if not isinstance(o, list) else None for o in outline].index("Gaps, ranked by priority") + 1
    ]
    assert isinstance(gaps, list) and len(gaps) == len(EXPECTED_GAPS)
    assert [g.title.split(".")[0] for g in gaps] == ["1", "2", "3", "4", "5"]
    # Every page after the cover carries the running header and "n / total".
    pages = page_texts(data)
    total = len(pages)
    for number, page in enumerate(pages, start=1):
        assert f"{number} / {total}" in page
        if number > 1:
            assert "Gap report: France, Self-assessment 2026" in page
    # The table of contents links to its chapters inside the document.
    links = [a.get_object() for a in reader.pages[0].get("/Annots", [])]
    assert {str(a["/Dest"]) for a in links if a.get("/Subtype") == "/Link" and "/Dest" in a} == {
        "summary",
        "gaps",
        "recommendations",
        "assistance",
        "missing",
        "unsupported",
        "annex-method",
        "annex-edition",
        "annex-evidence",
    }


def _structure(node, found=None):  # type: ignore[no-untyped-def]
    """List (tag, alternate text) of every element of a PDF structure tree."""
    found = [] if found is None else found
    node = node.get_object()
    if isinstance(node, list):
        for kid in node:
            _structure(kid, found)
        return found
    if not hasattr(node, "get"):
        return found
    if "/S" in node:
        found.append((str(node["/S"]), str(node["/Alt"]) if "/Alt" in node else None))
    kids = node.get("/K")
    if kids is not None:
        _structure(kids, found)
    return found


def test_a_draft_is_marked_on_the_cover_and_every_page(client, users, cycle) -> None:  # type: ignore[no-untyped-def]
    make_assessment(users["fra"], cycle, "FRA", "draft")
    client.login("fra@example.org")
    pages = page_texts(_pdf(client, "/cycles/2026/countries/fra/report.pdf"))
    assert "DRAFT — NOT SUBMITTED" in pages[0].upper()
    assert "These answers have not been submitted" in pages[0]
    for number, page in enumerate(pages, start=1):
        assert "Draft — not submitted" in page, f"page {number} lacks the draft marking"
    html = client.get("/cycles/2026/countries/FRA/report").get_data(as_text=True)
    assert 'data-marking="Draft — not submitted"' in html and 'class="marking-banner' in html


def test_a_submitted_report_carries_no_draft_marking(client, submitted) -> None:  # type: ignore[no-untyped-def]
    client.login("fra@example.org")
    text = pdf_text(_pdf(client, "/cycles/2026/countries/FRA/report.pdf"))
    assert "not submitted" not in text.lower()
    assert "Submitted" in text


def test_the_browser_page_is_the_same_template_with_a_toolbar(client, submitted) -> None:  # type: ignore[no-untyped-def]
    client.login("reviewer@example.org")
    response = client.get("/cycles/2026/countries/fra/report")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert gap_ids(normalise(re.sub(r"<[^>]+>", " ", html))) == EXPECTED_GAPS
    assert 'href="/cycles/2026/countries/FRA/report.pdf"' in html
    assert '<link rel="stylesheet" href="/static/css/report.css">' in html
    # The CSP allows no inline style or script: the page uses none.
    assert "<style" not in html and " style=" not in html and "<script" not in html
    assert "Content-Security-Policy" in response.headers
    assert '<html lang="en" dir="ltr">' in html


def test_the_overview_links_to_the_report_and_its_pdf(client, submitted) -> None:  # type: ignore[no-untyped-def]
    client.login("fra@example.org")
    html = client.get("/cycles/2026/countries/FRA/").get_data(as_text=True)
    assert 'href="/cycles/2026/countries/FRA/report"' in html
    assert 'href="/cycles/2026/countries/FRA/report.pdf"' in html


def test_an_arabic_report_is_right_to_left_with_arabic_language_metadata(client, submitted) -> None:  # type: ignore[no-untyped-def]
    client.login("fra@example.org")
    client.post_form("/language", {"lang": "ar", "next": "/"}, page="/")
    html = client.get("/cycles/2026/countries/FRA/report").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in html
    # The catalogue's texts are in Arabic, each gap titled by its clause, an unofficial translation
    # with its English original one click away, marked English and left to right.
    assert re.search(
        r'<h3 class="gap__title" id="gap-1-title"><span class="gap__rank">1\.</span> <span lang="ar" dir="rtl">', html
    )
    assert "ترجمة غير رسمية: عرض النص الإنكليزي الأصلي" in html and '<div lang="en" dir="ltr">' in html
    pdf = _pdf(client, "/cycles/2026/countries/FRA/report.pdf")
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.trailer["/Root"]["/Lang"] == "ar"
    # In print: the note that the English text is authentic, and the translation's revision.
    text = pdf_text(pdf)
    assert "ترجمة غير رسمية" in text and "Fully implemented" not in text


def test_means_over_fewer_than_three_countries_are_hidden_from_a_country(client, users, cycle) -> None:  # type: ignore[no-untyped-def]
    make_assessment(users["fra"], cycle, "FRA", "submitted")
    make_assessment(users["deu"], cycle, "DEU", "submitted", overrides={"CL-2": {"rating": "partially"}})
    services.close_cycle(cycle)
    client.login("fra@example.org")
    text = pdf_text(_pdf(client, "/cycles/2026/countries/FRA/report.pdf"))
    assert "Mean of Europe: not shown" in text and "Mean of all countries: not shown" in text
    assert "with fewer it would reveal another country's scores" in text
    summary = text[text.index("Scores by section") :]
    assert summary.count("not shown") >= 16  # regional and global, for the overall and 7 sections

    reviewer = client.application.test_client()
    reviewer.login("reviewer@example.org")
    text = pdf_text(_pdf(reviewer, "/cycles/2026/countries/FRA/report.pdf"))
    assert "not shown" not in text
    assert "Mean of Europe (2 countries)" in text


def test_a_regional_mean_over_three_countries_is_shown_to_a_country(client, users, cycle) -> None:  # type: ignore[no-untyped-def]
    esp = add_user("esp@example.org", "respondent", "ESP")
    make_assessment(users["fra"], cycle, "FRA", "submitted")
    make_assessment(users["deu"], cycle, "DEU", "submitted", overrides={"CL-2": {"rating": "partially"}})
    make_assessment(
        esp,
        cycle,
        "ESP",
        "accepted",
        overrides={"CL-2": {"rating": "full"}},
        reviewer=users["reviewer"],
    )
    services.close_cycle(cycle)
    client.login("fra@example.org")
    text = pdf_text(_pdf(client, "/cycles/2026/countries/FRA/report.pdf"))
    assert "not shown" not in text
    assert "Mean of Europe (3 countries)" in text
    assert "Means published when the cycle closed" in text
    # The regional overall mean is the mean of the three overall scores.
    overall = [services.scores_of(a)["overall"] for a in services.visible_assessments(users["reviewer"], cycle)]
    assert len(overall) == 3


def _scores_section(client) -> str:  # type: ignore[no-untyped-def]
    """The report page's scores table and legend: every mean a reader is shown."""
    response = client.get("/cycles/2026/countries/FRA/report")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    return html[html.index('id="scores-chart-caption"') : html.index('id="gaps-title"')]


def test_two_reports_around_one_submission_reveal_nothing_of_that_country(make_client, users, cycle) -> None:  # type: ignore[no-untyped-def]
    """Reading a country's report before and after another country submits cannot be differenced.

    Five European countries submit; France reads its report before and after a
    sixth (Poland) submits, both while the cycle is open and across a reopening:
    what France is shown of the means never moves, while the reviewers' (live)
    means do.
    """
    others = {
        iso3: add_user(f"{iso3.lower()}@example.org", "respondent", iso3) for iso3 in ("ESP", "ITA", "POL", "BEL")
    }
    make_assessment(users["fra"], cycle, "FRA", "submitted")
    make_assessment(users["deu"], cycle, "DEU", "submitted", overrides={"CL-2": {"rating": "partially"}})
    make_assessment(others["ESP"], cycle, "ESP", "submitted", overrides={"CL-2": {"rating": "full"}})
    make_assessment(others["ITA"], cycle, "ITA", "submitted", overrides={"CL-3": {"rating": "none"}})
    fra, reviewer = make_client(), make_client()
    fra.login("fra@example.org")
    reviewer.login("reviewer@example.org")

    before, reviewer_before = _scores_section(fra), _scores_section(reviewer)
    make_assessment(others["POL"], cycle, "POL", "submitted", overrides={"CL-1": {"rating": "none"}})
    assert _scores_section(fra) == before, "an open cycle's means moved with one submission"
    assert _scores_section(reviewer) != reviewer_before  # the reviewers' means are live: the test can tell
    assert "not shown" in before and "published once, when the cycle closes" in before

    services.close_cycle(cycle)
    published = _scores_section(fra)
    assert "not shown" not in published and "Mean of all countries compared (5)" in published
    services.reopen_cycle(cycle)
    make_assessment(others["BEL"], cycle, "BEL", "submitted", overrides={"CL-1": {"rating": "full"}})
    assert _scores_section(fra) == published, "a reopened cycle's means moved with one submission"
    services.close_cycle(services.find_cycle("2026"))
    assert _scores_section(fra) == published, "closing again published new means"


@pytest.mark.parametrize("suffix", [".pdf", ".html"])
def test_the_report_command_writes_pdf_or_html(app, submitted, tmp_path, suffix) -> None:  # type: ignore[no-untyped-def]
    from questionnaire.cli import main

    target = tmp_path / f"fra{suffix}"
    result = app.test_cli_runner().invoke(main, ["report", "--cycle", "2026", "--country", "fra", "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert f"wrote {target}: gap report of France, cycle 2026, 5 gaps" in result.output
    data = target.read_bytes()
    if suffix == ".pdf":
        assert gap_ids(pdf_text(data)) == EXPECTED_GAPS
    else:
        html = data.decode()
        assert "<style>" in html and "@page" in html  # a file that carries its own stylesheet
        assert "/static/css/report.css" not in html


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--country", "fra", "-o", "{tmp}/report.docx"], "must end in .pdf or .html"),
        (["--country", "zzz", "-o", "{tmp}/r.pdf"], "There is no country 'zzz'"),
        (["--country", "deu", "-o", "{tmp}/r.pdf"], "DEU has no assessment in cycle 2026"),
        (["--country", "fra", "-o", "{tmp}/missing/r.pdf"], "no such folder"),
    ],
)
def test_the_report_command_explains_bad_input(app, submitted, tmp_path, args, message) -> None:  # type: ignore[no-untyped-def]
    from questionnaire.cli import main

    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    result = app.test_cli_runner().invoke(main, ["report", "--cycle", "2026", *args])
    assert result.exit_code == 1
    assert message in result.output
    assert not list(tmp_path.iterdir())
