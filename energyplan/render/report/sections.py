"""The report's content as plain data (verdict, decisions, changes, KPI tiles) for the HTML and Markdown views."""

from __future__ import annotations

import datetime as dt
import math
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from energyplan.facts.registry import KPIS as KPI_COLUMNS

# The four headline KPIs of spec/kpis.md, in the order the tiles show them.
HEADLINE_KPIS = ("effective_mw", "marginal_gpu_hour_cost", "carbon_intensity_g_per_kwh", "incidents_13w")
KPI_TITLES = {
    "effective_mw": "Effective MW availability",
    "marginal_gpu_hour_cost": "Marginal GPU-hour cost",
    "carbon_intensity_g_per_kwh": "Carbon intensity",
    "incidents_13w": "Energy-constraint incidents (13 wk)",
}
# Which direction is good news, so a change can be worded ("better"/"worse") and not left to colour.
HIGHER_IS_BETTER = {"effective_mw": True, "marginal_gpu_hour_cost": False, "carbon_intensity_g_per_kwh": False,
                    "incidents_13w": False}
SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
# Decimals by unit: enough to see a week's move, never so many that a tile wraps.
_DECIMALS = {"MW": 2, "%": 1, "gCO2e/kWh": 0, "kgCO2e/GPU-h": 3, "currency/GPU-h": 3, "count": 0, "h": 1,
             "MWh/yr": 0, "GPU-h/yr": 0, "MWh": 0, "t": 1}


def fmt(value: Any, unit: str = "", decimals: int | None = None) -> str:
    """A number as people read it (thousands separators, decimals by unit); '—' for null or non-finite."""
    if value is None or isinstance(value, bool):
        return "—" if value is None else str(value)
    if not isinstance(value, int | float):
        return str(value)
    if not math.isfinite(value):
        return "—"
    places = _DECIMALS.get(unit, 2) if decimals is None else decimals
    text = f"{value:,.{places}f}"
    return "0" if text in ("-0", "-0.0", "-0.00", "-0.000") and places == 0 else text.replace("-", "−")


def unit_of(kpi: str, currency: str) -> str:
    unit = KPI_COLUMNS[kpi].unit if kpi in KPI_COLUMNS else ""
    return unit.replace("currency", currency)


def finding_anchor(index: int) -> str:
    """The id of a finding's row in the full table (its position in the audit's sorted list: stable)."""
    return f"finding-{index + 1}"


@dataclass
class Decision:
    anchor: str
    rule: str
    name: str
    severity: str
    site_id: str | None
    owner: str | None
    due: str | None
    message: str


@dataclass
class Group:
    id: str
    title: str
    items: list[Decision] = field(default_factory=list)


@dataclass
class Tile:
    kpi: str
    title: str
    unit: str
    value: float | None
    change: float | None
    change_basis: str          # what the change is measured against, in words
    direction: str             # "better", "worse", "unchanged" or "" (unknown)
    dates: list[dt.date]
    values: list[float | None]


