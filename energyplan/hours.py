"""Hourly adequacy (spec/adequacy.md): the replay year's inputs per site, the dispatch, site_year / portfolio_year."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from energyplan.profiles import HOURS, ReplayYear, replay_year

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

SITE_YEAR_COLUMNS = (
    "load_mwh", "served_mwh", "unserved_sensitive_mwh", "unserved_hours", "longest_unserved_run_h",
    "curtailed_tolerant_mwh", "curtailed_hours", "event_hours", "grid_events", "cfe_pct",
    "hourly_carbon_intensity_g_per_kwh", "annual_carbon_intensity_g_per_kwh", "clean_generation_mwh",
    "excess_clean_mwh", "grid_mwh", "backup_mwh", "battery_cycles", "ppa_left_out",
)
COUNT_COLUMNS = ("unserved_hours", "longest_unserved_run_h", "curtailed_hours", "event_hours", "grid_events",
                 "ppa_left_out")
HOURLY_COLUMNS = ("site_id", "hour", "load_mw", "served_mw", "clean_generation_mw", "grid_mw",
                  "battery_charge_mw", "battery_discharge_mw", "soc_mwh", "unserved_sensitive_mw",
                  "curtailed_tolerant_mw", "cfe_mw", "emissions_kg")
EVENT_COLUMNS = ("site_id", "start", "hours", "unserved_mwh", "curtailed_mwh", "incident_ids")
EQUAL = 1e-9  # adequacy.md: values within a relative 1e-9 are equal


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
    events: pd.DataFrame  # EVENT_COLUMNS: runs of event / unserved / curtailed hours per site
    problems: pd.DataFrame  # EP000 rows for incomplete profiles (finding-frame columns + message)
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
    year: ReplayYear = replay_year(options.as_of, options.clock)
    inputs = _build_inputs(frames, options, year, profiles_file)
    result = _simulate(inputs, None, hourly=False)
    sites = _site_frame(inputs, result, annual_carbon)
    return Adequacy(options=options, year_start=year.start, site_year=sites,
                    portfolio_year=_portfolio_row(sites, result, inputs, annual_carbon),
                    events=result.events, problems=inputs.problems, _inputs=inputs)


__all__ = [
    "COUNT_COLUMNS",
    "HOURLY_COLUMNS",
    "HOURS",
    "SITE_YEAR_COLUMNS",
    "Adequacy",
    "HourlyOptions",
    "build_adequacy",
]


# ---- inputs: per-site constants and the shapes their hourly series are made of ---------------------------

@dataclass
class _Inputs:
    """Everything the dispatch needs, per site (arrays of length n) and per distinct shape (8760 rows)."""

    year: ReplayYear
    site_id: np.ndarray
    site_type: np.ndarray
    lavg: np.ndarray  # mean load, MW
    savg: np.ndarray  # mean sensitive load, MW
    load_shapes: np.ndarray  # (8760, k) canonical slots, mean 1
    load_k: np.ndarray
    gen_shapes: np.ndarray  # (8760, m) canonical
    gen_w: np.ndarray  # (n, m): G = gen_w @ gen_shapes
    grid_cap: np.ndarray  # C (inf at a cloud region)
    backup: np.ndarray  # O
    c_backup: np.ndarray
    power: np.ndarray  # P
    emax: np.ndarray
    emin: np.ndarray
    reserve: np.ndarray  # R
    ci_shapes: np.ndarray  # (8760, a) gCO2e/kWh
    ci_k: np.ndarray  # −1: flat ci_flat
    ci_flat: np.ndarray
    cfe_shapes: np.ndarray  # (8760, b) share 0–1
    cfe_k: np.ndarray
    cfe_flat: np.ndarray
    ev_h: np.ndarray  # event hours, expanded: hour, site, cap in that hour, incident id (sorted by hour)
    ev_site: np.ndarray
    ev_cap: np.ndarray
    ev_incident: np.ndarray
    grid_events: np.ndarray
    ppa_left_out: np.ndarray
    eta: float
    problems: pd.DataFrame


def _col(frame: pd.DataFrame, name: str, dtype: str = "str") -> pd.Series:
    """A column, or all-null when the table lacks it (the optional v2 columns)."""
    import pandas as pd

    if name in frame.columns:
        return frame[name].reset_index(drop=True)
    return pd.Series([None] * len(frame), dtype=dtype)


def _floats(frame: pd.DataFrame, name: str) -> np.ndarray:
    import numpy as np

    return _col(frame, name, "float64").to_numpy(dtype=np.float64, na_value=np.nan)


def _shape_stack(columns: list[np.ndarray]) -> np.ndarray:
    import numpy as np

    return np.stack(columns, axis=1) if columns else np.zeros((HOURS, 0))


def _build_inputs(frames: Mapping[str, pd.DataFrame], options: HourlyOptions, year: ReplayYear,
                  profiles_file: str | None) -> _Inputs:
    import numpy as np
    import pandas as pd

    from energyplan.facts_util import ZERO_CARBON_TECHNOLOGIES, group_sum, is_active, positions, timestamp
    from energyplan.profiles import resolve_profiles

    profiles = resolve_profiles(frames.get("profiles"), options.clock, profiles_file)
    day = timestamp(options.as_of)
    sites = frames["sites"].reset_index(drop=True)
    n = len(sites)
    sid = sites["site_id"].astype("str")
    cloud = (sites["site_type"] == "cloud_region").to_numpy(dtype=bool)
    pue = _floats(sites, "pue")
    grid_factor = _floats(sites, "grid_carbon_intensity_g_per_kwh")

    w = frames["workloads"].reset_index(drop=True)
    w_site = positions(sid, w["site_id"])
    w_on = is_active(w, day) & (w_site >= 0)
    power = (_floats(w, "gpu_count") * _floats(w, "gpu_power_kw") * _floats(w, "utilization")
             * pue[np.maximum(w_site, 0)] * _floats(w, "hours_per_week") / 168 / 1000)
    lavg = group_sum(w_site, power, w_on, n)
    savg = group_sum(w_site, power, w_on & (w["criticality"] == "sensitive").to_numpy(dtype=bool), n)

    c = frames["contracts"].reset_index(drop=True)
    k = positions(sid, c["site_id"])
    counted = is_active(c, day) & (c["status"] == "signed").to_numpy(dtype=bool) & (k >= 0)
    at_cloud = cloud[np.maximum(k, 0)]
    ctype = c["contract_type"].astype("str")
    tech = _col(c, "technology")
    clean_tech = tech.isin(ZERO_CARBON_TECHNOLOGIES).to_numpy(dtype=bool)
    is_ppa = (c["layer"] == "ppa").to_numpy(dtype=bool)
    onsite = (ctype == "onsite_generation").to_numpy(dtype=bool) & ~at_cloud
    given = _floats(c, "carbon_intensity_g_per_kwh")
    carbon = np.where(np.isnan(given), np.where(is_ppa | (onsite & clean_tech), 0.0, grid_factor[np.maximum(k, 0)]),
                      given)
    firm = _floats(c, "capacity_mw") * _floats(c, "availability_pct") / 100
    grid_cap = group_sum(k, firm, counted & (c["layer"] == "grid").to_numpy(dtype=bool), n)
    grid_cap[cloud] = np.inf
    clean_onsite = counted & onsite & clean_tech & (carbon == 0)
    other_onsite = counted & onsite & ~clean_onsite
    backup = group_sum(k, firm, other_onsite, n)
    c_backup = np.divide(group_sum(k, firm * carbon, other_onsite, n), backup, out=np.zeros(n), where=backup > 0)
    store = counted & ctype.isin(("battery_storage", "microgrid")).to_numpy(dtype=bool) & ~at_cloud
    p = group_sum(k, firm, store, n)
    emax = group_sum(k, _floats(c, "energy_mwh") * _floats(c, "availability_pct") / 100, store, n)
    p[emax <= 0] = 0.0  # storage without energy does nothing (adequacy.md)
    eta = float(np.sqrt(options.round_trip_efficiency))
    emin = emax * options.min_soc_pct / 100
    reserve = np.minimum(emax, emin + savg * options.reserve_hours / eta)
    clean_ppa = counted & is_ppa & (carbon == 0)
    left_out = group_sum(k, np.ones(len(c)), counted & is_ppa & (carbon > 0), n).astype(np.int64)

    gen_shapes, gen_w = _generation(c, k, n, clean_ppa, clean_onsite, firm, tech, sites, profiles, options, year)
    load_shapes, load_k = _site_shapes(_col(sites, "load_profile"), profiles, "load")
    ci_shapes, ci_k = _site_shapes(_col(sites, "grid_carbon_profile"), profiles, "carbon")
    cfe_shapes, cfe_k = _site_shapes(_col(sites, "grid_cfe_profile"), profiles, "cfe")
    cfe_flat = np.nan_to_num(_floats(sites, "grid_cfe_pct"), nan=0.0).clip(0, 100) / 100
    ev = _events(frames.get("incidents"), sid, cloud, grid_cap, year, options.clock)
    return _Inputs(
        year=year, site_id=sid.to_numpy(dtype=object), site_type=sites["site_type"].to_numpy(dtype=object),
        lavg=lavg, savg=savg, load_shapes=load_shapes, load_k=load_k, gen_shapes=gen_shapes, gen_w=gen_w,
        grid_cap=grid_cap, backup=backup, c_backup=c_backup, power=p, emax=emax, emin=emin, reserve=reserve,
        ci_shapes=ci_shapes, ci_k=ci_k, ci_flat=np.nan_to_num(grid_factor), cfe_shapes=cfe_shapes, cfe_k=cfe_k,
        cfe_flat=cfe_flat, ev_h=ev[0], ev_site=ev[1], ev_cap=ev[2], ev_incident=ev[3], grid_events=ev[4],
        ppa_left_out=left_out, eta=eta,
        problems=profiles.problems if len(profiles.problems) else pd.DataFrame(profiles.problems))


def _site_shapes(refs: pd.Series, profiles: Any, use: str) -> tuple[np.ndarray, np.ndarray]:
    """Distinct profiles the sites name, as canonical columns; −1 where a site takes its default.

    A load shape is rescaled to mean 1 and its default is flat (column 0); a load shape summing to 0 is
    flat. Carbon is g/kWh as written; a CFE profile is a percentage clipped to 0–100, kept as a share.
    """
    import numpy as np
    import pandas as pd

    codes, uniq = pd.factorize(refs.astype(object).where(refs.notna(), None))  # empty → code −1
    cols: list[np.ndarray] = [np.ones(HOURS)] if use == "load" else []
    col_of = np.full(len(uniq) + 1, 0 if use == "load" else -1, dtype=np.int64)  # [-1]: the default
    for i, name in enumerate(uniq):  # a loop over distinct profiles named, not over rows
        p = profiles.get(name)
        if p < 0:
            continue
        values = np.asarray(profiles.matrix[p], dtype=np.float64)
        if use == "load":
            total = values.sum()
            if total <= 0:
                continue
            values = values / (total / HOURS)
        elif use == "cfe":
            values = values.clip(0, 100) / 100
        col_of[i] = len(cols)
        cols.append(values)
    return _shape_stack(cols), col_of[codes]


def _generation(c: pd.DataFrame, k: np.ndarray, n: int, clean_ppa: np.ndarray, clean_onsite: np.ndarray,
                firm: np.ndarray, tech: pd.Series, sites: pd.DataFrame, profiles: Any, options: HourlyOptions,
                year: ReplayYear) -> tuple[np.ndarray, np.ndarray]:
    """Clean generation G = gen_w @ gen_shapes: a PPA spreads its volume over its shape, a plant is cf-scaled."""
    import numpy as np
    import pandas as pd

    from energyplan.profiles import BUILTINS, builtin_shape, round_half_away, standard_offset_hours

    rows = np.flatnonzero(clean_ppa | clean_onsite)
    if len(rows) == 0:
        return np.zeros((HOURS, 0)), np.zeros((n, 0))
    ref = _col(c, "generation_profile").iloc[rows].astype(object)
    default = tech.iloc[rows].map({"solar": "builtin:solar", "wind": "builtin:wind"}).astype(object)
    default = default.where(default.notna(), "builtin:flat")
    known = ref.map(lambda v: isinstance(v, str) and (v in BUILTINS or profiles.get(v) >= 0))
    chosen = ref.where(known.astype(bool), default)
    is_builtin = chosen.isin(BUILTINS).to_numpy(dtype=bool)
    clock_std = standard_offset_hours(options.clock, year.start.year)
    offset = np.nan_to_num(_floats(sites, "utc_offset_hours"), nan=0.0)[k[rows]]
    shift = np.array([round_half_away(v - clock_std) for v in offset], dtype=np.int64) if len(rows) else offset
    shift = np.where(is_builtin & (chosen != "builtin:flat").to_numpy(dtype=bool), shift, 0)
    clip = clean_onsite[rows]
    key = chosen.astype(str) + "|" + pd.Series(shift).astype(str).to_numpy() + "|" + pd.Series(clip).astype(
        str).to_numpy()
    codes, uniq = pd.factorize(key, sort=True)
    cols, sums = [], []
    for name in uniq:  # distinct shapes (a few), not rows
        pid, sh, cl = name.rsplit("|", 2)
        values = builtin_shape(pid, int(sh)) if pid in BUILTINS else np.asarray(profiles.matrix[profiles.get(pid)])
        values = values.clip(0, 1) if cl == "True" else values
        cols.append(values)
        sums.append(values.sum())
    total = np.asarray(sums)[codes]
    volume = np.nan_to_num(_floats(c, "annual_volume_mwh")[rows], nan=0.0)
    weight = np.where(clip, np.nan_to_num(firm[rows]),
                      np.divide(volume, total, out=np.zeros(len(rows)), where=total > 0))
    gen_w = np.zeros((n, len(uniq)))
    np.add.at(gen_w, (k[rows], codes), weight)
    return _shape_stack(cols), gen_w


def _events(inc: pd.DataFrame | None, sid: pd.Series, cloud: np.ndarray, grid_cap: np.ndarray, year: ReplayYear,
            clock: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Counted grid incidents expanded to (hour, site, import limit, incident id), sorted by hour.

    The hours run from the one holding the start to the one holding start + duration (elapsed time; an
    end on the hour does not cover that hour), clipped at the year's end; hours on a skipped 29 February
    are dropped. On a daylight-saving clock the covered slots run from the start's to the end's.
    """
    import numpy as np
    import pandas as pd

    from energyplan.facts_util import positions
    from energyplan.profiles import to_instant, to_wall

    n = len(sid)
    none = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0), np.zeros(0, object), np.zeros(n, np.int64))
    if inc is None or len(inc) == 0:
        return none
    inc = inc.reset_index(drop=True)
    k = positions(sid, inc["site_id"])
    naive = inc["started_at"].to_numpy(dtype="datetime64[s]")
    inst = _col(inc, "started_at_utc", "datetime64[ns, UTC]")
    has = inst.notna().to_numpy(dtype=bool)
    wall = np.where(has, to_wall(inst, clock), naive)
    start = to_instant(np.where(np.isnat(naive), np.datetime64("1970-01-01"), naive), clock)
    start = start.where(~pd.Series(has), inst.astype("datetime64[ns, UTC]"))
    hours = _floats(inc, "duration_hours")
    dur = pd.to_timedelta(np.nan_to_num(hours, nan=0.0) * 3600, unit="s")
    last = to_wall(start + dur.to_numpy() - pd.Timedelta(1, "ns"), clock)
    h0 = _abs_hour(year, wall)
    ok = ((k >= 0) & inc["cause"].isin(("grid_curtailment", "capacity_shortfall")).to_numpy(dtype=bool)
          & ~cloud[np.maximum(k, 0)] & ~np.isnat(wall) & (hours > 0))
    ok &= _h_of_abs(year, h0) >= 0  # the start lies in the replay year
    rows = np.flatnonzero(ok)
    if len(rows) == 0:
        return none
    end_abs = (366 if year.skipped is not None else 365) * 24 - 1
    a0 = h0[rows]
    a1 = np.minimum(_abs_hour(year, last[rows]), end_abs)
    length = np.maximum(a1 - a0 + 1, 1)
    rep = np.repeat(np.arange(len(rows)), length)
    step = np.arange(len(rep)) - np.repeat(np.cumsum(length) - length, length)
    h = _h_of_abs(year, a0[rep] + step)
    keep = h >= 0
    r = rows[rep[keep]]
    shed = _floats(inc, "mw_shed")[r]
    site = k[r]
    cap = np.where(np.isnan(shed), 0.0, np.maximum(0.0, grid_cap[site] - np.nan_to_num(shed)))
    order = np.lexsort((site, h[keep]))
    ids = inc["incident_id"].astype("str").to_numpy(dtype=object)[r]
    counts = np.bincount(k[rows], minlength=n).astype(np.int64)
    return h[keep][order], site[order], cap[order], ids[order], counts


