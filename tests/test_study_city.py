"""The study below the provincial level (issue 10): `demo --level city` on the
bundled CEADs city inventory, and a county study from a user's table."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from spatial_carbon import datasets, study
from spatial_carbon.cli import main
from spatial_carbon.study import config as config_mod


def _read(out, name):
    return pd.read_csv(out / "tables" / f"{name}.csv", encoding="utf-8-sig")


def _manifest(out):
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    out = tmp_path_factory.mktemp("city") / "out"
    res = CliRunner().invoke(main, ["demo", "--level", "city", "--no-maps", "--out", str(out)])
    assert res.exit_code == 0, res.output + repr(res.exception)
    return out


def test_city_emissions_are_total_co2_of_matched_cities(city):
    ice = _read(city, "ice")
    assert set(ice["scope"]) == {"total"}
    assert ice["region_code"].nunique() == 288  # 290 CEADs cities, 2 without a polygon
    # 2000-2019 only; a city-year without an inventory has no row (never 0)
    assert sorted(ice["year"].unique()) == list(range(2000, 2020)) and (ice["CO2_t"] > 0).all()
    aq = ice[(ice["region_code"] == 340800) & (ice["year"] == 2000)]["CO2_t"].iloc[0]
    assert aq == pytest.approx(4.964461155628707e6, rel=1e-15)  # matrix cell F2 (Mt -> t)
    m = _manifest(city)
    match = m["steps"]["ice"]["match"]
    assert (match["matched"], match["cities"]) == (288, 290)
    assert "bundled:ceads/cities/The_Emission_Inventories_for_290_Chinese_Cities_from_1997_to_" \
        "2019.xlsx" in [e["path"] for e in m["inputs"]]
    assert match["unmatched_inventory"] == ["安徽巢湖", "山东莱芜"]
    assert len(match["unmatched_layer"]) == 82
    assert any("total CO2" in n and "not industrial" in n for n in m["notes"])
    cols = pd.read_csv(city / "columns.csv", encoding="utf-8-sig", keep_default_na=False)
    ice_meaning = cols[(cols["table"] == "tables/footprint.csv") & (cols["column"] == "ICE")]
    assert ice_meaning["meaning"].iloc[0].startswith("total CO2 emissions of the region")
    html = (city / "report.html").read_text(encoding="utf-8")
    assert "<b>total</b> CO<sub>2</sub>" in html


def test_city_footprint_cross_sections_and_no_per_capita(city):
    fp = _read(city, "footprint")
    assert not {"ICF_pc", "CEC_pc", "ICF_size_pc", "population"} & set(fp.columns)
    m = _manifest(city)
    assert any(n.startswith("no population table given") for n in m["notes"])
    # 15 cities have no forest or grassland pixel in the 0.05 degree MODIS sample: CEC = 0,
    # depth undefined -> left out, and said so
    assert any(n.startswith("15 region(s) have no forest or grassland") for n in m["notes"])
    assert fp["region_code"].nunique() == 288 - 15
    per_year = fp.groupby("year").size()
    mo = _read(city, "moran")
    for col in ("ICF_size", "ICF_depth"):
        got = mo[mo["column"] == col].set_index("year")["n"]
        pd.testing.assert_series_equal(got, per_year, check_names=False)  # weights per year's set
    assert per_year[2012] == 250 and per_year[2000] == 100
    con = _read(city, "connectivity")
    assert "years" in con.columns and len(con) == 20  # a different set of cities every year
    lisa = _read(city, "lisa")
    assert len(lisa) == 2 * len(fp)
    # ICF_size = CEC where in deficit (the diagnostics say it)
    codes = {d["code"] for d in m["diagnostics"]}
    assert {"all_deficit", "zero_area", "constant_cec", "dominant_class"} <= codes


def test_city_transitions_use_the_balanced_panel(city):
    m = _manifest(city)
    p = m["steps"]["panels"]["transitions"]["ICF_size"]
    # longest window with >= 200 cities complete in every year, verified on the data: with
    # the 273 cities of the footprint, 2010-2015 keeps 198, 2011-2015 207, 2010-2014 208
    assert (p["first_year"], p["last_year"], p["n_regions"]) == (2010, 2014, 208)
    assert len(p["kept"]) == 208 and len(p["dropped"]) == 273 - 208
    assert all(set(v) <= set(range(2010, 2015)) and v for v in p["dropped"].values())
    panel = _read(city, "lisa_panel")
    sub = panel[panel["column"] == "ICF_size"]
    assert len(sub) == 208 * 5 and set(sub["region_code"]) == set(p["kept"])
    moves = _read(city, "transition_moves")
    mv = moves[moves["column"] == "ICF_size"]
    assert len(mv) == 208 * 4 and set(mv["region_code"]) == set(p["kept"])
    counts = _read(city, "transition_counts")
    c = counts[counts["column"] == "ICF_size"][["HH", "LH", "LL", "HL"]].to_numpy().sum()
    assert c == mv["counted"].sum()
    assert any("balanced panel of 208 regions" in n for n in m["notes"])


def test_city_moran_against_esda(city):
    esda = pytest.importorskip("esda")
    from spatial_carbon import layers
    from spatial_carbon.spatial import weights

    fp = _read(city, "footprint")
    y = fp[fp["year"] == 2012].sort_values("region_code")
    gdf = layers.boundaries("bundled:city")
    gdf = gdf[gdf["region_code"].isin(y["region_code"])].reset_index(drop=True)
    w, _ = weights.build(gdf, "region_code", kind="queen", islands="knn")
    vals = y.set_index("region_code")["ICF_size"].reindex(w.ids).to_numpy()
    ref = esda.Moran(vals, w.to_libpysal(), permutations=0)
    mo = _read(city, "moran")
    got = mo[(mo["column"] == "ICF_size") & (mo["year"] == 2012)]["I"].iloc[0]
    assert got == pytest.approx(ref.I, rel=1e-12)


def test_city_figures_follow_the_study(city):
    r = CliRunner().invoke(main, ["figures", str(city), "--years", "2019"])
    assert r.exit_code == 0, r.output
    assert "lisa_cluster_ICF_size_2019.png" in r.output
    assert (city / "maps" / "choropleth_ICF_size_2019.png").stat().st_size > 5_000


def test_city_config_ships_beside_the_province_one(tmp_path):
    path = config_mod.demo_config_path("city")
    assert path.parent == config_mod.demo_config_path().parent
    cfg = config_mod.load(path)
    assert cfg["inputs"]["boundaries"] == "bundled:city"
    r = CliRunner().invoke(main, ["demo", "--level", "city", "--write-config",
                                  str(tmp_path / "c.toml")])
    assert r.exit_code == 0 and "ceads_cities" in (tmp_path / "c.toml").read_text("utf-8")


def _county_study(tmp_path: Path, *, drop_every: int = 7) -> Path:
    """A generated county inventory over the 2,875 bundled counties (2015, 2016);
    every 7th county code has no 2016 inventory."""
    codes = datasets.boundaries("county")["code"].to_numpy()
    rng = np.random.default_rng(2875)
    rows = [pd.DataFrame({"region_code": codes, "year": y, "CO2_t": rng.lognormal(13, 1, len(codes))})
            for y in (2015, 2016)]
    t = pd.concat(rows)
    t = t[~((t["year"] == 2016) & (t["region_code"] % drop_every == 0))]
    t.to_csv(tmp_path / "county_co2.csv", index=False)
    cfg = tmp_path / "study.toml"
    cfg.write_text(
        '[study]\ntitle = "County test"\nfirst_year = 2015\nlast_year = 2016\n'
        '[inputs]\nemissions = "county_co2.csv"\nemissions_scope = "total"\n'
        'boundaries = "bundled:county"\n[inputs.landcover]\n'
        'rasters = ["bundled:landcover/MCD12C1_2019_IGBP_china_clip_0p05deg.tif"]\n'
        'legend = "modis_igbp"\nyears = [2019]\nfill_years = "nearest"\n'
        '[classify]\ncolumns = ["ICF", "ICF_depth"]\n'
        '[spatial]\ncolumns = ["ICF_size"]\npermutations = 99\n', encoding="utf-8")
    return cfg


def test_county_study_from_a_table_cli_and_api(tmp_path):
    cfg = _county_study(tmp_path)
    out = tmp_path / "out"
    r = CliRunner().invoke(main, ["run", str(cfg), "--no-maps", "--no-report", "--out", str(out)])
    assert r.exit_code == 0, r.output
    fp = _read(out, "footprint")
    n15, n16 = (fp["year"] == 2015).sum(), (fp["year"] == 2016).sum()
    assert n15 > 2000 and n16 < n15  # every 7th code has no 2016 inventory
    assert not (fp[fp["year"] == 2016]["region_code"] % 7 == 0).any()
    mo = _read(out, "moran").set_index("year")["n"]
    assert (mo[2015], mo[2016]) == (n15, n16)
    m = _manifest(out)
    p = m["steps"]["panels"]["transitions"]["ICF_size"]
    complete = set(fp[fp["year"] == 2015]["region_code"]) & set(fp[fp["year"] == 2016]["region_code"])
    assert (p["first_year"], p["last_year"], p["n_regions"]) == (2015, 2016, len(complete))
    assert "county_co2.csv" in [e["path"] for e in m["inputs"]]  # relative to the study file
    assert m["steps"]["ice"]["scope"] == "total"
    # the same study from Python
    res = study.run(config_mod.load(cfg))
    pd.testing.assert_frame_equal(res.footprint.reset_index(drop=True),
                                  fp, check_dtype=False, check_exact=False, rtol=1e-12)


@pytest.mark.parametrize("extra,match", [
    ('ceads = "bundled:ceads/provinces"\n', r"exactly one of 'ceads'.*got ceads, emissions"),
    ('emissions_scope = "sectors"\n', "emissions_scope must be 'total' or 'industry'"),
])
def test_config_emission_inputs(tmp_path, extra, match):
    from spatial_carbon.errors import ConfigError

    (tmp_path / "e.csv").write_text("region_code,year,CO2_t\n110101,2015,1.0\n", encoding="utf-8")
    cfg = tmp_path / "s.toml"
    cfg.write_text('[study]\nfirst_year = 2015\nlast_year = 2015\n[inputs]\nemissions = "e.csv"\n'
                   + extra + '[inputs.landcover]\nareas = "e.csv"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=match):
        config_mod.load(cfg)


@pytest.mark.parametrize("spatial,match", [
    ("panel_years = [2015, 2010]", r"panel_years must be \[\] or \[first, last\]"),
    ("panel_years = [2010]", r"panel_years must be"),
    ("panel_min_regions = 1", "panel_min_regions must be an integer >= 2"),
])
def test_config_panel_keys(tmp_path, spatial, match):
    from spatial_carbon.errors import ConfigError

    cfg = tmp_path / "s.toml"
    cfg.write_text('[study]\nfirst_year = 2015\nlast_year = 2015\n[inputs]\n'
                   'ceads = "bundled:ceads/provinces"\n[inputs.landcover]\n'
                   'rasters = ["bundled:landcover/MCD12C1_2019_IGBP_china_clip_0p05deg.tif"]\n'
                   f'[spatial]\n{spatial}\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=match):
        config_mod.load(cfg)


def test_size_depth_scatter_labels_only_the_outliers_of_many_points():
    from spatial_carbon.maps import charts

    rng = np.random.default_rng(3)
    n = 120
    z = pd.DataFrame({"region_code": np.arange(n), "region": [f"r{i}" for i in range(n)],
                      "year": 2019, "z_ICF_size": rng.normal(size=n),
                      "z_ICF_depth": rng.normal(size=n), "zone": "I"})
    z.loc[7, ["z_ICF_size", "z_ICF_depth"]] = [9.0, 9.0]  # the farthest point is labelled
    fig = charts.size_depth_scatter(z, year=2019, max_labels=40)
    labels = [t.get_text() for t in fig.axes[0].texts if t.get_gid() == "point-label"]
    assert len(labels) == 40 and "r7" in labels
    fig = charts.size_depth_scatter(z.head(30), year=2019)  # the provinces: every point
    assert len([t for t in fig.axes[0].texts if t.get_gid() == "point-label"]) == 30
