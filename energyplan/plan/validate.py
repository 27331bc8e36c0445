"""Validate a plan folder: read every table, check it against its model and across tables → ValidatedPlan."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from energyplan.config import Settings
from energyplan.model import TABLES, FindingBatch
from energyplan.plan.checks import LOST_COLUMNS, TableResult, empty_frame, validate_table
from energyplan.plan.files import RawTable, fatal, folder_names
from energyplan.plan.header import load_tables
from energyplan.plan.integrity import integrity_batches
from energyplan.plan.messages import finding_frame, render_schema
from energyplan.plan.unread import UNREAD_FILE, unread_files
from energyplan.plan.workbook import (
    SheetPlace,
    WorkbookPlan,
    ambiguity,
    load_workbook,
    table_file_names,
    unread_raws,
    workbook_names,
)

SCHEMA, UNKNOWN_COLUMN, NORMALISED_VALUE = "schema", "unknown-column", "normalised-value"  # builtin check names

__all__ = ["LOST_COLUMNS", "ValidatedPlan", "empty_frame", "read_plan_tables", "validate_plan"]


@dataclass
class ValidatedPlan:
    """A plan's tables after validation, with the findings of validation.

    `loaded`: the tables whose rows can be used — every table that was read and kept its required
    columns (possibly with rows left out), plus optional tables (incidents, profiles) that are absent.
    A table not in `loaded` is missing, ambiguous, unreadable or lacks a required column; its frame is
    empty and rules needing it must be skipped. `lost[t]` (columns LOST_COLUMNS) lists, for a loaded
    table, each cell a schema finding nulled or whose row it left out (`left_out`), with its location.
    """

    root: Path  # the plan folder
    frames: dict[str, pd.DataFrame]  # every table of model.TABLES; an empty typed frame when missing/failed
    loaded: set[str]
    files: dict[str, str]  # table -> file name in the plan folder ("sites.csv"; the CSV name if missing)
    batches: list[FindingBatch]  # `rule` holds the builtin check name (schema, reference, …), not a code
    rows_left_out: dict[str, int]  # per table, rows left out of everything downstream
    input_files: list[Path] = field(default_factory=list)  # for the plan digest, sorted
    lost: dict[str, pd.DataFrame] = field(default_factory=dict)
    # On a workbook plan: table -> where its records sit in the workbook (findings are located by cell).
    sheets: dict[str, SheetPlace] = field(default_factory=dict)


def _file_findings(table: str | None, items: list[tuple[str, str | None, str]], rule: str) -> pd.DataFrame:
    """Findings on whole files or columns: (file, column, message) each."""
    messages = [i[2] for i in items]
    text = {"problem": "file", "detail": messages} if rule == SCHEMA else {"message": messages}
    return finding_frame(table=table, file=[i[0] for i in items], column=[i[1] for i in items], **text)


def read_plan_tables(plan_dir: Path, names: frozenset[str], progress: Any = None,
                     ) -> tuple[dict[str, RawTable], WorkbookPlan | None, list[tuple[str, str]]]:
    """The tables from the table files or from the plan's one workbook; (workbook, message) problems when
    the source is ambiguous (then the table files are read, and no workbook)."""
    books = workbook_names(names)
    table_files = table_file_names(names)
    if len(books) == 1 and not table_files:
        book = load_workbook(plan_dir / books[0])
        return book.raws, book, []
    problems = ambiguity(books, table_files)
    if problems and not table_files:
        return unread_raws(books[0]), None, problems
    return load_tables(plan_dir, names, progress), None, problems


def validate_plan(plan_dir: Path, settings: Settings, progress: Any = None) -> ValidatedPlan:
    """Load every table, validate it against its model and across tables, and report what is wrong.

    `progress` (anything with `.stage(text)`, as pipeline.Progress) hears each step: reading, parsing
    and checking each table, then the references across tables."""
    names = folder_names(plan_dir)
    raws, book, book_problems = read_plan_tables(plan_dir, names, progress)
    if book is not None:
        book_problems = [(book.file, m) for m in book.problems]
    frames: dict[str, pd.DataFrame] = {}
    keys: dict[str, pd.Series] = {}
    rows_left_out: dict[str, int] = {}
    lost: dict[str, pd.DataFrame] = {}
    found: dict[str, list[pd.DataFrame]] = {SCHEMA: [], UNKNOWN_COLUMN: [], NORMALISED_VALUE: [], UNREAD_FILE: []}
    loaded: set[str] = set()
    for table in TABLES:
        raw = raws[table]
        if raw.data is None:
            frames[table], rows_left_out[table] = empty_frame(table), 0
            if not raw.problems:
                loaded.add(table)  # an absent optional table
        else:
            if progress is not None:
                progress.stage(f"parsing {raw.file}")
            result: TableResult = validate_table(raw, progress)
            frames[table], rows_left_out[table], keys[table] = result.clean, result.left_out, result.keys
            if not fatal(raw):
                loaded.add(table)
                lost[table] = result.lost
            if result.cells is not None:
                found[SCHEMA].append(result.cells)
            if result.normalised is not None:
                found[NORMALISED_VALUE].append(result.normalised)
        for rule in (SCHEMA, UNKNOWN_COLUMN):
            items = [(p.file, p.column, p.message) for p in raw.problems if p.rule == rule]
            if items:
                found[rule].append(_file_findings(table, items, rule))
    if book_problems:
        found[SCHEMA].append(_file_findings(None, [(f, None, m) for f, m in book_problems], SCHEMA))
    unread = [(book.file, note) for note in book.notes] if book is not None else []
    unread += unread_files(names)
    if unread:
        found[UNREAD_FILE].append(_file_findings(None, [(f, None, m) for f, m in unread], UNREAD_FILE))
    files = {t: raws[t].file for t in TABLES}
    batches = [FindingBatch(rule, pd.concat(parts, ignore_index=True), render_schema if rule == SCHEMA else None)
               for rule, parts in found.items() if parts]
    if progress is not None:
        progress.stage("checking references across tables")
    batches += integrity_batches(frames, keys, loaded, files, settings)
    inputs = sorted({p for raw in raws.values() for p in raw.paths})
    return ValidatedPlan(root=plan_dir, frames=frames, loaded=loaded, files=files, batches=batches,
                         rows_left_out=rows_left_out, input_files=inputs, lost=lost,
                         sheets=book.places if book is not None else {})
