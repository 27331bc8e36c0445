"""The derived columns of the facts frames, declared without pandas so `rules` commands can read them.

Input columns come from the pandera models (energyplan/plan/schemas.py); every facts frame also
carries all input columns of its table plus `_row` and `_line`; the sites frame also carries every KPI
of energyplan/facts/registry.py. The columns below are computed in energyplan/facts/today.py and
nowhere else. Each entry: name -> (kind, unit, description); kind is one of "float", "int", "bool",
"str", "date".
"""

from __future__ import annotations

# Extra columns of each facts frame, beyond the table's input columns (and, for sites, the KPIs).
DERIVED_COLUMNS: dict[str, dict[str, tuple[str, str, str]]] = {
    "sites": {
        "is_cloud": ("bool", "", "site_type is cloud_region"),
        "active_workloads": ("int", "count", "workloads active at D at this site"),
        "active_sensitive_workloads": ("int", "count", "active workloads with criticality sensitive"),
        "sensitive_peak_mw": ("float", "MW", "facility peak of active sensitive workloads"),
        "counted_grid_contracts": ("int", "count", "active signed grid contracts"),
        "counted_flexibility_contracts": ("int", "count", "active signed flexibility contracts"),
        "counted_ppa_contracts": ("int", "count", "active signed ppa contracts"),
        "flexibility_effective_mw": ("float", "MW", "Σ capacity × availability of counted flexibility"),
        "peak_demand_horizon_mw": ("float", "MW", "peak_demand_mw from workloads active at the growth horizon"),
        "peak_growth_pct": ("float", "%", "(peak at horizon − peak at D) / peak at D × 100; null at 0"),
        "horizon_date": ("date", "", "D + the growth horizon (FactsOptions.growth_horizon_days)"),
    },
    "workloads": {
        "active": ("bool", "", "start_date ≤ D and (no end_date or D ≤ end_date)"),
        "ended": ("bool", "", "end_date is set and before D"),
        "site_known": ("bool", "", "site_id names a site"),
        "site_type": ("str", "", "its site's site_type"),
        "site_sovereign": ("bool", "", "its site's sovereign flag (null when the site is unknown)"),
        "facility_peak_kw": ("float", "kW", "gpu_count × gpu_power_kw × pue"),
        "gpu_hours": ("float", "GPU-h/yr", "gpu_count × hours_per_week × 365 / 7"),
        "annual_energy_mwh": ("float", "MWh/yr", "energy per year at its site's PUE"),
        "site_supply_availability_pct": ("float", "%", "its site's supply_availability_pct"),
        "site_supply_contracts": ("int", "count", "counted grid + flexibility contracts at its site"),
        "commitment_site_id": ("str", "", "site_id of its commitment; null when it has none or either names nothing"),
    },
    "commitments": {
        "active": ("bool", "", "start_date ≤ D ≤ end_date"),
        "ended": ("bool", "", "end_date before D"),
        "site_known": ("bool", "", "site_id names a site"),
        "site_country": ("str", "", "its site's country"),
        "site_type": ("str", "", "its site's site_type"),
        "total_cost_converted": ("float", "currency", "total_cost in plan currency; null without a rate"),
        "term_hours": ("float", "h", "(end_date − start_date + 1 day) × 24"),
        "bound_active_workloads": ("int", "count", "active workloads whose commitment_id is this one"),
        "peak_bound_gpus": (
            "int",
            "count",
            "peak, over the days max(D, start_date) … end_date, of Σ gpu_count of bound workloads active "
            "that day; 0 when none is (or the commitment has ended)",
        ),
        "peak_bound_date": ("date", "", "the first day peak_bound_gpus is reached; null when it is 0"),
        "has_sourcing_plan": ("bool", "", "sourcing_plan_id is set"),
        "sp_known": ("bool", "", "sourcing_plan_id names a contract"),
        "sp_layer": ("str", "", "the sourcing contract's layer"),
        "sp_status": ("str", "", "the sourcing contract's status"),
        "sp_start_date": ("date", "", "the sourcing contract's start_date"),
        "sp_end_date": ("date", "", "the sourcing contract's end_date"),
        "sp_country": ("str", "", "country of the sourcing contract's site"),
        "sp_annual_volume_mwh": ("float", "MWh/yr", "the sourcing contract's annual_volume_mwh (empty = 0)"),
        "sp_bound_energy_mwh": (
            "float",
            "MWh/yr",
            "annual energy of active workloads bound to any commitment not ended at D naming this contract",
        ),
        "sp_coverage_pct": ("float", "%", "sp_annual_volume_mwh / sp_bound_energy_mwh × 100; null at 0"),
    },
    "contracts": {
        "active": ("bool", "", "start_date ≤ D ≤ end_date"),
        "ended": ("bool", "", "end_date before D"),
        "counted": ("bool", "", "active and status signed"),
        "site_known": ("bool", "", "site_id names a site"),
        "site_type": ("str", "", "its site's site_type"),
        "storage_duration_hours": ("float", "h", "energy_mwh / capacity_mw; null without energy or capacity"),
        "days_to_end": ("int", "days", "end_date − D in days"),
        "site_workloads_after_end": ("int", "count", "workloads at its site active on end_date + 1 day"),
        "successors_after_end": (
            "int",
            "count",
            "other signed contracts of the same layer at its site active on end_date + 1 day",
        ),
        "price_per_mwh_converted": ("float", "currency/MWh", "price_per_mwh in plan currency; null without a rate"),
        "carbon_intensity_effective_g_per_kwh": (
            "float",
            "gCO2e/kWh",
            "carbon_intensity_g_per_kwh, else 0 for a ppa of solar/wind/hydro/nuclear/geothermal, else grid",
        ),
    },
}

