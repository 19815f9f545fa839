"""A whole study from a configuration: run every step, write every output.

:func:`run` chains the computation modules (inventory or CEADs -> ICE;
land cover -> class areas -> sinks; footprint; quadrant zones; natural
breaks; weights -> global Moran, LISA, LISA transitions) and returns the
tables; :func:`write_outputs` writes them with the maps, the GeoPackage, the
report and the manifest.  The CLI's ``run`` and ``demo`` commands and the
QGIS model call these two functions and nothing else.

Output folder layout (all CSV in UTF-8 with BOM)::

    OUT/manifest.json          inputs with SHA-256, parameters, versions, notes
    OUT/tables/*.csv           one table per step (see TABLES)
    OUT/study.gpkg             layer "region_years": every indicator, class,
                               zone and LISA cluster per region and year
    OUT/maps/*.png             figures
    OUT/report.html            self-contained report

The folder is assembled next to ``OUT`` and moved into place at the end, so a
failed run leaves no half-written results.
"""

from __future__ import annotations

import dataclasses
import json
import platform
import re
import warnings
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

from .. import __version__, _io, datasets, layers
from . import config as config_mod
from .result import StudyResult
from .._io import read_csv, sha256, write_csv, write_gpkg, write_text
from ..errors import ConfigError, MissingDataError, SpatialCarbonWarning, shortlist

Progress = Callable[[str], None]

#: Unit of each indicator column written by the study (also in the manifest).
UNITS = {
    "ICE": "t CO2 per year (t C with basis C)",
    "CS": "t per year (NEP x area x equivalence factor; NEP in t/hm2/a)",
    "ICF": "hm2", "CEC": "hm2", "ICD": "hm2", "ICS": "hm2", "ICF_size": "hm2",
    "ICF_depth": "dimensionless (>= 1)",
    "ICF_pc": "hm2 per person", "CEC_pc": "hm2 per person", "ICF_size_pc": "hm2 per person",
    "population": "persons", "area_hm2": "hm2",
}


def _quiet(msg: str) -> None:
    pass


# --------------------------------------------------------------------------- steps


def _boundaries(cfg):
    """The boundary layer as zones keyed by region_code (the one resolver)."""
    inp = cfg["inputs"]
    return layers.boundaries(inp["boundaries"], id_field=inp.get("id_field"),
                             name_field=inp.get("name_field"), ids=inp.get("ids", "auto"),
                             where=f"boundary layer {inp['boundaries']}")


def _ice(cfg, years, bounds=None) -> tuple[pd.DataFrame, dict]:
    inp = cfg["inputs"]
    if inp.get("ceads_cities") is not None:
        from ..inventory import ceads_cities

        tidy = ceads_cities.read_cities(inp["ceads_cities"])
        tidy = tidy[tidy["year"].isin(years)].reset_index(drop=True)
        layer = bounds if bounds is not None and {"code", "name_zh", "province_adcode"} <= \
            set(bounds.columns) else datasets.boundaries("city")
        match = ceads_cities.match_cities(tidy["city_zh"], layer)
        ice = ceads_cities.city_emissions(tidy, match)
        return ice, {"source": "CEADs city inventory", "scope": ceads_cities.SCOPE,
                     "emissions": "total CO2 of each city (all sectors; not industrial ICE)",
                     "match": {"summary": match.summary(), "matched": match.n_matched,
                               "cities": len(match.table),
                               "unmatched_inventory": match.unmatched_data,
                               "unmatched_layer": [
                                   f"{c} {n}" for c, n in zip(match.unmatched_layer["region_code"],
                                                               match.unmatched_layer["region"])]}}
    if inp.get("emissions") is not None:
        from .. import _tables

        raw = read_csv(inp["emissions"])
        ice = _tables.with_regions(raw, where=Path(inp["emissions"]).name)
        return ice, {"source": "emissions table", "scope": inp["emissions_scope"],
                     "emissions": ("total CO2 of each region" if inp["emissions_scope"] == "total"
                                   else "industrial CO2 of each region")}
    if inp["ceads"] is not None:
        from ..inventory import ceads

        tidy = ceads.read_provinces(inp["ceads"], years=years)
        ice = ceads.industrial_emissions(tidy) if inp["ceads_group"] == "industry" else \
            ceads.group_totals(tidy, groups=[inp["ceads_group"]])
        return ice, {"source": "CEADs", "group": inp["ceads_group"],
                     "scope": "industry" if inp["ceads_group"] == "industry" else inp["ceads_group"]}
    from .. import inventory

    fuel = read_csv(inp["fuel"])
    if "fuel" not in fuel.columns:  # a yearbook-style wide table (e.g. spatial-carbon fuel-template)
        fuel = inventory.fuel_table_from_wide(fuel, where=Path(str(inp["fuel"])).name)
    ice = inventory.emissions(fuel, factors=str(inp["factors"]))
    return ice, {"source": "fuel table", "factors": str(inp["factors"]), "scope": "industry"}


