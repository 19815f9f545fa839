"""Out-of-process worker behind the QGIS Processing plugin.

Why out of process
------------------
pip wheels of rasterio and pyogrio bundle their own GDAL and PROJ.  Inside a
QGIS process (``qgis.bin``, ``qgis_process.bin``) QGIS's own ``libgdal`` is
already loaded into the global symbol scope, so the wheel's extension modules
bind to *QGIS's* GDAL for every symbol both libraries export and to the
bundled one for the rest: with Debian's QGIS 3.22 (GDAL 3.6.2) and rasterio
1.4 (bundled GDAL 3.10) ``rasterio.gdal_version()`` reports 3.6.2, three
GDAL copies end up in the process, and QGIS aborts at exit with
"double free or corruption".  ``tests/test_qgis_plugin.py`` reproduces this.
So the plugin never imports spatial_carbon or its dependencies: it exports
the QGIS layers to files, runs ``python -m spatial_carbon.qgis_worker JOB``
in an interpreter where spatial_carbon is installed (any Python >= 3.10, e.g.
a venv), and loads the files written here.

Protocol
--------
``JOB`` is a JSON file ``{"step": name, "inputs": {...}, "params": {...},
"outputs": {...}}`` (paths as strings), checked against the step's schema
(:mod:`spatial_carbon._jobs`) before anything else runs.  The plugin starts
the worker in Python's isolated mode (``python -I``: no working-folder or
user-site imports).  The worker prints one message per line on stdout, each
starting with ``@@``::

    @@progress 42.0          percent done
    @@info text              a line for the Processing log
    @@warning text           a DataQualityWarning (or other warning)
    @@result {json}          outputs written (last line on success)
    @@error {json}           {"type": "CRSError", "message": "..."}; exit 2

Any other exception is a bug: the traceback goes to stderr, exit status 1.

Each step reads its inputs (I/O layer), calls one core function, writes its
outputs atomically (``spatial_carbon._io``: an output is never one of the
step's inputs, the outputs of a step stand or fall together, and SIGTERM
from a cancel removes temporary files) and, for map layers, a QGIS style
from :mod:`spatial_carbon.maps.styles` next to the output.
"""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path
from typing import Any, Callable

from . import defaults as _defaults
from .errors import InputError, SpatialCarbonError, UnmatchedRegionsWarning

#: Modules the worker needs (import name -> pip name), checked by ``check``.
REQUIRED = {
    "numpy": "numpy", "pandas": "pandas", "geopandas": "geopandas", "shapely": "shapely",
    "pyogrio": "pyogrio", "pyproj": "pyproj", "rasterio": "rasterio", "libpysal": "libpysal",
    "esda": "esda", "mapclassify": "mapclassify", "openpyxl": "openpyxl",
}
#: Optional modules: a step that needs one says so when it is missing.
OPTIONAL = {"giddy": "giddy", "pymrio": "pymrio"}

STEPS: dict[str, Callable[[dict, dict, dict], dict]] = {}


def step(name: str):
    """Register a worker step ``fn(inputs, params, outputs) -> outputs``."""

    def deco(fn):
        STEPS[name] = fn
        return fn

    return deco


# --------------------------------------------------------------------- messages
def emit(kind: str, payload: Any = "") -> None:
    """Print one protocol line (``@@kind payload``) and flush."""
    if not isinstance(payload, str):
        payload = json.dumps(payload, ensure_ascii=False)
    payload = payload.replace("\r", " ").replace("\n", " | ")
    sys.stdout.write(f"@@{kind} {payload}\n")
    sys.stdout.flush()


def progress(fraction: float) -> None:
    """Report progress as a fraction in [0, 1]."""
    emit("progress", f"{max(0.0, min(1.0, float(fraction))) * 100:.1f}")


def info(text: str) -> None:
    emit("info", text)


# ------------------------------------------------------------------ I/O helpers
def read_layer(spec, *, layer: str | None = None, where: str = "input layer"):
    """Read a vector layer (``{"path", "layer"}`` from the plugin, or a path):
    :func:`spatial_carbon.layers.read`, the one layer reader."""
    from . import layers

    return layers.read(spec, layer=layer, where=where)


def read_table(spec, *, where: str = "input table"):
    """A CSV table or the attribute table of a layer (:func:`spatial_carbon.layers.read_table`)."""
    from . import layers

    return layers.read_table(spec, where=where)


def require_fields(df, fields: dict[str, str], *, where: str, numeric: tuple[str, ...] = ()) -> None:
    """Check that each field exists (and, for ``numeric``, is a number type).

    ``fields`` maps the tool's parameter label to the chosen field name, so the
    message names the parameter the user has to change.
    """
    import pandas as pd

    for label, col in fields.items():
        if col is None or col == "":
            continue
        if col not in df.columns:
            have = ", ".join(str(c) for c in df.columns if c != "geometry")
            raise InputError(
                f"{where} has no field {col!r} (parameter {label}); its fields are: {have}"
            )
        if col in numeric and not pd.api.types.is_numeric_dtype(df[col]):
            raise InputError(
                f"field {col!r} of {where} (parameter {label}) is not numeric "
                f"(type {df[col].dtype}); choose a numeric field or convert it "
                "with the Field Calculator (to_real(...))"
            )


def write_style(qml_text: str | None, output: str) -> str | None:
    """Write a QGIS style next to ``output`` (same name, ``.qml``)."""
    if not qml_text:
        return None
    from ._io import write_text

    qml = str(Path(output).with_suffix(".qml"))
    write_text(qml_text, qml)
    return qml


def style_layer(output: str, layer: str, named: dict[str, str]) -> str:
    """Store ``named`` styles (first = default) in the GeoPackage, where QGIS
    finds them on opening, and the default one as a ``.qml`` beside it (which
    the plugin applies when Processing loads the output)."""
    from . import styles

    styles.save_to_gpkg(output, layer, named)
    return write_style(next(iter(named.values())), output)


