"""The public Python API: load, audit, validate, kpis and diff a plan; every CLI command is one call here.

Results carry pandas DataFrames and the same serialisations the CLI writes. Nothing here prints, exits,
changes the caller's process (garbage collector, signals) or runs git, unless a call asks for it
(`diff(..., git_ref=...)`, `AuditResult.to_sarif(uri_prefix=...)` takes a prefix the caller computed).

    >>> import energyplan
    >>> result = energyplan.audit("sample_data/northwind", as_of="2026-11-30")
    >>> result.findings.groupby("severity").size()
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from energyplan.config import Settings
from energyplan.errors import UsageError
from energyplan.model import AuditOutcome, Identity

if TYPE_CHECKING:
    import pandas as pd

    from energyplan.pipeline import Run
    from energyplan.plan_diff import PlanDiff
    from energyplan.render.base import RenderContext

PathLike = str | Path
ConfigLike = PathLike | Settings | None
DateLike = dt.date | str | None

__all__ = [
    "AdequacyResult",
    "AuditResult",
    "KpiResult",
    "OutlookResult",
    "Plan",
    "TrendResult",
    "adequacy",
    "audit",
    "diff",
    "kpis",
    "load",
    "outlook",
    "settings_for",
    "trend",
    "validate",
]

FINDING_FIELDS = ("rule", "name", "severity", "table", "record_id", "site_id", "file", "row", "line", "column",
                  "message", "waived", "baseline")


def _date(value: DateLike, what: str = "as_of") -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{what} {value!r} is not a date; write it as YYYY-MM-DD, e.g. 2026-11-30") from None


def plan_folder(plan: PathLike) -> Path:
    """The plan folder, checked: it must exist and be a folder (exit 2 otherwise)."""
    path = Path(plan)
    if not path.exists():
        raise UsageError(f"plan folder {path} does not exist")
    if not path.is_dir():
        raise UsageError(f"{path} is not a folder; give the folder that holds sites.csv, workloads.csv, ...")
    return path


def settings_for(
    plan: PathLike,
    config: ConfigLike = None,
    *,
    as_of: DateLike = None,
    select: Iterable[str] = (),
    ignore: Iterable[str] = (),
    fail_on: str | None = None,
) -> Settings:
    """The settings a plan runs with: `config` (a Settings, a TOML path, or None for the plan's own
    energyplan.toml / [tool.energyplan]) with the call's overrides on top."""
    from energyplan.config import load_settings

    base = config if isinstance(config, Settings) else load_settings(Path(plan), None if config is None
                                                                     else Path(config))
    return base.with_overrides(as_of=_date(as_of), select=list(select) or None, ignore=list(ignore) or None,
                               fail_on=fail_on)


def _findings_frame(outcome: AuditOutcome) -> pd.DataFrame:
    import pandas as pd

    records = [f.to_json() for f in outcome.findings]
    frame = pd.DataFrame.from_records(records, columns=list(FINDING_FIELDS))
    for column in ("row", "line"):
        frame[column] = frame[column].astype("Int64")
    for column in ("waived", "baseline"):
        frame[column] = frame[column].astype(bool)
    return frame


@dataclass(frozen=True)
class Plan:
    """A loaded, validated plan: the clean frames (one per table) and what validation found.

    `frames[table]` holds the rows that passed validation, typed as docs/architecture.md says;
    `findings` the plan-check findings (EP000-style: schema, references, dates, currencies).
    """

    root: Path
    settings: Settings
    frames: Mapping[str, pd.DataFrame]
    findings: pd.DataFrame
    loaded: frozenset[str]
    files: Mapping[str, str]
    rows_left_out: Mapping[str, int]
    outcome: AuditOutcome = field(repr=False)


class _Rendered:
    """Serialisations shared by every result that renders through the registry of formats."""

    command: str = ""

    def _payload(self) -> Any:
        raise NotImplementedError

    def _context(self, **options: Any) -> RenderContext:
        from energyplan.render.base import RenderContext

        return RenderContext(command=self.command, **options)

    def render(self, fmt: str, *, width: int = 100, color: bool = False, quiet: bool = False,
               uri_prefix: str = "", config_uri: str | None = None) -> str | bytes:
        """The output `energyplan <command> --format fmt` writes (text, or bytes for Parquet)."""
        from energyplan.render import render

        return render(self.command, fmt, self._payload(),
                      self._context(width=width, color=color, quiet=quiet, uri_prefix=uri_prefix,
                                    config_uri=config_uri))

    def to_json(self) -> str:
        return str(self.render("json"))


