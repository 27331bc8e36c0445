"""The monthly facts of spec/outlook.md through the loader: the worked example and the boundaries, by hand."""

from __future__ import annotations

import datetime as dt
import json
import math

import numpy as np
import pytest

from energyplan.config import load_settings
from energyplan.facts import FactsOptions, build_facts
from energyplan.facts.months import (
    FLAT_COLUMNS,
    PORTFOLIO_COLUMNS,
    SITE_COLUMNS,
    OutlookOptions,
    build_outlook,
    pathway_value,
)
from energyplan.plan.validate import validate_plan
from tests.helpers import COMMITMENT, CONTRACT, SITE, WORKLOAD, row, write_plan
from tests.support.outlook import ONE_MW, PLAIN_SITE, WORKED, D, grid


def approx(value):
    return pytest.approx(value, rel=1e-9, abs=1e-9)


def outlook(tmp_path, *, as_of=D, months=3, toml=None, allow=(), **tables):
    root = write_plan(tmp_path / "plan", toml=toml, **tables)
    settings = load_settings(root)
    plan = validate_plan(root, settings)
    assert not any(len(b.frame) for b in plan.batches if b.rule not in allow), "the test plan must be clean"
    options = OutlookOptions(as_of=as_of, months=months, currency=settings.currency, fx=settings.fx)
    return build_outlook(plan.frames, options), plan, settings


def site_rows(result, site="s1"):
    return [r for r in result.to_json()["sites"] if r["site_id"] == site]


# ---- the worked example of outlook.md -------------------------------------------------------------------

WORKED_ROWS = [
    {"month": "2026-11-01", "days": 16, "peak_demand_mw": 1.0, "effective_mw": 1.4, "headroom_mw": 0.4,
     "headroom_pct": 0.4 / 1.4 * 100, "shortfall_days": 0, "first_shortfall_date": None, "shortfall_starts": 0,
     "first_shortfall_start": None, "energy_mwh": 192, "gpu_hours": 16 * 24_000, "ppa_mwh": 192,
     "ppa_coverage_pct": 100, "carbon_intensity_g_per_kwh": 20, "emissions_t": 3.84, "energy_spend": 19_200,
     "unpriced_energy_mwh": 0, "energy_cost_per_gpu_hour": 0.05, "compute_spend": 16 * 12_000,
     "compute_cost_per_gpu_hour": 0.5, "marginal_gpu_hour_cost": 0.55},
    {"month": "2026-12-01", "days": 31, "peak_demand_mw": 1.5, "effective_mw": 1.4, "headroom_mw": -0.1,
     "headroom_pct": -0.1 / 1.4 * 100, "shortfall_days": 22, "first_shortfall_date": "2026-12-10",
     "shortfall_starts": 1, "first_shortfall_start": "2026-12-10", "energy_mwh": 636,
     "gpu_hours": 1_008_000, "ppa_mwh": 372, "ppa_coverage_pct": 372 / 636 * 100,
     "carbon_intensity_g_per_kwh": (372 * 20 + 264 * 400) / 636, "emissions_t": (372 * 20 + 264 * 400) / 1000,
     "energy_spend": 63_600, "unpriced_energy_mwh": 0, "energy_cost_per_gpu_hour": 63_600 / 1_008_000,
     "compute_spend": 31 * 12_000, "compute_cost_per_gpu_hour": 0.5,
     "marginal_gpu_hour_cost": 0.5 + 63_600 / 1_008_000},
    {"month": "2027-01-01", "days": 31, "peak_demand_mw": 1.5, "effective_mw": 1.6, "headroom_mw": 0.1,
     "headroom_pct": 6.25, "shortfall_days": 0, "first_shortfall_date": None, "shortfall_starts": 0,
     "first_shortfall_start": None, "energy_mwh": 612, "gpu_hours": 984_000, "ppa_mwh": 0,
     "ppa_coverage_pct": 0, "carbon_intensity_g_per_kwh": 400, "emissions_t": 244.8,
     "energy_spend": 612 * 120, "unpriced_energy_mwh": 0, "energy_cost_per_gpu_hour": 612 * 120 / 984_000,
     "compute_spend": 31 * 12_000, "compute_cost_per_gpu_hour": 0.5,
     "marginal_gpu_hour_cost": 0.5 + 612 * 120 / 984_000},
]


