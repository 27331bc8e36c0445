"""Physical CSV line numbers of records, and scans of a file's bytes, with numpy (no row or byte loop)."""

from __future__ import annotations

import mmap
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

_NL, _CR, _QUOTE = 10, 13, 34
NL, CR, QUOTE = _NL, _CR, _QUOTE
Buffer = bytes | mmap.mmap  # a file's contents: read, or mapped (files.map_file)
View = bytes | memoryview | mmap.mmap  # what the byte scans take
_SCAN = 1 << 22  # bytes compared at a time: keeps numpy's temporaries small (and in cache)


def count_bytes(data: View, values: tuple[int, ...]) -> list[int]:
    """How many bytes of `data` equal each of `values` (one pass, a few hundredths of a second per 100 MB)."""
    arr = np.frombuffer(data, dtype=np.uint8)
    counts = [0] * len(values)
    for start in range(0, len(arr), _SCAN):
        part = arr[start:start + _SCAN]
        for i, value in enumerate(values):
            counts[i] += int(np.count_nonzero(part == value))
    return counts


def line_of(data: View, pos: int) -> int:
    """The 1-based physical line holding byte `pos`."""
    return count_bytes(memoryview(data)[:pos], (_NL,))[0] + 1


def lone_cr(data: View) -> bool:
    """Whether some CR byte is not followed by LF (an old Mac line end rather than part of CRLF)."""
    arr = np.frombuffer(data, dtype=np.uint8)
    for start in range(0, len(arr), _SCAN):
        part = arr[start:start + _SCAN + 1]  # one byte into the next slice: a CR at the end sees its LF
        cr = np.flatnonzero(part[:_SCAN] == _CR)
        if len(cr) and (cr[-1] + 1 >= len(part) or (part[cr + 1] != _NL).any()):
            return True
    return False


def line_ends_in_cells(table: pa.Table) -> bool:
    """Whether any text cell holds a CR or LF byte (scanning the columns' value buffers, not the cells)."""
    for column in table.columns:
        if not (pa.types.is_string(column.type) or pa.types.is_binary(column.type)):
            continue
        for chunk in column.chunks:
            offsets_buf, values_buf = chunk.buffers()[1:3]
            if values_buf is None or not len(chunk):
                continue
            offsets = np.frombuffer(offsets_buf, dtype=np.int32)[chunk.offset:chunk.offset + len(chunk) + 1]
            values = memoryview(values_buf)[int(offsets[0]):int(offsets[-1])]
            if any(count_bytes(values, (_NL, _CR))):
                return True
    return False


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
