"""Rule documentation in fixed sections, shared by `rules explain` and the generated docs/rules.md."""

from __future__ import annotations

from typing import Any

from energyplan.model import RuleSpec
from energyplan.ruleset.spec import VALIDATION_BUILTINS

GENERATED_BY = "python -m energyplan.docsgen rules"
_REPORTS = {
    "sites": "a site (its row in sites)",
    "workloads": "a workload",
    "commitments": "a commitment",
    "contracts": "a contract",
    "incidents": "an incident",
}


def paragraphs(text: str) -> list[str]:
    """TOML prose wraps lines for the editor: join them, keep blank-line paragraph breaks."""
    return [" ".join(block.split()) for block in text.strip().split("\n\n") if block.strip()]


def reports(spec: RuleSpec) -> str:
    if spec.code == "EP004":
        return "the waiver (no table; record_id = the waiver's record)"
    if spec.builtin in VALIDATION_BUILTINS or spec.table is None:
        return "the row (or, for whole-file problems, the file) at fault"
    return _REPORTS.get(spec.table, spec.table) + (f", column {spec.column}" if spec.column else "")


def fires_when(spec: RuleSpec) -> str:
    if spec.when:
        return f"`{spec.when}`"
    if spec.builtin in VALIDATION_BUILTINS:
        return "checked while loading and validating the plan"
    return {"stale-waiver": "a waiver's rule and record match no finding"}.get(spec.builtin or "", "built in")


def param_rows(spec: RuleSpec, *, in_force: bool) -> list[list[str]]:
    rows = []
    for p in spec.params:
        row = [p.name, _value(p.default)]
        if in_force:
            row.append(_value(p.value) + ("" if p.value == p.default else " (configured)"))
        rows.append(row)
    return rows


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return f"{v:g}" if isinstance(v, float) else str(v)


def rule_markdown(spec: RuleSpec, *, level: int = 2, in_force: bool = False) -> str:
    """One rule's doc: title, facts line, summary, why it matters, what to do, parameters."""
    h = "#" * level
    sev = spec.severity.value
    if spec.severity != spec.default_severity:
        sev += f" (configured; default {spec.default_severity.value})"
    lines = [
        f"{h} {spec.code} {spec.name}",
        "",
        spec.summary.rstrip(".") + ".",
        "",
        f"- Severity: {sev}",
        f"- Reports: {reports(spec)}",
        f"- Fires when: {fires_when(spec)}",
    ]
    if spec.needs:
        lines.append(f"- Needs: {', '.join(spec.needs)}")
    lines += ["", f"{h}# Why it matters", ""]
    lines += _join(paragraphs(spec.rationale))
    lines += ["", f"{h}# What to do", ""]
    lines += _join(paragraphs(spec.remediation))
    lines += ["", f"{h}# Parameters", ""]
    rows = param_rows(spec, in_force=in_force)
    if rows:
        header = ["name", "default", "in force"] if in_force else ["name", "default"]
        lines += [f"| {' | '.join(header)} |", f"|{' --- |' * len(header)}"]
        lines += [f"| {' | '.join(r)} |" for r in rows]
        lines += ["", f"Override them in energyplan.toml under `[rules.params.{spec.code}]`."]
    else:
        lines.append("None.")
    return "\n".join(lines) + "\n"


def _join(paras: list[str]) -> list[str]:
    out: list[str] = []
    for para in paras:
        out += [para, ""]
    return out[:-1]


def render_rules_doc() -> str:
    """docs/rules.md: the built-in catalog, generated from rules/*.toml."""
    from energyplan.ruleset.spec import builtin_rules

    specs = sorted(builtin_rules(), key=lambda s: s.code)
    out = [
        f"<!-- Generated from rules/*.toml by `{GENERATED_BY}`; do not edit by hand. -->",
        "",
        "# Rule catalog",
        "",
        "Every rule of energyplan, generated from its TOML file in `rules/`. `energyplan rules explain CODE`",
        "prints the same text in the terminal, with the parameter values in force for a plan (`--plan`).",
        "Rules select, ignore and re-rate by code or prefix in energyplan.toml (`[rules] select`, `ignore`,",
        "`severity`); parameters are set under `[rules.params.CODE]`. In `when`, a comparison with an empty",
        "(null) value is never true, and `not` keeps it so: use `is_null(x)` to test for empty values.",
        "",
        "| code | name | severity | summary |",
        "| --- | --- | --- | --- |",
    ]
    out += [f"| [{s.code}](#{s.code.lower()}-{s.name}) | {s.name} | {s.severity.value} | {s.summary} |"
            for s in specs]
    out.append("")
    for spec in specs:
        out += [rule_markdown(spec)]
    return "\n".join(out).rstrip("\n") + "\n"