def graduated_styles(gdf, columns, *, k: int = 5) -> dict[str, str]:
    """Named graduated styles (pooled natural breaks, as the maps) of the
    numeric ``columns`` that vary; the first is the layer's default style."""
    import numpy as np

    from . import styles
    from .spatial import classify

    named = {}
    for col in columns:
        if col not in gdf.columns:
            continue
        v = np.asarray(gdf[col], dtype=float)
        v = v[np.isfinite(v)]
        if len(np.unique(v)) < 2:
            continue
        _, brk = classify.natural_breaks(gdf, col, min(k, len(np.unique(v))), pooled=True,
                                         per_year=False, year_col="__no_year__")
        named[col] = styles.graduated_qml(col, brk, column=col)
    return named


def write_gpkg(gdf, path: str, layer: str) -> str:
    """Write one GeoPackage layer atomically (GeoPackage 1.2, see ``_io.write_gpkg``)."""
    from ._io import write_gpkg as _write

    _write(gdf, path, layer=layer)
    return path


def _check_gpkg(path: str, label: str) -> None:
    if Path(path).suffix.lower() != ".gpkg":
        raise InputError(f"output {label} must be a GeoPackage (.gpkg), got {path}")


# ------------------------------------------------------------------------ steps
@step("ceads_import")
def _ceads_import(inputs: dict, params: dict, outputs: dict) -> dict:
    from .inventory import ceads
    from ._io import write_csv

    years = None
    if params.get("first_year") and params.get("last_year"):
        years = list(range(int(params["first_year"]), int(params["last_year"]) + 1))
    progress(0.05)
    tidy = ceads.read_provinces(inputs["folder"], years=years)
    progress(0.8)
    group = params.get("group") or "industry"
    if group == "industry":
        out = ceads.industrial_emissions(tidy, include_process=bool(params.get("include_process", True)))
    else:
        out = ceads.group_totals(
            tidy, None if group == "all" else [group],
            include_process=bool(params.get("include_process", True)),
        )
    write_csv(out, outputs["OUTPUT"])
    info(f"{len(out)} rows, {out['region_code'].nunique()} regions, "
         f"years {int(out['year'].min())}-{int(out['year'].max())}")
    return {"OUTPUT": outputs["OUTPUT"], "ROWS": int(len(out))}



def _frame(gdf):
    """Attribute table of a layer as a plain DataFrame (geometry dropped)."""
    import pandas as pd

    return pd.DataFrame(gdf.drop(columns=[gdf.geometry.name])) if hasattr(gdf, "geometry") \
        else gdf


def _layer_or_table(spec: dict, where: str):
    """Read an input given as ``{"path", "layer"}`` (layer) or a CSV path."""
    from . import layers

    return read_table(spec, where=where) if layers.is_table(spec) else read_layer(spec, where=where)


def _boundary_layer(inputs: dict, params: dict, table, *, default_id: str, where: str,
                    warn: bool = True):
    """Join ``table`` to the boundaries input (the one resolver and join):
    boundaries without data are left out with one warning; table ids
    without a feature are an error."""
    from . import layers

    idf = params.get("boundary_id") or None
    b = read_layer(inputs["boundaries"], where="boundaries layer")
    require_fields(b, {"BOUNDARY_ID": idf}, where="boundaries layer")
    b = layers.boundaries(b, id_field=idf or (default_id if default_id in b.columns else None),
                          where="boundaries layer")
    lay, rep = layers.join(b, table, how="inner", where=where, layer_name="the boundaries layer",
                           warn=warn)
    info(rep.summary())
    return lay


def _write_layer_or_table(df, path: str, layer: str):
    """GeoPackage for frames with geometry, CSV otherwise."""
    from ._io import write_csv

    if str(path).lower().endswith(".gpkg"):
        if not hasattr(df, "geometry"):
            raise InputError(f"the input has no geometry, so {Path(path).name} cannot be a "
                             "GeoPackage layer; choose a .csv output or a layer with geometry")
        write_gpkg(df, path, layer=layer)
    else:
        write_csv(_frame(df), path)
    return path


def _year_field(params) -> str | None:
    y = params.get("year_field")
    return y if y else None


@step("fuel_emissions")
def _fuel_emissions(inputs: dict, params: dict, outputs: dict) -> dict:
    from . import inventory
    from ._io import write_csv

    fuel = inventory.read_fuel_use(inputs["fuel"])
    out = inventory.emissions(fuel, factors=inputs.get("factors") or params.get("preset")
                              or "ipcc2006", by_fuel=bool(params.get("by_fuel")),
                              basis=params.get("basis") or "CO2", where=Path(inputs["fuel"]).name)
    write_csv(out, outputs["OUTPUT"])
    info(f"{len(out)} rows written ({out.columns[-1]})")
    return {"OUTPUT": outputs["OUTPUT"], "ROWS": int(len(out))}


@step("class_areas")
def _class_areas(inputs: dict, params: dict, outputs: dict) -> dict:
    from . import landcover
    from ._io import write_csv

    zones = read_layer(inputs["zones"], where="zones layer")
    require_fields(zones, {"ZONE_FIELD": params["zone_field"]}, where="zones layer")
    rasters = inputs["rasters"]
    years = [int(y) for y in params.get("years") or []]
    if years:
        if len(years) != len(rasters):
            raise InputError(f"{len(years)} years for {len(rasters)} rasters; give one year per "
                             "raster (in the order of the raster list) or none")
        src = {}
        for y, r in zip(years, rasters):
            src.setdefault(y, []).append(r)
        rasters = src
    cancel_file = params.get("_cancel_file")
    out = landcover.class_areas(
        rasters, zones, params["zone_field"], legend=inputs.get("legend_csv")
        or params.get("legend") or "clcd", years=years or None,
        pixel_rule=params.get("pixel_rule") or "centre",
        workers=params.get("workers") or None,
        progress=lambda done, total: progress(done / max(total, 1)),
        cancel=(lambda: Path(cancel_file).exists()) if cancel_file else None,
    )
    write_csv(out, outputs["OUTPUT"])
    info(f"{out['zone'].nunique()} zones x {out['year'].nunique()} year(s) x "
         f"{out['class'].nunique()} classes; {out['area_hm2'].sum():,.0f} hm2 classified")
    return {"OUTPUT": outputs["OUTPUT"], "ROWS": int(len(out))}


