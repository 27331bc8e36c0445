"""JSON Schema of energyplan.toml, generated from config_keys.KEYS: `python -m energyplan.config_schema [--check]`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from energyplan.config_keys import (
    DAYS_PARAM_MAX,
    KEYS,
    MAX_TEXT_PARAM,
    PARAM_LIMIT,
    WAIVER_KEYS,
    Key,
)
from energyplan.model import FAIL_ON_CHOICES

SCHEMA_FILE = Path("docs") / "schema" / "energyplan.toml.schema.json"
# Where the repository's docs/schema/ file is published; OWNER is to be set once the public home of
# the repository is known (docs/decisions.md). `init` writes SCHEMA_COMMENT as the file's first line.
SCHEMA_URL = "https://raw.githubusercontent.com/OWNER/energyplan/main/docs/schema/energyplan.toml.schema.json"
SCHEMA_COMMENT = f"#:schema {SCHEMA_URL}"

# Patterns for DATE_MIN–DATE_MAX (1900–2199) and PATHWAY_YEARS (1900–2200); a test checks they agree.
# Python's re (which jsonschema uses) lets `$` match before a final newline: lengths close that gap.
DATE = {"type": "string", "format": "date", "pattern": r"^(19[0-9]{2}|2[01][0-9]{2})-[0-9]{2}-[0-9]{2}$"}
YEAR = r"^(19[0-9]{2}|2[01][0-9]{2}|2200)$"
CODE = {"type": "string", "maxLength": 20, "pattern": r"^\s*[A-Za-z]+[0-9]*\s*$"}
RULE = {"type": "string", "pattern": r"^\s*[A-Za-z]+[0-9]*\s*$"}


def _number(key: Key) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "integer" if key.kind == "integer" else "number"}
    if key.minimum is not None:
        out["exclusiveMinimum" if key.exclusive_minimum else "minimum"] = key.minimum
    if key.maximum is not None:
        out["maximum"] = key.maximum
    return out


def _fragment(key: Key) -> dict[str, Any]:
    kind = key.kind
    if kind in ("number", "integer"):
        out = _number(key)
    elif kind == "currency":
        out = {"type": "string", "minLength": 3, "maxLength": 3, "pattern": "^[A-Z]{3}$"}
    elif kind == "date":
        out = dict(DATE)
    elif kind == "zone":
        out = {"type": "string", "maxLength": 64, "pattern": r"^[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+){0,3}$"}
    elif kind == "pathway":
        out = {"type": "object", "propertyNames": {"maxLength": 4, "pattern": YEAR},
               "additionalProperties": _number(key)}
    elif kind == "codes":
        out = {"anyOf": [CODE, {"type": "array", "items": CODE}]}
    elif kind == "choice":
        out = {"enum": list(FAIL_ON_CHOICES)}
    elif kind == "severities":
        out = {"type": "object", "propertyNames": CODE, "additionalProperties": {"enum": ["error", "warning", "info"]}}
    elif kind == "params":
        number = {"type": "number", "minimum": -PARAM_LIMIT, "maximum": PARAM_LIMIT}
        value = {"anyOf": [number, {"type": "string", "maxLength": MAX_TEXT_PARAM}, {"type": "boolean"}]}
        days = {"anyOf": [{"type": "integer", "minimum": 0, "maximum": DAYS_PARAM_MAX},
                          {"type": "string", "maxLength": MAX_TEXT_PARAM}, {"type": "boolean"}]}
        out = {"type": "object", "propertyNames": CODE, "additionalProperties": {
            "type": "object", "patternProperties": {"_days$": days}, "additionalProperties": value}}
    elif kind == "paths":
        path = {"type": "string", "maxLength": 4096, "pattern": "^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$"}
        out = {"anyOf": [path, {"type": "array", "items": path}]}
    elif kind == "waivers":
        text = {"type": "string", "minLength": 1}
        props: dict[str, Any] = {k: dict(text) for k in WAIVER_KEYS}
        props.update(rule=RULE, expires=dict(DATE))
        out = {"type": "array", "items": {"type": "object", "required": list(WAIVER_KEYS),
                                          "properties": props, "additionalProperties": False}}
    else:  # a new kind in KEYS must be described here: fail the generator, never emit a silent hole
        raise ValueError(f"config_keys: no JSON Schema for kind {kind!r} of {key.key}")
    range_text = f" ({key.range_text()})" if kind in ("number", "integer", "pathway") else ""
    out["description"] = key.doc + range_text
    if key.default is not None:
        out["default"] = key.default
    return out


def schema() -> dict[str, Any]:
    """The JSON Schema (draft-07, which taplo / Even Better TOML read) of energyplan.toml."""
    root: dict[str, Any] = {}
    for dotted, key in KEYS.items():
        top, _, rest = dotted.partition(".")
        if not rest:
            root[top] = _fragment(key)
            continue
        table = root.setdefault(top, {"type": "object", "properties": {}, "additionalProperties": False})
        if rest == "*":
            del table["properties"]
            table["propertyNames"] = {"maxLength": 3, "pattern": "^[A-Z]{3}$"}
            table["additionalProperties"] = _fragment(key)
        else:
            table["properties"][rest] = _fragment(key)
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": SCHEMA_URL,
        "title": "energyplan.toml",
        "description": "Settings of an energyplan plan folder (docs/plan-format.md). Generated from "
                       "energyplan/config_keys.py by `python -m energyplan.config_schema`; do not edit.",
        "type": "object",
        "properties": root,
        "additionalProperties": False,
    }


def schema_text() -> str:
    return json.dumps(schema(), indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write the schema file (or with --check, exit 1 when the committed file is out of date)."""
    args = sys.argv[1:] if argv is None else argv
    path = Path(args[-1]) if args and not args[-1].startswith("-") else SCHEMA_FILE
    if "--check" in args:
        current = path.read_text(encoding="utf-8") if path.is_file() else ""
        if current != schema_text():
            print(f"{path} is out of date: run python -m energyplan.config_schema", file=sys.stderr)
            return 1
        return 0
    from energyplan.atomic import write_atomic

    write_atomic(path, schema_text())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
