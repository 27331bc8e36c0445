"""The weekly report's input, gathered from a plan: audit, KPI trend, what changed, sites and provenance."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from energyplan.errors import UsageError

if TYPE_CHECKING:
    import pandas as pd

    from energyplan.api import AuditResult, ConfigLike, DateLike, PathLike
    from energyplan.render.report import ReportInput

# The trend window: as `energyplan trend` (13 weeks, the latest snapshot of each ISO week).
TREND_WEEKS = 13
# The adequacy replay year is always 365 days of 24 hours (spec/adequacy.md skips 29 February).
HEATMAP_SHAPE = (365, 24)
TREND_COLUMNS = ("plan", "as_of", "scope", "site_id", "kpi", "value")


def build_report(
    plan: PathLike,
    *,
    config: ConfigLike = None,
    as_of: DateLike = None,
    snapshots: PathLike | None = None,
    since: str | None = None,
    previous: PathLike | None = None,
    title: str | None = None,
    name: str | None = None,
    cfe_heatmap: Mapping[str, Any] | None = None,
    progress: Any = None,
) -> ReportInput:
    """Everything the weekly report shows for `plan`, computed here so the renderer computes nothing.

    `snapshots`: a KPI snapshot dataset (`kpi --snapshot-dir`) for the trend, its rows for this plan
    (`name`, else the plan folder's name, as the snapshots were written). `since` (a git ref) or
    `previous` (a plan folder) gives "what changed". `cfe_heatmap` is the hook for the adequacy day × hour
    carbon-free shares ({"site_id", "year_start", "values": 365 × 24}); None until adequacy provides it.
    Bad input raises UsageError with a one-line message, before anything is written.
    """
    from energyplan import api

    if since is not None and previous is not None:
        raise UsageError("--since and --previous both say what to compare with; give one of them")
    heatmap = check_heatmap(cfe_heatmap) if cfe_heatmap is not None else None
    result = api.audit(plan, config=config, as_of=as_of, progress=progress)
    audit = json.loads(result.to_json())
    plan_name = name or Path(result.run.plan.root).resolve().name
    when = result.as_of
    # Snapshots before the diff: a wrong folder or name fails fast, before two more audits run.
    trend = None
    if snapshots is not None:
        trend = trend_frame(read_plan_snapshots(Path(snapshots), plan_name, when, currency=audit.get("currency")))
    changes = None
    if since is not None or previous is not None:
        from energyplan import __version__
        from energyplan.plan_diff import render_json

        # HEAD's own as_of for both versions (diff's rule); a previous folder is judged at it too.
        try:
            d = api.diff(previous, plan, git_ref=since, config=config, as_of=when, new_plan=False)
        except UsageError as exc:
            # diff's message, in the words of this call: its --git-ref is our --since
            raise UsageError(str(exc).replace("--git-ref", "--since")) from None
        changes = json.loads(render_json(d, __version__))
    return _input(result, audit, plan, title=title, trend=trend, changes=changes, heatmap=heatmap)


def _input(result: AuditResult, audit: dict[str, Any], plan: PathLike, *, title: str | None, trend: Any,
           changes: dict[str, Any] | None, heatmap: dict[str, Any] | None) -> ReportInput:
    from energyplan.render.report import ReportInput

    return ReportInput(audit=audit, title=title, provenance=provenance(result, plan), trend=trend, changes=changes,
                       cfe_heatmap=heatmap, sites=site_rows(result.run.plan.frames["sites"]))


def provenance(result: AuditResult, plan: PathLike) -> dict[str, Any]:
    """plan (as given: stable across machines), plan_digest, tool_version, git_commit (or None), as_of.

    The digest and commit are the ones a KPI snapshot of the same plan carries, so a reader can match
    the page to its snapshot.
    """
    from energyplan import __version__
    from energyplan.provenance import git_commit, plan_digest

    run = result.run
    root = Path(run.plan.root)
    shown = Path(plan).as_posix() if Path(plan).name else root.resolve().name  # "." says nothing
    return {"plan": shown, "plan_digest": plan_digest(run.plan.input_files, root, run.settings.source),
            "tool_version": __version__, "git_commit": git_commit(root), "as_of": result.as_of.isoformat()}


def site_rows(sites: pd.DataFrame) -> list[dict[str, Any]]:
    """site_id, name, site_type, energy_owner of each valid site (nulls as None), in the table's order."""
    from energyplan.plan.schemas import SitesSchema as S

    columns = [S.site_id, S.name, S.site_type, S.energy_owner]
    frame = sites.reindex(columns=columns).astype(object)
    return [{str(k): v for k, v in r.items()} for r in frame.where(frame.notna(), None).to_dict("records")]


def read_plan_snapshots(directory: Path, plan_name: str, as_of: dt.date, *,
                        currency: str | None = None) -> pd.DataFrame:
    """This plan's snapshot rows up to `as_of`, the latest snapshot of each ISO week, last TREND_WEEKS weeks.

    An empty or missing folder, a dataset without this plan, one whose snapshots all postdate `as_of`,
    or one whose costs are in another currency than `currency` is a UsageError naming what it holds.
    """
    import pandas as pd

    from energyplan.trends import read_snapshots

    frame = read_snapshots(directory)
    held_currency = frame.attrs.get("currency")
    if currency and held_currency and held_currency != currency:
        # a cost trend in one currency under a tile in another would draw a jump that never happened
        raise UsageError(f"snapshots in {directory} give costs in {held_currency}, the plan in {currency}; "
                         f"write the snapshots again with the plan's currency, or use another --snapshots folder")
    held = sorted(str(p) for p in frame["plan"].dropna().unique())
    frame = frame[frame["plan"] == plan_name]
    if frame.empty:
        raise UsageError(f"snapshots in {directory} hold no rows for plan {plan_name!r} (they hold "
                         f"{', '.join(repr(p) for p in held) or 'no plan'}); give --name as given to "
                         f"`kpi --snapshot-dir`")
    # A page as of D shows the trend up to D: a later snapshot is not yet known on that date.
    frame = frame[frame["as_of"] <= pd.Timestamp(as_of)]
    if frame.empty:
        raise UsageError(f"every snapshot of plan {plan_name!r} in {directory} is dated after {as_of.isoformat()}, "
                         f"the report's as_of")
    week = frame["as_of"] - pd.to_timedelta(frame["as_of"].dt.day_of_week, unit="D")
    latest = frame.groupby(week)["as_of"].transform("max")
    keep = (frame["as_of"] == latest) & (week > week.max() - pd.Timedelta(weeks=TREND_WEEKS))
    kept: pd.DataFrame = frame.loc[keep]
    return kept


def trend_frame(snapshots: pd.DataFrame) -> pd.DataFrame:
    """Snapshot rows (one KPI column each) → the long format the report draws: plan, as_of (a date),
    scope, site_id, kpi, value; sorted by date, portfolio then sites, KPIs in spec order."""
    import pandas as pd

    from energyplan.facts.registry import KPIS as KPI_COLUMNS

    kpis = [c for c in KPI_COLUMNS if c in snapshots.columns]
    long = snapshots.melt(id_vars=["plan", "as_of", "scope", "site_id"], value_vars=kpis, var_name="kpi",
                          value_name="value")
    long["value"] = long["value"].astype("float64")
    long["kpi"] = pd.Categorical(long["kpi"], categories=kpis, ordered=True)
    long = long.assign(order=(long["scope"] != "portfolio"), site_key=long["site_id"].fillna(""))
    long = long.sort_values(["as_of", "order", "site_key", "kpi"], kind="stable")
    long["kpi"] = long["kpi"].astype(str)
    long["as_of"] = long["as_of"].dt.date
    return long.loc[:, list(TREND_COLUMNS)].reset_index(drop=True)


def check_heatmap(heatmap: Mapping[str, Any]) -> dict[str, Any]:
    """The day × hour carbon-free shares, checked: a site id, a year_start date and 365 days × 24 hours of
    shares in 0–1 (or null). Anything else is a UsageError, never a broken chart."""
    import numpy as np

    what = "the CFE heat map"
    if not isinstance(heatmap, Mapping) or not {"site_id", "year_start", "values"} <= set(heatmap):
        raise UsageError(f"{what} needs site_id, year_start and values")
    try:
        start = dt.date.fromisoformat(str(heatmap["year_start"]))
    except ValueError:
        raise UsageError(f"{what}: year_start {heatmap['year_start']!r} is not a YYYY-MM-DD date") from None
    values = heatmap["values"]
    try:
        # None becomes NaN (an hour without data); a ragged list or a word does not convert.
        grid = None if isinstance(values, (str, bytes, Mapping)) else np.array(values, dtype="float64")
    except (TypeError, ValueError):
        grid = None
    if grid is None or grid.shape != HEATMAP_SHAPE:
        days = len(values) if isinstance(values, (list, tuple)) else 0
        hours = sorted({len(d) for d in values if isinstance(d, (list, tuple))}) if days else []
        raise UsageError(f"{what} must hold {HEATMAP_SHAPE[0]} days × {HEATMAP_SHAPE[1]} hourly numbers; it holds "
                         f"{days} day(s)" + (f" of {'/'.join(map(str, hours))} value(s)" if hours else ""))
    known = grid[~np.isnan(grid)]
    if not (np.isfinite(known) & (known >= 0) & (known <= 1)).all():
        raise UsageError(f"{what}: every share must be a number between 0 and 1 (or null)")
    cells = grid.astype(object)
    cells[np.isnan(grid)] = None  # plain floats and None, as JSON would give them
    return {"site_id": str(heatmap["site_id"]), "year_start": start.isoformat(), "values": cells.tolist()}
