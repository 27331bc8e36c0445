"""`energyplan convert`: the same plan as CSV, typed Parquet or a workbook, validated first, all or nothing."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

openpyxl = pytest.importorskip("openpyxl")

from energyplan import api  # noqa: E402
from energyplan.config_schema import SCHEMA_COMMENT  # noqa: E402
from energyplan.convert import convert_plan  # noqa: E402

ROOT = Path(__file__).parents[1]
NORTHWIND = ROOT / "sample_data" / "northwind"
BROKEN = ROOT / "sample_data" / "broken"
AS_OF = "2026-11-30"


def cli(*args: str, timeout: int = 180) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "energyplan", *args], capture_output=True, text=True, env=env,
                          timeout=timeout, check=False)


def audit_doc(plan: Path) -> dict:
    doc = json.loads(api.audit(plan, as_of=AS_OF).to_json())
    doc.pop("plan")
    return doc


def test_csv_to_xlsx_to_csv_gives_the_same_audit_json(tmp_path: Path):
    assert cli("convert", str(NORTHWIND), "--to", "xlsx", str(tmp_path / "book")).returncode == 0
    assert cli("convert", str(tmp_path / "book"), "--to", "csv", str(tmp_path / "again")).returncode == 0
    assert sorted(os.listdir(tmp_path / "book")) == ["book.xlsx", "energyplan.toml"]
    # the same findings, lines and KPIs: even the file names are those of the original
    assert audit_doc(tmp_path / "again") == audit_doc(NORTHWIND)
    assert (tmp_path / "again" / "energyplan.toml").read_bytes() == (NORTHWIND / "energyplan.toml").read_bytes()


def test_csv_to_parquet_is_typed_and_audits_the_same(tmp_path: Path):
    import pyarrow.parquet as pq

    convert_plan(NORTHWIND, "parquet", tmp_path / "pq")
    schema = pq.read_schema(tmp_path / "pq" / "workloads.parquet")
    assert str(schema.field("gpu_count").type) == "int64" and str(schema.field("utilization").type) == "double"
    assert str(schema.field("start_date").type) == "date32[day]" and str(schema.field("workload_id").type) == "string"
    sites = pq.read_schema(tmp_path / "pq" / "sites.parquet")
    assert str(sites.field("sovereign").type) == "bool"
    incidents = pq.read_schema(tmp_path / "pq" / "incidents.parquet")
    # written with a UTC offset (-04:00): kept as the text written, one zone a Parquet column cannot hold
    assert str(incidents.field("started_at").type) == "string"

    def neutral(doc: dict) -> dict:
        for f in doc["findings"]:
            if f["file"] and f["file"] != "energyplan.toml":
                f["file"], f["line"] = f["file"].rsplit(".", 1)[0], None
        return doc

    assert neutral(audit_doc(tmp_path / "pq")) == neutral(audit_doc(NORTHWIND))
    convert_plan(tmp_path / "pq", "csv", tmp_path / "back")  # and back: the same CSV audit
    assert audit_doc(tmp_path / "back") == audit_doc(NORTHWIND)


def test_a_plan_with_integrity_errors_is_refused_and_nothing_written(tmp_path: Path):
    proc = cli("convert", str(BROKEN), "--to", "parquet", str(tmp_path / "out"))
    assert proc.returncode == 1 and not (tmp_path / "out").exists()
    assert "data-integrity errors" in proc.stderr and "--force" in proc.stderr and "Traceback" not in proc.stderr
    assert "contracts.csv:2: EP000" in proc.stderr  # the reasons, as validate prints them
    assert os.listdir(tmp_path) == []  # no temporary folder left behind either


def test_force_converts_and_keeps_failing_cells_as_written(tmp_path: Path):
    proc = cli("convert", str(BROKEN), "--to", "xlsx", str(tmp_path / "out"), "--force")
    assert proc.returncode == 0, proc.stderr
    assert "not converted" in proc.stderr and "commitments" in proc.stderr  # its file could not be read
    def cells(plan: Path) -> set:  # (a duplicate's "(line 2)" is a CSV line; a workbook names no line)
        return {(f.table, f.record_id, f.column, re.sub(r" \(line \d+\)", "", f.message))
                for f in api.validate(plan).outcome.findings if f.rule == "EP000" and f.row is not None}

    before, after = cells(BROKEN), cells(tmp_path / "out")
    assert before and before == {b for b in after if b[0] != "commitments"}


@pytest.mark.parametrize("kind", ["file", "full"])
def test_out_must_be_new_or_an_empty_folder(tmp_path: Path, kind: str):
    out = tmp_path / "out"
    if kind == "file":
        out.write_text("x")
    else:
        out.mkdir()
        (out / "keep.txt").write_text("mine")
    proc = cli("convert", str(NORTHWIND), "--to", "csv", str(out))
    assert proc.returncode == 2 and proc.stderr.startswith("energyplan: error: ")
    assert (out.read_text() == "x") if kind == "file" else os.listdir(out) == ["keep.txt"]


def test_an_empty_folder_is_filled(tmp_path: Path):
    (tmp_path / "out").mkdir()
    done = convert_plan(NORTHWIND, "csv", tmp_path / "out")
    assert done.files == ["sites.csv", "workloads.csv", "commitments.csv", "contracts.csv", "incidents.csv",
                          "profiles.csv", "energyplan.toml"]
    assert oct((tmp_path / "out").stat().st_mode & 0o777) != "0o700"  # not a private temp folder's mode


def test_unknown_format_is_a_usage_error_with_a_hint(tmp_path: Path):
    proc = cli("convert", str(NORTHWIND), "--to", "xlxs", str(tmp_path / "o"))
    assert proc.returncode == 2 and "did you mean" in proc.stderr and not (tmp_path / "o").exists()


def test_the_workbook_is_readable_and_deterministic(tmp_path: Path):
    convert_plan(NORTHWIND, "xlsx", tmp_path / "a")
    convert_plan(NORTHWIND, "xlsx", tmp_path / "b")
    book_a = (tmp_path / "a" / "a.xlsx").read_bytes()
    assert book_a == (tmp_path / "b" / "b.xlsx").read_bytes()  # same plan, same bytes
    wb = openpyxl.load_workbook(tmp_path / "a" / "a.xlsx")
    assert wb.sheetnames == ["sites", "workloads", "commitments", "contracts", "incidents", "profiles"]
    ws = wb["workloads"]
    assert ws.freeze_panes == "A2" and all(c.font.b for c in ws[1])
    assert ws.column_dimensions["A"].width >= len("wl-aws-research")  # as wide as the ids it holds
    import csv
    import datetime as dt

    first = next(csv.DictReader((NORTHWIND / "workloads.csv").open(encoding="utf-8")))
    row = {h.value: c.value for h, c in zip(ws[1], ws[2], strict=True)}
    assert row["workload_id"] == first["workload_id"]
    assert row["gpu_count"] == int(first["gpu_count"]) and not isinstance(row["gpu_count"], str)  # a number cell
    assert isinstance(row["start_date"], dt.datetime)  # a date cell, shown as a date
    assert row["start_date"].date() == dt.date.fromisoformat(first["start_date"])


def test_text_that_looks_like_a_formula_stays_text(tmp_path: Path):
    plan = tmp_path / "plan"
    plan.mkdir()
    for name in os.listdir(NORTHWIND):
        (plan / name).write_bytes((NORTHWIND / name).read_bytes())
    sites = (plan / "sites.csv").read_text().splitlines()
    sites[0] += ",note"
    sites[1] += ",=SUM(A1:A2)"
    sites[2:] = [line + "," for line in sites[2:]]
    (plan / "sites.csv").write_text("\n".join(sites) + "\n")
    convert_plan(plan, "xlsx", tmp_path / "book")
    ws = openpyxl.load_workbook(tmp_path / "book" / "book.xlsx")["sites"]
    assert ws.cell(2, ws.max_column).value == "=SUM(A1:A2)" and ws.cell(2, ws.max_column).data_type == "s"
    convert_plan(tmp_path / "book", "csv", tmp_path / "back")  # the user's own column survives both ways
    import csv

    rows = list(csv.DictReader((tmp_path / "back" / "sites.csv").open(encoding="utf-8")))
    assert [r["note"] for r in rows] == ["=SUM(A1:A2)"] + [""] * (len(sites) - 2)


def test_init_xlsx_starts_a_workbook_plan_that_validates_clean(tmp_path: Path):
    proc = cli("init", str(tmp_path / "q3"), "--xlsx")
    assert proc.returncode == 0, proc.stderr
    assert sorted(os.listdir(tmp_path / "q3")) == ["energyplan.toml", "q3.xlsx"]
    assert (tmp_path / "q3" / "energyplan.toml").read_text().splitlines()[0] == SCHEMA_COMMENT
    wb = openpyxl.load_workbook(tmp_path / "q3" / "q3.xlsx")
    assert wb.sheetnames == ["sites", "workloads", "commitments", "contracts", "incidents", "profiles"]
    result = api.validate(tmp_path / "q3")
    assert result.outcome.findings == [] and result.exit_code == 0


def test_init_writes_the_schema_comment_first(tmp_path: Path):
    assert cli("init", str(tmp_path / "p")).returncode == 0
    assert (tmp_path / "p" / "energyplan.toml").read_text().startswith(SCHEMA_COMMENT + "\n# energyplan settings")
