"""The report's charts, drawn with matplotlib's SVG backend: fixed bytes, a title, units and a data table each."""

from __future__ import annotations

import base64
import datetime as dt
import io
import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from energyplan.render.report.sections import fmt

# Fixed salt: matplotlib derives the SVG's clip-path and marker ids from it, so the bytes never vary.
_RC: dict[str, Any] = {
    "svg.hashsalt": "energyplan-report",
    "svg.fonttype": "none",          # text stays text: smaller, selectable, drawn in the reader's system font
    "font.family": "sans-serif",
    "font.size": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
}
# Okabe–Ito colours (readable with colour-blindness); every series also has its own marker or line style.
BLUE, ORANGE, GREEN, VERMILION, PURPLE, GREY = "#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#555555"
WIDE = (10.0, 3.4)
WIDE_MARGINS = (0.075, 0.25, 0.985, 0.9)   # room for the y label, the x label and legend, the title


@dataclass
class Chart:
    id: str
    title: str
    alt: str                       # one sentence for <img alt>: what the chart shows
    svg: str
    columns: list[str]             # the numbers it shows, as a table (the text alternative)
    rows: list[list[str]]

    def data_uri(self) -> str:
        return "data:image/svg+xml;base64," + base64.b64encode(self.svg.encode("utf-8")).decode("ascii")


@contextmanager
def _figure(size: tuple[float, float], ncols: int = 1, margins: tuple[float, float, float, float] | None = None,
            ) -> Iterator[tuple[Any, Any]]:
    """A matplotlib Figure; `margins` (left, bottom, right, top) fix the layout, else it is constrained.

    The monthly charts share one size, so fixed margins serve them all and skip the constrained-layout
    solver, which is half of the rendering time; charts labelled with site names keep the solver.
    """
    import matplotlib as mpl
    from matplotlib.figure import Figure

    # Figure objects without pyplot: no global state, no GUI backend, nothing left open between charts.
    with mpl.rc_context(_RC):  # type: ignore[arg-type]  # the stubs want Literal keys
        fig = Figure(figsize=size, layout=None if margins else "constrained")
        if margins:
            left, bottom, right, top = margins
            fig.subplots_adjust(left=left, bottom=bottom, right=right, top=top)
        axes = fig.subplots(1, ncols) if ncols > 1 else fig.subplots()
        yield fig, axes


def _legend(fig: Any) -> None:
    """The legend under the plot, never over the data."""
    outside = fig.get_layout_engine() is not None
    fig.legend(loc="outside lower center" if outside else "lower center", fontsize=8, frameon=False, ncols=3)


def _svg(fig: Any) -> str:
    import matplotlib as mpl

    with mpl.rc_context(_RC):  # type: ignore[arg-type]  # the stubs want Literal keys
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    text = buffer.getvalue()
    return text[text.index("<svg"):]     # the XML prolog and DOCTYPE are noise inside a data URI


def _dates(values: list[str]) -> list[dt.date]:
    return [dt.date.fromisoformat(v) for v in values]


def _num(v: Any) -> float:
    return float("nan") if v is None else float(v)


def _month_axis(ax: Any, ylabel: str) -> None:
    import matplotlib.dates as mdates

    locator = mdates.AutoDateLocator(minticks=4, maxticks=12)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%b %Y"))
    ax.set_xlabel("month")
    ax.set_ylabel(ylabel)


def capacity(site_id: str, rows: list[dict[str, Any]], index: int) -> Chart:
    """Monthly peak demand against firm (effective) supply for one non-cloud site, shortfall months marked."""
    months = _dates([r["month"] for r in rows])
    peak = [_num(r.get("peak_demand_mw")) for r in rows]
    eff = [_num(r.get("effective_mw")) for r in rows]
    short = [(m, p) for m, p, r in zip(months, peak, rows, strict=True) if (r.get("shortfall_days") or 0) > 0]
    title = f"{site_id}: monthly peak demand vs firm supply"
    with _figure(WIDE, margins=WIDE_MARGINS) as (fig, ax):
        ax.step(months, eff, where="post", color=BLUE, linestyle="--", linewidth=2, label="firm supply (min, MW)")
        ax.plot(months, peak, color=ORANGE, marker="o", markersize=3.5, label="peak demand (max, MW)")
        for m, _ in short:
            ax.axvspan(m, m + dt.timedelta(days=27), color=VERMILION, alpha=0.15, linewidth=0)
        if short:
            ax.scatter([m for m, _ in short], [p for _, p in short], marker="X", s=60, color=VERMILION, zorder=5,
                       label=f"shortfall month ({len(short)})")
        ax.set_title(title, loc="left")
        _month_axis(ax, "MW")
        ax.set_ylim(bottom=0)
        _legend(fig)
        svg = _svg(fig)
    first = next((r.get("first_shortfall_start") or r.get("first_shortfall_date") for r in rows
                  if (r.get("shortfall_days") or 0) > 0), None)
    alt = (f"Line chart of {site_id}'s monthly peak demand and firm supply in MW over {len(rows)} months; "
           + (f"{len(short)} month(s) short, the first shortfall on {first}." if short else "no shortfall month."))
    table = [[r["month"], fmt(r.get("peak_demand_mw"), "MW"), fmt(r.get("effective_mw"), "MW"),
              fmt(r.get("headroom_mw"), "MW"), fmt(r.get("shortfall_days"), "count"),
              r.get("first_shortfall_date") or ""] for r in rows]
    return Chart(f"chart-capacity-{index}", title, alt, svg,
                 ["month", "peak MW", "firm MW", "worst-day headroom MW", "short days", "first short day"], table)


