"""Tests of spatial_carbon.spatial.centrography (centre of gravity, SDE).

References
----------
* ArcGIS "How Directional Distribution (Standard Deviational Ellipse) works"
  (ArcGIS Pro / ArcMap 10.x documentation): the formulas, worked by hand on
  four points below (arithmetic in the comments); 1-SD axes carry the
  sqrt(2) adjustment of two-dimensional data (1.41, 2.83, 4.24 for 1/2/3 SD).
* pointpats 2.5 ``centrography``: ``weighted_mean_center``, ``std_distance``
  and ``ellipse(method="yuill", crimestatCorr=True, degfreedCorr=False)``
  (= ArcGIS); its default ``"crimestat"`` differs by sqrt(n/(n-2)).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

gpd = pytest.importorskip("geopandas")
shapely = pytest.importorskip("shapely")

from spatial_carbon import datasets  # noqa: E402
from spatial_carbon.errors import InputError, MissingDataError  # noqa: E402
from spatial_carbon.spatial import centrography as cg  # noqa: E402


def test_arcgis_formulas_by_hand():
    # points (-2,-2), (2,2), (-1,1), (1,-1), unit weights; centre (0, 0)
    # sum x~^2 = 10, sum y~^2 = 10, sum x~y~ = 4 + 4 - 1 - 1 = 6
    # A = 0, C = 12, B = 12, tan(theta) = 1 -> theta = 45 deg
    # x~cos - y~sin = (x - y)/sqrt2 = 0, 0, -sqrt2, sqrt2 -> mean square 1 -> sigma_x = sqrt2
    # x~sin + y~cos = (x + y)/sqrt2 = -2sqrt2, 2sqrt2, 0, 0 -> mean square 4 -> sigma_y = 2 sqrt2
    # area = pi sqrt2 * 2sqrt2 = 4 pi; standard distance sqrt(20/4) = sqrt5
    e = cg.ellipse_arrays([-2, 2, -1, 1], [-2, 2, 1, -1], [1, 1, 1, 1])
    assert e["x"] == pytest.approx(0) and e["y"] == pytest.approx(0)
    assert e["theta_deg"] == pytest.approx(45.0, abs=1e-12)
    assert e["sigma_x"] == pytest.approx(math.sqrt(2), rel=1e-12)
    assert e["sigma_y"] == pytest.approx(2 * math.sqrt(2), rel=1e-12)
    assert e["major"] == pytest.approx(2 * math.sqrt(2)) and e["minor"] == pytest.approx(math.sqrt(2))
    assert e["area"] == pytest.approx(4 * math.pi, rel=1e-12)
    assert e["std_distance"] == pytest.approx(math.sqrt(5), rel=1e-12)
    # mirrored (north-west elongation): rotation 135 deg
    e2 = cg.ellipse_arrays([2, -2, 1, -1], [-2, 2, 1, -1], [1, 1, 1, 1])
    assert e2["theta_deg"] == pytest.approx(135.0, abs=1e-12)
    # east-west line: C = 0, A > 0 -> 90 deg; north-south: 0 deg
    assert cg.ellipse_arrays([-1, 0, 1], [0, 0, 0], [1, 1, 1])["theta_deg"] == pytest.approx(90)
    assert cg.ellipse_arrays([0, 0, 0], [-1, 0, 1], [1, 1, 1])["theta_deg"] == pytest.approx(0)
    # weights: a weight of 2 equals the point counted twice
    a = cg.ellipse_arrays([0, 1, 3, 3], [0, 2, 1, 1], [1, 1, 1, 1])
    b = cg.ellipse_arrays([0, 1, 3], [0, 2, 1], [1, 1, 2])
    for key in ("x", "y", "sigma_x", "sigma_y", "theta_deg", "std_distance"):
        assert a[key] == pytest.approx(b[key], rel=1e-12)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_against_pointpats(seed):
    pc = pytest.importorskip("pointpats.centrography")
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 3, 40)
    y = rng.normal(0, 1, 40) + (seed - 1) * x
    w = rng.uniform(0.5, 2, 40)
    e = cg.ellipse_arrays(x, y, w)
    pts = np.column_stack([x, y])
    np.testing.assert_allclose(pc.weighted_mean_center(pts, w), [e["x"], e["y"]], rtol=1e-12)
    major, minor, ang = pc.ellipse(pts, weights=w, method="yuill", crimestatCorr=True,
                                   degfreedCorr=False)
    assert e["major"] == pytest.approx(major, rel=1e-12)
    assert e["minor"] == pytest.approx(minor, rel=1e-12)
    assert e["theta_deg"] == pytest.approx((90 - math.degrees(ang)) % 180, abs=1e-9)
    # pointpats' default (CrimeStat) = ArcGIS x sqrt(n/(n-2))
    M2, m2, _ = pc.ellipse(pts, weights=w)
    assert M2 == pytest.approx(e["major"] * math.sqrt(40 / 38), rel=1e-12)
    u = cg.ellipse_arrays(x, y, np.ones(40))
    assert u["std_distance"] == pytest.approx(pc.std_distance(pts), rel=1e-12)


@pytest.fixture(scope="module")
def provinces():
    g = datasets.boundaries("province")
    return g[g.region_code != 540000].reset_index(drop=True)


def _panel(provinces):
    lat = provinces.geometry.representative_point().y.to_numpy()
    return pd.DataFrame({
        "region_code": np.tile(provinces.region_code.to_numpy(), 2),
        "year": np.repeat([2000, 2001], len(provinces)),
        "ICE": np.concatenate([np.ones(len(provinces)), 1 + (lat > 35) * 3.0]),
    })


def test_province_centres_and_trajectory(provinces):
    df = _panel(provinces)
    r = cg.mean_centre(df, provinces, "ICE", id_col="region_code")
    c = r.centres
    assert list(c["year"]) == [2000, 2001] and c["crs"].iloc[0] == cg.CHINA_ALBERS
    # equal weights: the plain mean of the Albers centroids
    cent = shapely.centroid(provinces.to_crs(cg.CHINA_ALBERS).geometry.to_numpy())
    assert c["x_m"].iloc[0] == pytest.approx(shapely.get_x(cent).mean(), rel=1e-12)
    # more weight in the north moves the centre north
    assert c["lat"].iloc[1] > c["lat"].iloc[0]
    assert c["direction"].iloc[1] in ("N", "NE", "NW")
    step = math.hypot(c["dx_km"].iloc[1], c["dy_km"].iloc[1])
    assert c["distance_km"].iloc[1] == pytest.approx(step, rel=0.02)  # geodesic vs Albers plane
    assert len(r.ellipses) == 6 and set(r.ellipses["sd"]) == {1, 2, 3}
    e1 = r.ellipses[(r.ellipses.year == 2000) & (r.ellipses.sd == 1)].iloc[0]
    assert e1.geometry.area / 1e6 == pytest.approx(e1["area_km2"], rel=1e-3)  # polygon of 128 vertices
    e3 = r.ellipses[(r.ellipses.year == 2000) & (r.ellipses.sd == 3)].iloc[0]
    assert e3["area_km2"] == pytest.approx(9 * e1["area_km2"], rel=1e-12)
    assert len(r.trajectory) == 1 and r.summary["path_km"] == pytest.approx(c["distance_km"].iloc[1])
    assert r.points.crs is not None and len(r.points) == 2


def test_population_points(provinces):
    df = _panel(provinces)
    # one point per region at its centroid: same as the centroid basis
    ea = provinces.to_crs(cg.CHINA_ALBERS)
    pts = gpd.GeoDataFrame({"code": provinces.region_code, "pop": 5.0},
                           geometry=ea.geometry.centroid, crs=cg.CHINA_ALBERS)
    a = cg.mean_centre(df, provinces, "ICE", id_col="region_code")
    b = cg.mean_centre(df, provinces, "ICE", id_col="region_code", points=pts, point_zone="code",
                       point_weight="pop")
    np.testing.assert_allclose(b.centres[["x_m", "y_m"]], a.centres[["x_m", "y_m"]], rtol=1e-12)
    assert b.summary["weighted_over"].startswith("points weighted by pop")
    # a second point in Beijing with 3x the population pulls Beijing's share 3/4 there
    bj = ea[provinces.region_code == 110000].geometry.centroid.iloc[0]
    extra = gpd.GeoDataFrame({"code": [110000], "pop": [15.0]},
                             geometry=[shapely.Point(bj.x + 40_000, bj.y)], crs=cg.CHINA_ALBERS)
    pts2 = pd.concat([pts, extra], ignore_index=True)
    c = cg.mean_centre(df[df.year == 2000], provinces, "ICE", id_col="region_code", points=pts2,
                       point_zone="code", point_weight="pop")
    # Beijing's weight 1 moves 3/4 * 40 km east: the centre moves 30 km / 30 regions = 1 km east
    assert c.centres["x_m"].iloc[0] - a.centres["x_m"].iloc[0] == pytest.approx(1000.0, rel=1e-9)


def test_island_is_an_ordinary_region(provinces):
    df = _panel(provinces)
    df = df[df.year == 2000]
    only = df.assign(ICE=np.where(df.region_code.isin([460000, 440000, 450000]), 1.0, 0.0))
    r = cg.mean_centre(only, provinces, "ICE", id_col="region_code")
    assert r.centres["n"].iloc[0] == 3 and r.centres["lat"].iloc[0] < 24


def test_bad_inputs(provinces):
    df = _panel(provinces)
    with pytest.raises(InputError, match="sums to 0 in 2000"):
        cg.mean_centre(df.assign(ICE=0.0), provinces, "ICE", id_col="region_code")
    with pytest.raises(MissingDataError, match="empty value"):
        cg.mean_centre(df.assign(ICE=np.nan), provinces, "ICE", id_col="region_code")
    with pytest.raises(InputError, match="negative"):
        cg.mean_centre(df.assign(ICE=-1.0), provinces, "ICE", id_col="region_code")
    one = df[df.region_code == 110000]
    with pytest.raises(InputError, match="only 1 unit"):
        cg.mean_centre(one, provinces, "ICE", id_col="region_code")
    with pytest.raises(InputError, match="no column 'X'"):
        cg.mean_centre(df, provinces, "X", id_col="region_code")
    with pytest.raises(InputError, match="not in the zones"):
        cg.mean_centre(df, provinces[provinces.region_code != 110000], "ICE", id_col="region_code")
    # a constant column is valid: the unweighted mean centre
    r = cg.mean_centre(df.assign(ICE=7.0), provinces, "ICE", id_col="region_code")
    assert r.centres["distance_km"].iloc[1] == pytest.approx(0.0, abs=1e-6)
    assert r.centres["direction"].iloc[1] == ""
