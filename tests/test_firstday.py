"""Issue 13, the first day of a lead, a CI maintainer and an analyst: each test repeats what a user did."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from tests.helpers import COMMITMENT, CONTRACT, SITE, WORKLOAD, write_plan
from tests.support.cli import SAMPLES, energyplan

NORTHWIND = SAMPLES / "northwind"


def small_plan(root: Path, toml: str | None = None) -> Path:
    return write_plan(root, toml=toml, sites=[SITE], workloads=[WORKLOAD], commitments=[COMMITMENT],
                      contracts=[CONTRACT])


# ---- item 8: paths in text output are relative to the current directory ----------------------------


def test_item8_text_locations_open_from_the_current_directory(tmp_path: Path) -> None:
    plan = small_plan(tmp_path / "plans" / "q4", toml='as_of = 2026-11-30\n')
    (plan / "commitments.csv").write_text("commitment_id\n", encoding="utf-8")  # a broken table: findings
    from_root = energyplan("audit", plan.resolve(), "--format", "text", cwd=Path("/"))
    rel = str(plan.resolve()).lstrip("/")
    lines = [x for x in from_root.stdout.splitlines() if " [error] " in x]
    assert lines and all(x.startswith(f"{rel}/commitments.csv:") for x in lines), from_root.stdout
    # from the plan's parent the path is short; from inside the plan, just the file
    near = energyplan("audit", "q4", "--format", "text", cwd=tmp_path / "plans")
    assert any(x.startswith("q4/commitments.csv:") for x in near.stdout.splitlines())
    inside = energyplan("audit", ".", "--format", "rich", cwd=plan, env={"COLUMNS": "100"})
    assert "schema-violation  commitments.csv" in inside.stdout and "q4/commitments.csv" not in inside.stdout
    # a plan outside the cwd prints its absolute path, not a ../../ chain
    (tmp_path / "elsewhere").mkdir()
    away = energyplan("audit", plan.resolve(), "--format", "text", cwd=tmp_path / "elsewhere")
    assert any(x.startswith(f"{plan.resolve()}/commitments.csv:") for x in away.stdout.splitlines())


# ---- item 12: as_of defaulting to today is said ---------------------------------------------------


def test_item12_report_says_when_as_of_is_today(tmp_path: Path) -> None:
    plan = small_plan(tmp_path / "p")
    today = dt.date.today().isoformat()
    for fmt in ("text", "rich", "markdown"):
        out = energyplan("audit", plan, "--format", fmt, env={"COLUMNS": "140"}).stdout
        # a long temporary path may wrap the rich panel's line: drop its borders before joining the words
        flat = " ".join(out.replace("\\_", "_").replace("│", " ").split())
        assert f"as of {today} (today: set as_of in energyplan.toml to pin it)" in flat, fmt
    pinned = energyplan("audit", plan, "--format", "text", "--as-of", "2026-11-30").stdout
    assert "(today:" not in pinned
    assert json.loads(energyplan("audit", plan, "--format", "json").stdout)["as_of"] == today


# ---- item 10: CI -----------------------------------------------------------------------------------


def _json(*args: str | Path) -> dict:
    ran = energyplan(*args)
    assert ran.returncode in (0, 1), ran.stderr
    return json.loads(ran.stdout)


def test_item10_select_and_ignore_take_comma_lists_as_repeats() -> None:
    def rules(*args: str) -> list[str]:
        return sorted({f["rule"] for f in _json("audit", NORTHWIND, "--format", "json", *args)["findings"]})

    assert rules("--select", "EP203,EP601") == rules("--select", "EP203", "--select", "EP601") == ["EP203", "EP601"]
    assert rules("--select", "EP2, EP6", "--ignore", "EP601,EP603") == rules(
        "--select", "EP2", "--select", "EP6", "--ignore", "EP601", "--ignore", "EP603")


def test_item10_site_kpi_plan_and_fail_if_take_comma_lists(tmp_path: Path) -> None:
    kpis = _json("kpi", NORTHWIND, "--format", "json", "--site", "fra-dc1,ash-colo1")["kpis"]["sites"]
    assert [s["site_id"] for s in kpis] == ["ash-colo1", "fra-dc1"]
    outlook = _json("outlook", NORTHWIND, "--format", "json", "--site", "fra-dc1, ash-colo1")["outlook"]["sites"]
    assert {s["site_id"] for s in outlook} == {"ash-colo1", "fra-dc1"}
    snaps = tmp_path / "snaps"
    for name in ("a", "b"):
        assert energyplan("kpi", NORTHWIND, "--snapshot-dir", snaps, "--name", name, "-q",
                          "-o", tmp_path / f"{name}.json").returncode == 0
    trend = _json("trend", snaps, "--format", "json", "--plan", "a,b", "--kpi", "effective_mw,incidents_13w")
    series = {(s["plan"], s["kpi"]) for s in trend["series"]}
    assert series == {(p, k) for p in "ab" for k in ("effective_mw", "incidents_13w")}
    crossed = _json("diff", NORTHWIND, NORTHWIND, "--format", "json", "--fail-if", "effective_mw:-1,incidents_13w:+0")
    assert [t["spec"] for t in crossed["thresholds"]] == ["effective_mw:-1", "incidents_13w:+0"]


def test_item10_write_baseline_exits_0_even_when_findings_fail(tmp_path: Path) -> None:
    ran = energyplan("audit", NORTHWIND, "--format", "text", "--write-baseline", tmp_path / "baseline.json")
    assert ran.returncode == 0 and (tmp_path / "baseline.json").is_file()
    assert "wrote baseline of" in ran.stderr


def test_item10_diff_piped_prints_text_not_boxes() -> None:
    ran = energyplan("diff", NORTHWIND, NORTHWIND)  # CliRunner's stdout is not a terminal
    assert ran.returncode == 0
    assert not set("┏━┃│╭") & set(ran.stdout)
    assert "No new findings." in ran.stdout and "Fixed" not in ran.stdout


def test_item10_sarif_uri_is_percent_encoded_and_junit_names_carry_no_line(tmp_path: Path) -> None:
    import xml.etree.ElementTree as ET

    plan = small_plan(tmp_path / "Q4 plan ü#1", toml="as_of = 2026-11-30\n")
    (plan / "commitments.csv").write_text("commitment_id\nc1\n", encoding="utf-8")
    doc = _json("audit", plan, "--format", "sarif")
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in doc["runs"][0]["results"]}
    assert uris and all(u.endswith("Q4%20plan%20%C3%BC%231/commitments.csv") for u in uris), uris
    junit = ET.fromstring(energyplan("audit", plan, "--format", "junit").stdout)
    names = [case.get("name") for case in junit.iter("testcase")]
    assert names and not any(".csv:" in n or " at " in n for n in names)
    bodies = [el.text or "" for el in junit.iter("failure")]
    assert any("location: " in b for b in bodies)


# ---- item 12: small things -------------------------------------------------------------------------

COMMANDS = ("audit", "validate", "kpi", "trend", "diff", "outlook", "report", "rules list", "rules explain",
            "rules check")


def test_item12_help_shows_no_bool_metavar_and_no_brace_placeholders() -> None:
    import re

    for command in COMMANDS:
        out = energyplan(*command.split(), "--help", env={"COLUMNS": "140"}).stdout
        assert "<bool>" not in out and "<list[" not in out, command
        assert not re.search(r"\{[a-z_]+\}", out), command
    assert "Usage: energyplan audit [OPTIONS] PLAN..." in " ".join(
        energyplan("audit", "--help", env={"COLUMNS": "140"}).stdout.split())


def test_item12_a_bad_select_blames_the_command_line_not_the_config() -> None:
    ran = energyplan("audit", NORTHWIND, "--select", "EP9")
    assert ran.returncode == 2
    assert "--select: 'EP9' matches no rule" in ran.stderr and "energyplan.toml" not in ran.stderr
    ran = energyplan("audit", NORTHWIND, "--ignore", "EP2,EP77")
    assert ran.returncode == 2 and "--ignore: 'EP77' matches no rule" in ran.stderr


def test_item12_bad_select_in_the_config_still_blames_the_config(tmp_path: Path) -> None:
    plan = small_plan(tmp_path / "p", toml='[rules]\nselect = ["EP9"]\n')
    ran = energyplan("audit", plan)
    assert ran.returncode == 2 and "energyplan.toml: rules.select: 'EP9' matches no rule" in ran.stderr


def test_item12_rules_explain_takes_a_name_as_well_as_a_code() -> None:
    by_code = energyplan("rules", "explain", "EP502", "--format", "json")
    by_name = energyplan("rules", "explain", "thin-headroom", "--format", "json")
    assert by_code.returncode == by_name.returncode == 0 and by_code.stdout == by_name.stdout
    near = energyplan("rules", "explain", "thin-headrom")
    assert near.returncode == 2 and "did you mean 'thin-headroom'" in near.stderr


def test_item12_counts_of_one_and_lists_of_tables_read_well() -> None:
    from energyplan.render.base import word_list
    from energyplan.render.lead import Cause, fix_first_title

    assert word_list([]) == "" and word_list(["sites"]) == "sites"
    assert word_list(["sites", "workloads"]) == "sites and workloads"
    assert word_list(["sites", "workloads", "contracts"]) == "sites, workloads and contracts"
    assert fix_first_title([Cause("s1", "EP101", "x", 1, ())]) == "Fix first (1 listed error, by site and cause)"
    assert fix_first_title([Cause("s1", "EP101", "x", 2, ())]) == "Fix first (2 listed errors, by site and cause)"


# ---- item 11: analysts -----------------------------------------------------------------------------


def _snapshots(root: Path) -> Path:
    for day in ("2026-11-16", "2026-11-23", "2026-11-30"):
        ran = energyplan("kpi", NORTHWIND, "--as-of", day, "--snapshot-dir", root, "-q", "-o", root.parent / "k.json")
        assert ran.returncode == 0, ran.stderr
    return root


def test_item11_kpi_csv_carries_as_of_plan_currency_and_integer_counts() -> None:
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(energyplan("kpi", NORTHWIND, "--format", "csv").stdout)))
    assert list(rows[0])[:5] == ["as_of", "plan", "currency", "scope", "site_id"]
    assert {(r["as_of"], r["plan"], r["currency"]) for r in rows} == {("2026-11-30", "northwind", "EUR")}
    assert [r["incidents_13w"] for r in rows] == ["3", "0", "0", "1", "0", "4"]


def test_item11_snapshot_dir_piped_logs_one_line_and_name_names_the_file(tmp_path: Path) -> None:
    ran = energyplan("kpi", NORTHWIND, "--snapshot-dir", tmp_path, "--name", "nw-q4")
    assert ran.returncode == 0 and ran.stdout == ""  # not the whole JSON when nobody reads it
    assert ran.stderr.count("\n") == 1 and "wrote snapshot to" in ran.stderr
    written = tmp_path / "snapshot_date=2026-11-30" / "nw-q4.parquet"
    assert written.is_file()
    import pyarrow.parquet as pq

    table = pq.read_table(written)
    assert set(table.column("plan").to_pylist()) == {"nw-q4"}
    assert str(table.schema.field("incidents_13w").type) == "int64"


def test_item11_trend_defaults_to_the_headline_kpis_and_all_gives_every_column(tmp_path: Path) -> None:
    from energyplan.facts.registry import HEADLINE_KPIS, KPIS

    snaps = _snapshots(tmp_path / "snaps")
    doc = json.loads(energyplan("trend", snaps, "--format", "json").stdout)
    assert list(dict.fromkeys(s["kpi"] for s in doc["series"])) == list(HEADLINE_KPIS)
    every = json.loads(energyplan("trend", snaps, "--format", "json", "--all").stdout)
    assert list(dict.fromkeys(s["kpi"] for s in every["series"])) == list(KPIS)


def test_item11_trend_csv_and_parquet_give_the_weekly_points_in_long_format(tmp_path: Path) -> None:
    import csv
    import io

    import pyarrow.parquet as pq

    snaps = _snapshots(tmp_path / "snaps")
    rows = list(csv.DictReader(io.StringIO(energyplan("trend", snaps, "--format", "csv").stdout)))
    assert list(rows[0]) == ["plan", "as_of", "scope", "site_id", "kpi", "value"]
    # 5 sites + portfolio, 4 KPIs, 3 weeks
    assert len(rows) == 6 * 4 * 3
    port = [r for r in rows if r["scope"] == "portfolio" and r["kpi"] == "incidents_13w"]
    assert [(r["as_of"], r["site_id"]) for r in port] == [("2026-11-16", ""), ("2026-11-23", ""), ("2026-11-30", "")]
    assert port[-1]["value"] == "4"
    assert energyplan("trend", snaps, "-o", tmp_path / "t.parquet").returncode == 0
    table = pq.read_table(tmp_path / "t.parquet")
    assert table.column_names == ["plan", "as_of", "scope", "site_id", "kpi", "value"]
    assert str(table.schema.field("as_of").type) == "date32[day]" and table.num_rows == len(rows)
    assert table.column("value").to_pylist()[-1] == float(rows[-1]["value"] or "nan")


def test_item11_trend_reads_a_single_snapshot_file_and_says_how_sparklines_scale(tmp_path: Path) -> None:
    snaps = _snapshots(tmp_path / "snaps")
    one = snaps / "snapshot_date=2026-11-30" / "northwind.parquet"
    doc = json.loads(energyplan("trend", one, "--format", "json").stdout)
    assert doc["dates"] == ["2026-11-30"]
    out = energyplan("trend", snaps, "--format", "text", env={"COLUMNS": "140"}).stdout
    assert "one scale per KPI across a plan's sites" in " ".join(out.split())
