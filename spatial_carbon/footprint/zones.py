"""Quadrant mitigation zones from footprint size and depth (Chen Mingxing et al. 2009).

Each year, ICF_size and ICF_depth are standardised across regions
(z = (x - mean) / sd, population sd) and each region falls in a quadrant:

    I   core mitigation zone   z_size >= 0, z_depth >= 0   (high size, high depth)
    II  critical zone          z_size <  0, z_depth >= 0   (low size, high depth)
    III observation zone       z_size <  0, z_depth <  0   (low size, low depth)
    IV  buffer zone            z_size >= 0, z_depth <  0   (high size, low depth)

Tie rule: a value exactly at the mean (z = 0) counts as high.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import ClassificationError, InputError, MissingDataError

#: Zone code -> English name.
ZONE_NAMES = {
    "I": "core mitigation",
    "II": "critical",
    "III": "observation",
    "IV": "buffer",
}


def quadrants(
    fp: pd.DataFrame,
    *,
    size: str = "ICF_size",
    depth: str = "ICF_depth",
    year_col: str = "year",
) -> pd.DataFrame:
    """Assign every region-year to a quadrant zone (I-IV).

    Parameters
    ----------
    fp : pandas.DataFrame
        Footprint table (:func:`spatial_carbon.footprint.compute`), one row
        per region and year.
    size, depth : str
        Columns used as footprint size (x axis) and depth (y axis); per-capita
        size (``ICF_size_pc``) is a common alternative.
    year_col : str
        Column grouping the standardisation; if absent, all rows form one group.

    Returns
    -------
    pandas.DataFrame
        A copy of ``fp`` with ``z_<size>``, ``z_<depth>`` (dimensionless),
        ``zone`` (``"I"`` .. ``"IV"``) and ``zone_name``.

    Raises
    ------
    ClassificationError
        In some year all regions have the same size or depth (sd = 0, e.g.
        no region in deficit so every depth is 1), or fewer than 2 regions.
    MissingDataError
        Missing values.

    Notes
    -----
    z-scores use the population standard deviation (ddof = 0, as
    ``scipy.stats.zscore``); the quadrant depends only on the sign, i.e. on
    the comparison with the mean of the year.  Zone definitions after Chen
    Mingxing et al. (2009) as used by seed 001; tie rule z = 0 -> high.
    """
    for c in (size, depth):
        if c not in fp.columns:
            raise InputError(f"footprint table has no column {c!r}; name its size and depth "
                             f"columns (columns: {', '.join(map(str, fp.columns))})")
    out = fp.copy()
    groups = out[year_col] if year_col in out.columns else pd.Series(0, index=out.index)
    zs = {}
    for c in (size, depth):
        v = pd.to_numeric(out[c], errors="coerce").astype("float64")
        if v.isna().any():
            raise MissingDataError(f"column {c!r} has {int(v.isna().sum())} missing value(s)")
        g = v.groupby(groups)
        n, sd = g.transform("size"), g.transform(lambda s: s.std(ddof=0))
        bad = sorted(set(groups[(n < 2) | (sd == 0)]))
        if bad:
            where = f" in year(s) {', '.join(map(str, bad))}" if year_col in out.columns else ""
            raise ClassificationError(
                f"cannot standardise {c!r}{where}: all regions have the same value "
                "(or fewer than 2 regions), so high/low is undefined"
                + (" (ICF_depth = 1 everywhere means no region is in deficit)" if c == depth else "")
            )
        zs[c] = (v - g.transform("mean")) / sd
        out[f"z_{c}"] = zs[c]
    hi_s, hi_d = zs[size] >= 0, zs[depth] >= 0
    zone = np.select([hi_s & hi_d, ~hi_s & hi_d, ~hi_s & ~hi_d], ["I", "II", "III"], default="IV")
    out["zone"] = zone
    out["zone_name"] = out["zone"].map(ZONE_NAMES)
    return out
