"""`questionnaire import`: the operator's way to apply a filled-in offline questionnaire."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext


def register(main: click.Group) -> None:
    """Add the offline questionnaire's commands to the `questionnaire` group."""
    main.add_command(import_command)


@click.command("import")
@click.argument("path", metavar="FILE.xlsx", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--cycle", required=True, help="Cycle code, e.g. 2026.")
@click.option("--country", required=True, help="ISO 3166-1 alpha-3 code of the file's country.")
@click.option(
    "--replace",
    "replace",
    multiple=True,
    metavar="ITEM:VERSION",
    help="Settle a reported conflict in the file's favour: replace the platform's "
    "answer to ITEM if it is still at VERSION. May be repeated.",
)
@with_appcontext
def import_command(path: Path, cycle: str, country: str, replace: tuple[str, ...]) -> None:
    """Import a filled-in offline questionnaire (all rows or none; changes recorded as "import")."""
    from . import offline, services

    def fail(message: str) -> None:
        click.echo(message, err=True)
        sys.exit(1)

    replacements: dict[str, int] = {}
    for value in replace:
        item, _sep, version = value.partition(":")
        if not item or not version.isdigit():
            fail(f"error: --replace takes ITEM:VERSION, e.g. CL-1:3 (got {value!r})")
        replacements[item] = int(version)
    try:
        assessment = services.assessment_of(cycle, country)
    except services.ServiceError as error:
        fail(f"error: {error.message}")
        return
    size = path.stat().st_size
    if size > offline.max_upload_bytes():
        fail(f"{path}: {offline.too_large_message(size)}")
    try:
        report = offline.import_workbook(None, assessment, path.read_bytes(), source="import", replace=replacements)
    except offline.WorkbookRefused as refused:
        fail(f"{path}: {refused.message}")
        return
    except services.ServiceError as error:
        fail(f"error: {error.message}")
        return
    if not report.ok:
        for problem in report.problems:
            where = f"{path}:{problem.location}" if problem.location else str(path)
            click.echo(f"{where}: {problem.message}")
        for conflict in report.conflicts:
            click.echo(
                f"{path}:{conflict.sheet}!A{conflict.row}: {conflict.item} was changed on the "
                f"platform (now version {conflict.platform_version}) after this file was made "
                f"(version {conflict.file_version}); nothing was overwritten. To keep the file's "
                f"answer, run again with --replace {conflict.item}:{conflict.platform_version}"
            )
        count = len(report.problems) + len(report.conflicts)
        click.echo(f"{path}: nothing imported: {count} problem(s) to correct.", err=True)
        sys.exit(1)
    where = f"{assessment.country.name} ({assessment.country_iso3}), cycle {assessment.cycle.code}"
    if report.applied:
        click.echo(
            f"{path}: imported into {where}: {len(report.applied)} answer(s) changed "
            f"({', '.join(report.applied)}), {len(report.unchanged)} unchanged."
        )
    else:
        click.echo(f"{path}: nothing to import into {where}: no answer differs from the platform's.")
    if report.kept_platform:
        click.echo(f"kept the platform's newer answers (not changed in the file): {', '.join(report.kept_platform)}")
