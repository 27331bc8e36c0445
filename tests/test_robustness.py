"""Malformed plans thrown at the whole CLI: every one ends in findings and exit 0/1, never a traceback."""

from __future__ import annotations

import csv
import io
import json
import math
import os
import random
import shutil
import signal
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from energyplan.cli.app import app

NORTHWIND = Path(__file__).resolve().parent.parent / "sample_data" / "northwind"
TABLES = ("sites", "workloads", "commitments", "contracts", "incidents")
PLAN_FILES = {f"{t}.{ext}" for t in TABLES for ext in ("csv", "parquet")} | {"energyplan.toml"}

# The column of each table that a nasty cell goes into, per kind of value. Number columns are ones whose
# range holds -0 … 16, so that a well-formed number there is valid and only a malformed one is an error.
NUMBER_COL = {"sites": "grid_carbon_intensity_g_per_kwh", "workloads": "hours_per_week",
              "commitments": "total_cost", "contracts": "capacity_mw", "incidents": "mw_shed"}
DATE_COL = {"workloads": "start_date", "commitments": "start_date", "contracts": "start_date"}
TIMESTAMP_COL = {"incidents": "started_at"}
BOOL_COL = {"sites": "sovereign", "workloads": "sovereign_required", "commitments": "energy_signoff"}
TEXT_COL = {"sites": "name", "workloads": "name", "commitments": "provider", "contracts": "counterparty",
            "incidents": "site_id"}

runner = CliRunner()


# ---- running the CLI and checking what it printed ------------------------------------------------

def _no_nonfinite(token: str) -> float:
    raise AssertionError(f"JSON holds the non-finite number {token}")


def _walk_numbers(value: Any, where: str = "$") -> None:
    if isinstance(value, float):
        assert math.isfinite(value), f"{where} is {value}"
    elif isinstance(value, dict):
        for k, v in value.items():
            _walk_numbers(v, f"{where}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _walk_numbers(v, f"{where}[{i}]")


def record_lines(data: bytes) -> list[int] | None:
    """The physical line each data record starts on, read independently with Python's csv module
    (blank lines skipped, as pyarrow does); None when the file is not CSV Python can read."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    if "\x00" in text:
        return None
    reader = csv.reader(io.StringIO(text, newline=""))
    starts: list[int] = []
    try:
        previous = 0
        for record in reader:
            if record:
                starts.append(previous + 1)
            previous = reader.line_num
    except csv.Error:
        return None
    return starts[1:]  # the header is not a data record


def check_findings(findings: list[dict], plan: Path) -> None:
    """Where every finding points: a plan file, a row ≥ 1 within the file, the line that row starts on."""
    oracle: dict[str, list[int] | None] = {}
    for f in findings:
        for key in ("rule", "file", "row", "line", "column"):
            assert key in f, f"finding without {key}: {f}"
        name, row, line = f["file"], f["row"], f["line"]
        assert row is None or (type(row) is int and row >= 1), f"bad row in {f}"
        assert line is None or (type(line) is int and line >= 1), f"bad line in {f}"
        if name is None:
            continue
        assert name in PLAN_FILES, f"finding names {name!r}, not a file of the plan folder: {f}"
        path = plan / name
        if name.endswith(".parquet"):
            assert line is None, f"a Parquet finding has a line: {f}"
            continue
        if line is None or not path.is_file() or path.suffix != ".csv":
            continue
        if name not in oracle:
            try:
                oracle[name] = record_lines(path.read_bytes())
            except OSError:
                oracle[name] = None
        starts = oracle[name]
        if starts is None:
            continue
        assert row is not None, f"a finding with a line but no row: {f}"
        assert row <= len(starts), f"row {row} but {name} has {len(starts)} records: {f}"
        assert line == starts[row - 1], f"row {row} of {name} starts on line {starts[row - 1]}, not {line}: {f}"


class Hang(BaseException):
    """Raised by the alarm: a BaseException, so the CLI's guard() cannot turn it into an exit code."""


def _alarm(_signum: int, _frame: Any) -> None:
    raise Hang(f"the command ran longer than {HANG_SECONDS} s")


HANG_SECONDS = 30


def invoke(args: list[str], *, json_out: bool = True) -> Any:
    """Run the CLI in-process; no escaped exception, no traceback (also none printed by an exception
    Python could only report as "unraisable", e.g. one raised inside a pyarrow callback), no hang,
    exit 0 or 1; returns the parsed JSON of stdout."""
    unraisable: list[str] = []

    def hook(info: Any) -> None:
        unraisable.append("".join(traceback.format_exception(info.exc_type, info.exc_value, info.exc_traceback)))

    old_hook, old_handler = sys.unraisablehook, signal.signal(signal.SIGALRM, _alarm)
    sys.unraisablehook = hook
    signal.alarm(HANG_SECONDS)
    try:
        result = runner.invoke(app, args)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old_handler)
        sys.unraisablehook = old_hook
    shown = f"{' '.join(args)}\nexit {result.exit_code}\nstdout:\n{result.stdout[-3000:]}\nstderr:\n" \
            f"{result.stderr[-3000:]}"
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        tb = "".join(traceback.format_exception(result.exception))
        raise AssertionError(f"{shown}\nexception escaped the CLI:\n{tb}")
    assert not unraisable, f"{shown}\na traceback reached stderr (Exception ignored in ...):\n{unraisable[0]}"
    assert "Traceback" not in result.stdout and "Traceback" not in result.stderr, shown
    assert result.exit_code in (0, 1), shown
    if not json_out:
        return result
    try:
        doc = json.loads(result.stdout, parse_constant=_no_nonfinite)
    except json.JSONDecodeError as exc:
        raise AssertionError(f"{shown}\nstdout is not JSON: {exc}") from None
    _walk_numbers(doc)
    return doc


