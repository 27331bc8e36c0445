"""Time build_outlook on a generated plan at months = 36 and 240, with its peak memory (outlook.md "Scale")."""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import resource
import sys
import time
import tracemalloc
from pathlib import Path

TARGETS = {36: (1.5, None), 240: (3.0, 300.0)}  # months -> (seconds, extra MB) from issue 10


def _measure(frames: dict, as_of: dt.date, months: int, repeat: int) -> tuple[float, float, float]:
    """(best wall-clock s, best CPU s over `repeat` runs, peak MB allocated above the start of one run).

    CPU seconds tell our own cost on a shared machine, where wall-clock time includes waiting for a core.
    """
    from energyplan.facts.months import OutlookOptions, build_outlook

    options = OutlookOptions(as_of=as_of, months=months)
    best = cpu = float("inf")
    for _ in range(repeat):
        gc.collect()
        t0, c0 = time.perf_counter(), time.process_time()
        build_outlook(frames, options)
        best = min(best, time.perf_counter() - t0)
        cpu = min(cpu, time.process_time() - c0)
    # tracemalloc sees numpy's and pandas' buffers; it slows the run, so it is timed separately
    gc.collect()
    tracemalloc.start()
    build_outlook(frames, options)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return best, cpu, peak / 2**20


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("plan", type=Path, help="plan folder, e.g. one written by benchmarks/generate.py")
    parser.add_argument("--months", default="36,240", help="comma-separated horizons (default 36,240)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per horizon; the best counts")
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=None,
                        help="D (default: the plan's as_of, else 2026-11-30)")
    args = parser.parse_args(argv)

    from energyplan.config import load_settings
    from energyplan.plan.validate import validate_plan

    settings = load_settings(args.plan)
    as_of = args.as_of or settings.as_of or dt.date(2026, 11, 30)
    t0 = time.perf_counter()
    plan = validate_plan(args.plan, settings)
    load_s = time.perf_counter() - t0
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rows = {t: len(f) for t, f in plan.frames.items()}
    print(f"plan {args.plan}: {rows} loaded in {load_s:.1f} s; as_of {as_of}; max RSS so far {rss0:.0f} MB")
    print(f"{'months':>6}  {'best s':>7}  {'CPU s':>6}  {'peak MB':>8}  {'target':>16}  result")
    failed = False
    for months in (int(m) for m in args.months.split(",")):
        seconds, cpu, mb = _measure(plan.frames, as_of, months, args.repeat)
        limit_s, limit_mb = TARGETS.get(months, (None, None))
        ok = (limit_s is None or seconds <= limit_s) and (limit_mb is None or mb <= limit_mb)
        target = "" if limit_s is None else f"≤ {limit_s} s" + ("" if limit_mb is None else f", {limit_mb:.0f} MB")
        failed |= not ok
        print(f"{months:>6}  {seconds:>7.2f}  {cpu:>6.2f}  {mb:>8.0f}  {target:>16}  {'PASS' if ok else 'FAIL'}")
    rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"max RSS after the runs {rss1:.0f} MB (+{rss1 - rss0:.0f} MB over the loaded plan)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
