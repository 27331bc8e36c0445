"""`energyplan diff` logic: threshold specs, KPI changes, new/fixed/unchanged, exit code, renderings."""

from __future__ import annotations

import dataclasses
import json
import math

import pytest

from energyplan.errors import UsageError
from energyplan.plan_diff import (
    DIFF_KPIS,
    PlanDiff,
    Threshold,
    check_thresholds,
    kpi_changes,
    parse_threshold,
    render_json,
    render_markdown,
    render_rich,
)
from tests.test_render_sample import FINDINGS, KPIS, kpi_row, sample_result

# ---- --fail-if ----------------------------------------------------------------------------------


def test_threshold_specs_parse():
    assert parse_threshold("carbon_intensity_g_per_kwh:+5%") == Threshold(
        "carbon_intensity_g_per_kwh:+5%", "carbon_intensity_g_per_kwh", None, 1, 5.0, True)
    assert parse_threshold(" headroom_mw:-1 ") == Threshold("headroom_mw:-1", "headroom_mw", None, -1, 1.0, False)
    t = parse_threshold("headroom_mw@fra-1:-0.25")
    assert (t.site_id, t.sign, t.amount, t.relative) == ("fra-1", -1, 0.25, False)


@pytest.mark.parametrize("spec", ["headroom_mw", "headroom_mw:1", "headroom_mw:+", "headroom_mw:+x%",
                                  "headroom_mw:+5%%", ":+5", "headroom_mw@:+1", "headroom_mw:+-1"])
def test_malformed_threshold_specs_are_usage_errors_with_an_example(spec):
    with pytest.raises(UsageError, match="write KPI:\\+X, KPI:-X or KPI@SITE:\\+X%"):
        parse_threshold(spec)


def test_unknown_kpi_suggests_the_closest():
    with pytest.raises(UsageError, match="unknown KPI 'carbon_intensity'; did you mean 'carbon_intensity_g_per_kwh'"):
        parse_threshold("carbon_intensity:+5%")
    with pytest.raises(UsageError, match="unknown KPI 'zzz'; KPIs: peak_demand_mw"):
        parse_threshold("zzz:+5")


# ---- KPI changes and thresholds -----------------------------------------------------------------

BASE_KPIS = {
    "sites": [{"site_id": "s1", "site_type": "owned_dc", **kpi_row(headroom_mw=2.0, carbon_intensity_g_per_kwh=200.0)},
              {"site_id": "s2", "site_type": "owned_dc", **kpi_row(headroom_mw=1.0)}],
    "portfolio": kpi_row(headroom_mw=3.0, carbon_intensity_g_per_kwh=200.0, incidents_13w=0),
}
HEAD_KPIS = {
    "sites": [{"site_id": "s1", "site_type": "owned_dc", **kpi_row(headroom_mw=0.5, carbon_intensity_g_per_kwh=214.0)},
              {"site_id": "s3", "site_type": "cloud_region", **kpi_row(headroom_mw=None)}],
    "portfolio": kpi_row(headroom_mw=0.5, carbon_intensity_g_per_kwh=214.0, incidents_13w=3),
}


def by_key(changes):
    return {(c["site_id"], c["kpi"]): c for c in changes}


def test_kpi_changes_per_site_and_portfolio_with_hand_computed_values():
    changes = kpi_changes(BASE_KPIS, HEAD_KPIS)
    rows = by_key(changes)
    assert rows[(None, "headroom_mw")] == {"scope": "portfolio", "site_id": None, "kpi": "headroom_mw",
                                           "base": 3.0, "head": 0.5, "change": -2.5,
                                           "change_pct": pytest.approx(-2.5 / 3.0 * 100)}
    assert rows[(None, "carbon_intensity_g_per_kwh")]["change_pct"] == pytest.approx(7.0)
    assert rows[(None, "incidents_13w")]["change"] == 3 and rows[(None, "incidents_13w")]["change_pct"] is None
    # a site only in BASE (s2) or only in HEAD (s3) has a null on the other side, and no change
    assert rows[("s2", "headroom_mw")]["head"] is None and rows[("s2", "headroom_mw")]["change"] is None
    assert rows[("s3", "headroom_mw")]["base"] is None
    assert changes[0]["scope"] == "portfolio" and changes[0]["kpi"] == "peak_demand_mw"
    n = len(DIFF_KPIS)  # the day's KPIs and the outlook's horizon KPIs
    assert [c["site_id"] for c in changes[n:]] == ["s1"] * n + ["s2"] * n + ["s3"] * n
    assert all(not (isinstance(v, float) and math.isnan(v)) for c in changes for v in c.values())


def test_thresholds_cross_only_beyond_their_limit():
    changes = kpi_changes(BASE_KPIS, HEAD_KPIS)
    specs = ["carbon_intensity_g_per_kwh:+5%", "carbon_intensity_g_per_kwh:+7%", "headroom_mw:-2",
             "headroom_mw:-2.5", "headroom_mw@s1:-1.4", "headroom_mw@s1:+0", "incidents_13w:+2",
             "incidents_13w:+1%", "headroom_mw@s3:-1"]
    checks = check_thresholds([parse_threshold(s) for s in specs], changes)
    assert [c.crossed for c in checks] == [True, False, True, False, True, False, True, True, False]
    assert checks[0].change == pytest.approx(7.0)
    assert math.isinf(checks[7].change)  # from 0 incidents, any rise is an infinite relative rise
    assert checks[8].change is None  # null on one side: reported, never crossed


