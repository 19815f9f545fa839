"""LISA cluster and significance maps (GeoDa's palette), the Moran scatter
plot and the Moran's I time series."""

from __future__ import annotations

from typing import Sequence

import geopandas as gpd
import matplotlib
import numpy as np
import pandas as pd

from ..errors import InputError
from . import _base as B

#: LISA cluster codes (GeoDa's meaning, as in ``autocorr.local_moran``):
#: code -> (English label, hex colour).  Colours from GeoDa's
#: ``Explore/LisaMapNewView.cpp``: not significant (240,240,240), High-High
#: (255,0,0), Low-Low (0,0,255), Low-High (150,150,255), High-Low (255,150,150),
#: undefined (70,70,70), neighbourless (140,140,140).
LISA_CLUSTERS = {
    0: ("Not significant", "#f0f0f0"),
    1: ("High-High", "#ff0000"),
    2: ("Low-Low", "#0000ff"),
    3: ("Low-High", "#9696ff"),
    4: ("High-Low", "#ff9696"),
    5: ("Undefined", "#464646"),
    6: ("Isolated", "#8c8c8c"),
}

#: Significance map classes: (upper p bound, label, GeoDa colour).  GeoDa:
#: p = 0.05 (75,255,80), 0.01 (6,196,11), 0.001 (3,116,6), 0.0001 (1,70,3).
SIGNIFICANCE_LEVELS = (
    (0.0001, "p ≤ 0.0001", "#014603"),
    (0.001, "p ≤ 0.001", "#037406"),
    (0.01, "p ≤ 0.01", "#06c40b"),
    (0.05, "p ≤ 0.05", "#4bff50"),
)


def _lisa_year(lisa, year, id_field, variable, where="lisa table"):
    df = lisa
    for vcol in ("column", "variable"):
        if vcol in df.columns:
            vals = df[vcol].astype(str).unique()
            if variable is None and len(vals) > 1:
                raise InputError(
                    f"{where} holds several variables ({', '.join(sorted(vals))}); pass variable=..."
                )
            if variable is not None:
                df = df[df[vcol].astype(str) == variable]
                if df.empty:
                    raise InputError(f"{where} has no rows for variable {variable!r}")
    return B.select_year(df, year, where=where)


def _significance_class(p: np.ndarray, cluster: np.ndarray, alpha: float) -> np.ndarray:
    """0 = not significant, 1.. = level index in SIGNIFICANCE_LEVELS order,
    -2 undefined, -3 isolated, -1 no data."""
    out = np.full(p.shape, -1, dtype=int)
    ok = np.isfinite(p)
    out[ok] = 0
    for i, (lvl, _, _) in enumerate(SIGNIFICANCE_LEVELS):
        if lvl > alpha + 1e-12:
            continue
        sel = ok & (p <= lvl) & (out == 0)
        out[sel] = i + 1
    out[cluster == 5] = -2
    out[cluster == 6] = -3
    return out


