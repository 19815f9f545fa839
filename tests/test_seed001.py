"""Seed 001 (Zuo & Zhao): the study options it needs and the numbers of docs/seed001.md.

The demo study is run once without permutations (Moran's I, zones, national series and
depths do not depend on them) with the extra columns the seed's analysis needs:
per-capita size and log(depth).  Every figure quoted in docs/seed001.md is asserted here,
so the page cannot drift from the code and the bundled data.
"""

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from spatial_carbon.cli import main
from spatial_carbon.errors import ConfigError
from spatial_carbon.study import config, pipeline


@pytest.fixture(scope="module")
def demo():
    cfg = config.load()
    cfg["spatial"]["permutations"] = 0
    cfg["spatial"]["columns"] = ["ICF_size", "ICF_depth", "ICF_size_pc", "log(ICF_depth)"]
    cfg["classify"]["columns"] = ["ICF_size_pc", "log(ICF_depth)"]
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the yearbook's Heilongjiang 2013 warning
        res = pipeline.run(cfg)
    return res.tables()


# --------------------------------------------------------------------- options the study needs
def test_per_capita_and_log_depth_columns_from_the_config(demo):
    fp, m = demo["footprint"], demo["moran"]
    np.testing.assert_allclose(fp["log_ICF_depth"], np.log(fp["ICF_depth"]))
    years = m.groupby("column")["year"].agg(["min", "max", "count"])
    assert years.loc["ICF_size_pc"].tolist() == [2000, 2019, 20]     # population from 2000
    assert years.loc["log_ICF_depth"].tolist() == [1997, 2019, 23]
    assert {"ICF_size_pc", "log_ICF_depth"} <= set(demo["breaks"]["column"])
    assert {"ICF_size_pc_class_pooled", "log_ICF_depth_class_pooled"} <= set(demo["classes"].columns)
    assert set(demo["lisa"]["column"]) == {"ICF_size", "ICF_depth", "ICF_size_pc", "log_ICF_depth"}


def test_config_errors_for_the_new_options(tmp_path):
    text = config.demo_config_path().read_text(encoding="utf-8")
    base = config.demo_config_path().parent
    import sys
    tomllib = __import__("tomllib") if sys.version_info >= (3, 11) else __import__("tomli")
    raw = tomllib.loads(text)
    raw["footprint"]["cec_rate"] = "fast"
    with pytest.raises(ConfigError, match=r"cec_rate must be an annual rate"):
        config.resolve(raw, base=base)
    raw["footprint"]["cec_rate"] = -0.0043
    cfg = config.resolve(raw, base=base)
    cfg["spatial"]["columns"] = ["log(ICF)"]
    cfg["classify"]["columns"] = ["log(nothing)"]
    with pytest.raises(ConfigError, match=r"log\(nothing\): 'nothing' is not a footprint column"):
        pipeline.run(cfg)


def test_cec_projection_linear_and_compound(demo):
    cp = demo["cec_projection"].set_index(["method", "growth_rate_per_year"], drop=False)
    assert list(demo["cec_projection"]["method"]) == ["linear", "compound", "compound"]
    lin, fitted, seed = demo["cec_projection"].itertuples(index=False)
    cec = demo["national"].set_index("year")["CEC"]
    # the demo has one land-cover year: CEC is constant, the fitted compound rate is 0
    np.testing.assert_allclose([lin.projected, fitted.projected, fitted.growth_rate_per_year], [cec[2019], cec[2019], 0.0])
    # the seed's -0.43 %/a from 2019 to 2030: x 0.9957^11
    np.testing.assert_allclose(seed.growth_rate_per_year, -0.0043)
    np.testing.assert_allclose(seed.projected, cec[2019] * 0.9957 ** 11)


