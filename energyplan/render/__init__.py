"""The one registry of output formats: per command, each format names the function that renders it.

Importing this module is cheap (no pandas): the CLI reads the format names for `--help` and resolves
`-o PATH` by extension here; the renderer modules load only when a format is rendered.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from energyplan.errors import UsageError

if TYPE_CHECKING:
    from energyplan.render.base import RenderContext

_AUDIT = {
    "rich": "energyplan.render.rich_report:render",
    "text": "energyplan.render.text:render",
    "json": "energyplan.render.json_out:render",
    "sarif": "energyplan.render.sarif:render",
    "junit": "energyplan.render.junit:render",
    "github": "energyplan.render.github:render",
    "markdown": "energyplan.render.markdown:render",
}
# command -> format -> "module:function" with the signature (payload, ctx: RenderContext) -> str | bytes.
# The order is the order of `--help`.
FORMATS: dict[str, dict[str, str]] = {
    "audit": _AUDIT,
    "validate": _AUDIT,
    "kpi": {
        "rich": "energyplan.render.kpi:render_rich",
        "text": "energyplan.render.kpi:render_text",
        "json": "energyplan.render.kpi:render_json",
        "csv": "energyplan.render.kpi:render_csv",
        "parquet": "energyplan.render.kpi:render_parquet",
    },
    "trend": {
        "rich": "energyplan.render.trend_out:render_rich",
        "text": "energyplan.render.trend_out:render_text",
        "json": "energyplan.render.trend_out:render_json",
        "csv": "energyplan.render.trend_out:render_csv",
    },
    "diff": {
        "rich": "energyplan.render.diff_out:render_rich",
        "text": "energyplan.render.diff_out:render_text",
        "json": "energyplan.render.diff_out:render_json",
        "markdown": "energyplan.render.diff_out:render_markdown",
    },
    "outlook": {
        "rich": "energyplan.render.outlook_out:render_rich",
        "text": "energyplan.render.outlook_out:render_text",
        "json": "energyplan.render.outlook_out:render_json",
        "csv": "energyplan.render.outlook_out:render_csv",
        "parquet": "energyplan.render.outlook_out:render_parquet",
    },
    "adequacy": {
        "rich": "energyplan.render.adequacy_out:render_rich",
        "text": "energyplan.render.adequacy_out:render_text",
        "json": "energyplan.render.adequacy_out:render_json",
        "csv": "energyplan.render.adequacy_out:render_csv",
        "parquet": "energyplan.render.adequacy_out:render_parquet",
    },
    "report": {
        "html": "energyplan.render.report_out:render_html",
        "markdown": "energyplan.render.report_out:render_markdown",
    },
}
# Formats that write bytes: never to a terminal.
BINARY_FORMATS = frozenset({"parquet"})
# `-o PATH` without --format or FMT=: the format its extension names.
EXTENSIONS: dict[str, str] = {
    ".json": "json",
    ".sarif": "sarif",
    ".xml": "junit",
    ".md": "markdown",
    ".parquet": "parquet",
    ".csv": "csv",
    ".html": "html",
    ".htm": "html",
    ".txt": "text",
    ".log": "text",
}


def formats(command: str) -> tuple[str, ...]:
    """The format names a command writes, in `--help` order."""
    return tuple(FORMATS[command])


def renderer(command: str, fmt: str) -> Callable[[Any, RenderContext], str | bytes]:
    """The function rendering `fmt` for `command`; an unknown format is a usage error (exit 2)."""
    try:
        target = FORMATS[command][fmt]
    except KeyError:
        raise UsageError(f"unknown format {fmt!r} for {command}; choose from {', '.join(formats(command))}") from None
    module_name, _, function = target.partition(":")
    return getattr(importlib.import_module(module_name), function)  # type: ignore[no-any-return]


def after_render(command: str, fmt: str) -> Callable[[Any, RenderContext], None] | None:
    """A format's effect beyond its text, run once per run (github appends to $GITHUB_STEP_SUMMARY)."""
    module_name = FORMATS[command][fmt].partition(":")[0]
    hook = getattr(importlib.import_module(module_name), "after_render", None)
    return hook  # type: ignore[no-any-return]


def render(command: str, fmt: str, payload: Any, ctx: RenderContext) -> str | bytes:
    """Render `payload` (the command's result) in `fmt`: pure, no side effect."""
    return renderer(command, fmt)(payload, ctx)
