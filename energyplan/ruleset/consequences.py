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
    """Per `key` value: the first lost location and how many more there are.

    The location text is built only for each key's first lost row (a plan whose every row is bad
    loses millions of cells; the note needs one location per key)."""
    import numpy as np

    lost = lost[lost[key].notna()]
    if not len(lost):
        return pd.Series(dtype=object)
    codes, keys = pd.factorize(lost[key].to_numpy(), sort=False)  # keys in order of first appearance
    count = np.bincount(codes, minlength=len(keys))
    first = np.zeros(len(keys), dtype=np.int64)
    first[codes[::-1]] = np.arange(len(codes) - 1, -1, -1)  # the last write per key is its first row
    where = _located(lost.iloc[first]).tolist()
    return pd.Series([w if n == 1 else f"{w} and {n - 1:,} more" for w, n in zip(where, count.tolist(), strict=True)],
                     index=pd.Index(keys), dtype=object)


def annotate(batches: Sequence[FindingBatch], specs: Mapping[str, RuleSpec], lost: Mapping[str, Any],
             schema_code: str | None) -> list[FindingBatch]:
    """Rule batches whose findings may follow from lost data get the note in their messages."""
    import pandas as pd

    frames = [f for f in lost.values() if f is not None and len(f)]
    if not frames or schema_code is None:
        return list(batches)
    every = pd.concat(frames, ignore_index=True)
    # Rules share input tables: each (tables, key) summary is computed once, not once per rule.
    summaries: dict[tuple[tuple[str, ...], str], Any] = {}

    def summary(tables: tuple[str, ...], key: str) -> Any:
        if (tables, key) not in summaries:
            summaries[(tables, key)] = _summary(pd, every[every["table"].isin(tables)], key)
        return summaries[(tables, key)]

    out = []
    for batch in batches:
        spec = specs.get(batch.rule)
        frame = batch.frame
        if spec is None or spec.builtin is not None or spec.table is None or not len(frame):
            out.append(batch)
            continue
        inputs = tuple(sorted(set(FACTS_TABLES.get(spec.table, ())) | set(spec.needs)))
        by_site = summary(inputs, "site_id")
        if not len(by_site) and not (spec.table in inputs and len(summary((spec.table,), "record_id"))):
            out.append(batch)
            continue
        own = summary((spec.table,), "record_id") if spec.table in inputs else pd.Series(dtype=object)
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
