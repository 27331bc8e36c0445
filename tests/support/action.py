"""Run the composite GitHub Action's `run:` steps locally, as the runner would (tests calling it are slow)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
ACTION = ROOT / "action.yml"
EXPR = re.compile(r"\$\{\{\s*(.+?)\s*\}\}")


def action() -> dict[str, Any]:
    """action.yml, parsed (PyYAML is in the test extra)."""
    import yaml

    spec: dict[str, Any] = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    return spec


def parse_outputs(text: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in text.splitlines() if line)


def run_action(cwd: Path, tmp: Path, **given: str) -> tuple[int, str, dict[str, str], str]:
    """Run the action's steps as the runner does: inputs with their defaults, `bash -eo pipefail`, the
    GITHUB_* files. The install step is replaced by checking energyplan imports from this checkout."""
    spec = action()
    inputs = {name: str(opt.get("default", "")) for name, opt in spec["inputs"].items()}
    inputs.update({k.replace("_", "-"): v for k, v in given.items()})
    summary, runner_temp = tmp / "summary.md", tmp / "runner"
    summary.write_text("", encoding="utf-8")
    runner_temp.mkdir(exist_ok=True)
    base_env = {**os.environ, "GITHUB_ACTION_PATH": str(ROOT), "GITHUB_STEP_SUMMARY": str(summary),
                "RUNNER_TEMP": str(runner_temp), "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    steps: dict[str, dict[str, str]] = {}
    code, stdout = 0, ""
    for n, step in enumerate(spec["runs"]["steps"]):
        assert step["shell"] == "bash" and "run" in step
        outputs = tmp / f"output-{n}"
        outputs.write_text("", encoding="utf-8")
        if step.get("id") == "install":
            assert '"$GITHUB_ACTION_PATH"' in step["run"]  # installs the action's own checkout, no index
            subprocess.run([sys.executable, "-c", "import energyplan"], env=base_env, check=True)
            steps["install"] = {"python": sys.executable}
            continue
        context = {f"inputs.{k}": v for k, v in inputs.items()}
        context |= {f"steps.{s}.outputs.{k}": v for s, outs in steps.items() for k, v in outs.items()}
        context["github.action_path"] = str(ROOT)
        env = {k: EXPR.sub(lambda m, c=context: c[m.group(1)], str(v)) for k, v in step.get("env", {}).items()}
        proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]], cwd=cwd,
                              env={**base_env, **env, "GITHUB_OUTPUT": str(outputs)}, capture_output=True,
                              text=True, timeout=300, check=False)
        assert "Traceback" not in proc.stderr, proc.stderr
        steps[step["id"]] = parse_outputs(outputs.read_text(encoding="utf-8"))
        code, stdout = proc.returncode, proc.stdout
        if code:
            break
    outs = {name: EXPR.sub(lambda m: steps[m.group(1).split(".")[1]].get(m.group(1).split(".")[3], ""),
                           o["value"]) for name, o in spec["outputs"].items()}
    return code, stdout, outs, summary.read_text(encoding="utf-8")
