"""The human view of `adequacy`: per site the CFE score, hourly vs annual carbon, shortfalls and their events."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from energyplan.facts.hours import Adequacy

NULL = "—"
MAX_EVENTS = 8  # per site; the worst first, the rest counted (the JSON and --hourly hold all of them)
_LABEL = 22  # width of the label column of a site block


def _num(value: Any, decimals: int = 1) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return NULL
    text = f"{value:,.{decimals}f}"
    return text.lstrip("-") if text.lstrip("-").strip("0.,") == "" else text


def _hours(n: Any) -> str:
    return f"{int(n):,} h"


def _wrap_list(items: list[str], width: int) -> list[str]:
    """Comma-separated ids on lines of at most `width`, never splitting an id."""
    lines, line = [], ""
    for i, item in enumerate(items):
        piece = item + ("," if i < len(items) - 1 else "")
        if line and len(line) + 1 + len(piece) > width:
            lines.append(line)
            line = piece
        else:
            line = f"{line} {piece}" if line else piece
    return [*lines, line] if line else lines or [""]


def _events_table(events: list[dict[str, Any]], width: int, indent: int) -> list[tuple[str, str]]:
    """Rows of the events table as (text, style): numbers right-aligned, incident ids wrapped whole."""
    heads = ("Start", "Hours", "Unserved MWh", "Curtailed MWh")
    cells = [(f"{e['start']:%Y-%m-%d %H:%M}", f"{e['hours']:,}", _num(e["unserved_mwh"]), _num(e["curtailed_mwh"]))
             for e in events]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(heads)]
    fixed = indent + sum(widths) + 2 * len(widths)
    room = width - fixed
    ids_of = [[x for x in str(e.get("incident_ids") or "").split(", ") if x and x != "nan"] or ["(no grid event)"]
              for e in events]
    longest = max((len(x) + 1 for ids in ids_of for x in ids), default=0)
    below = room < max(12, longest)  # too narrow: the incidents go on their own lines under the row
    pad = " " * indent

    def line(values: tuple[str, ...]) -> str:
        first = values[0].ljust(widths[0])
        return pad + "  ".join([first, *(v.rjust(w) for v, w in zip(values[1:], widths[1:], strict=True))]) + "  "

    out = [(line(heads).rstrip() if below else line(heads) + "Incidents", "bold")]
    for e, c, ids in zip(events, cells, ids_of, strict=True):
        style = "red" if e["unserved_mwh"] > 0 else ("yellow" if e["curtailed_mwh"] > 0 else "")
        if below:
            out.append((line(c).rstrip(), style))
            out += [(" " * (indent + 2) + part, "") for part in _wrap_list(ids, max(1, width - indent - 2))]
        else:
            parts = _wrap_list(ids, room)
            out.append((line(c) + parts[0], style))
            out += [(" " * fixed + part, "") for part in parts[1:]]
    return out


def _site_lines(site: dict[str, Any], events: list[dict[str, Any]], width: int) -> list[tuple[str, str]]:
    uns, cur = site["unserved_sensitive_mwh"], site["curtailed_tolerant_mwh"]
    hourly, annual = site["hourly_carbon_intensity_g_per_kwh"], site["annual_carbon_intensity_g_per_kwh"]
    gap = ""
    if hourly is not None and annual:
        pct = _num((hourly / annual - 1) * 100)
        gap = f" ({'' if pct.startswith('-') else '+'}{pct} % on annual)"
    elif hourly is not None and annual == 0 and hourly > 0:
        gap = " (annual matching says 0)"
    rows = [
        ("24/7 CFE score", f"{_num(site['cfe_pct'])} %" if site["cfe_pct"] is not None else NULL, ""),
        ("Carbon, hourly", f"{_num(hourly)} gCO2e/kWh{gap}" if hourly is not None else NULL, ""),
        ("Carbon, annual", f"{_num(annual)} gCO2e/kWh" if annual is not None else NULL, ""),
        ("Unserved sensitive", f"{_num(uns)} MWh over {_hours(site['unserved_hours'])} (longest "
                               f"{_hours(site['longest_unserved_run_h'])})" if uns > 0 else "none",
         "bold red" if uns > 0 else "green"),
        ("Curtailed tolerant", f"{_num(cur)} MWh over {_hours(site['curtailed_hours'])}" if cur > 0 else "none",
         "yellow" if cur > 0 else ""),
        ("Grid events", f"{site['grid_events']:,} ({_hours(site['event_hours'])})", ""),
        ("Battery cycles", _num(site["battery_cycles"]) if site["battery_cycles"] is not None else "no storage", ""),
    ]
    if site["ppa_left_out"]:
        rows.append(("PPAs left out", f"{site['ppa_left_out']:,} (carbon intensity above 0)", ""))
    out = [(f"{site['site_id']} ({site['site_type']})", "bold cyan")]
    for label, value, style in rows:
        out += _labelled(label, value, style, width)
    if events:
        worst = sorted(events, key=lambda e: (-e["unserved_mwh"], -e["curtailed_mwh"], e["start"]))[:MAX_EVENTS]
        shown = sorted(worst, key=lambda e: e["start"])
        out.append(("  Events (runs of grid-event or unserved hours)", ""))
        out += _events_table(shown, width, 4)
        if len(events) > len(shown):
            out.append((f"    … and {len(events) - len(shown):,} more (--format json, --hourly)", "dim"))
    return out


def _labelled(label: str, value: str, style: str, width: int) -> list[tuple[str, str]]:
    """`  label  value`, the value on its own line when both do not fit (it is never cut)."""
    head = f"  {label}".ljust(_LABEL)
    if len(head) + len(value) <= width:
        return [(head + value, style)]
    return [(f"  {label}", ""), (f"    {value}", style)]


def view_lines(adequacy: Adequacy, *, width: int, sites: list[str] | None = None) -> list[tuple[str, str]]:
    """The whole view as (line, Rich style) pairs; `text` prints the lines, `rich` colours them."""
    data = adequacy.to_json()
    chosen = [s for s in data["sites"] if sites is None or s["site_id"] in sites]
    by_site: dict[str, list[dict[str, Any]]] = {}
    for e in adequacy.events.to_dict(orient="records"):  # one dict per event run: what the view lists
        by_site.setdefault(str(e["site_id"]), []).append({str(k): v for k, v in e.items()})
    import datetime as dt

    last = adequacy.options.as_of - dt.timedelta(days=1)
    out = [(f"Hourly adequacy: last year's grid events replayed against the plan of {adequacy.options.as_of}",
            "bold"),
           (f"Replay year {adequacy.year_start} to {last} (365 days), clock {data['clock']}", "")]
    risk = [s for s in chosen if s["unserved_sensitive_mwh"] > 0]
    if risk:
        names = ", ".join(f"{s['site_id']} ({_num(s['unserved_sensitive_mwh'])} MWh)" for s in risk)
        out.append((f"Sensitive load would have gone unserved at {len(risk):,} site{'s' if len(risk) > 1 else ''}: "
                    f"{names}", "bold red"))
    else:
        out.append(("Every site would have carried its sensitive load through last year's grid events", "green"))
    for site in chosen:
        out.append(("", ""))
        out += _site_lines(site, by_site.get(site["site_id"], []), width)
    if sites is None:
        p = data["portfolio"]
        out += [("", ""), ("Portfolio", "bold cyan")]
        hourly, annual = p["hourly_carbon_intensity_g_per_kwh"], p["annual_carbon_intensity_g_per_kwh"]
        for label, value in (("24/7 CFE score", f"{_num(p['cfe_pct'])} %" if p["cfe_pct"] is not None else NULL),
                             ("Carbon, hourly", f"{_num(hourly)} gCO2e/kWh" if hourly is not None else NULL),
                             ("Carbon, annual", f"{_num(annual)} gCO2e/kWh" if annual is not None else NULL),
                             ("Unserved sensitive", f"{_num(p['unserved_sensitive_mwh'])} MWh"),
                             ("Curtailed tolerant", f"{_num(p['curtailed_tolerant_mwh'])} MWh"),
                             ("Battery cycles", _num(p["battery_cycles"]) if p["battery_cycles"] is not None
                              else "no storage")):
            out += _labelled(label, value, "", width)
    return [(_fit(text, width), style) for text, style in out]


def _fit(text: str, width: int) -> str:
    """Sentences longer than the width wrap at spaces (ids and numbers stay whole)."""
    if len(text) <= width or " " not in text.strip():
        return text
    indent = len(text) - len(text.lstrip())
    words, lines, line = text.split(" "), [], ""
    for w in words:
        if line.strip() and len(line) + 1 + len(w) > width:
            lines.append(line)
            line = " " * (indent + 2) + w
        else:
            line = f"{line} {w}" if line else w
    return "\n".join([*lines, line])


def render_adequacy(adequacy: Adequacy, *, width: int, color: bool, fmt: str = "rich",
                    sites: list[str] | None = None) -> str:
    """`fmt` "text": plain lines; "rich": the same lines with colour (no other difference, so both fit)."""
    lines = view_lines(adequacy, width=width, sites=sites)
    if fmt == "text" or not color:
        return "\n".join(text for text, _ in lines) + "\n"
    import io

    from rich.console import Console
    from rich.text import Text

    buf = io.StringIO()
    console = Console(file=buf, force_terminal=True, color_system="standard", width=width, highlight=False,
                      emoji=False)
    for text, style in lines:
        console.print(Text(text, style=style or ""), no_wrap=True, overflow="ignore", crop=False)
    return buf.getvalue()
