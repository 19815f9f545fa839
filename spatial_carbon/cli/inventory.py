"""CLI steps ``emissions`` (fuel use x factors), ``fuel-template`` (seed 001's
fuel table), ``ceads`` (CEADs provincial workbooks) and ``ceads-cities`` (the
CEADs city workbook)."""

from __future__ import annotations

import click

from ..inventory import ceads as _ceads
from .. import inventory as _inventory
from .._io import write_csv
from ._options import out_csv, parse_years as _years


@click.command("emissions")
@click.argument("fuel_table", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--factors", default="ipcc2006", show_default=True, metavar="ipcc2006|seed001|FILE",
    help="Emission-factor preset or a factor CSV (see docs/inventory.md).",
)
@click.option("--by-fuel", is_flag=True, help="One row per region, year and fuel.")
@click.option(
    "--basis", type=click.Choice(["CO2", "C"]), default="CO2", show_default=True,
    help="Gas basis of the result column (CO2_t or C_t).",
)
@click.option("--wide", is_flag=True,
              help="FUEL_TABLE is wide: one column per fuel, unit in the header "
                   "('原煤(万吨)') or given with --unit.")
@click.option("--unit", default=None, help="With --wide: unit of every fuel column.")
@click.option("--year", type=int, default=None, help="With --wide: year, if no year column.")
@click.option("--blank-zero", is_flag=True, help="With --wide: read empty cells as 0.")
@out_csv
def emissions_cmd(fuel_table, factors, by_fuel, basis, wide, unit, year, blank_zero, output):
    """CO2 per region-year from a fuel-use table FUEL_TABLE.

    FUEL_TABLE is a CSV with columns region, year, fuel, amount, unit
    (e.g. 10^4 t, 10^8 m3), or with --wide one column per fuel. Output
    columns: region_code, region, year, CO2_t (tonnes CO2), plus fuel with
    --by-fuel.
    """
    table = _inventory.read_fuel_use(fuel_table)
    if wide:
        table = _inventory.fuel_table_from_wide(
            table, unit, year=year, blank="zero" if blank_zero else "error",
            where=click.format_filename(fuel_table),
        )
    elif unit or year or blank_zero:
        raise click.UsageError("--unit, --year and --blank-zero need --wide")
    out = _inventory.emissions(
        table, factors, by_fuel=by_fuel, basis=basis, where=click.format_filename(fuel_table)
    )
    write_csv(out, output)
    click.echo(f"wrote {len(out)} rows to {output}", err=True)


@click.command("ceads")
@click.argument("sources", nargs=-1, required=True, type=click.Path(exists=True))
@click.option(
    "--group", type=click.Choice(["industry", "all", "sectors"]), default="industry",
    show_default=True,
    help="industry: ICE per region-year (CO2_t); all: every sector group (CO2_Mt); "
         "sectors: the full tidy table (sector x fuel, CO2_Mt).",
)
@click.option("--years", default=None, metavar="YEARS",
              help="Years to read, e.g. 2000-2011 or 2005,2010,2015 (default all).")
@click.option("--no-process", is_flag=True,
              help="Leave out industrial process emissions (energy-related CO2 only).")
@click.option("--check", type=click.Choice(["raise", "warn", "off"]), default="raise",
              show_default=True, help="What to do when a sheet does not add up to its totals.")
@out_csv
def ceads_cmd(sources, group, years, no_process, check, output):
    """Read CEADs provincial inventories (a folder or xlsx files) into CSV."""
    src = sources[0] if len(sources) == 1 else list(sources)
    tidy = _ceads.read_provinces(src, years=_years(years), check=check)
    if group == "industry":
        out = _ceads.industrial_emissions(tidy, include_process=not no_process)
    elif group == "all":
        out = _ceads.group_totals(tidy, include_process=not no_process)
    else:
        out = tidy if not no_process else tidy[tidy["fuel"] != "Process"]
    write_csv(out, output)
    click.echo(f"wrote {len(out)} rows to {output}", err=True)


@click.command("ceads-cities")
@click.argument("workbook", required=False, type=click.Path(exists=True, dir_okay=False))
@click.option("--years", default=None, metavar="YEARS",
              help="Years to keep, e.g. 2010-2015 (default all).")
@click.option("--raw", is_flag=True,
              help="The workbook's cities as written (city_zh, year, CO2_Mt), not matched to "
                   "the city layer.")
@out_csv
def ceads_cities_cmd(workbook, years, raw, output):
    """Total CO2 of the CEADs city inventory (WORKBOOK, default the bundled
    copy), matched to the bundled city layer: region_code (GB/T 2260 city
    code), region, city_zh, province_code, year, CO2_t, scope (= total).
    The match report (unmatched on both sides) goes to stderr."""
    from .. import datasets
    from ..inventory import ceads_cities as _cc

    tidy = _cc.read_cities(workbook)
    ys = _years(years)
    if ys is not None:
        tidy = tidy[tidy["year"].isin(ys)].reset_index(drop=True)
    if raw:
        out = tidy
    else:
        match = _cc.match_cities(tidy["city_zh"], datasets.boundaries("city"))
        click.echo(match.summary(), err=True)
        out = _cc.city_emissions(tidy, match)
    write_csv(out, output)
    click.echo(f"wrote {len(out)} rows to {output}", err=True)


@click.command("fuel-template")
@click.option("--years", required=True, metavar="YEARS", help="Years of the rows, e.g. 2000-2021.")
@out_csv
def fuel_template_cmd(years, output):
    """Write an empty wide fuel table for seed 001's terminal-consumption route.

    Rows: the 30 provinces x YEARS; columns 地区, 年份 and the seed's eight
    fuels in the China Energy Statistical Yearbook's units (原煤(万吨) ...
    天然气(亿立方米)).  Fill it from the provincial energy balance, row
    终端消费量 -> 工业, then: spatial-carbon emissions FILE --wide --factors
    seed001 -o ice.csv (docs/seed001.md).
    """
    out = _inventory.seed001_template(_years(years))
    write_csv(out, output)
    click.echo(f"wrote {len(out)} rows to {output}", err=True)


COMMANDS = [emissions_cmd, ceads_cmd, ceads_cities_cmd, fuel_template_cmd]
