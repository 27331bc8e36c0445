"""Rule files → validated `RuleSpec`s with the configuration applied (tomllib only: no pandas here)."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from energyplan.catalog import builtin_rules_dir
from energyplan.config import Settings
from energyplan.config_keys import check_param
from energyplan.errors import ConfigError, RulePackError
from energyplan.facts.columns import FACTS_TABLES
from energyplan.fsread import MIB, NotReadable, read_bounded, show
from energyplan.model import TABLES, RuleParam, RuleSpec, Severity
from energyplan.ruleset.builtins import BUILTINS
from energyplan.ruleset.expr import parse_when
from energyplan.ruleset.names import AS_OF, TARGET_NAMES
from energyplan.ruleset.templates import parse_template
from energyplan.suggest import did_you_mean

REQUIRED_KEYS = ("code", "name", "severity", "table", "when", "message", "summary", "rationale", "remediation")
OPTIONAL_KEYS = ("column", "needs", "params", "builtin", "facts", "locate")
ALL_KEYS = REQUIRED_KEYS + OPTIONAL_KEYS
CODE_RE = re.compile(r"^[A-Z]{2,}[0-9]{3}$")
NAME_RE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
MAX_RULE_FILE_BYTES = MIB  # the catalog's largest rule file is ~2 KiB


def _str(raw: Mapping[str, Any], key: str, src: str) -> str:
    value = raw[key]
    if not isinstance(value, str) or not value.strip():
        raise RulePackError(f"{src}: {key} must be a non-empty string, got {value!r}")
    return value.strip()


def read_rule_file(path: Path, *, builtin_allowed: bool = False) -> RuleSpec:
    """Read and check one rule file (everything but column names, which need the pandera models)."""
    src = str(path)
    try:
        # regular files only, bounded: a FIFO named *.toml hung the pack and a link to /dev/zero read forever
        raw = tomllib.loads(read_bounded(path, MAX_RULE_FILE_BYTES).decode("utf-8"))
    except NotReadable as exc:
        raise RulePackError(f"{src}: cannot read rule file: {exc}") from None
    except UnicodeDecodeError as exc:
        raise RulePackError(f"{src}: not valid TOML: not UTF-8 text (byte {exc.start})") from None
    except tomllib.TOMLDecodeError as exc:
        raise RulePackError(f"{src}: not valid TOML: {exc}") from None
    except (RecursionError, MemoryError):
        raise RulePackError(f"{src}: not a usable rule file: values are nested too deeply") from None
    for key in raw:
        if key not in ALL_KEYS:
            raise RulePackError(f"{src}: unknown key {key!r}{did_you_mean(key, ALL_KEYS)}")
    builtin = raw.get("builtin")
    if builtin is not None:
        if not builtin_allowed or builtin not in BUILTINS:
            raise RulePackError(
                f"{src}: builtin = {builtin!r}: only rules of the built-in catalog name a Python "
                "implementation; write a `when` predicate instead"
            )
        if "when" in raw:
            raise RulePackError(f"{src}: a rule has either `when` or `builtin`, not both")
    required = [k for k in REQUIRED_KEYS if not (builtin and k in ("when", "table"))]
    missing = [k for k in required if k not in raw]
    if missing:
        raise RulePackError(f"{src}: missing key(s) {', '.join(missing)}")
    code = _str(raw, "code", src)
    if not CODE_RE.match(code):
        raise RulePackError(f"{src}: code {code!r} must be letters then three digits, e.g. EP501 or ACME101")
    name = _str(raw, "name", src)
    if not NAME_RE.match(name):
        raise RulePackError(f"{src}: name {name!r} must be kebab-case, e.g. capacity-shortfall")
    severity = raw["severity"]
    if severity not in {s.value for s in Severity}:
        choices = [s.value for s in Severity]
        raise RulePackError(
            f"{src}: severity must be one of {', '.join(choices)}, not {severity!r}"
            f"{did_you_mean(str(severity), choices)}"
        )
    table = raw.get("table")
    allowed_tables = TABLES if builtin else tuple(FACTS_TABLES)
    if table is not None and table not in allowed_tables:
        raise RulePackError(
            f"{src}: table {table!r} is not one of {', '.join(allowed_tables)}"
            f"{did_you_mean(str(table), allowed_tables)}"
        )
    column = raw.get("column")
    if column is not None and (not isinstance(column, str) or not column.isidentifier()):
        raise RulePackError(f"{src}: column must be a column name, got {column!r}")
    needs = raw.get("needs", [])
    if isinstance(needs, str):
        needs = [needs]
    if not isinstance(needs, list) or any(n not in TABLES for n in needs):
        raise RulePackError(f"{src}: needs must be a list of tables among {', '.join(TABLES)}, got {needs!r}")
    params = _read_params(raw.get("params", {}), src)
    facts_options = _read_facts_options(raw.get("facts", {}), params, src)
    locate = _read_locate(raw.get("locate", []), src)
    when = raw.get("when")
    if when is not None:
        parsed = parse_when(when, source=src)
        reserved = {AS_OF, *TARGET_NAMES}
        clash = sorted(reserved & {p.name for p in params})
        if clash:
            raise RulePackError(f"{src}: params.{clash[0]} is a reserved name (as_of, target_*)")
        bad_targets = sorted(n for n in parsed.names if n.startswith("target_") and n not in TARGET_NAMES)
        if bad_targets:
            raise RulePackError(
                f"{src}: when: unknown target {bad_targets[0]!r}{did_you_mean(bad_targets[0], TARGET_NAMES)}; "
                f"targets: {', '.join(TARGET_NAMES)}"
            )
    template = parse_template(raw["message"], source=src)
    fields = BUILTINS[builtin].fields if builtin else None
    if fields is not None:
        unknown = [f for f in template.fields if f not in fields]
        if unknown:
            raise RulePackError(
                f"{src}: message: unknown field {{{unknown[0]}}}{did_you_mean(unknown[0], fields)}; "
                f"fields: {', '.join(sorted(fields))}"
            )
    return RuleSpec(
        code=code,
        name=name,
        severity=Severity(severity),
        default_severity=Severity(severity),
        table=table,
        summary=_str(raw, "summary", src),
        rationale=_str(raw, "rationale", src),
        remediation=_str(raw, "remediation", src),
        message=raw["message"],
        when=when.strip() if isinstance(when, str) else None,
        column=column,
        builtin=builtin,
        needs=tuple(needs),
        params=params,
        facts_options=facts_options,
        locate=locate,
        source=src,
    )


def _read_locate(raw: Any, src: str) -> tuple[tuple[str, str | None], ...]:
    """`locate = [{ key = "targets.cfe_pct", when = "…" }]`: where a plan-wide finding points in the
    configuration file: the line of the first key whose `when` matches a matching row (or that has none)."""
    if not isinstance(raw, list) or not all(isinstance(e, dict) for e in raw):
        raise RulePackError(f"{src}: locate must be a list of {{ key = \"table.key\", when = \"…\" }}")
    out: list[tuple[str, str | None]] = []
    for entry in raw:
        unknown = sorted(set(entry) - {"key", "when"})
        if unknown:
            raise RulePackError(f"{src}: locate: unknown key {unknown[0]!r}; entries have key and when")
        key, when = entry.get("key"), entry.get("when")
        if not isinstance(key, str) or not re.fullmatch(r"[a-z_]+(\.[a-z_0-9]+)*", key):
            raise RulePackError(f"{src}: locate: key must be a dotted configuration key, got {key!r}")
        if when is not None:
            if not isinstance(when, str):
                raise RulePackError(f"{src}: locate: when must be a string, got {when!r}")
            parse_when(when, source=src)
        out.append((key, when))
    return tuple(out)


def _read_facts_options(raw: Any, params: tuple[RuleParam, ...], src: str) -> tuple[tuple[str, str], ...]:
    """`[facts] option = "param"`: the facts option (e.g. growth_horizon_days) a param of this rule sets."""
    if not isinstance(raw, dict):
        raise RulePackError(f"{src}: facts must be a table of option = \"param name\"")
    names = [p.name for p in params]
    out = []
    for option, param in sorted(raw.items()):
        if not isinstance(param, str) or param not in names:
            raise RulePackError(f"{src}: facts.{option} must name one of the rule's params "
                                f"({', '.join(names) or 'it has none'}), got {param!r}")
        out.append((option, param))
    return tuple(out)


def _read_params(raw: Any, src: str) -> tuple[RuleParam, ...]:
    if not isinstance(raw, dict):
        raise RulePackError(f"{src}: [params] must be a table of name = value")
    out = []
    for name, value in raw.items():
        if not name.isidentifier() or name.startswith("_") or len(name) > 64:
            raise RulePackError(f"{src}: params.{show(name, 40)}: a parameter name must be a plain identifier")
        if not isinstance(value, (int, float, str, bool)):
            raise RulePackError(f"{src}: params.{name} must be a number, string or bool, got {show(value)}")
        problem = check_param(name, value)  # the same bounds as a [rules.params] override
        if problem:
            raise RulePackError(f"{src}: params.{name} {problem}")
        out.append(RuleParam(name, value, value))
    return tuple(out)


def read_pack(path: Path, *, builtin_allowed: bool = False) -> list[RuleSpec]:
    """A rule pack: a folder of *.toml files (sorted) or one file."""
    path = Path(path)
    if path.is_dir():
        files = sorted(path.glob("*.toml"))
        if not files and not builtin_allowed:
            raise RulePackError(f"{path}: no *.toml rule files in this folder")
    elif path.exists() or path.is_symlink():
        files = [path]  # read_rule_file says what it is when it is not a regular file
    else:
        raise RulePackError(f"{path}: no such rule file or folder")
    return [read_rule_file(f, builtin_allowed=builtin_allowed) for f in files]


def builtin_rules() -> list[RuleSpec]:
    return read_pack(builtin_rules_dir(), builtin_allowed=True)


def load_rules(settings: Settings | None = None, *, extra_packs: Iterable[Path] = (),
               check_columns: bool = False) -> list[RuleSpec]:
    """Every rule (built-in catalog + `[rules] paths` + extra packs), sorted by code, configured.

    Severity and params overrides are applied; select/ignore are not (see `select_rules`).
    `check_columns` also checks names against the facts columns: that imports the pandera models, so
    `audit` and `rules check` ask for it and `rules list/explain` do not.
    """
    settings = settings or Settings()
    specs = builtin_rules()
    for pack in (*settings.rules.paths, *extra_packs):
        specs += read_pack(pack)
    seen: dict[str, str] = {}
    for spec in specs:
        if spec.code in seen:
            raise RulePackError(f"{spec.source}: rule code {spec.code} is already defined in {seen[spec.code]}")
        seen[spec.code] = spec.source
    specs.sort(key=lambda s: s.code)
    if check_columns:
        from energyplan.ruleset.columns import check_columns as check

        check(specs)
    return configure(specs, settings)


def _matches(code: str, pattern: str) -> bool:
    return code.startswith(pattern)


def _where(settings: Settings) -> str:
    return f"{settings.source}: " if settings.source else ""


def configure(specs: list[RuleSpec], settings: Settings) -> list[RuleSpec]:
    """Apply `[rules] severity` and `[rules.params.CODE]`; check every code the config names."""
    cfg = settings.rules
    codes = [s.code for s in specs]
    where = _where(settings)

    def known(pattern: str, key: str) -> None:
        if not any(_matches(c, pattern) for c in codes):
            # an option of the command line is blamed as such, not the config file beside it
            origin = "" if key.startswith("--") else where
            raise ConfigError(f"{origin}{key}: {pattern!r} matches no rule{did_you_mean(pattern, codes)}")

    for pattern in cfg.select or ():
        known(pattern, cfg.select_from)
    for pattern in cfg.ignore:
        known(pattern, cfg.ignore_from)
    for pattern in cfg.severity:
        known(pattern, f"rules.severity.{pattern}")
    for waiver in settings.waivers:
        if waiver.rule not in codes:
            raise ConfigError(f"{where}waiver for {waiver.rule!r}: no such rule{did_you_mean(waiver.rule, codes)}")
    for code, overrides in cfg.params.items():
        if code not in codes:
            raise ConfigError(f"{where}rules.params.{code}: no such rule{did_you_mean(code, codes)}")
        spec = specs[codes.index(code)]
        names = [p.name for p in spec.params]
        for name, value in overrides.items():
            if name not in names:
                hint = did_you_mean(name, names) or (f"; its params: {', '.join(names)}" if names else "; it has none")
                raise ConfigError(f"{where}rules.params.{code}.{name}: {code} has no such parameter{hint}")
            default = spec.params[names.index(name)].default
            if _kind(value) != _kind(default):
                raise ConfigError(
                    f"{where}rules.params.{code}.{name} must be a {_kind(default)} like the default "
                    f"{default!r}, got {value!r}"
                )
    out = []
    for spec in specs:
        sev = _most_specific(spec.code, cfg.severity)
        overrides = cfg.params.get(spec.code, {})
        params = tuple(replace(p, value=overrides.get(p.name, p.default)) for p in spec.params)
        out.append(replace(spec, severity=Severity(sev) if sev else spec.default_severity, params=params))
    return out


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    return "number" if isinstance(value, (int, float)) else "string"


def _most_specific(code: str, mapping: Mapping[str, str]) -> str | None:
    """The value of the longest key that is a prefix of `code` (an exact code beats a prefix)."""
    keys = [k for k in mapping if _matches(code, k)]
    return mapping[max(keys, key=len)] if keys else None


def is_selected(code: str, settings: Settings) -> bool:
    """select/ignore by code or prefix; the more specific entry wins (ignore on a tie), as in ruff."""
    cfg = settings.rules
    sel = [len(p) for p in cfg.select if _matches(code, p)] if cfg.select is not None else [0]
    ign = [len(p) for p in cfg.ignore if _matches(code, p)]
    if not sel:
        return False
    return not ign or max(sel) > max(ign)


def select_rules(specs: Iterable[RuleSpec], settings: Settings) -> list[RuleSpec]:
    return [s for s in specs if is_selected(s.code, settings)]


def facts_options(specs: Iterable[RuleSpec]) -> dict[str, Any]:
    """The facts options the given rules' params set (`[facts]` in a rule file), values in force."""
    out: dict[str, Any] = {}
    for spec in specs:
        values = {p.name: p.value for p in spec.params}
        for option, param in spec.facts_options:
            out[option] = values[param]
    return out
