"""Input–output commands: ``io-transfer``, ``io-shift``, ``decompose``, ``share-shift``, ``mrio``.

Each command parses, reads through :mod:`spatial_carbon.inputoutput.readers`, calls
the core in :mod:`spatial_carbon.inputoutput`, and writes CSVs atomically.  Methods
and formulas: ``docs/io.md``.
"""

from __future__ import annotations

from pathlib import Path

import click

from spatial_carbon._io import read_csv, write_csv
from spatial_carbon.cli._options import out_csv


def _beside(output: str, suffix: str) -> Path:
    p = Path(output)
    return p.with_name(f"{p.stem}_{suffix}{p.suffix or '.csv'}")


@click.command("io-transfer")
@click.argument("table", type=click.Path(exists=True, dir_okay=False))
@click.option("--emissions", type=click.Path(exists=True, dir_okay=False),
              help="Direct method: CSV region, sector, emissions (province-sector emissions, "
                   "e.g. t CO2).")
@click.option("--national-intensity", type=click.Path(exists=True, dir_okay=False),
              help="Adjusted method (seed 002): CSV sector, intensity (national sector "
                   "intensities, e.g. t CO2 per 10^4 yuan); needs --province-totals.")
@click.option("--province-totals", type=click.Path(exists=True, dir_okay=False),
              help="Adjusted method: CSV region, emissions (province total emissions).")
@click.option("--national-emissions", type=float, default=None,
              help="Adjusted method: national total emissions (default: sum of --province-totals).")
@click.option("--national-output", type=float, default=None,
              help="Adjusted method: national total output (default: sum of the tables' output).")
@click.option("--treatment", type=click.Choice(["net_outflow", "domestic_share", "all_uses"]),
              default="net_outflow", show_default=True,
              help="Treatment of imports and inflows of the competitive tables (docs/io.md).")
@click.option("--group", "group", default=None,
              help="Also write sums per region group of this scheme (e.g. seed002_8) to "
                   "OUT_groups.csv.")
@out_csv
def io_transfer_cmd(table, emissions, national_intensity, province_totals, national_emissions,
                    national_output, treatment, group, output):
    """Embodied carbon in provinces' foreign and inter-provincial trade (seed 002).

    TABLE is a stacked CSV of single-region provincial IO tables: region,
    sector, one column per sector (intermediate flows), final_use, export,
    outflow, import, inflow, output.  OUT has one row per province (CE, CM,
    CEP, CMP, N, NP, T, CTT, CTTp, type); OUT_sectors.csv holds the sector
    detail (ECC, PECC).
    """
    from spatial_carbon.inputoutput import province_intensities, trade_carbon
    from spatial_carbon.inputoutput.provincial import aggregate_trade_regions
    from spatial_carbon.inputoutput.readers import read_provincial_tables

    tables = read_provincial_tables(table)
    if emissions:
        inten = province_intensities(tables, emissions=read_csv(emissions))
    elif national_intensity and province_totals:
        ni = read_csv(national_intensity)
        pt = read_csv(province_totals)
        for name, df, cols in (("--national-intensity", ni, ("sector", "intensity")),
                               ("--province-totals", pt, ("region", "emissions"))):
            if any(c not in df.columns for c in cols):
                raise click.BadParameter(f"needs columns {', '.join(cols)}", param_hint=name)
        inten = province_intensities(
            tables, national_intensity=ni.set_index(ni["sector"].astype(str))["intensity"],
            province_emissions=pt.set_index(pt["region"].astype(str))["emissions"],
            national_emissions=national_emissions, national_output=national_output)
    else:
        raise click.UsageError("give --emissions, or --national-intensity with --province-totals")
    res = trade_carbon(tables, inten, treatment=treatment)
    write_csv(res.by_region, output)
    write_csv(res.by_sector, _beside(output, "sectors"))
    if group:
        write_csv(aggregate_trade_regions(res.by_region, group), _beside(output, "groups"))
    click.echo(f"trade carbon of {len(res.by_region)} provinces written to {output}")


@click.command("io-shift")
@click.argument("table0", type=click.Path(exists=True, dir_okay=False))
@click.argument("table1", type=click.Path(exists=True, dir_okay=False))
@click.option("--coefficients", required=True, type=click.Path(exists=True, dir_okay=False),
              help="CSV region, sector, coefficient: carbon coefficients (t CO2 per monetary "
                   "unit of the tables, e.g. per 10^4 yuan), applied to both periods.")
