"""The terminal report for people: the answer first (verdict panel, headline KPIs, fix first), then the
findings by site with one remediation hint a rule, the KPI table and the verdict line."""

from __future__ import annotations

from io import StringIO
from typing import TYPE_CHECKING

from energyplan.model import AuditOutcome, Finding
from energyplan.render.base import (
    RenderContext,
    as_of_words,
    listing_order,
    location,
    rules_by_code,
    status_note,
    verdict,
)
from energyplan.render.lead import (
    by_site,
    cause_line,
    fix_first,
    fix_first_title,
    headline,
    hints,
    site_title,
    skipped_lines,
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
    grid.add_column(justify="right", no_wrap=True)
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
    hidden = sum(result.truncated.values())
    if hidden:
        grid.add_row(f"{hidden:,}", "findings not listed (--max-findings)")
    heads = headline(result) if ctx.command != "validate" else []
    if heads:
        grid.add_row("", "")
        for label, value in heads:
            grid.add_row(Text(value, style="bold"), label)
    style = "red" if result.failing else "green"
    title = Text(("FAIL" if result.failing else "PASS") + f"  energyplan {ctx.command}", style=f"bold {style}")
    about = Text(f"{result.plan} · {as_of_words(result, ctx)} · fail-on {result.fail_on}\n", style="dim")
    return Panel(Group(about, grid), title=title, title_align="left", border_style=style, expand=False)


def _fix_first(result: AuditOutcome, ctx: RenderContext) -> RenderableType | None:
    from rich.console import Group
    from rich.padding import Padding
    from rich.text import Text

    causes = fix_first(result, _prefix(ctx))
    if not causes:
        return None
    parts: list[RenderableType] = [
        Text(fix_first_title(causes), style="bold red")]
    site = None
    for c in causes:
        if c.site != site:
            site = c.site
            parts.append(Padding(Text(site, style="bold"), (0, 0, 0, 2)))
        parts.append(Padding(Text(cause_line(c)), (0, 0, 0, 4)))
    return Group(*parts, Text(""))


def _finding(f: Finding, hint: str, ctx: RenderContext, style: str) -> RenderableType:
    """One finding, vertically: a word-wrapped block never cuts an id, a number or a path."""
    from rich.console import Group
    from rich.padding import Padding
    from rich.text import Text

    # Text objects, never markup strings: a message with "[bold]" must print as written.
    head = Text(f.severity.value.upper(), style=style)
    head.append(f" {f.rule} ", style=style)
    head.append(f.name, style="bold")
    where = location(f, _prefix(ctx))
    if where:
        head.append(f"  {where}")
    if f.record_id and f.record_id != f.site_id:
        head.append(f"  {f.record_id}", style="dim")
    body = [Text(f.message)]
    if hint:
        body.append(Text(f"→ {hint}", style="dim"))
    note = status_note(f)
    if note:
        body.append(Text(note, style="italic"))
    return Group(head, Padding(Group(*body), (0, 0, 0, 2)))


def _listing(findings: list[Finding], result: AuditOutcome, ctx: RenderContext, title: str, *,
             with_hints: bool = True) -> list[RenderableType]:
    from rich.rule import Rule
    from rich.text import Text

    # The remediation is printed once per rule, on its first finding: repeated, it buries the findings.
    # Accepted findings (waived, baseline) need none: they are not to be fixed now.
    first_hint = {rule: hint for rule, _, hint in hints(findings, rules_by_code(result))} if with_hints else {}
    out: list[RenderableType] = [Text(title, style="bold")]
    for site, group in by_site(findings):
        out.append(Rule(Text(site_title(site, group)), align="left", style="dim"))
        for f in group:
            out.append(_finding(f, first_hint.pop(f.rule, ""), ctx,
                                "dim" if f.waived or f.baseline else _STYLE[f.severity.value]))
    out.append(Text(""))
    return out


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
    fix = _fix_first(result, ctx)
    if fix is not None:
        console.print(fix)
    findings = listing_order(result.findings)
    active = [f for f in findings if not (f.waived or f.baseline)]
    if active:
        for part in _listing(active, result, ctx, f"Findings by site ({len(active):,} listed)"):
            console.print(part)
    accepted = [f for f in findings if f.waived or f.baseline]
    if accepted:
        for part in _listing(accepted, result, ctx, f"Accepted: waived or in baseline ({len(accepted):,})",
                             with_hints=False):
            console.print(part)
    for text in skipped_lines(result):
        console.print(Text(text, style="dim"))
    if ctx.command != "validate" and result.kpis is not None:
        from energyplan.render.kpi_table import build_kpi_view

        console.print(build_kpi_view(result.kpis, result.currency, console.width, title="KPIs"))
    # word-wrapped at the width, never cut: the verdict is the line a reader looks for last
    console.print(line)
    # Padding fills lines to the width with spaces: noise in a file or a diff, invisible on a terminal.
    return "\n".join(row.rstrip(" ") for row in buf.getvalue().split("\n"))


def _prefix(ctx: RenderContext) -> str:
    """The plan folder before each location when it is reached relatively from the current directory; an
    absolute folder is shown once in the panel, so a location never wraps in a narrow terminal."""
    return "" if ctx.path_prefix.startswith("/") else ctx.path_prefix
