"""CI runs what the README says and lets no required test skip silently."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .conftest import usable_redis

ROOT = Path(__file__).resolve().parent.parent


def test_ci_runs_the_readme_command_on_both_databases_and_checks_the_wheel() -> None:
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    for required in ("REQUIRE_BROWSER=1", "REQUIRE_LIBREOFFICE=1", "REQUIRE_REDIS=1"):
        assert re.search(rf"^export {required}", script, re.M), f".ci/run does not export {required}"
    assert "run_suite sqlite" in script and "run_suite postgresql" in script
    assert "bash .ci/check-wheel" in script
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    command = readme.split("<!-- test-command", 1)[1].split("```sh\n", 1)[1].split("\n", 1)[0]
    assert "--require-hashes -r requirements/dev.lock" in command and command.endswith(".venv/bin/pytest")


def test_an_unreachable_redis_fails_under_require_redis_and_skips_otherwise(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    nowhere = "redis://127.0.0.1:1/15"
    monkeypatch.setenv("REQUIRE_REDIS", "1")
    with pytest.raises(pytest.fail.Exception, match="Redis is required but does not answer"):
        usable_redis(nowhere)
    monkeypatch.delenv("REQUIRE_REDIS")
    with pytest.raises(pytest.skip.Exception, match="Redis does not answer"):
        usable_redis(nowhere)
