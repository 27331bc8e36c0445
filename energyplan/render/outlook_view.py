"""Human views of the outlook: per-site capacity month by month, then portfolio carbon and GPU-hour cost."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from io import StringIO
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console, RenderableType

    from energyplan.facts.months import Outlook

NULL = "—"
MIN_BAR = 8  # a narrower chart says nothing: leave it out and say so
GOOD_BAR = 12  # below this, optional columns make room for the chart first


@dataclass(frozen=True)
class _Column:
    """One table column: header, how a row becomes its cell, and how readily it is left out (higher first)."""

    header: str
    cell: Callable[[dict[str, Any]], str]
    drop_rank: int = 0  # 0: never left out


def _num(value: Any, decimals: int, signed: bool = False) -> str:
    if value is None or isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return NULL
    text = f"{value:{'+' if signed else ''},.{decimals}f}"
    if text.lstrip("+-").strip("0.,") == "":  # "-0.00" reads like a sign error
        text = text.lstrip("+-")
    return text


def _month(row: dict[str, Any]) -> str:
    return row.get("_label") or str(row["month"])[:7]


_COUNTS = ("shortfall_days", "flexibility_gap_days")


def _runs(rows: list[dict[str, Any]], columns: list[_Column], plain: bool) -> list[dict[str, Any]]:
    """Consecutive months that read the same become one row "first…last", their day counts summed.

    A month is only merged when each count is all or none of its days, so a month where a shortfall
    begins or ends always has a row of its own.
    """
    def key(r: dict[str, Any]) -> tuple[Any, ...] | None:
        state = []
        for c in _COUNTS:
            n = r.get(c) or 0
            if 0 < n < r["days"]:
                return None
            state.append(n > 0)
        return (*(c.cell(r) for c in columns[1:] if c.header.split("\n")[0] not in ("Short", "Sensitive")), *state)

    out: list[dict[str, Any]] = []
    last: tuple[Any, ...] | None = None
    for r in rows:
        k = key(r)
        if out and k is not None and k == last:
            run = out[-1]
            for c in _COUNTS:
                if c in r:
                    run[c] = (run[c] or 0) + (r[c] or 0)
            run["_label"] = f"{str(run['month'])[:7]}{'..' if plain else '…'}{str(r['month'])[:7]}"
        else:
            out.append(dict(r))
        last = k
    return out


def render_outlook(outlook: Outlook, *, currency: str, width: int, color: bool, fmt: str = "rich",
                   sites: Sequence[str] | None = None) -> str:
    """The lead's view of the outlook as text `width` columns wide (fmt "rich" or "text")."""
    from rich.console import Console

    if fmt not in ("rich", "text"):
        raise ValueError(f"fmt must be 'rich' or 'text', not {fmt!r}")
    plain = fmt == "text"
    buf = StringIO()
    console = Console(file=buf, width=width, force_terminal=color and not plain, no_color=not color or plain,
                      color_system="standard" if color and not plain else None, highlight=False, emoji=False,
                      legacy_windows=False)
    data = outlook.to_json()
    options = outlook.options
    months = data["portfolio"]
    span = f"{_month(months[0])} … {_month(months[-1])}" if months else ""
    console.print(f"Outlook from {options.as_of.isoformat()}: {options.months} months ({span}), {currency}",
                  style="bold", soft_wrap=False, overflow="fold")
    by_site: dict[str, list[dict[str, Any]]] = {}
    for r in data["sites"]:
        by_site.setdefault(r["site_id"], []).append(r)
    wanted = list(by_site) if sites is None else list(sites)
    clouds = []
    for site_id in wanted:
        rows = by_site.get(site_id)
        if rows is None:
            console.print(f"site {site_id}: not in the plan", style="yellow")
        elif rows[0]["site_type"] == "cloud_region":
            clouds.append(site_id)
        else:
            _site_section(console, site_id, rows, plain, options.as_of.isoformat())
    if clouds:
        console.print(f"\nCloud regions (power is the provider's, no firm-capacity view): {', '.join(clouds)}",
                      style="dim")
    _portfolio_section(console, months, currency, plain, options)
    return buf.getvalue()


# ---- capacity per site ---------------------------------------------------------------------------------

def _site_summary(site_id: str, site_type: str, rows: list[dict[str, Any]], as_of: str) -> tuple[str, str]:
    short = [r for r in rows if r["shortfall_days"] > 0]
    head = f"{site_id} ({site_type})"
    if short:
        first = short[0]
        start = next((r["first_shortfall_start"] for r in rows if r["first_shortfall_start"]), None)
        if first["first_shortfall_date"] == as_of:
            when = "short already on D" + (f", starts again {start}" if start else "")
        else:
            when = f"first shortfall {first['first_shortfall_date']}"
        return (f"{head}: {when}: peak {_num(first['peak_demand_mw'], 2)} MW vs firm "
                f"{_num(first['effective_mw'], 2)} MW, headroom {_num(first['headroom_mw'], 2)} MW on the "
                f"worst day; {len(short)} of {len(rows)} months short", "bold red")
    known = [r for r in rows if r["headroom_mw"] is not None]
    if not known:
        return f"{head}: no firm capacity figures", "bold"
    low = min(known, key=lambda r: r["headroom_mw"])
    pct = "" if low["headroom_pct"] is None else f" ({_num(low['headroom_pct'], 1)} %)"
    return (f"{head}: no shortfall over the horizon; lowest headroom {_num(low['headroom_mw'], 2)} MW{pct} "
            f"in {_month(low)}", "bold green")


