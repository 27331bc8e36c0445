"""The KPI registry: every KPI of docs/methodology.md declared once, read by every view, schema and doc (no pandas)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

CURRENCY = "currency"  # in a unit or header, the word that stands for the plan currency


@dataclass(frozen=True)
class Kpi:
    """One KPI column: what it is, how to show it, and which function of facts/kpis.py computes it.

    `formula` names a function of energyplan/facts/kpis.py returning (per-site array, portfolio value);
    it is a string so that this module, read at start-up, imports no numpy. `method` is the formula in
    plain words (docs/methodology.md is generated from it).
    """

    name: str
    unit: str
    kind: Literal["float", "int"]
    header: str  # two short lines (name, unit) for an 80-column table
    decimals: int  # for human views
    doc: str  # one sentence
    method: str  # the formula in plain words, site and portfolio
    formula: str
    headline: bool = False

    def unit_in(self, currency: str) -> str:
        """The unit with the plan currency in place of the word `currency`."""
        return self.unit.replace(CURRENCY, currency)

    def header_in(self, currency: str) -> str:
        return self.header.replace(CURRENCY, currency)


_KPIS = (
    Kpi("peak_demand_mw", "MW", "float", "Peak\nMW", 2,
        "Facility peak of the workloads active at the audit date.",
        "Σ gpu_count × gpu_power_kw × PUE / 1000 over active workloads at the site, cloud regions included; "
        "the portfolio sums non-cloud sites only.",
        "peak_demand_mw"),
    Kpi("effective_mw", "MW", "float", "Effective\nMW", 2,
        "Firm power: Σ capacity × availability of counted grid and flexibility contracts.",
        "Σ capacity_mw × availability_pct / 100 over signed, active grid and flexibility contracts; empty at a "
        "cloud region (its power is the provider's); the portfolio sums non-cloud sites.",
        "effective_mw", headline=True),
    Kpi("headroom_mw", "MW", "float", "Headroom\nMW", 2,
        "Firm power left once the peak is served.",
        "effective_mw − peak_demand_mw; empty where effective_mw is.",
        "headroom_mw"),
    Kpi("headroom_pct", "%", "float", "Headroom\n%", 1,
        "Headroom as a share of firm power.",
        "headroom_mw / effective_mw × 100; empty where effective_mw is empty or 0.",
        "headroom_pct"),
    Kpi("supply_availability_pct", "%", "float", "Supply avail.\n%", 3,
        "Chance that at least one counted grid or flexibility contract delivers.",
        "(1 − Π(1 − availability_pct / 100)) × 100 over counted grid and flexibility contracts; empty at a "
        "cloud region, at a site without such contracts, and for the portfolio.",
        "supply_availability_pct"),
    Kpi("annual_energy_mwh", "MWh/yr", "float", "Energy\nMWh/yr", 0,
        "E: energy the active workloads use in a year.",
        "Σ gpu_count × gpu_power_kw × utilization × PUE × hours_per_week × 365 / 7 / 1000 over active "
        "workloads; the portfolio sums the sites.",
        "annual_energy_mwh"),
    Kpi("gpu_hours", "GPU-h/yr", "float", "GPU-hours\nper yr", 0,
        "G: GPU-hours the active workloads run in a year.",
        "Σ gpu_count × hours_per_week × 365 / 7 over active workloads; the portfolio sums the sites.",
        "gpu_hours"),
    Kpi("ppa_volume_mwh", "MWh/yr", "float", "PPA\nMWh/yr", 0,
        "P: annual volume of the counted PPAs.",
        "Σ annual_volume_mwh (empty = 0) over signed, active ppa contracts; the portfolio sums the sites.",
        "ppa_volume_mwh"),
    Kpi("ppa_coverage_pct", "%", "float", "PPA cover\n%", 1,
        "Share of the energy covered by PPAs.",
        "min(P / E, 1) × 100, empty where E = 0; the portfolio is Σ min(P, E) / Σ E × 100.",
        "ppa_coverage_pct"),
    Kpi("carbon_intensity_g_per_kwh", "gCO2e/kWh", "float", "Carbon\ngCO2e/kWh", 1,
        "Market-based operational carbon intensity of the energy used.",
        "(min(P, E) × c_ppa + (E − min(P, E)) × c_grid) / E, c_ppa the volume-weighted intensity of the "
        "counted PPAs and c_grid the site's grid factor; empty where E = 0; the portfolio is the E-weighted mean.",
        "carbon_intensity_g_per_kwh", headline=True),
    Kpi("location_carbon_intensity_g_per_kwh", "gCO2e/kWh", "float", "Grid carbon\ngCO2e/kWh", 1,
        "Location-based carbon intensity: the site's grid factor.",
        "The site's grid_carbon_intensity_g_per_kwh; the portfolio is the E-weighted mean.",
        "location_carbon_intensity_g_per_kwh"),
    Kpi("kg_co2e_per_gpu_hour", "kgCO2e/GPU-h", "float", "Carbon\nkg/GPU-h", 3,
        "Market-based carbon per GPU-hour.",
        "carbon_intensity × (E × 1000 / G) / 1000, empty where E or G is 0; the portfolio is "
        "Σ (intensity × E) / Σ G.",
        "kg_co2e_per_gpu_hour"),
    Kpi("energy_cost_per_gpu_hour", "currency/GPU-h", "float", "Energy\ncurrency/GPU-h", 3,
        "Energy cost of one GPU-hour at the marginal grid price.",
        "(E × 1000 / G) × the highest price_per_mwh among counted grid contracts / 1000; 0 at a cloud region "
        "(energy is in the cloud price); empty where G = 0 or no such contract has a price; the portfolio is "
        "the G-weighted mean over sites where it is known.",
        "energy_cost_per_gpu_hour"),
    Kpi("compute_cost_per_gpu_hour", "currency/GPU-h", "float", "Compute\ncurrency/GPU-h", 3,
        "Cost of the counted compute commitments per GPU-hour they buy.",
        "Σ total_cost / Σ gpu_count × term_hours over signed, active commitments, term_hours = "
        "(end_date − start_date + 1 day) × 24; empty without any; the portfolio sums every counted commitment.",
        "compute_cost_per_gpu_hour"),
    Kpi("marginal_gpu_hour_cost", "currency/GPU-h", "float", "Marginal\ncurrency/GPU-h", 3,
        "What one more GPU-hour costs: energy plus compute.",
        "energy_cost_per_gpu_hour + compute_cost_per_gpu_hour, an empty part counting as 0; empty where both "
        "are, and at a cloud region whose compute cost is empty (an unknown price is not free).",
        "marginal_gpu_hour_cost", headline=True),
    Kpi("incidents_13w", "count", "int", "Incidents\n13 wk", 0,
        "Energy-constraint incidents in the last 13 weeks.",
        "Number of incidents whose started_at falls on one of the 91 days D − 90 … D; the portfolio sums.",
        "incidents_13w", headline=True),
    Kpi("incident_hours_13w", "h", "float", "Incident h\n13 wk", 1,
        "Hours of those incidents.",
        "Σ duration_hours of the incidents counted in incidents_13w; the portfolio sums.",
        "incident_hours_13w"),
)

# name -> Kpi, in output order (site rows and the portfolio row alike)
KPIS: dict[str, Kpi] = {k.name: k for k in _KPIS}
HEADLINE_KPIS: tuple[str, ...] = tuple(k.name for k in _KPIS if k.headline)
COUNT_KPIS: tuple[str, ...] = tuple(k.name for k in _KPIS if k.kind == "int")


def kpi_unit(name: str, currency: str) -> str:
    """The unit of KPI `name` with the plan currency filled in."""
    return KPIS[name].unit_in(currency)
