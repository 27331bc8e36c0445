"""GitHub workflow commands: escaping, worst first, accepted findings silent, step summary appended."""

from __future__ import annotations

import dataclasses

from energyplan.render.github import escape_data, escape_property
from tests.helpers import render
from tests.support.render_sample import FINDINGS, PREFIX, ctx, sample_result


def lines(monkeypatch, result=None, **context) -> list[str]:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    return render("github", result or sample_result(), ctx(**context)).splitlines()


def test_escaping_follows_the_workflow_command_rules():
    assert escape_data("50%,\r\nnext: a") == "50%25,%0D%0Anext: a"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    # `%` first: an escape sequence already in the text is not decoded by the runner
    assert escape_data("%0A") == "%250A"


def test_one_command_per_finding_worst_first_accepted_ones_left_out(monkeypatch):
    out = lines(monkeypatch)
    commands = [line for line in out if line.startswith("::")]
    kinds = [c.split(" ", 1)[0] for c in commands]
    assert kinds == ["::error"] * 6 + ["::warning"] + ["::notice"] * 2
    assert commands[0] == (
        f"::error file={PREFIX}commitments.csv,line=4,title=energyplan (EP101)::"
        "commitment cmt-aws-2027 (2,048 GPUs, signed) names no electricity sourcing plan"
    )
    assert not any("cmt-gcp-2026" in c or "w-train" in c for c in commands)  # waived / baseline
    assert out[-1].startswith("energyplan audit: FAIL")


def test_messages_with_newlines_and_percent_stay_on_one_line(monkeypatch):
    out = lines(monkeypatch)
    ep000 = next(c for c in out if "line=7," in c)
    assert ep000.endswith("::gpu_count 'ten%0Athousand' is not an integer: 100%25 of 1,000 checked [bold]x[/bold]")
    stale = next(c for c in out if "(EP004)" in c)
    assert stale == (f"::notice file={PREFIX}energyplan.toml,title=energyplan (EP004)::"
                     "waiver for EP101 cmt-gone (expires 2027-01-01) matches no finding: 50%25,%0D%0Adelete it")


def test_a_finding_without_a_line_is_a_file_level_annotation(monkeypatch):
    header = next(c for c in lines(monkeypatch) if "contracts.csv" in c)
    assert header.startswith(f"::error file={PREFIX}contracts.csv,title=")


def test_properties_are_escaped_in_paths(monkeypatch):
    odd = dataclasses.replace(FINDINGS[0], file="q4: draft, v2.csv")
    out = lines(monkeypatch, sample_result(findings=[odd]), uri_prefix="plans/")
    assert out[0].startswith("::error file=plans/q4%3A draft%2C v2.csv,line=4,")


def emitted(folder, fmt):
    """Through the one output path (as `energyplan audit -o` runs it): the file's text."""
    from energyplan.render.emit import Target, emit

    folder.mkdir(exist_ok=True)
    target = folder / f"out.{fmt}"
    emit("audit", [Target(fmt, target)], sample_result(), ctx())
    return target.read_text(encoding="utf-8")


def test_step_summary_gets_the_markdown_report_appended(tmp_path, monkeypatch):
    summary = tmp_path / "summary.md"
    summary.write_text("# earlier step\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    stdout = emitted(tmp_path, "github")
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("# earlier step\n")
    assert text[len("# earlier step\n"):] == render("markdown", sample_result(), ctx())
    assert "### Findings" not in stdout  # the report goes to the file, not into the log


def test_no_step_summary_outside_github_actions(tmp_path, monkeypatch):
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    monkeypatch.chdir(tmp_path)
    emitted(tmp_path / "out", "github")
    assert list(tmp_path.iterdir()) == [tmp_path / "out"]


def test_unwritable_step_summary_is_a_usage_error(tmp_path, monkeypatch):
    import pytest

    from energyplan.errors import UsageError

    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "missing" / "summary.md"))
    with pytest.raises(UsageError, match="GITHUB_STEP_SUMMARY"):
        emitted(tmp_path, "github")
