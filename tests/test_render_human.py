"""The human formats (text, markdown, rich): what a person reads, escaped so data cannot break it."""

from __future__ import annotations

import dataclasses
import re

from energyplan.render.base import format_number, verdict
from energyplan.render.markdown import MAX_ROWS, cell, code
from tests.helpers import render
from tests.support.render_sample import FINDINGS, ctx, sample_result

ANSI = re.compile(r"\x1b\[")


# ---- text ----------------------------------------------------------------------------------------


def test_text_has_one_line_per_finding_then_the_verdict():
    out = render("text", sample_result(), ctx()).splitlines()
    assert ("commitments.csv:4: EP101 [error] commitment cmt-aws-2027 (2,048 GPUs, signed) "
            "names no electricity sourcing plan") in out
    assert "contracts.csv: EP000 [error] contracts.csv: the header is not comma-separated (it seems to use ';')" in out
    assert ("sites.parquet: EP603 [info] PPA volume 13,000 MWh is 130% of annual energy 10,000 MWh (row 2) "
            "(aws-eu-central-1)") in out
    assert any(line.startswith("EP004 [info] waiver for EP101 cmt-gone") for line in out)
    waived = next(line for line in out if "cmt-gcp-2026" in line)
    assert waived.endswith("[waived until 2026-12-31 by cfo-office@northwind.example: finance sign-off is "
                           "on the December steering committee agenda]")
    assert next(line for line in out if "w-train" in line).endswith("[in baseline]")
    assert "skipped EP205: table contracts did not load" in out
    assert out[0] == out[-1] == verdict(sample_result())
    findings = [line for line in out if re.match(r"^(\S+: )?EP\d{3} \[(error|warning|info)\] ", line)]
    assert len(findings) == len(FINDINGS)  # multi-line messages flattened: one line a finding


def test_item6_text_leads_with_the_answer_and_ends_with_kpis_then_verdict():
    """Issue 13 item 6: `audit > report.txt` reads verdict, headline KPIs, fix first, findings by site,
    one hint a rule, the KPI table, and the verdict last."""
    out = render("text", sample_result(), ctx())
    lines = out.splitlines()
    order = [lines.index("Headline (portfolio):"), next(i for i, x in enumerate(lines) if x.startswith("Fix first")),
             lines.index("Findings by site:"), lines.index("What to do (once per rule):"),
             next(i for i, x in enumerate(lines) if x.strip() == "KPIs"), len(lines) - 1]
    assert order == sorted(order)
    assert lines[lines.index("Headline (portfolio):") + 1:][:4] == [
        "  Effective MW: 2.49", "  Carbon gCO2e/kWh: —", "  Marginal EUR/GPU-h: —†", "  Incidents 13 wk: 2"]
    assert [x for x in lines if x.startswith("-- ")] == [
        "-- site aws-eu-central-1: 1 error, 1 info", "-- site gcp-europe-west4: 1 warning",
        "-- site münchen-1: 2 errors, 2 warnings", "-- plan-wide: 3 errors, 1 info"]
    # errors grouped by site (most errors first, plan-wide last) and cause, with where to look
    start = next(i for i, x in enumerate(lines) if x.startswith("Fix first"))
    assert lines[start:start + 8] == [
        "Fix first (6 listed errors, by site and cause):",
        "  münchen-1", "    EP000 schema-violation (workloads.csv:7)", "    EP201 missing-grid-layer (sites.csv:3)",
        "  aws-eu-central-1", "    EP101 commitment-without-sourcing-plan (commitments.csv:4)",
        "  plan-wide", "    EP000 schema-violation ×3 (contracts.csv, workloads.csv:9, workloads.csv:10)"]
    # the remediation once per rule, for findings still open (the baseline EP301 gets none)
    assert [x for x in lines if x.startswith("  EP101 ")] == [
        "  EP101 commitment-without-sourcing-plan: Name the grid or PPA contract that powers this commitment"]
    assert not any(x.startswith("  EP301 ") for x in lines)
    assert sum(x.startswith("  EP403 ") for x in lines) == 1


def test_item6_remediation_is_never_cut_after_an_abbreviation():
    import tomllib
    from pathlib import Path

    from energyplan.render.base import first_line

    expected = "Add the rate, e.g. `USD = 0.92`, to [fx]."
    assert first_line(expected + " Then rerun.") == expected
    assert first_line("Use one value (i.e. the\n  promised one). More.") == "Use one value (i.e. the promised one)."
    rules = Path(__file__).parents[1] / "rules"
    for rule in ("EP003", "EP303"):
        hint = first_line(tomllib.loads((rules / f"{rule}.toml").read_text(encoding="utf-8"))["remediation"])
        assert not hint.endswith(("e.g.", "i.e.")) and hint.endswith((".", ")")), (rule, hint)


