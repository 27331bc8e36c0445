"""The `energyplan` Typer application: registers every command; imports no pandas."""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from energyplan import __version__
from energyplan.cli import (
    cmd_adequacy,
    cmd_audit,
    cmd_diff,
    cmd_kpi,
    cmd_outlook,
    cmd_profiles,
    cmd_report,
    cmd_rules,
    cmd_schema,
)

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


for _module in (cmd_audit, cmd_kpi, cmd_outlook, cmd_adequacy, cmd_rules, cmd_schema, cmd_diff, cmd_report,
                cmd_profiles):
    _module.register(app)


def main() -> None:
    """Console-script entry point: the process-wide tricks a library must not play live here.

    After a command that loaded the data stack the process ends with `os._exit` once its output is
    flushed: finalising pandas, pyarrow and pandera at interpreter shutdown costs ~0.4 s a run and does
    nothing for us (every file we write is already closed and renamed into place). (Data commands also
    freeze the garbage collector after their imports: see cli.common.progress_for.)
    """
    try:
        app()
        code: int = 0
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            code = exc.code or 0
        else:
            sys.stderr.write(f"{exc.code}\n")
            code = 1
    if "pandas" not in sys.modules:
        sys.exit(code)
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):
            if stream is sys.stdout and code == 0:
                code = 2  # the output did not reach its destination
    os._exit(code)
