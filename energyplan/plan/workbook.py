"""A plan folder holding one .xlsx workbook: its sheets read as the tables, and findings located by cell."""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any

from energyplan.fsread import kind_of
from energyplan.model import REQUIRED_TABLES, TABLES

if TYPE_CHECKING:
    import numpy as np

    from energyplan.plan.files import RawTable

WORKBOOK_SUFFIX = ".xlsx"
TABLE_SUFFIXES = (".csv", ".parquet")
# A Problem with this rule keeps its table out of the plan without a finding of its own: the reason was
# already reported once, on the workbook (unreadable, ambiguous), rather than once per table.
REPORTED = "reported"


@dataclass(frozen=True)
class SheetPlace:
    """Where a table's records sit in its sheet: for turning a finding's row and column into a cell."""

    file: str  # the workbook's file name (a finding's `file`)
    sheet: str
    header_row: int  # Excel row of the header
    excel_rows: np.ndarray  # int64: the Excel row of data record k + 1 (a finding's `row` is 1-based)
    letters: Mapping[str, str]  # column name -> Excel column letters
    key_letter: str  # the key column's letters (else the first column's): for a finding on no sheet column


@dataclass
class WorkbookPlan:
    """What reading the workbook gave: the tables, where they sit, and what to tell about the workbook."""

    file: str
    raws: dict[str, RawTable]
    places: dict[str, SheetPlace] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)  # EP000 on the workbook (no row)
    notes: list[str] = field(default_factory=list)  # EP007 (info) on the workbook


def workbook_names(names: frozenset[str]) -> list[str]:
    """The workbooks of a plan folder (`.xlsx`, any name and case; not hidden files or Excel's `~$` locks)."""
    return sorted(n for n in names if PurePath(n).suffix.lower() == WORKBOOK_SUFFIX and not n.startswith((".", "~$")))


def table_paths(plan_dir: Path, table: str) -> list[Path]:
    """The files of one table present in the plan folder (TABLE.csv, TABLE.parquet; a dangling symlink
    counts: it is a file the user put there)."""
    return [p for p in (plan_dir / f"{table}{s}" for s in TABLE_SUFFIXES) if os.path.lexists(p)]


def table_file_names(names: frozenset[str]) -> list[str]:
    """The table files (TABLE.csv, TABLE.parquet) present in a plan folder, in table order."""
    return [t + s for t in TABLES for s in TABLE_SUFFIXES if t + s in names]


def ambiguity(books: list[str], table_files: list[str]) -> list[tuple[str, str]]:
    """(workbook, message) for each workbook that is not read because the plan's source is ambiguous."""
    if table_files:
        shown = ", ".join(table_files[:4]) + (", …" if len(table_files) > 4 else "")
        return [(b, f"{b} is not read: the plan folder also holds table files ({shown}), so the plan is "
                 "ambiguous; keep either the workbook or the table files (`energyplan convert` turns one into "
                 "the other)") for b in books]
    if len(books) > 1:
        return [(b, f"{b} is not read: the plan folder holds {len(books)} workbooks ({', '.join(books)}), so "
                 "the plan is ambiguous; keep one workbook per plan folder") for b in books]
    return []


def unread_raws(file: str) -> dict[str, RawTable]:
    """Every table out of the plan, quietly: required ones failed (the reason is reported once elsewhere)."""
    from energyplan.plan.files import Problem, RawTable

    return {t: RawTable(table=t, file=file, problems=[Problem(file, "", rule=REPORTED)] if t in REQUIRED_TABLES
                        else []) for t in TABLES}


