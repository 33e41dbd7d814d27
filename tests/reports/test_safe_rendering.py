"""Safe rendering: user text is escaped, the renderer fetches nothing but the app's static files
and data: URIs, and a report too slow or too large is stopped with a clear error."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest
from pypdf import PdfReader

from questionnaire.config import PROJECT_ROOT
from questionnaire.reports import pdf as report_pdf
from questionnaire.reports.pdf import (
    REPORT_ORIGIN,
    Limits,
    RefusedURL,
    ReportMemoryExceeded,
    ReportTimeout,
    StaticOnlyFetcher,
    render_pdf,
)

from .conftest import make_assessment, pdf_text

STATIC = PROJECT_ROOT / "static"
PIXEL = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQ"
    "GAhKmMIQAAAABJRU5ErkJggg=="
)


def _images(data: bytes) -> int:
    """Count the image XObjects on every page of a PDF."""
    total = 0
    for page in PdfReader(io.BytesIO(data)).pages:
        resources = page.get("/Resources") or {}
        for obj in (resources.get("/XObject") or {}).values():
            obj = obj.get_object()
            if obj.get("/Subtype") == "/Image":
                total += 1
            elif obj.get("/Subtype") == "/Form":
                inner = (obj.get("/Resources") or {}).get("/XObject") or {}
                total += sum(1 for x in inner.values() if x.get_object().get("/Subtype") == "/Image")
    return total


def _attachments(data: bytes) -> int:
    """Count embedded files: the document's name tree and file-attachment annotations."""
    reader = PdfReader(io.BytesIO(data))
    names = reader.trailer["/Root"].get("/Names") or {}
    embedded = len((names.get("/EmbeddedFiles") or {}).get("/Names", [])) // 2
    annotations = sum(
        1
        for page in reader.pages
        for a in page.get("/Annots", []) or []
        if a.get_object().get("/Subtype") == "/FileAttachment"
    )
    return embedded + annotations


# --------------------------------------------------------------------------
# The fetcher
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "file://localhost/etc/passwd",
        "FILE:///etc/hostname",
        "http://127.0.0.1:{port}/x.png",
        "https://127.0.0.1:{port}/x.png",
        "http://localhost:{port}/x.png",
        "ftp://127.0.0.1:{port}/x",
        "https://report.invalid/etc/passwd",
        "https://report.invalid/static/../../../../etc/passwd",
        "https://report.invalid/static/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "https://report.invalid/static/..%2f..%2f..%2fetc%2fpasswd",
        "https://report.invalid/static/",
        "https://report.invalid/static/css/",
        "https://report.invalid.127.0.0.1.nip.io/static/css/report.css",
        "https://user@report.invalid/static/css/report.css",
        "http://report.invalid/static/css/report.css",
        "https://report.invalid:{port}/static/css/report.css",
        "javascript:alert(1)",
        "relative/path.png",
    ],
)
def test_the_fetcher_refuses_anything_but_static_files(listener, url) -> None:  # type: ignore[no-untyped-def]
    fetcher = StaticOnlyFetcher(STATIC)
    with pytest.raises((RefusedURL, ValueError)):
        fetcher.fetch(url.format(port=listener.server.server_port))
    assert listener.hits == []


def test_the_fetcher_refuses_a_symlink_out_of_the_static_folder(tmp_path: Path) -> None:
    root = tmp_path / "static"
    root.mkdir()
    (root / "ok.css").write_text("p { color: red }")
    (root / "leak.css").symlink_to("/etc/hostname")
    fetcher = StaticOnlyFetcher(root)
    assert fetcher.fetch(f"{REPORT_ORIGIN}/static/ok.css").read() == b"p { color: red }"
    with pytest.raises(RefusedURL):
        fetcher.fetch(f"{REPORT_ORIGIN}/static/leak.css")


def test_the_fetcher_serves_static_files_from_disk_and_data_uris() -> None:
    fetcher = StaticOnlyFetcher(STATIC)
    css = fetcher.fetch(f"{REPORT_ORIGIN}/static/css/report.css")
    assert css.content_type == "text/css"
    assert css.read() == (STATIC / "css" / "report.css").read_bytes()
    image = fetcher.fetch(PIXEL)
    assert image.read().startswith(b"\x89PNG")


