"""Fuel-use inventory: factor presets, unit handling, bad input, CLI."""

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from spatial_carbon import inventory as inv
from spatial_carbon.cli import main
from spatial_carbon.errors import (
    DuplicateRowError, InputError, MissingDataError, MissingFactorError, NegativeValueError,
    UnitError, UnknownRegionError,
)


def fuel_table(rows):
    return pd.DataFrame(rows, columns=["region", "year", "fuel", "amount", "unit"])


# ---------------------------------------------------------------- seed001


def test_seed001_raw_coal_hand_worked():
    # 100 x 10^4 t raw coal = 1.0e6 t
    # S = 0.7143 kgce/kg = 0.7143 tce/t ; D = 1.9003 t CO2/tce (as printed)
    # 0.7143 x 1.9003 = 1.35738429 ; x 1.0e6 t = 1,357,384.29 t CO2
    df = fuel_table([("北京", 2011, "原煤", 100, "10^4 t")])
    out = inv.emissions(df, "seed001")
    assert list(out.columns) == ["region_code", "region", "year", "CO2_t"]
    assert out.loc[0, "region_code"] == 110000 and out.loc[0, "region"] == "Beijing"
    assert out.loc[0, "CO2_t"] == pytest.approx(1_357_384.29, rel=1e-12)


def test_seed001_natural_gas_volume_units():
    # 2 x 10^8 m3 natural gas = 2.0e8 m3
    # S = 1.3300 kgce/m3 = 1.33e-3 tce/m3 ; D = 2.1655 t CO2/tce
    # 2.0e8 x 1.33e-3 = 266,000 tce ; x 2.1655 = 576,023.0 t CO2
    df = fuel_table([("Beijing", 2011, "天然气", 2, "亿立方米")])
    assert inv.emissions(df, "seed001")["CO2_t"].iloc[0] == pytest.approx(576_023.0, rel=1e-12)


def test_seed001_all_eight_fuels_sum():
    # one tonne (or m3) of each fuel: sum of S x D
    # coal .7143*1.9003=1.35738429 ; coke .9714*2.8604=2.77859256
    # crude 1.4286*3.0202=4.31465772 ; gasoline 1.4714*3.0426=4.47688164
    # kerosene 1.4714*3.0179=4.44053806 ; diesel 1.4571*3.0954=4.51030734
    # fuel oil 1.4286*3.1705=4.5293763 ; gas 1 m3: 1.33e-3*2.1655=0.002880115
    expected = (1.35738429 + 2.77859256 + 4.31465772 + 4.47688164 + 4.44053806
                + 4.51030734 + 4.5293763 + 0.002880115)
    fuels = ["原煤", "焦炭", "原油", "汽油", "煤油", "柴油", "燃料油"]
    rows = [("Hebei", 2010, f, 1, "t") for f in fuels] + [("Hebei", 2010, "天然气", 1, "m3")]
    out = inv.emissions(fuel_table(rows), "seed001")
    assert out["CO2_t"].iloc[0] == pytest.approx(expected, rel=1e-12)
    by = inv.emissions(fuel_table(rows), "seed001", by_fuel=True)
    assert len(by) == 8
    assert by["CO2_t"].sum() == pytest.approx(expected, rel=1e-12)


# ---------------------------------------------------------------- ipcc2006


def test_ipcc2006_raw_coal_derivation():
    # NCV 20,908 kJ/kg = 20.908 GJ/t (GB/T 2589-2008 Annex A, 5,000 kcal/kg);
    # carbon content 25.8 kg C/GJ (IPCC 2006 Vol.2 Ch.1 Table 1.3, other bituminous coal);
    # oxidation 1.  EF = 20.908 x 25.8 = 539.4264 kg C/t ; x 44/12 = 1977.8968 kg CO2/t.
    # Cross-check: IPCC 2006 Vol.2 Table 2.2 default 94,600 kg CO2/TJ x 0.020908 TJ/t = 1977.8968.
    f = inv.load_factors("ipcc2006").set_index("fuel")
    assert f.loc["Raw Coal", "ef_t_co2"] == pytest.approx(1.9778968, rel=1e-9)
    assert f.loc["Raw Coal", "ef_t_co2"] == pytest.approx(94_600e-6 * 20.908, rel=1e-9)
    assert f.loc["Raw Coal", "per_unit"] == "t"
    assert f.loc["Raw Coal", "basis_in"] == "C"
    # every number carries its source
    for c in ("ncv_source", "carbon_content_source", "oxidation_source"):
        assert f[c].str.len().min() > 20


