"""Tests of spatial_carbon.spatial.classify: exact natural breaks per year and pooled."""

import itertools

import mapclassify
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from spatial_carbon import _io
from spatial_carbon.spatial import classify
from spatial_carbon.cli import main
from spatial_carbon.errors import ClassificationError, InputError, MissingDataError


def brute_force_breaks(x, k):
    """Exact optimum by enumeration: every split of the sorted distinct values
    into k contiguous groups, minimising the total within-class sum of squares."""
    x = np.asarray(x, dtype="float64")
    u = np.unique(x)
    best = None
    for cuts in itertools.combinations(range(1, len(u)), k - 1):
        groups = np.split(u, cuts)
        sse = 0.0
        for g in groups:
            members = x[(x >= g[0]) & (x <= g[-1])]
            sse += ((members - members.mean()) ** 2).sum()
        if best is None or sse < best[0]:
            best = (sse, np.array([g[-1] for g in groups]))
    return best[1]


def test_hand_worked_breaks():
    df = pd.DataFrame({"year": [2000] * 7, "v": [1.0, 2.0, 3.0, 10.0, 11.0, 12.0, 30.0]})
    out, brk = classify.natural_breaks(df, "v", k=3)
    # obvious optimum: {1,2,3} {10,11,12} {30}
    assert out["v_class"].tolist() == [1, 1, 1, 2, 2, 2, 3]
    assert out["v_class_pooled"].tolist() == [1, 1, 1, 2, 2, 2, 3]
    assert list(brk.columns) == ["column", "year", "pooled", "break_class", "lower", "upper",
                                 "count"]
    y = brk[brk["year"].eq(2000).fillna(False) & ~brk["pooled"]]
    np.testing.assert_array_equal(y["break_class"], [1, 2, 3])
    np.testing.assert_array_equal(y["lower"], [1.0, 3.0, 12.0])
    np.testing.assert_array_equal(y["upper"], [3.0, 12.0, 30.0])
    np.testing.assert_array_equal(y["count"], [3, 3, 1])
    # year is a year (integer) or empty: empty exactly on the pooled rows
    assert str(brk["year"].dtype) == "Int64"
    np.testing.assert_array_equal(brk["year"].isna(), brk["pooled"])
    assert brk["pooled"].tolist() == [False] * 3 + [True] * 3


def test_breaks_csv_round_trip_and_earlier_layout(tmp_path):
    from spatial_carbon._io import read_csv, write_csv

    df = pd.DataFrame({"year": [2000] * 3 + [2001] * 3, "v": [1.0, 2.0, 9.0, 1.0, 8.0, 9.0]})
    _, brk = classify.natural_breaks(df, "v", k=2)
    write_csv(brk, tmp_path / "b.csv")
    lines = (tmp_path / "b.csv").read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "column,year,pooled,break_class,lower,upper,count"
    # per-year rows carry the year as an integer, pooled rows leave it empty
    assert lines[1].startswith("v,2000,False,1,") and lines[-1].startswith("v,,True,2,")
    back = classify.breaks_table(read_csv(tmp_path / "b.csv"))
    pd.testing.assert_frame_equal(back, brk, check_dtype=False)
    assert str(back["year"].dtype) == "Int64" and back["pooled"].dtype == bool
    # the layout of earlier versions (class; year "pooled") reads as the same table
    old = pd.DataFrame({"column": "v", "year": ["2000", "2000", "pooled", "pooled"],
                        "class": [1, 2, 1, 2], "lower": [1.0, 2.0, 1.0, 2.0],
                        "upper": [2.0, 9.0, 2.0, 9.0], "count": [2, 1, 4, 2]})
    new = classify.breaks_table(old)
    assert list(new.columns) == ["column", "year", "pooled", "break_class", "lower", "upper",
                                 "count"]
    assert new["pooled"].tolist() == [False, False, True, True]
    assert new["year"].tolist()[:2] == [2000, 2000] and new["year"].isna().tolist()[2:] == [True] * 2
    # a table without year or pooled is one pooled classification
    assert classify.breaks_table(old.drop(columns="year"))["pooled"].all()


@pytest.mark.parametrize("seed", range(5))
def test_large_clustered_values_exact_where_mapclassify_fails(seed):
    rng = np.random.default_rng(seed)
    x = 1e9 + np.round(rng.uniform(0, 10, 8), 1)
    exact = brute_force_breaks(x, 3)
    # mapclassify's float32 accumulators give wrong (even non-monotonic) breaks here
    raw = np.asarray(mapclassify.FisherJenks(x, k=3).bins)
    assert not np.array_equal(raw, exact)
    np.testing.assert_array_equal(classify.fisher_jenks_exact(x, 3), exact)
    out, _ = classify.natural_breaks(pd.DataFrame({"v": x}), "v", k=3)
    np.testing.assert_array_equal(out["v_class_pooled"], np.searchsorted(exact, x) + 1)


@pytest.mark.parametrize("seed", range(3))
def test_exact_matches_brute_force_and_mapclassify_on_ordinary_data(seed):
    rng = np.random.default_rng(seed)
    x = np.round(rng.lognormal(0, 1, 10), 2)
    np.testing.assert_array_equal(classify.fisher_jenks_exact(x, 4), brute_force_breaks(x, 4))
    y = rng.normal(0, 1, 60)
    np.testing.assert_allclose(classify.fisher_jenks_exact(y, 5), mapclassify.FisherJenks(y, k=5).bins)


