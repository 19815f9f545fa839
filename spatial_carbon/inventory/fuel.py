"""CO2 inventory from fuel use: fuel table x emission-factor table.

A fuel-use table has one row per region, year and fuel with the physical
amount and its unit (``region, year, fuel, amount, unit``; e.g. yearbook
figures in 10^4 t or 10^8 m3).  A factor table gives, per fuel, the CO2 (or
carbon) emitted per physical unit of that fuel, with the units and the
source of every number.  Two presets ship as package data:

``ipcc2006``  (``data/factors_ipcc2006.csv``)
    EF = NCV x CC x OF x 44/12 (IPCC 2006 GL Vol. 2 Ch. 1 Eq. 1.1 and Ch. 2
    Eq. 2.1): Chinese average low calorific values (GB/T 2589-2008 Annex A,
    as reproduced in the China Energy Statistical Yearbook), IPCC 2006
    default carbon contents (Vol. 2 Ch. 1 Table 1.3), oxidation factor 1
    (the IPCC default).
``seed001``  (``data/factors_seed001.csv``)
    The seed study's ICE = sum Q x S x D with its eight fuels, coefficients as
    printed in the source.

Users may pass their own factor table (see :func:`load_factors`).  Fuel names
are matched after normalisation (case, spaces, underscores) and through the
aliases of ``data/fuels.csv`` (English and Chinese names such as 原煤, 焦炭,
原油, 汽油, 煤油, 柴油, 燃料油, 天然气).

:func:`emissions` and :func:`factors_from_frame` are pure; :func:`load_factors`
(for a path) and :func:`read_fuel_use` open files.
"""

from __future__ import annotations

import os
import re
import unicodedata
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from .. import regions, units
from .._io import read_csv
from ..errors import (
    DuplicateRowError, InputError, MissingDataError, MissingFactorError, NegativeValueError,
    UnitError,
)

#: Names of the bundled factor presets.
PRESETS: tuple[str, ...] = ("ipcc2006", "seed001")

#: Columns of a fuel-use table.
FUEL_COLUMNS: tuple[str, ...] = ("region", "year", "fuel", "amount", "unit")

# Heat units in GJ (the energy dimension of spatial_carbon.units is tce; NCVs
# are heat per physical unit, so their numerators are kept here).
_HEAT_GJ = {"kj": 1e-6, "mj": 1e-3, "gj": 1.0, "tj": 1e3, "pj": 1e6}
# carbon content units in kg C per GJ
_CC_KG_PER_GJ = {"kgc/gj": 1.0, "tc/tj": 1.0, "gc/mj": 1.0, "kgc/tj": 1e-3}


# ----------------------------------------------------------------------------
# fuel names


def _fkey(name) -> str:
    s = unicodedata.normalize("NFKC", str(name)).strip().lower()
    return re.sub(r"[\s_\-/()]", "", s)


@lru_cache(maxsize=1)
def _fuel_registry() -> pd.DataFrame:
    with resources.files("spatial_carbon").joinpath("data/fuels.csv").open(encoding="utf-8") as f:
        return pd.read_csv(f, dtype=str, keep_default_na=False)


@lru_cache(maxsize=1)
def _fuel_index() -> dict[str, str]:
    idx: dict[str, str] = {}
    for row in _fuel_registry().itertuples(index=False):
        for s in [row.fuel, row.fuel_zh, *[a for a in row.aliases.split("|") if a]]:
            idx[_fkey(s)] = row.fuel
    return idx


def normalize_fuel(name) -> str:
    """Canonical fuel name for a spelling (``"raw_coal"``, ``"原煤"`` -> ``"Raw Coal"``).

    Names not in the fuel registry (``data/fuels.csv``) are returned stripped,
    so user-defined fuels still match between a fuel table and a factor table
    as long as both spell them alike (up to case, spaces and underscores).
    """
    if name is None or (isinstance(name, float) and np.isnan(name)):
        raise InputError("empty fuel name")
    return _fuel_index().get(_fkey(name), str(name).strip())


def _match_key(name: str) -> str:
    return _fkey(normalize_fuel(name))


