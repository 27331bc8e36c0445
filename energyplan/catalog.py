"""Where the built-in rule catalog lives: energyplan/_rules, the top-level rules/ folder (a symlink in a
checkout, a copy in the wheel)."""

from __future__ import annotations

from pathlib import Path


def builtin_rules_dir() -> Path:
    """The folder of built-in rule TOML files."""
    return Path(__file__).resolve().parent / "_rules"
