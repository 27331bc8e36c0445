"""The rule-test harness: a plan written with tests.helpers.write_plan, audited through the one pipeline
every command runs; each audit records the codes it produced for the catalog meta-test."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

from energyplan.config import load_settings
from energyplan.model import AuditOutcome
from energyplan.pipeline import run
from tests.helpers import write_plan
from tests.support.record import record

AS_OF = dt.date(2026, 11, 30)


def audit(tmp_path: Path, *, as_of: dt.date = AS_OF, toml: str | None = None, allow_integrity: bool = False,
          months: int | None = None, select: tuple[str, ...] = (), **tables: Any) -> AuditOutcome:
    """Audit a plan written from `tables` at `as_of` (`months`: the outlook window, default the config's;
    `select`: as --select, default every rule).

    The plan must pass validation (EP000–EP003, checked whatever `select` says) unless `allow_integrity`:
    a rule test on a broken plan would prove nothing.
    """
    plan_dir = write_plan(tmp_path / "plan", toml=toml, **tables)
    settings = load_settings(plan_dir).with_overrides(as_of=as_of, select=list(select))
    done = run(plan_dir, settings, mode="audit", months=months)
    integrity = [b.rule for b in done.plan.batches if len(b.frame)]
    assert allow_integrity or not integrity, f"the test plan itself is broken: {integrity}"
    assert done.outcome is not None
    return recorded(done.outcome)


def auditor(*select: str) -> Callable[..., AuditOutcome]:
    """`audit` with only `select` run (codes or prefixes): a family's tests assert on that family alone,
    and skipping the other rules (and the month and hour walks they need) makes them several times faster."""
    return functools.partial(audit, select=select)


def recorded(result: AuditOutcome) -> AuditOutcome:
    """Record the codes of an outcome for the meta-test (audit does; readers do for shared outcomes)."""
    record(f.rule for f in result.findings)
    return result


def fired(result: AuditOutcome, code: str) -> list[str | None]:
    """Record ids the rule reported, in listing order."""
    return [f.record_id for f in recorded(result).findings if f.rule == code]


def message(result: AuditOutcome, code: str) -> str:
    """The message of the one finding of `code`; fails when there are none or several."""
    (only,) = [f.message for f in recorded(result).findings if f.rule == code]
    return only
