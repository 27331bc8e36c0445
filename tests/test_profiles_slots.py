"""Profiles on the plan clock (spec/adequacy.md): slots, DST, leap years, incomplete profiles, built-in shapes."""

from __future__ import annotations

import datetime as dt
import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from energyplan.facts.profiles import HOURS, builtin_shape, canonical_slot, replay_year, resolve_profiles
from tests.support.adequacy import GPU, frames_of, hourly_year, profiles_frame, run, site

D = dt.date(2027, 1, 1)


def slot(text: str) -> int:
    return int(canonical_slot(np.array([np.datetime64(text, "s")]))[0])


def test_replay_year_is_the_365_days_before_d():
    y = replay_year(dt.date(2026, 11, 30))
    assert (y.start, y.skipped) == (dt.date(2025, 11, 30), None)
    assert y.offset == slot("2001-11-30T00:00")


def test_replay_year_skips_29_february_and_starts_a_day_earlier():
    y = replay_year(dt.date(2024, 12, 1))
    assert y.start == dt.date(2023, 12, 1)
    assert y.skipped == (dt.date(2024, 2, 29) - dt.date(2023, 12, 1)).days


def test_a_complete_naive_profile_maps_to_its_slots_whatever_its_year():
    stamps, values = hourly_year(2019, lambda hod, s: np.arange(len(s)))
    p = resolve_profiles(profiles_frame({"x": (stamps, values)}))
    assert p.problems.empty
    assert np.array_equal(p.matrix[p.index["x"]], np.arange(HOURS))


def test_an_8784_hour_profile_drops_29_february():
    stamps, values = hourly_year(2024, lambda hod, s: np.where(s.astype("datetime64[D]") == np.datetime64(
        "2024-02-29"), 1000.0, 1.0), hours=8784)
    p = resolve_profiles(profiles_frame({"leap": (stamps, values)}))
    assert p.problems.empty
    assert p.matrix[p.index["leap"]].max() == 1.0


def test_an_incomplete_profile_is_one_finding_naming_the_first_bad_timestamp():
    stamps, _values = hourly_year(2026, lambda hod, s: np.ones(len(s)))
    keep = np.ones(HOURS, dtype=bool)
    keep[slot("2001-05-05T05:00")] = False  # a gap …
    stamps = np.concatenate([stamps[keep], [np.datetime64("2026-09-01T03:00")]])  # … and a repeat later
    p = resolve_profiles(profiles_frame({"grid": (stamps, np.ones(len(stamps)))}), file="profiles.csv")
    assert len(p.problems) == 1
    f = p.problems.iloc[0]
    assert (f["table"], f["record_id"], f["column"], f["file"]) == ("profiles", "grid", "timestamp", "profiles.csv")
    assert "2026-05-05T05:00" in f["message"]
    assert "and 1 other bad hour" in f["message"]
    assert f["row"] == slot("2001-05-05T04:00") + 1  # the row before the gap
    assert "grid" not in p.index


def test_a_repeated_hour_is_named_with_its_row():
    stamps, _values = hourly_year(2026, lambda hod, s: np.ones(len(s)))
    stamps = np.concatenate([stamps, [np.datetime64("2026-01-03T07:00")]])
    p = resolve_profiles(profiles_frame({"x": (stamps, np.ones(len(stamps)))}))
    f = p.problems.iloc[0]
    assert "has 2 values for 2026-01-03T07:00" in f["message"]
    assert f["row"] == HOURS + 1


def test_an_off_the_hour_timestamp_is_bad():
    stamps, _ = hourly_year(2026, lambda hod, s: np.ones(len(s)))
    stamps = stamps.copy()
    stamps[10] += np.timedelta64(30, "m")
    p = resolve_profiles(profiles_frame({"x": (stamps, np.ones(HOURS))}))
    assert "2026-01-01T10:30:00, not on the hour" in p.problems.iloc[0]["message"]


