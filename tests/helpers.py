"""Build tiny plans in code: tests read like the spec."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

# Minimal valid rows; tests override only the fields they are about.
SITE = {"site_id": "s1", "name": "Site one", "country": "DE", "site_type": "owned_dc", "pue": 1.2,
        "grid_carbon_intensity_g_per_kwh": 380, "sovereign": "false", "energy_owner": "ops"}
WORKLOAD = {"workload_id": "w1", "site_id": "s1", "workload_class": "training", "criticality": "tolerant",
            "gpu_count": 10, "gpu_power_kw": 1.0, "utilization": 0.5, "hours_per_week": 168,
            "start_date": "2026-01-01", "end_date": ""}
COMMITMENT = {"commitment_id": "c1", "provider": "acme", "site_id": "s1", "commitment_type": "reserved_capacity",
              "status": "signed", "gpu_count": 10, "start_date": "2026-01-01", "end_date": "2027-12-31",
              "total_cost": 1000000, "currency": "EUR", "sourcing_plan_id": "g1", "energy_signoff": "true",
              "finance_signoff": "true"}
CONTRACT = {"contract_id": "g1", "site_id": "s1", "layer": "grid", "contract_type": "grid_supply",
            "technology": "grid_mix", "status": "signed", "capacity_mw": 1.0, "availability_pct": 99.9,
            "price_per_mwh": 90, "currency": "EUR", "start_date": "2026-01-01", "end_date": "2030-12-31"}
INCIDENT = {"incident_id": "i1", "site_id": "s1", "started_at": "2026-11-01T10:00:00", "duration_hours": 2,
            "mw_shed": 0.5, "cause": "grid_curtailment"}
PROFILE = {"profile_id": "p1", "timestamp": "2026-01-01T00:00:00", "value": 1.0}

DEFAULT_COLUMNS: dict[str, list[str]] = {
    "sites": [*SITE, "grid_carbon_profile", "grid_cfe_profile", "grid_cfe_pct", "load_profile", "utc_offset_hours"],
    "workloads": ["workload_id", "name", "team", "site_id", "workload_class", "criticality", "gpu_type",
                  "gpu_count", "gpu_power_kw", "utilization", "hours_per_week", "start_date", "end_date",
                  "commitment_id", "sovereign_required", "sla_availability_pct"],
    "commitments": list(COMMITMENT),
    "contracts": ["contract_id", "site_id", "layer", "contract_type", "technology", "counterparty", "status",
                  "capacity_mw", "energy_mwh", "annual_volume_mwh", "availability_pct", "price_per_mwh",
                  "currency", "carbon_intensity_g_per_kwh", "start_date", "end_date", "generation_profile"],
    "incidents": list(INCIDENT),
    "profiles": list(PROFILE),
}


def csv_text(rows: list[dict[str, Any]], columns: list[str] | None = None) -> str:
    """CSV text with a header; columns default to the union of the rows' keys in first-seen order."""
    if columns is None:
        columns = []
        for row in rows:
            columns += [k for k in row if k not in columns]
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n", extrasaction="raise")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if row.get(k) is None else row.get(k, "")) for k in columns})
    return buf.getvalue()


def write_plan(root: Path, *, toml: str | None = None, **tables: list[dict[str, Any]] | str | bytes | None) -> Path:
    """Write a plan folder. Each table is a list of row dicts (written as CSV with the table's
    standard columns plus any extra keys), raw CSV text/bytes, or None to leave the file out.
    Tables not given are written header-only, except the optional incidents and profiles, left out.
    """
    root.mkdir(parents=True, exist_ok=True)
    for table in ("sites", "workloads", "commitments", "contracts", "incidents", "profiles"):
        value = tables.pop(table, [] if table not in ("incidents", "profiles") else None)
        if value is None:
            continue
        path = root / f"{table}.csv"
        if isinstance(value, bytes):
            path.write_bytes(value)
        elif isinstance(value, str):
            path.write_text(value, encoding="utf-8", newline="")
        else:
            columns = list(DEFAULT_COLUMNS[table])
            for row in value:
                columns += [k for k in row if k not in columns]
            path.write_text(csv_text(value, columns), encoding="utf-8", newline="")
    if tables:
        raise TypeError(f"unknown tables: {sorted(tables)}")
    if toml is not None:
        (root / "energyplan.toml").write_text(toml, encoding="utf-8")
    return root


def row(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A copy of a base row with some fields changed."""
    out = dict(base)
    out.update(changes)
    return out


def render(fmt: str, result: Any, ctx: Any) -> str:
    """Render an audit outcome through the one registry of formats, as `energyplan audit` does."""
    from energyplan.render import render as render_any

    out = render_any(ctx.command, fmt, result, ctx)
    assert isinstance(out, str)
    return out


def audit_formats() -> tuple[str, ...]:
    from energyplan.render import formats

    return formats("audit")
