"""Tests of spatial_carbon.landcover: brute force on small generated rasters.

Every count is checked against an independent brute-force computation:
the centre of every pixel tested against every zone with shapely
(``contains_xy``), all-touched pixels with ``intersects`` on the pixel box,
fractions with exact ``intersection`` areas, and pixel areas against pyproj's
ellipsoidal polygon areas.
"""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely
from affine import Affine
from pyproj import CRS, Geod
from shapely.geometry import MultiPolygon, Polygon, box

from spatial_carbon import landcover
from spatial_carbon.errors import (
    CRSError, DataQualityWarning, InputError, MissingDataError, RasterError,
)
from spatial_carbon.landcover import engine as lc_engine
from spatial_carbon.landcover.areas import ProjectionAreaError, cell_area

ALBERS = CRS.from_proj4("+proj=aea +lat_1=25 +lat_2=47 +lon_0=105 +datum=WGS84 +units=m +no_defs")
X0, Y0 = 500_000.0, 3_500_000.0  # upper-left corner of the test rasters (Albers metres)


@pytest.fixture(autouse=True)
def small_windows(monkeypatch):
    # many windows even on tiny rasters, so window seams are exercised
    monkeypatch.setattr(lc_engine, "WINDOW_PIXELS", 32 * 32)


def make_classes(shape, seed=0, nodata=0, values=range(1, 10)):
    """Patchy class map (blocky patches plus speckle) with a nodata corner."""
    rng = np.random.default_rng(seed)
    h, w = shape
    coarse = rng.choice(np.array(list(values), dtype=np.uint8), size=(h // 7 + 1, w // 7 + 1))
    a = np.repeat(np.repeat(coarse, 7, 0), 7, 1)[:h, :w].copy()
    speck = rng.random((h, w)) < 0.1
    a[speck] = rng.choice(np.array(list(values), dtype=np.uint8), size=int(speck.sum()))
    a[: h // 5, : w // 4] = nodata
    return a


def write_raster(path, data, transform, crs=ALBERS, nodata=0, block=16, **kw):
    prof = dict(driver="GTiff", width=data.shape[1], height=data.shape[0], count=1,
                dtype=data.dtype, transform=transform, nodata=nodata, compress="deflate")
    if crs is not None:
        prof["crs"] = crs
    if block:
        prof.update(tiled=True, blockxsize=block, blockysize=block)
    prof.update(kw)
    with rasterio.open(path, "w", **prof) as ds:
        ds.write(data, 1)
    return str(path)


def make_zones(crs=ALBERS, x0=X0, y0=Y0, px=30.0):
    """Zones exercising the edge cases; coordinates avoid pixel-centre ties."""
    def P(coords):
        # irrational offsets: no pixel centre falls exactly on an edge (ties are GDAL's choice)
        return Polygon([(x0 + px * a + 0.1 * np.sqrt(2), y0 - px * b - 0.1 * np.sqrt(3))
                        for a, b in coords])

    outer = P([(3.3, 2.7), (60.2, 5.1), (55.7, 50.4), (8.1, 44.6)])
    hole = P([(20.4, 15.2), (35.6, 16.3), (30.1, 30.8)])
    with_hole = Polygon(outer.exterior.coords, [hole.exterior.coords])
    multi = MultiPolygon([P([(70.2, 10.3), (90.6, 12.2), (85.1, 30.7)]),
                          P([(65.4, 60.6), (95.3, 58.8), (92.2, 75.1), (68.8, 79.9)])])
    partly_out = P([(62.3, -20.6), (98.7, -15.2), (96.1, 8.3), (64.2, 6.7)])  # crosses the top edge
    tiny = P([(45.1, 70.1), (45.4, 70.15), (45.2, 70.4)])  # inside one pixel, misses its centre
    split_a = P([(10.3, 60.2), (30.7, 60.6), (30.2, 75.9), (11.1, 76.3)])
    split_b = P([(32.2, 61.4), (40.6, 62.7), (39.9, 77.3)])  # same label as split_a
    return gpd.GeoDataFrame(
        {"name": ["hole", "multi", "partly_out", "tiny", "split", "split"]},
        geometry=[with_hole, multi, partly_out, tiny, split_a, split_b], crs=crs,
    )


def brute_force(data, transform, zones, field, rule="centre", nodata=0):
    """Pixel counts per (zone label, value) by testing every pixel."""
    h, w = data.shape
    cols, rows = np.meshgrid(np.arange(w), np.arange(h))
    xs, ys = transform @ (cols + 0.5, rows + 0.5)
    out = {}
    for label, grp in zones.groupby(field, sort=False):
        geom = shapely.union_all(grp.geometry.values)
        if rule == "centre":
            inside = shapely.contains_xy(geom, xs, ys)
            weight = inside.astype(float)
        else:
            x0, y0 = transform @ (cols, rows)
            x1, y1 = transform @ (cols + 1, rows + 1)
            boxes = shapely.box(np.minimum(x0, x1), np.minimum(y0, y1), np.maximum(x0, x1),
                                np.maximum(y0, y1))
            if rule == "all_touched":
                weight = shapely.intersects(geom, boxes).astype(float)
            else:
                weight = shapely.area(shapely.intersection(boxes, geom)) / shapely.area(boxes)
        for v in np.unique(data):
            if v == nodata:
                continue
            out[(label, int(v))] = float(weight[data == v].sum())
    return out


def as_dict(df, col="pixels"):
    return {(r.zone, int(r["class"])): float(r[col]) for _, r in df.iterrows()}


@pytest.fixture
def albers_case(tmp_path):
    data = make_classes((80, 100), seed=1)
    t = Affine(30.0, 0, X0, 0, -30.0, Y0)
    path = write_raster(tmp_path / "clcd_2015.tif", data, t)
    return path, data, t, make_zones()


# ----------------------------------------------------------------- brute force

@pytest.mark.parametrize("engine", ["numpy", "numba"])
def test_centre_rule_matches_brute_force(albers_case, engine):
    path, data, t, zones = albers_case
    with pytest.warns(DataQualityWarning, match=r"1 zone\(s\) got no pixel.*\(tiny\)"):
        res = landcover.class_areas_with_summary(path, zones, "name", legend="clcd",
                                                 engine=engine, workers=1)
    got = as_dict(res.areas)
    want = brute_force(data, t, zones, "name")
    for key, n in want.items():
        assert got[key] == n, key
    # every legend class present for every zone, zeros included
    assert len(res.areas) == 5 * 9
    # equal-area CRS: area = pixels x 900 m2
    np.testing.assert_allclose(res.areas["area_hm2"], res.areas["pixels"] * 900 / 1e4)
    assert set(res.areas.columns) == {"zone", "year", "class", "class_name", "sink_class",
                                      "pixels", "area_hm2"}
    assert (res.areas["year"] == 2015).all()
    s = res.summary.set_index("zone")
    # the tiny zone misses every pixel centre; the partly-outside one is cut by the raster edge
    assert s.loc["tiny", "class_pixels"] == 0
    assert 0.2 < s.loc["partly_out", "covered_fraction"] < 0.6
    assert 0.97 < s.loc["multi", "covered_fraction"] < 1.03


def test_nodata_and_covered_fraction(tmp_path):
    data = np.full((40, 40), 2, np.uint8)
    data[:, :10] = 0  # a quarter of the raster is nodata
    t = Affine(30.0, 0, X0, 0, -30.0, Y0)
    path = write_raster(tmp_path / "c_2000.tif", data, t)
    z = gpd.GeoDataFrame({"z": ["a"]}, geometry=[box(X0, Y0 - 1200, X0 + 1200, Y0)], crs=ALBERS)
    res = landcover.class_areas_with_summary(path, z, "z", workers=1)
    s = res.summary.iloc[0]
    assert s["nodata_pixels"] == 400 and s["class_pixels"] == 1200
    # zone area 1200 m x 1200 m in Albers: geodesic area agrees to ~1e-4
    assert s["covered_fraction"] == pytest.approx(0.75, rel=1e-3)
    assert s["nodata_area_hm2"] == pytest.approx(400 * 0.09)


def test_all_touched_matches_brute_force(albers_case):
    path, data, t, zones = albers_case
    res = landcover.class_areas(path, zones, "name", pixel_rule="all_touched", workers=1)
    got = as_dict(res)
    want = brute_force(data, t, zones, "name", rule="all_touched")
    for key, n in want.items():
        assert got[key] == n, key
    assert got[("tiny", int(data[70, 45]))] == 1


@pytest.mark.parametrize("engine", ["numpy", "numba"])
def test_fraction_is_exact_coverage(albers_case, engine):
    path, data, t, zones = albers_case
    res = landcover.class_areas(path, zones, "name", pixel_rule="fraction", workers=1,
                                engine=engine)
    got = as_dict(res)
    # reference: shapely's exact intersection area of every pixel box with the zone
    want = brute_force(data, t, zones, "name", rule="fraction")
    for key, n in want.items():
        assert got[key] == pytest.approx(n, rel=1e-9, abs=1e-9), key
    # the tiny zone (inside one pixel) gets exactly its area, 0.0425 pixels
    tiny_total = sum(v for (z, _), v in got.items() if z == "tiny")
    assert tiny_total == pytest.approx(zones.loc[zones.name == "tiny"].area.sum() / 900,
                                       rel=1e-9)
    np.testing.assert_allclose(res["area_hm2"], res["pixels"] * 0.09, rtol=1e-12)


def test_fraction_equals_exactextract(albers_case):
    # exactextract (Baston, https://github.com/isciences/exactextract) computes the
    # same exact coverage fractions; frac x count is the covered pixel count per value
    exactextract = pytest.importorskip("exactextract")
    path, data, t, zones = albers_case
    with rasterio.open(path) as ds:
        ee = exactextract.exact_extract(ds, zones, ["unique", "frac", "count"],
                                        include_cols=["name"], output="pandas")
    ref: dict = {}
    for _, r in ee.iterrows():  # the two "split" features are one zone for us
        for v, f in zip(r["unique"], r["frac"]):
            ref[(r["name"], int(v))] = ref.get((r["name"], int(v)), 0.0) + f * r["count"]
    got = as_dict(landcover.class_areas(path, zones, "name", pixel_rule="fraction", workers=1))
    assert len(ref) > 30
    for key, v in ref.items():
        # exactextract stores fractions as float32: equal to ~1e-7
        assert got[key] == pytest.approx(v, rel=1e-6), key
    assert {k for k, v in got.items() if v > 0} == set(ref)


def test_fraction_of_a_tiling_sums_to_the_pixels(tmp_path):
    # zones tiling the raster, edges on and off the pixel grid, one with a hole
    # filled by another zone: every pixel's fractions add up to 1
    h, w = 40, 50
    data = make_classes((h, w), seed=4)
    data[data == 0] = 5
    t = Affine(30.0, 0, X0, 0, -30.0, Y0)
    path = write_raster(tmp_path / "tiling_2018.tif", data, t)

    def xy(c, r):
        return X0 + 30.0 * c, Y0 - 30.0 * r

    outer = Polygon([xy(0, 0), xy(23.37, 0), xy(19.81, 40), xy(0, 40)])
    right = Polygon([xy(23.37, 0), xy(50, 0), xy(50, 40), xy(19.81, 40)])
    hole = Polygon([xy(5.5, 5.25), xy(12, 6.75), xy(9.125, 17.3)])
    zones = gpd.GeoDataFrame({"z": ["left", "right", "island"]}, crs=ALBERS,
                             geometry=[outer.difference(hole), right, hole])
    r = landcover.class_areas(path, zones, "z", pixel_rule="fraction", workers=1)
    per_class = r.groupby("class")["pixels"].sum()
    vals, cnt = np.unique(data, return_counts=True)
    np.testing.assert_allclose(per_class.loc[vals].to_numpy(), cnt, rtol=0, atol=1e-9)
    # zone totals = polygon area / 900 m2 (exact arithmetic: 30 m pixels)
    tot = r.groupby("zone")["pixels"].sum()
    for name, geom in zip(zones["z"], zones.geometry):
        assert tot[name] == pytest.approx(geom.area / 900.0, rel=1e-12)


@pytest.mark.parametrize("engine", ["numpy", "numba"])
def test_fraction_geographic_uses_ellipsoidal_cell_areas(tmp_path, engine):
    h, w = 60, 40
    t = Affine(0.25, 0, 100.0, 0, -0.25, 50.0)
    data = make_classes((h, w), seed=6)
    path = write_raster(tmp_path / "geo_2012.tif", data, t, crs="EPSG:4326")
    zone = Polygon([(100.3, 49.9), (109.1, 48.7), (108.2, 36.4), (101.05, 38.2)])
    z = gpd.GeoDataFrame({"z": ["a"]}, geometry=[zone], crs="EPSG:4326")
    res = landcover.class_areas(path, z, "z", pixel_rule="fraction", workers=1, engine=engine)
    rows, cols = np.meshgrid(np.arange(h), np.arange(w), indexing="ij")
    x0, y0 = t @ (cols, rows)
    x1, y1 = t @ (cols + 1, rows + 1)
    boxes = shapely.box(x0, y1, x1, y0)
    frac = shapely.area(shapely.intersection(boxes, zone)) / shapely.area(boxes)
    ra = cell_area(50.0 - 0.25 * np.arange(h), 50.0 - 0.25 * (np.arange(h) + 1), 0.25)
    for v in range(1, 10):
        m = data == v
        got = res.loc[res["class"] == v].iloc[0]
        assert got["pixels"] == pytest.approx(frac[m].sum(), rel=1e-9)
        # area = sum of fraction x the row's ellipsoidal cell area (m2 -> hm2)
        assert got["area_hm2"] == pytest.approx((frac * ra[:, None])[m].sum() / 1e4, rel=1e-9)


def test_coverage_kernels_numpy_and_numba_agree():
    pytest.importorskip("numba")
    from spatial_carbon.landcover import _coverage
    from spatial_carbon.landcover._kernels import polygon_edges

    rng = np.random.default_rng(11)
    # star-shaped polygons with many vertices, some with holes, on a 300 x 200 grid
    geoms = []
    for i in range(12):
        cx, cy = rng.uniform(20, 280), rng.uniform(20, 180)
        ang = np.sort(rng.uniform(0, 2 * np.pi, 60))
        rad = rng.uniform(3, 40, 60)
        p = Polygon(np.c_[cx + rad * np.cos(ang), cy + rad * np.sin(ang)])
        if i % 3 == 0:
            p = p.difference(shapely.Point(cx, cy).buffer(2.5))
        geoms.append(shapely.make_valid(p))
    e, zid, wt = polygon_edges(np.array(geoms, dtype=object), np.arange(1, 13), Affine.identity())
    for r0, h in ((0, 200), (37, 50), (150, 64)):
        a = _coverage.coverage_numpy(e, wt, zid, r0, h, 300)
        b = _coverage.coverage_numba(e, wt, zid, r0, h, 300)
        for x, y in zip(a[0], b[0]):
            np.testing.assert_array_equal(x, y)
        for x, y in zip(a[1][:3], b[1][:3]):
            np.testing.assert_array_equal(x, y)
        np.testing.assert_allclose(a[1][3], b[1][3], rtol=0, atol=1e-12)
    # total covered area of the grid = the polygons' areas inside it
    (rr, cs, ce, rz), (pr, pc, pz, pf) = _coverage.coverage_numba(e, wt, zid, 0, 200, 300)
    for i, g in enumerate(geoms, start=1):
        got = (ce - cs)[rz == i].sum() + pf[pz == i].sum()
        assert got == pytest.approx(shapely.clip_by_rect(g, 0, 0, 300, 200).area, rel=1e-12)


def test_process_pool_thread_pool_and_serial_identical(albers_case, monkeypatch):
    path, data, t, zones = albers_case
    kw = dict(legend="clcd")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        serial = landcover.class_areas(path, zones, "name", workers=1, **kw)
        monkeypatch.setattr(lc_engine, "SERIAL_PIXELS", 0)
        procs = landcover.class_areas(path, zones, "name", workers=2, **kw)
        threads = landcover.class_areas(path, zones, "name", workers=2, executor="thread", **kw)
    pd.testing.assert_frame_equal(serial, procs)
    pd.testing.assert_frame_equal(serial, threads)


# ----------------------------------------------------------------- areas

@pytest.mark.parametrize("lat", [0.0, 18.0, 35.5, 53.0, 80.0])
def test_cell_area_matches_pyproj_geod(lat):
    geod = Geod(ellps="WGS84")
    d = 0.05
    # parallels are not geodesics: densify the cell edges before pyproj integrates
    n = 200
    lons = np.r_[np.linspace(100, 100 + d, n), np.full(n, 100 + d), np.linspace(100 + d, 100, n),
                 np.full(n, 100)]
    lats = np.r_[np.full(n, lat), np.linspace(lat, lat + d, n), np.full(n, lat + d),
                 np.linspace(lat + d, lat, n)]
    ref = abs(geod.polygon_area_perimeter(lons, lats)[0])
    assert cell_area(lat, lat + d, d) == pytest.approx(ref, rel=1e-6)


@pytest.mark.parametrize("engine", ["numpy", "numba"])
def test_geographic_raster_areas_vs_pyproj(tmp_path, engine):
    # 1 arc-second-ish grid from 18N to 54N: area varies by row
    h, w = 120, 60
    t = Affine(0.3, 0, 100.0, 0, -0.3, 54.0)
    data = make_classes((h, w), seed=3)
    data[:] = np.where(data == 0, 1, data)
    path = write_raster(tmp_path / "g_2010.tif", data, t, crs="EPSG:4326")
    # zone edges on pixel edges +/- a sliver, so centres are unambiguous
    zone = box(100.0 + 1e-7, 54.0 - 0.3 * h + 1e-7, 100.0 + 0.3 * w - 1e-7, 54.0 - 1e-7)
    z = gpd.GeoDataFrame({"z": [1]}, geometry=[zone], crs="EPSG:4326")
    res = landcover.class_areas_with_summary(path, z, "z", workers=1, engine=engine)
    total_m2 = res.areas["area_hm2"].sum() * 1e4
    geod = Geod(ellps="WGS84")
    lons = np.r_[np.linspace(100, 118, 500), np.linspace(118, 100, 500)]
    lats = np.r_[np.full(500, 18.0), np.full(500, 54.0)]
    lons = np.r_[lons[:500], np.full(2, 118), lons[500:], np.full(2, 100)]
    lats = np.r_[lats[:500], [18.0, 54.0], lats[500:], [54.0, 18.0]]
    ref = abs(geod.polygon_area_perimeter(lons, lats)[0])
    assert total_m2 == pytest.approx(ref, rel=1e-5)
    assert res.summary["covered_fraction"].iloc[0] == pytest.approx(1.0, abs=1e-3)
    # per class: sum of per-row cell areas over that class's pixels
    rows = np.arange(h)
    ra = cell_area(54.0 - 0.3 * rows, 54.0 - 0.3 * (rows + 1), 0.3)
    for v in range(1, 10):
        want = (ra[:, None] * (data == v)).sum() / 1e4
        got = res.areas.loc[res.areas["class"] == v, "area_hm2"].item()
        assert got == pytest.approx(want, rel=1e-10)
    # a constant pixel area would be wrong by ~30 % between 18N and 54N
    assert ra[0] / ra[-1] < 0.65


def test_non_equal_area_projection_refused(tmp_path):
    data = np.ones((20, 20), np.uint8)
    t = Affine(30.0, 0, 400_000, 0, -30.0, 4_000_000)
    path = write_raster(tmp_path / "u_2005.tif", data, t, crs="EPSG:32650")
    z = gpd.GeoDataFrame({"z": [1]}, geometry=[box(400_000, 3_999_500, 400_500, 4_000_000)],
                         crs="EPSG:32650")
    with pytest.raises(ProjectionAreaError, match="not equal-area.*areal scale"):
        landcover.class_areas(path, z, "z")
    res = landcover.class_areas(path, z, "z", projected_area="nominal", workers=1)
    # centres at 15, 45, ..., 495 m: 17 x 17 pixels of nominal 900 m2
    assert res["pixels"].sum() == 17 * 17
    assert res["area_hm2"].sum() == pytest.approx(17 * 17 * 0.09)


# ----------------------------------------------------------------- inputs

def test_abutting_tiles_list_and_vrt_equal_mosaic(albers_case, tmp_path):
    path, data, t, zones = albers_case
    (tmp_path / "tiles").mkdir()
    left = write_raster(tmp_path / "tiles" / "a.tif", data[:, :48].copy(), t, block=16)
    right = write_raster(tmp_path / "tiles" / "b.tif", data[:, 48:].copy(),
                         t @ Affine.translation(48, 0), block=16)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        whole = landcover.class_areas(path, zones, "name", workers=1)
        tiles = landcover.class_areas({2015: [left, right]}, zones, "name", workers=1)
        vrt = tmp_path / "mosaic_2015.vrt"
        vrt.write_text(_vrt_xml(data.shape, t, [(left, 0, 48), (right, 48, 52)]))
        via_vrt = landcover.class_areas(str(vrt), zones, "name", workers=1)
    pd.testing.assert_frame_equal(whole, tiles)
    pd.testing.assert_frame_equal(whole, via_vrt)


def _vrt_xml(shape, t, sources):
    h, w = shape
    src = "".join(
        f"<SimpleSource><SourceFilename relativeToVRT=\"0\">{p}</SourceFilename>"
        f"<SourceBand>1</SourceBand><SrcRect xOff=\"0\" yOff=\"0\" xSize=\"{sw}\" ySize=\"{h}\"/>"
        f"<DstRect xOff=\"{off}\" yOff=\"0\" xSize=\"{sw}\" ySize=\"{h}\"/></SimpleSource>"
        for p, off, sw in sources
    )
    return (f"<VRTDataset rasterXSize=\"{w}\" rasterYSize=\"{h}\"><SRS>{ALBERS.to_wkt()}</SRS>"
            f"<GeoTransform>{t.c}, {t.a}, {t.b}, {t.f}, {t.d}, {t.e}</GeoTransform>"
            f"<VRTRasterBand dataType=\"Byte\" band=\"1\"><NoDataValue>0</NoDataValue>{src}"
            "</VRTRasterBand></VRTDataset>")


def test_overlapping_tiles_refused(albers_case, tmp_path):
    path, data, t, zones = albers_case
    a = write_raster(tmp_path / "a.tif", data[:, :60].copy(), t)
    b = write_raster(tmp_path / "b.tif", data[:, 40:].copy(), t @ Affine.translation(40, 0))
    with pytest.raises(RasterError, match="overlap.*gdalbuildvrt"):
        landcover.class_areas({2015: [a, b]}, zones, "name")


def test_years_from_pattern_folder_and_extent_changes(tmp_path):
    zones = make_zones()
    t = Affine(30.0, 0, X0, 0, -30.0, Y0)
    d1 = make_classes((80, 100), seed=11)
    d2 = make_classes((60, 90), seed=12)  # another extent in another year
    t2 = t @ Affine.translation(7, 5)
    folder = tmp_path / "clcd"
    folder.mkdir()
    write_raster(folder / "CLCD_v01_2000_albert.tif", d1, t)
    write_raster(folder / "CLCD_v01_2005_albert.tif", d2, t2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        a = landcover.class_areas(str(folder / "CLCD_v01_{year}_albert.tif"), zones, "name",
                                  workers=1)
        b = landcover.class_areas(str(folder), zones, "name", workers=1)
        c = landcover.class_areas(str(folder), zones, "name", years=[2005], workers=1)
    pd.testing.assert_frame_equal(a, b)
    assert sorted(a["year"].unique()) == [2000, 2005]
    for year, d, tt in ((2000, d1, t), (2005, d2, t2)):
        want = brute_force(d, tt, zones, "name")
        got = as_dict(a[a["year"] == year])
        for key, n in want.items():
            assert got[key] == n, (year, key)
    assert (c["year"] == 2005).all()
    with pytest.raises(MissingDataError, match=r"year\(s\) \[2010\].*\[2000, 2005\]"):
        landcover.class_areas(str(folder), zones, "name", years=[2005, 2010])


def test_year_assignment_and_errors(tmp_path, albers_case):
    _, data, t, zones = albers_case
    p = write_raster(tmp_path / "landcover.tif", data, t)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        # one raster without a year, as QGIS's zonal histogram: the year is empty
        undated = landcover.class_areas_with_summary(p, zones, "name", workers=1)
        r = landcover.class_areas(p, zones, "name", years=[2020], workers=1)
    assert (r["year"] == 2020).all()
    for frame in undated:
        assert frame["year"].isna().all() and str(frame["year"].dtype) == "Int64"
    np.testing.assert_array_equal(undated.areas["pixels"], r["pixels"])
    q = write_raster(tmp_path / "other.tif", data, t)
    with pytest.raises(InputError, match="cannot tell the year of .*landcover.tif.*and 1 more"):
        landcover.class_areas([p, q], zones, "name")
    with pytest.raises(InputError, match="2 rasters without a year.*3 years"):
        landcover.class_areas([p, q], zones, "name", years=[2000, 2001, 2002])


# ----------------------------------------------------------------- legends

def test_legends_and_sink_mapping(tmp_path):
    assert set(landcover.available_legends()) >= {"clcd", "modis_igbp", "esa_worldcover",
                                                  "globeland30"}
    clcd = landcover.get_legend("clcd")
    assert clcd.classes["value"].tolist() == list(range(1, 10))
    assert clcd.classes.set_index("value")["sink_class"].to_dict()[3] == "shrub"
    assert clcd.nodata_values == [0]
    edited = landcover.get_legend("clcd", {3: "forest", "Wetland": "water"})
    m = edited.classes.set_index("value")["sink_class"]
    assert m[3] == "forest" and m[9] == "water"
    igbp = landcover.get_legend("MODIS").classes.set_index("value")["sink_class"]
    assert igbp[8] == "forest" and igbp[9] == "grassland" and igbp[14] == "cropland"
    with pytest.raises(InputError, match="unknown legend 'corine'.*clcd"):
        landcover.get_legend("corine")
    with pytest.raises(InputError, match="unknown sink class 'trees'"):
        landcover.get_legend("clcd", {2: "trees"})
    with pytest.raises(InputError, match="neither a value nor a class name"):
        landcover.get_legend("clcd", {42: "forest"})
    custom = tmp_path / "my_legend.csv"
    custom.write_text("value,class_name,sink_class\n1,Paddy,cropland\n2,Wood,forest\n"
                      "0,none,nodata\n")
    leg = landcover.get_legend(str(custom))
    assert leg.classes["value"].tolist() == [1, 2]
    bad = tmp_path / "bad.csv"
    bad.write_text("value,class_name,sink_class\n1,a,cropland\n1,b,forest\n")
    with pytest.raises(InputError, match="more than once"):
        landcover.get_legend(str(bad))


def test_custom_legend_and_sink_mapping_flow_into_table(albers_case):
    path, data, t, zones = albers_case
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        r = landcover.class_areas(path, zones, "name", sink_mapping={3: "forest"}, workers=1)
    assert set(r.loc[r["class"] == 3, "sink_class"]) == {"forest"}
    assert set(r.loc[r["class"] == 3, "class_name"]) == {"Shrub"}


@pytest.mark.filterwarnings("ignore:1 zone:spatial_carbon.errors.DataQualityWarning")
def test_unknown_legend_values(albers_case, tmp_path):
    _, data, t, zones = albers_case
    d = data.copy()
    d[40:42, 20:25] = 42  # 10 pixels of a value CLCD does not have
    p = write_raster(tmp_path / "x_2015.tif", d, t)
    inside = brute_force(d, t, zones, "name")
    n42 = int(sum(v for (z, c), v in inside.items() if c == 42))
    with pytest.raises(InputError, match=rf"not in legend 'clcd'.*value 42 \({n42} px\)"):
        landcover.class_areas(p, zones, "name", workers=1)
    with pytest.warns(DataQualityWarning, match="value 42"):
        r = landcover.class_areas_with_summary(p, zones, "name", unknown="nodata", workers=1)
    assert r.summary["unknown_pixels"].sum() == n42


# ----------------------------------------------------------------- real samples

# Class totals of the bundled MODIS MCD12C1 2019 clip (1260 x 740 px), computed
# independently with numpy.unique over the whole raster (no zones):
# values 0..16 -> pixels.
MODIS_TOTALS = [192306, 6973, 29100, 3500, 28835, 32290, 52, 1573, 77409, 47465, 238512,
                1449, 132763, 6425, 11452, 1958, 120338]


def test_modis_sample_whole_raster_totals():
    from spatial_carbon import datasets

    path = datasets.modis_landcover()
    with rasterio.open(path) as ds:
        vals, cnt = np.unique(ds.read(1), return_counts=True)
    np.testing.assert_array_equal(vals, np.arange(17))
    np.testing.assert_array_equal(cnt, MODIS_TOTALS)
    # a zone slightly larger than the raster (73-136E, 17-54N) gets every pixel
    z = gpd.GeoDataFrame({"z": ["all"]}, geometry=[box(72.9, 16.9, 136.1, 54.1)],
                         crs="EPSG:4326")
    res = landcover.class_areas_with_summary(path, z, "z", legend="modis_igbp", years=[2019],
                                             workers=1)
    got = res.areas.set_index("class")["pixels"]
    np.testing.assert_array_equal(got.loc[list(range(17))].to_numpy(), MODIS_TOTALS)
    assert got.loc[17] == 0
    # total area = the ellipsoidal area of the 63 x 37 degree rectangle
    assert res.areas["area_hm2"].sum() * 1e4 == pytest.approx(cell_area(17, 54, 63), rel=1e-12)


def test_modis_sample_provinces():
    from spatial_carbon import datasets

    z = datasets.boundaries("province")
    res = landcover.class_areas_with_summary(datasets.modis_landcover(), z, "region_code",
                                             legend="modis", years=[2019], workers=1)
    a = res.areas
    assert a["zone"].nunique() == 31
    per_class = a.groupby("class")["pixels"].sum()
    assert (per_class.loc[list(range(17))].to_numpy() <= MODIS_TOTALS).all()
    # centre rule: provinces (AMap, shifted to WGS84, simplified) tile the country without gaps;
    # their classified area is within 1 % of their ellipsoidal area, except Hainan
    # (South China Sea islands south of the raster's 17N edge)
    s = res.summary.set_index("zone")
    assert s.drop(460000)["covered_fraction"].between(0.98, 1.02).all()
    assert s.loc[460000, "covered_fraction"] < 0.95
    # China's land area is ~9.6 M km2; 31 mainland provinces ~ 9.4-9.5 M km2
    assert 9.3e8 < a["area_hm2"].sum() < 9.6e8


def test_esa_worldcover_sample_legend():
    from spatial_carbon import datasets

    path = datasets.path("landcover", "ESA_WorldCover_2020_SaoTome_clip_0p1deg_10m.tif")
    with rasterio.open(path) as ds:
        data = ds.read(1)
        b = ds.bounds
    vals, cnt = np.unique(data, return_counts=True)
    z = gpd.GeoDataFrame({"z": ["st"]}, geometry=[box(b.left - 0.01, b.bottom - 0.01,
                                                      b.right + 0.01, b.top + 0.01)],
                         crs="EPSG:4326")
    res = landcover.class_areas(path, z, "z", legend="worldcover", workers=1)
    got = res.set_index("class")["pixels"]
    for v, n in zip(vals, cnt):
        assert got.loc[int(v)] == n
    assert res.set_index("class").loc[10, "sink_class"] == "forest"


# ----------------------------------------------------------------- dask

def test_dask_matches_local(albers_case):
    distributed = pytest.importorskip("distributed")
    path, data, t, zones = albers_case
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        local = landcover.class_areas(path, zones, "name", workers=1)
        with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                      dashboard_address=None) as cluster, \
                distributed.Client(cluster) as client:
            remote = landcover.class_areas(path, zones, "name", scheduler=client)
    pd.testing.assert_frame_equal(local, remote)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def dask_cluster(tmp_path):
    """A real cluster: ``dask scheduler`` and two ``dask worker`` processes on 127.0.0.1."""
    distributed = pytest.importorskip("distributed")
    import os
    import subprocess
    import sys
    from pathlib import Path

    port = _free_port()
    addr = f"tcp://127.0.0.1:{port}"
    env = dict(os.environ)
    # the workers must import this checkout of spatial_carbon
    root = str(Path(__file__).resolve().parents[1])
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
    procs = []
    log = open(tmp_path / "dask.log", "w")
    try:
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "dask", "scheduler", "--host", "127.0.0.1", "--port",
             str(port), "--no-dashboard"], env=env, stdout=log, stderr=subprocess.STDOUT))
        for _ in range(2):
            procs.append(subprocess.Popen(
                [sys.executable, "-m", "dask", "worker", addr, "--host", "127.0.0.1",
                 "--nthreads", "1", "--no-nanny", "--no-dashboard", "--death-timeout", "60"],
                env=env, stdout=log, stderr=subprocess.STDOUT))
        with distributed.Client(addr, timeout="30s") as client:
            client.wait_for_workers(2, timeout=60)
        yield addr
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:  # pragma: no cover
                p.kill()
                p.wait(timeout=5)
        log.close()


