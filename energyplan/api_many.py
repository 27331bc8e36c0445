"""Several plans in one run: `audit a b c` and `audit plans/` (outputs.md "Several plans in one run").

    >>> from energyplan.api_many import audit_many
    >>> run = audit_many(["plans/"], as_of="2026-11-30")
    >>> run.exit_code, [r.outcome.plan for r in run.results]
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from energyplan.errors import UsageError
from energyplan.model import REQUIRED_TABLES, Identity

if TYPE_CHECKING:
    from energyplan.api import AuditResult, ConfigLike, DateLike, PathLike

# The files that make a folder a plan: any required table (a partial plan is still a plan: its missing
# tables are findings), or its own settings.
_TABLE_SUFFIXES = (".csv", ".parquet")
_CONFIG = "energyplan.toml"


def is_plan(folder: Path) -> bool:
    """A folder holding a required table (CSV or Parquet, any case) or an energyplan.toml."""
    try:
        names = [p.name.lower() for p in folder.iterdir() if p.is_file()]
    except OSError:
        return False
    tables = {f"{t}{s}" for t in REQUIRED_TABLES for s in _TABLE_SUFFIXES}
    return _CONFIG in names or any(name in tables for name in names)


def _plans_under(folder: Path) -> list[Path]:
    """Every plan folder under `folder` (not descending into a plan, nor into hidden folders), sorted."""
    found: list[Path] = []
    try:
        children = sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
    except OSError:
        return found
    for child in children:
        if is_plan(child):
            found.append(child)
        else:
            found.extend(_plans_under(child))
    return found


def find_plans(paths: Sequence[PathLike]) -> tuple[list[Path], bool]:
    """The plan folders the command line names, and whether it names several (the multi-plan shape).

    A path that is a plan is audited as one; a folder that is not is searched for plans below it; a
    folder with neither is audited as a plan, so its missing tables are reported as findings, as for a
    single plan. The same folder named twice is audited once.
    """
    from energyplan.api import plan_folder

    if not paths:
        raise UsageError("give at least one plan folder")
    plans: list[Path] = []
    several = len(paths) > 1
    for raw in paths:
        folder = plan_folder(raw)
        below = [] if is_plan(folder) else _plans_under(folder)
        several = several or bool(below)
        plans.extend(below or [folder])
    seen: set[Path] = set()
    out = []
    for plan in plans:
        key = plan.resolve()
        if key not in seen:
            seen.add(key)
            out.append(plan)
    return out, several


@dataclass(frozen=True)
class ManyAuditResult:
    """The audits of several plans, each on its own settings; the run exits with the worst plan's code."""

    results: list[AuditResult]
    command: str = "audit"
    plans: list[Path] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return max((r.exit_code for r in self.results), default=0)

    def payload(self, contexts: Sequence[dict[str, Any]] | None = None) -> Any:
        """What the `audit-many` renderers take; `contexts` gives each plan's paths (uri_prefix,
        config_uri, path_prefix), as the CLI computes them."""
        from energyplan.render.many import PlanEntry, PlanSet

        extra = contexts or [{} for _ in self.results]
        return PlanSet([PlanEntry(r.outcome, baseline_used=r.baseline_used,
                                  as_of_today=r.settings.as_of is None, **more)
                        for r, more in zip(self.results, extra, strict=True)])

    def render(self, fmt: str, *, width: int = 100, color: bool = False, quiet: bool = False) -> str | bytes:
        """The output `energyplan audit PLAN PLAN … --format fmt` writes."""
        from energyplan.render import render
        from energyplan.render.base import RenderContext

        return render("audit-many", fmt, self.payload(),
                      RenderContext(command=self.command, width=width, color=color, quiet=quiet))


def audit_many(
    plans: Sequence[PathLike],
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
    command: str = "audit",
) -> ManyAuditResult:
    """`energyplan.audit` over every plan `plans` names (folders of plans are searched, see
    `find_plans`), each with its own energyplan.toml unless `config` is given. A baseline belongs to
    one plan: with several plans it is a usage error (exit 2)."""
    from energyplan import api

    folders, _ = find_plans(plans)
    if baseline is not None and len(folders) > 1:
        raise UsageError(f"a baseline belongs to one plan, and {len(folders)} plans were given: audit them "
                         "one at a time with --baseline / --write-baseline")
    results = []
    for folder in folders:
        if command == "validate":
            results.append(api.validate(folder, config=config, as_of=as_of, fail_on=fail_on,
                                        max_findings=max_findings, progress=progress))
        else:
            results.append(api.audit(folder, config=config, as_of=as_of, select=select, ignore=ignore,
                                     fail_on=fail_on, baseline=baseline, max_findings=max_findings,
                                     identities=identities, months=months, progress=progress))
    return ManyAuditResult(results=results, command=command, plans=folders)
