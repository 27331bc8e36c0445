"""The report in a real browser (headless Chromium): clean load, every section and chart, a screenshot, A4 print."""

from __future__ import annotations

import base64
import re
import shutil
import subprocess
import unicodedata
from html import unescape
from pathlib import Path

import pytest

from energyplan.render.report import render_html
from tests.browser import dump_dom, find_chromium, grey_variance, load_page, print_pdf, screenshot
from tests.fixtures.report import northwind_input
from tests.test_report_html import CHART_IDS, FULL_SECTIONS, Page

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(find_chromium() is None, reason="no Chromium on PATH (CI installs Debian's chromium)"),
]
A4_LANDSCAPE_PT = (841.92, 594.96)
PRINT_PAGE_PX = (1047, 718)      # A4 landscape less the 10 mm margins of the page's @page rule, in CSS px


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("report") / "northwind.html"
    path.write_text(render_html(northwind_input()), encoding="utf-8")
    return path


def test_loads_without_console_errors_or_requests(report: Path) -> None:
    seen = load_page(report)
    assert seen["loaded"]
    assert seen["console_errors"] == [] and seen["exceptions"] == [] and seen["log_errors"] == []
    assert seen["requests"] == []
    # In print layout every chart fits one A4 landscape page and asks not to be split.
    assert [f["id"] for f in seen["figures"]] == CHART_IDS
    for fig in seen["figures"]:
        assert fig["breakInside"] == "avoid", fig
        assert fig["width"] <= PRINT_PAGE_PX[0] and fig["height"] <= PRINT_PAGE_PX[1], fig


def test_the_checks_catch_a_request_and_a_console_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.html"
    bad.write_text('<!DOCTYPE html><html><body><img src="http://127.0.0.1:9/x.png">'
                   '<script>console.error("boom")</script></body></html>')
    seen = load_page(bad)
    assert seen["requests"] == ["http://127.0.0.1:9/x.png"]
    assert [e["args"][0]["value"] for e in seen["console_errors"]] == ["boom"]


def test_dom_has_every_section_and_chart(report: Path) -> None:
    dom = dump_dom(report)
    page = Page(dom)
    assert page.h2 == FULL_SECTIONS
    assert list(page.figures) == CHART_IDS
    assert all(str(f["img"]).startswith("data:image/svg+xml;base64,") for f in page.figures.values())


def test_screenshot_is_not_blank(report: Path, tmp_path: Path) -> None:
    shot = screenshot(report, tmp_path / "shot.png")
    assert grey_variance(shot) > 500
    blank = tmp_path / "blank.html"
    blank.write_text("<!DOCTYPE html><html><body></body></html>")
    assert grey_variance(screenshot(blank, tmp_path / "blank.png")) < 1   # the measure can tell


def _chart_texts(html: str) -> dict[str, tuple[str, str]]:
    """Per chart: its title and its lowest horizontal text (the legend or the x label)."""
    out = {}
    for fid, fig in Page(html).figures.items():
        svg = base64.b64decode(str(fig["img"]).split(",", 1)[1]).decode()
        texts = [(float(re.search(r' y="([\d.]+)"', attrs)[1]), unescape(t).strip())
                 for attrs, t in re.findall(r"<text([^>]*)>([^<]*)</text>", svg)
                 if not re.search(r"rotate\(-?90", attrs) and len(t.strip()) > 3]
        # The title is the longest text of each chart; the bottom one has the largest y (SVG y grows down).
        out[fid] = (max(texts, key=lambda t: len(t[1]))[1], max(texts)[1])
    return out


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils missing (CI installs it)")
def test_prints_on_a4_landscape_without_cut_charts(report: Path, tmp_path: Path) -> None:
    pdf = print_pdf(report, tmp_path / "report.pdf")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    size = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info)
    assert size and (float(size[1]), float(size[2])) == pytest.approx(A4_LANDSCAPE_PT, abs=1)
    pages_text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                                check=True).stdout.split("\f")
    pages = [" ".join(unicodedata.normalize("NFKC", p).split()) for p in pages_text]
    assert len([p for p in pages if p]) >= 3
    # The collapsed full findings table prints open: every finding's rule code is on paper.
    codes = {f["rule"] for f in northwind_input().audit["findings"]}
    assert {c for c in codes if not any(c in p for p in pages)} == set()
    # A chart cut by a page break has its title on one page and its bottom (legend, x label) on the next.
    for fid, (title, bottom) in _chart_texts(report.read_text()).items():
        assert any(title in p and bottom in p for p in pages), (fid, title, bottom)
    first = tmp_path / "page"
    subprocess.run(["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "1", str(pdf), str(first)], check=True)
    assert grey_variance(next(tmp_path.glob("page*.png"))) > 100
