"""Seed 003 (two-period interregional IO, 8 regions x 17 sectors): the shipped Table 2,
final demand and import treatments, Tables 3-5, leakage per pair, the flow map.

Hand-worked non-competitive example (2 regions N, S x 1 sector):
  Z = [[10, 20], [30, 10]]; final demand (consuming region, category)
      row N: (N, urban household consumption) 40, (N, gross fixed capital formation) 10,
             (S, urban household consumption) 10, (S, GFCF) 0
      row S: 5, 0, 35, 10;   exports E = [10, 0];   imports M = [20, 9]
  x = Z1 + Y1 + E - M = [30 + 60 + 10 - 20, 40 + 50 - 9] = [80, 81]
  domestic shares δ = 1 - M / (Z1 + Y1) = [1 - 20/90, 1 - 9/90] = [7/9, 0.9]
  A^d = δ̂ Z x̂^-1, Y^d = δ̂ Y: then x = A^d x + Y^d 1 + E exactly
      (row N: 7/9 * 30 + 7/9 * 60 + 10 = 80; row S: 0.9 * 40 + 0.9 * 50 = 81).
"""

import re
from importlib import resources

import numpy as np
import pandas as pd
import pytest

from spatial_carbon.errors import InputError
from spatial_carbon.inputoutput.concordance import products, sector_concordance, seed003_sectors
from spatial_carbon.inputoutput.transfer import (
    classify_final_demand, coefficients_for, domestic_share_irio, emissions_by_driver,
    induced_output, inflow_shares, leakage_pairs, seed003_coefficients, select_final_demand,
    transfer_flows, transfer_from_tables, two_period_transfer,
)

SEED_REGIONS = ["Northeast", "Jing-Jin", "Northern coast", "Eastern coast", "Southern coast",
                "Central", "Northwest", "Southwest"]


# --------------------------------------------------------------------- Table 2 as shipped
def _ocr_rows():
    md = resources.files("spatial_carbon").joinpath("data/seed003_coefficients_2007.md").read_text(
        encoding="utf-8")
    block = md.split("```")[1]
    rows = {}
    for line in block.strip().splitlines()[1:]:
        fixed = line.translate(str.maketrans({"o": "0", "O": "0", "l": "1", "．": "."}))
        code, *vals = fixed.split()
        rows[f"{int(code):02d}"] = [float(v) for v in vals]
    return rows


def test_table2_matches_the_seed_text_value_by_value():
    S = seed003_coefficients()
    assert len(S) == 136 and S.index.names == ["region", "sector"]
    rows = _ocr_rows()
    assert sorted(rows) == [f"{i:02d}" for i in range(1, 18)]
    for code, vals in rows.items():
        assert len(vals) == 8
        np.testing.assert_array_equal(S.xs(code, level="sector").reindex(SEED_REGIONS).to_numpy(), vals)
    # values quoted in the text
    assert S[("Eastern coast", "09")] == 0.163 and S[("Central", "09")] == 0.350
    assert S[("Northeast", "09")] == 0.692 and S[("Northwest", "09")] == 0.431
    assert S[("Northern coast", "14")] == 3.318 and S[("Northern coast", "17")] == 0.020
    # sector 13 Northwest kept as printed (31 x the mean of the other regions, see the .md)
    s13 = S.xs("13", level="sector")
    assert s13["Northwest"] == 0.749
    np.testing.assert_allclose(s13["Northwest"] / s13.drop("Northwest").mean(), 31.2, atol=0.1)


def test_coefficients_match_table_labels_in_any_spelling():
    idx = pd.MultiIndex.from_tuples([("东北地区", 1), ("西北", "13"), ("Jing-Jin", "Other services"),
                                     ("Central", "电力、燃气及水的生产和供应业")])
    got = coefficients_for(idx)
    np.testing.assert_array_equal(got.to_numpy(), [0.079, 0.749, 0.023, 2.889])
    with pytest.raises(InputError, match=r"no carbon coefficient for 1 .*'Atlantis'"):
        coefficients_for(pd.MultiIndex.from_tuples([("Atlantis", "01"), ("Central", "01")]))


