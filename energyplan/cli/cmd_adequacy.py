"""`energyplan adequacy`: last year's hours replayed against the plan: options → `energyplan.api.adequacy` → emit."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from energyplan.cli.common import (
    AsOfOpt,
    ConfigOpt,
    DebugOpt,
    NumbersFailOnOpt,
    OutputOpt,
    PlanArg,
    SiteOpt,
    WroteQuietOpt,
    err,
    format_option,
    guard,
    parse_as_of,
    progress_for,
)

HourlyOpt = Annotated[
    str | None,  # the raw text: a trailing "/" (a folder) must reach check_output_path
    typer.Option("--hourly", metavar="FILE.parquet",
                 help="Also write the hourly series (load, served, clean generation, grid, battery, SOC, "
                      "unserved, curtailed, CFE, emissions) of the chosen sites to this Parquet file.",
                 show_default=False),
]
FormatOpt = format_option("adequacy", "rich on a terminal, text otherwise; parquet needs -o FILE or a pipe")


def adequacy(
    plan: PlanArg,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    site: SiteOpt = None,
    hourly: HourlyOpt = None,
    fail_on: NumbersFailOnOpt = None,
    quiet: WroteQuietOpt = False,
    config: ConfigOpt = None,
    as_of: AsOfOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Replay last year hour by hour: would the sensitive load have been carried, and the 24/7 CFE score.

    The 365 days before --as-of are replayed against the plan as it stands: the workloads and signed
    contracts active on --as-of, last year's grid events from the incidents table, the hourly profiles
    of PPAs and grid carbon. Per site: unserved sensitive energy and the events behind it, curtailed
    tolerant energy, battery cycles, the carbon-free share hour by hour and hourly vs annual carbon.

    Exit 1, writing nothing, when the plan has data-integrity errors, unless --fail-on never.

    Examples:

      energyplan adequacy sample_data/northwind

      energyplan adequacy plan/ --site fra-dc1 --hourly fra-dc1-hours.parquet --format json
    """
    with guard(debug):
        code = _run(plan, fmt, output, site, hourly, fail_on, quiet, config, as_of)
    raise typer.Exit(code)


def _run(plan: Path, fmt: str | None, output: list[str] | None, sites: list[str] | None, hourly: str | None,
         fail_on: str | None, quiet: bool, config: Path | None, as_of: str | None) -> int:
    from energyplan import api
    from energyplan.atomic import check_output_path
    from energyplan.cli.common import emit_numbers
    from energyplan.render.emit import default_format, split_values, targets

    chosen = targets("adequacy", fmt, output, default=default_format("rich", "text"))
    hourly_path = check_output_path(hourly) if hourly is not None else None
    with progress_for(quiet, plan) as prog:
        result = api.adequacy(plan, config=config, as_of=parse_as_of(as_of), sites=split_values(sites),
                              progress=prog)
    if not emit_numbers("adequacy", "replay", plan, chosen, result, fail_on, quiet):
        return 1
    if hourly_path is not None:
        from energyplan.atomic import write_atomic
        from energyplan.render.adequacy_out import hourly_parquet

        write_atomic(hourly_path, hourly_parquet(result))
        if not quiet:
            err(f"wrote the hourly series to {hourly_path}")
    return 0


def register(app: typer.Typer) -> None:
    """Add `adequacy`."""
    app.command("adequacy")(adequacy)
