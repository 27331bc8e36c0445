"""Duplicate keys: the shortcut for keys ascending but for a few rows finds exactly what hashing finds."""

from __future__ import annotations

import random

import numpy as np
import pandas as pd

from energyplan.plan.keys import duplicates as _duplicates
from energyplan.plan.keys import repeat_candidates as _repeat_candidates
from energyplan.plan.keys import repeats as _repeats


def test_shortcut_matches_full_factorize_on_nearly_sorted_keys() -> None:
    rnd = random.Random(7)
    for _ in range(500):
        n = rnd.randint(3, 80)
        keys = [f"k{i:04d}" for i in range(n)]
        for _ in range(rnd.randint(0, 5)):
            i, j = rnd.randrange(n), rnd.randrange(n)
            kind = rnd.random()
            if kind < 0.5:
                keys[i] = keys[j]  # a copied key
            elif kind < 0.8:
                keys[i] = f"k{rnd.randint(0, 2 * n):04d}"  # a stray value
            else:
                keys.insert(i, keys[j])  # an inserted copy
                keys.pop()
        series = pd.Series(keys, dtype="str")
        dup, codes = _duplicates(series)
        expected, _ = _repeats(series)
        assert (dup == expected).all(), keys
        if codes is not None:
            assert (codes[dup] >= 0).all()


def test_shortcut_applies_only_to_nearly_sorted_keys() -> None:
    nearly = pd.Series([f"w{i:06d}" for i in range(1000)], dtype="str")
    nearly[500] = nearly[10]
    held = _repeat_candidates(nearly)
    assert held is not None and set(held) == {10, 500}
    shuffled = pd.Series(np.random.default_rng(0).permutation([f"w{i}" for i in range(1000)]), dtype="str")
    assert _repeat_candidates(shuffled) is None
    with_null = pd.Series(["a", None, "b", "a"], dtype="str")
    assert _repeat_candidates(with_null) is None
    assert list(_duplicates(with_null)[0]) == [False, False, False, True]
