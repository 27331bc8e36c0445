"""The public API: a notebook user's session, no side effects on the caller's process, typed."""

from __future__ import annotations

import gc
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import energyplan
from energyplan.errors import UsageError
from tests.helpers import CONTRACT, SITE, WORKLOAD, row, write_plan

ROOT = Path(__file__).parents[1]
NORTHWIND = ROOT / "sample_data" / "northwind"


def test_audit_twice_in_one_process_leaves_the_gc_alone_and_prints_nothing(capsys):
    gc.unfreeze()  # a CLI test run earlier in this process froze it (the CLI may; the library must not)
    assert gc.get_freeze_count() == 0
    first = energyplan.audit(NORTHWIND, as_of="2026-11-30")
    second = energyplan.audit(NORTHWIND, as_of="2026-11-30")
    assert gc.isenabled() and gc.get_freeze_count() == 0
    assert first.to_json() == second.to_json()
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""


def test_findings_and_kpis_are_frames_that_match_the_json():
    result = energyplan.audit(NORTHWIND, as_of="2026-11-30")
    doc = json.loads(result.to_json())
    assert list(result.findings["rule"]) == [f["rule"] for f in doc["findings"]]
    assert result.findings["row"].dtype == "Int64"
    kpis = result.kpis
    assert kpis is not None and list(kpis["site_id"].iloc[:-1]) == sorted(s["site_id"] for s in doc["kpis"]["sites"])
    portfolio = kpis[kpis["scope"] == "portfolio"].iloc[0]
    assert portfolio["effective_mw"] == pytest.approx(doc["kpis"]["portfolio"]["effective_mw"], rel=1e-12)
    assert result.exit_code == 1 and result.summary["error"] == doc["summary"]["error"]


def test_load_gives_clean_frames_and_plan_check_findings():
    plan = energyplan.load(ROOT / "sample_data" / "broken")
    assert {"sites", "workloads", "contracts"} <= set(plan.frames)
    assert len(plan.findings) > 0 and set(plan.findings["rule"]) <= {"EP000", "EP001", "EP002", "EP003"}
    assert plan.rows_left_out


def test_severity_prefix_overrides_reach_kpi_as_they_reach_audit(tmp_path):
    """Regression: `[rules] severity = {EP0 = "warning"}` made audit treat EP000 as a warning while kpi
    still refused to run (kpi matched exact codes, audit prefixes)."""
    plan = write_plan(tmp_path / "p", toml='as_of = 2026-11-30\n[rules]\nseverity = { EP0 = "warning" }\n',
                      sites=[row(SITE, pue="9")], workloads=[WORKLOAD], contracts=[CONTRACT])
    audited = energyplan.audit(plan)
    assert audited.summary["error"] == 0 and audited.summary["warning"] >= 1
    assert energyplan.kpis(plan).trustworthy
    from typer.testing import CliRunner

    from energyplan.cli.app import app

    assert CliRunner().invoke(app, ["kpi", str(plan), "--format", "json"]).exit_code == 0
    strict = write_plan(tmp_path / "q", toml="as_of = 2026-11-30\n", sites=[row(SITE, pue="9")],
                        workloads=[WORKLOAD], contracts=[CONTRACT])
    assert energyplan.kpis(strict).integrity_errors == {"EP000": 1}
    assert CliRunner().invoke(app, ["kpi", str(strict), "--format", "json"]).exit_code == 1


def test_kpi_validates_the_rules_configuration_as_audit_does(tmp_path):
    plan = write_plan(tmp_path / "p", toml='[rules]\nselect = ["EP9"]\n', sites=[SITE])
    with pytest.raises(UsageError, match="matches no rule"):
        energyplan.kpis(plan)
    with pytest.raises(UsageError, match="matches no rule"):
        energyplan.audit(plan)


def test_diff_through_the_api(tmp_path):
    head = tmp_path / "head"
    shutil.copytree(NORTHWIND, head)
    d = energyplan.diff(NORTHWIND, head, as_of="2026-11-30")
    assert d.new == [] and d.fixed == [] and d.exit_code == 0


def test_api_names_are_not_shadowed_by_submodules():
    """`energyplan.diff` must stay the function even after every submodule has been imported."""
    import importlib
    import pkgutil

    for module in pkgutil.walk_packages(energyplan.__path__, "energyplan."):
        if not module.name.startswith(("energyplan.cli", "energyplan.__main__")):
            importlib.import_module(module.name)
    for name in energyplan.__all__:
        if name != "__version__":
            assert getattr(energyplan, name) is getattr(energyplan.api, name), name


def test_importing_energyplan_is_cheap():
    code = "import sys, energyplan; print(','.join(m for m in ('pandas', 'pyarrow', 'pandera') if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert done.stdout.strip() == ""
    assert "audit" in dir(energyplan)
    with pytest.raises(AttributeError):
        energyplan.no_such_thing  # noqa: B018


@pytest.mark.slow
def test_mypy_strict_passes_on_the_public_api():
    pytest.importorskip("mypy")
    done = subprocess.run([sys.executable, "-m", "mypy", "--no-incremental"], capture_output=True, text=True,
                          cwd=ROOT, timeout=600, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
