"""Files in the plan folder that look like plan data but are not read (the unread-file check)."""

from __future__ import annotations

from pathlib import PurePath

from energyplan.model import TABLES
from energyplan.plan.header import near_miss

UNREAD_FILE = "unread-file"  # builtin check name (rules/EP007)
READ_SUFFIXES = (".csv", ".parquet")
# Extensions of tabular data a team might save a table in; other files (README.md, notes) stay quiet.
DATA_SUFFIXES = frozenset({".csv", ".parquet", ".pq", ".tsv", ".txt", ".xlsx", ".xlsm", ".xls", ".ods", ".json",
                           ".jsonl", ".feather", ".arrow"})
_WORKBOOKS = frozenset({".xlsx", ".xlsm", ".xls", ".ods"})


def _table_of(stem: str) -> str | None:
    """The table a file stem names, allowing case, spaces, hyphens and a few edits ("Sites", "workload")."""
    return stem if stem in TABLES else near_miss(stem, TABLES)


def unread_files(names: frozenset[str]) -> list[tuple[str, str]]:
    """(file, message) for every entry of the plan folder that looks like a table file but is not read."""
    read = {t + s for t in TABLES for s in READ_SUFFIXES}
    out = []
    for name in sorted(names):
        path = PurePath(name)
        suffix = path.suffix.lower()
        if name in read or name.startswith((".", "~$")) or suffix not in DATA_SUFFIXES:
            continue  # hidden files, editor lock files, documents
        table = _table_of(path.stem)
        if table is None:
            continue
        expected = table + (suffix if suffix in READ_SUFFIXES else ".csv")
        if suffix in _WORKBOOKS:
            why = (f"workbooks are not read; export the {table} sheet as {table}.csv (CSV UTF-8)"
                   + (f", or remove {name} if {expected} already holds it" if expected in names else ""))
        elif suffix in READ_SUFFIXES:
            why = (f"did you mean {expected}? table files are named exactly {table}.csv or {table}.parquet, "
                   "in lower case; rename it")
        else:
            why = f"only {table}.csv or {table}.parquet is read; save the table in one of those"
        out.append((name, f"{name} is not read: {why}"))
    return out
