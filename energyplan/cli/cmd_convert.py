"""`energyplan convert PLAN --to csv|parquet|xlsx OUT`: the same plan in another form, validated first."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from energyplan.cli.common import ConfigOpt, DebugOpt, PlanArg, err, guard
from energyplan.convert import FORMATS  # (a light module: the data stack loads inside its functions)

_SHOWN = 10  # integrity findings printed when convert refuses


def _complete_format(incomplete: str) -> list[str]:
    return [f for f in FORMATS if f.startswith(incomplete.lower())]


def convert_command(
    plan: PlanArg,
    out: Annotated[Path, typer.Argument(metavar="OUT", help="The new plan folder: must not exist, or be empty.",
                                        show_default=False)],
    to: Annotated[str, typer.Option("--to", metavar="FORMAT", help="csv, parquet (typed) or xlsx (one sheet a "
                                    "table).", show_default=False, autocompletion=_complete_format)],
    force: Annotated[bool, typer.Option("--force", help="Convert even when the plan has data-integrity errors "
                                        "(EP000–EP003); failing cells are kept as written.")] = False,
    config: ConfigOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Write the plan in another form: CSV tables, typed Parquet tables, or one Excel workbook.

    The plan is validated first: with data-integrity errors nothing is written (exit 1) unless --force.
    Every table and column is kept, the user's own columns too, and energyplan.toml is copied. OUT is
    written whole or not at all.

    Examples:  energyplan convert plans/q3 --to xlsx plans/q3-book  ·  energyplan convert book --to csv q3
    """
    with guard(debug):
        from energyplan import api
        from energyplan.convert import convert_plan
        from energyplan.errors import UsageError
        from energyplan.render.text import finding_line
        from energyplan.ruleset.builtins import is_integrity
        from energyplan.suggest import did_you_mean

        if to not in FORMATS:
            raise UsageError(f"--to {to!r}: choose from {', '.join(FORMATS)}{did_you_mean(to.lower(), FORMATS)}")
        result = api.validate(plan, config=config, fail_on="error", max_findings=_SHOWN)
        specs = {s.code: s for s in result.outcome.rules}
        errors = [f for f in result.outcome.findings if f.severity.value == "error" and not f.waived
                  and f.rule in specs and is_integrity(specs[f.rule])]
        if errors and not force:
            for f in errors[:_SHOWN]:
                err(finding_line(f))
            err(f"energyplan: {plan} has data-integrity errors ({', '.join(sorted({f.rule for f in errors}))}); "
                f"nothing was written. Fix them (`energyplan validate {plan}`), or pass --force to convert the "
                "plan as it is.")
            raise typer.Exit(1)
        done = convert_plan(plan, to, out)
        err(f"wrote {out}: {', '.join(done.files)} ({len(done.tables)} tables)")
        if done.missing:
            err(f"energyplan: not converted, as they could not be read: {', '.join(done.missing)} (see "
                f"`energyplan validate {plan}`)")


def register(app: typer.Typer) -> None:
    """Add `convert` to the app."""
    app.command("convert")(convert_command)
