"""``moran``, ``lisa``, ``transitions``: spatial autocorrelation from the command line.

TABLE is a long CSV (id, optional year, value columns) or a vector layer
holding the values; ``--zones`` gives the polygons (default: the layer
itself, or the bundled provinces when the ids are Chinese regions).
"""

from __future__ import annotations

import contextlib
import json
import warnings
from pathlib import Path

import click
import pandas as pd

from .. import _io, defaults, layers
from ..spatial import autocorr, centrography, hotspots, markov, transitions, weights
from ..errors import InputError
from ._options import OutputFile, out_files


def _note(text: str) -> None:
    """Keep an informative line for stderr; printed once the command succeeded
    (a failing command prints one error line only)."""
    click.get_current_context().meta.setdefault("spatial_carbon.notes", []).append(text)


def _done(text: str) -> None:
    """Print the kept notes, then the command's closing line (all on stderr)."""
    for note in click.get_current_context().meta.pop("spatial_carbon.notes", []):
        click.echo(note, err=True)
    click.echo(text, err=True)


def _check_weights_spec(ctx, param, value):
    """Refuse an unknown --weights before any data is read."""
    if str(value).lower().startswith("distance:"):
        try:
            float(str(value).split(":", 1)[1])
        except ValueError:
            raise click.BadParameter(f"{value!r}: use distance:D with D a number") from None
        return value
    try:
        weights.parse_kind(value)
    except InputError as exc:
        raise click.BadParameter(str(exc)) from None
    return value


def _plan(*paths) -> None:
    """Check the files a command will write next to -o before any computation."""
    for p in paths:
        _io.check_output(p)
    _io.check_distinct(paths)


def _load(table: str, zones: str | None, zones_layer: str | None, id_field: str | None):
    """Read TABLE and the zones; return (table, zones, table id column, zones id field, regions)."""
    is_layer = not layers.is_table(table)
    if is_layer:
        gdf = layers.read(table, where=f"layer {table}")
        df = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
    else:
        df = _io.read_csv(table)
        gdf = None
    if id_field is None:
        for c in ("region_code", "region", "id"):
            if c in df.columns:
                id_field = c
                break
        else:
            raise InputError(f"{table}: no id column found; name it with --id-field")
    if id_field not in df.columns:
        raise InputError(f"{table} has no column {id_field!r} (columns: {', '.join(map(str, df.columns))})")
    if zones:
        z = layers.read(zones, layer=zones_layer, where="zones")
        if id_field not in z.columns:
            raise InputError(f"zones {zones} have no field {id_field!r}; name the shared key with --id-field")
        return df, z, id_field, id_field, None
    if gdf is not None:
        return df, gdf, id_field, id_field, None
    # bundled provinces, restricted to the regions of the table
    if not weights._looks_like_regions(df[id_field], id_field):
        raise InputError(
            f"ids in {id_field!r} are not Chinese region names or codes; give the polygons with --zones"
        )
    codes = weights.normalise_ids(df[id_field], regions=True, where=f"{table} column {id_field!r}")
    prov = layers.read("bundled:province", where="bundled provinces")
    prov = prov[prov["region_code"].isin(set(codes.tolist()))].reset_index(drop=True)
    _note(f"zones: bundled provinces ({len(prov)} matching the table)")
    return df, prov, id_field, "region_code", True


def _weights(zdf, zid, regions, spec, islands, tolerance, k_islands):
    isl = islands
    if islands not in ("knn", "drop"):
        isl = weights.read_links(islands)
    kind = spec
    kw = {}
    if spec.lower().startswith("distance:"):
        try:
            kw["threshold"] = float(spec.split(":", 1)[1])
        except ValueError:
            raise click.BadParameter(f"{spec!r}: use distance:D with D a number",
                                     param_hint="--weights") from None
        kind = "distance"
    w, rep = weights.build(zdf, zid, kind, islands=isl, tolerance=tolerance, island_k=k_islands,
                           regions=regions, **kw)
    _note(rep.summary())
    return w, rep


