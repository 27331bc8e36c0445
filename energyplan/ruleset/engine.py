"""Run the compiled `when` predicates of the selected rules on the facts frames → finding batches."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from energyplan.config import TARGET_KEYS, Settings
from energyplan.errors import RulePackError
from energyplan.facts.columns import FACTS_TABLES
from energyplan.model import KEY_COLUMNS, FindingBatch, RuleSpec
from energyplan.ruleset.expr import compile_when, parse_when
from energyplan.ruleset.spec import AS_OF, env_names
from energyplan.ruleset.templates import parse_template


def rule_env(spec: RuleSpec, *, as_of: dt.date, targets: Mapping[str, float]) -> dict[str, Any]:
    """Values of the non-column names: params in force, as_of (a Timestamp, comparable to date columns)
    and every target_<name> (None when `[targets]` does not set it)."""
    import pandas as pd

    env: dict[str, Any] = {AS_OF: pd.Timestamp(as_of)}
    env.update({f"target_{k}": targets.get(k) for k in TARGET_KEYS})
    env.update({p.name: p.value for p in spec.params})
    return env


def evaluate_rule(spec: RuleSpec, frame: Any, *, file: str | None, as_of: dt.date,
                  targets: Mapping[str, float]) -> FindingBatch:
    """The findings of one rule on its facts frame, messages rendered lazily for the rows asked for."""
    if spec.when is None or spec.table is None:
        raise ValueError(f"{spec.code} has no `when` predicate to evaluate")
    names = env_names(spec)
    env = rule_env(spec, as_of=as_of, targets=targets)
    predicate = compile_when(parse_when(spec.when, source=spec.source), env_names=names, source=spec.source)
    mask = predicate(frame, env)
    template = parse_template(spec.message, source=spec.source)
    key = KEY_COLUMNS[spec.table]
    fields = [f for f in template.fields if f not in names]
    # Only the columns a finding and its message use: taking the hit rows of every facts column cost
    # more than the predicate. Series, not numpy arrays: converting a million Arrow-backed strings to
    # objects and back is the single most expensive step otherwise.
    wanted = [c for c in dict.fromkeys((key, "site_id", "_row", "_line", *fields)) if c in frame.columns]
    hits = frame.loc[mask, wanted].reset_index(drop=True)
    import pandas as pd

    def col(name: str) -> Any:
        return hits[name] if name in hits.columns else None

    out = pd.DataFrame({"table": spec.table, "record_id": hits[key], "site_id": col("site_id"), "file": file,
                        "row": col("_row"), "line": col("_line"), "column": spec.column}, index=hits.index)
    missing = [f for f in fields if f not in hits.columns]
    if missing:
        raise RulePackError(f"{spec.source}: message: no column {missing[0]!r} in the {spec.table} facts")
    for f in fields:  # prefixed: a field may share a name with a finding column (site_id, ...)
        out[f"_f_{f}"] = hits[f]
    constants = {k: v for k, v in env.items() if k in template.fields}

    def messages(sub: Any) -> list[str]:
        # Column lists, not to_dict("records"): boxing every cell into a dict per row cost more than
        # the formatting itself.
        return template.render_columns({f: sub[f"_f_{f}"].tolist() for f in fields}, len(sub), constants)

    return FindingBatch(spec.code, out, messages)


def run_rules(specs: Sequence[RuleSpec], facts: Any, plan: Any, settings: Settings, *,
              as_of: dt.date | None = None) -> tuple[list[FindingBatch], list[dict[str, str]]]:
    """Evaluate every selected predicate rule; skip (and say why) those whose input tables did not load.

    Built-in rules (EP000–EP004) are not run here: validation and the collector produce them.
    """
    as_of = as_of or settings.resolved_as_of()
    batches: list[FindingBatch] = []
    skipped: list[dict[str, str]] = []
    for spec in specs:
        if spec.builtin is not None or spec.when is None or spec.table is None:
            continue
        inputs = dict.fromkeys((*FACTS_TABLES[spec.table], *spec.needs))
        missing = [t for t in inputs if t not in plan.loaded]
        if missing:
            tables = " and ".join(missing)
            skipped.append({"rule": spec.code, "reason": f"table {tables} did not load" if len(missing) == 1
                            else f"tables {tables} did not load"})
            continue
        frame = getattr(facts, spec.table)
        batches.append(evaluate_rule(spec, frame, file=plan.files.get(spec.table), as_of=as_of,
                                     targets=settings.targets))
    return batches, skipped
