"""A plan folder holding one workbook: audited as its CSV twin, every finding located by sheet and cell."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

openpyxl = pytest.importorskip("openpyxl")

from energyplan import api  # noqa: E402
from energyplan.convert import convert_plan  # noqa: E402

ROOT = Path(__file__).parents[1]
NORTHWIND = ROOT / "sample_data" / "northwind"
AS_OF = "2026-11-30"


def _neutral(doc: dict) -> dict:
    """An audit document without what differs between a CSV plan and its workbook: where things are."""
    doc = json.loads(json.dumps(doc))
    doc.pop("plan")
    for f in doc["findings"]:
        f.pop("sheet", None), f.pop("cell", None)
        if f["file"] not in (None, "energyplan.toml"):
            f["file"], f["line"] = "plan", None
    doc["findings"].sort(key=lambda f: json.dumps(f, sort_keys=True))
    return doc


@pytest.fixture(scope="module")
def book_plan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wb") / "northwind"
    convert_plan(NORTHWIND, "xlsx", out)
    return out


def _audit_json(plan: Path) -> dict:
    return json.loads(api.audit(plan, as_of=AS_OF).to_json())


def test_northwind_as_a_workbook_audits_to_the_same_findings_and_kpis(book_plan: Path):
    from_csv, from_book = _audit_json(NORTHWIND), _audit_json(book_plan)
    assert _neutral(from_book) == _neutral(from_csv)
    assert from_book["kpis"] == from_csv["kpis"] and from_book["summary"] == from_csv["summary"]
    on_tables = [f for f in from_book["findings"] if f["file"] == "northwind.xlsx"]
    assert on_tables and all(f["sheet"] == f["table"] and f["cell"] and f["line"] is None for f in on_tables)
    assert all("sheet" not in f and "cell" not in f for f in from_csv["findings"])  # CSV JSON as before


def test_a_finding_names_the_cell_that_holds_its_value(book_plan: Path):
    found = _audit_json(book_plan)["findings"]
    f = next(f for f in found if f["rule"] == "EP106" and f["record_id"] == "cmt-ash-expansion")
    assert (f["sheet"], f["cell"], f["row"], f["column"]) == ("commitments", "F4", 3, "gpu_count")
    ws = openpyxl.load_workbook(book_plan / "northwind.xlsx")["commitments"]
    assert ws["A4"].value == "cmt-ash-expansion" and ws["F1"].value == "gpu_count" and ws["F4"].value == 4096
    # a finding on no input column (a site rule) points at the key cell of its record
    site = next(f for f in found if f["rule"] == "EP203" and f["record_id"] == "eurohpc-jupiter")
    assert site["column"] is None and site["cell"] == "A2"
    assert openpyxl.load_workbook(book_plan / "northwind.xlsx")["sites"]["A2"].value == "eurohpc-jupiter"


def _break_three_cells(plan: Path) -> Path:
    """gpu_count as words, a start date typed in another locale, and a formula error."""
    path = plan / "northwind.xlsx"
    wb = openpyxl.load_workbook(path)
    ws = wb["workloads"]
    header = [c.value for c in ws[1]]
    col = {name: openpyxl.utils.get_column_letter(header.index(name) + 1) for name in header}
    ws[f"{col['gpu_count']}3"] = "lots"
    ws[f"{col['start_date']}4"] = "31/12/2027"
    ws[f"{col['utilization']}5"] = "#DIV/0!"  # openpyxl writes an error cell, as Excel saves one
    wb.save(path)
    return path


@pytest.fixture()
def broken_book(book_plan: Path, tmp_path: Path) -> Path:
    plan = tmp_path / "broken"
    plan.mkdir()
    for name in os.listdir(book_plan):
        (plan / name).write_bytes((book_plan / name).read_bytes())
    _break_three_cells(plan)
    return plan


def test_three_broken_cells_are_three_located_findings(broken_book: Path):
    result = api.validate(broken_book, as_of=AS_OF)
    ep000 = [f for f in result.outcome.findings if f.rule == "EP000"]
    assert [(f.sheet, f.cell, f.column) for f in ep000] == [
        ("workloads", "H3", "gpu_count"), ("workloads", "L4", "start_date"), ("workloads", "J5", "utilization")]
    messages = [f.message for f in ep000]
    assert messages[0].startswith('gpu_count "lots" is not a number')
    assert messages[1].startswith('start_date "31/12/2027" is not a date')
    assert messages[2].startswith('utilization "#DIV/0!" is not a number')
    note = [f for f in result.outcome.findings if f.rule == "EP007"]
    assert len(note) == 1 and "#DIV/0! at workloads!J5" in note[0].message and note[0].file == "northwind.xlsx"


def test_cli_prints_the_cells_in_every_human_format(broken_book: Path):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "80"}
    run = [sys.executable, "-m", "energyplan", "validate", str(broken_book), "--as-of", AS_OF]
    text = subprocess.run([*run, "--format", "text"], capture_output=True, text=True, env=env, check=False)
    assert text.returncode == 1 and "Traceback" not in text.stderr
    assert "northwind.xlsx:workloads!H3: EP000 [error] gpu_count \"lots\"" in text.stdout
    assert "(row " not in text.stdout  # the cell says where; no "(row 2)" tail as for Parquet
    md = subprocess.run([*run, "--format", "markdown"], capture_output=True, text=True, env=env, check=False)
    assert "northwind.xlsx:workloads!L4" in md.stdout
    for width in ("80", "140"):
        rich = subprocess.run([*run, "--format", "rich"], capture_output=True, text=True, check=False,
                              env={**env, "COLUMNS": width})
        assert "northwind.xlsx:workloads!J5" in rich.stdout, width  # never cut or wrapped


def test_sarif_and_github_point_at_the_workbook_with_the_cell_in_the_message(broken_book: Path):
    result = api.validate(broken_book, as_of=AS_OF)
    sarif = json.loads(result.to_sarif())
    first = next(r for r in sarif["runs"][0]["results"] if r["ruleId"] == "EP000")
    loc = first["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"].endswith("northwind.xlsx") and loc["region"] == {"startLine": 1}
    assert first["message"]["text"].startswith("workloads!H3: gpu_count")
    assert first["properties"]["sheet"] == "workloads" and first["properties"]["cell"] == "H3"
    github = result.render("github")
    assert "::error file=northwind.xlsx,title=energyplan (EP000)::workloads!H3: gpu_count" in github


def test_workbook_json_validates_against_the_audit_schema(broken_book: Path):
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((ROOT / "docs" / "schema" / "audit.schema.json").read_text())
    doc = json.loads(api.audit(broken_book, as_of=AS_OF).to_json())
    jsonschema.validate(doc, schema)
    assert any(f.get("cell") == "J5" for f in doc["findings"])


# ---- workbooks a plan folder must not be read from ---------------------------------------------------


def _findings(plan: Path) -> list:
    return api.validate(plan, as_of=AS_OF).outcome.findings


def test_a_workbook_beside_table_files_is_ambiguous_and_the_table_files_are_read(book_plan: Path, tmp_path: Path):
    plan = tmp_path / "both"
    plan.mkdir()
    for name in os.listdir(NORTHWIND):
        (plan / name).write_bytes((NORTHWIND / name).read_bytes())
    (plan / "plan.xlsx").write_bytes((book_plan / "northwind.xlsx").read_bytes())
    found = _findings(plan)
    assert [(f.rule, f.file, f.row, f.sheet) for f in found] == [("EP000", "plan.xlsx", None, None)]
    assert "ambiguous" in found[0].message and "sites.csv" in found[0].message


def test_two_workbooks_are_ambiguous_without_a_finding_per_missing_table(book_plan: Path, tmp_path: Path):
    for name in ("a.xlsx", "b.xlsx"):
        (tmp_path / name).write_bytes((book_plan / "northwind.xlsx").read_bytes())
    found = _findings(tmp_path)
    assert [(f.rule, f.file) for f in found] == [("EP000", "a.xlsx"), ("EP000", "b.xlsx")]
    assert "2 workbooks" in found[0].message


@pytest.mark.parametrize("content", [b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512),  # encrypted (OLE)
                                     b"PK\x03\x04" + bytes(64),  # a truncated archive
                                     b"this is not a workbook\n"])
def test_an_unreadable_workbook_is_one_finding_and_no_traceback(tmp_path: Path, content: bytes):
    (tmp_path / "plan.xlsx").write_bytes(content)
    found = _findings(tmp_path)
    assert [(f.rule, f.file, f.table) for f in found] == [("EP000", "plan.xlsx", None)]
    if content.startswith(b"\xd0\xcf"):
        assert "password-protected" in found[0].message
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", "energyplan", "audit", str(tmp_path), "--format", "text"],
                          capture_output=True, text=True, env=env, timeout=120, check=False)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr and "plan.xlsx: EP000" in proc.stdout


def test_a_required_sheet_missing_is_one_finding_on_the_workbook(tmp_path: Path):
    wb = openpyxl.Workbook()
    wb.active.title = "sites"
    wb.active.append(["site_id", "name", "country", "site_type", "pue", "grid_carbon_intensity_g_per_kwh",
                      "sovereign"])
    wb.create_sheet("notes").append(["anything"])
    wb.save(tmp_path / "p.xlsx")
    found = _findings(tmp_path)
    missing = [f for f in found if f.rule == "EP000"]
    assert [f.message.split(":")[0] for f in missing] == [f"p.xlsx has no sheet {t}" for t in
                                                          ("workloads", "commitments", "contracts")]
    assert all(f.file == "p.xlsx" and f.sheet is None for f in missing)
    notes = [f for f in found if f.rule == "EP007"]
    assert len(notes) == 1 and "'notes'" in notes[0].message and notes[0].severity.value == "info"


def test_column_findings_point_at_the_header(tmp_path: Path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "sites"
    ws.append([])  # the header may sit lower: rows count from where it is
    ws.append(["site_id", "name", "country", "site_typ", "pue", "grid_carbon_intensity_g_per_kwh", "sovereign",
               "energy_ownr"])
    ws.append(["s1", "One", "DE", "owned_dc", 1.2, 300, False, "ops"])
    for table in ("workloads", "commitments", "contracts"):
        from energyplan.plan.schemas import input_columns

        wb.create_sheet(table).append(input_columns(table))
    wb.save(tmp_path / "p.xlsx")
    found = _findings(tmp_path)
    missing = next(f for f in found if f.rule == "EP000" and f.column == "site_type")
    assert (missing.sheet, missing.cell) == ("sites", "2:2")  # the header row: the column is not there
    near = next(f for f in found if f.rule == "EP005")
    assert (near.column, near.sheet, near.cell) == ("energy_ownr", "sites", "H2")


@pytest.mark.parametrize("kind", ["fifo", "folder", "dangling"])
def test_a_workbook_name_that_is_no_file_is_one_finding_and_never_hangs(tmp_path: Path, kind: str):
    target = tmp_path / "plan.xlsx"
    if kind == "fifo":
        os.mkfifo(target)
    elif kind == "folder":
        target.mkdir()
    else:
        target.symlink_to(tmp_path / "gone.xlsx")
    found = _findings(tmp_path)
    assert [(f.rule, f.file) for f in found] == [("EP000", "plan.xlsx")]
    expected = {"fifo": "is a FIFO (named pipe), not a workbook", "folder": "is a folder, not a workbook",
                "dangling": "plan.xlsx cannot be read (No such file"}[kind]
    assert expected in found[0].message
