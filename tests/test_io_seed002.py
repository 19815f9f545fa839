"""Seed 002 (EE-IO of 31 provinces, 2017): product lists, Table 1 concordance, Tibet,
CMP from the national table, Table 6 sector groups.

Hand-worked numbers reuse the two-province example of ``test_io_provincial``:
Beijing Z = [[10, 20], [30, 40]], X = [100, 200], emissions [10, 100] t;
Hebei Z = [[20, 10], [20, 60]], X = [100, 100], emissions [20, 90] t.
"""

import numpy as np
import pandas as pd
import pytest

from spatial_carbon.errors import InputError
from spatial_carbon.inputoutput import (
    ProvincialTable, aggregate_sectors, province_intensities, sector_concordance, trade_carbon,
)
from spatial_carbon.inputoutput.concordance import products, resolve_sectors, seed002_sectors
from spatial_carbon.inputoutput.provincial import national_table_multipliers, sector_group_carbon

from test_io_provincial import S, _table, random_table, two_provinces


# --------------------------------------------------------------------- product lists, Table 1
def test_2017_product_list_differs_from_2012_where_the_seed_says():
    p12, p17 = products(2012), products(2017)
    assert len(p12) == len(p17) == 42
    z17 = dict(zip(p17["code42"], p17["sector42_zh"]))
    assert (z17[22], z17[35], z17[36]) == ("其他制造产品和废品废料", "研究和试验发展", "综合技术服务")
    z12 = dict(zip(p12["code42"], p12["sector42_zh"]))
    assert (z12[22], z12[23], z12[36]) == ("其他制造产品", "废品废料", "科学研究和技术服务")


def test_seed002_table1_concordance():
    # Table 1: 30 sectors; 1-27 are products 1-27 of the 2017 list, 28 = transport (29),
    # 29 = wholesale/retail (28) + accommodation/catering (30), 30 = products 31-42.
    c = sector_concordance("seed002_2017")
    p = products(2017).set_index("code42")
    code30 = p["seed002_30"]
    assert (code30.loc[1:27] == np.arange(1, 28)).all()
    assert (code30.loc[28], code30.loc[29], code30.loc[30]) == (29, 28, 29)
    assert (code30.loc[31:42] == 30).all()
    assert c.nunique() == 30
    names = seed002_sectors().set_index("code30")
    assert names.loc[22, "sector30_zh"] == "其他制造产品和废品废料"
    assert names.loc[29, "sector30_zh"] == "批发和零售、住宿和餐饮"
    # groups: 1 agriculture, 2-5 mining, 6-23 manufacturing, 24-26 utilities, 27, 28-30
    assert names["group6"].value_counts().to_dict() == {
        "Manufacturing": 18, "Mining": 4, "Utilities": 3, "Services": 3, "Agriculture": 1,
        "Construction": 1}
    # the 2012 list maps to the same 30 sectors: 22 + 23 -> 22, 31 (accommodation) -> 29
    c12 = sector_concordance("seed002_2012")
    assert c12["Other manufactured products"] == c12["Scrap and waste"] == c["Other manufactures and scrap and waste"]
    assert c12["Accommodation and catering"] == c["Wholesale and retail trade"]


def test_chinese_names_and_codes_are_accepted_and_the_wrong_list_is_named():
    p17 = products(2017)
    rng = np.random.default_rng(3)
    v = rng.uniform(1, 10, 42)
    by_zh = aggregate_sectors(pd.Series(v, index=p17["sector42_zh"]), "seed002_2017")
    by_code = aggregate_sectors(pd.Series(v, index=[f"{c:02d}" for c in p17["code42"]]), "seed002_2017")
    by_en = aggregate_sectors(pd.Series(v, index=p17["sector42"]), "seed002_2017")
    pd.testing.assert_series_equal(by_zh, by_code)
    pd.testing.assert_series_equal(by_zh, by_en)
    assert len(by_zh) == 30
    np.testing.assert_allclose(by_zh["Other services"], v[30:].sum())             # 31-42
    np.testing.assert_allclose(by_zh["Wholesale retail accommodation and catering"], v[27] + v[29])
    # a 2017 table with a 2012 concordance is refused, naming the right one
    with pytest.raises(InputError, match=r"products of the 2017 list - use concordance 'seed002_2017'"):
        aggregate_sectors(pd.Series(v, index=p17["sector42_zh"]), "seed002_2012")
    with pytest.raises(InputError, match=r"2017 list - use concordance 'seed002_2017'"):
        aggregate_sectors(pd.Series(v, index=p17["sector42_zh"]), "ioc42_30")
    # the 2012 CEADs concordance now takes Chinese names too (its docstring promised it)
    p12 = products(2012)
    t = aggregate_sectors(pd.Series(v, index=p12["sector42_zh"]), "ioc42_30")
    np.testing.assert_allclose(t["General and specialist machinery"], v[15] + v[16])
    with pytest.raises(InputError, match=r"no source sector \['not a product'\]"):
        resolve_sectors(["农林牧渔产品和服务", "not a product"], "seed002_2017")


