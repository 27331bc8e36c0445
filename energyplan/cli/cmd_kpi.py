"""`energyplan kpi` (the four shared KPIs, snapshots) and `energyplan trend` (their trajectory)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from energyplan.cli.common import (
    AsOfOpt,
    ConfigOpt,
    DebugOpt,
    OutputOpt,
    PlanArg,
    check_plan_dir,
    err,
    guard,
    parse_as_of,
    parse_outputs,
    plain_output_given,
    stdout_is_terminal,
    write_atomic,
)
from energyplan.errors import UsageError

QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No \"wrote …\" lines on stderr.")]
FailOnOpt = Annotated[
    str | None,
    typer.Option("--fail-on", metavar="LEVEL",
                 help="never: compute and write KPIs even when the plan has data-integrity errors "
                      "(error, warning, info: exit 1 on them, the default).",
                 show_default=False),
]
KPI_FORMATS = ("rich", "json", "csv", "parquet")
TREND_FORMATS = ("rich", "json", "csv")
INTEGRITY_RULES = ("EP000", "EP001", "EP002", "EP003")

SiteOpt = Annotated[
    list[str] | None,
    typer.Option("--site", metavar="SITE_ID", help="Only this site (repeatable); the portfolio row stays.",
                 show_default=False),
]
SnapshotDirOpt = Annotated[
    Path | None,
    typer.Option("--snapshot-dir", metavar="DIR",
                 help="Also write a Parquet snapshot to DIR/snapshot_date=YYYY-MM-DD/<plan>.parquet "
                      "(same date again replaces it); read it back with `energyplan trend DIR`.",
                 show_default=False),
]


def _format_opt(choices: tuple[str, ...], default_text: str) -> Any:
    return Annotated[
        str | None,
        typer.Option("--format", "-f", metavar="FORMAT",
                     help=f"Output on stdout: {', '.join(choices)} ({default_text}).", show_default=False),
    ]


KpiFormatOpt = _format_opt(KPI_FORMATS, "default: rich on a terminal, json otherwise; parquet needs -o FILE "
                                        "or a pipe")
TrendFormatOpt = _format_opt(TREND_FORMATS, "default: rich on a terminal, json otherwise")


def _choose_format(fmt: str | None, choices: tuple[str, ...]) -> str:
    if fmt is not None and fmt not in choices:
        raise UsageError(f"unknown --format {fmt!r}; choose from {', '.join(choices)}")
    return fmt or ("rich" if stdout_is_terminal() else "json")


def _terminal_width() -> int:
    import shutil

    return max(60, shutil.get_terminal_size((120, 24)).columns)


def _rich_text(renderable: Any, width: int, color: bool) -> str:
    import io

    from rich.console import Console

    buffer = io.StringIO()
    console = Console(file=buffer, width=width, force_terminal=color, no_color=not color, color_system=None
                      if not color else "auto", highlight=False, soft_wrap=False)
    console.print(renderable)
    return buffer.getvalue()


def _integrity_errors(plan: Any, settings: Any, as_of: Any) -> dict[str, int]:
    """Error-level EP000–EP003 findings of validation (severity overrides, select/ignore and live
    waivers honoured, as the audit would count them)."""
    from energyplan.ruleset.spec import builtin_codes, builtin_rules, is_selected

    code_of = builtin_codes(builtin_rules())  # validation batches carry the builtin check name
    counts: dict[str, int] = {}
    for batch in plan.batches:
        code = code_of[batch.rule]
        if code not in INTEGRITY_RULES or settings.rules.severity.get(code, "error") != "error":
            continue
        if not is_selected(code, settings):
            continue
        frame = batch.frame
        waived = [w.record for w in settings.waivers if w.rule == code and as_of <= w.expires]
        n = int((~frame["record_id"].isin(waived)).sum()) if waived and "record_id" in frame else len(frame)
        if n:
            counts[code] = counts.get(code, 0) + n
    return counts


def _select_sites(records: dict[str, Any], frame: Any, sites: list[str] | None) -> tuple[dict[str, Any], Any]:
    if not sites:
        return records, frame
    from energyplan.suggest import did_you_mean

    known = [s["site_id"] for s in records["sites"]]
    for site in sites:
        if site not in known:
            raise UsageError(f"--site {site!r}: no such site in the plan{did_you_mean(site, known, cutoff=0.5)}")
    chosen = {"sites": [s for s in records["sites"] if s["site_id"] in sites], "portfolio": records["portfolio"]}
    keep = (frame["scope"] == "portfolio") | frame["site_id"].isin(sites)
    return chosen, frame[keep].reset_index(drop=True)


def kpi(
    plan: PlanArg,
    fmt: KpiFormatOpt = None,
    output: OutputOpt = None,
    site: SiteOpt = None,
    snapshot_dir: SnapshotDirOpt = None,
    fail_on: FailOnOpt = None,
    quiet: QuietOpt = False,
    config: ConfigOpt = None,
    as_of: AsOfOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Compute the four shared IT-energy KPIs per site and for the portfolio.

    Effective MW availability, marginal GPU-hour cost, carbon intensity and energy incidents at --as-of.

    Exit 1, writing nothing, when the plan has data-integrity errors (EP000-EP003), unless --fail-on never.

    Examples:

      energyplan kpi sample_data/northwind

      energyplan kpi plan/ --format json --site fra-1 > kpis.json

      energyplan kpi plan/ -o parquet=kpis.parquet --snapshot-dir snapshots/
    """
    with guard(debug):
        code = _run_kpi(plan, fmt, output, site, snapshot_dir, fail_on, quiet, config, as_of)
    raise typer.Exit(code)


