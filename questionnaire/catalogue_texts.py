"""The texts of the catalogue that a user reads, each under a stable key.

A key names where a text lives in `obligations.yaml`: `items/CL-1/question`,
`items/CL-1/evidence/0`, `obligations/ga-1988.1/text`, `scale/full/label`,
`title`.  The translations of the catalogue (`catalogue-translations/*.po`)
use the key as the message context and the English text as the message id, so
a translator's tool shows the English beside the translation, and a changed
English text makes its translation stale (its id no longer matches).

This module reads the catalogue file's plain data (the parsed YAML), not the
loaded objects, so it serves both the validation of a file and its loading.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from .catalogue import Catalogue, ListEntry, Problem, normalise

_M = TypeVar("_M", bound=ListEntry)

# The collections of the catalogue and the fields of their entries that a user reads.
# A list field (evidence) gives one text per entry of the list.
TEXT_FIELDS: dict[str, tuple[str, ...]] = {
    "scale": ("label", "description"),
    "strengths": ("label",),
    "bands": ("label",),
    "addressees": ("label",),
    "assistance_kinds": ("label",),
    "sections": ("title", "description"),
    "instruments": ("body", "title", "session", "place", "symbol_note"),
    "obligations": ("paragraph", "lead_in", "text", "note"),
    "items": ("question", "guidance", "evidence", "action"),
}
TOP_FIELDS = ("title",)

# Texts quoted from an authentic text: a translation is unofficial unless it records the
# source of an official one.
AUTHENTIC = {("obligations", "lead_in"), ("obligations", "text")}


@dataclass(frozen=True)
class Text:
    """One English text of the catalogue a user reads, and where it lives."""

    key: str
    english: str

    @property
    def authentic(self) -> bool:
        """Tell whether the English is the quotation of a resolution (translations of it are unofficial)."""
        parts = self.key.split("/")
        return len(parts) >= 3 and (parts[0], parts[2]) in AUTHENTIC


def _entries(data: Mapping[str, Any], collection: str) -> Iterator[Mapping[str, Any]]:
    for entry in data.get(collection) or ():
        if isinstance(entry, Mapping) and isinstance(entry.get("id"), str):
            yield entry


def texts_of(data: Mapping[str, Any]) -> list[Text]:
    """Return every text a user reads in a catalogue's plain data, in the file's order."""
    found: list[Text] = []
    for name in TOP_FIELDS:
        value = data.get(name)
        if isinstance(value, str) and value.strip():
            found.append(Text(name, value))
    for collection, fields in TEXT_FIELDS.items():
        for entry in _entries(data, collection):
            for name in fields:
                value = entry.get(name)
                base = f"{collection}/{entry['id']}/{name}"
                if isinstance(value, str) and value.strip():
                    found.append(Text(base, value))
                elif isinstance(value, list | tuple):
                    found += [Text(f"{base}/{n}", v) for n, v in enumerate(value) if isinstance(v, str) and v.strip()]
    return found


# --------------------------------------------------------------------------
# Template and translation files (gettext PO, read and written with Babel)
# --------------------------------------------------------------------------

TRANSLATIONS_DIR = "catalogue-translations"
TEMPLATE_NAME = "obligations.pot"
LANGUAGES = ("fr", "es", "ar")


def lines_of(text: str) -> dict[str, int]:
    """Map each text's key to its line in the catalogue file (1-based), reading the YAML's nodes."""
    import yaml
    from yaml.nodes import MappingNode, ScalarNode, SequenceNode

    root = yaml.compose(text, Loader=yaml.SafeLoader)
    lines: dict[str, int] = {}
    if not isinstance(root, MappingNode):
        return lines
    for key_node, value_node in root.value:
        name = key_node.value
        if name in TOP_FIELDS and isinstance(value_node, ScalarNode):
            lines[name] = value_node.start_mark.line + 1
        if name not in TEXT_FIELDS or not isinstance(value_node, SequenceNode):
            continue
        for entry in value_node.value:
            if not isinstance(entry, MappingNode):
                continue
            fields = {k.value: v for k, v in entry.value if isinstance(k, ScalarNode)}
            ident = fields.get("id")
            if not isinstance(ident, ScalarNode):
                continue
            for field_name in TEXT_FIELDS[name]:
                node = fields.get(field_name)
                base = f"{name}/{ident.value}/{field_name}"
                if isinstance(node, ScalarNode):
                    lines[base] = node.start_mark.line + 1
                elif isinstance(node, SequenceNode):
                    for n, item in enumerate(node.value):
                        lines[f"{base}/{n}"] = item.start_mark.line + 1
    return lines


def template(catalogue_text: str, data: Mapping[str, Any], source: str = "obligations.yaml") -> Any:
    """Return the Babel catalogue of the template: every text, keyed, with its line in the file."""
    from babel.messages.catalog import Catalog

    lines = lines_of(catalogue_text)
    pot = Catalog(
        project="THB self-assessment catalogue",
        msgid_bugs_address="",
        copyright_holder="",
        header_comment=(
            "# The texts of obligations.yaml that users read, to translate into French, Spanish and Arabic.\n"
            "# The message context is where the text lives in the catalogue; the message id is its English.\n"
            "# Clause texts (obligations/*/text and lead_in): English is the authentic text of the catalogue; a\n"
            "# translation is shown as unofficial unless a translator comment records an official text's\n"
            "# source, as '# official: <document symbol>'."
        ),
    )
    for text in texts_of(data):
        comments = ["Quoted from a resolution: give its official wording where you know it."] if text.authentic else []
        pot.add(text.english, context=text.key, locations=[(source, lines.get(text.key, 0))], auto_comments=comments)
    return pot


# --------------------------------------------------------------------------
# Reading, checking and applying a language's translations
# --------------------------------------------------------------------------

# What a translation must keep as it is: printf and format placeholders, and markup.
_KEEP = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}|</?[A-Za-z][^<>]*>")
_OFFICIAL = re.compile(r"^\s*official:\s*(\S.*?)\s*$", re.I)


@dataclass(frozen=True)
class Entry:
    """One translated text of a language's file."""

    key: str
    english: str  # the English text it was made from (its msgid)
    text: str  # the translation ("" while untranslated)
    line: int
    fuzzy: bool = False
    official: str = ""  # the source of an official text (a document symbol), if it is one


