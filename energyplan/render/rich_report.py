"""The terminal report for people: verdict panel, findings by severity with remediation, KPI table."""

from __future__ import annotations

from io import StringIO
from typing import TYPE_CHECKING

from energyplan.model import AuditOutcome, Finding
from energyplan.render.base import (
    RenderContext,
    first_line,
    listing_order,
    location,
    rules_by_code,
    status_note,
    verdict,
)

if TYPE_CHECKING:
    from rich.console import RenderableType

_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}
_TITLE = {"error": "Errors", "warning": "Warnings", "info": "Info"}


def _panel(result: AuditOutcome, ctx: RenderContext) -> RenderableType:
    from rich.console import Group
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    grid = Table.grid(padding=(0, 2))
    grid.add_column(justify="right")
    grid.add_column()
    for sev in ("error", "warning", "info"):
        grid.add_row(Text(f"{result.counts.get(sev, 0):,}", style=_STYLE[sev]), _TITLE[sev].lower())
    grid.add_row(f"{result.waived:,}", "waived")
    grid.add_row(f"{result.baseline:,}", "in baseline")
    if result.stale_waivers:
        grid.add_row(f"{result.stale_waivers:,}", "stale waivers (EP004)")
    for table, n in sorted(result.rows_left_out.items()):
        if n:
            grid.add_row(f"{n:,}", Text(f"{'row' if n == 1 else 'rows'} of {table} left out (schema failures)"))
    for s in result.skipped_rules:
        grid.add_row("skipped", Text(f"{s['rule']}: {s['reason']}"))
    hidden = sum(result.truncated.values())
    if hidden:
        grid.add_row(f"{hidden:,}", "findings not listed (--max-findings)")
    style = "red" if result.failing else "green"
    title = Text(("FAIL" if result.failing else "PASS") + f"  energyplan {ctx.command}", style=f"bold {style}")
    about = Text(f"{result.plan} · as of {result.as_of.isoformat()} · fail-on {result.fail_on}\n", style="dim")
    return Panel(Group(about, grid), title=title, title_align="left", border_style=style, expand=False)


def _findings_table(title: str, style: str, findings: list[Finding], result: AuditOutcome) -> RenderableType:
    from rich.table import Table
    from rich.text import Text

    specs = rules_by_code(result)
    table = Table(title=Text(f"{title} ({len(findings):,})", style=style), title_justify="left",
                  show_lines=True, expand=True)
    table.add_column("rule", no_wrap=True)
    table.add_column("where", max_width=36, overflow="fold")
    table.add_column("finding", ratio=1)
    for f in findings:
        # Text objects, never markup strings: a message with "[bold]" must print as written.
        where = Text(location(f) or "—")
        if f.record_id:
            where.append(f"\n{f.record_id}")
        if f.site_id and f.site_id != f.record_id:
            where.append(f"\nsite {f.site_id}", style="dim")
        body = Text(f.name, style="bold")
        body.append(f"\n{f.message}")
        hint = first_line(specs[f.rule].remediation) if f.rule in specs else ""
        if hint:
            body.append(f"\n→ {hint}", style="dim")
        note = status_note(f)
        if note:
            body.append(f"\n{note}", style="italic")
        table.add_row(Text(f.rule, style=style), where, body)
    return table


def render(result: AuditOutcome, ctx: RenderContext) -> str:
    from rich.console import Console
    from rich.text import Text

    buf = StringIO()
    console = Console(file=buf, force_terminal=ctx.color, no_color=not ctx.color, width=ctx.width,
                      color_system="standard" if ctx.color else None, highlight=False, emoji=False)
    line = Text(verdict(result, ctx.command), style="bold red" if result.failing else "bold green")
    if ctx.quiet:
        console.print(line, soft_wrap=True)
        return buf.getvalue()
    console.print(_panel(result, ctx))
    findings = listing_order(result.findings)
    active = [f for f in findings if not (f.waived or f.baseline)]
    for sev in ("error", "warning", "info"):
        group = [f for f in active if f.severity.value == sev]
        if group:
            console.print(_findings_table(_TITLE[sev], _STYLE[sev], group, result))
    accepted = [f for f in findings if f.waived or f.baseline]
    if accepted:
        console.print(_findings_table("Accepted (waived or in baseline)", "dim", accepted, result))
    if ctx.command != "validate" and result.kpis is not None:
        from energyplan.render.kpi_table import build_kpi_view

        console.print(build_kpi_view(result.kpis, result.currency, console.width, title="KPIs"))
    console.print(line, soft_wrap=True)
    return buf.getvalue()
