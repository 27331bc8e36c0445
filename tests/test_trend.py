"""`energyplan trend` over a snapshot dataset of three dates, through the library and the CLI."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from typer.testing import CliRunner

from energyplan.atomic import write_atomic
from energyplan.cli.app import app
from energyplan.facts import FactsOptions, build_facts
from energyplan.render.snapshot import Provenance, parquet_bytes, snapshot_path, snapshot_table
from energyplan.trends import build_series, read_snapshots, sparkline
from tests.support.facts import plan_of

DATES = (dt.date(2026, 11, 16), dt.date(2026, 11, 23), dt.date(2026, 11, 30))
GPUS = (10, 20, 40)  # the one workload grows week by week


def write_snapshots(folder, plan="north", extra=()):
    for day, gpus in zip(DATES, GPUS, strict=True):
        for when in (day, *[d for d in extra if d - dt.timedelta(days=d.weekday()) == day]):
            validated = plan_of(sites=[{"site_id": "s1"}, {"site_id": "s2"}], workloads=[{"gpu_count": gpus}],
                                contracts=[{}])
            facts = build_facts(validated, FactsOptions(as_of=when, currency="EUR", fx={}))
            prov = Provenance(as_of=when, plan=plan, plan_digest="0" * 64, tool_version="0.1.0", currency="EUR")
            write_atomic(snapshot_path(folder, prov), parquet_bytes(snapshot_table(facts.kpi_frame(), prov)))
    return folder


def peak(gpus):
    return gpus * 1.2 / 1000


def test_series_values_change_and_sparkline(tmp_path):
    frame = read_snapshots(write_snapshots(tmp_path))
    series, dates = build_series(frame, kpis=["peak_demand_mw", "effective_mw"])
    assert dates == list(DATES)
    keys = [(s.scope, s.site_id, s.kpi) for s in series]
    assert keys == [("site", "s1", "peak_demand_mw"), ("site", "s1", "effective_mw"),
                    ("site", "s2", "peak_demand_mw"), ("site", "s2", "effective_mw"),
                    ("portfolio", None, "peak_demand_mw"), ("portfolio", None, "effective_mw")]
    s1 = series[0]
    assert s1.values == pytest.approx([peak(g) for g in GPUS], rel=1e-12)
    assert s1.change == pytest.approx(peak(40) - peak(10), rel=1e-12)
    assert s1.change_pct == pytest.approx(300.0, rel=1e-12)
    assert sparkline(s1.values) == "▁▃█"
    assert series[1].change == 0.0 and sparkline(series[1].values) == "▁▁▁"
    assert series[2].change_pct is None  # s2 has no demand: 0 → 0


def test_weekly_window_and_latest_snapshot_of_a_week(tmp_path):
    # a second snapshot on Wednesday of the last week stands for that week
    write_snapshots(tmp_path, extra=(dt.date(2026, 12, 2),))
    frame = read_snapshots(tmp_path)
    series, dates = build_series(frame, kpis=["peak_demand_mw"], sites=["s1"], weeks=2)
    assert dates == [DATES[1], dt.date(2026, 12, 2)]
    assert [(s.scope, s.site_id) for s in series] == [("site", "s1"), ("portfolio", None)]
    assert series[0].values == pytest.approx([peak(20), peak(40)], rel=1e-12)


def test_sparkline_gaps_and_levels():
    assert sparkline([0, None, 7, 3.5]) == "▁ █▅"
    assert sparkline([None, None]) == "  "


def cli(*args):
    return CliRunner().invoke(app, ["trend", *map(str, args)])


def test_cli_json_csv_and_rich(tmp_path):
    folder = write_snapshots(tmp_path / "snaps")
    write_snapshots(folder, plan="south")
    result = cli(folder, "--format", "json", "--plan", "north", "--kpi", "peak_demand_mw", "--site", "s1")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["schema_version"] == 1 and doc["weeks"] == 13
    assert doc["dates"] == [d.isoformat() for d in DATES]
    assert [(s["plan"], s["site_id"]) for s in doc["series"]] == [("north", "s1"), ("north", None)]
    first = doc["series"][0]
    assert [p["value"] for p in first["points"]] == pytest.approx([peak(g) for g in GPUS], rel=1e-12)
    assert first["unit"] == "MW" and first["change_pct"] == pytest.approx(300.0)
    result = cli(folder, "--format", "csv", "--kpi", "incidents_13w")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == ["plan", "as_of", "scope", "site_id", "kpi", "value"]
    assert [(r["plan"], r["scope"], r["site_id"]) for r in rows][::3] == [
        ("north", "site", "s1"), ("north", "site", "s2"), ("north", "portfolio", ""),
        ("south", "site", "s1"), ("south", "site", "s2"), ("south", "portfolio", "")]
    assert [r["as_of"] for r in rows[:3]] == [d.isoformat() for d in DATES]
    assert {r["value"] for r in rows} == {"0"}  # a count prints as an integer
    result = cli(folder, "--format", "rich", "--kpi", "peak_demand_mw", "--kpi", "energy_cost_per_gpu_hour",
                 "--plan", "north")
    assert result.exit_code == 0 and "▁▃█" in result.stdout and "+300.0 %" in result.stdout
    assert "EUR/GPU-h" in result.stdout


def test_cli_usage_errors(tmp_path):
    result = cli(tmp_path / "missing")
    assert result.exit_code == 2 and "does not exist" in result.stderr
    (tmp_path / "empty").mkdir()
    result = cli(tmp_path / "empty")
    assert result.exit_code == 2 and "no KPI snapshots" in result.stderr
    folder = write_snapshots(tmp_path / "snaps")
    result = cli(folder, "--kpi", "peak_demand")
    assert result.exit_code == 2 and "did you mean 'peak_demand_mw'" in result.stderr
    result = cli(folder, "--plan", "nort")
    assert result.exit_code == 2 and "did you mean 'north'" in result.stderr
    result = cli(folder, "--site", "s3")
    assert result.exit_code == 2 and "no such site" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize("old_first", [True, False])
def test_counts_read_as_integers_from_older_float64_snapshots(tmp_path, old_first):
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = write_snapshots(tmp_path / "snaps")
    # rewrite one week's file as an older version wrote it: incidents_13w as float64
    files = sorted(folder.rglob("*.parquet"))
    old = files[0] if old_first else files[-1]
    table = pq.read_table(old)
    at = table.schema.get_field_index("incidents_13w")
    table = table.set_column(at, pa.field("incidents_13w", pa.float64()),
                             table.column("incidents_13w").cast(pa.float64()))
    pq.write_table(table, old)
    frame = read_snapshots(folder)
    assert str(frame["incidents_13w"].dtype) == "Int64"
    series, _dates = build_series(frame, kpis=["incidents_13w"])
    assert all(type(v) is int for s in series for v in s.values)
