"""Find a plan's table files and read their bytes (regular files only, size-capped) into Arrow tables."""

from __future__ import annotations

import contextlib
import csv
import errno
import io
import mmap
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from energyplan.model import REQUIRED_TABLES
from energyplan.plan import read_ahead
from energyplan.plan.lines import CR, NL, QUOTE, Buffer, count_bytes, layout, line_ends_in_cells, line_of, lone_cr
from energyplan.plan.workbook import table_paths

_MIB = 1 << 20
MAX_FILE_BYTES = 4 << 30  # 4 GiB: ~25M rows of CSV; a real plan never comes near, /dev/zero does
MAX_HEADER_BYTES = _MIB  # no real header is this long; a longer first line is not a CSV table
MAX_RECORD_BYTES = 64 * _MIB  # a record beyond this is not plan data; refuse it rather than crawl
MAP_MIN_BYTES = _MIB  # a table file this large is memory-mapped rather than copied into Python bytes
_DELIMITERS = {";": "semicolon", "\t": "tab", "|": "pipe"}
_BOM = b"\xef\xbb\xbf"
_TEXT_BYTE = re.compile(rb"[^\r\n]")
_SNIFF = 8192
_KINDS = ((stat.S_ISDIR, "is a directory"), (stat.S_ISFIFO, "is not a regular file (FIFO)"),
          (stat.S_ISCHR, "is not a regular file (character device)"),
          (stat.S_ISBLK, "is not a regular file (block device)"), (stat.S_ISSOCK, "is not a regular file (socket)"))


class FileProblem(Exception):
    """A whole file cannot be read as its table; the message says what is wrong and how to fix it."""


@dataclass
class Problem:
    """A whole-file or column-level finding (no row); `rule` is the builtin check it belongs to."""

    file: str
    message: str
    column: str | None = None
    fatal: bool = True  # the table cannot be used (whole-file failure, required column missing)
    rule: str = "schema"


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


def size_text(n: int) -> str:
    """A byte count for a message: "3.2 MB" or "512 bytes"."""
    return f"{n / _MIB:.1f} MB" if n >= _MIB else f"{n:,} bytes"


def header_names(text: str, delimiter: str = ",") -> list[str]:
    """The names of a CSV header line."""
    try:
        return next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), [])
    except csv.Error:  # a stray quote or line break in the header: a plain split is good enough here
        return text.split(delimiter)


def normalize(name: str) -> str:
    """A column or file name as a near-miss comparison sees it (case, spaces and hyphens ignored)."""
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


def input_columns(table: str) -> list[str]:
    """The table's input columns, from its model (imported here: reading a file needs no pandas, so
    a read can start while the main thread is still importing it; see read_ahead)."""
    from energyplan.plan.schemas import input_columns as columns

    return columns(table)


def _check_delimiter(file: str, table: str, header: str) -> None:
    """A header that is not comma-separated is one file-level problem naming the delimiter it uses."""
    if not any(delim in header for delim in _DELIMITERS):
        return  # nothing else could split it
    known = set(input_columns(table))

    def score(names: list[str]) -> tuple[int, int]:
        return (sum(normalize(n) in known for n in names), len(names))

    comma = score(header_names(header))
    best = None
    for delim, label in _DELIMITERS.items():
        if delim not in header:
            continue
        alt = score(header_names(header, delim))
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


def _sniff_binary(file: str, data: Buffer) -> None:
    head = data[:_SNIFF]
    if head.startswith(b"PAR1"):
        raise FileProblem(f"{file} is a Parquet file, not CSV; rename it to {Path(file).stem}.parquet")
    if head.startswith(b"PK\x03\x04"):
        raise FileProblem(f"{file} is a ZIP archive (an Excel workbook?), not CSV; export the sheet as CSV UTF-8")
    if b"\x00" in head:
        raise FileProblem(f"{file} is a binary file, not CSV text; export the table as comma-separated CSV UTF-8")
    nul = data.find(b"\x00", _SNIFF)
    if nul >= 0:  # text with a NUL further on: never let it reach a cell (or an id)
        raise FileProblem(f"{file} holds a NUL byte (0x00) on line {line_of(data, nul)}, which is not text; "
                          "remove it (the file was probably damaged or concatenated with a binary file)")


def _open_regular(path: Path) -> int:
    """A read-only descriptor of a regular file: never a directory, FIFO or device (no hang)."""
    file = path.name
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer; fstat then says what was opened.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        if exc.errno == errno.EISDIR:
            raise FileProblem(f"{file} is a directory, not a table file; a plan table is a file") from None
        raise FileProblem(f"{file} cannot be read ({exc.strerror or exc}); check its permissions") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        what = next((text for test, text in _KINDS if test(mode)), "is not a regular file")
        raise FileProblem(f"{file} {what}; a plan table must be a regular file")
    return fd