# --------------------------------------------------------------------------
# Raw hostile HTML straight into the renderer: the fetcher alone must hold
# --------------------------------------------------------------------------


def test_raw_hostile_html_fetches_and_embeds_nothing(listener) -> None:  # type: ignore[no-untyped-def]
    base = listener.url
    html = f"""<!doctype html><html lang="en"><head><title>x</title>
      <link rel="stylesheet" href="{base}/sheet.css">
      <link rel="stylesheet" href="file:///etc/passwd">
      <link rel="attachment" href="{base}/attachment.bin">
      <link rel="attachment" href="file:///etc/passwd">
      <style>@import url("{base}/imported.css"); @import "file:///etc/hostname";
        @font-face {{ font-family: x; src: url("{base}/font.woff"); }}
        body {{ background: url("{base}/background.png"); font-family: x; }}</style>
    </head><body>
      <p>visible text</p>
      <img src="file:///etc/passwd" alt="a">
      <img src="{base}/image.png" alt="b">
      <img src="{base}/redirect" alt="c">
      <a rel="attachment" href="{base}/anchor-attachment.bin">download</a>
      <a rel="attachment" href="file:///etc/passwd">passwd</a>
      <object data="{base}/object.svg"></object><embed src="{base}/embed.svg">
      <iframe src="{base}/frame.html"></iframe>
      <svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"
           width="10" height="10">
        <title>s</title><image xlink:href="{base}/svg-image.png" width="10" height="10"/>
        <image href="file:///etc/passwd" width="10" height="10"/></svg>
    </body></html>"""
    data = render_pdf(html, STATIC, Limits(timeout=60, memory_mb=1024))
    assert listener.hits == []
    assert _attachments(data) == 0
    assert _images(data) == 0
    text = pdf_text(data)
    assert "visible text" in text and "root:" not in text


def test_the_same_renderer_embeds_a_static_file_and_a_data_uri() -> None:
    """The counterpart of the test above: what is allowed does arrive (so that test can fail)."""
    html = f"""<!doctype html><html lang="en"><head><title>x</title>
      <link rel="stylesheet" href="/static/css/report.css"></head><body>
      <img src="/static/favicon.svg" alt="logo" width="20" height="20">
      <img src="{PIXEL}" alt="pixel" width="20" height="20"></body></html>"""
    fetcher = StaticOnlyFetcher(STATIC)
    data = report_pdf.write_pdf(html, STATIC, fetcher)
    assert fetcher.refused == []
    assert f"{REPORT_ORIGIN}/static/css/report.css" in fetcher.served
    assert f"{REPORT_ORIGIN}/static/favicon.svg" in fetcher.served and "data:" in fetcher.served
    assert _images(data) >= 1


# --------------------------------------------------------------------------
# Hostile answers through the real report
# --------------------------------------------------------------------------


def _hostile(base: str) -> dict[str, dict[str, object]]:
    return {
        "CL-2": {
            "rating": "none",
            "description": f'<img src="file:///etc/passwd"> <img src="{base}/description.png">',
            "legal_references": [
                f'<link rel=attachment href="{base}/reference.bin">',
                '<link rel="attachment" href="file:///etc/passwd">',
            ],
        },
        "IX-4": {
            "rating": "partially",
            "description": f'<style>@import url("{base}/import.css");</style>',
            "evidence_links": [
                f"{base}/evidence",
                f"http://127.0.0.1:{base.rsplit(':', 1)[1]}/redirect",
            ],
            "assistance_kind": "data",
            "assistance_description": f'<a rel="attachment" href="{base}/assistance.bin">get</a>',
        },
        "LE-6": {
            "rating": "initial",
            "description": f'"><svg onload=alert(1)><image href="{base}/x.png"/>',
        },
    }


