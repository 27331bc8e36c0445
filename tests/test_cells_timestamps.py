"""The fast path for timestamps without offsets reads a column exactly as the general path does."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from energyplan.plan.cells import _naive_timestamps, _possible_walls, _timestamps, _zoned_timestamps

NAIVE = ["2026-01-01T00:00:00", "2026-01-01 01:00", None, "2026-03-29T02:30:15.250", "2026-12-31", " 2026-06-01T12:00 "]


def _text(values: list[str | None]) -> pa.ChunkedArray:
    return pc.utf8_trim_whitespace(pa.chunked_array([pa.array(values, pa.string())]))


def _same(a: tuple, b: tuple) -> None:
    (wall_a, utc_a, fails_a), (wall_b, utc_b, fails_b) = a, b
    assert wall_a.dtype == wall_b.dtype and wall_a.equals(wall_b)
    assert utc_a.dtype == utc_b.dtype and utc_a.equals(utc_b)
    assert [p.tolist() for p, _ in fails_a] == [p.tolist() for p, _ in fails_b]


def test_naive_column_reads_as_the_general_path_reads_it() -> None:
    fast = _naive_timestamps(_text(NAIVE))
    assert fast is not None
    _same(fast, _zoned_timestamps(_text(NAIVE)))
    assert str(fast[0].iloc[3]) == "2026-03-29 02:30:15" and fast[0].isna().tolist()[2]
    assert fast[1].isna().all()


@pytest.mark.parametrize("odd", ["2026-01-01T00:00:00Z", "2026-01-01T00:00+01:00", "yesterday", "2026-1-01"])
def test_an_offset_or_an_unshaped_cell_takes_the_general_path(odd: str) -> None:
    values = [*NAIVE, odd]
    assert _naive_timestamps(_text(values)) is None
    col = pa.chunked_array([pa.array(values, pa.string())])
    _same(_timestamps(col), _zoned_timestamps(_text(values)))


IMPOSSIBLE = ["2026-02-30T10:00", "2026-01-01T24:00", "2026-01-01T23:60", "2026-01-01T23:59:60", "2023-02-29",
              "1900-02-29T00:00", "2026-13-01", "2026-00-10", "2026-04-31 08:00:00.5", "2026-01-00"]
REAL = ["2024-02-29T00:00", "2000-02-29", "2026-01-31T23:59:59.999", "2026-12-31 23:00", "2026-04-30"]


@pytest.mark.parametrize("odd", IMPOSSIBLE)
def test_an_impossible_day_or_time_is_one_failing_cell_on_the_fast_path(odd: str) -> None:
    values = [*NAIVE, odd, *REAL]
    fast = _naive_timestamps(_text(values))
    assert fast is not None
    _same(fast, _zoned_timestamps(_text(values)))
    assert fast[2][0][0].tolist() == [len(NAIVE)]  # just that cell fails
    assert fast[0].isna().tolist() == [v is None or v == odd for v in values]


def test_possible_walls_knows_the_calendar_and_the_clock() -> None:
    assert _possible_walls(_text([*IMPOSSIBLE, *REAL, *[v for v in NAIVE if v]])).tolist() == \
        [False] * len(IMPOSSIBLE) + [True] * (len(REAL) + len(NAIVE) - 1)


def test_empty_and_all_null_columns() -> None:
    for values in ([], [None, None]):
        col = pa.chunked_array([pa.array(values, pa.string())])
        wall, utc, fails = _timestamps(col)
        assert len(wall) == len(values) == len(utc) and wall.isna().all() and not len(fails[0][0])
        _same((wall, utc, fails), _zoned_timestamps(_text(values)))
        assert np.all(utc.isna())
