"""Render the northwind weekly report with the real command and take the screenshots docs/report.md shows.

Usage: python scripts/report_screenshot.py [--out-dir docs]
Writes four weekly KPI snapshots of sample_data/northwind into a temp folder (`energyplan kpi --snapshot-dir
--as-of …`, the northwind as_of and the three weeks before it), runs `energyplan report sample_data/northwind
--snapshots … -o northwind-report.html` there, and takes two 1280×800 PNGs in headless Chromium:
report-top.png (verdict and decisions) and report-charts.png (the KPI tiles with their trend). The plan
pins its as_of, so the picture does not move when the calendar does.
"""

from __future__ import annotations

import argparse
import base64
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))   # run from a checkout: tests/browser.py drives Chromium


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


WEEKS = ("2026-11-09", "2026-11-16", "2026-11-23", "2026-11-30")  # northwind's as_of and the 3 weeks before


def energyplan(*args: str) -> float:
    """Run the CLI as a user would (a fresh process from this checkout); returns the seconds it took."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "energyplan", *args], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, check=False)
    if done.returncode != 0:
        sys.exit(f"report_screenshot: energyplan {' '.join(args)} failed ({done.returncode}): {done.stderr.strip()}")
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out-dir", type=Path, default=ROOT / "docs")
    args = parser.parse_args(argv)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    plan = "sample_data/northwind"  # relative to the checkout (the cwd of every run): the page shows it as given
    with tempfile.TemporaryDirectory(prefix="ep-report-") as tmp:
        snapshots, page = Path(tmp) / "snapshots", Path(tmp) / "northwind-report.html"
        for day in WEEKS:
            energyplan("kpi", plan, "--snapshot-dir", str(snapshots), "--as-of", day, "--format", "json",
                       "-o", os.devnull, "-q")
        seconds = energyplan("report", plan, "--snapshots", str(snapshots), "-o", str(page), "-q")
        size = page.stat().st_size
        shoot(page, {"": args.out_dir / "report-top.png", "kpis": args.out_dir / "report-charts.png"})
    print(f"northwind report: {size:,} bytes, rendered in {seconds:.2f} s (the whole `energyplan report` "
          f"run); screenshots in {args.out_dir}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