def assert_row(actual, expected):
    for key, value in expected.items():
        if isinstance(value, float | int) and not isinstance(value, bool) and key not in ("days",):
            assert actual[key] == approx(value), key
        else:
            assert actual[key] == value, key


def test_worked_example_site_months_every_number(tmp_path):
    result, _, _ = outlook(tmp_path, **WORKED)
    rows = site_rows(result)
    assert [r["month"] for r in rows] == ["2026-11-01", "2026-12-01", "2027-01-01"]
    for actual, expected in zip(rows, WORKED_ROWS, strict=True):
        assert_row(actual, {**expected, "sensitive_peak_mw": 0, "flexibility_mw": 0, "flexibility_gap_days": 0})
        assert actual["site_type"] == "owned_dc"
    # the spec's printed figures, as written there
    assert rows[1]["ppa_coverage_pct"] == approx(58.490566037735846)
    assert rows[1]["carbon_intensity_g_per_kwh"] == approx(177.73584905660377)
    assert rows[1]["emissions_t"] == approx(113.04)
    assert rows[1]["headroom_pct"] == approx(-7.142857142857143)
    assert rows[0]["headroom_pct"] == approx(28.571428571428573)
    assert rows[2]["energy_cost_per_gpu_hour"] == approx(0.07463414634146341)


def test_worked_example_portfolio_rows_equal_the_site(tmp_path):
    result, _, _ = outlook(tmp_path, **WORKED)
    portfolio = result.to_json()["portfolio"]
    assert len(portfolio) == 3
    for actual, expected in zip(portfolio, WORKED_ROWS, strict=True):
        assert_row(actual, expected)
        assert actual["carbon_target_g_per_kwh"] is None
        assert actual["emissions_target_t"] is None
    assert portfolio[0]["cost_change_pct"] == approx(0)
    assert portfolio[1]["cost_change_pct"] == approx((0.5 + 63_600 / 1_008_000) / 0.55 * 100 - 100)
    assert portfolio[2]["cost_change_pct"] == approx((0.5 + 612 * 120 / 984_000) / 0.55 * 100 - 100)  # 4.48 %


def test_json_keys_follow_the_spec_order_and_are_plain(tmp_path):
    result, _, _ = outlook(tmp_path, **WORKED)
    data = result.to_json()
    assert list(data) == ["months", "sites", "portfolio"] and data["months"] == 3
    assert list(data["sites"][0]) == list(SITE_COLUMNS)
    assert list(data["portfolio"][0]) == list(PORTFOLIO_COLUMNS)
    assert isinstance(data["sites"][1]["shortfall_days"], int)
    text = json.dumps(data, allow_nan=False)  # no NaN anywhere
    assert json.dumps(build_outlook_again(tmp_path).to_json(), allow_nan=False) == text  # deterministic


def build_outlook_again(tmp_path):
    root = tmp_path / "plan"
    settings = load_settings(root)
    return build_outlook(validate_plan(root, settings).frames, OutlookOptions(as_of=D, months=3))


def test_flat_frame_has_site_rows_then_portfolio_rows(tmp_path):
    result, _, _ = outlook(tmp_path, **WORKED)
    flat = result.flat_frame()
    assert list(flat.columns) == list(FLAT_COLUMNS)
    assert flat["scope"].tolist() == ["site"] * 3 + ["portfolio"] * 3
    assert flat["site_id"].isna().tolist() == [False] * 3 + [True] * 3
    assert flat["sensitive_peak_mw"].isna().tolist() == [False] * 3 + [True] * 3
    assert flat["cost_change_pct"].isna().tolist() == [True] * 3 + [False] * 3
    assert str(flat["shortfall_days"].dtype) == "int64"
    assert str(flat["month"].dtype).startswith("datetime64")


