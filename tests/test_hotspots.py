"""Tests of spatial_carbon.spatial.hotspots (Getis-Ord G and G*).

References
----------
* pygeoda 0.1.3 (libgeoda, GeoDa's C++ core) ``local_g`` / ``local_gstar`` on
  Columbus CRIME, queen weights: G values to 1e-12; cluster codes agree
  except borderline units.  pygeoda's permutation sampler is not ours (its
  pseudo p-values for local G equal its own local Moran p-values for the
  same data and seed, and sit ~0.02 above the exact conditional permutation
  p at 99,999 permutations), so p-values are compared statistically.
* esda 2.8 ``G_Local(transform="B")``: G and the analytic ``Zs`` (esda's
  variance is the Ord-Getis one for binary weights only).
* R spdep ``localG`` (R/localG.R of r-spatial/spdep @ 6693ca5): not runnable
  here (no CRAN); its formulas are implemented independently below in
  :func:`_spdep_localG` (loops over units, no code shared with the module).
* A 4-unit path worked by hand (arithmetic in the comments).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest

gpd = pytest.importorskip("geopandas")
libpysal = pytest.importorskip("libpysal")

from spatial_carbon.errors import (  # noqa: E402
    DataQualityWarning, InputError, MissingDataError, WeightsError,
)
from spatial_carbon.spatial import hotspots, weights  # noqa: E402


@pytest.fixture(scope="module")
def columbus():
    return gpd.read_file(libpysal.examples.get_path("columbus.shp"))


def _path4(transform="b"):
    # path 1 - 2 - 3 - 4
    pairs = np.array([[0, 1], [1, 0], [1, 2], [2, 1], [2, 3], [3, 2]])
    w, _ = weights.from_pairs([1, 2, 3, 4], pairs, transform=transform, islands="drop")
    return w


def test_hand_worked_path():
    # y = 1, 2, 3, 6: n = 4, sum 12, mean 3, sum y^2 = 50, s^2 = 50/4 - 9 = 3.5
    df = pd.DataFrame({"id": [1, 2, 3, 4], "v": [1.0, 2.0, 3.0, 6.0]})
    out = hotspots.local_g(df, _path4("b"), "v", id_col="id", year_col=None, permutations=0)
    # G* unit 4: {3, 4}: W = 2, S1 = 2, lag = 9, G* = 9/12 = 0.75, E = 2*3/12 = 0.5
    #   z = (9 - 2*3) / (sqrt(3.5) * sqrt((4*2 - 2^2)/3)) = 3 / 2.1602469 = 1.3887301
    # G* unit 2: {1, 2, 3}: W = 3, S1 = 3, lag = 6, z = (6 - 9)/(sqrt(3.5)*1) = -1.6035675
    np.testing.assert_allclose(out["G"].iloc[3], 0.75, rtol=1e-12)
    np.testing.assert_allclose(out["EG"].iloc[3], 0.5, rtol=1e-12)
    np.testing.assert_allclose(out["gi_z"].iloc[3], 1.3887301496588271, rtol=1e-12)
    np.testing.assert_allclose(out["gi_z"].iloc[1], -1.6035674514745464, rtol=1e-12)
    g = hotspots.local_g(df, _path4("b"), "v", id_col="id", year_col=None, star=False,
                         permutations=0)
    # G unit 4: others {1, 2, 3}: m = 6/3 = 2, s^2 = (50 - 36)/3 - 4 = 2/3, W = S1 = 1, lag = 3
    #   G = 3/6 = 0.5, E = 2/6, z = (3 - 2)/(sqrt(2/3) * sqrt((3*1 - 1)/2)) = 1.2247449
    np.testing.assert_allclose(g["G"].iloc[3], 0.5, rtol=1e-12)
    np.testing.assert_allclose(g["EG"].iloc[3], 1 / 3, rtol=1e-12)
    np.testing.assert_allclose(g["gi_z"].iloc[3], 1.2247448713915890, rtol=1e-12)
    assert (g["statistic"] == "G").all() and (out["statistic"] == "G*").all()
    # the z-score does not depend on row-standardisation
    r = hotspots.local_g(df, _path4("r"), "v", id_col="id", year_col=None, permutations=0)
    np.testing.assert_allclose(r["gi_z"], out["gi_z"], rtol=1e-12)


def test_gi_bin_arcgis_thresholds():
    # two-sided normal p: |z| >= 2.5758 -> 99 %, >= 1.95996 -> 95 %, >= 1.64485 -> 90 %
    z = np.array([-3.0, -2.0, -1.7, -1.6, 0.0, 1.6, 1.7, 2.0, 2.6])
    np.testing.assert_array_equal(hotspots.gi_bin(z), [-3, -2, -1, 0, 0, 0, 1, 2, 3])


def _spdep_localG(x, W, star):
    """spdep R/localG.R, written out per unit (W: dense weights with the self
    weight on the diagonal for G*)."""
    n = len(x)
    z = np.empty(n)
    for i in range(n):
        wi = W[i]
        lx = float(wi @ x)
        if star:
            xibar = x.mean()
            si2 = ((x - x.mean()) ** 2).sum() / n
        else:
            xibar = (x.sum() - x[i]) / (n - 1)
            si2 = (np.sum(x ** 2) - x[i] ** 2) / (n - 1) - xibar ** 2
        Wi, S1i = wi.sum(), (wi ** 2).sum()
        VG = si2 * ((n * S1i - Wi ** 2) / (n - 1) if star else ((n - 1) * S1i - Wi ** 2) / (n - 2))
        z[i] = (lx - Wi * xibar) / math.sqrt(VG)
    return z


@pytest.mark.parametrize("star", [True, False])
@pytest.mark.parametrize("kind", ["queen", "knn:4", "distance"])
def test_z_matches_spdep_formulas(columbus, star, kind):
    kw = {"threshold": 1.0} if kind == "distance" else {}
    k = kind.split(":")
    w, _ = weights.build(columbus, "POLYID", k[0], k=int(k[1]) if len(k) > 1 else 4, **kw)
    out = hotspots.local_g(columbus, w, "CRIME", id_col="POLYID", star=star, permutations=0)
    W = (hotspots.star_weights(w) if star else w).sparse.toarray()
    np.testing.assert_allclose(out["gi_z"], _spdep_localG(columbus.set_index("POLYID").loc[w.ids, "CRIME"].to_numpy(), W, star),
                               rtol=1e-10)


@pytest.mark.parametrize("star", [True, False])
def test_matches_esda_binary(columbus, star):
    esda = pytest.importorskip("esda")
    w, _ = weights.build(columbus, "POLYID", "queen", transform="b")
    out = hotspots.local_g(columbus, w, "CRIME", id_col="POLYID", star=star, permutations=0)
    y = columbus.set_index("POLYID").loc[w.ids, "CRIME"].to_numpy()
    e = esda.G_Local(y, w.to_libpysal(), transform="B", star=star, permutations=0)
    np.testing.assert_allclose(out["G"], e.Gs, rtol=1e-12)
    np.testing.assert_allclose(out["gi_z"], e.Zs, rtol=1e-10)


@pytest.mark.parametrize("star", [True, False])
def test_matches_pygeoda(columbus, star):
    pygeoda = pytest.importorskip("pygeoda")
    w, _ = weights.build(columbus, "POLYID", "queen")
    out = hotspots.local_g(columbus, w, "CRIME", id_col="POLYID", star=star, permutations=9999,
                           alternative="folded").set_index("POLYID").loc[columbus.POLYID]
    qw = pygeoda.queen_weights(pygeoda.open(columbus))
    f = pygeoda.local_gstar if star else pygeoda.local_g
    lg = f(qw, columbus["CRIME"].tolist(), permutations=9999, seed=1, cpu_threads=1)
    np.testing.assert_allclose(out["G"], np.array(lg.lisa_values()), rtol=1e-12, atol=1e-15)
    pg = np.array(lg.lisa_pvalues())
    # GeoDa's p for G, G* and local Moran are identical for the same data and
    # seed (one sampler for all three) and differ from the exact conditional
    # p by up to ~0.05 at 9,999 permutations (ours: exact test below)
    d = np.abs(out["p_sim"].to_numpy() - pg)
    assert d.max() < 0.08 and d.mean() < 0.02
    cl = np.array(lg.lisa_clusters())
    border = (np.abs(pg - 0.05) < 0.03) | (np.abs(out["p_sim"].to_numpy() - 0.05) < 0.03)
    np.testing.assert_array_equal(out["g_cluster"].to_numpy()[~border], cl[~border])
    assert (~border).sum() >= 35


def test_pseudo_p_matches_exact_conditional_distribution(columbus):
    # a unit with 3 neighbours: all C(48, 3) = 17,296 neighbour sets enumerated
    w, _ = weights.build(columbus, "POLYID", "queen")
    y = columbus.set_index("POLYID").loc[w.ids, "CRIME"].to_numpy()
    card = np.diff(w.sparse.indptr)
    i = int(np.nonzero(card == 3)[0][0])
    P = 49_999
    out = hotspots.local_g(columbus, w, "CRIME", id_col="POLYID", star=True, permutations=P,
                           alternative="greater")
    others = np.delete(y, i)
    obs = y[w.sparse.indices[w.sparse.indptr[i]:w.sparse.indptr[i + 1]]].sum()
    sums = np.array([others[list(c)].sum() for c in itertools.combinations(range(len(others)), 3)])
    exact = float((sums >= obs - 1e-9).mean())
    got = float(out["p_sim"].iloc[i])
    assert abs(got - exact) < 4 * math.sqrt(exact * (1 - exact) / P) + 1 / P


def test_seeded_and_year_independent(columbus):
    w, _ = weights.build(columbus, "POLYID", "queen")
    a = columbus[["POLYID", "CRIME"]].assign(year=2000)
    b = columbus[["POLYID", "CRIME"]].assign(year=2001, CRIME=columbus["HOVAL"])
    one = hotspots.local_g(a, w, "CRIME", id_col="POLYID", permutations=999)
    both = hotspots.local_g(pd.concat([a, b]), w, "CRIME", id_col="POLYID", permutations=999)
    pd.testing.assert_frame_equal(one, both[both.year == 2000].reset_index(drop=True))
    again = hotspots.local_g(a, w, "CRIME", id_col="POLYID", permutations=999)
    pd.testing.assert_frame_equal(one, again)
    other = hotspots.local_g(a, w, "CRIME", id_col="POLYID", permutations=999, seed=1)
    assert not np.array_equal(one["p_sim"], other["p_sim"])


def test_flags_and_bins(columbus):
    w, _ = weights.build(columbus, "POLYID", "queen")
    out = hotspots.local_g(columbus, w, "CRIME", id_col="POLYID", permutations=999)
    assert set(out["gi_bin"]) <= {-3, -2, -1, 0, 1, 2, 3}
    np.testing.assert_array_equal(out["gi_bin"] > 0, (out["gi_bin"] != 0) & (out["gi_z"] > 0))
    hot = out[out.g_cluster == 1]
    assert (hot["G"] > hot["EG"]).all() and hot["significant"].all()
    assert (out["sig_bonferroni"] <= out["significant"]).all()
    assert out["gi_bin_label"].notna().all() and out["cluster_basis"].iloc[0] == "p_sim <= 0.05"


def test_island_dropped_is_isolated():
    from spatial_carbon import datasets

    prov = datasets.boundaries("province")
    prov = prov[prov.region_code != 540000].reset_index(drop=True)
    w, _ = weights.build(prov, "region_code", islands="drop")
    df = pd.DataFrame({"region_code": prov.region_code, "v": np.arange(len(prov), dtype=float)})
    out = hotspots.local_g(df, w, "v", id_col="region_code", year_col=None, permutations=99)
    hainan = out[out.region_code == 460000].iloc[0]
    assert hainan["g_cluster"] == 4 and hainan["g_cluster_label"] == "Isolated"
    assert np.isnan(hainan["gi_z"]) and hainan["gi_bin"] == 0
    wk, _ = weights.build(prov, "region_code")  # default: linked to the nearest neighbour
    outk = hotspots.local_g(df, wk, "v", id_col="region_code", year_col=None, permutations=99)
    assert outk.loc[outk.region_code == 460000, "n_neighbors"].iloc[0] == 1


def test_bad_inputs(columbus):
    w, _ = weights.build(columbus, "POLYID", "queen")
    c = columbus[["POLYID", "CRIME"]].copy()
    with pytest.raises(InputError, match="same value for every unit.*Getis-Ord G\\*"):
        hotspots.local_g(c.assign(CRIME=1.0), w, "CRIME", id_col="POLYID")
    with pytest.raises(MissingDataError, match="empty value.*Getis-Ord"):
        hotspots.local_g(c.assign(CRIME=np.nan), w, "CRIME", id_col="POLYID")
    with pytest.raises(InputError, match="no column 'X'"):
        hotspots.local_g(c, w, "X", id_col="POLYID")
    with pytest.raises(InputError, match="cluster_on"):
        hotspots.local_g(c, w, "CRIME", id_col="POLYID", cluster_on="q")
    with pytest.warns(DataQualityWarning, match="negative values"):
        hotspots.local_g(c.assign(CRIME=c.CRIME - 30), w, "CRIME", id_col="POLYID", permutations=0)
    # a single region has no neighbour to compare with
    one = columbus.iloc[:1]
    with pytest.raises(WeightsError, match="only 1 units"):
        weights.build(one, "POLYID", "queen")
    two = pd.DataFrame({"id": [1, 2], "v": [1.0, 2.0]})
    w2, _ = weights.from_pairs([1, 2], np.array([[0, 1], [1, 0]]), islands="drop")
    with pytest.raises(InputError, match="at least 3 units"):
        hotspots.local_g(two, w2, "v", id_col="id", year_col=None)
