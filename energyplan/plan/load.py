"""Find a plan's table files and read them with pyarrow into raw tables with record line numbers."""

from __future__ import annotations

import contextlib
import csv
import difflib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from energyplan.model import REQUIRED_TABLES, TABLES
from energyplan.plan.lines import layout
from energyplan.plan.schemas import column_specs, input_columns

_MIB = 1 << 20
MAX_HEADER_BYTES = _MIB  # no real header is this long; a longer first line is not a CSV table
MAX_RECORD_BYTES = 64 * _MIB  # a record beyond this is not plan data; refuse it rather than crawl
_DELIMITERS = {";": "semicolon", "\t": "tab", "|": "pipe"}
_BOM = b"\xef\xbb\xbf"
_TEXT_BYTE = re.compile(rb"[^\r\n]")


class FileProblem(Exception):
    """A whole file cannot be read as its table; the message says what is wrong and how to fix it."""


@dataclass
class Problem:
    """A whole-file or column-level EP000 finding (no row)."""

    file: str
    message: str
    column: str | None = None
    fatal: bool = True  # the table cannot be used (whole-file failure, required column missing)


@dataclass
class RawTable:
    """One table as read: an Arrow table (all strings for CSV) plus the line each record starts on."""

    table: str
    file: str  # the file name inside the plan folder (the CSV name when the table is missing)
    path: Path | None = None
    fmt: str | None = None  # "csv", "parquet", or None when absent or unreadable
    data: pa.Table | None = None
    lines: np.ndarray | None = None  # int64 per record for CSV; None for Parquet
    problems: list[Problem] = field(default_factory=list)  # whole-file failures: the table did not load
    paths: list[Path] = field(default_factory=list)  # every file found for the table (digest input)

    @property
    def present(self) -> bool:
        return bool(self.paths)


def _size_text(n: int) -> str:
    return f"{n / _MIB:.1f} MB" if n >= _MIB else f"{n:,} bytes"


def _header_names(text: str, delimiter: str = ",") -> list[str]:
    try:
        return next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), [])
    except csv.Error:  # a stray quote or line break in the header: a plain split is good enough here
        return text.split(delimiter)


