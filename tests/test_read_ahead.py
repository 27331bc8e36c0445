"""Reading ahead: a data command starts reading the plan's files while it imports, and uses those reads
only for the same, unchanged file; what a file yields (table, lines, errors) is the same either way."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from energyplan.plan import files, read_ahead
from energyplan.plan.header import load_tables
from tests.support.cli import ROOT, SAMPLES, energyplan

THREAD = "energyplan-read-ahead"


@pytest.fixture(autouse=True)
def _forget() -> None:
    read_ahead.clear()
    yield
    read_ahead.clear()


def _recording(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """Record (file, thread name) of every read of a table file."""
    calls: list[tuple[str, str]] = []
    real = files.read_now

    def read_now(path: Path, table: str):  # type: ignore[no-untyped-def]
        calls.append((path.name, threading.current_thread().name))
        return real(path, table)

    monkeypatch.setattr(files, "read_now", read_now)
    return calls


def _plan(tmp_path: Path) -> Path:
    return Path(shutil.copytree(SAMPLES / "northwind", tmp_path / "plan"))


def test_every_table_file_is_read_once_on_the_read_ahead_thread(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    plan = _plan(tmp_path)
    calls = _recording(monkeypatch)
    read_ahead.start(plan)
    raws = load_tables(plan)
    table_files = sorted(p.name for p in plan.iterdir() if p.suffix in (".csv", ".parquet"))
    assert sorted(name for name, _ in calls) == table_files
    assert {thread for _, thread in calls} == {THREAD}
    assert not read_ahead._reads  # each read taken once
    alone = load_tables(plan)  # nothing left ahead: read again here, the same tables
    assert {thread for _, thread in calls[len(table_files):]} == {threading.main_thread().name}
    for table, raw in raws.items():
        assert (raw.data is None) == (alone[table].data is None)
        if raw.data is not None:
            assert raw.data.equals(alone[table].data) and raw.fmt == alone[table].fmt
            assert (raw.lines is None and alone[table].lines is None) or (raw.lines == alone[table].lines).all()


def test_a_file_written_while_it_was_read_ahead_is_read_again(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    plan = _plan(tmp_path)
    sites = plan / "sites.csv"
    hold, reading = threading.Event(), threading.Event()
    real = files.read_now

    def slow(path: Path, table: str):  # type: ignore[no-untyped-def]
        if path.name == "sites.csv":
            reading.set()
            assert hold.wait(10)
        return real(path, table)

    monkeypatch.setattr(files, "read_now", slow)
    read_ahead.start(plan)
    assert reading.wait(10)
    text = sites.read_text(encoding="utf-8").splitlines()
    sites.write_text("\n".join(text[:2]) + "\n", encoding="utf-8")  # one site left, a smaller file
    hold.set()
    table, _, fmt = files.read_table_file(sites, "sites")
    assert fmt == "csv" and table.num_rows == 1


def test_a_file_that_fails_gives_the_same_problem_ahead_or_not(tmp_path: Path) -> None:
    plan = _plan(tmp_path)
    (plan / "contracts.csv").write_bytes(b"")
    (plan / "incidents.csv").write_bytes(b"site_id;started_at;duration_hours\nx;2026-01-01;1\n")
    read_ahead.start(plan)
    ahead = load_tables(plan)
    alone = load_tables(plan)
    for table in ("contracts", "incidents"):
        assert ahead[table].problems and [p.message for p in ahead[table].problems] == \
            [p.message for p in alone[table].problems]


def test_only_regular_files_are_read_ahead_and_cleared_reads_are_not_used(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    plan = _plan(tmp_path)
    (plan / "incidents.csv").unlink()
    os.mkfifo(plan / "incidents.csv")  # a FIFO would block a reader: find_table words it, nothing reads it
    calls = _recording(monkeypatch)
    read_ahead.start(plan)
    assert "incidents.csv" not in {name for name, _ in read_ahead._reads}
    read_ahead.clear()
    raws = load_tables(plan)
    assert {thread for _, thread in calls if thread != THREAD} == {threading.main_thread().name}
    assert any("FIFO" in p.message for p in raws["incidents"].problems)


def test_audit_output_is_the_same_with_and_without_reading_ahead(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    plan = SAMPLES / "northwind"
    calls = _recording(monkeypatch)
    ahead = energyplan("audit", plan, "--format", "json", "--as-of", "2026-11-30")
    assert {thread for _, thread in calls} == {THREAD}
    assert not read_ahead._reads  # the command forgets what it did not take
    monkeypatch.setattr(read_ahead, "start", lambda plan: None)
    alone = energyplan("audit", plan, "--format", "json", "--as-of", "2026-11-30")
    assert (ahead.returncode, ahead.stdout) == (alone.returncode, alone.stdout)


def test_reading_a_table_file_imports_no_pandas() -> None:
    """The read-ahead thread must not wait on the main thread's import of pandas."""
    code = ("import sys, pathlib; from energyplan.plan import files, read_ahead; "
            f"files.read_now(pathlib.Path({str(SAMPLES / 'northwind' / 'sites.csv')!r}), 'sites'); "
            "print(sorted(m for m in ('pandas', 'pandera') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert out.stdout.strip() == "[]"