# ----------------------------------------------------------------------------
# unit strings of factor tables


def _split_ratio(unit: str, what: str) -> tuple[str, str]:
    parts = str(unit).split("/")
    if len(parts) != 2 or not parts[0].strip() or not parts[1].strip():
        raise UnitError(f"{what}: unit {unit!r} is not of the form 'numerator/denominator'")
    return parts[0].strip(), parts[1].strip()


def _gas_mass(num: str, what: str) -> tuple[float, str]:
    """'t CO2' -> (1.0, 'CO2'); 'kg C' -> (1e-3, 'C'): tonnes per unit and gas."""
    k = re.sub(r"[\s_]", "", num).lower()
    m = re.fullmatch(r"(?P<mass>.*?)(?P<gas>co2|c)", k)
    if not m or not m.group("mass"):
        raise UnitError(
            f"{what}: numerator {num!r} must be a mass of CO2 or C, e.g. 't CO2' or 'kg C'"
        )
    try:
        f = units.factor(m.group("mass"), "t")
    except UnitError:
        raise UnitError(f"{what}: {num!r} is not a mass of CO2 or C (e.g. 't CO2')") from None
    return f, m.group("gas").upper()


def _physical(den: str, what: str) -> str:
    try:
        u = units.normalize_unit(den)
    except UnitError as exc:
        raise UnitError(f"{what}: {exc}") from None
    if units.dimension(u) not in ("mass", "volume", "energy"):
        raise UnitError(f"{what}: {den!r} is not a unit of fuel (mass, volume or tce)")
    return u


def _per(den_unit: str, per_unit: str, what: str) -> float:
    """Factor turning 'x per den_unit' into 'x per per_unit'."""
    try:
        return units.factor(per_unit, den_unit)
    except UnitError:
        raise UnitError(
            f"{what}: the factor is per {den_unit!r} but the fuel is measured per {per_unit!r} "
            "(mass vs volume?)"
        ) from None


# ----------------------------------------------------------------------------
# factor tables


