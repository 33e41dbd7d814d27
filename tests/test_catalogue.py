"""The catalogue file: faithful to the five texts, complete, and validated line by line."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
from pydantic import ValidationError

from questionnaire.catalogue import CatalogueError, json_schema_text, load_catalogue, parse_catalogue

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "obligations.yaml"
SUPERSCRIPTS = "⁰¹²³⁴⁵⁶⁷⁸⁹"

# An inventory of the operative clauses, made by reading the texts, separately
# from obligations.yaml: (instrument, paragraph as printed, assessed against countries?)
INVENTORY = [
    ("ga-1988", "(1)", True),
    ("ga-1988", "(2)", True),
    ("ga-1988", "(3)", True),
    ("ga-1988", "(4)", True),
    ("ga-1988", "(5)", True),
    ("ga-2001", "(1)", True),
    ("ga-2001", "(2)", True),
    ("ga-2001", "(3)", True),
    ("ga-2001", "(4)", False),  # a resolution to be prepared for the 2002 General Assembly
    ("ga-2005", "STRONGLY ENCOURAGES", True),
    ("ga-2005", "URGES", True),
    ("ga-2005", "ASKS", True),
    ("ga-2005", "TASKS", False),  # Sub-Regional Bureaus
    ("ga-2010", "URGES", True),
    ("ga-2010", "TASKS", False),  # General Secretariat
    ("ecosoc-2006", "1", True),
    ("ecosoc-2006", "2(a)", True),
    ("ecosoc-2006", "2(b)", True),
    ("ecosoc-2006", "2(c)", True),
    ("ecosoc-2006", "2(d)", True),
    ("ecosoc-2006", "3(a)", True),
    ("ecosoc-2006", "3(b)", True),
    ("ecosoc-2006", "4(a)", True),
    ("ecosoc-2006", "4(b)", True),
    ("ecosoc-2006", "4(c)", True),
    ("ecosoc-2006", "4(d)", True),
    ("ecosoc-2006", "4(e)", True),
    ("ecosoc-2006", "5", True),
    ("ecosoc-2006", "6(a)", True),
    ("ecosoc-2006", "6(b)", True),
    ("ecosoc-2006", "6(c)", True),
    ("ecosoc-2006", "6(d)", True),
    ("ecosoc-2006", "7", True),
    ("ecosoc-2006", "8", True),
    ("ecosoc-2006", "9", True),
    ("ecosoc-2006", "10", True),
    ("ecosoc-2006", "11", True),
    ("ecosoc-2006", "12", True),
    ("ecosoc-2006", "13", True),
    ("ecosoc-2006", "14", False),
    ("ecosoc-2006", "15", False),
    ("ecosoc-2006", "16", False),  # UNODC
    ("ecosoc-2006", "17", True),  # Member States: voluntary contributions
    ("ecosoc-2006", "18", False),  # Secretary-General
]

# Where each text's operative part starts, and what may be left of it once every
# quoted clause and lead-in is taken out: labels, page furniture, footnotes.
OPERATIVE_START = {
    "ga-1988": "RECOMMENDS that:",
    "ga-2001": "DECLARES:",
    "ga-2005": "STRONGLY ENCOURAGES",
    "ga-2010": "URGES the National Central Bureaus",
    "ecosoc-2006": "1. Urges Member States that have not done so",
}
RESIDUE = [
    r"\(\d+\)",
    r"\d+\.",
    r"\([a-e]\)",
    r"-",
    r"No\. AGN/57/RES/19",  # running header of the 1988 text
    r"Adopted\.",
    r"Official Records of the Economic and Social Council, 2003, Supplement No\. 10 \(E/2003/30\), chap\. II\.",
    r"This language does not provide a basis for an increase in the regular budget "
    r"or requests for supplemental increases\.",
    r"41st plenary meeting 27 July 2006",
]


def normalise(text: str) -> str:
    """Take out the extraction's artefacts: markup, footnote markers, line breaks."""
    text = re.sub(r"</?u>|\*\*|\*|^#+ |^\s*- ", "", text, flags=re.M)
    text = text.translate({ord(c): None for c in SUPERSCRIPTS})
    return " ".join(text.split())


@pytest.fixture(scope="module")
def cat():  # type: ignore[no-untyped-def]
    return load_catalogue(CATALOGUE)


@pytest.fixture(scope="module")
def sources(cat):  # type: ignore[no-untyped-def]
    return {i.id: normalise((ROOT / i.source).read_text(encoding="utf-8")) for i in cat.instruments}


