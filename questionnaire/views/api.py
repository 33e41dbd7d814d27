"""The JSON API (/api/v1): what the browser offers, for scripts, under the same permissions.

Clients authenticate with `Authorization: Bearer <token>` only; the session
cookie is never read here, so cross-site requests cannot act for a signed-in
browser and the blueprint is exempt from CSRF tokens.  Permissions are the
services' own: another country's assessment, or a draft for a reviewer,
answers 404.  Errors are JSON `{"error": {"status": …, "message": …, …}}`.
Bodies, both ways, go through the pydantic models of `questionnaire.api_schemas`:
requests are validated with them, responses serialised through them, and the
OpenAPI document (`questionnaire.openapi`) publishes their schemas.
"""

from __future__ import annotations

import json
import re
from io import BytesIO
from typing import Any, NoReturn, TypeVar

from flask import Blueprint, Response, g, jsonify, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext, refresh
from pydantic import ValidationError
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from .. import api_schemas as schemas
from .. import auth, openapi, services, two_factor
from ..catalogue import Catalogue
from ..catalogue_store import catalogue_for, current_catalogue
from ..catalogue_texts import LANGUAGES, data_in_language
from ..models import Assessment, User
from ..services import AnswerInput, ServiceError, StaleAnswer, declarations, threads
from ..services import evidence as evidence_files
from ..services import recommendations as recs
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


Body = TypeVar("Body", bound=schemas.ApiModel)


def reply(body: schemas.ApiModel, status: int = 200) -> Response:
    """Return a response model as the JSON response (serialised through the model)."""
    response = jsonify(body.as_json())
    response.status_code = status
    return response


def error_response(status: int, message: str, **details: Any) -> Response:
    """Return the JSON error body every API failure uses."""
    return reply(schemas.Error(error=schemas.ErrorDetail(status=status, message=message, **details)), status)


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
    if two_factor.must_enrol(user):
        return error_response(
            403, _("This account must set up its second factor (under Account, in the browser) before using the API.")
        )
    g.api_user = user
    # Answer in the language of the token's account before the browser's (refresh: choose it again).
    g.user_locale = user.locale
    refresh()
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
            "current": schemas.Answer.of(error.item, error.current) if error.current is not None else None,
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


def _json_body(model: type[Body], required: bool) -> Body:
    """Parse the JSON body and validate it with its model (400, 415 or 422)."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        if required:
            raise ApiError(400, _("Send a JSON object in the request body."))
        return model.model_validate({})
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
    try:
        return model.model_validate(data)
    except ValidationError as error:
        problems = schemas.problems_of(error, model)
        raise ApiError(
            422,
            ngettext(
                "%(num)d field needs correcting; nothing was changed.",
                "%(num)d fields need correcting; nothing was changed.",
                len(problems),
            ),
            errors=problems,
        ) from None


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
    language = request.args.get("lang")
    if language is not None and language not in ("en", *LANGUAGES):
        message = _("Unknown language “%(lang)s”: use en, fr, es or ar.", lang=language[:20])
        raise ApiError(422, message, errors={"lang": message})
    found = catalogue_for(services.find_cycle(code), language) if code is not None else current_catalogue(language)
    unofficial = [o.id for o in found.obligations if found.clause_translation(o.id) == "unofficial"]
    return reply(
        schemas.Catalogue.model_validate(
            {
                **data_in_language(found),
                "hash": found.hash,
                "language": found.language,
                "translation": found.translation_revision or None,
                "unofficial_clauses": unofficial,
            }
        )
    )


@bp.get("/cycles")
def cycles() -> Response:
    """List cycles and their status, newest first."""
    return reply(schemas.CycleList(cycles=[schemas.Cycle.of(c) for c in services.list_cycles()]))


@bp.get("/cycles/<cycle>/scores")
def cycle_scores(cycle: str) -> Response:
    """Compare every country of the cycle the user may see."""
    found = services.find_cycle(cycle)
    comparison = services.compare_cycle(found, services.visible_assessments(_user(), found))
    return reply(schemas.Comparison.model_validate(_titled(comparison, catalogue_for(found))))


# Participation: every member country's status in a cycle (reviewers and admins; others 403).
@bp.get("/cycles/<cycle>/participation")
def cycle_participation(cycle: str) -> Response:
    """Return every member country's status in the cycle as the secretariat may know it."""
    from ..services import participation

    found = services.find_cycle(cycle)
    return reply(schemas.Participation.of(participation.participation(_user(), found)))