def _too_large(file: str) -> FileProblem:
    return FileProblem(f"{file} is larger than {size_text(MAX_FILE_BYTES)}, the most energyplan reads from one "
                       "table file; no real plan is this large")


def read_bytes(path: Path) -> bytes:
    """A regular file's bytes, at most MAX_FILE_BYTES: never a directory, FIFO or device (no hang)."""
    file = path.name
    fd = _open_regular(path)
    with os.fdopen(fd, "rb", buffering=0) as fh:
        chunks, total = [], 0
        while True:  # read to the end, whatever fstat said the size was, but never past the cap
            try:
                chunk = fh.read(min(64 * _MIB, MAX_FILE_BYTES + 1 - total))
            except OSError as exc:
                raise FileProblem(f"{file} cannot be read ({exc.strerror or exc})") from None
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > MAX_FILE_BYTES:
                raise _too_large(file)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def map_file(path: Path) -> Buffer:
    """A regular file's contents without a copy: a read-only memory map (its pages are the page cache
    that pyarrow's reader threads read too) for a file of MAP_MIN_BYTES or more, else its bytes. A file
    that reports no size (/proc) or cannot be mapped is read as bytes."""
    fd = _open_regular(path)
    try:
        size = os.fstat(fd).st_size
        if size > MAX_FILE_BYTES:
            raise _too_large(path.name)
        if size >= MAP_MIN_BYTES:
            with contextlib.suppress(OSError, ValueError):
                return mmap.mmap(fd, size, access=mmap.ACCESS_READ)
    finally:
        os.close(fd)
    return read_bytes(path)


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


def _string_columns(names: list[str]) -> pacsv.ConvertOptions:
    return pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string()), null_values=[""],
                                strings_can_be_null=True, quoted_strings_can_be_null=True)


def read_csv(path: Path, table: str) -> tuple[pa.Table, np.ndarray | None]:
    """Every column as strings (only an empty cell is null) and each record's physical line."""
    file = path.name
    data = map_file(path)
    if not len(data):
        raise FileProblem(f"{file} is empty (0 bytes); it needs at least the header row: "
                          f"{','.join(input_columns(table))}")
    _sniff_binary(file, data)
    if not _TEXT_BYTE.search(data, len(_BOM) if data[:3] == _BOM else 0):  # (no copy of the data)
        raise FileProblem(f"{file} holds no header row (only blank lines or a byte-order mark); it needs at "
                          f"least the header row: {','.join(input_columns(table))}")
    newlines, crs, quotes = count_bytes(data, (NL, CR, QUOTE))
    if crs and lone_cr(data):
        # Old Mac line ends (a lone CR): pyarrow reads them as line breaks, and so do editors.
        data = bytes(data).replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        newlines = count_bytes(data, (NL,))[0]
    if newlines:
        read = _read_one_line_records(file, table, data, newlines, quoted=quotes > 0)
        if read is not None:
            return read
    return _read_records(file, table, bytes(data))


def _read_one_line_records(file: str, table: str, data: Buffer, newlines: int, *,
                           quoted: bool) -> tuple[pa.Table, np.ndarray] | None:
    """The common file, on pyarrow's parallel path (newlines_in_values=False): one line per record,
    so record k is on line k + 2 without a scan for quotes. None when the file may be anything else
    (a value spanning lines, a blank line, an odd header, a record longer than a block, a cell that
    does not parse): then the careful read decides, and words its findings."""
    first = data.find(b"\n")
    head = bytes(data[:first])
    if first > MAX_HEADER_BYTES or not head.strip() or head.count(b'"') % 2:
        return None
    try:
        header = head.removesuffix(b"\r").decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    _check_delimiter(file, table, header)
    tail = bytes(data[-4096:])
    trailing = tail[len(tail.rstrip(b"\r\n")):].count(b"\n")  # line ends after the last record
    try:
        result = pacsv.read_csv(pa.BufferReader(pa.py_buffer(data)),
                                parse_options=pacsv.ParseOptions(newlines_in_values=False),
                                convert_options=_string_columns(header_names(header)))
    except (pa.ArrowException, ValueError):
        return None
    # Each line after the header is one record exactly when the counts agree (a blank line or a value
    # spanning lines makes fewer records) and no cell holds a line end (a value split at a block
    # boundary, which the fast path may read as two records, leaves one in its first half).
    if result.num_rows != newlines - trailing or (quoted and line_ends_in_cells(result)):
        return None
    return result, np.arange(2, result.num_rows + 2, dtype=np.int64)


