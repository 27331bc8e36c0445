"""Regenerate energyplan/data/shapes/builtin_shapes.csv from the typical-year files shipped in pvlib and demandlib.

    pip download --no-deps pvlib==0.16.1 demandlib==0.2.2 -d /tmp/wheels
    cd /tmp/wheels && unzip -q pvlib-*.whl -d pv && unzip -q demandlib-*.whl -d dl
    python scripts/make_shapes.py --tmy3 /tmp/wheels/pv/pvlib/data/723170TYA.CSV \
        --try-file /tmp/wheels/dl/demandlib/vdi/resources_weather/TRY2010_01_Jahr.dat

Derivation (documented in energyplan/data/shapes/README.md): both files are hour-ending on local standard
time; the value stamped hh:00 belongs to the hour that begins at hh−1. Solar: GHI / 1000 W/m² × a 0.85
performance ratio, clipped to 0–1 (a horizontal array). Wind: 10 m wind speed raised to a 100 m hub with
the 1/7 power law, through a generic turbine curve (cut-in 3 m/s, rated 12 m/s, cut-out 25 m/s, cubic in
between) times 0.95 for availability and losses.
"""

from __future__ import annotations

import argparse
import csv
import io
from pathlib import Path

import numpy as np

HOURS = 8760
OUT = Path(__file__).resolve().parent.parent / "energyplan" / "data" / "shapes" / "builtin_shapes.csv"
PERFORMANCE_RATIO = 0.85
HUB_FACTOR = (100 / 10) ** (1 / 7)
CUT_IN, RATED, CUT_OUT, AVAILABILITY = 3.0, 12.0, 25.0, 0.95


def solar_from_tmy3(text: str) -> np.ndarray:
    """Capacity factors, hour-beginning slots 0 … 8759, from a TMY3 CSV (a station line, then the header)."""
    rows = list(csv.reader(io.StringIO(text)))[1:]
    header, data = rows[0], rows[1:]
    ghi = np.array([float(r[header.index("GHI (W/m^2)")]) for r in data])
    if len(ghi) != HOURS:
        raise ValueError(f"expected {HOURS} hourly rows, found {len(ghi)}")
    return np.clip(ghi / 1000 * PERFORMANCE_RATIO, 0, 1)


def wind_from_try(text: str) -> np.ndarray:
    """Capacity factors from a DWD TRY 2010 file: the rows after the `***` line, wind speed in column 8."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("***")) + 1
    data = [line.split() for line in lines[start:] if line.strip()]
    speed = np.array([float(r[7]) for r in data]) * HUB_FACTOR
    if len(speed) != HOURS:
        raise ValueError(f"expected {HOURS} hourly rows, found {len(speed)}")
    ramp = (speed**3 - CUT_IN**3) / (RATED**3 - CUT_IN**3)
    cf = np.where(speed < CUT_IN, 0.0, np.where(speed < RATED, ramp, np.where(speed < CUT_OUT, 1.0, 0.0)))
    return np.clip(cf, 0, 1) * AVAILABILITY


def shapes_csv(solar: np.ndarray, wind: np.ndarray) -> str:
    """month,day,hour,solar,wind for the 8760 slots of a non-leap year, 4 decimals."""
    stamps = np.datetime64("2001-01-01T00", "h") + np.arange(HOURS)
    days = stamps.astype("datetime64[D]")
    months = stamps.astype("datetime64[M]")
    month = months.astype(np.int64) % 12 + 1
    day = (days - months.astype("datetime64[D]")).astype(np.int64) + 1
    hour = (stamps - days).astype(np.int64)
    out = io.StringIO()
    out.write("month,day,hour,solar,wind\n")
    for m, d, h, s, w in zip(month, day, hour, solar, wind, strict=True):  # 8760 lines, written once
        out.write(f"{m},{d},{h},{_num(s)},{_num(w)}\n")
    return out.getvalue()


def _num(v: float) -> str:
    """4 decimals without trailing zeros (0.2500 → 0.25, 0.0000 → 0): a smaller file, the same numbers."""
    return f"{v:.4f}".rstrip("0").rstrip(".")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tmy3", type=Path, required=True, help="pvlib/data/723170TYA.CSV")
    parser.add_argument("--try-file", type=Path, required=True,
                        help="demandlib/vdi/resources_weather/TRY2010_01_Jahr.dat")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    solar = solar_from_tmy3(args.tmy3.read_text(encoding="latin-1"))
    wind = wind_from_try(args.try_file.read_text(encoding="latin-1"))
    args.out.write_text(shapes_csv(solar, wind), encoding="utf-8")
    print(f"wrote {args.out}: mean solar {solar.mean():.4f}, mean wind {wind.mean():.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
