"""The worked example of spec/kpis.md as plan rows, shared by the KPI, CLI and API tests."""

from __future__ import annotations

from tests.helpers import CONTRACT, SITE, WORKLOAD, row

WORKED = {
    "sites": [row(SITE, site_id="s1", country="DE", site_type="owned_dc", pue=1.2,
                  grid_carbon_intensity_g_per_kwh=380)],
    "workloads": [
        row(WORKLOAD, workload_id="w1", workload_class="training", criticality="tolerant", gpu_count=1000,
            gpu_power_kw=1.0, utilization=0.8, hours_per_week=168),
        row(WORKLOAD, workload_id="w2", workload_class="realtime_inference", criticality="sensitive",
            gpu_count=200, gpu_power_kw=1.0, utilization=0.5, hours_per_week=168, sla_availability_pct=99.9),
    ],
    "contracts": [
        row(CONTRACT, contract_id="g1", capacity_mw=2.0, availability_pct=99.9, price_per_mwh=90),
        row(CONTRACT, contract_id="b1", layer="flexibility", contract_type="battery_storage", technology="battery",
            capacity_mw=0.5, energy_mwh=2, availability_pct=99.0, price_per_mwh="", currency=""),
        row(CONTRACT, contract_id="p1", layer="ppa", contract_type="physical_ppa", technology="solar",
            capacity_mw=3.0, annual_volume_mwh=5000, availability_pct=25, price_per_mwh=55),
    ],
}
