"""LMDI-I index decomposition of emission changes, and share-shift carbon transfer (seed 000).

Identity per region (sectors ``i``)::

    C = Σ_i Q · (Q_i / Q) · (C_i / Q_i) = Σ_i Q · S_i · I_i
        scale  structure   technique

optionally with the technique split by energy (fuels ``j``)::

    C = Σ_ij Q · S_i · (E_i/Q_i) · (E_ij/E_i) · (C_ij/E_ij)
                       energy intensity  energy mix  emission factor

Additive LMDI-I (Ang 2015)::

    ΔC_k = Σ_i L(C_i^T, C_i^0) · ln(x_ik^T / x_ik^0),   L(a, b) = (a - b) / (ln a - ln b),  L(a, a) = a

Multiplicative LMDI-I, with the exact link to the additive form (Ang 2015)::

    D_k = exp(ΔC_k / L(C^T, C^0))     so  Π_k D_k = C^T / C^0  and  Σ_k ΔC_k = C^T - C^0.

Zero values (Ang 2015, after Ang & Liu 2007): the
"analytical limit" strategy.  For an item with ``C_i^0 = 0 < C_i^T`` (a new
sector or a newly emitting one) the whole ``C_i^T`` goes to the factor(s)
that are zero in the base year; with ``C_i^T = 0 < C_i^0`` the whole
``-C_i^0`` goes to the factor(s) that are zero in the final year; with both
zero the item contributes nothing.  Where several factors are zero together
the item's change is split equally among them.  An intensity is undefined
(not zero) when its denominator is zero; it never receives a contribution.
Negative values (e.g. net emissions after sinks) are fine as long as an
item keeps its sign (both ``L`` and the ratio stay defined); a sign change
raises :class:`~spatial_carbon.errors.ModelError`.

Reference: Ang, B.W. (2015) LMDI decomposition approach: A guide for
implementation. *Energy Policy* 86, 233–238. doi:10.1016/j.enpol.2015.07.007.
No maintained Python package implements LMDI with these zero rules, so it is
written here.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from spatial_carbon import regions as _regions
from spatial_carbon.errors import (
    DataQualityWarning,
    DuplicateRowError,
    InputError,
    MissingDataError,
    ModelError,
    NegativeValueError,
    ZeroCapacityError,
    show,
)

_UNDEF = np.nan


def logmean(a, b):
    """Logarithmic mean ``L(a, b) = (a - b) / (ln a - ln b)``, ``L(a, a) = a``.

    Defined for ``a, b`` of the same sign (both negative gives a negative
    mean); 0 if either is 0.
    """
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    out = np.zeros(np.broadcast(a, b).shape)
    same = (a * b) > 0
    eq = same & np.isclose(a, b, rtol=1e-12, atol=0.0)
    diff = same & ~eq
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(diff, (a - b) / np.log(np.where(diff, a / np.where(diff, b, 1.0), 1.0)), out)
    out = np.where(eq, (a + b) / 2.0, out)
    return out if out.shape else float(out)


def calc_lmdi(V0, VT, X0, XT, factors=None):
    """Additive LMDI-I effects of every factor, per item (Ang 2015).

    Parameters
    ----------
    V0, VT : (n,) arrays
        Aggregate of each item in the base and final year, ``V_i = Π_k x_ik``.
    X0, XT : (n, K) arrays
        Factor values; NaN where a factor is undefined (0/0).
    factors : list of str, optional
        Names of the K factors (for DataFrame output).

    Returns
    -------
    (n, K) array, or DataFrame if ``factors`` is given
        ``ΔV_ik``; ``Σ_k ΔV_ik = V_i^T - V_i^0`` exactly (up to rounding).

    Raises
    ------
    ModelError
        If an item changes sign, or a factor changes sign while the item does not.
    """
    V0 = np.asarray(V0, dtype=float)
    VT = np.asarray(VT, dtype=float)
    X0 = np.asarray(X0, dtype=float)
    XT = np.asarray(XT, dtype=float)
    n, K = X0.shape
    out = np.zeros((n, K))
    if np.any(V0 * VT < 0):
        i = int(np.flatnonzero(V0 * VT < 0)[0])
        raise ModelError(
            f"item {i} changes sign ({V0[i]:.6g} -> {VT[i]:.6g}); LMDI is undefined "
            "for a sign change (Ang 2015, ch. 4): decompose positive and negative parts separately"
        )
    reg = (V0 != 0) & (VT != 0)
    if reg.any():
        w = logmean(VT[reg], V0[reg])
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = XT[reg] / X0[reg]
        bad = ~(ratio > 0) & ~np.isnan(ratio)
        if bad.any():
            raise ModelError("a factor changes sign or is zero while its item is not; check the inputs")
        if np.isnan(ratio).any():
            raise ModelError("a factor is undefined (0/0) while its item is non-zero; check the inputs")
        out[reg] = w[:, None] * np.log(ratio)
    for i in np.flatnonzero((V0 == 0) & (VT != 0)):
        zero = np.flatnonzero(X0[i] == 0)
        if zero.size == 0:
            raise ModelError(f"item {i} is zero in the base year but none of its factors is")
        out[i, zero] = VT[i] / zero.size
    for i in np.flatnonzero((V0 != 0) & (VT == 0)):
        zero = np.flatnonzero(XT[i] == 0)
        if zero.size == 0:
            raise ModelError(f"item {i} is zero in the final year but none of its factors is")
        out[i, zero] = -V0[i] / zero.size
    if factors is not None:
        return pd.DataFrame(out, columns=list(factors))
    return out


def calc_multiplicative(effects, V0_total: float, VT_total: float):
    """Multiplicative LMDI-I factors from the additive effects: ``D_k = exp(ΔV_k / L(V^T, V^0))``.

    NaN (undefined) if either total is zero or the totals differ in sign.
    """
    eff = np.asarray(effects, dtype=float)
    w = logmean(VT_total, V0_total)
    if w == 0:
        return np.full(eff.shape, np.nan)
    return np.exp(eff / w)


def _ratio(num, den):
    num = np.asarray(num, dtype=float)
    den = np.asarray(den, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den != 0, num / np.where(den != 0, den, 1.0), _UNDEF)


def _validate(df: pd.DataFrame, year0, year1, keys: list[str], cols: list[str], where: str):
    missing = [c for c in [*keys, "year", *cols] if c not in df.columns]
    if missing:
        raise InputError(f"{where} lacks column(s) {missing}; expected {', '.join([*keys, 'year', *cols])}")
    years = set(df["year"].tolist())
    for y in (year0, year1):
        if y not in years:
            raise MissingDataError(f"{where} has no rows for year {y}; choose one of the years "
                                   f"present: {show(sorted(years))}")
    sub = df[df["year"].isin([year0, year1])]
    dup = sub.duplicated([*keys, "year"])
    if dup.any():
        raise DuplicateRowError(
            f"{where}: duplicated {'/'.join(keys)}/year rows, e.g. {sub.loc[dup, [*keys, 'year']].iloc[0].tolist()}"
        )
    for c in cols:
        v = pd.to_numeric(sub[c], errors="coerce")
        if v.isna().any():
            raise InputError(f"{where}: column {c!r} has missing or non-numeric values")
    for c in ("output", "energy"):
        if c in cols and (sub[c] < 0).any():
            raise NegativeValueError(f"{where}: negative {c} in {int((sub[c] < 0).sum())} row(s)")
    return sub


def _wide(sub, keys, cols, year0, year1, where):
    w = sub.pivot_table(index=keys, columns="year", values=cols, aggfunc="sum", sort=False)
    present = sub.groupby(keys, sort=False)["year"].nunique()
    if (present < 2).any():
        warnings.warn(
            f"{where}: {int((present < 2).sum())} item(s) appear in one year only; "
            "their missing year is taken as zero", DataQualityWarning, stacklevel=3,
        )
    w = w.fillna(0.0)
    return {(c, y): w[(c, y)] for c in cols for y in (year0, year1)}


def _maybe_attach(df: pd.DataFrame) -> pd.DataFrame:
    try:
        return _regions.attach_codes(df, "region")
    except InputError:
        return df


def lmdi_decompose(
    df: pd.DataFrame, year0, year1, *, by: str | None = "region", energy_mix: bool = False,
) -> pd.DataFrame:
    """LMDI-I decomposition of each region's emission change (scale, structure, technique).

    Parameters
    ----------
    df : DataFrame
        Long table ``region, sector, year, output, emissions`` (any output unit,
        emissions in one unit, e.g. Mt CO2).  With ``energy_mix=True`` also
        ``fuel`` and ``energy`` (one row per region, sector, fuel, year;
        ``output`` repeated on each fuel row of a sector).
    year0, year1 : int
        Base and final year.
    by : str or None
        Column that defines the units decomposed separately (default
        ``region``); ``None`` pools all rows into one national decomposition
        whose items are the region-sectors (structure = each region-sector's
        share of national output).
    energy_mix : bool
        Split the technique effect into ``energy_intensity``, ``energy_mix``
        and ``emission_factor``.

    Returns
    -------
    DataFrame
        One row per region: ``region`` (+ ``region_code`` for provinces),
        ``C0``, ``C1``, additive ``scale``, ``structure``, ``technique``
        (``+ energy_intensity, energy_mix, emission_factor``), ``total``
        (= C1 − C0 exactly; emission units) and multiplicative ``D_scale``,
        ``D_structure``, ``D_technique`` (…), ``D_total`` (= C1/C0).

    Raises
    ------
    MissingDataError, DuplicateRowError, NegativeValueError, ZeroCapacityError, ModelError
    """
    cols = ["output", "emissions"] + (["energy"] if energy_mix else [])
    item = ["sector"] + (["fuel"] if energy_mix else [])
    if by is None and "region" in df.columns:
        item = ["region"] + item  # national: the items are region-sectors (pooled)
    keys = ([by] if by else []) + item
    where = "decomposition table"
    sub = _validate(df, year0, year1, keys, cols, where).copy()
    if by is None:
        sub["_all"] = "all"
        by = "_all"
        keys = [by] + item
    # the levels naming one sector of one unit (the output belongs to it, not to a fuel)
    sector_levels = [k for k in keys if k != "fuel"]
    rows = []
    for unit, g in sub.groupby(by, sort=False):
        w = _wide(g, keys, cols, year0, year1, where)
        idx = w[("output", year0)].index
        C0 = w[("emissions", year0)].to_numpy()
        C1 = w[("emissions", year1)].to_numpy()
        # output of a sector (per fuel row in energy mode: take it once per sector)
        if energy_mix:
            sect = pd.MultiIndex.from_arrays([idx.get_level_values(k) for k in sector_levels])
            Qi0 = w[("output", year0)].groupby(level=sector_levels, sort=False).max()
            Qi1 = w[("output", year1)].groupby(level=sector_levels, sort=False).max()
            q0 = Qi0.reindex(sect).to_numpy()
            q1 = Qi1.reindex(sect).to_numpy()
            Q0, Q1 = Qi0.sum(), Qi1.sum()
        else:
            q0 = w[("output", year0)].to_numpy()
            q1 = w[("output", year1)].to_numpy()
            Q0, Q1 = q0.sum(), q1.sum()
        for y, Q in ((year0, Q0), (year1, Q1)):
            if Q <= 0:
                raise ZeroCapacityError(f"{where}: {unit} has zero total output in {y}; cannot form shares")
        if np.any((q0 == 0) & (C0 != 0)) or np.any((q1 == 0) & (C1 != 0)):
            raise InputError(f"{where}: {unit} has emissions in a sector with zero output")
        X0 = [np.full_like(q0, Q0), q0 / Q0]
        X1 = [np.full_like(q1, Q1), q1 / Q1]
        names = ["scale", "structure"]
        if energy_mix:
            e0 = w[("energy", year0)].to_numpy()
            e1 = w[("energy", year1)].to_numpy()
            Ei0 = pd.Series(e0, index=idx).groupby(level=sector_levels, sort=False).transform("sum").to_numpy()
            Ei1 = pd.Series(e1, index=idx).groupby(level=sector_levels, sort=False).transform("sum").to_numpy()
            if np.any((e0 == 0) & (C0 != 0)) or np.any((e1 == 0) & (C1 != 0)):
                raise InputError(f"{where}: {unit} has emissions from a fuel with zero energy use")
            X0 += [_ratio(Ei0, q0), _ratio(e0, Ei0), _ratio(C0, e0)]
            X1 += [_ratio(Ei1, q1), _ratio(e1, Ei1), _ratio(C1, e1)]
            names += ["energy_intensity", "energy_mix", "emission_factor"]
        else:
            X0.append(_ratio(C0, q0))
            X1.append(_ratio(C1, q1))
            names.append("technique")
        eff = calc_lmdi(C0, C1, np.column_stack(X0), np.column_stack(X1)).sum(axis=0)
        row = {"region": unit, "C0": C0.sum(), "C1": C1.sum()}
        row.update(dict(zip(names, eff)))
        if energy_mix:
            row["technique"] = eff[2:].sum()
        row["total"] = C1.sum() - C0.sum()
        allnames = names + (["technique"] if energy_mix else [])
        D = calc_multiplicative([row[k] for k in allnames], C0.sum(), C1.sum())
        for k, d in zip(allnames, D):
            row[f"D_{k}"] = d
        row["D_total"] = float(_ratio(C1.sum(), C0.sum()))
        rows.append(row)
    out = pd.DataFrame(rows)
    if by == "_all":
        out["region"] = "all"
        return out
    if by == "region":
        return _maybe_attach(out)
    return out.rename(columns={"region": by})


def share_shift_transfer(
    df: pd.DataFrame, year0, year1, *, sectors=None,
) -> pd.DataFrame:
    """Carbon transfer implied by shifts in provinces' shares of national (energy-intensive) output.

    Parameters
    ----------
    df : DataFrame
        Long table ``region, sector, year, output, emissions`` covering every
        region of the nation (the national total is the sum of the rows).
    year0, year1 : int
    sectors : list, optional
        The energy-intensive sectors (default: every sector in the table).

    Returns
    -------
    DataFrame
        One row per region: ``share0``, ``share1`` (of the selected sectors'
        national output, summed over sectors), ``output_transfer`` and
        ``carbon_transfer`` (positive = received), emission units.

    Notes
    -----
    For sector ``i`` and region ``r``: ``s_ri = Q_ri / Σ_r Q_ri``,
    ``ΔQ_ri = (s_ri^1 - s_ri^0) · Q_i^1`` (output the region gained or lost
    because its share moved, valued at final-year national output), and
    ``ΔC_ri = ΔQ_ri · I_ri`` with the region's intensity ``I_ri = C_ri / Q_ri``
    in the final year (base year if the region no longer produces ``i``).
    ``Σ_r ΔQ_ri = 0``; ``Σ_r ΔC_ri`` is the national emission change caused by
    relocation alone (positive: industry moved to dirtier regions).
    """
    where = "share-shift table"
    sub = _validate(df, year0, year1, ["region", "sector"], ["output", "emissions"], where)
    if sectors is not None:
        unknown = sorted(set(sectors) - set(sub["sector"]))
        if unknown:
            raise InputError(f"{where}: sector(s) {unknown} not in the table")
        sub = sub[sub["sector"].isin(list(sectors))]
    w = _wide(sub, ["region", "sector"], ["output", "emissions"], year0, year1, where)
    q0, q1 = w[("output", year0)], w[("output", year1)]
    c0, c1 = w[("emissions", year0)], w[("emissions", year1)]
    n0 = q0.groupby(level="sector").transform("sum")
    n1 = q1.groupby(level="sector").transform("sum")
    if (n0 <= 0).any() or (n1 <= 0).any():
        raise ZeroCapacityError(f"{where}: a sector has zero national output in one of the years")
    s0, s1 = q0 / n0, q1 / n1
    dq = (s1 - s0) * n1
    inten = pd.Series(np.where(q1 > 0, _ratio(c1, q1), _ratio(c0, q0)), index=q1.index)
    inten = inten.fillna(0.0)
    dc = dq * inten
    long = pd.DataFrame({"share0": s0, "share1": s1, "output_transfer": dq, "carbon_transfer": dc})
    per_region = long.groupby(level="region", sort=False).sum()
    nat0 = q0.groupby(level="region", sort=False).sum() / q0.sum()
    nat1 = q1.groupby(level="region", sort=False).sum() / q1.sum()
    per_region["share0"], per_region["share1"] = nat0, nat1
    return _maybe_attach(per_region.reset_index())
