"""`energyplan diff`: what changed between two versions of a plan, and whether CI should care."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from energyplan.cli.common import (
    AsOfOpt,
    ConfigOpt,
    DebugOpt,
    FailOnOpt,
    IgnoreOpt,
    MaxFindingsOpt,
    MonthsOpt,
    OutputOpt,
    QuietOpt,
    SelectOpt,
    err,
    format_option,
    guard,
    parse_as_of,
)

BaseArg = Annotated[
    Path | None,
    typer.Argument(help="The BASE plan folder (or, with --git-ref, the plan folder to compare).",
                   show_default=False),
]
HeadArg = Annotated[
    Path | None, typer.Argument(help="The HEAD plan folder (the proposed version).", show_default=False)
]
GitRefOpt = Annotated[
    str | None,
    typer.Option("--git-ref", metavar="REF",
                 help="Compare the plan folder with itself at this git commit, branch or tag (no checkout).",
                 show_default=False),
]
FailIfOpt = Annotated[
    list[str] | None,
    typer.Option("--fail-if", metavar="KPI[@SITE]:±X[%]",
                 help="Exit 1 when a KPI moves past X: 'KPI:+X' when HEAD − BASE > X, 'KPI:-X' when "
                      "BASE − HEAD > X; '%' is relative to BASE; portfolio unless '@SITE' (repeatable).",
                 show_default=False),
]
FormatOpt = format_option("diff", "rich on a terminal, text otherwise")


def diff(
    base: BaseArg = None,
    head: HeadArg = None,
    git_ref: GitRefOpt = None,
    fail_if: FailIfOpt = None,
    fail_on: FailOnOpt = None,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    quiet: QuietOpt = False,
    config: ConfigOpt = None,
    as_of: AsOfOpt = None,
    select: SelectOpt = None,
    ignore: IgnoreOpt = None,
    max_findings: MaxFindingsOpt = 1000,
    months: MonthsOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Compare two versions of a plan: new, fixed and unchanged findings, and every KPI's change.

    Both versions are judged at the same date (HEAD's as_of).

    Exit 1 when a new finding is at or above --fail-on or a --fail-if threshold is crossed, 2 when it could not run.

    Examples:

      energyplan diff plans/q3 plans/q4 --fail-if "carbon_intensity_g_per_kwh:+5%"

      energyplan diff --git-ref origin/main plans/northwind --fail-if "headroom_mw@fra-1:-1" -f markdown
    """
    with guard(debug):
        code = _run(base, head, git_ref, fail_if or [], fail_on, fmt, output, quiet, config, as_of, select,
                    ignore, max_findings, months)
    raise typer.Exit(code)


def _run(base: Path | None, head: Path | None, git_ref: str | None, fail_if: list[str], fail_on: str | None,
         fmt: str | None, output: list[str] | None, quiet: bool, config: Path | None, as_of: str | None,
         select: list[str] | None, ignore: list[str] | None, max_findings: int, months: int | None = None) -> int:
    from energyplan import api
    from energyplan.errors import UsageError
    from energyplan.render.base import RenderContext
    from energyplan.render.emit import default_format, emit, split_values, targets

    chosen = targets("diff", fmt, output, default=default_format("rich", "text"))
    if git_ref is not None:
        if head is not None:
            raise UsageError("with --git-ref give one plan folder (compared with itself at REF), not two")
        base, head = None, base or Path(".")
    elif base is None or head is None:
        raise UsageError("give two plan folders, BASE and HEAD, or --git-ref REF [PLAN]")
    if not quiet:
        err(f"auditing BASE {git_ref or base} and HEAD {head}")
    result = api.diff(base, head, git_ref=git_ref, fail_if=fail_if, config=config, as_of=parse_as_of(as_of),
                      select=split_values(select), ignore=split_values(ignore), fail_on=fail_on,
                      max_findings=max_findings, months=months)
    emit("diff", chosen, result, RenderContext(command="diff", quiet=quiet), quiet=quiet, announce=err)
    return result.exit_code


def register(app: typer.Typer) -> None:
    """Add `diff`."""
    app.command("diff")(diff)
