"""Benchmark: spatial_carbon weights / Moran / LISA / transitions vs libpysal + esda.

Every case runs in a fresh Python process (whole-process wall time, as a CLI
or QGIS tool run pays it: imports, numba compilation, I/O), and the peer is
measured in the same run on the same data.  Usage::

    python benchmarks/spatial_stats.py                 # all cases, esda grid at 100k cells
    python benchmarks/spatial_stats.py --cells 1000000 --esda-cells 1000000   # the full peer (~7 min)
    python benchmarks/spatial_stats.py --only provinces

Cases
-----
provinces  30 provinces x 20 years, 9,999 permutations: LISA + global Moran
           (+ transitions for us); peer: libpysal Queen + esda Moran_Local /
           Moran per year (seeded Moran_Local; esda's Moran uses the global RNG).
counties   2,875 counties x 20 years, 9,999 permutations, LISA + transitions;
           peer: esda Moran_Local for --esda-years years (per-year time scaled
           to 20 years, said so in the output).
grid       regular lattice of --cells square polygons, queen weights built
           from the polygons + LISA with 999 permutations; peer at --esda-cells.
global     global Moran with 999 permutations on the same grid.
The values are synthetic (smooth trend + noise) because only speed is measured;
correctness is in tests/.
"""

from __future__ import annotations

import argparse
import os
import sys
import textwrap

from _common import run_case  # noqa: E402  (benchmarks/ is on sys.path)

GRID = textwrap.dedent("""
    import geopandas as gpd, shapely
    side = int(round(CELLS ** 0.5))
    xs, ys = np.meshgrid(np.arange(side), np.arange(side)); xs = xs.ravel(); ys = ys.ravel()
    gdf = gpd.GeoDataFrame({"id": np.arange(side * side)},
                           geometry=shapely.box(xs, ys, xs + 1, ys + 1))
    rng = np.random.default_rng(0)
    v = np.sin(xs / 50) + np.cos(ys / 70) + rng.normal(0, 1, side * side)
    """)

PANEL = textwrap.dedent("""
    lat = gdf.geometry.representative_point().y.to_numpy()
    rng = np.random.default_rng(0)
    Y = np.array([lat + rng.normal(0, 4, len(gdf)) for _ in range(YEARS)])
    """)

CASES = {}

CASES["provinces", "ours"] = """
from spatial_carbon import datasets
from spatial_carbon.spatial import weights, autocorr, transitions
T1 = time.perf_counter()
gdf = datasets.boundaries("province"); gdf = gdf[gdf.region_code != 540000].reset_index(drop=True)
""" + PANEL + """
df = pd.DataFrame({"region_code": np.tile(gdf.region_code.to_numpy(), YEARS),
                   "year": np.repeat(np.arange(2000, 2000 + YEARS), len(gdf)), "v": Y.ravel()})
T2 = time.perf_counter()
w, rep = weights.build(gdf, "region_code")
lm = autocorr.local_moran(df, w, "v", id_col="region_code", permutations=PERM, seed=1)
gm = autocorr.global_moran(df, w, "v", id_col="region_code", permutations=PERM, seed=1)
tr = transitions.lisa_transitions(lm)
T3 = time.perf_counter()
out = {"import": T1 - T0, "data": T2 - T1, "compute": T3 - T2}
"""

CASES["provinces", "esda"] = """
import libpysal, esda
from spatial_carbon import datasets
T1 = time.perf_counter()
gdf = datasets.boundaries("province"); gdf = gdf[gdf.region_code != 540000].reset_index(drop=True)
""" + PANEL + """
T2 = time.perf_counter()
w = libpysal.weights.Queen.from_dataframe(gdf, use_index=False, silence_warnings=True)
w.transform = "r"
for y in Y:
    esda.Moran_Local(y, w, permutations=PERM, seed=1)
    np.random.seed(1); esda.Moran(y, w, permutations=PERM)
T3 = time.perf_counter()
out = {"import": T1 - T0, "data": T2 - T1, "compute": T3 - T2}
"""

