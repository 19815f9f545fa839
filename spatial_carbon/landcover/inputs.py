"""Resolve raster and zone inputs (I/O layer: the only place that opens paths).

Rasters can be given as one file, a list, a folder, a pattern with ``{year}``
in the file name (``CLCD_v01_{year}_albert.tif``), a glob, or a mapping
``{year: path or [tile paths]}``.  Several files of the same year are tiles
(they must not overlap; build a VRT for overlapping mosaics).  Headers are
read and checked here; pixels are read later, window by window.
"""

from __future__ import annotations

import glob
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
from affine import Affine
from rasterio.errors import RasterioIOError

from ..errors import CRSError, InputError, MissingDataError, RasterError, show

_RASTER_EXT = (".tif", ".tiff", ".vrt", ".img", ".gtiff")
#: Year of a single raster whose name carries none and for which no year was
#: given (as QGIS's zonal histogram, which asks for none): the output's
#: ``year`` column is empty (NA) for it.
NO_YEAR = -1
_YEAR_RE = re.compile(r"(?<!\d)(1[89]\d\d|20\d\d|21\d\d)(?!\d)")


@dataclass(frozen=True)
class RasterInfo:
    """Header of one land-cover raster (one year, possibly one tile)."""

    path: str
    year: int
    crs_wkt: str
    transform: tuple
    width: int
    height: int
    dtype: str
    nodata: float | None
    block: tuple[int, int]

    @property
    def grid_key(self) -> tuple:
        """Rasters with equal keys share a pixel grid (zones rasterised once)."""
        return (self.crs_wkt, self.transform, self.width, self.height)

    @property
    def affine(self) -> Affine:
        return Affine(*self.transform[:6])

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        t = self.affine
        x0, y0 = t @ (0, 0)
        x1, y1 = t @ (self.width, self.height)
        return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)


def _expand(item) -> list[tuple[str, int | None]]:
    """One user item -> [(path, year from name or None)]."""
    s = os.path.expanduser(os.fspath(item))
    if "{year}" in s:
        pat = s.replace("{year}", "[12][0-9][0-9][0-9]")
        rx = re.compile(
            "^" + re.escape(os.path.basename(s)).replace(r"\{year\}", r"(\d{4})") + "$"
        )
        out = []
        for p in sorted(glob.glob(pat)):
            m = rx.match(os.path.basename(p))
            if m:
                out.append((p, int(m.group(1))))
        if not out:
            raise InputError(f"no file matches the pattern {s!r}; check the folder and the "
                             "file names (e.g. CLCD_v01_{year}_albert.tif)")
        return out
    if os.path.isdir(s):
        files = sorted(
            str(p) for p in Path(s).iterdir() if p.suffix.lower() in _RASTER_EXT and p.is_file()
        )
        if not files:
            raise InputError(f"folder {s} holds no raster (.tif/.tiff/.vrt/.img)")
        return [(p, _year_from_name(p)) for p in files]
    if any(ch in s for ch in "*?["):
        files = sorted(glob.glob(s))
        if not files:
            raise InputError(f"no file matches the pattern {s!r}; check the folder and the "
                             "file names (e.g. CLCD_v01_{year}_albert.tif)")
        return [(p, _year_from_name(p)) for p in files]
    if not os.path.exists(s):
        raise InputError(f"raster not found: {s}")
    return [(s, _year_from_name(s))]


def _year_from_name(path: str) -> int | None:
    years = {int(y) for y in _YEAR_RE.findall(os.path.basename(path))}
    return years.pop() if len(years) == 1 else None


def resolve_rasters(rasters, years: Iterable[int] | None = None) -> list[RasterInfo]:
    """Expand a raster input into checked headers, one per file, sorted by year.

    Parameters
    ----------
    rasters
        File, folder, ``{year}`` pattern, glob, list of these, or
        ``{year: path_or_list}``.
    years : iterable of int, optional
        Keep these years only (missing ones are an error).  When file names
        carry no year, ``years`` assigns them: one year for all files (tiles of
        one year) or one year per file, in order.  A single raster without a
        year and no ``years`` gets :data:`NO_YEAR` (an empty ``year`` in the
        class-area table, as QGIS's zonal histogram, which needs no year);
        several undated files without ``years`` are an error (tiles of one
        year, or different years?).

    Raises
    ------
    InputError, MissingDataError, RasterError, CRSError
    """
    pairs: list[tuple[str, int | None]] = []
    if isinstance(rasters, Mapping):
        for y, v in rasters.items():
            items = [v] if isinstance(v, (str, os.PathLike)) else list(v)
            for it in items:
                pairs += [(p, int(y)) for p, _ in _expand(it)]
    else:
        items = [rasters] if isinstance(rasters, (str, os.PathLike)) else list(rasters)
        if not items:
            raise InputError("no raster given")
        for it in items:
            pairs += _expand(it)

    want = None if years is None else [int(y) for y in ([years] if np.isscalar(years) else years)]
    if any(y is None for _, y in pairs):
        if want is None and len(pairs) == 1:
            return [read_header(pairs[0][0], NO_YEAR)]
        if want is None:
            bad = [p for p, y in pairs if y is None]
            raise InputError(
                f"cannot tell the year of {bad[0]} from its file name"
                + (f" (and {len(bad) - 1} more)" if len(bad) > 1 else "")
                + "; put the year in the name, give {year: path}, or pass years=[...] (CLI --year)"
            )
        if all(y is None for _, y in pairs):
            if len(want) == 1:
                pairs = [(p, want[0]) for p, _ in pairs]
            elif len(want) == len(pairs):
                pairs = [(p, y) for (p, _), y in zip(pairs, want)]
            else:
                raise InputError(
                    f"{len(pairs)} rasters without a year in their names but {len(want)} years "
                    f"given ({want}); give one year (tiles of one year) or one year per raster"
                )
        else:
            bad = [p for p, y in pairs if y is None]
            raise InputError(
                f"some file names carry a year and {bad[0]} does not; name every file with its year"
            )
    if want is not None:
        have = sorted({y for _, y in pairs})
        missing = sorted(set(want) - set(have))
        if missing:
            raise MissingDataError(
                f"no land-cover raster for year(s) {show(list(missing))}; rasters found for "
                f"{show(list(have))}"
            )
        pairs = [(p, y) for p, y in pairs if y in set(want)]

    seen = set()
    infos = []
    for p, y in sorted(pairs, key=lambda t: (t[1], t[0])):
        key = (os.path.realpath(p), y)
        if key in seen:
            continue
        seen.add(key)
        infos.append(read_header(p, y))
    _check_tiles(infos)
    return infos


