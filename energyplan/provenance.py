"""Where a KPI snapshot came from: a digest of the plan's files and config, and the plan's git commit."""

from __future__ import annotations

import hashlib
import subprocess
from collections.abc import Iterable
from pathlib import Path

from energyplan.errors import UsageError

GIT_TIMEOUT_SECONDS = 5.0


def _name(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.name  # a config above the plan folder (pyproject.toml): its name is what is stable


def plan_digest(files: Iterable[Path], root: Path, config: Path | None = None) -> str:
    """sha256 over (name, size, bytes) of each input file and the config, in order of name.

    Names are relative to the plan folder, so the digest does not change when the folder moves;
    the size prefix keeps the boundaries between files unambiguous.
    """
    paths = {_name(Path(p), root): Path(p) for p in files}
    if config is not None:
        paths.setdefault(_name(Path(config), root), Path(config))
    digest = hashlib.sha256()
    for name in sorted(paths):
        try:
            data = paths[name].read_bytes()
        except OSError as exc:
            raise UsageError(f"cannot read {paths[name]} for the plan digest: {exc.strerror or exc}") from None
        encoded = name.encode("utf-8")
        digest.update(len(encoded).to_bytes(8, "big") + encoded)
        digest.update(len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()


def git_commit(folder: Path) -> str | None:
    """HEAD of the git repository holding `folder`, or None (not a repository, no git, no commit yet)."""
    try:
        done = subprocess.run(
            ["git", "-C", str(folder), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    commit = done.stdout.strip()
    if done.returncode != 0 or len(commit) not in (40, 64) or not all(c in "0123456789abcdef" for c in commit):
        return None
    return commit
