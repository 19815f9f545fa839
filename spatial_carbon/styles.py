"""QGIS layer styles (``.qml``) for every map type of :mod:`spatial_carbon.maps`.

Users finish their layouts in QGIS; these styles give a layer the same
classes, colours and labels as our figures: graduated natural-breaks fills
from a breaks table, LISA cluster categories and significance classes with
GeoDa's colours, quadrant zones, and flow lines graduated by width.

The functions return the QML text (pure); :func:`write_qml` writes it.  The
XML follows what QGIS 3.22 itself saves for a ``Symbology`` style: symbol
layer properties are written both as ``<Option type="Map">`` (read by
QGIS >= 3.20) and as legacy ``<prop k= v=>`` elements (read by all 3.x), so
QGIS 3.22 (Debian 12) to current versions load them.  We build the XML with
:mod:`xml.etree.ElementTree`; no QGIS import is needed (the core stays
importable without QGIS).
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Sequence

import matplotlib.colors as mcolors
import numpy as np

from ._io import write_text
from .errors import ClassificationError, InputError

QGIS_VERSION = "3.22.16-Białowieża"
_GEOMETRY = {"polygon": "fill", "line": "line", "point": "marker"}

__all__ = [
    "graduated_qml", "categorized_qml", "lisa_qml", "significance_qml", "zones_qml",
    "flows_qml", "write_qml", "save_to_gpkg", "study_styles",
]


def _rgba(color) -> str:
    r, g, b, a = mcolors.to_rgba(color)
    return f"{round(r * 255)},{round(g * 255)},{round(b * 255)},{round(a * 255)}"


def _symbol(parent, name: str, geometry: str, color, *, outline="77,77,77,255",
            width_mm: float = 0.26):
    """One symbol (fill, line or marker) with a single simple layer."""
    stype = _GEOMETRY[geometry]
    sym = ET.SubElement(parent, "symbol", {
        "type": stype, "name": name, "alpha": "1", "clip_to_extent": "1", "force_rhr": "0",
    })
    if stype == "fill":
        cls = "SimpleFill"
        props = {
            "border_width_map_unit_scale": "3x:0,0,0,0,0,0", "color": _rgba(color),
            "joinstyle": "bevel", "offset": "0,0", "offset_map_unit_scale": "3x:0,0,0,0,0,0",
            "offset_unit": "MM", "outline_color": outline, "outline_style": "solid",
            "outline_width": f"{width_mm:g}", "outline_width_unit": "MM", "style": "solid",
        }
    elif stype == "line":
        cls = "SimpleLine"
        props = {
            "capstyle": "round", "customdash": "5;2", "customdash_unit": "MM",
            "joinstyle": "round", "line_color": _rgba(color), "line_style": "solid",
            "line_width": f"{width_mm:g}", "line_width_unit": "MM", "offset": "0",
            "offset_unit": "MM", "use_custom_dash": "0",
        }
    else:
        cls = "SimpleMarker"
        props = {
            "color": _rgba(color), "name": "circle", "outline_color": outline,
            "outline_style": "solid", "outline_width": "0.2", "outline_width_unit": "MM",
            "size": f"{width_mm:g}", "size_unit": "MM",
        }
    lay = ET.SubElement(sym, "layer", {"class": cls, "pass": "0", "locked": "0", "enabled": "1"})
    opt = ET.SubElement(lay, "Option", {"type": "Map"})
    for k, v in props.items():
        ET.SubElement(opt, "Option", {"name": k, "value": v, "type": "QString"})
    for k, v in props.items():
        ET.SubElement(lay, "prop", {"k": k, "v": v})
    return sym


def _document(renderer: ET.Element) -> str:
    root = ET.Element("qgis", {"version": QGIS_VERSION, "styleCategories": "Symbology"})
    root.append(renderer)
    ET.SubElement(root, "blendMode").text = "0"
    ET.SubElement(root, "featureBlendMode").text = "0"
    ET.SubElement(root, "layerGeometryType").text = {"polygon": "2", "line": "1", "point": "0"}[
        renderer.get("_geometry", "polygon")]
    renderer.attrib.pop("_geometry", None)
    ET.indent(root, space=" ")
    body = ET.tostring(root, encoding="unicode")
    return "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n" + body + "\n"


def _fmt(x: float, digits: int) -> str:
    return f"{x:.{digits}f}"


def _breaks(breaks, lower, column, year):
    import pandas as pd

    from .maps._base import resolve_breaks

    if isinstance(breaks, pd.DataFrame):
        return resolve_breaks(breaks, np.array([np.nan]), column=column, year=year)
    if hasattr(breaks, "bins") and hasattr(breaks, "y"):  # a mapclassify classifier
        return float(np.min(breaks.y)), np.asarray(breaks.bins, dtype=float)
    uppers = np.asarray(list(breaks), dtype=float)
    if lower is None:
        raise ClassificationError(
            "give lower= (the minimum value) with a list of upper bounds, or pass the "
            "breaks table / a mapclassify classifier"
        )
    if uppers.size < 1 or np.any(np.diff(uppers) <= 0) or lower > uppers[0]:
        raise ClassificationError(
            f"breaks must be increasing upper bounds above lower={lower}, got {uppers.tolist()}"
        )
    return float(lower), uppers


def graduated_qml(
    field: str,
    breaks,
    colors: Sequence | None = None,
    *,
    lower: float | None = None,
    cmap: str = "YlOrRd",
    labels: Sequence[str] | None = None,
    geometry: str = "polygon",
    column: str | None = None,
    year=None,
    digits: int | None = None,
) -> str:
    """Graduated (natural-breaks) style of ``field``.

    Parameters
    ----------
    field : str
        Attribute to classify (e.g. ``"ICF"``).
    breaks : DataFrame, mapclassify classifier, or sequence of float
        The ``classify`` breaks table (pooled rows; filtered by ``column``
        -- default ``field`` -- when it has a ``column`` column), a fitted
        mapclassify classifier, or the classes' upper bounds with ``lower``.
    colors : sequence of colours, optional
        One per class; default sampled from ``cmap`` exactly as the maps do,
        so the QGIS layer matches the figures.
    labels : sequence of str, optional
        Legend labels; default ``"lower – upper"`` as in the figures.

    Returns
    -------
    str
        QML text (``renderer-v2 type="graduatedSymbol"``), one range per class;
        range bounds are the breaks with full precision.
    """
    from .maps._base import class_colors, class_labels

    if geometry not in _GEOMETRY:
        raise InputError(f"unknown geometry {geometry!r}; use polygon, line or point")
    lo, uppers = _breaks(breaks, lower, column or field, year)
    k = len(uppers)
    cols = list(colors) if colors is not None else class_colors(k, cmap)
    if len(cols) != k:
        raise InputError(f"{len(cols)} colours for {k} classes")
    labs = list(labels) if labels is not None else class_labels(lo, uppers, digits)
    if len(labs) != k:
        raise InputError(f"{len(labs)} labels for {k} classes")
    r = ET.Element("renderer-v2", {
        "type": "graduatedSymbol", "attr": field, "graduatedMethod": "GraduatedColor",
        "symbollevels": "0", "enableorderby": "0", "forceraster": "0", "_geometry": geometry,
    })
    ranges = ET.SubElement(r, "ranges")
    bounds = np.concatenate([[lo], uppers])
    for i in range(k):
        ET.SubElement(ranges, "range", {
            "lower": repr(float(bounds[i])), "upper": repr(float(bounds[i + 1])),
            "symbol": str(i), "label": labs[i], "render": "true",
        })
    syms = ET.SubElement(r, "symbols")
    for i, c in enumerate(cols):
        _symbol(syms, str(i), geometry, c)
    src = ET.SubElement(r, "source-symbol")
    _symbol(src, "0", geometry, cols[0])
    ramp = ET.SubElement(r, "colorramp", {"type": "gradient", "name": "[source]"})
    ropt = ET.SubElement(ramp, "Option", {"type": "Map"})
    ET.SubElement(ropt, "Option", {"name": "color1", "value": _rgba(cols[0]), "type": "QString"})
    ET.SubElement(ropt, "Option", {"name": "color2", "value": _rgba(cols[-1]), "type": "QString"})
    ET.SubElement(ropt, "Option", {"name": "discrete", "value": "0", "type": "QString"})
    ET.SubElement(r, "classificationMethod", {"id": "Jenks"})
    ET.SubElement(r, "rotation")
    ET.SubElement(r, "sizescale")
    return _document(r)


def categorized_qml(
    field: str,
    categories: Sequence[tuple],
    *,
    geometry: str = "polygon",
) -> str:
    """Categorized style: ``categories`` is a sequence of ``(value, label, colour)``.

    Values are written as text; QGIS matches them against the attribute's
    value (numbers and strings alike).
    """
    if geometry not in _GEOMETRY:
        raise InputError(f"unknown geometry {geometry!r}; use polygon, line or point")
    if not categories:
        raise InputError("categorized_qml needs at least one category")
    values = [str(v) for v, _, _ in categories]
    if len(set(values)) != len(values):
        raise InputError(f"duplicate category values: {values}")
    r = ET.Element("renderer-v2", {
        "type": "categorizedSymbol", "attr": field, "symbollevels": "0", "enableorderby": "0",
        "forceraster": "0", "_geometry": geometry,
    })
    cats = ET.SubElement(r, "categories")
    for i, (v, lab, _) in enumerate(categories):
        ET.SubElement(cats, "category", {"value": str(v), "symbol": str(i), "label": str(lab),
                                         "render": "true"})
    syms = ET.SubElement(r, "symbols")
    for i, (_, _, c) in enumerate(categories):
        _symbol(syms, str(i), geometry, c)
    src = ET.SubElement(r, "source-symbol")
    _symbol(src, "0", geometry, categories[0][2])
    ET.SubElement(r, "rotation")
    ET.SubElement(r, "sizescale")
    return _document(r)


def lisa_qml(field: str = "cluster", *, lang: str = "en", include_extra: bool = True) -> str:
    """LISA cluster categories with GeoDa's colours and codes
    (0 not significant, 1 HH, 2 LL, 3 LH, 4 HL, 5 undefined, 6 isolated)."""
    from .maps._base import tr
    from .maps.lisa import LISA_CLUSTERS

    cats = [(code, tr(lbl, lang), col) for code, (lbl, col) in LISA_CLUSTERS.items()
            if include_extra or code <= 4]
    return categorized_qml(field, cats)


def significance_qml(field: str = "p_sim", *, alpha: float = 0.05, lang: str = "en") -> str:
    """LISA significance map: graduated pseudo-p classes with GeoDa's greens
    (p <= 0.0001, 0.001, 0.01, 0.05 up to ``alpha``) and "not significant"."""
    from .maps._base import tr
    from .maps.lisa import LISA_CLUSTERS, SIGNIFICANCE_LEVELS

    levels = [(lvl, lbl, col) for lvl, lbl, col in SIGNIFICANCE_LEVELS if lvl <= alpha + 1e-12]
    if not levels:
        raise InputError(f"alpha={alpha} is below the smallest level 0.0001")
    uppers = [lvl for lvl, _, _ in levels] + [1.0]
    labels = [lbl for _, lbl, _ in levels] + [tr("Not significant", lang)]
    colors = [col for _, _, col in levels] + [LISA_CLUSTERS[0][1]]
    return graduated_qml(field, uppers, colors, lower=0.0, labels=labels)


def hotspots_qml(field: str = "gi_bin", *, lang: str = "en") -> str:
    """Getis-Ord hot spots in ArcGIS's colours (``gi_bin`` -3..3)."""
    from .maps.hotspots import GI_BIN_COLORS, _t

    return categorized_qml(field, [(b, _t(lbl, lang), c) for b, (lbl, c) in GI_BIN_COLORS.items()])


