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


def test_city_hot_spots_bivariate_markov_and_centre_follow_the_panels(city):
    """Issue-13 tools in the city demo: G* and the bivariate LISA on each year's
    cross-section (weights on that year's cities), the spatial Markov chain and the
    centre of gravity on the balanced panel."""
    esda = pytest.importorskip("esda")
    from spatial_carbon import layers
    from spatial_carbon.spatial import weights
    from spatial_carbon.spatial.centrography import CHINA_ALBERS

    fp = _read(city, "footprint")
    per_year = fp.groupby("year").size()
    hs = _read(city, "hotspots")
    pd.testing.assert_series_equal(hs.groupby("year").size(), per_year)
    bm = _read(city, "bivariate_moran").set_index("year")["n"]
    pd.testing.assert_series_equal(bm, per_year, check_names=False)
    # G* z of 2012 against esda on binary queen weights built on the 250 cities of 2012
    y = fp[fp["year"] == 2012]
    gdf = layers.boundaries("bundled:city")
    w, _ = weights.build(gdf[gdf["region_code"].isin(y["region_code"])].reset_index(drop=True),
                         "region_code", kind="queen", islands="knn", transform="b")
    vals = y.set_index("region_code")["ICF_size"].reindex(w.ids).to_numpy()
    ref = esda.G_Local(vals, w.to_libpysal(), transform="B", star=True, permutations=0)
    got = hs[hs["year"] == 2012].set_index("region_code")["gi_z"].reindex(w.ids)
    np.testing.assert_allclose(got.to_numpy(), ref.Zs, rtol=1e-10)
    m = _manifest(city)
    kept = set(m["steps"]["panels"]["transitions"]["ICF_size"]["kept"])
    mt = _read(city, "markov_transitions")
    pooled = mt[(mt["column"] == "ICF_size") & (mt["conditioning"] == "pooled")]
    assert pooled["n_steps"].sum() == 208 * 4  # the panel's cities, 2010->2011 ... 2013->2014
    ce = _read(city, "centre")
    ice = ce[ce["variable"] == "ICE"].set_index("year")
    assert list(ice.index) == list(range(2010, 2015)) and set(ice["n"]) == {208}
    # the 2012 centre by hand: ICE-weighted mean of the city centroids in China Albers
    c = gdf[gdf["region_code"].isin(kept)].to_crs(CHINA_ALBERS)
    c = c.assign(x=c.geometry.centroid.x, y=c.geometry.centroid.y).set_index("region_code")
    e = fp[(fp["year"] == 2012) & fp["region_code"].isin(kept)].set_index("region_code")["ICE"]
    np.testing.assert_allclose([ice.loc[2012, "x_m"], ice.loc[2012, "y_m"]],
                               [(c["x"] * e).sum() / e.sum(), (c["y"] * e).sum() / e.sum()],
                               rtol=1e-9)
    assert any(n.startswith("the spatial Markov chain of ICF_size uses a balanced panel of 208")
               for n in m["notes"])
    assert any(n.startswith("the centre of gravity of ICE uses a balanced panel of 208")
               for n in m["notes"])


def test_city_figures_follow_the_study(city, monkeypatch):
    from spatial_carbon.maps import _base as B, _layout

    overlaps = {}
    save = B.save_figure

    def checked(fig, path, formats):  # no overlapping text at city scale either
        overlaps[Path(path).name] = _layout.text_overlaps(fig)
        return save(fig, path, formats)

    monkeypatch.setattr(B, "save_figure", checked)
    r = CliRunner().invoke(main, ["figures", str(city), "--years", "2019"])
    assert r.exit_code == 0, r.output
    assert {"moran_scatter_ICF_size_2019", "size_depth_2019", "hotspots_ICF_size",
            "markov_ICF_size", "centre_ICE"} <= set(overlaps)
    assert {k: v for k, v in overlaps.items() if v} == {}
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


def test_crowded_scatter_labels_never_overlap():
    """120 points in a tight cloud with long names (cities): adjustText cannot free
    every label; the ones it cannot are hidden, the farthest points' kept first."""
    from spatial_carbon.maps import _layout, charts

    rng = np.random.default_rng(5)
    n = 120
    z = pd.DataFrame({"region_code": np.arange(n), "region": [f"region {i} prefecture" for i in range(n)],
                      "year": 2019, "z_ICF_size": rng.normal(scale=0.2, size=n),
                      "z_ICF_depth": rng.normal(scale=0.2, size=n), "zone": "I"})
    z.loc[7, ["z_ICF_size", "z_ICF_depth"]] = [3.0, 3.0]  # the farthest point
    fig = charts.size_depth_scatter(z, year=2019, max_labels=40)
    labels = [t for t in fig.axes[0].texts if t.get_gid() == "point-label"]
    shown = [t.get_text() for t in labels if t.get_visible()]
    assert len(labels) == 40 and 0 < len(shown) < 40  # some had to go
    assert "region 7 prefecture" in shown
    assert _layout.text_overlaps(fig) == []
    assert fig.spatial_carbon["layout"]["labels_hidden"] == 40 - len(shown)


