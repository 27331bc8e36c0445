"""The names a rule may use besides its facts table's columns: as_of, the targets, its params."""

from __future__ import annotations

from energyplan.config import TARGET_KEYS
from energyplan.model import RuleSpec

AS_OF = "as_of"
TARGET_NAMES = tuple(f"target_{k}" for k in TARGET_KEYS)


def env_names(spec: RuleSpec) -> frozenset[str]:
    """Names a rule's `when` and message may use besides its table's columns."""
    return frozenset({AS_OF, *TARGET_NAMES, *(p.name for p in spec.params)})
