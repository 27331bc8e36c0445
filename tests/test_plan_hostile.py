"""Hostile tables (issue 12, "Tables"): each defect of the campaign is a located finding, never a crash or hang."""

from __future__ import annotations

import datetime as dt
import os
import threading
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from energyplan.cli.app import app
from energyplan.model import TABLES
from energyplan.plan import files
from energyplan.plan.schemas import column_specs
from tests.helpers import COMMITMENT, CONTRACT, INCIDENT, PROFILE, SITE, WORKLOAD, csv_text, row, write_plan
from tests.test_validate_support import findings, one, validate

BASE = {"sites": SITE, "workloads": WORKLOAD, "commitments": COMMITMENT, "contracts": CONTRACT,
        "incidents": INCIDENT, "profiles": PROFILE}
OPTIONAL = [(t, s.name) for t in TABLES for s in column_specs(t) if not s.required]


def _audit(root: Path) -> Any:
    return CliRunner().invoke(app, ["audit", str(root), "--format", "json"])


@pytest.mark.parametrize(("table", "column"), OPTIONAL, ids=[f"{t}.{c}" for t, c in OPTIONAL])
def test_a_table_without_an_optional_column_loads(tmp_path: Path, table: str, column: str) -> None:
    rows = {t: dict(r) for t, r in BASE.items()}
    rows[table].pop(column, None)
    if (table, column) == ("contracts", "currency"):
        rows[table]["price_per_mwh"] = ""  # a price without its currency is a finding of its own
    columns = [s.name for s in column_specs(table) if s.name != column]
    tables = {t: [r] for t, r in rows.items()}
    tables[table] = csv_text([rows[table]], columns)
    root = write_plan(tmp_path / "plan", **tables)
    plan = validate(root)
    assert findings(plan, "EP000") == [] and table in plan.loaded
    values = plan.frames[table][column]
    default = next(s.default for s in column_specs(table) if s.name == column)
    assert len(values) == 1 and (values.isna().all() if default is None else (values == default).all())
    result = _audit(root)
    assert result.exit_code in (0, 1), result.output


# ---- Parquet -----------------------------------------------------------------------------------------

def _sites_parquet(root: Path, **overrides: pa.Array) -> Path:
    columns: dict[str, pa.Array] = {
        "site_id": pa.array(["s1", "s2"]), "country": pa.array(["DE", "FR"]),
        "site_type": pa.array(["owned_dc", "colocation"]), "pue": pa.array([1.2, 1.3]),
        "grid_carbon_intensity_g_per_kwh": pa.array([380, 50], type=pa.int64()),
        "sovereign": pa.array([False, True]),
    }
    columns.update(overrides)
    write_plan(root, sites=None)
    pq.write_table(pa.table(columns), root / "sites.parquet")
    return root


@pytest.mark.parametrize("value", [2**53 + 1, -(2**53) - 1], ids=["above", "below"])
def test_parquet_int64_beyond_2_53_in_a_float_column_is_a_located_finding(tmp_path: Path, value: int) -> None:
    root = _sites_parquet(tmp_path, grid_carbon_intensity_g_per_kwh=pa.array([380, value], type=pa.int64()))
    f = one(validate(root), column="grid_carbon_intensity_g_per_kwh")
    assert f["row"] == 2 and f["record_id"] == "s2" and "is too large" in f["message"] and str(value) in f["message"]
    assert _audit(root).exit_code in (0, 1)


def test_parquet_uint64_max_in_an_int_column_is_a_located_finding(tmp_path: Path) -> None:
    root = write_plan(tmp_path, sites=[SITE], workloads=None)
    pq.write_table(pa.table({
        "workload_id": ["w1", "w2"], "site_id": ["s1", "s1"], "workload_class": ["training", "training"],
        "gpu_count": pa.array([8, 2**64 - 1], type=pa.uint64()), "gpu_power_kw": [1.0, 1.0],
        "utilization": [0.5, 0.5], "hours_per_week": [168.0, 168.0],
        "start_date": pa.array([dt.date(2026, 1, 1)] * 2, type=pa.date32()),
    }), root / "workloads.parquet")
    plan = validate(root)
    f = one(plan, column="gpu_count")
    assert f["row"] == 2 and "18446744073709551615" in f["message"] and "too large" in f["message"]
    assert list(plan.frames["workloads"]["workload_id"]) == ["w1"]
    assert _audit(root).exit_code in (0, 1)


def test_parquet_exact_2_53_is_still_accepted(tmp_path: Path) -> None:
    root = _sites_parquet(tmp_path, pue=pa.array([1, 2], type=pa.uint64()))
    assert findings(validate(root)) == []


