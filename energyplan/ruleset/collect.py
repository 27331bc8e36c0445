"""Finding batches → counts, waivers, baseline, sorted and capped listing (vectorized over all findings)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from energyplan.config import Settings
from energyplan.model import FAIL_ON_RANK, Finding, FindingBatch, RuleSpec, Severity, Waiver
from energyplan.ruleset.builtins import FINDING_COLUMNS, stale_waiver_batch
from energyplan.ruleset.templates import is_null

STALE_WAIVER_RULE = "EP004"
_STR_KEYS = ("table", "record_id", "site_id", "file", "column")
_IDENTITY = ("rule", "table", "record_id", "column")
_NONE = "\x00"  # stands for null inside identity keys (never part of a real id)
NORMAL, WAIVED, BASELINE = 0, 1, 2

Identity = tuple[str, str | None, str | None, str | None]


@dataclass
class CollectResult:
    """What `model.AuditResult` takes from the findings (counts are exact; `findings` is the listing)."""

    findings: list[Finding] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=lambda: {s.value: 0 for s in Severity})
    waived: int = 0
    baseline: int = 0
    stale_waivers: int = 0
    failing: int = 0
    truncated: dict[str, int] = field(default_factory=dict)
    fixed: list[dict[str, Any]] = field(default_factory=list)
    identities: list[Identity] | None = None  # only with want_identities: for --write-baseline


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
) -> CollectResult:
    """Count, waive, baseline, sort and cap the findings of the selected rules (`specs`).

    Batches of rules not in `specs` are dropped (that is how select/ignore reach EP000–EP003).
    Waivers and baseline entries of rules in `skipped` (or not selected) are not judged: the rule
    did not run, so its silence proves nothing. A waived finding is never also counted as baseline.
    """
    import pandas as pd

    frames = [_key_frame(pd, b, i) for i, b in enumerate(batches) if b.rule in specs and len(b.frame)]
    all_batches = list(batches)
    judged = {code for code in specs if code not in set(skipped)}
    df = _concat(pd, frames)

    # Waivers: the latest-expiring waiver of a (rule, record) pair decides.
    waivers = [w for w in settings.waivers if w.rule in judged]
    df["_waiver"] = -1
    df["_status"] = NORMAL
    if waivers and len(df):
        wf = pd.DataFrame(
            {"rule": [w.rule for w in waivers], "record_id": [w.record for w in waivers],
             "_expires": [w.expires for w in waivers], "_w": range(len(waivers))}
        ).sort_values(["_expires", "_w"], ascending=[False, True]).drop_duplicates(["rule", "record_id"])
        hit = df[["rule", "record_id"]].astype(object).merge(wf, how="left", on=["rule", "record_id"])
        df["_waiver"] = hit["_w"].fillna(-1).astype("int64").to_numpy()
        expires = pd.to_datetime(hit["_expires"])
        active = (expires >= pd.Timestamp(as_of)).to_numpy(dtype=bool)  # NaT (no waiver) compares False
        df.loc[active, "_status"] = WAIVED
        found_pairs = pd.MultiIndex.from_frame(df[["rule", "record_id"]].astype(object).fillna(_NONE)).unique()
        matched = pd.MultiIndex.from_tuples([(w.rule, w.record) for w in waivers]).isin(found_pairs)
        stale = [w for w, m in zip(waivers, matched, strict=True) if not m]
    else:
        stale = list(waivers)

    identity_index = None
    if baseline is not None or want_identities:
        identity_index = pd.MultiIndex.from_frame(df[list(_IDENTITY)].astype(object).fillna(_NONE))
    fixed: list[dict[str, Any]] = []
    if baseline is not None and identity_index is not None:
        keys = [tuple(_NONE if v is None else v for v in ident) for ident in sorted(baseline, key=_sort_key)]
        base_index = pd.MultiIndex.from_tuples(keys, names=list(_IDENTITY)) if keys else None
        if base_index is not None:
            in_base = identity_index.isin(base_index) & (df["_status"] == NORMAL).to_numpy()
            df.loc[in_base, "_status"] = BASELINE
            ran = base_index.get_level_values("rule").isin(sorted(judged - {STALE_WAIVER_RULE}))
            gone = ~base_index.isin(identity_index) & ran
            fixed = [dict(zip(_IDENTITY, (None if v == _NONE else v for v in k), strict=True))
                     for k in base_index[gone]]
    identities = _identities(pd, df) if want_identities else None

    # EP004 findings: never waived or baselined; their identity is not part of a baseline.
    stale_count = 0
    if stale and STALE_WAIVER_RULE in specs:
        all_batches.append(stale_waiver_batch(specs[STALE_WAIVER_RULE], stale))
        ep004 = _key_frame(pd, all_batches[-1], len(all_batches) - 1)
        ep004["_waiver"], ep004["_status"] = -1, NORMAL
        df = _concat(pd, [df, ep004])
        stale_count = len(stale)

    counts, waived_n, baseline_n, failing = _count(df, specs, settings.rules.fail_on)
    listed, truncated = _listing(pd, df, max_findings)
    findings = _findings(listed, all_batches, specs, waivers)
    return CollectResult(findings, counts, waived_n, baseline_n, stale_count, failing, truncated, fixed, identities)


def _key_frame(pd: Any, batch: FindingBatch, index: int) -> Any:
    """The columns the collector works on, one row per finding, pointing back at the batch row."""
    src = batch.frame
    n = len(src)
    out = pd.DataFrame(index=pd.RangeIndex(n))
    for col in FINDING_COLUMNS:
        values = src[col].to_numpy() if col in src.columns else [None] * n
        out[col] = pd.Series(values, dtype="float64" if col in ("row", "line") else object) if n else []
    out["rule"] = batch.rule
    out["_batch"] = index
    out["_pos"] = range(n)
    return out


def _concat(pd: Any, frames: list[Any]) -> Any:
    columns = ["rule", *FINDING_COLUMNS, "_batch", "_pos"]
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})
    df = pd.concat(frames, ignore_index=True)
    for col in ("row", "line"):
        df[col] = pd.to_numeric(df[col], errors="coerce").astype("float64")
    for col in _STR_KEYS:
        df[col] = df[col].astype(object).where(df[col].notna(), None)
    return df


def _sort_key(ident: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple((v is not None, v or "") for v in ident)


def _identities(pd: Any, df: Any) -> list[Identity]:
    """Unique identities, sorted with null as the empty string (so nulls sort first, as in sort_key)."""
    keys = {f"_k{i}": df[c].astype(object).fillna("") for i, c in enumerate(_IDENTITY)}
    ids = df[list(_IDENTITY)].assign(**keys).drop_duplicates(list(_IDENTITY))
    ids = ids.sort_values(list(keys), kind="mergesort")
    return [tuple(None if is_null(v) else v for v in t) for t in ids[list(_IDENTITY)].itertuples(index=False)]


def _count(df: Any, specs: Mapping[str, RuleSpec], fail_on: str) -> tuple[dict[str, int], int, int, int]:
    by = df.groupby(["rule", "_status"]).size()
    counts = {s.value: 0 for s in Severity}
    waived = baseline = failing = 0
    for (rule, status), n in by.items():  # one iteration per (rule, status): a handful, not per finding
        if status == WAIVED:
            waived += int(n)
        elif status == BASELINE:
            baseline += int(n)
        else:
            sev = specs[rule].severity
            counts[sev.value] += int(n)
            if sev.rank <= FAIL_ON_RANK[fail_on]:
                failing += int(n)
    return counts, waived, baseline, failing


def _listing(pd: Any, df: Any, max_findings: int) -> tuple[Any, dict[str, int]]:
    """outputs.md order (file, line, row — nulls last — rule, column, record_id), then the per-rule cap."""
    order = df.assign(_col=df["column"].fillna(""), _rec=df["record_id"].fillna("").astype(str)).sort_values(
        ["file", "line", "row", "rule", "_col", "_rec", "_batch", "_pos"], na_position="last", kind="mergesort"
    )
    rank = order.groupby("rule").cumcount()
    listed = order[(rank < max_findings).to_numpy()]
    total = order.groupby("rule").size()
    shown = listed.groupby("rule").size().reindex(total.index, fill_value=0)
    truncated = {str(r): int(n) for r, n in (total - shown).items() if n > 0}
    return listed, dict(sorted(truncated.items()))


def _findings(listed: Any, batches: list[FindingBatch], specs: Mapping[str, RuleSpec],
              waivers: list[Waiver]) -> list[Finding]:
    """Render messages for the listed rows only, batch by batch, then build Finding objects."""
    messages: dict[int, str] = {}
    for b, group in listed.groupby("_batch", sort=True):
        batch = batches[int(b)]
        positions = group["_pos"].to_numpy()
        sub = batch.frame.iloc[positions]
        texts = batch.messages(sub) if batch.messages is not None else [str(m) for m in sub["message"]]
        messages.update(zip(group.index.tolist(), texts, strict=True))
    out = []
    # One iteration per listed finding (bounded by --max-findings per rule), building the output objects.
    for idx, rec in zip(listed.index.tolist(), listed.to_dict("records"), strict=True):
        spec = specs[rec["rule"]]
        waiver = waivers[rec["_waiver"]] if rec["_waiver"] >= 0 else None
        message = messages[idx]
        waived = rec["_status"] == WAIVED
        if waiver is not None and not waived:
            message += f" (waiver by {waiver.owner} expired {waiver.expires.isoformat()})"
        out.append(Finding(
            rule=rec["rule"], name=spec.name, severity=spec.severity,
            table=_opt(rec["table"]), record_id=_opt(rec["record_id"]), site_id=_opt(rec["site_id"]),
            file=_opt(rec["file"]), row=_int(rec["row"]), line=_int(rec["line"]), column=_opt(rec["column"]),
            message=message, waived=waived, waiver=waiver if waived else None,
            baseline=rec["_status"] == BASELINE,
        ))
    return out


def _opt(value: Any) -> str | None:
    return None if is_null(value) else str(value)


def _int(value: Any) -> int | None:
    return None if is_null(value) else int(value)
