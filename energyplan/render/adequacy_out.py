"""`adequacy` formats: the energy lead's view (rich, text), JSON, and flat CSV/Parquet for analysts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from energyplan.render.base import TOOL_NAME, RenderContext

if TYPE_CHECKING:
    import pandas as pd

    from energyplan.api import AdequacyResult


def document(result: AdequacyResult, ctx: RenderContext) -> dict[str, Any]:
    data = result.run.adequacy.to_json()
    if result.sites:
        data = {**data, "sites": [r for r in data["sites"] if r["site_id"] in result.sites]}
    return {"schema_version": 1, "tool": {"name": TOOL_NAME, "version": ctx.tool_version},
            "plan": str(result.run.plan.root), "as_of": result.as_of.isoformat(),
            "currency": result.run.settings.currency, "adequacy": data}


def render_json(result: AdequacyResult, ctx: RenderContext) -> str:
    from energyplan.render.json_out import write_document

    return write_document(document(result, ctx))


def flat_frame(result: AdequacyResult) -> pd.DataFrame:
    """One row per site, the portfolio row last, the snapshot provenance columns in front."""
    from energyplan.render.flat import with_provenance

    frame = result.run.adequacy.flat_frame()
    if result.sites:
        frame = frame[(frame["scope"] == "portfolio") | frame["site_id"].isin(list(result.sites))]
    return with_provenance(frame, result.provenance())


def render_csv(result: AdequacyResult, ctx: RenderContext) -> str:
    from energyplan.render.flat import to_csv

    return to_csv(flat_frame(result))


def render_parquet(result: AdequacyResult, ctx: RenderContext) -> bytes:
    from energyplan.facts.columns import AXIS_COLUMNS
    from energyplan.render.flat import to_parquet

    return to_parquet(flat_frame(result), AXIS_COLUMNS["site_year"], result.provenance())


def hourly_parquet(result: AdequacyResult) -> bytes:
    """The hourly series of outputs.md (`adequacy --hourly FILE.parquet`), provenance in the metadata."""
    import pyarrow as pa

    from energyplan.render.snapshot import parquet_bytes

    table = pa.Table.from_pandas(result.hourly(), preserve_index=False)
    return parquet_bytes(table.replace_schema_metadata(result.provenance().metadata()))


def _view(result: AdequacyResult, ctx: RenderContext, fmt: str) -> str:
    from energyplan.render.adequacy_view import render_adequacy

    return render_adequacy(result.run.adequacy, width=ctx.width, color=ctx.color and fmt == "rich", fmt=fmt,
                           sites=list(result.sites) or None)


def render_rich(result: AdequacyResult, ctx: RenderContext) -> str:
    return _view(result, ctx, "rich")


def render_text(result: AdequacyResult, ctx: RenderContext) -> str:
    return _view(result, ctx, "text")
