"""A hand-made AuditOutcome that exercises every rendering case, shared by the render tests."""

from __future__ import annotations

import datetime as dt
import math

from energyplan.facts.registry import KPIS as KPI_COLUMNS
from energyplan.model import AuditOutcome, Finding, RuleSpec, Severity, Waiver
from energyplan.render.base import RenderContext

AS_OF = dt.date(2026, 11, 30)
PREFIX = "sample_data/northwind/"


def spec(code: str, name: str, severity: str, table: str | None, remediation: str = "") -> RuleSpec:
    sev = Severity(severity)
    return RuleSpec(
        code=code, name=name, severity=sev, default_severity=sev, table=table,
        summary=f"{name.replace('-', ' ').capitalize()}",
        rationale=f"Why {code} matters: plans drift | budgets <b>break</b>.",
        remediation=remediation or f"Fix the {table or 'config'} row.\nSecond line is not the hint.",
        message="{message}",
    )


RULES = [
    spec("EP000", "schema-violation", "error", None),
    spec("EP004", "stale-waiver", "info", None, "Delete the waiver from energyplan.toml."),
    spec("EP101", "commitment-without-sourcing-plan", "error", "commitments",
         "Name the grid or PPA contract that powers this commitment in sourcing_plan_id."),
    spec("EP201", "missing-grid-layer", "error", "sites"),
    spec("EP205", "flexibility-below-sensitive-peak", "warning", "sites"),
    spec("EP301", "unsegmented-workload", "warning", "workloads"),
    spec("EP403", "commitment-without-finance-signoff", "warning", "commitments"),
    spec("EP501", "capacity-shortfall", "error", "sites"),
    spec("EP603", "ppa-over-procurement", "info", "sites"),
]


def finding(rule: str, severity: str, **kw) -> Finding:
    name = next((r.name for r in RULES if r.code == rule), "not-in-rules")
    base = dict(table=None, record_id=None, site_id=None, file=None, row=None, line=None, column=None)
    base.update(kw)
    return Finding(rule=rule, name=name, severity=Severity(severity), **base)


WAIVER = Waiver(rule="EP403", record="cmt-gcp-2026", owner="cfo-office@northwind.example",
                reason="finance sign-off is on the December steering committee agenda",
                expires=dt.date(2026, 12, 31))

FINDINGS = [
    finding("EP101", "error", table="commitments", record_id="cmt-aws-2027", site_id="aws-eu-central-1",
            file="commitments.csv", row=3, line=4, column="sourcing_plan_id",
            message="commitment cmt-aws-2027 (2,048 GPUs, signed) names no electricity sourcing plan"),
    finding("EP000", "error", table="workloads", record_id="w-7", site_id="münchen-1", file="workloads.csv",
            row=5, line=7, column="gpu_count",
            message="gpu_count 'ten\nthousand' is not an integer: 100% of 1,000 checked [bold]x[/bold]"),
    finding("EP000", "error", table="workloads", record_id="w-dup", file="workloads.csv", row=6, line=9,
            column="workload_id", message="duplicate workload_id w-dup (first at row 2)"),
    finding("EP000", "error", table="workloads", record_id="w-dup", file="workloads.csv", row=7, line=10,
            column="workload_id", message="duplicate workload_id w-dup (first at row 2)"),
    finding("EP000", "error", table="contracts", file="contracts.csv",
            message="contracts.csv: the header is not comma-separated (it seems to use ';')"),
    finding("EP201", "error", table="sites", record_id="münchen-1", site_id="münchen-1", file="sites.csv",
            row=2, line=3, message="Standort München-1 has 1.44 MW of active workloads and no counted grid "
                                   "contract | «Netz» missing"),
    finding("EP403", "warning", table="commitments", record_id="cmt-gcp-2026", site_id="gcp-europe-west4",
            file="commitments.csv", row=4, line=5, column="finance_signoff",
            message="commitment cmt-gcp-2026 has no finance sign-off", waived=True, waiver=WAIVER),
    finding("EP403", "warning", table="commitments", record_id="cmt-old", site_id="münchen-1",
            file="commitments.csv", row=5, line=6, column="finance_signoff",
            message="commitment cmt-old has no finance sign-off (its waiver expired on 2026-10-31)"),
    finding("EP301", "warning", table="workloads", record_id="w-train", site_id="münchen-1",
            file="workloads.csv", row=2, line=3, column="criticality",
            message="workload w-train has no criticality", baseline=True),
    finding("EP004", "info", record_id="cmt-gone",
            message="waiver for EP101 cmt-gone (expires 2027-01-01) matches no finding: 50%,\r\ndelete it"),
    finding("EP603", "info", table="sites", record_id="aws-eu-central-1", site_id="aws-eu-central-1",
            file="sites.parquet", row=2, message="PPA volume 13,000 MWh is 130% of annual energy 10,000 MWh"),
]


