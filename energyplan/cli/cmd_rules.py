"""`energyplan rules list|explain|check`: the rule catalog and user rule packs (list/explain load no pandas)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from energyplan.cli.common import ConfigOpt, DebugOpt, complete_rule_code, guard, stdout_is_terminal
from energyplan.errors import UsageError

if TYPE_CHECKING:
    from energyplan.model import RuleSpec

FORMATS = ("rich", "text", "json")

rules_app = typer.Typer(
    name="rules",
    help=(
        "The rule catalog: list the rules, explain one, check a rule pack of your own.\n\n"
        "Examples:  energyplan rules list  ·  energyplan rules explain EP501 --plan plans/q3  ·  "
        "energyplan rules check policies/"
    ),
    no_args_is_help=True,
)

FormatOpt = Annotated[
    str | None,
    typer.Option("--format", "-f", metavar="FMT",
                 help="rich (default on a terminal), text (default otherwise) or json.", show_default=False),
]
PlanOpt = Annotated[
    Path | None,
    typer.Option("--plan", help="Use this plan's energyplan.toml: its rule packs, severities and params.",
                 show_default=False),
]


def _format(value: str | None) -> str:
    fmt = value or ("rich" if stdout_is_terminal() else "text")
    if fmt not in FORMATS:
        from energyplan.ruleset.spec import did_you_mean

        raise UsageError(f"--format {fmt!r}: choose from {', '.join(FORMATS)}{did_you_mean(fmt, FORMATS)}")
    return fmt


def _catalog(plan: Path | None, config: Path | None) -> list[RuleSpec]:
    from energyplan.config import Settings, load_settings
    from energyplan.ruleset.spec import load_rules

    if plan is not None and not plan.is_dir():
        raise UsageError(f"--plan {plan}: no such plan folder")
    if plan is None and config is None:
        return load_rules(Settings())
    return load_rules(load_settings(plan or Path("."), config))


def _console() -> Any:
    from rich.console import Console

    # Rule prose quotes TOML tables such as [rules.params.EP502]: never read it as Rich markup.
    return Console(highlight=False, markup=False)


@rules_app.command("list")
def list_rules(
    fmt: FormatOpt = None,
    plan: PlanOpt = None,
    config: ConfigOpt = None,
    debug: DebugOpt = False,
) -> None:
    """List every rule: code, name, severity in force, summary.

    Example:  energyplan rules list --format json
    """
    with guard(debug):
        fmt = _format(fmt)
        specs = _catalog(plan, config)
        if fmt == "json":
            rows = [{"code": s.code, "name": s.name, "severity": s.severity.value, "table": s.table,
                     "summary": s.summary} for s in specs]
            sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        elif fmt == "text":
            width = max((len(s.name) for s in specs), default=0)
            for s in specs:
                sys.stdout.write(f"{s.code}  {s.name:<{width}}  {s.severity.value:<7}  {s.summary}\n")
        else:
            from rich.table import Table

            table = Table(title="energyplan rules", title_justify="left")
            for col in ("code", "name", "severity", "summary"):
                table.add_column(col, overflow="fold")
            for s in specs:
                table.add_row(s.code, s.name, s.severity.value, s.summary)
            _console().print(table)


@rules_app.command("explain")
def explain(
    code: Annotated[str, typer.Argument(metavar="RULE", help="A rule code or name, e.g. EP501 or thin-headroom.",
                                        show_default=False, autocompletion=complete_rule_code)],
    fmt: FormatOpt = None,
    plan: PlanOpt = None,
    config: ConfigOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Explain one rule: what it checks, why it matters, what to do, its parameters.

    With --plan (or --config), the parameters show the values in force for that plan.

    Example:  energyplan rules explain EP502 --plan plans/q3
    """
    with guard(debug):
        from energyplan.ruleset.docs import paragraphs, reports, rule_markdown
        from energyplan.ruleset.spec import did_you_mean

        fmt = _format(fmt)
        specs = {s.code: s for s in _catalog(plan, config)}
        # a rule's name (thin-headroom) works as well as its code: the name is what a report shows first
        by_name = {s.name.lower(): s.code for s in specs.values()}
        key = code.strip().upper()
        key = by_name.get(code.strip().lower().replace("_", "-").replace(" ", "-"), key)
        if key not in specs:
            hint = "" if key[2:].isdigit() else did_you_mean(code.strip().lower(), list(by_name))
            raise UsageError(f"no rule {code!r}{hint or did_you_mean(key, list(specs))}; `energyplan rules list` "
                             "lists them")
        spec = specs[key]
        in_force = plan is not None or config is not None
        if fmt == "json":
            doc = {
                "code": spec.code, "name": spec.name, "severity": spec.severity.value,
                "default_severity": spec.default_severity.value, "table": spec.table, "column": spec.column,
                "reports": reports(spec), "when": spec.when, "builtin": spec.builtin, "needs": list(spec.needs),
                "summary": spec.summary, "rationale": "\n\n".join(paragraphs(spec.rationale)),
                "remediation": "\n\n".join(paragraphs(spec.remediation)), "message": spec.message,
                "params": [{"name": p.name, "default": p.default, "value": p.value} for p in spec.params],
                "source": spec.source,
            }
            sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=2) + "\n")
        elif fmt == "text":
            sys.stdout.write(rule_markdown(spec, level=1, in_force=in_force))
        else:
            _explain_rich(spec, in_force)


