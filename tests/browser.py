"""Headless Chromium for tests: DOM dump, screenshot, PDF, and a DevTools session over --remote-debugging-pipe."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
import zlib
from pathlib import Path
from typing import Any

TIMEOUT = 90.0


def find_chromium() -> str | None:
    """Debian's chromium (or another Chromium-family binary on PATH); None when there is none."""
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    return None


def _flags(profile: str) -> list[str]:
    flags = ["--headless", "--disable-gpu", "--no-first-run", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--disable-extensions", "--hide-scrollbars",
             "--mute-audio", f"--user-data-dir={profile}"]
    if os.geteuid() == 0:
        flags.append("--no-sandbox")   # Chromium refuses to start as root with its sandbox on
    return flags


def _run(args: list[str]) -> subprocess.CompletedProcess[str]:
    binary = find_chromium()
    assert binary, "no chromium on PATH"
    with tempfile.TemporaryDirectory(prefix="ep-chromium-") as profile:
        return subprocess.run([binary, *_flags(profile), *args], capture_output=True, text=True, timeout=TIMEOUT,
                              check=False)


def dump_dom(page: Path) -> str:
    """The DOM after load, serialised (`--dump-dom`)."""
    return _run(["--dump-dom", page.resolve().as_uri()]).stdout


def screenshot(page: Path, out: Path, width: int = 1280, height: int = 800) -> Path:
    result = _run([f"--window-size={width},{height}", f"--screenshot={out}", page.resolve().as_uri()])
    assert out.is_file(), result.stderr[-2000:]
    return out


def print_pdf(page: Path, out: Path) -> Path:
    result = _run(["--no-pdf-header-footer", f"--print-to-pdf={out}", page.resolve().as_uri()])
    assert out.is_file(), result.stderr[-2000:]
    return out


def png_pixels(path: Path) -> tuple[int, int, list[bytes]]:
    """Width, height and the raw rows (RGB/RGBA, 8 bit) of a PNG, with the stdlib only (zlib, filters undone)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width = 8, b"", 0
    height = depth = colour = 0
    while pos < len(data):
        length = int.from_bytes(data[pos:pos + 4], "big")
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height = int.from_bytes(body[:4], "big"), int.from_bytes(body[4:8], "big")
            depth, colour = body[8], body[9]
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    assert depth == 8 and colour in (2, 6), f"unsupported PNG (depth {depth}, colour type {colour})"
    bpp = 3 if colour == 2 else 4
    raw, stride = zlib.decompress(idat), width * bpp
    rows: list[bytes] = []
    prev = bytearray(stride)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + a) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + b) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        rows.append(bytes(line))
        prev = line
    return width, height, rows


def grey_variance(path: Path, step: int = 4) -> float:
    """Variance of the grey level over a grid of pixels: near 0 for a blank (one-colour) image."""
    width, _, rows = png_pixels(path)
    bpp = len(rows[0]) // width
    values = [sum(row[x * bpp:x * bpp + 3]) / 3 for row in rows[::step] for x in range(0, width, step)]
    mean = sum(values) / len(values)
    return sum((v - mean) ** 2 for v in values) / len(values)


class DevTools:
    """A Chromium driven over --remote-debugging-pipe (fd 3 in, fd 4 out; JSON messages ended by NUL)."""

    def __init__(self) -> None:
        binary = find_chromium()
        assert binary, "no chromium on PATH"
        self._profile = tempfile.TemporaryDirectory(prefix="ep-chromium-")
        to_child, self._write = os.pipe()
        self._read, from_child = os.pipe()
        # Above 10 so that moving them to 3 and 4 in the child cannot overwrite one with the other.
        high_in, high_out = fcntl.fcntl(to_child, fcntl.F_DUPFD, 10), fcntl.fcntl(from_child, fcntl.F_DUPFD, 10)
        os.close(to_child)
        os.close(from_child)

        def wire() -> None:
            os.dup2(high_in, 3)
            os.dup2(high_out, 4)

        # preexec_fn is the only way to place the pipe on fds 3 and 4; the tests start no threads.
        self.proc = subprocess.Popen(
            [binary, *_flags(self._profile.name), "--remote-debugging-pipe", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            close_fds=False, preexec_fn=wire)  # noqa: PLW1509
        os.close(high_in)
        os.close(high_out)
        self._buffer = b""
        self._next = 0
        self.events: list[dict[str, Any]] = []

    def _receive(self, deadline: float) -> dict[str, Any] | None:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([self._read], [], [], left)
            if ready:
                chunk = os.read(self._read, 1 << 20)
                if not chunk:
                    return None
                self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def call(self, method: str, params: dict[str, Any] | None = None, session: str | None = None) -> dict[str, Any]:
        self._next += 1
        message: dict[str, Any] = {"id": self._next, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._write, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + TIMEOUT
        while True:
            reply = self._receive(deadline)
            assert reply is not None, f"no reply to {method}"
            if reply.get("id") == self._next:
                assert "error" not in reply, reply["error"]
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method: str, seconds: float = TIMEOUT) -> bool:
        if any(e.get("method") == method for e in self.events):
            return True
        deadline = time.monotonic() + seconds
        while (event := self._receive(deadline)) is not None:
            self.events.append(event)
            if event.get("method") == method:
                return True
        return False

    def drain(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while (event := self._receive(deadline)) is not None:
            self.events.append(event)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.call("Browser.close")
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._write)
        os.close(self._read)
        self._profile.cleanup()


def load_page(page: Path) -> dict[str, Any]:
    """Open the page; return its console errors, exceptions, error log entries and every request other than
    the page itself (a self-contained page makes none), plus print-media layout figures of its charts."""
    tools = DevTools()
    try:
        targets = tools.call("Target.getTargets")["targetInfos"]
        target = next(t["targetId"] for t in targets if t["type"] == "page")
        session = tools.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            tools.call(f"{domain}.enable", session=session)
        url = page.resolve().as_uri()
        tools.call("Page.navigate", {"url": url}, session=session)
        loaded = tools.wait_for("Page.loadEventFired")
        tools.drain(1.0)
        tools.call("Emulation.setEmulatedMedia", {"media": "print"}, session=session)
        # A4 landscape less 10 mm margins, in CSS px (96 per inch): what one printed page can hold.
        tools.call("Emulation.setDeviceMetricsOverride", {"width": 1047, "height": 718, "deviceScaleFactor": 1,
                                                          "mobile": False}, session=session)
        figures = tools.call("Runtime.evaluate", {"returnByValue": True, "expression": """
            [...document.querySelectorAll('figure.chart')].map(f => ({id: f.id,
              height: f.getBoundingClientRect().height, img: f.querySelector('img').getBoundingClientRect().height,
              width: f.getBoundingClientRect().width, breakInside: getComputedStyle(f).breakInside}))"""},
            session=session)["result"]["value"]
    finally:
        tools.close()
    events = tools.events
    requests = [e["params"]["request"]["url"] for e in events if e.get("method") == "Network.requestWillBeSent"]
    return {
        "loaded": loaded,
        "console_errors": [e["params"] for e in events if e.get("method") == "Runtime.consoleAPICalled"
                           and e["params"].get("type") in ("error", "assert")],
        "exceptions": [e["params"] for e in events if e.get("method") == "Runtime.exceptionThrown"],
        "log_errors": [e["params"]["entry"] for e in events if e.get("method") == "Log.entryAdded"
                       and e["params"]["entry"].get("level") == "error"],
        "requests": [u for u in requests if u != url and not u.startswith("data:")],
        "figures": figures,
    }
