"""The data dictionary of a study output folder (pure).

:func:`data_dictionary` takes the tables and layers a study writes and
returns one row per table and column: ``table`` (file, or
``study.gpkg:<layer>``), ``column``, ``meaning``, ``unit``, ``step`` (the
step of the chain that made it).  The pipeline writes it as ``columns.csv``
and into ``study.gpkg`` as GeoPackage metadata (``gpkg_metadata``, readable in
QGIS under Layer Properties > Metadata).

Every column name has one entry in :data:`COLUMNS` (or a pattern in
:data:`PATTERNS`), so a name means the same in every table.  The few names
that still mean different things in different tables (``I``: global or
local Moran; ``HH``, ``LH``, ``LL``, ``HL``: the destination quadrant of the
LISA transition matrices, counts or probabilities), and ``n`` (regions
counted, but which regions and which step depend on the table), are listed,
per table, in :data:`TABLE_SPECIFIC`; a written column without an entry is an error of
the package (``strict=True``), caught by the tests.
"""

from __future__ import annotations

import re
from typing import Any, Mapping

import pandas as pd

from ..errors import SpatialCarbonError, shortlist

#: Steps of the chain (``step`` column).
STEPS = ("inputs", "inventory", "landcover", "sinks", "footprint", "per_capita", "national",
         "trends", "zones", "classify", "weights", "moran", "lisa", "transitions", "hotspots",
         "markov", "centre", "study")

_HM2 = "hm2"

