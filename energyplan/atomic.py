"""The one write path for output files: all of a run's files or none, atomically, never replacing a device."""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import signal
import stat
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from energyplan.errors import UsageError
from energyplan.fsread import kind_of

# Temp files are hidden (dataset readers skip names starting with "." or "_") and carry this tag, so
# stale ones left by a SIGKILL can be told apart from anybody else's files and removed.
TEMP_RE = re.compile(r"^\.energyplan-[0-9a-f]{12}(-[A-Za-z0-9._-]{0,40})?\.tmp$")
STALE_SECONDS = 3600  # a temp file this old belongs to no running write
Output = tuple[Path | str, bytes | str]


@dataclass(frozen=True)
class _Target:
    shown: str  # the path as given, for messages
    path: Path  # where the bytes go: the path, or a symlink's final target
    through: bool  # a FIFO or character device: opened and written, never renamed over
    mode: int | None  # permission bits of the file replaced (None: a new file gets 0666 & ~umask)


def _fail(shown: str, why: str) -> UsageError:
    return UsageError(f"cannot write {shown}: {why}")


def check_output_path(path: Path | str) -> Path:
    """A user-given output path as a Path; `x/` (a folder), an empty path or a NUL is a usage error."""
    text = os.fspath(path)
    if not text or "\x00" in text:
        raise _fail(repr(text), "not a file path")
    if text.endswith(("/", os.sep)):
        raise _fail(text, "the path ends with '/', which names a folder; give a file name")
    return Path(text)


def _target(path: Path | str) -> _Target:
    """Decide how `path` is written: replace a regular file atomically, write through a FIFO or character
    device, or refuse anything else (a folder, block device, socket, dangling link)."""
    shown = os.fspath(path)
    p = check_output_path(path)
    try:
        lst = os.lstat(p)
    except FileNotFoundError:
        return _Target(shown, p, False, None)
    except OSError as exc:
        raise _fail(shown, exc.strerror or str(exc)) from None
    try:
        st = os.stat(p) if stat.S_ISLNK(lst.st_mode) else lst
    except OSError:
        raise _fail(shown, "it is a symbolic link to a missing file; remove the link or write elsewhere") from None
    if stat.S_ISFIFO(st.st_mode) or stat.S_ISCHR(st.st_mode):
        return _Target(shown, p, True, None)
    if not stat.S_ISREG(st.st_mode):
        return _refuse(shown, st.st_mode)
    if any(_system(x) for x in (os.path.abspath(p), os.path.realpath(p))):
        # never rename over anything in /dev or /proc (/dev/stdout redirected to a file, a /dev/null that
        # an older tool already turned into a regular file): open it and write, as a shell would
        return _Target(shown, p, True, None)
    if stat.S_ISLNK(lst.st_mode):
        # decision (docs/decisions.md): a link to a regular file is written through to its target,
        # atomically there; a magic link (/dev/stdout → a file) whose target cannot be named is opened.
        real = Path(os.path.realpath(p))
        try:
            same = os.path.samestat(os.stat(real), st)
        except OSError:
            same = False
        if not same:
            return _Target(shown, p, True, None)
        return _Target(shown, real, False, stat.S_IMODE(st.st_mode))
    return _Target(shown, p, False, stat.S_IMODE(st.st_mode))


def _system(path: str) -> bool:
    return path.startswith(("/dev/", "/proc/"))


def _refuse(shown: str, mode: int) -> _Target:
    raise _fail(shown, f"it is {kind_of(mode)}; energyplan replaces only regular files and writes through "
                       "FIFOs and character devices")


def _temp_name(target: Path) -> str:
    hint = re.sub(r"[^A-Za-z0-9._-]", "_", target.name)[:40]  # bounded: the temp name stays under NAME_MAX
    return f".energyplan-{secrets.token_hex(6)}-{hint}.tmp"


