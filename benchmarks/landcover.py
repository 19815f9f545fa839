"""Benchmark: land-cover class areas per zone vs exactextract and QGIS zonal histogram.

Generates a CLCD-like raster (30 m Albers, uint8 classes 1-9 in realistic
patches, nodata 0 outside a national outline, DEFLATE, 512x512 tiles) of
SIZE x SIZE pixels, with the 31 provinces (or the 367 mainland cities, or
the 2,875 counties) of China scaled onto it as zones, then times in the same
run:

* read   : reading and decoding every block (1 process, and N processes)
* engine : ``spatial_carbon.landcover.class_areas`` (all cores), pixel rule
  ``centre`` or ``fraction`` (exact coverage)
* exactextract : ``exact_extract(..., ["unique", "frac", "count"])``
* qgis   : ``qgis_process.bin run native:zonalhistogram`` (QGIS 3.22)

Each tool runs in its own child process (timed inside, after its imports);
the parent samples the memory of the child's whole process tree every 50 ms
(psutil, sum of PSS: pages shared by forked workers are not counted twice).  Counts
are checked to agree: QGIS uses the same pixel-centre rule (equal counts
expected, except zones smaller than a pixel); exactextract weights edge
pixels by coverage, so with ``--rule centre`` the difference per zone and
class must stay below the zone's number of boundary pixels (perimeter / pixel
size, x 2), and with ``--rule fraction`` (the same exact coverage) it must be
below 1e-6 relative.

Usage::

    python benchmarks/landcover.py 20000                      # 400 Mpx, provinces
    python benchmarks/landcover.py 20000 --rule fraction --level city --no-qgis
    python benchmarks/landcover.py 40000 --no-qgis            # 1.6 Gpx
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ALBERS = "+proj=aea +lat_1=25 +lat_2=47 +lon_0=105 +datum=WGS84 +units=m +no_defs"
# class shares roughly as in CLCD 2020 for China (Yang & Huang 2021, Fig. 9)
CLASS_P = np.array([0.19, 0.23, 0.01, 0.28, 0.02, 0.01, 0.22, 0.03, 0.01])


# --------------------------------------------------------------------------- data

def make_zones(size: int, px: float = 30.0, level: str = "province"):
    """Zones of China (31 provinces, 367 mainland cities or 2,875 counties), in
    Albers, scaled to fill the raster; the id field is ``region_code``."""
    import geopandas as gpd
    from shapely import affinity

    from spatial_carbon import datasets

    z = datasets.boundaries(level).to_crs(ALBERS)
    if level != "province":
        keep = z["province_adcode"].isin(datasets.boundaries("province")["region_code"])
        z = z[keep] if level == "city" else z
        z = z.rename(columns={"code": "region_code"})
    z = z[["region_code", "geometry"]]
    x0, y0, x1, y1 = z.total_bounds
    extent = size * px
    s = 0.96 * extent / max(x1 - x0, y1 - y0)
    geoms = [affinity.affine_transform(g, [s, 0, 0, s, -x0 * s + 0.02 * extent,
                                           -y0 * s + 0.02 * extent]) for g in z.geometry]
    return gpd.GeoDataFrame({"region_code": z["region_code"].to_numpy()}, geometry=geoms,
                            crs=ALBERS)


def texture_strip(rng, r: int, h: int, width: int, coarse, texture: str = "smooth"):
    """Classes 1-9 of rows ``r .. r+h-1`` (``width`` columns), in patches.

    ``coarse`` is the landscape grid (one class per 200 x 200 px, ~6 km).
    ``smooth``: plus fields of ~500 m over 35 % of the area and 2 % speckle
    (~0.57 bit/px over land with DEFLATE).  ``clcd``: the same with 4 %
    speckle, ~0.75 bit/px over land, the size of a real CLCD year (~1 GB for
    ~1.1e10 land pixels: the v1.0.1 Zenodo record lists 64.5 GB for 33
    national GeoTIFFs and 33 province zips of the same data).  ``rough``:
    plus ~120 m field patches over 30 % and 6 % speckle (~1.4 bit/px, a
    harder case than CLCD).  Speckle positions are drawn sparsely (memory: a
    few arrays of ``h x width`` bytes).
    """
    c1, c2 = 200, 16
    rows = np.arange(r, r + h)
    cols = np.arange(width)
    a = coarse[(rows // c1)[:, None], (cols // c1)[None, :]]
    fine = rng.choice(9, size=(h // c2 + 2, width // c2 + 2), p=CLASS_P).astype(np.uint8) + 1
    keep = rng.random((h // c2 + 2, width // c2 + 2)) < 0.35
    fr = (rows - r) // c2
    fc = cols // c2
    sel = keep[fr[:, None], fc[None, :]]
    a = np.where(sel, fine[fr[:, None], fc[None, :]], a)
    if texture == "rough":
        c3 = 4
        f3 = rng.choice(9, size=(h // c3 + 2, width // c3 + 2), p=CLASS_P).astype(np.uint8) + 1
        k3 = rng.random((h // c3 + 2, width // c3 + 2)) < 0.3
        r3, q3 = (rows - r) // c3, cols // c3
        a = np.where(k3[r3[:, None], q3[None, :]], f3[r3[:, None], q3[None, :]], a)
    n = a.size
    ns = rng.binomial(n, {"rough": 0.06, "clcd": 0.04}.get(texture, 0.02))
    a.reshape(-1)[rng.integers(0, n, ns)] = rng.integers(1, 10, size=ns, dtype=np.uint8)
    return a


def write_raster(path: Path, width: int, height: int, transform, crs: str, outline,
                 seed: int = 0, texture: str = "smooth", strip: int = 512) -> None:
    """Write a CLCD-like raster strip by strip: classes inside ``outline``, 0 (nodata)
    outside; uint8, DEFLATE, 512 x 512 tiles, BigTIFF (memory: a few strips)."""
    import rasterio
    from affine import Affine
    from rasterio.features import rasterize

    rng = np.random.default_rng(seed)
    coarse = rng.choice(9, size=(height // 200 + 2, width // 200 + 2), p=CLASS_P).astype(
        np.uint8) + 1
    prof = dict(driver="GTiff", width=width, height=height, count=1, dtype="uint8", nodata=0,
                crs=crs, transform=transform, tiled=True, blockxsize=512, blockysize=512,
                compress="deflate", BIGTIFF="YES", NUM_THREADS="ALL_CPUS")
    with rasterio.open(path, "w", **prof) as ds:
        for r in range(0, height, strip):
            h = min(strip, height - r)
            wt = transform @ Affine.translation(0, r)
            inside = rasterize([(outline, 1)], out_shape=(h, width), transform=wt, fill=0,
                               dtype=np.uint8).astype(bool)
            a = np.zeros((h, width), np.uint8)
            cols = np.flatnonzero(inside.any(axis=0))
            if len(cols):
                c0, c1 = (int(cols[0]) // 512) * 512, int(cols[-1]) + 1
                t = texture_strip(rng, r, h, c1 - c0, coarse[:, c0 // 200:], texture)
                a[:, c0:c1] = np.where(inside[:, c0:c1], t, 0)
            ds.write(a, 1, window=((r, r + h), (0, width)))


def generate(path: Path, size: int, zones, seed: int = 0, px: float = 30.0,
             texture: str = "smooth") -> None:
    """The SIZE x SIZE benchmark raster: nodata outside the zones' outline."""
    import shapely
    from affine import Affine

    t = Affine(px, 0, 0, 0, -px, size * px)
    outline = shapely.union_all(zones.geometry.values).simplify(px * 2)
    write_raster(path, size, size, t, ALBERS, outline, seed=seed, texture=texture)


