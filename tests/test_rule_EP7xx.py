"""EP701–EP705, the forward rules over the months of spec/outlook.md: each fires, and each stays quiet just short."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

from energyplan.config import load_settings
from energyplan.model import AuditOutcome
from energyplan.pipeline import run
from tests.helpers import CONTRACT, SITE, WORKLOAD, row, write_plan
from tests.support import rules
from tests.support.outlook import WORKED

D = dt.date(2026, 11, 15)  # as tests.support.outlook.D


def audit(tmp_path: Path, *, as_of: dt.date = D, months: int = 3, **kw: Any) -> AuditOutcome:
    """The rule harness at the worked example's date over three months: the month rules, and EP501 (the
    day's shortfall) to tell them apart."""
    return rules.audit(tmp_path, as_of=as_of, months=months, select=("EP501", "EP7"), **kw)


def found(result: AuditOutcome, code: str) -> list[tuple]:
    return [(f.table, f.record_id, f.file, f.line, f.column, f.message) for f in result.findings if f.rule == code]


def test_EP701_fires_once_for_the_shortfall_that_starts_after_D(tmp_path):
    result = audit(tmp_path, **WORKED)
    assert found(result, "EP701") == [(
        "sites", "s1", "sites.csv", 2, None,
        "site s1 runs short of firm power from 2026-12-10: peak 1.50 MW vs effective 1.40 MW that month; "
        "months in which a shortfall starts: 1, the last 2026-12-01")]
    assert found(result, "EP501") == []  # D itself is not short


def test_EP701_quiet_when_the_shortfall_already_runs_on_D_and_does_not_start_again(tmp_path):
    # D = 2026-12-15 is short (EP501's); the shortfall ends with December and never starts again
    result = audit(tmp_path, as_of=dt.date(2026, 12, 15), **WORKED)
    assert found(result, "EP701") == []
    assert [f.record_id for f in result.findings if f.rule == "EP501"] == ["s1"]


def test_EP702_fires_for_the_thin_month_ahead(tmp_path):
    result = audit(tmp_path, **WORKED)
    (only,) = found(result, "EP702")
    assert only[:5] == ("sites", "s1", "sites.csv", 2, None)
    assert "headroom 6.3% of effective MW in 2027-01-01" in only[5] and "months below 10%: 1" in only[5]


def test_EP702_boundary_headroom_equal_to_the_minimum_is_enough(tmp_path):
    result = audit(tmp_path, toml="[rules.params.EP702]\nmin_headroom_pct = 6.25\n", **WORKED)
    assert found(result, "EP702") == []


SENSITIVE = row(WORKLOAD, workload_id="rt", workload_class="realtime_inference", criticality="sensitive",
                gpu_count=1000, gpu_power_kw=1.0, utilization=1.0, sla_availability_pct=99.9,
                start_date="2026-01-01", end_date="")
GRID = row(CONTRACT, contract_id="g1", capacity_mw=5, availability_pct=100, start_date="2026-01-01",
           end_date="2030-12-31")


def battery(mw: float, end: str) -> dict:
    return row(CONTRACT, contract_id="b1", layer="flexibility", contract_type="battery_storage", technology="battery",
               capacity_mw=mw, energy_mwh=mw * 4, availability_pct=100, price_per_mwh="", currency="",
               start_date="2026-01-01", end_date=end)


def test_EP703_fires_when_the_battery_ends_under_sensitive_load(tmp_path):
    # 1000 GPUs × 1 kW × pue 1.2 = 1.2 MW sensitive; the 1.2 MW battery ends on 2026-12-31
    result = audit(tmp_path, sites=[SITE], workloads=[SENSITIVE], contracts=[GRID, battery(1.2, "2026-12-31")])
    (only,) = found(result, "EP703")
    assert only[:2] == ("sites", "s1")
    assert ("1.20 MW above counted flexibility 0.00 MW from 2027-01-01; months with a gap: 1, the last 2027-01-01"
            in only[5])


