"""`diff --git-ref`: BASE is materialised from git history without touching the work tree."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from energyplan.diff import plan_at_ref
from energyplan.errors import UsageError

GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", "-c", "init.defaultBranch=main"]


def git(cwd: Path, *args: str) -> None:
    subprocess.run([*GIT, *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    root = tmp_path / "repo"
    plan = root / "plans" / "q4"
    plan.mkdir(parents=True)
    (plan / "sites.csv").write_text("site_id\nold\n", encoding="utf-8")
    (root / "plans" / "pyproject.toml").write_text("[tool.energyplan]\ncurrency = \"USD\"\n", encoding="utf-8")
    (root / "README.md").write_text("not part of the plan\n", encoding="utf-8")
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "v1")
    (plan / "sites.csv").write_text("site_id\nnew\n", encoding="utf-8")  # uncommitted HEAD change
    (plan / "workloads.csv").write_text("workload_id\n", encoding="utf-8")
    return root


def test_plan_folder_is_extracted_as_it_was_at_the_ref(repo: Path, tmp_path: Path):
    dest = tmp_path / "base"
    dest.mkdir()
    folder, label = plan_at_ref("main", repo / "plans" / "q4", dest)
    assert label == "main:plans/q4"
    assert folder == dest / "plans" / "q4"
    assert (folder / "sites.csv").read_text(encoding="utf-8") == "site_id\nold\n"
    assert not (folder / "workloads.csv").exists()
    # pyproject.toml above the plan comes along, so [tool.energyplan] applies to BASE too
    assert (dest / "plans" / "pyproject.toml").is_file()
    assert not (dest / "README.md").exists()
    # the work tree is untouched
    assert (repo / "plans" / "q4" / "sites.csv").read_text(encoding="utf-8") == "site_id\nnew\n"


def test_a_relative_plan_path_from_a_subfolder_works(repo: Path, tmp_path: Path, monkeypatch):
    monkeypatch.chdir(repo / "plans")
    folder, label = plan_at_ref("HEAD", Path("q4"), tmp_path)
    assert label == "HEAD:plans/q4" and (folder / "sites.csv").is_file()


def test_unknown_ref_is_a_usage_error(repo: Path, tmp_path: Path):
    with pytest.raises(UsageError, match="--git-ref 'origin/nope' names no commit, branch or tag"):
        plan_at_ref("origin/nope", repo / "plans" / "q4", tmp_path)
    with pytest.raises(UsageError, match="is not a commit, branch or tag name"):
        plan_at_ref("--output=/tmp/x", repo / "plans" / "q4", tmp_path)


def test_plan_missing_at_the_ref_is_a_usage_error(repo: Path, tmp_path: Path):
    (repo / "plans" / "q5").mkdir()
    with pytest.raises(UsageError, match="plan folder plans/q5 does not exist at main"):
        plan_at_ref("main", repo / "plans" / "q5", tmp_path)


def test_outside_a_repository_is_a_usage_error(tmp_path: Path):
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    lone = tmp_path / "lone"
    lone.mkdir()
    with pytest.raises(UsageError, match="is not inside a git repository"):
        plan_at_ref("main", lone, tmp_path)