#: column -> (meaning, unit, step).  ``{ice}`` is replaced by the study's
#: emissions (industrial or total CO2), ``{basis}`` by its gas basis.
COLUMNS: dict[str, tuple[str, str, str]] = {
    # keys
    "region_code": ("region id: GB/T 2260 code of the province, city or county, or the user's "
                    "zone id", "", "inputs"),
    "region": ("region name (English for provinces, Chinese for cities and counties)", "",
               "inputs"),
    "zone": ("region id of the zone layer the land cover was counted in", "", "landcover"),
    "year": ("year", "a", "inputs"),
    "city_zh": ("city as named in the CEADs city inventory (province + city)", "", "inventory"),
    "province_code": ("GB/T 2260 code of the region's province", "", "inventory"),
    # emissions
    "CO2_t": ("{ice}", "t CO2/a", "inventory"),
    "CO2_Mt": ("{ice}", "Mt CO2/a", "inventory"),
    "scope": ("which emissions: 'industry' (CEADs industry group: mining, manufacturing, "
              "utilities) or 'total' (all sectors of the city inventory)", "", "inventory"),
    # land cover and sinks
    "class": ("land-cover class code of the raster's legend", "", "landcover"),
    "class_name": ("name of the land-cover class in the raster's legend", "", "landcover"),
    "sink_class": ("carbon-sink class the land-cover class counts as (forest, grassland, "
                   "cropland, water ...)", "", "landcover"),
    "pixels": ("pixels of the class counted in the zone", "pixels", "landcover"),
    "area_hm2": ("area of the land-cover class in the zone", _HM2, "landcover"),
    "source_year": ("year of the land cover the areas come from (differs from year where the "
                    "nearest year's land cover was applied)", "a", "landcover"),
    "CS": ("carbon sink: sum over classes of NEP_i x A_i x equivalence factor", "t C/a", "sinks"),
    # footprint
    "ICE": ("{ice}, divided by the absorption rate to give ICF", "t {basis}/a", "footprint"),
    "ICF": ("carbon footprint: ICE / D, the area needed to absorb the emissions "
            "(D = sum_i NEP_i x P_i)", _HM2, "footprint"),
    "CEC": ("ecological carrying capacity: CS / D, the carbon-absorbing area", _HM2, "footprint"),
    "ICD": ("carbon deficit: ICF - CEC where ICF > CEC, else 0", _HM2, "footprint"),
    "ICS": ("carbon surplus: CEC - ICF where ICF < CEC, else 0", _HM2, "footprint"),
    "ICF_size": ("footprint size: min(ICF, CEC); equals CEC wherever the region is in deficit",
                 _HM2, "footprint"),
    "ICF_depth": ("footprint depth: 1 + ICD / CEC (= ICF / CEC in deficit, 1 otherwise)", "1",
                  "footprint"),
    "basis": ("gas basis in which ICE is divided by the rates (CO2 as the seed study, or C)", "",
              "footprint"),
    "D_t_per_hm2_a": ("absorption rate D = sum_i NEP_i x P_i dividing ICE and CS", "t C/hm2/a",
                      "footprint"),
    "rates_basis": ("gas basis of the absorption rates NEP_i and of CS (C: tonnes of carbon)", "",
                    "sinks"),
    "growth_rate_per_year": ("average annual growth rate, fraction per year: (x1/x0)^(1/n) - 1 "
                             "over the period, or the compound rate of a CEC projection (given "
                             "or measured over the fitted years; empty for linear)", "1/a",
                             "trends"),
    "population": ("year-end resident population", "persons", "per_capita"),
    "ICF_pc": ("ICF per person", "hm2/person", "per_capita"),
    "CEC_pc": ("CEC per person", "hm2/person", "per_capita"),
    "ICF_size_pc": ("ICF_size per person", "hm2/person", "per_capita"),
    "n_regions": ("regions summed in the year", "regions", "national"),
    # trends
    "indicator": ("indicator the row describes (ICE, CS, ICF, CEC ...)", "", "trends"),
    "start": ("first year of the period", "a", "trends"),
    "end": ("last year of the period", "a", "trends"),
    "n_years": ("years between start and end (growth) or years fitted (projection)", "a",
                "trends"),
    "start_value": ("indicator in the first year", "unit of the indicator", "trends"),
    "end_value": ("indicator in the last year", "unit of the indicator", "trends"),
    "note": ("why a value is missing, if it is", "", "trends"),
    "fit_start": ("first year of the linear fit", "a", "trends"),
    "fit_end": ("last year of the linear fit", "a", "trends"),
    "n_fit_years": ("years with a value in the fit of the projection", "a", "trends"),
    "slope": ("slope of the least-squares line", "unit of the indicator per year", "trends"),
    "intercept": ("intercept of the least-squares line (value at year 0)",
                  "unit of the indicator", "trends"),
    "r2": ("coefficient of determination of the fit (empty when the series is constant)", "1",
           "trends"),
    "method": ("how the projection extrapolates: linear (least-squares line) or compound "
               "(constant annual rate from the last fitted year)", "", "trends"),
    "target_year": ("year projected to", "a", "trends"),
    "projected": ("projected value in target_year", "unit of the indicator", "trends"),
    # zones
    "zone_name": ("name of the quadrant zone", "", "zones"),
    # natural breaks
    "pooled": ("True: breaks of all years together (year is empty); False: breaks of the "
               "row's year", "", "classify"),
    "break_class": ("natural-breaks class number (1 = lowest)", "", "classify"),
    "lower": ("lower bound of the class (the lowest value for class 1)", "unit of the column",
              "classify"),
    "upper": ("upper bound of the class (inclusive)", "unit of the column", "classify"),
    "count": ("regions (region-years when pooled) in the class", "regions", "classify"),
    # weights
    "n_links": ("neighbour pairs (each counted once)", "pairs", "weights"),
    "n_components": ("connected components of the neighbour graph", "components", "weights"),
    "component_sizes": ("regions in each component", "regions", "weights"),
    "islands": ("regions without a neighbour before the island policy", "", "weights"),
    "island_policy": ("what was done with islands: knn (linked to the nearest), keep, drop", "",
                      "weights"),
    "added_links": ("links added by the island policy (from, to)", "", "weights"),
    "dropped": ("regions dropped by the island policy", "", "weights"),
    "min_neighbors": ("fewest neighbours of a region", "regions", "weights"),
    "mean_neighbors": ("mean number of neighbours", "regions", "weights"),
    "max_neighbors": ("most neighbours of a region", "regions", "weights"),
    "neighbor_histogram": ("number of regions with each number of neighbours", "", "weights"),
    "kind": ("contiguity or distance rule of the weights (queen, rook, knn:k ...)", "",
             "weights"),
    "transform": ("transformation of the weights (r: row-standardised)", "", "weights"),
    "years": ("years whose cross-sections use these weights (the regions with data that year)",
              "a", "weights"),
    # Moran and LISA
    "variable": ("the variable analysed (a footprint column)", "", "moran"),
    "column": ("the variable analysed or classified (a footprint column; x~y for a bivariate "
               "pair)", "", "moran"),
    "EI": ("expected I under no autocorrelation, -1/(n-1)", "1", "moran"),
    "VI_norm": ("variance of I under normality", "1", "moran"),
    "z_norm": ("z-score of I under normality", "1", "moran"),
    "p_norm": ("p-value of I under normality", "1", "moran"),
    "VI_rand": ("variance of I (or of the local I_i) under randomisation", "1", "moran"),
    "z_rand": ("z-score of I (or of the local I_i) under randomisation", "1", "moran"),
    "p_rand": ("p-value of I (or of the local I_i) under randomisation", "1", "moran"),
    "permutations": ("random permutations for the pseudo p-value", "permutations", "moran"),
    "p_sim": ("pseudo p-value from the permutations ((count + 1) / (permutations + 1))", "1",
              "moran"),
    "EI_sim": ("mean of I over the permutations", "1", "moran"),
    "seI_sim": ("standard deviation of I over the permutations", "1", "moran"),
    "z_sim": ("z-score of I against the permutations", "1", "moran"),
    "alternative": ("alternative hypothesis of the p-values", "", "moran"),
    "seed": ("seed of the permutations", "", "moran"),
    "weights": ("spatial weights used (kind/transform)", "", "moran"),
    "n_islands": ("regions without a contiguous neighbour", "regions", "moran"),
    "value": ("value of the variable for the region and year", "unit of the variable", "lisa"),
    "z": ("standardised value (value - mean) / sd of the year", "1", "lisa"),
    "lag": ("spatial lag of z (weighted mean of the neighbours' z)", "1", "lisa"),
    "quadrant": ("Moran-scatter quadrant: 1 HH, 2 LH, 3 LL, 4 HL, 0 undefined", "", "lisa"),
    "quadrant_label": ("Moran-scatter quadrant as text", "", "lisa"),
    "significant": ("p <= alpha, with the p-value named in cluster_basis (p_sim by default)", "",
                    "lisa"),
    "sig_fdr": ("significant after Benjamini-Hochberg FDR at alpha within the year", "", "lisa"),
    "sig_bonferroni": ("p <= alpha / n (Bonferroni), p as in cluster_basis", "", "lisa"),
    "significance": ("significance level reached: 0.001, 0.01, 0.05 or ns", "", "lisa"),
    "cluster": ("LISA cluster (GeoDa codes): 0 not significant, 1 HH, 2 LL, 3 LH, 4 HL, "
                "5 undefined, 6 isolated", "", "lisa"),
    "cluster_label": ("LISA cluster as text", "", "lisa"),
    "n_neighbors": ("neighbours of the region in the weights", "regions", "lisa"),
    # transitions
    "from": ("LISA quadrant at the start of a one-year step (row of the matrix)", "",
             "transitions"),
    "year_from": ("first year of the step ('all' for every step together)", "a", "transitions"),
    "year_to": ("second year of the step", "a", "transitions"),
    "q_from": ("LISA quadrant in year_from", "", "transitions"),
    "q_to": ("LISA quadrant in year_to", "", "transitions"),
    "significant_from": ("LISA significant in year_from", "", "transitions"),
    "significant_to": ("LISA significant in year_to", "", "transitions"),
    "counted": ("the step enters the transition matrix", "", "transitions"),
    "type": ("Rey's space-time move type: 0 no change, I the region moves, II its neighbours, "
             "III both", "", "transitions"),
    "subtype": ("type III split: IIIA both move the same way, IIIB opposite", "",
                "transitions"),
    "giddy_move": ("the move's code in giddy's LISA_Markov (q_from * 10 + q_to)", "",
                   "transitions"),
    "m": ("regions with a step between the two years", "regions", "transitions"),
    "cohesion": ("share of type-0 moves (no change)", "1", "transitions"),
    "flux": ("share of moves of type I or II", "1", "transitions"),
    "Q": ("chi-square homogeneity statistic of the compared transition matrices (year pairs "
          "for LISA transitions, lag classes for the spatial Markov chain)", "1", "transitions"),
    "Q_p": ("p-value of Q", "1", "transitions"),
    "LR": ("likelihood-ratio homogeneity statistic of the compared transition matrices", "1",
           "transitions"),
    "LR_p": ("p-value of LR", "1", "transitions"),
    "dof": ("degrees of freedom of Q and LR", "1", "transitions"),
    "regimes": ("transition matrices compared (year pairs or lag classes)", "matrices",
                "transitions"),
    # analytic LISA inference, bivariate LISA (issue 13)
    "EI_rand": ("analytic E[I_i] of the local Moran under randomisation (spdep localmoran; "
                "our (n-1) scaling of I_i)", "1", "lisa"),
    "cluster_basis": ("which p-value, level and correction decided the cluster code", "", "lisa"),
    "with": ("bivariate: the variable whose spatial lag is compared", "", "lisa"),
    "value_with": ("bivariate: value of the 'with' variable for the region and year",
                   "unit of the variable", "lisa"),
    "lag_with": ("bivariate: spatial lag of the standardised 'with' variable", "1", "lisa"),
    # hot spots
    "statistic": ("Getis-Ord statistic: G* (the region counts as its own neighbour) or G", "",
                  "hotspots"),
    "G": ("Getis-Ord G_i (or G*_i): neighbours' share of the total", "1", "hotspots"),
    "EG": ("expected G_i under no association", "1", "hotspots"),
    "VG": ("variance of G_i under no association", "1", "hotspots"),
    "gi_z": ("Ord-Getis z-score of G_i (ArcGIS GiZScore, spdep localG)", "1", "hotspots"),
    "gi_p": ("normal p-value of gi_z (ArcGIS GiPValue when two-sided)", "1", "hotspots"),
    "gi_bin": ("ArcGIS Gi_Bin: +-3/2/1 hot (+) or cold (-) spot at 99/95/90 % confidence, 0 not "
               "significant", "", "hotspots"),
    "gi_bin_label": ("Gi_Bin as text", "", "hotspots"),
    "g_cluster": ("GeoDa's G cluster: 0 not significant, 1 high, 2 low, 3 undefined, 4 isolated",
                  "", "hotspots"),
    "g_cluster_label": ("G cluster as text", "", "hotspots"),
    # spatial Markov
    "conditioning": ("which matrix: pooled or lag class j (the neighbours' class at the start)",
                     "", "markov"),
    "lag_class": ("class of the neighbours' mean at the start (0 = pooled)", "", "markov"),
    "markov_class": ("class of the spatial Markov chain (1 = lowest): of the value, or of the "
                     "lag where classes_of is 'lag'", "", "markov"),
    "from_class": ("class at the start of a one-year step (1 = lowest)", "", "markov"),
    "to_class": ("class at the end of the step", "", "markov"),
    "n_steps": ("one-year steps from_class -> to_class", "steps", "markov"),
    "probability": ("transition probability from_class -> to_class (row share), or the long-run "
                    "share of the class in a steady state", "1", "markov"),
    "recurrent_class": ("closed class of the chain the steady state belongs to (1 if ergodic)", "",
                        "markov"),
    "classes_of": ("what the classes cut: the values or their spatial lags", "", "markov"),
    "scheme": ("classification of the pooled values (quantiles, fisher_jenks or user)", "",
               "markov"),
    # centre of gravity
    "total": ("sum of the weights (the variable) over the regions", "unit of the variable",
              "centre"),
    "x_m": ("centre of gravity, x in the equal-area projection (crs)", "m", "centre"),
    "y_m": ("centre of gravity, y in the equal-area projection (crs)", "m", "centre"),
    "lon": ("centre of gravity, longitude (WGS84)", "degree", "centre"),
    "lat": ("centre of gravity, latitude (WGS84)", "degree", "centre"),
    "distance_km": ("geodesic distance moved since the previous year", "km", "centre"),
    "bearing_deg": ("direction of the move, clockwise from north", "degree", "centre"),
    "direction": ("direction of the move (8-point compass)", "", "centre"),
    "dx_km": ("eastward move in the projection", "km", "centre"),
    "dy_km": ("northward move in the projection", "km", "centre"),
    "std_distance_km": ("standard distance around the centre", "km", "centre"),
    "sigma_x_km": ("ArcGIS XStdDist: ellipse semi-axis across the rotation (1 SD)", "km", "centre"),
    "sigma_y_km": ("ArcGIS YStdDist: ellipse semi-axis along the rotation (1 SD)", "km", "centre"),
    "major_km": ("long semi-axis of the standard deviational ellipse (1 SD)", "km", "centre"),
    "minor_km": ("short semi-axis of the standard deviational ellipse (1 SD)", "km", "centre"),
    "rotation_deg": ("azimuth of the long axis, clockwise from north (0-180)", "degree", "centre"),
    "area_km2": ("area of the 1-SD ellipse", "km2", "centre"),
    "flattening": ("1 - minor/major of the ellipse", "1", "centre"),
    "crs": ("projection of the computation (PROJ string)", "", "centre"),
    "weighted_over": ("what the centre is taken over (region centroids or weighted points)", "",
                      "centre"),
    "first_year": ("first year of the trajectory", "a", "centre"),
    "last_year": ("last year of the trajectory", "a", "centre"),
    "path_km": ("length of the trajectory (sum of the yearly moves)", "km", "centre"),
    "net_km": ("geodesic distance from the first to the last centre", "km", "centre"),
    "net_bearing_deg": ("direction from the first to the last centre, clockwise from north",
                        "degree", "centre"),
    "net_direction": ("direction from the first to the last centre (8-point compass)", "",
                      "centre"),
    # data dictionary itself
    "table": ("output file or GeoPackage layer", "", "study"),
    "meaning": ("what the column means", "", "study"),
    "unit": ("unit of the column", "", "study"),
    "step": ("step of the chain that made the column", "", "study"),
}