def _write_fd(fd: int, payload: bytes) -> None:
    view = memoryview(payload)
    while view:
        view = view[os.write(fd, view):]


def clean_stale_temps(folder: Path, now: float | None = None) -> None:
    """Remove temp files of our own naming older than STALE_SECONDS (left by a SIGKILL mid-write)."""
    now = time.time() if now is None else now
    with contextlib.suppress(OSError), os.scandir(folder) as entries:
        for entry in entries:
            if TEMP_RE.match(entry.name):
                with contextlib.suppress(OSError):
                    st = entry.stat(follow_symlinks=False)
                    if stat.S_ISREG(st.st_mode) and now - st.st_mtime > STALE_SECONDS:
                        os.unlink(entry.path)


def _stage(t: _Target, payload: bytes) -> Path:
    """Write `payload` to a new temp file beside the target; returns its path."""
    folder = t.path.parent
    if not folder.is_dir():
        raise _fail(t.shown, f"folder {folder} does not exist")
    clean_stale_temps(folder)
    tmp = folder / _temp_name(t.path)
    try:
        # 0o666 lets the kernel apply the user's umask to a new file (mkstemp's 0600 did not)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666)
    except OSError as exc:
        raise _fail(t.shown, exc.strerror or str(exc)) from None
    try:
        try:
            if t.mode is not None:
                os.fchmod(fd, t.mode)  # replacing a file keeps its mode
            _write_fd(fd, payload)
            os.fsync(fd)
        finally:
            os.close(fd)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise _fail(t.shown, exc.strerror or str(exc)) from None
        raise
    return tmp


def _write_through(t: _Target, payload: bytes) -> None:
    """A FIFO or character device: open it and write (O_NONBLOCK open: a FIFO with no reader is an error,
    not a hang), then blocking writes."""
    try:
        fd = os.open(t.path, os.O_WRONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        why = "it is a FIFO with no reader" if exc.errno == errno.ENXIO else (exc.strerror or str(exc))
        raise _fail(t.shown, why) from None
    try:
        os.set_blocking(fd, True)
        if stat.S_ISREG(os.fstat(fd).st_mode):
            os.ftruncate(fd, 0)
        _write_fd(fd, payload)
    except OSError as exc:
        raise _fail(t.shown, exc.strerror or str(exc)) from None
    finally:
        with contextlib.suppress(OSError):
            os.close(fd)


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGINT/SIGTERM while renaming, so an interrupt lands after all renames, never between two."""
    held = {signal.SIGINT, signal.SIGTERM}
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "pthread_sigmask"):
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def write_all(outputs: Sequence[Output]) -> None:
    """Write every output or none: check all targets, stage every regular file as a temp file, write
    FIFOs/devices, then rename all. On an error or SIGINT before the renames, temp files are removed
    and no target changes. Any problem is a UsageError (exit 2) naming the path."""
    targets = [(_target(path), data.encode("utf-8") if isinstance(data, str) else bytes(data))
               for path, data in outputs]
    seen: dict[str, str] = {}
    for t, _ in targets:
        key = os.path.realpath(t.path)
        if key in seen:
            raise _fail(t.shown, f"it is also the target of {seen[key]}; give each output its own file")
        seen[key] = t.shown
    staged: list[tuple[Path, _Target]] = []
    try:
        for t, payload in targets:
            if not t.through:
                staged.append((_stage(t, payload), t))
        for t, payload in targets:
            if t.through:
                _write_through(t, payload)
        with _signals_held():
            while staged:
                tmp, t = staged[0]
                try:
                    os.replace(tmp, t.path)
                except OSError as exc:
                    raise _fail(t.shown, exc.strerror or str(exc)) from None
                staged.pop(0)
    finally:
        for tmp, _ in staged:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def write_atomic(path: Path | str, data: str | bytes) -> None:
    """Write one file atomically (see write_all): readers never see half a file."""
    write_all([(path, data)])
