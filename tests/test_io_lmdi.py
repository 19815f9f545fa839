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


def test_national_pools_region_sectors_against_a_hand_computation():
    """Issue 11: ``by=None`` failed on every multi-region table ("duplicated
    sector/year rows").  National = one decomposition whose items are the
    region-sectors; checked against LMDI-I written out term by term (Ang 2015,
    eq. 3-5) with math.log:
        Q0 = 20+30+10+40 = 100, Q1 = 30+20+40+30 = 120; C0 = 65, C1 = 63;
        e.g. Beijing A: L(12, 10) = 2/ln 1.2 = 10.96963, S 0.2 -> 0.25, I 0.5 -> 0.4.
    """
    import math

    from spatial_carbon.inputoutput.lmdi import lmdi_decompose

    rows = [("Beijing", "A", 20, 10, 30, 12), ("Beijing", "B", 30, 30, 20, 16),
            ("Hebei", "A", 10, 5, 40, 20), ("Hebei", "B", 40, 20, 30, 15)]
    df = pd.DataFrame([(r, s, 2000, q0, c0) for r, s, q0, c0, _, _ in rows]
                      + [(r, s, 2010, q1, c1) for r, s, _, _, q1, c1 in rows],
                      columns=["region", "sector", "year", "output", "emissions"])
    got = lmdi_decompose(df, 2000, 2010, by=None).iloc[0]

    def L(a, b):
        return a if a == b else (a - b) / (math.log(a) - math.log(b))

    Q0 = sum(r[2] for r in rows)
    Q1 = sum(r[4] for r in rows)
    scale = sum(L(c1, c0) * math.log(Q1 / Q0) for _, _, q0, c0, q1, c1 in rows)
    structure = sum(L(c1, c0) * math.log((q1 / Q1) / (q0 / Q0)) for _, _, q0, c0, q1, c1 in rows)
    technique = sum(L(c1, c0) * math.log((c1 / q1) / (c0 / q0)) for _, _, q0, c0, q1, c1 in rows)
    assert got["region"] == "all"
    np.testing.assert_allclose([got["scale"], got["structure"], got["technique"]],
                               [scale, structure, technique], rtol=1e-12)
    np.testing.assert_allclose(L(12, 10), 10.969629, rtol=1e-6)
    np.testing.assert_allclose([got["C0"], got["C1"], got["total"]], [65, 63, -2])
    np.testing.assert_allclose(scale + structure + technique, -2, rtol=1e-12)
    np.testing.assert_allclose(got["D_scale"] * got["D_structure"] * got["D_technique"],
                               63 / 65, rtol=1e-12)
    # the CLI's --national gives the same row
    per_region = lmdi_decompose(df, 2000, 2010)
    assert list(per_region["region"]) == ["Beijing", "Hebei"]


def test_national_with_energy_mix_pools_region_sectors():
    from spatial_carbon.inputoutput.lmdi import lmdi_decompose

    base = [("Beijing", "A", "coal"), ("Beijing", "A", "gas"), ("Hebei", "A", "coal")]
    df = pd.DataFrame(
        [(r, s, f, 2000, 10.0, e, e * 2.0) for (r, s, f), e in zip(base, [4.0, 1.0, 5.0])]
        + [(r, s, f, 2010, 12.0, e, e * 1.5) for (r, s, f), e in zip(base, [3.0, 3.0, 4.0])],
        columns=["region", "sector", "fuel", "year", "output", "energy", "emissions"])
    got = lmdi_decompose(df, 2000, 2010, by=None, energy_mix=True).iloc[0]
    # C0 = 2*(4+1+5) = 20, C1 = 1.5*(3+3+4) = 15; effects sum to -5 exactly
    parts = ["scale", "structure", "energy_intensity", "energy_mix", "emission_factor"]
    np.testing.assert_allclose(sum(got[p] for p in parts), -5.0, rtol=1e-12)
    # national output counts each region-sector once (not each fuel row): 10 + 10 -> 12 + 12,
    # so scale = sum_ij L(C1_ij, C0_ij) ln(24/20) with C0 = 8, 2, 10 and C1 = 4.5, 4.5, 6
    import math

    def L(a, b):
        return (a - b) / (math.log(a) - math.log(b))

    scale = (L(4.5, 8) + L(4.5, 2) + L(6, 10)) * math.log(24 / 20)
    np.testing.assert_allclose(got["scale"], scale, rtol=1e-12)
