"""Counting kernels: (zone id, class slot) histograms of one window.

Two implementations with identical results: a numba loop (one pass, no
temporaries; compiled once and cached on disk with ``cache=True``) and a
numpy ``bincount`` fallback used for small windows, when numba is missing,
or on request.  numba is an optional dependency (extra ``fast``).
"""

from __future__ import annotations

import numpy as np

try:  # pragma: no cover - exercised when numba is installed
    import numba

    HAVE_NUMBA = True
except ImportError:  # pragma: no cover
    numba = None
    HAVE_NUMBA = False


def count_numpy(data, zones, lut, offset, roww, k, nslots, nzones, per_row):
    """Histogram with numpy.  ``zones`` is ``k`` times finer than ``data``."""
    n = nzones * nslots
    if k > 1:
        data = np.repeat(np.repeat(data, k, axis=0), k, axis=1)
        roww = np.repeat(roww, k)
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
    def _count_nb(data, zones, lut, offset, roww, k, nslots, counts, areas, per_row):
        h, w = zones.shape
        for r in range(h):
            pr = r // k
            wr = roww[pr]
            for c in range(w):
                z = zones[r, c]
                if z != 0:
                    s = (np.int64(z) - 1) * nslots + lut[np.int64(data[pr, c // k]) + offset]
                    counts[s] += 1
                    if per_row:
                        areas[s] += wr

    @numba.njit(cache=True, nogil=True)
    def _count_nb1(data, zones, lut, offset, roww, nslots, counts, areas, per_row):
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


def count_numba(data, zones, lut, offset, roww, k, nslots, nzones, per_row):
    """Histogram with numba (same contract as :func:`count_numpy`)."""
    n = nzones * nslots
    counts = np.zeros(n, dtype=np.int64)
    areas = np.zeros(n if per_row else 1, dtype=np.float64)
    if k == 1:
        _count_nb1(data, zones, lut, offset, roww, nslots, counts, areas, per_row)
    else:
        _count_nb(data, zones, lut, offset, roww, k, nslots, counts, areas, per_row)
    return counts, (areas if per_row else None)


def count(data, zones, lut, offset, roww, k, nslots, nzones, per_row, engine="auto"):
    """Dispatch: numba for windows above 256 kpx when available, else numpy."""
    if engine == "numba" or (engine == "auto" and HAVE_NUMBA and zones.size >= 262144):
        if not HAVE_NUMBA:
            from ..errors import InputError

            raise InputError("engine='numba' but numba is not installed (pip install numba)")
        return count_numba(data, zones, lut, offset, roww, k, nslots, nzones, per_row)
    return count_numpy(data, zones, lut, offset, roww, k, nslots, nzones, per_row)
