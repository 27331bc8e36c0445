"""JUnit XML for CI test tabs (Ant JUnit schema): a testsuite per rule, a testcase per finding."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict

from energyplan.model import AuditOutcome, Finding, RuleSpec, fails
from energyplan.render.base import RenderContext, first_line, listing_order, location, rules_by_code

# XML 1.0 cannot carry most control characters, even escaped; a message with one must still render.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(value: str) -> str:
    return _XML_ILLEGAL.sub("\ufffd", value)


def _case_name(f: Finding) -> str:
    """Record and column, or the file for a whole-file finding: readable in a test tab and, with the
    rule, nearly unique. Never a line or row number: CI test history keys on the name, and it must not
    churn when rows move (the line is in the failure's or skip's body)."""
    parts = [f.record_id if f.record_id is not None else (f.table or "plan")]
    if f.column:
        parts.append(f"[{f.column}]")
    if f.record_id is None and f.file is not None:
        parts.append(f"in {f.file}")
    return " ".join(parts)


def _where(f: Finding, prefix: str) -> str:
    return f"{f.message}\nlocation: {location(f, prefix)}" if f.file is not None else f.message


def _unique(names: list[str]) -> list[str]:
    """xs:token collapses whitespace, so uniqueness is checked on the collapsed form; repeats get #2, #3."""
    seen: dict[str, int] = defaultdict(int)
    out = []
    for name in names:
        key = " ".join(name.split())
        seen[key] += 1
        out.append(key if seen[key] == 1 else f"{key} #{seen[key]}")
    return out


def _suite(parent: ET.Element, suite_id: int, code: str, spec: RuleSpec | None, findings: list[Finding],
           skipped_reason: str | None, result: AuditOutcome, timestamp: str, prefix: str, plan_label: str) -> None:
    name = f"{plan_label}{code} {spec.name}" if spec else f"{plan_label}{code}"
    suite = ET.SubElement(parent, "testsuite", {
        "name": name, "timestamp": timestamp, "hostname": "localhost", "tests": "0", "failures": "0",
        "errors": "0", "skipped": "0", "time": "0", "package": "energyplan", "id": str(suite_id),
    })
    props = ET.SubElement(suite, "properties")
    for key, value in (("plan", result.plan), ("as_of", result.as_of.isoformat()),
                       ("severity", spec.severity.value if spec else ""), ("fail_on", result.fail_on)):
        if value:
            ET.SubElement(props, "property", {"name": key, "value": _xml_text(value)})
    classname = f"energyplan.{code}"
    tests = failures = skipped = 0
    if skipped_reason is not None:
        case = ET.SubElement(suite, "testcase", {"name": "rule skipped", "classname": classname, "time": "0"})
        ET.SubElement(case, "skipped", {"message": _xml_text(skipped_reason)})
        tests, skipped = 1, 1
    elif not findings:
        # A rule that ran and found nothing is a passing test: the tab shows what was checked.
        ET.SubElement(suite, "testcase", {"name": "no findings", "classname": classname, "time": "0"})
        tests = 1
    hint = first_line(spec.remediation) if spec else ""
    for f, case_name in zip(findings, _unique([_case_name(f) for f in findings]), strict=True):
        tests += 1
        case = ET.SubElement(suite, "testcase", {"name": _xml_text(case_name), "classname": classname,
                                                 "time": "0"})
        message = _xml_text(f.message)
        if f.waived:
            reason = f.waiver.reason if f.waiver is not None else "waived"
            skip = ET.SubElement(case, "skipped", {"message": _xml_text(f"waived: {reason}")})
            skip.text = _xml_text(_where(f, prefix))
            skipped += 1
        elif f.baseline:
            skip = ET.SubElement(case, "skipped", {"message": "in the baseline"})
            skip.text = _xml_text(_where(f, prefix))
            skipped += 1
        elif fails(f.severity, result.fail_on):
            failure = ET.SubElement(case, "failure", {"message": message, "type": f.rule})
            body = [message, f"severity: {f.severity.value}"]
            if location(f):
                body.append(f"location: {location(f, prefix)}")
            if f.site_id:
                body.append(f"site: {f.site_id}")
            if hint:
                body.append(f"what to do: {hint}")
            failure.text = _xml_text("\n".join(body))
            failures += 1
    out_lines = [spec.summary] if spec and spec.summary else []
    if result.truncated.get(code):
        out_lines.append(f"{result.truncated[code]:,} more findings not listed (--max-findings)")
    ET.SubElement(suite, "system-out").text = _xml_text("\n".join(out_lines))
    ET.SubElement(suite, "system-err").text = ""
    suite.set("tests", str(tests))
    suite.set("failures", str(failures))
    suite.set("skipped", str(skipped))


def add_suites(root: ET.Element, result: AuditOutcome, ctx: RenderContext, *, plan_label: str = "",
               first_id: int = 0) -> int:
    """One testsuite per rule of `result` under `root`, names prefixed by `plan_label` (several plans in
    one document); returns the next free suite id."""
    specs = rules_by_code(result)
    by_rule: dict[str, list[Finding]] = defaultdict(list)
    for f in listing_order(result.findings):
        by_rule[f.rule].append(f)
    skipped = {s["rule"]: s["reason"] for s in result.skipped_rules}
    codes = sorted(set(specs) | set(by_rule) | set(skipped))
    # Byte-identical across runs: the date of the audit, not the wall clock.
    timestamp = f"{result.as_of.isoformat()}T00:00:00"
    for suite_id, code in enumerate(codes, start=first_id):
        _suite(root, suite_id, code, specs.get(code), by_rule.get(code, []),
               skipped.get(code) if code not in by_rule else None, result, timestamp, ctx.uri_prefix, plan_label)
    return first_id + len(codes)


def to_xml(root: ET.Element) -> str:
    ET.indent(root, space="  ")
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"


def render(result: AuditOutcome, ctx: RenderContext) -> str:
    root = ET.Element("testsuites")
    add_suites(root, result, ctx)
    return to_xml(root)
