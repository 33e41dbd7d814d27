"""Languages: the choice is remembered, Arabic pages are right to left, catalogues compile."""

from __future__ import annotations

from pathlib import Path

from questionnaire.i18n import compile_catalogues, text_direction


def test_right_to_left_languages() -> None:
    assert text_direction("ar") == "rtl"
    assert text_direction("fr") == "ltr"
    assert text_direction("en_GB") == "ltr"


def test_choosing_arabic_turns_the_page_right_to_left(client, users) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="en" dir="ltr">' in page
    client.post_form("/language", {"lang": "ar", "next": "/login"}, page="/login")
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in page


def test_the_browser_language_is_used_when_nothing_was_chosen(client) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/login", headers={"Accept-Language": "es-ES,es;q=0.9"}).get_data(as_text=True)
    assert '<html lang="es" dir="ltr">' in page


def test_an_unknown_language_is_ignored(client, users) -> None:  # type: ignore[no-untyped-def]
    client.post_form("/language", {"lang": "xx", "next": "/login"}, page="/login")
    assert '<html lang="en"' in client.get("/login").get_data(as_text=True)


def test_the_language_form_returns_only_to_local_pages(client) -> None:  # type: ignore[no-untyped-def]
    response = client.post_form("/language", {"lang": "fr", "next": "https://evil.example/"}, page="/login")
    assert response.headers["Location"] == "/"


def test_translations_compile_from_the_po_files(tmp_path: Path) -> None:
    source = Path(__file__).resolve().parent.parent / "questionnaire" / "translations"
    target = compile_catalogues(source, tmp_path)
    compiled = sorted(p.parent.parent.name for p in target.glob("*/LC_MESSAGES/messages.mo"))
    assert compiled == ["ar", "es", "fr"]
