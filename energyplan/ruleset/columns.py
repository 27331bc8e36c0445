"""Check the names a rule uses against its facts table's columns (input columns come from pandera)."""

from __future__ import annotations

from collections.abc import Iterable

from energyplan.errors import RulePackError
from energyplan.facts.columns import AXIS_COLUMNS, AXIS_SCOPE, COLLAPSE_FIELDS, DERIVED_COLUMNS, FACTS_TABLES
from energyplan.facts.registry import KPIS as KPI_COLUMNS
from energyplan.model import RuleSpec
from energyplan.ruleset.expr import parse_when
from energyplan.ruleset.names import env_names
from energyplan.ruleset.templates import parse_template
from energyplan.suggest import did_you_mean

ROW_COLUMNS = ("_row", "_line")


def facts_columns(table: str) -> list[str]:
    """Every column of a facts frame: the table's input columns, `_row`/`_line`, its derived columns."""
    from energyplan.plan.schemas import input_columns  # pandera: only when a check is asked for

    if table not in FACTS_TABLES:
        raise KeyError(table)
    if table in AXIS_COLUMNS:
        lead = ["site_id", "site_type"] if AXIS_SCOPE[table] == "sites" else []
        return [*lead, *AXIS_COLUMNS[table]]
    extra = {**(KPI_COLUMNS if table == "sites" else {}), **DERIVED_COLUMNS[table]}
    return list(dict.fromkeys([*input_columns(table), *ROW_COLUMNS, *extra]))


def check_columns(specs: Iterable[RuleSpec]) -> None:
    """Raise RulePackError (file and key named) for a name that is no column, param, as_of or target."""
    cache: dict[str, list[str]] = {}
    for spec in specs:
        if spec.builtin is not None or spec.table is None or spec.when is None:
            continue
        columns = cache.setdefault(spec.table, facts_columns(spec.table))
        names = env_names(spec)
        src = spec.source
        clash = sorted({p.name for p in spec.params} & set(columns))
        if clash:
            raise RulePackError(f"{src}: params.{clash[0]} has the name of a column of {spec.table}; rename it")
        for name in sorted(parse_when(spec.when, source=src).names - names):
            if name not in columns:
                raise RulePackError(_unknown(src, "when", name, spec, columns))
        collapse = COLLAPSE_FIELDS if spec.table in AXIS_COLUMNS else {}
        for name in parse_template(spec.message, source=src).fields:
            if name not in columns and name not in names and name not in collapse:
                raise RulePackError(_unknown(src, "message", f"{name}", spec, columns, braces=True))
        if spec.column is not None and spec.column not in columns:
            raise RulePackError(_unknown(src, "column", spec.column, spec, columns))
        for key, when in spec.locate:
            for name in sorted(parse_when(when, source=src).names - names) if when else ():
                if name not in columns:
                    raise RulePackError(_unknown(src, f"locate {key}", name, spec, columns))


def _unknown(src: str, key: str, name: str, spec: RuleSpec, columns: list[str], *, braces: bool = False) -> str:
    shown = f"{{{name}}}" if braces else repr(name)
    choices = [*columns, *sorted(env_names(spec))]
    return (
        f"{src}: {key}: {shown} is not a column of the {spec.table} facts, a parameter, as_of or a target"
        f"{did_you_mean(name, choices)}; `energyplan schema {spec.table}` lists the input columns"
    )
