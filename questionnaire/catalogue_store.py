"""The catalogue at run time: the current edition from the file, old ones from the database.

Both come in the reader's language: `current_catalogue()` and `catalogue_for(cycle)`
return the edition with its texts translated from `catalogue-translations/` beside
the catalogue file (English where a text has no current translation).  Ids, values
and the edition's hash are the same in every language.
"""

from __future__ import annotations

import os
import threading

from flask import Flask, current_app
from sqlalchemy import select

from .catalogue import Catalogue, load_catalogue, parse_catalogue
from .catalogue_texts import LANGUAGES, Translation, localized, read_translation, translations_dir
from .db import db
from .i18n import current_language
from .models import CatalogueEdition, Cycle

_lock = threading.Lock()
_editions: dict[str, Catalogue] = {}  # editions are immutable: safe to share between apps
_files: dict[tuple[str, int, int], Catalogue] = {}  # (path, mtime, size) -> parsed file
_translations: dict[tuple[str, int, int], Translation] = {}  # (path, mtime, size) -> read file
# (edition hash, language, translation revision) -> the edition in that language.  Bounded:
# editions × languages × revisions, and revisions change only when a file is edited.
_localized: dict[tuple[str, str, str], Catalogue] = {}


def init_app(app: Flask) -> None:
    """Nothing is loaded at start; the first use loads and validates the file."""
    app.extensions["catalogue"] = None


def current_catalogue(language: str | None = None) -> Catalogue:
    """Return the edition in CATALOGUE_PATH (loaded once per application), in the reader's language."""
    return in_language(english_catalogue(), language)


def english_catalogue() -> Catalogue:
    """Return the edition in CATALOGUE_PATH with its English (authentic) texts."""
    catalogue = current_app.extensions.get("catalogue")
    if catalogue is None:
        with _lock:
            catalogue = current_app.extensions.get("catalogue")
            if catalogue is None:
                catalogue = _load_file(current_app.config["CATALOGUE_PATH"])
                current_app.extensions["catalogue"] = catalogue
                _editions.setdefault(catalogue.hash, catalogue)
    return catalogue


def _load_file(path: str) -> Catalogue:
    """Parse a catalogue file once per process for as long as it does not change."""
    try:
        stat = os.stat(path)
    except OSError:
        return load_catalogue(path)  # reports the problem with the file's name
    key = (os.path.abspath(path), stat.st_mtime_ns, stat.st_size)
    found = _files.get(key)
    if found is None:
        found = _files[key] = load_catalogue(path)
    return found


def store_edition(catalogue: Catalogue) -> CatalogueEdition:
    """Keep an edition's content in the database (once)."""
    row = db.session.get(CatalogueEdition, catalogue.hash)
    if row is None:
        row = CatalogueEdition(hash=catalogue.hash, title=catalogue.title, content=catalogue.to_json())
        db.session.add(row)
        db.session.flush()
    return row


def edition(edition_hash: str) -> Catalogue:
    """Return the catalogue edition with this hash, from memory or the database."""
    found = _editions.get(edition_hash)
    if found is not None:
        return found
    row = db.session.scalar(select(CatalogueEdition).where(CatalogueEdition.hash == edition_hash))
    if row is None:
        raise LookupError(f"catalogue edition {edition_hash} is not stored")
    catalogue = parse_catalogue(row.content, source=f"edition {edition_hash}")
    if catalogue.hash != edition_hash:
        raise LookupError(f"stored edition {edition_hash} does not match its hash ({catalogue.hash})")
    with _lock:
        _editions[edition_hash] = catalogue
    return catalogue


def catalogue_for(cycle: Cycle, language: str | None = None) -> Catalogue:
    """Return the edition a cycle was opened with, in the reader's language (or the one given)."""
    return in_language(edition(cycle.edition_hash), language)


def translation(language: str) -> Translation | None:
    """Return a language's translations of the catalogue (read once for as long as the file does not change)."""
    if language not in LANGUAGES:
        return None
    path = translations_dir(current_app.config["CATALOGUE_PATH"]) / f"{language}.po"
    try:
        stat = os.stat(path)
    except OSError:
        return None
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    found = _translations.get(key)
    if found is None:
        found = read_translation(path, language)
        with _lock:
            for old in [k for k in _translations if k[0] == key[0]]:
                del _translations[old]
            _translations[key] = found
    return found


def in_language(catalogue: Catalogue, language: str | None = None) -> Catalogue:
    """Return an edition with its texts in a language: the reader's unless one is given."""
    language = language or current_language()
    found = translation(language) if language != "en" else None
    if found is None:
        return catalogue
    key = (catalogue.hash, language, found.revision)
    kept = _localized.get(key)
    if kept is None:
        kept = localized(catalogue, found)
        with _lock:
            for old in [k for k in _localized if k[:2] == key[:2]]:
                del _localized[old]  # an earlier revision of the file
            _localized[key] = kept
    return kept
