"""`energyplan audit` and `energyplan validate`: options → `energyplan.api.audit/validate` → emit."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

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
    PlansArg,
    QuietOpt,
    SelectOpt,
    err,
    format_option,
    guard,
    parse_as_of,
    progress_for,
)

FormatOpt = format_option("audit", "rich on a terminal, text otherwise")
BaselineOpt = Annotated[
    Path | None,
    typer.Option("--baseline", metavar="FILE",
                 help="Findings recorded in this baseline are reported but do not fail the run.",
                 show_default=False),
]
WriteBaselineOpt = Annotated[
    str | None,  # the raw text: a trailing "/" (a folder) must reach check_output_path
    typer.Option("--write-baseline", metavar="FILE",
                 help="Record today's findings (by rule, table, record and column) as the baseline; exit 0.",
                 show_default=False),
]


def _run(command: str, plans: list[Path], fmt: str | None, output: list[str] | None, quiet: bool,
         config: Path | None, as_of: str | None, select: list[str] | None, ignore: list[str] | None,
         fail_on: str | None, max_findings: int, baseline: Path | None, write_baseline: str | None,
         months: int | None = None) -> int:
    from energyplan.api_many import find_plans
    from energyplan.atomic import check_output_path
    from energyplan.errors import UsageError
    from energyplan.render.emit import default_format, split_values, targets

    chosen = targets(command, fmt, output, default=default_format())
    # the raw text: a trailing "/" (a folder) is refused before anything runs
    baseline_out = check_output_path(write_baseline) if write_baseline is not None else None
    folders, several = find_plans(plans)
    options = {"select": split_values(select), "ignore": split_values(ignore), "baseline": baseline,
               "identities": write_baseline is not None, "months": months} if command == "audit" else {}
    if not several:
        return _run_one(command, folders[0], chosen, quiet, config, as_of, fail_on, max_findings, baseline_out,
                        options)
    if len(folders) > 1 and (baseline is not None or write_baseline is not None):
        flag = "--baseline" if baseline is not None else "--write-baseline"
        raise UsageError(f"{flag} needs a single plan, and {len(folders)} were given: a baseline belongs to one "
                         "plan; run the command once per plan")
    return _run_many(command, folders, chosen, quiet, config, as_of, fail_on, max_findings, baseline_out,
                     options)


def _context(command: str, plan: Path, result: Any, quiet: bool) -> dict[str, Any]:
    """Where a plan's paths point from: the repository root (SARIF, github), the cwd (text, rich)."""
    from energyplan.cli.common import config_uri, cwd_relative_prefix, repo_relative_prefix

    prefix = repo_relative_prefix(plan)
    return {"uri_prefix": prefix, "config_uri": config_uri(result.settings.source, plan, prefix),
            "path_prefix": cwd_relative_prefix(plan)}


def _run_one(command: str, plan: Path, chosen: list[Any], quiet: bool, config: Path | None, as_of: str | None,
             fail_on: str | None, max_findings: int, write_baseline: Path | None, options: dict[str, Any]) -> int:
    from energyplan import api
    from energyplan.render.base import RenderContext
    from energyplan.render.emit import emit

    with progress_for(quiet, plan) as prog:
        call = api.audit if command == "audit" else api.validate
        result = call(plan, config=config, as_of=parse_as_of(as_of), fail_on=fail_on, max_findings=max_findings,
                      progress=prog, **options)  # type: ignore[operator]
    ctx = RenderContext(command=command, quiet=quiet, baseline_used=result.baseline_used,
                        as_of_today=result.settings.as_of is None, **_context(command, plan, result, quiet))
    emit(command, chosen, result.outcome, ctx, quiet=quiet, announce=err)
    if write_baseline is not None:
        from energyplan.baseline import write_baseline as save_baseline

        ids = result.identities or []
        save_baseline(write_baseline, ids, plan=str(plan), as_of=result.as_of.isoformat())
        if not quiet:
            err(f"wrote baseline of {len(ids):,} findings to {write_baseline}")
        return 0  # recording a baseline is the point of the run: its findings are accepted
    return result.exit_code


def _run_many(command: str, plans: list[Path], chosen: list[Any], quiet: bool, config: Path | None,
              as_of: str | None, fail_on: str | None, max_findings: int, write_baseline: Path | None,
              options: dict[str, Any]) -> int:
    from energyplan.api_many import audit_many
    from energyplan.render.base import RenderContext
    from energyplan.render.emit import emit

    with progress_for(quiet) as prog:
        run = audit_many(plans, config=config, as_of=parse_as_of(as_of), fail_on=fail_on, max_findings=max_findings,
                         progress=prog, command=command, **options)
    payload = run.payload([_context(command, p, r, quiet) for p, r in zip(run.plans, run.results, strict=True)])
    emit("audit-many", chosen, payload, RenderContext(command=command, quiet=quiet), quiet=quiet, announce=err)
    if write_baseline is not None:  # one plan found under the folder given
        from energyplan.baseline import write_baseline as save_baseline

        ids = run.results[0].identities or []
        save_baseline(write_baseline, ids, plan=str(run.plans[0]), as_of=run.results[0].as_of.isoformat())
        if not quiet:
            err(f"wrote baseline of {len(ids):,} findings to {write_baseline}")
        return 0
    return run.exit_code


def audit(
    plan: PlansArg,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    quiet: QuietOpt = False,
    config: ConfigOpt = None,
    as_of: AsOfOpt = None,
    select: SelectOpt = None,
    ignore: IgnoreOpt = None,
    fail_on: FailOnOpt = None,
    max_findings: MaxFindingsOpt = 1000,
    baseline: BaselineOpt = None,
    write_baseline: WriteBaselineOpt = None,
    months: MonthsOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Validate a plan, run the anti-pattern rules and compute the KPIs.

    Exit 0 when nothing is at or above --fail-on, 1 when something is, 2 when it could not run.

    Examples:

      energyplan audit sample_data/northwind

      energyplan audit plans/q4 --format github -o energyplan.sarif -o markdown=summary.md

      energyplan audit plans/          (every plan under plans/; exit code of the worst)
    """
    with guard(debug):
        code = _run("audit", plan, fmt, output, quiet, config, as_of, select, ignore, fail_on, max_findings,
                    baseline, write_baseline, months)
    raise typer.Exit(code)


def validate(
    plan: PlansArg,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    quiet: QuietOpt = False,
    config: ConfigOpt = None,
    as_of: AsOfOpt = None,
    fail_on: FailOnOpt = None,
    max_findings: MaxFindingsOpt = 1000,
    debug: DebugOpt = False,
) -> None:
    """Check a plan's tables against the plan format and its references, nothing more.

    Example:

      energyplan validate sample_data/broken --format json
    """
    with guard(debug):
        code = _run("validate", plan, fmt, output, quiet, config, as_of, None, None, fail_on, max_findings,
                    None, None)
    raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    """Add `audit` and `validate`."""
    app.command("audit")(audit)
    app.command("validate")(validate)
