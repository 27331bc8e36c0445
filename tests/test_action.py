"""The composite GitHub Action: its `run:` steps, run locally as GitHub would, annotate, summarise and count."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

yaml = pytest.importorskip("yaml")

ROOT = Path(__file__).parents[1]
ACTION = ROOT / "action.yml"
SARIF_SCHEMA = Path(__file__).parents[2] / "shared" / "schemas" / "sarif-schema-2.1.0.json"
EXPR = re.compile(r"\$\{\{\s*(.+?)\s*\}\}")


def action() -> dict:
    return yaml.safe_load(ACTION.read_text(encoding="utf-8"))


def parse_outputs(text: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in text.splitlines() if line)


def run_action(cwd: Path, tmp: Path, **given: str) -> tuple[int, str, dict[str, str], str]:
    """Run the action's steps as the runner does: inputs with their defaults, `bash -eo pipefail`, the
    GITHUB_* files. The install step is replaced by checking energyplan imports from this checkout."""
    spec = action()
    inputs = {name: str(opt.get("default", "")) for name, opt in spec["inputs"].items()}
    inputs.update({k.replace("_", "-"): v for k, v in given.items()})
    summary, runner_temp = tmp / "summary.md", tmp / "runner"
    summary.write_text("", encoding="utf-8")
    runner_temp.mkdir(exist_ok=True)
    base_env = {**os.environ, "GITHUB_ACTION_PATH": str(ROOT), "GITHUB_STEP_SUMMARY": str(summary),
                "RUNNER_TEMP": str(runner_temp), "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    steps: dict[str, dict[str, str]] = {}
    code, stdout = 0, ""
    for n, step in enumerate(spec["runs"]["steps"]):
        assert step["shell"] == "bash" and "run" in step
        outputs = tmp / f"output-{n}"
        outputs.write_text("", encoding="utf-8")
        if step.get("id") == "install":
            assert '"$GITHUB_ACTION_PATH"' in step["run"]  # installs the action's own checkout, no index
            subprocess.run([sys.executable, "-c", "import energyplan"], env=base_env, check=True)
            steps["install"] = {"python": sys.executable}
            continue
        context = {f"inputs.{k}": v for k, v in inputs.items()}
        context |= {f"steps.{s}.outputs.{k}": v for s, outs in steps.items() for k, v in outs.items()}
        context["github.action_path"] = str(ROOT)
        env = {k: EXPR.sub(lambda m, c=context: c[m.group(1)], str(v)) for k, v in step.get("env", {}).items()}
        proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]], cwd=cwd,
                              env={**base_env, **env, "GITHUB_OUTPUT": str(outputs)}, capture_output=True,
                              text=True, timeout=300, check=False)
        assert "Traceback" not in proc.stderr, proc.stderr
        steps[step["id"]] = parse_outputs(outputs.read_text(encoding="utf-8"))
        code, stdout = proc.returncode, proc.stdout
        if code:
            break
    outs = {name: EXPR.sub(lambda m: steps[m.group(1).split(".")[1]].get(m.group(1).split(".")[3], ""),
                           o["value"]) for name, o in spec["outputs"].items()}
    return code, stdout, outs, summary.read_text(encoding="utf-8")


@pytest.fixture
def work(tmp_path: Path) -> Path:
    """A repository-like folder holding copies of the sample plans at their usual paths."""
    cwd = tmp_path / "repo"
    for name in ("northwind", "clean"):
        shutil.copytree(ROOT / "sample_data" / name, cwd / "sample_data" / name)
    return cwd


def audit_summary(cwd: Path, plan: str) -> dict:
    proc = subprocess.run([sys.executable, "-m", "energyplan", "audit", plan, "-f", "json"], cwd=cwd,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, check=False)
    return json.loads(proc.stdout)["summary"]


def test_action_declares_inputs_outputs_and_passes_inputs_through_env():
    spec = action()
    assert spec["runs"]["using"] == "composite"
    assert set(spec["inputs"]) >= {"plan", "fail-on", "baseline", "sarif"}
    assert spec["inputs"]["plan"]["required"] is True and spec["inputs"]["sarif"]["default"] == ""
    assert set(spec["outputs"]) == {"errors", "warnings", "infos", "waived", "exit-code"}
    for step in spec["runs"]["steps"]:
        assert "${{" not in step["run"]  # an input pasted into a script could inject shell code
    assert "pip install energyplan" not in ACTION.read_text(encoding="utf-8")


def test_action_on_northwind_annotates_summarises_writes_sarif_and_counts(work: Path, tmp_path: Path):
    code, stdout, outs, summary = run_action(work, tmp_path, plan="sample_data/northwind",
                                             sarif="reports/energyplan.sarif")
    expected = audit_summary(work, "sample_data/northwind")
    assert code == 1  # northwind has errors: the step fails with the audit's exit code
    assert outs == {"errors": str(expected["error"]), "warnings": str(expected["warning"]),
                    "infos": str(expected["info"]), "waived": str(expected["waived"]), "exit-code": "1"}
    assert expected["error"] > 0 and expected["waived"] > 0
    lines = stdout.splitlines()
    assert lines and all(line.startswith(("::error ", "::warning ", "::notice ")) for line in lines[:-1])
    assert sum(line.startswith("::error ") for line in lines) == expected["error"]
    assert "file=sample_data/northwind/" in stdout and lines[-1].startswith("energyplan audit: ")
    assert summary.startswith("## ") and "### Findings" in summary
    sarif = json.loads((work / "reports" / "energyplan.sarif").read_text(encoding="utf-8"))
    assert sarif["version"] == "2.1.0" and len(sarif["runs"]) == 1 and sarif["runs"][0]["results"]
    if SARIF_SCHEMA.exists():
        import jsonschema

        schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
        jsonschema.validators.validator_for(schema)(schema).validate(sarif)
    assert not list((tmp_path / "runner").iterdir())  # its scratch folder is removed


def test_action_with_two_plans_sums_counts_and_merges_sarif(work: Path, tmp_path: Path):
    shutil.copytree(work / "sample_data" / "northwind", work / "plans" / "second")
    code, _, outs, summary = run_action(work, tmp_path, plan="sample_data/northwind\nplans/second\n",
                                        sarif="energyplan.sarif")
    one = audit_summary(work, "sample_data/northwind")
    assert code == 1
    assert (outs["errors"], outs["warnings"], outs["waived"]) == (str(2 * one["error"]), str(2 * one["warning"]),
                                                                  str(2 * one["waived"]))
    assert summary.count("### Findings") == 2  # one report per plan in the run summary
    run = json.loads((work / "energyplan.sarif").read_text(encoding="utf-8"))["runs"][0]
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].split("/")[0] for r in run["results"]}
    assert uris == {"sample_data", "plans"}
    rules = run["tool"]["driver"]["rules"]
    assert all(rules[r["ruleIndex"]]["id"] == r["ruleId"] for r in run["results"])


def test_action_on_a_clean_plan_passes_and_writes_no_sarif_unless_asked(work: Path, tmp_path: Path):
    code, stdout, outs, _ = run_action(work, tmp_path, plan="sample_data/clean")
    assert code == 0 and outs["errors"] == "0" and outs["exit-code"] == "0"
    assert not list(work.glob("*.sarif"))
    assert stdout.splitlines()[-1].startswith("energyplan audit: ")


def test_action_fail_on_never_passes_northwind_and_still_counts(work: Path, tmp_path: Path):
    code, _, outs, _ = run_action(work, tmp_path, plan="sample_data/northwind", fail_on="never")
    assert code == 0 and outs["exit-code"] == "0" and int(outs["errors"]) > 0


def test_action_without_fail_on_follows_the_plans_config(work: Path, tmp_path: Path):
    config = work / "sample_data" / "northwind" / "energyplan.toml"
    text = config.read_text(encoding="utf-8")
    assert "[rules]" not in text
    config.write_text(text + '\n[rules]\nfail_on = "never"\n', encoding="utf-8")
    code, _, outs, _ = run_action(work, tmp_path, plan="sample_data/northwind")
    assert code == 0 and outs["exit-code"] == "0" and int(outs["errors"]) > 0  # not overridden by the action


def test_action_baseline_accepts_recorded_findings(work: Path, tmp_path: Path):
    plan = work / "sample_data" / "northwind"
    subprocess.run([sys.executable, "-m", "energyplan", "audit", str(plan), "--write-baseline",
                    str(plan / "baseline.json")], env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True,
                   check=False)
    code, stdout, outs, _ = run_action(work, tmp_path, plan="sample_data/northwind",
                                       baseline="sample_data/northwind/baseline.json")
    assert code == 0 and outs["exit-code"] == "0"
    assert "::error " not in stdout  # baseline findings get no annotation


def test_action_baseline_count_must_match_plans(work: Path, tmp_path: Path):
    code, stdout, outs, _ = run_action(work, tmp_path, plan="sample_data/northwind sample_data/clean",
                                       baseline="b.json")
    assert code == 2 and outs["exit-code"] == "2"
    assert stdout.startswith("::error title=energyplan::baseline lists 1 file(s) for 2 plan(s)")


def test_action_missing_plan_folder_is_exit_2_with_sarif_still_written(work: Path, tmp_path: Path):
    code, _, outs, _ = run_action(work, tmp_path, plan="no/such/plan", sarif="energyplan.sarif")
    assert code == 2 and outs["exit-code"] == "2" and outs["errors"] == "0"
    assert json.loads((work / "energyplan.sarif").read_text(encoding="utf-8"))["runs"][0]["results"] == []
