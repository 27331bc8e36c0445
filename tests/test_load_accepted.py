"""Inputs the loader must accept without a finding, and the physical line of each record."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from energyplan.model import TABLES
from energyplan.plan.lines import layout
from tests.helpers import COMMITMENT, CONTRACT, INCIDENT, SITE, WORKLOAD, csv_text, row, write_plan
from tests.test_validate_support import findings, one, validate

SITE_HEADER = "site_id,name,country,site_type,pue,grid_carbon_intensity_g_per_kwh,sovereign,energy_owner"


def test_utf8_bom_with_crlf_line_ends(tmp_path: Path) -> None:
    text = csv_text([SITE, row(SITE, site_id="s2")]).replace("\n", "\r\n")
    plan = validate(write_plan(tmp_path, sites=b"\xef\xbb\xbf" + text.encode()))
    assert findings(plan) == []
    sites = plan.frames["sites"]
    assert list(sites["site_id"]) == ["s1", "s2"]  # no BOM glued to the first header name
    assert list(sites["energy_owner"]) == ["ops", "ops"]  # no stray \r in the last column
    assert list(sites["_line"]) == [2, 3]


def test_header_only_tables_are_valid_and_empty(tmp_path: Path) -> None:
    plan = validate(write_plan(tmp_path, incidents=[]))
    assert findings(plan) == []
    assert plan.loaded == set(TABLES)  # absent optional tables (profiles) count as loaded
    assert all(len(f) == 0 for f in plan.frames.values())
    assert plan.rows_left_out == dict.fromkeys(plan.frames, 0)
    w = plan.frames["workloads"]
    assert str(w["gpu_count"].dtype) == "int64" and str(w["start_date"].dtype) == "datetime64[s]"


def test_quoted_commas_and_newlines_keep_later_lines_right(tmp_path: Path) -> None:
    text = (SITE_HEADER + "\n"
            's1,"Frankfurt, Main",DE,owned_dc,1.2,380,false,"ops\nteam\nthree lines"\n'
            's2,"say ""hi""",DE,owned_dc,1.2,380,false,ops\n'
            "s3,Three,DE,owned_dc,9.9,380,false,ops\n")
    plan = validate(write_plan(tmp_path, sites=text))
    f = one(plan, column="pue")
    assert (f["record_id"], f["row"], f["line"]) == ("s3", 3, 6)
    sites = plan.frames["sites"]
    assert list(sites["name"]) == ["Frankfurt, Main", 'say "hi"']
    assert sites["energy_owner"][0] == "ops\nteam\nthree lines"
    assert list(sites["_line"]) == [2, 5]


def test_blank_lines_are_skipped_and_do_not_shift_row_numbers(tmp_path: Path) -> None:
    text = SITE_HEADER + "\n\ns1,One,DE,owned_dc,1.2,380,false,ops\r\n\r\n\ns2,Two,DE,owned_dc,0.5,380,false,ops\n\n"
    f = one(validate(write_plan(tmp_path, sites=text)), column="pue")
    assert (f["row"], f["line"]) == (2, 6)


def test_non_ascii_identifiers(tmp_path: Path) -> None:
    plan = validate(write_plan(
        tmp_path, sites=[row(SITE, site_id="düsseldorf-1", name="Rechenzentrum Süd")],
        workloads=[row(WORKLOAD, workload_id="训练-01", site_id="düsseldorf-1")]))
    assert findings(plan) == []
    assert plan.frames["workloads"]["workload_id"][0] == "训练-01"


def test_whole_rows_are_parsed_to_the_dtype_contract(tmp_path: Path) -> None:
    plan = validate(write_plan(
        tmp_path, sites=[SITE], workloads=[row(WORKLOAD, sovereign_required="", end_date="2027-06-30")],
        commitments=[row(COMMITMENT, energy_signoff="YES", finance_signoff="0")], contracts=[CONTRACT],
        incidents=[row(INCIDENT, started_at="2026-11-01T23:30:00+05:30")]))
    assert findings(plan) == []
    w = plan.frames["workloads"].iloc[0]
    assert w["gpu_count"] == 10 and not w["sovereign_required"]
    assert w["end_date"] == pd.Timestamp("2027-06-30")
    c = plan.frames["commitments"].iloc[0]
    assert bool(c["energy_signoff"]) is True and bool(c["finance_signoff"]) is False
    # the offset is dropped and the wall-clock time kept
    assert plan.frames["incidents"]["started_at"][0] == pd.Timestamp("2026-11-01 23:30:00")
    dtypes = {k: str(v) for k, v in plan.frames["workloads"].dtypes.items()}
    assert dtypes["site_id"] == "str" and dtypes["utilization"] == "float64"
    assert dtypes["sovereign_required"] == "bool" and dtypes["_row"] == "int64" and dtypes["_line"] == "Int64"
    assert isinstance(plan.frames["workloads"].index, pd.RangeIndex)


def test_layout_counts_lines_like_an_editor() -> None:
    data = b'a,b\n1,"x\ny"\n\n2,3\r\n"4\r\n",5\n6,7'
    rec = layout(data)
    assert data[:rec.header_end] == b"a,b"
    assert list(rec.lines) == [2, 5, 6, 8]


def test_layout_fast_path_without_quotes_or_blank_lines() -> None:
    assert list(layout(b"a\n1\n2\n3\n").lines) == [2, 3, 4]
    assert list(layout(b"a\r\n1\r\n2").lines) == [2, 3]


def test_header_without_a_line_end_is_a_valid_empty_table(tmp_path: Path) -> None:
    plan = validate(write_plan(tmp_path, sites=SITE_HEADER))
    assert findings(plan) == [] and "sites" in plan.loaded


def test_old_mac_line_ends_count_as_lines(tmp_path: Path) -> None:
    text = SITE_HEADER + "\rs1,One,DE,owned_dc,1.2,380,false,ops\rs2,Two,DE,owned_dc,9,380,false,ops\r"
    f = one(validate(write_plan(tmp_path, sites=text)), column="pue")
    assert (f["row"], f["line"]) == (2, 3)


def test_a_quoted_empty_cell_is_null(tmp_path: Path) -> None:
    text = SITE_HEADER + '\ns1,"",DE,owned_dc,1.2,380,false,""\n'
    plan = validate(write_plan(tmp_path, sites=text))
    assert findings(plan) == [] and plan.frames["sites"][["name", "energy_owner"]].isna().all().all()
