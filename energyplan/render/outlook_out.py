"""`outlook` formats: the lead's month-by-month view (rich, text), JSON, and flat CSV/Parquet for analysts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from energyplan.render.base import RenderContext
from energyplan.render.flat import axis_document, axis_flat, axis_parquet, to_csv

if TYPE_CHECKING:
    from energyplan.api import OutlookResult


def render_json(result: OutlookResult, ctx: RenderContext) -> str:
    from energyplan.render.json_out import write_document

    return write_document(axis_document(result, "outlook", result.run.outlook.json_view(), ctx.tool_version))


def render_csv(result: OutlookResult, ctx: RenderContext) -> str:
    return to_csv(axis_flat(result, result.run.outlook.flat_frame()))


def render_parquet(result: OutlookResult, ctx: RenderContext) -> bytes:
    from energyplan.facts.columns import AXIS_COLUMNS

    kinds = {**AXIS_COLUMNS["site_months"], **AXIS_COLUMNS["portfolio_months"]}
    return axis_parquet(result, result.run.outlook.flat_frame(), kinds)


def _view(result: OutlookResult, ctx: RenderContext, fmt: str) -> str:
    from energyplan.render.outlook_view import render_outlook

    return render_outlook(result.run.outlook, currency=result.run.settings.currency, width=ctx.width,
                          color=ctx.color and fmt == "rich", fmt=fmt, sites=list(result.sites) or None)


def render_rich(result: OutlookResult, ctx: RenderContext) -> str:
    return _view(result, ctx, "rich")


def render_text(result: OutlookResult, ctx: RenderContext) -> str:
    return _view(result, ctx, "text")
