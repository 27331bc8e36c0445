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
    assert out[0] == ("commitments.csv:4: EP101 [error] commitment cmt-aws-2027 (2,048 GPUs, signed) "
                      "names no electricity sourcing plan")
    assert "contracts.csv: EP000 [error] contracts.csv: the header is not comma-separated (it seems to use ';')" in out
    assert "sites.parquet: EP603 [info] PPA volume 13,000 MWh is 130% of annual energy 10,000 MWh (row 2)" in out
    assert any(line.startswith("EP004 [info] waiver for EP101 cmt-gone") for line in out)
    waived = next(line for line in out if "cmt-gcp-2026" in line)
    assert waived.endswith("[waived until 2026-12-31 by cfo-office@northwind.example: finance sign-off is "
                           "on the December steering committee agenda]")
    assert next(line for line in out if "w-train" in line).endswith("[in baseline]")
    assert "skipped EP205: table contracts did not load" in out
    assert out[-1] == verdict(sample_result())
    # 11 findings (multi-line messages flattened) + 1 skipped rule + the verdict
    assert len(out) == len(FINDINGS) + 2


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
    rows = [line for line in out.splitlines() if line.startswith(("| 🔴", "| 🟠", "| 🔵"))]
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
    assert sum(line.startswith("| 🔴") for line in out.splitlines()) == MAX_ROWS
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
    for title in ("Errors (6)", "Warnings (1)", "Info (2)", "Accepted (waived or in baseline) (2)"):
        assert title in out
    assert "→ Name the grid or PPA contract that powers this commitment in" in out
    assert "EP205: table contracts did not load" in out
    assert "rows of workloads left out" in out
    assert "[bold]x[/bold]" in out  # data is never read as Rich markup
    assert "KPIs" in out and "99.999" in out
    assert out.rstrip("\n").splitlines()[-1] == verdict(sample_result())


def test_rich_lines_respect_the_width():
    for width in (80, 100, 160):
        out = render("rich", sample_result(), ctx(width=width))
        body = out.rstrip("\n").splitlines()[:-1]  # the verdict line is soft-wrapped by the terminal
        assert max(len(line) for line in body) <= width


def test_rich_with_colour_emits_ansi_and_validate_has_no_kpis():
    assert ANSI.search(render("rich", sample_result(), ctx(color=True)))
    assert "KPIs" not in render("rich", sample_result(kpis=None), ctx(command="validate"))
