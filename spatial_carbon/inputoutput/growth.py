"""Growth-rate decomposition of emission change: scale, structure, technique (seed 000).

The "environmental effect decomposition" (环境效应分解) of the Chinese
literature after Grossman & Krueger (1991): with ``E = Σ_i E_i``, output
``Y = Σ_i Y_i``, structure ``s_i = Y_i / Y``, intensity ``e_i = E_i / Y_i``
and base-year emission shares ``π_i = E_i0 / E_0``::

    scale     = (Y1 - Y0) / Y0
    structure = Σ_i π_i (s_i1 - s_i0) / s_i0
    technique = Σ_i π_i (e_i1 - e_i0) / e_i0
    residual  = (E1 - E0) / E0 - scale - structure - technique

Each is a share of base-year emissions (a growth rate); times ``E0`` it is
in emission units, and the four then add up to ``E1 - E0`` exactly - by the
definition of the residual, which collects the interaction terms the
first-order expansion leaves out.  LMDI-I
(:func:`spatial_carbon.inputoutput.lmdi.lmdi_decompose`) has no residual and
handles sectors that appear or vanish; it stays the default of
``spatial-carbon decompose``.

No maintained package implements this decomposition (it is four sums); the
hand-worked test is in ``tests/test_io_growth.py``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from spatial_carbon.errors import InputError, ZeroCapacityError, show
from spatial_carbon.inputoutput.lmdi import _maybe_attach, _validate

EFFECTS = ("scale", "structure", "technique", "residual")


def growth_decompose(
    df: pd.DataFrame, year0, year1, *, by: str | None = "region", unit: str = "t",
) -> pd.DataFrame:
    """Growth-rate (Grossman-Krueger) decomposition of each region's emission change.

    Parameters
    ----------
    df : DataFrame
        Long table ``region, sector, year, output, emissions`` (output in any
        constant-price unit, emissions in ``unit``).
    year0, year1 : int
        Base and final year.
    by : str or None
        Column defining the units decomposed separately (default
        ``region``); ``None`` pools all rows into one national decomposition
        (every region-sector is then an item of the structure).
    unit : str
        Unit of ``emissions`` (default ``"t"``), used in the names of the
        absolute columns.

    Returns
    -------
    DataFrame
        One row per region: ``E0, E1, Y0, Y1``; growth shares ``total =
        (E1 - E0)/E0``, ``scale``, ``structure``, ``technique``,
        ``residual`` (dimensionless; ``total = scale + structure + technique
        + residual``); and the same times ``E0`` in emission units,
        ``total_<unit>, scale_<unit>, ...`` (sum to ``E1 - E0``).

    Raises
    ------
    InputError
        A sector present in one year only (or with zero output in the base
        year): its growth rates are undefined - the message names the
        sectors and points to LMDI, which handles them.
    ZeroCapacityError
        Zero total output or emissions in the base year.

    Notes
    -----
    The technique term is computed as ``Σ_i Y_i0 (e_i1 - e_i0) / E0``,
    which equals ``Σ_i π_i (e_i1 - e_i0) / e_i0`` whenever ``E_i0 > 0``
    (``π_i / e_i0 = Y_i0 / E0``) and is its limit for a sector that had
    output but no emissions in the base year (the printed term is then
    0 · ∞).
    """
    where = "decomposition table"
    if by is None:
        # pooled: every region-sector is an item of the national structure
        keys = ["region", "sector"] if "region" in df.columns else ["sector"]
    else:
        keys = [by, "sector"]
    sub = _validate(df, year0, year1, keys, ["output", "emissions"], where).copy()
    if by is None:
        sub["sector"] = sub[keys].astype(str).agg("/".join, axis=1)
        sub["_all"] = "all"
        by = "_all"
    rows = []
    for unit_name, g in sub.groupby(by, sort=False):
        years = g.groupby("sector", sort=False)["year"].agg(lambda y: set(y))
        one = sorted(str(s) for s, ys in years.items() if len(ys) < 2)
        if one:
            raise InputError(
                f"{where}: {unit_name}: sector(s) {show(one)} appear in one year only; the growth-rate "
                "decomposition is undefined for them - use LMDI (--method lmdi), which handles "
                "sectors that appear or vanish"
            )
        w = g.pivot_table(index="sector", columns="year", values=["output", "emissions"],
                          aggfunc="sum", sort=False)
        y0, y1 = w[("output", year0)].to_numpy(float), w[("output", year1)].to_numpy(float)
        e0, e1 = w[("emissions", year0)].to_numpy(float), w[("emissions", year1)].to_numpy(float)
        Y0, Y1, E0, E1 = y0.sum(), y1.sum(), e0.sum(), e1.sum()
        if Y0 <= 0 or Y1 <= 0:
            raise ZeroCapacityError(f"{where}: {unit_name} has zero total output in {year0 if Y0 <= 0 else year1}")
        if E0 == 0:
            raise ZeroCapacityError(f"{where}: {unit_name} has zero emissions in {year0}; "
                                    "growth shares are undefined - use LMDI")
        zero = [str(s) for s, q0, q1 in zip(w.index, y0, y1) if q0 == 0 or q1 == 0]
        if zero:
            raise InputError(
                f"{where}: {unit_name}: sector(s) {show(zero)} have zero output in {year0} or {year1}; "
                "their structure and intensity growth are undefined - use LMDI (--method lmdi)"
            )
        s0, s1 = y0 / Y0, y1 / Y1
        i0, i1 = e0 / y0, e1 / y1
        pi = e0 / E0
        scale = (Y1 - Y0) / Y0
        structure = float(np.sum(pi * (s1 - s0) / s0))
        technique = float(np.sum(y0 * (i1 - i0)) / E0)
        total = (E1 - E0) / E0
        eff = {"scale": scale, "structure": structure, "technique": technique,
               "residual": total - scale - structure - technique}
        row = {"region": unit_name, "E0": E0, "E1": E1, "Y0": Y0, "Y1": Y1, "total": total, **eff,
               f"total_{unit}": E1 - E0}
        for k in EFFECTS:
            row[f"{k}_{unit}"] = eff[k] * E0
        rows.append(row)
    out = pd.DataFrame(rows)
    out["method"] = "growth"
    if by == "_all":
        return out
    if by == "region":
        return _maybe_attach(out)
    return out.rename(columns={"region": by})
