"""Languages: Flask-Babel set-up and the choice of language for each request."""

from __future__ import annotations

from flask import Flask, current_app, g, request, session
from flask_babel import Babel, get_translations
from flask_login import current_user

from .config import PROJECT_ROOT

RTL_LANGUAGES = {"ar", "fa", "he", "ur"}
LANGUAGE_NAMES = {"en": "English", "fr": "Français", "es": "Español", "ar": "العربية"}

babel = Babel()


def select_locale() -> str:
    """Pick the language: the one chosen in this session, the user's, or the browser's."""
    languages: list[str] = current_app.config["LANGUAGES"]
    chosen = session.get("lang")
    if chosen in languages:
        return str(chosen)
    user_locale = getattr(current_user, "locale", None) if current_user else None
    if user_locale in languages:
        return str(user_locale)
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def text_direction(locale: str) -> str:
    """Return 'rtl' for right-to-left languages, else 'ltr'."""
    return "rtl" if locale.split("_")[0] in RTL_LANGUAGES else "ltr"


def _translations():  # type: ignore[no-untyped-def]
    """Return this request's translations, looked up once per request.

    Flask-Babel resolves the locale and domain on every call; a page of the
    questionnaire makes about a hundred calls, so the lookup is kept in `g`.
    """
    found = g.get("_thbq_translations")
    if found is None:
        found = g._thbq_translations = get_translations()
    return found


def init_app(app: Flask) -> None:
    """Set up translations and expose the language and direction to templates."""
    app.config.setdefault(
        "BABEL_TRANSLATION_DIRECTORIES", str(PROJECT_ROOT / "questionnaire" / "translations")
    )
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
        newstyle=True,
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
