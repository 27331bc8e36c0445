"""Validate a plan: model checks → clean frames and EP000; references, dates, currencies (EP001–EP003)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from energyplan.arrowops import isin, strictly_ascending
from energyplan.config import Settings
from energyplan.model import KEY_COLUMNS, TABLES, FindingBatch
from energyplan.plan.load import RawTable, cell_text, fatal, load_tables, parse_table
from energyplan.plan.schemas import (
    FRAME_CHECKS,
    LAYER_CONTRACT_TYPES,
    MODELS,
    ColumnSpec,
    CommitmentsSchema,
    ContractsSchema,
    WorkloadsSchema,
    column_specs,
    schema,
)

_CLEAN_DTYPES = {"string": "str", "enum": "str", "float": "float64", "int": "int64", "bool": "bool",
                 "date": "datetime64[s]", "timestamp": "datetime64[s]"}
_CHECK_PROBLEM = {"isin": "enum", "str_matches": "pattern"}  # every other column check is a range


@dataclass
class ValidatedPlan:
    root: Path  # the plan folder
    frames: dict[str, pd.DataFrame]  # every table of model.TABLES; an empty typed frame when missing/failed
    loaded: set[str]  # tables that loaded (incidents counts as loaded when absent: optional)
    files: dict[str, str]  # table -> file name in the plan folder ("sites.csv"; the CSV name if missing)
    batches: list[FindingBatch]  # EP000–EP003 findings
    rows_left_out: dict[str, int]  # per table, rows left out of everything downstream
    input_files: list[Path] = field(default_factory=list)  # for the plan digest, sorted


def empty_frame(table: str) -> pd.DataFrame:
    """A table with no rows in the clean dtypes (what a missing or failed table looks like downstream)."""
    cols = {s.name: pd.Series(dtype=_CLEAN_DTYPES[s.kind]) for s in column_specs(table)}
    cols["_row"] = pd.Series(dtype="int64")
    cols["_line"] = pd.Series(dtype="Int64")
    return pd.DataFrame(cols)


# ---- finding frames and EP000 messages ---------------------------------------------------------------

SINGULAR = {"sites": "site", "workloads": "workload", "commitments": "commitment", "contracts": "contract",
            "incidents": "incident"}
FINDING_COLUMNS = ("table", "record_id", "site_id", "file", "row", "line", "column")
_VALUE_TEXT = {f"{t}.{s.name}": s.value_text() for t in MODELS for s in column_specs(t)}
_MAX_QUOTED = 60  # characters of a cell quoted in a message


def _repeat(v: str | None, n: int) -> pd.Series:
    """A constant string column built in Arrow (a Python list of a million strings is slow to convert)."""
    return pd.Series(pa.array([v], type=pa.string()).take(np.zeros(n, dtype=np.int64)).to_pandas(), dtype="str")


def _series(v: object, n: int, dtype: str) -> pd.Series:
    if (v is None or isinstance(v, str)) and dtype == "str":
        return _repeat(v, n)
    if v is None or isinstance(v, str):
        return pd.Series([v] * n, dtype=dtype)
    if isinstance(v, pd.Series) and str(v.dtype) == dtype:
        return v.reset_index(drop=True)  # already typed (e.g. keys taken from a "str" column): no copy
    return pd.Series(v, dtype=dtype).reset_index(drop=True)


def finding_frame(*, table: object, file: object, record_id: object = None, site_id: object = None,
                  row: object = None, line: object = None, column: object = None, **extra: object) -> pd.DataFrame:
    """A finding batch frame: the FINDING_COLUMNS (scalars broadcast) plus message inputs."""
    sizes = [len(v) for v in (table, file, record_id, site_id, row, line, column, *extra.values())
             if not isinstance(v, str) and v is not None]
    n = max(sizes, default=1)

    def col(v: object, dtype: str) -> pd.Series:
        return _series(v, n, dtype)

    out = pd.DataFrame({
        "table": col(table, "str"), "record_id": col(record_id, "str"), "site_id": col(site_id, "str"),
        "file": col(file, "str"), "row": col(row, "Int64"), "line": col(line, "Int64"),
        "column": col(column, "str"),
    })
    for name, v in extra.items():
        out[name] = v.reset_index(drop=True) if isinstance(v, pd.Series) else col(v, "object")
    return out


_SAYS = {  # problem -> what is wrong with the quoted value
    "number": "is not a number", "nonfinite": "is not a finite number", "whole": "is not a whole number",
    "too_large": "is too large", "bool": "is not a boolean", "date": "is not a date",
    "timestamp": "is not a timestamp", "pattern": "is not valid",
}


def _message(kind: str, f: pd.DataFrame) -> pd.Series:
    """Messages of one kind of problem, for the rows `f` (all of that kind), as whole-column string ops."""
    detail = f["detail"].astype(object).fillna("").astype(str)
    if kind == "file":
        return detail
    column = f["column"].astype(object).fillna("").astype(str)
    value = f["value"].astype(object).fillna("").astype(str)
    long = value.str.len() > _MAX_QUOTED
    value = value.where(~long, value.str.slice(0, _MAX_QUOTED) + "…")
    quoted = column + ' "' + value + '" '
    valid = (f["table"].astype(str) + "." + column).map(_VALUE_TEXT).fillna("")
    if kind in _SAYS:
        return quoted + _SAYS[kind] + "; must be " + valid
    if kind == "range":
        return quoted + detail + "; must be " + valid
    if kind == "enum":
        return quoted + "is not allowed" + detail + "; allowed: " + valid.str.removeprefix("one of ")
    if kind == "required":
        return column + " is empty; it is required: " + valid
    if kind == "duplicate":
        return quoted + "repeats the key of " + detail + "; keys must be unique: rename or remove this copy"
    if kind == "contract_type_in_layer":
        return quoted + "does not belong to " + detail
    if kind == "currency_with_price":
        return ('currency is empty but price_per_mwh is "' + detail
                + '"; write the price\'s currency: an ISO 4217 code, e.g. EUR')
    raise ValueError(f"unknown EP000 problem {kind!r}")


def render_ep000(frame: pd.DataFrame) -> list[str]:
    """Messages for EP000 findings, rendered per kind of problem (no loop over rows)."""
    f = frame.reset_index(drop=True)
    out = np.empty(len(f), dtype=object)
    problem = f["problem"].astype(object)
    for kind in problem.unique():
        m = (problem == kind).to_numpy()
        out[m] = _message(kind, f.loc[m]).to_numpy(dtype=object)
    return out.tolist()


# ---- EP000: the models' checks, failing cells, clean frames ----------------------------------------------

@dataclass
class _Cells:
    """Failing cells of one table, gathered as arrays (one entry per check, never per row)."""

    raw: RawTable
    n: int
    chunks: list[tuple[str, np.ndarray, object, object, pd.Series | None]] = field(default_factory=list)
    null: dict[str, np.ndarray] = field(default_factory=dict)  # column -> mask of cells to make null

    def add(self, column: str, pos: np.ndarray, problem: str | np.ndarray, detail: object = None,
            *, null: bool = True, quote: bool = True) -> None:
        if not len(pos):
            return
        value = cell_text(self.raw, column, pos) if quote else None
        self.chunks.append((column, pos, problem, detail, value))
        if null:
            mask = self.null.setdefault(column, np.zeros(self.n, dtype=bool))
            mask[pos] = True


def _range_detail(spec: ColumnSpec, values: np.ndarray) -> np.ndarray:
    lo, hi = spec.minimum, spec.maximum
    below = np.zeros(len(values), dtype=bool) if lo is None else (
        values < lo if spec.include_min else values <= lo)
    low_text = ("is negative" if lo == 0 and spec.include_min else
                f"is below {lo:g}" if spec.include_min else f"is not above {lo:g}") if lo is not None else ""
    high_text = (f"is above {hi:g}" if spec.include_max else f"is not below {hi:g}") if hi is not None else ""
    return np.where(below, low_text, high_text).astype(object)


def _enum_detail(spec: ColumnSpec, values: pd.Series) -> np.ndarray:
    """" (did you mean "x"?)" per failing value: difflib runs once per distinct value, not per row."""
    allowed = list(spec.allowed or ())
    lower = {a.lower(): a for a in allowed}
    hints = {}
    for v in values.dropna().unique():
        close = [lower[v.strip().lower()]] if v.strip().lower() in lower else difflib.get_close_matches(
            v, allowed, n=1, cutoff=0.6)
        hints[v] = f' (did you mean "{close[0]}"?)' if close else ""
    return values.map(hints).fillna("").to_numpy(dtype=object)


def _duplicates(key: pd.Series) -> tuple[np.ndarray, np.ndarray | None]:
    """Rows whose key repeats an earlier row's (nulls never do), and the key codes (None: no repeat)."""
    if strictly_ascending(key):
        return np.zeros(len(key), dtype=bool), None
    among = _repeat_candidates(key)
    if among is None:
        return _repeats(key)
    # Only the candidates can repeat one another: factorize that handful instead of every key.
    dup = np.zeros(len(key), dtype=bool)
    codes = np.full(len(key), -1, dtype=np.int64)
    dup[among], codes[among] = _repeats(key.iloc[among])
    return dup, codes