def _areas(cfg, zones, years) -> tuple[pd.DataFrame, dict]:
    lc = cfg["inputs"]["landcover"]
    if lc["areas"] is not None:
        areas = read_csv(lc["areas"])
        info = {"source": str(lc["areas"])}
    else:
        from .. import landcover

        areas = landcover.class_areas(
            lc["rasters"], zones, lc["zone_field"], legend=lc["legend"], years=lc["years"],
        )
        info = {"source": "rasters", "legend": lc["legend"], "rasters": [str(r) for r in lc["rasters"]]}
    info["years_available"] = sorted(int(y) for y in pd.unique(areas["year"]))
    areas = fill_years(areas, years, method=lc["fill_years"])
    info["fill_years"] = lc["fill_years"]
    return areas, info


def fill_years(areas: pd.DataFrame, years, *, method: str = "error") -> pd.DataFrame:
    """Return class areas for every study year.

    Parameters
    ----------
    areas : DataFrame
        Class-area table with a ``year`` column.
    years : sequence of int
        Study years.
    method : {"error", "nearest"}
        ``"error"`` refuses study years without land cover; ``"nearest"``
        copies the areas of the nearest available year (the earlier one on a
        tie) and marks the copied rows in ``source_year``.

    Raises
    ------
    MissingDataError
        With ``method="error"``, naming the missing years.
    """
    have = sorted(int(y) for y in pd.unique(areas["year"]))
    missing = sorted(set(int(y) for y in years) - set(have))
    out = areas[areas["year"].isin(list(years))].copy()
    out["source_year"] = out["year"]
    if missing and method == "error":
        raise MissingDataError(
            f"no land cover for year(s) {missing} (available: {have}); add rasters for those "
            "years or set fill_years = \"nearest\" in [inputs.landcover]"
        )
    parts = [out]
    for y in missing:
        src = min(have, key=lambda h: (abs(h - y), h))
        part = areas[areas["year"] == src].copy()
        part["source_year"] = src
        part["year"] = y
        parts.append(part)
    return pd.concat(parts, ignore_index=True).sort_values("year", kind="stable").reset_index(drop=True)


