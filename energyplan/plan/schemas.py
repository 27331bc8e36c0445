"""The pandera models of the plan tables: the one definition of every input column."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

# Plan types (metadata "kind") and the pandas dtype each one has while it is being validated. Clean
# frames then narrow int to int64 and bool to bool (docs/architecture.md), once failing rows are gone.
KINDS: tuple[str, ...] = ("string", "enum", "float", "int", "bool", "date", "timestamp")

COUNTRY_PATTERN = r"^[A-Z]{2}$"
CURRENCY_PATTERN = r"^[A-Z]{3}$"
COUNTRY_HINT = "an ISO 3166-1 alpha-2 code: two upper-case letters, e.g. DE"
CURRENCY_HINT = "an ISO 4217 code: three upper-case letters, e.g. EUR"

LAYER_CONTRACT_TYPES: dict[str, tuple[str, ...]] = {
    "grid": ("grid_supply",),
    "flexibility": ("battery_storage", "microgrid", "onsite_generation"),
    "ppa": ("physical_ppa", "virtual_ppa"),
}
CONTRACT_TYPE_LAYER: dict[str, str] = {t: layer for layer, types in LAYER_CONTRACT_TYPES.items() for t in types}

# adequacy.md: the built-in generation shapes, and profile ids that cannot be mistaken for them.
BUILTIN_PREFIX = "builtin:"
BUILTIN_SHAPES: tuple[str, ...] = ("builtin:solar", "builtin:wind", "builtin:flat")


def _not_prefixed(prefix: str) -> str:
    """A regex matching at the start of any text that does not begin with `prefix` in any case, written
    without a lookahead so pandas runs it in Arrow (RE2) rather than Python's re, cell by cell (0.3 s on
    a year of hourly profiles): the text ends, or differs, at some position of the prefix."""
    out = "$"
    for ch in reversed(prefix):
        cls = "".join(sorted({ch.upper(), ch.lower()}))
        out = f"(?:$|[^{cls}]|[{cls}]{out})" if out != "$" else f"(?:$|[^{cls}])"
    return out


_NOT_BUILTIN = _not_prefixed(BUILTIN_PREFIX)
PROFILE_ID_PATTERN = f"^{_NOT_BUILTIN}"
GENERATION_PROFILE_PATTERN = f"^(?:{_NOT_BUILTIN}|builtin:(?:solar|wind|flat)$)"
# A timestamp column `c` is accompanied in every frame by `c_utc`: the instant (datetime64[ns, UTC]),
# NaT where the cell had no UTC offset. `c` itself is the wall-clock time as written.
UTC_SUFFIX = "_utc"


def _field(
    kind: str,
    description: str = "",
    *,
    required: bool = True,
    unit: str = "",
    references: str | None = None,
    default: Any = None,
    hint: str | None = None,
    required_text: str | None = None,
    **checks: Any,
) -> Any:
    """A pandera Field whose metadata carries what `energyplan schema` and the docs show."""
    meta = {"kind": kind, "unit": unit, "required": required, "references": references, "default": default,
            "hint": hint, "required_text": required_text}
    return pa.Field(nullable=not required, description=description, metadata=meta, **checks)


def _range(lo: float | None, hi: float | None, *, lo_incl: bool = True, hi_incl: bool = True) -> dict[str, Any]:
    if hi is None:
        return {"ge": lo} if lo_incl else {"gt": lo}
    return {"in_range": {"min_value": lo, "max_value": hi, "include_min": lo_incl, "include_max": hi_incl}}


class _Base(pa.DataFrameModel):
    class Config:
        strict = False  # teams carry their own columns; they are kept and ignored
        coerce = False  # the loader parses cells itself, so every unparseable cell becomes one finding


# A site's profile columns name rows of the profiles table; the built-in shapes are for generation only.
_SITE_PROFILE = {"str_matches": PROFILE_ID_PATTERN,
                 "hint": "a profile_id (builtin: shapes are for generation_profile)"}


class SitesSchema(_Base):
    """A place where compute runs: own data centre, colocation, cloud region, HPC centre."""

    site_id: Series[str] = _field("string", "key", unique=True)
    name: Series[str] = _field("string", required=False)
    country: Series[str] = _field("string", "electricity market the site draws from",
                                  str_matches=COUNTRY_PATTERN, hint=COUNTRY_HINT)
    site_type: Series[str] = _field(
        "enum", "`cloud_region` means power is the provider's: capacity rules do not apply there",
        isin=["owned_dc", "colocation", "cloud_region", "hpc_centre"])
    pue: Series[float] = _field("float", "power usage effectiveness (facility power / IT power)",
                                unit="ratio", **_range(1.0, 3.0))
    grid_carbon_intensity_g_per_kwh: Series[float] = _field(
        "float", "location-based grid emission factor", unit="gCO2e/kWh", **_range(0, 1500))
    sovereign: Series[pd.BooleanDtype] = _field(
        "bool", "the site qualifies for sovereign workloads (EuroHPC-type capacity)")
    energy_owner: Series[str] = _field("string", "the named person or team steering energy for this site",
                                       required=False)
    grid_carbon_profile: Series[str] = _field(
        "string", "hourly grid carbon intensity; empty = flat grid_carbon_intensity_g_per_kwh", required=False,
        references="profiles", **_SITE_PROFILE)
    grid_cfe_profile: Series[str] = _field(
        "string", "hourly carbon-free share of grid supply, % (0–100); empty = flat grid_cfe_pct",
        required=False, references="profiles", **_SITE_PROFILE)
    grid_cfe_pct: Series[float] = _field("float", "yearly carbon-free share of grid supply; empty = 0",
                                         unit="%", required=False, **_range(0, 100))
    load_profile: Series[str] = _field("string", "relative hourly shape of the site's load; empty = flat",
                                       required=False, references="profiles", **_SITE_PROFILE)
    utc_offset_hours: Series[float] = _field(
        "float", "the site's standard-time offset from UTC, for the built-in shapes; empty = 0", unit="h",
        required=False, hint="in steps of 0.25", **_range(-12, 14))

    class Config:
        name = "sites"

    @pa.check("utc_offset_hours", name="quarter_hour")
    def _quarter_hour(cls, offset: Series[float]) -> Series[bool]:
        """Standard-time offsets come in steps of a quarter hour (+5:45 Nepal, −9:30 Marquesas)."""
        return (offset * 4) % 1 == 0


class WorkloadsSchema(_Base):
    """One AI workload: a training programme, an inference service, a batch pipeline."""

    workload_id: Series[str] = _field("string", "key", unique=True)
    name: Series[str] = _field("string", required=False)
    team: Series[str] = _field("string", required=False)
    site_id: Series[str] = _field("string", "where it runs", references="sites")
    workload_class: Series[str] = _field(
        "enum", isin=["training", "fine_tuning", "batch_inference", "realtime_inference", "research", "other"])
    criticality: Series[str] = _field("enum", "energy criticality; empty = not segmented", required=False,
                                      isin=["sensitive", "tolerant"])
    gpu_type: Series[str] = _field("string", "e.g. H100-SXM", required=False)
    gpu_count: Series[pd.Int64Dtype] = _field("int", "GPUs the workload uses", unit="GPUs", **_range(0, None))
    gpu_power_kw: Series[float] = _field("float", "IT power per GPU at full load, host share included",
                                         unit="kW", **_range(0, 5, lo_incl=False))
    utilization: Series[float] = _field("float", "average draw as a share of full load", unit="share",
                                        **_range(0, 1))
    hours_per_week: Series[float] = _field("float", "hours the workload runs in a week", unit="h/week",
                                           **_range(0, 168))
    start_date: Series[pa.DateTime] = _field("date")
    end_date: Series[pa.DateTime] = _field("date", "empty = open-ended", required=False)
    commitment_id: Series[str] = _field("string", "the commitment whose capacity it uses", required=False,
                                        references="commitments")
    sovereign_required: Series[pd.BooleanDtype] = _field("bool", "must run on a sovereign site", required=False,
                                                         default=False)
    sla_availability_pct: Series[float] = _field("float", "availability promised to its users", unit="%",
                                                 required=False, **_range(0, 100, lo_incl=False, hi_incl=False))

    class Config:
        name = "workloads"


class CommitmentsSchema(_Base):
    """A compute commitment: cloud reservation, savings plan, capacity block, HPC allocation, colocation lease."""

    commitment_id: Series[str] = _field("string", "key", unique=True)
    provider: Series[str] = _field("string")
    site_id: Series[str] = _field("string", "the region or centre it is bought in", references="sites")
    commitment_type: Series[str] = _field(
        "enum", isin=["reserved_capacity", "savings_plan", "capacity_block", "hpc_allocation", "colocation_lease"])
    status: Series[str] = _field("enum", isin=["signed", "proposed"])
    gpu_count: Series[pd.Int64Dtype] = _field("int", "GPUs committed", unit="GPUs", **_range(0, None))
    start_date: Series[pa.DateTime] = _field("date")
    end_date: Series[pa.DateTime] = _field("date")
    total_cost: Series[float] = _field("float", "over the whole term, in `currency`", unit="currency",
                                       **_range(0, None))
    currency: Series[str] = _field("string", "currency of total_cost", str_matches=CURRENCY_PATTERN,
                                   hint=CURRENCY_HINT)
    sourcing_plan_id: Series[str] = _field(
        "string", "the power contract that sources this commitment's electricity; empty = none", required=False,
        references="contracts")
    energy_signoff: Series[pd.BooleanDtype] = _field("bool", "energy lead approved it", required=False,
                                                     default=False)
    finance_signoff: Series[pd.BooleanDtype] = _field("bool", "finance lead approved it", required=False,
                                                      default=False)

    class Config:
        name = "commitments"


class ContractsSchema(_Base):
    """A power contract or asset, in one of three layers: grid, flexibility, ppa."""

    contract_id: Series[str] = _field("string", "key", unique=True)
    site_id: Series[str] = _field("string", "the site it serves", references="sites")
    layer: Series[str] = _field("enum", "the three-layer energy architecture", isin=list(LAYER_CONTRACT_TYPES))
    contract_type: Series[str] = _field(
        "enum", "must belong to its layer (grid: grid_supply; flexibility: battery_storage, microgrid, "
        "onsite_generation; ppa: physical_ppa, virtual_ppa)", isin=list(CONTRACT_TYPE_LAYER))
    technology: Series[str] = _field(
        "enum", required=False,
        isin=["grid_mix", "solar", "wind", "hydro", "nuclear", "geothermal", "battery", "gas", "mixed"])
    counterparty: Series[str] = _field("string", required=False)
    status: Series[str] = _field("enum", "only `signed` counts as supply", isin=["signed", "negotiating", "proposed"])
    capacity_mw: Series[float] = _field("float", "grid connection, storage power, or PPA nameplate", unit="MW",
                                        **_range(0, None))
    energy_mwh: Series[float] = _field("float", "storage energy (flexibility layer)", unit="MWh", required=False,
                                       **_range(0, None))
    annual_volume_mwh: Series[float] = _field("float", "expected delivered energy per year (ppa layer)",
                                              unit="MWh/yr", required=False, **_range(0, None))
    availability_pct: Series[float] = _field("float", "share of time the capacity can be counted on", unit="%",
                                             **_range(0, 100))
    price_per_mwh: Series[float] = _field("float", "in `currency`", unit="currency/MWh", required=False,
                                          **_range(0, None))
    currency: Series[str] = _field("string", "currency of price_per_mwh", required=False,
                                   str_matches=CURRENCY_PATTERN, hint=CURRENCY_HINT,
                                   required_text="required when price_per_mwh is set")
    carbon_intensity_g_per_kwh: Series[float] = _field(
        "float", "default: 0 for a ppa of solar, wind, hydro, nuclear or geothermal; else the site's grid factor",
        unit="gCO2e/kWh", required=False, **_range(0, 1500))
    start_date: Series[pa.DateTime] = _field("date")
    end_date: Series[pa.DateTime] = _field("date")
    generation_profile: Series[str] = _field(
        "string", "hourly shape of a PPA's or on-site plant's output; empty = by technology (solar → "
        "builtin:solar, wind → builtin:wind, else builtin:flat)", required=False, references="profiles",
        str_matches=GENERATION_PROFILE_PATTERN,
        hint="a profile_id, or builtin:solar, builtin:wind or builtin:flat")

    class Config:
        name = "contracts"

    @pa.dataframe_check(name="contract_type_in_layer")
    def _contract_type_in_layer(cls, df: pd.DataFrame) -> Series[bool]:
        """contract_type must belong to the contract's layer (unknown values are reported by isin)."""
        expected = df[cls.contract_type].map(CONTRACT_TYPE_LAYER)
        return expected.isna() | df[cls.layer].isna() | (expected == df[cls.layer])

    @pa.dataframe_check(name="currency_with_price")
    def _currency_with_price(cls, df: pd.DataFrame) -> Series[bool]:
        """A price means nothing without its currency."""
        return df[cls.price_per_mwh].isna() | df[cls.currency].notna()


