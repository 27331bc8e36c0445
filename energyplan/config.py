"""energyplan.toml / [tool.energyplan] / --config → one frozen, validated Settings object."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

from energyplan.config_keys import (
    DATE_MAX,
    DATE_MIN,
    KEYS,
    TABLE_KEYS,
    TOP_KEYS,
    WAIVER_KEYS,
    check_date,
    check_number,
    check_param,
    check_pathway,
    check_zone,
)
from energyplan.errors import ConfigError
from energyplan.fsread import MIB, NotReadable, read_bounded, show
from energyplan.model import FAIL_ON_CHOICES, Waiver
from energyplan.suggest import did_you_mean as _did_you_mean

CONFIG_FILE = "energyplan.toml"
# Flat targets: each one is `target_<name>` in a rule's `when` (null when unset).
TARGET_KEYS: tuple[str, ...] = ("carbon_intensity_g_per_kwh", "cfe_pct")
PATHWAY_KEYS: tuple[str, ...] = ("carbon_intensity_pathway", "emissions_pathway_t")
MAX_CONFIG_BYTES = 4 * MIB  # a configuration is a few KiB; anything near this is not one
_SEVERITIES = ("error", "warning", "info")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_CODE_OR_PREFIX = re.compile(r"^[A-Z]+[0-9]*$")


def _frozen(d: Mapping[Any, Any]) -> Mapping[Any, Any]:
    return MappingProxyType(dict(d))


@dataclass(frozen=True)
class RulesConfig:
    select: tuple[str, ...] | None = None  # None: every rule
    ignore: tuple[str, ...] = ()
    fail_on: str = "error"
    severity: Mapping[str, str] = field(default_factory=lambda: _frozen({}))
    params: Mapping[str, Mapping[str, Any]] = field(default_factory=lambda: _frozen({}))
    paths: tuple[Path, ...] = ()  # absolute paths of user rule packs
    # where select/ignore came from, for error messages: a typo in `--select EP9` is the command line's
    select_from: str = "rules.select"
    ignore_from: str = "rules.ignore"


@dataclass(frozen=True)
class HourlySettings:
    """`[hourly]` of adequacy.md: the plan clock and the battery model's parameters."""

    clock: str = KEYS["hourly.clock"].default
    round_trip_efficiency: float = KEYS["hourly.round_trip_efficiency"].default
    min_soc_pct: float = KEYS["hourly.min_soc_pct"].default
    reserve_hours: float = KEYS["hourly.reserve_hours"].default


@dataclass(frozen=True)
class Settings:
    currency: str = "EUR"
    as_of: dt.date | None = None  # None: today (the CLI resolves it)
    fx: Mapping[str, float] = field(default_factory=lambda: _frozen({}))
    targets: Mapping[str, float] = field(default_factory=lambda: _frozen({}))
    rules: RulesConfig = field(default_factory=RulesConfig)
    waivers: tuple[Waiver, ...] = ()
    source: Path | None = None  # the file the settings came from
    outlook_months: int = KEYS["outlook.months"].default
    carbon_intensity_pathway: Mapping[int, float] = field(default_factory=lambda: _frozen({}))
    emissions_pathway_t: Mapping[int, float] = field(default_factory=lambda: _frozen({}))
    hourly: HourlySettings = field(default_factory=HourlySettings)
    # dotted key ("targets.cfe_pct", "rules.params.EP502.min_headroom_pct", "waivers[1].rule") → line
    key_lines: Mapping[str, int] = field(default_factory=lambda: _frozen({}))

    def with_overrides(
        self,
        *,
        as_of: dt.date | None = None,
        select: list[str] | None = None,
        ignore: list[str] | None = None,
        fail_on: str | None = None,
        months: int | None = None,
    ) -> Settings:
        """CLI flags override the config file (an empty list leaves the config value)."""
        rules = self.rules
        if select:
            rules = replace(rules, select=tuple(_check_codes(select, "--select")), select_from="--select")
        if ignore:
            rules = replace(rules, ignore=tuple(_check_codes(ignore, "--ignore")), ignore_from="--ignore")
        if fail_on is not None:
            if fail_on not in FAIL_ON_CHOICES:
                raise ConfigError(f"--fail-on must be one of {', '.join(FAIL_ON_CHOICES)}, not {show(fail_on)}"
                                  f"{_did_you_mean(str(fail_on)[:40], FAIL_ON_CHOICES)}")
            rules = replace(rules, fail_on=fail_on)
        if as_of is not None:
            _raise(check_date(as_of), "--as-of", None)
        new_months = self.outlook_months
        if months is not None:
            _raise(check_number(KEYS["outlook.months"], months), "--months", None)
            new_months = int(months)
        return replace(self, as_of=as_of or self.as_of, rules=rules, outlook_months=new_months)

    def resolved_as_of(self) -> dt.date:
        return self.as_of or dt.date.today()


