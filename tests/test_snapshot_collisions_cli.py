"""Issue 12: two plans whose folders share a name never overwrite each other's snapshot through `kpi
--snapshot-dir`; `--name` gives one its own file; a folder name that is not UTF-8 is written safely."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pyarrow.parquet as pq
from typer.testing import CliRunner

from energyplan.cli.app import app

CLEAN = Path(__file__).parents[1] / "sample_data" / "clean"


def kpi(plan: Path, snaps: Path, *extra: str):
    return CliRunner().invoke(app, ["kpi", str(plan), "--snapshot-dir", str(snaps), "-q", *extra])


def test_two_prod_folders_do_not_overwrite_each_other(tmp_path):
    a, b = tmp_path / "a" / "prod", tmp_path / "b" / "prod"
    shutil.copytree(CLEAN, a)
    shutil.copytree(CLEAN, b)
    snaps = tmp_path / "snaps"
    assert kpi(a, snaps).exit_code == 0
    target = snaps / "snapshot_date=2026-11-30" / "prod.parquet"
    before = target.read_bytes()
    refused = kpi(b, snaps)
    assert refused.exit_code == 2 and "--name" in refused.stderr
    assert target.read_bytes() == before
    assert kpi(a, snaps).exit_code == 0  # the same plan again replaces its own file
    assert kpi(b, snaps, "--name", "prod-b").exit_code == 0
    meta = pq.read_schema(target.with_name("prod-b.parquet")).metadata
    assert meta[b"plan"] == b"prod-b" and meta[b"plan_path"].endswith(b"b/prod")


def test_dot_and_underscore_names_collide_safely(tmp_path):
    snaps = tmp_path / "snaps"
    for name in ("northwind", "_northwind"):
        shutil.copytree(CLEAN, tmp_path / name)
    assert kpi(tmp_path / "northwind", snaps).exit_code == 0
    assert kpi(tmp_path / "_northwind", snaps).exit_code == 2


def test_a_folder_name_that_is_not_utf8(tmp_path):
    raw = os.fsencode(str(tmp_path)) + b"/pl\xffan"
    os.makedirs(raw)
    for f in CLEAN.iterdir():
        shutil.copy(f, os.fsdecode(raw + b"/" + os.fsencode(f.name)))
    result = kpi(Path(os.fsdecode(raw)), tmp_path / "snaps")
    assert result.exit_code == 0, result.output
    (written,) = (tmp_path / "snaps").rglob("*.parquet")
    assert pq.read_schema(written).metadata[b"plan"] == b"pl\\xffan"
