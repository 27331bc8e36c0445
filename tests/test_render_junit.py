"""JUnit XML: valid against the Ant JUnit schema, a suite per rule, failures only for what fails the run."""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import xmlschema

from tests.helpers import render
from tests.support.render_sample import FINDINGS, ctx, sample_result

XSD = Path(__file__).parent / "schemas" / "JUnit.xsd"


def junit(result=None) -> ET.Element:
    return ET.fromstring(render("junit", result or sample_result(), ctx()).encode("utf-8"))


def suites(root: ET.Element) -> dict[str, ET.Element]:
    return {s.get("name").split()[0]: s for s in root.findall("testsuite")}


@pytest.mark.parametrize("fail_on", ["error", "warning", "info", "never"])
def test_valid_against_the_junit_schema(fail_on):
    schema = xmlschema.XMLSchema(str(XSD))
    schema.validate(render("junit", sample_result(fail_on=fail_on), ctx()))


def test_control_characters_in_messages_still_give_valid_xml():
    nasty = dataclasses.replace(FINDINGS[0], message="bell \x07 and NUL \x00 in a cell")
    out = render("junit", sample_result(findings=[nasty]), ctx())
    xmlschema.XMLSchema(str(XSD)).validate(out)
    assert "bell \ufffd and NUL \ufffd" in out


def test_one_suite_per_rule_with_reproducible_header_fields():
    root = junit()
    assert root.tag == "testsuites"
    by_rule = suites(root)
    assert list(by_rule) == ["EP000", "EP004", "EP101", "EP201", "EP205", "EP301", "EP403", "EP501", "EP603"]
    for i, suite in enumerate(root.findall("testsuite")):
        assert suite.get("timestamp") == "2026-11-30T00:00:00"
        assert suite.get("hostname") == "localhost" and suite.get("time") == "0"
        assert suite.get("id") == str(i) and suite.get("package") == "energyplan"
        tags = [c.tag for c in suite]
        assert tags[0] == "properties" and tags[-2:] == ["system-out", "system-err"]
        cases = suite.findall("testcase")
        assert int(suite.get("tests")) == len(cases)
        assert int(suite.get("failures")) == len(suite.findall("testcase/failure"))
        assert int(suite.get("skipped")) == len(suite.findall("testcase/skipped"))


def test_testcase_names_are_unique_within_a_suite_even_for_duplicate_identities():
    for suite in junit().findall("testsuite"):
        names = [" ".join(c.get("name").split()) for c in suite.findall("testcase")]
        assert len(names) == len(set(names)), suite.get("name")
    ep000 = suites(junit())["EP000"]
    assert len(ep000.findall("testcase")) == 4


def test_failures_waivers_baseline_and_findings_below_fail_on():
    by_rule = suites(junit())
    fail = by_rule["EP101"].find("testcase/failure")
    assert fail.get("type") == "EP101"
    assert fail.get("message") == FINDINGS[0].message
    assert fail.text.startswith(FINDINGS[0].message) and "commitments.csv:4" in fail.text
    ep403 = by_rule["EP403"].findall("testcase")
    assert ep403[0].find("skipped").get("message").startswith("waived: finance sign-off")
    assert len(ep403[1]) == 0  # a warning passes when fail_on is error
    assert by_rule["EP301"].find("testcase/skipped").get("message") == "in the baseline"
    assert by_rule["EP501"].find("testcase").get("name") == "no findings"
    assert by_rule["EP205"].find("testcase/skipped").get("message") == "table contracts did not load"
    warn = suites(junit(sample_result(fail_on="warning")))
    assert warn["EP403"].findall("testcase")[1].find("failure") is not None
    assert warn["EP301"].find("testcase/failure") is None  # baseline never fails
    never = junit(sample_result(fail_on="never"))
    assert never.findall("testsuite/testcase/failure") == []


def test_truncated_listing_is_reported_in_the_suite_output():
    assert "2 more findings not listed" in suites(junit())["EP000"].find("system-out").text
