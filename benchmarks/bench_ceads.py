"""Benchmark: reading the 23 CEADs provincial workbooks (1997-2019).

Peer, measured in the same run: ``pandas.read_excel(path, sheet_name=None)``
on every workbook (what a user would write; no tidying, no checks).  Ours:
``spatial_carbon.inventory.ceads.read_provinces`` with the openpyxl engine and, when
installed, the python-calamine engine (tidy table, totals check on all 690
sheets).  Prints the best of ``--repeat`` wall-clock times and the ratio
ours / peer.

    python3 benchmarks/bench_ceads.py [--repeat 2]
"""

import argparse
import os

import pandas as pd

from spatial_carbon.inventory import ceads
from spatial_carbon import datasets
from _common import best_of  # noqa: E402  (benchmarks/ is on sys.path)



def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    folder = datasets.ceads_dir()
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() == ".xlsx")
    print(f"{len(files)} workbooks, {sum(p.stat().st_size for p in files) / 1e6:.1f} MB; "
          f"cores: {os.cpu_count()}; load avg: {os.getloadavg()[0]:.2f}")

    def peer():
        for p in files:
            pd.read_excel(p, sheet_name=None, header=None, engine="openpyxl")

    t_peer = best_of(peer, args.repeat)
    print(f"{'pandas.read_excel (openpyxl, all sheets)':45s} {t_peer:7.2f} s   ratio 1.00")
    engines = ["openpyxl"]
    try:
        import python_calamine  # noqa: F401
        engines.append("calamine")
    except ImportError:
        print("python-calamine not installed: calamine engine skipped")
    for eng in engines:
        t = best_of(lambda: ceads.read_provinces(folder, engine=eng), args.repeat)
        print(f"{'read_provinces(engine=' + repr(eng) + ')':45s} {t:7.2f} s   ratio {t / t_peer:.2f}")


if __name__ == "__main__":
    main()
