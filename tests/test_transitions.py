"""Tests of spatial_carbon.spatial.transitions.

Reference: giddy 2.3 ``LISA_Markov`` docstring example (US per-capita income
1929-2009, 48 states, states48.gal, shipped with libpysal): transition counts
[[1087, 44, 4, 34], [41, 470, 36, 1], [5, 34, 1422, 39], [30, 1, 40, 552]].
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

libpysal = pytest.importorskip("libpysal")

from spatial_carbon.spatial import autocorr, transitions, weights# noqa: E402
from spatial_carbon.errors import InputError  # noqa: E402

GIDDY_COUNTS = np.array([[1087, 44, 4, 34], [41, 470, 36, 1], [5, 34, 1422, 39], [30, 1, 40, 552]])


@pytest.fixture(scope="module")
def us_lisa():
    f = libpysal.io.open(libpysal.examples.get_path("usjoin.csv"))
    years = list(range(1929, 2010))
    pci = np.array([f.by_col[str(y)] for y in years]).T
    w, _ = weights.from_file(libpysal.examples.get_path("states48.gal"))
    df = pd.DataFrame({"id": np.repeat(np.arange(48), len(years)), "year": np.tile(years, 48),
                       "pci": pci.ravel()})
    return pci, autocorr.local_moran(df, w, "pci", id_col="id", permutations=0)


def test_counts_match_giddy_docstring(us_lisa):
    _, lisa = us_lisa
    tr = transitions.lisa_transitions(lisa)
    assert list(tr.counts.index) == ["HH", "LH", "LL", "HL"] == list(tr.counts.columns)
    np.testing.assert_array_equal(tr.counts.to_numpy(), GIDDY_COUNTS)
    np.testing.assert_allclose(tr.probabilities.to_numpy()[0],
                               [0.92985458, 0.03763901, 0.00342173, 0.02908469], atol=1e-8)


def test_moves_match_giddy(us_lisa):
    giddy = pytest.importorskip("giddy")
    pci, lisa = us_lisa
    lm = giddy.markov.LISA_Markov(pci, libpysal.io.open(libpysal.examples.get_path("states48.gal")).read())
    tr = transitions.lisa_transitions(lisa)
    got = tr.moves.pivot(index="id", columns="year_from", values="giddy_move").to_numpy()
    np.testing.assert_array_equal(got, lm.move_types)
    np.testing.assert_array_equal(tr.counts.to_numpy(), lm.transitions)


def test_typology_and_summary(us_lisa):
    _, lisa = us_lisa
    tr = transitions.lisa_transitions(lisa)
    # type from the matrix: diagonal 0; HH<->LH, LL<->HL type I; HH<->HL, LH<->LL type II
    c = GIDDY_COUNTS
    t0 = np.trace(c)
    t1 = c[0, 1] + c[1, 0] + c[2, 3] + c[3, 2]
    t2 = c[0, 3] + c[3, 0] + c[1, 2] + c[2, 1]
    t3 = c[0, 2] + c[2, 0] + c[1, 3] + c[3, 1]
    allrow = tr.summary[tr.summary.year_from == "all"].iloc[0]
    assert (allrow.n_type_0, allrow.n_type_I, allrow.n_type_II, allrow.n_type_III) == (t0, t1, t2, t3)
    assert allrow.m == c.sum() == 48 * 80
    assert allrow.cohesion == pytest.approx(t0 / c.sum())
    assert allrow.flux == pytest.approx((t1 + t2) / c.sum())
    assert allrow.n_type_IIIA == c[0, 2] + c[2, 0]
    assert transitions.move_type(1, 3) == "III" and transitions.move_type(2, 1) == "I"
    assert transitions.move_type(4, 1) == "II" and transitions.move_type(3, 3) == "0"
    h = tr.homogeneity
    assert h["regimes"] == 80 and h["dof"] > 0 and 0 <= h["Q_p"] <= 1


def test_homogeneity_detects_change():
    # first half: everyone stays; second half: everyone flips HH <-> LL
    q = []
    for t in range(6):
        q.append(pd.DataFrame({"id": range(20), "year": 2000 + t, "significant": True,
                               "quadrant": np.where(np.arange(20) < 10, 1, 3)
                               if t < 3 or t % 2 == 1 else np.where(np.arange(20) < 10, 3, 1)}))
    tr = transitions.lisa_transitions(pd.concat(q), id_cols=["id"])
    assert tr.homogeneity["Q_p"] < 1e-6


def test_significant_only():
    df = pd.DataFrame({"id": [1, 2, 1, 2], "year": [1, 1, 2, 2], "quadrant": [1, 3, 2, 3],
                       "significant": [True, True, False, True]})
    tr = transitions.lisa_transitions(df, id_cols=["id"], significant_only=True)
    assert tr.counts.to_numpy().sum() == 1 and tr.counts.loc["LL", "LL"] == 1
    assert tr.moves["counted"].tolist() == [False, True]
    assert tr.moves["type"].tolist() == ["I", "0"]
    full = transitions.lisa_transitions(df, id_cols=["id"])
    assert full.counts.loc["HH", "LH"] == 1
    assert np.isnan(full.probabilities.loc["LH"]).all()


def test_isolated_not_counted():
    df = pd.DataFrame({"id": [1, 2, 1, 2], "year": [1, 1, 2, 2], "quadrant": [0, 3, 0, 4],
                       "significant": False})
    tr = transitions.lisa_transitions(df, id_cols=["id"])
    assert tr.counts.to_numpy().sum() == 1
    assert tr.moves.loc[tr.moves.id == 1, "type"].isna().all()


def test_bad_inputs():
    df = pd.DataFrame({"id": [1, 2], "year": [1, 1], "quadrant": [1, 3], "significant": False})
    with pytest.raises(InputError, match="at least two years"):
        transitions.lisa_transitions(df, id_cols=["id"])
    with pytest.raises(InputError, match="no column 'quadrant'"):
        transitions.lisa_transitions(df.drop(columns="quadrant"))
    with pytest.raises(InputError, match="repeats id-years"):
        transitions.lisa_transitions(pd.concat([df, df.assign(year=2), df]), id_cols=["id"])
    with pytest.raises(InputError, match="quadrants must be"):
        transitions.move_type(0, 1)


def test_homogeneity_matches_giddy():
    giddy = pytest.importorskip("giddy")
    rng = np.random.default_rng(2)
    # float matrices: giddy truncates probabilities of integer input (zeros_like)
    mats = [(rng.integers(0, 30, (4, 4)) * (rng.random((4, 4)) > 0.3)).astype(float) for _ in range(5)]
    mats[1][2] = 0  # a row without observations in one regime
    h = giddy.markov.homogeneity(mats)
    mine = transitions.homogeneity(mats)
    np.testing.assert_allclose([mine["Q"], mine["LR"]], [h.Q, h.LR], rtol=1e-12)
    assert mine["dof"] == h.dof
    np.testing.assert_allclose([mine["Q_p"], mine["LR_p"]], [h.Q_p_value, h.LR_p_value], rtol=1e-9, atol=1e-15)


def test_non_numeric_year_column_is_a_clear_error():
    lisa = pd.DataFrame({"region_code": [1, 2, 1, 2], "year": ["a", "a", "b", "b"],
                         "quadrant": [1, 3, 1, 3], "significant": [True] * 4})
    with pytest.raises(InputError, match="year column 'year' of the LISA table is not numeric"):
        transitions.lisa_transitions(lisa)
