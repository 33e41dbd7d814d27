"""Full-instance backup and restore: identical rows and scores; refusals leave nothing behind."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from questionnaire import auth, services
from questionnaire.backup import (
    EXCLUDED,
    BackupError,
    backed_up_tables,
    backup_to_file,
    restore,
    verify_backup,
)
from questionnaire.db import Base, db
from questionnaire.demo import build_demo
from questionnaire.models import Assessment, Job, LoginSession, utcnow

ROOT = Path(__file__).resolve().parents[2]
QUESTIONNAIRE = str(Path(sys.executable).with_name("questionnaire"))


def snapshot() -> dict[str, Any]:
    """Read every backed-up table row by row, and every assessment's scores, in the current app."""
    assessments = db.session.scalars(select(Assessment).order_by(Assessment.id)).all()
    served = {a.id: services.scores_of(a) for a in assessments}  # may fill the scores cache: read rows after
    fresh = {a.id: services.compute(a) for a in assessments}
    rows = {
        table.name: [tuple(row) for row in db.session.execute(select(table).order_by(*table.primary_key.columns))]
        for table in backed_up_tables()
    }
    return {"rows": rows, "served": served, "fresh": fresh}


def build_instance() -> None:
    """The demo (two cycles, every state, comments, events), a token, a job and a sign-in."""
    build_demo()
    admin = auth.find_user("admin@demo.test")
    assert admin is not None
    auth.issue_token(admin, "nightly export")
    reviewer = auth.find_user("reviewer@demo.test")
    assert reviewer is not None
    cycle = services.find_cycle("2026")
    db.session.add(
        Job(
            id="0b7c6a2e-5d1f-4c3b-9a8e-7f6d5c4b3a21",
            kind="meeting-pack",
            cycle_id=cycle.id,
            user_id=reviewer.id,
            status="finished",
            done=8,
            total=8,
            result_path="pack.zip",
            finished_at=utcnow(),
        )
    )
    db.session.add(LoginSession(id="f" * 64, user_id=admin.id, expires_at=utcnow()))
    db.session.commit()