def test_the_catalogue_loads_with_every_instrument(cat) -> None:  # type: ignore[no-untyped-def]
    assert {i.id for i in cat.instruments} == {"ga-1988", "ga-2001", "ga-2005", "ga-2010", "ecosoc-2006"}
    for instrument in cat.instruments:
        assert (ROOT / instrument.source).is_file(), instrument.source
    assert len(cat.hash) == 16


def test_every_obligation_quotes_its_source_verbatim(cat, sources) -> None:  # type: ignore[no-untyped-def]
    for obligation in cat.obligations:
        source = sources[obligation.instrument]
        assert obligation.text in source, f"{obligation.id}: clause text not found in its source"
        if obligation.lead_in:
            assert obligation.lead_in in source, f"{obligation.id}: lead-in not found in its source"


def test_a_changed_word_is_not_found_in_the_source(cat, sources) -> None:  # type: ignore[no-untyped-def]
    """The verbatim check really compares words: an altered clause fails it."""
    text = cat.obligation_by_id["ecosoc-2006.2a"].text
    assert text in sources["ecosoc-2006"]
    assert text.replace("criminalize", "criminalise") not in sources["ecosoc-2006"]


@pytest.mark.parametrize("instrument", sorted(OPERATIVE_START))
def test_the_obligations_cover_the_whole_operative_part(cat, sources, instrument) -> None:  # type: ignore[no-untyped-def]
    source = sources[instrument]
    operative = source[source.index(OPERATIVE_START[instrument]) :]
    clauses = [o for o in cat.obligations if o.instrument == instrument]
    for obligation in sorted(clauses, key=lambda o: -len(o.text)):
        assert operative.count(obligation.text) == 1, f"{obligation.id} should occur once"
        operative = operative.replace(obligation.text, " ")
    for lead_in in {o.lead_in for o in clauses if o.lead_in}:
        operative = operative.replace(lead_in, " ")
    for pattern in RESIDUE:
        operative = re.sub(pattern, " ", operative)
    assert operative.split() == [], f"text of {instrument} not covered by any obligation: {operative.strip()[:300]}"


def test_the_obligations_match_the_inventory_of_clauses(cat) -> None:  # type: ignore[no-untyped-def]
    found = [(o.instrument, o.paragraph, o.scored) for o in cat.obligations]
    assert sorted(found) == sorted(INVENTORY)
    assert len(found) == len(set((i, p) for i, p, _ in found)), "one obligation per clause"


def test_clauses_for_international_bodies_are_kept_but_not_scored(cat) -> None:  # type: ignore[no-untyped-def]
    international = {a.id for a in cat.addressees if a.scope == "international"}
    for obligation in cat.obligations:
        if obligation.addressee in international:
            assert obligation.items == (), obligation.id
        else:
            assert obligation.items, obligation.id


def test_recurring_asks_share_one_item(cat) -> None:  # type: ignore[no-untyped-def]
    hst = cat.item_by_id["IX-2"]
    assert set(hst.obligations) == {"ga-2005.urges", "ga-2010.urges"}
    assert len(cat.item_by_id["LE-5"].obligations) >= 2  # training
    assert len(cat.item_by_id["VP-1"].obligations) >= 2  # victim identification and assistance
    for item in cat.items:
        assert item.obligations, item.id
        assert item.guidance and item.evidence and item.action, item.id


def test_criminalization_is_a_core_obligation(cat) -> None:  # type: ignore[no-untyped-def]
    assert cat.obligation_by_id["ecosoc-2006.2a"].core


def test_verbs_carry_their_strength(cat) -> None:  # type: ignore[no-untyped-def]
    weight = {o.verb: o.weight for o in cat.obligations}
    assert weight["urges"] > weight["calls upon"] > weight["invites"]
    assert weight["recommends"] == weight["asks"] == weight["must"] == weight["urges"]
    assert weight["strongly encourages"] > weight["encourages"]


def test_the_edition_hash_ignores_comments_and_layout() -> None:
    text = CATALOGUE.read_text(encoding="utf-8")
    original = parse_catalogue(text)
    commented = parse_catalogue("# a comment\n" + text.replace("\nobligations:", "\n\n# more\nobligations:"))
    assert commented.hash == original.hash
    changed = parse_catalogue(
        text.replace("To criminalize trafficking in persons;", "To criminalize trafficking in persons ;")
    )
    assert changed.hash != original.hash


def test_an_edition_reloads_from_its_stored_json(cat) -> None:  # type: ignore[no-untyped-def]
    again = parse_catalogue(cat.to_json(), source="stored")
    assert again.hash == cat.hash
    assert again.obligations == cat.obligations


