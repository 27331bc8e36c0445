"""Snapshot collisions: never silently overwrite another plan's `<plan>.parquet` in a snapshot dataset."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from energyplan.errors import UsageError
from energyplan.fsread import show

# Key-value metadata keys of a snapshot file (render/snapshot.py writes `plan`; `plan_path` is the plan's
# identity of outputs.md: relative to the git root inside a repository, else absolute).
PLAN_KEY = b"plan"
PLAN_PATH_KEY = b"plan_path"
TOOL_KEY = b"tool"


def safe_text(text: str) -> str:
    """`text` as valid UTF-8: a folder name that is not UTF-8 arrives with surrogate escapes, which cannot
    be encoded into Parquet metadata; its raw bytes are shown as \\xNN instead (distinct names stay distinct)."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def plan_identity(plan_dir: Path) -> str:
    """The plan's path for snapshot metadata: relative to the git work tree's root (a folder holding
    `.git`) when inside one, else absolute; POSIX separators, valid UTF-8."""
    folder = Path(os.path.abspath(plan_dir))
    for parent in (folder, *folder.parents):
        if (parent / ".git").exists():
            rel = folder.relative_to(parent).as_posix()
            return safe_text(rel)
    return safe_text(folder.as_posix())


def _metadata(path: Path) -> dict[bytes, bytes] | None:
    """The file's key-value metadata; None when it is not a readable Parquet file."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        return dict(pq.read_schema(path).metadata or {})
    except (OSError, ValueError, pa.ArrowException):
        return None


def check_snapshot_target(path: Path, plan_path: str, name_given: bool, *, plan_name: str | None = None) -> None:
    """Refuse (UsageError, exit 2) to write plan `plan_path`'s snapshot over `path` when `path` holds
    another plan's snapshot, or a file that is not an energyplan snapshot. Nothing to check when `path`
    does not exist or is not a regular file (the write path decides about those).

    A snapshot without `plan_path` metadata (written before it existed) is compared by its `plan` name
    with `plan_name` (default: the last part of plan_path).
    """
    try:
        st = os.stat(path)
    except OSError:
        return
    if not stat.S_ISREG(st.st_mode):
        return
    fix = ("choose another --name" if name_given else
           "give this plan its own file name with --name NAME (the plan column then says NAME)")
    meta = _metadata(path)
    if meta is None or meta.get(TOOL_KEY) != b"energyplan":
        raise UsageError(f"cannot write snapshot {path}: the file there is not an energyplan snapshot; "
                         f"move it away or {fix}")
    mine = safe_text(plan_path)
    if PLAN_PATH_KEY in meta:
        theirs = meta[PLAN_PATH_KEY].decode("utf-8", "replace")
        if theirs == mine:
            return
        other = f"plan {show(theirs, 120)}"
    else:
        expected = safe_text(plan_name if plan_name is not None else Path(plan_path).name)
        theirs = meta.get(PLAN_KEY, b"").decode("utf-8", "replace")
        if theirs == expected:
            return
        other = f"plan {show(theirs, 120)}"
    raise UsageError(f"cannot write snapshot {path}: it holds the snapshot of {other}, not of {show(mine, 120)}; "
                     f"{fix}")
