"""The JSON API (/api/v1): what the browser offers, for scripts, under the same permissions.

Clients authenticate with `Authorization: Bearer <token>` only; the session
cookie is never read here, so cross-site requests cannot act for a signed-in
browser and the blueprint is exempt from CSRF tokens.  Permissions are the
services' own: another country's assessment, or a draft for a reviewer,
answers 404.  Errors are JSON `{"error": {"status": …, "message": …, …}}`.
The OpenAPI document (`questionnaire.openapi`) describes every route here, and
request bodies are checked against the very schemas it publishes.
"""

from __future__ import annotations

import json
import re
from io import BytesIO
from typing import Any, NoReturn

from flask import Blueprint, Response, g, jsonify, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from .. import auth, openapi, services
from ..catalogue_store import catalogue_for, current_catalogue
from ..models import Answer, AnswerChange, Assessment, Comment, Cycle, Event, User
from ..services import AnswerInput, ServiceError, StaleAnswer
from .common import private_download, status_of

bp = Blueprint("api", __name__, url_prefix=openapi.API_PREFIX)

_PATH_PATTERNS = {
    "cycle": re.compile(openapi.CYCLE_PATTERN),
    "iso3": re.compile(openapi.ISO3_PATTERN),
    "item": re.compile(openapi.ITEM_PATTERN),
}
# Service field names as the API spells them.
_FIELD_NAMES = {
    "assistance_kind": "assistance.kind",
    "assistance_description": "assistance.description",
}


class ApiError(Exception):
    """A request the API refuses before any service is called."""

    def __init__(self, status: int, message: str, **details: Any):
        super().__init__(message)
        self.status = status
        self.message = message
        self.details = details


def error_response(status: int, message: str, **details: Any) -> Response:
    """Return the JSON error body every API failure uses."""
    response = jsonify({"error": {"status": status, "message": message, **details}})
    response.status_code = status
    return response


def _unauthorized(message: str, error: str | None) -> Response:
    response = error_response(401, message)
    challenge = 'Bearer realm="api"'
    if error:
        challenge += f', error="{error}"'
    response.headers["WWW-Authenticate"] = challenge
    return response


# ---------------------------------------------------------------------------
# Authentication, path checks and errors
# ---------------------------------------------------------------------------


@bp.before_request
def _authenticate() -> Response | None:
    """Find the user of the bearer token; refuse the request without one."""
    if request.endpoint == "api.openapi_document":
        return None
    header = request.headers.get("Authorization", "").strip()
    if not header:
        return _unauthorized(_("Send your API token in the header “Authorization: Bearer <token>”."), None)
    scheme, _sep, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return _unauthorized(_("The Authorization header must read “Bearer <token>”."), "invalid_request")
    user = auth.user_for_token(token.strip())
    if user is None:
        return _unauthorized(
            _("This API token is not valid: it is unknown or revoked, or its account is deactivated."),
            "invalid_token",
        )
    g.api_user = user
    # A value outside these patterns names nothing that can exist; refuse it before any query.
    for name, value in (request.view_args or {}).items():
        pattern = _PATH_PATTERNS.get(name)
        if pattern is not None and not pattern.match(value):
            return error_response(404, _unknown(name, value[:80]))
    return None


def _unknown(name: str, value: str) -> str:
    if name == "cycle":
        return _("There is no cycle “%(value)s”.", value=value)
    if name == "iso3":
        return _("There is no country “%(value)s” (use an ISO 3166-1 alpha-3 code).", value=value)
    return _("There is no checklist item “%(value)s”.", value=value)


def _user() -> User:
    return g.api_user  # type: ignore[no-any-return]


@bp.errorhandler(ApiError)
def _api_error(error: ApiError) -> Response:
    return error_response(error.status, error.message, **error.details)


