"""The pre-commit hooks, run by the real `pre-commit try-repo` against this checkout (pip-installs energyplan)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
HOOKS = ROOT / ".pre-commit-hooks.yaml"
GIT = ["git", "-c", "user.name=ci", "-c", "user.email=ci@example.org", "-c", "init.defaultBranch=main",
       "-c", "commit.gpgsign=false"]


def hooks() -> dict[str, dict]:
    yaml = pytest.importorskip("yaml")
    return {h["id"]: h for h in yaml.safe_load(HOOKS.read_text(encoding="utf-8"))}


def test_hooks_declared_for_audit_and_validate():
    found = hooks()
    assert set(found) == {"energyplan-audit", "energyplan-validate"}
    for hook_id, hook in found.items():
        assert hook["language"] == "python" and hook["pass_filenames"] is False
        assert hook["entry"] == "energyplan " + hook_id.split("-")[1]
        files = re.compile(hook["files"])
        for path in ("plans/prod/sites.csv", "workloads.parquet", "plans/q4/Commitments.CSV", "plan/budget.xlsx",
                     "energyplan.toml", "plans/prod/energyplan.toml", "profiles.csv"):
            assert files.search(path), path
        for path in ("README.md", "src/sites.py", "mysites.csv", "sites.csv.bak"):
            assert not files.search(path), path


def _commit_all(path: Path) -> Path:
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "snapshot"]):
        subprocess.run([*GIT, *args], cwd=path, check=True, capture_output=True)
    return path


def _plan_repo(path: Path, plan: str) -> Path:
    """A git repository whose root is a copy of a sample plan (the hooks' default args: `.`)."""
    shutil.copytree(ROOT / "sample_data" / plan, path)
    return _commit_all(path)


def _source_repo(path: Path) -> Path:
    """This checkout's work tree as it is (new files too) committed in a repository of its own: try-repo
    installs a repository's HEAD, and its shadow commit of local changes leaves out untracked files."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            check=True, capture_output=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        if (ROOT / name).is_file():
            (path / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, path / name)
    return _commit_all(path)


@pytest.mark.slow
def test_try_repo_fails_on_northwind_and_passes_on_clean(tmp_path: Path):
    pytest.importorskip("pre_commit", reason="pre-commit is not installed")
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache"), "NO_COLOR": "1", "PRE_COMMIT_COLOR": "never",
           **{k: "ci" for k in ("GIT_AUTHOR_NAME", "GIT_COMMITTER_NAME")},
           **{k: "ci@example.org" for k in ("GIT_AUTHOR_EMAIL", "GIT_COMMITTER_EMAIL")}}
    env.pop("PYTHONPATH", None)  # the hook must run the energyplan pre-commit installed, not this source tree

    source = _source_repo(tmp_path / "energyplan")

    def try_repo(repo: Path) -> subprocess.CompletedProcess[str]:
        # Without a hook id try-repo runs every hook of the repository; each call installs a fresh environment.
        return subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", str(source), "--all-files",
                               "--verbose"], cwd=repo, env=env, capture_output=True, text=True, timeout=900,
                              check=False)

    failed = try_repo(_plan_repo(tmp_path / "northwind", "northwind"))
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert re.search(r"energyplan audit\.+Failed", failed.stdout), failed.stdout
    assert "commitments.csv:" in failed.stdout and "EP1" in failed.stdout  # the findings, located
    assert "energyplan audit: " in failed.stdout  # the verdict line

    passed = try_repo(_plan_repo(tmp_path / "clean", "clean"))
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert re.search(r"energyplan audit\.+Passed", passed.stdout), passed.stdout
    assert re.search(r"energyplan validate\.+Passed", passed.stdout), passed.stdout