@dataclass(frozen=True)
class AuditResult(_Rendered):
    """What `audit` (or `validate`) found, with the KPIs and the facts frames they came from."""

    outcome: AuditOutcome
    settings: Settings
    run: Run = field(repr=False)
    identities: list[Identity] | None = field(default=None, repr=False)
    command: str = "audit"
    baseline_used: bool = False

    def _payload(self) -> AuditOutcome:
        return self.outcome

    def _context(self, **options: Any) -> RenderContext:
        return super()._context(baseline_used=self.baseline_used, **options)

    @property
    def as_of(self) -> dt.date:
        return self.outcome.as_of

    @property
    def exit_code(self) -> int:
        """0 when nothing is at or above fail_on (waived and baseline findings aside), else 1."""
        return self.outcome.exit_code

    @property
    def findings(self) -> pd.DataFrame:
        """One row per listed finding: rule, name, severity, table, record_id, site_id, file, row, line,
        column, message, waived, baseline (outputs.md order)."""
        return _findings_frame(self.outcome)

    @property
    def summary(self) -> dict[str, Any]:
        o = self.outcome
        return {**o.counts, "waived": o.waived, "baseline": o.baseline, "stale_waivers": o.stale_waivers,
                "failing": o.failing, "rows_left_out": dict(o.rows_left_out)}

    @property
    def kpis(self) -> pd.DataFrame | None:
        """Site rows then the portfolio row: scope, site_id, every KPI of kpis.md (None for validate)."""
        return None if self.run.facts is None else self.run.facts.kpi_frame()

    @property
    def facts(self) -> Any:
        """The day's facts frames (`.sites`, `.workloads`, `.commitments`, `.contracts`), or None."""
        return self.run.facts

    @property
    def outlook(self) -> Any:
        """The month tables (`.site_months`, `.portfolio_months`) when a selected rule needed them, else None."""
        return self.run.outlook

    @property
    def adequacy(self) -> Any:
        """The replay year (`.site_year`, `.portfolio_year`, `.events`) when a selected rule needed it, else None."""
        return self.run.adequacy

    def to_sarif(self, *, uri_prefix: str = "") -> str:
        return str(self.render("sarif", uri_prefix=uri_prefix))

    def to_junit(self) -> str:
        return str(self.render("junit"))

    def to_markdown(self) -> str:
        return str(self.render("markdown"))

    def to_text(self, *, width: int = 100) -> str:
        return str(self.render("text", width=width))


@dataclass(frozen=True)
class KpiResult(_Rendered):
    """The KPIs of a plan at `as_of`, per site and for the portfolio."""

    run: Run = field(repr=False)
    sites: tuple[str, ...] = ()  # only these sites in views (the portfolio row stays); () = all
    command: str = "kpi"

    @property
    def as_of(self) -> dt.date:
        return self.run.as_of

    @property
    def integrity_errors(self) -> dict[str, int]:
        """Error-level data-integrity findings per rule: KPIs from such a plan are not trustworthy."""
        return dict(self.run.integrity_errors)

    @property
    def trustworthy(self) -> bool:
        return not self.run.integrity_errors

    @property
    def kpis(self) -> pd.DataFrame:
        frame: pd.DataFrame = self.run.facts.kpi_frame()
        if not self.sites:
            return frame
        keep = (frame["scope"] == "portfolio") | frame["site_id"].isin(list(self.sites))
        return frame.loc[keep].reset_index(drop=True)

    def records(self) -> dict[str, Any]:
        records: dict[str, Any] = self.run.facts.kpi_records()
        if self.sites:
            records = {"sites": [s for s in records["sites"] if s["site_id"] in self.sites],
                       "portfolio": records["portfolio"]}
        return records

    def provenance(self, name: str | None = None) -> Any:
        """Where these numbers came from (plan digest, tool version, git commit): snapshot metadata.

        Reads the plan's files again for the digest and asks git for the commit.
        """
        from energyplan import __version__
        from energyplan.provenance import git_commit, plan_digest
        from energyplan.render.snapshot import Provenance

        plan = self.run.plan
        return Provenance(as_of=self.as_of, plan=name or Path(plan.root).resolve().name,
                          plan_digest=plan_digest(plan.input_files, plan.root, self.run.settings.source),
                          tool_version=__version__, git_commit=git_commit(Path(plan.root)),
                          currency=self.run.settings.currency)

    def _payload(self) -> KpiResult:
        return self

    def to_csv(self) -> str:
        return str(self.render("csv"))

    def to_parquet(self) -> bytes:
        data = self.render("parquet")
        assert isinstance(data, bytes)
        return data


