"""Run the compiled `when` predicates of the selected rules on the facts frames → finding batches."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from energyplan.config import TARGET_KEYS, Settings
from energyplan.errors import RulePackError
from energyplan.facts.columns import AXIS_COLUMNS, AXIS_SCOPE, FACTS_TABLES
from energyplan.model import KEY_COLUMNS, FindingBatch, RuleSpec
from energyplan.ruleset.expr import compile_when, parse_when
from energyplan.ruleset.names import AS_OF, env_names
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


def _collapse(spec: RuleSpec, frame: Any, mask: Any) -> Any:
    """The matching rows of a time-axis table collapsed: per site (or for the plan), the first matching
    row with first_month, last_month and months_hit (how many rows match)."""
    hits = frame.loc[mask]
    key = ["site_id"] if AXIS_SCOPE[spec.table or ""] == "sites" else []
    if key:
        first = hits.drop_duplicates(key, keep="first").reset_index(drop=True)
        last = hits.drop_duplicates(key, keep="last").reset_index(drop=True)
        counts = hits.groupby(key[0], sort=False).size()
        first["months_hit"] = counts.reindex(first[key[0]]).to_numpy()
    else:
        first, last = hits.iloc[:1].reset_index(drop=True), hits.iloc[-1:].reset_index(drop=True)
        first["months_hit"] = len(hits)
    if "month" in frame.columns:
        first["first_month"] = first["month"]
        first["last_month"] = last["month"].to_numpy()
    else:
        first["first_month"] = first["last_month"] = None
    return first


def evaluate_axis_rule(spec: RuleSpec, frame: Any, *, sites: Any, sites_file: str | None,
                       config_file: str | None, key_lines: Mapping[str, int], as_of: dt.date,
                       targets: Mapping[str, float]) -> FindingBatch:
    """A rule over a month or year table: `when` runs on every row, the hits collapse to one finding per
    site (pointing at the site's row of the sites table) or one per plan (pointing at the configuration
    file's line of the target it compares with, else line 1; without a config file at the sites file)."""
    import pandas as pd

    names = env_names(spec)
    env = rule_env(spec, as_of=as_of, targets=targets)
    predicate = compile_when(parse_when(spec.when or "", source=spec.source), env_names=names, source=spec.source)
    mask = predicate(frame, env)
    rows = _collapse(spec, frame, mask)
    template = parse_template(spec.message, source=spec.source)
    fields = [f for f in template.fields if f not in names]
    missing = [f for f in fields if f not in rows.columns]
    if missing:
        raise RulePackError(f"{spec.source}: message: no column {missing[0]!r} in the {spec.table} facts")
    n = len(rows)
    if AXIS_SCOPE[spec.table or ""] == "sites":
        at = pd.Index(sites["site_id"]).get_indexer(rows["site_id"])
        ok = at >= 0
        out = pd.DataFrame({
            "table": "sites", "record_id": rows["site_id"].to_numpy(dtype=object), "site_id":
            rows["site_id"].to_numpy(dtype=object), "file": sites_file,
            "row": pd.array([int(v) if k else None for v, k in zip(sites["_row"].to_numpy()[at], ok, strict=True)],
                            dtype="Int64") if n else pd.array([], dtype="Int64"),
            "line": pd.array(sites["_line"].to_numpy(dtype=object)[at], dtype="Int64") if n
            else pd.array([], dtype="Int64"),
            "column": None}, index=pd.RangeIndex(n))
    else:
        file, line = sites_file, 1
        if config_file is not None:
            file, line = config_file, _locate_line(spec, rows, frame.loc[mask], env, names, key_lines)
        out = pd.DataFrame({"table": ["plan"] * n, "record_id": ["portfolio"] * n, "site_id": [None] * n,
                            "file": [file] * n, "row": pd.array([None] * n, dtype="Int64"),
                            "line": pd.array([line] * n, dtype="Int64"), "column": [None] * n})
    for f in fields:
        out[f"_f_{f}"] = rows[f].to_numpy(dtype=object)
    constants = {k: v for k, v in env.items() if k in template.fields}

    def messages(sub: Any) -> list[str]:
        return template.render_columns({f: sub[f"_f_{f}"].tolist() for f in fields}, len(sub), constants)

    return FindingBatch(spec.code, out, messages)


def _locate_line(spec: RuleSpec, rows: Any, hits: Any, env: Mapping[str, Any], names: frozenset[str],
                 key_lines: Mapping[str, int]) -> int:
    """The line of the first `locate` key that is set and whose `when` matches one of the hit rows (a key
    written inside an inline table, `targets = { … }`, has its table's line)."""
    for key, when in spec.locate:
        parts = key.split(".")
        line = next((key_lines[k] for k in (".".join(parts[:i]) for i in range(len(parts), 0, -1))
                     if k in key_lines), None)
        if line is None:
            continue
        if when is None:
            return line
        predicate = compile_when(parse_when(when, source=spec.source), env_names=names, source=spec.source)
        if bool(predicate(hits, dict(env)).any()):
            return line
    return 1


def run_rules(specs: Sequence[RuleSpec], tables: Mapping[str, Any], plan: Any, settings: Settings, *,
              as_of: dt.date | None = None) -> tuple[list[FindingBatch], list[dict[str, str]]]:
    """Evaluate every selected predicate rule on its facts table (`tables`: facts table name → frame);
    skip (and say why) those whose input tables did not load.

    Built-in rules are not run here: validation and the collector produce them.
    """
    import os

    as_of = as_of or settings.resolved_as_of()
    batches: list[FindingBatch] = []
    skipped: list[dict[str, str]] = []
    config_file = None
    if settings.source is not None:
        config_file = os.path.relpath(settings.source, plan.root).replace(os.sep, "/")
    key_lines = settings.key_lines
    for spec in specs:
        if spec.builtin is not None or spec.when is None or spec.table is None:
            continue
        inputs = dict.fromkeys((*FACTS_TABLES[spec.table], *spec.needs))
        missing = [t for t in inputs if t not in plan.loaded]
        if missing:
            tables_text = " and ".join(missing)
            skipped.append({"rule": spec.code, "reason": f"table {tables_text} did not load" if len(missing) == 1
                            else f"tables {tables_text} did not load"})
            continue
        frame = tables.get(spec.table)
        if frame is None:  # a caller that did not compute this axis (the pipeline computes what is selected)
            skipped.append({"rule": spec.code, "reason": f"the {spec.table} facts were not computed"})
            continue
        if spec.table in AXIS_COLUMNS:
            batches.append(evaluate_axis_rule(
                spec, frame, sites=tables["sites"], sites_file=plan.files.get("sites"), config_file=config_file,
                key_lines=key_lines, as_of=as_of, targets=settings.targets))
            continue
        batches.append(evaluate_rule(spec, frame, file=plan.files.get(spec.table), as_of=as_of,
                                     targets=settings.targets))
    return batches, skipped