# ---------------------------------------------------------------------------
# Broken copies: each refused with the file and line of the problem
# ---------------------------------------------------------------------------


def _line_of(text: str, needle: str, occurrence: int = 1) -> int:
    index = -1
    for _ in range(occurrence):
        index = text.index(needle, index + 1)
    return text[:index].count("\n") + 1


def _problems(text: str) -> list[str]:
    with pytest.raises(CatalogueError) as caught:
        parse_catalogue(text, source="copy.yaml")
    return [str(p) for p in caught.value.problems]


@pytest.fixture(scope="module")
def original() -> str:
    return CATALOGUE.read_text(encoding="utf-8")


def test_yaml_syntax_error_names_its_line(original: str) -> None:
    broken = original.replace("  - id: ga-2001\n    body:", "  - id: ga-2001\n   body: [unclosed\n    body:", 1)
    problems = _problems(broken)
    line = _line_of(broken, "   body: [unclosed")
    assert len(problems) == 1
    assert re.match(rf"copy\.yaml:{line}: YAML syntax error", problems[0]) or re.match(
        r"copy\.yaml:\d+: YAML syntax error", problems[0]
    )


def test_unknown_key_is_named_with_its_line(original: str) -> None:
    broken = original.replace("    paragraph: 2(a)\n", "    paragraph: 2(a)\n    colour: red\n", 1)
    assert (
        f"copy.yaml:{_line_of(broken, 'colour: red')}: unknown key 'colour' in obligation 'ecosoc-2006.2a'"
        in "\n".join(_problems(broken))
    )


def test_unknown_key_in_a_nested_mapping_and_at_the_top(original: str) -> None:
    broken = original.replace("  critical_priority: 150\n", "  critical_priority: 150\n  colour: red\n", 1).replace(
        "schema: 1\n", "schema: 1\nedition: 2\n", 1
    )
    problems = _problems(broken)
    assert (
        f"copy.yaml:{_line_of(broken, 'colour: red')}: unknown key 'colour' in gaps (allowed: critical_priority)"
        in (problems)
    )
    assert any(
        p.startswith(f"copy.yaml:{_line_of(broken, 'edition: 2')}: unknown top-level key 'edition'") for p in problems
    )


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("    value: 75\n", "    value: lots\n", "'value' of scale level 'largely' must be a number"),
        ("    value: 75\n", "    value: true\n", "'value' of scale level 'largely' must be a number"),
        ("    value: 75\n", "    value: 175\n", "'value' of scale level 'largely' must be between 0 and 100"),
        (
            "    needs_support: true\n",
            "    needs_support: 'yes'\n",
            "'needs_support' of scale level 'full' must be true or false",
        ),
        ("  threshold: 50\n", "  threshold: half\n", "'threshold' of core_cap must be a number"),
        ("    paragraph: 2(a)\n", "    paragraph: [2, a]\n", "'paragraph' of obligation 'ecosoc-2006.2a' must be text"),
        (
            "    items: [CL-2]\n",
            "    items: CL-2\n",
            "'items' of obligation 'ecosoc-2006.2a' must be a list of item ids",
        ),
        (
            "  - id: ecosoc-2006.2b\n",
            "  - id: 'ecosoc 2006'\n",
            "obligation id 'ecosoc 2006' must be 1–64 letters, digits, '.', '_' or '-'",
        ),
        (
            "    scope: national\n",
            "    scope: galactic\n",
            "scope of addressee 'member_countries' must be 'national' or 'international'",
        ),
        (
            "    date: 2006-07-27\n",
            "    date: 27 July 2006\n",
            "date of instrument 'ecosoc-2006' must be an ISO 8601 date or interval, like 2006-07-27",
        ),
    ],
)
def test_a_wrong_type_or_value_is_named_with_its_line(original: str, old: str, new: str, message: str) -> None:
    broken = original.replace(old, new, 1)
    assert _problems(broken) == [f"copy.yaml:{_line_of(broken, new.strip())}: {message}"]


def test_a_wrong_value_hides_nothing_else_and_adds_nothing(original: str) -> None:
    """Cross-references are still checked in a file with a structural problem, without echoes of it."""
    broken = original.replace("    date: 2006-07-27\n", "    date: July 2006\n", 1).replace(
        "    instrument: ga-2010\n", "    instrument: ga-2011\n", 1
    )
    assert _problems(broken) == [
        f"copy.yaml:{_line_of(broken, 'date: July 2006')}: date of instrument 'ecosoc-2006' must be an ISO 8601 date "
        "or interval, like 2006-07-27",
        f"copy.yaml:{_line_of(broken, 'instrument: ga-2011')}: obligation 'ga-2010.urges' refers to unknown instrument "
        "'ga-2011'",
    ]


