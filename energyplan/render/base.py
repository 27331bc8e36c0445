"""The formatter interface, its RenderContext, and wording every human format shares (no pandas)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Protocol

from energyplan import __version__
from energyplan.facts.registry import KPIS
from energyplan.model import AuditOutcome, Finding, RuleSpec, Severity

TOOL_NAME = "energyplan"
# Where SARIF consumers send users for the tool; the package's registry page is the one stable address.
INFORMATION_URI = "https://pypi.org/project/energyplan/"
SEVERITIES: tuple[str, ...] = ("error", "warning", "info")


@dataclass(frozen=True)
class RenderContext:
    """How to render, beyond the result itself.

    `uri_prefix` is the plan folder relative to the git root (or cwd), "" or ending in "/": SARIF and
    github annotations prepend it to a finding's file so they attach to the pull request's diff.
    `config_uri` is where a finding without a file (EP004, a stale waiver) points in SARIF and github
    output, because GitHub rejects a SARIF result without a location; it defaults to the plan's
    energyplan.toml. `baseline_used` makes SARIF carry `baselineState` even when no finding matched.
    """

    command: str = "audit"  # "audit" | "validate"
    quiet: bool = False
    color: bool = False
    width: int = 100
    tool_version: str = __version__
    uri_prefix: str = ""
    config_uri: str | None = None
    baseline_used: bool = False
    # Human views (rich, text) print file:line from the current directory so a terminal or editor opens
    # it: the plan folder relative to the cwd (or absolute), "" or ending in "/". Set by the CLI.
    path_prefix: str = ""
    # as_of came from no setting (Settings.as_of is None): the human report says the date is today's.
    as_of_today: bool = False

    @property
    def config_location(self) -> str:
        return self.config_uri or f"{self.uri_prefix}energyplan.toml"


class Formatter(Protocol):
    """What every module of `energyplan.render.FORMATS` provides."""

    def render(self, result: AuditOutcome, ctx: RenderContext) -> str: ...


# ---- shared wording --------------------------------------------------------------------------


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else (many or word + 's')}"


def severity_counts(result: AuditOutcome) -> str:
    """'3 errors, 7 warnings, 1 info' over findings neither waived nor in the baseline."""
    c = result.counts
    return ", ".join(
        (plural(c.get("error", 0), "error"), plural(c.get("warning", 0), "warning"), f"{c.get('info', 0):,} info")
    )


def verdict(result: AuditOutcome, command: str = "audit") -> str:
    """The one summary line every human format ends or starts with."""
    head = "FAIL" if result.failing else "PASS"
    parts = [severity_counts(result)]
    if result.waived:
        parts.append(f"{result.waived:,} waived")
    if result.baseline:
        parts.append(f"{result.baseline:,} in baseline")
    left_out = sum(result.rows_left_out.values())
    if left_out:
        parts.append(f"{plural(left_out, 'row')} left out")
    if result.skipped_rules:
        parts.append(f"{plural(len(result.skipped_rules), 'rule')} skipped")
    hidden = sum(result.truncated.values())
    if hidden:
        parts.append(f"{hidden:,} not listed (--max-findings)")
    gate = (
        "fail-on never"
        if result.fail_on == "never"
        else f"{plural(result.failing, 'finding')} at or above {result.fail_on}"
    )
    return f"energyplan {command}: {head} ({gate}): {'; '.join(parts)} — {result.plan} as of {result.as_of}"


def cell_ref(f: Finding) -> str | None:
    """A workbook finding's cell as a spreadsheet user names it (`workloads!F12`), else None."""
    if f.sheet is None:
        return None
    from energyplan.plan.xlsx import sheet_ref

    return f"{sheet_ref(f.sheet)}!{f.cell}" if f.cell else sheet_ref(f.sheet)


