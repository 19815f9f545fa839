"""Quadrant-zone map and size-vs-depth chart, national time series, and
input-output carbon-transfer flow maps."""

from __future__ import annotations

import math
from typing import Sequence

import geopandas as gpd
import matplotlib
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch

from ..errors import InputError
from . import _base as B

#: Quadrant zones (``zones.quadrants``): code -> (English name, colour).
#: I core mitigation (high size, high depth), II critical (low size, high
#: depth), III observation (low, low), IV buffer (high size, low depth).
ZONE_STYLE = {
    "I": ("Zone I: core mitigation", "#d7191c"),
    "II": ("Zone II: critical", "#fdae61"),
    "III": ("Zone III: observation", "#abdda4"),
    "IV": ("Zone IV: buffer", "#2b83ba"),
}
_ZONE_ZH = {"I": "I 区：核心减排区", "II": "II 区：关键区", "III": "III 区：观察区",
            "IV": "IV 区：缓冲区"}


def anchor_points(geoms: gpd.GeoSeries) -> gpd.GeoSeries:
    """Flow end points: the centroid where it lies inside the polygon, else
    a representative point (always inside; e.g. for crescent-shaped regions)."""
    c = geoms.centroid
    inside = geoms.contains(c)
    return c.where(inside, geoms.representative_point())


def zone_label(code: str, lang: str = "en") -> str:
    """Legend label of a quadrant zone."""
    B.check_lang(lang)
    return _ZONE_ZH[code] if lang == "zh" else ZONE_STYLE[code][0]


def zones_map(
    zones: pd.DataFrame,
    boundaries: gpd.GeoDataFrame,
    *,
    years: Sequence[int] | None = None,
    zone_col: str = "zone",
    id_field: str = "region_code",
    lang: str = "en",
    title: str | None = None,
    projection: str | None = "auto",
    south_china_sea: bool | None = None,
    scale_bar: bool = True,
    north_arrow: bool = True,
    label_regions: bool = False,
    ncols: int | None = None,
    panel_size: tuple[float, float] | None = None,
    complete_territory: bool | None = None,
):
    """Map of the quadrant mitigation zones (I-IV), one panel per year.

    Parameters
    ----------
    zones : DataFrame
        The ``zones.quadrants`` table: ``id_field``, ``year``, ``zone``.
    title : str, optional
        Default "Mitigation zones (footprint size × depth)" (and the year of
        a single panel); ``""`` for none.
    complete_territory : bool or None
        Draw Taiwan, Hong Kong and Macau as "No data" when the layer lacks
        them; ``None``: for national maps of China.

    Returns
    -------
    matplotlib.figure.Figure
        ``fig.spatial_carbon``: ``codes`` (per year: id -> zone or None),
        ``labels``, ``colors``.
    """
    B.check_lang(lang)
    yrs = [None] if years is None else list(years)
    with matplotlib.rc_context(B.rc_params(lang)):
        frames = [B.join_boundaries(boundaries, B.select_year(zones, y, where="zones table"),
                                    [zone_col], id_field=id_field, where="zones table")
                  for y in yrs]
        n = len(yrs)
        fig, axes, legend_h = B.make_panels(n, ncols, panel_size)
        meta = {"codes": {}, "years": yrs}
        any_nodata = False
        panel = dict(id_field=id_field, projection=projection, south_china_sea=south_china_sea,
                     scale_bar=scale_bar, north_arrow=north_arrow, lang=lang,
                     label_regions=label_regions, complete_territory=complete_territory)
        for i, (ax, y, f) in enumerate(zip(axes.flat, yrs, frames)):
            z = f[zone_col].astype(object).where(f[zone_col].notna(), None).tolist()
            bad = sorted({str(v) for v in z if v is not None and v not in ZONE_STYLE})
            if bad:
                raise InputError(f"zones table: unknown zone code(s) {bad}; expected I, II, III, IV")
            fc = [ZONE_STYLE[v][1] if v is not None else B.NODATA_COLOR for v in z]
            nodata = np.array([v is None for v in z])
            info = B.draw_panel(ax, i, n, f, fc, boundaries, hatch_mask=nodata, **panel)
            any_nodata |= bool(nodata.any()) or bool(info["added"])
            meta["added"] = info["added"]
            meta["codes"][y] = dict(zip(f[id_field].tolist(), z))
            if n > 1:
                ax.set_title(str(y))
        for ax in list(axes.flat)[n:]:
            ax.set_visible(False)
        labels = [zone_label(c, lang) for c in ZONE_STYLE]
        colors = [v[1] for v in ZONE_STYLE.values()]
        if any_nodata:
            labels.append(B.tr("No data", lang))
            colors.append(B.NODATA_COLOR)
        handles = B.legend_handles(colors, labels, hatch_last=any_nodata)
        if title is None:
            title = B.tr("Mitigation zones (footprint size × depth)", lang)
            if n == 1 and yrs[0] is not None:
                title = f"{title} {yrs[0]}"
        if n == 1:
            leg = axes.flat[0].legend(handles=handles, title=B.tr("Zone", lang),
                                      loc="lower left", frameon=False)
            if title:
                axes.flat[0].set_title(title)
        else:
            if title:
                fig.suptitle(title)
            fig.tight_layout(rect=(0, legend_h / fig.get_figheight(), 1, 1))
            leg = fig.legend(handles=handles, title=B.tr("Zone", lang), loc="lower center",
                             ncols=B.legend_ncols([h.get_label() for h in handles]), frameon=False)
        leg.set_gid("zone-legend")
        meta.update(labels=labels, colors=colors,
                    legend_labels=[t.get_text() for t in leg.get_texts()])
        meta["layout"] = B.finish_figure(fig)
        fig.spatial_carbon = meta
    return fig


