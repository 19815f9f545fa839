"""CEADs reader: real workbooks (values cited by file/sheet/cell), quirks, bad input, CLI."""

import warnings

import numpy as np
import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from spatial_carbon.inventory import ceads
from spatial_carbon import datasets
from spatial_carbon.cli import main
from spatial_carbon.errors import (
    DataQualityWarning, DuplicateRowError, InputError, MissingDataError, UnitError,
    UnknownRegionError,
)

REAL_YEARS = [1997, 2011, 2017, 2019]


@pytest.fixture(scope="module")
def real():
    return ceads.read_provinces(datasets.ceads_dir(), years=REAL_YEARS)


def _total(tidy, region, year, **kw):
    sel = tidy[(tidy["region"] == region) & (tidy["year"] == year)]
    for k, v in kw.items():
        sel = sel[sel[k].astype(str) == v]
    return sel["CO2_Mt"].sum()


# ---------------------------------------------------------------- real files


@pytest.mark.parametrize(
    "region, year, cell_value",
    [
        # Emission_Inventories_for_30_Provinces_2019.xlsx, sheet Beijing2019, cell W4
        # (row 'TotalEmissions', column 'Scope_1_Total')
        ("Beijing", 2019, 89.1844836918383),
        # Emission_inventories_for_30_provinces_1997.xlsx (lower-case name), sheet Shanghai1997,
        # cell W4 (row 'Total Consumption', column 'Scope 1 Total', padded sector names)
        ("Shanghai", 1997, 103.18735515339742),
        # Emission_Inventories_for_30_Provinces_2017.xlsx, sheet Hunan2017, cell W4
        # (row 'Total Emissions', header 'Cleaned Coal' with underscores elsewhere)
        ("Hunan", 2017, 322.95490457720643),
        # Emission_Inventories_for_30_Provinces_2011.xlsx, sheet Hebei2011, cell W4
        ("Hebei", 2011, 760.7022684952076),
    ],
)
def test_totals_match_the_sheets_total_cell(real, region, year, cell_value):
    assert _total(real, region, year) == pytest.approx(cell_value, rel=1e-12)


def test_cells_of_the_real_files(real):
    # 2019 file, sheet Beijing2019: B4 (Raw_Coal total) = 2.500295664790091,
    # W43 (Production and Supply of Electric Power, Steam and Hot Water) = 31.924533260269964,
    # V4 (Process total) = 1.0290468888888888
    assert _total(real, "Beijing", 2019, fuel="Raw Coal") == pytest.approx(2.500295664790091)
    assert _total(
        real, "Beijing", 2019,
        sector="Production and Supply of Electric Power, Steam and Hot Water",
    ) == pytest.approx(31.924533260269964)
    assert _total(real, "Beijing", 2019, fuel="Process") == pytest.approx(1.0290468888888888)


def test_shape_and_quirks(real):
    assert list(real.columns) == ["region_code", "region", "year", "sector", "fuel", "CO2_Mt"]
    # 30 provinces (no Tibet) x 47 sectors x 19 fuel columns x 4 years
    assert len(real) == 30 * 47 * 19 * len(REAL_YEARS)
    assert sorted(real["year"].unique()) == REAL_YEARS
    assert real.groupby("year")["region_code"].nunique().eq(30).all()
    assert 540000 not in set(real["region_code"])
    assert "Inner Mongolia" in set(real["region"])
    # padded names stripped, one spelling per sector/fuel across years
    assert real["sector"].nunique() == 47
    assert not any(s != s.strip() for s in real["sector"].astype(str).unique())
    assert list(real["fuel"].cat.categories) == list(ceads.FUELS)
    assert set(ceads.SCOPE2).isdisjoint(set(real["fuel"].astype(str)))


def test_industrial_emissions_from_cells(real):
    # Beijing2019: sum of W6:W45 (Coal Mining and Dressing ... Production and Supply of
    # Tap Water, column Scope_1_Total) = 36.283544298687374 Mt; of it process
    # (V6:V45) = 1.0290468888888888 Mt.
    ice = ceads.industrial_emissions(real)
    assert list(ice.columns) == ["region_code", "region", "year", "CO2_t"]
    bj = ice[(ice["region"] == "Beijing") & (ice["year"] == 2019)]["CO2_t"].iloc[0]
    assert bj == pytest.approx(36.283544298687374e6, rel=1e-12)
    ice_e = ceads.industrial_emissions(real, include_process=False, unit="Mt")
    bj_e = ice_e[(ice_e["region"] == "Beijing") & (ice_e["year"] == 2019)]["CO2_Mt"].iloc[0]
    assert bj_e == pytest.approx(36.283544298687374 - 1.0290468888888888, rel=1e-12)
    # Hebei2011: W6:W45 = 697.507825847008 Mt
    hb = ice[(ice["region"] == "Hebei") & (ice["year"] == 2011)]["CO2_t"].iloc[0]
    assert hb == pytest.approx(697.507825847008e6, rel=1e-12)
    assert len(ice) == 30 * len(REAL_YEARS)


