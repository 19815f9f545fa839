"""The ``spatial-carbon`` command line: parse, call one core function, write.

Each module in this package defines a list ``COMMANDS`` of click commands;
they are registered here by discovery, so adding a step means adding a
module.  Typed errors (:class:`~spatial_carbon.errors.SpatialCarbonError`)
become a one-line message and exit status 2 here, in one place; no
traceback is shown for a user's mistake.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

import click

from .. import __version__
from ..errors import SpatialCarbonError


class _Group(click.Group):
    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except SpatialCarbonError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(2)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="spatial-carbon")
def main():
    """Regional carbon analysis for China: inventories, sinks, footprint,
    spatial statistics and input-output transfers."""


for _m in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
    if _m.name.startswith("_"):
        continue
    for _cmd in getattr(importlib.import_module(f"{__name__}.{_m.name}"), "COMMANDS", []):
        main.add_command(_cmd)
