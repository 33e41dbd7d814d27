"""Load and validate the catalogue (`obligations.yaml`) into immutable objects.

The file is parsed with PyYAML's safe composer into nodes, so every problem
can be reported with its line.  Aliases are refused outright (they are never
needed in a catalogue and are the vehicle of "billion laughs" bombs), only the
plain YAML scalar types are accepted, and the file's size, nesting and number
of nodes are bounded before anything is built.

The nodes become plain data (remembering the line of every key and list entry),
which the pydantic models below check: they are the catalogue's schema, declared
once, and `json_schema()` exports it (`docs/catalogue.schema.json`).  Each
pydantic error is reported at the line of the value it is about, in the
loader's own words.  What a schema cannot say (references between entries,
duplicate ids, the order of the bands…) is checked afterwards, also in a file
with structural problems (skipping only the values that are wrong), so one run
reports every problem.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Any, ClassVar, Literal, TypeVar, get_args, get_origin

import annotated_types
import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    TypeAdapter,
    ValidationError,
)
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails
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
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?(/\d{4}-\d{2}-\d{2})?$")


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
# The schema: one model per kind of entry (texts arrive whitespace-normalised)
# --------------------------------------------------------------------------


def _none_as_empty(value: Any) -> Any:
    return "" if value is None else value


_IdText = Annotated[str, Field(strict=True, pattern=_ID.pattern)]
# Required text; a number is taken as the text it is written as (paragraph: 5).
_Text = Annotated[str, Field(min_length=1)]
# Optional text; left empty (note:) it is "".
_OptionalText = Annotated[str, BeforeValidator(_none_as_empty, json_schema_input_type=str | None)]
_Texts = Annotated[tuple[Annotated[str, Field(strict=True, min_length=1)], ...], Field(min_length=1)]
_Verb = Annotated[str, Field(min_length=1), AfterValidator(str.lower)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, coerce_numbers_to_str=True)

    kind: ClassVar[str] = "catalogue"  # how problems name it


class ListEntry(_Model):
    """An entry of one of the catalogue's lists."""

    id: _IdText


class ScaleLevel(ListEntry):
    """A step of the rating scale."""

    kind: ClassVar[str] = "scale level"
    label: _Text
    value: float | None = Field(strict=True, ge=0, le=100, description="0–100; null for the not-applicable step")
    needs_support: StrictBool = Field(False, description="a rating that must cite law or describe practice")
    description: _OptionalText = ""

    @property
    def not_applicable(self) -> bool:
        """Tell whether this step takes the item out of the score."""
        return self.value is None


class Strength(ListEntry):
    """The weight of the clauses whose verb it lists."""

    kind: ClassVar[str] = "strength"
    label: _Text
    weight: float = Field(strict=True, ge=0.001, le=1000)
    verbs: tuple[Annotated[str, Field(strict=True, min_length=1), AfterValidator(str.lower)], ...] = Field(min_length=1)


class Band(ListEntry):
    """A letter band, given to a score at or above its min_score."""

    kind: ClassVar[str] = "band"
    label: _Text
    min_score: float = Field(strict=True, ge=0, le=100)


class Addressee(ListEntry):
    """Who a clause is addressed to."""

    kind: ClassVar[str] = "addressee"
    label: _Text
    scope: Literal["national", "international"]


class AssistanceKind(ListEntry):
    """A kind of technical assistance a country can request."""

    kind: ClassVar[str] = "assistance kind"
    label: _Text


class Section(ListEntry):
    """A theme of the questionnaire."""

    kind: ClassVar[str] = "section"
    title: _Text
    description: _OptionalText = Field("", description="who usually answers")


class Instrument(ListEntry):
    """A source text."""

    kind: ClassVar[str] = "instrument"
    body: _Text
    title: _Text
    date: str = Field(min_length=1, pattern=_DATE.pattern, description="ISO 8601 date or interval")
    source: _Text = Field(description="the text, under docs/sources/")
    session: _OptionalText = ""
    place: _OptionalText = ""
    symbol: _OptionalText = ""
    symbol_note: _OptionalText = Field("", description="where the symbol comes from, when not from the text")

    @property
    def year(self) -> str:
        """Return the year the instrument was adopted."""
        return self.date[:4]


