"""`energyplan report`: built from the plan (audit, snapshots, diff, sites, provenance), written by extension,
deterministic, and every bad input a one-line exit 2 with nothing written."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

import energyplan
from energyplan.cli.app import app
from energyplan.cli.cmd_report import full_report_link
from energyplan.errors import UsageError
from energyplan.facts.registry import KPIS as KPI_COLUMNS
from energyplan.render.emit import Target
from energyplan.render.snapshot import SNAPSHOT_SCHEMA
from energyplan.reporting import build_report, check_heatmap, read_plan_snapshots, trend_frame
from tests.browser import dump_dom, find_chromium, load_page
from tests.fixtures.report import HERE as FIXTURES
from tests.test_report_html import Page

ROOT = Path(__file__).parents[1]
NORTHWIND = ROOT / "sample_data" / "northwind"
WEEKS = ("2026-11-09", "2026-11-16", "2026-11-23", "2026-11-30")
ALWAYS = ["Decisions needed", "Headline KPIs", "Outlook", "All findings", "KPI tables", "Provenance"]
GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", "-c", "init.defaultBranch=main"]


def run(*args: object) -> object:
    return CliRunner().invoke(app, ["report", *map(str, args)])


@pytest.fixture(scope="module")
def snapshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four weekly northwind snapshots, written as the README tells people to (`kpi --snapshot-dir`)."""
    folder = tmp_path_factory.mktemp("snapshots")
    for day in WEEKS:
        result = CliRunner().invoke(app, ["kpi", str(NORTHWIND), "--snapshot-dir", str(folder), "--as-of", day,
                                          "--format", "json", "-q"])
        assert result.exit_code == 0, result.output
    return folder


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def one_line_error(result: object, *needles: str) -> None:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("energyplan: error: "), result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


# ---- the command, end to end -----------------------------------------------------------------------


def test_page_and_brief_in_one_run(tmp_path: Path, snapshots: Path) -> None:
    result = run(NORTHWIND, "--snapshots", snapshots, "-o", tmp_path / "report.html", "-o", tmp_path / "brief.md")
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert result.stderr.splitlines() == [f"wrote html to {tmp_path / 'report.html'}",
                                          f"wrote markdown to {tmp_path / 'brief.md'}"]
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert Page(html).h2 == ALWAYS  # no diff asked for
    assert "<title>Weekly energy &amp; compute review: northwind</title>" in html
    brief = (tmp_path / "brief.md").read_text(encoding="utf-8")
    assert brief.startswith("# Weekly energy & compute review: northwind\n")
    assert "](report.html#finding-" in brief and len(brief) < 65_000
    # the four snapshots draw each headline tile's trend: incidents rose from 2 to 4 over the month
    assert "| 2026-11-09 … 2026-11-30 |" in brief
    assert f"`{energyplan.__version__}`" in html or energyplan.__version__ in html


def test_markdown_on_stdout_by_default_and_quiet(snapshots: Path) -> None:
    result = run(NORTHWIND, "--snapshots", snapshots, "--title", "Steering, week 48", "-q")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("# Steering, week 48\n\n**FAIL**: ")
    assert "](report.html#finding-" in result.stdout  # no page written: the README's file name
    assert result.stderr == ""


def test_format_forced_for_an_odd_extension(tmp_path: Path) -> None:
    result = run(NORTHWIND, "--format", "html", "-o", tmp_path / "weekly.page", "-q")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "weekly.page").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_same_inputs_same_bytes(tmp_path: Path, snapshots: Path) -> None:
    for name in ("a", "b"):
        result = run(NORTHWIND, "--snapshots", snapshots, "-o", tmp_path / f"{name}.html", "-o",
                     tmp_path / f"{name}.md", "-q")
        assert result.exit_code == 0, result.output
    assert (tmp_path / "a.html").read_bytes() == (tmp_path / "b.html").read_bytes()
    assert (tmp_path / "a.md").read_text().replace("a.html", "b.html") == (tmp_path / "b.md").read_text()


