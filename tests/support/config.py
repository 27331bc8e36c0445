"""Configuration values as JSON tools see them, shared by the config-schema and config-fuzz tests."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any


def as_json(value: Any) -> Any:
    """TOML values as an editor's schema check sees them: dates as ISO strings; NaN/inf, which JSON
    cannot hold, as null (what serde_json and JSON.stringify make of them), so every type check fails."""
    if isinstance(value, dict):
        return {k: as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_json(v) for v in value]
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