class ObligationEntry(ListEntry):
    """An operative clause, as the file gives it."""

    kind: ClassVar[str] = "obligation"
    instrument: _Text
    paragraph: _Text = Field(description="as printed: (2), 2(a), URGES")
    verb: _Verb
    addressee: _Text
    text: _Text = Field(description="verbatim")
    items: tuple[str, ...] = Field(description="the items that assess it; [] for an international body")
    core: StrictBool = False
    lead_in: _OptionalText = Field("", description="the chapeau of a lettered sub-paragraph, verbatim")
    note: _OptionalText = ""


class Obligation(ObligationEntry):
    """An operative clause with the weight of its verb."""

    weight: float
    strength: str

    @property
    def scored(self) -> bool:
        """Tell whether the clause is assessed against a country."""
        return bool(self.items)


class ItemEntry(ListEntry):
    """A checklist item, as the file gives it."""

    kind: ClassVar[str] = "item"
    section: _Text
    question: _Text
    guidance: _Text = Field(description="what full implementation looks like")
    evidence: _Texts = Field(description="what to cite")
    action: _Text = Field(description="the recommended action when the item falls short")


class Item(ItemEntry):
    """A checklist item with the clauses it assesses."""

    obligations: tuple[str, ...]


class CoreCap(_Model):
    """A core obligation scoring below the threshold caps the band."""

    kind: ClassVar[str] = "core_cap"
    threshold: float = Field(strict=True, ge=0, le=100)
    band: _Text


class Gaps(_Model):
    """A gap with weight × shortfall at or above critical_priority is critical."""

    kind: ClassVar[str] = "gaps"
    critical_priority: float = Field(strict=True, ge=0, le=100_000)


class CatalogueFile(_Model):
    """The catalogue file (obligations.yaml): the method's parameters, the texts, their clauses and the checklist."""

    schema_: Literal[1] = Field(alias="schema")  # SCHEMA_VERSION
    title: str = Field(strict=True, min_length=1)
    scale: tuple[ScaleLevel, ...] = Field(min_length=1, description="best first")
    strengths: tuple[Strength, ...] = Field(min_length=1)
    bands: tuple[Band, ...] = Field(min_length=1, description="best first, with falling min_score; the last at 0")
    core_cap: CoreCap
    gaps: Gaps
    addressees: tuple[Addressee, ...] = Field(min_length=1)
    assistance_kinds: tuple[AssistanceKind, ...] = Field(min_length=1)
    sections: tuple[Section, ...] = Field(min_length=1)
    instruments: tuple[Instrument, ...] = Field(min_length=1)
    obligations: tuple[ObligationEntry, ...] = Field(min_length=1)
    items: tuple[ItemEntry, ...] = Field(min_length=1)


def json_schema() -> dict[str, Any]:
    """Return the JSON Schema of the catalogue file (what docs/catalogue.schema.json holds)."""
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **CatalogueFile.model_json_schema()}


def json_schema_text() -> str:
    """Return the JSON Schema as the text of docs/catalogue.schema.json."""
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"