# Technical assistance requested (reviewers and admins; others 403).
@bp.get("/cycles/<cycle>/assistance")
def cycle_assistance(cycle: str) -> Response:
    """Return the technical assistance the countries of a cycle requested, filtered by region and kind."""
    from ..services import assistance

    unknown = sorted(set(request.args) - {"region", "kind"})
    if unknown:
        message = _("Unknown query parameter: use region and kind only.")
        raise ApiError(422, message, errors={name[:40]: message for name in unknown[:10]})
    found = services.find_cycle(cycle)
    region = request.args.get("region") or None
    kind = request.args.get("kind") or None
    demand = assistance.assistance_demand(_user(), found, region, kind)
    return reply(schemas.AssistanceDemand.of(demand, assistance.labels(found), region, kind))


@bp.post("/cycles/<cycle>/countries/<iso3>/assessment")
def start_assessment(cycle: str, iso3: str) -> Response:
    """Start the country's assessment (201), or return the existing one (200)."""
    found = services.find_cycle(cycle)
    assessment, created = services.start_assessment(_user(), found, iso3)
    response = reply(schemas.Assessment.of(assessment, _user()), 201 if created else 200)
    if created:
        response.headers["Location"] = url_for(".get_assessment", cycle=found.code, iso3=assessment.country_iso3)
    return response


@bp.get("/cycles/<cycle>/countries/<iso3>/assessment")
def get_assessment(cycle: str, iso3: str) -> Response:
    """Return status, version, progress and every answer with its version."""
    return reply(schemas.Assessment.of(_load(cycle, iso3), _user()))


@bp.put("/cycles/<cycle>/countries/<iso3>/answers/<item>")
def save_answer(cycle: str, iso3: str, item: str) -> Response:
    """Save one answer, if it is still at the version the client based the edit on."""
    assessment = _load(cycle, iso3)
    services.access.require_edit(_user(), assessment)
    _item_of(assessment, item)
    body = _json_body(schemas.AnswerInput, required=True)
    existing = services.answers_of(assessment).get(item)
    values, problems = body.merged_with(AnswerInput.of(existing))
    for name, message in services.validate(values, catalogue_for(assessment.cycle)).items():
        problems.setdefault(_FIELD_NAMES.get(name, name), message)
    if problems:
        raise ApiError(
            422,
            _("The answer to %(item)s needs correcting; nothing was saved.", item=item),
            errors=problems,
            item=item,
        )
    saved = services.save_answer(_user(), assessment, item, values, body.version, source="api")
    earlier = services.carry.previous_assessment(assessment)
    before = services.carry.previous_answers(_user(), earlier, [item]).get(item)
    answer = schemas.Answer.of(item, saved, before, earlier.cycle.code if earlier is not None else "")
    return reply(answer, 201 if existing is None and saved is not None else 200)


@bp.post("/cycles/<cycle>/countries/<iso3>/confirm")
def confirm_carried(cycle: str, iso3: str) -> Response:
    """Confirm carried-forward answers unchanged."""
    assessment = _load(cycle, iso3)
    body = _json_body(schemas.ConfirmInput, required=True)
    done = services.carry.confirm(_user(), assessment, body.items, source="api")
    return reply(schemas.ConfirmResult(confirmed=done, version=assessment.version))


@bp.post("/cycles/<cycle>/countries/<iso3>/submit")
def submit(cycle: str, iso3: str) -> Response:
    """Submit the assessment to the reviewers."""
    assessment = _load(cycle, iso3)
    body = _json_body(schemas.SubmitInput, required=False)
    declaration = body.declaration.values() if body.declaration is not None else None
    try:
        services.submit(_user(), assessment, body.comment, declaration)
    except declarations.InvalidDeclaration as refused:  # blank after cleaning: named as the body spells it
        raise ApiError(
            422, refused.message, errors={f"declaration.{field}": message for field, message in refused.errors.items()}
        ) from None
    return reply(schemas.Assessment.of(assessment, _user()))


