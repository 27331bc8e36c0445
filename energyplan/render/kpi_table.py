"""The Rich KPI table (a row per site, then the portfolio row), shared by `kpi` and the audit report."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from energyplan.facts.registry import KPIS

NULL = "—"
CLOUD_ENERGY = "in cloud price"
ENERGY_COST = "energy_cost_per_gpu_hour"
COMPUTE_COST = "compute_cost_per_gpu_hour"
MARGINAL_COST = "marginal_gpu_hour_cost"
# An unknown marginal cost says why, with a marker and a footnote: a blank "—" next to numbers reads
# as "nothing to pay" to a hurried reader, and a 0 would read as free.
_NO_CLOUD_PRICE, _NO_PRICE = "—*", "—†"
_FOOTNOTES = {
    _NO_CLOUD_PRICE: "* unknown: a cloud region's energy is in a cloud price the plan does not give; add "
                     "its signed commitment (total_cost) to price its GPU-hours.",
    _NO_PRICE: "† unknown: no counted grid contract with a price and no counted commitment.",
}
_CLOUD_NOTE = f"{CLOUD_ENERGY}: the provider's price includes the energy (see docs/methodology.md)."


def header(column: str, currency: str) -> str:
    """The two-line header (name, unit) of a KPI column."""
    kpi = KPIS.get(column)
    return column if kpi is None else kpi.header_in(currency)


def format_value(column: str, value: Any, decimals: int | None = None) -> str:
    """A KPI value rounded for reading (the registry's decimals unless given), thousands separated;
    None (or a non-number) as "—"."""
    if value is None or isinstance(value, bool) or not isinstance(value, int | float):
        return NULL
    if not math.isfinite(value):
        return NULL
    if decimals is None:
        kpi = KPIS.get(column)
        decimals = 2 if kpi is None else kpi.decimals
    text = f"{value:,.{decimals}f}"
    # "-0.00" reads like a sign error; a value that rounds to zero is shown as zero.
    if text.lstrip("-").strip("0.,") == "":
        text = text.lstrip("-")
    return text


def _priced_in_cloud(sites: Sequence[dict[str, Any]]) -> bool:
    """The portfolio's energy cost comes from cloud regions only (the G-weighted mean of their 0s)."""
    priced = [s for s in sites if format_value(ENERGY_COST, s.get(ENERGY_COST)) != NULL]
    return bool(priced) and all(s.get("site_type") == "cloud_region" for s in priced)


def format_cell(column: str, row: dict[str, Any], cloud: bool) -> str:
    """`format_value`, except for costs that must not read as free: a cloud region's energy cost is
    "in cloud price", and an unknown marginal cost carries a marker whose footnote says why.

    `cloud`: the row is a cloud region, or the portfolio whose energy cost comes from cloud regions only.
    """
    value = row.get(column)
    if cloud and column == ENERGY_COST and value is not None:
        return CLOUD_ENERGY
    text = format_value(column, value)
    if column == MARGINAL_COST:
        unknown_compute = format_value(COMPUTE_COST, row.get(COMPUTE_COST)) == NULL
        # energy in a cloud price plus an unknown compute cost is unknown, even where the spec's sum
        # (a null part counting as 0) gives the portfolio a 0
        if cloud and unknown_compute:
            return _NO_CLOUD_PRICE
        if text == NULL:
            return _NO_PRICE
    return text


def _cells(kpis: dict[str, Any], column: str) -> tuple[list[str], str]:
    sites = kpis.get("sites") or []
    portfolio = kpis.get("portfolio") or {}
    return ([format_cell(column, s, s.get("site_type") == "cloud_region") for s in sites],
            format_cell(column, portfolio, _priced_in_cloud(sites)))


def portfolio_cell(kpis: dict[str, Any], column: str) -> str:
    """The portfolio's value of `column` as the table shows it (markers included)."""
    return _cells(kpis, column)[1]


def footnotes(kpis: dict[str, Any]) -> list[str]:
    """The footnotes of the markers the table uses, in a fixed order."""
    used = {c for column in (ENERGY_COST, MARGINAL_COST) for c in _flat(_cells(kpis, column))}
    notes = [_CLOUD_NOTE] if CLOUD_ENERGY in used else []
    return notes + [note for marker, note in _FOOTNOTES.items() if marker in used]


def _flat(cells: tuple[list[str], str]) -> list[str]:
    return [*cells[0], cells[1]]


def _caption(kpis: dict[str, Any]) -> str | None:
    notes = footnotes(kpis)
    return "\n".join(notes) if notes else None


def build_kpi_table(kpis: dict[str, Any], currency: str, *, title: str | None = None) -> Table:
    """A Rich table of `kpis` (the `Facts.kpi_records()` shape): one row per site, then the portfolio.

    Numbers are right-aligned and rounded for reading; nulls show as "—".
    """
    table = Table(title=title, header_style="bold", show_lines=False, pad_edge=False,
                  caption=_caption(kpis), caption_justify="left")
    table.add_column("Site", no_wrap=True)
    table.add_column("Type", no_wrap=True, style="dim")
    columns = {c: _cells(kpis, c) for c in KPIS}
    for column in KPIS:
        table.add_column(header(column, currency), justify="right", no_wrap=True)
    sites = kpis.get("sites") or []
    for i, site in enumerate(sites):
        table.add_row(Text(str(site.get("site_id", ""))), Text(str(site.get("site_type") or "")),
                      *(columns[c][0][i] for c in KPIS))
    if kpis.get("portfolio") is not None:
        table.add_row(
            Text("portfolio", style="bold"),
            Text(f"{len(sites)} site{'s' if len(sites) != 1 else ''}"),
            *(Text(columns[c][1], style="bold") for c in KPIS),
            end_section=False,
        )
        if sites:
            # a rule between the sites and the total, as in a spreadsheet
            table.rows[len(sites) - 1].end_section = True
    return table


def _side_table(labels: list[str], heads: list[Text], cells: list[list[str]], *, title: str | None,
                caption: str | None, with_portfolio: bool) -> Table:
    table = Table(title=title, header_style="bold", pad_edge=False, caption=caption, caption_justify="left")
    table.add_column("KPI", no_wrap=True)
    for head in heads:
        table.add_column(head, justify="right", no_wrap=True)
    for label, row in zip(labels, cells, strict=True):
        # the portfolio, always the last column of the last table, is bold as in the wide table
        last = [Text(row[-1], style="bold")] if with_portfolio else [row[-1]] if row else []
        table.add_row(label, *row[:-1], *last)
    return table


def build_kpi_view(kpis: dict[str, Any], currency: str, width: int, *,
                   title: str | None = None) -> RenderableType:
    """`build_kpi_table` when it fits `width` columns; else the same numbers on their side (a row per
    KPI, a column per site), in as many tables as it takes for each to fit: no number or id is ever
    folded or cut, since a strip of digits misreads worse than a second table."""
    from rich.console import Console
    from rich.measure import Measurement

    wide = build_kpi_table(kpis, currency, title=title)
    console = Console(width=100_000, file=None)
    if Measurement.get(console, console.options, wide).maximum <= width:
        return wide
    sites = kpis.get("sites") or []
    labels = [header(c, currency).replace("\n", " ") for c in KPIS]
    per_column = {c: _cells(kpis, c) for c in KPIS}
    heads = [Text(str(s.get("site_id", ""))) for s in sites] + [Text("portfolio", style="bold")]
    values = [[per_column[c][0][i] for c in KPIS] for i in range(len(sites))]
    values.append([per_column[c][1] for c in KPIS])
    # a column takes its widest cell + 2 padding + 1 rule; the label column and the outer rules likewise
    need = [max(len(h.plain), *(len(v) for v in col)) + 3 for h, col in zip(heads, values, strict=True)]
    room = width - (max(len(label) for label in labels) + 3)
    chunks: list[list[int]] = [[]]
    used = 0
    for i, n in enumerate(need):
        if chunks[-1] and used + n > room:
            chunks.append([])
            used = 0
        chunks[-1].append(i)
        used += n
    caption = _caption(kpis)
    tables = [
        _side_table(labels, [heads[i] for i in chunk], [[values[i][k] for i in chunk] for k in range(len(labels))],
                    title=title if n == 0 else None, caption=caption if n == len(chunks) - 1 else None,
                    with_portfolio=n == len(chunks) - 1)
        for n, chunk in enumerate(chunks)
    ]
    return tables[0] if len(tables) == 1 else Group(*tables)
