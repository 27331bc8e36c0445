"""The example GitHub workflow works: its action step and energyplan commands, read from the YAML, run on northwind."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_action import run_action

yaml = pytest.importorskip("yaml")

ROOT = Path(__file__).parents[1]
WORKFLOW = ROOT / "examples" / "github-workflow.yml"
SARIF_SCHEMA = Path(__file__).parent / "schemas" / "sarif-schema-2.1.0.json"
GITHUB_CONTEXT = {"github.base_ref": "main", "github.event_name": "pull_request"}


def workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def steps() -> list[dict]:
    return workflow()["jobs"]["audit"]["steps"]


def action_step() -> dict:
    found = [s for s in steps() if re.match(r"^[^/]+/energyplan@", s.get("uses", ""))]
    assert len(found) == 1, "the workflow audits through the energyplan action"
    return found[0]


def energyplan_commands(env: dict[str, str]) -> list[list[str]]:
    """argv of every energyplan command in `run:` steps, with ${{ … }} and $VARS substituted; a pipe ends
    the command (the rest, e.g. `| tee -a "$GITHUB_STEP_SUMMARY"`, is done by the test itself)."""
    out = []
    for step in steps():
        for raw in step.get("run", "").splitlines():
            line = re.sub(r"\$\{\{\s*([\w.]+)\s*\}\}", lambda m: GITHUB_CONTEXT[m.group(1)], raw)
            line = re.sub(r"\$(\w+)|\$\{(\w+)\}", lambda m: env[m.group(1) or m.group(2)], line)
            argv = shlex.split(line)
            if argv and argv[0] == "energyplan":
                out.append(argv[: argv.index("|")] if "|" in argv else argv)
    return out


def test_workflow_uses_the_action_uploads_sarif_and_fetches_history_for_diff():
    text = WORKFLOW.read_text(encoding="utf-8")
    assert "pip install" not in text  # energyplan comes from the team's repository through the action
    step = action_step()
    assert step["uses"].startswith("YOUR-ORG/") and "PLACEHOLDER" in text  # a placeholder nobody can miss
    assert step["with"]["plan"] == "${{ env.PLAN }}"
    upload = next(s for s in steps() if s.get("uses", "").startswith("github/codeql-action/upload-sarif@"))
    assert upload["with"]["sarif_file"] == step["with"]["sarif"] == "energyplan.sarif"
    assert upload["if"] == "${{ !cancelled() }}"  # SARIF is uploaded even when the audit fails the job
    checkout = next(s for s in steps() if s.get("uses", "").startswith("actions/checkout@"))
    assert checkout["with"]["fetch-depth"] == 0 and workflow()["permissions"]["security-events"] == "write"
    commands = energyplan_commands({"PLAN": "p", "GITHUB_STEP_SUMMARY": "s"})
    assert [c[1] for c in commands] == ["diff"]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository holding northwind, with `origin/main` pointing at its first commit."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    work = tmp_path / "repo"
    shutil.copytree(ROOT / "sample_data" / "northwind", work / "sample_data" / "northwind")
    git = ["git", "-c", "user.name=ci", "-c", "user.email=ci@example.org", "-c", "init.defaultBranch=main"]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "plan"],
                 ["update-ref", "refs/remotes/origin/main", "HEAD"]):
        subprocess.run([*git, *args], cwd=work, check=True, capture_output=True)
    return work


def test_example_runs_against_northwind(repo: Path, tmp_path: Path):
    env = {**workflow()["jobs"]["audit"]["env"], "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md")}
    assert env["PLAN"] == "sample_data/northwind"
    given = {k.replace("-", "_"): v.replace("${{ env.PLAN }}", env["PLAN"]) for k, v in action_step()["with"].items()}
    code, stdout, outs, summary = run_action(repo, tmp_path, **given)
    assert code == 1 and outs["exit-code"] == "1" and int(outs["errors"]) > 0
    out = stdout.splitlines()
    assert out and all(line.startswith(("::error ", "::warning ", "::notice ")) for line in out[:-1])
    assert out[-1].startswith("energyplan audit: ")
    assert "file=sample_data/northwind/" in stdout  # repository-relative, so annotations attach
    sarif = json.loads((repo / "energyplan.sarif").read_text(encoding="utf-8"))
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in sarif["runs"][0]["results"]}
    assert uris and all(u.startswith("sample_data/northwind/") for u in uris)
    if SARIF_SCHEMA.exists():
        import jsonschema

        schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
        jsonschema.validators.validator_for(schema)(schema).validate(sarif)
    assert summary.startswith("## ") and "### Findings" in summary  # the run summary holds the report

    commands = energyplan_commands(env)
    proc_env = {**os.environ, **env, "NO_COLOR": "1", "PYTHONPATH": str(ROOT)}
    diff = subprocess.run([sys.executable, "-m", "energyplan", *commands[0][1:]], cwd=repo, env=proc_env,
                          capture_output=True, text=True, timeout=300, check=False)
    assert diff.returncode == 0, diff.stderr  # the work tree is origin/main: nothing new, no KPI moved
    title = "## ✅ energyplan diff: `origin/main:sample_data/northwind` → `sample_data/northwind`"
    assert diff.stdout.startswith(title)
    doc = json.loads((repo / "energyplan-diff.json").read_text(encoding="utf-8"))
    assert doc["summary"]["new"] == 0 and doc["summary"]["fixed"] == 0
    assert doc["summary"]["unchanged"] > 0
    assert all(not t["crossed"] and t["change"] == 0 for t in doc["thresholds"])
    assert not list(repo.glob(".*.tmp"))  # atomic writes leave nothing behind
