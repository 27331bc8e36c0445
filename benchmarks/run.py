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
# Plan folders written from one generated plan: (generator format, quote style, line end). Users' CSV
# comes unquoted (Python's csv, Excel) and with every text cell quoted (R, pandas QUOTE_NONNUMERIC,
# pyarrow's writer), and from Windows with CRLF line ends.
FORMATS = {"csv": ("csv", "minimal", "\n"), "csv quoted": ("csv", "all", "\n"), "parquet": ("parquet", "", "")}
CRLF = {"csv crlf": ("csv", "all", "\r\n")}  # quoted with CRLF (R on Windows): the day's audit, clean plan
FOLDER = {"csv": "csv", "csv quoted": "csv-quoted", "csv crlf": "csv-crlf", "parquet": "parquet"}
OK_EXIT = (0, 1)  # 1 = "ran, and found something": a normal outcome for a plan with findings
CLI = [sys.executable, "-m", "energyplan"]
# The day's audit leaves out the time axes (EP7xx outlook, EP8xx hourly adequacy); the full audit has them.
TIME_AXES = {"outlook": "EP7", "adequacy": "EP8"}
# Targets (issue 16): ratios to the floor of the same plan and format, seconds added by a time axis.
DAY_RATIO = {"csv": 4.0, "csv quoted": 4.0, "csv crlf": 4.0, "parquet": 3.0}
BAD_RATIO = 6.0
RSS_MB = {"clean": 1500.0, "bad1": 1500.0, "bad100": 2500.0}
EXTRA_S = {"outlook": 1.5, "adequacy": 2.5}
# Issue 10: `outlook --months 240` adds at most this much time and memory to the same plan's `kpi`
OUTLOOK_LONG = {"months": 240, "extra_s": 3.0, "extra_rss_mb": 300.0}
SMALL_FULL_S = 1.5  # the full audit of a plan of at most SMALL_SIZE workloads, wall seconds
SMALL_SIZE = 10_000
LINEAR_TOLERANCE = 1.3  # the linearity figure within this factor of the linear value

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
    over: str | None = None  # scenario this one adds work to: the target is on the seconds added
    max_extra_s: float | None = None
    max_s: float | None = None  # wall seconds, for a whole process
    max_extra_rss_mb: float | None = None  # peak memory above the `over` scenario's
    stages: list[str] | None = None  # in-process stage timing: [plan, *audit options] (see STAGE_CODE)


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
    """The folder holding one sub-folder per format (see FOLDER) of one plan, generated unless cached."""
    folder = data_dir / f"w{workloads}-{variant}-s{seed}"
    marker = folder / ".generated.json"
    wanted = {"workloads": workloads, "bad_fraction": VARIANTS[variant], "seed": seed,
              "folders": sorted(FOLDER.values()),
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
    csv_tables, pq_tables = generate.corrupt(generate.generate_plan(workloads, seed=seed), VARIANTS[variant],
                                             seed=seed)
    for name, (fmt, quote, newline) in {**FORMATS, **CRLF}.items():
        tables = csv_tables if fmt == "csv" else pq_tables
        generate.write_plan(tables, folder / FOLDER[name], fmt, quote=quote or "minimal", newline=newline or "\n")
    marker.write_text(json.dumps(wanted))
    return folder


def rule_prefixes() -> dict[str, bool]:
    """Which time-axis rule families this build has (an --ignore naming no rule is a usage error)."""
    try:
        proc = subprocess.run([*CLI, "rules", "list", "--format", "json"], capture_output=True, text=True,
                              timeout=120, check=False)
        codes = [r["code"] for r in json.loads(proc.stdout)]
    except (OSError, subprocess.SubprocessError, ValueError, KeyError, TypeError):
        return dict.fromkeys(TIME_AXES, True)
    return {axis: any(c.startswith(prefix) for c in codes) for axis, prefix in TIME_AXES.items()}


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

def audit_argv(plan: str, axes: dict[str, bool], leave_out: tuple[str, ...]) -> list[str]:
    """`audit --format json`, leaving out the time axes named (only those this build has rules for)."""
    ignore = [arg for axis in leave_out if axes[axis] for arg in ("--ignore", TIME_AXES[axis])]
    return ["audit", plan, "--format", "json", *ignore]


def plan_scenarios(plans: dict[tuple[int, str], Path], size: int, work: Path, axes: dict[str, bool],
                   *, more: bool = False) -> list[Scenario]:
    """At `size`: the floor and the day's audit of every format and variant; on the clean plan the
    outlook and the full audit; with `more`, validate and kpi too."""
    out = []
    formats = [*FORMATS, *CRLF]
    for fmt in formats:
        for variant in VARIANTS if fmt in FORMATS else ("clean",):
            plan = str(plans[(size, variant)] / FOLDER[fmt])
            tag = f"{fmt} {VARIANT_LABEL[variant]} {size_label(size)}"
            floor = f"floor {tag}"
            out.append(Scenario(floor, [sys.executable, "-c", FLOOR_CODE, plan]))
            day_args = audit_argv(plan, axes, ("outlook", "adequacy"))
            day = Scenario(f"audit day {tag}", [*CLI, *day_args], floor, check=json_check,
                           max_ratio=DAY_RATIO[fmt] if variant == "clean" else BAD_RATIO,
                           max_rss_mb=RSS_MB[variant], stages=day_args[1:])
            out.append(day)
            if variant == "clean" and fmt in FORMATS:
                out.extend(time_axis_scenarios(plan, tag, floor, day.name, axes))
            if variant == "clean" and fmt == "csv" and axes["outlook"]:
                out.extend(long_outlook_scenarios(plan, tag, floor, work))
            if more:
                out.append(Scenario(f"validate {tag}", [*CLI, "validate", plan, "--format", "json"], floor,
                                    check=json_check))
                kpi_file = work / f"kpi-{FOLDER[fmt]}-{variant}-{size}.parquet"
                out.append(Scenario(f"kpi {tag}", [*CLI, "kpi", plan, "--format", "parquet", "-o", str(kpi_file)],
                                    floor, out_file=kpi_file))
    return out


def time_axis_scenarios(plan: str, tag: str, floor: str, day: str, axes: dict[str, bool]) -> list[Scenario]:
    """The day's audit plus the outlook, then plus the hourly adequacy: each targets the seconds it adds."""
    out = []
    if axes["outlook"]:
        args = audit_argv(plan, axes, ("adequacy",))
        out.append(Scenario(f"audit +outlook {tag}", [*CLI, *args], floor, check=json_check, over=day,
                            max_extra_s=EXTRA_S["outlook"], max_rss_mb=RSS_MB["clean"], stages=args[1:]))
    if axes["adequacy"]:
        args = audit_argv(plan, axes, ())
        out.append(Scenario(f"audit full {tag}", [*CLI, *args], floor, check=json_check,
                            over=out[-1].name if out else day, max_extra_s=EXTRA_S["adequacy"],
                            max_rss_mb=RSS_MB["clean"], stages=args[1:]))
    return out


def long_outlook_scenarios(plan: str, tag: str, floor: str, work: Path) -> list[Scenario]:
    """`kpi` and `outlook --months 240`, both to Parquet: the outlook's time and memory over the day's KPIs."""
    kpi_file, outlook_file = work / "long-kpi.parquet", work / "long-outlook.parquet"
    kpi = Scenario(f"kpi parquet-out {tag}", [*CLI, "kpi", plan, "--format", "parquet", "-o", str(kpi_file)],
                   floor, out_file=kpi_file)
    months = OUTLOOK_LONG["months"]
    outlook = Scenario(f"outlook {months:g} months {tag}",
                       [*CLI, "outlook", plan, "--months", f"{months:g}", "--format", "parquet",
                        "-o", str(outlook_file)], floor, out_file=outlook_file, over=kpi.name,
                       max_extra_s=OUTLOOK_LONG["extra_s"], max_extra_rss_mb=OUTLOOK_LONG["extra_rss_mb"])
    return [kpi, outlook]


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

def verdict(s: Scenario, results: dict[str, Result]) -> tuple[str, str, str, str | None]:
    """(ratio text, added-seconds text, target text, PASS/FAIL or None when the scenario has no target)."""
    r = results[s.name]
    base = results.get(s.baseline) if s.baseline else None
    ratio = r.median / base.median if r.median is not None and base and base.median else None
    under = results.get(s.over) if s.over else None
    extra = r.median - under.median if r.median is not None and under and under.median is not None else None
    ratio_text = f"{ratio:.2f}" if ratio is not None else "-"
    extra_text = f"{extra:+.2f}" if extra is not None else ("-" if s.over else "")
    targets = []
    if s.max_ratio is not None:
        targets.append(f"<={s.max_ratio:g}x")
    if s.max_extra_s is not None:
        targets.append(f"+<={s.max_extra_s:g} s")
    if s.max_s is not None:
        targets.append(f"<={s.max_s:g} s")
    if s.max_rss_mb is not None:
        targets.append(f"<{s.max_rss_mb:g} MB")
    if s.max_extra_rss_mb is not None:
        targets.append(f"+<={s.max_extra_rss_mb:g} MB")
    if not targets:
        return ratio_text, extra_text, "", None
    ok = r.failure is None and bool(r.times)
    if s.max_ratio is not None:
        ok = ok and ratio is not None and ratio <= s.max_ratio
    if s.max_extra_s is not None:
        ok = ok and extra is not None and extra <= s.max_extra_s
    if s.max_s is not None:
        ok = ok and r.median is not None and r.median <= s.max_s
    if s.max_rss_mb is not None:
        ok = ok and max(r.rss_mb, default=float("inf")) < s.max_rss_mb
    if s.max_extra_rss_mb is not None:
        below = max(under.rss_mb, default=float("inf")) if under else float("inf")
        ok = ok and max(r.rss_mb, default=float("inf")) - below <= s.max_extra_rss_mb
    only_memory = s.max_ratio is None and s.max_extra_s is None and s.max_s is None
    target = ", ".join(["completes", *targets] if only_memory else targets)
    return ratio_text, extra_text, target, "PASS" if ok else "FAIL"


def print_rows(header: tuple[str, ...], rows: list[tuple[str, ...]], left: int = 1) -> None:
    """A plain table: the first `left` columns left-aligned, numbers right-aligned, the rest left."""
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    numeric = len(header) - (2 if header[-1] == "result" else 0)
    for row in [header, *rows]:
        cells = [c.ljust(w) if i < left or i >= numeric else c.rjust(w)
                 for i, (c, w) in enumerate(zip(row, widths, strict=True))]
        print("  ".join(cells).rstrip())


def print_table(scenarios: list[Scenario], results: dict[str, Result]) -> int:
    """The results table on stdout; returns how many targets failed."""
    header = ("scenario", "median s", "x base", "+s", "max RSS MB", "target", "result")
    rows, notes, failed = [], [], 0
    for s in scenarios:
        r = results[s.name]
        ratio, extra, target, mark = verdict(s, results)
        failed += mark == "FAIL"
        median = f"{r.median:.3f}" if r.median is not None else "failed"
        rss = f"{max(r.rss_mb):.0f}" if r.rss_mb and not r.failure else "-"
        rows.append((s.name, median, ratio, extra, rss, target, mark or ""))
        if r.failure:
            notes.append(f"  {s.name}: {r.failure}")
    print_rows(header, rows)
    if notes:
        print("\nfailed runs:")
        print("\n".join(notes))
    return failed


def linearity(sizes: list[int], results: dict[str, Result]) -> tuple[str, bool | None]:
    """(t_large - t_small) / (t_mid - t_small) of the day's audit on clean CSV, and whether it is within
    LINEAR_TOLERANCE of the size ratio (what linear work gives); None when it cannot be computed."""
    name = "audit day csv clean {}"
    if len(sizes) < 3:
        return "linearity: n/a (needs three --sizes, e.g. 10000,100000,1000000)", None
    small, mid, large = sizes[0], sizes[len(sizes) // 2], sizes[-1]
    t_small, t_mid, t_large = (results[name.format(size_label(n))].median for n in (small, mid, large))
    label = f"(t{size_label(large)} - t{size_label(small)}) / (t{size_label(mid)} - t{size_label(small)})"
    expected = (large - small) / (mid - small)
    if t_small is None or t_mid is None or t_large is None or t_mid <= t_small:
        return f"linearity {label}: n/a (a run failed or the mid size was not slower)", False
    ratio = (t_large - t_small) / (t_mid - t_small)
    ok = expected / LINEAR_TOLERANCE <= ratio <= expected * LINEAR_TOLERANCE
    return (f"linearity {label} = {ratio:.1f} (linear scaling gives {expected:.1f}; target within "
            f"{LINEAR_TOLERANCE:g}x) {'PASS' if ok else 'FAIL'}"), ok


# ---- where the time goes ------------------------------------------------------------------------

# Run in a fresh process per plan: the audit through the library with a timing sink as `progress`
# (the pipeline names each stage through it), then the JSON rendered as the command line renders it.
# The modules the command would load are imported first, so "imports" is their cost and not a stage's;
# like the command it freezes the garbage collector after them and skips the interpreter's teardown.
STAGE_CODE = """\
import gc, importlib, json, os, sys, time
t0 = time.perf_counter()
report, plan, *options = sys.argv[1:]
for name in ("energyplan.cli.app", "energyplan.api", "numpy", "pandas", "pyarrow", "pyarrow.csv",
             "pyarrow.parquet", "pyarrow.compute", "pandera", "energyplan.plan.validate", "energyplan.facts",
             "energyplan.facts.months", "energyplan.facts.hours", "energyplan.ruleset.engine",
             "energyplan.ruleset.collect", "energyplan.render.emit", "energyplan.render.json_out"):
    try:
        importlib.import_module(name)
    except ImportError:
        pass
gc.freeze()  # as the command line does after its imports (cli.common.progress_for)
marks = [("imports", t0), ("setup", time.perf_counter())]

class Timer:
    def stage(self, text):
        marks.append((text, time.perf_counter()))
    def advance(self, amount=1, *, total=None):
        pass

from energyplan import api
from energyplan.render.base import RenderContext
from energyplan.render.emit import Target, emit
ignore = [options[i + 1] for i, opt in enumerate(options[:-1]) if opt == "--ignore"]
result = api.audit(plan, ignore=ignore, progress=Timer())
marks.append(("render", time.perf_counter()))
emit("audit", [Target("json")], result.outcome, RenderContext(command="audit", quiet=True), quiet=True)
end = time.perf_counter()
spans = [(text, (marks[i + 1][1] if i + 1 < len(marks) else end) - t) for i, (text, t) in enumerate(marks)]
with open(report, "w") as fh:
    json.dump({"spans": spans, "total": end - t0}, fh)
sys.stdout.flush()
os._exit(0)  # as the command line ends a data command (cli.app.main): no interpreter teardown
"""
# A stage text names its stage by the first of these words it contains (the pipeline's own words).
STAGE_WORDS = (("imports", "imports"), ("setup", "setup"), ("render", "render"), ("lines", "line"),
               ("parse", "pars"), ("checks", "check"), ("read", "read"), ("facts", "KPI"),
               ("outlook", "month"), ("adequacy", "hour"), ("rules", "rule"), ("collect", "collect"))
STAGES = ("python", *(name for name, _ in STAGE_WORDS[:2]), "read", "lines", "parse", "checks", "facts",
          "outlook", "adequacy", "rules", "collect", "render", "other")


def stage_of(text: str) -> str:
    low = text.lower()
    return next((name for name, word in STAGE_WORDS if word.lower() in low), "other")


def stage_once(s: Scenario, timeout: float) -> dict[str, float] | str:
    """Seconds per stage of one in-process run of `s.stages`, or why it failed."""
    assert s.stages is not None
    with tempfile.TemporaryDirectory(prefix="energyplan-stages-") as tmp:
        report = Path(tmp) / "stages.json"
        probe = Scenario(s.name, [sys.executable, "-c", STAGE_CODE, str(report), *s.stages])
        try:
            seconds, _, code, stdout, stderr = run_once(probe, timeout)
        except OSError as exc:
            return f"could not start: {exc}"
        stdout.unlink(missing_ok=True)
        if code not in OK_EXIT or not report.exists():
            return f"exit {code}: {_last_message(stderr)}"
        data = json.loads(report.read_text(encoding="utf-8"))
    out = dict.fromkeys(STAGES, 0.0)
    for text, span in data["spans"]:
        out[stage_of(text)] += span
    out["python"] = max(0.0, seconds - data["total"])  # interpreter start and exit, outside the timer
    out["total"] = seconds
    return out


def measure_stages(scenarios: list[Scenario], repeat: int, timeout: float) -> dict[str, dict[str, float] | str]:
    """Median seconds per stage of each scenario that has stages (round-robin, as the timings)."""
    runs: dict[str, list[dict[str, float]]] = {s.name: [] for s in scenarios}
    failed: dict[str, str] = {}
    for i in range(repeat):
        for s in scenarios:
            if s.name not in failed:
                log(f"  [{i + 1}/{repeat}] stages of {s.name}")
                got = stage_once(s, timeout)
                if isinstance(got, str):
                    failed[s.name] = got
                else:
                    runs[s.name].append(got)
    return {name: failed.get(name) or {k: statistics.median(r[k] for r in got) for k in got[0]}
            for name, got in runs.items()}


def print_stages(stages: dict[str, dict[str, float] | str]) -> None:
    """Seconds per stage (median), a column per stage that took time anywhere."""
    timed = [v for v in stages.values() if isinstance(v, dict)]
    columns = [c for c in STAGES if any(v.get(c, 0.0) >= 0.0005 for v in timed)] + ["total"]
    rows = [(name, *(f"{v.get(c, 0.0):.2f}" if isinstance(v, dict) else "-" for c in columns))
            for name, v in stages.items()]
    print("\nseconds per stage (median; python = interpreter start and exit; total = whole process):")
    print_rows(("scenario", *columns), rows)
    for name, v in stages.items():
        if isinstance(v, str):
            print(f"  {name}: {v}")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Benchmark energyplan end to end (whole processes) against a pyarrow read floor.",
        epilog="example: python benchmarks/run.py --sizes 10000,100000,1000000 --repeat 5 --check")
    parser.add_argument("--sizes", default="10000,100000,1000000",
                        help="workload counts, comma-separated; the largest gets every scenario, "
                             "all get the day's audit for the linearity figure (default: %(default)s)")
    parser.add_argument("--repeat", type=int, default=5, help="runs per scenario; the median counts")
    default_cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "energyplan-benchmarks"
    parser.add_argument("--data-dir", type=Path, default=default_cache,
                        help="where generated plans are cached (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=0, help="generator seed")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds before one run is killed")
    parser.add_argument("--quick", action="store_true", help="smoke test: 10k workloads only, one run each")
    parser.add_argument("--stages", action="store_true",
                        help="also time each stage of the audits in-process (imports, read, ..., render)")
    parser.add_argument("--more", action="store_true", help="also time validate and kpi on every plan")
    parser.add_argument("--only", default="", metavar="TEXT",
                        help="only the plan scenarios whose name contains TEXT (start-up always runs)")
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
    axes = rule_prefixes()

    with tempfile.TemporaryDirectory(prefix="energyplan-bench-") as tmp:
        work = Path(tmp)
        scenarios = plan_scenarios(plans, size, work, axes, more=args.more)
        for n in sizes[:-1]:
            plan = str(plans[(n, "clean")] / FOLDER["csv"])
            scenarios.append(Scenario(f"audit day csv clean {size_label(n)}",
                                      [*CLI, *audit_argv(plan, axes, ("outlook", "adequacy"))], check=json_check))
        small = f"audit full csv clean {size_label(sizes[0])}"
        if sizes[0] <= SMALL_SIZE:
            known = next((s for s in scenarios if s.name == small), None)
            if known is None:
                plan = str(plans[(sizes[0], "clean")] / FOLDER["csv"])
                known = Scenario(small, [*CLI, *audit_argv(plan, axes, ())], check=json_check)
                scenarios.append(known)
            known.max_s = SMALL_FULL_S
        scenarios = [s for s in scenarios if args.only in s.name]
        scenarios = startup_scenarios(work) + scenarios
        results = measure_all(scenarios, args.repeat, args.timeout)
        stages = measure_stages([s for s in scenarios if s.stages], args.repeat, args.timeout) if args.stages else {}

    missing = [axis for axis, present in axes.items() if not present]
    print(f"energyplan benchmark: sizes {', '.join(size_label(n) for n in sizes)}, median of {args.repeat}, "
          f"python {sys.version.split()[0]}" + (f"; no {', '.join(missing)} rules in this build" if missing else ""))
    failed = print_table(scenarios, results)
    line, linear_ok = linearity(sizes, results)
    print(line)
    failed += linear_ok is False
    if stages:
        print_stages(stages)
    print(f"targets failed: {failed}" if failed else "all targets met")
    return 1 if failed and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