def _normalize(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


def _check_delimiter(file: str, table: str, header: str) -> None:
    """A header that is not comma-separated is one file-level problem naming the delimiter it uses."""
    known = set(input_columns(table))

    def score(names: list[str]) -> tuple[int, int]:
        return (sum(_normalize(n) in known for n in names), len(names))

    comma = score(_header_names(header))
    best = None
    for delim, label in _DELIMITERS.items():
        if delim not in header:
            continue
        alt = score(_header_names(header, delim))
        if alt > comma and alt[1] > 1 and (best is None or alt > best[0]):
            best = (alt, label, delim)
    if best is not None and (comma[1] == 1 or best[0][0] > comma[0]):
        shown = "\\t" if best[2] == "\t" else best[2]
        raise FileProblem(
            f"{file} looks {best[1]}-delimited (its header is split by \"{shown}\"); save it as comma-separated "
            f"CSV (in Excel: CSV UTF-8), with a header such as {','.join(input_columns(table)[:3])},…"
        )


def _decode_error(file: str, data: bytes, exc: UnicodeDecodeError) -> FileProblem:
    line = data.count(b"\n", 0, exc.start) + 1
    bad = data[exc.start:exc.start + 1].hex().upper()
    return FileProblem(
        f"{file} is not UTF-8 text (byte 0x{bad} on line {line} cannot be decoded); save it as UTF-8 "
        "(in Excel: \"CSV UTF-8\"; elsewhere: re-encode from Latin-1/Windows-1252 to UTF-8)"
    )


def _sniff_binary(file: str, data: bytes) -> None:
    head = data[:8192]
    if head.startswith(b"PAR1"):
        raise FileProblem(f"{file} is a Parquet file, not CSV; rename it to {Path(file).stem}.parquet")
    if head.startswith(b"PK\x03\x04"):
        raise FileProblem(f"{file} is a ZIP archive (an Excel workbook?), not CSV; export the sheet as CSV UTF-8")
    if b"\x00" in head:
        raise FileProblem(f"{file} is a binary file, not CSV text; export the table as comma-separated CSV UTF-8")


def _row_of_parse_error(data: bytes, options: dict) -> int | None:
    """pyarrow names the failing record only when it reads on one thread; ask it again that way."""
    seen: list[int | None] = []

    def handler(row: pacsv.InvalidRow) -> str:
        seen.append(row.number)
        return "error"

    with contextlib.suppress(pa.ArrowException, ValueError):
        pacsv.read_csv(
            io.BytesIO(data),
            read_options=pacsv.ReadOptions(use_threads=False, block_size=options["block_size"]),
            parse_options=pacsv.ParseOptions(newlines_in_values=True, invalid_row_handler=handler),
            convert_options=options["convert"],
        )
    return seen[0] if seen else None


def read_csv(path: Path, table: str) -> tuple[pa.Table, np.ndarray | None]:
    """Every column as strings (only an empty cell is null) and each record's physical line."""
    file = path.name
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise FileProblem(f"{file} cannot be read ({exc.strerror or exc}); check its permissions") from None
    if not data:
        raise FileProblem(f"{file} is empty (0 bytes); it needs at least the header row: "
                          f"{','.join(input_columns(table))}")
    _sniff_binary(file, data)
    if not _TEXT_BYTE.search(data, len(_BOM) if data.startswith(_BOM) else 0):  # (no copy of the data)
        raise FileProblem(f"{file} holds no header row (only blank lines or a byte-order mark); it needs at "
                          f"least the header row: {','.join(input_columns(table))}")
    if b"\r" in data and data.count(b"\r") != data.count(b"\r\n"):
        # Old Mac line ends (a lone CR): pyarrow reads them as line breaks, and so do editors.
        data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    if not data.endswith(b"\n"):
        data += b"\n"  # pyarrow cannot infer the columns of a header with no line end
    rec = layout(data)
    if rec.header_end > MAX_HEADER_BYTES:
        raise FileProblem(f"{file}: its first line is {_size_text(rec.header_end)} long, which is not a CSV "
                          "header; the file needs one line per record, starting with a header of column names")
    if rec.longest > MAX_RECORD_BYTES:
        raise FileProblem(f"{file} holds a record of {_size_text(rec.longest)}; records this long are not plan "
                          "data (a missing line break or an unclosed quote?)")
    try:
        header = data[:rec.header_end].decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _decode_error(file, data, exc) from None
    _check_delimiter(file, table, header)
    names = _header_names(header)
    convert = pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string()), null_values=[""],
                                   strings_can_be_null=True, quoted_strings_can_be_null=True)
    # pyarrow needs a whole record inside one block: size blocks to the longest record.
    block_size = max(_MIB, 1 << int(rec.longest * 2).bit_length())
    try:
        # A BufferReader hands pyarrow's reader threads the bytes without going through Python file
        # calls; without any quote no value can span lines, and pyarrow's quote-aware chunking (a
        # third of the read time) is not needed.
        result = pacsv.read_csv(
            pa.BufferReader(pa.py_buffer(data)),
            read_options=pacsv.ReadOptions(block_size=block_size),
            parse_options=pacsv.ParseOptions(newlines_in_values=rec.quoted),
            convert_options=convert,
        )
    except (pa.ArrowException, ValueError) as exc:
        # pyarrow validates UTF-8 as it reads, but may report a field-count error first; bad bytes are
        # the more useful finding, and the re-read below must not meet them (its row handler would
        # fail to decode the row inside pyarrow, where nothing can catch it).
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as dec:
            raise _decode_error(file, data, dec) from None
        text = re.sub(r"^CSV parse error:\s*", "", str(exc)).split("\n")[0][:200]
        number = _row_of_parse_error(data, {"block_size": block_size, "convert": convert})
        where = ""
        if number is not None and 2 <= number <= len(rec.lines) + 1:
            where = f" on line {int(rec.lines[number - 2])}"
        elif number == 1:
            where = " on line 1"
        raise FileProblem(f"{file} cannot be parsed as CSV{where}: {text}; every record needs one value per "
                          "header column (quote values that contain commas or line breaks)") from None
    lines = rec.lines if len(rec.lines) == result.num_rows else None
    return result, lines


def read_parquet(path: Path) -> pa.Table:
    """A Parquet table as stored; column types are checked by the parser, not here."""
    try:
        return pq.read_table(path)
    except (pa.ArrowException, OSError, ValueError) as exc:
        reason = str(exc).split("\n")[0][:200]
        raise FileProblem(f"{path.name} is not a readable Parquet file ({reason}); write it again with "
                          "pyarrow or pandas (DataFrame.to_parquet), or supply the table as CSV") from None


