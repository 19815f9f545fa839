"""Input–output commands: ``io-transfer``, ``io-shift``, ``decompose``, ``share-shift``, ``mrio``.

Each command parses, reads through :mod:`spatial_carbon.inputoutput.readers`, calls
the core in :mod:`spatial_carbon.inputoutput`, and writes CSVs atomically.  Methods
and formulas: ``docs/io.md``.
"""

from __future__ import annotations

from pathlib import Path

import click

from spatial_carbon._io import read_csv, write_csv
from spatial_carbon.cli._options import beside, out_csv, out_files


def _beside(output: str, suffix: str) -> Path:
    """``OUT_<suffix>.csv``: a table named after the main output (not with ``-o -``)."""
    return beside(output, suffix)


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
@click.option("--sectors", "concordance", default=None,
              help="Aggregate the tables (and the national table) with this bundled sector "
                   "concordance first, e.g. seed002_2017 (the 42 products of the 2017 tables to "
                   "the seed's 30 sectors; names, codes or Chinese names) or seed002_2012.")
@click.option("--national-table", type=click.Path(exists=True, dir_okay=False), default=None,
              help="The national IO table in the same stacked format (one region, e.g. China; "
                   "outflow and inflow 0): inflows are valued with its total multipliers, as "
                   "the seed does. Without it: output-weighted mean of the provinces' multipliers.")
@click.option("--sector-groups", default=None,
              help="Also write the seed's Table 6 per province and sector group to "
                   "OUT_sector_groups.csv: a bundled concordance, e.g. seed002_30_6.")
@click.option("--national-for", default="Tibet", show_default=True,
              help="Comma-separated provinces that take the national intensity when they have no "
                   "emission data (seed 002 footnote 3); '' for none.")
@out_files
def io_transfer_cmd(table, emissions, national_intensity, province_totals, national_emissions,
                    national_output, treatment, group, concordance, national_table, sector_groups,
                    national_for, output):
    """Embodied carbon in provinces' foreign and inter-provincial trade (seed 002).

    TABLE is a stacked CSV of single-region provincial IO tables: region,
    sector, one column per sector (intermediate flows), final_use, export,
    outflow, import, inflow, output.  OUT has one row per province (CE, CM,
    CEP, CMP, N, NP, T, CTT, CTTp, type, CMP_multipliers, intensity_source);
    OUT_sectors.csv holds the sector detail (ECC, PECC).
    """
    from spatial_carbon.inputoutput import trade_carbon_from_tables
    from spatial_carbon.inputoutput.provincial import aggregate_trade_regions, sector_group_carbon
    from spatial_carbon.inputoutput.readers import read_national_table, read_provincial_tables

    tables = read_provincial_tables(table)
    nat = read_national_table(national_table) if national_table else None
    nfor = [x.strip() for x in national_for.split(",") if x.strip()]
    route = {}
    if emissions:
        route["emissions"] = read_csv(emissions)
    elif national_intensity and province_totals:
        ni = read_csv(national_intensity)
        pt = read_csv(province_totals)
        for name, df, cols in (("--national-intensity", ni, ("sector", "intensity")),
                               ("--province-totals", pt, ("region", "emissions"))):
            if any(c not in df.columns for c in cols):
                raise click.BadParameter(f"needs columns {', '.join(cols)}", param_hint=name)
        if concordance:
            raise click.BadParameter("intensities are not additive: give --national-intensity in "
                                     "the aggregated sectors (or use --emissions)",
                                     param_hint="--national-intensity")
        route = {"national_intensity": ni.set_index(ni["sector"].astype(str))["intensity"],
                 "province_emissions": pt.set_index(pt["region"].astype(str))["emissions"],
                 "national_emissions": national_emissions, "national_output": national_output}
    else:
        raise click.UsageError("give --emissions, or --national-intensity with --province-totals")
    res = trade_carbon_from_tables(tables, **route, national_table=nat, concordance=concordance,
                                   national_for=nfor, treatment=treatment)
    write_csv(res.by_region, output)
    write_csv(res.by_sector, _beside(output, "sectors"))
    if group:
        write_csv(aggregate_trade_regions(res.by_region, group), _beside(output, "groups"))
    if sector_groups:
        write_csv(sector_group_carbon(res.by_sector, sector_groups), _beside(output, "sector_groups"))
    click.echo(f"trade carbon of {len(res.by_region)} provinces written to {output}", err=True)


