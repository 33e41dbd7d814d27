"""Load and validate the catalogue (`obligations.yaml`) into immutable objects.

The file is parsed with PyYAML's safe composer into nodes, so every problem
can be reported with its line.  Aliases are refused outright (they are never
needed in a catalogue and are the vehicle of "billion laughs" bombs), only the
plain YAML scalar types are accepted, and the file's size, nesting and number
of nodes are bounded before anything is built.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from scoring import model as sm

MAX_BYTES = 2_000_000
MAX_NODES = 200_000
MAX_DEPTH = 24
SCHEMA_VERSION = 1

_PLAIN_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",  # kept as the text written, e.g. 2006-07-27
}
_COLLECTION_TAGS = {"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


# --------------------------------------------------------------------------
# Problems
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a catalogue file, at a line (1-based; 0 if unknown)."""

    source: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.message}"


class CatalogueError(Exception):
    """The catalogue cannot be loaded; `problems` lists every reason found."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


# --------------------------------------------------------------------------
# The immutable catalogue
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class ScaleLevel:
    id: str
    label: str
    value: float | None
    needs_support: bool
    description: str

    @property
    def not_applicable(self) -> bool:
        """Tell whether this step takes the item out of the score."""
        return self.value is None


@dataclass(frozen=True)
class Strength:
    id: str
    label: str
    weight: float
    verbs: tuple[str, ...]


@dataclass(frozen=True)
class Band:
    id: str
    label: str
    min_score: float


@dataclass(frozen=True)
class Addressee:
    id: str
    label: str
    scope: str  # "national" or "international"


@dataclass(frozen=True)
class AssistanceKind:
    id: str
    label: str


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    description: str


@dataclass(frozen=True)
class Instrument:
    id: str
    body: str
    title: str
    date: str
    source: str
    session: str = ""
    place: str = ""
    symbol: str = ""
    symbol_note: str = ""

    @property
    def year(self) -> str:
        """Return the year the instrument was adopted."""
        return self.date[:4]


@dataclass(frozen=True)
class Obligation:
    id: str
    instrument: str
    paragraph: str
    verb: str
    addressee: str
    text: str
    items: tuple[str, ...]
    weight: float
    strength: str
    core: bool = False
    lead_in: str = ""
    note: str = ""

    @property
    def scored(self) -> bool:
        """Tell whether the clause is assessed against a country."""
        return bool(self.items)


@dataclass(frozen=True)
class Item:
    id: str
    section: str
    question: str
    guidance: str
    evidence: tuple[str, ...]
    action: str
    obligations: tuple[str, ...]  # derived: the clauses this item assesses


@dataclass(frozen=True)
class Catalogue:
    """One edition of the catalogue; `hash` identifies its content."""

    title: str
    scale: tuple[ScaleLevel, ...]
    strengths: tuple[Strength, ...]
    bands: tuple[Band, ...]
    core_threshold: float
    core_band_cap: str
    critical_priority: float
    addressees: tuple[Addressee, ...]
    assistance_kinds: tuple[AssistanceKind, ...]
    sections: tuple[Section, ...]
    instruments: tuple[Instrument, ...]
    obligations: tuple[Obligation, ...]
    items: tuple[Item, ...]
    data: Mapping[str, Any] = field(repr=False, compare=False)
    hash: str = ""

    # Lookups ------------------------------------------------------------
    @cached_property
    def item_by_id(self) -> Mapping[str, Item]:
        return MappingProxyType({i.id: i for i in self.items})

    @cached_property
    def obligation_by_id(self) -> Mapping[str, Obligation]:
        return MappingProxyType({o.id: o for o in self.obligations})

    @cached_property
    def instrument_by_id(self) -> Mapping[str, Instrument]:
        return MappingProxyType({i.id: i for i in self.instruments})

    @cached_property
    def section_by_id(self) -> Mapping[str, Section]:
        return MappingProxyType({s.id: s for s in self.sections})

    @cached_property
    def level_by_id(self) -> Mapping[str, ScaleLevel]:
        return MappingProxyType({s.id: s for s in self.scale})

    @cached_property
    def addressee_by_id(self) -> Mapping[str, Addressee]:
        return MappingProxyType({a.id: a for a in self.addressees})

    @cached_property
    def assistance_by_id(self) -> Mapping[str, AssistanceKind]:
        return MappingProxyType({a.id: a for a in self.assistance_kinds})

    def items_in(self, section_id: str) -> tuple[Item, ...]:
        """Return the items of one section, in catalogue order."""
        return tuple(i for i in self.items if i.section == section_id)

    def obligations_of(self, item_id: str) -> tuple[Obligation, ...]:
        """Return the clauses one item assesses."""
        return tuple(self.obligation_by_id[o] for o in self.item_by_id[item_id].obligations)

    @property
    def not_applicable_ids(self) -> frozenset[str]:
        """Return the ids of scale steps that take an item out of the score."""
        return frozenset(s.id for s in self.scale if s.value is None)

    @property
    def scored_obligations(self) -> tuple[Obligation, ...]:
        """Return the clauses assessed against a country."""
        return tuple(o for o in self.obligations if o.scored)

    def summary(self) -> str:
        """Return a one-line description of the edition."""
        return (
            f"{len(self.instruments)} instruments, {len(self.obligations)} obligations "
            f"({len(self.scored_obligations)} assessed against countries), "
            f"{len(self.items)} items in {len(self.sections)} sections, edition {self.hash}"
        )

    def to_json(self) -> str:
        """Return the canonical JSON text of the edition (what its hash is taken of)."""
        return canonical_json(dict(self.data))

    @cached_property
    def edition(self) -> sm.Edition:
        """Return the scoring method's view of this edition."""
        method = sm.Method(
            scale=tuple(sm.RatingLevel(s.id, s.label, s.value, s.needs_support) for s in self.scale),
            bands=tuple(sm.Band(b.id, b.label, b.min_score) for b in self.bands),
            core_threshold=self.core_threshold,
            core_band_cap=self.core_band_cap,
            critical_priority=self.critical_priority,
        )
        return sm.Edition(
            hash=self.hash,
            method=method,
            sections=tuple(sm.Area(s.id, s.title) for s in self.sections),
            instruments=tuple(sm.Area(i.id, i.title) for i in self.instruments),
            items=tuple(sm.ItemSpec(i.id, i.section) for i in self.items),
            obligations=tuple(
                sm.ObligationSpec(o.id, o.instrument, o.paragraph, o.weight, o.core, o.items) for o in self.obligations
            ),
        )


