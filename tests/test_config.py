"""Configuration: energyplan.toml, [tool.energyplan], --config, validation with did-you-mean."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from energyplan.config import Settings, find_config, load_settings
from energyplan.errors import ConfigError


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_config(tmp_path: Path) -> None:
    s = load_settings(tmp_path)
    assert s.currency == "EUR" and s.as_of is None and s.rules.fail_on == "error" and s.waivers == ()
    assert s.rules.select is None


def test_full_config_is_parsed(tmp_path: Path) -> None:
    write(tmp_path / "energyplan.toml", """
currency = "USD"
as_of = 2026-11-30
[fx]
EUR = 1.08
[targets]
carbon_intensity_g_per_kwh = 150
[rules]
paths = ["policies/"]
select = ["EP", "ep5"]
ignore = ["EP303"]
fail_on = "warning"
severity = { EP203 = "error" }
[rules.params.EP502]
min_headroom_pct = 15
[[waivers]]
rule = "ep101"
record = "cmt-aws-2027"
reason = "virtual PPA in signature"
owner = "energy-lead@example.org"
expires = 2027-03-31
""")
    s = load_settings(tmp_path)
    assert s.currency == "USD" and s.as_of == dt.date(2026, 11, 30)
    assert s.fx["EUR"] == 1.08 and s.targets["carbon_intensity_g_per_kwh"] == 150.0
    assert s.rules.select == ("EP", "EP5") and s.rules.ignore == ("EP303",)
    assert s.rules.fail_on == "warning" and s.rules.severity["EP203"] == "error"
    assert s.rules.params["EP502"]["min_headroom_pct"] == 15
    assert s.rules.paths == ((tmp_path / "policies").resolve(),)
    (w,) = s.waivers
    assert (w.rule, w.record, w.expires) == ("EP101", "cmt-aws-2027", dt.date(2027, 3, 31))
    with pytest.raises(TypeError):
        s.fx["GBP"] = 1.0  # type: ignore[index]  # frozen


def test_pyproject_above_plan_is_found(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[tool.energyplan]\ncurrency = \"CHF\"\n")
    plan = tmp_path / "plans" / "a"
    plan.mkdir(parents=True)
    assert find_config(plan) == tmp_path / "pyproject.toml"
    assert load_settings(plan).currency == "CHF"


def test_pyproject_without_tool_section_is_skipped(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[project]\nname = \"x\"\n")
    assert find_config(tmp_path) is None


def test_plan_toml_wins_over_pyproject(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[tool.energyplan]\ncurrency = \"CHF\"\n")
    write(tmp_path / "p" / "energyplan.toml", "currency = \"GBP\"\n")
    assert load_settings(tmp_path / "p").currency == "GBP"


def test_explicit_config(tmp_path: Path) -> None:
    cfg = write(tmp_path / "elsewhere.toml", "currency = \"SEK\"\n")
    assert load_settings(tmp_path, cfg).currency == "SEK"
    with pytest.raises(ConfigError, match="no such file"):
        load_settings(tmp_path, tmp_path / "missing.toml")


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        ("curency = \"EUR\"\n", r"unknown key 'curency' \(did you mean 'currency'\?\)"),
        ("[rules]\nfail_onn = \"error\"\n", r"unknown key rules\.'fail_onn' \(did you mean 'fail_on'\?\)"),
        ("[rules]\nfail_on = \"eror\"\n", r"did you mean 'error'"),
        ("currency = \"euro\"\n", "ISO 4217"),
        ("as_of = \"2026-11-30\"\n", "TOML date"),
        ("[fx]\nUSD = \"0.9\"\n", "fx.USD must be a number"),
        ("[fx]\nUSD = -1\n", "0 < x"),
        ("[targets]\ncarbon_intensity_g_per_kw = 100\n", "did you mean 'carbon_intensity_g_per_kwh'"),
        ("[rules]\nseverity = { EP203 = \"fatal\" }\n", "rules.severity.EP203"),
        ("[rules]\nselect = [\"EP 1\"]\n", "not a rule code"),
        ("[rules]\nselect = 3\n", "list of rule codes"),
        ("[[waivers]]\nrule = \"EP101\"\nrecord = \"x\"\nowner = \"me\"\nexpires = 2027-01-01\n", "lacks reason"),
        ("[[waivers]]\nrule = \"EP101\"\nrecord = \"x\"\nreason = \"r\"\nowner = \"me\"\n", "lacks expires"),
        ("[[waivers]]\nrule = \"EP101\"\nrecord = \"x\"\nreason = \"r\"\nowner = \"me\"\nexpires = \"soon\"\n",
         "expires must be a TOML date"),
        ("[[waivers]]\nrule = \"EP101\"\nrecord = \"x\"\nreason = \"r\"\nownr = \"me\"\nexpires = 2027-01-01\n",
         "did you mean 'owner'"),
        ("this is not toml", "not valid TOML"),
    ],
)
def test_invalid_config_names_the_key(tmp_path: Path, text: str, pattern: str) -> None:
    write(tmp_path / "energyplan.toml", text)
    with pytest.raises(ConfigError, match=pattern):
        load_settings(tmp_path)


def test_cli_overrides(tmp_path: Path) -> None:
    write(tmp_path / "energyplan.toml", "as_of = 2026-01-01\n[rules]\nfail_on = \"warning\"\nignore = [\"EP3\"]\n")
    s = load_settings(tmp_path).with_overrides(as_of=dt.date(2026, 2, 2), select=["ep1"], fail_on="never")
    assert s.as_of == dt.date(2026, 2, 2) and s.rules.select == ("EP1",) and s.rules.fail_on == "never"
    assert s.rules.ignore == ("EP3",)
    with pytest.raises(ConfigError, match="--fail-on"):
        s.with_overrides(fail_on="loud")


# ---- the keys of outlook.md / adequacy.md: valid values, each bound, each bad type, misspelt keys --------


def settings_from(tmp_path: Path, text: str) -> Settings:
    write(tmp_path / "energyplan.toml", text)
    return load_settings(tmp_path)


def test_new_keys_default_when_unset(tmp_path: Path) -> None:
    s = settings_from(tmp_path, "currency = \"EUR\"\n")
    assert s.outlook_months == 36 and dict(s.carbon_intensity_pathway) == {} and dict(s.emissions_pathway_t) == {}
    assert (s.hourly.clock, s.hourly.round_trip_efficiency, s.hourly.min_soc_pct, s.hourly.reserve_hours) == (
        "UTC", 0.9, 10.0, 2.0)
    assert "cfe_pct" not in s.targets


def test_new_keys_are_read(tmp_path: Path) -> None:
    s = settings_from(tmp_path, """
