"""Which rule codes each audit or validation of a running test produced, for the catalog meta-test.

The harnesses (tests.support.rules.audit, tests.support.validate.validate) call `record`; conftest
registers `SESSION` so every test run in this process is recorded (a set per audit: cheap), and the
meta-test runs in-process only the rule tests this session did not run.
"""

from __future__ import annotations

from collections.abc import Generator, Iterable
from typing import Any

import pytest


class _Slot:
    running: list[frozenset[str]] | None = None  # the code sets of the test being recorded, else None


_SLOT = _Slot()


def record(codes: Iterable[str]) -> None:
    """Note the rule codes one audit/validation produced, when a Recorder runs the current test."""
    if _SLOT.running is not None:
        _SLOT.running.append(frozenset(codes))


class Recorder:
    """A pytest plugin: `records[nodeid]` lists the code sets of every audit the test ran, in order."""

    def __init__(self) -> None:
        self.records: dict[str, list[frozenset[str]]] = {}
        self.outcomes: dict[str, str] = {}

    def pytest_runtest_logstart(self, nodeid: str, location: object) -> None:
        self.records[nodeid] = []  # a test run again (the meta-test's in-process run) starts afresh
        self.outcomes.pop(nodeid, None)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, Any, Any]:
        _SLOT.running = self.records.setdefault(item.nodeid, [])
        try:
            return (yield)
        finally:
            _SLOT.running = None

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        # the call's outcome, unless a setup or teardown failed (a failure is never overwritten)
        if (report.when == "call" or report.failed) and self.outcomes.get(report.nodeid) != "failed":
            self.outcomes[report.nodeid] = report.outcome

SESSION = Recorder()
