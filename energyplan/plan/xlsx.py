"""Read a plan workbook (.xlsx, one sheet per table) into text columns, as a CSV file of each table would hold."""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from xml.etree import ElementTree

from energyplan.model import TABLES

if TYPE_CHECKING:
    from collections.abc import Sequence

    import numpy as np
    import pyarrow as pa

# Tables a workbook sheet may hold: the plan tables, plus hourly profiles (plan-format's optional table).
SHEET_TABLES: tuple[str, ...] = (*TABLES, *(t for t in ("profiles",) if t not in TABLES))
CHUNK_CELLS = 1 << 21  # cells converted at a time: bounds the Python objects alive at once, however wide
_OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")  # encrypted (password) workbooks and legacy .xls
_ERROR_CELL = re.compile(rb"<c\s([^>]*\bt=\"e\"[^>]*?)(?<!/)>(.*?)</c>", re.S)
# A formula cell with no saved result: written by a program that does not calculate (openpyxl, pandas).
_UNCACHED = re.compile(rb"<c\s([^>]*?)(?<!/)>\s*<f\b[^>]*?(?:/>|>[^<]*</f>)\s*(<v\s*/>|<v>\s*</v>)?\s*</c>")
_REF_ATTR = re.compile(rb"\br=\"([A-Z]+)(\d+)\"")
_VALUE = re.compile(rb"<v>([^<]*)</v>")
_PLAIN_SHEET_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*$")
_SHOWN = 3  # error cells named in a note before "and N more"


@dataclass
class Sheet:
    """One table's sheet: header names and every column as text (null = empty cell), with Excel row numbers."""

    table: str
    sheet: str
    header: list[str]
    columns: dict[str, pa.Array]  # cells as text; the first column of a repeated header name
    excel_rows: np.ndarray  # int64: the Excel row number of each data record (header row + 1 …)
    letters: dict[str, str] = field(default_factory=dict, repr=False)  # column name -> Excel column letters

    def cell(self, column: str, row_index: int) -> str:
        """The cell as a spreadsheet user names it: `workloads!F12` (0-based `row_index` of a data record)."""
        return f"{sheet_ref(self.sheet)}!{self.letters[column]}{int(self.excel_rows[row_index])}"

    def to_arrow(self) -> pa.Table:
        """The sheet as the all-text Arrow table the CSV reader returns (columns in header order)."""
        import pyarrow as pa

        return pa.table({name: self.columns[name] for name in self.header})


@dataclass
class Workbook:
    """A plan workbook: its table sheets, notes (info worth telling) and problems (EP000 on the workbook)."""

    path: Path
    sheets: dict[str, Sheet] = field(default_factory=dict)  # table name -> sheet
    notes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def sheet_ref(name: str) -> str:
    """A sheet's name as a cell reference writes it: quoted as Excel does when it holds spaces or signs."""
    return name if _PLAIN_SHEET_NAME.match(name) else "'" + name.replace("'", "''") + "'"


def _listed(refs: list[str]) -> str:
    more = len(refs) - _SHOWN
    return ", ".join(refs[:_SHOWN]) + (f" and {more} more" if more > 0 else "")


def column_letters(index: int) -> str:
    """Excel column letters of a 0-based column index: 0 -> A, 25 -> Z, 26 -> AA."""
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