def test_ties_never_straddle_a_break():
    x = np.array([1, 1, 1, 1, 2, 2, 5, 5, 5, 9], dtype=float)
    up = classify.fisher_jenks_exact(x, 3)
    np.testing.assert_array_equal(up, brute_force_breaks(x, 3))
    cls = np.searchsorted(up, x) + 1
    for v in np.unique(x):
        assert len(set(cls[x == v])) == 1


def test_per_year_and_pooled_legends():
    df = pd.DataFrame({
        "region": list("abcdef") * 2, "year": [2000] * 6 + [2001] * 6,
        "v": [1, 2, 3, 7, 8, 9, 101, 102, 103, 107, 108, 109.0],
    })
    out, brk = classify.natural_breaks(df, "v", k=2)
    # per year: lower three vs upper three in each year
    assert out["v_class"].tolist() == [1, 1, 1, 2, 2, 2] * 2
    # pooled: 2000 all low, 2001 all high
    assert out["v_class_pooled"].tolist() == [1] * 6 + [2] * 6
    pooled = brk[brk["pooled"]]
    np.testing.assert_array_equal(pooled["upper"], [9.0, 109.0])
    assert pooled["year"].isna().all() and set(brk.loc[~brk["pooled"], "year"]) == {2000, 2001}
    assert brk["count"].sum() == 24


def test_other_schemes_via_mapclassify_on_standardised_values():
    rng = np.random.default_rng(1)
    x = rng.normal(50, 10, 40)
    out, brk = classify.natural_breaks(pd.DataFrame({"v": x}), "v", k=4, scheme="Quantiles")
    ref = mapclassify.Quantiles(x, k=4)
    np.testing.assert_array_equal(out["v_class_pooled"], ref.yb + 1)
    np.testing.assert_allclose(brk["upper"], ref.bins)
    # large offset: same classes as on the unshifted values
    out2, _ = classify.natural_breaks(pd.DataFrame({"v": x + 1e9}), "v", k=4, scheme="equal_interval")
    ref2 = mapclassify.EqualInterval(x, k=4)
    np.testing.assert_array_equal(out2["v_class_pooled"], ref2.yb + 1)


def test_errors():
    df = pd.DataFrame({"year": [2000, 2000, 2000, 2001, 2001, 2001], "v": [1, 1, 2, 1, 2, 3.0]})
    with pytest.raises(ClassificationError, match=r"v in 2000: not enough distinct values \(2\) to form 3 classes"):
        classify.natural_breaks(df, "v", k=3)
    with pytest.raises(ClassificationError, match="unknown classification scheme 'jenks'"):
        classify.natural_breaks(df, "v", k=2, scheme="jenks")
    with pytest.raises(ClassificationError, match="random starts"):
        classify.natural_breaks(df, "v", k=2, scheme="natural_breaks")
    with pytest.raises(ClassificationError, match="k must be"):
        classify.natural_breaks(df, "v", k=1)
    with pytest.raises(MissingDataError, match="missing"):
        classify.natural_breaks(df.assign(v=[1, np.nan, 2, 1, 2, 3]), "v", k=2)
    with pytest.raises(InputError, match="no column 'w'"):
        classify.natural_breaks(df, "w")


def test_input_not_modified():
    df = pd.DataFrame({"year": [2000] * 6, "v": [1, 2, 3, 4, 5, 6.0]})
    before = df.copy()
    classify.natural_breaks(df, "v", k=2)
    pd.testing.assert_frame_equal(df, before)


def test_cli_breaks(tmp_path):
    src = tmp_path / "fp.csv"
    _io.write_csv(pd.DataFrame({"year": [2000] * 7, "v": [1.0, 2, 3, 10, 11, 12, 30]}), src)
    out = tmp_path / "classes.csv"
    r = CliRunner().invoke(main, ["breaks", "-i", str(src), "-c", "v", "-k", "3", "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert _io.read_csv(out)["v_class"].tolist() == [1, 1, 1, 2, 2, 2, 3]
    brk = _io.read_csv(tmp_path / "classes_breaks.csv")
    assert brk["upper"].tolist() == [3.0, 12.0, 30.0, 3.0, 12.0, 30.0]
    r = CliRunner().invoke(main, ["breaks", "-i", str(src), "-c", "v", "-k", "9", "-o", str(tmp_path / "x.csv")])
    assert r.exit_code == 2 and "not enough distinct values" in r.output


def test_numba_and_numpy_kernels_agree():
    rng = np.random.default_rng(7)
    u = np.unique(np.round(rng.lognormal(0, 1, 400), 3))
    w = np.ones_like(u)
    c = u - u.mean()
    s0 = np.concatenate([[0.0], np.cumsum(w)])
    s1 = np.concatenate([[0.0], np.cumsum(w * c)])
    s2 = np.concatenate([[0.0], np.cumsum(w * c * c)])
    ref = classify._fj_kernel_numpy(s0, s1, s2, 5)
    np.testing.assert_array_equal(classify._fj_kernel_loops(s0, s1, s2, 5), ref)
    if classify._fj_kernel_numba is not None:
        np.testing.assert_array_equal(classify._fj_kernel_numba(s0, s1, s2, 5), ref)


def test_exact_never_worse_than_mapclassify():
    # n = 3000 lognormal (seed 0): mapclassify's float32 result has a larger within-class SSE
    rng = np.random.default_rng(0)
    rng.lognormal(0, 1, 690)
    x = rng.lognormal(0, 1, 3000)

    def sse(up):
        c = np.searchsorted(up, x)
        return sum(((x[c == j] - x[c == j].mean()) ** 2).sum() for j in range(len(up)))

    ours, theirs = sse(classify.fisher_jenks_exact(x, 5)), sse(np.asarray(mapclassify.FisherJenks(x, k=5).bins))
    assert ours <= theirs