def test_group_totals_partition_the_total(real):
    g = ceads.group_totals(real)
    assert set(g["group"]) == {"agriculture", "industry", "construction", "transport",
                               "services", "households"}
    a = g.groupby(["region_code", "year"])["CO2_Mt"].sum().sort_index()
    b = real.groupby(["region_code", "year"])["CO2_Mt"].sum().sort_index()
    np.testing.assert_allclose(a.to_numpy(), b.to_numpy(), rtol=1e-12)
    with pytest.raises(InputError, match=r"unknown subgroup\(s\) \['households'\]"):
        ceads.group_totals(real, "households", level="subgroup")  # a group, not a subgroup
    sub = ceads.group_totals(real, ["urban", "rural"], level="subgroup")
    assert set(sub["group"]) == {"urban", "rural"}


def test_sector_groups_table():
    t = ceads.sector_groups()
    assert len(t) == 47 and t["sector"].is_unique
    assert (t["group"] == "industry").sum() == 40  # 7 mining + 30 manufacturing + 3 utilities
    ind = t[t["group"] == "industry"]["sector"].tolist()
    assert ind[0] == "Coal Mining and Dressing"
    assert ind[-1] == "Production and Supply of Tap Water"
    assert t.groupby("subgroup").size()[["mining", "manufacturing", "utilities"]].tolist() == [7, 30, 3]


def test_inputs_not_modified(real):
    before = real.copy()
    ceads.group_totals(real)
    ceads.industrial_emissions(real)
    pd.testing.assert_frame_equal(real, before, check_exact=True)


# ---------------------------------------------------------------- synthetic workbooks

HEADER = ["Emission_Inventory", *[f.replace(" ", "_") for f in ceads.FUELS[:17]],
          "Scope_2_Heat", "Scope_2_Electricity", "Other_Energy", "Process", "Scope_1_Total"]


def _matrix(seed):
    rng = np.random.default_rng(seed)
    m = rng.uniform(0, 2, size=(47, 19))
    m[rng.uniform(size=m.shape) < 0.5] = 0.0
    return m


def write_wb(path, year, sheets, *, unit="Mt CO2", total_label="TotalEmissions", corrupt=False,
             scope2=0.0, header=None, pad=False, extra_rows=()):
    sectors = ceads.sector_groups()["sector"].tolist()
    wb = openpyxl.Workbook()
    wb.active.title = "NOTE"
    wb.active["A1"] = "Introduction"
    for name, mat in sheets.items():
        ws = wb.create_sheet(f"{name}{year}")
        ws.append(header or HEADER)
        ws.append([None] + [unit] * 22)
        ws.append([None] * 23)

        def row(v):
            return [*v[:17], scope2, 0.0, v[17], v[18], float(v.sum())]

        tot = mat.sum(axis=0)
        if corrupt:
            tot = tot.copy()
            tot[0] += 0.01
        ws.append([total_label, *row(tot)])
        for s, v in zip(sectors, mat):
            ws.append([s + ("   " if pad else ""), *row(v)])
        for r in extra_rows:
            ws.append(list(r))
    wb.save(path)
    return path


def test_synthetic_roundtrip_and_file_list(tmp_path):
    m1, m2 = _matrix(1), _matrix(2)
    f1 = write_wb(tmp_path / "a_2001.xlsx", 2001, {"Beijing": m1, "InnerMongolia": m2}, pad=True,
                  total_label="Total Consumption")
    f2 = write_wb(tmp_path / "b_2002.XLSX", 2002, {"Beijing": m2})
    t = ceads.read_provinces([f1, f2])
    assert sorted(set(zip(t["region"], t["year"]))) == [
        ("Beijing", 2001), ("Beijing", 2002), ("Inner Mongolia", 2001)]
    got = t[(t["region"] == "Inner Mongolia")]["CO2_Mt"].to_numpy().reshape(47, 19)
    # openpyxl stores floats with 15-16 significant digits
    np.testing.assert_allclose(got, m2, rtol=1e-15, atol=0)
    folder = ceads.read_provinces(tmp_path)
    pd.testing.assert_frame_equal(folder, t)
    nz = ceads.read_provinces(tmp_path, drop_zeros=True)
    assert (nz["CO2_Mt"] != 0).all() and nz["CO2_Mt"].sum() == pytest.approx(t["CO2_Mt"].sum())


