"""The `questionnaire` command line, built on Flask's CLI (so `flask --app questionnaire` works too)."""

from __future__ import annotations

import json
import os
import secrets
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import click
from flask import Flask
from flask.cli import AppGroup, FlaskGroup, with_appcontext

from .catalogue import Catalogue, CatalogueError, load_catalogue
from .catalogue_texts import check_all, language_checks, update_files
from .config import DEFAULT_CATALOGUE


def _cli_app() -> Flask:
    """Build the app for commands: they never serve requests, so no SECRET_KEY is needed."""
    from . import create_app

    return create_app(
        {
            "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_hex(32),
            "ALLOW_INSECURE_SECRET": True,
        }
    )


@click.group(
    cls=FlaskGroup,
    create_app=_cli_app,
    add_default_commands=False,
    add_version_option=False,
    help="Self-assessment platform for the resolutions on trafficking in human beings.",
)
def main() -> None:
    """Run a platform command."""


def _fail(message: str, code: int = 1) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def _confirm_or_stop(yes: bool, question: str, refusal: str) -> None:
    """Ask before an irreversible step unless --yes was given; stop with `refusal` on a no."""
    if not yes and not click.confirm(question, default=False):
        _fail(refusal)


@contextmanager
def _refusals() -> Iterator[None]:
    """Turn a refused use case into `error: <why>` and exit status 1."""
    from .services import ServiceError

    try:
        yield
    except ServiceError as error:
        _fail(error.message)


# --------------------------------------------------------------------------
# catalogue
# --------------------------------------------------------------------------

catalogue_cli = AppGroup("catalogue", help="Check and inspect the catalogue of obligations.")


@catalogue_cli.command("validate", with_appcontext=False)
@click.argument("path", required=False, type=click.Path(dir_okay=False, path_type=Path))
def catalogue_validate(path: Path | None) -> None:
    """Validate a catalogue file (default: CATALOGUE_PATH or obligations.yaml)."""
    path = path or _catalogue_path()
    catalogue = _load_or_exit(path)
    problems, done = check_all(catalogue, path)
    for problem in problems:
        click.echo(str(problem))
    if problems:
        sys.exit(1)
    languages = ", ".join(f"{language} {_percent(*counts)}" for language, counts in done.items())
    click.echo(f"{path}: ok: {catalogue.summary()}" + (f"; translations {languages}" if languages else ""))


def _catalogue_path() -> Path:
    return Path(os.environ.get("CATALOGUE_PATH") or DEFAULT_CATALOGUE)


def _load_or_exit(path: Path) -> Catalogue:
    try:
        return load_catalogue(path)
    except CatalogueError as error:
        for problem in error.problems:
            click.echo(str(problem))
        sys.exit(1)


def _percent(done: int, total: int) -> str:
    return f"{100 * done / total:.1f} %" if total else "—"


@catalogue_cli.command("translations", with_appcontext=False)
@click.argument("path", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--update", is_flag=True, help="Rewrite the template from the catalogue and merge it into each file.")
def catalogue_translations(path: Path | None, update: bool) -> None:
    """Say how complete each language's translation of the catalogue is (or update the files)."""
    path = path or _catalogue_path()
    catalogue = _load_or_exit(path)
    if update:
        for written in update_files(path, catalogue):
            click.echo(f"wrote {written}")
    for check in language_checks(catalogue, path):
        found, (done, total) = check.translation, check.counts
        kinds: dict[str, int] = {}
        for problem in check.problems:
            kind = problem.message.split(":", 1)[0] if ":" in problem.message[:14] else "other"
            kinds[kind] = kinds.get(kind, 0) + 1
        detail = ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items()))
        click.echo(
            f"{found.language}: {done} of {total} texts ({_percent(done, total)}), revision {found.revision}"
            + (f"; {detail}" if detail else "")
        )


main.add_command(catalogue_cli)


