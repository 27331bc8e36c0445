"""`--format json` is the machine contract of outputs.md, and docs/schema/audit.schema.json describes it."""

from __future__ import annotations

import json
import math

import jsonschema
import pytest

from energyplan.facts.registry import KPIS as KPI_COLUMNS
from tests.helpers import render
from tests.support.render_sample import ctx, sample_result
from tests.support.schemas import audit_schema, validate_report


def test_schema_is_draft_2020_12_and_lists_every_kpi_column():
    schema = audit_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    for name in ("site_kpis", "portfolio_kpis"):
        props = schema["$defs"][name]["properties"]
        assert set(KPI_COLUMNS) <= set(props)
        assert set(KPI_COLUMNS) <= set(schema["$defs"][name]["required"])


def test_audit_json_matches_the_contract_key_order_and_schema():
    doc = json.loads(render("json", sample_result(), ctx()))
    validate_report(doc)
    assert list(doc) == ["schema_version", "tool", "plan", "as_of", "currency", "summary", "skipped_rules",
                         "findings", "fixed", "truncated", "kpis"]
    assert doc["tool"] == {"name": "energyplan", "version": "0.1.0"}
    assert doc["summary"] == {"error": 8, "warning": 1, "info": 2, "waived": 1, "baseline": 1,
                              "stale_waivers": 1, "rows_left_out": {"workloads": 3, "contracts": 0}}
    assert list(doc["findings"][0]) == ["rule", "name", "severity", "table", "record_id", "site_id", "file",
                                        "row", "line", "column", "message", "waived", "baseline"]
    assert doc["truncated"] == {"EP000": 2}
    assert doc["fixed"] == [{"rule": "EP302", "table": "workloads", "record_id": "w-old", "column": "criticality"}]


def test_findings_are_sorted_by_file_line_nulls_last_row_rule_column_record():
    doc = json.loads(render("json", sample_result(), ctx()))
    where = [(f["file"], f["line"], f["row"]) for f in doc["findings"]]
    assert where == [
        ("commitments.csv", 4, 3), ("commitments.csv", 5, 4), ("commitments.csv", 6, 5),
        ("contracts.csv", None, None), ("sites.csv", 3, 2), ("sites.parquet", None, 2),
        ("workloads.csv", 3, 2), ("workloads.csv", 7, 5), ("workloads.csv", 9, 6), ("workloads.csv", 10, 7),
        (None, None, None),
    ]


def test_waived_finding_carries_its_waiver_and_others_do_not():
    doc = json.loads(render("json", sample_result(), ctx()))
    waived = [f for f in doc["findings"] if f["waived"]]
    assert [f["record_id"] for f in waived] == ["cmt-gcp-2026"]
    assert waived[0]["waiver"] == {"reason": "finance sign-off is on the December steering committee agenda",
                                   "owner": "cfo-office@northwind.example", "expires": "2026-12-31"}
    assert all("waiver" not in f for f in doc["findings"] if not f["waived"])


def test_kpis_are_plain_numbers_never_nan_and_counts_are_integers():
    text = render("json", sample_result(), ctx())
    assert "NaN" not in text and "Infinity" not in text
    kpis = json.loads(text)["kpis"]
    by_site = {s["site_id"]: s for s in kpis["sites"]}
    assert by_site["aws-eu-central-1"]["location_carbon_intensity_g_per_kwh"] is None  # NaN in the input
    assert by_site["münchen-1"]["incidents_13w"] == 2 and isinstance(by_site["münchen-1"]["incidents_13w"], int)
    assert '"incidents_13w": 2,' in text
    assert math.isclose(by_site["münchen-1"]["headroom_pct"], 1.053 / 2.493 * 100)
    assert [s["site_id"] for s in kpis["sites"]] == ["münchen-1", "aws-eu-central-1"]  # the pipeline's order
    assert list(by_site["münchen-1"])[:3] == ["site_id", "site_type", "peak_demand_mw"]


def test_unicode_is_written_as_is():
    text = render("json", sample_result(), ctx())
    assert "münchen-1" in text and "«Netz»" in text and "\\u00fc" not in text


def test_validate_json_has_no_kpis_and_still_validates():
    doc = json.loads(render("json", sample_result(), ctx(command="validate")))
    assert "kpis" not in doc
    validate_report(doc)


def test_empty_result_validates():
    doc = json.loads(render("json", sample_result(
        findings=[], counts={"error": 0, "warning": 0, "info": 0}, waived=0, baseline=0, stale_waivers=0,
        failing=0, rows_left_out={}, skipped_rules=[], fixed=[], truncated={}), ctx()))
    validate_report(doc)
    assert doc["findings"] == [] and doc["summary"]["error"] == 0


def test_schema_rejects_what_the_contract_forbids():
    doc = json.loads(render("json", sample_result(), ctx()))
    bad = json.loads(json.dumps(doc))
    bad["findings"][0]["line"] = "4"  # numbers are never strings
    with pytest.raises(jsonschema.ValidationError):
        validate_report(bad)
    bad = json.loads(json.dumps(doc))
    del bad["kpis"]["portfolio"]["headroom_mw"]
    with pytest.raises(jsonschema.ValidationError):
        validate_report(bad)
    bad = json.loads(json.dumps(doc))
    bad["findings"][1].pop("waiver")  # a waived finding must say by whom and until when
    with pytest.raises(jsonschema.ValidationError):
        validate_report(bad)