@click.option("--no-exports", is_flag=True, help="Ignore export-driven transfer.")
@out_csv
def io_shift_cmd(table0, table1, coefficients, no_exports, output):
    """Two-period interregional industrial and carbon transfer and leakage (seed 003).

    TABLE0 and TABLE1 are interregional IO tables of the two periods in the
    same constant prices (CSV or xlsx, two header rows region/item, two label
    columns region/sector; docs/io.md).  OUT: one row per ordered region
    pair; OUT_regions.csv per region; OUT_sectors.csv per pair and sector;
    OUT_flows.csv the net carbon flows (origin, destination, value) for maps.
    """
    from spatial_carbon.inputoutput.readers import read_wide_table, split_wide
    from spatial_carbon.inputoutput.transfer import transfer_flows, transfer_from_tables

    parts = [split_wide(read_wide_table(t), where=str(t)) for t in (table0, table1)]
    co = read_csv(coefficients)
    if any(c not in co.columns for c in ("region", "sector", "coefficient")):
        raise click.BadParameter("needs columns region, sector, coefficient", param_hint="--coefficients")
    S = co.set_index([co["region"].astype(str), co["sector"].astype(str)])["coefficient"].astype(float)
    res = transfer_from_tables(parts[0], parts[1], S, exports=not no_exports)
    write_csv(res.pairs, output)
    write_csv(res.regions, _beside(output, "regions"))
    write_csv(res.by_sector, _beside(output, "sectors"))
    write_csv(transfer_flows(res.pairs), _beside(output, "flows"))
    click.echo(f"transfer between {len(res.regions)} regions written to {output}")


@click.command("decompose")
@click.argument("table", type=click.Path(exists=True, dir_okay=False))
@click.option("--from", "year0", required=True, type=int, help="Base year.")
@click.option("--to", "year1", required=True, type=int, help="Final year.")
@click.option("--energy-mix", is_flag=True,
              help="TABLE also has fuel and energy columns: split technique into energy "
                   "intensity, energy mix and emission factor.")
@click.option("--national", is_flag=True, help="One pooled decomposition instead of one per region.")
@out_csv
def decompose_cmd(table, year0, year1, energy_mix, national, output):
    """LMDI-I decomposition of emission change into scale, structure, technique (seed 000).

    TABLE is long: region, sector, year, output, emissions.  OUT has one row
    per region: C0, C1, additive effects (emission units, summing exactly to
    total) and multiplicative factors D_* (product = C1/C0).
    """
    from spatial_carbon.inputoutput.lmdi import lmdi_decompose
    from spatial_carbon.inputoutput.readers import read_long_table

    need = ["region", "sector", "year", "output", "emissions"] + (["fuel", "energy"] if energy_mix else [])
    df = read_long_table(table, need)
    out = lmdi_decompose(df, year0, year1, by=None if national else "region", energy_mix=energy_mix)
    write_csv(out, output)
    click.echo(f"decomposition of {len(out)} region(s) written to {output}")


@click.command("share-shift")
@click.argument("table", type=click.Path(exists=True, dir_okay=False))
@click.option("--from", "year0", required=True, type=int, help="Base year.")
@click.option("--to", "year1", required=True, type=int, help="Final year.")
@click.option("--sectors", default=None,
              help="Comma-separated energy-intensive sectors (default: all sectors in TABLE).")
@out_csv
def share_shift_cmd(table, year0, year1, sectors, output):
    """Carbon transfer implied by shifts in provinces' shares of national output (seed 000).

    TABLE is long: region, sector, year, output, emissions (all provinces).
    """
    from spatial_carbon.inputoutput.lmdi import share_shift_transfer
    from spatial_carbon.inputoutput.readers import read_long_table

    df = read_long_table(table, ["region", "sector", "year", "output", "emissions"])
    sel = [s.strip() for s in sectors.split(",")] if sectors else None
    out = share_shift_transfer(df, year0, year1, sectors=sel)
    write_csv(out, output)
    click.echo(f"share-shift transfer of {len(out)} region(s) written to {output}")


@click.command("mrio")
@click.argument("directory", type=click.Path(exists=True, file_okay=False))
@click.option("--extension", required=True, help="Extension name, e.g. emissions / Emissions / air_emissions.")
@click.option("--stressor", required=True, help="Stressor row of the extension, e.g. CO2.")
@click.option("--method", type=click.Choice(["mrio", "beet"]), default="mrio", show_default=True,
              help="Flow matrix variant: full MRIO attribution or bilateral trade (BEET).")
@click.option("--solver", type=click.Choice(["auto", "lu", "splu", "iterative"]), default="auto",
              show_default=True, help="Leontief solver (docs/io.md); auto picks GMRES for large tables.")
@out_csv
def mrio_cmd(directory, extension, stressor, method, solver, output):
    """Production- and consumption-based emissions of an MRIO saved by pymrio.

    DIRECTORY is a folder written by pymrio's IOSystem.save_all (EXIOBASE,
    WIOD, OECD, Eora, ... parsed with pymrio).  OUT: region,
    production_based, consumption_based, ...; OUT_flows.csv: region x region
    embodied emissions (rows producing, columns consuming); OUT_flows_long.csv:
    origin, destination, value for flow maps.
    """
    from spatial_carbon.inputoutput import calc_accounts, embodied_flows, flows_long
    from spatial_carbon.inputoutput.readers import read_pymrio

    mr = read_pymrio(directory, extension, stressor)
    acc = calc_accounts(mr, solver=solver)
    phi = embodied_flows(mr, method=method, solver=solver)
    write_csv(acc, output)
    write_csv(phi.reset_index(), _beside(output, "flows"))
    write_csv(flows_long(phi), _beside(output, "flows_long"))
    click.echo(f"accounts of {len(acc)} regions written to {output}")


COMMANDS = [io_transfer_cmd, io_shift_cmd, decompose_cmd, share_shift_cmd, mrio_cmd]
