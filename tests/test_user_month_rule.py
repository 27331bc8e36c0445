"""The user rule pack documented in docs/rules.md (a month rule) passes `rules check` and fires as written."""

from __future__ import annotations

import shutil
from pathlib import Path

from typer.testing import CliRunner

import energyplan
from energyplan.cli.app import app

ROOT = Path(__file__).parents[1]
PACK = ROOT / "examples" / "rules"


def test_the_documented_month_rule_checks_and_is_in_the_docs():
    result = CliRunner().invoke(app, ["rules", "check", str(PACK)])
    assert result.exit_code == 0 and "ACME701" in result.output
    text = (PACK / "ACME701.toml").read_text(encoding="utf-8").strip()
    assert text in (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")


def test_the_documented_month_rule_fires_once_per_site(tmp_path):
    plan = tmp_path / "p"
    shutil.copytree(ROOT / "sample_data" / "northwind", plan)
    with (plan / "energyplan.toml").open("a", encoding="utf-8") as fh:
        fh.write(f'\n[rules]\npaths = ["{PACK.as_posix()}"]\n')
    findings = energyplan.audit(plan, select=["ACME"]).findings
    assert sorted(findings["record_id"]) == ["ash-colo1", "fra-dc1"]
    assert findings["message"].str.contains("that start within a year").all()