def size_depth_scatter(
    zones: pd.DataFrame,
    *,
    year: int | None = None,
    x: str = "ICF_size",
    y: str = "ICF_depth",
    zone_col: str = "zone",
    standardized: bool = True,
    label_col: str | None = "region",
    lang: str = "en",
    title: str | None = None,
    ax=None,
    max_labels: int = 40,
):
    """Footprint size against depth, coloured by quadrant zone, with the
    zone boundaries (the yearly means, i.e. z = 0).

    Parameters
    ----------
    zones : DataFrame
        The ``zones.quadrants`` table (with ``z_<x>``, ``z_<y>`` and ``zone``).
    standardized : bool
        Plot the z-scores ``z_<x>``, ``z_<y>`` (default; the quadrant lines are
        the axes) or the raw values with the means as quadrant lines.
    label_col : str or None
        Column with point labels (region names); ``None`` for no labels.
    max_labels : int
        With more points than this (cities, counties), only the ``max_labels``
        points farthest from the centre (largest distance in the plotted units)
        are labelled: hundreds of labels are unreadable, and placing them with
        adjustText takes minutes.  Every point is labelled up to this number
        (the 30 provinces).  A label that still overlaps another text after
        adjustText is hidden, the farthest points' labels kept first
        (:func:`spatial_carbon.maps._layout.hide_crowded`).

    Returns
    -------
    matplotlib.figure.Figure
        ``fig.spatial_carbon``: ``n`` points, ``zones`` (id -> zone).
    """
    B.check_lang(lang)
    df = B.select_year(zones, year, where="zones table")
    xc, yc = (f"z_{x}", f"z_{y}") if standardized else (x, y)
    for c in (xc, yc, zone_col):
        if c not in df.columns:
            raise InputError(
                f"zones table has no column {c!r}"
                + ("; pass standardized=False to plot raw values" if c.startswith("z_") else "")
            )
    xv = df[xc].to_numpy(dtype=float)
    yv = df[yc].to_numpy(dtype=float)
    zc = df[zone_col].astype(str).to_numpy()
    with matplotlib.rc_context(B.rc_params(lang)):
        if ax is None:
            fig, ax = B.new_axes((5.6, 3.8))
        else:
            fig = ax.figure
        for code, (name, col) in ZONE_STYLE.items():
            sel = zc == code
            ax.scatter(xv[sel], yv[sel], color=col, edgecolors="#333333", linewidths=0.4, s=20,
                       label=zone_label(code, lang), zorder=3)
        if standardized:
            x0, y0 = 0.0, 0.0
        else:
            x0, y0 = float(np.nanmean(xv)), float(np.nanmean(yv))
        ax.axvline(x0, color="#666666", linewidth=0.7, linestyle="--", zorder=1)
        ax.axhline(y0, color="#666666", linewidth=0.7, linestyle="--", zorder=1)
        if label_col and label_col in df.columns:
            names = df[label_col].astype(str).tolist()
            if lang == "zh" and "region_code" in df.columns:
                try:
                    from .. import regions

                    reg = regions.registry().set_index("region_code")["name_zh_short"]
                    names = [reg.get(int(c), n) for c, n in zip(df["region_code"], names)]
                except Exception:  # pragma: no cover - labels are cosmetic
                    pass
            # every point labelled; adjustText keeps labels off each other and
            # off the points, with leader lines where a label had to move
            from matplotlib import patheffects

            halo = [patheffects.withStroke(linewidth=1.0, foreground="white")]
            ok = np.isfinite(xv) & np.isfinite(yv)
            dist = np.where(ok, np.hypot(xv - x0, yv - y0), -np.inf)
            # farthest from the centre first: they are kept when labels crowd
            # (a label that still overlaps after adjustText is hidden, _layout rule 3)
            if ok.sum() > max_labels:  # label the outliers only
                order = [i for i in np.argsort(-dist, kind="stable")[:max_labels] if ok[i]]
            else:
                order = [i for i in range(len(names)) if ok[i]]
            texts = [ax.text(xv[i], yv[i], names[i], fontsize=5, color="#333333", ha="center",
                             va="center", gid="point-label", zorder=5, path_effects=halo)
                     for i in order]
            fin = np.isfinite(xv) & np.isfinite(yv)
            ax.sc_labels = {"texts": texts, "targets": [(xv[i], yv[i]) for i in order],
                            "points": (xv[fin], yv[fin])}
        prefix = "z " if standardized else ""
        ax.set_xlabel(prefix + B.column_label(x, lang, None if not standardized else "dimensionless"))
        ax.set_ylabel(prefix + B.column_label(y, lang, None if not standardized else "dimensionless"))
        # zone legend outside the plot, so it hides no point or label
        ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=6,
                  title=B.tr("Zone", lang), borderaxespad=0.0)
        if title is None:
            title = B.tr("Footprint size vs depth", lang) + ("" if year is None else f", {year}")
        if title:
            ax.set_title(title)
        for s in ("top", "right"):
            ax.spines[s].set_visible(False)
        fig.tight_layout()
        ids = df["region_code"].tolist() if "region_code" in df.columns else list(range(len(df)))
        fig.spatial_carbon = {"n": int(len(df)), "zones": dict(zip(ids, zc.tolist()))}
        fig.spatial_carbon["layout"] = B.finish_figure(fig)
    return fig


