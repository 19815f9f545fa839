"""Tests of spatial_carbon.spatial.autocorr.

References
----------
* Columbus CRIME, queen contiguity, row-standardised: R spdep ``moran.test``
  (randomisation) gives I = 0.500188557, E[I] = -0.020833333,
  Var = 0.008689289, standard deviate 5.5894 (spdep vignette output; the
  same queen neighbours as GeoDa's columbus.gal shipped with libpysal).
* esda 2.8 (Moran, Moran_Local) on the same weights for all other columns.
* Benjamini & Hochberg (1995) step-up, checked against
  scipy.stats.false_discovery_control.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

gpd = pytest.importorskip("geopandas")
libpysal = pytest.importorskip("libpysal")
esda = pytest.importorskip("esda")

from spatial_carbon.spatial import autocorr, weights# noqa: E402
from spatial_carbon import datasets
from spatial_carbon.errors import (  # noqa: E402
    DataQualityWarning, DuplicateRowError, InputError, MissingDataError, WeightsError,
)

KINDS = ["queen", "rook", "knn:4"]


@pytest.fixture(scope="module")
def columbus():
    return gpd.read_file(libpysal.examples.get_path("columbus.shp"))


@pytest.fixture(scope="module", params=KINDS, ids=KINDS)
def cw(request, columbus):
    w, _ = weights.build(columbus, "POLYID", request.param)
    return w


def test_global_moran_matches_spdep(columbus):
    w, _ = weights.build(columbus, "POLYID", "queen")
    r = autocorr.global_moran(columbus, w, "CRIME", id_col="POLYID", permutations=0,
                              alternative="greater").iloc[0]
    assert r["I"] == pytest.approx(0.500188557, abs=1e-9)
    assert r["EI"] == pytest.approx(-0.020833333, abs=1e-9)
    assert r["VI_rand"] == pytest.approx(0.008689289, abs=1e-9)
    assert r["z_rand"] == pytest.approx(5.5894, abs=1e-4)
    assert r["p_rand"] == pytest.approx(1.139e-08, rel=1e-3)


def test_global_moran_matches_esda(columbus, cw):
    y = columbus["CRIME"].to_numpy()
    m = esda.Moran(y, cw.to_libpysal(), transformation="o", permutations=0)
    # esda's analytic p-values are two-tailed by default: compare with two-sided explicitly
    r = autocorr.global_moran(columbus, cw, "CRIME", id_col="POLYID", permutations=0,
                              alternative="two-sided").iloc[0]
    for mine, ref in [("I", "I"), ("EI", "EI"), ("VI_norm", "VI_norm"), ("VI_rand", "VI_rand"),
                      ("z_norm", "z_norm"), ("z_rand", "z_rand"), ("p_norm", "p_norm"),
                      ("p_rand", "p_rand")]:
        np.testing.assert_allclose(r[mine], getattr(m, ref), rtol=1e-10, err_msg=mine)
    # the default (folded) is esda's one-tailed value (two_tailed=False): the tail on z's side
    m1 = esda.Moran(y, cw.to_libpysal(), transformation="o", permutations=0, two_tailed=False)
    r1 = autocorr.global_moran(columbus, cw, "CRIME", id_col="POLYID", permutations=0).iloc[0]
    assert r1["alternative"] == "folded"
    for k in ("p_norm", "p_rand"):
        np.testing.assert_allclose(r1[k], getattr(m1, k), rtol=1e-10, err_msg=k)


def test_global_permutations_seeded_and_consistent(columbus, cw):
    kw = dict(id_col="POLYID", permutations=4999)
    a = autocorr.global_moran(columbus, cw, "CRIME", seed=7, **kw)
    b = autocorr.global_moran(columbus, cw, "CRIME", seed=7, **kw)
    c = autocorr.global_moran(columbus, cw, "CRIME", seed=8, **kw)
    pd.testing.assert_frame_equal(a, b)
    assert a["EI_sim"].iloc[0] != c["EI_sim"].iloc[0]
    # the permutation distribution has mean E[I] and variance close to V_R
    assert a["EI_sim"].iloc[0] == pytest.approx(a["EI"].iloc[0], abs=4 * np.sqrt(a["VI_rand"].iloc[0] / 4999))
    assert a["seI_sim"].iloc[0] ** 2 == pytest.approx(a["VI_rand"].iloc[0], rel=0.1)
    assert a["permutations"].iloc[0] == 4999 and a["seed"].iloc[0] == 7


def test_pseudo_p_alternatives():
    P = 99
    ge, le = np.array([0, 10, 99]), np.array([99, 90, 1])
    np.testing.assert_allclose(autocorr._p_from_counts(ge, le, P, "greater"), [0.01, 0.11, 1.0])
    np.testing.assert_allclose(autocorr._p_from_counts(ge, le, P, "less"), [1.0, 0.91, 0.02])
    np.testing.assert_allclose(autocorr._p_from_counts(ge, le, P, "folded"), [0.01, 0.11, 0.02])
    np.testing.assert_allclose(autocorr._p_from_counts(ge, le, P, "two-sided"), [0.02, 0.22, 0.04])
    # a statistic tied with all its simulations is not significant (esda: 1/(P+1))
    np.testing.assert_allclose(autocorr._p_from_counts([99], [99], P, "folded"), [1.0])


def test_local_moran_matches_esda(columbus, cw):
    # esda without permutations (its numba crand compiles for ~16-50 s; the
    # pseudo p-values are compared with esda in benchmarks/spatial_stats.py
    # and with the exact permutation distribution below)
    y = columbus["CRIME"].to_numpy()
    ml = esda.Moran_Local(y, cw.to_libpysal(), transformation="o", permutations=0)
    r = autocorr.local_moran(columbus, cw, "CRIME", id_col="POLYID", permutations=999, seed=3,
                             alternative="folded")
    np.testing.assert_allclose(r["I"], ml.Is, rtol=1e-12, atol=1e-14)
    np.testing.assert_array_equal(r["quadrant"], ml.q)
    # with row-standardised weights sum_i I_i = (n - 1) I (esda's scaling)
    gm = autocorr.global_moran(columbus, cw, "CRIME", id_col="POLYID", permutations=0)
    np.testing.assert_allclose(r["I"].sum() / 48, gm["I"].iloc[0], rtol=1e-12)
    # GeoDa codes: HH 1, LL 2, LH 3, HL 4 where significant
    geoda = {1: 1, 2: 3, 3: 2, 4: 4}
    sig = r["p_sim"] <= 0.05
    np.testing.assert_array_equal(r["cluster"], np.where(sig, r["quadrant"].map(geoda), 0))


def test_local_pseudo_p_matches_exact_permutation_distribution():
    # 4 x 4 rook lattice: every conditional permutation null can be enumerated
    import itertools

    import shapely

    g = gpd.GeoDataFrame({"id": range(16)},
                         geometry=[shapely.box(i % 4, i // 4, i % 4 + 1, i // 4 + 1) for i in range(16)])
    w, _ = weights.build(g, "id", "rook")
    y = np.array([9, 8, 7, 1, 8, 9, 2, 1, 6, 3, 2, 0, 5, 1, 0, 1.5]) + np.arange(16) * 1e-3
    z = (y - y.mean()) / y.std()
    lag = w.sparse @ z
    exact = np.empty(16)
    for i in range(16):
        k = w.cardinalities[i]
        others = np.delete(z, i)
        sims = np.array([others[list(c)].mean() for c in itertools.combinations(range(15), k)])
        Is, I = z[i] * sims, z[i] * lag[i]
        ge, lt = (Is >= I).sum(), (Is < I).sum()
        exact[i] = min(ge, lt) / len(sims)  # exact folded tail probability
    P = 19999
    r = autocorr.local_moran(pd.DataFrame({"id": range(16), "y": y}), w, "y", id_col="id",
                             permutations=P, seed=1, alternative="folded")
    se = np.sqrt(exact * (1 - exact) / P) + 1 / P
    np.testing.assert_array_less(np.abs(r["p_sim"].to_numpy() - exact), 4.5 * se + 1 / P)


def _brute_counts(z, w, R):
    """Direct conditional randomisation with the same draws (reference)."""
    S = w.sparse
    n, P = len(z), R.shape[0]
    card = np.diff(S.indptr)
    lag = S @ z
    ge, le = np.zeros(n, int), np.zeros(n, int)
    for i in range(n):
        wi = S.data[S.indptr[i]:S.indptr[i + 1]]
        k = card[i]
        for p in range(P):
            s = R[p, :k].copy()
            s[s == i] = R[p, k]
            v = wi @ z[s]
            tol = 1e-9 * np.abs(z).max() * np.abs(wi).sum()
            ge[i] += v >= lag[i] - tol
            le[i] += v <= lag[i] + tol
    return ge, le


@pytest.mark.parametrize("kind,transform", [("queen", "r"), ("knn:3", "b"), ("gwt", "r")],
                         ids=["queen-r", "knn-b", "inverse-distance"])
def test_conditional_counts_exact(columbus, kind, transform):
    if kind == "gwt":  # unequal weights: the general (matrix-product) path
        w0, _ = weights.build(columbus, "POLYID", "knn:4", transform="b")
        xy = np.column_stack([columbus["X"], columbus["Y"]])
        coo = w0.binary.tocoo()
        d = np.hypot(*(xy[coo.row] - xy[coo.col]).T)
        w, _ = weights.from_pairs(w0.ids, np.column_stack([coo.row, coo.col]), 1 / d)
    else:
        w, _ = weights.build(columbus, "POLYID", kind, transform=transform)
    y = columbus["CRIME"].to_numpy()
    z = (y - y.mean()) / y.std()
    P = 199
    ge, le = autocorr._conditional_counts(z, w, P, np.random.default_rng(11))
    R = autocorr._draws(len(z), int(w.cardinalities.max()) + 1, P, np.random.default_rng(11))
    rge, rle = _brute_counts(z, w, R)
    np.testing.assert_array_equal(ge, rge)
    np.testing.assert_array_equal(le, rle)


def test_conditional_randomisation_is_uniform():
    # the exact null of the lag for a unit with 2 neighbours among 5 units:
    # mean of 2 of the 4 other values; check the simulated frequencies
    import geopandas as gpd
    import shapely

    g = gpd.GeoDataFrame({"id": range(5)}, geometry=[shapely.box(i, 0, i + 1, 1) for i in range(5)])
    w, _ = weights.build(g, "id", "rook")
    z = np.array([-1.3, 0.1, 0.4, 2.0, -1.2])
    P = 60000
    R = autocorr._draws(5, 3, P, np.random.default_rng(5))
    i = 2  # neighbours 1, 3
    s = R[:, :2].copy()
    hit = s == i
    s[hit] = np.broadcast_to(R[:, 2:3], s.shape)[hit]
    pairs = np.sort(s, axis=1)
    assert not (pairs == i).any()
    keys, counts = np.unique(pairs[:, 0] * 10 + pairs[:, 1], return_counts=True)
    assert len(keys) == 6  # C(4, 2) unordered pairs of the others
    np.testing.assert_allclose(counts / P, 1 / 6, atol=0.01)


def test_local_seed_and_year_independence(columbus, cw):
    panel = pd.concat([columbus[["POLYID", "CRIME"]].assign(year=2000),
                       columbus[["POLYID", "HOVAL"]].rename(columns={"HOVAL": "CRIME"}).assign(year=2001)])
    a = autocorr.local_moran(panel, cw, "CRIME", id_col="POLYID", permutations=999, seed=4)
    b = autocorr.local_moran(panel[panel.year == 2001], cw, "CRIME", id_col="POLYID",
                             permutations=999, seed=4)
    pd.testing.assert_frame_equal(a[a.year == 2001].reset_index(drop=True), b)
    c = autocorr.local_moran(panel, cw, "CRIME", id_col="POLYID", permutations=999, seed=5)
    assert not np.array_equal(a["p_sim"], c["p_sim"])


def test_same_output_in_another_process(columbus, tmp_path):
    code = (
        "import geopandas as gpd, libpysal, sys\n"
        "from spatial_carbon.spatial import weights, autocorr\n"
        "g = gpd.read_file(libpysal.examples.get_path('columbus.shp'))\n"
        "w, _ = weights.build(g, 'POLYID')\n"
        "autocorr.local_moran(g, w, 'CRIME', id_col='POLYID', permutations=999, seed=9)"
        ".to_csv(sys.argv[1], index=False)\n"
    )
    out = tmp_path / "child.csv"
    subprocess.run([sys.executable, "-c", code, str(out)], check=True)
    w, _ = weights.build(columbus, "POLYID")
    mine = autocorr.local_moran(columbus, w, "CRIME", id_col="POLYID", permutations=999, seed=9)
    mine.to_csv(tmp_path / "parent.csv", index=False)
    assert (tmp_path / "parent.csv").read_bytes() == out.read_bytes()


@pytest.fixture(scope="module")
def provinces():
    return datasets.boundaries("province")


def _province_panel(provinces, years=(2000, 2001)):
    rng = np.random.default_rng(0)
    codes = provinces["region_code"].to_numpy()
    lat = provinces.geometry.representative_point().y.to_numpy()
    return pd.concat([pd.DataFrame({"region": provinces["region"], "year": yy,
                                    "v": lat + rng.normal(0, 3, len(codes))}) for yy in years])


def test_island_drop_is_isolated_not_significant(provinces):
    w, _ = weights.build(provinces, "region_code", islands="drop")
    r = autocorr.local_moran(_province_panel(provinces), w, "v", id_col="region", permutations=99)
    hn = r[r.region_code == 460000]
    assert (hn["cluster"] == 6).all() and (hn["cluster_label"] == "Isolated").all()
    assert hn["p_sim"].isna().all() and not hn["significant"].any()
    assert len(r) == 62 and r["region"].iloc[0] == "Beijing"
    gm = autocorr.global_moran(_province_panel(provinces), w, "v", id_col="region", permutations=99)
    assert (gm["n"] == 30).all() and (gm["island_policy"] == "drop").all()
    assert (gm["n_islands"] == 1).all() and w.report.as_dict()["dropped"] == [460000]


def test_island_knn_has_neighbour(provinces):
    w, _ = weights.build(provinces, "region_code")
    r = autocorr.local_moran(_province_panel(provinces), w, "v", id_col="region", permutations=99)
    hn = r[r.region_code == 460000]
    assert (hn["n_neighbors"] == 1).all() and (hn["cluster"] != 6).all()


def test_fdr_bh_against_scipy():
    from scipy.stats import false_discovery_control

    p = np.array([0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205, 0.212, 0.216])
    got = autocorr.fdr_bh(p, 0.05)
    np.testing.assert_array_equal(got, false_discovery_control(p) <= 0.05)
    np.testing.assert_array_equal(got, [True, True] + [False] * 8)  # 0.039 > 3*0.05/10
    np.testing.assert_array_equal(autocorr.fdr_bh(np.array([np.nan, 0.01]), 0.05), [False, True])


def test_bonferroni_warning(columbus):
    w, _ = weights.build(columbus, "POLYID")
    # P >= c n / alpha - 1 with c = 2 two-sided, 1 folded (the default)
    assert autocorr.min_permutations(31, 0.01, "two-sided") == 6199  # 2*31/0.01 - 1
    assert autocorr.min_permutations(31, 0.01) == 3099               # 31/0.01 - 1
    assert autocorr.min_permutations(31, 0.05, "folded") == 619
    with pytest.warns(DataQualityWarning, match="use at least 1959 permutations"):  # 2*49/0.05 - 1
        autocorr.local_moran(columbus, w, "CRIME", id_col="POLYID", permutations=999,
                             alternative="two-sided")
    with pytest.warns(DataQualityWarning, match="use at least 979 permutations"):  # 49/0.05 - 1
        autocorr.local_moran(columbus, w, "CRIME", id_col="POLYID", permutations=499)
    r = autocorr.local_moran(columbus, w, "CRIME", id_col="POLYID", permutations=1999,
                             cluster_on="bonferroni")
    np.testing.assert_array_equal(r["sig_bonferroni"], r["p_sim"] <= 0.05 / 49)
    assert set(r.loc[~r["sig_bonferroni"], "cluster"]) <= {0, 5}


def test_bad_inputs(columbus):
    w, _ = weights.build(columbus, "POLYID")
    g = pd.DataFrame(columbus.drop(columns="geometry"))
    with pytest.raises(InputError, match="not numeric"):
        autocorr.global_moran(g.assign(CRIME=g["CRIME"].astype(str)), w, "CRIME", id_col="POLYID")
    with pytest.raises(MissingDataError, match="empty value"):
        autocorr.local_moran(g.assign(CRIME=g["CRIME"].where(g.POLYID != 5)), w, "CRIME",
                             id_col="POLYID")
    with pytest.raises(WeightsError, match=r"1 id\(s\) only in zones: 5\b"):
        autocorr.global_moran(g[g.POLYID != 5], w, "CRIME", id_col="POLYID")
    with pytest.raises(WeightsError, match=r"1 id\(s\) only in table: 99\b"):
        autocorr.global_moran(pd.concat([g, g.head(1).assign(POLYID=99)]), w, "CRIME", id_col="POLYID")
    with pytest.raises(InputError, match="same value for every unit"):
        autocorr.global_moran(g.assign(CRIME=1.0), w, "CRIME", id_col="POLYID")
    with pytest.raises(DuplicateRowError, match="repeat an id"):
        autocorr.global_moran(pd.concat([g, g.head(1)]), w, "CRIME", id_col="POLYID")
    panel = pd.concat([g.assign(year=2000), g[g.POLYID != 7].assign(year=2001)])
    with pytest.raises(MissingDataError, match=r"absent, e.g. \[\(7, 2001\)\]"):
        autocorr.global_moran(panel, w, "CRIME", id_col="POLYID")
    with pytest.raises(InputError, match="no column 'nope'"):
        autocorr.global_moran(g, w, "nope", id_col="POLYID")
    with pytest.raises(InputError, match="unknown alternative"):
        autocorr.global_moran(g, w, "CRIME", id_col="POLYID", alternative="both")
    with pytest.raises(InputError, match="seed must be"):
        autocorr.global_moran(g, w, "CRIME", id_col="POLYID", seed=-1)
    with pytest.raises(InputError, match="alpha"):
        autocorr.local_moran(g, w, "CRIME", id_col="POLYID", alpha=5)


def test_global_year_alone_equals_year_in_panel(columbus):
    w, _ = weights.build(columbus, "POLYID")
    panel = pd.concat([columbus[["POLYID", "CRIME"]].assign(year=2000),
                       columbus[["POLYID", "HOVAL"]].rename(columns={"HOVAL": "CRIME"}).assign(year=2001)])
    a = autocorr.global_moran(panel, w, "CRIME", id_col="POLYID", permutations=999, seed=2)
    b = autocorr.global_moran(panel[panel.year == 2001], w, "CRIME", id_col="POLYID",
                              permutations=999, seed=2)
    pd.testing.assert_frame_equal(a[a.year == 2001].reset_index(drop=True), b)


def test_value_at_mean_is_undefined_not_significant():
    # unit 0 sits exactly at the mean: z = 0, I = 0, every simulation ties;
    # esda's folded count would give p = 1/(P+1)
    import shapely

    g = gpd.GeoDataFrame({"id": range(5)}, geometry=[shapely.box(i, 0, i + 1, 1) for i in range(5)])
    w, _ = weights.build(g, "id", "rook")
    df = pd.DataFrame({"id": range(5), "y": [2.0, 0.0, 1.0, 4.0, 3.0]})  # mean 2
    r = autocorr.local_moran(df, w, "y", id_col="id", permutations=99, alternative="folded")
    row = r.iloc[0]
    assert row["quadrant"] == 0 and row["quadrant_label"] == "undefined"
    assert row["p_sim"] == 1.0 and row["cluster"] == 5 and row["cluster_label"] == "Undefined"


def test_ids_text_vs_number(columbus):
    w, _ = weights.build(columbus, "POLYID")
    g = pd.DataFrame(columbus.drop(columns="geometry"))
    a = autocorr.global_moran(g.assign(POLYID=g["POLYID"].astype(str)), w, "CRIME", id_col="POLYID",
                              permutations=0)
    assert a["I"].iloc[0] == pytest.approx(0.500188557, abs=1e-9)
    # zero-padded text is not silently taken for a number
    with pytest.raises(WeightsError, match="only in table"):
        autocorr.global_moran(g.assign(POLYID=g["POLYID"].map("{:03d}".format)), w, "CRIME",
                              id_col="POLYID", permutations=0)


def test_global_same_result_with_two_processes():
    # 3,000 units -> several permutation batches; batch j has its own stream
    import shapely

    side = 60
    cells = [shapely.box(i % side, i // side, i % side + 1, i // side + 1) for i in range(side * 50)]
    g = gpd.GeoDataFrame({"id": range(len(cells))}, geometry=cells)
    w, _ = weights.build(g, "id", "rook")
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"id": range(len(cells)), "v": rng.normal(size=len(cells)) + np.arange(len(cells)) % side / 20})
    kw = dict(id_col="id", permutations=20_000, seed=4)
    one = autocorr.global_moran(df, w, "v", **kw)
    two = autocorr.global_moran(df, w, "v", n_jobs=2, **kw)
    pd.testing.assert_frame_equal(one, two)


# --------------------------------------------------------------------------- #
# analytic local inference (spdep localmoran) and bivariate Moran / LISA
# --------------------------------------------------------------------------- #
def _spdep_localmoran(x, W, conditional=True):
    """R spdep ``localmoran`` (R/localmoran.R @ 6693ca5, mlvar=TRUE), written out
    per unit; returns spdep's (Ii, E.Ii, Var.Ii, Z.Ii).  spdep is not installable
    here (no CRAN), so its formulas are implemented independently of the module."""
    n = len(x)
    z = x - x.mean()
    lz = W @ z
    s2 = (z ** 2).sum() / n
    Ii = z / s2 * lz
    m2 = (z * z).sum() / n
    b2 = ((z ** 4).sum() / n) / s2 ** 2
    res = []
    for i in range(n):
        Wi, Wi2 = W[i].sum(), (W[i] ** 2).sum()
        if conditional:
            E = -(z[i] ** 2 * Wi) / ((n - 1) * m2)
            V = (z[i] / m2) ** 2 * (n / (n - 2)) * (Wi2 - Wi ** 2 / (n - 1)) * (m2 - z[i] ** 2 / (n - 1))
        else:
            A = (n - b2) / (n - 1)
            B = (2 * b2 - n) / ((n - 1) * (n - 2))
            E = -Wi / (n - 1)
            V = A * Wi2 + B * (Wi ** 2 - Wi2) - E ** 2
        res.append((Ii[i], E, V, (Ii[i] - E) / np.sqrt(V)))
    return np.array(res)


@pytest.mark.parametrize("null", ["conditional", "total"])
def test_local_analytic_matches_spdep_formulas(columbus, cw, null):
    y = columbus.set_index("POLYID").loc[cw.ids, "CRIME"].to_numpy()
    r = autocorr.local_moran(columbus, cw, "CRIME", id_col="POLYID", permutations=0,
                             analytic_null=null, inference="analytic",
                             alternative="two-sided")  # spdep's default
    ref = _spdep_localmoran(y, cw.sparse.toarray(), conditional=(null == "conditional"))
    n = len(y)
    # spdep's I_i is n/(n-1) times ours (esda/GeoDa); its moments scale alike, z does not
    np.testing.assert_allclose(r["I"] * n / (n - 1), ref[:, 0], rtol=1e-12)
    np.testing.assert_allclose(r["EI_rand"] * n / (n - 1), ref[:, 1], rtol=1e-12)
    np.testing.assert_allclose(r["VI_rand"] * (n / (n - 1)) ** 2, ref[:, 2], rtol=1e-12)
    np.testing.assert_allclose(r["z_rand"], ref[:, 3], rtol=1e-10)
    from scipy.stats import norm
    np.testing.assert_allclose(r["p_rand"], 2 * norm.sf(np.abs(ref[:, 3])), rtol=1e-9)
    assert r["cluster_basis"].iloc[0].startswith("p_rand <= 0.05 (analytic")
    sig = r["p_rand"] <= 0.05
    np.testing.assert_array_equal(r["significant"], sig)
    assert set(r.loc[~sig, "cluster"]) <= {0, 5}


def test_local_analytic_vs_esda_fields(columbus, cw):
    # esda 2.8 Moran_Local: EIc/VIc (conditional) and EI/VI (total) are in
    # spdep's n-scaling while its Is is (n-1)-scaled like ours
    y = columbus.set_index("POLYID").loc[cw.ids, "CRIME"].to_numpy()
    n = len(y)
    m = esda.Moran_Local(y, cw.to_libpysal(), transformation="o", permutations=0)
    for null, E, V in (("conditional", m.EIc, m.VIc), ("total", m.EI, m.VI)):
        r = autocorr.local_moran(columbus, cw, "CRIME", id_col="POLYID", permutations=0,
                                 analytic_null=null)
        np.testing.assert_allclose(r["I"], m.Is, rtol=1e-12)
        np.testing.assert_allclose(r["EI_rand"] * n / (n - 1), E, rtol=1e-10)
        np.testing.assert_allclose(r["VI_rand"] * (n / (n - 1)) ** 2, V, rtol=1e-10)


def test_local_default_basis_is_permutation(columbus, cw):
    r = autocorr.local_moran(columbus, cw, "CRIME", id_col="POLYID", permutations=99)
    assert r["cluster_basis"].iloc[0].startswith("p_sim <= 0.05")
    np.testing.assert_array_equal(r["significant"], r["p_sim"] <= 0.05)
    assert r["p_rand"].notna().all()


def test_bivariate_local_matches_pygeoda_and_esda(columbus):
    pygeoda = pytest.importorskip("pygeoda")
    w, _ = weights.build(columbus, "POLYID", "queen")
    r = autocorr.local_moran(columbus, w, "INC", id_col="POLYID", with_column="CRIME",
                             permutations=9999, alternative="folded")
    r = r.set_index("POLYID").loc[columbus.POLYID]
    qw = pygeoda.queen_weights(pygeoda.open(columbus))
    bm = pygeoda.local_bimoran(qw, columbus["INC"].tolist(), columbus["CRIME"].tolist(),
                               permutations=9999, seed=1, cpu_threads=1)
    np.testing.assert_allclose(r["I"], np.array(bm.lisa_values()), rtol=1e-10, atol=1e-14)
    pg = np.array(bm.lisa_pvalues())
    d = np.abs(r["p_sim"].to_numpy() - pg)
    assert d.max() < 0.08 and d.mean() < 0.02  # different samplers (see test_hotspots)
    border = (np.abs(pg - 0.05) < 0.03) | (np.abs(r["p_sim"].to_numpy() - 0.05) < 0.03)
    np.testing.assert_array_equal(r["cluster"].to_numpy()[~border],
                                  np.array(bm.lisa_clusters())[~border])
    assert (r["with"] == "CRIME").all() and r["p_rand"].isna().all()
    e = esda.Moran_Local_BV(columbus["INC"].to_numpy(), columbus["CRIME"].to_numpy(),
                            libpysal.weights.Queen.from_dataframe(columbus, use_index=False),
                            permutations=0)
    np.testing.assert_allclose(r["I"], e.Is, rtol=1e-10)
    np.testing.assert_array_equal(r["quadrant"], e.q)


def test_bivariate_global_matches_esda(columbus, cw):
    y = columbus.set_index("POLYID").loc[cw.ids]
    m = esda.Moran_BV(y["INC"].to_numpy(), y["CRIME"].to_numpy(), cw.to_libpysal(),
                      transformation="o", permutations=0)
    r = autocorr.global_moran(columbus, cw, "INC", id_col="POLYID", with_column="CRIME",
                              permutations=9999).iloc[0]
    np.testing.assert_allclose(r["I"], m.I, rtol=1e-12)
    # permutation distribution centred near E = -1/(n-1)-ish and p small for a strong association
    assert r["with"] == "CRIME" and r["p_sim"] < 0.01 and abs(r["EI_sim"]) < 0.05


def test_bivariate_bad_inputs(columbus, cw):
    c = columbus[["POLYID", "CRIME", "INC"]]
    with pytest.raises(InputError, match="no column 'NOPE'"):
        autocorr.local_moran(c, cw, "INC", id_col="POLYID", with_column="NOPE")
    with pytest.raises(MissingDataError, match="empty value.*bivariate"):
        autocorr.local_moran(c.assign(CRIME=np.nan), cw, "INC", id_col="POLYID", with_column="CRIME")
    with pytest.raises(InputError, match="same value.*bivariate Moran's I"):
        autocorr.global_moran(c.assign(CRIME=2.0), cw, "INC", id_col="POLYID", with_column="CRIME")
    with pytest.raises(InputError, match="no analytic"):
        autocorr.local_moran(c, cw, "INC", id_col="POLYID", with_column="CRIME", inference="analytic")
