"""EP000 per cell: each bad value is one finding with file, row, line, column and a message that fixes it."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pandera.pandas as pa
import pytest

from energyplan.plan.cells import parse_table
from energyplan.plan.header import load_tables
from energyplan.plan.schemas import MODELS
from tests.helpers import COMMITMENT, CONTRACT, INCIDENT, SITE, WORKLOAD, row, write_plan
from tests.support.validate import findings, one, validate


def test_unparseable_dates(tmp_path: Path) -> None:
    plan = validate(write_plan(tmp_path, sites=[SITE], workloads=[
        row(WORKLOAD, workload_id="w1", start_date="2026-02-30"),
        row(WORKLOAD, workload_id="w2", start_date="01/02/2026"),
        row(WORKLOAD, workload_id="w3", start_date="2026-1-5"),
        row(WORKLOAD, workload_id="w4", start_date="2026-01-05", end_date="2026-13-01"),
    ]))
    for rid, line in (("w1", 2), ("w2", 3), ("w3", 4)):
        f = one(plan, record_id=rid, column="start_date")
        assert f["line"] == line and "is not a date; must be a date written YYYY-MM-DD" in f["message"]
    assert one(plan, record_id="w4", column="end_date")["message"].startswith('end_date "2026-13-01" is not a date')
    # start_date is required: those rows are left out; an optional end_date is only nulled
    assert plan.rows_left_out["workloads"] == 3
    assert plan.frames["workloads"]["end_date"].isna().all()


@pytest.mark.parametrize(("cell", "says"), [
    ("nan", "is not a finite number"), ("inf", "is not a finite number"), ("-inf", "is not a finite number"),
    ("1e309", "is not a finite number"), ("N/A", "is not a number"), ("1,5", "is not a number"),
])
def test_non_numbers_in_numeric_columns(tmp_path: Path, cell: str, says: str) -> None:
    plan = validate(write_plan(tmp_path, sites=[row(SITE, pue=cell)]))
    f = one(plan, column="pue")
    assert f["message"] == f'pue "{cell}" {says}; must be a number between 1 and 3'
    assert (f["file"], f["row"], f["line"], f["record_id"], f["site_id"]) == ("sites.csv", 1, 2, "s1", "s1")
    assert plan.rows_left_out["sites"] == 1


def test_non_finite_value_in_an_optional_column_nulls_the_cell_and_keeps_the_row(tmp_path: Path) -> None:
    plan = validate(write_plan(tmp_path, sites=[SITE], workloads=[row(WORKLOAD, sla_availability_pct="NaN")]))
    one(plan, column="sla_availability_pct")
    assert plan.rows_left_out["workloads"] == 0
    assert plan.frames["workloads"]["sla_availability_pct"].isna().all()


def test_EP000_fires_on_a_negative_gpu_count(tmp_path: Path) -> None:
    plan = validate(write_plan(tmp_path, sites=[SITE], workloads=[WORKLOAD, row(WORKLOAD, workload_id="w2",
                                                                              gpu_count=-3)]))
    f = one(plan, column="gpu_count")
    assert f["message"] == 'gpu_count "-3" is negative; must be a whole number ≥ 0'
    assert (f["record_id"], f["row"], f["line"]) == ("w2", 2, 3)


def test_fractional_gpu_count(tmp_path: Path) -> None:
    f = one(validate(write_plan(tmp_path, sites=[SITE], workloads=[row(WORKLOAD, gpu_count="2.5")])),
            column="gpu_count")
    assert f["message"] == 'gpu_count "2.5" is not a whole number; must be a whole number ≥ 0'


def test_EP000_quiet_for_a_whole_number_written_with_a_decimal_point(tmp_path: Path) -> None:
    plan = validate(write_plan(tmp_path, sites=[SITE], workloads=[row(WORKLOAD, gpu_count="8.0")]))
    assert findings(plan) == [] and list(plan.frames["workloads"]["gpu_count"]) == [8]


def test_enum_typo_suggests_the_allowed_value(tmp_path: Path) -> None:
    f = one(validate(write_plan(tmp_path, sites=[SITE], workloads=[row(WORKLOAD, criticality="sensitve")])),
            column="criticality")
    assert f["message"] == ('criticality "sensitve" is not allowed (did you mean "sensitive"?); '
                            "allowed: sensitive, tolerant")


def test_boolean_maybe_in_a_required_column_leaves_the_row_out(tmp_path: Path) -> None:
    plan = validate(write_plan(tmp_path, sites=[row(SITE, sovereign="maybe")]))
    f = one(plan, column="sovereign")
    assert f["message"].startswith('sovereign "maybe" is not a boolean; must be true or false')
    assert plan.rows_left_out["sites"] == 1


def test_boolean_maybe_in_an_optional_column_becomes_false(tmp_path: Path) -> None:
    plan = validate(write_plan(tmp_path, sites=[SITE], commitments=[row(COMMITMENT, energy_signoff="maybe")],
                               contracts=[CONTRACT]))
    one(plan, column="energy_signoff")
    assert plan.rows_left_out["commitments"] == 0
    assert list(plan.frames["commitments"]["energy_signoff"]) == [False]


def test_duplicate_key_keeps_the_first_copy(tmp_path: Path) -> None:
    plan = validate(write_plan(tmp_path, sites=[SITE, row(SITE, name="again"), row(SITE, site_id="s2"),
                                                row(SITE, name="third")]))
    hits = findings(plan, "EP000")
    assert [(f["row"], f["line"], f["column"]) for f in hits] == [(2, 3, "site_id"), (4, 5, "site_id")]
    assert hits[0]["message"] == ('site_id "s1" repeats the key of row 1 (line 2); keys must be unique: '
                                  "rename or remove this copy")
    assert plan.rows_left_out["sites"] == 2
    assert list(plan.frames["sites"]["name"]) == ["Site one", "Site one"]


def test_empty_required_cell(tmp_path: Path) -> None:
    f = one(validate(write_plan(tmp_path, sites=[row(SITE, pue="")])), column="pue")
    assert f["message"] == "pue is empty; it is required: a number between 1 and 3"


def test_range_pattern_and_exclusive_bounds(tmp_path: Path) -> None:
    plan = validate(write_plan(tmp_path, sites=[row(SITE, country="de", pue=3.5)], workloads=[
        row(WORKLOAD, gpu_power_kw=0, sla_availability_pct=100)]))
    assert one(plan, column="pue")["message"] == 'pue "3.5" is above 3; must be a number between 1 and 3'
    assert one(plan, column="country")["message"] == (
        'country "de" is not valid; must be an ISO 3166-1 alpha-2 code: two upper-case letters, e.g. DE')
    assert one(plan, column="gpu_power_kw")["message"] == (
        'gpu_power_kw "0" is not above 0; must be a number > 0 and ≤ 5')
    assert one(plan, column="sla_availability_pct")["message"] == (
        'sla_availability_pct "100" is not below 100; must be a number > 0 and < 100')


def test_contract_type_outside_its_layer(tmp_path: Path) -> None:
    plan = validate(write_plan(tmp_path, sites=[SITE], contracts=[row(CONTRACT, contract_type="battery_storage")]))
    f = one(plan, column="contract_type")
    assert f["message"] == ('contract_type "battery_storage" does not belong to layer "grid"; '
                            "layer grid allows: grid_supply")
    assert plan.rows_left_out["contracts"] == 1


def test_currency_required_when_a_price_is_set(tmp_path: Path) -> None:
    plan = validate(write_plan(tmp_path, sites=[SITE], contracts=[
        row(CONTRACT, currency=""), row(CONTRACT, contract_id="g2", price_per_mwh="", currency="")]))
    f = one(plan, column="currency")
    assert (f["record_id"], f["row"]) == ("g1", 1)
    assert f["message"].startswith('currency is empty but price_per_mwh is "90"')
    assert plan.rows_left_out["contracts"] == 1


def test_unparseable_timestamp(tmp_path: Path) -> None:
    f = one(validate(write_plan(tmp_path, sites=[SITE], incidents=[row(INCIDENT, started_at="yesterday 10am")])),
            column="started_at")
    assert f["message"].startswith('started_at "yesterday 10am" is not a timestamp; must be an ISO 8601')


def test_several_bad_cells_in_one_row_are_several_findings(tmp_path: Path) -> None:
    plan = validate(write_plan(tmp_path, sites=[row(SITE, pue="x", country="Germany", site_type="dc")]))
    assert sorted(f["column"] for f in findings(plan)) == ["country", "pue", "site_type"]
    assert plan.rows_left_out["sites"] == 1


def test_rows_left_out_counts_every_table(tmp_path: Path) -> None:
    plan = validate(write_plan(
        tmp_path, sites=[SITE, row(SITE, site_id="s2", pue="")],
        workloads=[WORKLOAD, row(WORKLOAD, workload_id="w2", gpu_count="x"), row(WORKLOAD, workload_id="w3",
                                                                                 start_date="")],
        commitments=[COMMITMENT], contracts=[CONTRACT], incidents=[row(INCIDENT, duration_hours=0)]))
    assert plan.rows_left_out == {"sites": 1, "workloads": 2, "commitments": 0, "contracts": 0, "incidents": 1,
                                  "profiles": 0}
    assert [len(plan.frames[t]) for t in ("sites", "workloads", "incidents")] == [1, 1, 0]


def test_check_runner_agrees_with_pandera_lazy_validation(tmp_path: Path) -> None:
    """validate.py runs the models' checks directly (for speed); pandera's own lazy validation of the
    same parsed frame must fail exactly the same cells."""
    from energyplan.plan.checks import _Cells, _check_cells

    root = write_plan(tmp_path, sites=[SITE], contracts=[
        CONTRACT, row(CONTRACT, contract_id="g2", availability_pct=120, layer="ppa"),
        row(CONTRACT, contract_id="g1", technology="coal", currency="eur", capacity_mw=-1)])
    raw = load_tables(root)["contracts"]
    frame = parse_table(raw).frame
    cells = _Cells(raw=raw, n=len(frame))
    _check_cells("contracts", frame, cells, {})
    ours = {(column, int(p)) for column, pos, *_ in cells.chunks for p in pos}
    with pytest.raises(pa.errors.SchemaErrors) as err:
        MODELS["contracts"].validate(frame.drop(columns=["_row", "_line"]), lazy=True)
    cases = err.value.failure_cases
    cases = cases[~cases["check"].str.startswith("dtype")]  # pandera's ns datetime vs our [s]
    theirs = {(c, int(i)) for c, i, check in zip(cases["column"], cases["index"], cases["check"], strict=True)
              if check not in ("contract_type_in_layer", "currency_with_price")}
    frame_checks = {int(i) for i, check in zip(cases["index"], cases["check"], strict=True)
                    if check in ("contract_type_in_layer", "currency_with_price")}
    # pandera reports every copy of a duplicate key; we report the copies after the first
    theirs.discard(("contract_id", 0))
    assert len(theirs) == 5
    assert {c for c in ours if c[0] != "contract_type"} == theirs
    assert {p for c, p in ours if c == "contract_type"} == frame_checks == {1}
    assert isinstance(cases, pd.DataFrame)