def _column_index(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n - 1


def _quote_list(names: list[str]) -> str:
    return ", ".join(f"'{n}'" for n in names)


def read_workbook(path: Path) -> Workbook:
    """Read every table sheet of `path`; never raises for a bad workbook (its problem is in `problems`)."""
    book = Workbook(path=path)
    try:
        with path.open("rb") as fh:
            head = fh.read(8)
    except OSError as exc:
        book.problems.append(f"{path.name} cannot be read ({exc.strerror or exc}); check its permissions")
        return book
    if head.startswith(_OLE_MAGIC):
        book.problems.append(
            f"{path.name} is password-protected (encrypted) or an old Excel 97–2003 file; remove the password "
            "(File > Info > Protect Workbook) and save it as an .xlsx workbook")
        return book
    try:
        _read(path, book)
    except (KeyboardInterrupt, SystemExit, GeneratorExit):
        raise
    except BaseException as exc:  # calamine's Rust panics derive from BaseException: a bad file, not a bug
        book.sheets.clear()
        reason = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        book.problems.append(f"{path.name} cannot be read as an Excel workbook ({reason}); open it in Excel "
                             "and save it again as .xlsx")
    return book


def _match_sheets(names: list[str], book: Workbook) -> dict[str, str]:
    """Table -> sheet name. An exact name wins; otherwise case and surrounding spaces are forgiven (noted)."""
    chosen: dict[str, str] = {}
    candidates: dict[str, list[str]] = {}
    for name in names:
        key = name.strip().lower()
        if key in SHEET_TABLES:
            candidates.setdefault(key, []).append(name)
    for table in SHEET_TABLES:
        found = candidates.get(table, [])
        if not found:
            continue
        pick = table if table in found else found[0]
        chosen[table] = pick
        if len(found) > 1:
            book.problems.append(f"{book.path.name}: sheets {_quote_list(found)} all name table {table}; "
                                 f"sheet '{pick}' is read; delete or rename the others")
        elif pick != table:
            book.notes.append(f"{book.path.name}: sheet '{pick}' is read as table {table}; "
                              f"rename it to '{table}'")
    extra = [n for n in names if n not in chosen.values() and n.strip().lower() not in chosen]
    if extra:
        book.notes.append(f"{book.path.name}: sheets not named as a table are ignored: {_quote_list(extra)}")
    if not chosen:
        book.problems.append(f"{book.path.name} holds no sheet named as a table ({', '.join(SHEET_TABLES)}); "
                             f"its sheets are {_quote_list(names)}")
    return chosen


def _read(path: Path, book: Workbook) -> None:
    from python_calamine import CalamineWorkbook, SheetVisibleEnum

    with CalamineWorkbook.from_path(str(path)) as wb:
        names = list(wb.sheet_names)
        hidden = {m.name for m in wb.sheets_metadata if m.visible != SheetVisibleEnum.Visible}
        chosen = _match_sheets(names, book)
        scans = _scan_sheets(path, set(chosen.values()))
        for table, name in chosen.items():
            if name in hidden:
                book.notes.append(f"{book.path.name}: sheet '{name}' is hidden; it is read as table {table}")
            scan = scans.get(name, _Scan())
            book.sheets[table] = _read_sheet(wb.get_sheet_by_name(name), table, name, scan.errors, book)
            if scan.uncached:
                n = len(scan.uncached)
                refs = _listed([f"{sheet_ref(name)}!{r}" for r in scan.uncached])
                book.notes.append(f"{book.path.name}: {n} formula cell{'s' if n > 1 else ''} of sheet '{name}' "
                                  f"{'have' if n > 1 else 'has'} no saved value ({refs}) and read as empty; the "
                                  "workbook was written by a program that does not calculate: open it in Excel "
                                  "or LibreOffice and save it")


def _read_sheet(sheet, table: str, name: str, errors: dict[tuple[int, int], str], book: Workbook) -> Sheet:
    import numpy as np
    import pyarrow as pa

    rows = sheet.iter_rows()
    first = next(rows, None)
    end = sheet.end
    while first is not None and not any(v != "" for v in first):
        first = next(rows, None)  # empty rows above the header (calamine may yield them)
    if first is None or end is None:
        book.problems.append(f"{book.path.name}: sheet '{name}' is empty; it needs a header row with the "
                             f"columns of table {table}")
        return Sheet(table, name, [], {}, np.zeros(0, dtype=np.int64))
    col0 = end[1] + 1 - len(first)  # calamine yields rows from the first used column
    width = len(first)
    chunks: list[list[pa.Array]] = [[] for _ in range(width)]
    keep: list[np.ndarray] = []
    count = 0
    chunk_rows = max(1, CHUNK_CELLS // width)  # a stray value in column XFD must not need gigabytes
    while batch := list(itertools.islice(rows, chunk_rows)):
        cells = np.empty((len(batch), width), dtype=object)
        cells[:] = batch  # one C-level copy; a column is then a view, not a Python tuple
        texts = [_to_text(cells[:, j]) for j in range(width)]
        filled = np.zeros(len(batch), dtype=bool)
        for j, arr in enumerate(texts):
            filled |= arr.is_valid().to_numpy(zero_copy_only=False)
            chunks[j].append(arr)
        keep.append(filled)
        count += len(batch)
    header_row = end[0] + 1 - count  # 1-based Excel row of the header: the data rows end at `end`
    data_rows = np.arange(header_row + 1, header_row + 1 + count, dtype=np.int64)
    filled_all = np.concatenate(keep) if keep else np.zeros(0, dtype=bool)
    header = [t.as_py() or "" for t in _to_text(tuple(first))]
    full = [pa.concat_arrays(c) if c else pa.array([], pa.string()) for c in chunks]
    full = _apply_errors(full, errors, col0, header_row, count, name, book)
    # Empty rows hold nothing (as blank lines in a CSV file): drop them, keeping each record's Excel row.
    mask = pa.array(filled_all)
    full = [arr.filter(mask) for arr in full]
    excel_rows = data_rows[filled_all]
    names = _name_merged(sheet, header, full, col0, header_row, name, book)
    columns: dict[str, pa.Array] = {}
    letters: dict[str, str] = {}
    for j, (col_name, arr) in enumerate(zip(names, full, strict=True)):
        if col_name == "" and arr.null_count == len(arr):
            continue  # a formatted but unused column: nothing a CSV export would hold
        letter = column_letters(col0 + j)
        if col_name in columns:
            where = f"{sheet_ref(name)}!{letter}{header_row}"
            book.problems.append(f"{book.path.name}: {where} repeats column '{col_name}' "
                                 f"(first at {letters[col_name]}{header_row}); the first one is read")
            continue
        columns[col_name] = arr
        letters[col_name] = letter
    return Sheet(table, name, list(columns), columns, excel_rows, letters)


def _name_merged(sheet, header: list[str], cols: list[pa.Array], col0: int, header_row: int, name: str,
                 book: Workbook) -> list[str]:
    """A merged header cell names its first column; a covered column that holds data is named after it."""
    names = list(header)
    in_data = []
    for (r0, c0), (r1, c1) in sorted(sheet.merged_cell_ranges or []):
        if r0 >= header_row:  # 0-based r0 below the header row: a merge over data cells
            in_data.append(f"{sheet_ref(name)}!{column_letters(c0)}{r0 + 1}:{column_letters(c1)}{r1 + 1}")
        if not (r0 <= header_row - 1 <= r1) or c1 == c0:
            continue
        base = names[c0 - col0] if 0 <= c0 - col0 < len(names) else ""
        for c in range(max(c0 + 1, col0), min(c1, col0 + len(names) - 1) + 1):
            j = c - col0
            if names[j] or cols[j].null_count == len(cols[j]):
                continue  # an empty covered column is dropped like any unused one
            names[j] = f"{base} ({c - c0 + 1})"
            span = f"{column_letters(c0)}{r0 + 1}:{column_letters(c1)}{r1 + 1}"
            book.notes.append(f"{book.path.name}: {sheet_ref(name)}!{span} is one merged header cell; column "
                              f"{column_letters(c)} is read as '{names[j]}': unmerge it and name each column")
    if in_data:
        n = len(in_data)
        book.notes.append(f"{book.path.name}: {n} merged cell{'s' if n > 1 else ''} in sheet '{name}' "
                          f"({_listed(in_data)}): only the first cell of a merge holds its value, the others "
                          "read as empty; unmerge and fill every cell")
    return names


def _apply_errors(cols: list[pa.Array], errors: dict[tuple[int, int], str], col0: int, header_row: int,
                  count: int, name: str, book: Workbook) -> list[pa.Array]:
    """Put each formula error's text (`#DIV/0!`) back into its cell: calamine reads error cells as empty."""
    import numpy as np
    import pyarrow as pa

    placed: dict[int, list[tuple[int, str]]] = {}
    refs = []
    for (row, col), text in sorted(errors.items()):
        r, j = row - header_row - 1, col - col0
        if 0 <= r < count and 0 <= j < len(cols):
            placed.setdefault(j, []).append((r, text))
            refs.append(f"{text} at {sheet_ref(name)}!{column_letters(col)}{row}")
    for j, cells in placed.items():
        values = cols[j].to_numpy(zero_copy_only=False).astype(object)
        idx = np.array([r for r, _ in cells])
        values[idx] = [t for _, t in cells]
        cols[j] = pa.array(values, type=pa.string())
    if refs:
        book.notes.append(f"{book.path.name}: {len(refs)} cell{'s' if len(refs) > 1 else ''} of sheet '{name}' "
                          f"hold{'' if len(refs) > 1 else 's'} a formula error ({_listed(refs)}); "
                          "fix the formulas in Excel")
    return cols


def _to_text(values: Sequence[object] | np.ndarray) -> pa.Array:
    """One column of calamine cells as the text a CSV export would hold; empty cells become null.

    Cells are grouped by Python type, each group converted by Arrow at once, and the groups put back in
    order with one `take`: no Python call per cell beyond reading its type.
    """
    import numpy as np
    import pyarrow as pa

    col = np.empty(len(values), dtype=object)
    col[:] = values
    # Arrow's own type inference would coerce a mixed column (True -> 1.0, a datetime after a date -> its
    # day): the Python types decide, and a column of one type (the usual case) is converted in one go.
    found = sorted(set(map(type, col)), key=lambda k: k.__name__)
    if len(found) <= 1:
        return _convert(found[0] if found else str, col)
    kinds = _kinds()(col)
    parts, where = [], []
    for kind in found:
        idx = np.flatnonzero(kinds == kind)
        parts.append(_convert(kind, col[idx]))
        where.append(idx)
    inverse = np.empty(len(col), dtype=np.int64)
    inverse[np.concatenate(where)] = np.arange(len(col), dtype=np.int64)
    return pa.concat_arrays(parts).take(pa.array(inverse))


def _convert(kind: type, part: np.ndarray) -> pa.Array:
    """Cells of one Python type as an Arrow string array."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if kind is str:
        arr = pa.array(part, type=pa.string())
        empty = pc.equal(arr, "")
        return pc.if_else(empty, pa.scalar(None, pa.string()), arr) if pc.any(empty).as_py() else arr
    if kind is bool:
        return pc.if_else(pa.array(part, type=pa.bool_()), "true", "false")
    if kind is float:
        # Arrow writes the shortest text that reads back as the same double, without ".0" (3.0 -> "3");
        # adding 0.0 turns -0.0 into 0.
        return pc.cast(pc.add(pa.array(part, type=pa.float64()), 0.0), pa.string())
    if kind is int:
        try:
            return pc.cast(pa.array(part, type=pa.int64()), pa.string())
        except (OverflowError, pa.ArrowException):
            pass
    elif kind is dt.date:
        return pc.cast(pa.array(part, type=pa.date32()), pa.string())
    elif kind is dt.datetime:
        ts = pc.cast(pa.array(part, type=pa.timestamp("us")), pa.timestamp("s"), safe=False)
        return pc.strftime(ts, format="%Y-%m-%dT%H:%M:%S")
    return pa.array([str(v) for v in part], type=pa.string())  # times, durations, huge ints: rare


@functools.cache
def _kinds():  # type of every cell in one C loop; built on first use (numpy is not imported at start-up)
    import numpy as np

    return np.frompyfunc(type, 1, 1)


def _sheet_members(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> its XML part inside the workbook archive."""
    wb = ElementTree.fromstring(zf.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target", "") for r in rels}
    out = {}
    for el in wb.iter():
        if not el.tag.endswith("}sheet"):
            continue
        rid = next((v for k, v in el.attrib.items() if k.endswith("}id")), None)
        target = targets.get(rid, "")
        out[el.get("name", "")] = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return out


@dataclass
class _Scan:
    """What calamine does not tell about a sheet: error cells' text and formulas without a saved value."""

    errors: dict[tuple[int, int], str] = field(default_factory=dict)  # (Excel row, 0-based column) -> text
    uncached: list[str] = field(default_factory=list)  # cell references, in sheet order


def _scan_sheets(path: Path, names: set[str]) -> dict[str, _Scan]:
    """Scan the named sheets' XML, streamed a block of whole rows at a time; only blocks holding an error
    cell or a formula are searched."""
    out: dict[str, _Scan] = {}
    with zipfile.ZipFile(path) as zf:
        members = _sheet_members(zf)
        for name in sorted(names):
            member = members.get(name)
            if member is None or member not in zf.NameToInfo:
                continue
            scan = out[name] = _Scan()
            with zf.open(member) as fh:
                carry = b""
                while block := fh.read(1 << 23):
                    buf = carry + block
                    cut = buf.rfind(b"</row>") + len(b"</row>") if b"</row>" in buf else 0
                    _scan_block(buf[:cut], scan)
                    carry = buf[cut:]
                _scan_block(carry, scan)
    return out


def _scan_block(buf: bytes, scan: _Scan) -> None:
    if b't="e"' in buf:
        for m in _ERROR_CELL.finditer(buf):
            ref = _REF_ATTR.search(m.group(1))
            value = _VALUE.search(m.group(2))
            if ref and value:
                scan.errors[(int(ref.group(2)), _column_index(ref.group(1)))] = value.group(1).decode("utf-8",
                                                                                                   "replace")
    if b"<f" in buf:
        for m in _UNCACHED.finditer(buf):
            if m.group(2) is not None and b't="str"' in m.group(1):
                continue  # `<v></v>` on a text formula is a saved empty text, not a missing value
            ref = _REF_ATTR.search(m.group(1))
            if ref:
                scan.uncached.append((ref.group(1) + ref.group(2)).decode())
