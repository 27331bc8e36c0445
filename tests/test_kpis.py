"""KPIs through the loader, the way users reach them: the worked example of kpis.md and the boundaries."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from energyplan.config import load_settings
from energyplan.facts import FactsOptions, build_facts
from energyplan.plan.validate import validate_plan
from tests.helpers import COMMITMENT, CONTRACT, INCIDENT, SITE, WORKLOAD, row, write_plan
from tests.support.kpis import WORKED

D = dt.date(2026, 12, 1)


def approx(value):
    return pytest.approx(value, rel=1e-9, abs=1e-9)


def kpis(tmp_path, **tables):
    root = write_plan(tmp_path / "plan", **tables)
    settings = load_settings(root)
    plan = validate_plan(root, settings)
    facts = build_facts(plan, FactsOptions(as_of=D, currency=settings.currency, fx=settings.fx))
    return facts.kpi_records(), facts



def test_worked_example_of_kpis_md(tmp_path):
    records, _ = kpis(tmp_path, **WORKED)
    s = records["sites"][0]
    expected = {
        "peak_demand_mw": 1.44,
        "effective_mw": 2.493,
        "headroom_mw": 1.053,
        "headroom_pct": 1.053 / 2.493 * 100,
        "supply_availability_pct": 99.999,
        "annual_energy_mwh": 9460.8,
        "gpu_hours": 10_512_000,
        "ppa_volume_mwh": 5000,
        "ppa_coverage_pct": 5000 / 9460.8 * 100,
        "carbon_intensity_g_per_kwh": 4460.8 * 380 / 9460.8,
        "location_carbon_intensity_g_per_kwh": 380,
        "kg_co2e_per_gpu_hour": 4460.8 * 380 / 9460.8 * 0.9 / 1000,
        "energy_cost_per_gpu_hour": 0.081,
        "marginal_gpu_hour_cost": 0.081,
        "incident_hours_13w": 0,
    }
    for column, value in expected.items():
        assert s[column] == approx(value), column
    assert s["compute_cost_per_gpu_hour"] is None
    assert s["incidents_13w"] == 0
    assert (s["site_id"], s["site_type"]) == ("s1", "owned_dc")
    assert records["portfolio"]["supply_availability_pct"] is None
    assert records["portfolio"]["carbon_intensity_g_per_kwh"] == approx(expected["carbon_intensity_g_per_kwh"])


def test_boundaries_through_the_loader(tmp_path):
    records, facts = kpis(
        tmp_path,
        sites=[row(SITE)],
        workloads=[row(WORKLOAD, workload_id="on_d", start_date="2026-12-01", end_date="2026-12-01"),
                   row(WORKLOAD, workload_id="gone", gpu_count=500, end_date="2026-11-30"),
                   row(WORKLOAD, workload_id="lost", site_id="ghost", gpu_count=900)],
        contracts=[row(CONTRACT, contract_id="g1", start_date="2026-12-01", end_date="2026-12-01"),
                   row(CONTRACT, contract_id="g2", status="proposed", capacity_mw=10),
                   row(CONTRACT, contract_id="g3", end_date="2026-11-30", capacity_mw=10)],
        incidents=[row(INCIDENT, incident_id="in", started_at="2026-09-02T00:30:00+02:00", duration_hours=3),
                   row(INCIDENT, incident_id="out", started_at="2026-09-01T23:59:59-05:00", duration_hours=7)],
    )
    s = records["sites"][0]
    assert s["peak_demand_mw"] == approx(10 * 1.0 * 1.2 / 1000)  # only "on_d"
    assert s["effective_mw"] == approx(0.999)  # only g1, active on its single day
    # the UTC offset is dropped: 2026-09-02 is D − 90 (in), 2026-09-01 is D − 91 (out)
    assert s["incidents_13w"] == 1 and s["incident_hours_13w"] == approx(3)
    assert facts.workloads.set_index("workload_id")["site_known"].to_dict() == {
        "on_d": True, "gone": True, "lost": False}


def test_currency_rate_from_config_and_missing_rate(tmp_path):
    toml = 'currency = "EUR"\n[fx]\nUSD = 0.5\n'
    records, facts = kpis(
        tmp_path, toml=toml,
        sites=[row(SITE)], workloads=[row(WORKLOAD)],
        contracts=[row(CONTRACT, price_per_mwh=200, currency="USD")],
        commitments=[row(COMMITMENT, total_cost=1_000_000, currency="USD"),
                     row(COMMITMENT, commitment_id="c2", total_cost=1e12, currency="JPY")],
    )
    s = records["sites"][0]
    e_per_g = 10 * 0.5 * 1.2 * 8760 / 1000 * 1000 / (10 * 8760)
    assert s["energy_cost_per_gpu_hour"] == approx(e_per_g * 100 / 1000)
    assert s["compute_cost_per_gpu_hour"] == approx(500_000 / (10 * 730 * 24))
    assert math.isnan(facts.commitments.set_index("commitment_id").loc["c2", "total_cost_converted"])


def test_no_nan_or_inf_anywhere(tmp_path):
    records, _ = kpis(tmp_path,
                      sites=[row(SITE), row(SITE, site_id="c", site_type="cloud_region"),
                             row(SITE, site_id="empty")],
                      workloads=[row(WORKLOAD, gpu_count=0), row(WORKLOAD, workload_id="w2", site_id="c",
                                                                 hours_per_week=0)])
    values = [v for s in records["sites"] for v in s.values()] + list(records["portfolio"].values())
    assert all(not isinstance(v, float) or math.isfinite(v) for v in values)
    assert records["portfolio"]["effective_mw"] == 0.0 and records["portfolio"]["headroom_pct"] is None
