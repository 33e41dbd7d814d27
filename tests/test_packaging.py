"""The lock files pin every dependency pyproject.toml names, at versions it allows, with hashes."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from questionnaire import config

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==([^\s;]+)(?:\s*;\s*([^\\]+?))?\s*\\?$")


def _project() -> dict:  # type: ignore[type-arg]
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def _pins(name: str) -> dict[str, list[str]]:
    pins: dict[str, list[str]] = {}
    lines = (ROOT / "requirements" / name).read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines):
        match = PIN.match(line)
        if match:
            pins.setdefault(canonicalize_name(match.group(1)), []).append(match.group(2))
            following = lines[number + 1] if number + 1 < len(lines) else ""
            assert following.strip().startswith("--hash=sha256:"), f"{name}: {match.group(1)} has no hash"
    return pins


@pytest.mark.parametrize(("lock", "extras"), [("app.lock", ()), ("dev.lock", ("dev",))])
def test_every_dependency_is_locked_at_a_version_pyproject_allows(lock: str, extras: tuple[str, ...]) -> None:
    project = _project()
    wanted = [Requirement(r) for r in project["dependencies"]]
    for extra in extras:
        wanted += [Requirement(r) for r in project["optional-dependencies"][extra]]
    pins = _pins(lock)
    for requirement in wanted:
        versions = pins.get(canonicalize_name(requirement.name))
        assert versions, (
            f"{requirement.name} is in pyproject.toml but not in requirements/{lock}: run requirements/refresh"
        )
        assert any(requirement.specifier.contains(v, prereleases=True) for v in versions), (
            f"requirements/{lock} pins {requirement.name} {versions}, outside {requirement.specifier}"
        )


def test_the_runtime_lock_holds_no_development_tool() -> None:
    pins = _pins("app.lock")
    for tool in ("pytest", "mypy", "ruff", "playwright", "schemathesis"):
        assert tool not in pins


def test_a_checkout_finds_its_top_level_files_and_a_wheel_its_shipped_copy(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    assert config.resource("templates") == ROOT / "templates"
    assert config.resource("obligations.yaml") == ROOT / "obligations.yaml"
    shipped = tmp_path / "_shipped"
    (shipped / "templates").mkdir(parents=True)
    monkeypatch.setattr(config, "SHIPPED", shipped)
    assert config.resource("templates") == shipped / "templates"
    assert config.resource("static") == ROOT / "static"  # not shipped there: the checkout's


def test_the_wheel_ships_what_the_application_reads() -> None:
    """pyproject.toml copies into the wheel every top-level file `config.resource` is asked for."""
    build = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["hatch"]["build"]
    shipped = build["targets"]["wheel"]["force-include"]
    asked = set()
    for path in (ROOT / "questionnaire").rglob("*.py"):
        asked |= set(re.findall(r'resource\("([^"]+)"\)', path.read_text(encoding="utf-8")))
    assert asked, "no resource() call found"
    for name in asked:
        assert shipped.get(name) == f"questionnaire/_shipped/{name}", f"{name} is read but not shipped in the wheel"
