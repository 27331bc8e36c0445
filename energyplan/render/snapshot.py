"""KPI snapshots as Parquet: one file, or a hive-partitioned dataset by snapshot date (outputs.md)."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from energyplan.errors import UsageError
from energyplan.facts.registry import KPIS

PARTITION = "snapshot_date"
SNAPSHOT_SCHEMA = pa.schema(
    [
        ("as_of", pa.date32()),
        ("plan", pa.string()),
        ("plan_digest", pa.string()),
        ("tool_version", pa.string()),
        ("scope", pa.string()),
        ("site_id", pa.string()),
        # counts as int64, the rest float64 (outputs.md): the type follows the registry's kind
        *[(c, pa.int64() if k.kind == "int" else pa.float64()) for c, k in KPIS.items()],
    ]
)


def _kpi_array(values: pd.Series, kind: str) -> pa.Array:
    if kind == "int":
        # a nullable count keeps its nulls; an older float count is rounded, never truncated
        return pa.array(values.astype("Float64").round().astype("Int64"), pa.int64(), from_pandas=True)
    # NaN is how pandas spells null here; in the file it must be a real null
    return pa.array(values.to_numpy(dtype="float64", na_value=float("nan")), pa.float64(), from_pandas=True)


@dataclass(frozen=True)
class Provenance:
    as_of: dt.date
    plan: str  # the plan folder's name
    plan_digest: str
    tool_version: str
    git_commit: str | None = None
    currency: str | None = None  # metadata only: the unit of the cost columns
    plan_path: str | None = None  # metadata only: the plan's identity (relative to the git root, else absolute)

    def metadata(self) -> dict[bytes, bytes]:
        out = {
            "tool": "energyplan",
            "as_of": self.as_of.isoformat(),
            "plan": self.plan,
            "plan_digest": self.plan_digest,
            "tool_version": self.tool_version,
        }
        if self.git_commit:
            out["git_commit"] = self.git_commit
        if self.currency:
            out["currency"] = self.currency
        if self.plan_path:
            out["plan_path"] = self.plan_path
        return {k.encode(): v.encode() for k, v in out.items()}


def snapshot_table(kpis: pd.DataFrame, provenance: Provenance) -> pa.Table:
    """The snapshot of `Facts.kpi_frame()` rows: provenance columns, scope, site_id, KPI columns."""
    n = len(kpis)
    site_ids = kpis["site_id"].astype(object).where(kpis["site_id"].notna(), None).tolist()
    arrays = [
        pa.array([provenance.as_of] * n, pa.date32()),
        pa.array([provenance.plan] * n, pa.string()),
        pa.array([provenance.plan_digest] * n, pa.string()),
        pa.array([provenance.tool_version] * n, pa.string()),
        pa.array(kpis["scope"].astype(object).tolist(), pa.string()),
        pa.array(site_ids, pa.string()),
        *[_kpi_array(kpis[c], k.kind) for c, k in KPIS.items()],
    ]
    return pa.Table.from_arrays(arrays, schema=SNAPSHOT_SCHEMA.with_metadata(provenance.metadata()))


def parquet_bytes(table: pa.Table) -> bytes:
    buffer = io.BytesIO()
    pq.write_table(table, buffer, compression="zstd")
    return buffer.getvalue()


def snapshot_file_name(plan: str) -> str:
    # dataset readers skip files starting with "." or "_" (the temp files of write_atomic rely on it)
    return f"{plan.lstrip('._') or 'plan'}.parquet"


def snapshot_path(directory: Path, provenance: Provenance) -> Path:
    """DIR/snapshot_date=YYYY-MM-DD/<plan>.parquet, creating the date folder.

    The caller writes it atomically (temp file in that folder, then rename), so the same date
    written again replaces the file and a reader never sees half of one.
    """
    folder = Path(directory) / f"{PARTITION}={provenance.as_of.isoformat()}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create snapshot folder {folder}: {exc.strerror or exc}") from None
    return folder / snapshot_file_name(provenance.plan)
