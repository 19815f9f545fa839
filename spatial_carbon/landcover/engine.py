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
from . import _coverage, _kernels
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
    edge_weight: np.ndarray | None = None
    band_r0: int = 0
    band_h: int = 1
    band_ptr: np.ndarray | None = None
    band_edges: np.ndarray | None = None
    # column grid of the windows (first column, width): bands are cut per window once
    win_c0: int = 0
    win_w: int = 0

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
    engine: str = "auto"
    tasks: list = field(default_factory=list)  # [(grid_idx, row_off, col_off, h, w)]
    dtypes: tuple = ("uint8",)  # raster data types (numba signatures to load)

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
    grid.win_c0, grid.win_w = c0, win_w
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
    e, z, wt = _kernels.polygon_edges(grid.geoms, grid.ids, Affine(*grid.transform))
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
    grid.edges, grid.edge_zone, grid.edge_weight = e, z, wt
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
    """Zone ids (0 = none) of a window and the clipped zone parts (all-touched rule)."""
    g = plan.grids[gi]
    tree = _WORKER["trees"][gi]
    t = Affine(*g.transform)
    wt = t @ Affine.translation(c, r)
    bx0, by1 = wt @ (0, 0)
    bx1, by0 = wt @ (w, h)
    box = shapely.box(bx0, by0, bx1, by1)
    cand = tree.query(box)
    dtype = np.uint16 if plan.nzones < 65535 else np.uint32
    shape = (h, w)
    if len(cand) == 0:
        return np.zeros(shape, dtype), []
    cand = np.sort(cand)
    px, py = abs(t.a), abs(t.e)
    parts = shapely.clip_by_rect(g.geoms[cand], bx0 - px, by0 - py, bx1 + px, by1 + py)
    keep = ~shapely.is_empty(parts)
    parts, pid = parts[keep], g.ids[cand][keep]
    if len(parts) == 0:
        return np.zeros(shape, dtype), []
    z = rasterize(
        zip(parts, pid.tolist()), out_shape=shape, transform=wt, fill=0, dtype=dtype,
        all_touched=False,
    )
    return z, list(zip(parts, pid.tolist()))


_NO_PARTIAL = (np.zeros(0, np.int64),) * 3 + (np.zeros(0),)
#: Row bands kept in memory per process, shared by its threads (each computed once).
BAND_CACHE = 6
_BANDS: dict = {}
_BANDS_LOCK = threading.Lock()


