"""`energyplan audit` / `validate` end to end: exit codes, JSON contract, outputs, baselines, determinism."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.helpers import COMMITMENT, csv_text, write_plan
from tests.support.cli import ROOT, SAMPLES, energyplan, subprocess_energyplan
from tests.support.kpis import WORKED


def audit_json(plan: Path, *args: str) -> tuple[int, dict]:
    proc = energyplan("audit", plan, "--format", "json", *args)
    assert proc.returncode in (0, 1), proc.stderr
    assert "Traceback" not in proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def test_worked_example_json_matches_kpis_md(tmp_path: Path) -> None:
    plan = write_plan(tmp_path / "worked", toml="as_of = 2026-12-01\n", **WORKED)
    _, doc = audit_json(plan)
    (site,) = doc["kpis"]["sites"]
    expected = {
        "peak_demand_mw": 1.44, "effective_mw": 2.493, "headroom_mw": 1.053, "headroom_pct": 1.053 / 2.493 * 100,
        "supply_availability_pct": 99.999, "annual_energy_mwh": 9460.8, "gpu_hours": 10_512_000,
        "ppa_volume_mwh": 5000, "ppa_coverage_pct": 5000 / 9460.8 * 100,
        "carbon_intensity_g_per_kwh": 4460.8 * 380 / 9460.8, "location_carbon_intensity_g_per_kwh": 380,
        "kg_co2e_per_gpu_hour": 4460.8 * 380 / 9460.8 * 0.9 / 1000, "energy_cost_per_gpu_hour": 0.081,
        "compute_cost_per_gpu_hour": None, "marginal_gpu_hour_cost": 0.081, "incidents_13w": 0,
    }
    for column, value in expected.items():
        if value is None:
            assert site[column] is None, column
        else:
            assert site[column] == pytest.approx(value, rel=1e-9, abs=1e-9), column
    assert doc["kpis"]["portfolio"]["peak_demand_mw"] == pytest.approx(1.44, rel=1e-9)
    assert doc["as_of"] == "2026-12-01" and doc["currency"] == "EUR" and doc["schema_version"] == 1


def test_northwind_has_every_severity_and_fails() -> None:
    code, doc = audit_json(SAMPLES / "northwind")
    assert code == 1
    assert doc["summary"]["error"] > 0 and doc["summary"]["warning"] > 0 and doc["summary"]["info"] > 0
    assert doc["summary"]["waived"] >= 1
    assert {s["site_id"] for s in doc["kpis"]["sites"]} >= {"fra-dc1", "ash-colo1", "eurohpc-jupiter"}
    assert not any(f["rule"].startswith("EP00") for f in doc["findings"]), "northwind must be integrity-clean"


def test_clean_sample_has_no_finding() -> None:
    code, doc = audit_json(SAMPLES / "clean")
    assert code == 0 and doc["findings"] == []
    assert doc["summary"] == {"error": 0, "warning": 0, "info": 0, "waived": 0, "baseline": 0, "stale_waivers": 0,
                              "rows_left_out": doc["summary"]["rows_left_out"]}


def test_broken_sample_reports_findings_without_traceback() -> None:
    proc = subprocess_energyplan("audit", SAMPLES / "broken", "--format", "json")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    code, doc = proc.returncode, json.loads(proc.stdout)
    assert code == 1
    rules = {f["rule"] for f in doc["findings"]}
    assert {"EP000", "EP001", "EP002", "EP003"} <= rules
    semicolon = [f for f in doc["findings"] if f["file"] == "commitments.csv" and f["rule"] == "EP000"]
    assert len(semicolon) == 1 and "semicolon" in semicolon[0]["message"]
    assert doc["skipped_rules"], "rules needing commitments are reported as skipped"


@pytest.mark.parametrize("fmt", ["json", "sarif", "markdown", "junit", "text", "github"])
def test_output_is_byte_identical_across_runs(fmt: str) -> None:
    first = subprocess_energyplan("audit", SAMPLES / "northwind", "--format", fmt)
    second = energyplan("audit", SAMPLES / "northwind", "--format", fmt, env={"GITHUB_STEP_SUMMARY": ""})
    assert "Traceback" not in first.stderr
    assert first.returncode == second.returncode == 1
    assert first.stdout == second.stdout and first.stdout


def test_several_outputs_in_one_run(tmp_path: Path) -> None:
    proc = energyplan("audit", SAMPLES / "northwind", "--format", "text", "-o", f"sarif={tmp_path / 'a.sarif'}",
                      "-o", f"markdown={tmp_path / 'summary.md'}", "-o", f"json={tmp_path / 'a.json'}")
    assert proc.returncode == 1
    assert "EP101 [error]" in proc.stdout  # stdout still gets --format
    assert json.loads((tmp_path / "a.sarif").read_text())["version"] == "2.1.0"
    assert json.loads((tmp_path / "a.json").read_text())["summary"]["error"] > 0
    assert "EP101" in (tmp_path / "summary.md").read_text()
    assert "wrote sarif" in proc.stderr
    assert not list(tmp_path.glob(".*.tmp")), "no temp file is left behind"


def test_plain_output_takes_stdout(tmp_path: Path) -> None:
    proc = energyplan("audit", SAMPLES / "clean", "--format", "json", "-o", tmp_path / "out.json")
    assert proc.returncode == 0 and proc.stdout == ""
    assert json.loads((tmp_path / "out.json").read_text())["findings"] == []


def test_unwritable_output_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    proc = energyplan("audit", SAMPLES / "clean", "-o", f"json={tmp_path / 'missing' / 'out.json'}")
    assert proc.returncode == 2 and "does not exist" in proc.stderr and "Traceback" not in proc.stderr


def test_quiet_prints_only_the_verdict() -> None:
    proc = energyplan("audit", SAMPLES / "northwind", "--format", "text", "--quiet")
    assert proc.returncode == 1
    assert proc.stdout.strip().count("\n") == 0 and "FAIL" in proc.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["audit", "no/such/plan"], "does not exist"),
        (["audit", "sample_data/clean", "--format", "yaml"], "unknown --format"),
        (["audit", "sample_data/clean", "--as-of", "30/11/2026"], "YYYY-MM-DD"),
        (["audit", "sample_data/clean", "--fail-on", "loud"], "--fail-on"),
        (["audit", "sample_data/clean", "--select", "EP9"], "matches no rule"),
        (["audit", "sample_data/clean", "--baseline", "nope.json"], "nope.json"),
    ],
)
def test_could_not_run_exits_2(args: list[str], message: str) -> None:
    proc = energyplan(*args, cwd=ROOT)
    assert proc.returncode == 2, proc.stderr
    assert message in proc.stderr and "Traceback" not in proc.stderr


def test_invalid_config_exits_2(tmp_path: Path) -> None:
    plan = write_plan(tmp_path / "p", toml="[rules]\nfail_onn = 'error'\n")
    proc = energyplan("audit", plan)
    assert proc.returncode == 2 and "did you mean 'fail_on'" in proc.stderr


def test_fail_on_and_select_flags() -> None:
    assert energyplan("audit", SAMPLES / "northwind", "--fail-on", "never", "-q").returncode == 0
    code, doc = audit_json(SAMPLES / "northwind", "--select", "EP3", "--ignore", "EP304")
    assert code == 0 and {f["rule"] for f in doc["findings"]} <= {"EP301", "EP302", "EP303"}
    code, doc = audit_json(SAMPLES / "clean", "--fail-on", "info")
    assert code == 0


def test_as_of_flag_overrides_config() -> None:
    _, doc = audit_json(SAMPLES / "clean", "--as-of", "2031-06-01")
    assert doc["as_of"] == "2031-06-01"


def test_validate_has_no_kpis_and_only_integrity_rules() -> None:
    proc = energyplan("validate", SAMPLES / "broken", "--format", "json")
    assert proc.returncode == 1
    doc = json.loads(proc.stdout)
    assert "kpis" not in doc
    assert {f["rule"] for f in doc["findings"]} <= {"EP000", "EP001", "EP002", "EP003"}
    assert energyplan("validate", SAMPLES / "northwind", "-q").returncode == 0


def test_max_findings_caps_listing_not_counts() -> None:
    _, full = audit_json(SAMPLES / "northwind")
    _, capped = audit_json(SAMPLES / "northwind", "--max-findings", "1")
    assert capped["summary"] == full["summary"]
    per_rule: dict[str, int] = {}
    for f in full["findings"]:
        per_rule[f["rule"]] = per_rule.get(f["rule"], 0) + 1
    assert capped["truncated"] == {r: n - 1 for r, n in sorted(per_rule.items()) if n > 1}


def test_baseline_adoption_flow(tmp_path: Path) -> None:
    """Baseline today's findings → exit 0; add a commitment without sourcing plan → exit 1, only it is new."""
    plan = tmp_path / "northwind"
    shutil.copytree(SAMPLES / "northwind", plan)
    baseline = tmp_path / "baseline.json"
    assert energyplan("audit", plan, "-q", "--write-baseline", baseline).returncode == 0  # accepted
    code, doc = audit_json(plan, "--baseline", str(baseline))
    assert code == 0 and doc["summary"]["error"] == 0 and doc["summary"]["baseline"] > 0
    assert all(f["baseline"] or f["waived"] for f in doc["findings"])

    with (plan / "commitments.csv").open("a", encoding="utf-8", newline="") as fh:
        extra = dict(COMMITMENT, commitment_id="cmt-new-h200", site_id="aws-eu-central-1", sourcing_plan_id="",
                     provider="AWS", gpu_count=1024)
        fh.write(csv_text([extra]).splitlines()[1] + "\n")
    code, doc = audit_json(plan, "--baseline", str(baseline))
    assert code == 1
    new = [f for f in doc["findings"] if not f["baseline"] and not f["waived"]]
    # nothing is bound to the new signed commitment yet, so it is stranded (EP108) too
    assert [(f["rule"], f["record_id"]) for f in new] == [("EP101", "cmt-new-h200"), ("EP108", "cmt-new-h200")]
    assert doc["fixed"] == []
