"""Real pipeline output on the sample plans, rendered in every format, meets every published schema."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from energyplan.config import load_settings
from energyplan.pipeline import run
from energyplan.render.base import RenderContext
from tests.helpers import audit_formats, render
from tests.support.schemas import validate_report

FORMAT_CHOICES = audit_formats()

ROOT = Path(__file__).parents[1]
SCHEMAS = Path(__file__).parent / "schemas"


@pytest.fixture(scope="module", params=["northwind", "clean", "broken"])
def audited(request):
    plan = ROOT / "sample_data" / request.param
    return run(plan, load_settings(plan), mode="audit").outcome


def test_audit_json_of_every_sample_plan_validates(audited):
    doc = json.loads(render("json", audited, RenderContext(command="audit")))
    validate_report(doc)
    assert "kpis" in doc and doc["summary"]["error"] + doc["summary"]["warning"] + doc["summary"]["info"] >= 0


def test_validate_json_validates():
    plan = ROOT / "sample_data" / "broken"
    result = run(plan, load_settings(plan), mode="validate").outcome
    doc = json.loads(render("json", result, RenderContext(command="validate")))
    validate_report(doc)
    assert "kpis" not in doc


def test_sarif_of_every_sample_plan_validates(audited):
    schema = json.loads((SCHEMAS / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    doc = json.loads(render("sarif", audited, RenderContext(uri_prefix="sample_data/x/")))
    jsonschema.validators.validator_for(schema)(schema).validate(doc)


def test_junit_of_every_sample_plan_validates(audited):
    import xmlschema

    xmlschema.XMLSchema(str(SCHEMAS / "JUnit.xsd")).validate(render("junit", audited, RenderContext()))


def test_every_format_renders_every_sample_plan_twice_alike(audited, monkeypatch):
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    for fmt in FORMAT_CHOICES:
        ctx = RenderContext(uri_prefix="sample_data/x/", width=120)
        assert render(fmt, audited, ctx) == render(fmt, audited, ctx), fmt