def test_17_sector_concordances():
    for year in (2012, 2017):
        c = sector_concordance(f"seed003_{year}")
        assert len(c) == 42 and c.nunique() == 17
    names = seed003_sectors().set_index("sector")["sector_en"]
    c17 = sector_concordance("seed003_2017")
    p17 = products(2017).set_index("code42")["sector42"]
    # 2017 list: 22 other manufactures and scrap -> 13; 24-26 utilities -> 14; 28-30 -> 16
    assert c17[p17[22]] == names["13"] and c17[p17[25]] == names["14"]
    assert c17[p17[28]] == c17[p17[29]] == c17[p17[30]] == names["16"]
    assert c17[p17[35]] == names["17"]
    c12 = sector_concordance("seed003_2012")
    p12 = products(2012).set_index("code42")["sector42"]
    assert c12[p12[23]] == names["13"] and c12[p12[28]] == names["15"] and c12[p12[31]] == names["16"]


# --------------------------------------------------------------------- final demand and imports
IDX = pd.MultiIndex.from_tuples([("N", "ind"), ("S", "ind")], names=["region", "sector"])
CAT = pd.MultiIndex.from_tuples([("N", "Urban household consumption"), ("N", "Gross fixed capital formation"),
                                 ("S", "Urban household consumption"), ("S", "Gross fixed capital formation")],
                                names=["region", "category"])


def _parts(scale=1.0):
    Z = pd.DataFrame([[10.0, 20.0], [30.0, 10.0]], index=IDX, columns=IDX) * scale
    Y = pd.DataFrame([[40.0, 10.0, 10.0, 0.0], [5.0, 0.0, 35.0, 10.0]], index=IDX, columns=CAT) * scale
    E = pd.Series([10.0, 0.0], index=IDX) * scale
    M = pd.Series([20.0, 9.0], index=IDX) * scale
    x = Z.sum(axis=1) + Y.sum(axis=1) + E - M
    return {"Z": Z, "Y": Y.T.groupby(level=0).sum().T, "Y_categories": Y, "exports": E,
            "imports": M, "other": pd.Series(0.0, index=IDX), "x": x}


def test_final_demand_categories():
    k = classify_final_demand(["农村居民消费", "城镇居民消费", "政府消费", "固定资本形成总额", "存货增加",
                               "Government consumption", "Changes in inventories"])
    assert k.tolist() == ["consumption"] * 3 + ["capital"] * 2 + ["consumption", "capital"]
    p = _parts()
    cons = select_final_demand(p["Y_categories"], "consumption")
    np.testing.assert_allclose(cons.to_numpy(), [[40, 10], [5, 35]])
    np.testing.assert_allclose(select_final_demand(p["Y_categories"], "all").to_numpy(), [[50, 10], [5, 45]])
    with pytest.raises(InputError, match="neither consumption"):
        select_final_demand(p["Y_categories"].rename(columns={"Urban household consumption": "FD"}))
    with pytest.raises(InputError, match="looks like a subtotal"):
        classify_final_demand(["最终消费合计"])
    with pytest.raises(InputError, match="unknown final_demand"):
        select_final_demand(p["Y_categories"], "investment")


def test_non_competitive_domestic_shares_by_hand():
    p = _parts()
    d = domestic_share_irio(p["Z"], p["Y_categories"], p["imports"])
    np.testing.assert_allclose(d.to_numpy(), [7 / 9, 0.9])
    with pytest.raises(InputError, match="imports exceed"):
        domestic_share_irio(p["Z"], p["Y_categories"], p["imports"] * 10)


