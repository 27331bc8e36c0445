"""Benchmark tooling: the plan generator writes valid (or exactly this share of bad) plans; the runner reports."""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCH))
generate = importlib.import_module("generate")
run = importlib.import_module("run")
sys.path.remove(str(BENCH))

TABLES = ("sites", "workloads", "commitments", "contracts", "incidents", "profiles")
KEYS = {"sites": ["site_id"], "workloads": ["workload_id"], "commitments": ["commitment_id"],
        "contracts": ["contract_id"], "incidents": ["incident_id"], "profiles": ["profile_id", "timestamp"]}
REFS = {("workloads", "site_id"): "sites", ("workloads", "commitment_id"): "commitments",
        ("commitments", "site_id"): "sites", ("commitments", "sourcing_plan_id"): "contracts",
        ("contracts", "site_id"): "sites", ("incidents", "site_id"): "sites",
        ("sites", "grid_carbon_profile"): "profiles", ("sites", "grid_cfe_profile"): "profiles",
        ("sites", "load_profile"): "profiles", ("contracts", "generation_profile"): "profiles"}
BUILTIN_SHAPES = {"builtin:solar", "builtin:wind", "builtin:flat"}  # allowed in generation_profile only
LAYER_TYPES = {"grid": {"grid_supply"}, "flexibility": {"battery_storage", "microgrid", "onsite_generation"},
               "ppa": {"physical_ppa", "virtual_ppa"}}


def rng_(lo: float | None = None, hi: float | None = None, *, lo_open: bool = False, hi_open: bool = False):
    def check(x: pd.Series) -> pd.Series:
        ok = pd.Series(True, index=x.index)
        if lo is not None:
            ok &= (x > lo) if lo_open else (x >= lo)
        if hi is not None:
            ok &= (x < hi) if hi_open else (x <= hi)
        return ok
    return check


def enum(*values: str) -> set[str]:
    return set(values)


