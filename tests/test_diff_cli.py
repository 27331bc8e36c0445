"""`energyplan diff` end to end on tiny plans: exit codes, thresholds, formats, files."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from energyplan.cli.app import app
from tests.helpers import COMMITMENT, CONTRACT, SITE, WORKLOAD, row, write_plan

runner = CliRunner()
AS_OF = ["--as-of", "2026-11-30"]
# w1: 10 GPUs × 1.0 kW × PUE 1.2 = 0.012 MW; g1: 1.0 MW × 99.9 % = 0.999 MW → headroom 0.987 MW
BASE = {"sites": [SITE], "workloads": [WORKLOAD], "commitments": [COMMITMENT], "contracts": [CONTRACT]}
# + w2: 500 GPUs × 1.0 kW × 1.2 = 0.6 MW more peak → headroom 0.387 MW (−0.6)
BIGGER = {**BASE, "workloads": [WORKLOAD, row(WORKLOAD, workload_id="w2", gpu_count=500)]}
# + c2 without a sourcing plan: a new EP101 error
UNSOURCED = {**BASE, "commitments": [COMMITMENT, row(COMMITMENT, commitment_id="c2", sourcing_plan_id="")]}


def diff(tmp_path, base, head, *args):
    b = write_plan(tmp_path / "base", **base)
    h = write_plan(tmp_path / "head", **head)
    return runner.invoke(app, ["diff", str(b), str(h), *AS_OF, "--quiet", *args])


def test_identical_plans_pass_with_nothing_new(tmp_path):
    res = diff(tmp_path, BASE, BASE, "-f", "json")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["summary"]["new"] == 0 and doc["summary"]["fixed"] == 0
    assert all(k["change"] in (0, None) for k in doc["kpis"])


def test_a_new_error_fails_and_is_listed_and_fixing_it_is_reported(tmp_path):
    res = diff(tmp_path, BASE, UNSOURCED, "-f", "json")
    assert res.exit_code == 1
    doc = json.loads(res.stdout)
    assert [(f["rule"], f["record_id"]) for f in doc["new"] if f["severity"] == "error"] == [("EP101", "c2")]
    assert doc["summary"]["new_failing"] == 1
    back = runner.invoke(app, ["diff", str(tmp_path / "head"), str(tmp_path / "base"), *AS_OF, "-q", "-f", "json"])
    assert back.exit_code == 0
    fixed = json.loads(back.stdout)["fixed"]
    assert {(f["rule"], f["record_id"]) for f in fixed} >= {("EP101", "c2")}
    assert runner.invoke(app, ["diff", str(tmp_path / "base"), str(tmp_path / "head"), *AS_OF, "-q",
                               "--fail-on", "never"]).exit_code == 0


def test_kpi_change_and_thresholds_with_hand_computed_values(tmp_path):
    res = diff(tmp_path, BASE, BIGGER, "-f", "json", "--fail-if", "headroom_mw:-0.5", "--fail-if", "headroom_mw:-0.7",
               "--fail-if", "peak_demand_mw@s1:+4900%", "--fail-on", "never")
    assert res.exit_code == 1, res.output
    doc = json.loads(res.stdout)
    portfolio = {k["kpi"]: k for k in doc["kpis"] if k["scope"] == "portfolio"}
    assert portfolio["headroom_mw"]["base"] == pytest.approx(0.987)
    assert portfolio["headroom_mw"]["head"] == pytest.approx(0.387)
    assert portfolio["headroom_mw"]["change"] == pytest.approx(-0.6)
    checks = {t["spec"]: t for t in doc["thresholds"]}
    assert checks["headroom_mw:-0.5"]["crossed"] is True
    assert checks["headroom_mw:-0.7"]["crossed"] is False
    assert checks["peak_demand_mw@s1:+4900%"]["change"] == pytest.approx(5000.0)  # 0.612 / 0.012 − 1
    assert checks["peak_demand_mw@s1:+4900%"]["crossed"] is True
    ok = diff(tmp_path / "again", BASE, BIGGER, "--fail-if", "headroom_mw:-0.7", "--fail-on", "never")
    assert ok.exit_code == 0


def test_bad_threshold_and_unknown_site_are_usage_errors(tmp_path):
    res = diff(tmp_path, BASE, BASE, "--fail-if", "headroom:-1")
    assert res.exit_code == 2 and "did you mean 'headroom_mw'" in res.output
    res = diff(tmp_path / "b", BASE, BASE, "--fail-if", "headroom_mw@nowhere:-1")
    assert res.exit_code == 2 and "site 'nowhere' is in neither plan" in res.output


def test_markdown_and_files(tmp_path):
    out = tmp_path / "diff.json"
    res = diff(tmp_path, BASE, UNSOURCED, "-f", "markdown", "-o", f"json={out}")
    assert res.exit_code == 1
    assert res.stdout.startswith("## ❌ energyplan diff: ")
    assert json.loads(out.read_text(encoding="utf-8"))["summary"]["new_failing"] == 1


def test_missing_plan_folder_is_exit_2(tmp_path):
    res = runner.invoke(app, ["diff", str(tmp_path / "nope"), str(tmp_path / "nope2")])
    assert res.exit_code == 2 and "does not exist" in res.output
