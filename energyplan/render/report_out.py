"""The `report` command's formats for the registry: the HTML page and the Markdown brief of a built report."""

from __future__ import annotations

from dataclasses import dataclass

from energyplan.render.base import RenderContext
from energyplan.render.report import ReportInput
from energyplan.render.report import render_html as _html
from energyplan.render.report import render_markdown as _markdown

# Where the brief's finding links and its "cut to fit" pointer send the reader when no HTML file is
# written in the same run: the file name the README tells people to write.
DEFAULT_FULL_REPORT = "report.html"


@dataclass(frozen=True)
class ReportDocument:
    """A built report and where its full HTML page is, relative to the Markdown brief."""

    data: ReportInput
    full_report: str = DEFAULT_FULL_REPORT


def _document(payload: ReportInput | ReportDocument) -> ReportDocument:
    return payload if isinstance(payload, ReportDocument) else ReportDocument(payload)


def render_html(payload: ReportInput | ReportDocument, ctx: RenderContext) -> str:
    """The self-contained page (the context's width and colour do not apply to a page)."""
    return _html(_document(payload).data)


def render_markdown(payload: ReportInput | ReportDocument, ctx: RenderContext) -> str:
    """The brief, under GitHub's comment limit, its links pointing into the full report."""
    doc = _document(payload)
    return _markdown(doc.data, full_report=doc.full_report)