def carbon(portfolio: list[dict[str, Any]]) -> Chart:
    """Portfolio carbon intensity by month against the pathway target."""
    months = _dates([r["month"] for r in portfolio])
    ci = [_num(r.get("carbon_intensity_g_per_kwh")) for r in portfolio]
    target = [_num(r.get("carbon_target_g_per_kwh")) for r in portfolio]
    has_target = any(not math.isnan(t) for t in target)
    title = "Portfolio carbon intensity vs pathway"
    with _figure(WIDE, margins=WIDE_MARGINS) as (fig, ax):
        ax.plot(months, ci, color=GREY, marker="o", markersize=3.5, label="carbon intensity (market-based)")
        if has_target:
            ax.plot(months, target, color=GREEN, linestyle="--", linewidth=2, label="pathway target")
        ax.set_title(title if has_target else title + " (no pathway set)", loc="left")
        _month_axis(ax, "gCO2e/kWh")
        ax.set_ylim(bottom=0)
        _legend(fig)
        svg = _svg(fig)
    above = sum(1 for c, t in zip(ci, target, strict=True) if not math.isnan(t) and c > t)
    alt = (f"Line chart of the portfolio's carbon intensity in gCO2e/kWh over {len(portfolio)} months"
           + (f" against the pathway; {above} month(s) above it." if has_target else "; no pathway is set."))
    table = [[r["month"], fmt(r.get("carbon_intensity_g_per_kwh"), "gCO2e/kWh"),
              fmt(r.get("carbon_target_g_per_kwh"), "gCO2e/kWh"), fmt(r.get("emissions_t"), "t"),
              fmt(r.get("emissions_target_t"), "t")] for r in portfolio]
    return Chart("chart-carbon", title, alt, svg,
                 ["month", "gCO2e/kWh", "pathway gCO2e/kWh", "t CO2e", "target t CO2e"], table)


def cost(portfolio: list[dict[str, Any]], currency: str) -> Chart:
    """Portfolio marginal GPU-hour cost by month, split into energy and compute."""
    months = _dates([r["month"] for r in portfolio])
    marginal = [_num(r.get("marginal_gpu_hour_cost")) for r in portfolio]
    energy = [_num(r.get("energy_cost_per_gpu_hour")) for r in portfolio]
    title = "Marginal GPU-hour cost by month (portfolio)"
    unit = f"{currency}/GPU-h"
    with _figure(WIDE, margins=WIDE_MARGINS) as (fig, ax):
        ax.plot(months, marginal, color=BLUE, marker="o", markersize=3.5, label="marginal (energy + compute)")
        ax.plot(months, energy, color=ORANGE, linestyle=":", marker="^", markersize=3.5, label="energy part")
        ax.set_title(title, loc="left")
        _month_axis(ax, unit)
        ax.set_ylim(bottom=0)
        _legend(fig)
        svg = _svg(fig)
    known = [m for m in marginal if not math.isnan(m)]
    alt = (f"Line chart of the portfolio's marginal GPU-hour cost in {unit} over {len(portfolio)} months"
           + (f", from {fmt(known[0], 'currency/GPU-h')} to {fmt(known[-1], 'currency/GPU-h')}." if known else "."))
    table = [[r["month"], fmt(r.get("marginal_gpu_hour_cost"), "currency/GPU-h"),
              fmt(r.get("energy_cost_per_gpu_hour"), "currency/GPU-h"),
              fmt(r.get("compute_cost_per_gpu_hour"), "currency/GPU-h"), fmt(r.get("cost_change_pct"), "%")]
             for r in portfolio]
    return Chart("chart-cost", title, alt, svg,
                 ["month", f"marginal {unit}", f"energy {unit}", f"compute {unit}", "change vs month 0 %"], table)


