"""Population by province and year: yearbook reader and user tables.

Population enters the per-capita footprint indicators.  The bundled table is
the year-end resident population from the China Statistical Yearbook (NBS),
2000-2019, in 10^4 persons (万人), as tabulated in the GCAM-China input data:
``#`` comment lines (one says ``# Units: 10000 persons``), one row per region,
one column per year, a ``National Total`` row and ``sum``/``difference``
check rows.  Outputs are always in persons.

:func:`read_yearbook` opens files (I/O); :func:`tidy_population` and
:func:`require_years` are pure.
"""

from __future__ import annotations

import os
import re
import warnings
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from .. import regions, units
from .._io import read_csv
from ..errors import (
    DataQualityWarning, DuplicateRowError, InputError, MissingDataError, NegativeValueError,
    UnitError,
)

#: Row labels that are aggregates or checks, not provinces (normalised keys).
_NON_REGION = {"nationaltotal", "national", "total", "sum", "difference", "china", "全国",
               "合计", "总计", "差值"}


def _key(s) -> str:
    return re.sub(r"[\s_\-]", "", str(s)).lower()


def _unit_from_comments(path: Path) -> str | None:
    """Unit declared in a ``# Units: ...`` comment line, if any."""
    for enc in ("utf-8-sig", "gb18030"):
        try:
            with open(path, encoding=enc) as f:
                for line in f:
                    if not line.startswith("#"):
                        break
                    m = re.match(r"#\s*units?\s*[:=]\s*(.+?)\s*$", line, re.I)
                    if m:
                        return m.group(1)
            return None
        except UnicodeDecodeError:
            continue
    return None


def _normalise_unit(unit: str) -> str:
    u = str(unit).strip()
    # "10000 persons" is how the GCAM-China tables spell 10^4 persons
    u = re.sub(r"^\s*10000\s*", "10^4 ", u)
    u = re.sub(r"(?i)people|person\b|inhabitants", "persons", u)
    canon = units.normalize_unit(u)
    if units.dimension(canon) != "count":
        raise UnitError(f"population unit must be persons or 10^4 persons, got {unit!r}")
    return canon


def tidy_population(
    table: pd.DataFrame,
    unit: str,
    *,
    years: Sequence[int] | None = None,
    where: str = "population table",
) -> pd.DataFrame:
    """Normalise a long or wide population table to persons.

    Parameters
    ----------
    table : pandas.DataFrame
        Either long, with columns ``region`` (any spelling, or
        ``region_code``), ``year`` and ``population``; or wide, with a region
        column and one column per year (``2000``, ``2001``, ...).  Rows
        labelled ``National Total``, ``sum``, ``difference``, 全国 ... are
        dropped (use :func:`national_total` for the national row).  Empty
        cells are dropped (a missing value, not a zero).  Not modified.
    unit : str
        Unit of the values: ``"10^4 persons"`` (万人, yearbooks) or
        ``"persons"``.
    years : sequence of int, optional
        Years that must be present for every region; see :func:`require_years`.
    where : str
        Name of the input in error messages.

    Returns
    -------
    pandas.DataFrame
        ``region_code, region, year, population`` with ``population`` in
        persons (float64), sorted by year and region_code.

    Raises
    ------
    InputError
        No region column, or no year columns / values that are not numbers.
    UnknownRegionError
        A region name not in the registry.
    DuplicateRowError
        A region-year twice.
    NegativeValueError
        A negative population.
    UnitError
        A unit that is not a count of persons.
    MissingDataError
        A year requested in ``years`` is missing for some region.
    """
    canon = _normalise_unit(unit)
    to_persons = units.factor(canon, "persons")
    df = table.copy()
    df.columns = [str(c).strip() for c in df.columns]
    rcol = regions.find_region_column(df, where=where)
    df = df[~df[rcol].map(_key).isin(_NON_REGION)]
    lower = {c.lower(): c for c in df.columns}
    if "year" in lower and "population" in lower:
        long = df[[rcol, lower["year"], lower["population"]]].set_axis(
            ["region", "year", "population"], axis=1
        )
    else:
        ycols = [c for c in df.columns if re.fullmatch(r"(19|20)\d{2}", c)]
        if not ycols:
            raise InputError(
                f"{where}: neither long (region, year, population) nor wide "
                "(region + one column per year such as 2000, 2001, ...)"
            )
        long = df.melt(id_vars=[rcol], value_vars=ycols, var_name="year",
                       value_name="population").rename(columns={rcol: "region"})
    long = long[long["population"].notna() & (long["population"].astype(str).str.strip() != "")]
    try:
        pop = pd.to_numeric(long["population"], errors="raise").astype("float64")
        yr = pd.to_numeric(long["year"], errors="raise").astype("int64")
    except (ValueError, TypeError) as exc:
        raise InputError(f"{where}: non-numeric year or population ({exc})") from None
    long = long.assign(population=pop.to_numpy() * to_persons, year=yr.to_numpy())
    neg = long[long["population"] < 0]
    if len(neg):
        r = neg.iloc[0]
        raise NegativeValueError(
            f"{where}: negative population {r['population'] / to_persons:g} for "
            f"{r['region']} {r['year']} ({len(neg)} negative value(s) in all)"
        )
    out = regions.attach_codes(long, "region", where=where)
    dup = out.duplicated(["region_code", "year"], keep=False)
    if dup.any():
        d = out[dup].iloc[0]
        raise DuplicateRowError(
            f"{where}: {d['region']} {d['year']} appears {int(dup.sum())} times in all "
            "(one row per region-year, please)"
        )
    out = out.sort_values(["year", "region_code"]).reset_index(drop=True)
    _warn_spikes(out, where)
    if years is not None:
        require_years(out, years, where=where)
    return out[["region_code", "region", "year", "population"]]


