"""Natural-breaks choropleths of one indicator: one year, or small multiples
of several years sharing one (pooled) legend."""

from __future__ import annotations

from typing import Sequence

import geopandas as gpd
import matplotlib
import numpy as np
import pandas as pd

from ..errors import InputError
from . import _base as B


def _prepare(data, boundaries, column, years, id_field, where):
    if column not in data.columns:
        raise InputError(
            f"{where} has no column {column!r} (columns: {', '.join(map(str, data.columns))})"
        )
    frames = []
    for y in years:
        sub = B.select_year(data, y, where=where)
        frames.append(B.join_boundaries(boundaries, sub, [column], id_field=id_field, where=where))
    return frames


def choropleth_figure(
    data: pd.DataFrame,
    boundaries: gpd.GeoDataFrame,
    column: str,
    *,
    years: Sequence[int] | None = None,
    breaks=None,
    k: int = 5,
    cmap: str = "YlOrRd",
    unit: str | None = None,
    title: str | None = None,
    id_field: str = "region_code",
    lang: str = "en",
    projection: str | None = "auto",
    south_china_sea: bool | None = None,
    scale_bar: bool = True,
    north_arrow: bool = True,
    label_regions: bool = False,
    ncols: int | None = None,
    panel_size: tuple[float, float] | None = None,
    digits: int | None = None,
    complete_territory: bool | None = None,
):
    """Natural-breaks choropleth of ``column``: one panel per year, one legend.

    Parameters
    ----------
    data : DataFrame
        Long table with ``id_field``, ``column`` and (for several years)
        ``year``, e.g. the footprint table.
    boundaries : GeoDataFrame
        Region polygons with ``id_field`` (e.g. ``datasets.boundaries("province")``).
        Regions without a value are drawn grey and hatched ("No data").
    column : str
        Indicator to map (e.g. ``"ICF"``, hm²).
    years : sequence of int, optional
        Years to draw, one panel each.  ``None``: the single year in ``data``.
    breaks : None, sequence or DataFrame
        Class bounds (see :func:`spatial_carbon.maps._base.resolve_breaks`):
        the ``classify`` breaks table (pooled rows used), upper bounds, or
        ``None`` to compute Fisher-Jenks breaks pooled over the years drawn.
    k : int
        Number of classes when ``breaks`` is None.
    unit : str, optional
        Unit of ``column``; default from the column name (ICF, CEC, ICD, ICS,
        ICF_size: hm²; ICE, CS: t CO₂; *_pc: hm²/person).  The legend shows
        the bounds in a scaled unit chosen by
        :func:`~spatial_carbon.maps._base.display_scale` (e.g. 10⁶ hm²), to
        3 significant figures, and its title names that unit.
    title : str, optional
        Figure title; default the variable's name (and the year of a single
        panel), e.g. "Industrial carbon footprint (ICF) 2019"; ``""`` for none.
    lang : {"en", "zh"}
        Label language; ``"zh"`` needs a CJK font (DependencyError otherwise).
    projection : str or None
        Drawing CRS.  ``"auto"`` (default): the Albers equal-area projection
        for China (:data:`~spatial_carbon.maps.CHINA_ALBERS`) for a layer
        centred in China, else the layer's own projected CRS or a Lambert
        azimuthal equal-area projection centred on it; ``None``: the layer's CRS.
    south_china_sea : bool or None
        Draw the South China Sea islands inset; ``None``: when the layer has
        islands there (the bundled province and county layers do).
    label_regions : bool
        Write region names on the map (English, or short Chinese names with
        ``lang="zh"``; the layer's ``name``/``name_zh`` for non-province ids),
        separated by adjustText with leader lines where they had to move.
    complete_territory : bool or None
        Draw Taiwan, Hong Kong and Macau as "No data" when the layer lacks
        them; ``None`` (default): for national maps of China
        (:func:`~spatial_carbon.maps._base.is_national_map`).

    Returns
    -------
    matplotlib.figure.Figure
        With attribute ``spatial_carbon`` (dict): ``breaks`` (lower bound and
        upper bounds, unscaled), ``scale`` and ``display_unit`` (legend
        numbers are bounds / scale, in display_unit), ``colors``, ``labels``
        (legend texts), ``classes`` (per year: region id -> class index, -1
        for no data), ``years``, ``added`` (territory drawn as No data).

    Notes
    -----
    Classes follow mapclassify's rule: class *i* holds
    ``upper[i-1] < v <= upper[i]``.  Pooled breaks (one set for all years)
    make colours comparable across years, as in the seed papers' figures.
    """
    B.check_lang(lang)
    where = "data"
    yrs = [None] if years is None else list(years)
    with matplotlib.rc_context(B.rc_params(lang)):
        frames = _prepare(data, boundaries, column, yrs, id_field, where)
        allvals = np.concatenate([f[column].to_numpy(dtype=float) for f in frames])
        if breaks is None:
            # pooled over every year of the data, not only the panels drawn
            pool = data[column].to_numpy(dtype=float)
            lower, uppers = B.resolve_breaks(None, pool, k=k)
        else:
            lower, uppers = B.resolve_breaks(breaks, allvals, k=k, column=column)
        kk = len(uppers)
        colors = B.class_colors(kk, cmap)
        data_unit = unit or B.column_unit(column)
        scale = B.display_scale(data_unit, [lower, *uppers])
        labels = B.class_labels(lower, uppers, digits, scale=scale.factor)
        n = len(yrs)
        fig, axes, legend_h = B.make_panels(n, ncols, panel_size)
        meta = {"column": column, "years": yrs, "breaks": [lower, *uppers.tolist()],
                "colors": colors, "labels": labels, "classes": {}, "unit": data_unit,
                "scale": scale.factor, "display_unit": scale.unit, "added": []}
        name = B.variable_name(column, lang) if title is None else title
        any_nodata = False
        panel = dict(id_field=id_field, projection=projection, south_china_sea=south_china_sea,
                     scale_bar=scale_bar, north_arrow=north_arrow, lang=lang,
                     label_regions=label_regions, complete_territory=complete_territory)
        for i, (ax, y, f) in enumerate(zip(axes.flat, yrs, frames)):
            cls = B.assign_classes(f[column].to_numpy(dtype=float), lower, uppers)
            fc = [colors[c] if c >= 0 else B.NODATA_COLOR for c in cls]
            nodata = cls < 0
            info = B.draw_panel(ax, i, n, f, fc, boundaries, hatch_mask=nodata, **panel)
            any_nodata |= bool(nodata.any()) or bool(info["added"])
            meta["added"] = info["added"]
            meta["classes"][y] = dict(zip(f[id_field].tolist(), cls.tolist()))
            if n > 1:
                ax.set_title(str(y))
            elif name:
                ax.set_title(name if y is None else f"{name} {y}")
        for ax in list(axes.flat)[n:]:
            ax.set_visible(False)
        leg_colors = list(colors) + ([B.NODATA_COLOR] if any_nodata else [])
        leg_labels = list(labels) + ([B.tr("No data", lang)] if any_nodata else [])
        handles = B.legend_handles(leg_colors, leg_labels, hatch_last=any_nodata)
        ltitle = B.column_label(column, lang, scale.unit)
        if n == 1:
            leg = axes.flat[0].legend(handles=handles, title=ltitle, loc="lower left",
                                      frameon=False, borderaxespad=0.3)
        else:
            if name:
                fig.suptitle(name)
            fig.tight_layout(rect=(0, legend_h / fig.get_figheight(), 1, 1))
            leg = fig.legend(handles=handles, title=ltitle, loc="lower center",
                             ncols=B.legend_ncols([h.get_label() for h in handles]), frameon=False)
        leg.set_gid("class-legend")
        meta["legend_labels"] = [t.get_text() for t in leg.get_texts()]
        meta["legend_title"] = ltitle
        meta["layout"] = B.finish_figure(fig)
        fig.spatial_carbon = meta
    return fig


def choropleth(data, boundaries, column, *, year=None, **kwargs):
    """One-year natural-breaks choropleth (see :func:`choropleth_figure`)."""
    return choropleth_figure(data, boundaries, column,
                             years=None if year is None else [year], **kwargs)


def small_multiples(data, boundaries, column, years, **kwargs):
    """Choropleths of several years with one pooled legend (see
    :func:`choropleth_figure`)."""
    if not years:
        raise InputError("small_multiples needs at least one year")
    return choropleth_figure(data, boundaries, column, years=list(years), **kwargs)
