"""The outlook of spec/outlook.md: the plan walked day by day over its horizon, reported by month."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from energyplan.facts.columns import AXIS_COLUMNS
from energyplan.facts.records import FrameRecords
from energyplan.facts.util import LAYERS, ZERO_CARBON_TECHNOLOGIES, day_numbers, positions, to_plan_currency
from energyplan.plan.schemas import CommitmentsSchema as K
from energyplan.plan.schemas import ContractsSchema as C
from energyplan.plan.schemas import SitesSchema as S
from energyplan.plan.schemas import WorkloadsSchema as W

REL_TOL = 1e-9  # outlook.md: sums within a relative 1e-9 of each other are equal
# site × day cells per chunk: ~20 float64 arrays of this size stay near 100 MB at months = 240
CHUNK_CELLS = 600_000

# The columns are declared once, pandas-free, in the facts column registry (rules and docs read it).
SITE_COLUMNS: tuple[str, ...] = ("site_id", "site_type", *AXIS_COLUMNS["site_months"])
PORTFOLIO_COLUMNS: tuple[str, ...] = tuple(AXIS_COLUMNS["portfolio_months"])
_KINDS = {**AXIS_COLUMNS["site_months"], **AXIS_COLUMNS["portfolio_months"]}
COUNT_COLUMNS = tuple(c for c, (kind, _, _) in _KINDS.items() if kind == "int")
DATE_COLUMNS = tuple(c for c, (kind, _, _) in _KINDS.items() if kind == "date")
FLAT_COLUMNS: tuple[str, ...] = (
    "scope", *SITE_COLUMNS, *(c for c in PORTFOLIO_COLUMNS if c not in SITE_COLUMNS))
# per-site month sums the portfolio ratios are recomputed from (not output columns)
_HIDDEN = ("_covered_mwh", "_priced_gpu_hours", "_committed_gpu_hours")


@dataclass(frozen=True)
class OutlookOptions:
    """What the outlook needs beyond the plan: D, the horizon, money and the carbon pathways."""

    as_of: dt.date
    months: int = 36
    currency: str = "EUR"
    fx: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    carbon_intensity_pathway: Mapping[int, float] | None = None  # year -> gCO2e/kWh
    emissions_pathway_t: Mapping[int, float] | None = None  # year -> t CO2e a year


@dataclass
class Outlook:
    """site_months (by site_id, month) and portfolio_months (by month) of outlook.md."""

    options: OutlookOptions
    site_months: pd.DataFrame
    portfolio_months: pd.DataFrame

    def to_json(self) -> dict[str, Any]:
        """{"months", "sites", "portfolio"} of outputs.md: dates YYYY-MM-DD, counts int, null for NaN."""
        view = self.json_view()
        return {**view, "sites": view["sites"].records(), "portfolio": view["portfolio"].records()}

    def json_view(self) -> dict[str, Any]:
        """to_json() with the rows as `FrameRecords`: read as dicts on demand, and encoded column by column
        by the JSON writer (72,000 rows for 2,000 sites over 36 months)."""
        return {"months": self.options.months,
                "sites": FrameRecords(self.site_months, _kinds(SITE_COLUMNS)),
                "portfolio": FrameRecords(self.portfolio_months, _kinds(PORTFOLIO_COLUMNS))}

    def horizon_records(self) -> dict[str, Any]:
        """The horizon KPIs (facts.columns.HORIZON_KPIS) and the first shortfall date, per site and for the
        portfolio, in the shape of the day's KPI records: {"sites": [...], "portfolio": {...}}."""
        def summary(frame: pd.DataFrame) -> dict[str, Any]:
            headroom = frame["headroom_mw"].astype(np.float64)
            short = frame["first_shortfall_date"].dropna()
            return {"min_headroom_mw_horizon": None if headroom.isna().all() else float(headroom.min()),
                    "shortfall_days_horizon": int(frame["shortfall_days"].sum()),
                    "first_shortfall_date_horizon": short.iloc[0].strftime("%Y-%m-%d") if len(short) else None}

        sites = [{"site_id": str(site), **summary(rows)}
                 for site, rows in self.site_months.groupby("site_id", sort=True)]
        return {"sites": sites, "portfolio": summary(self.portfolio_months)}

    def flat_frame(self) -> pd.DataFrame:
        """Site rows then portfolio rows (scope, site_id null), the union of their columns."""
        sites = self.site_months.assign(scope="site")
        total = self.portfolio_months.assign(scope="portfolio")
        out = pd.concat([sites, total], ignore_index=True).reindex(columns=list(FLAT_COLUMNS))
        for c in ("scope", "site_id", "site_type"):
            out[c] = out[c].astype("str")
        for c in COUNT_COLUMNS:  # flexibility_gap_days has no portfolio value: nullable
            out[c] = out[c].astype("Int64" if out[c].isna().any() else "int64")
        return out