# The plan format (spec/plan-format.md), written out independently of the package: (kind, required, rule).
SPEC: dict[str, dict[str, tuple]] = {
    "sites": {
        "site_id": ("str", True, None), "name": ("str", False, None),
        "country": ("str", True, re.compile(r"[A-Z]{2}")),
        "site_type": ("str", True, enum("owned_dc", "colocation", "cloud_region", "hpc_centre")),
        "pue": ("float", True, rng_(1.0, 3.0)),
        "grid_carbon_intensity_g_per_kwh": ("float", True, rng_(0, 1500)),
        "sovereign": ("bool", True, None), "energy_owner": ("str", False, None),
        # adequacy.md "Inputs"
        "grid_carbon_profile": ("str", False, None), "grid_cfe_profile": ("str", False, None),
        "grid_cfe_pct": ("float", False, rng_(0, 100)), "load_profile": ("str", False, None),
        "utc_offset_hours": ("float", False, lambda x: rng_(-12, 14)(x) & ((x * 4) % 1 == 0)),
    },
    "workloads": {
        "workload_id": ("str", True, None), "name": ("str", False, None), "team": ("str", False, None),
        "site_id": ("str", True, None),
        "workload_class": ("str", True, enum("training", "fine_tuning", "batch_inference", "realtime_inference",
                                             "research", "other")),
        "criticality": ("str", False, enum("sensitive", "tolerant")), "gpu_type": ("str", False, None),
        "gpu_count": ("int", True, rng_(0)), "gpu_power_kw": ("float", True, rng_(0, 5, lo_open=True)),
        "utilization": ("float", True, rng_(0, 1)), "hours_per_week": ("float", True, rng_(0, 168)),
        "start_date": ("date", True, None), "end_date": ("date", False, None),
        "commitment_id": ("str", False, None), "sovereign_required": ("bool", False, None),
        "sla_availability_pct": ("float", False, rng_(0, 100, lo_open=True, hi_open=True)),
    },
    "commitments": {
        "commitment_id": ("str", True, None), "provider": ("str", True, None), "site_id": ("str", True, None),
        "commitment_type": ("str", True, enum("reserved_capacity", "savings_plan", "capacity_block",
                                              "hpc_allocation", "colocation_lease")),
        "status": ("str", True, enum("signed", "proposed")), "gpu_count": ("int", True, rng_(0)),
        "start_date": ("date", True, None), "end_date": ("date", True, None),
        "total_cost": ("float", True, rng_(0)), "currency": ("str", True, re.compile(r"[A-Z]{3}")),
        "sourcing_plan_id": ("str", False, None), "energy_signoff": ("bool", False, None),
        "finance_signoff": ("bool", False, None),
    },
    "contracts": {
        "contract_id": ("str", True, None), "site_id": ("str", True, None),
        "layer": ("str", True, set(LAYER_TYPES)),
        "contract_type": ("str", True, set().union(*LAYER_TYPES.values())),
        "technology": ("str", False, enum("grid_mix", "solar", "wind", "hydro", "nuclear", "geothermal", "battery",
                                          "gas", "mixed")),
        "counterparty": ("str", False, None), "status": ("str", True, enum("signed", "negotiating", "proposed")),
        "capacity_mw": ("float", True, rng_(0)), "energy_mwh": ("float", False, rng_(0)),
        "annual_volume_mwh": ("float", False, rng_(0)), "availability_pct": ("float", True, rng_(0, 100)),
        "price_per_mwh": ("float", False, rng_(0)), "currency": ("str", False, re.compile(r"[A-Z]{3}")),
        "carbon_intensity_g_per_kwh": ("float", False, rng_(0, 1500)),
        "start_date": ("date", True, None), "end_date": ("date", True, None),
        "generation_profile": ("str", False, None),
    },
    "incidents": {
        "incident_id": ("str", True, None), "site_id": ("str", True, None), "started_at": ("timestamp", True, None),
        "duration_hours": ("float", True, rng_(0, lo_open=True)), "mw_shed": ("float", False, rng_(0)),
        "cause": ("str", True, enum("grid_curtailment", "capacity_shortfall", "price_spike", "storage_depleted",
                                    "cooling", "other")),
    },
    "profiles": {
        "profile_id": ("str", True, None), "timestamp": ("timestamp", True, None),
        "value": ("float", True, rng_(0)),
    },
}
_NUMBER = r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?"


def read_table(plan: Path, table: str) -> tuple[dict[str, pd.Series], dict[str, pd.Series]]:
    """(values, invalid) per column: CSV cells as the spec reads text, Parquet cells as typed."""
    values, invalid = {}, {}
    csv_path, pq_path = plan / f"{table}.csv", plan / f"{table}.parquet"
    if csv_path.exists():
        text = pacsv.read_csv(csv_path, convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(SPEC[table], pa.string()), strings_can_be_null=True,
            null_values=[""], quoted_strings_can_be_null=False)).to_pandas()
        for col, (kind, _, _) in SPEC[table].items():
            s = text[col]
            present = s.notna()
            if kind == "str":
                values[col], bad = s, pd.Series(False, index=s.index)
            elif kind in ("float", "int"):
                pattern = _NUMBER if kind == "float" else r"[+-]?\d+"
                ok = s.str.fullmatch(pattern).fillna(False).astype(bool)
                values[col] = pd.to_numeric(s.where(ok), errors="coerce")
                bad = present & ~ok
            elif kind == "bool":
                low = s.str.lower()
                ok = low.isin(["true", "false", "yes", "no", "1", "0"])
                values[col] = low.isin(["true", "yes", "1"]).where(present)
                bad = present & ~ok
            else:
                fmt = "%Y-%m-%d" if kind == "date" else "ISO8601"
                values[col] = pd.to_datetime(s, format=fmt, errors="coerce")
                bad = present & values[col].isna()
            invalid[col] = bad
    else:
        data = pq.read_table(pq_path)
        for col, (kind, _, _) in SPEC[table].items():
            arr = data[col]
            bad = np.zeros(data.num_rows, bool)
            if kind == "float":
                bad = pc.fill_null(pc.invert(pc.is_finite(arr)), False).to_numpy()
            values[col] = arr.to_pandas()
            invalid[col] = pd.Series(bad)
    return values, invalid