# --------------------------------------------------------------------------- children

def cpu_seconds() -> float:
    """CPU time (user + system) of this process, its threads and its waited-for children."""
    import resource

    a, b = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return a.ru_utime + a.ru_stime + b.ru_utime + b.ru_stime


def child_read(raster: str, workers: int) -> dict:
    """The decode floor: read every block, in the engine's window size (2048 x 2048 for
    512-pixel tiles), in ``workers`` processes; no counting."""
    import rasterio
    from concurrent.futures import ProcessPoolExecutor

    from spatial_carbon.landcover.engine import WINDOW_PIXELS

    with rasterio.open(raster) as ds:
        bh, bw = ds.block_shapes[0]
        W, H = ds.width, ds.height
    side = int(round(math.sqrt(WINDOW_PIXELS) / bw)) * bw if bw < W else W
    hh = int(round(WINDOW_PIXELS / side / bh)) * bh or bh
    wins = [(r, c, min(hh, H - r), min(side, W - c)) for r in range(0, H, hh)
            for c in range(0, W, side)]
    t0 = time.perf_counter()
    c0 = cpu_seconds()
    if workers <= 1:
        total = _read_blocks(raster, wins)
    else:
        chunks = [wins[i::workers] for i in range(workers)]
        import multiprocessing as mp

        with ProcessPoolExecutor(workers, mp_context=mp.get_context("fork")) as ex:
            total = sum(ex.map(_read_blocks, [raster] * workers, chunks))
    return {"seconds": time.perf_counter() - t0, "cpu": cpu_seconds() - c0,
            "checksum": int(total)}


