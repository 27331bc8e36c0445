"""The listing sorts only the rows that can be listed: the same rows, in the same order, as sorting all of them."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from energyplan.ruleset.collect import _first, _listing


def _frame(seed: int, n: int, batches: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    batch = np.sort(rng.integers(0, batches, n))
    rule = np.array([f"EP{100 + b % 3}" for b in batch])  # several batches per rule
    line = rng.integers(1, 12, n).astype(np.float64)  # few values: many ties
    line[rng.random(n) < 0.3] = np.nan
    row = rng.integers(1, 6, n).astype(np.float64)
    row[rng.random(n) < 0.3] = np.nan
    pos = np.concatenate([np.arange((batch == b).sum()) for b in np.unique(batch)]) if n else np.arange(0)
    return pd.DataFrame({
        "rule": rule, "file": pd.Series(rng.choice(["a.csv", "b.csv", None], n), dtype="object"),
        "line": line, "row": row, "column": rng.choice(["x", "y", None], n),
        "record_id": rng.choice(["r1", "r2", "r3", None], n), "_batch": batch, "_pos": pos,
    })


def _reference(df: pd.DataFrame, k: int) -> list[tuple[int, int]]:
    """outputs.md's order with Python's sort, then the first k per rule."""
    def key(r: pd.Series) -> tuple:
        def last(v: object) -> tuple:  # nulls last
            return (1, "") if pd.isna(v) else (0, v)

        def text(v: object) -> str:  # null as ""
            return "" if pd.isna(v) else str(v)
        rec = text(r["record_id"]) if pd.isna(r["row"]) else ""  # a row number decides before the record
        return (last(r["file"]), last(r["line"]), last(r["row"]), r["rule"], text(r["column"]), rec,
                r["_batch"], r["_pos"])
    ordered = sorted((row for _, row in df.iterrows()), key=key)
    seen: dict[str, int] = {}
    out = []
    for r in ordered:
        seen[r["rule"]] = seen.get(r["rule"], 0) + 1
        if seen[r["rule"]] <= k:
            out.append((int(r["_batch"]), int(r["_pos"])))
    return out


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 10_000), st.integers(0, 120), st.integers(1, 6), st.integers(0, 8))
def test_listing_equals_a_full_sort(seed: int, n: int, batches: int, k: int) -> None:
    df = _frame(seed, n, batches)
    listed, truncated = _listing(pd, df, k)
    assert list(zip(listed["_batch"].tolist(), listed["_pos"].tolist(), strict=True)) == _reference(df, k)
    counts = df["rule"].value_counts()
    assert truncated == {r: int(c) - min(int(c), k) for r, c in sorted(counts.items()) if int(c) > k}


def test_first_keeps_ties_and_narrows_key_by_key() -> None:
    a = np.array([1.0, 1.0, 1.0, 2.0, 0.0])
    b = np.array([5.0, 3.0, np.inf, 0.0, 9.0])
    got = _first(np.arange(5), [a, b], 2)
    assert got.tolist() == [1, 4]  # 0.0 first, then the smallest b among the a == 1 rows
    assert _first(np.arange(5), [a, np.zeros(5)], 2).tolist() == [0, 1, 2, 4]  # a tie on the last key: kept
