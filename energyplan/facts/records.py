"""A frame's rows as JSON records, encoded column by column.

The outlook of a 2,000-site plan over 36 months is 72,000 rows of ~25 values: building a dict per row and
encoding each one costs seconds, while encoding each column at once (a float's repr, a date's text, a string
once per distinct value) and joining the row's tokens costs a fraction of that. `FrameRecords` gives
`json_lines()` to the JSON writer, and is a read-only sequence of dicts (those lines read back) for whoever
reads the records in Python; a line is byte for byte what `json.dumps(record, ensure_ascii=False)` gives.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, overload

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
    import pyarrow as pa

KINDS = ("str", "int", "float", "date")
_ENCODE = json.JSONEncoder(ensure_ascii=False, allow_nan=False).encode


class FrameRecords(Sequence[dict[str, Any]]):
    """The rows of `frame` as {column: value} records: dates "YYYY-MM-DD", counts int, null for NaN/NaT."""

    def __init__(self, frame: pd.DataFrame, kinds: Mapping[str, str]) -> None:
        unknown = sorted(set(kinds.values()) - set(KINDS))
        if unknown:
            raise ValueError(f"unknown column kind(s) {unknown}; expected one of {KINDS}")
        self._frame = frame
        self._kinds = dict(kinds)
        self._records: list[dict[str, Any]] | None = None

    def __len__(self) -> int:
        return len(self._frame)

    @overload
    def __getitem__(self, index: int) -> dict[str, Any]: ...

    @overload
    def __getitem__(self, index: slice) -> list[dict[str, Any]]: ...

    def __getitem__(self, index: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        return self.records()[index]

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.records())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, FrameRecords):
            return self.records() == other.records()
        if isinstance(other, list):
            return self.records() == other
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable-looking like a list: not hashable

    def __repr__(self) -> str:
        return f"FrameRecords({len(self)} rows × {len(self._kinds)} columns)"

    def records(self) -> list[dict[str, Any]]:
        """The records as plain dicts (built once, on first use), read back from the JSON lines: one
        encoding of the values, so the dicts and the JSON cannot disagree."""
        if self._records is None:
            self._records = [json.loads(line) for line in self.json_lines()]
        return self._records

    def json_lines(self) -> list[str]:
        """One compact JSON object per row, keys in column order; the rows are put together in Arrow."""
        import pyarrow as pa
        import pyarrow.compute as pc

        if not len(self):
            return []
        pieces: list[Any] = []  # '{"a": ', a's texts, ', "b": ', b's texts, …, '}': one join for the rows
        for i, c in enumerate(self._kinds):
            pieces += [pa.scalar(("{" if i == 0 else ", ") + _ENCODE(c) + ": "), self._tokens(c)]
        rows = pc.binary_join_element_wise(*pieces, pa.scalar("}"), "")
        return list(rows.to_pylist())

    def _tokens(self, column: str) -> pa.Array:
        """The column's values as JSON text, in Arrow."""
        import numpy as np
        import pyarrow as pa
        import pyarrow.compute as pc

        kind, s = self._kinds[column], self._frame[column]
        if kind == "int":
            return pc.cast(pa.array(_ints(s)), pa.string())
        if kind == "float":
            return _float_texts(_floats(s))
        codes, uniques = _factorized(s, kind)
        return pa.array([_ENCODE(u) for u in uniques], pa.string()).take(pa.array(codes.astype(np.int64)))


def _float_texts(array: np.ndarray) -> pa.Array:
    """repr() of each float (as json writes it), null for NaN/inf.

    Arrow writes the same shortest round-trip digits as Python, but not always in the same notation: `2` for
    2.0 (fixed here by appending `.0`), and its own choice between positional and exponent notation. Values
    Python writes with an exponent (0 < |x| < 1e-4, |x| >= 1e16) and those Arrow wrote with one are written by
    Python: in a plan's figures they are rare."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    finite = np.isfinite(array)
    text = pc.cast(pa.array(array, mask=~finite), pa.string())  # NaN/inf: null, written as null below
    integral = finite & (np.floor(array) == array)  # Arrow writes these without a point
    text = pc.if_else(pa.array(integral), pc.binary_join_element_wise(text, pa.scalar(".0"), ""), text)
    text = pc.fill_null(text, "null")
    size = np.abs(np.where(finite, array, 1.0))
    exponent = np.asarray(pc.match_substring(text, "e").to_numpy(zero_copy_only=False), dtype=bool)
    python = np.flatnonzero(((size < 1e-4) & (size > 0)) | (size >= 1e16) | exponent)
    if len(python):
        out = text.to_numpy(zero_copy_only=False)
        out[python] = [float.__repr__(v) for v in array[python].tolist()]
        text = pa.array(out, pa.string())
    return text


def _floats(s: pd.Series) -> np.ndarray:
    import numpy as np

    return np.asarray(s.astype(np.float64).to_numpy(), dtype=np.float64)


def _ints(s: pd.Series) -> np.ndarray:
    import numpy as np

    return np.asarray(s.to_numpy(), dtype=np.float64).astype(np.int64) if s.dtype.kind == "f" \
        else np.asarray(s.to_numpy(), dtype=np.int64)


def _factorized(s: pd.Series, kind: str) -> tuple[np.ndarray, list[Any]]:
    """Codes into the distinct values (null last): a date or a string is formatted once, not once a row."""
    import pandas as pd

    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    if kind == "date":
        texts: list[Any] = [v.strftime("%Y-%m-%d") for v in uniques]
    else:
        texts = [str(v) for v in uniques]
    codes = codes.copy()
    codes[codes < 0] = len(texts)
    return codes, [*texts, None]
