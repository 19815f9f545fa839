"""One layer reader, one "file|layername=" syntax, one boundary resolver, one
join (spatial_carbon.layers), and zone ids of any kind (regions.normalise_ids)."""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from spatial_carbon import datasets, layers, regions
from spatial_carbon.errors import (CRSError, DuplicateRowError, InputError, LayerError,
                                   UnknownRegionError, UnmatchedRegionsWarning, shortlist)

GPKG = str(datasets.path("boundaries", "china_admin.gpkg"))


def _squares(ids, crs="EPSG:4326", field="id"):
    return gpd.GeoDataFrame({field: list(ids)},
                            geometry=[box(i, 0, i + 1, 1) for i in range(len(ids))], crs=crs)


# ------------------------------------------------------------------ shortlist
def test_shortlist_names_at_most_ten_then_and_n_more():
    assert shortlist(range(3)) == "0, 1, 2"
    assert shortlist(range(12)) == "0, 1, 2, 3, 4, 5, 6, 7, 8, 9 and 2 more"
    assert shortlist(["a", "b"], n=1, sep="; ") == "a and 1 more"


# ---------------------------------------------------------------------- parse
@pytest.mark.parametrize("spec, path, layer, index, bundled", [
    ("z.gpkg", "z.gpkg", None, None, None),
    ("z.gpkg|layername=cities", "z.gpkg", "cities", None, None),
    ("z.gpkg|layerid=2", "z.gpkg", None, 2, None),
    ("z.shp|layername=z|geometrytype=Polygon", "z.shp", "z", None, None),  # as QGIS writes it
    ("bundled:county", None, None, None, "county"),
    ({"path": "z.gpkg", "layer": "a"}, "z.gpkg", "a", None, None),  # the QGIS plugin's form
    ({"path": "z.gpkg", "layer": None}, "z.gpkg", None, None, None),
])
def test_parse_one_syntax(spec, path, layer, index, bundled):
    src = layers.parse(spec)
    assert (src.path, src.layer, src.layer_index, src.bundled) == (path, layer, index, bundled)


def test_parse_separate_layer_argument_and_round_trip():
    src = layers.parse("z.gpkg", layer="cities")
    assert str(src) == "z.gpkg|layername=cities"
    assert layers.parse(str(src)) == src
    assert str(layers.parse("bundled:city")) == "bundled:city"


@pytest.mark.parametrize("spec, kw, match", [
    ("bundled:town", {}, "unknown bundled layer 'bundled:town'; use one of bundled:province"),
    ("z.gpkg|subset=\"code\" > 1", {}, "unsupported option"),
    ("z.gpkg|layerid=x", {}, "layerid must be a whole number"),
    ("z.gpkg|layername=a", {"layer": "b"}, "two layer names"),
    ("bundled:city", {"layer": "x"}, "has one layer"),
    (3, {}, "a layer is a path"),
])
def test_parse_errors(spec, kw, match):
    with pytest.raises(LayerError, match=match):
        layers.parse(spec, **kw)


def test_old_double_colon_syntax_still_reads_with_a_deprecation_warning():
    with pytest.warns(DeprecationWarning, match=r"FILE\|layername=LAYER"):
        src = layers.parse(f"{GPKG}::cities")
    assert src.layer == "cities"


# ----------------------------------------------------------------------- read
def test_geopackage_with_several_layers_and_none_chosen_lists_them():
    with pytest.raises(LayerError, match=r"holds 3 layers \(provinces, cities, counties\); "
                                         r"choose one: '.*\|layername=provinces'"):
        layers.read(GPKG)


def test_read_by_name_index_and_separate_argument():
    assert len(layers.read(f"{GPKG}|layername=cities")) == 370
    assert len(layers.read(f"{GPKG}|layerid=2")) == 2875
    assert len(layers.read(GPKG, layer="provinces")) == 34
    with pytest.raises(LayerError, match="has no layer 'towns'; its layers are provinces, cities"):
        layers.read(GPKG, layer="towns")
    with pytest.raises(LayerError, match="layerid=7 is out of range"):
        layers.read(f"{GPKG}|layerid=7")