#: (regex, meaning, unit, step); groups are substituted with ``\1``.
PATTERNS: list[tuple[str, str, str, str]] = [
    (r"^A_(\w+?)_hm2$", r"area of \1 (land-cover sink class)", _HM2, "sinks"),
    (r"^NEP_(\w+?)_t_per_hm2_a$", r"absorption rate NEP of \1 the sinks were computed with",
     "t C/hm2/a", "sinks"),
    (r"^CS_(\w+)$", r"carbon sink of \1: NEP x area x equivalence factor", "t C/a", "sinks"),
    (r"^P_(\w+)$", r"share of \1 in carbon absorption (P_i; national or regional)", "1",
     "footprint"),
    (r"^z_(\w+)$", r"z-score of \1 within the year (for the quadrant zones)", "1", "zones"),
    (r"^(\w+)_class_pooled$", r"natural-breaks class of \1, breaks pooled over all years "
     r"(1 = lowest)", "", "classify"),
    (r"^(\w+)_class$", r"natural-breaks class of \1, breaks of the year (1 = lowest)", "",
     "classify"),
    (r"^lisa_(\w+)_label$", r"LISA cluster of \1 as text", "", "lisa"),
    (r"^lisa_(\w+)_p$", r"LISA pseudo p-value of \1", "1", "lisa"),
    (r"^lisa_(\w+)$", r"LISA cluster of \1 (GeoDa codes, see cluster)", "", "lisa"),
    (r"^n_type_(\w+)$", r"regions with a type-\1 move in the step", "regions", "transitions"),
    (r"^share_type_(\w+)$", r"share of type-\1 moves in the step", "1", "transitions"),
    (r"^log_(\w+)$", r"natural logarithm of \1 (config: log(\1))", "1", "footprint"),
]

