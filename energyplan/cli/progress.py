"""A delayed, transient progress display on stderr for long runs: silent for short ones (no pandas)."""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Iterator
from typing import Any


class Progress:
    """What the pipeline reports to: `.stage(text)` names the current step, `.advance()` counts work in it.

    Calls are cheap and thread-safe whether or not anything is displayed, so the pipeline reports
    unconditionally and the command alone decides (via `enabled`) whether a person is watching.
    """

    def __init__(self, enabled: bool, delay: float) -> None:
        self._enabled = enabled
        self._delay = max(0.0, delay)
        self._lock = threading.Lock()
        self._text = ""
        self._completed = 0.0
        self._total: float | None = None
        self._display: Any = None  # a rich.progress.Progress once shown
        self._task: Any = None
        self._timer: threading.Timer | None = None
        self._closed = False

    @property
    def text(self) -> str:
        """The current stage text."""
        with self._lock:
            return self._text

    def stage(self, text: str) -> None:
        """Start a new step, e.g. `stage("reading workloads.csv")`; resets the step's count."""
        with self._lock:
            self._text = text
            self._completed, self._total = 0.0, None
            self._push()

    def advance(self, amount: float = 1, *, total: float | None = None) -> None:
        """Count `amount` more units of the current step (of `total`, when known)."""
        with self._lock:
            self._completed += amount
            if total is not None:
                self._total = total
            self._push(now=False)

    # -- display ----------------------------------------------------------------------------------

    def _description(self) -> str:
        if self._total:
            return f"{self._text} {self._completed:,.0f}/{self._total:,.0f}"
        return self._text

    def _push(self, *, now: bool = True) -> None:
        # caller holds the lock; counts are left to the display's own refresh tick, so a pipeline
        # may advance thousands of times without drawing thousands of frames
        if self._display is not None:
            self._display.update(self._task, description=self._description())
            if now:
                self._display.refresh()

    def _open(self) -> None:
        if not self._enabled:
            return
        if self._delay == 0:
            self._show()
        else:
            # Only a job still running after `delay` seconds gets a display: a short one prints nothing.
            self._timer = threading.Timer(self._delay, self._show)
            self._timer.daemon = True
            self._timer.start()

    def _show(self) -> None:
        with self._lock:
            if self._closed or self._display is not None:
                return
            # Rich is imported only when a display is really shown, keeping startup fast.
            from rich.console import Console
            from rich.progress import Progress as RichProgress
            from rich.progress import SpinnerColumn, TextColumn, TimeElapsedColumn

            console = Console(file=sys.stderr, stderr=True)
            display = RichProgress(
                SpinnerColumn(),
                TextColumn("{task.description}", markup=False),
                TimeElapsedColumn(),
                console=console,
                transient=True,
            )
            self._task = display.add_task(self._description(), total=None)
            display.start()
            self._display = display
            self._push()

    def _close(self) -> None:
        with self._lock:
            self._closed = True
            if self._timer is not None:
                self._timer.cancel()
            display, self._display = self._display, None
            if display is not None:
                display.stop()  # transient: the display's lines are cleared


@contextlib.contextmanager
def progress(enabled: bool, *, delay: float = 1.0) -> Iterator[Progress]:
    """Yield a `Progress`; show it on stderr only when `enabled` and the work outlasts `delay` seconds.

    Callers pass `enabled=sys.stderr.isatty() and not quiet`, e.g.

        with progress(sys.stderr.isatty() and not quiet) as bar:
            bar.stage("reading workloads.csv")
    """
    tracker = Progress(enabled, delay)
    tracker._open()
    try:
        yield tracker
    finally:
        tracker._close()
