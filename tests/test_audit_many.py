"""Issue 13 item 9: several plans in one run (`audit a b c`, `audit plans/`), outputs.md "Several plans"."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pytest
import xmlschema

from energyplan.api_many import audit_many, find_plans, is_plan
from energyplan.errors import UsageError
from tests.support.cli import SAMPLES, energyplan
from tests.support.schemas import audit_schema

SCHEMAS = Path(__file__).parent / "schemas"


@pytest.fixture
def plans(tmp_path: Path) -> Path:
    """plans/{clean, northwind, team/x (a copy of clean), .hidden/y, notes/ (no plan)}."""
    root = tmp_path / "plans"
    shutil.copytree(SAMPLES / "clean", root / "clean")
    shutil.copytree(SAMPLES / "northwind", root / "northwind")
    shutil.copytree(SAMPLES / "clean", root / "team" / "x")
    shutil.copytree(SAMPLES / "clean", root / ".hidden" / "y")
    (root / "notes").mkdir()
    (root / "notes" / "readme.txt").write_text("not a plan\n", encoding="utf-8")
    return root


def _counts(plan: Path) -> tuple[int, int, int]:
    summary = json.loads(energyplan("audit", plan, "--format", "json").stdout)["summary"]
    return summary["error"], summary["warning"], summary["info"]


def test_item9_a_folder_of_plans_is_searched_below_not_into_plans(plans: Path) -> None:
    found, several = find_plans([plans])
    assert several and [p.relative_to(plans).as_posix() for p in found] == ["clean", "northwind", "team/x"]
    assert is_plan(plans / "clean") and not is_plan(plans / "notes") and not is_plan(plans)
    # one plan stays the single-plan shape; an empty folder is a plan whose tables are missing (findings)
    assert find_plans([plans / "clean"]) == ([plans / "clean"], False)
    assert find_plans([plans / "notes"]) == ([plans / "notes"], False)
    # the same plan twice is audited once, and several paths are several plans
    assert find_plans([plans / "clean", plans / "clean", plans / "team" / "x"])[0] == [plans / "clean",
                                                                                        plans / "team" / "x"]
    with pytest.raises(UsageError):
        find_plans([plans / "nope"])


def test_item9_json_holds_every_plan_and_validates_against_the_schema(plans: Path) -> None:
    ran = energyplan("audit", plans, "--format", "json")
    assert ran.returncode == 1  # northwind fails: the worst plan's exit code
    doc = json.loads(ran.stdout)
    assert list(doc) == ["schema_version", "tool", "plans"]
    assert [p["plan"] for p in doc["plans"]] == [str(plans / n) for n in ("clean", "northwind", "team/x")]
    schema = audit_schema()
    jsonschema.Draft202012Validator(schema).validate(doc)
    single = json.loads(energyplan("audit", plans / "northwind", "--format", "json").stdout)
    jsonschema.Draft202012Validator(schema).validate(single)
    assert doc["plans"][1] == single  # each plan's object is exactly its single-plan report
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(schema).validate({**single, "plans": []})


def test_item9_exit_code_is_the_worst_and_all_passing_is_0(plans: Path) -> None:
    assert energyplan("audit", plans / "clean", plans / "team" / "x", "-q").returncode == 0
    assert energyplan("audit", plans / "clean", plans / "northwind", "-q").returncode == 1


def test_item9_text_has_each_plan_in_turn_then_a_line_a_plan_and_a_total(plans: Path) -> None:
    out = energyplan("audit", plans / "clean", plans / "northwind", "--format", "text").stdout.splitlines()
    verdicts = [x for x in out if x.startswith("energyplan audit: ")]
    assert len(verdicts) == 2 * 2 + 1  # each plan's verdict leads and ends its report, then the total
    e, w, i = _counts(plans / "northwind")
    assert out[-3:] == [
        f"PASS {plans / 'clean'}: 0 errors, 0 warnings, 0 info",
        f"FAIL {plans / 'northwind'}: {e} errors, {w} warnings, {i} info; 1 waived",
        f"energyplan audit: FAIL (1 of 2 plans failing): {e} errors, {w} warnings, {i} info in total",
    ]
    quiet = energyplan("audit", plans / "clean", plans / "northwind", "-q").stdout.splitlines()
    assert quiet == out[-3:]


def test_item9_sarif_has_a_run_a_plan_and_junit_prefixes_suites(plans: Path) -> None:
    sarif = json.loads(energyplan("audit", plans, "--format", "sarif").stdout)
    assert len(sarif["runs"]) == 3
    assert [r["properties"]["plan"] for r in sarif["runs"]] == [str(plans / n) for n in ("clean", "northwind",
                                                                                            "team/x")]
    oasis = json.loads((SCHEMAS / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    jsonschema.validators.validator_for(oasis)(oasis).validate(sarif)
    junit = energyplan("audit", plans / "clean", plans / "northwind", "--format", "junit").stdout
    xmlschema.XMLSchema(str(SCHEMAS / "JUnit.xsd")).validate(junit)
    import xml.etree.ElementTree as ET

    root = ET.fromstring(junit)
    names = [s.get("name") for s in root.findall("testsuite")]
    assert all(n.startswith((f"{plans / 'clean'}: EP", f"{plans / 'northwind'}: EP")) for n in names)
    assert len({s.get("id") for s in root.findall("testsuite")}) == len(names)


def test_item9_markdown_and_github_summarise_every_plan(plans: Path) -> None:
    md = energyplan("audit", plans / "clean", plans / "northwind", "--format", "markdown").stdout
    assert md.startswith("## energyplan: several plans\n") and md.count("## ✅ energyplan audit") == 1
    assert md.count("## ❌ energyplan audit") == 1
    gh = energyplan("audit", plans / "clean", plans / "northwind", "--format", "github").stdout.splitlines()
    e, w, i = _counts(plans / "northwind")
    assert gh[-1] == f"energyplan audit: FAIL (1 of 2 plans failing): {e} errors, {w} warnings, {i} info in total"
    assert any(x.startswith("::error file=") for x in gh)


@pytest.mark.parametrize("flag", ["--baseline", "--write-baseline"])
def test_item9_baselines_need_a_single_plan(plans: Path, tmp_path: Path, flag: str) -> None:
    ran = energyplan("audit", plans, flag, tmp_path / "b.json")
    assert ran.returncode == 2 and f"{flag} needs a single plan" in ran.stderr
    assert not (tmp_path / "b.json").exists()


def test_item9_audit_many_api(plans: Path) -> None:
    run = audit_many([plans / "clean", plans / "northwind"], as_of="2026-11-30")
    assert run.exit_code == 1 and [r.exit_code for r in run.results] == [0, 1]
    doc = json.loads(run.render("json"))
    assert [p["plan"] for p in doc["plans"]] == [str(plans / "clean"), str(plans / "northwind")]
    with pytest.raises(UsageError, match="baseline belongs to one plan"):
        audit_many([plans], baseline=[])
