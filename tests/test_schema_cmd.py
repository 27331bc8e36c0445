"""`energyplan schema`: the plan format straight from the models, in rich, text and JSON."""

from __future__ import annotations

import json
import subprocess
import sys

from typer.testing import CliRunner

from energyplan.cli.app import app
from energyplan.model import TABLES
from energyplan.plan.schemas import describe, input_columns

runner = CliRunner()


def test_json_lists_every_table_and_column_from_the_models() -> None:
    result = runner.invoke(app, ["schema", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["schema_version"] == 1
    assert [t["table"] for t in data["tables"]] == list(TABLES)
    for t in data["tables"]:
        assert [c["name"] for c in t["columns"]] == input_columns(t["table"])
        shown = [{k: v for k, v in c.items() if k != "range"} for c in t["columns"]]
        assert shown == describe(t["table"])["columns"]
    optional = {t["table"]: t for t in data["tables"] if not t["required"]}
    assert list(optional) == ["incidents", "profiles"]
    assert optional["profiles"]["files"] == ["profiles.csv", "profiles.parquet"]


def test_json_for_one_table_is_stable() -> None:
    first = runner.invoke(app, ["schema", "contracts", "-f", "json"]).stdout
    assert first == runner.invoke(app, ["schema", "contracts", "-f", "json"]).stdout
    cols = {c["name"]: c for c in json.loads(first)["tables"][0]["columns"]}
    assert cols["availability_pct"]["unit"] == "%" and cols["availability_pct"]["maximum"] == 100
    assert cols["layer"]["allowed"] == ["grid", "flexibility", "ppa"]


def test_text_shows_type_required_unit_and_allowed_values() -> None:
    result = runner.invoke(app, ["schema", "workloads", "--format", "text"])
    assert result.exit_code == 0
    line = next(x for x in result.stdout.splitlines() if x.strip().startswith("gpu_power_kw"))
    assert line.split()[:4] == ["gpu_power_kw", "float", "yes", "kW"] and "> 0 and ≤ 5" in line
    crit = next(x for x in result.stdout.splitlines() if x.strip().startswith("criticality"))
    assert "sensitive, tolerant" in crit and " no " in crit


def test_rich_output_names_every_column() -> None:
    result = runner.invoke(app, ["schema", "sites", "--format", "rich"])
    assert result.exit_code == 0
    for name in input_columns("sites"):
        assert name in result.stdout


def test_unknown_table_exits_2_with_did_you_mean() -> None:
    result = runner.invoke(app, ["schema", "workload"])
    assert result.exit_code == 2
    assert "did you mean 'workloads'?" in result.stderr and result.stdout == ""


def test_unknown_format_exits_2() -> None:
    result = runner.invoke(app, ["schema", "--format", "yaml"])
    assert result.exit_code == 2 and "choose from rich, text, json" in result.stderr


def test_help_has_an_example() -> None:
    result = runner.invoke(app, ["schema", "--help"])
    assert result.exit_code == 0 and "energyplan schema workloads" in result.stdout


def test_the_cli_module_imports_no_pandas() -> None:
    code = ("import sys, energyplan.cli.cmd_schema, energyplan.cli.app; "
            "print(any(m in sys.modules for m in ('pandas', 'pyarrow', 'pandera')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
