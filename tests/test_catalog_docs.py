"""docs/rules.md is generated from rules/*.toml: this test fails when the committed file is out of date."""

from __future__ import annotations

from pathlib import Path

from energyplan.ruleset.docs import GENERATED_BY, render_rules_doc
from energyplan.ruleset.spec import builtin_rules

DOC = Path(__file__).resolve().parents[1] / "docs" / "rules.md"


def test_docs_rules_md_is_up_to_date() -> None:
    expected = render_rules_doc()
    assert DOC.read_text(encoding="utf-8") == expected, f"docs/rules.md is stale: run `{GENERATED_BY}`"


def test_generated_doc_says_so_and_covers_every_rule() -> None:
    text = render_rules_doc()
    assert text.startswith("<!-- Generated") and GENERATED_BY in text.splitlines()[0]
    for spec in builtin_rules():
        assert f"## {spec.code} {spec.name}" in text
        assert f"](#{spec.code.lower()}-{spec.name})" in text  # the index links to the section's anchor
    assert "| min_headroom_pct | 10 |" in text