def location(f: Finding, prefix: str = "") -> str:
    """`file:line`, `file:sheet!cell` on a workbook, `file` (row in words when there is no line), or ''
    for findings at no file; `prefix` (the plan folder as the reader reaches it, "" or ending in "/") goes
    in front of the file."""
    if f.file is None:
        return ""
    ref = cell_ref(f)
    if ref is not None:
        return f"{prefix}{f.file}:{ref}"
    if f.line is not None:
        return f"{prefix}{f.file}:{f.line}"
    if f.row is not None:
        return f"{prefix}{f.file} row {f.row}"
    return f"{prefix}{f.file}"


def word_list(items: list[str] | tuple[str, ...], conjunction: str = "and") -> str:
    """'sites', 'sites and workloads', 'sites, workloads and contracts': lists read as a sentence."""
    items = [str(i) for i in items]
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"


def as_of_words(result: AuditOutcome, ctx: RenderContext) -> str:
    """'as of 2026-11-30', and when no setting pinned the date, that it is today's (results move with
    the calendar otherwise, and the reader must know)."""
    text = f"as of {result.as_of.isoformat()}"
    if ctx.as_of_today:
        text += " (today: set as_of in energyplan.toml to pin it)"
    return text


def status_note(f: Finding) -> str:
    """'waived until … (owner): reason', 'in baseline', or ''."""
    if f.waived:
        if f.waiver is not None:
            w = f.waiver
            return f"waived until {w.expires.isoformat()} by {w.owner}: {w.reason}"
        return "waived"
    if f.baseline:
        return "in baseline"
    return ""


def worst_first(findings: list[Finding]) -> list[Finding]:
    """Severity (error first), then the spec's listing order: the order annotations and reports use."""
    return sorted(findings, key=lambda f: (Severity(f.severity).rank, f.sort_key))


def listing_order(findings: list[Finding]) -> list[Finding]:
    """outputs.md order (file, line, row, rule, column, record_id): re-sorted so output never depends
    on how the caller ordered the list."""
    return sorted(findings, key=lambda f: f.sort_key)


def rules_by_code(result: AuditOutcome) -> dict[str, RuleSpec]:
    return {r.code: r for r in result.rules}


def first_line(text: str) -> str:
    """The one-line hint of a (possibly multi-line, hard-wrapped) TOML text: its first sentence, with
    the wrapping undone, so the hint never stops mid-phrase at a line break."""
    flat = " ".join((text or "").split())
    # A sentence ends at . ! ? followed by a space, except after an abbreviation ("e.g. 99.9",
    # "i.e. the", "etc. and", "vs. the"): a hint cut there reads as a dangling fragment.
    for match in _SENTENCE_END.finditer(flat):
        before = flat[: match.start() + 1].rsplit(" ", 1)[-1].lower()
        if before not in _ABBREVIATIONS:
            return flat[: match.start() + 1]
    return flat


_SENTENCE_END = re.compile(r"[.!?](?=\s)")
_ABBREVIATIONS = frozenset({"e.g.", "i.e.", "etc.", "vs.", "cf.", "approx.", "incl.", "excl.", "no.", "(e.g.",
                            "(i.e.", "(cf."})


def clean_number(value: Any) -> Any:
    """JSON-safe number: NaN/±inf become None, integral floats of count columns stay floats here."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def format_number(value: Any, kind: str = "float") -> str:
    """Human formatting of a KPI value: thousands separators, a few significant decimals, '—' for null."""
    if value is None or isinstance(value, bool) or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    if not isinstance(value, (int, float)):
        return str(value)
    if kind == "int":
        return f"{round(value):,}"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    # Five significant digits: 99.999 % availability must not print as 100.
    return f"{value:.5g}"


def kpi_unit(column: str, currency: str) -> str:
    """The unit of a KPI column, the plan currency in place of the registry's word `currency`."""
    return KPIS[column].unit_in(currency)


def rich_to_text(renderable: Any, *, width: int, color: bool) -> str:
    """A Rich renderable printed to a string at `width` columns (ANSI colour only when `color`)."""
    import io

    from rich.console import Console

    buffer = io.StringIO()
    console = Console(file=buffer, width=width, force_terminal=color, no_color=not color,
                      color_system="auto" if color else None, highlight=False, soft_wrap=False, emoji=False)
    console.print(renderable)
    return buffer.getvalue()
