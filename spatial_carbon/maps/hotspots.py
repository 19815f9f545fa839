"""Hot-spot map (ArcGIS colours), spatial Markov heat maps and the centre of
gravity map (trajectory and standard deviational ellipses).  Drawing only:
every number comes from the tables of ``spatial.hotspots``, ``spatial.markov``
and ``spatial.centrography``."""

from __future__ import annotations

from typing import Sequence

import geopandas as gpd
import matplotlib
import numpy as np
import pandas as pd

from ..errors import InputError
from . import _base as B

__all__ = ["GI_BIN_COLORS", "centre_map", "hotspot_map", "markov_heatmaps"]

#: ArcGIS Pro's Hot Spot Analysis renderer: Gi_Bin -> (label, colour).
GI_BIN_COLORS = {
    -3: ("Cold spot - 99% confidence", "#4575b5"),
    -2: ("Cold spot - 95% confidence", "#849eba"),
    -1: ("Cold spot - 90% confidence", "#c0ccbe"),
    0: ("Not significant", "#ffffbf"),
    1: ("Hot spot - 90% confidence", "#fab984"),
    2: ("Hot spot - 95% confidence", "#ed7551"),
    3: ("Hot spot - 99% confidence", "#d62f27"),
}
_ZH = {
    "Cold spot - 99% confidence": "冷点（99% 置信度）", "Cold spot - 95% confidence": "冷点（95% 置信度）",
    "Cold spot - 90% confidence": "冷点（90% 置信度）", "Not significant": "不显著",
    "Hot spot - 90% confidence": "热点（90% 置信度）", "Hot spot - 95% confidence": "热点（95% 置信度）",
    "Hot spot - 99% confidence": "热点（99% 置信度）",
}


def _t(text: str, lang: str) -> str:
    return _ZH.get(text, text) if lang == "zh" else text


def hotspot_map(
    hot: pd.DataFrame,
    boundaries: gpd.GeoDataFrame,
    *,
    years: Sequence[int] | None = None,
    id_field: str = "region_code",
    field: str = "gi_bin",
    lang: str = "en",
    title: str | None = None,
    projection: str | None = "auto",
    ncols: int | None = None,
):
    """Getis-Ord G* hot-spot map in ArcGIS's colours (``gi_bin`` -3..3), one
    panel per year.

    Parameters
    ----------
    hot : DataFrame
        ``hotspots.local_g`` output (``id_field``, ``year``, ``gi_bin``).

    Returns
    -------
    matplotlib.figure.Figure
        ``fig.spatial_carbon["bins"]``: per year, id -> bin drawn.
    """
    B.check_lang(lang)
    if field not in hot.columns:
        raise InputError(f"hot-spot table has no column {field!r}")
    yrs = [None] if years is None else list(years)
    with matplotlib.rc_context(B.rc_params(lang)):
        n = len(yrs)
        fig, axes, legend_h = B.make_panels(n, ncols, None)
        meta = {"bins": {}}
        for i, (ax, y) in enumerate(zip(axes.flat, yrs)):
            f = B.join_boundaries(boundaries, B.select_year(hot, y, where="hot-spot table"), [field],
                                  id_field=id_field, where="hot-spot table")
            b = f[field]
            fc = [GI_BIN_COLORS[int(v)][1] if pd.notna(v) else B.NODATA_COLOR for v in b]
            info = B.draw_map(ax, f, fc, id_field=id_field, projection=projection,
                              scale_bar=i == 0, north_arrow=i == 0, lang=lang,
                              hatch_mask=b.isna().to_numpy(),
                              furniture_scale=1.0 if n == 1 else 0.85)
            meta["added"] = info["added"]  # Taiwan, Hong Kong, Macau when the layer lacks them
            meta["bins"][y] = dict(zip(f[id_field].tolist(), b.tolist()))
            if y is not None:
                ax.set_title(str(y))
        for ax in list(axes.flat)[n:]:
            ax.set_visible(False)
        colors = [c for _, c in GI_BIN_COLORS.values()]
        labels = [_t(lbl, lang) for lbl, _ in GI_BIN_COLORS.values()]
        nodata = (any(pd.isna(v) for b in meta["bins"].values() for v in b.values())
                  or bool(meta.get("added")))
        if nodata:
            colors.append(B.NODATA_COLOR)
            labels.append(B.tr("No data", lang))
        handles = B.legend_handles(colors, labels, hatch_last=nodata)
        ttl = title or ("Hot spots (Getis-Ord Gi*)" if lang == "en" else "冷热点（Getis-Ord Gi*）")
        var = hot["variable"].dropna().unique() if "variable" in hot.columns else []
        if title is None and len(var) == 1:  # titles name the variable
            ttl = f"{ttl}: {B.variable_name(str(var[0]), lang)}"
        if n == 1:
            axes.flat[0].legend(handles=handles, loc="lower left", frameon=False, fontsize=6)
            axes.flat[0].set_title(ttl)
        else:
            fig.suptitle(ttl)
            fig.tight_layout(rect=(0, legend_h / fig.get_figheight(), 1, 1))
            fig.legend(handles=handles, loc="lower center", ncols=4, frameon=False, fontsize=6)
        meta["layout"] = B.finish_figure(fig)  # scale bar in open sea, inset label placed
        fig.spatial_carbon = meta
    return fig