def test_a_42_sector_2017_table_aggregates_to_the_seed30_table():
    t, X, Z = random_table("浙江", list(products(2017)["sector42_zh"]))
    t30 = aggregate_sectors(t, "seed002_2017")  # balanced again, checked by the constructor
    assert len(t30.sectors) == 30
    np.testing.assert_allclose(t30.output["Other manufactures and scrap and waste"], X[21])
    np.testing.assert_allclose(t30.Z.to_numpy().sum(), Z.to_numpy().sum())


# --------------------------------------------------------------------- Tibet (footnote 3)
def _with_tibet():
    tables, _ = two_provinces()
    hb = tables["Hebei"]
    tables["Tibet"] = ProvincialTable("Tibet", hb.Z, hb.final_use, hb.export, hb.outflow,
                                      hb.imports, hb.inflow, hb.output)
    return tables


def test_tibet_takes_the_national_intensity_adjusted_method():
    tables = _with_tibet()
    dn = pd.Series([0.2, 0.4], index=S)
    pe = pd.Series({"Beijing": 110.0, "Hebei": 55.0})
    inten, src = province_intensities(tables, national_intensity=dn, province_emissions=pe,
                                      national_emissions=330.0, national_output=600.0,
                                      with_source=True)
    # Beijing: (110/300)/(330/600) = 2/3; Hebei: (55/200)/(0.55) = 0.5; Tibet: d^n itself
    np.testing.assert_allclose(inten.loc["Beijing"], [0.4 / 3, 0.8 / 3])
    np.testing.assert_allclose(inten.loc["Hebei"], [0.1, 0.2])
    np.testing.assert_allclose(inten.loc["Tibet"], [0.2, 0.4])
    assert src.to_dict() == {"Beijing": "adjusted", "Hebei": "adjusted", "Tibet": "national"}
    # national totals default to the provinces with data (Tibet's output left out):
    # C^n = 165, X^n = 500 -> Beijing (110/300)/(165/500) = 10/9
    d2 = province_intensities(tables, national_intensity=dn, province_emissions=pe)
    np.testing.assert_allclose(d2.loc["Beijing"], dn.to_numpy() * 10 / 9)
    # any other province without data is still an error
    with pytest.raises(InputError, match=r"missing for \['Hebei'\]"):
        province_intensities(tables, national_intensity=dn, province_emissions=pe.drop("Hebei"))
    with pytest.raises(InputError, match=r"missing for \['Tibet'\]"):
        province_intensities(tables, national_intensity=dn, province_emissions=pe, national_for=())
    # the source travels into the result
    res = trade_carbon(tables, inten, intensity_source=src)
    assert res.by_region.set_index("region").loc["Tibet", "intensity_source"] == "national"


def test_tibet_takes_the_pooled_intensity_direct_method():
    tables = _with_tibet()
    em = pd.DataFrame({"region": ["Beijing", "Beijing", "Hebei", "Hebei"], "sector": S * 2,
                       "emissions": [10.0, 100.0, 20.0, 90.0]})
    inten, src = province_intensities(tables, emissions=em, with_source=True)
    # (10 + 20)/(100 + 100) = 0.15; (100 + 90)/(200 + 100) = 19/30
    np.testing.assert_allclose(inten.loc["Tibet"], [0.15, 19 / 30])
    assert src["Tibet"] == "national" and src["Beijing"] == "direct"
    with pytest.raises(InputError, match="no rows for province 'Tibet'"):
        province_intensities(tables, emissions=em, national_for=())


