"""Hourly profiles on the plan clock: replay year, (month, day, hour) slots, profile completeness, built-in shapes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

HOURS = 8760  # 365 days × 24 slots: the year of adequacy.md
BUILTINS = ("builtin:solar", "builtin:wind", "builtin:flat")
_DAYS_BEFORE_MONTH = (0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334)  # a non-leap year
SHAPES_FILE = "builtin_shapes.csv"
FALLBACK = ": every reference to it falls back to its default"  # the end of an incomplete profile's message


# ---- the replay year --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ReplayYear:
    """The 365 days before D on the plan clock, a 29 February skipped (then the year starts a day earlier)."""

    start: dt.date
    skipped: int | None  # day number (from start) of a skipped 29 February, else None
    clock: str

    @property
    def offset(self) -> int:
        """Canonical slot of hour 0: the year's series is the canonical one rolled by this."""
        return int(_DAYS_BEFORE_MONTH[self.start.month - 1] + self.start.day - 1) * 24


def replay_year(as_of: dt.date, clock: str = "UTC") -> ReplayYear:
    start = as_of - dt.timedelta(days=365)
    for k in range(365):
        day = start + dt.timedelta(days=k)
        if day.month == 2 and day.day == 29:
            return ReplayYear(start - dt.timedelta(days=1), k + 1, clock)
    return ReplayYear(start, None, clock)


def canonical_slot(wall: np.ndarray) -> np.ndarray:
    """(month, day, hour) slot 0 … 8759 in a non-leap year of naive wall times; −1 for 29 Feb and NaT."""
    import numpy as np

    w = wall.astype("datetime64[s]")
    ok = ~np.isnat(w)
    months = w.astype("datetime64[M]")
    month = months.astype(np.int64) % 12
    mday = (w.astype("datetime64[D]") - months.astype("datetime64[D]")).astype(np.int64)
    hour = (w - w.astype("datetime64[D]")).astype(np.int64) // 3600
    ok &= ~((month == 1) & (mday == 28))
    doy = np.asarray(_DAYS_BEFORE_MONTH)[np.where(ok, month, 0)] + mday
    return np.where(ok, doy * 24 + hour, -1)


def hour_wall_times(year: ReplayYear) -> np.ndarray:
    """Naive wall-clock start of each of the 8760 hours (datetime64[s])."""
    import numpy as np

    days = np.datetime64(year.start, "D") + np.arange(365 + (year.skipped is not None))
    if year.skipped is not None:
        days = np.delete(days, year.skipped)
    return (days.astype("datetime64[s]")[:, None] + np.arange(24) * np.timedelta64(3600, "s")).ravel()


# ---- the plan clock ---------------------------------------------------------------------------------------

def is_utc(clock: str) -> bool:
    return clock.upper() in ("UTC", "ETC/UTC", "Z")


def to_wall(instants: pd.Series, clock: str) -> np.ndarray:
    """UTC instants → naive wall-clock time on the plan clock (NaT stays NaT)."""
    import pandas as pd

    s = pd.Series(instants).reset_index(drop=True)
    if s.dt.tz is None:
        s = s.dt.tz_localize("UTC")
    if not is_utc(clock):
        s = s.dt.tz_convert(clock)
    return s.dt.tz_localize(None).to_numpy(dtype="datetime64[s]")


def to_instant(wall: np.ndarray, clock: str) -> pd.Series:
    """Naive wall-clock times on the plan clock → UTC instants. A repeated autumn hour is read as its first
    occurrence; a spring hour that does not exist as the instant the clock jumps to."""
    import numpy as np
    import pandas as pd

    s = pd.Series(np.asarray(wall, dtype="datetime64[ns]"))
    if is_utc(clock):
        return s.dt.tz_localize("UTC")
    first = np.ones(len(s), dtype=bool)
    return s.dt.tz_localize(clock, ambiguous=first, nonexistent="shift_forward").dt.tz_convert("UTC")


def standard_offset_hours(clock: str, year: int) -> float:
    """The clock's standard-time offset from UTC in hours (daylight saving left out)."""
    if is_utc(clock):
        return 0.0
    from zoneinfo import ZoneInfo

    moment = dt.datetime(year, 1, 1, 12, tzinfo=ZoneInfo(clock))
    std = (moment.utcoffset() or dt.timedelta(0)) - (moment.dst() or dt.timedelta(0))
    return std.total_seconds() / 3600