def test_ipcc2006_natural_gas_and_diesel():
    # Natural gas: 38,931 kJ/m3 = 0.038931 GJ/m3 x 15.3 kg C/GJ = 0.5956443 kg C/m3
    #   x 44/12 = 2.18402910 kg CO2/m3 (Table 2.2: 56,100 kg CO2/TJ x 38.931e-6 TJ/m3 = 2.18403)
    # Diesel: 42.652 GJ/t x 20.2 = 861.5704 kg C/t x 44/12 = 3159.09147 kg CO2/t
    df = fuel_table([
        ("Shanxi", 2015, "natural_gas", 1.5, "10^8 m3"),
        ("Shanxi", 2015, "Diesel", 20, "10^4 t"),
    ])
    out = inv.emissions(df, "ipcc2006", by_fuel=True).set_index("fuel")
    assert out.loc["Natural Gas", "CO2_t"] == pytest.approx(1.5e8 * 2.1840291e-3, rel=1e-7)
    assert out.loc["Diesel Oil", "CO2_t"] == pytest.approx(20e4 * 3.15909147, rel=1e-8)


def test_unit_conversion_is_consistent():
    # the same coal in t, 10^4 t, kt and 万吨 gives the same CO2
    df = fuel_table([
        ("Beijing", 2011, "raw coal", 1.0e4, "t"),
        ("Tianjin", 2011, "raw coal", 1.0, "10^4 t"),
        ("Hebei", 2011, "raw coal", 10.0, "kt"),
        ("Shanxi", 2011, "raw coal", 1.0, "万吨"),
    ])
    out = inv.emissions(df)
    np.testing.assert_allclose(out["CO2_t"].to_numpy(), 1.0e4 * 1.9778968, rtol=1e-9)


def test_basis_c_is_co2_times_12_over_44():
    df = fuel_table([("Jilin", 2005, "coke", 3, "10^4 t")])
    co2 = inv.emissions(df)["CO2_t"].iloc[0]
    c = inv.emissions(df, basis="C")
    assert "C_t" in c.columns
    assert c["C_t"].iloc[0] == pytest.approx(co2 * 12 / 44)


@pytest.mark.parametrize(
    "name, canon",
    [("原煤", "Raw Coal"), ("焦炭", "Coke"), ("原油", "Crude Oil"), ("汽油", "Gasoline"),
     ("煤油", "Kerosene"), ("柴油", "Diesel Oil"), ("燃料油", "Fuel Oil"), ("天然气", "Natural Gas"),
     ("RAW_COAL", "Raw Coal"), ("  natural   gas ", "Natural Gas"), ("Diesel_Oil", "Diesel Oil"),
     ("Crude-Oil", "Crude Oil"), ("Biogas", "Biogas")],
)
def test_fuel_names_normalised(name, canon):
    assert inv.normalize_fuel(name) == canon


def test_region_years_sorted_and_aggregated():
    df = fuel_table([
        ("Hebei", 2012, "coke", 1, "t"), ("Beijing", 2012, "coke", 1, "t"),
        ("Beijing", 2011, "coke", 1, "t"), ("Beijing", 2011, "diesel", 1, "t"),
    ])
    out = inv.emissions(df)
    assert list(zip(out["region"], out["year"])) == [
        ("Beijing", 2011), ("Beijing", 2012), ("Hebei", 2012)]


def test_input_not_modified():
    df = fuel_table([("北京", 2011, "原煤", 100, "10^4 t"), ("Hebei", 2011, "天然气", 2, "亿立方米")])
    before = df.copy()
    inv.emissions(df, "seed001", by_fuel=True)
    pd.testing.assert_frame_equal(df, before)


# ---------------------------------------------------------------- user factor tables


def test_user_factor_file_direct_ef(tmp_path):
    p = tmp_path / "f.csv"
    p.write_text(
        "# my factors\nfuel,ef,ef_unit,source\n"
        "原煤,2.0,t CO2/t,test value\n"
        "天然气,20000,t CO2/10^8 m3,test value\n"
        "Biogas,0.5,t C/t,test value\n",
        encoding="utf-8",
    )
    df = fuel_table([
        ("Beijing", 2011, "Raw Coal", 3, "10^4 t"),      # 3e4 t x 2.0 = 60,000
        ("Beijing", 2011, "natural gas", 1e6, "m3"),     # 1e6 m3 = 0.01 x 10^8 m3 x 20000 = 200
        ("Beijing", 2011, "biogas", 12, "t"),            # 12 t x 0.5 t C/t = 6 t C = 22 t CO2
    ])
    out = inv.emissions(df, p)
    assert out["CO2_t"].iloc[0] == pytest.approx(60_000 + 200 + 22)


