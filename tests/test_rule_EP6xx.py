"""EP601–EP603 (carbon and cost trajectory) and EP004 (stale waivers), through real plans."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import CONTRACT, SITE, WORKLOAD, row
from tests.support.rules import auditor, fired, message

audit = auditor("EP004", "EP203", "EP5", "EP6")  # EP004 judges EP5 waivers; EP602 is told apart from EP203

SITE_125 = row(SITE, pue=1.25)
BIG = row(WORKLOAD, gpu_count=1000)  # 5475 MWh/yr at PUE 1.25
GRID = row(CONTRACT, capacity_mw=2.0)


def ppa(volume: float, **changes: object) -> dict:
    return row(CONTRACT, contract_id="p1", layer="ppa", contract_type="virtual_ppa", technology="wind",
               capacity_mw=1.0, annual_volume_mwh=volume, **changes)


def test_EP601_fires_above_the_carbon_target(tmp_path: Path) -> None:
    result = audit(tmp_path, sites=[SITE], workloads=[WORKLOAD], contracts=[CONTRACT],
                   toml="[targets]\ncarbon_intensity_g_per_kwh = 150\n")
    assert fired(result, "EP601") == ["s1"]
    assert message(result, "EP601") == (
        "site s1: carbon intensity 380.0 gCO2e/kWh exceeds the target 150.0 gCO2e/kWh"
    )


def test_EP601_quiet_without_a_target(tmp_path: Path) -> None:
    assert fired(audit(tmp_path, sites=[SITE], workloads=[WORKLOAD], contracts=[CONTRACT]), "EP601") == []


def test_EP601_boundary_equal_to_target(tmp_path: Path) -> None:
    result = audit(tmp_path, sites=[SITE], workloads=[WORKLOAD], contracts=[CONTRACT],
                   toml="[targets]\ncarbon_intensity_g_per_kwh = 380\n")
    assert fired(result, "EP601") == []


def test_EP601_quiet_for_a_site_without_energy(tmp_path: Path) -> None:
    # No workloads: carbon intensity is null, and a null never exceeds anything.
    result = audit(tmp_path, sites=[SITE], workloads=[], contracts=[CONTRACT],
                   toml="[targets]\ncarbon_intensity_g_per_kwh = 1\n")
    assert fired(result, "EP601") == []


def test_EP602_fires_on_a_small_hedge(tmp_path: Path) -> None:
    result = audit(tmp_path, sites=[SITE_125], workloads=[BIG], contracts=[GRID, ppa(1000.0)])
    assert fired(result, "EP602") == ["s1"]
    assert message(result, "EP602") == "site s1: PPAs cover 18.3% of 5,475 MWh/yr, below 50%"


def test_EP602_boundary_exactly_half_hedged(tmp_path: Path) -> None:
    assert fired(audit(tmp_path, sites=[SITE_125], workloads=[BIG], contracts=[GRID, ppa(2737.5)]), "EP602") == []


def test_EP602_quiet_without_a_counted_ppa(tmp_path: Path) -> None:
    result = audit(tmp_path, sites=[SITE_125], workloads=[BIG], contracts=[GRID, ppa(10.0, status="negotiating")])
    assert fired(result, "EP602") == [] and fired(result, "EP203") == ["s1"]


def test_EP603_fires_on_over_procurement(tmp_path: Path) -> None:
    result = audit(tmp_path, sites=[SITE_125], workloads=[BIG], contracts=[GRID, ppa(7000.0)])
    assert fired(result, "EP603") == ["s1"]
    assert message(result, "EP603") == (
        "site s1: PPAs deliver 7,000 MWh/yr for 5,475 MWh/yr of consumption, above 120%"
    )
    assert next(f for f in result.findings if f.rule == "EP603").severity.value == "info"


def test_EP603_boundary_exactly_max_coverage(tmp_path: Path) -> None:
    assert fired(audit(tmp_path, sites=[SITE_125], workloads=[BIG], contracts=[GRID, ppa(6570.0)]), "EP603") == []


def test_EP603_quiet_without_consumption(tmp_path: Path) -> None:
    assert fired(audit(tmp_path, sites=[SITE_125], workloads=[], contracts=[GRID, ppa(7000.0)]), "EP603") == []


WAIVER = '[[waivers]]\nrule = "{rule}"\nrecord = "{record}"\nreason = "accepted"\nowner = "ana@example.org"\n' \
         "expires = {expires}\n"


def test_EP004_fires_for_a_waiver_that_matches_no_finding(tmp_path: Path) -> None:
    toml = WAIVER.format(rule="EP501", record="s1", expires="2027-03-31")
    result = audit(tmp_path, sites=[SITE], workloads=[WORKLOAD], contracts=[CONTRACT], toml=toml)
    assert fired(result, "EP004") == ["s1"] and result.stale_waivers == 1 and result.counts["info"] == 1
    assert message(result, "EP004") == (
        "waiver for EP501 on s1 (owner ana@example.org, expires 2027-03-31) matches no finding; "
        "remove it from energyplan.toml"
    )
    f = next(f for f in result.findings if f.rule == "EP004")
    assert (f.table, f.file, f.row, f.line, f.column) == (None, None, None, None, None)


def test_EP004_fires_for_an_expired_waiver_too(tmp_path: Path) -> None:
    toml = WAIVER.format(rule="EP501", record="s1", expires="2025-01-01")
    result = audit(tmp_path, sites=[SITE], workloads=[WORKLOAD], contracts=[CONTRACT], toml=toml)
    assert fired(result, "EP004") == ["s1"]


def test_EP004_quiet_when_the_waiver_matches_a_finding(tmp_path: Path) -> None:
    toml = WAIVER.format(rule="EP501", record="s1", expires="2027-03-31")
    result = audit(tmp_path, sites=[SITE], workloads=[row(WORKLOAD, gpu_count=1000)], contracts=[CONTRACT], toml=toml)
    assert fired(result, "EP004") == []
    (waived,) = [f for f in result.findings if f.rule == "EP501"]
    assert waived.waived and result.waived == 1 and result.counts["error"] == 0 and result.failing == 0