def ppa(portfolio: list[dict[str, Any]]) -> Chart:
    """Portfolio PPA coverage of energy by month."""
    months = _dates([r["month"] for r in portfolio])
    cover = [_num(r.get("ppa_coverage_pct")) for r in portfolio]
    title = "PPA coverage by month (portfolio)"
    with _figure(WIDE, margins=WIDE_MARGINS) as (fig, ax):
        ax.bar(months, cover, width=20, color=GREEN, edgecolor="#004d38", label="PPA coverage (%)")
        ax.set_title(title, loc="left")
        _month_axis(ax, "% of energy")
        ax.set_ylim(0, 100)
        _legend(fig)
        svg = _svg(fig)
    known = [c for c in cover if not math.isnan(c)]
    alt = (f"Bar chart of the share of the portfolio's energy covered by PPAs, in %, over {len(portfolio)} months"
           + (f": lowest {fmt(min(known), '%')} %, highest {fmt(max(known), '%')} %." if known else "."))
    table = [[r["month"], fmt(r.get("ppa_coverage_pct"), "%"), fmt(r.get("ppa_mwh"), "MWh"),
              fmt(r.get("energy_mwh"), "MWh")] for r in portfolio]
    return Chart("chart-ppa", title, alt, svg, ["month", "coverage %", "PPA MWh", "energy MWh"], table)


def cfe(sites: list[dict[str, Any]]) -> Chart:
    """Per site: the 24/7 CFE score, and hourly- vs annual-matched carbon intensity."""
    names = [str(r["site_id"]) for r in sites]
    ys = list(range(len(names)))
    title = "24/7 carbon-free energy and hourly vs annual carbon, per site"
    height = max(2.4, 0.45 * len(names) + 1.4)
    with _figure((10.0, height), ncols=2) as (fig, (left, right)):
        scores = [_num(r.get("cfe_pct")) for r in sites]
        left.barh(ys, scores, color=GREEN, edgecolor="#004d38")
        for y, v in zip(ys, scores, strict=True):
            left.annotate(fmt(v, "%") if not math.isnan(v) else "n/a", (0 if math.isnan(v) else v, y),
                          xytext=(3, 0), textcoords="offset points", va="center", fontsize=8)
        left.set_yticks(ys, names)
        left.invert_yaxis()
        left.set_xlim(0, 110)
        left.set_xlabel("CFE score (% of served energy)")
        left.set_title("24/7 CFE score", loc="left")
        hourly = [_num(r.get("hourly_carbon_intensity_g_per_kwh")) for r in sites]
        annual = [_num(r.get("annual_carbon_intensity_g_per_kwh")) for r in sites]
        right.barh([y - 0.2 for y in ys], hourly, height=0.4, color=VERMILION, hatch="//", edgecolor="white",
                   label="hourly-matched")
        right.barh([y + 0.2 for y in ys], annual, height=0.4, color=BLUE, label="annual-matched")
        right.set_yticks(ys, names)
        right.invert_yaxis()
        right.set_xlabel("carbon intensity (gCO2e/kWh)")
        right.set_title("Hourly vs annual carbon", loc="left")
        _legend(fig)
        fig.suptitle(title, x=0.01, ha="left", fontsize=11)
        svg = _svg(fig)
    alt = f"Bar charts of the 24/7 CFE score (%) and hourly- vs annual-matched carbon intensity for {len(names)} sites."
    table = [[str(r["site_id"]), fmt(r.get("cfe_pct"), "%"), fmt(r.get("hourly_carbon_intensity_g_per_kwh"),
              "gCO2e/kWh"), fmt(r.get("annual_carbon_intensity_g_per_kwh"), "gCO2e/kWh")] for r in sites]
    return Chart("chart-cfe", title, alt, svg, ["site", "CFE %", "hourly gCO2e/kWh", "annual gCO2e/kWh"], table)


def events(sites: list[dict[str, Any]]) -> Chart:
    """Per site: what last year's grid events would cost if they recur (unserved and curtailed MWh)."""
    names = [str(r["site_id"]) for r in sites]
    ys = list(range(len(names)))
    title = "If last year's grid events recur: energy not served, per site"
    height = max(2.2, 0.45 * len(names) + 1.2)
    with _figure((10.0, height)) as (fig, ax):
        unserved = [_num(r.get("unserved_sensitive_mwh")) for r in sites]
        curtailed = [_num(r.get("curtailed_tolerant_mwh")) for r in sites]
        ax.barh([y - 0.2 for y in ys], unserved, height=0.4, color=VERMILION, label="sensitive load unserved (MWh)")
        ax.barh([y + 0.2 for y in ys], curtailed, height=0.4, color=GREY, hatch="//", edgecolor="white",
                label="tolerant load curtailed (MWh)")
        ax.set_yticks(ys, names)
        ax.invert_yaxis()
        ax.set_xlabel("energy (MWh over the replay year)")
        ax.set_title(title, loc="left")
        _legend(fig)
        svg = _svg(fig)
    total = sum(v for v in unserved if not math.isnan(v))
    alt = (f"Bar chart of sensitive MWh unserved and tolerant MWh curtailed per site if last year's grid events "
           f"recur; {fmt(total, 'MWh', 1)} MWh of sensitive load unserved in all.")
    table = [[str(r["site_id"]), fmt(r.get("grid_events"), "count"), fmt(r.get("event_hours"), "count"),
              fmt(r.get("unserved_sensitive_mwh"), "MWh", 1), fmt(r.get("unserved_hours"), "count"),
              fmt(r.get("longest_unserved_run_h"), "count"), fmt(r.get("curtailed_tolerant_mwh"), "MWh", 1),
              fmt(r.get("curtailed_hours"), "count")] for r in sites]
    return Chart("chart-events", title, alt, svg,
                 ["site", "grid events", "event hours", "unserved MWh", "unserved hours", "longest run h",
                  "curtailed MWh", "curtailed hours"], table)


