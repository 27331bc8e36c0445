"""The workbook reader: each sheet becomes the text a CSV export of its table would hold, located by cell."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import pytest

openpyxl = pytest.importorskip("openpyxl")

from energyplan.plan import xlsx  # noqa: E402
from energyplan.plan.xlsx import column_letters, read_workbook  # noqa: E402


def build(path: Path, sheets: dict[str, list[list]], setup=None) -> Path:
    """A workbook with one sheet per entry (rows as lists); `setup(wb)` may merge, hide or format."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    if setup:
        setup(wb)
    wb.save(path)
    return path


def patch_xml(path: Path, sheet_no: int, replace: dict[str, str]) -> None:
    """Edit a sheet's XML: openpyxl writes formulas without the cached value Excel stores, so tests add it."""
    with zipfile.ZipFile(path) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    member = f"xl/worksheets/sheet{sheet_no}.xml"
    text = parts[member].decode()
    for old, new in replace.items():
        assert old in text, old
        text = text.replace(old, new)
    parts[member] = text.encode()
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in parts.items():
            zf.writestr(name, data)


def values(sheet, column: str) -> list:
    return sheet.columns[column].to_pylist()


def test_sheet_per_table_with_excel_rows_and_cells(tmp_path: Path):
    path = build(tmp_path / "plan.xlsx", {
        "sites": [["site_id", "name"], ["fra-1", "Frankfurt"]],
        "workloads": [["workload_id", "site_id", "gpu_count"], ["w1", "fra-1", 8], ["w2", "fra-1", 16]],
    })
    book = read_workbook(path)
    assert book.problems == [] and book.notes == []
    wl = book.sheets["workloads"]
    assert (wl.table, wl.sheet, wl.header) == ("workloads", "workloads", ["workload_id", "site_id", "gpu_count"])
    assert values(wl, "gpu_count") == ["8", "16"]
    assert wl.excel_rows.tolist() == [2, 3]
    assert wl.cell("gpu_count", 1) == "workloads!C3"
    assert values(book.sheets["sites"], "name") == ["Frankfurt"]
    table = wl.to_arrow()
    assert table.column_names == wl.header and table.num_rows == 2
    assert all(str(t) == "string" for t in table.schema.types)  # all text, as the CSV reader gives


def test_sheet_name_case_and_spaces_forgiven_with_a_note(tmp_path: Path):
    book = read_workbook(build(tmp_path / "p.xlsx", {" Workloads ": [["workload_id"], ["w1"]]}))
    sheet = book.sheets["workloads"]
    assert sheet.sheet == " Workloads "
    assert sheet.cell("workload_id", 0) == "' Workloads '!A2"  # quoted as Excel quotes a name with spaces
    assert book.notes == ["p.xlsx: sheet ' Workloads ' is read as table workloads; rename it to 'workloads'"]


def test_excel_dates_and_datetimes_become_iso_text(tmp_path: Path):
    rows = [["d", "t", "midnight"],
            [dt.date(2027, 12, 31), dt.datetime(2027, 1, 2, 3, 4, 5), dt.datetime(2027, 6, 1)]]
    sheet = read_workbook(build(tmp_path / "p.xlsx", {"contracts": rows})).sheets["contracts"]
    assert values(sheet, "d") == ["2027-12-31"]
    assert values(sheet, "t") == ["2027-01-02T03:04:05"]
    assert values(sheet, "midnight") == ["2027-06-01"]  # a date-formatted day is a date, not a timestamp


def test_numbers_stored_as_text_stay_text(tmp_path: Path):
    rows = [["id", "n"], ["0042", "1e3"], ["007", " 12 "]]
    sheet = read_workbook(build(tmp_path / "p.xlsx", {"sites": rows})).sheets["sites"]
    assert values(sheet, "id") == ["0042", "007"]
    assert values(sheet, "n") == ["1e3", " 12 "]


def test_integral_floats_written_without_point_zero(tmp_path: Path):
    rows = [["n"], [3.0], [4000], [0.1], [-0.0], [2.5e-7], [123456789.125]]
    sheet = read_workbook(build(tmp_path / "p.xlsx", {"sites": rows})).sheets["sites"]
    assert values(sheet, "n") == ["3", "4000", "0.1", "0", "2.5e-7", "123456789.125"]
    assert [float(v) for v in values(sheet, "n")] == [3.0, 4000.0, 0.1, 0.0, 2.5e-7, 123456789.125]


def test_booleans_become_true_false(tmp_path: Path):
    sheet = read_workbook(build(tmp_path / "p.xlsx", {"sites": [["sovereign"], [True], [False]]})).sheets["sites"]
    assert values(sheet, "sovereign") == ["true", "false"]


