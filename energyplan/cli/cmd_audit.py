"""`energyplan audit` and `energyplan validate`: run the pipeline, render, write outputs, exit."""

from __future__ import annotations

import os
import sys
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
    OutputOpt,
    PlanArg,
    QuietOpt,
    SelectOpt,
    check_plan_dir,
    err,
    guard,
    parse_as_of,
    parse_outputs,
    plain_output_given,
    stdout_is_terminal,
    write_atomic,
)

# Kept in step with energyplan.render.FORMATS (a test checks): importing that module here would be
# cheap, but the literal keeps `--help` independent of the render package.
FORMAT_CHOICES = ("rich", "text", "json", "sarif", "junit", "github", "markdown")

FormatOpt = Annotated[
    str | None,
    typer.Option("--format", "-f", metavar="FORMAT",
                 help="Output on stdout: rich (default on a terminal), text (default otherwise), json, sarif, "
                      "junit, github or markdown.",
                 show_default=False),
]
BaselineOpt = Annotated[
    Path | None,
    typer.Option("--baseline", metavar="FILE",
                 help="Findings recorded in this baseline are reported but do not fail the run.",
                 show_default=False),
]
WriteBaselineOpt = Annotated[
    Path | None,
    typer.Option("--write-baseline", metavar="FILE",
                 help="Record today's findings (by rule, table, record and column) as the baseline.",
                 show_default=False),
]


def _run(
    command: str,
    plan: Path,
    fmt: str | None,
    output: list[str] | None,
    quiet: bool,
    config: Path | None,
    as_of: str | None,
    select: list[str] | None,
    ignore: list[str] | None,
    fail_on: str | None,
    max_findings: int,
    baseline: Path | None,
    write_baseline: Path | None,
) -> int:
    from energyplan.config import load_settings

    check_plan_dir(plan)
    if fmt is not None and fmt not in FORMAT_CHOICES:
        from energyplan.errors import UsageError

        raise UsageError(f"unknown --format {fmt!r}; choose from {', '.join(FORMAT_CHOICES)}")
    fmt = fmt or ("rich" if stdout_is_terminal() else "text")
    outputs = parse_outputs(output, fmt, FORMAT_CHOICES)
    settings = load_settings(plan, config).with_overrides(
        as_of=parse_as_of(as_of), select=select, ignore=ignore, fail_on=fail_on
    )

    from energyplan.baseline import read_baseline
    from energyplan.baseline import write_baseline as save_baseline
    from energyplan.cli.progress import progress
    from energyplan.pipeline import run_audit
    from energyplan.render import formatter
    from energyplan.render.base import RenderContext

    known = read_baseline(baseline) if baseline is not None else None
    with progress(sys.stderr.isatty() and not quiet) as prog:
        result, identities = run_audit(
            plan,
            settings,
            command=command,
            baseline=known,
            max_findings=max_findings,
            want_identities=write_baseline is not None,
            progress=prog,
        )
    base_ctx = {
        "command": command,
        "quiet": quiet,
        "uri_prefix": result.repo_relative_prefix,
        "baseline_used": known is not None,
        "config_uri": _config_uri(settings.source, plan, result.repo_relative_prefix),
    }
    to_stdout = not plain_output_given(output, FORMAT_CHOICES)
    for out_fmt, path in outputs:
        write_atomic(path, formatter(out_fmt).render(result, RenderContext(**base_ctx, color=False)))
        if not quiet:
            err(f"wrote {out_fmt} to {path}")
    if to_stdout:
        color = stdout_is_terminal() and "NO_COLOR" not in os.environ
        width = _terminal_width()
        sys.stdout.write(formatter(fmt).render(result, RenderContext(**base_ctx, color=color, width=width)))
        sys.stdout.flush()
    # Side effects of a format (github appends the markdown report to $GITHUB_STEP_SUMMARY) happen
    # once per run, however many outputs use that format.
    for used in sorted({fmt if to_stdout else None, *(f for f, _ in outputs)} - {None}):
        after = getattr(formatter(used), "after_render", None)
        if after is not None:
            after(result, RenderContext(**base_ctx))
    if write_baseline is not None:
        save_baseline(write_baseline, identities or [], plan=str(plan), as_of=result.as_of.isoformat())
        if not quiet:
            err(f"wrote baseline of {len(identities or []):,} findings to {write_baseline}")
    return result.exit_code


def _config_uri(source: Path | None, plan: Path, prefix: str) -> str | None:
    """Where findings without a file (stale waivers) point in SARIF/github: the config actually read."""
    if source is None:
        return None
    try:
        rel = os.path.relpath(source.resolve(), plan.resolve())
    except ValueError:
        return None
    return None if rel.startswith("..") else prefix + rel.replace(os.sep, "/")


def _terminal_width() -> int:
    import shutil

    return max(60, min(shutil.get_terminal_size((100, 24)).columns, 200))


def audit(
    plan: PlanArg,
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
    debug: DebugOpt = False,
) -> None:
    """Validate a plan, run the anti-pattern rules and compute the KPIs.

    Exit 0 when nothing is at or above --fail-on, 1 when something is, 2 when it could not run.

    Examples:

      energyplan audit sample_data/northwind

      energyplan audit plans/ --format github -o sarif=energyplan.sarif -o markdown=summary.md
    """
    with guard(debug):
        code = _run("audit", plan, fmt, output, quiet, config, as_of, select, ignore, fail_on, max_findings,
                    baseline, write_baseline)
    raise typer.Exit(code)


def validate(
    plan: PlanArg,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    quiet: QuietOpt = False,
    config: ConfigOpt = None,
    as_of: AsOfOpt = None,
    fail_on: FailOnOpt = None,
    max_findings: MaxFindingsOpt = 1000,
    debug: DebugOpt = False,
) -> None:
    """Check a plan's tables against the plan format and its references (EP000–EP003), nothing more.

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