@click.command("io-shift")
@click.argument("table0", type=click.Path(exists=True, dir_okay=False))
@click.argument("table1", type=click.Path(exists=True, dir_okay=False))
@click.option("--coefficients", default="seed003", show_default=True,
              help="Carbon coefficients applied to both periods: 'seed003' (the seed's Table 2, "
                   "2007, t CO2 per 10^4 yuan, 8 regions x 17 sectors; bundled) or a CSV region, "
                   "sector, coefficient (t CO2 per monetary unit of the tables).")
@click.option("--final-demand", type=click.Choice(["consumption", "all"]), default="consumption",
              show_default=True,
              help="Y of the seed's eq. 1: final consumption (household + government) or all "
                   "final demand incl. capital formation (docs/io.md).")
@click.option("--imports", type=click.Choice(["non_competitive", "competitive"]),
              default="non_competitive", show_default=True,
              help="non_competitive: imports removed from the intermediate and final blocks "
                   "(the seed's model); competitive: the table as given.")
@click.option("--no-exports", is_flag=True, help="Ignore export-driven transfer.")
@out_files
def io_shift_cmd(table0, table1, coefficients, final_demand, imports, no_exports, output):
    """Two-period interregional industrial and carbon transfer and leakage (seed 003).

    TABLE0 and TABLE1 are interregional IO tables of the two periods in the
    same constant prices (CSV or xlsx, two header rows region/item, two label
    columns region/sector; docs/io.md).  OUT: one row per ordered region
    pair; OUT_regions.csv per region and driver (the seed's Table 3);
    OUT_shares.csv inflow shares (Table 4); OUT_leakage.csv leakage per pair,
    both directions and net; OUT_emissions.csv emissions by driver (Table 5);
    OUT_sectors.csv per pair and sector; OUT_flows.csv net carbon flows and
    OUT_leakage_flows.csv leakage flows (origin, destination, value) for
    `spatial-carbon flow-map ... --scheme seed003_8`.
    """
    from spatial_carbon.inputoutput.readers import read_wide_table, split_wide
    from spatial_carbon.inputoutput.transfer import (
        inflow_shares, leakage_pairs, transfer_flows, transfer_from_tables,
    )

    parts = [split_wide(read_wide_table(t), where=str(t)) for t in (table0, table1)]
    S = None
    if coefficients != "seed003":
        if not Path(coefficients).is_file():
            raise click.BadParameter(f"{coefficients!r} is neither 'seed003' nor a file",
                                     param_hint="--coefficients")
        co = read_csv(coefficients)
        if any(c not in co.columns for c in ("region", "sector", "coefficient")):
            raise click.BadParameter("needs columns region, sector, coefficient", param_hint="--coefficients")
        S = co.set_index([co["region"].astype(str), co["sector"].astype(str)])["coefficient"].astype(float)
    res = transfer_from_tables(parts[0], parts[1], S, exports=not no_exports,
                               final_demand=final_demand, imports=imports)
    write_csv(res.pairs, output)
    write_csv(res.regions, _beside(output, "regions"))
    write_csv(inflow_shares(res), _beside(output, "shares"))
    write_csv(leakage_pairs(res), _beside(output, "leakage"))
    write_csv(res.emissions, _beside(output, "emissions"))
    write_csv(res.by_sector, _beside(output, "sectors"))
    write_csv(transfer_flows(res.pairs), _beside(output, "flows"))
    write_csv(transfer_flows(res.pairs, "leakage"), _beside(output, "leakage_flows"))
    click.echo(f"transfer between {len(res.regions)} regions written to {output} "
               f"(final demand: {final_demand}; imports: {imports})", err=True)


@click.command("decompose")
@click.argument("table", type=click.Path(exists=True, dir_okay=False))
@click.option("--from", "year0", required=True, type=int, help="Base year.")
@click.option("--to", "year1", required=True, type=int, help="Final year.")
@click.option("--energy-mix", is_flag=True,
              help="TABLE also has fuel and energy columns: split technique into energy "
                   "intensity, energy mix and emission factor.")