CASES["counties", "ours"] = """
from spatial_carbon import datasets
from spatial_carbon.spatial import weights, autocorr, transitions
T1 = time.perf_counter()
gdf = datasets.boundaries("county")
""" + PANEL + """
df = pd.DataFrame({"code": np.tile(gdf.code.to_numpy(), YEARS),
                   "year": np.repeat(np.arange(2000, 2000 + YEARS), len(gdf)), "v": Y.ravel()})
T2 = time.perf_counter()
w, rep = weights.build(gdf, "code")
T3 = time.perf_counter()
lm = autocorr.local_moran(df, w, "v", id_col="code", permutations=PERM, seed=1)
T4 = time.perf_counter()
tr = transitions.lisa_transitions(lm)
T5 = time.perf_counter()
out = {"import": T1 - T0, "data": T2 - T1, "weights": T3 - T2, "lisa": T4 - T3,
       "transitions": T5 - T4, "compute": T5 - T2}
"""

CASES["counties", "esda"] = """
import libpysal, esda
from spatial_carbon import datasets
T1 = time.perf_counter()
gdf = datasets.boundaries("county")
""" + PANEL + """
T2 = time.perf_counter()
w = libpysal.weights.Queen.from_dataframe(gdf, use_index=False, silence_warnings=True)
w.transform = "r"
T3 = time.perf_counter()
esda.Moran_Local(Y[0], w, permutations=PERM, seed=1, keep_simulations=False)  # includes numba compilation
T4 = time.perf_counter()
for y in Y[1:1 + ESDA_YEARS]:
    esda.Moran_Local(y, w, permutations=PERM, seed=1, keep_simulations=False)
T5 = time.perf_counter()
per_year = (T5 - T4) / ESDA_YEARS
out = {"import": T1 - T0, "data": T2 - T1, "weights": T3 - T2, "first_year_incl_jit": T4 - T3,
       "per_year_after_jit": per_year, "lisa": (T4 - T3) + per_year * (YEARS - 1),
       "compute": (T3 - T2) + (T4 - T3) + per_year * (YEARS - 1), "extrapolated": True}
"""

CASES["grid", "ours"] = """
from spatial_carbon.spatial import weights, autocorr
T1 = time.perf_counter()
""" + GRID + """
df = pd.DataFrame({"id": np.arange(len(v)), "v": v})
T2 = time.perf_counter()
w, rep = weights.build(gdf, "id")
T3 = time.perf_counter()
lm = autocorr.local_moran(df, w, "v", id_col="id", permutations=PERM, seed=1)
T4 = time.perf_counter()
out = {"import": T1 - T0, "data": T2 - T1, "weights": T3 - T2, "lisa": T4 - T3, "compute": T4 - T2}
"""

CASES["grid", "esda"] = """
import libpysal, esda
T1 = time.perf_counter()
""" + GRID + """
T2 = time.perf_counter()
w = libpysal.weights.Queen.from_dataframe(gdf, use_index=False, silence_warnings=True)
w.transform = "r"
T3 = time.perf_counter()
esda.Moran_Local(v, w, permutations=PERM, seed=1, keep_simulations=False)
T4 = time.perf_counter()
out = {"import": T1 - T0, "data": T2 - T1, "weights": T3 - T2, "lisa": T4 - T3, "compute": T4 - T2}
"""

CASES["global", "ours"] = """
from spatial_carbon.spatial import weights, autocorr
T1 = time.perf_counter()
""" + GRID + """
df = pd.DataFrame({"id": np.arange(len(v)), "v": v})
T2 = time.perf_counter()
w, rep = weights.build(gdf, "id")
T3 = time.perf_counter()
gm = autocorr.global_moran(df, w, "v", id_col="id", permutations=PERM, seed=1, n_jobs=JOBS)
T4 = time.perf_counter()
out = {"import": T1 - T0, "data": T2 - T1, "weights": T3 - T2, "moran": T4 - T3, "compute": T4 - T2}
"""

CASES["global", "esda"] = """
import libpysal, esda
T1 = time.perf_counter()
""" + GRID + """
T2 = time.perf_counter()
w = libpysal.weights.Queen.from_dataframe(gdf, use_index=False, silence_warnings=True)
w.transform = "r"
T3 = time.perf_counter()
np.random.seed(1); esda.Moran(v, w, permutations=PERM)
T4 = time.perf_counter()
out = {"import": T1 - T0, "data": T2 - T1, "weights": T3 - T2, "moran": T4 - T3, "compute": T4 - T2}
"""


def run(case: str, who: str, consts: dict) -> dict:
    return run_case(CASES[case, who], consts, f"{case}/{who}")


