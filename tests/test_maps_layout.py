"""Maps Chinese journals accept: territory (Taiwan, Hong Kong, Macau on every
national map), text that never overlaps (checked on the renderer's window
extents), the scale bar in open sea, the inset label clear of the ten-dash
line, the Moran scatter's quadrant legend and labels."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.colors as mcolors  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
import shapely  # noqa: E402
from matplotlib.transforms import Bbox  # noqa: E402

from spatial_carbon import datasets, maps  # noqa: E402
from spatial_carbon.maps import _base, _layout  # noqa: E402

TERRITORY = {710000, 810000, 820000}


# skipped without a CJK font, required in CI (tests/conftest.py)
needs_cjk = pytest.mark.cjk


@pytest.fixture(scope="module")
def provinces():
    return datasets.boundaries("province")  # the 31 mainland provinces


@pytest.fixture(scope="module")
def panel(provinces):
    rng = np.random.default_rng(7)
    codes = [c for c in provinces["region_code"] if c != 540000]  # CEADs: no Tibet
    rows = [(c, y, rng.gamma(2.0, 3e7) * (1 + (y - 2000) / 20))
            for y in (2000, 2010, 2019) for c in codes]
    return pd.DataFrame(rows, columns=["region_code", "year", "ICF"])


def _region_ids(fig, gid="regions"):
    out = []
    for ax in fig.axes:
        for c in ax.collections:
            if c.get_gid() == gid:
                out.append(list(c.region_ids))
    return out


def _insets(fig):
    return [c for a in fig.axes for c in a.child_axes if c.get_gid() == "scs-inset"]


# ------------------------------------------------------------------ territory


@pytest.fixture(scope="module")
def lisa(provinces):
    rows = [(c, y, (i + y) % 5, 0.01) for y in (2010, 2019)
            for i, c in enumerate(provinces["region_code"]) if c != 540000]
    return pd.DataFrame(rows, columns=["region_code", "year", "cluster", "p_sim"])


def _national_figures(provinces, panel, lisa):
    zones = panel.assign(zone=np.where(panel["ICF"] > panel["ICF"].median(), "I", "III"))
    flows = pd.DataFrame({"origin_code": [110000, 440000], "destination_code": [130000, 450000],
                          "value": [3e6, 1e6]})
    return {
        "choropleth": maps.choropleth(panel, provinces, "ICF", year=2019),
        "small_multiples": maps.small_multiples(panel, provinces, "ICF", [2000, 2019]),
        "lisa_cluster": maps.lisa_map(lisa, provinces, year=2019),
        "lisa_significance": maps.lisa_figure(lisa, provinces, years=[2010, 2019],
                                              kind="significance"),
        "zones": maps.zones_map(zones, provinces, years=[2019]),
        "flows": maps.flow_map(flows, provinces),
    }


def test_every_national_map_draws_taiwan_hong_kong_macau(provinces, panel, lisa):
    for name, fig in _national_figures(provinces, panel, lisa).items():
        ids = _region_ids(fig)
        assert ids, name
        for panel_ids in ids:
            assert TERRITORY <= set(panel_ids), name
            assert len(panel_ids) == len(set(panel_ids)) == 34, name
        # the South China Sea inset shows Taiwan too (it reaches into the inset box)
        for inset in _insets(fig):
            inset_ids = [c.region_ids for c in inset.collections if c.get_gid() == "inset-regions"]
            assert 710000 in inset_ids[0], name
        if name != "flows":  # "No data" in the legend, grey and hatched on the map
            assert any("No data" in t.get_text() for leg in [*fig.legends, *(
                a.get_legend() for a in fig.axes if a.get_legend())] for t in leg.get_texts()), name
            ax = next(a for a in fig.axes if any(c.get_gid() == "regions" for c in a.collections))
            coll = next(c for c in ax.collections if c.get_gid() == "regions")
            face = dict(zip(coll.region_ids, [mcolors.to_hex(c) for c in coll.get_facecolors()]))
            assert {face[c] for c in TERRITORY} == {mcolors.to_hex(_base.NODATA_COLOR)}, name
            hatch = [c for c in ax.collections if c.get_gid() == "regions-nodata-hatch"]
            assert hatch and len(hatch[0].get_paths()) >= 3, name


def test_study_figure_set_draws_the_territory(tmp_path, provinces, panel, lisa):
    written = {}

    overlaps = {}

    def keep(fig, path, formats=("png",), **kw):
        written[path.name] = _region_ids(fig)
        overlaps[path.name] = _layout.text_overlaps(fig)
        return []

    import spatial_carbon.maps.study as study

    orig = study.B.save_figure
    study.B.save_figure = keep
    try:
        # with a foot note (the city study's "total CO2" line): it overlaps nothing
        study.study_figures({"footprint": panel, "lisa": lisa.assign(column="ICF")}, provinces,
                            tmp_path, years=[2010, 2019],
                            note="Emissions: total CO2 of each region (CEADs), not industrial ICE")
    finally:
        study.B.save_figure = orig
    maps_drawn = {k: v for k, v in written.items() if v}
    assert {"choropleth_ICF_2019", "lisa_cluster_ICF_2019"} <= set(maps_drawn)
    for name, ids in maps_drawn.items():
        assert all(TERRITORY <= set(p) for p in ids), name
    assert all(v == [] for v in overlaps.values()), overlaps


def test_territory_is_not_doubled_nor_added_to_regional_maps(provinces, panel):
    full = datasets.boundaries("province", mainland31=False)  # has all 34 units
    fig = maps.choropleth(panel, full, "ICF", year=2019)
    assert len(_region_ids(fig)[0]) == 34 and fig.spatial_carbon["added"] == []
    # a user's layer keyed by names: presence is tested by geometry, ids follow the layer
    named = provinces.assign(name=provinces["region"])[["name", "geometry"]]
    data = pd.DataFrame({"name": provinces["region"], "v": np.arange(31.0)})
    fig = maps.choropleth(data, named, "v", id_field="name", k=3)
    assert set(_region_ids(fig)[0]) >= {"710000", "810000", "820000"}
    # opt out
    fig = maps.choropleth(panel, provinces, "ICF", year=2019, complete_territory=False)
    assert len(_region_ids(fig)[0]) == 31
    # a regional map (Beijing's counties) is not a national map
    counties = datasets.boundaries("county")
    bj = counties[counties["province_adcode"] == 110000]
    assert not _base.is_national_map(bj) and _base.is_national_map(counties)
    d = pd.DataFrame({"code": bj["code"], "v": np.linspace(0, 1, len(bj))})
    fig = maps.choropleth(d, bj, "v", id_field="code", k=3)
    assert set(_region_ids(fig)[0]) == set(bj["code"])


def test_city_layer_without_the_territory_gets_it(panel):
    cities = datasets.boundaries("city")
    mainland = cities[cities["province_adcode"] < 700000].reset_index(drop=True)
    data = pd.DataFrame({"code": mainland["code"], "v": np.arange(len(mainland), dtype=float)})
    fig = maps.choropleth(data, mainland, "v", id_field="code", k=5)
    ids = _region_ids(fig)[0]
    assert len(ids) == len(mainland) + 3 and TERRITORY <= set(ids)


# ------------------------------------------------------------------ text placement


def _assert_no_overlaps(fig):
    assert _layout.text_overlaps(fig) == []


@pytest.mark.parametrize("lang", ["en", pytest.param("zh", marks=needs_cjk)])
def test_province_labels_do_not_overlap(provinces, panel, lang):
    fig = maps.choropleth(panel, provinces, "ICF", year=2019, label_regions=True, lang=lang)
    labels = [t for t in fig.axes[0].texts if t.get_gid() == "region-label"]
    assert len(labels) == 34
    # Beijing, Tianjin and Hebei collide when written at their centroids ...
    r = fig.canvas.get_renderer()
    at = {t.get_text(): t for t in labels}
    names = ("北京", "天津", "河北") if lang == "zh" else ("Beijing", "Tianjin", "Hebei")
    # ... and are apart now; no two texts of the figure overlap
    boxes = [at[n].get_window_extent(r) for n in names]
    for i in range(3):
        for j in range(i + 1, 3):
            assert not boxes[i].overlaps(boxes[j]), (names[i], names[j])
    _assert_no_overlaps(fig)
    # a label that had to move gets a leader line to its region; one that still
    # covers its region's point does not
    lab = fig.axes[0].sc_labels
    leaders = [p for p in fig.axes[0].patches if p.get_gid() == "label-leader"]
    moved = 0
    for t, (x, y) in zip(lab["texts"], lab["targets"]):
        px, py = fig.axes[0].transData.transform((x, y))
        bb = t.get_window_extent(r)
        moved += not (bb.x0 <= px <= bb.x1 and bb.y0 <= py <= bb.y1)
    assert len(leaders) == moved


def test_text_overlap_check_detects_overlaps():
    """The checker itself: two texts written at one point overlap."""
    fig, ax = _base.new_axes((3, 3))
    ax.text(0.5, 0.5, "Beijing")
    ax.text(0.5, 0.5, "Tianjin")
    assert _layout.text_overlaps(fig) == [("Beijing", "Tianjin")]


def test_no_text_overlaps_in_the_national_figures(provinces, panel, lisa):
    for name, fig in _national_figures(provinces, panel, lisa).items():
        assert _layout.text_overlaps(fig) == [], name


def _land(fig_ax):
    return fig_ax.sc_layout["land"]


def test_scale_bar_lies_in_open_sea(provinces, panel):
    fig = maps.choropleth(panel, provinces, "ICF", year=2019, label_regions=True)
    ax = fig.axes[0]
    assert fig.spatial_carbon["layout"]["scale_bar_free"] == [True]
    r = fig.canvas.get_renderer()
    parts = [a for a in [*ax.texts, *ax.patches] if a.get_gid() in ("scalebar", "scalebar-label")]
    assert len([p for p in parts if p.get_gid() == "scalebar-label"]) == 3  # 0, 500, 1,000 km
    geoms = _land(ax).geometries
    for a in parts:
        bb = a.get_window_extent(r)
        (x0, y0), (x1, y1) = ax.transData.inverted().transform([[bb.x0, bb.y0], [bb.x1, bb.y1]])
        rect = shapely.box(x0, y0, x1, y1)
        hit = [g for g in geoms if g.intersects(rect)]
        assert not hit, f"scale bar part {getattr(a, 'get_text', lambda: 'bar')()!r} covers land"
    # and not the legend, the inset or the north arrow
    bar = Bbox.union([a.get_window_extent(r) for a in parts])
    assert not bar.overlaps(ax.get_legend().get_window_extent(r))
    assert not bar.overlaps(ax.child_axes[0].get_tightbbox(r))


@pytest.mark.parametrize("lang", ["en", pytest.param("zh", marks=needs_cjk)])
def test_inset_label_clear_of_the_dashed_line(provinces, panel, lang):
    fig = maps.choropleth(panel, provinces, "ICF", year=2019, lang=lang)
    inset = _insets(fig)[0]
    label = [t for t in inset.texts if t.get_gid() == "inset-label"][0]
    r = fig.canvas.get_renderer()
    bb = label.get_window_extent(r)
    (x0, y0), (x1, y1) = inset.transData.inverted().transform([[bb.x0, bb.y0], [bb.x1, bb.y1]])
    rect = shapely.box(x0, y0, x1, y1)
    line = _base.maritime_boundary(maps.CHINA_ALBERS).iloc[0]
    assert not line.intersects(rect)
    # nor any island (the whole province layer, Hainan's 148 parts included)
    land = datasets.boundaries("province", mainland31=False).to_crs(maps.CHINA_ALBERS)
    assert not land.intersects(rect).any()
    placed = fig.spatial_carbon["layout"]["inset_label"]
    if lang == "zh":  # 南海诸岛 fits inside the frame (lower right, as on standard maps)
        assert placed == [True] and label.get_position()[0] > 0.5
    else:  # "South China Sea Islands" is too wide for a free corner: under the frame
        assert placed == [False] and label.get_position()[1] < 0


def test_outputs_with_adjusted_labels_are_byte_reproducible(tmp_path, provinces, panel):
    paths = []
    for k in range(2):  # two separate figures: adjustText must place labels alike
        fig = maps.choropleth(panel, provinces, "ICF", year=2019, label_regions=True)
        paths.append(maps.save_figure(fig, tmp_path / f"m{k}", ("pdf", "svg")))
    assert paths[0][0].read_bytes() == paths[1][0].read_bytes()
    assert paths[0][1].read_bytes() == paths[1][1].read_bytes()


# ------------------------------------------------------------------ charts


def test_moran_scatter_quadrant_legend_and_significant_labels():
    # z and lag worked by hand: quadrants by the signs (HH: z >= 0, lag >= 0)
    z = np.array([1.5, 1.0, -1.2, -0.8, 0.9, -0.5, 0.3, -1.0])
    lag = np.array([1.2, 0.8, -1.0, 0.6, -0.4, -0.3, 0.2, -0.9])
    names = ["Jiangsu", "Zhejiang", "Qinghai", "Anhui", "Hebei", "Gansu", "Hunan", "Ningxia"]
    sig = np.array([True, True, True, False, True, False, False, True])
    fig = maps.moran_scatter(z, lag=lag, standardize=False, names=names, significant=sig,
                             label="ICF_size", alpha=0.05)
    meta = fig.spatial_carbon
    assert meta["quadrants"] == [1, 1, 2, 3, 4, 2, 1, 2]  # 1 HH, 2 LL, 3 LH, 4 HL
    assert meta["legend_labels"][:4] == ["HH (High-High)", "LH (Low-High)", "LL (Low-Low)",
                                         "HL (High-Low)"]
    assert meta["legend_labels"][4] == "significant (p ≤ 0.05)"
    assert meta["labelled"] == ["Jiangsu", "Zhejiang", "Qinghai", "Hebei", "Ningxia"]
    ax = fig.axes[0]
    assert sorted(t.get_text() for t in ax.texts if t.get_gid() == "point-label") == \
        sorted(meta["labelled"])
    assert ax.get_title().startswith("Footprint size (ICF_size): Moran's I = ")
    _assert_no_overlaps(fig)
    # the legend sits outside the plot: it hides no point
    r = fig.canvas.get_renderer()
    assert not ax.get_legend().get_window_extent(r).overlaps(ax.get_window_extent(r))
    with pytest.raises(Exception, match="names for 8 values"):
        maps.moran_scatter(z, lag=lag, standardize=False, names=names[:3])


def test_study_moran_scatter_labels_the_significant_clusters(tmp_path, provinces, panel):
    rng = np.random.default_rng(3)
    sub = panel[panel["year"] == 2019]
    lisa = sub[["region_code", "year"]].assign(
        z=rng.normal(size=len(sub)), lag=rng.normal(size=len(sub)),
        cluster=[1, 2, 0, 3] + [0] * (len(sub) - 4), p_sim=0.3, column="ICF")
    moran = pd.DataFrame({"year": [2019], "I": [0.3], "p_sim": [0.01], "column": ["ICF"]})
    seen = {}
    import spatial_carbon.maps.study as study

    orig = study.B.save_figure
    # keep what was drawn before study_figures clears the figure
    study.B.save_figure = lambda fig, path, formats=(), **k: seen.setdefault(
        path.name, (dict(fig.spatial_carbon), fig.axes[0].get_title() if fig.axes else "")) and []
    try:
        study.study_figures({"footprint": panel, "lisa": lisa, "moran": moran}, provinces,
                            tmp_path, years=[2019])
    finally:
        study.B.save_figure = orig
    meta, title = seen["moran_scatter_ICF_2019"]
    from spatial_carbon import regions

    expect = regions.names(lisa["region_code"].iloc[[0, 1, 3]]).tolist()
    assert meta["labelled"] == expect
    assert title.startswith("Industrial carbon footprint (ICF) 2019: Moran's I")


def test_size_depth_labels_do_not_overlap(panel):
    from spatial_carbon.footprint import zones

    p = panel.assign(CEC=panel["ICF"].sample(frac=1.0, random_state=1).to_numpy())
    p["ICF_size"] = np.minimum(p["ICF"], p["CEC"])
    p["ICF_depth"] = 1 + np.maximum(p["ICF"] - p["CEC"], 0) / p["CEC"]
    zt = zones.quadrants(p)
    from spatial_carbon import regions

    zt = zt.assign(region=regions.names(zt["region_code"]).to_numpy())
    fig = maps.size_depth_scatter(zt, year=2019)
    labels = [t for t in fig.axes[0].texts if t.get_gid() == "point-label"]
    assert len(labels) == 30
    _assert_no_overlaps(fig)
    assert fig.axes[0].get_title() == "Footprint size vs depth, 2019"


def test_hot_spot_and_centre_maps_draw_the_territory_without_overlaps(provinces, panel):
    from spatial_carbon.maps.hotspots import centre_map, hotspot_map
    from spatial_carbon.spatial import centrography

    hot = panel[["region_code", "year"]].assign(gi_bin=np.resize([-3, -1, 0, 2, 3], len(panel)))
    fig = hotspot_map(hot, provinces, years=[2019])
    assert TERRITORY <= set(_region_ids(fig)[0]) and fig.spatial_carbon["added"]
    assert "No data" in [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert fig.spatial_carbon["layout"]["scale_bar_free"] == [True]
    _assert_no_overlaps(fig)
    prov = provinces[provinces.region_code != 540000].reset_index(drop=True)
    c = centrography.mean_centre(panel, prov, "ICF", id_col="region_code")
    fig = centre_map(c.centres, provinces)
    assert TERRITORY <= set(_region_ids(fig)[0])
    assert fig.spatial_carbon["layout"]["scale_bar_free"] == [True]
    _assert_no_overlaps(fig)
