"""Issue 12, writes: the one write path never replaces a device, FIFO or link, honours the umask, and writes
all of a run's files or none. Device nodes are our own mknod copies in tmp dirs, never the real /dev."""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from energyplan import atomic
from energyplan.atomic import STALE_SECONDS, write_all, write_atomic
from energyplan.errors import UsageError


@contextlib.contextmanager
def umask(mask: int) -> Iterator[None]:
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


def own_device(tmp_path: Path, name: str, major: int, minor: int, kind: int = stat.S_IFCHR) -> Path:
    """A private copy of a device node (e.g. 1,3 = null); skip where mknod is not permitted."""
    path = tmp_path / name
    try:
        os.mknod(path, kind | 0o666, os.makedev(major, minor))
    except (PermissionError, OSError) as exc:
        pytest.skip(f"cannot create a device node here ({exc}); needs root or CAP_MKNOD")
    return path


def temps(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_new_file_gets_the_umask_not_0600(tmp_path: Path) -> None:
    with umask(0o022):
        write_atomic(tmp_path / "a.json", "{}")
    with umask(0o027):
        write_atomic(tmp_path / "b.json", b"{}")
    assert stat.S_IMODE((tmp_path / "a.json").stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "b.json").stat().st_mode) == 0o640
    assert (tmp_path / "a.json").read_text() == "{}" and temps(tmp_path) == []


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o755, 0o600])
def test_replacing_a_file_keeps_its_mode(tmp_path: Path, mode: int) -> None:
    target = tmp_path / "report.sarif"
    target.write_text("old")
    target.chmod(mode)
    with umask(0o077):
        write_atomic(target, "new")
    assert target.read_text() == "new" and stat.S_IMODE(target.stat().st_mode) == mode