def _read_blocks(raster, wins):
    import rasterio
    from rasterio.windows import Window

    s = 0
    with rasterio.Env(GDAL_CACHEMAX=64), rasterio.open(raster) as ds:
        for r, c, h, w in wins:
            s += int(ds.read(1, window=Window(c, r, w, h))[0, 0])
    return s


def child_engine(raster: str, zones: str, workers: int | None, rule: str = "centre",
                 executor: str = "thread") -> dict:
    import geopandas as gpd

    from spatial_carbon import landcover

    z = gpd.read_file(zones)
    kw = dict(legend="clcd", workers=workers, pixel_rule=rule, executor=executor)
    t0 = time.perf_counter()
    c0 = cpu_seconds()
    df = landcover.class_areas({2020: raster}, z, "region_code", **kw)
    sec = time.perf_counter() - t0
    cpu = cpu_seconds() - c0
    # a second call in the same process: numba's start-up (~0.3-0.5 s, paid once
    # per process even with its on-disk cache) is then already done
    t0 = time.perf_counter()
    df2 = landcover.class_areas({2020: raster}, z, "region_code", **kw)
    sec2 = time.perf_counter() - t0
    assert df.equals(df2)
    counts = {f"{r.zone}|{r['class']}": float(r.pixels) for _, r in df.iterrows()}
    return {"seconds": sec, "cpu": cpu, "seconds_warm": sec2, "counts": counts}


def child_exactextract(raster: str, zones: str) -> dict:
    import geopandas as gpd
    import rasterio
    from exactextract import exact_extract

    z = gpd.read_file(zones)
    t0 = time.perf_counter()
    c0 = cpu_seconds()
    with rasterio.open(raster) as ds:
        df = exact_extract(ds, z, ["unique", "frac", "count"], include_cols=["region_code"],
                           output="pandas")
    sec = time.perf_counter() - t0
    cpu = cpu_seconds() - c0
    counts = {}
    for _, r in df.iterrows():
        for v, f in zip(r["unique"], r["frac"]):
            k = f"{r['region_code']}|{int(v)}"
            counts[k] = counts.get(k, 0.0) + float(f) * float(r["count"])
    return {"seconds": sec, "cpu": cpu, "counts": counts}


def child_qgis(raster: str, zones: str, out: str) -> dict:
    # a clean environment: QGIS embeds Debian's Python and must not see ours
    env = {"PATH": "/usr/bin:/bin", "HOME": os.environ.get("HOME", "/root"),
           "QT_QPA_PLATFORM": "offscreen", "LANG": "C.UTF-8"}
    cmd = ["/usr/bin/qgis_process.bin", "run", "native:zonalhistogram",
           f"--INPUT_RASTER={raster}", "--RASTER_BAND=1", f"--INPUT_VECTOR={zones}",
           "--COLUMN_PREFIX=HISTO_", f"--OUTPUT={out}"]
    t0 = time.perf_counter()
    p = subprocess.run(cmd, env=env, capture_output=True, text=True)
    sec = time.perf_counter() - t0
    if p.returncode != 0:
        return {"error": p.stderr[-2000:] + p.stdout[-2000:]}
    import geopandas as gpd

    g = gpd.read_file(out)
    counts = {}
    for _, r in g.iterrows():
        for c in g.columns:
            if c.startswith("HISTO_") and c[6:].isdigit():
                counts[f"{r['region_code']}|{int(c[6:])}"] = float(r[c])
    return {"seconds": sec, "counts": counts}


def _child_main(argv):
    kind = argv[0]
    if kind == "read":
        res = child_read(argv[1], int(argv[2]))
    elif kind == "engine":
        res = child_engine(argv[1], argv[2], int(argv[3]) or None, argv[4], argv[5])
    elif kind == "exactextract":
        res = child_exactextract(argv[1], argv[2])
    elif kind == "qgis":
        res = child_qgis(argv[1], argv[2], argv[3])
    else:
        raise SystemExit(f"unknown child {kind}")
    print("RESULT " + json.dumps(res))


# --------------------------------------------------------------------------- parent