@click.option("--national", is_flag=True, help="One pooled decomposition instead of one per region.")
@click.option("--method", type=click.Choice(["lmdi", "growth"]), default="lmdi", show_default=True,
              help="lmdi: additive/multiplicative LMDI-I (exact, no residual); growth: the "
                   "growth-rate (environmental-effect) decomposition with a residual (docs/io.md).")
@click.option("--unit", default="t", show_default=True,
              help="Unit of the emissions column (names the absolute columns of --method growth).")
@out_csv
def decompose_cmd(table, year0, year1, energy_mix, national, method, unit, output):
    """Decomposition of emission change into scale, structure, technique (seed 000).

    TABLE is long: region, sector, year, output, emissions.  LMDI (default):
    OUT has one row per region: C0, C1, additive effects (emission units,
    summing exactly to total) and multiplicative factors D_* (product =
    C1/C0).  --method growth: growth shares scale, structure, technique,
    residual (adding up to (E1 - E0)/E0) and the same times E0 (<effect>_t).
    """
    from spatial_carbon.inputoutput.lmdi import lmdi_decompose
    from spatial_carbon.inputoutput.readers import read_long_table

    if method == "growth" and energy_mix:
        raise click.BadParameter("--energy-mix splits the LMDI technique effect; it does not apply "
                                 "to --method growth", param_hint="--energy-mix")
    need = ["region", "sector", "year", "output", "emissions"] + (["fuel", "energy"] if energy_mix else [])
    df = read_long_table(table, need)
    by = None if national else "region"
    if method == "growth":
        from spatial_carbon.inputoutput.growth import growth_decompose

        out = growth_decompose(df, year0, year1, by=by, unit=unit)
    else:
        out = lmdi_decompose(df, year0, year1, by=by, energy_mix=energy_mix)
    write_csv(out, output)
    click.echo(f"decomposition of {len(out)} region(s) written to {output}", err=True)


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
    click.echo(f"share-shift transfer of {len(out)} region(s) written to {output}", err=True)


@click.command("mrio")
@click.argument("directory", type=click.Path(exists=True, file_okay=False))
@click.option("--extension", required=True, help="Extension name, e.g. emissions / Emissions / air_emissions.")
@click.option("--stressor", required=True, help="Stressor row of the extension, e.g. CO2.")
@click.option("--method", type=click.Choice(["mrio", "beet"]), default="mrio", show_default=True,
              help="Flow matrix variant: full MRIO attribution or bilateral trade (BEET).")
@click.option("--solver", type=click.Choice(["auto", "lu", "splu", "iterative"]), default="auto",
              show_default=True, help="Leontief solver (docs/io.md); auto picks GMRES for large tables.")
@click.option("--allow-pickle", is_flag=True,
              help="Also read tables saved as pickles (.pkl). Unpickling runs code stored in "
                   "the files: only for folders you wrote yourself, never for downloads.")
@out_files
def mrio_cmd(directory, extension, stressor, method, solver, allow_pickle, output):
    """Production- and consumption-based emissions of an MRIO saved by pymrio.

    DIRECTORY is a folder written by pymrio's IOSystem.save_all (EXIOBASE,
    WIOD, OECD, Eora, ... parsed with pymrio).  OUT: region,
    production_based, consumption_based, ...; OUT_flows.csv: region x region
    embodied emissions (rows producing, columns consuming); OUT_flows_long.csv:
    origin, destination, value for flow maps.
    """
    from spatial_carbon.inputoutput import calc_accounts, embodied_flows, flows_long
    from spatial_carbon.inputoutput.readers import read_pymrio

    mr = read_pymrio(directory, extension, stressor, allow_pickle=allow_pickle)
    acc = calc_accounts(mr, solver=solver)
    phi = embodied_flows(mr, method=method, solver=solver)
    write_csv(acc, output)
    write_csv(phi.reset_index(), _beside(output, "flows"))
    write_csv(flows_long(phi), _beside(output, "flows_long"))
    click.echo(f"accounts of {len(acc)} regions written to {output}", err=True)


COMMANDS = [io_transfer_cmd, io_shift_cmd, decompose_cmd, share_shift_cmd, mrio_cmd]
