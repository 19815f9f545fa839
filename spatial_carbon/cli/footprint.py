"""``sinks``, ``footprint``, ``zones``, ``breaks``: the seed-001 steps, CSV in, CSV out."""

from __future__ import annotations

from pathlib import Path

import click

from .. import _io, footprint
from ..spatial import classify
from ..footprint import sinks, zones
from ._options import OutputFile, beside, out_csv, parse_years

_csv_in = click.Path(exists=True, dir_okay=False)


def _parse_shares(ctx, param, value: str):
    v = value.strip()
    if v.lower() in ("national", "regional"):
        return v.lower()
    out = {}
    for part in v.split(","):
        name, eq, num = part.partition("=")
        try:
            if not eq:
                raise ValueError
            out[name.strip().lower()] = float(num)
        except ValueError:
            raise click.BadParameter(
                f"{value!r}: use 'national', 'regional' or fixed shares like "
                "'forest=0.8,grassland=0.2'", param_hint="--shares") from None
    return out


@click.command("sinks")
@click.option("--areas", required=True, type=_csv_in,
              help="Class areas: region, year, sink_class (or class), area_hm2.")
@click.option("--rates", type=_csv_in,
              help="Absorption rates CSV (class, rate in t/hm2/a[, basis]); default Xie et al. 2008.")
@click.option("--factors", type=_csv_in,
              help="Equivalence factors CSV (region, class, factor; region ALL = every province); "
                   "default GFN 2010 national factors.")
@out_csv
def sinks_cmd(areas, rates, factors, output):
    """Carbon sink per region-year: CS = sum NEP_i * A_i * E_i (t/a)."""
    table = _io.read_csv(areas)
    rates_t = _io.read_csv(rates) if rates else None
    out = sinks.carbon_sink(
        table, rates=rates_t, factors=_io.read_csv(factors) if factors else None,
        where=Path(areas).name,
    )
    ignored = sinks.unrated_areas(table, rates=rates_t, where=Path(areas).name)
    if len(ignored):
        click.echo("classes without a rate (ignored): "
                   + ", ".join(f"{k} ({v:,.0f} hm2)" for k, v in ignored.items()), err=True)
    _io.write_csv(out, output)
    click.echo(f"{len(out)} region-years written to {output} "
               f"(CS in t {out['rates_basis'].iloc[0]}/a)", err=True)


@click.command("footprint")
@click.option("--ice", required=True, type=_csv_in,
              help="Emissions: region, year and one column naming gas and unit (CO2_t, CO2_Mt, C_t ...).")
@click.option("--sinks", "sinks_path", required=True, type=_csv_in,
              help="Output of `spatial-carbon sinks`.")
@click.option("--population", type=_csv_in,
              help="Population: region, year, population (persons) or population_10^4persons; "
                   "or a yearbook table (regions x years, '# Units:' comment) such as the bundled one.")
@click.option("--pc-years", help="Years with per-capita values, e.g. 2000-2019 (default: all years; "
                                 "other years get empty per-capita columns).")
@click.option("--basis", type=click.Choice(["CO2", "C"], case_sensitive=False), default="CO2",
              show_default=True,
              help="Gas basis of ICE divided by the rates: CO2 (as the seed) or C (x 12/44).")
@click.option("--shares", default="national", show_default=True, callback=_parse_shares,
              help="Absorption shares P: national, regional, or fixed 'forest=0.8,grassland=0.2'.")
@click.option("--rates", type=_csv_in, help="Absorption rates CSV used for the sinks (default Xie et al. 2008).")
@click.option("--ice-column", help="Emissions column, if the ICE table has several.")
@out_csv
def footprint_cmd(ice, sinks_path, population, pc_years, basis, shares, rates, ice_column, output):
    """Footprint per region-year: ICF, CEC, ICD, ICS, ICF_size, ICF_depth (hm2)
    and, with --population, ICF_pc, CEC_pc, ICF_size_pc (hm2/person)."""
    out = footprint.compute(
        _io.read_csv(ice), _io.read_csv(sinks_path),
        shares=shares, basis=basis.upper(),
        rates=_io.read_csv(rates) if rates else None,
        ice_column=ice_column,
    )
    if population:
        years = None
        if pc_years:
            try:
                a, b = (int(v) for v in pc_years.replace("–", "-").split("-"))
            except ValueError:
                raise click.BadParameter(f"{pc_years!r}: use FIRST-LAST, e.g. 2000-2019",
                                         param_hint="--pc-years") from None
            years = sorted(set(range(a, b + 1)) & set(out["year"]))
        out = footprint.per_capita(out, _read_population(population), years=years,
                                   keep_other_years=True)
    _io.write_csv(out, output)
    click.echo(f"{len(out)} region-years written to {output} (basis {basis.upper()})", err=True)


