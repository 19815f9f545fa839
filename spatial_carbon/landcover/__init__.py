"""Land-cover class areas per zone and year, streamed from national rasters.

>>> from spatial_carbon import landcover, datasets            # doctest: +SKIP
>>> areas = landcover.class_areas(datasets.modis_landcover(),
...                               datasets.boundaries("province"), "region_code",
...                               legend="modis_igbp", years=[2019])   # doctest: +SKIP

Public API
----------
class_areas        per zone, year and class: pixels and area (hm2)
class_areas_with_summary   the same plus nodata pixels and covered fraction
get_legend, available_legends, SINK_CLASSES   legends as data
OperationCancelled raised when the ``cancel`` callback returns True

Method, pixel rule, area computation, memory model and benchmark figures:
``docs/landcover.md``.
"""

from __future__ import annotations

import logging
import os
import time
import warnings
from typing import Callable, Iterable, Mapping, NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Geod

from ..errors import DataQualityWarning, InputError
from ..units import factor
from .areas import ProjectionAreaError, crs_kind, row_areas
from .engine import GridPlan, OperationCancelled, Plan, _Reducer, execute, windows_for
from .inputs import NO_YEAR, read_zones, resolve_rasters, zone_labels
from .legends import SINK_CLASSES, Legend, get_legend
from .legends import available as available_legends

__all__ = [
    "class_areas", "class_areas_with_summary", "ClassAreas", "get_legend", "available_legends",
    "SINK_CLASSES", "Legend", "OperationCancelled", "ProjectionAreaError",
]

_M2_TO_HM2 = factor("m2", "hm2")
_log = logging.getLogger(__name__)
PIXEL_RULES = ("centre", "all_touched", "fraction")
#: Jobs reading fewer pixels than this use the numpy kernel (no JIT start-up).
NUMBA_MIN_PIXELS = 8 * 1024 * 1024


class ClassAreas(NamedTuple):
    """Result of :func:`class_areas_with_summary`.

    areas : DataFrame
        ``zone, year, class, class_name, sink_class, pixels, area_hm2``.
    summary : DataFrame
        One row per zone and year: ``zone, year, class_pixels, nodata_pixels,
        unknown_pixels, area_hm2, nodata_area_hm2, zone_area_hm2,
        covered_fraction, note`` (``"no pixel"``, ``"all nodata"`` or empty;
        both cases are also warned about, naming the zones).
    """

    areas: pd.DataFrame
    summary: pd.DataFrame