def test_hide_crowded_keeps_labels_in_priority_order():
    import matplotlib.pyplot as plt

    from spatial_carbon.maps import _layout

    fig, ax = plt.subplots()
    a, b, c = (ax.text(0.5, 0.5, s) for s in ("first", "second", "third"))  # one spot
    d = ax.text(0.1, 0.9, "alone")
    fig.canvas.draw()
    hidden = _layout.hide_crowded([a, b, c, d], fig.canvas.get_renderer())
    assert hidden == [b, c] and a.get_visible() and d.get_visible()
    assert _layout.text_overlaps(fig) == []
    plt.close(fig)


def test_city_labels_are_the_layers_names_not_codes(monkeypatch):
    """Region labels (Moran scatter, maps) for ids the province registry does not know:
    the layer's own names (the bundled city layer has Chinese names only), codes only
    when no font can draw them."""
    from spatial_carbon.errors import DependencyError
    from spatial_carbon.maps import _base as B

    g = pd.DataFrame({"region_code": [110000, 230200, 9], "region": ["北京市", "齐齐哈尔市", "x"]})
    monkeypatch.setattr(B, "cjk_font", lambda: "Noto Sans CJK SC")
    assert B.region_names(g, "region_code", "en") == ["Beijing", "齐齐哈尔市", "x"]
    assert B.region_names(g, "region_code", "zh") == ["北京", "齐齐哈尔市", "x"]

    def no_font():
        raise DependencyError("no CJK font")

    monkeypatch.setattr(B, "cjk_font", no_font)
    assert B.region_names(g, "region_code", "en") == ["Beijing", "230200", "9"]
    assert B.region_names(g.drop(columns="region"), "region_code", "en") == [
        "Beijing", "230200", "9"]
    assert B.region_names(g.assign(name=["Beijing", "Qiqihar", "X"]), "region_code", "en") == [
        "Beijing", "Qiqihar", "X"]


def test_figures_of_total_co2_and_of_a_sparse_panel_say_so(tmp_path, monkeypatch):
    """Titles name ICE/ICF as total CO2 (not industrial) when the study's emissions are
    total, and the national series says it sums the regions with data, not China."""
    from spatial_carbon.errors import InputError
    from spatial_carbon.maps import _base as B, charts
    from spatial_carbon.maps import study as mstudy
    from spatial_carbon.study import StudyResult

    assert B.variable_name("ICF") == "Industrial carbon footprint (ICF)"
    with B.emission_scope("total"):
        assert B.variable_name("ICF") == "Carbon footprint of total CO\u2082 (ICF)"
        assert B.variable_name("ICE", "zh") == "碳排放总量 ICE"
        assert B.variable_name("CEC") == "Carbon ecological capacity (CEC)"  # not emissions
    assert B.variable_name("ICF") == "Industrial carbon footprint (ICF)"  # reset after
    with pytest.raises(InputError, match="unknown emission scope 'sectors'"):
        with B.emission_scope("sectors"):
            pass
    nat = pd.DataFrame({"year": [2000, 2001], "n_regions": [100, 250],
                        "ICF": [5.0e8, 7.0e8], "CEC": [7.0e7, 8.0e7]})
    title = charts.national_series(nat).axes[0].get_title()
    assert title == ("Industrial carbon footprint (ICF) and Carbon ecological capacity (CEC),"
                     "\nsum over the regions with data (100–250 a year)")
    same = nat.assign(n_regions=30)  # the province study: as before
    assert charts.national_series(same).axes[0].get_title().endswith("(CEC), China")
    # study_figures takes the scope from the result's steps
    titles = []
    monkeypatch.setattr(mstudy, "_save", lambda fig, *a, **k: titles.append(
        fig.axes[0].get_title()))
    res = StudyResult.from_tables({"national": nat}, steps={"ice": {"scope": "total"}})
    mstudy.study_figures(res, None, tmp_path)
    assert titles and titles[0].startswith("Carbon footprint of total CO\u2082 (ICF) and")
    titles.clear()
    res = StudyResult.from_tables({"national": same}, steps={"ice": {"scope": "industry"}})
    mstudy.study_figures(res, None, tmp_path)
    assert titles[0].startswith("Industrial carbon footprint (ICF)")


def test_city_growth_rates_compare_the_cities_with_data_in_both_years(city):
    fp = _read(city, "footprint")
    gr = _read(city, "growth_rates").set_index(["indicator", "start"])
    both = set(fp[fp["year"] == 2005]["region_code"]) & set(fp[fp["year"] == 2010]["region_code"])
    sub = fp[fp["region_code"].isin(both)].groupby("year")["ICE"].sum()
    # independent of footprint.national: sums over the cities present in 2005 and 2010
    np.testing.assert_allclose(gr.loc[("ICE", 2005), "growth_rate_per_year"],
                               (sub[2010] / sub[2005]) ** (1 / 5) - 1, rtol=1e-12)
    n05, n10 = (fp["year"] == 2005).sum(), (fp["year"] == 2010).sum()
    assert gr.loc[("ICE", 2005), "note"] == (
        f"over the {len(both)} region(s) with data in both years ({n05} in 2005, {n10} in 2010)")
    html = (city / "report.html").read_text(encoding="utf-8")
    assert "not all of China: a change from one year to the next can be a change" in html
