"""Golden files for every format, from the hand-made sample result; UPDATE_GOLDEN=1 rewrites them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.helpers import audit_formats, render
from tests.support.render_sample import ctx, sample_result

FORMAT_CHOICES = audit_formats()

GOLDEN = Path(__file__).parent / "golden"
SUFFIX = {"rich": "txt", "text": "txt", "json": "json", "sarif": "sarif", "junit": "xml", "github": "txt",
          "markdown": "md"}


def _golden_cases():
    for fmt in FORMAT_CHOICES:
        yield fmt, "audit", {}
    # validate output has no KPIs; colour output must keep its escape codes stable too
    yield "json", "validate", {}
    yield "markdown", "validate", {}
    yield "rich", "audit", {"color": True}


@pytest.mark.parametrize(("fmt", "command", "extra"), list(_golden_cases()))
def test_golden(fmt, command, extra, monkeypatch):
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    result = sample_result()
    if command == "validate":
        result.kpis = None
    out = render(fmt, result, ctx(command=command, **extra))
    name = f"{command}-{fmt}{'-color' if extra.get('color') else ''}.{SUFFIX[fmt]}"
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        GOLDEN.mkdir(exist_ok=True)
        path.write_bytes(out.encode("utf-8"))
    assert path.exists(), f"{path} missing: run UPDATE_GOLDEN=1 pytest {__file__}"
    assert out.encode("utf-8") == path.read_bytes(), f"{name} changed: review, then UPDATE_GOLDEN=1"
