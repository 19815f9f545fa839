"""National-scale benchmark: class areas of a CLCD-like China at 30 m, one year and 22.

Generates (once, ``--keep`` to reuse) a raster laid out like CLCD's Albers
files: China's territory (the bundled 34 provinces, islands south of 18 N
left out) in CLCD's Albers CRS (``+proj=aea +lat_1=25 +lat_2=47 +lat_0=0
+lon_0=105 +datum=WGS84``) at 30 m, ~1.7e5 x 1.3e5 pixels (~2.2e10, of which
~1.1e10 inside China), uint8 classes 1-9 with the benchmark's ``clcd``
texture (~0.8 bit/px over land, about the size of a real CLCD year),
nodata 0 outside, DEFLATE, 512 x 512 tiles, BigTIFF.  Then, each tool in a
child process whose process-tree peak memory (PSS) is sampled:

* ``read``: decode every block of the file (the decode floor), 1 and N processes;
* ``engine``: ``landcover.class_areas`` for the 31 provinces and the 2,875
  counties (centre rule), and the counties with exact fractions;
* ``gdal``: an independent count of the provinces with GDAL's rasteriser
  (``rasterio.features.rasterize`` per window, QGIS's centre rule) - the
  engine's province counts must be equal, pixel for pixel;
* ``exactextract`` (``unique, frac, count``) on the same inputs, with a time
  limit; the engine's fractions must equal its ``frac x count`` (1e-6 rel.);
* 22 "years": the same file under 22 names ``CLCD_v01_{year}_albert.tif``
  (symbolic links - the disk and this shared machine's time do not allow 22
  distinct 1 GB files; the page cache then serves years 2-22 from memory, so
  this measures decoding and counting, not the disk).

Every ratio is taken against the decode floor measured in the same run.
Usage (heavy: run alone, under nice)::

    nice -n 10 python3 benchmarks/landcover_national.py --workdir /work/scratch/landcover --keep
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from landcover import (child_exactextract, child_read, cpu_seconds, run_child,  # noqa: E402
                       write_raster)

CLCD_ALBERS = ("+proj=aea +lat_1=25 +lat_2=47 +lat_0=0 +lon_0=105 +x_0=0 +y_0=0 "
               "+datum=WGS84 +units=m +no_defs")


def national_grid(px: float = 30.0):
    """Outline of China in CLCD's Albers CRS and the 30 m grid around it."""
    import geopandas as gpd
    import shapely
    from affine import Affine

    from spatial_carbon import datasets

    prov = datasets.boundaries("province", mainland31=False)
    land = shapely.union_all(prov.geometry.values)
    land = shapely.intersection(land, shapely.box(70, 18.0, 140, 56))  # no far islands
    outline = gpd.GeoSeries([land], crs="EPSG:4326").to_crs(CLCD_ALBERS).iloc[0]
    outline = outline.simplify(px)
    x0, y0, x1, y1 = outline.bounds
    x0, y1 = math.floor(x0 / px) * px, math.ceil(y1 / px) * px
    width = int(math.ceil((x1 - x0) / px))
    height = int(math.ceil((y1 - y0) / px))
    return outline, Affine(px, 0, x0, 0, -px, y1), width, height


def zones_file(work: Path, level: str, province: str | None = None) -> Path:
    """The bundled provinces (31) or counties (2,875; or those of one province, by
    the first two digits of its code) in the raster's CRS, as GPKG."""
    from spatial_carbon import datasets

    p = work / f"national_{level}{'_' + province if province else ''}.gpkg"
    if not p.exists():
        z = datasets.boundaries(level).to_crs(CLCD_ALBERS)
        if level == "county":
            z = z.rename(columns={"code": "region_code"})
        if province:
            z = z[z["region_code"].astype(str).str.startswith(province)]
        z[["region_code", "geometry"]].to_file(p, driver="GPKG")
    return p


# --------------------------------------------------------------------------- children

def _worker_cpu() -> float:  # defined in __main__: cloudpickle sends it by value
    import resource

    u = resource.getrusage(resource.RUSAGE_SELF)
    return u.ru_utime + u.ru_stime


