"""Time whole energyplan processes against a pyarrow read floor: median seconds, ratio, peak RSS, targets."""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
GENERATOR = HERE / "generate.py"
VARIANTS = {"clean": 0.0, "bad1": 0.01, "bad100": 1.0}
VARIANT_LABEL = {"clean": "clean", "bad1": "1% bad", "bad100": "100% bad"}
FORMATS = ("csv", "parquet")
OK_EXIT = (0, 1)  # 1 = "ran, and found something": a normal outcome for a plan with findings
CLI = [sys.executable, "-m", "energyplan"]

# The floor: the least any tool must do, start Python, import pyarrow and read every table.
FLOOR_CODE = """\
import sys, pathlib
import pyarrow.csv, pyarrow.parquet
for f in sorted(pathlib.Path(sys.argv[1]).iterdir()):
    if f.suffix == ".csv":
        pyarrow.csv.read_csv(f)
    elif f.suffix == ".parquet":
        pyarrow.parquet.read_table(f)
"""
# The startup baseline: the --help of a one-command Typer app in the same environment.
TYPER_APP = '''\
import typer

app = typer.Typer(add_completion=False)


@app.command()
def main(name: str = "world") -> None:
    """Greet someone."""
    typer.echo(f"hello {name}")


if __name__ == "__main__":
    app()
'''


@dataclass
class Scenario:
    name: str
    argv: list[str]
    baseline: str | None = None  # scenario whose median is the ratio's denominator
    max_ratio: float | None = None
    max_rss_mb: float | None = None
    check: Callable[[Path], str | None] | None = None  # stdout file -> problem, or None
    out_file: Path | None = None  # a file the command writes (removed after each run)


@dataclass
class Result:
    times: list[float] = field(default_factory=list)
    rss_mb: list[float] = field(default_factory=list)
    failure: str | None = None

    @property
    def median(self) -> float | None:
        return statistics.median(self.times) if self.times and not self.failure else None


def size_label(n: int) -> str:
    for unit, div in (("M", 1_000_000), ("k", 1_000)):
        if n >= div and n % div == 0:
            return f"{n // div}{unit}"
    return str(n)


# ---- data ---------------------------------------------------------------------------------------

def ensure_plan(data_dir: Path, workloads: int, variant: str, seed: int) -> Path:
    """The folder holding csv/ and parquet/ of one plan, generated unless a matching one is cached."""
    folder = data_dir / f"w{workloads}-{variant}-s{seed}"
    marker = folder / ".generated.json"
    wanted = {"workloads": workloads, "bad_fraction": VARIANTS[variant], "seed": seed,
              "generator": hashlib.sha256(GENERATOR.read_bytes()).hexdigest()}
    try:
        if json.loads(marker.read_text()) == wanted:
            return folder
    except (OSError, ValueError):
        pass
    log(f"generating {size_label(workloads)} workloads, {VARIANT_LABEL[variant]} -> {folder}")
    sys.path.insert(0, str(HERE))
    try:
        import generate
    finally:
        sys.path.remove(str(HERE))
    marker.unlink(missing_ok=True)
    generate.build(folder, workloads, fmt="both", bad_fraction=VARIANTS[variant], seed=seed)
    marker.write_text(json.dumps(wanted))
    return folder


# ---- measuring ----------------------------------------------------------------------------------

# Linux folds the parent's memory high-water mark into a forked child's ru_maxrss at exec, so a
# child spawned straight from this runner (numpy and pyarrow loaded, plans generated) would report
# the runner's peak. Each run is therefore spawned by a fresh, bare Python (-I -S, a few MB) that
# times the command and reads its peak RSS with wait4, then reports "seconds maxrss exitcode".
LAUNCHER = """\
import os, sys, time
report, argv = sys.argv[1], sys.argv[2:]
start = time.perf_counter()
try:
    pid = os.posix_spawnp(argv[0], argv, os.environ)
except OSError as exc:
    with open(report, "w") as fh:
        fh.write("error " + str(exc))
    sys.exit(0)
_, status, usage = os.wait4(pid, 0)
seconds = time.perf_counter() - start
with open(report, "w") as fh:
    fh.write(f"{seconds} {usage.ru_maxrss} {os.waitstatus_to_exitcode(status)}")
"""