def factors_from_frame(table: pd.DataFrame, *, where: str = "factor table") -> pd.DataFrame:
    """Validate a factor table and derive the emission factor of each fuel.

    Three layouts are accepted (columns in any order; extra columns are kept):

    * **NCV x carbon content** (preset ``ipcc2006``): ``fuel, per_unit, ncv,
      ncv_unit, carbon_content, carbon_content_unit, oxidation``;
      EF = NCV x CC x OF x 44/12.  ``ncv_unit`` is heat per physical unit
      (``kJ/kg``, ``MJ/m3``, ``GJ/t``, ``TJ/10^4 t`` ...), ``carbon_content_unit``
      ``kg C/GJ`` (= ``t C/TJ``), ``oxidation`` a fraction in (0, 1].
    * **standard coal x CO2 per tce** (preset ``seed001``): ``fuel, per_unit,
      standard_coal, standard_coal_unit, co2_per_tce, co2_per_tce_unit``;
      EF = S x D.  ``standard_coal_unit`` like ``kgce/kg``, ``kgce/m3``,
      ``tce/10^4 m3``; ``co2_per_tce_unit`` like ``t CO2/tce`` or ``t C/tce``.
    * **direct**: ``fuel, ef, ef_unit`` with ``ef_unit`` like ``t CO2/t``,
      ``kg CO2/m3``, ``t C/10^4 t`` or ``t CO2/tce`` (the denominator is the
      fuel's unit; ``per_unit`` may be given and must agree in dimension).

    A ``source`` column (or ``*_source`` columns) should say where every
    number comes from; the presets have one for each number.

    Returns
    -------
    pandas.DataFrame
        The input columns plus ``fuel`` (canonical name), ``per_unit``
        (canonical unit), ``ef_t_co2`` (t CO2 per ``per_unit`` of fuel),
        ``basis_in`` (gas basis of the source numbers, ``CO2`` or ``C``; a C
        basis is converted with 44/12) and ``method``.

    Raises
    ------
    InputError
        Missing columns, non-numeric or non-positive numbers, an oxidation
        factor outside (0, 1].
    DuplicateRowError
        A fuel listed twice.
    UnitError
        Unknown or incompatible units.
    """
    df = table.copy()
    df.columns = [str(c).strip() for c in df.columns]
    if "fuel" not in df.columns:
        raise InputError(f"{where} has no 'fuel' column (columns: {', '.join(df.columns)})")
    cols = set(df.columns)
    ncv_cols = {"ncv", "ncv_unit", "carbon_content", "carbon_content_unit", "oxidation", "per_unit"}
    sd_cols = {"standard_coal", "standard_coal_unit", "co2_per_tce", "co2_per_tce_unit", "per_unit"}
    if ncv_cols <= cols:
        method = "NCV x CC x OF x 44/12"
        numeric = ["ncv", "carbon_content", "oxidation"]
    elif sd_cols <= cols:
        method = "S x D"
        numeric = ["standard_coal", "co2_per_tce"]
    elif {"ef", "ef_unit"} <= cols:
        method = "EF"
        numeric = ["ef"]
    else:
        raise InputError(
            f"{where}: not a factor table. Give either columns {sorted(ncv_cols | {'fuel'})}, "
            f"or {sorted(sd_cols | {'fuel'})}, or ['fuel', 'ef', 'ef_unit'] "
            f"(columns found: {', '.join(df.columns)})"
        )
    df["fuel"] = [normalize_fuel(f) for f in df["fuel"]]
    keys = df["fuel"].map(_fkey)
    dup = keys.duplicated(keep=False)
    if dup.any():
        raise DuplicateRowError(
            f"{where}: fuel(s) listed more than once: {sorted(set(df.loc[dup, 'fuel']))}"
        )
    for c in numeric:
        vals = pd.to_numeric(df[c], errors="coerce")
        bad = vals.isna() | ~np.isfinite(vals) | (vals <= 0)
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise InputError(
                f"{where}: {c} of {df['fuel'].iloc[i]!r} is {df[c].iloc[i]!r}; "
                "factors must be positive numbers"
            )
        df[c] = vals.astype("float64")

    ef = np.empty(len(df))
    basis = []
    per_units = []
    for i, row in enumerate(df.itertuples(index=False)):
        r = row._asdict()
        what = f"{where}, fuel {r['fuel']!r}"
        if method == "NCV x CC x OF x 44/12":
            per = _physical(r["per_unit"], what)
            num, den = _split_ratio(r["ncv_unit"], what + " ncv_unit")
            nk = re.sub(r"\s", "", num).lower()
            if nk not in _HEAT_GJ:
                raise UnitError(f"{what}: ncv_unit numerator {num!r} must be kJ, MJ, GJ, TJ or PJ")
            ncv_gj = r["ncv"] * _HEAT_GJ[nk] * _per(_physical(den, what), per, what)
            ck = re.sub(r"\s", "", str(r["carbon_content_unit"])).lower()
            if ck not in _CC_KG_PER_GJ:
                raise UnitError(
                    f"{what}: carbon_content_unit {r['carbon_content_unit']!r} must be "
                    "'kg C/GJ' (= 't C/TJ')"
                )
            if not 0 < r["oxidation"] <= 1:
                raise InputError(f"{what}: oxidation factor {r['oxidation']} is not in (0, 1]")
            # GJ/unit x kg C/GJ x 1e-3 t/kg = t C per unit
            ef[i] = ncv_gj * r["carbon_content"] * _CC_KG_PER_GJ[ck] * 1e-3 * r["oxidation"] \
                * units.C_TO_CO2
            basis.append("C")
        elif method == "S x D":
            per = _physical(r["per_unit"], what)
            num, den = _split_ratio(r["standard_coal_unit"], what + " standard_coal_unit")
            try:
                s_tce = r["standard_coal"] * units.factor(num, "tce")
            except UnitError:
                raise UnitError(f"{what}: standard_coal_unit numerator {num!r} must be kgce or tce") from None
            s_tce *= _per(_physical(den, what), per, what)
            dnum, dden = _split_ratio(r["co2_per_tce_unit"], what + " co2_per_tce_unit")
            mass_t, gas = _gas_mass(dnum, what)
            try:
                d_per_tce = r["co2_per_tce"] * mass_t * units.factor("tce", dden)
            except UnitError:
                raise UnitError(f"{what}: co2_per_tce_unit denominator {dden!r} must be tce or kgce") from None
            d_per_tce = units.to_basis(d_per_tce, gas, "CO2")
            ef[i] = s_tce * d_per_tce
            basis.append(gas)
        else:
            num, den = _split_ratio(r["ef_unit"], what + " ef_unit")
            mass_t, gas = _gas_mass(num, what)
            den_u = _physical(den, what)
            per = _physical(r["per_unit"], what) if "per_unit" in r and str(r["per_unit"]).strip() \
                not in ("", "nan", "None") else den_u
            ef[i] = units.to_basis(r["ef"] * mass_t * _per(den_u, per, what), gas, "CO2")
            basis.append(gas)
        per_units.append(per)
    df["per_unit"] = per_units
    df["ef_t_co2"] = ef
    df["basis_in"] = basis
    df["method"] = method
    return df


