"""Each KPI formula of spec/kpis.md on a tiny plan, against values computed by hand."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from energyplan.facts import FactsOptions, build_facts
from tests.support.facts import plan_of

D = dt.date(2026, 12, 1)
TOL = 1e-9
GRID = {"contract_id": "g1", "capacity_mw": 2.0, "availability_pct": 99.9, "price_per_mwh": 90}
# s1 default workload: 10 GPUs × 1 kW × PUE 1.2, utilization 0.5, 168 h/week
W_PEAK_MW = 10 * 1.0 * 1.2 / 1000
W_ENERGY = 10 * 1.0 * 0.5 * 1.2 * 168 * 365 / 7 / 1000  # 52.56 MWh/yr
W_GPU_HOURS = 10 * 168 * 365 / 7  # 87,600


def facts(fx: dict[str, float] | None = None, **tables):
    return build_facts(plan_of(**tables), FactsOptions(as_of=D, currency="EUR", fx=fx or {}))


def site(f, site_id="s1"):
    return next(s for s in f.kpi_records()["sites"] if s["site_id"] == site_id)


def approx(value):
    return pytest.approx(value, rel=TOL, abs=TOL)


def test_worked_example_of_the_spec_with_typed_frames():
    f = facts(
        sites=[{"site_id": "s1", "pue": 1.2, "grid_carbon_intensity_g_per_kwh": 380}],
        workloads=[
            {"workload_id": "w1", "gpu_count": 1000, "utilization": 0.8},
            {"workload_id": "w2", "workload_class": "realtime_inference", "criticality": "sensitive",
             "gpu_count": 200, "utilization": 0.5, "sla_availability_pct": 99.9},
        ],
        contracts=[
            GRID,
            {"contract_id": "b1", "layer": "flexibility", "contract_type": "battery_storage",
             "technology": "battery", "capacity_mw": 0.5, "energy_mwh": 2, "availability_pct": 99.0,
             "price_per_mwh": ""},
            {"contract_id": "p1", "layer": "ppa", "contract_type": "physical_ppa", "technology": "solar",
             "capacity_mw": 3, "annual_volume_mwh": 5000, "availability_pct": 25, "price_per_mwh": 55},
        ],
    )
    s = site(f)
    assert s["peak_demand_mw"] == approx(1.44)
    assert s["effective_mw"] == approx(2.493)
    assert s["headroom_mw"] == approx(1.053)
    assert s["headroom_pct"] == approx(1.053 / 2.493 * 100)
    assert s["supply_availability_pct"] == approx(99.999)
    assert s["annual_energy_mwh"] == approx(9460.8)
    assert s["gpu_hours"] == approx(10_512_000)
    assert s["ppa_coverage_pct"] == approx(5000 / 9460.8 * 100)
    assert s["carbon_intensity_g_per_kwh"] == approx(4460.8 * 380 / 9460.8)
    assert s["kg_co2e_per_gpu_hour"] == approx(4460.8 * 380 / 9460.8 * 0.9 / 1000)
    assert s["energy_cost_per_gpu_hour"] == approx(0.081)
    assert s["compute_cost_per_gpu_hour"] is None
    assert s["marginal_gpu_hour_cost"] == approx(0.081)
    assert s["incidents_13w"] == 0


def test_active_boundaries_start_and_end_on_d_count_end_the_day_before_does_not():
    f = facts(workloads=[
        {"workload_id": "on_d", "start_date": "2026-12-01", "end_date": "2026-12-01"},
        {"workload_id": "gone", "end_date": "2026-11-30"},
        {"workload_id": "later", "start_date": "2026-12-02"},
    ], contracts=[GRID])
    w = f.workloads.set_index("workload_id")
    assert w["active"].to_dict() == {"on_d": True, "gone": False, "later": False}
    assert w["ended"].to_dict() == {"on_d": False, "gone": True, "later": False}
    assert site(f)["peak_demand_mw"] == approx(W_PEAK_MW)
    assert site(f)["gpu_hours"] == approx(W_GPU_HOURS)


def test_only_active_signed_contracts_count_as_supply():
    f = facts(workloads=[{}], contracts=[
        GRID,
        {"contract_id": "g2", "status": "proposed", "capacity_mw": 5},
        {"contract_id": "g3", "status": "negotiating", "capacity_mw": 5},
        {"contract_id": "g4", "capacity_mw": 5, "end_date": "2026-11-30"},
        {"contract_id": "g5", "capacity_mw": 1, "availability_pct": 50, "start_date": "2026-12-01",
         "end_date": "2026-12-01", "price_per_mwh": 120},
    ])
    s = site(f)
    assert s["effective_mw"] == approx(2.0 * 0.999 + 0.5)
    assert s["supply_availability_pct"] == approx((1 - 0.001 * 0.5) * 100)
    # the highest price among counted grid contracts is the marginal one: 120 EUR/MWh
    assert s["energy_cost_per_gpu_hour"] == approx(W_ENERGY * 1000 / W_GPU_HOURS * 120 / 1000)
    assert f.contracts.set_index("contract_id")["counted"].to_dict() == {
        "g1": True, "g2": False, "g3": False, "g4": False, "g5": True}
    assert int(f.sites["counted_grid_contracts"].iloc[0]) == 2


def test_cloud_region_has_no_capacity_and_energy_cost_zero():
    f = facts(sites=[{"site_id": "c", "site_type": "cloud_region", "grid_carbon_intensity_g_per_kwh": 300}],
              workloads=[{"site_id": "c"}], contracts=[{**GRID, "site_id": "c"}])
    s = site(f, "c")
    for column in ("effective_mw", "headroom_mw", "headroom_pct", "supply_availability_pct"):
        assert s[column] is None, column
    assert s["peak_demand_mw"] == approx(W_PEAK_MW)
    assert s["energy_cost_per_gpu_hour"] == 0.0
    # kpis.md: its energy is in a cloud price we do not know, so without a compute cost the marginal
    # cost is unknown (null), not 0, which would read as free; so is the all-cloud portfolio's
    assert s["marginal_gpu_hour_cost"] is None
    assert f.kpi_records()["portfolio"]["marginal_gpu_hour_cost"] is None
    assert s["carbon_intensity_g_per_kwh"] == approx(300)
    assert s["kg_co2e_per_gpu_hour"] == approx(300 * W_ENERGY / W_GPU_HOURS)
    assert f.kpi_records()["portfolio"]["peak_demand_mw"] is None  # no non-cloud site


def test_site_without_workloads_sums_are_zero_ratios_null():
    f = facts(contracts=[GRID])
    s = site(f)
    assert s["peak_demand_mw"] == 0.0
    assert s["annual_energy_mwh"] == 0.0 and s["gpu_hours"] == 0.0 and s["ppa_volume_mwh"] == 0.0
    assert s["effective_mw"] == approx(1.998)
    assert s["headroom_pct"] == approx(100.0)
    for column in ("ppa_coverage_pct", "carbon_intensity_g_per_kwh", "kg_co2e_per_gpu_hour",
                   "energy_cost_per_gpu_hour", "compute_cost_per_gpu_hour", "marginal_gpu_hour_cost"):
        assert s[column] is None, column
    assert s["location_carbon_intensity_g_per_kwh"] == 380.0


def test_no_contracts_effective_zero_headroom_pct_null_supply_null():
    s = site(facts(workloads=[{}]))
    assert s["effective_mw"] == 0.0
    assert s["headroom_mw"] == approx(-W_PEAK_MW)
    assert s["headroom_pct"] is None
    assert s["supply_availability_pct"] is None
    assert s["energy_cost_per_gpu_hour"] is None  # no counted grid contract with a price
    assert s["marginal_gpu_hour_cost"] is None


def test_currency_conversion_and_missing_rate():
    f = facts(
        fx={"USD": 0.9},
        workloads=[{}],
        contracts=[{**GRID, "price_per_mwh": 110, "currency": "USD"},
                   {**GRID, "contract_id": "g2", "price_per_mwh": 500, "currency": "GBP"}],
        commitments=[{"total_cost": 2_000_000, "currency": "USD"},
                     {"commitment_id": "c2", "total_cost": 1, "currency": "GBP"}],
    )
    s = site(f)
    # GBP has no rate: that price is missing, so the marginal price is 110 USD × 0.9 = 99 EUR
    assert s["energy_cost_per_gpu_hour"] == approx(W_ENERGY * 1000 / W_GPU_HOURS * 99 / 1000)
    term_hours = 730 * 24  # 2026-01-01 … 2027-12-31
    assert s["compute_cost_per_gpu_hour"] == approx(2_000_000 * 0.9 / (10 * term_hours))
    assert s["marginal_gpu_hour_cost"] == approx(
        W_ENERGY * 1000 / W_GPU_HOURS * 99 / 1000 + 2_000_000 * 0.9 / (10 * term_hours))
    c = f.commitments.set_index("commitment_id")
    assert c.loc["c1", "total_cost_converted"] == approx(1_800_000)
    assert math.isnan(c.loc["c2", "total_cost_converted"])
    assert c.loc["c1", "term_hours"] == approx(term_hours)
    assert f.contracts.set_index("contract_id").loc["g1", "price_per_mwh_converted"] == approx(99)


def test_only_price_has_no_rate_energy_cost_null():
    s = site(facts(workloads=[{}], contracts=[{**GRID, "currency": "USD"}]))
    assert s["energy_cost_per_gpu_hour"] is None


def test_compute_cost_counts_active_signed_commitments_only():
    f = facts(workloads=[{}], contracts=[GRID], commitments=[
        {"commitment_id": "c1", "gpu_count": 10, "total_cost": 1_000_000},
        {"commitment_id": "c2", "status": "proposed", "total_cost": 9e9},
        {"commitment_id": "c3", "start_date": "2025-01-01", "end_date": "2026-11-30", "total_cost": 9e9},
        {"commitment_id": "c4", "gpu_count": 4, "start_date": "2026-12-01", "end_date": "2026-12-10",
         "total_cost": 960},
    ])
    expected = (1_000_000 + 960) / (10 * 730 * 24 + 4 * 10 * 24)
    assert site(f)["compute_cost_per_gpu_hour"] == approx(expected)
    assert f.kpi_records()["portfolio"]["compute_cost_per_gpu_hour"] == approx(expected)


def test_cloud_region_marginal_cost_is_its_compute_cost():
    cloud = {"site_id": "c", "site_type": "cloud_region"}
    f = facts(sites=[cloud], workloads=[{"site_id": "c"}], contracts=[],
              commitments=[{"site_id": "c", "gpu_count": 10, "total_cost": 1_000_000}])
    expected = 1_000_000 / (10 * 730 * 24)  # 2026-01-01 … 2027-12-31 is 730 days
    assert site(f, "c")["marginal_gpu_hour_cost"] == approx(expected)
    assert f.kpi_records()["portfolio"]["marginal_gpu_hour_cost"] == approx(expected)


def test_mixed_portfolio_marginal_cost_counts_a_priced_site():
    cloud = {"site_id": "c", "site_type": "cloud_region"}
    f = facts(sites=[{"site_id": "s1"}, cloud], workloads=[{}, {"workload_id": "w2", "site_id": "c"}],
              contracts=[GRID])
    assert site(f, "c")["marginal_gpu_hour_cost"] is None
    # s1: 1 kW × 0.5 × PUE 1.2 = 0.6 kWh per GPU-hour at 90 EUR/MWh = 0.054; the cloud's energy cost is 0;
    # the portfolio's is their G-weighted mean (equal G), and not every site is a cloud region
    assert site(f, "s1")["marginal_gpu_hour_cost"] == approx(0.054)
    assert f.kpi_records()["portfolio"]["marginal_gpu_hour_cost"] == approx(0.027)


def test_incidents_on_the_91_days_d_minus_90_to_d():
    f = facts(incidents=[
        {"incident_id": "out", "started_at": "2026-09-01T23:59:00", "duration_hours": 100},  # D − 91
        {"incident_id": "first", "started_at": "2026-09-02T00:00:00", "duration_hours": 1.5},  # D − 90
        {"incident_id": "last", "started_at": "2026-12-01T23:30:00", "duration_hours": 2},  # D
        {"incident_id": "future", "started_at": "2026-12-02T00:00:00", "duration_hours": 100},
        {"incident_id": "lost", "site_id": "nowhere", "started_at": "2026-11-01T00:00:00"},
    ])
    s = site(f)
    assert s["incidents_13w"] == 2
    assert isinstance(s["incidents_13w"], int)
    assert s["incident_hours_13w"] == approx(3.5)
    assert f.kpi_records()["portfolio"]["incidents_13w"] == 2


def test_rows_with_a_dangling_site_id_are_left_out():
    f = facts(
        workloads=[{}, {"workload_id": "w2", "site_id": "ghost", "gpu_count": 1000}],
        contracts=[GRID, {**GRID, "contract_id": "g2", "site_id": "ghost", "capacity_mw": 50}],
        commitments=[{"commitment_id": "c1", "site_id": "ghost", "total_cost": 5}],
    )
    records = f.kpi_records()
    assert [s["site_id"] for s in records["sites"]] == ["s1"]
    assert records["sites"][0]["peak_demand_mw"] == approx(W_PEAK_MW)
    assert records["portfolio"]["effective_mw"] == approx(1.998)
    assert records["portfolio"]["compute_cost_per_gpu_hour"] is None
    w = f.workloads.set_index("workload_id")
    assert not w.loc["w2", "site_known"] and w.loc["w1", "site_known"]
    assert w["site_sovereign"].isna().tolist() == [False, True]


def test_carbon_intensity_ppa_defaults_weights_and_zero_volume_ppa():
    # E = 52.56; P = 10 (wind, default 0) + 30 (gas, default grid 380) + 0 (solar, 5 g/kWh given) = 40
    f = facts(workloads=[{}], contracts=[
        GRID,
        {"contract_id": "p1", "layer": "ppa", "contract_type": "virtual_ppa", "technology": "wind",
         "annual_volume_mwh": 10},
        {"contract_id": "p2", "layer": "ppa", "contract_type": "physical_ppa", "technology": "gas",
         "annual_volume_mwh": 30},
        {"contract_id": "p3", "layer": "ppa", "contract_type": "physical_ppa", "technology": "solar",
         "annual_volume_mwh": 0, "carbon_intensity_g_per_kwh": 5},
        {"contract_id": "p4", "layer": "ppa", "contract_type": "physical_ppa", "technology": "solar",
         "annual_volume_mwh": "", "carbon_intensity_g_per_kwh": 900},
    ])
    c_ppa = (10 * 0 + 30 * 380) / 40
    s = site(f)
    assert s["ppa_volume_mwh"] == approx(40)
    assert s["ppa_coverage_pct"] == approx(40 / W_ENERGY * 100)
    assert s["carbon_intensity_g_per_kwh"] == approx((40 * c_ppa + (W_ENERGY - 40) * 380) / W_ENERGY)
    assert int(f.sites["counted_ppa_contracts"].iloc[0]) == 4


def test_ppa_over_coverage_caps_at_100_and_zero_volume_ppas_leave_grid_factor():
    over = site(facts(workloads=[{}], contracts=[{"contract_id": "p", "layer": "ppa",
                                                  "contract_type": "physical_ppa", "technology": "solar",
                                                  "annual_volume_mwh": 1000}]))
    assert over["ppa_coverage_pct"] == 100.0
    assert over["carbon_intensity_g_per_kwh"] == approx(0.0)
    zero = site(facts(workloads=[{}], contracts=[{"contract_id": "p", "layer": "ppa",
                                                  "contract_type": "physical_ppa", "technology": "solar",
                                                  "annual_volume_mwh": 0}]))
    assert zero["ppa_coverage_pct"] == 0.0
    assert zero["carbon_intensity_g_per_kwh"] == approx(380)


def test_portfolio_sums_and_ratios_across_three_sites_with_a_cloud():
    f = facts(
        sites=[{"site_id": "a", "pue": 1.0, "grid_carbon_intensity_g_per_kwh": 100},
               {"site_id": "b", "pue": 1.5, "grid_carbon_intensity_g_per_kwh": 500},
               {"site_id": "c", "site_type": "cloud_region", "pue": 1.1, "grid_carbon_intensity_g_per_kwh": 200}],
        workloads=[{"workload_id": "wa", "site_id": "a", "gpu_count": 100, "utilization": 1.0},
                   {"workload_id": "wb", "site_id": "b", "gpu_count": 10, "hours_per_week": 84},
                   {"workload_id": "wc", "site_id": "c", "gpu_count": 50}],
        contracts=[{**GRID, "site_id": "a", "capacity_mw": 1.0, "availability_pct": 100, "price_per_mwh": 50},
                   {**GRID, "contract_id": "gb", "site_id": "b", "capacity_mw": 1.0, "availability_pct": 50,
                    "price_per_mwh": 100},
                   {"contract_id": "pa", "site_id": "a", "layer": "ppa", "contract_type": "virtual_ppa",
                    "technology": "wind", "annual_volume_mwh": 200},
                   {"contract_id": "pb", "site_id": "b", "layer": "ppa", "contract_type": "virtual_ppa",
                    "technology": "wind", "annual_volume_mwh": 1000}],
        incidents=[{"site_id": "a", "duration_hours": 1}, {"incident_id": "i2", "site_id": "c",
                                                           "duration_hours": 4}],
    )
    h = 8760
    e = {"a": 100 * 1.0 * 1.0 * h / 1000, "b": 10 * 0.5 * 1.5 * 84 * 365 / 7 / 1000, "c": 50 * 0.5 * 1.1 * h / 1000}
    g = {"a": 100 * h, "b": 10 * 84 * 365 / 7, "c": 50 * h}
    p = {"a": 200, "b": 1000, "c": 0}
    grid = {"a": 100, "b": 500, "c": 200}
    ci = {k: (min(p[k], e[k]) * 0 + (e[k] - min(p[k], e[k])) * grid[k]) / e[k] for k in e}
    ec = {"a": e["a"] * 1000 / g["a"] * 50 / 1000, "b": e["b"] * 1000 / g["b"] * 100 / 1000, "c": 0.0}
    port = f.kpi_records()["portfolio"]
    assert port["peak_demand_mw"] == approx(0.1 + 0.015)  # cloud excluded
    assert port["effective_mw"] == approx(1.5)
    assert port["headroom_mw"] == approx(1.5 - 0.115)
    assert port["headroom_pct"] == approx((1.5 - 0.115) / 1.5 * 100)
    assert port["supply_availability_pct"] is None
    assert port["annual_energy_mwh"] == approx(sum(e.values()))
    assert port["gpu_hours"] == approx(sum(g.values()))
    assert port["ppa_volume_mwh"] == approx(1200)
    assert port["ppa_coverage_pct"] == approx(sum(min(p[k], e[k]) for k in e) / sum(e.values()) * 100)
    assert port["carbon_intensity_g_per_kwh"] == approx(sum(ci[k] * e[k] for k in e) / sum(e.values()))
    assert port["location_carbon_intensity_g_per_kwh"] == approx(
        sum(grid[k] * e[k] for k in e) / sum(e.values()))
    assert port["kg_co2e_per_gpu_hour"] == approx(sum(ci[k] * e[k] for k in e) / sum(g.values()))
    assert port["energy_cost_per_gpu_hour"] == approx(sum(ec[k] * g[k] for k in e) / sum(g.values()))
    assert port["compute_cost_per_gpu_hour"] is None
    assert port["marginal_gpu_hour_cost"] == approx(port["energy_cost_per_gpu_hour"])
    assert port["incidents_13w"] == 2 and port["incident_hours_13w"] == approx(5)
    assert site(f, "b")["ppa_coverage_pct"] == 100.0


def test_energy_cost_portfolio_mean_skips_sites_without_a_price():
    f = facts(sites=[{"site_id": "a"}, {"site_id": "b"}],
              workloads=[{"site_id": "a"}, {"workload_id": "w2", "site_id": "b", "gpu_count": 30}],
              contracts=[{**GRID, "site_id": "a"}, {**GRID, "contract_id": "gb", "site_id": "b",
                                                   "price_per_mwh": ""}])
    assert site(f, "b")["energy_cost_per_gpu_hour"] is None
    assert f.kpi_records()["portfolio"]["energy_cost_per_gpu_hour"] == approx(
        site(f, "a")["energy_cost_per_gpu_hour"])


def test_records_are_json_ready_and_sorted(tmp_path):
    f = facts(sites=[{"site_id": "z"}, {"site_id": "a", "site_type": "cloud_region"}],
              workloads=[{"site_id": "z", "gpu_count": 0}])
    records = f.kpi_records()
    assert [s["site_id"] for s in records["sites"]] == ["a", "z"]
    values = [v for s in records["sites"] for v in s.values()] + list(records["portfolio"].values())
    assert all(v is None or type(v) in (str, int, float) for v in values)
    assert all(not isinstance(v, float) or math.isfinite(v) for v in values)
    frame = f.kpi_frame()
    assert frame["scope"].tolist() == ["site", "site", "portfolio"]
    assert frame["site_id"].tolist()[:2] == ["a", "z"] and frame["site_id"].isna().tolist()[2]
    # counts are int64 (issue 13 item 11), every other KPI float64
    assert {c: str(frame[c].dtype) for c in frame.columns[2:]} == {
        c: "int64" if c == "incidents_13w" else "float64" for c in frame.columns[2:]}


def test_an_empty_plan_builds():
    f = build_facts(plan_of(sites=[]), FactsOptions(as_of=D, currency="EUR", fx={}))
    records = f.kpi_records()
    assert records["sites"] == []
    assert records["portfolio"]["peak_demand_mw"] is None
    assert records["portfolio"]["annual_energy_mwh"] == 0.0
    assert records["portfolio"]["incidents_13w"] == 0
    assert len(f.kpi_frame()) == 1


def test_the_plans_frames_are_left_untouched():
    plan = plan_of(workloads=[{}], contracts=[{}], commitments=[{}])
    before = {t: f.copy() for t, f in plan.frames.items()}
    build_facts(plan, FactsOptions(as_of=D, currency="EUR", fx={}))
    for table, frame in plan.frames.items():
        assert frame.equals(before[table]) and list(frame.columns) == list(before[table].columns), table
