"""The KPI registry: one declaration per KPI that every consumer reads; generated docs kept up to date."""

from __future__ import annotations

import inspect
import subprocess
import sys
from pathlib import Path

import pytest

from energyplan import docsgen
from energyplan.facts import kpis as formulas
from energyplan.facts.registry import COUNT_KPIS, HEADLINE_KPIS, KPIS, kpi_unit

REPO = Path(__file__).resolve().parents[1]


def test_headline_kpis_are_the_four_of_the_spec_in_registry_order():
    assert HEADLINE_KPIS == ("effective_mw", "carbon_intensity_g_per_kwh", "marginal_gpu_hour_cost",
                             "incidents_13w")
    assert COUNT_KPIS == ("incidents_13w",)


def test_every_entry_is_complete_and_fits_a_narrow_table():
    for kpi in KPIS.values():
        assert kpi.kind in ("float", "int") and kpi.unit and kpi.doc.endswith(".") and kpi.method
        lines = kpi.header_in("EUR").split("\n")
        assert len(lines) == 2 and max(map(len, lines)) <= 13, kpi.name
        assert 0 <= kpi.decimals <= 3


def test_every_formula_resolves_and_every_formula_function_is_in_the_registry():
    named = {k.formula for k in KPIS.values()}
    for name in named:
        assert callable(formulas.formula(name))
    public = {n for n, f in inspect.getmembers(formulas, inspect.isfunction)
              if f.__module__ == formulas.__name__ and not n.startswith("_")}
    assert public - named == {"formula", "compute_kpis"}
    with pytest.raises(KeyError):
        formulas.formula("compute_kpis")


def test_currency_word_is_replaced_in_units_and_headers():
    assert kpi_unit("marginal_gpu_hour_cost", "USD") == "USD/GPU-h"
    assert KPIS["marginal_gpu_hour_cost"].header_in("USD") == "Marginal\nUSD/GPU-h"
    assert kpi_unit("effective_mw", "USD") == "MW"


def test_registry_and_package_import_no_pandas_or_numpy():
    code = ("import sys, energyplan.facts, energyplan.facts.registry, energyplan.facts.columns, "
            "energyplan.facts.docs; from energyplan.facts import FactsOptions; "
            "print(sorted(m for m in ('pandas', 'numpy', 'pyarrow', 'pandera') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("name", ["methodology", "audit-schema"])
def test_generated_kpi_docs_are_up_to_date(name):
    path = REPO / docsgen.DOCS[name][1]
    assert path.read_text(encoding="utf-8") == docsgen.render(name), (
        f"{docsgen.DOCS[name][1]} is out of date: run python -m energyplan.docsgen {name}")


def test_methodology_lists_every_kpi_with_its_formula():
    text = (REPO / "docs" / "methodology.md").read_text(encoding="utf-8")
    for kpi in KPIS.values():
        assert f"| `{kpi.name}`" in text and kpi.method.split(";")[0].replace("|", "\\|") in text
    assert "location-based method" in text and "market-based method" in text and "Scope 2 Guidance" in text
