"""No silent wrong numbers (issue 11): each case is an error or a worded warning.

(Duplicate sink rows: tests/test_sinks.py; TOML type slips, map years and
shares: tests/test_config.py; national LMDI: tests/test_io_lmdi.py; the CLI
side of every case: tests/test_bad_inputs.py.)
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Polygon

from _small import ALBERS, small_landcover
from spatial_carbon import _io, footprint, landcover, regions
from spatial_carbon.errors import DataQualityWarning, InputError, MissingDataError, show
from spatial_carbon.spatial import classify


def test_a_zone_of_only_nodata_is_warned_about_and_noted(tmp_path):
    raster, zones = small_landcover(tmp_path, nodata_zone=True)
    with pytest.warns(DataQualityWarning, match=r"1 zone\(s\) have only nodata pixels \(C\) in "
                                                r"2019, so all their class areas are 0"):
        res = landcover.class_areas_with_summary(str(raster), str(zones), "name",
                                                 legend="clcd", years=[2019])
    s = res.summary.set_index("zone")
    assert s.loc["C", "note"] == "all nodata" and s.loc["C", "class_pixels"] == 0
    assert s.loc["C", "nodata_pixels"] == 16 * 16  # the zone covers 16 x 16 nodata pixels
    assert s.loc["A", "note"] == "" and s.loc["B", "note"] == ""
    assert res.areas.loc[res.areas["zone"] == "C", "pixels"].sum() == 0


def test_a_self_intersecting_zone_reports_the_area_it_was_counted_on(tmp_path):
    """A "bow tie" (its signed area cancels to 0) is repaired with make_valid and
    counted on the repaired shape; the summary reports that shape's area."""
    import geopandas as gpd
    from pyproj import Geod

    raster, _ = small_landcover(tmp_path)
    x0, y0 = 500_000.0, 3_500_000.0
    bow = Polygon([(x0 + 30, y0 - 30), (x0 + 600, y0 - 600), (x0 + 600, y0 - 30),
                   (x0 + 30, y0 - 600)])
    assert not bow.is_valid and bow.area == 0.0
    z = gpd.GeoDataFrame({"name": ["bow"]}, geometry=[bow], crs=ALBERS)
    res = landcover.class_areas_with_summary(str(raster), z, "name", legend="clcd", years=[2019])
    s = res.summary.iloc[0]
    # two triangles of 570 m x 285 m each: 2 * (570 * 285 / 2) = 162,450 m2 = 16.245 hm2 on
    # the plane; the summary's geodesic area of the repaired shape is within 0.1 % of it
    repaired = z.geometry.make_valid().to_crs(4326).iloc[0]
    geod = abs(Geod(ellps="WGS84").geometry_area_perimeter(repaired)[0]) / 1e4
    np.testing.assert_allclose(s["zone_area_hm2"], geod, rtol=1e-9)
    np.testing.assert_allclose(s["zone_area_hm2"], 16.245, rtol=1e-3)
    # counted pixels (centre rule) over the repaired area: close to 1, not NaN
    assert 0.95 < s["covered_fraction"] < 1.05
    assert s["class_pixels"] > 0


def test_infinite_emissions_are_an_error_not_an_infinite_footprint():
    ice = pd.DataFrame({"region": ["Beijing"], "year": [2019], "CO2_t": [np.inf]})
    cs = pd.DataFrame({"region": ["Beijing"], "year": [2019], "CS_forest": [1.0],
                       "CS_grassland": [0.0], "CS": [1.0]})
    with pytest.raises(InputError, match=r"column 'CO2_t' is infinite \(inf\) in 1 row\(s\): "
                                         r"Beijing/2019"):
        footprint.compute(ice, cs)


def test_infinite_values_in_breaks_are_an_error_without_numpy_warnings():
    df = pd.DataFrame({"region": ["a", "b", "c", "d"], "year": 2019,
                       "v": [1.0, 2.0, np.inf, 3.0]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a RuntimeWarning would fail the test
        with pytest.raises(InputError, match=r"v in 2019: 1 infinite value\(s\)"):
            classify.natural_breaks(df, "v", 2)


def test_latin1_is_not_silently_read_as_gb18030(tmp_path):
    p = tmp_path / "t.csv"
    p.write_bytes("name,v\nBéijíng,1\n".encode("latin-1"))
    # what used to happen: GB18030 decodes these bytes without complaint (to rare characters)
    assert "B閕j韓g" in p.read_bytes().decode("gb18030")
    with pytest.raises(InputError, match=r"'B閕j韓g'\): it is probably Latin-1.*save it as UTF-8"):
        _io.read_csv(p)
    q = tmp_path / "gbk.csv"  # real Chinese text in GBK is still read
    q.write_bytes("region,v\n北京,1\n河北省,2\n".encode("gbk"))
    assert _io.read_csv(q)["region"].tolist() == ["北京", "河北省"]


def test_nan_emissions_are_named_not_a_singular_model():
    from spatial_carbon.inputoutput import province_intensities
    from test_io_provincial import S, two_provinces

    tables, _ = two_provinces()
    em = pd.DataFrame({"region": ["Beijing", "Beijing", "Hebei", "Hebei"], "sector": S * 2,
                       "emissions": [10.0, np.nan, 20.0, 90.0]})
    with pytest.raises(MissingDataError, match=r"'Beijing' are missing, not a number or infinite "
                                               r"for sector\(s\) " + S[1]):
        province_intensities(tables, emissions=em)


def test_a_huge_region_name_gives_a_short_message():
    with pytest.raises(InputError) as e:
        regions.to_codes(["X" * 100_000], where="t.csv")
    assert len(str(e.value)) < 400 and "100,000 characters" in str(e.value)


def test_a_huge_or_numpy_sector_label_gives_a_short_plain_message():
    from spatial_carbon.inputoutput.iomath import check_labels

    with pytest.raises(InputError) as e:
        check_labels([np.int64(1), "S" * 100_000] + list(range(20, 40)), [np.int64(2)])
    msg = str(e.value)
    assert "np." not in msg and "100,000 characters" in msg and len(msg) < 600
    assert "missing [1, 'SSS" in msg and "and 12 more" in msg and "unexpected [2]" in msg


def test_messages_show_plain_numbers():
    assert show(np.float64(0.5)) == "0.5" and show(np.int64(2000)) == "2000"
    assert show([np.int64(1), np.float64(2.5)]) == "[1, 2.5]"
    # arrays, Index and Series as lists of plain values (at most 10, then "and N more")
    assert show(np.arange(3)) == "[0, 1, 2]" and show(pd.Index(["a"])) == "['a']"
    assert show(pd.Series(np.arange(12.0))) == "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9 and 2 more]"
    df = pd.DataFrame({"region": ["Beijing"], "year": [np.float64(2000.5)], "CO2_t": [1.0]})
    with pytest.raises(InputError) as e:
        footprint.compute(df, df)
    assert "np." not in str(e.value) and "2000.5" in str(e.value)
