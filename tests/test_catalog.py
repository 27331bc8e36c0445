"""Meta-test of the rule catalog (as sqlfluff's): unique codes and names, every doc section, a firing
and a near-miss test for every rule; plus the end-to-end harness the per-rule tests use."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest

from energyplan.catalog import builtin_rules_dir
from energyplan.config import load_settings
from energyplan.facts import build_facts
from energyplan.model import FindingBatch
from energyplan.plan.validate import validate_plan
from energyplan.ruleset.collect import CollectResult, collect
from energyplan.ruleset.engine import run_rules
from energyplan.ruleset.spec import builtin_codes, builtin_rules, load_rules, param_value, select_rules
from tests.helpers import write_plan

AS_OF = dt.date(2026, 11, 30)
TESTS = Path(__file__).parent


def audit(tmp_path: Path, *, as_of: dt.date = AS_OF, toml: str | None = None, allow_integrity: bool = False,
          **tables: Any) -> CollectResult:
    """A plan written with tests.helpers.write_plan, through validate → facts → rules → collector.

    The plan must pass validation (EP000–EP003) unless `allow_integrity`: a rule test on a broken plan
    would prove nothing.
    """
    plan_dir = write_plan(tmp_path / "plan", toml=toml, **tables)
    settings = load_settings(plan_dir).with_overrides(as_of=as_of)
    specs = select_rules(load_rules(settings, check_columns=True), settings)
    plan = validate_plan(plan_dir, settings)
    code_of = builtin_codes(specs)
    plan.batches = [FindingBatch(code_of[b.rule], b.frame, b.messages) for b in plan.batches]
    integrity = [b.rule for b in plan.batches if len(b.frame)]
    assert allow_integrity or not integrity, f"the test plan itself is broken: {integrity}"
    facts = build_facts(plan, as_of=as_of, currency=settings.currency, fx=settings.fx,
                        ep401_horizon_days=int(param_value(specs, "EP401", "horizon_days", 365)))
    batches, skipped = run_rules(specs, facts, plan, settings, as_of=as_of)
    return collect([*plan.batches, *batches], {s.code: s for s in specs}, settings=settings, as_of=as_of, baseline=None,
                   max_findings=1000, skipped={s["rule"] for s in skipped})


def fired(result: CollectResult, code: str) -> list[str | None]:
    """Record ids the rule reported, in listing order."""
    return [f.record_id for f in result.findings if f.rule == code]


def message(result: CollectResult, code: str) -> str:
    (only,) = [f.message for f in result.findings if f.rule == code]
    return only


def test_default_test_plan_is_silent(tmp_path: Path) -> None:
    from tests.helpers import COMMITMENT, CONTRACT, SITE, WORKLOAD

    result = audit(tmp_path, sites=[SITE], workloads=[WORKLOAD], commitments=[COMMITMENT], contracts=[CONTRACT])
    assert [(f.rule, f.record_id) for f in result.findings] == []


# ---- the meta-test -------------------------------------------------------------------------------

CATALOG = sorted(builtin_rules(), key=lambda s: s.code)
# EP000–EP003 come out of validation; their tests live with the loader's (tests/test_validate_*.py),
# named by the same convention.
OWN = CATALOG


def _test_names() -> set[str]:
    names: set[str] = set()
    for path in TESTS.glob("test_*.py"):
        names |= set(re.findall(r"^def (test_\w+)", path.read_text(encoding="utf-8"), flags=re.MULTILINE))
    return names


def test_codes_and_names_unique_and_files_named_by_code() -> None:
    codes = [s.code for s in CATALOG]
    names = [s.name for s in CATALOG]
    assert len(codes) == len(set(codes)) and len(names) == len(set(names))
    for spec in CATALOG:
        assert Path(spec.source).name == f"{spec.code}.toml"
        assert Path(spec.source).parent == builtin_rules_dir()


def test_the_catalog_covers_every_rule_of_the_spec() -> None:
    expected = {"EP004", *(f"EP10{i}" for i in range(1, 6)), *(f"EP20{i}" for i in range(1, 6)),
                *(f"EP30{i}" for i in range(1, 5)), *(f"EP40{i}" for i in range(1, 5)),
                *(f"EP50{i}" for i in range(1, 5)), *(f"EP60{i}" for i in range(1, 4))}
    assert expected <= {s.code for s in CATALOG}


@pytest.mark.parametrize("spec", CATALOG, ids=lambda s: s.code)
def test_every_rule_has_all_doc_sections(spec: Any) -> None:
    for section in (spec.summary, spec.rationale, spec.remediation, spec.message):
        assert section.strip()
    assert "\n" not in spec.summary, "the summary is one line"
    assert len(spec.rationale) > 150, "why it matters deserves more than a phrase"


@pytest.mark.parametrize("spec", OWN, ids=lambda s: s.code)
def test_every_rule_has_a_firing_and_a_near_miss_test(spec: Any) -> None:
    names = _test_names()
    assert any(n.startswith(f"test_{spec.code}_fires") for n in names), f"no test_{spec.code}_fires* test"
    assert any(n.startswith((f"test_{spec.code}_quiet", f"test_{spec.code}_boundary")) for n in names), (
        f"no test_{spec.code}_quiet* or test_{spec.code}_boundary* test"
    )
