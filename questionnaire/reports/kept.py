"""Reports ready before anyone asks: each country's gap report rendered ahead of time and kept.

When an assessment is submitted, returned or accepted (`services.lifecycle.transitioned`,
received by `jobs.on_transition`), its report is rendered in the background
(`jobs.enqueue_reports`) for both readers (the country's own respondents and the
secretariat), in every language (KEPT_REPORT_LANGUAGES, default LANGUAGES) and in both
formats (HTML and PDF), and kept in the `kept_report` table:
one row per (assessment, reader, language, format), replaced by the next rendering.

Which copy is current is decided by a digest of everything the report is made from
(`digest`): the assessment's version (bumped by every answer, comment, evidence file,
recommendation and transition), its status, the catalogue edition and the revision of
the language's catalogue translation (the SHA-256 of its file, so editing a translation
makes every copy in that language stale), the means printed beside the scores (the live
comparison's for the secretariat, the published ones for a country), the cycle and the
country, and the report's own templates, stylesheet and interface translations.  A copy
whose digest is not the current one is never served; asking for it queues a new one.

Drafts are never kept: they are seen only by their own country and change with each
save, so they are rendered on demand as before.  Access is checked by the caller
(`services.assessment_for`) before any copy is looked up, and the reader's audience is
part of the key, so a country is never sent the secretariat's copy.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask, current_app, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import undefer

from .. import services
from ..catalogue_store import catalogue_for
from ..db import db
from ..models import Assessment, KeptReport, Status, utcnow
from . import content, documents
from .pdf import ReportRenderError

log = logging.getLogger(__name__)

PDF, HTML = "pdf", "html"
FORMATS = (HTML, PDF)
PENDING, READY, FAILED = "pending", "ready", "failed"
#: The statuses whose reports are kept (a draft is its country's alone and changes with every save).
KEPT_STATUSES = (Status.SUBMITTED, Status.RETURNED, Status.ACCEPTED)
#: Which reader comes first after each transition: who reads the report next.
FIRST_READER = {"submitted": content.REVIEWER, "returned": content.COUNTRY, "accepted": content.REVIEWER}


def enabled(app: Flask | None = None) -> bool:
    """Tell whether reports are kept (KEEP_REPORTS; on by default, off in tests unless set)."""
    app = app or current_app
    setting = app.config.get("KEEP_REPORTS")
    return (not app.testing) if setting is None else bool(setting)


def kept_languages(app: Flask | None = None) -> list[str]:
    """Return the languages reports are kept in (KEPT_REPORT_LANGUAGES, default every language)."""
    app = app or current_app
    languages = list(app.config["LANGUAGES"])
    chosen = app.config.get("KEPT_REPORT_LANGUAGES")
    return [code for code in chosen if code in languages] if chosen else languages


def keepable(assessment: Assessment) -> bool:
    return enabled() and assessment.status in KEPT_STATUSES


# --------------------------------------------------------------------------
# What a report depends on
# --------------------------------------------------------------------------

_code_digests: dict[str, str] = {}
_code_lock = threading.Lock()


def code_digest(app: Flask | None = None) -> str:
    """Return a digest of the report's templates, stylesheet and interface translations (once per process)."""
    app = app or current_app
    key = app.root_path
    with _code_lock:
        found = _code_digests.get(key)
        if found is None:
            digest = hashlib.sha256(b"kept-report-1")
            root = Path(app.root_path)
            templates = Path(app.template_folder or "templates")
            templates = templates if templates.is_absolute() else root / templates
            files: list[Path] = sorted((templates / "reports").glob("*.html"))
            files += [templates / "partials" / "clause.html"]
            files += [Path(app.static_folder or "static") / "css" / "report.css"]
            files += sorted((root / "translations").glob("*/LC_MESSAGES/messages.mo"))
            files += sorted(Path(__file__).parent.glob("*.py"))
            for path in files:
                digest.update(path.name.encode())
                try:
                    digest.update(path.read_bytes())
                except OSError:
                    digest.update(b"-")
            found = _code_digests[key] = digest.hexdigest()
        return found


def _means_of(assessment: Assessment, audience: str, comparison: dict[str, Any] | None) -> Any:
    cycle = assessment.cycle
    if audience == content.COUNTRY:
        published = cycle.means_published_at.isoformat() if cycle.means_published_at else None
        return [published, cycle.published_means]
    return services.means_summary(comparison if comparison is not None else services.reviewable_comparison(cycle))


