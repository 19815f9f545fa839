"""Counting kernels: (zone id, class slot) histograms of one window.

Two implementations with identical counts: a numba loop (one pass, no
temporaries; compiled once and cached on disk with ``cache=True``) and a
numpy ``bincount`` fallback used for small windows, when numba is missing,
or on request.  numba is an optional dependency (extra ``fast``).
"""

from __future__ import annotations

import threading

import numpy as np

try:  # pragma: no cover - exercised when numba is installed
    import numba

    HAVE_NUMBA = True
except ImportError:  # pragma: no cover
    numba = None
    HAVE_NUMBA = False


def _need_numba():
    if not HAVE_NUMBA:
        from ..errors import InputError

        raise InputError("engine='numba' but numba is not installed (pip install numba)")


def count_numpy(data, zones, lut, offset, roww, nslots, nzones, per_row):
    """Histogram of ``data`` by zone raster ``zones`` (0 = no zone) with numpy."""
    n = nzones * nslots
    m = zones != 0
    slot = (zones[m].astype(np.int64) - 1) * nslots + lut[data[m].astype(np.int64) + offset]
    counts = np.bincount(slot, minlength=n).astype(np.int64)
    if per_row:
        w = np.broadcast_to(roww[:, None], zones.shape)[m]
        areas = np.bincount(slot, weights=w, minlength=n)
    else:
        areas = None
    return counts, areas


if HAVE_NUMBA:  # pragma: no branch

    @numba.njit(cache=True, nogil=True)
    def _count_nb(data, zones, lut, offset, roww, nslots, counts, areas, per_row):
        h, w = zones.shape
        for r in range(h):
            wr = roww[r]
            for c in range(w):
                z = zones[r, c]
                if z != 0:
                    s = (np.int64(z) - 1) * nslots + lut[np.int64(data[r, c]) + offset]
                    counts[s] += 1
                    if per_row:
                        areas[s] += wr


def count_numba(data, zones, lut, offset, roww, nslots, nzones, per_row):
    """Histogram with numba (same contract as :func:`count_numpy`)."""
    n = nzones * nslots
    counts = np.zeros(n, dtype=np.int64)
    areas = np.zeros(n if per_row else 1, dtype=np.float64)
    _count_nb(data, zones, lut, offset, roww, nslots, counts, areas, per_row)
    return counts, (areas if per_row else None)


def count(data, zones, lut, offset, roww, nslots, nzones, per_row, engine="auto"):
    """Dispatch: numba for windows above 256 kpx when available, else numpy."""
    if engine == "numba" or (engine == "auto" and HAVE_NUMBA and zones.size >= 262144):
        _need_numba()
        return count_numba(data, zones, lut, offset, roww, nslots, nzones, per_row)
    return count_numpy(data, zones, lut, offset, roww, nslots, nzones, per_row)


# --------------------------------------------------------------------------- spans

def polygon_edges(geoms, ids, transform):
    """Edges of every ring of every zone, in pixel coordinates of the grid.

    Returns ``(edges, zone, weight)``: ``edges[:, :4] = col1, row1, col2, row2``
    (float64), horizontal edges dropped (they never cross a row centre line
    and bound no area); ``weight`` is +1/-1 per edge such that the signed
    count of the edges left of a point is 1 inside an exterior ring and -1
    inside a hole, whatever the orientation of the rings (used by the exact
    coverage, :mod:`._coverage`; the centre rule uses parity only).
    """
    import shapely

    geoms = np.asarray(geoms, dtype=object)
    parts, pidx = shapely.get_parts(geoms, return_index=True)
    # make_valid may return collections holding multipolygons: explode twice
    parts, i2 = shapely.get_parts(parts, return_index=True)
    pidx = pidx[i2]
    poly = np.isin(shapely.get_type_id(parts), (3,))  # Polygon
    parts, pidx = parts[poly], pidx[poly]
    rings, ridx = shapely.get_rings(parts, return_index=True)
    # the first ring of each polygon is its exterior
    exterior = np.ones(len(rings), bool)
    exterior[1:] = ridx[1:] != ridx[:-1]
    xy, cidx = shapely.get_coordinates(rings, return_index=True)
    inv = ~transform
    col = inv.a * xy[:, 0] + inv.b * xy[:, 1] + inv.c
    row = inv.d * xy[:, 0] + inv.e * xy[:, 1] + inv.f
    same = cidx[1:] == cidx[:-1]
    e = np.column_stack([col[:-1][same], row[:-1][same], col[1:][same], row[1:][same]])
    ering = cidx[:-1][same]
    zone = np.asarray(ids, dtype=np.int64)[pidx[ridx[ering]]]
    # ring orientation in pixel coordinates (shoelace), then the edge weight:
    # a left ray from an inside point meets edges whose signed direction
    # sign(dy) sums to -sign(area); exteriors must count +1, holes -1
    cross = e[:, 0] * e[:, 3] - e[:, 2] * e[:, 1]
    area = np.bincount(ering, weights=cross, minlength=len(rings))
    role = np.where(exterior, 1.0, -1.0)
    weight = -np.sign(e[:, 3] - e[:, 1]) * np.sign(area)[ering] * role[ering]
    keep = (e[:, 1] != e[:, 3]) & (area[ering] != 0)
    return np.ascontiguousarray(e[keep]), zone[keep], weight[keep]


