"""The outlook's human views: every number whole at 80 and 140 columns, shortfall and pathway marked."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from energyplan.config import load_settings
from energyplan.facts.months import OutlookOptions, build_outlook
from energyplan.plan.validate import validate_plan
from energyplan.render.outlook_view import render_outlook
from tests.helpers import SITE, row, write_plan
from tests.support.outlook import ONE_MW, WORKED, D, grid

PATHWAY = {"carbon_intensity_pathway": {2026: 300, 2028: 100}, "emissions_pathway_t": {2026: 100}}
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def build(tmp_path, tables, months=3, **options):
    root = write_plan(tmp_path / "plan", **tables)
    frames = validate_plan(root, load_settings(root)).frames
    return build_outlook(frames, OutlookOptions(as_of=D, months=months, **options))


def view(result, width, fmt="rich", color=False, sites=None):
    return render_outlook(result, currency="EUR", width=width, color=color, fmt=fmt, sites=sites)


def cells(text):
    """Every whitespace-separated token, so a number cut or wrapped does not match in full."""
    return set(text.split())


# the worked example's figures as the view rounds them
WORKED_NUMBERS = ["1.00", "1.40", "0.40", "28.6", "1.50", "-0.10", "-7.1", "22", "1.60", "0.10", "6.3",
                  "20.0", "177.7", "400.0", "0.550", "0.563", "0.575", "+2.4", "+4.5", "266.3", "258.1", "249.7",
                  "3.8", "113.0", "244.8", "2026-11", "2026-12", "2027-01"]


@pytest.mark.parametrize("width", [80, 140])
@pytest.mark.parametrize("fmt", ["rich", "text"])
def test_every_number_whole_and_no_line_wider_than_the_terminal(tmp_path, width, fmt):
    out = view(build(tmp_path, WORKED, **PATHWAY), width, fmt)
    assert max(len(line) for line in out.splitlines()) <= width
    missing = [n for n in WORKED_NUMBERS if n not in cells(out)]
    assert missing == []
    assert "first shortfall 2026-12-10" in out
    assert "peak 1.50 MW vs firm 1.40 MW" in out


def test_wide_terminal_shows_every_column_and_the_chart(tmp_path):
    out = view(build(tmp_path, WORKED, **PATHWAY), 140)
    assert "left out" not in out
    assert {"4.4", "8.5"} <= cells(out)  # the monthly emissions targets
    assert "▓" in out and "◀ first" in out  # the shortfall month is marked by a symbol, not colour only


def test_narrow_terminal_says_what_it_left_out(tmp_path):
    out = view(build(tmp_path, WORKED, **PATHWAY), 80)
    assert "left out for width: Target t" in out
    assert max(len(line) for line in out.splitlines()) <= 80


def test_text_is_plain_and_marks_the_shortfall(tmp_path):
    out = view(build(tmp_path, WORKED, **PATHWAY), 80, fmt="text", color=True)
    assert not ANSI.search(out)
    assert not set(out) & set("─━│┃┏┓└┘█▓·▲◀")
    short = next(line for line in out.splitlines() if line.startswith("2026-12"))
    assert "!" in short and "<- first" in short
    above = next(line for line in out.splitlines() if line.startswith("2027-01") and "400.0" in line)
    assert " ! " in above


def test_colour_only_when_asked(tmp_path):
    result = build(tmp_path, WORKED, **PATHWAY)
    assert ANSI.search(view(result, 100, color=True))
    assert not ANSI.search(view(result, 100, color=False))


def test_same_input_same_bytes(tmp_path):
    result = build(tmp_path, WORKED, **PATHWAY)
    assert view(result, 80) == view(result, 80)


def test_no_pathway_says_so_and_has_no_target_columns(tmp_path):
    out = view(build(tmp_path, WORKED), 140)
    assert "no pathway set under [targets]" in out
    assert "Pathway" not in out and "above the pathway" not in out


def test_large_numbers_stay_whole_at_80_columns(tmp_path):
    big = row(ONE_MW, site_id="campus-north-1", gpu_count=12_345_670)  # 12,345.67 MW
    tables = {"sites": [row(SITE, site_id="campus-north-1", pue=1.0)], "workloads": [big],
              "contracts": [grid("g1", 99_999.99, "2026-01-01", "2030-12-31", site_id="campus-north-1")]}
    out = view(build(tmp_path, tables, months=2), 80)
    assert max(len(line) for line in out.splitlines()) <= 80
    assert {"12,345.67", "99,999.99", "87,654.32"} <= cells(out)


def test_site_filter_and_cloud_regions(tmp_path):
    tables = {"sites": [row(SITE, site_id="s1", pue=1.0), row(SITE, site_id="s2", pue=1.0),
                        row(SITE, site_id="c1", site_type="cloud_region")],
              "workloads": [ONE_MW, row(ONE_MW, workload_id="w2", site_id="s2"),
                            row(ONE_MW, workload_id="w3", site_id="c1")],
              "contracts": [grid("g1", 2, "2026-01-01", "2030-12-31")]}
    result = build(tmp_path, tables)
    out = view(result, 80, sites=["s2"])
    assert "s2 (owned_dc): short already on D" in out and "s1 (" not in out
    everything = " ".join(view(result, 80).split())  # the summary line may wrap between words
    assert "s1 (owned_dc): no shortfall over the horizon; lowest headroom 1.00 MW (50.0 %) in 2026-11" in everything
    assert "no firm-capacity view): c1" in everything
    assert "site nope: not in the plan" in view(result, 80, sites=["nope"])


def test_months_240_at_80_columns(tmp_path):
    tables = {"sites": [row(SITE, site_id="s1", pue=1.0)], "workloads": [ONE_MW],
              "contracts": [grid("g1", 1.4, "2026-01-01", "2030-12-31")]}
    out = view(build(tmp_path, tables, months=240), 80, fmt="text")
    assert max(len(line) for line in out.splitlines()) <= 80
    assert "first shortfall 2031-01-01" in out
    # months that read the same share a row; a month where a shortfall begins has its own
    assert {"2026-11..2030-12", "2031-01..2046-10"} <= cells(out)
    row_2031 = next(line for line in out.splitlines() if line.startswith("2031-01..2046-10"))
    assert str((dt.date(2046, 10, 31) - dt.date(2031, 1, 1)).days + 1) in row_2031.split()  # short days summed


def test_a_partly_short_month_is_never_merged(tmp_path):
    out = view(build(tmp_path, WORKED, months=5), 140)
    site_part = out.split("Portfolio:")[0]
    months = [line.split()[0] for line in site_part.splitlines() if line[:4] in ("2026", "2027")]
    # November before the shortfall, December where it begins: rows of their own; February and March merge
    assert months == ["2026-11", "2026-12", "2027-01", "2027-02…2027-03"]


def test_rejects_an_unknown_format(tmp_path):
    with pytest.raises(ValueError, match="fmt"):
        view(build(tmp_path, WORKED), 80, fmt="html")


def test_as_of_in_the_title(tmp_path):
    out = view(build(tmp_path, WORKED), 80)
    assert out.splitlines()[0] == f"Outlook from {D.isoformat()}: 3 months (2026-11 … 2027-01), EUR"


def test_a_shortfall_running_on_d_that_starts_again_later(tmp_path):
    contracts = [grid("g1", 0.8, "2026-01-01", "2026-11-30"), grid("g2", 1.2, "2026-12-01", "2026-12-20"),
                 grid("g3", 0.9, "2026-12-21", "2030-12-31")]
    tables = {"sites": [row(SITE, site_id="s1", pue=1.0)], "workloads": [ONE_MW], "contracts": contracts}
    out = " ".join(view(build(tmp_path, tables), 80).split())
    assert "s1 (owned_dc): short already on D, starts again 2026-12-21: peak 1.00 MW vs firm 0.80 MW" in out
