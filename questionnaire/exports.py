"""Exports of a cycle: the scores (one row per country) and the full answers (country × item).

Formats: CSV, XLSX and JSON.  What a country typed may begin with a character
that a spreadsheet reads as the start of a formula (OWASP "CSV injection"):
``=``, ``+``, ``-``, ``@``, a tab or a carriage return, or their full-width
forms ``＝ ＋ － ＠``.  Such text is neutralised so that opening the file never
runs anything, while the text itself stays recoverable exactly:

- CSV: the cell gets one leading single quote (``'=1+1``).  A cell that
  already begins with a single quote gets one too, so a reader recovers the
  text by dropping one leading quote whenever a cell begins with one
  (`recover_csv_cell`).  Numbers written by the platform are not quoted.
- XLSX: every text cell is written as a string cell (never a formula) with the
  text unchanged; cells that begin with a formula character also get Excel's
  "quote prefix" style, so editing the cell in Excel keeps it text.
- JSON: text is written as it is (JSON is not opened by spreadsheets as formulas).

See docs/exports.md for the columns.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from flask_babel import gettext as _
from sqlalchemy import select

from . import services
from .catalogue import Catalogue
from .catalogue_store import catalogue_for
from .db import db
from .models import Answer, Assessment, Cycle, User
from .services.assistance import AssistanceDemand
from .services.assistance import labels as assistance_labels
from .services.participation import STATUSES, Participation, status_label
from .services.scores import scores_of_many

KINDS = ("scores", "answers")
FORMATS = {
    "csv": "text/csv",  # Flask adds "; charset=utf-8"
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
XLSX_MAX_CELL = 32_767  # Excel's limit on the characters in one cell
_SAFE_NAME = re.compile(r"[^A-Za-z0-9_-]+")


# --------------------------------------------------------------------------
# Neutralising formulas
# --------------------------------------------------------------------------


def starts_like_formula(text: str) -> bool:
    """Tell whether a spreadsheet could read this text as a formula."""
    return text.startswith(FORMULA_STARTS)


def neutralise_csv_cell(value: Any) -> Any:
    """Return a CSV cell that no spreadsheet runs as a formula (text only; numbers as they are)."""
    if isinstance(value, str) and (starts_like_formula(value) or value.startswith("'")):
        return "'" + value
    return value


def recover_csv_cell(cell: str) -> str:
    """Return the text that was exported into a CSV cell (the inverse of neutralise_csv_cell)."""
    return cell[1:] if cell.startswith("'") else cell


# --------------------------------------------------------------------------
# The tables
# --------------------------------------------------------------------------


@dataclass
class Table:
    """One exported table: a name, column ids, rows; `records` is the same as JSON objects."""

    name: str
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    records: list[dict[str, Any]] = field(default_factory=list)
    descriptions: dict[str, str] = field(default_factory=dict)


SCORE_COUNTS = ("gaps", "critical_gaps", "missing", "unsupported", "unjustified_not_applicable")
ANSWER_COLUMNS = [
    "country",
    "country_name",
    "status",
    "item",
    "section",
    *services.FIELDS,
    "carried",
    "previous_cycle",
    "previous_rating",
    "rating_change",
    "version",
    "updated_at",
    "updated_by",
]


def _time(value: datetime | None) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if value else ""


def scores_table(cycle: Cycle, assessments: Sequence[Assessment]) -> Table:
    """Return one row per country: overall, band, rank, change, sections, instruments, counts."""
    catalogue = catalogue_for(cycle)
    scores = scores_of_many(assessments)
    comparison = services.compare_cycle(cycle, list(assessments))
    by_country = {row["country"]: row for row in comparison["rows"]}
    columns = [
        "country",
        "country_name",
        "region",
        "status",
        "version",
        "rank",
        "overall",
        "band",
        "change_overall",
    ]
    columns += [f"section:{s.id}" for s in catalogue.sections]
    columns += [f"instrument:{i.id}" for i in catalogue.instruments]
    columns += list(SCORE_COUNTS)
    descriptions = {
        "country": _("ISO 3166-1 alpha-3 code"),
        "country_name": _("Country"),
        "region": _("UN M49 region"),
        "status": _("Status of the assessment"),
        "version": _("Version of the assessment"),
        "rank": _("Rank by overall score among the exported countries (ties share a rank)"),
        "overall": _("Overall score, 0–100"),
        "band": _("Band (after the core-obligation cap)"),
        "change_overall": _(
            "Change of the overall score since cycle %(cycle)s, on the items both cycles share",
            cycle=comparison["previous_cycle"] or "—",
        ),
        **{f"section:{s.id}": _("Section score, 0–100: %(title)s", title=s.title) for s in catalogue.sections},
        **{f"instrument:{i.id}": _("Instrument score, 0–100: %(title)s", title=i.title) for i in catalogue.instruments},
        "gaps": _("Obligations below full implementation"),
        "critical_gaps": _("Critical gaps"),
        "missing": _("Items without a rating"),
        "unsupported": _("Ratings that need a description or legal reference and have none"),
        "unjustified_not_applicable": _("Items rated not applicable without a justification"),
    }
    table = Table("scores", columns, descriptions=descriptions)
    for assessment in sorted(assessments, key=lambda a: a.country_iso3):
        data = scores[assessment.id]
        row = by_country.get(assessment.country_iso3, {})
        change = (row.get("change") or {}).get("overall")
        sections = {s["id"]: s["score"] for s in data["sections"]}
        instruments = {i["id"]: i["score"] for i in data["instruments"]}
        counts = data["counts"]
        record = {
            "country": assessment.country_iso3,
            "country_name": assessment.country.name,
            "region": assessment.country.region,
            "status": assessment.status,
            "version": assessment.version,
            "rank": row.get("rank"),
            "overall": data["overall"],
            "band": data["band"],
            "change_overall": change,
            "sections": {s.id: sections.get(s.id) for s in catalogue.sections},
            "instruments": {i.id: instruments.get(i.id) for i in catalogue.instruments},
            "counts": {k: counts.get(k) for k in SCORE_COUNTS},
        }
        table.records.append(record)
        table.rows.append(
            [record[c] for c in columns[:9]]
            + [record["sections"][s.id] for s in catalogue.sections]
            + [record["instruments"][i.id] for i in catalogue.instruments]
            + [record["counts"][k] for k in SCORE_COUNTS]
        )
    return table


def answers_table(cycle: Cycle, assessments: Sequence[Assessment]) -> Table:
    """Return one row per country and checklist item with everything the country answered."""
    catalogue: Catalogue = catalogue_for(cycle)
    ids = [a.id for a in assessments]
    answers: dict[int, dict[str, Answer]] = {}
    if ids:
        # One query: the answers with the user who last changed each (joined).
        for stored in db.session.scalars(select(Answer).where(Answer.assessment_id.in_(ids))):
            answers.setdefault(stored.assessment_id, {})[stored.item_id] = stored
    descriptions = {
        "country": _("ISO 3166-1 alpha-3 code"),
        "country_name": _("Country"),
        "status": _("Status of the assessment"),
        "item": _("Checklist item"),
        "section": _("Section of the questionnaire"),
        "rating": _(
            "Rating (empty: not answered). Scale: %(scale)s",
            scale=", ".join(f"{s.id} = {s.label}" for s in catalogue.scale),
        ),
        "description": _("How the country implements it"),
        "legal_references": _("Legal references, one per line"),
        "evidence_links": _("Evidence links, one per line"),
        "assistance_kind": _(
            "Technical assistance requested (empty: none). Kinds: %(kinds)s",
            kinds=", ".join(f"{a.id} = {a.label}" for a in catalogue.assistance_kinds),
        ),
        "assistance_description": _("The assistance needed"),
        "justification": _("Why the item does not apply"),
        "carried": _(
            "Carried forward from the earlier cycle: carried (not yet confirmed), confirmed (unchanged), "
            "changed; empty: answered in this cycle"
        ),
        "previous_cycle": _("The earlier cycle the country's answers are compared with (and were carried from)"),
        "previous_rating": _("The rating in that earlier cycle"),
        "rating_change": _("The rating since the earlier cycle: up, down, same; empty when either is missing"),
        "version": _("Version of the answer (0: never answered)"),
        "updated_at": _("Last changed (UTC)"),
        "updated_by": _("Who last changed it (empty: the operator's import command)"),
    }
    table = Table("answers", list(ANSWER_COLUMNS), descriptions=descriptions)
    earlier = services.carry.previous_assessments(assessments)
    earlier_ids = [e.id for e in earlier.values() if e is not None]
    before: dict[int, dict[str, str | None]] = {}
    if earlier_ids:
        rows = db.session.execute(
            select(Answer.assessment_id, Answer.item_id, Answer.rating).where(Answer.assessment_id.in_(earlier_ids))
        )
        for assessment_id, item_id, rating in rows:
            before.setdefault(assessment_id, {})[item_id] = rating
    values = {level.id: level.value for level in catalogue.scale}
    for assessment in sorted(assessments, key=lambda a: a.country_iso3):
        given = answers.get(assessment.id, {})
        previous = earlier[assessment.id]
        previous_ratings = before.get(previous.id, {}) if previous is not None else {}
        for item in catalogue.items:
            answer = given.get(item.id)
            by: User | None = answer.updated_by if answer is not None else None
            previous_rating = previous_ratings.get(item.id)
            record = {
                "country": assessment.country_iso3,
                "country_name": assessment.country.name,
                "status": assessment.status,
                "item": item.id,
                "section": item.section,
                "rating": answer.rating if answer else None,
                "description": answer.description if answer else "",
                "legal_references": list(answer.legal_references or ()) if answer else [],
                "evidence_links": list(answer.evidence_links or ()) if answer else [],
                "assistance_kind": answer.assistance_kind if answer else None,
                "assistance_description": answer.assistance_description if answer else "",
                "justification": answer.justification if answer else "",
                "carried": (answer.carry or "") if answer else "",
                "previous_cycle": previous.cycle.code if previous is not None else "",
                "previous_rating": previous_rating,
                "rating_change": rating_change(values, previous_rating, answer.rating if answer else None),
                "version": answer.version if answer else 0,
                "updated_at": _time(answer.updated_at) if answer else "",
                "updated_by": by.email if by is not None else "",
            }
            table.records.append(record)
            table.rows.append(["\n".join(v) if isinstance(v, list) else v for v in (record[c] for c in ANSWER_COLUMNS)])
    return table


def rating_change(values: dict[str, float | None], before: str | None, after: str | None) -> str:
    """Say how a rating moved on the scale: up, down, same; "" when either is missing or not applicable."""
    old, new = values.get(before or ""), values.get(after or "")
    if old is None or new is None:
        return ""
    return "up" if new > old else "down" if new < old else "same"


def tables(cycle: Cycle, assessments: Sequence[Assessment], what: str) -> list[Table]:
    """Return the tables asked for: 'scores', 'answers' or 'all'."""
    if what not in (*KINDS, "all"):
        raise ValueError(f"unknown export '{what}': use scores, answers or all")
    found = []
    if what in ("scores", "all"):
        found.append(scores_table(cycle, assessments))
    if what in ("answers", "all"):
        found.append(answers_table(cycle, assessments))
    return found


# --------------------------------------------------------------------------
# Writers
# --------------------------------------------------------------------------


def write_csv(table: Table) -> bytes:
    """Return the table as UTF-8 CSV (with a byte-order mark, so that Excel reads it as UTF-8)."""
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow([neutralise_csv_cell(c) for c in table.columns])
    for row in table.rows:
        writer.writerow(["" if v is None else neutralise_csv_cell(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _xlsx_value(sheet: Any, value: Any, cell: bool = False) -> Any:
    """Return what to append for a value: numbers as they are, text never as a formula.

    `cell` asks for a cell object whatever the value (to style it).
    """
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if not isinstance(value, str):
        return value
    # XML cannot hold control characters, and XML readers turn a carriage return into a line
    # feed: stored text never has either (every channel cleans them), so this changes nothing real.
    text = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value.replace("\r\n", "\n").replace("\r", "\n"))
    if len(text) > XLSX_MAX_CELL:
        note = _("… [cut at Excel's limit of 32,767 characters: see the JSON export for the whole text]")
        text = text[: XLSX_MAX_CELL - len(note)] + note
    formula_like = starts_like_formula(text)
    if not (formula_like or cell):
        return text  # openpyxl stores text as text unless it begins with "="
    made = WriteOnlyCell(sheet, value=text)
    made.data_type = "s"  # text, never a formula, whatever it begins with
    if formula_like:
        made.quotePrefix = True  # Excel keeps it text even when the cell is edited
    return made


def write_xlsx(found: Iterable[Table], about: dict[str, str]) -> bytes:
    """Return the tables as one workbook: one sheet each, and a sheet describing the columns."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    found = list(found)
    for table in found:
        sheet = workbook.create_sheet(table.name.capitalize())
        sheet.freeze_panes = "C2"
        header = []
        for column in table.columns:
            cell = _xlsx_value(sheet, column, cell=True)
            cell.font = Font(bold=True)
            header.append(cell)
        sheet.append(header)
        for row in table.rows:
            sheet.append([_xlsx_value(sheet, v) for v in row])
    sheet = workbook.create_sheet("About")
    for key, value in about.items():
        sheet.append([_xlsx_value(sheet, key), _xlsx_value(sheet, value)])
    for table in found:
        sheet.append([])
        sheet.append([_xlsx_value(sheet, _("Columns of the sheet %(name)s", name=table.name.capitalize()))])
        for column in table.columns:
            sheet.append([_xlsx_value(sheet, column), _xlsx_value(sheet, table.descriptions.get(column, ""))])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def write_json(found: Iterable[Table], about: dict[str, str]) -> bytes:
    """Return the tables as one JSON document: the export's facts, then each table's records."""
    document: dict[str, Any] = dict(about)
    for table in found:
        document[table.name] = table.records
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")