def spans(edges, zone, r0, h, c0, w):
    """Runs of pixels (centre rule, even-odd per zone) of a window.

    A pixel of row ``r`` and column ``c`` is inside a zone when its centre
    ``(c + 0.5, r + 0.5)`` lies inside: for each row, the crossings of the
    row's centre line with the zone's edges (half-open in y, so a vertex is
    counted once) are sorted and paired; pixel ``c`` is in ``[xa, xb)`` when
    ``xa <= c + 0.5 < xb``.  This is the scanline rule of GDAL's rasteriser
    (``gdal_rasterize``), without the zone raster.

    Parameters
    ----------
    edges, zone : from :func:`polygon_edges`, restricted to edges that may
        cross rows ``r0 .. r0+h-1`` (all columns: parity needs edges left of
        the window too).
    r0, h, c0, w : window (grid pixels).

    Returns
    -------
    rows, c_start, c_end, zone : int64 arrays (window-relative, end exclusive)
    """
    if len(edges) == 0:
        z = np.zeros(0, np.int64)
        return z, z, z, z
    x1, y1, x2, y2 = (edges[:, i] for i in range(4))
    ylo = np.minimum(y1, y2)
    yhi = np.maximum(y1, y2)
    R0, R1 = r0, r0 + h
    first = np.maximum(np.ceil(ylo - 0.5), R0).astype(np.int64)
    last = np.minimum(np.ceil(yhi - 0.5) - 1, R1 - 1).astype(np.int64)
    n = last - first + 1
    sel = n > 0
    if not sel.any():
        z = np.zeros(0, np.int64)
        return z, z, z, z
    first, n = first[sel], n[sel]
    x1, y1, x2, y2, zz = x1[sel], y1[sel], x2[sel], y2[sel], zone[sel]
    tot = int(n.sum())
    eidx = np.repeat(np.arange(len(n)), n)
    rows = first[eidx] + (np.arange(tot) - np.repeat(np.cumsum(n) - n, n))
    yc = rows + 0.5
    xa, ya, xb, yb = x1[eidx], y1[eidx], x2[eidx], y2[eidx]
    xc = xa + (yc - ya) * (xb - xa) / (yb - ya)
    z = zz[eidx]
    order = np.lexsort((xc, z, rows))
    rows, z, xc = rows[order], z[order], xc[order]
    if len(rows) % 2 or np.any(rows[0::2] != rows[1::2]) or np.any(z[0::2] != z[1::2]):
        raise RuntimeError("odd number of edge crossings: zone rings are not closed")
    cs = np.ceil(xc[0::2] - 0.5).astype(np.int64)
    ce = np.ceil(xc[1::2] - 0.5).astype(np.int64)
    C0, C1 = c0, c0 + w
    cs = np.clip(cs, C0, C1) - C0
    ce = np.clip(ce, C0, C1) - C0
    keep = ce > cs
    return rows[0::2][keep] - R0, cs[keep], ce[keep], z[0::2][keep]