def kpi_row(**values) -> dict:
    row = {c: None for c in KPI_COLUMNS}
    row.update(values)
    return row


KPIS = {
    "sites": [
        {"site_id": "münchen-1", "site_type": "owned_dc", **kpi_row(
            peak_demand_mw=1.44, effective_mw=2.493, headroom_mw=1.053, headroom_pct=42.23826714801444,
            supply_availability_pct=99.999, annual_energy_mwh=9460.8, gpu_hours=10512000.0,
            ppa_volume_mwh=5000.0, ppa_coverage_pct=52.84965330627431,
            carbon_intensity_g_per_kwh=179.17132797479072, location_carbon_intensity_g_per_kwh=380.0,
            kg_co2e_per_gpu_hour=0.16125419517731166, energy_cost_per_gpu_hour=0.081,
            compute_cost_per_gpu_hour=None, marginal_gpu_hour_cost=0.081, incidents_13w=2.0,
            incident_hours_13w=5.5)},
        {"site_id": "aws-eu-central-1", "site_type": "cloud_region", **kpi_row(
            peak_demand_mw=0.5, annual_energy_mwh=10000.0, gpu_hours=2000000.0, ppa_volume_mwh=13000.0,
            ppa_coverage_pct=100.0, carbon_intensity_g_per_kwh=35.0, location_carbon_intensity_g_per_kwh=math.nan,
            kg_co2e_per_gpu_hour=0.175, energy_cost_per_gpu_hour=0.0, compute_cost_per_gpu_hour=2.25,
            marginal_gpu_hour_cost=2.25, incidents_13w=0, incident_hours_13w=0.0)},
    ],
    "portfolio": kpi_row(
        peak_demand_mw=1.44, effective_mw=2.493, headroom_mw=1.053, headroom_pct=42.23826714801444,
        annual_energy_mwh=19460.8, gpu_hours=12512000.0, ppa_volume_mwh=18000.0, ppa_coverage_pct=77.0,
        incidents_13w=2, incident_hours_13w=5.5),
}


def sample_result(**changes) -> AuditOutcome:
    result = AuditOutcome(
        plan="sample_data/northwind", as_of=AS_OF, currency="EUR", fail_on="error",
        findings=list(FINDINGS), counts={"error": 8, "warning": 1, "info": 2}, waived=1, baseline=1,
        stale_waivers=1, failing=8, rows_left_out={"workloads": 3, "contracts": 0},
        skipped_rules=[{"rule": "EP205", "reason": "table contracts did not load"}],
        fixed=[{"rule": "EP302", "table": "workloads", "record_id": "w-old", "column": "criticality"}],
        truncated={"EP000": 2}, kpis=KPIS, rules=list(RULES),
        repo_relative_prefix=PREFIX,
    )
    for key, value in changes.items():
        setattr(result, key, value)
    return result


def ctx(**changes) -> RenderContext:
    base = dict(command="audit", quiet=False, color=False, width=100, tool_version="0.1.0", uri_prefix=PREFIX)
    base.update(changes)
    return RenderContext(**base)