def class_areas(
    rasters,
    zones: gpd.GeoDataFrame | str | os.PathLike,
    zone_field: str,
    *,
    legend: str | os.PathLike | pd.DataFrame | Legend = "clcd",
    years: Iterable[int] | None = None,
    sink_mapping: Mapping[int | str, str] | None = None,
    pixel_rule: str = "centre",
    supersample: int | None = None,
    unknown: str = "error",
    projected_area: str = "refuse",
    workers: int | None = None,
    executor: str = "thread",
    scheduler=None,
    engine: str = "auto",
    progress: Callable[[int, int], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> pd.DataFrame:
    """Area of every land-cover class per zone and year (tidy table).

    Parameters
    ----------
    rasters
        One file, a list, a folder, a pattern with ``{year}`` in the file name
        (``"CLCD_v01_{year}_albert.tif"``), a glob, or ``{year: path or
        [tiles]}``.  Several files of one year are tiles (VRTs work too); years
        may have different extents and CRSs.
    zones : GeoDataFrame or path
        Polygons in any CRS (reprojected to each raster's CRS; the raster is
        never resampled).  ``"file.gpkg|layername=NAME"`` selects a layer
        (:func:`spatial_carbon.layers.read`).
    zone_field : str
        Field naming the zones; features sharing a value form one zone.
    legend : str, path, DataFrame or Legend
        ``"clcd"`` (default), ``"modis_igbp"``, ``"esa_worldcover"``,
        ``"globeland30"``, or a CSV/table ``value, class_name, sink_class``.
    years : iterable of int, optional
        Years to keep; assigns years to files whose names carry none.  A
        single raster without a year in its name and no ``years`` (as QGIS's
        zonal histogram) gives rows with an empty ``year`` (``<NA>``, an
        empty cell in CSV); give the year to feed the sinks.
    sink_mapping : mapping, optional
        Edits of the legend's sink classes, e.g. ``{3: "forest"}``.
    pixel_rule : {"centre", "all_touched", "fraction"}
        ``centre`` (default, as QGIS and rasterio): a pixel belongs to the
        zone containing its centre.  ``all_touched``: every pixel the zone
        touches counts fully (neighbouring zones share edge pixels, totals
        exceed the zone area).  ``fraction``: exact coverage, a pixel counts
        by the exact area of its intersection with the zone (interior pixels
        1, boundary pixels their fraction; the quantity exactextract calls
        coverage fraction, tested equal to its ``frac x count``);
        ``pixels`` is then fractional.  Use ``fraction`` for small zones
        (counties, towns, reserves) where the centre rule's edge error
        matters.
    supersample : int, optional
        Deprecated and ignored: the fraction rule is exact now (it used to
        be estimated on a sub-grid).
    unknown : {"error", "nodata"}
        Raster values missing from the legend: raise (default; the message
        lists the values and pixel counts) or count them as nodata with a
        :class:`~spatial_carbon.errors.DataQualityWarning`.
    projected_area : {"refuse", "nominal"}
        Projected CRSs that are not equal-area: refuse (default) or accept
        the nominal pixel area.
    workers : int, optional
        Threads or processes (or Dask workers for ``scheduler="local"``);
        default all cores.
    executor : {"thread", "process"}
        Local executor.  ``"thread"`` (default): GDAL's decoding and the
        numba kernels release the GIL, so threads scale like processes and
        start faster (no fork, no pickling of the plan).
        ``"process"``: a forked process pool.
    scheduler : str or distributed.Client, optional
        Run on ``dask.distributed``: a Client, a scheduler address
        (``"tcp://host:8786"``) or ``"local"`` (a LocalCluster for this call).
        Raster paths must be readable by the workers.
    engine : {"auto", "numba", "numpy"}
        Counting kernel; ``auto`` uses numba for windows >= 256 kpx.
    progress : callable(done, total), optional
        Called after each window task.
    cancel : callable() -> bool, optional
        Polled between tasks; returning True raises :class:`OperationCancelled`.

    Returns
    -------
    pandas.DataFrame
        ``zone, year, class, class_name, sink_class, pixels, area_hm2``; one row
        per zone, year and legend class (zeros included), sorted by zone order,
        year and class value.  ``area_hm2`` in hectares (hm2).

    Raises
    ------
    CRSError
        Raster or zones without CRS; non-equal-area projected raster
        (:class:`ProjectionAreaError`).
    InputError
        Zones not overlapping a raster ("are they in different CRSs?"),
        unknown legend values, bad parameters.
    RasterError
        Unreadable or truncated file, overlapping tiles of one year.
    MissingDataError
        Requested years without raster.

    Notes
    -----
    Area of a class in a zone = sum over its pixels of the pixel area: the
    nominal ``|det(transform)|`` in an equal-area CRS, the exact ellipsoidal
    area of the lat/lon cell per row in a geographic CRS
    (:func:`spatial_carbon.landcover.areas.cell_area`); with
    ``pixel_rule="fraction"`` each pixel's area is weighted by its exact
    coverage (:mod:`spatial_carbon.landcover._coverage`).  We did not use
    exactextract (the same exact coverage fractions, but several times
    slower here, per zone over its bounding box, with memory that grows with
    the zones' boxes), rasterstats (reads each zone's bounding box whole) or
    QGIS's zonal histogram (80-110x slower); see ``benchmarks/landcover.py``,
    ``benchmarks/landcover_national.py`` and ``docs/landcover.md``.
    """
    return class_areas_with_summary(
        rasters, zones, zone_field, legend=legend, years=years, sink_mapping=sink_mapping,
        pixel_rule=pixel_rule, supersample=supersample, unknown=unknown,
        projected_area=projected_area, workers=workers, executor=executor,
        scheduler=scheduler, engine=engine, progress=progress, cancel=cancel,
        _zone_areas=False,
    ).areas


def class_areas_with_summary(
    rasters,
    zones,
    zone_field: str,
    *,
    legend="clcd",
    years=None,
    sink_mapping=None,
    pixel_rule: str = "centre",
    supersample: int | None = None,
    unknown: str = "error",
    projected_area: str = "refuse",
    workers: int | None = None,
    executor: str = "thread",
    scheduler=None,
    engine: str = "auto",
    progress=None,
    cancel=None,
    _zone_areas: bool = True,
) -> ClassAreas:
    """:func:`class_areas` plus a per zone-year summary (nodata, covered fraction).

    Same parameters as :func:`class_areas`.  The summary's
    ``covered_fraction = area_hm2 / zone_area_hm2``: the classified
    (non-nodata) pixel area over the zone's ellipsoidal area (WGS84,
    :meth:`pyproj.Geod.geometry_area_perimeter`).  It is below 1 where the
    zone has nodata pixels or lies partly outside the raster, and can exceed 1
    by the edge-pixel error of the pixel rule.
    """
    if pixel_rule in ("center",):
        pixel_rule = "centre"
    if pixel_rule not in PIXEL_RULES:
        raise InputError(f"pixel_rule must be one of {', '.join(PIXEL_RULES)}, got {pixel_rule!r}")
    if unknown not in ("error", "nodata"):
        raise InputError(f"unknown must be 'error' or 'nodata', got {unknown!r}")
    if projected_area not in ("refuse", "nominal"):
        raise InputError(f"projected_area must be 'refuse' or 'nominal', got {projected_area!r}")
    if engine not in ("auto", "numba", "numpy"):
        raise InputError(f"engine must be 'auto', 'numba' or 'numpy', got {engine!r}")
    if executor not in ("process", "thread"):
        raise InputError(f"executor must be 'process' or 'thread', got {executor!r}")
    if supersample is not None:
        warnings.warn("supersample is deprecated and ignored: pixel_rule='fraction' computes "
                      "exact coverage fractions", DeprecationWarning, stacklevel=3)

    t0 = time.perf_counter()
    leg = get_legend(legend, sink_mapping)
    classes = leg.classes
    nslots = len(classes) + 2  # classes, nodata, unknown
    infos = resolve_rasters(rasters, years)
    if engine != "numpy" and sum(i.width * i.height for i in infos) >= NUMBA_MIN_PIXELS:
        from . import _kernels

        # overlap numba's start-up with the planning and the first windows
        _kernels.warm_async(sorted({i.dtype for i in infos}), pixel_rule == "all_touched",
                            pixel_rule == "fraction")
    zones = read_zones(zones, zone_field)
    labels, ids = zone_labels(zones, zone_field)
    nzones = len(labels)

    year_list = sorted({i.year for i in infos})
    grids: dict[tuple, GridPlan] = {}
    year_index: dict[tuple, list[int]] = {}
    blocks: dict[tuple, tuple] = {}
    reproj: dict[str, np.ndarray] = {}
    for info in infos:
        key = info.grid_key
        if key not in grids:
            crs = CRS.from_wkt(info.crs_wkt)
            if info.crs_wkt not in reproj:
                reproj[info.crs_wkt] = _zones_in(zones, crs, ids, nzones)
            geoms = reproj[info.crs_wkt]
            kind = crs_kind(crs)
            # raises ProjectionAreaError early for non-equal-area projected CRSs
            ra = row_areas(crs, info.affine, 0, 1, projected_area=projected_area, where=info.path)
            grids[key] = GridPlan(
                crs_wkt=info.crs_wkt, transform=info.transform, width=info.width,
                height=info.height, rasters=[], geoms=geoms, ids=np.arange(1, nzones + 1),
                per_row=(kind == "geographic"), nominal_area=float(ra[0]),
                projected_area=projected_area,
            )
            year_index[key] = []
            blocks[key] = info.block
        lut, offset = leg.lookup(np.dtype(info.dtype), info.nodata)
        grids[key].rasters.append((info.year, info.path, lut, offset))
        year_index[key].append(year_list.index(info.year))

    keys = list(grids)
    plan = Plan(grids=[grids[kk] for kk in keys], nzones=nzones, nslots=nslots,
                pixel_rule=pixel_rule, engine=engine,
                dtypes=tuple(sorted({i.dtype for i in infos})))
    overlapping_years = set()
    for gi, kk in enumerate(keys):
        wins = windows_for(grids[kk], blocks[kk])
        if wins:
            overlapping_years.update(r[0] for r in grids[kk].rasters)
        plan.tasks += [(gi, *w) for w in wins]
    no_overlap = [y for y in year_list if y not in overlapping_years]
    if no_overlap:
        some = next(i for i in infos if i.year == no_overlap[0])
        zb = tuple(round(v, 4) for v in gpd.GeoSeries(reproj[some.crs_wkt]).total_bounds)
        rb = tuple(round(v, 4) for v in some.bounds)
        raise InputError(
            f"the zones do not overlap the raster of year(s) {no_overlap} ({some.path}): zones "
            f"span {zb}, the raster {rb} in the raster's CRS. Are they in different CRSs? "
            "Check the CRS declared for the zones and for the raster"
        )

    if engine == "auto":
        # numba's first call in a process costs ~0.3 s of CPU (its start-up, even
        # from its on-disk cache): only worth it for big jobs; numpy is exact below
        from . import _kernels

        plan.engine = "numba" if _kernels.HAVE_NUMBA and plan.work_pixels >= NUMBA_MIN_PIXELS \
            else "numpy"
    reducer = _Reducer(plan, len(year_list), [year_index[kk] for kk in keys])
    t1 = time.perf_counter()
    _log.debug("planned %d tasks, %.0f Mpx to read, engine %s in %.2f s", len(plan.tasks),
               plan.work_pixels / 1e6, plan.engine, t1 - t0)
    execute(plan, reducer, workers=workers, executor=executor, scheduler=scheduler,
            progress=progress, cancel=cancel)

    # unknown legend values
    unk = {year_list[i]: u for i, u in enumerate(reducer.unknown) if u}
    if unk:
        desc = "; ".join(
            f"{y}: " + ", ".join(f"value {v} ({n:,} px)" for v, n in sorted(u.items()))
            for y, u in unk.items()
        )
        msg = (f"raster values not in legend {leg.name!r} inside the zones: {desc}. "
               "Choose the right legend, or add these values to a legend CSV (legend=PATH)")
        if unknown == "error":
            raise InputError(msg)
        warnings.warn(msg + "; counted as nodata", DataQualityWarning, stacklevel=2)

    t2 = time.perf_counter()
    out = _frames(reducer, plan, labels, ids, zones if _zone_areas else None, year_list, leg)
    _log.debug("counted in %.2f s, tables in %.2f s", t2 - t1, time.perf_counter() - t2)
    if year_list == [NO_YEAR]:  # one raster without a year: the year column is empty
        out = ClassAreas(*(f.assign(year=pd.array([pd.NA] * len(f), dtype="Int64"))
                           for f in out))
    return out


def _zones_in(zones: gpd.GeoDataFrame, crs: CRS, ids: np.ndarray, nzones: int) -> np.ndarray:
    """One geometry per zone, reprojected to ``crs`` and repaired (shapely array).

    Features sharing a label are dissolved (their overlaps would otherwise
    cancel under the even-odd scanline rule).
    """
    z = zones.geometry
    if not z.crs.equals(crs):
        z = z.to_crs(crs)
    g = _repaired(np.asarray(z.values, dtype=object))
    if len(g) == nzones:
        out = np.empty(nzones, dtype=object)
        out[ids - 1] = g
        return out
    out = np.empty(nzones, dtype=object)
    for zid in range(1, nzones + 1):
        parts = g[ids == zid]
        out[zid - 1] = parts[0] if len(parts) == 1 else shapely.union_all(parts)
    return out


def _repaired(g: np.ndarray) -> np.ndarray:
    """Zone geometries as counted: missing ones empty, invalid ones (e.g. a
    self-intersecting "bow tie") repaired with ``shapely.make_valid``."""
    g = np.where(shapely.is_missing(g), shapely.Polygon(), g)
    return np.where(shapely.is_valid(g), g, shapely.make_valid(g))


def _zone_areas_m2(zones: gpd.GeoDataFrame, nzones: int, ids: np.ndarray) -> np.ndarray:
    """Ellipsoidal area of each zone as counted (the repaired shape, see :func:`_repaired`)."""
    geod = Geod(ellps="WGS84")
    g = zones.geometry.to_crs("EPSG:4326") if not zones.crs.equals(CRS("EPSG:4326")) else zones.geometry
    a = np.zeros(nzones + 1)
    for zid, geom in zip(ids, _repaired(np.asarray(g.values, dtype=object))):
        if geom is None or geom.is_empty:
            continue
        if geom.geom_type == "GeometryCollection":
            geom = shapely.union_all([p for p in geom.geoms if p.geom_type.endswith("Polygon")])
        a[zid] += abs(geod.geometry_area_perimeter(geom)[0])
    return a[1:]


def _frames(reducer, plan, labels, ids, zones, year_list, leg) -> ClassAreas:
    classes = leg.classes
    ncls = len(classes)
    nz, ns, ny = plan.nzones, plan.nslots, len(year_list)
    counts = reducer.counts.reshape(ny, nz, ns)
    areas = reducer.areas.reshape(ny, nz, ns) * _M2_TO_HM2
    pix = counts[:, :, :ncls].transpose(1, 0, 2)  # zone, year, class
    ar = areas[:, :, :ncls].transpose(1, 0, 2)
    zi, yi, ci = np.meshgrid(np.arange(nz), np.arange(ny), np.arange(ncls), indexing="ij")
    zi, yi, ci = zi.ravel(), yi.ravel(), ci.ravel()
    df = pd.DataFrame({
        "zone": labels.take(zi).to_numpy(),
        "year": np.asarray(year_list, dtype=np.int64)[yi],
        "class": classes["value"].to_numpy()[ci],
        "class_name": classes["class_name"].to_numpy()[ci],
        "sink_class": classes["sink_class"].to_numpy()[ci],
        "pixels": pix.ravel(),
        "area_hm2": ar.ravel(),
    })
    # the geodesic zone areas cost ~0.1 s per 100 zones: only for the summary
    zone_area = (_zone_areas_m2(zones, nz, ids) * _M2_TO_HM2 if zones is not None
                 else np.full(nz, np.nan))
    cls_px = pix.sum(axis=2)
    nod_px = counts[:, :, ncls].T
    unk_px = counts[:, :, ncls + 1].T
    cls_ar = ar.sum(axis=2)
    nod_ar = (areas[:, :, ncls] + areas[:, :, ncls + 1]).T
    zz, yy = np.meshgrid(np.arange(nz), np.arange(ny), indexing="ij")
    zz, yy = zz.ravel(), yy.ravel()
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(zone_area[zz] > 0, cls_ar.ravel() / zone_area[zz], np.nan)
    summary = pd.DataFrame({
        "zone": labels.take(zz).to_numpy(),
        "year": np.asarray(year_list, dtype=np.int64)[yy],
        "class_pixels": cls_px.ravel(),
        "nodata_pixels": nod_px.ravel(),
        "unknown_pixels": unk_px.ravel(),
        "area_hm2": cls_ar.ravel(),
        "nodata_area_hm2": nod_ar.ravel(),
        "zone_area_hm2": zone_area[zz],
        "covered_fraction": frac,
    })
    no_pixel = (summary["class_pixels"] == 0) & (summary["nodata_pixels"] == 0)
    all_nodata = (summary["class_pixels"] == 0) & (summary["nodata_pixels"] > 0)
    summary["note"] = np.where(no_pixel, "no pixel", np.where(all_nodata, "all nodata", ""))
    if no_pixel.any():
        warnings.warn(
            f"{_zone_years(summary[no_pixel], 'got no pixel')}: outside the raster or smaller "
            "than a pixel; use pixel_rule='fraction' for zones of a few pixels",
            DataQualityWarning, stacklevel=3,
        )
    if all_nodata.any():
        warnings.warn(
            f"{_zone_years(summary[all_nodata], 'have only nodata pixels')}, so all their "
            "class areas are 0; check the raster's coverage and nodata value for these zones",
            DataQualityWarning, stacklevel=3,
        )
    return ClassAreas(df, summary)


def _zone_years(rows: pd.DataFrame, what: str, n: int = 10) -> str:
    """'2 zone(s) <what> (A, B) in 2018, 2019' for a summary subset (names shortened)."""
    from ..errors import show

    names = sorted({show(z, 40, quote=False) for z in rows["zone"]})
    years = ", ".join(str(int(y)) for y in sorted(set(rows["year"])))
    more = ", ..." if len(names) > n else ""
    return f"{len(names)} zone(s) {what} ({', '.join(names[:n])}{more}) in {years}"

