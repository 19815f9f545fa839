"""IO maths against Miller & Blair (2009), ch. 2, the two-sector example.

Miller, R.E. & Blair, P.D. (2009) Input-Output Analysis: Foundations and
Extensions, 2nd ed.  Table 2.3 (flows): Z = [[150, 500], [200, 100]],
f = [350, 1700], x = [1000, 2000]; A = [[.15, .25], [.20, .05]];
L = [[1.254, .330], [.264, 1.122]] (exactly 1/.7575 [[.95, .25], [.2, .85]]);
ch. 2: new final demand f = [600, 1500] gives x = [1247.52, 1841.58].
"""

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from spatial_carbon.errors import DataQualityWarning, InputError, ModelError, NegativeValueError
from spatial_carbon.inputoutput import (
    calc_A, calc_embodied, calc_L, calc_M, calc_M_from_L, calc_output_multipliers,
    calc_S, calc_x, calc_x_from_A, calc_x_from_L, calc_Z, check_balance,
)

Z = np.array([[150.0, 500.0], [200.0, 100.0]])
f = np.array([350.0, 1700.0])
x = np.array([1000.0, 2000.0])
A_MB = np.array([[0.15, 0.25], [0.20, 0.05]])
L_MB = np.array([[0.95, 0.25], [0.20, 0.85]]) / 0.7575
SECT = ["Agriculture", "Manufacturing"]


def frames():
    return (pd.DataFrame(Z, index=SECT, columns=SECT), pd.Series(f, index=SECT),
            pd.Series(x, index=SECT))


def test_miller_blair_arrays():
    np.testing.assert_allclose(calc_x(Z, f), x)
    A = calc_A(Z, x)
    np.testing.assert_allclose(A, A_MB)
    np.testing.assert_allclose(calc_Z(A, x), Z)
    L = calc_L(A)
    np.testing.assert_allclose(L, L_MB, rtol=1e-12)
    np.testing.assert_allclose(L, [[1.254, 0.330], [0.264, 1.122]], atol=6e-4)  # printed values
    x_new = calc_x_from_A(A, np.array([600.0, 1500.0]))
    np.testing.assert_allclose(x_new, [1247.52, 1841.58], atol=0.01)
    np.testing.assert_allclose(calc_x_from_L(L, np.array([600.0, 1500.0])), x_new)
    # simple output multipliers = column sums of L (M&B 2009, ch. 6): 1.5182, 1.4521
    np.testing.assert_allclose(calc_output_multipliers(A), L_MB.sum(axis=0))


def test_miller_blair_frames_keep_labels():
    Zf, ff, xf = frames()
    assert calc_x(Zf, ff).index.tolist() == SECT
    A = calc_A(Zf, xf)
    assert isinstance(A, pd.DataFrame) and A.columns.tolist() == SECT
    L = calc_L(A)
    np.testing.assert_allclose(L.to_numpy(), L_MB)
    xn = calc_x_from_A(A, pd.Series([600.0, 1500.0], index=SECT))
    assert isinstance(xn, pd.Series)
    np.testing.assert_allclose(xn.to_numpy(), [1247.52, 1841.58], atol=0.01)


def test_multipliers_and_embodied():
    # hand: s = F/x with F = [100, 300] t -> s = [0.1, 0.15] t per unit
    F = np.array([100.0, 300.0])
    s = calc_S(F, x)
    np.testing.assert_allclose(s, [0.1, 0.15])
    m = calc_M(s, A_MB)
    # m = s L = [0.1*0.95+0.15*0.2, 0.1*0.25+0.15*0.85] / 0.7575
    np.testing.assert_allclose(m, np.array([0.125, 0.1525]) / 0.7575)
    np.testing.assert_allclose(m, calc_M_from_L(s, L_MB))
    # embodied in final demand f reproduces total emissions: m f = sum F
    np.testing.assert_allclose(calc_embodied(m, f).sum(), F.sum())
    # DataFrames, several stressors
    Sf = pd.DataFrame([s, 2 * s], index=["CO2", "CO2x2"], columns=SECT)
    Mf = calc_M(Sf, pd.DataFrame(A_MB, index=SECT, columns=SECT))
    assert Mf.index.tolist() == ["CO2", "CO2x2"]
    np.testing.assert_allclose(Mf.to_numpy()[1], 2 * m)
    e = calc_embodied(pd.Series(m, index=SECT), pd.Series(f, index=SECT))
    assert e.index.tolist() == SECT