def child_engine(pattern: str, zones: str, years: str, rule: str, executor: str) -> dict:
    """``executor`` may be a Dask scheduler address (tcp://...): the CPU time is then
    the workers' (measured on them before and after)."""
    import geopandas as gpd

    from spatial_carbon import landcover

    z = gpd.read_file(zones)
    ys = [int(y) for y in years.split(",")]
    client = None
    if executor.startswith("tcp://"):
        from distributed import Client

        client = Client(executor)
        wcpu0 = sum(client.run(_worker_cpu).values())
    t0 = time.perf_counter()
    c0 = cpu_seconds()
    res = landcover.class_areas_with_summary(
        pattern, z, "region_code", years=ys, pixel_rule=rule,
        **({"scheduler": client} if client else {"executor": executor}))
    sec = time.perf_counter() - t0
    cpu = cpu_seconds() - c0
    if client is not None:
        cpu += sum(client.run(_worker_cpu).values()) - wcpu0
        client.close()
    df = res.areas
    first = df[df["year"] == ys[0]]
    same = all(np.array_equal(first["pixels"].to_numpy(),
                              df[df["year"] == y]["pixels"].to_numpy()) for y in ys[1:])
    counts = {f"{r.zone}|{r['class']}": float(r.pixels) for _, r in first.iterrows()}
    return {"seconds": sec, "cpu": cpu, "counts": counts, "years_identical": same,
            "pixels_read": int(res.summary["class_pixels"].sum()
                               + res.summary["nodata_pixels"].sum())}


def _gdal_windows(args):
    raster, zones, wins = args
    import geopandas as gpd
    import rasterio
    import shapely
    from rasterio.features import rasterize
    from rasterio.windows import Window

    z = gpd.read_file(zones)
    geoms = z.geometry.values
    ids = np.arange(1, len(z) + 1)
    tree = shapely.STRtree(geoms)
    hist = np.zeros((len(z) + 1) * 256, np.int64)
    with rasterio.Env(GDAL_CACHEMAX=64), rasterio.open(raster) as ds:
        t = ds.transform
        for (r, c, h, w) in wins:
            wt = ds.window_transform(Window(c, r, w, h))
            x0, y1 = wt * (0, 0)
            x1, y0 = wt * (w, h)
            box = shapely.box(x0, y0, x1, y1)
            cand = np.sort(tree.query(box))
            if len(cand) == 0:
                continue
            data = ds.read(1, window=Window(c, r, w, h))
            full = shapely.covers(geoms[cand], box)
            if full.any():
                zr = np.full((h, w), ids[cand[np.argmax(full)]], np.int32)
            else:
                parts = shapely.clip_by_rect(geoms[cand], x0 - t.a, y0 - t.a, x1 + t.a, y1 + t.a)
                zr = rasterize(zip(parts, ids[cand].tolist()), out_shape=(h, w), transform=wt,
                               fill=0, dtype=np.int32)
            hist += np.bincount((zr.astype(np.int64) * 256 + data).ravel(), minlength=hist.size)
    return hist


def child_gdal(raster: str, zones: str, workers: int) -> dict:
    """Independent centre-rule counts with GDAL's rasteriser, window by window."""
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    import geopandas as gpd
    import rasterio

    z = gpd.read_file(zones)
    with rasterio.open(raster) as ds:
        W, H = ds.width, ds.height
    step = 2048
    wins = [(r, c, min(step, H - r), min(step, W - c))
            for r in range(0, H, step) for c in range(0, W, step)]
    t0 = time.perf_counter()
    c0 = cpu_seconds()
    chunks = [wins[i::workers] for i in range(workers)]
    with ProcessPoolExecutor(workers, mp_context=mp.get_context("fork")) as ex:
        hist = sum(ex.map(_gdal_windows, [(raster, zones, ch) for ch in chunks]))
    sec = time.perf_counter() - t0
    cpu = cpu_seconds() - c0
    hist = hist.reshape(len(z) + 1, 256)
    counts = {f"{code}|{v}": float(hist[i + 1, v]) for i, code in enumerate(z["region_code"])
              for v in range(1, 10)}
    return {"seconds": sec, "cpu": cpu, "counts": counts}


def start_cluster(nworkers: int, log: Path):
    """``dask scheduler`` + ``nworkers`` single-threaded ``dask worker`` processes on
    127.0.0.1 (as in the tests); returns (address, processes)."""
    import socket
    import subprocess

    with socket.socket() as so:
        so.bind(("127.0.0.1", 0))
        port = so.getsockname()[1]
    addr = f"tcp://127.0.0.1:{port}"
    env = dict(os.environ, PYTHONPATH=str(HERE.parent) + os.pathsep + os.environ.get(
        "PYTHONPATH", ""))
    out = open(log, "w")
    procs = [subprocess.Popen([sys.executable, "-m", "dask", "scheduler", "--host", "127.0.0.1",
                               "--port", str(port), "--no-dashboard"], env=env, stdout=out,
                              stderr=subprocess.STDOUT)]
    for _ in range(nworkers):
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "dask", "worker", addr, "--host", "127.0.0.1", "--nthreads",
             "1", "--no-nanny", "--no-dashboard", "--memory-limit", "2GiB"], env=env,
            stdout=out, stderr=subprocess.STDOUT))
    from distributed import Client

    with Client(addr, timeout="60s") as c:
        c.wait_for_workers(nworkers, timeout=120)
    return addr, procs


