"""`diff` formats: the change report for people (rich, text), JSON and Markdown for CI."""

from __future__ import annotations

from typing import TYPE_CHECKING

from energyplan.render.base import RenderContext

if TYPE_CHECKING:
    from energyplan.plan_diff import PlanDiff


def render_json(d: PlanDiff, ctx: RenderContext) -> str:
    from energyplan.plan_diff import render_json as to_json

    return to_json(d, ctx.tool_version)


def render_markdown(d: PlanDiff, ctx: RenderContext) -> str:
    from energyplan.plan_diff import render_markdown as to_markdown

    return to_markdown(d)


def render_rich(d: PlanDiff, ctx: RenderContext) -> str:
    from energyplan.plan_diff import render_rich as to_rich

    return to_rich(d, color=ctx.color, width=ctx.width, quiet=ctx.quiet)


def render_text(d: PlanDiff, ctx: RenderContext) -> str:
    from energyplan.plan_diff import render_rich as to_rich

    return to_rich(d, color=False, width=ctx.width, quiet=ctx.quiet)
