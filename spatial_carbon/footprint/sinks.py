"""Carbon sinks of land classes: areas x absorption rate x equivalence factor.

The seed study (seed 001) computes the carbon sink (carbon absorption) of a
region-year from its forest and grassland areas,

    CS = NEP_f * A_f * E_f + NEP_g * A_g * E_g,

with NEP the net ecosystem productivity per hectare (Xie et al. 2008:
forest 3.8096, grassland 0.9482 t hm^-2 a^-1) and E the equivalence factor
of the land class.  Here the sum runs over every class that has a rate, so a
user can add rates for shrub, wetland, cropland ... without code changes.

Parameters are package data (``data/sink_rates.csv``,
``data/equivalence_factors.csv``, sources in ``data/sink_parameters.md``);
users pass their own tables as DataFrames (the CLI reads them from CSV).
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from typing import Mapping

import pandas as pd

from .. import _tables, regions, units
from ..errors import InputError, MissingFactorError, NegativeValueError, UnitError

#: Output columns in order (for the default forest/grassland rates).
OUTPUT_COLUMNS = (
    "region_code", "region", "year", "A_forest_hm2", "A_grassland_hm2",
    "CS_forest", "CS_grassland", "CS", "NEP_forest_t_per_hm2_a", "NEP_grassland_t_per_hm2_a",
    "rates_basis",
)


def nep_column(cls: str) -> str:
    """Name of the column recording the absorption rate of a class in a sinks
    table (t hm^-2 a^-1), e.g. ``NEP_forest_t_per_hm2_a``."""
    return f"NEP_{cls}_t_per_hm2_a"

_AREA_RE = re.compile(r"^area_(.+)$", re.IGNORECASE)


@lru_cache(maxsize=None)
def _package_csv(name: str) -> pd.DataFrame:
    with resources.files("spatial_carbon").joinpath(f"data/{name}").open(encoding="utf-8") as f:
        return pd.read_csv(f, comment="#")


def default_rates() -> pd.DataFrame:
    """The bundled carbon absorption rates (parameter set ``xie2008``).

    Returns
    -------
    pandas.DataFrame
        Columns ``class``, ``rate`` (t hm^-2 a^-1), ``unit``, ``basis``
        (``"C"``), ``source``: forest 3.8096 and grassland 0.9482.

    Notes
    -----
    Xie Hongyu, Chen Xiansheng, Lin Kairong, Hu Anyan (2008), 基于碳循环的
    化石能源及电力生态足迹, Acta Ecologica Sinica 28(4): 1729-1735, as used
    by the seed study.  The rates are net ecosystem productivity, a carbon
    flux, hence basis ``"C"`` (t C hm^-2 a^-1); see ``docs/footprint.md`` for
    what this means when CO2 emissions are divided by them.
    """
    return _package_csv("sink_rates.csv").copy()


def default_equivalence_factors() -> pd.DataFrame:
    """The bundled equivalence factors (parameter set ``gfn2010``).

    Returns
    -------
    pandas.DataFrame
        Columns ``region`` (``"ALL"``: applies to every province), ``class``,
        ``factor`` (gha/ha), ``source``: forest 1.26, grassland (grazing
        land) 0.46, cropland 2.51, water 0.37.

    Notes
    -----
    Global Footprint Network world equivalence factors for data year 2007,
    Ewing et al. (2010), *Calculation Methodology for the National Footprint
    Accounts, 2010 Edition*.  No provincial factors are bundled: the same
    national value is applied to every province.  Pass a per-province table
    (``region, class, factor``) to :func:`carbon_sink` to use provincial
    factors (e.g. the NPP-based factors of Liu Moucheng and co-authors).
    """
    return _package_csv("equivalence_factors.csv").copy()


#: Bundled equivalence-factor parameter sets (``data/equivalence_factors*.csv``).
EQUIVALENCE_SETS = {"gfn2010": "equivalence_factors.csv", "liu2015_npp": "equivalence_factors_liu2015.csv"}


def equivalence_factors(name: str = "gfn2010") -> pd.DataFrame:
    """A bundled equivalence-factor parameter set (``region, class, factor, source``).

    ``gfn2010`` (default): Global Footprint Network world factors, Ewing et al.
    (2010) - forest 1.26, grassland 0.46.  ``liu2015_npp``: China's national
    NPP-based factors of Liu, Li, Zhang & Su (2015), *Front. Environ. Sci.
    Eng.* 9(6):1015-1024 (MODIS NPP 2008) - forest 1.41, grassland (pasture)
    0.44, cropland 1.71, water 0.35.  Seed 001 uses the *provincial*
    NPP-based factors of Liu & Li (2010); no citable table of them could be
    obtained, so both sets apply one national value to every province
    (``docs/seed001.md``).
    """
    if name not in EQUIVALENCE_SETS:
        raise InputError(f"unknown equivalence-factor set {name!r}; bundled: {', '.join(EQUIVALENCE_SETS)}")
    return _package_csv(EQUIVALENCE_SETS[name]).copy()


def _rates_table(rates, overrides: Mapping[str, float | None] | None = None) -> pd.DataFrame:
    """Normalise ``rates`` (None, mapping or frame) to class -> rate (t/hm2/a), basis.

    ``overrides`` (class -> rate or None) replace or add single rates.
    """
    if rates is None:
        df = default_rates()
    elif isinstance(rates, Mapping):
        df = pd.DataFrame({"class": list(rates), "rate": list(rates.values())})
    elif isinstance(rates, pd.DataFrame):
        df = rates.copy()
    else:
        raise InputError(f"rates must be a mapping class -> rate or a DataFrame, got {type(rates).__name__}")
    ccol = _tables.find_column(df, "class") or _tables.find_column(df, "sink_class")
    rcol = _tables.find_column(df, "rate")
    if ccol is None or rcol is None:
        raise InputError(
            "rates table needs columns 'class' and 'rate' (t per hm2 per year); "
            f"got {', '.join(map(str, df.columns))}"
        )
    out = pd.DataFrame({"class": df[ccol].astype(str).str.strip().str.lower()})
    out["rate"] = df[rcol].to_numpy()
    out = _tables.check_numeric(out, ["rate"], where="rates table")
    ucol = _tables.find_column(df, "unit")
    if ucol is not None:
        for u in df[ucol].astype(str).unique():
            if u.replace(" ", "").lower() not in ("t/hm2/a", "t/ha/a", "thm-2a-1", "t/hm2/yr", "t/ha/yr"):
                raise UnitError(f"rates table: unit {u!r} not supported; give rates in t/hm2/a")
    bcol = _tables.find_column(df, "basis")
    bases = {units.check_basis(b) for b in df[bcol]} if bcol is not None else {"C"}
    if len(bases) != 1:
        raise UnitError(f"rates table mixes gas bases {sorted(bases)}; use one basis for all classes")
    _tables.check_unique(out, ["class"], where="rates table")
    for cls, val in (overrides or {}).items():
        if val is None:
            continue
        val = float(val)
        if not val >= 0:
            raise NegativeValueError(f"the {cls} absorption rate must be a non-negative number, got {val}")
        if (out["class"] == cls).any():
            out.loc[out["class"] == cls, "rate"] = val
        else:
            out = pd.concat([out, pd.DataFrame({"class": [cls], "rate": [val]})], ignore_index=True)
    out["basis"] = bases.pop()
    return out.reset_index(drop=True)


def rates_mapping(rates=None, *, nep_forest: float | None = None,
                  nep_grassland: float | None = None) -> dict[str, float]:
    """Class -> absorption rate (t hm^-2 a^-1) for ``rates`` (default: Xie et al. 2008)."""
    t = _rates_table(rates, {"forest": nep_forest, "grassland": nep_grassland})
    return dict(zip(t["class"], t["rate"]))


def _factors_table(factors, classes: list[str], region_codes) -> pd.DataFrame:
    """Expand ``factors`` to one row per (region_code, class) for the given regions."""
    if factors is None:
        df = default_equivalence_factors()
    elif isinstance(factors, (int, float)):
        df = pd.DataFrame({"region": "ALL", "class": classes, "factor": float(factors)})
    elif isinstance(factors, Mapping):
        df = pd.DataFrame({"region": "ALL", "class": list(factors), "factor": list(factors.values())})
    elif isinstance(factors, pd.DataFrame):
        df = factors.copy()
    else:
        raise InputError(
            "factors must be a number, a mapping class -> factor or a DataFrame "
            f"(region, class, factor); got {type(factors).__name__}"
        )
    ccol = _tables.find_column(df, "class") or _tables.find_column(df, "sink_class")
    fcol = _tables.find_column(df, "factor")
    if ccol is None or fcol is None:
        raise InputError(
            "equivalence-factor table needs columns 'class' and 'factor' (and optionally "
            f"'region'); got {', '.join(map(str, df.columns))}"
        )
    rcol = next((_tables.find_column(df, c) for c in _tables.REGION_COLUMNS if _tables.find_column(df, c)), None)
    t = pd.DataFrame({
        "class": df[ccol].astype(str).str.strip().str.lower(),
        "factor": df[fcol].to_numpy(),
        "scope": df[rcol].astype(str).str.strip() if rcol is not None else "ALL",
    })
    t = _tables.check_numeric(t, ["factor"], where="equivalence-factor table")
    t = t[t["class"].isin(classes)]
    is_all = t["scope"].str.upper().isin(["ALL", "*", "NATIONAL", "CHINA"])
    general = t[is_all].drop(columns="scope")
    _tables.check_unique(general, ["class"], where="equivalence-factor table (rows for ALL regions)")
    specific = t[~is_all].copy()
    if len(specific):
        specific["region_code"] = regions.to_codes(specific["scope"], where="equivalence-factor table").to_numpy()
        specific = specific.drop(columns="scope")
        _tables.check_unique(specific, ["region_code", "class"], where="equivalence-factor table")
    grid = pd.MultiIndex.from_product(
        [sorted(set(region_codes)), classes], names=["region_code", "class"]
    ).to_frame(index=False)
    out = grid.merge(general.rename(columns={"factor": "f_all"}), on="class", how="left")
    if len(specific):
        out = out.merge(specific.rename(columns={"factor": "f_reg"}), on=["region_code", "class"], how="left")
        out["factor"] = out["f_reg"].fillna(out["f_all"])
    else:
        out["factor"] = out["f_all"]
    miss = out[out["factor"].isna()]
    if len(miss):
        names = regions.names(miss["region_code"]).to_numpy()
        pairs = sorted({f"{n}/{c}" for n, c in zip(names, miss["class"])})
        raise MissingFactorError(
            f"no equivalence factor for {len(pairs)} region/class pair(s): {', '.join(pairs[:10])}"
            f"{' ...' if len(pairs) > 10 else ''}; add rows (region, class, factor) or a row "
            "with region ALL for the class"
        )
    return out[["region_code", "class", "factor"]]


def _area_column(df: pd.DataFrame, where: str) -> tuple[str, float]:
    """Name of the area column and its factor to hm2."""
    hits = [c for c in df.columns if _AREA_RE.match(str(c))]
    if not hits:
        raise InputError(
            f"{where} has no area column; name it area_hm2 (or area_km2, area_m2, area_mu ...)"
        )
    if len(hits) > 1:
        raise InputError(f"{where} has several area columns {hits}; keep one")
    unit = _AREA_RE.match(str(hits[0])).group(1)
    try:
        f = units.factor(unit, "hm2")
    except UnitError as exc:
        raise UnitError(f"{where}: area column {hits[0]!r}: {exc}") from None
    return hits[0], f


def carbon_sink(
    areas: pd.DataFrame,
    *,
    rates: pd.DataFrame | Mapping[str, float] | None = None,
    factors: pd.DataFrame | Mapping[str, float] | float | None = None,
    nep_forest: float | None = None,
    nep_grassland: float | None = None,
    where: str = "areas",
) -> pd.DataFrame:
    """Carbon sink (carbon absorption) per region-year from land-class areas.

    Parameters
    ----------
    areas : pandas.DataFrame
        One row per region, year and land class.  Rows of different raster
        classes mapped to the same sink class (e.g. MODIS's five forest
        classes) are summed; a repeated region-year-class row is an error.
        Columns: a region column (``region_code``,
        ``region``, ``zone`` or ``province``; any spelling known to
        :mod:`spatial_carbon.regions`), ``year``, the area in hm2 as
        ``area_hm2`` (or ``area_km2``, ``area_m2``, ... converted with
        :mod:`spatial_carbon.units`), and the class as ``sink_class`` or, if
        absent, ``class`` (names such as forest, grassland, shrub, cropland,
        water, wetland).
    rates : DataFrame or mapping, optional
        Absorption rate per class, t hm^-2 a^-1 (columns ``class``, ``rate``
        and optionally ``basis``); default :func:`default_rates`
        (Xie et al. 2008, t C).  Classes without a rate are ignored.
    factors : DataFrame, mapping or float, optional
        Equivalence factors: a table ``region, class, factor`` (region
        ``ALL`` applies to every province; provincial rows override it), a
        mapping class -> factor, or one number for every class.  Default
        :func:`default_equivalence_factors` (GFN 2010 edition, national
        values).  A rated class without a factor is an error.
    nep_forest, nep_grassland : float, optional
        Shortcuts replacing the forest / grassland rate of ``rates``
        (t hm^-2 a^-1, same basis).
    where : str
        Name of the input in error messages (e.g. the file name).

    Returns
    -------
    pandas.DataFrame
        ``region_code, region, year``, then ``A_<class>_hm2`` and
        ``CS_<class>`` for every rated class (forest and grassland first),
        ``CS``, the rates used, ``NEP_<class>_t_per_hm2_a`` (t hm^-2 a^-1,
        the same in every row), and ``rates_basis`` (gas basis of the rates
        and of CS: ``C`` with the defaults).  Areas in hm2; sinks in t a^-1
        of ``rates_basis``.  The rate and basis columns travel with the table
        through a CSV, so :func:`spatial_carbon.footprint.compute` can check
        it uses the same rates.  Classes without a rate:
        :func:`unrated_areas`.

    Raises
    ------
    InputError
        Missing columns.  UnknownRegionError: unknown region names.
    DuplicateRowError
        A region-year-class appears twice (it would be counted twice).
    NegativeValueError, MissingDataError
        Negative or empty areas.
    MissingFactorError
        A rated class has no equivalence factor for some region.
    UnitError
        Unknown area unit or rate unit.

    Notes
    -----
    CS_{r,t} = sum_i NEP_i * A_{i,r,t} * E_{i,r} over classes i with a rate
    (seed 001 uses forest and grassland only).  Default NEP: Xie et al.
    (2008); default E: Ewing et al. (2010) world equivalence factors, the same
    for every province.  Sources: ``spatial_carbon/data/sink_parameters.md``.
    """
    rt = _rates_table(rates, {"forest": nep_forest, "grassland": nep_grassland})
    basis = rt["basis"].iloc[0]
    classes = _ordered(rt["class"].tolist())

    df = _tidy_areas(areas, classes, where)
    keys = df[["region_code", "region", "year"]].drop_duplicates().sort_values(["region_code", "year"])
    rated = df[df["_class"].isin(classes)]

    fac = _factors_table(factors, classes, keys["region_code"])
    a = rated.groupby(["region_code", "year", "_class"], as_index=False)["_area"].sum()
    wide = a.pivot(index=["region_code", "year"], columns="_class", values="_area")
    wide = wide.reindex(columns=classes).fillna(0.0)
    out = keys.set_index(["region_code", "year"]).join(wide).fillna(0.0).reset_index()
    fmat = fac.pivot(index="region_code", columns="class", values="factor")
    rate = dict(zip(rt["class"], rt["rate"]))
    res = out[["region_code", "region", "year"]].copy()
    for c in classes:
        res[f"A_{c}_hm2"] = out[c].to_numpy(dtype="float64")
    total = 0.0
    for c in classes:
        e = out["region_code"].map(fmat[c]).to_numpy(dtype="float64")
        res[f"CS_{c}"] = rate[c] * out[c].to_numpy(dtype="float64") * e
        total = total + res[f"CS_{c}"]
    res["CS"] = total
    for c in classes:
        res[nep_column(c)] = float(rate[c])
    res["rates_basis"] = basis
    return res.reset_index(drop=True)


def _tidy_areas(areas: pd.DataFrame, classes: list[str], where: str) -> pd.DataFrame:
    """Areas keyed by region and year with ``_class`` (lower case) and ``_area`` (hm2)."""
    df = _tables.with_regions(areas, where=where)
    df = _tables.with_year(df, where=where)
    ccol = _tables.find_column(df, "sink_class") or _tables.find_column(df, "class")
    if ccol is None:
        raise InputError(
            f"{where} has no class column; name it sink_class (or class) with names such as "
            f"{', '.join(classes)}"
        )
    # the finest class column is the key: `class` (raster value) if given, else the sink class
    _tables.check_unique(df, ["region_code", "year", _tables.find_column(df, "class") or ccol],
                         where=where)
    acol, to_hm2 = _area_column(df, where)
    df = _tables.check_numeric(df, [acol], where=where)
    df["_class"] = df[ccol].astype(str).str.strip().str.lower()
    df["_area"] = df[acol] * to_hm2
    return df


def unrated_areas(
    areas: pd.DataFrame,
    *,
    rates: pd.DataFrame | Mapping[str, float] | None = None,
    nep_forest: float | None = None,
    nep_grassland: float | None = None,
    where: str = "areas",
) -> pd.Series:
    """Area (hm2) of the classes :func:`carbon_sink` ignores for lack of a rate.

    Returns
    -------
    pandas.Series
        Indexed by class (e.g. ``cropland``), total area in hm2 over every
        region and year; empty when every class has a rate.
    """
    rt = _rates_table(rates, {"forest": nep_forest, "grassland": nep_grassland})
    df = _tidy_areas(areas, rt["class"].tolist(), where)
    out = df.loc[~df["_class"].isin(set(rt["class"]))].groupby("_class")["_area"].sum()
    out.index.name = "class"
    return out.rename("area_hm2")


def _ordered(classes: list[str]) -> list[str]:
    """Forest and grassland first (the seed's columns), then the others as given."""
    first = [c for c in ("forest", "grassland") if c in classes]
    return first + [c for c in classes if c not in first]
