"""KPI trajectories over a snapshot dataset: one series per plan, site (or portfolio) and KPI."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from energyplan.errors import UsageError
from energyplan.facts.registry import KPIS
from energyplan.suggest import did_you_mean

SPARKS = "▁▂▃▄▅▆▇█"


@dataclass
class Series:
    plan: str
    scope: str
    site_id: str | None
    kpi: str
    dates: list[dt.date]
    values: list[float | None]

    @property
    def first(self) -> float | None:
        return self.values[0] if self.values else None

    @property
    def last(self) -> float | None:
        return self.values[-1] if self.values else None

    @property
    def change(self) -> float | None:
        if self.first is None or self.last is None:
            return None
        return self.last - self.first

    @property
    def change_pct(self) -> float | None:
        change = self.change
        return None if change is None or not self.first else change / abs(self.first) * 100

    def to_json(self) -> dict[str, Any]:
        return {
            "plan": self.plan, "scope": self.scope, "site_id": self.site_id, "kpi": self.kpi,
            "unit": KPIS[self.kpi].unit,
            "points": [{"as_of": d.isoformat(), "value": v} for d, v in zip(self.dates, self.values, strict=True)],
            "first": self.first, "last": self.last, "change": self.change, "change_pct": self.change_pct,
        }


def sparkline(values: list[float | None]) -> str:
    """▁…█ scaled between the series' min and max; a gap (space) where a value is null."""
    known = [v for v in values if v is not None]
    if not known:
        return " " * len(values)
    return scaled_sparkline(values, min(known), max(known))


