"""The catalogue at run time: the current edition from the file, old ones from the database."""

from __future__ import annotations

import os
import threading

from flask import Flask, current_app
from sqlalchemy import select

from .catalogue import Catalogue, load_catalogue, parse_catalogue
from .db import db
from .models import CatalogueEdition, Cycle

_lock = threading.Lock()
_editions: dict[str, Catalogue] = {}  # editions are immutable: safe to share between apps
_files: dict[tuple[str, int, int], Catalogue] = {}  # (path, mtime, size) -> parsed file


def init_app(app: Flask) -> None:
    """Nothing is loaded at start; the first use loads and validates the file."""
    app.extensions["catalogue"] = None


def current_catalogue() -> Catalogue:
    """Return the edition in CATALOGUE_PATH (loaded once per application)."""
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


def catalogue_for(cycle: Cycle) -> Catalogue:
    """Return the edition a cycle was opened with."""
    return edition(cycle.edition_hash)
