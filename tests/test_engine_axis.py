"""Rules over time-axis tables (months, the replay year): every row is judged, hits collapse to one finding
per site (at the site's row) or one per plan (at the configuration line of the target it compares with)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from energyplan.ruleset.engine import evaluate_axis_rule
from energyplan.ruleset.spec import read_rule_file

AS_OF = dt.date(2026, 11, 15)
SITES = pd.DataFrame({"site_id": ["a", "b", "c"], "_row": [1, 2, 3], "_line": pd.array([2, 3, 4], dtype="Int64")})


def months(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame({"site_id": [r[0] for r in rows], "site_type": "owned_dc",
                         "month": pd.to_datetime([r[1] for r in rows]).astype("datetime64[s]"),
                         "headroom_pct": [r[2] for r in rows]})


def rule(tmp_path: Path, table: str, when: str, message: str, extra: str = "") -> object:
    path = tmp_path / "ACME701.toml"
    path.write_text(f'code = "ACME701"\nname = "thin-ahead"\nseverity = "warning"\ntable = "{table}"\n'
                    f'when = "{when}"\nmessage = "{message}"\nsummary = "s"\nrationale = "r"\nremediation = "x"\n'
                    f"{extra}", encoding="utf-8")
    return read_rule_file(path)


def findings(batch) -> list[tuple]:
    frame = batch.frame
    texts = batch.messages(frame)
    cols = frame[["table", "record_id", "site_id", "file", "row", "line"]].astype(object)
    plain = cols.where(cols.notna(), None).map(lambda v: int(v) if hasattr(v, "item") else v)
    return [(*r, t) for r, t in zip(plain.itertuples(index=False, name=None), texts, strict=True)]


def test_month_hits_collapse_to_one_finding_per_site_with_first_last_and_count(tmp_path):
    spec = rule(tmp_path, "site_months", "headroom_pct < 15",
                "site {site_id}: headroom {headroom_pct:.1f}% in {first_month}, {months_hit} month(s) to {last_month}")
    frame = months([("a", "2026-11-01", 20.0), ("a", "2026-12-01", 12.0), ("a", "2027-01-01", 30.0),
                    ("a", "2027-02-01", 5.0), ("b", "2026-11-01", 50.0), ("c", "2027-01-01", 14.999)])
    batch = evaluate_axis_rule(spec, frame, sites=SITES, sites_file="sites.csv", config_file=None, key_lines={},
                               as_of=AS_OF, targets={})
    assert findings(batch) == [
        ("sites", "a", "a", "sites.csv", 1, 2, "site a: headroom 12.0% in 2026-12-01, 2 month(s) to 2027-02-01"),
        ("sites", "c", "c", "sites.csv", 3, 4, "site c: headroom 15.0% in 2027-01-01, 1 month(s) to 2027-01-01"),
    ]


def test_no_matching_month_gives_no_finding(tmp_path):
    spec = rule(tmp_path, "site_months", "headroom_pct < 15", "site {site_id}")
    frame = months([("a", "2026-11-01", 15.0), ("b", "2026-11-01", float("nan"))])  # equal, and a null
    batch = evaluate_axis_rule(spec, frame, sites=SITES, sites_file="sites.csv", config_file=None, key_lines={},
                               as_of=AS_OF, targets={})
    assert findings(batch) == []


def portfolio() -> pd.DataFrame:
    return pd.DataFrame({"month": pd.to_datetime(["2026-11-01", "2026-12-01", "2027-01-01"]).astype("datetime64[s]"),
                         "carbon_intensity_g_per_kwh": [250.0, 290.0, 310.0],
                         "carbon_target_g_per_kwh": [300.0, 300.0, 300.0],
                         "emissions_t": [10.0, 30.0, 10.0], "emissions_target_t": [20.0, 20.0, 20.0]})


LOCATE = ('locate = [{ key = "targets.carbon_intensity_pathway", when = "carbon_intensity_g_per_kwh > '
          'carbon_target_g_per_kwh" }, { key = "targets.emissions_pathway_t", when = "emissions_t > '
          'emissions_target_t" }]\n')


def test_a_portfolio_finding_points_at_the_line_of_the_pathway_it_exceeds(tmp_path):
    spec = rule(tmp_path, "portfolio_months", "emissions_t > emissions_target_t",
                "emissions {emissions_t:.0f} t in {first_month} ({months_hit} month)", LOCATE)
    lines = {"targets.carbon_intensity_pathway": 7, "targets.emissions_pathway_t": 8}
    batch = evaluate_axis_rule(spec, portfolio(), sites=SITES, sites_file="sites.csv", config_file="energyplan.toml",
                               key_lines=lines, as_of=AS_OF, targets={})
    # only the emissions condition matched a hit row: its line, not the carbon pathway's
    assert findings(batch) == [("plan", "portfolio", None, "energyplan.toml", None, 8,
                                "emissions 30 t in 2026-12-01 (1 month)")]
    both = rule(tmp_path, "portfolio_months",
                "carbon_intensity_g_per_kwh > carbon_target_g_per_kwh or emissions_t > emissions_target_t", "x", LOCATE)
    batch = evaluate_axis_rule(both, portfolio(), sites=SITES, sites_file="sites.csv", config_file="energyplan.toml",
                               key_lines=lines, as_of=AS_OF, targets={})
    assert findings(batch)[0][5] == 7  # the first, when both match


def test_a_portfolio_finding_without_a_config_file_points_at_the_sites_file_line_1(tmp_path):
    spec = rule(tmp_path, "portfolio_months", "emissions_t > emissions_target_t", "x", LOCATE)
    batch = evaluate_axis_rule(spec, portfolio(), sites=SITES, sites_file="sites.csv", config_file=None,
                               key_lines={}, as_of=AS_OF, targets={})
    assert findings(batch) == [("plan", "portfolio", None, "sites.csv", None, 1, "x")]
    # a config file without the key: its line 1
    batch = evaluate_axis_rule(spec, portfolio(), sites=SITES, sites_file="sites.csv", config_file="energyplan.toml",
                               key_lines={}, as_of=AS_OF, targets={})
    assert findings(batch)[0][3:6] == ("energyplan.toml", None, 1)


def test_year_table_rule_is_one_finding_per_site(tmp_path):
    spec = rule(tmp_path, "site_year", "unserved_sensitive_mwh > 0", "site {site_id}: {unserved_sensitive_mwh:.1f} MWh")
    frame = pd.DataFrame({"site_id": ["a", "b"], "site_type": "owned_dc", "unserved_sensitive_mwh": [4.0, 0.0]})
    batch = evaluate_axis_rule(spec, frame, sites=SITES, sites_file="sites.csv", config_file=None, key_lines={},
                               as_of=AS_OF, targets={})
    assert findings(batch) == [("sites", "a", "a", "sites.csv", 1, 2, "site a: 4.0 MWh")]