def test_threshold_on_a_site_in_neither_plan_is_a_usage_error():
    changes = kpi_changes(BASE_KPIS, HEAD_KPIS)
    with pytest.raises(UsageError, match=r"site 's4' is in neither plan; did you mean 's3'\? sites: s1, s2, s3"):
        check_thresholds([parse_threshold("headroom_mw@s4:-1")], changes)


# ---- findings: new, fixed, unchanged ------------------------------------------------------------


def make_diff(thresholds=(), **head_changes) -> PlanDiff:
    """BASE has FINDINGS[0..2]; HEAD is the sample (audited with BASE's identities as baseline)."""
    base = sample_result(findings=[*FINDINGS[:3], dataclasses.replace(FINDINGS[0], record_id="cmt-fixed")])
    base_ids = {f.identity for f in base.findings} | {("EP999", "sites", "gone", None)}
    head_findings = [dataclasses.replace(f, baseline=f.identity in base_ids and not f.waived) for f in FINDINGS]
    head = sample_result(findings=head_findings, baseline=sum(f.baseline for f in head_findings),
                         fixed=[{"rule": "EP101", "table": "commitments", "record_id": "cmt-fixed",
                                 "column": "sourcing_plan_id"},
                                {"rule": "EP999", "table": "sites", "record_id": "gone", "column": None}],
                         **head_changes)
    changes = kpi_changes(BASE_KPIS, HEAD_KPIS)
    return PlanDiff(base, head, "origin/main:plans/x", "plans/x", base_ids, changes,
                    check_thresholds([parse_threshold(t) for t in thresholds], changes))


def test_new_unchanged_and_fixed_findings_by_identity():
    d = make_diff()
    assert {f.record_id for f in d.unchanged} == {"cmt-aws-2027", "w-7", "w-dup"}
    assert "cmt-aws-2027" not in {f.record_id for f in d.new} and "münchen-1" in {f.record_id for f in d.new}
    assert len(d.new) + len(d.unchanged) == len(FINDINGS)
    fixed = {e["record_id"]: e for e in d.fixed}
    assert fixed["cmt-fixed"]["message"] == FINDINGS[0].message  # BASE listed it: full details
    assert fixed["gone"] == {"rule": "EP999", "table": "sites", "record_id": "gone", "column": None}


def test_exit_code_follows_new_failing_findings_and_thresholds():
    assert make_diff().exit_code == 1  # head.failing: new findings at or above fail-on
    assert make_diff(failing=0).exit_code == 0
    assert make_diff(["headroom_mw:-2"], failing=0).exit_code == 1
    assert make_diff(["headroom_mw:-3"], failing=0).exit_code == 0


def test_json_rendering_is_complete_and_deterministic():
    d = make_diff(["carbon_intensity_g_per_kwh:+5%"])
    text = render_json(d, "0.1.0")
    assert text == render_json(make_diff(["carbon_intensity_g_per_kwh:+5%"]), "0.1.0")
    doc = json.loads(text)
    assert list(doc) == ["schema_version", "tool", "base", "head", "fail_on", "summary", "new", "fixed",
                         "unchanged", "truncated", "thresholds", "kpis"]
    assert doc["base"]["plan"] == "origin/main:plans/x" and doc["head"]["plan"] == "plans/x"
    assert doc["summary"]["fixed"] == 2 and doc["summary"]["thresholds_crossed"] == 1
    assert doc["thresholds"][0] == {"spec": "carbon_intensity_g_per_kwh:+5%", "kpi": "carbon_intensity_g_per_kwh",
                                    "site_id": None, "base": 200.0, "head": 214.0, "change": pytest.approx(7.0),
                                    "relative": True, "limit": 5.0, "crossed": True}
    assert len(doc["kpis"]) == len(DIFF_KPIS) * 4


def test_infinite_relative_change_stays_valid_json():
    doc = json.loads(render_json(make_diff(["incidents_13w:+1%"]), "0.1.0"))
    assert doc["thresholds"][0]["change"] is None and doc["thresholds"][0]["crossed"] is True


def test_markdown_and_rich_show_changes_and_verdict():
    d = make_diff(["headroom_mw:-2"])
    md = render_markdown(d)
    assert md.startswith("## ❌ energyplan diff: `origin/main:plans/x` → `plans/x`")
    assert "| `headroom_mw:-2` | 3 | 0.5 | -2.5 | ❌ crossed |" in md
    assert "### Fixed findings (2)" in md and "### KPI changes (" in md
    assert "| portfolio | `headroom_mw` | MW | 3 | 0.5 | -2.5 | -83.333 |" in md
    out = render_rich(d, color=False, width=120, quiet=False)
    assert "New findings" in out and "crossed" in out and "KPI changes" in out
    assert out.rstrip().splitlines()[-1].startswith("energyplan diff: FAIL")
    assert render_rich(d, color=False, width=120, quiet=True).count("\n") == 1


def test_unchanged_plan_has_no_kpi_changes():
    same = kpi_changes(KPIS, KPIS)
    assert all(c["change"] in (0, None) for c in same)


def test_markdown_tables_are_capped_for_pr_comments():
    from energyplan.render.markdown import MAX_ROWS

    many = [dataclasses.replace(FINDINGS[0], record_id=f"c{i:04d}", row=i, line=i + 1) for i in range(MAX_ROWS + 7)]
    d = make_diff()
    d.head.findings = many  # none of them is in BASE's identities: all new
    md = render_markdown(d)
    assert sum(line.startswith("| error | `EP101` |") for line in md.splitlines()) == MAX_ROWS
    assert "…and 7 more rows in the JSON report" in md