class IncidentsSchema(_Base):
    """One observed energy-constraint incident (optional table)."""

    incident_id: Series[str] = _field("string", "key", unique=True)
    site_id: Series[str] = _field("string", references="sites")
    started_at: Series[pa.DateTime] = _field(
        "timestamp", "wall-clock time as written; with a UTC offset the instant is kept too")
    duration_hours: Series[float] = _field("float", unit="h", **_range(0, None, lo_incl=False))
    mw_shed: Series[float] = _field("float", "load shed or curtailed", unit="MW", required=False, **_range(0, None))
    cause: Series[str] = _field(
        "enum", isin=["grid_curtailment", "capacity_shortfall", "price_spike", "storage_depleted", "cooling",
                      "other"])

    class Config:
        name = "incidents"


class ProfilesSchema(_Base):
    """One hourly value of a named profile (optional table; adequacy.md)."""

    profile_id: Series[str] = _field("string", "the name other tables refer to", str_matches=PROFILE_ID_PATTERN,
                                     hint="an id not starting with builtin:")
    timestamp: Series[pa.DateTime] = _field(
        "timestamp", "hour-beginning, on the hour; with a UTC offset the instant is kept too")
    value: Series[float] = _field("float", "g/kWh, %, capacity factor 0–1, or a relative shape, by the column "
                                  "that refers to the profile", unit="by use", **_range(0, None))

    class Config:
        name = "profiles"


