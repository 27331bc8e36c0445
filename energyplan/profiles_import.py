"""`energyplan profiles import`: one hourly profile from an Electricity Maps export or a timestamp,value CSV."""

from __future__ import annotations

import contextlib
import os
import re
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from energyplan.errors import UsageError

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

# Electricity Maps hourly exports, current and older headers (matched case-insensitively, ₂ read as 2).
EM_TIME = "datetime (utc)"
EM_COLUMNS = {
    "carbon": ("carbon intensity gco2eq/kwh (direct)",),
    "cfe": ("carbon-free energy percentage (cfe%)", "low carbon percentage"),
}
COLUMNS = ("profile_id", "timestamp", "value")
_OFFSET = re.compile(r"(?:Z|[+-]\d\d:?\d\d)$", re.IGNORECASE)
_H24 = re.compile(r"^(\d{4}-\d\d-\d\d)[T ]24:00(:00)?")


@dataclass
class Imported:
    """What the import did, for the one line the command prints."""

    path: Path
    hours: int
    replaced: int
    source: str  # "Electricity Maps (carbon)" or "timestamp,value"


def _norm(name: str) -> str:
    return " ".join(name.replace("₂", "2").strip().lower().split())


def _read_source(file: Path, column: str | None) -> tuple[pd.Series, pd.Series, pd.Series, str]:
    """(timestamp text, value text, file line of each row, kind) of the source file."""
    import pandas as pd

    if not file.is_file():
        raise UsageError(f"{file} does not exist or is not a file")
    try:
        raw = pd.read_csv(file, dtype=str, keep_default_na=False, encoding="utf-8-sig", skip_blank_lines=True)
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise UsageError(f"{file}: cannot read it as a UTF-8 CSV ({str(exc).splitlines()[0]})") from None
    names = {_norm(c): c for c in raw.columns}
    lines = pd.Series(range(2, len(raw) + 2))  # header on line 1; exports have no multi-line cells
    if EM_TIME in names:
        pick = column or "carbon"
        found = next((names[c] for c in EM_COLUMNS[pick] if c in names), None)
        if found is None:
            wanted = " or ".join(f'"{c}"' for c in EM_COLUMNS[pick])
            raise UsageError(f"{file}: an Electricity Maps export without a {wanted} column (--column {pick})")
        times = raw[names[EM_TIME]].str.strip()
        times = times.where(times.str.contains(_OFFSET) | (times == ""), times + "+00:00")  # the column is UTC
        return times, raw[found], lines, f"Electricity Maps ({pick})"
    if set(names) >= {"timestamp", "value"}:
        if column is not None:
            raise UsageError("--column picks a column of an Electricity Maps export; "
                             f"{file} is a timestamp,value file")
        return raw[names["timestamp"]].str.strip(), raw[names["value"]], lines, "timestamp,value"
    raise UsageError(f"{file}: not an Electricity Maps hourly export (no \"Datetime (UTC)\" column) and not a "
                     f"timestamp,value CSV; its columns are {', '.join(map(str, raw.columns[:6]))}")


def _parse(times: pd.Series, values: pd.Series, lines: pd.Series, file: Path, hour_ending: bool,
           clock: str) -> pd.DataFrame:
    """Rows in the profiles-table form (timestamp as written, timestamp_utc where it has an offset)."""
    import numpy as np
    import pandas as pd

    from energyplan.facts.profiles import to_instant

    def fail(mask: np.ndarray, what: str) -> None:
        if mask.any():
            i = int(np.flatnonzero(mask)[0])
            raise UsageError(f"{file}:{lines.iloc[i]}: {what.format(t=times.iloc[i], v=values.iloc[i])}")

    number = pd.to_numeric(values.str.strip(), errors="coerce")
    fail(number.isna().to_numpy() | ~np.isfinite(number.to_numpy(dtype=float, na_value=np.nan)),
         'value "{v}" is not a number')
    fail((number < 0).to_numpy(), 'value "{v}" is negative; a profile value must be ≥ 0')
    h24 = times.str.match(_H24).to_numpy()
    if h24.any() and not hour_ending:
        fail(h24, 'timestamp "{t}" is hour-ending (24:00); pass --hour-ending to read it as the hour before')
    text = times.str.replace(_H24, lambda m: f"{m.group(1)}T00:00:00", regex=True)
    offset = text.str.contains(_OFFSET).to_numpy()
    inst = pd.to_datetime(text.where(offset), format="ISO8601", utc=True, errors="coerce")
    naive_text = text.str.replace(_OFFSET, "", regex=True)
    wall = pd.to_datetime(naive_text, format="ISO8601", errors="coerce")
    fail(wall.isna().to_numpy(), 'timestamp "{t}" is not an ISO 8601 timestamp')
    wall = wall + pd.to_timedelta(h24.astype(np.int64), unit="D")  # 24:00 is the next day's 00:00
    inst = inst + pd.to_timedelta(h24.astype(np.int64), unit="D")
    fail(((wall.dt.minute != 0) | (wall.dt.second != 0)).to_numpy(), 'timestamp "{t}" is not on the hour')
    if hour_ending:
        wall, inst = wall - pd.Timedelta(hours=1), inst - pd.Timedelta(hours=1)
    else:
        _refuse_hour_ending(wall, lines, file)
    if not offset.all():  # naive timestamps are wall-clock time on the plan clock
        local = to_instant(wall.to_numpy(dtype="datetime64[s]"), clock)
        inst = inst.where(pd.Series(offset), local)
    return pd.DataFrame({"timestamp": wall.astype("datetime64[s]"), "timestamp_utc": inst,
                         "offset": offset, "value": number.astype("float64"),
                         "_row": np.arange(1, len(times) + 1), "_line": lines.astype("Int64")})


