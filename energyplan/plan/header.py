"""Reading the tables with their headers checked against the models: missing or repeated columns (schema),
near misses (unknown-column)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from energyplan.model import TABLES
from energyplan.plan.files import Problem, RawTable, find_table, folder_names, normalize
from energyplan.plan.schemas import column_specs

MAX_EDITS = 2  # rules.md: a near miss is equal up to case, spaces and hyphens, or within 2 edits
_MAX_EXTRA_COLUMNS = 2000  # a header with more foreign columns than this is generated, not typed: no hints


def edit_distance(a: str, b: str, limit: int = MAX_EDITS) -> int:
    """Levenshtein distance of two short names, or limit + 1 as soon as it must exceed `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        if min(cur) > limit:
            return limit + 1
        prev = cur
    return prev[-1]


def near_miss(name: str, known: Iterable[str]) -> str | None:
    """The known name that `name` is a near miss of (normalised equal first, then fewest edits), or None."""
    norm = normalize(name)
    best: tuple[int, str] | None = None
    for k in known:
        if k == name:
            continue
        # Short names get fewer edits: "team" is two edits from "name" but a different thing.
        limit = min(MAX_EDITS, len(k) // 3)
        d = 0 if normalize(k) == norm else edit_distance(norm, k, limit)
        if d <= limit and (best is None or d < best[0]):
            best = (d, k)
    return best[1] if best else None


def header_problems(raw: RawTable) -> list[Problem]:
    """Missing required columns (with a "did you mean"), repeated names, and near misses of known columns."""
    assert raw.data is not None
    names = raw.data.column_names
    specs = column_specs(raw.table)
    model = [s.name for s in specs]
    extras = [n for n in dict.fromkeys(names) if n not in model][:_MAX_EXTRA_COLUMNS]
    resembles = {n: near_miss(n, model) for n in extras}
    problems = []
    named: set[str] = set()  # extra columns already named by a missing-required-column finding
    for spec in specs:
        count = names.count(spec.name)
        if count > 1:
            problems.append(Problem(raw.file, f"column {spec.name} appears {count} times in the header of "
                                    f"{raw.file}; keep one", spec.name, fatal=spec.required))
        if count or not spec.required:
            continue
        near = next((n for n in extras if resembles[n] == spec.name), None)
        hint = f" (did you mean \"{near}\"? rename it to {spec.name})" if near else ""
        if near:
            named.add(near)
        problems.append(Problem(raw.file, f"required column {spec.name} is missing from {raw.file}{hint}; "
                                f"add it: {spec.value_text()}", spec.name))
    for extra in extras:
        target = resembles[extra]
        if target is None or extra in named:
            continue
        also = f"; {raw.file} also has {target}, which is read" if target in names else \
            f"; rename it to {target}"
        problems.append(Problem(raw.file, f"column \"{extra}\" in {raw.file} is not a column of the {raw.table} "
                                f"table but resembles {target}: its values are not read{also}",
                                extra, fatal=False, rule="unknown-column"))
    return problems


def load_tables(plan_dir: Path, names: frozenset[str] | None = None, progress: Any = None) -> dict[str, RawTable]:
    """Every table of model.TABLES, read (header checked) or with the problems that kept it from being read;
    `progress` (with `.stage(text)`) hears which table is being read."""
    names = folder_names(plan_dir) if names is None else names
    raws = {}
    for table in TABLES:
        if progress is not None:
            progress.stage(f"reading {table}")
        raws[table] = find_table(plan_dir, table, names)
    for raw in raws.values():
        if raw.data is not None:
            raw.problems.extend(header_problems(raw))
    return raws