@step("carbon_sinks")
def _carbon_sinks(inputs: dict, params: dict, outputs: dict) -> dict:
    from .footprint import sinks
    from ._io import read_csv, write_csv

    areas = read_table(inputs["areas"], where=f"areas table {Path(inputs['areas']).name}")
    rate_kw = dict(rates=read_csv(inputs["rates"]) if inputs.get("rates") else None,
                   nep_forest=params.get("nep_forest"), nep_grassland=params.get("nep_grassland"),
                   where=Path(inputs["areas"]).name)
    out = sinks.carbon_sink(
        areas, factors=read_csv(inputs["factors"]) if inputs.get("factors") else None, **rate_kw)
    for cls, area in sinks.unrated_areas(areas, **rate_kw).items():
        info(f"class without a rate (ignored): {cls} ({area:,.0f} hm2)")
    write_csv(out, outputs["OUTPUT"])
    info(f"{len(out)} region-years; CS in t {out['rates_basis'].iloc[0]}/a")
    return {"OUTPUT": outputs["OUTPUT"], "ROWS": int(len(out))}


@step("footprint")
def _footprint(inputs: dict, params: dict, outputs: dict) -> dict:
    from . import footprint
    from .inventory import population
    from ._io import read_csv, write_csv

    ice = read_table(inputs["ice"], where=f"emissions table {Path(inputs['ice']).name}")
    cs = read_csv(inputs["sinks"])
    pop = population.read_yearbook(inputs["population"]) if inputs.get("population") else None
    progress(0.2)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fp = footprint.compute(ice, cs, shares=params.get("shares") or "national",
                               basis=params.get("basis") or "CO2",
                               nep_forest=params.get("nep_forest"),
                               nep_grassland=params.get("nep_grassland"), population=pop)
    for w in caught:
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    # regions without emissions: one warning (from compute, else from the layer join)
    said = any(issubclass(w.category, UnmatchedRegionsWarning) for w in caught)
    write_csv(fp, outputs["OUTPUT"])
    res = {"OUTPUT": outputs["OUTPUT"], "ROWS": int(len(fp))}
    if inputs.get("boundaries") and outputs.get("OUTPUT_LAYER"):
        _check_gpkg(outputs["OUTPUT_LAYER"], "OUTPUT_LAYER")
        lay = _boundary_layer(inputs, params, fp, default_id="region_code",
                              where="the footprint table", warn=not said)
        lay = lay.sort_values(["year", "region_code"]).reset_index(drop=True)
        write_gpkg(lay, outputs["OUTPUT_LAYER"], layer="footprint")
        res["OUTPUT_LAYER"] = outputs["OUTPUT_LAYER"]
        # The seed study's maps: ICF first (the default style), then size and depth.
        named = graduated_styles(lay, ["ICF", "ICF_size", "ICF_depth", "ICD", "CEC"])
        if named:
            res["styles"] = {"OUTPUT_LAYER": style_layer(outputs["OUTPUT_LAYER"], "footprint",
                                                         named)}
    info(f"{len(fp)} region-years; {int((fp['ICD'] > 0).sum()) if 'ICD' in fp else '?'} in deficit")
    return res


@step("quadrant_zones")
def _quadrant_zones(inputs: dict, params: dict, outputs: dict) -> dict:
    src = _layer_or_table(inputs["input"], "input layer")
    yf = _year_field(params)
    require_fields(src, {"SIZE_FIELD": params["size"], "DEPTH_FIELD": params["depth"],
                         "YEAR_FIELD": yf}, where="input layer",
                   numeric=(params["size"], params["depth"]))
    from . import styles  # after the checks: mapclassify is slow to import
    from .footprint import zones
    out = zones.quadrants(src, size=params["size"], depth=params["depth"],
                          year_col=yf or "__no_year__")
    path = _write_layer_or_table(out, outputs["OUTPUT"], "zones")
    res = {"OUTPUT": path}
    if str(path).lower().endswith(".gpkg"):
        res["styles"] = {"OUTPUT": style_layer(path, "zones", {
            "zone": styles.zones_qml("zone", lang=params.get("lang") or "en")})}
    counts = out["zone"].value_counts().sort_index()
    info("zones: " + ", ".join(f"{z}: {n}" for z, n in counts.items()))
    return res


@step("natural_breaks")
def _natural_breaks(inputs: dict, params: dict, outputs: dict) -> dict:
    from ._io import write_csv

    src = _layer_or_table(inputs["input"], "input layer")
    field = params["field"]
    yf = _year_field(params)
    require_fields(src, {"FIELD": field, "YEAR_FIELD": yf}, where="input layer",
                   numeric=(field,))
    from .spatial import classify  # after the checks: mapclassify is slow to import
    from . import styles
    k = int(params.get("k") or 5)
    scheme = params.get("scheme") or "fisher_jenks"
    if yf:
        classes, breaks = classify.natural_breaks(src, field, k, pooled=True, per_year=True,
                                                  scheme=scheme, year_col=yf)
    else:
        classes, breaks = classify.natural_breaks(src, field, k, pooled=True, per_year=False,
                                                  scheme=scheme, year_col="__no_year__")
    path = _write_layer_or_table(classes, outputs["OUTPUT"], "natural_breaks")
    res = {"OUTPUT": path}
    if outputs.get("BREAKS"):
        write_csv(breaks, outputs["BREAKS"])
        res["BREAKS"] = outputs["BREAKS"]
    if str(path).lower().endswith(".gpkg"):
        qml = styles.graduated_qml(field, breaks[breaks["pooled"]], column=field,
                                   cmap=params.get("cmap") or "YlOrRd")
        res["styles"] = {"OUTPUT": style_layer(path, "natural_breaks", {field: qml})}
    info("breaks (pooled): " + ", ".join(
        f"{u:.6g}" for u in breaks[breaks["pooled"]]["upper"]))
    return res


