"""GitHub Actions workflow commands (`::error file=…::…`), worst first, plus the step summary."""

from __future__ import annotations

import os

from energyplan.errors import UsageError
from energyplan.model import AuditOutcome, Finding, Severity
from energyplan.render.base import RenderContext, cell_ref, verdict, worst_first

_COMMAND = {"error": "error", "warning": "warning", "info": "notice"}


def escape_data(value: str) -> str:
    """The message part of a workflow command: `%` first, so the escapes themselves survive."""
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    """A property value (file=, title=): also `:` and `,`, which would end the value early."""
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def annotation(f: Finding, ctx: RenderContext) -> str:
    props = []
    # A finding at no file (EP004, a stale waiver) is about the config: annotate that file.
    path = f"{ctx.uri_prefix}{f.file}" if f.file is not None else ctx.config_location
    props.append(f"file={escape_property(path)}")
    if f.line is not None:
        props.append(f"line={f.line}")
    props.append(f"title={escape_property(f'energyplan ({f.rule})')}")
    command = _COMMAND[Severity(f.severity).value]
    ref = cell_ref(f)  # a workbook has no lines: the cell leads the message
    return f"::{command} {','.join(props)}::{escape_data(f'{ref}: {f.message}' if ref else f.message)}"


def render(result: AuditOutcome, ctx: RenderContext) -> str:
    """Waived and baseline findings are accepted, so they get no annotation; the verdict line (plain
    text, shown in the log) still counts them. GitHub shows ten annotations of each kind per step,
    hence worst first."""
    lines = [annotation(f, ctx) for f in worst_first(result.findings) if not (f.waived or f.baseline)]
    lines.append(verdict(result, ctx.command))
    return "\n".join(lines) + "\n"


def after_render(result: AuditOutcome, ctx: RenderContext) -> None:
    """With $GITHUB_STEP_SUMMARY set (inside GitHub Actions), append the markdown report to it."""
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return
    from energyplan.render import markdown

    try:
        with open(target, "a", encoding="utf-8") as fh:
            fh.write(markdown.render(result, ctx))
    except OSError as exc:
        raise UsageError(f"cannot append to $GITHUB_STEP_SUMMARY ({target}): {exc.strerror or exc}") from None
