"""Seed 002 indicators on a hand-worked two-province, two-sector example.

Beijing: Z = [[10, 20], [30, 40]], X = [100, 200], emissions [10, 100] t
  -> d = [0.1, 0.5], A = [[.1, .1], [.3, .2]], det(I-A) = .69,
     m = d (I-A)^-1 = [.23, .46] / .69 = [1/3, 2/3].
  E = [20, 50], EP = [20, 40], M = [5, 10], MP = [30, 60], Y = [65, 110].
Hebei: Z = [[20, 10], [20, 60]], X = [100, 100], emissions [20, 90] t
  -> d = [0.2, 0.9], det(I-A) = .30, m = [.26, .74] / .3 = [13/15, 37/15].
  E = [10, 20], EP = [20, 10], M = [30, 30], MP = [5, 10], Y = [75, 30].
National (output-weighted) multipliers: [(1/3*100 + 13/15*100)/200, (2/3*200 + 37/15*100)/300]
  = [0.6, 19/15].
All values below are worked out by hand from these numbers.
"""

import numpy as np
import pandas as pd
import pytest

from spatial_carbon.errors import InputError, NegativeValueError, ZeroCapacityError
from spatial_carbon.inputoutput import (
    ProvincialTable, aggregate_sectors, aggregate_trade_regions, calc_adjusted_intensity,
    calc_direct_intensity, classify_trade_type, concordance_matrix, domestic_share,
    sector_concordance, tables_from_frame, technical_coefficients, trade_carbon,
)
from spatial_carbon.inputoutput.concordance import concordance_names, sector_names_zh

S = ["agri", "ind"]


def _table(region, Z, X, Y, E, EP, M, MP):
    v = lambda a, n: pd.Series(np.asarray(a, float), index=S, name=n)  # noqa: E731
    return ProvincialTable(region, pd.DataFrame(np.asarray(Z, float), index=S, columns=S),
                           v(Y, "final_use"), v(E, "export"), v(EP, "outflow"), v(M, "imports"),
                           v(MP, "inflow"), v(X, "output"))


def two_provinces():
    bj = _table("Beijing", [[10, 20], [30, 40]], [100, 200], [65, 110], [20, 50], [20, 40],
                [5, 10], [30, 60])
    hb = _table("Hebei", [[20, 10], [20, 60]], [100, 100], [75, 30], [10, 20], [20, 10],
                [30, 30], [5, 10])
    tables = {"Beijing": bj, "Hebei": hb}
    inten = pd.DataFrame({
        "Beijing": calc_direct_intensity(pd.Series([10.0, 100.0], index=S), bj.output),
        "Hebei": calc_direct_intensity(pd.Series([20.0, 90.0], index=S), hb.output),
    }).T
    return tables, inten


def test_indicators_by_hand():
    tables, inten = two_provinces()
    res = trade_carbon(tables, inten)
    np.testing.assert_allclose(res.multipliers.loc["Beijing"], [1 / 3, 2 / 3])
    np.testing.assert_allclose(res.multipliers.loc["Hebei"], [13 / 15, 37 / 15])
    r = res.by_region.set_index("region")
    assert r.loc["Beijing", "region_code"] == 110000
    bj, hb = r.loc["Beijing"], r.loc["Hebei"]
    # Beijing: CE = 20/3 + 100/3; CEP = 20/3 + 80/3; CM = 5/3 + 20/3; CMP = .6*30 + 19/15*60
    np.testing.assert_allclose([bj.CE, bj.CEP, bj.CM, bj.CMP], [40.0, 100 / 3, 25 / 3, 94.0])
    np.testing.assert_allclose([bj["N"], bj["NP"], bj["T"]], [40 - 25 / 3, 100 / 3 - 94, 40 - 25 / 3 + 100 / 3 - 94])
    np.testing.assert_allclose(bj.CTT, 36 / 35)   # (40/70) / ((25/3)/15)
    np.testing.assert_allclose(bj.CTTp, 25 / 47)  # ((100/3)/60) / (94/90)
    assert bj.type == "IV"
    # Hebei: CE = 13/15*10 + 37/15*20 = 58; CM = 13/15*30 + 37/15*30 = 100
    #        CEP = 13/15*20 + 37/15*10 = 42; CMP = .6*5 + 19/15*10 = 47/3
    np.testing.assert_allclose([hb.CE, hb.CM, hb.CEP, hb.CMP], [58.0, 100.0, 42.0, 47 / 3])
    np.testing.assert_allclose(hb.CTT, (58 / 30) / (100 / 60))
    assert hb.type == "II"
    sec = res.by_sector.set_index(["region", "sector"])
    # ECC_i = (CE_i/CE)/(E_i/E): Beijing (20/3/40)/(20/70) = 7/12, (100/3/40)/(50/70) = 7/6
    np.testing.assert_allclose(sec.loc["Beijing", "ECC"], [7 / 12, 7 / 6])
    # PECC: (20/3 / (100/3)) / (20/60) = 0.6; (80/3 / (100/3)) / (40/60) = 1.2
    np.testing.assert_allclose(sec.loc["Beijing", "PECC"], [0.6, 1.2])
    np.testing.assert_allclose(sec.loc["Hebei", "CE"].sum(), 58.0)


