"""Benchmark: exact float64 Fisher-Jenks (spatial_carbon.spatial.classify) vs mapclassify.FisherJenks.

Prints time per call and the ratio ours / mapclassify measured in the same run,
and the within-class sum of squares (SSE, float64) of both results: lower is
better; mapclassify's float32 accumulators can miss the optimum.

    python3 benchmarks/bench_classify.py
"""


import mapclassify
import numpy as np

from spatial_carbon.spatial.classify import fisher_jenks_exact
from _common import best_of  # noqa: E402  (benchmarks/ is on sys.path)


def sse(x, uppers):
    c = np.searchsorted(uppers, x)
    return sum(((x[c == j] - x[c == j].mean()) ** 2).sum() for j in range(len(uppers)))



def main():
    rng = np.random.default_rng(0)
    fisher_jenks_exact(rng.lognormal(0, 1, 300), 5)  # compile numba kernel
    mapclassify.FisherJenks(rng.lognormal(0, 1, 300), k=5)
    print(f"{'n':>7} {'ours s':>9} {'mapclassify s':>14} {'ratio':>6} {'SSE ours':>14} {'SSE mapclassify':>16}")
    for n in (690, 3000, 10000):
        x = rng.lognormal(0, 1, n)
        t1 = best_of(lambda: fisher_jenks_exact(x, 5))
        t2 = best_of(lambda: mapclassify.FisherJenks(x, k=5))
        a = fisher_jenks_exact(x, 5)
        b = np.asarray(mapclassify.FisherJenks(x, k=5).bins)
        print(f"{n:>7} {t1:>9.4f} {t2:>14.4f} {t1 / t2:>6.2f} {sse(x, a):>14.6f} {sse(x, b):>16.6f}")


if __name__ == "__main__":
    main()