# ---- boundaries ---------------------------------------------------------------------------------------

def test_contract_ending_mid_month(tmp_path):
    result, _, _ = outlook(tmp_path, sites=[PLAIN_SITE], workloads=[ONE_MW], contracts=[
        grid("g1", 1.2, "2026-01-01", "2026-12-15", price=100),
        grid("g2", 0.5, "2026-01-01", "2030-12-31", price=80)])
    nov, dec, jan = site_rows(result)
    assert nov["effective_mw"] == approx(1.7) and nov["shortfall_days"] == 0
    assert nov["energy_spend"] == approx(16 * 12 * 100)
    assert dec["effective_mw"] == approx(0.5)  # the worst day, after g1 ended
    assert dec["headroom_mw"] == approx(-0.5) and dec["headroom_pct"] == approx(-100)
    assert (dec["shortfall_days"], dec["first_shortfall_date"]) == (16, "2026-12-16")
    assert (dec["shortfall_starts"], dec["first_shortfall_start"]) == (1, "2026-12-16")
    # the marginal price is the highest counted one each day: 100 until the 15th, then 80
    assert dec["energy_spend"] == approx(15 * 12 * 100 + 16 * 12 * 80)
    assert dec["energy_cost_per_gpu_hour"] == approx((15 * 12 * 100 + 16 * 12 * 80) / (31 * 24_000))
    assert (jan["shortfall_days"], jan["first_shortfall_date"], jan["shortfall_starts"]) == (31, "2027-01-01", 0)
    assert jan["first_shortfall_start"] is None
    assert jan["energy_spend"] == approx(31 * 12 * 80)


def test_workload_starting_on_d_and_one_ending_on_the_last_window_day(tmp_path):
    workloads = [
        row(ONE_MW, workload_id="w1", start_date="2026-11-15"),
        row(ONE_MW, workload_id="w2", gpu_count=500, start_date="2026-01-01", end_date="2026-12-31"),
        row(ONE_MW, workload_id="w3", gpu_count=7, start_date="2027-01-01"),  # the day after the window
        row(ONE_MW, workload_id="w4", gpu_count=9, start_date="2026-01-01", end_date="2026-11-14"),  # before D
    ]
    result, _, _ = outlook(tmp_path, months=2, sites=[PLAIN_SITE], workloads=workloads,
                           contracts=[grid("g1", 2.0, "2026-01-01", "2030-12-31")])
    nov, dec = site_rows(result)
    assert (nov["days"], dec["days"]) == (16, 31)
    assert nov["peak_demand_mw"] == approx(1.5) and dec["peak_demand_mw"] == approx(1.5)
    assert nov["energy_mwh"] == approx(16 * 18) and dec["energy_mwh"] == approx(31 * 18)
    assert nov["gpu_hours"] == approx(16 * 36_000) and dec["gpu_hours"] == approx(31 * 36_000)
    assert nov["headroom_mw"] == approx(0.5) and dec["headroom_pct"] == approx(25)


def test_29_february_2028_inside_the_window(tmp_path):
    contracts = [grid("g1", 1.4, "2026-01-01", "2028-02-28"), grid("g2", 1.4, "2028-03-01", "2030-12-31")]
    result, _, _ = outlook(tmp_path, as_of=dt.date(2028, 2, 10), months=2, sites=[PLAIN_SITE],
                           workloads=[ONE_MW], contracts=contracts)
    feb, mar = site_rows(result)
    assert (feb["month"], feb["days"], mar["days"]) == ("2028-02-01", 20, 31)
    assert feb["energy_mwh"] == approx(20 * 12)
    assert (feb["shortfall_days"], feb["first_shortfall_date"], feb["first_shortfall_start"]) == (
        1, "2028-02-29", "2028-02-29")
    assert feb["effective_mw"] == 0 and feb["headroom_mw"] == approx(-1.0)
    assert feb["headroom_pct"] is None  # the worst day has no effective MW
    assert feb["unpriced_energy_mwh"] == approx(12) and feb["energy_spend"] == approx(19 * 12 * 100)
    assert mar["shortfall_days"] == 0 and mar["headroom_pct"] == approx(0.4 / 1.4 * 100)


