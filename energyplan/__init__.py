"""energyplan: audit AI compute and energy plans (validation, anti-pattern rules, shared KPIs)."""

__version__ = "0.1.0"
