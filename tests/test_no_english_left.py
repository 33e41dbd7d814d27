"""Every page of the demo, read by a French, a Spanish and an Arabic user, has no English left.

What counts as English left: any text a user reads (a text node, or a `title`,
`aria-label`, `placeholder` or `alt`) that is an English message of the
interface or an English text of the catalogue whose translation differs, or
the English name of a country or region.  Two things are English by right and
skipped: a clause's English original (inside `lang="en"`) and what users typed
(answers, comments, names, cycle titles: form values and the elements that show
them).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po
from flask import Flask
from flask_babel import force_locale

from questionnaire.catalogue_store import english_catalogue, in_language
from questionnaire.catalogue_texts import data_in_language, normalise, texts_of
from questionnaire.db import db
from questionnaire.demo import build_demo
from questionnaire.i18n import M49_REGIONS, region_name
from questionnaire.models import Country

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "questionnaire" / "translations"
READ_ATTRIBUTES = ("title", "aria-label", "placeholder", "alt")
# Elements whose text users typed (answers, comments, justifications, names, titles of cycles).
TYPED_CLASSES = {
    "pre",
    "answer",
    "thread__message",
    "history__value",
    "typed",
}
TYPED_TAGS = {"textarea", "script", "style", "code", "option"}
# Words that read the same in the other languages, or are names and codes.
ENGLISH_WORDS = {"the", "of", "and", "is", "are", "with", "for", "that", "which", "this", "from", "your", "not", "be"}
SAME_EVERYWHERE = {"CSV", "JSON", "PDF", "Excel", "ISO3", "OK", "—", "Total", "Type", "Invitation", "Code", "Version"}


class VisibleText(HTMLParser):
    """Collect the texts a reader sees, outside English originals and typed content."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []  # (tag, skipped)
        self.texts: list[str] = []

    def _skipped(self, tag: str, attrs: dict[str, str | None]) -> bool:
        classes = set((attrs.get("class") or "").split())
        return (
            tag in TYPED_TAGS
            or attrs.get("lang") == "en"
            or bool(classes & TYPED_CLASSES)
            or (tag == "dd" and "answer" in classes)
        )

    def handle_starttag(self, tag: str, attrs_list: list[tuple[str, str | None]]) -> None:
        attrs = dict(attrs_list)
        skipped = (bool(self.stack) and self.stack[-1][1]) or self._skipped(tag, attrs)
        if not skipped:
            for name in READ_ATTRIBUTES:
                if attrs.get(name):
                    self.texts.append(str(attrs[name]))
            if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
                self.texts.append(str(attrs["value"]))
        if tag not in ("br", "img", "input", "meta", "link", "hr", "col", "source", "wbr"):
            self.stack.append((tag, skipped))

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                return

    def handle_data(self, data: str) -> None:
        if self.stack and self.stack[-1][1]:
            return
        text = normalise(data)
        if text:
            self.texts.append(text)


def reads_as_english(text: str) -> bool:
    """A sentence with four or more of English's commonest words is English, whatever else it holds."""
    words = set(re.findall(r"[a-z]+", text.lower()))
    return len(text) >= 40 and len(words & ENGLISH_WORDS) >= 4


def visible_texts(html: str) -> list[str]:
    parser = VisibleText()
    parser.feed(html)
    return parser.texts


