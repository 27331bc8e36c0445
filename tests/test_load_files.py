"""Whole-file failures of the loader: each is one EP000 finding on the file, never a crash."""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd

from tests.helpers import SITE, write_plan
from tests.test_validate_support import findings, one, validate


def _file_finding(plan, file: str) -> dict:
    hits = [f for f in findings(plan, "EP000") if f["file"] == file]
    assert len(hits) == 1, hits
    f = hits[0]
    assert f["row"] is None and f["line"] is None
    return f


def test_semicolon_delimited_csv_is_one_finding_naming_the_delimiter(tmp_path: Path) -> None:
    text = "site_id;name;country;site_type;pue;grid_carbon_intensity_g_per_kwh;sovereign;energy_owner\n" \
           "s1;One;DE;owned_dc;1,2;380;false;ops\n"
    plan = validate(write_plan(tmp_path, sites=text))
    f = _file_finding(plan, "sites.csv")
    assert "semicolon" in f["message"] and "comma-separated" in f["message"]
    assert f["column"] is None and f["table"] == "sites"
    assert "sites" not in plan.loaded
    assert len(plan.frames["sites"]) == 0


def test_tab_delimited_csv_names_tab(tmp_path: Path) -> None:
    text = "site_id\tname\tcountry\tsite_type\tpue\tgrid_carbon_intensity_g_per_kwh\tsovereign\n"
    f = _file_finding(validate(write_plan(tmp_path, sites=text)), "sites.csv")
    assert "tab-delimited" in f["message"]


def test_empty_zero_byte_file(tmp_path: Path) -> None:
    plan = validate(write_plan(tmp_path, workloads=b""))
    f = _file_finding(plan, "workloads.csv")
    assert "empty (0 bytes)" in f["message"] and "workload_id" in f["message"]
    assert "workloads" not in plan.loaded


def test_binary_garbage_named_csv(tmp_path: Path) -> None:
    plan = validate(write_plan(tmp_path, contracts=bytes(range(256)) * 40))
    f = _file_finding(plan, "contracts.csv")
    assert "binary" in f["message"]


def test_binary_garbage_named_parquet(tmp_path: Path) -> None:
    root = write_plan(tmp_path, sites=None)
    (root / "sites.parquet").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 10)
    plan = validate(root)
    f = _file_finding(plan, "sites.parquet")
    assert "not a readable Parquet file" in f["message"]
    assert plan.files["sites"] == "sites.parquet"
    assert "sites" not in plan.loaded


def test_undecodable_utf8_names_the_line(tmp_path: Path) -> None:
    text = "site_id,name,country,site_type,pue,grid_carbon_intensity_g_per_kwh,sovereign\n" \
           "s1,One,DE,owned_dc,1.2,380,false\n"
    data = text.encode() + "s2,Düsseldorf,DE,owned_dc,1.2,380,false\n".encode("latin-1")
    f = _file_finding(validate(write_plan(tmp_path, sites=data)), "sites.csv")
    assert "not UTF-8" in f["message"] and "line 3" in f["message"] and "0xFC" in f["message"]


def test_both_csv_and_parquet_is_ambiguous(tmp_path: Path) -> None:
    root = write_plan(tmp_path, sites=[SITE])
    pd.DataFrame([SITE]).to_parquet(root / "sites.parquet")
    plan = validate(root)
    f = _file_finding(plan, "sites.csv")
    assert "sites.csv" in f["message"] and "sites.parquet" in f["message"] and "ambiguous" in f["message"]
    assert "sites" not in plan.loaded
    assert plan.input_files == sorted([root / "sites.csv", root / "sites.parquet", root / "workloads.csv",
                                       root / "commitments.csv", root / "contracts.csv"])


def test_missing_required_table_points_at_its_csv_name(tmp_path: Path) -> None:
    plan = validate(write_plan(tmp_path, commitments=None))
    f = _file_finding(plan, "commitments.csv")
    assert "missing" in f["message"] and "required" in f["message"]
    assert plan.files["commitments"] == "commitments.csv"
    assert "commitments" not in plan.loaded
    assert list(plan.frames["commitments"].columns)[:2] == ["commitment_id", "provider"]