def _common(f):
    opts = [
        click.argument("table"),
        click.option("--zones",
                     help="Polygon layer: FILE, FILE|layername=NAME or bundled:province|city|county. "
                          "Default: TABLE if it is a layer, else the bundled provinces when the ids "
                          "are Chinese provinces."),
        click.option("--zones-layer", help="Layer name inside --zones (same as --zones FILE|layername=NAME)."),
        click.option("--id-field", help="Key shared by TABLE and the zones (default: region_code, region or id)."),
        click.option("--column", required=True, help="Numeric column to analyse."),
        click.option("--year-col", default="year", show_default=True,
                     help="Year column of TABLE (absent: one cross-section)."),
        click.option("--weights", "wspec", default="queen", show_default=True,
                     callback=_check_weights_spec,
                     help="queen, rook, knn:K, distance:D (CRS units; km if geographic), FILE.gal or FILE.gwt."),
        click.option("--islands", default="knn", show_default=True,
                     help="Units without neighbours: knn (link to nearest, symmetric), drop "
                          "(report as isolated, code 6) or LINKS.csv (pairs of ids)."),
        click.option("--island-k", default=1, show_default=True, type=click.IntRange(1),
                     help="Neighbours given to each island under --islands knn."),
        click.option("--tolerance", default=0.0, show_default=True, type=click.FloatRange(0),
                     help="Fuzzy contiguity: polygons closer than this (CRS units) are neighbours."),
        click.option("--permutations", default=defaults.PERMUTATIONS, show_default=True, type=click.IntRange(0),
                     help="Random permutations for the pseudo p-value."),
        click.option("--seed", default=defaults.SEED, show_default=True, type=click.IntRange(0), help="Random seed."),
        click.option("--alternative", default=defaults.ALTERNATIVE, show_default=True,
                     type=click.Choice(autocorr.ALTERNATIVES),
                     help="folded (default: GeoDa/esda/ArcGIS pseudo p, the tail on the observed side), "
                          "two-sided (twice folded), greater or less."),
    ]
    for o in reversed(opts):
        f = o(f)
    return f


@contextlib.contextmanager
def _warnings_to_stderr():
    """Show the library's warnings as one 'Warning: ...' line each."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    for w in caught:
        click.echo(f"Warning: {w.message}", err=True)


def _sidecar_path(output: str) -> Path:
    p = Path(output)
    return p.with_name(p.stem + ".connectivity.json")


def _sidecar(output: str, rep, extra: dict | None = None) -> Path:
    side = _sidecar_path(output)
    d = {"weights": rep.as_dict()}
    if extra:
        d.update(extra)
    _io.write_text(json.dumps(d, indent=2, ensure_ascii=False, default=str), side)
    return side


def _write_layer(zdf, zid, out, w, tid, gpkg: str, layer: str) -> str:
    """Join a per-id result to the zones' polygons and write it as a GeoPackage layer."""
    key = "region_code" if w.region_ids else tid
    zkey = weights.normalise_ids(zdf[zid], regions=w.region_ids, where="zones")
    geo = zdf[[zdf.geometry.name]].assign(**{key: zkey})
    joined, _ = layers.join(geo, out, on=key, how="inner", order="layer", warn=False,
                            where="the result", layer_name="the zones")
    joined = joined[[c for c in out.columns] + [joined.geometry.name]]
    _io.write_gpkg(joined, gpkg, layer=layer)
    return gpkg


@click.command("moran")
@_common
@click.option("--with", "with_column", default=None,
              help="Bivariate: COLUMN at each unit with the spatial lag of this column (GeoDa).")
@click.option("--jobs", default=None, type=click.IntRange(1),
              help="Worker processes for the permutations (same result for any number); "
                   "default: every core from 100,000 units on, else 1.")
@out_files
def moran_cmd(table, zones, zones_layer, id_field, column, year_col, wspec, islands, island_k,
              tolerance, permutations, seed, alternative, with_column, jobs, output):
    """Global Moran's I per year: I, E[I], z and p (normality, randomisation), pseudo p;
    bivariate Moran's I with --with."""
    _plan(output, _sidecar_path(output))
    df, zdf, tid, zid, regions = _load(table, zones, zones_layer, id_field)
    w, rep = _weights(zdf, zid, regions, wspec, islands, tolerance, island_k)
    with _warnings_to_stderr():
        out = autocorr.global_moran(df, w, column, id_col=tid, year_col=year_col,
                                    permutations=permutations, seed=seed, alternative=alternative,
                                    n_jobs=jobs, with_column=with_column)
    _io.write_csv(out, output)
    side = _sidecar(output, rep)
    _done(f"{len(out)} year(s) written to {output}; connectivity report in {side}")


@click.command("lisa")
@_common
@click.option("--with", "with_column", default=None,
              help="Bivariate: COLUMN at each unit with the spatial lag of this column (GeoDa).")
@click.option("--inference", default="permutation", show_default=True,
              type=click.Choice(["permutation", "analytic"]),
              help="p-value deciding significance and cluster: pseudo p (GeoDa) or analytic (spdep).")
