"""Rule files: every check of the loader, and configuration (select/ignore, severity, params, packs)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from energyplan.config import load_settings
from energyplan.errors import ConfigError, RulePackError
from energyplan.model import Severity
from energyplan.ruleset.spec import is_selected, load_rules, read_pack, read_rule_file, select_rules
from tests.support.rulespec import rule_text, write_rule


def config(tmp_path: Path, text: str) -> Path:
    (tmp_path / "energyplan.toml").write_text(text, encoding="utf-8")
    return tmp_path


def test_builtin_catalog_loads_sorted_with_defaults() -> None:
    specs = load_rules()
    codes = [s.code for s in specs]
    assert codes == sorted(codes)
    assert {"EP004", "EP101", "EP501", "EP603"} <= set(codes)
    ep502 = next(s for s in specs if s.code == "EP502")
    assert ep502.severity is Severity.WARNING and ep502.table == "sites"
    assert [(p.name, p.default, p.value) for p in ep502.params] == [("min_headroom_pct", 10, 10)]


def test_good_user_rule(tmp_path: Path) -> None:
    spec = read_rule_file(write_rule(tmp_path, rule_text()))
    assert spec.code == "ACME101" and spec.params[0].value == 100 and spec.source.endswith("ACME101.toml")


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"sumary": '"x"'}, "unknown key 'sumary' (did you mean 'summary'?)"),
        ({"summary": None}, "missing key(s) summary"),
        ({"when": None}, "missing key(s) when"),
        ({"code": '"EP5"'}, "code 'EP5' must be letters then three digits"),
        ({"name": '"Big GPU"'}, "must be kebab-case"),
        ({"severity": '"warn"'}, "did you mean 'warning'?"),
        ({"table": '"workload"'}, "did you mean 'workloads'?"),
        ({"table": '"incidents"'}, "table 'incidents' is not one of"),
        ({"summary": '""'}, "summary must be a non-empty string"),
        ({"builtin": '"schema"', "when": None}, "only rules of the built-in catalog"),
        ({"when": '"gpu_count > target_carbon"'}, "unknown target 'target_carbon'"),
        ({"when": '"gpu_count.real > 1"'}, "attribute access"),
        ({"message": '"{gpu_count!r}"'}, "conversions"),
        ({"needs": '["incident"]'}, "needs must be a list of tables"),
        ({"column": '"not a column"'}, "column must be a column name"),
    ],
)
def test_rule_file_errors_name_file_and_key(tmp_path: Path, changes: dict[str, str | None], expected: str) -> None:
    path = write_rule(tmp_path, rule_text(**changes))
    with pytest.raises(RulePackError) as info:
        read_rule_file(path)
    assert expected in str(info.value)
    assert str(path) in str(info.value)


def test_reserved_and_bad_params(tmp_path: Path) -> None:
    with pytest.raises(RulePackError, match="reserved name"):
        read_rule_file(write_rule(tmp_path, rule_text(params="as_of = 3")))
    with pytest.raises(RulePackError, match="must be a number, string or bool"):
        read_rule_file(write_rule(tmp_path, rule_text(params="max_gpus = [1]")))


def test_invalid_toml(tmp_path: Path) -> None:
    with pytest.raises(RulePackError, match="not valid TOML"):
        read_rule_file(write_rule(tmp_path, "code = \n"))


def test_pack_paths(tmp_path: Path) -> None:
    with pytest.raises(RulePackError, match="no such rule file or folder"):
        read_pack(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(RulePackError, match=r"no \*.toml rule files"):
        read_pack(tmp_path / "empty")


def test_user_pack_from_config_and_duplicate_code(tmp_path: Path) -> None:
    write_rule(tmp_path / "policies", rule_text())
    plan = config(tmp_path, '[rules]\npaths = ["policies"]\n[rules.params.ACME101]\nmax_gpus = 8\n')
    specs = load_rules(load_settings(plan))
    (acme,) = [s for s in specs if s.code == "ACME101"]
    assert {p.name: p.value for p in acme.params}["max_gpus"] == 8
    write_rule(tmp_path / "policies", rule_text(), name="copy.toml")
    with pytest.raises(RulePackError, match="ACME101 is already defined in"):
        load_rules(load_settings(plan))


def test_builtin_code_clash_with_user_pack(tmp_path: Path) -> None:
    write_rule(tmp_path / "p", rule_text(code='"EP501"'))
    with pytest.raises(RulePackError, match="EP501 is already defined"):
        load_rules(load_settings(config(tmp_path, '[rules]\npaths = ["p"]\n')))


def test_severity_and_params_overrides(tmp_path: Path) -> None:
    plan = config(
        tmp_path,
        '[rules]\nseverity = { EP5 = "error", EP502 = "info", EP203 = "error" }\n'
        "[rules.params.EP502]\nmin_headroom_pct = 15.5\n",
    )
    specs = {s.code: s for s in load_rules(load_settings(plan))}
    assert specs["EP502"].severity is Severity.INFO  # the exact code beats the prefix
    assert specs["EP502"].default_severity is Severity.WARNING
    assert specs["EP504"].severity is Severity.ERROR  # the prefix applies to the others
    assert specs["EP203"].severity is Severity.ERROR
    assert specs["EP502"].params[0].value == 15.5 and specs["EP502"].params[0].default == 10


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[rules.params.EP502]\nmin_headroom = 15\n", "did you mean 'min_headroom_pct'?"),
        ("[rules.params.EP501]\nx = 1\n", "EP501 has no such parameter; it has none"),
        ("[rules.params.EP520]\nmin_headroom_pct = 15\n", "rules.params.EP520: no such rule"),
        ('[rules.params.EP502]\nmin_headroom_pct = "high"\n', "must be a number like the default"),
        ('[rules]\nseverity = { EP9 = "error" }\n', "'EP9' matches no rule"),
        ('[rules]\nselect = ["EP9"]\n', "'EP9' matches no rule"),
        ('[rules]\nignore = ["EP5011"]\n', "did you mean 'EP501'?"),
        ('[[waivers]]\nrule = "EP1O1"\nrecord = "c1"\nreason = "r"\nowner = "o"\nexpires = 2027-01-01\n',
         "did you mean 'EP101'?"),
    ],
)
def test_config_errors_with_did_you_mean(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_rules(load_settings(config(tmp_path, text)))
    assert expected in str(info.value)
    assert "energyplan.toml" in str(info.value)


def test_select_and_ignore_most_specific_wins(tmp_path: Path) -> None:
    settings = load_settings(config(tmp_path, '[rules]\nselect = ["EP5", "EP101"]\nignore = ["EP50", "EP1"]\n'))
    assert is_selected("EP504", settings) is False  # EP50 is more specific than EP5
    assert is_selected("EP101", settings) is True  # EP101 is more specific than EP1
    assert is_selected("EP102", settings) is False
    assert is_selected("EP201", settings) is False  # not selected at all
    chosen = [s.code for s in select_rules(load_rules(settings), settings)]
    assert chosen == ["EP101"]
    everything = load_settings(tmp_path / "nowhere")
    assert all(is_selected(s.code, everything) for s in load_rules(everything))


def test_cli_overrides_go_through_the_same_checks(tmp_path: Path) -> None:
    settings = load_settings(tmp_path).with_overrides(select=["EP9"], as_of=dt.date(2026, 1, 1))
    with pytest.raises(ConfigError, match="'EP9' matches no rule"):
        load_rules(settings)


@pytest.mark.parametrize(
    ("changes", "params", "expected"),
    [
        ({"when": '"gpu_cnt > max_gpus"'}, "max_gpus = 1", "when: 'gpu_cnt' is not a column of the workloads facts"),
        ({"when": '"gpu_cnt > max_gpus"'}, "max_gpus = 1", "did you mean 'gpu_count'?"),
        ({"message": '"{gpu_cont} GPUs"'}, "max_gpus = 1", "message: {gpu_cont} is not a column"),
        ({"column": '"criticalty"'}, "max_gpus = 1", "did you mean 'criticality'?"),
        ({"when": '"gpu_count > 1"'}, "gpu_count = 1", "params.gpu_count has the name of a column"),
        ({"when": '"peak_demand_mw > 1"'}, "", "'peak_demand_mw' is not a column of the workloads facts"),
    ],
)
def test_column_check_names_file_and_key(tmp_path: Path, changes: dict[str, str], params: str, expected: str) -> None:
    write_rule(tmp_path / "p", rule_text(params=params, **changes))
    settings = load_settings(config(tmp_path, '[rules]\npaths = ["p"]\n'))
    load_rules(settings)  # without the column check (rules list/explain) the pack loads
    with pytest.raises(RulePackError) as info:
        load_rules(settings, check_columns=True)
    assert expected in str(info.value) and "ACME101.toml" in str(info.value)


def test_names_of_every_kind_pass_the_column_check(tmp_path: Path) -> None:
    when = '"not ended and site_sovereign and _row > 0 and gpu_count > max_gpus and as_of > start_date"'
    write_rule(tmp_path / "p", rule_text(when=when, message='"{workload_id} {max_gpus} {as_of} {facts}"'))
    with pytest.raises(RulePackError, match="facts"):
        load_rules(load_settings(config(tmp_path, '[rules]\npaths = ["p"]\n')), check_columns=True)
    write_rule(tmp_path / "p", rule_text(when=when, message='"{workload_id} {max_gpus} {as_of}"'))
    specs = load_rules(load_settings(config(tmp_path, '[rules]\npaths = ["p"]\n')), check_columns=True)
    assert "ACME101" in {s.code for s in specs}


def test_validation_builtins_load_without_table_or_when(tmp_path: Path) -> None:
    # The form of rules/EP000–EP003.toml: builtin = "schema", no `when`, EP000 without a table.
    text = ('code = "EP000"\nname = "schema-violation"\nseverity = "error"\nbuiltin = "schema"\n'
            'message = "a value breaks the plan format"\nsummary = "s"\nrationale = "r"\nremediation = "x"\n')
    spec = read_rule_file(write_rule(tmp_path, text, "EP000.toml"), builtin_allowed=True)
    assert (spec.builtin, spec.table, spec.when) == ("schema", None, None)
    with_table = text.replace('builtin =', 'table = "workloads"\nbuiltin =').replace("EP000", "EP001")
    assert read_rule_file(write_rule(tmp_path, with_table, "EP001.toml"), builtin_allowed=True).table == "workloads"
    with pytest.raises(RulePackError, match="either `when` or `builtin`"):
        read_rule_file(write_rule(tmp_path, text + 'when = "x > 1"\n', "EP002.toml"), builtin_allowed=True)
    with pytest.raises(RulePackError, match="only rules of the built-in catalog"):
        read_rule_file(write_rule(tmp_path, text.replace("EP000", "EP100"), "EP100.toml"), builtin_allowed=False)