MODELS: dict[str, type[pa.DataFrameModel]] = {
    "sites": SitesSchema,
    "workloads": WorkloadsSchema,
    "commitments": CommitmentsSchema,
    "contracts": ContractsSchema,
    "incidents": IncidentsSchema,
    "profiles": ProfilesSchema,
}

# Dataframe-level checks: the column each one points at, and whether a failing row is left out (the
# column is then as good as a required cell that is null).
FRAME_CHECKS: dict[str, tuple[str, bool]] = {
    "contract_type_in_layer": (ContractsSchema.contract_type, True),
    "currency_with_price": (ContractsSchema.currency, True),
}


@dataclass(frozen=True)
class ColumnSpec:
    """One input column as `energyplan schema`, the docs and the loader see it (plain data)."""

    name: str
    kind: str
    required: bool
    description: str
    unit: str = ""
    allowed: tuple[str, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    include_min: bool = True
    include_max: bool = True
    pattern: str | None = None
    hint: str | None = None
    unique: bool = False
    references: str | None = None
    default: Any = None
    required_text: str | None = None

    @property
    def required_label(self) -> str:
        if self.required_text:
            return self.required_text
        if self.required:
            return "yes"
        return "no (default false)" if self.default is False else "no"

    def value_text(self) -> str:
        """What a valid value is, as the end of a sentence: "a number between 1 and 3"."""
        if self.kind in ("float", "int"):
            noun = "a whole number" if self.kind == "int" else "a number"
            return noun + range_text(self) + (f", {self.hint}" if self.hint else "")
        if self.kind == "enum":
            return "one of " + ", ".join(self.allowed or ())
        if self.kind == "bool":
            return "true or false (yes/no and 1/0 work too)"
        if self.kind == "date":
            return "a date written YYYY-MM-DD, e.g. 2026-03-31"
        if self.kind == "timestamp":
            return "an ISO 8601 timestamp, e.g. 2026-11-01T10:00:00 (an offset such as +01:00 is allowed)"
        return self.hint or ("a unique, non-empty id" if self.unique else "a non-empty value")

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name, "type": self.kind, "required": self.required, "required_text": self.required_label,
            "unit": self.unit or None, "description": self.description or None,
            "allowed": list(self.allowed) if self.allowed is not None else None,
            "minimum": self.minimum, "maximum": self.maximum, "include_min": self.include_min,
            "include_max": self.include_max, "pattern": self.pattern, "hint": self.hint, "unique": self.unique,
            "references": self.references, "default": self.default,
        }