def run_child(args: list[str], timeout: float | None = None, script: str | None = None,
              pythonpath: str | None = None) -> dict:
    """Run a child tool (``script --child ARGS``, default this file); return its result
    plus the peak PSS of its process tree.  After ``timeout`` seconds the tree is
    killed and the result is ``{"error": "timeout"}``.  ``pythonpath`` runs the
    child against another copy of spatial_carbon (a baseline)."""
    import psutil

    env = dict(os.environ)
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    p = subprocess.Popen([sys.executable, script or __file__, "--child", *args],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    peak = 0
    stop = threading.Event()

    def sample():
        nonlocal peak
        try:
            proc = psutil.Process(p.pid)
        except psutil.NoSuchProcess:
            return
        while not stop.is_set():
            try:
                procs = [proc] + proc.children(recursive=True)
                rss = 0
                for q in procs:
                    try:
                        # PSS: shared pages of forked workers are split, not counted twice
                        rss += q.memory_full_info().pss
                    except (psutil.NoSuchProcess, psutil.AccessDenied, AttributeError):
                        try:
                            rss += q.memory_info().rss
                        except psutil.NoSuchProcess:
                            pass
                peak = max(peak, rss)
            except psutil.NoSuchProcess:
                break
            stop.wait(0.05)

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        for q in psutil.Process(p.pid).children(recursive=True) + [psutil.Process(p.pid)]:
            try:
                q.kill()
            except psutil.NoSuchProcess:
                pass
        p.communicate()
        stop.set()
        th.join()
        return {"error": f"timeout after {timeout:.0f} s", "peak_mem_mb": peak / 2**20}
    stop.set()
    th.join()
    line = [ln for ln in out.splitlines() if ln.startswith("RESULT ")]
    if p.returncode != 0 or not line:
        return {"error": err[-3000:]}
    res = json.loads(line[-1][7:])
    res["peak_mem_mb"] = peak / 2**20
    return res


def compare(ref: dict, other: dict, zones, px: float, mode: str) -> str:
    """Check per zone and class counts against the engine (ref).

    ``mode``: ``"equal"`` (QGIS, same centre rule: within 1 pixel),
    ``"edge"`` (centre rule vs coverage fractions: within 2 x the zone's
    perimeter in pixels) or ``"relative"`` (both exact coverage: 1e-6
    relative, 1e-6 pixel absolute for empty cells).
    """
    perim = {str(c): g.length / px for c, g in zip(zones["region_code"], zones.geometry)}
    worst, worst_rel, nbad, n = 0.0, 0.0, 0, 0
    for k, v in ref.items():
        z, c = k.split("|")
        if c == "0":
            continue
        o = other.get(k, 0.0)
        d = abs(o - v)
        tol = {"equal": 1.0, "edge": 2.0 * perim[z], "relative": 1e-6 * max(abs(v), 1.0)}[mode]
        n += 1
        worst = max(worst, d / max(1.0, perim[z]))
        worst_rel = max(worst_rel, d / max(abs(v), 1.0))
        if d > tol:
            nbad += 1
    tot_ref = sum(v for k, v in ref.items() if not k.endswith("|0"))
    tot_oth = sum(v for k, v in other.items() if not k.endswith("|0") and "NODATA" not in k)
    return (f"{n - nbad}/{n} zone-class counts within tolerance; worst |diff| = "
            f"{worst:.3g} x perimeter pixels, {worst_rel:.2e} relative; totals "
            f"{tot_ref:,.3f} vs {tot_oth:,.3f} ({(tot_oth - tot_ref) / tot_ref:+.2e})"), nbad


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("size", type=int, help="raster width = height, pixels")
    ap.add_argument("--workdir", default=str(HERE / "_work"))
    ap.add_argument("--workers", type=int, default=0, help="engine processes (0 = all cores)")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--no-qgis", action="store_true")
    ap.add_argument("--no-exactextract", action="store_true")
    ap.add_argument("--keep", action="store_true", help="keep the generated raster")
    ap.add_argument("--texture", choices=["smooth", "clcd", "rough"], default="smooth")
    ap.add_argument("--qgis-repeat", type=int, default=1)
    ap.add_argument("--rule", choices=["centre", "fraction"], default="centre",
                    help="engine pixel rule (fraction = exact coverage, compared to "
                         "exactextract at 1e-6 relative)")
    ap.add_argument("--level", choices=["province", "city", "county"], default="province")
    ap.add_argument("--executor", choices=["thread", "process"], default="thread")
    ap.add_argument("--baseline", metavar="DIR",
                    help="also time the engine of another copy of spatial_carbon (a folder "
                         "holding the spatial_carbon package, e.g. `git archive` of an older "
                         "commit), with its default process executor, in the same run")
    a = ap.parse_args(argv)

    import psutil

    work = Path(a.workdir)
    work.mkdir(parents=True, exist_ok=True)
    raster = work / f"clcd_like_{a.size}_{a.texture}.tif"
    zpath = work / f"zones_{a.size}_{a.level}.gpkg"
    zones = make_zones(a.size, level=a.level)
    zones.to_file(zpath, driver="GPKG")
    if not raster.exists():
        t0 = time.perf_counter()
        generate(raster, a.size, zones, texture=a.texture)
        print(f"generated in {time.perf_counter() - t0:.1f} s")
    nbytes = raster.stat().st_size
    print(f"raster {raster.name}: {a.size}x{a.size} = {a.size ** 2 / 1e6:,.0f} Mpx, "
          f"{nbytes / 2**20:,.1f} MiB on disk ({8 * nbytes / a.size ** 2:.2f} bit/px), "
          f"uint8 DEFLATE 512x512 tiles, 30 m Albers; {len(zones)} zones ({a.level}), "
          f"rule {a.rule}, executor {a.executor}")
    ncpu = os.cpu_count()
    print(f"machine: {ncpu} cores, {psutil.virtual_memory().total / 2**30:.0f} GiB; "
          f"load average before: {os.getloadavg()}")

    results: dict[str, list] = {}

    def timed(name, args, repeat=None, pythonpath=None):
        for _ in range(repeat or a.repeat):
            r = run_child(args, pythonpath=pythonpath)
            if "error" in r:
                print(f"{name}: FAILED\n{r['error']}")
                return None
            results.setdefault(name, []).append(r)
            cpu = f"cpu {r['cpu']:7.2f} s   " if "cpu" in r else ""
            print(f"{name:14s} {r['seconds']:8.2f} s   {cpu}peak memory {r['peak_mem_mb']:7.0f} MiB"
                  f"   load {os.getloadavg()[0]:.2f}", flush=True)
            if "seconds_warm" in r:
                results.setdefault(name + " (warm)", []).append({"seconds": r["seconds_warm"]})
                print(f"{name + ' (warm)':14s} {r['seconds_warm']:8.2f} s   (second call, same "
                      "process)", flush=True)
        return results[name][-1]

    timed("read(1 proc)", ["read", str(raster), "1"])
    timed(f"read({ncpu} proc)", ["read", str(raster), str(ncpu)])
    eng = timed("engine", ["engine", str(raster), str(zpath), str(a.workers), a.rule,
                           a.executor])
    if a.baseline:
        timed("baseline", ["engine", str(raster), str(zpath), str(a.workers), a.rule, "process"],
              pythonpath=a.baseline)
    ee = None if a.no_exactextract else timed("exactextract", ["exactextract", str(raster),
                                                                 str(zpath)])
    qg = None
    if not a.no_qgis and Path("/usr/bin/qgis_process.bin").exists():
        out = work / f"qgis_{a.size}.gpkg"
        if out.exists():
            out.unlink()
        qg = timed("qgis", ["qgis", str(raster), str(zpath), str(out)], a.qgis_repeat)

    med = {k: float(np.median([r["seconds"] for r in v])) for k, v in results.items()}
    cpu = {k: float(np.median([r["cpu"] for r in v])) for k, v in results.items()
           if all("cpu" in r for r in v)}
    print("\nmedians (s):", {k: round(v, 2) for k, v in med.items()})
    print("median CPU (s):", {k: round(v, 2) for k, v in cpu.items()})
    floors = [k for k in med if k.startswith("read(")]
    for ename in ("engine", "engine (warm)", "baseline", "baseline (warm)"):
        e = med.get(ename)
        if not e:
            continue
        for f in floors:
            print(f"  {ename:15s} / {f:13s} = {e / med[f]:6.2f}x  (decode floor)")
        for k, v in med.items():
            if not (k.startswith(("engine", "baseline", "read("))):
                print(f"  {k:15s} / {ename:13s} = {v / e:6.2f}x")
        if ename in cpu and "read(1 proc)" in cpu:
            print(f"  {ename:15s} CPU / read(1 proc) CPU = {cpu[ename] / cpu['read(1 proc)']:6.2f}x")
    status = 0
    if eng and ee:
        msg, bad = compare(eng["counts"], ee["counts"], zones, 30.0,
                           "relative" if a.rule == "fraction" else "edge")
        print("exactextract vs engine:", msg)
        status |= bool(bad)
    if eng and qg and a.rule == "centre":
        msg, bad = compare(eng["counts"], qg["counts"], zones, 30.0, "equal")
        print("QGIS vs engine:", msg)
        status |= bool(bad)
    if not a.keep:
        for p in list(work.glob(raster.name + "*")) + list(work.glob(f"*_{a.size}*.gpkg")):
            p.unlink()  # the raster, QGIS's .aux.xml statistics, zones and outputs
    return status


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        _child_main(sys.argv[2:])
    else:
        sys.exit(main())
