"""Plain text for logs: one `file:line: CODE [severity] message` line a finding, then the verdict."""

from __future__ import annotations

from energyplan.model import AuditOutcome, Finding
from energyplan.render.base import RenderContext, cell_ref, listing_order, status_note, verdict


def finding_line(f: Finding) -> str:
    """`commitments.csv:4: EP101 [error] message`; `sites.parquet: … (row 3)` without a line;
    just `EP004 [info] …` for a finding at no file. Newlines in a message are flattened so that one
    finding stays one line (grep and editors read `file:line:` prefixes)."""
    ref = cell_ref(f)
    if f.file is None:
        where = ""
    elif ref is not None:
        where = f"{f.file}:{ref}: "  # `plan.xlsx:workloads!F12:`; the cell says the row
    elif f.line is not None:
        where = f"{f.file}:{f.line}: "
    else:
        where = f"{f.file}: "
    message = " ".join(f.message.splitlines())
    tail = f" (row {f.row})" if f.file is not None and ref is None and f.line is None and f.row is not None else ""
    note = status_note(f)
    mark = f" [{' '.join(note.splitlines())}]" if note else ""
    return f"{where}{f.rule} [{f.severity.value}] {message}{tail}{mark}"


def render(result: AuditOutcome, ctx: RenderContext) -> str:
    lines = [] if ctx.quiet else [finding_line(f) for f in listing_order(result.findings)]
    if not ctx.quiet:
        lines += [f"skipped {s['rule']}: {s['reason']}" for s in result.skipped_rules]
    lines.append(verdict(result, ctx.command))
    return "\n".join(lines) + "\n"