def dst_slots(clock: str, years: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Canonical slots whose wall hour does not exist (spring) or repeats (autumn) in any of `years`."""
    import numpy as np
    import pandas as pd

    if is_utc(clock) or len(years) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    gaps, folds = [], []
    for y in sorted({int(v) for v in years}):  # a handful of years at most
        walls = pd.Series(pd.date_range(f"{y}-01-01", f"{y}-12-31 23:00", freq="h"))
        gap = walls.dt.tz_localize(clock, ambiguous="NaT", nonexistent="NaT").isna().to_numpy()
        fold = walls.dt.tz_localize(clock, ambiguous="NaT", nonexistent="shift_forward").isna().to_numpy()
        slots = canonical_slot(walls.to_numpy(dtype="datetime64[s]"))
        gaps.append(slots[gap & ~fold])
        folds.append(slots[fold])
    return np.unique(np.concatenate(gaps)), np.unique(np.concatenate(folds))


def round_half_away(x: float) -> int:
    return int(x + 0.5) if x >= 0 else -int(-x + 0.5)


# ---- profiles of the plan ---------------------------------------------------------------------------------

@dataclass
class ProfileSet:
    """Complete profiles as canonical 8760-slot rows; incomplete ones are left out and reported."""

    index: dict[str, int]
    matrix: Any  # np.ndarray (n, 8760), canonical slot order
    problems: Any  # DataFrame: table, record_id, site_id, file, row, line, column, message
    bad: set[str] = field(default_factory=set)

    def get(self, profile_id: object) -> int:
        return self.index.get(str(profile_id), -1) if isinstance(profile_id, str) else -1


def _slot_text(slot: int, year: int) -> str:
    base = dt.datetime(2001, 1, 1) + dt.timedelta(hours=int(slot))
    return f"{year:04d}-{base:%m-%dT%H}:00"


def resolve_profiles(table: pd.DataFrame | None, clock: str = "UTC", file: str | None = None) -> ProfileSet:
    """Map every profile's timestamps to slots (adequacy.md) and keep the complete ones.

    Timestamps with an offset (`timestamp_utc`) are converted to the plan clock; naive ones are read on it.
    29 February is dropped. On a clock with daylight saving, converted timestamps may leave the spring
    slot empty (it takes the previous slot's value) and fill the autumn slot twice (their mean).
    """
    import numpy as np
    import pandas as pd

    from energyplan.plan.validate import finding_frame

    empty = ProfileSet({}, np.zeros((0, HOURS)), finding_frame(table="profiles", file=file or "profiles.csv",
                                                               message=pd.Series([], dtype="str")).iloc[:0])
    if table is None or len(table) == 0:
        return empty
    t = table.reset_index(drop=True)
    codes, ids = pd.factorize(t["profile_id"].astype("str"), sort=True)
    n = len(ids)
    naive = t["timestamp"].to_numpy(dtype="datetime64[s]")
    if "timestamp_utc" in t.columns:
        inst = t["timestamp_utc"]
        from_instant = inst.notna().to_numpy()
        wall = np.where(from_instant, to_wall(inst, clock), naive)
    else:
        from_instant = np.zeros(len(t), dtype=bool)
        wall = naive
    secs = (wall - wall.astype("datetime64[h]")).astype(np.int64)
    slot = canonical_slot(wall)
    feb29 = (slot < 0) & ~np.isnat(wall)
    offhour = (secs != 0) & ~feb29
    use = (slot >= 0) & ~offhour
    key = codes[use].astype(np.int64) * HOURS + slot[use]
    count = np.bincount(key, minlength=n * HOURS).reshape(n, HOURS)
    # float64 also when no row is usable: bincount of nothing returns integers, even with weights
    total = np.bincount(key, weights=t["value"].to_numpy(dtype=np.float64)[use], minlength=n * HOURS).astype(
        np.float64, copy=False)
    total = total.reshape(n, HOURS)
    inst_count = np.bincount(key[from_instant[use]], minlength=n * HOURS).reshape(n, HOURS)
    years = wall[from_instant].astype("datetime64[Y]").astype(np.int64) + 1970
    gaps, folds = dst_slots(clock, np.unique(years))
    has_inst = np.bincount(codes[from_instant], minlength=n) > 0
    may_miss = np.zeros((n, HOURS), dtype=bool)
    may_miss[np.ix_(has_inst, gaps)] = True
    may_double = np.zeros((n, HOURS), dtype=bool)
    may_double[:, folds] = True
    may_double &= inst_count == 2
    bad_slot = ((count == 0) & ~may_miss) | ((count > 1) & ~(may_double & (count == 2)))
    off_code = codes[offhour]
    bad = bad_slot.any(axis=1) | (np.bincount(off_code, minlength=n) > 0)

    values = np.divide(total, count, out=np.zeros_like(total), where=count > 0)
    gap_fill = (count == 0) & may_miss  # the spring slot takes the previous slot's value
    rows, cols = np.nonzero(gap_fill)
    values[rows, cols] = values[rows, cols - 1]
    keep = np.flatnonzero(~bad)
    names = [str(v) for v in ids]
    out = ProfileSet({names[k]: i for i, k in enumerate(keep)}, values[keep], empty.problems,
                     {names[k] for k in np.flatnonzero(bad)})
    if bad.any():
        out.problems = _problems(t, codes, ids, np.flatnonzero(bad), bad_slot, count, slot, offhour, wall, clock,
                                 file or "profiles.csv")
    return out


def _problems(t: pd.DataFrame, codes: np.ndarray, ids: Any, bad: np.ndarray, bad_slot: np.ndarray,
              count: np.ndarray, slot: np.ndarray, offhour: np.ndarray, wall: np.ndarray, clock: str,
              file: str) -> pd.DataFrame:
    """One finding per incomplete profile, naming its first bad timestamp (earliest slot of the year)."""
    import numpy as np
    import pandas as pd

    from energyplan.plan.validate import finding_frame

    rows_ = t["_row"].to_numpy() if "_row" in t.columns else np.arange(1, len(t) + 1)
    lines = t["_line"] if "_line" in t.columns else pd.Series([pd.NA] * len(t), dtype="Int64")
    out: dict[str, list[Any]] = {"record_id": [], "row": [], "line": [], "message": []}
    for k in bad:  # one finding per bad profile: a loop over profiles, not rows
        mine = np.flatnonzero(codes == k)
        first_year = int(wall[mine].astype("datetime64[Y]").astype(np.int64).min() + 1970) if len(mine) else 2001
        cand: list[tuple[int, int, int, str]] = []  # (slot, off-the-hour first, table position, text)
        slots = np.flatnonzero(bad_slot[k])
        if len(slots):
            s = int(slots[0])
            here = mine[slot[mine] == s]
            if count[k, s] == 0:
                before = mine[(slot[mine] >= 0) & (slot[mine] < s)]
                pos = int(before[np.argmax(slot[before])]) if len(before) else int(mine[0])
                year = int(wall[pos].astype("datetime64[Y]").astype(np.int64) + 1970) if len(before) else first_year
                cand.append((s, 1, pos, f"has no value for {_slot_text(s, year)}"))
            else:
                pos = int(here[1])
                cand.append((s, 1, pos, f"has {count[k, s]} values for {_ts(wall[pos])}"))
        off = mine[offhour[mine]]
        if len(off):
            pos = int(off[np.argmin(np.where(slot[off] >= 0, slot[off], HOURS))])
            at = int(slot[pos]) if slot[pos] >= 0 else HOURS
            cand.append((at, 0, pos, f"has {_ts(wall[pos], True)}, not on the hour"))
        _, _, pos, text = min(cand)
        others = int(bad_slot[k].sum()) + int(offhour[mine].sum()) - 1
        more = f" (and {others:,} other bad hour{'s' if others != 1 else ''})" if others > 0 else ""
        out["record_id"].append(str(ids[k]))
        out["row"].append(int(rows_[pos]))
        out["line"].append(lines.iloc[pos])
        out["message"].append(
            f"profile {ids[k]} {text}{more} on the plan clock {clock}; a profile needs one value on the hour "
            f"for each of the 8,760 hours of a year{FALLBACK}")
    return finding_frame(table="profiles", file=file, record_id=pd.Series(out["record_id"], dtype="str"),
                         row=pd.Series(out["row"], dtype="Int64"), line=pd.Series(out["line"], dtype="Int64"),
                         column="timestamp", message=pd.Series(out["message"], dtype="str"))


def _ts(value: np.datetime64, seconds: bool = False) -> str:
    text = str(value.astype("datetime64[s]"))
    return text if seconds else text[:16]


# ---- built-in shapes --------------------------------------------------------------------------------------

@cache
def _builtin_table() -> dict[str, Any]:
    """The shipped capacity-factor shapes (canonical slots, local standard time), read once."""
    import io
    from importlib import resources

    import numpy as np

    raw = resources.files("energyplan").joinpath("data", "shapes", SHAPES_FILE).read_text(encoding="utf-8")
    data = np.loadtxt(io.StringIO(raw), delimiter=",", skiprows=1, usecols=(3, 4), dtype=np.float64)
    if data.shape != (HOURS, 2):
        raise ValueError(f"{SHAPES_FILE} must hold {HOURS} rows of solar,wind")
    return {"builtin:solar": data[:, 0].copy(), "builtin:wind": data[:, 1].copy(),
            "builtin:flat": np.ones(HOURS)}


def builtin_shape(name: str, shift_hours: int = 0) -> np.ndarray:
    """A built-in shape moved from local standard time onto the plan clock.

    The site's local hour t is the clock's hour t − shift (shift = site offset − clock's standard offset),
    so the value at clock slot i is the local value at slot i + shift (the typical year wraps around).
    """
    import numpy as np

    return np.roll(_builtin_table()[name], -shift_hours)
