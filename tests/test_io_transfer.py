"""Seed 003 two-period transfer and leakage on a hand-worked 2-region, 1-sector system.

A = [[.1, .2], [.3, .1]] in both periods -> L = [[.9, .2], [.3, .9]] / .75 = [[1.2, 4/15], [.4, 1.2]].
Final demand (columns = consuming region N, S): Y0 = [[50, 10], [5, 40]], Y1 = [[60, 20], [15, 50]].
Output of S induced by N's demand: t0 .4*50 + 1.2*5 = 26, t1 .4*60 + 1.2*15 = 42 -> ΔX = 16.
Output of N induced by S's demand: t0 1.2*10 + 4/15*40 = 22.667, t1 1.2*20 + 4/15*50 = 37.333 -> 14.667.
Coefficients (synthetic, NOT the seed's Table 2): N 0.5, S 2.0 t CO2 per 10^4 yuan.
"""

import numpy as np
import pandas as pd
import pytest

from spatial_carbon.errors import InputError, ModelError
from spatial_carbon.inputoutput.transfer import induced_output, transfer_flows, two_period_transfer

IDX = pd.MultiIndex.from_tuples([("N", "ind"), ("S", "ind")], names=["region", "sector"])
A = pd.DataFrame([[0.1, 0.2], [0.3, 0.1]], index=IDX, columns=IDX)
Y0 = pd.DataFrame([[50.0, 10.0], [5.0, 40.0]], index=IDX, columns=["N", "S"])
Y1 = pd.DataFrame([[60.0, 20.0], [15.0, 50.0]], index=IDX, columns=["N", "S"])
S = pd.Series([0.5, 2.0], index=IDX)


def test_transfer_by_hand():
    t = two_period_transfer(A, Y0, A, Y1, S)
    p = t.pairs.set_index(["origin", "destination"])
    np.testing.assert_allclose(p.loc[("N", "S"), "output_transfer"], 16.0)
    np.testing.assert_allclose(p.loc[("S", "N"), "output_transfer"], 14.0 + 2 / 3)
    np.testing.assert_allclose(p.loc[("N", "S"), "carbon_transfer"], 32.0)
    np.testing.assert_allclose(p.loc[("S", "N"), "carbon_transfer"], 0.5 * (14 + 2 / 3))
    # leakage = ΔX (s_dest - s_origin)
    np.testing.assert_allclose(p.loc[("N", "S"), "leakage"], 16.0 * 1.5)
    np.testing.assert_allclose(p.loc[("S", "N"), "leakage"], -(14 + 2 / 3) * 1.5)
    np.testing.assert_allclose(p.loc[("N", "S"), "net_output_transfer"], 16 - (14 + 2 / 3))
    np.testing.assert_allclose(p["share_of_total"].sum(), 1.0)
    r = t.regions.set_index("region")
    np.testing.assert_allclose(r.loc["S", "net_carbon"], 32.0 - 0.5 * (14 + 2 / 3))
    fl = transfer_flows(t.pairs)
    assert fl[["origin", "destination"]].values.tolist() == [["N", "S"]]


def test_arrays_match_direct_inverse():
    got = induced_output(A, Y1)["fd"].to_numpy()
    L = np.linalg.inv(np.eye(2) - A.to_numpy())
    np.testing.assert_allclose(got, L @ Y1.to_numpy())


def test_export_driven_transfer():
    E0 = pd.Series([0.0, 0.0], index=IDX)
    E1 = pd.Series([10.0, 0.0], index=IDX)  # N starts exporting: S's output rises by .4*10
    t = two_period_transfer(A, Y0, A, Y1, S, exports0=E0, exports1=E1)
    p = t.pairs.set_index(["origin", "destination"])
    np.testing.assert_allclose(p.loc[("N", "S"), "output_export"], 4.0)
    np.testing.assert_allclose(p.loc[("N", "S"), "output_transfer"], 20.0)


def test_bad_inputs():
    with pytest.raises(InputError, match="mismatched labels"):
        two_period_transfer(A, Y0, A, Y1, S.iloc[:1])
    with pytest.raises(InputError, match="both periods"):
        two_period_transfer(A, Y0, A, Y1, S, exports0=S)
    with pytest.raises(InputError, match="not regions"):
        two_period_transfer(A, Y0.rename(columns={"S": "RoW"}), A, Y1.rename(columns={"S": "RoW"}), S)
    sing = pd.DataFrame([[0.5, 0.5], [0.5, 0.5]], index=IDX, columns=IDX)
    with pytest.raises(ModelError, match="singular"):
        two_period_transfer(sing, Y0, A, Y1, S)