def g_cluster_qml(field: str = "g_cluster", *, lang: str = "en") -> str:
    """GeoDa's local G cluster map (0 not significant, 1 high, 2 low, 3 undefined, 4 isolated)."""
    from .maps._base import tr
    from .maps.lisa import LISA_CLUSTERS

    cats = [(0, tr("Not significant", lang), LISA_CLUSTERS[0][1]), (1, "High", LISA_CLUSTERS[1][1]),
            (2, "Low", LISA_CLUSTERS[2][1]), (3, tr("Undefined", lang), LISA_CLUSTERS[5][1]),
            (4, tr("Isolated", lang), LISA_CLUSTERS[6][1])]
    return categorized_qml(field, cats)


def centre_points_qml() -> str:
    """Centres of gravity: one dark 2.5 mm marker per year."""
    return _single_qml("point", "#333333", width_mm=2.5)


def ellipses_qml(field: str = "sd") -> str:
    """Standard deviational ellipses: outlines, darker for 1 SD."""
    return categorized_qml(field, [(1, "1 SD", "#d62f2733"), (2, "2 SD", "#ed755122"),
                                   (3, "3 SD", "#fab98411")])


def _single_qml(geometry: str, color: str, *, width_mm: float = 0.26) -> str:
    r = ET.Element("renderer-v2", {"type": "singleSymbol", "symbollevels": "0", "enableorderby": "0",
                                   "forceraster": "0"})
    syms = ET.SubElement(r, "symbols")
    _symbol(syms, "0", geometry, color, width_mm=width_mm)
    ET.SubElement(r, "rotation")
    ET.SubElement(r, "sizescale")
    return _document(r)