def test_bundled_layers_carry_region_code_and_region():
    prov = layers.read("bundled:province")
    assert len(prov) == 34 and prov["region_code"].dtype == np.int64
    city = layers.read("bundled:city")
    assert len(city) == 370
    np.testing.assert_array_equal(city["region_code"], city["code"])
    assert city.loc[city["code"] == 340800, "region"].item() == "安庆市"


@pytest.mark.parametrize("content, match", [
    (None, "file not found"),
    (b"this is not a GeoPackage", "cannot read .*bad.gpkg"),
    (b"SQLite format 3\x00" + b"\x00" * 200, "cannot read .*bad.gpkg"),  # truncated database
])
def test_missing_or_corrupt_file_is_a_one_line_layer_error(tmp_path, content, match):
    p = tmp_path / "bad.gpkg"
    if content is not None:
        p.write_bytes(content)
    with pytest.raises(LayerError, match=match) as exc:
        layers.read(p)
    assert "\n" not in str(exc.value) and "Traceback" not in str(exc.value)


def test_empty_layer_and_layer_without_geometry(tmp_path):
    p = tmp_path / "e.gpkg"
    _squares(["a"]).iloc[:0].to_file(p, layer="e")
    with pytest.raises(LayerError, match="has no features"):
        layers.read(p)
    assert len(layers.read(p, require_features=False)) == 0
    q = tmp_path / "t.gpkg"
    import pyogrio

    pyogrio.write_dataframe(pd.DataFrame({"a": [1]}), q, layer="t")
    with pytest.raises(LayerError, match="holds no vector layer"):
        layers.read(q)


def test_attribute_tables_such_as_layer_styles_are_not_layers(tmp_path):
    """QGIS keeps styles in a GeoPackage's layer_styles table: one data layer."""
    from spatial_carbon import styles

    p = tmp_path / "l.gpkg"
    _squares(["a", "b"]).to_file(p, layer="lisa")
    styles.save_to_gpkg(p, "lisa", {"zones": styles.zones_qml("id")})
    import pyogrio

    assert len(pyogrio.list_layers(p)) == 2
    assert layers.list_layers(p) == ["lisa"]
    assert len(layers.read(p)) == 2
    with pytest.raises(LayerError, match="has no layer 'layer_styles'"):
        layers.read(p, layer="layer_styles")


def test_read_table_csv_or_layer_attributes(tmp_path):
    pd.DataFrame({"id": ["a"], "v": [1.0]}).to_csv(tmp_path / "t.csv", index=False)
    assert layers.read_table(tmp_path / "t.csv").columns.tolist() == ["id", "v"]
    _squares(["a", "b"]).to_file(tmp_path / "z.gpkg", layer="z")
    assert layers.read_table(tmp_path / "z.gpkg")["id"].tolist() == ["a", "b"]
    with pytest.raises(InputError, match="file not found"):
        layers.read_table(tmp_path / "none.csv")


# ------------------------------------------------------------------- zone ids
def test_provincial_ids_are_normalised_through_the_registry():
    codes, names = regions.normalise_ids(["北京", "Hebei", 310000, "Nei Monggol"])
    assert codes.tolist() == [110000, 130000, 310000, 150000]
    assert names.tolist() == ["Beijing", "Hebei", "Shanghai", "Inner Mongolia"]


def test_city_and_county_codes_pass_through_unchanged():
    city = layers.read("bundled:city")
    codes, names = regions.normalise_ids(city["code"], names=city["name_zh"])
    # the bundled city layer holds 500000 (Chongqing), 710000, 810000, 820000 as cities too
    assert {500000, 810000} <= set(codes)
    np.testing.assert_array_equal(codes, city["code"])
    assert names.iloc[0] == "北京市"
    county = layers.read("bundled:county")
    codes, _ = regions.normalise_ids(county["code"].astype(str))  # codes read as text
    assert codes.dtype == np.int64
    np.testing.assert_array_equal(codes, county["code"])