@pytest.mark.parametrize("column", ["pue", "site_type", "site_id"])
def test_parquet_string_view_column_with_an_invalid_cell_is_located(tmp_path: Path, column: str) -> None:
    values = {"pue": ["1.2", "x"], "site_type": ["owned_dc", "dc"], "site_id": ["s1", None]}[column]
    root = _sites_parquet(tmp_path, **{column: pa.array(values, type=pa.string_view())})
    if not pa.types.is_string_view(pq.read_schema(root / "sites.parquet").field(column).type):
        pytest.skip("this pyarrow does not keep string_view through Parquet")
    f = one(validate(root), column=column)
    assert f["row"] == 2
    assert _audit(root).exit_code in (0, 1)


# ---- NUL bytes ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("table", ["sites", "workloads", "contracts"])
def test_a_nul_byte_after_the_first_8_kib_is_a_finding_naming_its_line(tmp_path: Path, table: str) -> None:
    base = BASE[table]
    key = column_specs(table)[0].name
    rows = [row(base, **{key: f"id{i:05d}"}) for i in range(300)]
    text = csv_text(rows, [s.name for s in column_specs(table)])
    assert len(text.encode()) > 8192
    lines = text.splitlines(keepends=True)
    lines[250] = lines[250].replace("id00249", "id\x0000249")
    root = write_plan(tmp_path, **{table: "".join(lines)})
    plan = validate(root)
    f = one(plan, file=f"{table}.csv")
    assert "NUL byte" in f["message"] and "line 251" in f["message"]
    assert table not in plan.loaded
    assert not any("\x00" in str(v) for t in TABLES for v in plan.frames[t].get(key, []))


def test_a_nul_byte_at_the_start_is_still_a_binary_file(tmp_path: Path) -> None:
    f = one(validate(write_plan(tmp_path, sites=b"site_id\x00,name\n")), file="sites.csv")
    assert "binary file" in f["message"]


# ---- files that are not regular files ------------------------------------------------------------------

def _validate_within(root: Path, seconds: float = 60) -> Any:
    """validate_plan in a thread: a read that blocks (a FIFO) fails the test instead of hanging it."""
    out: dict[str, Any] = {}
    worker = threading.Thread(target=lambda: out.setdefault("plan", validate(root)), daemon=True)
    worker.start()
    worker.join(seconds)
    assert "plan" in out, "validation hung"
    return out["plan"]


@pytest.mark.parametrize("name", ["sites.csv", "sites.parquet"])
def test_a_table_that_is_a_directory_says_so(tmp_path: Path, name: str) -> None:
    root = write_plan(tmp_path, sites=None)
    (root / name).mkdir()
    plan = _validate_within(root)
    f = one(plan, file=name)
    assert "is a directory" in f["message"] and "missing" not in f["message"]
    assert "sites" not in plan.loaded


@pytest.mark.parametrize("name", ["sites.csv", "sites.parquet", "profiles.csv"])
def test_a_table_that_is_a_fifo_says_so_and_never_hangs(tmp_path: Path, name: str) -> None:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs on this platform")
    root = write_plan(tmp_path, sites=[SITE] if name.startswith("profiles") else None)
    os.mkfifo(root / name)
    plan = _validate_within(root)
    f = one(plan, file=name)
    assert "is not a regular file (FIFO)" in f["message"]
    assert name.split(".", maxsplit=1)[0] not in plan.loaded  # an optional table that is a FIFO is not "absent"


def test_a_symlink_to_dev_zero_is_not_read(tmp_path: Path) -> None:
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero")
    root = write_plan(tmp_path, sites=None)
    (root / "sites.csv").symlink_to("/dev/zero")
    f = one(_validate_within(root, 30), file="sites.csv")
    assert "is not a regular file (character device)" in f["message"]


def test_a_dangling_symlink_and_a_symlink_loop_are_findings(tmp_path: Path) -> None:
    root = write_plan(tmp_path, sites=None, workloads=None)
    (root / "sites.csv").symlink_to(root / "nowhere.csv")
    (root / "workloads.csv").symlink_to(root / "workloads.csv")
    plan = validate(root)
    assert "does not exist" in one(plan, file="sites.csv")["message"]
    assert "cannot be read" in one(plan, file="workloads.csv")["message"]


def test_a_file_beyond_the_size_cap_names_the_cap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(files, "MAX_FILE_BYTES", 100)
    root = write_plan(tmp_path, sites=[SITE, row(SITE, site_id="s2")])
    f = one(validate(root), file="sites.csv")
    assert "larger than 100 bytes" in f["message"]
