"""The Markdown brief: the page's sections as tables and sparklines, under the comment limit, cut with a pointer."""

from __future__ import annotations

import copy
import re

from energyplan.render.report import MARKDOWN_LIMIT, ReportInput, render_markdown
from tests.fixtures.report import northwind_input

FULL = ["Decisions needed", "What changed", "Headline KPIs", "Outlook", "Adequacy", "All findings", "KPI tables",
        "Provenance"]


def headings(text: str, level: int = 2) -> list[str]:
    return re.findall(rf"^{'#' * level} (.+)$", text, flags=re.MULTILINE)


def test_sections_present_and_in_order() -> None:
    text = render_markdown(northwind_input(), full_report="report.html")
    assert headings(text) == FULL
    assert len(text) < MARKDOWN_LIMIT
    assert headings(text, 3)[:5] == ["Sign-offs missing (4)", "Contracts to renew (3)", "Capacity ahead (3)",
                                     "Resilience (5)", "Carbon (7)"]
    assert "[EP404](report.html#finding-" in text
    assert text.startswith("# Northwind AI: weekly energy & compute review\n\n**FAIL**: 4 errors, 23 warnings")


def test_plain_plan_has_no_outlook_adequacy_or_changes() -> None:
    text = render_markdown(northwind_input(full=False))
    assert headings(text) == ["Decisions needed", "Headline KPIs", "All findings", "KPI tables", "Provenance"]
    assert "](" not in text.split("## All findings")[0]     # no link target without a full report to point at


def test_tiles_carry_value_change_and_sparkline() -> None:
    text = render_markdown(northwind_input())
    row = next(line for line in text.splitlines() if line.startswith("| Effective MW availability"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[1:4] == ["62.34", "MW", "−1.00 (worse)"]
    assert cells[4] == "`██▆▁`"   # (63.342 − 62.3425) / 1.49925 × 8 = 5.3: the sixth block
    assert cells[5] == "2026-11-09 … 2026-11-30"


def test_outlook_table_names_shortfall_months() -> None:
    text = render_markdown(northwind_input())
    row = next(line for line in text.splitlines() if line.startswith("| `ash-colo1` | `"))
    assert "| 2027-03-01 |" in row and "2027-03, 2027-04" in row


def test_pipes_and_newlines_do_not_break_tables() -> None:
    data = northwind_input(full=False)
    data.audit["findings"][0]["message"] = "a | b\nc"
    text = render_markdown(data)
    assert "a \\| b c" in text


def test_deterministic() -> None:
    assert render_markdown(northwind_input()) == render_markdown(northwind_input())


def test_huge_input_is_cut_with_a_pointer_and_closed_details() -> None:
    data = northwind_input()
    audit = copy.deepcopy(data.audit)
    one = audit["findings"][0]
    audit["findings"] = [dict(one, record_id=f"r{i}", message=f"finding number {i} " + "x" * 80)
                         for i in range(5000)]
    text = render_markdown(ReportInput(audit=audit, sites=data.sites, provenance=data.provenance),
                           full_report="northwind.html")
    assert len(text) <= MARKDOWN_LIMIT
    assert text.rstrip().endswith("The rest is in the full report: northwind.html.")
    assert text.count("<details>") == text.count("</details>")
    assert "## Decisions needed" in text


def test_limit_is_a_parameter() -> None:
    text = render_markdown(northwind_input(), limit=3000)
    assert len(text) <= 3000 and "Cut to fit 3,000 characters" in text
    assert "energyplan report -o report.html" in text
