"""The collector: exact counts, waivers (active/expired/stale), baseline and fixed, sort order, the cap."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
import pytest

from energyplan.config import RulesConfig, Settings
from energyplan.model import FindingBatch, RuleSpec, Severity, Waiver
from energyplan.ruleset.collect import collect
from energyplan.ruleset.spec import load_rules

AS_OF = dt.date(2026, 11, 30)
SPECS: dict[str, RuleSpec] = {s.code: s for s in load_rules()}
# EP000 is written by the validation engineer; a stand-in keeps these tests independent of it.
SPECS.setdefault("EP000", RuleSpec("EP000", "schema-violation", Severity.ERROR, Severity.ERROR, None, "s", "r", "x",
                                   "m", builtin="validation"))


def batch(rule: str, table: str | None, ids: list[str], *, rows: list[int | None] | None = None,
          lines: list[int | None] | None = None, file: str | None = "x.csv", column: str | None = None,
          calls: list[int] | None = None) -> FindingBatch:
    n = len(ids)
    frame = pd.DataFrame({
        "table": [table] * n, "record_id": ids, "site_id": ["s1"] * n, "file": [file] * n,
        "row": pd.array(rows if rows is not None else list(range(1, n + 1)), dtype="Int64"),
        "line": pd.array(lines if lines is not None else [None] * n, dtype="Int64"),
        "column": [column] * n, "value": list(range(n)),
    })

    def messages(sub: Any) -> list[str]:
        if calls is not None:
            calls.append(len(sub))
        return [f"{rule} on {r} ({v})" for r, v in zip(sub["record_id"], sub["value"], strict=True)]

    return FindingBatch(rule, frame, messages)


def settings(*waivers: Waiver, fail_on: str = "error") -> Settings:
    return Settings(waivers=tuple(waivers), rules=RulesConfig(fail_on=fail_on))


def run(batches: list[FindingBatch], *, st: Settings | None = None, baseline: set[tuple[Any, ...]] | None = None,
        max_findings: int = 1000, **kw: Any) -> Any:
    return collect(batches, SPECS, settings=st or settings(), as_of=AS_OF, baseline=baseline,
                   max_findings=max_findings, **kw)


def test_counts_by_severity_and_failing() -> None:
    res = run([batch("EP101", "commitments", ["c1", "c2"]), batch("EP402", "commitments", ["c1"]),
               batch("EP303", "workloads", ["w1"])])
    assert res.counts == {"error": 2, "warning": 1, "info": 1}
    assert res.failing == 2
    assert run([batch("EP402", "commitments", ["c1"])], st=settings(fail_on="warning")).failing == 1
    assert run([batch("EP303", "workloads", ["w1"])], st=settings(fail_on="warning")).failing == 0
    assert run([batch("EP101", "commitments", ["c1"])], st=settings(fail_on="never")).failing == 0


def test_active_waiver_boundary_expired_and_stale() -> None:
    on_day = Waiver("EP101", "c1", "PPA in signature", "ana@example.org", AS_OF)  # as_of == expires: active
    expired = Waiver("EP101", "c2", "old reason", "bob@example.org", AS_OF - dt.timedelta(days=1))
    stale = Waiver("EP501", "s9", "gone", "cy@example.org", dt.date(2027, 1, 1))
    res = run([batch("EP101", "commitments", ["c1", "c2", "c3"])], st=settings(on_day, expired, stale))
    by_id = {f.record_id: f for f in res.findings if f.rule == "EP101"}
    assert by_id["c1"].waived and by_id["c1"].waiver == on_day
    assert by_id["c1"].to_json()["waiver"] == {"reason": "PPA in signature", "owner": "ana@example.org",
                                               "expires": "2026-11-30"}
    assert not by_id["c2"].waived and by_id["c2"].waiver is None
    assert by_id["c2"].message == "EP101 on c2 (1) (waiver by bob@example.org expired 2026-11-29)"
    assert res.waived == 1 and res.stale_waivers == 1
    assert res.counts == {"error": 2, "warning": 0, "info": 1}  # c2, c3 and the EP004 finding
    assert res.failing == 2
    ep004 = [f for f in res.findings if f.rule == "EP004"]
    assert len(ep004) == 1
    f = ep004[0]
    assert (f.table, f.record_id, f.file, f.row, f.line, f.severity) == (None, "s9", None, None, None, Severity.INFO)
    assert "EP501" in f.message and "cy@example.org" in f.message and "2027-01-01" in f.message


def test_expired_waiver_matching_a_finding_is_not_stale() -> None:
    expired = Waiver("EP101", "c1", "r", "o", dt.date(2020, 1, 1))
    res = run([batch("EP101", "commitments", ["c1"])], st=settings(expired))
    assert res.stale_waivers == 0 and res.counts["error"] == 1


def test_waivers_of_skipped_or_unselected_rules_are_not_judged() -> None:
    w = Waiver("EP201", "s1", "r", "o", dt.date(2027, 1, 1))
    assert run([], st=settings(w), skipped={"EP201"}).stale_waivers == 0
    specs = {k: v for k, v in SPECS.items() if k != "EP201"}
    res = collect([], specs, settings=settings(w), as_of=AS_OF, baseline=None, max_findings=10)
    assert res.stale_waivers == 0
    assert run([], st=settings(w)).stale_waivers == 1


def test_baseline_marks_counts_and_fixed() -> None:
    baseline = {("EP101", "commitments", "c1", "sourcing_plan_id"), ("EP501", "sites", "s1", None),
                ("EP101", "commitments", "gone", "sourcing_plan_id"), ("EP201", "sites", "s7", None)}
    res = run([batch("EP101", "commitments", ["c1", "c2"], column="sourcing_plan_id"),
               batch("EP501", "sites", ["s1"])], baseline=baseline, skipped={"EP201"})
    flags = {(f.rule, f.record_id): f.baseline for f in res.findings}
    assert flags == {("EP101", "c1"): True, ("EP101", "c2"): False, ("EP501", "s1"): True}
    assert res.baseline == 2 and res.counts["error"] == 1 and res.failing == 1
    # EP201 was skipped: its silence does not prove its finding fixed.
    assert res.fixed == [{"rule": "EP101", "table": "commitments", "record_id": "gone", "column": "sourcing_plan_id"}]


def test_waived_finding_is_not_also_baseline() -> None:
    w = Waiver("EP101", "c1", "r", "o", dt.date(2027, 1, 1))
    res = run([batch("EP101", "commitments", ["c1"])], st=settings(w), baseline={("EP101", "commitments", "c1", None)})
    assert (res.waived, res.baseline, res.findings[0].baseline) == (1, 0, False)


def test_identities_only_when_asked_sorted_without_ep004() -> None:
    stale = Waiver("EP501", "s9", "r", "o", dt.date(2027, 1, 1))
    waived = Waiver("EP402", "c1", "r", "o", dt.date(2027, 1, 1))
    batches = [batch("EP402", "commitments", ["c2", "c1"], column="energy_signoff"),
               batch("EP000", "sites", ["s1"], column=None), batch("EP000", None, [None], file="contracts.csv")]
    assert run(batches, st=settings(stale, waived)).identities is None
    ids = run(batches, st=settings(stale, waived), want_identities=True).identities
    assert ids == [("EP000", None, None, None), ("EP000", "sites", "s1", None),
                   ("EP402", "commitments", "c1", "energy_signoff"), ("EP402", "commitments", "c2", "energy_signoff")]


def test_sort_order_file_line_nulls_last_row_rule_column_record() -> None:
    res = run([
        batch("EP402", "commitments", ["c2"], rows=[2], lines=[3], file="commitments.csv"),
        batch("EP101", "commitments", ["c2"], rows=[2], lines=[3], file="commitments.csv", column="sourcing_plan_id"),
        batch("EP403", "commitments", ["c1"], rows=[1], lines=[None], file="commitments.csv"),
        batch("EP000", "contracts", [None], rows=[None], lines=[None], file="contracts.csv"),
        batch("EP301", "workloads", ["w1"], rows=[5], lines=[9], file="a.csv"),
    ], st=settings(Waiver("EP501", "zz", "r", "o", dt.date(2027, 1, 1))))
    order = [(f.file, f.line, f.row, f.rule) for f in res.findings]
    assert order == [("a.csv", 9, 5, "EP301"), ("commitments.csv", 3, 2, "EP101"),
                     ("commitments.csv", 3, 2, "EP402"), ("commitments.csv", None, 1, "EP403"),
                     ("contracts.csv", None, None, "EP000"), (None, None, None, "EP004")]
    assert order == sorted(order, key=lambda o: next(f.sort_key for f in res.findings if (f.file, f.line, f.row,
                                                                                           f.rule) == o))


def test_cap_lists_first_n_per_rule_and_keeps_counts_exact() -> None:
    calls: list[int] = []
    ids = [f"w{i:03d}" for i in range(50)]
    res = run([batch("EP301", "workloads", ids, calls=calls), batch("EP101", "commitments", ["c1"])],
              max_findings=3, baseline={("EP301", "workloads", "w000", None)})
    assert [f.record_id for f in res.findings if f.rule == "EP301"] == ["w000", "w001", "w002"]
    assert res.truncated == {"EP301": 47}
    assert res.counts == {"error": 1, "warning": 49, "info": 0} and res.baseline == 1
    assert calls == [3]  # messages rendered for the listed rows only
    none = run([batch("EP301", "workloads", ids)], max_findings=0)
    assert none.findings == [] and none.truncated == {"EP301": 50} and none.counts["warning"] == 50


def test_batches_of_unselected_rules_are_dropped() -> None:
    specs = {k: v for k, v in SPECS.items() if k != "EP301"}
    res = collect([batch("EP301", "workloads", ["w1"])], specs, settings=settings(), as_of=AS_OF,
                  baseline=None, max_findings=10)
    assert res.findings == [] and res.counts["warning"] == 0


def test_severity_override_is_used() -> None:
    specs = {k: v for k, v in SPECS.items()}
    specs["EP402"] = type(specs["EP402"])(**{**specs["EP402"].__dict__, "severity": Severity.ERROR})
    res = collect([batch("EP402", "commitments", ["c1"])], specs, settings=settings(), as_of=AS_OF,
                  baseline=None, max_findings=10)
    assert res.counts["error"] == 1 and res.findings[0].severity is Severity.ERROR


def test_validation_batches_with_message_column() -> None:
    frame = pd.DataFrame({"table": ["workloads"], "record_id": ["w1"], "site_id": [None], "file": ["workloads.csv"],
                          "row": [1], "line": [2], "column": ["gpu_count"], "message": ['gpu_count "-3" is negative']})
    res = run([FindingBatch("EP000", frame)])
    f = res.findings[0]
    assert (f.message, f.line, f.row, f.column, f.site_id) == ('gpu_count "-3" is negative', 2, 1, "gpu_count", None)


@pytest.mark.slow  # scale: a million findings
def test_a_million_findings_counts_exact_and_renders_only_listed() -> None:
    n = 1_000_000
    calls: list[int] = []
    frame = pd.DataFrame({"table": "workloads", "record_id": np.char.add("w", np.arange(n).astype(str)),
                          "site_id": "s1", "file": "workloads.csv", "row": np.arange(1, n + 1),
                          "line": np.arange(2, n + 2), "column": "criticality"})

    def messages(sub: Any) -> list[str]:
        calls.append(len(sub))
        return ["m"] * len(sub)

    w = Waiver("EP301", "w5", "r", "o", dt.date(2027, 1, 1))
    res = run([FindingBatch("EP301", frame, messages)], st=settings(w), max_findings=100,
              baseline={("EP301", "workloads", "w7", "criticality")})
    assert res.counts["warning"] == n - 2 and res.waived == 1 and res.baseline == 1
    assert len(res.findings) == 100 and res.truncated == {"EP301": n - 100} and calls == [100]
