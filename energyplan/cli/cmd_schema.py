"""`energyplan schema` (the plan format, from the pandera models) and `energyplan init` (an empty plan)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from energyplan.cli.common import DebugOpt, err, guard, stdout_is_terminal
from energyplan.errors import UsageError
from energyplan.model import REQUIRED_TABLES, TABLES
from energyplan.suggest import did_you_mean

FORMATS = ("rich", "text", "json")
SCHEMA_VERSION = 1

# The energyplan.toml that `init` writes: every section of the plan-format example, commented out
# except the currency (as_of stays commented: a plan judged "today" is what a fresh plan wants).
CONFIG_TEMPLATE = """\
# energyplan settings for this plan (see `energyplan schema` and docs/plan-format.md).
# Everything but the currency is optional; uncomment what you need.

currency = "EUR"          # plan currency (ISO 4217): every cost is compared in it

# as_of = 2026-11-30      # date the plan is judged at; default: today. --as-of overrides.

# [fx]                    # plan-currency units per one unit of another currency
# USD = 0.92

# [targets]
# carbon_intensity_g_per_kwh = 150   # enables EP601

# [rules]
# paths = ["policies/"]   # extra rule packs (relative to this file), in the same TOML form as rules/
# select = ["EP"]         # rule codes or prefixes to run (default: all)
# ignore = ["EP303"]
# fail_on = "error"       # error | warning | info | never
# severity = { EP203 = "error" }   # per-rule severity override

# [rules.params.EP502]
# min_headroom_pct = 15

# [[waivers]]             # an accepted exception: reason, owner and expires are all required
# rule = "EP101"
# record = "cmt-aws-2027" # record_id of the finding
# reason = "virtual PPA in signature, due 2027-02"
# owner = "energy-lead@example.org"
# expires = 2027-03-31    # after this date the finding counts again
"""

FormatOpt = Annotated[
    str | None,
    typer.Option("--format", "-f", metavar="FMT",
                 help="rich (default on a terminal), text (default otherwise) or json.", show_default=False),
]


def _format(value: str | None) -> str:
    fmt = value or ("rich" if stdout_is_terminal() else "text")
    if fmt not in FORMATS:
        hint = did_you_mean(fmt.lower(), FORMATS, cutoff=0.5)
        raise UsageError(f"--format {fmt!r}: choose from {', '.join(FORMATS)}{hint}")
    return fmt


def _tables(table: str | None) -> tuple[str, ...]:
    if table is None:
        return TABLES
    if table not in TABLES:
        hint = did_you_mean(table.lower(), TABLES, cutoff=0.5)
        raise UsageError(f"unknown table {table!r}{hint}; tables: {', '.join(TABLES)}")
    return (table,)


def _allowed(col: dict[str, Any]) -> str:
    parts = []
    if col["unique"]:
        parts.append("unique")
    if col["allowed"]:
        parts.append(", ".join(col["allowed"]))
    if col["references"]:
        parts.append(f"→ {col['references']}")
    if col["hint"]:
        parts.append(col["hint"])
    if col["range"]:
        parts.append(col["range"].strip())
    return "; ".join(parts)


def _described(tables: tuple[str, ...]) -> list[dict[str, Any]]:
    from energyplan.plan.schemas import column_specs, describe, range_text

    out = []
    for table in tables:
        d = describe(table)
        d["required"] = table in REQUIRED_TABLES
        d["files"] = [f"{table}.csv", f"{table}.parquet"]
        for col, spec in zip(d["columns"], column_specs(table), strict=True):
            col["range"] = range_text(spec) or None
        out.append(d)
    return out


def _text(described: list[dict[str, Any]]) -> str:
    lines = []
    for d in described:
        need = "required" if d["required"] else "optional"
        lines.append(f"{d['table']} ({d['files'][0]} or {d['files'][1]}, {need}): {d['description']}")
        rows = [("column", "type", "required", "unit", "allowed", "meaning")]
        rows += [(c["name"], c["type"], c["required_text"], c["unit"] or "", _allowed(c), c["description"] or "")
                 for c in d["columns"]]
        widths = [max(len(r[i]) for r in rows) for i in range(5)]
        for r in rows:
            lines.append("  " + "  ".join(v.ljust(w) for v, w in zip(r[:5], widths, strict=True)) + "  " + r[5])
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def _rich(described: list[dict[str, Any]]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False)
    for d in described:
        need = "required" if d["required"] else "optional"
        table = Table(title=f"{d['table']}  ({d['files'][0]} / .parquet, {need})", title_justify="left",
                      caption=d["description"], caption_justify="left")
        for name in ("column", "type", "required", "unit", "allowed", "meaning"):
            table.add_column(name, overflow="fold", no_wrap=name in ("column", "type"))
        for c in d["columns"]:
            table.add_row(c["name"], c["type"], c["required_text"], c["unit"] or "", _allowed(c),
                          c["description"] or "", style=None if c["required"] else "dim")
        console.print(table, markup=False)


def schema_command(
    table: Annotated[str | None, typer.Argument(help="One table (sites, workloads, commitments, contracts, "
                                                     "incidents); default: all.", show_default=False)] = None,
    fmt: FormatOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Print the plan format: every column's type, whether it is required, unit and allowed values.

    Straight from the pandera models that validate plans, so it is always what `validate` checks.

    Examples:  energyplan schema workloads  ·  energyplan schema --format json > plan-format.json
    """
    with guard(debug):
        chosen = _format(fmt)
        described = _described(_tables(table))
        if chosen == "json":
            typer.echo(json.dumps({"schema_version": SCHEMA_VERSION, "tables": described}, indent=2,
                                  ensure_ascii=False))
        elif chosen == "text":
            typer.echo(_text(described), nl=False)
        else:
            _rich(described)


