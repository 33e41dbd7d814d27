"""The French, Spanish and Arabic catalogues: complete, well-formed, and used by the pages."""

from __future__ import annotations

import re
from collections.abc import Iterator
from gettext import c2py
from pathlib import Path

import pytest
from babel import Locale
from babel.messages.catalog import Catalog, Message
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

from tests.conftest import PASSWORD

TRANSLATIONS = Path(__file__).resolve().parent.parent / "questionnaire" / "translations"
LANGUAGES = ("fr", "es", "ar")
# Python's %-placeholders: %(name)s, %(n)d, %(x).1f …; also a lone % (a mistake in a translation).
PLACEHOLDER = re.compile(r"%\((\w+)\)[#0 +-]*\d*(?:\.\d+)?([diouxXeEfFgGcrsa])")
TAG = re.compile(r"</?[a-zA-Z][^>]*>")
# The gettext forms of each language in CLDR's order, as the Babel the lock file pins
# gives them: French and Spanish have a "many" form (exact millions) since CLDR 46.
GETTEXT_FORMS = {
    "fr": ("one", "many", "other"),
    "es": ("one", "many", "other"),
    "ar": ("zero", "one", "two", "few", "many", "other"),
}


def catalogue(lang: str) -> Catalog:
    with (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return read_po(fh, locale=lang)


def messages(lang: str) -> Iterator[Message]:
    return (m for m in catalogue(lang) if m.id)


def placeholders(text: str) -> set[tuple[str, str]]:
    return set(PLACEHOLDER.findall(text))


def plural_index(catalog: Catalog, n: int) -> int:
    return int(c2py(catalog.plural_expr)(n))


def ns_per_form(catalog: Catalog) -> dict[int, set[int]]:
    """Return, for each plural form, the numbers 0–300 that use it."""
    forms: dict[int, set[int]] = {}
    for n in range(301):
        forms.setdefault(plural_index(catalog, n), set()).add(n)
    return forms


def sample_values(msgid: str | tuple[str, ...]) -> dict[str, object]:
    ids = (msgid,) if isinstance(msgid, str) else msgid
    values: dict[str, object] = {}
    for text in ids:
        for name, conversion in PLACEHOLDER.findall(text):
            number = 2.5 if conversion in "eEfFgG" else 3
            values[name] = number if conversion in "diouxXceEfFgG" else "x"
    return values


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_message_is_translated_and_none_is_fuzzy(lang: str) -> None:
    untranslated = []
    fuzzy = []
    for m in messages(lang):
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        if not all(s and s.strip() for s in strings):
            untranslated.append(m.id)
        if m.fuzzy:
            fuzzy.append(m.id)
    assert not untranslated, f"{lang}: {len(untranslated)} untranslated, e.g. {untranslated[:3]}"
    assert not fuzzy, f"{lang}: fuzzy entries {fuzzy[:3]}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_message_of_the_template_is_in_the_catalogue(lang: str) -> None:
    with (TRANSLATIONS / "messages.pot").open("rb") as fh:
        template = {m.id if isinstance(m.id, str) else tuple(m.id) for m in read_po(fh) if m.id}
    translated = {m.id if isinstance(m.id, str) else tuple(m.id) for m in messages(lang)}
    assert template - translated == set(), "run pybabel update (see babel.cfg)"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_placeholders_of_each_translation_are_those_of_the_original(lang: str) -> None:
    catalog = catalogue(lang)
    forms = ns_per_form(catalog)
    wrong = []
    for m in messages(lang):
        if isinstance(m.id, str):
            if placeholders(m.string) != placeholders(m.id):
                wrong.append((m.id, m.string))
            continue
        singular, plural = m.id[0], m.id[1]
        allowed = placeholders(singular) | placeholders(plural)
        for index, text in enumerate(m.string):
            found = placeholders(text)
            required = placeholders(plural)
            numbers = forms.get(index, set())
            singular_has_num = any(p[0] == "num" for p in placeholders(singular))
            if len(numbers) == 1 or (1 in numbers and not singular_has_num):
                # A form used for one number only ("one", "two") may spell the number out, and the
                # form that holds 1 may leave it out where the English singular does.
                required = {p for p in required if p[0] != "num"}
            if not required <= found <= allowed:
                wrong.append((m.id, index, text))
    assert not wrong, f"{lang}: placeholders differ: {wrong[:5]}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_translation_formats_with_the_values_of_its_original(lang: str) -> None:
    # Templates format every message (Jinja's new-style gettext), so a stray % breaks a page.
    broken = []
    for m in messages(lang):
        values = sample_values(m.id)
        for text in m.string if isinstance(m.string, tuple) else (m.string,):
            try:
                text % values
            except (ValueError, TypeError, KeyError) as error:
                broken.append((m.id, text, str(error)))
    assert not broken, f"{lang}: {broken[:3]}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_translations_add_no_markup(lang: str) -> None:
    added = [
        (m.id, m.string)
        for m in messages(lang)
        if isinstance(m.id, str) and sorted(TAG.findall(m.string)) != sorted(TAG.findall(m.id))
    ]
    assert not added, f"{lang}: {added[:3]}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_plural_forms_follow_the_cldr_rules_of_the_language(lang: str) -> None:
    catalog = catalogue(lang)
    forms = GETTEXT_FORMS[lang]
    assert catalog.num_plurals == len(forms) == get_plural(lang).num_plurals
    rule = Locale.parse(lang).plural_form
    for n in range(0, 1001):
        category = rule(n)
        expected = forms.index(category if category in forms else "other")
        found = plural_index(catalog, n)
        assert found == expected, f"{lang}: n={n} ({category}) takes form {found}"
    plural = [m for m in messages(lang) if isinstance(m.id, tuple)]
    assert plural and all(len(m.string) == catalog.num_plurals for m in plural)


def test_arabic_has_six_plural_forms_in_the_cldr_order() -> None:
    catalog = catalogue("ar")
    assert catalog.num_plurals == 6
    # zero, one, two, few (3–10), many (11–99), other (100–102, …)
    assert [plural_index(catalog, n) for n in (0, 1, 2, 3, 10, 11, 99, 100, 102, 103, 111)] == [
        0,
        1,
        2,
        3,
        3,
        4,
        4,
        5,
        5,
        3,
        4,
    ]


@pytest.mark.parametrize(
    ("lang", "sign_in", "home"),
    [
        ("fr", "Se connecter", "Accueil"),
        ("es", "Iniciar sesión", "Inicio"),
        ("ar", "تسجيل الدخول", "الصفحة الرئيسية"),
    ],
)
def test_pages_are_shown_in_the_chosen_language(  # type: ignore[no-untyped-def]
    client, users, lang: str, sign_in: str, home: str
) -> None:
    page = client.get("/login", headers={"Accept-Language": lang}).get_data(as_text=True)
    assert f"<h1>{sign_in}</h1>" in page or f">{sign_in}<" in page
    client.login(users["fra"].email)
    client.post_form("/language", {"lang": lang, "next": "/"}, page="/")
    page = client.get("/").get_data(as_text=True)
    assert home in page and "Sign out" not in page


def test_english_stays_the_default(client, users) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/login").get_data(as_text=True)
    assert ">Sign in<" in page
    client.login(users["fra"].email)
    assert "Sign out" in client.get("/").get_data(as_text=True)


def test_service_errors_speak_the_readers_language(app, client, users, cycle) -> None:  # type: ignore[no-untyped-def]
    from questionnaire import services

    # Outside a request (the command line) the message stays English.
    with app.app_context():
        with pytest.raises(services.NotFound, match="There is no cycle 'nope'"):
            services.access.find_cycle("nope")
    client.login(users["fra"].email)
    client.post_form("/language", {"lang": "es", "next": "/"}, page="/")
    page = client.get("/cycles/nope/countries/FRA/").get_data(as_text=True)
    assert "No existe el ciclo" in page or "No encontrado" in page


def test_a_bad_account_is_refused_on_the_right_field_in_any_language(client, users) -> None:  # type: ignore[no-untyped-def]
    client.login(users["admin"].email)
    client.post_form("/language", {"lang": "fr", "next": "/admin/users"}, page="/admin/users")
    response = client.post_form(
        "/admin/users",
        {
            "email": "new@example.org",
            "name": "",
            "role": "reviewer",
            "country": "FRA",
            "password": PASSWORD,
        },
        page="/admin/users",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Seuls les répondants et les contributeurs relèvent d’un pays." in page
    # The message sits by the country field (its error id), not by the e-mail address.
    country_block = page[page.index('id="country"') - 600 : page.index('id="country"') + 600]
    assert "Seuls les répondants" in country_block


def test_the_template_holds_every_message_the_code_and_templates_use(tmp_path) -> None:
    """Extracting again finds nothing the committed template lacks, so nothing reaches a page untranslated."""
    import subprocess
    import sys

    root = TRANSLATIONS.parent.parent
    fresh = tmp_path / "messages.pot"
    pybabel = Path(sys.executable).parent / "pybabel"
    subprocess.run(  # noqa: S603 - our own tool, fixed arguments
        [str(pybabel), "extract", "-F", "babel.cfg", "-k", "_l", "-k", "lazy_gettext", "-o", str(fresh), "."],
        cwd=root,
        check=True,
        capture_output=True,
    )
    with fresh.open("rb") as fh:
        used = {m.id if isinstance(m.id, str) else tuple(m.id) for m in read_po(fh) if m.id}
    with (TRANSLATIONS / "messages.pot").open("rb") as fh:
        template = {m.id if isinstance(m.id, str) else tuple(m.id) for m in read_po(fh) if m.id}
    assert used - template == set(), "messages missing from messages.pot: run the pybabel commands of babel.cfg"