def lisa_figure(
    lisa: pd.DataFrame,
    boundaries: gpd.GeoDataFrame,
    *,
    years: Sequence[int] | None = None,
    kind: str = "cluster",
    variable: str | None = None,
    alpha: float = 0.05,
    id_field: str = "region_code",
    cluster_col: str = "cluster",
    p_col: str = "p_sim",
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
    """LISA cluster map (``kind="cluster"``) or significance map
    (``kind="significance"``), one panel per year, GeoDa's colours.

    Parameters
    ----------
    lisa : DataFrame
        The ``autocorr.local_moran`` table: ``id_field``, ``year``,
        ``cluster`` (0 not significant, 1 HH, 2 LL, 3 LH, 4 HL, 5 undefined,
        6 isolated) and ``p_sim``; optionally ``column``/``variable`` when it
        holds several variables (then pass ``variable``).
    kind : {"cluster", "significance"}
        Cluster categories, or pseudo-p classes (0.05, 0.01, 0.001, 0.0001 as
        in GeoDa) of the locations significant at ``alpha``.
    alpha : float
        Significance level the cluster codes were computed with; the
        significance map shows only levels <= ``alpha``.
    title : str, optional
        Default: the map kind and the variable's name, e.g. "LISA clusters:
        Footprint size (ICF_size) 2019"; ``""`` for none.  The legend title
        is only the kind (cluster categories and p levels have no unit).
    complete_territory : bool or None
        Draw Taiwan, Hong Kong and Macau as "No data" when the layer lacks
        them; ``None``: for national maps of China.

    Returns
    -------
    matplotlib.figure.Figure
        ``fig.spatial_carbon`` holds ``categories`` (legend labels),
        ``colors``, ``codes`` (per year: region id -> category) and ``counts``.

    Notes
    -----
    The cluster code is taken as computed (it already reflects ``alpha``
    and any multiple-testing choice); a region without a row is "No data".
    """
    B.check_lang(lang)
    if kind not in ("cluster", "significance"):
        raise InputError(f"unknown LISA map kind {kind!r}; use 'cluster' or 'significance'")
    yrs = [None] if years is None else list(years)
    with matplotlib.rc_context(B.rc_params(lang)):
        frames = []
        for y in yrs:
            sub = _lisa_year(lisa, y, id_field, variable)
            for c in (cluster_col, p_col) if kind == "significance" else (cluster_col,):
                if c not in sub.columns:
                    raise InputError(f"lisa table has no {c!r} column")
            cols = [cluster_col] + ([p_col] if kind == "significance" else [])
            frames.append(B.join_boundaries(boundaries, sub, cols, id_field=id_field,
                                            where="lisa table"))
        n = len(yrs)
        fig, axes, legend_h = B.make_panels(n, ncols, panel_size)
        # legend entries: always the full set of the kind, plus extras seen
        if kind == "cluster":
            cats = [(code, B.tr(lbl, lang), col) for code, (lbl, col) in LISA_CLUSTERS.items()
                    if code <= 4]
        else:
            cats = [(0, B.tr("Not significant", lang), LISA_CLUSTERS[0][1])]
            cats += [(i + 1, lbl, col) for i, (lvl, lbl, col) in enumerate(SIGNIFICANCE_LEVELS)
                     if lvl <= alpha + 1e-12]
        extra = {-2: (B.tr("Undefined", lang), LISA_CLUSTERS[5][1]),
                 -3: (B.tr("Isolated", lang), LISA_CLUSTERS[6][1]),
                 -1: (B.tr("No data", lang), B.NODATA_COLOR)}
        color_of = {c: col for c, _, col in cats}
        color_of.update({c: v[1] for c, v in extra.items()})
        seen: set[int] = set()
        meta = {"kind": kind, "variable": variable, "years": yrs, "codes": {}, "counts": {}}
        panel = dict(id_field=id_field, projection=projection, south_china_sea=south_china_sea,
                     scale_bar=scale_bar, north_arrow=north_arrow, lang=lang,
                     label_regions=label_regions, complete_territory=complete_territory)
        for i, (ax, y, f) in enumerate(zip(axes.flat, yrs, frames)):
            cl = f[cluster_col].to_numpy(dtype=float)
            clc = np.where(np.isfinite(cl), cl, -1).astype(int)
            bad = set(np.unique(clc)) - set(range(-1, 7))
            if bad:
                raise InputError(
                    f"lisa table: unknown cluster code(s) {sorted(bad)}; expected 0-6 (GeoDa codes)"
                )
            if kind == "cluster":
                cat = clc.copy()
                cat[clc == 5] = -2
                cat[clc == 6] = -3
            else:
                cat = _significance_class(f[p_col].to_numpy(dtype=float), clc, alpha)
                cat[(clc < 0)] = -1
                # a location whose cluster code says "not significant" stays so
                cat[(clc == 0) & (cat > 0)] = 0
            seen |= set(cat.tolist())
            fc = [color_of[c] for c in cat]
            info = B.draw_panel(ax, i, n, f, fc, boundaries, hatch_mask=cat == -1, **panel)
            if info["added"]:
                seen.add(-1)
            meta["added"] = info["added"]
            meta["codes"][y] = dict(zip(f[id_field].tolist(), cat.tolist()))
            meta["counts"][y] = {int(c): int((cat == c).sum()) for c in np.unique(cat)}
            if n > 1:
                ax.set_title(str(y))
        for ax in list(axes.flat)[n:]:
            ax.set_visible(False)
        entries = [(c, l, col) for c, l, col in cats]
        entries += [(c, v[0], v[1]) for c, v in extra.items() if c in seen]
        labels = [l for _, l, _ in entries]
        colors = [col for _, _, col in entries]
        handles = B.legend_handles(colors, labels)
        for h, (c, _, _) in zip(handles, entries):
            if c == -1:
                h.set_hatch("////")
        ttl = B.tr("LISA cluster" if kind == "cluster" else "LISA significance", lang)
        if title is None:
            what = B.tr("LISA clusters" if kind == "cluster" else "LISA significance", lang)
            title = f"{what}: {B.variable_name(variable, lang)}" if variable else what
            if n == 1 and yrs[0] is not None:
                title = f"{title} {yrs[0]}"
        if n == 1:
            leg = axes.flat[0].legend(handles=handles, title=ttl, loc="lower left", frameon=False)
            if title:
                axes.flat[0].set_title(title)
        else:
            if title:
                fig.suptitle(title)
            fig.tight_layout(rect=(0, legend_h / fig.get_figheight(), 1, 1))
            leg = fig.legend(handles=handles, title=ttl, loc="lower center",
                             ncols=B.legend_ncols([h.get_label() for h in handles]), frameon=False)
        leg.set_gid("lisa-legend")
        meta["categories"] = labels
        meta["colors"] = colors
        meta["legend_labels"] = [t.get_text() for t in leg.get_texts()]
        meta["legend_title"] = ttl
        meta["layout"] = B.finish_figure(fig)
        fig.spatial_carbon = meta
    return fig


def lisa_map(lisa, boundaries, *, year=None, kind="cluster", **kwargs):
    """One-year LISA cluster or significance map (see :func:`lisa_figure`)."""
    return lisa_figure(lisa, boundaries, years=None if year is None else [year], kind=kind,
                       **kwargs)


#: Moran scatter quadrants: code (as LISA clusters) -> short label; HH upper
#: right, LH upper left, LL lower left, HL lower right.
SCATTER_QUADRANTS = {1: "HH", 3: "LH", 2: "LL", 4: "HL"}


def moran_scatter(
    values,
    w=None,
    *,
    lag=None,
    standardize: bool = True,
    quadrant_colors: bool = True,
    label: str | None = None,
    lang: str = "en",
    ax=None,
    title: str | None = None,
    names=None,
    significant=None,
    alpha: float | None = None,
):
    """Moran scatter plot: (standardised) value against its spatial lag, with
    the fitted OLS line whose slope is Moran's I, a quadrant legend (HH, LH,
    LL, HL) and the names of the significant regions.

    Parameters
    ----------
    values : Series or array
        The variable (one year), length n, in the order of the weights' ids
        (a Series indexed by id is reordered to match).
    w : spatial_carbon.spatial.weights.Weights or libpysal.weights.W, optional
        Row-standardised weights (ids in ``w.ids`` / ``w.id_order``); the lag
        is ``W z``.  Not needed when ``lag`` is given.
    lag : array, optional
        Spatial lag of the (standardised) values, precomputed.
    standardize : bool
        Plot z-scores ``(x - mean) / sd`` (population sd, as GeoDa).
    label : str, optional
        The variable's column (e.g. ``"ICF_size"``), named on the x axis.
    title : str, optional
        Axes title; ``{I:.3f}`` in it is replaced by the fitted slope
        (default ``"Moran's I = {I:.3f}"``, preceded by the variable's name
        when ``label`` is given).
    names : sequence of str, optional
        Region names, one per value (same order), for the labels.
    significant : sequence of bool, optional
        Which regions are significant local clusters (e.g. the LISA table's
        ``cluster`` in 1-4, i.e. after the study's multiple-testing rule):
        drawn with a black outline and, with ``names``, labelled (labels kept
        apart by adjustText, with leader lines where moved).
    alpha : float, optional
        The significance level, for the legend ("significant, p ≤ 0.05").

    Returns
    -------
    matplotlib.figure.Figure
        ``fig.spatial_carbon`` holds ``slope`` (= Moran's I for row-standardised
        W and standardised values), ``intercept``, ``n``, ``quadrants``
        (code per point: 1 HH, 2 LL, 3 LH, 4 HL), ``labelled`` (names written)
        and ``legend_labels``.

    Notes
    -----
    With row-standardised W, the OLS slope of ``Wz`` on ``z`` equals Moran's
    I = (n / S0) z'Wz / z'z with S0 = n (Anselin 1996, "The Moran scatterplot
    as an ESDA tool", in Fischer et al., Spatial Analytical Perspectives on
    GIS, 111-125).  Quadrants: HH upper right, LL lower left, LH upper left,
    HL lower right (a point on an axis counts as high).
    """
    B.check_lang(lang)
    ids = None
    if w is not None:
        ids = list(w.id_order) if hasattr(w, "id_order") else np.asarray(w.ids).tolist()
    if isinstance(values, pd.Series) and ids is not None:
        missing = set(ids) - set(values.index)
        if missing:
            raise InputError(
                f"values lack {len(missing)} id(s) of the weights: {sorted(map(str, missing))[:10]}"
            )
        values = values.reindex(ids)
    x = np.asarray(values, dtype=float)
    if not np.all(np.isfinite(x)):
        raise InputError("moran_scatter: values contain missing or infinite entries")
    if x.std() == 0:
        raise InputError("moran_scatter: all values are equal; Moran's I is undefined")
    for nm, arr in (("names", names), ("significant", significant)):
        if arr is not None and len(arr) != len(x):
            raise InputError(f"moran_scatter: {len(arr)} {nm} for {len(x)} values")
    z = (x - x.mean()) / x.std() if standardize else x - x.mean()
    if lag is None:
        if w is None:
            raise InputError("moran_scatter needs weights w or a precomputed lag")
        if len(ids) != len(z):
            raise InputError(f"weights have {len(ids)} units but values have {len(z)}")
        m = w.sparse
        rs = np.asarray(m.sum(axis=1)).ravel()
        if not np.allclose(rs[rs > 0], 1.0):
            raise InputError(
                "moran_scatter expects row-standardised weights (rows summing to 1); "
                "build them with transform='r'"
            )
        wz = np.asarray(m @ z).ravel()
    else:
        wz = np.asarray(lag, dtype=float)
        if wz.shape != z.shape:
            raise InputError(f"lag has {wz.size} values but values have {z.size}")
    slope, intercept = np.polyfit(z, wz, 1)
    q = np.where(z >= 0, np.where(wz >= 0, 1, 4), np.where(wz >= 0, 3, 2))
    sig = (np.zeros(len(z), dtype=bool) if significant is None
           else np.asarray(significant, dtype=bool))
    with matplotlib.rc_context(B.rc_params(lang)):
        if ax is None:
            fig, ax = B.new_axes((4.6, 3.4))
        else:
            fig = ax.figure
        cols = [LISA_CLUSTERS[int(k)][1] for k in q] if quadrant_colors else ["#bdbdbd"] * len(z)
        ax.scatter(z[~sig], wz[~sig], c=[c for c, s_ in zip(cols, sig) if not s_], s=14,
                   edgecolors="#666666", linewidths=0.4, zorder=3, gid="points")
        if sig.any():
            ax.scatter(z[sig], wz[sig], c=[c for c, s_ in zip(cols, sig) if s_], s=22,
                       edgecolors="black", linewidths=0.9, zorder=3.5, gid="points-significant")
        xs = np.array([min(z.min(), -0.1), max(z.max(), 0.1)])
        ax.plot(xs, intercept + slope * xs, color="black", linewidth=1.0, zorder=4, gid="fit")
        ax.axhline(0, color="#888888", linewidth=0.6, linestyle="--", zorder=1)
        ax.axvline(0, color="#888888", linewidth=0.6, linestyle="--", zorder=1)
        name = label or ""
        ax.set_xlabel(f"{B.tr('Standardised value', lang)}{' ' + name if name else ''}")
        ax.set_ylabel(B.tr("Spatial lag", lang))
        if title is None:
            title = ("Moran's I = {I:.3f}" if not label
                     else f"{B.variable_name(label, lang)}: Moran's I = {{I:.3f}}")
        ax.set_title(title.format(I=slope) if "{I" in title else title)
        for s_ in ("top", "right"):
            ax.spines[s_].set_visible(False)
        # quadrant legend (outside the plot, so it hides no point)
        from matplotlib.lines import Line2D

        handles, labels = [], []
        for code, short in SCATTER_QUADRANTS.items():
            long = B.tr(LISA_CLUSTERS[code][0], lang)
            handles.append(Line2D([], [], marker="o", linestyle="none", markersize=4.5,
                                  markerfacecolor=LISA_CLUSTERS[code][1] if quadrant_colors
                                  else "#bdbdbd", markeredgecolor="#666666",
                                  markeredgewidth=0.4))
            labels.append(f"{short} ({long})")
        if significant is not None:
            handles.append(Line2D([], [], marker="o", linestyle="none", markersize=5,
                                  markerfacecolor="white", markeredgecolor="black",
                                  markeredgewidth=0.9))
            labels.append(B.tr("significant", lang) + (f" (p ≤ {alpha:g})" if alpha else ""))
        handles.append(Line2D([], [], color="black", linewidth=1.0))
        labels.append(f"{B.tr('slope', lang)} = Moran's I")
        leg = ax.legend(handles, labels, title=B.tr("Quadrant", lang), loc="upper left",
                        bbox_to_anchor=(1.02, 1.0), frameon=False, borderaxespad=0.0)
        leg.set_gid("quadrant-legend")
        labelled = []
        if names is not None and sig.any():
            from matplotlib import patheffects

            halo = [patheffects.withStroke(linewidth=1.2, foreground="white")]
            texts, targets = [], []
            for i in np.flatnonzero(sig):
                texts.append(ax.text(z[i], wz[i], str(names[i]), fontsize=5.5, ha="center",
                                     va="center", zorder=5, gid="point-label",
                                     path_effects=halo))
                targets.append((z[i], wz[i]))
                labelled.append(str(names[i]))
            ax.sc_labels = {"texts": texts, "targets": targets, "points": (z, wz)}
        fig.tight_layout()
        meta = {"slope": float(slope), "intercept": float(intercept), "n": int(z.size),
                "quadrants": q.tolist(), "labelled": labelled,
                "legend_labels": [t.get_text() for t in leg.get_texts()]}
        meta["layout"] = B.finish_figure(fig)
        fig.spatial_carbon = meta
    return fig


def moran_series(
    moran: pd.DataFrame,
    *,
    variables: Sequence[str] | None = None,
    alpha: float = 0.05,
    i_col: str = "I",
    p_col: str = "p_sim",
    lang: str = "en",
    title: str | None = None,
    ax=None,
):
    """Moran's I by year, one line per variable; filled markers where the
    permutation pseudo-p is <= ``alpha``, open markers otherwise; the
    expectation E[I] = -1/(n-1) as a dashed line when the table has ``EI``
    (or ``E_I``/``expected_I``).

    Parameters
    ----------
    moran : DataFrame
        The ``autocorr.global_moran`` table: ``year``, ``I``, ``p_sim`` and
        ``column``/``variable`` when it holds several variables.

    Returns
    -------
    matplotlib.figure.Figure
        ``fig.spatial_carbon["series"]``: variable -> list of (year, I, significant).
    """
    B.check_lang(lang)
    for c in ("year", i_col, p_col):
        if c not in moran.columns:
            raise InputError(f"moran table has no {c!r} column (columns: {', '.join(moran.columns)})")
    vcol = next((c for c in ("column", "variable") if c in moran.columns), None)
    groups = [(None, moran)] if vcol is None else list(moran.groupby(vcol, sort=False))
    if variables is not None and vcol is not None:
        groups = [(v, g) for v, g in groups if v in set(variables)]
        if not groups:
            raise InputError(f"moran table has none of the variables {list(variables)}")
    markers = ["o", "s", "^", "D", "v", "P"]
    with matplotlib.rc_context(B.rc_params(lang)):
        if ax is None:
            fig, ax = B.new_axes((4.8, 3.0))
        else:
            fig = ax.figure
        meta = {}
        for k, (v, g) in enumerate(groups):
            g = g.sort_values("year")
            yr = g["year"].to_numpy(dtype=int)
            iv = g[i_col].to_numpy(dtype=float)
            sig = g[p_col].to_numpy(dtype=float) <= alpha
            lbl = v if v is not None else "I"
            line, = ax.plot(yr, iv, color=f"C{k}", linewidth=1.0, label=lbl, zorder=2)
            m = markers[k % len(markers)]
            ax.scatter(yr[sig], iv[sig], marker=m, color=f"C{k}", s=18, zorder=3)
            ax.scatter(yr[~sig], iv[~sig], marker=m, facecolors="white", edgecolors=f"C{k}",
                       s=18, zorder=3)
            meta[v] = list(zip(yr.tolist(), iv.tolist(), sig.tolist()))
        ecol = next((c for c in ("EI", "E_I", "expected_I", "EI_sim") if c in moran.columns), None)
        if ecol is not None:
            ax.axhline(float(moran[ecol].iloc[0]), color="#888888", linestyle="--", linewidth=0.7,
                       label=B.tr("Expected I", lang))
        ax.axhline(0, color="#bbbbbb", linewidth=0.5)
        # marker legend for significance
        from matplotlib.lines import Line2D

        h, l = ax.get_legend_handles_labels()
        h += [Line2D([], [], marker="o", color="#555555", linestyle="none", markersize=4),
              Line2D([], [], marker="o", markerfacecolor="white", color="#555555",
                     linestyle="none", markersize=4)]
        l += [f"p ≤ {alpha:g} ({B.tr('significant', lang)})",
              f"p > {alpha:g} ({B.tr('not significant', lang)})"]
        ax.legend(h, l, frameon=False, loc="best")
        ax.set_xlabel(B.tr("Year", lang))
        ax.set_ylabel(B.tr("Moran's I", lang))
        ax.xaxis.get_major_locator().set_params(integer=True)
        if title is None:
            names = [B.variable_name(v, lang) for v, _ in groups if v is not None]
            title = B.tr("Global Moran's I", lang) + (": " + ", ".join(names) if names else "")
        if title:
            ax.set_title(title, fontsize=8)
        for s in ("top", "right"):
            ax.spines[s].set_visible(False)
        fig.tight_layout()
        fig.spatial_carbon = {"series": meta, "alpha": alpha}
        fig.spatial_carbon["layout"] = B.finish_figure(fig)
    return fig


#: Order of LISA quadrants in the transition matrices (rows from, columns to).
QUADRANTS = ("HH", "LH", "LL", "HL")


def _matrix(table: pd.DataFrame, variable, where: str) -> pd.DataFrame:
    t = table
    vcol = next((c for c in ("column", "variable") if c in t.columns), None)
    if vcol is not None:
        vals = list(dict.fromkeys(t[vcol].astype(str)))
        if variable is None and len(vals) > 1:
            raise InputError(f"{where} holds several variables ({', '.join(vals)}); pass variable=...")
        if variable is not None:
            t = t[t[vcol].astype(str) == variable]
            if t.empty:
                raise InputError(f"{where} has no rows for variable {variable!r}")
    if "from" in t.columns:
        t = t.set_index("from")
    missing = [q for q in QUADRANTS if q not in t.columns or q not in t.index]
    if missing:
        raise InputError(f"{where} lacks quadrant(s) {', '.join(missing)} (rows 'from', columns to)")
    return t.loc[list(QUADRANTS), list(QUADRANTS)].astype(float)


def transition_heatmap(
    probabilities: pd.DataFrame,
    counts: pd.DataFrame | None = None,
    *,
    variable: str | None = None,
    lang: str = "en",
    title: str | None = None,
    ax=None,
):
    """LISA Markov transition matrix as an annotated heat map (rows: from,
    columns: to, order HH, LH, LL, HL); cells show the probability and, with
    ``counts``, the number of transitions.

    Parameters
    ----------
    probabilities, counts : DataFrame
        ``transitions.lisa_transitions(...).probabilities`` / ``.counts``, or
        the study's ``transition_probs`` / ``transition_counts`` tables
        (column ``from`` and a ``column`` per variable).

    Returns
    -------
    matplotlib.figure.Figure
        ``fig.spatial_carbon["matrix"]``: the 4 x 4 probabilities drawn.
    """
    B.check_lang(lang)
    p = _matrix(probabilities, variable, "transition probabilities")
    c = _matrix(counts, variable, "transition counts") if counts is not None else None
    with matplotlib.rc_context(B.rc_params(lang)):
        if ax is None:
            fig, ax = B.new_axes((3.4, 3.0))
        else:
            fig = ax.figure
        vals = p.to_numpy()
        im = ax.imshow(np.nan_to_num(vals, nan=0.0), cmap="Blues", vmin=0, vmax=1)
        for i in range(4):
            for j in range(4):
                v = vals[i, j]
                txt = "–" if not np.isfinite(v) else f"{v:.2f}"
                if c is not None and np.isfinite(c.iat[i, j]):
                    txt += f"\n({int(round(c.iat[i, j]))})"
                ax.text(j, i, txt, ha="center", va="center", fontsize=6.5,
                        color="white" if np.isfinite(v) and v > 0.6 else "black")
        ax.set_xticks(range(4), QUADRANTS)
        ax.set_yticks(range(4), QUADRANTS)
        ax.set_xlabel("t + 1" if lang == "en" else "t + 1 年")
        ax.set_ylabel("t" if lang == "en" else "t 年")
        ttl = title or ("LISA transitions" if lang == "en" else "LISA 转移概率")
        ax.set_title(f"{ttl}: {B.variable_name(variable, lang)}" if variable and title is None
                     else ttl, fontsize=8)
        fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
        fig.tight_layout()
        fig.spatial_carbon = {"matrix": p}
    return fig