def test_names_of_the_bundled_city_layer_pass_through():
    # 北京市, 吉林市, 香港特别行政区 ... are also provincial spellings: the bundled
    # layer's names decide that the column is not provincial
    names = layers.read("bundled:city")["name_zh"]
    codes, shown = regions.normalise_ids(names)
    assert codes.tolist() == names.tolist() and shown.tolist() == names.tolist()
    assert regions.id_kind(["北京市", "吉林市", "长春市"]) == "as_given"


@pytest.mark.parametrize("values, expected", [
    (["zone A", "zone B"], ["zone A", "zone B"]),
    ([" A1 ", "B2"], ["A1", "B2"]),
    (["001", "002"], ["001", "002"]),          # leading zeros are kept: text ids
    ([1, 2, 11, 12], [1, 2, 11, 12]),          # own numbers, not 2-digit province codes
    ([1.0, 2.0], [1, 2]),                      # a CSV column with gaps reads as float
    (["7", 8], [7, 8]),
    (["A", 3], ["A", "3"]),
])
def test_user_ids_pass_through(values, expected):
    codes, names = regions.normalise_ids(values)
    assert codes.tolist() == expected
    assert names.tolist() == [str(v) for v in expected]


def test_explicit_id_kinds():
    assert regions.normalise_ids([11, 12], ids="province")[0].tolist() == [110000, 120000]
    assert regions.normalise_ids(["Beijing"], ids="as_given")[0].tolist() == ["Beijing"]
    with pytest.raises(UnknownRegionError, match="'Gotham'"):
        regions.normalise_ids(["Gotham"], ids="province")
    with pytest.raises(InputError, match="ids must be one of auto, province, as_given"):
        regions.normalise_ids(["a"], ids="cities")


@pytest.mark.parametrize("values, match", [
    (["Beijing", "Hebei", "Gotham"], r"'Gotham'.*read them as given: ids='as_given'"),
    (["Beijng", "Shangai"], r"'Beijng' \(closest: Beijing"),  # every id misspelt
    ([110000, 120000, 999999], r"999999.*2 of 3 are provincial"),
    (["Jilin", "Changchun"], r"'Changchun'"),  # own English city names, one like a province
])
def test_mixed_or_misspelt_columns_are_errors_never_silent(values, match):
    with pytest.raises(UnknownRegionError, match=match):
        regions.normalise_ids(values, where="t.csv")


def test_unknown_name_message_lists_at_most_ten():
    """The 370 city names read as provinces: one line naming 10, not 30 KB."""
    names = layers.read("bundled:city")["name_zh"].tolist()
    with pytest.raises(UnknownRegionError, match=r"and 352 more\.") as exc:
        regions.normalise_ids(names, ids="province", where="city_areas.csv")
    assert len(str(exc.value)) < 1500


def test_empty_or_fractional_ids():
    with pytest.raises(InputError, match="1 empty id"):
        regions.normalise_ids(["a", None])
    with pytest.raises(InputError, match="whole numbers or text"):
        regions.normalise_ids([1.5, 2.0])


def test_region_column_vocabulary_is_one_list():
    from spatial_carbon import _tables
    from spatial_carbon.spatial import weights

    assert _tables.REGION_COLUMNS is regions.REGION_COLUMNS
    assert not hasattr(weights, "_REGION_FIELDS")
    for col in ("Region", "PROVINCE", "地区", "省份", "zone"):
        assert regions.find_region_column(pd.DataFrame({col: [1], "x": [2]})) == col
    with pytest.raises(InputError, match="no region column; name it one of region_code, region"):
        regions.find_region_column(pd.DataFrame({"x": [1]}))


# ----------------------------------------------------------------- boundaries
def test_boundaries_any_layer_any_id_field(tmp_path):
    z = _squares(["north", "south", "east"], field="zone_id").assign(label=["N", "S", "E"])
    z.to_file(tmp_path / "z.gpkg", layer="zones")
    b = layers.boundaries(f"{tmp_path / 'z.gpkg'}|layername=zones", id_field="zone_id",
                          name_field="label")
    assert b.columns[:2].tolist() == ["region_code", "region"]
    assert b["region_code"].tolist() == ["north", "south", "east"]
    assert b["region"].tolist() == ["N", "S", "E"]
    city = layers.boundaries("bundled:city", id_field="code")
    assert city["region_code"].dtype == np.int64 and city["region"].iloc[2] == "石家庄市"
    prov = layers.boundaries("bundled:province")
    assert prov["region"].iloc[0] == "Beijing"