def test_months_1(tmp_path):
    result, _, _ = outlook(tmp_path, as_of=dt.date(2026, 11, 30), months=1, sites=[PLAIN_SITE],
                           workloads=[ONE_MW], contracts=[grid("g1", 1.4, "2026-01-01", "2030-12-31")])
    (only,) = site_rows(result)
    assert (only["month"], only["days"]) == ("2026-11-01", 1)
    assert only["energy_mwh"] == approx(12) and only["gpu_hours"] == approx(24_000)
    assert len(result.portfolio_months) == 1


def test_months_240(tmp_path):
    result, _, _ = outlook(tmp_path, months=240, sites=[PLAIN_SITE], workloads=[ONE_MW],
                           contracts=[grid("g1", 1.4, "2026-01-01", "2050-12-31", price=97.3)])
    rows = site_rows(result)
    assert len(rows) == 240 and rows[-1]["month"] == "2046-10-01" and rows[-1]["days"] == 31
    assert sum(r["days"] for r in rows) == (dt.date(2046, 10, 31) - D).days + 1
    assert all(r["energy_mwh"] == approx(r["days"] * 12) for r in rows)
    assert all(r["shortfall_days"] == 0 and r["headroom_mw"] == approx(0.4) for r in rows)
    # the same cost in months of 28, 30 and 31 days is no change, exactly
    assert {r["cost_change_pct"] for r in result.to_json()["portfolio"]} == {0.0}


def test_cloud_region_has_no_capacity_columns_but_counts_energy(tmp_path):
    cloud = row(SITE, site_id="c1", site_type="cloud_region", pue=1.1, grid_carbon_intensity_g_per_kwh=300)
    work = row(ONE_MW, site_id="c1", gpu_count=100, criticality="sensitive")
    commitment = row(COMMITMENT, commitment_id="k1", site_id="c1", gpu_count=100, start_date="2026-01-01",
                     end_date="2027-12-31", total_cost=730 * 2400, sourcing_plan_id="")
    # a signed grid contract at a cloud region neither adds capacity nor prices its energy
    result, _, _ = outlook(tmp_path, sites=[cloud], workloads=[work], commitments=[commitment],
                           contracts=[grid("g1", 5, "2026-01-01", "2030-12-31", site_id="c1")])
    nov = site_rows(result, "c1")[0]
    assert nov["site_type"] == "cloud_region"
    for key in ("effective_mw", "headroom_mw", "headroom_pct", "flexibility_mw"):
        assert nov[key] is None, key
    assert (nov["shortfall_days"], nov["shortfall_starts"], nov["flexibility_gap_days"]) == (0, 0, 0)
    assert nov["peak_demand_mw"] == approx(0.11) and nov["sensitive_peak_mw"] == approx(0.11)
    assert nov["energy_mwh"] == approx(16 * 1.32)
    assert nov["carbon_intensity_g_per_kwh"] == approx(300) and nov["emissions_t"] == approx(16 * 1.32 * 0.3)
    assert (nov["energy_spend"], nov["unpriced_energy_mwh"], nov["energy_cost_per_gpu_hour"]) == (0, 0, 0)
    assert nov["compute_cost_per_gpu_hour"] == approx(1.0) and nov["marginal_gpu_hour_cost"] == approx(1.0)
    total = result.to_json()["portfolio"][0]
    for key in ("peak_demand_mw", "effective_mw", "headroom_mw", "headroom_pct", "first_shortfall_date"):
        assert total[key] is None, key
    assert total["shortfall_days"] == 0 and total["energy_mwh"] == approx(16 * 1.32)
    assert total["energy_cost_per_gpu_hour"] == 0 and total["marginal_gpu_hour_cost"] == approx(1.0)