def test_offset_timestamps_on_a_dst_clock_fill_the_spring_slot_and_average_the_autumn_one():
    stamps, values = hourly_year(2026, lambda hod, s: np.arange(len(s), dtype=float))  # UTC hour index
    p = resolve_profiles(profiles_frame({"ci": (stamps, values)}, utc={"ci"}), "Europe/Berlin")
    assert p.problems.empty
    row = p.matrix[p.index["ci"]]
    utc = {t: (np.datetime64(t) - np.datetime64("2026-01-01T00:00")).astype("timedelta64[h]").astype(int)
           for t in ("2026-03-29T00:00", "2026-10-25T00:00", "2026-10-25T01:00", "2026-06-01T10:00")}
    assert row[slot("2001-03-29T01:00")] == utc["2026-03-29T00:00"]  # 01:00 CET
    assert row[slot("2001-03-29T02:00")] == utc["2026-03-29T00:00"]  # does not exist: the previous slot's value
    assert row[slot("2001-10-25T02:00")] == (utc["2026-10-25T00:00"] + utc["2026-10-25T01:00"]) / 2
    assert row[slot("2001-06-01T12:00")] == utc["2026-06-01T10:00"]  # CEST = UTC+2


def test_naive_timestamps_on_a_dst_clock_need_every_slot():
    stamps, values = hourly_year(2026, lambda hod, s: np.ones(len(s)))
    p = resolve_profiles(profiles_frame({"x": (stamps, values)}), "Europe/Berlin")
    assert p.problems.empty  # naive wall-clock slots: all 8760 given
    keep = np.arange(HOURS) != slot("2001-03-29T02:00")
    p = resolve_profiles(profiles_frame({"x": (stamps[keep], values[keep])}), "Europe/Berlin")
    assert "2026-03-29T02:00" in p.problems.iloc[0]["message"]


def test_references_to_an_incomplete_profile_fall_back_to_the_default():
    stamps, values = hourly_year(2026, lambda hod, s: np.full(len(s), 100.0))
    frames = frames_of(sites=[{"site_id": "s1", "pue": 1.0, "grid_carbon_intensity_g_per_kwh": 400,
                               "grid_carbon_profile": "ci"}],
                       workloads=[{**GPU, "workload_id": "w", "gpu_count": 1000, "utilization": 1.0}],
                       contracts=[{"contract_id": "g1", "capacity_mw": 10, "availability_pct": 100}],
                       profiles=profiles_frame({"ci": (stamps[:-1], values[:-1])}))
    a = run(frames, D)
    assert len(a.problems) == 1
    assert "2026-12-31T23:00" in a.problems.iloc[0]["message"]
    assert site(a)["hourly_carbon_intensity_g_per_kwh"] == pytest.approx(400)
    frames["profiles"] = profiles_frame({"ci": (stamps, values)})
    assert site(run(frames, D))["hourly_carbon_intensity_g_per_kwh"] == pytest.approx(100)


def test_a_load_profile_is_rescaled_to_mean_one_and_a_zero_one_is_flat():
    stamps, values = hourly_year(2026, lambda hod, s: np.where(hod < 12, 3.0, 1.0))
    zero = hourly_year(2026, lambda hod, s: np.zeros(len(s)))
    base = {"pue": 1.0, "grid_carbon_intensity_g_per_kwh": 400}
    frames = frames_of(sites=[{"site_id": "a", **base, "load_profile": "shape"},
                              {"site_id": "z", **base, "load_profile": "zero"}],
                       workloads=[{**GPU, "workload_id": "w1", "site_id": "a", "gpu_count": 1000, "utilization": 1.0},
                                  {**GPU, "workload_id": "w2", "site_id": "z", "gpu_count": 1000, "utilization": 1.0}],
                       contracts=[{"contract_id": "g1", "site_id": "a", "capacity_mw": 1.2, "availability_pct": 100},
                                  {"contract_id": "g2", "site_id": "z", "capacity_mw": 1.2, "availability_pct": 100}],
                       profiles=profiles_frame({"shape": (stamps, values), "zero": zero}))
    a = run(frames, D)
    # shape 3,1 → mean 2 → 1.5 MW mornings, 0.5 MW afternoons; 1.2 MW of grid leaves 0.3 MW × 12 h a day
    assert site(a, "a")["load_mwh"] == pytest.approx(8760)
    assert site(a, "a")["curtailed_tolerant_mwh"] == pytest.approx(0.3 * 12 * 365)
    assert site(a, "z")["curtailed_tolerant_mwh"] == 0


