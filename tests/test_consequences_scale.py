"""The consequence note's per-key summary: same text as a plain groupby, built only for the keys asked about."""

from __future__ import annotations

import numpy as np
import pandas as pd

from energyplan.ruleset.consequences import _located, _Summary


def _groupby_summary(lost: pd.DataFrame, key: str) -> dict[str, str]:
    lost = lost[lost[key].notna()]
    where = _located(lost)
    first = where.groupby(lost[key].to_numpy(), sort=False).first()
    count = where.groupby(lost[key].to_numpy(), sort=False).size()
    return {k: (w if n == 1 else f"{w} and {n - 1:,} more") for k, w, n in zip(first.index, first, count, strict=True)}


def test_summary_matches_a_groupby_on_random_lost_cells() -> None:
    rng = np.random.default_rng(5)
    n = 5000
    lost = pd.DataFrame({
        "table": rng.choice(["sites", "workloads"], n),
        "site_id": pd.Series(rng.choice(["s1", "s2", "s3", None], n), dtype="str"),
        "record_id": pd.Series([f"r{i}" for i in rng.integers(0, 900, n)], dtype="str"),
        "file": rng.choice(["sites.csv", "workloads.parquet"], n),
        "row": rng.integers(1, 10_000, n),
        "line": pd.array(np.where(rng.random(n) < 0.3, None, rng.integers(2, 10_000, n)), dtype="Int64"),
    })
    for key in ("site_id", "record_id"):
        summary = _Summary(pd, lost, key)
        expected = _groupby_summary(lost, key)
        asked = pd.Series([*expected, "not-lost", None, *list(expected)[:3]], dtype=object)
        got = summary.notes(asked).tolist()
        assert got == [expected.get(k) if k is not None else None for k in asked]
        assert len(summary) == len(expected)
    empty = _Summary(pd, lost.iloc[:0], "site_id")
    assert len(empty) == 0 and empty.notes(pd.Series(["s1"])).tolist() == [None]
