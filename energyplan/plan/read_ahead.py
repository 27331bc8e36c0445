"""Read a plan's table files on a second thread while the command line loads its libraries.

A data command spends its first half second importing pandas, pandera and the pipeline, on one core and
holding the interpreter; pyarrow reads a CSV or Parquet file on its own threads without it. So the
command line calls `start(plan_dir)` before those imports, and `files.read_table_file` asks `take(path)`
for a read of the same file before reading it itself.

The read is `files.read_now`, what `read_table_file` would call, so a file gives the same table, lines
and errors either way, only sooner. A read is taken only for the same file, unchanged: same device,
inode, size and modification time as when the thread opened it (otherwise it is read again), and only
once. `clear()` drops what was not taken (the command line calls it when the command ends).

This module imports only the standard library; the thread imports `energyplan.plan.files` (pyarrow,
numpy), which does not import pandas, so it never waits for the main thread's imports.
"""

from __future__ import annotations

import os
import stat
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


def _identity(path: Path) -> tuple[int, int, int, int] | None:
    """(device, inode, size, mtime in ns) of a regular file; None for anything else or when it is gone."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    if not stat.S_ISREG(st.st_mode):
        return None
    return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns


@dataclass
class _Read:
    path: Path
    table: str
    identity: tuple[int, int, int, int]
    done: threading.Event = field(default_factory=threading.Event)
    value: Any = None
    error: BaseException | None = None


_lock = threading.Lock()
_reads: dict[tuple[str, tuple[int, int, int, int]], _Read] = {}


def start(plan_dir: Path) -> None:
    """Begin reading every table file of the plan folder in the background (largest first); only
    regular files are read ahead, anything else is left to `find_table` and its messages."""
    from energyplan.model import TABLES
    from energyplan.plan.workbook import table_paths

    reads = []
    for table in TABLES:
        found = table_paths(Path(plan_dir), table)
        identity = _identity(found[0]) if len(found) == 1 else None  # an ambiguous table is find_table's
        if identity is not None:
            reads.append(_Read(found[0], table, identity))
    if not reads:
        return
    reads.sort(key=lambda r: -r.identity[2])  # the largest file is the one worth starting early
    with _lock:
        for r in reads:
            _reads[(r.path.name, r.identity)] = r
    threading.Thread(target=_run, args=(reads,), name="energyplan-read-ahead", daemon=True).start()


def _run(reads: list[_Read]) -> None:
    try:
        from energyplan.plan.files import read_now
    except BaseException as exc:  # handed to whoever takes the read
        for r in reads:
            r.error = exc
            r.done.set()
        return
    for r in reads:
        try:
            r.value = read_now(r.path, r.table)
        except BaseException as exc:  # raised again in the thread that takes the read
            r.error = exc
        finally:
            r.done.set()


def take(path: Path) -> Any:
    """The read-ahead of `path` (what `read_now` returned, or its exception raised here), or None
    when none was started for this file as it is now."""
    identity = _identity(path)
    if identity is None:
        return None
    with _lock:
        r = _reads.pop((path.name, identity), None)
    if r is None:
        return None
    r.done.wait()
    if _identity(path) != identity:  # written while it was being read: read it again
        return None
    if r.error is not None:
        raise r.error
    return r.value


def clear() -> None:
    """Forget the reads not taken (they are only good for the command that started them)."""
    with _lock:
        _reads.clear()