def zones_qml(field: str = "zone", *, lang: str = "en") -> str:
    """Quadrant mitigation zones I-IV (``zones.quadrants``), colours as in the maps."""
    from .maps.charts import ZONE_STYLE, zone_label

    return categorized_qml(field, [(z, zone_label(z, lang), c) for z, (_, c) in ZONE_STYLE.items()])


#: Seed 002's trade types of a province (``inputoutput.classify_trade_type``):
#: net foreign (N) and domestic (NP) carbon trade; colours: exporters warm,
#: importers cool.
TRADE_TYPES = {
    "I": ("Net exporter abroad and to other provinces (N > 0, NP > 0)", "#d7301f"),
    "II": ("Net importer from abroad, net exporter to provinces (N < 0, NP > 0)", "#fc8d59"),
    "III": ("Net importer from abroad and from provinces (N < 0, NP < 0)", "#4575b4"),
    "IV": ("Net exporter abroad, net importer from provinces (N > 0, NP < 0)", "#91bfdb"),
    "": ("Balanced (no type)", "#d9d9d9"),
}


def trade_types_qml(field: str = "type", *, lang: str = "en") -> str:
    """Trade types I-IV of ``io_trade_carbon`` (:data:`TRADE_TYPES`)."""
    from .maps._base import tr

    return categorized_qml(field, [(t, (f"{t}: " if t else "") + tr(lbl, lang), col)
                                   for t, (lbl, col) in TRADE_TYPES.items()])


