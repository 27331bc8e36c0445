"""The sample plan typed into a workbook as a spreadsheet user would reads back as the same values as its CSV."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

openpyxl = pytest.importorskip("openpyxl")

from energyplan.model import TABLES  # noqa: E402
from energyplan.plan.files import read_csv  # noqa: E402
from energyplan.plan.xlsx import read_workbook  # noqa: E402

PLAN = Path(__file__).parents[1] / "sample_data" / "northwind"
NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def typed(text: str | None) -> object:
    """What Excel makes of a typed entry: a number, a date, a boolean, or text."""
    if text is None:
        return None
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return dt.date.fromisoformat(text)
    if text in ("true", "false"):
        return text == "true"
    return float(text) if NUMBER.match(text) else text


def test_northwind_as_a_typed_workbook_reads_as_its_csv(tmp_path: Path):
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    expected = {}
    for table in TABLES:
        data, lines = read_csv(PLAN / f"{table}.csv", table)
        expected[table] = (data, lines)
        ws = wb.create_sheet(table)
        ws.append(data.column_names)
        for row in data.to_pylist():
            ws.append([typed(v) for v in row.values()])
    wb.save(tmp_path / "northwind.xlsx")

    book = read_workbook(tmp_path / "northwind.xlsx")
    assert book.problems == [] and book.notes == [] and sorted(book.sheets) == sorted(TABLES)
    for table, (data, lines) in expected.items():
        sheet = book.sheets[table]
        assert sheet.header == data.column_names
        assert sheet.excel_rows.tolist() == lines.tolist()  # one record a line: the Excel row is the CSV line
        for name in data.column_names:
            for want, got in zip(data[name].to_pylist(), sheet.columns[name].to_pylist(), strict=True):
                if want is not None and NUMBER.match(want):
                    assert float(got) == float(want), (table, name, want, got)  # "6.0" is written "6"
                else:
                    assert got == want, (table, name, want, got)
