"""Configuration: energyplan.toml, [tool.energyplan], --config, validation with did-you-mean."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from energyplan.config import find_config, load_settings
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
        ("[fx]\nUSD = -1\n", "positive"),
        ("[targets]\ncarbon_intensity = 100\n", "did you mean 'carbon_intensity_g_per_kwh'"),
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
