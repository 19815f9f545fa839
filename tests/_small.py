"""Small inputs built in code, shared by the safety and bad-input tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np

ALBERS = "+proj=aea +lat_1=25 +lat_2=47 +lon_0=105 +datum=WGS84 +units=m +no_defs"


def small_landcover(folder: Path, *, name: str = "clcd_2019.tif", nodata_zone: bool = False):
    """A 40 x 40 CLCD-coded raster (30 m Albers) and a GeoPackage of two zones.

    Classes 2 (forest) and 4 (grassland) in the left and right halves; with
    ``nodata_zone`` the lower right quarter is nodata (0) and zone ``C`` lies
    entirely in it.  Returns ``(raster_path, zones_path)``.
    """
    import geopandas as gpd
    import rasterio
    from rasterio.transform import from_origin
    from shapely.geometry import box

    x0, y0, px = 500_000.0, 3_500_000.0, 30.0
    data = np.full((40, 40), 2, dtype=np.uint8)
    data[:, 20:] = 4
    if nodata_zone:
        data[20:, 20:] = 0
    t = from_origin(x0, y0, px, px)
    raster = folder / name
    with rasterio.open(raster, "w", driver="GTiff", width=40, height=40, count=1, dtype="uint8",
                       crs=ALBERS, transform=t, nodata=0) as ds:
        ds.write(data, 1)
    geoms = [box(x0 + 1, y0 - 40 * px + 1, x0 + 20 * px - 1, y0 - 1),
             box(x0 + 20 * px + 1, y0 - 20 * px + 1, x0 + 40 * px - 1, y0 - 1)]
    names = ["A", "B"]
    if nodata_zone:
        geoms.append(box(x0 + 22 * px, y0 - 38 * px, x0 + 38 * px, y0 - 22 * px))
        names.append("C")
    zones = folder / "zones.gpkg"
    gpd.GeoDataFrame({"name": names}, geometry=geoms, crs=ALBERS).to_file(zones, layer="zones")
    return raster, zones
