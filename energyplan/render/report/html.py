"""The weekly report as one self-contained HTML page: inline CSS and charts, no script, no request when opened."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any

from energyplan.facts.registry import KPIS as KPI_COLUMNS
from energyplan.render.report import charts
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

if TYPE_CHECKING:
    from energyplan.render.report import ReportInput

# Nothing may load from anywhere: the CSP forbids every request but data: images and the inline style.
CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"

CSS = """
:root { --fg: #1b1f24; --muted: #57606a; --line: #d0d7de; --bad: #a40e26; --warn: #7d4e00; --ok: #116329; }
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif;
  color: var(--fg); margin: 0 auto; padding: 1rem 1.5rem 3rem; max-width: 1120px; line-height: 1.45; }
h1 { font-size: 1.6rem; margin: 0.2rem 0; }
h2 { font-size: 1.3rem; border-bottom: 1px solid var(--line); padding-bottom: 0.2rem; margin-top: 2rem; }
h3 { font-size: 1.05rem; margin: 1.2rem 0 0.4rem; }
.verdict { font-size: 1.1rem; padding: 0.5rem 0.8rem; border-left: 6px solid var(--ok); background: #f6f8fa; }
.verdict.fail { border-left-color: var(--bad); }
.verdict strong { letter-spacing: 0.05em; }
.muted, figcaption, .basis { color: var(--muted); }
nav ol { display: flex; flex-wrap: wrap; gap: 0.3rem 1.2rem; padding: 0; list-style: none; margin: 0.6rem 0; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; margin: 0.3rem 0 0.8rem; font-size: 0.9rem; }
th, td { border-bottom: 1px solid var(--line); padding: 0.25rem 0.5rem; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.nowrap, td.num, code { white-space: nowrap; }
.sev-error { color: var(--bad); font-weight: 600; }
.sev-warning { color: var(--warn); font-weight: 600; }
.no-owner { color: var(--bad); font-style: italic; }
.tiles { display: grid; grid-template-columns: repeat(auto-fit, minmax(240px, 1fr)); gap: 0.8rem; }
.tile { border: 1px solid var(--line); border-radius: 6px; padding: 0.6rem 0.8rem; break-inside: avoid; }
.tile .value { font-size: 1.7rem; font-weight: 600; white-space: nowrap; }
.tile .unit { font-size: 0.95rem; color: var(--muted); }
.tile img { width: 100%; height: auto; max-height: 48px; display: block; margin-top: 0.3rem; }
figure.chart { margin: 1rem 0 1.4rem; break-inside: avoid; page-break-inside: avoid; }
figure.chart img { width: 100%; max-width: 1000px; height: auto; display: block; }
figure.chart figcaption { font-size: 0.9rem; }
details > summary { cursor: pointer; color: var(--muted); }
tr:target { outline: 2px solid #0969da; }
dl.prov { display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 1rem; }
dl.prov dt { font-weight: 600; } dl.prov dd { margin: 0; overflow-wrap: anywhere; }
@media print {
  @page { size: A4 landscape; margin: 10mm; }
  body { max-width: none; padding: 0; font-size: 10pt; }
  nav { display: none; }
  h2 { break-after: avoid; page-break-after: avoid; }
  figure.chart { margin: 0.4rem 0 0.6rem; }
  figure.chart img { max-height: 74mm; width: auto; max-width: 100%; }
  details.full::details-content { content-visibility: visible; display: block; }
  tr { break-inside: avoid; }
}
"""


def _table(columns: list[str], rows: list[list[str]], numeric: set[int] | None = None,
           row_ids: list[str] | None = None) -> str:
    """An HTML table from cells that are already escaped HTML; `numeric` columns are right-aligned."""
    numeric = numeric or set()
    num = ' class="num"'
    head = "".join(f'<th scope="col"{num if i in numeric else ""}>{c}</th>' for i, c in enumerate(columns))
    body = []
    for n, row in enumerate(rows):
        rid = f' id="{row_ids[n]}"' if row_ids else ""
        cells = "".join(f'<td{num if i in numeric else ""}>{c}</td>' for i, c in enumerate(row))
        body.append(f"<tr{rid}>{cells}</tr>")
    return f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>'


def _figure(chart: charts.Chart) -> str:
    numeric = set(range(1, len(chart.columns)))
    data = _table([escape(c) for c in chart.columns], [[escape(c) for c in r] for r in chart.rows], numeric)
    return (f'<figure class="chart" id="{chart.id}"><img src="{chart.data_uri()}" alt="{escape(chart.alt)}">'
            f"<figcaption>{escape(chart.title)}. {escape(chart.alt)}</figcaption>"
            f"<details><summary>The numbers in this chart</summary>{data}</details></figure>")


def _severity(sev: str) -> str:
    return f'<span class="sev-{escape(sev)}">{escape(sev)}</span>'


def _decisions(data: ReportInput) -> str:
    groups = decisions(data.audit, data.sites)
    if not groups:
        return "<p>No open finding calls for a decision this week.</p>"
    parts = []
    for g in groups:
        rows = []
        for d in g.items:
            owner = escape(d.owner) if d.owner else '<span class="no-owner">no energy owner named</span>'
            if d.site_id is None or d.site_id == "portfolio":
                owner = "portfolio (plan owner)" if not d.owner else owner
            rows.append([_severity(d.severity), f'<code>{escape(d.site_id or "portfolio")}</code>', owner,
                         f'<span class="nowrap">{escape(d.due or "—")}</span>', escape(d.message),
                         f'<a href="#{d.anchor}" class="nowrap">{escape(d.rule)} details</a>'])
        parts.append(f"<h3>{escape(g.title)} ({len(g.items)})</h3>"
                     + _table(["severity", "site", "owner", "due", "what", "finding"], rows))
    return "".join(parts)


def _finding_rows(findings: list[dict[str, Any]]) -> list[list[str]]:
    return [[_severity(str(f.get("severity"))), f'<code>{escape(str(f.get("rule")))}</code>',
             escape(str(f.get("name"))), f'<code>{escape(str(f.get("site_id") or "—"))}</code>',
             escape(str(f.get("message", "")))] for f in findings]


def _changes(changes: dict[str, Any], currency: str) -> str:
    s = changes.get("summary", {})
    out = [f"<p>Compared with <code>{escape(str((changes.get('base') or {}).get('plan', 'the previous version')))}"
           f"</code>: {s.get('new', 0):,} new finding(s), {s.get('fixed', 0):,} fixed, "
           f"{s.get('unchanged', 0):,} unchanged.</p>"]
    cols = ["severity", "rule", "name", "site", "message"]
    for key, title in (("new", "New findings"), ("fixed", "Fixed findings")):
        items = changes.get(key) or []
        if items:
            out.append(f"<h3>{title} ({len(items)})</h3>" + _table(cols, _finding_rows(items)))
    moved = kpi_changes(changes)
    if moved:
        rows = [[escape(r.get("site_id") or "portfolio"), f'<code>{escape(r["kpi"])}</code>',
                 escape(unit_of(r["kpi"], currency)), fmt(r.get("base"), unit_of(r["kpi"], currency)),
                 fmt(r.get("head"), unit_of(r["kpi"], currency)), fmt(r.get("change"), unit_of(r["kpi"], currency)),
                 fmt(r.get("change_pct"), "%")] for r in moved]
        out.append(f"<h3>KPI changes ({len(moved)})</h3>"
                   + _table(["scope", "KPI", "unit", "before", "now", "change", "change %"], rows, {3, 4, 5, 6}))
    else:
        out.append("<p>No KPI moved.</p>")
    return "".join(out)


def _tiles(data: ReportInput, plan_name: str | None) -> str:
    out = []
    for t in tiles(data.audit, data.trend, data.changes, plan_name):
        if t.change is None:
            change = '<p class="basis">no earlier value to compare</p>'
        elif t.direction == "unchanged":
            change = f'<p>■ <strong>unchanged</strong> <span class="basis">{escape(t.change_basis)}</span></p>'
        else:
            arrow = ("▲" if t.change > 0 else "▼") if t.direction in ("better", "worse") else "■"
            sign = "+" if t.change > 0 else ""
            change = (f'<p><span class="nowrap">{arrow} {sign}{fmt(t.change, t.unit)} {escape(t.unit)}</span> '
                      f'<strong>{escape(t.direction)}</strong> <span class="basis">{escape(t.change_basis)}</span></p>')
        spark = charts.sparkline(t.kpi, t.dates, t.values, t.unit)
        img = (f'<img src="{spark.data_uri()}" alt="{escape(spark.alt)}">' if spark
               else '<p class="basis">no trend: fewer than two snapshots</p>')
        out.append(f'<div class="tile" id="tile-{t.kpi}"><h3>{escape(t.title)}</h3>'
                   f'<div class="value">{fmt(t.value, t.unit)} <span class="unit">{escape(t.unit)}</span></div>'
                   f"{change}{img}</div>")
    return f'<div class="tiles">{"".join(out)}</div>'


def _outlook(outlook: dict[str, Any], currency: str) -> str:
    out = [f"<p>The plan month by month over {outlook.get('months', '?')} months.</p>"]
    by_site: dict[str, list[dict[str, Any]]] = {}
    for r in outlook.get("sites", []):
        by_site.setdefault(str(r.get("site_id")), []).append(r)
    out.append("<h3>Peak demand vs firm supply</h3>")
    for i, site in enumerate(non_cloud_sites(outlook)):
        out.append(_figure(charts.capacity(site, by_site[site], i + 1)))
    portfolio = outlook.get("portfolio") or []
    if portfolio:
        out.append("<h3>Carbon, cost and PPA coverage</h3>")
        out.extend(_figure(c) for c in (charts.carbon(portfolio), charts.cost(portfolio, currency),
                                         charts.ppa(portfolio)))
    return "".join(out)


def _adequacy(data: ReportInput) -> str:
    adequacy = data.audit.get("adequacy") or {}
    sites = adequacy.get("sites") or []
    out = [f"<p>Last year replayed hour by hour (from {escape(str(adequacy.get('year_start', '?')))}, clock "
           f"{escape(str(adequacy.get('clock', 'UTC')))}) against the plan as it stands.</p>"]
    if sites:
        out.append(_figure(charts.cfe(sites)))
    if data.cfe_heatmap:
        out.append(_figure(charts.heatmap(data.cfe_heatmap)))
    firm = [r for r in sites if r.get("site_type") != "cloud_region"]
    if firm:
        out.append("<h3>Grid events and what they would cost</h3>" + _figure(charts.events(firm)))
    return "".join(out)


def _kpi_tables(audit: dict[str, Any]) -> str:
    kpis = audit.get("kpis") or {}
    currency = str(audit.get("currency", ""))
    sites = kpis.get("sites") or []
    columns = ["KPI", "unit", "portfolio", *(f"<code>{escape(str(s.get('site_id')))}</code>" for s in sites)]
    rows = []
    for kpi in KPI_COLUMNS:
        unit = unit_of(kpi, currency)
        rows.append([f"<code>{kpi}</code>", escape(unit), fmt((kpis.get("portfolio") or {}).get(kpi), unit),
                     *(fmt(s.get(kpi), unit) for s in sites)])
    return _table(columns, rows, set(range(2, len(columns))))


def _provenance(data: ReportInput) -> str:
    p = data.provenance or {}
    items = [("plan", p.get("plan") or data.audit.get("plan")), ("plan digest", p.get("plan_digest")),
             ("tool version", p.get("tool_version") or (data.audit.get("tool") or {}).get("version")),
             ("git commit", p.get("git_commit") or "not in a git repository"),
             ("as of", p.get("as_of") or data.audit.get("as_of")), ("currency", data.audit.get("currency"))]
    body = "".join(f"<dt>{escape(k)}</dt><dd><code>{escape(str(v if v is not None else '—'))}</code></dd>"
                   for k, v in items)
    return f'<dl class="prov">{body}</dl>'


def render(data: ReportInput) -> str:
    """The whole page; the same input gives the same bytes."""
    audit = data.audit
    plan = str((data.provenance or {}).get("plan") or audit.get("plan") or "plan")
    plan_name = plan.rstrip("/").rsplit("/", 1)[-1]
    title = data.title or f"Weekly energy & compute review: {plan_name}"
    head, counts = verdict(audit)
    sections: list[tuple[str, str, str]] = [("decisions", "Decisions needed", _decisions(data))]
    if data.changes:
        sections.append(("changes", "What changed", _changes(data.changes, str(audit.get("currency", "")))))
    sections.append(("kpis", "Headline KPIs", _tiles(data, plan_name)))
    if audit.get("outlook"):
        sections.append(("outlook", "Outlook", _outlook(audit["outlook"], str(audit.get("currency", "")))))
    if audit.get("adequacy"):
        sections.append(("adequacy", "Adequacy", _adequacy(data)))
    findings = audit.get("findings") or []
    table = _table(["severity", "rule", "name", "site", "message", "location", "status"],
                   [[*row, escape(_where(f)), escape(_status(f))] for row, f in zip(_finding_rows(findings), findings,
                                                                                    strict=True)],
                   row_ids=[finding_anchor(i) for i in range(len(findings))])
    hidden = sum((audit.get("truncated") or {}).values())
    note = f"<p>{hidden:,} more finding(s) not listed (--max-findings).</p>" if hidden else ""
    sections.append(("findings", "All findings",
                     f'<details class="full"><summary>{len(findings):,} finding(s)</summary>{table}{note}</details>'))
    sections.append(("kpi-tables", "KPI tables",
                     f'<details class="full"><summary>Every KPI per site and for the portfolio</summary>'
                     f"{_kpi_tables(audit)}</details>"))
    sections.append(("provenance", "Provenance", _provenance(data)))
    nav = "".join(f'<li><a href="#{sid}">{escape(name)}</a></li>' for sid, name, _ in sections)
    body = "".join(f'<section id="{sid}"><h2>{escape(name)}</h2>{html}</section>' for sid, name, html in sections)
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>"
        f"<header><h1>{escape(title)}</h1>"
        f'<p class="verdict{" fail" if head == "FAIL" else ""}"><strong>{head}</strong>: {escape(counts)}</p>'
        f'<p class="muted"><code>{escape(plan)}</code> as of {escape(str(audit.get("as_of", "")))}</p>'
        f'</header><nav aria-label="sections"><ol>{nav}</ol></nav><main>{body}</main></body></html>\n'
    )


def _where(f: dict[str, Any]) -> str:
    if not f.get("file"):
        return ""
    return f"{f['file']}:{f['line']}" if f.get("line") is not None else str(f["file"])


def _status(f: dict[str, Any]) -> str:
    if f.get("waived"):
        w = f.get("waiver") or {}
        return f"waived until {w.get('expires', '?')} ({w.get('owner', '?')})"
    return "baseline" if f.get("baseline") else "open"
