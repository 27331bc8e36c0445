"""`energyplan init DIR`: header-only tables and a commented energyplan.toml that validate clean."""

from __future__ import annotations

import tomllib
from pathlib import Path

from typer.testing import CliRunner

from energyplan.cli.app import app
from energyplan.config import load_settings
from energyplan.model import TABLES
from energyplan.plan.schemas import input_columns
from tests.test_validate_support import findings, validate

runner = CliRunner()


def test_init_writes_header_only_tables_and_a_config(tmp_path: Path) -> None:
    plan = tmp_path / "plans" / "2027"
    result = runner.invoke(app, ["init", str(plan)])
    assert result.exit_code == 0, result.output
    assert result.stdout == "" and f"wrote {len(TABLES) + 1} files" in result.stderr
    for table in TABLES:
        assert (plan / f"{table}.csv").read_text() == ",".join(input_columns(table)) + "\n"
    raw = tomllib.loads((plan / "energyplan.toml").read_text())
    assert raw == {"currency": "EUR"}  # every other section is commented out, as_of included


def test_init_config_mentions_every_section_of_the_format(tmp_path: Path) -> None:
    runner.invoke(app, ["init", str(tmp_path)])
    text = (tmp_path / "energyplan.toml").read_text()
    for section in ("# as_of", "# [fx]", "# [targets]", "# [rules]", "# [rules.params.EP502]", "# [[waivers]]"):
        assert section in text
    uncommented = tomllib.loads("\n".join(line.removeprefix("# ") for line in text.splitlines()
                                          if not line.startswith("# energyplan") and "uncomment" not in line))
    assert set(uncommented) >= {"currency", "as_of", "fx", "targets", "rules", "waivers"}


def test_a_fresh_plan_validates_with_no_finding(tmp_path: Path) -> None:
    runner.invoke(app, ["init", str(tmp_path)])
    plan = validate(tmp_path, load_settings(tmp_path))
    assert findings(plan) == []
    assert plan.loaded == set(TABLES)


def test_init_refuses_to_overwrite_and_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "workloads.csv").write_text("mine\n")
    result = runner.invoke(app, ["init", str(tmp_path)])
    assert result.exit_code == 2
    assert "will not overwrite workloads.csv" in result.stderr
    assert (tmp_path / "workloads.csv").read_text() == "mine\n"
    assert not (tmp_path / "sites.csv").exists()


def test_init_on_a_file_exits_2(tmp_path: Path) -> None:
    target = tmp_path / "plan"
    target.write_text("")
    result = runner.invoke(app, ["init", str(target)])
    assert result.exit_code == 2 and "not a folder" in result.stderr
