"""Adequacy inputs (spec/adequacy.md): per-site constants and the distinct hourly shapes of each site's series."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from energyplan.facts.profiles import HOURS, ReplayYear

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from energyplan.facts.hours import HourlyOptions


@dataclass
class Inputs:
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


def build_inputs(frames: Mapping[str, pd.DataFrame], options: HourlyOptions, year: ReplayYear,
                  profiles_file: str | None) -> Inputs:
    import numpy as np
    import pandas as pd

    from energyplan.facts.profiles import resolve_profiles
    from energyplan.facts.util import ZERO_CARBON_TECHNOLOGIES, group_sum, is_active, positions, timestamp

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
    return Inputs(
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

    from energyplan.facts.profiles import BUILTINS, builtin_shape, round_half_away, standard_offset_hours

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

    from energyplan.facts.profiles import to_instant, to_wall
    from energyplan.facts.util import positions

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
