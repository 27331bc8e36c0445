"""The same plan in another form: CSV text that round-trips, typed Parquet, or a workbook with one sheet a table."""

from __future__ import annotations

import io
import os
import re
import secrets
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from energyplan.errors import UsageError
from energyplan.model import TABLES

if TYPE_CHECKING:
    import pyarrow as pa

    from energyplan.plan.files import RawTable

FORMATS: tuple[str, ...] = ("csv", "parquet", "xlsx")
CONFIG = "energyplan.toml"
MAX_SHEET_ROWS = 1_048_575  # Excel's 1,048,576 rows, less the header
_MAX_WIDTH = 50  # characters: a column of long notes stays readable, not a screen wide
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest a ZIP entry can carry: the same plan gives the same bytes


@dataclass(frozen=True)
class Converted:
    """What `convert_plan` wrote."""

    out: Path
    files: list[str]  # file names inside `out`, in the order written
    tables: list[str]  # the tables written
    missing: list[str]  # tables the plan has a file or sheet for that could not be read (only with --force)


def workbook_name(folder: Path) -> str:
    """A plan's workbook is named after its plan folder (`plans/q3/` -> `q3.xlsx`)."""
    stem = folder.resolve().name.strip(". ") or "plan"
    return f"{stem}.xlsx"


def read_tables(plan_dir: Path) -> tuple[dict[str, RawTable], list[str]]:
    """The plan's tables as read (all text from CSV and workbooks, native types from Parquet): every
    table that could be read, extra columns and failing cells included; and the tables that could not."""
    from energyplan.plan.files import folder_names
    from energyplan.plan.validate import read_plan_tables

    raws, _, _ = read_plan_tables(plan_dir, folder_names(plan_dir))
    unread = [t for t, raw in raws.items() if raw.data is None and raw.problems]
    return {t: raw for t, raw in raws.items() if raw.data is not None}, unread


def _is_text(t: pa.DataType) -> bool:
    import pyarrow as pa

    return pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_null(t)


