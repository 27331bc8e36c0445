"""Shared fixtures and the `slow` marker: `pytest -m "not slow"` is the fast inner loop (no subprocess-heavy,
browser or install tests); CI runs everything."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tests.support.record import SESSION

ROOT = Path(__file__).parents[1]
SAMPLES = ROOT / "sample_data"

# Modules slow as a whole: every test starts processes (the real entry point, git, pip, benchmarks), builds
# a plan of a million rows, or runs the `report` command end to end (charts, a browser where there is one).
SLOW_MODULES = frozenset({
    "test_benchmarks", "test_ci_example", "test_cli_basics", "test_diff_git", "test_robustness", "test_progress",
    "test_facts_scale", "test_report_cmd",
})
# Single tests elsewhere that start processes: the CLI's real entry point, the GitHub Action's bash steps.
SLOW_FUNCTIONS = frozenset({"subprocess_energyplan", "run_action"})
# The catalog meta-test reads what the rule tests recorded: it runs after them (test_catalog.py).
LAST = frozenset({"test_firing_tests_produce_the_rule_and_near_misses_do_not"})


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(SESSION, "energyplan-rule-records")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        module = item.module.__name__.rpartition(".")[2] if item.module is not None else ""
        source = getattr(item.function, "__code__", None)
        calls = set(source.co_names) if source is not None else set()
        if module in SLOW_MODULES or calls & SLOW_FUNCTIONS:
            item.add_marker(pytest.mark.slow)
    items.sort(key=lambda item: getattr(item, "originalname", item.name) in LAST)  # stable: order kept otherwise


@pytest.fixture
def as_of() -> dt.date:
    """The date the sample plans are judged at (their energyplan.toml says so too)."""
    return dt.date(2026, 11, 30)


@pytest.fixture
def northwind() -> Path:
    return SAMPLES / "northwind"


@pytest.fixture
def clean_plan() -> Path:
    return SAMPLES / "clean"


@pytest.fixture
def broken_plan() -> Path:
    return SAMPLES / "broken"
