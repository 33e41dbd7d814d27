"""The offline questionnaire: an Excel workbook to fill in away from the platform, and its import.

`build_workbook` writes one sheet per catalogue section (plus an Instructions
sheet first and a hidden, protected sheet identifying the country, cycle and
catalogue edition), pre-filled with the current answers and the version of each.

`import_workbook` reads a filled-in workbook back.  The file is inspected as a
ZIP archive before any spreadsheet parser sees it (size, entry count, declared
uncompressed sizes, compression ratio, encryption, macros), then read with
openpyxl in read-only mode (which parses XML through defusedxml when it is
installed, as it is here), row by row with a bound on the number of rows.
Every row is checked; nothing is applied unless the whole file is clean, and
then everything is applied in one transaction through `services.save_answers`,
so validation, optimistic locking and the audit trail are the form's own.

No Flask request objects here: the views, the JSON API and the command line
all call these two functions.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET
from flask import current_app, has_app_context, has_request_context
from flask_babel import force_locale, gettext
from flask_babel import ngettext as _ngettext
from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment as CellComment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

from . import services
from .catalogue import Catalogue
from .catalogue_store import catalogue_for, in_language
from .catalogue_texts import LANGUAGES
from .exports import starts_like_formula
from .i18n import current_language, format_number, text_direction
from .models import Answer, Assessment, User, utcnow
from .services import evidence
from .services.answers import (
    MAX_ASSISTANCE,
    MAX_DESCRIPTION,
    MAX_JUSTIFICATION,
    AnswerInput,
    Edit,
    clean_text,
)
from .services.errors import InvalidAnswer, ServiceError, StaleAnswer

FORMAT = "thbq-offline-questionnaire/1"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Limits on what an upload may be.  A full questionnaire at the maximum length of
# every field is about 4 MB of XML; a normal one is well under 100 kB.
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_ZIP_ENTRIES = 500
MAX_ENTRY_BYTES = 20 * 1024 * 1024
MAX_TOTAL_BYTES = 40 * 1024 * 1024
MAX_RATIO = 100  # uncompressed / compressed, for entries over RATIO_FLOOR
RATIO_FLOOR = 1024 * 1024
MAX_ROWS = 500  # per sheet; the largest section has a dozen items
MAX_COLUMNS = 16_384  # Excel's own limit; beyond it the file is forged
MAX_PROBLEMS = 200  # a list longer than this helps nobody

INSTRUCTIONS = (
    "Instructions"  # the instructions' sheet in workbooks made before sheets were named in the reader's language
)
META = "_platform"
HEADER_ROW = 2
FIRST_ROW = 3

_CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
_DIGEST = re.compile(r"^[0-9a-f]{20}$")
_SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")


def _(text: str, **values: Any) -> str:
    """Translate in a request (the user's language); outside one (command line), keep English."""
    if has_request_context():
        return str(gettext(text, **values))
    return text % values if values else text


def ngettext(singular: str, plural: str, num: int, **values: Any) -> str:
    """Translate a count in a request; outside one (command line), keep English."""
    if has_request_context():
        return str(_ngettext(singular, plural, num, **values))
    values.setdefault("num", num)
    return (singular if num == 1 else plural) % values


class WorkbookRefused(ServiceError):
    """The uploaded file is not a usable questionnaire (hostile or damaged)."""


class WorkbookTooLarge(WorkbookRefused):
    """The uploaded file, or what it unpacks to, is larger than the platform reads."""


# --------------------------------------------------------------------------
# The columns of a section sheet
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    width: float
    editable: bool = False
    hidden: bool = False

    @property
    def index(self) -> int:
        return [c.key for c in COLUMNS].index(self.key) + 1

    @property
    def letter(self) -> str:
        return get_column_letter(self.index)


COLUMNS = (
    Column("item", 9),
    Column("question", 42),
    Column("guidance", 48),
    Column("rating", 22, editable=True),
    Column("description", 50, editable=True),
    Column("legal_references", 30, editable=True),
    Column("evidence_links", 34, editable=True),
    Column("assistance_kind", 24, editable=True),
    Column("assistance_description", 30, editable=True),
    Column("justification", 30, editable=True),
    Column("version", 9),
    Column("digest", 22, hidden=True),
)
COLUMN = {c.key: c for c in COLUMNS}
ANSWER_FIELDS = tuple(c.key for c in COLUMNS if c.editable)


def column_headings() -> dict[str, str]:
    """Return a short name of each column by its letter (to say where a problem is)."""
    names = {
        "item": _("Item"),
        "question": _("Question"),
        "guidance": _("Guidance"),
        "rating": _("Rating"),
        "description": _("Description"),
        "legal_references": _("Legal references"),
        "evidence_links": _("Evidence links"),
        "assistance_kind": _("Technical assistance"),
        "assistance_description": _("Assistance needed"),
        "justification": _("Justification"),
        "version": _("Version"),
        "digest": _("Values as downloaded"),
    }
    return {c.letter: names[c.key] for c in COLUMNS}


def _headers() -> dict[str, str]:
    return {
        "item": _("Item"),
        "question": _("Question"),
        "guidance": _("Guidance and evidence to cite"),
        "rating": _("Rating (choose from the list)"),
        "description": _("How your country implements it"),
        "legal_references": _("Legal references (one per line)"),
        "evidence_links": _("Evidence links (one per line, http:// or https://)"),
        "assistance_kind": _("Technical assistance needed (choose from the list)"),
        "assistance_description": _("Assistance: what, and for whom"),
        "justification": _("Justification (required for “Not applicable”)"),
        "version": _("Version (do not change)"),
        "digest": _("Values as downloaded (do not change)"),
    }


# --------------------------------------------------------------------------
# Writing the workbook
# --------------------------------------------------------------------------

_THIN = Side(style="thin", color="A6ADB8")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_TOP_WRAP = Alignment(wrap_text=True, vertical="top")
_LOCKED_FILL = PatternFill("solid", fgColor="EEF0F3")
_ANSWER_FILL = PatternFill("solid", fgColor="FFFBE6")
_HEADER_FILL = PatternFill("solid", fgColor="0B4F8A")
_FONT = "Calibri"
_BODY_FONT = Font(name=_FONT, size=11)
_BOLD_FONT = Font(name=_FONT, size=11, bold=True)
_HEADER_FONT = Font(name=_FONT, bold=True, color="FFFFFF")
_TITLE_FONT = Font(name=_FONT, bold=True, size=14)
_GUIDANCE_FONT = Font(name=_FONT, size=9, color="3A414B")
_UNLOCKED = Protection(locked=False)
_LINE_HEIGHT = 15.0  # points per line of 11-point text
_MAX_ROW_HEIGHT = 409.0  # Excel's maximum


def _set_text(cell: Any, text: str) -> None:
    """Write text as text, never as a formula, whatever it starts with.

    Text a spreadsheet would read as a formula also gets Excel's quote prefix, as
    in the exports (exports.py): the cell stays text when a ministry edits it, so
    the text reads back unchanged and never runs.
    """
    cell.value = text
    if text:
        cell.data_type = "s"
        if starts_like_formula(text):
            cell.quotePrefix = True


def _lines_needed(text: str, width: float, size: float = 11) -> int:
    per_line = max(4, int(width * 1.1 * 11 / size))
    return sum(max(1, -(-len(part) // per_line)) for part in (text or "").split("\n"))


def _protect(ws: Any) -> None:
    """Lock the sheet: locked cells cannot change; columns and rows may still be resized."""
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    ws.protection.selectLockedCells = False
    ws.protection.selectUnlockedCells = False


def _safe_sheet_name(name: str, taken: set[str]) -> str:
    """A sheet's name from a title: at most Excel's 31 characters, cut at a word, unique, none of []:*?/\\."""
    base = _SHEET_NAME_BAD.sub("-", " ".join(name.split())).strip("'")
    if len(base) > 31:
        cut = base[:30].rsplit(" ", 1)[0] if " " in base[:30] else base[:30]
        base = cut.rstrip(" ,;:-–") + "…"
    base = base or "section"
    candidate, number = base, 2
    while candidate.lower() in taken:
        suffix = f" ({number})"
        candidate, number = base[: 31 - len(suffix)] + suffix, number + 1
    taken.add(candidate.lower())
    return candidate


def _guidance_text(catalogue: Catalogue, item_id: str) -> str:
    item = catalogue.item_by_id[item_id]
    parts = [item.guidance.strip()]
    if item.evidence:
        parts.append(_("Evidence to cite:") + "\n" + "\n".join(f"• {e}" for e in item.evidence))
    return "\n\n".join(p for p in parts if p)


def build_workbook(assessment: Assessment, viewer: User | None = None) -> bytes:
    """Return the assessment's questionnaire as an .xlsx pre-filled with its current answers.

    Each item's evidence files are named in a note on its evidence-links cell: those `viewer`
    may see (the country's team: all; reviewers: the shared ones), the shared ones without a viewer.
    """
    catalogue = catalogue_for(assessment.cycle)
    answers = services.answers_of(assessment)
    files = evidence.files_by_item(viewer, assessment) if viewer is not None else evidence.shared_by_item(assessment)
    headers = _headers()
    none_label = _("None")
    rating_labels = [level.label for level in catalogue.scale]
    assistance_labels = [none_label] + [kind.label for kind in catalogue.assistance_kinds]

    wb = Workbook()
    instructions = wb.worksheets[0]
    taken = {META.lower()}
    instructions.title = _safe_sheet_name(_("Instructions"), taken)
    # Each section's sheet is named by its title in the reader's language; the hidden sheet maps
    # section ids to sheet names, so a workbook is read back whatever its language.
    sheet_names = {s.id: _safe_sheet_name(s.title, taken) for s in catalogue.sections}

    _write_instructions(instructions, assessment, catalogue, sheet_names, len(answers))

    meta = wb.create_sheet(META)
    for section in catalogue.sections:
        _write_section(
            wb.create_sheet(sheet_names[section.id]),
            assessment,
            catalogue,
            section.id,
            answers,
            headers,
            none_label,
            files,
        )
    wb.move_sheet(META, offset=len(wb.sheetnames) - 1 - wb.sheetnames.index(META))

    rows: list[tuple[str, str]] = [
        ("format", FORMAT),
        ("cycle", assessment.cycle.code),
        ("country", assessment.country_iso3),
        ("edition", catalogue.hash),
        ("assessment", str(assessment.id)),
        ("status", str(assessment.status)),
        ("downloaded_at", utcnow().strftime("%Y-%m-%dT%H:%M:%SZ")),
        ("none_label", none_label),
        ("sheet:instructions", instructions.title),
    ]
    rows += [(f"sheet:{sid}", name) for sid, name in sheet_names.items()]
    rows += [(f"header:{key}", label) for key, label in headers.items()]
    for number, (key, value) in enumerate(rows, 1):
        _set_text(meta.cell(number, 1), key)
        _set_text(meta.cell(number, 2), value)
    for number, label in enumerate(rating_labels, 1):
        _set_text(meta.cell(number, 4), label)
    for number, label in enumerate(assistance_labels, 1):
        _set_text(meta.cell(number, 5), label)
    wb.defined_names["RatingChoices"] = DefinedName("RatingChoices", attr_text=f"'{META}'!$D$1:$D${len(rating_labels)}")
    wb.defined_names["AssistanceChoices"] = DefinedName(
        "AssistanceChoices", attr_text=f"'{META}'!$E$1:$E${len(assistance_labels)}"
    )
    _protect(meta)
    meta.sheet_state = "veryHidden"

    if text_direction(current_language()) == "rtl":
        for sheet in wb.worksheets:  # Arabic: the sheets read from right to left, column A on the right
            sheet.sheet_view.rightToLeft = True
            for row in sheet.iter_rows():
                for cell in row:
                    # The platform's texts run right to left (bullets and punctuation in place); the
                    # answer cells take the direction of what is typed in them, which may be any language.
                    was = cell.alignment
                    cell.alignment = Alignment(
                        horizontal=was.horizontal,
                        vertical=was.vertical,
                        wrap_text=was.wrap_text,
                        readingOrder=0 if cell.protection.locked is False else 2,
                    )
    wb.security = WorkbookProtection(lockStructure=True)
    wb.active = 0
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _write_instructions(
    ws: Any,
    assessment: Assessment,
    catalogue: Catalogue,
    sheet_names: Mapping[str, str],
    answered: int,
) -> None:
    ws.column_dimensions["A"].width = 34
    ws.column_dimensions["B"].width = 95
    ws.sheet_view.showGridLines = False
    row = 1

    def put(label: str, value: str = "", *, bold: bool = False, title: bool = False, wide: bool = False) -> None:
        """Write a row: a label and its value, a title, or one wide paragraph."""
        nonlocal row
        a, b = ws.cell(row, 1), ws.cell(row, 2)
        _set_text(a, label)
        _set_text(b, value)
        a.alignment = b.alignment = _TOP_WRAP
        a.font = _TITLE_FONT if title else _BOLD_FONT if bold else _BODY_FONT
        b.font = _BODY_FONT
        if title or wide:
            ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
        if title:
            ws.row_dimensions[row].height = 24
        else:
            lines = (
                _lines_needed(label, 125)
                if wide
                else max(_lines_needed(value, 92), _lines_needed(label, 30 if bold else 33))
            )
            if lines > 1:
                ws.row_dimensions[row].height = min(_MAX_ROW_HEIGHT, lines * _LINE_HEIGHT)
        row += 1

    put(
        _(
            "Self-assessment questionnaire: %(country)s, cycle %(cycle)s",
            country=assessment.country.name,
            cycle=assessment.cycle.code,
        ),
        title=True,
    )
    row += 1
    put(_("Country"), f"{assessment.country.name} ({assessment.country_iso3})", bold=True)
    put(_("Cycle"), f"{assessment.cycle.code} · {assessment.cycle.title}".rstrip(" ·"), bold=True)
    put(_("Catalogue edition"), catalogue.hash, bold=True)
    put(_("Downloaded (UTC)"), utcnow().strftime("%Y-%m-%d %H:%M"), bold=True)
    put(
        _("Answers at download"),
        _("%(a)d of %(t)d items answered", a=answered, t=len(catalogue.items)),
        bold=True,
    )
    row += 1
    put(_("How to fill in this file"), title=True)
    steps = [
        _(
            "Each section of the questionnaire has its own sheet (tabs at the bottom). "
            "Answer in the yellow cells; the grey cells (item, question, guidance, version) are "
            "locked."
        ),
        _("Rating and technical assistance: choose from the drop-down list in the cell."),
        _(
            "Legal references and evidence links: one per line (Alt+Enter starts a new line "
            "in Excel; Ctrl+Enter in LibreOffice). Links must start with http:// or https://."
        ),
        _("“Not applicable” needs a justification saying why the item cannot apply."),
        _(
            "If your country needs technical assistance, choose its kind and describe what is "
            "needed and for whom; otherwise leave “None”."
        ),
        _("Type text, not formulas: cells holding a formula are refused."),
        _(
            "Limits: description %(d)s characters, justification %(j)s, assistance %(a)s.",
            d=f"{MAX_DESCRIPTION:,}",
            j=f"{MAX_JUSTIFICATION:,}",
            a=f"{MAX_ASSISTANCE:,}",
        ),
        _(
            "Do not rename, add or delete sheets or columns. Save the file as Excel (.xlsx), "
            "not .xlsm or .xls, and keep it under %(mb)d MB.",
            mb=MAX_UPLOAD_BYTES // (1024 * 1024),
        ),
        _(
            "Upload the file on the assessment's page (“Upload a filled-in questionnaire”). "
            "Every row is checked first: if anything needs correcting, nothing is saved and "
            "each problem is listed by sheet, row and column."
        ),
        _(
            "Answers changed on the platform after you downloaded this file are never "
            "overwritten: rows you changed that were also changed online are shown side by "
            "side for you to decide; rows you left alone keep the platform's newer answer."
        ),
    ]
    for number, step in enumerate(steps, 1):
        put(f"{number}. {step}", wide=True)
    row += 1
    put(_("Rating scale"), title=True)
    for level in catalogue.scale:
        put(level.label, level.description, bold=True)
    row += 1
    put(_("Kinds of technical assistance"), title=True)
    put(_("None"), _("No assistance needed for this item."), bold=True)
    for kind in catalogue.assistance_kinds:
        put(kind.label, bold=True)
    row += 1
    put(_("Sheets"), title=True)
    for section in catalogue.sections:
        put(
            sheet_names[section.id],
            f"{section.title} (" + ngettext("%(num)d item", "%(num)d items", len(catalogue.items_in(section.id))) + ")",
            bold=True,
        )
    ws.print_options.horizontalCentered = False
    _print_setup(ws, "portrait", pages_wide=1)
    _protect(ws)


def _drop_down(ws: Any, key: str, choices: str, last_row: int, *, title: str, error: str, prompt: str) -> None:
    """Make a column's answer cells a drop-down of the named range `choices`, refusing anything else."""
    validation = DataValidation(
        type="list",
        formula1=f"={choices}",
        allow_blank=True,
        showErrorMessage=True,
        errorStyle="stop",
        errorTitle=title,
        error=error,
        showInputMessage=True,
        promptTitle=title,
        prompt=prompt,
    )
    letter = COLUMN[key].letter
    validation.add(f"{letter}{FIRST_ROW}:{letter}{last_row}")
    ws.add_data_validation(validation)


def _print_setup(ws: Any, orientation: str, pages_wide: int) -> None:
    """A4 pages as wide as `pages_wide`, as long as needed, with the sheet name and page in the footer."""
    ws.page_setup.orientation = orientation
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = pages_wide
    ws.page_setup.fitToHeight = 0
    ws.page_margins.top = ws.page_margins.bottom = 0.9
    ws.page_margins.header = ws.page_margins.footer = 0.35
    ws.oddFooter.center.text = "&A · " + _("page") + " &P / &N"


def _write_section(
    ws: Any,
    assessment: Assessment,
    catalogue: Catalogue,
    section_id: str,
    answers: Mapping[str, Answer],
    headers: Mapping[str, str],
    none_label: str,
    files: Mapping[str, Sequence[evidence.FileInfo]] | None = None,
) -> None:
    section = catalogue.section_by_id[section_id]
    items = catalogue.items_in(section_id)
    last_row = FIRST_ROW + len(items) - 1

    title = ws.cell(1, 1)
    _set_text(title, f"{section.title} · {assessment.country.name} · {assessment.cycle.code}")
    title.font = _TITLE_FONT
    title.alignment = Alignment(vertical="center")
    ws.row_dimensions[1].height = 24
    for column in COLUMNS:
        dim = ws.column_dimensions[column.letter]
        dim.width = column.width
        if column.hidden:
            dim.hidden = True
        cell = ws.cell(HEADER_ROW, column.index)
        _set_text(cell, headers[column.key])
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        cell.alignment = _TOP_WRAP
        cell.border = _BORDER
    ws.row_dimensions[HEADER_ROW].height = 3.4 * _LINE_HEIGHT

    kinds = {k.id: k.label for k in catalogue.assistance_kinds}
    for offset, item in enumerate(items):
        row = FIRST_ROW + offset
        answer = answers.get(item.id)
        values = AnswerInput.of(answer)
        level = catalogue.level_by_id.get(values.rating or "")
        texts = {
            "item": item.id,
            "question": item.question,
            "guidance": _guidance_text(catalogue, item.id),
            "rating": level.label if level else (values.rating or ""),
            "description": values.description,
            "legal_references": "\n".join(values.legal_references),
            "evidence_links": "\n".join(values.evidence_links),
            "assistance_kind": kinds.get(values.assistance_kind or "", values.assistance_kind or "")
            if values.assistance_kind
            else none_label,
            "assistance_description": values.assistance_description,
            "justification": values.justification,
            "digest": values.digest(),
        }
        lines: float = 1
        for column in COLUMNS:
            cell = ws.cell(row, column.index)
            if column.key == "version":
                cell.value = answer.version if answer else 0
                cell.alignment = Alignment(vertical="top", horizontal="center")
            else:
                _set_text(cell, texts[column.key])
                cell.alignment = _TOP_WRAP
            cell.border = _BORDER
            if column.editable:
                cell.protection = _UNLOCKED
                cell.fill = _ANSWER_FILL
            else:
                cell.fill = _LOCKED_FILL
            cell.font = (
                _BOLD_FONT if column.key == "item" else _GUIDANCE_FONT if column.key == "guidance" else _BODY_FONT
            )
            if not column.hidden and column.key != "version":
                size = 9 if column.key == "guidance" else 11
                lines = max(
                    lines,
                    _lines_needed(texts[column.key], column.width, size) * (0.82 if size == 9 else 1),
                )
        # Room to type: at least four lines in every row, and one spare.
        ws.row_dimensions[row].height = min(_MAX_ROW_HEIGHT, (max(4, lines) + 1) * _LINE_HEIGHT)
        _note_evidence(ws.cell(row, COLUMN["evidence_links"].index), (files or {}).get(item.id, ()))

    if items:
        _drop_down(
            ws,
            "rating",
            "RatingChoices",
            last_row,
            title=_("Rating"),
            error=_("Choose a rating from the list."),
            prompt=_("Choose from the list. “Not applicable” needs a justification."),
        )
        _drop_down(
            ws,
            "assistance_kind",
            "AssistanceChoices",
            last_row,
            title=_("Technical assistance"),
            error=_("Choose a kind of assistance from the list, or “%(none)s”.", none=none_label),
            prompt=_("Choose a kind, then describe what is needed in the next column."),
        )
        for key, limit in (
            ("description", MAX_DESCRIPTION),
            ("justification", MAX_JUSTIFICATION),
            ("assistance_description", MAX_ASSISTANCE),
        ):
            length = DataValidation(
                type="textLength",
                operator="lessThanOrEqual",
                formula1=str(limit),
                allow_blank=True,
                showErrorMessage=True,
                errorStyle="stop",
                errorTitle=_("Too long"),
                error=_("At most %(n)s characters.", n=f"{limit:,}"),
            )
            length.add(f"{COLUMN[key].letter}{FIRST_ROW}:{COLUMN[key].letter}{last_row}")
            ws.add_data_validation(length)

    ws.freeze_panes = f"B{FIRST_ROW}"
    # The title row stays on screen; on paper the page header carries it, so that the
    # item column repeated on every page does not cut it.
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    ws.print_title_cols = "A:A"
    ws.print_area = f"A{HEADER_ROW}:{COLUMN['version'].letter}{max(last_row, HEADER_ROW)}"
    _print_setup(ws, "landscape", pages_wide=2)
    ws.page_margins.left = ws.page_margins.right = 0.4
    # "&" starts a field code in page headers (&P, &A): a literal one is written "&&".
    ws.oddHeader.left.text = (f"{section.title} · {assessment.country.name} · {assessment.cycle.code}").replace(
        "&", "&&"
    )
    ws.oddHeader.left.font = f"{_FONT},Bold"
    ws.oddHeader.right.text = _("Sheet %(sheet)s", sheet="&A")
    _protect(ws)


def _note_evidence(cell: Any, files: Sequence[evidence.FileInfo]) -> None:
    """Name an item's evidence files in a note on its evidence-links cell (read only: files change on the platform)."""
    if not files:
        return
    lines = [
        "• " + (f"{f.title} ({f.filename})" if f.shared else _("%(file)s, internal", file=f"{f.title} ({f.filename})"))
        for f in files
    ]
    text = _("Files attached on the platform (add or remove them there):") + "\n" + "\n".join(lines)
    cell.comment = CellComment(
        text, _("THB self-assessment platform"), width=320, height=min(400, 40 + 18 * len(lines))
    )


# --------------------------------------------------------------------------
# The report of an import
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One thing to correct in the file, at a sheet, row and column where known."""

    sheet: str | None
    row: int | None
    column: str | None  # a column letter, e.g. "D"
    message: str
    item: str | None = None  # the checklist item of that row, when known

    @property
    def cell(self) -> str | None:
        """Return the cell reference (e.g. "D5"), the row ("5") or None."""
        if self.row is None:
            return None
        return f"{self.column or ''}{self.row}" if self.column else str(self.row)

    @property
    def location(self) -> str:
        """Return where, as SHEET!CELL (or less when less is known)."""
        if self.sheet is None:
            return ""
        return f"{self.sheet}!{self.cell}" if self.cell else self.sheet

    def as_dict(self) -> dict[str, Any]:
        return {
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "cell": self.cell,
            "item": self.item,
            "message": self.message,
        }


@dataclass(frozen=True)
class Conflict:
    """A row changed in the file whose answer also changed on the platform after download."""

    item: str
    sheet: str
    row: int
    file_values: AnswerInput
    file_version: int
    platform_values: AnswerInput
    platform_version: int
    platform_by: str | None = None
    platform_at: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "item": self.item,
            "sheet": self.sheet,
            "row": self.row,
            "file": {"version": self.file_version, **self.file_values.as_dict()},
            "platform": {
                "version": self.platform_version,
                **self.platform_values.as_dict(),
                "updated_by": self.platform_by,
                "updated_at": self.platform_at.isoformat() if self.platform_at else None,
            },
        }


@dataclass
class ImportReport:
    """What an import found and did.  `ok` means the file was clean and has been applied."""

    applied: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    # Rows the file left as downloaded while the platform's answer changed meanwhile:
    # the platform's newer answer is kept (they are also in `unchanged`).
    kept_platform: list[str] = field(default_factory=list)
    rows: int = 0  # rows read, with an item id

    @property
    def ok(self) -> bool:
        return not self.problems and not self.conflicts

    def problems_by_sheet(self) -> list[tuple[str | None, list[Problem]]]:
        """Return the problems grouped by sheet, in the order they were found."""
        groups: dict[str | None, list[Problem]] = {}
        for problem in self.problems:
            groups.setdefault(problem.sheet, []).append(problem)
        return list(groups.items())

    def as_dict(self) -> dict[str, Any]:
        """Return the report as JSON-ready data (for the API)."""
        return {
            "ok": self.ok,
            "applied": list(self.applied),
            "unchanged": list(self.unchanged),
            "kept_platform": list(self.kept_platform),
            "problems": [p.as_dict() for p in self.problems],
            "conflicts": [c.as_dict() for c in self.conflicts],
        }


# --------------------------------------------------------------------------
# Inspecting the file before parsing it
# --------------------------------------------------------------------------


def max_upload_bytes() -> int:
    """Return the largest questionnaire file accepted (SPREADSHEET_MAX_BYTES, default 5 MB)."""
    if has_app_context():
        return int(current_app.config.get("SPREADSHEET_MAX_BYTES") or MAX_UPLOAD_BYTES)
    return MAX_UPLOAD_BYTES


def _megabytes(size: int) -> str:
    value = round(size / (1024 * 1024), 1)
    return format_number(value, 0 if value == int(value) else 1)


def too_large_message(size: int | None = None) -> str:
    """Return the message for a file over the upload limit."""
    limit = _megabytes(max_upload_bytes())
    if size is None:
        return _(
            "The file is larger than %(limit)s MB, the most the platform accepts for a "
            "questionnaire. Remove images or other additions and save it again as .xlsx.",
            limit=limit,
        )
    return _(
        "The file is %(size)s MB; the platform accepts questionnaires of up to %(limit)s MB. "
        "Remove images or other additions and save it again as .xlsx.",
        size=_megabytes(size),
        limit=limit,
    )


def inspect_archive(data: bytes) -> None:
    """Refuse anything that is not a plain, reasonably sized .xlsx, before a parser opens it."""
    if len(data) > max_upload_bytes():
        raise WorkbookTooLarge(too_large_message(len(data)))
    if not data:
        raise WorkbookRefused(_("The file is empty."))
    if data.startswith(_CFB_MAGIC):
        raise WorkbookRefused(
            _(
                "The file is password-protected (encrypted) or in the old Excel 97–2003 (.xls) "
                "format. Remove the password (File › Info › Protect Workbook › Encrypt with "
                "Password, cleared) and save it as an Excel workbook (.xlsx), then upload it again."
            )
        )
    if not data.startswith(_ZIP_MAGIC):
        kind = _("a PDF document") if data.startswith(b"%PDF") else None
        if kind:
            raise WorkbookRefused(
                _(
                    "The file is %(kind)s, not an Excel workbook (.xlsx). Upload "
                    "the questionnaire downloaded from the platform.",
                    kind=kind,
                )
            )
        raise WorkbookRefused(
            _(
                "The file is not an Excel workbook (.xlsx). Upload the "
                "questionnaire downloaded from the platform, saved as .xlsx."
            )
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError):
        raise WorkbookRefused(
            _(
                "The file is damaged: it cannot be read as an Excel workbook "
                "(.xlsx). Save it again from Excel or LibreOffice."
            )
        ) from None
    with archive:
        if len(entries) > MAX_ZIP_ENTRIES:
            raise WorkbookRefused(
                _(
                    "The file holds %(n)d parts; a questionnaire has a few dozen. "
                    "It is not a questionnaire from the platform.",
                    n=len(entries),
                )
            )
        total = 0
        for entry in entries:
            if entry.flag_bits & 0x1:
                raise WorkbookRefused(
                    _("The file is encrypted. Remove the password and save it as an Excel workbook (.xlsx).")
                )
            total += entry.file_size
            ratio = entry.file_size / entry.compress_size if entry.compress_size else float("inf")
            if (
                entry.file_size > MAX_ENTRY_BYTES
                or total > MAX_TOTAL_BYTES
                or (entry.file_size > RATIO_FLOOR and ratio > MAX_RATIO)
            ):
                raise WorkbookRefused(
                    _(
                        "The file would expand to far more data than a questionnaire holds (a "
                        "compressed “ZIP bomb”, or a sheet filled far beyond the questions). It "
                        "was not opened."
                    ),
                    status=422,
                )
        names = {e.filename for e in entries}
        lowered = {n.lower() for n in names}
        if "mimetype" in lowered and any(n.startswith("content.xml") for n in lowered):
            raise WorkbookRefused(
                _(
                    "The file is an OpenDocument spreadsheet (.ods). Save it as an "
                    "Excel workbook (.xlsx) and upload it again."
                )
            )
        if any(n.endswith("vbaproject.bin") or n.endswith(".bin") and "vba" in n for n in lowered):
            raise WorkbookRefused(
                _(
                    "The file contains macros (a macro-enabled workbook, .xlsm). "
                    "Save it as an Excel workbook (.xlsx), without macros, and "
                    "upload it again."
                )
            )
        if "[Content_Types].xml" not in names:
            raise WorkbookRefused(
                _(
                    "The file is not an Excel workbook (.xlsx). Upload the "
                    "questionnaire downloaded from the platform, saved as .xlsx."
                )
            )
        try:
            types = SafeET.fromstring(archive.read("[Content_Types].xml"))
        except Exception as error:  # defusedxml's refusals and any malformed XML alike
            raise _unreadable(error) from None
        content_types = " ".join((el.get("ContentType") or "") for el in types.iter() if el.get("ContentType")).lower()
        if "macroenabled" in content_types or "vbaproject" in content_types:
            raise WorkbookRefused(
                _(
                    "The file contains macros (a macro-enabled workbook, .xlsm). "
                    "Save it as an Excel workbook (.xlsx), without macros, and "
                    "upload it again."
                )
            )
        if "spreadsheetml.sheet.main" not in content_types and "spreadsheetml.template.main" not in content_types:
            if "sheet.binary" in content_types:
                message = _(
                    "The file is an Excel binary workbook (.xlsb). Save it as an Excel "
                    "workbook (.xlsx) and upload it again."
                )
            else:
                message = _(
                    "The file is not an Excel workbook (.xlsx). Upload the "
                    "questionnaire downloaded from the platform, saved as .xlsx."
                )
            raise WorkbookRefused(message)


# --------------------------------------------------------------------------
# Reading the workbook
# --------------------------------------------------------------------------


@dataclass
class _Row:
    sheet: str
    row: int
    section: str
    item: str
    values: AnswerInput
    version: int
    original: str | None


def _normal(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def _is_formula(cell: Any) -> bool:
    return getattr(cell, "data_type", None) == "f" or isinstance(
        getattr(cell, "value", None), (ArrayFormula, DataTableFormula)
    )


def _shown(value: Any) -> str:
    text = str(value.text or "") if isinstance(value, ArrayFormula) else str(value)
    return text if len(text) <= 60 else text[:57] + "…"


class _Reader:
    def __init__(self, assessment: Assessment, catalogue: Catalogue) -> None:
        self.assessment = assessment
        self.catalogue = catalogue
        self.problems: list[Problem] = []
        self.item: str | None = None  # the checklist item of the row being read, once known
        # A workbook may come back in another language than the reader's (downloaded in French,
        # uploaded by a colleague reading English): its ids and labels in every language are read.
        self.ratings: dict[str, str] = {}
        self.kinds: dict[str, str] = {}
        self.nones = {"none"}
        for language in ("en", *LANGUAGES):
            other = in_language(catalogue.original, language)
            self.ratings.update({_normal(s.label): s.id for s in other.scale})
            self.kinds.update({_normal(k.label): k.id for k in other.assistance_kinds})
            with force_locale(language):
                self.nones.add(_normal(_("None")))
        self.ratings.update({_normal(s.id): s.id for s in catalogue.scale})
        self.kinds.update({_normal(k.id): k.id for k in catalogue.assistance_kinds})

    def problem(self, sheet: str | None, row: int | None, column: str | None, message: str) -> None:
        self.problems.append(Problem(sheet, row, column, message, item=self.item))
        if len(self.problems) >= MAX_PROBLEMS:
            raise _TooManyProblems

    def rows_of(self, ws: Any, columns: int) -> Iterable[tuple[int, tuple[Any, ...]]]:
        """Yield (row number, cells) with a hard bound on the number of rows."""
        declared = ws.max_row or 0
        if declared > MAX_ROWS:
            raise WorkbookRefused(
                _(
                    "The sheet “%(sheet)s” has %(rows)s rows; a questionnaire sheet has at most "
                    "%(max)d. It was not read.",
                    sheet=ws.title,
                    rows=f"{declared:,}",
                    max=MAX_ROWS,
                )
            )
        if (ws.max_column or 0) > MAX_COLUMNS:
            raise WorkbookRefused(
                _(
                    "The sheet “%(sheet)s” is larger than Excel allows; the file is damaged.",
                    sheet=ws.title,
                )
            )
        ws.reset_dimensions()  # read what is there, not what the file claims
        for number, cells in enumerate(ws.iter_rows(min_col=1, max_col=columns), 1):
            if number > MAX_ROWS:
                raise WorkbookRefused(
                    _(
                        "The sheet “%(sheet)s” has more than %(max)d rows; a questionnaire sheet "
                        "has at most %(max)d. It was not read.",
                        sheet=ws.title,
                        max=MAX_ROWS,
                    )
                )
            yield number, cells

    # Reading one cell ------------------------------------------------------
    def text(self, sheet: str, row: int, key: str, cell: Any) -> str | None:
        """Return the cell's text, or None after recording why it is not text."""
        letter = COLUMN[key].letter
        value = getattr(cell, "value", None)
        if _is_formula(cell):
            self.problem(
                sheet,
                row,
                letter,
                _(
                    "This cell holds a formula (%(formula)s). Type the text itself: formulas are "
                    "not accepted in answers.",
                    formula=_shown(value),
                ),
            )
            return None
        if value is None:
            return ""
        if getattr(cell, "data_type", None) == "e":
            self.problem(
                sheet,
                row,
                letter,
                _("This cell shows an error (%(value)s) instead of text.", value=_shown(value)),
            )
            return None
        if isinstance(value, bool):
            self.problem(sheet, row, letter, _("This cell holds TRUE/FALSE where text belongs."))
            return None
        if isinstance(value, datetime | date | time | timedelta):
            self.problem(
                sheet,
                row,
                letter,
                _(
                    "This cell holds a date or time where text belongs (the spreadsheet turned "
                    "what was typed into a date). Format the cell as text and type it again."
                ),
            )
            return None
        if isinstance(value, float):
            return str(int(value)) if value.is_integer() else repr(value)
        if isinstance(value, int):
            return str(value)
        if isinstance(value, str):
            return value
        self.problem(sheet, row, letter, _("This cell does not hold text."))
        return None

    def version(self, sheet: str, row: int, cell: Any) -> int | None:
        letter = COLUMN["version"].letter
        value = getattr(cell, "value", None)
        if _is_formula(cell):
            self.problem(
                sheet,
                row,
                letter,
                _("The version cell holds a formula; it must keep the number written at download."),
            )
            return None
        if isinstance(value, bool):
            value = None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value.strip())
        if not isinstance(value, int) or value < 0:
            self.problem(
                sheet,
                row,
                letter,
                _(
                    "The version of this answer is missing or not a whole number (%(value)s). It "
                    "must keep the number written at download; download a fresh copy if it was "
                    "lost.",
                    value=_shown(value) if value is not None else _("empty"),
                ),
            )
            return None
        return value

    # Reading one row -------------------------------------------------------
    def row(self, sheet: str, row: int, section: str, cells: tuple[Any, ...], none_label: str) -> _Row | None:
        by_key = {c.key: cells[c.index - 1] if c.index - 1 < len(cells) else None for c in COLUMNS}
        self.item = None
        raw_item = self.text(sheet, row, "item", by_key["item"])
        item = clean_text(raw_item) if raw_item is not None else None
        self.item = item if item in self.catalogue.item_by_id else None
        texts = {key: self.text(sheet, row, key, by_key[key]) for key in ANSWER_FIELDS}
        if raw_item is None:
            return None
        if not item:
            if any(clean_text(t) for t in texts.values() if t):
                self.problem(
                    sheet,
                    row,
                    COLUMN["item"].letter,
                    _(
                        "This row has answers but no item id. Answers belong in the rows of their "
                        "items; rows cannot be added."
                    ),
                )
            return None
        found = self.catalogue.item_by_id.get(item)
        if found is None:
            self.problem(
                sheet,
                row,
                COLUMN["item"].letter,
                _(
                    "There is no checklist item “%(item)s” in this cycle's questionnaire.",
                    item=item[:40],
                ),
            )
            return None
        if found.section != section:
            self.problem(
                sheet,
                row,
                COLUMN["item"].letter,
                _(
                    "Item %(item)s belongs to the section “%(section)s”, not to this sheet. "
                    "Answer it on its own sheet.",
                    item=item,
                    section=self.catalogue.section_by_id[found.section].title,
                ),
            )
            return None
        version = self.version(sheet, row, by_key["version"])
        digest_cell = by_key["digest"]
        digest = getattr(digest_cell, "value", None)
        original = digest.strip() if isinstance(digest, str) and _DIGEST.match(digest.strip()) else None
        reported = {key for key, text in texts.items() if text is None}
        values = self.values(sheet, row, {k: t or "" for k, t in texts.items()}, none_label, reported)
        if values is None or reported or version is None:
            return None
        return _Row(sheet, row, section, item, values, version, original)

    def values(
        self, sheet: str, row: int, texts: Mapping[str, str], none_label: str, reported: set[str]
    ) -> AnswerInput | None:
        """Turn a row's texts into an answer; record every problem (beyond `reported` fields)."""
        catalogue = self.catalogue
        failed = False
        rating_text = clean_text(texts["rating"])
        rating: str | None = None
        if rating_text:
            rating = self.ratings.get(_normal(rating_text))
            if rating is None:
                failed = True
                reported.add("rating")
                self.problem(
                    sheet,
                    row,
                    COLUMN["rating"].letter,
                    _(
                        "“%(value)s” is not on the rating scale. Choose one of: %(allowed)s.",
                        value=rating_text[:60],
                        allowed="; ".join(level.label for level in catalogue.scale),
                    ),
                )
        kind_text = clean_text(texts["assistance_kind"])
        kind: str | None = None
        if kind_text and _normal(kind_text) not in self.nones | {_normal(none_label)}:
            kind = self.kinds.get(_normal(kind_text))
            if kind is None:
                failed = True
                reported.update({"assistance_kind", "assistance_description"})
                self.problem(
                    sheet,
                    row,
                    COLUMN["assistance_kind"].letter,
                    _(
                        "“%(value)s” is not a kind of technical assistance. Choose one of: %(allowed)s.",
                        value=kind_text[:60],
                        allowed="; ".join([none_label] + [k.label for k in catalogue.assistance_kinds]),
                    ),
                )
        if kind is None and "assistance_kind" not in reported and clean_text(texts["assistance_description"]):
            failed = True
            reported.add("assistance_description")
            self.problem(
                sheet,
                row,
                COLUMN["assistance_description"].letter,
                _(
                    "Assistance is described here but its kind is “%(none)s”. Choose the kind of "
                    "assistance needed, or clear this cell.",
                    none=none_label,
                ),
            )
        values = services.make_input(
            rating=rating,
            description=texts["description"],
            legal_references=texts["legal_references"],
            evidence_links=texts["evidence_links"],
            assistance_kind=kind,
            assistance_description=texts["assistance_description"],
            justification=texts["justification"],
        )
        for name, message in services.validate(values, catalogue).items():
            if name not in reported:
                failed = True
                self.problem(sheet, row, COLUMN[name].letter, message)
        return None if failed else values


class _TooManyProblems(Exception):
    pass


def _meta_of(wb: Any, reader: _Reader) -> dict[str, str]:
    if META not in wb.sheetnames:
        raise WorkbookRefused(
            _(
                "This workbook is not a questionnaire downloaded from the platform (its "
                "identification is missing). Download the questionnaire from the assessment's "
                "page, fill it in and upload that file."
            )
        )
    meta: dict[str, str] = {}
    for _number, cells in reader.rows_of(wb[META], 2):
        key, value = (getattr(c, "value", None) for c in (tuple(cells) + (None, None))[:2])
        if isinstance(key, str) and isinstance(value, str | int):
            meta[key] = str(value)
    if meta.get("format") != FORMAT:
        raise WorkbookRefused(
            _(
                "This workbook is not a questionnaire downloaded from the platform, or it comes "
                "from an older version of it. Download a fresh copy and fill it in."
            )
        )
    return meta


def _check_identity(meta: Mapping[str, str], assessment: Assessment, catalogue: Catalogue, reader: _Reader) -> bool:
    """Record a problem for each way the file belongs elsewhere; return whether it fits."""
    fits = True
    country = meta.get("country", "")
    if country.upper() != assessment.country_iso3:
        reader.problem(
            meta.get("sheet:instructions", INSTRUCTIONS),
            3,
            "B",
            _(
                "This file is the questionnaire of %(file)s; it cannot be uploaded to the "
                "assessment of %(target)s (%(iso3)s). Download %(target)s's questionnaire and "
                "use that.",
                file=country or _("another country"),
                target=assessment.country.name,
                iso3=assessment.country_iso3,
            ),
        )
        fits = False
    cycle = meta.get("cycle", "")
    if cycle != assessment.cycle.code:
        reader.problem(
            meta.get("sheet:instructions", INSTRUCTIONS),
            4,
            "B",
            _(
                "This file is for cycle %(file)s; it cannot be uploaded to cycle %(target)s. "
                "Download the questionnaire of cycle %(target)s and use that.",
                file=cycle or "?",
                target=assessment.cycle.code,
            ),
        )
        fits = False
    edition = meta.get("edition", "")
    if edition != catalogue.hash:
        reader.problem(
            meta.get("sheet:instructions", INSTRUCTIONS),
            5,
            "B",
            _(
                "This file was made from catalogue edition %(file)s, but cycle %(cycle)s uses "
                "edition %(target)s: its questions may differ. Download a fresh copy.",
                file=edition or "?",
                cycle=assessment.cycle.code,
                target=catalogue.hash,
            ),
        )
        fits = False
    return fits


def _read(assessment: Assessment, catalogue: Catalogue, data: bytes) -> tuple[list[_Row], _Reader]:
    reader = _Reader(assessment, catalogue)
    try:
        wb = load_workbook(
            io.BytesIO(data),
            read_only=True,
            data_only=False,
            keep_vba=False,
            keep_links=False,
            rich_text=False,
        )
    except Exception as error:  # damaged, Strict OOXML, forged sizes, XML entities refused
        raise _unreadable(error) from None
    rows: list[_Row] = []
    try:
        meta = _meta_of(wb, reader)
        if not _check_identity(meta, assessment, catalogue, reader):
            return rows, reader
        none_label = meta.get("none_label") or _("None")
        sections = {meta[f"sheet:{s.id}"]: s.id for s in catalogue.sections if f"sheet:{s.id}" in meta}
        expected = {meta.get("sheet:instructions", INSTRUCTIONS), META, *sections}
        for name in wb.sheetnames:
            if name not in expected:
                reader.problem(
                    name,
                    None,
                    None,
                    _(
                        "The sheet “%(sheet)s” is not part of the questionnaire, so what it holds "
                        "would be ignored. Put the answers in the sheet of their section and "
                        "delete this sheet (or rename it back if it was renamed).",
                        sheet=name,
                    ),
                )
        seen: dict[str, tuple[str, int]] = {}
        for name, section in sections.items():
            if name not in wb.sheetnames:
                continue  # a deleted section sheet changes nothing
            ws = wb[name]
            for number, cells in reader.rows_of(ws, len(COLUMNS)):
                reader.item = None
                if number < HEADER_ROW:
                    continue
                if number == HEADER_ROW:
                    for column in COLUMNS:
                        want = meta.get(f"header:{column.key}")
                        cell = cells[column.index - 1] if column.index - 1 < len(cells) else None
                        got = getattr(cell, "value", None)
                        if want is not None and (got or "") != want:
                            reader.problem(
                                name,
                                number,
                                column.letter,
                                _(
                                    "The column heading was changed or the columns were moved "
                                    "(expected “%(want)s”). Download a fresh copy and copy your "
                                    "answers into it.",
                                    want=want,
                                ),
                            )
                            return rows, reader
                    continue
                parsed = reader.row(name, number, section, tuple(cells), none_label)
                if parsed is None:
                    continue
                if parsed.item in seen:
                    first_sheet, first_row = seen[parsed.item]
                    reader.problem(
                        name,
                        number,
                        COLUMN["item"].letter,
                        _(
                            "Item %(item)s appears more than once (first on sheet %(sheet)s, row %(row)d).",
                            item=parsed.item,
                            sheet=first_sheet,
                            row=first_row,
                        ),
                    )
                    continue
                seen[parsed.item] = (name, number)
                rows.append(parsed)
    except _TooManyProblems:
        reader.problems.append(
            Problem(
                None,
                None,
                None,
                _("Stopped after %(n)d problems; correct these and upload again.", n=MAX_PROBLEMS),
            )
        )
    except WorkbookRefused:
        raise
    except (
        zipfile.BadZipFile,
        OSError,
        ValueError,
        KeyError,
        EOFError,
        SyntaxError,
        TypeError,
        IndexError,
    ) as error:
        raise _unreadable(error) from None
    finally:
        wb.close()
    return rows, reader


def _unreadable(error: BaseException) -> WorkbookRefused:
    """Return the refusal for a file the parser could not (or would not) read."""
    cause: BaseException | None = error
    for _depth in range(10):  # openpyxl wraps the parser's refusal in a ValueError
        if cause is None or isinstance(cause, DefusedXmlException):
            break
        cause = cause.__cause__ or cause.__context__
    if isinstance(cause, DefusedXmlException):
        return WorkbookRefused(
            _("The file contains XML constructs that are not allowed (entity declarations). It was not read.")
        )
    return WorkbookRefused(
        _(
            "The file is damaged or not a workbook the platform can read. Save "
            "it again as an Excel workbook (.xlsx) and upload it again."
        )
    )


# --------------------------------------------------------------------------
# Importing
# --------------------------------------------------------------------------


def import_workbook(
    user: User | None,
    assessment: Assessment,
    data: bytes,
    source: str = "spreadsheet",
    *,
    replace: Mapping[str, int] | None = None,
) -> ImportReport:
    """Check a filled-in questionnaire and, if every row is clean, apply it in one transaction.

    `replace` maps item ids to the platform version the user has seen in a
    conflict and chosen to overwrite with the file's values (the choice stays
    safe: if the answer changed again since, it is a conflict again).
    Raises WorkbookRefused for files that cannot be read safely, and the
    service errors of `save_answers` when the user may not change the answers.
    """
    # Who may change what is checked before the file is opened.
    if user is None:
        services.access.require_operator_edit(assessment)
    else:
        services.access.require_edit(user, assessment)
    inspect_archive(data)
    catalogue = catalogue_for(assessment.cycle)
    rows, reader = _read(assessment, catalogue, data)
    report = ImportReport(problems=reader.problems, rows=len(rows))
    if report.problems:
        return report

    replace = dict(replace or {})
    stored = services.answers_of(assessment)
    edits: list[Edit] = []
    by_item = {r.item: r for r in rows}
    for row in rows:
        existing = stored.get(row.item)
        platform = AnswerInput.of(existing)
        version = existing.version if existing else 0
        if row.values == platform:
            report.unchanged.append(row.item)
        elif row.original is not None and row.values.digest() == row.original:
            # Not touched in the file: the platform's newer answer stays.
            report.unchanged.append(row.item)
            report.kept_platform.append(row.item)
        elif row.version == version:
            edits.append(Edit(row.item, row.values, based_on=row.version))
        elif replace.get(row.item) == version:
            edits.append(Edit(row.item, row.values, based_on=version))
        else:
            report.conflicts.append(_conflict(row, existing))
    if report.conflicts or not edits:
        return report
    try:
        result = services.save_answers(user, assessment, edits, source=source)
    except StaleAnswer as stale:
        # Saved by someone else between our reading and our writing.
        report.conflicts.append(_conflict(by_item[stale.item], stale.current))
        return report
    except InvalidAnswer as invalid:  # checked above already; kept as a safety net
        refused = by_item.get(invalid.item or "")
        for name, message in invalid.errors.items():
            report.problems.append(
                Problem(
                    refused.sheet if refused else None,
                    refused.row if refused else None,
                    COLUMN[name].letter if name in COLUMN else None,
                    message,
                )
            )
        return report
    report.applied = [answer.item_id for answer in result.saved]
    report.unchanged += list(result.unchanged)
    return report


def _conflict(row: _Row, existing: Answer | None) -> Conflict:
    return Conflict(
        item=row.item,
        sheet=row.sheet,
        row=row.row,
        file_values=row.values,
        file_version=row.version,
        platform_values=AnswerInput.of(existing),
        platform_version=existing.version if existing else 0,
        platform_by=existing.updated_by.email if existing and existing.updated_by else None,
        platform_at=existing.updated_at if existing else None,
    )


def filename_for(assessment: Assessment) -> str:
    """Return the download's file name, e.g. questionnaire-FRA-2026.xlsx."""
    cycle = re.sub(r"[^A-Za-z0-9_.-]", "-", assessment.cycle.code)
    return f"questionnaire-{assessment.country_iso3}-{cycle}.xlsx"
