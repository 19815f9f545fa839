"""Pixel areas on the ellipsoid, by the kind of the raster's CRS.

* Equal-area projected CRS (Albers, Lambert azimuthal equal area, ...):
  every pixel has the nominal area ``|det(transform)| x unit^2``.
* Geographic CRS (degrees): a pixel is a cell bounded by two meridians and two
  parallels; its area depends on latitude only, so it is computed once per
  row with the exact ellipsoidal formula below.  ``count x 900 m2`` would be
  wrong by up to ~30 % across China (cos 18 deg vs cos 53 deg).
* Any other projected CRS (UTM, Web Mercator, Lambert conformal, ...): pixel
  areas are distorted by the projection's areal scale factor, which varies
  across the raster.  We refuse such rasters (:class:`ProjectionAreaError`,
  message gives the distortion measured with :meth:`pyproj.Proj.get_factors`)
  unless the caller accepts nominal areas with ``projected_area="nominal"``.
  Reprojecting a categorical raster to an equal-area CRS (nearest neighbour)
  is the user's explicit choice, not something we do behind their back.
"""

from __future__ import annotations

import numpy as np
from affine import Affine
from pyproj import CRS, Proj

from ..errors import CRSError

#: Projection method names (PROJ/EPSG spelling, lower case) that preserve area.
_EQUAL_AREA_METHODS = (
    "albers equal area", "lambert azimuthal equal area", "lambert cylindrical equal area",
    "equal earth", "mollweide", "sinusoidal", "goode homolosine", "eckert iv", "eckert vi",
    "behrmann", "interrupted goode homolosine", "quartic authalic",
)


class ProjectionAreaError(CRSError):
    """The raster's projected CRS is not equal-area (pixel areas vary)."""


def crs_kind(crs: CRS) -> str:
    """``"geographic"``, ``"equal_area"`` or ``"other"`` (another projected CRS)."""
    crs = CRS.from_user_input(crs)
    if crs.is_geographic:
        return "geographic"
    if crs.is_projected:
        op = crs.coordinate_operation
        method = (op.method_name if op is not None else "").lower()
        if any(m in method for m in _EQUAL_AREA_METHODS):
            return "equal_area"
        return "other"
    raise CRSError(f"CRS {crs.name!r} is neither geographic nor projected; cannot compute areas")


def _ellipsoid(crs: CRS) -> tuple[float, float]:
    ell = crs.ellipsoid
    if ell is None:  # pragma: no cover - every geographic CRS has one
        raise CRSError(f"CRS {crs.name!r} has no ellipsoid")
    return float(ell.semi_major_metre), float(ell.semi_minor_metre)


def _authalic_f(phi: np.ndarray, e: float) -> np.ndarray:
    s = np.sin(phi)
    if e == 0.0:
        return 2.0 * s
    return s / (1.0 - e * e * s * s) + np.log((1.0 + e * s) / (1.0 - e * s)) / (2.0 * e)


def cell_area(lat1, lat2, dlon_deg, a: float = 6378137.0, b: float = 6356752.314245179):
    """Area (m2) of the cell between two parallels and two meridians.

    Parameters
    ----------
    lat1, lat2 : float or array
        Latitudes of the two parallels, degrees (any order).
    dlon_deg : float
        Longitude width, degrees.
    a, b : float
        Semi-major and semi-minor axes, metres (default WGS84).

    Notes
    -----
    Exact on the ellipsoid of revolution (e.g. Snyder 1987, *Map Projections:
    A Working Manual*, USGS PP 1395, eq. 3-12 for q):

    ``A = (b^2 dlon / 2) |f(phi2) - f(phi1)|``, with
    ``f(phi) = sin(phi)/(1 - e^2 sin^2 phi) + ln((1 + e sin phi)/(1 - e sin phi))/(2e)``
    and ``e^2 = 1 - b^2/a^2``.  Checked in the tests against
    :meth:`pyproj.Geod.polygon_area_perimeter` on densified cells.
    """
    e = float(np.sqrt(max(0.0, 1.0 - (b * b) / (a * a))))
    p1 = np.radians(np.asarray(lat1, dtype=np.float64))
    p2 = np.radians(np.asarray(lat2, dtype=np.float64))
    return (b * b * np.radians(abs(dlon_deg)) / 2.0) * np.abs(_authalic_f(p2, e) - _authalic_f(p1, e))


def _linear_unit_m(crs: CRS) -> float:
    for ax in crs.axis_info:
        if ax.unit_conversion_factor:
            return float(ax.unit_conversion_factor)
    return 1.0  # pragma: no cover


def check_transform(transform: Affine, where: str) -> None:
    """Refuse rotated / sheared rasters (rows must follow parallels/grid rows)."""
    if transform.b != 0 or transform.d != 0:
        from ..errors import RasterError

        raise RasterError(
            f"{where}: rotated or sheared raster (geotransform {tuple(transform)[:6]}); "
            "warp it to a north-up grid first (gdalwarp)"
        )


def row_areas(
    crs: CRS, transform: Affine, row_start: int, nrows: int, *, projected_area: str = "refuse",
    where: str = "raster",
) -> np.ndarray:
    """Area in m2 of one pixel in each of rows ``row_start .. row_start+nrows-1``.

    Parameters
    ----------
    crs, transform
        The raster's CRS and affine transform (north-up).
    projected_area : {"refuse", "nominal"}
        What to do in a projected CRS that is not equal-area (see module doc).

    Returns
    -------
    numpy.ndarray of float64, shape (nrows,)

    Raises
    ------
    ProjectionAreaError
        Projected, not equal-area, and ``projected_area="refuse"``.
    """
    crs = CRS.from_user_input(crs)
    kind = crs_kind(crs)
    if kind == "geographic":
        ang = crs.axis_info[0].unit_conversion_factor or np.pi / 180
        deg = np.degrees(ang)  # CRS unit -> degrees
        rows = np.arange(row_start, row_start + nrows, dtype=np.float64)
        lat_top = (transform.f + rows * transform.e) * deg
        lat_bot = (transform.f + (rows + 1) * transform.e) * deg
        a, b = _ellipsoid(crs)
        return cell_area(lat_top, lat_bot, transform.a * deg, a, b)
    unit = _linear_unit_m(crs)
    nominal = abs(transform.a * transform.e - transform.b * transform.d) * unit * unit
    if kind == "other" and projected_area != "nominal":
        raise ProjectionAreaError(
            f"{where}: CRS {crs.name!r} is projected but not equal-area, so pixel areas vary "
            f"across the raster ({_distortion_text(crs, transform, row_start, nrows)}). "
            "Use the equal-area version of the data (e.g. CLCD *_albert.tif) or the "
            "geographic one, or pass projected_area='nominal' to accept nominal pixel areas"
        )
    return np.full(nrows, nominal, dtype=np.float64)


def _distortion_text(crs: CRS, transform: Affine, row_start: int, nrows: int) -> str:
    try:
        p = Proj(crs)
        xs = transform.c + transform.a * np.array([0.5, 0.5, 0.5])
        ys = transform.f + transform.e * (row_start + np.array([0.5, nrows / 2, nrows - 0.5]))
        lon, lat = p(xs, ys, inverse=True)
        f = p.get_factors(lon, lat)
        s = np.asarray(f.areal_scale, dtype=float)
        s = s[np.isfinite(s)]
        if s.size:
            return f"areal scale {s.min():.4f}..{s.max():.4f} along the first column"
    except Exception:  # pragma: no cover - diagnostic only
        pass
    return "areal scale unknown"
