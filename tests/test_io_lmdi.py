"""LMDI-I (Ang 2015): exactness, hand-worked cases, zero/negative values, bad input."""

import numpy as np
import pandas as pd
import pytest

from spatial_carbon.errors import (DuplicateRowError, MissingDataError, ModelError,
                                   NegativeValueError, ZeroCapacityError)
from spatial_carbon.inputoutput.lmdi import calc_lmdi, lmdi_decompose, logmean, share_shift_transfer


def long(rows):
    return pd.DataFrame(rows, columns=["region", "sector", "year", "output", "emissions"])


def test_logmean():
    np.testing.assert_allclose(logmean(2.0, 1.0), 1.0 / np.log(2.0))
    assert logmean(3.0, 3.0) == 3.0
    np.testing.assert_allclose(logmean(-2.0, -1.0), -1.0 / np.log(2.0))
    assert logmean(0.0, 1.0) == 0.0


def test_pure_scale_and_pure_technique_by_hand():
    # every sector doubles output at constant intensity: ΔC = C0 = 60, all scale;
    # L(2c, c) ln 2 = c/ln2 * ln2 = c
    df = long([("Beijing", "s1", 2000, 100, 50), ("Beijing", "s2", 2000, 100, 10),
               ("Beijing", "s1", 2010, 200, 100), ("Beijing", "s2", 2010, 200, 20),
               ("Hebei", "s1", 2000, 100, 50), ("Hebei", "s2", 2000, 100, 10),
               ("Hebei", "s1", 2010, 100, 25), ("Hebei", "s2", 2010, 100, 5)])
    out = lmdi_decompose(df, 2000, 2010).set_index("region")
    np.testing.assert_allclose(out.loc["Beijing", ["scale", "structure", "technique", "total"]].astype(float),
                               [60.0, 0.0, 0.0, 60.0], atol=1e-12)
    np.testing.assert_allclose(out.loc["Beijing", "D_scale"], 2.0)
    # Hebei: intensities halve, output constant: all technique, -30; D_technique = 0.5
    np.testing.assert_allclose(out.loc["Hebei", ["scale", "structure", "technique"]].astype(float),
                               [0.0, 0.0, -30.0], atol=1e-12)
    np.testing.assert_allclose(out.loc["Hebei", "D_technique"], 0.5)
    assert out.loc["Hebei", "region_code"] == 130000


def test_general_case_hand_formula_and_exactness():
    # s1: Q 100 -> 150, C 50 -> 60 ; s2: Q 100 -> 250, C 10 -> 20 (Q 200 -> 400)
    df = long([("Beijing", "s1", 2000, 100, 50), ("Beijing", "s2", 2000, 100, 10),
               ("Beijing", "s1", 2010, 150, 60), ("Beijing", "s2", 2010, 250, 20)])
    r = lmdi_decompose(df, 2000, 2010).iloc[0]
    L1 = (60 - 50) / np.log(60 / 50)
    L2 = (20 - 10) / np.log(20 / 10)
    scale = (L1 + L2) * np.log(400 / 200)
    structure = L1 * np.log(0.375 / 0.5) + L2 * np.log(0.625 / 0.5)
    technique = L1 * np.log((60 / 150) / 0.5) + L2 * np.log((20 / 250) / 0.1)
    np.testing.assert_allclose([r.scale, r.structure, r.technique], [scale, structure, technique])
    np.testing.assert_allclose(r.scale + r.structure + r.technique, r.total, rtol=0, atol=1e-12)
    assert r.total == 20.0
    np.testing.assert_allclose(r.D_scale * r.D_structure * r.D_technique, 80 / 60, rtol=1e-13)
    np.testing.assert_allclose(r.D_total, 80 / 60)