def _explain_rich(spec: RuleSpec, in_force: bool) -> None:
    from rich.table import Table
    from rich.text import Text

    from energyplan.ruleset.docs import fires_when, paragraphs, param_rows, reports

    console = _console()
    console.print(Text(f"{spec.code} {spec.name}", style="bold"), Text(f"  [{spec.severity.value}]"))
    console.print(spec.summary)
    console.print(Text(f"Reports: {reports(spec)}\nFires when: {fires_when(spec).strip('`')}", style="dim"))
    for title, text in (("Why it matters", spec.rationale), ("What to do", spec.remediation)):
        console.print(Text(f"\n{title}", style="bold"))
        for para in paragraphs(text):
            console.print(para)
    console.print(Text("\nParameters", style="bold"))
    rows = param_rows(spec, in_force=in_force)
    if not rows:
        console.print("None.")
        return
    table = Table(show_edge=False)
    for col in ("name", "default", *(("in force",) if in_force else ())):
        table.add_column(col)
    for row in rows:
        table.add_row(*row)
    console.print(table)


@rules_app.command("check")
def check(
    paths: Annotated[list[Path], typer.Argument(metavar="PATH", help="Rule files or folders of *.toml rule files.",
                                                show_default=False)],
    debug: DebugOpt = False,
) -> None:
    """Validate a rule pack without running it: keys, the `when` language, templates and column names.

    Exit 0 when every rule is valid, 2 with the first error.

    Example:  energyplan rules check policies/
    """
    with guard(debug):
        from energyplan.ruleset.columns import check_columns
        from energyplan.ruleset.spec import builtin_rules, read_pack

        seen = {s.code: s.source for s in builtin_rules()}
        for path in paths:
            specs = read_pack(path)
            for spec in specs:
                if spec.code in seen and Path(seen[spec.code]).resolve() != Path(spec.source).resolve():
                    raise UsageError(f"{spec.source}: rule code {spec.code} is already defined in {seen[spec.code]}")
                seen[spec.code] = spec.source
            check_columns(specs)
            codes = ", ".join(s.code for s in specs)
            sys.stdout.write(f"{path}: {len(specs)} rule{'s' if len(specs) != 1 else ''} OK ({codes})\n")


def register(app: typer.Typer) -> None:
    """Add the `rules` command group to the app."""
    app.add_typer(rules_app, name="rules")
