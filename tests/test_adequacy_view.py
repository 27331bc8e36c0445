"""The adequacy view at 80 and 140 columns: every line fits, every number and id whole."""

from __future__ import annotations

import re

import pytest

from energyplan.render.adequacy_view import render_adequacy
from tests.adequacy_helpers import frames_of, run
from tests.test_adequacy_example import example
from tests.test_adequacy_scenarios import GRID, SENSITIVE, SITE, TOLERANT, D, incident

ANSI = re.compile(r"\x1b\[[0-9;]*m")
LONG_IDS = ["incident-2026-03-01-substation-north-feeder-07", "i2-another-long-incident-identifier", "i3"]


def long_ids():
    frames = frames_of(sites=[SITE, {**SITE, "site_id": "site-with-a-rather-long-identifier-eu-west"}],
                       workloads=[SENSITIVE, TOLERANT], contracts=[GRID],
                       incidents=[incident(LONG_IDS[0], "2026-03-01T10:00:00", 4, shed=2),
                                  incident(LONG_IDS[1], "2026-03-01T12:00:00", 4, shed=5),
                                  incident(LONG_IDS[2], "2026-03-01T12:00:00", 4, shed=5)])
    return run(frames, D)


def lines(out: str) -> list[str]:
    return ANSI.sub("", out).splitlines()


@pytest.mark.parametrize("width", [80, 140])
@pytest.mark.parametrize("fmt", ["rich", "text"])
def test_every_line_fits_and_numbers_are_whole(width: int, fmt: str):
    out = lines(render_adequacy(example(), width=width, color=True, fmt=fmt))
    assert max(len(x) for x in out) <= width
    text = "\n".join(out)
    assert "  24/7 CFE score      37.8 %" in text
    assert "248.6 gCO2e/kWh (+24.3 % on annual)" in text
    assert "4.0 MWh over 1 h (longest 1 h)" in text
    assert "18.0 MWh over 3 h" in text
    assert "219.4" in text
    assert re.search(r"2026-06-10 18:00 +3 +4\.0 +18\.0 +i1$", text, re.M)
    assert "Sensitive load would have gone unserved at 1 site: s1 (4.0 MWh)" in text


@pytest.mark.parametrize("width", [80, 140])
def test_long_ids_are_never_cut(width: int):
    out = lines(render_adequacy(long_ids(), width=width, color=False, fmt="text"))
    assert max(len(x) for x in out) <= width
    words = set(" ".join(out).replace(",", " ").split())
    assert set(LONG_IDS) <= words
    assert "site-with-a-rather-long-identifier-eu-west" in words


def test_site_filter_and_no_colour_without_color():
    out = render_adequacy(long_ids(), width=80, color=False, fmt="rich", sites=["s1"])
    assert "\x1b[" not in out
    assert "site-with-a-rather-long" not in out
    assert "Portfolio" not in out


def test_a_site_that_carries_everything_says_so():
    frames = frames_of(sites=[SITE], workloads=[SENSITIVE], contracts=[GRID])
    out = render_adequacy(run(frames, D), width=80, color=False, fmt="text")
    assert "Every site would have carried its sensitive load" in out
    assert "Unserved sensitive  none" in out
    assert "Events" not in out
