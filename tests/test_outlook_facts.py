"""The monthly facts of spec/outlook.md through the loader: the worked example and the boundaries, by hand."""

from __future__ import annotations

import datetime as dt
import json
import math

import numpy as np
import pytest

from energyplan.config import load_settings
from energyplan.facts import build_facts
from energyplan.months import (
    FLAT_COLUMNS,
    PORTFOLIO_COLUMNS,
    SITE_COLUMNS,
    OutlookOptions,
    build_outlook,
    pathway_value,
)
from energyplan.plan.validate import validate_plan
from tests.helpers import COMMITMENT, CONTRACT, SITE, WORKLOAD, row, write_plan

D = dt.date(2026, 11, 15)


def approx(value):
    return pytest.approx(value, rel=1e-9, abs=1e-9)


def outlook(tmp_path, *, as_of=D, months=3, toml=None, **tables):
    root = write_plan(tmp_path / "plan", toml=toml, **tables)
    settings = load_settings(root)
    plan = validate_plan(root, settings)
    assert not any(len(b.frame) for b in plan.batches), "the test plan must be clean"
    options = OutlookOptions(as_of=as_of, months=months, currency=settings.currency, fx=settings.fx)
    return build_outlook(plan.frames, options), plan, settings


def site_rows(result, site="s1"):
    return [r for r in result.to_json()["sites"] if r["site_id"] == site]


# ---- the worked example of outlook.md -------------------------------------------------------------------

TOLERANT = row(WORKLOAD, workload_class="training", criticality="tolerant", gpu_power_kw=1.0, hours_per_week=168)
WORKED = {
    "sites": [row(SITE, site_id="s1", site_type="owned_dc", pue=1.0, grid_carbon_intensity_g_per_kwh=400)],
    "workloads": [
        row(TOLERANT, workload_id="w1", gpu_count=1000, utilization=0.5, start_date="2026-01-01", end_date=""),
        row(TOLERANT, workload_id="w2", gpu_count=500, utilization=1.0, start_date="2026-12-10",
            end_date="2027-01-20"),
    ],
    "contracts": [
        row(CONTRACT, contract_id="g1", capacity_mw=1.4, availability_pct=100, price_per_mwh=100,
            start_date="2025-01-01", end_date="2026-12-31"),
        row(CONTRACT, contract_id="g2", capacity_mw=1.6, availability_pct=100, price_per_mwh=120,
            start_date="2027-01-01", end_date="2030-12-31"),
        row(CONTRACT, contract_id="p1", layer="ppa", contract_type="physical_ppa", technology="solar",
            capacity_mw=2, availability_pct=30, annual_volume_mwh=4380, carbon_intensity_g_per_kwh=20,
            price_per_mwh="", currency="", start_date="2026-01-01", end_date="2026-12-31"),
    ],
    "commitments": [row(COMMITMENT, commitment_id="c1", gpu_count=1000, start_date="2026-01-01",
                        end_date="2027-12-31", total_cost=8_760_000, sourcing_plan_id="g1")],
}

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
