"""Gap reports in the browser and as PDF; meeting packs for reviewers."""

from __future__ import annotations

import logging
from io import BytesIO
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from .. import jobs, services
from ..db import db
from ..i18n import current_language
from ..models import Assessment, Cycle, Job
from ..reports import documents, kept
from ..reports.pack import pack_assessments, regions_of
from ..reports.pdf import ReportRenderError
from .common import error_page, login_required, private_download, reviewer_required

log = logging.getLogger(__name__)

bp = Blueprint("reports", __name__)


@bp.route("/cycles/<cycle>/countries/<iso3>/report")
@login_required
def report(cycle: str, iso3: str) -> ResponseReturnValue:
    """Show a country's gap report in the browser (the same template as the PDF).

    A submitted, returned or accepted assessment's page is kept (reports/kept.py): the
    kept copy is sent when it is current, else the page is made now and kept.
    """
    # Access first: nothing kept is looked at for someone who may not see the report.
    assessment = services.assessment_for(current_user, cycle, iso3)
    audience, language = documents.audience_for(current_user), current_language()
    if not kept.keepable(assessment):
        found = documents.country_report(assessment, audience)
        return documents.country_report_html(found, toolbar=kept.toolbar_for(assessment))
    copy = kept.find(assessment, audience, language, kept.HTML)
    if copy.ready and copy.content is not None:
        return _html(copy.content)
    data = kept.render(assessment, audience, kept.HTML)
    kept.store(assessment, audience, language, kept.HTML, copy.digest, kept.READY, data)
    return _html(data)


def _html(data: bytes) -> Response:
    return Response(data, mimetype="text/html")


@bp.route("/cycles/<cycle>/countries/<iso3>/report.pdf")
@login_required
def report_pdf(cycle: str, iso3: str) -> ResponseReturnValue:
    """Send a country's gap report as a tagged PDF.

    The kept copy is sent at once when it is current.  While it is being made, a page
    says so and reloads itself (no script needed), with a link that makes it now; a
    draft, or a report no queue would take, is made now as before.
    """
    assessment = services.assessment_for(current_user, cycle, iso3)
    audience, language = documents.audience_for(current_user), current_language()
    name = documents.report_filename(assessment.cycle.code, assessment.country_iso3)
    keep = kept.keepable(assessment)
    current = ""
    if keep:
        copy = kept.find(assessment, audience, language, kept.PDF)
        current = copy.digest
        if copy.ready and copy.content is not None:
            return private_download(BytesIO(copy.content), "application/pdf", name, inline=True)
        waiting = copy.state == kept.PENDING or (copy.state == "" and _ask(assessment, audience, language, current))
        if waiting and request.args.get("now") != "1":
            return _preparing(assessment)
    found = documents.country_report(assessment, audience)
    try:
        pdf = documents.pdf_of(documents.country_report_html(found, pdf=True))
    except ReportRenderError as error:
        log.warning(
            "report %s/%s not rendered: %s",
            assessment.cycle.code,
            assessment.country_iso3,
            error.message,
        )
        return _render_failed(error)
    if keep:
        kept.store(assessment, audience, language, kept.PDF, current, kept.READY, pdf)
    return private_download(BytesIO(pdf), "application/pdf", name, inline=True)


def _ask(assessment: Assessment, audience: str, language: str, current: str) -> bool:
    """Mark the PDF pending and queue its rendering; False when no queue would take it."""
    kept.store(assessment, audience, language, kept.PDF, current, kept.PENDING)
    try:
        jobs.enqueue_reports(assessment.id, audiences=[audience], languages=[language])
    except jobs.JobQueueUnavailable as error:
        log.warning("report of assessment %s not queued: %s", assessment.id, error)
        kept.store(assessment, audience, language, kept.PDF, current, kept.FAILED, error="queue unavailable")
        return False
    return True


#: How often the page of a report being made reloads itself (seconds).
PREPARING_REFRESH = 3


def _preparing(assessment: Assessment) -> ResponseReturnValue:
    """Say that the PDF is being made; the page reloads itself until it is there."""
    args: dict[str, Any] = {"cycle": assessment.cycle.code, "iso3": assessment.country_iso3}
    html = render_template(
        "reports/preparing.html",
        assessment=assessment,
        refresh=PREPARING_REFRESH,
        pdf_url=url_for(".report_pdf", **args),
        now_url=url_for(".report_pdf", now="1", **args),
        html_url=url_for(".report", **args),
    )
    return html, 202, {"Refresh": str(PREPARING_REFRESH)}


