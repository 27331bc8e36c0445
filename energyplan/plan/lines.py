"""Physical CSV line numbers of records, computed with numpy over the file's bytes (no row loop)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_NL, _CR, _QUOTE = 10, 13, 34


@dataclass(frozen=True)
class RecordLayout:
    """Where the records of a CSV file start: the header's end and each data record's physical line."""

    header_end: int  # byte offset where the header record's text ends (terminator excluded)
    lines: np.ndarray  # int64, physical line (1-based, header = 1) on which each data record starts
    longest: int  # bytes in the longest record, for pyarrow's block size
    quoted: bool = True  # whether the file holds any quote (else no value can span lines)


def _has_blank_line(arr: np.ndarray, newlines: np.ndarray) -> bool:
    if len(arr) and (arr[0] == _NL or (arr[0] == _CR and len(arr) > 1 and arr[1] == _NL)):
        return True
    gaps = np.diff(newlines)
    return bool((gaps == 1).any() or ((gaps == 2) & (arr[newlines[:-1] + 1] == _CR)).any())


def layout(data: bytes) -> RecordLayout:
    """Record starts of `data` as pyarrow reads it: quoted newlines stay inside their field, blank
    lines are skipped (pyarrow's ignore_empty_lines), CRLF and LF both end a record."""
    arr = np.frombuffer(data, dtype=np.uint8)
    newlines = np.flatnonzero(arr == _NL)
    has_quotes = b'"' in data
    if has_quotes:
        quotes = np.flatnonzero(arr == _QUOTE)
        # A newline ends a record only outside quotes, i.e. after an even number of quotes
        # (an escaped "" counts twice, so it keeps the parity).
        ends = newlines[np.searchsorted(quotes, newlines) % 2 == 0]
    else:
        ends = newlines
    starts = np.concatenate(([0], ends + 1))
    starts = starts[starts < len(data)]
    blank_lines = _has_blank_line(arr, newlines)
    if blank_lines and len(starts):
        first = arr[starts]
        after = arr[np.minimum(starts + 1, len(data) - 1)]
        blank = (first == _NL) | ((first == _CR) & (after == _NL) & (starts + 1 < len(data)))
        starts = starts[~blank]
    if not len(starts):
        return RecordLayout(header_end=0, lines=np.empty(0, dtype=np.int64), longest=0, quoted=has_quotes)
    bounds = np.concatenate((starts, [len(data)]))
    longest = int(np.diff(bounds).max())
    header_end = int(bounds[1])
    while header_end > starts[0] and data[header_end - 1] in (_NL, _CR):
        header_end -= 1
    if not has_quotes and not blank_lines:
        # Fast path: every record is one line, so data record k starts on line k + 1.
        lines = np.arange(2, len(starts) + 1, dtype=np.int64)
    else:
        lines = np.searchsorted(newlines, starts[1:]).astype(np.int64) + 1
    return RecordLayout(header_end=header_end, lines=lines, longest=longest, quoted=has_quotes)