_Q = ("HH", "LH", "LL", "HL")

#: Names that mean different things in different tables: table -> column ->
#: (meaning, unit, step).  Kept short on purpose; each is a candidate for a
#: rename.  ``I`` is the global statistic in the one-row-per-year tables and
#: the local I_i in the one-row-per-region tables; its inference columns
#: (``VI_rand``, ``z_rand``, ``p_rand``, ``p_sim``) share their names the same
#: way, so renaming ``I`` alone would not settle it.  ``HH`` ... ``HL`` are the
#: columns of the 4 x 4 matrices of ``lisa_transitions`` (counts or
#: probabilities, as the table's name says).  ``n`` always counts regions;
#: it is here for the step and the regions each table counts.
TABLE_SPECIFIC: dict[str, dict[str, tuple[str, str, str]]] = {
    "moran": {"n": ("regions in the cross-section", "regions", "moran"),
              "I": ("global Moran's I of the year", "1", "moran")},
    "connectivity": {"n": ("regions in the weights", "regions", "weights")},
    "lisa": {"I": ("local Moran's I_i of the region", "1", "lisa")},
    "bivariate_lisa": {"I": ("bivariate local Moran I_i: the region's x with its neighbours' y",
                             "1", "lisa")},
    "bivariate_moran": {"I": ("bivariate Moran's I of x with the neighbours' y", "1", "moran"),
                        "n": ("regions in the cross-section", "regions", "moran")},
    "centre": {"n": ("regions with a positive weight", "regions", "centre")},
    "lisa_panel": {"I": ("local Moran's I_i of the region (balanced panel)", "1", "transitions")},
    "transition_counts": {q: (f"one-year steps from the row's quadrant into {q}", "steps",
                              "transitions") for q in _Q},
    "transition_probs": {q: (f"probability of a one-year step from the row's quadrant into {q}",
                             "1", "transitions") for q in _Q},
}
# tables that share a layout with another (same column meanings)
_SAME_AS = {"classes": "footprint", "zones": "footprint", "ice": "ice", "region_years": "footprint",
            "lisa_panel": "lisa"}