def _weights_input(inputs: dict, params: dict, numeric: dict[str, str]):
    """Read the layer, check fields, build weights on one feature per id.

    ``numeric`` maps parameter labels to the numeric fields analysed.
    """
    gdf = read_layer(inputs["input"], where="input layer")
    idf, yf = params["id_field"], _year_field(params)
    fields = {"ID_FIELD": idf, "YEAR_FIELD": yf}
    fields.update(numeric)
    require_fields(gdf, fields, where="input layer", numeric=tuple(numeric.values()))
    from .spatial import weights

    geo = gdf[[idf, gdf.geometry.name]]
    if yf:  # a long layer (one feature per id and year): the geometry of each id once
        geo = geo.drop_duplicates(subset=[idf]).reset_index(drop=True)
    kind = params.get("weights") or "queen"
    if inputs.get("weights_file"):
        kind = "file"
    w, rep = weights.build(
        geo, idf, kind=kind, islands=params.get("islands") or "knn",
        k=int(params.get("k") or 4), threshold=params.get("threshold"),
        path=inputs.get("weights_file"),
    )
    info(rep.summary())
    return gdf, geo, w


@step("global_moran")
def _global_moran(inputs: dict, params: dict, outputs: dict) -> dict:
    import pandas as pd

    from .spatial import autocorr
    from ._io import write_csv

    columns = list(params["fields"])
    gdf, _, w = _weights_input(inputs, params, {f"FIELDS ({c})": c for c in columns})
    yf = _year_field(params)
    frames = []
    for i, col in enumerate(columns):
        frames.append(autocorr.global_moran(
            _frame(gdf), w, col, id_col=params["id_field"], year_col=yf,
            permutations=int(params.get("permutations", _defaults.PERMUTATIONS)),
            seed=int(params.get("seed", _defaults.SEED)),
            alternative=params.get("alternative") or _defaults.ALTERNATIVE))
        progress((i + 1) / len(columns))
    out = pd.concat(frames, ignore_index=True)
    write_csv(out, outputs["OUTPUT"])
    for r in out.itertuples(index=False):
        info(f"{r.variable}{' ' + str(getattr(r, 'year', '')) if yf else ''}: I = {r.I:.4f}, "
             f"z = {r.z_rand:.3f}, p_sim = {r.p_sim:.4g} ({r.permutations} permutations)")
    return {"OUTPUT": outputs["OUTPUT"], "I": float(out["I"].iloc[0]),
            "P_SIM": float(out["p_sim"].iloc[0])}


@step("lisa")
def _lisa(inputs: dict, params: dict, outputs: dict) -> dict:
    from .spatial import autocorr
    from . import styles

    _check_gpkg(outputs["OUTPUT"], "OUTPUT")
    col, idf, yf = params["field"], params["id_field"], _year_field(params)
    gdf, geo, w = _weights_input(inputs, params, {"FIELD": col})
    progress(0.1)
    res = autocorr.local_moran(
        _frame(gdf), w, col, id_col=idf, year_col=yf,
        permutations=int(params.get("permutations", _defaults.PERMUTATIONS)),
        seed=int(params.get("seed", _defaults.SEED)),
        alpha=float(params.get("alpha", _defaults.ALPHA)),
        alternative=params.get("alternative") or _defaults.ALTERNATIVE,
        cluster_on=params.get("cluster_on") or "p",
        inference=params.get("inference") or "permutation")
    progress(0.9)
    write_gpkg(_join_geometry(geo, res, idf, "the LISA table"), outputs["OUTPUT"], layer="lisa")
    lang = params.get("lang") or "en"
    res_out = {"OUTPUT": outputs["OUTPUT"], "styles": {"OUTPUT": style_layer(
        outputs["OUTPUT"], "lisa", {
            "LISA clusters (cluster)": styles.lisa_qml("cluster", lang=lang),
            # GeoDa's significance map, under Layer Properties > Style > From database
            "LISA significance (p_sim)": styles.significance_qml(
                "p_sim", alpha=float(params.get("alpha", _defaults.ALPHA)), lang=lang)})}}
    counts = res["cluster_label"].value_counts()
    info("clusters: " + ", ".join(f"{k}: {v}" for k, v in counts.items()))
    return res_out


@step("lisa_transitions")
def _lisa_transitions(inputs: dict, params: dict, outputs: dict) -> dict:
    from ._io import write_csv

    lisa = _frame(_layer_or_table(inputs["input"], "LISA layer"))
    yf = params.get("year_field") or "year"
    require_fields(lisa, {"YEAR_FIELD": yf}, where="LISA layer")
    for col in ("quadrant", "significant"):
        if col not in lisa.columns:
            raise InputError(
                f"the LISA layer has no field {col!r}; use the output of the "
                "'Local Moran's I (LISA clusters)' tool run with a Year field")
    from .spatial import transitions

    res = transitions.lisa_transitions(
        lisa, significant_only=bool(params.get("significant_only")), year_col=yf,
        sig_col=params.get("sig_col") or "significant")
    out = {}
    for key, frame, index in (("OUTPUT_COUNTS", res.counts, True),
                              ("OUTPUT_PROBABILITIES", res.probabilities, True),
                              ("OUTPUT_MOVES", res.moves, False),
                              ("OUTPUT_SUMMARY", res.summary, False)):
        if outputs.get(key):
            write_csv(frame.reset_index() if index else frame, outputs[key])
            out[key] = outputs[key]
    h = res.homogeneity
    info(f"{int(res.counts.to_numpy().sum())} counted transitions; homogeneity Q = "
         f"{h.get('Q', float('nan')):.4g} (p = {h.get('Q_p', float('nan')):.4g})")
    return out


def _join_geometry(geo, res, idf: str, where: str):
    """The input layer's geometry joined to a per-region result (LISA, G*, bivariate LISA)
    through the one join, :func:`spatial_carbon.layers.join`."""
    from . import layers, regions

    key = idf if idf in res.columns else "region_code"
    if key not in geo.columns:
        geo = regions.attach_codes(geo, idf, where="input layer")
    out, _ = layers.join(geo[[key, geo.geometry.name]], res, on=key, how="inner", warn=False,
                         where=where, layer_name="the input layer")
    return out


