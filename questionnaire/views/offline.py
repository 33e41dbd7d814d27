"""The offline questionnaire in the browser: download the .xlsx, upload it filled in."""

from __future__ import annotations

import re
from io import BytesIO
from typing import Any

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from .. import offline, services
from ..catalogue_store import catalogue_for
from ..models import Assessment
from .common import error_page, login_required, private_download, status_of

bp = Blueprint("offline", __name__, url_prefix="/cycles/<cycle>/countries/<iso3>")

# Room for the multipart envelope and the CSRF token around the file itself.
_FORM_OVERHEAD = 64 * 1024
_REPLACE = re.compile(r"^([A-Za-z0-9][A-Za-z0-9_.-]{0,63}):(\d{1,9})$")


@bp.url_value_preprocessor
def _limit_upload(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """Read no more of an upload than a questionnaire may be (before CSRF parses the form)."""
    if endpoint == "offline.upload" and request.method == "POST":
        request.max_content_length = offline.max_upload_bytes() + _FORM_OVERHEAD


@bp.errorhandler(413)
def _too_large(error: Any) -> ResponseReturnValue:

    return error_page(413, _("File too large"), offline.too_large_message())


def _load(cycle: str, iso3: str) -> Assessment:
    return services.assessment_for(current_user, cycle, iso3)


@bp.route("/questionnaire.xlsx", methods=["GET"])
@login_required
def download(cycle: str, iso3: str) -> ResponseReturnValue:
    """Send the questionnaire as an Excel workbook pre-filled with the current answers."""
    assessment = _load(cycle, iso3)
    data = offline.build_workbook(assessment, viewer=current_user)  # its evidence files, as the user sees them
    return private_download(BytesIO(data), offline.XLSX_MIMETYPE, offline.filename_for(assessment))


@bp.route("/upload", methods=["GET"])
@login_required
def upload_form(cycle: str, iso3: str) -> ResponseReturnValue:
    """Show the form to upload a filled-in questionnaire."""
    assessment = _load(cycle, iso3)
    services.access.require_edit(current_user, assessment)
    return render_template(
        "offline/upload.html",
        assessment=assessment,
        limit_mb=offline.max_upload_bytes() // (1024 * 1024),
    )


@bp.route("/questionnaire.xlsx", methods=["POST"])
@login_required
def upload(cycle: str, iso3: str) -> ResponseReturnValue:
    """Check an uploaded questionnaire and apply it if every row is clean; show what happened."""
    assessment = _load(cycle, iso3)
    services.access.require_edit(current_user, assessment)
    limit_mb = offline.max_upload_bytes() // (1024 * 1024)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return render_template(
            "offline/upload.html",
            assessment=assessment,
            limit_mb=limit_mb,
            error=_("Choose the filled-in questionnaire (.xlsx) to upload."),
        ), 400
    data = upload.stream.read(offline.max_upload_bytes() + 1)
    replace = _replacements(request.form.getlist("replace"))
    try:
        report = offline.import_workbook(current_user, assessment, data, source="spreadsheet", replace=replace)
    except offline.WorkbookRefused as refused:
        return render_template(
            "offline/upload.html",
            assessment=assessment,
            limit_mb=limit_mb,
            error=refused.message,
            filename=upload.filename,
        ), status_of(refused)
    status = 200 if report.ok else (409 if report.conflicts and not report.problems else 422)
    return render_template(
        "offline/result.html",
        assessment=assessment,
        catalogue=catalogue_for(assessment.cycle),
        report=report,
        filename=upload.filename,
        limit_mb=limit_mb,
        labels={k: v for k, v in services.field_labels().items() if k in services.FIELDS},
        headings=offline.column_headings(),
    ), status


def _replacements(values: list[str]) -> dict[str, int]:
    """Read the conflicts the user chose to settle in the file's favour: ITEM:VERSION pairs."""
    chosen: dict[str, int] = {}
    for value in values[:500]:
        match = _REPLACE.match(value.strip())
        if match:
            chosen[match.group(1)] = int(match.group(2))
    return chosen