def _bar(row: dict[str, Any], scale: float, size: int, plain: bool) -> Any:
    """Peak against firm MW: filled to the peak, dots to the firm line, the part above firm marked."""
    from rich.text import Text

    peak, firm = row["peak_demand_mw"] or 0.0, row["effective_mw"] or 0.0
    p, f = round(peak * scale), round(firm * scale)
    fill, spare, over = ("#", ".", "!") if plain else ("█", "·", "▓")
    text = Text()
    if row["shortfall_days"] > 0:
        cut = min(f, p)
        text.append(fill * cut, style="green")
        text.append(over * max(p - cut, 1), style="bold red")  # a visible mark however small the gap
    else:
        text.append(fill * p, style="green")
        text.append(spare * max(f - p, 0), style="dim")
    text.truncate(size)
    return text


def _site_section(console: Console, site_id: str, rows: list[dict[str, Any]], plain: bool, as_of: str) -> None:
    from rich.text import Text

    line, style = _site_summary(site_id, rows[0]["site_type"], rows, as_of)
    console.print()
    console.print(Text(line, style=style), overflow="fold")
    first_short = next((r["month"] for r in rows if r["shortfall_days"] > 0), None)
    columns = [
        _Column("Month", _month),
        _Column("Peak\nMW", lambda r: _num(r["peak_demand_mw"], 2)),
        _Column("Firm\nMW", lambda r: _num(r["effective_mw"], 2)),
        _Column("Headroom\nMW", lambda r: _num(r["headroom_mw"], 2)),
        _Column("Headroom\n%", lambda r: _num(r["headroom_pct"], 1), drop_rank=3),
        _Column("Short\ndays", lambda r: str(r["shortfall_days"]) if r["shortfall_days"] else "", drop_rank=1),
        _Column("Sensitive\ngap days", lambda r: str(r["flexibility_gap_days"]) if r["flexibility_gap_days"] else "",
                drop_rank=2),
    ]
    top = max([max(r["peak_demand_mw"] or 0.0, r["effective_mw"] or 0.0) for r in rows] + [0.0])
    marks = {first_short: "<- first" if plain else "◀ first"} if first_short else {}

    def row_style(r: dict[str, Any]) -> str:
        return "red" if r["shortfall_days"] else ""

    legend = ("# peak within firm MW  . spare firm MW  ! peak above firm MW" if plain
              else "█ peak within firm MW  · spare firm MW  ▓ peak above firm MW")
    if marks:
        legend += "  <- first shortfall" if plain else "  ◀ first shortfall"
    _print_table(console, columns, _runs(rows, columns, plain), plain, row_style=row_style,
                 chart=(lambda r, size: _bar(r, (size - 1) / top if top > 0 else 0.0, size, plain), legend),
                 marks={k: v for k, v in marks.items() if k}, key="month")


# ---- portfolio -----------------------------------------------------------------------------------------

def _portfolio_section(console: Console, months: list[dict[str, Any]], currency: str, plain: bool,
                       options: Any) -> None:
    from rich.text import Text

    console.print()
    has_ci = options.carbon_intensity_pathway is not None
    has_em = options.emissions_pathway_t is not None
    above = [r for r in months if _above(r)]
    if above:
        head = f"Portfolio: above the pathway in {len(above)} of {len(months)} months, first {_month(above[0])}"
        console.print(Text(head, style="bold red"), overflow="fold")
    else:
        note = "" if has_ci or has_em else " (no pathway set under [targets])"
        console.print(Text(f"Portfolio: carbon and marginal GPU-hour cost by month{note}", style="bold"),
                      overflow="fold")
    mark = "!" if plain else "▲"
    columns = [
        _Column("Month", _month),
        _Column("Carbon\ng/kWh", lambda r: _num(r["carbon_intensity_g_per_kwh"], 1)),
        *([_Column("Pathway\ng/kWh", lambda r: _num(r["carbon_target_g_per_kwh"], 1))] if has_ci else []),
        *([_Column("Emissions\nt", lambda r: _num(r["emissions_t"], 1), drop_rank=3),
           _Column("Target\nt", lambda r: _num(r["emissions_target_t"], 1), drop_rank=4)] if has_em else []),
        *([_Column("", lambda r: mark if _above(r) else "")] if has_ci or has_em else []),
        _Column(f"Marginal\n{currency}/GPU-h", lambda r: _num(r["marginal_gpu_hour_cost"], 3)),
        _Column("vs month 0\n%", lambda r: _num(r["cost_change_pct"], 1, signed=True), drop_rank=2),
        _Column("Short\ndays", lambda r: str(r["shortfall_days"]) if r["shortfall_days"] else "", drop_rank=1),
    ]
    _print_table(console, columns, _runs(months, columns, plain), plain,
                 row_style=lambda r: "red" if _above(r) else "")
    if has_ci or has_em:
        console.print(f"{mark} above the pathway (carbon intensity or emissions over its target)", style="dim")