def test_empty_rows_dropped_and_rows_keep_their_excel_number(tmp_path: Path):
    def setup(wb):
        wb["sites"]["B9"].number_format = "0.00"  # a formatted cell stretches the used range past the data

    rows = [["site_id", "name"], ["a", "A"], [None, None], ["b", None]]
    sheet = read_workbook(build(tmp_path / "p.xlsx", {"sites": rows}, setup)).sheets["sites"]
    assert values(sheet, "site_id") == ["a", "b"]
    assert values(sheet, "name") == ["A", None]  # an empty cell is null, as in a CSV file
    assert sheet.excel_rows.tolist() == [2, 4]
    assert sheet.cell("name", 1) == "sites!B4"


def test_mixed_column_numbers_text_and_empty(tmp_path: Path):
    rows = [["k", "v"], *[[i, v] for i, v in enumerate([1.5, "n/a", None, True, dt.date(2027, 1, 1), 7])]]
    sheet = read_workbook(build(tmp_path / "p.xlsx", {"sites": rows})).sheets["sites"]
    assert values(sheet, "v") == ["1.5", "n/a", None, "true", "2027-01-01", "7"]


def test_mixed_types_never_coerced_into_each_other(tmp_path: Path):
    rows = [["day", "flag"], [dt.date(2027, 1, 1), 1.0], [dt.datetime(2027, 1, 1, 3, 0), True]]
    sheet = read_workbook(build(tmp_path / "p.xlsx", {"sites": rows})).sheets["sites"]
    assert values(sheet, "day") == ["2027-01-01", "2027-01-01T03:00:00"]  # the time is kept
    assert values(sheet, "flag") == ["1", "true"]


def test_merged_header_names_covered_columns_from_the_first(tmp_path: Path):
    def setup(wb):
        wb["sites"].merge_cells("B1:C1")
        wb["sites"].merge_cells("D1:E1")

    rows = [["site_id", "name", None, "region", None], ["a", "Alpha", "extra", "eu", None]]
    book = read_workbook(build(tmp_path / "p.xlsx", {"sites": rows}, setup))
    sheet = book.sheets["sites"]
    assert sheet.header == ["site_id", "name", "name (2)", "region"]  # E is empty: dropped without a word
    assert values(sheet, "name (2)") == ["extra"]
    assert sheet.cell("region", 0) == "sites!D2"
    assert book.notes == ["p.xlsx: sites!B1:C1 is one merged header cell; column C is read as 'name (2)': "
                          "unmerge it and name each column"]


def test_formulas_give_their_cached_values(tmp_path: Path):
    path = build(tmp_path / "p.xlsx", {"workloads": [["a", "b", "c"], [2, 3, "=A2*B2"], [1, 1, '=A3&"x"']]})
    patch_xml(path, 1, {"<f>A2*B2</f><v />": "<f>A2*B2</f><v>6</v>",
                        '<c r="C3"><f>A3&amp;"x"</f><v />': '<c r="C3" t="str"><f>A3&amp;"x"</f><v>1x</v>'})
    book = read_workbook(path)
    assert values(book.sheets["workloads"], "c") == ["6", "1x"]
    assert book.notes == []


def test_formula_error_cell_keeps_its_error_text(tmp_path: Path):
    path = build(tmp_path / "p.xlsx", {"workloads": [["a", "b"], [1, "=1/0"], [2, 5], [3, "=NA()"]]})
    patch_xml(path, 1, {'<c r="B2"><f>1/0</f><v />': '<c r="B2" t="e"><f>1/0</f><v>#DIV/0!</v>',
                        '<c r="B4"><f>NA()</f><v />': '<c r="B4" t="e"><f>NA()</f><v>#N/A</v>'})
    book = read_workbook(path)
    sheet = book.sheets["workloads"]
    assert values(sheet, "b") == ["#DIV/0!", "5", "#N/A"]  # a number parser rejects it, showing the error
    assert book.notes == ["p.xlsx: 2 cells of sheet 'workloads' hold a formula error (#DIV/0! at workloads!B2, "
                          "#N/A at workloads!B4); fix the formulas in Excel"]


def test_hidden_sheet_is_read_and_noted(tmp_path: Path):
    def setup(wb):
        wb["incidents"].sheet_state = "hidden"

    book = read_workbook(build(tmp_path / "p.xlsx", {"sites": [["site_id"], ["a"]],
                                                    "incidents": [["site_id"], ["a"]]}, setup))
    assert values(book.sheets["incidents"], "site_id") == ["a"]
    assert book.notes == ["p.xlsx: sheet 'incidents' is hidden; it is read as table incidents"]


