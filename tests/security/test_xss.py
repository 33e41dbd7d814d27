"""Every payload of the corpus, typed into every free-text field, is shown as text on every page.

A page passes when its markup holds no script element but the application's
own, no event-handler attribute, no javascript: or data: URL, and no element
that fetches or redirects (iframe, object, embed, base, meta refresh, foreign
stylesheet) — whatever the payload.
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest

from questionnaire import services
from questionnaire.db import db
from questionnaire.models import User

from ..conftest import add_user
from .xss_corpus import PAYLOADS

# Inline SVG is allowed (the report's chart is drawn on the server) but not its active parts.
FORBIDDEN_ELEMENTS = {
    "iframe",
    "object",
    "embed",
    "base",
    "frame",
    "frameset",
    "applet",
    "template",
    "math",
    "foreignobject",
    "animate",
    "set",
    "animatetransform",
    "animatemotion",
    "handler",
    "listener",
}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "poster", "background", "xlink:href", "srcdoc"}


class Inspector(HTMLParser):
    """Collect everything in a page that could run or fetch something."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name.lower(): (value or "") for name, value in attrs}
        for name in attributes:
            if name.startswith("on"):
                self.problems.append(f"<{tag}> has an event handler {name}")
        if tag == "script":
            src = attributes.get("src", "")
            if not src.startswith("/static/"):
                self.problems.append(f"<script> not from /static/: {src!r}")
            self._in_script = True
        if tag in FORBIDDEN_ELEMENTS:
            self.problems.append(f"<{tag}> element")
        if tag == "use" and not attributes.get("href", attributes.get("xlink:href", "#")).startswith("#"):
            self.problems.append("<use> of an outside document")
        if tag == "meta" and "http-equiv" in attributes:
            self.problems.append("<meta http-equiv>")
        if tag == "link" and not attributes.get("href", "").startswith("/static/"):
            self.problems.append(f"<link> to {attributes.get('href')!r}")
        if tag == "style":
            self.problems.append("<style> element")
        if "style" in attributes:
            self.problems.append(f"<{tag}> has a style attribute")
        for name in URL_ATTRIBUTES & attributes.keys():
            value = attributes[name].strip().lower().replace("\t", "").replace("\n", "")
            if value.startswith(("javascript:", "vbscript:", "data:text/html", "file:")) or name == "srcdoc":
                self.problems.append(f"<{tag} {name}={attributes[name]!r}>")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.problems.append("inline script content")


def inspect(html: str) -> list[str]:
    """Return the dangerous things found in a page."""
    parser = Inspector()
    parser.feed(html)
    parser.close()
    return parser.problems


def test_the_inspector_finds_what_it_looks_for() -> None:
    """The check can fail: unescaped payloads are caught."""
    assert inspect("<p><script>alert(1)</script></p>")
    assert inspect('<img src=x onerror="alert(1)">')
    assert inspect('<a href=" javascript:alert(1)">x</a>')
    assert inspect("<iframe src=x></iframe>")
    assert inspect("<svg><foreignObject><p>x</p></foreignObject></svg>")
    assert not inspect(
        '<svg role="img" aria-labelledby="t"><title id="t">Scores</title><rect width="1" height="1"/></svg>'
    )
    assert inspect('<div style="x">')
    assert inspect('<link rel="stylesheet" href="https://evil.example/x.css">')
    assert not inspect('<p>&lt;script&gt;alert(1)&lt;/script&gt;</p><script src="/static/js/app.js" defer></script>')


def _put_everywhere(payload: str, users: dict[str, User], cycle: Any) -> None:
    """Type the payload into every free-text field the platform has."""
    fra = users["fra"]
    assessment, _ = services.start_assessment(fra, cycle, "FRA")
    link = "https://evil.example/" + "".join(c if not c.isspace() else "%20" for c in payload)
    values = services.make_input(
        rating="partially",
        description=payload,
        legal_references=[payload, "Code, art. 1"],
        evidence_links=[link],
        assistance_kind="training",
        assistance_description=payload,
    )
    na = services.make_input(rating="not_applicable", justification=payload, description=payload)
    services.save_answers(fra, assessment, [services.Edit("CL-1", values, 0), services.Edit("PR-5", na, 0)])
    services.add_comment(fra, assessment, "CL-1", payload)
    services.submit(fra, assessment, payload)
    services.add_comment(users["reviewer"], assessment, "CL-1", payload)
    services.return_assessment(users["reviewer"], assessment, payload)


