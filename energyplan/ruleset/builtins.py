"""EP004 stale waivers: a waiver whose rule and record match no finding becomes a finding itself."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from energyplan.model import FINDING_COLUMNS, FindingBatch, RuleSpec, Waiver
from energyplan.ruleset.templates import parse_template

__all__ = ["FINDING_COLUMNS", "stale_waiver_batch"]


def stale_waiver_batch(spec: RuleSpec, stale: Sequence[Waiver]) -> FindingBatch:
    """One EP004 finding per stale waiver: table null, record_id = the waiver's record, no file."""
    import pandas as pd

    template = parse_template(spec.message, source=spec.source)
    frame = pd.DataFrame(
        {
            "table": pd.Series([None] * len(stale), dtype=object),
            "record_id": pd.Series([w.record for w in stale], dtype=object),
            "site_id": pd.Series([None] * len(stale), dtype=object),
            "file": pd.Series([None] * len(stale), dtype=object),
            "row": pd.Series([None] * len(stale), dtype="Int64"),
            "line": pd.Series([None] * len(stale), dtype="Int64"),
            "column": pd.Series([None] * len(stale), dtype=object),
            "rule_waived": [w.rule for w in stale],
            "reason": [w.reason for w in stale],
            "owner": [w.owner for w in stale],
            "expires": [w.expires for w in stale],
        }
    )

    def messages(sub: Any) -> list[str]:
        records = sub.rename(columns={"record_id": "record", "rule_waived": "rule"}).to_dict("records")
        return template.render(records)

    return FindingBatch(spec.code, frame, messages)