def _abs_hour(year: ReplayYear, wall: np.ndarray) -> np.ndarray:
    """Hours since the year's first midnight, a 29 February counted (−1 for NaT)."""
    import numpy as np

    w = np.asarray(wall, dtype="datetime64[s]")
    secs = (w - np.datetime64(year.start, "s")).astype(np.int64)
    return np.where(np.isnat(w), -10**9, secs // 3600)


def _h_of_abs(year: ReplayYear, a: np.ndarray) -> np.ndarray:
    """Replay-year hour h of absolute hours; −1 outside the year or on a skipped 29 February."""
    import numpy as np

    day = a // 24
    ndays = 366 if year.skipped is not None else 365
    ok = (a >= 0) & (day < ndays)
    if year.skipped is not None:
        ok &= day != year.skipped
        day = day - (day > year.skipped)
    return np.where(ok, day * 24 + a % 24, -1)


# ---- the dispatch -----------------------------------------------------------------------------------------

_SUMS = ("load", "served", "uns", "cur", "cfe", "emis", "gen", "excess", "grid", "backup", "drawn")


@dataclass
class _Result:
    sel: np.ndarray  # positions in inputs of the sites simulated
    sums: dict[str, np.ndarray]
    events: pd.DataFrame
    hourly: dict[str, np.ndarray] | None


def _block(inp: _Inputs, sites: np.ndarray, loc: np.ndarray, h0: int, h1: int) -> dict[str, np.ndarray]:
    """The hourly series of hours h0 … h1−1 for `sites`: (hours, sites) arrays, or (1, sites) where a
    series is the same every hour of the block (flat load, no generation, no profile), to save work."""
    import numpy as np

    slots = (np.arange(h0, h1) + inp.year.offset) % HOURS
    k = inp.load_k[sites]
    shape = inp.load_shapes[slots][:, k] if (k > 0).any() else np.ones((1, len(sites)))
    load = shape * inp.lavg[sites]
    w = inp.gen_w[sites]
    used = np.flatnonzero(w.any(axis=0))
    gen = inp.gen_shapes[slots][:, used] @ w[:, used].T if len(used) else np.zeros((1, len(sites)))
    cap = inp.grid_cap[sites][None, :]
    event = np.zeros((h1 - h0, len(sites)), dtype=bool)
    lo, hi = np.searchsorted(inp.ev_h, [h0, h1])
    at = loc[inp.ev_site[lo:hi]]
    mine = at >= 0
    if mine.any():
        cap = np.repeat(cap, h1 - h0, axis=0)
        t = inp.ev_h[lo:hi][mine] - h0
        np.minimum.at(cap, (t, at[mine]), inp.ev_cap[lo:hi][mine])
        event[t, at[mine]] = True
    return {"L": load, "T": np.maximum(load - shape * inp.savg[sites], 0.0), "G": gen, "C": cap, "EV": event,
            "CI": _pick(inp.ci_shapes, inp.ci_k[sites], inp.ci_flat[sites], slots),
            "CFE": _pick(inp.cfe_shapes, inp.cfe_k[sites], inp.cfe_flat[sites], slots)}


def _pick(shapes: np.ndarray, k: np.ndarray, flat: np.ndarray, slots: np.ndarray) -> np.ndarray:
    import numpy as np

    if not (k >= 0).any():
        return flat[None, :]
    base = np.repeat(flat[None, :], len(slots), axis=0)
    cols = np.flatnonzero(k >= 0)
    base[:, cols] = shapes[slots][:, k[cols]]
    return base


def _stateless(b: dict[str, np.ndarray], backup: np.ndarray) -> dict[str, Any]:
    """Steps 1–5 without a battery: every hour on its own, vectorised over hours and sites."""
    import numpy as np

    u = np.minimum(b["L"], b["G"])
    rem = b["L"] - u
    g = np.minimum(rem, b["C"])
    rem = rem - g  # shapes may grow from (1, n) to (hours, n) here: no in-place update
    o = np.minimum(rem, backup)
    rem = rem - o
    cur = np.minimum(rem, b["T"])
    return {"U": u, "SUR": b["G"] - u, "D1": 0.0, "D2": 0.0, "GR": g, "O": o, "CUR": cur, "UNS": rem - cur,
            "C1": 0.0, "C2": 0.0, "F": 1.0, "SOC": 0.0}


def _stateful(b: dict[str, np.ndarray], c: dict[str, np.ndarray], eta: float, soc: np.ndarray,
              f: np.ndarray) -> dict[str, Any]:
    """Steps 1–8 hour by hour, all sites of the block at once (soc and f are carried in place).

    Written with `out=` on prebuilt row views so that an hour is ~50 vector operations and no allocation.
    """
    import numpy as np

    shape = b["EV"].shape
    load, gen = np.broadcast_to(b["L"], shape), np.broadcast_to(b["G"], shape)
    p, emax, emin, r, backup = c["P"], c["Emax"], c["Emin"], c["R"], c["O"]
    u = np.minimum(load, gen)
    sur = gen - u
    rem_all = load - u
    out = {name: np.empty(shape) for name in ("D1", "D2", "GR", "O", "CUR", "UNS", "C1", "C2", "F", "SOC")}
    quiet = ~b["EV"]
    inv = 1.0 / eta
    moved = EQUAL * p  # energy out of the battery below this is rounding noise, not a discharge
    t, t2, before = np.empty_like(p), np.empty_like(p), np.empty_like(p)
    ok = np.empty(p.shape, dtype=bool)
    rows = zip(rem_all, np.broadcast_to(b["C"], shape), np.broadcast_to(b["T"], shape), sur,
               np.broadcast_to(b["CFE"], shape), quiet, *(out[x] for x in
                                                         ("D1", "D2", "GR", "O", "CUR", "UNS", "C1", "C2", "F", "SOC")),
               strict=True)
    for rem, cap, tol, surplus, cfe, calm, d1, d2, g, o, cur, uns, c1, c2, fs, socs in rows:
        fs[:] = f
        np.subtract(soc, r, out=t)  # 2. shift above the reserve
        np.maximum(t, 0.0, out=t)
        t *= eta
        np.minimum(t, p, out=t)
        np.minimum(rem, t, out=d1)
        soc -= np.multiply(d1, inv, out=t)
        np.subtract(rem, d1, out=rem)
        np.subtract(rem, np.minimum(rem, cap, out=g), out=rem)  # 3. grid
        np.subtract(rem, np.minimum(rem, backup, out=o), out=rem)  # 4. backup
        np.subtract(rem, np.minimum(rem, tol, out=cur), out=rem)  # 5. curtail tolerant, then the reserve
        np.subtract(soc, emin, out=t)
        np.maximum(t, 0.0, out=t)
        t *= eta
        np.minimum(t, np.subtract(p, d1, out=t2), out=t)
        np.minimum(rem, t, out=d2)
        np.subtract(rem, d2, out=uns)
        soc -= np.multiply(d2, inv, out=t)
        before[:] = soc
        np.subtract(emax, soc, out=t)  # 6. charge from surplus
        t *= inv
        np.maximum(t, 0.0, out=t)
        np.minimum(t, p, out=t)
        np.minimum(surplus, t, out=c1)
        soc += np.multiply(c1, eta, out=t)
        np.subtract(r, soc, out=t)  # 7. recharge the reserve from the grid
        t *= inv
        np.maximum(t, 0.0, out=t)
        np.minimum(t, np.subtract(p, c1, out=t2), out=t)
        np.minimum(t, np.subtract(cap, g, out=t2), out=t)
        np.less_equal(np.add(d1, d2, out=t2), moved, out=ok)
        ok &= calm
        np.multiply(t, ok, out=c2)
        soc += np.multiply(c2, eta, out=t2)
        np.multiply(c2, cfe, out=t)  # 8. pooled carbon-free share
        t += c1
        t *= eta
        t += np.multiply(f, before, out=t2)
        np.greater(soc, 0.0, out=ok)
        np.divide(t, soc, out=f, where=ok)
        np.copyto(f, 1.0, where=~ok)
        socs[:] = soc
    out["U"], out["SUR"] = u, sur
    return out


def _simulate(inp: _Inputs, sel: np.ndarray | None, *, hourly: bool) -> _Result:
    """Both passes for sites with storage, one vectorised pass for the rest; sums, sparse events, hours."""
    import numpy as np

    n_all = len(inp.site_id)
    sel = np.arange(n_all) if sel is None else np.asarray(sel, dtype=np.int64)
    sums = {name: np.zeros(len(sel)) for name in _SUMS}
    counts = {name: np.zeros(len(sel), dtype=np.int64) for name in ("uns_h", "cur_h", "ev_h", "longest")}
    store = {name: np.zeros((HOURS, len(sel))) for name in HOURLY_COLUMNS[2:]} if hourly else None
    sparse: list[tuple[np.ndarray, ...]] = []
    for stateful in (False, True):
        part = np.flatnonzero((inp.emax[sel] > 0) == stateful)
        if len(part):
            _run(inp, sel, part, stateful, sums, counts, store, sparse)
    sums.update({k: v.astype(np.float64) for k, v in counts.items()})
    return _Result(sel, sums, _event_runs(inp, sparse), store)


def _run(inp: _Inputs, sel: np.ndarray, part: np.ndarray, stateful: bool, sums: dict[str, np.ndarray],
         counts: dict[str, np.ndarray], store: dict[str, np.ndarray] | None, sparse: list[Any]) -> None:
    import numpy as np

    sites = sel[part]
    n = len(sites)
    loc = np.full(len(inp.site_id), -1, dtype=np.int64)
    loc[sites] = np.arange(n)
    size = int(min(HOURS, max(24, 1_000_000 // n)))  # hour blocks keep memory flat whatever the plan's size
    const = {"P": inp.power[sites], "Emax": inp.emax[sites], "Emin": inp.emin[sites], "R": inp.reserve[sites],
             "O": inp.backup[sites]}
    soc, f = const["Emax"].copy(), np.ones(n)  # the first pass starts full and carbon-free
    run = np.zeros(n, dtype=np.int64)
    for final in ((False, True) if stateful else (True,)):
        for h0 in range(0, HOURS, size):
            h1 = min(HOURS, h0 + size)
            b = _block(inp, sites, loc, h0, h1)
            out = _stateful(b, const, inp.eta, soc, f) if stateful else _stateless(b, const["O"])
            if final:
                run = _collect(inp, sites, part, h0, b, out, sums, counts, store, sparse, run)


def _colsum(a: Any, hours: int) -> np.ndarray:
    """Σ over the block's hours of a (hours, n) or (1, n) array or a scalar."""
    import numpy as np

    a = np.asarray(a, dtype=np.float64)
    if a.ndim == 0:
        return np.full(1, float(a) * hours)
    return a[0] * hours if a.shape[0] == 1 and hours > 1 else a.sum(axis=0)


def _dot(a: Any, b: Any, hours: int) -> np.ndarray:
    """Σ over hours of a × b without a (hours, n) temporary where either is flat."""
    import numpy as np

    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.ndim == 0 or b.ndim == 0 or a.shape[0] == 1 or b.shape[0] == 1:
        flat, full = (a, b) if (a.ndim == 0 or a.shape[0] == 1) else (b, a)
        return (flat if flat.ndim == 0 else flat[0]) * _colsum(full, hours)
    return np.einsum("ij,ij->j", a, b)


def _collect(inp: _Inputs, sites: np.ndarray, part: np.ndarray, h0: int, b: dict[str, np.ndarray],
             out: dict[str, Any], sums: dict[str, np.ndarray], counts: dict[str, np.ndarray],
             store: dict[str, np.ndarray] | None, sparse: list[Any], run: np.ndarray) -> np.ndarray:
    """Per-hour results of one block folded into the year's sums (and the hourly store when asked).

    Sums are taken term by term (Σ served = Σ L − Σ cur − Σ uns, …) so that no per-hour total is built.
    """
    import numpy as np

    nh = b["EV"].shape[0]
    load = np.broadcast_to(b["L"], b["EV"].shape)
    uns = np.broadcast_to(out["UNS"], load.shape)
    cur = np.broadcast_to(out["CUR"], load.shape)
    noise = EQUAL * load  # a shortfall of 1e-9 × the hour's load is rounding, not a shortfall (adequacy.md)
    short, cut = uns > noise, cur > noise
    uns, cur = np.where(short, uns, 0.0), np.where(cut, cur, 0.0)
    cs = {k: _colsum(out[k], nh) for k in ("U", "SUR", "GR", "O", "C1", "C2", "D1", "D2")}
    s_uns, s_cur, s_load = uns.sum(axis=0), cur.sum(axis=0), _colsum(b["L"], nh)
    out_b = np.add(out["D1"], out["D2"])
    add = {"load": s_load, "served": s_load - s_cur - s_uns, "uns": s_uns, "cur": s_cur,
           "cfe": cs["U"] + _dot(out_b, out["F"], nh) + _dot(out["GR"], b["CFE"], nh),
           "emis": _dot(out["GR"], b["CI"], nh) + _dot(out["C2"], b["CI"], nh) + cs["O"] * inp.c_backup[sites],
           "gen": _colsum(b["G"], nh), "excess": cs["SUR"] - cs["C1"], "grid": cs["GR"] + cs["C2"],
           "backup": cs["O"], "drawn": (cs["D1"] + cs["D2"]) / inp.eta}
    for name, v in add.items():
        sums[name][part] += v
    counts["uns_h"][part] += short.sum(axis=0)
    counts["cur_h"][part] += cut.sum(axis=0)
    counts["ev_h"][part] += b["EV"].sum(axis=0)
    length = np.zeros(run.shape, dtype=np.int64)
    hit = np.flatnonzero(short.any(axis=0) | (run > 0))  # runs only where a site fell short
    if len(hit):
        sh = short[:, hit]
        ones = np.cumsum(sh, axis=0)
        gap = np.maximum.accumulate(np.where(sh, 0, ones), axis=0)
        lens = ones - gap + run[hit] * ~np.maximum.accumulate(~sh, axis=0)
        counts["longest"][part[hit]] = np.maximum(counts["longest"][part[hit]], lens.max(axis=0))
        length[hit] = lens[-1]
    t, j = np.nonzero(b["EV"] | short | cut)
    sparse.append((t + h0, sites[j], uns[t, j], cur[t, j]))
    if store is not None:
        h1 = h0 + nh
        full = load.shape
        cols = {"load_mw": load, "served_mw": load - cur - uns, "clean_generation_mw": b["G"],
                "grid_mw": np.add(out["GR"], out["C2"]), "battery_charge_mw": np.add(out["C1"], out["C2"]),
                "battery_discharge_mw": out_b, "soc_mwh": out["SOC"], "unserved_sensitive_mw": uns,
                "curtailed_tolerant_mw": cur,
                "cfe_mw": out["U"] + out_b * np.asarray(out["F"]) + out["GR"] * b["CFE"],
                "emissions_kg": np.add(out["GR"], out["C2"]) * b["CI"] + out["O"] * inp.c_backup[sites]}
        for name, v in cols.items():
            store[name][h0:h1, part] = np.broadcast_to(v, full)
    return length


def _event_runs(inp: _Inputs, sparse: list[tuple[np.ndarray, ...]]) -> pd.DataFrame:
    """Runs of consecutive event, unserved or curtailed hours per site, with the incidents behind them."""
    import numpy as np
    import pandas as pd

    from energyplan.profiles import hour_wall_times

    cols = ("h", "site", "uns", "cur")
    parts = [np.concatenate([p[i] for p in sparse]) for i in range(4)] if sparse else [np.zeros(0)] * 4
    hrs = pd.DataFrame(dict(zip(cols, parts, strict=True))).astype({"h": "int64", "site": "int64"})
    hrs = hrs.sort_values(["site", "h"], kind="stable").reset_index(drop=True)
    new = (hrs["site"].diff() != 0) | (hrs["h"].diff() != 1)
    hrs["run"] = new.cumsum() - 1
    runs = hrs.groupby("run", sort=True).agg(site=("site", "first"), h=("h", "first"), hours=("h", "size"),
                                             unserved_mwh=("uns", "sum"), curtailed_mwh=("cur", "sum"))
    ev = pd.DataFrame({"site": inp.ev_site, "h": inp.ev_h, "incident": inp.ev_incident})
    ev = ev.merge(hrs[["site", "h", "run"]], on=["site", "h"], how="inner").drop_duplicates(["run", "incident"])
    ids = ev.sort_values(["run", "incident"]).groupby("run")["incident"].agg(", ".join)
    walls = hour_wall_times(inp.year)
    return pd.DataFrame({
        "site_id": pd.Series(inp.site_id[runs["site"].to_numpy(dtype=np.int64)], dtype="str"),
        "start": pd.Series(walls[runs["h"].to_numpy(dtype=np.int64)], dtype="datetime64[s]"),
        "hours": runs["hours"].to_numpy(dtype=np.int64),
        "unserved_mwh": runs["unserved_mwh"].to_numpy(dtype=np.float64),
        "curtailed_mwh": runs["curtailed_mwh"].to_numpy(dtype=np.float64),
        "incident_ids": pd.Series(ids.reindex(runs.index).to_numpy(dtype=object), dtype="str"),
    }).sort_values(["site_id", "start"], kind="stable").reset_index(drop=True)


# ---- site_year, portfolio_year and their output shapes ----------------------------------------------------

def _ratio(num: np.ndarray, den: np.ndarray, scale: float = 1.0) -> np.ndarray:
    import numpy as np

    return np.divide(num * scale, den, out=np.full(np.shape(num), np.nan), where=np.asarray(den) > 0)


def _site_frame(inp: _Inputs, res: _Result, annual: Mapping[str | None, float | None]) -> pd.DataFrame:
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


def _portfolio_row(sites: pd.DataFrame, res: _Result, inp: _Inputs,
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

    out = []
    for rec in frame.to_dict(orient="records"):  # one dict per site: the JSON output itself
        out.append({k: (None if isinstance(v, float) and math.isnan(v) else
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


def _hourly_frame(inp: _Inputs, sites: list[str] | None) -> pd.DataFrame:
    """Long table: one row per (site, hour), sites in site_id order, hours in time order."""
    import numpy as np
    import pandas as pd

    from energyplan.profiles import hour_wall_times, is_utc, to_instant

    order = np.argsort(inp.site_id.astype(str), kind="stable")
    if sites is not None:
        wanted = set(sites)
        order = order[np.isin(inp.site_id[order].astype(str), list(wanted))]
    res = _simulate(inp, order, hourly=True)
    store = res.hourly or {}
    n = len(order)
    walls = hour_wall_times(inp.year)
    utc = to_instant(walls, inp.year.clock).dt.tz_localize(None).to_numpy(dtype="datetime64[ns]")
    zone = "UTC" if is_utc(inp.year.clock) else inp.year.clock
    data: dict[str, Any] = {
        "site_id": pd.Series(np.repeat(inp.site_id[order], HOURS), dtype="str"),
        "hour": pd.Series(np.tile(utc, n), dtype="datetime64[ns]").dt.tz_localize("UTC").dt.tz_convert(zone),
    }
    for name in HOURLY_COLUMNS[2:]:
        data[name] = store[name].T.ravel() if n else np.zeros(0)
    return pd.DataFrame(data)