def about(cycle: Cycle, assessments: Sequence[Assessment]) -> dict[str, str]:
    """Return what the export is of: cycle, catalogue edition, time, countries."""
    return {
        "cycle": cycle.code,
        "edition": cycle.edition_hash,
        "generated_at": _time(datetime.now(UTC)),
        "countries": str(len(assessments)),
        "statuses": _("submitted, returned and accepted assessments (never drafts)"),
    }


@dataclass(frozen=True)
class Export:
    content: bytes
    content_type: str
    filename: str


def filename(cycle: Cycle, what: str, fmt: str) -> str:
    """Return a safe download name such as 'thb-2026-scores.csv'."""
    code = _SAFE_NAME.sub("_", cycle.code).strip("_") or "cycle"
    return f"thb-{code}-{what}.{fmt}"


def export(cycle: Cycle, assessments: Sequence[Assessment], what: str, fmt: str) -> Export:
    """Build an export of 'scores', 'answers' or 'all' in 'csv', 'xlsx' or 'json'.

    CSV holds one table: ask for 'scores' or 'answers'.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format '{fmt}': use csv, xlsx or json")
    if fmt == "csv" and what == "all":
        raise ValueError("a CSV file holds one table: export 'scores' or 'answers'")
    found = tables(cycle, assessments, what)
    facts = about(cycle, assessments)
    if fmt == "csv":
        content = write_csv(found[0])
    elif fmt == "xlsx":
        content = write_xlsx(found, facts)
    else:
        content = write_json(found, facts)
    return Export(content, FORMATS[fmt], filename(cycle, what, fmt))


# --------------------------------------------------------------------------
# Participation: every member country's status (services.participation)
# --------------------------------------------------------------------------

PARTICIPATION = "participation"
PARTICIPATION_COLUMNS = [
    "country",
    "country_name",
    "region",
    "status",
    "first_submitted_at",
    "submitted_at",
    "returned_at",
    "accepted_at",
    "late",
]


def _yes_no(value: bool | None) -> str:
    return "" if value is None else "true" if value else "false"


def _moment(value: datetime | None) -> str | None:
    return _time(value) if value is not None else None


def participation_table(view: Participation) -> Table:
    """Return one row per member country: its status as the secretariat may know it, with its dates.

    A country with a draft and one that has not started have the same row: `not_submitted`, no date.
    """
    descriptions = {
        "country": _("ISO 3166-1 alpha-3 code"),
        "country_name": _("Country"),
        "region": _("UN M49 region"),
        "status": _(
            "Status: %(statuses)s (a country with a draft has not submitted)",
            statuses=", ".join(f"{s} = {status_label(s)}" for s in STATUSES),
        ),
        "first_submitted_at": _("First submitted (UTC)"),
        "submitted_at": _("Last submitted (UTC)"),
        "returned_at": _("Last returned to the country (UTC)"),
        "accepted_at": _("Accepted (UTC)"),
        "late": _(
            "Whether the first submission came after the due date (%(due)s, UTC): true or false; "
            "empty without a submission or a due date",
            due=view.due_date.isoformat() if view.due_date else "—",
        ),
    }
    table = Table(PARTICIPATION, list(PARTICIPATION_COLUMNS), descriptions=descriptions)
    for line in sorted(view.countries, key=lambda c: c.iso3):
        record: dict[str, Any] = {
            "country": line.iso3,
            "country_name": line.name,
            "region": line.region,
            "status": line.status,
            "first_submitted_at": _moment(line.first_submitted_at),
            "submitted_at": _moment(line.submitted_at),
            "returned_at": _moment(line.returned_at),
            "accepted_at": _moment(line.accepted_at),
            "late": line.late,
        }
        table.records.append(record)
        table.rows.append([_yes_no(record[c]) if c == "late" else record[c] for c in PARTICIPATION_COLUMNS])
    return table


def export_participation(view: Participation, fmt: str) -> Export:
    """Build the participation table of a cycle in 'csv', 'xlsx' or 'json'."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format '{fmt}': use csv, xlsx or json")
    table = participation_table(view)
    summary = view.summary
    facts: dict[str, str] = {
        "cycle": view.cycle.code,
        "edition": view.cycle.edition_hash,
        "generated_at": _time(datetime.now(UTC)),
        "due_date": view.due_date.isoformat() if view.due_date else "",
        "countries": str(summary.members),
        **{f"countries:{status}": str(summary.count(status)) for status in STATUSES},
        "countries:late": str(summary.late),
        "statuses": _("every member country; a country with a draft counts as not submitted"),
    }
    if fmt == "csv":
        content = write_csv(table)
    elif fmt == "xlsx":
        content = write_xlsx([table], facts)
    else:
        content = write_json([table], facts)
    return Export(content, FORMATS[fmt], filename(view.cycle, PARTICIPATION, fmt))