def test_previous_plan_shows_what_changed(tmp_path: Path) -> None:
    previous = tmp_path / "last-week"
    shutil.copytree(NORTHWIND, previous)
    incidents = (previous / "incidents.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    (previous / "incidents.csv").write_text("".join(incidents[:1]), encoding="utf-8")  # no incident last week
    data = build_report(NORTHWIND, previous=previous)
    assert data.changes is not None and data.changes["base"]["plan"] == str(previous)
    moved = {(r["scope"], r["kpi"]): r for r in data.changes["kpis"]}
    head = data.audit["kpis"]["portfolio"]["incidents_13w"]
    assert moved[("portfolio", "incidents_13w")]["base"] == 0 and moved[("portfolio", "incidents_13w")]["head"] == head
    result = run(NORTHWIND, "--previous", previous, "-o", tmp_path / "r.html", "-q")
    assert result.exit_code == 0, result.output
    assert Page((tmp_path / "r.html").read_text()).h2 == [ALWAYS[0], "What changed", *ALWAYS[1:]]


def test_brief_points_at_the_page_from_its_own_folder(tmp_path: Path) -> None:
    chosen = [Target("markdown", tmp_path / "wiki" / "brief.md"), Target("html", tmp_path / "pages" / "r.html")]
    assert full_report_link(chosen) == "../pages/r.html"
    assert full_report_link([Target("html", Path("r.html")), Target("markdown", None)]) == "r.html"
    assert full_report_link([Target("markdown", Path("brief.md"))]) == "report.html"


# ---- what build_report gathers ----------------------------------------------------------------------


def test_sites_and_provenance_match_the_plan_and_its_snapshot(snapshots: Path) -> None:
    data = build_report(NORTHWIND)
    owners = {s["site_id"]: s["energy_owner"] for s in data.sites}
    assert owners["fra-dc1"] == "Jana Weber (energy lead)" and owners["ash-colo1"] is None
    assert set(data.sites[0]) == {"site_id", "name", "site_type", "energy_owner"}
    snapshot = pq.read_schema(next(snapshots.glob("snapshot_date=2026-11-30/*.parquet"))).metadata
    p = data.provenance
    assert p["plan"] == str(NORTHWIND.as_posix()) and p["as_of"] == "2026-11-30"
    assert p["plan_digest"] == snapshot[b"plan_digest"].decode() and p["tool_version"] == energyplan.__version__
    commit = snapshot.get(b"git_commit")
    assert p["git_commit"] == (commit.decode() if commit else None)
    assert data.audit["as_of"] == "2026-11-30" and data.trend is None and data.changes is None


def _write_snapshot(folder: Path, plan: str, day: str, effective_mw: float) -> None:
    """A hand-made snapshot file: a portfolio row and one site row, every KPI null but effective_mw."""
    rows = pd.DataFrame({"as_of": [dt.date.fromisoformat(day)] * 2, "plan": [plan] * 2, "plan_digest": ["d"] * 2,
                         "tool_version": ["0"] * 2, "scope": ["portfolio", "site"], "site_id": [None, "s1"],
                         **{k: [None, None] for k in KPI_COLUMNS}})
    rows["effective_mw"] = [effective_mw, effective_mw / 2]
    table = pa.Table.from_pandas(rows, schema=SNAPSHOT_SCHEMA, preserve_index=False)
    target = folder / f"snapshot_date={day}"
    target.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, target / f"{plan}.parquet")


def test_trend_keeps_this_plan_the_latest_of_each_week_and_nothing_after_as_of(tmp_path: Path) -> None:
    # Mon 2 Nov and Thu 5 Nov share a week (Thu stands for it); 30 Nov is after as_of; q is another plan.
    for day, mw in (("2026-11-02", 10.0), ("2026-11-05", 11.0), ("2026-11-09", 12.5), ("2026-11-30", 99.0)):
        _write_snapshot(tmp_path, "p", day, mw)
    _write_snapshot(tmp_path, "q", "2026-11-09", 50.0)
    long = trend_frame(read_plan_snapshots(tmp_path, "p", dt.date(2026, 11, 20)))
    assert list(long.columns) == ["plan", "as_of", "scope", "site_id", "kpi", "value"]
    assert len(long) == 2 * 2 * len(KPI_COLUMNS)  # two weeks × (portfolio, s1) × every KPI
    mw = long[long["kpi"] == "effective_mw"]
    assert mw["as_of"].tolist() == [dt.date(2026, 11, 5)] * 2 + [dt.date(2026, 11, 9)] * 2
    assert mw["scope"].tolist() == ["portfolio", "site"] * 2  # portfolio first on each date
    assert mw["value"].tolist() == [11.0, 5.5, 12.5, 6.25]
    assert set(long["plan"]) == {"p"} and long.loc[long["kpi"] == "gpu_hours", "value"].isna().all()


