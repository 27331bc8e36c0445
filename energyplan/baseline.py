"""Baseline files: the identities of accepted findings, so CI fails only on new ones (no pandas)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from energyplan import __version__
from energyplan.atomic import write_atomic
from energyplan.errors import UsageError
from energyplan.fsread import MIB, NotReadable, read_bounded, show
from energyplan.model import Identity

BASELINE_VERSION = 1
# ~100 bytes an identity: room for millions of accepted findings, and a bound on what is read
MAX_BASELINE_BYTES = 512 * MIB
# A finding's identity, never its line or row: a baseline must survive rows being added or reordered.
IDENTITY_KEYS: tuple[str, ...] = ("rule", "table", "record_id", "column")


def _sort_key(identity: Identity) -> tuple[tuple[bool, str], ...]:
    return tuple((part is None, part or "") for part in identity)


def _check_identity(value: Any, where: str) -> Identity:
    if not isinstance(value, (tuple, list)) or len(value) != len(IDENTITY_KEYS):
        raise ValueError(f"{where}: an identity is (rule, table, record_id, column), got {show(value)}")
    rule, *rest = value
    if not isinstance(rule, str) or not rule:
        raise ValueError(f"{where}: rule must be a non-empty string, got {show(rule)}")
    for key, part in zip(IDENTITY_KEYS[1:], rest, strict=True):
        if part is not None and not isinstance(part, str):
            raise ValueError(f"{where}: {key} must be a string or null, got {show(part)}")
    return (rule, *rest)  # type: ignore[return-value]


def baseline_document(identities: Iterable[Identity], *, plan: str, as_of: dt.date | str,
                      tool_version: str = __version__) -> str:
    """The baseline file's text: identities de-duplicated and sorted, so re-recording an unchanged plan
    gives a byte-identical file (and a reviewable diff when it changes)."""
    unique = {_check_identity(i, "baseline") for i in identities}
    doc = {
        "baseline_version": BASELINE_VERSION,
        "tool": {"name": "energyplan", "version": tool_version},
        "plan": plan,
        "as_of": as_of.isoformat() if isinstance(as_of, dt.date) else str(as_of),
        "findings": [dict(zip(IDENTITY_KEYS, i, strict=True)) for i in sorted(unique, key=_sort_key)],
    }
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def write_baseline(path: Path | str, identities: Iterable[Identity], *, plan: str, as_of: dt.date | str,
                   tool_version: str = __version__) -> None:
    """Record `identities` (rule, table, record_id, column) as the baseline at `path`, atomically."""
    try:
        text = baseline_document(identities, plan=plan, as_of=as_of, tool_version=tool_version)
    except ValueError as exc:
        raise UsageError(f"cannot write baseline {path}: {exc}") from None
    write_atomic(Path(path), text)


def read_baseline(path: Path | str) -> set[Identity]:
    """The identities recorded in a baseline file; a missing or malformed file is a usage error (exit 2)."""
    path = Path(path)
    hint = f"record one with `energyplan audit PLAN --write-baseline {path}`"
    try:
        # regular files only, bounded: a FIFO hung here and a link to /dev/zero read without end
        raw = read_bounded(path, MAX_BASELINE_BYTES).decode("utf-8")
    except NotReadable as exc:
        if str(exc) == "no such file":
            raise UsageError(f"baseline {path} does not exist; {hint}") from None
        raise UsageError(f"cannot read baseline {path}: {exc}; {hint}") from None
    except UnicodeDecodeError:
        raise UsageError(f"baseline {path} is not UTF-8 text; {hint}") from None
    try:
        doc = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise UsageError(f"baseline {path} is not valid JSON (line {exc.lineno}, column {exc.colno}: "
                         f"{exc.msg}); {hint}") from None
    except RecursionError:
        raise UsageError(f"baseline {path} is not a baseline: its JSON is nested too deeply; {hint}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("findings"), list):
        raise UsageError(f"baseline {path} has no \"findings\" list; is it an energyplan baseline? {hint}")
    version = doc.get("baseline_version", BASELINE_VERSION)
    if version != BASELINE_VERSION:
        raise UsageError(f"baseline {path} has baseline_version {show(version)}; this energyplan reads "
                         f"version {BASELINE_VERSION}; {hint}")
    out: set[Identity] = set()
    for n, entry in enumerate(doc["findings"], start=1):
        where = f"baseline {path}, finding {n}"
        if not isinstance(entry, dict):
            raise UsageError(f"{where}: expected an object with {', '.join(IDENTITY_KEYS)}, got {show(entry)}")
        unknown = sorted(set(entry) - set(IDENTITY_KEYS))
        if unknown or "rule" not in entry:
            raise UsageError(f"{where}: keys must be {', '.join(IDENTITY_KEYS)} (rule required), "
                             f"got {', '.join(sorted(entry)) or 'none'}")
        try:
            out.add(_check_identity([entry.get(k) for k in IDENTITY_KEYS], where))
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    return out
