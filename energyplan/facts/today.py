"""The facts frames at the audit date: every derived column and KPI (docs/methodology.md), vectorized."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from energyplan.facts.kpis import compute_kpis
from energyplan.facts.options import FactsOptions
from energyplan.facts.registry import KPIS
from energyplan.facts.util import (
    LAYERS,
    ZERO_CARBON_TECHNOLOGIES,
    count_active_on,
    day_numbers,
    group_count,
    group_max,
    group_prod,
    group_sum,
    interval_peaks,
    is_active,
    is_ended,
    lookup,
    positions,
    timestamp,
    to_plan_currency,
)

if TYPE_CHECKING:
    from energyplan.plan.validate import ValidatedPlan


@dataclass
class Facts:
    """The facts frames (input columns + derived columns) and the portfolio KPIs at `as_of`."""

    as_of: dt.date
    currency: str
    sites: pd.DataFrame
    workloads: pd.DataFrame
    commitments: pd.DataFrame
    contracts: pd.DataFrame
    portfolio: dict[str, float | int | None] = field(default_factory=dict)

    def _site_rows(self) -> pd.DataFrame:
        # site_id is unique after validation; sorting makes every output independent of file order
        return self.sites.sort_values("site_id", kind="stable")

    def kpi_records(self) -> dict[str, Any]:
        """{"sites": [{site_id, site_type, <KPI columns>}...] by site_id, "portfolio": {<KPI columns>}}.

        Python floats, ints (the count KPIs) and None only: never NaN or inf.
        """
        rows = self._site_rows()
        columns = {c: rows[c].tolist() for c in ("site_id", "site_type", *KPIS)}
        sites = []
        for i in range(len(rows)):
            record: dict[str, Any] = {
                "site_id": _plain(columns["site_id"][i]),
                "site_type": _plain(columns["site_type"][i]),
            }
            record.update({c: _json_number(c, columns[c][i]) for c in KPIS})
            sites.append(record)
        portfolio = {c: _json_number(c, self.portfolio.get(c)) for c in KPIS}
        return {"sites": sites, "portfolio": portfolio}

    def kpi_frame(self) -> pd.DataFrame:
        """Site rows (by site_id) then the portfolio row: scope, site_id, KPI columns.

        Float KPIs are float64; count KPIs int64 (nullable Int64 only if a count is ever null), so a
        snapshot stores a count as an integer.
        """
        rows = self._site_rows()
        sites = pd.DataFrame({"scope": "site", "site_id": rows["site_id"].to_numpy(dtype=object)})
        for c in KPIS:
            sites[c] = rows[c].to_numpy(dtype=np.float64, na_value=np.nan)
        total: dict[str, Any] = {"scope": "portfolio", "site_id": None}
        for c in KPIS:
            value = self.portfolio.get(c)
            total[c] = np.nan if value is None else float(value)
        out = pd.concat([sites, pd.DataFrame([total])], ignore_index=True)
        out["scope"] = out["scope"].astype("str")
        out["site_id"] = out["site_id"].astype("str")
        out = out.astype({c: np.float64 for c in KPIS})
        for c, kpi in KPIS.items():
            if kpi.kind == "int":
                out[c] = out[c].round().astype("Int64" if out[c].isna().any() else np.int64)
        return out


def _plain(value: Any) -> Any:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


def _json_number(column: str, value: Any) -> float | int | None:
    if value is None or value is pd.NA:
        return None
    number = float(value)
    if not math.isfinite(number):
        return None
    return round(number) if KPIS[column].kind == "int" else number


def build_facts(plan: ValidatedPlan, options: FactsOptions) -> Facts:
    """The facts frames of a validated plan at date `options.as_of` (docs/methodology.md; docs/architecture.md)."""
    as_of, currency, fx = options.as_of, options.currency, options.fx
    day = timestamp(as_of)
    horizon = timestamp(as_of + dt.timedelta(days=options.growth_horizon_days))
    sites = plan.frames["sites"].reset_index(drop=True).copy(deep=False)
    workloads = plan.frames["workloads"].reset_index(drop=True).copy(deep=False)
    commitments = plan.frames["commitments"].reset_index(drop=True).copy(deep=False)
    contracts = plan.frames["contracts"].reset_index(drop=True).copy(deep=False)
    incidents = plan.frames["incidents"].reset_index(drop=True)
    n_sites = len(sites)
    is_cloud = (sites["site_type"] == "cloud_region").to_numpy(dtype=bool, na_value=False)
    grid_factor = sites["grid_carbon_intensity_g_per_kwh"].to_numpy(dtype=np.float64, na_value=np.nan)

    # ---- contracts ------------------------------------------------------------------------------
    k_site = positions(sites["site_id"], contracts["site_id"])
    k_active = is_active(contracts, day)
    k_signed = (contracts["status"] == "signed").to_numpy(dtype=bool, na_value=False)
    k_counted = k_active & k_signed
    layer = pd.Index(LAYERS).get_indexer(pd.Index(contracts["layer"].astype(object)))
    capacity = contracts["capacity_mw"].to_numpy(dtype=np.float64, na_value=np.nan)
    energy_mwh = contracts["energy_mwh"].to_numpy(dtype=np.float64, na_value=np.nan)
    price = to_plan_currency(contracts["price_per_mwh"], contracts["currency"], currency, fx)
    zero_carbon = (
        (contracts["layer"] == "ppa") & contracts["technology"].isin(ZERO_CARBON_TECHNOLOGIES)
    ).to_numpy(dtype=bool, na_value=False)
    site_grid = np.where(k_site >= 0, grid_factor[np.maximum(k_site, 0)] if n_sites else np.nan, np.nan)
    carbon = contracts["carbon_intensity_g_per_kwh"].to_numpy(dtype=np.float64, na_value=np.nan)
    carbon = np.where(np.isnan(carbon), np.where(zero_carbon, 0.0, site_grid), carbon)
    # the day after the contract ends: who still needs power, and who supplies it then
    after_end = contracts["end_date"] + pd.Timedelta(days=1)
    contracts["active"] = k_active
    contracts["ended"] = is_ended(contracts, day)
    contracts["counted"] = k_counted
    contracts["site_known"] = k_site >= 0
    contracts["site_type"] = lookup(sites["site_type"], k_site)
    with np.errstate(divide="ignore", invalid="ignore"):
        duration = np.where((capacity > 0) & ~np.isnan(energy_mwh), energy_mwh / capacity, np.nan)
    contracts["storage_duration_hours"] = duration
    contracts["days_to_end"] = (contracts["end_date"] - day).dt.days.astype("Int64")
    contracts["price_per_mwh_converted"] = price
    contracts["carbon_intensity_effective_g_per_kwh"] = carbon

    # ---- workloads ------------------------------------------------------------------------------
    w_site = positions(sites["site_id"], workloads["site_id"])
    w_known = w_site >= 0
    w_active = is_active(workloads, day)
    pue = lookup(sites["pue"], w_site).to_numpy(dtype=np.float64, na_value=np.nan)
    gpus = workloads["gpu_count"].to_numpy(dtype=np.float64, na_value=np.nan)
    power = workloads["gpu_power_kw"].to_numpy(dtype=np.float64, na_value=np.nan)
    util = workloads["utilization"].to_numpy(dtype=np.float64, na_value=np.nan)
    hours = workloads["hours_per_week"].to_numpy(dtype=np.float64, na_value=np.nan)
    peak_kw = gpus * power * pue
    gpu_hours = gpus * hours * 365 / 7
    energy = gpus * power * util * pue * hours * 365 / 7 / 1000
    sensitive = (workloads["criticality"] == "sensitive").to_numpy(dtype=bool, na_value=False)
    w_kpi = w_active & w_known  # rows whose site_id names no site stay out of the KPIs

    # ---- sites: counts and the inputs of the KPIs -----------------------------------------------
    is_grid, is_flex, is_ppa = layer == 0, layer == 1, layer == 2
    supply = k_counted & (is_grid | is_flex)
    avail = contracts["availability_pct"].to_numpy(dtype=np.float64, na_value=np.nan)
    firm = capacity * avail / 100
    volume = np.nan_to_num(contracts["annual_volume_mwh"].to_numpy(dtype=np.float64, na_value=np.nan))

    c_site = positions(sites["site_id"], commitments["site_id"])
    c_active = is_active(commitments, day)
    c_signed = (commitments["status"] == "signed").to_numpy(dtype=bool, na_value=False)
    cost = to_plan_currency(commitments["total_cost"], commitments["currency"], currency, fx)
    term_hours = ((commitments["end_date"] - commitments["start_date"]).dt.days + 1).to_numpy(
        dtype=np.float64, na_value=np.nan) * 24
    c_gpus = commitments["gpu_count"].to_numpy(dtype=np.float64, na_value=np.nan)
    c_counted = c_active & c_signed & (c_site >= 0) & ~np.isnan(cost)

    i_site = positions(sites["site_id"], incidents["site_id"])
    started = incidents["started_at"].dt.normalize()
    recent = ((started >= day - pd.Timedelta(days=90)) & (started <= day)).to_numpy(dtype=bool, na_value=False)

    inputs: dict[str, Any] = {
        "is_cloud": is_cloud,
        "grid_factor": grid_factor,
        "peak_mw": group_sum(w_site, peak_kw, w_kpi, n_sites) / 1000,
        "energy": group_sum(w_site, energy, w_kpi, n_sites),
        "gpu_hours": group_sum(w_site, gpu_hours, w_kpi, n_sites),
        "firm_mw": group_sum(k_site, firm, supply, n_sites),
        "supply_contracts": group_count(k_site, supply, n_sites),
        # Π (1 − availability) over counted grid/flexibility contracts: all must fail at once
        "unavailability": group_prod(k_site, 1 - avail / 100, supply, n_sites),
        "ppa_volume": group_sum(k_site, volume, k_counted & is_ppa, n_sites),
        "ppa_carbon_volume": group_sum(k_site, volume * carbon, k_counted & is_ppa, n_sites),
        "marginal_price": group_max(k_site, price, k_counted & is_grid, n_sites),
        "compute_cost": group_sum(c_site, cost, c_counted, n_sites),
        "compute_gpu_hours": group_sum(c_site, c_gpus * term_hours, c_counted, n_sites),
        "compute_commitments": group_count(c_site, c_counted, n_sites),
        "incidents": group_count(i_site, recent, n_sites),
        "incident_hours": group_sum(i_site, incidents["duration_hours"].to_numpy(
            dtype=np.float64, na_value=np.nan), recent, n_sites),
    }
    inputs.update(
        plan_compute_cost=float(cost[c_counted].sum()),
        plan_compute_gpu_hours=float((c_gpus * term_hours)[c_counted].sum()),
        plan_compute_commitments=int(c_counted.sum()),
    )
    computed = compute_kpis(inputs)
    kpis = computed.site
    sites["is_cloud"] = is_cloud
    sites["active_workloads"] = group_count(w_site, w_kpi, n_sites)
    sites["active_sensitive_workloads"] = group_count(w_site, w_kpi & sensitive, n_sites)
    sites["sensitive_peak_mw"] = group_sum(w_site, peak_kw, w_kpi & sensitive, n_sites) / 1000
    sites["counted_grid_contracts"] = group_count(k_site, k_counted & is_grid, n_sites)
    sites["counted_flexibility_contracts"] = group_count(k_site, k_counted & is_flex, n_sites)
    sites["counted_ppa_contracts"] = group_count(k_site, k_counted & is_ppa, n_sites)
    sites["flexibility_effective_mw"] = group_sum(k_site, firm, k_counted & is_flex, n_sites)
    w_at_horizon = is_active(workloads, horizon) & w_known
    peak_horizon = group_sum(w_site, peak_kw, w_at_horizon, n_sites) / 1000
    sites["peak_demand_horizon_mw"] = peak_horizon
    peak_now = kpis["peak_demand_mw"]
    with np.errstate(divide="ignore", invalid="ignore"):
        sites["peak_growth_pct"] = np.where(peak_now > 0, (peak_horizon - peak_now) / peak_now * 100, np.nan)
    sites["horizon_date"] = pd.Series([horizon] * n_sites, dtype="datetime64[s]")
    for column in KPIS:
        sites[column] = kpis[column]

    # ---- workloads: per-row columns -------------------------------------------------------------
    workloads["active"] = w_active
    workloads["ended"] = is_ended(workloads, day)
    workloads["site_known"] = w_known
    workloads["site_type"] = lookup(sites["site_type"], w_site)
    workloads["site_sovereign"] = lookup(sites["sovereign"], w_site)
    workloads["facility_peak_kw"] = peak_kw
    workloads["gpu_hours"] = gpu_hours
    workloads["annual_energy_mwh"] = energy
    workloads["site_supply_availability_pct"] = lookup(sites["supply_availability_pct"], w_site).to_numpy(
        dtype=np.float64, na_value=np.nan)
    supply_contracts = inputs["supply_contracts"]
    workloads["site_supply_contracts"] = np.where(
        w_known, supply_contracts[np.maximum(w_site, 0)] if n_sites else 0, 0).astype(np.int64)

    # ---- contracts: what happens the day after they end -----------------------------------------
    contracts["site_workloads_after_end"] = count_active_on(
        np.where(w_known, w_site, -1), workloads["start_date"], workloads["end_date"], k_site, after_end)
    signed_group = np.where((k_site >= 0) & k_signed & (layer >= 0), k_site * len(LAYERS) + layer, -1)
    contracts["successors_after_end"] = count_active_on(
        signed_group, contracts["start_date"], contracts["end_date"],
        np.where((k_site >= 0) & (layer >= 0), k_site * len(LAYERS) + layer, -1), after_end)

    _commitment_columns(commitments, workloads, contracts, sites, c_site, c_active, cost, term_hours, day)
    portfolio = dict(computed.portfolio)
    return Facts(as_of=as_of, currency=currency, sites=sites, workloads=workloads,
                 commitments=commitments, contracts=contracts, portfolio=portfolio)


def _uncovered(commitments: pd.DataFrame) -> pd.Series:
    """The commitment's days its sourcing contract does not cover, as text: "2029-07-01 to 2032-05-31",
    or two spans joined by "and"; null where the contract covers the whole term or a date is unknown."""
    start, end = commitments["start_date"], commitments["end_date"]
    sp_start, sp_end = commitments["sp_start_date"], commitments["sp_end_date"]
    one = pd.Timedelta(days=1)
    # a contract wholly before or after the term leaves the whole term uncovered: the spans clip to it
    before_end = (sp_start - one).where(sp_start - one < end, end)
    after_start = (sp_end + one).where(sp_end + one > start, start)
    has_before = (sp_start > start).to_numpy(dtype=bool) & end.notna().to_numpy()
    has_after = (sp_end < end).to_numpy(dtype=bool) & start.notna().to_numpy()
    # a term wholly outside the contract has one span (both tests hold): say it once
    whole = has_before & has_after & ((sp_start > end) | (sp_end < start)).to_numpy(dtype=bool)
    has_after &= ~whole

    def span(a: pd.Series, b: pd.Series) -> Any:
        first, last = a.dt.strftime("%Y-%m-%d").astype(object), b.dt.strftime("%Y-%m-%d").astype(object)
        return np.where((a == b).to_numpy(dtype=bool), first, first + " to " + last)  # one day: just the date

    first = np.where(has_before, span(start, before_end), None)
    second = np.where(has_after, span(after_start, end), None)
    text = np.where(has_before & has_after, pd.Series(first, dtype=object) + " and " + pd.Series(second, dtype=object),
                    np.where(has_before, first, second))
    return pd.Series(text, index=commitments.index, dtype="str")


def _commitment_columns(commitments: pd.DataFrame, workloads: pd.DataFrame, contracts: pd.DataFrame,
                        sites: pd.DataFrame, c_site: np.ndarray, c_active: np.ndarray, cost: np.ndarray,
                        term_hours: np.ndarray, day: pd.Timestamp) -> None:
    """The commitment columns, including those of its sourcing contract (sp_*)."""
    n = len(commitments)
    c_ended = is_ended(commitments, day)
    commitments["active"] = c_active
    commitments["ended"] = c_ended
    commitments["site_known"] = c_site >= 0
    commitments["site_country"] = lookup(sites["country"], c_site)
    commitments["site_type"] = lookup(sites["site_type"], c_site)
    commitments["total_cost_converted"] = cost
    commitments["term_hours"] = term_hours
    # workloads bound to each commitment (a dangling commitment_id binds nothing)
    w_cmt = positions(commitments["commitment_id"], workloads["commitment_id"])
    w_active = workloads["active"].to_numpy(dtype=bool)
    # null when the commitment's own site_id names no site: EP001 reports that, nothing should echo it
    workloads["commitment_site_id"] = lookup(commitments["site_id"].where(c_site >= 0), w_cmt)
    commitments["bound_active_workloads"] = group_count(w_cmt, w_active, n)
    # the busiest day of the commitment's remaining term: max(D, start_date) … end_date
    start, start_ok = day_numbers(commitments["start_date"])
    end, end_ok = day_numbers(commitments["end_date"])
    today = int(day_numbers(pd.Series([day]))[0][0])
    window_end = np.where(start_ok & end_ok, end, today - 1)  # a commitment without dates: an empty window
    gpus = workloads["gpu_count"].to_numpy(dtype=np.float64, na_value=np.nan)
    peak, peak_day = interval_peaks(w_cmt, workloads["start_date"], workloads["end_date"], gpus,
                                    np.maximum(start, today), window_end, n)
    commitments["peak_bound_gpus"] = peak
    commitments["peak_bound_date"] = pd.Series(peak_day, dtype="datetime64[s]")
    bound_energy = group_sum(w_cmt, workloads["annual_energy_mwh"].to_numpy(dtype=np.float64), w_active, n)
    sp = positions(contracts["contract_id"], commitments["sourcing_plan_id"])
    known = sp >= 0
    commitments["has_sourcing_plan"] = commitments["sourcing_plan_id"].notna().to_numpy(dtype=bool)
    commitments["sp_known"] = known
    for column in ("layer", "status", "start_date", "end_date"):
        commitments[f"sp_{column}"] = lookup(contracts[column], sp)
    commitments["sp_uncovered"] = _uncovered(commitments)
    sp_site = positions(sites["site_id"], pd.Series(lookup(contracts["site_id"], sp)))
    commitments["sp_country"] = lookup(sites["country"], sp_site)
    volume = np.nan_to_num(contracts["annual_volume_mwh"].to_numpy(dtype=np.float64, na_value=np.nan))
    commitments["sp_annual_volume_mwh"] = np.where(known, volume[np.maximum(sp, 0)] if len(contracts) else 0,
                                                   np.nan)
    # energy bound to every commitment not ended at D that names the same contract
    per_contract = group_sum(sp, bound_energy, ~c_ended, len(contracts))
    sp_energy = np.where(known, per_contract[np.maximum(sp, 0)] if len(contracts) else 0, np.nan)
    commitments["sp_bound_energy_mwh"] = sp_energy
    with np.errstate(divide="ignore", invalid="ignore"):
        commitments["sp_coverage_pct"] = np.where(
            known & (sp_energy > 0), commitments["sp_annual_volume_mwh"].to_numpy() / sp_energy * 100, np.nan)
