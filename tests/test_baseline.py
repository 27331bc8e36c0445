"""Baseline files: identities only, sorted and de-duplicated, atomic; bad files are clear usage errors."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from energyplan.baseline import read_baseline, write_baseline
from energyplan.errors import UsageError

IDS = [
    ("EP301", "workloads", "w-train", "criticality"),
    ("EP101", "commitments", "cmt-aws-2027", "sourcing_plan_id"),
    ("EP004", None, "cmt-gone", None),
    ("EP101", "commitments", "cmt-aws-2027", "sourcing_plan_id"),  # a duplicate identity
    ("EP201", "sites", "münchen-1", None),
]


def test_round_trip_keeps_every_identity_once(tmp_path):
    path = tmp_path / "baseline.json"
    write_baseline(path, IDS, plan="sample_data/northwind", as_of=dt.date(2026, 11, 30), tool_version="0.1.0")
    assert read_baseline(path) == set(IDS)


def test_file_is_sorted_keyed_by_identity_never_lines_and_byte_stable(tmp_path):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    write_baseline(a, IDS, plan="p", as_of="2026-11-30", tool_version="0.1.0")
    write_baseline(b, list(reversed(IDS)), plan="p", as_of=dt.date(2026, 11, 30), tool_version="0.1.0")
    assert a.read_bytes() == b.read_bytes()
    doc = json.loads(a.read_text(encoding="utf-8"))
    assert doc["plan"] == "p" and doc["as_of"] == "2026-11-30" and doc["tool"]["version"] == "0.1.0"
    assert [list(e) for e in doc["findings"]] == [["rule", "table", "record_id", "column"]] * 4
    assert [e["rule"] for e in doc["findings"]] == ["EP004", "EP101", "EP201", "EP301"]
    assert "münchen-1" in a.read_text(encoding="utf-8")
    keys = {k for e in doc["findings"] for k in e}
    assert keys == {"rule", "table", "record_id", "column"}  # never line or row: rows move


def test_nulls_sort_after_values_and_stay_distinct_from_empty_strings(tmp_path):
    path = tmp_path / "b.json"
    ids = [("EP000", "sites", None, None), ("EP000", "sites", "", None), ("EP000", "sites", "s1", None)]
    write_baseline(path, ids, plan="p", as_of="2026-11-30")
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert [e["record_id"] for e in doc["findings"]] == ["", "s1", None]
    assert read_baseline(path) == set(ids)


def test_writing_is_atomic_and_leaves_no_temp_files(tmp_path):
    path = tmp_path / "baseline.json"
    path.write_text("old", encoding="utf-8")
    write_baseline(path, IDS, plan="p", as_of="2026-11-30")
    assert [p.name for p in tmp_path.iterdir()] == ["baseline.json"]
    assert read_baseline(path) == set(IDS)


def test_unwritable_target_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match=r"folder .* does not exist"):
        write_baseline(tmp_path / "nope" / "b.json", IDS, plan="p", as_of="2026-11-30")


def test_bad_identities_are_refused_when_writing(tmp_path):
    with pytest.raises(UsageError, match="identity is"):
        write_baseline(tmp_path / "b.json", [("EP101", "t")], plan="p", as_of="2026-11-30")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "does not exist; record one with `energyplan audit PLAN --write-baseline"),
        ("{not json", "is not valid JSON \\(line 1, column 2"),
        ("[]", 'has no "findings" list'),
        ('{"findings": {}}', 'has no "findings" list'),
        ('{"baseline_version": 9, "findings": []}', "baseline_version 9"),
        ('{"findings": ["EP101"]}', "finding 1: expected an object"),
        ('{"findings": [{"rule": "EP101", "record": "x"}]}', "finding 1: keys must be rule, table, record_id"),
        ('{"findings": [{"table": "sites"}]}', "rule required"),
        ('{"findings": [{"rule": "EP101", "record_id": 7}]}', "record_id must be a string or null"),
        ('{"findings": [{"rule": ""}]}', "rule must be a non-empty string"),
    ],
)
def test_missing_or_invalid_files_are_usage_errors(tmp_path, content, message):
    path = tmp_path / "baseline.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(UsageError, match=message):
        read_baseline(path)


def test_a_folder_or_binary_file_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="is a folder"):
        read_baseline(tmp_path)
    blob = tmp_path / "b.json"
    blob.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(UsageError, match="not UTF-8"):
        read_baseline(blob)


def test_missing_keys_read_as_null(tmp_path):
    path = tmp_path / "b.json"
    path.write_text('{"findings": [{"rule": "EP004", "record_id": "w1"}]}', encoding="utf-8")
    assert read_baseline(path) == {("EP004", None, "w1", None)}
