"""Property-based tests (hypothesis): identities that must hold for every input.

Examples find what a hand-picked case misses.  Each property is checked on
generated inputs with a fixed, database-less, derandomised profile so CI is
deterministic and fast (``PROPS``).  Failures hypothesis found while these
tests were written, and their fixes, are listed in docs/testing.md.
"""

from __future__ import annotations

import itertools
import math
import warnings

import numpy as np
import pandas as pd
import pytest

hyp = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, assume, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from spatial_carbon import footprint, regions  # noqa: E402
from spatial_carbon.spatial import classify  # noqa: E402

#: deterministic (same examples every run), no example database, no time limit
PROPS = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
FEW = settings(PROPS, max_examples=20)

CODES = regions.registry(mainland31=True)["region_code"].tolist()
finite = st.floats(min_value=0.0, max_value=1e9, allow_nan=False, allow_infinity=False)
positive = st.floats(min_value=1e-3, max_value=1e9, allow_nan=False, allow_infinity=False)


# ------------------------------------------------------------------ footprint
@st.composite
def footprint_inputs(draw):
    n = draw(st.integers(1, 6))
    years = draw(st.lists(st.integers(2000, 2020), min_size=1, max_size=3, unique=True))
    codes = draw(st.lists(st.sampled_from(CODES), min_size=n, max_size=n, unique=True))
    rows = [(c, y) for c in codes for y in years]
    ice = [draw(finite) for _ in rows]
    f = [draw(positive) for _ in rows]
    g = [draw(st.one_of(st.just(0.0), positive)) for _ in rows]
    basis = draw(st.sampled_from(["CO2", "C"]))
    shares = draw(st.sampled_from(["national", "regional", {"forest": 0.7, "grassland": 0.3}]))
    ice_df = pd.DataFrame({"region_code": [r[0] for r in rows], "year": [r[1] for r in rows],
                           "CO2_t": ice})
    cs = pd.DataFrame({"region_code": [r[0] for r in rows], "year": [r[1] for r in rows],
                       "CS_forest": f, "CS_grassland": g})
    cs["CS"] = cs["CS_forest"] + cs["CS_grassland"]
    return ice_df, cs, basis, shares


