"""Write the proposed profiles.csv of sample_data/northwind: a German grid-carbon profile and a solar PPA shape.

    PYTHONPATH=. python scripts/make_sample_profiles.py OUT_DIR     # writes OUT_DIR/profiles.csv

Both are illustrative, not measured (bring real data with `energyplan profiles import`):
- `grid-de`: hourly gCO2e/kWh for 2025, written as UTC instants (+00:00), shaped like the German grid:
  about 380 on average, higher in winter and in the evening peak, lower when the sun shines (the built-in
  solar shape at UTC+1 stands in for German solar output).
- `ash-solar-va`: a single-axis-tracker-like shape for the Virginia PPA (the built-in solar shape, whose
  station is 300 km south of Ashburn, flattened as cf^0.75), written on local standard time (−05:00).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

HOURS = 8760


def grid_de() -> np.ndarray:
    """gCO2e/kWh per UTC hour of a non-leap year."""
    from energyplan.facts.profiles import builtin_shape

    hour = np.arange(HOURS)
    doy, local = hour // 24, (hour + 1) % 24  # CET
    season = np.cos(2 * np.pi * (doy - 15) / 365)  # +1 mid-January, −1 mid-July
    evening = np.exp(-(((local - 19) / 2.5) ** 2))
    sun = builtin_shape("builtin:solar", 1)  # local solar output on the UTC clock (UTC+1)
    return np.round(395 + 70 * season + 60 * evening - 380 * sun, 1)


def ash_solar() -> np.ndarray:
    from energyplan.facts.profiles import builtin_shape

    return np.round(builtin_shape("builtin:solar") ** 0.75, 4)  # local standard time, as the shape is


def rows(profile_id: str, values: np.ndarray, offset_hours: int) -> list[str]:
    """Timestamps of 2025 on a clock `offset_hours` from UTC, written with that offset."""
    stamps = np.datetime64("2025-01-01T00:00") + np.arange(HOURS) * np.timedelta64(1, "h")
    sign = "+" if offset_hours >= 0 else "-"
    suffix = f"{sign}{abs(offset_hours):02d}:00"
    return [f"{profile_id},{str(t)[:16]}:00{suffix},{v:g}" for t, v in zip(stamps, values, strict=True)]


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    out = Path(argv[0]) / "profiles.csv"
    lines = ["profile_id,timestamp,value", *rows("grid-de", grid_de(), 0), *rows("ash-solar-va", ash_solar(), -5)]
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {out}: {len(lines) - 1:,} rows")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
