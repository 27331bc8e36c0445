"""Finding batches → counts, waivers, baseline, sorted and capped listing (vectorized over all findings)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from energyplan.arrowops import isin
from energyplan.config import Settings
from energyplan.model import FAIL_ON_RANK, FINDING_COLUMNS, Finding, FindingBatch, Identity, RuleSpec, Severity, Waiver
from energyplan.ruleset.builtins import STALE_WAIVER, stale_waiver_batch

_IDENTITY = ("rule", "table", "record_id", "column")
_NONE = "\x1f<null>\x1f"  # stands for null inside identity keys (control chars: never a real id)
NORMAL, WAIVED, BASELINE = 0, 1, 2


@dataclass
class CollectResult:
    """What `model.AuditOutcome` takes from the findings (counts are exact; `findings` is the listing).

    `failing_by_rule`: per rule, the findings at or above fail_on that are neither waived nor baseline.
    """

    findings: list[Finding] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=lambda: {s.value: 0 for s in Severity})
    waived: int = 0
    baseline: int = 0
    stale_waivers: int = 0
    failing: int = 0
    truncated: dict[str, int] = field(default_factory=dict)
    fixed: list[dict[str, Any]] = field(default_factory=list)
    identities: list[Identity] | None = None  # only with want_identities: for --write-baseline
    failing_by_rule: dict[str, int] = field(default_factory=dict)


def collect(
    batches: Sequence[FindingBatch],
    specs: Mapping[str, RuleSpec],
    *,
    settings: Settings,
    as_of: dt.date,
    baseline: set[tuple[Any, ...]] | None,
    max_findings: int,
    skipped: Collection[str] = (),
    want_identities: bool = False,
    sheets: Mapping[str, Any] | None = None,
) -> CollectResult:
    """Count, waive, baseline, sort and cap the findings of the selected rules (`specs`).

    Batches of rules not in `specs` are dropped (that is how select/ignore reach EP000–EP003).
    Waivers and baseline entries of rules in `skipped` (or not selected) are not judged: the rule
    did not run, so its silence proves nothing. A waived finding is never also counted as baseline.
    `sheets` (a workbook plan's `ValidatedPlan.sheets`) gives the listed findings their sheet and cell.
    """
    import pandas as pd

    frames = [_key_frame(pd, b, i) for i, b in enumerate(batches) if b.rule in specs and len(b.frame)]
    all_batches = list(batches)
    judged = set(specs) - set(skipped)
    df = _concat(pd, frames)

    df["_waiver"] = -1
    df["_status"] = NORMAL
    waivers = [w for w in settings.waivers if w.rule in judged]
    stale = _apply_waivers(pd, df, waivers, as_of)
    not_judged = {c for c, s in specs.items() if s.builtin == STALE_WAIVER}
    fixed = _apply_baseline(pd, df, baseline, judged - not_judged) if baseline is not None else []
    identities = _identities(pd, df) if want_identities else None

    # Stale-waiver findings: never waived or baselined; their identity is not part of a baseline.
    stale_count = 0
    stale_spec = next((s for s in specs.values() if s.builtin == STALE_WAIVER), None)
    if stale and stale_spec is not None:
        all_batches.append(stale_waiver_batch(stale_spec, stale))
        ep004 = _key_frame(pd, all_batches[-1], len(all_batches) - 1)
        ep004["_waiver"], ep004["_status"] = -1, NORMAL
        df = _concat(pd, [df, ep004])
        stale_count = len(stale)

    counts, waived_n, baseline_n, failing = _count(df, specs, settings.rules.fail_on)
    listed, truncated = _listing(pd, df, max_findings)
    findings = _findings(listed, all_batches, specs, waivers, sheets or {})
    return CollectResult(findings, counts, waived_n, baseline_n, stale_count, sum(failing.values()), truncated,
                         fixed, identities, failing)


def _key_frame(pd: Any, batch: FindingBatch, index: int) -> Any:
    """The columns the collector works on, one row per finding, pointing back at the batch row."""
    src = batch.frame.reset_index(drop=True)
    n = len(src)
    out = {}
    for col in FINDING_COLUMNS:
        values = src[col] if col in src.columns else pd.Series(None, index=pd.RangeIndex(n), dtype=object)
        out[col] = pd.to_numeric(values, errors="coerce").astype("float64") if col in ("row", "line") else values
    frame = pd.DataFrame(out, index=pd.RangeIndex(n))
    frame["rule"] = batch.rule
    frame["_batch"] = index
    frame["_pos"] = np.arange(n)
    return frame


def _concat(pd: Any, frames: list[Any]) -> Any:
    frames = [f for f in frames if len(f)]
    if not frames:
        columns = ["rule", *FINDING_COLUMNS, "_batch", "_pos", "_waiver", "_status"]
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})
    # String columns keep their dtype (Arrow-backed strings stay cheap); nulls may be NaN or None,
    # which every step below treats alike.
    return pd.concat(frames, ignore_index=True)


def _apply_waivers(pd: Any, df: Any, waivers: list[Waiver], as_of: dt.date) -> list[Waiver]:
    """Mark waived findings (the latest-expiring waiver of a (rule, record) decides); return stale waivers.

    Waivers are few: the match runs on the findings whose record a waiver names, not on all of them.
    """
    if not waivers or not len(df):
        return list(waivers)
    wf = pd.DataFrame({"rule": [w.rule for w in waivers], "record_id": [w.record for w in waivers],
                       "_expires": pd.to_datetime([w.expires for w in waivers]), "_w": range(len(waivers))})
    candidates = df.loc[df["record_id"].isin(wf["record_id"].tolist()), ["rule", "record_id"]]
    found = candidates.drop_duplicates().assign(_found=True)
    matched = wf.merge(found, how="left", on=["rule", "record_id"])["_found"].notna().to_numpy()
    decisive = wf.sort_values(["_expires", "_w"], ascending=[False, True]).drop_duplicates(["rule", "record_id"])
    hit = candidates.reset_index().merge(decisive, how="inner", on=["rule", "record_id"])
    df.loc[hit["index"].to_numpy(), "_waiver"] = hit["_w"].to_numpy()
    active = hit.loc[(hit["_expires"] >= pd.Timestamp(as_of)).to_numpy(), "index"].to_numpy()
    df.loc[active, "_status"] = WAIVED
    return [w for w, m in zip(waivers, matched, strict=True) if not m]


def _identity_frame(pd: Any, df: Any) -> Any:
    return df[list(_IDENTITY)].astype(object).fillna(_NONE)


def _apply_baseline(pd: Any, df: Any, baseline: set[tuple[Any, ...]], judged: set[str]) -> list[dict[str, Any]]:
    """Mark baseline findings (not already waived); return the baseline entries no longer found."""
    if not baseline:
        return []
    base = pd.DataFrame(list(baseline), columns=list(_IDENTITY), dtype=object).fillna(_NONE)
    base = base.drop_duplicates().assign(_in_base=True)
    # Only findings whose record the baseline names can match: join those, not every finding.
    records = df["record_id"].fillna(_NONE)
    candidates = isin(records.astype(object), base["record_id"].unique())
    ids = _identity_frame(pd, df.loc[candidates])
    hit = ids.merge(base, how="left", on=list(_IDENTITY))["_in_base"].notna().to_numpy()
    rows = ids.index.to_numpy()[hit]
    df.loc[rows[(df.loc[rows, "_status"] == NORMAL).to_numpy()], "_status"] = BASELINE
    found = ids.drop_duplicates().assign(_found=True)
    gone = base.merge(found, how="left", on=list(_IDENTITY))
    gone = gone[gone["_found"].isna().to_numpy() & gone["rule"].isin(sorted(judged)).to_numpy()]
    gone = gone[list(_IDENTITY)].replace(_NONE, None)
    records = gone.to_dict("records")
    return sorted(records, key=lambda r: tuple((r[k] is not None, r[k] or "") for k in _IDENTITY))


def _identities(pd: Any, df: Any) -> list[Identity]:
    """Unique identities, sorted with null as the empty string (so nulls sort first, as in sort_key)."""
    ids = _identity_frame(pd, df).drop_duplicates()
    keys = [codes for codes, _ in (pd.factorize(ids[c].replace(_NONE, ""), sort=True) for c in _IDENTITY)]
    ids = ids.iloc[np.lexsort(keys[::-1])].replace(_NONE, None)
    return list(ids.itertuples(index=False, name=None))


def _count(df: Any, specs: Mapping[str, RuleSpec], fail_on: str) -> tuple[dict[str, int], int, int, dict[str, int]]:
    by = df.groupby(["rule", "_status"]).size()
    counts = {s.value: 0 for s in Severity}
    waived = baseline = 0
    failing: dict[str, int] = {}
    for (rule, status), n in by.items():  # one iteration per (rule, status): a handful, not per finding
        if status == WAIVED:
            waived += int(n)
        elif status == BASELINE:
            baseline += int(n)
        else:
            sev = specs[rule].severity
            counts[sev.value] += int(n)
            if sev.rank <= FAIL_ON_RANK[fail_on]:
                failing[str(rule)] = failing.get(str(rule), 0) + int(n)
    return counts, waived, baseline, failing


def _listing(pd: Any, df: Any, max_findings: int) -> tuple[Any, dict[str, int]]:
    """outputs.md order (file, line, row — nulls last — rule, column, record_id), then the per-rule cap."""
    def codes(values: Any, nulls_last: bool) -> Any:
        c, uniques = pd.factorize(values, sort=True, use_na_sentinel=True)
        return np.where(c < 0, len(uniques), c) if nulls_last else c

    inf = np.inf
    total = df["rule"].value_counts()
    df = df.iloc[_candidates(df, codes(df["file"], True), max_findings)]
    # record_id only breaks ties between findings without a row (same row means same record), so
    # rows that have one get "" and the costly sort of a million distinct ids is avoided.
    rec = df["record_id"].where(df["row"].isna(), "").fillna("")
    keys = [df["_pos"].to_numpy(), df["_batch"].to_numpy(), codes(rec, False),
            codes(df["column"].fillna(""), False), codes(df["rule"], False),
            df["row"].fillna(inf).to_numpy(), df["line"].fillna(inf).to_numpy(), codes(df["file"], True)]
    order = df.iloc[np.lexsort(keys)]
    rank = order.groupby("rule", sort=False).cumcount().to_numpy()
    listed = order[rank < max_findings]
    shown = listed["rule"].value_counts().reindex(total.index, fill_value=0)
    truncated = {str(r): int(n) for r, n in (total - shown).items() if n > 0}
    return listed, dict(sorted(truncated.items()))


def _candidates(df: Any, file_codes: Any, max_findings: int) -> Any:
    """Positions of the rows that can be among their batch's first `max_findings` in listing order.

    The listing orders by file, then line, then row, and a rule's listed rows are among the first
    max_findings of each of its batches. Selecting those rows is linear where sorting every finding is
    not: a plan that fails by the million then sorts a few thousand rows. Rows tied with the last one
    are kept, so the full sort still decides the order."""
    n = len(df)
    if n == 0 or max_findings <= 0:
        return np.arange(0)
    batch = df["_batch"].to_numpy()
    nulls_last = [np.asarray(file_codes, dtype=np.float64)]
    for col in ("line", "row"):
        values = df[col].to_numpy(dtype=np.float64, na_value=np.nan)
        nulls_last.append(np.where(np.isnan(values), np.inf, values))
    starts = np.flatnonzero(np.r_[True, batch[1:] != batch[:-1]])
    ends = np.r_[starts[1:], n]
    keep = [np.arange(lo, hi) if hi - lo <= max_findings else _first(np.arange(lo, hi), nulls_last, max_findings)
            for lo, hi in zip(starts.tolist(), ends.tolist(), strict=True)]  # one step per batch, not per row
    return np.concatenate(keep)


def _first(pos: Any, keys: list[Any], k: int) -> Any:
    """The positions among `pos` that can be among the first k ordered by `keys` (lexicographically):
    key by key, those below the k-th value, then the rows tied with it narrowed by the next key."""
    kept = []
    for key in keys:
        values = key[pos]
        cut = np.partition(values, k - 1)[k - 1]
        below = pos[values < cut]
        kept.append(below)
        pos = pos[values == cut]
        k -= len(below)
        if len(pos) <= k:
            break
    kept.append(pos)
    return np.sort(np.concatenate(kept))


def _findings(listed: Any, batches: list[FindingBatch], specs: Mapping[str, RuleSpec],
              waivers: list[Waiver], sheets: Mapping[str, Any]) -> list[Finding]:
    """Render messages for the listed rows only, batch by batch, then build Finding objects."""
    messages = np.empty(len(listed), dtype=object)
    batch_of = listed["_batch"].to_numpy()
    for b in np.unique(batch_of):
        batch = batches[int(b)]
        at = np.flatnonzero(batch_of == b)
        sub = batch.frame.iloc[listed["_pos"].to_numpy()[at]]
        texts = batch.messages(sub) if batch.messages is not None else [str(m) for m in sub["message"]]
        messages[at] = texts
    # Plain Python lists per column (nulls as None), not to_dict("records"): boxing a dict per finding
    # cost more than building the findings.
    text = {c: _texts(listed[c]) for c in ("rule", "table", "record_id", "site_id", "file", "column")}
    number = {c: _ints(listed[c]) for c in ("row", "line")}
    sheet, cell = _cells(listed, sheets)
    kind = {rule: (spec.name, spec.severity) for rule, spec in specs.items()}
    out = []
    # One iteration per listed finding (bounded by --max-findings per rule), building the output objects.
    for i, (rule, w, status) in enumerate(zip(text["rule"], listed["_waiver"].tolist(), listed["_status"].tolist(),
                                              strict=True)):
        waiver = waivers[w] if w >= 0 else None
        message = messages[i]
        waived = status == WAIVED
        if waiver is not None and not waived:
            message += f" (waiver by {waiver.owner} expired {waiver.expires.isoformat()})"
        name, severity = kind[rule]
        out.append(Finding(
            rule=rule, name=name, severity=severity, table=text["table"][i], record_id=text["record_id"][i],
            site_id=text["site_id"][i], file=text["file"][i], row=number["row"][i], line=number["line"][i],
            column=text["column"][i], message=message, waived=waived, waiver=waiver if waived else None,
            baseline=status == BASELINE, sheet=sheet[i], cell=cell[i],
        ))
    return out


def _cells(listed: Any, sheets: Mapping[str, Any]) -> tuple[list[str | None], list[str | None]]:
    """Sheet and cell of each listed finding: as its batch gave them, else from its row and column."""
    if not sheets:
        return _texts(listed["sheet"]), _texts(listed["cell"])
    from energyplan.plan.workbook import locate

    return locate(listed, sheets)


def _texts(values: Any) -> list[str | None]:
    """A column as str or None per value (any null: None, NaN, NA)."""
    return [None if v is None else str(v) for v in values.to_numpy(dtype=object, na_value=None).tolist()]


def _ints(values: Any) -> list[int | None]:
    """A float64 column (row, line) as int or None per value."""
    numbers = values.to_numpy(dtype="float64")
    return [None if null else int(v) for v, null in zip(numbers.tolist(), np.isnan(numbers).tolist(), strict=True)]
