"""Tests of spatial_carbon.footprint (seed 001 formulas), values worked by hand.

NEP forest 3.8096, grassland 0.9482 t hm^-2 a^-1 (Xie et al. 2008).
"""

import numpy as np
import pandas as pd
import pytest

from spatial_carbon import footprint as F
from spatial_carbon.errors import (
    DuplicateRowError,
    InputError,
    MissingDataError,
    NegativeValueError,
    UnitError,
    UnmatchedRegionsWarning,
    ZeroCapacityError,
)
from spatial_carbon.errors import DataQualityWarning


def _sinks():
    # Beijing: forest sink only; Hebei: grassland only.
    # Nationally CS_f = 300, CS_g = 100 -> P_f = 0.75, P_g = 0.25 (national shares)
    return pd.DataFrame({
        "region": ["Beijing", "Hebei"], "year": [2011, 2011],
        "CS_forest": [300.0, 0.0], "CS_grassland": [0.0, 100.0], "CS": [300.0, 100.0],
    })


def _ice():
    return pd.DataFrame({"region": ["Beijing", "Hebei"], "year": [2011, 2011], "CO2_t": [3094.25, 30.9425]})


def test_compute_national_shares_hand_worked():
    fp = F.compute(_ice(), _sinks())
    assert list(fp.columns[:11]) == list(F.CORE_COLUMNS)
    bj, hb = fp.iloc[0], fp.iloc[1]
    # D = 3.8096 * 0.75 + 0.9482 * 0.25 = 2.8572 + 0.23705 = 3.09425 t/hm2/a
    np.testing.assert_allclose(fp["D_t_per_hm2_a"], 3.09425)
    np.testing.assert_allclose([bj["P_forest"], bj["P_grassland"]], [0.75, 0.25])
    # Beijing: ICF = 3094.25 / 3.09425 = 1000; CEC = 300 / 3.09425 = 96.9540...
    cec_bj = 300 / 3.09425
    np.testing.assert_allclose(bj["ICF"], 1000.0)
    np.testing.assert_allclose(bj["CEC"], cec_bj)
    # deficit: ICD = 1000 - 96.954 = 903.046; ICS = 0; size = CEC; depth = 1 + ICD / CEC = 10.3142
    np.testing.assert_allclose(bj["ICD"], 1000.0 - cec_bj)
    assert bj["ICS"] == 0.0
    np.testing.assert_allclose(bj["ICF_size"], cec_bj)
    np.testing.assert_allclose(bj["ICF_depth"], 1 + (1000.0 - cec_bj) / cec_bj)
    np.testing.assert_allclose(bj["ICF_depth"], 3094.25 / 300)  # = ICF/CEC when in deficit
    # Hebei: ICF = 10, CEC = 100 / 3.09425 = 32.318; surplus ICS = 22.318, depth 1, size = ICF
    np.testing.assert_allclose(hb["ICF"], 10.0)
    assert hb["ICD"] == 0.0
    np.testing.assert_allclose(hb["ICS"], 100 / 3.09425 - 10.0)
    np.testing.assert_allclose(hb["ICF_size"], 10.0)
    assert hb["ICF_depth"] == 1.0
    assert set(fp["basis"]) == {"CO2"}
    assert not fp.attrs  # metadata travels in columns (basis, P_<class>, D_t_per_hm2_a)


def test_regional_and_fixed_shares():
    fp = F.compute(_ice(), _sinks(), shares="regional")
    # Beijing only forest -> D = 3.8096: ICF = 3094.25 / 3.8096 = 812.2243...
    np.testing.assert_allclose(fp["D_t_per_hm2_a"], [3.8096, 0.9482])
    np.testing.assert_allclose(fp.loc[0, "ICF"], 3094.25 / 3.8096)
    np.testing.assert_allclose(fp.loc[1, "CEC"], 100 / 0.9482)
    fp = F.compute(_ice(), _sinks(), shares={"forest": 0.5, "grassland": 0.5})
    # D = (3.8096 + 0.9482) / 2 = 2.3789
    np.testing.assert_allclose(fp["D_t_per_hm2_a"], 2.3789)
    np.testing.assert_allclose(fp.loc[0, "ICF"], 3094.25 / 2.3789)


