"""The hand-made AuditOutcome of tests/support/render_sample.py exercises every rendering case."""

from __future__ import annotations

from tests.support.render_sample import sample_result


def test_sample_exercises_every_case():
    findings = sample_result().findings
    assert any(f.waived and f.waiver for f in findings)
    assert any(f.baseline for f in findings)
    assert any("expired" in f.message for f in findings)
    assert any(f.rule == "EP004" and f.file is None for f in findings)
    assert any(f.file and f.line is None and f.row is None for f in findings)  # whole-file finding
    assert any(f.file and f.line is None and f.row is not None for f in findings)  # Parquet row
    assert any("\n" in f.message for f in findings) and any("\r" in f.message for f in findings)
    assert any(c in f.message for f in findings for c in "%:,|")
    assert any(f.identity == g.identity for i, f in enumerate(findings) for g in findings[i + 1:])
    assert any(not s.isascii() for f in findings for s in (f.message, f.record_id or ""))