def _read_records(file: str, table: str, data: bytes) -> tuple[pa.Table, np.ndarray | None]:
    """The careful read: records located by a scan of the bytes (quotes, blank lines), then pyarrow."""
    if not data.endswith(b"\n"):
        data += b"\n"  # pyarrow cannot infer the columns of a header with no line end
    rec = layout(data)
    if rec.header_end > MAX_HEADER_BYTES:
        raise FileProblem(f"{file}: its first line is {size_text(rec.header_end)} long, which is not a CSV "
                          "header; the file needs one line per record, starting with a header of column names")
    if rec.longest > MAX_RECORD_BYTES:
        raise FileProblem(f"{file} holds a record of {size_text(rec.longest)}; records this long are not plan "
                          "data (a missing line break or an unclosed quote?)")
    try:
        header = data[:rec.header_end].decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _decode_error(file, data, exc) from None
    _check_delimiter(file, table, header)
    convert = _string_columns(header_names(header))
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


def _plain_types(table: pa.Table) -> pa.Table:
    """View types (string_view, binary_view) as their plain counterparts: not every kernel (take) has them."""
    views = {pa.types.is_string_view: pa.string(), pa.types.is_binary_view: pa.binary()}
    for i, f in enumerate(table.schema):
        plain = next((t for test, t in views.items() if test(f.type)), None)
        if plain is not None:
            table = table.set_column(i, f.name, table.column(i).cast(plain))
    return table


def read_parquet(path: Path) -> pa.Table:
    """A Parquet table as stored (view types made plain); column types are checked by the parser."""
    data = read_bytes(path)
    try:
        return _plain_types(pq.read_table(pa.BufferReader(data)))
    except (pa.ArrowException, OSError, ValueError) as exc:
        reason = str(exc).split("\n")[0][:200]
        raise FileProblem(f"{path.name} is not a readable Parquet file ({reason}); write it again with "
                          "pyarrow or pandas (DataFrame.to_parquet), or supply the table as CSV") from None


def read_table_file(path: Path, table: str) -> tuple[pa.Table, np.ndarray | None, str]:
    """A table file as (Arrow table, record lines or None, "csv" or "parquet"), taken from the read
    started ahead of time when there is one for this file (read_ahead), else read now."""
    ahead = read_ahead.take(path)
    if ahead is not None:
        return ahead  # type: ignore[no-any-return]
    return read_now(path, table)


def read_now(path: Path, table: str) -> tuple[pa.Table, np.ndarray | None, str]:
    """Read a table file (the one definition of a read, ahead of time or not)."""
    if path.suffix == ".csv":
        return (*read_csv(path, table), "csv")
    return read_parquet(path), None, "parquet"


def find_table(plan_dir: Path, table: str, names: frozenset[str] = frozenset()) -> RawTable:
    """Locate and read one table; a missing, ambiguous or unreadable file becomes a file problem.

    `names` are the entries of the plan folder, for the hint on a file named in another case."""
    csv_path, pq_path = plan_dir / f"{table}.csv", plan_dir / f"{table}.parquet"
    found = table_paths(plan_dir, table)
    raw = RawTable(table=table, file=csv_path.name, paths=[p for p in found if p.is_file()])
    if len(found) == 2:
        raw.problems.append(Problem(csv_path.name, f"both {csv_path.name} and {pq_path.name} exist, so the "
                                    f"{table} table is ambiguous; keep one of them and remove the other"))
        return raw
    if not found:
        if table in REQUIRED_TABLES:
            other = sorted(n for n in names if n.lower() in (csv_path.name, pq_path.name))
            hint = f" (did you mean {other[0]}? file names are case-sensitive: rename it)" if other else ""
            raw.problems.append(Problem(csv_path.name, f"{csv_path.name} is missing{hint}: the {table} table is "
                                        f"required; add it (it may hold only the header: "
                                        f"{','.join(input_columns(table))}), or a {pq_path.name}"))
        return raw
    path = found[0]
    raw.path, raw.file = path, path.name
    try:
        try:
            os.stat(path)
        except FileNotFoundError:
            raise FileProblem(f"{path.name} is a symbolic link to {os.readlink(path)}, which does not exist") from None
        raw.data, raw.lines, raw.fmt = read_table_file(path, table)
    except FileProblem as exc:
        raw.problems.append(Problem(path.name, str(exc)))
    except OSError as exc:  # a symlink loop, a path component that vanished: say so, never crash
        raw.problems.append(Problem(path.name, f"{path.name} cannot be read ({exc.strerror or exc})"))
    return raw


def folder_names(plan_dir: Path) -> frozenset[str]:
    """Names of the entries of the plan folder (empty when it cannot be listed)."""
    try:
        with os.scandir(plan_dir) as it:
            return frozenset(e.name for e in it)
    except OSError:
        return frozenset()


def fatal(raw: RawTable) -> bool:
    """Whether the table cannot be used at all: the file failed, or a required column is missing/repeated."""
    return any(p.fatal for p in raw.problems)