# --------------------------------------------------------------------------
# Technical assistance requested (services.assistance)
# --------------------------------------------------------------------------

ASSISTANCE = "assistance"
ASSISTANCE_FORMATS = ("csv", "xlsx")
ASSISTANCE_COLUMNS = [
    "country",
    "country_name",
    "region",
    "section",
    "section_title",
    "item",
    "obligations",
    "kind",
    "kind_label",
    "description",
]


def assistance_table(cycle: Cycle, demand: AssistanceDemand) -> Table:
    """Return one row per answer asking for assistance; the country's own text is neutralised by the writers."""
    names = assistance_labels(cycle)
    descriptions = {
        "country": _("ISO 3166-1 alpha-3 code"),
        "country_name": _("Country"),
        "region": _("UN M49 region"),
        "section": _("Section id"),
        "section_title": _("Section"),
        "item": _("Checklist item"),
        "obligations": _("The clauses (obligations) the item assesses, by id, separated by spaces"),
        "kind": _(
            "Kind of assistance: %(kinds)s", kinds=", ".join(f"{k} = {label}" for k, label in names.kinds.items())
        ),
        "kind_label": _("Kind of assistance"),
        "description": _("The assistance needed, as the country described it"),
    }
    table = Table(ASSISTANCE, list(ASSISTANCE_COLUMNS), descriptions=descriptions)
    for asked in demand.requests:
        record: dict[str, Any] = {
            "country": asked.iso3,
            "country_name": asked.country,
            "region": asked.region,
            "section": asked.section,
            "section_title": names.sections.get(asked.section, asked.section),
            "item": asked.item,
            "obligations": " ".join(asked.obligations),
            "kind": asked.kind,
            "kind_label": names.kinds.get(asked.kind, asked.kind),
            "description": asked.description,
        }
        table.records.append(record)
        table.rows.append([record[c] for c in ASSISTANCE_COLUMNS])
    return table