def canonical_json(data: Any) -> str:
    """Serialise plain data the same way every time (sorted keys, no spaces)."""
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def edition_hash(data: Any) -> str:
    """Return the edition identifier: the start of the SHA-256 of the canonical JSON."""
    return hashlib.sha256(canonical_json(data).encode("utf-8")).hexdigest()[:16]


# --------------------------------------------------------------------------
# Parsing: YAML nodes into plain values that remember their lines
# --------------------------------------------------------------------------


class _Loader(yaml.SafeLoader):
    """A safe composer that refuses aliases and bounds nesting and size."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._nodes = 0
        self._depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not allowed in a catalogue", event.start_mark
            )
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise yaml.composer.ComposerError(
                None, None, f"too many YAML nodes (more than {MAX_NODES})", self.peek_event().start_mark
            )
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise yaml.composer.ComposerError(
                    None, None, f"nested deeper than {MAX_DEPTH} levels", self.peek_event().start_mark
                )
            return super().compose_node(parent, index)  # type: ignore[no-any-return]
        finally:
            self._depth -= 1


class _Map(dict):  # type: ignore[type-arg]
    """A mapping that remembers its own line and the line of each key."""

    line: int
    key_lines: dict[str, int]


class _List(list):  # type: ignore[type-arg]
    line: int
    item_lines: list[int]


def _line(node: Node) -> int:
    return int(node.start_mark.line) + 1


class _Reader:
    def __init__(self, source: str):
        self.source = source
        self.problems: list[Problem] = []

    def problem(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.source, line, message))

    def value(self, node: Node) -> Any:
        if isinstance(node, MappingNode | SequenceNode) and node.tag not in _COLLECTION_TAGS:
            self.problem(_line(node), f"YAML tag {node.tag!r} is not allowed (plain values only)")
            return None
        if isinstance(node, MappingNode):
            result = _Map()
            result.line = _line(node)
            result.key_lines = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, ScalarNode) or key_node.tag not in _PLAIN_TAGS:
                    self.problem(_line(key_node), "mapping keys must be plain text")
                    continue
                key = str(key_node.value)
                if key in result:
                    self.problem(
                        _line(key_node),
                        f"duplicate key '{key}' (first at line {result.key_lines[key]})",
                    )
                    continue
                result[key] = self.value(value_node)
                result.key_lines[key] = _line(key_node)
            return result
        if isinstance(node, SequenceNode):
            seq = _List(self.value(n) for n in node.value)
            seq.line = _line(node)
            seq.item_lines = [_line(n) for n in node.value]
            return seq
        assert isinstance(node, ScalarNode)
        if node.tag not in _PLAIN_TAGS:
            self.problem(_line(node), f"YAML tag {node.tag!r} is not allowed (plain values only)")
            return None
        if node.tag == "tag:yaml.org,2002:timestamp":
            return str(node.value)
        return yaml.constructor.SafeConstructor().construct_object(node)


def parse_catalogue(text: str, source: str = "<catalogue>") -> Catalogue:
    """Parse and validate catalogue text; raise CatalogueError listing every problem."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise CatalogueError([Problem(source, 1, f"file is larger than {MAX_BYTES} bytes")])
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        message = exc.problem or str(exc)
        if exc.context and exc.problem:
            message = f"{exc.problem} ({exc.context})"
        raise CatalogueError([Problem(source, line, f"YAML syntax error: {message}")]) from None
    except yaml.YAMLError as exc:
        raise CatalogueError([Problem(source, 1, f"YAML error: {exc}")]) from None
    finally:
        loader.dispose()
    if root is None:
        raise CatalogueError([Problem(source, 1, "the file is empty")])
    reader = _Reader(source)
    data = reader.value(root)
    validator = _Validator(source, reader.problems)
    catalogue = validator.build(data)
    if validator.problems or catalogue is None:
        raise CatalogueError(sorted(validator.problems, key=lambda p: p.line))
    return catalogue