def _refuse_hour_ending(wall: pd.Series, lines: pd.Series, file: Path) -> None:
    """A year that runs from 1 January 01:00 to the next 1 January 00:00 is hour-ending data."""
    first, last = wall.min(), wall.max()
    if (first.month, first.day, first.hour) == (1, 1, 1) and (last.month, last.day, last.hour) == (1, 1, 0) \
            and last.year == first.year + 1:
        i = int(wall.to_numpy().argmax())
        raise UsageError(f"{file}:{lines.iloc[i]}: the data runs from {first:%Y-%m-%dT%H:%M} to "
                         f"{last:%Y-%m-%dT%H:%M}: it looks hour-ending; pass --hour-ending to read each value as "
                         "the hour before its timestamp")


def import_profile(plan: Path, file: Path, profile_id: str, *, column: str | None = None,
                   hour_ending: bool = False, clock: str = "UTC") -> Imported:
    """Add or replace `profile_id` in the plan's profiles table; nothing is written unless all of it is good."""
    import numpy as np
    import pandas as pd

    from energyplan.facts.profiles import FALLBACK, resolve_profiles

    if not plan.is_dir():
        raise UsageError(f"plan folder {plan} does not exist")
    if not profile_id.strip() or profile_id.lower().startswith("builtin:"):
        raise UsageError(f"--id {profile_id!r}: a profile id must be non-empty and not start with builtin:")
    _check_clock(clock)
    if column is not None and column not in EM_COLUMNS:
        raise UsageError(f"--column must be carbon or cfe, not {column!r}")
    times, values, lines, kind = _read_source(file, column)
    if len(times) == 0:
        raise UsageError(f"{file} holds no data rows")
    rows = _parse(times, values, lines, file, hour_ending, clock)
    rows.insert(0, "profile_id", pd.Series([profile_id] * len(rows), dtype="str"))
    frame = rows.assign(timestamp_utc=rows["timestamp_utc"].where(pd.Series(rows["offset"]), pd.NaT))
    check = resolve_profiles(frame, clock, file.name)
    if len(check.problems):
        msg = str(check.problems.iloc[0]["message"]).removesuffix(FALLBACK)
        raise UsageError(f"{file}:{check.problems.iloc[0]['line']}: {msg}; nothing was written")
    rows = _drop_29_february(rows, clock)
    target = _target(plan)
    new = _new_rows(profile_id, rows)
    replaced = (_write_parquet if target.suffix == ".parquet" else _write_csv)(target, profile_id, new)
    return Imported(target, int(np.count_nonzero(rows["value"].notna())), replaced, kind)


def _check_clock(clock: str) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from energyplan.facts.profiles import is_utc

    if is_utc(clock):
        return
    try:
        ZoneInfo(clock)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(f"clock {clock!r} is not UTC or an IANA time zone (e.g. Europe/Berlin)") from None


def _drop_29_february(rows: pd.DataFrame, clock: str) -> pd.DataFrame:
    """A leap year's 29 February (on the plan clock) has no slot: its hours are not written."""
    import numpy as np

    from energyplan.facts.profiles import to_wall

    wall = np.where(rows["offset"].to_numpy(dtype=bool), to_wall(rows["timestamp_utc"], clock),
                    rows["timestamp"].to_numpy(dtype="datetime64[s]"))
    day = wall.astype("datetime64[D]")
    leap = (day - day.astype("datetime64[M]")).astype(np.int64) == 28
    leap &= day.astype("datetime64[M]").astype(np.int64) % 12 == 1
    return rows[~leap].reset_index(drop=True)