def _num(x: float) -> str:
    return f"{x:g}"


def range_text(spec: ColumnSpec) -> str:
    """" ≥ 0", " between 1 and 3", " > 0 and ≤ 5" or "" for an unbounded column."""
    lo, hi = spec.minimum, spec.maximum
    if lo is None and hi is None:
        return ""
    if hi is None:
        return f" {'≥' if spec.include_min else '>'} {_num(lo)}"
    if lo is None:
        return f" {'≤' if spec.include_max else '<'} {_num(hi)}"
    if spec.include_min and spec.include_max:
        return f" between {_num(lo)} and {_num(hi)}"
    return f" {'≥' if spec.include_min else '>'} {_num(lo)} and {'≤' if spec.include_max else '<'} {_num(hi)}"


def _spec_from_column(name: str, col: Any) -> ColumnSpec:
    meta = col.metadata or {}
    fields: dict[str, Any] = {}
    for check in col.checks:
        stats = check.statistics
        if check.name == "isin":
            fields["allowed"] = tuple(stats["allowed_values"])
        elif check.name == "in_range":
            fields.update(minimum=stats["min_value"], maximum=stats["max_value"],
                          include_min=stats["include_min"], include_max=stats["include_max"])
        elif check.name in ("greater_than_or_equal_to", "greater_than"):
            fields.update(minimum=stats["min_value"], include_min=check.name == "greater_than_or_equal_to")
        elif check.name == "str_matches":
            fields["pattern"] = stats["pattern"]
    return ColumnSpec(
        name=name, kind=meta["kind"], required=meta["required"], description=col.description or "",
        unit=meta.get("unit") or "", hint=meta.get("hint"), unique=bool(col.unique),
        references=meta.get("references"), default=meta.get("default"), required_text=meta.get("required_text"),
        **fields,
    )


@functools.cache
def schema(table: str) -> pa.DataFrameSchema:
    """The table's model as a pandera DataFrameSchema (cached: building it is not free)."""
    return MODELS[table].to_schema()


@functools.cache
def column_specs(table: str) -> tuple[ColumnSpec, ...]:
    """Every input column of `table`, in model order."""
    return tuple(_spec_from_column(name, col) for name, col in schema(table).columns.items())


def input_columns(table: str) -> list[str]:
    """Names of the input columns of `table`, in model order."""
    return [spec.name for spec in column_specs(table)]


def key_column(table: str) -> str:
    """The column that names a row of `table` in findings (unique but for profiles: one id, many hours)."""
    from energyplan.model import KEY_COLUMNS

    return KEY_COLUMNS[table]


def describe(table: str) -> dict[str, Any]:
    """A JSON-ready description of one table (stable key order)."""
    model = MODELS[table]
    return {
        "table": table,
        "description": (model.__doc__ or "").strip(),
        "key": key_column(table),
        "columns": [spec.to_json() for spec in column_specs(table)],
    }