def load_catalogue(path: str | os.PathLike[str]) -> Catalogue:
    """Read, parse and validate a catalogue file."""
    path = Path(path)
    source = str(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise CatalogueError([Problem(source, 0, f"cannot read the file: {exc.strerror}")]) from None
    if size > MAX_BYTES:
        raise CatalogueError([Problem(source, 1, f"file is larger than {MAX_BYTES} bytes")])
    try:
        with path.open("rb") as fh:
            raw = fh.read(MAX_BYTES + 1)
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CatalogueError([Problem(source, 1, f"the file is not UTF-8 text ({exc.reason})")]) from None
    except OSError as exc:
        raise CatalogueError([Problem(source, 0, f"cannot read the file: {exc.strerror}")]) from None
    return parse_catalogue(text, source)


# --------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------

_TOP_KEYS = {
    "schema": True,
    "title": True,
    "scale": True,
    "strengths": True,
    "bands": True,
    "core_cap": True,
    "gaps": True,
    "addressees": True,
    "assistance_kinds": True,
    "sections": True,
    "instruments": True,
    "obligations": True,
    "items": True,
}
# key -> required?
_KEYS: dict[str, dict[str, bool]] = {
    "scale level": {"id": True, "label": True, "value": True, "needs_support": False, "description": False},
    "strength": {"id": True, "label": True, "weight": True, "verbs": True},
    "band": {"id": True, "label": True, "min_score": True},
    "addressee": {"id": True, "label": True, "scope": True},
    "assistance kind": {"id": True, "label": True},
    "section": {"id": True, "title": True, "description": False},
    "instrument": {
        "id": True,
        "body": True,
        "title": True,
        "date": True,
        "source": True,
        "session": False,
        "place": False,
        "symbol": False,
        "symbol_note": False,
    },
    "obligation": {
        "id": True,
        "instrument": True,
        "paragraph": True,
        "verb": True,
        "addressee": True,
        "text": True,
        "items": True,
        "core": False,
        "lead_in": False,
        "note": False,
    },
    "item": {
        "id": True,
        "section": True,
        "question": True,
        "guidance": True,
        "evidence": True,
        "action": True,
    },
    "core_cap": {"threshold": True, "band": True},
    "gaps": {"critical_priority": True},
}
_LIST_KINDS = {
    "scale": "scale level",
    "strengths": "strength",
    "bands": "band",
    "addressees": "addressee",
    "assistance_kinds": "assistance kind",
    "sections": "section",
    "instruments": "instrument",
    "obligations": "obligation",
    "items": "item",
}


def _normalise(text: str) -> str:
    return " ".join(text.split())


class _Validator:
    def __init__(self, source: str, problems: list[Problem]):
        self.source = source
        self.problems = problems

    def problem(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.source, line, message))

    # Generic shape checks -------------------------------------------------
    def _entries(self, root: _Map, key: str) -> Iterator[tuple[_Map, int]]:
        kind = _LIST_KINDS[key]
        value = root.get(key)
        if value is None:
            return
        if not isinstance(value, _List):
            self.problem(root.key_lines[key], f"'{key}' must be a list of {kind}s")
            return
        if not value:
            self.problem(root.key_lines[key], f"'{key}' is empty")
        for entry, line in zip(value, value.item_lines, strict=True):
            if not isinstance(entry, _Map):
                self.problem(line, f"each entry of '{key}' must be a mapping ({kind})")
                continue
            if self._check_keys(entry, kind):
                yield entry, entry.line

    def _label(self, entry: _Map, kind: str) -> str:
        ident = entry.get("id")
        return f"{kind} '{ident}'" if isinstance(ident, str) and ident else kind

    def _check_keys(self, entry: _Map, kind: str) -> bool:
        spec = _KEYS[kind]
        ok = True
        for key in entry:
            if key not in spec:
                self.problem(
                    entry.key_lines[key],
                    f"unknown key '{key}' in {self._label(entry, kind)} (allowed: {', '.join(sorted(spec))})",
                )
        for key, required in spec.items():
            if not required:
                continue
            if key not in entry:
                self.problem(entry.line, f"{self._label(entry, kind)} is missing '{key}'")
                ok = False
            elif entry[key] is None or (isinstance(entry[key], str | list) and not entry[key]):
                if kind == "obligation" and key == "items" and isinstance(entry[key], list):
                    continue  # an empty list is meaningful for international clauses
                if kind == "scale level" and key == "value" and entry[key] is None:
                    continue  # null marks the not-applicable step
                self.problem(entry.key_lines[key], f"'{key}' of {self._label(entry, kind)} is empty")
                ok = False
        return ok

    def _text(self, entry: _Map, key: str, kind: str, required: bool = True) -> str:
        value = entry.get(key)
        if value is None:
            return ""
        if not isinstance(value, str):
            if isinstance(value, bool) or not isinstance(value, int | float):
                self.problem(entry.key_lines[key], f"'{key}' of {self._label(entry, kind)} must be text")
                return ""
            value = str(value)
        value = _normalise(value)
        if required and not value:
            self.problem(entry.key_lines[key], f"'{key}' of {self._label(entry, kind)} is empty")
        return value

    def _number(self, entry: _Map, key: str, kind: str, lo: float, hi: float) -> float:
        value = entry.get(key)
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.problem(
                entry.key_lines.get(key, entry.line), f"'{key}' of {self._label(entry, kind)} must be a number"
            )
            return 0.0
        if not lo <= value <= hi:
            self.problem(
                entry.key_lines[key], f"'{key}' of {self._label(entry, kind)} must be between {lo:g} and {hi:g}"
            )
        return float(value)

    def _bool(self, entry: _Map, key: str, kind: str) -> bool:
        value = entry.get(key, False)
        if not isinstance(value, bool):
            self.problem(entry.key_lines[key], f"'{key}' of {self._label(entry, kind)} must be true or false")
            return False
        return value

    def _texts(self, entry: _Map, key: str, kind: str) -> tuple[str, ...]:
        value = entry.get(key)
        if not isinstance(value, list):
            self.problem(entry.key_lines.get(key, entry.line), f"'{key}' of {self._label(entry, kind)} must be a list")
            return ()
        out = []
        for element in value:
            if not isinstance(element, str) or not element.strip():
                self.problem(entry.key_lines[key], f"'{key}' of {self._label(entry, kind)} must list non-empty texts")
                continue
            out.append(_normalise(element))
        return tuple(out)

    def _ids(self, entries: list[tuple[_Map, int]], kind: str) -> dict[str, int]:
        seen: dict[str, int] = {}
        for entry, line in entries:
            ident = entry.get("id")
            if not isinstance(ident, str) or not _ID.match(ident):
                self.problem(
                    entry.key_lines.get("id", line),
                    f"{kind} id {ident!r} must be 1–64 letters, digits, '.', '_' or '-'",
                )
                continue
            if ident in seen:
                self.problem(entry.key_lines["id"], f"duplicate {kind} id '{ident}' (first at line {seen[ident]})")
                continue
            seen[ident] = line
        return seen

    # The whole file --------------------------------------------------------
    def build(self, root: Any) -> Catalogue | None:
        if not isinstance(root, _Map):
            self.problem(1, "the catalogue must be a mapping of sections (scale, instruments, …)")
            return None
        for key in root:
            if key not in _TOP_KEYS:
                self.problem(
                    root.key_lines[key],
                    f"unknown top-level key '{key}' (allowed: {', '.join(sorted(_TOP_KEYS))})",
                )
        for key in _TOP_KEYS:
            if key not in root:
                self.problem(1, f"missing top-level key '{key}'")
        schema = root.get("schema")
        if "schema" in root and schema != SCHEMA_VERSION:
            self.problem(root.key_lines["schema"], f"schema must be {SCHEMA_VERSION}, not {schema!r}")
        title = root.get("title")
        if "title" in root and (not isinstance(title, str) or not title.strip()):
            self.problem(root.key_lines["title"], "'title' must be non-empty text")

        scale = self._scale(root)
        strengths, verb_strength = self._strengths(root)
        bands = self._bands(root)
        core_threshold, core_band = self._core_cap(root, {b.id for b in bands})
        critical_priority = self._gaps(root)
        addressees = self._simple(root, "addressees", "addressee")
        assistance = self._simple(root, "assistance_kinds", "assistance kind")
        sections = self._sections(root)
        instruments = self._instruments(root)

        obligation_entries = list(self._entries(root, "obligations"))
        item_entries = list(self._entries(root, "items"))
        obligation_ids = self._ids(obligation_entries, "obligation")
        item_ids = self._ids(item_entries, "item")
        section_ids = {s.id for s in sections}
        instrument_ids = {i.id for i in instruments}
        scope = {a["id"]: a.get("scope") for a, _ in addressees}

        assessed_by: dict[str, list[str]] = {i: [] for i in item_ids}
        obligations: list[Obligation] = []
        for entry, _line in obligation_entries:
            kind = "obligation"
            oid = entry.get("id")
            instrument = self._text(entry, "instrument", kind)
            if instrument and instrument not in instrument_ids:
                self.problem(
                    entry.key_lines["instrument"],
                    f"{self._label(entry, kind)} refers to unknown instrument '{instrument}'",
                )
            verb = self._text(entry, "verb", kind).lower()
            if verb and verb not in verb_strength:
                self.problem(
                    entry.key_lines["verb"],
                    f"{self._label(entry, kind)} has verb '{verb}', which no strength lists "
                    f"(known: {', '.join(sorted(verb_strength))})",
                )
            addressee = self._text(entry, "addressee", kind)
            if addressee and addressee not in scope:
                self.problem(
                    entry.key_lines["addressee"],
                    f"{self._label(entry, kind)} refers to unknown addressee '{addressee}'",
                )
            raw_items = entry.get("items")
            items: list[str] = []
            if not isinstance(raw_items, list):
                if "items" in entry and raw_items is not None:
                    self.problem(
                        entry.key_lines["items"], f"'items' of {self._label(entry, kind)} must be a list of item ids"
                    )
            else:
                for ref in raw_items:
                    if not isinstance(ref, str) or ref not in item_ids:
                        self.problem(
                            entry.key_lines["items"], f"{self._label(entry, kind)} refers to unknown item {ref!r}"
                        )
                        continue
                    if ref in items:
                        self.problem(entry.key_lines["items"], f"{self._label(entry, kind)} lists item '{ref}' twice")
                        continue
                    items.append(ref)
                    if isinstance(oid, str):
                        assessed_by[ref].append(oid)
            if addressee in scope and isinstance(raw_items, list):
                if scope[addressee] == "international" and raw_items:
                    self.problem(
                        entry.key_lines["items"],
                        f"{self._label(entry, kind)} is addressed to an international body "
                        f"('{addressee}') and must have no items (it is not scored against a country)",
                    )
                if scope[addressee] == "national" and not raw_items:
                    self.problem(
                        entry.key_lines["items"],
                        f"{self._label(entry, kind)} asks something of '{addressee}' "
                        "and must be assessed by at least one item",
                    )
            core = self._bool(entry, "core", kind)
            if core and not raw_items:
                self.problem(entry.key_lines["core"], f"{self._label(entry, kind)} is core but not scored")
            strength = verb_strength.get(verb)
            obligations.append(
                Obligation(
                    id=str(oid),
                    instrument=instrument,
                    paragraph=self._text(entry, "paragraph", kind),
                    verb=verb,
                    addressee=addressee,
                    text=self._text(entry, "text", kind),
                    items=tuple(items),
                    weight=strength.weight if strength else 0.0,
                    strength=strength.id if strength else "",
                    core=core,
                    lead_in=self._text(entry, "lead_in", kind, required=False),
                    note=self._text(entry, "note", kind, required=False),
                )
            )
        del obligation_ids

        items_out: list[Item] = []
        for entry, line in item_entries:
            kind = "item"
            iid = entry.get("id")
            section = self._text(entry, "section", kind)
            if section and section not in section_ids:
                self.problem(
                    entry.key_lines["section"], f"{self._label(entry, kind)} refers to unknown section '{section}'"
                )
            if isinstance(iid, str) and iid in assessed_by and not assessed_by[iid]:
                self.problem(line, f"{self._label(entry, kind)} assesses no obligation (no obligation lists it)")
            items_out.append(
                Item(
                    id=str(iid),
                    section=section,
                    question=self._text(entry, "question", kind),
                    guidance=self._text(entry, "guidance", kind),
                    evidence=self._texts(entry, "evidence", kind),
                    action=self._text(entry, "action", kind),
                    obligations=tuple(assessed_by.get(str(iid), ())),
                )
            )
        # Sections with nothing to answer would be empty pages.
        used_sections = {i.section for i in items_out}
        for entry, line in self._section_entries:
            if entry.get("id") not in used_sections:
                self.problem(line, f"section '{entry.get('id')}' has no items")

        if self.problems:
            return None
        data = _plain(root)
        return Catalogue(
            title=_normalise(str(title)),
            scale=scale,
            strengths=strengths,
            bands=bands,
            core_threshold=core_threshold,
            core_band_cap=core_band,
            critical_priority=critical_priority,
            addressees=tuple(
                Addressee(str(a["id"]), _normalise(str(a["label"])), str(a["scope"])) for a, _ in addressees
            ),
            assistance_kinds=tuple(AssistanceKind(str(a["id"]), _normalise(str(a["label"]))) for a, _ in assistance),
            sections=sections,
            instruments=instruments,
            obligations=tuple(obligations),
            items=tuple(items_out),
            data=MappingProxyType(data),
            hash=edition_hash(data),
        )

    def _scale(self, root: _Map) -> tuple[ScaleLevel, ...]:
        entries = list(self._entries(root, "scale"))
        self._ids(entries, "scale level")
        out = []
        na = 0
        for entry, _ in entries:
            kind = "scale level"
            value = entry.get("value")
            if value is None:
                na += 1
                number = None
            else:
                number = self._number(entry, "value", kind, 0, 100)
            out.append(
                ScaleLevel(
                    id=str(entry.get("id")),
                    label=self._text(entry, "label", kind),
                    value=number,
                    needs_support=self._bool(entry, "needs_support", kind),
                    description=self._text(entry, "description", kind, required=False),
                )
            )
        if entries and na > 1:
            self.problem(root.key_lines["scale"], "the scale may have only one not-applicable step (value: null)")
        if entries and not any(s.value == 100 for s in out):
            self.problem(root.key_lines["scale"], "the scale needs a step worth 100 (full implementation)")
        return tuple(out)

    def _strengths(self, root: _Map) -> tuple[tuple[Strength, ...], dict[str, Strength]]:
        entries = list(self._entries(root, "strengths"))
        self._ids(entries, "strength")
        out = []
        by_verb: dict[str, Strength] = {}
        for entry, _ in entries:
            kind = "strength"
            strength = Strength(
                id=str(entry.get("id")),
                label=self._text(entry, "label", kind),
                weight=self._number(entry, "weight", kind, 0.001, 1000),
                verbs=tuple(v.lower() for v in self._texts(entry, "verbs", kind)),
            )
            for verb in strength.verbs:
                if verb in by_verb:
                    self.problem(entry.key_lines["verbs"], f"verb '{verb}' is listed under two strengths")
                by_verb[verb] = strength
            out.append(strength)
        return tuple(out), by_verb

    def _bands(self, root: _Map) -> tuple[Band, ...]:
        entries = list(self._entries(root, "bands"))
        self._ids(entries, "band")
        out = [
            Band(str(e.get("id")), self._text(e, "label", "band"), self._number(e, "min_score", "band", 0, 100))
            for e, _ in entries
        ]
        for previous, current, (entry, _) in zip(out, out[1:], entries[1:], strict=False):
            if current.min_score >= previous.min_score:
                self.problem(
                    entry.key_lines["min_score"],
                    "bands must be listed best first with falling min_score "
                    f"('{current.id}' is not below '{previous.id}')",
                )
        if out and out[-1].min_score != 0:
            self.problem(entries[-1][1], "the last band must have min_score 0 so every score gets a band")
        return tuple(out)

    def _core_cap(self, root: _Map, band_ids: set[str]) -> tuple[float, str]:
        entry = root.get("core_cap")
        if not isinstance(entry, _Map):
            if "core_cap" in root:
                self.problem(root.key_lines["core_cap"], "'core_cap' must be a mapping with threshold and band")
            return 0.0, ""
        if not self._check_keys(entry, "core_cap"):
            return 0.0, ""
        threshold = self._number(entry, "threshold", "core_cap", 0, 100)
        band = self._text(entry, "band", "core_cap")
        if band and band_ids and band not in band_ids:
            self.problem(entry.key_lines["band"], f"core_cap refers to unknown band '{band}'")
        return threshold, band

    def _gaps(self, root: _Map) -> float:
        entry = root.get("gaps")
        if not isinstance(entry, _Map):
            if "gaps" in root:
                self.problem(root.key_lines["gaps"], "'gaps' must be a mapping with critical_priority")
            return 0.0
        if not self._check_keys(entry, "gaps"):
            return 0.0
        return self._number(entry, "critical_priority", "gaps", 0, 100_000)

    def _simple(self, root: _Map, key: str, kind: str) -> list[tuple[_Map, int]]:
        entries = list(self._entries(root, key))
        self._ids(entries, kind)
        for entry, _ in entries:
            self._text(entry, "label", kind)
            if kind == "addressee" and entry.get("scope") not in ("national", "international"):
                self.problem(
                    entry.key_lines.get("scope", entry.line),
                    f"scope of {self._label(entry, kind)} must be 'national' or 'international'",
                )
        return entries

    def _sections(self, root: _Map) -> tuple[Section, ...]:
        entries = list(self._entries(root, "sections"))
        self._section_entries = entries
        self._ids(entries, "section")
        return tuple(
            Section(
                str(e.get("id")),
                self._text(e, "title", "section"),
                self._text(e, "description", "section", required=False),
            )
            for e, _ in entries
        )

    def _instruments(self, root: _Map) -> tuple[Instrument, ...]:
        entries = list(self._entries(root, "instruments"))
        self._ids(entries, "instrument")
        out = []
        for entry, _ in entries:
            kind = "instrument"
            date = self._text(entry, "date", kind)
            if date and not re.match(r"^\d{4}(-\d{2}(-\d{2})?)?(/\d{4}-\d{2}-\d{2})?$", date):
                self.problem(
                    entry.key_lines["date"],
                    f"date of {self._label(entry, kind)} must be an ISO 8601 date or interval, like 2006-07-27",
                )
            out.append(
                Instrument(
                    id=str(entry.get("id")),
                    body=self._text(entry, "body", kind),
                    title=self._text(entry, "title", kind),
                    date=date,
                    source=self._text(entry, "source", kind),
                    session=self._text(entry, "session", kind, required=False),
                    place=self._text(entry, "place", kind, required=False),
                    symbol=self._text(entry, "symbol", kind, required=False),
                    symbol_note=self._text(entry, "symbol_note", kind, required=False),
                )
            )
        return tuple(out)


def _plain(value: Any) -> Any:
    """Turn located values into plain JSON data, normalising whitespace in text."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, str):
        return _normalise(value)
    return value
