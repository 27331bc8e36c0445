"""The dispatch of spec/adequacy.md, steps 1–8: sites with storage stepped together hour by hour, the rest at once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from energyplan.facts.profiles import HOURS

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from energyplan.facts.hours_inputs import Inputs

EQUAL = 1e-9  # adequacy.md: values within a relative 1e-9 are equal
BLOCK_CELLS = 50_000  # hours × sites per block (~0.4 MB an array, cache-sized); measured best at 2,000 sites
HOURLY_SERIES = ("load_mw", "served_mw", "clean_generation_mw", "grid_mw", "battery_charge_mw",
                 "battery_discharge_mw", "soc_mwh", "unserved_sensitive_mw", "curtailed_tolerant_mw", "cfe_mw",
                 "emissions_kg")


_SUMS = ("load", "served", "uns", "cur", "cfe", "emis", "gen", "excess", "grid", "backup", "drawn")


@dataclass
class Result:
    sel: np.ndarray  # positions in inputs of the sites simulated
    sums: dict[str, np.ndarray]
    events: pd.DataFrame
    hourly: dict[str, np.ndarray] | None


def _block(inp: Inputs, sites: np.ndarray, loc: np.ndarray, h0: int, h1: int) -> dict[str, np.ndarray]:
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
              f: np.ndarray, keep_soc: bool = True) -> dict[str, Any]:
    """Steps 1–8 hour by hour, all sites of the block at once (soc and f are carried in place).

    Written with `out=` on prebuilt row views so that an hour is ~40 vector operations and no allocation;
    work no site needs in an hour (backup, the reserve, charging) is skipped for that hour.
    """
    import numpy as np

    shape = b["EV"].shape
    load, gen = np.broadcast_to(b["L"], shape), np.broadcast_to(b["G"], shape)
    p, emax, emin, r, backup = c["P"], c["Emax"], c["Emin"], c["R"], c["O"]
    u = np.minimum(load, gen)
    sur = gen - u
    rem_all = load - u
    shift_lim = np.minimum(rem_all, p)  # step 2's bounds that do not depend on the battery
    out = {name: np.empty(shape) for name in ("D1", "GR", "F")}
    out.update({name: np.zeros(shape) for name in ("D2", "O", "CUR", "UNS", "C1", "C2")})
    out["SOC"] = np.empty(shape) if keep_soc else np.zeros((1, shape[1]))
    # Step 7 recharges only outside event hours and only in an hour no energy left the battery. The second
    # condition needs no test: a reserve discharge (d2 > 0) means the grid is already at its limit (C − g = 0),
    # and after a shift (d1 > 0) the battery is still at or above R.
    headroom = np.where(b["EV"], 0.0, np.broadcast_to(b["C"], shape))
    sunny = sur.any(axis=1)  # hours in which some site has a clean surplus to store
    has_backup = bool((backup > 0).any())
    inv = 1.0 / eta
    # Constants as arrays: a Python float operand costs a ufunc call ~0.2 µs more than an array does, and
    # an hour makes about ten such calls (the same numbers either way).
    zero, ones, etas, invs = np.zeros_like(p), np.ones_like(p), np.full_like(p, eta), np.full_like(p, inv)
    t, t2, before = np.empty_like(p), np.empty_like(p), np.empty_like(p)
    ok = np.empty(p.shape, dtype=bool)
    socs_rows = out["SOC"] if keep_soc else [None] * shape[0]
    rows = zip(rem_all, shift_lim, np.broadcast_to(b["C"], shape), headroom, np.broadcast_to(b["T"], shape), sur, sunny,
               np.broadcast_to(b["CFE"], shape), *(out[x] for x in ("D1", "D2", "GR", "O", "CUR", "UNS", "C1", "C2",
                                                                    "F")), socs_rows, strict=True)
    for rem, lim, cap, room, tol, surplus, sun, cfe, d1, d2, g, o, cur, uns, c1, c2, fs, socs in rows:
        fs[:] = f
        np.subtract(soc, r, out=t)  # 2. shift above the reserve
        np.maximum(t, zero, out=t)
        t *= etas
        np.minimum(t, lim, out=d1)
        soc -= np.multiply(d1, invs, out=t)
        np.subtract(rem, d1, out=rem)
        np.subtract(rem, np.minimum(rem, cap, out=g), out=rem)  # 3. grid
        if has_backup:
            np.subtract(rem, np.minimum(rem, backup, out=o), out=rem)  # 4. backup
        np.subtract(rem, np.minimum(rem, tol, out=cur), out=rem)  # 5. curtail tolerant, then the reserve
        if rem.any():
            np.subtract(soc, emin, out=t)
            np.maximum(t, zero, out=t)
            t *= etas
            np.minimum(t, np.subtract(p, d1, out=t2), out=t)
            np.minimum(rem, t, out=d2)
            np.subtract(rem, d2, out=uns)
            soc -= np.multiply(d2, invs, out=t)
        before[:] = soc
        if sun:
            np.subtract(emax, soc, out=t)  # 6. charge from surplus
            t *= invs
            np.maximum(t, zero, out=t)
            np.minimum(t, p, out=t)
            np.minimum(surplus, t, out=c1)
            soc += np.multiply(c1, etas, out=t)
        np.subtract(r, soc, out=t)  # 7. recharge the reserve from the grid
        t *= invs
        np.minimum(t, np.subtract(p, c1, out=t2), out=t)
        np.minimum(t, np.subtract(room, g, out=t2), out=t)
        np.maximum(t, zero, out=c2)
        soc += np.multiply(c2, etas, out=t2)
        if not np.count_nonzero(c2) and not (sun and np.count_nonzero(c1)):
            # 8 without inflow leaves every share as it is (an emptied battery's share is never used: nothing
            # can leave it, and its next charge mixes with 0 MWh of the old energy). Skipped whenever no site
            # charged, also in hours with a surplus somewhere: sites whose batteries are full charge nothing.
            if socs is not None:
                socs[:] = soc
            continue
        np.multiply(c2, cfe, out=t)  # 8. pooled carbon-free share
        t += c1
        t *= etas
        t += np.multiply(f, before, out=t2)
        np.greater(soc, zero, out=ok)
        np.divide(t, soc, out=f, where=ok)
        np.logical_not(ok, out=ok)
        np.copyto(f, ones, where=ok)  # an empty battery is carbon-free
        if socs is not None:
            socs[:] = soc
    out["U"], out["SUR"] = u, sur
    return out


def simulate(inp: Inputs, sel: np.ndarray | None, *, hourly: bool) -> Result:
    """Both passes for sites with storage, one vectorised pass for the rest; sums, sparse events, hours."""
    import numpy as np

    n_all = len(inp.site_id)
    sel = np.arange(n_all) if sel is None else np.asarray(sel, dtype=np.int64)
    sums = {name: np.zeros(len(sel)) for name in _SUMS}
    counts = {name: np.zeros(len(sel), dtype=np.int64) for name in ("uns_h", "cur_h", "ev_h", "longest")}
    store = {name: np.zeros((HOURS, len(sel))) for name in HOURLY_SERIES} if hourly else None
    sparse: list[tuple[np.ndarray, ...]] = []
    for stateful in (False, True):
        part = np.flatnonzero((inp.emax[sel] > 0) == stateful)
        if len(part):
            _run(inp, sel, part, stateful, sums, counts, store, sparse)
    sums.update({k: v.astype(np.float64) for k, v in counts.items()})
    return Result(sel, sums, _event_runs(inp, sparse), store)


def _run(inp: Inputs, sel: np.ndarray, part: np.ndarray, stateful: bool, sums: dict[str, np.ndarray],
         counts: dict[str, np.ndarray], store: dict[str, np.ndarray] | None, sparse: list[Any]) -> None:
    import numpy as np

    sites = sel[part]
    n = len(sites)
    loc = np.full(len(inp.site_id), -1, dtype=np.int64)
    loc[sites] = np.arange(n)
    size = int(min(HOURS, max(24, BLOCK_CELLS // n)))  # small blocks: flat memory, arrays that stay in cache
    const = {"P": inp.power[sites], "Emax": inp.emax[sites], "Emin": inp.emin[sites], "R": inp.reserve[sites],
             "O": inp.backup[sites]}
    soc, f = const["Emax"].copy(), np.ones(n)  # the first pass starts full and carbon-free
    run = np.zeros(n, dtype=np.int64)
    for final in ((False, True) if stateful else (True,)):
        for h0 in range(0, HOURS, size):
            h1 = min(HOURS, h0 + size)
            b = _block(inp, sites, loc, h0, h1)
            out = (_stateful(b, const, inp.eta, soc, f, keep_soc=store is not None) if stateful
                   else _stateless(b, const["O"]))
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


def _collect(inp: Inputs, sites: np.ndarray, part: np.ndarray, h0: int, b: dict[str, np.ndarray],
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
    t, j = np.nonzero(b["EV"] | short)  # curtailment outside events is structural: counted, not an event
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


def _event_runs(inp: Inputs, sparse: list[tuple[np.ndarray, ...]]) -> pd.DataFrame:
    """Runs of consecutive event or unserved hours per site, with the incidents behind them."""
    import numpy as np
    import pandas as pd

    from energyplan.facts.profiles import hour_wall_times

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
