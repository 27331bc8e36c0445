"""EP801–EP804 over the replay year, through the loader and the pipeline, on the worked example of
spec/adequacy.md written as a plan folder (profiles.csv included): each fires, and each stays quiet just short."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from energyplan.config import load_settings
from energyplan.model import AuditOutcome
from energyplan.pipeline import run
from tests.helpers import CONTRACT, SITE, WORKLOAD, row, write_plan

D = dt.date(2027, 1, 1)
HOURLY = "[hourly]\nround_trip_efficiency = 0.81\nmin_soc_pct = 0\nreserve_hours = 1.8\n"
GPU = {"gpu_power_kw": 1.0, "hours_per_week": 168, "start_date": "2026-01-01", "end_date": ""}
SITES = [row(SITE, site_id="s1", site_type="owned_dc", pue=1.0, grid_carbon_intensity_g_per_kwh=400)]
WORKLOADS = [
    row(WORKLOAD, workload_id="ws", criticality="sensitive", workload_class="realtime_inference", gpu_count=4000,
        utilization=1.0, sla_availability_pct=99.9, **GPU),
    row(WORKLOAD, workload_id="wt", criticality="tolerant", gpu_count=12000, utilization=0.5, **GPU),
]
CONTRACTS = [
    row(CONTRACT, contract_id="g1", capacity_mw=20, availability_pct=100, start_date="2026-01-01"),
    row(CONTRACT, contract_id="b1", layer="flexibility", contract_type="battery_storage", technology="battery",
        capacity_mw=5, energy_mwh=20, availability_pct=100, price_per_mwh="", currency="",
        start_date="2026-01-01"),
    row(CONTRACT, contract_id="p1", layer="ppa", contract_type="physical_ppa", technology="solar", capacity_mw=20,
        annual_volume_mwh=43800, availability_pct=100, price_per_mwh="", currency="", start_date="2026-01-01",
        generation_profile="sun"),
]
INCIDENT = {"incident_id": "i1", "site_id": "s1", "started_at": "2026-06-10T18:00:00", "duration_hours": 3,
            "mw_shed": "", "cause": "grid_curtailment"}


def sun_profile() -> str:
    """`sun`: 1 in hours 08–15 of every day of a (non-leap) year, 0 otherwise."""
    start = dt.datetime(2025, 1, 1)
    lines = ["profile_id,timestamp,value"]
    for h in range(8760):
        t = start + dt.timedelta(hours=h)
        lines.append(f"sun,{t.isoformat()},{1 if 8 <= t.hour <= 15 else 0}")
    return "\n".join(lines) + "\n"


def audit(tmp_path: Path, toml: str = "", *, incident_hours: float = 3) -> AuditOutcome:
    plan_dir = write_plan(tmp_path / "plan", toml=HOURLY + toml, sites=SITES, workloads=WORKLOADS,
                          contracts=CONTRACTS, incidents=[row(INCIDENT, duration_hours=incident_hours)])
    (plan_dir / "profiles.csv").write_text(sun_profile(), encoding="utf-8")
    done = run(plan_dir, load_settings(plan_dir).with_overrides(as_of=D), mode="audit")
    assert done.outcome is not None
    integrity = [f for f in done.outcome.findings if f.rule.startswith("EP00") and f.severity.value == "error"]
    assert not integrity, integrity
    return done.outcome


def found(result: AuditOutcome, code: str) -> list[tuple]:
    return [(f.table, f.record_id, f.file, f.line, f.column, f.message) for f in result.findings if f.rule == code]


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> AuditOutcome:
    return audit(tmp_path_factory.mktemp("example"))


def test_the_worked_example_through_the_loader(example):
    (site,) = example.adequacy["sites"]
    assert site["unserved_sensitive_mwh"] == pytest.approx(4, rel=1e-9)
    assert site["cfe_pct"] == pytest.approx(33142 / 87578 * 100, rel=1e-9)
    assert site["battery_cycles"] == pytest.approx(219.4, rel=1e-9)


def test_EP801_fires_for_the_unserved_hour_of_the_worked_example(example):
    assert found(example, "EP801") == [(
        "sites", "s1", "sites.csv", 2, None,
        "site s1: if last year's 1 grid event(s) recur, 4.0 MWh of sensitive load go unserved over 1 hour(s) "
        "(longest 1 h)")]


def test_EP801_quiet_when_the_event_is_one_hour_shorter(tmp_path):
    # 2 hours: curtail 6 twice, the reserve carries 3.2 + 4.0: nothing unserved
    assert found(audit(tmp_path, incident_hours=2), "EP801") == []


def test_EP802_fires_below_the_cfe_target(example, tmp_path):
    result = audit(tmp_path, "[targets]\ncfe_pct = 38\n")  # 37.84… % < 38
    (only,) = found(result, "EP802")
    assert only[:2] == ("sites", "s1") and "37.8% of served energy, below the target 38" in only[5]


def test_EP802_quiet_without_a_target_and_at_the_target(example, tmp_path):
    assert found(example, "EP802") == []
    assert found(audit(tmp_path, "[targets]\ncfe_pct = 37.8\n"), "EP802") == []


def test_EP803_fires_for_the_portfolio_at_the_target_line(tmp_path):
    result = audit(tmp_path, "[targets]\ncfe_pct = 38\n")
    (only,) = found(result, "EP803")
    assert only[:5] == ("plan", "portfolio", "energyplan.toml", 6, None)


def test_EP803_quiet_at_a_lower_target(tmp_path):
    assert found(audit(tmp_path, "[targets]\ncfe_pct = 37\n"), "EP803") == []


def test_EP804_quiet_at_the_default_gap(example):
    # 248.636… g/kWh is 24.318… % above the annual 200 (adequacy.md)
    assert found(example, "EP804") == []


def test_EP804_fires_with_a_smaller_allowed_gap(tmp_path):
    result = audit(tmp_path, "[rules.params.EP804]\nmax_gap_pct = 20\n")
    (only,) = found(result, "EP804")
    assert "hourly-matched carbon 248.6 gCO2e/kWh is more than 20% above the annual-matched 200.0" in only[5]
