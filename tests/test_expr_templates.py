"""Safe message templates: named fields with format specs only; nulls print as a dash."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from energyplan.errors import RulePackError
from energyplan.ruleset.templates import parse_template


def test_renders_named_fields_with_specs() -> None:
    t = parse_template("peak demand {peak:.2f} MW exceeds {eff:.2f} MW ({n:,} GPUs)")
    assert t.fields == ("peak", "eff", "n")
    assert t.render_one({"peak": 2.6123, "eff": 2.493, "n": 2048}) == (
        "peak demand 2.61 MW exceeds 2.49 MW (2,048 GPUs)"
    )


def test_nulls_dates_numpy_and_bools() -> None:
    t = parse_template("{a:.2f}|{b}|{c}|{d}|{e}|{f}|{g:.1f}")
    values = {"a": np.nan, "b": None, "c": pd.Timestamp("2027-03-31"), "d": pd.NaT, "e": np.int64(7),
              "f": np.bool_(True), "g": pd.NA}
    assert t.render_one(values) == "—|—|2027-03-31|—|7|true|—"
    assert parse_template("{x}").render_one({"x": dt.date(2026, 1, 2)}) == "2026-01-02"


def test_numeric_spec_on_text_value_shows_the_value() -> None:
    assert parse_template("{x:.2f}").render_one({"x": "abc"}) == "abc"


def test_literal_braces() -> None:
    assert parse_template("{{literal}} {x}").render_one({"x": 1}) == "{literal} 1"


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("{x.__class__}", "attribute and index access"),
        ("{x[0]}", "attribute and index access"),
        ("{}", "positional"),
        ("{0}", "positional"),
        ("{x!r}", "conversions"),
        ("{x!s}", "conversions"),
        ("{x:{y}}", "nested fields"),
        ("{x:zz}", "format spec"),
        ("{x", "literal brace"),
        ("", "non-empty"),
        ("{__x__}", "not a column"),
    ],
)
def test_rejects_unsafe_templates(text: str, why: str) -> None:
    with pytest.raises(RulePackError) as info:
        parse_template(text, source="pack/R.toml")
    assert why in str(info.value)
    assert "pack/R.toml" in str(info.value)
