"""Property-based: random `when` expressions (within and around the grammar) parse, compile and evaluate,
or raise RulePackError; random message templates parse and render bounded text, or raise RulePackError."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from energyplan.errors import RulePackError
from energyplan.ruleset.expr import compile_when, parse_when
from energyplan.ruleset.templates import parse_template
from tests.support.expr import ENV, FRAME

FUZZ = settings(max_examples=50, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])

names = st.sampled_from(["a", "b", "s", "f", "maybe", "d", "p", "as_of", "t", "missing", "__class__", "is_null"])
numbers = st.one_of(
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.sampled_from(["0", "1", "1e15", "1e16", "1e400", "9" * 401, "0.5", "-0", "1_000"]),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
)
strings = st.text(alphabet="ab'\"\\x {}", max_size=6).map(repr)
atoms = st.one_of(names, numbers, strings, st.sampled_from(["True", "False", "None", "...", "b'x'", "1j"]))


def compose(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    binary = st.tuples(inner, st.sampled_from(["+", "-", "*", "/", "%", "**", "//", "and", "or", "<", "<=", ">",
                                               ">=", "==", "!=", "is", "in", "not in", "&", "|"]), inner)
    return st.one_of(
        binary.map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        inner.map(lambda x: f"(not {x})"),
        inner.map(lambda x: f"(-{x})"),
        inner.map(lambda x: f"(~{x})"),
        st.tuples(st.sampled_from(["is_null", "not_null", "abs", "days", "coalesce", "min", "max", "eval",
                                   "open", "__import__"]),
                  st.lists(inner, max_size=3)).map(lambda t: f"{t[0]}({', '.join(t[1])})"),
        st.tuples(inner, st.lists(st.one_of(numbers, strings), max_size=3)).map(
            lambda t: f"({t[0]} in [{', '.join(t[1])}])"),
        inner.map(lambda x: f"{x}.real"),
        inner.map(lambda x: f"{x}[0]"),
        inner.map(lambda x: f"(lambda: {x})"),
        st.integers(min_value=1, max_value=700).map(lambda n: "not " * n + "a > 0"),
        st.integers(min_value=1, max_value=700).map(lambda n: "-" * n + "a > 0"),
    )


expressions = st.recursive(atoms, compose, max_leaves=8)


@FUZZ
@given(expressions)
@example("a > " + "9" * 401)  # issue 12's cases always run, besides the random ones
@example("not " * 490 + "a > 0")
@example("-" * 600 + "a > 0")
@example("a > 1e400")
def test_random_expressions_compile_evaluate_or_raise_rulepackerror(text: str) -> None:
    try:
        parsed = parse_when(text)
        predicate = compile_when(parsed, env_names=ENV)
        with np.errstate(all="ignore"):
            result = predicate(FRAME, ENV)
    except RulePackError:
        return
    assert isinstance(result, np.ndarray) and result.dtype == bool and len(result) == len(FRAME)


fields = st.sampled_from(["a", "s", "d", "p", "0", "", "a.b", "a[0]", "__x", "a!r", "x y"])
specs = st.one_of(
    st.just(""),
    st.text(alphabet="<>^=+- #0,_.%1234567890bcdeEfFgGnosxX%YmdHb", max_size=12),
    st.sampled_from([":1000000000", ":.1000000000f", ":>100.20f", ":%Y-%m-%d", ":{x}", ":" + "9" * 5000]),
)
pieces = st.one_of(
    st.tuples(fields, specs).map(lambda t: "{" + t[0] + (t[1] if t[1].startswith(":") or not t[1] else ":" + t[1])
                                 + "}"),
    st.text(alphabet="ab {}:!", max_size=5),
)
templates = st.lists(pieces, min_size=1, max_size=5).map("".join)
VALUES = {"a": 1.5, "s": "text", "d": pd.Timestamp("2027-03-31"), "p": 2, "x": None}


@FUZZ
@given(templates)
@example("{a:1000000000}")
@example("{a:.1000000000f}")
@example("{a:.1000000000%}")
def test_random_templates_parse_and_render_bounded_or_raise(text: str) -> None:
    try:
        template = parse_template(text)
    except RulePackError:
        return
    rendered = template.render_one(VALUES)
    column = template.render_columns({k: [v, None] for k, v in VALUES.items()}, 2)
    assert isinstance(rendered, str) and len(rendered) < len(text) + 200 * (text.count("{") + 1)
    assert len(column) == 2 and all(isinstance(c, str) for c in column)