def test_basis_and_units_of_ice():
    # 44 t CO2 = 12 t C; with basis C, ICF = 12 / D
    ice = pd.DataFrame({"region": ["Beijing", "Hebei"], "year": [2011, 2011], "CO2_t": [44.0, 0.0]})
    fp = F.compute(ice, _sinks(), basis="C")
    np.testing.assert_allclose(fp.loc[0, "ICE"], 12.0)
    np.testing.assert_allclose(fp.loc[0, "ICF"], 12.0 / 3.09425)
    assert set(fp["basis"]) == {"C"}
    # Mt and 10^4 t spellings are converted to t
    ice_mt = pd.DataFrame({"province": ["北京", "河北"], "year": [2011, 2011], "CO2_Mt": [0.00309425, 0.0000309425]})
    np.testing.assert_allclose(F.compute(ice_mt, _sinks())["ICF"], [1000.0, 10.0])
    # C input with CO2 basis: 12 t C -> 44 t CO2
    ice_c = pd.DataFrame({"region": ["Beijing", "Hebei"], "year": [2011, 2011], "C_t": [12.0, 0.0]})
    np.testing.assert_allclose(F.compute(ice_c, _sinks(), basis="CO2").loc[0, "ICE"], 44.0)


def test_per_capita_and_national():
    fp = F.compute(_ice(), _sinks())
    pop = pd.DataFrame({"region": ["Beijing", "Hebei"], "year": [2011, 2011],
                        "population_10^4persons": [0.05, 0.01]})  # 500 and 100 persons
    pc = F.per_capita(fp, pop)
    np.testing.assert_allclose(pc["population"], [500.0, 100.0])
    # Beijing ICF_pc = 1000 / 500 = 2 hm2/person; Hebei ICF_size_pc = 10 / 100 = 0.1
    np.testing.assert_allclose(pc["ICF_pc"], [2.0, 0.1])
    np.testing.assert_allclose(pc["CEC_pc"], [300 / 3.09425 / 500, 100 / 3.09425 / 100])
    np.testing.assert_allclose(pc.loc[1, "ICF_size_pc"], 0.1)
    nat = F.national(fp, pop)
    row = nat.iloc[0]
    # national ICF = 1010, CEC = 400 / 3.09425 = 129.272; ICD = 880.728 (offsets Hebei's surplus)
    cec = 400 / 3.09425
    np.testing.assert_allclose([row["ICF"], row["CEC"]], [1010.0, cec])
    np.testing.assert_allclose(row["ICD"], 1010.0 - cec)
    assert row["ICS"] == 0.0
    np.testing.assert_allclose(row["ICF_depth"], 1010.0 / cec)
    np.testing.assert_allclose(row["ICF_pc"], 1010.0 / 600)
    assert row["n_regions"] == 2
    # with compute(population=...) the same per-capita columns
    pd.testing.assert_frame_equal(F.compute(_ice(), _sinks(), population=pop), pc)


