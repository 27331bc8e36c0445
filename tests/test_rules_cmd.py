"""`energyplan rules list|explain|check`: formats, values in force, did-you-mean, exit codes, no pandas."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from energyplan.cli.app import app
from tests.helpers import write_plan

runner = CliRunner()
PACK_RULE = """code = "ACME101"
name = "huge-workload"
severity = "warning"
table = "workloads"
when = "not ended and gpu_count > max_gpus"
message = "workload {workload_id} uses {gpu_count:,} GPUs (limit {max_gpus})"
summary = "A workload is larger than our policy allows"
rationale = "Huge jobs concentrate risk."
remediation = "Split the workload."

[params]
max_gpus = 4096
"""


def invoke(*args: str) -> object:
    return runner.invoke(app, list(args))


def test_list_json_every_rule() -> None:
    result = invoke("rules", "list", "--format", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    by_code = {r["code"]: r for r in rows}
    assert by_code["EP501"] == {"code": "EP501", "name": "capacity-shortfall", "severity": "error",
                                "table": "sites", "summary": "Site demand exceeds the firm power it can count on"}
    assert [r["code"] for r in rows] == sorted(by_code)


def test_list_text_and_rich() -> None:
    text = invoke("rules", "list", "--format", "text")
    assert text.exit_code == 0
    line = next(x for x in text.stdout.splitlines() if x.startswith("EP203"))
    assert "missing-ppa-layer" in line and "warning" in line
    rich = invoke("rules", "list", "--format", "rich")
    assert rich.exit_code == 0 and "EP603" in rich.stdout


def test_list_shows_config_severity_and_user_pack(tmp_path: Path) -> None:
    (tmp_path / "policies").mkdir(parents=True)
    (tmp_path / "policies" / "acme.toml").write_text(PACK_RULE, encoding="utf-8")
    plan = write_plan(tmp_path, toml='[rules]\npaths = ["policies"]\nseverity = { EP203 = "error" }\n')
    rows = {r["code"]: r for r in json.loads(invoke("rules", "list", "-f", "json", "--plan", str(plan)).stdout)}
    assert rows["EP203"]["severity"] == "error" and "ACME101" in rows


def test_explain_sections_and_values_in_force(tmp_path: Path) -> None:
    plan = write_plan(tmp_path, toml="[rules.params.EP502]\nmin_headroom_pct = 15\n")
    result = invoke("rules", "explain", "ep502", "--format", "text", "--plan", str(plan))
    assert result.exit_code == 0, result.output
    out = result.stdout
    for section in ("# EP502 thin-headroom", "## Why it matters", "## What to do", "## Parameters"):
        assert section in out
    assert "| min_headroom_pct | 10 | 15 (configured) |" in out
    plain = invoke("rules", "explain", "EP502", "--format", "text")
    assert "| min_headroom_pct | 10 |" in plain.stdout and "in force" not in plain.stdout
    doc = json.loads(invoke("rules", "explain", "EP502", "-f", "json", "--plan", str(plan)).stdout)
    assert doc["params"] == [{"name": "min_headroom_pct", "default": 10, "value": 15}]
    assert doc["rationale"] and doc["remediation"] and doc["when"].startswith("not is_cloud")


def test_explain_rich_keeps_bracketed_text() -> None:
    result = invoke("rules", "explain", "EP502", "--format", "rich")
    assert result.exit_code == 0
    assert "[rules.params.EP502]" in result.stdout  # not swallowed as Rich markup


def test_explain_unknown_code_did_you_mean() -> None:
    result = invoke("rules", "explain", "EP5O1")
    assert result.exit_code == 2
    assert "did you mean 'EP501'?" in result.stderr and "Traceback" not in result.output


def test_explain_bad_config_and_format(tmp_path: Path) -> None:
    plan = write_plan(tmp_path, toml="[rules.params.EP502]\nmin_headroom = 15\n")
    result = invoke("rules", "explain", "EP502", "--plan", str(plan))
    assert result.exit_code == 2 and "did you mean 'min_headroom_pct'?" in result.stderr
    assert invoke("rules", "list", "--format", "yaml").exit_code == 2
    assert invoke("rules", "list", "--plan", str(tmp_path / "nope")).exit_code == 2


def test_check_valid_pack(tmp_path: Path) -> None:
    (tmp_path / "acme.toml").write_text(PACK_RULE, encoding="utf-8")
    result = invoke("rules", "check", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert "1 rule OK (ACME101)" in result.stdout


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("gpu_count > max_gpus", "gpu_cuont > max_gpus"), "did you mean 'gpu_count'?"),
        (("{workload_id}", "{workload_id.__class__}"), "attribute and index access"),
        (("severity", "severty"), "unknown key 'severty' (did you mean 'severity'?)"),
        (('"ACME101"', '"EP501"'), "EP501 is already defined"),
        (("not ended and", "__import__('os').system('true') and"), "attribute access"),
        (("not ended and", "__import__('os') and"), "dunder name"),
    ],
)
def test_check_invalid_pack_exit_2(tmp_path: Path, change: tuple[str, str], expected: str) -> None:
    path = tmp_path / "acme.toml"
    path.write_text(PACK_RULE.replace(*change), encoding="utf-8")
    result = invoke("rules", "check", str(path))
    assert result.exit_code == 2
    assert expected in result.stderr and str(path) in result.stderr


def test_check_missing_path() -> None:
    result = invoke("rules", "check", "no/such/pack")
    assert result.exit_code == 2 and "no such rule file or folder" in result.stderr


@pytest.mark.parametrize("args", [["rules", "list", "--format", "json"], ["rules", "explain", "EP501", "-f", "text"],
                                  ["rules", "list", "--format", "rich"]])
def test_list_and_explain_do_not_import_pandas(args: list[str]) -> None:
    code = (
        "import sys\n"
        "from energyplan.cli.app import app\n"
        "try:\n"
        f"    app({args!r})\n"
        "except SystemExit as exc:\n"
        "    assert exc.code in (0, None), exc.code\n"
        "loaded = [m for m in ('pandas', 'pyarrow', 'pandera', 'numpy') if m in sys.modules]\n"
        "sys.stderr.write('LOADED=' + ','.join(loaded))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.strip().endswith("LOADED="), proc.stderr
