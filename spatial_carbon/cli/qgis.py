"""``spatial-carbon qgis-plugin-zip``: build the QGIS plugin zip (from a checkout)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import click

from ..errors import InputError

_BUILDER = Path(__file__).resolve().parents[2] / "qgis_plugin" / "build_zip.py"


def _builder():
    if not _BUILDER.is_file():
        raise InputError(
            f"the QGIS plugin sources are not part of this installation ({_BUILDER} is missing); "
            "run the command from a spatial_carbon source checkout (pip install -e .)"
        )
    spec = importlib.util.spec_from_file_location("_sc_build_zip", _BUILDER)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@click.command("qgis-plugin-zip")
@click.option("--out", "out_dir", default="dist", show_default=True,
              type=click.Path(file_okay=False), help="Folder to write the zip into.")
def qgis_plugin_zip(out_dir):
    """Build the QGIS plugin zip for "Install from ZIP" (see docs/qgis.md)."""
    click.echo(str(_builder().build_zip(out_dir)))


COMMANDS = [qgis_plugin_zip]
