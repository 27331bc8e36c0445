"""EP001 dangling references, EP002 inverted dates, EP003 currency without a rate (rows stay in)."""

from __future__ import annotations

from pathlib import Path

from energyplan.config import Settings
from tests.helpers import COMMITMENT, CONTRACT, INCIDENT, SITE, WORKLOAD, row, write_plan
from tests.support.validate import findings, one, validate


def _plan(tmp_path: Path, **tables) -> Path:
    base = {"sites": [SITE], "workloads": [WORKLOAD], "commitments": [COMMITMENT], "contracts": [CONTRACT]}
    base.update(tables)
    return write_plan(tmp_path, **base)


def test_a_clean_plan_has_no_integrity_findings(tmp_path: Path) -> None:
    assert findings(validate(_plan(tmp_path, incidents=[INCIDENT]))) == []


def test_EP001_fires_for_a_workload_naming_an_unknown_site(tmp_path: Path) -> None:
    plan = validate(_plan(tmp_path, workloads=[WORKLOAD, row(WORKLOAD, workload_id="w7", site_id="fra-2")]))
    f = one(plan, "EP001")
    assert f["message"] == 'workload w7 names site "fra-2", which is not in sites.csv'
    assert (f["table"], f["record_id"], f["site_id"], f["file"], f["row"], f["line"], f["column"]) == (
        "workloads", "w7", "fra-2", "workloads.csv", 2, 3, "site_id")
    assert len(plan.frames["workloads"]) == 2  # EP001 rows stay in the clean frame


def test_ep001_every_reference(tmp_path: Path) -> None:
    plan = validate(_plan(
        tmp_path,
        workloads=[row(WORKLOAD, commitment_id="c9")],
        commitments=[row(COMMITMENT, site_id="s9", sourcing_plan_id="g9")],
        contracts=[row(CONTRACT, site_id="s8")],
        incidents=[row(INCIDENT, site_id="s7")]))
    got = {(f["table"], f["column"]): f["message"] for f in findings(plan, "EP001")}
    assert got == {
        ("workloads", "commitment_id"): 'workload w1 names commitment "c9", which is not in commitments.csv',
        ("commitments", "site_id"): 'commitment c1 names site "s9", which is not in sites.csv',
        ("commitments", "sourcing_plan_id"): 'commitment c1 names contract "g9", which is not in contracts.csv',
        ("contracts", "site_id"): 'contract g1 names site "s8", which is not in sites.csv',
        ("incidents", "site_id"): 'incident i1 names site "s7", which is not in sites.csv',
    }


def test_EP001_quiet_when_the_referenced_table_did_not_load(tmp_path: Path) -> None:
    plan = validate(_plan(tmp_path, sites=None, workloads=[row(WORKLOAD, site_id="anything")]))
    assert findings(plan, "EP001") == []


def test_ep001_a_site_left_out_for_a_bad_cell_is_not_reported_again_as_missing(tmp_path: Path) -> None:
    plan = validate(_plan(tmp_path, sites=[row(SITE, pue="high")]))
    assert [f["column"] for f in findings(plan)] == ["pue"]


def test_EP002_fires_when_end_is_before_start_and_not_on_the_same_day(tmp_path: Path) -> None:
    plan = validate(_plan(tmp_path, workloads=[row(WORKLOAD, start_date="2026-03-01", end_date="2026-02-28")],
                          commitments=[row(COMMITMENT, end_date="2025-12-31")],
                          contracts=[row(CONTRACT, start_date="2026-01-01", end_date="2026-01-01")]))
    got = {(f["table"], f["column"], f["line"]): f["message"] for f in findings(plan, "EP002")}
    assert got == {
        ("workloads", "end_date", 2): "workload w1 ends 2026-02-28, before it starts 2026-03-01",
        ("commitments", "end_date", 2): "commitment c1 ends 2025-12-31, before it starts 2026-01-01",
    }
    assert len(plan.frames["commitments"]) == 1


def test_EP002_boundary_a_contract_starting_and_ending_on_one_day_is_not_inverted(tmp_path: Path) -> None:
    plan = validate(_plan(tmp_path, contracts=[row(CONTRACT, start_date="2026-01-01", end_date="2026-01-01")],
                          workloads=[row(WORKLOAD, start_date="2026-03-01", end_date="2026-03-01")]))
    assert findings(plan, "EP002") == []


def test_EP003_fires_for_a_foreign_currency_without_rate(tmp_path: Path) -> None:
    plan = validate(_plan(tmp_path, commitments=[row(COMMITMENT, currency="USD")],
                          contracts=[row(CONTRACT, currency="GBP", price_per_mwh="")]))
    got = {(f["table"], f["record_id"], f["column"]): f["message"] for f in findings(plan, "EP003")}
    assert got[("commitments", "c1", "currency")] == (
        "commitment c1 is in USD, but the plan currency is EUR and [fx] has no rate for USD; "
        "add USD = <EUR per USD> under [fx] in energyplan.toml")
    assert ("contracts", "g1", "currency") in got  # no price, still reported


def test_EP003_quiet_with_a_rate_or_the_plan_currency(tmp_path: Path) -> None:
    root = _plan(tmp_path, commitments=[row(COMMITMENT, currency="USD")], contracts=[row(CONTRACT, currency="CHF")])
    assert findings(validate(root, Settings(currency="CHF", fx={"USD": 0.9})), "EP003") == []


def test_EP003_fires_once_when_only_the_commitment_lacks_its_rate(tmp_path: Path) -> None:
    root = _plan(tmp_path, commitments=[row(COMMITMENT, currency="USD")], contracts=[row(CONTRACT, currency="CHF")])
    assert [f["table"] for f in findings(validate(root, Settings(currency="CHF")), "EP003")] == ["commitments"]