@bp.errorhandler(ServiceError)
def _service_error(error: ServiceError) -> Response:
    details: dict[str, Any] = {}
    if isinstance(error, StaleAnswer):
        details = {
            "item": error.item,
            "based_on": error.based_on,
            "current": _answer(error.item, error.current) if error.current is not None else None,
        }
    elif isinstance(error, services.InvalidAnswer):
        details = {"errors": {_FIELD_NAMES.get(k, k): v for k, v in error.errors.items()}}
        if error.item:
            details["item"] = error.item
    elif isinstance(error, services.UnknownChecklistItem):
        details = {"item": error.details.get("item")}
    return error_response(status_of(error), error.message, **details)


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException) -> Response:
    status = error.code or 500
    messages = {
        413: _("The request body is larger than the platform accepts."),
        405: _("This address does not accept that method."),
    }
    response = error_response(status, messages.get(status, error.description or error.name))
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        response.headers["Allow"] = ", ".join(sorted(error.valid_methods))
    return response


@bp.after_app_request
def _allow_header(response: Response) -> Response:
    """Name the allowed methods on a 405 under /api (routing errors bypass the blueprint)."""
    if response.status_code == 405 and request.path.startswith(openapi.API_PREFIX + "/"):
        exc = request.routing_exception
        if isinstance(exc, MethodNotAllowed) and exc.valid_methods and "Allow" not in response.headers:
            response.headers["Allow"] = ", ".join(sorted(exc.valid_methods))
    return response


# ---------------------------------------------------------------------------
# Request bodies
# ---------------------------------------------------------------------------


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not a JSON number")


def _json_body(schema: dict[str, Any], required: bool) -> dict[str, Any]:
    """Parse the JSON body and check it against its published schema (400, 415 or 422)."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        if required:
            raise ApiError(400, _("Send a JSON object in the request body."))
        return {}
    mimetype = request.mimetype
    if mimetype != "application/json" and not mimetype.endswith("+json"):
        raise ApiError(415, _("Send the body as JSON, with the header “Content-Type: application/json”."))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ApiError(400, _("The request body is not UTF-8 text (byte %(n)d).", n=error.start)) from None
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as error:
        raise ApiError(
            400,
            _(
                "The request body is not valid JSON: %(problem)s at line %(line)d, column %(col)d.",
                problem=error.msg,
                line=error.lineno,
                col=error.colno,
            ),
        ) from None
    except (ValueError, RecursionError) as error:
        raise ApiError(400, _("The request body is not valid JSON: %(problem)s.", problem=str(error)[:200])) from None
    if not isinstance(data, dict):
        raise ApiError(422, _("The request body must be a JSON object."))
    problems = openapi.check(data, schema)
    if problems:
        raise ApiError(
            422,
            ngettext(
                "%(num)d field needs correcting; nothing was changed.",
                "%(num)d fields need correcting; nothing was changed.",
                len(problems),
            ),
            errors=problems,
        )
    return data


def _answer_input(body: dict[str, Any], stored: AnswerInput) -> tuple[AnswerInput, dict[str, str]]:
    """Merge the fields sent with the stored answer; return it and the assistance's problems."""

    def field(name: str, default: Any) -> Any:
        return body[name] if name in body else default

    problems: dict[str, str] = {}
    kind, description = stored.assistance_kind, stored.assistance_description
    if "assistance" in body:
        assistance = body["assistance"]
        kind = assistance.get("kind")
        description = assistance.get("description", "")
        if assistance["requested"]:
            if kind is None or kind.strip() in ("", "none"):
                problems["assistance.kind"] = _("is required when assistance is requested.")
                kind = None
        else:
            if kind is not None:
                problems["assistance.kind"] = _("must be null or left out when “requested” is false.")
            if description.strip():
                problems["assistance.description"] = _("must be empty or left out when “requested” is false.")
            kind, description = None, ""
    values = services.make_input(
        rating=field("rating", stored.rating),
        description=field("description", stored.description),
        legal_references=field("legal_references", stored.legal_references),
        evidence_links=field("evidence_links", stored.evidence_links),
        assistance_kind=kind,
        assistance_description=description,
        justification=field("justification", stored.justification),
    )
    return values, problems


