"""Three-dimensional industrial carbon footprint (seed 001): ICF, CEC, deficit/surplus, size, depth.

From industrial carbon emissions (ICE) and carbon sinks (CS, see
:mod:`spatial_carbon.footprint.sinks`) per region-year:

    D      = sum_i NEP_i * P_i                       (t hm^-2 a^-1)
    ICF    = ICE / D                                 (hm2)
    CEC    = CS / D                                  (hm2)
    ICD    = ICF - CEC  if ICF > CEC else 0          (deficit, hm2)
    ICS    = CEC - ICF  if ICF < CEC else 0          (surplus, hm2)
    ICF_size  = min(ICF, CEC)                        (hm2)
    ICF_depth = 1 + max(ICF - CEC, 0) / CEC          (dimensionless, >= 1)

with NEP_i the absorption rate of class i (forest, grassland; Xie et al.
2008) and P_i its share in carbon absorption.  Per-capita values are in
hm2 per person.  Trends: average annual growth rates over chosen periods and
a linear CEC projection.  The gas basis of ICE is explicit (``basis``
column); see ``docs/footprint.md``.
"""

from __future__ import annotations

import re
import warnings
from typing import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from .. import _tables, units
from ..errors import (DataQualityWarning, InputError, MissingDataError, UnitError,
                      UnmatchedRegionsWarning, ZeroCapacityError, shortlist)
from .sinks import _rates_table

#: Core output columns of :func:`compute`, in order.
CORE_COLUMNS = (
    "region_code", "region", "year", "ICE", "CS", "ICF", "CEC", "ICD", "ICS",
    "ICF_size", "ICF_depth",
)
#: Per-capita columns added by :func:`per_capita` (hm2 per person).
PER_CAPITA_COLUMNS = ("ICF_pc", "CEC_pc", "ICF_size_pc")
#: D = sum_i NEP_i P_i, the rate ICE and CS are divided by (t hm^-2 a^-1).
D_COLUMN = "D_t_per_hm2_a"
#: Average annual growth rate of :func:`growth_rates` (fraction per year).
GROWTH_COLUMN = "growth_rate_per_year"

_GAS_RE = re.compile(r"^(?:ICE_)?(CO2|C)_(.+)$", re.IGNORECASE)
_POP_RE = re.compile(r"^population(?:_(.+))?$", re.IGNORECASE)
_INDICATORS = (
    "ICE", "CS", "ICF", "CEC", "ICD", "ICS", "ICF_size", "ICF_depth",
    "ICF_pc", "CEC_pc", "ICF_size_pc",
)


def _ice_column(df: pd.DataFrame, column: str | None, where: str) -> tuple[str, str, str]:
    """(column, gas, unit) of the emissions column; its name must say the unit."""
    if column is not None:
        if column not in df.columns:
            raise InputError(f"{where} has no column {column!r}")
        hits = [column]
    else:
        hits = [c for c in df.columns if _GAS_RE.match(str(c))]
    if not hits:
        raise InputError(
            f"{where} has no emissions column whose name says gas and unit, such as CO2_t, "
            f"CO2_Mt, C_t or C_10^4t (columns found: {', '.join(map(str, df.columns))})"
        )
    if len(hits) > 1:
        raise InputError(f"{where} has several emissions columns {hits}; choose one with ice_column=")
    m = _GAS_RE.match(str(hits[0]))
    if m is None:
        raise UnitError(f"{where}: column {hits[0]!r} does not say gas and unit (e.g. CO2_Mt)")
    gas, unit = m.group(1).upper(), m.group(2)
    try:
        if units.dimension(unit) != "mass":
            raise UnitError(f"unit {unit!r} is not a mass unit")
    except UnitError as exc:
        raise UnitError(f"{where}: emissions column {hits[0]!r}: {exc}") from None
    return hits[0], gas, unit


def _region_years(df: pd.DataFrame) -> str:
    """'Beijing 1997-1999, 2003; Hebei 2019' for the region-years in ``df``
    (at most 10 regions named, then 'and N more')."""
    parts = []
    key = "region" if "region" in df.columns else "region_code"
    for name, g in df.sort_values([key, "year"]).groupby(key, sort=True):
        parts.append(f"{name} {_years_text(g['year'])}")
    return shortlist(parts, sep="; ")


def _years_text(years: Iterable[int]) -> str:
    ys = sorted(set(int(y) for y in years))
    runs, start, prev = [], None, None
    for y in ys:
        if start is None:
            start = prev = y
        elif y == prev + 1:
            prev = y
        else:
            runs.append((start, prev))
            start = prev = y
    if start is not None:
        runs.append((start, prev))
    return ", ".join(f"{a}" if a == b else f"{a}-{b}" for a, b in runs)