# --------------------------------------------------------------------------
# The immutable catalogue
# --------------------------------------------------------------------------


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
    # The language of the texts (`catalogue_texts.localized` makes the other languages' copies):
    # which translation revision they come from, the English edition they translate, and, per
    # clause, the source of an official translation (clauses without one are unofficial).
    language: str = "en"
    translation_revision: str = field(default="", compare=False)
    english: Catalogue | None = field(default=None, repr=False, compare=False)
    official_sources: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)

    @property
    def original(self) -> Catalogue:
        """The English edition (itself when English): the authentic texts."""
        return self.english or self

    def clause_translation(self, obligation_id: str) -> str:
        """Say what a clause's text is in this language: "original", "official" or "unofficial"."""
        english = self.original.obligation_by_id[obligation_id]
        mine = self.obligation_by_id[obligation_id]
        if self.english is None or (mine.text == english.text and mine.lead_in == english.lead_in):
            return "original"
        return "official" if obligation_id in self.official_sources else "unofficial"

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
    def strength_by_id(self) -> Mapping[str, Strength]:
        return MappingProxyType({s.id: s for s in self.strengths})

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
        """Return the scoring method's view of this edition (in English whatever the language: scores are
        stored and shared, and pages name their areas from the catalogue in the reader's language)."""
        if self.english is not None:
            return self.english.edition
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
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not allowed in a catalogue", event.start_mark
            )
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise yaml.composer.ComposerError(
                None,
                None,
                f"too many YAML nodes (more than {MAX_NODES})",
                self.peek_event().start_mark,  # type: ignore[no-untyped-call]
            )
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise yaml.composer.ComposerError(
                    None,
                    None,
                    f"nested deeper than {MAX_DEPTH} levels",
                    self.peek_event().start_mark,  # type: ignore[no-untyped-call]
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


_Loc = tuple[str | int, ...]  # where a value is: keys and list positions from the top


def _line(node: Node) -> int:
    return int(node.start_mark.line) + 1


def normalise(text: str) -> str:
    """Whitespace as the loaded catalogue has it (the YAML's folding and line breaks do not count)."""
    return " ".join(text.split())


class _Reader:
    """Turn nodes into plain data (text whitespace-normalised), noting where each value is."""

    def __init__(self, source: str):
        self.source = source
        self.problems: list[Problem] = []
        self.lines: dict[_Loc, int] = {}  # the line of each key, and of each list entry
        self.starts: dict[_Loc, int] = {(): 1}  # the line each mapping starts on (the file: 1)
        self._constructor = yaml.constructor.SafeConstructor()

    def problem(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.source, line, message))

    def value(self, node: Node, path: _Loc = ()) -> Any:
        if isinstance(node, MappingNode | SequenceNode) and node.tag not in _COLLECTION_TAGS:
            self.problem(_line(node), f"YAML tag {node.tag!r} is not allowed (plain values only)")
            return None
        if isinstance(node, MappingNode):
            result: dict[str, Any] = {}
            if path:
                self.starts[path] = _line(node)
            for key_node, value_node in node.value:
                if not isinstance(key_node, ScalarNode) or key_node.tag not in _PLAIN_TAGS:
                    self.problem(_line(key_node), "mapping keys must be plain text")
                    continue
                key = str(key_node.value)
                where = (*path, key)
                if key in result:
                    self.problem(_line(key_node), f"duplicate key '{key}' (first at line {self.lines[where]})")
                    continue
                self.lines[where] = _line(key_node)
                result[key] = self.value(value_node, where)
            return result
        if isinstance(node, SequenceNode):
            values = []
            for index, element in enumerate(node.value):
                self.lines[(*path, index)] = _line(element)
                values.append(self.value(element, (*path, index)))
            return values
        assert isinstance(node, ScalarNode)
        if node.tag not in _PLAIN_TAGS:
            self.problem(_line(node), f"YAML tag {node.tag!r} is not allowed (plain values only)")
            return None
        if node.tag == "tag:yaml.org,2002:timestamp":
            return normalise(str(node.value))
        value = self._constructor.construct_object(node)
        return normalise(value) if isinstance(value, str) else value


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
    problems = reader.problems
    if not isinstance(data, dict):
        problems.append(Problem(source, 1, "the catalogue must be a mapping of sections (scale, instruments, …)"))
        raise CatalogueError(problems)
    where = _Where(data, reader.lines, reader.starts)
    try:
        checks = _References(CatalogueFile.model_validate(data), where)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        problems += [Problem(source, *found) for found in map(where.explain, errors) if found]
        file, positions, broken = _valid_parts(data, errors)
        checks = _References(file, where, positions, broken)
    problems += [Problem(source, line, message) for line, message in checks.problems]
    if problems:
        raise CatalogueError(sorted(problems, key=lambda p: p.line))
    return checks.catalogue(data)


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
# Structure: pydantic's errors in the loader's words, at their lines
# --------------------------------------------------------------------------