@dataclass(frozen=True)
class OutlookResult(_Rendered):
    """The plan month by month over its horizon (spec/outlook.md): `site_months` and `portfolio_months`."""

    run: Run = field(repr=False)
    sites: tuple[str, ...] = ()  # only these sites in views and flat outputs; () = all
    command: str = "outlook"

    @property
    def as_of(self) -> dt.date:
        return self.run.as_of

    @property
    def months(self) -> int:
        return int(self.run.outlook.options.months)

    @property
    def integrity_errors(self) -> dict[str, int]:
        return dict(self.run.integrity_errors)

    @property
    def trustworthy(self) -> bool:
        return not self.run.integrity_errors

    @property
    def site_months(self) -> pd.DataFrame:
        frame: pd.DataFrame = self.run.outlook.site_months
        return frame if not self.sites else frame.loc[frame["site_id"].isin(list(self.sites))].reset_index(drop=True)

    @property
    def portfolio_months(self) -> pd.DataFrame:
        frame: pd.DataFrame = self.run.outlook.portfolio_months
        return frame

    def _payload(self) -> OutlookResult:
        return self

    def provenance(self, name: str | None = None) -> Any:
        return KpiResult(run=self.run).provenance(name)


@dataclass(frozen=True)
class AdequacyResult(_Rendered):
    """Last year's hours replayed against the plan (spec/adequacy.md): `site_year`, `portfolio_year`,
    the grid events behind unserved energy, and the hourly series on demand."""

    run: Run = field(repr=False)
    sites: tuple[str, ...] = ()
    command: str = "adequacy"

    @property
    def as_of(self) -> dt.date:
        return self.run.as_of

    @property
    def integrity_errors(self) -> dict[str, int]:
        return dict(self.run.integrity_errors)

    @property
    def trustworthy(self) -> bool:
        return not self.run.integrity_errors

    @property
    def site_year(self) -> pd.DataFrame:
        frame: pd.DataFrame = self.run.adequacy.site_year
        return frame if not self.sites else frame.loc[frame["site_id"].isin(list(self.sites))].reset_index(drop=True)

    @property
    def portfolio_year(self) -> dict[str, Any]:
        return dict(self.run.adequacy.portfolio_year)

    @property
    def events(self) -> pd.DataFrame:
        frame: pd.DataFrame = self.run.adequacy.events
        return frame if not self.sites else frame.loc[frame["site_id"].isin(list(self.sites))].reset_index(drop=True)

    def hourly(self) -> pd.DataFrame:
        """The hourly series (outputs.md `--hourly` columns) of the chosen sites (all when none chosen)."""
        frame: pd.DataFrame = self.run.adequacy.hourly_frame(list(self.sites) or None)
        return frame

    def _payload(self) -> AdequacyResult:
        return self

    def provenance(self, name: str | None = None) -> Any:
        return KpiResult(run=self.run).provenance(name)


def load(plan: PathLike, *, config: ConfigLike = None, as_of: DateLike = None) -> Plan:
    """Read and validate a plan folder: clean frames plus the plan checks' findings."""
    from energyplan.pipeline import run

    root = plan_folder(plan)
    settings = settings_for(root, config, as_of=as_of)
    done = run(root, settings, mode="validate")
    assert done.outcome is not None
    return Plan(root=root, settings=settings, frames=dict(done.plan.frames), findings=_findings_frame(done.outcome),
                loaded=frozenset(done.plan.loaded), files=dict(done.plan.files),
                rows_left_out=dict(done.plan.rows_left_out), outcome=done.outcome)


def audit(
    plan: PathLike,
    *,
    config: ConfigLike = None,
    as_of: DateLike = None,
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
    fail_on: str | None = None,
    baseline: Iterable[Identity] | PathLike | None = None,
    max_findings: int = 1000,
    identities: bool = False,
    months: int | None = None,
    progress: Any = None,
) -> AuditResult:
    """Validate a plan, run the selected rules and compute the KPIs.

    `baseline` is a baseline file's path or identities (rule, table, record_id, column): matching
    findings are reported but do not fail. `identities=True` keeps every finding's identity (for
    writing a baseline).
    """
    return _audit("audit", plan, config=config, as_of=as_of, select=select, ignore=ignore, fail_on=fail_on,
                  baseline=baseline, max_findings=max_findings, identities=identities, progress=progress,
                  months=months)


