"""Defaults shared by every front end (Python API, CLI, study config, QGIS).

One place, so that the same analysis run from any front end gives the same
numbers.  The QGIS plugin cannot import spatial_carbon (it runs the worker in
a separate Python), so ``qgis_plugin/.../algorithms/_common.py`` repeats these
values and ``tests/test_defaults.py`` checks that the copies agree.
"""

from __future__ import annotations

#: Seed of every permutation test (global Moran, LISA, ...).
SEED: int = 12345
#: Random permutations for pseudo p-values (as GeoDa's default).
PERMUTATIONS: int = 999
#: Significance level for cluster maps.
ALPHA: float = 0.05
#: Pseudo p-value convention of permutation tests (see spatial.autocorr and
#: docs/spatial_stats.md): "folded" is GeoDa's, esda's and ArcGIS's -- the tail
#: on the side of the observed statistic, ``(min(#sim >= obs, #sim <= obs) + 1)/(P + 1)``.
#: "two-sided" (twice that, capped at 1) stays available as an option.
ALTERNATIVE: str = "folded"

__all__ = ["SEED", "PERMUTATIONS", "ALPHA", "ALTERNATIVE"]