def test_missing_key_of_a_nested_mapping_and_at_the_top(original: str) -> None:
    broken = original.replace("  threshold: 50\n", "", 1).replace("gaps:\n  critical_priority: 150\n", "", 1)
    problems = _problems(broken)
    assert f"copy.yaml:{_line_of(broken, '  band: D')}: core_cap is missing 'threshold'" in problems
    assert "copy.yaml:1: missing top-level key 'gaps'" in problems


def test_missing_required_field(original: str) -> None:
    broken = original.replace("    text: To criminalize trafficking in persons;\n", "", 1)
    line = _line_of(broken, "  - id: ecosoc-2006.2a")
    assert f"copy.yaml:{line}: obligation 'ecosoc-2006.2a' is missing 'text'" in _problems(broken)


def test_empty_required_field(original: str) -> None:
    broken = original.replace("    text: To criminalize trafficking in persons;\n", "    text: ''\n", 1)
    line = _line_of(broken, "    text: ''")
    assert f"copy.yaml:{line}: 'text' of obligation 'ecosoc-2006.2a' is empty" in _problems(broken)


def test_duplicate_ids(original: str) -> None:
    broken = original.replace("  - id: ecosoc-2006.2b\n", "  - id: ecosoc-2006.2a\n", 1)
    first = _line_of(broken, "  - id: ecosoc-2006.2a")
    second = _line_of(broken, "  - id: ecosoc-2006.2a", 2)
    assert f"copy.yaml:{second}: duplicate obligation id 'ecosoc-2006.2a' (first at line {first})" in _problems(broken)


def test_duplicate_mapping_keys(original: str) -> None:
    broken = original.replace("    paragraph: 2(a)\n", "    paragraph: 2(a)\n    paragraph: 2(z)\n", 1)
    line = _line_of(broken, "paragraph: 2(z)")
    assert any(p.startswith(f"copy.yaml:{line}: duplicate key 'paragraph'") for p in _problems(broken))


def test_unknown_instrument_reference(original: str) -> None:
    broken = original.replace("    instrument: ga-2010\n", "    instrument: ga-2011\n", 1)
    line = _line_of(broken, "instrument: ga-2011")
    assert f"copy.yaml:{line}: obligation 'ga-2010.urges' refers to unknown instrument 'ga-2011'" in _problems(broken)


def test_unknown_item_reference(original: str) -> None:
    broken = original.replace("    items: [CL-2]\n", "    items: [CL-2, CL-99]\n", 1)
    line = _line_of(broken, "items: [CL-2, CL-99]")
    assert f"copy.yaml:{line}: obligation 'ecosoc-2006.2a' refers to unknown item 'CL-99'" in _problems(broken)


def test_unknown_section_reference(original: str) -> None:
    broken = original.replace(
        "  - id: CL-1\n    section: criminal-law\n", "  - id: CL-1\n    section: criminal-justice\n", 1
    )
    line = _line_of(broken, "section: criminal-justice")
    assert f"copy.yaml:{line}: item 'CL-1' refers to unknown section 'criminal-justice'" in _problems(broken)


def test_item_on_a_clause_for_an_international_body(original: str) -> None:
    start = original.index("  - id: ecosoc-2006.18")
    broken = original[:start] + original[start:].replace("    items: []\n", "    items: [IC-8]\n", 1)
    line = _line_of(broken, "items: [IC-8]", 2)
    assert any(
        p.startswith(f"copy.yaml:{line}: obligation 'ecosoc-2006.18' is addressed to an international body")
        for p in _problems(broken)
    )


def test_state_clause_without_items(original: str) -> None:
    broken = original.replace("    items: [PC-1]\n", "    items: []\n", 1)
    line = _line_of(broken, "    text: >-\n      To establish the offence") + 3
    problems = _problems(broken)
    assert any(
        "obligation 'ecosoc-2006.2d' asks something of 'member_states' and must be assessed by at least one item" in p
        for p in problems
    )
    assert any(
        p.startswith("copy.yaml:") and "'ecosoc-2006.2d' asks" in p and int(p.split(":")[1]) > line - 5
        for p in problems
    )
    # PC-1 is now orphaned as well
    assert (
        f"copy.yaml:{_line_of(broken, '  - id: PC-1')}: item 'PC-1' assesses no obligation (no obligation lists it)"
        in problems
    )