def test_extra_sheets_ignored_and_listed_once(tmp_path: Path):
    book = read_workbook(build(tmp_path / "p.xlsx", {"Notes": [["x"]], "sites": [["site_id"], ["a"]],
                                                    "Chart data": [[1]]}))
    assert list(book.sheets) == ["sites"]
    assert book.notes == ["p.xlsx: sheets not named as a table are ignored: 'Notes', 'Chart data'"]


def test_no_sheet_named_as_a_table_is_a_problem(tmp_path: Path):
    book = read_workbook(build(tmp_path / "p.xlsx", {"Sheet1": [["site_id"], ["a"]]}))
    assert book.sheets == {}
    assert len(book.problems) == 1 and "holds no sheet named as a table" in book.problems[0]


def test_two_sheets_for_one_table_is_a_problem(tmp_path: Path):
    book = read_workbook(build(tmp_path / "p.xlsx", {" Sites": [["site_id"], ["x"]], "sites": [["site_id"], ["a"]]}))
    assert values(book.sheets["sites"], "site_id") == ["a"]  # the exact name wins
    assert book.problems == ["p.xlsx: sheets ' Sites', 'sites' all name table sites; sheet 'sites' is read; "
                             "delete or rename the others"]


def test_repeated_header_name_is_a_problem(tmp_path: Path):
    book = read_workbook(build(tmp_path / "p.xlsx", {"sites": [["site_id", "name", "site_id"], ["a", "A", "b"]]}))
    assert book.sheets["sites"].header == ["site_id", "name"]
    assert values(book.sheets["sites"], "site_id") == ["a"]
    assert book.problems == ["p.xlsx: sites!C1 repeats column 'site_id' (first at A1); the first one is read"]


def test_header_below_empty_rows_and_right_of_empty_columns(tmp_path: Path):
    def setup(wb):
        ws = wb["sites"]
        ws["C3"], ws["D3"], ws["C4"], ws["D5"] = "site_id", "name", "a", "B"

    sheet = read_workbook(build(tmp_path / "p.xlsx", {"sites": []}, setup)).sheets["sites"]
    assert sheet.header == ["site_id", "name"]
    assert values(sheet, "site_id") == ["a", None] and sheet.excel_rows.tolist() == [4, 5]
    assert sheet.cell("name", 1) == "sites!D5"


def test_empty_sheet_is_a_problem(tmp_path: Path):
    book = read_workbook(build(tmp_path / "p.xlsx", {"sites": []}))
    assert book.problems == ["p.xlsx: sheet 'sites' is empty; it needs a header row with the columns of table sites"]


def test_locale_date_stored_as_text_stays_text(tmp_path: Path):
    sheet = read_workbook(build(tmp_path / "p.xlsx", {"contracts": [["end_date"], ["31/12/2027"]]})).sheets["contracts"]
    assert values(sheet, "end_date") == ["31/12/2027"]  # the date parser rejects it with a located finding


def test_rows_converted_in_chunks_keep_order_and_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(xlsx, "CHUNK_CELLS", 6)  # 3 rows of 2 columns a chunk
    rows = [["id", "v"]] + [[f"r{i}", i if i % 2 else f"t{i}"] for i in range(10)] + [[None, None]]
    sheet = read_workbook(build(tmp_path / "p.xlsx", {"sites": rows})).sheets["sites"]
    assert values(sheet, "id") == [f"r{i}" for i in range(10)]
    assert values(sheet, "v") == [str(i) if i % 2 else f"t{i}" for i in range(10)]
    assert sheet.excel_rows.tolist() == list(range(2, 12))


@pytest.mark.parametrize("content", [
    bytes.fromhex("D0CF11E0A1B11AE1") + bytes(1024),  # an encrypted workbook is an OLE container
])
def test_password_protected_workbook_is_one_problem(tmp_path: Path, content: bytes):
    path = tmp_path / "plan.xlsx"
    path.write_bytes(content)
    book = read_workbook(path)
    assert book.sheets == {} and len(book.problems) == 1
    assert book.problems[0].startswith("plan.xlsx is password-protected")


