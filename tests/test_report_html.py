"""The HTML page: sections in order, only those with data, self-contained, deterministic, small, accessible charts."""

from __future__ import annotations

import base64
import copy
import re
from html.parser import HTMLParser

import pytest

from energyplan.render.report import ReportInput, render_html
from energyplan.render.report.html import CSP
from tests.fixtures.report import northwind_input

FULL_SECTIONS = ["Decisions needed", "What changed", "Headline KPIs", "Outlook", "Adequacy", "All findings",
                 "KPI tables", "Provenance"]
CHART_IDS = ["chart-capacity-1", "chart-capacity-2", "chart-capacity-3", "chart-carbon", "chart-cost", "chart-ppa",
             "chart-cfe", "chart-heatmap", "chart-events"]


class Page(HTMLParser):
    """Collects what the tests look at: h2 texts, ids, tags, every src/href, figures and their parts."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.h2: list[str] = []
        self.ids: list[str] = []
        self.tags: list[str] = []
        self.urls: list[str] = []
        self.figures: dict[str, dict[str, object]] = {}
        self._figure: str | None = None
        self._in_h2 = False
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.append(tag)
        if a.get("id"):
            self.ids.append(str(a["id"]))
        for key in ("src", "href"):
            if a.get(key):
                self.urls.append(str(a[key]))
        if tag == "h2":
            self._in_h2 = True
            self.h2.append("")
        if tag == "figure":
            self._figure = str(a["id"])
            self.figures[self._figure] = {"img": None, "alt": None, "caption": False, "table": False}
        if self._figure:
            fig = self.figures[self._figure]
            if tag == "img":
                fig["img"], fig["alt"] = a.get("src"), a.get("alt")
            fig["caption"] = fig["caption"] or tag == "figcaption"
            fig["table"] = fig["table"] or tag == "table"

    def handle_endtag(self, tag: str) -> None:
        if tag == "h2":
            self._in_h2 = False
        if tag == "figure":
            self._figure = None

    def handle_data(self, data: str) -> None:
        if self._in_h2:
            self.h2[-1] += data


@pytest.fixture(scope="module")
def full_html() -> str:
    return render_html(northwind_input())


def svg_of(uri: str) -> str:
    assert uri.startswith("data:image/svg+xml;base64,")
    return base64.b64decode(uri.split(",", 1)[1]).decode("utf-8")


def test_sections_in_the_order_of_the_issue(full_html: str) -> None:
    page = Page(full_html)
    assert page.h2 == FULL_SECTIONS
    assert list(page.figures) == CHART_IDS
    assert len(page.ids) == len(set(page.ids)), "duplicate ids"


def test_plain_plan_gets_a_report_without_outlook_adequacy_or_changes() -> None:
    page = Page(render_html(northwind_input(full=False)))
    assert page.h2 == ["Decisions needed", "Headline KPIs", "All findings", "KPI tables", "Provenance"]
    assert page.figures == {}
    assert "fewer than two snapshots" in render_html(northwind_input(full=False))


def test_self_contained_no_script_no_request(full_html: str) -> None:
    page = Page(full_html)
    assert f'content="{CSP}"' in full_html
    assert "script" not in page.tags
    assert "link" not in page.tags
    for url in page.urls:
        assert url.startswith(("#", "data:image/svg+xml;base64,")), url[:80]
    anchors = {u[1:] for u in page.urls if u.startswith("#")}
    assert anchors <= set(page.ids), anchors - set(page.ids)
    assert "@import" not in full_html and "url(" not in full_html


def test_every_chart_has_title_axis_units_and_a_text_alternative(full_html: str) -> None:
    page = Page(full_html)
    units = {"chart-capacity-1": "MW", "chart-carbon": "gCO2e/kWh", "chart-cost": "EUR/GPU-h",
             "chart-ppa": "% of energy", "chart-cfe": "gCO2e/kWh", "chart-heatmap": "hour of day",
             "chart-events": "MWh"}
    for cid, fig in page.figures.items():
        assert fig["caption"] and fig["table"] and fig["alt"], cid
        svg = svg_of(str(fig["img"]))
        texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
        assert texts, f"{cid}: no text in the chart"
        if cid in units:
            assert any(units[cid] in t for t in texts), (cid, texts[:20])
        assert "<dc:date>" not in svg
    heat = svg_of(str(page.figures["chart-heatmap"]["img"]))
    assert "data:image/png;base64," in heat     # the 8,760 cells are one raster, not 8,760 shapes


def test_deterministic_bytes() -> None:
    assert render_html(northwind_input()) == render_html(northwind_input())


def test_northwind_under_two_megabytes(full_html: str) -> None:
    assert len(full_html.encode("utf-8")) < 2_000_000


def test_text_is_escaped() -> None:
    data = northwind_input(full=False)
    data.audit["findings"][0]["message"] = "<script>alert(1)</script> & more"
    data.sites[0]["energy_owner"] = "<b>x</b>"
    html = render_html(data)
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in html


def test_finding_rows_carry_the_decision_anchors(full_html: str) -> None:
    page = Page(full_html)
    findings = northwind_input().audit["findings"]
    assert [i for i in page.ids if i.startswith("finding-")] == [f"finding-{n + 1}" for n in range(len(findings))]


def test_verdict_and_tiles_show_change_in_words(full_html: str) -> None:
    assert '<p class="verdict fail"><strong>FAIL</strong>: 4 errors, 23 warnings, 3 info, 1 waived</p>' in full_html
    tile = re.search(r'<div class="tile" id="tile-effective_mw">(.*?)</div></div>|'
                     r'<div class="tile" id="tile-effective_mw">(.*?)<img', full_html)
    assert tile and "62.34" in full_html and "<strong>worse</strong>" in full_html


def test_minimal_input_renders() -> None:
    html = render_html(ReportInput(audit={"summary": {}, "findings": [], "kpis": {}}))
    assert Page(html).h2 == ["Decisions needed", "Headline KPIs", "All findings", "KPI tables", "Provenance"]


def test_outlook_without_non_cloud_site_or_portfolio() -> None:
    data = northwind_input()
    audit = copy.deepcopy(data.audit)
    audit["outlook"] = {"months": 1, "sites": [r for r in audit["outlook"]["sites"]
                                               if r["site_type"] == "cloud_region"], "portfolio": []}
    audit["adequacy"] = {"year_start": "2025-11-30", "clock": "UTC", "sites": [], "portfolio": {}}
    page = Page(render_html(ReportInput(audit=audit, sites=data.sites)))
    assert "Outlook" in page.h2 and "Adequacy" in page.h2
    assert page.figures == {}


def test_nulls_everywhere_still_render() -> None:
    data = northwind_input()
    audit = copy.deepcopy(data.audit)
    for row in audit["outlook"]["sites"] + audit["outlook"]["portfolio"] + audit["adequacy"]["sites"]:
        for key in row:
            if key not in ("site_id", "site_type", "month", "days"):
                row[key] = None
    heat = {"site_id": "ash-colo1", "year_start": "2025-11-30", "values": [[None] * 24] * 365}
    page = Page(render_html(ReportInput(audit=audit, sites=data.sites, cfe_heatmap=heat)))
    assert list(page.figures) == CHART_IDS


def test_heatmap_of_the_wrong_shape_is_a_clear_error() -> None:
    data = northwind_input()
    data.cfe_heatmap = {"site_id": "x", "year_start": "2025-11-30", "values": [[0.5] * 23] * 365}
    with pytest.raises(ValueError, match="24 hourly shares"):
        render_html(data)


def test_trend_of_several_plans_uses_only_this_plans_rows() -> None:
    import pandas as pd

    data = northwind_input()
    other = data.trend.assign(plan="southwind", value=data.trend["value"] * 1000)
    data.trend = pd.concat([data.trend, other], ignore_index=True)
    html = render_html(data)
    assert "2026-11-30: 62.34" in html and "62,342" not in html