def _raise(problem: str | None, key: str, src: Path | None) -> None:
    if problem:
        raise ConfigError(f"{src}: {key} {problem}" if src else f"{key} {problem}")


def _unknown_keys(table: Mapping[str, Any], allowed: tuple[str, ...], where: str, src: Path) -> None:
    for key in table:
        if key not in allowed:
            hint = _did_you_mean(key, allowed) if len(key) < 100 else ""
            raise ConfigError(f"{src}: unknown key {where}{show(key)}{hint}; allowed: {', '.join(allowed)}")


def _expect(value: Any, kind: type | tuple[type, ...], key: str, src: Path, what: str) -> Any:
    if not isinstance(value, kind) or (kind in (int, float, (int, float)) and isinstance(value, bool)):
        raise ConfigError(f"{src}: {key} must be {what}, got {type(value).__name__} {show(value)}")
    return value


def _check_codes(codes: Any, key: str, src: Path | None = None) -> list[str]:
    where = f"{src}: " if src else ""
    if isinstance(codes, str):
        codes = [codes]
    if not isinstance(codes, list):
        raise ConfigError(f"{where}{key} must be a list of rule codes or prefixes, e.g. [\"EP1\", \"EP501\"]")
    out = []
    for code in codes:
        ok = isinstance(code, str) and len(code) <= 20 and code.isascii()  # "ß".upper() is "SS": ASCII only
        if not ok or not _CODE_OR_PREFIX.fullmatch(code.strip().upper()):
            raise ConfigError(f"{where}{key}: {show(code)} is not a rule code or prefix (e.g. \"EP1\", \"EP501\")")
        out.append(code.strip().upper())
    return out


def _parse_rules(raw: Any, src: Path) -> RulesConfig:
    _expect(raw, dict, "[rules]", src, "a table")
    _unknown_keys(raw, TABLE_KEYS["rules"], "rules.", src)
    select = tuple(_check_codes(raw["select"], "rules.select", src)) if "select" in raw else None
    ignore = tuple(_check_codes(raw.get("ignore", []), "rules.ignore", src))
    fail_on = raw.get("fail_on", "error")
    if fail_on not in FAIL_ON_CHOICES:
        raise ConfigError(
            f"{src}: rules.fail_on must be one of {', '.join(FAIL_ON_CHOICES)}, not {show(fail_on)}"
            f"{_did_you_mean(str(fail_on)[:40], FAIL_ON_CHOICES)}"
        )
    severity = _expect(raw.get("severity", {}), dict, "rules.severity", src, "a table")
    for code, sev in severity.items():
        _check_codes([code], f"rules.severity.{code[:40]}", src)
        if sev not in _SEVERITIES:
            raise ConfigError(
                f"{src}: rules.severity.{code} must be one of {', '.join(_SEVERITIES)}, not {show(sev)}"
                f"{_did_you_mean(str(sev)[:40], _SEVERITIES)}"
            )
    params = _expect(raw.get("params", {}), dict, "rules.params", src, "a table of [rules.params.CODE]")
    for code, table in params.items():
        _check_codes([code], f"rules.params.{code[:40]}", src)
        _expect(table, dict, f"rules.params.{code}", src, "a table")
        for name, value in table.items():
            key = f"rules.params.{code}.{show(name, 40).strip(chr(39))}"
            _expect(value, (int, float, str, bool), key, src, "a number, string or bool")
            _raise(check_param(name, value), key, src)
    paths_raw = raw.get("paths", [])
    if isinstance(paths_raw, str):
        paths_raw = [paths_raw]
    _expect(paths_raw, list, "rules.paths", src, "a list of folders or files")
    paths = []
    for p in paths_raw:
        _expect(p, str, "rules.paths[]", src, "a string path")
        if "\x00" in p or not p.strip() or len(p) > 4096:
            raise ConfigError(f"{src}: rules.paths: {show(p)} is not a usable path (empty, too long or a NUL byte)")
        try:
            paths.append((src.parent / p).resolve())
        except (OSError, RuntimeError, ValueError) as exc:
            raise ConfigError(f"{src}: rules.paths: cannot resolve {show(p)}: {exc}") from None
    return RulesConfig(
        select=select,
        ignore=ignore,
        fail_on=fail_on,
        severity=_frozen({k.upper(): v for k, v in severity.items()}),
        params=_frozen({k.upper(): _frozen(v) for k, v in params.items()}),
        paths=tuple(paths),
    )