@bp.post("/cycles/<cycle>/countries/<iso3>/return")
def return_assessment(cycle: str, iso3: str) -> Response:
    """Return the assessment to the country with a comment."""
    assessment = _load(cycle, iso3)
    body = _json_body(schemas.ReturnInput, required=True)
    recs.return_assessment(_user(), assessment, body.comment, [r.values() for r in body.recommendations])
    return reply(schemas.Assessment.of(assessment, _user()))


@bp.post("/cycles/<cycle>/countries/<iso3>/accept")
def accept(cycle: str, iso3: str) -> Response:
    """Accept the assessment (final)."""
    assessment = _load(cycle, iso3)
    body = _json_body(schemas.AcceptInput, required=False)
    recs.accept(_user(), assessment, body.comment, [r.values() for r in body.recommendations])
    return reply(schemas.Assessment.of(assessment, _user()))


@bp.get("/cycles/<cycle>/countries/<iso3>/questionnaire.xlsx")
def download_questionnaire(cycle: str, iso3: str) -> Response:
    """Download the offline questionnaire, pre-filled with the saved answers."""
    from .. import offline

    assessment = _load(cycle, iso3)
    data = offline.build_workbook(assessment, viewer=_user())  # its evidence files, as the user sees them
    return private_download(BytesIO(data), openapi.XLSX, offline.filename_for(assessment))


@bp.post("/cycles/<cycle>/countries/<iso3>/questionnaire.xlsx")
def upload_questionnaire(cycle: str, iso3: str) -> Response:
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
    body = schemas.ImportReport.model_validate(report.as_dict())
    if report.ok:
        return reply(body)
    if report.problems:
        return error_response(422, _("The workbook has problems; nothing was saved."), report=body)
    return error_response(
        409,
        _(
            "Some answers were changed on the platform since the workbook was downloaded; "
            "nothing was saved. Download it again, or copy your changes into the new one."
        ),
        report=body,
    )


@bp.get("/cycles/<cycle>/countries/<iso3>/scores")
def scores(cycle: str, iso3: str) -> Response:
    """Return the assessment's scores and ranked gaps."""
    assessment = _load(cycle, iso3)
    data = {
        **_titled(services.scores_of(assessment), catalogue_for(assessment.cycle)),
        "cycle": assessment.cycle.code,
        "country": assessment.country_iso3,
        "status": assessment.status,
        "version": assessment.version,
    }
    return reply(schemas.Scores.model_validate(data))


def _titled(data: Any, catalogue: Catalogue) -> Any:
    """Scores name their sections and instruments in English (they are stored and shared): give each
    area's title in the reader's language (`Accept-Language`, or the account's)."""
    titles = {s.id: s.title for s in catalogue.sections} | {i.id: i.title for i in catalogue.instruments}
    if isinstance(data, dict):
        copy = {key: _titled(value, catalogue) for key, value in data.items()}
        if isinstance(copy.get("title"), str) and copy.get("id") in titles:
            copy["title"] = titles[copy["id"]]
        return copy
    if isinstance(data, list):
        return [_titled(value, catalogue) for value in data]
    return data


@bp.get("/cycles/<cycle>/countries/<iso3>/history")
def history(cycle: str, iso3: str) -> Response:
    """Return every change of every answer (or of one, ?item=) and every lifecycle step."""
    assessment = _load(cycle, iso3)
    item = request.args.get("item")
    if item is not None:
        _item_of(assessment, item)
    signed = declarations.declarations_by_event(assessment)
    return reply(
        schemas.History(
            changes=[
                schemas.AnswerChange.of(c)
                # Internal evidence files leave no trace for anyone outside the country (services.evidence).
                for c in evidence_files.visible_changes(_user(), assessment, services.history(assessment, item))
            ],
            events=[schemas.Event.of(e, signed.get(e.id)) for e in services.events(assessment)],
        )
    )


