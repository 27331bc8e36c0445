"""The weekly report as a Markdown brief (wiki page, PR comment): the HTML page's sections as tables and sparklines."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from energyplan.facts.registry import KPIS as KPI_COLUMNS
from energyplan.render.report.sections import (
    decisions,
    finding_anchor,
    fmt,
    kpi_changes,
    non_cloud_sites,
    tiles,
    unit_of,
    verdict,
)
from energyplan.trends import sparkline

if TYPE_CHECKING:
    from energyplan.render.report import ReportInput


def _cell(value: Any) -> str:
    """A table cell: pipes escaped, newlines flattened (a message must not break the table)."""
    return str(value).replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def _table(columns: list[str], rows: list[list[Any]], numeric: set[int] | None = None) -> list[str]:
    numeric = numeric or set()
    rule = ["---:" if i in numeric else "---" for i in range(len(columns))]
    lines = ["| " + " | ".join(columns) + " |", "| " + " | ".join(rule) + " |"]
    lines.extend("| " + " | ".join(_cell(c) for c in r) + " |" for r in rows)
    return [*lines, ""]


def _link(anchor: str, text: str, full_report: str | None) -> str:
    return f"[{text}]({full_report}#{anchor})" if full_report else text


def _decisions(data: ReportInput, full_report: str | None) -> list[str]:
    groups = decisions(data.audit, data.sites)
    if not groups:
        return ["No open finding calls for a decision this week.", ""]
    out: list[str] = []
    for g in groups:
        out += [f"### {g.title} ({len(g.items)})", ""]
        out += _table(["severity", "site", "owner", "due", "what", "finding"], [
            [d.severity, f"`{d.site_id or 'portfolio'}`", d.owner or ("portfolio (plan owner)" if not d.site_id else
                                                                     "**no energy owner named**"),
             d.due or "—", d.message, _link(d.anchor, d.rule, full_report)] for d in g.items])
    return out


def _finding_rows(findings: list[dict[str, Any]]) -> list[list[Any]]:
    return [[f.get("severity"), f"`{f.get('rule')}`", f.get("name"), f"`{f.get('site_id') or '—'}`",
             f.get("message", "")] for f in findings]


def _changes(changes: dict[str, Any], currency: str) -> list[str]:
    s = changes.get("summary", {})
    out = [f"{s.get('new', 0):,} new finding(s), {s.get('fixed', 0):,} fixed, {s.get('unchanged', 0):,} unchanged.",
           ""]
    for key, title in (("new", "New findings"), ("fixed", "Fixed findings")):
        items = changes.get(key) or []
        if items:
            out += [f"### {title} ({len(items)})", ""]
            out += _table(["severity", "rule", "name", "site", "message"], _finding_rows(items))
    moved = kpi_changes(changes)
    if moved:
        out += [f"### KPI changes ({len(moved)})", ""]
        out += _table(["scope", "KPI", "unit", "before", "now", "change", "change %"], [
            [r.get("site_id") or "portfolio", f"`{r['kpi']}`", unit_of(r["kpi"], currency),
             fmt(r.get("base"), unit_of(r["kpi"], currency)), fmt(r.get("head"), unit_of(r["kpi"], currency)),
             fmt(r.get("change"), unit_of(r["kpi"], currency)), fmt(r.get("change_pct"), "%")] for r in moved],
            {3, 4, 5, 6})
    else:
        out += ["No KPI moved.", ""]
    return out


def _tiles(data: ReportInput, plan_name: str) -> list[str]:
    rows = []
    for t in tiles(data.audit, data.trend, data.changes, plan_name):
        change = "—" if t.change is None else f"{'+' if t.change > 0 else ''}{fmt(t.change, t.unit)} ({t.direction})"
        trend = f"`{sparkline(t.values)}`" if len(t.values) >= 2 else "—"
        first = t.dates[0].isoformat() if t.dates else ""
        rows.append([t.title, fmt(t.value, t.unit), t.unit, change, trend,
                     f"{first} … {t.dates[-1].isoformat()}" if t.dates else "—"])
    return _table(["KPI", "value", "unit", "change", "trend", "snapshots"], rows, {1})


def _outlook(outlook: dict[str, Any], currency: str) -> list[str]:
    by_site: dict[str, list[dict[str, Any]]] = {}
    for r in outlook.get("sites", []):
        by_site.setdefault(str(r.get("site_id")), []).append(r)
    out = ["### Peak demand vs firm supply (MW)", ""]
    rows = []
    for site in non_cloud_sites(outlook):
        r = by_site[site]
        short = [m for m in r if (m.get("shortfall_days") or 0) > 0]
        first = next((m.get("first_shortfall_start") or m.get("first_shortfall_date") for m in short), None)
        rows.append([f"`{site}`", f"`{sparkline([m.get('peak_demand_mw') for m in r])}`",
                     f"`{sparkline([m.get('effective_mw') for m in r])}`",
                     fmt(min((m["headroom_mw"] for m in r if m.get("headroom_mw") is not None), default=None), "MW"),
                     len(short), first or "—", ", ".join(m["month"][:7] for m in short) or "—"])
    out += _table(["site", "peak demand", "firm supply", "worst headroom MW", "months short", "first shortfall",
                   "shortfall months"], rows, {3, 4})
    portfolio = outlook.get("portfolio") or []
    if portfolio:
        out += ["### Portfolio by month", ""]
        out += _table(["month", "gCO2e/kWh", "pathway", f"marginal {currency}/GPU-h", "PPA coverage %",
                       "peak MW", "firm MW", "short days"], [
            [r["month"][:7], fmt(r.get("carbon_intensity_g_per_kwh"), "gCO2e/kWh"),
             fmt(r.get("carbon_target_g_per_kwh"), "gCO2e/kWh"), fmt(r.get("marginal_gpu_hour_cost"), "currency/GPU-h"),
             fmt(r.get("ppa_coverage_pct"), "%"), fmt(r.get("peak_demand_mw"), "MW"), fmt(r.get("effective_mw"), "MW"),
             fmt(r.get("shortfall_days"), "count")] for r in portfolio], set(range(1, 8)))
    return out


def _adequacy(data: ReportInput) -> list[str]:
    adequacy = data.audit.get("adequacy") or {}
    out = [f"Replay year from {adequacy.get('year_start', '?')}, clock {adequacy.get('clock', 'UTC')}.", ""]
    out += _table(["site", "CFE %", "hourly gCO2e/kWh", "annual gCO2e/kWh", "grid events", "event hours",
                   "unserved sensitive MWh", "longest run h", "curtailed MWh"], [
        [f"`{r.get('site_id')}`", fmt(r.get("cfe_pct"), "%"), fmt(r.get("hourly_carbon_intensity_g_per_kwh"),
                                                                  "gCO2e/kWh"),
         fmt(r.get("annual_carbon_intensity_g_per_kwh"), "gCO2e/kWh"), fmt(r.get("grid_events"), "count"),
         fmt(r.get("event_hours"), "count"), fmt(r.get("unserved_sensitive_mwh"), "MWh", 1),
         fmt(r.get("longest_unserved_run_h"), "count"), fmt(r.get("curtailed_tolerant_mwh"), "MWh", 1)]
        for r in adequacy.get("sites") or []], set(range(1, 9)))
    heat = data.cfe_heatmap
    if heat:
        # The day × hour heat map as one sparkline a month: the mean carbon-free share of each hour 00–23.
        start = dt.date.fromisoformat(heat["year_start"])
        months: dict[str, list[list[float | None]]] = {}
        for i, day in enumerate(heat["values"]):
            months.setdefault((start + dt.timedelta(days=i)).strftime("%Y-%m"), []).append(day)
        rows = []
        for month, days in months.items():
            means = []
            for h in range(24):
                known = [float(v) for d in days if (v := d[h]) is not None]
                means.append(sum(known) / len(known) if known else None)
            known_means = [m for m in means if m is not None]
            rows.append([month, f"`{sparkline([None if m is None else m * 100 for m in means])}`",
                         fmt(min(known_means) * 100 if known_means else None, "%", 0),
                         fmt(max(known_means) * 100 if known_means else None, "%", 0)])
        out += [f"### Carbon-free share by hour of day: `{heat['site_id']}`", ""]
        out += _table(["month", "hours 00 → 23", "lowest hour %", "highest hour %"], rows, {2, 3})
    return out


def _kpi_table(audit: dict[str, Any]) -> list[str]:
    kpis = audit.get("kpis") or {}
    currency = str(audit.get("currency", ""))
    sites = kpis.get("sites") or []
    rows = [[f"`{k}`", unit_of(k, currency), fmt((kpis.get("portfolio") or {}).get(k), unit_of(k, currency)),
             *(fmt(s.get(k), unit_of(k, currency)) for s in sites)] for k in KPI_COLUMNS]
    return _table(["KPI", "unit", "portfolio", *(f"`{s.get('site_id')}`" for s in sites)], rows,
                  set(range(2, 3 + len(sites))))


def _details(summary: str, lines: list[str]) -> list[str]:
    return [f"<details><summary>{summary}</summary>", "", *lines, "</details>", ""]


def render(data: ReportInput, limit: int, full_report: str | None) -> str:
    audit = data.audit
    currency = str(audit.get("currency", ""))
    plan = str((data.provenance or {}).get("plan") or audit.get("plan") or "plan")
    plan_name = plan.rstrip("/").rsplit("/", 1)[-1]
    head, counts = verdict(audit)
    lines = [f"# {data.title or f'Weekly energy & compute review: {plan_name}'}", "",
             f"**{head}**: {counts} — `{plan}` as of {audit.get('as_of', '')}", ""]
    lines += ["## Decisions needed", "", *_decisions(data, full_report)]
    if data.changes:
        lines += ["## What changed", "", *_changes(data.changes, currency)]
    lines += ["## Headline KPIs", "", *_tiles(data, plan_name)]
    if audit.get("outlook"):
        lines += ["## Outlook", "", *_outlook(audit["outlook"], currency)]
    if audit.get("adequacy"):
        lines += ["## Adequacy", "", *_adequacy(data)]
    findings = audit.get("findings") or []
    rows = [[_link(finding_anchor(i), str(i + 1), full_report), *r] for i, r in enumerate(_finding_rows(findings))]
    lines += ["## All findings", "", *_details(f"{len(findings):,} finding(s)", _table(
        ["#", "severity", "rule", "name", "site", "message"], rows))]
    lines += ["## KPI tables", "", *_details("Every KPI per site and for the portfolio", _kpi_table(audit))]
    p = data.provenance or {}
    lines += ["## Provenance", "", *_table(["field", "value"], [
        ["plan", f"`{plan}`"], ["plan digest", f"`{p.get('plan_digest') or '—'}`"],
        ["tool version", p.get("tool_version") or (audit.get("tool") or {}).get("version") or "—"],
        ["git commit", f"`{p.get('git_commit')}`" if p.get("git_commit") else "not in a git repository"],
        ["as of", p.get("as_of") or audit.get("as_of") or "—"]])]
    return _fit(lines, limit, full_report)


def _fit(lines: list[str], limit: int, full_report: str | None) -> str:
    """Whole lines up to the limit; when cut, close an open <details> and end with a pointer to the full report."""
    text = "\n".join(lines).rstrip("\n") + "\n"
    if len(text) <= limit:
        return text
    where = (f"the full report: {full_report}" if full_report
             else "the full HTML report (`energyplan report -o report.html`)")
    pointer = f"\n---\n**Cut to fit {limit:,} characters.** The rest is in {where}.\n"
    budget = limit - len(pointer) - len("</details>\n") - 1
    kept: list[str] = []
    size, open_details = 0, 0
    for line in lines:
        if size + len(line) + 1 > budget:
            break
        kept.append(line)
        size += len(line) + 1
        open_details += line.startswith("<details>") - line.startswith("</details>")
    if open_details:
        kept += ["", "</details>"]
    return "\n".join(kept).rstrip("\n") + "\n" + pointer