def test_trend_window_is_thirteen_weeks(tmp_path: Path) -> None:
    start = dt.date(2026, 1, 5)  # a Monday; 20 weekly snapshots, the last 13 weeks stay
    for week in range(20):
        _write_snapshot(tmp_path, "p", (start + dt.timedelta(weeks=week)).isoformat(), float(week))
    long = trend_frame(read_plan_snapshots(tmp_path, "p", dt.date(2026, 12, 31)))
    values = long[(long["kpi"] == "effective_mw") & (long["scope"] == "portfolio")]["value"].tolist()
    assert values == [float(w) for w in range(7, 20)]


def test_heatmap_hook_is_checked() -> None:
    good = json.loads((FIXTURES / "northwind_heatmap.json").read_text())
    assert check_heatmap(good)["values"] == good["values"]
    with_gap = {**good, "values": [[None] * 24, *good["values"][1:]]}
    assert check_heatmap(with_gap)["values"][0] == [None] * 24
    bad = [
        ({**good, "values": good["values"][:364]}, "365 days × 24 hourly numbers; it holds 364 day(s) of 24"),
        ({**good, "values": [*good["values"][:-1], [0.5] * 23]}, "it holds 365 day(s) of 23/24 value(s)"),
        ({**good, "values": [[0.5] * 24] * 364 + [[1.5] * 24]}, "between 0 and 1"),
        ({**good, "values": [["sun"] * 24] * 365}, "365 days × 24 hourly numbers"),
        ({**good, "values": "no"}, "it holds 0 day(s)"),
        ({**good, "year_start": "last year"}, "is not a YYYY-MM-DD date"),
        ({"site_id": "x"}, "needs site_id, year_start and values"),
    ]
    for heatmap, message in bad:
        with pytest.raises(UsageError, match="CFE heat map") as caught:
            check_heatmap(heatmap)
        assert message in str(caught.value) and "\n" not in str(caught.value)


def test_a_heatmap_of_the_wrong_shape_stops_the_report_before_any_audit() -> None:
    with pytest.raises(UsageError, match="365 days × 24 hourly numbers"):
        build_report(ROOT / "no-such-plan", cfe_heatmap={"site_id": "x", "year_start": "2025-11-30",
                                                          "values": [[0.1] * 24] * 10})


# ---- bad input: one line, exit 2, nothing written --------------------------------------------------


