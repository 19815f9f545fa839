"""``spatial-carbon data fetch clcd``: download the CLCD rasters (verified, resumable);
``spatial-carbon data path``: where the bundled sample data is."""

from __future__ import annotations

import click


@click.group("data")
def data_cmd():
    """Download open datasets (verified against their records' checksums)."""


@data_cmd.command("path")
def path_cmd():
    """Print the folder of the bundled sample data (CEADs workbooks, boundaries,
    land cover, population): ``data/`` of a checkout, or
    ``<site-packages>/spatial_carbon/sample_data`` of a pip install."""
    from .. import datasets

    click.echo(str(datasets.data_dir()))


@data_cmd.group("fetch")
def fetch_cmd():
    """Fetch a dataset into a folder (default: the user cache)."""


@fetch_cmd.command("clcd")
@click.option("--years", required=True, metavar="YEARS",
              help="Years: 2000-2021, or 1985,1990-2000.")
@click.option("--albers", is_flag=True,
              help="The Albers equal-area files (*_albert.tif, 900 m2 pixels) instead of WGS84.")
@click.option("--dir", "directory", type=click.Path(file_okay=False),
              help="Download folder (default: the user cache, ~/.cache/spatial_carbon/clcd/...).")
@click.option("--record", default=None, metavar="ID_OR_URL",
              help="Zenodo record id, DOI or URL (default: 8176941, CLCD 1985-2022).")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def clcd_cmd(years, albers, directory, record, quiet):
    """China Land Cover Dataset (Yang & Huang 2021, ESSD 13:3907; CC BY 4.0), 30 m, annual.

    Names, sizes and md5 checksums come from the Zenodo record; files already
    downloaded and verified are skipped, interrupted downloads resume.  Prints
    the {year} pattern to give to `spatial-carbon landcover` or a study config.
    """
    from .. import fetch

    bars: dict = {}

    def progress(name, done, total):
        if quiet:
            return
        bar = bars.get(name)
        if bar is None:
            for b in bars.values():
                b.__exit__(None, None, None)
            bars.clear()
            bar = bars[name] = click.progressbar(length=total, label=name,
                                                 file=click.get_text_stream("stderr"))
            bar.__enter__()
            bar.done = 0
        bar.update(done - bar.done)
        bar.done = done

    try:
        res = fetch.fetch_clcd(fetch.parse_years(years), albers=albers, directory=directory,
                               record=record or fetch.CLCD_RECORD, progress=progress)
    finally:
        for b in bars.values():
            b.__exit__(None, None, None)
    click.echo(f"CLCD record {res.record}: {len(res.downloaded)} downloaded, "
               f"{len(res.verified)} already there and verified, in {res.folder}", err=True)
    click.echo(res.pattern)


COMMANDS = [data_cmd]
