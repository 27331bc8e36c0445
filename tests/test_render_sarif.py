"""SARIF 2.1.0: valid against the OASIS schema, and shaped the way GitHub code scanning needs it."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import jsonschema
import pytest

from energyplan.render.sarif import fingerprint
from tests.helpers import render
from tests.support.render_sample import FINDINGS, PREFIX, ctx, sample_result

SCHEMA = Path(__file__).parent / "schemas" / "sarif-schema-2.1.0.json"


def sarif(result=None, **context) -> dict:
    return json.loads(render("sarif", result or sample_result(), ctx(**context)))


@pytest.mark.parametrize("variant", ["sample", "empty", "validate"])
def test_valid_against_the_oasis_schema(variant):
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    result = sample_result()
    if variant == "empty":
        result = sample_result(findings=[], counts={"error": 0, "warning": 0, "info": 0}, failing=0)
    doc = sarif(result, command="validate" if variant == "validate" else "audit")
    validator = jsonschema.validators.validator_for(schema)  # the OASIS file declares draft-04
    validator(schema).validate(doc)


def test_one_run_with_driver_metadata_for_every_rule():
    doc = sarif()
    assert doc["version"] == "2.1.0" and len(doc["runs"]) == 1
    driver = doc["runs"][0]["tool"]["driver"]
    assert driver["name"] == "energyplan" and driver["version"] == "0.1.0"
    assert driver["informationUri"].startswith("https://")
    ids = [r["id"] for r in driver["rules"]]
    assert ids == sorted(ids) and {"EP000", "EP004", "EP101", "EP205", "EP501"} <= set(ids)
    ep101 = driver["rules"][ids.index("EP101")]
    assert ep101["name"] == "commitment-without-sourcing-plan"
    assert ep101["shortDescription"]["text"] and ep101["fullDescription"]["text"]
    assert "sourcing_plan_id" in ep101["help"]["text"] and "## What to do" in ep101["help"]["markdown"]
    levels = {r["id"]: r["defaultConfiguration"]["level"] for r in driver["rules"]}
    assert (levels["EP101"], levels["EP301"], levels["EP004"]) == ("error", "warning", "note")


def test_results_point_at_the_file_relative_to_the_repository():
    doc = sarif()
    driver, results = doc["runs"][0]["tool"]["driver"], doc["runs"][0]["results"]
    assert len(results) == len(FINDINGS)
    for res in results:
        assert driver["rules"][res["ruleIndex"]]["id"] == res["ruleId"]
        assert res["level"] in ("error", "warning", "note") and res["message"]["text"]
        loc = res["locations"][0]["physicalLocation"]
        assert loc["artifactLocation"]["uri"].startswith(PREFIX)
        assert loc["region"]["startLine"] >= 1
    first = results[0]
    assert first["ruleId"] == "EP101" and first["level"] == "error"
    assert first["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "sample_data/northwind/commitments.csv"}, "region": {"startLine": 4}}


def test_missing_line_becomes_line_one_and_a_stale_waiver_points_at_the_config():
    results = {(r["ruleId"], r["properties"].get("record_id")): r for r in sarif()["runs"][0]["results"]}
    header = next(r for r in sarif()["runs"][0]["results"]
                  if r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith("contracts.csv"))
    assert header["locations"][0]["physicalLocation"]["region"] == {"startLine": 1}
    stale = results[("EP004", "cmt-gone")]
    assert stale["level"] == "note"
    assert stale["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == f"{PREFIX}energyplan.toml"
    moved = sarif(config_uri="config/energyplan.toml")["runs"][0]["results"]
    assert any(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "config/energyplan.toml"
               for r in moved)


def test_fingerprint_comes_from_identity_and_survives_rows_moving():
    f = FINDINGS[0]
    moved = dataclasses.replace(f, row=30, line=41, message="a different message")
    assert fingerprint(f) == fingerprint(moved)
    assert fingerprint(f) != fingerprint(dataclasses.replace(f, column="status"))
    assert fingerprint(dataclasses.replace(f, column=None)) != fingerprint(dataclasses.replace(f, column=""))
    doc = sarif()
    hashes = [r["partialFingerprints"]["primaryLocationLineHash"] for r in doc["runs"][0]["results"]]
    assert hashes[0] == fingerprint(f)
    # the two duplicate-key findings share an identity; every other finding's hash is distinct
    assert len(set(hashes)) == len(hashes) - 1


def test_waived_findings_are_suppressed_with_the_reason():
    results = sarif()["runs"][0]["results"]
    suppressed = [r for r in results if "suppressions" in r]
    assert [r["properties"]["record_id"] for r in suppressed] == ["cmt-gcp-2026"]
    assert suppressed[0]["suppressions"] == [{
        "kind": "external", "status": "accepted",
        "justification": "finance sign-off is on the December steering committee agenda"}]


def test_baseline_state_marks_unchanged_and_new_only_when_a_baseline_was_used():
    results = sarif()["runs"][0]["results"]
    states = {r["properties"].get("record_id"): r["baselineState"] for r in results}
    assert states["w-train"] == "unchanged" and states["cmt-aws-2027"] == "new"
    plain = sample_result(findings=[dataclasses.replace(f, baseline=False) for f in FINDINGS],
                          baseline=0, fixed=[])
    assert all("baselineState" not in r for r in sarif(plain)["runs"][0]["results"])
    assert all(r["baselineState"] == "new" for r in sarif(plain, baseline_used=True)["runs"][0]["results"])


def test_a_finding_of_a_rule_missing_from_the_metadata_still_gets_a_descriptor():
    stray = dataclasses.replace(FINDINGS[0], rule="EP999", name="custom-rule")
    doc = sarif(sample_result(findings=[stray]))
    driver = doc["runs"][0]["tool"]["driver"]
    res = doc["runs"][0]["results"][0]
    assert driver["rules"][res["ruleIndex"]]["id"] == "EP999"


def test_the_schema_check_would_catch_a_bad_level():
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    doc = sarif()
    doc["runs"][0]["results"][0]["level"] = "fatal"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validators.validator_for(schema)(schema).validate(doc)