class DictionaryError(SpatialCarbonError):
    """A written column has no entry in the data dictionary (a package bug)."""


def _ice_text(context: Mapping[str, Any]) -> str:
    scope = context.get("scope", "industry")
    if scope == "total":
        return ("total CO2 emissions of the region, all sectors (CEADs city inventory or the "
                "user's table; not industrial emissions alone)")
    return ("industrial CO2 emissions (ICE): mining, manufacturing and utilities, from CEADs "
            "or fuel use x emission factors")


def lookup(table: str, column: str, context: Mapping[str, Any] | None = None
           ) -> tuple[str, str, str] | None:
    """(meaning, unit, step) of ``column`` in ``table`` (file stem or layer), or None."""
    ctx = dict(context or {})
    entry = None
    for t in (table, _SAME_AS.get(table)):
        if t is not None and column in TABLE_SPECIFIC.get(t, {}):
            entry = TABLE_SPECIFIC[t][column]
            break
    if entry is None:
        entry = COLUMNS.get(column)
    if entry is None:
        for pat, meaning, unit, step in PATTERNS:
            m = re.match(pat, column)
            if m:
                entry = (m.expand(meaning), unit, step)
                break
    if entry is None:
        return None
    meaning, unit, step = entry
    basis = ctx.get("basis", "CO2")
    return (meaning.replace("{ice}", _ice_text(ctx)), unit.replace("{basis}", str(basis)), step)


