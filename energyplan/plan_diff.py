"""`energyplan diff`: new, fixed and unchanged findings and KPI changes between two plans, thresholds."""

from __future__ import annotations

import difflib
import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

from energyplan.errors import UsageError
from energyplan.facts.columns import HORIZON_KPIS
from energyplan.facts.registry import KPIS, Kpi
from energyplan.model import AuditOutcome, Finding
from energyplan.render.base import (
    TOOL_NAME,
    format_number,
    listing_order,
    location,
    plural,
    worst_first,
)

DIFF_SCHEMA_VERSION = 1
_EPS = 1e-9
# What diff compares: the day's KPIs, then the outlook's horizon KPIs (worst month over the window).
DIFF_KPIS: dict[str, Kpi] = {
    **KPIS,
    **{name: Kpi(name=name, unit=unit, kind=kind, header=name, decimals=2, doc=doc, method=doc, formula="")
       for name, (kind, unit, doc) in HORIZON_KPIS.items()},  # type: ignore[arg-type]
}
_SPEC = re.compile(r"^(?P<kpi>[^@:\s]+)(?:@(?P<site>[^:]+))?:(?P<sign>[+-])(?P<amount>[0-9]*\.?[0-9]+)(?P<pct>%?)$")


@dataclass(frozen=True)
class Threshold:
    """`KPI[@SITE]:+X[%]` fails when HEAD − BASE > X; `:-X` when BASE − HEAD > X; `%` is relative to BASE."""

    spec: str
    kpi: str
    site_id: str | None  # None: the portfolio
    sign: int  # +1: an increase beyond amount fails; -1: a decrease beyond amount fails
    amount: float
    relative: bool


def parse_threshold(spec: str) -> Threshold:
    """Parse one `--fail-if`; a malformed spec or an unknown KPI is a usage error (exit 2)."""
    text = spec.strip()
    m = _SPEC.match(text)
    if not m:
        raise UsageError(
            f"--fail-if {spec!r}: write KPI:+X, KPI:-X or KPI@SITE:+X%, e.g. "
            "\"carbon_intensity_g_per_kwh:+5%\" (fail when it rises by more than 5 %) or "
            "\"headroom_mw:-1\" (fail when it drops by more than 1 MW)"
        )
    kpi = m["kpi"]
    if kpi not in DIFF_KPIS:
        close = difflib.get_close_matches(kpi, list(DIFF_KPIS), n=1, cutoff=0.5)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise UsageError(f"--fail-if {spec!r}: unknown KPI {kpi!r}; {hint}KPIs: {', '.join(DIFF_KPIS)}")
    amount = float(m["amount"])
    return Threshold(text, kpi, m["site"], 1 if m["sign"] == "+" else -1, amount, bool(m["pct"]))


@dataclass
class ThresholdCheck:
    threshold: Threshold
    base: float | None
    head: float | None
    change: float | None  # in the threshold's terms: HEAD − BASE, or % of BASE when relative
    crossed: bool


@dataclass
class PlanDiff:
    base: AuditOutcome
    head: AuditOutcome  # audited with BASE's findings as its baseline: `baseline` = unchanged
    base_label: str
    head_label: str
    base_identities: set[tuple[Any, ...]]
    kpi_changes: list[dict[str, Any]] = field(default_factory=list)
    checks: list[ThresholdCheck] = field(default_factory=list)

    @property
    def new(self) -> list[Finding]:
        return [f for f in listing_order(self.head.findings) if f.identity not in self.base_identities]

    @property
    def unchanged(self) -> list[Finding]:
        return [f for f in listing_order(self.head.findings) if f.identity in self.base_identities]

    @property
    def fixed(self) -> list[dict[str, Any]]:
        """BASE findings gone in HEAD, with BASE's location and message where BASE listed them."""
        listed = {f.identity: f for f in self.base.findings}
        out = []
        for entry in self.head.fixed:
            key = tuple(entry.get(k) for k in ("rule", "table", "record_id", "column"))
            found = listed.get(key)
            out.append(found.to_json() if found is not None else dict(entry))
        return sorted(out, key=lambda e: tuple(str(e.get(k) or "") for k in ("rule", "table", "record_id", "column")))

    @property
    def crossed(self) -> list[ThresholdCheck]:
        return [c for c in self.checks if c.crossed]

    @property
    def exit_code(self) -> int:
        # head.failing counts HEAD findings at or above fail-on that are neither waived nor in BASE.
        return 1 if self.head.failing or self.crossed else 0