def test_emissions_by_driver_table5_identity():
    # with all final demand and non-competitive imports, fd + export = S x exactly
    S = pd.Series([0.5, 2.0], index=IDX)
    res = transfer_from_tables(_parts(), _parts(1.5), S, final_demand="all")
    em = res.emissions[res.emissions["period"] == 0].set_index("region")
    np.testing.assert_allclose(em["total"], [0.5 * 80, 2.0 * 81])
    np.testing.assert_allclose(em["total"], em["fd_driven"] + em["export_driven"])
    # export-driven: L^d E with E = [10, 0]
    p = _parts()
    A = (p["Z"] / p["x"].to_numpy()[None, :]).mul([7 / 9, 0.9], axis=0)
    xe = np.linalg.solve(np.eye(2) - A.to_numpy(), [10.0, 0.0])
    np.testing.assert_allclose(em["export_driven"], S.to_numpy() * xe)
    # final consumption only: capital formation's induced emissions are left out
    res_c = transfer_from_tables(_parts(), _parts(1.5), S)
    emc = res_c.emissions[res_c.emissions["period"] == 0].set_index("region")
    ycap = np.array([7 / 9 * 10, 0.9 * 10])
    gap = S.to_numpy() * np.linalg.solve(np.eye(2) - A.to_numpy(), ycap)
    np.testing.assert_allclose(em["total"] - emc["total"], gap)
    assert set(res_c.pairs["final_demand"]) == {"consumption"} and res_c.imports == "non_competitive"
    # competitive: A = Z x^-1 and Y as given -> induced output exceeds x by the imports' share
    res_k = transfer_from_tables(_parts(), _parts(1.5), S, final_demand="all", imports="competitive")
    emk = res_k.emissions[res_k.emissions["period"] == 0].set_index("region")
    assert (emk["total"] > em["total"]).all()
    assert set(res_k.regions["imports"]) == {"competitive"}


# --------------------------------------------------------------------- Tables 3 and 4, leakage
def _hand_transfer():
    # the 2-region example of test_io_transfer: L = [[1.2, 4/15], [.4, 1.2]]
    A = pd.DataFrame([[0.1, 0.2], [0.3, 0.1]], index=IDX, columns=IDX)
    Y0 = pd.DataFrame([[50.0, 10.0], [5.0, 40.0]], index=IDX, columns=["N", "S"])
    Y1 = pd.DataFrame([[60.0, 20.0], [15.0, 50.0]], index=IDX, columns=["N", "S"])
    E0 = pd.Series([0.0, 0.0], index=IDX)
    E1 = pd.Series([10.0, 0.0], index=IDX)
    S = pd.Series([0.5, 2.0], index=IDX)
    return two_period_transfer(A, Y0, A, Y1, S, exports0=E0, exports1=E1)


def test_table3_by_driver_by_hand():
    t = _hand_transfer()
    r = t.regions.set_index("region")
    # S receives from N: fd 16, export .4*10 = 4; N receives from S: fd 14 2/3, export 0
    np.testing.assert_allclose(r.loc["S", ["output_in_fd", "output_in_export", "output_in"]], [16, 4, 20])
    np.testing.assert_allclose(r.loc["S", "net_output_fd"], 16 - 44 / 3)
    np.testing.assert_allclose(r.loc["S", "net_carbon_fd"], 2.0 * 16 - 0.5 * 44 / 3)
    np.testing.assert_allclose(r.loc["S", "net_carbon_export"], 2.0 * 4)
    # the drivers add up to the net (the seed's Table 3 does not in 6 of 8 regions)
    for q in ("output", "carbon"):
        np.testing.assert_allclose(r[f"net_{q}"], r[f"net_{q}_fd"] + r[f"net_{q}_export"])
        np.testing.assert_allclose(r[f"net_{q}"].sum(), 0.0, atol=1e-12)  # carbon valued at the receiver


def test_table4_inflow_shares_by_hand():
    sh = inflow_shares(_hand_transfer()).set_index("region")
    # fd inflows: N 14 2/3, S 16 -> shares 44/92, 48/92; export: S only
    np.testing.assert_allclose(sh["output_share_fd"], [100 * 44 / 92, 100 * 48 / 92])
    np.testing.assert_allclose(sh["output_share_export"], [0, 100])
    # carbon fd: N 0.5*44/3 = 22/3, S 32 -> 22/118, 96/118
    np.testing.assert_allclose(sh["carbon_share_fd"], [100 * 22 / 118, 100 * 96 / 118])
    np.testing.assert_allclose(sh.sum(), 100.0)


