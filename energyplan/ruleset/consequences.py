"""Findings that may follow from data lost to a schema finding say so, instead of passing as problems of
their own: "may be a consequence of contracts.csv:3 (EP000)" (issue: cascading false errors).

A rule reads its facts table, built from some input tables (facts.columns.FACTS_TABLES, plus `needs`). A
cell nulled or a row left out by validation in one of those tables, at the finding's site (or on the
finding's own record), is named in the finding's message. Vectorised: one join per rule batch.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from energyplan.facts.columns import FACTS_TABLES
from energyplan.model import FindingBatch, RuleSpec


def _located(lost: Any) -> Any:
    """`file:line` (or `file row N` for Parquet) of each lost cell or row."""
    line = lost["line"].astype("Int64").astype(str)
    row = lost["row"].astype("Int64").astype(str)
    where = lost["file"].astype(str) + ":" + line
    return where.where(lost["line"].notna(), lost["file"].astype(str) + " row " + row)


def _summary(pd: Any, lost: Any, key: str) -> Any:
    """Per `key` value: the first lost location and how many more there are."""
    lost = lost[lost[key].notna()]
    if not len(lost):
        return pd.Series(dtype=object)
    where = _located(lost)
    first = where.groupby(lost[key].to_numpy(), sort=False).first()
    count = where.groupby(lost[key].to_numpy(), sort=False).size()
    return pd.Series([f"{w}" if n == 1 else f"{w} and {n - 1:,} more" for w, n in zip(first, count, strict=True)],
                     index=first.index, dtype=object)


def annotate(batches: Sequence[FindingBatch], specs: Mapping[str, RuleSpec], lost: Mapping[str, Any],
             schema_code: str | None) -> list[FindingBatch]:
    """Rule batches whose findings may follow from lost data get the note in their messages."""
    import pandas as pd

    frames = [f for f in lost.values() if f is not None and len(f)]
    if not frames or schema_code is None:
        return list(batches)
    every = pd.concat(frames, ignore_index=True)
    out = []
    for batch in batches:
        spec = specs.get(batch.rule)
        frame = batch.frame
        if spec is None or spec.builtin is not None or spec.table is None or not len(frame):
            out.append(batch)
            continue
        inputs = set(FACTS_TABLES.get(spec.table, ())) | set(spec.needs)
        relevant = every[every["table"].isin(sorted(inputs))]
        if not len(relevant):
            out.append(batch)
            continue
        by_site = _summary(pd, relevant, "site_id")
        own = _summary(pd, relevant[relevant["table"] == spec.table], "record_id")
        note = frame["record_id"].map(own) if spec.table in lost else pd.Series(None, index=frame.index)
        note = note.where(note.notna(), frame["site_id"].map(by_site))
        if not note.notna().any():
            out.append(batch)
            continue
        out.append(_with_note(batch, note, schema_code))
    return out


def _with_note(batch: FindingBatch, note: Any, code: str) -> FindingBatch:
    frame = batch.frame.copy()
    frame["_consequence"] = note.to_numpy(dtype=object)
    inner = batch.messages

    def messages(sub: Any) -> list[str]:
        texts = inner(sub) if inner is not None else [str(m) for m in sub["message"]]
        notes = sub["_consequence"].astype(object).where(sub["_consequence"].notna(), None).tolist()
        return [t if n is None else f"{t} (may be a consequence of {n} {code})"
                for t, n in zip(texts, notes, strict=True)]

    return FindingBatch(batch.rule, frame, messages)
