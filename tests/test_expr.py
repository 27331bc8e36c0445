"""The safe `when` language: what it accepts, what it rejects, and its null semantics."""

from __future__ import annotations

from pathlib import Path

import pytest

from energyplan.errors import RulePackError
from energyplan.ruleset.expr import compile_when, parse_when
from energyplan.ruleset.spec import read_rule_file
from tests.support.expr import ENV, FRAME


def run(text: str) -> list[bool]:
    return compile_when(parse_when(text), env_names=ENV)(FRAME, ENV).tolist()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a > b", [False, False, False, False]),
        ("a < b", [True, False, False, False]),
        ("a == 0", [False, False, False, True]),
        ("0 <= a < 2", [True, False, False, True]),
        ("s in ['x']", [True, False, False, True]),
        ("s not in ['x']", [False, False, True, False]),
        ("s != 'x'", [False, False, True, False]),
        ("is_null(a)", [False, True, False, False]),
        ("not_null(b)", [True, True, False, True]),
        ("coalesce(a, 0) > 0.5", [True, False, True, False]),
        ("a / b > 0", [True, False, False, False]),  # 0/0 and x/null are null, not inf/NaN tricks
        ("a * 2 - 1 >= 1", [True, False, True, False]),
        ("-a < -2", [False, False, True, False]),
        ("abs(a - 2) == 1", [True, False, True, False]),
        ("min(a, b) >= 1", [True, False, False, False]),
        ("max(a, b) >= 2", [True, False, False, False]),
        ("d < as_of", [True, False, False, False]),
        ("d <= as_of + days(p)", [True, False, False, True]),
        ("a > p", [False, False, True, False]),
        ("p > 1", [True, True, True, True]),
        ("f and a > 0", [True, False, True, False]),
        ("f or a > 0", [True, False, True, False]),
        ("not f", [False, True, False, True]),
    ],
)
def test_evaluates_vectorized(text: str, expected: list[bool]) -> None:
    assert run(text) == expected


def test_comparison_with_null_is_never_true_even_under_not() -> None:
    # Row 1 has a null: `a > b` is unknown there, and `not` must keep it unknown (not fire).
    assert run("not (a > b)") == [True, False, False, True]
    assert run("not (a > 5)") == [True, False, True, True]


def test_kleene_and_or() -> None:
    # unknown or true = true; unknown and false = false; unknown and true = unknown (no fire)
    assert run("a > 5 or f") == [True, False, True, False]
    assert run("maybe or f") == [True, False, True, False]
    assert run("maybe and f") == [True, False, False, False]
    assert run("not maybe") == [False, False, True, False]


def test_unset_target_never_fires() -> None:
    assert run("a > t") == [False] * 4
    assert run("not_null(t) and a > 0") == [False] * 4
    assert run("is_null(t)") == [True] * 4


def test_non_boolean_in_boolean_context_is_an_error() -> None:
    with pytest.raises(RulePackError, match="not true/false"):
        run("a and f")


def test_comparing_text_with_number_is_an_error() -> None:
    with pytest.raises(RulePackError, match="cannot compare"):
        run("s < 3")


@pytest.mark.parametrize(
    ("text", "construct"),
    [
        ("a.real > 0", "attribute access"),
        ("s[0] == 'x'", "subscript"),
        ("len(s) > 0", "call of 'len'"),
        ("open('x') == 1", "call of 'open'"),
        ("(lambda: 1)() == 1", "only calls of plain function names"),
        ("lambda: 1", "lambda"),
        ("[x for x in s] == 1", "comprehension"),
        ("a in {1, 2}", "literal list"),
        ("{1: 2} == a", "dict literal"),
        ("__builtins__ == 1", "dunder name"),
        ("f'{a}' == 'x'", "f-string"),
        ("(x := 1) == 1", "walrus"),
        ("is_null(*s)", "positional arguments only"),
        ("a if f else b", "conditional expression"),
        ("a ** 2 > 1", "operator Pow"),
        ("a % 2 == 1", "operator Mod"),
        ("a is None", "`is`"),
        ("a == None", "comparison with None"),
        ("a in [b]", "literal list of constants"),
        ("coalesce(a) > 1", "takes 2 argument"),
        ("is_null(x=a)", "positional arguments only"),
        ("a >", "not a valid expression"),
        ("a; b", "not a valid expression"),
        ("b'x' == a", "constant"),
        ("is_null", "is a function"),
    ],
)
def test_rejects_unsafe_constructs(text: str, construct: str) -> None:
    with pytest.raises(RulePackError) as info:
        parse_when(text, source="rules/X.toml")
    assert construct in str(info.value)
    assert "rules/X.toml" in str(info.value)


def test_deep_nesting_is_rejected_not_a_crash() -> None:
    with pytest.raises(RulePackError):
        parse_when("(" * 500 + "a" + ")" * 500 + " > 1")
    with pytest.raises(RulePackError, match="characters long"):
        parse_when("a > 1 and " * 400 + "a > 1")


def test_rule_file_with_code_injection_runs_nothing(tmp_path: Path) -> None:
    target = tmp_path / "pwned"
    rule = tmp_path / "EVIL001.toml"
    rule.write_text(
        'code = "EVL001"\nname = "evil"\nseverity = "error"\ntable = "sites"\n'
        f"when = \"__import__('os').system('touch {target}')\"\n"
        'message = "m"\nsummary = "s"\nrationale = "r"\nremediation = "x"\n',
        encoding="utf-8",
    )
    with pytest.raises(RulePackError) as info:
        read_rule_file(rule)
    assert str(rule) in str(info.value)
    assert not target.exists()
