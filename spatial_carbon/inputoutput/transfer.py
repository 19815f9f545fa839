"""Two-period interregional industrial transfer, carbon transfer and carbon leakage (seed 003).

Seed 003 (肖雁飞, 万子捷, 刘红光 2014, 财经研究) studies China's interregional IO
tables of 2002 and 2007 (8 regions x 17 sectors).  Its model, as printed
(eqs. 1-8; the OCR'd formulas are reconstructed from the text around them):

* eq. 1: ``X = (I - A)^-1 Y``, "Y 代表最终消费" (final consumption); the text
  below eq. 4 calls Y final demand (最终需求) - see ``final_demand=``;
* eq. 3: for regions J, K, ``[X_JJ X_JK; X_KJ X_KK] = (I - A)^-1 [Y_JJ Y_JK;
  Y_KJ Y_KK]``: ``X^{rs} = [L Y_{·s}]_r`` is the output of region ``r``
  induced by the final demand of region ``s``;
* eq. 4: ``ΔX = X_{t+1} - X_t``; ``ΔX^{rs}`` (``r ≠ s``) is the
  consumption-driven industrial transfer from ``s`` to ``r``;
* eqs. 5, 8: carbon transfer ``ΔC = S ΔX`` "假设碳排放系数不变" - the
  coefficient of the region where the output moved (转入区), 2007 values
  for both periods (its Table 2, :func:`seed003_coefficients`);
* eqs. 6-7: the same with the final-demand matrix replaced by the export
  matrix (exports of ``s`` in ``s``'s column): ``X^{rs,E} = [L Ê_s]_r``,
  export-driven transfer;
* net transfer of a pair: the two directions subtracted; per region
  inflow − outflow;
* leakage: "两两区域某种产业转移量，乘以两个区域间该产业碳排放系数差":
  ``leakage_{s→r} = Σ_i ΔX^{rs}_i (S_{r,i} - S_{s,i})`` (> 0: production
  moved to where it emits more);
* non-competitive imports: "把进口部分从总产出中减除" - imports are removed
  from the intermediate and final-demand blocks (``imports=``).

Both tables must be in the same (constant) prices; deflating is the
caller's job.  No library implements this decomposition; it is a few
solves on top of :mod:`spatial_carbon.inputoutput.iomath` (no explicit
inverse).  Units: with tables in 10^8 yuan and ``S`` in t CO2 per 10^4
yuan (the seed's units) carbon comes out in 10^4 t CO2 (the seed's "Wt").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from spatial_carbon.errors import InputError, show
from spatial_carbon.inputoutput.iomath import _Factor, check_labels

FinalDemand = Literal["consumption", "all"]
Imports = Literal["non_competitive", "competitive"]
FINAL_DEMANDS = ("consumption", "all")
IMPORTS = ("non_competitive", "competitive")

#: Final-demand category names recognised as final consumption (eq. 1): rural and urban
#: household consumption and government consumption, in English or Chinese.
_CONSUMPTION = re.compile(r"consum|household|government|居民|消费|政府", re.I)
#: ... and as capital formation (gross fixed capital formation, changes in inventories).
_CAPITAL = re.compile(r"capital|gfcf|inventor|stock|资本形成|存货|库存", re.I)
_SUBTOTAL = re.compile(r"total|subtotal|合计|小计|总计", re.I)


@dataclass
class Transfer:
    """Result of :func:`two_period_transfer` / :func:`transfer_from_tables`.

    Attributes
    ----------
    by_sector : DataFrame
        ``origin, destination, sector`` (ordered pairs, ``origin ≠
        destination``; origin = the region whose final demand or exports
        changed, destination = the producing region) with ``output_fd,
        output_export, output_transfer`` (ΔX), ``carbon_fd, carbon_export,
        carbon_transfer`` (``S_dest ΔX``) and ``leakage_fd, leakage_export,
        leakage`` (``ΔX (S_dest - S_origin)``).
    pairs : DataFrame
        The same summed over sectors, plus ``net_output_transfer``,
        ``net_carbon_transfer`` (origin→destination minus the reverse),
        ``reverse_leakage`` (leakage of the reverse transfer) and
        ``net_leakage = leakage + reverse_leakage`` (= Σ_i (ΔX^{rs}_i −
        ΔX^{sr}_i)(S_{r,i} − S_{s,i}), the leakage of the pair's net
        transfer), ``share_of_total`` (pair's share of the national sum of
        positive output transfers) and ``share_of_inflow`` (share of the
        destination's positive inflow).
    regions : DataFrame
        Seed 003 Table 3, per region and driver: ``output_in_fd,
        output_out_fd, net_output_fd, carbon_in_fd, carbon_out_fd,
        net_carbon_fd``, the same ``*_export``, and the totals ``output_in,
        output_out, net_output, carbon_in, carbon_out, net_carbon``;
        ``leakage_caused`` (leakage of the transfers originating in the
        region).  Carbon out is valued with the receiving region's
        coefficients, so ``Σ_r net_carbon = 0``.
    emissions : DataFrame or None
        Seed 003 Table 5 (when built from tables): ``period, region,
        fd_driven, export_driven, total`` (``S`` × induced output).
    final_demand, imports : str
        The choices used (also a column of ``pairs`` and ``regions``).
    """

    by_sector: pd.DataFrame
    pairs: pd.DataFrame
    regions: pd.DataFrame
    emissions: pd.DataFrame | None = None
    final_demand: str = "given"
    imports: str = "given"
    notes: list = field(default_factory=list)


# --------------------------------------------------------------------------- coefficients
def seed003_coefficients() -> pd.Series:
    """Seed 003's Table 2: 2007 carbon coefficients, t CO2 per 10^4 yuan (package data).

    Returns
    -------
    Series
        Indexed ``(region, sector)``: the 8 regions of ``seed003_8``
        (``Northeast, Jing-Jin, Northern coast, Eastern coast, Southern
        coast, Central, Northwest, Southwest``) and the sector codes
        ``"01"``-``"17"``; 136 values.  Provenance and the transcription
        check in ``spatial_carbon/data/seed003_coefficients_2007.md``
        (sector 13 Northwest 0.749 is kept as printed).
    """
    from spatial_carbon.inputoutput.concordance import _load

    df = _load("seed003_coefficients_2007.csv")
    regs = [c for c in df.columns if c not in ("sector", "sector_zh", "sector_en")]
    long = df.melt(id_vars="sector", value_vars=regs, var_name="region", value_name="coefficient")
    s = long.set_index(["region", "sector"])["coefficient"].astype(float)
    return s.rename("t CO2 per 10^4 yuan")


def _norm(label) -> str:
    s = re.sub(r"[\s,，、;；.·()（）\-_/]+", "", str(label)).lower()
    s = re.sub(r"地区$|region$", "", s)
    return str(int(s)) if s.isdigit() else s


_REGION_ZH = {"东北": "Northeast", "京津": "Jing-Jin", "北部沿海": "Northern coast",
              "东部沿海": "Eastern coast", "南部沿海": "Southern coast", "中部": "Central",
              "西北": "Northwest", "西南": "Southwest"}


def coefficients_for(index: pd.MultiIndex, coefficients: pd.Series | None = None) -> pd.Series:
    """Carbon coefficients aligned to a table's ``(region, sector)`` labels.

    Parameters
    ----------
    index : MultiIndex
        The table's ``(region, sector)`` labels.
    coefficients : Series, optional
        Indexed ``(region, sector)``; default :func:`seed003_coefficients`.
        Labels are matched exactly first; for the bundled table, regions may
        also be named in Chinese (``东北`` / ``东北地区``) and sectors by code
        (``1``, ``"01"``), Chinese or English name.

    Raises
    ------
    InputError
        A table label has no coefficient (the message names up to 10).
    """
    bundled = coefficients is None
    S = seed003_coefficients() if bundled else coefficients.astype(float)
    exact = S.reindex(index)
    if not exact.isna().any():
        return exact
    reg_alias = {_norm(r): r for r in S.index.get_level_values(0)}
    sec_alias = {_norm(s): s for s in S.index.get_level_values(1)}
    if bundled:
        from spatial_carbon.inputoutput.concordance import seed003_sectors

        reg_alias.update({_norm(k): v for k, v in _REGION_ZH.items()})
        for _, r in seed003_sectors().iterrows():
            for a in (r["sector"], r["sector_zh"], r["sector_en"]):
                sec_alias[_norm(a)] = r["sector"]
    keys = [(reg_alias.get(_norm(r), r), sec_alias.get(_norm(s), s)) for r, s in index]
    out = S.reindex(pd.MultiIndex.from_tuples(keys))
    if out.isna().any():
        bad = [index[i] for i in np.flatnonzero(out.isna().to_numpy())]
        raise InputError(
            f"no carbon coefficient for {len(bad)} (region, sector) label(s) of the table, e.g. "
            f"{show(bad)}; name regions as {show(sorted(set(S.index.get_level_values(0))))} and "
            "sectors by the coefficient table's labels"
        )
    return pd.Series(out.to_numpy(), index=index, name=S.name)


# --------------------------------------------------------------------------- final demand, imports
def classify_final_demand(categories) -> pd.Series:
    """``category -> "consumption" | "capital" | "unknown"`` for final-demand column names.

    Consumption: names with consumption/household/government (消费, 居民,
    政府), e.g. 农村居民消费, 城镇居民消费, 政府消费; capital formation:
    capital/inventories (资本形成, 存货).  Subtotals (total, 合计, 小计)
    are an error: summed with their parts they would count twice.
    """
    out = {}
    for c in categories:
        name = str(c)
        if _SUBTOTAL.search(name):
            raise InputError(
                f"final-demand column {name!r} looks like a subtotal; remove subtotal columns "
                "(they would be counted twice with their parts)"
            )
        out[c] = ("capital" if _CAPITAL.search(name) else
                  "consumption" if _CONSUMPTION.search(name) else "unknown")
    return pd.Series(out, name="kind")


def select_final_demand(Y_categories: pd.DataFrame, final_demand: FinalDemand = "consumption") -> pd.DataFrame:
    """Final demand per consuming region from the per-category columns of a table.

    Parameters
    ----------
    Y_categories : DataFrame
        Columns MultiIndex ``(consuming region, category)`` (``split_wide``'s
        ``Y_categories``).
    final_demand : {"consumption", "all"}
        ``consumption`` (default, seed 003 eq. 1: "Y 代表最终消费"): rural and
        urban household and government consumption only; ``all``: every
        final-demand category, including gross fixed capital formation and
        changes in inventories (the text below eq. 4 says "最终需求").

    Raises
    ------
    InputError
        ``consumption`` with a category that is neither consumption nor
        capital formation (the message lists them and the recognised words).
    """
    if final_demand not in FINAL_DEMANDS:
        raise InputError(f"unknown final_demand {final_demand!r}; use one of {', '.join(FINAL_DEMANDS)}")
    cats = list(dict.fromkeys(Y_categories.columns.get_level_values(1)))
    kind = classify_final_demand(cats)
    if final_demand == "consumption":
        unknown = [c for c in cats if kind[c] == "unknown"]
        if unknown:
            raise InputError(
                f"final-demand categories {show(unknown)} are neither consumption (household, "
                "government; 居民/政府消费) nor capital formation (资本形成, 存货); rename them or "
                "use final_demand='all'"
            )
        keep = [c for c in Y_categories.columns if kind[c[1]] == "consumption"]
        if not keep:
            raise InputError("the table has no final-consumption columns (household or government "
                             "consumption); use final_demand='all'")
        Y = Y_categories[keep]
    else:
        Y = Y_categories
    return Y.T.groupby(level=0, sort=False).sum().T


def domestic_share_irio(Z: pd.DataFrame, Y_categories: pd.DataFrame, imports: pd.Series) -> pd.Series:
    """Domestic share of each row's supply, ``δ_i = 1 - M_i / (Σ_j z_ij + Σ_k y_ik)``.

    The non-competitive treatment of a competitive interregional table:
    imports of row ``i`` are assumed to serve its intermediate and domestic
    final uses in proportion (not exports), so ``A^d = δ̂ A`` and ``Y^d =
    δ̂ Y``; then ``x = A^d x + Y^d 1 + E (+ other)`` holds exactly.

    Raises
    ------
    InputError
        Imports larger than the uses they serve (``δ_i < 0``).
    """
    use = Z.sum(axis=1).to_numpy() + Y_categories.sum(axis=1).to_numpy()
    m = imports.reindex(Z.index).to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        d = np.where(use != 0, 1.0 - m / np.where(use != 0, use, 1.0), 1.0)
    bad = d < -1e-12
    if bad.any():
        raise InputError(
            f"imports exceed intermediate plus domestic final use in {int(bad.sum())} row(s), e.g. "
            f"{show(list(Z.index[bad]))}; the non-competitive treatment cannot apply - check the "
            "import column's sign or use imports='competitive'"
        )
    return pd.Series(np.clip(d, 0.0, None), index=Z.index, name="domestic_share")


# --------------------------------------------------------------------------- core
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


def emissions_by_driver(induced: dict, S: pd.Series) -> pd.DataFrame:
    """Seed 003 Table 5: emissions of each producing region by driver, ``S × induced output``.

    Parameters
    ----------
    induced : dict
        :func:`induced_output` of one period.
    S : Series
        Carbon coefficients indexed like ``A``.

    Returns
    -------
    DataFrame
        ``region, fd_driven, export_driven, total``: ``Σ_i S_{r,i} [L Y 1]_{r,i}``
        (all regions' final demand, own included), ``Σ_i S_{r,i} [L E]_{r,i}``
        and their sum (the seed's "总产出碳排放").
    """
    idx = induced["fd"].index
    check_labels(idx, S.index, "labels (carbon coefficients vs table)")
    s = S.to_numpy(dtype=float)
    lvl = idx.get_level_values(0)
    fd = pd.Series(s * induced["fd"].to_numpy().sum(axis=1), index=idx).groupby(lvl, sort=False).sum()
    ex = pd.Series(s * induced["export"].to_numpy().sum(axis=1), index=idx).groupby(lvl, sort=False).sum()
    out = pd.DataFrame({"fd_driven": fd, "export_driven": ex})
    out["total"] = out["fd_driven"] + out["export_driven"]
    return out.rename_axis("region").reset_index()


def two_period_transfer(
    A0: pd.DataFrame, Y0: pd.DataFrame, A1: pd.DataFrame, Y1: pd.DataFrame, S: pd.Series,
    *, exports0: pd.Series | None = None, exports1: pd.Series | None = None,
) -> Transfer:
    """Industrial and carbon transfer between regions from period 0 to period 1.

    Parameters
    ----------
    A0, A1 : DataFrame
        Technical coefficients (domestic ones for the non-competitive
        model), MultiIndex ``(region, sector)``, identical labels.
    Y0, Y1 : DataFrame
        Final demand per consuming region (columns = the same regions as the
        rows), constant prices.  Which categories it holds is the caller's
        choice (:func:`select_final_demand`).
    S : Series
        Carbon coefficients indexed ``(region, sector)``, t CO2 per monetary
        unit of the tables (seed 003: 2007 coefficients, t CO2 per 10^4 yuan,
        applied to both periods).
    exports0, exports1 : Series, optional
        Foreign exports by producing ``(region, sector)``.

    Returns
    -------
    Transfer
        ``emissions`` holds Table 5 for both periods.
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
    if S.isna().any():
        raise InputError(f"carbon coefficients missing for {int(S.isna().sum())} (region, sector) label(s)")
    i0 = induced_output(A0, Y0, exports0)
    i1 = induced_output(A1, Y1, exports1)
    dfd = (i1["fd"] - i0["fd"]).reindex(columns=regs, fill_value=0.0)
    dex = (i1["export"] - i0["export"]).reindex(columns=regs, fill_value=0.0)
    lvl = A0.index.get_level_values(0)
    sect = A0.index.get_level_values(1)
    s = S.astype(float)
    sv = s.to_numpy()
    pos = {r: np.flatnonzero(lvl == r) for r in regs}
    rows = []
    for o in regs:             # origin: region whose demand/exports moved production
        for d in regs:         # destination: producing region
            if o == d:
                continue
            m = pos[d]
            sec = list(sect[m])
            fd_v = dfd[o].to_numpy()[m]
            ex_v = dex[o].to_numpy()[m]
            s_dest = sv[m]
            s_orig = s.reindex(pd.MultiIndex.from_arrays([[o] * len(sec), sec])).to_numpy()
            if np.isnan(s_orig).any():
                raise InputError(f"carbon coefficients missing for region {show(o)} in some sectors "
                                 f"(the destination {show(d)} has sectors {show(sec[:5])}...)")
            diff = s_dest - s_orig
            rows.append(pd.DataFrame({
                "origin": o, "destination": d, "sector": sec,
                "output_fd": fd_v, "output_export": ex_v, "output_transfer": fd_v + ex_v,
                "carbon_fd": s_dest * fd_v, "carbon_export": s_dest * ex_v,
                "carbon_transfer": s_dest * (fd_v + ex_v),
                "leakage_fd": fd_v * diff, "leakage_export": ex_v * diff,
                "leakage": (fd_v + ex_v) * diff,
            }))
    by_sector = pd.concat(rows, ignore_index=True)
    cols = ["output_fd", "output_export", "output_transfer", "carbon_fd", "carbon_export",
            "carbon_transfer", "leakage_fd", "leakage_export", "leakage"]
    pairs = by_sector.groupby(["origin", "destination"], sort=False)[cols].sum().reset_index()
    rev = pairs.set_index(["destination", "origin"])[["output_transfer", "carbon_transfer", "leakage"]]
    rev.index.names = ["origin", "destination"]
    key = pd.MultiIndex.from_frame(pairs[["origin", "destination"]])
    rv = rev.reindex(key)
    pairs["net_output_transfer"] = pairs["output_transfer"].to_numpy() - rv["output_transfer"].to_numpy()
    pairs["net_carbon_transfer"] = pairs["carbon_transfer"].to_numpy() - rv["carbon_transfer"].to_numpy()
    pairs["reverse_leakage"] = rv["leakage"].to_numpy()
    pairs["net_leakage"] = pairs["leakage"] + pairs["reverse_leakage"]
    pos_ = pairs["output_transfer"].clip(lower=0.0)
    tot = pos_.sum()
    pairs["share_of_total"] = pos_ / tot if tot > 0 else np.nan
    inflow = pos_.groupby(pairs["destination"]).transform("sum")
    pairs["share_of_inflow"] = np.where(inflow > 0, pos_ / inflow.where(inflow > 0, 1.0), np.nan)
    out_o = pairs.groupby("origin", sort=False)[cols].sum()
    in_d = pairs.groupby("destination", sort=False)[cols].sum()
    reg = pd.DataFrame(index=pd.Index(regs, name="region"))
    for drv, oc, cc in (("_fd", "output_fd", "carbon_fd"), ("_export", "output_export", "carbon_export"),
                        ("", "output_transfer", "carbon_transfer")):
        reg[f"output_in{drv}"] = in_d[oc]
        reg[f"output_out{drv}"] = out_o[oc]
        reg[f"net_output{drv}"] = reg[f"output_in{drv}"] - reg[f"output_out{drv}"]
        reg[f"carbon_in{drv}"] = in_d[cc]
        reg[f"carbon_out{drv}"] = out_o[cc]
        reg[f"net_carbon{drv}"] = reg[f"carbon_in{drv}"] - reg[f"carbon_out{drv}"]
    reg["leakage_caused"] = out_o["leakage"]
    em = pd.concat([emissions_by_driver(i0, s).assign(period=0), emissions_by_driver(i1, s).assign(period=1)],
                   ignore_index=True)
    em = em[["period", "region", "fd_driven", "export_driven", "total"]]
    return Transfer(by_sector=by_sector, pairs=pairs, regions=reg.reset_index(), emissions=em)


def transfer_from_tables(
    parts0: dict, parts1: dict, S: pd.Series | None = None, *, exports: bool = True,
    final_demand: FinalDemand = "consumption", imports: Imports = "non_competitive",
) -> Transfer:
    """Seed 003's method on two tables split by :func:`spatial_carbon.inputoutput.readers.split_wide`.

    Parameters
    ----------
    parts0, parts1 : dict
        ``Z, Y_categories, exports, imports, other, x`` of each period.
    S : Series, optional
        Carbon coefficients ``(region, sector)``; default the seed's Table 2
        (:func:`seed003_coefficients`, matched to the table's labels by
        :func:`coefficients_for`).
    exports : bool
        Include export-driven transfer (eqs. 6-8).
    final_demand : {"consumption", "all"}
        Y of eq. 1: final consumption (default, rural + urban household +
        government consumption) or all final demand including capital
        formation (:func:`select_final_demand`).
    imports : {"non_competitive", "competitive"}
        ``non_competitive`` (default, the seed's "非竞争型"): imports removed
        from the intermediate and final blocks in proportion,
        ``A^d = δ̂ A``, ``Y^d = δ̂ Y`` (:func:`domestic_share_irio`);
        ``competitive``: ``A = Z x̂^-1`` and ``Y`` as given (imported inputs
        then count as domestic production).

    Returns
    -------
    Transfer
        With ``final_demand`` and ``imports`` recorded as attributes and as
        columns of ``pairs`` and ``regions``.

    Notes
    -----
    ``A = Z x̂^-1`` with ``x`` the table's total output (or ``Z1 + Y1 + E - M
    + other`` when it has none).
    """
    from spatial_carbon.inputoutput.iomath import calc_A

    if imports not in IMPORTS:
        raise InputError(f"unknown imports treatment {imports!r}; use one of {', '.join(IMPORTS)}")
    idx = parts0["Z"].index
    S = coefficients_for(idx, S)
    A, Y = [], []
    for p in (parts0, parts1):
        ycat = p.get("Y_categories")
        if ycat is None:  # older split: one column per region
            ycat = pd.concat({"final demand": p["Y"]}, axis=1).swaplevel(axis=1)
        x = p["x"]
        if x is None:
            x = p["Z"].sum(axis=1) + ycat.sum(axis=1) + p["exports"] - p["imports"] + p["other"]
        a = calc_A(p["Z"], x)
        if imports == "non_competitive":
            d = domestic_share_irio(p["Z"], ycat, p["imports"])
            a = a.mul(d, axis=0)
            ycat = ycat.mul(d, axis=0)
        A.append(a)
        Y.append(select_final_demand(ycat, final_demand))
    e0, e1 = (parts0["exports"], parts1["exports"]) if exports else (None, None)
    res = two_period_transfer(A[0], Y[0], A[1], Y[1], S, exports0=e0, exports1=e1)
    res.final_demand, res.imports = final_demand, imports
    for t in (res.pairs, res.regions, res.emissions):
        t["final_demand"] = final_demand
        t["imports"] = imports
    return res


# --------------------------------------------------------------------------- seed tables 4 and leakage
def inflow_shares(result: Transfer) -> pd.DataFrame:
    """Seed 003 Table 4: each region's share of the national industrial and carbon inflow (%).

    For each driver (``fd``, ``export``, ``total``) and quantity (output,
    carbon): region ``r``'s inflow ``Σ_{s≠r} max(T^{rs}, 0)`` (pair totals;
    a pair whose transfer fell contributes nothing) divided by the sum of
    all regions' inflows, in percent.  Every column sums to 100, as the
    seed's columns do (to within its rounding; its "total industry" column
    sums to 101.15 - docs/io.md).

    Returns
    -------
    DataFrame
        ``region, output_share_fd, carbon_share_fd, output_share_export,
        carbon_share_export, output_share, carbon_share`` (percent).
    """
    p = result.pairs
    out = pd.DataFrame(index=pd.Index(result.regions["region"], name="region"))
    for drv, oc, cc in (("_fd", "output_fd", "carbon_fd"), ("_export", "output_export", "carbon_export"),
                        ("", "output_transfer", "carbon_transfer")):
        for name, col in ((f"output_share{drv}", oc), (f"carbon_share{drv}", cc)):
            v = p[col].clip(lower=0.0).groupby(p["destination"], sort=False).sum().reindex(out.index, fill_value=0.0)
            tot = v.sum()
            out[name] = 100 * v / tot if tot > 0 else np.nan
    return out.reset_index()


def leakage_pairs(result: Transfer) -> pd.DataFrame:
    """Carbon leakage of every region pair, in both directions and net.

    Returns
    -------
    DataFrame
        One row per unordered pair ``region_a, region_b`` (in the regions'
        order): ``leakage_a_to_b`` (transfer from a to b, ``Σ_i ΔX^{ba}_i
        (S_{b,i} - S_{a,i})``) with its ``_fd``/``_export`` parts,
        ``leakage_b_to_a`` likewise, and ``net_leakage = leakage_a_to_b +
        leakage_b_to_a`` (the leakage of the pair's net transfer, a → b
        positive); units of ``S`` × output.
    """
    p = result.pairs.set_index(["origin", "destination"])
    regs = list(result.regions["region"])
    rows = []
    for i, a in enumerate(regs):
        for b in regs[i + 1:]:
            ab, ba = p.loc[(a, b)], p.loc[(b, a)]
            rows.append({
                "region_a": a, "region_b": b,
                "leakage_a_to_b": ab["leakage"], "leakage_a_to_b_fd": ab["leakage_fd"],
                "leakage_a_to_b_export": ab["leakage_export"],
                "leakage_b_to_a": ba["leakage"], "leakage_b_to_a_fd": ba["leakage_fd"],
                "leakage_b_to_a_export": ba["leakage_export"],
                "net_leakage": ab["leakage"] + ba["leakage"],
            })
    return pd.DataFrame(rows)


def transfer_flows(pairs: pd.DataFrame, value: str = "net_carbon_transfer") -> pd.DataFrame:
    """Generic flow table ``origin, destination, value`` for the flow-map helper.

    ``net_carbon_transfer`` / ``net_output_transfer`` (origin → destination
    minus the reverse): each pair once, in the direction of its positive net
    value.  ``leakage``: every ordered pair whose transfer raised national
    emissions (``leakage_{s→r} > 0``, drawn s → r; both directions of a
    pair can appear); transfers that lowered them (negative leakage) are not
    flows and are left out - they are in ``pairs``.  (``net_leakage`` is
    symmetric in the pair and has no direction: use ``leakage_pairs``.)
    """
    if value == "net_leakage":
        raise InputError("net_leakage has no direction (it is the same for a -> b and b -> a); "
                         "map 'leakage' (directional) or 'net_carbon_transfer'")
    if value not in pairs.columns:
        raise InputError(f"no column {value!r} in the transfer pairs")
    t = pairs[pairs[value] > 0][["origin", "destination", value]].rename(columns={value: "value"})
    return t.reset_index(drop=True)
