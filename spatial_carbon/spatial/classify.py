"""Map classes: natural breaks per year and pooled over all years.

Maps of different years drawn with per-year breaks cannot be compared by
colour; pooled breaks (one classification of all region-years together)
give every year the same legend.  Both are returned.

Schemes are chosen by name as in ``mapclassify.classify``.  Every scheme is
applied to standardised values z = (x - mean) / sd and the breaks are
transformed back: the classifications offered are affine-equivariant, and
mapclassify's ``FisherJenks`` accumulates sums of squares in float32, which
on large, tightly clustered values (e.g. 1e9 + a spread of 10) returns
non-monotonic breaks and wrong classes.  For ``fisher_jenks`` we go further
and use our own exact float64 dynamic programme (Fisher 1958) over distinct
values weighted by their counts, so ties never straddle a break; on ordinary
data it gives the same breaks as mapclassify (tested).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import ClassificationError, InputError, MissingDataError, show

#: Scheme names accepted (normalised: lower case without ``_``, ``-``, spaces).
SCHEMES = {
    "fisherjenks": "FisherJenks",
    "quantiles": "Quantiles",
    "equalinterval": "EqualInterval",
    "jenkscaspall": "JenksCaspall",
    "jenkscaspallforced": "JenksCaspallForced",
    "maximumbreaks": "MaximumBreaks",
}


def _scheme(name: str) -> str:
    key = str(name).lower().replace("_", "").replace("-", "").replace(" ", "")
    if key == "naturalbreaks":
        raise ClassificationError(
            "mapclassify's 'natural_breaks' is k-means with random starts (not reproducible); "
            "use 'fisher_jenks', the exact natural-breaks optimum"
        )
    if key not in SCHEMES:
        raise ClassificationError(
            f"unknown classification scheme {name!r}; use one of "
            + ", ".join(sorted({'fisher_jenks', 'quantiles', 'equal_interval', 'jenks_caspall',
                                'jenks_caspall_forced', 'maximum_breaks'}))
        )
    return key


def fisher_jenks_exact(values, k: int) -> np.ndarray:
    """Exact Fisher-Jenks natural breaks in float64.

    Parameters
    ----------
    values : array-like of float
        Values to classify (at least ``k`` distinct values).
    k : int
        Number of classes.

    Returns
    -------
    numpy.ndarray
        ``k`` upper bounds (each the largest value of its class), increasing.

    Notes
    -----
    Minimises the total within-class sum of squared deviations over all
    partitions of the sorted distinct values u_1 < ... < u_m (weights w =
    counts) into k contiguous groups, by dynamic programming (Fisher 1958,
    "On grouping for maximum homogeneity", JASA 53: 789-798):
    D[c][j] = min_i D[c-1][i-1] + SSE(i..j), SSE from float64 prefix sums
    of w, w*u, w*u^2 of centred values.  O(k m^2) time, O(k m) memory;
    compiled with numba when it is installed and m > 200.
    Not ``mapclassify.FisherJenks``: float32 accumulators (see module doc).
    """
    x = np.asarray(values, dtype="float64")
    u, w = np.unique(x, return_counts=True)
    m = len(u)
    if k < 1 or m < k:
        raise ClassificationError(f"not enough distinct values ({m}) to form {k} classes")
    c = u - np.average(u, weights=w)  # centring keeps the prefix sums well conditioned
    s0 = np.concatenate([[0.0], np.cumsum(w, dtype="float64")])
    s1 = np.concatenate([[0.0], np.cumsum(w * c)])
    s2 = np.concatenate([[0.0], np.cumsum(w * c * c)])

    if _fj_kernel_numba is not None and m > 200:
        arg = _fj_kernel_numba(s0, s1, s2, k)
    else:
        arg = _fj_kernel_numpy(s0, s1, s2, k)
    uppers = np.empty(k)
    j = m - 1
    for cl in range(k - 1, -1, -1):
        uppers[cl] = u[j]
        if cl:
            j = arg[cl, j] - 1
    return uppers


def _fj_kernel_numpy(s0, s1, s2, k):
    """Fisher DP over prefix sums; returns arg[c, j] = first index of the last group."""
    m = len(s0) - 1

    def sse(i, j):  # groups u[i..j] inclusive; i may be an array
        n = s0[j + 1] - s0[i]
        a = s1[j + 1] - s1[i]
        return (s2[j + 1] - s2[i]) - a * a / n

    d = np.full((k, m), np.inf)
    arg = np.zeros((k, m), dtype=np.int64)
    d[0] = sse(np.zeros(m, dtype=np.int64), np.arange(m))
    for cl in range(1, k):
        for j in range(cl, m):
            i = np.arange(cl, j + 1)  # first index of the last group
            cost = d[cl - 1][i - 1] + sse(i, j)
            best = int(np.argmin(cost))  # first minimum: ties resolved to the leftmost split
            d[cl, j] = cost[best]
            arg[cl, j] = i[best]
    return arg


def _fj_kernel_loops(s0, s1, s2, k):
    """The same DP as :func:`_fj_kernel_numpy` in plain loops (compiled with numba)."""
    m = len(s0) - 1
    d = np.full((k, m), np.inf)
    arg = np.zeros((k, m), dtype=np.int64)
    for j in range(m):
        a = s1[j + 1]
        d[0, j] = s2[j + 1] - a * a / s0[j + 1]
    for cl in range(1, k):
        for j in range(cl, m):
            best, besti = np.inf, cl
            for i in range(cl, j + 1):
                n = s0[j + 1] - s0[i]
                a = s1[j + 1] - s1[i]
                c = d[cl - 1, i - 1] + (s2[j + 1] - s2[i]) - a * a / n
                if c < best:
                    best, besti = c, i
            d[cl, j] = best
            arg[cl, j] = besti
    return arg


try:  # optional speed-up (spatial_carbon[fast]); results are identical (tested)
    import numba as _numba

    _fj_kernel_numba = _numba.njit(cache=False)(_fj_kernel_loops)
except ImportError:  # pragma: no cover
    _fj_kernel_numba = None


def _classify(v: np.ndarray, k: int, scheme: str, label: str) -> tuple[np.ndarray, np.ndarray]:
    """(class 1..k per value, upper bounds in data units)."""
    if np.isnan(v).any():
        raise MissingDataError(f"{label}: {int(np.isnan(v).sum())} missing value(s); drop or fill them first")
    if np.isinf(v).any():
        raise InputError(f"{label}: {int(np.isinf(v).sum())} infinite value(s) (inf); class "
                         "bounds must be finite: drop or correct them first")
    m = len(np.unique(v))
    if m < k:
        raise ClassificationError(
            f"{label}: not enough distinct values ({m}) to form {k} classes; lower k"
        )
    if scheme == "fisherjenks":
        uppers = fisher_jenks_exact(v, k)
    else:
        mean, sd = v.mean(), v.std()
        z = (v - mean) / sd
        import mapclassify  # slow to import (numba at import time): only when used

        res = mapclassify.classify(z, SCHEMES[scheme], k=k)
        bz = np.asarray(res.bins, dtype="float64")
        uppers = bz * sd + mean
        # a break that is a data value maps back to that exact value
        for idx, b in enumerate(bz):
            hit = np.nonzero(z == b)[0]
            if len(hit):
                uppers[idx] = v[hit[0]]
        uppers[-1] = max(uppers[-1], v.max())
    cls = np.searchsorted(uppers, v, side="left") + 1
    cls = np.minimum(cls, len(uppers))
    return cls.astype("int64"), uppers


def _breaks_rows(year, pooled: bool, v: np.ndarray, cls: np.ndarray, uppers: np.ndarray
                 ) -> list[tuple]:
    rows = []
    for j, up in enumerate(uppers, start=1):
        lower = v.min() if j == 1 else uppers[j - 2]
        rows.append((year, pooled, j, float(lower), float(up), int((cls == j).sum())))
    return rows


def _years(values) -> pd.Series:
    """Years as nullable integers (empty for pooled rows); other labels as given."""
    s = pd.Series(list(values), dtype="object")
    num = pd.to_numeric(s, errors="coerce")
    whole = num.notna() & (num == np.round(num))
    if (s.isna() | whole).all():
        return num.astype("Int64")
    return s


#: Columns of the breaks table, in order.
BREAKS_COLUMNS = ("column", "year", "pooled", "break_class", "lower", "upper", "count")


def breaks_table(breaks: pd.DataFrame) -> pd.DataFrame:
    """A breaks table in the current layout (``year``, ``pooled``, ``break_class``).

    Reads the layout of earlier versions of :func:`natural_breaks` too, where the
    class number was ``class`` and pooled rows had ``year = "pooled"``
    (a user's ``--breaks`` file from an earlier run).  A table without
    ``year`` or ``pooled`` counts as one pooled classification.

    Parameters
    ----------
    breaks : DataFrame
        A breaks table (``lower``, ``upper`` and optionally ``column``,
        ``year``, ``pooled``, ``break_class``).

    Returns
    -------
    DataFrame
        A copy with ``pooled`` (bool), ``year`` (integer, empty where pooled)
        and ``break_class`` where the input had ``class``.
    """
    t = breaks.copy()
    if "break_class" not in t.columns and "class" in t.columns:
        t = t.rename(columns={"class": "break_class"})
    if "pooled" in t.columns:
        p = t["pooled"]
        if p.dtype != bool:
            p = p.astype(str).str.strip().str.lower().isin({"true", "1", "yes"})
        t["pooled"] = p.to_numpy(dtype=bool)
        if "year" in t.columns:
            t["year"] = _years(t["year"]).set_axis(t.index)
    elif "year" in t.columns:
        p = t["year"].astype(str).str.strip().str.lower().eq("pooled").to_numpy()
        t["year"] = _years(t["year"].where(~p, None)).set_axis(t.index)
        t.insert(t.columns.get_loc("year") + 1, "pooled", p)
    else:
        t["pooled"] = True
    return t


def natural_breaks(
    df: pd.DataFrame,
    column: str,
    k: int = 5,
    *,
    pooled: bool = True,
    per_year: bool = True,
    scheme: str = "fisher_jenks",
    year_col: str = "year",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Natural-breaks classes of ``column`` per year and pooled over all years.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per region-year (e.g. :func:`spatial_carbon.footprint.compute`
        output).
    column : str
        Column to classify (e.g. ``"ICF_pc"``).
    k : int, default 5
        Number of classes.
    pooled : bool, default True
        Also classify all rows together (one legend for every year).
    per_year : bool, default True
        Classify each year separately (needs ``year_col``; if ``df`` has no
        such column only the pooled classes are computed).
    scheme : str, default "fisher_jenks"
        ``fisher_jenks`` (exact natural breaks), ``quantiles``,
        ``equal_interval``, ``jenks_caspall``, ``jenks_caspall_forced`` or
        ``maximum_breaks`` (spelling as in ``mapclassify.classify``).

    Returns
    -------
    classes : pandas.DataFrame
        A copy of ``df`` with ``<column>_class`` (per-year class, 1 = lowest)
        and/or ``<column>_class_pooled``.
    breaks : pandas.DataFrame
        ``column``, ``year`` (empty for the pooled rows), ``pooled`` (True:
        breaks of all years together), ``break_class`` (1 = lowest),
        ``lower``, ``upper``, ``count``: class j holds lower < value <= upper
        (class 1 also holds its lower bound, the minimum).

    Raises
    ------
    ClassificationError
        Fewer distinct values than classes (in some year or pooled), k < 2,
        unknown scheme.
    MissingDataError
        Missing values in ``column``.

    Notes
    -----
    Fisher-Jenks: see :func:`fisher_jenks_exact`.  Other schemes: mapclassify
    on standardised values, breaks transformed back (x = z * sd + mean).
    """
    if column not in df.columns:
        raise InputError(f"no column {column!r} to classify; choose one of "
                         f"{', '.join(map(str, df.columns))}")
    if not isinstance(k, (int, np.integer)) or k < 2:
        raise ClassificationError(f"k must be an integer >= 2, got {show(k)}; use 2 or more classes")
    sch = _scheme(scheme)
    v_all = pd.to_numeric(df[column], errors="coerce").to_numpy(dtype="float64")
    out = df.copy()
    rows: list[tuple] = []
    if per_year and year_col in df.columns:
        cls = np.zeros(len(df), dtype="int64")
        years = df[year_col].to_numpy()
        for y in sorted(pd.unique(years)):
            sel = years == y
            c, up = _classify(v_all[sel], k, sch, f"{column} in {y}")
            cls[sel] = c
            rows += _breaks_rows(y, False, v_all[sel], c, up)
        out[f"{column}_class"] = cls
    if pooled:
        c, up = _classify(v_all, k, sch, f"{column} pooled over all rows")
        out[f"{column}_class_pooled"] = c
        rows += _breaks_rows(None, True, v_all, c, up)
    if not rows:
        raise InputError(f"nothing to classify: df has no {year_col!r} column and pooled=False")
    breaks = pd.DataFrame(rows, columns=list(BREAKS_COLUMNS[1:]))
    breaks["year"] = _years(breaks["year"])
    breaks.insert(0, "column", column)
    return out, breaks
