"""Clean frames for the adequacy tests: typed plan frames plus the v2 columns and a profiles table."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from energyplan.facts.hours import Adequacy, HourlyOptions, build_adequacy
from tests.test_facts_builder import plan_of

GPU = {"gpu_power_kw": 1.0, "hours_per_week": 168, "start_date": "2026-01-01", "end_date": ""}


def profiles_frame(series: dict[str, tuple[np.ndarray, np.ndarray]], *, utc: set[str] = frozenset()) -> pd.DataFrame:
    """profile_id → (naive timestamps, values); ids in `utc` are written with an offset (timestamp_utc set)."""
    parts = []
    for pid, (written, values) in series.items():
        stamps = np.asarray(written, dtype="datetime64[s]")
        parts.append(pd.DataFrame({
            "profile_id": pd.Series([pid] * len(stamps), dtype="str"),
            "timestamp": pd.Series(stamps, dtype="datetime64[s]"),
            "timestamp_utc": pd.Series(pd.to_datetime(stamps).tz_localize("UTC") if pid in utc
                                       else pd.Series([pd.NaT] * len(stamps), dtype="datetime64[ns, UTC]").to_numpy(),
                                       dtype="datetime64[ns, UTC]"),
            "value": pd.Series(np.asarray(values, dtype=np.float64)),
        }))
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        {"profile_id": pd.Series(dtype="str"), "timestamp": pd.Series(dtype="datetime64[s]"),
         "timestamp_utc": pd.Series(dtype="datetime64[ns, UTC]"), "value": pd.Series(dtype="float64")})
    out["_row"] = pd.Series(range(1, len(out) + 1), dtype="int64")
    out["_line"] = pd.Series(range(2, len(out) + 2), dtype="Int64")
    return out


def hourly_year(year: int, fn: Any, hours: int = 8760) -> tuple[np.ndarray, np.ndarray]:
    """Timestamps of a year (naive) and fn(hour of day array, timestamps) as values."""
    stamps = np.datetime64(f"{year}-01-01T00:00", "s") + np.arange(hours) * np.timedelta64(3600, "s")
    hod = (stamps - stamps.astype("datetime64[D]")).astype(np.int64) // 3600
    return stamps, np.asarray(fn(hod, stamps), dtype=np.float64)


def frames_of(*, sites: list[dict[str, Any]] | None = None, profiles: pd.DataFrame | None = None,
              **tables: list[dict[str, Any]]) -> dict[str, pd.DataFrame]:
    """Typed frames (tests/test_facts_builder) with the optional v2 columns typed as the loader will."""
    plan = plan_of(sites=sites or [{}], **tables)
    frames = dict(plan.frames)
    if "incidents" not in tables:
        frames["incidents"] = frames["incidents"].iloc[:0]
    for table, cols in {"sites": {"grid_carbon_profile": "str", "grid_cfe_profile": "str", "load_profile": "str",
                                  "grid_cfe_pct": "float64", "utc_offset_hours": "float64"},
                        "contracts": {"generation_profile": "str"}}.items():
        f = frames[table]
        for col, dtype in cols.items():
            f[col] = f[col].replace("", None).astype(dtype) if col in f.columns else pd.Series(
                [None] * len(f), dtype=dtype)
    inc = frames["incidents"]
    if "started_at_utc" in inc.columns:
        inc["started_at_utc"] = pd.to_datetime(inc["started_at_utc"].replace("", None), utc=True)
    if profiles is not None:
        frames["profiles"] = profiles
    return frames


def run(frames: dict[str, pd.DataFrame], as_of: dt.date, annual: dict[Any, float] | None = None,
        **options: Any) -> Adequacy:
    return build_adequacy(frames, HourlyOptions(as_of=as_of, **options), annual_carbon=annual or {},
                          profiles_file="profiles.csv")


def site(adequacy: Adequacy, site_id: str = "s1") -> dict[str, Any]:
    return next(r for r in adequacy.to_json()["sites"] if r["site_id"] == site_id)