def find_table(plan_dir: Path, table: str) -> RawTable:
    """Locate and read one table; a missing, ambiguous or unreadable file becomes a file problem."""
    csv_path, pq_path = plan_dir / f"{table}.csv", plan_dir / f"{table}.parquet"
    found = [p for p in (csv_path, pq_path) if p.is_file()]
    raw = RawTable(table=table, file=csv_path.name, paths=found)
    if len(found) == 2:
        raw.problems.append(Problem(csv_path.name, f"both {csv_path.name} and {pq_path.name} exist, so the "
                                    f"{table} table is ambiguous; keep one of them and remove the other"))
        return raw
    if not found:
        if table in REQUIRED_TABLES:
            raw.problems.append(Problem(csv_path.name, f"{csv_path.name} is missing: the {table} table is "
                                        f"required; add it (it may hold only the header: "
                                        f"{','.join(input_columns(table))}), or a {pq_path.name}"))
        return raw
    path = found[0]
    raw.path, raw.file = path, path.name
    try:
        if path.suffix == ".csv":
            raw.data, raw.lines = read_csv(path, table)
            raw.fmt = "csv"
        else:
            raw.data, raw.fmt = read_parquet(path), "parquet"
    except FileProblem as exc:
        raw.problems.append(Problem(path.name, str(exc)))
        return raw
    raw.problems.extend(header_problems(raw))
    return raw


def header_problems(raw: RawTable) -> list[Problem]:
    """Missing required columns (with a "did you mean"), near-miss names and repeated names."""
    assert raw.data is not None
    names = raw.data.column_names
    specs = column_specs(raw.table)
    model = {s.name for s in specs}
    extras = {_normalize(n): n for n in reversed(names) if n not in model}
    problems = []
    for spec in specs:
        count = names.count(spec.name)
        if count > 1:
            problems.append(Problem(raw.file, f"column {spec.name} appears {count} times in the header of "
                                    f"{raw.file}; keep one", spec.name, fatal=spec.required))
        if count:
            continue
        near = extras.get(spec.name)
        if near is None and spec.required:
            close = difflib.get_close_matches(spec.name, list(extras), n=1, cutoff=0.8)
            near = extras[close[0]] if close else None
        hint = f" (did you mean \"{near}\"? rename it to {spec.name})" if near else ""
        if spec.required:
            problems.append(Problem(raw.file, f"required column {spec.name} is missing from {raw.file}{hint}; "
                                    f"add it: {spec.value_text()}", spec.name))
        elif near:
            problems.append(Problem(raw.file, f"column \"{near}\" in {raw.file} is a near miss of the optional "
                                    f"column {spec.name} and is ignored as written; rename it to {spec.name}",
                                    spec.name, fatal=False))
    return problems


def fatal(raw: RawTable) -> bool:
    """Whether the table cannot be used at all: the file failed, or a required column is missing/repeated."""
    return any(p.fatal for p in raw.problems)


def load_tables(plan_dir: Path) -> dict[str, RawTable]:
    """Every table of model.TABLES, read or with the problems that kept it from being read."""
    return {table: find_table(plan_dir, table) for table in TABLES}


# ---- cells → typed pandas (validation dtypes: str, float64, Int64, boolean, datetime64[s]) ------------

_TRUE, _FALSE = ("true", "yes", "1"), ("false", "no", "0")
_NAN_WORDS = ("nan", "+nan", "-nan")
_DATE_RE = r"^\d{4}-\d{2}-\d{2}$"
_SAFE_DATE_RE = r"^[1-9]\d{3}-(0[1-9]|1[0-2])-(0[1-9]|1\d|2[0-8])$"  # always a real day
_NUMBER_RE = r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$"
_TS_RE = r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?"
_TS_OFFSET = r"^(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(?:Z|[+-]\d{2}(?::?\d{2})?)$"
_MAX_EXACT_INT = 2.0**53


@dataclass
class Parsed:
    """A table converted to typed pandas, with the cells that did not parse (already null)."""

    frame: pd.DataFrame  # model columns in validation dtypes + _row, _line; RangeIndex = record position
    failures: list[tuple[str, np.ndarray, np.ndarray]]  # (column, positions, problem code per position)
    problems: list[Problem]  # column-level: a Parquet column of an incompatible type


