"""Streaming zonal class-area engine: windows, per-window zone rasters, execution.

Work is cut into block-aligned windows of about 4 Mpx per *grid* (rasters that
share CRS, transform and size: the same grid over several years).  One task
= one window of one grid, for every year on that grid: the zones are
rasterised once for the window (in memory, a few MB) and reused for each
year's pixels, so no whole-raster zone array ever exists and no temporary
file is written.  Each task returns a sparse histogram
``(zone, slot) -> pixels, area``; results are reduced in task order, so the
numbers do not depend on the number of workers or on completion order.

Executors: in-process (small jobs), a process pool (default; all cores), a
thread pool (for hosts that cannot fork, e.g. inside QGIS), or a
``dask.distributed`` cluster (local or at an address; raster paths must be
readable by the workers).
"""

from __future__ import annotations

import math
import multiprocessing as mp
import os
import threading
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import rasterio
import shapely
from affine import Affine
from pyproj import CRS
from rasterio.errors import RasterioIOError
from rasterio.features import rasterize
from rasterio.windows import Window

from ..errors import RasterError, SpatialCarbonError
from . import _kernels
from .areas import row_areas

#: Target pixels per window (about 4 MB of uint8 and 8 MB of zone ids).
WINDOW_PIXELS = 4 * 1024 * 1024
#: Below this many pixels in total the job runs in the calling process.
SERIAL_PIXELS = 16 * 1024 * 1024


class OperationCancelled(SpatialCarbonError):
    """The run was cancelled through the ``cancel`` callback."""


@dataclass
class GridPlan:
    """One pixel grid, the rasters (years) on it and the zones in its CRS."""

    crs_wkt: str
    transform: tuple
    width: int
    height: int
    rasters: list  # [(year, path, lut, offset)]
    geoms: np.ndarray  # zone geometries in the grid CRS (one per feature)
    ids: np.ndarray  # 1-based zone id per feature
    per_row: bool  # pixel area varies by row (geographic CRS)
    nominal_area: float  # m2, used when not per_row
    projected_area: str = "refuse"
    # scanline edges (pixel coordinates) bucketed by row band of height band_h
    edges: np.ndarray | None = None
    edge_zone: np.ndarray | None = None
    band_r0: int = 0
    band_h: int = 1
    band_ptr: np.ndarray | None = None
    band_edges: np.ndarray | None = None

    def band_slice(self, r: int, h: int) -> np.ndarray:
        """Indices of the edges that may cross rows ``r .. r+h-1``."""
        b0 = (r - self.band_r0) // self.band_h
        b1 = (r + h - 1 - self.band_r0) // self.band_h
        if b0 == b1:
            return self.band_edges[self.band_ptr[b0]:self.band_ptr[b0 + 1]]
        return np.unique(self.band_edges[self.band_ptr[b0]:self.band_ptr[b1 + 1]])


@dataclass
class Plan:
    """Everything a worker needs; picklable (sent once per worker)."""

    grids: list
    nzones: int
    nslots: int
    pixel_rule: str = "centre"
    supersample: int = 1
    engine: str = "auto"
    tasks: list = field(default_factory=list)  # [(grid_idx, row_off, col_off, h, w)]

    @property
    def work_pixels(self) -> int:
        """Pixels to read over all tasks and years."""
        return int(sum(t[3] * t[4] * len(self.grids[t[0]].rasters) for t in self.tasks))


# --------------------------------------------------------------------------- planning

