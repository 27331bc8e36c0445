"""Options declared once and shared by every command, error guarding, atomic writes (no pandas)."""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import os
import subprocess
import sys
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

from energyplan.errors import UsageError
from energyplan.render.emit import stdout_is_terminal  # noqa: F401  (re-exported for the commands)

# ---- help that reads like the usage it documents ----------------------------------------------


def _plain_help() -> None:
    """Typer prints `<bool>` after every flag (`--quiet <bool>`, as if it took a value), wraps a
    required argument as `{plan}` and types it `<list[Path]>`: all mislead a reader. Flags and
    arguments get no type column and required arguments print as their metavar (`PLAN`), as in click
    and every Unix man page. Typer offers no
    setting for either, so its two display methods are wrapped here, once, before any help is printed."""
    from typer import core

    option_type = core.TyperOption.display_type_rich
    if getattr(option_type, "_energyplan", False):
        return

    def display_type_rich(self: Any, ctx: Any) -> str | None:
        if getattr(self, "is_flag", False) and self.metavar is None:
            return None
        return option_type(self, ctx)

    def usage_name(self: Any) -> str:
        name = str(self.display_name_raw)
        name = name if self.required else f"[{name}]"
        return name + ("..." if self.nargs != 1 else "")

    display_type_rich._energyplan = True  # type: ignore[attr-defined]
    core.TyperOption.display_type_rich = display_type_rich  # type: ignore[method-assign]
    if hasattr(core.TyperArgument, "_usage_display_name"):
        core.TyperArgument._usage_display_name = usage_name  # type: ignore[method-assign]
    # an argument's metavar (PLAN, DIR) and help say what it is; `<list[Path]>` adds only Python
    core.TyperArgument.display_type_rich = lambda self, ctx: None  # type: ignore[method-assign]


_plain_help()

# ---- shell completion ----------------------------------------------------------------------------


def complete_rule_code(incomplete: str) -> list[tuple[str, str]]:
    """Rule codes (with their names) and code prefixes for `--select/--ignore` and `rules explain`,
    from the built-in TOML catalog (no pandas); in a comma list only the last part is completed."""
    from energyplan.ruleset.spec import builtin_rules

    done, _, part = incomplete.rpartition(",")
    lead = done + "," if done else ""
    try:
        specs = builtin_rules()
    except Exception:  # a completion must never print a traceback into the user's shell
        return []
    prefixes = sorted({s.code[:3] for s in specs} | {"EP"})
    choices = [(p, f"every {p}xx rule" if len(p) == 3 else "every rule") for p in prefixes]
    choices += [(s.code, s.name) for s in specs]
    want = part.strip().upper()
    return [(lead + code, help_text) for code, help_text in choices if code.startswith(want)]


# ---- options, declared once -------------------------------------------------------------------

