"""The progress display: silent when disabled or quick, shows the stage on a terminal, transient, thread-safe."""

from __future__ import annotations

import io
import subprocess
import sys
import threading
import time

import pytest

from energyplan.cli.progress import progress


class FakeTerminal(io.StringIO):
    """A stderr that claims to be a terminal, so Rich draws a live display into it."""

    def isatty(self) -> bool:
        return True


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch):
    """Install a fake terminal as sys.stderr when called from the test body.

    (pytest re-installs its own capture streams between setup and call, so swapping sys.stderr
    inside a fixture would not last into the test.)
    """
    for var in ("TERM", "TTY_INTERACTIVE", "TTY_COMPATIBLE", "FORCE_COLOR", "NO_COLOR", "COLUMNS", "JUPYTER_COLUMNS"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")

    def install() -> FakeTerminal:
        fake = FakeTerminal()
        monkeypatch.setattr(sys, "stderr", fake)
        return fake

    return install


def test_disabled_writes_nothing(terminal, capsys: pytest.CaptureFixture[str]) -> None:
    fake_stderr = terminal()
    with progress(False, delay=0) as bar:
        bar.stage("reading workloads.csv")
        bar.advance(10, total=100)
        time.sleep(0.05)
    assert fake_stderr.getvalue() == ""
    assert capsys.readouterr().out == ""
    assert bar.text == "reading workloads.csv"  # state is tracked even with no display


def test_enabled_shows_stage_text_on_stderr_only(terminal, capsys: pytest.CaptureFixture[str]) -> None:
    fake_stderr = terminal()
    with progress(True, delay=0) as bar:
        bar.stage("reading workloads.csv")
        bar.advance(250, total=1000)
    shown = fake_stderr.getvalue()
    assert "reading workloads.csv" in shown
    assert "250/1,000" in shown
    assert capsys.readouterr().out == ""  # nothing on stdout, ever


def test_display_is_transient(terminal) -> None:
    fake_stderr = terminal()
    with progress(True, delay=0) as bar:
        bar.stage("checking rules")
    shown = fake_stderr.getvalue()
    # Rich clears a transient display with cursor-up / erase-line control codes at the end.
    tail = shown[shown.rfind("checking rules"):]
    assert "\x1b[2K" in tail


def test_stage_text_is_not_markup(terminal) -> None:
    fake_stderr = terminal()
    with progress(True, delay=0) as bar:
        bar.stage("reading [bold]odd[/bold] name.csv")
    assert "[bold]odd[/bold]" in fake_stderr.getvalue()


def test_fast_job_with_delay_prints_nothing(terminal) -> None:
    fake_stderr = terminal()
    with progress(True, delay=1.0) as bar:
        bar.stage("reading sites.csv")
        bar.stage("reading workloads.csv")
    time.sleep(1.2)  # a late timer must not draw after the block ended
    assert fake_stderr.getvalue() == ""


def test_slow_job_shows_after_delay(terminal) -> None:
    fake_stderr = terminal()
    with progress(True, delay=0.1) as bar:
        bar.stage("computing facts")
        assert fake_stderr.getvalue() == ""
        deadline = time.monotonic() + 5
        while "computing facts" not in fake_stderr.getvalue() and time.monotonic() < deadline:
            time.sleep(0.02)
    assert "computing facts" in fake_stderr.getvalue()


def test_display_closes_when_the_body_raises(terminal) -> None:
    terminal()
    with pytest.raises(RuntimeError), progress(True, delay=0) as bar:
        bar.stage("reading contracts.csv")
        raise RuntimeError("boom")
    assert bar._display is None
    # Rich's refresh thread was told to stop (it ends within one refresh tick), not left running
    refreshers = [t for t in threading.enumerate() if type(t).__name__ == "_RefreshThread"]
    for t in refreshers:
        t.join(timeout=2)
    assert not [t for t in refreshers if t.is_alive()]


def test_thread_safe_counts(terminal) -> None:
    fake_stderr = terminal()
    with progress(True, delay=0) as bar:
        bar.stage("validating")

        def work() -> None:
            for _ in range(500):
                bar.advance(1, total=4000)

        threads = [threading.Thread(target=work) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert bar._completed == 4000
    assert "validating" in fake_stderr.getvalue()


def test_module_imports_no_pandas_or_rich() -> None:
    code = ("import sys, energyplan.cli.progress; "
            "print(sorted(m for m in ('pandas', 'pyarrow', 'pandera', 'rich') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
