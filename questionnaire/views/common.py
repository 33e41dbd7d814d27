"""What every blueprint answers with: error pages (HTML, or JSON for the API), statuses, private downloads."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

import flask_login
from flask import Response, abort, render_template, request, send_file
from flask_login import current_user

from ..offline import WorkbookRefused, WorkbookTooLarge
from ..services import errors
from ..services.evidence import EvidenceTooLarge

# The HTTP status of each failure of a use case, decided here at the edge and nowhere else;
# a failure takes the status of its nearest listed class (CycleExists is an InvalidTransition: 409).
STATUS_OF: dict[type[errors.ServiceError], int] = {
    errors.NotFound: 404,
    errors.Forbidden: 403,
    errors.InvalidTransition: 409,
    errors.CycleClosed: 409,
    errors.StaleAnswer: 409,
    errors.InvalidAnswer: 422,
    errors.UnknownChecklistItem: 422,
    WorkbookRefused: 422,
    WorkbookTooLarge: 413,
    EvidenceTooLarge: 413,  # evidence files (services.evidence)
}


def status_of(error: errors.ServiceError) -> int:
    """Return the HTTP status that answers a refused use case."""
    for kind in type(error).__mro__:
        if kind in STATUS_OF:
            return STATUS_OF[kind]
    return 400


def wants_json() -> bool:
    """Tell whether the error should be answered as JSON (the API, or a script asking for it)."""
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def error_page(status: int, title: str, message: str) -> tuple[dict[str, Any] | str, int]:
    """Render the HTML error page (or JSON for API clients)."""
    if wants_json():
        return {"error": {"status": status, "message": message}}, status
    return render_template("errors/error.html", title=title, message=message), status


def private_download(data: Any, mimetype: str, name: str, inline: bool = False) -> Response:
    """Send a private file: never cached, never answered from a cache's copy (no ETag, no 304)."""
    return send_file(
        data,
        mimetype=mimetype,
        as_attachment=not inline,
        download_name=name,
        conditional=False,
        etag=False,
        last_modified=None,
        max_age=None,
    )


P = ParamSpec("P")
R = TypeVar("R")


def login_required(view: Callable[P, R]) -> Callable[P, R]:
    """Let only signed-in users in; anonymous visitors are sent to the sign-in page."""
    return flask_login.login_required(view)


def reviewer_required(view: Callable[P, R]) -> Callable[P, R]:
    """Let only reviewers and admins in (others: not found; anonymous visitors: the sign-in page)."""

    @functools.wraps(view)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
        if not current_user.is_reviewer:
            abort(404)
        return view(*args, **kwargs)

    return login_required(wrapped)