def export_assistance(cycle: Cycle, demand: AssistanceDemand, fmt: str) -> Export:
    """Build the assistance requested in a cycle (as filtered) in 'csv' or 'xlsx'.

    Text a country typed (the description) may begin like a formula: `write_csv`
    and `write_xlsx` neutralise it (`starts_like_formula`), as in every export.
    """
    if fmt not in ASSISTANCE_FORMATS:
        raise ValueError(f"unknown format '{fmt}': use csv or xlsx")
    table = assistance_table(cycle, demand)
    facts: dict[str, str] = {
        "cycle": cycle.code,
        "edition": cycle.edition_hash,
        "generated_at": _time(datetime.now(UTC)),
        "requests": str(len(demand.requests)),
        "countries": str(demand.countries),
        **{f"kind:{k}": str(n) for k, n in demand.by_kind.items()},
        **{f"section:{k}": str(n) for k, n in demand.by_section.items()},
        **{f"region:{k}": str(n) for k, n in demand.by_region.items()},
        "statuses": _("submitted, returned and accepted assessments (never drafts)"),
    }
    content = write_csv(table) if fmt == "csv" else write_xlsx([table], facts)
    return Export(content, FORMATS[fmt], filename(cycle, ASSISTANCE, fmt))


# --------------------------------------------------------------------------
# Command line: questionnaire export --cycle C -o FILE
# --------------------------------------------------------------------------


