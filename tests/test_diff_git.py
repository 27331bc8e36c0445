"""`diff --git-ref`: BASE is materialised from git history without touching the work tree."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from energyplan.errors import UsageError
from energyplan.gitref import plan_at_ref

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


def test_plan_missing_at_the_ref_is_none(repo: Path, tmp_path: Path):
    # issue 13 item 9: a plan new in HEAD has an empty BASE (every finding new), not exit 2
    (repo / "plans" / "q5").mkdir()
    assert plan_at_ref("main", repo / "plans" / "q5", tmp_path) == (None, "main:plans/q5")


def test_outside_a_repository_is_a_usage_error(tmp_path: Path):
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    lone = tmp_path / "lone"
    lone.mkdir()
    with pytest.raises(UsageError, match="is not inside a git repository"):
        plan_at_ref("main", lone, tmp_path)


# ---- issue 12: links, long refs ------------------------------------------------------------------------


def commit_all(root: Path, message: str = "change") -> None:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)


def test_unrelated_link_outside_the_repository_is_skipped(repo: Path, tmp_path: Path):
    (repo / "plans" / "q4" / "notes.txt").symlink_to("/etc/hostname")
    (repo / "plans" / "q4" / "up.txt").symlink_to("../../../../outside.txt")
    commit_all(repo)
    folder, _ = plan_at_ref("HEAD", repo / "plans" / "q4", tmp_path / "base")
    assert folder is not None and (folder / "sites.csv").read_text() == "site_id\nnew\n"
    assert not (folder / "notes.txt").exists() and not (folder / "notes.txt").is_symlink()
    assert not (folder / "up.txt").exists()


def test_table_linked_inside_the_repository_is_that_file(repo: Path, tmp_path: Path):
    (repo / "plans" / "shared_sites.csv").write_text("site_id\nshared\n", encoding="utf-8")
    (repo / "plans" / "q4" / "sites.csv").unlink()
    (repo / "plans" / "q4" / "sites.csv").symlink_to("../shared_sites.csv")
    (repo / "plans" / "policies").mkdir()
    (repo / "plans" / "policies" / "ACME101.toml").write_text("code = 'ACME101'\n", encoding="utf-8")
    (repo / "plans" / "q4" / "policies").symlink_to("../policies")  # a linked folder comes along too
    (repo / "plans" / "q4" / "loop.csv").symlink_to("loop.csv")  # a loop: not there, and no hang
    commit_all(repo)
    folder, _ = plan_at_ref("HEAD", repo / "plans" / "q4", tmp_path / "base")
    assert folder is not None
    assert not (folder / "sites.csv").is_symlink() and (folder / "sites.csv").read_text() == "site_id\nshared\n"
    assert (folder / "policies" / "ACME101.toml").read_text() == "code = 'ACME101'\n"
    assert not (folder / "loop.csv").exists()


@pytest.mark.parametrize("target", ["/etc/hostname", "../../../outside.csv"])
def test_table_linked_outside_the_repository_is_a_usage_error(repo: Path, tmp_path: Path, target: str):
    (repo / "plans" / "q4" / "sites.csv").unlink()
    (repo / "plans" / "q4" / "sites.csv").symlink_to(target)
    commit_all(repo)
    with pytest.raises(UsageError, match=r"sites\.csv at [0-9a-f]{12} is a symbolic link to .* outside the repository"):
        plan_at_ref("HEAD", repo / "plans" / "q4", tmp_path / "base")


def test_plan_folder_that_is_a_committed_link(repo: Path, tmp_path: Path):
    (repo / "plans" / "current").symlink_to("q4")
    commit_all(repo)
    folder, label = plan_at_ref("HEAD", repo / "plans" / "current", tmp_path / "base")
    assert label == "HEAD:plans/q4"  # the work tree's link is followed first, to the same committed folder
    assert folder is not None and (folder / "sites.csv").is_file()


def test_a_huge_ref_is_a_usage_error(repo: Path, tmp_path: Path):
    for ref in ("a" * 200_000, "main\nx", "main\x00", ""):
        with pytest.raises(UsageError, match="is not a commit, branch or tag name"):
            plan_at_ref(ref, repo / "plans" / "q4", tmp_path)


def test_diff_of_a_commit_with_itself_through_a_linked_table_is_quiet(tmp_path: Path):
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    import json

    from tests.support.cli import SAMPLES, energyplan

    root = tmp_path / "repo"
    shutil.copytree(SAMPLES / "northwind", root / "plan")
    shutil.move(root / "plan" / "sites.csv", root / "shared_sites.csv")
    (root / "plan" / "sites.csv").symlink_to("../shared_sites.csv")
    (root / "plan" / "notes.txt").symlink_to("/etc/hostname")
    git(root, "init", "-q")
    commit_all(root, "v1")
    ran = energyplan("diff", "--git-ref", "HEAD", root / "plan", "--format", "json")
    assert ran.returncode == 0, ran.stderr  # northwind's own findings are all unchanged, not new
    summary = json.loads(ran.stdout)["summary"]
    assert summary["new"] == 0 and summary["fixed"] == 0 and summary["unchanged"] > 0


def test_folder_links_that_loop_end(repo: Path, tmp_path: Path):
    plan = repo / "plans" / "q4"
    (plan / "self").symlink_to(".")
    (plan / "up").symlink_to("../..")
    (repo / "plans" / "a").mkdir()
    (repo / "plans" / "b").mkdir()
    (repo / "plans" / "a" / "f.toml").write_text("x = 1\n", encoding="utf-8")
    (repo / "plans" / "b" / "g.toml").write_text("y = 1\n", encoding="utf-8")
    (repo / "plans" / "a" / "to_b").symlink_to("../b")
    (repo / "plans" / "b" / "to_a").symlink_to("../a")
    (plan / "a").symlink_to("../a")
    commit_all(repo)
    folder, _ = plan_at_ref("HEAD", plan, tmp_path / "base")
    assert folder is not None and not (folder / "self").exists() and not (folder / "up").exists()
    assert (folder / "a" / "f.toml").is_file() and (folder / "a" / "to_b" / "g.toml").is_file()
    assert not (folder / "a" / "to_b" / "to_a").exists()  # back up the chain: not followed again


def test_missing_object_is_a_usage_error(repo: Path, tmp_path: Path):
    from energyplan.gitref import _Tree

    tree = _Tree(repo, "HEAD")
    with pytest.raises(UsageError, match="is not in this clone"):
        tree.blobs(["0" * 40])