def test_explicit_import_and_inflow_multipliers():
    tables, inten = two_provinces()
    imp = pd.Series([1.0, 2.0], index=S)
    inflow = pd.DataFrame([[0.5, 0.5], [2.0, 1.0]], index=["Beijing", "Hebei"], columns=S)
    r = trade_carbon(tables, inten, import_multipliers=imp,
                     inflow_multipliers=inflow).by_region.set_index("region")
    np.testing.assert_allclose(r.loc["Beijing", "CM"], 1 * 5 + 2 * 10)
    np.testing.assert_allclose(r.loc["Hebei", "CMP"], 2.0 * 5 + 1.0 * 10)
    np.testing.assert_allclose(r.loc["Beijing", "CMP"], 0.5 * 30 + 0.5 * 60)


def test_classify_trade_type():
    np.testing.assert_array_equal(classify_trade_type([1, -1, -1, 1, 0], [1, 1, -1, -1, 1]),
                                  ["I", "II", "III", "IV", ""])
    assert classify_trade_type(2.0, 3.0) == "I"


def test_treatments_domestic_share():
    tables, inten = two_provinces()
    bj = tables["Beijing"]
    # domestic_share: uses = Z 1 + Y = [95, 180], imports+inflows = [35, 70]
    np.testing.assert_allclose(domestic_share(bj, "domestic_share"), [60 / 95, 110 / 180])
    # all_uses: uses + E + EP = [135, 270]
    np.testing.assert_allclose(domestic_share(bj, "all_uses"), [100 / 135, 200 / 270])
    np.testing.assert_allclose(domestic_share(bj, "net_outflow"), [1.0, 1.0])
    for tr in ("domestic_share", "all_uses"):
        d = domestic_share(bj, tr).to_numpy()
        Ad = technical_coefficients(bj, tr).to_numpy()
        X = bj.output.to_numpy()
        ex = (bj.export + bj.outflow).to_numpy() * (d if tr == "all_uses" else 1.0)
        # the domestic table balances: A^d X + δ Y + (δ) (E + EP) = X
        np.testing.assert_allclose(Ad @ X + d * bj.final_use.to_numpy() + ex, X)
    r2 = trade_carbon(tables, inten, treatment="domestic_share").by_region.set_index("region")
    r1 = trade_carbon(tables, inten).by_region.set_index("region")
    assert (r2["CE"] < r1["CE"]).all()  # domestic multipliers are smaller
    with pytest.raises(InputError, match="unknown import treatment"):
        trade_carbon(tables, inten, treatment="bogus")


def test_adjusted_intensity():
    dn = pd.Series([0.2, 0.6], index=S)
    # province 300 t / 300 units = 1; nation 1000 t / 2000 units = 0.5 -> ratio 2
    np.testing.assert_allclose(calc_adjusted_intensity(dn, 300, 300, 1000, 2000), [0.4, 1.2])
    with pytest.raises(ZeroCapacityError, match="national_output"):
        calc_adjusted_intensity(dn, 300, 300, 1000, 0)


def test_bad_tables():
    with pytest.raises(InputError, match="unbalanced"):
        _table("Beijing", [[10, 20], [30, 40]], [100, 200], [66, 110], [20, 50], [20, 40],
               [5, 10], [30, 60])
    with pytest.raises(NegativeValueError, match="negative export"):
        _table("Beijing", [[10, 20], [30, 40]], [100, 200], [105, 110], [-20, 50], [20, 40],
               [5, 10], [30, 60])
    tables, inten = two_provinces()
    with pytest.raises(InputError, match="mismatched sectors"):
        trade_carbon(tables, inten.rename(columns={"ind": "industry"}))
    with pytest.raises(InputError, match="no direct intensities"):
        trade_carbon(tables, inten.drop(index="Hebei"))