def test_cloud_region_without_compute_cost_has_no_marginal_cost(tmp_path):
    cloud = row(SITE, site_id="c1", site_type="cloud_region", pue=1.1, grid_carbon_intensity_g_per_kwh=300)
    result, _, _ = outlook(tmp_path, sites=[cloud], workloads=[row(ONE_MW, site_id="c1")])
    nov = site_rows(result, "c1")[0]
    assert nov["energy_cost_per_gpu_hour"] == 0 and nov["compute_cost_per_gpu_hour"] is None
    assert nov["marginal_gpu_hour_cost"] is None
    total = result.to_json()["portfolio"][0]
    assert total["marginal_gpu_hour_cost"] is None and total["cost_change_pct"] is None


def test_site_without_contracts(tmp_path):
    work = row(ONE_MW, criticality="sensitive")
    result, _, _ = outlook(tmp_path, sites=[PLAIN_SITE], workloads=[work])
    nov = site_rows(result)[0]
    assert (nov["effective_mw"], nov["flexibility_mw"]) == (0, 0)
    assert nov["headroom_mw"] == approx(-1.0) and nov["headroom_pct"] is None
    assert (nov["shortfall_days"], nov["first_shortfall_date"]) == (16, "2026-11-15")
    assert (nov["shortfall_starts"], nov["first_shortfall_start"]) == (0, None)  # already short on D
    assert nov["flexibility_gap_days"] == 16 and nov["sensitive_peak_mw"] == approx(1.0)
    assert (nov["ppa_mwh"], nov["ppa_coverage_pct"], nov["carbon_intensity_g_per_kwh"]) == (0, 0, 400)
    assert nov["energy_spend"] == 0 and nov["unpriced_energy_mwh"] == approx(16 * 12)
    assert nov["energy_cost_per_gpu_hour"] is None and nov["marginal_gpu_hour_cost"] is None


def test_fx_rate_and_missing_rate_for_a_commitment(tmp_path):
    sites = [PLAIN_SITE, row(PLAIN_SITE, site_id="s2")]
    commitments = [
        row(COMMITMENT, commitment_id="k1", site_id="s1", gpu_count=10, total_cost=730 * 1000, currency="USD",
            start_date="2026-01-01", end_date="2027-12-31", sourcing_plan_id=""),
        row(COMMITMENT, commitment_id="k2", site_id="s2", gpu_count=10, total_cost=730 * 1000, currency="GBP",
            start_date="2026-01-01", end_date="2027-12-31", sourcing_plan_id=""),
    ]
    contracts = [grid("g1", 2, "2026-01-01", "2030-12-31", price=100, currency="USD"),
                 grid("g2", 2, "2026-01-01", "2030-12-31", price=100, currency="GBP", site_id="s2")]
    result, plan, _ = outlook(tmp_path, toml='currency = "EUR"\n[fx]\nUSD = 0.92\n', allow=("currency",), sites=sites,
                           workloads=[ONE_MW, row(ONE_MW, workload_id="w2", site_id="s2")],
                           commitments=commitments, contracts=contracts)
    assert len(plan.frames["commitments"]) == 2  # EP003 reports the missing rate; the row stays
    s1, s2 = site_rows(result, "s1")[0], site_rows(result, "s2")[0]
    assert s1["compute_spend"] == approx(16 * 920) and s1["compute_cost_per_gpu_hour"] == approx(920 / 240)
    assert s1["energy_spend"] == approx(16 * 12 * 92)
    assert s1["marginal_gpu_hour_cost"] == approx(920 / 240 + 12 * 92 / 24_000)
    # no GBP rate: the commitment is left out, the price counts as missing
    assert s2["compute_spend"] == 0 and s2["compute_cost_per_gpu_hour"] is None
    assert s2["energy_spend"] == 0 and s2["unpriced_energy_mwh"] == approx(16 * 12)
    assert s2["marginal_gpu_hour_cost"] is None
    total = result.to_json()["portfolio"][0]
    assert total["compute_cost_per_gpu_hour"] == approx(920 / 240)
    assert total["energy_cost_per_gpu_hour"] == approx(16 * 12 * 92 / (16 * 24_000))