def test_verdict_counts_and_pass_fail():
    line = verdict(sample_result())
    assert line.startswith("energyplan audit: FAIL (8 findings at or above error): 8 errors, 1 warning, 2 info;")
    assert "1 waived; 1 in baseline; 3 rows left out; 1 rule skipped; 2 not listed (--max-findings)" in line
    ok = verdict(sample_result(failing=0, counts={"error": 0, "warning": 1, "info": 0}, waived=0, baseline=0,
                               rows_left_out={}, skipped_rules=[], truncated={}), "validate")
    assert ok == ("energyplan validate: PASS (0 findings at or above error): 0 errors, 1 warning, 0 info — "
                  "sample_data/northwind as of 2026-11-30")
    assert "(fail-on never)" in verdict(sample_result(fail_on="never", failing=0))


# ---- markdown -----------------------------------------------------------------------------------


def test_markdown_cells_escape_pipes_markup_and_newlines():
    assert cell("a | b") == r"a \| b"
    assert cell("x\ny\r\nz") == "x<br>y<br>z"
    assert cell("<script>&") == r"\<script\>&amp;"
    assert cell(None) == "—"
    assert code("a_b") == "`a_b`" and code("x`y") == "``x`y``" and code("`a") == "`` `a ``"
    assert code("p|q") == "`p\\|q`"


def test_markdown_report_sections_and_rows():
    out = render("markdown", sample_result(), ctx())
    assert out.startswith("## ❌ energyplan audit: `sample_data/northwind`\n")
    for heading in ("### Summary", "### Findings", "### KPIs (as of 2026-11-30, EUR)"):
        assert heading in out
    rows = [line for line in out.splitlines() if any(f"| {icon}" in line for icon in ("🔴", "🟠", "🔵"))]
    assert len(rows) == len(FINDINGS)
    assert all(line.count(" | ") == 6 for line in rows)  # escaped `|` never splits a cell
    assert "| `peak_demand_mw` | MW | 1.44 | 0.5 | 1.44 |" in out
    assert "| `supply_availability_pct` | % | 99.999 | — | — |" in out
    assert "| `energy_cost_per_gpu_hour` | EUR/GPU-h | 0.081 | 0 | — |" in out
    assert "2 more findings were not listed at all (--max-findings)" in out
    assert "…and" not in out


def test_markdown_caps_the_findings_table_for_pr_comments():
    many = [dataclasses.replace(FINDINGS[0], record_id=f"c{i:04d}", row=i, line=i + 1) for i in range(250)]
    out = render("markdown", sample_result(findings=many, truncated={}), ctx())
    assert sum("| 🔴" in line for line in out.splitlines()) == MAX_ROWS
    assert f"…and {250 - MAX_ROWS} more findings" in out


def test_validate_markdown_has_no_kpi_section():
    assert "### KPIs" not in render("markdown", sample_result(kpis=None), ctx(command="validate"))


def test_number_formatting():
    assert [format_number(v) for v in (None, float("nan"), 0, 0.081, 99.999, 42.238267, 9460.8)] == [
        "—", "—", "0", "0.081", "99.999", "42.238", "9,461"]
    assert format_number(2.0, "int") == "2"


# ---- rich ---------------------------------------------------------------------------------------


def test_rich_report_has_panel_groups_remediation_and_kpis():
    out = render("rich", sample_result(), ctx(width=120))
    assert not ANSI.search(out)  # colour off: no escape codes
    assert "FAIL  energyplan audit" in out
    for title in ("Fix first", "Findings by site (9 listed)", "Accepted: waived or in baseline (2)"):
        assert title in out
    assert out.count("→ Name the grid or PPA contract that powers this commitment in") == 1  # once per rule
    assert "skipped EP205: table contracts did not load" in out
    assert "rows of workloads left out" in out
    assert "[bold]x[/bold]" in out  # data is never read as Rich markup
    assert "KPIs" in out and "99.999" in out
    assert " ".join(out.split("KPIs")[-1].split()).endswith(verdict(sample_result()))


def test_rich_lines_respect_the_width():
    for width in (80, 100, 160):
        out = render("rich", sample_result(), ctx(width=width))
        assert max(len(line) for line in out.splitlines()) <= width


def test_rich_with_colour_emits_ansi_and_validate_has_no_kpis():
    assert ANSI.search(render("rich", sample_result(), ctx(color=True)))
    assert "KPIs" not in render("rich", sample_result(kpis=None), ctx(command="validate"))