def _target(plan: Path) -> Path:
    csv, parquet = plan / "profiles.csv", plan / "profiles.parquet"
    if csv.exists() and parquet.exists():
        raise UsageError(f"{plan} holds both profiles.csv and profiles.parquet; keep one")
    return parquet if parquet.exists() else csv


def _new_rows(profile_id: str, rows: pd.DataFrame) -> pa.Table:
    """The profile's rows as text: offsets kept as +00:00 instants, naive timestamps as written."""
    import pyarrow as pa
    import pyarrow.compute as pc

    wall = pa.array(rows["timestamp"].to_numpy(dtype="datetime64[s]"))
    utc = pa.array(rows["timestamp_utc"].dt.tz_convert("UTC").dt.tz_localize(None).to_numpy(dtype="datetime64[s]"))
    offset = pa.array(rows["offset"].to_numpy(dtype=bool))
    text = pc.if_else(offset, pc.binary_join_element_wise(pc.strftime(utc, format="%Y-%m-%dT%H:%M:%S"), "+00:00",
                                                          ""), pc.strftime(wall, format="%Y-%m-%dT%H:%M:%S"))
    value = pc.cast(pa.array(rows["value"].to_numpy()), pa.string())
    return pa.table({"profile_id": pa.array([profile_id] * len(rows), pa.string()), "timestamp": text,
                     "value": value, "_ts": utc})


def _write_csv(path: Path, profile_id: str, new: pa.Table) -> int:
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    columns = list(COLUMNS)
    kept = pa.table({c: pa.array([], pa.string()) for c in columns})
    if path.exists():
        try:
            head = path.read_text(encoding="utf-8-sig").splitlines()[:1]
            table = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(_header(head), pa.string()), strings_can_be_null=False))
        except (pa.ArrowInvalid, OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"cannot read {path}: {str(exc).splitlines()[0]}; nothing was written") from None
        if "profile_id" not in table.column_names:
            raise UsageError(f"{path} has no profile_id column; nothing was written")
        columns = table.column_names
        kept = table.filter(pc.not_equal(table["profile_id"], profile_id))
    replaced = (table.num_rows - kept.num_rows) if path.exists() else 0
    add = pa.table({c: (new[c] if c in COLUMNS else pa.array([""] * new.num_rows, pa.string())) for c in columns})
    out = pa.concat_tables([kept.select(columns), add])
    sink = pa.BufferOutputStream()
    pacsv.write_csv(out, sink, write_options=pacsv.WriteOptions(quoting_style="needed"))
    _replace(path, sink.getvalue().to_pybytes())
    return replaced


def _header(head: list[str]) -> list[str]:
    import csv

    return next(csv.reader(head)) if head else []


def _write_parquet(path: Path, profile_id: str, new: pa.Table) -> int:
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise UsageError(f"cannot read {path}: {str(exc).splitlines()[0]}; nothing was written") from None
    if "profile_id" not in table.column_names or "timestamp" not in table.column_names:
        raise UsageError(f"{path} has no profile_id/timestamp column; nothing was written")
    kept = table.filter(pc.not_equal(table["profile_id"].cast(pa.string()), profile_id))
    ts_type = table.schema.field("timestamp").type
    if pa.types.is_timestamp(ts_type) and ts_type.tz is not None:
        stamps = new["_ts"].cast(pa.timestamp("s")).cast(pa.timestamp(ts_type.unit, tz="UTC")).cast(ts_type)
    elif pa.types.is_timestamp(ts_type):
        raise UsageError(f"{path} keeps naive timestamps; Electricity Maps data is in UTC: convert the table to "
                         "timestamps with a time zone (or to CSV) first; nothing was written")
    else:
        stamps = new["timestamp"].cast(ts_type)
    cols = {}
    for field in table.schema:
        if field.name == "timestamp":
            cols[field.name] = stamps
        elif field.name in ("profile_id", "value"):
            src = new[field.name] if field.name == "profile_id" else pc.cast(new["value"], pa.float64())
            cols[field.name] = src.cast(field.type)
        else:
            cols[field.name] = pa.nulls(new.num_rows, field.type)
    out = pa.concat_tables([kept, pa.table(cols, schema=table.schema)])
    sink = pa.BufferOutputStream()
    pq.write_table(out, sink)
    _replace(path, sink.getvalue().to_pybytes())
    return table.num_rows - kept.num_rows


def _replace(path: Path, data: bytes) -> None:
    """Temp file in the same folder, the old file's mode, then os.replace: the plan never holds half a file."""
    mode = stat.S_IMODE(path.stat().st_mode) if path.exists() else 0o666 & ~_umask()
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
