"""Property-based: random TOML values in every energyplan.toml key load or raise ConfigError, nothing else;
and where the JSON Schema and the loader check the same thing, they agree."""

from __future__ import annotations

import datetime as dt
import json
import math
import tempfile
from pathlib import Path
from typing import Any

import jsonschema
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from energyplan.config import Settings, load_settings
from energyplan.config_keys import KEYS
from energyplan.config_schema import schema
from energyplan.errors import ConfigError
from tests.support.config import as_json

FUZZ = settings(max_examples=50, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

scalars = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30),
    st.sampled_from([0, 1, 36, 240, 241, -1, 10**401, 2**63, 1900, 2200]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, 0.5, 1.0, 1e-9, 100.0, 1500.0, 1e9, 1e15]),
    st.booleans(),
    st.text(max_size=12),
    st.sampled_from(["EUR", "USD", "usd", "EUR\n", "UTC", "Europe/Berlin", "EP1", "ep501", "error", "never", "",
                     "\x00", "2030\n", " "]),
    st.dates(),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.sampled_from(["2026", "2030", "1899", "EP401", "USD", "x"]),
                                            inner, max_size=3)),
    max_leaves=6,
)
KEY_NAMES = [k.replace(".*", ".USD") for k in KEYS] + [
    "rules.params.EP401.horizon_days", "rules.params.EP502.min_headroom_pct", "targets.cfe_pc", "hourly.clok",
    "outlok.months", "waivers"]


def toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf") if math.isinf(v) else repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    return "{ " + ", ".join(f"{json.dumps(k)} = {toml_value(x)}" for k, x in v.items()) + " }"


def toml_document(assignments: dict[str, Any]) -> str:
    """Each dotted key set in its table ([rules.params.EP401] horizon_days = …), scalars at the top first."""
    top, tables = [], {}
    for dotted, value in assignments.items():
        table, _, key = dotted.rpartition(".")
        line = f"{json.dumps(key)} = {toml_value(value)}"
        (tables.setdefault(table, []) if table else top).append(line)
    parts = ["\n".join(top)] + [f"[{t}]\n" + "\n".join(lines) for t, lines in tables.items()]
    return "\n".join(parts) + "\n"


def load(text: str) -> Settings | None:
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "energyplan.toml").write_text(text, encoding="utf-8")
        try:
            return load_settings(Path(tmp))
        except ConfigError as exc:
            assert "Traceback" not in str(exc) and len(str(exc)) < 2000
            return None


@FUZZ
@given(st.dictionaries(st.sampled_from(KEY_NAMES), values, min_size=1, max_size=4))
@example({"as_of": dt.date(9999, 12, 1)})  # issue 12's cases always run, besides the random ones
@example({"fx.USD": 10**401, "targets.carbon_intensity_g_per_kwh": float("nan")})
@example({"rules.params.EP401.horizon_days": float("inf")})
@example({"rules.params.EP401.horizon_days": 3000000, "targets.cfe_pct": 10**401})
@example({"rules.paths": ["a\x00b"]})
def test_any_value_in_any_key_loads_or_is_a_config_error(assignments: dict[str, Any]) -> None:
    text = toml_document(assignments)
    s = load(text)  # anything but ConfigError propagates and fails the test
    if s is None:
        return
    assert 1 <= s.outlook_months <= 240
    numbers = [*s.fx.values(), *s.targets.values(), *s.carbon_intensity_pathway.values(),
               *s.emissions_pathway_t.values(), s.hourly.round_trip_efficiency, s.hourly.min_soc_pct,
               s.hourly.reserve_hours]
    assert all(isinstance(x, float) and math.isfinite(x) for x in numbers)
    assert s.as_of is None or 1900 <= s.as_of.year <= 2199


# Keys whose every check the schema can express (zones, rule codes and paths have checks it cannot).
AGREEING = [k for k, spec in KEYS.items()
            if spec.kind in ("number", "integer", "currency", "date", "pathway", "choice")]


@FUZZ
@given(st.dictionaries(st.sampled_from([k.replace(".*", ".USD") for k in AGREEING]), values, min_size=1, max_size=3))
def test_schema_and_loader_agree(assignments: dict[str, Any]) -> None:
    text = toml_document(assignments)
    import tomllib

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        assert load(text) is None
        return
    schema_ok = jsonschema.Draft7Validator(schema()).is_valid(as_json(data))
    has_date_string = any(isinstance(v, str) for k, v in assignments.items() if KEYS.get(k) and KEYS[k].kind == "date")
    if has_date_string:  # a quoted date is a string in TOML but looks like a date once converted to JSON
        return
    assert schema_ok == (load(text) is not None), text