def text_column(col: pa.ChunkedArray) -> pa.Array:
    """A column as the text a plan's CSV file holds: numbers in their shortest form, booleans true/false,
    dates YYYY-MM-DD, times ISO 8601 (with the offset of a zoned column); null stays null."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    t = arr.type
    if pa.types.is_dictionary(t):
        arr = arr.cast(t.value_type)
        t = arr.type
    if _is_text(t) or pa.types.is_string_view(t):
        return pc.cast(arr, pa.string())
    if pa.types.is_boolean(t):
        return pc.if_else(arr, "true", "false")
    if pa.types.is_floating(t):
        return pc.cast(pc.add(pc.cast(arr, pa.float64()), 0.0), pa.string())  # -0.0 -> "0"
    if pa.types.is_timestamp(t):
        fmt = "%Y-%m-%dT%H:%M:%S%z" if t.tz is not None else "%Y-%m-%dT%H:%M:%S"
        return pc.strftime(pc.cast(arr, pa.timestamp("s", tz=t.tz), safe=False), format=fmt)
    try:
        return pc.cast(arr, pa.string())
    except (pa.ArrowNotImplementedError, pa.ArrowInvalid):
        return pa.array([None if v is None else str(v) for v in arr.to_pylist()], type=pa.string())


def _typed(col: pa.ChunkedArray, kind: str) -> pa.Array | None:
    """A text column in its kind's Arrow type when every cell parses (else None: it stays text, so a
    failing cell keeps its finding). A timestamp with a UTC offset stays text: Parquet holds one zone
    a column, and the offset as written is part of the plan."""
    import pyarrow as pa

    from energyplan.plan.cells import _column

    values, utc, fails = _column(col, kind)
    if any(len(pos) for pos, _ in fails):
        return None
    if kind == "timestamp":
        if utc is not None and utc.notna().any():
            return None
        return pa.array(values.astype("datetime64[s]"), type=pa.timestamp("s"), from_pandas=True)
    arrow_type = {"float": pa.float64(), "int": pa.int64(), "bool": pa.bool_(), "date": pa.date32()}[kind]
    if kind == "date":
        return pa.array(values.astype("datetime64[s]"), type=pa.timestamp("s"), from_pandas=True).cast(arrow_type)
    return pa.array(values, type=arrow_type, from_pandas=True)


def typed_table(raw: RawTable) -> pa.Table:
    """The table with each model column in its type where every cell parses; other columns as read."""
    import pyarrow as pa

    from energyplan.plan.schemas import column_specs

    assert raw.data is not None
    kinds = {s.name: s.kind for s in column_specs(raw.table)}
    columns: dict[str, pa.Array | pa.ChunkedArray] = {}
    for name, col in zip(raw.data.column_names, raw.data.columns, strict=True):
        if name in columns:
            continue  # a repeated name: the first is the one read
        kind = kinds.get(name)
        converted = None
        if kind not in (None, "string", "enum") and _is_text(col.type):
            converted = _typed(col, kind)
        columns[name] = converted if converted is not None else col
    return pa.table(columns)


def text_table(raw: RawTable) -> pa.Table:
    import pyarrow as pa

    assert raw.data is not None
    seen: dict[str, pa.Array] = {}
    for name, col in zip(raw.data.column_names, raw.data.columns, strict=True):
        seen.setdefault(name, text_column(col))
    return pa.table(seen)


def _csv_field(arr: pa.Array) -> pa.Array:
    """Text as a CSV field: quoted (quotes doubled) only when it holds a comma, quote or line break; null
    as nothing. pyarrow's writer quotes every string, which is not how a person writes a plan's CSV."""
    import pyarrow as pa
    import pyarrow.compute as pc

    needs = pc.match_substring_regex(arr, r'[,"\r\n]')
    quoted = pc.binary_join_element_wise('"', pc.replace_substring(arr, '"', '""'), '"', "")
    return pc.fill_null(pc.if_else(needs, quoted, arr), pa.scalar("", pa.string()))


def _write_csv(table: pa.Table, path: Path) -> None:
    """Comma-separated UTF-8, one record a line, built column-wise (no loop over rows)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    header = ",".join(_csv_field(pa.array(table.column_names, pa.string())).to_pylist())
    body = b""
    if table.num_rows:
        fields = [pc.cast(_csv_field(col.combine_chunks()), pa.large_string()) for col in table.columns]
        comma, newline, empty = (pa.scalar(v, pa.large_string()) for v in (",", "\n", ""))
        records = pc.binary_join_element_wise(*fields, comma)
        lines = pc.binary_join_element_wise(records, empty, newline)  # record + "\n" + ""
        # The lines' value buffer, from the first offset to the last, is the file's body.
        offsets = np.frombuffer(lines.buffers()[1], dtype=np.int64)[lines.offset:lines.offset + len(lines) + 1]
        body = lines.buffers()[2].to_pybytes()[offsets[0]:offsets[-1]]
    path.write_bytes((header + "\n").encode("utf-8") + body)


def _write_parquet(table: pa.Table, path: Path) -> None:
    import pyarrow.parquet as pq

    pq.write_table(table, path)


def _cell_values(col: pa.ChunkedArray | pa.Array) -> list[Any]:
    """Python values openpyxl writes as cells of their type (a zoned time as its text)."""
    import pyarrow as pa

    if pa.types.is_timestamp(col.type) and col.type.tz is not None:
        return text_column(col).to_pylist()
    if pa.types.is_timestamp(col.type):
        return col.cast(pa.timestamp("s"), safe=False).to_pylist()
    if pa.types.is_dictionary(col.type) or pa.types.is_string_view(col.type):
        return text_column(col).to_pylist()
    return col.to_pylist()


def workbook_bytes(headers: dict[str, list[str]]) -> bytes:
    """A workbook of header-only sheets (what `init --xlsx` writes)."""
    import pyarrow as pa

    buffer = io.BytesIO()
    write_workbook({t: pa.table({c: pa.array([], pa.string()) for c in cols}) for t, cols in headers.items()},
                   buffer)
    return buffer.getvalue()


