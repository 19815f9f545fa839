"""Centre of gravity and standard deviational ellipse (重心迁移, 标准差椭圆).

Per year, on an equal-area projection: the weighted mean centre of a column
over region centroids (or over population-weighted points), its trajectory
between consecutive years (geodesic distance in km and bearing), the
standard distance and ArcGIS's standard deviational ellipse at 1, 2 and 3
standard deviations (centre, axes, rotation, area).

Conventions (docs/spatial_stats.md has the derivation)
------------------------------------------------------
ArcGIS "Directional Distribution" (Yuill 1971; ArcGIS Pro "How Directional
Distribution works"), weighted by ``w_i``, ``x~ = x - x_w``, ``y~ = y - y_w``::

    A = sum w x~^2 - sum w y~^2,  C = 2 sum w x~ y~,  B = sqrt(A^2 + C^2)
    tan(theta) = (A + B) / C                      (theta clockwise from north)
    sigma_x = sqrt(2) sqrt(sum w (x~ cos theta - y~ sin theta)^2 / sum w)
    sigma_y = sqrt(2) sqrt(sum w (x~ sin theta + y~ cos theta)^2 / sum w)

``theta`` is the azimuth of the axis along which ``sigma_y`` is measured,
which is the major axis (``tan theta = cot phi`` for the major eigenvector's
angle ``phi`` from east).  The ``sqrt(2)`` makes the 1-SD ellipse the
two-dimensional standard deviation ellipse (ArcGIS's adjustment factors
1.41, 2.83, 4.24 for 1, 2, 3 SD); the divisor is ``sum w`` (no
degrees-of-freedom correction).  ``pointpats.centrography.ellipse``
computes the same axes with ``method="yuill", crimestatCorr=True,
degfreedCorr=False``; its default (``"crimestat"``) multiplies both axes by
``sqrt(n/(n-2))`` (CrimeStat's degrees of freedom), and it returns the
major axis angle counter-clockwise from east in radians
(``rotation = 90 - degrees(angle) mod 180``).  We follow ArcGIS because the
regional carbon literature reports ArcGIS's numbers; the tests check both
correspondences.  Area of the k-SD ellipse: ``pi (k sigma_x)(k sigma_y)``.

The mean centres are ``x_w = sum w_i x_i / sum w_i`` in the equal-area
projection (pointpats ``weighted_mean_center``), returned also in lon/lat;
distances and bearings between years are geodesic on the WGS84 ellipsoid
(pyproj ``Geod.inv``), planar offsets ``dx_km``/``dy_km`` are in the
projection.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd

from ..errors import InputError, MissingDataError, show
from .weights import normalise_ids

__all__ = ["CHINA_ALBERS", "CentreResult", "ellipse_arrays", "ellipse_polygon", "equal_area_crs",
           "mean_centre"]

#: Albers equal-area conic for China (standard parallels 25 and 47 N, central meridian 105 E).
CHINA_ALBERS = ("+proj=aea +lat_1=25 +lat_2=47 +lat_0=0 +lon_0=105 +x_0=0 +y_0=0 "
                "+datum=WGS84 +units=m +no_defs")
_DIRECTIONS = ("N", "NE", "E", "SE", "S", "SW", "W", "NW")


@dataclasses.dataclass(frozen=True)
class CentreResult:
    """Result of :func:`mean_centre`.

    Attributes
    ----------
    centres : DataFrame
        One row per year: ``year``, ``variable``, ``n`` (units with weight),
        ``total`` (sum of the weights, in the column's unit), ``x_m``,
        ``y_m`` (centre in the projection, m), ``lon``, ``lat`` (degrees),
        ``distance_km``, ``bearing_deg`` (clockwise from north), ``direction``
        (8-point), ``dx_km``, ``dy_km`` (from the previous year; NaN in the
        first), ``std_distance_km``, ``sigma_x_km``, ``sigma_y_km`` (ArcGIS
        XStdDist/YStdDist at 1 SD), ``major_km``, ``minor_km`` (semi-axes at 1
        SD), ``rotation_deg`` (major axis, clockwise from north, 0-180),
        ``area_km2`` (1-SD ellipse), ``flattening`` (1 - minor/major), ``crs``,
        ``weighted_over`` (region centroids or weighted points).
    ellipses : GeoDataFrame
        One polygon per year and ``sd`` level (1, 2, 3) in the projection:
        ``year``, ``sd``, ``major_km``, ``minor_km``, ``rotation_deg``,
        ``area_km2``, centre columns.
    points : GeoDataFrame
        One point per year (the centres), with the ``centres`` columns.
    trajectory : GeoDataFrame
        One line per consecutive year pair: ``year_from``, ``year_to``,
        ``distance_km``, ``bearing_deg``, ``direction``.
    summary : dict
        ``first_year``, ``last_year``, ``path_km`` (sum of the steps),
        ``net_km``, ``net_bearing_deg``, ``net_direction`` (first to last),
        ``crs``, ``weighted_over`` ("region centroids ..." or "points weighted by ...").
    """

    centres: pd.DataFrame
    ellipses: object
    points: object
    trajectory: object
    summary: dict


def equal_area_crs(gdf, regions: bool) -> str:
    """The projection of the computation: China Albers for Chinese regions,
    else an Albers conic fitted to the layer (standard parallels at 1/6 and
    5/6 of its latitude range, central meridian at its middle)."""
    if regions:
        return CHINA_ALBERS
    lon0, lat0, lon1, lat1 = gdf.to_crs(4326).total_bounds
    d = (lat1 - lat0) / 6 or 1.0
    return (f"+proj=aea +lat_1={lat0 + d:.6f} +lat_2={lat1 - d:.6f} +lat_0={(lat0 + lat1) / 2:.6f} "
            f"+lon_0={(lon0 + lon1) / 2:.6f} +x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs")


def ellipse_arrays(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> dict:
    """Weighted mean centre, standard distance and ArcGIS standard deviational
    ellipse (1 SD) of points ``(x, y)`` with non-negative weights ``w``.

    Returns
    -------
    dict
        ``x``, ``y`` (centre), ``std_distance``, ``sigma_x``, ``sigma_y``
        (ArcGIS XStdDist, YStdDist), ``theta_deg`` (ArcGIS Rotation,
        clockwise from north, 0-180), ``major``, ``minor``, ``area`` (units
        of ``x``, ``y``; area their square).  Formulas in the module docstring.
    """
    x, y, w = (np.asarray(a, dtype=float) for a in (x, y, w))
    sw = float(w.sum())
    xc = float(w @ x) / sw
    yc = float(w @ y) / sw
    xt, yt = x - xc, y - yc
    sxx, syy, sxy = float(w @ (xt * xt)), float(w @ (yt * yt)), float(w @ (xt * yt))
    A = sxx - syy
    C = 2 * sxy
    B = math.sqrt(A * A + C * C)
    if C == 0:
        theta = math.pi / 2 if A > 0 else 0.0  # E-W elongated, else N-S (or a circle)
    else:
        theta = math.atan((A + B) / C)
    ct, st = math.cos(theta), math.sin(theta)
    sig_x = math.sqrt(2) * math.sqrt(float(w @ (xt * ct - yt * st) ** 2) / sw)
    sig_y = math.sqrt(2) * math.sqrt(float(w @ (xt * st + yt * ct) ** 2) / sw)
    return {
        "x": xc, "y": yc, "std_distance": math.sqrt((sxx + syy) / sw),
        "sigma_x": sig_x, "sigma_y": sig_y, "theta_deg": math.degrees(theta) % 180.0,
        "major": max(sig_x, sig_y), "minor": min(sig_x, sig_y), "area": math.pi * sig_x * sig_y,
    }


def _direction(bearing: float) -> str:
    if not np.isfinite(bearing):
        return ""
    return _DIRECTIONS[int(((bearing % 360) + 22.5) // 45) % 8]


def ellipse_polygon(xc: float, yc: float, major: float, minor: float, rotation_deg: float,
                    n: int = 128):
    """Polygon (``n`` vertices) of the ellipse with centre ``(xc, yc)``, semi-axes
    ``major``/``minor`` and the major axis at azimuth ``rotation_deg`` (clockwise
    from north), in the units of the coordinates."""
    import shapely

    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    # axis along the azimuth rotation_deg (clockwise from north): unit (sin, cos)
    a = math.radians(rotation_deg)
    ux, uy = math.sin(a), math.cos(a)
    vx, vy = math.cos(a), -math.sin(a)
    px = xc + major * np.cos(t) * ux + minor * np.sin(t) * vx
    py = yc + major * np.cos(t) * uy + minor * np.sin(t) * vy
    return shapely.Polygon(np.column_stack([px, py]))


def mean_centre(
    df: pd.DataFrame,
    zones,
    column: str,
    *,
    id_col: str,
    zone_id: str | None = None,
    year_col: str | None = "year",
    crs: str | None = None,
    points=None,
    point_zone: str | None = None,
    point_weight: str | None = None,
    sd_levels=(1, 2, 3),
    regions: bool | None = None,
) -> CentreResult:
    """Weighted mean centre (centre of gravity), trajectory and standard
    deviational ellipse of ``column`` per year.

    Parameters
    ----------
    df : DataFrame
        Long table ``id_col``, optional ``year_col``, ``column`` (the weight:
        non-negative, any unit, e.g. ICE in t CO2).  Not modified.
    zones : GeoDataFrame
        Region polygons (any CRS) with ``zone_id`` (default ``id_col``).
    crs : str, optional
        Projection of the computation (default: :func:`equal_area_crs`).
    points : GeoDataFrame, optional
        Population-weighted points (e.g. settlements with population): each
        region's value is shared among its points in proportion to
        ``point_weight`` and the centre is taken over the points.
        ``point_zone`` names the points' region id field.
    sd_levels : sequence of {1, 2, 3}
        Ellipses to draw (ArcGIS's Ellipse Size).
    regions : bool, optional
        Ids are Chinese region codes or names (default: guessed from the ids).

    Returns
    -------
    CentreResult

    Raises
    ------
    InputError
        Missing columns, negative values, a year whose weights sum to 0,
        fewer than 3 units with positive weight, ids of the table missing
        from the zones, regions without points.
    MissingDataError
        Empty values in ``column``.
    """
    import geopandas as gpd
    import shapely
    from pyproj import Geod

    from . import weights as _w

    for c in (id_col, column):
        if c not in df.columns:
            raise InputError(f"table has no column {c!r} (columns: {', '.join(map(str, df.columns))})")
    zone_id = zone_id or id_col
    if zone_id not in zones.columns:
        raise InputError(f"zones have no field {zone_id!r}")
    if zones.crs is None:
        raise InputError("the zones have no CRS; set it (e.g. EPSG:4326) before computing centres")
    vals = df[column]
    if pd.api.types.is_bool_dtype(vals) or not pd.api.types.is_numeric_dtype(vals):
        raise InputError(f"column {column!r} is not numeric (dtype {vals.dtype})")
    if regions is None:
        regions = _w._looks_like_regions(df[id_col], id_col)
    ids = normalise_ids(df[id_col], regions=regions, where=f"table column {id_col!r}")
    zids = normalise_ids(zones[zone_id], regions=regions, where=f"zones field {zone_id!r}")
    crs = crs or equal_area_crs(zones, regions)
    zp = zones.to_crs(crs)
    cent = shapely.centroid(zp.geometry.to_numpy())
    zx = pd.Series(shapely.get_x(cent), index=zids)
    zy = pd.Series(shapely.get_y(cent), index=zids)
    if zx.index.duplicated().any():
        raise InputError(f"zones repeat ids in {zone_id!r}: {show(sorted(set(zx.index[zx.index.duplicated()])))}")
    missing = sorted(set(ids.tolist()) - set(zids.tolist()), key=str)
    if missing:
        raise InputError(f"{len(missing)} id(s) of the table are not in the zones: {show(missing)}")
    has_year = year_col is not None and year_col in df.columns
    t = pd.DataFrame({"id": ids, "year": df[year_col].to_numpy() if has_year else 0,
                      "v": vals.to_numpy(dtype=float, na_value=np.nan)})
    if t["v"].isna().any():
        bad = t[t["v"].isna()][["id", "year"]].values.tolist()[:10]
        raise MissingDataError(f"{int(t['v'].isna().sum())} empty value(s) in {column!r}, e.g. {bad}; "
                               "the centre needs a weight for every region (fill them or drop the rows)")
    if (t["v"] < 0).any():
        bad = t[t["v"] < 0][["id", "year"]].values.tolist()[:10]
        raise InputError(f"column {column!r} has negative values {bad}; centre weights must be >= 0")
    if t.duplicated(["id", "year"]).any():
        raise InputError("the table repeats id-years; each region must appear once per year")
    if points is not None:
        if point_zone is None or point_weight is None:
            raise InputError("points need point_zone (their region id field) and point_weight")
        for c in (point_zone, point_weight):
            if c not in points.columns:
                raise InputError(f"points have no field {c!r}")
        pp = points.to_crs(crs)
        pz = normalise_ids(pp[point_zone], regions=regions, where=f"points field {point_zone!r}")
        pw = pd.to_numeric(pp[point_weight], errors="coerce").to_numpy(dtype=float)
        if np.isnan(pw).any() or (pw < 0).any():
            raise InputError(f"points field {point_weight!r} must hold non-negative numbers")
        pts = pd.DataFrame({"id": pz, "px": shapely.get_x(pp.geometry.to_numpy()),
                            "py": shapely.get_y(pp.geometry.to_numpy()), "pw": pw})
        tot = pts.groupby("id")["pw"].transform("sum")
        pts["share"] = np.where(tot > 0, pts["pw"] / tot.where(tot > 0, 1), 0.0)
        lacking = sorted(set(ids.tolist()) - set(pts.loc[pts["share"] > 0, "id"].tolist()), key=str)
        if lacking:
            raise InputError(f"{len(lacking)} region(s) have no point with positive {point_weight!r}: "
                             f"{show(lacking)}; add points or compute over region centroids")
        basis = f"points weighted by {point_weight}"
    else:
        basis = "region centroids (equal-area projection)"
    geod = Geod(ellps="WGS84")
    from pyproj import Transformer

    to_ll = Transformer.from_crs(crs, 4326, always_xy=True)
    rows, ell_rows, ell_geoms = [], [], []
    prev = None
    years = sorted(pd.unique(t["year"]).tolist())
    for yy in years:
        s = t[t["year"] == yy]
        if points is not None:
            m = pts.merge(s[["id", "v"]], on="id")
            x, y, wt = m["px"].to_numpy(), m["py"].to_numpy(), (m["v"] * m["share"]).to_numpy()
        else:
            x, y, wt = zx.loc[s["id"]].to_numpy(), zy.loc[s["id"]].to_numpy(), s["v"].to_numpy()
        npos = int((wt > 0).sum())
        if wt.sum() <= 0:
            raise InputError(f"{column!r} sums to 0 in {yy}: the centre of zero weights is undefined; "
                             "drop that year or use another column")
        if npos < 3:
            raise InputError(f"{column!r} is positive for only {npos} unit(s) in {yy}; the centre and "
                             "ellipse need at least 3")
        e = ellipse_arrays(x, y, wt)
        lon, lat = to_ll.transform(e["x"], e["y"])
        r = {"year": yy, "variable": column, "n": npos, "total": float(wt.sum()),
             "x_m": e["x"], "y_m": e["y"], "lon": lon, "lat": lat}
        if prev is None:
            r.update(distance_km=np.nan, bearing_deg=np.nan, direction="", dx_km=np.nan, dy_km=np.nan)
        else:
            az, _, dist = geod.inv(prev["lon"], prev["lat"], lon, lat)
            r.update(distance_km=dist / 1000, bearing_deg=(az % 360) if dist > 0 else np.nan,
                     direction=_direction(az) if dist > 0 else "",
                     dx_km=(e["x"] - prev["x_m"]) / 1000, dy_km=(e["y"] - prev["y_m"]) / 1000)
        r.update(std_distance_km=e["std_distance"] / 1000, sigma_x_km=e["sigma_x"] / 1000,
                 sigma_y_km=e["sigma_y"] / 1000, major_km=e["major"] / 1000,
                 minor_km=e["minor"] / 1000, rotation_deg=e["theta_deg"], area_km2=e["area"] / 1e6,
                 flattening=1 - e["minor"] / e["major"] if e["major"] > 0 else np.nan)
        rows.append(r)
        prev = r
        for k in sd_levels:
            if k not in (1, 2, 3):
                raise InputError(f"sd levels must be 1, 2 or 3 (ArcGIS's ellipse sizes), got {k!r}")
            ell_rows.append({"year": yy, "variable": column, "sd": int(k), "x_m": e["x"], "y_m": e["y"],
                             "major_km": k * e["major"] / 1000, "minor_km": k * e["minor"] / 1000,
                             "rotation_deg": e["theta_deg"], "area_km2": k * k * e["area"] / 1e6})
            ell_geoms.append(ellipse_polygon(e["x"], e["y"], k * e["major"], k * e["minor"],
                                              e["theta_deg"]))
    centres = pd.DataFrame(rows)
    centres["crs"] = crs
    centres["weighted_over"] = basis
    if not has_year:
        centres = centres.drop(columns="year")
    ellipses = gpd.GeoDataFrame(pd.DataFrame(ell_rows), geometry=ell_geoms, crs=crs)
    pts_out = gpd.GeoDataFrame(centres.copy(), geometry=shapely.points(centres["x_m"], centres["y_m"]),
                               crs=crs)
    seg = []
    for a, b in zip(rows[:-1], rows[1:]):
        seg.append({"year_from": a["year"], "year_to": b["year"], "variable": column,
                    "distance_km": b["distance_km"], "bearing_deg": b["bearing_deg"],
                    "direction": b["direction"],
                    "geometry": shapely.LineString([(a["x_m"], a["y_m"]), (b["x_m"], b["y_m"])])})
    traj = gpd.GeoDataFrame(pd.DataFrame(seg, columns=["year_from", "year_to", "variable", "distance_km",
                                                       "bearing_deg", "direction", "geometry"]),
                            geometry="geometry", crs=crs)
    first, last = rows[0], rows[-1]
    az, _, net = geod.inv(first["lon"], first["lat"], last["lon"], last["lat"])
    summary = {
        "first_year": _py(first["year"]), "last_year": _py(last["year"]),
        "path_km": float(np.nansum(centres["distance_km"])), "net_km": net / 1000,
        "net_bearing_deg": float(az % 360) if net > 0 else None,
        "net_direction": _direction(az) if net > 0 else "", "crs": crs, "weighted_over": basis,
    }
    return CentreResult(centres=centres, ellipses=ellipses, points=pts_out, trajectory=traj,
                        summary=summary)


def _py(x):
    return x.item() if isinstance(x, np.generic) else x
