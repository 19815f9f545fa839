"""The standard figure set of a study, drawn from its tables (I/O: writes files)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd

from . import _base as B
from .charts import flow_map, national_series, size_depth_scatter, zones_map
from .choropleth import choropleth_figure
from .lisa import lisa_figure, moran_scatter, moran_series, transition_heatmap

#: Footprint columns mapped when the breaks table names none.
DEFAULT_MAP_COLUMNS = ("ICF",)


def default_years(years_available: Sequence[int], n: int = 4) -> list[int]:
    """Up to ``n`` evenly spaced years, always the first and the last."""
    ys = sorted({int(y) for y in years_available})
    if len(ys) <= n:
        return ys
    idx = np.unique(np.round(np.linspace(0, len(ys) - 1, n)).astype(int))
    return [ys[i] for i in idx]


def _variables(df: pd.DataFrame) -> list:
    for c in ("column", "variable"):
        if c in df.columns:
            return list(dict.fromkeys(df[c].astype(str)))
    return [None]


def _save(fig, out_dir: Path, name: str, formats, written: list[Path],
          note: str | None = None) -> None:
    if note:
        # under everything drawn (legends included), so it overlaps no text;
        # savefig's tight box grows to hold it
        bb = fig.get_tightbbox(fig.canvas.get_renderer())
        fig.text(bb.x0 / fig.get_figwidth(), (bb.y0 - 0.03) / fig.get_figheight(), note,
                 fontsize=6, color="#444", ha="left", va="top", gid="figure-note")
    written.extend(B.save_figure(fig, out_dir / name, formats))
    fig.clear()  # our figures live outside pyplot; free their artists now


def study_figures(
    tables,
    boundaries: gpd.GeoDataFrame,
    out_dir: str | os.PathLike,
    *,
    years: Sequence[int] | None = None,
    lang: str = "en",
    formats: Sequence[str] = ("png",),
    weights=None,
    id_field: str = "region_code",
    note: str | None = None,
    scope: str | None = None,
) -> list[Path]:
    """Draw and write the standard figures of a study.

    Parameters
    ----------
    tables : StudyResult or mapping of str -> DataFrame
        The study (:class:`spatial_carbon.study.StudyResult`), or its tables
        by name as written to ``OUT/tables``: ``national``,
        ``footprint``, ``breaks``, ``zones``, ``moran``, ``lisa``,
        ``transition_probs`` / ``transition_counts`` and optionally ``flows`` (IO transfers: ``origin_code``,
        ``destination_code``, ``value``).  Absent tables are skipped.
    boundaries : GeoDataFrame
        Region polygons with ``id_field``.
    out_dir : path
        Folder for the figures (created).
    years : sequence of int, optional
        Years of the map panels; default up to four evenly spaced years of
        the footprint table (first and last included).
    lang : {"en", "zh"}
    formats : sequence of {"png", "pdf", "svg"}
    weights : spatial_carbon.spatial.weights.Weights, optional
        Only used when the LISA table lacks ``z`` and ``lag`` (the
        ``autocorr.local_moran`` table has them, computed with the study's
        weights): weights for the Moran scatter plots; default queen
        contiguity with the nearest-neighbour island link.

    note : str, optional
        A line printed at the foot of every figure, e.g. what the emissions
        are ("Emissions: total CO2 of each city ...").
    scope : {"industry", "total"}, optional
        What the emissions are: with ``"total"`` (total CO2 of every sector)
        titles name ICE and ICF as total CO2, not industrial
        (:func:`spatial_carbon.maps._base.emission_scope`).  Default: the
        ``steps["ice"]["scope"]`` of a StudyResult, else industrial.

    Returns
    -------
    list of pathlib.Path
        Files written, in drawing order.  File names:
        ``national_series``, ``choropleth_<col>`` (small multiples, pooled
        breaks) and ``choropleth_<col>_<year>`` (last year), ``lisa_cluster_<var>``,
        ``lisa_significance_<var>``, ``lisa_cluster_<var>_<year>``,
        ``lisa_transitions_<var>`` (with ``transition_probs``), ``moran_series``, ``moran_scatter_<var>_<year>``, ``zones``,
        ``zones_<year>``, ``size_depth_<year>``, ``flows``; each with every
        format's extension.
    """
    B.check_lang(lang)
    if scope is None:
        steps = getattr(tables, "steps", None) or {}
        scope = (steps.get("ice") or {}).get("scope")
    with B.emission_scope(scope):
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        written: list[Path] = []
        fp = tables.get("footprint")
        if years is None:
            src = fp if fp is not None else tables.get("zones", tables.get("lisa"))
            years = default_years(src["year"].unique()) if src is not None and "year" in src else []
        years = [int(y) for y in years]

        def present(df):
            have = set(int(y) for y in df["year"].unique()) if "year" in df.columns else set()
            return [y for y in years if y in have]

        nat = tables.get("national")
        if nat is not None and {"year", "ICF", "CEC"} <= set(nat.columns):
            _save(national_series(nat, lang=lang), out, "national_series", formats, written, note)

        if fp is not None:
            brk = tables.get("breaks")
            cols = _variables(brk) if brk is not None else [None]
            cols = [c for c in cols if c is not None] or [c for c in DEFAULT_MAP_COLUMNS if c in fp]
            for col in cols:
                if col not in fp.columns:
                    continue
                sub = fp.dropna(subset=[col])
                ys = present(sub)  # e.g. ICF_pc only where population is given
                if not ys:
                    continue
                if len(ys) > 1:
                    fig = choropleth_figure(sub, boundaries, col, years=ys, breaks=brk, lang=lang,
                                            id_field=id_field)
                    _save(fig, out, f"choropleth_{col}", formats, written, note)
                fig = choropleth_figure(sub, boundaries, col, years=[ys[-1]], breaks=brk, lang=lang,
                                        id_field=id_field)
                _save(fig, out, f"choropleth_{col}_{ys[-1]}", formats, written, note)

        lisa = tables.get("lisa")
        if lisa is not None:
            ys = present(lisa)
            for var in _variables(lisa):
                if not ys:
                    break
                tag = var or "value"
                if len(ys) > 1:
                    for kind in ("cluster", "significance"):
                        fig = lisa_figure(lisa, boundaries, years=ys, kind=kind, variable=var,
                                          lang=lang, id_field=id_field)
                        _save(fig, out, f"lisa_{kind}_{tag}", formats, written, note)
                fig = lisa_figure(lisa, boundaries, years=[ys[-1]], kind="cluster", variable=var,
                                  lang=lang, id_field=id_field)
                _save(fig, out, f"lisa_cluster_{tag}_{ys[-1]}", formats, written, note)

        probs = tables.get("transition_probs")
        if probs is not None and len(probs):
            counts = tables.get("transition_counts")
            for var in _variables(probs):
                fig = transition_heatmap(probs, counts, variable=var, lang=lang)
                _save(fig, out, f"lisa_transitions_{var or 'value'}", formats, written, note)

        moran = tables.get("moran")
        if moran is not None and {"year", "I", "p_sim"} <= set(moran.columns):
            _save(moran_series(moran, lang=lang), out, "moran_series", formats, written, note)
            if fp is not None and lisa is not None:
                written.extend(_moran_scatters(fp, lisa, boundaries, out, years, lang, formats,
                                               weights, id_field, note))

        zt = tables.get("zones")
        if zt is not None and "zone" in zt.columns:
            ys = present(zt)
            if ys:
                if len(ys) > 1:
                    _save(zones_map(zt, boundaries, years=ys, lang=lang, id_field=id_field), out,
                          "zones", formats, written, note)
                _save(zones_map(zt, boundaries, years=[ys[-1]], lang=lang, id_field=id_field), out,
                      f"zones_{ys[-1]}", formats, written, note)
                if {"z_ICF_size", "z_ICF_depth"} <= set(zt.columns):
                    _save(size_depth_scatter(zt, year=ys[-1], lang=lang), out,
                          f"size_depth_{ys[-1]}", formats, written, note)

        written.extend(_migration_figures(tables, boundaries, out, years, lang, formats, id_field,
                                              note))

        flows = tables.get("flows")
        if flows is not None and {"origin_code", "destination_code", "value"} <= set(flows.columns):
            _save(flow_map(flows, boundaries, lang=lang, id_field=id_field), out, "flows", formats,
                  written)
        return written


def _moran_scatters(fp, lisa, boundaries, out, years, lang, formats, weights, id_field,
                    note=None):
    """Moran scatter of the last year per variable.  Uses the LISA table's
    ``z`` and ``lag`` columns when present (exactly the study's weights and
    island policy), else ``weights`` (or queen + nearest-neighbour islands)."""
    written: list[Path] = []
    variables = [v for v in _variables(lisa) if v is not None]
    ys = [y for y in years if y in set(int(v) for v in lisa["year"].unique())]
    if not variables or not ys:
        return written
    y = ys[-1]
    vcol = next((c for c in ("column", "variable") if c in lisa.columns), None)
    for var in variables:
        title = f"{B.variable_name(var, lang)} {y}: Moran's I = {{I:.3f}}"
        sub = lisa[lisa["year"].astype(int) == y]
        if vcol is not None:
            sub = sub[sub[vcol].astype(str) == var]
        if {"z", "lag"} <= set(sub.columns):
            sub = sub.dropna(subset=["z", "lag"])
            if len(sub) < 3:
                continue
            # significant local clusters (the cluster code already applies the
            # study's significance rule), labelled with the regions' names
            sig = sub["cluster"].isin([1, 2, 3, 4]).to_numpy() if "cluster" in sub else None
            named = [c for c in ("name", "name_en", "name_zh", "region")
                     if boundaries is not None and c in boundaries.columns and c not in sub.columns]
            if named and id_field in sub and id_field in boundaries.columns:
                # the layer's names for ids the region registry does not know (cities)
                look = pd.DataFrame(boundaries[[id_field, *named]]).drop_duplicates(id_field)
                sub = sub.merge(look, on=id_field, how="left")
            names = (B.region_names(sub, id_field, lang) if id_field in sub
                     and (id_field == "region_code" or {"name", "name_zh"} & set(sub.columns))
                     else None)
            fig = moran_scatter(sub["z"].to_numpy(dtype=float), lag=sub["lag"].to_numpy(dtype=float),
                                standardize=False, label=var, lang=lang, title=title,
                                names=names, significant=sig)
        else:
            if var not in fp.columns:
                continue
            if weights is None:
                from ..spatial import weights as wmod

                gdf = boundaries[boundaries[id_field].isin(fp[id_field].unique())]
                built = wmod.build(gdf.reset_index(drop=True), id_field, "queen", islands="knn")
                weights = built[0] if isinstance(built, tuple) else built
            ids = (np.asarray(weights.ids).tolist() if hasattr(weights, "ids")
                   else list(weights.id_order))
            vals = fp[fp["year"].astype(int) == y].set_index(id_field)[var].reindex(ids)
            if vals.isna().any():
                continue  # units of the weights without a value: no honest scatter
            fig = moran_scatter(vals, weights, label=var, lang=lang, title=title)
        _save(fig, out, f"moran_scatter_{var}_{y}", formats, written, note)
    return written


def _migration_figures(tables, boundaries, out, years, lang, formats, id_field,
                       note=None) -> list[Path]:
    """Hot-spot maps, bivariate LISA maps, spatial Markov heat maps and the
    centre of gravity map (issue 13 tables; each only when present)."""
    from .hotspots import centre_map, hotspot_map, markov_heatmaps

    written: list[Path] = []
    hs = tables.get("hotspots")
    if hs is not None and len(hs):
        have = set(int(y) for y in hs["year"].unique())
        ys = [y for y in years if y in have] or [max(have)]
        for col in _variables(hs):
            sub = hs[hs["column"] == col] if col is not None else hs
            _save(hotspot_map(sub, boundaries, years=ys, lang=lang, id_field=id_field), out,
                  f"hotspots_{col or 'value'}", formats, written, note)
    bl = tables.get("bivariate_lisa")
    if bl is not None and len(bl):
        have = set(int(y) for y in bl["year"].unique())
        ys = [y for y in years if y in have] or [max(have)]
        for col in _variables(bl):
            # the pair (x~y) names the map; "variable" (x alone) would select again
            sub = bl.drop(columns=[c for c in ("variable",) if c in bl.columns])
            fig = lisa_figure(sub, boundaries, years=ys, kind="cluster", variable=col, lang=lang,
                              id_field=id_field)
            _save(fig, out, f"bilisa_cluster_{str(col).replace('~', '_with_')}", formats, written,
                  note)
    mt = tables.get("markov_transitions")
    if mt is not None and len(mt):
        for col in _variables(mt):
            sub = mt[mt["column"] == col] if col is not None else mt
            _save(markov_heatmaps(sub, lang=lang, variable=col), out, f"markov_{col or 'value'}",
                  formats, written, note)
    ce = tables.get("centre")
    if ce is not None and len(ce):
        for var in pd.unique(ce["variable"]):
            _save(centre_map(ce[ce["variable"] == var], boundaries, lang=lang, label_every=5), out,
                  f"centre_{var}", formats, written, note)
    return written