def test_item_assessing_no_obligation(original: str) -> None:
    extra = (
        "  - id: XX-1\n    section: cooperation\n    question: Unused?\n    guidance: None.\n"
        "    evidence: [none]\n    action: None.\n"
    )
    broken = original.rstrip("\n") + "\n" + extra
    assert (
        f"copy.yaml:{_line_of(broken, '  - id: XX-1')}: item 'XX-1' assesses no obligation (no obligation lists it)"
        in _problems(broken)
    )


def test_yaml_tags_are_never_executed(original: str, tmp_path: Path) -> None:
    marker = tmp_path / "executed"
    broken = original.replace(
        "title: Resolutions", f"title: !!python/object/apply:os.system ['touch {marker}']\nx: Resolutions", 1
    )
    problems = _problems(broken)
    assert not marker.exists()
    assert any("YAML tag 'tag:yaml.org,2002:python/object/apply:os.system' is not allowed" in p for p in problems)


def test_an_alias_bomb_is_refused_quickly() -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(12)
    )
    started = time.perf_counter()
    problems = _problems(bomb)
    assert time.perf_counter() - started < 2
    assert problems == ["copy.yaml:2: YAML syntax error: aliases (*name) are not allowed in a catalogue"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a: &a [x]\nb: *a\n", "copy.yaml:2: YAML syntax error: aliases (*name) are not allowed in a catalogue"),
        (
            "schema: 1\ntitle: !!python/object/apply:os.system ['true']\n",
            "copy.yaml:2: YAML tag 'tag:yaml.org,2002:python/object/apply:os.system' is not allowed "
            "(plain values only)",
        ),
        (
            "schema: 1\ngaps: !!set {a}\n",
            "copy.yaml:2: YAML tag 'tag:yaml.org,2002:set' is not allowed (plain values only)",
        ),
        ("a:" + " [" * 30 + "]" * 30 + "\n", "copy.yaml:1: YAML syntax error: nested deeper than 24 levels"),
        ("x: '" + "a" * 2_000_001 + "'\n", "copy.yaml:1: file is larger than 2000000 bytes"),
        ("- a\n- b\n", "copy.yaml:1: the catalogue must be a mapping of sections (scale, instruments, …)"),
    ],
)
def test_hostile_files_are_refused_by_the_yaml_layer(text: str, expected: str) -> None:
    """The safety layer answers before the schema: its message is there, the file never built."""
    assert expected in _problems(text)


def test_the_loaded_entries_are_immutable(cat) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError):
        cat.scale[0].label = "changed"
    with pytest.raises(ValidationError):
        cat.obligations[0].items = ()


def test_the_committed_json_schema_is_what_the_models_generate() -> None:
    committed = (ROOT / "docs" / "catalogue.schema.json").read_text(encoding="utf-8")
    assert committed == json_schema_text(), "regenerate: python -m questionnaire.catalogue > docs/catalogue.schema.json"


def test_the_catalogue_file_validates_against_its_json_schema(original: str) -> None:
    """What an editor checks with the schema agrees with the loader on the real file and on a broken copy."""
    jsonschema_rs = pytest.importorskip("jsonschema_rs")
    import yaml

    validator = jsonschema_rs.validator_for(json.loads(json_schema_text()))
    data = json.loads(json.dumps(yaml.safe_load(original), default=str))  # dates as the text written
    assert [e.message for e in validator.iter_errors(data)] == []
    data["obligations"][0]["colour"] = "red"
    del data["items"][0]["question"]
    assert len(list(validator.iter_errors(data))) == 2


def test_an_oversized_file_is_refused_before_parsing(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_text("x: '" + "a" * 3_000_000 + "'\n", encoding="utf-8")
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(big)
    assert str(caught.value.problems[0]) == f"{big}:1: file is larger than 2000000 bytes"


def test_text_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "latin1.yaml"
    bad.write_bytes("title: Résolution\n".encode("latin-1"))
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(bad)
    assert "is not UTF-8 text" in str(caught.value)


def test_every_problem_is_reported_not_only_the_first(original: str) -> None:
    broken = original.replace("    instrument: ga-2010\n", "    instrument: ga-2011\n", 1).replace(
        "  - id: CL-1\n    section: criminal-law\n", "  - id: CL-1\n    section: nowhere\n", 1
    )
    problems = _problems(broken)
    assert len(problems) == 2
    assert [int(p.split(":")[1]) for p in problems] == sorted(int(p.split(":")[1]) for p in problems)
