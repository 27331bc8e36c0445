"""Each dispatch step of spec/adequacy.md on 3-hour toy series, hand-computed (one site, one column)."""

from __future__ import annotations

import numpy as np
import pytest

from energyplan.facts.hours_dispatch import _stateful, _stateless


def series(**kw):
    """A 3-hour block for one site; anything not given is flat: L 10, T 6, G 0, C 20, no event, cfe 0."""
    base = {"L": [10, 10, 10], "T": [6, 6, 6], "G": [0, 0, 0], "C": [20, 20, 20], "EV": [0, 0, 0],
            "CFE": [0, 0, 0], "CI": [400, 400, 400]}
    base.update(kw)
    out = {k: np.asarray(v, dtype=np.float64).reshape(3, 1) for k, v in base.items()}
    out["EV"] = out["EV"].astype(bool)
    return out


def battery(p=5.0, emax=20.0, emin=0.0, r=8.0, o=0.0):
    return {k: np.array([v], dtype=np.float64) for k, v in (("P", p), ("Emax", emax), ("Emin", emin), ("R", r),
                                                             ("O", o))}


def step(block, const, soc, f=1.0, eta=0.9):
    s, share = np.array([soc], dtype=np.float64), np.array([f], dtype=np.float64)
    out = _stateful(block, const, eta, s, share)
    return {k: np.asarray(v).ravel() for k, v in out.items()}, s[0], share[0]


def test_clean_first_serves_load_and_leaves_a_surplus():
    out, _, _ = step(series(G=[15, 4, 0]), battery(emax=20), soc=20)
    assert out["U"].tolist() == [10, 4, 0]
    assert out["SUR"].tolist() == [5, 0, 0]


def test_shift_discharges_above_the_reserve_only():
    # SOC 9.8: hour 0 shifts min(10, 5, (9.8 − 8) × 0.9 = 1.62); then SOC = R and nothing more shifts
    out, soc, _ = step(series(), battery(), soc=9.8)
    assert out["D1"].tolist() == pytest.approx([1.62, 0, 0])
    assert out["GR"].tolist() == pytest.approx([8.38, 10, 10])
    assert soc == pytest.approx(8.0)


def test_shift_is_capped_by_power():
    out, soc, _ = step(series(), battery(p=5), soc=20)
    # SOC 20 → 14.44… → 8.88…; the third hour shifts only (8.88… − 8) × 0.9 = 0.8
    assert out["D1"].tolist() == pytest.approx([5, 5, 0.8])
    assert soc == pytest.approx(8.0)


def test_grid_is_capped_by_the_import_limit():
    out, _, _ = step(series(C=[20, 7, 0], T=[10, 10, 10]), battery(emax=0.0, p=0, r=0), soc=0)
    assert out["GR"].tolist() == [10, 7, 0]
    assert out["CUR"].tolist() == [0, 3, 10]


def test_backup_runs_after_the_grid():
    out = _stateless(series(C=[20, 7, 0]), np.array([2.0]))
    assert np.ravel(out["O"]).tolist() == [0, 2, 2]
    assert np.ravel(out["CUR"]).tolist() == [0, 1, 6]
    assert np.ravel(out["UNS"]).tolist() == [0, 0, 2]


def test_curtail_tolerant_then_the_reserve_covers_sensitive():
    # event hours, no grid: curtail 6, then discharge 4 from the reserve (SOC 8 → 8 − 4/0.9)
    out, soc, _ = step(series(C=[0, 0, 0], EV=[1, 1, 1]), battery(), soc=8)
    assert out["CUR"].tolist() == [6, 6, 6]
    assert out["D2"].tolist() == pytest.approx([4, 3.2, 0])
    assert out["UNS"].tolist() == pytest.approx([0, 0.8, 4])
    assert soc == pytest.approx(0)