def national_series(
    national: pd.DataFrame,
    *,
    columns: Sequence[str] = ("ICF", "CEC"),
    unit: str | None = None,
    scale: float | None = None,
    shade_deficit: bool = True,
    lang: str = "en",
    title: str | None = None,
    ax=None,
):
    """National time series of footprint indicators (default ICF and CEC),
    with the carbon deficit (ICF > CEC) shaded.

    Parameters
    ----------
    national : DataFrame
        ``footprint.national`` table: ``year`` and the columns.
    unit : str, optional
        Unit of the columns (default from the names: hm² for ICF/CEC).
    scale : float, optional
        Divide values by this factor for display (e.g. 1e6 -> "10⁶ hm²");
        default :func:`~spatial_carbon.maps._base.display_scale` (the legends'
        rule: ICF/CEC in 10⁶ hm²).
    title : str, optional
        Default names the variables ("Industrial carbon footprint (ICF) and
        carbon ecological capacity (CEC), China"); when ``n_regions`` varies
        by year (a sparse city panel) "sum over the regions with data (lo–hi a
        year)" instead of "China"; ``""`` for none.

    Returns
    -------
    matplotlib.figure.Figure
        ``fig.spatial_carbon``: ``columns``, ``scale``, ``unit``.
    """
    B.check_lang(lang)
    need = ["year", *columns]
    miss = [c for c in need if c not in national.columns]
    if miss:
        raise InputError(f"national table has no column(s) {', '.join(miss)}")
    df = national.sort_values("year")
    yr = df["year"].to_numpy(dtype=int)
    vals = {c: df[c].to_numpy(dtype=float) for c in columns}
    unit = unit or B.column_unit(columns[0]) or ""
    if scale is None:
        sc = B.display_scale(unit, np.concatenate([v for v in vals.values()]))
        scale, unit_txt = sc.factor, sc.unit
    else:
        e = int(round(math.log10(scale))) if scale > 0 else 0
        sup = str(e).translate(str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻"))
        unit_txt = f"10{sup} {unit}" if e else unit
    with matplotlib.rc_context(B.rc_params(lang)):
        if ax is None:
            fig, ax = B.new_axes((4.8, 3.0))
        else:
            fig = ax.figure
        markers = ["o", "s", "^", "D"]
        for k, c in enumerate(columns):
            name = c if lang == "en" else B.column_label(c, lang, "dimensionless")
            ax.plot(yr, vals[c] / scale, marker=markers[k % 4], markersize=3, linewidth=1.1,
                    label=name, color=f"C{k}")
        if shade_deficit and {"ICF", "CEC"} <= set(columns):
            icf, cec = vals["ICF"] / scale, vals["CEC"] / scale
            ax.fill_between(yr, cec, icf, where=icf > cec, interpolate=True, color="#d7191c",
                            alpha=0.15, linewidth=0,
                            label=B.column_label("ICD", lang, "dimensionless") if lang == "zh"
                            else "Deficit (ICF > CEC)")
        ax.set_xlabel(B.tr("Year", lang))
        ax.set_ylabel(unit_txt)
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.legend(frameon=False, loc="best")
        if title is None:
            names = [B.variable_name(c, lang) for c in columns]
            joined = (" 与 " if lang == "zh" else " and ").join(
                [", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)
            n = df["n_regions"] if "n_regions" in df.columns else None
            if n is not None and n.nunique() > 1:
                # a sparse panel (cities): the sum is over a different set each year,
                # not China; a jump can be coverage, not emissions
                lo, hi = int(n.min()), int(n.max())
                title = (f"{joined}\n有数据地区合计（每年 {lo}–{hi} 个）" if lang == "zh" else
                         f"{joined},\nsum over the regions with data ({lo}–{hi} a year)")
            else:
                title = (f"{B.tr('China', lang)}：{joined}" if lang == "zh"
                         else f"{joined}, China")
        if title:
            ax.set_title(title, fontsize=8)
        for s in ("top", "right"):
            ax.spines[s].set_visible(False)
        fig.tight_layout()
        fig.spatial_carbon = {"columns": list(columns), "scale": scale, "unit": unit_txt}
        fig.spatial_carbon["layout"] = B.finish_figure(fig)
    return fig


def flow_map(
    flows: pd.DataFrame,
    boundaries: gpd.GeoDataFrame,
    *,
    value: str = "value",
    origin: str = "origin_code",
    destination: str = "destination_code",
    id_field: str = "region_code",
    top: int | None = 30,
    min_value: float | None = None,
    unit: str = "t CO\u2082",
    max_width: float = 4.0,
    lang: str = "en",
    title: str | None = None,
    projection: str | None = "auto",
    south_china_sea: bool | None = None,
    scale_bar: bool = True,
    north_arrow: bool = True,
    color: str = "#b2182b",
    complete_territory: bool | None = None,
):
    """Flow map of carbon transfers: curved arrows between region centroids
    (:func:`anchor_points`), width proportional to the flow.

    Parameters
    ----------
    flows : DataFrame
        ``io`` transfer table: ``origin_code``, ``destination_code`` (region
        ids matching the boundaries) and ``value`` (e.g. t CO₂ embodied in
        trade).  Flows from a region to itself are ignored (not drawn).
    top : int or None
        Draw only the ``top`` largest flows (default 30; ``None``: all).
    min_value : float, optional
        Drop flows below this value.
    unit : str
        Unit of ``value``; the legend shows round values in a scaled unit
        (:func:`~spatial_carbon.maps._base.display_scale`, e.g. 10⁶ t CO₂).
    title : str, optional
        Default "Carbon transfers (largest N flows)"; ``""`` for none.
    complete_territory : bool or None
        Draw Taiwan, Hong Kong and Macau (base colour) when the layer lacks
        them; ``None``: for national maps of China.

    Returns
    -------
    matplotlib.figure.Figure
        ``fig.spatial_carbon``: ``flows`` (list of (origin, destination,
        value, linewidth)), ``legend_values``.

    Notes
    -----
    Linewidth = ``max_width`` x value / max value (points), so widths are
    comparable within one map.  A->B and B->A are drawn as arcs bending to
    opposite sides, so both stay visible.
    """
    B.check_lang(lang)
    for c in (origin, destination, value):
        if c not in flows.columns:
            raise InputError(
                f"flow table has no column {c!r} (columns: {', '.join(map(str, flows.columns))}); "
                "pass origin=, destination=, value="
            )
    f = flows[[origin, destination, value]].copy()
    f[value] = pd.to_numeric(f[value], errors="coerce")
    if f[value].isna().any():
        raise InputError("flow table: non-numeric or missing flow values")
    if (f[value] < 0).any():
        raise InputError("flow table: negative flows; give net flows as origin -> destination")
    f = f[B.id_keys(f[origin]) != B.id_keys(f[destination])]
    if min_value is not None:
        f = f[f[value] >= min_value]
    f = f.sort_values(value, ascending=False, kind="stable")
    if top is not None:
        f = f.head(top)
    if f.empty:
        raise InputError("no flows left to draw (all zero, internal, or below min_value)")
    bkeys = B.id_keys(boundaries[id_field])
    unknown = sorted((set(B.id_keys(f[origin])) | set(B.id_keys(f[destination]))) - set(bkeys))
    if unknown:
        raise InputError(
            f"flow table: region id(s) not in the boundary layer: {', '.join(unknown[:20])}"
        )
    with matplotlib.rc_context(B.rc_params(lang)):
        fig, ax = B.new_axes((6.8, 5.8))
        base = boundaries[[id_field, "geometry"]].copy()
        info = B.draw_map(ax, base, ["#f7f7f7"] * len(base), id_field=id_field,
                          projection=projection, south_china_sea=south_china_sea,
                          scale_bar=scale_bar, north_arrow=north_arrow, lang=lang,
                          complete_territory=complete_territory, territory_color="#f7f7f7")
        gp = B.project(base, projection)
        pts = anchor_points(gp.geometry)
        xy = dict(zip(bkeys, zip(pts.x, pts.y)))
        vmax = float(f[value].max())
        drawn = []
        okeys, dkeys = B.id_keys(f[origin]).tolist(), B.id_keys(f[destination]).tolist()
        for (o, d, v), ok, dk in zip(f.itertuples(index=False), okeys, dkeys):
            lw = max(max_width * v / vmax, 0.2)
            arr = FancyArrowPatch(
                xy[ok], xy[dk], connectionstyle="arc3,rad=0.2",
                arrowstyle=f"-|>,head_length={1.5 + lw * 0.5:.2f},head_width={0.8 + lw * 0.35:.2f}",
                linewidth=lw, color=color, alpha=0.75, zorder=4, shrinkA=2, shrinkB=2,
                gid="flow",
            )
            ax.add_patch(arr)
            drawn.append((o, d, float(v), float(lw)))
        ax.scatter([p[0] for p in xy.values()], [p[1] for p in xy.values()], s=3,
                   color="#333333", zorder=5)
        # width legend: the largest flow, a half and a quarter of it, each
        # drawn with the width its value gets on the map
        lv = np.array([vmax, vmax / 2, vmax / 4])
        handles = [Line2D([], [], color=color, linewidth=max_width * x / vmax, alpha=0.75)
                   for x in lv]
        sc = B.display_scale(unit, lv)
        leg = ax.legend(handles, [B.format_sig(x / sc.factor) for x in lv],
                        title=f"{B.tr('Carbon transfer', lang)} ({sc.unit})" if sc.unit
                        else B.tr("Carbon transfer", lang), loc="lower left", frameon=False)
        leg.set_gid("flow-legend")
        if title is None:
            title = B.tr("Carbon transfers", lang)
            if top is not None and len(drawn) == top:
                title += f" ({B.tr('largest', lang)} {top})"
        if title:
            ax.set_title(title)
        fig.spatial_carbon = {"flows": drawn, "legend_values": lv.tolist(), "scale": sc.factor,
                              "display_unit": sc.unit, "added": info["added"],
                              "south_china_sea": info["south_china_sea"],
                              "legend_labels": [t.get_text() for t in leg.get_texts()]}
        fig.spatial_carbon["layout"] = B.finish_figure(fig)
    return fig


def flow_lines(
    flows: pd.DataFrame,
    boundaries: gpd.GeoDataFrame,
    *,
    value: str = "value",
    origin: str = "origin_code",
    destination: str = "destination_code",
    id_field: str = "region_code",
) -> gpd.GeoDataFrame:
    """Flow table as a line layer (for GIS and :func:`spatial_carbon.styles.flows_qml`).

    One straight LineString per flow between the regions' anchor points
    (:func:`anchor_points`: centroid, or a point inside the polygon), in the
    boundaries' CRS; all flow columns are kept.  Flows from a region to itself are
    dropped (they have no line).

    Raises
    ------
    InputError
        Missing columns, or region ids not in the boundary layer.
    """
    from shapely.geometry import LineString

    for c in (origin, destination, value):
        if c not in flows.columns:
            raise InputError(f"flow table has no column {c!r}")
    bkeys = B.id_keys(boundaries[id_field])
    f = flows[B.id_keys(flows[origin]) != B.id_keys(flows[destination])]
    unknown = sorted((set(B.id_keys(f[origin])) | set(B.id_keys(f[destination]))) - set(bkeys))
    if unknown:
        raise InputError(
            f"flow table: region id(s) not in the boundary layer: {', '.join(unknown[:20])}"
        )
    import warnings

    with warnings.catch_warnings():
        # centroids in degrees are only used as line end points
        warnings.filterwarnings("ignore", message=".*geographic CRS.*")
        pts = anchor_points(boundaries.geometry)
    xy = dict(zip(bkeys, zip(pts.x, pts.y)))
    geoms = [LineString([xy[o], xy[d]])
             for o, d in zip(B.id_keys(f[origin]), B.id_keys(f[destination]))]
    return gpd.GeoDataFrame(f.reset_index(drop=True), geometry=geoms, crs=boundaries.crs)


def group_boundaries(
    boundaries: gpd.GeoDataFrame, scheme: str, *, id_field: str = "region_code"
) -> gpd.GeoDataFrame:
    """Dissolve province polygons into the groups of a grouping scheme
    (``regions.grouping``, e.g. the eight economic regions ``seed002_8``), for
    flow maps between groups: ``flow_map(flows, group_boundaries(b, "seed002_8"),
    origin="origin", destination="destination", id_field="group")``.

    Provinces not in the scheme are left out.

    Raises
    ------
    InputError
        Unknown scheme (the message lists the known ones) or no province of
        the layer in the scheme.
    """
    from .. import regions

    g = regions.grouping(scheme)
    sub = boundaries[boundaries[id_field].isin(g.index)]
    if sub.empty:
        raise InputError(f"no region of the boundary layer belongs to grouping {scheme!r}")
    sub = sub[[id_field, "geometry"]].assign(group=sub[id_field].map(g).to_numpy())
    out = sub.dissolve(by="group", as_index=False)[["group", "geometry"]]
    return out
