"""The example GitHub workflow works: its energyplan commands, read from the YAML, run on northwind."""

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

ROOT = Path(__file__).parents[1]
WORKFLOW = ROOT / "examples" / "github-workflow.yml"
SARIF_SCHEMA = Path(__file__).parent / "schemas" / "sarif-schema-2.1.0.json"
GITHUB_CONTEXT = {"github.base_ref": "main", "github.event_name": "pull_request"}


def run_blocks(text: str) -> list[str]:
    """The `run:` scripts of the workflow: `run: |` block scalars (lines indented deeper than the key)
    and one-line `run: cmd`. PyYAML is not a dependency; the workflow keeps to this subset."""
    lines = text.splitlines()
    blocks = []
    for i, line in enumerate(lines):
        m = re.match(r"^(\s*)(?:- )?run:\s*(.*)$", line)
        if not m:
            continue
        indent, rest = len(m.group(1)), m.group(2).strip()
        if rest not in ("|", "|-", ">"):
            blocks.append(rest)
            continue
        body = []
        for follow in lines[i + 1:]:
            if follow.strip() and len(follow) - len(follow.lstrip()) <= indent:
                break
            body.append(follow.strip())
        blocks.append("\n".join(b for b in body if b))
    return blocks


def job_env(text: str) -> dict[str, str]:
    m = re.search(r"^    env:\n((?:      \w+: .*\n)+)", text, re.MULTILINE)
    assert m, "the job declares its env (PLAN) once"
    return dict(re.match(r"\s*(\w+): (.*)", line).groups() for line in m.group(1).splitlines())


def energyplan_commands(text: str, env: dict[str, str]) -> list[list[str]]:
    """argv of every energyplan command, with ${{ … }} and $VARS substituted; a pipe ends the command
    (the rest, e.g. `| tee -a "$GITHUB_STEP_SUMMARY"`, is done by the test itself)."""
    out = []
    for block in run_blocks(text):
        for raw in block.splitlines():
            line = re.sub(r"\$\{\{\s*([\w.]+)\s*\}\}", lambda m: GITHUB_CONTEXT[m.group(1)], raw)
            line = re.sub(r"\$(\w+)|\$\{(\w+)\}", lambda m: env[m.group(1) or m.group(2)], line)
            argv = shlex.split(line)
            if argv and argv[0] == "energyplan":
                out.append(argv[: argv.index("|")] if "|" in argv else argv)
    return out


def test_workflow_uploads_sarif_and_fetches_history_for_diff():
    text = WORKFLOW.read_text(encoding="utf-8")
    assert "github/codeql-action/upload-sarif@" in text and "sarif_file: energyplan.sarif" in text
    assert "fetch-depth: 0" in text and "security-events: write" in text
    assert "${{ !cancelled() }}" in text  # SARIF is uploaded even when the audit fails the job
    commands = energyplan_commands(text, {"PLAN": "p", "GITHUB_STEP_SUMMARY": "s"})
    assert [c[1] for c in commands] == ["audit", "diff"]
    assert commands[0][commands[0].index("--format") + 1] == "github"
    assert "sarif=energyplan.sarif" in commands[0]


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


def test_example_commands_run_against_northwind(repo: Path, tmp_path: Path):
    text = WORKFLOW.read_text(encoding="utf-8")
    summary = tmp_path / "step-summary.md"
    summary.write_text("", encoding="utf-8")
    env = {**job_env(text), "GITHUB_STEP_SUMMARY": str(summary)}
    proc_env = {**os.environ, **env, "NO_COLOR": "1"}
    commands = energyplan_commands(text, env)
    assert env["PLAN"] == "sample_data/northwind"

    audit = subprocess.run([sys.executable, "-m", "energyplan", *commands[0][1:]], cwd=repo, env=proc_env,
                           capture_output=True, text=True, timeout=300, check=False)
    assert audit.returncode in (0, 1), audit.stderr
    out = audit.stdout.splitlines()
    assert out and all(line.startswith(("::error ", "::warning ", "::notice ")) for line in out[:-1])
    assert out[-1].startswith("energyplan audit: ")
    assert "file=sample_data/northwind/" in audit.stdout  # repository-relative, so annotations attach
    sarif = json.loads((repo / "energyplan.sarif").read_text(encoding="utf-8"))
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in sarif["runs"][0]["results"]}
    assert uris and all(u.startswith("sample_data/northwind/") for u in uris)
    if SARIF_SCHEMA.exists():
        import jsonschema

        schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
        jsonschema.validators.validator_for(schema)(schema).validate(sarif)
    report = (repo / "energyplan-report.md").read_text(encoding="utf-8")
    assert report.startswith("## ") and "### Findings" in report
    assert summary.read_text(encoding="utf-8") == report  # --format github appended the same report

    diff = subprocess.run([sys.executable, "-m", "energyplan", *commands[1][1:]], cwd=repo, env=proc_env,
                          capture_output=True, text=True, timeout=300, check=False)
    assert diff.returncode == 0, diff.stderr  # the work tree is origin/main: nothing new, no KPI moved
    title = "## ✅ energyplan diff: `origin/main:sample_data/northwind` → `sample_data/northwind`"
    assert diff.stdout.startswith(title)
    doc = json.loads((repo / "energyplan-diff.json").read_text(encoding="utf-8"))
    assert doc["summary"]["new"] == 0 and doc["summary"]["fixed"] == 0
    assert doc["summary"]["unchanged"] > 0
    assert all(not t["crossed"] and t["change"] == 0 for t in doc["thresholds"])
    assert not list(repo.glob(".*.tmp"))  # atomic writes leave nothing behind
