"""Run the CLI from tests: in-process through Typer's runner (fast), or as the real entry point (slow)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from energyplan.cli.app import app

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "sample_data"


class Ran:
    """What one in-process run returned, shaped like subprocess.CompletedProcess."""

    def __init__(self, returncode: int, stdout: str, stderr: str) -> None:
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


def energyplan(*args: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None) -> Ran:
    """Run the CLI in-process (fast); `subprocess_energyplan` checks the real entry point."""
    runner = CliRunner()
    old = Path.cwd()
    try:
        if cwd is not None:
            os.chdir(cwd)
        res = runner.invoke(app, [str(a) for a in args], env={"NO_COLOR": "1", **(env or {})})
    finally:
        os.chdir(old)
    if res.exception is not None and not isinstance(res.exception, SystemExit):
        raise res.exception
    return Ran(res.exit_code, res.stdout, res.stderr)


def subprocess_energyplan(*args: str | Path) -> subprocess.CompletedProcess:
    """Run `python -m energyplan` as a process (tests calling this are marked slow by conftest)."""
    return subprocess.run([sys.executable, "-m", "energyplan", *map(str, args)], capture_output=True, text=True,
                          env={**{k: v for k, v in os.environ.items() if k != "GITHUB_STEP_SUMMARY"}, "NO_COLOR": "1"},
                          timeout=300, check=False)