@pytest.mark.parametrize("kind", ["truncated", "garbage", "empty", "zip-not-workbook", "bad-xml"])
def test_corrupt_workbook_is_one_problem(tmp_path: Path, kind: str):
    good = build(tmp_path / "good.xlsx", {"sites": [["site_id"], ["a"]]})
    path = tmp_path / "plan.xlsx"
    if kind == "truncated":
        path.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    elif kind == "garbage":
        path.write_bytes(b"PK\x03\x04" + bytes(range(256)) * 40)
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "zip-not-workbook":
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr("readme.txt", "hello")
    else:
        with zipfile.ZipFile(good) as src, zipfile.ZipFile(path, "w") as zf:
            for name in src.namelist():
                data = src.read(name)
                zf.writestr(name, data[: len(data) // 2] if name == "xl/worksheets/sheet1.xml" else data)
    book = read_workbook(path)
    assert book.sheets == {} and len(book.problems) == 1, book.problems
    assert book.problems[0].startswith("plan.xlsx cannot be read as an Excel workbook (")
    assert "\n" not in book.problems[0]


def test_unreadable_path_is_one_problem(tmp_path: Path):
    book = read_workbook(tmp_path / "missing.xlsx")
    assert book.problems == ["missing.xlsx cannot be read (No such file or directory); check its permissions"]


def test_column_letters():
    assert [column_letters(i) for i in (0, 25, 26, 51, 52, 701, 702)] == ["A", "Z", "AA", "AZ", "BA", "ZZ", "AAA"]


def test_formulas_without_saved_value_are_noted(tmp_path: Path):
    # openpyxl, like pandas, writes formulas without calculating them: Excel would show the value, we cannot.
    path = build(tmp_path / "p.xlsx", {"workloads": [["a", "b", "c"], [2, 3, "=A2*B2"], [1, 1, "=A3*B3"],
                                                     [1, 1, 1], [1, 1, "=A5*B5"], [1, 1, "=A6*B6"]]})
    patch_xml(path, 1, {"<f>A6*B6</f><v />": "<f>A6*B6</f><v>1</v>"})
    book = read_workbook(path)
    assert values(book.sheets["workloads"], "c") == [None, None, "1", None, "1"]
    assert book.notes == ["p.xlsx: 3 formula cells of sheet 'workloads' have no saved value (workloads!C2, "
                          "workloads!C3, workloads!C5) and read as empty; the workbook was written by a program "
                          "that does not calculate: open it in Excel or LibreOffice and save it"]


def test_formula_saved_as_empty_text_is_a_value_not_a_missing_one(tmp_path: Path):
    path = build(tmp_path / "p.xlsx", {"workloads": [["a", "b"], ["x", '=IF(1,"","y")']]})
    patch_xml(path, 1, {'<c r="B2"><f>IF(1,"","y")</f><v />': '<c r="B2" t="str"><f>IF(1,"","y")</f><v></v>'})
    book = read_workbook(path)
    assert values(book.sheets["workloads"], "b") == [None] and book.notes == []


def test_many_error_cells_are_listed_with_a_count(tmp_path: Path):
    rows = [["a", "b"]] + [[i, f"=1/{i * 0}"] for i in range(5)]
    path = build(tmp_path / "p.xlsx", {"My sheet": [["x"]], "workloads": rows})
    patch_xml(path, 2, {f'<c r="B{r}"><f>1/0</f><v />': f'<c r="B{r}" t="e"><f>1/0</f><v>#DIV/0!</v>'
                        for r in range(2, 7)})
    book = read_workbook(path)
    assert values(book.sheets["workloads"], "b") == ["#DIV/0!"] * 5
    assert book.notes[-1] == ("p.xlsx: 5 cells of sheet 'workloads' hold a formula error (#DIV/0! at workloads!B2, "
                              "#DIV/0! at workloads!B3, #DIV/0! at workloads!B4 and 2 more); fix the formulas in Excel")


def test_merged_data_cells_are_noted(tmp_path: Path):
    def setup(wb):
        wb["workloads"].merge_cells("B2:B3")

    rows = [["workload_id", "site_id"], ["w1", "fra-1"], ["w2", None]]
    book = read_workbook(build(tmp_path / "p.xlsx", {"workloads": rows}, setup))
    assert values(book.sheets["workloads"], "site_id") == ["fra-1", None]  # as Excel stores it
    assert book.notes == ["p.xlsx: 1 merged cell in sheet 'workloads' (workloads!B2:B3): only the first cell of a "
                          "merge holds its value, the others read as empty; unmerge and fill every cell"]


def test_a_stray_far_right_value_does_not_blow_up(tmp_path: Path):
    def setup(wb):
        wb["sites"]["XFD2"] = "stray"

    rows = [["site_id"], ["a"], ["b"]]
    book = read_workbook(build(tmp_path / "p.xlsx", {"sites": rows}, setup))
    sheet = book.sheets["sites"]
    assert sheet.header == ["site_id", ""] and values(sheet, "") == ["stray", None]
    assert sheet.cell("", 0) == "sites!XFD2"