# --------------------------------------------------------------------------
# users
# --------------------------------------------------------------------------

users_cli = AppGroup("users", help="Manage accounts.")


@users_cli.command("create")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice(["respondent", "contributor", "reviewer", "admin"]))
@click.option("--country", "country", default=None, help="ISO 3166-1 alpha-3 code (respondents only).")
@click.option("--name", default="", help="The person's name.")
def users_create(email: str, role: str, country: str | None, name: str) -> None:
    """Create an account; the password is read from standard input."""
    from . import auth

    password = sys.stdin.readline().rstrip("\r\n")
    try:
        user = auth.create_user(email, password, role, country, name=name)
    except auth.AccountError as error:
        _fail(str(error))
        return
    click.echo(f"created {user.role} {user.email}" + (f" ({user.country_iso3})" if user.country_iso3 else ""))


@users_cli.command("token")
@click.argument("email")
@click.option("--label", default="command line", help="What the token is for.")
def users_token(email: str, label: str) -> None:
    """Print a new API token for the account."""
    from . import auth

    user = auth.find_user(email)
    if user is None:
        _fail(f"no account for {email}")
        return
    if not user.active:
        _fail(f"the account {email} is deactivated")
        return
    click.echo(auth.issue_token(user, label))


@users_cli.command("revoke-tokens")
@click.argument("email")
def users_revoke_tokens(email: str) -> None:
    """Revoke every API token of the account."""
    from . import auth

    user = auth.find_user(email)
    if user is None:
        _fail(f"no account for {email}")
        return
    click.echo(f"revoked {auth.revoke_tokens(user)} token(s) of {user.email}")


@users_cli.command("invite")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice(["respondent", "contributor", "reviewer", "admin"]))
@click.option("--country", "country", default=None, help="ISO 3166-1 alpha-3 code (respondents and contributors).")
@click.option("--name", default="", help="The person's name.")
@click.option("--resend", is_flag=True, help="Send a new invitation to an account that has not chosen its password.")
def users_invite(email: str, role: str, country: str | None, name: str, resend: bool) -> None:
    """E-mail an invitation whose link sets the password (valid 72 hours, works once)."""
    from flask import current_app

    from . import auth, mail
    from .services import InvalidAnswer, accounts

    try:
        if resend:
            user = auth.find_user(email)
            if user is None:
                _fail(f"no account for {email}")
                return
            invitation = accounts.resend_invitation(user)
        else:
            invitation = accounts.invite_user(email, role, country, name=name)
    except auth.AccountError as error:
        _fail(str(error))
        return
    except InvalidAnswer as error:
        _fail(error.message)
        return
    user = invitation.user
    where = f" ({user.country_iso3})" if user.country_iso3 else ""
    if not invitation.emailed:
        click.echo(f"invited {user.role} {user.email}{where}; MAIL_SERVER is not set, so pass on this link yourself:")
        click.echo(invitation.link)
    elif current_app.config.get("REDIS_URL"):
        click.echo(f"invited {user.role} {user.email}{where}: the invitation is queued for `questionnaire worker`")
    elif mail.wait_until_sent():
        click.echo(f"invited {user.role} {user.email}{where}: the invitation was handed to {mail.server_name()}")
    else:
        _fail(f"invited {user.role} {user.email}{where}, but the e-mail could not be sent yet (see the log)")


@users_cli.command("mfa-reset")
@click.argument("email")
def users_mfa_reset(email: str) -> None:
    """Remove an account's second factor (a lost phone); it sets up a new one at its next sign-in."""
    from . import auth, two_factor

    user = auth.find_user(email)
    if user is None:
        _fail(f"no account for {email}")
        return
    two_factor.reset(user)
    click.echo(f"removed the second factor of {user.email} and signed it out everywhere")


main.add_command(users_cli)


# --------------------------------------------------------------------------
# cycles
# --------------------------------------------------------------------------

cycles_cli = AppGroup("cycles", help="Open and close self-assessment cycles.")