def count_spans_numpy(data, sr, sc0, sc1, sz, lut, offset, roww, nslots, nzones, per_row):
    """Histogram of the pixels in the spans (numpy; same result as the numba kernel)."""
    n = nzones * nslots
    ln = sc1 - sc0
    tot = int(ln.sum())
    if tot == 0:
        return np.zeros(n, np.int64), (np.zeros(n) if per_row else None)
    step = np.arange(tot, dtype=np.int64) - np.repeat(np.cumsum(ln) - ln, ln)
    h, w = data.shape
    pos = np.repeat(sr * w + sc0, ln) + step
    vals = data.ravel()[pos]
    if offset:
        vals = vals.astype(np.int64) + offset
    slot = np.repeat((sz - 1) * nslots, ln) + lut[vals]
    counts = np.bincount(slot, minlength=n).astype(np.int64)
    areas = None
    if per_row:
        areas = np.bincount(slot, weights=np.repeat(roww[sr], ln), minlength=n)
    return counts, areas


if HAVE_NUMBA:  # pragma: no branch

    @numba.njit(cache=True, nogil=True)
    def _spans_nb(data, sr, sc0, sc1, sz, lut, offset, roww, nslots, counts, areas, per_row):
        # run-length inner loop: land cover comes in patches, so adding a run
        # at once avoids the store-to-load dependency of counts[s] += 1 per pixel
        for i in range(sr.shape[0]):
            pr = sr[i]
            wr = roww[pr]
            base = (sz[i] - 1) * nslots
            c = sc0[i]
            end = sc1[i]
            while c < end:
                v = data[pr, c]
                c2 = c + 1
                while c2 < end and data[pr, c2] == v:
                    c2 += 1
                s = base + lut[np.int64(v) + offset]
                counts[s] += c2 - c
                if per_row:
                    areas[s] += (c2 - c) * wr
                c = c2


if HAVE_NUMBA:  # pragma: no branch

    @numba.njit(cache=True, nogil=True)
    def _spans_u8(data, sr, sc0, sc1, zl, roww, hist, areas, per_row):
        # 8-bit fast path: histogram of raw values per zone, in 4 interleaved
        # copies so that runs of one class do not serialise on one counter
        # (store-to-load latency); values are mapped to slots afterwards.
        for i in range(sr.shape[0]):
            r = sr[i]
            row = data[r]
            h4 = hist[zl[i]]
            c = sc0[i]
            end = sc1[i]
            if per_row:
                wr = roww[r]
                a4 = areas[zl[i]]
                while c + 2 <= end:
                    v0 = row[c]
                    v1 = row[c + 1]
                    h4[0, v0] += 1
                    a4[0, v0] += wr
                    h4[1, v1] += 1
                    a4[1, v1] += wr
                    c += 2
                while c < end:
                    h4[0, row[c]] += 1
                    a4[0, row[c]] += wr
                    c += 1
            else:
                while c + 4 <= end:
                    h4[0, row[c]] += 1
                    h4[1, row[c + 1]] += 1
                    h4[2, row[c + 2]] += 1
                    h4[3, row[c + 3]] += 1
                    c += 4
                while c < end:
                    h4[0, row[c]] += 1
                    c += 1


def _count_spans_u8(data, sr, sc0, sc1, sz, lut, roww, nslots, nzones, per_row):
    n = nzones * nslots
    zones_here, zl = np.unique(sz, return_inverse=True)
    m = len(zones_here)
    hist = np.zeros((m, 4, 256), np.int64)
    areas4 = np.zeros((m, 2, 256) if per_row else (1, 2, 1), np.float64)
    _spans_u8(data, sr, sc0, sc1, zl.astype(np.int64), roww, hist, areas4, per_row)
    idx = ((zones_here[:, None] - 1) * nslots + lut[None, :256]).ravel()
    # counts per window < 2**53: exact through float64 weights
    counts = np.rint(np.bincount(idx, weights=hist.sum(axis=1).ravel().astype(np.float64),
                                 minlength=n)).astype(np.int64)
    areas = np.bincount(idx, weights=areas4.sum(axis=1).ravel(), minlength=n) if per_row else None
    return counts, areas