_NOT_AN_ID = "{kind} id {input!r} must be 1–64 letters, digits, '.', '_' or '-'"
# error type -> message about the value of `key` in the entry `label`
_MESSAGES = {
    "string_type": "'{key}' of {label} must be text",
    "float_type": "'{key}' of {label} must be a number",
    "float_parsing": "'{key}' of {label} must be a number",
    "greater_than_equal": "'{key}' of {label} must be between {low:g} and {high:g}",
    "less_than_equal": "'{key}' of {label} must be between {low:g} and {high:g}",
    "bool_type": "'{key}' of {label} must be true or false",
    "tuple_type": "'{key}' of {label} must be a list",
    "literal_error": "{key} of {label} must be {expected}",
}
# (error type, key) -> a message of its own
_KEY_MESSAGES = {
    ("string_type", "id"): _NOT_AN_ID,
    ("string_pattern_mismatch", "id"): _NOT_AN_ID,
    ("string_pattern_mismatch", "date"): "date of {label} must be an ISO 8601 date or interval, like 2006-07-27",
    ("tuple_type", "items"): "'{key}' of {label} must be a list of item ids",
}


@cache
def _fields(model: type[_Model]) -> dict[str, FieldInfo]:
    """Return the model's fields by the key the file uses."""
    return {f.alias or name: f for name, f in model.model_fields.items()}


def _model_at(path: _Loc) -> type[_Model] | None:
    """Return the model that validates the mapping at `path`, if one does."""
    current: Any = CatalogueFile
    for part in path:
        if isinstance(part, int):
            args = get_args(current)  # tuple[Model, ...]
            current = args[0] if args else None
        elif isinstance(current, type) and issubclass(current, _Model) and part in _fields(current):
            current = _fields(current)[part].annotation
        else:
            return None
    return current if isinstance(current, type) and issubclass(current, _Model) else None


def _split(error: ErrorDetails) -> tuple[_Loc, type[_Model], _Loc]:
    """Split an error's place into the mapping it is in, that mapping's model, and the rest (key…)."""
    loc = tuple(error["loc"])
    if error["type"] in ("missing", "extra_forbidden"):  # about a key of the mapping at loc[:-1]
        model = _model_at(loc[:-1])
        assert model is not None
        return loc[:-1], model, loc[-1:]
    for cut in range(len(loc), -1, -1):
        model = _model_at(loc[:cut])
        if model is not None:
            return loc[:cut], model, loc[cut:]
    raise AssertionError("the file's own model is at ()")


def _bounds(model: type[_Model], key: str) -> tuple[float, float]:
    low, high = float("-inf"), float("inf")
    for constraint in _fields(model)[key].metadata:
        if isinstance(constraint, annotated_types.Ge):
            low = float(constraint.ge)  # type: ignore[arg-type]
        elif isinstance(constraint, annotated_types.Le):
            high = float(constraint.le)  # type: ignore[arg-type]
    return low, high


