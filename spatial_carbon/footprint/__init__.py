"""The seed-001 footprint chain: carbon sinks -> footprint indicators -> zones.

``sinks``
    class areas (hm2) x absorption rate x equivalence factor -> CS.
``indicators``
    ICE and CS -> ICF, CEC, ICD, ICS, size, depth, per capita, national
    series, growth rates and the CEC projection.
``zones``
    quadrant mitigation zones from the z-scores of size and depth.

The indicator functions are re-exported here, so
``spatial_carbon.footprint.compute`` keeps working.
"""

from __future__ import annotations

from .indicators import (  # noqa: F401
    CORE_COLUMNS, PER_CAPITA_COLUMNS, compute, growth_rates, national, national_growth_rates,
    per_capita, project_cec,
)

__all__ = ["CORE_COLUMNS", "PER_CAPITA_COLUMNS", "compute", "growth_rates", "national",
           "national_growth_rates", "per_capita", "project_cec"]