def validate(plan: PathLike, *, config: ConfigLike = None, as_of: DateLike = None, fail_on: str | None = None,
             max_findings: int = 1000, progress: Any = None) -> AuditResult:
    """Only the plan checks (schema, references, dates, currencies): no rules, no KPIs."""
    return _audit("validate", plan, config=config, as_of=as_of, select=(), ignore=(), fail_on=fail_on,
                  baseline=None, max_findings=max_findings, identities=False, progress=progress)


def _audit(command: str, plan: PathLike, *, config: ConfigLike, as_of: DateLike, select: Sequence[str],
           ignore: Sequence[str], fail_on: str | None, baseline: Iterable[Identity] | PathLike | None,
           max_findings: int, identities: bool, progress: Any, months: int | None = None) -> AuditResult:
    from energyplan.pipeline import run

    root = plan_folder(plan)
    settings = settings_for(root, config, as_of=as_of, select=select, ignore=ignore, fail_on=fail_on)
    known: set[Identity] | None
    if baseline is None:
        known = None
    elif isinstance(baseline, (str, Path)):
        from energyplan.baseline import read_baseline

        known = read_baseline(baseline)
    else:
        known = set(baseline)
    done = run(root, settings, mode=command, baseline=known, max_findings=max_findings,
               want_identities=identities, progress=progress, months=_months(months))
    assert done.outcome is not None
    return AuditResult(outcome=done.outcome, settings=settings, run=done, identities=done.identities,
                       command=command, baseline_used=known is not None)


def _with_horizon(kpis: dict[str, Any] | None, done: Run, months: int) -> dict[str, Any] | None:
    """The day's KPI records with the outlook's horizon KPIs merged in per site and for the portfolio
    (the outlook is computed here when no selected rule needed it)."""
    if kpis is None:
        return None
    from energyplan.pipeline import build_outlook_for

    outlook = done.outlook or build_outlook_for(done.plan, done.settings, done.as_of, months)
    horizon = outlook.horizon_records()
    by_site = {s["site_id"]: s for s in horizon["sites"]}
    return {"sites": [{**s, **by_site.get(s["site_id"], {})} for s in kpis["sites"]],
            "portfolio": {**kpis["portfolio"], **horizon["portfolio"]}}


def _months(months: int | None) -> int | None:
    if months is not None and not 1 <= months <= 240:
        raise UsageError(f"months must be between 1 and 240, not {months}")
    return months


def _check_sites(sites: Sequence[str], known: Iterable[str]) -> None:
    from energyplan.suggest import did_you_mean

    names = [str(s) for s in known]
    for site in sites:
        if site not in names:
            raise UsageError(f"site {site!r}: no such site in the plan{did_you_mean(site, names, cutoff=0.5)}")


def outlook(plan: PathLike, *, config: ConfigLike = None, as_of: DateLike = None, months: int | None = None,
            sites: Sequence[str] = (), progress: Any = None) -> OutlookResult:
    """The plan month by month from `as_of` over `months` (default `[outlook] months`, else 36)."""
    from energyplan.pipeline import run

    root = plan_folder(plan)
    settings = settings_for(root, config, as_of=as_of)
    done = run(root, settings, mode="outlook", max_findings=0, progress=progress, months=_months(months))
    _check_sites(sites, done.facts.sites["site_id"].tolist())
    return OutlookResult(run=done, sites=tuple(sites))


def adequacy(plan: PathLike, *, config: ConfigLike = None, as_of: DateLike = None, sites: Sequence[str] = (),
             progress: Any = None) -> AdequacyResult:
    """Replay the 365 days before `as_of` hour by hour against the plan: would the sensitive load have been
    carried through last year's grid events, and the 24/7 carbon-free score."""
    from energyplan.pipeline import run

    root = plan_folder(plan)
    settings = settings_for(root, config, as_of=as_of)
    done = run(root, settings, mode="adequacy", max_findings=0, progress=progress)
    _check_sites(sites, done.facts.sites["site_id"].tolist())
    return AdequacyResult(run=done, sites=tuple(sites))


def kpis(plan: PathLike, *, config: ConfigLike = None, as_of: DateLike = None, sites: Sequence[str] = (),
         progress: Any = None) -> KpiResult:
    """The KPIs of kpis.md per site and for the portfolio; check `.trustworthy` before using them."""
    from energyplan.pipeline import run

    root = plan_folder(plan)
    settings = settings_for(root, config, as_of=as_of)
    done = run(root, settings, mode="kpis", max_findings=0, progress=progress)
    _check_sites(sites, done.facts.sites["site_id"].tolist())
    return KpiResult(run=done, sites=tuple(sites))


