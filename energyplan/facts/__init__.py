"""The facts layer: frames and KPIs computed once from a validated plan (imports pandas only when used)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from energyplan.facts.options import FactsOptions

if TYPE_CHECKING:
    from energyplan.facts.today import Facts, build_facts

__all__ = ["Facts", "FactsOptions", "build_facts"]


def __getattr__(name: str) -> Any:
    # `import energyplan.facts.registry` (rules list, docs) must not pull in pandas: load it on first use
    if name in ("Facts", "build_facts"):
        from energyplan.facts import today

        return getattr(today, name)
    raise AttributeError(f"module 'energyplan.facts' has no attribute {name!r}")
