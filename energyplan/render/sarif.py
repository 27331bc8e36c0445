"""SARIF 2.1.0 for GitHub code scanning: one run, rule metadata, stable fingerprints, suppressions."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from energyplan.model import AuditOutcome, Finding, RuleSpec, Severity
from energyplan.render.base import (
    INFORMATION_URI,
    SEVERITIES,
    TOOL_NAME,
    RenderContext,
    cell_ref,
    listing_order,
    rules_by_code,
)

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def fingerprint(f: Finding) -> str:
    """sha256 of the finding's identity (rule, table, record_id, column): no line or row goes in, so an
    alert survives rows moving. JSON keeps None distinct from an empty string."""
    identity = json.dumps(list(f.identity), ensure_ascii=False)
    return hashlib.sha256(identity.encode("utf-8")).hexdigest()


def _rule_descriptor(spec: RuleSpec) -> dict[str, Any]:
    summary = spec.summary or spec.name
    rationale = spec.rationale or summary
    help_text = f"{summary}\n\nWhy it matters: {rationale}\n\nWhat to do: {spec.remediation}".rstrip()
    help_md = (
        f"**{spec.code} {spec.name}**: {summary}\n\n"
        f"## Why it matters\n\n{rationale}\n\n## What to do\n\n{spec.remediation}"
    ).rstrip()
    return {
        "id": spec.code,
        "name": spec.name,
        "shortDescription": {"text": summary},
        "fullDescription": {"text": rationale},
        "help": {"text": help_text, "markdown": help_md},
        "defaultConfiguration": {"level": Severity(spec.severity).sarif_level},
        "properties": {"tags": ["energyplan", spec.code[:3]]},
    }


def _spec_for(f: Finding) -> RuleSpec:
    """A finding whose rule is not in result.rules still needs a descriptor for ruleIndex to point at."""
    return RuleSpec(
        code=f.rule, name=f.name, severity=f.severity, default_severity=f.severity, table=f.table,
        summary=f.name.replace("-", " "), rationale="", remediation="", message="",
    )


def _location(f: Finding, ctx: RenderContext) -> dict[str, Any]:
    # A finding at no file (a stale waiver, EP004) points at the config file: GitHub rejects the whole
    # upload when any result has no location.
    uri = f"{ctx.uri_prefix}{f.file}" if f.file is not None else ctx.config_location
    return {
        "physicalLocation": {
            "artifactLocation": {"uri": uri_reference(uri)},
            "region": {"startLine": f.line if f.line is not None and f.line >= 1 else 1},
        }
    }


def uri_reference(path: str) -> str:
    """A relative path as a URI reference (SARIF §3.10): spaces, `#`, `%`, `?` and non-ASCII
    percent-encoded as UTF-8, so `plans/Q4 2026/sites.csv` stays one openable location."""
    from urllib.parse import quote

    return quote(path, safe="/")


def _result(f: Finding, index: int, ctx: RenderContext, with_baseline: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "ruleId": f.rule,
        "ruleIndex": index,
        "level": Severity(f.severity).sarif_level,
        # A workbook has no lines: the cell goes in the message (`workloads!F12: …`), the region is line 1.
        "message": {"text": f"{ref}: {f.message}" if (ref := cell_ref(f)) else f.message},
        "locations": [_location(f, ctx)],
        "partialFingerprints": {"primaryLocationLineHash": fingerprint(f)},
    }
    if f.waived:
        justification = f.waiver.reason if f.waiver is not None else "waived in energyplan.toml"
        out["suppressions"] = [{"kind": "external", "status": "accepted", "justification": justification}]
    if with_baseline:
        out["baselineState"] = "unchanged" if f.baseline else "new"
    out["properties"] = {
        k: v
        for k, v in (("table", f.table), ("record_id", f.record_id), ("site_id", f.site_id),
                     ("row", f.row), ("column", f.column), ("sheet", f.sheet), ("cell", f.cell))
        if v is not None
    }
    return out


def to_document(result: AuditOutcome, ctx: RenderContext) -> dict[str, Any]:
    specs = rules_by_code(result)
    for f in result.findings:
        specs.setdefault(f.rule, _spec_for(f))
    ordered = sorted(specs.values(), key=lambda s: s.code)
    index = {spec.code: i for i, spec in enumerate(ordered)}
    with_baseline = ctx.baseline_used or bool(result.baseline) or bool(result.fixed)
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": TOOL_NAME,
                "version": ctx.tool_version,
                "informationUri": INFORMATION_URI,
                "rules": [_rule_descriptor(s) for s in ordered],
            }
        },
        "results": [_result(f, index[f.rule], ctx, with_baseline) for f in listing_order(result.findings)],
        "columnKind": "utf16CodeUnits",
        "properties": {
            "plan": result.plan,
            "as_of": result.as_of.isoformat(),
            "summary": {sev: result.counts.get(sev, 0) for sev in SEVERITIES}
            | {"waived": result.waived, "baseline": result.baseline},
            "skipped_rules": list(result.skipped_rules),
            "truncated": dict(sorted(result.truncated.items())),
        },
    }
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def render(result: AuditOutcome, ctx: RenderContext) -> str:
    return json.dumps(to_document(result, ctx), ensure_ascii=False, indent=2) + "\n"
