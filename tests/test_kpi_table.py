"""The human KPI view: costs never read as free, and no number or id is cut at 80 or 140 columns."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from rich.console import Console

from energyplan.facts import FactsOptions, build_facts
from energyplan.render.kpi_table import CLOUD_ENERGY, build_kpi_view, footnotes, format_cell
from tests.support.facts import plan_of

D = dt.date(2026, 12, 1)
GRID = {"contract_id": "g1", "capacity_mw": 2.0, "availability_pct": 99.9, "price_per_mwh": 90}
CLOUD = {"site_id": "aws-eu-central-1", "site_type": "cloud_region"}


def records(**tables):
    return build_facts(plan_of(**tables), FactsOptions(as_of=D, currency="EUR")).kpi_records()


def text(kpis, width):
    console = Console(width=width, record=True, file=io.StringIO(), color_system=None)
    console.print(build_kpi_view(kpis, "EUR", width, title="KPIs"))
    return console.export_text()


def site(kpis, site_id):
    return next(s for s in kpis["sites"] if s["site_id"] == site_id)


def test_cloud_energy_cost_reads_in_cloud_price_and_unknown_marginal_cost_says_why():
    kpis = records(sites=[{"site_id": "s1"}, CLOUD], workloads=[{}, {"workload_id": "w2", "site_id": CLOUD["site_id"]}],
                   contracts=[])
    cloud = site(kpis, CLOUD["site_id"])
    # JSON keeps the spec's numbers: 0 energy cost (in the cloud price), null marginal cost
    assert cloud["energy_cost_per_gpu_hour"] == 0.0 and cloud["marginal_gpu_hour_cost"] is None
    assert format_cell("energy_cost_per_gpu_hour", cloud, True) == CLOUD_ENERGY
    assert format_cell("marginal_gpu_hour_cost", cloud, True) == "—*"
    # the portfolio's energy cost is the cloud's 0 alone, so the spec's sum gives a marginal cost of 0:
    # JSON keeps it, the view says it is unknown
    assert kpis["portfolio"]["marginal_gpu_hour_cost"] == 0.0
    assert format_cell("energy_cost_per_gpu_hour", kpis["portfolio"], True) == CLOUD_ENERGY
    assert format_cell("marginal_gpu_hour_cost", kpis["portfolio"], True) == "—*"
    # s1 has neither a priced grid contract nor a commitment
    assert format_cell("marginal_gpu_hour_cost", site(kpis, "s1"), False) == "—†"
    notes = footnotes(kpis)
    assert len(notes) == 3 and notes[0].startswith(CLOUD_ENERGY)
    assert notes[1].startswith("* unknown: a cloud region") and notes[2].startswith("† unknown: no counted grid")
    for width in (80, 140, 400):
        out = text(kpis, width)
        assert CLOUD_ENERGY in out and "—*" in out and "—†" in out
        assert "* unknown" in out and "† unknown" in out
        cost_rows = [line for line in out.splitlines() if "EUR/GPU-h" in line]
        # "Energy" and "Marginal" rows (or columns) never show a zero for these unknowns
        assert not any(re.search(r"\b0\.000\b", line) for line in cost_rows), out


def test_priced_costs_show_numbers_and_no_footnotes():
    kpis = records(workloads=[{}], contracts=[GRID])
    assert footnotes(kpis) == []
    assert format_cell("marginal_gpu_hour_cost", site(kpis, "s1"), False) == "0.054"
    assert "unknown" not in text(kpis, 80)


@pytest.mark.parametrize("width", [80, 140])
def test_no_number_or_id_is_cut_or_wrapped(width):
    ids = [f"site-with-a-long-identifier-{i:02d}" for i in range(7)] + [CLOUD["site_id"]]
    sites = [{"site_id": s} for s in ids[:-1]] + [CLOUD]
    workloads = [{"workload_id": f"w{i}", "site_id": s, "gpu_count": 123_457 + i} for i, s in enumerate(ids)]
    kpis = records(sites=sites, workloads=workloads, contracts=[{**GRID, "site_id": ids[0]}])
    out = text(kpis, width)
    assert all(len(line) <= width for line in out.splitlines())
    words = set(re.findall(r"[^\s│┃┏┓┗┛━─┡┩╇╈┳┻┼┬┴└┘┌┐]+", out))
    for s in kpis["sites"]:
        assert s["site_id"] in words, s["site_id"]
        gpu_hours = f"{s['gpu_hours']:,.0f}"
        assert gpu_hours in words, gpu_hours
    assert f"{kpis['portfolio']['gpu_hours']:,.0f}" in words
