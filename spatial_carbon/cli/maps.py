"""``spatial-carbon map``, ``figures``, ``report`` and ``style``: figures,
the study report and QGIS styles from tables already computed."""

from __future__ import annotations

from pathlib import Path

import click

from .. import _io
from .._io import read_csv
from ..errors import InputError
from ._options import OutputFile
from ._options import parse_years as _years

_LEVELS = ("province", "city", "county")


def _boundaries(spec: str, id_field: str):
    """The boundary layer (the one resolver): a bundled level name, a layer
    reference (``FILE``, ``FILE|layername=NAME``, ``bundled:city``); zones
    get ``region_code``/``region`` unless drawn by another key of the layer."""
    from .. import layers

    ref = f"bundled:{spec}" if spec in _LEVELS else spec
    gdf = layers.read(ref, where="boundary layer")
    if id_field != "region_code" and id_field in gdf.columns:
        return gdf  # drawn by the user's own key, as given
    return layers.boundaries(gdf, where=f"boundary layer {ref}")


_boundaries_opt = click.option(
    "--boundaries", default="province", show_default=True,
    help="Polygons: 'province', 'city', 'county' (bundled), or a layer: FILE or "
         "FILE|layername=NAME.")
_id_opt = click.option("--id-field", default="region_code", show_default=True,
                       help="Key shared by the table and the boundaries.")
_lang_opt = click.option("--lang", type=click.Choice(["en", "zh"]), default="en",
                         show_default=True, help="Label language (zh needs a CJK font).")
_fmt_opt = click.option("--format", "formats", multiple=True, default=("png",),
                        type=click.Choice(["png", "pdf", "svg"]), show_default=True,
                        help="Output format(s); repeat for several.")


@click.command("map")
@click.argument("table", type=click.Path(exists=True, dir_okay=False))
@click.option("--kind", type=click.Choice(["choropleth", "lisa-cluster", "lisa-significance",
                                           "zones"]), default="choropleth", show_default=True,
              help="Natural-breaks choropleth of --column; LISA cluster or significance map "
                   "(TABLE from `spatial-carbon lisa`); quadrant zones (TABLE from "
                   "`spatial-carbon zones`).")
@click.option("--column", help="Column to map (choropleth), or the variable of a LISA table "
                               "holding several.")
@click.option("--years", help="Year(s), comma-separated; several years give small multiples.")
@click.option("--breaks", "breaks_path", type=click.Path(exists=True, dir_okay=False),
              help="Breaks table (from `spatial-carbon breaks`); pooled rows are used. "
                   "Default: Fisher-Jenks breaks pooled over all years of TABLE.")
@click.option("-k", "k", default=5, show_default=True, help="Classes when --breaks is not given.")
@click.option("--alpha", default=0.05, show_default=True,
              help="Significance level of the LISA table (significance map).")
@click.option("--unit", help="Unit for the legend (default from the column name).")
@click.option("--no-inset", is_flag=True, help="No South China Sea islands inset.")
@click.option("--labels", is_flag=True, help="Write region names on the map.")
@_boundaries_opt
@_id_opt
@_lang_opt
@_fmt_opt
@click.option("-o", "--output", required=True, type=OutputFile(dash=False),
              help="Output file; the extension is replaced per --format.")
def map_cmd(table, kind, column, years, breaks_path, k, alpha, unit, no_inset, labels, boundaries,
            id_field, lang, formats, output):
    """Map of TABLE (one row per region and year): choropleth, LISA or zones."""
    from .. import maps

    data = read_csv(table)
    if id_field == "region_code" and "region_code" not in data.columns and "region" in data.columns:
        from .. import regions

        data = regions.attach_codes(data, "region", where=table)
    gdf = _boundaries(boundaries, id_field)
    yrs = _years(years)
    common = dict(id_field=id_field, lang=lang, south_china_sea=False if no_inset else None,
                  label_regions=labels)
    if kind == "choropleth":
        if not column:
            raise click.BadParameter("a choropleth needs --column", param_hint="--column")
        breaks = read_csv(breaks_path) if breaks_path else None
        fig = maps.choropleth_figure(data, gdf, column, years=yrs, breaks=breaks, k=k, unit=unit,
                                     **common)
    elif kind.startswith("lisa"):
        fig = maps.lisa_figure(data, gdf, years=yrs, kind=kind.split("-")[1], variable=column,
                               alpha=alpha, **common)
    else:
        fig = maps.zones_map(data, gdf, years=yrs, **common)
    for p in maps.save_figure(fig, output, formats, close=True):
        click.echo(p)


def _study_manifest(out_dir: Path) -> dict:
    """The study's manifest.json ({} if there is none or it is unreadable)."""
    import json

    try:
        return json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


@click.command("figures")
@click.argument("out_dir", type=click.Path(exists=True, file_okay=False))
@click.option("--years", help="Years of the map panels, e.g. 2000,2010,2019 (default: the "
                              "study's own map years, from its manifest).")
@click.option("--boundaries", default=None,
              help="Polygons: 'province', 'city', 'county' (bundled) or a vector file "
                   "(default: the study's own bundled level, from its manifest; else province).")