def flows_qml(
    field: str = "value",
    breaks=None,
    *,
    lower: float | None = None,
    values=None,
    k: int = 5,
    color: str = "#b2182b",
    min_width_mm: float = 0.3,
    max_width_mm: float = 2.5,
) -> str:
    """Flow lines (``maps.flow_lines`` layer) graduated by width.

    Classes from ``breaks`` (upper bounds with ``lower``, or a breaks
    table), or Fisher-Jenks natural breaks of ``values``; line widths grow
    linearly from ``min_width_mm`` to ``max_width_mm``.
    """
    if breaks is None:
        if values is None:
            raise InputError("flows_qml needs breaks= or values= (the flow values)")
        import mapclassify

        v = np.asarray(values, dtype=float)
        v = v[np.isfinite(v)]
        kk = min(k, len(np.unique(v)))
        if kk < 1:
            raise ClassificationError("no finite flow values")
        lower, uppers = float(v.min()), np.asarray(mapclassify.FisherJenks(v, k=kk).bins)
    else:
        lower, uppers = _breaks(breaks, lower, field, None)
    n = len(uppers)
    widths = np.linspace(min_width_mm, max_width_mm, n) if n > 1 else [max_width_mm]
    from .maps._base import class_labels

    labs = class_labels(lower, uppers)
    r = ET.Element("renderer-v2", {
        "type": "graduatedSymbol", "attr": field, "graduatedMethod": "GraduatedSize",
        "symbollevels": "0", "enableorderby": "0", "forceraster": "0", "_geometry": "line",
    })
    ranges = ET.SubElement(r, "ranges")
    bounds = np.concatenate([[lower], uppers])
    for i in range(n):
        ET.SubElement(ranges, "range", {
            "lower": repr(float(bounds[i])), "upper": repr(float(bounds[i + 1])),
            "symbol": str(i), "label": labs[i], "render": "true",
        })
    syms = ET.SubElement(r, "symbols")
    for i, w in enumerate(widths):
        _symbol(syms, str(i), "line", color, width_mm=float(w))
    src = ET.SubElement(r, "source-symbol")
    _symbol(src, "0", "line", color, width_mm=float(widths[0]))
    ET.SubElement(r, "classificationMethod", {"id": "Jenks"})
    ET.SubElement(r, "rotation")
    ET.SubElement(r, "sizescale")
    return _document(r)