@bp.get("/cycles/<cycle>/countries/<iso3>/items/<item>/comments")
def list_comments(cycle: str, iso3: str, item: str) -> Response:
    """Return an item's thread of comments, oldest first."""
    assessment = _load(cycle, iso3)
    _item_of(assessment, item)
    thread = services.comments_of(assessment).get(item, [])
    resolution = threads.resolution_of(assessment, item) if thread else None
    resolved = (
        schemas.ThreadResolved(
            by=resolution.resolved_by.email if resolution.resolved_by else None, at=resolution.resolved_at
        )
        if resolution is not None
        else None
    )
    return reply(schemas.CommentList(item=item, comments=[schemas.Comment.of(c) for c in thread], resolved=resolved))


@bp.post("/cycles/<cycle>/countries/<iso3>/items/<item>/comments")
def add_comment(cycle: str, iso3: str, item: str) -> Response:
    """Add a comment to an item's thread."""
    assessment = _load(cycle, iso3)
    _item_of(assessment, item)
    if not services.can_comment(_user(), assessment):
        raise services.InvalidTransition(_("Comments are closed for this assessment."))
    body = _json_body(schemas.CommentInput, required=True)
    comment = services.add_comment(_user(), assessment, item, body.body)
    return reply(schemas.Comment.of(comment), 201)


# ---------------------------------------------------------------------------
# Recommendations and their follow-up (services.recommendations)
# ---------------------------------------------------------------------------


@bp.get("/cycles/<cycle>/countries/<iso3>/recommendations")
def list_recommendations(cycle: str, iso3: str) -> Response:
    """Return the recommendations of the country's assessment in this cycle and the earlier ones followed up."""
    assessment = _load(cycle, iso3)
    rows = recs.for_country(_user(), assessment)
    return reply(
        schemas.RecommendationList(
            cycle=assessment.cycle.code,
            country=assessment.country_iso3,
            recommendations=[schemas.Recommendation.of(r) for r in rows],
        )
    )


@bp.post("/cycles/<cycle>/countries/<iso3>/recommendations")
def add_recommendation(cycle: str, iso3: str) -> Response:
    """Add a recommendation to an assessment that reached the reviewers (reviewers and admins)."""
    assessment = _load(cycle, iso3)
    recs.require_reviewer(_user(), assessment)
    body = _json_body(schemas.RecommendationInput, required=True)
    made = recs.add_recommendation(_user(), assessment, body.values())
    row = next(r for r in recs.for_country(_user(), assessment) if r.id == made.id)
    return reply(schemas.Recommendation.of(row), 201)


# ---------------------------------------------------------------------------
# A country's team (services.team): internal to the country, for its focal points
# ---------------------------------------------------------------------------


@bp.get("/cycles/<cycle>/countries/<iso3>/assignments")
def get_assignments(cycle: str, iso3: str) -> Response:
    """Return which contributors are assigned which sections."""
    assessment = _load(cycle, iso3)
    services.team.require_focal_point(_user(), assessment)
    return reply(schemas.Assignments.model_validate(services.team.section_assignments(assessment)))


@bp.put("/cycles/<cycle>/countries/<iso3>/assignments")
def put_assignments(cycle: str, iso3: str) -> Response:
    """Replace the section assignments (all or nothing)."""
    assessment = _load(cycle, iso3)
    services.team.require_focal_point(_user(), assessment)
    body = _json_body(schemas.Assignments, required=True)
    services.team.set_assignments(_user(), assessment, body.sections())
    return reply(schemas.Assignments.model_validate(services.team.section_assignments(assessment)))


# ---------------------------------------------------------------------------
# Evidence files attached to answers (services.evidence): multipart in, the file itself out
# ---------------------------------------------------------------------------

_EVIDENCE_TEXT_FIELDS = ("title", "date", "shared")
# Room for the multipart envelope and the text fields around the file itself.
_EVIDENCE_OVERHEAD = 256 * 1024


def _evidence_url(assessment: Assessment, info: evidence_files.FileInfo) -> str:
    return url_for(
        ".evidence_file",
        cycle=assessment.cycle.code,
        iso3=assessment.country_iso3,
        item=info.item,
        evidence=info.id,
    )


