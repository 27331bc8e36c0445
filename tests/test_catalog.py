"""Meta-test of the rule catalog (as sqlfluff's): unique codes and names, every doc section, and for every
rule a firing test that produces it and a near-miss test that does not (checked by running them)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from energyplan.catalog import builtin_rules_dir
from energyplan.ruleset.spec import builtin_rules
from tests.helpers import COMMITMENT, CONTRACT, SITE, WORKLOAD
from tests.support.record import SESSION
from tests.support.rules import audit

TESTS = Path(__file__).parent


def test_default_test_plan_is_silent(tmp_path: Path) -> None:
    # the workload is bound to the commitment: a signed commitment with nothing on it is EP108
    workloads = [{**WORKLOAD, "commitment_id": COMMITMENT["commitment_id"]}]
    result = audit(tmp_path, sites=[SITE], workloads=workloads, commitments=[COMMITMENT], contracts=[CONTRACT])
    assert [(f.rule, f.record_id) for f in result.findings] == []


def test_the_records_hold_the_codes_of_each_audit_the_running_test_ran(tmp_path: Path,
                                                                      request: pytest.FixtureRequest) -> None:
    audit(tmp_path / "quiet", select=("EP2",), sites=[SITE], workloads=[WORKLOAD], contracts=[CONTRACT])
    audit(tmp_path / "short", select=("EP2",), sites=[SITE], workloads=[WORKLOAD], contracts=[])  # no grid: EP201
    assert SESSION.records[request.node.nodeid] == [frozenset(), frozenset({"EP201"})]


# ---- the meta-test -------------------------------------------------------------------------------

CATALOG = sorted(builtin_rules(), key=lambda s: s.code)
# EP000–EP003 come out of validation; their tests live with the loader's (tests/test_validate_*.py),
# named by the same convention.
OWN = CATALOG

# test_<CODE>_fires…: at least one of its audits (or validations) produces <CODE>;
# test_<CODE>_quiet…: none of its audits produces <CODE>; test_<CODE>_boundary…: at least one does not.
RULE_TEST = re.compile(r"^def (test_(EP\d{3})_(fires|quiet|boundary)\w*)", flags=re.MULTILINE)


def _rule_tests() -> dict[str, dict[str, list[str]]]:
    """code -> kind -> node ids of the rule tests, found by name in every test module."""
    found: dict[str, dict[str, list[str]]] = {}
    for path in sorted(TESTS.glob("test_*.py")):
        for m in RULE_TEST.finditer(path.read_text(encoding="utf-8")):
            nodeid = f"{TESTS.name}/{path.name}::{m.group(1)}"
            found.setdefault(m.group(2), {}).setdefault(m.group(3), []).append(nodeid)
    return found


RULE_TESTS = _rule_tests()


def _base(nodeid: str) -> str:
    return nodeid.split("[", 1)[0]  # a parametrized test's cases count as one test


@pytest.fixture(scope="module")
def ran(request: pytest.FixtureRequest) -> dict[str, tuple[str | None, list[frozenset[str]]]]:
    """Outcome and recorded code sets of every rule test, by node id (parameters folded into one).

    conftest runs this module's meta-tests last, so a full run has recorded them all already; the rule
    tests this session did not run (`-k`, a single file, another xdist worker) run here, in-process.
    """
    wanted = {n for kinds in RULE_TESTS.values() for ids in kinds.values() for n in ids}
    seen = {_base(k) for k in SESSION.outcomes}
    missing = sorted(wanted - seen)
    if missing:
        root = request.config.rootpath
        code = pytest.main([*(str(root / n) for n in missing), "-q", "--no-header", "-p", "no:cacheprovider",
                            "-p", "no:xdist", f"--rootdir={root}"])
        assert code in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED), f"the rule tests did not run: {code}"
    out: dict[str, tuple[str | None, list[frozenset[str]]]] = {}
    for nodeid, outcome in SESSION.outcomes.items():
        if _base(nodeid) in wanted:
            was, records = out.get(_base(nodeid), ("passed", []))
            out[_base(nodeid)] = (outcome if was == "passed" else was, records + SESSION.records.get(nodeid, []))
    return out


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
    kinds = RULE_TESTS.get(spec.code, {})
    assert kinds.get("fires"), f"no test_{spec.code}_fires* test"
    assert kinds.get("quiet") or kinds.get("boundary"), f"no test_{spec.code}_quiet* or _boundary* test"


@pytest.mark.parametrize("spec", OWN, ids=lambda s: s.code)
def test_firing_tests_produce_the_rule_and_near_misses_do_not(spec: Any, ran: dict[str, Any]) -> None:
    code = spec.code
    for kind, nodeids in sorted(RULE_TESTS.get(code, {}).items()):
        for nodeid in nodeids:
            outcome, audits = ran.get(nodeid, (None, []))
            assert outcome == "passed", f"{nodeid} did not pass ({outcome})"
            assert audits, f"{nodeid} ran no audit or validation through tests/support (nothing to check)"
            if kind == "fires":
                assert any(code in codes for codes in audits), f"{nodeid} never produced {code}"
            elif kind == "quiet":
                assert not any(code in codes for codes in audits), f"{nodeid} produced {code}"
            else:
                assert any(code not in codes for codes in audits), f"{nodeid} produced {code} in every audit"