def test_boundaries_errors(tmp_path):
    with pytest.raises(InputError, match="has no id field 'adcode'; its fields are id"):
        layers.boundaries(_squares(["a"]), id_field="adcode")
    with pytest.raises(DuplicateRowError, match="id\\(s\\) a are on several features; dissolve"):
        layers.boundaries(_squares(["a", "a"]))
    with pytest.raises(CRSError, match="no coordinate reference system"):
        layers.boundaries(_squares(["a"], crs=None))
    with pytest.raises(InputError, match="no id field found"):
        layers.boundaries(_squares(["a"], field="foo"))


# ----------------------------------------------------------------------- join
def _ceads_like():
    codes = sorted(set(regions.registry(mainland31=True)["region_code"]) - {540000})
    return pd.DataFrame({"region_code": codes * 2, "year": [2018] * 30 + [2019] * 30,
                         "v": np.arange(60.0)})


def test_join_34_units_with_ceads_30_drops_four_with_one_warning():
    prov = layers.boundaries("bundled:province")
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        gdf, rep = layers.join(prov, _ceads_like(), how="inner", where="the emissions")
    mine = [w for w in rec if issubclass(w.category, UnmatchedRegionsWarning)]
    assert len(mine) == 1
    assert "4 region(s) of the boundary layer have no data in the emissions" in str(mine[0].message)
    assert sorted(rep.only_boundaries_labels) == ["Hong Kong", "Macau", "Taiwan", "Tibet"]
    assert rep.only_table == [] and rep.matched == 30 and len(gdf) == 60
    assert gdf.crs == prov.crs and gdf["v"].tolist() == list(np.arange(60.0))  # table order
    # drawing: every feature, the four without data once, as "No data"
    one = _ceads_like().query("year == 2019")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        drawn, _ = layers.join(prov, one, how="left")
    assert len(drawn) == 34 and int(drawn["v"].isna().sum()) == 4


def test_join_matches_ids_across_number_and_text_types():
    b = layers.boundaries("bundled:city")
    t = pd.DataFrame({"region_code": ["340800", "110100"], "x": [1.0, 2.0]})
    with pytest.warns(UnmatchedRegionsWarning, match="368 region"):
        gdf, rep = layers.join(b, t)
    assert rep.matched == 2 and len(gdf) == 2


def test_join_table_ids_without_feature_error_or_drop():
    b = layers.boundaries(_squares(["a", "b"]))
    t = pd.DataFrame({"region_code": ["a", "b", "zz"], "x": [1, 2, 3]})
    with pytest.raises(InputError, match="1 id\\(s\\) of the table not in the boundary layer: zz"):
        layers.join(b, t)
    with pytest.warns(UnmatchedRegionsWarning, match="rows are left out"):
        gdf, rep = layers.join(b, t, table_only="drop")
    assert gdf["x"].tolist() == [1, 2] and rep.only_table == ["zz"]
    assert "1 table id(s) without a feature: zz" in rep.summary()


def test_join_nothing_matching_says_levels_differ():
    # CEADs provinces against the city layer: only Chongqing (500000) is in both
    with pytest.raises(InputError, match=r"29 id\(s\) of the table not in .*same administrative"):
        layers.join(layers.boundaries("bundled:city"), _ceads_like())
    with pytest.raises(InputError, match=r"no id of the table .* same administrative level"):
        layers.join(layers.boundaries("bundled:county"), _ceads_like())


def test_join_report_is_json_able():
    import json

    b = layers.boundaries(_squares(["a", "b"]))
    _, rep = layers.join(b, pd.DataFrame({"region_code": ["a"]}), warn=False)
    d = json.loads(json.dumps(rep.as_dict()))
    assert d["only_boundaries"] == ["b"] and d["how"] == "inner"