def data_dictionary(
    tables: Mapping[str, pd.DataFrame],
    layers: Mapping[str, pd.DataFrame] | None = None,
    *,
    context: Mapping[str, Any] | None = None,
    strict: bool = True,
) -> pd.DataFrame:
    """One row per column of every table and layer a study writes.

    Parameters
    ----------
    tables : mapping of name -> DataFrame
        As written to ``tables/<name>.csv``.
    layers : mapping of name -> DataFrame, optional
        Layers of ``study.gpkg`` (the geometry column is described too).
    context : mapping, optional
        ``scope`` ("industry" or "total": what ICE is), ``basis`` (gas basis
        of ICE).
    strict : bool
        Raise :class:`DictionaryError` for a column without an entry (default);
        ``False`` describes it as passed through from the input.

    Returns
    -------
    DataFrame
        ``table, column, meaning, unit, step`` plus the dictionary's own
        file ``columns.csv``.
    """
    rows = []
    missing = []

    def add(label: str, key: str, cols) -> None:
        for c in cols:
            if c == "geometry":
                rows.append((label, c, "polygon of the region (EPSG:4326)", "", "inputs"))
                continue
            e = lookup(key, str(c), context)
            if e is None:
                missing.append(f"{label}:{c}")
                e = ("column of the input table, passed through unchanged", "", "inputs")
            rows.append((label, str(c), *e))

    for name, df in tables.items():
        add(f"tables/{name}.csv", name, df.columns)
    for name, df in (layers or {}).items():
        add(f"study.gpkg:{name}", name, df.columns)
    if missing and strict:
        raise DictionaryError(
            f"no data-dictionary entry for {len(missing)} written column(s): "
            + shortlist(missing)
            + "; add them to spatial_carbon/study/dictionary.py"
        )
    add("columns.csv", "columns", ["table", "column", "meaning", "unit", "step"])
    return pd.DataFrame(rows, columns=["table", "column", "meaning", "unit", "step"])




