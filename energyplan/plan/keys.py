"""Duplicate keys: which rows repeat an earlier row's key, found without hashing every key when keys are sorted."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from energyplan.arrowops import isin, strictly_ascending


def duplicates(key: pd.Series) -> tuple[np.ndarray, np.ndarray | None]:
    """Rows whose key repeats an earlier row's (nulls never do), and the key codes (None: no repeat)."""
    if strictly_ascending(key):
        return np.zeros(len(key), dtype=bool), None
    among = repeat_candidates(key)
    if among is None:
        return repeats(key)
    # Only the candidates can repeat one another: factorize that handful instead of every key.
    dup = np.zeros(len(key), dtype=bool)
    codes = np.full(len(key), -1, dtype=np.int64)
    dup[among], codes[among] = repeats(key.iloc[among])
    return dup, codes


def repeats(key: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Rows repeating an earlier key, and the key codes (in order of first appearance; null: -1)."""
    # factorize numbers keys in order of first appearance (null: -1), so a row repeats an earlier key
    # exactly when its code is at most the largest code before it; the codes serve the detail too.
    codes, _ = pd.factorize(key)
    before = np.maximum.accumulate(np.concatenate(([-1], codes)))[:-1]
    return (codes >= 0) & (codes <= before), codes


def repeat_candidates(key: pd.Series) -> np.ndarray | None:
    """Positions that can share a key, when keys are ascending but for a few rows (None otherwise).

    Hashing a million keys costs a third of a second. Keys written in order with a few stray rows
    (a copied key, an insertion) are common: if the keys without the stray rows are strictly
    ascending, they are distinct among themselves, so a repeat must involve a stray row's key, and
    only rows holding one of those keys are candidates.
    """
    if key.isna().any() or len(key) < 3:
        return None
    try:
        arr = pa.array(key, from_pandas=True)
        arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
        stray = np.concatenate(([False], ~_np_bool(pc.less(arr.slice(0, len(arr) - 1), arr.slice(1)))))
        rest = arr.filter(pa.array(~stray))
        if stray.sum() > len(key) // 10 or not pc.all(pc.less(rest.slice(0, len(rest) - 1), rest.slice(1))).as_py():
            return None
        held = isin(key, arr.filter(pa.array(stray)))
    except pa.ArrowException:  # unorderable values: no shortcut
        return None
    return np.flatnonzero(held | stray)


def _np_bool(arr: pa.Array) -> np.ndarray:
    return arr.to_numpy(zero_copy_only=False).astype(bool)


def duplicate_detail(codes: np.ndarray, dup: np.ndarray, present: np.ndarray, frame: pd.DataFrame) -> np.ndarray:
    """"row 3 (line 4)": the first row holding each duplicate's key."""
    firsts = np.flatnonzero(present & ~dup & (codes >= 0))  # -1: a key no other row can share
    first_of = np.zeros(codes.max() + 1 if len(codes) else 0, dtype=np.int64)
    first_of[codes[firsts]] = firsts
    first = first_of[codes[dup]]
    rows = pd.Series(frame["_row"].to_numpy()[first]).astype(str)
    lines = pd.Series(frame["_line"].to_numpy()[first])
    text = "row " + rows
    with_line = lines.notna().to_numpy()
    text[with_line] = text[with_line] + " (line " + lines[with_line].astype("int64").astype(str) + ")"
    return text.to_numpy(dtype=object)
