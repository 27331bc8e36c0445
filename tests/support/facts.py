"""Typed plan frames built in code (`plan_of`), following the clean-frame dtype contract of architecture.md."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from tests.helpers import COMMITMENT, CONTRACT, DEFAULT_COLUMNS, INCIDENT, SITE, WORKLOAD

FLOATS = {"pue", "grid_carbon_intensity_g_per_kwh", "gpu_power_kw", "utilization", "hours_per_week",
          "sla_availability_pct", "total_cost", "capacity_mw", "energy_mwh", "annual_volume_mwh",
          "availability_pct", "price_per_mwh", "carbon_intensity_g_per_kwh", "duration_hours", "mw_shed"}
INTS = {"gpu_count"}
BOOLS = {"sovereign", "sovereign_required", "energy_signoff", "finance_signoff"}
DATES = {"start_date", "end_date", "started_at"}
BASE = {"sites": SITE, "workloads": WORKLOAD, "commitments": COMMITMENT, "contracts": CONTRACT,
        "incidents": INCIDENT}


def _typed(series: pd.Series, column: str) -> pd.Series:
    blank = series.map(lambda v: v is None or v == "")
    if column in FLOATS:
        return pd.to_numeric(series.where(~blank), errors="raise").astype("float64")
    if column in INTS:
        return series.astype("int64")
    if column in BOOLS:
        return series.map(lambda v: str(v).lower() in ("true", "1", "yes")).astype(bool)
    if column in DATES:
        values = series.where(~blank).map(lambda v: None if pd.isna(v) else str(v)[:19])
        return pd.to_datetime(values).astype("datetime64[s]")
    return series.where(~blank).astype("str")


def frame(table: str, rows: list[dict[str, Any]]) -> pd.DataFrame:
    columns = list(DEFAULT_COLUMNS[table])
    for r in rows:
        columns += [k for k in r if k not in columns]
    data = pd.DataFrame([{c: r.get(c, "") for c in columns} for r in rows], columns=columns, dtype=object)
    out = pd.DataFrame({c: _typed(data[c], c) for c in columns})
    out["_row"] = pd.Series(range(1, len(out) + 1), dtype="int64")
    out["_line"] = pd.Series(range(2, len(out) + 2), dtype="Int64")
    return out


@dataclass
class FramePlan:
    frames: dict[str, pd.DataFrame]
    root: Path = Path("plan")
    loaded: set[str] = field(default_factory=set)


def plan_of(**tables: list[dict[str, Any]]) -> FramePlan:
    """Rows are merged over the helpers' minimal rows, so a test states only what it is about."""
    defaults: dict[str, list[dict[str, Any]]] = {"sites": [{}]}  # one site s1 unless a test says otherwise
    frames = {t: frame(t, [{**BASE[t], **r} for r in tables.get(t, defaults.get(t, []))]) for t in BASE}
    return FramePlan(frames=frames, loaded=set(frames))
