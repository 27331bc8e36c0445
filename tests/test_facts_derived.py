"""The derived facts columns the rules read (facts/columns.py DERIVED_COLUMNS), by hand-computed values."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

from energyplan.facts import FactsOptions, build_facts
from energyplan.facts.columns import DERIVED_COLUMNS
from energyplan.facts.registry import KPIS
from tests.support.facts import plan_of

D = dt.date(2026, 12, 1)
KW = 1.0 * 1.2  # kW per GPU at s1 (gpu_power_kw 1.0 × PUE 1.2)
ENERGY_PER_GPU = 1.0 * 0.5 * 1.2 * 8760 / 1000  # MWh/yr per GPU of the default workload


def facts(horizon: int = 365, **tables):
    options = FactsOptions(as_of=D, currency="EUR", fx={}, growth_horizon_days=horizon)
    return build_facts(plan_of(**tables), options)


def test_every_declared_column_is_built_with_its_kind():
    f = facts(workloads=[{}], contracts=[{}], commitments=[{}])
    kinds = {"float": "f", "int": "iu", "bool": "b", "str": "OUSs", "date": "M"}
    frames = {"sites": f.sites, "workloads": f.workloads, "commitments": f.commitments, "contracts": f.contracts}
    for table, columns in DERIVED_COLUMNS.items():
        for name, (kind, _unit, _text) in columns.items():
            dtype = frames[table][name].dtype
            char = "O" if str(dtype) == "str" else getattr(dtype, "kind", "O")
            assert char in kinds[kind], (table, name, dtype)
    assert set(KPIS) <= set(f.sites.columns)


def test_site_counts_sensitive_peak_and_flexibility():
    f = facts(
        workloads=[{"workload_id": "a", "criticality": "sensitive", "gpu_count": 100},
                   {"workload_id": "b", "criticality": "sensitive", "gpu_count": 7, "end_date": "2026-11-30"},
                   {"workload_id": "c", "gpu_count": 50}],
        contracts=[{"contract_id": "g1"}, {"contract_id": "g2", "status": "proposed"},
                   {"contract_id": "f1", "layer": "flexibility", "contract_type": "battery_storage",
                    "capacity_mw": 0.4, "availability_pct": 95, "energy_mwh": 1.6},
                   {"contract_id": "f2", "layer": "flexibility", "contract_type": "microgrid",
                    "capacity_mw": 0.2, "availability_pct": 50},
                   {"contract_id": "p1", "layer": "ppa", "contract_type": "virtual_ppa", "technology": "wind"}],
    )
    s = f.sites.iloc[0]
    assert s["active_workloads"] == 2 and s["active_sensitive_workloads"] == 1
    assert s["sensitive_peak_mw"] == pytest.approx(100 * KW / 1000, rel=1e-12)
    assert (s["counted_grid_contracts"], s["counted_flexibility_contracts"], s["counted_ppa_contracts"]) == (1, 2, 1)
    assert s["flexibility_effective_mw"] == pytest.approx(0.4 * 0.95 + 0.2 * 0.5, rel=1e-12)
    assert not s["is_cloud"]
    w = f.workloads.set_index("workload_id")
    assert w.loc["a", "site_supply_contracts"] == 3
    assert w.loc["a", "site_supply_availability_pct"] == pytest.approx((1 - 0.001 * 0.05 * 0.5) * 100)
    assert w.loc["a", "facility_peak_kw"] == pytest.approx(120)
    assert w.loc["a", "annual_energy_mwh"] == pytest.approx(100 * ENERGY_PER_GPU)
    k = f.contracts.set_index("contract_id")
    assert k.loc["f1", "storage_duration_hours"] == pytest.approx(4.0)
    assert math.isnan(k.loc["f2", "storage_duration_hours"])


def test_storage_duration_null_at_zero_capacity():
    f = facts(contracts=[{"contract_id": "f", "layer": "flexibility", "contract_type": "battery_storage",
                          "capacity_mw": 0, "energy_mwh": 3}])
    assert math.isnan(f.contracts["storage_duration_hours"].iloc[0])


def test_peak_at_the_growth_horizon_and_growth():
    tables = {"workloads": [
        {"workload_id": "now", "gpu_count": 10, "end_date": "2027-06-01"},
        {"workload_id": "next", "gpu_count": 100, "start_date": "2027-03-01"},
    ]}
    s = facts(**tables).sites.iloc[0]
    assert s["horizon_date"] == pd.Timestamp("2027-12-01")
    assert s["peak_demand_horizon_mw"] == pytest.approx(100 * KW / 1000)
    assert s["peak_growth_pct"] == pytest.approx((0.12 - 0.012) / 0.012 * 100)
    short = facts(horizon=30, **tables).sites.iloc[0]
    assert short["peak_demand_horizon_mw"] == pytest.approx(0.012) and short["peak_growth_pct"] == 0.0
    idle = facts(workloads=[{"gpu_count": 5, "start_date": "2027-01-01"}]).sites.iloc[0]
    assert idle["peak_demand_mw"] == 0.0 and math.isnan(idle["peak_growth_pct"])
    assert idle["peak_demand_horizon_mw"] == pytest.approx(5 * KW / 1000)


def test_sourcing_plan_columns_and_bound_energy():
    f = facts(
        sites=[{"site_id": "s1", "country": "DE"}, {"site_id": "s2", "country": "FR"}],
        contracts=[{"contract_id": "p1", "site_id": "s2", "layer": "ppa", "contract_type": "virtual_ppa",
                    "technology": "wind", "status": "negotiating", "annual_volume_mwh": 100},
                   {"contract_id": "g1"}],
        commitments=[{"commitment_id": "c1", "sourcing_plan_id": "p1"},
                     {"commitment_id": "c2", "sourcing_plan_id": "p1", "status": "proposed",
                      "start_date": "2027-01-01"},
                     {"commitment_id": "c3", "sourcing_plan_id": "p1", "start_date": "2025-01-01",
                      "end_date": "2026-11-30"},
                     {"commitment_id": "c4", "sourcing_plan_id": "nope"},
                     {"commitment_id": "c5", "sourcing_plan_id": ""},
                     {"commitment_id": "c6", "sourcing_plan_id": "g1"}],
        workloads=[{"workload_id": "wa", "commitment_id": "c1", "gpu_count": 10},
                   {"workload_id": "wb", "commitment_id": "c2", "gpu_count": 20},
                   {"workload_id": "wc", "commitment_id": "c3", "gpu_count": 400},  # its commitment ended
                   {"workload_id": "wd", "commitment_id": "c1", "gpu_count": 800, "end_date": "2026-11-30"},
                   {"workload_id": "we", "commitment_id": "c1", "gpu_count": 1, "site_id": "ghost"}],
    )
    c = f.commitments.set_index("commitment_id")
    bound = 30 * ENERGY_PER_GPU
    for cid in ("c1", "c2", "c3"):
        assert c.loc[cid, "sp_bound_energy_mwh"] == pytest.approx(bound), cid
        assert c.loc[cid, "sp_coverage_pct"] == pytest.approx(100 / bound * 100), cid
        assert c.loc[cid, "sp_layer"] == "ppa" and c.loc[cid, "sp_status"] == "negotiating"
        assert c.loc[cid, "sp_country"] == "FR" and c.loc[cid, "site_country"] == "DE"
        assert c.loc[cid, "sp_annual_volume_mwh"] == 100
    assert c.loc["c1", "bound_active_workloads"] == 2  # wa and the unknown-site we; wd has ended
    assert c.loc["c1", "sp_start_date"] == pd.Timestamp("2026-01-01")
    assert c.loc["c1", "sp_end_date"] == pd.Timestamp("2030-12-31")
    assert c["has_sourcing_plan"].to_dict() == {"c1": True, "c2": True, "c3": True, "c4": True, "c5": False,
                                                "c6": True}
    assert c["sp_known"].to_dict() == {"c1": True, "c2": True, "c3": True, "c4": False, "c5": False,
                                       "c6": True}
    for column in ("sp_bound_energy_mwh", "sp_annual_volume_mwh", "sp_coverage_pct", "sp_layer", "sp_country"):
        assert pd.isna(c.loc["c4", column]) and pd.isna(c.loc["c5", column]), column
    # g1 has no volume (empty = 0) and nothing bound: coverage is null, not 0/0
    assert c.loc["c6", "sp_annual_volume_mwh"] == 0 and c.loc["c6", "sp_bound_energy_mwh"] == 0
    assert math.isnan(c.loc["c6", "sp_coverage_pct"])
    assert c["active"].to_dict()["c2"] is False and c["ended"].to_dict()["c3"] is True


def test_contract_days_to_end_and_what_follows_it():
    f = facts(
        sites=[{"site_id": "s1"}, {"site_id": "s2"}],
        contracts=[
            {"contract_id": "g1", "end_date": "2027-06-30"},
            {"contract_id": "g2", "start_date": "2027-07-01", "end_date": "2028-12-31"},
            {"contract_id": "g3", "status": "proposed", "start_date": "2027-01-01"},
            {"contract_id": "f1", "layer": "flexibility", "contract_type": "battery_storage"},
            {"contract_id": "g5", "site_id": "s2"},
            {"contract_id": "g6", "start_date": "2027-07-02"},
            {"contract_id": "g7", "start_date": "2027-08-01", "end_date": "2027-01-01"},  # inverted: never active
            {"contract_id": "today", "start_date": "2026-01-01", "end_date": "2026-12-01"},
            {"contract_id": "old", "start_date": "2025-01-01", "end_date": "2026-11-21"},
        ],
        workloads=[
            {"workload_id": "open"},
            {"workload_id": "stops", "end_date": "2027-06-30"},
            {"workload_id": "starts", "start_date": "2027-07-01"},
            {"workload_id": "inverted", "start_date": "2027-05-01", "end_date": "2027-01-01"},
            {"workload_id": "elsewhere", "site_id": "s2"},
            {"workload_id": "lost", "site_id": "ghost"},
        ],
    )
    k = f.contracts.set_index("contract_id")
    assert k.loc["g1", "days_to_end"] == (dt.date(2027, 6, 30) - D).days
    assert k.loc["today", "days_to_end"] == 0 and k.loc["old", "days_to_end"] == -10
    assert k.loc["g1", "site_workloads_after_end"] == 2  # open, starts
    # only g2: g3 is proposed, f1 another layer, g5 another site, g6 a day late, g7 never active
    assert k.loc["g1", "successors_after_end"] == 1
    # on 2026-12-02: "open" and "stops" run; g1 (signed grid) is still there to take over
    assert k.loc["today", "site_workloads_after_end"] == 2
    assert k.loc["today", "successors_after_end"] == 1
    assert k.loc["g5", "site_workloads_after_end"] == 1 and k.loc["g5", "successors_after_end"] == 0


def _peaks(commitments, workloads):
    f = facts(commitments=commitments, workloads=workloads)
    c = f.commitments.set_index("commitment_id")
    days = {k: (None if pd.isna(v) else v.date().isoformat()) for k, v in c["peak_bound_date"].items()}
    return c["peak_bound_gpus"].to_dict(), days, f


def test_peak_bound_gpus_overlapping_and_back_to_back_workloads():
    # c1 runs 2026-01-01 … 2027-12-31; its window starts at D = 2026-12-01
    workloads = [
        # a and b overlap on 2027-02-01 … 2027-02-28: 100 + 250 = 350
        {"workload_id": "a", "gpu_count": 100, "commitment_id": "c1", "start_date": "2027-01-01",
         "end_date": "2027-02-28"},
        {"workload_id": "b", "gpu_count": 250, "commitment_id": "c1", "start_date": "2027-02-01",
         "end_date": "2027-06-30"},
        # c ends the day before d starts: never together, so 300 and 200 do not add up
        {"workload_id": "c", "gpu_count": 300, "commitment_id": "c2", "start_date": "2026-06-01",
         "end_date": "2027-03-31"},
        {"workload_id": "d", "gpu_count": 200, "commitment_id": "c2", "start_date": "2027-04-01"},
        # e ran only before D: outside the window, it counts for nothing
        {"workload_id": "e", "gpu_count": 999, "commitment_id": "c2", "start_date": "2026-01-01",
         "end_date": "2026-11-30"},
        # f starts after c3 has ended; g is bound to no commitment
        {"workload_id": "f", "gpu_count": 50, "commitment_id": "c3", "start_date": "2028-01-01"},
        {"workload_id": "g", "gpu_count": 70},
    ]
    commitments = [{"commitment_id": "c1"}, {"commitment_id": "c2"}, {"commitment_id": "c3"},
                   {"commitment_id": "old", "start_date": "2025-01-01", "end_date": "2026-11-30"}]
    peaks, days, f = _peaks(commitments, workloads)
    assert peaks == {"c1": 350, "c2": 300, "c3": 0, "old": 0}
    assert days == {"c1": "2027-02-01", "c2": "2026-12-01", "c3": None, "old": None}
    assert str(f.commitments["peak_bound_gpus"].dtype) == "int64"
    w = f.workloads.set_index("workload_id")["commitment_site_id"]
    assert w["a"] == "s1" and pd.isna(w["g"])


def test_peak_bound_gpus_a_workload_ending_on_the_day_another_starts_overlaps():
    workloads = [
        {"workload_id": "a", "gpu_count": 5, "commitment_id": "c1", "end_date": "2027-03-31"},
        {"workload_id": "b", "gpu_count": 7, "commitment_id": "c1", "start_date": "2027-03-31"},
        # inverted dates (EP002) are never active
        {"workload_id": "x", "gpu_count": 100, "commitment_id": "c1", "start_date": "2027-05-01",
         "end_date": "2027-04-01"},
    ]
    peaks, days, _f = _peaks([{"commitment_id": "c1"}], workloads)
    assert peaks == {"c1": 12} and days == {"c1": "2027-03-31"}


def test_peak_bound_gpus_clips_to_the_commitment_end():
    workloads = [{"workload_id": "a", "gpu_count": 5, "commitment_id": "c1"},
                 {"workload_id": "b", "gpu_count": 7, "commitment_id": "c1", "start_date": "2028-01-01"}]
    peaks, _days, _f = _peaks([{"commitment_id": "c1", "end_date": "2027-12-31"}], workloads)
    assert peaks == {"c1": 5}
    peaks, days, _f = _peaks([{"commitment_id": "c1", "end_date": "2028-01-01"}], workloads)
    assert peaks == {"c1": 12} and days == {"c1": "2028-01-01"}


@pytest.mark.parametrize("seed", range(5))
def test_interval_peaks_match_a_day_by_day_count(seed):
    import numpy as np

    from energyplan.facts.util import day_numbers, interval_peaks

    rng = np.random.default_rng(seed)
    n_rows, n_groups = 60, 6
    group = rng.integers(-1, n_groups, n_rows)
    start = pd.Timestamp("2027-01-01") + pd.to_timedelta(rng.integers(0, 40, n_rows), unit="D")
    length = rng.integers(-3, 20, n_rows)  # some rows have end < start (never active)
    end = pd.Series(start + pd.to_timedelta(length, unit="D")).where(rng.random(n_rows) > 0.2)  # some open
    weights = rng.integers(0, 9, n_rows).astype(float)
    lo = day_numbers(pd.Series(pd.Timestamp("2027-01-01") + pd.to_timedelta(rng.integers(0, 30, n_groups),
                                                                             unit="D")))[0]
    hi = lo + rng.integers(-2, 30, n_groups)  # some windows are empty
    peak, peak_day = interval_peaks(group, pd.Series(start), end, weights, lo, hi, n_groups)
    s_day, e_day, e_ok = day_numbers(pd.Series(start))[0], *day_numbers(end)
    for g in range(n_groups):
        totals = {d: sum(weights[i] for i in range(n_rows) if group[i] == g and s_day[i] <= d
                         and (not e_ok[i] or d <= e_day[i]) and not (e_ok[i] and e_day[i] < s_day[i]))
                  for d in range(int(lo[g]), int(hi[g]) + 1)}
        best = max(totals.values(), default=0)
        assert peak[g] == best
        if best > 0:
            first = min(d for d, v in totals.items() if v == best)
            assert peak_day[g] == np.datetime64(first, "D").astype("datetime64[s]")
        else:
            assert np.isnat(peak_day[g])
