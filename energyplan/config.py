"""energyplan.toml / [tool.energyplan] / --config → one frozen, validated Settings object."""

from __future__ import annotations

import datetime as dt
import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

from energyplan.errors import ConfigError
from energyplan.model import FAIL_ON_CHOICES, Waiver
from energyplan.suggest import did_you_mean as _did_you_mean

CONFIG_FILE = "energyplan.toml"
TARGET_KEYS: tuple[str, ...] = ("carbon_intensity_g_per_kwh",)
_TOP_KEYS = ("currency", "as_of", "fx", "targets", "rules", "waivers")
_RULES_KEYS = ("select", "ignore", "fail_on", "severity", "params", "paths")
_WAIVER_KEYS = ("rule", "record", "reason", "owner", "expires")
_SEVERITIES = ("error", "warning", "info")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_CODE_OR_PREFIX = re.compile(r"^[A-Z]+[0-9]*$")


def _frozen(d: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(d))


@dataclass(frozen=True)
class RulesConfig:
    select: tuple[str, ...] | None = None  # None: every rule
    ignore: tuple[str, ...] = ()
    fail_on: str = "error"
    severity: Mapping[str, str] = field(default_factory=lambda: _frozen({}))
    params: Mapping[str, Mapping[str, Any]] = field(default_factory=lambda: _frozen({}))
    paths: tuple[Path, ...] = ()  # absolute paths of user rule packs


@dataclass(frozen=True)
class Settings:
    currency: str = "EUR"
    as_of: dt.date | None = None  # None: today (the CLI resolves it)
    fx: Mapping[str, float] = field(default_factory=lambda: _frozen({}))
    targets: Mapping[str, float] = field(default_factory=lambda: _frozen({}))
    rules: RulesConfig = field(default_factory=RulesConfig)
    waivers: tuple[Waiver, ...] = ()
    source: Path | None = None  # the file the settings came from

    def with_overrides(
        self,
        *,
        as_of: dt.date | None = None,
        select: list[str] | None = None,
        ignore: list[str] | None = None,
        fail_on: str | None = None,
    ) -> Settings:
        """CLI flags override the config file (an empty list leaves the config value)."""
        rules = self.rules
        if select:
            rules = replace(rules, select=tuple(_check_codes(select, "--select")))
        if ignore:
            rules = replace(rules, ignore=tuple(_check_codes(ignore, "--ignore")))
        if fail_on is not None:
            if fail_on not in FAIL_ON_CHOICES:
                raise ConfigError(f"--fail-on must be one of {', '.join(FAIL_ON_CHOICES)}, not {fail_on!r}")
            rules = replace(rules, fail_on=fail_on)
        return replace(self, as_of=as_of or self.as_of, rules=rules)

    def resolved_as_of(self) -> dt.date:
        return self.as_of or dt.date.today()


def _unknown_keys(table: Mapping[str, Any], allowed: tuple[str, ...], where: str, src: Path) -> None:
    for key in table:
        if key not in allowed:
            raise ConfigError(
                f"{src}: unknown key {where}{key!r}{_did_you_mean(key, allowed)}; "
                f"allowed: {', '.join(allowed)}"
            )


def _expect(value: Any, kind: type | tuple[type, ...], key: str, src: Path, what: str) -> Any:
    if not isinstance(value, kind) or (kind in (int, float, (int, float)) and isinstance(value, bool)):
        raise ConfigError(f"{src}: {key} must be {what}, got {type(value).__name__} {value!r}")
    return value


def _check_codes(codes: Any, key: str, src: Path | None = None) -> list[str]:
    where = f"{src}: " if src else ""
    if isinstance(codes, str):
        codes = [codes]
    if not isinstance(codes, list):
        raise ConfigError(f"{where}{key} must be a list of rule codes or prefixes, e.g. [\"EP1\", \"EP501\"]")
    out = []
    for code in codes:
        if not isinstance(code, str) or not _CODE_OR_PREFIX.match(code.strip().upper()):
            raise ConfigError(f"{where}{key}: {code!r} is not a rule code or prefix (e.g. \"EP1\", \"EP501\")")
        out.append(code.strip().upper())
    return out


