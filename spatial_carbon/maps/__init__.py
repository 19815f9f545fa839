"""Maps and charts: choropleths, LISA maps, quadrant zones, flows, series.

Every drawing function returns a :class:`matplotlib.figure.Figure` (Agg
backend, no display needed) and touches no file; :func:`save_figure` writes
PNG (300 dpi), PDF and SVG atomically, and :func:`study_figures` draws and
writes the standard figure set of a study.  See ``docs/maps.md``.
"""

from __future__ import annotations

from ._base import (
    CHINA_ALBERS,
    FORMATS,
    TERRITORY_CODES,
    cjk_font,
    class_colors,
    class_labels,
    column_label,
    display_scale,
    maritime_boundary,
    new_figure,
    resolve_projection,
    save_figure,
)
from .charts import (
    ZONE_STYLE,
    anchor_points,
    flow_lines,
    flow_map,
    group_boundaries,
    national_series,
    size_depth_scatter,
    zones_map,
)
from .choropleth import choropleth, choropleth_figure, small_multiples
from .lisa import (
    LISA_CLUSTERS,
    SIGNIFICANCE_LEVELS,
    lisa_figure,
    lisa_map,
    moran_scatter,
    moran_series,
    transition_heatmap,
)
from .study import study_figures

__all__ = [
    "CHINA_ALBERS", "FORMATS", "TERRITORY_CODES", "cjk_font", "class_colors", "class_labels",
    "column_label", "display_scale",
    "maritime_boundary", "new_figure", "resolve_projection", "save_figure", "anchor_points",
    "choropleth", "choropleth_figure", "small_multiples",
    "LISA_CLUSTERS", "SIGNIFICANCE_LEVELS", "lisa_figure", "lisa_map", "moran_scatter",
    "moran_series", "transition_heatmap",
    "ZONE_STYLE", "zones_map", "size_depth_scatter", "national_series", "flow_map",
    "flow_lines", "group_boundaries",
    "study_figures",
]
