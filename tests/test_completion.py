"""Shell completion: Typer's install/show options, and rule codes completed from the TOML catalog."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from energyplan.cli.app import app
from energyplan.cli.common import complete_rule_code
from energyplan.ruleset.spec import builtin_rules

ROOT = Path(__file__).parents[1]


def _values(incomplete: str) -> list[str]:
    return [value for value, _ in complete_rule_code(incomplete)]


def test_rule_codes_complete_with_their_names():
    codes = {s.code: s.name for s in builtin_rules()}
    got = dict(complete_rule_code("EP50"))
    assert got == {c: n for c, n in codes.items() if c.startswith("EP50")} and "EP501" in got
    assert _values("ep50") == _values("EP50")  # typed in lower case
    assert _values("") [:1] == ["EP"] and len(_values("")) == len(codes) + len({c[:3] for c in codes}) + 1


def test_prefixes_complete_too_and_only_the_last_part_of_a_comma_list():
    assert ("EP7", "every EP7xx rule") in complete_rule_code("EP7")
    assert _values("EP2,EP50") == [f"EP2,{c}" for c in _values("EP50")]
    assert _values("EP999") == []


def _complete(env: dict[str, str]) -> str:
    proc = subprocess.run([sys.executable, "-m", "energyplan"], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(ROOT), **env}, check=False)
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    return proc.stdout


def test_bash_completes_select_and_rules_explain_through_the_real_command():
    out = _complete({"_ENERGYPLAN_COMPLETE": "complete_bash", "COMP_WORDS": "energyplan audit plan --select EP50",
                     "COMP_CWORD": "4"})
    assert out.split() == _values("EP50")
    out = _complete({"_ENERGYPLAN_COMPLETE": "complete_zsh", "_TYPER_COMPLETE_ARGS": "energyplan rules explain EP70"})
    assert '"EP701":"capacity-shortfall-ahead"' in out
    out = _complete({"_ENERGYPLAN_COMPLETE": "complete_bash", "COMP_WORDS": "energyplan convert p --to x",
                     "COMP_CWORD": "4"})
    assert out.split() == ["xlsx"]


def test_completion_loads_no_data_stack():
    code = ("import sys, runpy; sys.argv = ['energyplan']; "
            "import energyplan.cli.common as c; c.complete_rule_code('EP5'); "
            "bad = [m for m in ('pandas', 'pyarrow', 'numpy', 'pandera') if m in sys.modules]; print(bad)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, check=False)
    assert proc.stdout.strip() == "[]", proc.stdout + proc.stderr


def test_show_completion_prints_the_bash_script(monkeypatch):
    # Without this, Typer makes --show-completion a flag and asks shellingham for the calling shell, which
    # finds none under some runners (a pytest-xdist worker started without a shell among its parents).
    monkeypatch.setenv("_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION", "1")
    result = CliRunner().invoke(app, ["--show-completion", "bash"], prog_name="energyplan")
    assert result.exit_code == 0
    assert "_ENERGYPLAN_COMPLETE=complete_bash" in result.output
    assert "complete -o default -F _energyplan_completion energyplan" in result.output


def test_help_lists_the_completion_options_and_python_m_is_named_energyplan():
    proc = subprocess.run([sys.executable, "-m", "energyplan", "--help"], capture_output=True, text=True,
                          timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "100"}, check=False)
    assert "--install-completion" in proc.stdout and "--show-completion" in proc.stdout
    assert "Usage: energyplan" in proc.stdout