PlanArg = Annotated[
    Path,
    typer.Argument(metavar="PLAN", help="The plan folder (sites, workloads, commitments, contracts, incidents "
                   "tables).",
                   show_default=False),
]
PlansArg = Annotated[
    list[Path],
    typer.Argument(help="The plan folder(s), or a folder of plans: every folder under it holding a plan's "
                   "tables or an energyplan.toml.", show_default=False, metavar="PLAN"),
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
    typer.Option("--select", metavar="CODE", help="Run only these rule codes or prefixes (repeatable, or a "
                 "comma list: EP2,EP601).", show_default=False, autocompletion=complete_rule_code),
]
IgnoreOpt = Annotated[
    list[str] | None,
    typer.Option("--ignore", metavar="CODE", help="Skip these rule codes or prefixes (repeatable, or a comma "
                 "list).", show_default=False, autocompletion=complete_rule_code),
]
FailOnOpt = Annotated[
    str | None,
    typer.Option("--fail-on", metavar="LEVEL",
                 help="Exit 1 on findings at or above: error, warning, info or never (default: config, else error).",
                 show_default=False),
]
MonthsOpt = Annotated[
    int | None,
    typer.Option("--months", min=1, max=240, metavar="N",
                 help="The outlook's horizon in calendar months, 1–240 (default: [outlook] months, else 36).",
                 show_default=False),
]
# Options of the commands that write numbers (kpi, outlook, adequacy), declared once.
WroteQuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No \"wrote …\" lines on stderr.")]
NumbersFailOnOpt = Annotated[
    str | None,
    typer.Option("--fail-on", metavar="LEVEL",
                 help="never: write the numbers even when the plan has data-integrity errors "
                      "(error, warning, info: exit 1 on them, the default).",
                 show_default=False),
]
SiteOpt = Annotated[
    list[str] | None,
    typer.Option("--site", metavar="SITE_ID", help="Only this site (repeatable, or a comma list); the portfolio "
                 "stays.", show_default=False),
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


def refuse_untrustworthy(plan: Path, errors: dict[str, int], fail_on: str, what: str) -> bool:
    """Numbers from a plan with error-level data-integrity findings are not trustworthy: say so (stderr)
    and tell the caller to write nothing, unless fail_on is never."""
    from energyplan.model import FAIL_ON_CHOICES

    if fail_on not in FAIL_ON_CHOICES:
        raise UsageError(f"--fail-on must be one of {', '.join(FAIL_ON_CHOICES)}, not {fail_on!r}")
    if not errors or fail_on == "never":
        return False
    listing = ", ".join(f"{code} ×{n:,}" for code, n in errors.items())
    err(f"energyplan: {plan} has data-integrity errors ({listing}); the {what} from it would not be "
        f"trustworthy, so nothing was written. See `energyplan validate {plan}`, or pass --fail-on never.")
    return True


def emit_numbers(command: str, what: str, plan: Path, chosen: Any, result: Any, fail_on: str | None,
                 quiet: bool) -> bool:
    """The end of `kpi`, `outlook` and `adequacy`: numbers from a plan with data-integrity errors are
    refused (False, nothing written), else every chosen output is written (True)."""
    from energyplan.render.base import RenderContext
    from energyplan.render.emit import emit

    if refuse_untrustworthy(plan, result.integrity_errors, fail_on or result.run.settings.rules.fail_on, what):
        return False
    emit(command, chosen, result, RenderContext(command=command, quiet=quiet), quiet=quiet, announce=err)
    return True


def format_option(command: str, default_text: str) -> Any:
    """The `--format/-f` option of a command, its choices read from the one registry of formats."""
    from energyplan.render import formats

    return Annotated[
        str | None,
        typer.Option("--format", "-f", metavar="FORMAT",
                     help=f"Output format: {', '.join(formats(command))} (default: {default_text}). "
                          "With -o PATH and no --format, the file's extension picks it.",
                     show_default=False),
    ]


@contextlib.contextmanager
def progress_for(quiet: bool, plan: Path | None = None) -> Iterator[Any]:
    """Progress on stderr for long runs, only when a person watches (a terminal, not --quiet).

    Every data command runs inside it, so it is also where the CLI (never the library) tells the cyclic
    garbage collector to leave the data stack's modules alone: their hundreds of thousands of
    long-lived objects would otherwise be walked again and again while a million-row plan is processed.
    Given the `plan` folder the command reads, it starts reading its table files before importing the
    data stack (plan.read_ahead): pyarrow reads on its own threads while the imports hold the interpreter.
    """
    import gc

    from energyplan.plan import read_ahead

    if plan is not None:
        read_ahead.start(plan)
    import energyplan.pipeline
    import energyplan.plan.validate
    import energyplan.ruleset.collect
    import energyplan.ruleset.engine  # noqa: F401  (imported to be frozen)
    from energyplan.cli.progress import progress

    gc.freeze()
    try:
        with progress(sys.stderr is not None and sys.stderr.isatty() and not quiet) as prog:
            yield prog
    finally:
        read_ahead.clear()


def repo_relative_prefix(plan_dir: Path) -> str:
    """The plan folder relative to its git repository root (else to the cwd), "" or ending in "/".

    SARIF and GitHub annotations need paths from the repository root to attach to a pull request's diff.
    """
    folder = plan_dir.resolve()
    try:
        proc = subprocess.run(["git", "-C", str(folder), "rev-parse", "--show-toplevel"], capture_output=True,
                              text=True, timeout=5, check=False)
        top = Path(proc.stdout.strip()).resolve() if proc.returncode == 0 and proc.stdout.strip() else None
    except (OSError, subprocess.SubprocessError):
        top = None
    base = top if top is not None else Path.cwd().resolve()
    rel = os.path.relpath(folder, base)
    return "" if rel == "." else rel.replace(os.sep, "/") + "/"


def cwd_relative_prefix(plan_dir: Path) -> str:
    """The plan folder as a reader reaches it from the current directory, "" or ending in "/": relative
    when it lies below the cwd, else absolute (a `../../` chain is harder to read than the real path).
    Text and rich output prepend it so `file:line` opens in a terminal or editor wherever the command ran."""
    folder = plan_dir.resolve()
    try:
        rel = os.path.relpath(folder, Path.cwd().resolve())
    except (ValueError, OSError):
        rel = str(folder)
    if rel == ".":
        return ""
    if rel.startswith(".."):
        rel = str(folder)
    return rel.replace(os.sep, "/").rstrip("/") + "/"


def config_uri(source: Path | None, plan: Path, prefix: str) -> str | None:
    """Where findings without a file (stale waivers) point in SARIF/github: the config actually read."""
    if source is None:
        return None
    try:
        rel = os.path.relpath(source.resolve(), plan.resolve())
    except ValueError:
        return None
    return None if rel.startswith("..") else prefix + rel.replace(os.sep, "/")


def err(message: str) -> None:
    """A message for the user on stderr (never stdout); silent when stderr itself is gone."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
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
    except MemoryError:
        err("energyplan: error: out of memory")
        raise typer.Exit(2) from None
    except OSError as exc:
        if exc.errno not in WRITE_ERRORS:
            raise_internal(exc, debug)
        err(f"energyplan: error: cannot write output: {exc.strerror or exc}")
        raise typer.Exit(2) from None
    except Exception as exc:
        raise_internal(exc, debug)


# errno values that mean our output cannot be written (a full disk, stdout closed or gone): exit 2
WRITE_ERRORS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EBADF, errno.EIO, errno.EFBIG, errno.EROFS})


def raise_internal(exc: BaseException, debug: bool) -> None:
    """A bug: one line (the traceback only with --debug), exit 3."""
    err(f"energyplan: internal error ({type(exc).__name__}: {exc}); this is a bug, please report it "
        "(run again with --debug for the traceback)")
    if debug:
        traceback.print_exc()
    raise typer.Exit(3) from None
