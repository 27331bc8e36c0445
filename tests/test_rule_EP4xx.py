"""EP401–EP404: governance and steering, through real plans (audit date 2026-11-30)."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import COMMITMENT, CONTRACT, SITE, WORKLOAD, row
from tests.support.rules import auditor, fired, message

audit = auditor("EP4")

NO_OWNER = row(SITE, energy_owner="")
LATER = row(WORKLOAD, workload_id="w2", start_date="2027-06-01")  # doubles the peak within the horizon
ENDED = {"start_date": "2025-01-01", "end_date": "2026-11-29"}


def test_EP401_fires_for_growth_without_an_energy_owner(tmp_path: Path) -> None:
    result = audit(tmp_path, sites=[NO_OWNER], workloads=[WORKLOAD, LATER], contracts=[CONTRACT])
    assert fired(result, "EP401") == ["s1"]
    assert message(result, "EP401") == (
        "site s1 has no energy owner while its peak demand grows from 0.01 MW to 0.02 MW by 2027-11-30 (+100%)"
    )
    assert next(f for f in result.findings if f.rule == "EP401").column == "energy_owner"


def test_EP401_fires_for_any_growth_from_zero(tmp_path: Path) -> None:
    result = audit(tmp_path, sites=[NO_OWNER], workloads=[LATER], contracts=[CONTRACT])
    assert fired(result, "EP401") == ["s1"]
    assert message(result, "EP401").endswith("(—%)")


def test_EP401_fires_at_the_boundary_for_a_workload_starting_on_the_horizon_day(tmp_path: Path) -> None:
    on_day = row(LATER, start_date="2027-11-30")
    assert fired(audit(tmp_path, sites=[NO_OWNER], workloads=[WORKLOAD, on_day], contracts=[CONTRACT]),
                 "EP401") == ["s1"]


def test_EP401_quiet_for_a_workload_starting_the_day_after_the_horizon(tmp_path: Path) -> None:
    after = row(LATER, start_date="2027-12-01")
    assert fired(audit(tmp_path, sites=[NO_OWNER], workloads=[WORKLOAD, after], contracts=[CONTRACT]), "EP401") == []


def test_EP401_quiet_with_an_energy_owner(tmp_path: Path) -> None:
    assert fired(audit(tmp_path, sites=[SITE], workloads=[WORKLOAD, LATER], contracts=[CONTRACT]), "EP401") == []


def test_EP401_horizon_param_reaches_the_facts(tmp_path: Path) -> None:
    result = audit(tmp_path, sites=[NO_OWNER], workloads=[WORKLOAD, LATER], contracts=[CONTRACT],
                   toml="[rules.params.EP401]\nhorizon_days = 90\n")
    assert fired(result, "EP401") == []  # w2 starts after D + 90 days


def test_EP402_fires_without_energy_signoff(tmp_path: Path) -> None:
    result = audit(tmp_path, sites=[SITE], workloads=[WORKLOAD], contracts=[CONTRACT],
                   commitments=[row(COMMITMENT, energy_signoff="")])
    assert fired(result, "EP402") == ["c1"] and fired(result, "EP403") == []
    assert message(result, "EP402") == "commitment c1 (acme, 10 GPUs, signed) has no energy sign-off"
    assert next(f for f in result.findings if f.rule == "EP402").column == "energy_signoff"


def test_EP402_quiet_for_an_ended_commitment(tmp_path: Path) -> None:
    result = audit(tmp_path, sites=[SITE], workloads=[WORKLOAD], contracts=[CONTRACT],
                   commitments=[row(COMMITMENT, energy_signoff="false", **ENDED)])
    assert fired(result, "EP402") == []


def test_EP403_fires_without_finance_signoff(tmp_path: Path) -> None:
    result = audit(tmp_path, sites=[SITE], workloads=[WORKLOAD], contracts=[CONTRACT],
                   commitments=[row(COMMITMENT, finance_signoff="no", status="proposed")])
    assert fired(result, "EP403") == ["c1"] and fired(result, "EP402") == []
    assert message(result, "EP403") == "commitment c1 (acme, 10 GPUs, proposed) has no finance sign-off"


def test_EP403_quiet_for_an_ended_commitment(tmp_path: Path) -> None:
    result = audit(tmp_path, sites=[SITE], workloads=[WORKLOAD], contracts=[CONTRACT],
                   commitments=[row(COMMITMENT, finance_signoff="false", **ENDED)])
    assert fired(result, "EP403") == []


def test_EP404_fires_for_an_expiring_contract_without_successor(tmp_path: Path) -> None:
    result = audit(tmp_path, sites=[SITE], workloads=[WORKLOAD], contracts=[row(CONTRACT, end_date="2027-03-31")])
    assert fired(result, "EP404") == ["g1"]
    assert message(result, "EP404") == (
        "grid contract g1 at site s1 ends 2027-03-31 (in 121 days); workloads still run there the day after (1) "
        "and no signed grid contract follows"
    )
    assert next(f for f in result.findings if f.rule == "EP404").column == "end_date"


def test_EP404_fires_when_the_successor_is_only_proposed(tmp_path: Path) -> None:
    contracts = [row(CONTRACT, end_date="2027-03-31"),
                 row(CONTRACT, contract_id="g2", status="proposed", start_date="2027-04-01")]
    assert fired(audit(tmp_path, sites=[SITE], workloads=[WORKLOAD], contracts=contracts), "EP404") == ["g1"]


def test_EP404_fires_at_the_boundary_for_an_end_on_the_last_horizon_day(tmp_path: Path) -> None:
    contracts = [row(CONTRACT, end_date="2027-05-29")]  # D + 180
    assert fired(audit(tmp_path, sites=[SITE], workloads=[WORKLOAD], contracts=contracts), "EP404") == ["g1"]


def test_EP404_boundary_end_the_day_after_the_horizon_is_quiet(tmp_path: Path) -> None:
    contracts = [row(CONTRACT, end_date="2027-05-30")]  # D + 181
    assert fired(audit(tmp_path, sites=[SITE], workloads=[WORKLOAD], contracts=contracts), "EP404") == []


def test_EP404_quiet_with_a_signed_successor(tmp_path: Path) -> None:
    contracts = [row(CONTRACT, end_date="2027-03-31"), row(CONTRACT, contract_id="g2", start_date="2027-04-01")]
    assert fired(audit(tmp_path, sites=[SITE], workloads=[WORKLOAD], contracts=contracts), "EP404") == []


def test_EP404_quiet_when_the_workloads_end_with_the_contract(tmp_path: Path) -> None:
    contracts = [row(CONTRACT, end_date="2027-03-31")]
    workloads = [row(WORKLOAD, end_date="2027-03-31")]
    assert fired(audit(tmp_path, sites=[SITE], workloads=workloads, contracts=contracts), "EP404") == []