@lru_cache(maxsize=None)
def _preset(name: str) -> pd.DataFrame:
    with resources.files("spatial_carbon").joinpath(f"data/factors_{name}.csv").open(
        encoding="utf-8"
    ) as f:
        raw = pd.read_csv(f, comment="#", dtype={"fuel": str, "fuel_zh": str})
    return factors_from_frame(raw, where=f"preset {name!r}")


def load_factors(source: str | os.PathLike | pd.DataFrame = "ipcc2006") -> pd.DataFrame:
    """A factor table: a preset name, a CSV path, or a DataFrame.

    Parameters
    ----------
    source : str, path or DataFrame
        ``"ipcc2006"``, ``"seed001"``, the path of a CSV factor table (UTF-8
        or GB18030, ``#`` comments), or a DataFrame; layouts in
        :func:`factors_from_frame`.

    Returns
    -------
    pandas.DataFrame
        See :func:`factors_from_frame`; a new frame on every call.

    Raises
    ------
    InputError
        A name that is neither a preset nor an existing file.

    Notes
    -----
    Worked example (preset ``ipcc2006``, raw coal): NCV 20,908 kJ/kg =
    20.908 GJ/t (GB/T 2589-2008 Annex A), carbon content 25.8 kg C/GJ (IPCC
    2006 Vol. 2 Ch. 1 Table 1.3, other bituminous coal), oxidation 1:
    EF = 20.908 x 25.8 x 1e-3 x 1 x 44/12 = 1.97792 t CO2 per t of coal.
    """
    if isinstance(source, pd.DataFrame):
        return factors_from_frame(source)
    if isinstance(source, str) and source.strip().lower() in PRESETS:
        return _preset(source.strip().lower()).copy()
    p = Path(source)
    if not p.is_file():
        raise InputError(
            f"factor table {str(source)!r} is neither a preset ({', '.join(PRESETS)}) "
            "nor an existing CSV file"
        )
    return factors_from_frame(read_csv(p), where=p.name)


# ----------------------------------------------------------------------------
# emissions


def read_fuel_use(path: str | os.PathLike) -> pd.DataFrame:
    """Read a fuel-use CSV (``region, year, fuel, amount, unit``) as published.

    Values are read as text and validated by :func:`emissions`.
    """
    return read_csv(path, dtype=str, skipinitialspace=True)


_HEADER_UNIT = re.compile(r"^(?P<name>.*?)\s*[\(（\[]\s*(?P<unit>[^()（）\[\]]+?)\s*[\)）\]]\s*$")


