"""Issue 12: a failed write to stdout (`> /dev/full`, `>&-`) is "cannot write output", exit 2 — never an
internal error or a traceback — for every kind of command."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
COMMANDS = [["rules", "list"], ["schema", "sites"], ["--help"], ["--version"],
            ["audit", "sample_data/clean", "-f", "json"], ["kpi", "sample_data/clean", "-f", "json"],
            ["outlook", "sample_data/clean", "-f", "json", "--months", "2"]]


def run(args: list[str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "energyplan", *args], cwd=ROOT, capture_output=False,
                          stderr=subprocess.PIPE, text=True, check=False, timeout=300, **kw)


@pytest.mark.slow
@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_a_full_disk_on_stdout_is_a_clear_exit_2(args):
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full on this system")
    with open("/dev/full", "w") as full:
        done = run(args, stdout=full)
    assert done.returncode == 2, done.stderr
    assert "cannot write output" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.slow
@pytest.mark.parametrize("args", COMMANDS[:5], ids=" ".join)
def test_a_closed_stdout_is_a_clear_exit_2(args):
    done = subprocess.run([sys.executable, "-m", "energyplan", *args], cwd=ROOT, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True, check=False, timeout=300,
                          preexec_fn=lambda: os.close(1))
    assert done.returncode == 2, done.stderr
    assert "stdout is closed" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.slow
def test_a_closed_stdout_does_not_stop_a_run_that_writes_only_files(tmp_path):
    target = tmp_path / "a.json"
    done = subprocess.run([sys.executable, "-m", "energyplan", "audit", "sample_data/clean", "-q", "-o", str(target)],
                          cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False,
                          timeout=300, preexec_fn=lambda: os.close(1))
    assert done.returncode == 0, done.stderr
    assert target.read_text(encoding="utf-8").startswith("{")


def test_a_folder_path_is_never_written_as_a_file(tmp_path):
    """`-o json=x/`, `--write-baseline x/`, `--hourly x/`: a trailing slash names a folder: exit 2, nothing written."""
    from typer.testing import CliRunner

    from energyplan.cli.app import app

    clean = str(ROOT / "sample_data" / "clean")
    for args in (["audit", clean, "-o", f"json={tmp_path}/a/"], ["audit", clean, "--write-baseline", f"{tmp_path}/b/"],
                 ["adequacy", clean, "--hourly", f"{tmp_path}/c/"]):
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 2 and "names a folder" in result.stderr, args
    assert list(tmp_path.iterdir()) == []
