"""KPI snapshots: schema, provenance metadata, hive layout, atomic replace, read-back by pyarrow and pandas."""

from __future__ import annotations

import datetime as dt
import hashlib
import subprocess

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from energyplan.atomic import write_atomic
from energyplan.facts import FactsOptions, build_facts
from energyplan.facts.registry import KPIS
from energyplan.provenance import git_commit, plan_digest
from energyplan.render.snapshot import Provenance, parquet_bytes, snapshot_path, snapshot_table
from tests.support.facts import plan_of

D = dt.date(2026, 12, 1)


def kpi_frame():
    plan = plan_of(sites=[{"site_id": "b"}, {"site_id": "a", "site_type": "cloud_region"}],
                   workloads=[{"site_id": "b"}], contracts=[{"site_id": "b"}])
    return build_facts(plan, FactsOptions(as_of=D, currency="EUR", fx={})).kpi_frame()


def provenance(day=D, commit=None):
    return Provenance(as_of=day, plan="north", plan_digest="ab" * 32, tool_version="0.1.0", git_commit=commit,
                      currency="EUR")


def test_table_columns_types_nulls_and_metadata():
    table = snapshot_table(kpi_frame(), provenance(commit="c" * 40))
    assert table.column_names == ["as_of", "plan", "plan_digest", "tool_version", "scope", "site_id",
                                  *KPIS]
    assert table.schema.field("as_of").type == pa.date32()
    assert table.schema.field("incidents_13w").type == pa.int64()  # outputs.md: counts as int64
    assert all(table.schema.field(c).type == pa.float64() for c in KPIS if c != "incidents_13w")
    assert table.column("scope").to_pylist() == ["site", "site", "portfolio"]
    assert table.column("site_id").to_pylist() == ["a", "b", None]
    # cloud site a: effective_mw is a real null, not NaN
    assert table.column("effective_mw").to_pylist()[0] is None
    assert table.column("effective_mw").null_count == 1
    meta = pq.read_table(pa.BufferReader(parquet_bytes(table))).schema.metadata
    assert meta[b"plan_digest"] == b"ab" * 32 and meta[b"git_commit"] == b"c" * 40
    assert meta[b"as_of"] == b"2026-12-01" and meta[b"plan"] == b"north" and meta[b"tool_version"] == b"0.1.0"
    no_git = pq.read_table(pa.BufferReader(parquet_bytes(snapshot_table(kpi_frame(), provenance()))))
    assert b"git_commit" not in no_git.schema.metadata


def test_dataset_round_trip_and_same_date_replaces(tmp_path):
    frame = kpi_frame()
    for day in (D, D, D + dt.timedelta(days=7)):
        p = provenance(day)
        write_atomic(snapshot_path(tmp_path, p), parquet_bytes(snapshot_table(frame, p)))
    files = sorted(f.relative_to(tmp_path).as_posix() for f in tmp_path.rglob("*") if f.is_file())
    assert files == ["snapshot_date=2026-12-01/north.parquet", "snapshot_date=2026-12-08/north.parquet"]
    table = ds.dataset(tmp_path, format="parquet", partitioning="hive").to_table()
    assert table.num_rows == 6
    assert table.schema.field("as_of").type == pa.date32()
    assert sorted(set(table.column("as_of").to_pylist())) == [D, D + dt.timedelta(days=7)]
    back = pd.read_parquet(tmp_path)
    assert len(back) == 6
    assert back["effective_mw"].dtype == "float64"
    assert back["effective_mw"].isna().sum() == 2  # the cloud site, once per date
    assert {str(v) for v in back["snapshot_date"]} == {"2026-12-01", "2026-12-08"}
    row = back[(back["site_id"] == "b") & (back["as_of"] == D)].iloc[0]
    expected = frame[frame["site_id"] == "b"].iloc[0]
    for column in KPIS:
        assert row[column] == pytest.approx(expected[column], nan_ok=True)


def test_plan_digest_is_stable_and_sees_every_byte(tmp_path):
    (tmp_path / "sites.csv").write_text("a\n1\n")
    (tmp_path / "workloads.csv").write_text("b\n")
    config = tmp_path / "energyplan.toml"
    config.write_text('currency = "EUR"\n')
    files = [tmp_path / "workloads.csv", tmp_path / "sites.csv"]
    first = plan_digest(files, tmp_path, config)
    assert first == plan_digest(list(reversed(files)), tmp_path, config)
    manual = hashlib.sha256()
    for name in ("energyplan.toml", "sites.csv", "workloads.csv"):
        data = (tmp_path / name).read_bytes()
        manual.update(len(name).to_bytes(8, "big") + name.encode() + len(data).to_bytes(8, "big") + data)
    assert first == manual.hexdigest()
    (tmp_path / "sites.csv").write_text("a\n2\n")
    assert plan_digest(files, tmp_path, config) != first
    assert plan_digest(files, tmp_path, None) != plan_digest(files, tmp_path, config)


def test_git_commit_inside_and_outside_a_repository(tmp_path):
    assert git_commit(tmp_path) is None
    repo = tmp_path / "repo"
    repo.mkdir()

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout

    git("init", "-q")
    (repo / "f").write_text("x")
    git("add", "f")
    git("-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q", "-m", "m")
    head = git("rev-parse", "HEAD").strip()
    (repo / "plan").mkdir()
    assert git_commit(repo / "plan") == head
