"""`diff` formats: the change report for people (rich on a terminal, plain text for logs), JSON and
Markdown for CI. Numbers are rounded as in the KPI table; every finding says where it is (file:line)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from energyplan.model import Finding
from energyplan.render.base import RenderContext, location, plural, worst_first

if TYPE_CHECKING:
    from energyplan.plan_diff import PlanDiff, ThresholdCheck


def render_json(d: PlanDiff, ctx: RenderContext) -> str:
    from energyplan.plan_diff import render_json as to_json

    return to_json(d, ctx.tool_version)


# ---- shared wording ------------------------------------------------------------------------------


def _value(kpi: str | None, value: Any) -> str:
    """A KPI value with the KPI table's decimals (a threshold or change on a KPI alike); the horizon
    KPIs diff adds use their own (whole numbers for counts)."""
    from energyplan.plan_diff import DIFF_KPIS
    from energyplan.render.kpi_table import format_value

    spec = DIFF_KPIS.get(kpi or "")
    decimals = None if spec is None else (0 if spec.kind == "int" else spec.decimals)
    return format_value(kpi or "", value, decimals)


def change_text(kpi: str | None, change: Any, relative: bool = False) -> str:
    """'+1.25', '−∞ %', 'n/a': a change rounded like its KPI (a relative change to one decimal)."""
    if change is None:
        return "n/a"
    if isinstance(change, float) and math.isinf(change):
        return "+∞ %" if change > 0 else "−∞ %"
    if relative:
        return f"{change:+,.1f} %"
    text = _value(kpi, change)
    return text if text.startswith("-") or text.strip("0.,") == "" else f"+{text}"


def _pct(value: Any) -> str:
    return "—" if value is None or (isinstance(value, float) and not math.isfinite(value)) else f"{value:+,.1f} %"


def changed_kpis(d: PlanDiff) -> list[dict[str, Any]]:
    """KPI rows whose value changed (a null on one side counts as a change)."""
    return [c for c in d.kpi_changes if c["base"] != c["head"]]


def _threshold_cells(c: ThresholdCheck) -> list[str]:
    kpi = c.threshold.kpi
    return [c.threshold.spec, _value(kpi, c.base), _value(kpi, c.head),
            change_text(kpi, c.change, c.threshold.relative), "crossed" if c.crossed else "ok"]


def _fixed_text(e: dict[str, Any]) -> str:
    what = " ".join(str(e.get(k)) for k in ("table", "record_id") if e.get(k))
    column = f" [{e['column']}]" if e.get("column") else ""
    return f"{e['rule']} {what}{column}: {e.get('message') or 'no longer found'}"


def _kpi_cells(c: dict[str, Any], currency: str) -> list[str]:
    from energyplan.plan_diff import DIFF_KPIS

    kpi = c["kpi"]
    return [c["site_id"] or "portfolio", f"{kpi} ({DIFF_KPIS[kpi].unit_in(currency)})", _value(kpi, c["base"]),
            _value(kpi, c["head"]), change_text(kpi, c["change"]), _pct(c["change_pct"])]


# ---- text: logs and pipes ------------------------------------------------------------------------


def render_text(d: PlanDiff, ctx: RenderContext) -> str:
    """Plain lines, no boxes: what `diff | tee` or a CI log shows."""
    from energyplan.plan_diff import verdict
    from energyplan.render.text import finding_line, wrap

    line = verdict(d)
    if ctx.quiet:
        return line + "\n"
    out = [line]
    if d.checks:
        out += ["", "Thresholds:"]
        for c in d.checks:
            cells = zip(("", "base", "head", "change", ""), _threshold_cells(c), strict=True)
            out += wrap("  ".join(f"{label} {value}" if label else value for label, value in cells), ctx.width, "  ")
    new = worst_first(d.new)
    out += ["", f"New findings ({len(new):,}):" if new else "No new findings."]
    out += [f"  {finding_line(f, ctx.path_prefix)}" for f in new]
    if d.fixed:
        out += ["", f"Fixed findings ({len(d.fixed):,}):"] + [f"  {_fixed_text(e)}" for e in d.fixed]
    out += ["", f"{plural(len(d.unchanged), 'finding')} unchanged"]
    rows = changed_kpis(d)
    out += ["", f"KPI changes ({len(rows):,}):" if rows else "No KPI changed."]
    for c in rows:
        scope, kpi, base, head, change, pct = _kpi_cells(c, d.head.currency)
        # wrapped between words at the width, never inside a number
        out += wrap(f"{scope}  {kpi}: {base} → {head} ({change}, {pct})", ctx.width, "  ")
    out += ["", line]
    return "\n".join(out) + "\n"


# ---- rich: a terminal ----------------------------------------------------------------------------


def render_rich(d: PlanDiff, ctx: RenderContext) -> str:
    from io import StringIO

    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from energyplan.plan_diff import verdict

    buf = StringIO()
    console = Console(file=buf, force_terminal=ctx.color, no_color=not ctx.color, width=ctx.width, highlight=False,
                      emoji=False, color_system="standard" if ctx.color else None)
    line = Text(verdict(d), style="bold red" if d.exit_code else "bold green")
    if ctx.quiet:
        console.print(line, soft_wrap=True)
        return buf.getvalue()
    if d.checks:
        t = Table(title="Thresholds", title_justify="left")
        for col in ("threshold", "base", "head", "change", "result"):
            t.add_column(col, justify="right" if col in ("base", "head", "change") else "left", no_wrap=True)
        for c in d.checks:
            *cells, result = _threshold_cells(c)
            t.add_row(Text(cells[0]), *cells[1:], Text(result, style="bold red" if c.crossed else "green"))
        console.print(t)
    new = worst_first(d.new)
    if new:
        t = Table(title=Text(f"New findings ({len(new):,})", style="bold red"), title_justify="left", expand=True)
        t.add_column("rule", no_wrap=True)
        t.add_column("where", no_wrap=True)
        t.add_column("finding", ratio=1)
        for f in new:
            where = Text(location(f, ctx.path_prefix) or "—")
            if f.record_id:
                where.append(f"\n{f.record_id}", style="dim")
            t.add_row(Text(f"{f.rule}\n{f.severity.value}"), where, Text(f.message))
        console.print(t)
    else:
        console.print(Text("No new findings.", style="green"))
    if d.fixed:
        t = Table(title=Text(f"Fixed findings ({len(d.fixed):,})", style="green"), title_justify="left", expand=True)
        t.add_column("rule", no_wrap=True)
        t.add_column("record", no_wrap=True)
        t.add_column("finding", ratio=1)
        for e in d.fixed:
            record = " ".join(str(e.get(k)) for k in ("record_id", "column") if e.get(k)) or "—"
            t.add_row(e["rule"], Text(record), Text(e.get("message") or "no longer found"))
        console.print(t)
    console.print(Text(f"{plural(len(d.unchanged), 'finding')} unchanged", style="dim"))
    rows = changed_kpis(d)
    if rows:
        console.print(_kpi_change_table(rows, d.head.currency, ctx.width))
    else:
        console.print(Text("No KPI changed.", style="dim"))
    console.print(line)
    return "\n".join(row.rstrip(" ") for row in buf.getvalue().split("\n"))


_KPI_HEADS = ("scope", "KPI", "base", "head", "change", "change %")
_MIN_NAME = 16  # the KPI name column wraps between words down to this width


def _kpi_change_table(rows: list[dict[str, Any]], currency: str, width: int) -> Any:
    """The KPI changes as a table whose numbers and ids keep their full width (the name wraps between
    words); when even that does not fit the terminal, one block per change instead of a table."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    cells = [_kpi_cells(c, currency) for c in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(_KPI_HEADS)]
    # a box table spends 3 columns per cell border (| x ) plus the closing border
    needed = sum(widths) - widths[1] + min(widths[1], _MIN_NAME) + 3 * len(_KPI_HEADS) + 1
    title = f"KPI changes ({len(rows):,})"
    if needed <= width:
        t = Table(title=title, title_justify="left")
        for i, col in enumerate(_KPI_HEADS):
            if col == "KPI":
                t.add_column(col, justify="left", min_width=min(widths[1], _MIN_NAME))
            else:
                t.add_column(col, justify="left" if col == "scope" else "right", no_wrap=True, min_width=widths[i])
        for scope, kpi, *numbers in cells:
            t.add_row(Text(scope), Text(kpi), *numbers)
        return t
    lines = [Text(title, style="italic")]
    for scope, kpi, base, head, change, pct in cells:
        lines.append(Text(f"{scope} · {kpi}"))
        lines.append(Text(f"  {base} → {head}  change {change}  {pct}"))
    return Group(*lines)


