"""Several plans as GitHub Actions output: each plan's annotations and verdict, then the summary lines;
the markdown of every plan appended to $GITHUB_STEP_SUMMARY once (a module of its own: the hook runs
for this format only)."""

from __future__ import annotations

import os

from energyplan.errors import UsageError
from energyplan.render.base import RenderContext
from energyplan.render.many import PlanSet, each, render_markdown, summary_lines


def render(plans: PlanSet, ctx: RenderContext) -> str:
    return "".join(each("github", plans, ctx)) + "\n".join(summary_lines(plans, ctx.command)) + "\n"


def after_render(plans: PlanSet, ctx: RenderContext) -> None:
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return
    try:
        with open(target, "a", encoding="utf-8") as fh:
            fh.write(render_markdown(plans, ctx))
    except OSError as exc:
        raise UsageError(f"cannot append to $GITHUB_STEP_SUMMARY ({target}): {exc.strerror or exc}") from None
