"""Issue 13 item 1: one bad cell must not raise independent-looking errors downstream; findings whose inputs
lost a row or a cell to the schema check say so."""

from __future__ import annotations

import shutil
from pathlib import Path

import energyplan

ROOT = Path(__file__).parents[1]


def test_a_grid_contract_lost_to_a_bad_cell_is_named_by_the_findings_it_causes(tmp_path):
    plan = tmp_path / "p"
    shutil.copytree(ROOT / "sample_data" / "clean", plan)
    contracts = plan / "contracts.csv"
    lines = contracts.read_text(encoding="utf-8").splitlines()
    assert lines[1].startswith("lyon-grid,") and ",99.9,80," in lines[1]
    lines[1] = lines[1].replace(",99.9,80,", ",99.9%,80,")  # what the lead typed
    contracts.write_text("\n".join(lines) + "\n", encoding="utf-8")
    findings = energyplan.audit(plan).findings
    by_rule = dict(zip(findings["rule"], findings["message"], strict=False))
    assert "EP000" in by_rule
    for rule in ("EP201", "EP501"):
        assert by_rule[rule].endswith("(may be a consequence of contracts.csv:2 EP000)"), by_rule[rule]


def test_findings_at_other_sites_carry_no_note(tmp_path):
    result = energyplan.audit(ROOT / "sample_data" / "northwind")
    assert not result.findings["message"].str.contains("may be a consequence").any()