def _kinds(columns: tuple[str, ...]) -> dict[str, str]:
    return {c: ("date" if c in DATE_COLUMNS else "int" if c in COUNT_COLUMNS
                else "str" if c in ("site_id", "site_type") else "float") for c in columns}


def pathway_value(points: Mapping[int, float], day: dt.date) -> float:
    """Linear between points standing at 1 July of their year; flat before the first and after the last."""
    marks = sorted((dt.date(int(y), 7, 1), float(v)) for y, v in points.items())
    if not marks:
        raise ValueError("a pathway needs at least one point")
    if day <= marks[0][0]:
        return marks[0][1]
    for (d1, v1), (d2, v2) in itertools.pairwise(marks):
        if day <= d2:
            return v1 + (v2 - v1) * (day - d1).days / (d2 - d1).days
    return marks[-1][1]


def _month_starts(as_of: dt.date, months: int) -> list[dt.date]:
    """First day of month 0 … months (the last one ends the window)."""
    k0 = as_of.year * 12 + as_of.month - 1
    return [dt.date((k0 + k) // 12, (k0 + k) % 12 + 1, 1) for k in range(months + 1)]


@dataclass
class _Rows:
    """One input table reduced to what the daily series need, sorted by site position."""

    site: np.ndarray  # position among the sorted sites
    start: np.ndarray  # first window day index it is active
    stop: np.ndarray  # one past its last window day index
    values: dict[str, np.ndarray]

    @classmethod
    def build(cls, frame: pd.DataFrame, site: np.ndarray, keep: np.ndarray, d0: int, n_days: int,
              values: dict[str, np.ndarray]) -> _Rows:
        s_day, s_ok = day_numbers(frame["start_date"])
        e_day, e_ok = day_numbers(frame["end_date"])
        start = np.maximum(s_day - d0, 0)
        stop = np.where(e_ok, np.minimum(e_day - d0 + 1, n_days), n_days)
        # a row not active on any window day (or ending before it starts) adds nothing
        keep = keep & (site >= 0) & s_ok & (start < stop)
        order = np.argsort(site[keep], kind="stable")
        pick = np.flatnonzero(keep)[order]
        return cls(site[pick], start[pick], stop[pick], {k: np.asarray(v, np.float64)[pick]
                                                         for k, v in values.items()})

    def chunk(self, lo: int, hi: int) -> _Rows:
        a, b = np.searchsorted(self.site, [lo, hi])
        return _Rows(self.site[a:b] - lo, self.start[a:b], self.stop[a:b],
                     {k: v[a:b] for k, v in self.values.items()})

    def where(self, mask: np.ndarray) -> _Rows:
        return _Rows(self.site[mask], self.start[mask], self.stop[mask], {k: v[mask] for k, v in self.values.items()})

    def series(self, n: int, n_days: int, name: str | None) -> np.ndarray:
        """(n, n_days): Σ values[name] (or the number of rows) active on each day, from start/stop events."""
        width = n_days + 1
        idx = np.concatenate([self.site * width + self.start, self.site * width + self.stop])
        if name is None:
            count = np.bincount(idx[: len(self.site)], minlength=n * width) - np.bincount(
                idx[len(self.site):], minlength=n * width)
            return np.cumsum(count.reshape(n, width), axis=1, dtype=np.int32)[:, :n_days]
        weights = np.concatenate([self.values[name], -self.values[name]])
        delta = np.bincount(idx, weights=weights, minlength=n * width).reshape(n, width)
        return np.cumsum(delta, axis=1)[:, :n_days]

    def month_sums(self, n: int, starts: np.ndarray, days: np.ndarray, name: str | None) -> np.ndarray:
        """(n, months): Σ over each month's days of the daily sum, without a day axis.

        A value v starting on day e adds v × (days from e to the month's end) to e's month and
        v × days to every later month; a stop subtracts the same. O(rows + sites × months).
        """
        n_months = len(starts)
        n_days = int(starts[-1] + days[-1])
        value = np.ones(len(self.site)) if name is None else self.values[name]
        pos = np.concatenate([self.start, self.stop])
        weight = np.concatenate([value, -value])
        site = np.concatenate([self.site, self.site])
        keep = pos < n_days  # a stop after the window changes nothing inside it
        pos, weight, site = pos[keep], weight[keep], site[keep]
        month = np.searchsorted(starts, pos, side="right") - 1
        idx = site * n_months + month
        head = np.bincount(idx, weights=weight, minlength=n * n_months).reshape(n, n_months)
        tail = np.bincount(idx, weights=weight * (starts[month] + days[month] - pos),
                           minlength=n * n_months).reshape(n, n_months)
        return (np.cumsum(head, axis=1) - head) * days + tail


def _summed(rows: _Rows, n: int, n_days: int, names: tuple[str, ...]) -> dict[str, np.ndarray]:
    if len(rows.site) == 0:  # most chunks have no flexibility or no sensitive load: skip the day axis work
        return dict.fromkeys(names, np.zeros((n, n_days)))
    # float events leave a residue like 1e-17 once every row has ended: a day with no row is exactly 0
    empty = rows.series(n, n_days, None) == 0
    return {name: np.where(empty, 0.0, rows.series(n, n_days, name)) for name in names}


def _month_summed(rows: _Rows, n: int, starts: np.ndarray, days: np.ndarray,
                  names: tuple[str, ...]) -> dict[str, np.ndarray]:
    # row-days are whole numbers in float64, exact: a month without any row is exactly 0
    empty = np.rint(rows.month_sums(n, starts, days, None)) == 0
    return {name: np.where(empty, 0.0, rows.month_sums(n, starts, days, name)) for name in names}


def _price_max(rows: _Rows, n: int, n_days: int) -> np.ndarray:
    """Highest price of the priced rows active each day; NaN on days without one.

    Rows are expanded to their days in batches of about CHUNK_CELLS days, so memory stays bounded
    however many priced contracts a site has.
    """
    lengths = rows.stop - rows.start
    out = np.full(n * n_days, -np.inf)
    ends = np.cumsum(lengths)
    batch_of = ends // CHUNK_CELLS
    for b in np.unique(batch_of):
        pick = np.flatnonzero(batch_of == b)
        size = lengths[pick]
        rep = np.repeat(pick, size)
        offset = np.arange(len(rep)) - np.repeat(np.cumsum(size) - size, size)
        np.maximum.at(out, rows.site[rep] * n_days + rows.start[rep] + offset, rows.values["price"][rep])
    grid = out.reshape(n, n_days)
    return np.where(np.isneginf(grid), np.nan, grid)


def _greater(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a > b by more than a relative 1e-9 (outlook.md: values that close are equal); a, b ≥ 0."""
    return (a - b) > REL_TOL * np.maximum(a, b)


def _first_index(mask: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Per month, the window day index of the first True; -1 where none."""
    n_days = mask.shape[1]
    idx = np.where(mask, np.arange(n_days), n_days)
    first = np.minimum.reduceat(idx, starts, axis=1)
    return np.where(first == n_days, -1, first)


def _ratio(num: np.ndarray, den: np.ndarray, ok: np.ndarray) -> np.ndarray:
    return np.where(ok, num / np.where(ok, den, 1.0), np.nan)


def _marginal(energy: np.ndarray, compute: np.ndarray, cloud: np.ndarray | bool) -> np.ndarray:
    total = np.where(np.isnan(energy) & np.isnan(compute), np.nan, np.nan_to_num(energy) + np.nan_to_num(compute))
    # at a cloud region energy is in a price we do not know: 0 there would read as free
    return np.where(cloud & np.isnan(compute), np.nan, total)


def _carbon(energy: np.ndarray, covered: np.ndarray, c_ppa: np.ndarray, grid: np.ndarray) -> np.ndarray:
    # c_grid + m·(c_ppa − c_grid)/E, as facts/kpis.py: exactly the grid factor when nothing is covered
    has_e = energy > 0
    return np.where(has_e, grid + _ratio(covered * (c_ppa - grid), energy, has_e), np.nan)


def _floats(values: pd.Series) -> np.ndarray:
    return values.to_numpy(dtype=np.float64, na_value=np.nan)


def _first_dates(as_of: dt.date, idx: np.ndarray) -> np.ndarray:
    base = np.datetime64(as_of, "D")
    return np.where(idx >= 0, base + np.maximum(idx, 0), np.datetime64("NaT")).astype("datetime64[s]")


def _capacity(peak: np.ndarray, eff: np.ndarray, short: np.ndarray, starts: np.ndarray,
              days: np.ndarray) -> dict[str, np.ndarray]:
    """The capacity columns per month from (rows, days) peak, effective MW and short-day series."""
    headroom = eff - peak
    worst_value = np.minimum.reduceat(headroom, starts, axis=1)
    # the worst day is the earliest whose headroom ties the month's minimum within a relative 1e-9
    tol = REL_TOL * np.maximum(eff, peak)  # both ≥ 0
    worst = _first_index(headroom - np.repeat(worst_value, days, axis=1) <= tol, starts)
    eff_w = np.take_along_axis(eff, np.maximum(worst, 0), axis=1)
    head_w = np.take_along_axis(headroom, np.maximum(worst, 0), axis=1)
    begins = short.copy()
    begins[:, 1:] &= ~short[:, :-1]
    begins[:, 0] = False  # a shortfall running on D is not a start: the rule of the day reports it
    return {
        "peak_demand_mw": np.maximum.reduceat(peak, starts, axis=1),
        "effective_mw": np.minimum.reduceat(eff, starts, axis=1),
        "headroom_mw": worst_value,
        "headroom_pct": _ratio(head_w * 100, eff_w, eff_w > 0),
        "shortfall_days": np.add.reduceat(short.astype(np.int64), starts, axis=1),
        "first_shortfall_date": _first_index(short, starts),
        "shortfall_starts": np.add.reduceat(begins.astype(np.int64), starts, axis=1),
        "first_shortfall_start": _first_index(begins, starts),
    }


@dataclass
class _Inputs:
    cloud: np.ndarray
    grid: np.ndarray
    tables: dict[str, _Rows]


def _inputs(frames: Mapping[str, pd.DataFrame], sites: pd.DataFrame, options: OutlookOptions, d0: int,
            n_days: int) -> _Inputs:
    """Every input row that can be active in the window, with its daily contribution (kpis.md rules)."""
    workloads, contracts, commitments = frames["workloads"], frames["contracts"], frames["commitments"]
    n = len(sites)
    grid = sites[S.grid_carbon_intensity_g_per_kwh].to_numpy(dtype=np.float64, na_value=np.nan)
    # workloads: a row whose site_id names no site is left out (positions gives -1)
    w_site = positions(sites[S.site_id], workloads[W.site_id])
    pue = _floats(sites[S.pue])[np.maximum(w_site, 0)] if n else np.zeros(len(w_site))
    gpus = _floats(workloads[W.gpu_count])
    power = _floats(workloads[W.gpu_power_kw])
    hours = _floats(workloads[W.hours_per_week])
    w_values = {"peak": gpus * power * pue / 1000,
                "energy": gpus * power * _floats(workloads[W.utilization]) * pue * hours * 365 / 7 / 1000 / 365,
                "gpuh": gpus * hours * 365 / 7 / 365}
    w_values["sensitive"] = (workloads[W.criticality] == "sensitive").to_numpy(dtype=bool, na_value=False)
    everything = np.ones(len(workloads), dtype=bool)
    # contracts: counted = active on the day and signed
    k_site = positions(sites[S.site_id], contracts[C.site_id])
    signed = (contracts[C.status] == "signed").to_numpy(dtype=bool, na_value=False)
    layer = pd.Index(LAYERS).get_indexer(pd.Index(contracts[C.layer].astype(object)))
    firm = _floats(contracts[C.capacity_mw]) * _floats(contracts[C.availability_pct]) / 100
    volume = np.nan_to_num(_floats(contracts[C.annual_volume_mwh])) / 365
    zero_carbon = ((contracts[C.layer] == "ppa") & contracts[C.technology].isin(ZERO_CARBON_TECHNOLOGIES)
                   ).to_numpy(dtype=bool, na_value=False)
    site_grid = np.where(k_site >= 0, grid[np.maximum(k_site, 0)] if n else np.nan, np.nan)
    carbon = _floats(contracts[C.carbon_intensity_g_per_kwh])
    carbon = np.where(np.isnan(carbon), np.where(zero_carbon, 0.0, site_grid), carbon)
    price = to_plan_currency(contracts[C.price_per_mwh], contracts[C.currency], options.currency, options.fx)
    # commitments: a cost without an fx rate leaves the commitment out of spend and committed GPU-hours
    c_site = positions(sites[S.site_id], commitments[K.site_id])
    cost = to_plan_currency(commitments[K.total_cost], commitments[K.currency], options.currency, options.fx)
    term_days = _floats((commitments[K.end_date] - commitments[K.start_date]).dt.days + 1)
    c_keep = (commitments[K.status] == "signed").to_numpy(dtype=bool, na_value=False) & ~np.isnan(cost)
    with np.errstate(divide="ignore", invalid="ignore"):
        spend = np.where(term_days > 0, cost / term_days, 0.0)
    c_gpus = _floats(commitments[K.gpu_count]) * 24

    def rows(frame: pd.DataFrame, site: np.ndarray, keep: np.ndarray, values: dict[str, np.ndarray]) -> _Rows:
        return _Rows.build(frame, site, keep, d0, n_days, values)

    is_grid, is_flex, is_ppa = layer == 0, layer == 1, layer == 2
    return _Inputs(
        cloud=(sites[S.site_type] == "cloud_region").to_numpy(dtype=bool, na_value=False),
        grid=grid,
        tables={
            "work": rows(workloads, w_site, everything, w_values),
            "supply": rows(contracts, k_site, signed & (is_grid | is_flex), {"firm": firm}),
            "flex": rows(contracts, k_site, signed & is_flex, {"firm": firm}),
            "ppa": rows(contracts, k_site, signed & is_ppa, {"vol": volume, "volc": volume * carbon}),
            "price": rows(contracts, k_site, signed & is_grid & ~np.isnan(price), {"price": price}),
            "commit": rows(commitments, c_site, c_keep, {"spend": spend, "cgpuh": c_gpus}),
        })


@dataclass
class _Portfolio:
    """Day series over non-cloud sites, summed chunk by chunk."""

    peak: np.ndarray
    eff: np.ndarray
    short: np.ndarray


def _chunk(inp: _Inputs, lo: int, hi: int, n_days: int, starts: np.ndarray, days: np.ndarray,
           total: _Portfolio) -> dict[str, np.ndarray]:
    """The month columns of sites lo … hi − 1 (rows × months), adding their capacity to the portfolio."""
    m = hi - lo
    part = {k: t.chunk(lo, hi) for k, t in inp.tables.items()}
    work = _summed(part["work"], m, n_days, ("peak", "energy", "gpuh"))
    peak, energy, gpuh = work["peak"], work["energy"], work["gpuh"]
    work_rows = part["work"]
    sens = _summed(work_rows.where(work_rows.values["sensitive"] > 0), m, n_days, ("peak",))["peak"]
    eff = _summed(part["supply"], m, n_days, ("firm",))["firm"]
    flex = _summed(part["flex"], m, n_days, ("firm",))["firm"]
    ppa = _month_summed(part["ppa"], m, starts, days, ("vol", "volc"))
    commit = _month_summed(part["commit"], m, starts, days, ("spend", "cgpuh"))
    cloud = inp.cloud[lo:hi]
    cl = cloud[:, None]
    short = ~cl & _greater(peak, eff)
    firm = ~cloud
    total.peak += peak[firm].sum(axis=0)
    total.eff += eff[firm].sum(axis=0)
    total.short |= short[firm].any(axis=0)
    out = _capacity(peak, eff, short, starts, days)
    for c in ("effective_mw", "headroom_mw", "headroom_pct"):
        out[c] = np.where(cl, np.nan, out[c])

    def add(a: np.ndarray) -> np.ndarray:
        return np.add.reduceat(a, starts, axis=1)

    # a cloud region's energy is in the cloud price: every day is priced, at 0
    price = np.where(cl, 0.0, _price_max(part["price"], m, n_days))
    priced = ~np.isnan(price)
    e_m, p_m = add(energy), ppa["vol"]
    covered = np.minimum(p_m, e_m)
    c_ppa = np.where(p_m > 0, _ratio(ppa["volc"], p_m, p_m > 0), 0.0)
    carbon = _carbon(e_m, covered, c_ppa, inp.grid[lo:hi, None])
    spend_e = add(np.where(priced, energy * np.nan_to_num(price), 0.0))
    priced_g = add(np.where(priced, gpuh, 0.0))
    spend_c, committed = commit["spend"], commit["cgpuh"]
    energy_cost = _ratio(spend_e, priced_g, priced_g > 0)
    compute_cost = _ratio(spend_c, committed, committed > 0)
    out.update({
        "sensitive_peak_mw": np.maximum.reduceat(sens, starts, axis=1),
        "flexibility_mw": np.where(cl, np.nan, np.minimum.reduceat(flex, starts, axis=1)),
        "flexibility_gap_days": add((~cl & (sens > 0) & _greater(sens, flex)).astype(np.int64)),
        "energy_mwh": e_m, "gpu_hours": add(gpuh), "ppa_mwh": p_m,
        "ppa_coverage_pct": np.where(e_m > 0, np.minimum(_ratio(p_m, e_m, e_m > 0), 1.0) * 100, np.nan),
        "carbon_intensity_g_per_kwh": carbon,
        "emissions_t": np.where(e_m > 0, carbon * e_m / 1000, 0.0),
        "energy_spend": spend_e,
        "unpriced_energy_mwh": add(np.where(priced, 0.0, energy)),
        "energy_cost_per_gpu_hour": energy_cost,
        "compute_spend": spend_c,
        "compute_cost_per_gpu_hour": compute_cost,
        "marginal_gpu_hour_cost": _marginal(energy_cost, compute_cost, cl),
        "_covered_mwh": covered, "_priced_gpu_hours": priced_g, "_committed_gpu_hours": committed,
    })
    return out


def build_outlook(frames: Mapping[str, pd.DataFrame], options: OutlookOptions) -> Outlook:
    """site_months and portfolio_months of outlook.md from the clean frames of validate_plan."""
    if not 1 <= options.months <= 240:
        raise ValueError(f"months must be 1–240, not {options.months}")
    as_of = options.as_of
    bounds = _month_starts(as_of, options.months)
    n_days = (bounds[-1] - as_of).days
    starts = np.array([0] + [(b - as_of).days for b in bounds[1:-1]], dtype=np.int64)
    days = np.diff(np.append(starts, n_days))
    sites = frames["sites"].sort_values(S.site_id, kind="stable").reset_index(drop=True)
    n = len(sites)
    inp = _inputs(frames, sites, options, (as_of - dt.date(1970, 1, 1)).days, n_days)
    total = _Portfolio(np.zeros(n_days), np.zeros(n_days), np.zeros(n_days, dtype=bool))
    size = max(1, CHUNK_CELLS // n_days)
    summed = ("energy_mwh", "gpu_hours", "ppa_mwh", "emissions_t", "energy_spend", "unpriced_energy_mwh",
              "compute_spend", *_HIDDEN)
    sums = {c: np.zeros(options.months) for c in summed}
    parts = []
    for lo in range(0, n, size):
        part = _chunk(inp, lo, min(n, lo + size), n_days, starts, days, total)
        for c in summed:
            sums[c] += part[c].sum(axis=0)
        parts.append({c: part[c] for c in SITE_COLUMNS[4:]})
    site_frame = _site_frame(sites, parts, as_of, bounds, days)
    portfolio = _portfolio(sums, inp.cloud, total, starts, days, as_of, bounds, options)
    portfolio.insert(0, "month", _months(bounds))
    portfolio.insert(1, "days", days.astype(np.int64))
    return Outlook(options=options, site_months=site_frame, portfolio_months=portfolio[list(PORTFOLIO_COLUMNS)])


def _months(bounds: list[dt.date]) -> np.ndarray:
    return np.array(bounds[:-1], dtype="datetime64[D]").astype("datetime64[s]")


def _site_frame(sites: pd.DataFrame, parts: list[dict[str, np.ndarray]], as_of: dt.date,
                bounds: list[dt.date], days: np.ndarray) -> pd.DataFrame:
    """One row per site and month; each column leaves the chunks as it enters the frame (one copy alive)."""
    n, n_months = len(sites), len(days)
    frame = pd.DataFrame({
        "site_id": pd.array(np.repeat(sites[S.site_id].to_numpy(dtype=object), n_months), dtype="str"),
        "site_type": pd.array(np.repeat(sites[S.site_type].to_numpy(dtype=object), n_months), dtype="str"),
        "month": np.tile(_months(bounds), n),
        "days": np.tile(days, n).astype(np.int64),
    })
    for c in SITE_COLUMNS[4:]:
        values = np.concatenate([p.pop(c).reshape(-1) for p in parts]) if parts else np.zeros(0)
        frame[c] = (_first_dates(as_of, values.astype(np.int64)) if c in DATE_COLUMNS
                    else values.astype(np.int64 if c in COUNT_COLUMNS else np.float64, copy=False))
    return frame


def _portfolio(sums: dict[str, np.ndarray], cloud: np.ndarray, total: _Portfolio, starts: np.ndarray,
               days: np.ndarray, as_of: dt.date, bounds: list[dt.date], options: OutlookOptions) -> pd.DataFrame:
    """portfolio_months: capacity day by day over non-cloud sites, sums over sites, ratios from sums."""
    n_months = len(starts)

    def total_of(c: str) -> np.ndarray:
        return sums[c]

    if (~cloud).any():
        cap = {k: v[0] for k, v in _capacity(total.peak[None, :], total.eff[None, :], total.short[None, :],
                                             starts, days).items()}
    else:  # no firm-capacity view without a non-cloud site; no site is ever short
        nan = np.full(n_months, np.nan)
        none = np.full(n_months, -1)
        cap = {"peak_demand_mw": nan, "effective_mw": nan, "headroom_mw": nan, "headroom_pct": nan,
               "shortfall_days": np.zeros(n_months, np.int64), "first_shortfall_date": none,
               "shortfall_starts": np.zeros(n_months, np.int64), "first_shortfall_start": none}
    out = pd.DataFrame({c: (_first_dates(as_of, v) if c in DATE_COLUMNS else v) for c, v in cap.items()})
    energy = total_of("energy_mwh")
    has_e = energy > 0
    for c in ("energy_mwh", "gpu_hours", "ppa_mwh", "emissions_t", "energy_spend", "unpriced_energy_mwh",
              "compute_spend"):
        out[c] = total_of(c)
    out["ppa_coverage_pct"] = _ratio(total_of("_covered_mwh") * 100, energy, has_e)
    out["carbon_intensity_g_per_kwh"] = _ratio(out["emissions_t"].to_numpy() * 1000, energy, has_e)
    priced_g, committed = total_of("_priced_gpu_hours"), total_of("_committed_gpu_hours")
    energy_cost = _ratio(out["energy_spend"].to_numpy(), priced_g, priced_g > 0)
    compute_cost = _ratio(out["compute_spend"].to_numpy(), committed, committed > 0)
    marginal = _marginal(energy_cost, compute_cost, bool(cloud.all()))
    out["energy_cost_per_gpu_hour"] = energy_cost
    out["compute_cost_per_gpu_hour"] = compute_cost
    out["marginal_gpu_hour_cost"] = marginal
    first = bounds[:-1]
    ci_path, em_path = options.carbon_intensity_pathway, options.emissions_pathway_t
    out["carbon_target_g_per_kwh"] = [pathway_value(ci_path, b) for b in first] if ci_path else np.nan
    out["emissions_target_t"] = (np.array([pathway_value(em_path, b) for b in first]) * days / 365
                                 if em_path else np.nan)
    base = marginal[0]
    ok = ~np.isnan(marginal) & ~np.isnan(base) & (base != 0)
    change = np.where(ok, (marginal / (base if ok.any() else 1.0) - 1) * 100, np.nan)
    # month sums of 30 and 31 days give the same cost a hair apart: equal within 1e-9 is no change
    same = ok & (np.abs(marginal - base) <= REL_TOL * np.maximum(np.abs(marginal), np.abs(base)))
    out["cost_change_pct"] = np.where(same, 0.0, change)
    return out