@dataclass(frozen=True)
class Translation:
    """A language's translations of the catalogue's texts, as its file holds them."""

    language: str
    path: str
    revision: str  # the first 16 hex digits of the file's SHA-256: reports record it
    entries: Mapping[str, Entry]
    problems: tuple[Problem, ...] = ()  # the file could not be read, or holds duplicates

    def text_for(self, key: str, english: str) -> str | None:
        """The translation of a text, if there is a current one (its English has not changed since)."""
        entry = self.entries.get(key)
        if entry is None or not entry.text or entry.fuzzy or normalise(entry.english) != normalise(english):
            return None
        return entry.text


def translations_dir(catalogue_path: str | os.PathLike[str]) -> Path:
    """The folder of a catalogue file's translations: `catalogue-translations/` beside it."""
    return Path(catalogue_path).resolve().parent / TRANSLATIONS_DIR


def read_translation(path: Path, language: str) -> Translation:
    """Read one language's PO file; a file that cannot be read gives no entries and says why, with its line."""
    from babel.messages.pofile import PoFileError, read_po

    raw = path.read_bytes() if path.is_file() else b""
    revision = hashlib.sha256(raw).hexdigest()[:16]
    if not raw:
        return Translation(language, str(path), revision, {}, (Problem(str(path), 0, "no translation file"),))
    try:
        po = read_po(io.BytesIO(raw), abort_invalid=True)
    except (PoFileError, UnicodeDecodeError, ValueError) as error:
        line = int(getattr(error, "lineno", -1)) + 1  # Babel counts the lines of its errors from 0
        return Translation(language, str(path), revision, {}, (Problem(str(path), line, f"not a PO file: {error}"),))
    entries: dict[str, Entry] = {}
    problems: list[Problem] = []
    for message in po:
        if not message.id or isinstance(message.id, tuple):
            continue
        key = str(message.context or "")
        line = int(message.lineno or 0)
        if not key:
            problems.append(
                Problem(str(path), line, f"a message has no context (the catalogue key): {message.id[:40]!r}")
            )
            continue
        if key in entries:
            problems.append(
                Problem(str(path), line, f"'{key}' is translated twice (first at line {entries[key].line})")
            )
            continue
        official = next((m.group(1) for c in message.user_comments if (m := _OFFICIAL.match(c))), "")
        text = message.string if isinstance(message.string, str) else ""
        entries[key] = Entry(key, str(message.id), text, line, message.fuzzy, official)
    return Translation(language, str(path), revision, entries, tuple(problems))


