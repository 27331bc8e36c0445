"""`energyplan kpi` (the shared KPIs, snapshots) and `energyplan trend` (their trajectory): options → API → emit."""

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

SnapshotDirOpt = Annotated[
    Path | None,
    typer.Option("--snapshot-dir", metavar="DIR",
                 help="Also write a Parquet snapshot to DIR/snapshot_date=YYYY-MM-DD/<plan>.parquet "
                      "(same date again replaces it); read it back with `energyplan trend DIR`.",
                 show_default=False),
]
NameOpt = Annotated[
    str | None,
    typer.Option("--name", metavar="NAME", help="The plan's name in the snapshot (its file name and `plan` "
                 "column; default: the plan folder's name).", show_default=False),
]
KpiFormatOpt = format_option("kpi", "rich on a terminal, json otherwise; parquet needs -o FILE or a pipe")
TrendFormatOpt = format_option("trend", "rich on a terminal, json otherwise")


def kpi(
    plan: PlanArg,
    fmt: KpiFormatOpt = None,
    output: OutputOpt = None,
    site: SiteOpt = None,
    snapshot_dir: SnapshotDirOpt = None,
    name: NameOpt = None,
    fail_on: NumbersFailOnOpt = None,
    quiet: WroteQuietOpt = False,
    config: ConfigOpt = None,
    as_of: AsOfOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Compute the four shared IT-energy KPIs per site and for the portfolio.

    Effective MW availability, marginal GPU-hour cost, carbon intensity and energy incidents at --as-of.

    Exit 1, writing nothing, when the plan has data-integrity errors, unless --fail-on never.

    Examples:

      energyplan kpi sample_data/northwind

      energyplan kpi plan/ --format json --site fra-1 > kpis.json

      energyplan kpi plan/ -o kpis.parquet --snapshot-dir snapshots/
    """
    with guard(debug):
        code = _run_kpi(plan, fmt, output, site, snapshot_dir, name, fail_on, quiet, config, as_of)
    raise typer.Exit(code)


def _run_kpi(plan: Path, fmt: str | None, output: list[str] | None, sites: list[str] | None,
             snapshot_dir: Path | None, name: str | None, fail_on: str | None, quiet: bool, config: Path | None,
             as_of: str | None) -> int:
    from energyplan import api
    from energyplan.cli.common import emit_numbers
    from energyplan.render.emit import default_format, split_values, stdout_is_terminal, targets

    chosen = targets("kpi", fmt, output, default=default_format("rich", "json"))
    if snapshot_dir is not None and fmt is None and not stdout_is_terminal():
        # a scheduled snapshot job logs one "wrote …" line, not the whole JSON
        chosen = [t for t in chosen if t.path is not None]
    with progress_for(quiet, plan) as prog:
        result = api.kpis(plan, config=config, as_of=parse_as_of(as_of), sites=split_values(sites), progress=prog)
    if not emit_numbers("kpi", "KPIs", plan, chosen, result, fail_on, quiet):
        return 1
    if snapshot_dir is not None:
        from energyplan.snapshots import write_snapshot

        target = write_snapshot(result, snapshot_dir, name=name)
        if not quiet:
            err(f"wrote snapshot to {target}")
    return 0


def trend(
    directory: Annotated[Path, typer.Argument(metavar="SNAPSHOTS",
                                              help="A snapshot folder written by `kpi --snapshot-dir`, or one "
                                                   "snapshot file.",
                                              show_default=False)],
    fmt: TrendFormatOpt = None,
    output: OutputOpt = None,
    plan: Annotated[list[str] | None, typer.Option("--plan", metavar="NAME",
                                                   help="Only this plan (repeatable, or a comma list).",
                                                   show_default=False)] = None,
    kpi_names: Annotated[list[str] | None, typer.Option("--kpi", metavar="NAME",
                                                        help="Only this KPI column (repeatable, or a comma list), e.g. "
                                                             "effective_mw.", show_default=False)] = None,
    site: SiteOpt = None,
    every: Annotated[bool, typer.Option("--all", help="Every KPI column (default: the four headline KPIs, "
                                        "unless --kpi names some).")] = False,
    weeks: Annotated[int, typer.Option("--weeks", min=1, help="Window: the last N weeks of snapshots.")] = 13,
    quiet: WroteQuietOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Show each KPI's weekly trajectory per site and for the portfolio from KPI snapshots.

    Per week the latest snapshot counts: the table shows the last value, the change over the window and a sparkline.
    The four headline KPIs by default; --all for every KPI column.

    json gives the series; csv and parquet the weekly points in long format (plan, as_of, scope, site_id, kpi,
    value) for tools.

    Examples:

      energyplan trend snapshots/ --kpi effective_mw --kpi carbon_intensity_g_per_kwh

      energyplan trend snapshots/ --plan northwind --weeks 26 --format csv > trend.csv

      energyplan trend snapshots/snapshot_date=2026-11-30/northwind.parquet --all
    """
    with guard(debug):
        from energyplan import api
        from energyplan.render.base import RenderContext
        from energyplan.render.emit import default_format, emit, split_values, targets

        chosen = targets("trend", fmt, output, default=default_format("rich", "json"))
        from energyplan.facts.registry import HEADLINE_KPIS

        # the four headline KPIs answer "where are we heading"; every column is one flag away
        names = split_values(kpi_names) or ([] if every else list(HEADLINE_KPIS))
        result = api.trend(directory, plans=split_values(plan), kpis=names,
                           sites=split_values(site), weeks=weeks)
        emit("trend", chosen, result, RenderContext(command="trend", quiet=quiet), quiet=quiet, announce=err)
    raise typer.Exit(0)


def register(app: typer.Typer) -> None:
    """Add `kpi` and `trend` to the app."""
    app.command("kpi")(kpi)
    app.command("trend")(trend)
