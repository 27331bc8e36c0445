"""The JSON Schema of `--format json`, checked and applied: shared by the render and pipeline tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema

SCHEMA_PATH = Path(__file__).parents[2] / "docs" / "schema" / "audit.schema.json"


def audit_schema() -> dict[str, Any]:
    """docs/schema/audit.schema.json, checked to be a valid draft 2020-12 schema."""
    schema: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return schema


def validate_report(doc: dict[str, Any]) -> None:
    """Fail unless `doc` is what the audit JSON schema allows."""
    jsonschema.Draft202012Validator(audit_schema()).validate(doc)
