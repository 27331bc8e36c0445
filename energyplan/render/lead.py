"""What a human report leads with: headline KPIs, "fix first", findings by site, one hint a rule (no pandas)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from energyplan.facts.registry import HEADLINE_KPIS, KPIS
from energyplan.model import AuditOutcome, Finding, RuleSpec
from energyplan.render.base import first_line, listing_order, location, plural, word_list, worst_first

PLAN_WIDE = "plan-wide"  # the group of findings that name no site (portfolio, config, whole files)


@dataclass(frozen=True)
class Cause:
    """Errors of one rule at one site: what to fix first, with where to look."""

    site: str
    rule: str
    name: str
    count: int
    places: tuple[str, ...]


def headline(result: AuditOutcome) -> list[tuple[str, str]]:
    """The four headline KPIs of the portfolio as (label with unit, value as the KPI table shows it)."""
    from energyplan.render.kpi_table import portfolio_cell

    if result.kpis is None:
        return []
    out = []
    for column in HEADLINE_KPIS:
        kpi = KPIS[column]
        label = kpi.header_in(result.currency).replace("\n", " ")
        out.append((label, portfolio_cell(result.kpis, column)))
    return out


def active(result: AuditOutcome) -> list[Finding]:
    """Findings neither waived nor in the baseline, in listing order."""
    return [f for f in listing_order(result.findings) if not (f.waived or f.baseline)]


def site_of(f: Finding) -> str:
    return f.site_id or PLAN_WIDE


def fix_first(result: AuditOutcome, prefix: str = "") -> list[Cause]:
    """The listed errors grouped by site, then by rule: sites with the most errors first (ties by id),
    plan-wide errors last; a site's causes by rule code."""
    groups: dict[str, dict[str, list[Finding]]] = defaultdict(lambda: defaultdict(list))
    for f in active(result):
        if f.severity.value == "error":
            groups[site_of(f)][f.rule].append(f)

    def order(site: str) -> tuple[bool, int, str]:
        return (site == PLAN_WIDE, -sum(len(v) for v in groups[site].values()), site)

    causes = []
    for site in sorted(groups, key=order):
        for rule in sorted(groups[site]):
            found = groups[site][rule]
            places = tuple(dict.fromkeys(location(f, prefix) for f in found if f.file is not None))
            causes.append(Cause(site, rule, found[0].name, len(found), places))
    return causes


def fix_first_title(causes: list[Cause]) -> str:
    """'Fix first (1 listed error, by site and cause)'."""
    return f"Fix first ({plural(sum(c.count for c in causes), 'listed error')}, by site and cause)"


def cause_line(c: Cause) -> str:
    """'EP701 capacity-shortfall-ahead ×2 (sites.csv:3, sites.csv:4)'."""
    count = f" ×{c.count:,}" if c.count > 1 else ""
    where = f" ({', '.join(c.places)})" if c.places else ""
    return f"{c.rule} {c.name}{count}{where}"


def by_site(findings: list[Finding]) -> list[tuple[str, list[Finding]]]:
    """Findings grouped by site (site ids in order, plan-wide last), each group worst first, then in
    listing order."""
    groups: dict[str, list[Finding]] = defaultdict(list)
    for f in worst_first(findings):
        groups[site_of(f)].append(f)
    return [(site, groups[site]) for site in sorted(groups, key=lambda s: (s == PLAN_WIDE, s))]


def site_title(site: str, findings: list[Finding]) -> str:
    """'site ash-colo1: 2 errors, 5 warnings' (severities that occur, worst first)."""
    counts = {sev: sum(f.severity.value == sev for f in findings) for sev in ("error", "warning", "info")}
    parts = [plural(n, sev) if sev != "info" else f"{n:,} info" for sev, n in counts.items() if n]
    name = site if site == PLAN_WIDE else f"site {site}"
    return f"{name}: {', '.join(parts)}"


def hints(findings: list[Finding], specs: dict[str, RuleSpec]) -> list[tuple[str, str, str]]:
    """(rule, name, first sentence of its remediation) once per rule among `findings`, by code."""
    seen: dict[str, str] = {}
    for f in findings:
        seen.setdefault(f.rule, f.name)
    out = []
    for rule in sorted(seen):
        hint = first_line(specs[rule].remediation) if rule in specs else ""
        if hint:
            out.append((rule, seen[rule], hint))
    return out


def skipped_lines(result: AuditOutcome) -> list[str]:
    """Skipped rules, one line a reason: 'skipped EP201, EP202 and EP203: table contracts did not load'
    rather than one line per rule."""
    by_reason: dict[str, list[str]] = defaultdict(list)
    for s in result.skipped_rules:
        by_reason[s["reason"]].append(s["rule"])
    return [f"skipped {word_list(sorted(rules))}: {reason}" for reason, rules in sorted(by_reason.items())]
