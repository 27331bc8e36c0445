"""Every --format choice maps to a renderer that renders; renderers are pure, deterministic, pandas-free."""

from __future__ import annotations

import subprocess
import sys

import pytest

from energyplan.errors import UsageError
from energyplan.render import FORMATS, formats, renderer
from tests.helpers import audit_formats, render
from tests.support.render_sample import ctx, sample_result

FORMAT_CHOICES = audit_formats()


def test_every_format_of_every_command_names_a_function_that_exists():
    for command, table in FORMATS.items():
        for fmt in table:
            assert callable(renderer(command, fmt)), (command, fmt)


def test_every_audit_format_renders_and_the_cli_offers_exactly_the_registry():
    from typer.testing import CliRunner

    from energyplan.cli.app import app

    help_text = " ".join(CliRunner().invoke(app, ["audit", "--help"], env={"COLUMNS": "200"}).output.split())
    for fmt in FORMAT_CHOICES:
        assert fmt in help_text, fmt
        out = render(fmt, sample_result(), ctx())
        assert isinstance(out, str) and out.endswith("\n") and len(out) > 50, fmt


def test_unknown_format_is_a_usage_error():
    with pytest.raises(UsageError, match="unknown format 'yaml'"):
        renderer("audit", "yaml")
    assert "parquet" in formats("kpi") and "parquet" not in formats("audit")


@pytest.mark.parametrize("fmt", FORMAT_CHOICES)
def test_two_renders_are_byte_identical(fmt, monkeypatch):
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    first = render(fmt, sample_result(), ctx()).encode("utf-8")
    second = render(fmt, sample_result(), ctx()).encode("utf-8")
    assert first == second


@pytest.mark.parametrize("fmt", FORMAT_CHOICES)
def test_output_does_not_depend_on_the_order_findings_arrive_in(fmt, monkeypatch):
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    result = sample_result()
    shuffled = sample_result(findings=list(reversed(result.findings)), rules=list(reversed(result.rules)))
    assert render(fmt, result, ctx()) == render(fmt, shuffled, ctx())


@pytest.mark.parametrize("fmt", FORMAT_CHOICES)
def test_renderers_do_not_mutate_the_result(fmt, monkeypatch):
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    result = sample_result()
    before = (list(result.findings), dict(result.counts), dict(result.truncated), list(result.rules))
    render(fmt, result, ctx())
    assert (result.findings, result.counts, result.truncated, result.rules) == before


def test_quiet_shrinks_human_formats_to_the_verdict_and_leaves_machine_formats_alone(monkeypatch):
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    for fmt in ("text", "rich"):
        out = render(fmt, sample_result(), ctx(quiet=True))
        assert out.count("\n") == 1 and out.startswith("energyplan audit: FAIL"), fmt
    for fmt in ("json", "sarif", "junit", "github", "markdown"):
        assert render(fmt, sample_result(), ctx(quiet=True)) == render(fmt, sample_result(), ctx()), fmt


def test_render_modules_import_no_pandas():
    code = (
        "import sys\n"
        "from energyplan.render import formats, render\n"
        "from tests.support.render_sample import sample_result, ctx\n"
        "for fmt in formats('audit'):\n"
        "    render('audit', fmt, sample_result(), ctx())\n"
        "heavy = sorted(m for m in ('pandas', 'pyarrow', 'pandera') if m in sys.modules)\n"
        "print(','.join(heavy))\n"
    )
    env_cmd = [sys.executable, "-c", code]
    done = subprocess.run(env_cmd, capture_output=True, text=True, check=True,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": "."})
    assert done.stdout.strip() == ""
