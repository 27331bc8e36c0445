"""EP101–EP108: electricity sourcing and use of commitments, through real plans (write_plan → … → collect)."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import COMMITMENT, CONTRACT, SITE, WORKLOAD, row
from tests.support.rules import auditor, fired, message

audit = auditor("EP1")

# A PPA at s1: 547.5 MWh/yr is exactly the energy of W100 below, so coverage boundaries are exact.
SITE_125 = row(SITE, pue=1.25)
PPA = row(CONTRACT, contract_id="p1", layer="ppa", contract_type="physical_ppa", technology="solar",
          capacity_mw=1.0, annual_volume_mwh=438.0, price_per_mwh=55)
W100 = row(WORKLOAD, workload_id="w1", gpu_count=100, commitment_id="c1")  # 100 × 1 kW × 0.5 × 1.25 × 8760 h
C_PPA = row(COMMITMENT, sourcing_plan_id="p1")


def plan(tmp_path: Path, commitments: list[dict], contracts: list[dict] | None = None, **kw: list[dict]) -> object:
    return audit(tmp_path, sites=kw.pop("sites", [SITE]), workloads=kw.pop("workloads", [WORKLOAD]),
                 commitments=commitments, contracts=contracts if contracts is not None else [CONTRACT], **kw)


def test_EP101_fires_on_a_commitment_without_sourcing_plan(tmp_path: Path) -> None:
    result = plan(tmp_path, [row(COMMITMENT, sourcing_plan_id="", gpu_count=2048, status="proposed")])
    assert fired(result, "EP101") == ["c1"]
    assert message(result, "EP101") == "commitment c1 (2,048 GPUs, proposed) names no electricity sourcing plan"
    finding = next(f for f in result.findings if f.rule == "EP101")
    assert (finding.file, finding.row, finding.line, finding.column) == ("commitments.csv", 1, 2, "sourcing_plan_id")


def test_EP101_fires_when_the_commitment_ends_on_the_audit_date(tmp_path: Path) -> None:
    result = plan(tmp_path, [row(COMMITMENT, sourcing_plan_id="", end_date="2026-11-30")])
    assert fired(result, "EP101") == ["c1"]


def test_EP101_quiet_for_a_commitment_ended_the_day_before(tmp_path: Path) -> None:
    result = plan(tmp_path, [row(COMMITMENT, sourcing_plan_id="", end_date="2026-11-29")])
    assert fired(result, "EP101") == []


def test_EP102_fires_when_the_contract_ends_before_the_commitment(tmp_path: Path) -> None:
    result = plan(tmp_path, [COMMITMENT], [row(CONTRACT, end_date="2027-12-30")])
    assert fired(result, "EP102") == ["c1"]
    assert message(result, "EP102") == (
        "sourcing contract g1 runs 2026-01-01 to 2027-12-30 but commitment c1 runs 2026-01-01 to 2027-12-31: "
        "unsourced 2027-12-31"
    )


def test_item6_EP102_names_the_uncovered_dates_on_both_sides_and_outside(tmp_path: Path) -> None:
    inside = plan(tmp_path / "a", [COMMITMENT], [row(CONTRACT, start_date="2026-03-01", end_date="2027-06-30")])
    assert message(inside, "EP102").endswith(": unsourced 2026-01-01 to 2026-02-28 and 2027-07-01 to 2027-12-31")
    after = plan(tmp_path / "b", [COMMITMENT], [row(CONTRACT, start_date="2028-01-01", end_date="2029-12-31")])
    assert message(after, "EP102").endswith(": unsourced 2026-01-01 to 2027-12-31")
    before = plan(tmp_path / "c", [COMMITMENT], [row(CONTRACT, start_date="2020-01-01", end_date="2025-12-31")])
    assert message(before, "EP102").endswith(": unsourced 2026-01-01 to 2027-12-31")


def test_EP102_fires_when_the_contract_starts_after_the_commitment(tmp_path: Path) -> None:
    result = plan(tmp_path, [row(COMMITMENT, start_date="2026-12-01")], [row(CONTRACT, start_date="2026-12-02")])
    assert fired(result, "EP102") == ["c1"]


def test_EP102_boundary_same_dates_is_covered(tmp_path: Path) -> None:
    contract = row(CONTRACT, start_date="2026-01-01", end_date="2027-12-31")
    assert fired(plan(tmp_path, [COMMITMENT], [contract]), "EP102") == []


def test_EP102_quiet_when_sourcing_plan_names_no_contract(tmp_path: Path) -> None:
    # EP001 (validation) reports the dangling reference; EP102–EP105 stay silent.
    result = audit(tmp_path, sites=[SITE], workloads=[WORKLOAD], commitments=[row(COMMITMENT, sourcing_plan_id="zz")],
                   contracts=[CONTRACT], allow_integrity=True)
    assert [f.rule for f in result.findings if f.rule in ("EP102", "EP103", "EP104", "EP105")] == []


def test_EP103_fires_for_signed_commitment_on_unsigned_contract(tmp_path: Path) -> None:
    result = plan(tmp_path, [COMMITMENT], [row(CONTRACT, status="negotiating")])
    assert fired(result, "EP103") == ["c1"]
    assert message(result, "EP103") == "commitment c1 is signed but its sourcing contract g1 is still negotiating"


def test_EP103_quiet_for_a_proposed_commitment(tmp_path: Path) -> None:
    result = plan(tmp_path, [row(COMMITMENT, status="proposed")], [row(CONTRACT, status="proposed")])
    assert fired(result, "EP103") == []


def test_EP104_fires_below_coverage(tmp_path: Path) -> None:
    result = plan(tmp_path, [C_PPA], [CONTRACT, row(PPA, annual_volume_mwh=437.9)], sites=[SITE_125], workloads=[W100])
    assert fired(result, "EP104") == ["c1"]
    assert message(result, "EP104") == (
        "PPA p1 delivers 437.9 MWh/yr, below 80% of the 547.5 MWh/yr used by the workloads of the commitments it "
        "sources"
    )


def test_EP104_boundary_exactly_min_coverage_is_enough(tmp_path: Path) -> None:
    result = plan(tmp_path, [C_PPA], [CONTRACT, PPA], sites=[SITE_125], workloads=[W100])  # 438 = 80 % of 547.5
    assert fired(result, "EP104") == []


def test_EP104_fires_when_several_commitments_share_one_ppa(tmp_path: Path) -> None:
    # Either commitment alone would be exactly covered (438 = 80 % of 547.5); together their workloads
    # use 1095 MWh/yr, and signed and proposed commitments count alike.
    commitments = [C_PPA, row(C_PPA, commitment_id="c2", status="proposed")]
    workloads = [W100, row(W100, workload_id="w2", commitment_id="c2")]
    result = plan(tmp_path, commitments, [CONTRACT, PPA], sites=[SITE_125], workloads=workloads)
    assert fired(result, "EP104") == ["c1", "c2"]


def test_EP104_quiet_for_a_grid_sourcing_contract(tmp_path: Path) -> None:
    result = plan(tmp_path, [row(COMMITMENT, sourcing_plan_id="g1")], [CONTRACT], sites=[SITE_125],
                  workloads=[W100])
    assert fired(result, "EP104") == []


def test_EP104_params_override(tmp_path: Path) -> None:
    result = plan(tmp_path, [C_PPA], [CONTRACT, PPA], sites=[SITE_125], workloads=[W100],
                  toml="[rules.params.EP104]\nmin_coverage_pct = 90\n")
    assert fired(result, "EP104") == ["c1"]
    assert "below 90% of" in message(result, "EP104")


def test_EP105_fires_for_a_contract_in_another_market(tmp_path: Path) -> None:
    sites = [SITE, row(SITE, site_id="s2", country="FR")]
    result = plan(tmp_path, [COMMITMENT], [row(CONTRACT, site_id="s2"), row(CONTRACT, contract_id="g0")], sites=sites)
    assert fired(result, "EP105") == ["c1"]
    assert message(result, "EP105") == "commitment c1 draws power in DE but its sourcing contract g1 is in FR"


def test_EP105_quiet_for_another_site_in_the_same_market(tmp_path: Path) -> None:
    sites = [SITE, row(SITE, site_id="s2")]
    result = plan(tmp_path, [COMMITMENT], [row(CONTRACT, site_id="s2"), row(CONTRACT, contract_id="g0")], sites=sites)
    assert fired(result, "EP105") == []


def test_EP105_quiet_for_an_ended_commitment(tmp_path: Path) -> None:
    sites = [SITE, row(SITE, site_id="s2", country="FR")]
    commitment = row(COMMITMENT, start_date="2025-01-01", end_date="2025-12-31")
    result = plan(tmp_path, [commitment], [row(CONTRACT, site_id="s2", start_date="2025-01-01"),
                                           row(CONTRACT, contract_id="g0")], sites=sites)
    assert fired(result, "EP105") == []


# EP106–EP108: the GPUs bound to a commitment, at their busiest day from D (2026-11-30) to its end.
C288 = row(COMMITMENT, gpu_count=288)  # runs 2026-01-01 … 2027-12-31


def bound(workload_id: str, gpus: int, start: str = "2026-01-01", end: str = "", **kw: object) -> dict:
    return row(WORKLOAD, workload_id=workload_id, gpu_count=gpus, commitment_id="c1", start_date=start,
               end_date=end, **kw)


def test_EP106_fires_on_a_4000_gpu_workload_bound_to_a_288_gpu_commitment(tmp_path: Path) -> None:
    result = plan(tmp_path, [C288], workloads=[bound("w1", 4000)])
    assert fired(result, "EP106") == ["c1"]
    assert message(result, "EP106") == (
        "commitment c1 buys 288 GPUs but the workloads bound to it need 4,000 on 2026-11-30")
    finding = next(f for f in result.findings if f.rule == "EP106")
    assert (finding.file, finding.line, finding.column) == ("commitments.csv", 2, "gpu_count")
    assert fired(result, "EP108") == []


def test_EP106_fires_when_overlapping_workloads_add_up_past_the_commitment(tmp_path: Path) -> None:
    # 200 from the start, plus 100 over 2027-03-01 … 2027-06-30: a peak of 300 > 288 on 2027-03-01
    workloads = [bound("a", 200), bound("b", 100, "2027-03-01", "2027-06-30")]
    result = plan(tmp_path, [C288], workloads=workloads)
    assert fired(result, "EP106") == ["c1"]
    assert message(result, "EP106").endswith("need 300 on 2027-03-01")


def test_EP106_quiet_when_back_to_back_workloads_never_overlap(tmp_path: Path) -> None:
    # a ends the day before b starts: 200 at a time, never 400
    workloads = [bound("a", 200, end="2027-02-28"), bound("b", 200, "2027-03-01")]
    assert fired(plan(tmp_path, [C288], workloads=workloads), "EP106") == []


def test_EP106_boundary_a_peak_equal_to_the_commitment_is_enough(tmp_path: Path) -> None:
    workloads = [bound("a", 188), bound("b", 100, "2027-03-01", "2027-06-30")]
    assert fired(plan(tmp_path, [C288], workloads=workloads), "EP106") == []


def test_EP106_boundary_an_overlap_that_ended_before_the_audit_date_is_quiet(tmp_path: Path) -> None:
    before = [bound("a", 200), bound("b", 100, "2026-02-01", "2026-11-29")]
    assert fired(plan(tmp_path, [C288], workloads=before), "EP106") == []
    on_d = [bound("a", 200), bound("b", 100, "2026-02-01", "2026-11-30")]
    assert fired(plan(tmp_path / "on", [C288], workloads=on_d), "EP106") == ["c1"]


def test_EP107_fires_for_a_workload_bound_to_a_commitment_at_another_site(tmp_path: Path) -> None:
    sites = [SITE, row(SITE, site_id="s2")]
    result = plan(tmp_path, [COMMITMENT], sites=sites, workloads=[bound("w1", 10, site_id="s2")])
    assert fired(result, "EP107") == ["w1"]
    assert message(result, "EP107") == "workload w1 runs at s2 but its commitment c1 is at s1"
    finding = next(f for f in result.findings if f.rule == "EP107")
    assert (finding.file, finding.column) == ("workloads.csv", "commitment_id")


def test_EP107_quiet_for_a_workload_at_the_commitment_site(tmp_path: Path) -> None:
    sites = [SITE, row(SITE, site_id="s2")]
    assert fired(plan(tmp_path, [COMMITMENT], sites=sites, workloads=[bound("w1", 10)]), "EP107") == []


def test_EP107_quiet_for_a_workload_that_ended_the_day_before(tmp_path: Path) -> None:
    sites = [SITE, row(SITE, site_id="s2")]
    workloads = [bound("w1", 10, end="2026-11-29", site_id="s2"), bound("w2", 10)]
    assert fired(plan(tmp_path, [COMMITMENT], sites=sites, workloads=workloads), "EP107") == []


def test_EP107_quiet_when_a_site_names_nothing(tmp_path: Path) -> None:
    # EP001 reports the dangling site_id (of the workload, or of the commitment); EP107 must not echo it
    workloads = [bound("w1", 10, site_id="ghost")]
    result = plan(tmp_path, [COMMITMENT], workloads=workloads, allow_integrity=True)
    assert fired(result, "EP107") == []
    result = plan(tmp_path / "c", [row(COMMITMENT, site_id="ghost")], workloads=[bound("w1", 10)],
                  allow_integrity=True)
    assert fired(result, "EP107") == []


def test_EP108_fires_for_a_signed_commitment_used_below_half(tmp_path: Path) -> None:
    result = plan(tmp_path, [C288], workloads=[bound("w1", 143)])
    assert fired(result, "EP108") == ["c1"]
    assert message(result, "EP108") == (
        "signed commitment c1 buys 288 GPUs but the workloads bound to it use at most 143, below 50% of it")


def test_EP108_fires_for_a_signed_commitment_with_nothing_bound(tmp_path: Path) -> None:
    result = plan(tmp_path, [C288], workloads=[WORKLOAD])
    assert fired(result, "EP108") == ["c1"]


def test_EP108_boundary_exactly_min_use_is_enough(tmp_path: Path) -> None:
    # 144 = 50% of 288, reached on one day only (back-to-back workloads do not add up)
    workloads = [bound("a", 100, end="2027-02-28"), bound("b", 144, "2027-03-01", "2027-03-01")]
    assert fired(plan(tmp_path, [C288], workloads=workloads), "EP108") == []


def test_EP108_quiet_for_a_proposed_commitment(tmp_path: Path) -> None:
    result = plan(tmp_path, [row(C288, status="proposed")], workloads=[WORKLOAD])
    assert fired(result, "EP108") == []


def test_EP108_params_override(tmp_path: Path) -> None:
    result = plan(tmp_path, [C288], workloads=[bound("w1", 100)], toml="[rules.params.EP108]\nmin_use_pct = 30\n")
    assert fired(result, "EP108") == []