def count_spans(data, sr, sc0, sc1, sz, lut, offset, roww, nslots, nzones, per_row,
                engine="auto"):
    """Dispatch like :func:`count`: numba for >= 256 kpx of spans when available."""
    npx = int((sc1 - sc0).sum()) if len(sr) else 0
    if engine == "numba" or (engine == "auto" and HAVE_NUMBA and npx >= 262144):
        _need_numba()
        if data.dtype == np.uint8 and offset == 0:
            return _count_spans_u8(data, sr, sc0, sc1, sz, lut, roww, nslots, nzones, per_row)
        n = nzones * nslots
        counts = np.zeros(n, dtype=np.int64)
        areas = np.zeros(n if per_row else 1, dtype=np.float64)
        _spans_nb(data, sr, sc0, sc1, sz, lut, offset, roww, nslots, counts, areas, per_row)
        return counts, (areas if per_row else None)
    return count_spans_numpy(data, sr, sc0, sc1, sz, lut, offset, roww, nslots, nzones, per_row)


def count_partial(data, pr, pc, pz, pf, lut, offset, roww, nslots, nzones, per_row):
    """Coverage-weighted histogram of the boundary pixels of the exact fraction rule.

    ``pr, pc`` (window row and column), ``pz`` (zone id) and ``pf`` (coverage
    fraction) come from :func:`spatial_carbon.landcover._coverage.coverage`;
    boundary pixels are few (the zones' perimeters), so numpy's weighted
    ``bincount`` is fast enough for every engine.

    Returns
    -------
    fractions : float64 (zones x slots)
        Sum of coverage fractions (pixels).
    areas : float64 or None
        Sum of fraction x pixel area (m2) when the pixel area varies by row.
    """
    n = nzones * nslots
    if len(pr) == 0:
        return np.zeros(n), (np.zeros(n) if per_row else None)
    vals = data[pr, pc].astype(np.int64) + offset
    slot = (pz - 1) * nslots + lut[vals]
    frac = np.bincount(slot, weights=pf, minlength=n)
    areas = np.bincount(slot, weights=pf * roww[pr], minlength=n) if per_row else None
    return frac, areas


#: Set once the numba kernels are loaded in this process (see :func:`warm_async`).
NUMBA_READY = threading.Event()
_WARM_LOCK = threading.Lock()
_WARMING: set = set()
_WARM_THREADS: list = []


def warm(dtypes, zone_raster: bool = False, fraction: bool = False) -> None:
    """Load (or compile) the numba kernels for these raster dtypes.

    The first call of a numba function in a process costs ~0.3-0.5 s of CPU
    (numba initialises its typing and lowering registries, which imports
    scipy.linalg, then loads the machine code from the on-disk cache).
    """
    if not HAVE_NUMBA:
        return
    one = np.zeros(1, np.int64)
    lut = np.zeros(65536, np.int32)
    for dt in dtypes:
        data = np.zeros((1, 1), dtype=dt)
        count_spans(data, one, one, one + 1, one + 1, lut, 0, np.ones(1), 2, 1, True, "numba")
        if zone_raster:
            count_numba(data, np.zeros((1, 1), np.uint16), lut, 0, np.ones(1), 2, 1, True)
    if fraction:
        from . import _coverage

        _coverage.coverage_numba(np.array([[0.5, 0.0, 0.5, 1.0]]), np.ones(1), one + 1, 0, 1, 1)
    NUMBA_READY.set()


def warm_async(dtypes, zone_raster: bool = False, fraction: bool = False):
    """Start :func:`warm` in a background thread (once per process and signature set).

    Returns the thread (None if nothing to do).  It overlaps numba's start-up
    with the planning (reading the zones, reprojecting them, cutting windows).
    """
    if not HAVE_NUMBA:
        return None
    key = (tuple(sorted(dtypes)), bool(zone_raster), bool(fraction))
    with _WARM_LOCK:
        if key in _WARMING:
            return None
        _WARMING.add(key)
    th = threading.Thread(target=warm, args=key, daemon=True, name="spatial_carbon-numba-warm")
    th.start()
    with _WARM_LOCK:
        _WARM_THREADS.append(th)
    return th


def wait_warm() -> None:
    """Wait until the kernels are loaded, or until no warm-up is running (then the
    first kernel call loads them itself)."""
    while not NUMBA_READY.is_set():
        with _WARM_LOCK:
            alive = [t for t in _WARM_THREADS if t.is_alive()]
        if not alive:
            return
        alive[0].join(0.5)


def join_warm() -> None:
    """Wait for every background warm-up of this process (before forking: never fork
    while a thread is inside numba or LLVM)."""
    with _WARM_LOCK:
        threads = list(_WARM_THREADS)
    for th in threads:
        th.join()
