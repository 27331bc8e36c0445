"""The KPI formulas of docs/methodology.md, one function per KPI, looked up by the name the registry gives.

Each formula takes the `KpiInputs` (per-site sums, and the KPIs already computed, in registry order)
and returns (the per-site array, the portfolio value). Portfolio ratios are recomputed from sums,
never averaged.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from energyplan.facts.registry import KPIS

Portfolio = float | int | None
Formula = Callable[["KpiInputs"], tuple[np.ndarray, Portfolio]]


@dataclass
class KpiInputs:
    """`sums`: per-site arrays (and plan totals) built in facts/today.py; `site`/`portfolio`: KPIs so far."""

    sums: dict[str, Any]
    site: dict[str, np.ndarray] = field(default_factory=dict)
    portfolio: dict[str, Portfolio] = field(default_factory=dict)

    @property
    def cloud(self) -> np.ndarray:
        return np.asarray(self.sums["is_cloud"], dtype=bool)


def formula(name: str) -> Formula:
    """The function of this module that the registry names; KeyError for a name that is none."""
    function = getattr(sys.modules[__name__], name, None)
    if not callable(function) or name.startswith("_") or name not in {k.formula for k in KPIS.values()}:
        raise KeyError(f"no KPI formula {name!r} in energyplan/facts/kpis.py")
    return function  # type: ignore[no-any-return]


def compute_kpis(sums: dict[str, Any]) -> KpiInputs:
    """Every registry KPI, per site and for the portfolio, in registry order."""
    x = KpiInputs(sums)
    for kpi in KPIS.values():
        site, total = formula(kpi.formula)(x)
        x.site[kpi.name] = site
        x.portfolio[kpi.name] = total
    return x


def _ratio(num: np.ndarray, den: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """num / den where ok holds, NaN elsewhere, with no division warnings for the rows left null."""
    safe = np.where(ok, den, 1.0)
    return np.where(ok, num / safe, np.nan)


def _div(num: float, den: float) -> float | None:
    return num / den if den > 0 else None


def _weighted_mean(values: np.ndarray, weights: np.ndarray) -> float | None:
    """Σ w·x / Σ w over rows with w > 0; weights normalised first so one site gives its value exactly."""
    keep = weights > 0
    total = float(weights[keep].sum())
    if total <= 0:
        return None
    return float(((weights[keep] / total) * values[keep]).sum())


def _firm_sum(x: KpiInputs, site: np.ndarray) -> float | None:
    """The firm-capacity view of the portfolio: a sum over non-cloud sites, null without any."""
    firm = ~x.cloud
    return float(site[firm].sum()) if firm.any() else None


def peak_demand_mw(x: KpiInputs) -> tuple[np.ndarray, Portfolio]:
    site = np.asarray(x.sums["peak_mw"], dtype=np.float64)
    return site, _firm_sum(x, site)


def effective_mw(x: KpiInputs) -> tuple[np.ndarray, Portfolio]:
    # cloud regions: power is the provider's, so firm capacity does not apply there
    site = np.where(x.cloud, np.nan, x.sums["firm_mw"])
    return site, _firm_sum(x, site)


def headroom_mw(x: KpiInputs) -> tuple[np.ndarray, Portfolio]:
    site = x.site["effective_mw"] - x.site["peak_demand_mw"]
    effective, peak = x.portfolio["effective_mw"], x.portfolio["peak_demand_mw"]
    return site, None if effective is None or peak is None else effective - peak


def headroom_pct(x: KpiInputs) -> tuple[np.ndarray, Portfolio]:
    effective = x.site["effective_mw"]
    site = _ratio(x.site["headroom_mw"] * 100, effective, effective > 0)
    headroom, total = x.portfolio["headroom_mw"], x.portfolio["effective_mw"]
    return site, None if headroom is None or total is None else _div(headroom * 100, total)


def supply_availability_pct(x: KpiInputs) -> tuple[np.ndarray, Portfolio]:
    has_supply = ~x.cloud & (x.sums["supply_contracts"] > 0)
    # the portfolio has no single supply: each site's contracts serve that site only
    return np.where(has_supply, (1 - x.sums["unavailability"]) * 100, np.nan), None


def annual_energy_mwh(x: KpiInputs) -> tuple[np.ndarray, Portfolio]:
    site = np.asarray(x.sums["energy"], dtype=np.float64)
    return site, float(site.sum())


def gpu_hours(x: KpiInputs) -> tuple[np.ndarray, Portfolio]:
    site = np.asarray(x.sums["gpu_hours"], dtype=np.float64)
    return site, float(site.sum())


def ppa_volume_mwh(x: KpiInputs) -> tuple[np.ndarray, Portfolio]:
    site = np.asarray(x.sums["ppa_volume"], dtype=np.float64)
    return site, float(site.sum())


def ppa_coverage_pct(x: KpiInputs) -> tuple[np.ndarray, Portfolio]:
    energy, ppa = x.site["annual_energy_mwh"], x.site["ppa_volume_mwh"]
    has_e = energy > 0
    site = np.where(has_e, np.minimum(_ratio(ppa, energy, has_e), 1.0) * 100, np.nan)
    total_e = float(x.portfolio["annual_energy_mwh"] or 0.0)
    return site, _div(float(np.minimum(ppa, energy).sum()) * 100, total_e)


def carbon_intensity_g_per_kwh(x: KpiInputs) -> tuple[np.ndarray, Portfolio]:
    energy, ppa, grid = x.site["annual_energy_mwh"], x.site["ppa_volume_mwh"], x.sums["grid_factor"]
    covered = np.minimum(ppa, energy)
    # P-weighted mean of the PPAs' intensity; with P = 0 nothing is covered, so its value is moot
    c_ppa = np.where(ppa > 0, _ratio(x.sums["ppa_carbon_volume"], ppa, ppa > 0), 0.0)
    has_e = energy > 0
    # (m·c_ppa + (E − m)·c_grid) / E written as c_grid + m·(c_ppa − c_grid)/E: exactly the grid factor
    # when nothing is covered, instead of a float a hair off it
    site = np.where(has_e, grid + _ratio(covered * (c_ppa - grid), energy, has_e), np.nan)
    return site, _weighted_mean(site, energy)


def location_carbon_intensity_g_per_kwh(x: KpiInputs) -> tuple[np.ndarray, Portfolio]:
    grid = np.asarray(x.sums["grid_factor"], dtype=np.float64)
    return grid, _weighted_mean(grid, x.site["annual_energy_mwh"])


def kg_co2e_per_gpu_hour(x: KpiInputs) -> tuple[np.ndarray, Portfolio]:
    energy, hours = x.site["annual_energy_mwh"], x.site["gpu_hours"]
    carbon = x.site["carbon_intensity_g_per_kwh"]
    has_e, has_g = energy > 0, hours > 0
    site = np.where(has_e & has_g, carbon * _ratio(energy * 1000, hours, has_g) / 1000, np.nan)
    total_e, total_g = float(x.portfolio["annual_energy_mwh"] or 0.0), float(x.portfolio["gpu_hours"] or 0.0)
    # g/kWh × MWh = kg; sites with E = 0 add nothing. Like a site's: null without energy.
    carbon_e = float((np.where(has_e, carbon, 0.0) * energy).sum())
    return site, _div(carbon_e, total_g) if total_e > 0 else None


def energy_cost_per_gpu_hour(x: KpiInputs) -> tuple[np.ndarray, Portfolio]:
    energy, hours = x.site["annual_energy_mwh"], x.site["gpu_hours"]
    has_g = hours > 0
    kwh_per_gpu_hour = _ratio(energy * 1000, hours, has_g)
    # a cloud region's energy is in its cloud price: 0 here, and the views say "in cloud price"
    site = np.where(has_g, np.where(x.cloud, 0.0, kwh_per_gpu_hour * x.sums["marginal_price"] / 1000), np.nan)
    priced = ~np.isnan(site)
    return site, _weighted_mean(site[priced], hours[priced])


def compute_cost_per_gpu_hour(x: KpiInputs) -> tuple[np.ndarray, Portfolio]:
    s = x.sums
    site = _ratio(s["compute_cost"], s["compute_gpu_hours"],
                  (s["compute_commitments"] > 0) & (s["compute_gpu_hours"] > 0))
    total = _div(s["plan_compute_cost"], s["plan_compute_gpu_hours"]) if s["plan_compute_commitments"] else None
    return site, total


def marginal_gpu_hour_cost(x: KpiInputs) -> tuple[np.ndarray, Portfolio]:
    """energy + compute, a null part counting as 0; null where both are null, and at a cloud region
    whose compute cost is null (its energy is in a price we do not know: 0 would read as free)."""
    energy, compute = x.site["energy_cost_per_gpu_hour"], x.site["compute_cost_per_gpu_hour"]
    unknown = (np.isnan(energy) & np.isnan(compute)) | (x.cloud & np.isnan(compute))
    site = np.where(unknown, np.nan, np.nan_to_num(energy) + np.nan_to_num(compute))
    e_total = x.portfolio["energy_cost_per_gpu_hour"]
    c_total = x.portfolio["compute_cost_per_gpu_hour"]
    all_cloud = bool(x.cloud.all()) and len(x.cloud) > 0
    if (e_total is None and c_total is None) or (all_cloud and c_total is None):
        return site, None
    return site, (e_total or 0.0) + (c_total or 0.0)


def incidents_13w(x: KpiInputs) -> tuple[np.ndarray, Portfolio]:
    site = np.asarray(x.sums["incidents"]).astype(np.int64)
    return site, int(site.sum())


def incident_hours_13w(x: KpiInputs) -> tuple[np.ndarray, Portfolio]:
    site = np.asarray(x.sums["incident_hours"], dtype=np.float64)
    return site, float(site.sum())
