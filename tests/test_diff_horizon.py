"""diff sees the future: the outlook's horizon KPIs in the KPI changes and in --fail-if."""

from __future__ import annotations

import pytest

import energyplan
from energyplan.errors import UsageError
from energyplan.plan_diff import parse_threshold
from tests.helpers import write_plan
from tests.test_outlook_facts import WORKED

TOML = "as_of = 2026-11-15\n[outlook]\nmonths = 3\n"


def plans(tmp_path):
    base = {**WORKED, "workloads": WORKED["workloads"][:1]}  # w1 only: never short
    return write_plan(tmp_path / "base", toml=TOML, **base), write_plan(tmp_path / "head", toml=TOML, **WORKED)


def change(d, kpi, site=None):
    (row,) = [c for c in d.kpi_changes if c["kpi"] == kpi and c["site_id"] == site]
    return row


def test_a_future_shortfall_fails_the_gate_although_as_of_cannot_see_it(tmp_path):
    base, head = plans(tmp_path)
    d = energyplan.diff(base, head, fail_if=["shortfall_days_horizon:+0", "min_headroom_mw_horizon@s1:-0.4"])
    # on D nothing changed: w2 starts on 2026-12-10
    assert change(d, "peak_demand_mw", "s1")["change"] == 0
    short = change(d, "shortfall_days_horizon", "s1")
    assert (short["base"], short["head"], short["change"]) == (0, 22, 22)
    headroom = change(d, "min_headroom_mw_horizon")
    assert headroom["base"] == pytest.approx(0.4) and headroom["head"] == pytest.approx(-0.1)
    assert [c.crossed for c in d.checks] == [True, True]
    assert d.exit_code == 1
    assert "EP701" in {f.rule for f in d.new}


def test_the_horizon_kpis_hold_still_when_nothing_ahead_changes(tmp_path):
    base, _ = plans(tmp_path)
    d = energyplan.diff(base, base, fail_if=["shortfall_days_horizon:+0", "min_headroom_mw_horizon:-0"])
    assert [c.crossed for c in d.checks] == [False, False] and d.exit_code == 0


def test_horizon_kpis_are_known_to_fail_if():
    assert parse_threshold("shortfall_days_horizon@s1:+5").kpi == "shortfall_days_horizon"
    with pytest.raises(UsageError, match="did you mean 'min_headroom_mw_horizon'"):
        parse_threshold("min_headroom_horizon:-1")