def test_growth_rates_and_projection():
    s = pd.DataFrame({"year": [2000, 2005, 2011], "ICF": [100.0, 150.0, 200.0], "ICD": [0.0, 1.0, 2.0]})
    g = F.growth_rates(s, [(2000, 2011), "2005-2011"])
    r = g.set_index(["indicator", "start"])
    # (200/100)^(1/11) - 1 = 2^(1/11) - 1 = 0.065041...
    np.testing.assert_allclose(r.loc[("ICF", 2000), "growth_rate_per_year"], 2 ** (1 / 11) - 1)
    np.testing.assert_allclose(r.loc[("ICF", 2005), "growth_rate_per_year"], (200 / 150) ** (1 / 6) - 1)
    assert np.isnan(r.loc[("ICD", 2000), "growth_rate_per_year"]) and "<= 0" in r.loc[("ICD", 2000), "note"]
    p = F.project_cec(pd.DataFrame({"year": [2000, 2001, 2002], "CEC": [1.0, 3.0, 5.0]}), 2010)
    # y = 2 t - 3999 exactly; at 2010: 21
    np.testing.assert_allclose(p.loc[0, ["slope", "intercept", "r2", "projected"]].astype(float),
                               [2.0, -3999.0, 1.0, 21.0])
    assert p.loc[0, "n_fit_years"] == 3 and "n" not in p.columns  # n means regions elsewhere
    # per region
    fp = pd.DataFrame({"region_code": [1, 1, 2, 2], "region": ["a", "a", "b", "b"],
                       "year": [2000, 2001, 2000, 2001], "CEC": [1.0, 2.0, 5.0, 5.0]})
    p = F.project_cec(fp, 2003)
    np.testing.assert_allclose(p["projected"], [4.0, 5.0])
    assert np.isnan(p.loc[1, "r2"])
    # a constant series whose mean is not exactly representable: slope exactly 0, r2 NaN
    c = F.project_cec(pd.DataFrame({"year": range(1997, 2020), "CEC": [0.1 + 0.2] * 23}), 2030)
    assert c.loc[0, "slope"] == 0.0 and np.isnan(c.loc[0, "r2"])
    np.testing.assert_allclose(c.loc[0, "projected"], 0.1 + 0.2)


def test_national_growth_rates_compare_the_regions_with_data_in_both_years():
    # region 1 has data in 2000 and 2005, region 2 only in 2005 (a sparse city panel)
    fp = pd.DataFrame({"region_code": [1, 1, 2], "region": ["a", "a", "b"],
                       "year": [2000, 2005, 2005], "ICE": [10.0, 12.1, 50.0],
                       "CS": [4.0, 4.0, 1.0], "ICF": [100.0, 121.0, 500.0],
                       "CEC": [40.0, 40.0, 10.0]})
    g = F.national_growth_rates(fp, [(2000, 2005)]).set_index("indicator")
    # over region 1 only: ICF (121/100)^(1/5) - 1 = 1.1^(2/5) - 1 = 0.038860...;
    # the yearly sums would give (621/100)^(1/5) - 1 = 0.4406 (growth of coverage)
    np.testing.assert_allclose(g.loc["ICF", "growth_rate_per_year"], 1.1 ** 0.4 - 1, rtol=1e-14)
    np.testing.assert_allclose(g.loc["ICF", ["start_value", "end_value"]].astype(float),
                               [100.0, 121.0])
    np.testing.assert_allclose(g.loc["CEC", "growth_rate_per_year"], 0.0, atol=1e-15)
    assert g.loc["ICF", "note"] == ("over the 1 region(s) with data in both years "
                                    "(1 in 2000, 2 in 2005)")
    # ICS is 0 in both years: the undefined rate keeps its reason after the set
    assert g.loc["ICS", "note"].endswith("; start value 0 <= 0: rate undefined")
    # the same regions in both years: exactly growth_rates of national (the province study)
    full = fp[fp["region_code"] == 1]
    pd.testing.assert_frame_equal(F.national_growth_rates(full, ["2000-2005"]),
                                  F.growth_rates(F.national(full), ["2000-2005"]))
    with pytest.raises(MissingDataError, match="no region has data in both 2000 and 2005"):
        F.national_growth_rates(fp[fp.index != 1].assign(region_code=[1, 2]), [(2000, 2005)])
    with pytest.raises(MissingDataError, match="no rows for year"):
        F.national_growth_rates(fp, [(2000, 2010)])


def test_inputs_not_modified():
    ice, s = _ice(), _sinks()
    i0, s0 = ice.copy(), s.copy()
    F.compute(ice, s)
    pd.testing.assert_frame_equal(ice, i0)
    pd.testing.assert_frame_equal(s, s0)


def test_duplicate_region_year():
    ice = pd.concat([_ice(), _ice().iloc[[0]].assign(region="北京")])
    with pytest.raises(DuplicateRowError, match="region=Beijing, year=2011"):
        F.compute(ice, _sinks())


def test_coverage_mismatch_lists_region_years():
    ice = pd.concat([_ice(), pd.DataFrame({"region": ["Beijing"], "year": [1997], "CO2_t": [1.0]})])
    with pytest.raises(MissingDataError, match="only in the ICE table: Beijing 1997"):
        F.compute(ice, _sinks())
    more = pd.concat([_sinks(), _sinks().iloc[[1]].assign(year=2012)], ignore_index=True)
    with pytest.raises(MissingDataError, match="only in the sinks table: Hebei 2012"):
        F.compute(_ice(), more)


