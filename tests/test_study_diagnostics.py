"""Diagnostics of degenerate results and the data dictionary (pure functions)."""

from __future__ import annotations

import pandas as pd
import pytest

from spatial_carbon.study import diagnostics as dg
from spatial_carbon.study import dictionary as dd


def _fp(rows):
    return pd.DataFrame(rows, columns=["region_code", "region", "year", "ICF", "CEC", "ICF_depth"])


def test_deficit_every_region_in_some_years():
    # 2001: A and B in deficit (ICF > CEC); 2002: A only -> all in deficit in 1 of 2 years,
    # 3 of 4 region-years (75 %)
    fp = _fp([(1, "A", 2001, 5.0, 1.0, 5.0), (2, "B", 2001, 3.0, 2.0, 1.5),
              (1, "A", 2002, 5.0, 1.0, 5.0), (2, "B", 2002, 1.0, 2.0, 1.0)])
    (f,) = dg.deficit(fp)
    assert f.code == "all_deficit" and f.data["years_all_in_deficit"] == [2001]
    assert "in 1 of 2 years (2001), and 3 of 4 region-years (75%)" in f.message
    assert "ICF_size = min(ICF, CEC) = CEC" in f.message
    fp.loc[3, "ICF"] = 9.0
    (f,) = dg.deficit(fp)
    assert f.message.startswith("Every region is in deficit (ICF > CEC) in every year (4 of 4")
    fp["ICF"] = 0.5  # nobody in deficit: nothing to say
    assert dg.deficit(fp) == []


def test_zero_area_and_constant_cec():
    s = pd.DataFrame({"region_code": [1, 2, 1, 2], "region": ["A", "B", "A", "B"],
                      "year": [2001, 2001, 2002, 2002], "A_forest_hm2": [0.0, 5.0, 0.0, 5.0],
                      "A_grassland_hm2": [1.0, 2.0, 1.0, 0.0]})
    f = dg.zero_area(s)
    assert [x.data for x in f] == [{"class": "forest", "regions": ["A"]},
                                   {"class": "grassland", "regions": ["B"]}]
    assert f[0].message.startswith("A has 0 hm2 of forest in the land cover")
    assert "B (2002) has 0 hm2 of grassland" in f[1].message
    fp = _fp([(1, "A", 2001, 5.0, 1.0, 5.0), (1, "A", 2002, 6.0, 1.0, 6.0),
              (2, "B", 2001, 3.0, 2.0, 1.5), (2, "B", 2002, 4.0, 2.0, 2.0)])
    areas = pd.DataFrame({"year": [2001, 2002], "source_year": [2019, 2019]})
    (f,) = dg.constant_cec(fp, areas)
    assert "same in all 2 years for every region because the land cover covers 1 year(s) (2019)" \
        in f.message
    fp.loc[1, "CEC"] = 1.1
    assert dg.constant_cec(fp, areas) == []


def test_dominant_class_and_region():
    rows = [("ICF_depth", 2001, False, 1, 1.0, 10.0, 9),
            ("ICF_depth", 2001, False, 2, 10.0, 99.0, 1),
            ("ICF_depth", 2002, False, 1, 1.0, 10.0, 7),
            ("ICF_depth", 2002, False, 2, 10.0, 99.0, 3),
            ("ICF_depth", None, True, 1, 1.0, 10.0, 16), ("ICF_depth", None, True, 2, 10.0, 99.0, 4)]
    b = pd.DataFrame(rows, columns=["column", "year", "pooled", "break_class", "lower", "upper",
                                    "count"])
    # a breaks table of an earlier version (class; year "pooled") gives the same finding
    old = b.rename(columns={"break_class": "class"}).drop(columns="pooled").assign(
        year=["2001"] * 2 + ["2002"] * 2 + ["pooled"] * 2)
    assert [x.message for x in dg.dominant_class(old)] == [x.message for x in dg.dominant_class(b)]
    (f,) = dg.dominant_class(b)
    # 2001: 9 of 10 = 90 % >= 80 %; 2002: 7 of 10 = 70 %; pooled 16 of 20 = 80 %
    assert f.data == {"column": "ICF_depth", "years": ["2001"], "counts": [[9, 10]],
                      "pooled": [16, 20]}
    assert "in 1 of 2 years one class holds at least 80% of the regions (in 2001: class 1, " \
        "1-10, holds 9 of 10)" in f.message
    fp = _fp([(1, "A", 2001, 0, 0, 90.0), (2, "B", 2001, 0, 0, 5.0), (3, "C", 2001, 0, 0, 5.0),
              (1, "A", 2002, 0, 0, 40.0), (2, "B", 2002, 0, 0, 30.0), (3, "C", 2002, 0, 0, 30.0)])
    (f,) = dg.dominant_region(fp, ["ICF_depth"])
    # 2001: A holds 90 / 100 = 90 % >= 50 %, 18 times the median 5; 2002: 40 % < 50 %
    assert f.data["years"] == [2001] and f.data["regions"] == ["A"]
    assert "(2001: A 90, 90% of the sum, 18 times the median 5" in f.message
    assert "per-capita" in f.message and "logarithmic" in f.message


