"""The one pipeline every command and API call runs: settings → rules → validated plan → facts → findings.

Nothing here prints, exits, freezes the garbage collector or calls git: those belong to the CLI.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from energyplan.config import Settings
from energyplan.model import AuditOutcome, FindingBatch, Identity, RuleSpec
from energyplan.ruleset.builtins import is_integrity, is_plan_check, tag_batches

if TYPE_CHECKING:
    from energyplan.plan.validate import ValidatedPlan


class Progress(Protocol):
    """Where the pipeline reports its stages (the CLI shows them on stderr; the API shows nothing)."""

    def stage(self, text: str) -> None: ...


class _Silent:
    def stage(self, text: str) -> None:
        pass


# What a run computes. "validate": the plan checks only; "audit": every selected rule and the KPIs (and
# the outlook when a selected rule reads it); "kpis" / "outlook": those numbers and the integrity
# verdict, no rule.
MODES = ("validate", "audit", "kpis", "outlook", "adequacy")
OUTLOOK_TABLES = frozenset({"site_months", "portfolio_months"})
YEAR_TABLES = frozenset({"site_year", "portfolio_year"})


@dataclass
class Run:
    """Everything one pass over a plan computed (the API wraps it in its result types)."""

    mode: str
    settings: Settings
    as_of: dt.date
    plan: ValidatedPlan
    rules: list[RuleSpec]  # every rule, configured (severity overrides, params)
    selected: list[RuleSpec]  # the rules that ran (or were skipped for a missing table)
    facts: Any = None  # energyplan.facts.Facts, when the mode needs them
    outlook: Any = None  # energyplan.facts.months.Outlook, when the mode or a selected rule needs it
    adequacy: Any = None  # energyplan.facts.hours.Adequacy, likewise
    outcome: AuditOutcome | None = None
    identities: list[Identity] | None = None
    integrity_errors: dict[str, int] = field(default_factory=dict)  # rule code -> error findings


def load_specs(settings: Settings, *, check_columns: bool) -> list[RuleSpec]:
    """Every rule, configured; a bad rule pack or a `[rules]` entry naming no rule raises UsageError.

    Every command calls this, so `kpi` rejects the configuration `audit` rejects.
    """
    from energyplan.ruleset.spec import load_rules

    return load_rules(settings, check_columns=check_columns)


def select(specs: list[RuleSpec], settings: Settings, mode: str) -> list[RuleSpec]:
    """The rules a mode runs: select/ignore applied; `validate` keeps only the plan checks."""
    from energyplan.ruleset.spec import select_rules

    chosen = select_rules(specs, settings)
    if mode == "validate":
        return [s for s in chosen if is_plan_check(s)]
    if mode in ("kpis", "outlook", "adequacy"):
        return [s for s in chosen if is_integrity(s)]
    return chosen


def build_adequacy_for(plan: ValidatedPlan, settings: Settings, as_of: dt.date, facts: Any) -> Any:
    """The replay year against the plan at as_of (spec/adequacy.md), with the day's annual carbon."""
    from energyplan.facts.hours import HourlyOptions, build_adequacy

    h = settings.hourly
    options = HourlyOptions(as_of=as_of, clock=h.clock, round_trip_efficiency=h.round_trip_efficiency,
                            min_soc_pct=h.min_soc_pct, reserve_hours=h.reserve_hours, currency=settings.currency,
                            fx=dict(settings.fx))
    carbon = facts.sites.set_index("site_id")["carbon_intensity_g_per_kwh"].astype("float64")
    annual: dict[str | None, float | None] = {str(k): v for k, v in carbon.dropna().items()}
    annual[None] = facts.portfolio.get("carbon_intensity_g_per_kwh")
    return build_adequacy(plan.frames, options, annual_carbon=annual, profiles_file=plan.files.get("profiles"))


def build_outlook_for(plan: ValidatedPlan, settings: Settings, as_of: dt.date, months: int | None = None) -> Any:
    """The plan month by month over `months` (default: `[outlook] months`), spec/outlook.md."""
    from energyplan.facts.months import OutlookOptions, build_outlook

    options = OutlookOptions(
        as_of=as_of, months=months or settings.outlook_months, currency=settings.currency, fx=settings.fx,
        carbon_intensity_pathway=settings.carbon_intensity_pathway or None,
        emissions_pathway_t=settings.emissions_pathway_t or None)
    return build_outlook(plan.frames, options)


def build_facts_for(plan: ValidatedPlan, settings: Settings, as_of: dt.date, specs: list[RuleSpec]) -> Any:
    """The day's facts, with the options that the rules' params set (the facts layer knows no rule)."""
    from energyplan.facts import FactsOptions, build_facts
    from energyplan.ruleset.spec import facts_options

    return build_facts(plan, FactsOptions(as_of=as_of, currency=settings.currency, fx=settings.fx,
                                          **facts_options(specs)))


