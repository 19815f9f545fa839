"""The ``spatial-carbon`` command line: parse, call one core function, write.

Each module in this package defines a list ``COMMANDS`` of click commands;
they are registered here by discovery, so adding a step means adding a
module.  Here, in one place:

* typed errors (:class:`~spatial_carbon.errors.SpatialCarbonError`), usage
  errors and environment errors (disk full, read-only file system) become a
  one-line ``Error: ...`` on standard error and exit status 2; no traceback is
  shown for a user's mistake;
* warnings are printed as one ``Warning: ...`` line each;
* every command runs under the output guard of :mod:`._options` (outputs
  never replace inputs, stand or fall together, are cleaned up on SIGTERM).
"""

from __future__ import annotations

import contextlib
import importlib
import pkgutil
import sys
import warnings

import click

from .. import __version__
from .._io import _OS_FIXES
from ..errors import SpatialCarbonError, one_line
from ._options import guard


def _fail(message: str) -> None:
    click.echo(f"Error: {one_line(message)}", err=True)
    sys.exit(2)


@contextlib.contextmanager
def _one_line_warnings():
    def show(message, category, filename, lineno, file=None, line=None):
        name = category.__name__
        prefix = "" if name in ("UserWarning", "DataQualityWarning") else f"{name}: "
        click.echo(f"Warning: {prefix}{one_line(str(message))}", err=True)

    old = warnings.showwarning
    warnings.showwarning = show
    try:
        yield
    finally:
        warnings.showwarning = old


class _Group(click.Group):
    def invoke(self, ctx):
        with _one_line_warnings():
            try:
                return super().invoke(ctx)
            except SpatialCarbonError as exc:
                _fail(str(exc))
            except click.UsageError as exc:
                where = exc.ctx.command_path if exc.ctx is not None else "spatial-carbon"
                _fail(f"{exc.format_message()} (see '{where} --help')")
            except OSError as exc:
                # the environment, not a bug: disk full, read-only, permissions
                if exc.errno not in _OS_FIXES:
                    raise
                name = f"{exc.filename}: " if exc.filename else ""
                _fail(f"{name}{exc.strerror or exc}; {_OS_FIXES[exc.errno]}")


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="spatial-carbon")
def main():
    """Regional carbon analysis for China: inventories, sinks, footprint,
    spatial statistics and input-output transfers."""


for _m in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
    if _m.name.startswith("_"):
        continue
    for _cmd in getattr(importlib.import_module(f"{__name__}.{_m.name}"), "COMMANDS", []):
        main.add_command(guard(_cmd))