class ColumnTypeError(Exception):
    """A Parquet column whose type cannot hold the model's kind."""


def _is_stringish(t: pa.DataType) -> bool:
    if pa.types.is_dictionary(t):
        return _is_stringish(t.value_type)
    return pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t) or pa.types.is_null(t)


def _strings(col: pa.ChunkedArray) -> pd.Series:
    # One chunk, not one per CSV block: taking rows of a frame of many-chunked string columns (the
    # clean frame, rule hits) is about three times slower.
    return pd.Series(pc.cast(col, pa.string()).combine_chunks().to_pandas(), dtype="str")


def _fail(bad: np.ndarray, code: str | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    pos = np.flatnonzero(bad)
    codes = np.full(len(pos), code, dtype=object) if isinstance(code, str) else np.asarray(code, dtype=object)
    return pos, codes


def _np(arr: pa.ChunkedArray | pa.Array) -> np.ndarray:
    return arr.to_numpy(zero_copy_only=False) if isinstance(arr, pa.Array) else arr.to_numpy()


def _try_cast(col: pa.ChunkedArray, to: pa.DataType) -> pa.ChunkedArray | None:
    """Arrow's strict cast of a whole column: the fast path when every cell is well formed."""
    try:
        return pc.cast(col, to)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None


def _numbers(col: pa.ChunkedArray) -> tuple[pd.Series, list]:
    strings = pc.cast(col, pa.string())
    present = _np(pc.is_valid(col)).astype(bool)
    whole = _try_cast(strings, pa.float64())
    if whole is not None:
        values = _np(whole).astype("float64", copy=True)
    else:
        trimmed = pc.utf8_trim_whitespace(strings)
        # Plain decimal literals go through Arrow's cast; anything else is left to
        # pd.to_numeric(errors="coerce"), so the two agree on what a number is.
        fast = _np(pc.fill_null(pc.match_substring_regex(trimmed, _NUMBER_RE), False)).astype(bool)
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


def _finite(num: pd.Series) -> tuple[pd.Series, list]:
    bad = num.notna().to_numpy() & ~np.isfinite(num.to_numpy())
    return num.where(~bad), [_fail(bad, "nonfinite")]


def _whole(num: pd.Series, fails: list) -> tuple[pd.Series, list]:
    v = num.to_numpy()
    ok = np.isfinite(v)
    fractional = ok & (np.mod(v, 1, where=ok, out=np.zeros_like(v)) != 0)
    too_large = ok & ~fractional & (np.abs(v, where=ok, out=np.zeros_like(v)) > _MAX_EXACT_INT)
    keep = ok & ~fractional & ~too_large
    ints = pd.arrays.IntegerArray(np.where(keep, v, 0).astype(np.int64), ~keep)
    return pd.Series(ints), [*fails, _fail(fractional, "whole"), _fail(too_large, "too_large")]


def _bools(col: pa.ChunkedArray) -> tuple[pd.Series, list]:
    # In Arrow (what pandas' str.strip/str.lower call) without building a pandas string column.
    strings = pc.cast(col, pa.string())
    low = pc.utf8_lower(pc.utf8_trim_whitespace(strings))
    t, f = (_np(pc.fill_null(pc.is_in(low, value_set=pa.array(words)), False)).astype(bool)
            for words in (_TRUE, _FALSE))
    bad = _np(pc.is_valid(strings)).astype(bool) & ~(t | f)
    return pd.Series(pd.arrays.BooleanArray(t, ~(t | f))), [_fail(bad, "bool")]


def _dates(col: pa.ChunkedArray) -> tuple[pd.Series, list]:
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


def _timestamps(col: pa.ChunkedArray) -> tuple[pd.Series, list]:
    s = _strings(col)
    st = s.str.strip()
    shaped = st.where(st.str.fullmatch(_TS_RE).fillna(False).astype(bool))
    wall = shaped.str.replace(_TS_OFFSET, r"\1", regex=True)  # the offset is dropped, wall-clock time kept
    values = pd.to_datetime(wall, format="ISO8601", errors="coerce").dt.floor("s").astype("datetime64[s]")
    bad = s.notna().to_numpy() & values.isna().to_numpy()
    return values, [_fail(bad, "timestamp")]


def _wall_clock(col: pa.ChunkedArray) -> pd.Series:
    if pa.types.is_timestamp(col.type) and col.type.tz is not None:
        col = pc.local_timestamp(col)
    values = pd.Series(col.to_pandas())
    return values.dt.floor("s").astype("datetime64[s]")


def _typed(col: pa.ChunkedArray, kind: str) -> tuple[pd.Series, list]:
    """Parquet column of a native type → the kind's dtype; raise ColumnTypeError when incompatible."""
    t = col.type
    numeric = pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t)
    if kind == "float" and numeric:
        return _finite(pd.Series(pc.cast(col, pa.float64()).to_pandas(), dtype="float64"))
    if kind == "int" and numeric:
        num, fails = _finite(pd.Series(pc.cast(col, pa.float64()).to_pandas(), dtype="float64"))
        return _whole(num, fails)
    if kind == "bool" and pa.types.is_boolean(t):
        return pd.Series(col.to_pandas(types_mapper={pa.bool_(): pd.BooleanDtype()}.get), dtype="boolean"), []
    if kind == "bool" and pa.types.is_integer(t):
        return _bools(col)
    if kind == "date" and (pa.types.is_date(t) or pa.types.is_timestamp(t)):
        values = _wall_clock(pc.cast(col, pa.timestamp("s")) if pa.types.is_date(t) else col)
        timed = values.notna().to_numpy() & (values != values.dt.normalize()).to_numpy()
        return values.where(~timed), [_fail(timed, "date")]
    if kind == "timestamp" and (pa.types.is_date(t) or pa.types.is_timestamp(t)):
        return _wall_clock(pc.cast(col, pa.timestamp("s")) if pa.types.is_date(t) else col), []
    if kind in ("string", "enum") and pa.types.is_integer(t):
        return _strings(col), []  # numeric ids written by a dataframe library are still ids
    raise ColumnTypeError(str(t))