def test_a_dst_plan_clock_covers_the_spring_slot_and_one_autumn_slot():
    frames = frames_of(sites=[{"site_id": "s1", "pue": 1.0}],
                       workloads=[{**GPU, "workload_id": "w", "gpu_count": 1000, "utilization": 1.0}],
                       contracts=[{"contract_id": "g1", "capacity_mw": 10, "availability_pct": 100}],
                       incidents=[{"incident_id": "spring", "started_at": "2026-03-29T01:30:00", "duration_hours": 2,
                                   "mw_shed": "", "cause": "grid_curtailment"},
                                  {"incident_id": "autumn", "started_at": "2026-10-25T01:00:00", "duration_hours": 3,
                                   "mw_shed": "", "cause": "grid_curtailment"}])
    a = run(frames, D, clock="Europe/Berlin")
    # spring: 01:30 CET + 2 h = 04:30 CEST → slots 01, 02 (does not exist), 03, 04
    # autumn: 01:00 CEST + 3 h = 03:00 CET (on the hour) → slots 01, 02 (02 repeats: one slot)
    assert site(a)["event_hours"] == 4 + 2
    ev = a.events.set_index("incident_ids")
    assert (ev.loc["spring", "hours"], ev.loc["autumn", "hours"]) == (4, 2)
    hours = a.hourly_frame()["hour"]
    assert str(hours.dt.tz) == "Europe/Berlin"
    assert str(hours.iloc[0]) == "2026-01-01 00:00:00+01:00"


def test_an_instant_start_goes_to_the_slot_of_its_wall_clock_time():
    frames = frames_of(sites=[{"site_id": "s1", "pue": 1.0}],
                       workloads=[{**GPU, "workload_id": "w", "gpu_count": 1000, "utilization": 1.0}],
                       contracts=[{"contract_id": "g1", "capacity_mw": 10, "availability_pct": 100}],
                       incidents=[{"incident_id": "i", "started_at": "2026-07-01T10:00:00",
                                   "started_at_utc": "2026-07-01T08:00:00Z", "duration_hours": 1, "mw_shed": "",
                                   "cause": "capacity_shortfall"}])
    a = run(frames, D, clock="Europe/Berlin")
    assert str(a.events.iloc[0]["start"]) == "2026-07-01 10:00:00"
    assert str(run(frames, D).events.iloc[0]["start"]) == "2026-07-01 08:00:00"


def test_builtin_shapes_are_8760_capacity_factors_with_plausible_means():
    solar, wind, flat = (builtin_shape(f"builtin:{n}") for n in ("solar", "wind", "flat"))
    for shape in (solar, wind):
        assert shape.shape == (HOURS,)
        assert shape.min() >= 0 and shape.max() <= 1
    assert 0.12 < solar.mean() < 0.2 and 0.18 < wind.mean() < 0.4
    assert solar.reshape(365, 24)[:, [0, 1, 2, 22, 23]].max() == 0  # dark at night, local standard time
    assert 11 <= solar.reshape(365, 24).sum(axis=0).argmax() <= 13
    assert np.array_equal(flat, np.ones(HOURS))