def test_leakage_per_pair_both_directions_and_net():
    lk = leakage_pairs(_hand_transfer()).iloc[0]
    assert (lk["region_a"], lk["region_b"]) == ("N", "S")
    # N -> S: (16 + 4) * (2.0 - 0.5) = 30 (fd 24, export 6); S -> N: 14 2/3 * (0.5 - 2.0) = -22
    np.testing.assert_allclose([lk["leakage_a_to_b"], lk["leakage_a_to_b_fd"], lk["leakage_a_to_b_export"]],
                               [30.0, 24.0, 6.0])
    np.testing.assert_allclose(lk["leakage_b_to_a"], -22.0)
    np.testing.assert_allclose(lk["net_leakage"], 8.0)   # = (20 - 14 2/3) * 1.5
    fl = transfer_flows(_hand_transfer().pairs, "leakage")
    assert fl[["origin", "destination"]].values.tolist() == [["N", "S"]]
    np.testing.assert_allclose(fl["value"], [30.0])
    with pytest.raises(InputError, match="has no direction"):
        transfer_flows(_hand_transfer().pairs, "net_leakage")


# --------------------------------------------------------------------- 8 regions x 17 sectors
def _synthetic_8x17(seed=11):
    rng = np.random.default_rng(seed)
    secs = [f"{i:02d}" for i in range(1, 18)]
    idx = pd.MultiIndex.from_product([SEED_REGIONS, secs], names=["region", "sector"])
    n = len(idx)

    def period(growth):
        A = rng.random((n, n)) * (rng.random((n, n)) < 0.15) * 0.4 / (0.15 * n)
        x = rng.uniform(500, 5000, n) * growth
        Z = pd.DataFrame(A * x[None, :], index=idx, columns=idx)
        ycat = pd.MultiIndex.from_product([SEED_REGIONS, ["农村居民消费", "城镇居民消费", "政府消费",
                                                          "固定资本形成总额", "存货增加"]])
        rest = x - Z.sum(axis=1).to_numpy()
        E = 0.15 * rest
        M = 0.05 * rest
        W = rng.random((n, len(ycat)))
        W /= W.sum(axis=1, keepdims=True)
        Y = pd.DataFrame(W * (rest - E + M)[:, None], index=idx, columns=ycat)
        return {"Z": Z, "Y": Y.T.groupby(level=0, sort=False).sum().T, "Y_categories": Y,
                "exports": pd.Series(E, index=idx), "imports": pd.Series(M, index=idx),
                "other": pd.Series(0.0, index=idx), "x": pd.Series(x, index=idx)}
    return period(1.0), period(2.0)


def test_seed_method_on_an_8x17_system_with_table2():
    p0, p1 = _synthetic_8x17()
    res = transfer_from_tables(p0, p1)       # defaults: Table 2, consumption, non-competitive
    assert res.final_demand == "consumption" and res.imports == "non_competitive"
    assert len(res.pairs) == 56 and len(res.by_sector) == 56 * 17
    r = res.regions
    for q in ("output", "carbon"):
        for drv in ("_fd", "_export", ""):
            np.testing.assert_allclose(r[f"net_{q}{drv}"].sum(), 0.0, atol=1e-6 * r[f"{q}_in"].abs().max())
    # leakage of a pair = Σ ΔX (S_dest - S_orig) with Table 2; the net is symmetric
    S = seed003_coefficients()
    bs = res.by_sector[(res.by_sector.origin == "Eastern coast") & (res.by_sector.destination == "Central")]
    manual = (bs["output_transfer"].to_numpy()
              * (S.loc["Central"].reindex(bs["sector"]).to_numpy() - S.loc["Eastern coast"].reindex(bs["sector"]).to_numpy()))
    p = res.pairs.set_index(["origin", "destination"])
    np.testing.assert_allclose(p.loc[("Eastern coast", "Central"), "leakage"], manual.sum())
    np.testing.assert_allclose(p.loc[("Eastern coast", "Central"), "net_leakage"],
                               p.loc[("Central", "Eastern coast"), "net_leakage"])
    sh = inflow_shares(res)
    np.testing.assert_allclose(sh.drop(columns="region").sum(), 100.0)
    em = res.emissions
    np.testing.assert_allclose(em["total"], em["fd_driven"] + em["export_driven"])
    # all final demand: Table 5's total equals S x in each period (non-competitive, no "other")
    res_all = transfer_from_tables(p0, p1, final_demand="all")
    for per, p in ((0, p0), (1, p1)):
        e = res_all.emissions[res_all.emissions["period"] == per].set_index("region")["total"]
        sx = (S.reindex(p["x"].index).to_numpy() * p["x"]).groupby(level=0, sort=False).sum()
        np.testing.assert_allclose(e.reindex(sx.index), sx, rtol=1e-9)