@step("hotspots")
def _hotspots(inputs: dict, params: dict, outputs: dict) -> dict:
    from .spatial import hotspots
    from . import styles

    _check_gpkg(outputs["OUTPUT"], "OUTPUT")
    col, idf, yf = params["field"], params["id_field"], _year_field(params)
    gdf, geo, w = _weights_input(inputs, params, {"FIELD": col})
    progress(0.1)
    res = hotspots.local_g(
        _frame(gdf), w, col, id_col=idf, year_col=yf, star=bool(params.get("star", True)),
        permutations=int(params.get("permutations", _defaults.PERMUTATIONS)),
        seed=int(params.get("seed", _defaults.SEED)), alpha=float(params.get("alpha", _defaults.ALPHA)),
        alternative=params.get("alternative") or _defaults.ALTERNATIVE,
        cluster_on=params.get("cluster_on") or "p", bins_fdr=bool(params.get("bins_fdr")))
    progress(0.9)
    write_gpkg(_join_geometry(geo, res, idf, "the hot-spot table"), outputs["OUTPUT"],
               layer="hotspots")
    lang = params.get("lang") or "en"
    info("Gi_Bin: " + ", ".join(f"{k}: {v}" for k, v in res["gi_bin_label"].value_counts().items()))
    return {"OUTPUT": outputs["OUTPUT"], "styles": {"OUTPUT": style_layer(
        outputs["OUTPUT"], "hotspots", {
            "Hot spots (gi_bin)": styles.hotspots_qml("gi_bin", lang=lang),
            "GeoDa G cluster (g_cluster)": styles.g_cluster_qml("g_cluster", lang=lang)})}}


@step("bivariate_lisa")
def _bivariate_lisa(inputs: dict, params: dict, outputs: dict) -> dict:
    from .spatial import autocorr
    from . import styles

    _check_gpkg(outputs["OUTPUT"], "OUTPUT")
    col, other, idf, yf = params["field"], params["with_field"], params["id_field"], _year_field(params)
    gdf, geo, w = _weights_input(inputs, params, {"FIELD": col, "WITH_FIELD": other})
    progress(0.1)
    res = autocorr.local_moran(
        _frame(gdf), w, col, id_col=idf, year_col=yf, with_column=other,
        permutations=int(params.get("permutations", _defaults.PERMUTATIONS)),
        seed=int(params.get("seed", _defaults.SEED)), alpha=float(params.get("alpha", _defaults.ALPHA)),
        alternative=params.get("alternative") or _defaults.ALTERNATIVE,
        cluster_on=params.get("cluster_on") or "p")
    progress(0.9)
    write_gpkg(_join_geometry(geo, res, idf, "the bivariate LISA table"), outputs["OUTPUT"],
               layer="bivariate_lisa")
    lang = params.get("lang") or "en"
    info("clusters: " + ", ".join(f"{k}: {v}" for k, v in res["cluster_label"].value_counts().items()))
    return {"OUTPUT": outputs["OUTPUT"], "styles": {"OUTPUT": style_layer(
        outputs["OUTPUT"], "bivariate_lisa", {
            "Bivariate LISA clusters (cluster)": styles.lisa_qml("cluster", lang=lang)})}}


@step("spatial_markov")
def _spatial_markov(inputs: dict, params: dict, outputs: dict) -> dict:
    from ._io import write_csv
    from .spatial import markov

    col, idf, yf = params["field"], params["id_field"], _year_field(params)
    if not yf:
        raise InputError("the spatial Markov chain needs a Year field (a long layer, one feature "
                         "per region and year)")
    gdf, geo, w = _weights_input(inputs, params, {"FIELD": col})
    res = markov.spatial_markov(_frame(gdf), w, col, id_col=idf, year_col=yf,
                                k=int(params.get("k_classes") or 5),
                                m=int(params["m_classes"]) if params.get("m_classes") else None,
                                scheme=params.get("scheme") or "quantiles",
                                lag_scheme=params.get("lag_scheme") or None)
    out = {}
    for key, frame in (("OUTPUT", res.transitions), ("OUTPUT_STEADY", res.steady_states),
                       ("OUTPUT_CLASSES", res.classes)):
        if outputs.get(key):
            write_csv(frame, outputs[key])
            out[key] = outputs[key]
    h = res.homogeneity
    info(f"homogeneity across lag classes: Q = {h['Q']:.4g} (p = {h['Q_p']:.3g}), LR = {h['LR']:.4g} "
         f"(p = {h['LR_p']:.3g}), dof {h['dof']}")
    out.update(Q=float(h["Q"]), LR=float(h["LR"]), DOF=int(h["dof"]))
    return out


@step("centre")
def _centre(inputs: dict, params: dict, outputs: dict) -> dict:
    from .spatial import centrography
    from . import styles

    for key in ("OUTPUT_POINTS", "OUTPUT_ELLIPSES"):
        _check_gpkg(outputs[key], key)
    gdf = read_layer(inputs["input"], where="input layer")
    col, idf, yf = params["field"], params["id_field"], _year_field(params)
    require_fields(gdf, {"FIELD": col, "ID_FIELD": idf, "YEAR_FIELD": yf}, where="input layer",
                   numeric=(col,))
    geo = gdf[[idf, gdf.geometry.name]].drop_duplicates(subset=[idf]).reset_index(drop=True)
    pts = None
    if inputs.get("points"):
        pts = read_layer(inputs["points"], where="points layer")
    res = centrography.mean_centre(_frame(gdf), geo, col, id_col=idf, year_col=yf,
                                   points=pts, point_zone=params.get("point_zone"),
                                   point_weight=params.get("point_weight"))
    write_gpkg(res.points, outputs["OUTPUT_POINTS"], layer="centres")
    write_gpkg(res.ellipses, outputs["OUTPUT_ELLIPSES"], layer="ellipses")
    out = {"OUTPUT_POINTS": outputs["OUTPUT_POINTS"], "OUTPUT_ELLIPSES": outputs["OUTPUT_ELLIPSES"],
           "styles": {
               "OUTPUT_POINTS": style_layer(outputs["OUTPUT_POINTS"], "centres",
                                            {"Centres (year)": styles.centre_points_qml()}),
               "OUTPUT_ELLIPSES": style_layer(outputs["OUTPUT_ELLIPSES"], "ellipses",
                                              {"Ellipses (sd)": styles.ellipses_qml("sd")})}}
    if outputs.get("OUTPUT_TRAJECTORY"):
        _check_gpkg(outputs["OUTPUT_TRAJECTORY"], "OUTPUT_TRAJECTORY")
        write_gpkg(res.trajectory, outputs["OUTPUT_TRAJECTORY"], layer="trajectory")
        out["OUTPUT_TRAJECTORY"] = outputs["OUTPUT_TRAJECTORY"]
    sm = res.summary
    info(f"{sm['first_year']}-{sm['last_year']}: path {sm['path_km']:.1f} km, net {sm['net_km']:.1f} km "
         f"towards {sm['net_direction'] or '-'} ({sm['crs']})")
    out["PATH_KM"] = float(sm["path_km"])
    return out


