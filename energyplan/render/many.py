"""Several plans in one run: every audit format over a `PlanSet`, each plan rendered by its own format's
renderer with its own paths, plus one summary line a plan and a total (outputs.md "Several plans")."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace

from energyplan.model import AuditOutcome
from energyplan.render.base import TOOL_NAME, RenderContext, plural, severity_counts


@dataclass(frozen=True)
class PlanEntry:
    """One plan's outcome and where its paths point from (as a single plan's RenderContext has them)."""

    outcome: AuditOutcome
    uri_prefix: str = ""
    config_uri: str | None = None
    path_prefix: str = ""
    baseline_used: bool = False
    as_of_today: bool = False


@dataclass(frozen=True)
class PlanSet:
    entries: list[PlanEntry]

    @property
    def exit_code(self) -> int:
        return max((e.outcome.exit_code for e in self.entries), default=0)


def _ctx(entry: PlanEntry, ctx: RenderContext) -> RenderContext:
    return replace(ctx, uri_prefix=entry.uri_prefix, config_uri=entry.config_uri, path_prefix=entry.path_prefix,
                   baseline_used=entry.baseline_used, as_of_today=entry.as_of_today)


def summary_lines(plans: PlanSet, command: str = "audit") -> list[str]:
    """One line a plan (PASS/FAIL, counts, plan) and the total, the last line of every human format."""
    lines = []
    totals = {"error": 0, "warning": 0, "info": 0}
    for e in plans.entries:
        o = e.outcome
        for sev in totals:
            totals[sev] += o.counts.get(sev, 0)
        lines.append(f"{'FAIL' if o.failing else 'PASS'} {o.plan}: {severity_counts(o)}"
                     + (f"; {o.waived:,} waived" if o.waived else ""))
    failing = sum(1 for e in plans.entries if e.outcome.failing)
    n = len(plans.entries)
    head = "FAIL" if failing else "PASS"
    total = AuditOutcome(plan="", as_of=plans.entries[0].outcome.as_of, currency="", counts=totals) if n else None
    counts = severity_counts(total) if total is not None else "no plan"
    lines.append(f"energyplan {command}: {head} ({failing:,} of {plural(n, 'plan')} failing): {counts} in total")
    return lines


# ---- machine formats -----------------------------------------------------------------------------


def render_json(plans: PlanSet, ctx: RenderContext) -> str:
    """`{"schema_version", "tool", "plans": [<one plan's audit object>, …]}`, each plan's object written
    exactly as alone (one finding a line), indented one level."""
    from energyplan.render.json_out import SCHEMA_VERSION, to_document, write_document

    head = {"schema_version": SCHEMA_VERSION, "tool": {"name": TOOL_NAME, "version": ctx.tool_version}}
    docs = [write_document(to_document(e.outcome, _ctx(e, ctx))).rstrip("\n") for e in plans.entries]
    body = ",\n".join("\n".join("    " + line for line in doc.split("\n")) for doc in docs)
    lines = ["{", *(f"  {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}," for k, v in head.items())]
    return "\n".join(lines) + '\n  "plans": [\n' + body + ("\n" if body else "") + "  ]\n}\n"


def render_sarif(plans: PlanSet, ctx: RenderContext) -> str:
    """One SARIF log, one `run` a plan (GitHub code scanning accepts several runs of one tool)."""
    from energyplan.render.sarif import SARIF_SCHEMA, to_document

    runs = [to_document(e.outcome, _ctx(e, ctx))["runs"][0] for e in plans.entries]
    return json.dumps({"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": runs}, ensure_ascii=False,
                      indent=2) + "\n"


def render_junit(plans: PlanSet, ctx: RenderContext) -> str:
    """One testsuites document; each plan's suites named `<plan>: EP101 name`, ids running on."""
    import xml.etree.ElementTree as ET

    from energyplan.render.junit import add_suites, to_xml

    root = ET.Element("testsuites")
    next_id = 0
    for e in plans.entries:
        next_id = add_suites(root, e.outcome, _ctx(e, ctx), plan_label=f"{e.outcome.plan}: ", first_id=next_id)
    return to_xml(root)


# ---- human formats: each plan in turn, then the summary ------------------------------------------


def each(fmt: str, plans: PlanSet, ctx: RenderContext) -> list[str]:
    from energyplan.render import render

    return [str(render("audit", fmt, e.outcome, _ctx(e, ctx))) for e in plans.entries]


def render_text(plans: PlanSet, ctx: RenderContext) -> str:
    rule = "=" * min(ctx.width, 80)
    parts = [] if ctx.quiet else [f"{rule}\n{part}" for part in each("text", plans, ctx)]
    return "\n".join([*parts, *summary_lines(plans, ctx.command)]) + "\n"


def render_rich(plans: PlanSet, ctx: RenderContext) -> str:
    from rich.rule import Rule
    from rich.text import Text

    from energyplan.render.base import rich_to_text

    out = []
    if not ctx.quiet:
        for e, part in zip(plans.entries, each("rich", plans, ctx), strict=True):
            out.append(rich_to_text(Rule(Text(e.outcome.plan, style="bold")), width=ctx.width, color=ctx.color))
            out.append(part)
    lines = summary_lines(plans, ctx.command)
    summary = Text("\n".join(lines), style="bold red" if plans.exit_code else "bold green")
    out.append(rich_to_text(summary, width=ctx.width, color=ctx.color))
    return "".join(out)


def render_markdown(plans: PlanSet, ctx: RenderContext) -> str:
    from energyplan.render.markdown import cell

    lines = summary_lines(plans, ctx.command)
    head = ["## energyplan: several plans", "", "| plan | verdict |", "| --- | --- |"]
    head += [f"| {cell(e.outcome.plan)} | {cell(line)} |" for e, line in zip(plans.entries, lines, strict=False)]
    head += ["", cell(lines[-1]), ""]
    return "\n".join(head) + "\n" + "\n".join(each("markdown", plans, ctx))