# --------------------------------------------------------------------- CMP from the national table
def test_cmp_uses_the_national_table_multipliers():
    tables, inten = two_provinces()
    nat = tables["Beijing"]  # a national table with Beijing's A: m^n = d^n (I - A)^-1
    # with d^n = [0.1, 0.5] (Beijing's), m^n = [1/3, 2/3] (see test_io_provincial)
    res = trade_carbon(tables, inten, national_table=nat, national_intensity=pd.Series([0.1, 0.5], index=S))
    r = res.by_region.set_index("region")
    np.testing.assert_allclose(res.inflow_multipliers, [1 / 3, 2 / 3])
    np.testing.assert_allclose(r.loc["Beijing", "CMP"], 30 / 3 + 60 * 2 / 3)   # 50
    np.testing.assert_allclose(r.loc["Hebei", "CMP"], 5 / 3 + 10 * 2 / 3)      # 25/3
    assert set(r["CMP_multipliers"]) == {"national table"}
    # NP = m^r EP - m^n MP: Beijing CEP = 100/3 (own multipliers), CMP = 50
    np.testing.assert_allclose(r.loc["Beijing", "NP"], 100 / 3 - 50)
    # default d^n = pooled provincial intensity [0.15, 19/30]; (I - A)^-1 = [[.8, .1], [.3, .9]]/.69
    res2 = trade_carbon(tables, inten, national_table=nat)
    np.testing.assert_allclose(res2.inflow_multipliers, [0.31 / 0.69, 0.585 / 0.69])
    np.testing.assert_allclose(national_table_multipliers(nat, pd.Series([0.15, 19 / 30], index=S)),
                               [0.31 / 0.69, 0.585 / 0.69])
    # fallback recorded: output-weighted provincial mean [0.6, 19/15]
    res3 = trade_carbon(tables, inten)
    assert set(res3.by_region["CMP_multipliers"]) == {"provincial mean"}
    np.testing.assert_allclose(res3.inflow_multipliers, [0.6, 19 / 15])
    res4 = trade_carbon(tables, inten, inflow_multipliers=pd.Series([1.0, 1.0], index=S))
    assert set(res4.by_region["CMP_multipliers"]) == {"given"}


def test_national_table_must_have_the_provinces_sectors():
    tables, inten = two_provinces()
    bad = _table("China", [[10, 20], [30, 40]], [100, 200], [65, 110], [20, 50], [20, 40],
                 [5, 10], [30, 60])
    bad = aggregate_sectors(bad, {"agri": "all", "ind": "all"})
    with pytest.raises(InputError, match="national table vs provincial tables"):
        trade_carbon(tables, inten, national_table=bad)


# --------------------------------------------------------------------- Table 6: groups from totals
def test_sector_groups_from_totals_not_added_ratios():
    tables, inten = two_provinces()
    res = trade_carbon(tables, inten)
    # one group of both sectors: ECC = (CE/CE)/(E/E) = 1, while the sector ECCs add to 7/12 + 7/6
    g = sector_group_carbon(res.by_sector, {"agri": "all", "ind": "all"}).set_index("region")
    np.testing.assert_allclose(g.loc["Beijing", "ECC"], 1.0)
    np.testing.assert_allclose(g.loc["Beijing", "output_share_pct"], 100.0)
    # two groups = the sectors: ECC equals the sector ECC; N and NP add up to the province's
    g2 = sector_group_carbon(res.by_sector, {"agri": "A", "ind": "B"})
    b = g2[g2["region"] == "Beijing"].set_index("group")
    np.testing.assert_allclose(b["ECC"], [7 / 12, 7 / 6])
    np.testing.assert_allclose(b["export_share_pct"], [100 * 20 / 70, 100 * 50 / 70])
    np.testing.assert_allclose(b["output_share_pct"], [100 / 3, 200 / 3])
    r = res.by_region.set_index("region")
    np.testing.assert_allclose(b["N"].sum(), r.loc["Beijing", "N"])
    np.testing.assert_allclose(b["NP"].sum(), r.loc["Beijing", "NP"])
    # Σ_g (E_g/E) ECC_g = 1 and Σ_g (EP_g/EP) PECC_g = 1 (ratios of totals)
    np.testing.assert_allclose((b["export_share_pct"] / 100 * b["ECC"]).sum(), 1.0)
    np.testing.assert_allclose((b["outflow_share_pct"] / 100 * b["PECC"]).sum(), 1.0)
    with pytest.raises(InputError, match="no group for sector"):
        sector_group_carbon(res.by_sector, {"agri": "A"})