def test_regions_with_sinks_but_no_emissions_are_left_out_with_one_warning():
    """A 34-unit province layer gives sinks for Tibet, Hong Kong, Macau and
    Taiwan, which CEADs lacks: left out of the footprint, never an error."""
    with pytest.warns(UnmatchedRegionsWarning, match="1 region.*no emission data.*Hebei") as rec:
        fp = F.compute(_ice().iloc[[0]], _sinks())
    assert len([w for w in rec if issubclass(w.category, UnmatchedRegionsWarning)]) == 1
    assert fp["region"].tolist() == ["Beijing"]
    # national shares over the regions analysed: Beijing's forest only -> D = NEP_f = 3.8096
    np.testing.assert_allclose(fp["D_t_per_hm2_a"], 3.8096)


def test_zero_capacity_names_region_year():
    s = _sinks().assign(CS_grassland=[0.0, 0.0], CS=[300.0, 0.0])
    with pytest.raises(ZeroCapacityError, match="CEC = 0.*Hebei 2011"):
        F.compute(_ice(), s)


def test_negative_values():
    with pytest.raises(NegativeValueError, match="CO2_t"):
        F.compute(_ice().assign(CO2_t=[-1.0, 1.0]), _sinks())
    with pytest.raises(NegativeValueError, match="'CS_forest'.*Beijing/2011"):
        F.compute(_ice(), _sinks().assign(CS_forest=[-300.0, 0.0], CS=[300.0, 100.0]))


def test_missing_population_names_years():
    fp = F.compute(_ice(), _sinks())
    pop = pd.DataFrame({"region": ["Beijing", "Hebei"], "year": [2012, 2012], "population": [1.0, 1.0]})
    with pytest.raises(MissingDataError, match="population missing for year\\(s\\) 2011"):
        F.per_capita(fp, pop)
    with pytest.raises(MissingDataError, match="no rows for year\\(s\\) 1999"):
        F.per_capita(fp, pop, years=[1999])


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"basis": "CH4"}, UnitError, "gas basis"),
        ({"shares": {"forest": 0.5, "grassland": 0.4}}, InputError, "sum to 1"),
        ({"shares": {"shrub": 1.0}}, InputError, "no sink column"),
        ({"shares": "global"}, InputError, "national"),
    ],
    ids=["basis", "shares-sum", "shares-class", "shares-name"],
)
def test_bad_options(kwargs, error, match):
    with pytest.raises(error, match=match):
        F.compute(_ice(), _sinks(), **kwargs)


def test_bad_tables():
    with pytest.raises(InputError, match="CO2_t, CO2_Mt"):
        F.compute(_ice().rename(columns={"CO2_t": "emissions"}), _sinks())
    with pytest.raises(UnitError, match="not a mass unit"):
        F.compute(_ice().rename(columns={"CO2_t": "CO2_m3"}), _sinks())
    with pytest.raises(MissingDataError, match="no absorption rate"):
        F.compute(_ice(), _sinks().assign(CS_shrub=0.0))
    with pytest.raises(InputError, match="not the sum"):
        F.compute(_ice(), _sinks().assign(CS=[1.0, 100.0]))
    with pytest.raises(MissingDataError, match="2011"):
        F.growth_rates(pd.DataFrame({"year": [2000, 2001], "ICF": [1.0, 2.0]}), [(2000, 2011)])
    with pytest.raises(InputError, match="after the start"):
        F.growth_rates(pd.DataFrame({"year": [2000, 2001], "ICF": [1.0, 2.0]}), [(2001, 2000)])
    with pytest.raises(MissingDataError, match="two years"):
        F.project_cec(pd.DataFrame({"year": [2000], "CEC": [1.0]}), 2030)