@click.option("--analytic-null", default="conditional", show_default=True,
              type=click.Choice(list(autocorr.ANALYTIC_NULLS)),
              help="Randomisation null of the analytic E[I_i], Var[I_i] (spdep localmoran's conditional=).")
@click.option("--alpha", default=defaults.ALPHA, show_default=True, type=click.FloatRange(0, 1, min_open=True, max_open=True),
              help="Significance level for the cluster map.")
@click.option("--cluster-on", default="p", show_default=True, type=click.Choice(["p", "fdr", "bonferroni"]),
              help="Significance flag deciding the cluster code: raw pseudo p, BH-FDR or Bonferroni.")
@click.option("--gpkg", type=OutputFile(dash=False),
              help="GeoPackage output (layer 'lisa', one feature per id and year); default OUT.gpkg.")
@out_files
def lisa_cmd(table, zones, zones_layer, id_field, column, year_col, wspec, islands, island_k,
             tolerance, permutations, seed, alternative, with_column, inference, analytic_null,
             alpha, cluster_on, gpkg, output):
    """Local Moran's I (LISA) per id and year with GeoDa cluster codes, analytic and
    permutation p, CSV and GeoPackage; bivariate LISA with --with."""
    gpkg = gpkg or str(Path(output).with_suffix(".gpkg"))
    _plan(output, gpkg, _sidecar_path(output))
    df, zdf, tid, zid, regions = _load(table, zones, zones_layer, id_field)
    w, rep = _weights(zdf, zid, regions, wspec, islands, tolerance, island_k)
    with _warnings_to_stderr():
        out = autocorr.local_moran(df, w, column, id_col=tid, year_col=year_col,
                                   permutations=permutations, seed=seed, alternative=alternative,
                                   alpha=alpha, cluster_on=cluster_on, with_column=with_column,
                                   inference=inference, analytic_null=analytic_null)
    _io.write_csv(out, output)
    gpkg = _write_layer(zdf, zid, out, w, tid, gpkg, "lisa")
    side = _sidecar(output, rep)
    counts = out["cluster_label"].value_counts().to_dict()
    _done(f"{len(out)} id-years written to {output} and {gpkg} (layer lisa); clusters {counts}; "
          f"connectivity report in {side}")


@click.command("transitions")
@_common
@click.option("--alpha", default=defaults.ALPHA, show_default=True, type=click.FloatRange(0, 1, min_open=True, max_open=True),
              help="Significance level (for --significant-only).")
@click.option("--significant-only", is_flag=True,
              help="Count only units significant in both years of a transition.")
@click.option("--probabilities", "prob_out", type=OutputFile(dash=False),
              help="Probability matrix CSV (default OUT_probabilities.csv).")
@click.option("--moves", "moves_out", type=OutputFile(dash=False),
              help="Per-region move table CSV (default OUT_moves.csv).")
@click.option("--summary", "summary_out", type=OutputFile(dash=False),
              help="Per-year-pair type shares, cohesion and flux CSV (default OUT_summary.csv).")
@out_files
def transitions_cmd(table, zones, zones_layer, id_field, column, year_col, wspec, islands, island_k,
                    tolerance, permutations, seed, alternative, alpha, significant_only, prob_out,
                    moves_out, summary_out, output):
    """LISA transitions between consecutive years: 4x4 counts (HH, LH, LL, HL),
    probabilities, Rey's move types per region, cohesion and flux."""
    stem = Path(output).with_suffix("")
    prob_out = prob_out or f"{stem}_probabilities.csv"
    moves_out = moves_out or f"{stem}_moves.csv"
    summary_out = summary_out or f"{stem}_summary.csv"
    _plan(output, prob_out, moves_out, summary_out, _sidecar_path(output))
    df, zdf, tid, zid, regions = _load(table, zones, zones_layer, id_field)
    w, rep = _weights(zdf, zid, regions, wspec, islands, tolerance, island_k)
    with _warnings_to_stderr():
        lisa = autocorr.local_moran(df, w, column, id_col=tid, year_col=year_col,
                                    permutations=permutations, seed=seed, alternative=alternative,
                                    alpha=alpha)
    tr = transitions.lisa_transitions(lisa, significant_only=significant_only)
    _io.write_csv(tr.counts.reset_index(), output)
    _io.write_csv(tr.probabilities.reset_index(), prob_out)
    _io.write_csv(tr.moves, moves_out)
    _io.write_csv(tr.summary, summary_out)
    side = _sidecar(output, rep, {"homogeneity": tr.homogeneity,
                                  "significant_only": significant_only})
    h = tr.homogeneity
    _done(f"counts {output}, probabilities {prob_out}, moves {moves_out}, summary {summary_out}; "
          f"homogeneity Q={h['Q']:.3f} (dof {h['dof']}, p={h['Q_p']:.3g}); report {side}")


