"""Plain data every stage passes on: severities, findings, rule specs, audit results (no pandas)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

TABLES: tuple[str, ...] = ("sites", "workloads", "commitments", "contracts", "incidents", "profiles")
REQUIRED_TABLES: tuple[str, ...] = ("sites", "workloads", "commitments", "contracts")
KEY_COLUMNS: dict[str, str] = {
    "sites": "site_id",
    "workloads": "workload_id",
    "commitments": "commitment_id",
    "contracts": "contract_id",
    "incidents": "incident_id",
    "profiles": "profile_id",  # not unique: a profile's rows are keyed by (profile_id, timestamp)
}
# The columns of every finding batch frame (see FindingBatch), in this order. `sheet` and `cell` locate a
# finding on a workbook plan (null elsewhere; the collector fills them from the row and column).
FINDING_COLUMNS: tuple[str, ...] = ("table", "record_id", "site_id", "file", "row", "line", "column", "sheet",
                                    "cell")

# A finding's identity (rule, table, record_id, column): its baseline key and SARIF fingerprint source.
Identity = tuple[str, str | None, str | None, str | None]


class Severity(StrEnum):
    """A finding's severity; `rank` orders them worst first."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        """0 for error, 1 for warning, 2 for info (sort key: worst first)."""
        return _SEVERITY_RANK[self.value]

    @property
    def sarif_level(self) -> str:
        return {"error": "error", "warning": "warning", "info": "note"}[self.value]


_SEVERITY_RANK = {"error": 0, "warning": 1, "info": 2}

# `fail_on` values: a finding fails the run when its severity rank <= FAIL_ON_RANK[fail_on].
FAIL_ON_CHOICES: tuple[str, ...] = ("error", "warning", "info", "never")
FAIL_ON_RANK: dict[str, int] = {"error": 0, "warning": 1, "info": 2, "never": -1}


def fails(severity: Severity | str, fail_on: str) -> bool:
    """Whether a (non-waived, non-baseline) finding of `severity` fails a run with `fail_on`."""
    return Severity(severity).rank <= FAIL_ON_RANK[fail_on]


@dataclass(frozen=True)
class Waiver:
    """An accepted exception from `[[waivers]]` in energyplan.toml."""

    rule: str
    record: str
    reason: str
    owner: str
    expires: dt.date

    def to_json(self) -> dict[str, str]:
        return {"reason": self.reason, "owner": self.owner, "expires": self.expires.isoformat()}


@dataclass(frozen=True)
class Finding:
    """One reported problem, pointing at a file, row, line and column of the plan.

    `row` is the 1-based data record number (first data row = 1); `line` the physical CSV line the
    record starts on (header = line 1), None for Parquet, workbook and whole-file findings. On a workbook
    plan `sheet` names the table's sheet and `cell` the A1 reference in it (`F12`; the header row `1:1`
    for a column the sheet lacks); both are None for every other finding.
    """

    rule: str
    name: str
    severity: Severity
    table: str | None
    record_id: str | None
    site_id: str | None
    file: str | None
    row: int | None
    line: int | None
    column: str | None
    message: str
    waived: bool = False
    waiver: Waiver | None = None
    baseline: bool = False
    sheet: str | None = None
    cell: str | None = None

    @property
    def identity(self) -> Identity:
        """Baseline key and SARIF fingerprint source: (rule, table, record_id, column)."""
        return (self.rule, self.table, self.record_id, self.column)

    @property
    def sort_key(self) -> tuple[Any, ...]:
        """outputs.md order: file, line (nulls last), row, rule, column, record_id; on a workbook the
        sheet follows the file (as file names order a CSV plan's tables)."""
        return (
            self.file is None,
            self.file or "",
            self.sheet or "",
            self.line is None,
            self.line or 0,
            self.row is None,
            self.row or 0,
            self.rule,
            self.column or "",
            self.record_id or "",
        )

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "rule": self.rule,
            "name": self.name,
            "severity": self.severity.value,
            "table": self.table,
            "record_id": self.record_id,
            "site_id": self.site_id,
            "file": self.file,
            "row": self.row,
            "line": self.line,
            "column": self.column,
        }
        # Only on workbook findings: a CSV or Parquet plan's JSON stays as it always was.
        if self.sheet is not None:
            out["sheet"] = self.sheet
        if self.cell is not None:
            out["cell"] = self.cell
        out |= {
            "message": self.message,
            "waived": self.waived,
            "baseline": self.baseline,
        }
        if self.waiver is not None and self.waived:
            out["waiver"] = self.waiver.to_json()
        return out


@dataclass(frozen=True)
class RuleParam:
    name: str
    default: float | int | str | bool
    value: float | int | str | bool  # the value in force after configuration


@dataclass(frozen=True)
class RuleSpec:
    """A rule's metadata, as read from its TOML file (no compiled predicate here)."""

    code: str
    name: str
    severity: Severity  # the severity in force (after `[rules] severity` overrides)
    default_severity: Severity
    table: str | None  # facts table it reads; None for built-in rules without one (EP004)
    summary: str
    rationale: str
    remediation: str
    message: str
    when: str | None = None
    column: str | None = None
    builtin: str | None = None
    needs: tuple[str, ...] = ()
    params: tuple[RuleParam, ...] = ()
    # facts options this rule's params set: (option name, param name), e.g. the growth horizon
    facts_options: tuple[tuple[str, str], ...] = ()
    # a plan-wide finding's location: (dotted config key, `when` on the matching rows or None), in order
    locate: tuple[tuple[str, str | None], ...] = ()
    source: str = ""  # the file it came from, for error messages


@dataclass
class AuditOutcome:
    """Everything a renderer needs; produced by the pipeline, never mutated by renderers.

    `findings` holds the *listed* findings (sorted, capped per rule by --max-findings); `counts`,
    `waived`, `baseline` and `stale_waivers` are exact counts over all findings.
    `kpis` is JSON-ready: {"sites": [ {column: value} ... ], "portfolio": {column: value}} or None.
    """

    plan: str
    as_of: dt.date
    currency: str
    fail_on: str = "error"
    findings: list[Finding] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=lambda: {"error": 0, "warning": 0, "info": 0})
    waived: int = 0
    baseline: int = 0
    stale_waivers: int = 0
    failing: int = 0  # non-waived, non-baseline findings at or above fail_on (exact)
    rows_left_out: dict[str, int] = field(default_factory=dict)
    skipped_rules: list[dict[str, str]] = field(default_factory=list)
    fixed: list[dict[str, Any]] = field(default_factory=list)
    truncated: dict[str, int] = field(default_factory=dict)
    kpis: dict[str, Any] | None = None
    # outlook.md's JSON object when the audit computed it; its rows are FrameRecords (sequences of dicts)
    outlook: dict[str, Any] | None = None
    adequacy: dict[str, Any] | None = None  # adequacy.md's JSON object, when the audit computed it
    rules: list[RuleSpec] = field(default_factory=list)  # every rule that ran or was skipped
    repo_relative_prefix: str = ""  # plan folder relative to the git root (or cwd), for SARIF/github

    @property
    def exit_code(self) -> int:
        return 1 if self.failing else 0


@dataclass
class FindingBatch:
    """Findings of one rule as a frame (one row per finding); see docs/architecture.md.

    `frame` (a pandas DataFrame, typed Any so this module stays pandas-free) has the columns
    table, record_id, site_id, file, row, line, column, and either a `message` column or
    `messages`, a callable rendering messages for a subset of the frame's rows.
    """

    rule: str
    frame: Any
    messages: Callable[[Any], list[str]] | None = None