def test_pathway_value_before_between_and_after_its_points():
    points = {2026: 300, 2028: 200, 2030: 100}
    assert pathway_value(points, dt.date(2025, 1, 1)) == 300  # before the first point
    assert pathway_value(points, dt.date(2026, 7, 1)) == 300
    assert pathway_value(points, dt.date(2027, 7, 1)) == approx(300 - 100 * 365 / 731)  # 2028 is a leap year
    assert pathway_value(points, dt.date(2028, 7, 1)) == 200
    assert pathway_value(points, dt.date(2031, 1, 1)) == 100  # after the last point


def test_pathway_targets_by_month(tmp_path):
    root = write_plan(tmp_path / "plan", sites=[PLAIN_SITE], workloads=[ONE_MW])
    frames = validate_plan(root, load_settings(root)).frames
    options = OutlookOptions(as_of=D, months=3, carbon_intensity_pathway={2026: 300, 2028: 200},
                             emissions_pathway_t={2026: 90_000, 2030: 45_000})
    portfolio = build_outlook(frames, options).to_json()["portfolio"]
    # month 0 is interpolated on its calendar month's first day, 123 days after 1 July 2026
    assert portfolio[0]["carbon_target_g_per_kwh"] == approx(300 - 100 * 123 / 731)
    assert portfolio[0]["emissions_target_t"] == approx((90_000 - 45_000 * 123 / 1461) * 16 / 365)
    assert portfolio[2]["carbon_target_g_per_kwh"] == approx(300 - 100 * 184 / 731)
    assert portfolio[2]["emissions_target_t"] == approx((90_000 - 45_000 * 184 / 1461) * 31 / 365)
    early = OutlookOptions(as_of=D, months=2, carbon_intensity_pathway={2030: 100, 2032: 50},
                           emissions_pathway_t={2020: 500, 2022: 400})
    rows = build_outlook(frames, early).to_json()["portfolio"]
    assert [r["carbon_target_g_per_kwh"] for r in rows] == [100, 100]  # before the first point
    assert rows[1]["emissions_target_t"] == approx(400 * 31 / 365)  # after the last point


def test_shortfall_running_on_d_is_not_a_start_but_a_later_restart_is(tmp_path):
    contracts = [grid("g1", 0.8, "2026-01-01", "2026-11-30"), grid("g2", 1.2, "2026-12-01", "2026-12-20"),
                 grid("g3", 0.9, "2026-12-21", "2030-12-31")]
    result, _, _ = outlook(tmp_path, sites=[PLAIN_SITE], workloads=[ONE_MW], contracts=contracts)
    nov, dec, jan = site_rows(result)
    assert (nov["shortfall_days"], nov["first_shortfall_date"]) == (16, "2026-11-15")
    assert (nov["shortfall_starts"], nov["first_shortfall_start"]) == (0, None)
    assert (dec["shortfall_days"], dec["first_shortfall_date"]) == (11, "2026-12-21")
    assert (dec["shortfall_starts"], dec["first_shortfall_start"]) == (1, "2026-12-21")
    assert (jan["shortfall_days"], jan["shortfall_starts"]) == (31, 0)  # still short from December
    total = result.to_json()["portfolio"]
    assert [(r["shortfall_days"], r["shortfall_starts"]) for r in total] == [(16, 0), (11, 1), (31, 0)]