def test_reserve_discharge_shares_power_with_the_shift():
    # SOC 10: shift (10 − 8) × 0.9 = 1.8, then only P − d1 = 3.2 of power remains for the reserve
    out, _, _ = step(series(C=[0, 0, 0], T=[0, 0, 0], L=[10, 0, 0], EV=[1, 0, 0]), battery(), soc=10)
    assert out["D1"][0] == pytest.approx(1.8)
    assert out["D2"][0] == pytest.approx(3.2)
    assert out["UNS"][0] == pytest.approx(5.0)


def test_charge_from_surplus_is_capped_by_power_and_room():
    out, soc, _ = step(series(G=[20, 20, 20]), battery(emax=20), soc=12)
    # surplus 10 each hour: charge 5 (SOC 16.5), then the room (20 − 16.5) / 0.9, then nothing
    assert out["C1"].tolist() == pytest.approx([5, (20 - 16.5) / 0.9, 0])
    assert soc == pytest.approx(20)
    assert (out["SUR"] - out["C1"]).tolist() == pytest.approx([5, 10 - (20 - 16.5) / 0.9, 10])


def test_recharge_from_the_grid_only_outside_events_and_without_discharge():
    # hour 0 event (no recharge), hour 1 recharges min(P, C − g, (R − SOC)/η), hour 2 tops up to R
    out, soc, _ = step(series(L=[0, 10, 10], T=[0, 0, 0], C=[0, 12, 20], EV=[1, 0, 0]), battery(), soc=2)
    assert out["C2"].tolist() == pytest.approx([0, 2, (8 - 2 - 1.8) / 0.9])
    assert soc == pytest.approx(8)


def test_no_recharge_in_an_hour_the_battery_discharged():
    out, _, _ = step(series(C=[5, 20, 20], T=[0, 0, 0]), battery(), soc=8)
    assert out["D2"][0] == pytest.approx(5)
    # SOC 8 → 8 − 5/0.9 after the reserve discharge; hour 1 recharges 5 (SOC + 4.5), hour 2 the rest to R
    assert out["C2"].tolist() == pytest.approx([0, 5, (5 / 0.9 - 4.5) / 0.9])


def test_pooled_share_mixes_surplus_and_grid_energy():
    # start SOC 4 at f = 0.5; hour 0: charge 5 from surplus (+4.5 clean); hour 1: recharge from a grid 50 % clean
    out, soc, f = step(series(L=[0, 10, 0], G=[5, 0, 0], T=[0, 0, 0], CFE=[0.5, 0.5, 0.5]), battery(r=12), soc=4,
                       f=0.5)
    f0 = (0.5 * 4 + 5 * 0.9) / 8.5
    assert out["F"][1] == pytest.approx(f0)
    c2 = out["C2"][1]
    assert c2 == pytest.approx(min(5, 10, (12 - 8.5) / 0.9))
    f1 = (f0 * 8.5 + c2 * 0.9 * 0.5) / (8.5 + c2 * 0.9)
    assert out["F"][2] == pytest.approx(f1)
    assert soc == pytest.approx(12)
    assert f == pytest.approx(f1)


def test_discharge_carries_the_share_and_leaves_it_unchanged():
    out, _, f = step(series(L=[10, 10, 10], T=[0, 0, 0], C=[0, 0, 0], EV=[1, 1, 1]), battery(), soc=20, f=0.25)
    assert out["F"].tolist() == [0.25, 0.25, 0.25]
    assert f == 0.25


def test_an_emptied_battery_keeps_nothing_of_its_old_share():
    # hour 0 empties it (f 0.3); hour 1 recharges from a grid 50 % carbon-free: the pool is then 50 % clean
    out, soc, f = step(series(L=[10, 10, 10], T=[0, 0, 0], C=[0, 20, 20], EV=[1, 0, 0], CFE=[0.5, 0.5, 0.5]),
                       battery(), soc=4, f=0.3)
    assert soc == pytest.approx(4.5 + (8 - 4.5))
    assert out["D2"][0] == pytest.approx(3.6)
    assert out["C2"][1] == pytest.approx(5)
    assert out["F"][2] == pytest.approx(0.5)
    assert f == pytest.approx(0.5)