def check_translation(data: Mapping[str, Any], translation: Translation) -> list[Problem]:
    """Name every missing, untranslated, stale or orphaned entry and every placeholder or markup changed."""
    problems = list(translation.problems)
    if not translation.entries and problems:
        return problems
    path = translation.path
    wanted = {t.key: t for t in texts_of(data)}
    for key, text in wanted.items():
        entry = translation.entries.get(key)
        if entry is None:
            problems.append(Problem(path, 0, f"missing: '{key}' has no entry (update the file from the template)"))
        elif not entry.text:
            problems.append(Problem(path, entry.line, f"untranslated: '{key}'"))
        elif normalise(entry.english) != normalise(text.english):
            problems.append(Problem(path, entry.line, f"stale: the English of '{key}' changed since it was translated"))
        elif entry.fuzzy:
            problems.append(Problem(path, entry.line, f"stale: '{key}' is marked fuzzy (to be checked)"))
        elif sorted(_KEEP.findall(entry.english)) != sorted(_KEEP.findall(entry.text)):
            problems.append(
                Problem(
                    path,
                    entry.line,
                    f"'{key}': the translation must keep the placeholders and markup of the English "
                    f"({', '.join(sorted(set(_KEEP.findall(entry.english)))) or 'none'})",
                )
            )
        elif entry.official and not text.authentic:
            problems.append(Problem(path, entry.line, f"'{key}': only clause texts can be official translations"))
    for key, entry in translation.entries.items():
        if key not in wanted:
            problems.append(Problem(path, entry.line, f"orphaned: '{key}' is not a text of the catalogue"))
    return problems


def completeness(data: Mapping[str, Any], translation: Translation) -> tuple[int, int]:
    """How many of the catalogue's texts have a current translation in this language, of how many."""
    wanted = texts_of(data)
    done = sum(1 for t in wanted if translation.text_for(t.key, t.english) is not None)
    return done, len(wanted)


def localized(catalogue: Catalogue, translation: Translation) -> Catalogue:
    """The same edition with its texts in the translation's language (English where none is current).

    The edition's hash, ids, values and weights are the same: only what users read
    changes, so a translation can never change what a cycle asked or how it scored.
    """

    def text(key: str, english: str) -> str:
        found = translation.text_for(key, english)
        return normalise(found) if found is not None else english

    def entry(collection: str, model: _M) -> _M:
        update: dict[str, Any] = {}
        for name in TEXT_FIELDS[collection]:
            value = getattr(model, name, None)
            base = f"{collection}/{model.id}/{name}"
            if isinstance(value, str) and value:
                update[name] = text(base, value)
            elif isinstance(value, tuple):
                update[name] = tuple(text(f"{base}/{n}", v) for n, v in enumerate(value))
        return model.model_copy(update=update)

    official = {
        o.id: translation.entries[f"obligations/{o.id}/text"].official
        for o in catalogue.obligations
        if f"obligations/{o.id}/text" in translation.entries
        and translation.entries[f"obligations/{o.id}/text"].official
        and translation.text_for(f"obligations/{o.id}/text", o.text) is not None
    }
    return dataclasses.replace(
        catalogue,
        title=text("title", catalogue.title),
        scale=tuple(entry("scale", s) for s in catalogue.scale),
        strengths=tuple(entry("strengths", s) for s in catalogue.strengths),
        bands=tuple(entry("bands", b) for b in catalogue.bands),
        addressees=tuple(entry("addressees", a) for a in catalogue.addressees),
        assistance_kinds=tuple(entry("assistance_kinds", a) for a in catalogue.assistance_kinds),
        sections=tuple(entry("sections", s) for s in catalogue.sections),
        instruments=tuple(entry("instruments", i) for i in catalogue.instruments),
        obligations=tuple(entry("obligations", o) for o in catalogue.obligations),
        items=tuple(entry("items", i) for i in catalogue.items),
        language=translation.language,
        translation_revision=translation.revision,
        english=catalogue,
        official_sources=official,
    )