def test_snapshots_without_this_plan_say_which_plans_they_hold(tmp_path: Path, snapshots: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    result = run(NORTHWIND, "--snapshots", snapshots, "--name", "northwind-prod", "-o", out / "r.html")
    one_line_error(result, "hold no rows for plan 'northwind-prod'", "(they hold 'northwind')", "--name")
    assert files_in(out) == []
    renamed = run(NORTHWIND, "--snapshots", snapshots, "--name", "northwind", "-o", out / "r.html", "-q")
    assert renamed.exit_code == 0, renamed.output


def test_empty_snapshot_folder(tmp_path: Path) -> None:
    (tmp_path / "snaps").mkdir()
    one_line_error(run(NORTHWIND, "--snapshots", tmp_path / "snaps", "-o", tmp_path / "r.md"),
                   f"no KPI snapshots in {tmp_path / 'snaps'}")
    one_line_error(run(NORTHWIND, "--snapshots", tmp_path / "nowhere", "-o", tmp_path / "r.md"),
                   "does not exist")
    assert files_in(tmp_path) == ["snaps"]


def test_snapshots_all_after_as_of(tmp_path: Path, snapshots: Path) -> None:
    one_line_error(run(NORTHWIND, "--snapshots", snapshots, "--as-of", "2026-11-01", "-o", tmp_path / "r.md"),
                   "dated after 2026-11-01")
    assert files_in(tmp_path) == []


def test_snapshots_in_another_currency(tmp_path: Path, snapshots: Path) -> None:
    config = tmp_path / "usd.toml"
    config.write_text('currency = "USD"\nas_of = 2026-11-30\n[fx]\nEUR = 1.09\n')
    one_line_error(run(NORTHWIND, "--config", config, "--snapshots", snapshots, "-o", tmp_path / "r.md"),
                   "costs in EUR, the plan in USD")
    assert files_in(tmp_path) == ["usd.toml"]


def test_unwritable_outputs(tmp_path: Path) -> None:
    one_line_error(run(NORTHWIND, "-o", tmp_path / "missing" / "r.html"), "folder", "does not exist")
    (tmp_path / "r.html").mkdir()
    one_line_error(run(NORTHWIND, "-o", tmp_path / "r.html"), "it is a folder")
    one_line_error(run(NORTHWIND, "-o", tmp_path / "r.txt"), "report does not write text")
    # one good and one bad target: neither is written
    one_line_error(run(NORTHWIND, "-o", tmp_path / "ok.md", "-o", tmp_path / "missing" / "r.html"),
                   "does not exist")
    assert files_in(tmp_path) == ["r.html"] and files_in(tmp_path / "r.html") == []


def test_since_and_previous_are_exclusive(tmp_path: Path) -> None:
    one_line_error(run(NORTHWIND, "--since", "HEAD", "--previous", NORTHWIND, "-o", tmp_path / "r.md"),
                   "--since and --previous")
    with pytest.raises(UsageError, match="--since and --previous"):
        build_report(NORTHWIND, since="HEAD", previous=NORTHWIND)


# ---- git (--since) ----------------------------------------------------------------------------------


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    root = tmp_path / "repo"
    root.mkdir()
    (root / "README").write_text("plans\n")

    def git(*args: str) -> None:
        subprocess.run([*GIT, *args], cwd=root, check=True, capture_output=True)

    git("init", "-q")
    git("add", "-A")
    git("commit", "-q", "-m", "no plan yet")
    shutil.copytree(NORTHWIND, root / "plans" / "northwind")
    git("add", "-A")
    git("commit", "-q", "-m", "northwind")
    return root


@pytest.mark.slow
def test_since_a_ref(repo: Path, tmp_path: Path) -> None:
    plan = repo / "plans" / "northwind"
    (plan / "incidents.csv").write_text((plan / "incidents.csv").read_text().splitlines()[0] + "\n")
    result = run(plan, "--since", "HEAD", "-o", tmp_path / "r.md", "-q")
    assert result.exit_code == 0, result.output
    brief = (tmp_path / "r.md").read_text()
    assert "## What changed" in brief and "HEAD:plans/northwind" in json.dumps(
        build_report(plan, since="HEAD").changes)


@pytest.mark.slow
def test_since_a_ref_without_the_plan(repo: Path, tmp_path: Path) -> None:
    result = run(repo / "plans" / "northwind", "--since", "HEAD~1", "-o", tmp_path / "r.html")
    one_line_error(result, "plan folder plans/northwind does not exist at HEAD~1")
    bad_ref = run(repo / "plans" / "northwind", "--since", "nope", "-o", tmp_path / "r.html")
    one_line_error(bad_ref, "--since 'nope' names no commit")
    assert files_in(tmp_path) == ["repo"]


# ---- start-up imports and the browser ----------------------------------------------------------------


@pytest.mark.slow
def test_only_report_imports_the_chart_library(tmp_path: Path, snapshots: Path) -> None:
    probe = ("import sys, contextlib, io\n"
             "sys.argv = ['energyplan', *sys.argv[1:]]\n"
             "from energyplan.cli.app import app\n"
             "with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):\n"
             "    try:\n        app()\n    except SystemExit:\n        pass\n"
             "print('matplotlib' in sys.modules)\n")
    seen = {}
    for argv in (["report", "--help"], ["audit", str(NORTHWIND), "--format", "json"],
                 ["report", str(NORTHWIND), "--snapshots", str(snapshots), "-o", str(tmp_path / "r.html")]):
        done = subprocess.run([sys.executable, "-c", probe, *argv], capture_output=True, text=True, cwd=ROOT,
                              timeout=120, check=False)
        seen[argv[0] + " " + argv[1]] = done.stdout.strip().splitlines()[-1]
    assert list(seen.values()) == ["False", "False", "True"], seen


@pytest.mark.slow
@pytest.mark.skipif(find_chromium() is None, reason="no Chromium on PATH (CI installs Debian's chromium)")
def test_done_when_the_northwind_report_opens_in_a_browser(tmp_path: Path, snapshots: Path) -> None:
    """The issue's "done when": the real command on northwind with four weekly snapshots, in Chromium."""
    page = tmp_path / "report.html"
    done = subprocess.run([sys.executable, "-m", "energyplan", "report", str(NORTHWIND), "--snapshots",
                           str(snapshots), "-o", str(page)], capture_output=True, text=True, cwd=ROOT,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    seen = load_page(page)
    assert seen["loaded"] and seen["requests"] == [] and seen["console_errors"] == []
    dom = dump_dom(page)
    assert Page(dom).h2 == ALWAYS
    # every headline tile carries its four-snapshot sparkline
    assert dom.count('alt="Trend of ') == 4