def read_header(path: str, year: int) -> RasterInfo:
    """Open a raster's header and check it can be used.

    Raises
    ------
    RasterError
        Unreadable file, no band, rotated grid.
    CRSError
        The raster has no CRS.
    """
    try:
        with rasterio.open(path) as ds:
            if ds.count < 1:
                raise RasterError(f"{path}: raster has no band")
            if ds.crs is None:
                raise CRSError(
                    f"{path}: raster has no coordinate reference system; assign it "
                    "(gdal_edit.py -a_srs EPSG:4326 FILE, or the Albers definition of CLCD)"
                )
            t = ds.transform
            if t.b != 0 or t.d != 0:
                raise RasterError(
                    f"{path}: rotated or sheared raster; warp it to a north-up grid (gdalwarp)"
                )
            if t.e >= 0:
                raise RasterError(f"{path}: rows run south to north (positive y pixel size); "
                                  "warp it to a north-up grid (gdalwarp)")
            bh, bw = ds.block_shapes[0]
            return RasterInfo(
                path=str(path), year=int(year), crs_wkt=ds.crs.to_wkt(),
                transform=tuple(t)[:6], width=ds.width, height=ds.height,
                dtype=ds.dtypes[0], nodata=ds.nodata, block=(int(bh), int(bw)),
            )
    except RasterioIOError as exc:
        raise RasterError(
            f"{path}: not a readable raster ({exc}); check the file is complete (not truncated)"
        ) from None


def _check_tiles(infos: list[RasterInfo]) -> None:
    by_year: dict[int, list[RasterInfo]] = {}
    for i in infos:
        by_year.setdefault(i.year, []).append(i)
    for y, tiles in by_year.items():
        if len(tiles) < 2:
            continue
        for a_i, a in enumerate(tiles):
            for b in tiles[a_i + 1:]:
                if a.crs_wkt != b.crs_wkt:
                    continue  # different CRSs cannot be compared on bounds; zones decide
                ax0, ay0, ax1, ay1 = a.bounds
                bx0, by0, bx1, by1 = b.bounds
                ox = min(ax1, bx1) - max(ax0, bx0)
                oy = min(ay1, by1) - max(ay0, by0)
                px = abs(a.transform[0]) / 2
                py = abs(a.transform[4]) / 2
                if ox > px and oy > py:
                    raise RasterError(
                        f"tiles of year {y} overlap: {a.path} and {b.path}; pixels in the overlap "
                        "would be counted twice. Build a VRT (gdalbuildvrt) or pass one year's "
                        "mosaic"
                    )


def read_zones(zones, zone_field: str) -> gpd.GeoDataFrame:
    """Zones as a GeoDataFrame with checked field and CRS; a layer reference
    (``FILE``, ``FILE|layername=NAME``, ``bundled:province``) is read by
    :func:`spatial_carbon.layers.read`."""
    if isinstance(zones, (str, os.PathLike)):
        from .. import layers

        zones = layers.read(zones, where="zones")
    if not isinstance(zones, gpd.GeoDataFrame):
        raise InputError(f"zones must be a GeoDataFrame or a path, got {type(zones).__name__}")
    if zone_field not in zones.columns:
        raise InputError(
            f"zone field {zone_field!r} not in the zones; fields are "
            f"{', '.join(c for c in zones.columns if c != zones.geometry.name)}"
        )
    if zones.crs is None:
        raise CRSError(
            "the zones have no coordinate reference system; set it "
            "(GeoDataFrame.set_crs('EPSG:4326') or define the layer's CRS in QGIS)"
        )
    if zones[zone_field].isna().any():
        n = int(zones[zone_field].isna().sum())
        raise InputError(f"zone field {zone_field!r} is empty for {n} feature(s)")
    if len(zones) == 0:
        raise InputError("the zones layer has no feature")
    return zones


def zone_labels(zones: gpd.GeoDataFrame, zone_field: str) -> tuple[pd.Index, np.ndarray]:
    """Distinct zone labels (first-appearance order) and 1-based id per feature.

    Features sharing a label form one zone (multi-part zones stored as rows).
    """
    codes, uniques = pd.factorize(zones[zone_field], sort=False)
    return pd.Index(uniques), (codes + 1).astype(np.int64)