def check_all(
    catalogue: Catalogue, catalogue_path: str | os.PathLike[str]
) -> tuple[list[Problem], dict[str, tuple[int, int]]]:
    """Check every language's file beside a catalogue; return the problems and each language's completeness.

    A catalogue without a `catalogue-translations/` folder is English only, and valid.
    """
    if not translations_dir(catalogue_path).is_dir():
        return [], {}
    checks = language_checks(catalogue, catalogue_path)
    return [p for check in checks for p in check.problems], {c.translation.language: c.counts for c in checks}


@dataclass(frozen=True)
class LanguageCheck:
    """One language's file beside a catalogue: what it holds, what is wrong with it, how complete it is."""

    translation: Translation
    problems: list[Problem]
    counts: tuple[int, int]  # current translations, texts


def language_checks(catalogue: Catalogue, catalogue_path: str | os.PathLike[str]) -> list[LanguageCheck]:
    """Read and check each language's file beside a catalogue (a missing file is a problem)."""
    folder = translations_dir(catalogue_path)
    checks = []
    for language in LANGUAGES:
        found = read_translation(folder / f"{language}.po", language)
        checks.append(
            LanguageCheck(found, check_translation(catalogue.data, found), completeness(catalogue.data, found))
        )
    return checks


def update_files(catalogue_path: str | os.PathLike[str], catalogue: Catalogue) -> list[str]:
    """Write the template from the catalogue and bring each language's file up to date with it.

    Entries are matched by their key (the message context), not by their English:
    new texts are added untranslated, texts whose English changed keep their
    translation marked fuzzy (stale) with the previous English beside it (`#|`),
    texts gone from the catalogue are kept as obsolete entries (`#~`).
    """
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po, write_po

    source = Path(catalogue_path)
    folder = translations_dir(source)
    folder.mkdir(exist_ok=True)
    pot = template(source.read_text(encoding="utf-8"), catalogue.data, source.name)
    written = [str(folder / TEMPLATE_NAME)]
    with open(folder / TEMPLATE_NAME, "wb") as out:
        write_po(out, pot, width=100)
    for language in LANGUAGES:
        path = folder / f"{language}.po"
        old = Catalog(locale=language, project=pot.project)
        if path.is_file():
            with open(path, "rb") as stream:
                old = read_po(stream, locale=language)
        by_key = {str(m.context): m for m in old if m.id and m.context}
        merged = Catalog(locale=language, project=pot.project, header_comment=old.header_comment)
        merged.mime_headers = old.mime_headers
        for new in pot:
            if not new.id:
                continue
            kept = by_key.pop(str(new.context), None)
            same = kept is not None and normalise(str(kept.id)) == normalise(str(new.id))
            merged.add(
                new.id,
                kept.string if kept is not None else "",
                locations=new.locations,
                flags=(kept.flags if same else {"fuzzy"}) if kept is not None and kept.string else (),
                auto_comments=new.auto_comments,
                user_comments=kept.user_comments if kept is not None else (),
                previous_id=kept.id if kept is not None and not same and kept.string else (),
                context=new.context,
            )
        for gone in by_key.values():
            merged.obsolete[(str(gone.id), str(gone.context))] = gone
        with open(path, "wb") as out:
            write_po(out, merged, width=100, include_previous=True)
        written.append(str(path))
    return written


def data_in_language(catalogue: Catalogue) -> dict[str, Any]:
    """The catalogue's plain data (as `obligations.yaml` holds it) with its texts in the catalogue's language."""
    data: dict[str, Any] = json.loads(catalogue.to_json())  # the English data, a fresh copy
    if catalogue.english is None:
        return data
    data["title"] = catalogue.title
    entries: dict[str, Mapping[str, Any]] = {
        "scale": catalogue.level_by_id,
        "strengths": {s.id: s for s in catalogue.strengths},
        "bands": {b.id: b for b in catalogue.bands},
        "addressees": catalogue.addressee_by_id,
        "assistance_kinds": catalogue.assistance_by_id,
        "sections": catalogue.section_by_id,
        "instruments": catalogue.instrument_by_id,
        "obligations": catalogue.obligation_by_id,
        "items": catalogue.item_by_id,
    }
    for collection, fields in TEXT_FIELDS.items():
        for entry in data.get(collection) or ():
            model = entries[collection].get(entry.get("id"))
            for name in fields:
                if model is not None and name in entry:
                    value = getattr(model, name)
                    entry[name] = list(value) if isinstance(value, tuple) else value
    return data