def markov_heatmaps(transitions: pd.DataFrame, *, lang: str = "en", title: str | None = None,
                    variable: str | None = None):
    """Spatial Markov matrices as annotated heat maps: the pooled matrix and one
    per lag class (rows from class, columns to class; cells: probability and
    count).

    Parameters
    ----------
    transitions : DataFrame
        ``SpatialMarkovResult.transitions`` (or the study's
        ``spatial_markov`` table, filtered to one ``variable``).
    """
    B.check_lang(lang)
    t = transitions
    if "variable" in t.columns and variable is not None:
        t = t[t["variable"] == variable]
    need = {"lag_class", "from_class", "to_class", "n_steps", "probability"}
    if not need <= set(t.columns):
        raise InputError(f"transitions table lacks {sorted(need - set(t.columns))}")
    lcs = sorted(pd.unique(t["lag_class"]).tolist())
    with matplotlib.rc_context(B.rc_params(lang)):
        ncol = min(3, len(lcs))
        nrow = int(np.ceil(len(lcs) / ncol))
        fig = B.new_figure((3.1 * ncol, 2.9 * nrow))
        for pos, lc in enumerate(lcs):
            ax = fig.add_subplot(nrow, ncol, pos + 1)
            s = t[t["lag_class"] == lc]
            P = s.pivot(index="from_class", columns="to_class", values="probability")
            C = s.pivot(index="from_class", columns="to_class", values="n_steps")
            k = len(P)
            vals = P.to_numpy(dtype=float)
            ax.imshow(np.nan_to_num(vals), cmap="Blues", vmin=0, vmax=1)
            for i in range(k):
                for j in range(k):
                    v = vals[i, j]
                    txt = "–" if not np.isfinite(v) else f"{v:.2f}\n({int(C.iat[i, j])})"
                    ax.text(j, i, txt, ha="center", va="center", fontsize=5.5 if k > 4 else 6.5,
                            color="white" if np.isfinite(v) and v > 0.6 else "black")
            ax.set_xticks(range(k), [str(c) for c in P.columns])
            ax.set_yticks(range(k), [str(c) for c in P.index])
            if lc == 0:
                name = "pooled" if lang == "en" else "全部"
            else:
                name = f"lag class {lc}" if lang == "en" else f"邻域类型 {lc}"
            ax.set_title(name, fontsize=8)
            ax.set_xlabel("t + 1" if lang == "en" else "t + 1 年", fontsize=7)
            ax.set_ylabel("t" if lang == "en" else "t 年", fontsize=7)
        ttl = title or ("Spatial Markov transition probabilities" if lang == "en"
                        else "空间马尔可夫转移概率")
        fig.suptitle(f"{ttl}: {B.variable_name(variable, lang)}" if variable else ttl, fontsize=9)
        fig.tight_layout()
        fig.spatial_carbon = {"lag_classes": lcs}
    return fig


