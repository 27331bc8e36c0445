"""Vectorized building blocks of the facts layer: key lookups, per-group sums, activity on dates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

# A ppa of these technologies defaults to 0 gCO2e/kWh (plan-format.md); anything else to the grid factor.
ZERO_CARBON_TECHNOLOGIES = ("solar", "wind", "hydro", "nuclear", "geothermal")
LAYERS = ("grid", "flexibility", "ppa")


def positions(keys: pd.Series, refs: pd.Series) -> np.ndarray:
    """Row position in `keys` of each value of `refs`, -1 where it names no row (or is null).

    The first row of a duplicated key wins, as the validator keeps it. A hash lookup in Arrow:
    a million references resolve in tens of milliseconds.
    """
    first = (keys.notna() & ~keys.duplicated(keep="first")).to_numpy(dtype=bool)
    rows = np.flatnonzero(first)
    if len(refs) == 0 or len(rows) == 0:
        return np.full(len(refs), -1, dtype=np.int64)
    value_set = pa.array(keys[first].astype("str"))
    found = pc.index_in(pa.array(refs.astype("str")), value_set=value_set).fill_null(-1)
    found = found.to_numpy(zero_copy_only=False).astype(np.int64)
    return np.where(found >= 0, rows[np.maximum(found, 0)], -1)


def lookup(values: pd.Series, pos: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """values[pos] with null where pos is -1 (bool becomes nullable boolean)."""
    array = values.astype("boolean").array if values.dtype == bool else values.array
    return array.take(pos, allow_fill=True)


def group_sum(group: np.ndarray, weights: np.ndarray, mask: np.ndarray, n: int) -> np.ndarray:
    """Σ weights per group over rows where mask holds and the group is known (NaN weights add 0)."""
    keep = mask & (group >= 0)
    w = np.nan_to_num(np.asarray(weights, dtype=np.float64)[keep], nan=0.0)
    return np.bincount(group[keep], weights=w, minlength=n).astype(np.float64)


def group_count(group: np.ndarray, mask: np.ndarray, n: int) -> np.ndarray:
    keep = mask & (group >= 0)
    return np.bincount(group[keep], minlength=n).astype(np.int64)


def group_max(group: np.ndarray, values: np.ndarray, mask: np.ndarray, n: int) -> np.ndarray:
    """Max per group ignoring NaN; NaN where a group has no non-null value."""
    out = np.full(n, np.nan)
    keep = mask & (group >= 0)
    np.fmax.at(out, group[keep], np.asarray(values, dtype=np.float64)[keep])
    return out


def group_prod(group: np.ndarray, values: np.ndarray, mask: np.ndarray, n: int) -> np.ndarray:
    out = np.ones(n)
    keep = mask & (group >= 0)
    np.multiply.at(out, group[keep], np.asarray(values, dtype=np.float64)[keep])
    return out


def is_active(frame: pd.DataFrame, day: pd.Timestamp) -> np.ndarray:
    """docs/methodology.md "active": start_date ≤ D and (end_date empty or D ≤ end_date)."""
    start, end = frame["start_date"], frame["end_date"]
    return ((start <= day) & (end.isna() | (end >= day))).to_numpy(dtype=bool)


def is_ended(frame: pd.DataFrame, day: pd.Timestamp) -> np.ndarray:
    return (frame["end_date"] < day).to_numpy(dtype=bool)


def day_numbers(dates: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(days since 1970-01-01 as int64, not-null mask) of a datetime column."""
    values = dates.to_numpy(dtype="datetime64[s]").astype("datetime64[D]")
    valid = ~np.isnat(values)
    return np.where(valid, values.astype(np.int64), 0), valid


def count_active_on(
    group: np.ndarray, starts: pd.Series, ends: pd.Series, q_group: np.ndarray, q_days: pd.Series
) -> np.ndarray:
    """For each query (group, day): rows of that group active on that day (start ≤ day ≤ end or no end).

    Rows with end before start are never active and are left out; then "active on t" is
    "started by t" minus "ended before t", two binary searches on (group, day) keys per query.
    """
    s_day, s_ok = day_numbers(starts)
    e_day, e_ok = day_numbers(ends)
    t_day, t_ok = day_numbers(q_days)
    rows = (group >= 0) & s_ok & ~(e_ok & (e_day < s_day))
    if not rows.any() or len(q_group) == 0:
        return np.zeros(len(q_group), dtype=np.int64)
    all_days = np.concatenate([s_day[rows], e_day[rows & e_ok], t_day[t_ok]])
    lo, hi = int(all_days.min()), int(all_days.max())
    span = hi - lo + 3  # room for the "no end" sentinel hi + 1
    g = group[rows].astype(np.int64)
    start_keys = np.sort(g * span + (s_day[rows] - lo))
    end_keys = np.sort(g * span + np.where(e_ok[rows], e_day[rows] - lo, hi + 1 - lo))
    qg = np.maximum(q_group, 0).astype(np.int64)
    base = qg * span
    key = base + np.where(t_ok, t_day - lo, 0)
    started = np.searchsorted(start_keys, key, side="right") - np.searchsorted(start_keys, base, side="left")
    ended = np.searchsorted(end_keys, key, side="left") - np.searchsorted(end_keys, base, side="left")
    return np.where((q_group >= 0) & t_ok, started - ended, 0).astype(np.int64)


