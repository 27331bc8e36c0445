"""The `energyplan` Typer application: registers every command; imports no pandas."""

from __future__ import annotations

from typing import Annotated

import typer

from energyplan import __version__
from energyplan.cli import cmd_audit, cmd_diff, cmd_kpi, cmd_rules, cmd_schema

app = typer.Typer(
    name="energyplan",
    help=(
        "Audit AI compute and energy plans before you sign a GPU commitment or a power contract.\n\n"
        "A plan is a folder of CSV/Parquet tables (sites, workloads, commitments, contracts, incidents). "
        "energyplan validates it, runs the anti-pattern rule catalog and computes the four shared "
        "IT-energy KPIs.\n\n"
        "Example:  energyplan audit sample_data/northwind"
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"energyplan {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", "-V", callback=_version, is_eager=True, help="Print the version and exit."),
    ] = False,
) -> None:
    """Audit AI compute and energy plans."""


for _module in (cmd_audit, cmd_kpi, cmd_rules, cmd_schema, cmd_diff):
    _module.register(app)


def main() -> None:
    """Console-script entry point."""
    app()