def load_groups() -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The decision groups and due-date sources of groups.toml (package data next to this module)."""
    with (Path(__file__).parent / "groups.toml").open("rb") as handle:
        doc = tomllib.load(handle)
    return doc["group"], doc.get("due", {})


def verdict(audit: dict[str, Any]) -> tuple[str, str]:
    """('FAIL'|'PASS', the counts line). FAIL when an error-level finding is neither waived nor in the baseline."""
    s = audit.get("summary", {})
    errors, warnings, infos = (int(s.get(k, 0) or 0) for k in ("error", "warning", "info"))
    head = "FAIL" if errors else "PASS"
    parts = [f"{errors:,} error{'s' * (errors != 1)}", f"{warnings:,} warning{'s' * (warnings != 1)}",
             f"{infos:,} info"]
    for key, word in (("waived", "waived"), ("baseline", "in baseline")):
        if s.get(key):
            parts.append(f"{s[key]:,} {word}")
    left_out = sum((s.get("rows_left_out") or {}).values())
    if left_out:
        parts.append(f"{left_out:,} row{'s' * (left_out != 1)} left out")
    if audit.get("skipped_rules"):
        parts.append(f"{len(audit['skipped_rules']):,} rule(s) skipped")
    return head, ", ".join(parts)


def _owners(sites: list[dict[str, Any]]) -> dict[str, str | None]:
    return {str(s.get("site_id")): (s.get("energy_owner") or None) for s in sites}


def _site_due(outlook: dict[str, Any] | None, site_id: str | None, spec: str) -> str | None:
    """The first outlook date of the site for a 'shortfall' or 'month:COLUMN' due-date source."""
    if not outlook or site_id is None:
        return None
    rows = [r for r in outlook.get("sites", []) if r.get("site_id") == site_id]
    if spec == "shortfall":
        for key in ("first_shortfall_start", "first_shortfall_date"):
            dates = sorted(r[key] for r in rows if r.get(key))
            if dates:
                return dates[0]
        return None
    column = spec.removeprefix("month:")
    months = sorted(r["month"] for r in rows if (r.get(column) or 0) > 0 and r.get("month"))
    return months[0] if months else None


def _due(finding: dict[str, Any], spec: str | None, audit: dict[str, Any]) -> str | None:
    if not spec:
        return None
    if spec == "as_of":
        return str(audit.get("as_of")) if audit.get("as_of") else None
    if spec.startswith("match:"):
        found = re.search(spec.removeprefix("match:"), str(finding.get("message", "")))
        return found.group(1) if found else None
    return _site_due(audit.get("outlook"), finding.get("site_id"), spec)


def decisions(audit: dict[str, Any], sites: list[dict[str, Any]]) -> list[Group]:
    """Findings turned into actions, grouped as groups.toml says; waived and baseline findings are settled."""
    groups, due_specs = load_groups()
    by_name = {name: g["id"] for g in groups for name in g["rules"]}
    out = {g["id"]: Group(g["id"], g["title"]) for g in groups}
    owners = _owners(sites)
    for index, f in enumerate(audit.get("findings", [])):
        gid = by_name.get(str(f.get("name")))
        if gid is None or f.get("waived") or f.get("baseline"):
            continue
        site = f.get("site_id")
        out[gid].items.append(Decision(
            anchor=finding_anchor(index), rule=str(f.get("rule")), name=str(f.get("name")),
            severity=str(f.get("severity")), site_id=site, owner=owners.get(str(site)) if site else None,
            due=_due(f, due_specs.get(str(f.get("name"))), audit), message=str(f.get("message", "")),
        ))
    for g in out.values():
        # Worst first, then the nearest due date (undated last), then where: a stable order for a stable page.
        g.items.sort(key=lambda d: (SEVERITY_ORDER.get(d.severity, 3), d.due or "9999", d.site_id or "", d.anchor))
    return [g for g in out.values() if g.items]


def _series(trend: Any, kpi: str, plan: str | None) -> tuple[list[dt.date], list[float | None]]:
    """The portfolio series of one KPI from the long-format trend frame, oldest first."""
    if trend is None or len(trend) == 0:
        return [], []
    frame = trend[(trend["scope"] == "portfolio") & (trend["kpi"] == kpi)]
    # A dataset of one plan is this plan's (its snapshots may carry a --name); of several, only this plan's
    # rows count: another plan's numbers must never draw this plan's trend.
    if plan is not None and "plan" in frame.columns and frame["plan"].nunique() > 1:
        frame = frame[frame["plan"] == plan]
    frame = frame.sort_values("as_of").drop_duplicates("as_of", keep="last")
    dates = [d if isinstance(d, dt.date) and not isinstance(d, dt.datetime) else d.date()
             for d in (frame["as_of"].map(_as_date))]
    values = [None if v is None or (isinstance(v, float) and not math.isfinite(v)) else float(v)
              for v in frame["value"].astype("float64").tolist()]
    return dates, values


def _as_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if hasattr(value, "date"):
        return value.date()
    return dt.date.fromisoformat(str(value)[:10])


def tiles(audit: dict[str, Any], trend: Any, changes: dict[str, Any] | None, plan: str | None) -> list[Tile]:
    """The four headline KPI tiles: portfolio value, change since the previous snapshot (else since the
    `changes` base), and the trend series for the sparkline."""
    currency = str(audit.get("currency", ""))
    portfolio = (audit.get("kpis") or {}).get("portfolio") or {}
    diff_rows = {r["kpi"]: r for r in (changes or {}).get("kpis", []) if r.get("scope") == "portfolio"}
    out = []
    for kpi in HEADLINE_KPIS:
        dates, values = _series(trend, kpi, plan)
        value = portfolio.get(kpi)
        change, basis = None, ""
        known = [(d, v) for d, v in zip(dates, values, strict=True) if v is not None]
        if len(known) >= 2:
            change, basis = known[-1][1] - known[-2][1], f"since {known[-2][0].isoformat()}"
        elif kpi in diff_rows and diff_rows[kpi].get("change") is not None:
            change, basis = diff_rows[kpi]["change"], "since the previous version"
        direction = ""
        if change is not None:
            if abs(change) <= 1e-9 * max(1.0, abs(value or 0.0)):
                direction = "unchanged"
            else:
                direction = "better" if (change > 0) == HIGHER_IS_BETTER[kpi] else "worse"
        out.append(Tile(kpi, KPI_TITLES[kpi], unit_of(kpi, currency), value, change, basis, direction,
                        dates, values))
    return out


def kpi_changes(changes: dict[str, Any] | None) -> list[dict[str, Any]]:
    """KPI rows of a diff document that moved (portfolio first, then sites), for 'what changed'."""
    rows = []
    for r in (changes or {}).get("kpis", []):
        change = r.get("change")
        if change is None and r.get("base") is None and r.get("head") is None:
            continue
        if change is not None and abs(change) <= 1e-9 * max(1.0, abs(r.get("head") or 0.0)):
            continue
        rows.append(r)
    return sorted(rows, key=lambda r: (r.get("scope") != "portfolio", r.get("site_id") or "",
                                       list(KPI_COLUMNS).index(r["kpi"]) if r.get("kpi") in KPI_COLUMNS else 99))


def non_cloud_sites(outlook: dict[str, Any]) -> list[str]:
    """Site ids with firm capacity (not cloud regions), in the outlook's order."""
    seen: dict[str, None] = {}
    for r in outlook.get("sites", []):
        if r.get("site_type") != "cloud_region":
            seen.setdefault(str(r.get("site_id")), None)
    return list(seen)
