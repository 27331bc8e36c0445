"""The `energyplan` Typer application: registers every command; imports no pandas."""

from __future__ import annotations

import contextlib
import errno
import io
import os
import sys
from typing import Annotated

import typer

from energyplan import __version__
from energyplan.cli import (
    cmd_adequacy,
    cmd_audit,
    cmd_convert,
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
        "A plan is a folder of CSV/Parquet tables or one Excel workbook (sites, workloads, commitments, "
        "contracts, incidents, profiles). energyplan validates it, runs the anti-pattern rule catalog, computes "
        "the four shared IT-energy KPIs, walks the plan month by month and replays last year hour by hour.\n\n"
        "Example:  energyplan audit sample_data/northwind"
    ),
    no_args_is_help=True,
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
                cmd_convert, cmd_profiles):
    _module.register(app)


class _ClosedStdout(io.TextIOBase):
    """Stands in for a closed stdout (`>&-`): a command that writes to it fails with EBADF, which the
    guard turns into "cannot write output" (exit 2); commands that only write files run as usual."""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        raise OSError(errno.EBADF, "stdout is closed")

    def isatty(self) -> bool:
        return False

    @property
    def buffer(self) -> io.BufferedIOBase:
        raise OSError(errno.EBADF, "stdout is closed")


def _say(message: str) -> None:
    with contextlib.suppress(OSError, ValueError, AttributeError):
        sys.stderr.write(message + "\n")


def main() -> None:
    """Console-script entry point: the process-wide tricks a library must not play live here.

    The command line never synthesises data, so pandera is kept from importing hypothesis (see below).
    After a command that loaded the data stack the process ends with `os._exit` once its output is
    flushed: finalising pandas, pyarrow and pandera at interpreter shutdown costs ~0.4 s a run and does
    nothing for us (every file we write is already closed and renamed into place). (Data commands also
    freeze the garbage collector after their imports: see cli.common.progress_for.)
    """
    if sys.stdout is None:
        sys.stdout = _ClosedStdout()
    # pandera imports hypothesis (its data-synthesis strategies) whenever it is installed, as it is beside
    # the test tools: ~0.09 s of every data command for a feature no command uses. A None entry makes that
    # import fail as if it were absent; a process that already imported hypothesis keeps it.
    sys.modules.setdefault("hypothesis", None)  # type: ignore[arg-type]
    try:
        # The name shells complete and usage lines show, also under `python -m energyplan`.
        app(prog_name="energyplan")
        code: int = 0
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            code = exc.code or 0
        else:
            _say(f"{exc.code}")
            code = 1
    except OSError as exc:  # outside a command's guard: --help or --version to a full disk or closed stdout
        _say(f"energyplan: error: cannot write output: {exc.strerror or exc}")
        code = 2
    except KeyboardInterrupt:
        _say("energyplan: interrupted")
        code = 130
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