def _prepare_ice(ice: pd.DataFrame, basis: str, column: str | None, where: str) -> pd.DataFrame:
    df = _tables.with_regions(ice, where=where)
    df = _tables.with_year(df, where=where)
    col, gas, unit = _ice_column(df, column, where)
    df = _tables.check_numeric(df, [col], where=where)
    _tables.check_unique(df, ["region_code", "year"], where=where)
    value = units.convert(df[col].to_numpy(dtype="float64"), unit, "t")
    out = df[["region_code", "region", "year"]].copy()
    out["ICE"] = units.to_basis(value, gas, basis)
    return out


def _check_rates(df: pd.DataFrame, classes: list[str], rates: dict[str, float],
                 rates_basis: str, where: str) -> None:
    """The sinks' recorded rates and basis (columns) must be those used here.

    A sinks table without the columns (made elsewhere) cannot be checked:
    a :class:`~spatial_carbon.errors.DataQualityWarning` says so.
    """
    from .sinks import nep_column

    cols = [nep_column(c) for c in classes if nep_column(c) in df.columns]
    if not cols:
        warnings.warn(
            f"{where} does not record its absorption rates (columns "
            f"{', '.join(nep_column(c) for c in classes)}), so it cannot be checked that the "
            "footprint divides by the same rates; make the sinks with spatial_carbon",
            DataQualityWarning, stacklevel=4)
    differ = []
    for c in classes:
        col = nep_column(c)
        if col not in df.columns:
            continue
        v = pd.to_numeric(df[col], errors="coerce").to_numpy(dtype="float64")
        if not np.all(np.isfinite(v)) or not np.allclose(v, v[0], rtol=1e-12, atol=0):
            raise InputError(f"{where}: column {col!r} must hold one absorption rate (t/hm2/a) "
                             "in every row")
        if not np.isclose(v[0], rates[c], rtol=1e-12, atol=0):
            differ.append(f"{c}: {v[0]:g} vs {rates[c]:g} t/hm2/a")
    if differ:
        raise InputError(
            f"{where} was computed with other absorption rates than the footprint uses ("
            + "; ".join(differ) + "); pass the same rates (--rates, nep_forest, nep_grassland) "
            "to the sinks and the footprint"
        )
    if "rates_basis" in df.columns:
        got = sorted(set(df["rates_basis"].astype(str)))
        if got != [rates_basis]:
            raise UnitError(f"{where}: the sinks are in t {'/'.join(got)}/a (rates_basis) but "
                            f"the footprint's rates are in t {rates_basis}/hm2/a; use one basis")


def _prepare_sinks(sinks: pd.DataFrame, rates: dict[str, float], where: str,
                   rates_basis: str = "C") -> tuple[pd.DataFrame, list[str]]:
    df = _tables.with_regions(sinks, where=where)
    df = _tables.with_year(df, where=where)
    classes = [str(c)[3:] for c in df.columns if str(c).startswith("CS_")]
    if "CS" not in df.columns or not classes:
        raise InputError(
            f"{where} needs the columns CS and CS_<class> (e.g. CS_forest, CS_grassland) "
            "as written by spatial_carbon.footprint.sinks.carbon_sink"
        )
    no_rate = [c for c in classes if c not in rates]
    if no_rate:
        raise MissingDataError(
            f"{where} has sink columns for {', '.join(no_rate)} but no absorption rate for them; "
            "pass the same rates that were used for the sinks"
        )
    _check_rates(df, classes, rates, rates_basis, where)
    cols = ["CS"] + [f"CS_{c}" for c in classes]
    df = _tables.check_numeric(df, cols, where=where)
    _tables.check_unique(df, ["region_code", "year"], where=where)
    parts = df[[f"CS_{c}" for c in classes]].sum(axis=1).to_numpy()
    bad = ~np.isclose(parts, df["CS"].to_numpy(), rtol=1e-9, atol=1e-9)
    if bad.any():
        raise InputError(
            f"{where}: CS is not the sum of {', '.join(f'CS_{c}' for c in classes)} for "
            f"{_region_years(df[bad])}; recompute the sinks"
        )
    return df[["region_code", "region", "year"] + cols].copy(), classes