def _max_rss_mb(ru_maxrss: float) -> float:
    # ru_maxrss is KiB on Linux, bytes on macOS
    return ru_maxrss / 1024 / 1024 if sys.platform == "darwin" else ru_maxrss / 1024


def run_once(scenario: Scenario, timeout: float) -> tuple[float, float, int, Path, str]:
    """(seconds, max RSS MB, exit code, stdout file, stderr text) of one run of the whole process."""
    out = tempfile.NamedTemporaryFile(prefix="bench-out-", delete=False)  # noqa: SIM115 - read after exit
    report = Path(out.name + ".report")
    try:
        with out, tempfile.TemporaryFile() as err:
            proc = subprocess.Popen([sys.executable, "-I", "-S", "-c", LAUNCHER, str(report), *scenario.argv],
                                    stdin=subprocess.DEVNULL, stdout=out, stderr=err, start_new_session=True)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)  # the launcher and the command it runs
                proc.wait()
                return timeout, 0.0, -9, Path(out.name), f"timed out after {timeout:g} s"
            err.seek(0)
            stderr = err.read().decode("utf-8", "replace")
        fields = report.read_text(encoding="utf-8").split(" ", 2) if report.exists() else ["error", "no report"]
    finally:
        report.unlink(missing_ok=True)
    if fields[0] == "error":
        Path(out.name).unlink(missing_ok=True)
        raise OSError(" ".join(fields[1:]))
    return float(fields[0]), _max_rss_mb(float(fields[1])), int(fields[2]), Path(out.name), stderr


def measure_once(scenario: Scenario, result: Result, timeout: float) -> None:
    """Run once and add the timing to `result`, or record why the run failed (then it is not retried)."""
    first = not result.times
    try:
        seconds, rss, code, stdout, stderr = run_once(scenario, timeout)
    except OSError as exc:
        result.failure = f"could not start: {exc}"
        return
    try:
        if code not in OK_EXIT:
            result.failure = f"exit {code}: {_last_message(stderr)}"
        elif first and scenario.check is not None:
            result.failure = scenario.check(stdout)
        elif scenario.out_file is not None and code == 0 and not scenario.out_file.exists():
            result.failure = f"exit 0 but {scenario.out_file.name} was not written"
    finally:
        stdout.unlink(missing_ok=True)
        if scenario.out_file is not None:
            scenario.out_file.unlink(missing_ok=True)
    if not result.failure:
        result.times.append(seconds)
        result.rss_mb.append(rss)


def measure(scenario: Scenario, repeat: int, timeout: float) -> Result:
    result = Result()
    for _ in range(repeat):
        if result.failure:
            break
        measure_once(scenario, result, timeout)
    return result


def measure_all(scenarios: list[Scenario], repeat: int, timeout: float) -> dict[str, Result]:
    """Round-robin over the scenarios, so a load spike on the machine spreads over all of them
    instead of skewing one ratio (a command and its baseline are measured minutes apart otherwise)."""
    results = {s.name: Result() for s in scenarios}
    for i in range(repeat):
        for s in scenarios:
            if not results[s.name].failure:
                log(f"  [{i + 1}/{repeat}] {s.name}")
                measure_once(s, results[s.name], timeout)
    return results


def _last_message(stderr: str) -> str:
    """The last line of stderr that says something (Typer draws usage errors inside a box)."""
    lines = [line.strip(" \t│╭╮╰╯─|") for line in stderr.splitlines()]
    said = [line for line in lines if any(ch.isalnum() for ch in line)]
    return said[-1][:200] if said else "(no message)"


def json_check(stdout: Path) -> str | None:
    """A JSON command must print one JSON document on stdout."""
    try:
        json.loads(stdout.read_bytes())
    except (ValueError, UnicodeDecodeError) as exc:
        return f"stdout is not JSON ({str(exc)[:80]})"
    return None


