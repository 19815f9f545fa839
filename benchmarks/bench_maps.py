"""Benchmark: a natural-breaks choropleth of the 2,875 counties and of the
31 provinces, drawn and saved as a 300-dpi PNG.

Peer, measured in the same run: ``GeoDataFrame.plot(column=..., scheme=
"fisher_jenks", k=5, legend=True)`` (geopandas + mapclassify) on the same
layer reprojected to the same Albers projection, saved with the same
``savefig`` settings -- what a user writes by hand, without inset, scale
bar, north arrow, no-data class or unit legend.  Ours: ``maps.choropleth``
with all of those, then ``maps.save_figure``.  Prints the best of
``--repeat`` wall-clock times and the ratio ours / peer.

    python3 benchmarks/bench_maps.py [--repeat 2]
"""

import argparse
import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from spatial_carbon import datasets, maps
from _common import best_of  # noqa: E402  (benchmarks/ is on sys.path)



def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = Path(tempfile.mkdtemp())
    print(f"cores: {os.cpu_count()}; load avg: {os.getloadavg()[0]:.2f}")
    rng = np.random.default_rng(0)
    for level, field in (("province", "region_code"), ("county", "code")):
        gdf = datasets.boundaries(level)
        data = pd.DataFrame({field: gdf[field], "v": rng.lognormal(0, 1, len(gdf))})
        joined = gdf.merge(data, on=field)

        def peer():
            g = joined.to_crs(maps.CHINA_ALBERS)
            fig, ax = plt.subplots(figsize=(6.8, 5.6))
            g.plot(column="v", scheme="fisher_jenks", k=5, legend=True, ax=ax, cmap="YlOrRd",
                   edgecolor="#4d4d4d", linewidth=0.3)
            ax.set_axis_off()
            fig.savefig(out / f"peer_{level}.png", dpi=300, bbox_inches="tight")
            plt.close(fig)

        def ours():
            fig = maps.choropleth(data, gdf, "v", id_field=field, k=5)
            maps.save_figure(fig, out / f"ours_{level}", ("png",))

        peer()  # warm up imports, numba and font caches for both
        ours()
        tp = best_of(peer, args.repeat)
        to = best_of(ours, args.repeat)
        print(f"{level:8s} n={len(gdf):5d}  peer (GeoDataFrame.plot) {tp:6.2f} s   "
              f"ours (maps.choropleth + save) {to:6.2f} s   ratio ours/peer {to / tp:5.2f}")


if __name__ == "__main__":
    main()
