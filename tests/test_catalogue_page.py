"""The catalogue page: every instrument, every clause verbatim with its anchor, the items that assess it."""

from __future__ import annotations

import html
import re


def test_the_catalogue_page_lists_every_clause_with_an_anchor(client, users, catalogue) -> None:  # type: ignore[no-untyped-def]
    client.login("reviewer@example.org")
    page = html.unescape(client.get("/catalogue/").get_data(as_text=True))
    for instrument in catalogue.instruments:
        assert f'id="{instrument.id}"' in page
        assert instrument.title in page
    for obligation in catalogue.obligations:
        assert f'<li class="clause" id="{obligation.id}">' in page
        assert f'href="#{obligation.id}"' in page
        assert obligation.text in page
        for item in obligation.items:
            assert f'href="#item-{item}"' in page
    for item in catalogue.items:
        assert f'id="item-{item.id}"' in page
    assert page.count('tag--muted">not assessed against countries</span>') == sum(
        1 for o in catalogue.obligations if not o.scored
    )


def test_the_catalogue_of_a_cycle_is_the_edition_it_was_opened_with(client, users, cycle) -> None:  # type: ignore[no-untyped-def]
    client.login("reviewer@example.org")
    page = client.get("/catalogue/?cycle=2026").get_data(as_text=True)
    assert cycle.edition_hash in page
    assert client.get("/catalogue/?cycle=1999").status_code == 404


def test_the_method_page_publishes_the_methodology(client, users) -> None:  # type: ignore[no-untyped-def]
    client.login("fra@example.org")
    page = client.get("/catalogue/method").get_data(as_text=True)
    assert re.search(r"<h1[^>]*>How an assessment is scored</h1>", page)
    assert "shortfall" in page
    assert "<script" not in page.split("<main")[1].split("</main>")[0]