def test_diagnose_skips_absent_tables():
    assert dg.diagnose({}) == []


def test_dictionary_covers_and_fails_on_unknown_columns():
    t = {"footprint": pd.DataFrame(columns=["region_code", "year", "ICE", "ICF", "P_forest",
                                            "D_t_per_hm2_a"]),
         "sinks": pd.DataFrame(columns=["CS", "NEP_forest_t_per_hm2_a", "rates_basis"]),
         "growth_rates": pd.DataFrame(columns=["indicator", "growth_rate_per_year"]),
         "areas": pd.DataFrame(columns=["zone", "class", "area_hm2"])}
    d = dd.data_dictionary(t, context={"scope": "total", "basis": "C"})
    got = d.set_index(["table", "column"])
    assert got.loc[("tables/footprint.csv", "ICE"), "unit"] == "t C/a"
    assert "total CO2" in got.loc[("tables/footprint.csv", "ICE"), "meaning"]
    assert got.loc[("tables/footprint.csv", "P_forest"), "meaning"].startswith("share of forest")
    assert got.loc[("tables/growth_rates.csv", "growth_rate_per_year"), "unit"] == "1/a"
    assert got.loc[("tables/footprint.csv", "D_t_per_hm2_a"), "unit"] == "t C/hm2/a"
    assert got.loc[("tables/sinks.csv", "NEP_forest_t_per_hm2_a"), "unit"] == "t C/hm2/a"
    assert ("columns.csv", "meaning") in got.index
    ind = dd.data_dictionary(t, context={"scope": "industry"})
    assert "industrial CO2" in ind.set_index(["table", "column"]).loc[
        ("tables/footprint.csv", "ICE"), "meaning"]
    with pytest.raises(dd.DictionaryError, match=r"tables/footprint.csv:mystery"):
        dd.data_dictionary({"footprint": pd.DataFrame(columns=["ICF", "mystery"])})
    loose = dd.data_dictionary({"footprint": pd.DataFrame(columns=["mystery"])}, strict=False)
    assert loose["meaning"].iloc[0].startswith("column of the input table")


def test_names_with_two_meanings_are_listed_on_purpose():
    # a name meaning different things in different tables must be declared per table;
    # this list is the known debt (each a candidate for a rename), not a place to add more
    two = {c for cols in dd.TABLE_SPECIFIC.values() for c in cols}
    # I: global vs local, one variable vs bivariate (its inference columns share names the
    # same way); HH/LH/LL/HL: the matrix columns of lisa_transitions, step counts vs
    # probabilities; n: regions everywhere, declared for the step and which regions
    assert two == {"n", "I", "HH", "LH", "LL", "HL"}
    # class was the land-cover code (areas) and a class number (breaks, markov_*); the
    # numbered classes are break_class and markov_class now.  year held 'pooled' in
    # breaks; it is a year (or empty) now and the pooled rows say pooled = True
    assert dd.lookup("areas", "class")[0].startswith("land-cover class code")
    assert dd.lookup("breaks", "break_class")[0].startswith("natural-breaks class number")
    assert dd.lookup("markov_classes", "markov_class")[0].startswith("class of the spatial Markov")
    assert dd.lookup("breaks", "year") == dd.lookup("footprint", "year")
    assert dd.lookup("breaks", "pooled")[2] == "classify"
    # n counts regions wherever it appears (each table says which regions); the years
    # of cec_projection's fit are n_fit_years (it was n)
    assert {u for t in dd.TABLE_SPECIFIC.values() for c, (_, u, _) in t.items() if c == "n"} \
        == {"regions"}
    assert "n_fit_years" in dd.COLUMNS
    # "rate" was one (D in footprint.csv, a growth fraction in growth_rates.csv); glue
    # renamed them D_t_per_hm2_a and growth_rate_per_year.  It has no entry at all now,
    # so a table that wrote it again would fail the strict dictionary
    assert "rate" not in dd.COLUMNS and {"D_t_per_hm2_a", "growth_rate_per_year"} <= set(dd.COLUMNS)
    with pytest.raises(dd.DictionaryError, match=r"tables/growth_rates.csv:rate"):
        dd.data_dictionary({"growth_rates": pd.DataFrame(columns=["indicator", "rate"])})