def english_left(language: str) -> dict[str, str]:
    """The English texts that must not appear on a page in `language`, each with what should be there."""
    wanted: dict[str, str] = {}
    with open(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po", "rb") as stream:
        for message in read_po(stream):
            if not message.id:
                continue
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            for english in ids:
                if "%" in english or "{" in english or len(english) < 4:
                    continue  # with placeholders, the page never shows the message id as it is
                translated = strings[0] if strings else ""
                if translated and normalise(translated) != normalise(english):
                    wanted[normalise(english)] = translated
    catalogue = english_catalogue()
    local = {t.key: t.english for t in texts_of(data_in_language(in_language(catalogue, language)))}
    for text in texts_of(catalogue.data):
        other = local.get(text.key, "")
        if normalise(other) != normalise(text.english) and len(text.english) >= 4:
            wanted[normalise(text.english)] = other
    with force_locale(language):
        for country in db.session.scalars(db.select(Country)):
            if country.name != country.name_en:
                wanted[country.name_en] = country.name
        for region in M49_REGIONS:
            if region_name(region) != region:
                wanted[region] = region_name(region)
    return {k: v for k, v in wanted.items() if k not in SAME_EVERYWHERE}


def pages(app: Flask) -> dict[str, list[str]]:
    """The pages of the demo each account reads (by e-mail), every section included."""
    catalogue = english_catalogue()
    sections = [s.id for s in catalogue.sections]
    respondent = ["/", "/account", "/catalogue/", "/catalogue/method", "/cycles/2026/countries/BRA/upload"]
    for cycle, iso3 in (("2026", "BRA"), ("2025", "BRA")):
        base = f"/cycles/{cycle}/countries/{iso3}"
        respondent += [f"{base}/", f"{base}/history", f"{base}/report"]
        respondent += [f"{base}/sections/{s}" for s in sections]
    reviewer = ["/", "/review", "/catalogue/", "/cycles/2026/compare", "/cycles/2025/compare"]
    reviewer += ["/cycles/2026/compare/countries?country=NGA&country=IND", "/cycles/2026/meeting-pack", "/account"]
    for iso3 in ("NGA", "FRA"):
        base = f"/cycles/2026/countries/{iso3}"
        reviewer += [f"{base}/", f"{base}/history", f"{base}/report"]
        reviewer += [f"{base}/sections/{s}" for s in sections]
    admin = ["/admin/users", "/admin/cycles"]
    return {"bra@demo.test": respondent, "reviewer@demo.test": reviewer, "admin@demo.test": admin}


@pytest.mark.slow
@pytest.mark.parametrize("language", ["fr", "es", "ar"])
def test_no_page_of_the_demo_has_english_left(app: Flask, make_client: Any, language: str) -> None:
    build_demo()
    with app.test_request_context():
        forbidden = english_left(language)
    assert len(forbidden) > 500  # the interface's messages and the catalogue's texts
    long_texts = {e: t for e, t in forbidden.items() if len(e) > 60}
    found: dict[str, set[str]] = {}
    checked = 0
    for email, urls in pages(app).items():
        client = make_client()
        client.login(email, "demo-password")
        client.post_form("/language", {"lang": language, "next": "/"}, page="/")
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, (email, url, response.status_code)
            html = response.get_data(as_text=True)
            assert f'<html lang="{language}"' in html, url
            for text in visible_texts(html):
                checked += 1
                if text in forbidden:
                    found.setdefault(text, set()).add(url)
                    continue
                for english in long_texts:
                    if english in text:
                        found.setdefault(english, set()).add(url)
                if reads_as_english(text):
                    found.setdefault(text[:120], set()).add(url)
    assert checked > 5000
    report = "\n".join(f"{text!r} on {sorted(urls)[:3]}" for text, urls in sorted(found.items()))
    assert not found, f"English left on {language} pages:\n{report}"


def test_the_checker_finds_english_and_skips_originals_and_typed_text() -> None:
    html = (
        '<p>Fully implemented</p><div lang="en" dir="ltr"><p>Member countries improve</p></div>'
        '<p class="pre">typed by a user</p><textarea>typed</textarea>'
        '<button aria-label="Save">Enregistrer</button>'
    )
    texts = visible_texts(html)
    assert texts == ["Fully implemented", "Save", "Enregistrer"]
    assert reads_as_english("Every rule of the method can be checked with a calculator and the file wins.")
    assert not reads_as_english("Chaque règle de la méthode peut être vérifiée avec une calculatrice.")
    assert not reads_as_english("Cada regla del método puede comprobarse con una calculadora y el archivo prevalece.")
