"""FrameRecords: a frame's rows as JSON records, encoded column by column (the outlook's 72,000 rows)."""

from __future__ import annotations

import datetime as dt
import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from energyplan.facts.records import FrameRecords
from energyplan.render.json_out import write_document

KINDS = {"site_id": "str", "month": "date", "days": "int", "mw": "float"}


def _frame() -> pd.DataFrame:
    return pd.DataFrame({
        "site_id": ["fra-dc1", 'quo"te', "ünï{c}ode", "fra-dc1"],
        "month": pd.to_datetime(["2026-12-01", None, "2028-02-01", "2026-12-01"]),
        "days": [31.0, 0.0, 29.0, 3.0],  # counts summed as floats still print as ints
        "mw": [1.5, math.nan, math.inf, -0.1],
    })


def test_records_are_plain_values_with_null_for_missing() -> None:
    rows = FrameRecords(_frame(), KINDS)
    assert len(rows) == 4
    assert rows[0] == {"site_id": "fra-dc1", "month": "2026-12-01", "days": 31, "mw": 1.5}
    assert rows[1] == {"site_id": 'quo"te', "month": None, "days": 0, "mw": None}
    assert rows[2]["mw"] is None  # inf is not a JSON number
    assert isinstance(rows[3]["days"], int)
    assert rows[1:3] == [rows[1], rows[2]]
    assert list(rows) == rows.records()
    assert rows == rows.records() and rows == FrameRecords(_frame(), KINDS)
    assert rows != rows.records()[:3]


def test_each_line_is_what_json_dumps_gives_for_the_record() -> None:
    rows = FrameRecords(_frame(), KINDS)
    assert rows.json_lines() == [json.dumps(r, ensure_ascii=False) for r in rows]
    assert rows.json_lines()[2] == '{"site_id": "ünï{c}ode", "month": "2028-02-01", "days": 29, "mw": null}'


def test_python_dates_and_an_empty_frame() -> None:
    frame = pd.DataFrame({"month": [dt.date(2028, 2, 29), None], "n": np.array([1, 2], dtype=np.int64)})
    rows = FrameRecords(frame, {"month": "date", "n": "int"})
    assert rows.json_lines() == ['{"month": "2028-02-29", "n": 1}', '{"month": null, "n": 2}']
    empty = FrameRecords(frame.iloc[:0], {"month": "date", "n": "int"})
    assert empty.json_lines() == [] and list(empty) == [] and len(empty) == 0


def test_the_writer_prints_one_record_a_line_and_an_empty_list_as_brackets() -> None:
    doc = {"outlook": {"months": 1, "sites": FrameRecords(_frame().iloc[:2], KINDS),
                       "portfolio": FrameRecords(_frame().iloc[:0], KINDS)}}
    text = write_document(doc)
    assert json.loads(text) == {"outlook": {"months": 1, "sites": FrameRecords(_frame().iloc[:2], KINDS).records(),
                                            "portfolio": []}}
    assert '    "sites": [\n      {"site_id": "fra-dc1", "month": "2026-12-01", "days": 31, "mw": 1.5},\n' in text
    assert '"portfolio": []' in text


def test_an_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown column kind"):
        FrameRecords(_frame(), {"site_id": "text"})


@settings(max_examples=300, deadline=None)
@given(st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=1, max_size=30))
def test_any_float_prints_as_json_dumps_prints_it(values: list[float]) -> None:
    rows = FrameRecords(pd.DataFrame({"x": values}), {"x": "float"})
    expected = [json.dumps({"x": v if math.isfinite(v) else None}) for v in values]
    assert rows.json_lines() == expected


def test_floats_across_every_magnitude_print_as_repr() -> None:
    rng = np.random.default_rng(7)
    values = np.concatenate([np.logspace(-320, 307, 4001), -np.logspace(-30, 30, 601),
                             rng.normal(size=2000) * 10.0 ** rng.integers(-8, 20, size=2000),
                             np.arange(-5, 2**53, 2**47, dtype=np.float64), [0.0, -0.0, 0.1 + 0.2, 2**53 + 2.0]])
    rows = FrameRecords(pd.DataFrame({"x": values}), {"x": "float"})
    assert rows.json_lines() == [f'{{"x": {float(v)!r}}}' for v in values]
