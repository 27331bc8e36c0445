"""`energyplan kpi`: formats, --site, exit 1 on data-integrity errors, Parquet outputs and snapshots."""

from __future__ import annotations

import io
import json

import pandas as pd
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from energyplan import __version__
from energyplan.cli.app import app
from energyplan.facts.registry import KPIS as KPI_COLUMNS
from tests.helpers import CONTRACT, SITE, WORKLOAD, row, write_plan

TOML = 'currency = "EUR"\nas_of = 2026-12-01\n'


def run(*args):
    return CliRunner().invoke(app, ["kpi", *map(str, args)])


@pytest.fixture
def plan(tmp_path):
    return write_plan(tmp_path / "north", toml=TOML,
                      sites=[row(SITE, site_id="fra-1"), row(SITE, site_id="aws", site_type="cloud_region")],
                      workloads=[row(WORKLOAD, site_id="fra-1"), row(WORKLOAD, workload_id="w2", site_id="aws")],
                      contracts=[row(CONTRACT, site_id="fra-1")])


@pytest.fixture
def broken(tmp_path):
    # a workload at a site that does not exist: EP001, an error-level data-integrity finding
    return write_plan(tmp_path / "broken", toml=TOML, sites=[row(SITE)],
                      workloads=[row(WORKLOAD), row(WORKLOAD, workload_id="w2", site_id="nowhere")])


def test_json_is_the_default_off_a_terminal(plan):
    result = run(plan)
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert list(doc) == ["schema_version", "tool", "plan", "as_of", "currency", "kpis"]
    assert doc["tool"] == {"name": "energyplan", "version": __version__}
    assert doc["plan"] == str(plan) and doc["as_of"] == "2026-12-01" and doc["currency"] == "EUR"
    sites = doc["kpis"]["sites"]
    assert [s["site_id"] for s in sites] == ["aws", "fra-1"]
    assert list(sites[0]) == ["site_id", "site_type", *KPI_COLUMNS]
    assert sites[0]["effective_mw"] is None and sites[1]["effective_mw"] == pytest.approx(0.999)
    assert doc["kpis"]["portfolio"]["peak_demand_mw"] == pytest.approx(0.012)
    assert result.stderr == ""


def test_csv_rich_and_site_filter(plan):
    result = run(plan, "--format", "csv", "--site", "fra-1")
    frame = pd.read_csv(io.StringIO(result.stdout))
    assert list(frame.columns) == ["as_of", "plan", "currency", "scope", "site_id", *KPI_COLUMNS]
    assert frame["scope"].tolist() == ["site", "portfolio"] and frame["site_id"].iloc[0] == "fra-1"
    assert frame["peak_demand_mw"].tolist() == pytest.approx([0.012, 0.012])
    result = run(plan, "--format", "rich")
    assert result.exit_code == 0
    assert "portfolio" in result.stdout and "—" in result.stdout and "fra-1" in result.stdout
    assert "\x1b[" not in result.stdout  # no colour off a terminal


def test_unknown_site_is_a_usage_error_with_a_suggestion(plan):
    result = run(plan, "--site", "fra1")
    assert result.exit_code == 2
    assert "did you mean 'fra-1'" in result.stderr and "Traceback" not in result.output


def test_integrity_errors_exit_1_and_write_nothing(broken, tmp_path):
    out, snaps = tmp_path / "k.json", tmp_path / "snaps"
    result = run(broken, "-o", out, "--snapshot-dir", snaps)
    assert result.exit_code == 1
    assert "EP001" in result.stderr and "--fail-on never" in result.stderr
    assert result.stdout == "" and not out.exists() and not snaps.exists()
    result = run(broken, "-o", out, "--snapshot-dir", snaps, "--fail-on", "never")
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["kpis"]["sites"][0]["site_id"] == "s1"
    assert len(list(snaps.rglob("*.parquet"))) == 1
    assert f"wrote json to {out}" in result.stderr


