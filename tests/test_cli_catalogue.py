"""`questionnaire catalogue validate`: a one-line summary, or one PATH:LINE line per problem."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from questionnaire.cli import main

ROOT = Path(__file__).resolve().parent.parent


def test_validate_passes_on_the_catalogue() -> None:
    result = CliRunner().invoke(main, ["catalogue", "validate", str(ROOT / "obligations.yaml")])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    assert "5 instruments, 44 obligations (37 assessed against countries), 38 items in 7 sections, edition " in lines[0]


def test_validate_reports_each_problem_with_path_and_line(tmp_path: Path) -> None:
    text = (ROOT / "obligations.yaml").read_text(encoding="utf-8")
    broken = text.replace("    instrument: ga-2010\n", "    instrument: ga-2011\n", 1).replace(
        "    paragraph: 2(a)\n", "    paragraph: 2(a)\n    colour: red\n", 1
    )
    path = tmp_path / "broken.yaml"
    path.write_text(broken, encoding="utf-8")
    result = CliRunner().invoke(main, ["catalogue", "validate", str(path)])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 2
    colour_line = broken[: broken.index("colour: red")].count("\n") + 1
    instrument_line = broken[: broken.index("instrument: ga-2011")].count("\n") + 1
    assert f"{path}:{instrument_line}: obligation 'ga-2010.urges' refers to unknown instrument 'ga-2011'" in lines
    assert any(line.startswith(f"{path}:{colour_line}: unknown key 'colour'") for line in lines)


def test_validate_reports_a_schema_error_at_the_line_of_its_value(tmp_path: Path) -> None:
    text = (ROOT / "obligations.yaml").read_text(encoding="utf-8")
    broken = text.replace("    value: 75\n", "    value: lots\n", 1)
    path = tmp_path / "broken.yaml"
    path.write_text(broken, encoding="utf-8")
    result = CliRunner().invoke(main, ["catalogue", "validate", str(path)])
    assert result.exit_code == 1
    line = broken[: broken.index("value: lots")].count("\n") + 1
    assert result.output.strip().splitlines() == [f"{path}:{line}: 'value' of scale level 'largely' must be a number"]


def test_validate_a_missing_file(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["catalogue", "validate", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 1
    assert result.output.startswith(f"{tmp_path / 'nope.yaml'}:0: cannot read the file")


def test_the_console_script_runs_without_a_database_or_secret(tmp_path: Path) -> None:
    """The installed command validates with nothing configured (as CI and authors run it)."""
    result = subprocess.run(
        [sys.executable, "-m", "questionnaire.cli", "catalogue", "validate"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "obligations.yaml: ok:" in result.stdout