@pytest.fixture(scope="session")
def demo_backup(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A backup of a demo instance made once, in its own SQLite database, for the refusal tests."""
    from questionnaire import create_app

    folder = tmp_path_factory.mktemp("demo-backup")
    url = f"sqlite:///{folder / 'demo.db'}"
    application = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "s" * 8 + os.urandom(16).hex(),
            "SQLALCHEMY_DATABASE_URI": url,
            "RATELIMIT_STORAGE_URI": "memory://",
        }
    )
    with application.app_context():
        build_instance()
        db.session.remove()
        db.engine.dispose()
    path = folder / "demo.jsonl"
    backup_to_file(url, path)
    return path


def count_everything() -> dict[str, int]:
    return {t.name: db.session.scalar(select(func.count()).select_from(t)) or 0 for t in Base.metadata.sorted_tables}


def test_every_table_of_the_model_is_backed_up_or_left_out_on_purpose() -> None:
    names = {t.name for t in backed_up_tables()} | set(EXCLUDED)
    assert names == set(Base.metadata.tables)
    assert {
        "country",
        "user_account",
        "api_token",
        "catalogue_edition",
        "cycle",
        "assessment",
        "answer",
        "answer_change",
        "assessment_event",
        "item_comment",
        "job",
    } <= {t.name for t in backed_up_tables()}


def test_a_restore_into_an_empty_database_reproduces_every_row_and_score(
    app, database_url, empty_database, other_app, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    build_instance()
    before = snapshot()
    assert before["rows"]["answer"] and before["rows"]["answer_change"] and before["rows"]["assessment_event"]
    assert before["rows"]["api_token"] and before["rows"]["job"] and before["rows"]["item_comment"]
    path = tmp_path / "instance.jsonl.gz"
    summary = backup_to_file(database_url, path)
    assert summary.rows["answer"] == len(before["rows"]["answer"])
    assert oct(path.stat().st_mode & 0o777) == "0o600"  # it holds password hashes and national data

    target = other_app(empty_database)
    with target.app_context():
        restored = restore(empty_database, path)
        assert restored.rows == summary.rows
        db.session.remove()
        after = snapshot()
        assert after["rows"] == before["rows"]  # ids, timestamps, versions, hashes: all identical
        assert after["served"] == before["served"]
        assert after["fresh"] == before["fresh"]
        assert db.session.scalar(select(func.count()).select_from(LoginSession)) == 0
        # Passwords and tokens still work; new rows get new ids (PostgreSQL sequences moved on).
        fra = auth.find_user("fra@demo.test")
        assert auth.verify_password(fra, "demo-password")
        newcomer = auth.create_user("new@demo.test", "a long enough password", "reviewer")
        assert newcomer.id > max(row[0] for row in before["rows"]["user_account"])
        assessment = services.find_assessment("2026", "MEX")
        assert assessment is not None
        version = services.answers_of(assessment)["CL-1"].version
        mex = auth.find_user("mex@demo.test")
        saved = services.save_answer(
            mex,
            assessment,
            "CL-1",
            services.make_input(rating="full", description="After the restore."),
            version,
        )
        assert saved is not None and saved.version == version + 1
        assert services.history(assessment, "CL-1")[-1].id > max(r[0] for r in before["rows"]["answer_change"])


def test_a_restore_into_a_database_with_data_is_refused_and_changes_nothing(app, database_url, tmp_path) -> None:  # type: ignore[no-untyped-def]
    build_instance()
    path = tmp_path / "instance.jsonl"
    backup_to_file(database_url, path)
    counts = count_everything()
    with pytest.raises(BackupError, match="not empty") as refused:
        restore(database_url, path)
    assert "only into an empty database" in str(refused.value)
    db.session.remove()
    assert count_everything() == counts


def _rewrite(path: Path, change: Any) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(change(lines)), encoding="utf-8")


def _tamper(lines: list[str]) -> list[str]:
    for number, line in enumerate(lines):
        data = json.loads(line)
        if data.get("table") == "answer" and '"full"' in line:
            lines[number] = line.replace('"full"', '"none"', 1)
            return lines
    raise AssertionError("no answer rated full to tamper with")


def _duplicate_a_row_and_fix_the_checksum(lines: list[str]) -> list[str]:
    """A well-formed backup the database refuses half-way: one answer twice, checksum redone."""
    import hashlib

    body, end = lines[:-1], json.loads(lines[-1])
    index = max(i for i, line in enumerate(body) if json.loads(line).get("table") == "answer")
    body.insert(index + 1, body[index])
    end["rows"]["answer"] += 1
    end["sha256"] = hashlib.sha256("".join(body).encode("utf-8")).hexdigest()
    return [*body, json.dumps(end) + "\n"]


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        pytest.param(_tamper, "does not match its checksum", id="a-value-changed"),
        pytest.param(lambda lines: lines[: len(lines) // 2], "incomplete", id="truncated-at-a-line"),
        pytest.param(
            lambda lines: [*lines[:-2], lines[-2][:40]],
            "not a valid backup line|incomplete",
            id="truncated-mid-line",
        ),
        pytest.param(lambda lines: lines[1:], "not a backup of this platform", id="header-missing"),
        pytest.param(
            lambda lines: [*lines[:-1], lines[-1].replace('"answer":', '"answer":1', 1)],
            "row counts|checksum|not a valid",
            id="counts-changed",
        ),
        pytest.param(
            _duplicate_a_row_and_fix_the_checksum,
            "refused the backup's rows.*undone",
            id="database-refuses-a-row",
        ),
    ],
)
def test_a_damaged_backup_is_refused_with_a_clear_message_and_nothing_restored(
    demo_backup, empty_database, other_app, tmp_path, damage, message
) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "instance.jsonl"
    path.write_bytes(demo_backup.read_bytes())
    _rewrite(path, damage)
    target = other_app(empty_database)
    with target.app_context():
        with pytest.raises(BackupError, match=message):
            restore(empty_database, path)
        db.session.remove()
        counts = count_everything() if db.inspect(db.engine).has_table("answer") else {}
        assert all(n == 0 for name, n in counts.items() if name != "country")
        if counts:
            assert counts["country"] > 200  # the seeded countries are back, not half-replaced


def test_a_truncated_compressed_backup_is_refused(demo_backup, empty_database, other_app, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "instance.jsonl.gz"
    path.write_bytes(gzip.compress(demo_backup.read_bytes()))
    verify_backup(path)  # whole, it is fine
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    target = other_app(empty_database)
    with target.app_context(), pytest.raises(BackupError, match="damaged or truncated"):
        restore(empty_database, path)


def test_a_backup_of_another_schema_revision_is_refused(demo_backup, empty_database, other_app, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "instance.jsonl"
    path.write_bytes(demo_backup.read_bytes())

    def older(lines: list[str]) -> list[str]:
        import hashlib

        header = json.loads(lines[0])
        header["schema_revision"] = "0000"
        body = [json.dumps(header) + "\n", *lines[1:-1]]
        end = json.loads(lines[-1])
        end["sha256"] = hashlib.sha256("".join(body).encode("utf-8")).hexdigest()
        return [*body, json.dumps(end) + "\n"]

    _rewrite(path, older)
    verify_backup(path)  # well-formed
    target = other_app(empty_database)
    with target.app_context(), pytest.raises(BackupError, match="schema revision 0000"):
        restore(empty_database, path)


def _run(*args: str, url: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": url}
    env.pop("SECRET_KEY", None)
    return subprocess.run(
        [QUESTIONNAIRE, *args],
        env=env,
        cwd=str(ROOT),
        capture_output=True,
        text=True,
        input=stdin,
        timeout=120,
        check=False,
    )


def test_a_missing_backup_file_is_named(empty_database, other_app, tmp_path) -> None:  # type: ignore[no-untyped-def]
    with (
        other_app(empty_database).app_context(),
        pytest.raises(BackupError, match="There is no backup file"),
    ):
        restore(empty_database, tmp_path / "nope.jsonl")


@pytest.mark.slow
def test_the_backup_and_restore_commands(app, database_url, empty_database, tmp_path) -> None:  # type: ignore[no-untyped-def]
    build_instance()
    path = tmp_path / "nightly.jsonl.gz"
    made = _run("backup", "-o", str(path), url=database_url)
    assert made.returncode == 0, made.stderr
    assert "wrote" in made.stdout and "sha256" in made.stdout
    done = _run("restore", str(path), url=empty_database)
    assert done.returncode == 0, done.stderr
    assert "restored" in done.stdout and "answer_change" in done.stdout
    again = _run("restore", str(path), url=empty_database)
    assert again.returncode == 1
    assert "not empty" in again.stderr and "Nothing was restored" in again.stderr
    with gzip.open(path, "rt", encoding="utf-8") as stream:
        header = json.loads(stream.readline())
    assert header["format"] == "thbq-backup" and header["format_version"] == 1
    assert "password_hash" in {c for t in header["tables"] for c in t["columns"]}
    assert not any(t["name"] == "login_session" for t in header["tables"])
