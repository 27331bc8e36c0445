"""The engine on hand-built facts frames: batch columns, lazy messages, skipped rules."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from energyplan.config import Settings
from energyplan.ruleset.engine import evaluate_rule, run_rules
from energyplan.ruleset.spec import load_rules

AS_OF = dt.date(2026, 11, 30)
SPECS = {s.code: s for s in load_rules()}

SITES = pd.DataFrame({
    "site_id": pd.Series(["a", "b", "c"], dtype="str"),
    "site_type": pd.Series(["owned_dc", "cloud_region", "colocation"], dtype="str"),
    "is_cloud": [False, True, False],
    "peak_demand_mw": [2.61, 5.0, np.nan],
    "effective_mw": [2.49, np.nan, 1.0],
    "_row": [1, 2, 3],
    "_line": pd.array([2, 3, None], dtype="Int64"),
})


@dataclass
class FakePlan:
    loaded: set[str]
    files: dict[str, str] = field(default_factory=lambda: {"sites": "sites.parquet"})


def test_batch_points_at_the_site_row_and_renders_lazily() -> None:
    batch = evaluate_rule(SPECS["EP501"], SITES, file="sites.csv", as_of=AS_OF, targets={})
    frame = batch.frame
    assert frame[["table", "record_id", "site_id", "file", "row"]].values.tolist() == [
        ["sites", "a", "a", "sites.csv", 1]]
    assert frame["line"].tolist() == [2] and frame["column"].tolist() == [None]
    assert batch.messages(frame) == ["site a: peak demand 2.61 MW exceeds effective availability 2.49 MW"]
    assert batch.messages(frame.iloc[:0]) == []


def test_null_fields_render_as_a_dash() -> None:
    spec = replace(SPECS["EP501"], when="not is_cloud and is_null(peak_demand_mw)")
    batch = evaluate_rule(spec, SITES, file="sites.csv", as_of=AS_OF, targets={})
    assert batch.messages(batch.frame) == ["site c: peak demand — MW exceeds effective availability 1.00 MW"]


def test_params_and_targets_reach_predicate_and_message() -> None:
    spec = replace(SPECS["EP502"], when="peak_demand_mw > min_headroom_pct / 4",
                   message="{site_id} {min_headroom_pct} {target_carbon_intensity_g_per_kwh} {as_of}")
    batch = evaluate_rule(spec, SITES, file="sites.csv", as_of=AS_OF, targets={"carbon_intensity_g_per_kwh": 99.0})
    assert batch.frame["record_id"].tolist() == ["a", "b"]  # 10 / 4 = 2.5
    assert batch.messages(batch.frame.iloc[[1]]) == ["b 10 99.0 2026-11-30"]


def test_run_rules_skips_rules_whose_tables_did_not_load() -> None:
    specs = [SPECS["EP501"], SPECS["EP504"], SPECS["EP101"], SPECS["EP004"]]
    plan = FakePlan(loaded={"sites", "workloads", "commitments"})
    batches, skipped = run_rules(specs, {"sites": SITES}, plan, Settings(), as_of=AS_OF)
    assert skipped == [
        {"rule": "EP501", "reason": "table contracts did not load"},
        {"rule": "EP504", "reason": "tables contracts and incidents did not load"},
        {"rule": "EP101", "reason": "table contracts did not load"},
    ]
    assert batches == []  # EP004 is the collector's, never run here
    plan = FakePlan(loaded={"sites", "workloads", "commitments", "contracts", "incidents"})
    batches, skipped = run_rules([SPECS["EP501"]], {"sites": SITES}, plan, Settings(), as_of=AS_OF)
    assert skipped == [] and batches[0].frame["file"].tolist() == ["sites.parquet"]