def read_snapshots(directory: Path) -> Any:
    """Every snapshot row of a hive-partitioned dataset, or of one snapshot file (pandas DataFrame);
    exit 2 when there are none."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.dataset as ds

    directory = Path(directory)
    single = directory.is_file()  # one snapshot file (`kpi -o FILE.parquet`, or one of the dataset's)
    if not single and not directory.is_dir():
        raise UsageError(f"snapshot folder {directory} does not exist; write one with "
                         f"`energyplan kpi PLAN --snapshot-dir {directory}`")
    try:
        dataset = ds.dataset(directory, format="parquet", partitioning=None if single else "hive")
        table = dataset.to_table()
    except (pa.ArrowInvalid, OSError) as exc:
        raise UsageError(f"cannot read snapshots in {directory}: {exc}") from None
    missing = [c for c in ("as_of", "plan", "scope", "site_id") if c not in table.column_names]
    if table.num_rows == 0 or missing:
        raise UsageError(f"no KPI snapshots in {directory}; write them with "
                         f"`energyplan kpi PLAN --snapshot-dir {directory}`")
    frame = table.to_pandas()
    frame["as_of"] = pd.to_datetime(frame["as_of"]).astype("datetime64[s]")
    for column, kpi in KPIS.items():
        if kpi.kind == "int" and column in frame.columns:
            # snapshots written before counts were int64 hold them as float64: read both as integers
            frame[column] = pd.to_numeric(frame[column]).astype("Float64").round().astype("Int64")
    # the unit of the cost columns, from the file metadata (the first file's; a dataset has one currency)
    currency = (dataset.schema.metadata or {}).get(b"currency", b"").decode() or None
    frame.attrs["currency"] = currency
    return frame


def build_series(frame: Any, *, plans: list[str] | None = None, kpis: list[str] | None = None,
                 sites: list[str] | None = None, weeks: int = 13) -> tuple[list[Series], list[dt.date]]:
    """Weekly series: per ISO week the latest snapshot of each plan, over the last `weeks` weeks.

    Returns the series (plan, sites by id then portfolio, KPIs in spec order) and the snapshot dates used.
    """
    import numpy as np
    import pandas as pd

    if weeks < 1:
        raise UsageError("--weeks must be at least 1")
    _check_choices(plans, sorted(frame["plan"].dropna().unique()), "--plan", "plan")
    _check_choices(kpis, list(KPIS), "--kpi", "KPI")
    if plans:
        frame = frame[frame["plan"].isin(plans)]
    _check_choices(sites, sorted(frame["site_id"].dropna().unique()), "--site", "site")
    if sites:
        frame = frame[frame["site_id"].isin(sites) | (frame["scope"] == "portfolio")]
    columns = [c for c in (kpis or list(KPIS)) if c in frame.columns]
    frame = frame.assign(week=frame["as_of"] - pd.to_timedelta(frame["as_of"].dt.day_of_week, unit="D"))
    last_week = frame["week"].max()
    frame = frame[frame["week"] > last_week - pd.Timedelta(weeks=weeks)]
    # the latest snapshot of each plan in each week stands for that week
    latest = frame.groupby(["plan", "week"])["as_of"].transform("max")
    frame = frame[frame["as_of"] == latest]
    frame = frame.assign(order=(frame["scope"] == "portfolio").astype(int), site_key=frame["site_id"].fillna(""))
    frame = frame.sort_values(["plan", "order", "site_key", "as_of"], kind="stable")
    out: list[Series] = []
    for (plan, _order, _site), rows in frame.groupby(["plan", "order", "site_key"], sort=False):
        site_id = rows["site_id"].iloc[0]
        dates = [d.date() for d in rows["as_of"]]
        for kpi in columns:
            numbers = rows[kpi].to_numpy(dtype=np.float64, na_value=np.nan)
            known = np.isfinite(numbers)
            as_int = KPIS[kpi].kind == "int"
            values = [(int(v) if as_int else float(v)) if ok else None
                      for v, ok in zip(numbers.tolist(), known.tolist(), strict=True)]
            out.append(Series(str(plan), str(rows["scope"].iloc[0]), None if pd.isna(site_id) else str(site_id),
                              kpi, dates, values))
    return out, [d.date() for d in pd.DatetimeIndex(frame["as_of"].unique()).sort_values()]


def _check_choices(given: list[str] | None, choices: list[str], option: str, what: str) -> None:
    for value in given or []:
        if value not in choices:
            hint = did_you_mean(value, choices, cutoff=0.5)
            raise UsageError(f"{option} {value!r}: no such {what} in the snapshots{hint}")


def render_json(series: list[Series], dates: list[dt.date], weeks: int, version: str) -> str:
    doc = {
        "schema_version": 1,
        "tool": {"name": "energyplan", "version": version},
        "weeks": weeks,
        "dates": [d.isoformat() for d in dates],
        "series": [s.to_json() for s in series],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


LONG_COLUMNS = ("plan", "as_of", "scope", "site_id", "kpi", "value")


def render_csv(series: list[Series]) -> str:
    """The weekly points in long format, one row a point: plan, as_of, scope, site_id, kpi, value
    (counts written as integers, an unknown value empty)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(LONG_COLUMNS)
    for s in series:
        for day, value in zip(s.dates, s.values, strict=True):
            writer.writerow([s.plan, day.isoformat(), s.scope, s.site_id or "", s.kpi,
                             "" if value is None else repr(value)])
    return buffer.getvalue()


def long_table(series: list[Series]) -> Any:
    """The same points as a pyarrow Table: as_of date32, value float64 (one column holds every KPI, so
    counts are exact integers in a float column), the rest strings."""
    import pyarrow as pa

    rows = [(s.plan, day, s.scope, s.site_id, s.kpi, None if v is None else float(v))
            for s in series for day, v in zip(s.dates, s.values, strict=True)]
    columns = list(zip(*rows, strict=True)) if rows else [[] for _ in LONG_COLUMNS]
    types = (pa.string(), pa.date32(), pa.string(), pa.string(), pa.string(), pa.float64())
    return pa.table({name: pa.array(list(values), type=kind)
                     for name, values, kind in zip(LONG_COLUMNS, columns, types, strict=True)})


SCALE_NOTE = ("Trend: one scale per KPI across a plan's sites (▁ its lowest value, █ its highest); the "
              "portfolio row has its own.")


def scales(series: list[Series]) -> dict[tuple[str, str, str], tuple[float, float]]:
    """(plan, scope, kpi) → (min, max) over the series' known values: sites of a plan share a scale per
    KPI so their sparklines compare; the portfolio (a sum or a mean) keeps its own."""
    out: dict[tuple[str, str, str], tuple[float, float]] = {}
    for s in series:
        known = [v for v in s.values if v is not None]
        if not known:
            continue
        key = (s.plan, s.scope, s.kpi)
        lo, hi = out.get(key, (min(known), max(known)))
        out[key] = (min(lo, *known), max(hi, *known))
    return out