def run_cli(plan: Path, *, kpi_anyway: bool = False, audit_only: bool = False) -> dict[str, Any]:
    """audit, validate and kpi, all as JSON; each is checked; returns the parsed documents.
    kpi_anyway: when kpi refuses a plan with integrity errors, run it again with --fail-on never.
    audit_only: the audit JSON alone (it holds the validation findings and the KPIs too)."""
    audit = invoke(["audit", str(plan), "--format", "json"])
    assert {"summary", "findings", "kpis"} <= set(audit), audit.keys()
    check_findings(audit["findings"], plan)
    if audit_only:
        return {"audit": audit}
    validate = invoke(["validate", str(plan), "--format", "json"])
    assert {"summary", "findings"} <= set(validate), validate.keys()
    check_findings(validate["findings"], plan)
    result = invoke(["kpi", str(plan), "--format", "json"], json_out=False)
    kpi = None
    if result.exit_code == 1:
        # Integrity errors: kpi writes nothing and says why (the KPIs themselves are in the audit JSON).
        assert not result.stdout and "EP00" in result.stderr, result.stderr
        if kpi_anyway:
            kpi = invoke(["kpi", str(plan), "--format", "json", "--fail-on", "never"])
    else:
        kpi = json.loads(result.stdout, parse_constant=_no_nonfinite)
        _walk_numbers(kpi)
    if kpi is not None:
        assert {"schema_version", "kpis"} <= set(kpi), kpi.keys()
    return {"audit": audit, "validate": validate, "kpi": kpi}


# ---- building nasty plans ----------------------------------------------------------------------

def copy_plan(tmp_path: Path) -> Path:
    plan = tmp_path / "plan"
    shutil.copytree(NORTHWIND, plan)
    return plan


