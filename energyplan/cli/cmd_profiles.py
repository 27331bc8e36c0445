"""`energyplan profiles import`: bring an hourly grid-carbon, CFE or generation profile into a plan."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from energyplan.cli.common import DebugOpt, err, guard

profiles_app = typer.Typer(
    name="profiles",
    help=(
        "Hourly profiles of a plan (the profiles table of docs/adequacy.md).\n\n"
        "Example:  energyplan profiles import plans/q3 DE_2025_hourly.csv --id grid-de --column carbon"
    ),
    no_args_is_help=True,
)


@profiles_app.command("import")
def import_cmd(
    plan: Annotated[Path, typer.Argument(help="The plan folder whose profiles table gets the profile.",
                                         show_default=False)],
    file: Annotated[Path, typer.Argument(help="An Electricity Maps hourly export, or a CSV with the columns "
                                               "timestamp,value.", show_default=False)],
    profile_id: Annotated[str, typer.Option("--id", help="The profile_id to add or replace.", show_default=False)],
    column: Annotated[str | None, typer.Option(
        "--column", metavar="carbon|cfe",
        help="Electricity Maps only: direct carbon intensity (carbon, the default) or carbon-free share (cfe).",
        show_default=False)] = None,
    hour_ending: Annotated[bool, typer.Option(
        "--hour-ending", help="Each timestamp ends its hour (01:00 … 24:00): read it as the hour before.")] = False,
    clock: Annotated[str | None, typer.Option(
        "--clock", metavar="ZONE",
        help="The plan clock the profile must be complete on (UTC or an IANA zone); default: the plan's "
             "\\[hourly] clock, else UTC.", show_default=False)] = None,
    debug: DebugOpt = False,
) -> None:
    """Add or replace one profile in PLAN's profiles table (CSV or Parquet as it is; profiles.csv if none).

    A gap, a repeated or off-the-hour timestamp or unflagged hour-ending data stops it (exit 2, plan untouched).

    A leap year's 29 February is dropped.
    """
    with guard(debug):
        from energyplan.profiles_import import import_profile

        done = import_profile(plan, file, profile_id, column=column, hour_ending=hour_ending,
                              clock=clock or _plan_clock(plan))
        replaced = f", replacing {done.replaced:,} rows" if done.replaced else ""
        err(f"wrote {done.hours:,} hours of profile {profile_id} ({done.source}) to {done.path}{replaced}")


def _plan_clock(plan: Path) -> str:
    """The plan's `[hourly] clock`, read without the settings object (its other keys do not matter here)."""
    from energyplan.config import find_config, load_settings

    if not plan.is_dir() or find_config(plan) is None:
        return "UTC"
    settings = load_settings(plan)
    hourly = getattr(settings, "hourly", None)
    return str(getattr(hourly, "clock", None) or "UTC")


def register(app: typer.Typer) -> None:
    """Add the `profiles` command group to the app."""
    app.add_typer(profiles_app, name="profiles")
