"""The `questionnaire` command line: users, tokens, cycles, scores, demo."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from questionnaire import auth, services
from questionnaire.cli import main
from questionnaire.db import db
from questionnaire.models import Assessment, Cycle, User


@pytest.fixture
def cli(app):  # type: ignore[no-untyped-def]
    runner = app.test_cli_runner()

    def run(*args: str, input: str | None = None):  # type: ignore[no-untyped-def]
        return runner.invoke(main, list(args), input=input)

    return run


def test_users_create_reads_the_password_from_standard_input(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli(
        "users",
        "create",
        "Focal@Example.org",
        "--role",
        "respondent",
        "--country",
        "fra",
        input="a long enough password\n",
    )
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "created respondent focal@example.org (FRA)"
    user = db.session.scalar(select(User))
    assert user.email == "focal@example.org" and user.country_iso3 == "FRA"
    assert auth.verify_password(user, "a long enough password")
    assert "a long enough password" not in result.output


@pytest.mark.parametrize(
    ("args", "password", "message"),
    [
        (["x@example.org", "--role", "respondent"], "a long enough password", "must belong to a country"),
        (
            ["x@example.org", "--role", "respondent", "--country", "ZZZ"],
            "a long enough password",
            "Unknown country code 'ZZZ'",
        ),
        (["x@example.org", "--role", "reviewer"], "short", "at least 12 characters"),
        (["not-an-email", "--role", "reviewer"], "a long enough password", "not a valid e-mail address"),
    ],
)
def test_users_create_refuses_bad_input(cli, args, password, message) -> None:  # type: ignore[no-untyped-def]
    result = cli("users", "create", *args, input=password + "\n")
    assert result.exit_code == 1
    assert message in result.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_users_create_with_an_unknown_role(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("users", "create", "x@example.org", "--role", "owner", input="a long enough password\n")
    assert result.exit_code == 2
    assert "Invalid value for '--role'" in result.output


def test_users_token_prints_a_working_token(cli, users) -> None:  # type: ignore[no-untyped-def]
    result = cli("users", "token", "reviewer@example.org")
    assert result.exit_code == 0
    token = result.output.strip()
    assert auth.user_for_token(token).email == "reviewer@example.org"
    assert cli("users", "token", "nobody@example.org").exit_code == 1


def test_cycles_create_close_and_list(cli, app) -> None:  # type: ignore[no-untyped-def]
    from questionnaire.catalogue_store import current_catalogue

    result = cli("cycles", "create", "2027", "--title", "Self-assessment 2027")
    assert result.exit_code == 0
    assert result.output.strip() == f"opened cycle 2027 on catalogue edition {current_catalogue().hash}"
    assert cli("cycles", "create", "2027").exit_code == 1
    assert "already exists" in cli("cycles", "create", "2027").output
    refused = cli("cycles", "close", "2027", input="n\n")
    assert refused.exit_code == 1 and "nothing was closed" in refused.output
    assert db.session.scalar(select(Cycle)).is_open is True
    asked = cli("cycles", "close", "2027", input="y\n")
    assert asked.exit_code == 0, asked.output
    assert "0 assessments returned to their countries" in asked.output
    assert asked.output.strip().endswith("closed cycle 2027")
    assert "already closed" in cli("cycles", "close", "2027", "--yes").output
    assert "There is no cycle 'nope'" in cli("cycles", "close", "nope").output
    listing = cli("cycles", "list").output
    assert listing.startswith("2027\tclosed\t")
    assert db.session.scalar(select(Cycle)).is_open is False


def test_score_prints_a_table_and_json(cli, users, cycle) -> None:  # type: ignore[no-untyped-def]
    assessment, _ = services.start_assessment(users["fra"], cycle, "FRA")
    services.save_answers(
        users["fra"],
        assessment,
        [
            services.Edit("CL-2", services.make_input(rating="full", description="Art. 1"), 0),
            services.Edit("CL-1", services.make_input(rating="partially"), 0),
        ],
    )
    table = cli("score", "--cycle", "2026", "--country", "fra")
    assert table.exit_code == 0, table.output
    assert "France (FRA), cycle 2026, status draft" in table.output
    assert "Criminal law and international instruments" in table.output
    as_json = cli("score", "--cycle", "2026", "--country", "FRA", "--json")
    data = json.loads(as_json.output)
    assert data == services.scores_of(db.session.get(Assessment, assessment.id))
    assert data["counts"]["missing"] == 36
    assert f"Overall: {data['overall']:.1f}" in table.output


def test_score_of_a_country_without_an_assessment(cli, cycle) -> None:  # type: ignore[no-untyped-def]
    result = cli("score", "--cycle", "2026", "--country", "ITA")
    assert result.exit_code == 1
    assert "ITA has no assessment in cycle 2026" in result.output
    assert "There is no country 'QQQ'" in cli("score", "--cycle", "2026", "--country", "QQQ").output


def test_demo_builds_every_state_and_the_documented_accounts(app) -> None:  # type: ignore[no-untyped-def]
    from questionnaire.demo import COUNTRIES, DEMO_PASSWORD, build_demo, demo_accounts

    assert build_demo() is True
    assert build_demo() is False  # idempotent
    emails = {email for email, _, _ in demo_accounts()}
    assert {"admin@demo.test", "reviewer@demo.test", "fra@demo.test", "fra.interior@demo.test"} <= emails
    assert len(emails) == 2 + len(COUNTRIES) + 1 == 16  # with France's contributor
    fra = auth.find_user("fra@demo.test")
    assert auth.verify_password(fra, DEMO_PASSWORD)
    cycles = {c.code: c for c in db.session.scalars(select(Cycle))}
    assert cycles["2025"].is_open is False and cycles["2026"].is_open is True
    states_2025 = set(db.session.scalars(select(Assessment.status).where(Assessment.cycle_id == cycles["2025"].id)))
    states_2026 = set(db.session.scalars(select(Assessment.status).where(Assessment.cycle_id == cycles["2026"].id)))
    assert states_2025 == {"accepted"}
    assert states_2026 == {"draft", "submitted", "returned", "accepted"}


def test_demo_refuses_a_database_with_other_accounts(app, users) -> None:  # type: ignore[no-untyped-def]
    from questionnaire.demo import build_demo

    with pytest.raises(RuntimeError, match="not the demo's"):
        build_demo()


def test_users_revoke_tokens(cli, users) -> None:  # type: ignore[no-untyped-def]
    first = cli("users", "token", "reviewer@example.org").output.strip()
    second = cli("users", "token", "reviewer@example.org").output.strip()
    result = cli("users", "revoke-tokens", "reviewer@example.org")
    assert result.output.strip() == "revoked 2 token(s) of reviewer@example.org"
    assert auth.user_for_token(first) is None and auth.user_for_token(second) is None
    assert cli("users", "revoke-tokens", "nobody@example.org").exit_code == 1


def test_cycles_reopen_and_delete(cli, app, users) -> None:  # type: ignore[no-untyped-def]
    assert cli("cycles", "create", "2027").exit_code == 0
    assert cli("cycles", "close", "2027", "--yes").exit_code == 0
    assert cli("cycles", "reopen", "2027").output.strip() == "reopened cycle 2027"
    assert "already open" in cli("cycles", "reopen", "2027").output
    cycle = services.find_cycle("2027")
    assert [e.action for e in services.cycle_events(cycle)] == ["closed", "reopened"]
    services.start_assessment(users["fra"], cycle, "FRA")
    kept = cli("cycles", "delete", "2027", "--yes")
    assert kept.exit_code == 1 and "countries have started assessments in it" in kept.output
    assert cli("cycles", "create", "2028").exit_code == 0
    assert cli("cycles", "delete", "2028", input="n\n").exit_code == 1
    assert cli("cycles", "delete", "2028", "--yes").output.strip() == "deleted cycle 2028"
    assert [c.code for c in services.list_cycles()] == ["2027"]
