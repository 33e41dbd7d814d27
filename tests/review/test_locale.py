"""Names and numbers in the reader's language: countries and regions from CLDR, decimals as the locale writes them."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import force_locale

from questionnaire.db import db
from questionnaire.i18n import format_number, format_signed, region_name
from questionnaire.models import Country


def test_numbers_are_written_as_each_language_writes_them(app: Any) -> None:
    with app.test_request_context():
        expected = {
            "en": ("57.3", "12,345.5", "+2.5"),
            "fr": ("57,3", "12\u202f345,5", "+2,5"),
            "es": ("57,3", "12.345,5", "+2,5"),
        }
        for language, (score, large, change) in expected.items():
            with force_locale(language):
                assert format_number(57.3) == score
                assert format_number(12345.5) == large
                assert format_signed(2.5) == change
                assert format_signed(-1) == "−" + format_number(1)
                assert format_number(None) == "—"


def test_country_and_region_names_follow_the_reader(app: Any) -> None:
    morocco = db.session.get(Country, "MAR")
    assert morocco is not None
    assert morocco.name == "Morocco"  # outside a request: English
    with app.test_request_context():
        names = {}
        for language in ("en", "fr", "es", "ar"):
            with force_locale(language):
                names[language] = (morocco.name, region_name(morocco.region))
    assert names == {
        "en": ("Morocco", "Africa"),
        "fr": ("Maroc", "Afrique"),
        "es": ("Marruecos", "África"),
        "ar": ("المغرب", "أفريقيا"),
    }
    with app.test_request_context(), force_locale("fr"):
        assert region_name("—") == "—"  # countries without a region keep the dash


def test_a_french_reviewer_reads_the_comparison_in_french(world: Any, make_client: Any, users: Any) -> None:
    world("2026", ["MAR", "FRA", "MEX"], status="accepted")
    reviewer = make_client()
    reviewer.login("reviewer@example.org")
    reviewer.post_form("/language", {"lang": "fr", "next": "/"}, page="/")
    html = reviewer.get("/cycles/2026/compare").get_data(as_text=True)
    assert ">Maroc</a>" in html and ">Mexique</a>" in html and ">Morocco<" not in html
    assert "Afrique" in html and "Amériques" in html and ">Africa<" not in html
    scores = re.findall(r'overall-cell">([^<]+)<', html)
    assert scores and all(re.fullmatch(r"\d{1,3},\d", s) for s in scores), scores