PAGES = {
    "fra@example.org": [
        "/",
        "/cycles/2026/countries/FRA/",
        "/cycles/2026/countries/FRA/sections/criminal-law",
        "/cycles/2026/countries/FRA/sections/prevention",
        "/cycles/2026/countries/FRA/history",
        "/cycles/2026/countries/FRA/history?item=CL-1",
        "/cycles/2026/countries/FRA/submit",
        "/cycles/2026/countries/FRA/report",
        "/cycles/2026/countries/FRA/upload",
    ],
    "reviewer@example.org": [
        "/",
        "/cycles/2026/countries/FRA/",
        "/cycles/2026/countries/FRA/sections/criminal-law",
        "/cycles/2026/countries/FRA/sections/prevention",
        "/cycles/2026/countries/FRA/history",
        "/cycles/2026/compare",
        "/review",
        "/cycles/2026/countries/FRA/report",
        "/cycles/2026/compare/countries?country=FRA&country=ITA",
    ],
    "admin@example.org": ["/", "/admin/users", "/admin/cycles", "/catalogue/"],
}


@pytest.mark.parametrize("payload", PAYLOADS, ids=[f"payload-{i:03d}" for i in range(len(PAYLOADS))])
def test_a_payload_in_every_field_is_shown_as_text(make_client, app, users, payload) -> None:  # type: ignore[no-untyped-def]
    cycle = services.create_cycle("2026", payload)
    add_user("named@example.org", "reviewer").name = payload
    db.session.commit()
    _put_everywhere(payload, users, cycle)
    for email, pages in PAGES.items():
        client = make_client()
        client.login(email)
        for page in pages:
            response = client.get(page)
            assert response.status_code == 200, f"{page} as {email}: {response.status_code}"
            problems = inspect(response.get_data(as_text=True))
            assert not problems, f"{page} as {email}: {problems}"


def test_the_whole_corpus_in_one_report_pdf_runs_and_fetches_nothing(make_client, app, users) -> None:  # type: ignore[no-untyped-def]
    """Every payload goes into some field of one assessment; its PDF holds text, no active content."""
    import io

    from pypdf import PdfReader
    from pypdf.generic import IndirectObject

    cycle = services.create_cycle("2026", "Corpus")
    fra = users["fra"]
    assessment, _ = services.start_assessment(fra, cycle, "FRA")
    from questionnaire.catalogue_store import catalogue_for

    items = [i.id for i in catalogue_for(cycle).items]
    edits = []
    for index, item in enumerate(items):
        chunk = PAYLOADS[index * 3 : (index + 1) * 3] or [PAYLOADS[index % len(PAYLOADS)]]
        text = "\n".join(chunk)
        edits.append(
            services.Edit(
                item,
                services.make_input(
                    rating="partially",
                    description=text,
                    legal_references=chunk,
                    assistance_kind="training",
                    assistance_description=text,
                ),
                0,
            )
        )
    services.save_answers(fra, assessment, edits)
    for payload in PAYLOADS[:20]:
        services.add_comment(fra, assessment, "CL-1", payload)
    client = make_client()
    client.login("fra@example.org")
    response = client.get("/cycles/2026/countries/FRA/report.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    raw = response.get_data()
    for marker in (
        b"/JavaScript",
        b"/JS ",
        b"/Launch",
        b"/EmbeddedFile",
        b"/RichMedia",
        b"/SubmitForm",
        b"/ImportData",
    ):
        assert marker not in raw, marker
    reader = PdfReader(io.BytesIO(raw))
    for page in reader.pages:
        for annotation in page.get("/Annots") or []:
            if isinstance(annotation, IndirectObject):
                annotation = annotation.get_object()
            action = annotation.get("/A") or {}
            uri = str(action.get("/URI", "")) if action else ""
            assert not uri.lower().startswith(("javascript:", "file:", "data:")), uri
    text = "".join(page.extract_text() for page in reader.pages).replace("\x00", "")
    assert "alert(1)" in text  # shown as text
