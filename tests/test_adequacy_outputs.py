"""site_year / portfolio_year as JSON, flat and hourly frames; sites are independent; defaults without v2 data."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pytest

from energyplan.facts.hours import COUNT_COLUMNS, HOURLY_COLUMNS, SITE_YEAR_COLUMNS, HourlyOptions, build_adequacy
from tests.adequacy_helpers import GPU, frames_of, run, site
from tests.test_adequacy_example import example, example_frames
from tests.test_adequacy_scenarios import BATTERY, GRID, SENSITIVE, SITE, TOLERANT, incident
from tests.test_facts_builder import plan_of

D = dt.date(2027, 1, 1)


def three_sites():
    sites = [SITE, {**SITE, "site_id": "s2"}, {**SITE, "site_id": "s3", "site_type": "cloud_region"}]
    w = [{**SENSITIVE, "workload_id": f"ws{i}", "site_id": s} for i, s in enumerate(("s1", "s2", "s3"))]
    w += [{**TOLERANT, "workload_id": f"wt{i}", "site_id": s} for i, s in enumerate(("s1", "s2", "s3"))]
    c = [{**GRID, "contract_id": "g1"}, {**GRID, "contract_id": "g2", "site_id": "s2", "capacity_mw": 8},
         {**BATTERY, "contract_id": "b1"}, {**BATTERY, "contract_id": "b2", "site_id": "s2", "energy_mwh": 4}]
    inc = [incident("i1", "2026-02-01T10:00:00", 3), incident("i2", "2026-02-01T11:00:00", 5, shed=4) | {
        "site_id": "s2"}]
    return frames_of(sites=sites, workloads=w, contracts=c, incidents=inc)


def test_json_has_every_column_with_plain_numbers():
    j = example().to_json()
    assert set(j) == {"year_start", "clock", "sites", "portfolio"}
    row = j["sites"][0]
    assert list(row) == ["site_id", "site_type", *SITE_YEAR_COLUMNS]
    assert list(j["portfolio"]) == list(SITE_YEAR_COLUMNS)
    for key in COUNT_COLUMNS:
        assert type(row[key]) is int and type(j["portfolio"][key]) is int
    json.dumps(j, allow_nan=False)


def test_nulls_are_none():
    frames = frames_of(sites=[SITE], workloads=[], contracts=[GRID])
    j = run(frames, D).to_json()
    assert j["sites"][0]["cfe_pct"] is None
    assert j["sites"][0]["hourly_carbon_intensity_g_per_kwh"] is None
    assert j["portfolio"]["battery_cycles"] is None
    json.dumps(j, allow_nan=False)


def test_flat_frame_sites_then_portfolio():
    f = run(three_sites(), D).flat_frame()
    assert f["scope"].tolist() == ["site", "site", "site", "portfolio"]
    assert f["site_id"].iloc[:3].tolist() == ["s1", "s2", "s3"] and f["site_id"].isna().iloc[3]
    assert all(str(f[c].dtype) == ("int64" if c in COUNT_COLUMNS else "float64") for c in SITE_YEAR_COLUMNS)


def test_portfolio_sums_and_recomputes_ratios():
    a = run(three_sites(), D, {"s1": 400.0, "s2": 400.0, "s3": 400.0, None: 400.0})
    s = a.site_year
    p = a.portfolio_year
    assert p["load_mwh"] == pytest.approx(s["load_mwh"].sum())
    assert p["unserved_hours"] == s["unserved_hours"].sum()
    assert p["longest_unserved_run_h"] == s["longest_unserved_run_h"].max()
    assert p["grid_events"] == 2
    cfe = (s["cfe_pct"] * s["served_mwh"]).sum() / s["served_mwh"].sum()
    assert p["cfe_pct"] == pytest.approx(cfe)
    drawn = (s["battery_cycles"] * [8, 4, np.nan]).sum()
    assert p["battery_cycles"] == pytest.approx(drawn / 12)
    assert p["annual_carbon_intensity_g_per_kwh"] == 400


def test_sites_stepped_together_equal_each_site_alone():
    together = run(three_sites(), D).site_year.set_index("site_id")
    frames = three_sites()
    for sid in ("s1", "s2", "s3"):
        alone = {t: (f[f["site_id"] == sid] if "site_id" in f.columns else f) for t, f in frames.items()}
        got = run(alone, D).site_year.set_index("site_id").loc[sid]
        for col in SITE_YEAR_COLUMNS:
            a, b = together.loc[sid, col], got[col]
            assert (np.isnan(a) and np.isnan(b)) or a == pytest.approx(b, rel=1e-12), (sid, col)


def test_hourly_frame_adds_up_to_the_year():
    a = example()
    h = a.hourly_frame()
    assert list(h.columns) == list(HOURLY_COLUMNS)
    assert len(h) == 8760 and str(h["hour"].dt.tz) == "UTC"
    s = site(a)
    assert h["load_mw"].sum() == pytest.approx(s["load_mwh"])
    assert h["served_mw"].sum() == pytest.approx(s["served_mwh"])
    assert h["grid_mw"].sum() == pytest.approx(s["grid_mwh"])
    assert h["cfe_mw"].sum() / h["served_mw"].sum() * 100 == pytest.approx(s["cfe_pct"])
    assert h["emissions_kg"].sum() / h["served_mw"].sum() == pytest.approx(s["hourly_carbon_intensity_g_per_kwh"])
    assert h["battery_discharge_mw"].sum() / 0.9 / 20 == pytest.approx(s["battery_cycles"])


def test_hourly_frame_of_chosen_sites():
    h = run(three_sites(), D).hourly_frame(["s3", "s1"])
    assert h["site_id"].unique().tolist() == ["s1", "s3"]
    assert len(h) == 2 * 8760


def test_same_input_same_output():
    first = json.dumps(run(example_frames(), D, round_trip_efficiency=0.81).to_json(), sort_keys=True)
    assert json.dumps(run(example_frames(), D, round_trip_efficiency=0.81).to_json(), sort_keys=True) == first


def test_frames_without_any_v2_column_or_table_use_the_defaults():
    plan = plan_of(sites=[SITE], workloads=[SENSITIVE], contracts=[GRID])
    frames = {t: f for t, f in plan.frames.items() if t != "incidents"}
    a = build_adequacy(frames, HourlyOptions(as_of=D), annual_carbon={})
    assert site(a)["load_mwh"] == pytest.approx(4 * 8760)
    assert site(a)["cfe_pct"] == 0
    assert a.problems.empty


def test_dangling_references_and_empty_cells_do_not_crash():
    frames = frames_of(sites=[{**SITE, "grid_carbon_profile": "nope", "load_profile": "builtin:solar"}],
                       workloads=[SENSITIVE, {**GPU, "workload_id": "lost", "site_id": "ghost", "gpu_count": 5,
                                              "utilization": 1.0}],
                       contracts=[GRID, {**BATTERY, "energy_mwh": ""},
                                  {"contract_id": "p1", "layer": "ppa", "contract_type": "physical_ppa",
                                   "technology": "wind", "capacity_mw": 5, "availability_pct": 100,
                                   "generation_profile": "BUILTIN:WIND"}])
    s = site(run(frames, D))
    assert s["load_mwh"] == pytest.approx(4 * 8760)  # the workload at an unknown site is left out
    assert s["battery_cycles"] is None  # storage without energy_mwh does nothing
    assert s["clean_generation_mwh"] == 0  # a PPA without volume adds nothing
    assert s["hourly_carbon_intensity_g_per_kwh"] == pytest.approx(400)


def test_hour_blocks_do_not_change_the_result(monkeypatch):
    import energyplan.facts.hours_dispatch as dispatch

    frames = frames_of(sites=[SITE], workloads=[SENSITIVE, TOLERANT], contracts=[GRID, BATTERY],
                       incidents=[incident("night", "2026-04-01T22:00:00", 6)])
    whole = run(frames, D)
    monkeypatch.setattr(dispatch, "BLOCK_CELLS", 24)  # one day per block: the run crosses midnight
    daily = run(frames, D)
    assert daily.to_json() == whole.to_json()
    assert daily.events.equals(whole.events)
    s = site(daily)
    # a 10 MW grid under a 10 MW load never refills the battery: the reported pass starts at Emin, so all
    # 6 event hours are short, 22:00 to 04:00, across the midnight block boundary
    assert (s["unserved_hours"], s["longest_unserved_run_h"]) == (6, 6)
