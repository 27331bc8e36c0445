"""Glue from a plan folder and settings to an AuditResult: validate → facts → rules → collect."""

from __future__ import annotations

import gc
import os
import subprocess
from pathlib import Path
from typing import Any

from energyplan.config import Settings
from energyplan.model import AuditResult, Identity


class _Silent:
    """Progress sink used when the caller shows none."""

    def stage(self, text: str) -> None:
        pass

    def advance(self, amount: float = 1, *, total: float | None = None) -> None:
        pass


def repo_relative_prefix(plan_dir: Path) -> str:
    """The plan folder relative to its git repository root (else to the cwd), "" or ending in "/".

    SARIF and GitHub annotations need paths from the repository root to attach to a pull request's diff.
    """
    folder = plan_dir.resolve()
    try:
        proc = subprocess.run(["git", "-C", str(folder), "rev-parse", "--show-toplevel"], capture_output=True,
                              text=True, timeout=5, check=False)
        top = Path(proc.stdout.strip()).resolve() if proc.returncode == 0 and proc.stdout.strip() else None
    except (OSError, subprocess.SubprocessError):
        top = None
    base = top if top is not None else Path.cwd().resolve()
    rel = os.path.relpath(folder, base)
    return "" if rel == "." else rel.replace(os.sep, "/") + "/"


def run_audit(
    plan_dir: Path,
    settings: Settings,
    *,
    command: str = "audit",
    baseline: set[Identity] | None = None,
    max_findings: int = 1000,
    want_identities: bool = False,
    progress: Any = None,
) -> tuple[AuditResult, list[Identity] | None]:
    """Run `audit` (every selected rule + KPIs) or `validate` (EP000–EP003 only) on one plan folder.

    Returns the result and, with `want_identities`, the identity of every finding (for --write-baseline).
    """
    from energyplan.facts import build_facts
    from energyplan.model import FindingBatch
    from energyplan.plan.validate import validate_plan
    from energyplan.ruleset.collect import collect
    from energyplan.ruleset.engine import run_rules
    from energyplan.ruleset.spec import VALIDATION_BUILTINS, builtin_codes, load_rules, param_value, select_rules

    # The modules just imported hold hundreds of thousands of long-lived objects; freezing them keeps the
    # cyclic garbage collector from walking them again and again while a million-row plan is processed.
    gc.freeze()
    prog = progress or _Silent()
    as_of = settings.resolved_as_of()
    all_specs = load_rules(settings, check_columns=command == "audit")
    specs = select_rules(all_specs, settings)
    if command == "validate":
        specs = [s for s in specs if s.builtin in VALIDATION_BUILTINS]

    prog.stage(f"reading {plan_dir}")
    plan = validate_plan(plan_dir, settings)
    code_of = builtin_codes(all_specs)  # validation batches carry the builtin check name
    batches = [FindingBatch(code_of[b.rule], b.frame, b.messages) for b in plan.batches]
    skipped: list[dict[str, str]] = []
    kpis = None
    if command == "audit":
        prog.stage("computing KPIs")
        horizon = int(param_value(all_specs, "EP401", "horizon_days", 365))
        facts = build_facts(plan, as_of=as_of, currency=settings.currency, fx=settings.fx,
                            ep401_horizon_days=horizon)
        prog.stage("running rules")
        rule_batches, skipped = run_rules(specs, facts, plan, settings, as_of=as_of)
        batches += rule_batches
        kpis = facts.kpi_records()
    prog.stage("collecting findings")
    collected = collect(batches, {s.code: s for s in specs}, settings=settings, as_of=as_of, baseline=baseline,
                        max_findings=max_findings, skipped={s["rule"] for s in skipped},
                        want_identities=want_identities)
    result = AuditResult(
        plan=str(plan_dir),
        as_of=as_of,
        currency=settings.currency,
        fail_on=settings.rules.fail_on,
        findings=collected.findings,
        counts=collected.counts,
        waived=collected.waived,
        baseline=collected.baseline,
        stale_waivers=collected.stale_waivers,
        failing=collected.failing,
        rows_left_out=dict(plan.rows_left_out),
        skipped_rules=sorted(skipped, key=lambda s: s["rule"]),
        fixed=collected.fixed,
        truncated=collected.truncated,
        kpis=kpis,
        rules=specs,
        plan_path=str(plan_dir),
        repo_relative_prefix=repo_relative_prefix(plan_dir),
    )
    return result, collected.identities