def kpi_changes(base: dict[str, Any] | None, head: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Each KPI per site (outer join on site_id) and for the portfolio: base, head, change, change %."""
    import pandas as pd

    def long(kpis: dict[str, Any] | None) -> pd.DataFrame:
        kpis = kpis or {"sites": [], "portfolio": {}}
        rows = [{"site_id": s.get("site_id"), **{c: s.get(c) for c in DIFF_KPIS}} for s in kpis["sites"]]
        rows.append({"site_id": None, **{c: (kpis.get("portfolio") or {}).get(c) for c in DIFF_KPIS}})
        wide = pd.DataFrame(rows, columns=["site_id", *DIFF_KPIS])
        wide["site_id"] = wide["site_id"].astype(object).where(wide["site_id"].notna(), "\x00portfolio")
        out = wide.melt(id_vars="site_id", var_name="kpi", value_name="value")
        out["value"] = pd.to_numeric(out["value"], errors="coerce").astype("float64")
        return out

    both = long(base).merge(long(head), on=["site_id", "kpi"], how="outer", suffixes=("_base", "_head"))
    both["change"] = both["value_head"] - both["value_base"]
    nonzero = both["value_base"].abs() > 0
    both["change_pct"] = (both["change"] / both["value_base"].abs() * 100).where(nonzero)
    order = {c: i for i, c in enumerate(DIFF_KPIS)}
    both["_portfolio"] = both["site_id"] != "\x00portfolio"  # portfolio rows first
    both["_kpi"] = both["kpi"].map(order)
    both = both.sort_values(["_portfolio", "site_id", "_kpi"], kind="stable")
    both["site_id"] = both["site_id"].where(both["site_id"] != "\x00portfolio", None)
    records = both[["site_id", "kpi", "value_base", "value_head", "change", "change_pct"]].astype(object)
    records = records.where(records.notna(), None)
    return [
        {"scope": "portfolio" if r["site_id"] is None else "site", "site_id": r["site_id"], "kpi": r["kpi"],
         "base": r["value_base"], "head": r["value_head"], "change": r["change"], "change_pct": r["change_pct"]}
        for r in records.to_dict("records")
    ]


def check_thresholds(thresholds: list[Threshold], changes: list[dict[str, Any]]) -> list[ThresholdCheck]:
    """A null on either side cannot cross a threshold (the KPI is reported n/a); a site in neither plan
    is a usage error, since the spec is then surely a typo."""
    index = {(c["site_id"], c["kpi"]): c for c in changes}
    sites = sorted({c["site_id"] for c in changes if c["site_id"] is not None})
    out = []
    for t in thresholds:
        row = index.get((t.site_id, t.kpi))
        if row is None:
            close = difflib.get_close_matches(t.site_id or "", sites, n=1, cutoff=0.5)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise UsageError(f"--fail-if {t.spec!r}: site {t.site_id!r} is in neither plan; {hint}"
                             f"sites: {', '.join(sites) or 'none'}")
        base, head = row["base"], row["head"]
        if base is None or head is None:
            out.append(ThresholdCheck(t, base, head, None, False))
            continue
        change = head - base
        if t.relative and base != 0:
            change = change / abs(base) * 100
        elif t.relative:
            # From a BASE of 0 any rise is an infinite relative rise: it crosses every `+X%`.
            change = 0.0 if change == 0 else math.copysign(math.inf, change)
        # A change of exactly the limit does not cross it, even when float arithmetic lands a hair
        # above (214 vs 200 is 7.000000000000001 %).
        out.append(ThresholdCheck(t, base, head, change, change * t.sign - t.amount > _EPS * max(1.0, t.amount)))
    return out


# ---- rendering (json, markdown, rich) -----------------------------------------------------------


def _num(value: Any) -> Any:
    return None if isinstance(value, float) and not math.isfinite(value) else value


def to_document(d: PlanDiff, tool_version: str) -> dict[str, Any]:
    new, unchanged = d.new, d.unchanged
    return {
        "schema_version": DIFF_SCHEMA_VERSION,
        "tool": {"name": TOOL_NAME, "version": tool_version},
        "base": {"plan": d.base_label, "as_of": d.base.as_of.isoformat(), "currency": d.base.currency},
        "head": {"plan": d.head_label, "as_of": d.head.as_of.isoformat(), "currency": d.head.currency},
        "fail_on": d.head.fail_on,
        "summary": {
            "new": sum(d.head.counts.values()), "new_by_severity": dict(d.head.counts),
            "new_failing": d.head.failing, "fixed": len(d.head.fixed), "unchanged": d.head.baseline,
            "waived": d.head.waived, "thresholds_crossed": len(d.crossed),
        },
        "new": [f.to_json() for f in new],
        "fixed": d.fixed,
        "unchanged": [f.to_json() for f in unchanged],
        "truncated": dict(sorted(d.head.truncated.items())),
        "thresholds": [
            {"spec": c.threshold.spec, "kpi": c.threshold.kpi, "site_id": c.threshold.site_id,
             "base": c.base, "head": c.head, "change": _num(c.change), "relative": c.threshold.relative,
             "limit": c.threshold.sign * c.threshold.amount, "crossed": c.crossed}
            for c in d.checks
        ],
        "kpis": d.kpi_changes,
    }


def render_json(d: PlanDiff, tool_version: str) -> str:
    return json.dumps(to_document(d, tool_version), ensure_ascii=False, indent=2, allow_nan=False) + "\n"


def verdict(d: PlanDiff) -> str:
    head = "FAIL" if d.exit_code else "PASS"
    parts = [f"{plural(sum(d.head.counts.values()), 'new finding')} ({d.head.failing:,} at or above "
             f"{d.head.fail_on})", f"{len(d.head.fixed):,} fixed", f"{d.head.baseline:,} unchanged"]
    if d.checks:
        parts.append(f"{len(d.crossed):,} of {plural(len(d.checks), 'threshold')} crossed")
    return f"energyplan diff: {head}: {', '.join(parts)} — {d.base_label} → {d.head_label}"


def _change_text(c: dict[str, Any] | ThresholdCheck, relative: bool = False) -> str:
    change = c.change if isinstance(c, ThresholdCheck) else c["change"]
    if change is None:
        return "n/a"
    if isinstance(change, float) and math.isinf(change):
        return "+∞ %" if change > 0 else "−∞ %"
    text = f"{change:+,.5g}" if abs(change) < 1000 else f"{change:+,.0f}"
    return f"{text} %" if relative else text


def changed_kpis(d: PlanDiff) -> list[dict[str, Any]]:
    """KPI rows whose value changed (a null on one side counts as a change)."""
    return [c for c in d.kpi_changes if c["base"] != c["head"]]


def _md_table(head: list[str], align: list[str], rows: list[list[str]]) -> list[str]:
    """A GFM table; past MAX_ROWS rows (a PR comment holds 65,536 characters) it points to the JSON."""
    from energyplan.render.markdown import MAX_ROWS

    out = ["| " + " | ".join(head) + " |", "| " + " | ".join(align) + " |"]
    out += ["| " + " | ".join(r) + " |" for r in rows[:MAX_ROWS]]
    if len(rows) > MAX_ROWS:
        out += ["", f"…and {len(rows) - MAX_ROWS:,} more rows in the JSON report (`-o json=PATH`)."]
    return out if rows else [*out, "| " + " | ".join(["—"] + [" "] * (len(head) - 1)) + " |"]


def render_markdown(d: PlanDiff) -> str:
    from energyplan.render.markdown import cell, code

    icon = "❌" if d.exit_code else "✅"
    lines = [f"## {icon} energyplan diff: {code(d.base_label)} → {code(d.head_label)}", "", cell(verdict(d)), ""]
    if d.checks:
        lines += ["### Thresholds", ""]
        lines += _md_table(["threshold", "base", "head", "change", "result"], ["---", "---:", "---:", "---:", "---"], [
            [f"`{c.threshold.spec}`", format_number(c.base), format_number(c.head),
             _change_text(c, c.threshold.relative), "❌ crossed" if c.crossed else "ok"]
            for c in d.checks
        ])
        lines.append("")
    for title, findings in (("New findings", worst_first(d.new)), ("Unchanged findings", worst_first(d.unchanged))):
        lines += [f"### {title} ({len(findings):,})", ""]
        lines += _md_table(["severity", "rule", "where", "record", "message"], ["---"] * 5, [
            [f.severity.value, f"`{f.rule}`", cell(location(f)), cell(f.record_id), cell(f.message)]
            for f in findings
        ])
        lines.append("")
    lines += [f"### Fixed findings ({len(d.head.fixed):,})", ""]
    lines += _md_table(["rule", "record", "column", "message"], ["---"] * 4, [
        [f"`{e['rule']}`", cell(e.get("record_id")), cell(e.get("column")), cell(e.get("message"))] for e in d.fixed
    ])
    rows = changed_kpis(d)
    lines += ["", f"### KPI changes ({len(rows):,})", ""]
    if not rows:
        return "\n".join([*lines, "No KPI changed."]) + "\n"
    lines += _md_table(
        ["scope", "KPI", "unit", "base", "head", "change", "change %"], ["---"] * 3 + ["---:"] * 4,
        [[cell(c["site_id"] or "portfolio"), f"`{c['kpi']}`", cell(DIFF_KPIS[c["kpi"]].unit_in(d.head.currency)),
          format_number(c["base"], DIFF_KPIS[c["kpi"]].kind), format_number(c["head"], DIFF_KPIS[c["kpi"]].kind),
          _change_text(c), format_number(c["change_pct"])] for c in rows],
    )
    return "\n".join(lines) + "\n"


def render_rich(d: PlanDiff, *, color: bool, width: int, quiet: bool) -> str:
    from io import StringIO

    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    buf = StringIO()
    console = Console(file=buf, force_terminal=color, no_color=not color, width=width, highlight=False,
                      emoji=False, color_system="standard" if color else None)
    line = Text(verdict(d), style="bold red" if d.exit_code else "bold green")
    if not quiet:
        if d.checks:
            t = Table(title="Thresholds", title_justify="left")
            for col in ("threshold", "base", "head", "change", "result"):
                t.add_column(col, justify="right" if col in ("base", "head", "change") else "left")
            for c in d.checks:
                t.add_row(Text(c.threshold.spec), format_number(c.base), format_number(c.head),
                          _change_text(c, c.threshold.relative),
                          Text("crossed", style="bold red") if c.crossed else Text("ok", style="green"))
            console.print(t)
        for title, style, findings in (("New findings", "bold red", worst_first(d.new)),
                                       ("Fixed findings", "green", d.fixed)):
            t = Table(title=Text(f"{title} ({len(findings):,})", style=style), title_justify="left", expand=True)
            for col in ("severity", "rule", "record", "message"):
                t.add_column(col, ratio=3 if col == "message" else None)
            for f in findings:
                e = f.to_json() if isinstance(f, Finding) else f
                t.add_row(e.get("severity") or "", e["rule"], Text(e.get("record_id") or "—"),
                          Text(e.get("message") or f"{e.get('table') or ''} {e.get('column') or ''}".strip()))
            console.print(t)
        console.print(Text(f"{plural(len(d.unchanged), 'finding')} unchanged", style="dim"))
        rows = changed_kpis(d)
        t = Table(title=f"KPI changes ({len(rows):,})", title_justify="left")
        for col in ("scope", "KPI", "base", "head", "change", "change %"):
            t.add_column(col, justify="left" if col in ("scope", "KPI") else "right", overflow="fold")
        for c in rows:
            kind = DIFF_KPIS[c["kpi"]].kind
            t.add_row(Text(c["site_id"] or "portfolio"), f"{c['kpi']} ({DIFF_KPIS[c['kpi']].unit_in(d.head.currency)})",
                      format_number(c["base"], kind), format_number(c["head"], kind), _change_text(c),
                      format_number(c["change_pct"]))
        console.print(t)
    console.print(line, soft_wrap=True)
    return buf.getvalue()