def _write_atomically(path: Path, content: bytes) -> None:
    """Write the file whole or not at all (a reader never sees half an export)."""
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", delete=False) as handle:
        handle.write(content)
        temporary = Path(handle.name)
    try:
        os.replace(temporary, path)
    except OSError:
        temporary.unlink(missing_ok=True)
        raise


def register(main: click.Group) -> None:
    """Add the `export` command to the `questionnaire` command group."""
    from flask.cli import with_appcontext

    @main.command("export")
    @click.option("--cycle", required=True, help="Cycle code, e.g. 2026.")
    @click.option(
        "-o",
        "--output",
        "output",
        required=True,
        type=click.Path(dir_okay=False, path_type=Path),
        help="File to write; its suffix (.csv, .xlsx or .json) chooses the format.",
    )
    @click.option(
        "--what",
        type=click.Choice(["all", *KINDS]),
        default="all",
        show_default=True,
        help="Scores, full answers, or both. A CSV file holds one table: with 'all', "
        "FILE gets the scores and FILE-answers.csv beside it the answers.",
    )
    @with_appcontext
    def export_command(cycle: str, output: Path, what: str) -> None:
        """Export a cycle's scores and answers (.csv, .xlsx or .json by the file's suffix).

        Only submitted, returned and accepted assessments are exported, never drafts.
        """
        fmt = output.suffix.lower().lstrip(".")
        if fmt not in FORMATS:
            raise click.UsageError(
                f"{output}: the file name must end in .csv, .xlsx or .json (it ends in '{output.suffix or 'nothing'}')."
            )
        try:
            found = services.find_cycle(cycle)
        except services.ServiceError as error:
            raise click.ClickException(error.message) from None
        if not output.parent.is_dir():
            raise click.ClickException(f"{output.parent}: no such folder.")
        assessments = services.visible_assessments(None, found, with_scores=True)
        targets: list[tuple[Path, str]]
        if fmt == "csv" and what == "all":
            targets = [
                (output, "scores"),
                (output.with_name(f"{output.stem}-answers{output.suffix}"), "answers"),
            ]
        else:
            targets = [(output, what)]
        for path, kind in targets:
            made = export(found, assessments, kind, fmt)
            _write_atomically(path, made.content)
            click.echo(
                f"wrote {path} ({kind if kind != 'all' else 'scores and answers'}, "
                f"{len(assessments)} countries, cycle {found.code})"
            )
