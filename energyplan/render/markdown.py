"""GitHub-flavoured markdown for PR comments and $GITHUB_STEP_SUMMARY: verdict, summary, findings, KPIs."""

from __future__ import annotations

import re
from typing import Any

from energyplan.facts.registry import KPIS
from energyplan.model import AuditOutcome, Finding
from energyplan.render.base import (
    RenderContext,
    format_number,
    kpi_unit,
    location,
    plural,
    status_note,
    verdict,
    worst_first,
)

# A PR comment holds at most 65,536 characters; past this many rows the table points to the full reports.
MAX_ROWS = 100
_SPECIAL = re.compile(r"([\\`*_\[\]|<>#~])")
_ICON = {"error": "🔴 error", "warning": "🟠 warning", "info": "🔵 info"}


def cell(value: Any) -> str:
    """Text safe inside a table cell: markdown punctuation and `|` escaped, newlines as <br>."""
    if value is None or value == "":
        return "—"
    text = _SPECIAL.sub(r"\\\1", str(value)).replace("&", "&amp;")
    return "<br>".join(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))


def code(value: str) -> str:
    """An inline code span (paths read better unescaped); the fence outgrows any backtick run inside,
    and `|` is escaped because GitHub splits table cells on it even inside code."""
    text = str(value).replace("\n", " ").replace("|", "\\|")
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _row(values: list[str]) -> str:
    return "| " + " | ".join(values) + " |"


def _summary(result: AuditOutcome) -> list[str]:
    rows = [
        ("errors", result.counts.get("error", 0)),
        ("warnings", result.counts.get("warning", 0)),
        ("info", result.counts.get("info", 0)),
        ("waived", result.waived),
        ("in baseline", result.baseline),
        ("stale waivers (EP004)", result.stale_waivers),
    ]
    rows += [(f"rows left out of {t}", n) for t, n in sorted(result.rows_left_out.items()) if n]
    out = ["| | count |", "| --- | ---: |"] + [_row([label, f"{n:,}"]) for label, n in rows]
    if result.skipped_rules:
        out += ["", "Skipped rules:", ""]
        out += [f"- `{s['rule']}`: {cell(s['reason'])}" for s in result.skipped_rules]
    if result.fixed:
        out += ["", f"{plural(len(result.fixed), 'baseline entry', 'baseline entries')} no longer found (fixed)."]
    return out


def _finding_row(f: Finding) -> str:
    status = status_note(f)
    return _row([
        _ICON[f.severity.value], f"`{f.rule}`", cell(location(f)), cell(f.record_id), cell(f.site_id),
        cell(f.message), cell(status),
    ])


def _findings(result: AuditOutcome) -> list[str]:
    if not result.findings:
        return ["No findings."]
    ordered = worst_first(result.findings)
    out = ["| severity | rule | where | record | site | message | status |",
           "| --- | --- | --- | --- | --- | --- | --- |"]
    out += [_finding_row(f) for f in ordered[:MAX_ROWS]]
    beyond = len(ordered) - MAX_ROWS
    if beyond > 0:
        out += ["", f"…and {beyond:,} more findings, listed in the JSON and SARIF reports."]
    unlisted = sum(result.truncated.values())
    if unlisted:
        out += ["", f"{unlisted:,} more findings were not listed at all (--max-findings); counts above are exact."]
    return out


def _kpis(kpis: dict[str, Any], currency: str) -> list[str]:
    """One row per KPI, one column per site then the portfolio: the table stays narrow for few sites."""
    sites = kpis.get("sites") or []
    portfolio = kpis.get("portfolio") or {}
    head = ["KPI", "unit"] + [cell(s.get("site_id")) for s in sites] + ["portfolio"]
    out = [_row(head), _row(["---", "---"] + ["---:"] * (len(sites) + 1))]
    for column, kpi in KPIS.items():
        values = [format_number(s.get(column), kpi.kind) for s in sites] + [
            format_number(portfolio.get(column), kpi.kind)
        ]
        out.append(_row([f"`{column}`", cell(kpi_unit(column, currency)), *values]))
    return out


def render(result: AuditOutcome, ctx: RenderContext) -> str:
    icon = "❌" if result.failing else "✅"
    lines = [f"## {icon} energyplan {ctx.command}: {code(result.plan)}", "", cell(verdict(result, ctx.command)),
             "", "### Summary", ""]
    lines += _summary(result)
    lines += ["", "### Findings", "", *_findings(result)]
    if ctx.command != "validate" and result.kpis is not None:
        lines += ["", f"### KPIs (as of {result.as_of.isoformat()}, {result.currency})", ""]
        lines += _kpis(result.kpis, result.currency)
    return "\n".join(lines) + "\n"
