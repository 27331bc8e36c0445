"""EP201–EP205: the three-layer energy architecture (grid, flexibility, PPA), through real plans."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import CONTRACT, SITE, WORKLOAD, row
from tests.support.rules import auditor, fired, message

audit = auditor("EP2")

CLOUD = row(SITE, site_type="cloud_region")
SENSITIVE = row(WORKLOAD, criticality="sensitive", workload_class="realtime_inference", sla_availability_pct=99.0,
                gpu_count=1000)  # facility peak 1000 × 1 kW × 1.2 = 1.2 MW
BATTERY = row(CONTRACT, contract_id="b1", layer="flexibility", contract_type="battery_storage", technology="battery",
              capacity_mw=1.0, energy_mwh=4.0, availability_pct=99.0, price_per_mwh="", currency="")
GRID_2MW = row(CONTRACT, capacity_mw=2.0)
PPA = row(CONTRACT, contract_id="p1", layer="ppa", contract_type="virtual_ppa", technology="wind", capacity_mw=1.0,
          annual_volume_mwh=1000.0)
# 1000 GPUs × 1 kW × 0.5 × 1.25 × 8760 h = 5475 MWh/yr at a site with PUE 1.25
SITE_125 = row(SITE, pue=1.25)
BIG = row(WORKLOAD, gpu_count=1000)


def test_EP201_fires_without_a_grid_contract(tmp_path: Path) -> None:
    result = audit(tmp_path, sites=[SITE], workloads=[WORKLOAD], contracts=[])
    assert fired(result, "EP201") == ["s1"]
    assert message(result, "EP201") == (
        "site s1 has no signed, active grid contract for its 0.01 MW peak of active workloads"
    )
    f = next(f for f in result.findings if f.rule == "EP201")
    assert (f.table, f.file, f.row, f.line, f.site_id) == ("sites", "sites.csv", 1, 2, "s1")


def test_EP201_fires_when_the_grid_contract_is_only_proposed(tmp_path: Path) -> None:
    result = audit(tmp_path, sites=[SITE], workloads=[WORKLOAD], contracts=[row(CONTRACT, status="proposed")])
    assert fired(result, "EP201") == ["s1"]


def test_EP201_quiet_for_a_cloud_region(tmp_path: Path) -> None:
    assert fired(audit(tmp_path, sites=[CLOUD], workloads=[WORKLOAD], contracts=[]), "EP201") == []


def test_EP201_quiet_when_the_only_workload_has_ended(tmp_path: Path) -> None:
    ended = row(WORKLOAD, end_date="2026-11-29")
    assert fired(audit(tmp_path, sites=[SITE], workloads=[ended], contracts=[]), "EP201") == []


def test_EP202_fires_for_sensitive_load_without_flexibility(tmp_path: Path) -> None:
    result = audit(tmp_path, sites=[SITE], workloads=[SENSITIVE], contracts=[GRID_2MW])
    assert fired(result, "EP202") == ["s1"]
    assert message(result, "EP202") == (
        "site s1 has no signed, active flexibility contract for its 1.20 MW peak of active sensitive workloads"
    )


def test_EP202_quiet_with_a_signed_battery(tmp_path: Path) -> None:
    battery = row(BATTERY, capacity_mw=1.3, energy_mwh=4.0)
    assert fired(audit(tmp_path, sites=[SITE], workloads=[SENSITIVE], contracts=[GRID_2MW, battery]), "EP202") == []


def test_EP202_quiet_when_the_workload_is_tolerant(tmp_path: Path) -> None:
    tolerant = row(SENSITIVE, criticality="tolerant", workload_class="training", sla_availability_pct="")
    assert fired(audit(tmp_path, sites=[SITE], workloads=[tolerant], contracts=[GRID_2MW]), "EP202") == []


def test_EP203_fires_for_a_large_consumer_without_ppa(tmp_path: Path) -> None:
    result = audit(tmp_path, sites=[SITE_125], workloads=[BIG], contracts=[GRID_2MW])
    assert fired(result, "EP203") == ["s1"]
    assert message(result, "EP203") == (
        "site s1 uses 5,475 MWh/yr (threshold 1,000 MWh) with no signed, active PPA"
    )


def test_EP203_fires_at_a_cloud_region_too(tmp_path: Path) -> None:
    assert fired(audit(tmp_path, sites=[row(CLOUD, pue=1.25)], workloads=[BIG], contracts=[]), "EP203") == ["s1"]


def test_EP203_fires_at_the_boundary_for_energy_equal_to_the_threshold(tmp_path: Path) -> None:
    result = audit(tmp_path, sites=[SITE_125], workloads=[BIG], contracts=[GRID_2MW],
                   toml="[rules.params.EP203]\nmin_annual_energy_mwh = 5475\n")
    assert fired(result, "EP203") == ["s1"]


def test_EP203_quiet_just_below_threshold(tmp_path: Path) -> None:
    result = audit(tmp_path, sites=[SITE_125], workloads=[BIG], contracts=[GRID_2MW],
                   toml="[rules.params.EP203]\nmin_annual_energy_mwh = 5475.001\n")
    assert fired(result, "EP203") == []


def test_EP203_quiet_with_a_signed_ppa(tmp_path: Path) -> None:
    result = audit(tmp_path, sites=[SITE_125], workloads=[BIG], contracts=[GRID_2MW, PPA])
    assert fired(result, "EP203") == []


def test_EP204_fires_below_min_duration(tmp_path: Path) -> None:
    result = audit(tmp_path, sites=[SITE], workloads=[WORKLOAD],
                   contracts=[CONTRACT, row(BATTERY, energy_mwh=1.5, status="proposed")])
    assert fired(result, "EP204") == ["b1"]
    assert message(result, "EP204") == (
        "battery_storage b1 lasts 1.50 h at full power (1.5 MWh over 1.0 MW), below 2 h"
    )
    f = next(f for f in result.findings if f.rule == "EP204")
    assert (f.table, f.file, f.row, f.column) == ("contracts", "contracts.csv", 2, "energy_mwh")


def test_EP204_fires_without_energy(tmp_path: Path) -> None:
    result = audit(tmp_path, sites=[SITE], workloads=[WORKLOAD], contracts=[CONTRACT, row(BATTERY, energy_mwh="")])
    assert fired(result, "EP204") == ["b1"]
    assert message(result, "EP204") == "battery_storage b1 lasts — h at full power (— MWh over 1.0 MW), below 2 h"


def test_EP204_boundary_exactly_min_duration(tmp_path: Path) -> None:
    result = audit(tmp_path, sites=[SITE], workloads=[WORKLOAD], contracts=[CONTRACT, row(BATTERY, energy_mwh=2.0)])
    assert fired(result, "EP204") == []


def test_EP204_quiet_for_onsite_generation_and_ended_storage(tmp_path: Path) -> None:
    contracts = [CONTRACT, row(BATTERY, contract_id="o1", contract_type="onsite_generation", technology="gas",
                               energy_mwh=""),
                 row(BATTERY, contract_id="b2", energy_mwh=0.5, start_date="2025-01-01", end_date="2026-11-29")]
    assert fired(audit(tmp_path, sites=[SITE], workloads=[WORKLOAD], contracts=contracts), "EP204") == []


def test_EP205_fires_when_flexibility_is_below_the_sensitive_peak(tmp_path: Path) -> None:
    result = audit(tmp_path, sites=[SITE], workloads=[SENSITIVE], contracts=[GRID_2MW, BATTERY])
    assert fired(result, "EP205") == ["s1"]
    assert message(result, "EP205") == (
        "site s1: counted flexibility 0.99 MW is below the 1.20 MW peak of its active sensitive workloads"
    )


def test_EP205_boundary_flexibility_equal_to_sensitive_peak(tmp_path: Path) -> None:
    battery = row(BATTERY, capacity_mw=1.2, availability_pct=100)
    assert fired(audit(tmp_path, sites=[SITE], workloads=[SENSITIVE], contracts=[GRID_2MW, battery]), "EP205") == []


def test_EP205_quiet_without_any_flexibility_contract(tmp_path: Path) -> None:
    # That is EP202's finding; EP205 judges the size of a flexibility layer that exists.
    result = audit(tmp_path, sites=[SITE], workloads=[SENSITIVE], contracts=[GRID_2MW])
    assert fired(result, "EP205") == [] and fired(result, "EP202") == ["s1"]