def bad_rows(plan: Path) -> dict[str, np.ndarray]:
    """Per table, a mask of rows that break the plan format (an independent oracle for the tests)."""
    cols = {t: read_table(plan, t) for t in TABLES}
    out = {}
    for table in TABLES:
        values, invalid = cols[table]
        n = len(next(iter(values.values())))
        bad = np.zeros(n, bool)
        for col, (_, required, rule) in SPEC[table].items():
            v = values[col]
            bad |= invalid[col].to_numpy()
            present = v.notna().to_numpy() & ~invalid[col].to_numpy()
            if required:
                bad |= ~present
            if isinstance(rule, set):
                bad |= present & ~v.isin(rule).to_numpy()
            elif isinstance(rule, re.Pattern):
                bad |= present & ~v.astype("str").str.fullmatch(rule.pattern).fillna(False).to_numpy(bool)
            elif rule is not None:
                bad |= present & ~rule(v.astype("float64")).to_numpy()
        bad |= pd.DataFrame({k: values[k] for k in KEYS[table]}).duplicated(keep="first").to_numpy()
        for (src, col), target in REFS.items():
            if src == table:
                ref = values[col]
                known = set(cols[target][0][KEYS[target][0]].dropna())
                if col == "generation_profile":
                    known |= BUILTIN_SHAPES
                bad |= (ref.notna() & ~ref.isin(known)).to_numpy()
        if table == "profiles":
            bad |= values["profile_id"].str.startswith("builtin:").fillna(False).to_numpy(bool)
            stamp = values["timestamp"]
            bad |= (stamp.notna() & (stamp.dt.floor("h") != stamp)).to_numpy()
        if "end_date" in values:
            bad |= (values["end_date"] < values["start_date"]).fillna(False).to_numpy(bool)
        if table == "contracts":
            pairs = pd.Series(list(zip(values["layer"], values["contract_type"], strict=True)))
            allowed = {(layer, t) for layer, types in LAYER_TYPES.items() for t in types}
            bad |= ~pairs.isin(allowed).to_numpy()
            bad |= (values["price_per_mwh"].notna() & values["currency"].isna()).to_numpy()
        out[table] = bad
    return out


N = 10_000