def _warn_spikes(pop: pd.DataFrame, where: str, threshold: float = 0.05) -> None:
    """Warn about one-year spikes: a value >5 % off both neighbours, same side."""
    for code, g in pop.groupby("region_code", sort=True):
        g = g.sort_values("year")
        v = g["population"].to_numpy()
        y = g["year"].to_numpy()
        for i in range(1, len(v) - 1):
            if y[i - 1] != y[i] - 1 or y[i + 1] != y[i] + 1 or v[i - 1] <= 0 or v[i + 1] <= 0:
                continue
            a, b = v[i] / v[i - 1] - 1, v[i] / v[i + 1] - 1
            if abs(a) > threshold and abs(b) > threshold and np.sign(a) == np.sign(b):
                warnings.warn(
                    f"{where}: population of {g['region'].iloc[i]} in {y[i]} "
                    f"({v[i]:,.0f} persons) differs by {a:+.1%} and {b:+.1%} from "
                    f"{y[i] - 1} and {y[i] + 1}; check the source for a typing error",
                    DataQualityWarning, stacklevel=3,
                )


def require_years(
    pop: pd.DataFrame,
    years: Sequence[int],
    *,
    regions_: Sequence[int] | None = None,
    where: str = "population table",
) -> None:
    """Raise if a region lacks population for one of ``years``.

    Parameters
    ----------
    pop : pandas.DataFrame
        Tidy population (``region_code, region, year, population``).
    years : sequence of int
        Years needed.
    regions_ : sequence of int, optional
        Region codes that need them (default: every region in ``pop``).

    Raises
    ------
    MissingDataError
        Listing the missing region-years and the years that are available.
    """
    codes = sorted(set(pop["region_code"])) if regions_ is None else sorted(set(regions_))
    have = set(zip(pop["region_code"].astype("int64"), pop["year"].astype("int64")))
    missing = [(c, int(y)) for y in sorted(set(years)) for c in codes if (c, int(y)) not in have]
    if missing:
        miss = set(missing)
        whole = [int(y) for y in sorted(set(years))
                 if len(codes) > 1 and all((c, int(y)) in miss for c in codes)]
        partial = [(c, y) for c, y in missing if y not in whole]
        parts = []
        if whole:
            parts.append(f"year(s) {', '.join(map(str, whole))} (all {len(codes)} regions)")
        if partial:
            names = regions.names([c for c, _ in partial[:8]]).tolist()
            parts.append(", ".join(f"{n} {y}" for n, (_, y) in zip(names, partial))
                         + (f" and {len(partial) - 8} more" if len(partial) > 8 else ""))
        avail = sorted(set(pop["year"].astype(int)))
        rng = f"{avail[0]}-{avail[-1]}" if avail else "none"
        raise MissingDataError(
            f"{where}: population missing for {'; '.join(parts)}; available years: {rng}. "
            "Supply a population table covering these years"
        )


def read_yearbook(
    path: str | os.PathLike,
    *,
    unit: str | None = None,
    years: Sequence[int] | None = None,
) -> pd.DataFrame:
    """Read a population CSV (yearbook layout, or a user's long/wide table).

    Parameters
    ----------
    path : path
        CSV file (UTF-8 or GB18030; ``#`` lines are comments), e.g.
        :func:`spatial_carbon.datasets.population_csv`.
    unit : str, optional
        Unit of the values.  Default: the ``# Units:`` comment of the file
        (the bundled yearbook table says ``10000 persons``); if the file has
        none, ``unit`` is required.
    years : sequence of int, optional
        Years that must be present for every region (MissingDataError if not).

    Returns
    -------
    pandas.DataFrame
        ``region_code, region, year, population`` (persons, float64).

    Notes
    -----
    The bundled table (China Statistical Yearbook, year-end resident
    population, 10^4 persons) has 3535 for Heilongjiang 2013 between 3834
    (2012) and 3833 (2014), almost certainly a typing error for 3835; the
    reader keeps the value as published and issues a DataQualityWarning (any
    one-year spike of more than 5 % against both neighbouring years is
    reported the same way).
    """
    path = Path(path)
    declared = _unit_from_comments(path) if path.is_file() else None
    if unit is None:
        unit = declared
    if unit is None:
        raise UnitError(
            f"{path.name}: the unit of the population values is not declared; pass "
            "unit='10^4 persons' (yearbooks, 万人) or unit='persons'"
        )
    df = read_csv(path, dtype=str, skipinitialspace=True)
    return tidy_population(df, unit, years=years, where=path.name)


def national_total(path: str | os.PathLike, *, unit: str | None = None) -> pd.DataFrame:
    """The ``National Total`` row of a yearbook table: ``year, population`` (persons).

    The national total includes the military and other persons not allocated
    to provinces, so it exceeds the sum of the 31 provinces (by 0.4-2 % in
    the bundled table).
    """
    path = Path(path)
    unit = unit or _unit_from_comments(path)
    if unit is None:
        raise UnitError(f"{path.name}: pass unit='10^4 persons' or unit='persons'")
    f = units.factor(_normalise_unit(unit), "persons")
    df = read_csv(path, dtype=str)
    rcol = regions.find_region_column(df, where=path.name)
    row = df[df[rcol].map(_key).isin({"nationaltotal", "national", "china", "全国"})]
    if row.empty:
        raise MissingDataError(f"{path.name} has no 'National Total' row")
    ycols = [c for c in df.columns if re.fullmatch(r"(19|20)\d{2}", str(c).strip())]
    s = pd.to_numeric(row.iloc[0][ycols]).astype("float64") * f
    return pd.DataFrame({"year": [int(c) for c in ycols], "population": s.to_numpy()})
