"""Render the northwind weekly report and take the screenshots docs/report.md shows (headless Chromium).

Usage: python scripts/report_screenshot.py [--out-dir docs]
Writes northwind-report.html (kept out of git by the caller when it is a temp dir) and two 1280×800 PNGs:
report-top.png (verdict and decisions) and report-charts.png (the KPI tiles and the first outlook chart).
The input is the northwind fixture of tests/fixtures/report (audit, outlook, adequacy, diff, four weekly
snapshots), so the picture does not move when the calendar does.
"""

from __future__ import annotations

import argparse
import base64
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))   # run from a checkout: the package, and the fixture the picture is made from


def shoot(page: Path, shots: dict[str, Path], width: int = 1280, height: int = 800) -> None:
    """One width × height PNG per element id ("" for the top of the page), through the DevTools protocol:
    the command line's --screenshot cannot scroll to an element."""
    from tests.browser import DevTools, find_chromium

    if find_chromium() is None:
        sys.exit("report_screenshot: no chromium on PATH (apt-get install chromium)")
    tools = DevTools()
    try:
        target = next(t["targetId"] for t in tools.call("Target.getTargets")["targetInfos"] if t["type"] == "page")
        session = tools.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        tools.call("Page.enable", session=session)
        tools.call("Emulation.setDeviceMetricsOverride", {"width": width, "height": height, "deviceScaleFactor": 1,
                                                          "mobile": False}, session=session)
        tools.call("Page.navigate", {"url": page.resolve().as_uri()}, session=session)
        tools.wait_for("Page.loadEventFired")
        for element, out in shots.items():
            top = 0.0
            if element:
                top = tools.call("Runtime.evaluate", {"returnByValue": True, "expression":
                                 f"document.getElementById({element!r}).getBoundingClientRect().top + scrollY"},
                                 session=session)["result"]["value"]
            shot = tools.call("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True, "clip": {
                "x": 0, "y": max(0.0, top - 8), "width": width, "height": height, "scale": 1}}, session=session)
            out.write_bytes(base64.b64decode(shot["data"]))
    finally:
        tools.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out-dir", type=Path, default=ROOT / "docs")
    args = parser.parse_args(argv)
    from energyplan.render.report import render_html
    from tests.fixtures.report import northwind_input

    args.out_dir.mkdir(parents=True, exist_ok=True)
    data = northwind_input()
    started = time.perf_counter()
    html = render_html(data)
    seconds = time.perf_counter() - started
    with tempfile.TemporaryDirectory(prefix="ep-report-") as tmp:
        page = Path(tmp) / "northwind-report.html"
        page.write_text(html, encoding="utf-8")
        shoot(page, {"": args.out_dir / "report-top.png", "kpis": args.out_dir / "report-charts.png"})
    print(f"northwind report: {len(html.encode()):,} bytes, rendered in {seconds:.2f} s; "
          f"screenshots in {args.out_dir}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
