"""Cells → typed pandas columns (str, float64, Int64, boolean, datetime64[s]), with the cells that fail."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from energyplan.plan.files import Problem, RawTable
from energyplan.plan.schemas import UTC_SUFFIX, column_specs

_TRUE, _FALSE = ("true", "yes", "1"), ("false", "no", "0")
_NAN_WORDS = ("nan", "+nan", "-nan")
_DATE_RE = r"^\d{4}-\d{2}-\d{2}$"
_SAFE_DATE_RE = r"^[1-9]\d{3}-(0[1-9]|1[0-2])-(0[1-9]|1\d|2[0-8])$"  # always a real day
_NUMBER_RE = r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$"
_TS_PARTS = (r"^(?P<wall>\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?)"
             r"(?P<off>Z|[+-]\d{2}(?::?\d{2})?)?$")
_TS_WALL = r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"  # _TS_PARTS without an offset
_DAYS_IN_MONTH = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
_MAX_OFFSET_MINUTES = 18 * 60  # ISO 8601 / Python's limit for a UTC offset
_MAX_EXACT_INT = 2**53
UTC_DTYPE = "datetime64[ns, UTC]"

Fails = list[tuple[np.ndarray, np.ndarray]]  # (positions, problem code per position)


@dataclass
class Parsed:
    """A table converted to typed pandas, with the cells that did not parse (already null)."""

    frame: pd.DataFrame  # model columns in validation dtypes (+ <timestamp>_utc), _row, _line; RangeIndex
    failures: list[tuple[str, np.ndarray, np.ndarray]]  # (column, positions, problem code per position)
    problems: list[Problem]  # column-level: a Parquet column of an incompatible type


class ColumnTypeError(Exception):
    """A Parquet column whose type cannot hold the model's kind."""


def _is_stringish(t: pa.DataType) -> bool:
    if pa.types.is_dictionary(t):
        return _is_stringish(t.value_type)
    return pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t) or pa.types.is_null(t)


_STR = pd.StringDtype("pyarrow", na_value=np.nan)  # pandas' default "str" dtype


def arrow_strings(arr: pa.Array | pa.ChunkedArray) -> pd.Series:
    """A "str" Series over Arrow text without a copy (pd.Series(..., dtype="str") re-checks every value:
    0.15 s a million-row column)."""
    return pd.Series(pd.arrays.ArrowStringArray(pc.cast(arr, pa.string()), dtype=_STR))  # type: ignore[call-arg]


def _strings(col: pa.ChunkedArray) -> pd.Series:
    # The chunks as read (one per CSV block), not joined: with pyarrow 26 a take over 131 chunks costs
    # about 1.5x one over a single chunk, while joining copies every text column of the table (180 MB
    # more peak memory and 5 % of the time of a 1M-workload audit).
    return arrow_strings(pc.cast(col, pa.string()))


