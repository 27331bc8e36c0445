"""GitHub-flavoured markdown for PR comments and $GITHUB_STEP_SUMMARY: verdict, summary, findings, KPIs."""

from __future__ import annotations

import re
from typing import Any

from energyplan.facts.registry import KPIS
from energyplan.model import AuditOutcome, Finding
from energyplan.render.base import (
    RenderContext,
    as_of_words,
    format_number,
    kpi_unit,
    location,
    plural,
    rules_by_code,
    status_note,
    verdict,
)
from energyplan.render.lead import by_site, cause_line, fix_first, fix_first_title, headline, hints, skipped_lines

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
        out += [f"- {cell(line)}" for line in skipped_lines(result)]
    if result.fixed:
        out += ["", f"{plural(len(result.fixed), 'baseline entry', 'baseline entries')} no longer found (fixed)."]
    return out


def _finding_row(f: Finding, prefix: str) -> str:
    status = status_note(f)
    return _row([
        cell(f.site_id), _ICON[f.severity.value], f"`{f.rule}`", cell(location(f, prefix)), cell(f.record_id),
        cell(f.message), cell(status),
    ])


def _lead(result: AuditOutcome, ctx: RenderContext) -> list[str]:
    """Headline KPIs and the errors to fix first, before the long listing."""
    out = []
    heads = headline(result) if ctx.command != "validate" else []
    if heads:
        out += ["| headline (portfolio) | |", "| --- | ---: |"] + [_row([cell(k), cell(v)]) for k, v in heads]
    causes = fix_first(result, ctx.uri_prefix)
    if causes:
        out += ["", f"**{fix_first_title(causes)}:**", ""]
        out += [f"- {cell(c.site)}: {cell(cause_line(c))}" for c in causes]
    return out


def _hints(result: AuditOutcome) -> list[str]:
    advice = hints([f for f in result.findings if not (f.waived or f.baseline)], rules_by_code(result))
    if not advice:
        return []
    return ["", "### What to do", ""] + [f"- `{rule}` {cell(name)}: {cell(hint)}" for rule, name, hint in advice]


def _findings(result: AuditOutcome, prefix: str) -> list[str]:
    if not result.findings:
        return ["No findings."]
    # grouped by site (plan-wide last), worst first within a site
    ordered = [f for _, group in by_site(result.findings) for f in group]
    out = ["| site | severity | rule | where | record | message | status |",
           "| --- | --- | --- | --- | --- | --- | --- |"]
    out += [_finding_row(f, prefix) for f in ordered[:MAX_ROWS]]
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
             ""]
    if ctx.as_of_today:
        lines += [cell(f"Results {as_of_words(result, ctx)}."), ""]
    lead = _lead(result, ctx)
    if lead:
        lines += [*lead, ""]
    lines += ["### Summary", ""]
    lines += _summary(result)
    lines += ["", "### Findings", "", *_findings(result, ctx.uri_prefix), *_hints(result)]
    if ctx.command != "validate" and result.kpis is not None:
        lines += ["", f"### KPIs (as of {result.as_of.isoformat()}, {result.currency})", ""]
        lines += _kpis(result.kpis, result.currency)
    return "\n".join(lines) + "\n"
