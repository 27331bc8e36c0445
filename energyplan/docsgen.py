"""Generate docs from their single sources: `python -m energyplan.docsgen NAME [--check]`."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from energyplan.plan.schemas import ColumnSpec

REPO = Path(__file__).resolve().parent.parent

# name -> (renderer "module:function" returning the document text, path relative to the repository)
DOCS: dict[str, tuple[str, str]] = {
    "plan-format": ("energyplan.docsgen:render_plan_format", "docs/plan-format.md"),
    "rules": ("energyplan.ruleset.docs:render_rules_doc", "docs/rules.md"),
    # the KPI parts come from the KPI registry (energyplan/facts/registry.py)
    "methodology": ("energyplan.facts.docs:render_methodology", "docs/methodology.md"),
    "audit-schema": ("energyplan.facts.docs:render_audit_schema", "docs/schema/audit.schema.json"),
}

_INTRO = """\
A **plan** is a folder that holds one file per inventory table, plus an optional `energyplan.toml`.
This page is the contract between plan authors and energyplan: column names, types, units and
meanings. It is generated from the pandera models that validate every plan
(`energyplan/plan/schemas.py`), so it always says what `energyplan validate` checks; `energyplan schema
[TABLE]` prints the same in the terminal or as JSON.
"""

_RULES_OF_THE_FORMAT = """\
- Both a `.csv` and a `.parquet` for one table is an error (ambiguous), not a silent pick.
- Every table may hold only its header: a plan fresh from `energyplan init` is valid and empty.
- CSV: UTF-8 (a byte-order mark is accepted), comma-separated, one header row; CRLF or LF line ends;
  quote values that contain commas, quotes or line breaks. Only an empty cell is null (`nan`, `N/A`,
  `inf` are not numbers). Dates are `YYYY-MM-DD`; timestamps ISO 8601 (`2026-11-01T10:00:00`, an offset
  such as `+01:00` is allowed and dropped: the wall-clock time is kept). Booleans: `true`/`false`
  (also `yes`/`no`, `1`/`0`, any case).
- Columns not named here are kept and ignored (teams carry their own columns); a column whose name is a
  near miss of one named here (case, spaces, hyphens) is reported with a "did you mean".
- Parquet columns use the same names; types must be compatible (ints, floats, strings, dates or
  timestamps, booleans). A string column is parsed like CSV text.
- Money is in the plan currency (`currency` in `energyplan.toml`, default `EUR`); a row in another
  currency is converted with the rate in `[fx]` (units of plan currency per one unit of the row's currency).
- A cell that breaks its column's rule is an EP000 finding and becomes null; a row whose required cell is
  then null, and every later copy of a duplicated key, is left out of rules and KPIs.
"""


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _allowed(spec: ColumnSpec) -> str:
    from energyplan.plan.schemas import range_text

    parts = []
    if spec.unique:
        parts.append("unique")
    if spec.allowed is not None:
        parts.append(", ".join(f"`{v}`" for v in spec.allowed))
    if spec.references:
        parts.append(f"→ {spec.references}")
    if spec.hint:
        parts.append(spec.hint)
    rng = range_text(spec).strip()
    if rng:
        parts.append(rng.replace("between ", "").replace(" and ", " … ") if rng.startswith("between") else rng)
    return "; ".join(parts)


def render_plan_format() -> str:
    """docs/plan-format.md, from the pandera models and the `init` config template."""
    from energyplan.cli.cmd_schema import CONFIG_TEMPLATE
    from energyplan.model import REQUIRED_TABLES, TABLES
    from energyplan.plan.schemas import MODELS, column_specs

    out = [
        "<!-- Generated from the pandera models by `python -m energyplan.docsgen plan-format`; "
        "do not edit by hand. -->",
        "",
        "# The plan format",
        "",
        _INTRO,
        "## Files",
        "",
        "| table | file | required | one row is |",
        "| --- | --- | --- | --- |",
    ]
    for table in TABLES:
        doc = (MODELS[table].__doc__ or "").strip().rstrip(".")
        required = "yes" if table in REQUIRED_TABLES else "no"
        out.append(f"| {table} | `{table}.csv` or `{table}.parquet` | {required} | {_cell(doc)} |")
    out += ["", _RULES_OF_THE_FORMAT]
    for table in TABLES:
        title = table if table in REQUIRED_TABLES else f"{table} (optional)"
        out += [f"## {title}", "", (MODELS[table].__doc__ or "").strip(), "",
                "| column | type | required | unit | allowed | meaning |", "| --- | --- | --- | --- | --- | --- |"]
        for spec in column_specs(table):
            out.append(f"| {spec.name} | {spec.kind} | {spec.required_label} | {spec.unit} | "
                       f"{_cell(_allowed(spec))} | {_cell(spec.description)} |")
        out.append("")
    out += [
        "## energyplan.toml (optional; `[tool.energyplan]` in a pyproject.toml is read the same way)",
        "",
        "`energyplan init DIR` writes this file next to header-only tables; uncomment what you need.",
        "",
        "```toml",
        CONFIG_TEMPLATE.rstrip("\n"),
        "```",
        "",
    ]
    return "\n".join(out)


def _renderer(name: str) -> Callable[[], str]:
    module, _, function = DOCS[name][0].partition(":")
    return getattr(importlib.import_module(module), function)


def render(name: str) -> str:
    """The current text of one generated document."""
    return _renderer(name)()


def main(argv: Sequence[str] | None = None) -> int:
    """Write (or with --check, compare) the named generated docs; 0 ok, 1 out of date, 2 usage."""
    args = list(sys.argv[1:] if argv is None else argv)
    check = "--check" in args
    names = [a for a in args if a != "--check"] or []
    unknown = [n for n in names if n not in DOCS]
    if not names or unknown:
        sys.stderr.write(f"usage: python -m energyplan.docsgen [--check] NAME...; names: {', '.join(DOCS)}\n")
        return 2
    stale = []
    for name in names:
        path = REPO / DOCS[name][1]
        text = render(name)
        if check:
            if not path.is_file() or path.read_text(encoding="utf-8") != text:
                stale.append(name)
        else:
            path.write_text(text, encoding="utf-8")
            sys.stderr.write(f"wrote {DOCS[name][1]}\n")
    if stale:
        files = ", ".join(DOCS[n][1] for n in stale)
        sys.stderr.write(f"out of date: {files}; run python -m energyplan.docsgen {' '.join(stale)}\n")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
