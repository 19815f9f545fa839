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


# A case runs as ``PRE + constants + body + POST`` in a fresh interpreter: the
# body sets ``out`` (a dict of timings); POST adds max RSS and CPU time.
PRE = """
import time, json, resource
T0 = time.perf_counter()
import warnings; warnings.simplefilter("ignore")
import numpy as np, pandas as pd
"""

POST = """
_ru = resource.getrusage(resource.RUSAGE_SELF)
_rc = resource.getrusage(resource.RUSAGE_CHILDREN)  # worker processes (esda n_jobs, our n_jobs)
out["maxrss_MB"] = _ru.ru_maxrss / 1024
out["cpu"] = _ru.ru_utime + _ru.ru_stime + _rc.ru_utime + _rc.ru_stime
print("RESULT" + json.dumps(out))
"""


def run_case(body: str, consts: dict, label: str) -> dict:
    """Run one case in a fresh Python process; its ``out`` dict plus ``wall`` (s)."""
    import json
    import subprocess
    import sys
    import textwrap

    head = "".join(f"{k} = {v!r}\n" for k, v in consts.items())
    code = PRE + head + textwrap.dedent(body) + POST
    t = time.perf_counter()
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    wall = time.perf_counter() - t
    if p.returncode != 0:
        raise SystemExit(f"{label} failed:\n{p.stderr[-3000:]}")
    res = json.loads([ln for ln in p.stdout.splitlines() if ln.startswith("RESULT")][-1][6:])
    res["wall"] = wall
    return res
