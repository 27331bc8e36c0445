"""EP301–EP304: workload segmentation by energy criticality and sovereignty, through real plans."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import CONTRACT, SITE, WORKLOAD, row
from tests.support.rules import auditor, fired, message

audit = auditor("EP3")

ENDED = {"start_date": "2025-01-01", "end_date": "2026-11-29"}


def run(tmp_path: Path, *workloads: dict, sites: list[dict] | None = None) -> object:
    return audit(tmp_path, sites=sites or [SITE], workloads=list(workloads), contracts=[CONTRACT])


def test_EP301_fires_without_criticality(tmp_path: Path) -> None:
    result = run(tmp_path, row(WORKLOAD, criticality="", gpu_count=1200))
    assert fired(result, "EP301") == ["w1"]
    assert message(result, "EP301") == (
        "workload w1 (training, 1,200 GPUs) has no energy criticality (sensitive or tolerant)"
    )
    f = next(f for f in result.findings if f.rule == "EP301")
    assert (f.table, f.file, f.row, f.line, f.column) == ("workloads", "workloads.csv", 1, 2, "criticality")


def test_EP301_fires_for_a_planned_workload(tmp_path: Path) -> None:
    planned = row(WORKLOAD, criticality="", start_date="2027-06-01")  # not active yet, but not ended
    assert fired(run(tmp_path, planned), "EP301") == ["w1"]


def test_EP301_quiet_for_an_ended_workload(tmp_path: Path) -> None:
    assert fired(run(tmp_path, row(WORKLOAD, criticality="", **ENDED)), "EP301") == []


def test_EP302_fires_for_tolerant_realtime_inference(tmp_path: Path) -> None:
    result = run(tmp_path, row(WORKLOAD, workload_class="realtime_inference", criticality="tolerant"))
    assert fired(result, "EP302") == ["w1"]
    assert "realtime_inference but marked tolerant" in message(result, "EP302")


def test_EP302_quiet_for_tolerant_batch_inference(tmp_path: Path) -> None:
    assert fired(run(tmp_path, row(WORKLOAD, workload_class="batch_inference", criticality="tolerant")), "EP302") == []


def test_EP302_quiet_when_ended(tmp_path: Path) -> None:
    w = row(WORKLOAD, workload_class="realtime_inference", criticality="tolerant", **ENDED)
    assert fired(run(tmp_path, w), "EP302") == []


def test_EP303_fires_for_sensitive_without_sla(tmp_path: Path) -> None:
    result = run(tmp_path, row(WORKLOAD, criticality="sensitive"))
    assert fired(result, "EP303") == ["w1"]
    assert message(result, "EP303") == "sensitive workload w1 states no availability SLA"
    assert next(f for f in result.findings if f.rule == "EP303").severity.value == "info"


def test_EP303_quiet_with_an_sla(tmp_path: Path) -> None:
    assert fired(run(tmp_path, row(WORKLOAD, criticality="sensitive", sla_availability_pct=99.5)), "EP303") == []


def test_EP303_quiet_for_tolerant_without_sla(tmp_path: Path) -> None:
    assert fired(run(tmp_path, row(WORKLOAD, criticality="tolerant")), "EP303") == []


def test_EP304_fires_for_sovereign_workload_on_ordinary_site(tmp_path: Path) -> None:
    result = run(tmp_path, row(WORKLOAD, sovereign_required="true"))
    assert fired(result, "EP304") == ["w1"]
    assert message(result, "EP304") == "workload w1 requires a sovereign site but runs at s1, which is not sovereign"
    assert next(f for f in result.findings if f.rule == "EP304").column == "site_id"


def test_EP304_quiet_on_a_sovereign_site(tmp_path: Path) -> None:
    result = run(tmp_path, row(WORKLOAD, sovereign_required="true"), sites=[row(SITE, sovereign="true")])
    assert fired(result, "EP304") == []


def test_EP304_quiet_when_not_required_or_ended(tmp_path: Path) -> None:
    result = run(tmp_path, row(WORKLOAD, sovereign_required="false"),
                 row(WORKLOAD, workload_id="w2", sovereign_required="true", **ENDED))
    assert fired(result, "EP304") == []