def _read_population(path):
    df = _io.read_csv(path)
    if any(str(c).lower().startswith("population") for c in df.columns):
        return df
    from ..inventory import population as population_mod  # yearbook layout: regions x years, units in a comment

    return population_mod.read_yearbook(path)


@click.command("zones")
@click.option("-i", "--input", "input_", required=True, type=_csv_in,
              help="Footprint CSV (output of `spatial-carbon footprint`).")
@click.option("--size", default="ICF_size", show_default=True, help="Size column (x axis).")
@click.option("--depth", default="ICF_depth", show_default=True, help="Depth column (y axis).")
@out_csv
def zones_cmd(input_, size, depth, output):
    """Quadrant zones I-IV from z-scores of footprint size and depth per year."""
    out = zones.quadrants(_io.read_csv(input_), size=size, depth=depth)
    _io.write_csv(out, output)
    click.echo(f"zones of {len(out)} region-years written to {output}", err=True)


@click.command("breaks")
@click.option("-i", "--input", "input_", required=True, type=_csv_in, help="Table with the column to classify.")
@click.option("-c", "--column", required=True, help="Column to classify, e.g. ICF_pc.")
@click.option("-k", default=5, show_default=True, type=int, help="Number of classes.")
@click.option("--scheme", default="fisher_jenks", show_default=True,
              help="fisher_jenks, quantiles, equal_interval, jenks_caspall, jenks_caspall_forced, "
                   "maximum_breaks.")
@click.option("--pooled/--no-pooled", default=True, show_default=True,
              help="Also classify all years together (one legend for every year).")
@click.option("--per-year/--no-per-year", default=True, show_default=True,
              help="Classify each year separately.")
@click.option("--years", metavar="YEARS",
              help="Years to classify, e.g. 2000-2019 or 2005,2010,2015 (default: every year "
                   "in which the column has values).")
@click.option("-b", "--breaks-output", type=OutputFile(),
              help="Breaks table CSV (default: OUTPUT with suffix _breaks.csv).")
@out_csv
def breaks_cmd(input_, column, k, scheme, pooled, per_year, years, breaks_output, output):
    """Natural-breaks classes per year and pooled; writes classes and a breaks table.

    Years in which the column is empty for every region (e.g. ICF_pc before
    the population table starts) are left out, and said so; a year with some
    values missing is an error."""
    if breaks_output is None:
        breaks_output = str(beside(output, "breaks", option="-b/--breaks-output"))
        _io.check_output(breaks_output)
    table = _io.read_csv(input_)
    table = _select_years(table, column, parse_years(years), where=click.format_filename(input_))
    classes, brk = classify.natural_breaks(
        table, column, k, pooled=pooled, per_year=per_year, scheme=scheme)
    _io.write_csv(brk, breaks_output)
    _io.write_csv(classes, output)
    click.echo(f"classes written to {output}, breaks to {breaks_output}", err=True)


def _select_years(table, column: str, years, *, where: str):
    """Rows of the requested years; without a request, drop the years in
    which ``column`` has no value at all (said on stderr)."""
    from ..errors import InputError, MissingDataError

    if "year" not in table.columns or column not in table.columns:
        return table  # natural_breaks names what is missing
    have = sorted(int(y) for y in table["year"].dropna().unique())
    if years is not None:
        missing = sorted(set(years) - set(have))
        if missing:
            raise MissingDataError(f"{where}: no rows for year(s) {missing}; years present: "
                                   f"{have[0]}-{have[-1]}" if have else f"{where}: no years")
        return table[table["year"].isin(years)].reset_index(drop=True)
    filled = table.groupby("year")[column].apply(lambda v: v.notna().any())
    empty = sorted(int(y) for y, ok in filled.items() if not ok)
    if empty and len(empty) == len(filled):
        raise InputError(f"{where}: column {column!r} has no values")
    if empty:
        from ..study.diagnostics import _years_text

        click.echo(f"{column} has no values in {_years_text(empty)}: those years are left out "
                   "(choose years with --years)", err=True)
        table = table[~table["year"].isin(empty)].reset_index(drop=True)
    return table


COMMANDS = [sinks_cmd, footprint_cmd, zones_cmd, breaks_cmd]
