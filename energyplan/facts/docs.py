"""Documents generated from the KPI registry: docs/methodology.md and the KPI part of the JSON Schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from energyplan.facts.registry import KPIS

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "docs" / "schema" / "audit.schema.json"

_HEAD = """\
<!-- Generated from energyplan/facts/registry.py by `python -m energyplan.docsgen methodology`; do not edit
by hand. -->

# Methodology: how energyplan computes its KPIs

energyplan computes every KPI per site and for the whole portfolio at one date D, the audit date
(`as_of`; today unless the command or `energyplan.toml` sets it). The same numbers appear in every
output: the terminal table, JSON, CSV, Parquet snapshots, `trend` and `diff`.

## Which rows count at D

- A workload, commitment or contract is **active** when it has started (`start_date` ≤ D) and has not
  ended (`end_date` empty or D ≤ `end_date`).
- Supply counts only from contracts that are active **and** `signed`: a proposed or negotiating contract
  delivers nothing yet. The same holds for commitments in the compute cost.
- Money is converted into the plan currency with the rates of `[fx]`; an amount without a rate counts
  as missing (never as 0).
- A row whose `site_id` names no site is left out of the KPIs (EP001 reports it).
- A sum over no rows is 0; a ratio whose denominator is 0 is empty (`null` in JSON, `—` in tables).
- The portfolio row adds sums and recomputes ratios from those sums; it never averages site ratios.

Per active workload at a site with power usage effectiveness PUE:
facility peak = gpu_count × gpu_power_kw × PUE; GPU-hours per year = gpu_count × hours_per_week × 365 / 7;
energy per year (MWh) = gpu_count × gpu_power_kw × utilization × PUE × hours_per_week × 365 / 7 / 1000.
E, G and P below are a site's energy, GPU-hours and PPA volume per year.

## The KPIs

The four **headline** KPIs, which `trend`, summaries and report tiles lead with, are marked ★.
"""

_CARBON = """\
## Carbon: market-based and location-based

The GHG Protocol Scope 2 Guidance (2015) asks for Scope 2 emissions of purchased electricity under two
methods, reported side by side ("dual reporting"):

- the **location-based method** uses the average emission factor of the grids where the electricity is
  consumed; energyplan's `location_carbon_intensity_g_per_kwh` is the site's grid factor
  (`grid_carbon_intensity_g_per_kwh` in the sites table);
- the **market-based method** uses the emission factors of the contractual instruments a company chose
  (PPAs, supplier contracts, energy attribute certificates); energyplan's
  `carbon_intensity_g_per_kwh` credits the counted PPAs of the site, up to the site's energy, at their own
  intensity (0 for a solar, wind, hydro, nuclear or geothermal PPA that states none) and prices the rest
  at the site's grid factor.

Limits to keep in mind: the uncovered energy uses the grid factor you enter, which stands in for the
residual mix the Guidance prefers where one is published; certificates and supplier-specific factors
outside the contracts table are not read; a PPA counts for the site it is attached to only. Both
intensities are operational (Scope 2): embodied emissions of hardware and buildings (Scope 3) are not
included. `kg_co2e_per_gpu_hour` is market-based.
"""

_COST = """\
## Marginal GPU-hour cost: what it includes and excludes

`marginal_gpu_hour_cost` answers "what does one more GPU-hour cost at this site?" and is the sum of:

- **energy**: the site's kWh per GPU-hour (E × 1000 / G, so PUE and utilization are in it) times the
  highest `price_per_mwh` among the site's counted grid contracts, the price the next MWh is bought at;
- **compute**: the total cost of the site's counted compute commitments spread over every GPU-hour they
  buy (gpu_count × 24 h × every day of the term), used or not.

It includes nothing else. Excluded: PPA and flexibility prices (a PPA's volume is bought whatever you
run); network charges, taxes and levies unless they are inside `price_per_mwh`; hardware you own outside
a commitment; staff, space and cooling beyond what PUE adds; idle commitment capacity beyond spreading the
cost over the full term.

**Cloud regions.** A cloud region's energy is inside the provider's price, so its
`energy_cost_per_gpu_hour` is 0 in JSON, CSV and Parquet, and tables show **in cloud price** instead of
a number. When a cloud region has no counted commitment, its compute price is unknown and so is its
marginal cost: `null` in machine formats, **—** with a footnote in tables. A value is never shown as 0
when it is unknown: 0 would read as free. An unknown part of a non-cloud site's cost (no priced grid
contract, or no commitment) counts as 0 only while the other part is known; with both unknown the
marginal cost is empty too.
"""


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_methodology() -> str:
    """docs/methodology.md: fixed prose around a table generated from the registry."""
    out = [_HEAD, "| KPI | unit | what it is | formula (site; portfolio) |", "| --- | --- | --- | --- |"]
    for kpi in KPIS.values():
        star = " ★" if kpi.headline else ""
        out.append(f"| `{kpi.name}`{star} | {_cell(kpi.unit)} | {_cell(kpi.doc)} | {_cell(kpi.method)} |")
    out += ["", "`currency` stands for the plan currency (`currency` in `energyplan.toml`, default EUR).", ""]
    return "\n".join([*out, _CARBON, _COST])


def kpi_properties(kind: str) -> dict[str, Any]:
    """The JSON Schema of the KPI properties of one site row or of the portfolio row."""
    properties: dict[str, Any] = {}
    for kpi in KPIS.values():
        number = "integer" if kpi.kind == "int" else "number"
        properties[kpi.name] = {"type": [number, "null"], "description": f"{kpi.doc} Unit: {kpi.unit}."}
    lead: dict[str, Any] = {}
    if kind == "site_kpis":
        lead = {"site_id": {"type": "string"}, "site_type": {"type": ["string", "null"]}}
    return {"type": "object", "additionalProperties": False, "required": [*lead, *properties],
            "properties": {**lead, **properties}}


def axis_properties(table: str) -> dict[str, Any]:
    """The JSON Schema of one row of a month or year table (facts.columns.AXIS_COLUMNS)."""
    from energyplan.facts.columns import AXIS_COLUMNS, AXIS_SCOPE

    kinds = {"float": {"type": ["number", "null"]}, "int": {"type": ["integer", "null"]},
             "date": {"type": ["string", "null"], "format": "date"}}
    properties: dict[str, Any] = {
        name: {**kinds.get(kind, {"type": ["string", "null"]}), "description": f"{doc}" + (f" Unit: {unit}."
                                                                                         if unit else "")}
        for name, (kind, unit, doc) in AXIS_COLUMNS[table].items()}
    if "month" in properties:
        properties["month"] = {"type": "string", "format": "date", "description": properties["month"]["description"]}
    lead: dict[str, Any] = {}
    if AXIS_SCOPE[table] == "sites":
        lead = {"site_id": {"type": "string"}, "site_type": {"type": ["string", "null"]}}
    return {"type": "object", "additionalProperties": False, "required": [*lead, *properties],
            "properties": {**lead, **properties}}


_AXIS_DEFS = {"site_month": "site_months", "portfolio_month": "portfolio_months", "site_year": "site_year",
              "portfolio_year": "portfolio_year"}


def render_audit_schema() -> str:
    """docs/schema/audit.schema.json with the definitions of the KPI rows (from the registry) and of the
    month and year rows (from the facts column registry)."""
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    for name in ("site_kpis", "portfolio_kpis"):
        schema["$defs"][name] = kpi_properties(name)
    for name, table in _AXIS_DEFS.items():
        schema["$defs"][name] = axis_properties(table)
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