def heatmap(cfe_map: dict[str, Any]) -> Chart:
    """Day × hour carbon-free share of the largest site, as an embedded raster (8,760 vector cells are too big)."""
    import numpy as np

    days_in = cfe_map.get("values") or []
    if not days_in or any(len(day) != 24 for day in days_in):
        raise ValueError("cfe_heatmap values must be a list of days of 24 hourly shares each")
    values = np.array([[np.nan if v is None else float(v) for v in day] for day in days_in], dtype="float64")
    start = dt.date.fromisoformat(cfe_map["year_start"])
    site = str(cfe_map["site_id"])
    title = f"{site}: carbon-free share by day and hour"
    with _figure((10.0, 3.6)) as (fig, ax):
        image = ax.imshow(values.T * 100, aspect="auto", origin="lower", cmap="viridis", vmin=0, vmax=100,
                          interpolation="nearest", extent=(0, len(values), 0, 24))
        ticks = [(dt.date(start.year + (start.month - 1 + k) // 12, (start.month - 1 + k) % 12 + 1, 1) - start).days
                 for k in range(13)]
        ticks = [t for t in ticks if 0 <= t < len(values)]
        ax.set_xticks(ticks, [(start + dt.timedelta(days=t)).strftime("%b") for t in ticks])
        ax.set_yticks([0, 6, 12, 18, 24], ["00", "06", "12", "18", "24"])
        ax.grid(False)
        ax.set_xlabel(f"day of the replay year from {start.isoformat()}")
        ax.set_ylabel("hour of day (plan clock)")
        ax.set_title(title, loc="left")
        fig.colorbar(image, ax=ax, label="carbon-free share (%)", pad=0.01)
        svg = _svg(fig)
    # The text alternative: the mean share per calendar month and hour (12 × 24 numbers, not 8,760).
    days = np.array([start + dt.timedelta(days=i) for i in range(len(values))])
    labels = np.array([d.strftime("%Y-%m") for d in days])
    rows = []
    for label in dict.fromkeys(labels.tolist()):
        block = values[labels == label]
        with np.errstate(all="ignore"):
            means = np.nanmean(block, axis=0) if np.isfinite(block).any() else np.full(24, np.nan)
        rows.append([label, *(fmt(None if math.isnan(m) else m * 100, "%", 0) for m in means)])
    known = values[np.isfinite(values)]
    alt = (f"Heat map of {site}'s carbon-free share for each of {len(values)} days (x) and 24 hours (y)"
           + (f"; mean {fmt(float(known.mean()) * 100, '%')} %." if known.size else "."))
    return Chart("chart-heatmap", title, alt, svg, ["month", *(f"{h:02d}" for h in range(24))], rows)


def sparkline(kpi: str, dates: list[dt.date], values: list[float | None], unit: str) -> Chart | None:
    """A tile's small trend line; the alt text lists every point (None when there are fewer than two)."""
    points = [(d, v) for d, v in zip(dates, values, strict=True) if v is not None]
    if len(points) < 2:
        return None
    with _figure((2.4, 0.6), margins=(0.02, 0.1, 0.98, 0.9)) as (fig, ax):
        ax.plot([d for d, _ in points], [v for _, v in points], color=BLUE, linewidth=1.5)
        ax.plot([points[-1][0]], [points[-1][1]], marker="o", markersize=3.5, color=BLUE)
        ax.set_axis_off()
        svg = _svg(fig)
    listing = "; ".join(f"{d.isoformat()}: {fmt(v, unit)}" for d, v in points)
    return Chart(f"spark-{kpi}", f"trend of {kpi}", f"Trend of {kpi} in {unit}: {listing}", svg,
                 ["as_of", unit], [[d.isoformat(), fmt(v, unit)] for d, v in points])