# ---- scenarios ----------------------------------------------------------------------------------

def plan_scenarios(plans: dict[tuple[int, str], Path], size: int, work: Path) -> list[Scenario]:
    """Floor, validate, audit and kpi on CSV and Parquet, clean, 1 % and 100 % bad, at `size`."""
    out = []
    for fmt in FORMATS:
        for variant in VARIANTS:
            plan = str(plans[(size, variant)] / fmt)
            tag = f"{fmt} {VARIANT_LABEL[variant]} {size_label(size)}"
            floor = f"floor {tag}"
            out.append(Scenario(floor, [sys.executable, "-c", FLOOR_CODE, plan]))
            out.append(Scenario(f"validate json {tag}", [*CLI, "validate", plan, "--format", "json"],
                                floor, check=json_check))
            audit = Scenario(f"audit json {tag}", [*CLI, "audit", plan, "--format", "json"], floor,
                             check=json_check)
            if variant == "clean":
                audit.max_ratio, audit.max_rss_mb = 6.0, 1500.0
            elif variant == "bad1":
                audit.max_ratio = 8.0
            else:
                audit.max_rss_mb = 2500.0
            out.append(audit)
            kpi_file = work / f"kpi-{fmt}-{variant}-{size}.parquet"
            out.append(Scenario(f"kpi parquet {tag}", [*CLI, "kpi", plan, "--format", "parquet", "-o", str(kpi_file)],
                                floor, out_file=kpi_file))
    return out


def startup_scenarios(work: Path) -> list[Scenario]:
    app = work / "typer_hello.py"
    app.write_text(TYPER_APP, encoding="utf-8")
    base = "typer one-command --help"
    return [
        Scenario(base, [sys.executable, str(app), "--help"]),
        Scenario("energyplan --help", [*CLI, "--help"], base, max_ratio=1.5),
        Scenario("energyplan --version", [*CLI, "--version"], base, max_ratio=1.5),
        Scenario("energyplan rules list", [*CLI, "rules", "list"], base, max_ratio=2.0),
        Scenario("energyplan rules explain EP501", [*CLI, "rules", "explain", "EP501"], base, max_ratio=2.0),
    ]


# ---- report -------------------------------------------------------------------------------------

def verdict(s: Scenario, results: dict[str, Result]) -> tuple[str, str, str | None]:
    """(ratio text, target text, PASS/FAIL or None when the scenario has no target)."""
    r = results[s.name]
    base = results.get(s.baseline) if s.baseline else None
    ratio = r.median / base.median if r.median is not None and base and base.median else None
    targets = []
    if s.max_ratio is not None:
        targets.append(f"<={s.max_ratio:g}x")
    if s.max_rss_mb is not None:
        targets.append(f"<{s.max_rss_mb:g} MB")
    if not targets:
        return (f"{ratio:.2f}" if ratio is not None else "-"), "", None
    ok = r.failure is None and bool(r.times)
    if s.max_ratio is not None:
        ok = ok and ratio is not None and ratio <= s.max_ratio
    if s.max_rss_mb is not None:
        ok = ok and max(r.rss_mb, default=float("inf")) < s.max_rss_mb
    target = ", ".join(["completes", *targets] if s.max_ratio is None else targets)
    return (f"{ratio:.2f}" if ratio is not None else "-"), target, "PASS" if ok else "FAIL"


def print_table(scenarios: list[Scenario], results: dict[str, Result]) -> int:
    """The results table on stdout; returns how many targets failed."""
    header = ("scenario", "median s", "x base", "max RSS MB", "target", "result")
    rows, notes, failed = [], [], 0
    for s in scenarios:
        r = results[s.name]
        ratio, target, mark = verdict(s, results)
        failed += mark == "FAIL"
        median = f"{r.median:.3f}" if r.median is not None else "failed"
        rss = f"{max(r.rss_mb):.0f}" if r.rss_mb and not r.failure else "-"
        rows.append((s.name, median, ratio, rss, target, mark or ""))
        if r.failure:
            notes.append(f"  {s.name}: {r.failure}")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        cells = [row[0].ljust(widths[0])] + [c.rjust(w) if i < 3 else c.ljust(w)
                                             for i, (c, w) in enumerate(zip(row[1:], widths[1:], strict=True))]
        print("  ".join(cells).rstrip())
    if notes:
        print("\nfailed runs:")
        print("\n".join(notes))
    return failed


