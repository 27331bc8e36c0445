"""Helpers shared by the loader/validator tests: run validate_plan and list findings as plain dicts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from energyplan.config import Settings
from energyplan.plan.validate import ValidatedPlan, validate_plan
from energyplan.ruleset.builtins import codes_by_builtin
from energyplan.ruleset.spec import builtin_rules

CODE_OF = codes_by_builtin(builtin_rules())  # batches carry the builtin check name; tests speak in codes


def validate(root: Path, settings: Settings | None = None) -> ValidatedPlan:
    return validate_plan(root, settings or Settings())


def findings(plan: ValidatedPlan, rule: str | None = None) -> list[dict[str, Any]]:
    """Every finding of the plan (optionally of one rule) with its message rendered."""
    out = []
    for batch in plan.batches:
        code = CODE_OF[batch.rule]
        if rule is not None and code != rule:
            continue
        frame = batch.frame.reset_index(drop=True)
        messages = batch.messages(frame) if batch.messages else list(frame["message"])
        for rec, message in zip(frame.to_dict("records"), messages, strict=True):
            item = {k: (None if _isna(rec[k]) else rec[k]) for k in
                    ("table", "record_id", "site_id", "file", "row", "line", "column")}
            item["rule"] = code
            item["message"] = message
            out.append(item)
    return out


def one(plan: ValidatedPlan, rule: str = "EP000", **where: Any) -> dict[str, Any]:
    """The single finding of `rule` matching `where`; fails when there are none or several."""
    hits = [f for f in findings(plan, rule) if all(f[k] == v for k, v in where.items())]
    assert len(hits) == 1, f"expected one {rule} finding with {where}, got {hits or findings(plan)}"
    return hits[0]


def _isna(v: Any) -> bool:
    import pandas as pd

    return v is None or (not isinstance(v, (list, tuple)) and bool(pd.isna(v)))


def test_support_sees_no_findings_in_an_empty_plan(tmp_path: Path) -> None:
    from tests.helpers import write_plan

    assert findings(validate(write_plan(tmp_path))) == []
