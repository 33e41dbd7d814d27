"""Response hardening: security headers, cookie flags, proxy handling."""

from __future__ import annotations

from flask import Flask, Response, abort, request
from werkzeug.middleware.proxy_fix import ProxyFix

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

# Sent with every response unless the view set its own.
HEADERS = (
    ("Content-Security-Policy", CSP),
    ("X-Frame-Options", "DENY"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Cross-Origin-Resource-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
)


def init_app(app: Flask) -> None:
    """Add security headers to every response and trust one HTTPS proxy if told to."""
    if app.config.get("BEHIND_HTTPS_PROXY"):
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["PREFERRED_URL_SCHEME"] = "https"

    @app.before_request
    def _limit_parsed_bodies() -> None:
        # Werkzeug applies MAX_FORM_MEMORY_SIZE and MAX_FORM_PARTS to multipart forms only;
        # URL-encoded forms and JSON are read whole into memory, so cap them here too.
        # (MAX_CONTENT_LENGTH, larger for spreadsheet uploads, still caps everything.)
        limit = app.config.get("MAX_FORM_MEMORY_SIZE")
        if (
            limit
            and (request.content_length or 0) > limit
            and (request.mimetype == "application/x-www-form-urlencoded" or request.is_json)
        ):
            abort(413)

    @app.after_request
    def _headers(response: Response) -> Response:
        headers = response.headers
        present = {name.lower() for name, _ in headers.items()}
        for name, value in HEADERS:
            if name.lower() not in present:  # a view may set its own
                headers.add(name, value)
        if request.is_secure and "strict-transport-security" not in present:
            headers.add("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
        if request.endpoint != "static":
            # Pages, downloads and API answers hold unpublished national data: no cache
            # (the browser's included) may keep them, whatever a view said.  This is the
            # one place that decides it; `views.private_download` sends no validators.
            headers["Cache-Control"] = "no-store"
            headers.pop("ETag", None)
            headers.pop("Last-Modified", None)
            headers.pop("Expires", None)
        return response
