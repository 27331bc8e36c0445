"""Options declared once and shared by every command, error guarding, atomic writes (no pandas)."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sys
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer

from energyplan.atomic import write_atomic  # noqa: F401  (re-exported for the commands)
from energyplan.errors import UsageError

# ---- options, declared once -------------------------------------------------------------------

PlanArg = Annotated[
    Path,
    typer.Argument(help="The plan folder (sites, workloads, commitments, contracts, incidents tables).",
                   show_default=False),
]
ConfigOpt = Annotated[
    Path | None,
    typer.Option("--config", help="Read settings from this TOML file instead of the plan's energyplan.toml.",
                 show_default=False),
]
AsOfOpt = Annotated[
    str | None,
    typer.Option("--as-of", metavar="YYYY-MM-DD",
                 help="Judge the plan at this date (default: as_of in energyplan.toml, else today).",
                 show_default=False),
]
QuietOpt = Annotated[
    bool, typer.Option("--quiet", "-q", help="Human formats print only the verdict line; no progress.")
]
DebugOpt = Annotated[bool, typer.Option("--debug", help="Show a traceback on internal errors.")]
OutputOpt = Annotated[
    list[str] | None,
    typer.Option("--output", "-o", metavar="[FMT=]PATH",
                 help="Write the --format output to PATH, or FMT=PATH for another format (repeatable). "
                      "Files are written atomically.",
                 show_default=False),
]
SelectOpt = Annotated[
    list[str] | None,
    typer.Option("--select", metavar="CODE", help="Run only these rule codes or prefixes (repeatable).",
                 show_default=False),
]
IgnoreOpt = Annotated[
    list[str] | None,
    typer.Option("--ignore", metavar="CODE", help="Skip these rule codes or prefixes (repeatable).",
                 show_default=False),
]
FailOnOpt = Annotated[
    str | None,
    typer.Option("--fail-on", metavar="LEVEL",
                 help="Exit 1 on findings at or above: error, warning, info or never (default: config, else error).",
                 show_default=False),
]
MaxFindingsOpt = Annotated[
    int,
    typer.Option("--max-findings", min=0,
                 help="List at most N findings per rule (counts, exit codes and baselines stay exact)."),
]


def parse_as_of(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"--as-of {value!r} is not a date; write it as YYYY-MM-DD, e.g. 2026-11-30") from None


def check_plan_dir(plan: Path) -> Path:
    if not plan.exists():
        raise UsageError(f"plan folder {plan} does not exist")
    if not plan.is_dir():
        raise UsageError(f"{plan} is not a folder; give the folder that holds sites.csv, workloads.csv, ...")
    return plan


def parse_outputs(values: list[str] | None, default_format: str, choices: tuple[str, ...]) -> list[tuple[str, Path]]:
    """`-o PATH` → (default_format, PATH); `-o FMT=PATH` → (FMT, PATH)."""
    out = []
    for value in values or []:
        fmt, sep, path = value.partition("=")
        if sep and fmt in choices:
            out.append((fmt, Path(path)))
        elif sep and fmt and "/" not in fmt and "." not in fmt:
            raise UsageError(f"-o {value}: unknown format {fmt!r}; choose from {', '.join(choices)}")
        else:
            out.append((default_format, Path(value)))
    return out


def plain_output_given(values: list[str] | None, choices: tuple[str, ...]) -> bool:
    """Whether a plain `-o PATH` (no FMT=) takes the --format output away from stdout."""
    return any(v.partition("=")[0] not in choices or "=" not in v for v in values or [])


def stdout_is_terminal() -> bool:
    return sys.stdout.isatty()


def err(message: str) -> None:
    """A message for the user on stderr (never stdout)."""
    sys.stderr.write(message.rstrip("\n") + "\n")


@contextlib.contextmanager
def guard(debug: bool = False) -> Iterator[None]:
    """Turn every failure into an exit code and one clear line: 2 could not run, 3 a bug, 130 interrupted."""
    try:
        yield
    except typer.Exit:
        raise
    except UsageError as exc:
        err(f"energyplan: error: {exc}")
        if debug:
            traceback.print_exc()
        raise typer.Exit(2) from None
    except KeyboardInterrupt:
        err("energyplan: interrupted")
        raise typer.Exit(130) from None
    except BrokenPipeError:
        # stdout closed early (e.g. `| head`): not an error of ours.
        with contextlib.suppress(Exception):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115
        raise typer.Exit(0) from None
    except Exception as exc:
        err(f"energyplan: internal error ({type(exc).__name__}: {exc}); this is a bug, please report it "
            "(run again with --debug for the traceback)")
        if debug:
            traceback.print_exc()
        raise typer.Exit(3) from None