@step("study")
def _study(inputs: dict, params: dict, outputs: dict) -> dict:
    from . import study

    out_dir = outputs["OUTPUT_FOLDER"]
    steps = iter(range(1, 100))

    def _progress(msg: str) -> None:
        info(msg)
        progress(min(next(steps) / 20.0, 0.95))

    # Processing replaces its outputs: an earlier study in the folder is replaced,
    # but never a folder spatial_carbon did not write or one holding the inputs
    study.run_file(inputs.get("config") or None, out_dir, progress=_progress, overwrite=True,
                   maps=bool(params.get("maps", True)), report=bool(params.get("report", True)))
    # study.gpkg carries the study's own styles (natural breaks, LISA, zones).
    return {"OUTPUT_FOLDER": out_dir, "STUDY_LAYER": str(Path(out_dir) / "study.gpkg")}


def _names(value, *, default=()) -> list[str]:
    """The non-blank names of a job's list of texts; None: ``default``."""
    if value is None:
        return list(default)
    return [v.strip() for v in value if v.strip()]


@step("io_trade_carbon")
def _io_trade_carbon(inputs: dict, params: dict, outputs: dict) -> dict:
    from ._io import read_csv, write_csv
    from .inputoutput import trade_carbon_from_tables
    from .inputoutput.provincial import aggregate_trade_regions, sector_group_carbon
    from .inputoutput.readers import read_national_table, read_provincial_tables

    tables = read_provincial_tables(inputs["tables"])
    route = {}
    if inputs.get("emissions"):
        route["emissions"] = read_csv(inputs["emissions"])
    elif inputs.get("national_intensity") and inputs.get("province_totals"):
        ni, pt = read_csv(inputs["national_intensity"]), read_csv(inputs["province_totals"])
        require_fields(ni, {"NATIONAL_INTENSITY (sector)": "sector",
                            "NATIONAL_INTENSITY (intensity)": "intensity"},
                       where="national intensity table", numeric=("intensity",))
        require_fields(pt, {"PROVINCE_TOTALS (region)": "region",
                            "PROVINCE_TOTALS (emissions)": "emissions"},
                       where="province totals table", numeric=("emissions",))
        route = {"national_intensity": ni.set_index(ni["sector"].astype(str))["intensity"],
                 "province_emissions": pt.set_index(pt["region"].astype(str))["emissions"],
                 "national_emissions": params.get("national_emissions"),
                 "national_output": params.get("national_output")}
    else:
        raise InputError("give Sector emissions (EMISSIONS, direct method), or National sector "
                         "intensities (NATIONAL_INTENSITY) with Province total emissions "
                         "(PROVINCE_TOTALS, adjusted method)")
    nat = read_national_table(inputs["national_table"]) if inputs.get("national_table") else None
    progress(0.3)
    res = trade_carbon_from_tables(
        tables, **route, national_table=nat, concordance=params.get("concordance") or None,
        national_for=_names(params.get("national_for"), default=("Tibet",)),
        treatment=params.get("treatment") or "net_outflow")
    progress(0.7)
    write_csv(res.by_region, outputs["OUTPUT"])
    out = {"OUTPUT": outputs["OUTPUT"]}
    if outputs.get("OUTPUT_SECTORS"):
        write_csv(res.by_sector, outputs["OUTPUT_SECTORS"])
        out["OUTPUT_SECTORS"] = outputs["OUTPUT_SECTORS"]
    if outputs.get("OUTPUT_GROUPS"):
        write_csv(aggregate_trade_regions(res.by_region, params.get("region_groups") or "seed002_8"),
                  outputs["OUTPUT_GROUPS"])
        out["OUTPUT_GROUPS"] = outputs["OUTPUT_GROUPS"]
    if outputs.get("OUTPUT_SECTOR_GROUPS"):
        write_csv(sector_group_carbon(res.by_sector, params.get("sector_groups") or "seed002_30_6"),
                  outputs["OUTPUT_SECTOR_GROUPS"])
        out["OUTPUT_SECTOR_GROUPS"] = outputs["OUTPUT_SECTOR_GROUPS"]
    if inputs.get("boundaries") and outputs.get("OUTPUT_LAYER"):
        _check_gpkg(outputs["OUTPUT_LAYER"], "OUTPUT_LAYER")
        lay = _boundary_layer(inputs, params, res.by_region, default_id="region_code",
                              where="the trade-carbon table")
        write_gpkg(lay, outputs["OUTPUT_LAYER"], layer="trade_carbon")
        out["OUTPUT_LAYER"] = outputs["OUTPUT_LAYER"]
        from . import styles

        named = {"type": styles.trade_types_qml("type", lang=params.get("lang") or "en")}
        named.update(graduated_styles(lay, ["T", "N", "NP", "CTT"]))
        out["styles"] = {"OUTPUT_LAYER": style_layer(outputs["OUTPUT_LAYER"], "trade_carbon",
                                                     named)}
    br = res.by_region
    info(f"{len(br)} provinces; types: "
         + ", ".join(f"{k}: {v}" for k, v in br["type"].value_counts().items())
         + f"; inflows valued with the {', '.join(sorted(set(br['CMP_multipliers'])))} multipliers")
    national = sorted(br.loc[br["intensity_source"] == "national", "region"].astype(str))
    if national:
        info(f"national intensity used for: {', '.join(national)} (no emission data)")
    return out