def test_user_factor_frame_ncv_layout():
    tab = pd.DataFrame({
        "fuel": ["coal"], "per_unit": ["10^4 t"], "ncv": [209.08], "ncv_unit": ["TJ/10^4 t"],
        "carbon_content": [25.8], "carbon_content_unit": ["t C/TJ"], "oxidation": [0.9],
    })
    f = inv.load_factors(tab)
    # 209.08 TJ per 10^4 t = 209,080 GJ x 25.8 kg C/GJ x 0.9 x 44/12 / 1000 = 17,801.07 t CO2 per 10^4 t
    assert f["ef_t_co2"].iloc[0] == pytest.approx(209_080 * 25.8e-3 * 0.9 * 44 / 12)
    assert f["fuel"].iloc[0] == "Raw Coal"


def test_user_factor_file_not_modified(tmp_path):
    tab = pd.DataFrame({"fuel": ["coke"], "ef": [3.0], "ef_unit": ["t CO2/t"]})
    before = tab.copy()
    inv.load_factors(tab)
    pd.testing.assert_frame_equal(tab, before)


@pytest.mark.parametrize(
    "table, err, match",
    [
        (pd.DataFrame({"fuel": ["coke"], "value": [1.0]}), InputError, "not a factor table"),
        (pd.DataFrame({"fuel": ["coke", "焦炭"], "ef": [1, 2], "ef_unit": ["t CO2/t"] * 2}),
         DuplicateRowError, "listed more than once.*Coke"),
        (pd.DataFrame({"fuel": ["coke"], "ef": [-1.0], "ef_unit": ["t CO2/t"]}),
         InputError, "must be positive"),
        (pd.DataFrame({"fuel": ["coke"], "ef": ["abc"], "ef_unit": ["t CO2/t"]}),
         InputError, "must be positive numbers"),
        (pd.DataFrame({"fuel": ["coke"], "ef": [1.0], "ef_unit": ["t CO2"]}),
         UnitError, "numerator/denominator"),
        (pd.DataFrame({"fuel": ["coke"], "ef": [1.0], "ef_unit": ["t CH4/t"]}),
         UnitError, "mass of CO2 or C"),
        (pd.DataFrame({"fuel": ["coke"], "ef": [1.0], "ef_unit": ["t CO2/barrel"]}),
         UnitError, "unknown unit 'barrel'"),
        (pd.DataFrame({"fuel": ["coke"], "ef": [1.0], "ef_unit": ["t CO2/t"], "per_unit": ["m3"]}),
         UnitError, "mass vs volume"),
        (pd.DataFrame({"fuel": ["coke"], "per_unit": ["t"], "ncv": [28435], "ncv_unit": ["kJ/kg"],
                       "carbon_content": [29.2], "carbon_content_unit": ["kg C/GJ"],
                       "oxidation": [98]}), InputError, "oxidation factor 98.0 is not in"),
        (pd.DataFrame({"fuel": ["coke"], "per_unit": ["t"], "ncv": [28435], "ncv_unit": ["kcal/kg"],
                       "carbon_content": [29.2], "carbon_content_unit": ["kg C/GJ"],
                       "oxidation": [1]}), UnitError, "must be kJ, MJ, GJ"),
        (pd.DataFrame({"fuel": ["coke"], "per_unit": ["t"], "ncv": [28435], "ncv_unit": ["kJ/kg"],
                       "carbon_content": [29.2], "carbon_content_unit": ["%"],
                       "oxidation": [1]}), UnitError, "kg C/GJ"),
        (pd.DataFrame({"fuel": ["gas"], "per_unit": ["m3"], "standard_coal": [1.33],
                       "standard_coal_unit": ["kgce/kg"], "co2_per_tce": [2.1],
                       "co2_per_tce_unit": ["t CO2/tce"]}), UnitError, "mass vs volume"),
    ],
    ids=["layout", "duplicate", "negative", "text", "no-ratio", "ch4", "unknown-unit",
         "per-unit-dim", "oxidation", "kcal", "cc-unit", "sd-dim"],
)
def test_bad_factor_tables(table, err, match):
    with pytest.raises(err, match=match):
        inv.load_factors(table)


