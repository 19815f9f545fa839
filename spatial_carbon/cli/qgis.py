"""``spatial-carbon qgis-plugin-zip``: build the QGIS plugin zip, with the spatial_carbon wheel.

Works from a source checkout (the wheel is built from it) and from an installed
spatial_carbon (whose wheel carries the plugin sources as
``spatial_carbon/qgis_plugin/``; the wheel is repacked from the installed files).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import click

from ..errors import InputError

_PKG = Path(__file__).resolve().parents[1]
#: build_zip.py of a checkout (next to the package), else of the installed package.
_BUILDERS = (_PKG.parent / "qgis_plugin" / "build_zip.py", _PKG / "qgis_plugin" / "build_zip.py")


def _builder():
    path = next((p for p in _BUILDERS if p.is_file()), None)
    if path is None:
        raise InputError(
            "the QGIS plugin sources are not part of this installation (looked for "
            + " and ".join(str(p) for p in _BUILDERS) + "); reinstall spatial_carbon from its "
            "wheel or sdist, or run the command from a source checkout"
        )
    spec = importlib.util.spec_from_file_location("_sc_build_zip", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@click.command("qgis-plugin-zip")
@click.option("--out", "out_dir", default="dist", show_default=True,
              type=click.Path(file_okay=False), help="Folder to write the zip into.")
@click.option("--wheel", type=click.Path(dir_okay=False, exists=True), default=None,
              help="spatial_carbon wheel to bundle (default: build it from this installation).")
@click.option("--no-wheel", is_flag=True, help="Leave the wheel out of the zip.")
def qgis_plugin_zip(out_dir, wheel, no_wheel):
    """Build the QGIS plugin zip for "Install from ZIP" (see docs/qgis.md).

    The zip carries the spatial_carbon wheel, which the plugin's tool "Set up
    the spatial_carbon worker" installs into a Python environment of its own.
    """
    b = _builder()
    try:
        click.echo(str(b.build_zip(out_dir, wheel=wheel, with_wheel=not no_wheel)))
    except RuntimeError as exc:  # building or repacking the wheel failed
        raise InputError(f"cannot build the plugin's wheel: {exc}") from exc


COMMANDS = [qgis_plugin_zip]