def _run_kpi(plan: Path, fmt: str | None, output: list[str] | None, sites: list[str] | None,
             snapshot_dir: Path | None, fail_on: str | None, quiet: bool, config: Path | None,
             as_of: str | None) -> int:
    import json
    import os

    from energyplan import __version__
    from energyplan.config import load_settings
    from energyplan.facts import build_facts
    from energyplan.plan.validate import validate_plan
    from energyplan.provenance import git_commit, plan_digest
    from energyplan.render.kpi_table import build_kpi_view
    from energyplan.render.snapshot import Provenance, parquet_bytes, snapshot_path, snapshot_table

    check_plan_dir(plan)
    fmt = _choose_format(fmt, KPI_FORMATS)
    outputs = parse_outputs(output, fmt, KPI_FORMATS)
    to_stdout = not plain_output_given(output, KPI_FORMATS)
    if to_stdout and fmt == "parquet" and stdout_is_terminal():
        raise UsageError("Parquet is binary: write it with -o FILE or pipe stdout to a file")
    settings = load_settings(plan, config).with_overrides(as_of=parse_as_of(as_of), fail_on=fail_on)
    day = settings.resolved_as_of()
    validated = validate_plan(plan, settings)
    broken = _integrity_errors(validated, settings, day)
    if broken and settings.rules.fail_on != "never":
        listing = ", ".join(f"{code} ×{n:,}" for code, n in sorted(broken.items()))
        err(f"energyplan: {plan} has data-integrity errors ({listing}); its KPIs are not trustworthy, so "
            f"nothing was written. See `energyplan validate {plan}`, or pass --fail-on never.")
        return 1
    horizon = settings.rules.params.get("EP401", {}).get("horizon_days", 365)
    facts = build_facts(validated, as_of=day, currency=settings.currency, fx=settings.fx,
                        ep401_horizon_days=int(horizon))
    full_frame = facts.kpi_frame()
    records, frame = _select_sites(facts.kpi_records(), full_frame, sites)
    name = Path(plan).resolve().name
    provenance = Provenance(as_of=day, plan=name, plan_digest=plan_digest(
        validated.input_files, validated.root, settings.source), tool_version=__version__,
        git_commit=git_commit(Path(plan)), currency=settings.currency)
    title = f"KPIs of {plan} at {day.isoformat()} ({settings.currency})"

    def render(out_fmt: str, width: int, color: bool) -> str | bytes:
        if out_fmt == "json":
            doc = {"schema_version": 1, "tool": {"name": "energyplan", "version": __version__},
                   "plan": str(plan), "as_of": day.isoformat(), "currency": settings.currency, "kpis": records}
            return json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
        if out_fmt == "csv":
            return frame.to_csv(index=False, lineterminator="\n")
        if out_fmt == "parquet":
            return parquet_bytes(snapshot_table(frame, provenance))
        return _rich_text(build_kpi_view(records, settings.currency, width, title=title), width, color)

    for out_fmt, path in outputs:
        write_atomic(path, render(out_fmt, 200, False))
        if not quiet:
            err(f"wrote {out_fmt} to {path}")
    if snapshot_dir is not None:
        # the snapshot holds every site whatever --site shows: trends must not lose sites
        target = snapshot_path(snapshot_dir, provenance)
        write_atomic(target, parquet_bytes(snapshot_table(full_frame, provenance)))
        if not quiet:
            err(f"wrote snapshot to {target}")
    if to_stdout:
        color = stdout_is_terminal() and "NO_COLOR" not in os.environ
        data = render(fmt, _terminal_width(), color)
        if isinstance(data, bytes):
            sys.stdout.flush()
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
        else:
            sys.stdout.write(data)
            sys.stdout.flush()
    return 0


