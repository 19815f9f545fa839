"""``spatial-carbon landcover``: class areas per zone and year from land-cover rasters."""

from __future__ import annotations

import click

from .._io import write_csv
from ..errors import InputError
from ._options import OutputFile, out_csv


def _parse_mapping(items: tuple[str, ...]) -> dict:
    out = {}
    for it in items:
        if "=" not in it:
            raise click.BadParameter(f"{it!r}: use VALUE=SINK_CLASS, e.g. 3=forest",
                                     param_hint="--sink-map")
        k, v = it.split("=", 1)
        k = k.strip()
        out[int(k) if k.lstrip("-").isdigit() else k] = v.strip()
    return out


@click.command("landcover")
@click.argument("rasters", nargs=-1, required=True)
@click.option("--zones", required=True,
              help="Zone polygons: FILE (GeoPackage, shapefile, GeoJSON), FILE|layername=NAME or "
                   "bundled:province|city|county.")
@click.option("--zone-field", required=True, help="Field naming the zones (e.g. region_code).")
@click.option("--legend", default="clcd", show_default=True,
              help="clcd, modis_igbp, esa_worldcover, globeland30, or a legend CSV "
                   "(value,class_name,sink_class).")
@click.option("--year", "years", type=int, multiple=True,
              help="Keep this year (repeatable); gives the year of files whose names carry none "
                   "(a single raster without a year and no --year: the year column is empty).")
@out_csv
@click.option("--summary", "summary_path", type=OutputFile(),
              help="Also write nodata pixels and covered fraction per zone and year.")
@click.option("--pixel-rule", type=click.Choice(["centre", "all_touched", "fraction"]),
              default="centre", show_default=True,
              help="Which pixels belong to a zone: centre inside (QGIS/rasterio rule), every "
                   "touched pixel, or the covered fraction of each pixel.")
@click.option("--sink-map", multiple=True, metavar="VALUE=CLASS",
              help="Override the legend's sink class, e.g. 3=forest (repeatable).")
@click.option("--unknown", type=click.Choice(["error", "nodata"]), default="error",
              show_default=True, help="Raster values missing from the legend.")
@click.option("--workers", type=int, default=None, help="Threads (default: all cores).")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="Run on dask.distributed: a scheduler address (tcp://host:8786) or 'local'.")
@click.option("--projected-area", type=click.Choice(["refuse", "nominal"]), default="refuse",
              show_default=True, help="Rasters in a projected CRS that is not equal-area.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def landcover_cmd(rasters, zones, zone_field, legend, years, output, summary_path, pixel_rule,
                  sink_map, unknown, workers, scheduler, projected_area, quiet):
    """Area (hm2) of every land-cover class per zone and year.

    RASTER... are files, folders, or patterns with {year} in the file name
    (e.g. 'CLCD_v01_{year}_albert.tif'); several files of one year are tiles.
    The output (zone, year, class, class_name, sink_class, pixels, area_hm2)
    feeds `spatial-carbon sinks`.
    """
    from .. import landcover

    if workers is not None and workers < 1:
        raise click.BadParameter("must be >= 1", param_hint="--workers")
    src = list(rasters) if len(rasters) > 1 else rasters[0]
    bar = None
    last = [0]

    def progress(done, total):
        nonlocal bar
        if quiet:
            return
        if bar is None:
            bar = click.progressbar(length=total, label="land cover", file=click.get_text_stream(
                "stderr"))
            bar.__enter__()
        bar.update(done - last[0])
        last[0] = done

    try:
        res = landcover.class_areas_with_summary(
            src, zones, zone_field, legend=legend, years=list(years) or None,
            sink_mapping=_parse_mapping(sink_map) or None, pixel_rule=pixel_rule,
            unknown=unknown, projected_area=projected_area, workers=workers,
            scheduler=scheduler, progress=progress,
        )
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    if res.areas.empty:  # pragma: no cover - class_areas raises before
        raise InputError("no class area computed")
    write_csv(res.areas, output)
    if summary_path:
        write_csv(res.summary, summary_path)
    click.echo(f"wrote {output} ({len(res.areas)} rows)", err=True)
    if res.areas["year"].isna().all():
        click.echo("the raster's file name has no year: the year column is empty; "
                   "give --year YEAR to use the areas for sinks and the footprint", err=True)


COMMANDS = [landcover_cmd]