def load_workbook(path: Path) -> WorkbookPlan:
    """Each table from its sheet, as the all-text Arrow table a CSV file of it would give."""
    from energyplan.plan.files import Problem, RawTable
    from energyplan.plan.header import header_problems
    from energyplan.plan.schemas import input_columns, key_column
    from energyplan.plan.xlsx import read_workbook

    file = path.name
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        mode, reason = None, f"{file} cannot be read ({exc.strerror or exc})"
    if mode is not None and not stat.S_ISREG(mode):  # a FIFO must never be opened: the read would hang
        reason = f"{file} is {kind_of(mode)}, not a workbook file"
    if mode is None or not stat.S_ISREG(mode):
        return WorkbookPlan(file=file, raws=unread_raws(file), problems=[reason])
    book = read_workbook(path)
    out = WorkbookPlan(file=file, raws=unread_raws(file), problems=list(book.problems), notes=list(book.notes))
    if not book.sheets and book.problems:
        return out  # unreadable: one finding on the workbook, not one per table
    for table in TABLES:
        raw = RawTable(table=table, file=file, path=path, paths=[path])
        sheet = book.sheets.get(table)
        if sheet is None:
            if table in REQUIRED_TABLES:
                raw.problems.append(Problem(file, f"{file} has no sheet {table}: the {table} table is required; "
                                            f"add a sheet named {table} whose first row is the header "
                                            f"({','.join(input_columns(table))}); it may hold only the header"))
            out.raws[table] = raw
            continue
        if not sheet.header:  # an empty sheet: already a problem of the workbook
            raw.problems.append(Problem(file, "", rule=REPORTED))
            out.raws[table] = raw
            continue
        raw.data, raw.fmt = sheet.to_arrow(), "xlsx"
        raw.problems.extend(header_problems(raw))
        out.raws[table] = raw
        key = key_column(table)
        first = min(sheet.letters.values(), key=lambda s: (len(s), s))
        out.places[table] = SheetPlace(file=file, sheet=sheet.sheet, header_row=sheet.header_row,
                                       excel_rows=sheet.excel_rows, letters=dict(sheet.letters),
                                       key_letter=sheet.letters.get(key, first))
    return out


def locate(frame: Any, places: Mapping[str, SheetPlace]) -> tuple[list[str | None], list[str | None]]:
    """Sheet and cell of each finding in `frame` (columns table, file, row, column, sheet, cell): a row's
    cell in the finding's column (else in the key column); the header cell of a column finding; the header
    row (`1:1`) for a column the sheet lacks. Findings not on a sheet keep what they have (null)."""
    import numpy as np
    import pandas as pd

    n = len(frame)
    sheet = frame["sheet"].to_numpy(dtype=object, na_value=None).copy() if "sheet" in frame else np.full(n, None)
    cell = frame["cell"].to_numpy(dtype=object, na_value=None).copy() if "cell" in frame else np.full(n, None)
    if not places or not n:
        return sheet.tolist(), cell.tolist()
    table = frame["table"].to_numpy(dtype=object, na_value=None)
    file = frame["file"].to_numpy(dtype=object, na_value=None)
    row = pd.to_numeric(frame["row"], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    column = pd.Series(frame["column"].to_numpy(dtype=object, na_value=None), dtype=object)
    for name, place in places.items():  # one pass per table
        at = np.flatnonzero((table == name) & (file == place.file) & pd.isna(sheet))
        if not len(at):
            continue
        sheet[at] = place.sheet
        letter = column.iloc[at].map(place.letters).to_numpy(dtype=object)
        has_letter = pd.notna(letter)
        r = row[at]
        count = len(place.excel_rows)
        on_row = np.isfinite(r) & (r >= 1) & (r <= count)
        excel = np.full(len(at), place.header_row, dtype=np.int64)
        excel[on_row] = place.excel_rows[r[on_row].astype(np.int64) - 1]
        letters = np.where(has_letter, letter, place.key_letter).astype(object)
        text = np.where(on_row | has_letter, letters + excel.astype(str).astype(object),
                        f"{place.header_row}:{place.header_row}")
        cell[at] = np.where(pd.isna(cell[at]), text, cell[at])
    return sheet.tolist(), cell.tolist()