def _drop_regions_without_emissions(ice: pd.DataFrame, sinks: pd.DataFrame) -> pd.DataFrame:
    """Sinks of regions that have no emission data at all (e.g. Tibet, Hong
    Kong, Macau and Taiwan of a 34-unit layer with CEADs) are left out with
    one warning: the footprint is defined where there are emissions."""
    extra = ~sinks["region_code"].isin(set(ice["region_code"]))
    if extra.any():
        gone = sinks.loc[extra].drop_duplicates("region_code")
        warnings.warn(
            f"{len(gone)} region(s) of the sinks table have no emission data and are left out "
            f"of the footprint: {shortlist(gone['region'].astype(str))}",
            UnmatchedRegionsWarning, stacklevel=3)
        sinks = sinks.loc[~extra].reset_index(drop=True)
    return sinks


def _check_coverage(a: pd.DataFrame, b: pd.DataFrame, name_a: str, name_b: str) -> None:
    ka = a[["region_code", "region", "year"]]
    kb = b[["region_code", "year"]]
    # keyed by code and year: display names may differ between tables (ids as given)
    m = ka.merge(kb, on=["region_code", "year"], how="outer", indicator=True)
    m["region"] = m["region"].fillna(m["region_code"].map(
        dict(zip(b["region_code"], b["region"].astype(str)))))
    only_a, only_b = m[m["_merge"] == "left_only"], m[m["_merge"] == "right_only"]
    if len(only_a) or len(only_b):
        msg = []
        if len(only_a):
            msg.append(f"only in {name_a}: {_region_years(only_a)}")
        if len(only_b):
            msg.append(f"only in {name_b}: {_region_years(only_b)}")
        raise MissingDataError(
            "the inputs do not cover the same region-years (" + "; ".join(msg)
            + "); select the same regions and years in both"
        )


def _shares(df: pd.DataFrame, classes: list[str], shares) -> pd.DataFrame:
    """P_<class> columns (shares of each class in carbon absorption)."""
    p = pd.DataFrame(index=df.index)
    if isinstance(shares, str) and shares.lower() == "national":
        tot = df.groupby("year")[["CS"] + [f"CS_{c}" for c in classes]].transform("sum")
        zero = tot["CS"] == 0
        if zero.any():
            raise ZeroCapacityError(
                f"national carbon sink is 0 in year(s) {_years_text(df.loc[zero, 'year'])}; "
                "the absorption shares P are undefined (check the land-class areas)"
            )
        for c in classes:
            p[f"P_{c}"] = tot[f"CS_{c}"] / tot["CS"]
    elif isinstance(shares, str) and shares.lower() == "regional":
        zero = df["CS"] == 0
        if zero.any():
            raise ZeroCapacityError(
                f"CEC = 0 (no carbon sink) for {_region_years(df[zero])}: regional absorption "
                "shares and the footprint depth are undefined; check the land-class areas or "
                "exclude these regions"
            )
        for c in classes:
            p[f"P_{c}"] = df[f"CS_{c}"] / df["CS"]
    elif isinstance(shares, Mapping):
        unknown = [k for k in shares if k not in classes]
        if unknown:
            raise InputError(
                f"fixed shares given for {', '.join(map(str, unknown))}, which have no sink column; "
                f"known classes: {', '.join(classes)}"
            )
        vals = {c: float(shares.get(c, 0.0)) for c in classes}
        if any(v < 0 or not np.isfinite(v) for v in vals.values()):
            raise InputError(f"fixed shares must be non-negative numbers, got {vals}")
        if not np.isclose(sum(vals.values()), 1.0, atol=1e-6):
            raise InputError(f"fixed shares must sum to 1, got {vals} (sum {sum(vals.values()):.6g})")
        for c in classes:
            p[f"P_{c}"] = vals[c]
    else:
        raise InputError(
            f"shares must be 'national', 'regional' or a mapping class -> share, got {shares!r}"
        )
    return p