@PROPS
@given(footprint_inputs())
def test_footprint_identities(inp):
    """ICF = ICF_size + ICD, CEC = ICF_size + ICS, depth >= 1, and depth = ICE/CS
    (both divided by the same D, so on the common basis of the output)."""
    ice, cs, basis, shares = inp
    fp = footprint.compute(ice, cs, basis=basis, shares=shares)
    np.testing.assert_allclose(fp["ICF"], fp["ICF_size"] + fp["ICD"], rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(fp["CEC"], fp["ICF_size"] + fp["ICS"], rtol=1e-12, atol=1e-9)
    assert (fp["ICF_depth"] >= 1.0).all()
    assert ((fp["ICD"] == 0) | (fp["ICS"] == 0)).all()
    np.testing.assert_allclose(fp["ICF_depth"], np.maximum(1.0, fp["ICE"] / fp["CS"]),
                               rtol=1e-10)
    # the basis: ICE in C is 12/44 of ICE in CO2
    factor = 12.0 / 44.0 if basis == "C" else 1.0
    want = ice.set_index(["region_code", "year"])["CO2_t"] * factor
    got = fp.set_index(["region_code", "year"])["ICE"]
    np.testing.assert_allclose(got.sort_index(), want.sort_index(), rtol=1e-12)


# ----------------------------------------------------------------------- LMDI
@st.composite
def lmdi_items(draw):
    """Sectors with zeros allowed: new sectors, closed sectors, zero emitters."""
    n = draw(st.integers(1, 6))
    rows = []
    for i in range(n):
        q0 = draw(st.one_of(st.just(0.0), st.floats(1.0, 1e6)))
        q1 = draw(st.one_of(st.just(0.0), st.floats(1.0, 1e6)))
        c0 = draw(st.one_of(st.just(0.0), st.floats(1e-3, 1e6))) if q0 > 0 else 0.0
        c1 = draw(st.one_of(st.just(0.0), st.floats(1e-3, 1e6))) if q1 > 0 else 0.0
        rows.append((f"s{i}", q0, c0, q1, c1))
    assume(sum(r[1] for r in rows) > 0 and sum(r[3] for r in rows) > 0)
    return rows


@PROPS
@given(lmdi_items(), st.booleans())
def test_lmdi_is_exact_with_zeros(rows, two_regions):
    """Σ effects = ΔC exactly and Π D = C1/C0 (Ang 2015), zeros included."""
    from spatial_carbon.inputoutput.lmdi import lmdi_decompose

    regs = ["Beijing", "Hebei"] if two_regions else ["Beijing"]
    recs = []
    for k, reg in enumerate(regs):
        for s, q0, c0, q1, c1 in rows:
            f = 1.0 + k  # the second region scaled, so the regions differ
            recs += [(reg, s, 2000, q0 * f, c0 * f), (reg, s, 2010, q1, c1 * f)]
    df = pd.DataFrame(recs, columns=["region", "sector", "year", "output", "emissions"])
    for by in ("region", None):
        out = lmdi_decompose(df, 2000, 2010, by=by)
        for r in out.itertuples(index=False):
            np.testing.assert_allclose(r.scale + r.structure + r.technique, r.C1 - r.C0,
                                       rtol=1e-9, atol=1e-6 * max(1.0, abs(r.C0), abs(r.C1)))
            np.testing.assert_allclose(r.total, r.C1 - r.C0, rtol=1e-12, atol=1e-9)
            if r.C0 > 0 and r.C1 > 0:
                np.testing.assert_allclose(r.D_scale * r.D_structure * r.D_technique,
                                           r.C1 / r.C0, rtol=1e-9)
        if by is None:
            np.testing.assert_allclose(out["C0"].sum(), df.loc[df.year == 2000, "emissions"].sum())


# --------------------------------------------------------------------- Leontief
@st.composite
def productive_economy(draw):
    n = draw(st.integers(1, 6))
    a = np.array(draw(st.lists(st.floats(0.0, 1.0), min_size=n * n, max_size=n * n)))
    a = a.reshape(n, n)
    cs = a.sum(axis=0)
    target = np.array(draw(st.lists(st.floats(0.0, 0.95), min_size=n, max_size=n)))
    ok = cs > 1e-12
    a = a * np.where(ok, target / np.where(ok, cs, 1.0), 0.0)  # column sums < 1
    y = np.array(draw(st.lists(st.floats(0.0, 1e6), min_size=n, max_size=n)))
    return a, y


@PROPS
@given(productive_economy())
def test_leontief_balance(econ):
    """x = A x + y for the solved output of a productive economy."""
    from spatial_carbon.inputoutput.iomath import calc_x_from_A

    A, y = econ
    x = calc_x_from_A(A, y)
    np.testing.assert_allclose(x, A @ x + y, rtol=1e-9, atol=1e-6)
    assert (x >= -1e-9).all()


@st.composite
def mrio_tables(draw):
    R = draw(st.integers(1, 3))
    S = draw(st.integers(1, 3))
    n = R * S
    regs = [f"r{i}" for i in range(R)]
    idx = pd.MultiIndex.from_product([regs, [f"s{j}" for j in range(S)]],
                                     names=["region", "sector"])
    Z = np.array(draw(st.lists(st.floats(0.0, 100.0), min_size=n * n, max_size=n * n)))
    Y = np.array(draw(st.lists(st.floats(0.0, 100.0), min_size=n * R, max_size=n * R)))
    Y = Y.reshape(n, R)
    assume((Y.sum(axis=1) > 1e-3).all())  # every sector delivers to final demand: productive
    F = np.array(draw(st.lists(st.floats(0.0, 1e3), min_size=n, max_size=n)))
    return (pd.DataFrame(Z.reshape(n, n), index=idx, columns=idx),
            pd.DataFrame(Y, index=idx, columns=regs), pd.Series(F, index=idx))


@PROPS
@given(mrio_tables())
def test_consumption_and_production_accounts_sum_to_the_same_total(tables):
    """Σ CBA = Σ PBA (every emission is attributed to exactly one final consumer)."""
    from spatial_carbon.inputoutput import calc_accounts
    from spatial_carbon.inputoutput.mrio import mrio_from_frames

    Z, Y, F = tables
    acc = calc_accounts(mrio_from_frames(Z, Y, F))
    np.testing.assert_allclose(acc["consumption_based"].sum(), acc["production_based"].sum(),
                               rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(acc["production_based"].sum(), F.sum(), rtol=1e-12, atol=1e-9)


# --------------------------------------------------------------- natural breaks
values = st.lists(st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False, width=64),
                  min_size=2, max_size=40)


def _sse(v: np.ndarray, uppers: np.ndarray) -> float:
    cls = np.searchsorted(uppers, v, side="left")
    return float(sum(((v[cls == j] - v[cls == j].mean()) ** 2).sum()
                     for j in range(len(uppers)) if (cls == j).any()))


def _brute_force_sse(v: np.ndarray, k: int) -> float:
    """Minimum within-class SSE over every split of the sorted distinct values."""
    u = np.unique(v)
    best = math.inf
    for cuts in itertools.combinations(range(1, len(u)), k - 1):
        uppers = np.array([u[c - 1] for c in cuts] + [u[-1]])
        best = min(best, _sse(v, uppers))
    return best


@PROPS
@given(values, st.integers(2, 6))
def test_natural_breaks_partition_is_monotone_and_complete(vals, k):
    v = np.array(vals)
    assume(len(np.unique(v)) >= k)
    df = pd.DataFrame({"v": v, "year": 2019})
    classes, brk = classify.natural_breaks(df, "v", k, per_year=False)
    up = brk["upper"].to_numpy()
    assert (np.diff(up) > 0).all()  # strictly increasing
    assert up[-1] == v.max() and brk["lower"].iloc[0] == v.min()
    c = classes["v_class_pooled"].to_numpy()
    assert set(c) <= set(range(1, k + 1))
    assert brk["count"].sum() == len(v)  # every value in exactly one class
    for j in range(1, k + 1):  # class j holds lower < v <= upper (class 1: lower included)
        lo, hi = brk["lower"].iloc[j - 1], brk["upper"].iloc[j - 1]
        inside = (v <= hi) & ((v > lo) if j > 1 else (v >= lo))
        np.testing.assert_array_equal(c == j, inside)
        assert brk["count"].iloc[j - 1] == inside.sum()


@PROPS
@given(st.lists(st.floats(-1e4, 1e4, allow_nan=False, width=64), min_size=2, max_size=12),
       st.integers(2, 5))
def test_fisher_jenks_is_optimal_against_brute_force(vals, k):
    v = np.array(vals)
    assume(len(np.unique(v)) >= k)
    got = _sse(v, classify.fisher_jenks_exact(v, k))
    best = _brute_force_sse(v, k)
    assert got <= best * (1 + 1e-9) + 1e-6


@PROPS
@given(st.lists(st.floats(-1e4, 1e4, allow_nan=False, width=64), min_size=3, max_size=30),
       st.integers(2, 5), st.floats(1e-3, 1e3), st.floats(-1e5, 1e5))
def test_fisher_jenks_is_affine_equivariant(vals, k, a, b):
    """Breaks of a*v + b are a*breaks + b (a > 0), up to ties between equally
    good partitions: the partition found for a*v + b is optimal for v too."""
    v = np.array(vals)
    assume(len(np.unique(v)) >= k)
    w = a * v + b
    assume(len(np.unique(w)) == len(np.unique(v)))  # the map keeps values distinct in float64
    up_v = classify.fisher_jenks_exact(v, k)
    up_w = classify.fisher_jenks_exact(w, k)
    # the classes of w, read back on v
    cls_w = np.searchsorted(up_w, w, side="left")
    uppers_back = np.array([v[cls_w == j].max() for j in range(k)])
    sse_v = _sse(v, up_v)
    np.testing.assert_allclose(_sse(v, uppers_back), sse_v, rtol=1e-7, atol=1e-6 * (1 + sse_v))
    if np.array_equal(np.searchsorted(up_v, v, side="left"), cls_w):
        np.testing.assert_allclose(up_w, a * up_v + b, rtol=1e-9, atol=1e-9 * (abs(b) + a))


# --------------------------------------------------------------------- weights
@st.composite
def grid_cells(draw):
    rows = draw(st.integers(1, 5))
    cols = draw(st.integers(2 if rows == 1 else 1, 5))
    cells = draw(st.lists(st.tuples(st.integers(0, rows - 1), st.integers(0, cols - 1)),
                          min_size=2, max_size=rows * cols, unique=True))
    return cells


@PROPS
@given(grid_cells(), st.sampled_from(["queen", "rook"]), st.sampled_from(["knn", "drop"]))
def test_contiguity_weights_are_symmetric_and_row_standardised(cells, kind, islands):
    import geopandas as gpd
    from shapely.geometry import box

    from spatial_carbon.spatial import weights

    from spatial_carbon.errors import WeightsError

    gdf = gpd.GeoDataFrame({"id": [f"c{r}_{c}" for r, c in cells]},
                           geometry=[box(c, r, c + 1, r + 1) for r, c in cells], crs=3857)

    def touch(p, q):
        dr, dc = abs(p[0] - q[0]), abs(p[1] - q[1])
        return (max(dr, dc) == 1) if kind == "queen" else (dr + dc == 1)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if islands == "drop" and not any(touch(p, q) for p in cells for q in cells):
            with pytest.raises(WeightsError, match="every unit is an island"):
                weights.build(gdf, "id", kind, islands=islands)
            return
        w, rep = weights.build(gdf, "id", kind, islands=islands)
    b = w.binary.toarray()
    np.testing.assert_array_equal(b, b.T)  # neighbours are mutual (islands linked both ways)
    assert np.all(np.diag(b) == 0)
    s = np.asarray(w.sparse.sum(axis=1)).ravel()
    np.testing.assert_allclose(s, 1.0, rtol=1e-12)  # no all-zero row, rows sum to 1
    # contiguity by hand on the grid: queen = touching cells, rook = sharing an edge
    pos = {f"c{r}_{c}": (r, c) for r, c in cells}
    ids = list(w.ids)
    for i, a in enumerate(ids):
        for j, bb in enumerate(ids):
            if touch(pos[a], pos[bb]):
                assert b[i, j] > 0, (a, bb)
            elif b[i, j] > 0:  # a link that is not contiguity: only added for islands
                assert a in rep.islands or bb in rep.islands


# ------------------------------------------------------------------ land cover
@st.composite
def raster_and_zones(draw):
    h, w = draw(st.integers(4, 24)), draw(st.integers(4, 24))
    data = np.array(draw(st.lists(st.integers(0, 4), min_size=h * w, max_size=h * w)),
                    dtype=np.uint8).reshape(h, w)
    nz = draw(st.integers(1, 4))
    zones = []
    for _ in range(nz):
        r0 = draw(st.integers(0, h - 1))
        c0 = draw(st.integers(0, w - 1))
        zones.append((r0, draw(st.integers(r0 + 1, h)), c0, draw(st.integers(c0 + 1, w))))
    return data, zones


def _write(path, data, transform, crs):
    import rasterio

    with rasterio.open(path, "w", driver="GTiff", width=data.shape[1], height=data.shape[0],
                       count=1, dtype="uint8", crs=crs, transform=transform, nodata=0) as ds:
        ds.write(data, 1)
    return str(path)


@FEW
@given(raster_and_zones(), st.integers(1, 3), st.integers(1, 3))
def test_landcover_counts_sum_to_zone_pixels_and_tiles_change_nothing(tmp_path_factory, case,
                                                                      nrow, ncol):
    """Pixel-aligned rectangles: class + nodata pixels = the zone's pixels; the
    same raster cut into nrow x ncol tiles gives the same counts."""
    import geopandas as gpd
    from rasterio.transform import from_origin
    from shapely.geometry import box

    from spatial_carbon import landcover

    data, rects = case
    h, w = data.shape
    d = tmp_path_factory.mktemp("lc")
    crs = "+proj=aea +lat_1=25 +lat_2=47 +lon_0=105 +datum=WGS84 +units=m +no_defs"
    x0, y0, px = 500_000.0, 3_500_000.0, 30.0
    t = from_origin(x0, y0, px, px)
    whole = _write(d / "whole.tif", data, t, crs)
    # pixel edges (exact in binary) so each pixel centre is clearly inside or outside
    geoms = [box(x0 + c0 * px, y0 - r1 * px, x0 + c1 * px, y0 - r0 * px)
             for r0, r1, c0, c1 in rects]
    zones = gpd.GeoDataFrame({"name": [f"z{i}" for i in range(len(rects))]}, geometry=geoms,
                             crs=crs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        one = landcover.class_areas_with_summary({2019: [whole]}, zones, "name", legend="clcd",
                                                 workers=1, _zone_areas=False)
    s = one.summary.set_index("zone")
    for i, (r0, r1, c0, c1) in enumerate(rects):
        block = data[r0:r1, c0:c1]
        z = s.loc[f"z{i}"]
        assert z["class_pixels"] + z["nodata_pixels"] == block.size
        assert z["nodata_pixels"] == (block == 0).sum()
        got = one.areas[one.areas["zone"] == f"z{i}"].set_index("class")["pixels"]
        for v in (1, 2, 3, 4):
            assert got.get(v, 0) == (block == v).sum()
    # tiles: cut rows and columns at random-ish places
    rcuts = np.linspace(0, h, nrow + 1).astype(int)
    ccuts = np.linspace(0, w, ncol + 1).astype(int)
    tiles = []
    for a, b in zip(rcuts[:-1], rcuts[1:]):
        for c, e in zip(ccuts[:-1], ccuts[1:]):
            if b > a and e > c:
                tt = from_origin(x0 + c * px, y0 - a * px, px, px)
                tiles.append(_write(d / f"t{a}_{c}.tif", data[a:b, c:e], tt, crs))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tiled = landcover.class_areas_with_summary({2019: tiles}, zones, "name", legend="clcd",
                                                   workers=1, _zone_areas=False)
    key = ["zone", "year", "class"]
    pd.testing.assert_series_equal(one.areas.set_index(key)["pixels"].sort_index(),
                                   tiled.areas.set_index(key)["pixels"].sort_index())
    np.testing.assert_allclose(tiled.areas.set_index(key)["area_hm2"].sort_index(),
                               one.areas.set_index(key)["area_hm2"].sort_index(), rtol=1e-12)


# ------------------------------------------------------------------ transitions
@st.composite
def lisa_panels(draw):
    n = draw(st.integers(1, 8))
    T = draw(st.integers(2, 5))
    q = draw(st.lists(st.integers(0, 4), min_size=n * T, max_size=n * T))
    sig = draw(st.lists(st.booleans(), min_size=n * T, max_size=n * T))
    rows = [(f"u{i}", 2000 + t, q[i * T + t], sig[i * T + t]) for i in range(n) for t in range(T)]
    return pd.DataFrame(rows, columns=["id", "year", "quadrant", "significant"])


@PROPS
@given(lisa_panels(), st.booleans())
def test_transition_rows_sum_to_the_origin_years_counts(lisa, significant_only):
    from spatial_carbon.spatial import transitions

    tr = transitions.lisa_transitions(lisa, significant_only=significant_only, id_cols=["id"])
    counts = tr.counts.to_numpy()
    years = sorted(lisa["year"].unique())
    want = np.zeros(4)
    for y0, y1 in zip(years[:-1], years[1:]):
        a = lisa[lisa.year == y0].set_index("id")
        b = lisa[lisa.year == y1].set_index("id")
        ok = a["quadrant"].between(1, 4) & b["quadrant"].between(1, 4)
        if significant_only:
            ok &= a["significant"] & b["significant"]
        for qq in range(1, 5):
            want[qq - 1] += int(((a["quadrant"] == qq) & ok).sum())
    np.testing.assert_array_equal(counts.sum(axis=1), want)
    p = tr.probabilities.to_numpy()
    full = counts.sum(axis=1) > 0
    np.testing.assert_allclose(p[full].sum(axis=1), 1.0, rtol=1e-12)
