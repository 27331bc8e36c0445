"""Hourly adequacy (spec/adequacy.md): the public API, site_year / portfolio_year and their output shapes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from energyplan.facts.columns import AXIS_COLUMNS
from energyplan.facts.hours_dispatch import EQUAL, HOURLY_SERIES
from energyplan.facts.profiles import HOURS, ReplayYear, replay_year

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from energyplan.facts.hours_dispatch import Result
    from energyplan.facts.hours_inputs import Inputs

# Declared once, pandas-free, in the facts column registry (rules and docs read it there).
SITE_YEAR_COLUMNS: tuple[str, ...] = tuple(AXIS_COLUMNS["site_year"])
COUNT_COLUMNS: tuple[str, ...] = tuple(c for c, (kind, _, _) in AXIS_COLUMNS["site_year"].items() if kind == "int")
HOURLY_COLUMNS = ("site_id", "hour", *HOURLY_SERIES)  # adequacy --hourly (outputs.md)
EVENT_COLUMNS = ("site_id", "start", "hours", "unserved_mwh", "curtailed_mwh", "incident_ids")


@dataclass(frozen=True)
class HourlyOptions:
    """`[hourly]` settings plus the day D the replay ends before."""

    as_of: dt.date
    clock: str = "UTC"
    round_trip_efficiency: float = 0.9
    min_soc_pct: float = 10
    reserve_hours: float = 2
    currency: str = "EUR"
    fx: Mapping[str, float] = field(default_factory=dict)


@dataclass
class Adequacy:
    """The replay year's result: one row per site, the portfolio, the events behind shortfalls."""

    options: HourlyOptions
    year_start: dt.date
    site_year: pd.DataFrame  # site_id, site_type, SITE_YEAR_COLUMNS (sorted by site_id)
    portfolio_year: dict[str, Any]
    events: pd.DataFrame  # EVENT_COLUMNS: runs of event or unserved hours per site (decisions.md)
    problems: pd.DataFrame  # one integrity finding per incomplete profile (finding-frame columns + message)
    _inputs: Any = field(default=None, repr=False)

    def to_json(self) -> dict[str, Any]:
        """The `adequacy` object of outputs.md (plain numbers, None for null)."""
        return {"year_start": self.year_start.isoformat(), "clock": self.options.clock,
                "sites": _records(self.site_year), "portfolio": dict(self.portfolio_year)}

    def flat_frame(self) -> pd.DataFrame:
        """One row per site, the portfolio row last (scope = portfolio, site_id null)."""
        return _flat_frame(self.site_year, self.portfolio_year)

    def hourly_frame(self, sites: list[str] | None = None) -> pd.DataFrame:
        """The `--hourly` series (outputs.md), recomputed on demand for `sites` (default: all)."""
        return _hourly_frame(self._inputs, sites)


def build_adequacy(frames: Mapping[str, pd.DataFrame], options: HourlyOptions, *,
                   annual_carbon: Mapping[str | None, float | None], profiles_file: str | None = None) -> Adequacy:
    """Replay the year before options.as_of for every site of the clean frames (adequacy.md)."""
    from energyplan.facts.hours_dispatch import simulate
    from energyplan.facts.hours_inputs import build_inputs

    year: ReplayYear = replay_year(options.as_of, options.clock)
    inputs = build_inputs(frames, options, year, profiles_file)
    result = simulate(inputs, None, hourly=False)
    sites = _site_frame(inputs, result, annual_carbon)
    return Adequacy(options=options, year_start=year.start, site_year=sites,
                    portfolio_year=_portfolio_row(sites, result, inputs, annual_carbon),
                    events=result.events, problems=inputs.problems, _inputs=inputs)


__all__ = [
    "COUNT_COLUMNS",
    "EQUAL",
    "EVENT_COLUMNS",
    "HOURLY_COLUMNS",
    "HOURS",
    "SITE_YEAR_COLUMNS",
    "Adequacy",
    "HourlyOptions",
    "build_adequacy",
]


# ---- site_year, portfolio_year and their output shapes ----------------------------------------------------

def _ratio(num: np.ndarray, den: np.ndarray, scale: float = 1.0) -> np.ndarray:
    import numpy as np

    return np.divide(num * scale, den, out=np.full(np.shape(num), np.nan), where=np.asarray(den) > 0)