def test_seed002_table6_is_consistent_with_group_totals():
    # Seed 002 Table 6 (printed, %): export shares and ECC; PECC with outflow shares.
    # With ratios of group totals, Σ share_g · ECC_g = 1 up to the table's rounding.
    zj_e, zj_ecc = [0.24, 0.13, 89.52, 0.00, 0.00, 10.11], [0.41, 0.47, 1.05, 0.00, 0.00, 0.56]
    zj_p, zj_pecc = [2.30, 0.75, 51.48, 0.54, 6.59, 38.35], [0.48, 0.89, 1.24, 1.44, 1.32, 0.65]
    gz_e, gz_ecc = [3.35, 17.07, 79.54, 0.00, 0.00, 0.04], [0.35, 0.85, 1.06, 0.00, 0.00, 0.49]
    gz_p, gz_pecc = [11.68, 6.33, 50.12, 0.40, 5.69, 25.78], [0.42, 1.13, 1.29, 1.61, 1.24, 0.61]
    for sh, r in ((zj_e, zj_ecc), (zj_p, zj_pecc), (gz_e, gz_ecc), (gz_p, gz_pecc)):
        assert abs(np.dot(sh, r) / 100 - 1) < 0.006
    # and the group N of Zhejiang add up to its Table 2 N (252.39 Mt)
    assert abs(sum([-2.10, -10.78, 257.37, 0.00, 0.00, 7.89]) - 252.39) < 0.02


def test_sector_groups_with_the_bundled_six_groups():
    secs = list(seed002_sectors()["sector30_zh"])
    by = pd.DataFrame({"region": "Zhejiang", "sector": secs, "X": 1.0, "E": 1.0, "EP": 1.0,
                       "CE": np.arange(1, 31, dtype=float), "CEP": 1.0, "CM": 0.5, "CMP": 0.5})
    g = sector_group_carbon(by).set_index("group")
    assert list(g.index) == ["Agriculture", "Mining", "Manufacturing", "Utilities", "Construction",
                             "Services"]
    # manufacturing = sectors 6-23: CE = 6 + ... + 23 = 261 of 465; E share 18/30
    np.testing.assert_allclose(g.loc["Manufacturing", "ECC"], (261 / 465) / (18 / 30))
    np.testing.assert_allclose(g.loc["Manufacturing", "N"], 261 - 9.0)


# --------------------------------------------------------------------- CLI: the seed-002 route
def test_cli_io_transfer_seed002_route(tmp_path):
    from click.testing import CliRunner

    from spatial_carbon.cli import main
    from test_io_cli import _stacked

    tables = _with_tibet()
    _stacked(tables).to_csv(tmp_path / "t.csv", index=False)
    _stacked({"China": tables["Beijing"]}).assign(outflow=0.0, inflow=0.0).to_csv(tmp_path / "n.csv", index=False)
    pd.DataFrame({"region": ["Beijing", "Beijing", "Hebei", "Hebei"], "sector": S * 2,
                  "emissions": [10.0, 100.0, 20.0, 90.0]}).to_csv(tmp_path / "e.csv", index=False)
    # a national table: Beijing's intermediate block, no inter-provincial flows
    nat = tables["Beijing"]
    china = ProvincialTable("China", nat.Z, nat.final_use + nat.outflow - nat.inflow, nat.export,
                            nat.outflow * 0, nat.imports, nat.inflow * 0, nat.output)
    _stacked({"China": china}).to_csv(tmp_path / "n.csv", index=False)
    r = CliRunner().invoke(main, ["io-transfer", str(tmp_path / "t.csv"), "--emissions", str(tmp_path / "e.csv"),
                                  "--national-table", str(tmp_path / "n.csv"), "-o", str(tmp_path / "o.csv")])
    assert r.exit_code == 0, r.output
    out = pd.read_csv(tmp_path / "o.csv", encoding="utf-8-sig").set_index("region")
    assert set(out["CMP_multipliers"]) == {"national table"}
    assert out.loc["Tibet", "intensity_source"] == "national"
    # d^n = pooled [0.15, 19/30] with Beijing's A: m^n = [0.31, 0.585]/0.69; Beijing CMP = m^n . [30, 60]
    np.testing.assert_allclose(out.loc["Beijing", "CMP"], (0.31 * 30 + 0.585 * 60) / 0.69)
    r = CliRunner().invoke(main, ["io-transfer", str(tmp_path / "t.csv"), "--emissions", str(tmp_path / "e.csv"),
                                  "--national-for", "", "-o", str(tmp_path / "o2.csv")])
    assert r.exit_code == 2 and "no rows for province 'Tibet'" in r.output