[targets]
cfe_pct = 80
carbon_intensity_pathway = { 2030 = 100, 2026 = 300 }
emissions_pathway_t = { 2026 = 90000, 2030 = 45000.5 }
[outlook]
months = 240
[hourly]
clock = "Europe/Berlin"
round_trip_efficiency = 1
min_soc_pct = 0
reserve_hours = 168
""")
    assert s.targets["cfe_pct"] == 80.0 and s.outlook_months == 240
    assert list(s.carbon_intensity_pathway.items()) == [(2026, 300.0), (2030, 100.0)]  # sorted by year
    assert dict(s.emissions_pathway_t) == {2026: 90000.0, 2030: 45000.5}
    assert s.hourly.clock == "Europe/Berlin" and s.hourly.round_trip_efficiency == 1.0
    assert s.hourly.min_soc_pct == 0.0 and s.hourly.reserve_hours == 168.0
    with pytest.raises(TypeError):
        s.carbon_intensity_pathway[2040] = 1.0  # type: ignore[index]  # frozen


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        ("[outlook]\nmonths = 0\n", r"outlook\.months must be a whole number with 1 ≤ x ≤ 240, got 0"),
        ("[outlook]\nmonths = 1\n", None),
        ("[targets]\ncfe_pct = true\n", r"targets\.cfe_pct must be a number"),
        ("[targets]\ncfe_pct = 0\n", None),
        ("[targets]\ncfe_pct = 100\n", None),
        ("[hourly]\nround_trip_efficiency = true\n", r"round_trip_efficiency must be a number"),
        ("[hourly]\nmin_soc_pct = 100\n", None),
        ("[hourly]\nreserve_hours = 0\n", None),
        ("hourly = \"UTC\"\n", r"\[hourly\] must be a table"),
        ("[outlook]\nmonths = 241\n", r"outlook\.months .*1 ≤ x ≤ 240"),
        ("[outlook]\nmonths = 12.0\n", r"outlook\.months must be a whole number .*got float"),
        ("[outlook]\nmonths = \"36\"\n", r"outlook\.months must be a whole number"),
        ("[outlook]\nmonths = true\n", r"outlook\.months must be a whole number"),
        ("[outlook]\nmonth = 12\n", r"unknown key outlook\.'month' \(did you mean 'months'\?\)"),
        ("outlook = 3\n", r"\[outlook\] must be a table"),
        ("[outlok]\nmonths = 12\n", r"unknown key 'outlok' \(did you mean 'outlook'\?\)"),
        ("[targets]\ncfe_pct = -0.1\n", r"targets\.cfe_pct .*0 ≤ x ≤ 100"),
        ("[targets]\ncfe_pct = 100.5\n", r"targets\.cfe_pct .*0 ≤ x ≤ 100"),
        ("[targets]\ncfe_pct = \"80\"\n", r"targets\.cfe_pct must be a number"),
        ("[targets]\ncfe_pc = 80\n", r"did you mean 'cfe_pct'"),
        ("[targets]\ncfe_pct = nan\n", r"targets\.cfe_pct must be a finite number"),
        ("[targets]\ncarbon_intensity_g_per_kwh = inf\n", r"carbon_intensity_g_per_kwh must be a finite"),
        ("[targets]\ncarbon_intensity_g_per_kwh = -inf\n", r"carbon_intensity_g_per_kwh must be a finite"),
        ("[targets]\ncarbon_intensity_pathway = 100\n", r"carbon_intensity_pathway must be a table of year"),
        ("[targets]\ncarbon_intensity_pathway = { 1899 = 100 }\n", r"'1899' is not a year .*1900–2200"),
        ("[targets]\ncarbon_intensity_pathway = { 2201 = 100 }\n", r"'2201' is not a year"),
        ("[targets]\ncarbon_intensity_pathway = { 2200 = 100 }\n", None),
        ("[targets]\ncarbon_intensity_pathway = { 1900 = 0 }\n", None),
        ("[targets]\ncarbon_intensity_pathway = { \"20x0\" = 100 }\n", r"'20x0' is not a year"),
        ("[targets]\ncarbon_intensity_pathway = { \"2030.5\" = 100 }\n", r"is not a year"),
        ("[targets]\ncarbon_intensity_pathway = { 2030 = -1 }\n", r"carbon_intensity_pathway\.2030 .*0 ≤ x"),
        ("[targets]\ncarbon_intensity_pathway = { 2030 = nan }\n", r"pathway\.2030 must be a finite number"),
        ("[targets]\nemissions_pathway_t = { 2030 = inf }\n", r"emissions_pathway_t\.2030 must be a finite"),
        ("[targets]\nemissions_pathway_t = { 2030 = \"1\" }\n", r"emissions_pathway_t\.2030 must be a number"),
        ("[targets]\nemissions_pathway_t = { 2030 = true }\n", r"emissions_pathway_t\.2030 must be a number"),
        ("[targets]\nemissions_pathway = { 2030 = 1 }\n", r"did you mean 'emissions_pathway_t'"),
        ("[hourly]\nclock = \"Mars/Olympus\"\n", r"hourly\.clock .*not a known zone"),
        ("[hourly]\nclock = \"../../etc/passwd\"\n", r"hourly\.clock must be \"UTC\" or an IANA"),
        ("[hourly]\nclock = 1\n", r"hourly\.clock must be"),
        ("[hourly]\nclock = \"\"\n", r"hourly\.clock must be"),
        ("[hourly]\nclock = \"UTC\"\n", None),
        ("[hourly]\nround_trip_efficiency = 0\n", r"round_trip_efficiency .*0 < x ≤ 1"),
        ("[hourly]\nround_trip_efficiency = 1.01\n", r"round_trip_efficiency .*0 < x ≤ 1"),
        ("[hourly]\nround_trip_efficiency = 1e-9\n", None),
        ("[hourly]\nround_trip_efficiency = \"0.9\"\n", r"round_trip_efficiency must be a number"),
        ("[hourly]\nmin_soc_pct = 101\n", r"min_soc_pct .*0 ≤ x ≤ 100"),
        ("[hourly]\nmin_soc_pct = -1\n", r"min_soc_pct .*0 ≤ x ≤ 100"),
        ("[hourly]\nreserve_hours = 168.5\n", r"reserve_hours .*0 ≤ x ≤ 168"),
        ("[hourly]\nreserve_hours = -0.5\n", r"reserve_hours .*0 ≤ x ≤ 168"),
        ("[hourly]\nreserve_hours = [2]\n", r"reserve_hours must be a number"),
        ("[hourly]\nreserv_hours = 2\n", r"did you mean 'reserve_hours'"),
        ("[hourly]\nclok = \"UTC\"\n", r"did you mean 'clock'"),
    ],
)
def test_new_keys_bounds_and_types(tmp_path: Path, text: str, pattern: str | None) -> None:
    if pattern is None:
        settings_from(tmp_path, text)
        return
    with pytest.raises(ConfigError, match=pattern):
        settings_from(tmp_path, text)


def test_months_override(tmp_path: Path) -> None:
    s = settings_from(tmp_path, "[outlook]\nmonths = 12\n")
    assert s.with_overrides().outlook_months == 12 and s.with_overrides(months=1).outlook_months == 1
    for bad in (0, 241, True):
        with pytest.raises(ConfigError, match=r"--months must be a whole number"):
            s.with_overrides(months=bad)


def test_key_lines_point_at_each_key(tmp_path: Path) -> None:
    s = settings_from(tmp_path, """# a comment
