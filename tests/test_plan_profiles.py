"""The profiles table and the new optional site/contract columns (adequacy.md "Inputs"), and UTC instants."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from energyplan.cli.app import app
from energyplan.plan.schemas import input_columns
from tests.helpers import CONTRACT, INCIDENT, PROFILE, SITE, row, write_plan
from tests.support.validate import findings, one, validate

UTC = pd.Timestamp


def test_a_plan_without_profiles_is_valid_and_the_table_counts_as_loaded(tmp_path: Path) -> None:
    plan = validate(write_plan(tmp_path, sites=[SITE]))
    assert findings(plan) == [] and "profiles" in plan.loaded
    assert list(plan.frames["profiles"].columns) == ["profile_id", "timestamp", "timestamp_utc", "value", "_row",
                                                     "_line"]


def test_profiles_keep_the_wall_clock_and_the_utc_instant(tmp_path: Path) -> None:
    plan = validate(write_plan(tmp_path, sites=[SITE], profiles=[
        row(PROFILE, timestamp="2026-01-01T10:00:00"), row(PROFILE, timestamp="2026-01-01T10:00:00+01:00"),
        row(PROFILE, timestamp="2026-01-01T10:00Z"), row(PROFILE, timestamp=" 2026-01-01 10:00:00-0530 "),
        row(PROFILE, timestamp="2026-01-01T10:00:00+05")]))
    assert findings(plan) == []
    p = plan.frames["profiles"]
    assert str(p["timestamp"].dtype) == "datetime64[s]" and str(p["timestamp_utc"].dtype) == "datetime64[ns, UTC]"
    assert (p["timestamp"] == pd.Timestamp("2026-01-01 10:00")).all()
    utc = list(p["timestamp_utc"])
    assert pd.isna(utc[0])
    assert utc[1:] == [UTC("2026-01-01 09:00", tz="UTC"), UTC("2026-01-01 10:00", tz="UTC"),
                       UTC("2026-01-01 15:30", tz="UTC"), UTC("2026-01-01 05:00", tz="UTC")]
    assert list(p["_row"]) == [1, 2, 3, 4, 5] and list(p["_line"]) == [2, 3, 4, 5, 6]
    assert plan.files["profiles"] == "profiles.csv"


def test_incidents_started_at_keeps_the_instant_alongside(tmp_path: Path) -> None:
    plan = validate(write_plan(tmp_path, sites=[SITE], incidents=[
        INCIDENT, row(INCIDENT, incident_id="i2", started_at="2026-03-29T01:30:00+01:00")]))
    i = plan.frames["incidents"]
    assert list(i["started_at"]) == [pd.Timestamp("2026-11-01 10:00"), pd.Timestamp("2026-03-29 01:30")]
    assert pd.isna(i["started_at_utc"].iloc[0])
    assert i["started_at_utc"].iloc[1] == UTC("2026-03-29 00:30", tz="UTC")


@pytest.mark.parametrize(("cell", "says"), [
    ("2026-01-01T10:00:00+25:00", "is not a timestamp"), ("2026-02-30T10:00", "is not a timestamp"),
    ("yesterday", "is not a timestamp")])
def test_a_bad_timestamp_is_located_and_nulls_both_columns(tmp_path: Path, cell: str, says: str) -> None:
    plan = validate(write_plan(tmp_path, sites=[SITE], profiles=[PROFILE, row(PROFILE, timestamp=cell)]))
    f = one(plan, column="timestamp")
    assert (f["row"], f["line"], f["record_id"]) == (2, 3, "p1") and says in f["message"]
    assert len(plan.frames["profiles"]) == 1


@pytest.mark.parametrize(("column", "cell", "says"), [
    ("value", "-1", "is negative"), ("value", "inf", "not a finite number"), ("value", "", "is empty"),
    ("profile_id", "builtin:solar", "not starting with builtin:"),
    ("profile_id", "Builtin:mine", "not starting with builtin:")])
def test_profile_rows_break_their_schema(tmp_path: Path, column: str, cell: str, says: str) -> None:
    plan = validate(write_plan(tmp_path, sites=[SITE], profiles=[row(PROFILE, **{column: cell})]))
    assert says in one(plan, column=column)["message"]
    assert len(plan.frames["profiles"]) == 0 and "profiles" in plan.loaded


def test_profile_ids_repeat_by_design(tmp_path: Path) -> None:
    plan = validate(write_plan(tmp_path, sites=[SITE], profiles=[PROFILE, PROFILE]))
    assert findings(plan) == [] and len(plan.frames["profiles"]) == 2  # slots are the adequacy engine's check


def test_parquet_profiles_with_a_zoned_timestamp_give_local_wall_clock_and_instant(tmp_path: Path) -> None:
    root = write_plan(tmp_path, sites=[SITE])
    instants = pa.array([dt.datetime(2026, 1, 1, 9, 0)], type=pa.timestamp("s", tz="UTC"))
    pq.write_table(pa.table({"profile_id": ["p1"], "timestamp": instants.cast(pa.timestamp("s", tz="Europe/Berlin")),
                             "value": [1.5]}), root / "profiles.parquet")
    p = validate(root).frames["profiles"]
    assert p["timestamp"].iloc[0] == pd.Timestamp("2026-01-01 10:00")
    assert p["timestamp_utc"].iloc[0] == UTC("2026-01-01 09:00", tz="UTC")


def test_parquet_naive_timestamps_have_no_instant(tmp_path: Path) -> None:
    root = write_plan(tmp_path, sites=[SITE])
    pq.write_table(pa.table({"profile_id": ["p1"], "timestamp": pa.array([dt.datetime(2026, 1, 1)]),
                             "value": pa.array([2], type=pa.int64())}), root / "profiles.parquet")
    plan = validate(root)
    assert findings(plan) == [] and plan.frames["profiles"]["timestamp_utc"].isna().all()


# ---- references to profiles ------------------------------------------------------------------------

REFS = [("sites", "grid_carbon_profile"), ("sites", "grid_cfe_profile"), ("sites", "load_profile"),
        ("contracts", "generation_profile")]


@pytest.mark.parametrize(("table", "column"), REFS)
def test_a_dangling_profile_reference_is_EP001_and_falls_back_to_the_default(tmp_path: Path, table: str,
                                                                              column: str) -> None:
    base = {"sites": SITE, "contracts": CONTRACT}
    tables = {"sites": [SITE], "contracts": [CONTRACT], "profiles": [row(PROFILE, profile_id="grid-de")]}
    tables[table] = [row(base[table], **{column: "Grid-DE"})]
    plan = validate(write_plan(tmp_path, **tables))
    f = one(plan, "EP001", column=column)
    assert 'did you mean "grid-de"' in f["message"] and "default is used" in f["message"]
    assert findings(plan, "EP000") == [] and len(findings(plan)) == 1
    assert len(plan.frames[table]) == 1 and plan.frames[table][column].isna().all()  # the row itself stays


@pytest.mark.parametrize(("table", "column"), REFS)
def test_a_known_profile_reference_is_kept(tmp_path: Path, table: str, column: str) -> None:
    base = {"sites": SITE, "contracts": CONTRACT}
    tables = {"sites": [SITE], "contracts": [CONTRACT], "profiles": [row(PROFILE, profile_id="grid-de")]}
    tables[table] = [row(base[table], **{column: "grid-de"})]
    plan = validate(write_plan(tmp_path, **tables))
    assert findings(plan) == [] and list(plan.frames[table][column]) == ["grid-de"]


def test_references_without_a_profiles_table_are_dangling(tmp_path: Path) -> None:
    plan = validate(write_plan(tmp_path, sites=[row(SITE, load_profile="office")]))
    assert "not in profiles.csv" in one(plan, "EP001", column="load_profile")["message"]


def test_builtin_shapes_only_in_generation_profile_and_only_in_lower_case(tmp_path: Path) -> None:
    plan = validate(write_plan(tmp_path, sites=[row(SITE, load_profile="builtin:flat")], contracts=[
        row(CONTRACT, contract_id=f"c{i}", generation_profile=v)
        for i, v in enumerate(["builtin:solar", "builtin:wind", "builtin:flat", "builtin:Solar", "builtin:tidal"])]))
    bad = sorted((f["record_id"], f["message"]) for f in findings(plan, "EP000"))
    assert [b[0] for b in bad] == ["c3", "c4", "s1"]
    assert 'did you mean "builtin:solar"' in bad[0][1]
    assert "builtin: shapes are for generation_profile" in bad[2][1]
    assert findings(plan, "EP001") == [] and plan.frames["sites"]["load_profile"].isna().all()
    c = plan.frames["contracts"].set_index("contract_id")["generation_profile"]
    assert list(c.iloc[:3]) == ["builtin:solar", "builtin:wind", "builtin:flat"] and c.iloc[3:].isna().all()


@pytest.mark.parametrize(("value", "ok"), [("5.75", True), ("-9.5", True), ("14", True), ("-12", True),
                                           ("5.1", False), ("14.25", False), ("-12.5", False), ("", True)])
def test_utc_offset_hours_range_and_quarter_hour_steps(tmp_path: Path, value: str, ok: bool) -> None:
    plan = validate(write_plan(tmp_path, sites=[row(SITE, utc_offset_hours=value)]))
    if ok:
        assert findings(plan) == []
    else:
        f = one(plan, column="utc_offset_hours")
        assert "between -12 and 14, in steps of 0.25" in f["message"]
        assert len(plan.frames["sites"]) == 1 and plan.frames["sites"]["utc_offset_hours"].isna().all()


@pytest.mark.parametrize(("value", "ok"), [("0", True), ("100", True), ("55.5", True), ("100.1", False),
                                           ("-1", False)])
def test_grid_cfe_pct_is_a_percentage(tmp_path: Path, value: str, ok: bool) -> None:
    plan = validate(write_plan(tmp_path, sites=[row(SITE, grid_cfe_pct=value)]))
    assert (findings(plan) == []) is ok
    if ok:
        assert plan.frames["sites"]["grid_cfe_pct"].iloc[0] == float(value)


# ---- schema, init ---------------------------------------------------------------------------------

def test_schema_shows_the_profiles_table_and_the_new_columns() -> None:
    doc = json.loads(CliRunner().invoke(app, ["schema", "--format", "json"]).stdout)
    tables = {t["table"]: t for t in doc["tables"]}
    assert tables["profiles"]["required"] is False
    assert [c["name"] for c in tables["profiles"]["columns"]] == ["profile_id", "timestamp", "value"]
    site_cols = {c["name"]: c for c in tables["sites"]["columns"]}
    assert site_cols["grid_carbon_profile"]["references"] == "profiles"
    assert (site_cols["utc_offset_hours"]["minimum"], site_cols["utc_offset_hours"]["maximum"]) == (-12, 14)
    gen = next(c for c in tables["contracts"]["columns"] if c["name"] == "generation_profile")
    assert "builtin:solar" in gen["hint"]
    text = CliRunner().invoke(app, ["schema", "profiles", "--format", "text"], env={"COLUMNS": "80"}).stdout
    assert "profile_id" in text and "timestamp" in text


def test_init_writes_the_optional_tables_and_columns(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["init", str(tmp_path / "p")])
    assert result.exit_code == 0, result.output
    header = (tmp_path / "p" / "profiles.csv").read_text(encoding="utf-8")
    assert header == "profile_id,timestamp,value\n"
    assert (tmp_path / "p" / "sites.csv").read_text(encoding="utf-8").strip().split(",") == input_columns("sites")
    assert "generation_profile" in (tmp_path / "p" / "contracts.csv").read_text(encoding="utf-8")
    assert findings(validate(tmp_path / "p")) == []


def test_profile_frames_are_deterministic(tmp_path: Path) -> None:
    rows = [row(PROFILE, timestamp=f"2026-01-01T{h:02d}:00:00+01:00", value=h) for h in range(24)]
    a = validate(write_plan(tmp_path / "a", sites=[SITE], profiles=rows)).frames["profiles"]
    b = validate(write_plan(tmp_path / "b", sites=[SITE], profiles=rows)).frames["profiles"]
    pd.testing.assert_frame_equal(a, b)
    assert np.array_equal(a["value"].to_numpy(), np.arange(24, dtype=float))


def test_a_near_miss_among_profile_ids_is_found_though_each_id_fills_8760_rows() -> None:
    """The near-miss budget counts distinct ids, not rows: a typo in a reference to a full profile is named."""
    from energyplan.plan.integrity import _MAX_COMPARED, _hints

    keys = pd.Series(["grid-de"] * 8760 + ["grid-fr"] * 8760 + ["solar-es"] * 8760, dtype="str")
    budget = [_MAX_COMPARED]
    hints = _hints(pd.Series(["grid-dee"], dtype="str"), keys, budget)
    assert hints.tolist() == [' (did you mean "grid-de"?)']
    assert budget[0] >= _MAX_COMPARED - 3