class _Where:
    """The plain data and the lines of its values: what a problem is about, and where."""

    def __init__(self, data: dict[str, Any], lines: dict[_Loc, int], starts: dict[_Loc, int]):
        self.data = data
        self.lines = lines
        self.starts = starts

    def line(self, path: _Loc) -> int:
        """Return the line of the value at `path` (of the nearest enclosing one the file has)."""
        while path and path not in self.lines:
            path = path[:-1]
        return self.lines.get(path, 1)

    def label(self, path: _Loc, kind: str) -> str:
        """Name the entry at `path` by its kind and, when it has one, its id."""
        entry: Any = self.data
        for part in path:
            entry = entry[part]
        ident = entry.get("id") if isinstance(entry, dict) else None
        return f"{kind} '{ident}'" if isinstance(ident, str) and ident else kind

    def explain(self, error: ErrorDetails) -> tuple[int, str] | None:
        """Return the line and message of a pydantic error (None for one that only echoes others)."""
        loc, kind, value = tuple(error["loc"]), error["type"], error["input"]
        if kind == "too_short" and value:
            return None  # entries there, none valid: each one's own problem is reported
        path, model, rest = _split(error)
        if not rest:  # the mapping itself
            if path[-1:] and isinstance(path[-1], int):
                return self.line(loc), f"each entry of '{path[0]}' must be a mapping ({model.kind})"
            required = [k for k, f in _fields(model).items() if f.is_required()]
            return self.line(loc), f"'{path[-1]}' must be a mapping with {' and '.join(required)}"
        key = str(rest[0])
        if not path:
            return self._top(key, kind, value, loc)
        label = self.label(path, model.kind)
        if kind == "missing":
            return self.starts.get(path, 1), f"{label} is missing '{key}'"
        if kind == "extra_forbidden":
            return self.line(loc), f"unknown key '{key}' in {label} (allowed: {', '.join(sorted(_fields(model)))})"
        line = self.line((*path, key))
        if len(rest) > 1:
            return line, f"'{key}' of {label} must list non-empty texts"
        if value in (None, "", []) and _fields(model)[key].is_required():
            return line, f"'{key}' of {label} is empty"
        template = _KEY_MESSAGES.get((kind, key)) or _MESSAGES.get(kind)
        if template is None:
            return line, f"'{key}' of {label}: {error['msg']}"
        low, high = _bounds(model, key)
        expected = error.get("ctx", {}).get("expected")
        return line, template.format(
            key=key, label=label, kind=model.kind, input=value, low=low, high=high, expected=expected
        )

    def _top(self, key: str, kind: str, value: Any, loc: _Loc) -> tuple[int, str]:
        if kind == "missing":
            return 1, f"missing top-level key '{key}'"
        if kind == "extra_forbidden":
            allowed = ", ".join(sorted(_fields(CatalogueFile)))
            return self.line(loc), f"unknown top-level key '{key}' (allowed: {allowed})"
        if key == "schema":
            return self.line(loc), f"schema must be {SCHEMA_VERSION}, not {value!r}"
        if key == "title":
            return self.line(loc), "'title' must be non-empty text"
        if value is None or kind == "too_short":
            return self.line(loc), f"'{key}' is empty"
        element = _model_at((key, 0))
        return self.line(loc), f"'{key}' must be a list of {element.kind if element else key}s"


# --------------------------------------------------------------------------
# What of an invalid file the cross-reference checks can still look at
# --------------------------------------------------------------------------


@cache
def _adapter(model: type[_Model], key: str) -> TypeAdapter[Any]:
    spec = _fields(model)[key]
    return TypeAdapter(Annotated[spec.annotation, spec], config=_Model.model_config)  # type: ignore[arg-type]


def _stand_in(spec: FieldInfo) -> Any:
    """Return a value of the field's type for a field that is missing or wrong (its checks are skipped)."""
    if not spec.is_required():
        return spec.default
    if get_origin(spec.annotation) is tuple:
        return ()
    return 0.0 if float in (spec.annotation, *get_args(spec.annotation)) else ""


def _salvage(model: type[_Model], value: Any, path: _Loc, broken: set[_Loc]) -> Any:
    """Return the entry at `path` with stand-ins for its broken fields (None if it is not a mapping)."""
    if not isinstance(value, dict):
        return None
    fields = {}
    for key, spec in _fields(model).items():
        if key not in value and not spec.is_required():
            fields[key] = spec.default
        elif key not in value or (*path, key) in broken:
            broken.add((*path, key))
            fields[key] = _stand_in(spec)
        else:
            fields[key] = _adapter(model, key).validate_python(value[key])
    return model.model_construct(**fields)


def _valid_parts(
    data: dict[str, Any], errors: Iterable[ErrorDetails]
) -> tuple[CatalogueFile, dict[str, tuple[int, ...]], set[_Loc]]:
    """Return the entries of an invalid file, where each list entry was, and the fields that are broken.

    Every mapping is kept, with a stand-in for each missing or wrong value, so
    one wrong value does not hide its entry from the cross-reference checks;
    these skip the broken fields (nothing is built from an invalid file).
    """
    broken: set[_Loc] = set()
    for error in errors:
        path, _, rest = _split(error)
        broken.add((*path, *rest[:1]))
    parts: dict[str, Any] = {}
    positions: dict[str, tuple[int, ...]] = {}
    for key in _fields(CatalogueFile):
        value = data.get(key)
        element, single = _model_at((key, 0)), _model_at((key,))
        if element is not None:
            found = [
                (n, _salvage(element, e, (key, n), broken))
                for n, e in enumerate(value if isinstance(value, list) else [])
            ]
            parts[key] = tuple(e for _, e in found if e is not None)
            positions[key] = tuple(n for n, e in found if e is not None)
        elif single is not None:
            parts[key] = _salvage(single, value if isinstance(value, dict) else {}, (key,), broken)
    return CatalogueFile.model_construct(**parts), positions, broken