def _repeats(key: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    # factorize numbers keys in order of first appearance (null: -1), so a row repeats an earlier key
    # exactly when its code is at most the largest code before it; the codes serve the detail too.
    codes, _ = pd.factorize(key)
    before = np.maximum.accumulate(np.concatenate(([-1], codes)))[:-1]
    return (codes >= 0) & (codes <= before), codes


def _repeat_candidates(key: pd.Series) -> np.ndarray | None:
    """Positions that can share a key, when keys are ascending but for a few rows (None otherwise).

    Hashing a million keys costs a third of a second. Keys written in order with a few stray rows
    (a copied key, an insertion) are common: if the keys without the stray rows are strictly
    ascending, they are distinct among themselves, so a repeat must involve a stray row's key, and
    only rows holding one of those keys are candidates.
    """
    if key.isna().any() or len(key) < 3:
        return None
    try:
        arr = pa.array(key, from_pandas=True)
        arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
        stray = np.concatenate(([False], ~_np_bool(pc.less(arr.slice(0, len(arr) - 1), arr.slice(1)))))
        rest = arr.filter(pa.array(~stray))
        if stray.sum() > len(key) // 10 or not pc.all(pc.less(rest.slice(0, len(rest) - 1), rest.slice(1))).as_py():
            return None
        held = isin(key, arr.filter(pa.array(stray)))
    except pa.ArrowException:  # unorderable values: no shortcut
        return None
    return np.flatnonzero(held | stray)


def _np_bool(arr: pa.Array) -> np.ndarray:
    return arr.to_numpy(zero_copy_only=False).astype(bool)


def _duplicate_detail(codes: np.ndarray, dup: np.ndarray, present: np.ndarray, frame: pd.DataFrame) -> np.ndarray:
    firsts = np.flatnonzero(present & ~dup & (codes >= 0))  # -1: a key no other row can share
    first_of = np.zeros(codes.max() + 1 if len(codes) else 0, dtype=np.int64)
    first_of[codes[firsts]] = firsts
    first = first_of[codes[dup]]
    rows = pd.Series(frame["_row"].to_numpy()[first]).astype(str)
    lines = pd.Series(frame["_line"].to_numpy()[first])
    text = "row " + rows
    with_line = lines.notna().to_numpy()
    text[with_line] = text[with_line] + " (line " + lines[with_line].astype("int64").astype(str) + ")"
    return text.to_numpy(dtype=object)


def _passed(output: pd.Series, index: pd.Index) -> np.ndarray:
    """A check's output realigned to every row: pandera drops nulls before a check (ignore_na), and
    a dropped row passes. Frames carry a RangeIndex from 0, so labels are positions; placing by
    position avoids reindex's hash lookup of a million labels."""
    if output.index.equals(index):
        return output.to_numpy(dtype=bool)
    if isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1:
        ok = np.ones(len(index), dtype=bool)
        ok[output.index.to_numpy(dtype=np.int64)] = output.to_numpy(dtype=bool)
        return ok
    return output.reindex(index, fill_value=True).to_numpy(dtype=bool)


def _check_cells(table: str, frame: pd.DataFrame, cells: _Cells, parse_failed: dict[str, np.ndarray]) -> np.ndarray:
    """Run the model's own pandera checks column by column; returns the rows that are duplicate keys."""
    sch = schema(table)
    specs = {s.name: s for s in column_specs(table)}
    duplicates = np.zeros(len(frame), dtype=bool)
    for name, col in sch.columns.items():
        s = frame[name]
        present = s.notna().to_numpy()
        if not col.nullable:
            missing = ~present & ~parse_failed.get(name, np.zeros(len(frame), dtype=bool))
            cells.add(name, np.flatnonzero(missing), "required", null=False, quote=False)
        for check in col.checks:
            ok = _passed(check(s).check_output, s.index)
            pos = np.flatnonzero(present & ~ok)
            problem = _CHECK_PROBLEM.get(check.name, "range")
            if problem == "range":
                detail = _range_detail(specs[name], s.to_numpy(dtype="float64", na_value=np.nan)[pos])
            elif problem == "enum":
                detail = _enum_detail(specs[name], s.iloc[pos].reset_index(drop=True))
            else:
                detail = None
            cells.add(name, pos, problem, detail)
        if col.unique:
            dup, codes = _duplicates(s)
            if codes is not None and dup.any():
                duplicates |= dup
                cells.add(name, np.flatnonzero(dup), "duplicate", _duplicate_detail(codes, dup, present, frame),
                          null=False)
    for check in sch.checks:
        column, _ = FRAME_CHECKS[check.name]
        ok = _passed(check(frame).check_output, frame.index)
        pos = np.flatnonzero(~ok)
        if check.name == "contract_type_in_layer":
            layer = frame[ContractsSchema.layer].iloc[pos].reset_index(drop=True)
            allowed = layer.map({k: ", ".join(v) for k, v in LAYER_CONTRACT_TYPES.items()})
            detail = ('layer "' + layer + '"; layer ' + layer + " allows: " + allowed).to_numpy(dtype=object)
            cells.add(column, pos, check.name, detail)
        else:
            price = cell_text(cells.raw, ContractsSchema.price_per_mwh, pos)
            cells.add(column, pos, check.name, price.to_numpy(dtype=object), null=False, quote=False)
    return duplicates


def _left_out(table: str, frame: pd.DataFrame, duplicates: np.ndarray) -> np.ndarray:
    out = duplicates.copy()
    for spec in column_specs(table):
        if spec.required:
            out |= frame[spec.name].isna().to_numpy()
    for check in schema(table).checks:
        if FRAME_CHECKS[check.name][1]:
            out |= ~_passed(check(frame).check_output, frame.index)
    return out


def _clean(table: str, frame: pd.DataFrame, keep: np.ndarray) -> pd.DataFrame:
    clean = frame.loc[keep].reset_index(drop=True)
    for spec in column_specs(table):
        if spec.kind == "bool":
            clean[spec.name] = clean[spec.name].fillna(False).astype(bool)
        elif spec.kind == "int":
            clean[spec.name] = clean[spec.name].astype("int64")
    return clean


def _cell_findings(cells: _Cells, frame: pd.DataFrame, keys: pd.Series) -> pd.DataFrame | None:
    if not cells.chunks:
        return None
    pos = np.concatenate([c[1] for c in cells.chunks])
    sizes = [len(c[1]) for c in cells.chunks]

    def stitched(i: int) -> pd.Series:
        parts = [_repeat(c[i], k) if c[i] is None or isinstance(c[i], str) else pd.Series(c[i], dtype="str")
                 for c, k in zip(cells.chunks, sizes, strict=True)]
        return pd.concat(parts, ignore_index=True)

    values = [c[4] if c[4] is not None else _repeat(None, k) for c, k in zip(cells.chunks, sizes, strict=True)]
    site = frame["site_id"].take(pos) if "site_id" in frame else None
    return finding_frame(table=cells.raw.table, file=cells.raw.file, record_id=keys.take(pos), site_id=site,
                         row=frame["_row"].to_numpy()[pos], line=frame["_line"].array.take(pos), column=stitched(0),
                         problem=stitched(2), value=pd.concat(values, ignore_index=True), detail=stitched(3))


def _validate_table(raw: RawTable) -> tuple[pd.DataFrame, pd.DataFrame | None, int, pd.Series]:
    """Clean frame, EP000 cell findings, rows left out, and every readable key (for references)."""
    parsed = parse_table(raw)
    frame = parsed.frame
    raw.problems.extend(parsed.problems)
    if fatal(raw):
        return empty_frame(raw.table), None, len(frame), frame[KEY_COLUMNS[raw.table]].dropna()
    cells = _Cells(raw=raw, n=len(frame))
    parse_failed: dict[str, np.ndarray] = {}
    for column, pos, codes in parsed.failures:
        cells.add(column, pos, codes)
        parse_failed[column] = cells.null[column].copy()
    keys = frame[KEY_COLUMNS[raw.table]].copy()
    duplicates = _check_cells(raw.table, frame, cells, parse_failed)
    for column, mask in cells.null.items():
        frame[column] = frame[column].mask(mask)
    out = _left_out(raw.table, frame, duplicates)
    findings = _cell_findings(cells, parsed.frame, keys)
    return _clean(raw.table, frame, ~out), findings, int(out.sum()), keys.dropna()


# ---- EP001–EP003: references, dates, currencies (rows stay in the clean frames) ---------------------------

def _row_frame(table: str, file: str, sub: pd.DataFrame, column: str, message: pd.Series) -> pd.DataFrame:
    return finding_frame(
        table=table, file=file, record_id=sub[KEY_COLUMNS[table]].to_numpy(dtype=object, na_value=None),
        site_id=sub["site_id"].to_numpy(dtype=object, na_value=None), row=sub["_row"].to_numpy(),
        line=sub["_line"].array, column=column, message=message.to_numpy(dtype=object))


# Each check below selects its rows first and builds messages for those rows only: string concatenation
# and strftime over a whole million-row column cost seconds when only a few rows are findings.

def _dangling(frames: dict[str, pd.DataFrame], keys: dict[str, pd.Series], loaded: set[str],
              files: dict[str, str]) -> list[pd.DataFrame]:
    """EP001: a reference that names no row of the referenced table (checked only when that table loaded).

    The referenced keys are every key that was readable in its file, so a row left out for another
    reason is not reported a second time as missing."""
    out = []
    for table in TABLES:
        for spec in column_specs(table):
            target = spec.references
            if target is None or target not in loaded or table not in loaded:
                continue
            clean = frames[table]
            ref = clean[spec.name]
            mask = ref.notna().to_numpy() & ~isin(ref, keys.get(target, pd.Series(dtype="str")))
            if not mask.any():
                continue
            sub = clean.loc[mask]
            message = (SINGULAR[table] + " " + sub[KEY_COLUMNS[table]] + " names " + SINGULAR[target] + ' "'
                       + sub[spec.name] + '", which is not in ' + files[target])
            out.append(_row_frame(table, files[table], sub, spec.name, message))
    return out


def _inverted(frames: dict[str, pd.DataFrame], files: dict[str, str]) -> list[pd.DataFrame]:
    """EP002: end_date before start_date."""
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


def _unconvertible(frames: dict[str, pd.DataFrame], files: dict[str, str], settings: Settings) -> list[pd.DataFrame]:
    """EP003: a currency other than the plan's with no [fx] rate, whether or not the row has a price."""
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
    """EP001, EP002 and EP003 over the clean frames (one batch per rule that fired)."""
    batches = []
    for rule, parts in (("EP001", _dangling(frames, keys, loaded, files)), ("EP002", _inverted(frames, files)),
                        ("EP003", _unconvertible(frames, files, settings))):
        if parts:
            batches.append(FindingBatch(rule, pd.concat(parts, ignore_index=True)))
    return batches


def validate_plan(plan_dir: Path, settings: Settings) -> ValidatedPlan:
    """Load every table, validate it against its model, and report EP000–EP003."""
    raws = load_tables(plan_dir)
    frames: dict[str, pd.DataFrame] = {}
    keys: dict[str, pd.Series] = {}
    rows_left_out: dict[str, int] = {}
    ep000: list[pd.DataFrame] = []
    loaded: set[str] = set()
    for table in TABLES:
        raw = raws[table]
        if raw.data is None:
            frames[table], rows_left_out[table] = empty_frame(table), 0
            if not raw.problems:
                loaded.add(table)  # an absent optional table
        else:
            frames[table], cells, rows_left_out[table], keys[table] = _validate_table(raw)
            if not fatal(raw):
                loaded.add(table)
            if cells is not None:
                ep000.append(cells)
        if raw.problems:
            ep000.append(finding_frame(
                table=table, file=[p.file for p in raw.problems], column=[p.column for p in raw.problems],
                problem="file", detail=[p.message for p in raw.problems]))
    files = {t: raws[t].file for t in TABLES}
    batches = []
    if ep000:
        batches.append(FindingBatch("EP000", pd.concat(ep000, ignore_index=True), render_ep000))
    batches += integrity_batches(frames, keys, loaded, files, settings)
    inputs = sorted(p for raw in raws.values() for p in raw.paths)
    return ValidatedPlan(root=plan_dir, frames=frames, loaded=loaded, files=files, batches=batches,
                         rows_left_out=rows_left_out, input_files=inputs)