def _site_frame(inp: Inputs, res: Result, annual: Mapping[str | None, float | None]) -> pd.DataFrame:
    import numpy as np
    import pandas as pd

    s, sel = res.sums, res.sel
    emax = inp.emax[sel]
    ids = inp.site_id[sel]
    annual_ci = pd.Series(ids).map(annual.get).to_numpy(dtype=np.float64, na_value=np.nan)
    data = {
        "site_id": pd.Series(ids, dtype="str"), "site_type": pd.Series(inp.site_type[sel], dtype="str"),
        "load_mwh": s["load"], "served_mwh": s["served"], "unserved_sensitive_mwh": s["uns"],
        "unserved_hours": s["uns_h"], "longest_unserved_run_h": s["longest"], "curtailed_tolerant_mwh": s["cur"],
        "curtailed_hours": s["cur_h"], "event_hours": s["ev_h"], "grid_events": inp.grid_events[sel],
        "cfe_pct": _ratio(s["cfe"], s["served"], 100.0),
        "hourly_carbon_intensity_g_per_kwh": _ratio(s["emis"], s["served"]),
        "annual_carbon_intensity_g_per_kwh": annual_ci, "clean_generation_mwh": s["gen"],
        "excess_clean_mwh": s["excess"], "grid_mwh": s["grid"], "backup_mwh": s["backup"],
        "battery_cycles": _ratio(s["drawn"], emax), "ppa_left_out": inp.ppa_left_out[sel],
    }
    frame = pd.DataFrame(data)
    frame = frame.astype({c: ("int64" if c in COUNT_COLUMNS else "float64") for c in SITE_YEAR_COLUMNS})
    return frame.sort_values("site_id", kind="stable").reset_index(drop=True)


def _portfolio_row(sites: pd.DataFrame, res: Result, inp: Inputs,
                   annual: Mapping[str | None, float | None]) -> dict[str, Any]:
    import math

    import numpy as np

    total = {c: float(sites[c].sum()) for c in SITE_YEAR_COLUMNS}
    row: dict[str, Any] = {c: (int(total[c]) if c in COUNT_COLUMNS else total[c]) for c in SITE_YEAR_COLUMNS}
    row["longest_unserved_run_h"] = int(sites["longest_unserved_run_h"].max()) if len(sites) else 0
    served = total["served_mwh"]
    row["cfe_pct"] = float(res.sums["cfe"].sum()) / served * 100 if served > 0 else None
    row["hourly_carbon_intensity_g_per_kwh"] = float(res.sums["emis"].sum()) / served if served > 0 else None
    value = annual.get(None)
    row["annual_carbon_intensity_g_per_kwh"] = None if value is None or math.isnan(value) else float(value)
    emax = inp.emax[res.sel]
    has = emax > 0
    row["battery_cycles"] = float(res.sums["drawn"][has].sum() / emax[has].sum()) if has.any() else None
    for c in ("load_mwh", "served_mwh", "unserved_sensitive_mwh", "curtailed_tolerant_mwh", "clean_generation_mwh",
              "excess_clean_mwh", "grid_mwh", "backup_mwh"):
        row[c] = float(np.float64(row[c]))
    return row


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """JSON-ready rows: plain ints and floats, None for null."""
    import math

    out: list[dict[str, Any]] = []
    for rec in frame.to_dict(orient="records"):  # one dict per site: the JSON output itself
        out.append({str(k): (None if isinstance(v, float) and math.isnan(v) else
                        int(v) if k in COUNT_COLUMNS else v) for k, v in rec.items()})
    return out


def _flat_frame(sites: pd.DataFrame, portfolio: Mapping[str, Any]) -> pd.DataFrame:
    import pandas as pd

    site_rows = sites.assign(scope="site")
    port = pd.DataFrame([{**portfolio, "scope": "portfolio", "site_id": None, "site_type": None}])
    out = pd.concat([site_rows, port], ignore_index=True)
    out = out[["scope", "site_id", "site_type", *SITE_YEAR_COLUMNS]]
    types = {c: ("int64" if c in COUNT_COLUMNS else "float64") for c in SITE_YEAR_COLUMNS}
    return out.astype({"scope": "str", "site_id": "str", "site_type": "str", **types})


def _hourly_frame(inp: Inputs, sites: list[str] | None) -> pd.DataFrame:
    """Long table: one row per (site, hour), sites in site_id order, hours in time order."""
    import numpy as np
    import pandas as pd

    from energyplan.facts.hours_dispatch import simulate
    from energyplan.facts.profiles import hour_wall_times, is_utc, to_instant

    order = np.argsort(inp.site_id.astype(str), kind="stable")
    if sites is not None:
        wanted = set(sites)
        order = order[np.isin(inp.site_id[order].astype(str), list(wanted))]
    res = simulate(inp, order, hourly=True)
    store = res.hourly or {}
    n = len(order)
    walls = hour_wall_times(inp.year)
    utc = to_instant(walls, inp.year.clock).dt.tz_localize(None).to_numpy(dtype="datetime64[ns]")
    zone = "UTC" if is_utc(inp.year.clock) else inp.year.clock
    data: dict[str, Any] = {
        "site_id": pd.Series(np.repeat(inp.site_id[order], HOURS), dtype="str"),
        "hour": pd.Series(np.tile(utc, n), dtype="datetime64[ns]").dt.tz_localize("UTC").dt.tz_convert(zone),
    }
    for name in HOURLY_SERIES:
        data[name] = store[name].T.ravel() if n else np.zeros(0)
    return pd.DataFrame(data)