# ---- markdown: PR comments -----------------------------------------------------------------------


def _md_table(head: list[str], align: list[str], rows: list[list[str]]) -> list[str]:
    """A GFM table; past MAX_ROWS rows (a PR comment holds 65,536 characters) it points to the JSON."""
    from energyplan.render.markdown import MAX_ROWS

    out = ["| " + " | ".join(head) + " |", "| " + " | ".join(align) + " |"]
    out += ["| " + " | ".join(r) + " |" for r in rows[:MAX_ROWS]]
    if len(rows) > MAX_ROWS:
        out += ["", f"…and {len(rows) - MAX_ROWS:,} more rows in the JSON report (`-o json=PATH`)."]
    return out


def render_markdown(d: PlanDiff, ctx: RenderContext) -> str:
    from energyplan.plan_diff import verdict
    from energyplan.render.markdown import cell, code

    icon = "❌" if d.exit_code else "✅"
    lines = [f"## {icon} energyplan diff: {code(d.base_label)} → {code(d.head_label)}", "", cell(verdict(d)), ""]
    if d.checks:
        lines += ["### Thresholds", ""]
        lines += _md_table(["threshold", "base", "head", "change", "result"], ["---", "---:", "---:", "---:", "---"], [
            [f"`{spec}`", base, head, change, "❌ crossed" if c.crossed else "ok"]
            for c in d.checks for spec, base, head, change, _ in [_threshold_cells(c)]
        ])
        lines.append("")
    sections: list[tuple[str, list[Finding]]] = [("New findings", worst_first(d.new)),
                                                 ("Unchanged findings", worst_first(d.unchanged))]
    for title, findings in sections:
        lines += [f"### {title} ({len(findings):,})", ""]
        if not findings:
            lines += ["None.", ""]
            continue
        lines += _md_table(["severity", "rule", "where", "record", "message"], ["---"] * 5, [
            [f.severity.value, f"`{f.rule}`", cell(location(f, ctx.uri_prefix)), cell(f.record_id), cell(f.message)]
            for f in findings
        ])
        lines.append("")
    if d.fixed:
        lines += [f"### Fixed findings ({len(d.head.fixed):,})", ""]
        lines += _md_table(["rule", "record", "column", "message"], ["---"] * 4, [
            [f"`{e['rule']}`", cell(e.get("record_id")), cell(e.get("column")), cell(e.get("message"))]
            for e in d.fixed
        ])
        lines.append("")
    rows = changed_kpis(d)
    lines += [f"### KPI changes ({len(rows):,})", ""]
    if not rows:
        return "\n".join([*lines, "No KPI changed."]) + "\n"
    lines += _md_table(
        ["scope", "KPI", "unit", "base", "head", "change", "change %"], ["---"] * 3 + ["---:"] * 4,
        [[cell(scope), f"`{c['kpi']}`", cell(unit.split(" (", 1)[1][:-1]), *numbers]
         for c in rows for scope, unit, *numbers in [_kpi_cells(c, d.head.currency)]],
    )
    return "\n".join(lines) + "\n"
