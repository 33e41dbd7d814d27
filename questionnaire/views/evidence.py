"""Evidence files on the section page: attach one to an answer, download it, remove it (services.evidence).

The upload form of each item and the remove buttons sit beside the item's answer, but
post their own forms (multipart, with their CSRF token), never the section's. A refused
upload shows the section again with the reason beside the form's field; nothing is saved.
Downloads, here and in the API (`send_evidence`), are attachments of the type found from
the content, never cached, never sniffed, and sandboxed should a browser render one.
"""

from __future__ import annotations

from io import BytesIO
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from ..catalogue_store import catalogue_for
from ..models import Assessment
from ..services import evidence
from .assessment import Attention, render_section_with
from .common import error_page, login_required, private_download, status_of

bp = Blueprint("evidence", __name__, url_prefix="/cycles/<cycle>/countries/<iso3>")

# Room for the multipart envelope, the title, the date and the CSRF token around the file itself:
# a file a little over the limit is still read and refused beside the form, with its size.
_FORM_OVERHEAD = 256 * 1024
# What a downloaded file may do if a browser renders it anyway: nothing.
SANDBOX = "sandbox; default-src 'none'"


@bp.url_value_preprocessor
def _limit_upload(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """Read no more of an upload than an evidence file may be (before CSRF parses the form)."""
    if endpoint == "evidence.upload" and request.method == "POST":
        request.max_content_length = evidence.max_bytes() + _FORM_OVERHEAD


@bp.errorhandler(413)
def _too_large(error: Any) -> ResponseReturnValue:
    return error_page(413, _("File too large"), evidence.too_large_message())


def send_evidence(info: evidence.FileInfo, data: bytes) -> Response:
    """Send an evidence file: an attachment of its detected type, not stored, not sniffed, sandboxed."""
    response = private_download(BytesIO(data), info.media_type, info.filename)
    response.headers["Content-Security-Policy"] = SANDBOX
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _section_url(assessment: Assessment, item: str) -> str:
    """Return where an item's evidence is shown: its section page, at the item's files."""
    found = catalogue_for(assessment.cycle).item_by_id.get(item)
    cycle, iso3 = assessment.cycle.code, assessment.country_iso3
    if found is None:
        return url_for("assessment.overview", cycle=cycle, iso3=iso3)
    return url_for("assessment.section", cycle=cycle, iso3=iso3, section=found.section) + f"#evidence-{item}"


@bp.route("/items/<item>/evidence", methods=["POST"])
@login_required
def upload(cycle: str, iso3: str, item: str) -> ResponseReturnValue:
    """Attach a file to an item's answer; a refusal shows the section with the reason beside the form."""
    assessment = evidence.assessment_for(current_user, cycle, iso3)
    found = catalogue_for(assessment.cycle).item_by_id.get(item)
    if found is None:
        abort(404)
    sent = request.files.get("file")
    # The whole file: the request itself is capped a little above the limit, so its size can be told.
    data = sent.stream.read() if sent is not None and sent.filename else None
    title = request.form.get("title", "")
    when = request.form.get("date", "")
    shared = request.form.get("shared")
    try:
        info = evidence.attach(
            current_user,
            assessment,
            item,
            data=data,
            filename=sent.filename if sent is not None else None,
            title=title,
            document_date=when,
            shared=shared,
            source="form",
        )
    except evidence.EvidenceRefused as refused:
        attempt = evidence.Attempt(
            item=item,
            errors=refused.errors,
            title=title[: evidence.MAX_TITLE + 100],
            document_date=when[:20],
            shared=evidence.parse_shared(shared)[0],
        )
        notice = _(
            "The file was not attached to %(item)s; nothing was saved. The reason is shown beside the form.",
            item=item,
        )
        return render_section_with(
            cycle, iso3, found.section, Attention(notice=notice, evidence=attempt), status_of(refused)
        )
    flash(_("“%(title)s” was attached to %(item)s.", title=info.title, item=item), "success")
    return redirect(_section_url(assessment, item))


@bp.route("/evidence/<int:file_id>")
@login_required
def download(cycle: str, iso3: str, file_id: int) -> ResponseReturnValue:
    """Send an evidence file, if the user may see it (another country's, or an internal one for reviewers: 404)."""
    assessment = evidence.assessment_for(current_user, cycle, iso3)
    info, data = evidence.open_file(current_user, assessment, file_id)
    return send_evidence(info, data)


@bp.route("/evidence/<int:file_id>/delete", methods=["POST"])
@login_required
def delete(cycle: str, iso3: str, file_id: int) -> ResponseReturnValue:
    """Remove an evidence file from its answer (the country's editors, while answers may change)."""
    assessment = evidence.assessment_for(current_user, cycle, iso3)
    info = evidence.remove(current_user, assessment, file_id, source="form")
    flash(_("“%(title)s” was removed from %(item)s.", title=info.title, item=info.item), "success")
    return redirect(_section_url(assessment, info.item))