def fmt(r: dict) -> str:
    keys = [k for k in ("import", "weights", "lisa", "moran", "transitions", "first_year_incl_jit",
                        "per_year_after_jit", "compute") if k in r]
    s = ", ".join(f"{k} {r[k]:.2f}s" for k in keys)
    return (f"whole process {r['wall']:.2f}s wall, {r['cpu']:.2f}s CPU ({s}; "
            f"max RSS {r['maxrss_MB']:.0f} MB)")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", nargs="*", choices=["provinces", "counties", "grid", "global"])
    ap.add_argument("--cells", type=int, default=1_000_000)
    ap.add_argument("--esda-cells", type=int, default=100_000)
    ap.add_argument("--esda-years", type=int, default=2)
    ap.add_argument("--years", type=int, default=20)
    ap.add_argument("--jobs", type=int, default=1, help="n_jobs for our global Moran permutations")
    args = ap.parse_args()
    only = args.only or ["provinces", "counties", "grid", "global"]
    print(f"machine: {os.cpu_count()} cores; load average at start {os.getloadavg()} "
          "(wall times are inflated when other jobs share the cores; CPU = user + sys of the process)")
    print(f"python {sys.version.split()[0]}")
    results = {}
    if "provinces" in only:
        c = {"YEARS": args.years, "PERM": 9999}
        o, e = run("provinces", "ours", c), run("provinces", "esda", c)
        print(f"\n[provinces] 30 x {args.years} years, 9,999 permutations, LISA + global Moran"
              f" (+ transitions for us)")
        print(f"  spatial_carbon: {fmt(o)}")
        print(f"  esda 2.8      : {fmt(e)}")
        print(f"  ratio esda/ours whole process: {e['wall'] / o['wall']:.1f}x wall, "
              f"{e['cpu'] / o['cpu']:.1f}x CPU; compute only: {e['compute'] / o['compute']:.1f}x")
        results["provinces"] = (o, e)
    if "counties" in only:
        c = {"YEARS": args.years, "PERM": 9999, "ESDA_YEARS": args.esda_years}
        o, e = run("counties", "ours", c), run("counties", "esda", c)
        print(f"\n[counties] 2,875 x {args.years} years, 9,999 permutations, LISA (+ transitions for us)")
        print(f"  spatial_carbon: {fmt(o)}")
        print(f"  esda 2.8      : {fmt(e)}  [LISA time for {args.years} years = first year + "
              f"{args.years - 1} x mean of {args.esda_years} measured years]")
        print(f"  ratio esda/ours compute (weights + {args.years} LISA years): {e['compute'] / o['compute']:.1f}x")
        results["counties"] = (o, e)
    if "grid" in only:
        o = run("grid", "ours", {"CELLS": args.cells, "PERM": 999})
        print(f"\n[grid] {args.cells:,} cells, queen weights from polygons + LISA, 999 permutations")
        print(f"  spatial_carbon: {fmt(o)}")
        if args.esda_cells != args.cells:
            o2 = run("grid", "ours", {"CELLS": args.esda_cells, "PERM": 999})
            print(f"  spatial_carbon at {args.esda_cells:,}: {fmt(o2)}")
        else:
            o2 = o
        e = run("grid", "esda", {"CELLS": args.esda_cells, "PERM": 999})
        print(f"  libpysal+esda at {args.esda_cells:,}: {fmt(e)}")
        print(f"  ratio esda/ours at {args.esda_cells:,} cells: whole process {e['wall'] / o2['wall']:.1f}x, "
              f"weights {e['weights'] / o2['weights']:.1f}x, LISA {e['lisa'] / o2['lisa']:.1f}x")
        results["grid"] = (o, o2, e)
    if "global" in only:
        o = run("global", "ours", {"CELLS": args.cells, "PERM": 999, "JOBS": args.jobs})
        print(f"\n[global] {args.cells:,} cells, global Moran with 999 permutations (weights included; "
              f"our n_jobs={args.jobs})")
        print(f"  spatial_carbon: {fmt(o)}")
        if args.esda_cells != args.cells:
            o2 = run("global", "ours", {"CELLS": args.esda_cells, "PERM": 999, "JOBS": args.jobs})
            print(f"  spatial_carbon at {args.esda_cells:,}: {fmt(o2)}")
        else:
            o2 = o
        e = run("global", "esda", {"CELLS": args.esda_cells, "PERM": 999})
        print(f"  libpysal+esda at {args.esda_cells:,}: {fmt(e)}")
        print(f"  ratio esda/ours at {args.esda_cells:,} cells: whole process {e['wall'] / o2['wall']:.1f}x, "
              f"Moran {e['moran'] / o2['moran']:.1f}x")
    print(f"\nload average at end {os.getloadavg()}")


if __name__ == "__main__":
    main()
