"""Issue 13, the first day of a lead, a CI maintainer and an analyst: each test repeats what a user did."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from tests.helpers import COMMITMENT, CONTRACT, SITE, WORKLOAD, write_plan
from tests.test_audit_cli import SAMPLES, energyplan

NORTHWIND = SAMPLES / "northwind"


def small_plan(root: Path, toml: str | None = None) -> Path:
    return write_plan(root, toml=toml, sites=[SITE], workloads=[WORKLOAD], commitments=[COMMITMENT],
                      contracts=[CONTRACT])


# ---- item 8: paths in text output are relative to the current directory ----------------------------


def test_item8_text_locations_open_from_the_current_directory(tmp_path: Path) -> None:
    plan = small_plan(tmp_path / "plans" / "q4", toml='as_of = 2026-11-30\n')
    (plan / "commitments.csv").write_text("commitment_id\n", encoding="utf-8")  # a broken table: findings
    from_root = energyplan("audit", plan.resolve(), "--format", "text", cwd=Path("/"))
    rel = str(plan.resolve()).lstrip("/")
    lines = [x for x in from_root.stdout.splitlines() if " [error] " in x]
    assert lines and all(x.startswith(f"{rel}/commitments.csv:") for x in lines), from_root.stdout
    # from the plan's parent the path is short; from inside the plan, just the file
    near = energyplan("audit", "q4", "--format", "text", cwd=tmp_path / "plans")
    assert any(x.startswith("q4/commitments.csv:") for x in near.stdout.splitlines())
    inside = energyplan("audit", ".", "--format", "rich", cwd=plan, env={"COLUMNS": "100"})
    assert "schema-violation  commitments.csv" in inside.stdout and "q4/commitments.csv" not in inside.stdout
    # a plan outside the cwd prints its absolute path, not a ../../ chain
    (tmp_path / "elsewhere").mkdir()
    away = energyplan("audit", plan.resolve(), "--format", "text", cwd=tmp_path / "elsewhere")
    assert any(x.startswith(f"{plan.resolve()}/commitments.csv:") for x in away.stdout.splitlines())


# ---- item 12: as_of defaulting to today is said ---------------------------------------------------


def test_item12_report_says_when_as_of_is_today(tmp_path: Path) -> None:
    plan = small_plan(tmp_path / "p")
    today = dt.date.today().isoformat()
    for fmt in ("text", "rich", "markdown"):
        out = energyplan("audit", plan, "--format", fmt, env={"COLUMNS": "140"}).stdout
        flat = " ".join(out.replace("\\_", "_").split())
        assert f"as of {today} (today: set as_of in energyplan.toml to pin it)" in flat, fmt
    pinned = energyplan("audit", plan, "--format", "text", "--as-of", "2026-11-30").stdout
    assert "(today:" not in pinned
    assert json.loads(energyplan("audit", plan, "--format", "json").stdout)["as_of"] == today
