"""One table against its pandera model: failing and normalised cells, the clean frame, what was lost."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from energyplan.plan.cells import cell_text, parse_table
from energyplan.plan.files import RawTable, fatal
from energyplan.plan.keys import duplicate_detail, duplicates
from energyplan.plan.messages import finding_frame, repeat
from energyplan.plan.schemas import (
    BUILTIN_SHAPES,
    FRAME_CHECKS,
    LAYER_CONTRACT_TYPES,
    UTC_SUFFIX,
    ColumnSpec,
    ContractsSchema,
    column_specs,
    key_column,
    schema,
)
from energyplan.suggest import closest

CLEAN_DTYPES = {"string": "str", "enum": "str", "float": "float64", "int": "int64", "bool": "bool",
                "date": "datetime64[s]", "timestamp": "datetime64[s]"}
_CHECK_PROBLEM = {"isin": "enum", "str_matches": "pattern", "quarter_hour": "step"}  # else a range
_HINTS = {ContractsSchema.generation_profile: BUILTIN_SHAPES}  # pattern columns whose misses get a hint
LOST_COLUMNS = ("table", "record_id", "site_id", "file", "row", "line", "column", "left_out")


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


@dataclass
class TableResult:
    """What validating one table yields."""

    clean: pd.DataFrame  # rows kept, clean dtypes
    cells: pd.DataFrame | None  # schema findings on cells
    normalised: pd.DataFrame | None  # normalised-value findings (one per column)
    left_out: int  # rows left out of everything downstream
    keys: pd.Series  # every readable key (for references)
    lost: pd.DataFrame  # LOST_COLUMNS: cells nulled and rows left out, with their location


def empty_frame(table: str) -> pd.DataFrame:
    """A table with no rows in the clean dtypes (what a missing or failed table looks like downstream)."""
    cols: dict[str, pd.Series] = {}
    for s in column_specs(table):
        cols[s.name] = pd.Series(dtype=CLEAN_DTYPES[s.kind])
        if s.kind == "timestamp":
            cols[s.name + UTC_SUFFIX] = pd.Series(dtype="datetime64[ns, UTC]")
    cols["_row"] = pd.Series(dtype="int64")
    cols["_line"] = pd.Series(dtype="Int64")
    return pd.DataFrame(cols)


def _range_detail(spec: ColumnSpec, values: np.ndarray) -> np.ndarray:
    lo, hi = spec.minimum, spec.maximum
    below = np.zeros(len(values), dtype=bool) if lo is None else (
        values < lo if spec.include_min else values <= lo)
    low_text = ("is negative" if lo == 0 and spec.include_min else
                f"is below {lo:g}" if spec.include_min else f"is not above {lo:g}") if lo is not None else ""
    high_text = (f"is above {hi:g}" if spec.include_max else f"is not below {hi:g}") if hi is not None else ""
    return np.where(below, low_text, high_text).astype(object)


def _hint_detail(allowed: tuple[str, ...], values: pd.Series) -> np.ndarray:
    """" (did you mean "x"?)" per failing value: difflib runs once per distinct value, not per row."""
    lower = {a.lower(): a for a in allowed}
    hints = {}
    for v in values.dropna().unique()[:1000]:  # a hint per distinct typo; a flood of junk gets none
        near = lower.get(v.strip().lower()) or closest(v, allowed)
        hints[v] = f' (did you mean "{near}"?)' if near else ""
    return values.map(hints).fillna("").to_numpy(dtype=object)


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


def _normalise_enums(table: str, frame: pd.DataFrame) -> list[tuple[str, np.ndarray, pd.Series]]:
    """Enum cells equal to an allowed value but for spaces or case are set to that value (in `frame`);
    returns (column, positions, the values as written) per column where that happened."""
    out = []
    for spec in column_specs(table):
        if spec.kind != "enum" or not spec.allowed:
            continue
        s = frame[spec.name]
        off = np.flatnonzero(s.notna().to_numpy() & ~s.isin(spec.allowed).to_numpy())
        if not len(off):
            continue
        written = s.iloc[off].reset_index(drop=True)
        fixed = written.str.strip().str.lower().map({a.lower(): a for a in spec.allowed})
        hit = fixed.notna().to_numpy()
        if hit.any():
            pos = off[hit]
            frame[spec.name] = s.copy()
            frame.loc[pos, spec.name] = fixed[hit].to_numpy()
            out.append((spec.name, pos, written[hit].reset_index(drop=True)))
    return out


def _check_cells(table: str, frame: pd.DataFrame, cells: _Cells, parse_failed: dict[str, np.ndarray]) -> np.ndarray:
    """Run the model's own pandera checks column by column; returns the rows that are duplicate keys."""
    sch = schema(table)
    specs = {s.name: s for s in column_specs(table)}
    dup_rows = np.zeros(len(frame), dtype=bool)
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
            detail: object = None
            if problem == "range":
                detail = _range_detail(specs[name], s.to_numpy(dtype="float64", na_value=np.nan)[pos])
            elif problem == "enum":
                detail = _hint_detail(specs[name].allowed or (), s.iloc[pos].reset_index(drop=True))
            elif problem == "pattern" and name in _HINTS:
                detail = _hint_detail(_HINTS[name], s.iloc[pos].reset_index(drop=True))
            cells.add(name, pos, problem, detail)
        if col.unique:
            dup, codes = duplicates(s)
            if codes is not None and dup.any():
                dup_rows |= dup
                cells.add(name, np.flatnonzero(dup), "duplicate", duplicate_detail(codes, dup, present, frame),
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
    return dup_rows


def _left_out(table: str, frame: pd.DataFrame, dup_rows: np.ndarray) -> np.ndarray:
    out = dup_rows.copy()
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


def _located(raw: RawTable, frame: pd.DataFrame, keys: pd.Series, pos: np.ndarray, **cols: object) -> pd.DataFrame:
    site = frame["site_id"].take(pos) if "site_id" in frame else None
    return finding_frame(table=raw.table, file=raw.file, record_id=keys.take(pos), site_id=site,
                         row=frame["_row"].to_numpy()[pos], line=frame["_line"].array.take(pos), **cols)


def _cell_findings(cells: _Cells, frame: pd.DataFrame, keys: pd.Series) -> pd.DataFrame | None:
    if not cells.chunks:
        return None
    pos = np.concatenate([c[1] for c in cells.chunks])
    sizes = [len(c[1]) for c in cells.chunks]

    def stitched(i: int) -> pd.Series:
        parts = [repeat(c[i], k) if c[i] is None or isinstance(c[i], str) else pd.Series(c[i], dtype="str")
                 for c, k in zip(cells.chunks, sizes, strict=True)]
        return pd.concat(parts, ignore_index=True)

    values = [c[4] if c[4] is not None else repeat(None, k) for c, k in zip(cells.chunks, sizes, strict=True)]
    return _located(cells.raw, frame, keys, pos, column=stitched(0), problem=stitched(2),
                    value=pd.concat(values, ignore_index=True), detail=stitched(3))


def _lost(cells: _Cells, findings: pd.DataFrame | None, out: np.ndarray) -> pd.DataFrame:
    """Every failing cell that was nulled or whose row was left out: what dependent findings may lack.

    Picked from the table's cell findings (`_cell_findings`, one row per failing cell, chunk by chunk),
    which already carry each cell's location; sorted by row, then column (ties in the order the checks
    ran) with a numpy lexsort, so a table where every row fails sorts integers, not strings."""
    picked, offset = [], 0
    for column, pos, *_ in cells.chunks:
        nulled = cells.null.get(column, np.zeros(cells.n, dtype=bool))[pos]
        gone = out[pos]
        at = np.flatnonzero(nulled | gone)
        if len(at):
            picked.append((column, at + offset, gone[at]))
        offset += len(pos)
    if findings is None or not picked:
        return pd.DataFrame({c: pd.Series(dtype="bool" if c == "left_out" else "Int64" if c in ("row", "line")
                                          else "str") for c in LOST_COLUMNS})
    names = sorted({column for column, _, _ in picked})
    rank = np.concatenate([np.full(len(at), names.index(column)) for column, at, _ in picked])
    at = np.concatenate([at for _, at, _ in picked])
    gone = np.concatenate([gone for _, _, gone in picked])
    order = np.lexsort((rank, findings["row"].to_numpy(dtype=np.int64)[at]))  # stable: ties keep the checks' order
    lost = findings.iloc[at[order]].reset_index(drop=True)[list(LOST_COLUMNS[:-1])]
    lost["left_out"] = gone[order]
    return lost


def _normalised_findings(raw: RawTable, frame: pd.DataFrame, keys: pd.Series,
                         normalised: list[tuple[str, np.ndarray, pd.Series]]) -> pd.DataFrame | None:
    """One normalised-value finding per column, at its first such cell, with the count of cells."""
    if not normalised:
        return None
    firsts = np.array([pos[0] for _, pos, _ in normalised], dtype=np.int64)
    messages = []
    for (column, pos, written), first in zip(normalised, firsts, strict=True):
        n = len(pos)
        cells_text = "1 cell" if n == 1 else f"{n:,} cells"
        messages.append(f'{column}: {cells_text} matched an allowed value only after trimming spaces or ignoring '
                        f'case (first "{written.iloc[0][:60]}", used as "{frame[column].iloc[first]}"); '
                        f"write the values exactly as allowed")
    return _located(raw, frame, keys, firsts, column=[c for c, _, _ in normalised], message=messages)


def validate_table(raw: RawTable, progress: Any = None) -> TableResult:
    """Parse and check one read table against its model (`progress` hears when the checks start)."""
    parsed = parse_table(raw)
    if progress is not None:
        progress.stage(f"checking {raw.file}")
    frame = parsed.frame
    raw.problems.extend(parsed.problems)
    key = key_column(raw.table)
    if fatal(raw):
        return TableResult(empty_frame(raw.table), None, None, len(frame), frame[key].dropna(),
                           _lost(_Cells(raw=raw, n=0), None, np.zeros(0, dtype=bool)))
    cells = _Cells(raw=raw, n=len(frame))
    parse_failed: dict[str, np.ndarray] = {}
    for column, pos, codes in parsed.failures:
        cells.add(column, pos, codes)
        parse_failed[column] = cells.null[column].copy()
    keys = frame[key].copy()
    normalised = _normalise_enums(raw.table, frame)
    dup_rows = _check_cells(raw.table, frame, cells, parse_failed)
    for column, mask in cells.null.items():
        frame[column] = frame[column].mask(mask)
        if column + UTC_SUFFIX in frame:
            frame[column + UTC_SUFFIX] = frame[column + UTC_SUFFIX].mask(mask)
    out = _left_out(raw.table, frame, dup_rows)
    found = _cell_findings(cells, frame, keys)
    return TableResult(_clean(raw.table, frame, ~out), found, _normalised_findings(raw, frame, keys, normalised),
                       int(out.sum()), keys.dropna(), _lost(cells, found, out))
