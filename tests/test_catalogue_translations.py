"""The catalogue in French, Spanish and Arabic: the files, their checks, and the catalogue they give."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from questionnaire.catalogue import load_catalogue
from questionnaire.catalogue_texts import (
    LANGUAGES,
    TRANSLATIONS_DIR,
    check_translation,
    completeness,
    localized,
    read_translation,
    texts_of,
    translations_dir,
)
from questionnaire.cli import main

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "obligations.yaml"


@pytest.fixture(scope="module")
def english() -> Any:
    return load_catalogue(CATALOGUE)


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """A copy of the catalogue and its translations, to break."""
    shutil.copy(CATALOGUE, tmp_path / "obligations.yaml")
    shutil.copytree(ROOT / TRANSLATIONS_DIR, tmp_path / TRANSLATIONS_DIR)
    return tmp_path / "obligations.yaml"


def validate(path: Path) -> tuple[int, list[str]]:
    result = CliRunner().invoke(main, ["catalogue", "validate", str(path)])
    return result.exit_code, result.output.strip().splitlines()


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_text_of_the_catalogue_is_translated(english: Any, language: str) -> None:
    found = read_translation(translations_dir(CATALOGUE) / f"{language}.po", language)
    assert check_translation(english.data, found) == []
    done, total = completeness(english.data, found)
    assert total == len(texts_of(english.data)) > 300
    assert done == total, f"{language}: {done} of {total}"


def test_validate_summarises_the_translations() -> None:
    code, lines = validate(CATALOGUE)
    assert code == 0, lines
    assert lines[0].endswith("translations fr 100.0 %, es 100.0 %, ar 100.0 %")


def test_the_translations_command_says_how_complete_each_language_is() -> None:
    result = CliRunner().invoke(main, ["catalogue", "translations", str(CATALOGUE)])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert [line.split(":")[0] for line in lines] == ["fr", "es", "ar"]
    assert all(" of " in line and "(100.0 %)" in line and "revision " in line for line in lines)


def _replace_in(path: Path, old: str, new: str) -> int:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return text[: text.index(old)].count("\n") + 1


def test_a_changed_english_text_makes_its_translations_stale(copy: Path) -> None:
    _replace_in(copy, "    label: Fully implemented\n", "    label: Implemented in full\n")
    code, lines = validate(copy)
    assert code == 1
    for language in LANGUAGES:
        po = copy.parent / TRANSLATIONS_DIR / f"{language}.po"
        line = po.read_text(encoding="utf-8").split('msgctxt "scale/full/label"')[0].count("\n") + 2  # its msgid
        assert f"{po}:{line}: stale: the English of 'scale/full/label' changed since it was translated" in lines
    # Updating the files keeps the translation, marked fuzzy, until a translator checks it.
    result = CliRunner().invoke(main, ["catalogue", "translations", "--update", str(copy)])
    assert result.exit_code == 0, result.output
    assert "fr: 402 of 403 texts" in result.output and "1 stale" in result.output
    fr = (copy.parent / TRANSLATIONS_DIR / "fr.po").read_text(encoding="utf-8")
    assert '#| msgid "Fully implemented"' in fr and 'msgid "Implemented in full"' in fr


def test_missing_untranslated_orphaned_and_broken_entries_are_named_with_their_lines(copy: Path) -> None:
    po = copy.parent / TRANSLATIONS_DIR / "es.po"
    text = po.read_text(encoding="utf-8")
    # Untranslated: the translation of the bands' first label emptied.
    start = text.index('msgctxt "bands/A/label"')
    end = text.index("\n\n", start)
    entry = text[start:end]
    text = text[:start] + entry.split("msgstr")[0] + 'msgstr ""' + text[end:]
    # Missing: the strengths' "weak" entry removed altogether.
    start = text.index("#: obligations.yaml", text.index('msgctxt "strengths/weak/label"') - 60)
    end = text.index("\n\n", start)
    text = text[:start] + text[end + 2 :]
    # Orphaned and with markup the English has not.
    text += '\nmsgctxt "items/XX-9/question"\nmsgid "Gone?"\nmsgstr "¿Ya no?"\n'
    orphan = text.count("\n") - 1  # the line of its msgid
    text = text.replace('msgstr "Otros"', 'msgstr "<b>Otros</b>"', 1)
    po.write_text(text, encoding="utf-8")
    untranslated = text[: text.index('msgctxt "bands/A/label"')].count("\n") + 2  # the line of its msgid
    code, lines = validate(copy)
    assert code == 1
    assert f"{po}:{untranslated}: untranslated: 'bands/A/label'" in lines
    assert f"{po}:0: missing: 'strengths/weak/label' has no entry (update the file from the template)" in lines
    assert f"{po}:{orphan}: orphaned: 'items/XX-9/question' is not a text of the catalogue" in lines
    assert any(
        line.startswith(f"{po}:")
        and "'assistance_kinds/other/label': the translation must keep the placeholders" in line
        for line in lines
    )
    assert all(line.startswith(str(po)) for line in lines), lines  # French and Arabic are untouched


def test_a_file_that_is_not_po_is_refused_with_its_line(copy: Path) -> None:
    po = copy.parent / TRANSLATIONS_DIR / "ar.po"
    po.write_text('msgid "a"\nmsgstr "b"\nthis is not a PO line\n', encoding="utf-8")
    code, lines = validate(copy)
    assert code == 1
    assert any(line.startswith(f"{po}:3: not a PO file") for line in lines), lines


def test_a_catalogue_without_translations_is_english_only_and_valid(tmp_path: Path) -> None:
    shutil.copy(CATALOGUE, tmp_path / "obligations.yaml")
    code, lines = validate(tmp_path / "obligations.yaml")
    assert code == 0 and "translations" not in lines[0]


def test_a_translation_changes_the_words_never_the_edition(english: Any) -> None:
    for language in LANGUAGES:
        found = read_translation(translations_dir(CATALOGUE) / f"{language}.po", language)
        other = localized(english, found)
        assert other.hash == english.hash and other.to_json() == english.to_json()
        assert other.edition is english.edition  # what is scored is the English edition's
        assert [(s.id, s.value) for s in other.scale] == [(s.id, s.value) for s in english.scale]
        assert [(o.id, o.weight, o.items) for o in other.obligations] == [
            (o.id, o.weight, o.items) for o in english.obligations
        ]
        assert other.scale[0].label != english.scale[0].label
        assert other.items[0].question != english.items[0].question
        assert other.translation_revision == found.revision
        assert other.clause_translation("ga-1988.1") == "unofficial"
        assert other.original.obligation_by_id["ga-1988.1"].text == english.obligation_by_id["ga-1988.1"].text
    assert english.clause_translation("ga-1988.1") == "original"


def test_an_official_translation_is_recorded_with_its_source(copy: Path, english: Any) -> None:
    po = copy.parent / TRANSLATIONS_DIR / "fr.po"
    text = po.read_text(encoding="utf-8")
    marker = 'msgctxt "obligations/ecosoc-2006.1/text"'
    text = text.replace(marker, "# official: E/RES/2006/27\n" + marker, 1)
    po.write_text(text, encoding="utf-8")
    found = read_translation(po, "fr")
    other = localized(load_catalogue(copy), found)
    assert other.clause_translation("ecosoc-2006.1") == "official"
    assert other.official_sources["ecosoc-2006.1"] == "E/RES/2006/27"
    assert other.clause_translation("ga-1988.1") == "unofficial"
    # Only a clause can be official.
    text = text.replace('msgctxt "items/CL-1/question"', '# official: X\nmsgctxt "items/CL-1/question"', 1)
    po.write_text(text, encoding="utf-8")
    code, lines = validate(copy)
    assert code == 1 and any("'items/CL-1/question': only clause texts can be official" in line for line in lines)
