"""Whole-year scenarios of spec/adequacy.md with hand-computed results (clock UTC, replay year 2026)."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.adequacy_helpers import GPU, frames_of, run, site

D = dt.date(2027, 1, 1)
SENSITIVE = {**GPU, "workload_id": "ws", "criticality": "sensitive", "gpu_count": 4000, "utilization": 1.0}
TOLERANT = {**GPU, "workload_id": "wt", "criticality": "tolerant", "gpu_count": 12000, "utilization": 0.5}
SITE = {"site_id": "s1", "pue": 1.0, "grid_carbon_intensity_g_per_kwh": 400}
GRID = {"contract_id": "g1", "capacity_mw": 10, "availability_pct": 100}
BATTERY = {"contract_id": "b1", "layer": "flexibility", "contract_type": "battery_storage", "technology": "battery",
           "capacity_mw": 5, "energy_mwh": 8, "availability_pct": 100, "price_per_mwh": ""}


def incident(iid: str, start: str, hours: float, shed: float | str = "", cause: str = "grid_curtailment") -> dict:
    return {"incident_id": iid, "started_at": start, "duration_hours": hours, "mw_shed": shed, "cause": cause}


def approx(v: float):
    return pytest.approx(v, rel=1e-9, abs=1e-9)


def reserve_site(hours: float, **opts):
    frames = frames_of(sites=[SITE], workloads=[SENSITIVE], contracts=[GRID, BATTERY],
                       incidents=[incident("i1", "2026-06-10T18:00:00", hours)])
    return site(run(frames, D, **{"round_trip_efficiency": 1.0, "min_soc_pct": 0, "reserve_hours": 2, **opts}))


def test_event_of_exactly_the_reserve_is_carried():
    s = reserve_site(2)  # R = 4 MW × 2 h = 8 MWh = Emax; a 2-hour event draws 8 MWh
    assert s["unserved_sensitive_mwh"] == 0
    assert s["unserved_hours"] == 0
    assert s["event_hours"] == 2
    assert s["battery_cycles"] == approx(8 / 8)  # the reserve once, refilled after the event


def test_event_one_hour_longer_than_the_reserve_is_unserved():
    s = reserve_site(3)
    assert s["unserved_sensitive_mwh"] == approx(4)
    assert (s["unserved_hours"], s["longest_unserved_run_h"]) == (1, 1)
    assert s["served_mwh"] == approx(4 * 8760 - 4)


def test_a_reserve_short_by_rounding_still_carries_the_event():
    # η = 0.9, Emax 20: R = 4 × 2 / 0.9 = 8.888…; two event hours draw 8.888… × 0.9 = 8 MWh (to rounding)
    frames = frames_of(sites=[SITE], workloads=[SENSITIVE], contracts=[GRID, {**BATTERY, "energy_mwh": 20}],
                       incidents=[incident("i1", "2026-06-10T18:00:00", 2)])
    s = site(run(frames, D, round_trip_efficiency=0.81, min_soc_pct=0, reserve_hours=2))
    assert s["unserved_sensitive_mwh"] == 0
    assert s["unserved_hours"] == 0


def test_partial_curtailment_by_mw_shed():
    frames = frames_of(sites=[SITE], workloads=[SENSITIVE, TOLERANT], contracts=[GRID],
                       incidents=[incident("i1", "2026-03-01T10:00:00", 2, shed=3)])
    s = site(run(frames, D))
    assert s["curtailed_tolerant_mwh"] == approx(6)  # limit 10 − 3 = 7 against a 10 MW load, 2 hours
    assert s["curtailed_hours"] == 2
    assert s["unserved_sensitive_mwh"] == 0
    assert s["battery_cycles"] is None


def test_overlapping_incidents_take_the_lowest_limit():
    frames = frames_of(sites=[SITE], workloads=[SENSITIVE, TOLERANT], contracts=[GRID],
                       incidents=[incident("i1", "2026-03-01T10:00:00", 4, shed=2),
                                  incident("i2", "2026-03-01T12:00:00", 4, shed=5)])
    a = run(frames, D)
    s = site(a)
    # 10–11: limit 8 → 2 curtailed; 12–13 (both): limit 5 → 5; 14–15: 5 → 5
    assert s["curtailed_tolerant_mwh"] == approx(2 * 2 + 4 * 5)
    assert (s["event_hours"], s["grid_events"], s["curtailed_hours"]) == (6, 2, 6)
    ev = a.events.iloc[0]
    assert (str(ev["start"]), ev["hours"], ev["incident_ids"]) == ("2026-03-01 10:00:00", 6, "i1, i2")


def test_incidents_outside_the_replay_year_do_not_count():
    frames = frames_of(sites=[SITE], workloads=[SENSITIVE, TOLERANT], contracts=[GRID],
                       incidents=[incident("before", "2025-12-31T22:00:00", 5),
                                  incident("on_d", "2027-01-01T00:00:00", 5),
                                  incident("price", "2026-05-01T00:00:00", 5, cause="price_spike")])
    s = site(run(frames, D))
    assert (s["event_hours"], s["grid_events"], s["curtailed_hours"]) == (0, 0, 0)


def test_incident_hours_past_the_year_end_are_dropped_not_wrapped():
    frames = frames_of(sites=[SITE], workloads=[SENSITIVE, TOLERANT], contracts=[GRID],
                       incidents=[incident("late", "2026-12-31T22:00:00", 5)])
    s = site(run(frames, D))
    assert (s["event_hours"], s["grid_events"]) == (2, 1)
    assert s["curtailed_tolerant_mwh"] == approx(12)


def test_a_skipped_29_february_moves_the_year_and_drops_its_hours():
    frames = frames_of(sites=[SITE], workloads=[SENSITIVE, TOLERANT], contracts=[GRID],
                       incidents=[incident("leap", "2024-02-29T10:00:00", 2),
                                  incident("eve", "2024-02-28T22:00:00", 4)])
    a = run(frames, dt.date(2024, 12, 1))
    assert a.year_start == dt.date(2023, 12, 1)
    s = site(a)
    assert (s["event_hours"], s["grid_events"]) == (2, 1)  # 22:00 and 23:00; 29 Feb's hours are dropped


def test_a_site_with_only_backup_generation():
    gas = {"contract_id": "gen1", "layer": "flexibility", "contract_type": "onsite_generation", "technology": "gas",
           "capacity_mw": 20, "availability_pct": 100, "carbon_intensity_g_per_kwh": 500, "price_per_mwh": ""}
    s = site(run(frames_of(sites=[SITE], workloads=[SENSITIVE, TOLERANT], contracts=[gas]), D))
    assert s["backup_mwh"] == approx(87_600)
    assert s["grid_mwh"] == 0
    assert s["hourly_carbon_intensity_g_per_kwh"] == approx(500)
    assert s["unserved_sensitive_mwh"] == 0
    assert s["cfe_pct"] == 0


def test_backup_without_carbon_intensity_takes_the_site_grid_factor():
    gen = {"contract_id": "gen1", "layer": "flexibility", "contract_type": "onsite_generation", "technology": "",
           "capacity_mw": 4, "availability_pct": 50, "price_per_mwh": ""}
    s = site(run(frames_of(sites=[SITE], workloads=[SENSITIVE], contracts=[gen]), D))
    assert s["backup_mwh"] == approx(2 * 8760)  # O = 4 × 50 % = 2 MW against a 4 MW load
    assert s["unserved_sensitive_mwh"] == approx(2 * 8760)
    assert s["hourly_carbon_intensity_g_per_kwh"] == approx(2 * 8760 * 400 / (2 * 8760))


def test_a_cloud_region_has_no_limit_storage_or_events():
    cloud = {**SITE, "site_type": "cloud_region", "grid_cfe_pct": 50}
    frames = frames_of(sites=[cloud], workloads=[SENSITIVE, TOLERANT], contracts=[BATTERY],
                       incidents=[incident("i1", "2026-06-10T18:00:00", 5)])
    s = site(run(frames, D))
    assert s["served_mwh"] == approx(87_600)
    assert s["grid_mwh"] == approx(87_600)
    assert (s["event_hours"], s["grid_events"], s["unserved_hours"]) == (0, 0, 0)
    assert s["battery_cycles"] is None
    assert s["cfe_pct"] == approx(50)


def test_a_ppa_with_carbon_is_left_out_and_counted():
    ppa = {"contract_id": "p1", "layer": "ppa", "contract_type": "virtual_ppa", "technology": "mixed",
           "capacity_mw": 10, "annual_volume_mwh": 43_800, "availability_pct": 100, "carbon_intensity_g_per_kwh": 100}
    s = site(run(frames_of(sites=[SITE], workloads=[SENSITIVE, TOLERANT], contracts=[GRID, ppa]), D))
    assert s["ppa_left_out"] == 1
    assert s["clean_generation_mwh"] == 0
    assert s["cfe_pct"] == 0


def test_a_flat_ppa_and_the_grid_cfe_share():
    ppa = {"contract_id": "p1", "layer": "ppa", "contract_type": "virtual_ppa", "technology": "hydro",
           "capacity_mw": 10, "annual_volume_mwh": 43_800, "availability_pct": 100}
    frames = frames_of(sites=[{**SITE, "grid_cfe_pct": 40}], workloads=[SENSITIVE, TOLERANT], contracts=[GRID, ppa])
    s = site(run(frames, D, annual={"s1": 200.0}))
    # 5 MW every hour matched, 5 MW from a grid 40 % carbon-free: (5 + 2) / 10
    assert s["clean_generation_mwh"] == approx(43_800)
    assert s["cfe_pct"] == approx(70)
    assert s["hourly_carbon_intensity_g_per_kwh"] == approx(200)
    assert s["annual_carbon_intensity_g_per_kwh"] == 200


def test_onsite_solar_follows_the_builtin_shape_shifted_by_the_site_offset():
    import numpy as np

    from energyplan.facts.profiles import builtin_shape

    plant = {"contract_id": "pv1", "layer": "flexibility", "contract_type": "onsite_generation",
             "technology": "solar", "capacity_mw": 20, "availability_pct": 50, "price_per_mwh": ""}
    frames = frames_of(sites=[{**SITE, "utc_offset_hours": -5}], workloads=[SENSITIVE], contracts=[GRID, plant])
    a = run(frames, D)
    s = site(a)
    assert s["clean_generation_mwh"] == approx(10 * builtin_shape("builtin:solar").sum())
    gen = a.hourly_frame()["clean_generation_mw"].to_numpy()
    noon_utc = gen.reshape(365, 24).sum(axis=0).argmax()
    assert noon_utc == builtin_shape("builtin:solar").reshape(365, 24).sum(axis=0).argmax() + 5
    assert np.allclose(gen, 10 * builtin_shape("builtin:solar", -5))  # local = UTC − 5


def test_structural_curtailment_is_counted_but_not_an_event():
    frames = frames_of(sites=[SITE], workloads=[SENSITIVE, TOLERANT], contracts=[{**GRID, "capacity_mw": 8}],
                       incidents=[incident("i1", "2026-05-05T10:00:00", 1, shed=8)])
    a = run(frames, D)
    s = site(a)
    assert (s["curtailed_hours"], s["curtailed_tolerant_mwh"]) == (8760, approx(2 * 8759 + 6))
    assert a.events[["hours", "incident_ids"]].values.tolist() == [[1, "i1"]]
    assert a.events["curtailed_mwh"].tolist() == [approx(6)]