def trend(
    directory: Annotated[Path, typer.Argument(help="A snapshot folder written by `kpi --snapshot-dir`.",
                                              show_default=False)],
    fmt: TrendFormatOpt = None,
    output: OutputOpt = None,
    plan: Annotated[list[str] | None, typer.Option("--plan", metavar="NAME",
                                                   help="Only this plan (repeatable).", show_default=False)] = None,
    kpi_names: Annotated[list[str] | None, typer.Option("--kpi", metavar="NAME",
                                                        help="Only this KPI column (repeatable), e.g. "
                                                             "effective_mw.", show_default=False)] = None,
    site: SiteOpt = None,
    weeks: Annotated[int, typer.Option("--weeks", min=1, help="Window: the last N weeks of snapshots.")] = 13,
    quiet: QuietOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Show each KPI's weekly trajectory per site and for the portfolio from KPI snapshots.

    Per week the latest snapshot counts: the table shows the last value, the change over the window and a sparkline.

    json and csv give the same numbers for tools.

    Examples:

      energyplan trend snapshots/ --kpi effective_mw --kpi carbon_intensity_g_per_kwh

      energyplan trend snapshots/ --plan northwind --weeks 26 --format csv > trend.csv
    """
    with guard(debug):
        from energyplan import __version__
        from energyplan.trend import (
            build_series,
            build_trend_table,
            read_snapshots,
            render_csv,
            render_json,
        )

        fmt = _choose_format(fmt, TREND_FORMATS)
        outputs = parse_outputs(output, fmt, TREND_FORMATS)
        frame = read_snapshots(directory)
        series, dates = build_series(frame, plans=plan, kpis=kpi_names, sites=site, weeks=weeks)

        def render(out_fmt: str, width: int, color: bool) -> str:
            if out_fmt == "json":
                return render_json(series, dates, weeks, __version__)
            if out_fmt == "csv":
                return render_csv(series)
            span = f"{dates[0].isoformat()} … {dates[-1].isoformat()}" if dates else "no snapshots"
            header = f"KPI trend over {len(dates)} weekly snapshot{'s' if len(dates) != 1 else ''} ({span})\n"
            return header + _rich_text(build_trend_table(series, frame.attrs.get("currency")), width, color)

        for out_fmt, path in outputs:
            write_atomic(path, render(out_fmt, 160, False))
            if not quiet:
                err(f"wrote {out_fmt} to {path}")
        if not plain_output_given(output, TREND_FORMATS):
            import os

            sys.stdout.write(render(fmt, _terminal_width(), stdout_is_terminal() and "NO_COLOR" not in os.environ))
            sys.stdout.flush()
    raise typer.Exit(0)


def register(app: typer.Typer) -> None:
    """Add `kpi` and `trend` to the app."""
    app.command("kpi")(kpi)
    app.command("trend")(trend)
