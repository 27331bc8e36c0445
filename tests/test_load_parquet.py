"""Parquet tables: native types accepted, incompatible types reported per cell or per column."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from tests.helpers import SITE, WORKLOAD, row, write_plan
from tests.support.validate import findings, one, validate


def _workloads_parquet(root: Path, **overrides: pa.Array) -> Path:
    columns = {
        "workload_id": pa.array(["w1", "w2", "w3"]),
        "site_id": pa.array(["s1", "s1", "s1"]),
        "workload_class": pa.array(["training", "research", "other"]),
        "gpu_count": pa.array([8, 16, 0], type=pa.int32()),
        "gpu_power_kw": pa.array([1.0, 0.7, 1.2]),
        "utilization": pa.array([0.5, 0.5, 0.5]),
        "hours_per_week": pa.array([168, 40, 10], type=pa.int64()),
        "start_date": pa.array([dt.date(2026, 1, 1)] * 3, type=pa.date32()),
        "end_date": pa.array([None, dt.date(2027, 1, 1), None], type=pa.date32()),
        "sovereign_required": pa.array([True, None, False]),
    }
    columns.update(overrides)
    write_plan(root, sites=[SITE], workloads=None)
    pq.write_table(pa.table(columns), root / "workloads.parquet")
    return root


def test_native_parquet_types_load_with_row_numbers_and_null_lines(tmp_path: Path) -> None:
    plan = validate(_workloads_parquet(tmp_path))
    assert findings(plan) == []
    w = plan.frames["workloads"]
    assert list(w["_row"]) == [1, 2, 3]
    assert w["_line"].isna().all() and str(w["_line"].dtype) == "Int64"
    assert list(w["gpu_count"]) == [8, 16, 0] and str(w["gpu_count"].dtype) == "int64"
    assert list(w["sovereign_required"]) == [True, False, False]
    assert w["end_date"][1] == pd.Timestamp("2027-01-01") and str(w["end_date"].dtype) == "datetime64[s]"
    assert plan.files["workloads"] == "workloads.parquet"


def test_parquet_finding_has_a_row_and_no_line(tmp_path: Path) -> None:
    plan = validate(_workloads_parquet(tmp_path, utilization=pa.array([0.5, 1.5, 0.5])))
    f = one(plan, column="utilization")
    assert (f["file"], f["row"], f["line"], f["record_id"]) == ("workloads.parquet", 2, None, "w2")
    assert f["message"] == 'utilization "1.5" is above 1; must be a number between 0 and 1'


def test_fractional_float_gpu_count_in_parquet_is_a_cell_finding(tmp_path: Path) -> None:
    plan = validate(_workloads_parquet(tmp_path, gpu_count=pa.array([8.0, 2.5, 4.0])))
    f = one(plan, column="gpu_count")
    assert f["row"] == 2 and "is not a whole number" in f["message"] and '"2.5"' in f["message"]
    assert plan.rows_left_out["workloads"] == 1
    assert list(plan.frames["workloads"]["gpu_count"]) == [8, 4]


def test_string_column_where_a_float_is_needed_parses_each_cell(tmp_path: Path) -> None:
    plan = validate(_workloads_parquet(tmp_path, gpu_power_kw=pa.array(["1.0", "lots", "0.5"])))
    f = one(plan, column="gpu_power_kw")
    assert f["row"] == 3 - 1 and f["message"].startswith('gpu_power_kw "lots" is not a number')


def test_wrong_column_type_is_one_column_level_finding(tmp_path: Path) -> None:
    plan = validate(_workloads_parquet(tmp_path, start_date=pa.array([1.5, 2.5, 3.5])))
    f = one(plan, column="start_date")
    assert (f["file"], f["row"], f["line"]) == ("workloads.parquet", None, None)
    assert "holds double values" in f["message"] and "dates" in f["message"]
    assert "workloads" not in plan.loaded  # a required column is unusable
    assert plan.rows_left_out["workloads"] == 3


def test_wrong_type_in_an_optional_column_keeps_the_table(tmp_path: Path) -> None:
    plan = validate(_workloads_parquet(tmp_path, end_date=pa.array([True, False, True])))
    one(plan, column="end_date")
    assert "workloads" in plan.loaded
    assert plan.frames["workloads"]["end_date"].isna().all()


def test_timezone_aware_parquet_timestamps_keep_wall_clock_time(tmp_path: Path) -> None:
    root = write_plan(tmp_path, sites=[SITE], workloads=[row(WORKLOAD)])
    started = pd.Series([pd.Timestamp("2026-11-01 10:00", tz="Europe/Berlin")])
    pd.DataFrame({"incident_id": ["i1"], "site_id": ["s1"], "started_at": started, "duration_hours": [2.0],
                  "cause": ["cooling"]}).to_parquet(root / "incidents.parquet")
    plan = validate(root)
    assert findings(plan) == []
    assert plan.frames["incidents"]["started_at"][0] == pd.Timestamp("2026-11-01 10:00")
