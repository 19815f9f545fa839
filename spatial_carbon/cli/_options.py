"""Options shared by several commands."""

from __future__ import annotations

import click

out_csv = click.option(
    "-o", "--output", "output", required=True, type=click.Path(dir_okay=False),
    help="Output CSV (UTF-8 with BOM); written atomically.",
)
