"""The one output path: `--format` and `-o` resolved to targets, every file written atomically, stdout
written once; terminal width, colour (NO_COLOR) and binary-on-a-terminal are decided here and nowhere else.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from energyplan.errors import UsageError
from energyplan.render import BINARY_FORMATS, EXTENSIONS, after_render, formats, render
from energyplan.render.base import RenderContext

FILE_WIDTH = 100  # human formats written to a file: a width that reads well in an editor or CI log


@dataclass(frozen=True)
class Target:
    """One output: a format and a file, or stdout when `path` is None."""

    fmt: str
    path: Path | None = None


def split_values(values: Sequence[str] | None) -> list[str]:
    """Repeatable options that also take comma lists, as in ruff: `--select EP203,EP601 --select EP1`."""
    return [part.strip() for value in values or () for part in value.split(",") if part.strip()]


def _format_of(value: str, command: str, fmt: str | None) -> tuple[str, Path]:
    from energyplan.atomic import check_output_path

    choices = formats(command)
    name, sep, rest = value.partition("=")
    if sep and name in choices:
        return name, check_output_path(rest)
    if sep and name and "/" not in name and "." not in name:
        raise UsageError(f"-o {value}: unknown format {name!r} for {command}; choose from {', '.join(choices)}")
    path = check_output_path(value)
    if fmt is not None:
        return fmt, path
    by_extension = EXTENSIONS.get(path.suffix.lower())
    if by_extension is None:
        raise UsageError(f"-o {value}: cannot tell the format from the file name; give --format, or write "
                         f"FMT={value} with FMT one of {', '.join(choices)}")
    if by_extension not in choices:
        raise UsageError(f"-o {value}: {command} does not write {by_extension} (from the extension "
                         f"{path.suffix}); choose from {', '.join(choices)}, e.g. with --format")
    return by_extension, path


def targets(command: str, fmt: str | None, outputs: Sequence[str] | None, *, default: str) -> list[Target]:
    """`--format` and `-o` values → targets. A plain `-o PATH` takes the --format output away from
    stdout; `-o FMT=PATH` adds a file and leaves stdout alone. The stdout target comes last."""
    choices = formats(command)
    if fmt is not None and fmt not in choices:
        raise UsageError(f"unknown --format {fmt!r} for {command}; choose from {', '.join(choices)}")
    files, plain = [], False
    for value in outputs or ():
        out_fmt, path = _format_of(value, command, fmt)
        plain = plain or not (value.partition("=")[0] in choices and "=" in value)
        files.append(Target(out_fmt, path))
    if plain:
        return files
    return [*files, Target(fmt or default)]


def stdout_is_terminal() -> bool:
    try:
        return sys.stdout is not None and sys.stdout.isatty()
    except (ValueError, OSError):
        return False


def default_format(human: str = "rich", machine: str = "text") -> str:
    """rich on a terminal, a plain format otherwise."""
    return human if stdout_is_terminal() else machine


def terminal_width() -> int:
    return max(40, min(shutil.get_terminal_size((120, 24)).columns, 240))


def emit(command: str, chosen: Sequence[Target], payload: Any, ctx: RenderContext, *, quiet: bool = False,
         announce: Callable[[str], None] | None = None) -> None:
    """Render `payload` once per target: files first (all of them or none), then stdout."""
    from energyplan.atomic import write_all

    for target in chosen:
        if target.path is None and target.fmt in BINARY_FORMATS and stdout_is_terminal():
            raise UsageError(f"{target.fmt} is binary: write it with -o FILE or pipe stdout to a file")
    files = [(t, render(command, t.fmt, payload, replace(ctx, color=False, width=FILE_WIDTH)))
             for t in chosen if t.path is not None]
    write_all([(target.path, data) for target, data in files if target.path is not None])
    for target, _ in files:
        if announce is not None and not quiet:
            announce(f"wrote {target.fmt} to {target.path}")
    for target in chosen:
        if target.path is None:
            color = stdout_is_terminal() and "NO_COLOR" not in os.environ
            width = terminal_width()  # the terminal's, or $COLUMNS, or 120 when piped
            write_stdout(render(command, target.fmt, payload, replace(ctx, color=color, width=width)))
    # A format's effect beyond its text (github → $GITHUB_STEP_SUMMARY) happens once per run.
    for fmt in sorted({t.fmt for t in chosen}):
        hook = after_render(command, fmt)
        if hook is not None:
            hook(payload, ctx)


def write_stdout(data: str | bytes) -> None:
    """Write to stdout; a failed write (disk full, closed stdout) is "cannot write output", exit 2."""
    stream = sys.stdout
    if stream is None:
        raise UsageError("cannot write output: stdout is closed")
    try:
        if isinstance(data, bytes):
            stream.flush()
            stream.buffer.write(data)
            stream.buffer.flush()
        else:
            stream.write(data)
            stream.flush()
    except BrokenPipeError:
        raise
    except (OSError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise UsageError(f"cannot write output to stdout: {reason}") from None