def _parse_waivers(raw: Any, src: Path) -> tuple[Waiver, ...]:
    _expect(raw, list, "[[waivers]]", src, "an array of tables ([[waivers]])")
    out = []
    for i, w in enumerate(raw, start=1):
        where = f"waivers[{i}]"
        _expect(w, dict, where, src, "a table")
        _unknown_keys(w, WAIVER_KEYS, f"{where}.", src)
        missing = [k for k in WAIVER_KEYS if k not in w or w[k] in ("", None)]
        if missing:
            raise ConfigError(
                f"{src}: {where} lacks {', '.join(missing)}: a waiver needs rule, record, reason, owner "
                f"and expires (a date such as 2027-03-31)"
            )
        for k in ("rule", "record", "reason", "owner"):
            _expect(w[k], str, f"{where}.{k}", src, "a string")
        expires = w["expires"]
        if isinstance(expires, dt.datetime) or not isinstance(expires, dt.date):
            raise ConfigError(f"{src}: {where}.expires must be a TOML date such as 2027-03-31, got {show(expires)}")
        _raise(check_date(expires), f"{where}.expires", src)
        out.append(Waiver(w["rule"].strip().upper(), w["record"], w["reason"], w["owner"], expires))
    return tuple(out)


def _table(raw: Mapping[str, Any], name: str, src: Path) -> dict[str, Any]:
    table = _expect(raw.get(name, {}), dict, f"[{name}]", src, "a table")
    _unknown_keys(table, TABLE_KEYS[name], f"{name}.", src)
    return table


def _numbers(table: Mapping[str, Any], name: str, src: Path) -> dict[str, float]:
    """The plain numeric keys of one table, each checked against its range in KEYS."""
    out = {}
    for key, value in table.items():
        spec = KEYS[f"{name}.{key}"]
        if spec.kind in ("number", "integer"):
            _raise(check_number(spec, value), spec.key, src)
            out[key] = int(value) if spec.kind == "integer" else float(value)
    return out


def parse_settings(raw: Mapping[str, Any], src: Path, key_lines: Mapping[str, int] | None = None) -> Settings:
    """Validate one config mapping (the root of energyplan.toml or [tool.energyplan])."""
    _unknown_keys(raw, TOP_KEYS, "", src)
    currency = raw.get("currency", "EUR")
    if not isinstance(currency, str) or not _CURRENCY.fullmatch(currency):
        raise ConfigError(f"{src}: currency must be an ISO 4217 code of three upper-case letters, got {show(currency)}")
    as_of = raw.get("as_of")
    if as_of is not None:
        if isinstance(as_of, dt.datetime) or not isinstance(as_of, dt.date):
            raise ConfigError(f"{src}: as_of must be a TOML date such as 2026-11-30 (no quotes), got {show(as_of)}")
        _raise(check_date(as_of), "as_of", src)
    fx = _expect(raw.get("fx", {}), dict, "[fx]", src, "a table of rates")
    for code, rate in fx.items():
        if not _CURRENCY.fullmatch(code):
            raise ConfigError(f"{src}: fx.{show(code, 40)}: currency codes are three upper-case letters (ISO 4217)")
        _raise(check_number(KEYS["fx.*"], rate), f"fx.{code}", src)
    targets = _table(raw, "targets", src)
    pathways = {k: check_pathway(KEYS[f"targets.{k}"], targets[k], src) for k in PATHWAY_KEYS if k in targets}
    outlook = _numbers(_table(raw, "outlook", src), "outlook", src)
    hourly_raw = _table(raw, "hourly", src)
    hourly_numbers = _numbers(hourly_raw, "hourly", src)
    clock = hourly_raw.get("clock", KEYS["hourly.clock"].default)
    _raise(check_zone(clock), "hourly.clock", src)
    hourly = HourlySettings(clock, *(hourly_numbers.get(k, KEYS[f"hourly.{k}"].default)
                                     for k in ("round_trip_efficiency", "min_soc_pct", "reserve_hours")))
    return Settings(
        currency=currency,
        as_of=as_of,
        fx=_frozen({k: float(v) for k, v in fx.items()}),
        targets=_frozen(_numbers({k: v for k, v in targets.items() if k in TARGET_KEYS}, "targets", src)),
        rules=_parse_rules(raw.get("rules", {}), src),
        waivers=_parse_waivers(raw.get("waivers", []), src),
        source=src,
        outlook_months=int(outlook.get("months", KEYS["outlook.months"].default)),
        carbon_intensity_pathway=_frozen(pathways.get("carbon_intensity_pathway", {})),
        emissions_pathway_t=_frozen(pathways.get("emissions_pathway_t", {})),
        hourly=hourly,
        key_lines=_frozen(key_lines or {}),
    )