def compute(
    ice: pd.DataFrame,
    sinks: pd.DataFrame,
    *,
    shares: str | Mapping[str, float] = "national",
    basis: str = "CO2",
    rates: pd.DataFrame | Mapping[str, float] | None = None,
    nep_forest: float | None = None,
    nep_grassland: float | None = None,
    population: pd.DataFrame | None = None,
    ice_column: str | None = None,
) -> pd.DataFrame:
    """Industrial carbon footprint, ecological carrying capacity, deficit/surplus, size and depth.

    Parameters
    ----------
    ice : pandas.DataFrame
        Industrial carbon emissions: a region column (``region``,
        ``region_code``, ``zone`` or ``province``; any spelling), ``year``,
        and one emissions column whose name says gas and mass unit:
        ``CO2_t``, ``CO2_Mt``, ``C_t``, ``C_10^4t``, ... (optionally
        prefixed ``ICE_``).
    sinks : pandas.DataFrame
        Output of :func:`spatial_carbon.footprint.sinks.carbon_sink` (``CS`` and
        ``CS_<class>`` per region-year), or a CSV of it.
    shares : {"national", "regional"} or mapping, default "national"
        Shares P_i of the classes in carbon absorption: ``"national"`` =
        national totals of the year (the seed's choice), ``"regional"`` =
        each region's own shares, or fixed values such as
        ``{"forest": 0.8, "grassland": 0.2}`` (must sum to 1).
    basis : {"CO2", "C"}, default "CO2"
        Gas basis in which ICE is divided by the absorption rates.
        ``"CO2"`` divides t CO2 by the rates (what the seed does; reproduces
        its magnitudes); ``"C"`` first converts ICE to carbon (x 12/44), which
        is dimensionally consistent with rates in t C.  ICE is converted from
        the gas of its column to this basis; the ``basis`` column records it.
    rates : DataFrame or mapping, optional
        Absorption rates NEP_i (t hm^-2 a^-1) of the classes in ``sinks``;
        default Xie et al. (2008).  Use the same rates as for the sinks.
    nep_forest, nep_grassland : float, optional
        Shortcuts replacing the forest / grassland rate (as in
        :func:`spatial_carbon.footprint.sinks.carbon_sink`).
    population : pandas.DataFrame, optional
        If given, per-capita columns are added with :func:`per_capita`
        (population must cover every year).
    ice_column : str, optional
        Name of the emissions column when ``ice`` has several.

    Returns
    -------
    pandas.DataFrame
        ``region_code, region, year, ICE, CS, ICF, CEC, ICD, ICS, ICF_size,
        ICF_depth``, then ``P_<class>`` (shares), ``D_t_per_hm2_a`` (D = sum
        NEP_i P_i, t hm^-2 a^-1) and ``basis``; with population also
        ``population``, ``ICF_pc, CEC_pc, ICF_size_pc``.  ICE in t a^-1 of
        ``basis``; CS in t a^-1 of the rates' basis; ICF, CEC, ICD, ICS,
        ICF_size in hm2.

    Raises
    ------
    DuplicateRowError
        A region-year appears twice in an input.
    MissingDataError
        Region-years present in one input only (listed), or sink classes
        without a rate.  Regions with sinks but no emission data in any
        year (Tibet, Hong Kong, Macau, Taiwan with CEADs) are not an error:
        they are left out with one
        :class:`~spatial_carbon.errors.UnmatchedRegionsWarning`.
    NegativeValueError
        Negative emissions or sinks.
    ZeroCapacityError
        CEC = 0 for some region-year (named): the depth is undefined.
    UnitError
        Emissions column without a recognisable gas and mass unit.

    Notes
    -----
    Formulas in the module docstring (seed 001).  NEP: Xie et al. (2008);
    three-dimensional footprint size and depth after Niccolucci et al.'s
    ecological-footprint model as used by the seed.  National shares:
    P_i = sum_r CS_{i,r} / sum_r CS_r for the year.
    """
    basis = units.check_basis(basis)
    rt = _rates_table(rates, {"forest": nep_forest, "grassland": nep_grassland})
    rate_map = dict(zip(rt["class"], rt["rate"]))
    e = _prepare_ice(ice, basis, ice_column, "ICE table")
    s, classes = _prepare_sinks(sinks, rate_map, "the sinks table", rt["basis"].iloc[0])
    s = _drop_regions_without_emissions(e, s)
    _check_coverage(e, s, "the ICE table", "the sinks table")
    df = e.merge(s.drop(columns="region"), on=["region_code", "year"], how="inner")
    df = df.sort_values(["year", "region_code"]).reset_index(drop=True)

    zero = df["CS"] == 0
    if zero.any():
        raise ZeroCapacityError(
            f"CEC = 0 (no carbon sink) for {_region_years(df[zero])}: ICF_depth = 1 + ICD/CEC is "
            "undefined; check the forest/grassland areas of these regions or exclude them"
        )
    p = _shares(df, classes, shares)
    d = sum(rate_map[c] * p[f"P_{c}"] for c in classes)
    icf = df["ICE"] / d
    cec = df["CS"] / d
    out = df[["region_code", "region", "year", "ICE", "CS"]].copy()
    out["ICF"] = icf
    out["CEC"] = cec
    _add_dimensions(out)
    for c in classes:
        out[f"P_{c}"] = p[f"P_{c}"]
    out[D_COLUMN] = d
    out["basis"] = basis
    if population is not None:
        out = per_capita(out, population)
    return out