def test_sparse_matches_dense():
    rng = np.random.default_rng(42)
    n = 60
    A = rng.random((n, n)) * (rng.random((n, n)) < 0.1)
    A = A / A.sum(axis=0).max() * 0.6
    y = rng.random((n, 3))
    np.testing.assert_allclose(calc_x_from_A(sp.csc_matrix(A), y), calc_x_from_A(A, y), rtol=1e-10)
    s = rng.random(n)
    np.testing.assert_allclose(calc_M(s, sp.csr_matrix(A)), calc_M(s, A), rtol=1e-10)


def test_singular_raises_model_error():
    A = np.array([[0.5, 0.5], [0.5, 0.5]])  # I - A singular
    with pytest.raises(ModelError, match="singular"):
        calc_L(A)
    with pytest.raises(ModelError, match="singular"):
        calc_x_from_A(A, np.ones(2))
    with pytest.raises(ModelError, match="singular"):
        calc_M(np.ones(2), sp.csc_matrix(A))


def test_bad_inputs():
    with pytest.raises(NegativeValueError, match="negative total output"):
        calc_A(Z, np.array([1000.0, -1.0]))
    with pytest.raises(InputError, match="square"):
        calc_L(np.ones((2, 3)))
    with pytest.raises(InputError, match="NaN"):
        calc_x_from_A(np.array([[np.nan, 0], [0, 0]]), np.ones(2))
    with pytest.raises(InputError, match="3 sectors"):
        calc_M(np.ones(3), A_MB)
    with pytest.raises(InputError, match="emissions but zero output"):
        calc_S(np.array([1.0, 1.0]), np.array([1.0, 0.0]))
    with pytest.warns(DataQualityWarning, match="zero output"):
        A = calc_A(Z, np.array([1000.0, 0.0]))
    np.testing.assert_array_equal(A[:, 1], [0.0, 0.0])


def test_check_balance():
    check_balance(Z, f, x)
    with pytest.raises(InputError, match="unbalanced.*largest gap"):
        check_balance(Z, f, x + np.array([0.0, 5.0]))


def test_remaining_calc_functions_with_frames():
    Zf, ff, xf = frames()
    A = calc_A(Zf, xf)
    Zback = calc_Z(A, xf)
    assert isinstance(Zback, pd.DataFrame)
    np.testing.assert_allclose(Zback.to_numpy(), Z)
    F = pd.DataFrame([[100.0, 300.0]], index=["CO2"], columns=SECT)
    Sf = calc_S(F, xf)
    assert isinstance(Sf, pd.DataFrame) and Sf.columns.tolist() == SECT
    np.testing.assert_allclose(Sf.to_numpy(), [[0.1, 0.15]])
    L = calc_L(A)
    Mf = calc_M_from_L(Sf, L)
    np.testing.assert_allclose(Mf.to_numpy(), calc_M(Sf, A).to_numpy())
    Yf = pd.DataFrame({"hh": f, "gov": f / 2}, index=SECT)
    Xf = calc_x_from_L(L, Yf)
    assert Xf.columns.tolist() == ["hh", "gov"]
    np.testing.assert_allclose(Xf["hh"].to_numpy(), x)
    om = calc_output_multipliers(A)
    assert om.index.tolist() == SECT
    np.testing.assert_allclose(om.to_numpy(), [1.15 / 0.7575, 1.10 / 0.7575])


@pytest.mark.parametrize("method", ["lu", "splu", "iterative"])
def test_solvers_agree(method):
    from spatial_carbon.inputoutput import leontief_factor

    f_ = leontief_factor(sp.csc_matrix(A_MB) if method != "lu" else A_MB, method)
    np.testing.assert_allclose(f_.solve(f), x)
    np.testing.assert_allclose(f_.solve(np.ones(2), trans=True), L_MB.sum(axis=0))


def test_iterative_refuses_unproductive_matrix():
    from spatial_carbon.inputoutput import leontief_factor

    with pytest.raises(ModelError, match="column sum"):
        leontief_factor(np.array([[0.5, 1.2], [0.1, 0.1]]), "iterative")
    with pytest.raises(InputError, match="unknown solver"):
        leontief_factor(A_MB, "magic")


def test_auto_solver_choice(monkeypatch):
    from spatial_carbon.inputoutput import iomath, leontief_factor

    assert leontief_factor(A_MB).method == "lu"
    assert leontief_factor(sp.csr_matrix(A_MB)).method == "iterative"
    assert leontief_factor(sp.csr_matrix([[0.5, 1.2], [0.1, 0.1]])).method == "splu"
    monkeypatch.setattr(iomath, "ITERATIVE_MIN_N", 2)
    f_ = leontief_factor(A_MB)
    assert f_.method == "iterative"
    np.testing.assert_allclose(f_.solve(f), x)