def test_totals_mismatch_raises_or_warns(tmp_path):
    f = write_wb(tmp_path / "x_2005.xlsx", 2005, {"Hebei": _matrix(3)}, corrupt=True)
    with pytest.raises(InputError, match=r"x_2005.xlsx, sheet 'Hebei2005'.*does not add up.*Raw Coal"):
        ceads.read_provinces(f)
    with pytest.warns(DataQualityWarning, match="does not add up"):
        t = ceads.read_provinces(f, check="warn")
    assert len(t) == 47 * 19
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ceads.read_provinces(f, check="off")
    with pytest.raises(InputError, match="check must be"):
        ceads.read_provinces(f, check="maybe")


def test_nonzero_scope2_is_left_out_with_a_warning(tmp_path):
    f = write_wb(tmp_path / "x_2005.xlsx", 2005, {"Hebei": _matrix(3)}, scope2=1.0)
    with pytest.warns(DataQualityWarning, match="scope-2"):
        t = ceads.read_provinces(f, check="off")
    assert t["CO2_Mt"].sum() == pytest.approx(_matrix(3).sum())


@pytest.mark.parametrize(
    "kwargs, err, match",
    [
        (dict(unit="kt CO2"), UnitError, "unit 'kt CO2'; the CEADs reader expects Mt CO2"),
        (dict(total_label="Grand sum"), InputError, "no total row"),
        (dict(header=HEADER[:-1] + ["Methane"]), InputError, r"unknown column\(s\) \['Methane'\]"),
        (dict(header=HEADER[:5] + [None] + HEADER[6:]), InputError, r"missing column\(s\) \['Coke'\]"),
        (dict(extra_rows=[("Urban", *([0.0] * 22))]), DuplicateRowError, "Urban"),
        (dict(extra_rows=[(None, 1.0)]), InputError, "has values but no sector label"),
        (dict(extra_rows=[("Mystery", "n/a")]), InputError, "non-numeric cell 'n/a'"),
    ],
    ids=["unit", "total-label", "header", "missing-fuel", "dup-sector", "no-label", "text-cell"],
)
def test_bad_sheets(tmp_path, kwargs, err, match):
    f = write_wb(tmp_path / "x_2005.xlsx", 2005, {"Hebei": _matrix(4)}, **kwargs)
    with pytest.raises(err, match=match):
        ceads.read_provinces(f, check="off")


def test_bad_sources(tmp_path):
    with pytest.raises(InputError, match="not found"):
        ceads.read_provinces(tmp_path / "nope.xlsx")
    with pytest.raises(InputError, match="no .xlsx workbooks"):
        ceads.read_provinces(tmp_path)
    with pytest.raises(InputError, match="cannot tell the year"):
        ceads.read_provinces(write_wb(tmp_path / "inventory.xlsx", 2005, {"Hebei": _matrix(5)}))
    bad = tmp_path / "broken_2003.xlsx"
    bad.write_bytes(b"not a zip")
    with pytest.raises(InputError, match="cannot open as an Excel workbook"):
        ceads.read_provinces(bad)


def test_duplicate_years_and_provinces(tmp_path):
    d = tmp_path / "d"
    d.mkdir()
    write_wb(d / "a_2005.xlsx", 2005, {"Hebei": _matrix(5)})
    write_wb(d / "b_2005.xlsx", 2005, {"Hebei": _matrix(5)})
    with pytest.raises(DuplicateRowError, match="two CEADs workbooks for 2005"):
        ceads.read_provinces(d)
    f = write_wb(tmp_path / "c_2006.xlsx", 2006, {"Hebei": _matrix(5), "河北": _matrix(6)})
    with pytest.raises(DuplicateRowError, match="'Hebei2006' and '河北2006' are the same province"):
        ceads.read_provinces(f)


def test_unknown_province_and_year_mismatch(tmp_path):
    f = write_wb(tmp_path / "u_2005.xlsx", 2005, {"Atlantis": _matrix(7)})
    with pytest.raises(UnknownRegionError, match="sheet 'Atlantis2005'"):
        ceads.read_provinces(f)
    f = write_wb(tmp_path / "v_2006.xlsx", 2005, {"Hebei": _matrix(7)})
    with pytest.raises(InputError, match="sheet year 2005 differs from the file's year 2006"):
        ceads.read_provinces(f)