def run(cfg: dict[str, Any], *, progress: Progress = _quiet) -> StudyResult:
    """Run a whole study; data-quality warnings are re-issued and recorded.

    Parameters
    ----------
    cfg : dict
        A configuration from :func:`spatial_carbon.study.config.load`.
    progress : callable, optional
        Receives one short message per step.

    Returns
    -------
    StudyResult
        Every table by name (``result.footprint``, ``result.lisa``, ...),
        ``boundaries`` (every feature of the boundary layer, drawn on maps),
        ``notes`` (the warnings among them), ``diagnostics``, ``steps`` and
        ``config``.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", SpatialCarbonWarning)
        result = _run(cfg, progress=progress)
    # the same warning for every year and variable (e.g. too few permutations for
    # Bonferroni) is recorded once, with the count, and re-issued once (the terminal
    # showed 40 near-identical lines for the city study)
    groups: dict[str, list] = {}
    for wmsg in caught:
        if issubclass(wmsg.category, SpatialCarbonWarning):
            groups.setdefault(re.sub(r"\d+(\.\d+)?", "#", str(wmsg.message)), []).append(wmsg)
        else:
            warnings.warn_explicit(wmsg.message, wmsg.category, wmsg.filename, wmsg.lineno)
    for same in groups.values():
        first = same[0]
        more = f" (and {len(same) - 1} more like it, one per year or variable)" \
            if len(same) > 1 else ""
        text = f"{first.message}{more}"
        result.notes.append(f"warning: {text}")
        warnings.warn_explicit(first.category(text) if more else first.message, first.category,
                               first.filename, first.lineno)
    return result


def _run(cfg: dict[str, Any], *, progress: Progress = _quiet) -> StudyResult:
    """Run a whole study (see :func:`run`)."""
    from ..spatial import classify
    from .. import footprint
    from ..footprint import sinks, zones

    st = cfg["study"]
    years = list(range(st["first_year"], st["last_year"] + 1))
    tables: dict[str, pd.DataFrame] = {}
    steps: dict[str, dict] = {}
    notes: list[str] = []

    progress("boundaries")
    bounds = _boundaries(cfg)

    progress("emissions (ICE)")
    ice, steps["ice"] = _ice(cfg, years, bounds)
    ice = ice[ice["year"].isin(years)].reset_index(drop=True)
    if "region" in bounds.columns and "region" in ice.columns:  # the layer's names for ids
        names = dict(zip(bounds["region_code"], bounds["region"].astype(str)))
        ice["region"] = ice["region_code"].map(names).fillna(ice["region"])
    have = sorted(int(y) for y in ice["year"].unique())
    if have != years:
        raise MissingDataError(
            f"emission data miss study year(s) {sorted(set(years) - set(have))}; "
            "change [study] first_year/last_year or add data"
        )
    if steps["ice"].get("scope") == "total":
        notes.append("emissions are total CO2 of each region (all sectors), not industrial "
                     "emissions: the ICE column and every footprint indicator refer to total CO2")
    if "match" in steps["ice"]:
        notes.append(steps["ice"]["match"]["summary"])
    tables["ice"] = ice
    # regions of the layer without emission data: out of the analysis (one warning), drawn as
    # "No data"; emission regions without a feature are an error
    zones_gdf, joined = layers.join(
        bounds, pd.DataFrame({"region_code": pd.unique(ice["region_code"])}), how="inner",
        keep="all", order="layer", where="the emission data",
        layer_name=f"the boundary layer {cfg['inputs']['boundaries']}")
    steps["boundaries"] = joined.as_dict()  # the warning itself becomes a note (run())

    progress("land-cover class areas")
    areas, steps["landcover"] = _areas(cfg, zones_gdf, years)
    if steps["landcover"]["fill_years"] == "nearest":
        src = sorted(set(int(y) for y in areas["source_year"].unique()))
        notes.append(
            f"land cover of year(s) {src} applied to every study year without its own land cover"
        )
    tables["areas"] = areas

    progress("carbon sinks (CS)")
    sk = cfg["sinks"]
    eq = sk["equivalence"]
    factors = (None if eq == "default" else sinks.equivalence_factors(eq)
               if isinstance(eq, str) and eq in sinks.EQUIVALENCE_SETS else read_csv(eq))
    sink = sinks.carbon_sink(
        areas, nep_forest=sk["nep_forest"], nep_grassland=sk["nep_grassland"], factors=factors,
    )
    if "region" in bounds.columns:  # the layer's names (the areas table has ids only)
        names = dict(zip(bounds["region_code"], bounds["region"].astype(str)))
        sink["region"] = sink["region_code"].map(names).fillna(sink["region"])
    tables["sinks"] = sink

    progress("footprint (ICF, CEC, size, depth)")
    fcfg = cfg["footprint"]
    ice_fp, sink_fp = _complete_region_years(ice, sink, notes)
    fp = footprint.compute(ice_fp, sink_fp, shares=fcfg["shares"], basis=fcfg["basis"],
                           nep_forest=sk["nep_forest"], nep_grassland=sk["nep_grassland"])
    pop = None
    if cfg["inputs"]["population"] is None:
        notes.append("no population table given (none is bundled below the provincial level): "
                     "the per-capita columns ICF_pc, CEC_pc and ICF_size_pc are absent")
    else:
        from ..inventory import population

        pop = population.read_yearbook(cfg["inputs"]["population"])
        pop_years = sorted(set(int(y) for y in pop["year"].unique()) & set(years))
        if not pop_years:
            raise MissingDataError("the population table has none of the study years")
        if len(pop_years) < len(years):
            notes.append(
                f"per-capita indicators only for {pop_years[0]}-{pop_years[-1]} "
                "(years covered by the population table)"
            )
        fp = footprint.per_capita(fp, pop, years=pop_years, keep_other_years=True)
    fp = _derived_columns(fp, [*cfg["classify"]["columns"], *cfg["spatial"]["columns"]])
    tables["footprint"] = fp
    tables["national"] = footprint.national(fp)
    if fcfg["growth_periods"]:
        # each period over the regions with data in both years (cities: the yearly
        # sets differ, and the ratio of their sums would be growth of coverage)
        tables["growth_rates"] = footprint.national_growth_rates(
            fp, [tuple(p) for p in fcfg["growth_periods"]], national_table=tables["national"])
    if fcfg["project_cec_to"]:
        to = int(fcfg["project_cec_to"])
        proj = [footprint.project_cec(tables["national"], to),
                footprint.project_cec(tables["national"], to, method="compound")]
        if fcfg["cec_rate"] is not None:  # e.g. the seed's -0.0043 (-0.43 %/a)
            proj.append(footprint.project_cec(tables["national"], to, method="compound",
                                              rate=float(fcfg["cec_rate"])))
        tables["cec_projection"] = pd.concat(proj, ignore_index=True)

    progress("quadrant zones")
    tables["zones"] = zones.quadrants(fp)

    progress("natural breaks")
    cc = cfg["classify"]
    class_tables, break_tables = [], []
    for col in map(_column_name, cc["columns"]):
        if col not in fp.columns:
            raise ConfigError(f"[classify] column {col!r} is not a footprint column")
        sub = fp.dropna(subset=[col])
        cls, brk = classify.natural_breaks(sub, col, k=cc["k"], scheme=cc["scheme"], pooled=True)
        class_tables.append(cls)
        break_tables.append(brk)
    tables["classes"] = _merge_all(class_tables)
    tables["breaks"] = pd.concat(break_tables, ignore_index=True)

    progress("spatial statistics (Moran, LISA, transitions)")
    tables.update(_spatial(cfg, fp, zones_gdf, steps, notes))
    progress("hot spots, bivariate LISA, spatial Markov, centre of gravity")
    extra, extra_notes = _spatial_extra(cfg, fp, zones_gdf)
    tables.update(extra)
    notes.extend(extra_notes)

    from . import diagnostics

    cols = list(dict.fromkeys(map(_column_name, [*cc["columns"], *cfg["spatial"]["columns"]])))
    found = diagnostics.diagnose(tables, columns=[c for c in cols if c in fp.columns])
    # maps draw every feature (those without data as "No data"); the study layer keeps study regions
    return StudyResult.from_tables(tables, boundaries=bounds, notes=notes, steps=steps,
                                   config=cfg, diagnostics=found)


_LOG = re.compile(r"^log\((\w+)\)$")


def _column_name(spec: str) -> str:
    """Footprint column of a config entry: ``"ICF_size_pc"`` as is, ``"log(ICF_depth)"``
    -> ``"log_ICF_depth"``."""
    m = _LOG.match(str(spec).replace(" ", ""))
    return f"log_{m.group(1)}" if m else str(spec)


def _derived_columns(fp: pd.DataFrame, specs) -> pd.DataFrame:
    """Add ``log_<col> = ln(col)`` for every ``log(col)`` in the config (e.g. the depth,
    >= 1 by definition, whose few extreme values dominate Moran's I and the breaks)."""
    out = fp
    for spec in specs:
        m = _LOG.match(str(spec).replace(" ", ""))
        if not m:
            continue
        col = m.group(1)
        if col not in fp.columns:
            raise ConfigError(f"log({col}): {col!r} is not a footprint column")
        v = pd.to_numeric(fp[col], errors="coerce")
        if (v <= 0).any():
            raise ConfigError(f"log({col}): {int((v <= 0).sum())} value(s) <= 0, the logarithm is undefined")
        out = out.assign(**{f"log_{col}": np.log(v)})
    return out


def _complete_region_years(ice: pd.DataFrame, sink: pd.DataFrame, notes: list[str]):
    """The region-years the footprint can be computed for, said in words.

    Emissions may cover different regions in different years (the CEADs city
    inventory): the sinks are kept for the region-years with emissions (a
    missing year stays missing, never zero).  Region-years whose sink is 0
    (no forest or grassland pixel in the land cover) have no depth
    (ICF_depth = 1 + ICD / CEC) and are left out.
    """
    keys = ["region_code", "year"]
    if len(ice[keys].drop_duplicates()) < len(sink[keys].drop_duplicates()):
        sink = sink.merge(ice[keys].drop_duplicates(), on=keys, how="inner")
    zero = sink[sink["CS"] == 0]
    if len(zero):
        names = zero.drop_duplicates("region_code")
        label = list((names["region"] if "region" in names else names["region_code"]).astype(str))
        shown = shortlist(label)
        notes.append(
            f"{len(label)} region(s) have no forest or grassland in the land cover (CS = 0, so "
            f"CEC = 0 and ICF_depth is undefined): left out of the footprint ({len(zero)} "
            f"region-years): {shown}")
        bad = zero[keys]
        sink = sink.merge(bad, on=keys, how="left", indicator=True)
        sink = sink[sink["_merge"] == "left_only"].drop(columns="_merge")
        ice = ice.merge(bad, on=keys, how="left", indicator=True)
        ice = ice[ice["_merge"] == "left_only"].drop(columns="_merge")
    return ice.reset_index(drop=True), sink.reset_index(drop=True)


def _merge_all(frames: list[pd.DataFrame]) -> pd.DataFrame:
    keys = ["region_code", "year"]
    out = frames[0]
    for f in frames[1:]:
        out = out.merge(f[keys + [c for c in f.columns if c not in out.columns]], on=keys, how="outer")
    return out


def _spatial(cfg, fp: pd.DataFrame, gdf, steps: dict | None = None,
             notes: list | None = None) -> dict[str, pd.DataFrame]:
    """Global Moran and LISA per year (cross-sections: the regions with a value
    that year, weights built on that set) and LISA transitions on the balanced
    panel (:mod:`spatial_carbon.study.panels`).  When every region has every
    year, one set of weights serves all and the panel is the whole study."""
    from ..spatial import autocorr, transitions, weights
    from . import panels

    sp = cfg["spatial"]
    built: dict[tuple, tuple] = {}

    def weights_for(ids) -> tuple:
        key = tuple(ids)
        if key not in built:
            sub = gdf[gdf["region_code"].isin(ids)].reset_index(drop=True)
            built[key] = weights.build(sub, "region_code", kind=sp["weights"],
                                       islands=sp["islands"])
        return built[key]

    out: dict[str, pd.DataFrame] = {}
    parts: dict[str, list[pd.DataFrame]] = {k: [] for k in (
        "moran", "lisa", "lisa_panel", "transition_counts", "transition_probs",
        "transition_moves", "transition_summary", "transition_homogeneity")}
    connectivity: dict[tuple, list[int]] = {}
    panel_info = {}
    kw = dict(id_col="region_code", permutations=sp["permutations"], seed=sp["seed"],
              alternative=sp["alternative"])
    for col in map(_column_name, sp["columns"]):
        if col not in fp.columns:
            raise ConfigError(f"[spatial] column {col!r} is not a footprint column")
        # cross-sections: per-capita columns exist only in years with population, a sparse
        # inventory (cities) covers different regions in different years
        sets = panels.cross_sections(fp, col)
        lisas = []
        for yrs, ids in sets:
            w, _ = weights_for(ids)
            connectivity.setdefault(tuple(ids), []).extend(yrs)
            sub = fp[fp["year"].isin(yrs) & fp["region_code"].isin(ids)]
            parts["moran"].append(autocorr.global_moran(sub, w, col, **kw).assign(column=col))
            lisas.append(autocorr.local_moran(sub, w, col, alpha=sp["alpha"],
                                              inference=sp["inference"], **kw)
                         .assign(column=col))
        lisa = pd.concat(lisas, ignore_index=True)
        if len(sets) > 1:
            lisa = lisa.sort_values(["year", "region_code"], kind="stable").reset_index(drop=True)
        parts["lisa"].append(lisa)
        panel = panels.balanced_window(fp, col, years=sp["panel_years"] or None,
                                       min_regions=sp["panel_min_regions"])
        panel_info[col] = panel.as_dict()
        if len(sets) == 1 and panel.years == sorted(sets[0][0]) and panel.ids == sets[0][1]:
            tr_lisa = lisa  # every region in every year: the cross-sections are the panel
        else:
            w, _ = weights_for(panel.ids)
            sub = fp[fp["year"].isin(panel.years) & fp["region_code"].isin(panel.ids)]
            tr_lisa = autocorr.local_moran(sub, w, col, alpha=sp["alpha"], inference=sp["inference"],
                                           **kw).assign(column=col)
            parts["lisa_panel"].append(tr_lisa)
            if notes is not None:
                notes.append(f"{col}: " + panel.sentence() + "; their LISA is recomputed on "
                             "that panel with weights built on it (tables/lisa_panel.csv)")
        tr = transitions.lisa_transitions(tr_lisa)
        parts["transition_counts"].append(tr.counts.reset_index().assign(column=col))
        parts["transition_probs"].append(tr.probabilities.reset_index().assign(column=col))
        parts["transition_moves"].append(tr.moves.assign(column=col))
        parts["transition_summary"].append(tr.summary.assign(column=col))
        parts["transition_homogeneity"].append(pd.DataFrame([tr.homogeneity]).assign(column=col))
    rows = []
    for ids, yrs in connectivity.items():
        rep = dataclasses.asdict(weights_for(list(ids))[1])
        if len(connectivity) > 1:
            rep["years"] = _years_label(sorted(set(yrs)))
        rows.append(rep)
    if not rows:  # no spatial columns: the weights of every study region
        rows.append(dataclasses.asdict(weights_for(sorted(gdf["region_code"]))[1]))
    out["connectivity"] = pd.DataFrame(rows)
    out.update({k: pd.concat(v, ignore_index=True) for k, v in parts.items() if v})
    if steps is not None and panel_info:
        steps["panels"] = {
            "cross_sections": "each year uses the regions with a value that year; spatial weights "
                              "are built on that set",
            "regions_per_year": {col: {str(y): int(n) for y, n in
                                       fp.dropna(subset=[col]).groupby("year").size().items()}
                                 for col in panel_info},
            "transitions": panel_info,
        }
    return out


def _spatial_extra(cfg, fp: pd.DataFrame, gdf) -> tuple[dict[str, pd.DataFrame], list[str]]:
    """Issue-13 tools configured in [hotspots], [bivariate], [markov], [centre].

    Hot spots and the bivariate LISA run per cross-section (the regions with values that
    year, weights built on them) as the LISA; the Markov chain and the centre of gravity
    need the same regions every year and run on the balanced panel of :mod:`.panels`."""
    import warnings

    from .. import regions as _regions
    from ..spatial import autocorr, centrography, hotspots, markov, weights
    from . import panels

    sp = cfg["spatial"]
    out: dict[str, pd.DataFrame] = {}
    notes: list[str] = []
    built: dict[tuple, object] = {}

    def weights_for(ids):
        key = tuple(ids)
        if key not in built:
            sub = gdf[gdf["region_code"].isin(ids)].reset_index(drop=True)
            built[key] = weights.build(sub, "region_code", kind=sp["weights"],
                                       islands=sp["islands"])[0]
        return built[key]

    kw = dict(id_col="region_code", permutations=sp["permutations"], seed=sp["seed"],
              alternative=sp["alternative"])

    def need(section, col):
        if col not in fp.columns:
            raise ConfigError(f"[{section}] column {col!r} is not a footprint column")

    def sections(col, frame=fp):
        for yrs, ids in panels.cross_sections(frame, col):
            yield weights_for(ids), frame[frame["year"].isin(yrs) & frame["region_code"].isin(ids)]

    def panel(section, col):
        pn = panels.balanced_window(fp, col, years=sp["panel_years"] or None,
                                    min_regions=sp["panel_min_regions"])
        sub = fp[fp["year"].isin(pn.years) & fp["region_code"].isin(pn.ids)]
        if len(sub) < len(fp.dropna(subset=[col])):
            notes.append(pn.sentence(f"the {section} of {col}"))
        return pn, sub

    parts: dict[str, list] = {k: [] for k in (
        "hotspots", "bivariate_moran", "bivariate_lisa", "markov_transitions",
        "markov_steady_states", "markov_classes", "markov_homogeneity", "centre", "centre_summary")}
    for col in cfg["hotspots"]["columns"]:
        need("hotspots", col)
        for w, sub in sections(col):
            parts["hotspots"].append(hotspots.local_g(sub, w, col, alpha=sp["alpha"],
                                                      star=bool(cfg["hotspots"]["star"]), **kw)
                                     .assign(column=col))
    for x, y in cfg["bivariate"]["pairs"]:
        need("bivariate", x), need("bivariate", y)
        both = fp.assign(_pair=fp[x].where(fp[y].notna()))  # rows with both values
        for w, sub in sections("_pair", both):
            sub = sub.drop(columns="_pair")
            parts["bivariate_moran"].append(autocorr.global_moran(sub, w, x, with_column=y, **kw)
                                            .assign(column=f"{x}~{y}"))
            parts["bivariate_lisa"].append(autocorr.local_moran(sub, w, x, with_column=y,
                                                                alpha=sp["alpha"], **kw)
                                           .assign(column=f"{x}~{y}"))
    for col in cfg["markov"]["columns"]:
        need("markov", col)
        pn, sub = panel("spatial Markov chain", col)
        with warnings.catch_warnings(record=True):
            warnings.simplefilter("always")
            r = markov.spatial_markov(sub, weights_for(pn.ids), col, id_col="region_code",
                                      k=cfg["markov"]["k"], scheme=cfg["markov"]["scheme"])
        notes.extend(f"spatial Markov of {col}: {n}" for n in r.notes)
        parts["markov_transitions"].append(r.transitions.assign(column=col))
        parts["markov_steady_states"].append(r.steady_states.assign(column=col))
        parts["markov_classes"].append(r.classes.assign(column=col))
        parts["markov_homogeneity"].append(pd.DataFrame([r.homogeneity]).assign(column=col))
    # region_code is already canonical (layers.boundaries): provincial ids only for the
    # province layer; city/county codes and a user's ids pass as given.  China Albers for
    # provinces and the bundled Chinese layers, else mean_centre's Albers fitted to the layer
    provincial = bool(len(fp)) and _regions.id_kind(fp["region_code"]) == "province"
    chinese = provincial or layers.parse(cfg["inputs"]["boundaries"]).is_bundled
    centre_crs = cfg["centre"]["crs"] or (centrography.CHINA_ALBERS if chinese else None)
    for col in cfg["centre"]["columns"]:
        need("centre", col)
        pn, sub = panel("centre of gravity", col)
        r = centrography.mean_centre(sub, gdf[gdf["region_code"].isin(pn.ids)], col,
                                     id_col="region_code", crs=centre_crs, regions=provincial)
        parts["centre"].append(r.centres)
        parts["centre_summary"].append(pd.DataFrame([r.summary]).assign(column=col))
    for k, v in parts.items():
        if v:
            out[k] = pd.concat(v, ignore_index=True)
    return out, notes


def _years_label(years: list[int]) -> str:
    from .diagnostics import _years_text

    return _years_text(years)


# --------------------------------------------------------------------------- outputs


def _versions() -> dict[str, str]:
    import importlib.metadata as md

    out = {"python": platform.python_version(), "spatial_carbon": __version__}
    for pkg in ("numpy", "pandas", "geopandas", "shapely", "pyogrio", "pyproj", "rasterio",
                "libpysal", "esda", "mapclassify", "matplotlib", "openpyxl"):
        try:
            out[pkg] = md.version(pkg)
        except md.PackageNotFoundError:  # pragma: no cover
            out[pkg] = "not installed"
    try:
        import rasterio

        out["gdal"] = rasterio.__gdal_version__
    except Exception:  # pragma: no cover
        pass
    return out


#: Files other commands add to a study folder (``figures``, ``report``): still ours.
FOLDER_EXTRAS = ("maps/*.png", "maps/*.pdf", "maps/*.svg", "report.html")


def input_paths(cfg) -> list[Path]:
    """Every file and folder a study reads: its configuration file and inputs."""
    paths = [Path(cfg["_source"])] if cfg.get("_source") else []
    inp = cfg["inputs"]
    for key in ("ceads", "ceads_cities", "emissions", "fuel", "population", "factors"):
        if isinstance(inp.get(key), Path):
            paths.append(inp[key])
    if isinstance(cfg["sinks"].get("equivalence"), Path):
        paths.append(cfg["sinks"]["equivalence"])
    lc = inp["landcover"]
    for r in lc["rasters"] or []:
        r = Path(str(r))
        # a "{year}" pattern: the files it names
        paths.extend(sorted(r.parent.glob(r.name.replace("{year}", "*"))) if "{year}" in r.name
                     else [r])
    if lc["areas"] is not None:
        paths.append(Path(lc["areas"]))
    paths.append(layers.parse(inp["boundaries"]).file())
    return paths


def _input_files(cfg, base: Path | None = None) -> list[dict]:
    src = cfg.get("_source")
    paths = [p for p in input_paths(cfg) if not (src and str(p) == str(src))]
    files = []
    for p in paths:
        for f in sorted(p.rglob("*")) if p.is_dir() else [p]:
            if f.is_file():
                files.append({"path": config_mod.portable(f, base), "bytes": f.stat().st_size,
                              "sha256": sha256(f)})
    return files


def region_years_layer(result: StudyResult):
    """GeoDataFrame with one feature per region and year: every indicator,
    natural-breaks class, quadrant zone and LISA cluster (wide, by column)."""
    keys = ["region_code", "year"]
    df = result.footprint
    for extra in (result.zones, result.classes):
        df = df.merge(extra[keys + [c for c in extra.columns if c not in df.columns]], on=keys, how="left")
    if result.lisa is not None:
        lisa = result.lisa
        for col, sub in lisa.groupby("column", sort=False):
            keep = sub[keys + ["cluster", "cluster_label", "p_sim"]].rename(
                columns={"cluster": f"lisa_{col}", "cluster_label": f"lisa_{col}_label",
                         "p_sim": f"lisa_{col}_p"}
            )
            df = df.merge(keep, on=keys, how="left")
    gdf, _ = layers.join(result.boundaries, df, how="inner", warn=False,
                         where="the footprint table")
    return gdf


def figure_note(steps: dict) -> str | None:
    """The line at the foot of every figure when the emissions are not
    industrial (``steps["ice"]["scope"] == "total"``), else None."""
    if (steps.get("ice") or {}).get("scope") == "total":
        return ("Emissions: total CO2 of each region (all sectors), not industrial CO2; "
                "ICF, ICF_size and ICF_depth refer to total CO2.")
    return None


def _write_dictionary(result: StudyResult, layer, tmp: Path) -> pd.DataFrame:
    """columns.csv and the GeoPackage metadata of ``region_years``."""
    from .._io import write_gpkg_metadata
    from . import dictionary

    cfg = result.config
    context = {"scope": result.steps.get("ice", {}).get("scope", "industry"),
               "basis": cfg["footprint"]["basis"]}
    ddict = dictionary.data_dictionary(result.tables(), {"region_years": layer},
                                       context=context)
    write_csv(ddict, tmp / "columns.csv")
    abstract = (f"{cfg['study']['title']}: one feature per region and year with every "
                "indicator, natural-breaks class, quadrant zone and LISA cluster. Written by "
                f"spatial_carbon {__version__}; the data dictionary of every table is "
                "columns.csv beside this file.")
    write_gpkg_metadata(
        tmp / "study.gpkg", "region_years",
        ("text/xml", "http://mrcc.com/qgis.dtd",
         dictionary.qgis_metadata_xml(cfg["study"]["title"], abstract, ddict, "region_years")),
        dictionary.column_texts(ddict, "region_years"))
    return ddict


def write_outputs(result: StudyResult, out_dir: str | Path, *, progress: Progress = _quiet,
                  maps: bool = True, report: bool = True, overwrite: bool = False) -> Path:
    """Write the tables, GeoPackage, figures, report and manifest of a study.

    Everything is written into a temporary folder beside ``out_dir`` and
    moved into place at the end (removed on failure, SIGINT or SIGTERM).

    Parameters
    ----------
    overwrite : bool
        Replace an existing ``out_dir`` that is an earlier spatial_carbon
        output (only once the new one is complete).  A non-empty folder that
        spatial_carbon did not write, or one holding any of the study's
        inputs, is never replaced.

    Returns
    -------
    pathlib.Path
        ``out_dir`` (absolute).

    Raises
    ------
    OutputError
        If ``out_dir`` may not be written (see :func:`spatial_carbon._io.check_folder`).
    """
    out_dir = Path(out_dir).resolve()
    cfg = result.config
    with _io.atomic_folder(out_dir, overwrite=overwrite, inputs=input_paths(cfg),
                           also=FOLDER_EXTRAS) as tmp:
        progress("writing tables")
        for name, df in result.tables().items():
            write_csv(df, tmp / "tables" / f"{name}.csv")
        progress("writing GeoPackage")
        layer = region_years_layer(result)
        write_gpkg(layer, tmp / "study.gpkg", layer="region_years")
        from .. import styles

        # QGIS opens the layer styled: natural breaks, LISA clusters, zones
        styles.save_to_gpkg(tmp / "study.gpkg", "region_years",
                            styles.study_styles(result, lang=cfg["maps"]["lang"]))
        progress("writing the data dictionary")
        _write_dictionary(result, layer, tmp)
        figures: list[str] = []
        mc = cfg["maps"]
        from ..maps.study import default_years

        fp_years = result.footprint["year"].unique()
        map_years = [int(y) for y in (mc["years"] or default_years(fp_years))]
        if maps:
            progress("drawing maps")
            from .. import maps as maps_mod

            figs = maps_mod.study_figures(
                result, result.boundaries, tmp / "maps",
                years=map_years, lang=mc["lang"], formats=tuple(mc["formats"]),
                note=figure_note(result.steps),
            )
            figures = [Path(f).relative_to(tmp).as_posix() for f in figs]
        base = Path(cfg["_source"]).parent if cfg.get("_source") else None
        manifest = {
            "spatial_carbon": __version__,
            "written_by": _io.WRITTEN_BY,
            "title": cfg["study"]["title"],
            # paths: the configuration relative to this folder, inputs relative to the
            # configuration's folder or bundled:<file of the sample data>
            "config_file": (config_mod.portable(cfg["_source"], out_dir)
                            if cfg.get("_source") else None),
            "parameters": config_mod.to_jsonable(
                {k: v for k, v in cfg.items() if not k.startswith("_")}, base or out_dir),
            "inputs": _input_files(cfg, base or out_dir),
            "boundaries": config_mod.to_jsonable(
                datasets.boundary_provenance(cfg["inputs"]["boundaries"]), base or out_dir),
            "steps": config_mod.to_jsonable(result.steps, base or out_dir),
            "notes": result.notes,
            "diagnostics": [f.as_dict() if hasattr(f, "as_dict") else dict(f)
                            for f in result.diagnostics],
            "data_dictionary": "columns.csv",
            "map_years": map_years,
            "units": UNITS,
            "outputs": sorted(
                str(p.relative_to(tmp)) for p in tmp.rglob("*") if p.is_file()
            ) + ["manifest.json"] + (["report.html"] if report else []),
            "figures": figures,
            "versions": _versions(),
        }
        write_text(json.dumps(manifest, indent=2, ensure_ascii=False, default=str) + "\n",
                   tmp / "manifest.json")
        if report:
            progress("writing report")
            from .. import report as report_mod

            report_mod.write_report(tmp)
    return out_dir


def run_file(path: str | Path | None, out_dir: str | Path, *, progress: Progress = _quiet,
             maps: bool = True, report: bool = True, overwrite: bool = False) -> Path:
    """Load a configuration (``None``: the demo), run the study, write outputs.

    The output folder is checked before the study runs (see :func:`write_outputs`).
    """
    cfg = config_mod.load(path)
    _io.check_folder(out_dir, overwrite=overwrite, inputs=input_paths(cfg), also=FOLDER_EXTRAS)
    result = run(cfg, progress=progress)
    return write_outputs(result, out_dir, progress=progress, maps=maps, report=report,
                         overwrite=overwrite)


__all__ = ["run", "run_file", "write_outputs", "fill_years", "region_years_layer", "input_paths",
           "UNITS", "StudyResult"]