@click.command("hotspots")
@_common
@click.option("--star/--no-star", default=True, show_default=True,
              help="G* (the unit is its own neighbour; ArcGIS Hot Spot Analysis) or G.")
@click.option("--alpha", default=defaults.ALPHA, show_default=True,
              type=click.FloatRange(0, 1, min_open=True, max_open=True),
              help="Significance level of the pseudo p for the GeoDa cluster codes.")
@click.option("--cluster-on", default="p", show_default=True, type=click.Choice(["p", "fdr", "bonferroni"]),
              help="Significance flag deciding the cluster code: raw pseudo p, BH-FDR or Bonferroni.")
@click.option("--bins-fdr", is_flag=True, help="FDR-correct ArcGIS's Gi_Bin confidence bins.")
@click.option("--gpkg", type=OutputFile(dash=False),
              help="GeoPackage output (layer 'hotspots', one feature per id and year); default OUT.gpkg.")
@out_files
def hotspots_cmd(table, zones, zones_layer, id_field, column, year_col, wspec, islands, island_k,
                 tolerance, permutations, seed, alternative, star, alpha, cluster_on, bins_fdr, gpkg,
                 output):
    """Getis-Ord G*/G hot spots per id and year: G, Ord-Getis z, ArcGIS Gi_Bin,
    pseudo p, FDR/Bonferroni flags and GeoDa cluster codes; CSV and GeoPackage."""
    gpkg = gpkg or str(Path(output).with_suffix(".gpkg"))
    _plan(output, gpkg, _sidecar_path(output))
    df, zdf, tid, zid, regions = _load(table, zones, zones_layer, id_field)
    w, rep = _weights(zdf, zid, regions, wspec, islands, tolerance, island_k)
    with _warnings_to_stderr():
        out = hotspots.local_g(df, w, column, id_col=tid, year_col=year_col, star=star,
                               permutations=permutations, seed=seed, alternative=alternative,
                               alpha=alpha, cluster_on=cluster_on, bins_fdr=bins_fdr)
    _io.write_csv(out, output)
    gpkg = _write_layer(zdf, zid, out, w, tid, gpkg or str(Path(output).with_suffix(".gpkg")),
                        "hotspots")
    side = _sidecar(output, rep)
    bins = out["gi_bin_label"].value_counts().to_dict()
    _done(f"{len(out)} id-years written to {output} and {gpkg} (layer hotspots); Gi_Bin {bins}; "
          f"connectivity report in {side}")


def _markov_opts(f):
    for o in reversed([
        click.argument("table", type=click.Path(exists=True, dir_okay=False)),
        click.option("--zones", type=click.Path(exists=True, dir_okay=False),
                     help="Polygon layer (default: TABLE if a layer, else the bundled provinces)."),
        click.option("--zones-layer", help="Layer name inside --zones."),
        click.option("--id-field", help="Key shared by TABLE and the zones."),
        click.option("--column", required=True, help="Numeric column to classify."),
        click.option("--year-col", default="year", show_default=True, help="Year column of TABLE."),
        click.option("--weights", "wspec", default="queen", show_default=True,
                     help="queen, rook, knn:K, distance:D, FILE.gal or FILE.gwt."),
        click.option("--islands", default="knn", show_default=True, help="knn, drop or LINKS.csv."),
        click.option("--island-k", default=1, show_default=True, type=click.IntRange(1)),
        click.option("--tolerance", default=0.0, show_default=True, type=click.FloatRange(0)),
    ]):
        f = o(f)
    return f


@click.command("markov")
@_markov_opts
@click.option("--k", "k", default=5, show_default=True, type=click.IntRange(2), help="Value classes.")
@click.option("--m", "m", default=None, type=click.IntRange(2), help="Lag classes (default: k).")
@click.option("--scheme", default="quantiles", show_default=True, type=click.Choice(markov.CLASS_SCHEMES),
              help="Pooled classes of the values: quantiles (giddy) or exact natural breaks.")
@click.option("--lag-scheme", default=None, type=click.Choice(markov.CLASS_SCHEMES + ("same",)),
              help="Pooled classes of the lags (default: --scheme; same: the value classes).")
