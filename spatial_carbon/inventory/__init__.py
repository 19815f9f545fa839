"""Emissions and population per region and year: the study's first inputs.

``fuel``
    fuel use x emission factors (IPCC 2006 or the seed's coefficients) -> CO2.
``ceads``
    CEADs provincial inventories (sector x fuel, Mt CO2) -> tidy tables, ICE.
``ceads_cities``
    the CEADs city inventory (total CO2, Mt) -> tidy table, matched to city codes.
``population``
    yearbook population tables -> persons.

The fuel-inventory functions are re-exported here, so
``spatial_carbon.inventory.emissions`` keeps working.
"""

from __future__ import annotations

from .fuel import (  # noqa: F401
    PRESETS, SEED001_FUELS, emissions, factors_from_frame, fuel_table_from_wide, load_factors,
    normalize_fuel, read_fuel_use, seed001_template,
)

__all__ = ["PRESETS", "SEED001_FUELS", "emissions", "factors_from_frame", "fuel_table_from_wide",
           "load_factors", "normalize_fuel", "read_fuel_use", "seed001_template"]
