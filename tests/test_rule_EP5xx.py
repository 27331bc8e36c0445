"""EP501–EP504: capacity and resilience, through real plans (audit date 2026-11-30)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from energyplan.config import load_settings
from energyplan.facts import FactsOptions, build_facts
from energyplan.plan.validate import validate_plan
from energyplan.ruleset.engine import run_rules
from energyplan.ruleset.spec import load_rules
from tests.helpers import CONTRACT, INCIDENT, SITE, WORKLOAD, row, write_plan
from tests.support.rules import AS_OF, auditor, fired, message

audit = auditor("EP5")

CLOUD = row(SITE, site_type="cloud_region")
SITE_125 = row(SITE, pue=1.25)
GRID_1MW = row(CONTRACT, capacity_mw=1.0, availability_pct=100)


def gpus(n: int, **changes: object) -> dict:
    return row(WORKLOAD, gpu_count=n, **changes)


def test_EP501_fires_when_peak_exceeds_effective_mw(tmp_path: Path) -> None:
    result = audit(tmp_path, sites=[SITE], workloads=[gpus(1000)], contracts=[CONTRACT])  # 1.2 MW vs 0.999 MW
    assert fired(result, "EP501") == ["s1"]
    assert message(result, "EP501") == "site s1: peak demand 1.20 MW exceeds effective availability 1.00 MW"
    f = next(f for f in result.findings if f.rule == "EP501")
    assert (f.severity.value, f.table, f.file, f.row, f.line) == ("error", "sites", "sites.csv", 1, 2)


def test_EP501_boundary_peak_equal_to_effective_mw(tmp_path: Path) -> None:
    grid = row(CONTRACT, capacity_mw=1.2, availability_pct=100)
    assert fired(audit(tmp_path, sites=[SITE], workloads=[gpus(1000)], contracts=[grid]), "EP501") == []


def test_EP501_quiet_at_a_cloud_region(tmp_path: Path) -> None:
    assert fired(audit(tmp_path, sites=[CLOUD], workloads=[gpus(1000)], contracts=[]), "EP501") == []


def test_EP502_fires_on_thin_headroom(tmp_path: Path) -> None:
    result = audit(tmp_path, sites=[SITE_125], workloads=[gpus(760)], contracts=[GRID_1MW])  # 0.95 of 1.0 MW
    assert fired(result, "EP502") == ["s1"]
    assert message(result, "EP502") == (
        "site s1: headroom 0.05 MW is 5.0% of effective availability 1.00 MW, below 10%"
    )


def test_EP502_fires_at_zero_headroom(tmp_path: Path) -> None:
    assert fired(audit(tmp_path, sites=[SITE_125], workloads=[gpus(800)], contracts=[GRID_1MW]), "EP502") == ["s1"]


def test_EP502_boundary_headroom_equal_to_minimum(tmp_path: Path) -> None:
    result = audit(tmp_path, sites=[SITE_125], workloads=[gpus(700)], contracts=[GRID_1MW],
                   toml="[rules.params.EP502]\nmin_headroom_pct = 12.5\n")  # 0.875 of 1.0 MW: exactly 12.5 %
    assert fired(result, "EP502") == []


def test_EP502_quiet_when_over_capacity(tmp_path: Path) -> None:
    # Negative headroom is EP501's finding, not thin headroom.
    result = audit(tmp_path, sites=[SITE_125], workloads=[gpus(900)], contracts=[GRID_1MW])
    assert fired(result, "EP502") == [] and fired(result, "EP501") == ["s1"]


SLA = {"criticality": "sensitive", "workload_class": "realtime_inference"}


def test_EP503_fires_when_the_sla_exceeds_supply_availability(tmp_path: Path) -> None:
    result = audit(tmp_path, sites=[SITE], workloads=[gpus(10, sla_availability_pct=99.95, **SLA)],
                   contracts=[CONTRACT])
    assert fired(result, "EP503") == ["w1"]
    assert message(result, "EP503") == (
        "workload w1 promises 99.95% availability but site s1 supply is 99.900% from 1 counted grid/flexibility "
        "contracts"
    )
    assert next(f for f in result.findings if f.rule == "EP503").column == "sla_availability_pct"


def test_EP503_fires_without_counted_supply(tmp_path: Path) -> None:
    result = audit(tmp_path, sites=[SITE], workloads=[gpus(10, sla_availability_pct=90, **SLA)], contracts=[])
    assert fired(result, "EP503") == ["w1"]


def test_EP503_boundary_sla_equal_to_supply(tmp_path: Path) -> None:
    result = audit(tmp_path, sites=[SITE], workloads=[gpus(10, sla_availability_pct=99.9, **SLA)],
                   contracts=[CONTRACT])
    assert fired(result, "EP503") == []


def test_EP503_quiet_at_a_cloud_region_and_for_planned_workloads(tmp_path: Path) -> None:
    sites = [CLOUD, row(SITE, site_id="s2")]
    workloads = [gpus(10, sla_availability_pct=99.99, **SLA),
                 gpus(10, workload_id="w2", site_id="s2", start_date="2027-01-01", sla_availability_pct=99.99, **SLA)]
    result = audit(tmp_path, sites=sites, workloads=workloads, contracts=[row(CONTRACT, site_id="s2")])
    assert fired(result, "EP503") == []


def incidents(*days_back: int) -> list[dict]:
    return [row(INCIDENT, incident_id=f"i{i}", started_at=f"{AS_OF - dt.timedelta(days=d)}T23:30:00+02:00")
            for i, d in enumerate(days_back)]


def test_EP504_fires_on_recurring_incidents(tmp_path: Path) -> None:
    result = audit(tmp_path, sites=[SITE], workloads=[WORKLOAD], contracts=[CONTRACT], incidents=incidents(0, 30, 90))
    assert fired(result, "EP504") == ["s1"]
    assert message(result, "EP504") == (
        "site s1 had energy-constraint incidents in the 13 weeks to 2026-11-30: 3 (6.0 h) (threshold 3)"
    )


def test_EP504_boundary_incident_91_days_back_does_not_count(tmp_path: Path) -> None:
    result = audit(tmp_path, sites=[SITE], workloads=[WORKLOAD], contracts=[CONTRACT], incidents=incidents(0, 30, 91))
    assert fired(result, "EP504") == []


def test_EP504_quiet_below_threshold_and_skipped_without_incidents(tmp_path: Path) -> None:
    result = audit(tmp_path, sites=[SITE], workloads=[WORKLOAD], contracts=[CONTRACT], incidents=incidents(1, 2),
                   toml="[rules.params.EP504]\nmax_incidents = 3\n")
    assert fired(result, "EP504") == []
    # An unreadable incidents table: EP504 is skipped, and the report says why.
    plan_dir = write_plan(tmp_path / "broken", sites=[SITE], workloads=[WORKLOAD], contracts=[CONTRACT],
                          incidents=b"\x00\xff\x00garbage")
    settings = load_settings(plan_dir)
    plan = validate_plan(plan_dir, settings)
    facts = build_facts(plan, FactsOptions(as_of=AS_OF, currency="EUR", fx={}))
    tables = {t: getattr(facts, t) for t in ("sites", "workloads", "commitments", "contracts")}
    batches, skipped = run_rules(load_rules(settings), tables, plan, settings, as_of=AS_OF)
    assert [s for s in skipped if "did not load" in s["reason"]] == [
        {"rule": "EP504", "reason": "table incidents did not load"}]
    assert "EP504" not in {b.rule for b in batches} and "EP501" in {b.rule for b in batches}
