"""What the facts layer needs to know beyond the plan: the date, the money, the horizons (no pandas)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class FactsOptions:
    """The inputs of `build_facts` besides the plan.

    `as_of` is the date D of docs/methodology.md; `fx` holds units of `currency` per one unit of another
    currency; `growth_horizon_days` is how far ahead `peak_demand_horizon_mw` looks (the caller maps a
    rule parameter onto it: the facts layer knows no rule).
    """

    as_of: dt.date
    currency: str = "EUR"
    fx: Mapping[str, float] = field(default_factory=dict)
    growth_horizon_days: int = 365


@dataclass(frozen=True)
class HourlyOptions:
    """`[hourly]` settings plus the day D the replay ends before."""

    as_of: dt.date
    clock: str = "UTC"
    round_trip_efficiency: float = 0.9
    min_soc_pct: float = 10
    reserve_hours: float = 2
    currency: str = "EUR"
    fx: Mapping[str, float] = field(default_factory=dict)
