"""First-day trust (issue 13 items 1–3): normalised enums, did-you-mean references, unknown columns,
unread files, what EP000 left out, partial plans. Each test repeats what the trial's user did."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from energyplan.plan.validate import LOST_COLUMNS
from tests.helpers import COMMITMENT, CONTRACT, SITE, WORKLOAD, row, write_plan
from tests.support.validate import findings, one, validate

# ---- EP006 normalised-value ------------------------------------------------------------------------


def test_EP006_fires_once_per_column_with_the_count_and_uses_the_value_normalised(tmp_path: Path) -> None:
    plan = validate(write_plan(tmp_path, sites=[SITE], workloads=[
        row(WORKLOAD, criticality="tolerant"), row(WORKLOAD, workload_id="w2", criticality="Sensitive"),
        row(WORKLOAD, workload_id="w3", criticality="tolerant "), row(WORKLOAD, workload_id="w4",
                                                                     workload_class=" Training")]))
    assert findings(plan, "EP000") == []
    crit = one(plan, "EP006", column="criticality")
    assert (crit["file"], crit["row"], crit["line"], crit["record_id"]) == ("workloads.csv", 2, 3, "w2")
    assert "2 cells" in crit["message"] and '"Sensitive"' in crit["message"]
    assert "1 cell " in one(plan, "EP006", column="workload_class")["message"]
    w = plan.frames["workloads"].set_index("workload_id")
    assert list(w["criticality"]) == ["tolerant", "sensitive", "tolerant", "tolerant"]
    assert w.loc["w4", "workload_class"] == "training"


def test_EP006_quiet_on_exact_values_and_a_misspelling_stays_a_schema_violation(tmp_path: Path) -> None:
    plan = validate(write_plan(tmp_path, sites=[SITE], workloads=[
        row(WORKLOAD, criticality="sensitive"), row(WORKLOAD, workload_id="w2", criticality="sensitve")]))
    assert findings(plan, "EP006") == []
    f = one(plan, "EP000", column="criticality")
    assert 'did you mean "sensitive"' in f["message"]


# ---- EP001 with did-you-mean -----------------------------------------------------------------------

def test_dangling_reference_that_differs_by_case_or_spaces_says_did_you_mean(tmp_path: Path) -> None:
    plan = validate(write_plan(tmp_path, sites=[SITE], workloads=[row(WORKLOAD, site_id="S1 ")]))
    f = one(plan, "EP001", column="site_id")
    assert 'did you mean "s1"' in f["message"] and "exactly" in f["message"]
    assert list(plan.frames["workloads"]["site_id"]) == ["S1 "]  # ids keep exact matching


def test_dangling_reference_that_is_a_near_miss_says_did_you_mean(tmp_path: Path) -> None:
    plan = validate(write_plan(tmp_path, sites=[row(SITE, site_id="ber-dc1")],
                               workloads=[row(WORKLOAD, site_id="ber-dcl")],
                               contracts=[row(CONTRACT, site_id="ber-dc1")]))
    assert 'did you mean "ber-dc1"' in one(plan, "EP001", column="site_id")["message"]


def test_dangling_reference_far_from_every_key_has_no_hint(tmp_path: Path) -> None:
    plan = validate(write_plan(tmp_path, sites=[SITE], workloads=[row(WORKLOAD, site_id="zz-unrelated")]))
    assert "did you mean" not in one(plan, "EP001")["message"]


# ---- EP005 unknown-column --------------------------------------------------------------------------

def _workloads_text(extra: str, value: str) -> str:
    header = "workload_id,site_id,workload_class,gpu_count,gpu_power_kw,utilization,hours_per_week,start_date"
    return f"{header},{extra}\nw1,s1,training,8,1.0,0.5,168,2026-01-01,{value}\n"


def test_EP005_fires_on_a_misspelt_optional_column_and_its_values_are_not_read(tmp_path: Path) -> None:
    plan = validate(write_plan(tmp_path, sites=[SITE], workloads=_workloads_text("sla_availabilty_pct", "99.5")))
    f = one(plan, "EP005")
    assert (f["file"], f["column"], f["row"], f["line"]) == ("workloads.csv", "sla_availabilty_pct", None, None)
    assert "sla_availability_pct" in f["message"] and "not read" in f["message"]
    assert findings(plan, "EP000") == [] and "workloads" in plan.loaded
    assert plan.frames["workloads"]["sla_availability_pct"].isna().all()


def test_EP005_fires_on_case_spaces_and_hyphens(tmp_path: Path) -> None:
    for extra in ("Criticality", "gpu-type", " Team "):
        plan = validate(write_plan(tmp_path / extra.strip(), sites=[SITE], workloads=_workloads_text(extra, "x")))
        assert one(plan, "EP005")["column"] == extra


def test_EP005_quiet_on_foreign_columns(tmp_path: Path) -> None:
    # A team's own columns, including short names two edits from a short known one ("team" vs "name").
    text = "site_id,country,site_type,pue,grid_carbon_intensity_g_per_kwh,sovereign,cost_centre,team\n" \
           "s1,DE,owned_dc,1.2,380,false,cc-17,ops\n"
    plan = validate(write_plan(tmp_path, sites=text))
    assert findings(plan) == []


def test_a_near_miss_of_a_missing_required_column_is_one_schema_violation_not_two_findings(tmp_path: Path) -> None:
    text = "site_id,Country,site_type,pue,grid_carbon_intensity_g_per_kwh,sovereign\n"
    plan = validate(write_plan(tmp_path, sites=text))
    assert 'did you mean "Country"' in one(plan, "EP000", column="country")["message"]
    assert findings(plan, "EP005") == []


# ---- EP007 unread-file ------------------------------------------------------------------------------

def test_EP007_fires_on_a_legacy_workbook_beside_the_tables(tmp_path: Path) -> None:
    # An .xlsx beside the tables is an ambiguous plan (EP000, tests/test_xlsx_plan.py); other workbook
    # formats are not read at all.
    root = write_plan(tmp_path, sites=[SITE])
    (root / "workloads.xls").write_bytes(b"PK\x03\x04")
    f = one(validate(root), "EP007")
    assert (f["file"], f["table"], f["row"]) == ("workloads.xls", None, None)
    assert "only an .xlsx workbook is read" in f["message"] and "workloads.csv" in f["message"]


def test_EP007_fires_on_a_table_file_in_another_case(tmp_path: Path) -> None:
    root = write_plan(tmp_path, sites=None)
    (root / "Sites.csv").write_text("site_id\n", encoding="utf-8")
    plan = validate(root)
    assert "did you mean sites.csv" in one(plan, "EP007", file="Sites.csv")["message"]
    assert "did you mean Sites.csv" in one(plan, "EP000", file="sites.csv")["message"]


def test_EP007_quiet_on_documents_hidden_and_lock_files(tmp_path: Path) -> None:
    root = write_plan(tmp_path, sites=[SITE])
    for name in ("README.md", "notes.xlsx", ".~lock.sites.csv#", "~$workloads.xlsx", "sites.csv.bak",
                 "energyplan.toml.orig", "budget.csv"):
        (root / name).write_text("x", encoding="utf-8")
    assert findings(validate(root), "EP007") == []


# ---- what EP000 left out, for the cascade -----------------------------------------------------------

def test_lost_lists_the_row_a_bad_cell_left_out_with_its_location(tmp_path: Path) -> None:
    # The trial: availability_pct "99.9%" left the grid contract out, and EP201/EP501 followed.
    plan = validate(write_plan(tmp_path, sites=[SITE], workloads=[WORKLOAD], commitments=[COMMITMENT],
                               contracts=[row(CONTRACT, availability_pct="99.9%"),
                                          row(CONTRACT, contract_id="g2", price_per_mwh="abc")]))
    lost = plan.lost["contracts"]
    assert list(lost.columns) == list(LOST_COLUMNS)
    got = lost.drop(columns="table").to_dict("records")
    assert got == [
        {"record_id": "g1", "site_id": "s1", "file": "contracts.csv", "row": 1, "line": 2,
         "column": "availability_pct", "left_out": True},
        {"record_id": "g2", "site_id": "s1", "file": "contracts.csv", "row": 2, "line": 3,
         "column": "price_per_mwh", "left_out": False},
    ]
    assert list(plan.frames["contracts"]["contract_id"]) == ["g2"]
    assert len(plan.lost["sites"]) == 0 and set(plan.lost) == {"sites", "workloads", "commitments", "contracts"}


def test_lost_names_duplicates_and_empty_required_cells(tmp_path: Path) -> None:
    plan = validate(write_plan(tmp_path, sites=[SITE, SITE, row(SITE, site_id="s3", pue="")]))
    lost = plan.lost["sites"]
    assert list(zip(lost["row"], lost["column"], lost["left_out"], strict=True)) == [
        (2, "site_id", True), (3, "pue", True)]
    assert plan.rows_left_out["sites"] == 2


def test_lost_is_ordered_by_row_then_column_whatever_check_found_the_cell(tmp_path: Path) -> None:
    # pue fails to parse (found first), country fails its pattern, site_type its enum (found later)
    plan = validate(write_plan(tmp_path, sites=[
        row(SITE, site_id="s1", pue="1.3x", country="Germany"), row(SITE, site_id="s2", site_type="owned-dc"),
        row(SITE, site_id="s3", pue="abc", site_type="nope", country="xx")]))
    lost = plan.lost["sites"]
    assert list(zip(lost["row"], lost["column"], lost["record_id"], strict=True)) == [
        (1, "country", "s1"), (1, "pue", "s1"), (2, "site_type", "s2"),
        (3, "country", "s3"), (3, "pue", "s3"), (3, "site_type", "s3")]
    assert lost["left_out"].dtype == bool and str(lost["row"].dtype) == "Int64"


def test_a_partial_plan_marks_only_the_missing_tables(tmp_path: Path) -> None:
    plan = validate(write_plan(tmp_path, sites=[SITE], workloads=[WORKLOAD], commitments=None, contracts=None))
    assert plan.loaded == {"sites", "workloads", "incidents", "profiles"}
    assert {f["file"] for f in findings(plan, "EP000")} == {"commitments.csv", "contracts.csv"}
    assert len(plan.frames["workloads"]) == 1 and isinstance(plan.frames["contracts"], pd.DataFrame)


def test_normalised_criticality_reaches_the_rules(tmp_path: Path) -> None:
    import json

    from typer.testing import CliRunner

    from energyplan.cli.app import app

    root = write_plan(tmp_path, sites=[SITE], workloads=[row(WORKLOAD, criticality="Sensitive"),
                                                         row(WORKLOAD, workload_id="w2", criticality="tolerant ")],
                      commitments=[COMMITMENT], contracts=[CONTRACT])
    doc = json.loads(CliRunner().invoke(app, ["audit", str(root), "--format", "json"]).stdout)
    rules = {f["rule"] for f in doc["findings"]}
    # Not "unsegmented" (EP301); "Sensitive" counts as sensitive (EP303: no SLA target on it).
    assert "EP006" in rules and "EP301" not in rules and "EP303" in rules, rules