@step("io_decompose")
def _io_decompose(inputs: dict, params: dict, outputs: dict) -> dict:
    from ._io import write_csv
    from .inputoutput.lmdi import lmdi_decompose
    from .inputoutput.readers import read_long_table

    energy_mix = bool(params.get("energy_mix"))
    need = ["region", "sector", "year", "output", "emissions"] + \
        (["fuel", "energy"] if energy_mix else [])
    df = read_long_table(inputs["table"], need)
    by = None if params.get("national") else "region"
    if (params.get("method") or "lmdi") == "growth":
        from .inputoutput.growth import growth_decompose

        if energy_mix:
            raise InputError("the energy split (ENERGY_MIX) applies to LMDI only, not to METHOD growth")
        out = growth_decompose(df, int(params["year0"]), int(params["year1"]), by=by)
    else:
        out = lmdi_decompose(df, int(params["year0"]), int(params["year1"]), by=by,
                             energy_mix=energy_mix)
    write_csv(out, outputs["OUTPUT"])
    info(f"decomposition of {len(out)} region(s) {params['year0']}-{params['year1']}")
    return {"OUTPUT": outputs["OUTPUT"]}


@step("io_transfer_shift")
def _io_transfer_shift(inputs: dict, params: dict, outputs: dict) -> dict:
    from ._io import read_csv, write_csv
    from .inputoutput.readers import read_wide_table, split_wide
    from .inputoutput.transfer import transfer_flows, transfer_from_tables

    parts = [split_wide(read_wide_table(t), where=Path(t).name)
             for t in (inputs["table0"], inputs["table1"])]
    S = None  # default: seed 003's Table 2 (bundled)
    if inputs.get("coefficients"):
        co = read_csv(inputs["coefficients"])
        require_fields(co, {"COEFFICIENTS (region)": "region", "COEFFICIENTS (sector)": "sector",
                            "COEFFICIENTS (coefficient)": "coefficient"},
                       where=f"coefficients table {Path(inputs['coefficients']).name}",
                       numeric=("coefficient",))
        S = co.set_index([co["region"].astype(str), co["sector"].astype(str)])["coefficient"].astype(float)
    progress(0.3)
    res = transfer_from_tables(parts[0], parts[1], S, exports=bool(params.get("exports", True)),
                               final_demand=params.get("final_demand") or "consumption",
                               imports=params.get("imports") or "non_competitive")
    write_csv(res.pairs, outputs["OUTPUT"])
    out = {"OUTPUT": outputs["OUTPUT"]}
    if outputs.get("OUTPUT_REGIONS"):
        write_csv(res.regions, outputs["OUTPUT_REGIONS"])
        out["OUTPUT_REGIONS"] = outputs["OUTPUT_REGIONS"]
    flows = transfer_flows(res.pairs)
    if inputs.get("boundaries") and outputs.get("OUTPUT_FLOWS"):
        from . import maps, styles

        _check_gpkg(outputs["OUTPUT_FLOWS"], "OUTPUT_FLOWS")
        b = read_layer(inputs["boundaries"], where="boundaries layer")
        idf = params.get("boundary_id") or "region"
        require_fields(b, {"BOUNDARY_ID": idf}, where="boundaries layer")
        lines = maps.flow_lines(flows, b, value="value", origin="origin",
                                destination="destination", id_field=idf)
        write_gpkg(lines, outputs["OUTPUT_FLOWS"], layer="carbon_flows")
        out["OUTPUT_FLOWS"] = outputs["OUTPUT_FLOWS"]
        if len(lines):
            v = lines["value"].to_numpy(dtype=float)
            # one class (of the widest line) when every flow has the same value
            qml = (styles.flows_qml("value", values=v) if lines["value"].nunique() > 1
                   else styles.flows_qml("value", [float(v.max())], lower=float(v.min())))
            out["styles"] = {"OUTPUT_FLOWS": style_layer(
                outputs["OUTPUT_FLOWS"], "carbon_flows", {"flows": qml})}
    info(f"{len(res.pairs)} region pairs; {len(flows)} net carbon flows")
    return out


@step("footprint_trends")
def _footprint_trends(inputs: dict, params: dict, outputs: dict) -> dict:
    from . import footprint
    from ._io import read_csv, write_csv

    fp = read_csv(inputs["footprint"])
    text = str(params.get("periods") or "")
    periods = [p.strip() for p in text.replace(";", ",").split(",") if p.strip()]
    if not periods:
        raise InputError("give at least one period such as 2000-2011 (parameter PERIODS)")
    out = {}
    if params.get("national"):
        # each period over the regions with data in both years (a sparse city panel);
        # with the same regions every year this is growth_rates of national
        rates = footprint.national_growth_rates(fp, periods)
        fp = footprint.national(fp)
    else:
        rates = footprint.growth_rates(fp, periods)
    write_csv(rates, outputs["OUTPUT"])
    out["OUTPUT"] = outputs["OUTPUT"]
    if params.get("project_to") and outputs.get("OUTPUT_PROJECTION"):
        proj = footprint.project_cec(fp, int(params["project_to"]),
                                     column=params.get("project_column") or "CEC")
        write_csv(proj, outputs["OUTPUT_PROJECTION"])
        out["OUTPUT_PROJECTION"] = outputs["OUTPUT_PROJECTION"]
    info(f"{len(rates)} growth rates over {len(periods)} period(s)")
    return out


