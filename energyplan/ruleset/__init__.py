"""ruleset layer (see docs/architecture.md)."""
