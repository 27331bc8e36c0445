"""Rule documentation in fixed sections, shared by `rules explain` and the generated docs/rules.md."""

from __future__ import annotations

from typing import Any

from energyplan.model import RuleSpec

GENERATED_BY = "python -m energyplan.docsgen rules"
_REPORTS = {
    "sites": "a site (its row in sites)",
    "workloads": "a workload",
    "commitments": "a commitment",
    "contracts": "a contract",
    "incidents": "an incident",
    "site_months": "a site (its row in sites): one finding however many months match",
    "portfolio_months": "the plan (table plan, record portfolio): the configuration line of the target, else line 1",
    "site_year": "a site (its row in sites), from the replay year",
    "portfolio_year": "the plan (table plan, record portfolio): the configuration line of the target, else line 1",
}


def paragraphs(text: str) -> list[str]:
    """TOML prose wraps lines for the editor: join them, keep blank-line paragraph breaks."""
    return [" ".join(block.split()) for block in text.strip().split("\n\n") if block.strip()]


def reports(spec: RuleSpec) -> str:
    from energyplan.ruleset.builtins import STALE_WAIVER, is_plan_check

    if spec.builtin == STALE_WAIVER:
        return "the waiver (no table; record_id = the waiver's record)"
    if is_plan_check(spec) or spec.table is None:
        return "the row (or, for whole-file problems, the file) at fault"
    return _REPORTS.get(spec.table, spec.table) + (f", column {spec.column}" if spec.column else "")


def fires_when(spec: RuleSpec) -> str:
    from energyplan.ruleset.builtins import STALE_WAIVER, is_plan_check

    if spec.when:
        return f"`{spec.when}`"
    if is_plan_check(spec):
        return "checked while loading and validating the plan"
    return "a waiver's rule and record match no finding" if spec.builtin == STALE_WAIVER else "built in"


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


_OWN_RULES = """## Your own rules

A rule pack is a folder of TOML files in exactly this form; `[rules] paths = ["policies/"]` in
energyplan.toml runs it with the catalog, and `energyplan rules check policies/` checks it without running
it. `table` may be a facts table of the day (`sites`, `workloads`, `commitments`, `contracts`) or a time
axis: `site_months` / `portfolio_months` (the outlook, one row per site and month) and `site_year` /
`portfolio_year` (the hourly replay). A rule over a time axis judges every row and reports one finding per
site (or one for the plan), and its message may use `first_month`, `last_month` and `months_hit` besides
the columns of the first matching row. This example, `examples/rules/ACME701.toml`, keeps 15 % of firm
power spare in every month that starts within a year (`days(n)` turns a number into days, so `as_of +
days(365)` is a date):"""


def _example_rule() -> str:
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "examples" / "rules" / "ACME701.toml"
    return path.read_text(encoding="utf-8").strip() if path.is_file() else "# examples/rules/ACME701.toml"


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
    out += ["", *_OWN_RULES.splitlines(), "", "```toml", *_example_rule().splitlines(), "```", ""]
    for spec in specs:
        out += [rule_markdown(spec)]
    return "\n".join(out).rstrip("\n") + "\n"
