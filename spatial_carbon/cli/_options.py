"""Options shared by several commands, and the output guard every command runs under."""

from __future__ import annotations

import functools
from pathlib import Path

import click

from .. import _io
from ..errors import OutputError


class OutputFile(click.Path):
    """An output file.  ``-`` is standard output where the command allows it
    (``dash=True``); the path is checked before any computation (a folder, a
    parent that is a file, a block device: :func:`spatial_carbon._io.output_target`)."""

    def __init__(self, *, dash: bool = True):
        super().__init__(dir_okay=False, allow_dash=dash)
        self.dash = dash

    def convert(self, value, param, ctx):
        if value == _io.STDOUT and not self.dash:
            self.fail("'-' (standard output) is not available here: this command writes "
                      "several files; give a file name", param, ctx)
        value = super().convert(value, param, ctx)
        if value != _io.STDOUT:
            try:
                _io.output_target(value)
            except OutputError as exc:
                self.fail(str(exc), param, ctx)
        return value


class OutputFolder(click.Path):
    """An output folder (checked by the study writer's folder rules)."""

    def __init__(self):
        super().__init__(file_okay=False)


out_csv = click.option(
    "-o", "--output", "output", required=True, type=OutputFile(),
    help="Output CSV (UTF-8 with BOM; '-' for standard output); written atomically.",
)


def parse_years(value: str | None, param_hint: str = "--years") -> list[int] | None:
    """Years from the command line: ``2000-2011``, ``2005,2010,2015`` or both
    (``2000-2005,2010``; ``;`` and ``:`` also accepted); ``None`` if empty."""
    if not value:
        return None
    years: list[int] = []
    for part in value.replace(" ", "").replace(";", ",").split(","):
        if not part:
            continue
        try:
            if "-" in part[1:] or ":" in part:
                a, b = part.replace(":", "-").split("-", 1)
                years.extend(range(int(a), int(b) + 1))
            else:
                years.append(int(part))
        except ValueError:
            raise click.BadParameter(
                f"{part!r} is not a year or a range like 2000-2011", param_hint=param_hint
            ) from None
    return years


#: ``-o`` of a command that writes several files (no standard output).
out_files = click.option(
    "-o", "--output", "output", required=True, type=OutputFile(dash=False),
    help="Output CSV (UTF-8 with BOM); files named after it hold the other tables.",
)

#: Options (other than ``click.Path(exists=True)``) whose values may name input files.
INPUT_PARAMS = frozenset({"rasters", "zones", "boundaries", "sources", "table", "study_file"})


def beside(output: str, suffix: str, *, option: str | None = None) -> Path:
    """``OUT_<suffix>.csv`` next to ``OUT`` (a table derived from the main output)."""
    if output == _io.STDOUT:
        raise OutputError(
            f"with -o - (standard output) give the {suffix} table a file name"
            + (f" with {option}" if option else "") + ", or give -o a file name"
        )
    p = Path(output)
    return p.with_name(f"{p.stem}_{suffix}{p.suffix or '.csv'}")


def _values(cmd: click.Command, kwargs: dict):
    ins, outs = [], []
    for p in cmd.params:
        v = kwargs.get(p.name)
        if v is None:
            continue
        if isinstance(p.type, OutputFile):
            outs.append(v)
        elif isinstance(p.type, click.Path) and p.type.exists or p.name in INPUT_PARAMS:
            ins.extend(v if isinstance(v, (list, tuple)) else [v])
    return ins, outs


def guard(cmd: click.Command) -> click.Command:
    """Run ``cmd`` under the output rules (wraps its callback):

    * no output may be one of the command's inputs (checked before any
      computation, and again for files named after an output);
    * no two outputs may be the same file;
    * the outputs stand or fall together (:func:`spatial_carbon._io.transaction`);
    * SIGTERM and SIGINT remove temporary files (:func:`spatial_carbon._io.cleanup_on_signals`).
    """
    callback = cmd.callback
    if callback is None or getattr(callback, "_guarded", False):
        return cmd

    @functools.wraps(callback)
    def run(*args, **kwargs):
        ins, outs = _values(cmd, kwargs)
        for o in outs:
            _io.check_not_input(o, ins)
        _io.check_distinct(outs)
        with _io.cleanup_on_signals(), _io.protect_inputs(ins), _io.transaction():
            return callback(*args, **kwargs)

    run._guarded = True
    cmd.callback = run
    return cmd