def _add_dimensions(df: pd.DataFrame) -> None:
    """Add ICD, ICS, ICF_size, ICF_depth from ICF and CEC (in place on our own frame)."""
    icf, cec = df["ICF"].to_numpy(), df["CEC"].to_numpy()
    gap = icf - cec
    df["ICD"] = np.where(gap > 0, gap, 0.0)
    df["ICS"] = np.where(gap < 0, -gap, 0.0)
    df["ICF_size"] = np.minimum(icf, cec)
    df["ICF_depth"] = 1.0 + np.maximum(gap, 0.0) / cec


def _prepare_population(population: pd.DataFrame, where: str = "population table") -> pd.DataFrame:
    df = _tables.with_regions(population, where=where)
    df = _tables.with_year(df, where=where)
    hits = [c for c in df.columns if _POP_RE.match(str(c))]
    if len(hits) != 1:
        raise InputError(
            f"{where} needs exactly one population column: 'population' (persons) or "
            f"'population_<unit>' such as population_10^4persons; found {hits or 'none'}"
        )
    unit = _POP_RE.match(str(hits[0])).group(1) or "persons"
    try:
        f = units.factor(unit, "persons")
    except UnitError as exc:
        raise UnitError(f"{where}: column {hits[0]!r}: {exc}") from None
    df = _tables.check_numeric(df, [hits[0]], where=where)
    _tables.check_unique(df, ["region_code", "year"], where=where)
    out = df[["region_code", "year"]].copy()
    out["population"] = df[hits[0]] * f
    return out


def per_capita(
    fp: pd.DataFrame,
    population: pd.DataFrame,
    *,
    years: Iterable[int] | None = None,
    keep_other_years: bool = False,
) -> pd.DataFrame:
    """Add population and per-capita footprint columns (hm2 per person).

    Parameters
    ----------
    fp : pandas.DataFrame
        Output of :func:`compute`.
    population : pandas.DataFrame
        Region column, ``year`` and ``population`` in persons (or
        ``population_<unit>``, e.g. ``population_10^4persons``, converted).
    years : iterable of int, optional
        Years to compute (default: every year of ``fp``).  Population must
        cover every region of ``fp`` in these years.
    keep_other_years : bool, default False
        Keep the rows of ``fp`` outside ``years`` too, with empty (NaN)
        population and per-capita values; default: drop them.

    Returns
    -------
    pandas.DataFrame
        The rows of ``fp`` in ``years`` (or all rows) with ``population``
        (persons) and ``ICF_pc, CEC_pc, ICF_size_pc`` = ICF, CEC, ICF_size /
        population.

    Raises
    ------
    MissingDataError
        Population missing for some region-years (the years are named);
        ``years`` not in ``fp``.
    ZeroCapacityError
        Zero population.
    """
    fp = fp.copy()
    full = fp
    if years is not None:
        years = sorted(set(int(y) for y in years))
        absent = sorted(set(years) - set(fp["year"]))
        if absent:
            raise MissingDataError(f"footprint table has no rows for year(s) {_years_text(absent)}")
        fp = fp[fp["year"].isin(years)]
    pop = _prepare_population(population)
    fp = fp.drop(columns=[c for c in ("population", *PER_CAPITA_COLUMNS) if c in fp.columns])
    out = fp.merge(pop, on=["region_code", "year"], how="left")
    miss = out["population"].isna()
    if miss.any():
        raise MissingDataError(
            f"population missing for year(s) {_years_text(out.loc[miss, 'year'])} "
            f"({_region_years(out[miss])}); give population for these years or restrict "
            "the years (per_capita(..., years=...))"
        )
    zero = out["population"] == 0
    if zero.any():
        raise ZeroCapacityError(f"population is 0 for {_region_years(out[zero])}")
    for c, src in zip(PER_CAPITA_COLUMNS, ("ICF", "CEC", "ICF_size")):
        out[c] = out[src] / out["population"]
    if keep_other_years and len(out) < len(full):
        extra = ["population", *PER_CAPITA_COLUMNS]
        out = full.drop(columns=[c for c in extra if c in full.columns]).merge(
            out[["region_code", "year", *extra]], on=["region_code", "year"], how="left")
    return out.reset_index(drop=True)


