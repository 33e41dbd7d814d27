"""Blueprints, one per module, and the HTML error pages."""

from __future__ import annotations

import time
from typing import Any

from flask import Flask, Response, current_app, g, request, session
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

from ..caching import LruCache
from ..services import ServiceError
from .common import error_page, status_of

csrf = CSRFProtect()


class SignedTokens:
    """CSRF tokens signed recently, by the session's raw token, for reuse by later pages.

    Flask-WTF signs the session's token again for every page, which costs about
    as much as a database query.  A token signed a few minutes ago for the same
    session is just as good: it is bound to the same session secret and is
    checked the same way; it only expires that much sooner.  Entries are kept for
    at most `REUSE_SECONDS` (and never more than a hundredth of the token's time
    limit), and for at most `size` sessions per process.
    """

    # Speed: with it off, `benchmarks/machinery.py` measured the section page 1.11x and an
    # autosave 1.08x slower (2026-12-03).
    REUSE_SECONDS = 300

    def __init__(self, size: int = 4096) -> None:
        self._tokens: LruCache[str, tuple[float, str]] = LruCache(size)

    def _reuse_for(self) -> float:
        limit = current_app.config.get("WTF_CSRF_TIME_LIMIT")
        return float(self.REUSE_SECONDS if not limit else min(self.REUSE_SECONDS, limit / 100))

    def before_request(self) -> None:
        """Hand Flask-WTF the token signed recently for this session, if there is one."""
        raw = session.get("csrf_token")
        found = self._tokens.get(raw) if raw else None
        if found is not None and 0 <= time.time() - found[0] < self._reuse_for():
            g.csrf_token = g.reused_csrf_token = found[1]

    def after_request(self, response: Response) -> Response:
        """Keep the token this request signed (if it signed one) for the session's next pages."""
        raw, signed = session.get("csrf_token"), g.get("csrf_token")
        if raw and signed and signed != g.get("reused_csrf_token"):
            self._tokens.put(raw, (time.time(), signed))
        return response


signed_tokens = SignedTokens()


#: The largest id a row can have: ids are 32-bit integers in PostgreSQL.
MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """`<int:…>` path parameters: a number larger than any id matches no route (404), not the database."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def _nul_in_request() -> str | None:
    """Name the part of the request that holds a NUL character, if one does (no text may hold one).

    PostgreSQL refuses NUL in text, and no form, address or name has a use for it:
    such a request is refused here, once, before it reaches a view or the database.
    (An address holding one names nothing: it is not found.  The API reads its
    JSON bodies itself, and cleans their text, so their stream is left unread.)
    """
    for key, value in request.args.items(multi=True):
        if "\x00" in key or "\x00" in value:
            return _("the query parameter “%(name)s”", name=key.replace("\x00", "")[:40])
    if not request.path.startswith("/api/") and request.mimetype in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        for key, value in request.form.items(multi=True):
            if "\x00" in key or "\x00" in value:
                return _("the form field “%(name)s”", name=key.replace("\x00", "")[:40])
    return None


def init_app(app: Flask) -> None:
    """Register every blueprint and the error handlers."""
    from . import admin, api, assessment, auth, catalogue, main, offline, recommendations, reports, review, team

    app.url_map.converters["int"] = IdConverter  # before any rule is added

    @app.before_request
    def _refuse_nul_characters() -> ResponseReturnValue | None:
        if "\x00" in request.path:
            return error_page(404, _("Not found"), _("There is nothing at this address, or you may not see it."))
        where = _nul_in_request()
        if where is not None:
            return error_page(
                400,
                _("Something is wrong"),
                _("The request was refused: %(where)s contains a NUL character, which no text may hold.", where=where),
            )
        return None

    csrf.init_app(app)
    csrf.exempt(api.bp)  # bearer tokens only, never the session cookie: no CSRF possible
    app.before_request(signed_tokens.before_request)
    app.after_request(signed_tokens.after_request)
    for module in (auth, main, catalogue, assessment, review, admin, api, offline, reports, recommendations, team):
        app.register_blueprint(module.bp)
    from . import evidence  # evidence files (views/evidence.py)

    app.register_blueprint(evidence.bp)
    from . import notifications  # notifications (views/notifications.py)

    app.register_blueprint(notifications.bp)

    @app.errorhandler(ServiceError)
    def _service_error(error: ServiceError) -> ResponseReturnValue:
        titles = {
            404: _("Not found"),
            403: _("Not allowed"),
            409: _("Not possible now"),
            422: _("Please correct the answer"),
        }
        status = status_of(error)
        return error_page(status, titles.get(status, _("Something is wrong")), error.message)

    @app.errorhandler(CSRFError)
    def _csrf_error(error: CSRFError) -> ResponseReturnValue:
        from flask_login import current_user

        # A questionnaire page left open too long: give the typed answers back, unsaved.
        if (
            request.endpoint == "assessment.section"
            and request.method == "POST"
            and current_user.is_authenticated
            and request.view_args
            and request.headers.get("X-Autosave") != "1"
        ):
            from .assessment import render_expired_section

            try:
                return render_expired_section(**request.view_args)
            except ServiceError as refused:  # not the user's assessment: say so, as the view would
                return _service_error(refused)
            except HTTPException as missing:  # no such section
                return _http_error(missing)
        if request.headers.get("X-Autosave") == "1":
            return {
                "saved": [],
                "message": _("Not saved automatically: the page's security token expired. Press Save."),
            }, 400
        return error_page(
            400,
            _("The form expired"),
            _(
                "For your security, forms expire after some hours or when you sign in again. "
                "Go back, reload the page and try again."
            ),
        )

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> ResponseReturnValue:
        if error.code == 404:
            return error_page(404, _("Not found"), _("There is nothing at this address, or you may not see it."))
        if error.code == 405:
            body, status = error_page(405, _("Not allowed"), _("This address does not accept that kind of request."))
            allowed = [v for k, v in error.get_headers() if k.lower() == "allow"]
            return body, status, {"Allow": allowed[0]} if allowed else {}
        if error.code == 413:
            return error_page(413, _("Too large"), _("What you sent is larger than the platform accepts."))
        if error.code == 429:
            return error_page(429, _("Too many attempts"), _("Too many attempts. Wait a few minutes and try again."))
        if error.code == 400:
            return error_page(
                400,
                _("Something is wrong"),
                _("The request could not be understood. Go back, reload the page and try again."),
            )
        if error.code == 409:
            return error_page(
                409,
                _("Not possible now"),
                _(
                    "This cannot be done in the assessment's present state. "
                    "Go back to the assessment to see what it allows."
                ),
            )
        if error.code == 500:
            return error_page(
                500,
                _("Something is wrong"),
                _(
                    "The platform could not complete this request. Try again later; "
                    "if it happens again, tell the platform operator."
                ),
            )
        return error_page(error.code or 500, error.name, error.description or "")