def _render_failed(error: ReportRenderError) -> ResponseReturnValue:
    if error.reason == "timeout":
        message = _(
            "The PDF could not be produced: it took longer than %(s)s seconds and was stopped. "
            "Try again in a few minutes; if it happens again, tell the platform operator.",
            s=f"{error.limit:g}" if error.limit else "?",
        )
    elif error.reason == "memory":
        message = _(
            "The PDF could not be produced: it needed more memory than the %(mb)s MB a report "
            "may use. Tell the platform operator.",
            mb=error.limit or "?",
        )
    elif error.reason == "busy":
        message = _("The server is busy producing other reports. Try again in a minute or two.")
    else:
        message = _(
            "The PDF could not be produced. Try again in a few minutes; if it happens again, "
            "tell the platform operator."
        )
    response = error_page(503, _("The report is not available right now"), message)
    return response[0], 503, {"Retry-After": "120"}


# --------------------------------------------------------------------------
# Meeting packs
# --------------------------------------------------------------------------


@bp.route("/cycles/<cycle>/meeting-pack", methods=["GET", "POST"])
@reviewer_required
def meeting_pack(cycle: str) -> ResponseReturnValue:
    """Show the cycle's meeting packs of this reviewer; POST starts a new one."""
    found = services.find_cycle(cycle)
    languages = current_app.config["LANGUAGES"]
    if request.method == "POST":
        language = request.form.get("language") or current_language()
        if language not in languages:
            flash(
                _("“%(value)s” is not a language of the platform: choose one in the list.", value=language[:20]),
                "error",
            )
            return redirect(url_for(".meeting_pack", cycle=found.code)), 303
        region = request.form.get("region") or ""
        if region and region not in regions_of(found):
            flash(
                _("“%(value)s” is not a region of this cycle's countries: choose one in the list.", value=region[:40]),
                "error",
            )
            return redirect(url_for(".meeting_pack", cycle=found.code)), 303
        job, created = jobs.start_meeting_pack(current_user, found, language, region)
        if job.status == jobs.FAILED:
            flash(job_error(job) or _("The meeting pack could not be started."), "error")
        elif created:
            flash(
                _("The meeting pack is being prepared. You can leave this page and come back."),
                "success",
            )
        else:
            flash(
                _("A meeting pack of this cycle is already being prepared; here is its progress."),
                "info",
            )
        return redirect(url_for(".job", job_id=job.id))
    return render_template(
        "reports/meeting_pack.html",
        cycle=found,
        countries=pack_assessments(found),
        jobs=jobs.jobs_of(current_user, found),
        regions=regions_of(found),
        job_regions={job.id: jobs.region_of(job) for job in jobs.jobs_of(current_user, found)},
        languages=languages,
        chosen_language=current_language(),
    )


def _job_or_404(job_id: str) -> Job:
    return jobs.job_for(current_user, job_id)


def job_error(job: Job) -> str:
    """Return what went wrong with a job, in the reader's language where it is a known case."""
    if job.error == jobs.QUEUE_UNAVAILABLE:
        return _(
            "The job queue is not reachable, so the pack could not be started. "
            "Try again later or tell the platform operator."
        )
    if job.error == jobs.INTERRUPTED:
        return _(
            "The pack did not finish within %(minutes)d minutes: it was probably interrupted "
            "(for example by a restart of the server). Start a new one.",
            minutes=jobs.pack_timeout() // 60,
        )
    return job.error or ""


def _job_state(job: Job) -> dict[str, object]:
    finished = jobs.result_file(job) is not None
    return {
        "id": job.id,
        "status": job.status,
        "done": job.done,
        "total": job.total,
        "error": job_error(job),
        "download_url": url_for(".job_download", job_id=job.id) if finished else None,
    }


@bp.route("/meeting-packs/<job_id>")
@reviewer_required
def job(job_id: str) -> ResponseReturnValue:
    """Show a meeting pack's progress (refreshed by static/js/meeting-pack.js, or by a link)."""
    found = _job_or_404(job_id)
    cycle = db.session.get(Cycle, found.cycle_id)
    return render_template(
        "reports/job.html",
        job=found,
        cycle=cycle,
        state=_job_state(found),
        active=found.status in jobs.ACTIVE,
    )


@bp.route("/meeting-packs/<job_id>/status")
@reviewer_required
def job_status(job_id: str) -> ResponseReturnValue:
    """Return a meeting pack's progress as JSON."""
    return _job_state(_job_or_404(job_id))


@bp.route("/meeting-packs/<job_id>/download")
@reviewer_required
def job_download(job_id: str) -> ResponseReturnValue:
    """Send the finished meeting pack as one ZIP file."""
    found = _job_or_404(job_id)
    path = jobs.result_file(found)
    if path is None:
        abort(404)
    cycle = db.session.get(Cycle, found.cycle_id)
    name = f"meeting-pack-{documents.safe_name(cycle.code if cycle else 'cycle')}.zip"
    return private_download(path, "application/zip", name)
