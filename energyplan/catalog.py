"""Where the built-in rule catalog lives, installed (wheel) or in a source checkout."""

from __future__ import annotations

from pathlib import Path


def builtin_rules_dir() -> Path:
    """The folder of built-in rule TOML files.

    In a wheel the top-level ``rules/`` folder is installed as the package data of ``energyplan._rules``;
    in a source checkout (or an editable install) it is ``../rules``.
    """
    here = Path(__file__).resolve().parent
    installed = here / "_rules"
    if installed.is_dir() and any(installed.glob("*.toml")):
        return installed
    return here.parent / "rules"
