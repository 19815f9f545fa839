"""Options shared by several commands."""

from __future__ import annotations

import click

out_csv = click.option(
    "-o", "--output", "output", required=True, type=click.Path(dir_okay=False),
    help="Output CSV (UTF-8 with BOM); written atomically.",
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
