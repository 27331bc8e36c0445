"""Vectorized helpers on Arrow-backed columns where pandas' own path is slow."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


def isin(values: Any, allowed: Any) -> np.ndarray:
    """Boolean mask: which of `values` (a Series or array) are among `allowed`; nulls are never in.

    pandas' `Series.isin` on its Arrow-backed string dtype turns every allowed value into a pyarrow
    scalar one by one (about 10 µs each), which costs seconds against tens of thousands of keys;
    `pyarrow.compute.is_in` does the same work in C++.
    """
    arr = pa.array(values, from_pandas=True)
    if arr.type == pa.null():
        return np.zeros(len(arr), dtype=bool)
    value_set = pa.array(allowed, from_pandas=True)
    if value_set.type != arr.type:
        try:
            value_set = value_set.cast(arr.type)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            arr, value_set = arr.cast(pa.string()), value_set.cast(pa.string())
    mask = pc.is_in(arr, value_set=value_set, skip_nulls=True)
    return mask.fill_null(False).to_numpy(zero_copy_only=False)


def strictly_ascending(values: Any) -> bool:
    """Whether the non-null values (a Series) are strictly ascending, which proves them all distinct.

    Hashing a million distinct strings to find repeats costs a third of a second; keys are often
    written in ascending order, and one vectorized comparison of neighbours settles that case.
    """
    present = values.notna().to_numpy()
    try:
        arr = pa.array(values if present.all() else values[present], from_pandas=True)
        if isinstance(arr, pa.ChunkedArray):
            arr = arr.combine_chunks()
        return len(arr) < 2 or bool(pc.all(pc.less(arr.slice(0, len(arr) - 1), arr.slice(1))).as_py())
    except pa.ArrowException:  # mixed or unorderable values: no shortcut
        return False