@pytest.mark.filterwarnings("ignore:1 zone:spatial_carbon.errors.DataQualityWarning")
def test_scheduler_cluster_equals_local(dask_cluster, albers_case, tmp_path):
    import distributed
    from click.testing import CliRunner

    from spatial_carbon.cli import main

    path, d1, t, zones = albers_case
    folder = tmp_path / "years"
    folder.mkdir()
    for i, y in enumerate((2001, 2002, 2003)):
        write_raster(folder / f"CLCD_v01_{y}_albert.tif", make_classes(d1.shape, seed=20 + i), t)
    zpath = tmp_path / "zones.gpkg"
    zones.to_file(zpath, driver="GPKG")
    pattern = str(folder / "CLCD_v01_{year}_albert.tif")
    outs = {}
    for name, extra in (("local", ["--workers", "1"]), ("cluster", ["--scheduler", dask_cluster])):
        out = tmp_path / f"{name}.csv"
        r = CliRunner().invoke(main, ["landcover", pattern, "--zones", str(zpath), "--zone-field",
                                      "name", "-o", str(out), "--pixel-rule", "fraction",
                                      "--quiet", *extra])
        assert r.exit_code == 0, r.output
        outs[name] = out.read_bytes()
    assert outs["local"] == outs["cluster"]  # byte for byte, fractions included
    # the tasks are (year, window) units: the years spread over both workers
    with distributed.Client(dask_cluster, timeout="30s") as client:
        workers = set(client.scheduler_info()["workers"])
        with distributed.get_task_stream(client) as ts:
            res = landcover.class_areas(pattern, zones, "name", scheduler=client)
    assert len(workers) == 2
    assert {t_["worker"] for t_ in ts.data if t_["key"].startswith("_dask_run")} == workers
    assert sorted(res["year"].unique()) == [2001, 2002, 2003]
    loc = landcover.class_areas(pattern, zones, "name", workers=1)
    pd.testing.assert_frame_equal(loc, res)


