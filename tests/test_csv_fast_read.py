"""The CSV reader's fast path (mapped file, one line per record) gives the careful read's records and lines."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from energyplan.plan import files
from energyplan.plan.lines import count_bytes, line_ends_in_cells, line_of, lone_cr

HEADER = "site_id,name,country,site_type,pue,grid_carbon_intensity_g_per_kwh,sovereign"


SECOND = "second,half,of,a,value,on,two lines"  # as many fields as a record


def _rows(n: int, name: str = "plain") -> list[str]:
    return [f"s{i:07d},{name},DE,owned_dc,1.2,300,true" for i in range(n)]


def _careful(path: Path) -> tuple[pa.Table, np.ndarray | None]:
    return files._read_records(path.name, "sites", path.read_bytes())


def _write(path: Path, lines: list[str], newline: str = "\n", end: str = "\n") -> Path:
    path.write_bytes((newline.join(lines) + end).encode("utf-8"))
    return path


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_large_plain_file_is_mapped_and_lines_are_rows_plus_two(tmp_path: Path, newline: str) -> None:
    path = _write(tmp_path / "sites.csv", [HEADER, *_rows(40_000)], newline, newline)
    assert path.stat().st_size > files.MAP_MIN_BYTES
    assert not isinstance(files.map_file(path), bytes)
    table, lines = files.read_csv(path, "sites")
    assert table.num_rows == 40_000 and table["site_id"][39_999].as_py() == "s0039999"
    assert lines is not None and lines[0] == 2 and lines[-1] == 40_001
    careful = _careful(path)
    assert table.equals(careful[0]) and np.array_equal(lines, careful[1])


def test_quoted_file_with_values_spanning_lines_keeps_records_and_lines(tmp_path: Path) -> None:
    """Values with a line break, some at pyarrow's block boundaries: the fast path must not split them."""
    names = ["two\nlines" if i % 97 == 0 else "plain" for i in range(60_000)]
    rows = [f'"s{i:07d}","{name}","DE","owned_dc",1.2,300,true' for i, name in enumerate(names)]
    path = _write(tmp_path / "sites.csv", [HEADER, *rows])
    table, lines = files.read_csv(path, "sites")
    assert table.num_rows == 60_000
    assert table["name"][97].as_py() == "two\nlines" and table["site_id"][59_999].as_py() == "s0059999"
    assert lines is not None and lines[0] == 2 and lines[1] == 4 and lines[97] == 100 and lines[98] == 102
    careful = _careful(path)
    assert table.equals(careful[0]) and np.array_equal(lines, careful[1])


def test_value_split_at_a_block_boundary_is_caught(tmp_path: Path) -> None:
    """A last-column value whose line break is the last one before pyarrow's 1 MiB block boundary, and
    whose second half has as many commas as a record: the fast path reads the halves as two records
    (with the right count of lines, so the counts agree); the cell check sees the first half's line end."""
    head = HEADER.replace(",sovereign", "") + ",note\n"
    row = "s{:07d},x,DE,owned_dc,1.2,300,plain\n"
    n = ((1 << 20) - len(head)) // len(row.format(0)) - 1
    body = "".join(row.format(i) for i in range(n))
    pad = (1 << 20) - len(head) - len(body) - len('s0000000,x,DE,owned_dc,1.2,300,"') + 8
    spanning = f's{n:07d},x,DE,owned_dc,1.2,300,"{"f" * pad}\n{SECOND}"\n'
    tail = "".join(row.format(i) for i in range(n + 1, n + 5000))
    data = (head + body + spanning + tail).encode()
    assert data.index(b"\n" + SECOND.encode()) == (1 << 20) + 8  # where pyarrow (26) cuts a block
    path = tmp_path / "sites.csv"
    path.write_bytes(data)
    table, lines = files.read_csv(path, "sites")
    assert table.num_rows == n + 5000
    assert table["note"][n].as_py() == "f" * pad + "\n" + SECOND
    assert lines is not None and lines[n] == n + 2 and lines[n + 1] == n + 4


def test_blank_lines_and_trailing_line_ends_take_the_careful_path(tmp_path: Path) -> None:
    rows = _rows(30_000)
    for lines_in, end in (([HEADER, *rows[:10], "", *rows[10:]], "\n"), ([HEADER, *rows], "\n\n\n"),
                          ([HEADER, *rows], "")):
        path = _write(tmp_path / "sites.csv", lines_in, end=end)
        table, lines = files.read_csv(path, "sites")
        careful = _careful(path)
        assert table.num_rows == 30_000 and table.equals(careful[0])
        assert lines is not None and np.array_equal(lines, careful[1])


def test_lone_cr_line_ends_are_normalised_in_a_mapped_file(tmp_path: Path) -> None:
    path = _write(tmp_path / "sites.csv", [HEADER, *_rows(40_000)], "\r", "\r")
    table, lines = files.read_csv(path, "sites")
    assert table.num_rows == 40_000 and lines is not None and lines[-1] == 40_001


def test_nul_byte_far_into_a_mapped_file_names_its_line(tmp_path: Path) -> None:
    rows = _rows(40_000)
    rows[30_000] = rows[30_000].replace("plain", "pl\x00ain")
    path = _write(tmp_path / "sites.csv", [HEADER, *rows])
    with pytest.raises(files.FileProblem, match=r"NUL byte .* on line 30002"):
        files.read_csv(path, "sites")


def test_byte_scans() -> None:
    data = b"a,b\r\nc,\"d\"\r\n"
    assert count_bytes(data, (10, 13, 34)) == [2, 2, 2]
    assert not lone_cr(data) and lone_cr(b"a\rb") and lone_cr(b"ab\r")
    assert line_of(data, 0) == 1 and line_of(data, 6) == 2
    big = b"x" * ((1 << 22) - 1) + b"\r\n"  # a CRLF across the scan's slice boundary is not a lone CR
    assert not lone_cr(big) and lone_cr(big[:-1])
    assert line_ends_in_cells(pa.table({"a": ["x", "y\r"], "n": [1, 2]}))
    assert not line_ends_in_cells(pa.table({"a": ["x", "y\r"]}).slice(0, 1))