def test_fifo_is_written_through_never_replaced(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    opened = threading.Event()

    def reader() -> None:
        with open(fifo, "rb") as fh:
            opened.set()
            got.append(fh.read())

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    deadline = time.time() + 10
    while not opened.is_set() and time.time() < deadline:  # the reader must be there before we write
        with contextlib.suppress(UsageError):
            write_atomic(fifo, "x" * 200_000)  # larger than a pipe buffer: blocking writes
            break
        time.sleep(0.01)
    thread.join(10)
    assert got == [b"x" * 200_000] and stat.S_ISFIFO(fifo.lstat().st_mode)


def test_fifo_without_reader_is_an_error_not_a_hang(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(UsageError, match="it is a FIFO with no reader"):
        write_atomic(fifo, "data")
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


def test_character_device_is_written_through(tmp_path: Path) -> None:
    null = own_device(tmp_path, "null", 1, 3)
    write_atomic(null, "discarded")
    st = null.lstat()
    assert stat.S_ISCHR(st.st_mode) and st.st_rdev == os.makedev(1, 3) and temps(tmp_path) == []
    link = tmp_path / "stdout-like"
    link.symlink_to(null)
    write_atomic(link, "also discarded")
    assert link.is_symlink() and stat.S_ISCHR(null.lstat().st_mode)


def test_disk_full_is_cannot_write(tmp_path: Path) -> None:
    full = own_device(tmp_path, "full", 1, 7)
    with pytest.raises(UsageError, match=r"cannot write .*full: No space left on device"):
        write_atomic(full, "x")
    assert stat.S_ISCHR(full.lstat().st_mode)


def test_disk_full_while_staging_leaves_target_and_no_temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "out.json"
    target.write_text("old")

    def enospc(fd: int, payload: bytes) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(atomic, "_write_fd", enospc)
    with pytest.raises(UsageError, match=r"cannot write .*out\.json: No space left on device"):
        write_atomic(target, "new")
    assert target.read_text() == "old" and temps(tmp_path) == []


def test_block_device_folder_socket_are_refused(tmp_path: Path) -> None:
    (tmp_path / "dir").mkdir()
    with pytest.raises(UsageError, match="it is a folder"):
        write_atomic(tmp_path / "dir", "x")
    sock_path = tmp_path / "s"
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(sock_path))
        with pytest.raises(UsageError, match="it is a socket"):
            write_atomic(sock_path, "x")
        assert stat.S_ISSOCK(sock_path.lstat().st_mode)
    block = own_device(tmp_path, "loop", 7, 200, stat.S_IFBLK)  # never opened: refused from its type
    with pytest.raises(UsageError, match="it is a block device"):
        write_atomic(block, "x")
    assert stat.S_ISBLK(block.lstat().st_mode)


def test_dangling_link_is_refused_and_kept(tmp_path: Path) -> None:
    link = tmp_path / "out.json"
    link.symlink_to(tmp_path / "nowhere" / "x.json")
    with pytest.raises(UsageError, match="symbolic link to a missing file"):
        write_atomic(link, "x")
    assert link.is_symlink()


def test_link_to_a_regular_file_writes_the_target_atomically(tmp_path: Path) -> None:
    (tmp_path / "shared").mkdir()
    real = tmp_path / "shared" / "report.json"
    real.write_text("old")
    real.chmod(0o640)
    link = tmp_path / "report.json"
    link.symlink_to(Path("shared") / "report.json")
    write_atomic(link, "new")
    assert link.is_symlink() and real.read_text() == "new" and stat.S_IMODE(real.stat().st_mode) == 0o640
    assert temps(tmp_path / "shared") == [] and temps(tmp_path) == []


def test_long_names_and_trailing_slash(tmp_path: Path) -> None:
    name = "r" * 245 + ".json"  # 250 characters: the temp name must stay under NAME_MAX
    write_atomic(tmp_path / name, "x")
    assert (tmp_path / name).read_text() == "x"
    with pytest.raises(UsageError, match="File name too long"):
        write_atomic(tmp_path / ("r" * 300), "x")
    with pytest.raises(UsageError, match="ends with '/'"):
        write_atomic(f"{tmp_path}/x/", "x")
    assert not (tmp_path / "x").exists()
    with pytest.raises(UsageError, match=r"folder .* does not exist"):
        write_atomic(tmp_path / "missing" / "x.json", "x")
    assert temps(tmp_path) == []


def test_stale_temps_of_our_naming_are_cleaned_only(tmp_path: Path) -> None:
    old = time.time() - STALE_SECONDS - 60
    stale = tmp_path / ".energyplan-0123456789ab-report.json.tmp"
    young = tmp_path / ".energyplan-ba9876543210-report.json.tmp"
    foreign = tmp_path / ".report.json.abc123.tmp"
    for p in (stale, young, foreign):
        p.write_text("left by a SIGKILL")
    os.utime(stale, (old, old))
    os.utime(foreign, (old, old))
    write_atomic(tmp_path / "report.json", "x")
    assert not stale.exists() and young.exists() and foreign.exists()


def test_a_sigkill_between_write_and_rename_leaves_a_temp_the_next_write_cleans(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    code = ("import os, signal, sys; import energyplan.atomic as a; "
            "os.replace = lambda s, d: os.kill(os.getpid(), signal.SIGKILL); a.write_atomic(sys.argv[1], 'x')")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    done = subprocess.run([sys.executable, "-c", code, str(target)], env=env, check=False, timeout=60)
    assert done.returncode == -signal.SIGKILL and not target.exists()
    (left,) = temps(tmp_path)
    assert atomic.TEMP_RE.match(left)
    write_atomic(target, "y")  # a young temp may be a concurrent writer's: kept
    assert temps(tmp_path) == [left]
    past = time.time() - STALE_SECONDS - 1
    os.utime(tmp_path / left, (past, past))
    write_atomic(target, "z")
    assert temps(tmp_path) == [] and target.read_text() == "z"


def test_write_all_is_all_or_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = tmp_path / "a.json", tmp_path / "b.sarif"
    a.write_text("old a")
    with pytest.raises(UsageError, match="does not exist"):
        write_all([(a, "new a"), (tmp_path / "missing" / "b", "new b")])
    assert a.read_text() == "old a" and temps(tmp_path) == []

    calls = {"n": 0}
    real_stage = atomic._stage

    def interrupted(t: object, payload: bytes) -> Path:  # SIGINT while the second file is written
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        return real_stage(t, payload)

    monkeypatch.setattr(atomic, "_stage", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_all([(a, "new a"), (b, "new b")])
    assert a.read_text() == "old a" and not b.exists() and temps(tmp_path) == []
    monkeypatch.undo()
    write_all([(a, "new a"), (b, "new b")])
    assert a.read_text() == "new a" and b.read_text() == "new b" and temps(tmp_path) == []


def test_the_same_target_twice_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="also the target of"):
        write_all([(tmp_path / "a.json", "1"), (tmp_path / "." / "a.json", "2")])
    assert not (tmp_path / "a.json").exists()


def test_a_system_path_turned_regular_is_written_not_renamed(tmp_path: Path) -> None:
    # /dev/stdout redirected to a file resolves to a regular file: it must be opened, not replaced
    assert atomic._system("/dev/null") and atomic._system("/proc/self/fd/1") and not atomic._system("/devx/a")


def test_write_baseline_never_replaces_a_device_or_link(tmp_path: Path) -> None:
    from energyplan.baseline import read_baseline, write_baseline

    null = own_device(tmp_path, "null", 1, 3)
    write_baseline(null, [("EP101", "commitments", "c1", None)], plan="p", as_of="2026-11-30")
    assert stat.S_ISCHR(null.lstat().st_mode)
    (tmp_path / "real.json").write_text("{}")
    (tmp_path / "real.json").chmod(0o644)
    (tmp_path / "baseline.json").symlink_to("real.json")
    write_baseline(tmp_path / "baseline.json", [("EP101", "commitments", "c1", None)], plan="p", as_of="2026-11-30")
    assert (tmp_path / "baseline.json").is_symlink() and stat.S_IMODE((tmp_path / "real.json").stat().st_mode) == 0o644
    assert read_baseline(tmp_path / "baseline.json") == {("EP101", "commitments", "c1", None)}


def test_audit_output_to_a_device_keeps_the_device(tmp_path: Path) -> None:
    from tests.support.cli import SAMPLES, energyplan

    null = own_device(tmp_path, "null", 1, 3)
    ran = energyplan("audit", SAMPLES / "clean", "--format", "json", "-o", f"sarif={null}")
    assert ran.returncode == 0 and stat.S_ISCHR(null.lstat().st_mode) and null.lstat().st_rdev == os.makedev(1, 3)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    ran = energyplan("audit", SAMPLES / "clean", "--format", "json", "--write-baseline", fifo)
    assert ran.returncode == 2 and "FIFO with no reader" in ran.stderr and stat.S_ISFIFO(fifo.lstat().st_mode)
    with umask(0o022):
        ran = energyplan("audit", SAMPLES / "clean", "--format", "json", "-o", f"sarif={tmp_path / 'a.sarif'}")
    assert stat.S_IMODE((tmp_path / "a.sarif").stat().st_mode) == 0o644