_CAPACITY = {
    "peak_demand_mw": ("float", "MW", "max over the month's days of the day's peak demand"),
    "effective_mw": ("float", "MW", "min over the days of counted grid + flexibility MW; null at a cloud region"),
    "headroom_mw": ("float", "MW", "min over the days of (effective − peak): the worst day"),
    "headroom_pct": ("float", "%", "headroom on the worst day / that day's effective MW × 100"),
    "shortfall_days": ("int", "days", "days with peak above effective MW"),
    "first_shortfall_date": ("date", "", "the first of those days"),
}
_MONEY_AND_CARBON = {
    "energy_mwh": ("float", "MWh", "E_m: Σ the days' energy"),
    "gpu_hours": ("float", "GPU-h", "G_m: Σ the days' GPU-hours"),
    "ppa_mwh": ("float", "MWh", "P_m: Σ the days' counted PPA volume"),
    "ppa_coverage_pct": ("float", "%", "min(P_m / E_m, 1) × 100"),
    "carbon_intensity_g_per_kwh": ("float", "gCO2e/kWh", "market-based carbon intensity of the month"),
    "emissions_t": ("float", "t CO2e", "carbon intensity × E_m / 1000"),
    "energy_spend": ("float", "currency", "Σ energy × the day's marginal grid price over priced days"),
    "unpriced_energy_mwh": ("float", "MWh", "energy of days without a grid price"),
    "energy_cost_per_gpu_hour": ("float", "currency/GPU-h", "energy_spend / GPU-hours of priced days"),
    "compute_spend": ("float", "currency", "Σ the days' spend on counted commitments"),
    "compute_cost_per_gpu_hour": ("float", "currency/GPU-h", "compute_spend / committed GPU-hours"),
    "marginal_gpu_hour_cost": ("float", "currency/GPU-h", "energy + compute cost per GPU-hour"),
}
_MONTH = {
    "month": ("date", "", "first day of the calendar month"),
    "days": ("int", "days", "window days in the month"),
}
# The month tables of spec/outlook.md (computed in the outlook facts) and the year tables of
# spec/adequacy.md (the hourly replay): columns in output order after site_id/site_type.
AXIS_COLUMNS: dict[str, dict[str, tuple[str, str, str]]] = {
    "site_months": {
        **_MONTH, **_CAPACITY,
        "shortfall_starts": ("int", "days", "days after D that are short while the day before was not"),
        "first_shortfall_start": ("date", "", "the first of those days"),
        "sensitive_peak_mw": ("float", "MW", "max over the days of the active sensitive workloads' peak"),
        "flexibility_mw": ("float", "MW", "min over the days of counted flexibility MW"),
        "flexibility_gap_days": ("int", "days", "days with sensitive load above the counted flexibility"),
        **_MONEY_AND_CARBON,
    },
    "portfolio_months": {
        **_MONTH, **_CAPACITY,
        "shortfall_starts": ("int", "days", "days after D on which the portfolio turns short"),
        "first_shortfall_start": ("date", "", "the first of those days"),
        **_MONEY_AND_CARBON,
        "carbon_target_g_per_kwh": ("float", "gCO2e/kWh", "the carbon-intensity pathway's value for the month"),
        "emissions_target_t": ("float", "t CO2e", "the emissions pathway's yearly value × days / 365"),
        "cost_change_pct": ("float", "%", "marginal GPU-hour cost against month 0's, in %"),
    },
    "site_year": {
        "load_mwh": ("float", "MWh", "Σ hourly load over the replay year"),
        "served_mwh": ("float", "MWh", "Σ load served"),
        "unserved_sensitive_mwh": ("float", "MWh", "sensitive load not served"),
        "unserved_hours": ("int", "h", "hours with unserved sensitive load"),
        "longest_unserved_run_h": ("int", "h", "longest run of such hours"),
        "curtailed_tolerant_mwh": ("float", "MWh", "tolerant load curtailed"),
        "curtailed_hours": ("int", "h", "hours with curtailment"),
        "event_hours": ("int", "h", "hours covered by a counted grid incident"),
        "grid_events": ("int", "count", "counted grid incidents in the replay year"),
        "cfe_pct": ("float", "%", "24/7 carbon-free energy score"),
        "hourly_carbon_intensity_g_per_kwh": ("float", "gCO2e/kWh", "hourly-matched carbon intensity"),
        "annual_carbon_intensity_g_per_kwh": ("float", "gCO2e/kWh", "the annual-matched one of kpis.md"),
        "clean_generation_mwh": ("float", "MWh", "Σ clean generation"),
        "excess_clean_mwh": ("float", "MWh", "clean generation neither used nor stored"),
        "grid_mwh": ("float", "MWh", "Σ grid energy drawn, battery recharge included"),
        "backup_mwh": ("float", "MWh", "Σ backup generation"),
        "battery_cycles": ("float", "cycles", "energy drawn from the battery / its capacity"),
        "ppa_left_out": ("int", "count", "counted PPAs with carbon intensity above 0, left out"),
    },
}
AXIS_COLUMNS["portfolio_year"] = dict(AXIS_COLUMNS["site_year"])
# Extra names a rule over a time axis may use in its message: how its matching rows collapse.
COLLAPSE_FIELDS: dict[str, tuple[str, str, str]] = {
    "first_month": ("date", "", "the first matching month (month tables)"),
    "last_month": ("date", "", "the last matching month"),
    "months_hit": ("int", "months", "how many rows (months) match"),
}
# The outlook's horizon KPIs, per site and for the portfolio: what `diff --fail-if` can gate on beyond D.
HORIZON_KPIS: dict[str, tuple[str, str, str]] = {
    "min_headroom_mw_horizon": ("float", "MW", "the lowest month headroom_mw over the outlook window"),
    "shortfall_days_horizon": ("int", "days", "Σ shortfall_days over the outlook window"),
}
# Axis table -> where its findings point: "sites" (one finding per site) or "plan" (one per plan).
AXIS_SCOPE: dict[str, str] = {"site_months": "sites", "portfolio_months": "plan", "site_year": "sites",
                              "portfolio_year": "plan"}

# The facts tables a rule may read, and the input tables each one is built from: a rule whose facts
# table (or `needs`) includes a table that did not load is skipped, and the report says so.
FACTS_TABLES: dict[str, tuple[str, ...]] = {
    "sites": ("sites", "workloads", "contracts"),  # compute cost reads commitments; no site rule does
    "workloads": ("workloads", "sites", "contracts"),
    "commitments": ("commitments", "sites", "contracts", "workloads"),
    "contracts": ("contracts", "sites", "workloads"),
    "site_months": ("sites", "workloads", "contracts"),
    "portfolio_months": ("sites", "workloads", "contracts"),
    "site_year": ("sites", "workloads", "contracts"),
    "portfolio_year": ("sites", "workloads", "contracts"),
}