def test_peak_equal_to_effective_mw_is_not_short(tmp_path):
    # 0.1 + 0.2 is 0.30000000000000004 in floats: equal within a relative 1e-9
    contracts = [grid("g1", 0.1, "2026-01-01", "2030-12-31"), grid("g2", 0.2, "2026-01-01", "2030-12-31")]
    result, _, _ = outlook(tmp_path, sites=[PLAIN_SITE], contracts=contracts,
                           workloads=[row(ONE_MW, gpu_count=300, start_date="2026-12-01")])
    assert [r["shortfall_days"] for r in site_rows(result)] == [0, 0, 0]
    assert [r["shortfall_starts"] for r in site_rows(result)] == [0, 0, 0]


def test_portfolio_capacity_is_summed_day_by_day(tmp_path):
    # s1 is short in November only, s2 has its spare MW then: the portfolio is never short on the sum,
    # yet shortfall_days counts the days on which at least one site is short
    sites = [PLAIN_SITE, row(PLAIN_SITE, site_id="s2")]
    contracts = [grid("g1", 0.5, "2026-01-01", "2026-11-30"), grid("g1b", 1.5, "2026-12-01", "2030-12-31"),
                 grid("g2", 3.0, "2026-01-01", "2030-12-31", site_id="s2")]
    workloads = [ONE_MW, row(ONE_MW, workload_id="w2", site_id="s2", gpu_count=2000, start_date="2026-12-01")]
    result, _, _ = outlook(tmp_path, sites=sites, workloads=workloads, contracts=contracts)
    nov, dec, _ = result.to_json()["portfolio"]
    assert nov["peak_demand_mw"] == approx(1.0) and nov["effective_mw"] == approx(3.5)
    assert nov["headroom_mw"] == approx(2.5) and nov["headroom_pct"] == approx(2.5 / 3.5 * 100)
    assert (nov["shortfall_days"], nov["first_shortfall_date"]) == (16, "2026-11-15")
    assert dec["peak_demand_mw"] == approx(3.0) and dec["headroom_mw"] == approx(1.5)
    assert dec["shortfall_days"] == 0


# ---- month 0 against the day's KPIs --------------------------------------------------------------------

STEADY = {
    "sites": [row(SITE, site_id="s1", pue=1.2, grid_carbon_intensity_g_per_kwh=380)],
    "workloads": [
        row(WORKLOAD, workload_id="w1", criticality="tolerant", gpu_count=1000, utilization=0.8),
        row(WORKLOAD, workload_id="w2", workload_class="realtime_inference", criticality="sensitive",
            gpu_count=200, utilization=0.5, sla_availability_pct=99.9),
    ],
    "contracts": [
        row(CONTRACT, contract_id="g1", capacity_mw=2.0, availability_pct=99.9, price_per_mwh=90),
        row(CONTRACT, contract_id="b1", layer="flexibility", contract_type="battery_storage", technology="battery",
            capacity_mw=0.5, energy_mwh=2, availability_pct=99.0, price_per_mwh="", currency=""),
        row(CONTRACT, contract_id="p1", layer="ppa", contract_type="physical_ppa", technology="wind",
            capacity_mw=3, annual_volume_mwh=5000, availability_pct=35, price_per_mwh=55),
    ],
    "commitments": [row(COMMITMENT, commitment_id="c1", gpu_count=1200, total_cost=30_000_000)],
}
SAME = ("peak_demand_mw", "effective_mw", "headroom_mw", "headroom_pct", "ppa_coverage_pct",
        "carbon_intensity_g_per_kwh", "energy_cost_per_gpu_hour", "compute_cost_per_gpu_hour",
        "marginal_gpu_hour_cost", "sensitive_peak_mw")


