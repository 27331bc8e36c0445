"""count_active_on against a brute-force count: random plans of either shape (more rows or more queries)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from energyplan.facts.util import count_active_on


def _days(values: np.ndarray, missing: np.ndarray) -> pd.Series:
    out = pd.Series(pd.to_datetime("2020-01-01") + pd.to_timedelta(values, unit="D")).astype("datetime64[s]")
    return out.mask(missing)


def _brute(group: np.ndarray, s: pd.Series, e: pd.Series, qg: np.ndarray, qd: pd.Series) -> np.ndarray:
    out = np.zeros(len(qg), dtype=np.int64)
    for i in range(len(qg)):  # a test oracle: a plain loop over the few queries
        if qg[i] < 0 or pd.isna(qd.iloc[i]):
            continue
        t = qd.iloc[i]
        active = (group == qg[i]) & s.notna().to_numpy() & (s <= t).to_numpy() & (e.isna() | (e >= t)).to_numpy()
        active &= ~(e.notna() & (e < s)).to_numpy()
        out[i] = int(active.sum())
    return out


@pytest.mark.parametrize(("rows", "queries", "seed"), [(2000, 50, 1), (50, 2000, 2), (300, 300, 3), (1, 5, 4)])
def test_counts_match_brute_force(rows: int, queries: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    groups = 7
    group = rng.integers(-1, groups, rows)  # -1: a row without a group
    start = rng.integers(0, 400, rows)
    s = _days(start, rng.random(rows) < 0.05)
    e = _days(start + rng.integers(-30, 200, rows), rng.random(rows) < 0.3)  # some end before they start
    qg = rng.integers(-1, groups, queries)
    qd = _days(rng.integers(-20, 650, queries), rng.random(queries) < 0.05)
    got = count_active_on(group, s, e, qg, qd)
    assert got.dtype == np.int64 and np.array_equal(got, _brute(group, s, e, qg, qd))


def test_edges_are_inclusive_and_empty_inputs_count_nothing() -> None:
    s, e = _days(np.array([10, 10]), np.array([False, False])), _days(np.array([20, 0]), np.array([False, True]))
    qd = _days(np.array([9, 10, 20, 21, 5000]), np.zeros(5, bool))
    assert count_active_on(np.array([0, 0]), s, e, np.zeros(5, np.int64), qd).tolist() == [0, 2, 2, 1, 1]
    assert count_active_on(np.array([0, 0]), s, e, np.zeros(0, np.int64), qd.iloc[:0]).tolist() == []
    many = _days(np.arange(40) % 30, np.zeros(40, bool))  # more rows than queries; 26..29 end before start
    assert count_active_on(np.zeros(40, np.int64), many, _days(np.full(40, 25), np.zeros(40, bool)),
                           np.array([0, 0]), _days(np.array([25, 26]), np.zeros(2, bool))).tolist() == [36, 0]