def test_cli_sinks_footprint_end_to_end(tmp_path):
    from click.testing import CliRunner

    from spatial_carbon import _io
    from spatial_carbon.cli import main

    areas = pd.DataFrame({
        "region": ["Beijing", "Beijing", "Hebei", "Hebei"], "year": [2011] * 4,
        "sink_class": ["forest", "cropland", "grassland", "forest"],
        "area_hm2": [100.0, 5.0, 200.0, 0.0],
    })
    _io.write_csv(areas, tmp_path / "areas.csv")
    _io.write_csv(pd.DataFrame({"region": ["ALL", "ALL"], "class": ["forest", "grassland"],
                                "factor": [1.0, 1.0]}), tmp_path / "factors.csv")
    run = CliRunner().invoke
    r = run(main, ["sinks", "--areas", str(tmp_path / "areas.csv"), "--factors",
                   str(tmp_path / "factors.csv"), "-o", str(tmp_path / "sinks.csv")])
    assert r.exit_code == 0, r.output
    assert "cropland" in r.output
    s = _io.read_csv(tmp_path / "sinks.csv")
    # Beijing 3.8096 * 100 = 380.96; Hebei 0.9482 * 200 = 189.64
    np.testing.assert_allclose(s["CS"], [380.96, 189.64])
    _io.write_csv(pd.DataFrame({"region": ["北京", "河北"], "year": [2011, 2011], "CO2_Mt": [1.0, 0.5]}),
                  tmp_path / "ice.csv")
    _io.write_csv(pd.DataFrame({"region": ["Beijing", "Hebei"], "year": [2011, 2011],
                                "population_10^4persons": [2000.0, 7000.0]}), tmp_path / "pop.csv")
    r = run(main, ["footprint", "--ice", str(tmp_path / "ice.csv"), "--sinks", str(tmp_path / "sinks.csv"),
                   "--population", str(tmp_path / "pop.csv"), "--shares", "forest=0.5,grassland=0.5",
                   "--basis", "C", "-o", str(tmp_path / "fp.csv")])
    assert r.exit_code == 0, r.output
    fp = _io.read_csv(tmp_path / "fp.csv")
    assert set(F.CORE_COLUMNS + F.PER_CAPITA_COLUMNS) <= set(fp.columns)
    # Beijing: ICE = 1e6 t CO2 * 12/44 = 272727.27 t C; D = 2.3789 -> ICF = 114644.1 hm2
    np.testing.assert_allclose(fp.loc[0, "ICF"], 1e6 * 12 / 44 / 2.3789)
    np.testing.assert_allclose(fp.loc[0, "ICF_pc"], 1e6 * 12 / 44 / 2.3789 / 2e7)
    assert set(fp["basis"]) == {"C"}
    r = run(main, ["footprint", "--ice", str(tmp_path / "ice.csv"), "--sinks", str(tmp_path / "sinks.csv"),
                   "--shares", "forest:1", "-o", str(tmp_path / "bad.csv")])
    assert r.exit_code == 2 and "--shares" in r.output
    # a typed error becomes a message, no output file
    _io.write_csv(pd.DataFrame({"region": ["Beijing", "Hebei"], "year": [2011, 2012],
                                "CO2_Mt": [1.0, 1.0]}), tmp_path / "ice1.csv")
    r = run(main, ["footprint", "--ice", str(tmp_path / "ice1.csv"), "--sinks", str(tmp_path / "sinks.csv"),
                   "-o", str(tmp_path / "bad.csv")])
    assert r.exit_code == 2 and "only in the sinks table: Hebei 2011" in r.output
    assert not (tmp_path / "bad.csv").exists()


