"""Tests of spatial_carbon.spatial.weights against libpysal and GeoDa files shipped offline
with libpysal (libpysal.examples 'columbus': columbus.shp and GeoDa's columbus.gal)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely

gpd = pytest.importorskip("geopandas")
libpysal = pytest.importorskip("libpysal")

from spatial_carbon import datasets  # noqa: E402
from spatial_carbon.spatial import weights
from spatial_carbon.errors import InputError, WeightsError  # noqa: E402


@pytest.fixture(scope="module")
def columbus():
    return gpd.read_file(libpysal.examples.get_path("columbus.shp"))


@pytest.fixture(scope="module")
def provinces():
    return datasets.boundaries("province")


def _neighbors(w):
    b = w.binary
    return {u: set(w.ids[b.indices[b.indptr[i]:b.indptr[i + 1]]].tolist())
            for i, u in enumerate(w.ids.tolist())}


@pytest.mark.parametrize("kind,cls", [("queen", "Queen"), ("rook", "Rook")], ids=["queen", "rook"])
def test_contiguity_matches_libpysal(columbus, kind, cls):
    w, rep = weights.build(columbus, "POLYID", kind)
    ref = getattr(libpysal.weights, cls).from_dataframe(
        columbus, ids=columbus["POLYID"].tolist(), use_index=False, silence_warnings=True)
    mine = _neighbors(w)
    assert mine == {k: set(v) for k, v in ref.neighbors.items()}
    assert rep.n == 49 and rep.islands == () and rep.n_components == 1
    np.testing.assert_allclose(np.asarray(w.sparse.sum(axis=1)).ravel(), 1.0)


def test_queen_matches_geoda_gal(columbus):
    # columbus.gal is GeoDa's queen file distributed with the data set
    w, _ = weights.build(columbus, "POLYID", "queen")
    wg, _ = weights.build(columbus, "POLYID", libpysal.examples.get_path("columbus.gal"))
    assert _neighbors(w) == _neighbors(wg)


def test_gal_gwt_roundtrip(columbus, tmp_path):
    w, _ = weights.build(columbus, "POLYID", "rook")
    weights.write_gal(w, tmp_path / "c.gal", layer="columbus", id_field="POLYID")
    back, _ = weights.build(columbus, "POLYID", str(tmp_path / "c.gal"))
    assert _neighbors(back) == _neighbors(w)
    ref = libpysal.io.open(str(tmp_path / "c.gal")).read()
    assert {int(k): set(map(int, v)) for k, v in ref.neighbors.items()} == _neighbors(w)
    # GWT keeps weights as given (binary transform)
    wd, _ = weights.build(columbus, "POLYID", "knn:3", transform="b")
    weights.write_gwt(wd, tmp_path / "c.gwt")
    back, _ = weights.build(columbus, "POLYID", str(tmp_path / "c.gwt"), transform="b")
    assert (back.binary != wd.binary).nnz == 0


def test_hainan_island_knn_default(provinces):
    w, rep = weights.build(provinces, "region_code")
    assert rep.islands == (460000,)
    assert rep.island_policy == "knn"
    assert rep.added_links == ((460000, 440000),)  # Guangdong, nearest across the strait
    nb = _neighbors(w)
    assert nb[460000] == {440000} and 460000 in nb[440000]  # symmetric
    assert w.cardinalities.min() >= 1
    assert rep.n_components == 1 and rep.n == 31


def test_mutually_nearest_islands_are_linked_once():
    """Squares on a line, none touching: A(0) B(1.5) C(3.5) D(10), side 1.  Gaps:
    A-B 0.5, B-C 1.0, C-D 5.5.  Nearest: A -> B, B -> A (each other's), C -> B, D -> C.
    The A-B link must have weight 1 in the binary matrix (it was counted twice, 2),
    so the row-standardised row of B is 1/2 for A and 1/2 for C (was 2/3, 1/3)."""
    sq = [shapely.box(x, 0, x + 1, 1) for x in (0.0, 1.5, 3.5, 10.0)]
    gdf = gpd.GeoDataFrame({"id": ["A", "B", "C", "D"]}, geometry=sq, crs="EPSG:3857")
    w, rep = weights.build(gdf, "id", kind="queen", islands="knn")
    assert rep.islands == ("A", "B", "C", "D")
    # (island, its nearest unit), each undirected link once
    assert rep.added_links == (("A", "B"), ("C", "B"), ("D", "C"))
    b = pd.DataFrame(w.binary.toarray(), index=w.ids, columns=w.ids)
    np.testing.assert_array_equal(b.to_numpy(), [[0, 1, 0, 0], [1, 0, 1, 0],
                                                 [0, 1, 0, 1], [0, 0, 1, 0]])
    r = pd.DataFrame(w.sparse.toarray(), index=w.ids, columns=w.ids)
    np.testing.assert_allclose(r.loc["B"].to_numpy(), [0.5, 0.0, 0.5, 0.0])
    lw = w.to_libpysal()  # the same graph in libpysal
    assert lw.neighbors["A"] == ["B"] and lw.weights["A"] == [1.0]


def test_hainan_island_drop(provinces):
    w, rep = weights.build(provinces, "region_code", islands="drop")
    assert rep.dropped == (460000,) and w.n == 30 and 460000 not in w.ids
    assert w.all_ids[-1] == 460000
    assert w.cardinalities.min() >= 1


def test_links_table(provinces, tmp_path):
    p = tmp_path / "links.csv"
    p.write_text("a,b\n460000,450000\n", encoding="utf-8")
    w, rep = weights.build(provinces, "region_code", islands=weights.read_links(p))
    assert _neighbors(w)[460000] == {450000} and rep.island_policy == "links"
    with pytest.raises(WeightsError, match="not in the layer"):
        weights.build(provinces, "region_code", islands=pd.DataFrame({"a": [460000], "b": [999]}))
    with pytest.raises(WeightsError, match="still have no neighbour"):
        weights.build(provinces, "region_code", islands=pd.DataFrame({"a": [110000], "b": [120000]}))


def test_region_names_normalised(provinces):
    g = provinces[["name_zh", "geometry"]]
    w, _ = weights.build(g, "name_zh")
    assert w.region_ids and set(w.ids.tolist()) == set(provinces["region_code"].tolist())


def _squares(gap: float):
    return gpd.GeoDataFrame(
        {"id": ["a", "b", "c"]},
        geometry=[shapely.box(0, 0, 1, 1), shapely.box(1 + gap, 0, 2, 1), shapely.box(2, 0, 3, 1)],
    )


def test_fuzzy_contiguity():
    g = _squares(1e-6)
    _, rep = weights.build(g, "id", islands="drop")
    assert rep.dropped == ("a",)  # a does not touch b exactly
    w, rep = weights.build(g, "id", tolerance=1e-5)
    assert _neighbors(w) == {"a": {"b"}, "b": {"a", "c"}, "c": {"b"}} and rep.islands == ()
    with pytest.raises(WeightsError, match="queen only"):
        weights.build(g, "id", "rook", tolerance=1e-5)


def test_knn_great_circle():
    # at 80 deg N one degree of longitude is ~19.3 km, one of latitude ~111 km:
    # unit 2 (2 deg east, ~39 km) is nearer than unit 3 (0.5 deg north, ~56 km),
    # although planar degrees say the opposite
    pts = gpd.points_from_xy([0, 2, 0], [80, 80, 80.5])
    g = gpd.GeoDataFrame({"id": [1, 2, 3]}, geometry=pts, crs=4326)
    w, _ = weights.build(g, "id", "knn:1")
    assert _neighbors(w)[1] == {2}
    planar = gpd.GeoDataFrame({"id": [1, 2, 3]}, geometry=pts)
    w, _ = weights.build(planar, "id", "knn:1")
    assert _neighbors(w)[1] == {3}


def test_distance_band():
    g = gpd.GeoDataFrame({"id": [1, 2, 3]}, geometry=gpd.points_from_xy([0, 1, 5], [0, 0, 0]))
    w, rep = weights.build(g, "id", "distance", threshold=1.5, islands="drop")
    assert rep.dropped == (3,) and _neighbors(w) == {1: {2}, 2: {1}}


def test_bad_inputs(columbus, tmp_path):
    with pytest.raises(InputError, match="no id field"):
        weights.build(columbus, "nope")
    with pytest.raises(WeightsError, match="unknown weights kind"):
        weights.build(columbus, "POLYID", "hexagon")
    with pytest.raises(WeightsError, match="knn:K"):
        weights.build(columbus, "POLYID", "knn:x")
    with pytest.raises(WeightsError, match="unknown island policy"):
        weights.build(_squares(1e-6), "id", islands="ignore")
    dup = columbus.assign(POLYID=1)
    with pytest.raises(WeightsError, match="duplicate id"):
        weights.build(dup, "POLYID")
    nogeom = columbus.copy()
    nogeom.loc[3, "geometry"] = None
    with pytest.raises(WeightsError, match=r"\[4\] have no geometry"):
        weights.build(nogeom, "POLYID")
    gal = tmp_path / "x.gal"
    gal.write_text("2\n1 1\n2\n2 1\n1\n", encoding="utf-8")
    with pytest.raises(WeightsError, match="only in zones"):
        weights.build(columbus, "POLYID", str(gal))
    with pytest.raises(WeightsError, match="not found"):
        weights.build(columbus, "POLYID", str(tmp_path / "missing.gal"))


def test_to_libpysal_roundtrip(columbus):
    w, _ = weights.build(columbus, "POLYID")
    lw = w.to_libpysal()
    np.testing.assert_allclose(lw.sparse.toarray(), w.sparse.toarray())


def test_links_csv_path_accepted(provinces, tmp_path):
    p = tmp_path / "links.csv"
    p.write_text("a,b\n460000,440000\n460000,450000\n", encoding="utf-8")
    w, rep = weights.build(provinces, "region_code", islands=str(p))
    assert _neighbors(w)[460000] == {440000, 450000} and rep.island_policy == "links"
    assert rep.added_links == ((460000, 440000), (460000, 450000))