# ---------------------------------------------------------------------------
# Representations
# ---------------------------------------------------------------------------


def _time(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _email(user: User | None) -> str | None:
    return user.email if user is not None else None


def _answer(item: str, answer: Answer | None) -> dict[str, Any]:
    values = AnswerInput.of(answer)
    return {
        "item": item,
        "rating": values.rating,
        "description": values.description,
        "legal_references": list(values.legal_references),
        "evidence_links": list(values.evidence_links),
        "assistance": {
            "requested": values.assistance_kind is not None,
            "kind": values.assistance_kind,
            "description": values.assistance_description,
        },
        "justification": values.justification,
        "version": answer.version if answer is not None else 0,
        "updated_at": _time(answer.updated_at) if answer is not None else None,
        "updated_by": _email(answer.updated_by) if answer is not None else None,
    }


def _cycle(cycle: Cycle) -> dict[str, Any]:
    return {
        "code": cycle.code,
        "title": cycle.title,
        "status": cycle.status,
        "edition": cycle.edition_hash,
        "opened_at": _time(cycle.opened_at),
        "closed_at": _time(cycle.closed_at),
    }


def _assessment(assessment: Assessment) -> dict[str, Any]:
    user = _user()
    catalogue = catalogue_for(assessment.cycle)
    answers = services.answers_of(assessment)
    sections = services.progress(assessment, answers)
    editable = services.can_edit(user, assessment)
    return {
        "cycle": assessment.cycle.code,
        "country": {
            "iso3": assessment.country.iso3,
            "name": assessment.country.name,
            "region": assessment.country.region or "",
        },
        "status": assessment.status,
        "version": assessment.version,
        "edition": assessment.cycle.edition_hash,
        "created_at": _time(assessment.created_at),
        "updated_at": _time(assessment.updated_at),
        "submitted_at": _time(assessment.submitted_at),
        "progress": {
            "answered": sum(s.answered for s in sections),
            "total": sum(s.total for s in sections),
            "sections": [
                {
                    "id": s.id,
                    "title": s.title,
                    "answered": s.answered,
                    "total": s.total,
                    "first_unanswered": s.first_unanswered,
                }
                for s in sections
            ],
        },
        "answers": [_answer(i.id, answers[i.id]) for i in catalogue.items if i.id in answers],
        "can": {
            "edit": editable,
            "submit": editable,
            "review": services.can_review(user, assessment),
            "comment": services.can_comment(user, assessment),
        },
    }


def _change(change: AnswerChange) -> dict[str, Any]:
    return {
        "item": change.item_id,
        "version": change.version,
        "at": _time(change.at),
        "user": _email(change.user),
        "source": change.source,
        "changes": change.changes,
    }


def _event(event: Event) -> dict[str, Any]:
    return {
        "action": event.action,
        "from_status": event.from_status,
        "to_status": event.to_status,
        "at": _time(event.at),
        "user": _email(event.user),
        "comment": event.comment or "",
    }


def _comment(comment: Comment) -> dict[str, Any]:
    return {
        "id": comment.id,
        "item": comment.item_id,
        "at": _time(comment.at),
        "author": _email(comment.user),
        "role": comment.user.role if comment.user else None,
        "body": comment.body,
    }


def _load(cycle: str, iso3: str) -> Assessment:
    return services.assessment_for(_user(), cycle, iso3)


def _item_of(assessment: Assessment, item: str) -> str:
    if item not in catalogue_for(assessment.cycle).item_by_id:
        raise ApiError(404, _("There is no checklist item “%(item)s” in this cycle.", item=item[:80]))
    return item


# ---------------------------------------------------------------------------
# Routes
# ---------------------------------------------------------------------------


@bp.get("/openapi.json")
def openapi_document() -> Response:
    """Serve the OpenAPI document (no token needed)."""
    return jsonify(openapi.build_document())


@bp.get("/catalogue")
def catalogue() -> Response:
    """Return the current catalogue edition, or the one a cycle uses (?cycle=)."""
    code = request.args.get("cycle")
    found = catalogue_for(services.find_cycle(code)) if code is not None else current_catalogue()
    data = json.loads(found.to_json())
    data["hash"] = found.hash
    return jsonify(data)


@bp.get("/cycles")
def cycles() -> Response:
    """List cycles and their status, newest first."""
    return jsonify({"cycles": [_cycle(c) for c in services.list_cycles()]})


@bp.get("/cycles/<cycle>/scores")
def cycle_scores(cycle: str) -> Response:
    """Compare every country of the cycle the user may see."""
    found = services.find_cycle(cycle)
    return jsonify(services.compare_cycle(found, services.visible_assessments(_user(), found)))


@bp.post("/cycles/<cycle>/countries/<iso3>/assessment")
def start_assessment(cycle: str, iso3: str) -> tuple[Response, int] | Response:
    """Start the country's assessment (201), or return the existing one (200)."""
    found = services.find_cycle(cycle)
    assessment, created = services.start_assessment(_user(), found, iso3)
    response = jsonify(_assessment(assessment))
    if created:
        response.status_code = 201
        response.headers["Location"] = url_for(".get_assessment", cycle=found.code, iso3=assessment.country_iso3)
    return response


@bp.get("/cycles/<cycle>/countries/<iso3>/assessment")
def get_assessment(cycle: str, iso3: str) -> Response:
    """Return status, version, progress and every answer with its version."""
    return jsonify(_assessment(_load(cycle, iso3)))


@bp.put("/cycles/<cycle>/countries/<iso3>/answers/<item>")
def save_answer(cycle: str, iso3: str, item: str) -> Response:
    """Save one answer, if it is still at the version the client based the edit on."""
    assessment = _load(cycle, iso3)
    services.access.require_edit(_user(), assessment)
    _item_of(assessment, item)
    body = _json_body(openapi.ANSWER_INPUT, required=True)
    existing = services.answers_of(assessment).get(item)
    values, problems = _answer_input(body, AnswerInput.of(existing))
    for name, message in services.validate(values, catalogue_for(assessment.cycle)).items():
        problems.setdefault(_FIELD_NAMES.get(name, name), message)
    if problems:
        raise ApiError(
            422,
            _("The answer to %(item)s needs correcting; nothing was saved.", item=item),
            errors=problems,
            item=item,
        )
    saved = services.save_answer(_user(), assessment, item, values, int(body["version"]), source="api")
    response = jsonify(_answer(item, saved))
    if existing is None and saved is not None:
        response.status_code = 201
    return response


@bp.post("/cycles/<cycle>/countries/<iso3>/submit")
def submit(cycle: str, iso3: str) -> Response:
    """Submit the assessment to the reviewers."""
    assessment = _load(cycle, iso3)
    body = _json_body(openapi.TRANSITION_INPUT, required=False)
    services.submit(_user(), assessment, body.get("comment", ""))
    return jsonify(_assessment(assessment))


@bp.post("/cycles/<cycle>/countries/<iso3>/return")
def return_assessment(cycle: str, iso3: str) -> Response:
    """Return the assessment to the country with a comment."""
    assessment = _load(cycle, iso3)
    body = _json_body(openapi.RETURN_INPUT, required=True)
    services.return_assessment(_user(), assessment, body["comment"])
    return jsonify(_assessment(assessment))


@bp.post("/cycles/<cycle>/countries/<iso3>/accept")
def accept(cycle: str, iso3: str) -> Response:
    """Accept the assessment (final)."""
    assessment = _load(cycle, iso3)
    body = _json_body(openapi.TRANSITION_INPUT, required=False)
    services.accept(_user(), assessment, body.get("comment", ""))
    return jsonify(_assessment(assessment))


@bp.get("/cycles/<cycle>/countries/<iso3>/questionnaire.xlsx")
def download_questionnaire(cycle: str, iso3: str) -> Response:
    """Download the offline questionnaire, pre-filled with the saved answers."""
    from .. import offline

    assessment = _load(cycle, iso3)
    data = offline.build_workbook(assessment)
    return private_download(BytesIO(data), openapi.XLSX, offline.filename_for(assessment))


@bp.post("/cycles/<cycle>/countries/<iso3>/questionnaire.xlsx")
def upload_questionnaire(cycle: str, iso3: str) -> tuple[Response, int] | Response:
    """Read a filled-in offline questionnaire and save its answers (all or nothing)."""
    from .. import offline

    assessment = _load(cycle, iso3)
    services.access.require_edit(_user(), assessment)
    if request.mimetype not in (openapi.XLSX, "application/octet-stream"):
        raise ApiError(
            415,
            _(
                "Send the workbook itself as the body, with the header “Content-Type: %(type)s”.",
                type=openapi.XLSX,
            ),
        )
    data = request.get_data(cache=False)
    if not data:
        raise ApiError(400, _("The request body is empty: send the filled-in workbook."))
    # A file that cannot be read safely raises WorkbookRefused (422, or 413 when too large).
    report = offline.import_workbook(_user(), assessment, data, source="api")
    if report.ok:
        return jsonify(report.as_dict())
    if report.problems:
        return error_response(422, _("The workbook has problems; nothing was saved."), report=report.as_dict())
    return error_response(
        409,
        _(
            "Some answers were changed on the platform since the workbook was downloaded; "
            "nothing was saved. Download it again, or copy your changes into the new one."
        ),
        report=report.as_dict(),
    )


@bp.get("/cycles/<cycle>/countries/<iso3>/scores")
def scores(cycle: str, iso3: str) -> Response:
    """Return the assessment's scores and ranked gaps."""
    assessment = _load(cycle, iso3)
    data = dict(services.scores_of(assessment))
    data.update(
        cycle=assessment.cycle.code,
        country=assessment.country_iso3,
        status=assessment.status,
        version=assessment.version,
    )
    return jsonify(data)


@bp.get("/cycles/<cycle>/countries/<iso3>/history")
def history(cycle: str, iso3: str) -> Response:
    """Return every change of every answer (or of one, ?item=) and every lifecycle step."""
    assessment = _load(cycle, iso3)
    item = request.args.get("item")
    if item is not None:
        _item_of(assessment, item)
    return jsonify(
        {
            "changes": [_change(c) for c in services.history(assessment, item)],
            "events": [_event(e) for e in services.events(assessment)],
        }
    )


@bp.get("/cycles/<cycle>/countries/<iso3>/items/<item>/comments")
def list_comments(cycle: str, iso3: str, item: str) -> Response:
    """Return an item's thread of comments, oldest first."""
    assessment = _load(cycle, iso3)
    _item_of(assessment, item)
    thread = services.comments_of(assessment).get(item, [])
    return jsonify({"item": item, "comments": [_comment(c) for c in thread]})


@bp.post("/cycles/<cycle>/countries/<iso3>/items/<item>/comments")
def add_comment(cycle: str, iso3: str, item: str) -> tuple[Response, int]:
    """Add a comment to an item's thread."""
    assessment = _load(cycle, iso3)
    _item_of(assessment, item)
    if not services.can_comment(_user(), assessment):
        raise services.InvalidTransition(_("Comments are closed for this assessment."))
    body = _json_body(openapi.COMMENT_INPUT, required=True)
    comment = services.add_comment(_user(), assessment, item, body["body"])
    return jsonify(_comment(comment)), 201