@click.option("--relative", is_flag=True, help="Divide each year's values by the year's mean first.")
@out_files
def markov_cmd(table, zones, zones_layer, id_field, column, year_col, wspec, islands, island_k,
               tolerance, k, m, scheme, lag_scheme, relative, output):
    """Spatial Markov chain (Rey 2001, giddy Spatial_Markov): class transitions
    conditioned on the neighbours' lag class, steady states, Q and LR tests."""
    stem = Path(output).with_suffix("")
    _plan(output, f"{stem}_steady_states.csv", f"{stem}_classes.csv", f"{stem}_units.csv",
          _sidecar_path(output))
    df, zdf, tid, zid, regions = _load(table, zones, zones_layer, id_field)
    w, rep = _weights(zdf, zid, regions, wspec, islands, tolerance, island_k)
    with _warnings_to_stderr():
        r = markov.spatial_markov(df, w, column, id_col=tid, year_col=year_col, k=k, m=m,
                                  scheme=scheme, lag_scheme=lag_scheme, relative=relative)
    _io.write_csv(r.transitions, output)
    _io.write_csv(r.steady_states, f"{stem}_steady_states.csv")
    _io.write_csv(r.classes, f"{stem}_classes.csv")
    _io.write_csv(r.units, f"{stem}_units.csv")
    side = _sidecar(output, rep, {"homogeneity": r.homogeneity, "notes": list(r.notes),
                                  "k": r.k, "m": r.m, "scheme": scheme})
    h = r.homogeneity
    _done(f"transitions {output}, steady states, classes and units beside it; homogeneity "
          f"Q={h['Q']:.3f}, LR={h['LR']:.3f} (dof {h['dof']}, p={h['Q_p']:.3g}, {h['LR_p']:.3g}); "
          f"report {side}")


@click.command("centre")
@click.argument("table", type=click.Path(exists=True, dir_okay=False))
@click.option("--zones", type=click.Path(exists=True, dir_okay=False),
              help="Polygon layer (default: TABLE if a layer, else the bundled provinces).")
@click.option("--zones-layer", help="Layer name inside --zones.")
@click.option("--id-field", help="Key shared by TABLE and the zones.")
@click.option("--column", required=True, help="Non-negative column weighting the centre (e.g. ICE).")
@click.option("--year-col", default="year", show_default=True, help="Year column of TABLE.")
@click.option("--crs", default=None,
              help="Projection of the computation (default: China Albers equal-area for Chinese "
                   "regions, else an Albers fitted to the zones).")
@click.option("--points", type=click.Path(exists=True, dir_okay=False),
              help="Point layer (e.g. settlements) weighting each region's share by --point-weight.")
@click.option("--point-zone", help="Field of --points holding the region id.")
@click.option("--point-weight", help="Field of --points with the weight (e.g. population).")
@click.option("--gpkg", type=OutputFile(dash=False),
              help="GeoPackage with layers centres (points), trajectory (lines) and ellipses "
                   "(1/2/3 SD polygons); default OUT.gpkg.")
@out_files
def centre_cmd(table, zones, zones_layer, id_field, column, year_col, crs, points, point_zone,
               point_weight, gpkg, output):
    """Centre of gravity per year (weighted mean centre on an equal-area projection),
    trajectory (km, bearing) and ArcGIS standard deviational ellipses."""
    gpkg = gpkg or str(Path(output).with_suffix(".gpkg"))
    _plan(output, gpkg)
    df, zdf, tid, zid, regions = _load(table, zones, zones_layer, id_field)
    pts = layers.read(points, where="points") if points else None
    if regions:
        df = df.assign(**{tid: weights.normalise_ids(df[tid], regions=True, where=f"{table} {tid!r}")})
    r = centrography.mean_centre(df, zdf, column, id_col=tid, zone_id=zid, year_col=year_col,
                                 crs=crs, points=pts, point_zone=point_zone,
                                 point_weight=point_weight, regions=regions)
    _io.write_csv(r.centres, output)
    _io.write_gpkg_layers({"centres": r.points, "trajectory": r.trajectory,
                           "ellipses": r.ellipses}, gpkg)
    sm = r.summary
    _done(f"{len(r.centres)} centre(s) written to {output} and {gpkg} (layers centres, trajectory, "
          f"ellipses); {sm['first_year']}-{sm['last_year']}: path {sm['path_km']:.1f} km, net "
          f"{sm['net_km']:.1f} km towards {sm['net_direction'] or '-'}")


COMMANDS = [moran_cmd, lisa_cmd, transitions_cmd, hotspots_cmd, markov_cmd, centre_cmd]