def test_missing_requested_year(tmp_path):
    f = write_wb(tmp_path / "x_2005.xlsx", 2005, {"Hebei": _matrix(8)})
    with pytest.raises(MissingDataError, match=r"year\(s\) \[2006\]; available: 2005"):
        ceads.read_provinces(f, years=[2005, 2006])


def test_aggregation_bad_input(real):
    with pytest.raises(InputError, match=r"missing column\(s\) \['CO2_Mt'\]"):
        ceads.group_totals(real.drop(columns="CO2_Mt"))
    with pytest.raises(InputError, match=r"unknown group\(s\) \['industries'\]"):
        ceads.group_totals(real, "industries")
    odd = real.head(3).assign(sector="Space Travel")
    with pytest.raises(InputError, match="sector\\(s\\) with no group: \\['Space Travel'\\]"):
        ceads.group_totals(odd)
    with pytest.raises(UnitError, match="mass unit"):
        ceads.industrial_emissions(real, unit="m3")
    with pytest.raises(InputError, match="level must be"):
        ceads.group_totals(real, level="division")


# ---------------------------------------------------------------- CLI


def test_cli_ceads_industry_and_all(tmp_path):
    out = tmp_path / "ice.csv"
    res = CliRunner().invoke(
        main, ["ceads", str(datasets.ceads_dir()), "--years", "2019", "-o", str(out)])
    assert res.exit_code == 0, res.output
    got = pd.read_csv(out, encoding="utf-8-sig")
    assert list(got.columns) == ["region_code", "region", "year", "CO2_t"]
    bj = got[got["region"] == "Beijing"]["CO2_t"].iloc[0]
    assert bj == pytest.approx(36.283544298687374e6, rel=1e-12)  # W6:W45 of Beijing2019

    f = write_wb(tmp_path / "x_2005.xlsx", 2005, {"Hebei": _matrix(9)})
    out2 = tmp_path / "groups.csv"
    res = CliRunner().invoke(main, ["ceads", str(f), "--group", "all", "-o", str(out2)])
    assert res.exit_code == 0, res.output
    g = pd.read_csv(out2, encoding="utf-8-sig")
    assert g["CO2_Mt"].sum() == pytest.approx(_matrix(9).sum())

    res = CliRunner().invoke(main, ["ceads", str(f), "--years", "2000-x", "-o", str(out2)])
    assert res.exit_code == 2 and "2000-x" in res.output


def test_cli_ceads_error_leaves_no_file(tmp_path):
    f = write_wb(tmp_path / "x_2005.xlsx", 2005, {"Hebei": _matrix(3)}, corrupt=True)
    out = tmp_path / "o.csv"
    res = CliRunner().invoke(main, ["ceads", str(f), "-o", str(out)])
    assert res.exit_code == 2
    assert "does not add up" in res.output
    assert not out.exists()


# ---------------------------------------------------------------- engines


def test_engines_give_identical_tables(tmp_path):
    pytest.importorskip("python_calamine")
    a = ceads.read_provinces(datasets.ceads_dir(), years=[1997, 2017], engine="openpyxl")
    b = ceads.read_provinces(datasets.ceads_dir(), years=[1997, 2017], engine="calamine")
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    f = write_wb(tmp_path / "x_2005.xlsx", 2005, {"Hebei": _matrix(10)}, pad=True)
    pd.testing.assert_frame_equal(ceads.read_provinces(f, engine="openpyxl"),
                                  ceads.read_provinces(f, engine="calamine"), check_exact=True)
    bad = tmp_path / "broken_2003.xlsx"
    bad.write_bytes(b"not a zip")
    with pytest.raises(InputError, match="cannot open as an Excel workbook"):
        ceads.read_provinces(bad, engine="calamine")


def test_engine_choice(tmp_path, monkeypatch):
    f = write_wb(tmp_path / "x_2005.xlsx", 2005, {"Hebei": _matrix(11)})
    with pytest.raises(InputError, match="engine must be"):
        ceads.read_provinces(f, engine="xlrd")
    monkeypatch.setitem(__import__("sys").modules, "python_calamine", None)  # not installed
    from spatial_carbon.errors import DependencyError
    with pytest.raises(DependencyError, match="pip install python-calamine"):
        ceads.read_provinces(f, engine="calamine")
    assert len(ceads.read_provinces(f)) == 47 * 19  # auto falls back to openpyxl