def run(
    plan_dir: Path,
    settings: Settings,
    *,
    mode: str = "audit",
    baseline: Collection[Identity] | None = None,
    max_findings: int = 1000,
    want_identities: bool = False,
    progress: Progress | None = None,
    months: int | None = None,
) -> Run:
    """Run one plan through the pipeline in `mode` (see MODES)."""
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}")
    from energyplan.plan.validate import validate_plan

    prog = progress or _Silent()
    as_of = settings.resolved_as_of()
    specs = load_specs(settings, check_columns=mode == "audit")
    selected = select(specs, settings, mode)
    prog.stage(f"reading {plan_dir}")
    plan = validate_plan(plan_dir, settings, prog)
    batches: list[FindingBatch] = tag_batches(plan.batches, specs)
    result = Run(mode=mode, settings=settings, as_of=as_of, plan=plan, rules=specs, selected=selected)
    skipped: list[dict[str, str]] = []
    if mode in ("audit", "kpis", "outlook", "adequacy"):
        prog.stage("computing KPIs")
        result.facts = build_facts_for(plan, settings, as_of, specs)
    tables = {name: getattr(result.facts, name) for name in ("sites", "workloads", "commitments", "contracts")
              } if result.facts is not None else {}
    if mode == "outlook" or (mode == "audit" and any(s.table in OUTLOOK_TABLES for s in selected)):
        prog.stage("walking the plan month by month")
        result.outlook = build_outlook_for(plan, settings, as_of, months)
        tables.update(site_months=result.outlook.site_months, portfolio_months=result.outlook.portfolio_months)
    if mode == "adequacy" or (mode == "audit" and any(s.table in YEAR_TABLES for s in selected)):
        prog.stage("replaying last year hour by hour")
        result.adequacy = build_adequacy_for(plan, settings, as_of, result.facts)
        import pandas as pd

        tables.update(site_year=result.adequacy.site_year,
                      portfolio_year=pd.DataFrame([dict(result.adequacy.portfolio_year)]))
        if len(result.adequacy.problems):
            # an incomplete profile is a schema finding on the profiles table
            batches += tag_batches([FindingBatch("schema", result.adequacy.problems)], specs)
    if mode == "audit":
        from energyplan.ruleset.engine import run_rules

        prog.stage("running rules")
        rule_batches, skipped = run_rules(selected, tables, plan, settings, as_of=as_of)
        rule_batches = _note_consequences(rule_batches, specs, plan)
        batches += rule_batches
    prog.stage("collecting findings")
    result.outcome, result.identities = _collect(result, batches, skipped, baseline=baseline,
                                                 max_findings=max_findings, want_identities=want_identities)
    if mode in ("kpis", "outlook", "adequacy"):
        result.integrity_errors = integrity_errors(result, batches)
    return result


def _note_consequences(batches: list[FindingBatch], specs: list[RuleSpec], plan: ValidatedPlan) -> list[FindingBatch]:
    """Findings whose inputs lost a row or cell to a schema finding say so in their message."""
    from energyplan.ruleset.builtins import codes_by_builtin
    from energyplan.ruleset.consequences import annotate

    return annotate(batches, {s.code: s for s in specs}, plan.lost, codes_by_builtin(specs).get("schema"))


def integrity_errors(result: Run, batches: list[FindingBatch]) -> dict[str, int]:
    """Error-level data-integrity findings (after severity overrides, select/ignore and waivers), per
    rule: what makes `kpi`, `outlook` and `adequacy` refuse to write numbers."""
    from energyplan.ruleset.collect import collect

    specs = {s.code: s for s in result.selected if is_integrity(s) and s.severity.value == "error"}
    if not specs:
        return {}
    counted = collect(batches, specs, settings=_fail_on(result.settings, "error"), as_of=result.as_of,
                      baseline=None, max_findings=0)
    return {code: n for code, n in sorted(counted.failing_by_rule.items()) if n}


def _fail_on(settings: Settings, level: str) -> Settings:
    return replace(settings, rules=replace(settings.rules, fail_on=level))


def _collect(result: Run, batches: list[FindingBatch], skipped: list[dict[str, str]], *,
             baseline: Collection[Identity] | None, max_findings: int,
             want_identities: bool) -> tuple[AuditOutcome, list[Identity] | None]:
    from energyplan.ruleset.collect import collect

    settings = result.settings
    collected = collect(batches, {s.code: s for s in result.selected}, settings=settings, as_of=result.as_of,
                        baseline=set(baseline) if baseline is not None else None, max_findings=max_findings,
                        skipped={s["rule"] for s in skipped}, want_identities=want_identities,
                        sheets=result.plan.sheets)
    outcome = AuditOutcome(
        plan=str(result.plan.root),
        as_of=result.as_of,
        currency=settings.currency,
        fail_on=settings.rules.fail_on,
        findings=collected.findings,
        counts=collected.counts,
        waived=collected.waived,
        baseline=collected.baseline,
        stale_waivers=collected.stale_waivers,
        failing=collected.failing,
        rows_left_out=dict(result.plan.rows_left_out),
        skipped_rules=sorted(skipped, key=lambda s: s["rule"]),
        fixed=collected.fixed,
        truncated=collected.truncated,
        kpis=result.facts.kpi_records() if result.facts is not None and result.mode == "audit" else None,
        outlook=result.outlook.json_view() if result.outlook is not None and result.mode == "audit" else None,
        adequacy=result.adequacy.to_json() if result.adequacy is not None and result.mode == "audit" else None,
        rules=result.selected,
    )
    return outcome, collected.identities
