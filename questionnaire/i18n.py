"""Languages: Flask-Babel set-up and the choice of language for each request."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations
from flask import Flask, current_app, g, has_request_context, request, session
from flask_babel import Babel, get_translations
from flask_login import current_user
from jinja2 import pass_context

from .config import PACKAGE_DIR

RTL_LANGUAGES = {"ar", "fa", "he", "ur"}
LANGUAGE_NAMES = {"en": "English", "fr": "Français", "es": "Español", "ar": "العربية"}

babel = Babel()


def select_locale() -> str:
    """Pick the language: the one chosen in this session, the user's, or the browser's.

    Outside a request (command line, background jobs without one) there is no
    session or browser to ask: the default language is used, so a service that
    translates its messages still works there.
    """
    languages: list[str] = current_app.config["LANGUAGES"]
    if not has_request_context():
        return str(current_app.config["BABEL_DEFAULT_LOCALE"])
    chosen = session.get("lang")
    if chosen in languages:
        return str(chosen)
    if "user_locale" in g:  # noted when the signed-in user was loaded
        user_locale = g.user_locale
    else:
        user_locale = getattr(current_user, "locale", None) if current_user else None
    if user_locale in languages:
        return str(user_locale)
    best = request.accept_languages.best_match(languages)
    return best or current_app.config["BABEL_DEFAULT_LOCALE"]


def text_direction(locale: str) -> str:
    """Return 'rtl' for right-to-left languages, else 'ltr'."""
    return "rtl" if locale.split("_")[0] in RTL_LANGUAGES else "ltr"


def _translations() -> Translations:
    """Return this request's translations, looked up once per request.

    Flask-Babel resolves the locale and domain on every call; a page of the
    questionnaire makes about a hundred calls, so the lookup is kept in `g`.

    Speed: with it off, `benchmarks/machinery.py` measured a section page that is not cached
    1.24x slower (2026-12-03).
    """
    found: Translations | None = g.get("_thbq_translations")
    if found is None:
        found = g._thbq_translations = get_translations()
    return found


SOURCE = PACKAGE_DIR / "translations"


def compile_catalogues(source: Path, target: Path) -> Path:
    """Compile every messages.po under `source` into a .mo under `target` if it is missing or older.

    Only the .po files are kept in the repository; compiling at start keeps the
    two from drifting apart.  Files are replaced atomically, so several
    processes starting at once are safe.
    """
    for po in source.glob("*/LC_MESSAGES/messages.po"):
        mo = target / po.relative_to(source).with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        mo.parent.mkdir(parents=True, exist_ok=True)
        with po.open("rb") as fh:
            catalog = read_po(fh, locale=po.parent.parent.name)
        fd, tmp = tempfile.mkstemp(dir=mo.parent, suffix=".mo")
        with os.fdopen(fd, "wb") as out:
            write_mo(out, catalog)
        os.replace(tmp, mo)
    return target


def init_app(app: Flask) -> None:
    """Set up translations and expose the language and direction to templates."""
    if "BABEL_TRANSLATION_DIRECTORIES" not in app.config:
        compiled = Path(app.instance_path) / "translations"
        try:
            app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(compile_catalogues(SOURCE, compiled))
        except OSError:
            compiled = Path(tempfile.gettempdir()) / f"thbq-translations-{os.getuid()}"
            app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(compile_catalogues(SOURCE, compiled))
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
        newstyle=True,
    )

    # Speed: the filters take the language the context processor put in the page's context (a
    # comparison writes some 2,000 numbers; asking Flask-Babel each time cost 70 ms a page).
    app.jinja_env.filters["number"] = pass_context(
        lambda context, value, digits=1: format_number(value, digits, context.get("current_language"))
    )
    app.jinja_env.filters["signed_number"] = pass_context(
        lambda context, value, digits=1: format_signed(value, digits, context.get("current_language"))
    )
    app.jinja_env.filters["region_name"] = pass_context(
        lambda context, region: region_name(region, context.get("current_language"))
    )

    @app.context_processor
    def _language() -> dict[str, object]:
        from flask_babel import get_locale

        locale = str(get_locale() or app.config["BABEL_DEFAULT_LOCALE"])
        return {
            "current_language": locale,
            "text_direction": text_direction(locale),
            "language_names": {k: LANGUAGE_NAMES.get(k, k) for k in app.config["LANGUAGES"]},
        }


# --------------------------------------------------------------------------
# Names and numbers in the reader's language (CLDR data, through Babel)
# --------------------------------------------------------------------------

# The UN M49 codes of the regions countries are grouped by (the regions' English names are the keys
# the comparison and the exports use; they are shown through `region_name`).
M49_REGIONS = {"Africa": "002", "Americas": "019", "Asia": "142", "Europe": "150", "Oceania": "009"}


def current_language() -> str:
    """The language of this request (or of a `force_locale` block); English outside any."""
    from flask_babel import get_locale

    try:
        locale = get_locale()
    except (RuntimeError, AttributeError):  # no application or request context
        locale = None
    return str(locale or "en").split("_")[0]


def _territories(language: str) -> Mapping[str, str]:
    return _TERRITORIES.get(language) or _TERRITORIES.setdefault(language, Locale.parse(language).territories)


_TERRITORIES: dict[str, Mapping[str, str]] = {}


def country_name(country: Any) -> str:
    """A country's name in the reader's language (CLDR), or its English name where CLDR has none."""
    english = str(getattr(country, "name_en", "") or "")
    language = current_language()
    if language == "en":
        return english
    return _territories(language).get(str(getattr(country, "iso2", "") or ""), english)


def region_name(region: str, language: str | None = None) -> str:
    """An M49 region's name in the reader's language ("—" and unknown names are shown as they are)."""
    code = M49_REGIONS.get(region)
    language = language or current_language()
    if code is None or language == "en":
        return region
    return _territories(language).get(code, region)


def format_number(value: float | int | None, digits: int = 1, language: str | None = None) -> str:
    """A score or mean as the reader's language writes it (57.3, 57,3), or "—" for none."""
    if value is None:
        return "—"
    language = language or current_language()
    text = f"{abs(value):.{digits}f}"
    if len(text.split(".")[0]) <= 3:
        # Speed: scores (0-100) need no grouping; Babel's format_decimal costs ~45 µs a call, and a
        # comparison of 196 countries writes some 2,000 numbers (benchmarks/compare.py).
        text = text.replace(".", _decimal_sign(language))
        return "-" + text if value < 0 and text.strip("0,.") else text
    pattern = "#,##0." + "0" * digits if digits else "#,##0"
    return format_decimal(value, format=pattern, locale=language)


@lru_cache(maxsize=16)
def _decimal_sign(language: str) -> str:
    """The decimal separator of a language's default numbering system (CLDR)."""
    locale = Locale.parse(language)
    return str(locale.number_symbols[locale.default_numbering_system]["decimal"])


def format_signed(value: float | None, digits: int = 1, language: str | None = None) -> str:
    """A change with its sign (+2.5, −1.0, ±0.0) in the reader's language."""
    if value is None:
        return "—"
    language = language or current_language()
    if value > 0:
        return "+" + format_number(value, digits, language)
    if value < 0:
        return "−" + format_number(-value, digits, language)
    return "±" + format_number(0, digits, language)