def test_leakage_flow_map_among_the_8_regions():
    import matplotlib

    matplotlib.use("Agg")
    from spatial_carbon import datasets, maps
    from spatial_carbon.maps.charts import group_boundaries

    p0, p1 = _synthetic_8x17()
    res = transfer_from_tables(p0, p1)
    flows = transfer_flows(res.pairs, "leakage")
    assert len(flows) > 0 and (flows["value"] > 0).all()
    gb = group_boundaries(datasets.boundaries("province"), "seed003_8")
    assert sorted(gb["group"]) == sorted(SEED_REGIONS)
    fig = maps.flow_map(flows, gb, origin="origin", destination="destination", id_field="group",
                        top=None, unit="10^4 t CO2")
    drawn = fig.spatial_carbon["flows"]
    assert len(drawn) == len(flows)
    assert {(o, d) for o, d, _v, _w in drawn} == set(zip(flows["origin"], flows["destination"]))
    import matplotlib.pyplot as plt

    plt.close(fig)


# --------------------------------------------------------------------- the seed's own tables
def test_seed003_printed_tables_disagree_as_documented():
    """Arithmetic on the seed's printed Tables 3 and 5 and text (docs/io.md quotes these)."""
    # Table 3 (10^8 yuan / 10^4 t): consumption, export, net columns
    regions = ["Northeast", "Jing-Jin", "Northern coast", "Eastern coast", "Southern coast", "Central",
               "Northwest", "Southwest"]
    c_cons = [3323.05, 1143.70, -878.91, -4780.78, -126.82, -3428.95, 4816.97, -68.26]
    c_exp = [1010.15, -290.01, 171.07, -4139.37, -1828.79, 1300.29, 1431.33, 909.73]
    c_net = [4176.98, 915.27, -707.57, -8893.22, -1556.07, -2306.64, 6195.22, 841.48]
    gap = np.round(np.add(c_cons, c_exp) - c_net, 2)
    off = [r for r, g in zip(regions, gap) if abs(g) > 0.3]
    assert off == ["Northeast", "Jing-Jin", "Eastern coast", "Southern coast", "Central", "Northwest"]
    np.testing.assert_allclose(gap, [156.22, -61.58, -0.27, -26.93, -399.54, 177.98, 53.08, -0.01], atol=0.005)
    assert round(sum(c_cons), 2) == 0.0                      # consistent with receiver valuation
    assert round(sum(c_exp), 2) == -1435.6 and round(sum(c_net), 2) == -1334.55
    # text: East coast leaked 1291.71, 979.88, 516.33 to Central, Northwest, Northeast, of which
    # consumption 481.04, 309.02, 614.32 and export 810.67, 207.31, 365.56
    tot, cons, exp = [1291.71, 979.88, 516.33], [481.04, 309.02, 614.32], [810.67, 207.31, 365.56]
    np.testing.assert_allclose(np.add(cons, exp), [1291.71, 516.33, 979.88])  # NW and NE swapped
    assert round(sum(tot), 2) == 2787.92
    # Central -> NW, NE, SW: 385.57, -58.06, -288.86 = (309.45 - 15.02), (-40.43 - 17.63), (-278.87 - 9.99)?
    np.testing.assert_allclose(np.add([309.45, -40.43, -278.87], [-15.02, -17.63, -9.99]), [294.43, -58.06, -288.86])
    assert round(385.57 - 58.06 - 288.86, 2) == 38.65
    # Table 5: total = consumption-driven + export-driven (both years, all regions but one rounding)
    assert round(30229.75 + 6534.97, 2) == 36764.72 and round(65205.96 + 26387.46, 2) == 91593.42
    assert round(8764.17 - 3659.34, 2) == 5104.83            # Northwest's increase quoted in the text