@pytest.fixture(scope="module")
def plans(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("bench")
    out = {}
    for name, fraction in (("clean", "0"), ("bad1", "0.01")):
        out[name] = root / name
        subprocess.run([sys.executable, str(BENCH / "generate.py"), "--workloads", str(N), "--format", "both",
                        "--bad-fraction", fraction, "--seed", "7", str(out[name])], check=True, capture_output=True)
    return out


def test_sizes_scale_from_the_workload_count() -> None:
    assert generate.table_sizes(1_000_000) == {"workloads": 1_000_000, "sites": 2_000, "commitments": 50_000,
                                               "contracts": 20_000, "incidents": 10_000}
    small = generate.table_sizes(10_000)
    assert small == {"workloads": 10_000, "sites": 20, "commitments": 500, "contracts": 200, "incidents": 100}
    tiny = generate.table_sizes(100)
    assert all(tiny[t] >= generate.MINIMUMS[t] for t in generate.MINIMUMS)


@pytest.mark.parametrize("variant", ["clean", "bad1"])
def test_every_table_in_both_formats_with_expected_rows(plans: dict[str, Path], variant: str) -> None:
    sizes = generate.table_sizes(N)
    for fmt in ("csv", "parquet"):
        folder = plans[variant] / fmt
        assert "as_of = 2026-11-30" in (folder / "energyplan.toml").read_text()
        assert sorted(p.name for p in folder.iterdir()) == sorted(
            [f"{t}.{fmt}" for t in TABLES] + ["energyplan.toml"])
        for table in TABLES:
            if fmt == "csv":
                rows = pacsv.read_csv(folder / f"{table}.csv").num_rows
            else:
                rows = pq.read_metadata(folder / f"{table}.parquet").num_rows
            if table == "profiles":  # a year of hours per profile, however large the plan
                assert rows > 0 and rows % 8760 == 0, (variant, fmt, rows)
            else:
                assert rows == sizes[table], (variant, fmt, table)


def test_clean_plan_breaks_no_rule_of_the_format(plans: dict[str, Path]) -> None:
    for fmt in ("csv", "parquet"):
        for table, bad in bad_rows(plans["clean"] / fmt).items():
            assert not bad.any(), (fmt, table, np.flatnonzero(bad)[:5])


def test_clean_plan_is_realistic(plans: dict[str, Path]) -> None:
    folder = plans["clean"] / "parquet"
    sites = pq.read_table(folder / "sites.parquet").to_pandas()
    work = pq.read_table(folder / "workloads.parquet").to_pandas()
    cmts = pq.read_table(folder / "commitments.parquet").to_pandas()
    ctrs = pq.read_table(folder / "contracts.parquet").to_pandas()
    assert set(sites.site_type) == {"owned_dc", "colocation", "cloud_region", "hpc_centre"}
    assert set(ctrs.layer) == {"grid", "flexibility", "ppa"}
    as_of = pd.Timestamp("2026-11-30")
    assert (pd.to_datetime(work.end_date) < as_of).any()  # some workloads have ended
    assert work.end_date.isna().any() and work.criticality.isna().any()
    assert cmts.sourcing_plan_id.isna().any() and (cmts.status == "proposed").any()
    assert (ctrs.status != "signed").any() and (cmts.currency != "EUR").any()


def test_clean_plan_has_the_time_axes_inputs(plans: dict[str, Path]) -> None:
    """Storage at every non-cloud site, grid events, and profiles for a share of sites (adequacy.md)."""
    folder = plans["clean"] / "parquet"
    sites = pq.read_table(folder / "sites.parquet").to_pandas()
    ctrs = pq.read_table(folder / "contracts.parquet").to_pandas()
    incs = pq.read_table(folder / "incidents.parquet").to_pandas()
    prof = pq.read_table(folder / "profiles.parquet").to_pandas()
    as_of = pd.Timestamp("2026-11-30")
    battery = ctrs[(ctrs.contract_type == "battery_storage") & ctrs.energy_mwh.gt(0)
                   & (pd.to_datetime(ctrs.start_date) <= as_of) & (pd.to_datetime(ctrs.end_date) >= as_of)]
    own = set(sites.site_id[sites.site_type != "cloud_region"])
    assert own <= set(battery.site_id)
    signed = own & set(battery.site_id[battery.status == "signed"])  # a few are still being negotiated
    assert len(signed) >= 0.8 * len(own)
    events = incs[(incs.cause == "grid_curtailment") & incs.mw_shed.notna()]
    assert len(events) > 10 and (pd.to_datetime(events.started_at) >= as_of - pd.Timedelta(days=365)).any()
    # profiles: a year of hour-beginning values each, every one referenced, every reference resolved
    hours = prof.groupby("profile_id").timestamp.agg(["count", "min", "max", "nunique"])
    assert (hours["count"] == 8760).all() and (hours["nunique"] == 8760).all()
    assert (hours["max"] - hours["min"] == pd.Timedelta(hours=8759)).all()
    assert (prof.timestamp.dt.floor("h") == prof.timestamp).all() and (prof.value >= 0).all()
    named = pd.concat([sites.grid_carbon_profile, sites.grid_cfe_profile, sites.load_profile,
                       ctrs.generation_profile]).dropna()
    assert set(hours.index) == set(named[~named.str.startswith("builtin:")])
    with_profile = sites[["grid_carbon_profile", "load_profile"]].notna().any(axis=1).mean()
    assert 0.2 <= with_profile <= 0.9
    assert set(ctrs.generation_profile.dropna()) & {"builtin:solar", "builtin:wind"}
    assert sites.grid_cfe_pct.notna().any() and sites.utc_offset_hours.notna().all()


def test_no_profiles_writes_a_v1_plan(tmp_path: Path) -> None:
    generate.build(tmp_path, 500, fmt="csv", profiles=False)
    assert not (tmp_path / "profiles.csv").exists()
    assert "profile" not in (tmp_path / "sites.csv").read_text().splitlines()[0]


def test_csv_and_parquet_hold_the_same_plan(plans: dict[str, Path]) -> None:
    for table in TABLES:
        typed = pq.read_table(plans["clean"] / "parquet" / f"{table}.parquet")
        from_csv = pacsv.read_csv(plans["clean"] / "csv" / f"{table}.csv",
                                  convert_options=pacsv.ConvertOptions(column_types=typed.schema,
                                                                       strings_can_be_null=True))
        assert from_csv.equals(typed), table


def test_parquet_types(plans: dict[str, Path]) -> None:
    schema = {t: pq.read_schema(plans["clean"] / "parquet" / f"{t}.parquet") for t in TABLES}
    assert schema["workloads"].field("gpu_count").type == pa.int64()
    assert schema["workloads"].field("start_date").type == pa.date32()
    assert schema["workloads"].field("sovereign_required").type == pa.bool_()
    assert schema["sites"].field("pue").type == pa.float64()
    started = schema["incidents"].field("started_at").type  # Parquet has no seconds unit: stored as ms
    assert pa.types.is_timestamp(started) and started.tz is None
    assert schema["contracts"].field("layer").type == pa.string()


def test_csv_is_written_the_way_the_spec_reads_it(plans: dict[str, Path]) -> None:
    text = (plans["clean"] / "csv" / "workloads.csv").read_text(encoding="utf-8")
    header, first = text.splitlines()[:2]
    assert header == ",".join(SPEC["workloads"])  # bare header, spec column order
    assert '"' not in text  # nothing here needs quoting
    assert ",," in text  # nulls are empty cells
    assert re.search(r",(true|false),", text) and re.search(r",\d{4}-\d{2}-\d{2},", first)
    assert "nan" not in text.lower().replace("financ", "")
    incidents = (plans["clean"] / "csv" / "incidents.csv").read_text().splitlines()[1]
    assert re.search(r",\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2},", incidents)


def test_quote_styles_and_crlf_write_the_same_table(tmp_path: Path) -> None:
    """--quote all quotes every text cell and the header, numbers bare; minimal only what needs it;
    none refuses a cell that needs quotes; CRLF ends every line. pyarrow reads back the same table."""
    table = pa.table({"id": ["a", 'say "hi"', "x,y", None], "n": [1.5, None, 3.0, 4.0],
                      "d": pa.array([0, 1, 2, None], pa.date32()), "b": [True, False, None, True]})
    generate.write_csv(table, tmp_path / "all.csv", quote="all", newline="\r\n")
    generate.write_csv(table, tmp_path / "min.csv", quote="minimal")
    raw = (tmp_path / "all.csv").read_bytes()
    assert raw.count(b"\r\n") == 5 and raw.endswith(b"\r\n") and b"\n" not in raw.replace(b"\r\n", b"")
    assert raw.decode().split("\r\n")[:3] == ['"id","n","d","b"', '"a",1.5,1970-01-01,true',
                                              '"say ""hi""",,1970-01-02,false']
    assert (tmp_path / "min.csv").read_text().splitlines()[1:4] == ["a,1.5,1970-01-01,true",
                                                                      '"say ""hi""",,1970-01-02,false',
                                                                      '"x,y",3,1970-01-03,']
    options = pacsv.ConvertOptions(column_types=table.schema, strings_can_be_null=True,
                                   quoted_strings_can_be_null=False)
    for name in ("all.csv", "min.csv"):
        assert pacsv.read_csv(tmp_path / name, convert_options=options).equals(table), name
    with pytest.raises(ValueError, match="needs quotes"):
        generate.write_csv(table, tmp_path / "none.csv", quote="none")


def test_generator_quoted_plan_reads_as_the_unquoted_one(tmp_path: Path) -> None:
    for name, args in (("q", ["--quote", "all", "--newline", "crlf"]), ("n", ["--quote", "none"])):
        subprocess.run([sys.executable, str(BENCH / "generate.py"), "--workloads", "300", *args,
                        str(tmp_path / name)], check=True, capture_output=True)
    text = (tmp_path / "q" / "workloads.csv").read_bytes().decode("utf-8").split("\r\n")[1]
    assert text.startswith('"wl-000001","') and ',""' not in text  # text quoted, nulls stay empty
    for table in TABLES:
        assert pacsv.read_csv(tmp_path / "q" / f"{table}.csv").equals(pacsv.read_csv(tmp_path / "n" / f"{table}.csv"))


def _rows(path: Path) -> list:
    if path.suffix == ".csv":
        return path.read_text(encoding="utf-8").splitlines()[1:]
    return list(zip(*(map(repr, c.to_pylist()) for c in pq.read_table(path).columns), strict=True))


def test_bad_fraction_changes_exactly_that_share_of_rows(plans: dict[str, Path]) -> None:
    sizes = generate.table_sizes(N)
    for fmt in ("csv", "parquet"):
        flagged = bad_rows(plans["bad1"] / fmt)
        for table in TABLES:
            clean = _rows(plans["clean"] / fmt / f"{table}.{fmt}")
            bad = _rows(plans["bad1"] / fmt / f"{table}.{fmt}")
            changed = np.array([a != b for a, b in zip(clean, bad, strict=True)])
            assert changed.sum() == round(0.01 * sizes.get(table, len(clean))), (fmt, table)
            # every changed row breaks the format (the oracle may also flag a clean row whose
            # reference now dangles because its target row got corrupted)
            assert flagged[table][changed].all(), (fmt, table)


def test_fraction_one_makes_every_row_bad(tmp_path: Path) -> None:
    generate.build(tmp_path / "all", 2_000, fmt="both", bad_fraction=1.0, seed=3)
    for fmt in ("csv", "parquet"):
        for table, bad in bad_rows(tmp_path / "all" / fmt).items():
            assert bad.all(), (fmt, table, np.flatnonzero(~bad)[:5])


def test_same_seed_same_bytes_other_seed_other_plan(tmp_path: Path) -> None:
    for name, seed in (("a", 5), ("b", 5), ("c", 6)):
        generate.build(tmp_path / name, 1_000, fmt="csv", bad_fraction=0.05, seed=seed)
    for table in TABLES:
        a, b, c = ((tmp_path / n / f"{table}.csv").read_bytes() for n in "abc")
        assert a == b
        assert a != c


def test_generator_rejects_bad_arguments(tmp_path: Path) -> None:
    for args in (["--workloads", "0"], ["--workloads", "10", "--bad-fraction", "1.5"], ["--workloads", "x"]):
        proc = subprocess.run([sys.executable, str(BENCH / "generate.py"), *args, str(tmp_path / "p")],
                              check=False, capture_output=True, text=True)
        assert proc.returncode == 2 and "Traceback" not in proc.stderr


def test_clean_plan_has_no_integrity_findings(plans: dict[str, Path]) -> None:
    try:
        from energyplan.plan.validate import validate_plan
    except ImportError:
        pytest.skip("energyplan.plan.validate is not written yet")
    from energyplan.config import load_settings

    for fmt in ("csv", "parquet"):
        folder = plans["clean"] / fmt
        result = validate_plan(folder, load_settings(folder))
        found = {b.rule: len(b.frame) for b in result.batches if len(b.frame)}  # builtin check names
        assert not {r: n for r, n in found.items() if r in ("schema", "reference", "dates", "currency")}, (fmt, found)
        assert not any(result.rows_left_out.values())


# ---- the runner ---------------------------------------------------------------------------------

def test_runner_reports_failed_commands_instead_of_crashing() -> None:
    s = run.Scenario("boom", [sys.executable, "-c", "import sys; print('oops', file=sys.stderr); sys.exit(3)"])
    result = run.measure(s, repeat=2, timeout=60)
    assert result.failure == "exit 3: oops" and result.median is None
    s = run.Scenario("not json", [sys.executable, "-c", "print('hello')"], check=run.json_check)
    assert run.measure(s, repeat=1, timeout=60).failure.startswith("stdout is not JSON")
    s = run.Scenario("missing", [str(Path("/nonexistent/energyplan"))])
    assert run.measure(s, repeat=1, timeout=60).failure.startswith("could not start")


def test_runner_times_and_measures_memory() -> None:
    s = run.Scenario("alloc", [sys.executable, "-c", "b = bytearray(200 * 1024 * 1024); print('{}')"],
                     check=run.json_check)
    result = run.measure(s, repeat=3, timeout=60)
    assert result.failure is None and len(result.times) == 3
    assert min(result.rss_mb) > 200
    # A big runner must not inflate a small child's figure (Linux carries a parent's peak RSS
    # into a forked child's ru_maxrss): the runner here has just held 400 MB.
    ballast = bytearray(400 * 1024 * 1024)
    ballast[::4096] = b"x" * len(ballast[::4096])
    del ballast
    small = run.measure(run.Scenario("small", [sys.executable, "-c", "pass"]), repeat=1, timeout=60)
    assert small.failure is None and small.rss_mb[0] < 100


def test_runner_kills_a_command_that_outlives_the_timeout() -> None:
    s = run.Scenario("slow", [sys.executable, "-c", "import time; time.sleep(30)"])
    result = run.measure(s, repeat=1, timeout=0.5)
    assert result.failure == "exit -9: timed out after 0.5 s"


def test_targets_pass_and_fail_on_ratio_and_memory() -> None:
    floor = run.Scenario("floor", [])
    audit = run.Scenario("audit", [], "floor", max_ratio=6.0, max_rss_mb=1500.0)
    results = {"floor": run.Result([1.0, 1.2, 0.9], [100.0] * 3), "audit": run.Result([5.0, 5.5, 6.5], [900.0] * 3)}
    assert run.verdict(audit, results) == ("5.50", "", "<=6x, <1500 MB", "PASS")
    results["audit"] = run.Result([7.0], [900.0])
    assert run.verdict(audit, results)[3] == "FAIL"
    results["audit"] = run.Result([5.0], [1600.0])
    assert run.verdict(audit, results)[3] == "FAIL"
    results["audit"] = run.Result([], [], failure="exit 3: bug")
    assert run.verdict(audit, results)[3] == "FAIL"
    assert run.verdict(floor, results) == ("-", "", "", None)
    memory_only = run.Scenario("audit 100", [], "floor", max_rss_mb=2500.0)
    results["audit 100"] = run.Result([50.0], [2000.0])
    assert run.verdict(memory_only, results)[2:] == ("completes, <2500 MB", "PASS")


def test_targets_on_seconds_added_and_wall_seconds() -> None:
    results = {"floor": run.Result([1.0], [1.0]), "day": run.Result([3.0, 3.2, 2.9], [1.0] * 3),
               "outlook": run.Result([4.4, 4.6, 4.5], [1.0] * 3)}
    outlook = run.Scenario("outlook", [], "floor", over="day", max_extra_s=1.5)
    assert run.verdict(outlook, results) == ("4.50", "+1.50", "+<=1.5 s", "PASS")
    outlook.max_extra_s = 1.4
    assert run.verdict(outlook, results)[3] == "FAIL"
    results["day"] = run.Result([], [], failure="exit 2: no")
    assert run.verdict(outlook, results)[1:] == ("-", "+<=1.4 s", "FAIL")
    small = run.Scenario("small", [], max_s=1.5)
    results["small"] = run.Result([1.4, 1.6, 1.5], [1.0] * 3)
    assert run.verdict(small, results) == ("-", "", "<=1.5 s", "PASS")
    results["small"] = run.Result([1.6], [1.0])
    assert run.verdict(small, results)[3] == "FAIL"


def test_linearity_figure() -> None:
    def res(t: float) -> run.Result:
        return run.Result([t], [1.0])

    results = {"audit day csv clean 10k": res(1.0), "audit day csv clean 100k": res(2.0),
               "audit day csv clean 1M": res(12.0)}
    line, ok = run.linearity([10_000, 100_000, 1_000_000], results)
    assert "= 11.0" in line and "linear scaling gives 11.0" in line and line.endswith("PASS") and ok
    results["audit day csv clean 1M"] = res(1.0 + 11.0 * 1.31)
    assert run.linearity([10_000, 100_000, 1_000_000], results)[1] is False
    results["audit day csv clean 1M"] = res(1.0 + 11.0 / 1.29)
    assert run.linearity([10_000, 100_000, 1_000_000], results)[1] is True
    line, ok = run.linearity([10_000], results)
    assert "n/a" in line and ok is None


def test_stage_texts_name_their_stage() -> None:
    assert run.stage_of("reading /tmp/plan") == "read"
    assert run.stage_of("computing KPIs") == "facts"
    assert run.stage_of("walking the plan month by month") == "outlook"
    assert run.stage_of("replaying last year hour by hour") == "adequacy"
    assert run.stage_of("running rules") == "rules"
    assert run.stage_of("collecting findings") == "collect"
    assert run.stage_of("locating line numbers") == "lines"
    assert run.stage_of("parsing workloads") == "parse"
    assert run.stage_of("checking workloads") == "checks"
    assert run.stage_of("something new") == "other"


def test_audit_leaves_out_only_the_axes_this_build_has() -> None:
    both = {"outlook": True, "adequacy": True}
    assert run.audit_argv("P", both, ("outlook", "adequacy"))[-4:] == ["--ignore", "EP7", "--ignore", "EP8"]
    assert run.audit_argv("P", {"outlook": True, "adequacy": False}, ("outlook", "adequacy"))[-2:] == [
        "--ignore", "EP7"]
    assert run.audit_argv("P", both, ()) == ["audit", "P", "--format", "json"]


def test_runner_quick_prints_the_table(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, str(BENCH / "run.py"), "--quick", "--stages", "--only", "quoted",
                           "--data-dir", str(tmp_path)], check=False, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = proc.stdout
    assert out.splitlines()[1].split()[:3] == ["scenario", "median", "s"]
    for name in ("typer one-command --help", "energyplan --help", "energyplan rules explain EP501",
                 "floor csv quoted clean 10k", "audit day csv quoted 100% bad 10k", "audit day csv quoted 1% bad 10k",
                 "audit +outlook csv quoted clean 10k"):
        assert name in out, name
    assert "audit day parquet" not in out  # --only
    assert "linearity" in out and "Traceback" not in proc.stderr
    stages = out[out.index("seconds per stage"):].splitlines()
    header = stages[1].split()
    assert header[:3] == ["scenario", "python", "imports"] and header[-1] == "total"
    assert {"read", "facts", "rules", "collect", "render"} <= set(header)
    day = next(line for line in stages if line.startswith("audit day csv quoted clean 10k"))
    assert all(float(cell) >= 0 for cell in day.split()[-len(header) + 1:])
    # plans are cached: a second generation is skipped
    assert (tmp_path / "w10000-clean-s0" / ".generated.json").exists()
    assert sorted(p.name for p in (tmp_path / "w10000-clean-s0").iterdir() if p.is_dir()) == [
        "csv", "csv-crlf", "csv-quoted", "parquet"]