def digest(assessment: Assessment, audience: str, language: str, comparison: dict[str, Any] | None = None) -> str:
    """Return the digest of everything the assessment's report for that reader and language is made from."""
    catalogue = catalogue_for(assessment.cycle, language)
    parts = {
        "code": code_digest(),
        "assessment": [assessment.id, assessment.version, str(assessment.status)],
        "audience": audience,
        "language": language,
        "catalogue": [catalogue.hash, catalogue.language, catalogue.translation_revision],
        "cycle": [assessment.cycle.code, assessment.cycle.title],
        "country": [assessment.country_iso3, assessment.country.region],
        "means": _means_of(assessment, audience, comparison),
    }
    text = json.dumps(parts, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


# --------------------------------------------------------------------------
# The kept copies
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Found:
    """What is kept of one report: its state for the current digest, and the bytes when ready."""

    state: str  # READY, PENDING, FAILED, or "" when nothing current is kept or asked for
    digest: str
    content: bytes | None = None
    error: str = ""

    @property
    def ready(self) -> bool:
        return self.state == READY and self.content is not None


def _row(
    assessment_id: int, audience: str, language: str, fmt: str, *, with_content: bool = False
) -> KeptReport | None:
    query = select(KeptReport).where(
        KeptReport.assessment_id == assessment_id,
        KeptReport.audience == audience,
        KeptReport.language == language,
        KeptReport.format == fmt,
    )
    if with_content:
        query = query.options(undefer(KeptReport.content))
    return db.session.scalar(query)


def pending_timeout() -> timedelta:
    """Return how long a copy may stay pending before it counts as lost (a worker that died)."""
    seconds = float(current_app.config.get("REPORT_TIMEOUT_SECONDS") or 60)
    return timedelta(seconds=4 * len(FORMATS) * seconds + 60)


def find(assessment: Assessment, audience: str, language: str, fmt: str) -> Found:
    """Return the kept copy of a report if it is the current one, or where it stands."""
    current = digest(assessment, audience, language)
    row = _row(assessment.id, audience, language, fmt, with_content=True)
    if row is None or row.digest != current:
        return Found("", current)
    if row.status == PENDING and row.created_at < utcnow() - pending_timeout():
        return Found("", current)
    return Found(row.status, current, row.content if row.status == READY else None, row.error)


def store(
    assessment: Assessment,
    audience: str,
    language: str,
    fmt: str,
    current: str,
    status: str,
    data: bytes | None = None,
    error: str = "",
) -> None:
    """Keep a report's state (and bytes), replacing what was kept for the same reader, language and format."""
    for attempt in (1, 2):
        row = _row(assessment.id, audience, language, fmt)
        if row is None:
            row = KeptReport(assessment_id=assessment.id, audience=audience, language=language, format=fmt)
            db.session.add(row)
        row.assessment_version = assessment.version
        row.digest = current
        row.status = status
        row.content = data
        row.size = len(data or b"")
        row.error = error[:2000]
        row.created_at = utcnow()
        try:
            db.session.commit()
            return
        except IntegrityError:  # another process kept the same report at the same moment
            db.session.rollback()
            if attempt == 2:
                raise


# --------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------


def toolbar_for(assessment: Assessment) -> list[tuple[str, str]]:
    """Return the links above a report in the browser (the same for every reader)."""
    args: dict[str, Any] = {"cycle": assessment.cycle.code, "iso3": assessment.country_iso3}
    return [
        (_("Back to the assessment"), url_for("assessment.overview", **args)),
        (_("Download as PDF"), url_for("reports.report_pdf", **args)),
    ]


def render(assessment: Assessment, audience: str, fmt: str, comparison: dict[str, Any] | None = None) -> bytes:
    """Render a report in the current language (inside `documents.rendering`); raise ReportRenderError."""
    report = documents.country_report(assessment, audience, comparison)
    if fmt == HTML:
        return documents.country_report_html(report, toolbar=toolbar_for(assessment)).encode("utf-8")
    return documents.pdf_of(documents.country_report_html(report, pdf=True))


def keep(
    assessment_id: int,
    audiences: Sequence[str] | None = None,
    languages: Sequence[str] | None = None,
    formats: Sequence[str] = FORMATS,
) -> int:
    """Render and keep an assessment's reports that are not current; return how many were rendered.

    Run by the background job; reads the assessment as it is now, so a job queued
    before later changes renders the latest state (and one queued twice does nothing
    the second time).
    """
    assessment = db.session.get(Assessment, assessment_id)
    if assessment is None or assessment.status not in KEPT_STATUSES:
        return 0
    db.session.refresh(assessment)
    comparison = services.reviewable_comparison(assessment.cycle)
    rendered = 0
    for language in languages or kept_languages():
        for audience in audiences or content.AUDIENCES:
            current = digest(assessment, audience, language, comparison)
            for fmt in formats:
                row = _row(assessment.id, audience, language, fmt)
                if row is not None and row.digest == current and row.status == READY:
                    continue
                with documents.rendering(language):
                    try:
                        data = render(assessment, audience, fmt, comparison)
                    except ReportRenderError as error:
                        log.warning("kept report %s/%s/%s failed: %s", assessment_id, language, fmt, error.message)
                        store(assessment, audience, language, fmt, current, FAILED, error=error.message)
                        continue
                store(assessment, audience, language, fmt, current, READY, data)
                rendered += 1
    return rendered


def kept_pdf(assessment: Assessment, language: str, comparison: dict[str, Any] | None = None) -> bytes | None:
    """Return the secretariat's kept PDF of an assessment in a language if it is current (the meeting pack)."""
    if not enabled() or assessment.status not in KEPT_STATUSES:
        return None
    row = _row(assessment.id, content.REVIEWER, language, PDF, with_content=True)
    if row is None or row.status != READY or row.content is None:
        return None
    return row.content if row.digest == digest(assessment, content.REVIEWER, language, comparison) else None
