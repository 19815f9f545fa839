"""CEADs city inventory: reader (against cells of the real workbook), sheet
agreement, matching to the bundled city layer, conversion."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from spatial_carbon import datasets
from spatial_carbon.errors import (
    DuplicateRowError, InputError, NegativeValueError, UnitError,
)
from spatial_carbon.inventory import ceads_cities as cc


@pytest.fixture(scope="module")
def real():
    return cc.read_cities()


@pytest.fixture(scope="module")
def layer():
    return datasets.boundaries("city")


@pytest.fixture(scope="module")
def match(real, layer):
    return cc.match_cities(real["city_zh"], layer)


def _value(t, city, year):
    sel = t[(t["city_zh"] == city) & (t["year"] == year)]["CO2_Mt"]
    assert len(sel) == 1, (city, year)
    return float(sel.iloc[0])


@pytest.mark.parametrize("city,year,cell_value", [
    # sheet "emission vector", row 2 (ID 北京1997), cell D2
    ("北京", 1997, 61.918115152276634),
    # sheet "emission matrix", row 2 (安徽安庆), cell F2 (column 2000)
    ("安徽安庆", 2000, 4.964461155628707),
    # sheet "emission matrix", row 291 (重庆), cell C291 (column 1997)
    ("重庆", 1997, 55.446472881749514),
    # sheet "emission matrix", row 74 (贵州贵阳), cell B74 (column 1995, the only 1995 value)
    ("贵州贵阳", 1995, 7.237990922381897),
    # sheet "emission matrix", row 5 (安徽巢湖), cell P5 (column 2010, its last year)
    ("安徽巢湖", 2010, 16.740336978808916),
    # sheet "emission vector", last row 3930 (ID 新疆阿克苏2019), cell D3930
    ("新疆阿克苏", 2019, 20.746533044052402),
])
def test_cells_of_the_real_workbook(real, city, year, cell_value):
    assert _value(real, city, year) == cell_value  # read exactly, Mt CO2


def test_shape_and_sparse_coverage(real):
    assert list(real.columns) == ["city_zh", "year", "CO2_Mt"]
    assert real["city_zh"].nunique() == 290
    assert len(real) == 3929  # rows of "emission vector" below the header (3,930 - 1)
    per_year = real.groupby("year")["city_zh"].nunique()
    # the coverage figures: 107 cities in 2000, 257-263 in 2010-2013, 170 in 2019
    assert per_year[2000] == 107 and per_year[2019] == 170
    assert [per_year[y] for y in (2010, 2011, 2012, 2013)] == [257, 258, 263, 260]
    assert per_year[1995] == 1 and 1996 not in per_year.index
    # a missing year is missing, not zero: 安徽巢湖 has no row after 2010 (cell Q5 is empty)
    assert real[real["city_zh"] == "安徽巢湖"]["year"].max() == 2010
    assert (real["CO2_Mt"] > 0).all() and real["CO2_Mt"].notna().all()
    assert real["year"].dtype == np.int64


def test_engines_agree(real):
    pytest.importorskip("python_calamine")
    pd.testing.assert_frame_equal(real, cc.read_cities(engine="openpyxl"), check_exact=True)


def test_match_to_the_bundled_city_layer(match, layer):
    t = match.table.set_index("city_zh")
    assert match.n_matched == 288 and len(t) == 290 and len(layer) == 370
    assert match.unmatched_data == ["安徽巢湖", "山东莱芜"]  # abolished 2011, merged 2019
    assert len(match.unmatched_layer) == 82
    # prefecture suffixes: 市, 地区, 盟, 自治州 (written short or as X州), municipalities
    expect = {"安徽安庆": (340800, "安庆市"), "北京": (110100, "北京市"), "重庆": (500000, "重庆市"),
              "黑龙江大兴安岭": (232700, "大兴安岭地区"), "内蒙古兴安盟": (152200, "兴安盟"),
              "内蒙古阿拉善": (152900, "阿拉善盟"), "湖北恩施州": (422800, "恩施土家族苗族自治州"),
              "吉林吉林": (220200, "吉林市"), "新疆伊犁州直属县": (654000, "伊犁哈萨克自治州"),
              "湖北潜江": (429005, "潜江市"), "新疆阿克苏": (652900, "阿克苏地区")}
    for city, (code, name) in expect.items():
        assert (t.loc[city, "region_code"], t.loc[city, "region"]) == (code, name), city
    ul = set(match.unmatched_layer["region"])
    assert {"拉萨市", "台湾省", "大同市", "香港特别行政区"} <= ul
    s = match.summary()
    assert "288 of 290" in s and "安徽巢湖" in s and "82" in s


def test_city_emissions_total_co2_in_tonnes(real, match):
    e = cc.city_emissions(real, match)
    assert list(e.columns) == ["region_code", "region", "city_zh", "province_code", "year",
                               "CO2_t", "scope"]
    assert set(e["scope"]) == {"total"}
    row = e[(e["region_code"] == 340800) & (e["year"] == 2000)]
    # 4.964461155628707 Mt (matrix cell F2) = 4,964,461.155628707 t
    np.testing.assert_allclose(row["CO2_t"], [4.964461155628707e6], rtol=1e-15)
    assert "安徽巢湖" not in set(e["city_zh"])
    assert len(e) == len(real) - (real["city_zh"].isin(match.unmatched_data)).sum()
    with pytest.raises(UnitError, match="mass unit"):
        cc.city_emissions(real, match, unit="hm2")


def test_match_errors_and_ambiguity(layer):
    with pytest.raises(InputError, match="does not start with a province"):
        cc.match_cities(["Atlantis"], layer)
    with pytest.raises(InputError, match="no column 'code'"):
        cc.match_cities(["北京"], layer.rename(columns={"code": "adcode"}))
    fake = pd.DataFrame({"code": [340100, 340200], "name_zh": ["东山市", "东山地区"],
                         "province_adcode": [340000, 340000]})
    m = cc.match_cities(["安徽东山"], fake)
    assert m.n_matched == 0 and "ambiguous" in m.table["rule"].iloc[0]
    with pytest.raises(InputError, match="several CEADs cities match one prefecture"):
        cc.match_cities(["安徽东山", "安徽东山市"],
                        pd.DataFrame({"code": [340100], "name_zh": ["东山市"],
                                      "province_adcode": [340000]}))


# ----------------------------------------------------------------------------- synthetic files

def _write(path, vector, matrix, *, note_unit="million tones\n百万吨", years=(1997, 2000)):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "NOTE"
    ws.append(["Unit/单位", note_unit])
    if vector is not None:
        v = wb.create_sheet("emission vector")
        v.append(["ID", "city", "year", "emission"])
        for row in vector:
            v.append(list(row))
    m = wb.create_sheet("emission matrix")
    m.append(["city", *[str(y) for y in years]])
    for row in matrix:
        m.append(list(row))
    wb.save(path)
    return path


GOOD_V = [("北京1997", "北京", 1997, 1.5), ("北京2000", "北京", 2000, 2.0),
          ("安徽安庆2000", "安徽安庆", 2000, 0.25)]
GOOD_M = [("安徽安庆", None, 0.25), ("北京", 1.5, 2.0)]


def test_synthetic_roundtrip(tmp_path):
    f = _write(tmp_path / "c.xlsx", GOOD_V, GOOD_M)
    before = f.read_bytes()
    t = cc.read_cities(f)
    assert t.to_dict("list") == {"city_zh": ["安徽安庆", "北京", "北京"], "year": [2000, 1997, 2000],
                                 "CO2_Mt": [0.25, 1.5, 2.0]}
    assert f.read_bytes() == before  # input not modified


@pytest.mark.parametrize("vector,matrix,err,match", [
    # a value differs between the sheets
    ([("北京1997", "北京", 1997, 1.5), ("北京2000", "北京", 2000, 2.1),
      ("安徽安庆2000", "安徽安庆", 2000, 0.25)], GOOD_M, InputError,
     r"disagree: 1 value\(s\) differ \(北京 2000: 2.1 vs 2 Mt\)"),
    # a city-year only in the matrix
    (GOOD_V[:2], GOOD_M, InputError, r"1 city-year\(s\) only in 'emission matrix' \(安徽安庆 2000\)"),
    # ID is not city + year
    ([("北京1998", "北京", 1997, 1.5)] + GOOD_V[1:], GOOD_M, InputError,
     r"cell A2: ID '北京1998' is not the city and year 北京1997"),
    (GOOD_V, [("安徽安庆", None, "n/a"), ("北京", 1.5, 2.0)], InputError,
     r"cell C2 \(安徽安庆 2000\): 'n/a' is not a number"),
    (GOOD_V, [("安徽安庆", None, -0.25), ("北京", 1.5, 2.0)], NegativeValueError,
     r"cell C2 .*negative emissions"),
    (GOOD_V, [("北京", 1.5, 2.0), ("北京", 1.5, 2.0)], DuplicateRowError, r"'北京' in rows 2 and 3"),
    (GOOD_V + GOOD_V[:1], GOOD_M, DuplicateRowError, "repeat a city-year"),
    (None, GOOD_M, InputError, r"no sheet\(s\) \['emission vector'\]"),
])
def test_bad_workbooks(tmp_path, vector, matrix, err, match):
    f = _write(tmp_path / "c.xlsx", vector, matrix)
    with pytest.raises(err, match=match):
        cc.read_cities(f)


def test_check_off_reads_the_matrix_alone(tmp_path):
    f = _write(tmp_path / "c.xlsx", None, GOOD_M)
    assert len(cc.read_cities(f, check="off")) == 3
    with pytest.raises(InputError, match="check must be"):
        cc.read_cities(f, check="warn")


def test_bad_unit_and_files(tmp_path):
    f = _write(tmp_path / "c.xlsx", GOOD_V, GOOD_M, note_unit="10^4 t")
    with pytest.raises(UnitError, match=r"unit '10\^4 t'.*million tonnes"):
        cc.read_cities(f)
    with pytest.raises(InputError, match="not found"):
        cc.read_cities(tmp_path / "nope.xlsx")
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"not a zip")
    with pytest.raises(InputError, match="cannot open as an Excel workbook"):
        cc.read_cities(bad)
    f = _write(tmp_path / "h.xlsx", GOOD_V, GOOD_M, years=(1997, "twenty"))
    with pytest.raises(InputError, match="header cell C1 'twenty' is not a year"):
        cc.read_cities(f)


def test_cli_ceads_cities(tmp_path):
    from click.testing import CliRunner

    from spatial_carbon.cli import main

    out = tmp_path / "cities.csv"
    res = CliRunner().invoke(main, ["ceads-cities", "--years", "2000", "-o", str(out)])
    assert res.exit_code == 0, res.output
    got = pd.read_csv(out, encoding="utf-8-sig")
    assert set(got["year"]) == {2000} and set(got["scope"]) == {"total"}
    # 107 cities in 2000, of which 安徽巢湖 has no polygon today
    assert len(got) == 106 and "unmatched in the inventory" in res.output
    anq = got[got["region_code"] == 340800]["CO2_t"].iloc[0]
    assert anq == pytest.approx(4.964461155628707e6, rel=1e-15)  # matrix cell F2, Mt -> t
    raw = tmp_path / "raw.csv"
    res = CliRunner().invoke(main, ["ceads-cities", "--raw", "-o", str(raw)])
    assert res.exit_code == 0 and len(pd.read_csv(raw, encoding="utf-8-sig")) == 3929
    bad = tmp_path / "bad.xlsx"
    _write(bad, GOOD_V[:2], GOOD_M)
    res = CliRunner().invoke(main, ["ceads-cities", str(bad), "-o", str(tmp_path / "x.csv")])
    assert res.exit_code == 2 and "disagree" in res.output and "Traceback" not in res.output
    assert not (tmp_path / "x.csv").exists()