def diff(
    base: PathLike | None,
    head: PathLike,
    *,
    git_ref: str | None = None,
    fail_if: Sequence[str] = (),
    config: ConfigLike = None,
    as_of: DateLike = None,
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
    fail_on: str | None = None,
    max_findings: int = 1000,
    months: int | None = None,
    new_plan: bool = True,
) -> PlanDiff:
    """Compare two versions of a plan, both judged at HEAD's as_of: new, fixed and unchanged findings,
    KPI changes (the day's and the outlook's horizon KPIs: min_headroom_mw_horizon, shortfall_days_horizon),
    and the `fail_if` thresholds (`KPI[@SITE]:±X[%]`). Both sides are judged at HEAD's as_of and months.

    With `git_ref`, BASE is `head` as committed at that ref (read with `git archive`, no checkout); a plan
    folder that did not exist at the ref is compared with an empty BASE (every finding new), or with
    `new_plan=False` is a UsageError.
    """
    import tempfile

    from energyplan.gitref import plan_at_ref
    from energyplan.plan_diff import PlanDiff, check_thresholds, kpi_changes, parse_threshold

    thresholds = [parse_threshold(spec) for spec in fail_if]  # fail fast, before any audit runs
    head_dir = plan_folder(head)
    head_settings = settings_for(head_dir, config, as_of=as_of, select=select, ignore=ignore, fail_on=fail_on)
    # Both versions at one date and horizon: a KPI must not move just because BASE's config pins another.
    when = head_settings.resolved_as_of()
    horizon = _months(months) or head_settings.outlook_months
    with tempfile.TemporaryDirectory(prefix="energyplan-diff-") as tmp:
        base_dir: Path | None
        if git_ref is not None:
            base_dir, base_label = plan_at_ref(git_ref, head_dir, Path(tmp))
        elif base is None:
            raise UsageError("give two plan folders, BASE and HEAD, or a git ref")
        else:
            base_dir, base_label = plan_folder(base), str(base)
        if base_dir is None and not new_plan:
            raise UsageError(f"plan folder {base_label.rpartition(':')[2]} does not exist at {git_ref}")
        if base_dir is None:
            # the plan folder is new in HEAD: BASE is an empty plan, every finding is new
            base_outcome = AuditOutcome(plan=base_label, as_of=when, currency=head_settings.currency,
                                        fail_on=head_settings.rules.fail_on)
            base_kpis = None
            known: set[Identity] = set()
        else:
            base_settings = settings_for(base_dir, config, as_of=when, select=select, ignore=ignore,
                                         fail_on=head_settings.rules.fail_on)
            base_result = _audit("audit", base_dir, config=base_settings, as_of=when, select=(), ignore=(),
                                 fail_on=None, baseline=None, max_findings=max_findings, identities=True,
                                 progress=None, months=horizon)
            base_outcome = base_result.outcome
            base_kpis = _with_horizon(base_outcome.kpis, base_result.run, horizon)
            known = set(base_result.identities or [])
        # BASE's findings as HEAD's baseline: the collector marks unchanged ones, lists BASE's fixed ones
        # and counts only new findings towards fail-on, exactly and vectorized.
        head_result = _audit("audit", head_dir, config=head_settings, as_of=when, select=(), ignore=(),
                             fail_on=None, baseline=known, max_findings=max_findings, identities=False,
                             progress=None, months=horizon)
    changes = kpi_changes(base_kpis, _with_horizon(head_result.outcome.kpis, head_result.run, horizon))
    return PlanDiff(base_outcome, head_result.outcome, base_label, str(head), known, changes,
                    check_thresholds(thresholds, changes))


@dataclass(frozen=True)
class TrendResult(_Rendered):
    """Each KPI's weekly trajectory per site and portfolio, from a KPI snapshot dataset."""

    series: list[Any]
    dates: list[dt.date]
    weeks: int
    currency: str | None
    frame: pd.DataFrame = field(repr=False)
    command: str = "trend"

    def _payload(self) -> TrendResult:
        return self


def trend(snapshots: PathLike, *, plans: Sequence[str] = (), kpis: Sequence[str] = (), sites: Sequence[str] = (),
          weeks: int = 13) -> TrendResult:
    """Read a snapshot dataset (`kpi --snapshot-dir`) and build each KPI's series over the last `weeks`."""
    from energyplan.trends import build_series, read_snapshots

    frame = read_snapshots(Path(snapshots))
    series, dates = build_series(frame, plans=list(plans) or None, kpis=list(kpis) or None,
                                 sites=list(sites) or None, weeks=weeks)
    return TrendResult(series=series, dates=dates, weeks=weeks, currency=frame.attrs.get("currency"), frame=frame)