def test_cli_io_transfer_aggregates_a_2017_table_and_writes_table6(tmp_path):
    from click.testing import CliRunner

    from spatial_carbon.cli import main

    p17 = products(2017)
    secs = list(p17["sector42_zh"])
    rng = np.random.default_rng(5)
    rows = []
    for reg in ("浙江", "贵州"):
        X = rng.uniform(100, 1000, 42)
        A = rng.random((42, 42)) * 0.5 / 42
        Z = A * X[None, :]
        E, EP, M, MP = 0.1 * X, 0.2 * X, 0.05 * X, 0.1 * X
        Y = X - Z.sum(axis=1) - E - EP + M + MP
        df = pd.DataFrame(Z, columns=secs)
        df.insert(0, "sector", secs)
        df.insert(0, "region", reg)
        df = df.assign(final_use=Y, export=E, outflow=EP, **{"import": M}, inflow=MP, output=X)
        rows.append(df)
    pd.concat(rows).to_csv(tmp_path / "t42.csv", index=False, encoding="utf-8")
    em = pd.DataFrame([(reg, s, float(rng.uniform(1, 50))) for reg in ("浙江", "贵州") for s in secs],
                      columns=["region", "sector", "emissions"])
    em.to_csv(tmp_path / "e42.csv", index=False, encoding="utf-8")
    r = CliRunner().invoke(main, ["io-transfer", str(tmp_path / "t42.csv"), "--emissions", str(tmp_path / "e42.csv"),
                                  "--sectors", "seed002_2017", "--sector-groups", "seed002_30_6",
                                  "-o", str(tmp_path / "o.csv")])
    assert r.exit_code == 0, r.output
    sec = pd.read_csv(tmp_path / "o_sectors.csv", encoding="utf-8-sig")
    assert sec["sector"].nunique() == 30
    g = pd.read_csv(tmp_path / "o_sector_groups.csv", encoding="utf-8-sig")
    assert len(g) == 12 and set(g["group"]) == {"Agriculture", "Mining", "Manufacturing", "Utilities",
                                                 "Construction", "Services"}
    # the group N add up to the province's N; shares add to 100
    out = pd.read_csv(tmp_path / "o.csv", encoding="utf-8-sig").set_index("region")
    np.testing.assert_allclose(g.groupby("region")["N"].sum().reindex(out.index), out["N"], rtol=1e-10)
    np.testing.assert_allclose(g.groupby("region")["export_share_pct"].sum(), 100.0)
    # without --sectors a 2017 table cannot be aggregated by a 2012 concordance
    r = CliRunner().invoke(main, ["io-transfer", str(tmp_path / "t42.csv"), "--emissions", str(tmp_path / "e42.csv"),
                                  "--sectors", "seed002_2012", "-o", str(tmp_path / "o.csv")])
    assert r.exit_code == 2 and "use concordance 'seed002_2017'" in r.output


# --------------------------------------------------------------------- the whole sequence
def _china(tables):
    """A national table with Beijing's intermediate block, no inter-provincial flows."""
    bj = tables["Beijing"]
    return ProvincialTable("China", bj.Z, bj.final_use + bj.outflow - bj.inflow, bj.export,
                           bj.outflow * 0, bj.imports, bj.inflow * 0, bj.output)


def test_trade_carbon_from_tables_direct_route_with_tibet_and_the_national_table():
    from spatial_carbon.inputoutput import trade_carbon_from_tables

    tables = _with_tibet()
    em = pd.DataFrame({"region": ["Beijing", "Beijing", "Hebei", "Hebei"], "sector": S * 2,
                       "emissions": [10.0, 100.0, 20.0, 90.0]})
    res = trade_carbon_from_tables(tables, emissions=em, national_table=_china(tables))
    r = res.by_region.set_index("region")
    assert r.loc["Tibet", "intensity_source"] == "national"
    assert set(r["CMP_multipliers"]) == {"national table"}
    # d^n = pooled [0.15, 19/30] (Tibet's pooled intensity leaves it unchanged), Beijing's
    # (I - A)^-1 = [[.8, .1], [.3, .9]]/.69 -> m^n = [0.31, 0.585]/0.69; MP = [30, 60]:
    # CMP = (0.31*30 + 0.585*60)/0.69 = 44.4/0.69
    np.testing.assert_allclose(r.loc["Beijing", "CMP"], 44.4 / 0.69)
    # without a national table the fallback is recorded
    res2 = trade_carbon_from_tables(tables, emissions=em)
    assert set(res2.by_region["CMP_multipliers"]) == {"provincial mean"}
    with pytest.raises(InputError, match=r"no rows for province 'Tibet'"):
        trade_carbon_from_tables(tables, emissions=em, national_for=[])


