"""Finding frames of the plan checks, and the schema-violation messages rendered per kind of problem."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from energyplan.model import FINDING_COLUMNS
from energyplan.plan.cells import arrow_strings
from energyplan.plan.schemas import MODELS, column_specs

SINGULAR = {"sites": "site", "workloads": "workload", "commitments": "commitment", "contracts": "contract",
            "incidents": "incident", "profiles": "profile"}
_VALUE_TEXT = {f"{t}.{s.name}": s.value_text() for t in MODELS for s in column_specs(t)}
_MAX_QUOTED = 60  # characters of a cell quoted in a message
_DTYPES = dict(zip(FINDING_COLUMNS, ("str", "str", "str", "str", "Int64", "Int64", "str", "str", "str"), strict=True))


def repeat(v: str | None, n: int) -> pd.Series:
    """A constant string column built in Arrow (a Python list of a million strings is slow to convert)."""
    return arrow_strings(pa.repeat(pa.scalar(v, pa.string()), n))


def _series(v: object, n: int, dtype: str) -> pd.Series:
    if (v is None or isinstance(v, str)) and dtype == "str":
        return repeat(v, n)
    if v is None or isinstance(v, str):
        return pd.Series([v] * n, dtype=dtype)
    if isinstance(v, pd.Series) and str(v.dtype) == dtype:
        return v.reset_index(drop=True)  # already typed (e.g. keys taken from a "str" column): no copy
    return pd.Series(v, dtype=dtype).reset_index(drop=True)


def finding_frame(*, table: object, file: object, record_id: object = None, site_id: object = None,
                  row: object = None, line: object = None, column: object = None, sheet: object = None,
                  cell: object = None, **extra: object) -> pd.DataFrame:
    """A finding batch frame: the FINDING_COLUMNS (scalars broadcast) plus message inputs."""
    given = {"table": table, "record_id": record_id, "site_id": site_id, "file": file, "row": row, "line": line,
             "column": column, "sheet": sheet, "cell": cell}
    sizes = [len(v) for v in (*given.values(), *extra.values()) if not isinstance(v, str) and v is not None]
    n = max(sizes, default=1)
    out = pd.DataFrame({name: _series(given[name], n, _DTYPES[name]) for name in FINDING_COLUMNS})
    for name, v in extra.items():
        out[name] = v.reset_index(drop=True) if isinstance(v, pd.Series) else _series(v, n, "object")
    return out


_SAYS = {  # problem -> what is wrong with the quoted value
    "number": "is not a number", "nonfinite": "is not a finite number", "whole": "is not a whole number",
    "too_large": "is too large", "bool": "is not a boolean", "date": "is not a date",
    "timestamp": "is not a timestamp", "step": "is not allowed",
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
    if kind == "pattern":
        return quoted + "is not valid" + detail + "; must be " + valid
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
    raise ValueError(f"unknown schema problem {kind!r}")


def render_schema(frame: pd.DataFrame) -> list[str]:
    """Messages for schema findings, rendered per kind of problem (no loop over rows)."""
    f = frame.reset_index(drop=True)
    out = np.empty(len(f), dtype=object)
    problem = f["problem"].astype(object)
    for kind in problem.unique():
        m = (problem == kind).to_numpy()
        out[m] = _message(kind, f.loc[m]).to_numpy(dtype=object)
    return out.tolist()
