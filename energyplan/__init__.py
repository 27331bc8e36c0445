"""energyplan: audit AI compute and energy plans (validation, anti-pattern rules, shared KPIs).

The public API (`energyplan.audit`, `load`, `validate`, `kpis`, `diff`, `trend`) is imported on first
use, so `import energyplan` stays cheap (no pandas) for the command line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = ["AdequacyResult", "AuditResult", "KpiResult", "OutlookResult", "Plan", "TrendResult", "__version__",
           "adequacy", "audit", "diff", "kpis", "load", "outlook", "trend", "validate"]
_API = frozenset(__all__) - {"__version__"}

if TYPE_CHECKING:
    from energyplan.api import (
        AdequacyResult,
        AuditResult,
        KpiResult,
        OutlookResult,
        Plan,
        TrendResult,
        adequacy,
        audit,
        diff,
        kpis,
        load,
        outlook,
        trend,
        validate,
    )


def __getattr__(name: str) -> Any:
    if name in _API:
        from energyplan import api

        return getattr(api, name)
    raise AttributeError(f"module 'energyplan' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_API])
