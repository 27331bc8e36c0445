"""Issue 12, snapshots and baselines: no silent overwrite of another plan's snapshot, safe names for
non-UTF-8 folders, bounded baseline reads (FIFO, /dev/zero link, deep JSON)."""

from __future__ import annotations

import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from energyplan.baseline import read_baseline
from energyplan.errors import UsageError
from energyplan.snapshot_guard import check_snapshot_target, plan_identity, safe_text


def snapshot(path: Path, plan: str, plan_path: str | None) -> Path:
    """A file shaped like render/snapshot.py's (only the metadata matters here)."""
    meta = {"tool": "energyplan", "plan": plan, "plan_digest": "ab" * 32}
    if plan_path is not None:
        meta["plan_path"] = plan_path
    table = pa.table({"plan": [plan]}).replace_schema_metadata({k.encode(): v.encode() for k, v in meta.items()})
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path)
    return path


@pytest.mark.parametrize("other", ["plans/_northwind", "plans/.northwind", "plans/..northwind", "other/northwind"])
def test_another_plans_snapshot_is_not_overwritten(tmp_path: Path, other: str) -> None:
    target = snapshot(tmp_path / "snapshot_date=2026-11-30" / "northwind.parquet", "northwind", "plans/northwind")
    with pytest.raises(UsageError, match=r"holds the snapshot of plan 'plans/northwind'.*--name NAME"):
        check_snapshot_target(target, other, name_given=False)
    with pytest.raises(UsageError, match="choose another --name"):
        check_snapshot_target(target, other, name_given=True)


def test_two_prod_folders_in_different_parents(tmp_path: Path) -> None:
    target = snapshot(tmp_path / "prod.parquet", "prod", "eu/prod")
    with pytest.raises(UsageError, match="eu/prod"):
        check_snapshot_target(target, "us/prod", name_given=False)
    check_snapshot_target(target, "eu/prod", name_given=False)  # the same plan again: replaced


def test_missing_file_and_non_files_are_left_to_the_write_path(tmp_path: Path) -> None:
    check_snapshot_target(tmp_path / "absent.parquet", "p", name_given=False)
    (tmp_path / "dir.parquet").mkdir()
    check_snapshot_target(tmp_path / "dir.parquet", "p", name_given=False)
    os.mkfifo(tmp_path / "fifo.parquet")
    check_snapshot_target(tmp_path / "fifo.parquet", "p", name_given=False)  # not opened: no hang


def test_a_file_that_is_not_our_snapshot_is_not_overwritten(tmp_path: Path) -> None:
    (tmp_path / "x.parquet").write_bytes(b"not parquet at all")
    with pytest.raises(UsageError, match="not an energyplan snapshot"):
        check_snapshot_target(tmp_path / "x.parquet", "p", name_given=False)
    pq.write_table(pa.table({"a": [1]}), tmp_path / "y.parquet")
    with pytest.raises(UsageError, match="not an energyplan snapshot"):
        check_snapshot_target(tmp_path / "y.parquet", "p", name_given=False)


def test_snapshot_without_plan_path_compares_plan_names(tmp_path: Path) -> None:
    legacy = snapshot(tmp_path / "northwind.parquet", "northwind", None)
    check_snapshot_target(legacy, "/srv/plans/northwind", name_given=False)
    with pytest.raises(UsageError, match="plan 'northwind'"):
        check_snapshot_target(legacy, "/srv/plans/_northwind", name_given=False)
    check_snapshot_target(legacy, "/srv/plans/x", name_given=True, plan_name="northwind")


def test_non_utf8_folder_name_gets_a_safe_distinct_name(tmp_path: Path) -> None:
    raw = os.fsdecode(b"caf\xe9")  # how Python hands us a folder name that is not UTF-8
    with pytest.raises(UnicodeEncodeError):
        raw.encode("utf-8")  # what made the snapshot metadata exit 3
    assert safe_text(raw) == "caf\\xe9" and safe_text(raw).encode("utf-8")
    assert safe_text(os.fsdecode(b"caf\xe8")) != safe_text(raw) and safe_text("café") == "café"
    folder = tmp_path / os.fsdecode(b"plan\xff")
    folder.mkdir()
    assert plan_identity(folder).endswith("plan\\xff")
    target = snapshot(tmp_path / "p.parquet", "plan\\xff", plan_identity(folder))
    check_snapshot_target(target, plan_identity(folder), name_given=False)


def test_plan_identity_is_relative_to_the_git_root(tmp_path: Path) -> None:
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    (tmp_path / "repo" / "plans" / "prod").mkdir(parents=True)
    assert plan_identity(tmp_path / "repo" / "plans" / "prod") == "plans/prod"
    assert plan_identity(tmp_path / "repo") == "."
    (tmp_path / "loose").mkdir()
    assert plan_identity(tmp_path / "loose") == (tmp_path / "loose").as_posix()


# ---- baselines -------------------------------------------------------------------------------------


def test_baseline_fifo_is_an_error_not_a_hang(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "baseline.json")
    with pytest.raises(UsageError, match=r"cannot read baseline .*: it is a FIFO"):
        read_baseline(tmp_path / "baseline.json")


def test_baseline_link_to_a_device_is_not_read(tmp_path: Path) -> None:
    (tmp_path / "baseline.json").symlink_to("/dev/zero")  # fstat'ed, never read
    with pytest.raises(UsageError, match="it is a character device"):
        read_baseline(tmp_path / "baseline.json")


def test_deeply_nested_baseline_json(tmp_path: Path) -> None:
    (tmp_path / "baseline.json").write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(UsageError, match="nested too deeply"):
        read_baseline(tmp_path / "baseline.json")
    (tmp_path / "b2.json").write_text('{"findings": [' + "[" * 100_000 + "]" * 100_000 + "]}")
    with pytest.raises(UsageError, match="nested too deeply"):
        read_baseline(tmp_path / "b2.json")


def test_baseline_error_does_not_echo_a_huge_entry(tmp_path: Path) -> None:
    (tmp_path / "baseline.json").write_text('{"findings": ["' + "x" * 5_000_000 + '"]}')
    with pytest.raises(UsageError) as err:
        read_baseline(tmp_path / "baseline.json")
    assert len(str(err.value)) < 500
