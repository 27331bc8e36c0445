"""`energyplan profiles import` on real-shaped Electricity Maps exports and on broken files."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from energyplan.cli.app import app
from energyplan.errors import UsageError
from energyplan.facts.profiles import resolve_profiles
from energyplan.profiles_import import import_profile

NEW = ("Datetime (UTC),Country,Zone name,Zone id,Carbon intensity gCO₂eq/kWh (direct),Carbon intensity gCO₂eq/kWh "
       "(Life cycle),Carbon-free energy percentage (CFE%),Renewable energy percentage (RE%),Data source,"
       "Data estimated,Data estimation method")
OLD = ("Datetime (UTC),Country,Zone Name,Zone Id,Carbon Intensity gCO₂eq/kWh (direct),Carbon Intensity gCO₂eq/kWh "
       "(LCA),Low Carbon Percentage,Renewable Percentage,Data Source,Data Estimated,Data Estimation Method")


def em_file(path: Path, header: str = NEW, year: int = 2025, hours: int = 8760, drop: int | None = None,
            repeat: int | None = None) -> Path:
    stamps = pd.date_range(f"{year}-01-01", periods=hours, freq="h")
    idx = [i for i in range(hours) if i != drop] + ([repeat] if repeat is not None else [])
    lines = [header] + [
        f"{stamps[i]:%Y-%m-%d %H:%M:%S},Germany,Germany,DE,{300 + i % 24}.5,{350 + i % 24},{40 + i % 10}.25,"
        f"{30 + i % 10},entsoe.eu,false," for i in idx]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def read_profiles(plan: Path) -> pd.DataFrame:
    return pd.read_csv(plan / "profiles.csv", dtype=str, keep_default_na=False)


def as_frame(table: pd.DataFrame) -> pd.DataFrame:
    """The profiles table as the loader hands it over (timestamp_utc where an offset was written)."""
    has = table["timestamp"].str.endswith("+00:00")
    return pd.DataFrame({
        "profile_id": table["profile_id"].astype("str"),
        "timestamp": pd.to_datetime(table["timestamp"].str.replace("+00:00", "")).astype("datetime64[s]"),
        "timestamp_utc": pd.to_datetime(table["timestamp"].where(has), utc=True),
        "value": table["value"].astype(float), "_row": np.arange(1, len(table) + 1),
        "_line": pd.Series(np.arange(2, len(table) + 2), dtype="Int64")})


def test_new_header_carbon_column(tmp_path: Path):
    plan = tmp_path / "plan"
    plan.mkdir()
    done = import_profile(plan, em_file(tmp_path / "de.csv"), "grid-de", column="carbon")
    assert (done.hours, done.replaced, done.path.name) == (8760, 0, "profiles.csv")
    t = read_profiles(plan)
    assert list(t.columns) == ["profile_id", "timestamp", "value"]
    assert t.iloc[0].tolist() == ["grid-de", "2025-01-01T00:00:00+00:00", "300.5"]
    p = resolve_profiles(as_frame(t))
    assert p.problems.empty
    assert p.matrix[p.index["grid-de"]][:3].tolist() == [300.5, 301.5, 302.5]


def test_old_header_cfe_column_and_a_zone_clock(tmp_path: Path):
    plan = tmp_path / "plan"
    plan.mkdir()
    import_profile(plan, em_file(tmp_path / "old.csv", header=OLD.upper()), "cfe-de", column="cfe",
                   clock="Europe/Berlin")
    t = read_profiles(plan)
    assert t["value"].iloc[:2].tolist() == ["40.25", "41.25"]  # Low Carbon Percentage
    assert resolve_profiles(as_frame(t), "Europe/Berlin").problems.empty


def test_a_leap_year_export_drops_29_february(tmp_path: Path):
    plan = tmp_path / "plan"
    plan.mkdir()
    done = import_profile(plan, em_file(tmp_path / "leap.csv", year=2024, hours=8784), "g")
    assert done.hours == 8760
    assert not read_profiles(plan)["timestamp"].str.startswith("2024-02-29").any()


def test_replacing_keeps_other_profiles_their_columns_and_the_file_mode(tmp_path: Path):
    plan = tmp_path / "plan"
    plan.mkdir()
    (plan / "profiles.csv").write_text("profile_id,timestamp,value,note\nold,2025-01-01T00:00:00,1,keep me\n"
                                       "g,2025-01-01T00:00:00,5,\n", encoding="utf-8")
    os.chmod(plan / "profiles.csv", 0o640)
    stamps = pd.date_range("2025-01-01", periods=8760, freq="h")
    src = tmp_path / "plain.csv"
    src.write_text("timestamp,value\n" + "".join(f"{s:%Y-%m-%dT%H:%M},{i % 7}\n" for i, s in enumerate(stamps)))
    done = import_profile(plan, src, "g")
    assert done.replaced == 1
    t = read_profiles(plan)
    assert list(t.columns) == ["profile_id", "timestamp", "value", "note"]
    assert t.iloc[0].tolist() == ["old", "2025-01-01T00:00:00", "1", "keep me"]
    assert (t["profile_id"] == "g").sum() == 8760
    assert t.iloc[1]["timestamp"] == "2025-01-01T00:00:00"  # naive stays naive: plan-clock wall time
    assert stat.S_IMODE((plan / "profiles.csv").stat().st_mode) == 0o640


def test_a_parquet_table_is_kept_parquet(tmp_path: Path):
    plan = tmp_path / "plan"
    plan.mkdir()
    pd.DataFrame({"profile_id": ["x"], "timestamp": pd.to_datetime(["2025-01-01"], utc=True), "value": [1.0]}
                 ).to_parquet(plan / "profiles.parquet")
    import_profile(plan, em_file(tmp_path / "de.csv"), "grid-de")
    t = pd.read_parquet(plan / "profiles.parquet")
    assert len(t) == 8761
    assert str(t["timestamp"].dt.tz) == "UTC"
    assert t.iloc[1]["value"] == 300.5
    assert not (plan / "profiles.csv").exists()


@pytest.mark.parametrize(("kwargs", "words"), [
    ({"drop": 100}, "no value for 2025-01-05T04:00"),
    ({"repeat": 200}, "has 2 values for 2025-01-09T08:00"),
])
def test_gaps_and_repeats_name_the_first_bad_row_and_write_nothing(tmp_path: Path, kwargs, words):
    plan = tmp_path / "plan"
    plan.mkdir()
    (plan / "profiles.csv").write_text("profile_id,timestamp,value\n", encoding="utf-8")
    before = (plan / "profiles.csv").read_bytes()
    with pytest.raises(UsageError, match=words) as info:
        import_profile(plan, em_file(tmp_path / "bad.csv", **kwargs), "g")
    assert "bad.csv:" in str(info.value) and "nothing was written" in str(info.value)
    assert (plan / "profiles.csv").read_bytes() == before


def test_hour_ending_data_needs_the_flag(tmp_path: Path):
    plan = tmp_path / "plan"
    plan.mkdir()
    stamps = pd.date_range("2025-01-01 01:00", periods=8760, freq="h")
    src = tmp_path / "he.csv"
    src.write_text("timestamp,value\n" + "".join(f"{s:%Y-%m-%d %H:%M},1\n" for s in stamps))
    with pytest.raises(UsageError, match="hour-ending; pass --hour-ending"):
        import_profile(plan, src, "g")
    assert not (plan / "profiles.csv").exists()
    import_profile(plan, src, "g", hour_ending=True)
    assert read_profiles(plan)["timestamp"].iloc[0] == "2025-01-01T00:00:00"


def test_24_00_timestamps_are_hour_ending(tmp_path: Path):
    plan = tmp_path / "plan"
    plan.mkdir()
    days = pd.date_range("2025-01-01", periods=365, freq="D")
    src = tmp_path / "h24.csv"
    src.write_text("timestamp,value\n" + "".join(f"{d:%Y-%m-%d} {h:02d}:00,{h}\n" for d in days for h in range(1, 25)))
    with pytest.raises(UsageError, match=r"h24.csv:25: timestamp \"2025-01-01 24:00\" is hour-ending"):
        import_profile(plan, src, "g")
    import_profile(plan, src, "g", hour_ending=True)
    t = read_profiles(plan)
    assert t["timestamp"].iloc[23] == "2025-01-01T23:00:00" and t["value"].iloc[23] == "24"


@pytest.mark.parametrize(("text", "words"), [
    ("timestamp,value\n2025-01-01T00:00,abc\n", 'bad.csv:2: value "abc" is not a number'),
    ("timestamp,value\n2025-01-01T00:00,-1\n", "bad.csv:2: value \"-1\" is negative"),
    ("timestamp,value\nyesterday,1\n", 'bad.csv:2: timestamp "yesterday" is not an ISO 8601 timestamp'),
    ("timestamp,value\n2025-01-01T00:30,1\n", "is not on the hour"),
    ("a;b\n1;2\n", "not an Electricity Maps hourly export"),
    ("timestamp,value\n", "holds no data rows"),
])
def test_broken_files_are_one_clear_error(tmp_path: Path, text: str, words: str):
    plan = tmp_path / "plan"
    plan.mkdir()
    (tmp_path / "bad.csv").write_text(text, encoding="utf-8")
    with pytest.raises(UsageError, match=words.replace("(", r"\(")):
        import_profile(plan, tmp_path / "bad.csv", "g")
    assert not (plan / "profiles.csv").exists()


def test_bad_options(tmp_path: Path):
    (tmp_path / "plan").mkdir()
    src = em_file(tmp_path / "de.csv")
    for kwargs, words in (({"profile_id": "builtin:solar"}, "must be non-empty and not start with builtin:"),
                          ({"column": "lca"}, "--column must be carbon or cfe"),
                          ({"clock": "Mars/Olympus"}, "not UTC or an IANA time zone")):
        with pytest.raises(UsageError, match=words):
            import_profile(tmp_path / "plan", src, **{"profile_id": "g", **kwargs})


def test_cli_import_and_its_exit_codes(tmp_path: Path):
    plan = tmp_path / "plan"
    plan.mkdir()
    runner = CliRunner()
    ok = runner.invoke(app, ["profiles", "import", str(plan), str(em_file(tmp_path / "de.csv")), "--id", "grid-de"])
    assert ok.exit_code == 0, ok.output
    assert "wrote 8,760 hours of profile grid-de (Electricity Maps (carbon))" in ok.output
    bad = runner.invoke(app, ["profiles", "import", str(plan), str(em_file(tmp_path / "gap.csv", drop=5)),
                              "--id", "grid-de"])
    assert bad.exit_code == 2
    assert bad.output.count("\n") == 1 and "Traceback" not in bad.output


def test_local_timestamps_with_offsets_across_dst_are_complete_on_a_zone_clock(tmp_path: Path):
    plan = tmp_path / "plan"
    plan.mkdir()
    instants = pd.date_range("2025-01-01", periods=8760, freq="h", tz="Europe/Berlin")
    src = tmp_path / "local.csv"
    src.write_text("timestamp,value\n" + "".join(f"{t.isoformat()},{i}\n" for i, t in enumerate(instants)))
    done = import_profile(plan, src, "local", clock="Europe/Berlin")
    assert done.hours == 8760
    t = read_profiles(plan)
    assert t["timestamp"].iloc[0] == "2024-12-31T23:00:00+00:00"  # written as the UTC instant
    p = resolve_profiles(as_frame(t), "Europe/Berlin")
    assert p.problems.empty
