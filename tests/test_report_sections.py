"""The report's content model: verdict, decisions (groups, owners, due dates), tiles, KPI changes, number format."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import tomllib
from pathlib import Path

import pandas as pd
import pytest

from energyplan.catalog import builtin_rules_dir
from energyplan.render.report import ReportInput
from energyplan.render.report.sections import (
    HEADLINE_KPIS,
    decisions,
    fmt,
    kpi_changes,
    load_groups,
    tiles,
    verdict,
)
from tests.fixtures.report import northwind_input

# Names of the forward (outlook.md) and hourly (adequacy.md) rules, which groups.toml maps before their TOML lands.
V2_NAMES = {"capacity-shortfall-ahead", "thin-headroom-ahead", "flexibility-gap-ahead", "carbon-above-pathway",
            "cost-drift", "sensitive-load-at-risk", "cfe-below-target", "portfolio-cfe-below-target",
            "hourly-carbon-gap"}


def finding(name: str, site: str | None = "s1", message: str = "m", **extra: object) -> dict[str, object]:
    return {"rule": "EPX", "name": name, "severity": "warning", "table": "sites", "record_id": site,
            "site_id": site, "file": "sites.csv", "row": 1, "line": 2, "column": None, "message": message,
            "waived": False, "baseline": False, **extra}


def test_groups_name_real_rules_once() -> None:
    catalog = {tomllib.loads(p.read_text())["name"] for p in builtin_rules_dir().glob("*.toml")}
    groups, due = load_groups()
    names = [n for g in groups for n in g["rules"]]
    assert len(names) == len(set(names)), "a rule in two groups"
    assert set(names) <= catalog | V2_NAMES
    assert set(due) <= set(names)
    assert [g["title"] for g in groups] == ["Sign-offs missing", "Contracts to renew", "Capacity ahead",
                                            "Resilience", "Carbon"]


def test_no_rule_code_literal_in_the_report_package() -> None:
    import re

    package = Path(__file__).parents[1] / "energyplan" / "render" / "report"
    for path in package.glob("*.py"):
        assert not re.search(r"EP\d{3}", path.read_text()), path


def test_verdict_counts() -> None:
    audit = {"summary": {"error": 1, "warning": 2, "info": 0, "waived": 1, "baseline": 0,
                         "rows_left_out": {"sites": 3}}, "skipped_rules": []}
    assert verdict(audit) == ("FAIL", "1 error, 2 warnings, 0 info, 1 waived, 3 rows left out")
    assert verdict({"summary": {"error": 0, "warning": 1, "info": 1}})[0] == "PASS"


def test_decisions_group_owner_and_due_dates() -> None:
    outlook = {"sites": [
        {"site_id": "s1", "month": "2027-01-01", "shortfall_days": 0, "first_shortfall_start": None,
         "flexibility_gap_days": 0},
        {"site_id": "s1", "month": "2027-02-01", "shortfall_days": 5, "first_shortfall_date": "2027-02-10",
         "first_shortfall_start": "2027-02-10", "flexibility_gap_days": 3},
    ]}
    audit = {"as_of": "2026-11-30", "outlook": outlook, "findings": [
        finding("contract-expiring-without-successor", message="grid contract g1 at site s1 ends 2027-03-31 (in 121"),
        finding("capacity-shortfall-ahead"),
        finding("flexibility-gap-ahead"),
        finding("capacity-shortfall", site="s2"),
        finding("commitment-without-finance-signoff", waived=True),     # settled by its waiver
        finding("unsegmented-workload"),                                 # hygiene, not a decision
        finding("carbon-above-pathway", site=None),
    ]}
    sites = [{"site_id": "s1", "energy_owner": "Jana"}, {"site_id": "s2", "energy_owner": ""}]
    groups = {g.title: g.items for g in decisions(audit, sites)}
    assert list(groups) == ["Contracts to renew", "Capacity ahead", "Resilience", "Carbon"]
    (renew,) = groups["Contracts to renew"]
    assert (renew.owner, renew.due, renew.anchor) == ("Jana", "2027-03-31", "finding-1")
    capacity = {d.name: d for d in groups["Capacity ahead"]}
    assert capacity["capacity-shortfall-ahead"].due == "2027-02-10"
    assert (capacity["capacity-shortfall"].due, capacity["capacity-shortfall"].owner) == ("2026-11-30", None)
    assert groups["Resilience"][0].due == "2027-02-01"
    assert (groups["Carbon"][0].site_id, groups["Carbon"][0].owner) == (None, None)


def test_northwind_decisions_point_at_real_findings() -> None:
    data = northwind_input()
    groups = decisions(data.audit, data.sites)
    anchors = [d.anchor for g in groups for d in g.items]
    assert len(anchors) == len(set(anchors))
    findings = data.audit["findings"]
    for g in groups:
        for d in g.items:
            f = findings[int(d.anchor.removeprefix("finding-")) - 1]
            assert (f["name"], f["message"]) == (d.name, d.message)
    owners = {d.site_id: d.owner for g in groups for d in g.items}
    assert owners["fra-dc1"] == "Jana Weber (energy lead)"
    assert owners["ash-colo1"] is None
    expiring = next(d for g in groups for d in g.items if d.name == "contract-expiring-without-successor")
    assert expiring.due == "2027-03-31"
    ahead = next(d for g in groups for d in g.items if d.name == "capacity-shortfall-ahead")
    assert ahead.due == "2027-03-01"


def test_tiles_change_since_previous_snapshot() -> None:
    data = northwind_input()
    out = {t.kpi: t for t in tiles(data.audit, data.trend, data.changes, "northwind")}
    assert list(out) == list(HEADLINE_KPIS)
    eff = out["effective_mw"]
    assert eff.value == pytest.approx(62.3425, abs=1e-9)
    assert eff.change == pytest.approx(62.3425 - 63.342, abs=1e-9)
    assert (eff.direction, eff.change_basis) == ("worse", "since 2026-11-23")
    assert eff.dates == [dt.date(2026, 11, d) for d in (9, 16, 23, 30)]
    assert out["incidents_13w"].direction == "unchanged"


def test_tiles_fall_back_to_the_diff_then_to_nothing() -> None:
    audit = {"currency": "EUR", "kpis": {"portfolio": {"effective_mw": 10.0, "incidents_13w": 2}}}
    changes = {"kpis": [{"scope": "portfolio", "site_id": None, "kpi": "incidents_13w", "base": 3, "head": 2,
                         "change": -1, "change_pct": -33.3}]}
    out = {t.kpi: t for t in tiles(audit, None, changes, None)}
    assert (out["incidents_13w"].change, out["incidents_13w"].direction) == (-1, "better")
    assert out["effective_mw"].change is None and out["effective_mw"].direction == ""
    one = pd.DataFrame({"plan": ["p"], "as_of": [dt.date(2026, 1, 1)], "scope": ["portfolio"], "site_id": [None],
                        "kpi": ["effective_mw"], "value": [4.0]})
    assert next(iter(tiles(audit, one, None, "p"))).change is None


def test_kpi_changes_drop_unmoved_and_put_portfolio_first() -> None:
    rows = [{"scope": "site", "site_id": "a", "kpi": "effective_mw", "base": 1.0, "head": 2.0, "change": 1.0},
            {"scope": "portfolio", "site_id": None, "kpi": "headroom_mw", "base": 1.0, "head": 1.0, "change": 0.0},
            {"scope": "portfolio", "site_id": None, "kpi": "effective_mw", "base": 1.0, "head": 3.0, "change": 2.0}]
    assert [(r["scope"], r["kpi"]) for r in kpi_changes({"kpis": rows})] == [
        ("portfolio", "effective_mw"), ("site", "effective_mw")]


@pytest.mark.parametrize(("value", "unit", "text"), [
    (1234.5678, "MW", "1,234.57"), (None, "MW", "—"), (float("nan"), "%", "—"), (-0.0004, "count", "0"),
    (-3.25, "%", "−3.2"), (0.2557436, "currency/GPU-h", "0.256"), (True, "", "True"),
])
def test_fmt(value: object, unit: str, text: str) -> None:
    assert fmt(value, unit) == text


def test_report_package_imports_no_chart_library() -> None:
    code = ("import sys, energyplan.render.report, energyplan.cli.app; "
            "print(sorted(m for m in ('matplotlib', 'pandas', 'numpy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).parents[1])
    assert out.stdout.strip() == "[]"


def test_input_contract_defaults() -> None:
    data = ReportInput(audit={"summary": {}})
    assert (data.title, data.trend, data.changes, data.cfe_heatmap, data.sites) == (None, None, None, None, [])