def fuel_table_from_wide(
    table: pd.DataFrame,
    unit: str | dict[str, str] | None = None,
    *,
    year: int | None = None,
    blank: str = "error",
    where: str = "wide fuel table",
) -> pd.DataFrame:
    """Turn a yearbook-style wide table into a fuel table (long).

    Parameters
    ----------
    table : pandas.DataFrame
        One row per region (and year), one column per fuel, e.g. columns
        ``地区, 原煤(万吨), 焦炭(万吨), 天然气(亿立方米)`` or
        ``region, year, Raw Coal, Coke``.  Not modified.
    unit : str or dict, optional
        Unit of every fuel column (str), or per fuel (dict, keys in any
        spelling).  If omitted, each header must carry its unit in
        parentheses, ``原煤(万吨)`` / ``Raw Coal (10^4 t)``.
    year : int, optional
        Year of all rows when the table has no ``year`` column.
    blank : {"error", "zero"}
        Empty cells: keep them empty (``emissions`` then raises
        MissingDataError naming the row) or read them as 0 (yearbooks often
        leave zero use blank; say so in your methods).
    where : str
        Name of the input in error messages.

    Returns
    -------
    pandas.DataFrame
        ``region, year, fuel, amount, unit``, one row per cell.

    Raises
    ------
    InputError
        No region column, no year, or a fuel column without a unit.
    """
    if blank not in ("error", "zero"):
        raise InputError(f"blank must be 'error' or 'zero', got {blank!r}")
    df = table.copy()
    df.columns = [str(c).strip() for c in df.columns]
    rcol = regions.find_region_column(df, where=where)
    ycol = next((c for c in df.columns if c.lower() == "year" or c == "年份"), None)
    if ycol is None and year is None:
        raise InputError(f"{where} has no year column; pass year=...")
    fuel_cols = [c for c in df.columns if c not in (rcol, ycol)]
    if not fuel_cols:
        raise InputError(f"{where} has no fuel columns")
    per_fuel = {}
    if isinstance(unit, dict):
        per_fuel = {_match_key(k): v for k, v in unit.items()}
    parts = []
    for c in fuel_cols:
        m = _HEADER_UNIT.match(c)
        name, hdr_unit = (m.group("name"), m.group("unit")) if m else (c, None)
        u = per_fuel.get(_match_key(name)) if isinstance(unit, dict) else unit
        u = u or hdr_unit
        if not u:
            raise InputError(
                f"{where}: column {c!r} has no unit; write it in the header, e.g. "
                f"'{name}(万吨)', or pass unit="
            )
        amount = df[c]
        if blank == "zero":
            amount = amount.where(~(amount.isna() | (amount.astype(str).str.strip() == "")), 0)
        parts.append(pd.DataFrame({
            "region": df[rcol].to_numpy(),
            "year": df[ycol].to_numpy() if ycol else year,
            "fuel": name,
            "amount": amount.to_numpy(),
            "unit": u,
        }))
    return pd.concat(parts, ignore_index=True)


def _rows(df: pd.DataFrame, mask, limit: int = 5) -> str:
    idx = np.flatnonzero(np.asarray(mask))
    shown = [
        f"row {i + 1} ({df['region'].iloc[i]}, {df['year'].iloc[i]}, {df['fuel_in'].iloc[i]})"
        for i in idx[:limit]
    ]
    return ", ".join(shown) + (f" and {len(idx) - limit} more" if len(idx) > limit else "")


