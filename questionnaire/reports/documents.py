"""Build and render reports: gather the inputs through the services, lay them out, make PDFs.

This module sits beside the services (it calls them as the views do) so the web
page, the PDF, the command line and the background jobs share one path from
the database to the finished document.  The HTML comes from one template per
document, used as it is for the browser page and for the PDF.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import current_app, has_request_context, render_template, url_for
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from markupsafe import Markup

from .. import services
from ..catalogue import Catalogue
from ..catalogue_store import catalogue_for, translation
from ..i18n import current_language, format_number, text_direction
from ..models import Assessment, Cycle, Role, Status, User
from ..services import declarations, evidence, participation, recommendations, review
from . import chart, content
from .methodology import methodology_html
from .pdf import STATIC_PATH, Limits, render_pdf

#: The language the catalogue (clauses, questions, actions) is authentic in.
CATALOGUE_LANGUAGE = "en"
#: The statuses whose reports make up a meeting pack.
PACK_STATUSES = (Status.SUBMITTED, Status.ACCEPTED)


def audience_for(user: User) -> str:
    """Return who a report is for: the country's own respondents, or the secretariat."""
    return content.COUNTRY if user.is_respondent else content.REVIEWER


def country_report(
    assessment: Assessment, audience: str, comparison: dict[str, Any] | None = None
) -> content.CountryReport:
    """Gather one assessment's scores, answers, comments and means into its report.

    A country's own report shows the means its cycle published when it first
    closed, never the live ones; reviewers see the live comparison (`comparison`,
    or the cycle's reviewable assessments).
    """
    cycle = assessment.cycle
    if audience == content.COUNTRY:
        means, published_at = cycle.published_means, cycle.means_published_at
    else:
        means = services.means_summary(comparison if comparison is not None else services.reviewable_comparison(cycle))
        published_at = None
    return content.build_country_report(
        catalogue=catalogue_for(cycle),
        assessment=assessment,
        scores=services.scores_of(assessment),
        answers=services.answers_of(assessment),
        comments=services.comments_of(assessment),
        means=means,
        audience=audience,
        generated_at=datetime.now(UTC),
        overall_title=_("Overall score"),
        means_published_at=published_at,
        # Reviewers' follow-up never comes from a draft; the country's own report may use its drafts.
        recommendations=recommendations.for_country(None, assessment, country_view=audience == content.COUNTRY),
        declaration=declarations.latest_declaration(assessment),
        # Files shared with the reviewers only, whoever reads the report (services.evidence).
        evidence=evidence.shared_by_item(assessment),
    )


def comparison_report(
    cycle: Cycle, comparison: dict[str, Any] | None = None, region: str = "", user: User | None = None
) -> content.ComparisonReport:
    """Gather the comparison of a cycle's reviewable assessments (for reviewers), of one region or all.

    The rows are `services.review.comparison_table`'s, as on the comparison page;
    `comparison` is unused (kept for callers that computed it: the table's comparison is memoised).
    """
    assessments = services.visible_assessments(None, cycle, with_scores=True)
    table = review.comparison_table(cycle, assessments, region=region)
    shown = {row.iso3 for row in table.rows}
    secretariat = user if user is not None and user.is_reviewer else User(role=Role.ADMIN)
    known = participation.participation(secretariat, cycle)
    members = [c for c in known.countries if not table.region or c.region == table.region]
    by_status: dict[str, int] = {}
    for country in members:
        by_status[str(country.status)] = by_status.get(str(country.status), 0) + 1
    summary = participation.ParticipationSummary(
        members=len(members),
        not_submitted=by_status.get(participation.NOT_SUBMITTED, 0),
        submitted=by_status.get("submitted", 0),
        returned=by_status.get("returned", 0),
        accepted=by_status.get("accepted", 0),
        late=sum(1 for c in members if c.late is True),
        on_time=sum(1 for c in members if c.late is False),
    )
    catalogue = catalogue_for(cycle)
    return content.build_comparison_report(
        catalogue=catalogue,
        cycle=cycle,
        table=table,
        scores={a.country_iso3: services.scores_of(a) for a in assessments if a.country_iso3 in shown},
        generated_at=datetime.now(UTC),
        participation=content.participation_of(summary, members),
        assistance=_assistance(catalogue, cycle, table.region),
    )


def _assistance(catalogue: Catalogue, cycle: Cycle, region: str) -> content.AssistanceSummary | None:
    """Count the assistance asked for (services.assistance); None where that service is not there."""
    try:
        from ..services import assistance
    except ImportError:  # pragma: no cover - the service arrives with the assistance page
        return None
    return content.assistance_of(catalogue, assistance.assistance_demand(None, cycle, region=region or None))


# --------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------


@contextlib.contextmanager
def rendering(language: str | None = None) -> Iterator[None]:
    """Make templates renderable outside a request (command line, jobs), in `language`."""
    language = language or current_app.config.get("BABEL_DEFAULT_LOCALE", "en")
    if has_request_context():
        if language and str(get_locale()) != language:
            with force_locale(language):
                yield
        else:
            yield
        return
    with current_app.test_request_context("/"), force_locale(language):
        yield


