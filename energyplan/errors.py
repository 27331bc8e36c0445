"""Errors that stop a command before it can run (exit 2), as opposed to findings about the plan."""

from __future__ import annotations


class UsageError(Exception):
    """Could not run: bad option, missing plan folder, invalid config or rule pack, unwritable output.

    The CLI prints the message (one or more lines, no traceback) on stderr and exits 2.
    """


class ConfigError(UsageError):
    """energyplan.toml, [tool.energyplan] or --config is invalid."""


class RulePackError(UsageError):
    """A rule file (built-in or from a user's rule pack) is invalid."""