currency = "EUR"
[targets]
carbon_intensity_g_per_kwh = 150
cfe_pct = 80   # EP802
  carbon_intensity_pathway = { 2026 = 300 }
[rules.params.EP502]
min_headroom_pct = 15
[[waivers]]
rule = "EP101"
record = "a"
reason = "r"
owner = "o"
expires = 2027-01-01
[[waivers]]
rule = "EP101"
record = "b"
reason = "r"
owner = "o"
expires = 2027-01-01
""")
    lines = s.key_lines
    assert lines["currency"] == 2 and lines["targets"] == 3 and lines["targets.carbon_intensity_g_per_kwh"] == 4
    assert lines["targets.cfe_pct"] == 5 and lines["targets.carbon_intensity_pathway"] == 6
    assert lines["rules.params.EP502.min_headroom_pct"] == 8
    assert lines["waivers"] == 9 and lines["waivers[1].record"] == 11 and lines["waivers[2].record"] == 17


def test_key_lines_skip_multiline_strings_and_read_pyproject(tmp_path: Path) -> None:
    from energyplan.config import key_lines

    text = "[tool.energyplan]\nx = '''\ncfe_pct = 1\n'''\n[tool.energyplan.targets]\ncfe_pct = 2\n[tool.other]\ny = 1\n"
    assert key_lines(text, "tool.energyplan") == {"x": 2, "targets": 5, "targets.cfe_pct": 6}
    write(tmp_path / "pyproject.toml", "[project]\nname = 'x'\n[tool.energyplan.targets]\ncfe_pct = 50\n")
    s = load_settings(tmp_path)
    assert s.targets["cfe_pct"] == 50.0 and s.key_lines["targets.cfe_pct"] == 4
