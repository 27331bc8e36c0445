"""The Rich KPI table (a row per site, then the portfolio row), shared by `kpi` and the audit report."""

from __future__ import annotations

import math
from typing import Any

from rich.table import Table
from rich.text import Text

from energyplan.facts.registry import KPIS

NULL = "—"

def header(column: str, currency: str) -> str:
    """The two-line header (name, unit) of a KPI column."""
    kpi = KPIS.get(column)
    return column if kpi is None else kpi.header_in(currency)


def format_value(column: str, value: Any) -> str:
    """A KPI value rounded for reading, thousands separated; None (or a non-number) as "—"."""
    if value is None or isinstance(value, bool) or not isinstance(value, int | float):
        return NULL
    if not math.isfinite(value):
        return NULL
    kpi = KPIS.get(column)
    decimals = 2 if kpi is None else kpi.decimals
    text = f"{value:,.{decimals}f}"
    # "-0.00" reads like a sign error; a value that rounds to zero is shown as zero.
    if text.lstrip("-").strip("0.,") == "":
        text = text.lstrip("-")
    return text


def build_kpi_table(kpis: dict[str, Any], currency: str, *, title: str | None = None) -> Table:
    """A Rich table of `kpis` (the `Facts.kpi_records()` shape): one row per site, then the portfolio.

    Numbers are right-aligned and rounded for reading; nulls show as "—".
    """
    table = Table(title=title, header_style="bold", show_lines=False, pad_edge=False)
    table.add_column("Site", no_wrap=True)
    table.add_column("Type", no_wrap=True, style="dim")
    for column in KPIS:
        # headers may wrap on a narrow terminal; numbers fold rather than vanish behind "…"
        table.add_column(header(column, currency), justify="right", overflow="fold")
    sites = kpis.get("sites") or []
    for site in sites:
        table.add_row(
            Text(str(site.get("site_id", ""))),
            Text(str(site.get("site_type") or "")),
            *(format_value(c, site.get(c)) for c in KPIS),
        )
    portfolio = kpis.get("portfolio")
    if portfolio is not None:
        table.add_row(
            Text("portfolio", style="bold"),
            Text(f"{len(sites)} site{'s' if len(sites) != 1 else ''}"),
            *(Text(format_value(c, portfolio.get(c)), style="bold") for c in KPIS),
            end_section=False,
        )
        if sites:
            # a rule between the sites and the total, as in a spreadsheet
            table.rows[len(sites) - 1].end_section = True
    return table


def build_kpi_view(kpis: dict[str, Any], currency: str, width: int, *, title: str | None = None) -> Table:
    """`build_kpi_table` when it fits `width` columns; else the same numbers on their side (a row per
    KPI, a column per site), since 17 squeezed columns fold every number into a strip of digits."""
    from rich.console import Console
    from rich.measure import Measurement

    wide = build_kpi_table(kpis, currency, title=title)
    console = Console(width=100_000, file=None)
    if Measurement.get(console, console.options, wide).maximum <= width:
        return wide
    sites = kpis.get("sites") or []
    table = Table(title=title, header_style="bold", pad_edge=False)
    table.add_column("KPI", overflow="fold")
    for site in sites:
        table.add_column(Text(str(site.get("site_id", ""))), justify="right", overflow="fold")
    table.add_column(Text("portfolio", style="bold"), justify="right", overflow="fold")
    portfolio = kpis.get("portfolio") or {}
    for column in KPIS:
        table.add_row(header(column, currency).replace("\n", " "),
                      *(format_value(column, site.get(column)) for site in sites),
                      Text(format_value(column, portfolio.get(column)), style="bold"))
    return table