def _split_by_window(g: GridPlan, sr, cs, ce, sz):
    """Cut runs at the windows' column boundaries: (runs sorted by window, offsets)."""
    ww = g.win_w or g.width
    nk = -(-(g.width - g.win_c0) // ww)
    if len(cs) == 0:
        z = np.zeros(0, np.int64)
        return (z, z, z, z), np.zeros(nk + 1, np.int64)
    k0 = np.maximum((cs - g.win_c0) // ww, 0)
    k1 = np.minimum((ce - 1 - g.win_c0) // ww, nk - 1)
    n = np.maximum(k1 - k0 + 1, 0)
    tot = int(n.sum())
    idx = np.repeat(np.arange(len(cs)), n)
    k = k0[idx] + (np.arange(tot) - np.repeat(np.cumsum(n) - n, n))
    left = g.win_c0 + k * ww
    a = np.maximum(cs[idx], left) - left
    b = np.minimum(ce[idx], left + ww) - left
    o = np.argsort(k, kind="stable")
    ptr = np.searchsorted(k[o], np.arange(nk + 1))
    return (sr[idx][o], a[o], b[o], sz[idx][o]), ptr


def _compute_band(plan: Plan, gi: int, r: int, h: int):
    g = plan.grids[gi]
    ei = g.band_slice(r, h)
    if plan.pixel_rule == "fraction":
        runs, (pr, pc, pz, pf) = _coverage.coverage(
            g.edges[ei], g.edge_weight[ei], g.edge_zone[ei], r, h, g.width, plan.engine)
        ww = g.win_w or g.width
        kp = (pc - g.win_c0) // ww
        o = np.argsort(kp, kind="stable")
        kp = kp[o]
        nk = -(-(g.width - g.win_c0) // ww)
        pptr = np.searchsorted(kp, np.arange(nk + 1))
        partial = (pr[o], pc[o] - (g.win_c0 + kp * ww), pz[o], pf[o])
    else:
        runs = _kernels.spans(g.edges[ei], g.edge_zone[ei], r, h, 0, g.width)
        partial, pptr = None, None
    runs, rptr = _split_by_window(g, *runs)
    return runs, rptr, partial, pptr


def _band(plan: Plan, gi: int, r: int, h: int):
    """The band's runs and boundary cells, computed once per process (threads wait)."""
    key = (id(plan), gi, r, h)
    with _BANDS_LOCK:
        ent = _BANDS.get(key)
        mine = ent is None
        if mine:
            ent = _BANDS[key] = [threading.Event(), None]
            done = [k for k, v in _BANDS.items() if v[0].is_set()]
            for k in done[: max(0, len(_BANDS) - BAND_CACHE)]:
                del _BANDS[k]
    if mine:
        try:
            ent[1] = _compute_band(plan, gi, r, h)
        finally:
            ent[0].set()
    else:
        ent[0].wait()
    return ent[1] if ent[1] is not None else _compute_band(plan, gi, r, h)


def _window_spans(plan: Plan, gi: int, r: int, c: int, h: int, w: int):
    """Runs (and boundary cells) of a window, cut from its row band's.

    Windows of one row band share their edges: the band's runs are computed
    once per process (:func:`_band`) and already cut at the windows' column
    boundaries, so a window takes a slice.  Returns ``(runs, partial)``: runs
    ``(rows, c_start, c_end, zone)`` of pixels that count fully, and for
    ``pixel_rule="fraction"`` the boundary pixels ``(rows, cols, zone,
    fraction)`` (empty otherwise), in window coordinates.
    """
    g = plan.grids[gi]
    runs, rptr, partial, pptr = _band(plan, gi, r, h)
    k = (c - g.win_c0) // (g.win_w or g.width)
    i0, i1 = rptr[k], rptr[k + 1]
    runs = tuple(x[i0:i1] for x in runs)
    if partial is not None:
        j0, j1 = pptr[k], pptr[k + 1]
        partial = tuple(x[j0:j1] for x in partial)
    else:
        partial = _NO_PARTIAL
    return runs, partial


def read_window(plan: Plan, ti: int, ri: int) -> np.ndarray:
    """Pixels of window ``ti`` in raster ``ri`` of its grid (one GDAL read)."""
    gi, r, c, h, w = plan.tasks[ti]
    path = plan.grids[gi].rasters[ri][1]
    try:
        return _dataset(path).read(1, window=Window(c, r, w, h))
    except RasterioIOError as exc:
        raise RasterError(
            f"{path}: cannot read rows {r}-{r + h - 1}, columns {c}-{c + w - 1} ({exc}); "
            "the file is truncated or corrupt: download it again"
        ) from None


def run_task(plan: Plan, ti: int, rasters: list[int] | None = None):
    """Histograms of window ``ti`` for the rasters (years) ``rasters`` of its grid.

    Returns ``{raster_index: (slots, counts, areas, unknown) or None}`` with
    sparse ``slots`` (flat ``(zone-1)*nslots + slot``), ``counts`` in pixels
    (int64; float64 sums of coverage fractions for ``pixel_rule="fraction"``),
    ``areas`` in m2 or None when the pixel area is constant, and ``unknown``
    mapping raw values the legend does not know to pixel counts (usually
    empty).  None: no zone in the window.  ``rasters`` defaults to every
    raster of the grid (the zone coverage is computed once for all of them).
    """
    _worker_state(plan)
    gi, r, c, h, w = plan.tasks[ti]
    g = plan.grids[gi]
    ris = range(len(g.rasters)) if rasters is None else rasters
    frac = plan.pixel_rule == "fraction"
    engine = plan.engine
    if plan.pixel_rule == "all_touched":
        zones, parts = _zone_raster(plan, gi, r, c, h, w)
        if not zones.any():
            return {ri: None for ri in ris}
        sp = None
    else:
        sp, partial = _window_spans(plan, gi, r, c, h, w)
        if len(sp[0]) == 0 and len(partial[0]) == 0:
            return {ri: None for ri in ris}
    if g.per_row:
        roww = row_areas(CRS.from_wkt(g.crs_wkt), Affine(*g.transform), r, h)
    else:
        roww = np.full(h, g.nominal_area)
    out = {}
    for ri in ris:
        year, path, lut, offset = g.rasters[ri]
        data = read_window(plan, ti, ri)
        if sp is not None:
            counts, areas = _kernels.count_spans(
                data, *sp, lut, offset, roww, plan.nslots, plan.nzones, g.per_row, engine,
            )
            if frac:
                fcounts, fareas = _kernels.count_partial(
                    data, *partial, lut, offset, roww, plan.nslots, plan.nzones, g.per_row)
                counts = counts + fcounts
                if areas is not None:
                    areas = areas + fareas
        else:
            counts, areas = _kernels.count(
                data, zones, lut, offset, roww, plan.nslots, plan.nzones, g.per_row, engine,
            )
            if parts:
                _add_touched(data, zones, parts, lut, offset, roww, plan,
                             Affine(*g.transform) @ Affine.translation(c, r), counts, areas)
        nz = np.flatnonzero(counts)
        unknown = {}
        unk_slot = plan.nslots - 1
        if nz.size and np.any(nz % plan.nslots == unk_slot):
            if sp is None:
                zpx = zones != 0
            else:
                zpx = np.zeros((h, w), bool)
                for rr, a, b in zip(*sp[:3]):
                    zpx[rr, a:b] = True
                zpx[partial[0], partial[1]] = True
            bad = data[zpx & (lut[data.astype(np.int64) + offset] == unk_slot)]
            vals, cnt = np.unique(bad, return_counts=True)
            unknown = dict(zip(vals.tolist(), cnt.tolist()))
        out[ri] = (nz, counts[nz], None if areas is None else areas[nz], unknown)
    return out


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
    _kernels.warm(sorted(plan.dtypes), zone_raster=plan.pixel_rule == "all_touched",
                  fraction=plan.pixel_rule == "fraction")


def _init_worker(plan: Plan) -> None:  # pragma: no cover - runs in child processes
    global _PLAN
    _PLAN = plan
    _worker_state(plan)
    # keep GDAL's block cache small: windows are read once, caching does not help
    os.environ.setdefault("GDAL_CACHEMAX", "64")


_PLAN: Plan | None = None


def _run_in_worker(ti: int):  # pragma: no cover - runs in child processes
    with rasterio.Env(GDAL_CACHEMAX=64):
        return ti, run_task(_PLAN, ti)


def _dask_run(plan: Plan, ri: int, tis: list[int]):  # runs on dask workers
    """One Dask task: consecutive windows of one raster (one year of one grid)."""
    with rasterio.Env(GDAL_CACHEMAX=64):
        return [(ti, run_task(plan, ti, [ri])[ri]) for ti in tis]


class _Reducer:
    """Adds task results per year in window order (deterministic floating-point sums).

    Results may arrive in any order and in any grouping (a window with all
    its years, or one (year, window) pair); each year's totals are always
    summed in the same order (grid, window), so local, threaded, forked and
    Dask runs give the same bytes.
    """

    def __init__(self, plan: Plan, nyears: int, year_index: list[list[int]]):
        n = plan.nzones * plan.nslots
        dtype = np.float64 if plan.pixel_rule == "fraction" else np.int64
        self.counts = np.zeros((nyears, n), dtype=dtype)
        self.areas = np.zeros((nyears, n), dtype=np.float64)
        self.unknown: list[dict] = [dict() for _ in range(nyears)]
        self.plan = plan
        self.year_index = year_index  # grid -> raster index -> year row
        # per year row: the (task, raster) pairs that feed it, in summation order
        self.streams: list[list[tuple[int, int]]] = [[] for _ in range(nyears)]
        for ti, t in enumerate(plan.tasks):
            for ri, yi in enumerate(year_index[t[0]]):
                self.streams[yi].append((ti, ri))
        self.next = [0] * nyears
        self.pending: dict[tuple[int, int], tuple | None] = {}

    def add(self, ti: int, out: dict) -> None:
        """Results of window ``ti``: ``{raster_index: result or None}``."""
        gi = self.plan.tasks[ti][0]
        rows = set()
        for ri, res in out.items():
            self.pending[(ti, ri)] = res
            rows.add(self.year_index[gi][ri])
        for yi in sorted(rows):
            self._drain(yi)

    def _drain(self, yi: int) -> None:
        st = self.streams[yi]
        while self.next[yi] < len(st) and st[self.next[yi]] in self.pending:
            ti, ri = st[self.next[yi]]
            res = self.pending.pop((ti, ri))
            if res is not None:
                slots, cnt, ar, unk = res
                g = self.plan.grids[self.plan.tasks[ti][0]]
                self.counts[yi, slots] += cnt
                self.areas[yi, slots] += ar if ar is not None else cnt * g.nominal_area
                for v, n in unk.items():
                    self.unknown[yi][v] = self.unknown[yi].get(v, 0) + n
            self.next[yi] += 1

    @property
    def complete(self) -> bool:
        return all(n == len(s) for n, s in zip(self.next, self.streams))


def execute(
    plan: Plan,
    reducer: _Reducer,
    *,
    workers: int | None = None,
    executor: str = "thread",
    scheduler=None,
    progress: Callable[[int, int], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> None:
    """Run every task of ``plan`` and feed ``reducer``."""
    if scheduler is not None:
        return _execute_dask(plan, reducer, scheduler, workers, progress, cancel)
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
    try:
        _execute_local(plan, reducer, workers, executor, tick, check_cancel)
    finally:
        _forget_bands(plan)


def _forget_bands(plan: Plan) -> None:
    """Drop this plan's cached row bands (the call is over)."""
    with _BANDS_LOCK:
        for k in [k for k in _BANDS if k[0] == id(plan)]:
            del _BANDS[k]


def _execute_local(plan, reducer, workers, executor, tick, check_cancel) -> None:
    ntask = len(plan.tasks)
    nworkers = workers or os.cpu_count() or 1
    if nworkers <= 1 or ntask <= 1 or plan.work_pixels < SERIAL_PIXELS:
        try:
            with rasterio.Env(GDAL_CACHEMAX=64):
                for ti in range(ntask):
                    check_cancel()
                    reducer.add(ti, run_task(plan, ti))
                    tick()
        finally:
            _close_datasets()
        return None
    if executor == "thread":
        pool = ThreadPoolExecutor(nworkers)

        def fn(ti):
            if plan.engine == "numba":
                # numba's start-up (~0.3 s of CPU at the start of a process) holds
                # the GIL most of the time: work started meanwhile only slows it
                # down (measured), so the threads start when it is done
                _kernels.wait_warm()
            with rasterio.Env(GDAL_CACHEMAX=64):
                return ti, run_task(plan, ti)
    elif executor == "process":
        _kernels.join_warm()  # never fork while a thread is inside numba
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
        limit = nworkers * 3
        nxt = 0  # next task index to submit
        while nxt < ntask and len(inflight) < limit:
            inflight.add(pool.submit(fn, nxt))
            nxt += 1
        while inflight:
            finished, inflight = wait(inflight, return_when=FIRST_COMPLETED)
            for f in finished:
                reducer.add(*f.result())
                tick()
            check_cancel()
            while nxt < ntask and len(inflight) < limit:
                inflight.add(pool.submit(fn, nxt))
                nxt += 1
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    else:
        pool.shutdown(wait=True)


def dask_units(plan: Plan, nworkers: int) -> list[tuple[int, list[int]]]:
    """Dask tasks: ``(raster index, [window task indices])``, one year of one grid each.

    Work is split per (year, window) so that the years of a grid spread
    over the workers (each worker reads only its years' files); consecutive
    windows of one year are grouped into tasks of at most 16 windows
    (~64 Mpx, 0.1-1 s of work against ~1 ms of scheduler overhead per task),
    fewer for small jobs so that each worker still gets about eight tasks.
    """
    units = []
    by_grid: dict[int, list[int]] = {}
    for ti, t in enumerate(plan.tasks):
        by_grid.setdefault(t[0], []).append(ti)
    for gi, tis in by_grid.items():
        nr = len(plan.grids[gi].rasters)
        per = max(1, min(16, len(tis) * nr // (nworkers * 8) or 1))
        for ri in range(nr):
            units += [(ri, tis[i:i + per]) for i in range(0, len(tis), per)]
    return units


def _execute_dask(plan, reducer, scheduler, workers, progress, cancel):
    try:
        from distributed import Client, LocalCluster, as_completed
    except ImportError:  # pragma: no cover
        from ..errors import InputError

        raise InputError("scheduler given but dask.distributed is not installed "
                         "(pip install 'spatial_carbon[dask]')") from None
    own = cluster = None
    if isinstance(scheduler, Client):
        client = scheduler
    elif isinstance(scheduler, str) and scheduler in ("local", "localcluster"):
        cluster = LocalCluster(n_workers=workers or os.cpu_count() or 1, threads_per_worker=1,
                               processes=True, dashboard_address=None)
        client = own = Client(cluster)
    else:
        try:
            client = own = Client(scheduler, timeout="20s")
        except (OSError, TimeoutError) as exc:
            from ..errors import InputError

            raise InputError(f"cannot reach the Dask scheduler at {scheduler} ({exc}); "
                             "check the address (tcp://host:8786) and that it is running"
                             ) from None
    try:
        nworkers = max(1, len(client.scheduler_info().get("workers", {})) or 1)
        units = dask_units(plan, nworkers)
        ntask = len(units)
        if progress is not None:
            progress(0, ntask)
        pf = client.scatter(plan, broadcast=True, hash=False)
        futs = [client.submit(_dask_run, pf, ri, tis, pure=False) for ri, tis in units]
        index = {f.key: i for i, f in enumerate(futs)}
        done = 0
        try:
            for fut in as_completed(futs):
                ri = units[index[fut.key]][0]
                for ti, res in fut.result():
                    reducer.add(ti, {ri: res})
                done += 1
                if progress is not None:
                    progress(done, ntask)
                if cancel is not None and cancel():
                    raise OperationCancelled("land-cover class areas: cancelled by the user")
        except BaseException:
            client.cancel(futs)
            raise
    finally:
        if own is not None:
            own.close()
        if cluster is not None:
            cluster.close()