def test_hostile_answers_are_shown_as_text_and_fetch_nothing(client, users, cycle, listener) -> None:  # type: ignore[no-untyped-def]
    base = listener.url
    assessment = make_assessment(users["fra"], cycle, "FRA", "submitted", overrides=_hostile(base))
    from questionnaire import services

    services.add_comment(users["reviewer"], assessment, "CL-2", f'<link rel="attachment" href="{base}/comment.bin">')
    client.login("reviewer@example.org")
    html = client.get("/cycles/2026/countries/FRA/report").get_data(as_text=True)
    assert '<img src="file' not in html and "<link rel=attachment" not in html and "<style>@import" not in html
    assert "&lt;img src=&#34;file:///etc/passwd&#34;&gt;" in html
    assert "&lt;svg onload=alert(1)&gt;" in html
    response = client.get("/cycles/2026/countries/FRA/report.pdf")
    assert response.status_code == 200
    data = response.get_data()
    assert listener.hits == [], f"the renderer contacted {listener.hits}"
    assert _attachments(data) == 0
    assert _images(data) == 0
    text = pdf_text(data)
    assert '<img src="file:///etc/passwd">' in text
    assert f'<link rel=attachment href="{base}/reference.bin">' in text
    assert f'<style>@import url("{base}/import.css");</style>' in text
    assert f"{base}/evidence" in text  # shown as a link for the reader; never fetched
    assert "root:x:0:0" not in text


# --------------------------------------------------------------------------
# Time and memory
# --------------------------------------------------------------------------

HEAVY = (
    "<!doctype html><html lang='en'><body>"
    + "<p>"
    + "word " * 400
    + "</p>" * 1
    + ("<table>" + "<tr><td>cell</td><td>cell</td></tr>" * 20000 + "</table>")
    + "</body></html>"
)


def test_a_report_that_takes_too_long_is_stopped() -> None:
    started = time.monotonic()
    with pytest.raises(ReportTimeout) as caught:
        render_pdf(HEAVY, STATIC, Limits(timeout=0.5, memory_mb=1024))
    assert time.monotonic() - started < 10
    assert "took longer than 0.5 seconds" in caught.value.message
    assert "REPORT_TIMEOUT_SECONDS" in caught.value.message


def test_a_report_that_needs_too_much_memory_is_stopped() -> None:
    with pytest.raises(ReportMemoryExceeded) as caught:
        render_pdf(HEAVY, STATIC, Limits(timeout=60, memory_mb=64))
    assert "64 MB" in caught.value.message and "REPORT_MEMORY_MB" in caught.value.message


def test_a_report_within_its_limits_renders() -> None:
    data = render_pdf(
        "<html lang='en'><body><p>small</p></body></html>",
        STATIC,
        Limits(timeout=30, memory_mb=1024),
    )
    assert data.startswith(b"%PDF-") and "small" in pdf_text(data)


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ({"REPORT_TIMEOUT_SECONDS": 0.01}, "took longer than 0.01 seconds"),
        ({"REPORT_MEMORY_MB": 64}, "more memory than the 64 MB"),
    ],
)
def test_the_browser_gets_503_with_a_message_when_a_limit_is_hit(app, client, submitted, setting, message) -> None:  # type: ignore[no-untyped-def]
    app.config.update(setting)
    client.login("reviewer@example.org")
    response = client.get("/cycles/2026/countries/FRA/report.pdf")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "120"
    assert message in response.get_data(as_text=True)
    # The HTML page needs no renderer and stays available.
    assert client.get("/cycles/2026/countries/FRA/report").status_code == 200


def test_the_command_line_exits_non_zero_with_a_message_when_a_limit_is_hit(app, submitted, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from questionnaire.cli import main

    app.config["REPORT_TIMEOUT_SECONDS"] = 0.01
    target = tmp_path / "fra.pdf"
    result = app.test_cli_runner().invoke(main, ["report", "--cycle", "2026", "--country", "FRA", "-o", str(target)])
    assert result.exit_code == 1
    assert "the report of FRA could not be rendered: rendering took longer than 0.01 seconds" in result.output
    assert not target.exists() and not list(tmp_path.iterdir())


def test_when_every_renderer_stays_busy_the_browser_gets_503(app, client, submitted) -> None:  # type: ignore[no-untyped-def]
    app.config.update(REPORT_CONCURRENCY=1, REPORT_TIMEOUT_SECONDS=0.3)
    slot = report_pdf._slots.get(1)
    assert slot.acquire(timeout=5)  # another report is rendering
    try:
        client.login("reviewer@example.org")
        response = client.get("/cycles/2026/countries/FRA/report.pdf")
    finally:
        slot.release()
    assert response.status_code == 503
    assert "busy producing other reports" in response.get_data(as_text=True)
    app.config.update(REPORT_TIMEOUT_SECONDS=60)
    assert client.get("/cycles/2026/countries/FRA/report.pdf").status_code == 200