def read_rows(plan: Path, table: str) -> list[list[str]]:
    with (plan / f"{table}.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def rows_text(rows: list[list[str]], terminator: str = "\n") -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator=terminator).writerows(rows)
    return buf.getvalue()


def set_cell(plan: Path, table: str, column: str, value: str, record: int = 1) -> list[list[str]]:
    rows = read_rows(plan, table)
    rows[record][rows[0].index(column)] = value
    (plan / f"{table}.csv").write_text(rows_text(rows), encoding="utf-8", newline="")
    return rows


def arrow_table(plan: Path, table: str) -> pa.Table:
    """The northwind table with the types pyarrow infers (ints, floats, dates, bools, strings)."""
    return pacsv.read_csv(plan / f"{table}.csv")


def write_parquet(plan: Path, table: str, data: pa.Table) -> None:
    (plan / f"{table}.csv").unlink()
    pq.write_table(data, plan / f"{table}.parquet")


def _replace_columns(data: pa.Table, fn: Callable[[str, pa.ChunkedArray], pa.ChunkedArray | pa.Array]) -> pa.Table:
    return pa.table({name: fn(name, data.column(name)) for name in data.column_names})


def _bytes(text: str) -> Callable[[Path, str], None]:
    def make(plan: Path, table: str) -> None:
        (plan / f"{table}.csv").write_text(text, encoding="utf-8", newline="")
    return make


def _raw(data_fn: Callable[[Path, str], bytes]) -> Callable[[Path, str], None]:
    def make(plan: Path, table: str) -> None:
        data = data_fn(plan, table)
        (plan / f"{table}.csv").write_bytes(data)
    return make


def _header(plan: Path, table: str) -> list[str]:
    return read_rows(plan, table)[0]


def _edit_rows(fn: Callable[[list[list[str]], str], list[list[str]]]) -> Callable[[Path, str], None]:
    def make(plan: Path, table: str) -> None:
        rows = fn(read_rows(plan, table), table)
        (plan / f"{table}.csv").write_text(rows_text(rows), encoding="utf-8", newline="")
    return make


def _text_cell(value: str, encoding: str = "utf-8") -> Callable[[Path, str], None]:
    def make(plan: Path, table: str) -> None:
        rows = read_rows(plan, table)
        rows[1][rows[0].index(TEXT_COL[table])] = value
        (plan / f"{table}.csv").write_bytes(rows_text(rows).encode(encoding, errors="replace"))
    return make


def _latin1_too_many(plan: Path, table: str) -> None:
    rows = read_rows(plan, table)
    rows[1][rows[0].index(TEXT_COL[table])] = "Café"
    rows[1].append("one field too many")
    (plan / f"{table}.csv").write_bytes(rows_text(rows).encode("latin-1", errors="replace"))


def _unterminated_quote(plan: Path, table: str) -> None:
    text = (plan / f"{table}.csv").read_text(encoding="utf-8")
    head, first, rest = text.split("\n", 2)
    (plan / f"{table}.csv").write_text(f'{head}\n"{first}\n{rest}', encoding="utf-8", newline="")


def _directory(plan: Path, table: str) -> None:
    (plan / f"{table}.csv").unlink()
    (plan / f"{table}.csv").mkdir()
    (plan / f"{table}.csv" / "inner.csv").write_text("a,b\n1,2\n", encoding="utf-8")


def _symlink_loop(plan: Path, table: str) -> None:
    (plan / f"{table}.csv").unlink()
    os.symlink(f"{table}.csv", plan / f"{table}.csv")


def _symlink_pair_loop(plan: Path, table: str) -> None:
    (plan / f"{table}.csv").unlink()
    os.symlink(f"{table}-loop", plan / f"{table}.csv")
    os.symlink(f"{table}.csv", plan / f"{table}-loop")


def _dangling_symlink(plan: Path, table: str) -> None:
    (plan / f"{table}.csv").unlink()
    os.symlink("nowhere.csv", plan / f"{table}.csv")


def _unreadable(plan: Path, table: str) -> None:
    (plan / f"{table}.csv").chmod(0)


def _pq_zero_columns(plan: Path, table: str) -> None:
    write_parquet(plan, table, pa.table({}))


def _pq_nested(plan: Path, table: str) -> None:
    data = arrow_table(plan, table)
    key, text = data.column_names[0], TEXT_COL[table]
    n = data.num_rows

    def nest(name: str, col: pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
        if name == key:  # the key as a list of strings: a nested type no plan column can hold
            return pa.array([[v] for v in col.to_pylist()], type=pa.list_(pa.string()))
        if name == text:
            return pa.array([{"a": i, "b": str(v)} for i, v in enumerate(col.to_pylist())])
        return col
    nested = _replace_columns(data, nest)
    nested = nested.append_column("extra_map", pa.array([[("k", i)] for i in range(n)],
                                                         type=pa.map_(pa.string(), pa.int64())))
    write_parquet(plan, table, nested)


def _pq_nested_number(plan: Path, table: str) -> None:
    data = arrow_table(plan, table)
    col = NUMBER_COL[table]

    def nest(name: str, c: pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
        return pa.array([[v] for v in c.to_pylist()], type=pa.list_(pa.float64())) if name == col else c
    write_parquet(plan, table, _replace_columns(data, nest))


def _pq_dictionary(plan: Path, table: str) -> None:
    data = arrow_table(plan, table)
    write_parquet(plan, table, _replace_columns(
        data, lambda _n, c: c.dictionary_encode() if pa.types.is_string(c.type) else c))


def _pq_tz_timestamps(plan: Path, table: str) -> None:
    data = arrow_table(plan, table)

    def tz(_name: str, col: pa.ChunkedArray) -> pa.ChunkedArray:
        if pa.types.is_date(col.type) or pa.types.is_timestamp(col.type):
            naive = col.cast(pa.timestamp("us")) if pa.types.is_date(col.type) else col
            if naive.type.tz is not None:
                return naive.cast(pa.timestamp("us", tz="Asia/Kolkata"))
            return naive.cast(pa.timestamp("us", tz="UTC")).cast(pa.timestamp("us", tz="America/New_York"))
        return col
    converted = _replace_columns(data, tz)
    stamps = pa.array([1_790_000_000_000_000 + i for i in range(data.num_rows)], pa.timestamp("us", tz="+05:30"))
    write_parquet(plan, table, converted.append_column("reviewed_at", stamps))


def _pq_narrow_types(plan: Path, table: str) -> None:
    data = arrow_table(plan, table)

    def narrow(_name: str, col: pa.ChunkedArray) -> pa.ChunkedArray:
        if pa.types.is_integer(col.type):
            return col.cast(pa.int32())
        if pa.types.is_floating(col.type):
            return col.cast(pa.float32())
        return col
    write_parquet(plan, table, _replace_columns(data, narrow))


def _pq_nan_and_null(plan: Path, table: str) -> None:
    data = arrow_table(plan, table)

    def poison(_name: str, col: pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
        if pa.types.is_floating(col.type) or pa.types.is_integer(col.type):
            values = [float("nan"), float("inf"), None, -0.0, 1e308 * 10][: len(col)]
            return pa.array(values + col.to_pylist()[len(values):], type=pa.float64())
        return col
    write_parquet(plan, table, _replace_columns(data, poison))


def _pq_garbage(plan: Path, table: str) -> None:
    (plan / f"{table}.csv").unlink()
    (plan / f"{table}.parquet").write_bytes(b"PAR1" + random.Random(7).randbytes(300) + b"PAR1")


def _csv_and_parquet(plan: Path, table: str) -> None:
    pq.write_table(arrow_table(plan, table), plan / f"{table}.parquet")


def _random_bytes(seed: int, n: int) -> Callable[[Path, str], bytes]:
    return lambda _p, _t: random.Random(seed).randbytes(n)


def _header_bytes(plan: Path, table: str) -> bytes:
    return ",".join(_header(plan, table)).encode()


def _dup_header(rows: list[list[str]], _t: str) -> list[list[str]]:
    return [[*r, r[0] + ("" if i == 0 else "-dup")] for i, r in enumerate(rows)]


def _empty_header_name(rows: list[list[str]], _t: str) -> list[list[str]]:
    return [[*r[:1], "", *r[1:]] if i == 0 else [*r[:1], "x", *r[1:]] for i, r in enumerate(rows)]


FILE_CASES: dict[str, Callable[[Path, str], None]] = {
    "empty": _bytes(""),
    "bom-only": _raw(lambda _p, _t: b"\xef\xbb\xbf"),
    "newline-only": _bytes("\n"),
    "header-only-crlf": _raw(lambda p, t: _header_bytes(p, t) + b"\r\n"),
    "header-only-no-newline": _raw(_header_bytes),
    "binary-garbage": _raw(_random_bytes(20261130, 4096)),
    "png": _raw(lambda _p, _t: b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + random.Random(3).randbytes(200)),
    "zip": _raw(lambda _p, _t: b"PK\x03\x04" + random.Random(5).randbytes(200)),
    "utf16": _raw(lambda p, t: (p / f"{t}.csv").read_text(encoding="utf-8").encode("utf-16")),
    "latin1": _text_cell("Café Zürich", encoding="latin-1"),
    "latin1-and-too-many-fields": _latin1_too_many,
    "nul-in-cell": _text_cell("a\x00b"),
    "nul-after-8k": _edit_rows(lambda rows, t: [*rows, ["y" * 9000 + "\x00", *rows[1][1:]]]),
    "unterminated-quote": _unterminated_quote,
    "quote-in-unquoted-cell": _text_cell('ab"cd'),
    "newline-in-quoted-cell": _text_cell("two\nlines\r\nand three"),
    "too-many-fields": _edit_rows(lambda rows, t: [rows[0], rows[1] + ["extra", "more"], *rows[2:]]),
    "too-few-fields": _edit_rows(lambda rows, t: [rows[0], rows[1][:-2], *rows[2:]]),
    "duplicate-header": _edit_rows(_dup_header),
    "empty-header-name": _edit_rows(_empty_header_name),
    "header-trailing-spaces": _edit_rows(lambda rows, t: [[c + "  " for c in rows[0]], *rows[1:]]),
    "header-upper-case": _edit_rows(lambda rows, t: [[c.upper() for c in rows[0]], *rows[1:]]),
    "header-semicolon": _raw(lambda p, t: (p / f"{t}.csv").read_bytes().replace(b",", b";")),
    "cell-100k": _text_cell("x" * 100_000),
    "header-100k": _edit_rows(lambda rows, t: [rows[0] + ["h" * 100_000], *[[*r, ""] for r in rows[1:]]]),
    "blank-lines-between": _raw(lambda p, t: (p / f"{t}.csv").read_bytes().replace(b"\n", b"\n\n\r\n")),
    "lone-cr-line-ends": _raw(lambda p, t: (p / f"{t}.csv").read_bytes().replace(b"\n", b"\r")),
    "mixed-line-ends": _raw(lambda p, t: (p / f"{t}.csv").read_bytes().replace(b"\n", b"\r\n", 2)),
    "header-from-other-table": _raw(lambda _p, t: (NORTHWIND / ("sites.csv" if t != "sites" else "workloads.csv"))
                                    .read_bytes()),
    "directory": _directory,
    "symlink-loop": _symlink_loop,
    "symlink-pair-loop": _symlink_pair_loop,
    "dangling-symlink": _dangling_symlink,
    "no-read-permission": _unreadable,
    "parquet-zero-columns": _pq_zero_columns,
    "parquet-nested-columns": _pq_nested,
    "parquet-list-number-column": _pq_nested_number,
    "parquet-dictionary-strings": _pq_dictionary,
    "parquet-tz-timestamps": _pq_tz_timestamps,
    "parquet-int32-float32": _pq_narrow_types,
    "parquet-nan-inf-null": _pq_nan_and_null,
    "parquet-garbage": _pq_garbage,
    "csv-and-parquet": _csv_and_parquet,
}


def _case_params(names: list[str]) -> list[Any]:
    return [pytest.param(name, id=name) for name in names]


@pytest.mark.parametrize("case", _case_params(list(FILE_CASES)))
def test_malformed_file_in_every_table(tmp_path: Path, case: str) -> None:
    """The nasty file stands in for each of the five tables at once: every one goes through the loader."""
    if case == "no-read-permission" and os.geteuid() == 0:
        pytest.skip("running as root: a file without read permission is still readable")
    plan = copy_plan(tmp_path)
    for table in TABLES:
        FILE_CASES[case](plan, table)
    run_cli(plan, audit_only=True)


# One table broken while the other four are sound: the rules that need it are skipped, the rest run.
ISOLATED_CASES = ["too-few-fields", "newline-in-quoted-cell"]


@pytest.mark.parametrize("table", TABLES)
@pytest.mark.parametrize("case", _case_params(ISOLATED_CASES))
def test_one_malformed_table(tmp_path: Path, case: str, table: str) -> None:
    plan = copy_plan(tmp_path)
    FILE_CASES[case](plan, table)
    run_cli(plan, audit_only=True)


# ---- nasty cells: each value in a copy of a table's first record, appended to every table -----------

# (value, kind, valid): valid is what the plan format says — True/False — or None where it does not say.
CELL_CASES: list[tuple[str, str, bool | None]] = [
    ("1,5", "number", False),
    ("1e309", "number", False),
    ("-1e309", "number", False),
    ("-0", "number", True),
    ("+3", "number", True),
    (" 7 ", "number", None),
    ("0x10", "number", False),
    ("١٢", "number", None),
    ("nan", "number", False),
    ("inf", "number", False),
    ("N/A", "number", False),
    ("1_000", "number", None),
    ("9" * 400, "number", None),
    ("1e-400", "number", None),
    ("2026-02-30", "date", False),
    ("2026-1-5", "date", False),
    ("20261105", "date", False),
    ("2026-11-05T00:00:00", "date", None),
    ("0001-01-01", "date", None),
    ("9999-12-31", "date", True),
    ("99999-01-01", "date", False),
    (" 2026-11-05 ", "date", None),
    ("2026-11-05T10:00:00", "timestamp", True),
    ("2026-11-05T10:00:00+01:00", "timestamp", True),
    ("2026-11-05T10:00:00Z", "timestamp", True),
    ("2026-11-05T10:00:00.123456789-05:30", "timestamp", True),
    ("2026-11-05 10:00", "timestamp", None),
    ("2026-11-05", "timestamp", None),
    ("2026-13-45T25:61:00", "timestamp", False),
    ("2026-11-05T10:00:00+25:00", "timestamp", None),
    ("9999-12-31T23:59:59-14:00", "timestamp", None),
    ("TRUE", "bool", True),
    ("Yes", "bool", True),
    ("1.0", "bool", False),
    ("ja", "bool", False),
]

KIND_COL = {"number": NUMBER_COL, "date": DATE_COL, "timestamp": TIMESTAMP_COL, "bool": BOOL_COL}


def _target(table: str, kind: str) -> tuple[str, bool]:
    """The column a value of this kind goes into, and whether it is a column of that kind."""
    own = KIND_COL[kind].get(table)
    if own is not None:
        return own, True
    if kind == "timestamp" and table in DATE_COL:
        return DATE_COL[table], False
    return NUMBER_COL[table], False


@pytest.mark.parametrize("kind", list(KIND_COL))
def test_malformed_cells(tmp_path: Path, kind: str) -> None:
    """Each value of the kind goes into its own copy of the first record (a fresh key), in every table."""
    cases = [(v, valid) for v, k, valid in CELL_CASES if k == kind]
    plan = copy_plan(tmp_path)
    placed: dict[str, tuple[str, bool, int]] = {}  # table -> (column, own kind, row of the first copy)
    for table in TABLES:
        rows = read_rows(plan, table)
        column, own = _target(table, kind)
        key, col = 0, rows[0].index(column)
        placed[table] = (column, own, len(rows))
        for i, (value, _valid) in enumerate(cases):
            copy = list(rows[1])
            copy[key] = f"{copy[key]}-cell{i}"
            copy[col] = value
            rows.append(copy)
        (plan / f"{table}.csv").write_text(rows_text(rows), encoding="utf-8", newline="")
    docs = run_cli(plan)
    for table, (column, own, first_row) in placed.items():
        at_cells: dict[int, list[dict]] = {}
        for f in docs["validate"]["findings"]:
            if f["file"] == f"{table}.csv" and f["column"] == column and f["rule"] == "EP000":
                at_cells.setdefault(f["row"], []).append(f)
        starts = record_lines((plan / f"{table}.csv").read_bytes())
        assert starts is not None
        for i, (value, valid) in enumerate(cases):
            row = first_row + i
            for f in at_cells.get(row, []):
                assert f["line"] == starts[row - 1], f"{value!r} is on line {starts[row - 1]}: {f}"
            if own and valid is True:
                assert row not in at_cells, f"{value!r} is a valid {kind} in {table}.{column}: {at_cells[row]}"
            if own and valid is False:
                assert row in at_cells, f"{value!r} is not a valid {kind}, but {table}.{column} has no EP000"


def test_year_zero_date(tmp_path: Path) -> None:
    plan = copy_plan(tmp_path)
    set_cell(plan, "commitments", "start_date", "0000-01-01")
    doc = run_cli(plan)
    year_zero = [f for f in doc["audit"]["findings"] if f["rule"] == "EP000" and f["column"] == "start_date"]
    assert len(year_zero) == 1 and "0000-01-01" in year_zero[0]["message"]


# ---- random mutations of the valid northwind plan ------------------------------------------------

_PALETTE = [b",", b'"', b"\n", b"\r", b"\r\n", b"\x00", b"\xff", b"\xc3", "é".encode(), b";", b"\t", b" ",
            b"-", b".", b"e", b"9", b"0", b"true", b"2026-02-30", b"nan", b"\xef\xbb\xbf", b'""', b"\\"]


def _mutate_bytes(rnd: random.Random, data: bytes) -> bytes:
    op = rnd.choice(["delete", "insert", "replace", "truncate", "duplicate"])
    if not data:
        return rnd.choice(_PALETTE)
    i = rnd.randrange(len(data))
    n = rnd.randint(1, 12)
    if op == "delete":
        return data[:i] + data[i + n:]
    if op == "insert":
        return data[:i] + rnd.choice(_PALETTE) * rnd.randint(1, 3) + data[i:]
    if op == "replace":
        return data[:i] + bytes(rnd.randrange(256) for _ in range(n)) + data[i + n:]
    if op == "truncate":
        return data[:i]
    j = rnd.randrange(len(data))
    return data[:i] + data[min(i, j):max(i, j)] + data[i:]


def _mutate_cells(rnd: random.Random, rows: list[list[str]]) -> list[list[str]]:
    op = rnd.choice(["swap", "drop-column", "shuffle-header", "copy-row", "swap-columns"])
    width = len(rows[0])
    if op == "swap" and len(rows) > 2:
        (r1, r2), c1, c2 = rnd.sample(range(1, len(rows)), 2), rnd.randrange(width), rnd.randrange(width)
        if c1 < len(rows[r1]) and c2 < len(rows[r2]):
            rows[r1][c1], rows[r2][c2] = rows[r2][c2], rows[r1][c1]
    elif op == "drop-column":
        c = rnd.randrange(width)
        rows = [r[:c] + r[c + 1:] for r in rows]
    elif op == "shuffle-header":
        rnd.shuffle(rows[0])
    elif op == "copy-row" and len(rows) > 1:
        rows.insert(rnd.randrange(1, len(rows) + 1), list(rnd.choice(rows[1:])))
    else:
        c1, c2 = rnd.randrange(width), rnd.randrange(width)
        for r in rows:
            if max(c1, c2) < len(r):
                r[c1], r[c2] = r[c2], r[c1]
    return rows


MUTATION_EXAMPLES = 60


@pytest.mark.parametrize("seed", range(MUTATION_EXAMPLES))
def test_random_mutations(tmp_path: Path, seed: int) -> None:
    rnd = random.Random(seed)
    plan = copy_plan(tmp_path)
    for table in rnd.sample(TABLES, rnd.randint(1, 3)):
        path = plan / f"{table}.csv"
        for _ in range(rnd.randint(1, 4)):
            if rnd.random() < 0.4:
                rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8", errors="replace"),
                                                   newline="")))
                if rows:
                    path.write_text(rows_text(_mutate_cells(rnd, rows)), encoding="utf-8", newline="")
                    continue
            path.write_bytes(_mutate_bytes(rnd, path.read_bytes()))
    run_cli(plan, audit_only=True)