def national(
    fp: pd.DataFrame, population: pd.DataFrame | None = None, *, years: Iterable[int] | None = None
) -> pd.DataFrame:
    """National totals per year: sums over regions, dimensions from the totals.

    Parameters
    ----------
    fp : pandas.DataFrame
        Output of :func:`compute` (optionally with ``population``).
    population : pandas.DataFrame, optional
        Regional population (as for :func:`per_capita`); the national
        population is the sum over the regions of ``fp``; it must cover every
        year kept.  If omitted and ``fp`` has a ``population`` column (e.g.
        merged from :func:`per_capita` for the years with population), that
        is summed: years where it is empty for every region get NaN
        per-capita values, years where it is empty for some regions only are
        an error.
    years : iterable of int, optional
        Years to keep (default: all years of ``fp``).

    Returns
    -------
    pandas.DataFrame
        One row per year: ``year, n_regions, ICE, CS, ICF, CEC`` (sums over
        regions), ``ICD, ICS, ICF_size, ICF_depth`` recomputed from the
        national ICF and CEC (not sums of regional values), ``basis``, and
        with population ``population, ICF_pc, CEC_pc, ICF_size_pc``.

    Notes
    -----
    National ICD = max(sum ICF - sum CEC, 0): regional deficits and surpluses
    offset each other, so national ICD <= sum of regional ICD.
    """
    df = fp.copy()
    if years is not None:
        ys = sorted(set(int(y) for y in years))
        absent = sorted(set(ys) - set(df["year"]))
        if absent:
            raise MissingDataError(f"footprint table has no rows for year(s) {_years_text(absent)}")
        df = df[df["year"].isin(ys)]
    if population is not None:
        df = per_capita(df, population)
    g = df.groupby("year", sort=True)
    out = g[["ICE", "CS", "ICF", "CEC"]].sum()
    out.insert(0, "n_regions", g["region_code"].nunique())
    out = out.reset_index()
    zero = out["CEC"] == 0
    if zero.any():
        raise ZeroCapacityError(f"national CEC = 0 in year(s) {_years_text(out.loc[zero, 'year'])}")
    _add_dimensions(out)
    if "basis" in df.columns:
        out["basis"] = g["basis"].first().to_numpy()
    if "population" in df.columns:
        na = df["population"].isna().groupby(df["year"]).agg(["any", "all"])
        partial = na.index[na["any"] & ~na["all"]]
        if len(partial):
            raise MissingDataError(
                f"population missing for some regions in year(s) {_years_text(partial)}; the "
                "national per-capita values would be wrong"
            )
        # years without any population (not requested in per_capita) get NaN per-capita values
        pop = g["population"].sum(min_count=1).to_numpy()
        out["population"] = pop
        for c, src in zip(PER_CAPITA_COLUMNS, ("ICF", "CEC", "ICF_size")):
            out[c] = out[src] / out["population"]
    return out