def test_fuel_template_and_the_seed001_inventory_route(tmp_path):
    r = CliRunner().invoke(main, ["fuel-template", "--years", "2011", "-o", str(tmp_path / "t.csv")])
    assert r.exit_code == 0, r.output
    t = pd.read_csv(tmp_path / "t.csv", encoding="utf-8-sig")
    assert len(t) == 30 and "西藏自治区" not in set(t["地区"])
    assert list(t.columns[2:]) == ["原煤(万吨)", "焦炭(万吨)", "原油(万吨)", "汽油(万吨)", "煤油(万吨)",
                                   "柴油(万吨)", "燃料油(万吨)", "天然气(亿立方米)"]
    # an unfilled template is refused (blanks are not zeros)
    r = CliRunner().invoke(main, ["emissions", str(tmp_path / "t.csv"), "--wide", "--factors", "seed001",
                                  "-o", str(tmp_path / "e.csv")])
    assert r.exit_code == 2
    t.iloc[:, 2:] = 0.0
    bj = t["地区"] == "北京市"
    t.loc[bj, "原煤(万吨)"] = 100.0        # 1e6 t x 0.7143 x 1.9003 = 1,357,384.29 t CO2
    t.loc[bj, "天然气(亿立方米)"] = 1.0    # 1e8 m3 x 1.33e-3 tce/m3 x 2.1655 = 288,011.5 t CO2
    t.to_csv(tmp_path / "f.csv", index=False)
    r = CliRunner().invoke(main, ["emissions", str(tmp_path / "f.csv"), "--wide", "--factors", "seed001",
                                  "-o", str(tmp_path / "e.csv")])
    assert r.exit_code == 0, r.output
    e = pd.read_csv(tmp_path / "e.csv", encoding="utf-8-sig").set_index("region")
    np.testing.assert_allclose(e.loc["Beijing", "CO2_t"], 1_357_384.29 + 288_011.5)
    # the study reads the same wide table as [inputs] fuel
    ice, info = pipeline._ice({"inputs": {"ceads": None, "fuel": tmp_path / "f.csv", "factors": "seed001"}},
                              [2011])
    np.testing.assert_allclose(ice.set_index("region").loc["Beijing", "CO2_t"], 1_645_395.79)
    assert info["factors"] == "seed001"


def test_liu2015_npp_equivalence_factors():
    from spatial_carbon.errors import InputError
    from spatial_carbon.footprint import sinks

    f = sinks.equivalence_factors("liu2015_npp").set_index("class")["factor"]
    assert (f["forest"], f["grassland"]) == (1.41, 0.44)
    areas = pd.DataFrame({"region": ["Beijing", "Beijing"], "year": [2019, 2019],
                          "sink_class": ["forest", "grassland"], "area_hm2": [100.0, 200.0]})
    cs = sinks.carbon_sink(areas, factors=sinks.equivalence_factors("liu2015_npp"))
    # 3.8096 x 100 x 1.41 + 0.9482 x 200 x 0.44 = 537.1536 + 83.4416
    np.testing.assert_allclose(cs["CS"].iloc[0], 537.1536 + 83.4416)
    with pytest.raises(InputError, match="unknown equivalence-factor set"):
        sinks.equivalence_factors("liu2010_provincial")


# --------------------------------------------------------------------- docs/seed001.md, number by number
def test_depth_inconsistency_arithmetic(demo):
    n = demo["national"].set_index("year")
    pop2011 = n.loc[2011, "population"]
    assert pop2011 == 1_337_390_000
    icf_seed = 1.79 * pop2011                      # the seed's 1.79 hm2 per person in 2011
    np.testing.assert_allclose(icf_seed, 2.394e9, rtol=1e-3)
    np.testing.assert_allclose(icf_seed / 9.6e8, 2.49, atol=0.005)   # x China's land area
    s = demo["sinks"][demo["sinks"]["year"] == 2019]
    af, ag = s["A_forest_hm2"].sum(), s["A_grassland_hm2"].sum()
    np.testing.assert_allclose(af + ag, 4.70e8, rtol=2e-3)
    # with absorption shares P, CEC = (Σ NEP A E)^2 / Σ NEP^2 A E <= Σ E A <= 2 (A_f + A_g)
    assert n.loc[2019, "CEC"] <= 1.26 * af + 0.46 * ag
    np.testing.assert_allclose(icf_seed / (2 * (af + ag)), 2.545, atol=0.002)
    # all-forest Shanghai (land 634,050 hm2): depth = ICE / (3.8096 A E) on the CO2 basis
    sh = demo["footprint"].query("region == 'Shanghai'").set_index("year")["ICE"]
    cs = {E: 3.8096 * 634_050 * E for E in (1.0, 1.26, 2.0)}
    np.testing.assert_allclose([sh[2019] / cs[1.0], sh[2011] / cs[1.26], sh.loc[2000:2019].min() / cs[2.0]],
                               [47.8, 44.8, 19.7], atol=0.05)
    np.testing.assert_allclose(sh.loc[2000:2019].min() * 12 / 44 / cs[2.0], 5.4, atol=0.05)