def init_command(
    folder: Annotated[Path, typer.Argument(metavar="DIR", help="The folder for the new plan (created if needed).",
                                           show_default=False)],
    xlsx: Annotated[bool, typer.Option("--xlsx", help="Start the plan as one Excel workbook (DIR-name.xlsx, a "
                                       "sheet per table) instead of CSV files.")] = False,
    debug: DebugOpt = False,
) -> None:
    """Start a plan: header-only tables for every table and a commented energyplan.toml.

    Never overwrites: if any of the files exists, nothing is written. The new plan validates clean;
    fill in the rows, then run `energyplan audit DIR`. With --xlsx the tables are the sheets of one
    workbook, with a bold, frozen header row.

    Example:  energyplan init plans/2027 && energyplan validate plans/2027
    """
    with guard(debug):
        from energyplan.config_schema import SCHEMA_COMMENT
        from energyplan.plan.schemas import input_columns

        if folder.exists() and not folder.is_dir():
            raise UsageError(f"{folder} exists and is not a folder")
        files: dict[str, str | bytes] = {}
        if xlsx:
            from energyplan.convert import workbook_bytes, workbook_name

            files[workbook_name(folder)] = workbook_bytes({t: input_columns(t) for t in TABLES})
        else:
            files |= {f"{t}.csv": ",".join(input_columns(t)) + "\n" for t in TABLES}
        # The `#:schema` line lets editors (taplo, Even Better TOML) complete and check the file.
        files["energyplan.toml"] = f"{SCHEMA_COMMENT}\n{CONFIG_TEMPLATE}"
        existing = [name for name in files if (folder / name).exists()]
        if existing:
            raise UsageError(f"{folder}: will not overwrite {', '.join(existing)}; remove it or choose another "
                             "folder")
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UsageError(f"cannot create {folder}: {exc.strerror or exc}") from None
        for name, content in files.items():
            try:
                # "x": a file that appeared since the check above is still never overwritten.
                if isinstance(content, bytes):
                    with (folder / name).open("xb") as fb:
                        fb.write(content)
                else:
                    with (folder / name).open("x", encoding="utf-8", newline="") as fh:
                        fh.write(content)
            except FileExistsError:
                raise UsageError(f"{folder}: will not overwrite {name}, which appeared meanwhile") from None
            except OSError as exc:
                raise UsageError(f"cannot write {folder / name}: {exc.strerror or exc}") from None
        err(f"wrote {len(files)} files to {folder}: {', '.join(files)}")


def register(app: typer.Typer) -> None:
    """Add `schema` and `init` to the app."""
    app.command("schema")(schema_command)
    app.command("init")(init_command)
