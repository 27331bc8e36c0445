"""Profile id patterns: no lookahead (Arrow's RE2 runs them), same verdicts as the lookahead they replace."""

from __future__ import annotations

import re

import pyarrow as pa
import pyarrow.compute as pc

from energyplan.plan.schemas import GENERATION_PROFILE_PATTERN, PROFILE_ID_PATTERN

LOOKAHEAD = r"^(?![Bb][Uu][Ii][Ll][Tt][Ii][Nn]:)"
CASES = ["", "b", "B", "builtin", "builtin:", "BUILTIN:x", "Builtin:solar", "builtin:solar", "builtin:sun",
         "builtin;x", "builtinx", "grid-DE", "buil", "xbuiltin:", "builtin:flat", "builtin:flatx", "\nbuiltin:",
         "bUiLtIn:wind", "builtin:wind", "builtIn:", "solar-DE", " builtin:solar"]


def test_profile_id_pattern_matches_as_the_lookahead_in_both_engines() -> None:
    expected = [bool(re.match(LOOKAHEAD, c)) for c in CASES]
    assert "(?" + "!" not in PROFILE_ID_PATTERN
    assert [bool(re.match(PROFILE_ID_PATTERN, c)) for c in CASES] == expected
    assert pc.match_substring_regex(pa.array(CASES), PROFILE_ID_PATTERN).to_pylist() == expected


def test_generation_profile_pattern_allows_exactly_the_builtin_shapes() -> None:
    allowed = {"builtin:solar", "builtin:wind", "builtin:flat"}
    expected = [bool(re.match(LOOKAHEAD, c)) or c in allowed for c in CASES]
    assert [bool(re.match(GENERATION_PROFILE_PATTERN, c)) for c in CASES] == expected
    assert pc.match_substring_regex(pa.array(CASES), GENERATION_PROFILE_PATTERN).to_pylist() == expected
