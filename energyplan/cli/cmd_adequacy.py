"""`energyplan adequacy`: last year's hours replayed against the plan: options → `energyplan.api.adequacy` → emit."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from energyplan.cli.common import (
    AsOfOpt,
    ConfigOpt,
    DebugOpt,
    OutputOpt,
    PlanArg,
    err,
    format_option,
    guard,
    parse_as_of,
    progress_for,
)

QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No \"wrote …\" lines on stderr.")]
FailOnOpt = Annotated[
    str | None,
    typer.Option("--fail-on", metavar="LEVEL",
                 help="never: write the replay even when the plan has data-integrity errors "
                      "(error, warning, info: exit 1 on them, the default).",
                 show_default=False),
]
SiteOpt = Annotated[
    list[str] | None,
    typer.Option("--site", metavar="SITE_ID", help="Only this site (repeatable, or a comma list); the portfolio "
                 "stays.", show_default=False),
]
HourlyOpt = Annotated[
    Path | None,
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
    fail_on: FailOnOpt = None,
    quiet: QuietOpt = False,
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


def _run(plan: Path, fmt: str | None, output: list[str] | None, sites: list[str] | None, hourly: Path | None,
         fail_on: str | None, quiet: bool, config: Path | None, as_of: str | None) -> int:
    from energyplan import api
    from energyplan.atomic import check_output_path
    from energyplan.cli.common import refuse_untrustworthy
    from energyplan.render.base import RenderContext
    from energyplan.render.emit import default_format, emit, split_values, targets

    chosen = targets("adequacy", fmt, output, default=default_format("rich", "text"))
    if hourly is not None:
        check_output_path(str(hourly))
    with progress_for(quiet) as prog:
        result = api.adequacy(plan, config=config, as_of=parse_as_of(as_of), sites=split_values(sites),
                              progress=prog)
    if refuse_untrustworthy(plan, result.integrity_errors, fail_on or result.run.settings.rules.fail_on,
                            "replay"):
        return 1
    emit("adequacy", chosen, result, RenderContext(command="adequacy", quiet=quiet), quiet=quiet, announce=err)
    if hourly is not None:
        from energyplan.atomic import write_atomic
        from energyplan.render.adequacy_out import hourly_parquet

        write_atomic(hourly, hourly_parquet(result))
        if not quiet:
            err(f"wrote the hourly series to {hourly}")
    return 0


def register(app: typer.Typer) -> None:
    """Add `adequacy`."""
    app.command("adequacy")(adequacy)