def test_parquet_to_file_to_pipe_and_never_to_a_terminal(plan, tmp_path, monkeypatch):
    target = tmp_path / "kpis.parquet"
    result = run(plan, "-o", f"parquet={target}", "--format", "json")
    assert result.exit_code == 0 and json.loads(result.stdout)["schema_version"] == 1
    table = pq.read_table(target)
    assert table.column_names[:6] == ["as_of", "plan", "plan_digest", "tool_version", "scope", "site_id"]
    assert table.column("plan").to_pylist()[0] == "north"
    meta = table.schema.metadata
    assert len(meta[b"plan_digest"]) == 64 and meta[b"tool_version"] == __version__.encode()
    piped = run(plan, "--format", "parquet")
    assert piped.exit_code == 0
    assert pq.read_table(io.BytesIO(piped.stdout_bytes)).num_rows == 3
    monkeypatch.setattr("energyplan.render.emit.stdout_is_terminal", lambda: True)
    result = run(plan, "--format", "parquet")
    assert result.exit_code == 2 and "-o FILE" in result.stderr


def test_snapshot_dir_same_date_twice_leaves_one_file(plan, tmp_path):
    snaps = tmp_path / "snaps"
    for _ in range(2):
        assert run(plan, "--snapshot-dir", snaps, "--site", "fra-1", "-q").exit_code == 0
    files = sorted(p.relative_to(snaps).as_posix() for p in snaps.rglob("*") if p.is_file())
    assert files == ["snapshot_date=2026-12-01/north.parquet"]
    back = pd.read_parquet(snaps)
    assert len(back) == 3  # every site, whatever --site showed
    assert run(plan, "--snapshot-dir", snaps, "--as-of", "2026-12-08").exit_code == 0
    assert len(pd.read_parquet(snaps)) == 6


def test_digest_changes_with_the_plan(plan, tmp_path):
    def digest():
        target = tmp_path / "d.parquet"
        assert run(plan, "-o", f"parquet={target}").exit_code == 0
        return pq.read_table(target).column("plan_digest").to_pylist()[0]

    first = digest()
    assert digest() == first
    (plan / "energyplan.toml").write_text(TOML + "[fx]\nUSD = 0.9\n")
    assert digest() != first


def test_could_not_run(tmp_path, plan):
    assert run(tmp_path / "missing").exit_code == 2
    result = run(plan, "--as-of", "yesterday")
    assert result.exit_code == 2 and "YYYY-MM-DD" in result.stderr
    result = run(plan, "--format", "xml")
    assert result.exit_code == 2 and "choose from" in result.stderr
    result = run(plan, "-o", tmp_path / "nowhere" / "k.json")
    assert result.exit_code == 2 and "Traceback" not in result.output


@pytest.mark.parametrize("config", [
    '[rules]\nignore = ["EP001"]\n',
    '[rules]\nseverity = { EP001 = "warning" }\n',
    '[[waivers]]\nrule = "EP001"\nrecord = "w2"\nreason = "moving"\nowner = "ops"\nexpires = 2026-12-31\n',
])
def test_integrity_errors_count_as_the_audit_counts_them(broken, config):
    (broken / "energyplan.toml").write_text(TOML + config)
    result = run(broken)
    assert result.exit_code == 0, result.stderr
    (broken / "energyplan.toml").write_text(TOML + config.replace("2026-12-31", "2026-11-30"))
    assert run(broken).exit_code == (1 if "waivers" in config else 0)


def test_kpi_table_rounds_for_reading_and_turns_on_its_side_when_narrow():
    from rich.console import Console

    from energyplan.render.kpi_table import build_kpi_view, format_value

    assert format_value("gpu_hours", 10_512_000.0) == "10,512,000"
    assert format_value("headroom_mw", -0.0001) == "0.00"
    assert format_value("effective_mw", None) == "—" and format_value("effective_mw", float("nan")) == "—"
    assert format_value("incidents_13w", 3) == "3"
    kpis = {"sites": [{"site_id": "fra-1", "site_type": "owned_dc", "peak_demand_mw": 1.44}],
            "portfolio": {"peak_demand_mw": 1.44}}

    def text(width):
        console = Console(width=width, record=True, file=io.StringIO(), color_system=None)
        console.print(build_kpi_view(kpis, "EUR", width))
        return console.export_text()

    wide, narrow = text(400), text(80)
    assert "Marginal" in wide and "EUR/GPU-h" in wide and wide.count("1.44") == 2
    assert all(len(line) <= 80 for line in narrow.splitlines())
    assert "Peak MW" in narrow and "fra-1" in narrow and narrow.count("1.44") == 2