def test_tables_from_frame_and_region_aggregation():
    tables, inten = two_provinces()
    rows = []
    for reg, t in tables.items():
        df = t.Z.copy()
        df.insert(0, "sector", S)
        df.insert(0, "region", reg)
        for col, s in (("final_use", t.final_use), ("export", t.export), ("outflow", t.outflow),
                       ("import", t.imports), ("inflow", t.inflow), ("output", t.output)):
            df[col] = s.to_numpy()
        rows.append(df)
    stacked = pd.concat(rows, ignore_index=True)
    back = tables_from_frame(stacked)
    assert list(back) == ["Beijing", "Hebei"]
    pd.testing.assert_frame_equal(back["Hebei"].Z, tables["Hebei"].Z, check_names=False)
    res = trade_carbon(back, inten)
    agg = aggregate_trade_regions(res.by_region, "seed002_8")
    # Beijing and Hebei are both in the 'Northern coast' region
    assert agg["seed002_8"].tolist() == ["Northern coast"]
    np.testing.assert_allclose(agg["CE"], [98.0])
    with pytest.raises(InputError, match="lacks column"):
        tables_from_frame(stacked.drop(columns="inflow"))
    bad = stacked.copy()
    bad.loc[3, "sector"] = "other"
    with pytest.raises(InputError, match="mismatched sectors"):
        tables_from_frame(bad)


def test_sector_aggregation():
    tables, _ = two_provinces()
    one = aggregate_sectors(tables["Beijing"], {"agri": "all", "ind": "all"})
    np.testing.assert_allclose(one.Z.to_numpy(), [[100.0]])
    np.testing.assert_allclose(one.output.to_numpy(), [300.0])
    with pytest.raises(InputError, match="no target"):
        concordance_matrix(S, {"agri": "x"})


def test_bundled_concordances():
    assert concordance_names() == ["ioc30_6", "ioc42_30", "ioc42_6", "seed002_2012", "seed002_2012_6",
                                   "seed002_2017", "seed002_2017_6", "seed002_30_6", "seed003_2012",
                                   "seed003_2017"]
    c = sector_concordance("ioc42_30")
    assert len(c) == 42 and c.nunique() == 30
    g = sector_concordance("ioc30_6")
    assert len(g) == 30 and sorted(g.unique()) == [
        "Agriculture", "Construction", "Manufacturing", "Mining", "Services", "Utilities"]
    c6 = sector_concordance("ioc42_6")
    assert c6["Construction"] == "Construction" and c6["Coal mining"] == "Mining"
    assert sector_names_zh()["建筑"] == "Construction"


def test_negative_output_rejected():
    with pytest.raises(NegativeValueError, match="negative output"):
        _table("Beijing", [[10, 20], [30, 40]], [100, -200], [65, -290], [20, 50], [20, 40],
               [5, 10], [30, 60])


def random_table(region, secs, seed=7):
    """A balanced random table on the given sectors: returns (table, X, Z)."""
    rng = np.random.default_rng(seed)
    n = len(secs)
    X = rng.uniform(100, 1000, n)
    A = rng.random((n, n)) * 0.5 / n
    Z = pd.DataFrame(A * X[None, :], index=secs, columns=secs)
    E, EP, M, MP = 0.1 * X, 0.1 * X, 0.05 * X, 0.05 * X
    Y = X - Z.sum(axis=1).to_numpy() - E - EP + M + MP
    v = lambda a: pd.Series(a, index=secs)  # noqa: E731
    return ProvincialTable(region, Z, v(Y), v(E), v(EP), v(M), v(MP), v(X)), X, Z


def test_42_to_30_aggregation_preserves_totals():
    secs = list(sector_concordance("ioc42_30").index)
    t, X, Z = random_table("Hebei", secs)
    v = lambda a: pd.Series(a, index=secs)  # noqa: E731
    t30 = aggregate_sectors(t, "ioc42_30")  # balanced again, checked by the constructor
    assert len(t30.sectors) == 30
    np.testing.assert_allclose(t30.Z.to_numpy().sum(), Z.to_numpy().sum())
    np.testing.assert_allclose(t30.output.sum(), X.sum())
    np.testing.assert_allclose(t30.output["General and specialist machinery"], X[15] + X[16])
    t6 = aggregate_sectors(t30, "ioc30_6")
    np.testing.assert_allclose(t6.output["Utilities"], X[24] + X[25] + X[26])
    em = aggregate_sectors(v(X * 0.3), "ioc42_30")
    inten = pd.DataFrame({"Hebei": calc_direct_intensity(em, t30.output)}).T
    res = trade_carbon({"Hebei": t30}, inten, inflow_multipliers=pd.Series(1.0, index=t30.sectors))
    assert res.by_sector.shape[0] == 30


