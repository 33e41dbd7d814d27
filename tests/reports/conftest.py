"""Fixtures of the report tests: a constructed assessment whose gaps are known by hand.

Every checklist item is answered "fully implemented" (with a law and a
description) except five, chosen so that each gap has its own priority
(weight of the clause's verb × shortfall):

| item | answer | obligation | weight | score | priority |
|------|--------|------------|-------:|------:|---------:|
| CL-2 | none | ecosoc-2006.2a (core) | 3 | 0 | 300 (critical: core) |
| IX-4 | partially | ga-1988.2 | 3 | 50 | 150 (critical: ≥ 150) |
| CL-4 | (no answer) | ecosoc-2006.3a | 1 | 0 | 100 |
| LE-6 | initial | ecosoc-2006.13 | 1 | 25 | 75 |
| PR-5 | largely | ecosoc-2006.6c | 2 | 75 | 50 |

IC-8 is rated fully implemented with nothing to support it (flagged
"unsupported"), IX-4 and LE-6 ask for technical assistance.
"""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from questionnaire import services
from questionnaire.catalogue_store import current_catalogue
from questionnaire.db import db
from questionnaire.models import Assessment, User

EXPECTED_GAPS = [
    "ecosoc-2006.2a",
    "ga-1988.2",
    "ecosoc-2006.3a",
    "ecosoc-2006.13",
    "ecosoc-2006.6c",
]
SPECIAL = {
    "CL-2": {
        "rating": "none",
        "description": "No specific offence yet; a bill is before parliament.",
    },
    "IX-4": {
        "rating": "partially",
        "description": "A database exists for the capital only.",
        "legal_references": ["Police Data Act, art. 12"],
        "assistance_kind": "data",
        "assistance_description": "Help to extend the database nationwide.",
    },
    "LE-6": {
        "rating": "initial",
        "description": "A training plan is drafted.",
        "assistance_kind": "training",
        "assistance_description": "Trainers for the police academy.",
    },
    "PR-5": {
        "rating": "largely",
        "description": "Pre-deployment training covers trafficking.",
        "legal_references": ["Defence Order 7"],
    },
    "IC-8": {"rating": "full"},
}
UNANSWERED = {"CL-4"}
REVIEWER_COMMENT = "Please give the bill's number and when parliament will vote on it."


def answers_for(overrides: dict[str, dict[str, Any]] | None = None) -> list[services.Edit]:
    """Return the edits of the constructed assessment, with some items' values replaced."""
    catalogue = current_catalogue()
    special = {**SPECIAL, **(overrides or {})}
    edits = []
    for item in catalogue.items:
        if item.id in UNANSWERED and item.id not in (overrides or {}):
            continue
        values = special.get(
            item.id,
            {
                "rating": "full",
                "description": f"In force and applied nationwide ({item.id}).",
                "legal_references": [f"Law on {item.id}, art. 1"],
            },
        )
        edits.append(services.Edit(item.id, services.make_input(**values), 0))
    return edits


def make_assessment(
    user: User,
    cycle: Any,
    iso3: str,
    status: str = "submitted",
    overrides: dict[str, dict[str, Any]] | None = None,
    reviewer: User | None = None,
) -> Assessment:
    """Create the constructed assessment of a country in the given status."""
    assessment, _ = services.start_assessment(user, cycle, iso3)
    services.save_answers(user, assessment, answers_for(overrides))
    if status == "draft":
        return assessment
    services.submit(user, assessment, "")
    if reviewer is not None:
        services.add_comment(reviewer, assessment, "CL-2", REVIEWER_COMMENT)
    if status == "accepted":
        services.accept(reviewer or _any_reviewer(), assessment, "")
    elif status == "returned":
        services.return_assessment(reviewer or _any_reviewer(), assessment, "Please complete CL-4.")
    return db.session.get(Assessment, assessment.id)


def _any_reviewer() -> User:
    from sqlalchemy import select

    from questionnaire.models import Role

    return db.session.scalar(select(User).where(User.role == Role.REVIEWER).limit(1))


def pdf_text(data: bytes) -> str:
    """Return the PDF's text with all whitespace collapsed to single spaces."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return normalise(" ".join(page.extract_text() or "" for page in reader.pages))


def page_texts(data: bytes) -> list[str]:
    from pypdf import PdfReader

    return [normalise(page.extract_text() or "") for page in PdfReader(io.BytesIO(data)).pages]


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


OBLIGATION_ID = re.compile(r"\b([a-z]+-[0-9]{4}\.[a-z0-9.\-]*[a-z0-9])\b")
#: The heading of the method annex's table of gaps, the one place a report names obligations by id.
PRIORITIES = "The priority of each gap in this report"


def gap_ids(text: str) -> list[str]:
    """Return the obligation ids of a report's gaps, in rank order, from the method annex's table."""
    annex = text[text.rindex(PRIORITIES) :]
    return OBLIGATION_ID.findall(annex[: annex.index("Annex B")] if "Annex B" in annex else annex)


def gap_title(obligation_id: str) -> str:
    """Return the title a gap is printed under: what its clause asks."""
    from questionnaire.reports.content import clause_title

    return normalise(clause_title(current_catalogue().obligation_by_id[obligation_id]))


class Listener:
    """An HTTP server on 127.0.0.1 that records every request it gets (and answers them all)."""

    def __init__(self) -> None:
        self.hits: list[str] = []
        hits = self.hits

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                hits.append(self.path)
                if self.path.startswith("/redirect"):
                    self.send_response(302)
                    self.send_header("Location", "file:///etc/passwd")
                    self.end_headers()
                    return
                if self.path.endswith(".css"):
                    # One level of @import: a renderer that follows it would ask again.
                    body = b"body { color: red }" if "nested" in self.path else b"@import url(/nested.css);"
                else:
                    body = b"hello"
                self.send_response(200)
                self.send_header("Content-Type", "text/css" if self.path.endswith(".css") else "image/png")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_POST = do_GET  # noqa: N815

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Listener:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    """A local HTTP server that records hits: a report must never contact it."""
    with Listener() as server:
        yield server


@pytest.fixture
def submitted(app, users, cycle) -> Assessment:  # type: ignore[no-untyped-def]
    """France's constructed assessment, submitted, with a reviewer's comment on CL-2."""
    return make_assessment(users["fra"], cycle, "FRA", "submitted", reviewer=users["reviewer"])


@pytest.fixture
def app_config(tmp_path) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Keep finished meeting packs in the test's own folder."""
    return {"MEETING_PACK_FOLDER": str(tmp_path / "meeting-packs")}
