"""What every blueprint answers with: error pages (HTML, or JSON for the API) and private downloads."""

from __future__ import annotations

from typing import Any

from flask import Response, render_template, request, send_file


def wants_json() -> bool:
    """Tell whether the error should be answered as JSON (the API, or a script asking for it)."""
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def error_page(status: int, title: str, message: str):  # type: ignore[no-untyped-def]
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