def test_factor_path_missing():
    with pytest.raises(InputError, match="neither a preset .*ipcc2006, seed001.* nor an existing"):
        inv.load_factors("ipcc1996")


# ---------------------------------------------------------------- bad fuel tables


def test_mass_amount_against_volume_factor_names_the_row():
    df = fuel_table([("Beijing", 2011, "coke", 1, "t"), ("Hebei", 2012, "天然气", 5, "10^4 t")])
    with pytest.raises(UnitError, match=r"unit '10\^4 t' in row 2 \(Hebei, 2012, 天然气\).*per m3"):
        inv.emissions(df, "seed001")


def test_unknown_unit():
    df = fuel_table([("Beijing", 2011, "coke", 1, "barrels")])
    with pytest.raises(UnitError, match="unknown unit 'barrels'"):
        inv.emissions(df)


def test_unknown_region():
    df = fuel_table([("Pekingg", 2011, "coke", 1, "t")])
    with pytest.raises(UnknownRegionError, match="Pekingg"):
        inv.emissions(df)


def test_duplicate_region_year_fuel_after_normalisation():
    df = fuel_table([("Beijing", 2011, "原煤", 1, "t"), ("北京市", 2011, "Raw_Coal", 2, "t")])
    with pytest.raises(DuplicateRowError, match=r"row 1 \(Beijing, 2011, 原煤\), row 2"):
        inv.emissions(df)


def test_missing_factor_lists_missing_and_available():
    df = fuel_table([("Beijing", 2011, "LPG", 1, "t"), ("Beijing", 2011, "焦炉煤气", 1, "m3")])
    with pytest.raises(
        MissingFactorError,
        match=r"seed001 for fuel\(s\) \['Coke Oven Gas', 'LPG'\]; available: Raw Coal, Coke",
    ):
        inv.emissions(df, "seed001")


def test_negative_amount_says_where():
    df = fuel_table([("Beijing", 2011, "coke", 1, "t"), ("Hebei", 2012, "coke", -3, "t")])
    with pytest.raises(NegativeValueError, match=r"negative fuel use in row 2 \(Hebei, 2012, coke\)"):
        inv.emissions(df)


def test_empty_amount():
    df = fuel_table([("Beijing", 2011, "coke", None, "t")])
    with pytest.raises(MissingDataError, match=r"empty amount in row 1 \(Beijing, 2011, coke\)"):
        inv.emissions(df)


def test_non_numeric_amount_and_year():
    with pytest.raises(InputError, match="amount 'lots' in row 1"):
        inv.emissions(fuel_table([("Beijing", 2011, "coke", "lots", "t")]))
    with pytest.raises(InputError, match="year '2011.5' in row 1 is not a whole number"):
        inv.emissions(fuel_table([("Beijing", "2011.5", "coke", 1, "t")]))


def test_missing_columns():
    df = pd.DataFrame({"region": ["Beijing"], "year": [2011], "fuel": ["coke"], "amount": [1]})
    with pytest.raises(InputError, match=r"missing column\(s\) \['unit'\]"):
        inv.emissions(df)


def test_bad_basis():
    with pytest.raises(UnitError, match="gas basis"):
        inv.emissions(fuel_table([("Beijing", 2011, "coke", 1, "t")]), basis="CH4")


# ---------------------------------------------------------------- CLI


def test_cli_emissions_end_to_end(tmp_path):
    src = tmp_path / "fuel.csv"
    src.write_text(
        "region,year,fuel,amount,unit\n北京,2011,原煤,100,万吨\nBeijing,2011,天然气,2,亿立方米\n",
        encoding="utf-8",
    )
    before = src.read_bytes()
    out = tmp_path / "out" / "co2.csv"
    res = CliRunner().invoke(main, ["emissions", str(src), "--factors", "seed001", "-o", str(out)])
    assert res.exit_code == 0, res.output
    got = pd.read_csv(out, encoding="utf-8-sig")
    assert list(got.columns) == ["region_code", "region", "year", "CO2_t"]
    # 1,357,384.29 (coal, see above) + 576,023.0 (gas) = 1,933,407.29 t CO2
    assert got["CO2_t"].iloc[0] == pytest.approx(1_933_407.29, rel=1e-12)
    assert src.read_bytes() == before

    fac = tmp_path / "fac.csv"
    fac.write_text("fuel,ef,ef_unit\n原煤,2,t CO2/t\n天然气,2,kg CO2/m3\n", encoding="utf-8")
    out2 = tmp_path / "co2_user.csv"
    res = CliRunner().invoke(
        main, ["emissions", str(src), "--factors", str(fac), "--by-fuel", "-o", str(out2)])
    assert res.exit_code == 0, res.output
    got = pd.read_csv(out2, encoding="utf-8-sig").set_index("fuel")
    assert got.loc["Raw Coal", "CO2_t"] == pytest.approx(2e6)
    assert got.loc["Natural Gas", "CO2_t"] == pytest.approx(4e5)


