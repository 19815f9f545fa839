"""spatial_carbon: regional carbon analysis for China, done right and reproducibly.

Computation modules (pure: frames in, frames out) are imported on demand:

>>> from spatial_carbon import regions, footprint   # doctest: +SKIP
"""

from __future__ import annotations

__version__ = "0.1.0"

from .errors import SpatialCarbonError  # noqa: E402,F401
