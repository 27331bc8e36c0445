"""The energyplan.toml JSON Schema: generated from config_keys.KEYS, committed up to date, accepts every
sample config, and agrees with the loader on valid and invalid configs."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import jsonschema
import pytest

from energyplan.config import load_settings
from energyplan.config_keys import DATE_MAX, DATE_MIN, KEYS, PATHWAY_YEARS
from energyplan.config_schema import DATE, SCHEMA_COMMENT, SCHEMA_FILE, YEAR, main, schema, schema_text
from energyplan.errors import ConfigError
from tests.support.config import as_json

ROOT = Path(__file__).resolve().parents[1]

# The example of plan-format.md's energyplan.toml section, every key set.
SPEC_EXAMPLE = """
currency = "EUR"
as_of = 2026-11-30
[fx]
USD = 0.92
[targets]
carbon_intensity_g_per_kwh = 150
carbon_intensity_pathway = { 2026 = 300, 2030 = 100 }
emissions_pathway_t = { 2026 = 90000, 2030 = 45000 }
cfe_pct = 80
[outlook]
months = 36
[hourly]
clock = "UTC"
round_trip_efficiency = 0.9
min_soc_pct = 10
reserve_hours = 2
[rules]
paths = ["policies/"]
select = ["EP"]
ignore = ["EP303"]
fail_on = "error"
severity = { EP203 = "error" }
[rules.params.EP502]
min_headroom_pct = 15
[rules.params.EP401]
horizon_days = 365
[[waivers]]
rule = "EP101"
record = "cmt-aws-2027"
reason = "virtual PPA in signature, due 2027-02"
owner = "energy-lead@example.org"
expires = 2027-03-31
"""


def schema_ok(text: str) -> bool:
    return jsonschema.Draft7Validator(schema()).is_valid(as_json(tomllib.loads(text)))


def loader_ok(tmp_path: Path, text: str) -> bool:
    (tmp_path / "energyplan.toml").write_text(text, encoding="utf-8")
    try:
        load_settings(tmp_path)
    except ConfigError:
        return False
    return True


def test_committed_schema_is_up_to_date() -> None:
    assert (ROOT / SCHEMA_FILE).read_text(encoding="utf-8") == schema_text(), (
        "run: python -m energyplan.config_schema")
    assert main(["--check", str(ROOT / SCHEMA_FILE)]) == 0


def test_check_mode_reports_a_stale_file(tmp_path: Path) -> None:
    (tmp_path / "s.json").write_text("{}", encoding="utf-8")
    assert main(["--check", str(tmp_path / "s.json")]) == 1
    assert main([str(tmp_path / "s.json")]) == 0 and main(["--check", str(tmp_path / "s.json")]) == 0


def test_schema_is_valid_draft7_and_covers_every_key() -> None:
    doc = schema()
    jsonschema.Draft7Validator.check_schema(doc)
    for dotted in KEYS:
        top, _, rest = dotted.partition(".")
        node = doc["properties"][top]
        if rest and rest != "*":
            assert rest in node["properties"], dotted
    for key in ("months",):
        assert key in doc["properties"]["outlook"]["properties"]
    assert set(doc["properties"]["hourly"]["properties"]) == {"clock", "round_trip_efficiency", "min_soc_pct",
                                                              "reserve_hours"}
    assert {"carbon_intensity_pathway", "emissions_pathway_t", "cfe_pct"} <= set(
        doc["properties"]["targets"]["properties"])


def test_year_patterns_match_the_loader_bounds() -> None:
    for year in range(1800, 2300):
        date_ok = re.match(DATE["pattern"], f"{year:04d}-01-01") is not None
        assert date_ok == (DATE_MIN.year <= year <= DATE_MAX.year), year
        assert (re.match(YEAR, str(year)) is not None) == (PATHWAY_YEARS[0] <= year <= PATHWAY_YEARS[1]), year


def test_schema_comment_follows_the_taplo_convention() -> None:
    assert SCHEMA_COMMENT.startswith("#:schema https://") and SCHEMA_COMMENT.endswith(SCHEMA_FILE.name)
    assert schema()["$id"] == SCHEMA_COMMENT.removeprefix("#:schema ")


def sample_configs() -> list[tuple[str, str]]:
    from energyplan.cli.cmd_schema import CONFIG_TEMPLATE

    files = sorted((ROOT / "sample_data").glob("*/energyplan.toml"))
    found = [(p.parent.name, p.read_text(encoding="utf-8")) for p in files]
    uncommented = re.sub(r"(?m)^# (?=\[|[A-Za-z_]+ *=)", "", CONFIG_TEMPLATE)
    return [*found, ("init template", CONFIG_TEMPLATE), ("init template, uncommented", uncommented),
            ("plan-format example", SPEC_EXAMPLE)]


@pytest.mark.parametrize(("name", "text"), sample_configs(), ids=[n for n, _ in sample_configs()])
def test_every_sample_config_validates(tmp_path: Path, name: str, text: str) -> None:
    errors = [e.message for e in jsonschema.Draft7Validator(schema()).iter_errors(as_json(tomllib.loads(text)))]
    assert errors == [], name
    assert loader_ok(tmp_path, text)


INVALID = [
    "curency = \"EUR\"\n",
    "currency = \"euro\"\n",
    "as_of = 9999-12-01\n",
    "as_of = 1899-12-31\n",
    "[fx]\nUSD = 0\n",
    "[fx]\nUSD = nan\n",
    "[fx]\nusd = 1\n",
    "[fx]\nUSD = 1e10\n",
    "[targets]\ncarbon_intensity_g_per_kwh = -1\n",
    "[targets]\ncarbon_intensity_g_per_kwh = inf\n",
    "[targets]\ncarbon_intensity_g_per_kwh = \"150\"\n",
    "[targets]\ncfe_pct = 101\n",
    "[targets]\ncfe = 80\n",
    "[targets]\ncarbon_intensity_pathway = { 1899 = 1 }\n",
    "[targets]\ncarbon_intensity_pathway = { 2201 = 1 }\n",
    "[targets]\ncarbon_intensity_pathway = { 2030 = -1 }\n",
    "[targets]\nemissions_pathway_t = { 2030 = nan }\n",
    "[targets]\nemissions_pathway_t = 5\n",
    "[outlook]\nmonths = 0\n",
    "[outlook]\nmonths = 241\n",
    "[outlook]\nmonths = 1.5\n",
    "[outlook]\nhorizon = 12\n",
    "[hourly]\nround_trip_efficiency = 0\n",
    "[hourly]\nround_trip_efficiency = 1.5\n",
    "[hourly]\nmin_soc_pct = -1\n",
    "[hourly]\nreserve_hours = 169\n",
    "[hourly]\nclock = \"../etc\"\n",
    "[hourly]\nclock = 3\n",
    "[hourly]\nbattery = 1\n",
    "[rules]\nfail_on = \"fatal\"\n",
    "[rules]\nselect = [\"EP 1\"]\n",
    "[rules]\nselect = 3\n",
    "[rules]\nseverity = { EP203 = \"fatal\" }\n",
    "[rules]\npaths = [\"\"]\n",
    "[rules]\npaths = [\"a\\u0000b\"]\n",
    "[rules]\nunknown = 1\n",
    "[rules.params.EP401]\nhorizon_days = 3000000\n",
    "[rules.params.EP401]\nhorizon_days = 30.5\n",
    "[rules.params.EP502]\nmin_headroom_pct = 1e10\n",
    "[rules.params.EP502]\nmin_headroom_pct = nan\n",
    "[rules.params.EP502]\nmin_headroom_pct = [1]\n",
    "[[waivers]]\nrule = \"EP101\"\nrecord = \"x\"\nreason = \"r\"\nowner = \"o\"\n",
    "[[waivers]]\nrule = \"EP101\"\nrecord = \"x\"\nreason = \"r\"\nowner = \"o\"\nexpires = \"soon\"\n",
    "[[waivers]]\nrule = \"EP101\"\nrecord = \"x\"\nreason = \"\"\nowner = \"o\"\nexpires = 2027-01-01\n",
    "[[waivers]]\nrule = \"EP101\"\nrecord = \"x\"\nreason = \"r\"\nowner = \"o\"\nexpires = 2027-01-01\nx = 1\n",
    "waivers = 3\n",
]


@pytest.mark.parametrize("text", INVALID)
def test_schema_and_loader_agree_on_invalid_configs(tmp_path: Path, text: str) -> None:
    assert not schema_ok(text), f"schema accepts {text!r}"
    assert not loader_ok(tmp_path, text), f"loader accepts {text!r}"


VALID = [
    "",
    "[fx]\nUSD = 1e9\n",
    "[targets]\ncfe_pct = 0\n[outlook]\nmonths = 240\n",
    "[targets]\ncarbon_intensity_pathway = { 1900 = 0, 2200 = 1500 }\n",
    "[hourly]\nclock = \"America/Argentina/Buenos_Aires\"\nround_trip_efficiency = 1\n",
    "[rules]\nselect = \"ep5\"\npaths = \"x\"\n",
    "[rules.params.EP401]\nhorizon_days = 36500\nmin_growth_pct = -1e9\n",
    "as_of = 2199-12-31\n",
]


@pytest.mark.parametrize("text", VALID)
def test_schema_and_loader_agree_on_valid_configs(tmp_path: Path, text: str) -> None:
    assert schema_ok(text) and loader_ok(tmp_path, text), text


def test_known_difference_unknown_zone_is_the_loaders_alone(tmp_path: Path) -> None:
    # the schema checks a zone's spelling; whether the zone exists depends on the system's tz database
    text = "[hourly]\nclock = \"Mars/Olympus\"\n"
    assert schema_ok(text) and not loader_ok(tmp_path, text)


def test_schema_file_is_plain_json() -> None:
    json.loads((ROOT / SCHEMA_FILE).read_text(encoding="utf-8"))