def write_qml(text: str, path: str | os.PathLike) -> Path:
    """Write a style next to a layer (e.g. ``study.qml`` beside ``study.gpkg``), atomically.

    Raises
    ------
    InputError
        If ``text`` is not a QGIS style document.
    """
    try:
        root = ET.fromstring(text.split("\n", 1)[1] if text.startswith("<!DOCTYPE") else text)
    except ET.ParseError as exc:
        raise InputError(f"not a QML document: {exc}") from None
    if root.tag != "qgis":
        raise InputError("not a QML document (root element is not <qgis>)")
    p = Path(path)
    if p.suffix.lower() != ".qml":
        p = p.with_suffix(".qml")
    return write_text(text, p)


#: Columns of the ``layer_styles`` table that QGIS reads from a GeoPackage
#: (the schema QGIS 3.22 itself creates with "Save Style > In Database").
_LAYER_STYLES_COLUMNS = (
    "f_table_catalog", "f_table_schema", "f_table_name", "f_geometry_column", "styleName",
    "styleQML", "styleSLD", "useAsDefault", "description", "owner", "ui", "update_time",
)


def save_to_gpkg(
    path: str | os.PathLike,
    layer: str,
    styles: dict[str, str],
    *,
    default: str | None = None,
    descriptions: dict[str, str] | None = None,
) -> Path:
    """Store QML styles in a GeoPackage's ``layer_styles`` table, where QGIS
    finds them: the ``default`` style is applied when the layer is opened, the
    others are listed under Layer Properties > Style > Load Style > From
    database.

    Parameters
    ----------
    path : path
        An existing GeoPackage holding ``layer``.
    layer : str
        The layer the styles belong to (e.g. ``"region_years"`` of ``study.gpkg``).
    styles : dict of str -> str
        Style name -> QML text (from the functions of this module).
    default : str, optional
        Name of the style QGIS applies on opening (default: the first).

    Returns
    -------
    pathlib.Path
        ``path``.  The file is rewritten through a temporary copy and moved into
        place, so a failure leaves it unchanged.  Existing styles of other
        layers are kept; a style of the same layer and name is replaced.

    Raises
    ------
    InputError
        Missing file or layer, empty ``styles``, unknown ``default``, or a
        text that is not a QML document.

    Notes
    -----
    Written with GDAL (pyogrio) as a non-spatial table registered in
    ``gpkg_contents``, with the column names of the table QGIS creates.
    Timestamps are fixed (``update_time`` 1970-01-01T00:00:00Z, and
    ``gpkg_contents.last_change``, see :func:`spatial_carbon._io.gpkg_date`) so
    the same inputs give the same bytes.
    """
    import shutil
    import tempfile

    import pandas as pd
    import pyogrio

    from ._io import atomic_path, gdal_fixed_dates

    path = Path(path)
    if not path.is_file():
        raise InputError(f"GeoPackage not found: {path}")
    if not styles:
        raise InputError("no styles to save")
    names = list(styles)
    default = names[0] if default is None else default
    if default not in styles:
        raise InputError(f"default style {default!r} is not one of {names}")
    for name, text in styles.items():
        try:
            root = ET.fromstring(text.split("\n", 1)[1] if text.startswith("<!DOCTYPE") else text)
        except ET.ParseError as exc:
            raise InputError(f"style {name!r} is not a QML document: {exc}") from None
        if root.tag != "qgis":
            raise InputError(f"style {name!r} is not a QML document (root is <{root.tag}>)")
    layers = [str(n) for n, _ in pyogrio.list_layers(path)]
    if layer not in layers:
        raise InputError(f"{path} has no layer {layer!r} (layers: {', '.join(layers)})")
    geom = pyogrio.read_info(path, layer=layer).get("geometry_name") or "geom"
    old = None
    if "layer_styles" in layers:
        old = pyogrio.read_dataframe(path, layer="layer_styles", read_geometry=False)
        old = old[[c for c in _LAYER_STYLES_COLUMNS if c in old.columns]]
        same = (old["f_table_name"] == layer) & old["styleName"].isin(names)
        old = old[~same].copy()
        old.loc[old["f_table_name"] == layer, "useAsDefault"] = False
    new = pd.DataFrame([{
        "f_table_catalog": "", "f_table_schema": "", "f_table_name": layer,
        "f_geometry_column": geom, "styleName": name, "styleQML": text, "styleSLD": "",
        "useAsDefault": name == default,
        "description": (descriptions or {}).get(name, f"spatial_carbon style {name}"),
        "owner": "", "ui": "", "update_time": "1970-01-01T00:00:00Z",
    } for name, text in styles.items()])
    table = pd.concat([old, new], ignore_index=True) if old is not None and len(old) else new
    table["useAsDefault"] = table["useAsDefault"].astype(bool)
    with atomic_path(path, suffix=".gpkg") as tmp:
        shutil.copyfile(path, tmp)
        with gdal_fixed_dates():  # gpkg_contents.last_change: fixed, not the clock
            pyogrio.write_dataframe(table, tmp, layer="layer_styles", driver="GPKG",
                                    layer_options={"FID": "id", "OVERWRITE": "YES"})
    return path