@cycles_cli.command("create")
@click.argument("code")
@click.option("--title", default="", help="A title for people, e.g. 'Self-assessment 2027'.")
@click.option(
    "--due",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="The day answers are due (YYYY-MM-DD); a first submission after its end (UTC) is marked late.",
)
def cycles_create(code: str, title: str, due: datetime | None) -> None:
    """Open a cycle on the current catalogue edition."""
    from . import services

    try:
        with _refusals():
            cycle = services.create_cycle(code, title, due.date() if due else None)
    except CatalogueError as error:
        _fail("the catalogue is not valid:\n" + str(error))
        return
    due_text = f", due {cycle.due_date.isoformat()}" if cycle.due_date else ""
    click.echo(f"opened cycle {cycle.code} on catalogue edition {cycle.edition_hash}{due_text}")


@cycles_cli.command("close")
@click.argument("code")
@click.option("--yes", is_flag=True, help="Close without asking (for scripts).")
def cycles_close(code: str, yes: bool) -> None:
    """Close a cycle: its assessments can no longer change (asks first, naming what is unfinished)."""
    from . import services

    with _refusals():
        cycle = services.find_cycle(code)
        if not cycle.is_open:
            raise services.InvalidTransition(f"Cycle {cycle.code} is already closed.")
        work = services.open_work(cycle)
        click.echo(
            f"cycle {cycle.code}: {work.returned} assessments returned to their countries, "
            f"{work.not_submitted} countries not submitted (a draft or not started)"
        )
        _confirm_or_stop(yes, f"Close cycle {cycle.code} for good?", "nothing was closed")
        services.close_cycle(cycle)
    click.echo(f"closed cycle {cycle.code}")


@cycles_cli.command("reopen")
@click.argument("code")
def cycles_reopen(code: str) -> None:
    """Reopen a closed cycle (recorded in its history); countries keep the means published at its first close."""
    from . import services

    with _refusals():
        cycle = services.reopen_cycle(services.find_cycle(code))
    click.echo(f"reopened cycle {cycle.code}")


@cycles_cli.command("delete")
@click.argument("code")
@click.option("--yes", is_flag=True, help="Delete without asking (for scripts).")
def cycles_delete(code: str, yes: bool) -> None:
    """Delete a cycle no country has started an assessment in."""
    from . import services

    with _refusals():
        cycle = services.find_cycle(code)
        _confirm_or_stop(yes, f"Delete cycle {cycle.code} for good?", "nothing was deleted")
        services.delete_cycle(cycle)
    click.echo(f"deleted cycle {code}")


@cycles_cli.command("list")
def cycles_list() -> None:
    """List cycles."""
    from . import services

    for cycle in services.list_cycles():
        click.echo(f"{cycle.code}\t{cycle.status}\t{cycle.edition_hash}\t{cycle.title}")


main.add_command(cycles_cli)


# --------------------------------------------------------------------------
# scores
# --------------------------------------------------------------------------


def _assessment_or_fail(cycle: str, country: str) -> Any:
    from . import services

    with _refusals():
        return services.assessment_of(cycle, country)


