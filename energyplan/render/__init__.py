"""The one mapping of `--format` names to renderer modules; imported lazily so the CLI starts fast."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from energyplan.errors import UsageError

if TYPE_CHECKING:
    from energyplan.model import AuditResult
    from energyplan.render.base import Formatter, RenderContext

# Format name -> module (each has `render(result, ctx) -> str`). The order is the order of `--help`.
FORMATS: dict[str, str] = {
    "rich": "energyplan.render.rich_report",
    "text": "energyplan.render.text",
    "json": "energyplan.render.json_out",
    "sarif": "energyplan.render.sarif",
    "junit": "energyplan.render.junit",
    "github": "energyplan.render.github",
    "markdown": "energyplan.render.markdown",
}
FORMAT_CHOICES: tuple[str, ...] = tuple(FORMATS)
# Formats for people: `--quiet` shrinks them to the verdict line; the others are machine contracts.
HUMAN_FORMATS: frozenset[str] = frozenset({"rich", "text"})


def formatter(fmt: str) -> Formatter:
    """The renderer module of a format name; an unknown name is a usage error (exit 2)."""
    try:
        module_name = FORMATS[fmt]
    except KeyError:
        raise UsageError(f"unknown format {fmt!r}; choose from {', '.join(FORMAT_CHOICES)}") from None
    return importlib.import_module(module_name)  # type: ignore[return-value]


def render(fmt: str, result: AuditResult, ctx: RenderContext) -> str:
    """Render `result` in `fmt`. A format with an effect beyond its text (github appends the markdown
    report to $GITHUB_STEP_SUMMARY) performs it here, once per call, so renderers stay pure."""
    module = formatter(fmt)
    text = module.render(result, ctx)
    after = getattr(module, "after_render", None)
    if after is not None:
        after(result, ctx)
    return text