def test_missing_optional_incidents_is_no_finding_and_counts_as_loaded(tmp_path: Path) -> None:
    plan = validate(write_plan(tmp_path))
    assert findings(plan) == []
    assert "incidents" in plan.loaded
    assert len(plan.frames["incidents"]) == 0


def test_fifty_megabyte_single_line_is_one_finding_quickly(tmp_path: Path) -> None:
    root = write_plan(tmp_path, workloads=b"x" * (50 * 1024 * 1024))
    start = time.perf_counter()
    plan = validate(root)
    assert time.perf_counter() - start < 20
    f = _file_finding(plan, "workloads.csv")
    assert "50.0 MB" in f["message"]


def test_fifty_megabyte_record_after_a_header_is_one_finding(tmp_path: Path) -> None:
    root = write_plan(tmp_path, workloads=b"workload_id,name\nw1," + b"y" * (70 * 1024 * 1024) + b"\n")
    f = _file_finding(validate(root), "workloads.csv")
    assert "record of" in f["message"]


def test_wrong_number_of_fields_names_the_line(tmp_path: Path) -> None:
    text = "site_id,name,country,site_type,pue,grid_carbon_intensity_g_per_kwh,sovereign\n" \
           's1,"One\nsite",DE,owned_dc,1.2,380,false\n' \
           "s2,Two,DE,owned_dc,1.2,380,false,extra\n"
    f = _file_finding(validate(write_plan(tmp_path, sites=text)), "sites.csv")
    assert "line 4" in f["message"] and "Expected 7 columns, got 8" in f["message"]


def test_missing_required_column_says_did_you_mean(tmp_path: Path) -> None:
    text = "workload_id,site_id,workload_class,GPU Count,gpu_power_kw,utilization,hours_per_week,start_date\n"
    plan = validate(write_plan(tmp_path, workloads=text))
    f = one(plan, column="gpu_count")
    assert f["file"] == "workloads.csv" and f["row"] is None and f["line"] is None
    assert 'did you mean "GPU Count"?' in f["message"]
    assert "workloads" not in plan.loaded


def test_missing_required_column_with_a_difflib_near_miss(tmp_path: Path) -> None:
    text = "workload_id,site_id,workload_class,gpu_count,gpu_power_kw,utilisation,hours_per_week,start_date\n"
    f = one(validate(write_plan(tmp_path, workloads=text)), column="utilization")
    assert 'did you mean "utilisation"?' in f["message"]


def test_near_miss_of_an_optional_column_is_reported_but_the_table_loads(tmp_path: Path) -> None:
    text = "workload_id,site_id,workload_class,gpu_count,gpu_power_kw,utilization,hours_per_week,start_date,End-Date\n"
    plan = validate(write_plan(tmp_path, workloads=text))
    f = one(plan, "EP005", column="End-Date")  # unknown-column (a warning), no longer a schema violation
    assert '"End-Date"' in f["message"] and "rename it to end_date" in f["message"]
    assert findings(plan, "EP000") == []
    assert "workloads" in plan.loaded


def test_extra_columns_are_kept_out_of_the_clean_frame_without_a_finding(tmp_path: Path) -> None:
    plan = validate(write_plan(tmp_path, sites=[dict(SITE, cost_centre="cc-1")]))
    assert findings(plan) == []
    assert "cost_centre" not in plan.frames["sites"].columns


def test_only_a_byte_order_mark_is_one_finding(tmp_path: Path) -> None:
    f = _file_finding(validate(write_plan(tmp_path, sites=b"\xef\xbb\xbf\r\n")), "sites.csv")
    assert "no header row" in f["message"]


def test_repeated_required_column_makes_the_table_unusable(tmp_path: Path) -> None:
    text = "site_id,site_id,country,site_type,pue,grid_carbon_intensity_g_per_kwh,sovereign\n"
    plan = validate(write_plan(tmp_path, sites=text))
    assert "appears 2 times" in one(plan, column="site_id")["message"]
    assert "sites" not in plan.loaded


def test_a_record_with_too_few_fields_names_its_line(tmp_path: Path) -> None:
    text = "site_id,country,site_type,pue,grid_carbon_intensity_g_per_kwh,sovereign\ns1,DE\n"
    f = _file_finding(validate(write_plan(tmp_path, sites=text)), "sites.csv")
    assert "on line 2" in f["message"] and "Expected 6 columns, got 2" in f["message"]