def test_EP703_boundary_flexibility_equal_to_the_sensitive_peak(tmp_path):
    result = audit(tmp_path, sites=[SITE], workloads=[SENSITIVE], contracts=[GRID, battery(1.2, "2030-12-31")])
    assert found(result, "EP703") == []


def test_EP705_quiet_at_the_default_drift(tmp_path):
    # January's 0.5746… is 4.48 % above month 0's 0.55 (outlook.md)
    assert found(audit(tmp_path, **WORKED), "EP705") == []


def test_EP705_fires_above_a_lower_drift_and_points_at_the_config(tmp_path):
    result = audit(tmp_path, toml="[rules.params.EP705]\nmax_drift_pct = 4\n", **WORKED)
    (only,) = found(result, "EP705")
    assert only[:5] == ("plan", "portfolio", "energyplan.toml", 1, None)
    assert "+4.5% above this month's by 2027-01-01" in only[5]


def test_EP705_boundary_a_drift_of_exactly_the_limit_does_not_fire(tmp_path):
    result = audit(tmp_path, toml="[rules.params.EP705]\nmax_drift_pct = 4.48\n", **WORKED)
    assert found(result, "EP705") == []  # 4.4789… % ≤ 4.48


def test_a_baseline_taken_this_week_still_matches_next_week(tmp_path):
    """The identity of a month finding is (rule, sites, site_id, null): it does not move with the calendar."""
    this_week = audit(tmp_path / "a", **WORKED)
    next_week = audit(tmp_path / "b", as_of=D + dt.timedelta(days=7), **WORKED)
    ids = {f.identity for f in this_week.findings if f.rule.startswith("EP7")}
    assert ids and ids == {f.identity for f in next_week.findings if f.rule.startswith("EP7")}


def test_the_audit_skips_the_outlook_when_no_month_rule_is_selected(tmp_path):
    plan_dir = write_plan(tmp_path / "plan", **WORKED)
    settings = load_settings(plan_dir).with_overrides(as_of=D, ignore=["EP7"])
    done = run(plan_dir, settings, mode="audit")
    assert done.outlook is None and done.outcome is not None and done.outcome.outlook is None
    shutil.rmtree(plan_dir)


PATHWAY = "[targets]\ncarbon_intensity_pathway = {{ 2026 = {carbon} }}\nemissions_pathway_t = {{ 2026 = {t} }}\n"


def test_EP704_fires_above_the_pathway_and_points_at_its_line(tmp_path):
    # December's carbon intensity is 177.735849… g/kWh (outlook.md); a flat pathway of 150 is left there
    result = audit(tmp_path, toml=PATHWAY.format(carbon=150, t=1e9), **WORKED)
    (only,) = found(result, "EP704")
    assert only[:5] == ("plan", "portfolio", "energyplan.toml", 2, None)
    assert "leaves its carbon pathway in 2026-12-01: 177.7 gCO2e/kWh against 150.0" in only[5]
    assert "months above it: 2, the last 2027-01-01" in only[5]  # January is 400 g/kWh


def test_EP704_fires_on_the_emissions_pathway_and_points_at_that_line(tmp_path):
    # January: 244.8 t against 2920 t/yr × 31/365 = 248.0 t → quiet; 2900 t/yr × 31/365 = 246.3 t → quiet too;
    # 2800 t/yr → 237.8 t < 244.8: fires in January only
    result = audit(tmp_path, toml=PATHWAY.format(carbon=1500, t=2800), **WORKED)
    (only,) = found(result, "EP704")
    assert only[3] == 3 and "in 2027-01-01" in only[5] and "months above it: 1" in only[5]


def test_EP704_boundary_a_pathway_equal_to_the_months_intensity_is_not_exceeded(tmp_path):
    # January's 400 g/kWh is the highest month: a pathway of exactly 400 is met
    result = audit(tmp_path, toml=PATHWAY.format(carbon=400, t=1e9), **WORKED)
    assert found(result, "EP704") == []


def test_EP704_quiet_without_a_pathway(tmp_path):
    assert found(audit(tmp_path, **WORKED), "EP704") == []