def qgis_metadata_xml(title: str, abstract: str, dictionary: pd.DataFrame, layer: str) -> str:
    """A QGIS layer-metadata document (``http://mrcc.com/qgis.dtd``) whose
    abstract ends with the layer's data dictionary, one line per column.

    Parameters
    ----------
    title, abstract : str
    dictionary : DataFrame
        From :func:`data_dictionary`.
    layer : str
        Layer name (rows ``table == "study.gpkg:<layer>"`` are listed).
    """
    import xml.etree.ElementTree as ET

    rows = dictionary[dictionary["table"] == f"study.gpkg:{layer}"]
    lines = [f"{r.column}: {r.meaning}" + (f" [{r.unit}]" if r.unit else "") + f" ({r.step})"
             for r in rows.itertuples(index=False)]
    root = ET.Element("qgis", {"version": "3.22", "styleCategories": "Metadata"})
    ET.SubElement(root, "identifier").text = layer
    ET.SubElement(root, "parentidentifier")
    ET.SubElement(root, "language").text = "en"
    ET.SubElement(root, "type").text = "dataset"
    ET.SubElement(root, "title").text = title
    ET.SubElement(root, "abstract").text = abstract + "\n\nColumns:\n" + "\n".join(lines)
    kw = ET.SubElement(root, "keywords", {"vocabulary": "spatial_carbon"})
    ET.SubElement(kw, "keyword").text = "carbon footprint"
    ET.SubElement(root, "encoding")
    return ET.tostring(root, encoding="unicode")


def column_texts(dictionary: pd.DataFrame, layer: str) -> dict[str, str]:
    """Column -> "meaning [unit] (step)" of a GeoPackage layer."""
    rows = dictionary[dictionary["table"] == f"study.gpkg:{layer}"]
    return {r.column: r.meaning + (f" [{r.unit}]" if r.unit else "") + f" (step: {r.step})"
            for r in rows.itertuples(index=False)}


__all__ = ["COLUMNS", "PATTERNS", "TABLE_SPECIFIC", "STEPS", "DictionaryError", "lookup",
           "data_dictionary", "qgis_metadata_xml", "column_texts"]
