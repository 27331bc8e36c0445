"""`energyplan diff`: what changed between two versions of a plan, and whether CI should care."""

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

DIFF_FORMATS = ("rich", "json", "markdown")

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
FormatOpt = Annotated[
    str | None,
    typer.Option("--format", "-f", metavar="FORMAT", help="Output on stdout: rich (default), json or markdown.",
                 show_default=False),
]


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
                    ignore, max_findings)
    raise typer.Exit(code)


def _run(base: Path | None, head: Path | None, git_ref: str | None, fail_if: list[str], fail_on: str | None,
         fmt: str | None, output: list[str] | None, quiet: bool, config: Path | None, as_of: str | None,
         select: list[str] | None, ignore: list[str] | None, max_findings: int) -> int:
    import tempfile

    from energyplan import __version__
    from energyplan.config import load_settings
    from energyplan.diff import PlanDiff, check_thresholds, kpi_changes, parse_threshold, plan_at_ref
    from energyplan.errors import UsageError

    if fmt is not None and fmt not in DIFF_FORMATS:
        raise UsageError(f"unknown --format {fmt!r}; diff writes {', '.join(DIFF_FORMATS)}")
    fmt = fmt or "rich"
    outputs = parse_outputs(output, fmt, DIFF_FORMATS)
    thresholds = [parse_threshold(spec) for spec in fail_if]  # fail fast, before any audit runs
    date = parse_as_of(as_of)
    with tempfile.TemporaryDirectory(prefix="energyplan-diff-") as tmp:
        if git_ref is not None:
            if head is not None:
                raise UsageError("with --git-ref give one plan folder (compared with itself at REF), not two")
            head = check_plan_dir(base or Path("."))
            base, base_label = plan_at_ref(git_ref, head, Path(tmp))
            if base is None:  # the lead's pipeline turns this into an empty BASE (issue 13 item 9)
                raise UsageError(f"plan folder {base_label} does not exist at {git_ref}")
        elif base is None or head is None:
            raise UsageError("give two plan folders, BASE and HEAD, or --git-ref REF [PLAN]")
        else:
            check_plan_dir(base)
            check_plan_dir(head)
            base_label = str(base)
        head_settings = load_settings(head, config).with_overrides(
            as_of=date, select=select, ignore=ignore, fail_on=fail_on)
        # Both versions at one date: a KPI must not move just because BASE's config pins another as_of.
        when = head_settings.resolved_as_of()
        head_settings = head_settings.with_overrides(as_of=when)
        base_settings = load_settings(base, config).with_overrides(
            as_of=when, select=select, ignore=ignore, fail_on=head_settings.rules.fail_on)
        from energyplan.pipeline import run_audit

        if not quiet:
            err(f"auditing BASE {base_label} and HEAD {head} as of {when.isoformat()}")
        base_result, base_ids = run_audit(base, base_settings, command="audit", baseline=None,
                                          max_findings=max_findings, want_identities=True)
        known = set(base_ids or [])
        # BASE's findings as HEAD's baseline: the collector then marks unchanged ones, lists BASE's
        # fixed ones and counts only new findings towards fail-on, exactly and vectorized.
        head_result, _ = run_audit(head, head_settings, command="audit", baseline=known,
                                   max_findings=max_findings, want_identities=False)
    changes = kpi_changes(base_result.kpis, head_result.kpis)
    result = PlanDiff(base_result, head_result, base_label, str(head), known, changes,
                      check_thresholds(thresholds, changes))
    to_stdout = not plain_output_given(output, DIFF_FORMATS)
    for out_fmt, path in outputs:
        write_atomic(path, _render(out_fmt, result, __version__, color=False, width=100, quiet=quiet))
        if not quiet:
            err(f"wrote {out_fmt} to {path}")
    if to_stdout:
        color = stdout_is_terminal() and "NO_COLOR" not in os.environ
        width = max(60, min(_terminal_width(), 200))
        sys.stdout.write(_render(fmt, result, __version__, color=color, width=width, quiet=quiet))
        sys.stdout.flush()
    return result.exit_code


def _render(fmt: str, result, version: str, *, color: bool, width: int, quiet: bool) -> str:
    from energyplan.diff import render_json, render_markdown, render_rich

    if fmt == "json":
        return render_json(result, version)
    if fmt == "markdown":
        return render_markdown(result)
    return render_rich(result, color=color, width=width, quiet=quiet)


def _terminal_width() -> int:
    import shutil

    return shutil.get_terminal_size((100, 24)).columns


def register(app: typer.Typer) -> None:
    """Add `diff`."""
    app.command("diff")(diff)
