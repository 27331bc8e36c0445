"""KPI snapshot datasets: writing one week's snapshot (reading them back is energyplan.trends's)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from energyplan.api import KpiResult


def write_snapshot(result: KpiResult, directory: Path, *, name: str | None = None) -> Path:
    """Write every site's KPIs (whatever a --site filter shows: trends must not lose sites) to
    DIR/snapshot_date=YYYY-MM-DD/<name>.parquet atomically; returns the file written."""
    from energyplan.atomic import write_atomic
    from energyplan.render.snapshot import parquet_bytes, snapshot_path, snapshot_table
    from energyplan.snapshot_guard import check_snapshot_target

    provenance = result.provenance(name)
    target = snapshot_path(directory, provenance)
    # another plan's snapshot of the same name (northwind vs .northwind, two `prod` folders) is never replaced
    check_snapshot_target(target, provenance.plan_path or provenance.plan, name is not None, plan_name=provenance.plan)
    write_atomic(target, parquet_bytes(snapshot_table(result.run.facts.kpi_frame(), provenance)))
    return target