@main.command("score")
@click.option("--cycle", required=True, help="Cycle code, e.g. 2026.")
@click.option("--country", required=True, help="ISO 3166-1 alpha-3 code.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (the same content as the API).")
@with_appcontext
def score(cycle: str, country: str, as_json: bool) -> None:
    """Print a country's scores."""
    from . import services
    from .catalogue_store import catalogue_for

    assessment = _assessment_or_fail(cycle, country)
    data = services.scores_of(assessment)
    if as_json:
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    catalogue = catalogue_for(assessment.cycle)
    click.echo(
        f"{assessment.country.name} ({assessment.country_iso3}), cycle {cycle}, "
        f"status {assessment.status}, catalogue edition {catalogue.hash}"
    )
    overall = data["overall"]
    click.echo(
        f"Overall: {'—' if overall is None else f'{overall:.1f}'}  band {data['band'] or '—'}"
        + (f" (capped from {data['uncapped_band']} by {', '.join(data['capped_by'])})" if data["capped_by"] else "")
    )
    click.echo("")
    click.echo(f"{'Section':<50} {'Score':>6}")
    for section in data["sections"]:
        value = "—" if section["score"] is None else f"{section['score']:.1f}"
        click.echo(f"{section['title'][:50]:<50} {value:>6}")
    click.echo("")
    click.echo(f"{'Instrument':<50} {'Score':>6}")
    for instrument in data["instruments"]:
        value = "—" if instrument["score"] is None else f"{instrument['score']:.1f}"
        click.echo(f"{instrument['title'][:50]:<50} {value:>6}")
    click.echo("")
    counts = data["counts"]
    click.echo(
        f"Gaps: {counts['gaps']} ({counts['critical_gaps']} critical); missing answers: "
        f"{counts['missing']}; unsupported ratings: {counts['unsupported']}"
    )
    for gap in data["gaps"][:10]:
        click.echo(
            f"  {gap['rank']:>2}. {gap['obligation']:<30} score {gap['score']:>5.1f}  priority {gap['priority']:>6.1f}"
            + ("  critical" if gap["critical"] else "")
        )
    if len(data["gaps"]) > 10:
        click.echo(f"  … and {len(data['gaps']) - 10} more (use --json for all)")


# --------------------------------------------------------------------------
# demo
# --------------------------------------------------------------------------


@main.command("demo", with_appcontext=False)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--db",
    "db_path",
    default=None,
    type=click.Path(dir_okay=False, path_type=Path),
    help="SQLite file for the demo (default: instance/demo.db).",
)
@click.option("--no-serve", is_flag=True, help="Create the demo database and stop.")
def demo(port: int, db_path: Path | None, no_serve: bool) -> None:
    """Create (if absent) a demo database with sample data and serve it on 127.0.0.1."""
    from . import create_app
    from .demo import DEMO_PASSWORD, build_demo, demo_accounts

    config: dict[str, Any] = {"SECRET_KEY": secrets.token_hex(32), "ALLOW_INSECURE_SECRET": True}
    if db_path is not None:
        config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + str(db_path.resolve())
    elif not os.environ.get("DATABASE_URL"):
        # Where the application keeps its instance folder: instance/ in a checkout,
        # <prefix>/var/questionnaire-instance when installed from a wheel.
        instance = Path(Flask("questionnaire").instance_path)
        instance.mkdir(parents=True, exist_ok=True)
        config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + str(instance / "demo.db")
    app = create_app(config)
    with app.app_context():
        created = build_demo()
        accounts = demo_accounts()
    click.echo(
        ("Created" if created else "Using the existing") + f" demo database: {app.config['SQLALCHEMY_DATABASE_URI']}"
    )
    click.echo(f"Demo accounts (password: {DEMO_PASSWORD}):")
    for email, role, country in accounts:
        click.echo(f"  {email:<22} {role}" + (f" ({country})" if country else ""))
    if no_serve:
        return
    click.echo(f"Serving on http://127.0.0.1:{port}/ (Ctrl+C to stop)")
    from waitress import serve

    serve(app, host="127.0.0.1", port=port, threads=8, ident="thbq")


def _add_commands() -> None:
    """Add the commands that live beside what they manage."""
    from flask_migrate.cli import db as db_group  # type: ignore[import-not-found]  # not in its stubs

    from .backup import register as register_backup
    from .exports import register as register_export
    from .offline_commands import register as register_import
    from .reports.commands import register as register_reports
    from .services.reminders import register as register_reminders

    main.add_command(db_group, "db")
    for register in (register_backup, register_export, register_import, register_reports, register_reminders):
        register(main)


_add_commands()


if __name__ == "__main__":
    main()
