"""scripts/report_screenshot.py: the docs' screenshots of the northwind report come from the repo, and are not blank."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.browser import find_chromium, grey_variance, png_pixels

ROOT = Path(__file__).parents[1]


@pytest.mark.slow
@pytest.mark.skipif(find_chromium() is None, reason="no Chromium on PATH (CI installs Debian's chromium)")
def test_script_writes_both_screenshots(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "report_screenshot.py"), "--out-dir",
                             str(tmp_path)], capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    assert "northwind report:" in result.stderr and "bytes, rendered in" in result.stderr
    for name in ("report-top.png", "report-charts.png"):
        width, height, _ = png_pixels(tmp_path / name)
        assert (width, height) == (1280, 800)
        assert grey_variance(tmp_path / name) > 300


def test_docs_show_the_screenshots() -> None:
    text = (ROOT / "docs" / "report.md").read_text(encoding="utf-8")
    for name in ("report-top.png", "report-charts.png"):
        assert f"({name})" in text and (ROOT / "docs" / name).is_file()
    assert "scripts/report_screenshot.py" in text
