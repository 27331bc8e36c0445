"""`energyplan report`: the weekly governance page (HTML) or brief (Markdown): options → build_report → emit."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from energyplan.cli.common import AsOfOpt, ConfigOpt, DebugOpt, OutputOpt, PlanArg, err, format_option, guard

if TYPE_CHECKING:
    from energyplan.render.emit import Target

QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress and no \"wrote …\" lines on stderr.")]
ReportFormatOpt = format_option("report", "markdown on stdout")
SnapshotsOpt = Annotated[
    Path | None,
    typer.Option("--snapshots", metavar="DIR", help="The KPI snapshot dataset (`kpi --snapshot-dir DIR`) that "
                 "draws each KPI's weekly trend.", show_default=False),
]
SinceOpt = Annotated[
    str | None,
    typer.Option("--since", metavar="REF", help="What changed since this git ref (the plan as committed there, "
                 "as `diff --git-ref`).", show_default=False),
]
PreviousOpt = Annotated[
    Path | None,
    typer.Option("--previous", metavar="PLAN_DIR", help="What changed since this earlier copy of the plan "
                 "(instead of --since).", show_default=False),
]
TitleOpt = Annotated[
    str | None,
    typer.Option("--title", help="The page's title (default: \"Weekly energy & compute review: <plan>\").",
                 show_default=False),
]
NameOpt = Annotated[
    str | None,
    typer.Option("--name", metavar="NAME", help="The plan's name in the snapshots, as given to `kpi --name` "
                 "(default: the plan folder's name).", show_default=False),
]


def report(
    plan: PlanArg,
    output: OutputOpt = None,
    fmt: ReportFormatOpt = None,
    snapshots: SnapshotsOpt = None,
    since: SinceOpt = None,
    previous: PreviousOpt = None,
    title: TitleOpt = None,
    name: NameOpt = None,
    config: ConfigOpt = None,
    as_of: AsOfOpt = None,
    quiet: QuietOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Write the weekly review of a plan: one self-contained HTML page, or a Markdown brief.

    It shows the verdict, the decisions to take (owner, due date) and the four KPIs with their trend (--snapshots).

    With --since REF or --previous DIR it adds what changed; the outlook and adequacy appear when computed.

    The format follows -o's extension (.html, .md); without -o the Markdown brief goes to stdout.

    Exit 0 when written, 2 when it could not be (nothing is written then).

    Examples:

      energyplan report plans/northwind --snapshots snapshots/ --since origin/main -o report.html

      energyplan report plans/northwind --snapshots snapshots/ -o brief.md
    """
    with guard(debug):
        _run(plan, output, fmt, snapshots, since, previous, title, name, config, as_of, quiet)
    raise typer.Exit(0)


def _run(plan: Path, output: list[str] | None, fmt: str | None, snapshots: Path | None, since: str | None,
         previous: Path | None, title: str | None, name: str | None, config: Path | None, as_of: str | None,
         quiet: bool) -> None:
    from energyplan.cli.common import parse_as_of, progress_for
    from energyplan.errors import UsageError
    from energyplan.render.base import RenderContext
    from energyplan.render.emit import emit, targets

    if since is not None and previous is not None:
        raise UsageError("--since and --previous both say what to compare with; give one of them")
    chosen = targets("report", fmt, output, default="markdown")
    check_writable(chosen)  # before a minute of audits, not after
    when = parse_as_of(as_of)
    with progress_for(quiet, plan) as prog:
        from energyplan.render.report_out import ReportDocument
        from energyplan.reporting import build_report

        data = build_report(plan, config=config, as_of=when, snapshots=snapshots, since=since, previous=previous,
                            title=title, name=name, progress=prog)
    document = ReportDocument(data, full_report_link(chosen))
    emit("report", chosen, document, RenderContext(command="report", quiet=quiet), quiet=quiet, announce=err)


def check_writable(chosen: list[Target]) -> None:
    """Every output file can be created: its folder exists and is writable, and it is not a folder."""
    from energyplan.errors import UsageError

    for target in chosen:
        if target.path is None:
            continue
        folder = target.path.parent if str(target.path.parent) else Path(".")
        if target.path.is_dir():
            raise UsageError(f"cannot write {target.path}: it is a folder; give a file name such as "
                             f"{target.path / 'report.html'}")
        if not folder.is_dir():
            raise UsageError(f"cannot write {target.path}: folder {folder} does not exist")
        if not os.access(folder, os.W_OK | os.X_OK):
            raise UsageError(f"cannot write {target.path}: folder {folder} is not writable")


def full_report_link(chosen: list[Target]) -> str:
    """Where the brief points for the full page: the HTML file written in the same run, relative to the
    brief's folder; else the README's `report.html`."""
    from energyplan.render.report_out import DEFAULT_FULL_REPORT

    page = next((t.path for t in chosen if t.fmt == "html" and t.path is not None), None)
    if page is None:
        return DEFAULT_FULL_REPORT
    brief = next((t.path for t in chosen if t.fmt == "markdown" and t.path is not None), None)
    base = brief.parent if brief is not None else Path(".")
    return Path(os.path.relpath(page, base)).as_posix()


def register(app: typer.Typer) -> None:
    """Add `report` to the app."""
    app.command("report")(report)
