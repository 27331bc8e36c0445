"""Issue 12, rule packs: `rules check` rejects everything `audit` would fail on; packs never hang or read unbounded."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from energyplan.config import load_settings
from energyplan.errors import RulePackError
from energyplan.ruleset.spec import load_rules, read_pack, read_rule_file
from tests.support.cli import SAMPLES, energyplan
from tests.support.rulespec import rule_text, write_rule

HUGE = "9" * 401


@pytest.mark.parametrize(
    ("changes", "params", "pattern"),
    [
        ({"when": f'"gpu_count > {HUGE}"'}, "", r"when: a 401-digit integer is out of range"),
        ({"when": '"gpu_count > 1e400"'}, "", r"the number inf is out of range"),
        ({"when": f'"gpu_count in [1, {HUGE}]"'}, "", r"a 401-digit integer is out of range"),
        ({"when": '"' + "not " * 490 + '(gpu_count > 1)"'}, "", r"nested more than 50 levels deep"),
        ({"when": '"' + "-" * 600 + 'gpu_count > 1"'}, "", r"nested more than 50 levels deep"),
        ({"message": '"{gpu_count:1000000000}"'}, "", r"width 1000000000 is larger than 100"),
        ({"message": '"{gpu_count:.1000000000f}"'}, "", r"precision 1000000000 is larger than 20"),
        ({"message": '"{gpu_count:.1000000000%}"'}, "", r"precision 1000000000 is larger than 20"),
        ({"message": '"{gpu_count:>' + "9" * 5000 + '}"'}, "", r"width of 5000 digits is larger than 100"),
        ({}, f"max_gpus = {HUGE}", r"params\.max_gpus must be a finite number between -1e9 and 1e9"),
        ({}, "max_gpus = nan", r"params\.max_gpus must be a finite number"),
        ({}, "max_gpus = inf", r"params\.max_gpus must be a finite number"),
        ({"when": '"gpu_count > horizon_days"'}, "horizon_days = 3000000", r"whole number of days, 0–36500"),
    ],
)
def test_pack_defects_fail_rules_check(tmp_path: Path, changes: dict[str, str], params: str, pattern: str) -> None:
    path = write_rule(tmp_path / "pack", rule_text(params=params or "max_gpus = 100", **changes))
    with pytest.raises(RulePackError, match=pattern):
        read_rule_file(path)
    ran = energyplan("rules", "check", tmp_path / "pack")
    assert ran.returncode == 2 and "Traceback" not in ran.stderr
    plan = tmp_path / "plan"
    shutil.copytree(SAMPLES / "clean", plan)
    (plan / "energyplan.toml").write_text(f"[rules]\npaths = [{str(tmp_path / 'pack')!r}]\n", encoding="utf-8")
    assert energyplan("audit", plan, "--format", "json").returncode == 2


def test_deep_toml_in_a_rule_file(tmp_path: Path) -> None:
    path = write_rule(tmp_path, rule_text() + "[other]\nx = " + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises(RulePackError, match="nested too deeply"):
        read_rule_file(path)


def test_fifo_in_a_pack_is_refused_not_a_hang(tmp_path: Path) -> None:
    write_rule(tmp_path, rule_text())
    os.mkfifo(tmp_path / "ZZZ.toml")  # nobody writes: a blocking open would wait forever
    with pytest.raises(RulePackError, match=r"ZZZ\.toml: cannot read rule file: it is a FIFO"):
        read_pack(tmp_path)
    assert energyplan("rules", "check", tmp_path).returncode == 2


def test_device_link_in_a_pack_is_refused_unread(tmp_path: Path) -> None:
    write_rule(tmp_path, rule_text())
    (tmp_path / "zero.toml").symlink_to("/dev/zero")  # fstat'ed, never read
    with pytest.raises(RulePackError, match=r"zero\.toml: cannot read rule file: it is a character device"):
        read_pack(tmp_path)
    with pytest.raises(RulePackError, match="character device"):
        read_pack(tmp_path / "zero.toml")  # a pack given as that one file


def test_folder_named_toml_and_oversized_file(tmp_path: Path) -> None:
    (tmp_path / "a" / "sub.toml").mkdir(parents=True)
    with pytest.raises(RulePackError, match="it is a folder"):
        read_pack(tmp_path / "a")
    big = write_rule(tmp_path / "b", rule_text() + "# " + "x" * (1024 * 1024) + "\n")
    with pytest.raises(RulePackError, match="larger than 1024 KiB"):
        read_pack(big)


def test_configured_pack_fifo_fails_load_rules(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pack.toml")
    (tmp_path / "energyplan.toml").write_text("[rules]\npaths = [\"pack.toml\"]\n", encoding="utf-8")
    with pytest.raises(RulePackError, match="FIFO"):
        load_rules(load_settings(tmp_path))
