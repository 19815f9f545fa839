"""Population reader: bundled yearbook table, user long/wide tables, bad input."""

import warnings

import pandas as pd
import pytest

from spatial_carbon import datasets
from spatial_carbon.inventory import population
from spatial_carbon.errors import (
    DataQualityWarning, DuplicateRowError, InputError, MissingDataError, NegativeValueError,
    UnitError, UnknownRegionError,
)


@pytest.fixture(scope="module")
def yb():
    with pytest.warns(DataQualityWarning, match="Heilongjiang in 2013"):
        return population.read_yearbook(datasets.population_csv())


def test_bundled_yearbook(yb):
    assert list(yb.columns) == ["region_code", "region", "year", "population"]
    # 31 provinces (incl. Tibet) x 2000-2019; national, sum and difference rows dropped
    assert len(yb) == 31 * 20
    assert yb["region_code"].nunique() == 31
    # CSV row "Beijing,1364,..." (2000, unit "# Units: 10000 persons") -> 13,640,000 persons
    bj = yb[(yb["region"] == "Beijing") & (yb["year"] == 2000)]["population"].iloc[0]
    assert bj == 13_640_000
    # row "Inner Mongolia,...": 2011 column 2482 -> 24,820,000 persons
    im = yb[(yb["region_code"] == 150000) & (yb["year"] == 2011)]["population"].iloc[0]
    assert im == 24_820_000
    # the "sum" row of the CSV: 134042 (10^4 persons) in 2011 = sum of the 31 provinces
    assert yb[yb["year"] == 2011]["population"].sum() == 134_042 * 1e4


def test_national_total():
    nat = population.national_total(datasets.population_csv())
    # "National Total" row: 2011 column 134735 (10^4 persons)
    assert nat.set_index("year").loc[2011, "population"] == 134_735 * 1e4
    assert len(nat) == 20


def test_requested_years_missing(yb):
    with pytest.warns(DataQualityWarning):
        with pytest.raises(MissingDataError, match=r"missing for year\(s\) 1997, 1998, 1999 \(all 31 regions\); available years: 2000-2019"):
            population.read_yearbook(datasets.population_csv(), years=range(1997, 2012))
    population.require_years(yb, [2000, 2019])
    with pytest.raises(MissingDataError, match="Hebei 2020"):
        population.require_years(yb, [2020], regions_=[130000])


def test_user_long_table_chinese_names(tmp_path):
    p = tmp_path / "pop.csv"
    p.write_text("地区,year,population\n北京市,2010,19610000\n河北,2010,71940000\n",
                 encoding="utf-8")
    t = population.read_yearbook(p, unit="persons")
    assert t["region"].tolist() == ["Beijing", "Hebei"]
    assert t["population"].tolist() == [19_610_000, 71_940_000]


def test_user_wide_table_gb18030_with_units_comment(tmp_path):
    p = tmp_path / "pop.csv"
    p.write_bytes("# Units: 万人\nregion,2010,2011\n北京,1962,2019\n内蒙古,2472,2482\n"
                  .encode("gb18030"))
    t = population.read_yearbook(p)
    got = t.set_index(["region", "year"])["population"]
    assert got[("Inner Mongolia", 2011)] == 24_820_000
    assert got[("Beijing", 2010)] == 19_620_000


def test_frame_not_modified_and_empty_cells_dropped():
    df = pd.DataFrame({"Region": ["Beijing", "Tianjin", "National Total"],
                       "2010": [1962, None, 134091], "2011": [2019, 1355, 134735]})
    before = df.copy()
    t = population.tidy_population(df, "10^4 persons")
    pd.testing.assert_frame_equal(df, before)
    assert len(t) == 3  # Tianjin 2010 empty: missing, not zero
    with pytest.raises(MissingDataError, match="Tianjin 2010"):
        population.tidy_population(df, "10^4 persons", years=[2010, 2011])


@pytest.mark.parametrize(
    "df, unit, err, match",
    [
        (pd.DataFrame({"region": ["Beijing"], "2010": [-1]}), "persons", NegativeValueError,
         "negative population -1 for Beijing 2010"),
        (pd.DataFrame({"region": ["Beijing", "北京"], "2010": [1, 2]}), "persons",
         DuplicateRowError, "Beijing 2010 appears 2 times"),
        (pd.DataFrame({"region": ["Beijing", "Gotham"], "2010": [1, 2]}), "persons",
         UnknownRegionError, "Gotham"),
        (pd.DataFrame({"name": ["Beijing"], "2010": [1]}), "persons", InputError, "no region column"),
        (pd.DataFrame({"region": ["Beijing"], "pop": [1]}), "persons", InputError,
         "neither long .* nor wide"),
        (pd.DataFrame({"region": ["Beijing"], "2010": ["many"]}), "persons", InputError,
         "non-numeric"),
        (pd.DataFrame({"region": ["Beijing"], "2010": [1]}), "t", UnitError,
         "population unit must be persons"),
        (pd.DataFrame({"region": ["Beijing"], "2010": [1]}), "dozens", UnitError, "unknown unit"),
    ],
    ids=["negative", "duplicate", "region", "no-region-col", "layout", "text", "mass-unit",
         "unknown-unit"],
)
def test_bad_tables(df, unit, err, match):
    with pytest.raises(err, match=match):
        population.tidy_population(df, unit)


def test_file_without_unit_needs_one(tmp_path):
    p = tmp_path / "pop.csv"
    p.write_text("region,2010\nBeijing,1962\n", encoding="utf-8")
    with pytest.raises(UnitError, match="unit='10\\^4 persons'"):
        population.read_yearbook(p)
    with pytest.raises(InputError, match="file not found"):
        population.read_yearbook(tmp_path / "none.csv", unit="persons")


def test_spike_warning_only_for_spikes():
    df = pd.DataFrame({"region": ["Anhui"], "2009": [6131], "2010": [5957], "2011": [5968]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a level shift (census revision) is not a spike
        population.tidy_population(df, "10^4 persons")
    df = pd.DataFrame({"region": ["Jilin"], "2009": [2740], "2010": [3000], "2011": [2749]})
    with pytest.warns(DataQualityWarning, match=r"Jilin in 2010.*\+9\.5% and \+9\.1%"):
        population.tidy_population(df, "10^4 persons")
