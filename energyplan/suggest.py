"""The one "did you mean" helper behind every suggestion in energyplan's messages (no pandas)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def closest(word: str, choices: Iterable[str], *, cutoff: float = 0.6) -> str | None:
    """The choice closest to `word`, or None when none is close enough."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=cutoff)
    return close[0] if close else None


def did_you_mean(word: str, choices: Iterable[str], *, cutoff: float = 0.6) -> str:
    """' (did you mean 'x'?)' for the closest choice, or '' when none is close enough."""
    close = closest(word, choices, cutoff=cutoff)
    return f" (did you mean {close!r}?)" if close is not None else ""
