"""`trend` formats: each KPI's weekly trajectory for people (rich, text), JSON, CSV and Parquet (the
weekly points in long format) for tools."""

from __future__ import annotations

from typing import TYPE_CHECKING

from energyplan.render.base import RenderContext, rich_to_text

if TYPE_CHECKING:
    from energyplan.api import TrendResult


def render_json(t: TrendResult, ctx: RenderContext) -> str:
    from energyplan.trends import render_json as to_json

    return to_json(t.series, t.dates, t.weeks, ctx.tool_version)


def render_csv(t: TrendResult, ctx: RenderContext) -> str:
    from energyplan.trends import render_csv as to_csv

    return to_csv(t.series)


def render_parquet(t: TrendResult, ctx: RenderContext) -> bytes:
    """The weekly points in long format (plan, as_of, scope, site_id, kpi, value) as Parquet."""
    import io

    import pyarrow.parquet as pq

    from energyplan.trends import long_table

    buffer = io.BytesIO()
    pq.write_table(long_table(t.series), buffer)
    return buffer.getvalue()


def render_rich(t: TrendResult, ctx: RenderContext) -> str:
    from energyplan.trends import build_trend_table

    span = f"{t.dates[0].isoformat()} … {t.dates[-1].isoformat()}" if t.dates else "no snapshots"
    n = len(t.dates)
    header = f"KPI trend over {n} weekly snapshot{'s' if n != 1 else ''} ({span})\n"
    text = rich_to_text(build_trend_table(t.series, t.currency, ctx.width), width=ctx.width, color=ctx.color)
    return header + "\n".join(row.rstrip(" ") for row in text.split("\n"))


def render_text(t: TrendResult, ctx: RenderContext) -> str:
    return render_rich(t, RenderContext(command=ctx.command, width=ctx.width, color=False))
