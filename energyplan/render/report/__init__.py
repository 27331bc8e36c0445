"""The weekly governance report: `render_html` (one self-contained page) and `render_markdown` (the brief)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class ReportInput:
    """Everything the report shows, already computed (the renderer computes no KPI itself).

    audit: the `audit --format json` document, with optional "outlook" and "adequacy" objects;
    provenance: plan, plan_digest, tool_version, git_commit (or None), as_of;
    trend: long-format DataFrame (plan, as_of, scope, site_id, kpi, value) or None;
    changes: the `diff --format json` document or None;
    cfe_heatmap: {"site_id", "year_start", "values": 365 × 24 carbon-free shares 0–1 or null} or None;
    sites: rows of the sites table (site_id, name, site_type, energy_owner).
    """

    audit: dict[str, Any]
    title: str | None = None
    provenance: dict[str, Any] = field(default_factory=dict)
    trend: Any = None
    changes: dict[str, Any] | None = None
    cfe_heatmap: dict[str, Any] | None = None
    sites: list[dict[str, Any]] = field(default_factory=list)


# GitHub's comment limit is 65,536 characters; keep a margin for what a CI step wraps around the brief.
MARKDOWN_LIMIT = 65_000


def render_html(data: ReportInput) -> str:
    """The report as one HTML page: inline CSS and SVG charts, no script and no request when opened."""
    from energyplan.render.report.html import render

    return render(data)


def render_markdown(data: ReportInput, limit: int = MARKDOWN_LIMIT, full_report: str | None = None) -> str:
    """The same sections as Markdown tables and sparklines, under `limit` characters; when cut, it ends
    with a pointer to the full report (`full_report`, e.g. the HTML file's name)."""
    from energyplan.render.report.markdown import render

    return render(data, limit=limit, full_report=full_report)
