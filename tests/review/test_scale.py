"""The number of SQL statements of a request does not grow with the number of countries.

Each request is counted twice: first with nothing kept (no scores stored, no
comparison in memory), then again with everything kept.  Ten countries and a
hundred must give the same counts.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from questionnaire.db import db

from .conftest import countries

PAGES = [
    "/review",  # first: its assessments' scores are not stored yet
    "/cycles/{cycle}/compare",
    "/cycles/{cycle}/compare?region=Europe&sort=section-victims&dir=asc",
    "/cycles/{cycle}/export/scores.csv",
    "/cycles/{cycle}/export/scores.xlsx",
    "/cycles/{cycle}/export/scores.json",
    "/cycles/{cycle}/export/answers.csv",
    "/cycles/{cycle}/export/answers.xlsx",
    "/cycles/{cycle}/export/answers.json",
    "/cycles/{cycle}/compare/countries?country={first}&country={second}",
    "/cycles/{cycle}/participation",
    "/cycles/{cycle}/export/participation.csv",
    # The secretariat's view: the assistance requested (the comparison above has its map and charts).
    "/cycles/{cycle}/assistance",
    "/cycles/{cycle}/assistance?region=Europe&kind=training",
    "/cycles/{cycle}/assistance/export.csv",
    "/cycles/{cycle}/assistance/export.xlsx",
]


def asked(iso3: str, item: str) -> str | None:
    """Some answers of every country ask for assistance."""
    number = sum(map(ord, iso3 + item))
    return ("legislative", "training", "data")[number % 3] if number % 4 == 0 else None


@contextmanager
def counting() -> Iterator[list[int]]:
    """Count the statements sent to the database inside the block."""
    count = [0]

    def listen(*args: Any) -> None:
        count[0] += 1

    event.listen(db.engine, "before_cursor_execute", listen)
    try:
        yield count
    finally:
        event.remove(db.engine, "before_cursor_execute", listen)


def measure(client: Any, cycle: str, codes: list[str]) -> dict[str, tuple[int, int]]:
    """Return (statements with nothing kept, statements with everything kept) of each page."""
    found = {}
    for page in PAGES:
        url = page.format(cycle=cycle, first=codes[0], second=codes[1])
        counts = []
        for _ in range(2):
            with counting() as count:
                response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            counts.append(count[0])
        found[page] = (counts[0], counts[1])
    return found


def test_statements_are_the_same_for_10_and_for_100_countries(reviewer, world) -> None:  # type: ignore[no-untyped-def]
    codes = countries(100)
    # Each pair of cycles stands alone: 2026b's previous cycle is 2025b.
    world("2025a", codes[:10], status="accepted")
    world("2026a", codes[:10], assistance=asked)
    small = measure(reviewer, "2026a", codes)
    world("2025b", codes, status="accepted", seed=3)
    world("2026b", codes, seed=4, assistance=asked)
    large = measure(reviewer, "2026b", codes)
    print("statements (nothing kept, all kept):", small)
    assert large == small, {page: (small[page], large[page]) for page in PAGES if small[page] != large[page]}
    for page, (cold, warm) in small.items():
        assert cold <= 12 and warm <= 8, (page, cold, warm)
    # and the work really was there: 100 countries are listed, drawn and asking for assistance
    html = reviewer.get("/cycles/2026b/compare").get_data(as_text=True)
    assert html.count('name="country" value=') == 100
    assert html.count('class="map-country map-band--') + html.count('class="map-marker map-band--') >= 100
    html = reviewer.get("/cycles/2026b/assistance").get_data(as_text=True)
    assert html.count('<tbody id="requests-') == 100