def windows_for(grid: GridPlan, block: tuple[int, int], target: int | None = None):
    """Block-aligned windows covering the part of ``grid`` the zones touch."""
    target = target or WINDOW_PIXELS
    t = Affine(*grid.transform)
    bh, bw = max(1, block[0]), max(1, block[1])
    if bw >= grid.width:
        win_w = grid.width
        win_h = max(bh, (max(1, target // max(1, grid.width)) // bh) * bh)
    else:
        side = math.sqrt(target)
        win_w = max(bw, int(round(side / bw)) * bw)
        win_h = max(bh, int(round(target / win_w / bh)) * bh)
    if win_w * win_h > 64 * target:
        # blocks so big (e.g. one strip for the whole image) that a block-aligned
        # window would break the memory bound: read sub-block windows instead
        import warnings

        from ..errors import DataQualityWarning

        warnings.warn(
            f"raster stored in blocks of {bh} x {bw} pixels: reading it in bounded memory "
            "is slow; retile it (gdal_translate -co TILED=YES -co COMPRESS=DEFLATE)",
            DataQualityWarning, stacklevel=4,
        )
        win_w = min(win_w, 4096)
        win_h = max(1, target // win_w)
        bh, bw = 1, 1
    # restrict to the zones' bounding box, snapped outwards to the block grid
    valid = grid.geoms[~shapely.is_empty(grid.geoms)]
    if len(valid) == 0:
        return []
    x0, y0, x1, y1 = shapely.total_bounds(valid)
    inv = ~t
    c0, r0 = inv @ (x0, y1)
    c1, r1 = inv @ (x1, y0)
    c0, c1 = sorted((c0, c1))
    r0, r1 = sorted((r0, r1))
    c0 = max(0, int(math.floor(c0)) - 1)
    r0 = max(0, int(math.floor(r0)) - 1)
    c1 = min(grid.width, int(math.ceil(c1)) + 1)
    r1 = min(grid.height, int(math.ceil(r1)) + 1)
    if c0 >= c1 or r0 >= r1:
        return []
    c0 = (c0 // win_w) * win_w if win_w == grid.width else (c0 // bw) * bw
    r0 = (r0 // bh) * bh
    _bucket_edges(grid, r0, win_h)
    tree = shapely.STRtree(grid.geoms)
    out = []
    for r in range(r0, r1, win_h):
        h = min(win_h, grid.height - r)
        for c in range(c0, c1, win_w):
            w = min(win_w, grid.width - c)
            bx0, by1 = t @ (c, r)
            bx1, by0 = t @ (c + w, r + h)
            if len(tree.query(shapely.box(bx0, by0, bx1, by1))):
                out.append((r, c, h, w))
    return out


def _bucket_edges(grid: GridPlan, r0: int, band_h: int) -> None:
    """Scanline edges of the zones, bucketed by row band (CSR arrays on ``grid``)."""
    e, z = _kernels.polygon_edges(grid.geoms, grid.ids, Affine(*grid.transform))
    ylo = np.minimum(e[:, 1], e[:, 3])
    yhi = np.maximum(e[:, 1], e[:, 3])
    nb = max(1, -(-(grid.height - r0) // band_h))
    b0 = np.clip(np.floor((ylo - 0.5 - r0) / band_h), 0, nb - 1).astype(np.int64)
    b1 = np.clip(np.floor((yhi + 0.5 - r0) / band_h), 0, nb - 1).astype(np.int64)
    n = b1 - b0 + 1
    tot = int(n.sum())
    idx = np.repeat(np.arange(len(e)), n)
    band = b0[idx] + (np.arange(tot) - np.repeat(np.cumsum(n) - n, n))
    order = np.argsort(band, kind="stable")
    grid.edges, grid.edge_zone = e, z
    grid.band_r0, grid.band_h = r0, band_h
    grid.band_edges = idx[order]
    grid.band_ptr = np.concatenate([[0], np.cumsum(np.bincount(band, minlength=nb))])


# --------------------------------------------------------------------------- worker side

_WORKER: dict = {}
_LOCAL = threading.local()  # open datasets: one set per thread (GDAL handles are not shared)
_LOCK = threading.Lock()


def _worker_state(plan: Plan) -> dict:
    key = id(plan)
    with _LOCK:
        if _WORKER.get("key") != key:
            _WORKER.clear()
            _WORKER["key"] = key
            _WORKER["trees"] = {}
            if plan.pixel_rule == "all_touched":  # only that path uses GEOS per window
                for g in plan.grids:
                    shapely.prepare(g.geoms)
                    _WORKER["trees"][len(_WORKER["trees"])] = shapely.STRtree(g.geoms)
    return _WORKER


def _dataset(path: str):
    d = getattr(_LOCAL, "ds", None)
    if d is None:
        d = _LOCAL.ds = {}
    ds = d.get(path)
    if ds is None:
        ds = d[path] = rasterio.open(path)
    return ds


def _close_datasets() -> None:
    """Close the datasets opened by the calling thread."""
    for ds in getattr(_LOCAL, "ds", {}).values():
        try:
            ds.close()
        except Exception:  # pragma: no cover
            pass
    _LOCAL.ds = {}


def _zone_raster(plan: Plan, gi: int, r: int, c: int, h: int, w: int):
    """Zone ids (0 = none) of a window; also the clipped zone parts for all-touched."""
    g = plan.grids[gi]
    tree = _WORKER["trees"][gi]
    t = Affine(*g.transform)
    k = plan.supersample
    wt = t @ Affine.translation(c, r)
    bx0, by1 = wt @ (0, 0)
    bx1, by0 = wt @ (w, h)
    box = shapely.box(bx0, by0, bx1, by1)
    cand = tree.query(box)
    dtype = np.uint16 if plan.nzones < 65535 else np.uint32
    shape = (h * k, w * k)
    if len(cand) == 0:
        return np.zeros(shape, dtype), []
    cand = np.sort(cand)
    # a zone covering the whole window: no rasterisation needed
    if plan.pixel_rule != "all_touched":
        cov = shapely.covers(g.geoms[cand], box)
        if cov.any():
            return np.full(shape, g.ids[cand[np.argmax(cov)]], dtype), []
    px, py = abs(t.a), abs(t.e)
    parts = shapely.clip_by_rect(g.geoms[cand], bx0 - px, by0 - py, bx1 + px, by1 + py)
    keep = ~shapely.is_empty(parts)
    parts, pid = parts[keep], g.ids[cand][keep]
    if len(parts) == 0:
        return np.zeros(shape, dtype), []
    tk = wt @ Affine.scale(1.0 / k) if k > 1 else wt
    z = rasterize(
        zip(parts, pid.tolist()), out_shape=shape, transform=tk, fill=0, dtype=dtype,
        all_touched=False,
    )
    return z, list(zip(parts, pid.tolist()))


def _window_spans(plan: Plan, gi: int, r: int, c: int, h: int, w: int):
    """Runs of a window, cut from the runs of its whole row band (cached per thread).

    Windows of one row band share their edges; computing the band's runs once
    and clipping them per window avoids redoing the sort for every window.
    """
    g = plan.grids[gi]
    k = plan.supersample
    key = (id(plan), gi, r, h)
    if getattr(_LOCAL, "band_key", None) != key:
        ei = g.band_slice(r, h)
        _LOCAL.band_spans = _kernels.spans(g.edges[ei], g.edge_zone[ei], r, h, 0, g.width, k)
        _LOCAL.band_key = key
    sr, cs, ce, sz = _LOCAL.band_spans
    C0, C1 = c * k, (c + w) * k
    m = (cs < C1) & (ce > C0)
    return sr[m], np.clip(cs[m], C0, C1) - C0, np.clip(ce[m], C0, C1) - C0, sz[m]


def run_task(plan: Plan, ti: int):
    """Histograms of task ``ti`` for every year on its grid.

    Returns ``(ti, {year_index: (slots, counts, areas, unknown)})`` with
    sparse ``slots`` (flat ``(zone-1)*nslots + slot``); ``areas`` is None
    when the pixel area is constant; ``unknown`` maps raw values the legend
    does not know to pixel counts (usually empty).
    """
    _worker_state(plan)
    gi, r, c, h, w = plan.tasks[ti]
    g = plan.grids[gi]
    k = plan.supersample
    out = {}
    if plan.pixel_rule == "all_touched":
        zones, parts = _zone_raster(plan, gi, r, c, h, w)
        if not zones.any():
            return ti, out
        sp = None
    else:
        sp = _window_spans(plan, gi, r, c, h, w)
        if len(sp[0]) == 0:
            return ti, out
    if g.per_row:
        roww = row_areas(CRS.from_wkt(g.crs_wkt), Affine(*g.transform), r, h)
    else:
        roww = np.full(h, g.nominal_area)
    for ri, (year, path, lut, offset) in enumerate(g.rasters):
        try:
            data = _dataset(path).read(1, window=Window(c, r, w, h))
        except RasterioIOError as exc:
            raise RasterError(
                f"{path}: cannot read rows {r}-{r + h - 1}, columns {c}-{c + w - 1} ({exc}); "
                "the file is truncated or corrupt: download it again"
            ) from None
        if sp is not None:
            counts, areas = _kernels.count_spans(
                data, *sp, lut, offset, roww, k, plan.nslots, plan.nzones, g.per_row, plan.engine,
            )
        else:
            counts, areas = _kernels.count(
                data, zones, lut, offset, roww, k, plan.nslots, plan.nzones, g.per_row,
                plan.engine,
            )
        if sp is None and parts:
            _add_touched(data, zones, parts, lut, offset, roww, plan, Affine(*g.transform)
                         @ Affine.translation(c, r), counts, areas)
        nz = np.flatnonzero(counts)
        unknown = {}
        unk_slot = plan.nslots - 1
        if nz.size and np.any(nz % plan.nslots == unk_slot):
            if sp is None:
                zpx = zones != 0
            else:
                zpx = np.zeros((h, w), bool)
                for rr, a, b in zip(sp[0] // k, sp[1] // k, -(-sp[2] // k)):
                    zpx[rr, a:b] = True
            bad = data[zpx & (lut[data.astype(np.int64) + offset] == unk_slot)]
            vals, cnt = np.unique(bad, return_counts=True)
            unknown = dict(zip(vals.tolist(), cnt.tolist()))
        out[ri] = (nz, counts[nz], None if areas is None else areas[nz], unknown)
    return ti, out


def _add_touched(data, zones, parts, lut, offset, roww, plan, wt, counts, areas):
    """All-touched rule: add pixels a zone's boundary touches but whose centre it lacks."""
    h, w = data.shape
    for geom, zid in parts:
        line = shapely.boundary(geom)
        if shapely.is_empty(line):
            continue
        m = rasterize([(line, 1)], out_shape=(h, w), transform=wt, fill=0, dtype=np.uint8,
                      all_touched=True).astype(bool)
        m &= zones != zid
        if not m.any():
            continue
        rows = np.nonzero(m)[0]
        slot = (zid - 1) * plan.nslots + lut[data[m].astype(np.int64) + offset]
        np.add.at(counts, slot, 1)
        if areas is not None:
            np.add.at(areas, slot, roww[rows])


# --------------------------------------------------------------------------- execution

def _warm_kernel(plan: Plan) -> None:
    """Load (or compile) the numba kernels in the parent before forking."""
    if plan.engine == "numpy" or not _kernels.HAVE_NUMBA:
        return
    dts = set()
    for g in plan.grids:
        for _, path, _, _ in g.rasters:
            with rasterio.open(path) as ds:
                dts.add(ds.dtypes[0])
    _kernels.warm(sorted(dts), zone_raster=plan.pixel_rule == "all_touched")


def _init_worker(plan: Plan) -> None:  # pragma: no cover - runs in child processes
    global _PLAN
    _PLAN = plan
    _worker_state(plan)
    # keep GDAL's block cache small: windows are read once, caching does not help
    os.environ.setdefault("GDAL_CACHEMAX", "64")


_PLAN: Plan | None = None


def _run_in_worker(ti: int):  # pragma: no cover - runs in child processes
    with rasterio.Env(GDAL_CACHEMAX=64):
        return run_task(_PLAN, ti)


def _dask_run(plan: Plan, tis: list[int]):  # runs on dask workers
    with rasterio.Env(GDAL_CACHEMAX=64):
        return [run_task(plan, ti) for ti in tis]


class _Reducer:
    """Adds task results in task order (deterministic floating-point sums)."""

    def __init__(self, plan: Plan, nyears: int, year_index: list[list[int]]):
        n = plan.nzones * plan.nslots
        self.counts = np.zeros((nyears, n), dtype=np.int64)
        self.areas = np.zeros((nyears, n), dtype=np.float64)
        self.unknown: list[dict] = [dict() for _ in range(nyears)]
        self.plan = plan
        self.year_index = year_index  # grid -> raster index -> year row
        self.pending: dict[int, dict] = {}
        self.next = 0

    def add(self, ti: int, out: dict) -> None:
        self.pending[ti] = out
        while self.next in self.pending:
            res = self.pending.pop(self.next)
            gi = self.plan.tasks[self.next][0]
            g = self.plan.grids[gi]
            for ri, (slots, cnt, ar, unk) in res.items():
                yi = self.year_index[gi][ri]
                self.counts[yi, slots] += cnt
                self.areas[yi, slots] += ar if ar is not None else cnt * g.nominal_area
                for v, n in unk.items():
                    self.unknown[yi][v] = self.unknown[yi].get(v, 0) + n
            self.next += 1


def execute(
    plan: Plan,
    reducer: _Reducer,
    *,
    workers: int | None = None,
    executor: str = "process",
    scheduler=None,
    progress: Callable[[int, int], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> None:
    """Run every task of ``plan`` and feed ``reducer``."""
    ntask = len(plan.tasks)
    done = 0

    def tick():
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, ntask)

    def check_cancel():
        if cancel is not None and cancel():
            raise OperationCancelled("land-cover class areas: cancelled by the user")

    if progress is not None:
        progress(0, ntask)
    if scheduler is not None:
        return _execute_dask(plan, reducer, scheduler, workers, tick, check_cancel)
    nworkers = workers or os.cpu_count() or 1
    if nworkers <= 1 or ntask <= 1 or plan.work_pixels < SERIAL_PIXELS:
        try:
            with rasterio.Env(GDAL_CACHEMAX=64):
                for ti in range(ntask):
                    check_cancel()
                    reducer.add(*run_task(plan, ti))
                    tick()
        finally:
            _close_datasets()
        return None
    if executor == "thread":
        pool = ThreadPoolExecutor(nworkers)

        def fn(ti):
            with rasterio.Env(GDAL_CACHEMAX=64):
                return run_task(plan, ti)
    elif executor == "process":
        _warm_kernel(plan)  # forked workers inherit the compiled kernel
        method = "fork" if "fork" in mp.get_all_start_methods() else "spawn"
        pool = ProcessPoolExecutor(
            nworkers, mp_context=mp.get_context(method), initializer=_init_worker,
            initargs=(plan,),
        )
        fn = _run_in_worker
    else:
        raise ValueError(f"executor must be 'process' or 'thread', got {executor!r}")
    try:
        # keep a bounded number of tasks in flight: memory stays bounded and
        # cancel takes effect quickly
        inflight = set()
        it = iter(range(ntask))
        limit = nworkers * 3
        for ti in it:
            inflight.add(pool.submit(fn, ti))
            if len(inflight) >= limit:
                break
        while inflight:
            finished, inflight = wait(inflight, return_when=FIRST_COMPLETED)
            for f in finished:
                reducer.add(*f.result())
                tick()
            check_cancel()
            for ti in it:
                inflight.add(pool.submit(fn, ti))
                if len(inflight) >= limit:
                    break
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    else:
        pool.shutdown(wait=True)
    finally:
        if executor == "thread":
            # each pool thread opened its own datasets; they are closed by the
            # garbage collector when the threads end
            pass


def _execute_dask(plan, reducer, scheduler, workers, tick, check_cancel):
    try:
        from distributed import Client, LocalCluster, as_completed
    except ImportError:  # pragma: no cover
        from ..errors import InputError

        raise InputError("scheduler given but dask.distributed is not installed "
                         "(pip install 'spatial_carbon[dask]')") from None
    own = None
    if isinstance(scheduler, Client):
        client = scheduler
    elif isinstance(scheduler, str) and scheduler in ("local", "localcluster"):
        cluster = LocalCluster(n_workers=workers or os.cpu_count() or 1, threads_per_worker=1,
                               processes=True, dashboard_address=None)
        client = own = Client(cluster)
    else:
        client = own = Client(scheduler)
    try:
        pf = client.scatter(plan, broadcast=True, hash=False)
        # tasks = blocks of consecutive windows (fewer, larger tasks for the scheduler)
        nworkers = max(1, len(client.scheduler_info().get("workers", {})) or 1)
        per = max(1, min(16, len(plan.tasks) // (nworkers * 4) or 1))
        blocks = [list(range(i, min(i + per, len(plan.tasks))))
                  for i in range(0, len(plan.tasks), per)]
        futs = [client.submit(_dask_run, pf, b, pure=False) for b in blocks]
        try:
            for fut in as_completed(futs):
                for ti, out in fut.result():
                    reducer.add(ti, out)
                    tick()
                check_cancel()
        except BaseException:
            client.cancel(futs)
            raise
    finally:
        if own is not None:
            cluster = getattr(own, "cluster", None)
            own.close()
            if cluster is not None and isinstance(scheduler, str) and scheduler in (
                "local", "localcluster"
            ):
                cluster.close()