def centre_map(
    centres: pd.DataFrame,
    boundaries: gpd.GeoDataFrame,
    *,
    years: Sequence[int] | None = None,
    sd: int = 1,
    lang: str = "en",
    title: str | None = None,
    label_every: int = 1,
):
    """Centre of gravity trajectory and standard deviational ellipses over the
    regions, drawn in the projection of the computation (equal-area).

    Parameters
    ----------
    centres : DataFrame
        ``CentreResult.centres`` (or the study's ``centre`` table for one
        variable): ``year``, ``x_m``, ``y_m``, ``major_km``, ``minor_km``,
        ``rotation_deg``, ``crs``.
    years : sequence, optional
        Years whose ellipse is drawn (default: first and last); the
        trajectory always joins every year.
    sd : {1, 2, 3}
        Ellipse size (axes times ``sd``).

    Returns
    -------
    matplotlib.figure.Figure
        ``fig.spatial_carbon``: ``ellipse_years``, ``trajectory`` (n x 2, m).
    """
    from ..spatial.centrography import ellipse_polygon

    B.check_lang(lang)
    need = {"x_m", "y_m", "major_km", "minor_km", "rotation_deg", "crs"}
    if centres.empty or not need <= set(centres.columns):
        raise InputError(f"centre table is empty or lacks {sorted(need - set(centres.columns))}")
    if sd not in (1, 2, 3):
        raise InputError(f"sd must be 1, 2 or 3, got {sd!r}")
    c = centres.sort_values("year") if "year" in centres.columns else centres
    crs = c["crs"].iloc[0]
    allyrs = c["year"].tolist() if "year" in c.columns else [None]
    yrs = [allyrs[0], allyrs[-1]] if years is None else list(years)
    cmap = matplotlib.colormaps["viridis"]
    with matplotlib.rc_context(B.rc_params(lang)):
        fig, ax = B.new_axes((6.4, 5.0))
        # the base map as every national map: Taiwan, Hong Kong and Macau, the
        # South China Sea inset with the ten-dash line, scale bar, north arrow
        base = boundaries[[boundaries.columns[0], "geometry"]]
        B.draw_map(ax, base, ["#f4f4f4"] * len(base), id_field=boundaries.columns[0],
                   projection=crs, lang=lang, territory_color="#f4f4f4")
        bx0, bx1 = ax.get_xlim()
        by0, by1 = ax.get_ylim()
        x, y = c["x_m"].to_numpy(), c["y_m"].to_numpy()
        xs, ys = [x], [y]
        drawn = []
        for yy in dict.fromkeys(yrs):
            if yy not in allyrs:
                raise InputError(f"no centre for year {yy}")
            r = c.iloc[allyrs.index(yy)]
            poly = ellipse_polygon(r["x_m"], r["y_m"], sd * r["major_km"] * 1000,
                                   sd * r["minor_km"] * 1000, r["rotation_deg"])
            xy = np.asarray(poly.exterior.coords)
            col = cmap(allyrs.index(yy) / max(1, len(allyrs) - 1))
            ax.plot(xy[:, 0], xy[:, 1], color=col, linewidth=1.0,
                    label=f"{yy} ({sd} SD)" if lang == "en" else f"{yy}（{sd} 倍标准差）",
                    gid="ellipse")
            xs.append(xy[:, 0])
            ys.append(xy[:, 1])
            drawn.append(yy)
        ax.plot(x, y, color="#444444", linewidth=0.8, zorder=4, gid="trajectory")
        ax.scatter(x, y, c=np.linspace(0, 1, len(x)), cmap=cmap, s=10, zorder=5)
        xs, ys = np.concatenate(xs), np.concatenate(ys)
        ax.set_xlim(min(bx0, xs.min()), max(bx1, xs.max()))
        ax.set_ylim(min(by0, ys.min()), max(by1, ys.max()))
        # the yearly moves are tens of km: an inset zooms on the trajectory (in
        # the sea east of China, clear of the South China Sea inset)
        ins = ax.inset_axes([0.78, 0.36, 0.21, 0.27])
        ins.plot(x, y, color="#444444", linewidth=0.8, gid="trajectory-inset")
        ins.scatter(x, y, c=np.linspace(0, 1, len(x)), cmap=cmap, s=8, zorder=5)
        for i, yy in enumerate(allyrs):
            if yy is not None and (i % max(1, label_every) == 0 or i == len(allyrs) - 1):
                ins.annotate(str(yy), (x[i], y[i]), fontsize=5, xytext=(2, 2),
                             textcoords="offset points", zorder=6)
        span = max(np.ptp(x), np.ptp(y), 20_000.0) * 0.65
        ins.set_xlim(x.mean() - span, x.mean() + span)
        ins.set_ylim(y.mean() - span, y.mean() + span)
        ins.set_aspect("equal")
        ins.set_xticks([])
        ins.set_yticks([])
        ins.set_title(f"trajectory ({2 * span / 1000:.0f} km across)" if lang == "en"
                      else f"重心轨迹（宽 {2 * span / 1000:.0f} 千米）", fontsize=6)
        ax.indicate_inset_zoom(ins, edgecolor="#888888")
        ax.legend(loc="lower left", frameon=False, fontsize=6)
        var = c["variable"].iloc[0] if "variable" in c.columns else ""
        name = B.variable_name(str(var), lang) if var else ""
        ttl = title or (f"Centre of gravity of {name}" if lang == "en"
                        else f"{name} 重心迁移与标准差椭圆")
        ax.set_title(ttl)
        fig.tight_layout()
        fig.spatial_carbon = {"ellipse_years": drawn, "trajectory": np.column_stack([x, y])}
        fig.spatial_carbon["layout"] = B.finish_figure(fig)
    return fig
