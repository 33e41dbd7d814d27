"""Command line: `questionnaire report`, `questionnaire meeting-pack` and `questionnaire worker`."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from . import content


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


def _language(value: str | None) -> str:
    languages = current_app.config["LANGUAGES"]
    if value is None:
        return str(current_app.config["BABEL_DEFAULT_LOCALE"])
    if value not in languages:
        _fail(f"--lang {value}: use one of {', '.join(languages)}")
    return value


def _write(path: Path, data: bytes) -> None:
    """Write the file whole or not at all."""
    partial = path.with_name(path.name + ".part")
    partial.write_bytes(data)
    partial.replace(path)


@click.command("report")
@click.option("--cycle", required=True, help="Cycle code, e.g. 2026.")
@click.option("--country", required=True, help="ISO 3166-1 alpha-3 code.")
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The file to write: .pdf or .html.",
)
@click.option(
    "--audience",
    type=click.Choice(content.AUDIENCES),
    default=content.REVIEWER,
    show_default=True,
    help="'country' leaves out means over fewer than 3 countries, as the country's own page does.",
)
@click.option("--lang", default=None, help="Language of the report (default: the platform's).")
@with_appcontext
def report_command(cycle: str, country: str, output: Path, audience: str, lang: str | None) -> None:
    """Write a country's gap report (.pdf or .html by the file's suffix)."""
    from .. import services
    from . import documents
    from .pdf import ReportRenderError

    suffix = output.suffix.lower()
    if suffix not in (".pdf", ".html"):
        _fail(f"{output}: the file name must end in .pdf or .html")
    if not output.parent.is_dir():
        _fail(f"{output.parent}: no such folder")
    try:
        assessment = services.assessment_of(cycle, country)
    except services.ServiceError as error:
        _fail(error.message)
    with documents.rendering(_language(lang)):
        found = documents.country_report(assessment, audience)
        html = documents.country_report_html(found, pdf=suffix == ".pdf", standalone=suffix == ".html")
    if suffix == ".html":
        _write(output, html.encode("utf-8"))
    else:
        try:
            _write(output, documents.pdf_of(html))
        except ReportRenderError as error:
            _fail(f"the report of {assessment.country_iso3} could not be rendered: {error.message}")
    marking = " (draft: not submitted)" if found.is_draft else ""
    click.echo(
        f"wrote {output}: gap report of {found.country_name}, cycle {found.cycle_code}, {len(found.gaps)} gaps{marking}"
    )


@click.command("meeting-pack")
@click.option("--cycle", required=True, help="Cycle code, e.g. 2026.")
@click.option(
    "-o",
    "--output",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="The folder to write the PDFs into (created if needed).",
)
@click.option(
    "--processes",
    "-j",
    type=click.IntRange(1, 256),
    default=None,
    help="How many reports to render at once (default and most: REPORT_CONCURRENCY, "
    "one per processor core unless set).",
)
@click.option("--lang", default=None, help="Language of the reports (default: the platform's).")
@click.option("--region", default="", help="Only the countries of this region (UN M49 name, e.g. 'Western Europe').")
@with_appcontext
def meeting_pack_command(cycle: str, out_dir: Path, processes: int | None, lang: str | None, region: str) -> None:
    """Write every submitted or accepted country's gap report and the comparison as PDFs."""
    from .. import services
    from .pack import available_cores, build_meeting_pack, pack_assessments, regions_of

    try:
        found = services.find_cycle(cycle)
    except services.ServiceError as error:
        _fail(error.message)
        return
    language = _language(lang)
    if region:
        regions = regions_of(found)
        if region not in regions:
            known = ", ".join(regions) or "none yet"
            _fail(f"--region {region}: no country of that region has submitted in cycle {found.code} ({known})")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        _fail(f"{out_dir}: {error.strerror or error}")
    countries = pack_assessments(found, region)
    if not countries:
        click.echo(
            f"note: no assessment of cycle {found.code} is submitted or accepted; the pack holds only the comparison",
            err=True,
        )
    workers = processes or available_cores()
    started = time.perf_counter()
    with click.progressbar(
        length=len(countries) + 1,
        label=f"Meeting pack {found.code}",
        show_pos=True,
        file=sys.stderr,
    ) as bar:
        shown = 0

        def advance(done: int, total: int) -> None:
            nonlocal shown
            bar.update(done - shown)
            shown = done

        result = build_meeting_pack(found, out_dir, workers=workers, progress=advance, language=language, region=region)
    elapsed = time.perf_counter() - started
    click.echo(
        f"wrote {len(result.files)} PDF files to {out_dir} in {elapsed:.1f} s "
        f"({result.workers} process{'es' if result.workers != 1 else ''}"
        f"{f', {result.reused} kept report(s) reused' if result.reused else ''})"
    )
    if result.failures:
        for label, why in result.failures:
            click.echo(f"error: {label}: {why}", err=True)
        sys.exit(1)


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@with_appcontext
def worker_command(burst: bool) -> None:
    """Run background jobs (meeting packs) from the Redis queue at REDIS_URL."""
    from ..jobs import run_worker

    if not current_app.config.get("REDIS_URL"):
        _fail("REDIS_URL is not set: without a queue the web application runs meeting packs itself")
    run_worker(burst=burst)


def register(main: click.Group) -> None:
    """Add the report commands to the `questionnaire` command group."""
    main.add_command(report_command)
    main.add_command(meeting_pack_command)
    main.add_command(worker_command)
