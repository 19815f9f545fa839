"""Input–output carbon analysis: IO maths, provincial tables, MRIO, transfer, LMDI.

Public API (pure computation; file readers are in :mod:`spatial_carbon.inputoutput.readers`):

* :mod:`~spatial_carbon.inputoutput.iomath` — ``calc_x``, ``calc_A``, ``calc_Z``,
  ``calc_S``, ``calc_L``, ``calc_x_from_A``, ``calc_x_from_L``, ``calc_M``,
  ``calc_M_from_L``, ``calc_embodied``, ``calc_output_multipliers``,
  ``check_balance``, ``leontief_factor``;
* :mod:`~spatial_carbon.inputoutput.provincial` — seed 002: ``ProvincialTable``,
  ``tables_from_frame``, ``trade_carbon``, intensities, import treatments;
* :mod:`~spatial_carbon.inputoutput.concordance` — sector/region aggregation;
* :mod:`~spatial_carbon.inputoutput.mrio` — ``MRIO``, ``mrio_from_pymrio``,
  ``mrio_from_frames``, ``calc_accounts``, ``embodied_flows``, ``flows_long``;
* :mod:`~spatial_carbon.inputoutput.transfer` — seed 003 two-period transfer and leakage;
* :mod:`~spatial_carbon.inputoutput.lmdi` — seed 000 LMDI decomposition and share-shift transfer.

Import with absolute names (``from spatial_carbon.inputoutput import trade_carbon``);
the subpackage name does not shadow the standard library's ``io`` because
spatial_carbon only uses absolute imports.
"""

from spatial_carbon.inputoutput.concordance import (
    aggregate_regions,
    aggregate_sectors,
    ceads_to_io_emissions,
    concordance_matrix,
    concordance_names,
    sector_bridge,
    sector_concordance,
    sector_names_zh,
    split_to_sectors,
)
from spatial_carbon.inputoutput.iomath import (
    calc_A,
    calc_embodied,
    calc_L,
    calc_M,
    calc_M_from_L,
    calc_output_multipliers,
    calc_S,
    calc_x,
    calc_x_from_A,
    calc_x_from_L,
    calc_Z,
    check_balance,
    leontief_factor,
)
from spatial_carbon.inputoutput.mrio import (
    MRIO,
    aggregate_mrio,
    calc_accounts,
    embodied_flows,
    flows_long,
    mrio_from_frames,
    mrio_from_pymrio,
)
from spatial_carbon.inputoutput.provincial import (
    TREATMENTS,
    ProvincialTable,
    TradeCarbon,
    aggregate_trade_regions,
    calc_adjusted_intensity,
    calc_direct_intensity,
    classify_trade_type,
    domestic_share,
    national_multipliers,
    province_intensities,
    province_multipliers,
    tables_from_frame,
    technical_coefficients,
    trade_carbon,
    trade_carbon_from_tables,
)