def _parse_rules(raw: Any, src: Path) -> RulesConfig:
    _expect(raw, dict, "[rules]", src, "a table")
    _unknown_keys(raw, _RULES_KEYS, "rules.", src)
    select = tuple(_check_codes(raw["select"], "rules.select", src)) if "select" in raw else None
    ignore = tuple(_check_codes(raw.get("ignore", []), "rules.ignore", src))
    fail_on = raw.get("fail_on", "error")
    if fail_on not in FAIL_ON_CHOICES:
        raise ConfigError(
            f"{src}: rules.fail_on must be one of {', '.join(FAIL_ON_CHOICES)}, not {fail_on!r}"
            f"{_did_you_mean(str(fail_on), FAIL_ON_CHOICES)}"
        )
    severity = _expect(raw.get("severity", {}), dict, "rules.severity", src, "a table")
    for code, sev in severity.items():
        _check_codes([code], f"rules.severity.{code}", src)
        if sev not in _SEVERITIES:
            raise ConfigError(
                f"{src}: rules.severity.{code} must be one of {', '.join(_SEVERITIES)}, not {sev!r}"
                f"{_did_you_mean(str(sev), _SEVERITIES)}"
            )
    params = _expect(raw.get("params", {}), dict, "rules.params", src, "a table of [rules.params.CODE]")
    for code, table in params.items():
        _check_codes([code], f"rules.params.{code}", src)
        _expect(table, dict, f"rules.params.{code}", src, "a table")
        for name, value in table.items():
            _expect(value, (int, float, str, bool), f"rules.params.{code}.{name}", src, "a number, string or bool")
    paths_raw = raw.get("paths", [])
    if isinstance(paths_raw, str):
        paths_raw = [paths_raw]
    _expect(paths_raw, list, "rules.paths", src, "a list of folders or files")
    paths = []
    for p in paths_raw:
        _expect(p, str, "rules.paths[]", src, "a string path")
        paths.append((src.parent / p).resolve())
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
        _unknown_keys(w, _WAIVER_KEYS, f"{where}.", src)
        missing = [k for k in _WAIVER_KEYS if k not in w or w[k] in ("", None)]
        if missing:
            raise ConfigError(
                f"{src}: {where} lacks {', '.join(missing)}: a waiver needs rule, record, reason, owner "
                f"and expires (a date such as 2027-03-31)"
            )
        for k in ("rule", "record", "reason", "owner"):
            _expect(w[k], str, f"{where}.{k}", src, "a string")
        expires = w["expires"]
        if isinstance(expires, dt.datetime) or not isinstance(expires, dt.date):
            raise ConfigError(f"{src}: {where}.expires must be a TOML date such as 2027-03-31, got {expires!r}")
        out.append(Waiver(w["rule"].strip().upper(), w["record"], w["reason"], w["owner"], expires))
    return tuple(out)


def parse_settings(raw: Mapping[str, Any], src: Path) -> Settings:
    """Validate one config mapping (the root of energyplan.toml or [tool.energyplan])."""
    _unknown_keys(raw, _TOP_KEYS, "", src)
    currency = raw.get("currency", "EUR")
    if not isinstance(currency, str) or not _CURRENCY.match(currency):
        raise ConfigError(f"{src}: currency must be an ISO 4217 code of three upper-case letters, got {currency!r}")
    as_of = raw.get("as_of")
    if as_of is not None and (isinstance(as_of, dt.datetime) or not isinstance(as_of, dt.date)):
        raise ConfigError(f"{src}: as_of must be a TOML date such as 2026-11-30 (no quotes), got {as_of!r}")
    fx = _expect(raw.get("fx", {}), dict, "[fx]", src, "a table of rates")
    for code, rate in fx.items():
        if not _CURRENCY.match(code):
            raise ConfigError(f"{src}: fx.{code}: currency codes are three upper-case letters (ISO 4217)")
        _expect(rate, (int, float), f"fx.{code}", src, "a number (plan-currency units per one unit)")
        if not math.isfinite(rate) or rate <= 0:
            raise ConfigError(f"{src}: fx.{code} must be a positive finite number, got {rate!r}")
    targets = _expect(raw.get("targets", {}), dict, "[targets]", src, "a table")
    _unknown_keys(targets, TARGET_KEYS, "targets.", src)
    for key, value in targets.items():
        _expect(value, (int, float), f"targets.{key}", src, "a number")
    rules = _parse_rules(raw.get("rules", {}), src)
    waivers = _parse_waivers(raw.get("waivers", []), src)
    return Settings(
        currency=currency,
        as_of=as_of,
        fx=_frozen({k: float(v) for k, v in fx.items()}),
        targets=_frozen({k: float(v) for k, v in targets.items()}),
        rules=rules,
        waivers=waivers,
        source=src,
    )


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config: {exc.strerror or exc}") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc


def find_config(plan_dir: Path) -> Path | None:
    """energyplan.toml in the plan folder, else the nearest pyproject.toml above it with [tool.energyplan]."""
    own = plan_dir / CONFIG_FILE
    if own.is_file():
        return own
    for folder in [plan_dir.resolve(), *plan_dir.resolve().parents]:
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            data = _read_toml(candidate)
            if isinstance(data.get("tool"), dict) and "energyplan" in data["tool"]:
                return candidate
    return None


def load_settings(plan_dir: Path, config: Path | None = None) -> Settings:
    """Settings for a plan: --config PATH, else find_config(plan_dir), else defaults."""
    path = config if config is not None else find_config(plan_dir)
    if path is None:
        return Settings()
    if config is not None and not path.is_file():
        raise ConfigError(f"--config {path}: no such file")
    data = _read_toml(path)
    if path.name == "pyproject.toml":
        tool = data.get("tool", {})
        data = tool.get("energyplan", {}) if isinstance(tool, dict) else {}
        if not isinstance(data, dict):
            raise ConfigError(f"{path}: [tool.energyplan] must be a table")
    return parse_settings(data, path)