def test_month_0_equals_the_days_kpis_for_a_plan_without_changes(tmp_path):
    day = dt.date(2026, 12, 1)
    result, plan, settings = outlook(tmp_path, as_of=day, months=1, **STEADY)
    facts = build_facts(plan, FactsOptions(as_of=day, currency=settings.currency, fx=settings.fx))
    kpi = facts.kpi_records()["sites"][0]
    month = site_rows(result)[0]
    for key in SAME:
        ours = month[key]
        theirs = kpi[key] if key != "sensitive_peak_mw" else float(facts.sites["sensitive_peak_mw"].iloc[0])
        assert ours == approx(theirs), key
    assert month["energy_mwh"] == approx(kpi["annual_energy_mwh"] * 31 / 365)
    assert month["gpu_hours"] == approx(kpi["gpu_hours"] * 31 / 365)
    assert month["ppa_mwh"] == approx(kpi["ppa_volume_mwh"] * 31 / 365)
    assert month["flexibility_mw"] == approx(float(facts.sites["flexibility_effective_mw"].iloc[0]))
    assert month["flexibility_gap_days"] == 0  # 0.24 MW sensitive against 0.495 MW of flexibility
    total = result.to_json()["portfolio"][0]
    for key in SAME[:-1]:
        assert total[key] == approx(facts.portfolio[key]), key


def test_no_sites_gives_portfolio_rows_only(tmp_path):
    result, _, _ = outlook(tmp_path, sites=[])
    assert result.to_json()["sites"] == []
    total = result.to_json()["portfolio"]
    assert len(total) == 3 and total[0]["energy_mwh"] == 0 and total[0]["carbon_intensity_g_per_kwh"] is None
    assert math.isnan(result.portfolio_months["peak_demand_mw"].iloc[0])
    assert np.all(result.portfolio_months["shortfall_days"].to_numpy() == 0)


def test_battery_ending_under_sensitive_inference_opens_a_flexibility_gap(tmp_path):
    battery = row(CONTRACT, contract_id="b1", layer="flexibility", contract_type="battery_storage",
                  technology="battery", capacity_mw=0.8, energy_mwh=2, availability_pct=100, price_per_mwh="",
                  currency="", start_date="2026-01-01", end_date="2026-12-20")
    sensitive = row(ONE_MW, workload_id="w1", gpu_count=500, criticality="sensitive")  # 0.5 MW
    result, _, _ = outlook(tmp_path, sites=[PLAIN_SITE], workloads=[sensitive, row(ONE_MW, workload_id="w2")],
                           contracts=[grid("g1", 3, "2026-01-01", "2030-12-31"), battery])
    nov, dec, jan = site_rows(result)
    assert (nov["flexibility_mw"], nov["flexibility_gap_days"]) == (approx(0.8), 0)
    assert nov["sensitive_peak_mw"] == approx(0.5)
    assert (dec["flexibility_mw"], dec["flexibility_gap_days"]) == (0, 11)  # 21 … 31 December
    assert jan["flexibility_gap_days"] == 31
    assert nov["effective_mw"] == approx(3.8) and dec["effective_mw"] == approx(3.0)


def test_portfolio_capacity_leaves_cloud_regions_out_but_sums_their_energy(tmp_path):
    sites = [PLAIN_SITE, row(SITE, site_id="c1", site_type="cloud_region", pue=1.0,
                             grid_carbon_intensity_g_per_kwh=100)]
    workloads = [ONE_MW, row(ONE_MW, workload_id="w2", site_id="c1", gpu_count=4000)]
    result, _, _ = outlook(tmp_path, sites=sites, workloads=workloads,
                           contracts=[grid("g1", 2, "2026-01-01", "2030-12-31")])
    total = result.to_json()["portfolio"][0]
    assert (total["peak_demand_mw"], total["effective_mw"]) == (approx(1.0), approx(2.0))
    assert total["energy_mwh"] == approx(16 * (12 + 48))
    # 16 × 12 MWh at 400 g/kWh and 16 × 48 MWh at 100 g/kWh
    assert total["carbon_intensity_g_per_kwh"] == approx((12 * 400 + 48 * 100) / 60)
    # the cloud region's energy is priced at 0 and its GPU-hours count as priced
    assert total["energy_cost_per_gpu_hour"] == approx(16 * 12 * 100 / (16 * 24_000 * 5))