@step("spatial_weights")
def _spatial_weights(inputs: dict, params: dict, outputs: dict) -> dict:
    from .spatial import weights

    _, _, w = _weights_input(inputs, params, {})
    path = outputs["OUTPUT"]
    suffix = Path(path).suffix.lower()
    if suffix not in (".gal", ".gwt"):
        raise InputError(f"the weights file must end in .gal or .gwt, got {Path(path).name}")
    writer = weights.write_gal if suffix == ".gal" else weights.write_gwt
    writer(w, path, layer=Path(inputs["input"]["path"]).stem, id_field=params["id_field"])
    out = {"OUTPUT": path, "N_ISLANDS": len(w.report.islands),
           "N_COMPONENTS": int(w.report.n_components)}
    if outputs.get("OUTPUT_REPORT"):
        from ._io import write_text

        write_text(json.dumps(w.report.as_dict(), indent=1, ensure_ascii=False) + "\n",
                   outputs["OUTPUT_REPORT"])
        out["OUTPUT_REPORT"] = outputs["OUTPUT_REPORT"]
    return out


@step("io_share_shift")
def _io_share_shift(inputs: dict, params: dict, outputs: dict) -> dict:
    from ._io import write_csv
    from .inputoutput.lmdi import share_shift_transfer
    from .inputoutput.readers import read_long_table

    df = read_long_table(inputs["table"], ["region", "sector", "year", "output", "emissions"])
    text = str(params.get("sectors") or "")
    sel = [x.strip() for x in text.split(",") if x.strip()] or None
    out = share_shift_transfer(df, int(params["year0"]), int(params["year1"]), sectors=sel)
    write_csv(out, outputs["OUTPUT"])
    info(f"share-shift transfer of {len(out)} region(s)")
    return {"OUTPUT": outputs["OUTPUT"]}


@step("io_mrio_accounts")
def _io_mrio_accounts(inputs: dict, params: dict, outputs: dict) -> dict:
    from ._io import write_csv
    from .inputoutput import calc_accounts, embodied_flows, flows_long
    from .inputoutput.readers import read_pymrio

    # pickled tables (code execution) only on an explicit allow_pickle
    mr = read_pymrio(inputs["directory"], params["extension"], params["stressor"],
                     allow_pickle=bool(params.get("allow_pickle")))
    solver = params.get("solver") or "auto"
    acc = calc_accounts(mr, solver=solver)
    write_csv(acc, outputs["OUTPUT"])
    out = {"OUTPUT": outputs["OUTPUT"]}
    progress(0.5)
    if outputs.get("OUTPUT_FLOWS"):
        phi = embodied_flows(mr, method=params.get("method") or "mrio", solver=solver)
        write_csv(flows_long(phi), outputs["OUTPUT_FLOWS"])
        out["OUTPUT_FLOWS"] = outputs["OUTPUT_FLOWS"]
    info(f"production- and consumption-based accounts of {len(acc)} regions")
    return out


# ----------------------------------------------------------------------- driver
def check(quick: bool = False) -> dict:
    """Versions of spatial_carbon and its dependencies; missing ones listed.

    Parameters
    ----------
    quick : bool
        Only look the modules up (``importlib.util.find_spec``) and read their
        versions from the installed metadata, without importing them: a few
        milliseconds instead of the seconds numpy, geopandas and rasterio take
        to import.  The plugin's check before every tool is quick; a broken
        binary wheel then shows as an ImportError of the run itself.
    """
    import importlib.metadata as md
    import importlib.util

    from . import __version__

    report: dict[str, Any] = {
        "spatial_carbon": __version__, "python": sys.version.split()[0],
        "executable": sys.executable, "missing": [], "versions": {}, "optional_missing": [],
        "steps": sorted(STEPS), "quick": bool(quick),
    }

    def present(mod: str, pip: str) -> str | None:
        if quick:
            if importlib.util.find_spec(mod) is None:
                return None
            try:
                return md.version(pip)
            except md.PackageNotFoundError:
                return "?"
        try:
            return getattr(importlib.import_module(mod), "__version__", "?")
        except Exception:  # an ImportError or a broken binary wheel
            return None

    for mod, pip in REQUIRED.items():
        v = present(mod, pip)
        if v is None:
            report["missing"].append(pip)
        else:
            report["versions"][mod] = v
    for mod, pip in OPTIONAL.items():
        if present(mod, pip) is None:
            report["optional_missing"].append(pip)
    return report


def run_job(job: dict) -> dict:
    """Validate one job dict and run it; return the outputs dict (raises typed errors).

    The step's inputs are protected (no output may replace one) and its
    outputs are written as one transaction (all or none).
    """
    from . import _io, _jobs

    _jobs.validate(job, STEPS)
    with _io.protect_inputs(_jobs.input_values(job)), _io.transaction():
        return STEPS[job["step"]](job.get("inputs", {}), job.get("params", {}),
                                  job.get("outputs", {}))


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["check"]:
        emit("result", check(quick="--quick" in argv[1:]))
        return 0
    if len(argv) != 1:
        sys.stderr.write("usage: python -m spatial_carbon.qgis_worker JOB.json | check\n")
        return 64
    from . import _io, _jobs
    from .errors import one_line

    def _showwarning(message, category, filename, lineno, file=None, line=None):
        emit("warning", f"{category.__name__}: {one_line(str(message))}")

    warnings.showwarning = _showwarning
    try:
        # A cancel from QGIS ends in SIGTERM: temporary files and folders are
        # removed and the worker ends (exit 143) instead of dying on the spot.
        with _io.cleanup_on_signals():
            result = run_job(_jobs.load(argv[0]))
    except SpatialCarbonError as exc:
        emit("error", {"type": type(exc).__name__, "message": one_line(str(exc))})
        return 2
    except ImportError as exc:
        emit("error", {"type": "ImportError", "message": (
            f"{exc}. Install the missing package into the Python that runs spatial_carbon: "
            f"{sys.executable} -m pip install {getattr(exc, 'name', None) or 'spatial_carbon[all]'}"
        )})
        return 2
    emit("result", result)
    return 0


if __name__ == "__main__":  # pragma: no cover - exercised through subprocess
    sys.exit(main())
