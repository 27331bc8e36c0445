"""Issue 12, configuration: hostile energyplan.toml files end in exit 2 naming the key, never exit 3 or a hang."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import pytest

from energyplan.config import Settings, load_settings
from energyplan.errors import ConfigError
from energyplan.ruleset.spec import load_rules
from tests.support.cli import SAMPLES, energyplan

HUGE = "9" * 401


def config(tmp_path: Path, text: str) -> Path:
    (tmp_path / "energyplan.toml").write_text(text, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        ("as_of = 9999-12-01\n", r"as_of must be a date in the years 1900–2199, got 9999-12-01"),
        ("as_of = 1899-12-31\n", r"as_of must be a date in the years 1900–2199"),
        (f"[fx]\nUSD = {HUGE}\n", r"fx\.USD must be a number with 0 < x ≤ 1e\+09, got 9999"),
        (f"[targets]\ncarbon_intensity_g_per_kwh = {HUGE}\n", r"carbon_intensity_g_per_kwh must be a number with"),
        (f"[targets]\ncarbon_intensity_pathway = {{ 2030 = {HUGE} }}\n", r"carbon_intensity_pathway\.2030"),
        ("[targets]\ncarbon_intensity_g_per_kwh = nan\n", r"must be a finite number"),
        ("[targets]\ncarbon_intensity_g_per_kwh = inf\n", r"must be a finite number"),
        ("[rules.params.EP401]\nhorizon_days = nan\n", r"rules\.params\.EP401\.horizon_days must be a whole number "
                                                       r"of days, 0–36500"),
        ("[rules.params.EP401]\nhorizon_days = inf\n", r"horizon_days must be a whole number of days"),
        ("[rules.params.EP401]\nhorizon_days = 3000000\n", r"horizon_days must be a whole number of days"),
        ("[rules.params.EP401]\nhorizon_days = 1e15\n", r"horizon_days must be a whole number of days"),
        ("[rules.params.EP401]\nhorizon_days = 30.5\n", r"horizon_days must be a whole number of days"),
        ("[rules.params.EP401]\nhorizon_days = -1\n", r"horizon_days must be a whole number of days"),
        (f"[rules.params.EP401]\nmin_growth_pct = {HUGE}\n", r"min_growth_pct must be a finite number between"),
        ("[rules.params.EP502]\nmin_headroom_pct = -inf\n", r"min_headroom_pct must be a finite number between"),
        ("[rules.params.EP502]\nmin_headroom_pct = 1e10\n", r"min_headroom_pct must be a finite number between"),
        ("[rules]\npaths = [\"pol\\u0000icies\"]\n", r"rules\.paths: .* NUL byte"),
        ("[rules]\npaths = [\"\"]\n", r"rules\.paths: .* not a usable path"),
        ("x = " + "[" * 5000 + "]" * 5000 + "\n", r"nested too deeply"),
        ("x = " + "{a=" * 5000 + "1" + "}" * 5000 + "\n", r"nested too deeply"),
        ("[[waivers]]\nrule = \"EP101\"\nrecord = \"x\"\nreason = \"r\"\nowner = \"o\"\nexpires = 9999-01-01\n",
         r"waivers\[1\]\.expires must be a date in the years 1900–2199"),
    ],
)
def test_hostile_values_are_config_errors(tmp_path: Path, text: str, pattern: str) -> None:
    with pytest.raises(ConfigError, match=pattern):
        load_settings(config(tmp_path, text))


def test_cli_as_of_is_bounded() -> None:
    with pytest.raises(ConfigError, match=r"--as-of must be a date in the years 1900–2199, got 9999-06-01"):
        Settings().with_overrides(as_of=dt.date(9999, 6, 1))


@pytest.mark.parametrize("args", [["--as-of", "9999-06-01"], []])
def test_audit_exits_2_on_far_dates(tmp_path: Path, args: list[str]) -> None:
    plan = tmp_path / "plan"
    shutil.copytree(SAMPLES / "clean", plan)
    if not args:
        (plan / "energyplan.toml").write_text("as_of = 9999-12-01\n", encoding="utf-8")
    ran = energyplan("audit", plan, "--format", "json", *args)
    assert ran.returncode == 2 and "1900–2199" in ran.stderr


def test_a_10_mb_value_is_not_echoed_whole(tmp_path: Path) -> None:
    big = "A" * 10_000_000
    for text in (f"currency = \"{big}\"\n", f"{big} = 1\n", f"[rules]\nfail_on = \"{big}\"\n",
                 f"[hourly]\nclock = \"{big}\"\n", f"[targets]\ncfe_pct = \"{big}\"\n"):
        with pytest.raises(ConfigError) as err:
            load_settings(config(tmp_path, text))
        assert len(str(err.value)) < 600, str(err.value)[:200]


def test_config_larger_than_the_cap_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read config: it is larger than 4096 KiB"):
        load_settings(config(tmp_path, "# " + "x" * (4 * 1024 * 1024) + "\n"))


def test_config_that_is_a_folder_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "energyplan.toml").mkdir()
    with pytest.raises(ConfigError, match=r"energyplan\.toml: cannot read config: it is a folder"):
        load_settings(tmp_path)


def test_config_that_is_a_fifo_is_an_error_not_a_hang(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "energyplan.toml")  # no writer: a blocking open would hang forever
    with pytest.raises(ConfigError, match=r"cannot read config: it is a FIFO \(named pipe\), not a regular file"):
        load_settings(tmp_path)


def test_config_that_links_to_a_device_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "energyplan.toml").symlink_to("/dev/zero")  # only stat'ed: never read
    with pytest.raises(ConfigError, match="it is a character device, not a regular file"):
        load_settings(tmp_path)
    (tmp_path / "energyplan.toml").unlink()
    (tmp_path / "energyplan.toml").symlink_to(tmp_path / "missing.toml")
    with pytest.raises(ConfigError, match="cannot read config: no such file"):
        load_settings(tmp_path)


def test_explicit_config_that_is_a_fifo(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "cfg.toml")
    with pytest.raises(ConfigError, match="FIFO"):
        load_settings(tmp_path, tmp_path / "cfg.toml")


def test_cli_config_folder_exits_2(tmp_path: Path) -> None:
    plan = tmp_path / "plan"
    shutil.copytree(SAMPLES / "clean", plan)
    (plan / "energyplan.toml").unlink(missing_ok=True)
    (plan / "energyplan.toml").mkdir()
    ran = energyplan("audit", plan, "--format", "json")
    assert ran.returncode == 2 and "it is a folder" in ran.stderr


# ---- one validation of [rules] for every command: ruleset.spec.load_rules(settings) ----------------------


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        ("[rules]\nselect = [\"EP9\"]\n", r"energyplan\.toml: rules\.select: 'EP9' matches no rule"),
        ("[rules]\nignore = [\"XX1\"]\n", r"'XX1' matches no rule"),
        ("[rules]\npaths = [\"missing\"]\n", r"no such rule file or folder"),
        ("[rules.params.EP401]\nhorizon_dayz = 3\n", r"EP401 has no such parameter \(did you mean 'horizon_days'\?\)"),
        ("[rules.params.EP401]\nhorizon_days = \"abc\"\n", r"horizon_days must be a number like the default 365"),
        ("[rules.params.EP999]\nx = 1\n", r"rules\.params\.EP999: no such rule"),
        ("[[waivers]]\nrule = \"EP999\"\nrecord = \"x\"\nreason = \"r\"\nowner = \"o\"\nexpires = 2027-01-01\n",
         r"waiver for 'EP999': no such rule"),
        ("[rules]\nseverity = { EP9 = \"error\" }\n", r"rules\.severity\.EP9: 'EP9' matches no rule"),
    ],
)
def test_load_rules_rejects_what_audit_rejects(tmp_path: Path, text: str, pattern: str) -> None:
    from energyplan.errors import UsageError

    settings = load_settings(config(tmp_path, text))
    with pytest.raises(UsageError, match=pattern):
        load_rules(settings)