def test_dask_units_split_years_and_windows():
    from spatial_carbon.landcover.engine import GridPlan, Plan, dask_units

    g = GridPlan(crs_wkt="", transform=(1, 0, 0, 0, -1, 0), width=10, height=10,
                 rasters=[(y, f"{y}.tif", None, 0) for y in (2000, 2001, 2002)],
                 geoms=np.array([]), ids=np.array([]), per_row=False, nominal_area=1.0)
    plan = Plan(grids=[g], nzones=1, nslots=3, tasks=[(0, r, 0, 1, 10) for r in range(40)])
    units = dask_units(plan, nworkers=2)
    # every (year, window) exactly once, one year per task, windows in order
    pairs = sorted((ri, ti) for ri, tis in units for ti in tis)
    assert pairs == [(ri, ti) for ri in range(3) for ti in range(40)]
    assert all(tis == sorted(tis) for _, tis in units)
    # 3 years x 40 windows over 2 workers: at least 8 tasks per worker, <= 16 windows each
    assert len(units) >= 16 and max(len(tis) for _, tis in units) <= 16


def test_scheduler_unreachable_is_a_clear_error(albers_case):
    pytest.importorskip("distributed")
    path, data, t, zones = albers_case
    with pytest.raises(InputError, match="cannot reach the Dask scheduler at tcp://127.0.0.1"):
        landcover.class_areas(path, zones, "name", scheduler=f"tcp://127.0.0.1:{_free_port()}")