def _fail(bad: np.ndarray, code: str | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    pos = np.flatnonzero(bad)
    codes = np.full(len(pos), code, dtype=object) if isinstance(code, str) else np.asarray(code, dtype=object)
    return pos, codes


def _np(arr: pa.ChunkedArray | pa.Array) -> np.ndarray:
    return arr.to_numpy(zero_copy_only=False) if isinstance(arr, pa.Array) else arr.to_numpy()


def _mask(arr: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """A boolean Arrow column as numpy, null = False."""
    return _np(pc.fill_null(arr, False)).astype(bool)


def _try_cast(col: pa.ChunkedArray, to: pa.DataType) -> pa.ChunkedArray | None:
    """Arrow's strict cast of a whole column: the fast path when every cell is well formed."""
    try:
        return pc.cast(col, to)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None


def _numbers(col: pa.ChunkedArray) -> tuple[pd.Series, Fails]:
    strings = pc.cast(col, pa.string())
    present = _np(pc.is_valid(col)).astype(bool)
    whole = _try_cast(strings, pa.float64())
    if whole is not None:
        values = _np(whole).astype("float64", copy=True)
    else:
        trimmed = pc.utf8_trim_whitespace(strings)
        # Plain decimal literals go through Arrow's cast; anything else is left to
        # pd.to_numeric(errors="coerce"), so the two agree on what a number is.
        fast = _mask(pc.match_substring_regex(trimmed, _NUMBER_RE))
        values = _np(pc.cast(pc.if_else(fast, trimmed, None), pa.float64())).astype("float64", copy=True)
        rest = np.flatnonzero(present & ~fast)
        if len(rest):
            values[rest] = pd.to_numeric(pd.Series(_np(trimmed.take(rest)), dtype="str"), errors="coerce")
    bad = present & ~np.isfinite(values)
    # "nan", "inf" and 1e309 parse, but to a non-finite value: say so rather than "not a number".
    # Trim only the failing cells: trimming a whole million-row column is a tenth of a second.
    failing = pc.utf8_trim_whitespace(strings.take(np.flatnonzero(bad)))
    words = np.isin(np.char.lower(_np(failing).astype(str)), _NAN_WORDS)
    codes = np.where(words | np.isinf(values[bad]), "nonfinite", "number")
    values[bad] = np.nan
    return pd.Series(values, dtype="float64"), [_fail(bad, codes)]


def _finite(num: pd.Series) -> tuple[pd.Series, Fails]:
    bad = num.notna().to_numpy() & ~np.isfinite(num.to_numpy())
    return num.where(~bad), [_fail(bad, "nonfinite")]


def _whole(num: pd.Series, fails: Fails) -> tuple[pd.Series, Fails]:
    v = num.to_numpy()
    ok = np.isfinite(v)
    fractional = ok & (np.mod(v, 1, where=ok, out=np.zeros_like(v)) != 0)
    too_large = ok & ~fractional & (np.abs(v, where=ok, out=np.zeros_like(v)) > _MAX_EXACT_INT)
    keep = ok & ~fractional & ~too_large
    ints = pd.arrays.IntegerArray(np.where(keep, v, 0).astype(np.int64), ~keep)
    return pd.Series(ints), [*fails, _fail(fractional, "whole"), _fail(too_large, "too_large")]


def _native_numbers(col: pa.ChunkedArray) -> tuple[pd.Series, Fails]:
    """A Parquet int/float/decimal column as float64. Integers beyond ±2^53 have no exact float: such a
    cell is "too large" (Arrow's safe cast would refuse the whole column)."""
    t = col.type
    big = np.zeros(len(col), dtype=bool)
    if pa.types.is_integer(t) and t.bit_width == 64:
        limit = pa.scalar(_MAX_EXACT_INT, type=t)
        above = pc.greater(col, limit)
        big = _mask(above if pa.types.is_unsigned_integer(t) else pc.or_(above, pc.less(col, pc.negate(limit))))
    values = pd.Series(pc.cast(col, pa.float64(), safe=False).to_pandas(), dtype="float64")
    num, fails = _finite(values.where(~big))
    return num, [*fails, _fail(big, "too_large")]


def _bools(col: pa.ChunkedArray) -> tuple[pd.Series, Fails]:
    # In Arrow (what pandas' str.strip/str.lower call) without building a pandas string column.
    strings = pc.cast(col, pa.string())
    low = pc.utf8_lower(pc.utf8_trim_whitespace(strings))
    t, f = (_mask(pc.is_in(low, value_set=pa.array(words))) for words in (_TRUE, _FALSE))
    bad = _np(pc.is_valid(strings)).astype(bool) & ~(t | f)
    return pd.Series(pd.arrays.BooleanArray(t, ~(t | f))), [_fail(bad, "bool")]


def _dates(col: pa.ChunkedArray) -> tuple[pd.Series, Fails]:
    strict = _try_cast(pc.cast(col, pa.string()), pa.date32())  # only YYYY-MM-DD of real days passes
    # Arrow accepts year 0, which no calendar tool (nor Python's date) can represent: slow path then.
    if strict is not None and (strict.null_count == len(strict) or pc.min(pc.year(strict)).as_py() >= 1):
        return pd.Series(pc.cast(strict, pa.timestamp("s")).to_pandas(), dtype="datetime64[s]"), []
    # Some cell is bad. Cells shaped like a date of days 1–28 in years 1000–9999 are real dates by
    # construction and take the strict cast; only the rest (days 29–31, odd shapes, the bad cells: about
    # a tenth of a typical column) go through the careful parse, which costs ten column passes.
    text = pc.cast(col, pa.string()).combine_chunks()
    plain = pc.fill_null(pc.match_substring_regex(text, _SAFE_DATE_RE), False)
    values = pc.cast(pc.cast(pc.if_else(plain, text, None), pa.date32()), pa.timestamp("s"))
    rest = np.flatnonzero(~_np(plain).astype(bool))
    parsed, exact = _parse_dates(text.take(rest))
    merged = _np(values).astype("datetime64[s]")
    merged[rest] = _np(parsed).astype("datetime64[s]")
    bad = np.zeros(len(text), dtype=bool)
    bad[rest] = _np(pc.is_valid(text.take(rest))).astype(bool) & ~_np(exact).astype(bool)
    return pd.Series(merged, dtype="datetime64[s]"), [_fail(bad, "date")]


def _parse_dates(text: pa.Array) -> tuple[pa.Array, pa.Array]:
    """Careful parse of date text: trimmed, strictly YYYY-MM-DD, a real day of a year ≥ 1.

    Returns the timestamps (null where invalid) and whether each cell is a valid date."""
    trimmed = pc.utf8_trim_whitespace(text)
    shaped = pc.if_else(pc.fill_null(pc.match_substring_regex(trimmed, _DATE_RE), False), trimmed, None)
    parsed = pc.strptime(shaped, format="%Y-%m-%d", unit="s", error_is_null=True)
    # strptime rolls 2026-02-30 over to March 2: a date is valid only if its day is the day written.
    written_day = pc.cast(pc.utf8_slice_codeunits(shaped, 8, 10), pa.int64())
    exact = pc.fill_null(pc.and_(pc.equal(pc.day(parsed), written_day), pc.greater_equal(pc.year(parsed), 1)),
                         False)
    return pc.if_else(exact, parsed, None), exact


def _offset_minutes(off: pa.ChunkedArray) -> np.ndarray:
    """"Z", "+01:00", "-0530", "+01" → signed minutes east of UTC; NaN where the cell had no offset."""
    off = pc.if_else(pc.equal(off, "Z"), "+00:00", off)
    has = _mask(pc.greater(pc.utf8_length(off), 0))
    digits = pc.replace_substring(pc.utf8_slice_codeunits(off, 1, 6), ":", "")
    hours = _np(pc.cast(pc.if_else(has, pc.utf8_slice_codeunits(digits, 0, 2), None), pa.float64()))
    mins = _np(pc.cast(pc.if_else(pc.greater(pc.utf8_length(digits), 2), pc.utf8_slice_codeunits(digits, 2, 4),
                                  "0"), pa.float64()))
    sign = np.where(_mask(pc.starts_with(off, "-")), -1.0, 1.0)
    return np.where(has, sign * (hours * 60 + mins), np.nan)


def _timestamps(col: pa.ChunkedArray) -> tuple[pd.Series, pd.Series, Fails]:
    """ISO 8601 text → the wall-clock time as written (datetime64[s]) and the UTC instant
    (datetime64[ns, UTC], NaT where the cell has no offset)."""
    text = pc.utf8_trim_whitespace(pc.cast(col, pa.string()))
    naive = _naive_timestamps(text)
    return naive if naive is not None else _zoned_timestamps(text)


def _naive_timestamps(text: pa.ChunkedArray) -> tuple[pd.Series, pd.Series, Fails] | None:
    """The common case, a column without any offset (a profile's 8,760 hours): one match and one cast,
    the same cast `_zoned_timestamps` runs on the wall-clock part. None when a cell has an offset or is
    not a real time: then the general path reads the column."""
    written = pc.match_substring_regex(text, _TS_WALL)
    if not pc.all(pc.fill_null(written, True)).as_py():
        return None
    fast = _try_cast(text, pa.timestamp("ns"))
    if fast is None:  # a cell names a day or time that does not exist (02-30, 25:00): null it, cast the rest
        fast = _try_cast(pc.if_else(_possible_walls(text), text, None), pa.timestamp("ns"))
        if fast is None:
            return None
    wall = pd.Series(fast.to_pandas(), dtype="datetime64[ns]")
    utc = pd.Series(pd.NaT, index=wall.index, dtype=UTC_DTYPE)  # no cell has an offset
    bad = _np(pc.is_valid(text)).astype(bool) & wall.isna().to_numpy()
    return wall.dt.floor("s").astype("datetime64[s]"), utc, [_fail(bad, "timestamp")]


def _possible_walls(text: pa.ChunkedArray) -> np.ndarray:
    """Whether each wall-clock text shaped as _TS_WALL names a real day (month 1–12, day within its
    month, leap years counted) and a real clock time (hour < 24, minute and second < 60): field by field
    at their fixed places, so a column with one impossible cell needs no per-cell parse."""
    full = pc.utf8_rpad(pc.fill_null(text, "0001-01-01"), 19, "0")  # absent time fields read as 00

    def field(start: int, stop: int) -> np.ndarray:
        return _np(pc.cast(pc.utf8_slice_codeunits(full, start, stop), pa.int32()))

    year, month, day = field(0, 4), field(5, 7), field(8, 10)
    hour, minute, second = field(11, 13), field(14, 16), field(17, 19)
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    last = _DAYS_IN_MONTH[np.clip(month, 1, 12) - 1] + (leap & (month == 2))
    return (month >= 1) & (month <= 12) & (day >= 1) & (day <= last) & (hour < 24) & (minute < 60) & (second < 60)


def _zoned_timestamps(text: pa.ChunkedArray) -> tuple[pd.Series, pd.Series, Fails]:
    """Any column of ISO 8601 text, offsets and impossible times included."""
    parts = pc.extract_regex(text, _TS_PARTS)
    wall_text = pc.struct_field(parts, "wall")
    fast = _try_cast(wall_text, pa.timestamp("ns"))
    if fast is not None:
        wall = pd.Series(fast.to_pandas(), dtype="datetime64[ns]")
    else:  # some cell is not a real time (2026-02-30T10:00): pandas parses the rest, that one is NaT
        wall = pd.to_datetime(pd.Series(_np(wall_text), dtype="str"), format="ISO8601", errors="coerce")
    minutes = _offset_minutes(pc.struct_field(parts, "off"))
    bad_offset = np.abs(np.nan_to_num(minutes)) >= _MAX_OFFSET_MINUTES
    wall = wall.where(~bad_offset)
    shift = pd.to_timedelta(np.where(np.isnan(minutes), 0, minutes), unit="min")
    utc = (wall - shift).where(~np.isnan(minutes)).dt.tz_localize("UTC").astype(UTC_DTYPE)
    bad = _np(pc.is_valid(text)).astype(bool) & wall.isna().to_numpy()
    return wall.dt.floor("s").astype("datetime64[s]"), utc.reset_index(drop=True), [_fail(bad, "timestamp")]


def _native_timestamps(col: pa.ChunkedArray) -> tuple[pd.Series, pd.Series]:
    """A Parquet date/timestamp column: the wall clock (local time of a zoned column) and the instant."""
    n = len(col)
    if pa.types.is_date(col.type):
        col = pc.cast(col, pa.timestamp("s"))
    utc = pd.Series(pd.array([pd.NaT] * n, dtype=UTC_DTYPE))
    if col.type.tz is not None:
        utc = pd.Series(pc.cast(col, pa.timestamp("ns", tz="UTC")).to_pandas()).astype(UTC_DTYPE)
        col = pc.local_timestamp(col)
    wall = pd.Series(col.to_pandas()).dt.floor("s").astype("datetime64[s]")
    return wall, utc.reset_index(drop=True)


def _typed(col: pa.ChunkedArray, kind: str) -> tuple[pd.Series, Fails]:
    """Parquet column of a native type → the kind's dtype; raise ColumnTypeError when incompatible."""
    t = col.type
    numeric = pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t)
    if kind == "float" and numeric:
        return _native_numbers(col)
    if kind == "int" and numeric:
        return _whole(*_native_numbers(col))
    if kind == "bool" and pa.types.is_boolean(t):
        return pd.Series(col.to_pandas(types_mapper={pa.bool_(): pd.BooleanDtype()}.get), dtype="boolean"), []
    if kind == "bool" and pa.types.is_integer(t):
        return _bools(col)
    if kind == "date" and (pa.types.is_date(t) or pa.types.is_timestamp(t)):
        values, _ = _native_timestamps(col)
        timed = values.notna().to_numpy() & (values != values.dt.normalize()).to_numpy()
        return values.where(~timed), [_fail(timed, "date")]
    if kind in ("string", "enum") and pa.types.is_integer(t):
        return _strings(col), []  # numeric ids written by a dataframe library are still ids
    raise ColumnTypeError(str(t))


_PARSERS = {"float": _numbers, "int": lambda s: _whole(*_numbers(s)), "bool": _bools, "date": _dates}
KIND_NOUN = {"string": "text", "enum": "text", "float": "numbers", "int": "whole numbers",
             "bool": "booleans", "date": "dates", "timestamp": "timestamps"}
EMPTY_DTYPE = {"string": "str", "enum": "str", "float": "float64", "int": "Int64", "bool": "boolean",
               "date": "datetime64[s]", "timestamp": "datetime64[s]"}


def _column(col: pa.ChunkedArray, kind: str) -> tuple[pd.Series, pd.Series | None, Fails]:
    """One column in its kind's dtype, the UTC instants of a timestamp column, and the failing cells."""
    if kind == "timestamp":
        if _is_stringish(col.type):
            return _timestamps(col)
        if pa.types.is_date(col.type) or pa.types.is_timestamp(col.type):
            return (*_native_timestamps(col), [])
        raise ColumnTypeError(str(col.type))
    if _is_stringish(col.type):
        values, fails = _PARSERS[kind](col) if kind in _PARSERS else (_strings(col), [])
    else:
        values, fails = _typed(col, kind)
    return values, None, fails


def parse_table(raw: RawTable) -> Parsed:
    """Convert a raw table's model columns; extra columns are dropped, missing optional ones are null."""
    assert raw.data is not None
    data = raw.data
    n = data.num_rows
    names = data.column_names
    columns: dict[str, pd.Series] = {}
    failures: list[tuple[str, np.ndarray, np.ndarray]] = []
    problems: list[Problem] = []
    for spec in column_specs(raw.table):
        utc = None
        if spec.name not in names:
            values = pd.Series(pd.array([None] * n, dtype=EMPTY_DTYPE[spec.kind]))
        else:
            col = data.column(names.index(spec.name))  # the first of repeated names (reported elsewhere)
            try:
                values, utc, fails = _column(col, spec.kind)
                failures.extend((spec.name, pos, codes) for pos, codes in fails if len(pos))
            except ColumnTypeError as exc:
                problems.append(Problem(raw.file, f"column {spec.name} in {raw.file} holds {exc} values, but it "
                                        f"must hold {KIND_NOUN[spec.kind]} ({spec.value_text()}); write it with "
                                        "that type (or as text)", spec.name, fatal=spec.required))
                values = pd.Series(pd.array([None] * n, dtype=EMPTY_DTYPE[spec.kind]))
        columns[spec.name] = values.reset_index(drop=True)
        if spec.kind == "timestamp":
            columns[spec.name + UTC_SUFFIX] = utc if utc is not None else pd.Series(
                pd.array([pd.NaT] * n, dtype=UTC_DTYPE))
    frame = pd.DataFrame(columns, index=pd.RangeIndex(n))
    frame["_row"] = np.arange(1, n + 1, dtype=np.int64)
    lines = raw.lines if raw.lines is not None else np.zeros(n, dtype=np.int64)
    frame["_line"] = pd.arrays.IntegerArray(lines.astype(np.int64), np.full(n, raw.lines is None))
    return Parsed(frame=frame, failures=failures, problems=problems)


def cell_text(raw: RawTable, column: str, positions: np.ndarray) -> pd.Series:
    """The cells as written (CSV) or as stored (Parquet), as strings, for quoting in messages
    (null for a column the file does not have)."""
    assert raw.data is not None
    names = raw.data.column_names
    if column not in names:
        return pd.Series(pd.array([None] * len(positions), dtype="str"))
    col = raw.data.column(names.index(column)).take(pa.array(positions, type=pa.int64()))
    try:
        return arrow_strings(col.combine_chunks())
    except (pa.ArrowException, ValueError):
        return pd.Series([str(v) for v in col.to_pylist()], dtype="str")  # exotic types: a few cells at most