def test_cli_emissions_error_message_and_no_output(tmp_path):
    src = tmp_path / "fuel.csv"
    src.write_text("region,year,fuel,amount,unit\nBeijing,2011,原煤,-1,万吨\n", encoding="utf-8")
    out = tmp_path / "co2.csv"
    res = CliRunner().invoke(main, ["emissions", str(src), "-o", str(out)])
    assert res.exit_code == 2
    assert "negative fuel use in row 1 (Beijing, 2011, 原煤)" in res.output
    assert not out.exists()


# ---------------------------------------------------------------- wide tables


def test_wide_yearbook_table_units_in_headers():
    w = pd.DataFrame({"地区": ["北京", "河北"], "原煤(万吨)": [100, None],
                      "天然气（亿立方米）": [2, 1]})
    before = w.copy()
    long = inv.fuel_table_from_wide(w, year=2011, blank="zero")
    pd.testing.assert_frame_equal(w, before)
    assert len(long) == 4 and set(long["unit"]) == {"万吨", "亿立方米"}
    out = inv.emissions(long, "seed001").set_index("region")["CO2_t"]
    # Beijing: 1,357,384.29 (coal) + 576,023.0 (gas) ; Hebei: 0 coal + 1e8 m3 x 1.33e-3 x 2.1655
    assert out["Beijing"] == pytest.approx(1_933_407.29, rel=1e-12)
    assert out["Hebei"] == pytest.approx(288_011.5, rel=1e-12)


def test_wide_table_unit_argument_and_blanks():
    w = pd.DataFrame({"region": ["Beijing"], "year": [2012], "Raw Coal": [1.0], "Coke": [None]})
    long = inv.fuel_table_from_wide(w, {"原煤": "10^4 t", "coke": "t"})
    assert long.set_index("fuel")["unit"].to_dict() == {"Raw Coal": "10^4 t", "Coke": "t"}
    with pytest.raises(MissingDataError, match=r"empty amount in row 2 \(Beijing, 2012, Coke\)"):
        inv.emissions(long)
    with pytest.raises(InputError, match="column 'Raw Coal' has no unit"):
        inv.fuel_table_from_wide(w)
    with pytest.raises(InputError, match="no year column"):
        inv.fuel_table_from_wide(w.drop(columns="year"), "t")
    with pytest.raises(InputError, match="no region column"):
        inv.fuel_table_from_wide(w.rename(columns={"region": "where"}), "t")
    with pytest.raises(InputError, match="blank must be"):
        inv.fuel_table_from_wide(w, "t", blank="skip")


def test_empty_unit_names_the_row():
    df = fuel_table([("Beijing", 2011, "coke", 1, None)])
    with pytest.raises(UnitError, match=r"empty unit in row 1 \(Beijing, 2011, coke\)"):
        inv.emissions(df)


def test_cli_emissions_wide(tmp_path):
    src = tmp_path / "wide.csv"
    src.write_text("地区,原煤(万吨),天然气(亿立方米)\n北京,100,2\n河北,,1\n", encoding="utf-8")
    out = tmp_path / "co2.csv"
    res = CliRunner().invoke(main, ["emissions", str(src), "--factors", "seed001", "--wide",
                                    "--year", "2011", "--blank-zero", "-o", str(out)])
    assert res.exit_code == 0, res.output
    got = pd.read_csv(out, encoding="utf-8-sig").set_index("region")["CO2_t"]
    assert got["Beijing"] == pytest.approx(1_933_407.29, rel=1e-12)
    res = CliRunner().invoke(main, ["emissions", str(src), "--year", "2011", "-o", str(out)])
    assert res.exit_code == 2 and "need --wide" in res.output
