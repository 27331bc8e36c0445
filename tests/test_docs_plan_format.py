"""docs/plan-format.md is generated from the models and must be up to date."""

from __future__ import annotations

from pathlib import Path

from energyplan import docsgen
from energyplan.model import TABLES
from energyplan.plan.schemas import input_columns

DOC = Path(__file__).resolve().parent.parent / "docs" / "plan-format.md"


def test_committed_plan_format_is_up_to_date() -> None:
    assert DOC.read_text(encoding="utf-8") == docsgen.render_plan_format(), (
        "docs/plan-format.md is out of date: run python -m energyplan.docsgen plan-format")


def test_plan_format_says_it_is_generated_and_how() -> None:
    first = docsgen.render_plan_format().splitlines()[0]
    assert "Generated" in first and "python -m energyplan.docsgen plan-format" in first


def test_every_column_has_a_row() -> None:
    text = docsgen.render_plan_format()
    for table in TABLES:
        for name in input_columns(table):
            assert f"\n| {name} |" in text


def test_main_check_and_unknown_name(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setattr(docsgen, "REPO", tmp_path)
    (tmp_path / "docs").mkdir()
    assert docsgen.main(["--check", "plan-format"]) == 1
    assert docsgen.main(["plan-format"]) == 0
    assert (tmp_path / "docs" / "plan-format.md").read_text() == docsgen.render_plan_format()
    assert docsgen.main(["--check", "plan-format"]) == 0
    assert docsgen.main(["nonsense"]) == 2
    assert "names: plan-format" in capsys.readouterr().err