def _above(r: dict[str, Any]) -> bool:
    def over(value: Any, target: Any) -> bool:
        return value is not None and target is not None and value > target

    return over(r["carbon_intensity_g_per_kwh"], r["carbon_target_g_per_kwh"]) or over(
        r["emissions_t"], r["emissions_target_t"])


# ---- fitting a table into the width ------------------------------------------------------------------

def _table(columns: list[_Column], rows: list[dict[str, Any]], plain: bool, row_style: Callable[[dict], str],
           chart: tuple[Callable[[dict, int], Any], str] | None, bar: int, marks: dict[Any, str],
           key: str | None) -> RenderableType:
    from rich import box
    from rich.table import Table
    from rich.text import Text

    table = Table(box=None if plain else box.SIMPLE_HEAD, header_style="" if plain else "bold",
                  pad_edge=False, show_edge=False, collapse_padding=plain)
    for i, c in enumerate(columns):
        # fold, not ignore: Rich justifies only then, and the fitting below keeps every cell whole
        table.add_column(c.header, justify="left" if i == 0 else "right", no_wrap=True, overflow="fold")
    if chart and bar:
        table.add_column("", no_wrap=True, overflow="crop", min_width=bar, max_width=bar)
    if marks:
        table.add_column("", no_wrap=True, overflow="ignore")
    for r in rows:
        cells: list[Any] = [Text(c.cell(r), justify="left" if i == 0 else "right") for i, c in enumerate(columns)]
        if chart and bar:
            cells.append(chart[0](r, bar))
        if marks:
            cells.append(Text(marks.get(r.get(key or ""), ""), style="bold red"))
        table.add_row(*cells, style=row_style(r) or None)
    return table


def _print_table(console: Console, columns: list[_Column], rows: list[dict[str, Any]], plain: bool, *,
                 row_style: Callable[[dict], str], chart: tuple[Callable[[dict, int], Any], str] | None = None,
                 marks: dict[Any, str] | None = None, key: str | None = None) -> None:
    """Print the widest table that fits: the chart shrinks first, then columns leave in drop_rank order,
    then the first-shortfall mark moves to a line of its own; a note says what was left out."""
    from rich.measure import Measurement

    marks = marks or {}

    def measure(cols: list[_Column], bar: int, with_marks: bool) -> int:
        table = _table(cols, rows, plain, row_style, chart, bar, marks if with_marks else {}, key)
        return Measurement.get(console, console.options.update(width=10**6), table).maximum

    width = console.width
    # a column with nothing to say (no short day in the horizon) only takes room
    kept = [c for c in columns if not c.drop_rank or any(c.cell(r) for r in rows)]
    left_out: list[str] = []
    with_marks = bool(marks)
    while True:
        bar = 0
        if chart:
            base = measure(kept, 1, with_marks)
            bar = width - base + 1
            bar = bar if bar >= MIN_BAR else 0
            bar = min(bar, 60)
        fits = measure(kept, bar, with_marks) <= width
        spare = [c for c in kept if c.drop_rank >= 2]
        if fits and not (chart and bar < GOOD_BAR and spare):
            break
        if fits:  # the chart is what a lead reads first: optional columns give it room
            gone = max(spare, key=lambda c: c.drop_rank)
            kept.remove(gone)
            left_out.append(gone.header)
            continue
        if with_marks:
            with_marks = False
            continue
        droppable = [c for c in kept if c.drop_rank]
        if not droppable:
            break  # nothing more to leave out: Rich folds rather than cut
        gone = max(droppable, key=lambda c: c.drop_rank)
        kept.remove(gone)
        left_out.append(gone.header)
    console.print(_table(kept, rows, plain, row_style, chart, bar, marks if with_marks else {}, key))
    notes = []
    if chart and bar:
        notes.append(chart[1])
    elif chart:
        notes.append("chart left out: the terminal is too narrow")
    if left_out:
        notes.append(f"left out for width: {', '.join(h.replace(chr(10), ' ') for h in left_out)}")
    if marks and not with_marks:
        notes.extend(f"first shortfall month: {str(k)[:7]}" for k in marks)
    for note in notes:
        console.print(note, style="dim", overflow="fold")