# --------------------------------------------------------------------------
# References between entries, and the catalogue they make
# --------------------------------------------------------------------------

_E = TypeVar("_E", bound=ListEntry)


class _References:
    """Check what a schema cannot: ids, references, the scale's and the bands' shape."""

    def __init__(
        self,
        file: CatalogueFile,
        where: _Where,
        positions: Mapping[str, tuple[int, ...]] | None = None,
        broken: set[_Loc] | None = None,
    ):
        self.file = file
        self.where = where
        self.positions = positions or {}
        self.broken = broken or set()
        self.problems: list[tuple[int, str]] = []
        self.assessed_by: dict[str, list[str]] = {}
        self.by_verb: dict[str, Strength] = {}
        self._check()

    def problem(self, path: _Loc, message: str) -> None:
        self.problems.append((self.where.line(path), message))

    def ok(self, path: _Loc, key: str) -> bool:
        """Tell whether the entry's value of `key` is valid (always, in a valid file)."""
        return (*path, key) not in self.broken

    def complete(self, key: str, field: str) -> bool:
        """Tell whether every entry of the list `key` has a valid `field` (references to it can be checked)."""
        return not any(p[:1] == (key,) and (len(p) <= 2 or p[2] == field) for p in self.broken)

    def each(self, key: str, entries: tuple[_E, ...]) -> list[tuple[_Loc, _E]]:
        """Return each entry of a list with its place in the file."""
        places = self.positions.get(key, range(len(entries)))
        return [((key, n), entry) for n, entry in zip(places, entries, strict=True)]

    def ids(self, key: str, entries: tuple[_E, ...]) -> set[str]:
        seen: dict[str, int] = {}
        for path, entry in self.each(key, entries):
            if not self.ok(path, "id"):
                continue
            if entry.id in seen:
                self.problem((*path, "id"), f"duplicate {entry.kind} id '{entry.id}' (first at line {seen[entry.id]})")
            else:
                seen[entry.id] = self.where.line(path)
        return set(seen)

    def _check(self) -> None:
        lists = ("scale", "strengths", "bands", "addressees", "assistance_kinds", "sections", "instruments")
        ids = {key: self.ids(key, getattr(self.file, key)) for key in (*lists, "obligations", "items")}
        self._scale()
        self._strengths()
        self._bands()
        self._obligations(ids["items"])
        self._items()

    def _scale(self) -> None:
        values = [s.value for path, s in self.each("scale", self.file.scale) if self.ok(path, "value")]
        if values.count(None) > 1:
            self.problem(("scale",), "the scale may have only one not-applicable step (value: null)")
        if values and 100 not in values:
            self.problem(("scale",), "the scale needs a step worth 100 (full implementation)")

    def _strengths(self) -> None:
        for path, strength in self.each("strengths", self.file.strengths):
            for verb in strength.verbs:
                if verb in self.by_verb:
                    self.problem((*path, "verbs"), f"verb '{verb}' is listed under two strengths")
                self.by_verb[verb] = strength

    def _bands(self) -> None:
        bands = [(path, b) for path, b in self.each("bands", self.file.bands) if self.ok(path, "min_score")]
        for (_, previous), (path, current) in zip(bands, bands[1:], strict=False):
            if current.min_score >= previous.min_score:
                self.problem(
                    (*path, "min_score"),
                    "bands must be listed best first with falling min_score "
                    f"('{current.id}' is not below '{previous.id}')",
                )
        if bands and bands[-1][1].min_score != 0:
            self.problem(bands[-1][0], "the last band must have min_score 0 so every score gets a band")
        band = self.file.core_cap.band
        if (
            self.ok(("core_cap",), "band")
            and self.complete("bands", "id")
            and band not in {b.id for b in self.file.bands}
        ):
            self.problem(("core_cap", "band"), f"core_cap refers to unknown band '{band}'")

    def _obligations(self, item_ids: set[str]) -> None:
        instruments = {i.id for i in self.file.instruments}
        scope = {a.id: a.scope for a in self.file.addressees}
        trusted = {key: self.complete(key, "id") for key in ("instruments", "addressees", "items")}
        verbs_known = self.complete("strengths", "verbs")
        self.assessed_by = {i: [] for i in item_ids}
        for path, entry in self.each("obligations", self.file.obligations):
            label = f"obligation '{entry.id}'" if self.ok(path, "id") else "obligation"
            if trusted["instruments"] and self.ok(path, "instrument") and entry.instrument not in instruments:
                self.problem((*path, "instrument"), f"{label} refers to unknown instrument '{entry.instrument}'")
            if verbs_known and self.ok(path, "verb") and entry.verb not in self.by_verb:
                known = ", ".join(sorted(self.by_verb))
                self.problem(
                    (*path, "verb"), f"{label} has verb '{entry.verb}', which no strength lists (known: {known})"
                )
            if trusted["addressees"] and self.ok(path, "addressee") and entry.addressee not in scope:
                self.problem((*path, "addressee"), f"{label} refers to unknown addressee '{entry.addressee}'")
            if not self.ok(path, "items"):
                continue
            listed: set[str] = set()
            for ref in entry.items:
                if ref not in item_ids:
                    if trusted["items"]:
                        self.problem((*path, "items"), f"{label} refers to unknown item '{ref}'")
                elif ref in listed:
                    self.problem((*path, "items"), f"{label} lists item '{ref}' twice")
                else:
                    listed.add(ref)
                    self.assessed_by[ref].append(entry.id)
            if scope.get(entry.addressee) == "international" and entry.items:
                self.problem(
                    (*path, "items"),
                    f"{label} is addressed to an international body ('{entry.addressee}') and must have no items "
                    "(it is not scored against a country)",
                )
            if scope.get(entry.addressee) == "national" and not entry.items:
                self.problem(
                    (*path, "items"),
                    f"{label} asks something of '{entry.addressee}' and must be assessed by at least one item",
                )
            if entry.core and not entry.items:
                self.problem((*path, "core"), f"{label} is core but not scored")

    def _items(self) -> None:
        sections = {s.id for s in self.file.sections}
        items = self.each("items", self.file.items)
        for path, entry in items:
            if self.complete("sections", "id") and self.ok(path, "section") and entry.section not in sections:
                self.problem((*path, "section"), f"item '{entry.id}' refers to unknown section '{entry.section}'")
            if self.complete("obligations", "items") and not self.assessed_by.get(entry.id, True):
                self.problem(path, f"item '{entry.id}' assesses no obligation (no obligation lists it)")
        if self.complete("items", "section"):
            # Sections with nothing to answer would be empty pages.
            used = {i.section for i in self.file.items}
            for path, section in self.each("sections", self.file.sections):
                if section.id not in used:
                    self.problem(path, f"section '{section.id}' has no items")

    def catalogue(self, data: dict[str, Any]) -> Catalogue:
        """Return the catalogue of a file without problems; `data` is its plain content."""
        file = self.file
        obligations = []
        for entry in file.obligations:
            strength = self.by_verb[entry.verb]
            obligations.append(Obligation(**dict(entry), weight=strength.weight, strength=strength.id))
        return Catalogue(
            title=file.title,
            scale=file.scale,
            strengths=file.strengths,
            bands=file.bands,
            core_threshold=file.core_cap.threshold,
            core_band_cap=file.core_cap.band,
            critical_priority=file.gaps.critical_priority,
            addressees=file.addressees,
            assistance_kinds=file.assistance_kinds,
            sections=file.sections,
            instruments=file.instruments,
            obligations=tuple(obligations),
            items=tuple(Item(**dict(i), obligations=tuple(self.assessed_by[i.id])) for i in file.items),
            data=MappingProxyType(data),
            hash=edition_hash(data),
        )


if __name__ == "__main__":  # python -m questionnaire.catalogue > docs/catalogue.schema.json
    print(json_schema_text(), end="")