@_id_opt
@_lang_opt
@_fmt_opt
def figures_cmd(out_dir, years, boundaries, id_field, lang, formats):
    """Redraw the standard figures of a study output folder (OUT_DIR/tables ->
    OUT_DIR/maps), e.g. in Chinese or as PDF for a journal."""
    from .. import maps

    out = Path(out_dir)
    tdir = out / "tables"
    if not tdir.is_dir():
        raise InputError(f"{out_dir} has no tables/ folder; is it a study output folder?")
    _io.check_ours(out, command="figures")
    manifest = _study_manifest(out)
    yrs = _years(years)
    if yrs is None:
        yrs = manifest.get("map_years") or \
            (manifest.get("parameters", {}).get("maps", {}).get("years") or None)
    if boundaries is None:
        b = str(manifest.get("parameters", {}).get("inputs", {}).get("boundaries", ""))
        boundaries = b.split(":", 1)[1] if b.startswith("bundled:") and \
            b.split(":", 1)[1] in _LEVELS else "province"
    from ..study.pipeline import figure_note
    from ..study.result import StudyResult

    result = StudyResult.read(out)
    paths = maps.study_figures(result, _boundaries(boundaries, id_field), out / "maps",
                               years=yrs, lang=lang, formats=formats, id_field=id_field,
                               note=figure_note(result.steps))
    for p in paths:
        click.echo(p)


@click.command("report")
@click.argument("out_dir", type=click.Path(exists=True, file_okay=False))
def report_cmd(out_dir):
    """Write OUT_DIR/report.html (self-contained) from a study output folder."""
    from .. import report

    _io.check_ours(out_dir, command="report")
    click.echo(report.write_report(out_dir))


@click.command("style")
@click.argument("kind", type=click.Choice(["graduated", "lisa", "significance", "zones", "flows"]))
@click.option("--field", help="Attribute to style (default: ICF / cluster / p_sim / zone / value).")
@click.option("--breaks", "breaks_path", type=click.Path(exists=True, dir_okay=False),
              help="Breaks table for 'graduated' (and 'flows'); pooled rows are used.")
@click.option("--column", help="Variable in the breaks table (default: --field).")
@click.option("--alpha", default=0.05, show_default=True, help="Significance level ('significance').")
@_lang_opt
@click.option("-o", "--output", required=True, type=OutputFile(),
              help="QML file to write (QGIS: Layer Properties > Style > Load Style; '-': "
                   "standard output).")
def style_cmd(kind, field, breaks_path, column, alpha, lang, output):
    """Write a QGIS layer style (.qml) matching spatial_carbon's figures."""
    from .. import styles

    defaults = {"graduated": "ICF", "lisa": "cluster", "significance": "p_sim", "zones": "zone",
                "flows": "value"}
    field = field or defaults[kind]
    if kind in ("graduated", "flows") and not breaks_path:
        raise click.BadParameter(f"'{kind}' needs --breaks", param_hint="--breaks")
    if kind == "graduated":
        text = styles.graduated_qml(field, read_csv(breaks_path), column=column or field)
    elif kind == "flows":
        text = styles.flows_qml(field, read_csv(breaks_path))
    elif kind == "lisa":
        text = styles.lisa_qml(field, lang=lang)
    elif kind == "significance":
        text = styles.significance_qml(field, alpha=alpha, lang=lang)
    else:
        text = styles.zones_qml(field, lang=lang)
    click.echo(styles.write_qml(text, output), err=output == "-")


@click.command("flow-map")
@click.argument("flows", type=click.Path(exists=True, dir_okay=False))
@click.option("--value", default="value", show_default=True, help="Flow column.")
@click.option("--origin", default=None, help="Origin column (default origin_code, or origin "
              "with --scheme).")
@click.option("--destination", default=None, help="Destination column (default "
              "destination_code, or destination with --scheme).")
@click.option("--scheme", help="Flows between groups of a grouping scheme (e.g. seed002_8): "
              "provinces are dissolved into the groups.")
@click.option("--top", default=30, show_default=True, help="Draw the N largest flows (0: all).")
@click.option("--unit", default="t CO\u2082", show_default=True, help="Unit of the flows.")
@_boundaries_opt
@_id_opt
@_lang_opt
@_fmt_opt
@click.option("-o", "--output", required=True, type=OutputFile(dash=False),
              help="Output file; the extension is replaced per --format.")
def flow_map_cmd(flows, value, origin, destination, scheme, top, unit, boundaries, id_field,
                 lang, formats, output):
    """Flow map of carbon transfers (e.g. `spatial-carbon mrio` output):
    arrows between regions, width proportional to the flow."""
    from .. import maps

    table = read_csv(flows)
    gdf = _boundaries(boundaries, "region_code" if scheme else id_field)
    if scheme:
        gdf = maps.group_boundaries(gdf, scheme)
        id_field = "group"
    fig = maps.flow_map(
        table, gdf, value=value,
        origin=origin or ("origin" if scheme else "origin_code"),
        destination=destination or ("destination" if scheme else "destination_code"),
        id_field=id_field, top=top or None, unit=unit, lang=lang,
    )
    for p in maps.save_figure(fig, output, formats, close=True):
        click.echo(p)


COMMANDS = [map_cmd, figures_cmd, report_cmd, style_cmd, flow_map_cmd]
