"""The one table of energyplan.toml keys, kinds, ranges and defaults: the loader and the JSON Schema read it."""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from energyplan.errors import ConfigError
from energyplan.fsread import show

# plan-format.md: dates are judged in years 1900–2199 (date arithmetic a few centuries on stays in range).
DATE_MIN = dt.date(1900, 1, 1)
DATE_MAX = dt.date(2199, 12, 31)
PATHWAY_YEARS = (1900, 2200)  # outlook.md: pathway years are integers 1900–2200
# Rule parameters (rules.md lets users override any): numbers must be finite and within ±1e9; a
# parameter named *_days moves dates, so it is a whole number of days, 0–36500 (100 years).
PARAM_LIMIT = 1e9
DAYS_PARAM_MAX = 36500
MAX_TEXT_PARAM = 1000
_ZONE = re.compile(r"^[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+){0,3}$")


@dataclass(frozen=True)
class Key:
    """One configuration key: dotted name, kind, range (inclusive unless `exclusive_minimum`), default."""

    key: str
    kind: str  # number | integer | currency | date | zone | pathway | codes | choice | severities | params | paths
    doc: str
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: bool = False
    default: Any = None

    def range_text(self) -> str:
        low = "" if self.minimum is None else f"{_num(self.minimum)} {'<' if self.exclusive_minimum else '≤'} "
        high = "" if self.maximum is None else f" ≤ {_num(self.maximum)}"
        return f"{low}x{high}"


def _num(x: float) -> str:
    return f"{x:g}" if abs(x) >= 1e6 else f"{x:.12g}"


_CI = "gCO2e/kWh"
KEYS: dict[str, Key] = {k.key: k for k in (
    Key("currency", "currency", "plan currency: an ISO 4217 code", default="EUR"),
    Key("as_of", "date", "the date the plan is judged at (default: today); --as-of overrides"),
    Key("fx.*", "number", "plan-currency units per one unit of this currency", 0, PARAM_LIMIT, True),
    Key("targets.carbon_intensity_g_per_kwh", "number", f"flat carbon-intensity target, {_CI} (EP601)", 0, 1500),
    Key("targets.cfe_pct", "number", "24/7 carbon-free-energy target, % (EP802/EP803)", 0, 100),
    Key("targets.carbon_intensity_pathway", "pathway", f"carbon-intensity pathway by year, {_CI} (EP704)", 0, 1500),
    Key("targets.emissions_pathway_t", "pathway", "portfolio emissions pathway by year, t CO2e (EP704)", 0, 1e12),
    Key("outlook.months", "integer", "outlook horizon in months; --months overrides", 1, 240, default=36),
    Key("hourly.clock", "zone", "plan clock: UTC or an IANA time zone", default="UTC"),
    Key("hourly.round_trip_efficiency", "number", "battery round-trip efficiency", 0, 1, True, default=0.9),
    Key("hourly.min_soc_pct", "number", "battery floor, % of its energy", 0, 100, default=10.0),
    Key("hourly.reserve_hours", "number", "hours of sensitive load kept in reserve", 0, 168, default=2.0),
    Key("rules.paths", "paths", "extra rule packs: folders or files, relative to this file"),
    Key("rules.select", "codes", "rule codes or prefixes to run (default: all)"),
    Key("rules.ignore", "codes", "rule codes or prefixes not to run"),
    Key("rules.fail_on", "choice", "lowest severity that fails the run", default="error"),
    Key("rules.severity", "severities", "per-rule (or prefix) severity override"),
    Key("rules.params", "params", "rule parameter overrides: [rules.params.CODE] name = value"),
    Key("waivers", "waivers", "accepted exceptions; each needs rule, record, reason, owner, expires"),
)}
WAIVER_KEYS: tuple[str, ...] = ("rule", "record", "reason", "owner", "expires")
TOP_KEYS: tuple[str, ...] = tuple(dict.fromkeys(k.split(".")[0] for k in KEYS))
TABLE_KEYS: dict[str, tuple[str, ...]] = {
    top: tuple(k.split(".", 1)[1] for k in KEYS if k.startswith(top + ".") and not k.endswith("*"))
    for top in TOP_KEYS
}


def check_number(spec: Key, value: Any) -> str | None:
    """Why `value` does not fit the numeric key `spec`, or None. Works on huge ints without float()."""
    what = "a whole number" if spec.kind == "integer" else "a number"
    ok_type = isinstance(value, int) if spec.kind == "integer" else isinstance(value, (int, float))
    if isinstance(value, bool) or not ok_type:
        return f"must be {what} ({spec.range_text()}), got {type(value).__name__} {show(value)}"
    if isinstance(value, float) and not math.isfinite(value):
        return f"must be a finite number ({spec.range_text()}), got {value!r}"
    low_ok = spec.minimum is None or (value > spec.minimum if spec.exclusive_minimum else value >= spec.minimum)
    if not low_ok or (spec.maximum is not None and value > spec.maximum):
        return f"must be {what} with {spec.range_text()}, got {show(value, 40)}"
    return None


def check_date(value: dt.date) -> str | None:
    if not DATE_MIN <= value <= DATE_MAX:
        return f"must be a date in the years {DATE_MIN.year}–{DATE_MAX.year}, got {value.isoformat()}"
    return None


def check_zone(value: Any) -> str | None:
    """UTC or an IANA zone name that this system's zone database knows."""
    if not isinstance(value, str) or len(value) > 64 or not _ZONE.match(value):
        return f"must be \"UTC\" or an IANA time zone such as \"Europe/Berlin\", got {show(value)}"
    import zoneinfo

    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return f"must be \"UTC\" or an IANA time zone such as \"Europe/Berlin\"; {value!r} is not a known zone"
    return None


def check_pathway(spec: Key, value: Any, src: Path) -> dict[int, float]:
    """A pathway table {year = value}: integer years 1900–2200, values in range; sorted by year."""
    example = f"{spec.key} = {{ 2026 = 300, 2030 = 100 }}"
    if not isinstance(value, dict):
        raise ConfigError(f"{src}: {spec.key} must be a table of year = value, e.g. {example}; got {show(value)}")
    out: dict[int, float] = {}
    low, high = PATHWAY_YEARS
    for year, v in value.items():
        if not (year.isascii() and year.isdigit() and len(year) == 4 and low <= int(year) <= high):
            raise ConfigError(f"{src}: {spec.key}: {show(year, 40)} is not a year (an integer {low}–{high}), "
                              f"e.g. {example}")
        problem = check_number(spec, v)
        if problem:
            raise ConfigError(f"{src}: {spec.key}.{year} {problem}")
        out[int(year)] = float(v)
    return dict(sorted(out.items()))


def param_range(name: str) -> tuple[float, float, str]:
    """(low, high, words) for a rule parameter, by its name."""
    if name.endswith("_days"):
        return 0, DAYS_PARAM_MAX, f"a whole number of days, 0–{DAYS_PARAM_MAX} (100 years)"
    return -PARAM_LIMIT, PARAM_LIMIT, "a finite number between -1e9 and 1e9"


def check_param(name: str, value: Any) -> str | None:
    """Why a rule parameter's value is out of bounds (rule file default or [rules.params] override)."""
    if isinstance(value, str):
        return f"is text longer than {MAX_TEXT_PARAM} characters" if len(value) > MAX_TEXT_PARAM else None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    low, high, words = param_range(name)
    finite = not isinstance(value, float) or math.isfinite(value)
    whole = not name.endswith("_days") or isinstance(value, int) or (finite and float(value).is_integer())
    if not (finite and whole and low <= value <= high):
        return f"must be {words}, got {show(value, 40)}"
    return None
