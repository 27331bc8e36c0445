"""Bounded reads of small input files (config, rule packs, baselines): regular files only, never a hang."""

from __future__ import annotations

import os
import stat
from pathlib import Path

MIB = 1024 * 1024


class NotReadable(Exception):
    """The file cannot be read as a small regular file; the message says why (no path in it)."""


def kind_of(mode: int) -> str:
    """A person's word for a file type ("a folder", "a FIFO (named pipe)", …)."""
    for test, word in ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return word
    return "not a regular file"


def read_bounded(path: Path | str, limit: int) -> bytes:
    """The bytes of a regular file of at most `limit` bytes.

    Opened with O_NONBLOCK so a FIFO cannot block the open, then checked with fstat on the open
    descriptor (no race between the check and the read); a symlink to /dev/zero is a character device
    and is refused before any byte is read; at most `limit` + 1 bytes are ever read.
    """
    text = os.fspath(path)
    if "\x00" in text:
        raise NotReadable("the path contains a NUL byte")
    try:
        fd = os.open(text, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise NotReadable("no such file") from None
    except IsADirectoryError:
        raise NotReadable("it is a folder, not a file") from None
    except OSError as exc:
        raise NotReadable(exc.strerror or str(exc)) from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotReadable(f"it is {kind_of(mode)}, not a regular file")
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, min(MIB, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise NotReadable(f"it is larger than {limit // 1024} KiB")
        return b"".join(chunks)
    except OSError as exc:
        raise NotReadable(exc.strerror or str(exc)) from None
    finally:
        os.close(fd)


def show(value: object, limit: int = 60) -> str:
    """repr(value) cut to `limit` characters: an error must never echo a 10 MB value whole."""
    text = repr(value) if not isinstance(value, str) or len(value) <= 10 * limit else repr(value[: 2 * limit])
    if len(text) <= limit:
        return text
    size = f" ({len(value)} characters)" if isinstance(value, str) else ""
    return f"{text[: limit - 1]}…{size}"
