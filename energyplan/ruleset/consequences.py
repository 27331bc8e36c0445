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


class _Summary:
    """Per `key` value of some lost cells and rows: the first one and how many there are.

    The note's text ("contracts.csv:3 and 4 more") is built only for the values asked about: a plan whose
    every row is bad loses millions of cells, and only the listed findings (capped per rule) need a note."""

    def __init__(self, pd: Any, lost: Any, key: str) -> None:
        import numpy as np

        lost = lost[lost[key].notna()]
        # keys in order of first appearance; the column itself, not an object copy: Arrow hashes the text
        codes, keys = pd.factorize(lost[key], sort=False)
        self._keys = pd.Index(keys)
        self._count = np.bincount(codes, minlength=len(keys))
        first = np.zeros(len(keys), dtype=np.int64)
        first[codes[::-1]] = np.arange(len(codes) - 1, -1, -1)  # the last write per key is its first row
        self._first = lost.iloc[first]  # one row per key is all a note names

    def __len__(self) -> int:
        return len(self._keys)

    def notes(self, values: Any) -> Any:
        """The note for each value (an object array; None where nothing keyed by it was lost)."""
        import numpy as np

        out = np.full(len(values), None, dtype=object)
        if not len(self._keys) or not len(values):
            return out
        pos = self._keys.get_indexer(values)
        hit = pos >= 0
        if hit.any():
            used = np.unique(pos[hit])
            where = _located(self._first.iloc[used]).tolist()
            text = [w if n == 1 else f"{w} and {n - 1:,} more"
                    for w, n in zip(where, self._count[used].tolist(), strict=True)]
            out[hit] = np.asarray(text, dtype=object)[np.searchsorted(used, pos[hit])]
        return out


def annotate(batches: Sequence[FindingBatch], specs: Mapping[str, RuleSpec], lost: Mapping[str, Any],
             schema_code: str | None) -> list[FindingBatch]:
    """Rule batches whose findings may follow from lost data get the note in their messages (built for the
    listed findings only, when their messages are)."""
    import pandas as pd

    frames = {t: f for t, f in lost.items() if f is not None and len(f)}
    if not frames or schema_code is None:
        return list(batches)
    # Rules share input tables: each (tables, key) summary is computed once, not once per rule.
    summaries: dict[tuple[tuple[str, ...], str], _Summary] = {}

    def summary(tables: tuple[str, ...], key: str) -> _Summary:
        if (tables, key) not in summaries:
            parts = [f for t, f in frames.items() if t in tables]  # in the plan's table order
            empty = next(iter(frames.values())).iloc[:0]
            summaries[(tables, key)] = _Summary(pd, pd.concat(parts, ignore_index=True) if parts else empty, key)
        return summaries[(tables, key)]

    out = []
    for batch in batches:
        spec = specs.get(batch.rule)
        if spec is None or spec.builtin is not None or spec.table is None or not len(batch.frame):
            out.append(batch)
            continue
        inputs = tuple(sorted(set(FACTS_TABLES.get(spec.table, ())) | set(spec.needs)))
        by_site = summary(inputs, "site_id")
        own = summary((spec.table,), "record_id") if spec.table in inputs and spec.table in frames else None
        if not len(by_site) and not (own is not None and len(own)):
            out.append(batch)
            continue
        out.append(_with_note(batch, own, by_site, schema_code))
    return out


def _with_note(batch: FindingBatch, own: _Summary | None, by_site: _Summary, code: str) -> FindingBatch:
    """The batch with messages that name what its rows' record (else their site) lost."""
    inner = batch.messages

    def messages(sub: Any) -> list[str]:
        texts = inner(sub) if inner is not None else [str(m) for m in sub["message"]]
        notes = by_site.notes(sub["site_id"])
        if own is not None:  # the finding's own record first, then its site
            mine = own.notes(sub["record_id"])
            notes = [m if m is not None else n for m, n in zip(mine, notes, strict=True)]
        return [t if n is None else f"{t} (may be a consequence of {n} {code})"
                for t, n in zip(texts, notes, strict=True)]

    return FindingBatch(batch.rule, batch.frame, messages)