def national_growth_rates(
    fp: pd.DataFrame,
    periods: Sequence[tuple[int, int] | str],
    *,
    national_table: pd.DataFrame | None = None,
    columns: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Growth rates of the national series, each period over the regions
    with data in both of its years.

    With the same regions in every year (the province study) this is
    :func:`growth_rates` of :func:`national`.  When the regions differ (the
    CEADs cities: 148 in 2005, 241 in 2010) the yearly sums cover different
    sets, and their ratio is mostly growth of coverage; so a period whose
    start and end years have different sets is rated on :func:`national` of
    the regions present in both, and ``note`` says how many that is.

    Parameters
    ----------
    fp : pandas.DataFrame
        :func:`compute` output (``region_code``, ``year`` and the indicators).
    periods : sequence of (start, end) or "start-end"
    national_table : pandas.DataFrame, optional
        ``national(fp)`` if already computed (its rows are used for periods
        whose region sets agree).
    columns : sequence of str, optional
        As in :func:`growth_rates`.

    Returns
    -------
    pandas.DataFrame
        The :func:`growth_rates` table (``growth_rate_per_year`` a fraction
        per year); ``note`` names the matched set where one was used.

    Raises
    ------
    MissingDataError
        A period's start or end year is not in ``fp``, or no region has data
        in both years.
    """
    nat = national(fp) if national_table is None else national_table
    out = growth_rates(nat, periods, columns=columns)  # checks the periods and years
    sets = {int(y): set(g) for y, g in fp.groupby("year")["region_code"]}
    parts = []
    for a, b in _periods(periods):
        part = out[(out["start"] == a) & (out["end"] == b)]
        if sets[a] != sets[b]:
            common = sets[a] & sets[b]
            if not common:
                raise MissingDataError(f"no region has data in both {a} and {b}; the growth "
                                       f"rate {a}-{b} compares nothing")
            sub = national(fp[fp["region_code"].isin(common)], years=[a, b])
            part = growth_rates(sub, [(a, b)], columns=columns)
            said = (f"over the {len(common)} region(s) with data in both years "
                    f"({len(sets[a])} in {a}, {len(sets[b])} in {b})")
            part["note"] = [f"{said}; {n}" if n else said for n in part["note"]]
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def _periods(periods) -> list[tuple[int, int]]:
    out = []
    for p in periods:
        if isinstance(p, str):
            m = re.fullmatch(r"\s*(\d{4})\s*[-–:/]\s*(\d{4})\s*", p)
            if not m:
                raise InputError(f"period {p!r} is not of the form 2000-2011")
            a, b = int(m.group(1)), int(m.group(2))
        else:
            try:
                a, b = (int(v) for v in p)
            except (TypeError, ValueError):
                raise InputError(f"period {p!r} must be (start, end) years or '2000-2011'") from None
        if b <= a:
            raise InputError(f"period {a}-{b}: the end year must be after the start year")
        out.append((a, b))
    if not out:
        raise InputError("give at least one period, e.g. [(2000, 2011)]")
    return out


def _groups(df: pd.DataFrame):
    if "region_code" in df.columns:
        keys = ["region_code", "region"] if "region" in df.columns else ["region_code"]
        return keys, df.groupby(keys, sort=True)
    return [], [((), df)]


def growth_rates(
    series: pd.DataFrame,
    periods: Sequence[tuple[int, int] | str],
    *,
    columns: Sequence[str] | None = None,
    year_col: str = "year",
) -> pd.DataFrame:
    """Average annual growth rates over periods: r = (x1 / x0)^(1/n) - 1.

    Parameters
    ----------
    series : pandas.DataFrame
        A yearly table: :func:`national` output, or :func:`compute` output
        (then one rate per region).
    periods : sequence of (start, end) or "start-end"
        E.g. ``[(2000, 2011), "2011-2019"]``; n = end - start years.
    columns : sequence of str, optional
        Indicators (default: those of ICE, CS, ICF, CEC, ICD, ICS, ICF_size,
        ICF_depth and the per-capita columns present).

    Returns
    -------
    pandas.DataFrame
        Long table: [``region_code, region``,] ``indicator, start, end,
        n_years, start_value, end_value, growth_rate_per_year`` (fraction per
        year, 0.05 = 5 %/a) and ``note``.  Where x0 <= 0 or x1 < 0 the rate
        is undefined: ``growth_rate_per_year`` is NaN and ``note`` says why
        (e.g. a zero deficit).

    Raises
    ------
    MissingDataError
        A period's start or end year is not in the series.
    DuplicateRowError
        A year appears twice (for a region).
    """
    pers = _periods(periods)
    if year_col not in series.columns:
        raise InputError(f"series has no {year_col!r} column")
    cols = list(columns) if columns is not None else [c for c in _INDICATORS if c in series.columns]
    missing = [c for c in cols if c not in series.columns]
    if missing or not cols:
        raise InputError(f"series lacks the column(s) {missing or 'to rate'}")
    keys, groups = _groups(series)
    _tables.check_unique(series, keys + [year_col], where="series")
    need = sorted({y for p in pers for y in p})
    absent = sorted(set(need) - set(series[year_col]))
    if absent:
        raise MissingDataError(
            f"series has no rows for year(s) {_years_text(absent)} needed by the periods "
            f"(years present: {_years_text(series[year_col])})"
        )
    rows = []
    for key, g in groups:
        by_year = g.set_index(year_col)
        for a, b in pers:
            if a not in by_year.index or b not in by_year.index:
                raise MissingDataError(f"series has no row for {key} in {a if a not in by_year.index else b}")
            for c in cols:
                x0, x1 = float(by_year.at[a, c]), float(by_year.at[b, c])
                n = b - a
                note = ""
                if not (np.isfinite(x0) and np.isfinite(x1)):
                    rate, note = np.nan, "missing value"
                elif x0 <= 0:
                    rate, note = np.nan, f"start value {x0:g} <= 0: rate undefined"
                elif x1 < 0:
                    rate, note = np.nan, f"end value {x1:g} < 0: rate undefined"
                else:
                    rate = (x1 / x0) ** (1.0 / n) - 1.0
                rows.append((*(key if isinstance(key, tuple) else (key,)), c, a, b, n, x0, x1, rate, note))
    return pd.DataFrame(
        rows, columns=keys + ["indicator", "start", "end", "n_years", "start_value", "end_value", GROWTH_COLUMN, "note"]
    )


def project_cec(
    series: pd.DataFrame,
    target_year: int,
    *,
    column: str = "CEC",
    fit_years: tuple[int, int] | None = None,
    year_col: str = "year",
    method: str = "linear",
    rate: float | None = None,
) -> pd.DataFrame:
    """Trend of CEC (or another column), extrapolated to a target year: linear or compound.

    Parameters
    ----------
    series : pandas.DataFrame
        :func:`national` output, or :func:`compute` output (one fit per region).
    target_year : int
        Year to project to.
    column : str, default "CEC"
        Column to fit (hm2 for CEC).
    fit_years : (int, int), optional
        Inclusive range of years used for the fit (default: all years).
    method : {"linear", "compound"}
        ``linear`` (default): least-squares line.  ``compound``: a constant
        annual rate from the last fitted year, ``y_T = y_end (1 + r)^(T -
        end)`` - the seed's "CEC declined continuously at 0.43 % annually"
        projected to 2030.
    rate : float, optional
        For ``compound``: the annual rate as a fraction (the seed's
        ``-0.0043``).  Default: the average annual growth rate of the fitted
        years, ``r = (y_end / y_start)^(1/(end - start)) - 1`` (as
        :func:`growth_rates`).

    Returns
    -------
    pandas.DataFrame
        One row per series (region or nation): [``region_code, region``,]
        ``indicator, method, fit_start, fit_end, n_fit_years`` (years with a
        value in the fit), ``slope`` (unit per year;
        linear), ``intercept``, ``r2`` (NaN if the series is constant or the
        method is compound), ``growth_rate_per_year`` (fraction per year; compound),
        ``target_year, projected``.

    Notes
    -----
    Compound: the rate is either given or measured between the fit's end
    points; the projection is ``y_end (1 + r)^(T - end)`` (hand check in the
    tests: 100 at 2020 with r = -0.0043 gives 100 x 0.9957^10 = 95.78 in
    2030).

    Ordinary least squares y = a + b * year on the years used, closed form
    b = sum (t - t_mean)(y - y_mean) / sum (t - t_mean)^2, a = y_mean - b * t_mean
    (the same as ``scipy.stats.linregress``, which warns on constant series).
    The projection a + b * target_year assumes the trend continues linearly;
    it is a scenario, not a forecast with an uncertainty band.
    """
    if column not in series.columns or year_col not in series.columns:
        raise InputError(f"series needs the columns {year_col!r} and {column!r}")
    if method not in ("linear", "compound"):
        raise InputError(f"unknown projection method {method!r}; use 'linear' or 'compound'")
    if rate is not None and method != "compound":
        raise InputError("a fixed rate needs method='compound'")
    if rate is not None and not (np.isfinite(rate) and rate > -1):
        raise InputError(f"the annual rate must be a fraction > -1 (e.g. -0.0043), got {rate!r}")
    keys, groups = _groups(series)
    _tables.check_unique(series, keys + [year_col], where="series")
    rows = []
    for key, g in groups:
        if fit_years is not None:
            g = g[(g[year_col] >= fit_years[0]) & (g[year_col] <= fit_years[1])]
        g = g[[year_col, column]].dropna()
        if g[year_col].nunique() < 2:
            raise MissingDataError(
                f"need at least two years to fit a trend of {column}"
                + (f" for {key}" if keys else "") + (f" in {fit_years}" if fit_years else "")
            )
        t = g[year_col].to_numpy(dtype="float64")
        y = g[column].to_numpy(dtype="float64")
        if method == "compound":
            order = np.argsort(t, kind="stable")
            t0, t1, y0, y1 = t[order[0]], t[order[-1]], y[order[0]], y[order[-1]]
            if rate is None:
                if not (y0 > 0 and y1 >= 0):
                    raise InputError(f"compound rate of {column} undefined: start value {y0:g} <= 0"
                                     + (f" for {key}" if keys else ""))
                r = (y1 / y0) ** (1.0 / (t1 - t0)) - 1.0
            else:
                r = float(rate)
            rows.append((*(key if isinstance(key, tuple) else (key,)), column, "compound", int(t0),
                         int(t1), len(t), np.nan, np.nan, np.nan, r, int(target_year),
                         y1 * (1.0 + r) ** (int(target_year) - t1)))
            continue
        if np.all(y == y[0]):  # constant series: exact zero slope (no rounding noise)
            b, a, r2 = 0.0, float(y[0]), np.nan
        else:
            tm, ym = t.mean(), y.mean()
            b = float(((t - tm) * (y - ym)).sum() / ((t - tm) ** 2).sum())
            a = float(ym - b * tm)
            sst = float(((y - ym) ** 2).sum())
            r2 = 1.0 - float(((y - (a + b * t)) ** 2).sum()) / sst
        rows.append((*(key if isinstance(key, tuple) else (key,)), column, "linear", int(t.min()),
                     int(t.max()), len(t), b, a, r2, np.nan, int(target_year), a + b * int(target_year)))
    return pd.DataFrame(
        rows,
        columns=keys + ["indicator", "method", "fit_start", "fit_end", "n_fit_years", "slope",
                        "intercept", "r2",
                        GROWTH_COLUMN, "target_year", "projected"],
    )
