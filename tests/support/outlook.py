"""The worked example of spec/outlook.md as plan rows, and small builders for the month-by-month tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.helpers import COMMITMENT, CONTRACT, SITE, WORKLOAD, row

D = dt.date(2026, 11, 15)  # the worked example's audit date

TOLERANT = row(WORKLOAD, workload_class="training", criticality="tolerant", gpu_power_kw=1.0, hours_per_week=168)
WORKED = {
    "sites": [row(SITE, site_id="s1", site_type="owned_dc", pue=1.0, grid_carbon_intensity_g_per_kwh=400)],
    "workloads": [
        row(TOLERANT, workload_id="w1", gpu_count=1000, utilization=0.5, start_date="2026-01-01", end_date=""),
        row(TOLERANT, workload_id="w2", gpu_count=500, utilization=1.0, start_date="2026-12-10",
            end_date="2027-01-20"),
    ],
    "contracts": [
        row(CONTRACT, contract_id="g1", capacity_mw=1.4, availability_pct=100, price_per_mwh=100,
            start_date="2025-01-01", end_date="2026-12-31"),
        row(CONTRACT, contract_id="g2", capacity_mw=1.6, availability_pct=100, price_per_mwh=120,
            start_date="2027-01-01", end_date="2030-12-31"),
        row(CONTRACT, contract_id="p1", layer="ppa", contract_type="physical_ppa", technology="solar",
            capacity_mw=2, availability_pct=30, annual_volume_mwh=4380, carbon_intensity_g_per_kwh=20,
            price_per_mwh="", currency="", start_date="2026-01-01", end_date="2026-12-31"),
    ],
    "commitments": [row(COMMITMENT, commitment_id="c1", gpu_count=1000, start_date="2026-01-01",
                        end_date="2027-12-31", total_cost=8_760_000, sourcing_plan_id="g1")],
}


ONE_MW = row(TOLERANT, workload_id="w1", gpu_count=1000, utilization=0.5, start_date="2026-01-01", end_date="")
PLAIN_SITE = row(SITE, site_id="s1", site_type="owned_dc", pue=1.0, grid_carbon_intensity_g_per_kwh=400)


def grid(contract_id: str, mw: float, start: str, end: str, price: float = 100, **extra: Any) -> dict[str, Any]:
    """A signed grid contract of `mw` at full availability from `start` to `end`."""
    return row(CONTRACT, contract_id=contract_id, capacity_mw=mw, availability_pct=100, price_per_mwh=price,
               start_date=start, end_date=end, **extra)