def stop_cluster(procs) -> None:
    for p in procs:
        p.terminate()
    for p in procs:
        try:
            p.wait(timeout=20)
        except Exception:
            p.kill()


def _child_main(argv):
    kind = argv[0]
    if kind == "read":
        res = child_read(argv[1], int(argv[2]))
    elif kind == "engine":
        res = child_engine(*argv[1:6])
    elif kind == "gdal":
        res = child_gdal(argv[1], argv[2], int(argv[3]))
    elif kind == "exactextract":
        res = child_exactextract(argv[1], argv[2])
    else:
        raise SystemExit(f"unknown child {kind}")
    print("RESULT " + json.dumps(res))


# --------------------------------------------------------------------------- parent

def agree(a: dict, b: dict, mode: str) -> tuple[str, int]:
    """Per zone-class agreement: ``exact`` (equal) or ``relative`` (1e-6)."""
    n = bad = 0
    worst = 0.0
    for k, v in a.items():
        if k.endswith("|0"):
            continue
        o = b.get(k, 0.0)
        d = abs(o - v)
        n += 1
        rel = d / max(abs(v), 1.0)
        worst = max(worst, rel if mode == "relative" else d)
        if (d != 0) if mode == "exact" else (rel > 1e-6):
            bad += 1
    what = "max |diff|" if mode == "exact" else "max relative diff"
    return f"{n - bad}/{n} zone-class cells agree ({what} {worst:.3g})", bad


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--workdir", default="/work/scratch/landcover")
    ap.add_argument("--keep", action="store_true", help="keep the generated raster")
    ap.add_argument("--years", type=int, default=22)
    ap.add_argument("--exactextract-timeout", type=float, default=2400.0, help="seconds")
    ap.add_argument("--skip", default="", help="comma list of steps to skip: "
                    "read,provinces,counties,fraction,gdal,exactextract,exactextract-all,"
                    "years,dask")
    ap.add_argument("--ee-province", default="41", metavar="CODE",
                    help="also compare exactextract and the exact fractions on the counties "
                         "of this province (first digits of the code; 41 = Henan)")
    ap.add_argument("--dask-years", type=int, default=4,
                    help="years for the Dask cluster run (2 workers on this machine)")
    ap.add_argument("--executor", choices=["thread", "process"], default="thread")
    ap.add_argument("--generate-only", action="store_true")
    a = ap.parse_args(argv)
    skip = set(filter(None, a.skip.split(",")))

    import shutil

    import psutil

    work = Path(a.workdir)
    work.mkdir(parents=True, exist_ok=True)
    raster = work / "clcd_like_china_30m.tif"
    if not raster.exists():
        outline, t, width, height = national_grid()
        need = 2e9
        free = shutil.disk_usage(work).free
        if free < 3 * need:
            raise SystemExit(f"only {free / 1e9:.1f} GB free in {work}")
        t0 = time.perf_counter()
        tmp = raster.with_suffix(".part.tif")
        write_raster(tmp, width, height, t, CLCD_ALBERS, outline, seed=2021, texture="clcd")
        tmp.rename(raster)
        print(f"generated in {time.perf_counter() - t0:.0f} s", flush=True)
    if a.generate_only:
        return 0
    import rasterio

    with rasterio.open(raster) as ds:
        W, H = ds.width, ds.height
        bs = ds.block_shapes[0]
    size = raster.stat().st_size
    print(f"raster {raster.name}: {W:,} x {H:,} = {W * H / 1e9:.2f} Gpx, {size / 2**20:,.0f} MiB "
          f"({8 * size / (W * H):.3f} bit/px over the grid), blocks {bs}, uint8 DEFLATE, "
          "CLCD Albers, 30 m")
    print(f"machine: {os.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.0f} GiB; "
          f"load average {os.getloadavg()}", flush=True)
    ncpu = os.cpu_count() or 1
    prov, cnty = zones_file(work, "province"), zones_file(work, "county")
    res: dict = {}

    def run(name, args, timeout=None):
        r = run_child(args, timeout=timeout, script=__file__)
        res[name] = r
        if "error" in r:
            print(f"{name:28s} FAILED: {r['error'][-600:]}", flush=True)
            return None
        extra = ""
        if "pixels_read" in r:
            extra = f"   {r['pixels_read'] / r['seconds'] / 1e6:,.0f} Mpx/s of zone pixels"
        print(f"{name:28s} {r['seconds']:8.1f} s   cpu {r.get('cpu', float('nan')):7.1f} s   "
              f"peak {r['peak_mem_mb']:7,.0f} MiB   load {os.getloadavg()[0]:.1f}{extra}",
              flush=True)
        return r

    year0 = 2000
    links = work / "years"
    links.mkdir(exist_ok=True)
    for y in range(year0, year0 + max(1, a.years)):
        p = links / f"CLCD_v01_{y}_albert.tif"
        if not p.exists():
            p.symlink_to(raster)
    pattern = str(links / "CLCD_v01_{year}_albert.tif")
    one = str(year0)
    if "read" not in skip:
        run("read (decode floor, 1 proc)", ["read", str(raster), "1"])
        run(f"read (decode floor, {ncpu} proc)", ["read", str(raster), str(ncpu)])
    if "provinces" not in skip:
        run("engine 31 provinces", ["engine", pattern, str(prov), one, "centre", a.executor])
    if "counties" not in skip:
        run("engine 2,875 counties", ["engine", pattern, str(cnty), one, "centre", a.executor])
    if "fraction" not in skip:
        run("engine counties, fraction", ["engine", pattern, str(cnty), one, "fraction",
                                          a.executor])
    if "gdal" not in skip:
        run("GDAL rasterize, provinces", ["gdal", str(raster), str(prov), str(ncpu)])
    if "exactextract" not in skip and a.ee_province:
        sub = zones_file(work, "county", a.ee_province)
        run(f"engine fraction, {a.ee_province}xx counties", ["engine", pattern, str(sub), one,
                                                            "fraction", a.executor])
        run(f"exactextract, {a.ee_province}xx counties", ["exactextract", str(raster), str(sub)],
            timeout=a.exactextract_timeout)
    if "exactextract" not in skip and "exactextract-all" not in skip:
        run("exactextract counties", ["exactextract", str(raster), str(cnty)],
            timeout=a.exactextract_timeout)
    if "years" not in skip and a.years > 1:
        ys = ",".join(str(y) for y in range(year0, year0 + a.years))
        run(f"engine counties x {a.years} years", ["engine", pattern, str(cnty), ys, "centre",
                                                   a.executor])

    if "dask" not in skip:
        addr, procs = start_cluster(2, work / "dask.log")
        try:
            ys = ",".join(str(y) for y in range(year0, year0 + a.dask_years))
            run(f"dask 2 workers, {a.dask_years} years", ["engine", pattern, str(cnty), ys,
                                                          "centre", addr])
        finally:
            stop_cluster(procs)

    print()
    floor = res.get(f"read (decode floor, {ncpu} proc)", {}).get("seconds")
    cfloor = res.get("read (decode floor, 1 proc)", {}).get("cpu")
    for k, r in res.items():
        if "seconds" in r and floor:
            c = (f"   cpu / decode-floor cpu = {r['cpu'] / cfloor:5.2f}x" if cfloor and "cpu" in r
                 else "")
            print(f"  {k:28s} / decode floor ({ncpu} proc) = {r['seconds'] / floor:6.2f}x{c}")
    for ek, fk in (("exactextract counties", "engine counties, fraction"),
                   (f"exactextract, {a.ee_province}xx counties",
                    f"engine fraction, {a.ee_province}xx counties")):
        ee, fr = res.get(ek, {}), res.get(fk, {})
        if "seconds" in ee and "seconds" in fr:
            print(f"  {ek} / {fk}: wall {ee['seconds'] / fr['seconds']:.2f}x, "
                  f"cpu {ee['cpu'] / fr['cpu']:.2f}x")
            print("  fractions vs exactextract frac x count:",
                  agree(fr["counts"], ee["counts"], "relative")[0])
    g = res.get("GDAL rasterize, provinces", {})
    p = res.get("engine 31 provinces", {})
    if "counts" in g and "counts" in p:
        print("  provinces vs GDAL rasterize:", agree(p["counts"], g["counts"], "exact")[0])
    dk = res.get(f"dask 2 workers, {a.dask_years} years", {})
    if "seconds" in dk:
        npx = dk["pixels_read"]
        print(f"  dask: {npx / dk['seconds'] / 1e6:,.0f} Mpx/s wall with 2 workers, "
              f"{npx / dk['cpu'] / 1e6:,.0f} Mpx per worker CPU-second; years identical: "
              f"{dk['years_identical']}")
    yr = res.get(f"engine counties x {a.years} years", {})
    if "seconds" in yr:
        print(f"  {a.years} years identical to one year: {yr['years_identical']}; "
              f"{yr['seconds'] / a.years:.1f} s per year")
    (work / "national_results.json").write_text(json.dumps(
        {k: {kk: vv for kk, vv in v.items() if kk != "counts"} for k, v in res.items()},
        indent=1))
    if not a.keep:
        for p in links.iterdir():
            p.unlink()
        links.rmdir()
        raster.unlink()
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        _child_main(sys.argv[2:])
    else:
        sys.exit(main())
