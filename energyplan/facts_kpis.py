"""The KPI formulas of spec/kpis.md: per-site arrays from per-site sums, and the portfolio row."""

from __future__ import annotations

from typing import Any

import numpy as np


def _ratio(num: np.ndarray, den: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """num / den where ok holds, NaN elsewhere, with no division warnings for the rows left null."""
    safe = np.where(ok, den, 1.0)
    return np.where(ok, num / safe, np.nan)


def site_kpis(s: dict[str, Any], n: int) -> dict[str, np.ndarray]:
    """Every KPI column per site from the per-site sums built in facts.build_facts."""
    cloud = s["is_cloud"]
    peak = s["peak_mw"]
    energy, gpu_hours, ppa = s["energy"], s["gpu_hours"], s["ppa_volume"]
    grid = s["grid_factor"]
    # cloud regions: power is the provider's, so firm capacity does not apply there
    effective = np.where(cloud, np.nan, s["firm_mw"])
    headroom = effective - peak
    has_supply = ~cloud & (s["supply_contracts"] > 0)
    covered = np.minimum(ppa, energy)
    # P-weighted mean of the PPAs' intensity; with P = 0 nothing is covered, so its value is moot
    c_ppa = _ratio(s["ppa_carbon_volume"], ppa, ppa > 0)
    c_ppa = np.where(ppa > 0, c_ppa, 0.0)
    has_e, has_g = energy > 0, gpu_hours > 0
    # (m·c_ppa + (E − m)·c_grid) / E written as c_grid + m·(c_ppa − c_grid)/E: exactly the grid factor
    # when nothing is covered, instead of a float a hair off it
    carbon = np.where(has_e, grid + _ratio(covered * (c_ppa - grid), energy, has_e), np.nan)
    kwh_per_gpu_hour = _ratio(energy * 1000, gpu_hours, has_g)
    energy_cost = np.where(has_g, np.where(cloud, 0.0, kwh_per_gpu_hour * s["marginal_price"] / 1000), np.nan)
    compute = _ratio(s["compute_cost"], s["compute_gpu_hours"],
                     (s["compute_commitments"] > 0) & (s["compute_gpu_hours"] > 0))
    return {
        "peak_demand_mw": peak,
        "effective_mw": effective,
        "headroom_mw": headroom,
        "headroom_pct": _ratio(headroom * 100, effective, effective > 0),
        "supply_availability_pct": np.where(has_supply, (1 - s["unavailability"]) * 100, np.nan),
        "annual_energy_mwh": energy,
        "gpu_hours": gpu_hours,
        "ppa_volume_mwh": ppa,
        "ppa_coverage_pct": np.where(has_e, np.minimum(_ratio(ppa, energy, has_e), 1.0) * 100, np.nan),
        "carbon_intensity_g_per_kwh": carbon,
        "location_carbon_intensity_g_per_kwh": grid.astype(np.float64),
        "kg_co2e_per_gpu_hour": np.where(has_e & has_g, carbon * kwh_per_gpu_hour / 1000, np.nan),
        "energy_cost_per_gpu_hour": energy_cost,
        "compute_cost_per_gpu_hour": compute,
        "marginal_gpu_hour_cost": _marginal(energy_cost, compute),
        "incidents_13w": s["incidents"].astype(np.int64),
        "incident_hours_13w": s["incident_hours"],
    }


def _marginal(energy_cost: np.ndarray, compute: np.ndarray) -> np.ndarray:
    """energy + compute, a null part counting as 0; null where both are null."""
    both_null = np.isnan(energy_cost) & np.isnan(compute)
    return np.where(both_null, np.nan, np.nan_to_num(energy_cost) + np.nan_to_num(compute))


def _div(num: float, den: float) -> float | None:
    return num / den if den > 0 else None


def _weighted_mean(values: np.ndarray, weights: np.ndarray) -> float | None:
    """Σ w·x / Σ w over rows with w > 0; weights normalised first so one site gives its value exactly."""
    keep = weights > 0
    total = float(weights[keep].sum())
    if total <= 0:
        return None
    return float(((weights[keep] / total) * values[keep]).sum())


def portfolio_kpis(k: dict[str, np.ndarray], s: dict[str, Any], compute_cost: float,
                   compute_gpu_hours: float, compute_commitments: int) -> dict[str, float | int | None]:
    """The portfolio row: sums, and ratios recomputed from sums (never averaged)."""
    cloud = s["is_cloud"]
    firm = ~cloud
    energy = k["annual_energy_mwh"]
    gpu_hours = k["gpu_hours"]
    total_e, total_g = float(energy.sum()), float(gpu_hours.sum())
    has_e = energy > 0  # sites with E = 0 add nothing to the weighted sums
    carbon_e = float((np.where(has_e, k["carbon_intensity_g_per_kwh"], 0.0) * energy).sum())
    if firm.any():
        peak = float(k["peak_demand_mw"][firm].sum())
        effective: float | None = float(k["effective_mw"][firm].sum())
        headroom: float | None = effective - peak
        headroom_pct = _div(headroom * 100, effective)
    else:
        peak, effective, headroom, headroom_pct = None, None, None, None  # type: ignore[assignment]
    priced = ~np.isnan(k["energy_cost_per_gpu_hour"])
    energy_cost = _weighted_mean(k["energy_cost_per_gpu_hour"][priced], gpu_hours[priced])
    compute = _div(compute_cost, compute_gpu_hours) if compute_commitments else None
    marginal = None if energy_cost is None and compute is None else (energy_cost or 0.0) + (compute or 0.0)
    return {
        "peak_demand_mw": peak,
        "effective_mw": effective,
        "headroom_mw": headroom,
        "headroom_pct": headroom_pct,
        "supply_availability_pct": None,
        "annual_energy_mwh": total_e,
        "gpu_hours": total_g,
        "ppa_volume_mwh": float(k["ppa_volume_mwh"].sum()),
        "ppa_coverage_pct": _div(float(np.minimum(k["ppa_volume_mwh"], energy).sum()) * 100, total_e),
        "carbon_intensity_g_per_kwh": _weighted_mean(k["carbon_intensity_g_per_kwh"], energy),
        "location_carbon_intensity_g_per_kwh": _weighted_mean(s["grid_factor"], energy),
        # like a site's: null without energy, since the intensity it derives from is then null
        "kg_co2e_per_gpu_hour": _div(carbon_e, total_g) if total_e > 0 else None,
        "energy_cost_per_gpu_hour": energy_cost,
        "compute_cost_per_gpu_hour": compute,
        "marginal_gpu_hour_cost": marginal,
        "incidents_13w": int(k["incidents_13w"].sum()),
        "incident_hours_13w": float(k["incident_hours_13w"].sum()),
    }