# ----------------------------------------------------------------- progress, cancel

def test_progress_and_cancel(albers_case, monkeypatch):
    path, data, t, zones = albers_case
    calls = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        landcover.class_areas(path, zones, "name", workers=1,
                              progress=lambda d, n: calls.append((d, n)))
    assert calls[0][0] == 0 and calls[-1][0] == calls[-1][1] > 1
    with pytest.raises(landcover.OperationCancelled, match="cancelled"):
        landcover.class_areas(path, zones, "name", workers=1, cancel=lambda: True)
    monkeypatch.setattr(lc_engine, "SERIAL_PIXELS", 0)
    seen = []

    def cancel():
        seen.append(1)
        return len(seen) > 2

    with pytest.raises(landcover.OperationCancelled):
        landcover.class_areas(path, zones, "name", workers=2, cancel=cancel)


# ----------------------------------------------------------------- bad input

def test_raster_without_crs(tmp_path, albers_case):
    _, data, t, zones = albers_case
    p = write_raster(tmp_path / "n_2015.tif", data, t, crs=None)
    with pytest.raises(CRSError, match="no coordinate reference system"):
        landcover.class_areas(p, zones, "name")


def test_zones_without_crs_or_field(albers_case):
    path, data, t, zones = albers_case
    with pytest.raises(CRSError, match="zones have no coordinate reference system"):
        landcover.class_areas(path, zones.set_crs(None, allow_override=True), "name")
    with pytest.raises(InputError, match="zone field 'code' not in the zones; fields are name"):
        landcover.class_areas(path, zones, "code")


