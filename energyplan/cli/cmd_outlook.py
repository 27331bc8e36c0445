"""`energyplan outlook`: the plan month by month over its horizon: options → `energyplan.api.outlook` → emit."""

from __future__ import annotations

from pathlib import Path

import typer

from energyplan.cli.common import (
    AsOfOpt,
    ConfigOpt,
    DebugOpt,
    MonthsOpt,
    NumbersFailOnOpt,
    OutputOpt,
    PlanArg,
    SiteOpt,
    WroteQuietOpt,
    format_option,
    guard,
    parse_as_of,
    progress_for,
)

FormatOpt = format_option("outlook", "rich on a terminal, text otherwise; parquet needs -o FILE or a pipe")


def outlook(
    plan: PlanArg,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    months: MonthsOpt = None,
    site: SiteOpt = None,
    fail_on: NumbersFailOnOpt = None,
    quiet: WroteQuietOpt = False,
    config: ConfigOpt = None,
    as_of: AsOfOpt = None,
    debug: DebugOpt = False,
) -> None:
    """The plan month by month: when demand outruns firm supply, carbon against its pathway, cost per GPU-hour.

    Per non-cloud site, peak demand against firm supply for every month of the horizon (default 36 months
    from --as-of, or [outlook] months), then the portfolio's carbon intensity against the pathway and the
    marginal GPU-hour cost by month.

    Exit 1, writing nothing, when the plan has data-integrity errors, unless --fail-on never.

    Examples:

      energyplan outlook sample_data/northwind

      energyplan outlook plan/ --months 60 --site fra-dc1 --format text

      energyplan outlook plan/ -o outlook.parquet
    """
    with guard(debug):
        code = _run(plan, fmt, output, months, site, fail_on, quiet, config, as_of)
    raise typer.Exit(code)


def _run(plan: Path, fmt: str | None, output: list[str] | None, months: int | None, sites: list[str] | None,
         fail_on: str | None, quiet: bool, config: Path | None, as_of: str | None) -> int:
    from energyplan import api
    from energyplan.cli.common import emit_numbers
    from energyplan.render.emit import default_format, split_values, targets

    chosen = targets("outlook", fmt, output, default=default_format("rich", "text"))
    with progress_for(quiet, plan) as prog:
        result = api.outlook(plan, config=config, as_of=parse_as_of(as_of), months=months,
                             sites=split_values(sites), progress=prog)
    return 0 if emit_numbers("outlook", "outlook", plan, chosen, result, fail_on, quiet) else 1


def register(app: typer.Typer) -> None:
    """Add `outlook`."""
    app.command("outlook")(outlook)
