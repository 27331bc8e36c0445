"""The one registry of built-in rule implementations, selected by `builtin = "<name>"` in a rule's TOML.

Rule codes live only in rules/*.toml: checks that run outside the `when` engine (the plan loader's
schema and reference checks, stale waivers) tag their finding batches with a built-in *name*, and the
pipeline maps each name to the code of the rule file that names it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from energyplan.model import FINDING_COLUMNS, FindingBatch, RuleSpec, Waiver
from energyplan.ruleset.templates import parse_template


@dataclass(frozen=True)
class Builtin:
    """What a built-in implementation is: where its findings come from and what its message may use.

    `fields`: the template fields its TOML message may use (None: it writes its own messages).
    `plan_check`: produced while loading the plan (runs for `validate` too).
    `integrity`: a data-integrity check: an error-level finding makes `kpi`, `outlook` and `adequacy`
    refuse to write numbers from the plan.
    """

    fields: frozenset[str] | None = None
    plan_check: bool = False
    integrity: bool = False


BUILTINS: dict[str, Builtin] = {
    "schema": Builtin(plan_check=True, integrity=True),
    "reference": Builtin(plan_check=True, integrity=True),
    "dates": Builtin(plan_check=True, integrity=True),
    "currency": Builtin(plan_check=True, integrity=True),
    "unknown-column": Builtin(plan_check=True),
    "normalised-value": Builtin(plan_check=True),
    "unread-file": Builtin(plan_check=True),
    "stale-waiver": Builtin(fields=frozenset({"rule", "record", "reason", "owner", "expires"})),
}
STALE_WAIVER = "stale-waiver"


def builtin_of(spec: RuleSpec) -> Builtin | None:
    return BUILTINS.get(spec.builtin) if spec.builtin else None


def codes_by_builtin(specs: Iterable[RuleSpec]) -> dict[str, str]:
    """Built-in name → the code of the rule file that implements it."""
    return {s.builtin: s.code for s in specs if s.builtin}


def is_plan_check(spec: RuleSpec) -> bool:
    b = builtin_of(spec)
    return b is not None and b.plan_check


def is_integrity(spec: RuleSpec) -> bool:
    b = builtin_of(spec)
    return b is not None and b.integrity


def tag_batches(batches: Sequence[FindingBatch], specs: Iterable[RuleSpec]) -> list[FindingBatch]:
    """Batches with their built-in name replaced by the rule code (batches already coded stay)."""
    codes = codes_by_builtin(specs)
    return [FindingBatch(codes.get(b.rule, b.rule), b.frame, b.messages) for b in batches]


def stale_waiver_batch(spec: RuleSpec, stale: Sequence[Waiver]) -> FindingBatch:
    """One finding per stale waiver: table null, record_id = the waiver's record, no file."""
    import pandas as pd

    template = parse_template(spec.message, source=spec.source)
    n = len(stale)
    frame = pd.DataFrame({c: pd.Series([None] * n, dtype="Int64" if c in ("row", "line") else object)
                          for c in FINDING_COLUMNS})
    frame["record_id"] = pd.Series([w.record for w in stale], dtype=object)
    frame["rule_waived"] = [w.rule for w in stale]
    frame["reason"] = [w.reason for w in stale]
    frame["owner"] = [w.owner for w in stale]
    frame["expires"] = [w.expires for w in stale]

    def messages(sub: Any) -> list[str]:
        records = sub.rename(columns={"record_id": "record", "rule_waived": "rule"}).to_dict("records")
        return template.render(records)

    return FindingBatch(spec.code, frame, messages)
