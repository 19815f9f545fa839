"""Tests of spatial_carbon.footprint.sinks: CS = sum_i NEP_i * A_i * E_i.

Hand-worked values use the bundled defaults: NEP forest 3.8096, grassland
0.9482 t C hm^-2 a^-1 (Xie et al. 2008); E forest 1.26, grassland 0.46
(GFN, Ewing et al. 2010).
"""

import numpy as np
import pandas as pd
import pytest

from spatial_carbon.footprint import sinks
from spatial_carbon.errors import (
    InputError,
    MissingDataError,
    MissingFactorError,
    NegativeValueError,
    UnitError,
    UnknownRegionError,
)


def _areas():
    return pd.DataFrame({
        "region": ["Beijing", "Beijing", "Beijing", "河北", "Hebei"],
        "year": [2019, 2019, 2019, 2019, 2019],
        "class": ["forest", "grassland", "cropland", "forest", "grassland"],
        "area_hm2": [100.0, 50.0, 30.0, 10.0, 5.0],
    })


def test_defaults_are_documented():
    r = sinks.default_rates().set_index("class")
    assert r.loc["forest", "rate"] == 3.8096
    assert r.loc["grassland", "rate"] == 0.9482
    assert set(r["basis"]) == {"C"}
    assert r["source"].str.contains("Xie").all()
    e = sinks.default_equivalence_factors()
    assert e["source"].str.len().gt(20).all()
    assert set(e["region"]) == {"ALL"}


def test_carbon_sink_hand_worked():
    out = sinks.carbon_sink(_areas())
    assert list(out.columns) == list(sinks.OUTPUT_COLUMNS)
    bj = out[out["region"] == "Beijing"].iloc[0]
    # Beijing: CS_f = 3.8096 * 100 * 1.26 = 480.0096; CS_g = 0.9482 * 50 * 0.46 = 21.8086
    assert bj["region_code"] == 110000
    np.testing.assert_allclose(bj["A_forest_hm2"], 100.0)
    np.testing.assert_allclose(bj["CS_forest"], 480.0096)
    np.testing.assert_allclose(bj["CS_grassland"], 21.8086)
    np.testing.assert_allclose(bj["CS"], 501.8182)
    he = out[out["region"] == "Hebei"].iloc[0]
    # Hebei: 河北 and Hebei rows are one province: CS_f = 3.8096 * 10 * 1.26 = 48.00096,
    # CS_g = 0.9482 * 5 * 0.46 = 2.18086; CS = 50.18182
    np.testing.assert_allclose(he["A_forest_hm2"], 10.0)
    np.testing.assert_allclose(he["CS"], 50.18182)
    # the rates and their gas basis travel as columns (through a CSV to the footprint)
    np.testing.assert_array_equal(out["NEP_forest_t_per_hm2_a"], 3.8096)
    np.testing.assert_array_equal(out["NEP_grassland_t_per_hm2_a"], 0.9482)
    assert set(out["rates_basis"]) == {"C"}
    assert not out.attrs
    # cropland has no rate: ignored and reported
    assert sinks.unrated_areas(_areas()).to_dict() == {"cropland": 30.0}
    assert sinks.unrated_areas(_areas(), rates={"forest": 1, "grassland": 1, "cropland": 1}).empty


def test_provincial_factors_override_national():
    fac = pd.DataFrame({
        "region": ["ALL", "ALL", "河北省"], "class": ["forest", "grassland", "forest"],
        "factor": [1.0, 1.0, 2.0],
    })
    out = sinks.carbon_sink(_areas(), factors=fac).set_index("region")
    # Beijing: 3.8096*100*1 + 0.9482*50*1 = 380.96 + 47.41 = 428.37
    np.testing.assert_allclose(out.loc["Beijing", "CS"], 428.37)
    # Hebei: forest 3.8096 * 10 * 2 = 76.192 plus grassland 0.9482 * 5 * 1 = 4.741: 80.933
    np.testing.assert_allclose(out.loc["Hebei", "CS"], 80.933)