def emissions(
    fuel_use: pd.DataFrame,
    factors: str | os.PathLike | pd.DataFrame = "ipcc2006",
    *,
    by_fuel: bool = False,
    basis: str = "CO2",
    where: str = "fuel table",
) -> pd.DataFrame:
    """CO2 emissions per region-year from fuel use and emission factors.

    E(r, y) = sum_f  Q(r, y, f) x u(f) x EF(f), with Q the physical amount in
    the row's unit, u the conversion of that unit to the factor's unit
    (e.g. 10^4 t -> t: 10^4; 10^8 m3 -> m3: 10^8) and EF in t CO2 per unit.

    Parameters
    ----------
    fuel_use : pandas.DataFrame
        Columns ``region`` (any spelling, or ``region_code``), ``year``,
        ``fuel`` (English or Chinese, see :func:`normalize_fuel`), ``amount``
        (physical quantity, >= 0) and ``unit`` (``t``, ``10^4 t``, ``万吨``,
        ``m3``, ``10^8 m3``, ``亿立方米``, ``tce`` ...).  Not modified.
    factors : str, path or DataFrame
        Preset name (``"ipcc2006"`` default, ``"seed001"``), factor CSV path,
        or a factor table; see :func:`load_factors`.
    by_fuel : bool
        Also return one row per fuel (column ``fuel``) instead of the sum.
    basis : {"CO2", "C"}
        Gas basis of the result (column ``CO2_t`` or ``C_t``); C = CO2 x 12/44.
    where : str
        Name of the input in error messages (e.g. the file name).

    Returns
    -------
    pandas.DataFrame
        ``region_code, region, year, CO2_t`` (tonnes of CO2), or with
        ``by_fuel`` ``region_code, region, year, fuel, CO2_t``; sorted by
        year, region_code (and fuel).

    Raises
    ------
    InputError
        A missing column, a non-integer year, a non-numeric amount.
    UnknownRegionError
        A region not in the registry (with the closest names).
    DuplicateRowError
        The same region-year-fuel twice (after fuel-name normalisation).
    MissingDataError
        An empty amount.
    NegativeValueError
        A negative amount (the rows are named).
    MissingFactorError
        Fuels without a factor (lists them and the available fuels).
    UnitError
        An unknown unit, or a unit of another dimension than the factor's
        (e.g. an amount in t against a factor per m3), naming the row.

    Notes
    -----
    Worked example (preset ``seed001``): 100 x 10^4 t of raw coal =
    1.0e6 t x 0.7143 tce/t x 1.9003 t CO2/tce = 1,357,384.29 t CO2.
    """
    b = units.check_basis(basis)
    df = fuel_use.copy()
    df.columns = [str(c).strip() for c in df.columns]
    lower = {c.lower(): c for c in df.columns}
    need = [c for c in FUEL_COLUMNS if c not in lower and not (c == "region" and "region_code" in lower)]
    if need:
        raise InputError(
            f"{where} is missing column(s) {need}; a fuel table has columns "
            f"{', '.join(FUEL_COLUMNS)} (columns found: {', '.join(df.columns)})"
        )
    df = df.rename(columns={lower[c]: c for c in (*FUEL_COLUMNS, "region_code") if c in lower})
    if df.empty:
        raise InputError(f"{where} has no rows")
    df = regions.attach_codes(df, "region", where=where).reset_index(drop=True)

    years = pd.to_numeric(df["year"], errors="coerce")
    bad = years.isna() | (years % 1 != 0)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(f"{where}: year {df['year'].iloc[i]!r} in row {i + 1} is not a whole number")
    df["year"] = years.astype("int64")
    df["fuel_in"] = df["fuel"].astype(object)
    df["fuel"] = [normalize_fuel(f) for f in df["fuel_in"]]

    raw = df["amount"]
    amount = pd.to_numeric(raw, errors="coerce")
    empty = raw.isna() | (raw.astype(str).str.strip() == "")
    if empty.any():
        raise MissingDataError(f"{where}: empty amount in {_rows(df, empty)}; use 0 for no use")
    if amount.isna().any():
        bad = amount.isna()
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(f"{where}: amount {raw.iloc[i]!r} in {_rows(df, bad, 1)} is not a number")
    if not np.isfinite(amount).all():
        raise InputError(f"{where}: infinite amount in {_rows(df, ~np.isfinite(amount))}")
    neg = amount < 0
    if neg.any():
        raise NegativeValueError(
            f"{where}: negative fuel use in {_rows(df, neg)}; amounts must be >= 0"
        )
    df["amount"] = amount.astype("float64")

    no_unit = df["unit"].isna() | (df["unit"].astype(str).str.strip() == "")
    if no_unit.any():
        raise UnitError(f"{where}: empty unit in {_rows(df, no_unit)}; give e.g. t, 10^4 t, m3")

    key = df["fuel"].map(_fkey)
    dup = pd.Series(list(zip(df["region_code"], df["year"], key))).duplicated(keep=False)
    if dup.any():
        raise DuplicateRowError(
            f"{where}: the same region-year-fuel appears more than once: {_rows(df, dup)}; "
            "sum them first or remove the duplicates"
        )

    fac = load_factors(factors)
    fac_by_key = {_fkey(f): i for i, f in enumerate(fac["fuel"])}
    missing = sorted({f for f, k in zip(df["fuel"], key) if k not in fac_by_key})
    if missing:
        name = factors if isinstance(factors, str) else "the factor table"
        raise MissingFactorError(
            f"no emission factor in {name} for fuel(s) {missing}; available: "
            f"{', '.join(fac['fuel'])}. Use another preset or a factor file covering them"
        )
    fi = key.map(fac_by_key).to_numpy()
    per_unit = fac["per_unit"].to_numpy()[fi]
    ef = fac["ef_t_co2"].to_numpy()[fi]

    conv = np.empty(len(df))
    cache: dict[tuple[str, str], float] = {}
    for i, (u, pu) in enumerate(zip(df["unit"], per_unit)):
        k = (str(u), pu)
        if k not in cache:
            try:
                cache[k] = units.factor(str(u), pu)
            except UnitError as exc:
                mask = (df["unit"].astype(str) == str(u)).to_numpy() & (per_unit == pu)
                raise UnitError(
                    f"{where}: unit {u!r} in {_rows(df, mask)} cannot be used with the "
                    f"factor of {df['fuel'].iloc[i]!r}, which is per {pu} ({exc})"
                ) from None
        conv[i] = cache[k]
    co2 = df["amount"].to_numpy() * conv * ef
    col = f"{b}_t"
    df[col] = co2 if b == "CO2" else units.to_basis(co2, "CO2", "C")

    keys = ["region_code", "region", "year"] + (["fuel"] if by_fuel else [])
    out = df.groupby(keys, sort=False)[col].sum().reset_index()
    out = out.sort_values(["year", "region_code"] + (["fuel"] if by_fuel else []), kind="stable")
    return out.reset_index(drop=True)