def test_province_intensities_methods():
    from spatial_carbon.inputoutput import province_intensities

    tables, inten = two_provinces()
    em = pd.DataFrame({"region": ["Beijing", "Beijing", "Hebei", "Hebei"], "sector": ["ind", "agri"] * 2,
                       "emissions": [100.0, 10.0, 90.0, 20.0]})
    got = province_intensities(tables, emissions=em)  # row order of the file does not matter
    pd.testing.assert_frame_equal(got, inten, check_names=False)
    # adjusted: nation = 220 t / 500 units; Beijing 110/300 -> ratio (110/300)/(220/500)
    adj = province_intensities(tables, national_intensity=pd.Series([0.2, 0.6], index=S),
                               province_emissions=pd.Series({"Beijing": 110.0, "Hebei": 110.0}))
    np.testing.assert_allclose(adj.loc["Beijing"], np.array([0.2, 0.6]) * (110 / 300) / (220 / 500))
    with pytest.raises(InputError, match="either"):
        province_intensities(tables)
    with pytest.raises(NegativeValueError, match="negative emissions"):
        province_intensities(tables, emissions=em.assign(emissions=-1.0))
    with pytest.raises(InputError, match="no rows for province"):
        province_intensities(tables, emissions=em[em.region == "Beijing"])


def test_aggregate_regions_generic():
    from spatial_carbon.inputoutput import aggregate_regions

    df = pd.DataFrame({"region": ["Beijing", "Tianjin", "Shanghai"], "v": [1.0, 2.0, 4.0]})
    out = aggregate_regions(df, "seed003_8").set_index("seed003_8")
    assert out.loc["Jing-Jin", "v"] == 3.0 and out.loc["Eastern coast", "v"] == 4.0


def test_non_numeric_cells_are_reported():
    tables, _ = two_provinces()
    from test_io_cli import _stacked

    df = _stacked(tables).astype(object)
    df.loc[1, "export"] = "1,234"
    with pytest.raises(InputError, match="non-numeric values in column"):
        tables_from_frame(df)


def test_split_to_sectors_and_ceads_bridge():
    from spatial_carbon.inputoutput import ceads_to_io_emissions, sector_bridge, split_to_sectors

    br = pd.DataFrame({"source": ["a", "b", "b"], "target": ["x", "x", "y"]})
    out = split_to_sectors(pd.Series({"a": 10.0, "b": 6.0}), br, pd.Series({"x": 1.0, "y": 2.0}))
    np.testing.assert_allclose(out, [10.0 + 2.0, 4.0])  # b split 1:2 by weight
    with pytest.raises(InputError, match="zero weight"):
        split_to_sectors(pd.Series({"b": 6.0}), br, pd.Series({"x": 0.0, "y": 0.0}))
    with pytest.raises(InputError, match="no target"):
        split_to_sectors(pd.Series({"c": 1.0}), br, pd.Series({"x": 1.0, "y": 1.0}))
    b = sector_bridge("ceads_ioc30")
    assert b["source"].nunique() == 45 and b["target"].nunique() == 30
    # CEADs-like tidy table for Hebei in 30 IO sectors: totals are preserved, Others split by output
    secs30 = list(sector_concordance("ioc30_6").index)
    X = pd.Series(np.arange(1.0, 31.0) * 100, index=secs30)
    Z = pd.DataFrame(np.zeros((30, 30)), index=secs30, columns=secs30)
    zero = pd.Series(0.0, index=secs30)
    t = ProvincialTable("Hebei", Z, X.copy(), zero, zero, zero, zero, X)
    ceads = pd.DataFrame({"region_code": 130000, "year": 2017,
                          "sector": ["Others", "Construction", "Urban"], "fuel": "Raw Coal",
                          "CO2_Mt": [3.0, 1.0, 5.0]})
    em = ceads_to_io_emissions(ceads, {"Hebei": t}, 2017).set_index("sector")["emissions"]
    np.testing.assert_allclose(em.sum(), 4e6)  # households (Urban) are not production
    np.testing.assert_allclose(em["Construction"], 1e6)
    w = X[["Leasing and commercial services", "Scientific research", "Other services"]]
    np.testing.assert_allclose(em[w.index], 3e6 * w / w.sum())
