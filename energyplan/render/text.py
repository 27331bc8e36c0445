"""Plain text for logs: the answer first (verdict, headline KPIs, fix first), then one
`file:line: CODE [severity] message` line a finding grouped by site, a hint a rule, the KPI table, the verdict.
"""

from __future__ import annotations

import textwrap

from energyplan.model import AuditOutcome, Finding
from energyplan.render.base import (
    RenderContext,
    as_of_words,
    cell_ref,
    listing_order,
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


def finding_line(f: Finding, prefix: str = "") -> str:
    """`commitments.csv:4: EP101 [error] message`; `sites.parquet: … (row 3)` without a line;
    just `EP004 [info] …` for a finding at no file. Newlines in a message are flattened so that one
    finding stays one line (grep and editors read `file:line:` prefixes). `prefix` (the plan folder
    from the current directory) makes the location openable from where the command ran."""
    ref = cell_ref(f)
    if f.file is None:
        where = ""
    elif ref is not None:
        where = f"{prefix}{f.file}:{ref}: "  # `plan.xlsx:workloads!F12:`; the cell says the row
    elif f.line is not None:
        where = f"{prefix}{f.file}:{f.line}: "
    else:
        where = f"{prefix}{f.file}: "
    message = " ".join(f.message.splitlines())
    tail = f" (row {f.row})" if f.file is not None and ref is None and f.line is None and f.row is not None else ""
    if f.record_id and f.record_id not in message:
        # the record the finding is about, when the message does not name it (grep finds it either way)
        tail += f" ({f.record_id})"
    note = status_note(f)
    mark = f" [{' '.join(note.splitlines())}]" if note else ""
    return f"{where}{f.rule} [{f.severity.value}] {message}{tail}{mark}"


def wrap(text: str, width: int, indent: str) -> list[str]:
    # never inside a word: an id, number or path stays whole on one line
    return textwrap.wrap(text, width=max(width, 40), initial_indent=indent, subsequent_indent=indent + "  ",
                         break_long_words=False, break_on_hyphens=False)


def lead_lines(result: AuditOutcome, ctx: RenderContext) -> list[str]:
    """The answer before the listing: headline KPIs and the errors to fix first, by site and cause."""
    lines = [f"Results {as_of_words(result, ctx)}."] if ctx.as_of_today else []
    heads = headline(result) if ctx.command != "validate" else []
    if heads:
        lines += ["", "Headline (portfolio):"] + [f"  {label}: {value}" for label, value in heads]
    causes = fix_first(result, ctx.path_prefix)
    if causes:
        lines += ["", f"{fix_first_title(causes)}:"]
        site = None
        for c in causes:
            if c.site != site:
                site = c.site
                lines.append(f"  {site}")
            lines += wrap(cause_line(c), ctx.width, "    ")
    return lines


def render(result: AuditOutcome, ctx: RenderContext) -> str:
    if ctx.quiet:
        return verdict(result, ctx.command) + "\n"
    lines = [verdict(result, ctx.command), *lead_lines(result, ctx)]
    findings = listing_order(result.findings)
    if findings:
        lines += ["", "Findings by site:"]
        for site, group in by_site(findings):
            lines += ["", f"-- {site_title(site, group)}"]
            lines += [finding_line(f, ctx.path_prefix) for f in group]
        advice = hints([f for f in findings if not (f.waived or f.baseline)], rules_by_code(result))
        if advice:
            lines += ["", "What to do (once per rule):"]
            for rule, name, hint in advice:
                lines += wrap(f"{rule} {name}: {hint}", ctx.width, "  ")
    skipped = skipped_lines(result)
    if skipped:
        lines += [""] + [line for s in skipped for line in wrap(s, ctx.width, "")]
    if ctx.command != "validate" and result.kpis is not None:
        from energyplan.render.base import rich_to_text
        from energyplan.render.kpi_table import build_kpi_view

        table = rich_to_text(build_kpi_view(result.kpis, result.currency, ctx.width, title="KPIs"),
                             width=ctx.width, color=False)
        lines += ["", *(row.rstrip() for row in table.rstrip("\n").split("\n"))]
    lines += ["", verdict(result, ctx.command)]
    return "\n".join(lines) + "\n"
