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
        Unit shown in the legend title; default from the column name
        (ICF, CEC, ICD, ICS, ICF_size: hm²; ICE, CS: t CO₂; *_pc: hm²/person).
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
        ``lang="zh"``; the layer's ``name``/``name_zh`` for non-province ids).

    Returns
    -------
    matplotlib.figure.Figure
        With attribute ``spatial_carbon`` (dict): ``breaks`` (lower bound and
        upper bounds), ``colors``, ``labels`` (legend texts), ``classes``
        (per year: region id -> class index, -1 for no data), ``years``.

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
        labels = B.class_labels(lower, uppers, digits)
        n = len(yrs)
        fig, axes, legend_h = B.make_panels(n, ncols, panel_size)
        meta = {"column": column, "years": yrs, "breaks": [lower, *uppers.tolist()],
                "colors": colors, "labels": labels, "classes": {}, "unit": unit or B.column_unit(column)}
        any_nodata = False
        for i, (ax, y, f) in enumerate(zip(axes.flat, yrs, frames)):
            cls = B.assign_classes(f[column].to_numpy(dtype=float), lower, uppers)
            fc = [colors[c] if c >= 0 else B.NODATA_COLOR for c in cls]
            nodata = cls < 0
            any_nodata |= bool(nodata.any())
            B.draw_map(ax, f, fc, id_field=id_field, projection=projection,
                       south_china_sea=south_china_sea, scale_bar=scale_bar and i == 0,
                       north_arrow=north_arrow and i == 0, lang=lang, hatch_mask=nodata,
                       furniture_scale=1.0 if n == 1 else 0.85,
                       labels=B.region_names(boundaries, id_field, lang) if label_regions else None)
            meta["classes"][y] = dict(zip(f[id_field].tolist(), cls.tolist()))
            if y is not None:
                ax.set_title(str(y) if n > 1 else f"{title or B.column_label(column, lang, unit)} {y}")
            elif title:
                ax.set_title(title)
        for ax in list(axes.flat)[n:]:
            ax.set_visible(False)
        leg_colors = list(colors) + ([B.NODATA_COLOR] if any_nodata else [])
        leg_labels = list(labels) + ([B.tr("No data", lang)] if any_nodata else [])
        handles = B.legend_handles(leg_colors, leg_labels, hatch_last=any_nodata)
        ltitle = B.column_label(column, lang, unit)
        if n == 1:
            leg = axes.flat[0].legend(handles=handles, title=ltitle, loc="lower left",
                                      frameon=False, borderaxespad=0.3)
        else:
            if title:
                fig.suptitle(title)
            fig.tight_layout(rect=(0, legend_h / fig.get_figheight(), 1, 1))
            leg = fig.legend(handles=handles, title=ltitle, loc="lower center",
                             ncols=B.legend_ncols([h.get_label() for h in handles]), frameon=False)
        leg.set_gid("class-legend")
        meta["legend_labels"] = [t.get_text() for t in leg.get_texts()]
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
