"""Safe message templates: named fields with format specs only, rendered piece by piece (no vformat)."""

from __future__ import annotations

import datetime as dt
import math
import re
import string
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import repeat
from typing import Any

from energyplan.errors import RulePackError
from energyplan.fsread import show

NULL_TEXT = "—"
# One sample value per kind a field may hold: a format spec that fits none of them is a typo. Dates
# accept any text as a strftime pattern, so a date spec must at least contain a % directive.
_SAMPLES: tuple[Any, ...] = (1.5, 2, "x", True)
# Python's format-spec mini-language; width and precision are bounded because format() allocates them
# ({pue:1000000000} asked for ~1 GB per finding). A message never needs more.
_MINI = re.compile(r"^(?:.?[<>=^])?[+\- ]?z?#?0?(?P<width>\d*)[_,]?(?:\.(?P<precision>\d*))?[bcdeEfFgGnosxX%]?$")
MAX_WIDTH = 100
MAX_PRECISION = 20


@dataclass(frozen=True)
class Template:
    """A checked template: literal text and (field, format spec) pieces, in order."""

    text: str
    pieces: tuple[tuple[str, str | None, str], ...]  # (literal, field or None, spec)

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(f for _, f, _ in self.pieces if f is not None))

    def render_one(self, values: Mapping[str, Any]) -> str:
        out = []
        for literal, field, spec in self.pieces:
            out.append(literal)
            if field is not None:
                out.append(format_value(values.get(field), spec))
        return "".join(out)

    def render(self, records: Iterable[Mapping[str, Any]]) -> list[str]:
        return [self.render_one(r) for r in records]

    def render_columns(self, columns: Mapping[str, Sequence[Any]], n: int,
                       constants: Mapping[str, Any] | None = None) -> list[str]:
        """The same texts as `render_one` for n records given as one value list per field.

        Each field is formatted once per column and the pieces are joined, rather than building a
        dict per record: a column wins over a constant of the same name, as in `{**constants, **record}`.
        """
        constants = constants or {}
        formatted: dict[tuple[str, str], Iterable[str]] = {}
        parts: list[Iterable[str]] = []
        for literal, field, spec in self.pieces:
            if literal:
                parts.append(repeat(literal, n))
            if field is None:
                continue
            if (field, spec) not in formatted:
                if field in columns:
                    formatted[field, spec] = format_column(columns[field], spec)
                else:
                    formatted[field, spec] = repeat(format_value(constants.get(field), spec), n)
            parts.append(formatted[field, spec])
        return ["".join(texts) for texts in zip(*parts, strict=True)] if parts else [""] * n


def parse_template(text: Any, *, source: str = "<rule>", key: str = "message") -> Template:
    """Check a template; raise RulePackError naming the file, key and the offending field."""
    if not isinstance(text, str) or not text.strip():
        raise RulePackError(f"{source}: {key} must be a non-empty string")
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise RulePackError(f"{source}: {key}: {exc} (write a literal brace as {{{{ or }}}})") from None
    pieces = []
    for literal, field, raw_spec, conversion in parsed:
        if field is None:
            pieces.append((literal, None, ""))
            continue
        where = f"{source}: {key}: field {{{field}}}"
        if field == "" or field.isdigit():
            raise RulePackError(f"{where}: positional fields are not allowed; name a column, e.g. {{peak_demand_mw}}")
        if "." in field or "[" in field:
            raise RulePackError(f"{where}: attribute and index access are not allowed; name a column")
        if not field.isidentifier() or field.startswith("__"):
            raise RulePackError(f"{where}: not a column or parameter name")
        if conversion is not None:
            raise RulePackError(f"{where}: conversions (!{conversion}) are not allowed; use a format spec")
        spec = raw_spec or ""
        if "{" in spec or "}" in spec:
            raise RulePackError(f"{where}: nested fields in a format spec are not allowed")
        too_big = _too_big(spec)
        if too_big:
            raise RulePackError(f"{where}: format spec {show(spec)}: {too_big}")
        if spec and not _spec_fits_something(spec):
            raise RulePackError(f"{where}: format spec {spec!r} is not valid for a number, text or date")
        pieces.append((literal, field, spec))
    return Template(text, tuple(pieces))


def _too_big(spec: str) -> str | None:
    """Why a spec's width or precision is too large, or None (strftime patterns have neither)."""
    m = _MINI.match(spec)
    if m is None:
        return None
    for part, limit in (("width", MAX_WIDTH), ("precision", MAX_PRECISION)):
        digits = (m[part] or "").lstrip("0")
        # compare the length first: int() of a 5000-digit string raises in Python itself
        if digits and (len(digits) > 6 or int(digits) > limit):
            shown = digits if len(digits) <= 12 else f"of {len(digits)} digits"
            return f"{part} {shown} is larger than {limit}"
    return None


def _spec_fits_something(spec: str) -> bool:
    if "%" in spec:
        return True  # a percentage of a number, or a strftime pattern of a date ({end_date:%d %b %Y})
    for sample in _SAMPLES:
        try:
            format(sample, spec)
        except (ValueError, TypeError):
            continue
        return True
    return False


def is_null(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    # pandas' NA / NaT scalars are not equal to themselves and refuse bool(); avoid importing pandas.
    return type(value).__name__ in ("NAType", "NaTType")


_PLAIN = frozenset({float, int, str, type(None)})


def format_column(values: Sequence[Any], spec: str = "") -> list[str]:
    """`format_value` of each value; a column of plain floats, ints, text and nulls (most message
    fields) is formatted by one comprehension without the per-value type probing."""
    if {type(v) for v in values} <= _PLAIN:
        try:
            # v != v: a float NaN (the only plain value unequal to itself)
            return [NULL_TEXT if v is None or v != v else format(v, spec) for v in values]  # noqa: PLR0124
        except (ValueError, TypeError):
            pass  # a spec that does not fit some value: format_value shows those as they are
    return [format_value(v, spec) for v in values]


def format_value(value: Any, spec: str = "") -> str:
    """One field's text: "—" for nulls; dates as ISO dates; the spec when it fits the value."""
    if is_null(value):
        return NULL_TEXT
    if hasattr(value, "to_pydatetime"):  # pandas Timestamp → a plain date, so `{end_date}` reads 2027-03-31
        try:
            value = value.to_pydatetime()
        except (ValueError, OverflowError):  # outside Python's calendar (year 0): print as pandas does
            return str(value).removesuffix(" 00:00:00")
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        value = value.date()
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):  # numpy scalar → Python scalar
        value = value.item()
    if isinstance(value, bool):
        value = "true" if value else "false"
    try:
        return format(value, spec)
    except (ValueError, TypeError):
        # A numeric spec on a text value (a data-dependent mismatch): show the value rather than fail.
        return str(value)