def _read_toml(path: Path) -> tuple[dict[str, Any], str]:
    """The parsed file and its text; any problem is a ConfigError naming the file (never a hang)."""
    try:
        text = read_bounded(path, MAX_CONFIG_BYTES).decode("utf-8")
    except NotReadable as exc:
        raise ConfigError(f"{path}: cannot read config: {exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: not UTF-8 text (byte {exc.start})") from None
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {show(str(exc), 200)[1:-1]}") from None
    except (RecursionError, MemoryError):
        raise ConfigError(f"{path}: not a usable config: values are nested too deeply") from None


_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\[\]]+?)\s*\]\]?\s*(#.*)?$")
_ASSIGN = re.compile(r"^\s*([A-Za-z0-9_\-.\"' ]+?)\s*=")


def _dotted(text: str) -> str:
    return ".".join(part.strip().strip("\"'") for part in text.split("."))


def key_lines(text: str, prefix: str = "") -> dict[str, int]:
    """Dotted key → first line it is set on, by a plain scan of the TOML text (tables, array tables as
    `waivers[1]`, dotted keys); keys outside `prefix` ("tool.energyplan") are dropped."""
    out: dict[str, int] = {}
    table, counts, in_string = "", dict[str, int](), False
    for n, line in enumerate(text.splitlines(), start=1):
        quotes = line.count('"""') + line.count("'''")
        if in_string:
            in_string = quotes % 2 == 0
            continue
        if (m := _HEADER.match(line)) is not None:
            table = _dotted(m[2])
            if m[1] == "[[":
                counts[table] = counts.get(table, 0) + 1
                out.setdefault(_strip(table, prefix), n)
                table = f"{table}[{counts[table]}]"
            out.setdefault(_strip(table, prefix), n)
        elif (m := _ASSIGN.match(line)) is not None:
            out.setdefault(_strip(f"{table}.{_dotted(m[1])}" if table else _dotted(m[1]), prefix), n)
        in_string = quotes % 2 == 1
    out.pop("", None)
    return {k: v for k, v in out.items() if k is not None}


def _strip(key: str, prefix: str) -> str:
    if not prefix:
        return key
    return key[len(prefix) + 1:] if key.startswith(prefix + ".") else ""


def find_config(plan_dir: Path) -> Path | None:
    """energyplan.toml in the plan folder, else the nearest pyproject.toml above it with [tool.energyplan].

    An energyplan.toml that exists but is not a regular file (a folder, a FIFO, a link to a device) is
    returned, so reading it fails loudly rather than silently falling back to defaults.
    """
    own = plan_dir / CONFIG_FILE
    if own.exists() or own.is_symlink():
        return own
    for folder in [plan_dir.resolve(), *plan_dir.resolve().parents]:
        candidate = folder / "pyproject.toml"
        if candidate.exists() or candidate.is_symlink():
            data, _ = _read_toml(candidate)
            if isinstance(data.get("tool"), dict) and "energyplan" in data["tool"]:
                return candidate
    return None


def load_settings(plan_dir: Path, config: Path | None = None) -> Settings:
    """Settings for a plan: --config PATH, else find_config(plan_dir), else defaults."""
    path = config if config is not None else find_config(plan_dir)
    if path is None:
        return Settings()
    if config is not None and not (path.exists() or path.is_symlink()):
        raise ConfigError(f"--config {path}: no such file")
    data, text = _read_toml(path)
    prefix = ""
    if path.name == "pyproject.toml":
        tool = data.get("tool", {})
        data = tool.get("energyplan", {}) if isinstance(tool, dict) else {}
        if not isinstance(data, dict):
            raise ConfigError(f"{path}: [tool.energyplan] must be a table")
        prefix = "tool.energyplan"
    return parse_settings(data, path, key_lines(text, prefix))


__all__ = [
    "CONFIG_FILE", "DATE_MAX", "DATE_MIN", "PATHWAY_KEYS", "TARGET_KEYS", "HourlySettings", "RulesConfig",
    "Settings", "find_config", "key_lines", "load_settings", "parse_settings",
]
