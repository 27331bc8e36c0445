"""`outlook` formats: the lead's month-by-month view (rich, text), JSON, and flat CSV/Parquet for analysts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from energyplan.render.base import TOOL_NAME, RenderContext

if TYPE_CHECKING:
    import pandas as pd

    from energyplan.api import OutlookResult

def document(result: OutlookResult, ctx: RenderContext) -> dict[str, Any]:
    data = result.run.outlook.to_json()
    if result.sites:
        data = {**data, "sites": [r for r in data["sites"] if r["site_id"] in result.sites]}
    return {"schema_version": 1, "tool": {"name": TOOL_NAME, "version": ctx.tool_version},
            "plan": str(result.run.plan.root), "as_of": result.as_of.isoformat(),
            "currency": result.run.settings.currency, "outlook": data}


def render_json(result: OutlookResult, ctx: RenderContext) -> str:
    from energyplan.render.json_out import write_document

    return write_document(document(result, ctx))


def flat_frame(result: OutlookResult) -> pd.DataFrame:
    """Site-month rows then portfolio rows, with the snapshot provenance columns in front."""
    from energyplan.render.flat import with_provenance

    frame = result.run.outlook.flat_frame()
    if result.sites:
        frame = frame[(frame["scope"] == "portfolio") | frame["site_id"].isin(list(result.sites))]
    return with_provenance(frame, result.provenance())


def render_csv(result: OutlookResult, ctx: RenderContext) -> str:
    from energyplan.render.flat import to_csv

    return to_csv(flat_frame(result))


def render_parquet(result: OutlookResult, ctx: RenderContext) -> bytes:
    from energyplan.facts.columns import AXIS_COLUMNS
    from energyplan.render.flat import to_parquet

    kinds = {**AXIS_COLUMNS["site_months"], **AXIS_COLUMNS["portfolio_months"]}
    return to_parquet(flat_frame(result), kinds, result.provenance())


def _view(result: OutlookResult, ctx: RenderContext, fmt: str) -> str:
    from energyplan.render.outlook_view import render_outlook

    return render_outlook(result.run.outlook, currency=result.run.settings.currency, width=ctx.width,
                          color=ctx.color and fmt == "rich", fmt=fmt, sites=list(result.sites) or None)


def render_rich(result: OutlookResult, ctx: RenderContext) -> str:
    return _view(result, ctx, "rich")


def render_text(result: OutlookResult, ctx: RenderContext) -> str:
    return _view(result, ctx, "text")