def study_styles(tables, *, lang: str = "en") -> dict[str, str]:
    """QML styles for the ``region_years`` layer of a study's ``study.gpkg``.

    Parameters
    ----------
    tables : StudyResult or mapping of str -> DataFrame
        The study (:class:`spatial_carbon.study.StudyResult`) or its tables
        (``breaks``, ``lisa``, ``zones``); absent ones are skipped.

    Returns
    -------
    dict of str -> str
        Style name -> QML: ``<column>`` graduated by the pooled natural
        breaks of every classified column, ``lisa_<var>`` (cluster codes) and
        ``lisa_<var>_p`` (significance) per LISA variable -- the field names
        of ``study.region_years_layer`` --, and ``zone``.  The layer holds
        one feature per region and year: filter it by year in QGIS (or use
        the temporal controller) to see one map.
    """
    out: dict[str, str] = {}
    brk = tables.get("breaks")
    if brk is not None and len(brk):
        cols = list(dict.fromkeys(brk["column"].astype(str))) if "column" in brk.columns else [None]
        for col in cols:
            if col is None:
                continue
            out[col] = graduated_qml(col, brk, column=col)
    lisa = tables.get("lisa")
    if lisa is not None and len(lisa):
        vcol = next((c for c in ("column", "variable") if c in lisa.columns), None)
        for var in (list(dict.fromkeys(lisa[vcol].astype(str))) if vcol else []):
            out[f"lisa_{var}"] = lisa_qml(f"lisa_{var}", lang=lang)
            out[f"lisa_{var}_p"] = significance_qml(f"lisa_{var}_p", lang=lang)
    zt = tables.get("zones")
    if zt is not None and "zone" in zt.columns:
        out["zone"] = zones_qml("zone", lang=lang)
    return out