def test_zero_values_ang2015():
    # new sector s3 (no output in 2000): its whole 2010 emissions (5) go to structure;
    # s4 has output but no emissions in 2000 -> its 2010 emissions (4) go to technique;
    # s5 disappears: -C0 (3) goes to structure
    df = long([("Beijing", "s1", 2000, 100, 50), ("Beijing", "s1", 2010, 100, 50),
               ("Beijing", "s3", 2000, 0, 0), ("Beijing", "s3", 2010, 50, 5),
               ("Beijing", "s4", 2000, 10, 0), ("Beijing", "s4", 2010, 10, 4),
               ("Beijing", "s5", 2000, 20, 3), ("Beijing", "s5", 2010, 0, 0)])
    r = lmdi_decompose(df, 2000, 2010).iloc[0]
    np.testing.assert_allclose(r.scale + r.structure + r.technique, r.total, atol=1e-12)
    assert r.total == 6.0
    eff = calc_lmdi([0.0], [5.0], [[130.0, 0.0, np.nan]], [[160.0, 50 / 160, 0.1]])
    np.testing.assert_allclose(eff, [[0.0, 5.0, 0.0]])
    eff = calc_lmdi([0.0], [4.0], [[130.0, 10 / 130, 0.0]], [[160.0, 10 / 160, 0.4]])
    np.testing.assert_allclose(eff, [[0.0, 0.0, 4.0]])
    eff = calc_lmdi([3.0], [0.0], [[130.0, 20 / 130, 0.15]], [[160.0, 0.0, np.nan]])
    np.testing.assert_allclose(eff, [[0.0, -3.0, 0.0]])


def test_negative_values_and_sign_change():
    # net emissions negative in both years (e.g. after sinks): LMDI stays exact
    df = long([("Beijing", "s1", 2000, 100, -10), ("Beijing", "s2", 2000, 50, 30),
               ("Beijing", "s1", 2010, 120, -20), ("Beijing", "s2", 2010, 80, 40)])
    r = lmdi_decompose(df, 2000, 2010).iloc[0]
    np.testing.assert_allclose(r.scale + r.structure + r.technique, r.total, atol=1e-12)
    bad = long([("Beijing", "s1", 2000, 100, -10), ("Beijing", "s1", 2010, 100, 10)])
    with pytest.raises(ModelError, match="changes sign"):
        lmdi_decompose(bad, 2000, 2010)


def test_energy_mix_exact():
    rows = []
    for y, q, e_coal, e_gas, c_coal, c_gas in ((2000, 100, 40, 10, 100, 20), (2010, 160, 30, 30, 80, 55)):
        rows += [("Beijing", "s1", "coal", y, q, e_coal, c_coal), ("Beijing", "s1", "gas", y, q, e_gas, c_gas)]
    rows += [("Beijing", "s2", "coal", 2000, 50, 5, 12), ("Beijing", "s2", "coal", 2010, 40, 6, 14)]
    df = pd.DataFrame(rows, columns=["region", "sector", "fuel", "year", "output", "energy", "emissions"])
    r = lmdi_decompose(df, 2000, 2010, energy_mix=True).iloc[0]
    parts = r[["energy_intensity", "energy_mix", "emission_factor"]].astype(float).sum()
    np.testing.assert_allclose(parts, r.technique)
    np.testing.assert_allclose(r.scale + r.structure + r.technique, r.total, atol=1e-11)
    assert r.total == (80 + 55 + 14) - (100 + 20 + 12)


def test_bad_inputs():
    ok = [("Beijing", "s1", 2000, 100, 50), ("Beijing", "s1", 2010, 100, 40)]
    with pytest.raises(MissingDataError, match="year 2020"):
        lmdi_decompose(long(ok), 2000, 2020)
    with pytest.raises(DuplicateRowError, match="duplicated"):
        lmdi_decompose(long(ok + [ok[0]]), 2000, 2010)
    with pytest.raises(NegativeValueError, match="negative output"):
        lmdi_decompose(long([ok[0], ("Beijing", "s1", 2010, -1, 0)]), 2000, 2010)
    with pytest.raises(ZeroCapacityError, match="zero total output"):
        lmdi_decompose(long([ok[0], ("Beijing", "s1", 2010, 0, 0)]), 2000, 2010)


def test_share_shift_by_hand():
    # national output 100 -> 200; Beijing share 0.6 -> 0.25, Hebei 0.4 -> 0.75
    # ΔQ = ∓0.35 * 200 = ∓70; intensities 2010: Beijing 100/50 = 2, Hebei 150/150 = 1
    df = long([("Beijing", "steel", 2000, 60, 90), ("Hebei", "steel", 2000, 40, 60),
               ("Beijing", "steel", 2010, 50, 100), ("Hebei", "steel", 2010, 150, 150),
               ("Beijing", "food", 2000, 10, 1), ("Beijing", "food", 2010, 10, 1)])
    out = share_shift_transfer(df, 2000, 2010, sectors=["steel"]).set_index("region")
    np.testing.assert_allclose(out["output_transfer"], [-70.0, 70.0])
    np.testing.assert_allclose(out["carbon_transfer"], [-140.0, 70.0])
    np.testing.assert_allclose(out["share1"], [0.25, 0.75])
    assert out["region_code"].tolist() == [110000, 130000]
