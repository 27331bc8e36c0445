"""Flat tables for analysts (CSV, Parquet): the snapshot provenance columns in front, typed Parquet columns."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# Columns every flat table of a plan starts with (as KPI snapshots): where the numbers came from.
PROVENANCE_COLUMNS = ("as_of", "plan", "plan_digest", "tool_version")


def with_provenance(frame: Any, provenance: Any) -> Any:
    """`frame` with as_of, plan, plan_digest and tool_version in front."""
    frame = frame.reset_index(drop=True)
    values = {"as_of": provenance.as_of, "plan": provenance.plan, "plan_digest": provenance.plan_digest,
              "tool_version": provenance.tool_version}
    for i, (name, value) in enumerate(values.items()):
        frame.insert(i, name, value)
    return frame


def to_csv(frame: Any) -> str:
    """CSV with dates as YYYY-MM-DD and nulls as empty cells."""
    frame = frame.copy()
    for c in frame.columns:
        if str(frame[c].dtype).startswith("datetime64"):
            frame[c] = frame[c].dt.strftime("%Y-%m-%d")
    text: str = frame.to_csv(index=False, lineterminator="\n")
    return text


def to_parquet(frame: Any, kinds: Mapping[str, tuple[str, str, str]], provenance: Any) -> bytes:
    """Dates as date32, counts as int64, numbers float64, the rest strings; provenance also in the metadata."""
    import pyarrow as pa

    from energyplan.render.snapshot import parquet_bytes

    arrays, fields = [], []
    for c in frame.columns:
        kind = "date" if c == "as_of" else kinds.get(c, ("str", "", ""))[0]
        values = frame[c]
        if kind == "date":
            arr = pa.array(values if c == "as_of" else values.astype("datetime64[s]"), pa.date32(), from_pandas=True)
        elif kind == "int":
            arr = pa.array(values.astype("Int64"), pa.int64(), from_pandas=True)
        elif kind == "float":
            arr = pa.array(values.astype("float64"), pa.float64(), from_pandas=True)
        else:
            arr = pa.array(values, pa.string(), from_pandas=True)  # NaN/None: null; str columns without a copy
        arrays.append(arr)
        fields.append(pa.field(c, arr.type))
    table = pa.Table.from_arrays(arrays, schema=pa.schema(fields, metadata=provenance.metadata()))
    return parquet_bytes(table)


def axis_document(result: Any, key: str, data: dict[str, Any], tool_version: str) -> dict[str, Any]:
    """The JSON document of `outlook` / `adequacy` (outputs.md): `key` holds `data`, its site rows
    limited to the result's sites when some were chosen."""
    from energyplan.render.base import TOOL_NAME

    if result.sites:
        data = {**data, "sites": [r for r in data["sites"] if r["site_id"] in result.sites]}
    return {"schema_version": 1, "tool": {"name": TOOL_NAME, "version": tool_version},
            "plan": str(result.run.plan.root), "as_of": result.as_of.isoformat(),
            "currency": result.run.settings.currency, key: data}


def axis_flat(result: Any, frame: Any, provenance: Any = None) -> Any:
    """Site rows (of the chosen sites) then portfolio rows, the snapshot provenance columns in front."""
    if result.sites:
        frame = frame[(frame["scope"] == "portfolio") | frame["site_id"].isin(list(result.sites))]
    return with_provenance(frame, provenance if provenance is not None else result.provenance())


def axis_parquet(result: Any, frame: Any, kinds: Mapping[str, tuple[str, str, str]]) -> bytes:
    """axis_flat as Parquet, the provenance in the columns and the metadata: read once, as it hashes
    every plan file."""
    provenance = result.provenance()
    return to_parquet(axis_flat(result, frame, provenance), kinds, provenance)