def _asset_function(pdf: bool) -> Any:
    """Return how templates name a static file: a path the PDF fetcher serves, or url_for."""
    if pdf:
        return lambda filename: STATIC_PATH + filename
    return lambda filename: url_for("static", filename=filename)


def _stylesheet() -> str:
    path = Path(current_app.static_folder or "static") / "css" / "report.css"
    return path.read_text(encoding="utf-8").replace("</", "<\\/")


def _common(pdf: bool, standalone: bool) -> dict[str, Any]:
    direction = text_direction(str(get_locale() or "en"))
    language = current_language()
    # The catalogue's texts are in the reader's language where it has a translation, else in English.
    catalogue_language = language if language == "en" or translation(language) is not None else CATALOGUE_LANGUAGE
    return {
        "pdf_mode": pdf,
        "asset": _asset_function(pdf),
        # A file written by the command line carries its stylesheet with it.
        "stylesheet": _stylesheet() if standalone else None,
        "report_direction": direction,
        "text_dir": lambda text: content.text_direction_of(text, direction),
        "clause_title": content.clause_title,
        # The catalogue's phrases carry their language: English ones are isolated so they read
        # left to right (punctuation in place) inside a right-to-left report.
        "catalogue_attrs": Markup(  # noqa: S704  # nosec B704 - a language code of this module's list
            f' lang="{catalogue_language}" dir="{text_direction(catalogue_language)}"'
        ),
    }


def country_report_html(
    report: content.CountryReport,
    *,
    pdf: bool = False,
    standalone: bool = False,
    toolbar: list[tuple[str, str]] | None = None,
) -> str:
    """Render a country's report with the one report template (browser page or PDF source)."""
    common = _common(pdf, standalone)
    rtl = common["report_direction"] == "rtl"

    def describe(row: content.ScoreRow) -> str:
        """Say in words what a row's bar shows (its text alternative)."""
        figures = [
            _("%(country)s %(score)s", country=report.country_name, score=_figure(row.score)),
            _("mean of %(region)s %(score)s", region=report.region, score=_mean_text(row.regional)),
            _("mean of all countries %(score)s", score=_mean_text(row.global_)),
        ]
        return f"{row.title}: " + "; ".join(figures)

    bars = chart.bars(report.rows, describe, rtl=rtl)
    scale = chart.axis(_("Scale from 0 to 100"), rtl=rtl)
    title = _("Gap report: %(country)s, %(cycle)s", country=report.country_name, cycle=report.cycle_title)
    return render_template(
        "reports/report.html",
        report=report,
        bars=bars,
        scale=scale,
        toolbar=toolbar or [],
        methodology=methodology_html(2, "method-"),
        marking=marking_of(report.status),
        document_title=title,
        running_title=title,
        generated_at=report.generated_at,
        document_description=_(
            "Where %(country)s stands against the resolutions on trafficking in human beings: "
            "scores, gaps ranked by priority, and what to do next.",
            country=report.country_name,
        ),
        **common,
    )


def _figure(value: float | None) -> str:
    return _("not scored") if value is None else format_number(value)


def _mean_text(mean: content.Mean) -> str:
    return _("not shown") if mean.hidden else _figure(mean.value)


def marking_of(status: str) -> str:
    """Return the warning a report carries on every page while its answers are not final."""
    if status == Status.DRAFT:
        return _("Draft — not submitted")
    if status == Status.RETURNED:
        return _("Returned for changes — not final")
    return ""


def comparison_report_html(
    report: content.ComparisonReport,
    *,
    pdf: bool = False,
    standalone: bool = False,
    toolbar: list[tuple[str, str]] | None = None,
) -> str:
    """Render the comparison of countries (the meeting pack's cover document)."""
    title = _("Comparison of countries: %(cycle)s", cycle=report.cycle_title)
    return render_template(
        "reports/comparison.html",
        report=report,
        toolbar=toolbar or [],
        marking="",
        document_title=title,
        running_title=title,
        generated_at=report.generated_at,
        document_description=_(
            "Overall and section scores, bands, regional means and the most common gaps of the countries compared."
        ),
        **_common(pdf, standalone),
    )


# --------------------------------------------------------------------------
# PDF
# --------------------------------------------------------------------------


def static_root() -> Path:
    """Return the folder whose files a report may load."""
    return Path(current_app.static_folder or "static").resolve()


def limits() -> Limits:
    """Return the time and memory a report may take (REPORT_TIMEOUT_SECONDS, REPORT_MEMORY_MB)."""
    return Limits.of(current_app.config)


def pdf_of(html: str) -> bytes:
    """Render report HTML to PDF within the configured limits; raise ReportRenderError."""
    return render_pdf(html, static_root(), limits())


def report_filename(cycle_code: str, iso3: str, suffix: str = "pdf") -> str:
    """Return the file name of a country's report, e.g. 2026-FRA-gap-report.pdf."""
    return f"{safe_name(cycle_code)}-{iso3.upper()}-gap-report.{suffix}"


def comparison_filename(cycle_code: str) -> str:
    return f"{safe_name(cycle_code)}-comparison.pdf"


def safe_name(text: str) -> str:
    """Keep letters, digits, '-' and '_' (cycle codes already are; this is belt and braces)."""
    kept = "".join(c if c.isascii() and (c.isalnum() or c in "-_") else "-" for c in text)
    return kept.strip("-") or "cycle"