def _evidence_form() -> tuple[bytes | None, str | None, dict[str, str]]:
    """Read the multipart form of an upload: the file's bytes and name, and the text fields (415, 422)."""
    if request.mimetype != "multipart/form-data":
        raise ApiError(415, _("Send the file as multipart/form-data, with the fields file, title, date and shared."))
    request.max_content_length = evidence_files.max_bytes() + _EVIDENCE_OVERHEAD
    problems: dict[str, str] = {}
    for name in set(request.form) | set(request.files):
        if name not in (*_EVIDENCE_TEXT_FIELDS, "file"):
            problems[name[:80]] = _("is not a field of this form (use file, title, date and shared).")
        elif len(request.form.getlist(name)) + len(request.files.getlist(name)) > 1:
            problems[name] = _("is sent more than once.")
    values = {name: request.form[name] for name in _EVIDENCE_TEXT_FIELDS if name in request.form}
    if len(values.get("title", "")) > evidence_files.MAX_TITLE:
        problems["title"] = _("Keep the title under %(max)d characters.", max=evidence_files.MAX_TITLE)
    if "date" in values and not values["date"].strip():
        problems["date"] = _("Give the document's date as YYYY-MM-DD, for example 2024-03-31.")
    if "shared" in values and evidence_files.parse_shared(values["shared"])[1]:
        problems["shared"] = _("Say true or false: whether the file is shared with the reviewers.")
    if problems:
        raise ApiError(422, _("The file was not attached: the form needs correcting."), errors=problems)
    sent = request.files.get("file")
    if sent is not None:
        return sent.stream.read(), sent.filename, values  # the request is capped just above the limit
    if "file" in request.form:  # a client that sent the file as a plain field
        return request.form["file"].encode("utf-8"), None, values
    return None, None, values


@bp.post("/cycles/<cycle>/countries/<iso3>/answers/<item>/evidence")
def attach_evidence(cycle: str, iso3: str, item: str) -> Response:
    """Attach a file to an answer (multipart: file, title, date, shared)."""
    assessment = evidence_files.assessment_for(_user(), cycle, iso3)
    services.access.require_edit(_user(), assessment, [item])  # before the body is read
    _item_of(assessment, item)
    data, filename, values = _evidence_form()
    info = evidence_files.attach(
        _user(),
        assessment,
        item,
        data=data,
        filename=filename,
        title=values.get("title", ""),
        document_date=values.get("date"),
        shared=values.get("shared"),
        source="api",
    )
    response = reply(schemas.EvidenceFile.of(info, _evidence_url(assessment, info)), 201)
    response.headers["Location"] = _evidence_url(assessment, info)
    return response


@bp.get("/cycles/<cycle>/countries/<iso3>/answers/<item>/evidence")
def list_evidence(cycle: str, iso3: str, item: str) -> Response:
    """List the files of an answer the user may see (reviewers: the shared ones)."""
    assessment = evidence_files.assessment_for(_user(), cycle, iso3)
    _item_of(assessment, item)
    files = evidence_files.list_files(_user(), assessment, item)
    return reply(
        schemas.EvidenceList(item=item, files=[schemas.EvidenceFile.of(f, _evidence_url(assessment, f)) for f in files])
    )


# One rule for both methods: an id beyond any row then matches no rule (404), never the other method's (405).
@bp.route("/cycles/<cycle>/countries/<iso3>/answers/<item>/evidence/<int:evidence>", methods=["GET", "DELETE"])
def evidence_file(cycle: str, iso3: str, item: str, evidence: int) -> Response:
    """GET: download a file, an attachment of the type found from its content.
    DELETE: remove it from its answer (the country's editors, while answers may change)."""
    assessment = evidence_files.assessment_for(_user(), cycle, iso3)
    if request.method == "DELETE":
        evidence_files.remove(_user(), assessment, evidence, item=item, source="api")
        return Response(status=204)
    from .evidence import send_evidence

    info, data = evidence_files.open_file(_user(), assessment, evidence, item=item)
    return send_evidence(info, data)
