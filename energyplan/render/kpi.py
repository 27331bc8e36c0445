"""`kpi` formats: the KPI table for people, JSON, CSV and Parquet (snapshot columns) for tools."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from energyplan.render.base import TOOL_NAME, RenderContext, rich_to_text

if TYPE_CHECKING:
    from energyplan.api import KpiResult


def _title(result: KpiResult) -> str:
    plan = result.run.plan.root
    return f"KPIs of {plan} at {result.as_of.isoformat()} ({result.run.settings.currency})"


def render_json(result: KpiResult, ctx: RenderContext) -> str:
    doc = {"schema_version": 1, "tool": {"name": TOOL_NAME, "version": ctx.tool_version},
           "plan": str(result.run.plan.root), "as_of": result.as_of.isoformat(),
           "currency": result.run.settings.currency, "kpis": result.records()}
    return json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def render_csv(result: KpiResult, ctx: RenderContext) -> str:
    """One row a site, then the portfolio; `as_of`, `plan` (the folder's name, as in snapshots) and
    `currency` in front, so rows from several runs can be stacked and still read."""
    from pathlib import Path

    frame = result.kpis.copy()
    frame.insert(0, "currency", result.run.settings.currency)
    frame.insert(0, "plan", Path(result.run.plan.root).resolve().name)
    frame.insert(0, "as_of", result.as_of.isoformat())
    text: str = frame.to_csv(index=False, lineterminator="\n")
    return text


def render_parquet(result: KpiResult, ctx: RenderContext) -> bytes:
    from energyplan.render.snapshot import parquet_bytes, snapshot_table

    return parquet_bytes(snapshot_table(result.kpis, result.provenance()))


def render_rich(result: KpiResult, ctx: RenderContext) -> str:
    from energyplan.render.kpi_table import build_kpi_view

    view = build_kpi_view(result.records(), result.run.settings.currency, ctx.width, title=_title(result))
    return rich_to_text(view, width=ctx.width, color=ctx.color)


def render_text(result: KpiResult, ctx: RenderContext) -> str:
    return render_rich(result, RenderContext(command=ctx.command, width=ctx.width, color=False))
