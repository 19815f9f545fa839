"""``spatial-carbon run`` and ``spatial-carbon demo``: a whole study."""

from __future__ import annotations

import time
import click

from .. import _io, study
from ..study import config as config_mod
from ._options import OutputFile, OutputFolder


def _progress():
    t0 = time.perf_counter()

    def say(msg: str) -> None:
        click.echo(f"[{time.perf_counter() - t0:6.1f} s] {msg}", err=True)

    return say


def _common(f):
    f = click.option("--out", "out", default="spatial_carbon_out", show_default=True,
                     type=OutputFolder(),
                     help="Output folder: new or empty, or (with --overwrite) an earlier "
                          "output of spatial_carbon, replaced when the run succeeds.")(f)
    f = click.option("--overwrite", is_flag=True,
                     help="Replace an earlier spatial_carbon output folder (only one that "
                          "spatial_carbon wrote and that holds none of the run's inputs).")(f)
    f = click.option("--no-maps", is_flag=True, help="Skip figures (faster).")(f)
    f = click.option("--no-report", is_flag=True, help="Skip report.html.")(f)
    return f


@click.command("run")
@click.argument("study_file", type=click.Path(exists=True, dir_okay=False))
@_common
def run_cmd(study_file, out, overwrite, no_maps, no_report):
    """Run the study described by STUDY_FILE (TOML; `spatial-carbon demo
    --write-config FILE` writes an annotated example)."""
    path = study.run_file(study_file, out, progress=_progress(), overwrite=overwrite,
                          maps=not no_maps, report=not no_report)
    click.echo(f"study written to {path}")


@click.command("demo")
@_common
@click.option("--level", type=click.Choice(sorted(config_mod.DEMO_CONFIGS)), default="province",
              show_default=True,
              help="province: the seed-001 study of 30 provinces (CEADs industrial CO2, "
                   "1997-2019, yearbook population); city: 288 cities (CEADs city inventory, "
                   "total CO2, 2000-2019, no population).")
@click.option("--write-config", type=OutputFile(),
              help="Only copy the demo's study.toml to this path (to edit and `run`).")
def demo_cmd(out, overwrite, no_maps, no_report, level, write_config):
    """Run a footprint study on the bundled data (MODIS 2019 land cover):
    `--level province` (default) the seed-001 study of 30 provinces,
    `--level city` the study of China's cities."""
    src = config_mod.demo_config_path(level)
    if write_config:
        _io.write_text(src.read_text(encoding="utf-8"), write_config)
        click.echo(f"demo configuration written to {write_config}", err=True)
        return
    path = study.run_file(src if level != "province" else None, out, progress=_progress(),
                          overwrite=overwrite,
                          maps=not no_maps, report=not no_report)
    click.echo(f"demo study written to {path}")


COMMANDS = [run_cmd, demo_cmd]