def test_zones_not_overlapping(albers_case):
    path, data, t, zones = albers_case
    # Albers coordinates wrongly declared as degrees -> nowhere near the raster
    wrong = gpd.GeoDataFrame({"name": ["a"]}, geometry=[box(100, 30, 101, 31)], crs=ALBERS)
    with pytest.raises(InputError, match="do not overlap.*different CRSs"):
        landcover.class_areas(path, wrong, "name")


def test_unreadable_and_truncated(tmp_path, albers_case):
    _, data, t, zones = albers_case
    txt = tmp_path / "notes_2015.tif"
    txt.write_text("not a raster")
    with pytest.raises(RasterError, match="not a readable raster"):
        landcover.class_areas(str(txt), zones, "name")
    rng = np.random.default_rng(5)
    noisy = rng.integers(1, 10, size=(80, 100), dtype=np.uint8)  # incompressible tiles
    p = write_raster(tmp_path / "t_2015.tif", noisy, t)
    raw = open(p, "rb").read()
    cut = tmp_path / "cut_2015.tif"
    cut.write_bytes(raw[: len(raw) * 2 // 3])
    with pytest.raises(RasterError, match="truncated"):
        landcover.class_areas(str(cut), zones, "name", workers=1)
    with pytest.raises(InputError, match="raster not found"):
        landcover.class_areas(str(tmp_path / "missing_2015.tif"), zones, "name")


def test_bad_parameters_and_dtype(tmp_path, albers_case):
    path, data, t, zones = albers_case
    with pytest.raises(InputError, match="pixel_rule must be one of"):
        landcover.class_areas(path, zones, "name", pixel_rule="majority")
    fl = write_raster(tmp_path / "f_2015.tif", data.astype(np.float32), t)
    with pytest.raises(InputError, match="8- or 16-bit integers"):
        landcover.class_areas(fl, zones, "name")


# ----------------------------------------------------------------- CLI

@pytest.mark.filterwarnings("ignore:1 zone:spatial_carbon.errors.DataQualityWarning")
def test_cli_writes_table_for_sinks(albers_case, tmp_path):
    from click.testing import CliRunner

    from spatial_carbon.cli import main

    path, data, t, zones = albers_case
    zpath = tmp_path / "zones.gpkg"
    zones.to_file(zpath, driver="GPKG")
    out, summ = tmp_path / "areas.csv", tmp_path / "summary.csv"
    r = CliRunner().invoke(main, ["landcover", path, "--zones", str(zpath), "--zone-field", "name",
                                  "--legend", "clcd", "-o", str(out), "--summary", str(summ),
                                  "--sink-map", "3=forest", "--workers", "1"])
    assert r.exit_code == 0, r.output
    df = pd.read_csv(out, encoding="utf-8-sig")
    assert {"zone", "year", "sink_class", "area_hm2"} <= set(df.columns)
    assert set(df.loc[df["class"] == 3, "sink_class"]) == {"forest"}
    want = brute_force(data, t, zones, "name")
    got = {(z, c): p for z, c, p in zip(df["zone"], df["class"], df["pixels"])}
    assert all(got[k] == v for k, v in want.items())
    assert len(pd.read_csv(summ, encoding="utf-8-sig")) == 5
    r = CliRunner().invoke(main, ["landcover", path, "--zones", str(zpath), "--zone-field", "nom",
                                  "-o", str(tmp_path / "x.csv")])
    assert r.exit_code == 2 and "zone field 'nom' not in the zones" in r.output
    assert not (tmp_path / "x.csv").exists()


def test_years_on_one_grid_share_zone_runs(albers_case, tmp_path):
    # two years on the same grid are done in the same tasks; each must still be exact
    path, d1, t, zones = albers_case
    d2 = make_classes(d1.shape, seed=7)
    p2 = write_raster(tmp_path / "clcd_2020.tif", d2, t)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        r = landcover.class_areas([path, p2], zones, "name", workers=1)
    for year, d in ((2015, d1), (2020, d2)):
        want = brute_force(d, t, zones, "name")
        got = as_dict(r[r["year"] == year])
        for key, n in want.items():
            assert got[key] == n, (year, key)


def test_zones_in_another_crs_are_reprojected(albers_case):
    path, data, t, zones = albers_case
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        a = landcover.class_areas(path, zones, "name", workers=1)
        b = landcover.class_areas(path, zones.to_crs("EPSG:4326"), "name", workers=1)
    # vertices go to degrees and back: same pixel centres inside
    pd.testing.assert_series_equal(a["pixels"], b["pixels"])


def test_uint16_raster_with_custom_legend(tmp_path):
    data = np.full((30, 30), 1000, np.uint16)
    data[10:, :] = 2000
    data[:, 25:] = 65535
    t = Affine(30.0, 0, X0, 0, -30.0, Y0)
    p = write_raster(tmp_path / "lc16_2001.tif", data, t, nodata=65535)
    legend = pd.DataFrame({"value": [1000, 2000], "class_name": ["wood", "field"],
                           "sink_class": ["forest", "cropland"]})
    z = gpd.GeoDataFrame({"z": ["a"]}, geometry=[box(X0, Y0 - 900, X0 + 900, Y0)], crs=ALBERS)
    res = landcover.class_areas_with_summary(p, z, "z", legend=legend, workers=1)
    got = res.areas.set_index("class")["pixels"]
    assert got[1000] == 10 * 25 and got[2000] == 20 * 25
    assert res.summary["nodata_pixels"].item() == 30 * 5


@pytest.mark.filterwarnings("ignore:1 zone:spatial_carbon.errors.DataQualityWarning")
def test_huge_strips_read_in_bounded_windows(tmp_path):
    # one strip for the whole image: windows must not be the whole strip
    data = make_classes((300, 300), seed=9)
    t = Affine(30.0, 0, X0, 0, -30.0, Y0)
    p = write_raster(tmp_path / "strip_2010.tif", data, t, block=None, blockysize=300)
    with rasterio.open(p) as ds:
        assert ds.block_shapes[0] == (300, 300)
    zones = make_zones()
    with pytest.warns(DataQualityWarning, match="retile"):
        r = landcover.class_areas(p, zones, "name", workers=1)
    want = brute_force(data, t, zones, "name")
    got = as_dict(r)
    for key, n in want.items():
        assert got[key] == n, key


def test_clcd_albers_crs_is_equal_area_900m2(tmp_path):
    # the CRS string of CLCD's *_albert.tif (dataset description; no EPSG code)
    clcd = ("+proj=aea +lat_1=25 +lat_2=47 +lat_0=0 +lon_0=105 +x_0=0 +y_0=0 +datum=WGS84 "
            "+units=m +no_defs")
    data = np.full((20, 20), 2, np.uint8)
    t = Affine(30.0, 0, -1_200_000.0, 0, -30.0, 4_000_000.0)
    p = write_raster(tmp_path / "CLCD_v01_2019_albert.tif", data, t, crs=clcd, nodata=None)
    z = gpd.GeoDataFrame({"z": ["a"]}, geometry=[box(-1_200_000, 3_999_400, -1_199_400,
                                                     4_000_000)], crs=clcd)
    r = landcover.class_areas(p, z, "z", workers=1)  # year from the name, 0 = nodata by legend
    assert (r["year"] == 2019).all()
    assert r.loc[r["class"] == 2, "pixels"].item() == 400
    assert r.loc[r["class"] == 2, "area_hm2"].item() == pytest.approx(400 * 0.09)
