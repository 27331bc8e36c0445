"""The validation harness of tests/support/validate.py sees nothing in an empty plan."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import write_plan
from tests.support.validate import findings, validate


def test_support_sees_no_findings_in_an_empty_plan(tmp_path: Path) -> None:
    assert findings(validate(write_plan(tmp_path))) == []