def test_national_with_partial_population_years_and_nep_shortcuts():
    ice = pd.concat([_ice(), _ice().assign(year=2012)])
    s = pd.concat([_sinks(), _sinks().assign(year=2012)])
    fp = F.compute(ice, s)
    pop = pd.DataFrame({"region": ["Beijing", "Hebei"], "year": [2012, 2012], "population": [500.0, 100.0]})
    pc = F.per_capita(fp, pop, years=[2012])
    merged = fp.merge(pc[["region_code", "year", "population", *F.PER_CAPITA_COLUMNS]],
                      on=["region_code", "year"], how="left")
    nat = F.national(merged).set_index("year")
    assert np.isnan(nat.loc[2011, "ICF_pc"])
    np.testing.assert_allclose(nat.loc[2012, "ICF_pc"], 1010.0 / 600)
    with pytest.raises(MissingDataError, match="population missing for year\\(s\\) 2011"):
        F.national(fp, pop)
    partial = merged.copy()
    partial.loc[(partial["year"] == 2012) & (partial["region"] == "Hebei"), "population"] = np.nan
    with pytest.raises(MissingDataError, match="some regions in year\\(s\\) 2012"):
        F.national(partial)
    # nep shortcuts: forest 4, grassland 1 with national shares 0.75 / 0.25 -> D = 3.25
    fp2 = F.compute(_ice(), _sinks(), nep_forest=4.0, nep_grassland=1.0)
    np.testing.assert_allclose(fp2["D_t_per_hm2_a"], 3.25)


def test_sinks_and_footprint_rates_must_agree():
    from spatial_carbon.footprint import sinks

    areas = pd.DataFrame({"region": ["Beijing", "Hebei"], "year": [2011, 2011],
                          "class": ["forest", "grassland"], "area_hm2": [10.0, 10.0]})
    s = sinks.carbon_sink(areas, nep_forest=4.0)
    np.testing.assert_allclose(s["CS_forest"], [4.0 * 10 * 1.26, 0.0])
    F.compute(_ice(), s, nep_forest=4.0)
    with pytest.raises(InputError, match="other absorption rates.*forest: 4 vs 3.8096 t/hm2/a"):
        F.compute(_ice(), s)
    # the check reads columns, so it survives a CSV round trip (attrs did not)
    import io

    buf = io.StringIO()
    s.to_csv(buf, index=False)
    back = pd.read_csv(io.StringIO(buf.getvalue()))
    with pytest.raises(InputError, match="other absorption rates.*forest: 4 vs 3.8096"):
        F.compute(_ice(), back)
    with pytest.raises(UnitError, match="rates_basis"):
        F.compute(_ice(), back.assign(rates_basis="CO2"), nep_forest=4.0)
    with pytest.raises(InputError, match="one absorption rate .* in every row"):
        F.compute(_ice(), back.assign(NEP_forest_t_per_hm2_a=[4.0, 5.0]), nep_forest=4.0)


def test_sinks_without_rate_columns_cannot_be_checked_and_say_so():
    with pytest.warns(DataQualityWarning, match="does not record its absorption rates"):
        F.compute(_ice(), _sinks())


def test_cli_sinks_csv_footprint_checks_the_rates(tmp_path):
    """`sinks --rates` -> sinks.csv -> `footprint` with other rates: a typed
    error (was: silently passed after the CSV round trip)."""
    from click.testing import CliRunner

    from spatial_carbon import _io
    from spatial_carbon.cli import main

    _io.write_csv(pd.DataFrame({"region": ["Beijing", "Hebei"], "year": [2011, 2011],
                                "class": ["forest", "grassland"], "area_hm2": [10.0, 10.0]}),
                  tmp_path / "areas.csv")
    _io.write_csv(pd.DataFrame({"class": ["forest", "grassland"], "rate": [4.0, 0.9482],
                                "basis": ["C", "C"]}), tmp_path / "rates.csv")
    _io.write_csv(_ice(), tmp_path / "ice.csv")
    run = CliRunner().invoke
    r = run(main, ["sinks", "--areas", str(tmp_path / "areas.csv"), "--rates",
                   str(tmp_path / "rates.csv"), "-o", str(tmp_path / "sinks.csv")])
    assert r.exit_code == 0, r.output
    r = run(main, ["footprint", "--ice", str(tmp_path / "ice.csv"), "--sinks",
                   str(tmp_path / "sinks.csv"), "-o", str(tmp_path / "fp.csv")])
    assert r.exit_code == 2
    assert "other absorption rates than the footprint uses (forest: 4 vs 3.8096 t/hm2/a)" \
        in r.output
    assert not (tmp_path / "fp.csv").exists()
    r = run(main, ["footprint", "--ice", str(tmp_path / "ice.csv"), "--sinks",
                   str(tmp_path / "sinks.csv"), "--rates", str(tmp_path / "rates.csv"),
                   "-o", str(tmp_path / "fp.csv")])
    assert r.exit_code == 0, r.output