def to_plan_currency(amount: pd.Series, currency: pd.Series, plan_currency: str,
                     fx: Mapping[str, float]) -> np.ndarray:
    """amount × rate (plan-currency units per unit); NaN where the currency has no rate or is empty."""
    rates = {**{str(k): float(v) for k, v in fx.items()}, plan_currency: 1.0}
    rate = currency.map(rates).to_numpy(dtype=np.float64, na_value=np.nan)
    return amount.to_numpy(dtype=np.float64, na_value=np.nan) * rate


def timestamp(day: dt.date) -> pd.Timestamp:
    return pd.Timestamp(day).as_unit("s")


def _sorted_with_weights(keys: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """keys sorted, and the weights in the same order.

    When both fit in 63 bits, the weight rides in the low bits of the key and one plain sort does it
    (several times faster than an argsort at a million rows); otherwise an argsort.
    """
    bits = max(int(weights.max()).bit_length(), 1)
    if int(keys.max()).bit_length() + bits <= 62:
        packed = np.sort((keys << bits) | weights)
        return packed >> bits, packed & ((1 << bits) - 1)
    order = np.argsort(keys)
    return keys[order], weights[order]


def interval_peaks(group: np.ndarray, starts: pd.Series, ends: pd.Series, weights: np.ndarray,
                   win_lo: np.ndarray, win_hi: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Per group g < n: the peak over the days win_lo[g] … win_hi[g] of Σ weight of its rows active
    that day (start ≤ day ≤ end, no end = open), and the first day it is reached.

    Days are day numbers (`day_numbers`); a window with lo > hi is empty. Each row, clipped to its
    group's window, becomes +w on its first day and −w the day after its last; the deltas of one
    (group, day) are added before the running sum is read, so a row ending the day before another
    starts never overlaps it. Returns (peak as int64, 0 without rows; first peak day as
    datetime64[s], NaT where the peak is 0).
    """
    peak = np.zeros(n, dtype=np.int64)
    peak_day = np.full(n, np.datetime64("NaT"), dtype="datetime64[s]")
    s_day, s_ok = day_numbers(starts)
    e_day, e_ok = day_numbers(ends)
    w = np.nan_to_num(np.asarray(weights, dtype=np.float64)).round().astype(np.int64)
    rows = np.flatnonzero((group >= 0) & s_ok & ~(e_ok & (e_day < s_day)) & (w > 0))
    g = group[rows].astype(np.int64)
    first = np.maximum(s_day[rows], win_lo[g])
    last = np.where(e_ok[rows], np.minimum(e_day[rows], win_hi[g]), win_hi[g])
    keep = first <= last
    g, first, last, w = g[keep], first[keep], last[keep] + 1, w[rows][keep]
    if len(g) == 0:
        return peak, peak_day
    base = int(first.min())
    span = int(last.max()) - base + 1
    start_key, start_w = _sorted_with_weights(g * span + (first - base), w)
    end_key, end_w = _sorted_with_weights(g * span + (last - base), w)
    # The total only rises at a start, so the peak is read at the start keys: after every event of
    # that (group, day), Σ starts ≤ key − Σ ends ≤ key. Rows of earlier groups start and end before
    # the key and cancel out, so the global sums give the total within the group.
    started = np.cumsum(start_w)[np.searchsorted(start_key, start_key, side="right") - 1]
    ended_cum = np.r_[0, np.cumsum(end_w)]
    running = started - ended_cum[np.searchsorted(end_key, start_key, side="right")]
    key_group, key_day = start_key // span, start_key % span + base
    bounds = np.flatnonzero(np.r_[True, key_group[1:] != key_group[:-1]])
    peak[key_group[bounds]] = np.maximum.reduceat(running, bounds)
    # keys are sorted by day within a group: the first key at the group's peak is its first peak day
    at_peak = np.flatnonzero((running == peak[key_group]) & (running > 0))
    hit = at_peak[np.r_[True, key_group[at_peak][1:] != key_group[at_peak][:-1]]] if len(at_peak) else at_peak
    peak_day[key_group[hit]] = key_day[hit].astype("datetime64[D]").astype("datetime64[s]")
    return peak, peak_day