def test_user_rates_for_other_classes_and_area_units():
    areas = pd.DataFrame({
        "zone": ["Beijing", "Beijing"], "year": [2000, 2000],
        "sink_class": ["wetland", "forest"], "area_km2": [1.0, 2.0],
    })
    out = sinks.carbon_sink(areas, rates={"forest": 3.0, "wetland": 2.0}, factors=1.5)
    row = out.iloc[0]
    # 1 km2 = 100 hm2: wetland 2.0 * 100 * 1.5 = 300; forest 3.0 * 200 * 1.5 = 900
    assert list(out.columns) == [
        "region_code", "region", "year", "A_forest_hm2", "A_wetland_hm2",
        "CS_forest", "CS_wetland", "CS", "NEP_forest_t_per_hm2_a", "NEP_wetland_t_per_hm2_a",
        "rates_basis",
    ]
    np.testing.assert_allclose([row["CS_wetland"], row["CS_forest"], row["CS"]], [300.0, 900.0, 1200.0])


def test_inputs_not_modified():
    a = _areas()
    before = a.copy()
    sinks.carbon_sink(a)
    pd.testing.assert_frame_equal(a, before)


@pytest.mark.parametrize(
    "mutate, error, match",
    [
        (lambda d: d.assign(area_hm2=[-1.0, 50, 30, 10, 5]), NegativeValueError, "negative"),
        (lambda d: d.assign(area_hm2=[np.nan, 50, 30, 10, 5]), MissingDataError, "not a number"),
        (lambda d: d.drop(columns="area_hm2"), InputError, "no area column"),
        (lambda d: d.rename(columns={"area_hm2": "area_acre"}), UnitError, "unknown unit"),
        (lambda d: d.drop(columns="class"), InputError, "no class column"),
        (lambda d: d.drop(columns="region"), InputError, "no region column"),
        (lambda d: d.drop(columns="year"), InputError, "no 'year' column"),
        (lambda d: d.assign(year=[2019.5, 2019, 2019, 2019, 2019]), InputError, "whole years"),
        (lambda d: d.assign(region=["Bejing", "Beijing", "Beijing", "Hebei", "Hebei"]),
         UnknownRegionError, "Beijing"),
    ],
    ids=["negative", "nan", "no-area", "bad-unit", "no-class", "no-region", "no-year",
         "fractional-year", "unknown-region"],
)
def test_bad_areas(mutate, error, match):
    with pytest.raises(error, match=match):
        sinks.carbon_sink(mutate(_areas()))


def test_missing_factor_for_rated_class():
    with pytest.raises(MissingFactorError, match="shrub"):
        sinks.carbon_sink(_areas(), rates={"forest": 3.8, "shrub": 1.0})


def test_bad_rates():
    with pytest.raises(InputError, match="'class' and 'rate'"):
        sinks.carbon_sink(_areas(), rates=pd.DataFrame({"x": [1]}))
    with pytest.raises(NegativeValueError, match="rate"):
        sinks.carbon_sink(_areas(), rates={"forest": -1.0})
    with pytest.raises(UnitError, match="t/hm2/a"):
        sinks.carbon_sink(_areas(), rates=pd.DataFrame({"class": ["forest"], "rate": [1.0], "unit": ["kg/m2"]}))


def test_duplicate_class_rows_are_an_error_not_a_sum():
    """Issue 11: a repeated row used to be summed (Beijing's forest doubled)."""
    from spatial_carbon.errors import DuplicateRowError

    dup = pd.concat([_areas(), _areas().iloc[[0]]], ignore_index=True)
    with pytest.raises(DuplicateRowError, match=r"repeated region-year-class.*Beijing, year=2019, "
                                                r"class=forest"):
        sinks.carbon_sink(dup, where="areas.csv")
    # 河北 and Hebei are one province: two forest rows are a duplicate too
    two = pd.concat([_areas(), pd.DataFrame({"region": ["河北"], "year": [2019],
                                             "class": ["grassland"], "area_hm2": [1.0]})])
    with pytest.raises(DuplicateRowError, match="Hebei"):
        sinks.carbon_sink(two)
    # raster classes of one sink class are summed (MODIS: several forest classes)
    lc = pd.DataFrame({"region": ["Beijing"] * 2, "year": [2019] * 2, "class": [1, 2],
                       "sink_class": ["forest", "forest"], "area_hm2": [3.0, 4.0]})
    np.testing.assert_allclose(sinks.carbon_sink(lc)["A_forest_hm2"], [7.0])
