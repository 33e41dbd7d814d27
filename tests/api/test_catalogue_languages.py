"""GET /api/v1/catalogue?lang=…: the catalogue's texts in French, Spanish or Arabic; the same edition."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.mark.parametrize(
    ("language", "full", "question_starts"),
    [
        ("fr", "Pleinement mis en œuvre", "Votre pays est-il partie"),
        ("es", "Plenamente aplicado", "¿Es su país parte"),
        ("ar", "منفَّذ بالكامل", "هل بلدكم طرف"),
    ],
)
def test_the_catalogue_in_a_language_keeps_its_ids_values_and_hash(
    api: Any, tokens: Any, catalogue: Any, language: str, full: str, question_starts: str
) -> None:
    english = api.get("catalogue", tokens["fra"]).get_json()
    data = api.get(f"catalogue?lang={language}", tokens["fra"]).get_json()
    assert data["hash"] == english["hash"] == catalogue.hash
    assert data["language"] == language and len(data["translation"]) == 16
    assert data["scale"][0]["label"] == full
    assert data["items"][0]["question"].startswith(question_starts)
    for key in ("scale", "items", "obligations", "sections", "bands"):
        assert [e["id"] for e in data[key]] == [e["id"] for e in english[key]], key
    assert [s["value"] for s in data["scale"]] == [s["value"] for s in english["scale"]]
    assert [o["items"] for o in data["obligations"]] == [o["items"] for o in english["obligations"]]
    # Every translated clause is unofficial here: the English texts are authentic.
    assert set(data["unofficial_clauses"]) == {o["id"] for o in english["obligations"]}
    assert data["obligations"][0]["text"] != english["obligations"][0]["text"]


def test_the_accounts_language_is_the_default_and_the_parameter_wins(
    api: Any, tokens: Any, users: Any, catalogue: Any
) -> None:
    from questionnaire.db import db

    users["fra"].locale = "fr"
    db.session.commit()
    assert api.get("catalogue", tokens["fra"]).get_json()["language"] == "fr"
    assert api.get("catalogue?lang=en", tokens["fra"]).get_json()["scale"][0]["label"] == "Fully implemented"
    assert api.get("catalogue", tokens["reviewer"], headers={"Accept-Language": "es"}).get_json()["language"] == "es"


@pytest.mark.parametrize("value", ["xx", "FR", "", "fr-FR", "<script>"])
def test_an_unknown_language_is_refused_with_its_name(api: Any, tokens: Any, value: str) -> None:
    response = api.get(f"catalogue?lang={value}", tokens["fra"])
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert "use en, fr, es or ar" in error["message"] and "lang" in error["errors"]


def test_scores_name_their_areas_in_the_readers_language(api: Any, tokens: Any, users: Any, cycle: Any) -> None:
    from questionnaire import services

    assessment, _ = services.start_assessment(users["fra"], cycle, "FRA")
    path = "cycles/2026/countries/FRA/scores"
    english = api.get(path, tokens["fra"]).get_json()
    french = api.get(path, tokens["fra"], headers={"Accept-Language": "fr"}).get_json()
    assert english["sections"][0]["title"] == "Criminal law and international instruments"
    assert french["sections"][0]["title"] == "Droit pénal et instruments internationaux"
    assert [s["score"] for s in french["sections"]] == [s["score"] for s in english["sections"]]
    assert french["instruments"][0]["title"] != english["instruments"][0]["title"]
    # What is stored stays English: an English reader afterwards still reads English.
    assert api.get(path, tokens["fra"]).get_json() == english