_PARSERS = {"float": _numbers, "int": lambda s: _whole(*_numbers(s)), "bool": _bools, "date": _dates,
            "timestamp": _timestamps}
_KIND_NOUN = {"string": "text", "enum": "text", "float": "numbers", "int": "whole numbers",
              "bool": "booleans", "date": "dates", "timestamp": "timestamps"}
_EMPTY = {"string": "str", "enum": "str", "float": "float64", "int": "Int64", "bool": "boolean",
          "date": "datetime64[s]", "timestamp": "datetime64[s]"}


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
        if spec.name not in names:
            columns[spec.name] = pd.Series(pd.array([None] * n, dtype=_EMPTY[spec.kind]))
            continue
        col = data.column(names.index(spec.name))  # the first of repeated names (reported elsewhere)
        try:
            if _is_stringish(col.type):
                values, fails = _PARSERS[spec.kind](col) if spec.kind in _PARSERS else (_strings(col), [])
            else:
                values, fails = _typed(col, spec.kind)
        except ColumnTypeError as exc:
            problems.append(Problem(raw.file, f"column {spec.name} in {raw.file} holds {exc} values, but it must "
                                    f"hold {_KIND_NOUN[spec.kind]} ({spec.value_text()}); write it with that type "
                                    "(or as text)", spec.name, fatal=spec.required))
            columns[spec.name] = pd.Series(pd.array([None] * n, dtype=_EMPTY[spec.kind]))
            continue
        columns[spec.name] = values.reset_index(drop=True)
        failures.extend((spec.name, pos, codes) for pos, codes in fails if len(pos))
    frame = pd.DataFrame(columns, index=pd.RangeIndex(n))
    frame["_row"] = np.arange(1, n + 1, dtype=np.int64)
    lines = raw.lines if raw.lines is not None else np.zeros(n, dtype=np.int64)
    frame["_line"] = pd.arrays.IntegerArray(lines.astype(np.int64), np.full(n, raw.lines is None))
    return Parsed(frame=frame, failures=failures, problems=problems)


def cell_text(raw: RawTable, column: str, positions: np.ndarray) -> pd.Series:
    """The cells as written (CSV) or as stored (Parquet), as strings, for quoting in messages."""
    assert raw.data is not None
    names = raw.data.column_names
    col = raw.data.column(names.index(column)).take(pa.array(positions, type=pa.int64()))
    try:
        return pd.Series(pc.cast(col, pa.string()).to_pandas(), dtype="str")
    except (pa.ArrowException, ValueError):
        return pd.Series([str(v) for v in col.to_pylist()], dtype="str")  # exotic types: a few cells at most
