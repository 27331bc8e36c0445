"""Issue 13 item 7: every human view fits 80 and 140 columns, and no number or id is cut or wrapped."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from energyplan.render.kpi_table import format_cell
from tests.support.cli import SAMPLES, energyplan

NORTHWIND = SAMPLES / "northwind"
# Log lines the spec keeps whole on one line for grep and editors (text format): one finding a line
# (`path:line: EP101 [error] …`) and the verdict; they are never wrapped, so nothing in them is cut.
LOG_LINE = re.compile(r"^\s*(\S+: )?EP\d{3} \[(error|warning|info)\] |^energyplan (audit|validate|diff): ")


@pytest.fixture(scope="module")
def snapshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("narrow") / "snaps"
    for day in ("2026-11-16", "2026-11-23", "2026-11-30"):
        assert energyplan("kpi", NORTHWIND, "--as-of", day, "--snapshot-dir", root, "-q",
                          "-o", root.parent / "k.json").returncode == 0
    return root


def _args(command: str, snapshots: Path) -> list[str | Path]:
    return {
        "audit": ["audit", NORTHWIND],
        "kpi": ["kpi", NORTHWIND],
        "trend": ["trend", snapshots],
        "diff": ["diff", SAMPLES / "clean", NORTHWIND],
        "outlook": ["outlook", NORTHWIND],
    }[command]


def _whole(command: str, snapshots: Path) -> set[str]:
    """The ids and numbers of the command's JSON output, as the human view prints them."""
    doc = json.loads(energyplan(*_args(command, snapshots), "--format", "json").stdout)
    tokens: set[str] = set()
    if command in ("audit", "kpi"):
        kpis = doc["kpis"]
        for site in kpis["sites"]:
            tokens.add(site["site_id"])
            tokens |= {format_cell(c, site, site.get("site_type") == "cloud_region") for c in site
                       if c not in ("site_id", "site_type")}
    if command == "audit":
        for f in doc["findings"]:
            tokens |= {v for v in (f["record_id"], f["site_id"]) if v}
            if f["file"] and f["line"] is not None:
                tokens.add(f"{f['file']}:{f['line']}")
    if command == "trend":
        tokens |= {s["site_id"] for s in doc["series"] if s["site_id"]}
    if command == "diff":
        for f in doc["new"]:
            tokens |= {v for v in (f["record_id"], f["site_id"]) if v}
    if command == "outlook":
        tokens |= {s["site_id"] for s in doc["outlook"]["sites"]}
    return {t for t in tokens if t and t != "—"}


@pytest.mark.parametrize("width", [80, 140])
@pytest.mark.parametrize("fmt", ["rich", "text"])
@pytest.mark.parametrize("command", ["audit", "kpi", "trend", "diff", "outlook"])
def test_item7_no_line_exceeds_the_width_and_no_number_or_id_is_cut(command: str, fmt: str, width: int,
                                                                   snapshots: Path) -> None:
    out = energyplan(*_args(command, snapshots), "--format", fmt, env={"COLUMNS": str(width)}).stdout
    lines = out.splitlines()
    too_long = [x for x in lines if len(x) > width and not (fmt == "text" and LOG_LINE.match(x))]
    assert not too_long, f"{len(too_long)} lines over {width}: {too_long[:3]}"
    # every id and number is whole on one line, never split at the edge of a column
    missing = sorted(t for t in _whole(command, snapshots) if not any(t in x for x in lines))
    assert not missing, missing


@pytest.mark.parametrize("width", [80, 100, 140])
def test_item7_diff_kpi_changes_never_cut_a_number(width):
    """Between two very different plans the KPI table is wide: its numbers stay whole (a wrapping name, or one
    block per change when even that does not fit)."""
    import re

    from typer.testing import CliRunner

    from energyplan.cli.app import app

    out = CliRunner().invoke(app, ["diff", str(SAMPLES / "northwind"), str(SAMPLES / "clean"), "-f", "rich"],
                             env={"COLUMNS": str(width)}).stdout
    lines = out.splitlines()
    assert max(map(len, lines)) <= width
    kpis = out[out.index("KPI changes"):]
    assert not re.search(r"[0-9]…|…[0-9]", kpis)
    assert "25.04" in kpis and "62.84" in kpis