def linearity(sizes: list[int], results: dict[str, Result]) -> str:
    """(t_large - t_small) / (t_mid - t_small) of `audit json` on clean CSV: linear work gives the size ratio."""
    name = "audit json csv clean {}"
    if len(sizes) < 3:
        return "linearity: n/a (needs three --sizes, e.g. 10000,100000,1000000)"
    small, mid, large = sizes[0], sizes[len(sizes) // 2], sizes[-1]
    t_small, t_mid, t_large = (results[name.format(size_label(n))].median for n in (small, mid, large))
    label = f"(t{size_label(large)} - t{size_label(small)}) / (t{size_label(mid)} - t{size_label(small)})"
    expected = (large - small) / (mid - small)
    if t_small is None or t_mid is None or t_large is None or t_mid <= t_small:
        return f"linearity {label}: n/a (a run failed or the mid size was not slower)"
    ratio = (t_large - t_small) / (t_mid - t_small)
    return f"linearity {label} = {ratio:.1f} (linear scaling gives {expected:.1f})"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Benchmark energyplan end to end (whole processes) against a pyarrow read floor.",
        epilog="example: python benchmarks/run.py --sizes 10000,100000,1000000 --repeat 5 --check")
    parser.add_argument("--sizes", default="10000,100000,1000000",
                        help="workload counts, comma-separated; the largest gets every scenario, "
                             "all get audit for the linearity figure (default: %(default)s)")
    parser.add_argument("--repeat", type=int, default=5, help="runs per scenario; the median counts")
    default_cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "energyplan-benchmarks"
    parser.add_argument("--data-dir", type=Path, default=default_cache,
                        help="where generated plans are cached (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=0, help="generator seed")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds before one run is killed")
    parser.add_argument("--quick", action="store_true", help="smoke test: 10k workloads only, one run each")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target fails")
    args = parser.parse_args(argv)
    try:
        sizes = sorted({int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()})
    except ValueError:
        parser.error(f"--sizes {args.sizes!r}: give whole numbers separated by commas")
    if args.quick:
        sizes, args.repeat = [10_000], 1
    if not sizes or sizes[0] < 1 or args.repeat < 1:
        parser.error("--sizes needs positive numbers and --repeat at least 1")
    size = sizes[-1]

    try:
        plans = {(n, "clean"): ensure_plan(args.data_dir, n, "clean", args.seed) for n in sizes}
        for variant in ("bad1", "bad100"):
            plans[(size, variant)] = ensure_plan(args.data_dir, size, variant, args.seed)
    except OSError as exc:
        log(f"run.py: cannot write plans to {args.data_dir}: {exc.strerror or exc}")
        return 2

    with tempfile.TemporaryDirectory(prefix="energyplan-bench-") as tmp:
        work = Path(tmp)
        scenarios = startup_scenarios(work) + plan_scenarios(plans, size, work)
        for n in sizes[:-1]:
            plan = str(plans[(n, "clean")] / "csv")
            scenarios.append(Scenario(f"audit json csv clean {size_label(n)}",
                                      [*CLI, "audit", plan, "--format", "json"], check=json_check))
        results = measure_all(scenarios, args.repeat, args.timeout)

    print(f"energyplan benchmark: sizes {', '.join(size_label(n) for n in sizes)}, median of {args.repeat}, "
          f"python {sys.version.split()[0]}")
    failed = print_table(scenarios, results)
    print(linearity(sizes, results))
    print(f"targets failed: {failed}" if failed else "all targets met")
    return 1 if failed and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