def test_trade_carbon_from_tables_adjusted_route_values_inflows_with_d_n():
    from spatial_carbon.inputoutput import trade_carbon_from_tables

    tables = _with_tibet()
    dn = pd.Series([0.2, 0.4], index=S)
    pe = pd.Series({"Beijing": 110.0, "Hebei": 55.0})
    res = trade_carbon_from_tables(tables, national_intensity=dn, province_emissions=pe,
                                   national_emissions=330.0, national_output=600.0,
                                   national_table=_china(tables))
    r = res.by_region.set_index("region")
    assert r["intensity_source"].to_dict() == {"Beijing": "adjusted", "Hebei": "adjusted",
                                               "Tibet": "national"}
    # m^n = d^n (I - A)^-1 = [0.2*0.8 + 0.4*0.3, 0.2*0.1 + 0.4*0.9]/0.69 = [0.28, 0.38]/0.69
    np.testing.assert_allclose(res.inflow_multipliers, [0.28 / 0.69, 0.38 / 0.69])
    np.testing.assert_allclose(r.loc["Beijing", "CMP"], (0.28 * 30 + 0.38 * 60) / 0.69)  # 31.2/0.69
    # the same as the steps one by one
    inten, src = province_intensities(tables, national_intensity=dn, province_emissions=pe,
                                      national_emissions=330.0, national_output=600.0,
                                      with_source=True)
    exp = trade_carbon(tables, inten, national_table=_china(tables), national_intensity=dn,
                       intensity_source=src).by_region
    pd.testing.assert_frame_equal(res.by_region, exp)


def test_trade_carbon_from_tables_aggregates_2017_tables_and_emissions():
    from spatial_carbon.inputoutput import trade_carbon_from_tables

    secs = list(products(2017)["sector42_zh"])
    tables = {reg: random_table(reg, secs, seed=seed)[0] for reg, seed in (("浙江", 1), ("贵州", 2))}
    rng = np.random.default_rng(3)
    em = pd.DataFrame([(reg, s, float(rng.uniform(1, 50))) for reg in tables for s in secs],
                      columns=["region", "sector", "emissions"])
    res = trade_carbon_from_tables(tables, emissions=em, concordance="seed002_2017")
    # reference: the concordance applied by hand (product name -> code -> seed sector)
    conc = sector_concordance("seed002_2017")
    key = dict(zip(secs, resolve_sectors(secs, "seed002_2017")))
    em30 = em.assign(sector=em["sector"].map(key).map(conc)) \
        .groupby(["region", "sector"], sort=False)["emissions"].sum().reset_index()
    t30 = {r: aggregate_sectors(t, "seed002_2017") for r, t in tables.items()}
    exp = trade_carbon(t30, province_intensities(t30, emissions=em30)).by_region
    np.testing.assert_allclose(res.by_region[["CE", "CM", "CEP", "CMP"]].to_numpy(),
                               exp[["CE", "CM", "CEP", "CMP"]].to_numpy(), rtol=1e-12)
    assert res.by_sector["sector"].nunique() == 30
    # intensities are not additive: the adjusted route cannot be aggregated
    with pytest.raises(InputError, match="intensities are not additive"):
        trade_carbon_from_tables(tables, national_intensity=pd.Series(1.0, index=secs),
                                 province_emissions=pd.Series({"浙江": 1.0, "贵州": 1.0}),
                                 concordance="seed002_2017")
    with pytest.raises(InputError, match="give province-sector emissions"):
        trade_carbon_from_tables(tables)


def test_read_national_table_refuses_several_regions(tmp_path):
    from spatial_carbon.inputoutput.readers import read_national_table
    from test_io_cli import _stacked

    tables = _with_tibet()
    _stacked({"China": _china(tables)}).to_csv(tmp_path / "n.csv", index=False)
    assert read_national_table(tmp_path / "n.csv").region == "China"
    _stacked(tables).to_csv(tmp_path / "t.csv", index=False)
    with pytest.raises(InputError, match=r"national table t.csv holds 3 regions .*give the national"):
        read_national_table(tmp_path / "t.csv")
