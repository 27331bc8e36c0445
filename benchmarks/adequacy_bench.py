"""Time and peak memory of build_adequacy on a generated plan (default /tmp/bench1m) and on 20 of its sites.

    PYTHONPATH=. python benchmarks/adequacy_bench.py [PLAN] [--sites 20]
Build the plan first with `python benchmarks/generate.py` (see benchmarks/README.md).
"""

from __future__ import annotations

import argparse
import sys
import time
import tracemalloc
from pathlib import Path


def measure(frames: dict, as_of, label: str) -> tuple[float, float]:
    from energyplan.facts.hours import HourlyOptions, build_adequacy

    options = HourlyOptions(as_of=as_of)
    t0, c0 = time.perf_counter(), time.process_time()
    result = build_adequacy(frames, options, annual_carbon={}, profiles_file=None)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    # a second run under tracemalloc (numpy reports its buffers to it) for the peak; tracing slows it down
    tracemalloc.start()
    build_adequacy(frames, options, annual_carbon={}, profiles_file=None)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    sy = result.site_year
    storage = int(sy["battery_cycles"].notna().sum())
    print(f"{label}: {len(sy):,} sites ({storage:,} with storage), {len(result.events):,} event runs: "
          f"{seconds:.2f} s wall, {cpu:.2f} s CPU, peak {peak:.0f} MB (tracemalloc)")
    return seconds, peak


def with_batteries(contracts, sites, as_of):
    """One more contract per site: a signed battery active at D (every site but cloud regions is stepped)."""
    import pandas as pd

    n = len(sites)
    extra = contracts.iloc[[0] * n].reset_index(drop=True)  # typed like the table; every field set below
    extra["energy_mwh"] = extra["energy_mwh"].astype("float64")
    extra["contract_id"] = ("bench-bess-" + sites["site_id"].astype(str)).to_numpy()
    extra["site_id"] = sites["site_id"].to_numpy()
    for col, value in (("layer", "flexibility"), ("contract_type", "battery_storage"), ("technology", "battery"),
                       ("status", "signed")):
        extra[col] = pd.Series([value] * n, dtype=contracts[col].dtype)
    extra["capacity_mw"], extra["energy_mwh"], extra["availability_pct"] = 5.0, 20.0, 99.0
    day = pd.Timestamp(as_of)
    extra["start_date"] = pd.Series([day - pd.Timedelta(days=400)] * n).astype(contracts["start_date"].dtype)
    extra["end_date"] = pd.Series([day + pd.Timedelta(days=400)] * n).astype(contracts["end_date"].dtype)
    return pd.concat([contracts, extra], ignore_index=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("plan", nargs="?", default="/tmp/bench1m", type=Path)
    parser.add_argument("--sites", type=int, default=20, help="size of the small run")
    parser.add_argument("--all-storage", action="store_true",
                        help="give every site a signed 5 MW / 20 MWh battery (the worst case: all sites stepped)")
    args = parser.parse_args(argv)
    from energyplan.config import load_settings
    from energyplan.plan.validate import validate_plan

    if not args.plan.is_dir():
        print(f"no plan at {args.plan}: run benchmarks/generate.py first", file=sys.stderr)
        return 2
    settings = load_settings(args.plan)
    t0 = time.perf_counter()
    plan = validate_plan(args.plan, settings)
    print(f"loaded {args.plan} in {time.perf_counter() - t0:.1f} s (not counted)")
    as_of = settings.resolved_as_of()
    frames = dict(plan.frames)
    if args.all_storage:
        frames["contracts"] = with_batteries(frames["contracts"], frames["sites"], as_of)
    measure(frames, as_of, "all sites")
    keep = frames["sites"]["site_id"].iloc[: args.sites]
    for table in ("sites", "workloads", "contracts", "incidents"):
        frames[table] = frames[table][frames[table]["site_id"].isin(keep)].reset_index(drop=True)
    measure(frames, as_of, f"{args.sites} sites")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
