"""`adequacy` formats: the energy lead's view (rich, text), JSON, and flat CSV/Parquet for analysts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from energyplan.render.base import RenderContext
from energyplan.render.flat import axis_document, axis_flat, axis_parquet, to_csv

if TYPE_CHECKING:
    from energyplan.api import AdequacyResult


def render_json(result: AdequacyResult, ctx: RenderContext) -> str:
    from energyplan.render.json_out import write_document

    return write_document(axis_document(result, "adequacy", result.run.adequacy.to_json(), ctx.tool_version))


def render_csv(result: AdequacyResult, ctx: RenderContext) -> str:
    return to_csv(axis_flat(result, result.run.adequacy.flat_frame()))


def render_parquet(result: AdequacyResult, ctx: RenderContext) -> bytes:
    from energyplan.facts.columns import AXIS_COLUMNS

    return axis_parquet(result, result.run.adequacy.flat_frame(), AXIS_COLUMNS["site_year"])


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
