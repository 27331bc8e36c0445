"""Checks across rows and tables on the clean frames: references, inverted dates, currencies without a rate."""

from __future__ import annotations

import numpy as np
import pandas as pd

from energyplan.arrowops import isin
from energyplan.config import Settings
from energyplan.model import KEY_COLUMNS, TABLES, FindingBatch
from energyplan.plan.messages import SINGULAR, finding_frame
from energyplan.plan.schemas import BUILTIN_PREFIX, CommitmentsSchema, ContractsSchema, WorkloadsSchema, column_specs
from energyplan.suggest import closest

REFERENCE, DATES, CURRENCY = "reference", "dates", "currency"  # builtin check names (rules/EP001–EP003)
FALLBACK = "profiles"  # a dangling reference to this table falls back to its default (the cell is nulled)
_MAX_COMPARED = 10_000  # near-miss comparisons per plan (difflib: 10–20 µs each); then no more hints
_MAX_NEAR_VALUES = 200  # distinct dangling values looked up for a near miss (each scans the keys once)


def _row_frame(table: str, file: str, sub: pd.DataFrame, column: str, message: pd.Series) -> pd.DataFrame:
    return finding_frame(
        table=table, file=file, record_id=sub[KEY_COLUMNS[table]].to_numpy(dtype=object, na_value=None),
        site_id=sub["site_id"].to_numpy(dtype=object, na_value=None) if "site_id" in sub else None,
        row=sub["_row"].to_numpy(), line=sub["_line"].array, column=column, message=message.to_numpy(dtype=object))


def _hints(values: pd.Series, keys: pd.Series, budget: list[int]) -> pd.Series:
    """' (did you mean "x"?)' per dangling value: the key equal but for spaces and case, else a near miss.

    Near misses are looked for, for the first distinct values only, among keys of about the same length
    that start with the same character, within a budget of comparisons: a flood of dangling ids in a
    big plan costs no more than a moment. `budget` holds the comparisons left for the whole plan.
    Keys are compared once each: a profile's id is on every one of its 8,760 rows."""
    keys = keys.drop_duplicates()
    folded = keys.str.strip().str.casefold()
    exact = pd.Series(keys.to_numpy(dtype=object), index=folded.to_numpy(dtype=object), dtype="str")
    exact = exact[~exact.index.duplicated()]
    same = values.str.strip().str.casefold().map(exact).astype("str")
    hints = (' (did you mean "' + same + '"? ids are matched exactly, spaces and case included)').fillna("")
    lengths, firsts, pool = folded.str.len().to_numpy(), folded.str.slice(0, 1).to_numpy(), keys.to_numpy()
    near: dict[str, str] = {}
    for v in values[same.isna().to_numpy()].unique()[:_MAX_NEAR_VALUES]:
        want = v.strip().casefold()
        candidates = pool[(np.abs(lengths - len(want)) <= 2) & (firsts == want[:1])]
        budget[0] -= len(candidates)
        if budget[0] < 0:
            break
        match = closest(v, candidates, cutoff=0.75)
        if match is not None:
            near[v] = f' (did you mean "{match}"?)'
    return hints.where(hints != "", values.map(near).astype(object).fillna(""))


def dangling(frames: dict[str, pd.DataFrame], keys: dict[str, pd.Series], loaded: set[str],
             files: dict[str, str]) -> list[pd.DataFrame]:
    """A reference that names no row of the referenced table (checked only when both tables loaded).

    The referenced keys are every key that was readable in its file, so a row left out for another
    reason is not reported a second time as missing. A dangling profile reference is nulled in the
    clean frame: the reference falls back to its default (adequacy.md)."""
    out = []
    budget = [_MAX_COMPARED]
    for table in TABLES:
        for spec in column_specs(table):
            target = spec.references
            if target is None or target not in loaded or table not in loaded:
                continue
            clean = frames[table]
            ref = clean[spec.name]
            mask = ref.notna().to_numpy() & ~isin(ref, keys.get(target, pd.Series(dtype="str")))
            if target == FALLBACK:
                mask &= ~ref.str.startswith(BUILTIN_PREFIX).fillna(False).to_numpy(dtype=bool)
            if not mask.any():
                continue
            sub = clean.loc[mask]
            hint = _hints(sub[spec.name], keys.get(target, pd.Series(dtype="str")), budget)
            message = (SINGULAR[table] + " " + sub[KEY_COLUMNS[table]] + " names " + SINGULAR[target] + ' "'
                       + sub[spec.name] + '"' + hint + ", which is not in " + files[target])
            if target == FALLBACK:
                message = message + "; the default is used instead"
                frames[table] = clean.assign(**{spec.name: ref.mask(mask)})
            out.append(_row_frame(table, files[table], sub, spec.name, message))
    return out


def inverted(frames: dict[str, pd.DataFrame], files: dict[str, str]) -> list[pd.DataFrame]:
    """end_date before start_date."""
    out = []
    for model in (WorkloadsSchema, CommitmentsSchema, ContractsSchema):
        table, start, end = model.Config.name, model.start_date, model.end_date
        clean = frames[table]
        mask = (clean[end] < clean[start]).to_numpy()
        if mask.any():
            sub = clean.loc[mask]
            message = (SINGULAR[table] + " " + sub[KEY_COLUMNS[table]] + " ends "
                       + sub[end].dt.strftime("%Y-%m-%d") + ", before it starts "
                       + sub[start].dt.strftime("%Y-%m-%d"))
            out.append(_row_frame(table, files[table], sub, end, message))
    return out


def unconvertible(frames: dict[str, pd.DataFrame], files: dict[str, str], settings: Settings) -> list[pd.DataFrame]:
    """A currency other than the plan's with no [fx] rate, whether or not the row has a price."""
    out = []
    plan = settings.currency
    for model in (CommitmentsSchema, ContractsSchema):
        table, column = model.Config.name, model.currency
        clean = frames[table]
        mask = (clean[column].notna() & (clean[column] != plan) & ~clean[column].isin(list(settings.fx))).to_numpy()
        if mask.any():
            sub = clean.loc[mask]
            cur = sub[column]
            message = (SINGULAR[table] + " " + sub[KEY_COLUMNS[table]] + " is in " + cur
                       + f", but the plan currency is {plan} and [fx] has no rate for " + cur + "; add " + cur
                       + f" = <{plan} per " + cur + "> under [fx] in energyplan.toml")
            out.append(_row_frame(table, files[table], sub, column, message))
    return out


def integrity_batches(frames: dict[str, pd.DataFrame], keys: dict[str, pd.Series], loaded: set[str],
                      files: dict[str, str], settings: Settings) -> list[FindingBatch]:
    """References, dates and currencies over the clean frames (one batch per check that fired).

    `frames` is updated in place where a dangling profile reference falls back to its default."""
    batches = []
    for check, parts in ((REFERENCE, dangling(frames, keys, loaded, files)), (DATES, inverted(frames, files)),
                         (CURRENCY, unconvertible(frames, files, settings))):
        if parts:
            batches.append(FindingBatch(check, pd.concat(parts, ignore_index=True)))
    return batches



