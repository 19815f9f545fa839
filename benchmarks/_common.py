"""Timing helpers shared by the benchmark scripts (run as ``python3 benchmarks/X.py``)."""

import time


def best_of(f, repeat=3):
    """Fastest wall-clock time of ``repeat`` calls of ``f()`` (seconds)."""
    t = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        f()
        t.append(time.perf_counter() - t0)
    return min(t)
