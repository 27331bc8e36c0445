"""The CLI starts fast (no pandas), answers --version/--help, and ships its rule catalog in the wheel."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from energyplan import __version__

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("pandas", "pyarrow", "pandera", "numpy")


def run_py(code: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=cwd, env=env,
                          timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_importing_the_cli_loads_no_pandas() -> None:
    out = run_py(f"import sys, energyplan.cli.app; print([m for m in {HEAVY!r} if m in sys.modules])")
    assert out.strip() == "[]"


@pytest.mark.parametrize("argv", [["--help"], ["--version"], ["rules", "list"], ["rules", "explain", "EP501"],
                                  ["report", "--help"]])
def test_fast_commands_load_no_pandas(argv: list[str]) -> None:
    code = (
        "import sys, contextlib, io\n"
        f"sys.argv = ['energyplan', *{argv!r}]\n"
        "from energyplan.cli.app import app\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n        app()\n    except SystemExit:\n        pass\n"
        f"print([m for m in {HEAVY!r} if m in sys.modules])\n"
    )
    assert run_py(code).strip().splitlines()[-1] == "[]"


def test_a_data_command_keeps_pandera_from_importing_hypothesis(tmp_path: Path) -> None:
    """hypothesis is installed beside the tests; pandera would import it (~0.09 s) for strategies no command uses."""
    pytest.importorskip("hypothesis")
    code = (
        "import sys\n"
        f"sys.argv = ['energyplan', 'audit', {str(ROOT / 'sample_data' / 'clean')!r}, '--format', 'json',\n"
        f"            '-o', {str(tmp_path / 'out.json')!r}]\n"
        "import atexit, os\n"
        "real_exit = os._exit\n"
        "def report(code):\n"
        "    print('hypothesis' in sys.modules and sys.modules['hypothesis'] is not None, 'pandera' in sys.modules)\n"
        "    sys.stdout.flush()\n"
        "    real_exit(code)\n"
        "os._exit = report\n"
        "from energyplan.cli.app import main\n"
        "main()\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert proc.stdout.split() == ["False", "True"], proc.stderr
    assert (tmp_path / "out.json").is_file()


def test_version_and_module_entry_point() -> None:
    proc = subprocess.run([sys.executable, "-m", "energyplan", "--version"], capture_output=True, text=True,
                          check=False)
    assert proc.returncode == 0 and proc.stdout.strip() == f"energyplan {__version__}"


def test_help_lists_every_command() -> None:
    proc = subprocess.run([sys.executable, "-m", "energyplan", "--help"], capture_output=True, text=True,
                          check=False, env={**os.environ, "COLUMNS": "120", "NO_COLOR": "1"})
    assert proc.returncode == 0
    for command in ("audit", "validate", "kpi", "trend", "rules", "schema", "init", "diff", "report"):
        assert command in proc.stdout


def test_wheel_ships_the_rule_catalog(tmp_path: Path) -> None:
    """A plain (non-editable) wheel, unpacked and run from another folder, still finds rules/."""
    wheel_dir = tmp_path / "wheel"
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheel_dir), str(ROOT)],
                          capture_output=True, text=True, check=False, timeout=600)
    if proc.returncode != 0:
        pytest.fail(f"pip wheel failed: {proc.stderr[-2000:]}")
    (wheel,) = wheel_dir.glob("energyplan-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    shipped = sorted(n for n in names if n.startswith("energyplan/_rules/") and n.endswith(".toml"))
    in_repo = sorted(p.name for p in (ROOT / "rules").glob("*.toml"))
    assert [Path(n).name for n in shipped] == in_repo and in_repo
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site)}
    out = run_py("import energyplan.catalog as c, energyplan; print(energyplan.__file__); "
                 "print(sorted(p.name for p in c.builtin_rules_dir().glob('*.toml')))", cwd=elsewhere, env=env)
    first, second = out.strip().splitlines()
    assert first.startswith(str(site))
    assert second == repr(in_repo)
