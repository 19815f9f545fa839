"""Tests of spatial_carbon.spatial.markov (Rey's spatial Markov chain).

References
----------
* giddy 2.3 ``Spatial_Markov`` docstring (published example): US state
  relative per-capita income 1929-2009 (libpysal ``usjoin.csv``,
  ``states48.gal``, row-standardised), ``fixed=True, k=5, m=5``: cutoffs
  0.83999133, 0.94707545, 1.03242697, 1.14911154; lag cutoffs 0.88973386,
  0.95891917, 1.01469758, 1.1183566; P[0] first row 0.96341463 0.0304878
  0.00609756 0 0; pooled p; LR 170.659, Q 200.624, dof 60; S (steady states).
* giddy run in the test on the same data with user cutoffs (natural breaks).
* A two-unit chain worked by hand.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

libpysal = pytest.importorskip("libpysal")

from spatial_carbon.errors import DataQualityWarning, InputError  # noqa: E402
from spatial_carbon.spatial import markov, weights  # noqa: E402


@pytest.fixture(scope="module")
def us():
    f = libpysal.io.open(libpysal.examples.get_path("usjoin.csv"))
    pci = np.array([f.by_col[str(y)] for y in range(1929, 2010)]).T
    w, _ = weights.from_file(libpysal.examples.get_path("states48.gal"))
    df = pd.DataFrame({"id": np.repeat(np.arange(48), 81),
                       "year": np.tile(np.arange(1929, 2010), 48), "pci": pci.ravel()})
    return df, w, pci


def test_giddy_published_us_income(us):
    df, w, _ = us
    r = markov.spatial_markov(df, w, "pci", id_col="id", k=5, relative=True)
    c = r.classes
    np.testing.assert_allclose(c[c.classes_of == "value"]["upper"].to_numpy()[:4],
                               [0.83999133, 0.94707545, 1.03242697, 1.14911154], atol=1e-8)
    np.testing.assert_allclose(c[c.classes_of == "lag"]["upper"].to_numpy()[:4],
                               [0.88973386, 0.95891917, 1.01469758, 1.1183566], atol=1e-8)
    np.testing.assert_allclose(r.matrix(1).to_numpy(), [
        [0.96341463, 0.0304878, 0.00609756, 0., 0.],
        [0.06040268, 0.83221477, 0.10738255, 0., 0.],
        [0., 0.14, 0.74, 0.12, 0.],
        [0., 0.03571429, 0.32142857, 0.57142857, 0.07142857],
        [0., 0., 0., 0.16666667, 0.83333333]], atol=1e-8)
    np.testing.assert_allclose(r.matrix(5).to_numpy()[4], [0., 0., 0., 0.02352941, 0.97647059], atol=1e-8)
    np.testing.assert_allclose(r.matrix(0).to_numpy(), [
        [0.91461837, 0.07503234, 0.00905563, 0.00129366, 0.],
        [0.06570302, 0.82654402, 0.10512484, 0.00131406, 0.00131406],
        [0.00520833, 0.10286458, 0.79427083, 0.09505208, 0.00260417],
        [0., 0.00913838, 0.09399478, 0.84856397, 0.04830287],
        [0., 0., 0., 0.06217617, 0.93782383]], atol=1e-8)
    h = r.homogeneity
    assert f"{h['LR']:.3f}" == "170.659" and f"{h['Q']:.3f}" == "200.624" and h["dof"] == 60
    S = r.steady_states[r.steady_states.lag_class > 0].pivot(index="lag_class", columns="markov_class",
                                                              values="probability").to_numpy()
    np.testing.assert_allclose(S, [
        [0.43509425, 0.2635327, 0.20363044, 0.06841983, 0.02932278],
        [0.13391287, 0.33993305, 0.25153036, 0.23343016, 0.04119356],
        [0.12124869, 0.21137444, 0.2635101, 0.29013417, 0.1137326],
        [0.0776413, 0.19748806, 0.25352636, 0.22480415, 0.24654013],
        [0.01776781, 0.19964349, 0.19009833, 0.25524697, 0.3372434]], atol=1e-8)
    assert r.transitions["n_steps"].sum() == 2 * 48 * 80  # pooled + conditional, 80 year pairs


def test_against_giddy_with_natural_breaks(us):
    giddy = pytest.importorskip("giddy.markov")
    df, w, pci = us
    r = markov.spatial_markov(df, w, "pci", id_col="id", k=4, scheme="fisher_jenks", lag_scheme="same")
    ub = r.classes[r.classes.classes_of == "value"]["upper"].to_numpy()[:3]
    gw = w.to_libpysal()
    sm = giddy.Spatial_Markov(pci, gw, k=4, m=4, fixed=True, cutoffs=ub, lag_cutoffs=ub)
    for j in range(4):
        np.testing.assert_array_equal(r.matrix(j + 1, "n_steps").to_numpy(), sm.T[j])
        np.testing.assert_allclose(np.nan_to_num(r.matrix(j + 1).to_numpy()), sm.P[j], atol=1e-12)
    assert r.homogeneity["Q"] == pytest.approx(sm.Q, rel=1e-12)
    assert r.homogeneity["LR"] == pytest.approx(sm.LR, rel=1e-12)
    assert r.homogeneity["dof"] == sm.dof_hom


def test_hand_worked_two_units():
    # units a-b neighbours; years 1..3; cutoff 5: class 1 (<= 5) or 2
    # a: 1, 9, 9   b: 9, 1, 1   lag(a) = b, lag(b) = a (row-standardised, one neighbour)
    # year1->2: a 1->2 with lag class 2 (b = 9); b 2->1 with lag class 1 (a = 1)
    # year2->3: a 2->2 with lag class 1 (b = 1); b 1->1 with lag class 2 (a = 9)
    w, _ = weights.from_pairs(["a", "b"], np.array([[0, 1], [1, 0]]), islands="drop")
    df = pd.DataFrame({"id": ["a"] * 3 + ["b"] * 3, "year": [1, 2, 3] * 2,
                       "v": [1.0, 9, 9, 9, 1, 1]})
    with pytest.warns(DataQualityWarning):
        r = markov.spatial_markov(df, w, "v", id_col="id", k=2, cutoffs=[5], lag_cutoffs=[5])
    np.testing.assert_array_equal(r.matrix(1, "n_steps").to_numpy(), [[0, 0], [1, 1]])
    np.testing.assert_array_equal(r.matrix(2, "n_steps").to_numpy(), [[1, 1], [0, 0]])
    np.testing.assert_array_equal(r.matrix(0, "n_steps").to_numpy(), [[1, 1], [1, 1]])
    np.testing.assert_allclose(r.matrix(0).to_numpy(), [[0.5, 0.5], [0.5, 0.5]])
    assert any("no transition starts" in n for n in r.notes)


def test_steady_states_reducible():
    # giddy.ergodic.steady_state docstring: two closed classes
    P = np.array([[.5, .5, 0], [.2, .8, 0], [0, 0, 1]])
    s = markov.steady_states(P)
    np.testing.assert_allclose(s, [[0.28571429, 0.71428571, 0.], [0., 0., 1.]], atol=1e-8)
    np.testing.assert_allclose(markov.steady_states(np.array([[.5, .25, .25], [.5, 0, .5],
                                                              [.25, .25, .5]]))[0], [0.4, 0.2, 0.4])


def test_bad_inputs(us):
    df, w, _ = us
    with pytest.raises(InputError, match="same value for every unit"):
        markov.spatial_markov(df.assign(pci=1.0), w, "pci", id_col="id")
    with pytest.raises(InputError, match="needs a year column"):
        markov.spatial_markov(df, w, "pci", id_col="id", year_col="yr")
    with pytest.raises(InputError, match="at least two years"):
        markov.spatial_markov(df[df.year == 1929], w, "pci", id_col="id")
    with pytest.raises(InputError, match="scheme"):
        markov.spatial_markov(df, w, "pci", id_col="id", scheme="jenks")
    with pytest.raises(Exception, match="empty value"):
        markov.spatial_markov(df.assign(pci=np.nan), w, "pci", id_col="id")