def scaled_sparkline(values: list[float | None], lo: float, hi: float) -> str:
    """`sparkline` on a given scale (a flat series sits where its value is on that scale)."""
    span = hi - lo
    out = []
    for v in values:
        if v is None:
            out.append(" ")
        else:
            out.append(SPARKS[0] if span == 0 else SPARKS[min(int((v - lo) / span * len(SPARKS)), len(SPARKS) - 1)])
    return "".join(out)


def _rows(series: list[Series], currency: str | None) -> list[dict[str, str]]:
    from energyplan.render.kpi_table import format_value

    limits = scales(series)
    rows = []
    for s in series:
        change = s.change
        pct = s.change_pct
        lo, hi = limits.get((s.plan, s.scope, s.kpi), (0.0, 0.0))
        rows.append({
            "plan": s.plan, "site": s.site_id if s.scope == "site" else "portfolio",
            "kpi": KPIS[s.kpi].header_in(currency or "currency").replace("\n", " "),
            "last": format_value(s.kpi, s.last),
            "change": "—" if change is None else ("+" if change > 0 else "") + format_value(s.kpi, change),
            "pct": "—" if pct is None else (f"{pct:+,.1f} %" if round(pct, 1) else "0.0 %"),
            "trend": scaled_sparkline(s.values, lo, hi),
        })
    return rows


def build_trend_table(series: list[Series], currency: str | None = None, width: int = 10_000) -> Any:
    """The Rich view: last value, change over the window (absolute and %), sparkline, one row a KPI.

    A table when it fits `width`; else a block per plan and site (no Site/Plan columns); past that the
    sparklines are dropped with a note: Last and Change are the answer and are never cut."""
    from rich.console import Console, Group
    from rich.measure import Measurement
    from rich.table import Table
    from rich.text import Text

    rows = _rows(series, currency)
    multi_plan = len({s.plan for s in series}) > 1
    console = Console(width=100_000, file=None)

    def fits(renderable: Any) -> bool:
        return Measurement.get(console, console.options, renderable).maximum <= width

    table = Table(header_style="bold", pad_edge=False, caption=SCALE_NOTE, caption_justify="left")
    if multi_plan:
        table.add_column("Plan", no_wrap=True)
    for head, justify in (("Site", "left"), ("KPI", "left"), ("Last", "right"), ("Change", "right"),
                          ("Change %", "right"), ("Trend", "left")):
        table.add_column(head, justify=justify, no_wrap=True)  # type: ignore[arg-type]
    previous = None
    for i, (s, r) in enumerate(zip(series, rows, strict=True)):
        key = (s.plan, s.site_id)
        cells = [r["site"] if key != previous else "", r["kpi"], r["last"], r["change"], r["pct"], r["trend"]]
        if multi_plan:
            cells.insert(0, r["plan"] if key != previous else "")
        last_of_site = i + 1 == len(series) or (series[i + 1].plan, series[i + 1].site_id) != key
        table.add_row(*(Text(c) for c in cells), end_section=last_of_site)
        previous = key
    if fits(table):
        return table

    def blocks(with_trend: bool) -> Any:
        grid = Table.grid(padding=(0, 2))
        grid.add_column(no_wrap=True)
        for _ in range(4 if with_trend else 3):
            grid.add_column(justify="right", no_wrap=True)
        if with_trend:
            grid.add_column(no_wrap=True)
        grid.add_row(*(Text(h, style="bold") for h in ("KPI", "Last", "Change", "Change %", "Trend")[
            : 5 if with_trend else 4]))
        previous = None
        for s, r in zip(series, rows, strict=True):
            key = (s.plan, s.site_id)
            if key != previous:
                title = f"{r['plan']} · {r['site']}" if multi_plan else r["site"]
                grid.add_row(Text(title, style="bold"))
                previous = key
            cells = [f"  {r['kpi']}", r["last"], r["change"], r["pct"]] + ([r["trend"]] if with_trend else [])
            grid.add_row(*(Text(c) for c in cells))
        return grid

    narrow = blocks(True)
    if fits(narrow):
        return Group(narrow, Text(SCALE_NOTE))
    return Group(blocks(False), Text(f"(Trend sparklines left out: they need more than {width} columns.)"))