def test_national_series_and_growth_against_the_seed(demo):
    n = demo["national"].set_index("year")
    icf = n["ICF"]
    np.testing.assert_allclose(n.loc[2011, "ICF_pc"], 1.754, atol=5e-4)   # seed: 1.79
    np.testing.assert_allclose((icf[2011] / icf[2000]) ** (1 / 11) - 1, 0.1118, atol=5e-5)  # seed 7.05 %
    np.testing.assert_allclose(icf[2012] / icf[2011] - 1, 0.0213, atol=5e-5)               # seed -8.87 %
    np.testing.assert_allclose((icf[2019] / icf[2011]) ** (1 / 8) - 1, 0.0167, atol=5e-5)
    np.testing.assert_allclose((icf[2019] / icf[2000]) ** (1 / 19) - 1, 0.0707, atol=5e-5)
    np.testing.assert_allclose(n.loc[[2000, 2011, 2019], "ICF_depth"], [2.548, 8.172, 9.332], atol=5e-4)
    np.testing.assert_allclose(n.loc[2019, "CS"], 9.880e8, rtol=5e-4)


def test_moran_series_against_the_seed(demo):
    mi = demo["moran"].pivot(index="year", columns="column", values="I")
    np.testing.assert_allclose(mi.loc[[1997, 2008, 2019], "ICF_size"], [0.272, 0.360, 0.360], atol=5e-4)
    assert mi["ICF_depth"].max() < 0.07                         # seed: 0.313-0.463
    np.testing.assert_allclose([mi["log_ICF_depth"].min(), mi["log_ICF_depth"].max()], [0.421, 0.481], atol=5e-4)
    np.testing.assert_allclose([mi.loc[2000, "ICF_size_pc"], mi.loc[2019, "ICF_size_pc"]], [0.331, 0.264], atol=5e-4)


def test_zones_of_the_16_provinces_the_seed_names(demo):
    seed = {"I": ["Guangdong"], "II": ["Tianjin", "Jiangsu", "Shandong", "Shanghai"],
            "III": ["Beijing", "Hebei", "Jilin", "Anhui", "Henan", "Xinjiang"],
            "IV": ["Sichuan", "Guizhou", "Yunnan", "Heilongjiang", "Inner Mongolia"]}
    z = demo["zones"]
    for year in (2000, 2010, 2019):
        zz = z[z["year"] == year].set_index("region")["zone"]
        differ = sorted((r, k, zz[r]) for k, v in seed.items() for r in v if zz[r] != k)
        assert differ == [("Guangdong", "I", "IV"), ("Jilin", "III", "IV")], year
    z19 = z[z["year"] == 2019].set_index("region")
    np.testing.assert_allclose(z19.loc[["Guangdong", "Jilin"], ["z_ICF_size", "z_ICF_depth"]],
                               [[0.173, -0.304], [0.184, -0.306]], atol=5e-4)
    assert not (z19["zone"] == "I").any()


def test_depths_and_per_capita_sizes_against_the_seed(demo):
    fp = demo["footprint"]
    d = fp[fp["year"] == 2019].set_index("region")["ICF_depth"]
    np.testing.assert_allclose(d[["Shanghai", "Tianjin", "Jiangsu"]], [12488, 2727, 1773], rtol=5e-4)  # seed 1.5
    np.testing.assert_allclose(d["Yunnan"], 1.32, atol=0.005)
    assert int((fp["ICF_depth"] == 1).sum()) == 48 and len(fp) == 690
    # the seed's per-capita sizes exceed 2 x land area / population (CEC <= Σ E A <= 2 x area)
    import pyproj

    from spatial_carbon import datasets

    b = datasets.boundaries("province")
    geod = pyproj.Geod(ellps="WGS84")
    area = pd.Series([abs(geod.geometry_area_perimeter(g)[0]) / 1e4 for g in b.geometry], index=b["region"])
    pop = fp[fp["year"] == 2000].set_index("region")["population"]
    cap = (2 * area / pop).reindex(["Shaanxi", "Yunnan", "Guizhou", "Fujian", "Inner Mongolia"])
    np.testing.assert_allclose(cap, [1.13, 1.81, 0.94, 0.73, 9.65], atol=0.005)
    ningxia = fp[fp["region"] == "Ningxia"]
    np.testing.assert_allclose(ningxia["ICF_pc"].mean(), 4.16, atol=0.005)  # seed's mean "size": 3.77