def write_workbook(sheets: dict[str, pa.Table], path: Path | io.BytesIO) -> None:
    """One sheet per table, a bold frozen header, columns as wide as their text (to a limit);
    deterministic bytes: fixed document times and ZIP entry times."""
    import datetime as dt

    import pyarrow.compute as pc
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.utils.exceptions import IllegalCharacterError

    wb = Workbook(write_only=True)
    fixed = dt.datetime(2000, 1, 1)
    wb.properties.created = wb.properties.modified = fixed
    bold = Font(bold=True)
    for name, table in sheets.items():
        if table.num_rows > MAX_SHEET_ROWS:
            raise UsageError(f"the {name} table has {table.num_rows:,} rows, more than an Excel sheet holds "
                             f"({MAX_SHEET_ROWS + 1:,} with the header); convert it to csv or parquet instead")
        ws = wb.create_sheet(name)
        ws.freeze_panes = "A2"
        for j, (col_name, col) in enumerate(zip(table.column_names, table.columns, strict=True)):
            longest = pc.max(pc.utf8_length(text_column(col))).as_py() or 0
            ws.column_dimensions[get_column_letter(j + 1)].width = min(max(len(col_name), longest) + 2, _MAX_WIDTH)
        header = []
        for col_name in table.column_names:
            cell = WriteOnlyCell(ws, value=col_name)
            cell.font = bold
            header.append(cell)
        ws.append(header)
        values = [_cell_values(col) for col in table.columns]
        formula_like = [any(isinstance(v, str) and v.startswith("=") for v in vals) for vals in values]
        try:
            # openpyxl's write-only sheets take a row at a time: this loop is the library's interface.
            for row in zip(*values, strict=True):
                ws.append(_guarded(ws, row, formula_like) if any(formula_like) else row)
        except IllegalCharacterError:
            raise UsageError(f"the {name} table holds a control character that a workbook cannot hold; remove "
                             "it from the plan, or convert to csv or parquet") from None
    buffer = io.BytesIO()
    wb.save(buffer)
    _rezip(buffer.getvalue(), path)


def _guarded(ws: Any, row: tuple[Any, ...], formula_like: list[bool]) -> list[Any]:
    """Text starting with `=` is written as text, never as a formula Excel would run."""
    from openpyxl.cell import WriteOnlyCell

    out: list[Any] = list(row)
    for j, v in enumerate(row):
        if formula_like[j] and isinstance(v, str) and v.startswith("="):
            cell = WriteOnlyCell(ws, value=v)
            cell.data_type = "s"
            out[j] = cell
    return out


def _rezip(data: bytes, path: Path | io.BytesIO) -> None:
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps the save time here, whatever was set
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                                 rb"\g<1>2000-01-01T00:00:00Z\g<2>", content)
            dst.writestr(entry, content)


def _target(out: Path) -> None:
    """OUT must not exist, or be an empty folder (never a file, never a folder with something in it)."""
    if os.path.lexists(out):
        if not out.is_dir() or out.is_symlink():
            raise UsageError(f"{out} exists and is not a folder; give a new folder for the converted plan")
        if any(out.iterdir()):
            raise UsageError(f"{out} is not empty; give a new or empty folder for the converted plan")
    if not out.resolve().parent.is_dir():
        raise UsageError(f"{out.parent} does not exist; create it first")


def _temp_folder(out: Path) -> Path:
    """A hidden folder beside OUT (same file system: the final rename is atomic), made with the usual
    permissions (mkdtemp's are owner-only, which the renamed plan folder would keep)."""
    parent = out.resolve().parent
    for _ in range(100):
        tmp = parent / f".{out.name}.{secrets.token_hex(6)}.tmp"
        try:
            tmp.mkdir()
            return tmp
        except FileExistsError:
            continue
        except OSError as exc:
            raise UsageError(f"cannot write {out}: {exc.strerror or exc}") from None
    raise UsageError(f"cannot write {out}: no free temporary name beside it")


def convert_plan(plan_dir: Path, to: str, out: Path) -> Converted:
    """Write every readable table of `plan_dir` in format `to` into the new folder `out`, with the plan's
    energyplan.toml; all or nothing (written beside `out`, then renamed into place)."""
    if to not in FORMATS:
        raise UsageError(f"--to {to!r}: choose from {', '.join(FORMATS)}")
    _target(out)
    raws, unread = read_tables(plan_dir)
    tmp = _temp_folder(out)
    written: list[str] = []
    try:
        if to == "xlsx":
            name = workbook_name(out)
            write_workbook({t: typed_table(raws[t]) for t in TABLES if t in raws}, tmp / name)
            written.append(name)
        for table in (t for t in TABLES if t in raws and to != "xlsx"):
            name = f"{table}.{to}"
            if to == "csv":
                _write_csv(text_table(raws[table]), tmp / name)
            else:
                _write_parquet(typed_table(raws[table]), tmp / name)
            written.append(name)
        config = plan_dir / CONFIG
        if config.is_file():
            shutil.copyfile(config, tmp / CONFIG)
            written.append(CONFIG)
        if out.is_dir():
            out.rmdir()  # empty, checked above
        os.replace(tmp, out)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise UsageError(f"cannot write {out}: {exc.strerror or exc}") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return Converted(out=out, files=written, tables=[t for t in TABLES if t in raws], missing=unread)