def test_make_shapes_regenerates_the_table_from_synthetic_source_files(tmp_path: Path):
    spec = importlib.util.spec_from_file_location("make_shapes", Path(__file__).parent.parent / "scripts" /
                                                  "make_shapes.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    ghi = np.tile(np.r_[np.zeros(6), np.linspace(0, 1000, 7), np.linspace(857, 0, 7)[1:], np.zeros(5)], 365)[:HOURS]
    tmy = "723170,X,NC,-5.0,36.1,-79.9,273\nDate (MM/DD/YYYY),Time (HH:MM),GHI (W/m^2)\n" + "".join(
        f"01/01/1988,{h % 24 + 1:02d}:00,{g}\n" for h, g in enumerate(ghi))
    speed = np.tile([0.0, 2.0, 5.0, 15.0], HOURS // 4)
    trx = "header\n***\n" + "".join(f" 1 1 1 1 1 7 230 {v} -2.6\n" for v in speed)
    solar, wind = mod.solar_from_tmy3(tmy), mod.wind_from_try(trx)
    assert solar.max() == pytest.approx(0.85)
    hub = np.array([0.0, 2.0, 5.0, 15.0]) * (10 ** (1 / 7))
    expect = np.where(hub < 3, 0, np.where(hub < 12, (hub**3 - 27) / (12**3 - 27), 1.0)) * 0.95
    assert wind[:4] == pytest.approx(expect)
    out = tmp_path / "shapes.csv"
    assert mod.main(["--tmy3", str(_write(tmp_path / "t.csv", tmy)), "--try-file",
                     str(_write(tmp_path / "t.dat", trx)), "--out", str(out)]) == 0
    table = pd.read_csv(out)
    assert list(table.columns) == ["month", "day", "hour", "solar", "wind"]
    assert len(table) == HOURS and table.iloc[-1][["month", "day", "hour"]].tolist() == [12, 31, 23]


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="latin-1")
    return path


def test_standard_offsets_and_the_rounding_of_shifts():
    from energyplan.facts.profiles import round_half_away, standard_offset_hours

    assert standard_offset_hours("UTC", 2026) == 0
    assert standard_offset_hours("Europe/Berlin", 2026) == 1
    assert standard_offset_hours("America/New_York", 2026) == -5
    assert standard_offset_hours("Australia/Sydney", 2026) == 10  # January is summer time there
    assert standard_offset_hours("Asia/Kolkata", 2026) == 5.5
    assert [round_half_away(v) for v in (-5.5, -0.5, 0.25, 0.5, 5.5, 5.75)] == [-6, -1, 0, 1, 6, 6]


def test_builtin_shapes_on_a_zone_clock_shift_by_the_difference_of_standard_offsets():
    plant = {"contract_id": "pv1", "layer": "flexibility", "contract_type": "onsite_generation",
             "technology": "solar", "capacity_mw": 1, "availability_pct": 100, "price_per_mwh": ""}
    frames = frames_of(sites=[{"site_id": "s1", "pue": 1.0, "utc_offset_hours": 1}],
                       workloads=[{**GPU, "workload_id": "w", "gpu_count": 10, "utilization": 1.0}],
                       contracts=[{"contract_id": "g1", "capacity_mw": 10, "availability_pct": 100}, plant])
    gen = run(frames, D, clock="Europe/Berlin").hourly_frame()["clean_generation_mw"].to_numpy()
    assert np.allclose(gen, builtin_shape("builtin:solar", 0))  # site UTC+1 on a UTC+1 clock: no shift
    gen = run(frames, D).hourly_frame()["clean_generation_mw"].to_numpy()
    assert np.allclose(gen, builtin_shape("builtin:solar", 1))


def test_the_sample_profiles_script_writes_complete_profiles(tmp_path: Path):
    spec = importlib.util.spec_from_file_location("make_sample_profiles", Path(__file__).parent.parent /
                                                  "scripts" / "make_sample_profiles.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert mod.main([str(tmp_path)]) == 0
    t = pd.read_csv(tmp_path / "profiles.csv", dtype=str)
    frame = pd.DataFrame({
        "profile_id": t["profile_id"].astype("str"),
        "timestamp": pd.to_datetime(t["timestamp"].str.slice(0, 19)).astype("datetime64[s]"),
        "timestamp_utc": pd.to_datetime(t["timestamp"], utc=True, format="ISO8601"),
        "value": t["value"].astype(float), "_row": np.arange(1, len(t) + 1),
        "_line": pd.Series(np.arange(2, len(t) + 2), dtype="Int64")})
    p = resolve_profiles(frame)
    assert p.problems.empty
    assert set(p.index) == {"grid-de", "ash-solar-va"}
    assert 300 < p.matrix[p.index["grid-de"]].mean() < 420 and p.matrix.min() >= 0


def test_a_profile_without_one_usable_hour_is_a_finding_not_a_crash():
    """Every timestamp half past the hour (the 100 %-bad benchmark plan): no row reaches a slot."""
    stamps = np.array(["2026-01-01T00:30", "2026-01-01T01:30"], dtype="datetime64[s]")
    p = resolve_profiles(profiles_frame({"grid": (stamps, np.ones(2))}), file="profiles.csv")
    assert p.index == {} and p.matrix.shape == (0, HOURS)
    assert len(p.problems) == 1 and p.problems.iloc[0]["record_id"] == "grid"
