"""The machine contract of outputs.md: `audit`/`validate --format json`, key order and all."""

from __future__ import annotations

import json
from typing import Any

from energyplan.facts.records import FrameRecords
from energyplan.facts.registry import KPIS
from energyplan.model import TABLES, AuditOutcome
from energyplan.render.base import TOOL_NAME, RenderContext, clean_number, listing_order

SCHEMA_VERSION = 1


def _kpi_value(column: str, value: Any) -> Any:
    value = clean_number(value)
    # Count columns may arrive as floats from a sum; the contract wants `3`, not `3.0`.
    if value is not None and column in KPIS and KPIS[column].kind == "int":
        return round(value)
    return value


_LEAD = ("scope", "site_id", "site_type")


def _kpi_record(record: dict[str, Any]) -> dict[str, Any]:
    """site_id and site_type first, then the KPI registry's order, then anything else alphabetically."""
    order = [k for k in _LEAD if k in record] + [k for k in KPIS if k in record]
    order += sorted(set(record) - set(order))
    return {key: _kpi_value(key, record[key]) for key in order}


def kpis_json(kpis: dict[str, Any]) -> dict[str, Any]:
    """Sites in the pipeline's order (the sites table's, as `kpi` prints them), values NaN-free,
    columns in a fixed order."""
    return {
        "sites": [_kpi_record(s) for s in kpis.get("sites") or []],
        "portfolio": _kpi_record(kpis.get("portfolio") or {}),
    }


def _ordered_tables(counts: dict[str, int]) -> dict[str, int]:
    """rows_left_out in table order (then any other name alphabetically), for byte-stable output."""
    known = [t for t in TABLES if t in counts]
    return {t: int(counts[t]) for t in known + sorted(set(counts) - set(known))}


def _sanitize(value: Any) -> Any:
    """NaN/inf anywhere in a finding's extra fields would break `allow_nan=False`; make them null."""
    if isinstance(value, dict):
        return {k: _sanitize(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_sanitize(v) for v in value]
    return clean_number(value)


def to_document(result: AuditOutcome, ctx: RenderContext) -> dict[str, Any]:
    """The JSON document as a dict (also what docs/schema/audit.schema.json describes)."""
    doc: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": TOOL_NAME, "version": ctx.tool_version},
        "plan": result.plan,
        "as_of": result.as_of.isoformat(),
        "currency": result.currency,
        "summary": {
            "error": result.counts.get("error", 0),
            "warning": result.counts.get("warning", 0),
            "info": result.counts.get("info", 0),
            "waived": result.waived,
            "baseline": result.baseline,
            "stale_waivers": result.stale_waivers,
            "rows_left_out": _ordered_tables(result.rows_left_out),
        },
        "skipped_rules": sorted(
            ({"rule": s["rule"], "reason": s["reason"]} for s in result.skipped_rules),
            key=lambda s: (s["rule"], s["reason"]),
        ),
        # Finding fields are typed (str, int, bool, None): nothing to sanitize, and at 25,000 listed
        # findings a recursive walk costs more than the encoding itself.
        "findings": [f.to_json() for f in listing_order(result.findings)],
        "fixed": sorted(
            (_sanitize(dict(entry)) for entry in result.fixed),
            key=lambda e: tuple(str(e.get(k) or "") for k in ("rule", "table", "record_id", "column")),
        ),
        "truncated": {rule: int(n) for rule, n in sorted(result.truncated.items())},
    }
    if ctx.command != "validate" and result.kpis is not None:
        doc["kpis"] = kpis_json(result.kpis)
    if result.outlook is not None:
        doc["outlook"] = result.outlook
    if result.adequacy is not None:
        doc["adequacy"] = result.adequacy
    return doc


# One encoder for the whole document: json.dumps with options builds a new JSONEncoder per call, and
# the document is written one finding (one outlook row, one site) at a time.
_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False)


def _dumps(value: Any) -> str:
    return _ENCODER.encode(value)


# Long lists whose items are written one per line: json's C encoder only runs without `indent`, and the
# pure-Python one spends seconds on tens of thousands of findings. One item a line also diffs well.
_ONE_PER_LINE = {("findings",), ("kpis", "sites"), ("outlook", "sites"), ("outlook", "portfolio"),
                 ("adequacy", "sites")}


def _write(value: Any, path: tuple[str, ...], depth: int, out: list[str]) -> None:
    """Append `value`'s text to `out` (joined once at the end: the outlook's rows are tens of megabytes,
    and concatenating at every level would copy them once per level)."""
    pad, inner = "  " * depth, "  " * (depth + 1)
    if isinstance(value, FrameRecords):  # a frame's rows: encoded column by column, one row a line
        lines = value.json_lines()
        out.extend(("[\n" + inner, (",\n" + inner).join(lines), "\n" + pad + "]") if lines else ("[]",))
    elif isinstance(value, dict) and value:
        out.append("{\n")
        for i, (k, v) in enumerate(value.items()):
            out.append(f"{',' + chr(10) if i else ''}{inner}{_dumps(k)}: ")
            _write(v, (*path, k), depth + 1, out)
        out.append("\n" + pad + "}")
    elif isinstance(value, list) and value and path in _ONE_PER_LINE:
        out.append("[\n" + ",\n".join(inner + _dumps(v) for v in value) + "\n" + pad + "]")
    elif isinstance(value, list) and value:
        out.append("[\n")
        for i, v in enumerate(value):
            out.append(",\n" + inner if i else inner)
            _write(v, path, depth + 1, out)
        out.append("\n" + pad + "]")
    else:
        out.append(_dumps(value))


def write_document(doc: dict[str, Any]) -> str:
    """Two-space indented JSON, except that each finding, each site's KPIs and each outlook row sit on one line."""
    out: list[str] = []
    _write(doc, (), 0, out)
    out.append("\n")
    return "".join(out)


def render(result: AuditOutcome, ctx: RenderContext) -> str:
    return write_document(to_document(result, ctx))
