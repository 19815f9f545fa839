"""Two-period interregional industrial transfer, carbon transfer and carbon leakage (seed 003).

Seed 003 studies China's 8 regions x 17 sectors interregional IO tables of
2002 and 2007.  With ``L_t = (I - A_t)^-1`` (rows and columns ``(region,
sector)``), domestic final demand ``Y_t`` (one column per consuming region)
and foreign exports ``E_t`` (a vector over producing sectors):

* output of region ``r`` induced by the final demand of region ``s``::

      X^{rs}_t = [L_t Y_{·s,t}]_r            (the r-block of column s)

* output of region ``r`` induced by the exports leaving region ``s``::

      X^{rs,E}_t = [L_t Ê_s,t 1]_r            (E restricted to s's sectors)

* industrial transfer from ``s`` (origin, whose demand or exports moved
  production) to ``r`` (destination), ``r ≠ s``, per sector ``i`` of ``r``::

      ΔX^{rs}_i = (X^{rs}_{t1} + X^{rs,E}_{t1})_i - (X^{rs}_{t0} + X^{rs,E}_{t0})_i

* carbon transfer ``ΔC^{rs}_i = S_{r,i} ΔX^{rs}_i`` with region-sector carbon
  coefficients ``S`` (seed 003: the 2007 coefficients, t CO2 per 10^4 yuan,
  its Table 2, applied to both periods);
* net transfer of a pair ``ΔX^{rs} - ΔX^{sr}``, per region inflow − outflow;
* carbon leakage of the transfer from ``s`` to ``r``::

      leakage_{s→r} = Σ_i ΔX^{rs}_i (S_{r,i} - S_{s,i})

  positive: production moved to where it emits more (national emissions rise).

Both tables must be in the same (constant) prices; deflating is the
caller's job.  No library implements this decomposition; it is a few
solves on top of :mod:`spatial_carbon.inputoutput.iomath`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from spatial_carbon.errors import InputError
from spatial_carbon.inputoutput.iomath import _Factor, check_labels


@dataclass
class Transfer:
    """Result of :func:`two_period_transfer`.

    Attributes
    ----------
    by_sector : DataFrame
        ``origin, destination, sector, output_fd, output_export, output_transfer,
        carbon_transfer, leakage`` (ordered pairs, ``origin ≠ destination``).
    pairs : DataFrame
        The same summed over sectors, plus ``net_output_transfer``,
        ``net_carbon_transfer`` (origin→destination minus the reverse),
        ``share_of_total`` (pair's share of the national sum of positive
        output transfers) and ``share_of_inflow`` (share of the
        destination's positive inflow).
    regions : DataFrame
        Per region: ``output_in, output_out, net_output, carbon_in,
        carbon_out, net_carbon, leakage_caused`` (leakage of transfers
        originating in the region).
    """

    by_sector: pd.DataFrame
    pairs: pd.DataFrame
    regions: pd.DataFrame


def induced_output(A: pd.DataFrame, Y: pd.DataFrame, exports: pd.Series | None = None) -> dict:
    """Output induced in every (region, sector) by each region's final demand and exports.

    Parameters
    ----------
    A : DataFrame (n x n), MultiIndex (region, sector)
    Y : DataFrame (n x R), columns consuming regions (domestic final demand)
    exports : Series (n), optional, foreign exports by producing (region, sector)

    Returns
    -------
    dict
        ``{"fd": DataFrame n x R, "export": DataFrame n x R}``: column ``s`` is
        ``L Y_s`` and ``L Ê_s 1`` respectively (unit of ``Y``).
    """
    check_labels(A.index, A.columns, "labels (rows vs columns of A)")
    check_labels(A.index, Y.index, "labels (Y vs A)")
    f = _Factor(A)
    fd = pd.DataFrame(f.solve(Y.to_numpy(dtype=float)), index=A.index, columns=Y.columns)
    regs = list(dict.fromkeys(A.index.get_level_values(0)))
    if exports is not None:
        check_labels(A.index, exports.index, "labels (exports vs A)")
        lvl = A.index.get_level_values(0)
        Ed = np.zeros((len(A), len(regs)))
        for j, r in enumerate(regs):
            m = lvl == r
            Ed[m, j] = exports.to_numpy(dtype=float)[m]
        ex = pd.DataFrame(f.solve(Ed), index=A.index, columns=regs)
    else:
        ex = pd.DataFrame(0.0, index=A.index, columns=regs)
    return {"fd": fd, "export": ex}


def two_period_transfer(
    A0: pd.DataFrame, Y0: pd.DataFrame, A1: pd.DataFrame, Y1: pd.DataFrame, S: pd.Series,
    *, exports0: pd.Series | None = None, exports1: pd.Series | None = None,
) -> Transfer:
    """Industrial and carbon transfer between regions from period 0 to period 1.

    Parameters
    ----------
    A0, A1 : DataFrame
        Technical coefficients, MultiIndex ``(region, sector)``, identical labels.
    Y0, Y1 : DataFrame
        Domestic final demand, columns = consuming regions (the same regions
        as the rows), constant prices.
    S : Series
        Carbon coefficients indexed ``(region, sector)``, t CO2 per monetary
        unit of the tables (seed 003: 2007 coefficients, t CO2 per 10^4 yuan).
    exports0, exports1 : Series, optional
        Foreign exports by producing ``(region, sector)``.

    Returns
    -------
    Transfer
    """
    check_labels(A0.index, A1.index, "labels (period-0 vs period-1 table)")
    check_labels(Y0.columns, Y1.columns, "consuming regions (period 0 vs 1)")
    check_labels(A0.index, S.index, "labels (carbon coefficients vs table)")
    regs = list(dict.fromkeys(A0.index.get_level_values(0)))
    missing = [c for c in Y0.columns if c not in regs]
    if missing:
        raise InputError(f"final-demand column(s) {missing} are not regions of the table; "
                         "pass foreign exports through exports0/exports1")
    if (exports0 is None) != (exports1 is None):
        raise InputError("give exports for both periods or for neither")
    i0 = induced_output(A0, Y0, exports0)
    i1 = induced_output(A1, Y1, exports1)
    dfd = (i1["fd"] - i0["fd"]).reindex(columns=regs, fill_value=0.0)
    dex = (i1["export"] - i0["export"]).reindex(columns=regs, fill_value=0.0)
    lvl = A0.index.get_level_values(0)
    sect = A0.index.get_level_values(1)
    s = S.astype(float)
    rows = []
    for o in regs:             # origin: region whose demand/exports moved production
        for d in regs:         # destination: producing region
            if o == d:
                continue
            m = lvl == d
            sec = list(sect[m])
            fd_v = dfd[o].to_numpy()[m]
            ex_v = dex[o].to_numpy()[m]
            dx = fd_v + ex_v
            s_dest = s.to_numpy()[m]
            s_orig = s.reindex(pd.MultiIndex.from_arrays([[o] * len(sec), sec])).to_numpy()
            if np.isnan(s_orig).any():
                raise InputError(f"carbon coefficients missing for region {o!r} in some sectors")
            rows.append(pd.DataFrame({
                "origin": o, "destination": d, "sector": sec, "output_fd": fd_v,
                "output_export": ex_v, "output_transfer": dx, "carbon_transfer": s_dest * dx,
                "leakage": dx * (s_dest - s_orig),
            }))
    by_sector = pd.concat(rows, ignore_index=True)
    pairs = by_sector.groupby(["origin", "destination"], sort=False)[
        ["output_fd", "output_export", "output_transfer", "carbon_transfer", "leakage"]].sum().reset_index()
    rev = pairs.set_index(["destination", "origin"])[["output_transfer", "carbon_transfer"]]
    rev.index.names = ["origin", "destination"]
    key = pd.MultiIndex.from_frame(pairs[["origin", "destination"]])
    pairs["net_output_transfer"] = pairs["output_transfer"].to_numpy() - rev["output_transfer"].reindex(key).to_numpy()
    pairs["net_carbon_transfer"] = pairs["carbon_transfer"].to_numpy() - rev["carbon_transfer"].reindex(key).to_numpy()
    pos = pairs["output_transfer"].clip(lower=0.0)
    tot = pos.sum()
    pairs["share_of_total"] = pos / tot if tot > 0 else np.nan
    inflow = pos.groupby(pairs["destination"]).transform("sum")
    pairs["share_of_inflow"] = np.where(inflow > 0, pos / inflow.where(inflow > 0, 1.0), np.nan)
    out_o = pairs.groupby("origin", sort=False)[["output_transfer", "carbon_transfer", "leakage"]].sum()
    in_d = pairs.groupby("destination", sort=False)[["output_transfer", "carbon_transfer"]].sum()
    reg = pd.DataFrame(index=pd.Index(regs, name="region"))
    reg["output_in"] = in_d["output_transfer"]
    reg["output_out"] = out_o["output_transfer"]
    reg["net_output"] = reg["output_in"] - reg["output_out"]
    reg["carbon_in"] = in_d["carbon_transfer"]
    reg["carbon_out"] = out_o["carbon_transfer"]
    reg["net_carbon"] = reg["carbon_in"] - reg["carbon_out"]
    reg["leakage_caused"] = out_o["leakage"]
    return Transfer(by_sector=by_sector, pairs=pairs, regions=reg.reset_index())


def transfer_from_tables(parts0: dict, parts1: dict, S: pd.Series, *, exports: bool = True) -> Transfer:
    """:func:`two_period_transfer` on two tables split by :func:`spatial_carbon.inputoutput.readers.split_wide`.

    ``A = Z x̂^-1`` with ``x`` the table's total output (or ``Z1 + Y1 + E - M + other``
    when it has none); ``S`` is reindexed to the table's ``(region, sector)``
    labels and must cover all of them.
    """
    from spatial_carbon.inputoutput.iomath import calc_A

    idx = parts0["Z"].index
    S = S.reindex(idx)
    if S.isna().any():
        raise InputError(f"no carbon coefficient for {int(S.isna().sum())} (region, sector) "
                         f"pair(s), e.g. {list(S.index[S.isna()][:3])}")
    A = []
    for p in (parts0, parts1):
        x = p["x"]
        if x is None:
            x = p["Z"].sum(axis=1) + p["Y"].sum(axis=1) + p["exports"] - p["imports"] + p["other"]
        A.append(calc_A(p["Z"], x))
    e0, e1 = (parts0["exports"], parts1["exports"]) if exports else (None, None)
    return two_period_transfer(A[0], parts0["Y"], A[1], parts1["Y"], S, exports0=e0, exports1=e1)


def transfer_flows(pairs: pd.DataFrame, value: str = "net_carbon_transfer") -> pd.DataFrame:
    """Generic flow table ``origin, destination, value`` for the flow-map helper.

    Keeps each pair once, in the direction of its positive net value.
    """
    if value not in pairs.columns:
        raise InputError(f"no column {value!r} in the transfer pairs")
    t = pairs[pairs[value] > 0][["origin", "destination", value]].rename(columns={value: "value"})
    return t.reset_index(drop=True)
