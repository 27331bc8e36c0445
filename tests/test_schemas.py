"""The pandera models are the one definition of the plan format: complete, described, consistent."""

from __future__ import annotations

import json

import pytest

from energyplan.model import KEY_COLUMNS, TABLES
from energyplan.plan import schemas
from tests.helpers import DEFAULT_COLUMNS


@pytest.mark.parametrize("table", TABLES)
def test_every_spec_column_is_in_the_model_in_order(table: str) -> None:
    # tests/helpers.DEFAULT_COLUMNS lists the columns of spec/plan-format.md; the models must match.
    assert schemas.input_columns(table) == DEFAULT_COLUMNS[table]
    assert schemas.key_column(table) == KEY_COLUMNS[table]


def test_model_attributes_are_column_names() -> None:
    assert schemas.WorkloadsSchema.gpu_count == "gpu_count"
    assert schemas.ContractsSchema.price_per_mwh == "price_per_mwh"


def test_every_column_has_a_kind_and_numbers_have_units() -> None:
    for table in TABLES:
        for spec in schemas.column_specs(table):
            assert spec.kind in schemas.KINDS
            if spec.kind in ("float", "int"):
                assert spec.unit, f"{table}.{spec.name} has no unit"


def test_ranges_allowed_values_and_patterns_come_from_the_checks() -> None:
    specs = {s.name: s for s in schemas.column_specs("workloads")}
    g = specs["gpu_power_kw"]
    assert (g.minimum, g.maximum, g.include_min, g.include_max) == (0, 5, False, True)
    assert specs["gpu_count"].value_text() == "a whole number ≥ 0"
    assert specs["sla_availability_pct"].value_text() == "a number > 0 and < 100"
    assert specs["criticality"].allowed == ("sensitive", "tolerant") and not specs["criticality"].required
    assert specs["sovereign_required"].required_label == "no (default false)"
    assert specs["site_id"].references == "sites"
    c = {s.name: s for s in schemas.column_specs("contracts")}
    assert c["currency"].pattern == r"^[A-Z]{3}$"
    assert c["currency"].required_label == "required when price_per_mwh is set"


def test_every_contract_type_belongs_to_exactly_one_layer() -> None:
    allowed = {s.name: s.allowed for s in schemas.column_specs("contracts")}
    assert set(allowed["contract_type"]) == set(schemas.CONTRACT_TYPE_LAYER)
    assert set(allowed["layer"]) == set(schemas.LAYER_CONTRACT_TYPES)


def test_describe_is_json_ready_and_stable() -> None:
    d = schemas.describe("sites")
    assert json.loads(json.dumps(d)) == d
    assert d["key"] == "site_id" and [c["name"] for c in d["columns"]][:3] == ["site_id", "name", "country"]
    pue = next(c for c in d["columns"] if c["name"] == "pue")
    assert (pue["type"], pue["unit"], pue["minimum"], pue["maximum"], pue["required"]) == ("float", "ratio", 1.0,
                                                                                           3.0, True)
