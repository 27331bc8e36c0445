"""`outlook` formats: the lead's month-by-month view (rich, text), JSON, and flat CSV/Parquet for analysts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from energyplan.render.base import TOOL_NAME, RenderContext

if TYPE_CHECKING:
    import pandas as pd

    from energyplan.api import OutlookResult

# Columns every flat table of a plan starts with (as KPI snapshots): where the numbers came from.
PROVENANCE_COLUMNS = ("as_of", "plan", "plan_digest", "tool_version")


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
    frame = result.run.outlook.flat_frame()
    if result.sites:
        frame = frame[(frame["scope"] == "portfolio") | frame["site_id"].isin(list(result.sites))]
    frame = frame.reset_index(drop=True)
    prov = result.provenance()
    front = {"as_of": prov.as_of, "plan": prov.plan, "plan_digest": prov.plan_digest,
             "tool_version": prov.tool_version}
    for i, (name, value) in enumerate(front.items()):
        frame.insert(i, name, value)
    return frame


def render_csv(result: OutlookResult, ctx: RenderContext) -> str:
    frame = flat_frame(result)
    for c in frame.columns:
        if str(frame[c].dtype).startswith("datetime64"):
            frame[c] = frame[c].dt.strftime("%Y-%m-%d")
    text: str = frame.to_csv(index=False, lineterminator="\n")
    return text


def render_parquet(result: OutlookResult, ctx: RenderContext) -> bytes:
    """Dates as date32, counts as int64, the rest float64; the provenance also in the file's metadata."""
    import pyarrow as pa

    from energyplan.facts.columns import AXIS_COLUMNS
    from energyplan.render.snapshot import parquet_bytes

    frame = flat_frame(result)
    kinds = {**AXIS_COLUMNS["site_months"], **AXIS_COLUMNS["portfolio_months"]}
    arrays, fields = [], []
    for c in frame.columns:
        kind = "date" if c == "as_of" else kinds.get(c, ("str", "", ""))[0]
        values = frame[c]
        if kind == "date":
            arr = pa.array(values.astype("datetime64[s]") if c != "as_of" else values, pa.date32(), from_pandas=True)
        elif kind == "int":
            arr = pa.array(values.astype("Int64"), pa.int64(), from_pandas=True)
        elif kind == "float":
            arr = pa.array(values.astype("float64"), pa.float64(), from_pandas=True)
        else:
            arr = pa.array(values.astype(object).where(values.notna(), None), pa.string())
        arrays.append(arr)
        fields.append(pa.field(c, arr.type))
    table = pa.Table.from_arrays(arrays, schema=pa.schema(fields, metadata=result.provenance().metadata()))
    return parquet_bytes(table)


def _view(result: OutlookResult, ctx: RenderContext, fmt: str) -> str:
    from energyplan.render.outlook_view import render_outlook

    return render_outlook(result.run.outlook, currency=result.run.settings.currency, width=ctx.width,
                          color=ctx.color and fmt == "rich", fmt=fmt, sites=list(result.sites) or None)


def render_rich(result: OutlookResult, ctx: RenderContext) -> str:
    return _view(result, ctx, "rich")


def render_text(result: OutlookResult, ctx: RenderContext) -> str:
    return _view(result, ctx, "text")