def test_per_capita_keep_other_years():
    ice = pd.concat([_ice(), _ice().assign(year=2012)])
    s = pd.concat([_sinks(), _sinks().assign(year=2012)])
    fp = F.compute(ice, s)
    pop = pd.DataFrame({"region": ["Beijing", "Hebei"], "year": [2012, 2012], "population": [500.0, 100.0]})
    out = F.per_capita(fp, pop, years=[2012], keep_other_years=True)
    assert len(out) == 4
    assert out.loc[out["year"] == 2011, "ICF_pc"].isna().all()
    np.testing.assert_allclose(out.loc[out["year"] == 2012, "ICF_pc"], [2.0, 0.1])


def test_cli_footprint_with_bundled_yearbook_population(tmp_path):
    from click.testing import CliRunner

    from spatial_carbon import _io, datasets
    from spatial_carbon.cli import main

    regions = ["Beijing", "Hebei"]
    _io.write_csv(pd.DataFrame({"region": regions * 2, "year": [1999, 1999, 2011, 2011],
                                "CO2_t": [1.0, 1.0, 3094.25, 30.9425]}), tmp_path / "ice.csv")
    _io.write_csv(pd.concat([_sinks().assign(year=1999), _sinks()]), tmp_path / "sinks.csv")
    args = ["footprint", "--ice", str(tmp_path / "ice.csv"), "--sinks", str(tmp_path / "sinks.csv"),
            "--population", str(datasets.population_csv()), "-o", str(tmp_path / "fp.csv")]
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 2 and "population missing for year(s) 1999" in r.output
    r = CliRunner().invoke(main, args + ["--pc-years", "2000-2019"])
    assert r.exit_code == 0, r.output
    fp = _io.read_csv(tmp_path / "fp.csv")
    # yearbook 2011 (10^4 persons): Beijing 2019 -> 20,190,000 persons; ICF = 1000 hm2
    row = fp[(fp["region"] == "Beijing") & (fp["year"] == 2011)].iloc[0]
    np.testing.assert_allclose(row["population"], 2019e4)
    np.testing.assert_allclose(row["ICF_pc"], 1000.0 / 2019e4)
    assert fp.loc[fp["year"] == 1999, "ICF_pc"].isna().all()


def test_project_cec_compound_rate():
    # seed 001: "CEC declined continuously at 0.43 % annually"; 100 in 2020 with r = -0.0043
    # gives 100 x 0.9957^10 = 95.784... in 2030
    s = pd.DataFrame({"year": [2018, 2019, 2020], "CEC": [102.0, 101.0, 100.0]})
    p = F.project_cec(s, 2030, method="compound", rate=-0.0043).iloc[0]
    assert p["method"] == "compound" and p["fit_end"] == 2020
    np.testing.assert_allclose(p["projected"], 100 * 0.9957 ** 10)
    np.testing.assert_allclose(p["growth_rate_per_year"], -0.0043)
    # without a rate: the average annual rate of the fitted years, (100/102)^(1/2) - 1
    q = F.project_cec(s, 2030, method="compound").iloc[0]
    r = (100 / 102) ** 0.5 - 1
    np.testing.assert_allclose(q["growth_rate_per_year"], r)
    np.testing.assert_allclose(q["projected"], 100 * (1 + r) ** 10)
    # beside the linear fit: slope -1 per year -> 90 in 2030
    lin = F.project_cec(s, 2030).iloc[0]
    assert lin["method"] == "linear" and np.isnan(lin["growth_rate_per_year"])
    np.testing.assert_allclose(lin["projected"], 90.0)
    with pytest.raises(InputError, match="needs method='compound'"):
        F.project_cec(s, 2030, rate=-0.0043)
    with pytest.raises(InputError, match="unknown projection method"):
        F.project_cec(s, 2030, method="exponential")
    with pytest.raises(InputError, match="fraction > -1"):
        F.project_cec(s, 2030, method="compound", rate=-1.5)