#: The eight fuels of seed 001's inventory formula, as the *China Energy Statistical
#: Yearbook*'s provincial energy balance (地区能源平衡表, 实物量) prints them.
SEED001_FUELS = (("原煤", "万吨"), ("焦炭", "万吨"), ("原油", "万吨"), ("汽油", "万吨"),
                 ("煤油", "万吨"), ("柴油", "万吨"), ("燃料油", "万吨"), ("天然气", "亿立方米"))


def seed001_template(years, regions=None) -> pd.DataFrame:
    """Empty wide fuel table for seed 001's terminal-consumption route.

    One row per province and year, one column per fuel of the seed's
    formula with the yearbook's unit in the header (``原煤(万吨)`` ...
    ``天然气(亿立方米)``), to be filled from the *China Energy Statistical
    Yearbook*'s provincial energy balance (地区能源平衡表(实物量)), row
    终端消费量 -> 工业 (industrial terminal consumption), then run through
    ``spatial-carbon emissions FILE --wide --factors seed001`` (or used as
    ``[inputs] fuel`` of a study with ``factors = "seed001"``).  Workflow in
    ``docs/seed001.md``.

    Parameters
    ----------
    years : iterable of int
    regions : iterable, optional
        Region names or codes (default: the 30 provinces of the seed, i.e.
        the 31 mainland provinces without Tibet).

    Returns
    -------
    DataFrame
        ``地区, 年份`` and the eight fuel columns (empty: a blank is reported
        by ``emissions`` unless ``--blank-zero``).
    """
    from .. import regions as _regions

    reg = _regions.registry(mainland31=True)
    if regions is None:
        reg = reg[reg["region_code"] != 540000]
    else:
        codes = _regions.to_codes(pd.Series(list(regions)), where="template regions").tolist()
        reg = reg.set_index("region_code").loc[codes].reset_index()
    years = [int(y) for y in years]
    if not years:
        raise InputError("seed001_template needs at least one year")
    rows = [(name, y) for y in years for name in reg["name_zh"]]
    out = pd.DataFrame(rows, columns=["地区", "年份"])
    for fuel, unit in SEED001_FUELS:
        out[f"{fuel}({unit})"] = np.nan
    return out

