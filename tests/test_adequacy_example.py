"""The worked example of spec/adequacy.md, every number to a relative 1e-9."""

from __future__ import annotations

import datetime as dt
import functools

import pytest

from tests.adequacy_helpers import GPU, frames_of, hourly_year, profiles_frame, run, site

D = dt.date(2027, 1, 1)


def approx(v: float):
    return pytest.approx(v, rel=1e-9, abs=1e-9)


def example_frames(incident_hours: float = 3):
    sun = hourly_year(2026, lambda hod, _: (hod >= 8) & (hod <= 15))
    return frames_of(
        sites=[{"site_id": "s1", "pue": 1.0, "grid_carbon_intensity_g_per_kwh": 400}],
        workloads=[{**GPU, "workload_id": "ws", "criticality": "sensitive", "gpu_count": 4000, "utilization": 1.0},
                   {**GPU, "workload_id": "wt", "criticality": "tolerant", "gpu_count": 12000, "utilization": 0.5}],
        contracts=[{"contract_id": "g1", "capacity_mw": 20, "availability_pct": 100},
                   {"contract_id": "b1", "layer": "flexibility", "contract_type": "battery_storage",
                    "technology": "battery", "capacity_mw": 5, "energy_mwh": 20, "availability_pct": 100},
                   {"contract_id": "p1", "layer": "ppa", "contract_type": "physical_ppa", "technology": "solar",
                    "capacity_mw": 15, "annual_volume_mwh": 43800, "availability_pct": 100,
                    "generation_profile": "sun"}],
        incidents=[{"incident_id": "i1", "started_at": "2026-06-10T18:00:00", "duration_hours": incident_hours,
                    "mw_shed": "", "cause": "grid_curtailment"}],
        profiles=profiles_frame({"sun": sun}),
    )


@functools.cache
def example(**kw):
    return run(example_frames(**kw), D, {"s1": 200.0, None: 200.0}, round_trip_efficiency=0.81, min_soc_pct=0,
               reserve_hours=1.8)


def test_replay_year_is_2026():
    a = example()
    assert a.year_start == dt.date(2026, 1, 1)
    assert a.to_json()["year_start"] == "2026-01-01"
    assert a.problems.empty


def test_load_and_served():
    s = site(example())
    assert s["load_mwh"] == approx(87_600)
    assert s["served_mwh"] == approx(87_578)


def test_unserved_sensitive_energy_one_hour():
    s = site(example())
    assert s["unserved_sensitive_mwh"] == approx(4)
    assert (s["unserved_hours"], s["longest_unserved_run_h"]) == (1, 1)


def test_curtailed_and_event_hours():
    s = site(example())
    assert s["curtailed_tolerant_mwh"] == approx(18)
    assert (s["curtailed_hours"], s["event_hours"], s["grid_events"]) == (3, 3, 1)


def test_clean_generation_and_excess():
    s = site(example())
    assert s["clean_generation_mwh"] == approx(43_800)
    assert s["excess_clean_mwh"] == approx(9_733 + 1 / 3)


def test_grid_energy_includes_the_recharge():
    s = site(example())
    assert s["grid_mwh"] == approx(364 * 149.2 + 128 + 8 / 9)
    assert s["backup_mwh"] == 0


def test_cfe_score():
    s = site(example())
    assert s["cfe_pct"] == approx(33_142 / 87_578 * 100)
    assert s["cfe_pct"] == pytest.approx(37.8428, abs=5e-5)


def test_hourly_and_annual_carbon():
    s = site(example())
    assert s["hourly_carbon_intensity_g_per_kwh"] == approx((364 * 149.2 + 128 + 8 / 9) * 400 / 87_578)
    assert s["hourly_carbon_intensity_g_per_kwh"] == pytest.approx(248.636, abs=5e-4)
    assert s["annual_carbon_intensity_g_per_kwh"] == 200


def test_battery_cycles_and_ppa_left_out():
    s = site(example())
    assert s["battery_cycles"] == approx(219.4)
    assert s["ppa_left_out"] == 0


def test_portfolio_is_the_one_site():
    a = example()
    p, s = a.portfolio_year, site(a)
    for key, value in s.items():
        if key not in ("site_id", "site_type"):
            assert p[key] == (approx(value) if isinstance(value, float) else value), key


def test_event_day_hour_by_hour():
    h = example().hourly_frame()
    day = h[(h["hour"] >= "2026-06-10 16:00Z") & (h["hour"] < "2026-06-10 23:00Z")].reset_index(drop=True)
    assert day["battery_discharge_mw"].tolist() == pytest.approx([5, 5, 4.0, 4.0, 0, 0, 0])
    assert day["curtailed_tolerant_mw"].tolist() == pytest.approx([0, 0, 6, 6, 6, 0, 0])
    assert day["unserved_sensitive_mw"].tolist() == pytest.approx([0, 0, 0, 0, 4, 0, 0])
    assert day["grid_mw"].tolist() == pytest.approx([5, 5, 0, 0, 0, 15, 13 + 8 / 9])
    assert day["soc_mwh"].tolist() == pytest.approx([14 + 4 / 9, 8 + 8 / 9, 4 + 4 / 9, 0, 0, 4.5, 8])


def test_events_name_the_incident():
    ev = example().events
    row = ev[ev["unserved_mwh"] > 0].iloc[0]
    assert (str(row["start"]), row["hours"], row["incident_ids"]) == ("2026-06-10 18:00:00", 3, "i1")
    assert row["unserved_mwh"] == approx(4)
    assert row["curtailed_mwh"] == approx(18)
