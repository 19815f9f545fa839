"""CEADs provincial CO2 inventories: workbook reader and sector groups.

The CEADs (Carbon Emission Accounts and Datasets) provincial inventories
(Shan et al. 2016, 2018, 2020; Guan et al. 2021) come as one workbook per
year, ``Emission_Inventories_for_30_Provinces_YYYY.xlsx``, with one sheet per
province named like ``Beijing2019`` (30 provinces, no Tibet) and a ``NOTE``
sheet.  Each province sheet is a sector x fuel matrix in Mt CO2 (IPCC
sectoral approach):

* row 1: header, ``Raw_Coal`` ... ``Natural_Gas`` (17 fuels), ``Scope_2_Heat``,
  ``Scope_2_Electricity``, ``Other_Energy``, ``Process``, ``Scope_1_Total``;
* row 2: units (``Mt CO2``); row 3 empty;
* row 4: the sheet's own total row (``Total Consumption``, ``TotalEmissions``
  or ``Total Emissions`` depending on the year);
* rows 5-51: 45 production sectors and the ``Urban`` and ``Rural`` households.

Quirks of the real files handled here: sector names padded with trailing
spaces (1997-2016 files), fuel headers spelled ``Raw Coal`` / ``Raw_Coal`` /
``CleanedCoal``, three spellings of the total row, and the 1997 file named in
lower case.  Every sheet is checked against its own totals (see
:func:`read_provinces`).

The reader is an I/O function (it opens paths); :func:`sector_groups`,
:func:`group_totals` and :func:`industrial_emissions` are pure.
"""

from __future__ import annotations

import os
import re
import warnings
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Iterable, Literal, Sequence

import numpy as np
import pandas as pd

from .. import regions, units
from ..errors import (
    DataQualityWarning, DuplicateRowError, InputError, MissingDataError, UnitError,
    UnknownRegionError,
)
from ._workbook import Book as _Book, choose_engine as _engine

#: Combustion fuels of the CEADs inventories (canonical spelling), then the
#: two non-fuel scope-1 columns.  The tidy frame's ``fuel`` column uses these.
FUELS: tuple[str, ...] = (
    "Raw Coal", "Cleaned Coal", "Other Washed Coal", "Briquettes", "Coke",
    "Coke Oven Gas", "Other Gas", "Other Coking Products", "Crude Oil",
    "Gasoline", "Kerosene", "Diesel Oil", "Fuel Oil", "LPG", "Refinery Gas",
    "Other Petroleum Products", "Natural Gas", "Other Energy", "Process",
)
#: Scope-2 columns (emissions of purchased heat and electricity): not part of
#: the tidy frame, because the same CO2 is already counted (scope 1) in the
#: sector "Production and Supply of Electric Power, Steam and Hot Water".
SCOPE2: tuple[str, ...] = ("Scope 2 Heat", "Scope 2 Electricity")
#: The sheet's row-total column (sum of :data:`FUELS`).
SCOPE1_TOTAL = "Scope 1 Total"

_TOTAL_LABELS = {"totalconsumption", "totalemissions", "total", "totalemission"}
_FILE_YEAR = re.compile(r"(19|20)\d{2}")
_SHEET = re.compile(r"^\s*(?P<name>.*?)[\s_]*(?P<year>(?:19|20)\d{2})\s*$")


def _key(s) -> str:
    return re.sub(r"[\s_\-]", "", str(s)).lower()


_COLUMN_KEYS: dict[str, str] = {_key(c): c for c in (*FUELS, *SCOPE2, SCOPE1_TOTAL)}
_COLUMN_KEYS.update({"liquefiedpetroleumgas": "LPG", "cleanedcoal": "Cleaned Coal",
                     "scope1": SCOPE1_TOTAL, "total": SCOPE1_TOTAL})


# ----------------------------------------------------------------------------
# sector groups (package data)


@lru_cache(maxsize=1)
def _sector_table() -> pd.DataFrame:
    with resources.files("spatial_carbon").joinpath("data/ceads_sectors.csv").open(
        encoding="utf-8"
    ) as f:
        return pd.read_csv(f, dtype={"order": "int64", "sector": str, "group": str,
                                     "subgroup": str})


def sector_groups() -> pd.DataFrame:
    """The CEADs sectors and their groups (package data ``data/ceads_sectors.csv``).

    Returns
    -------
    pandas.DataFrame
        Columns ``order`` (1-47, row order of the CEADs sheets), ``sector``
        (name as in CEADs, stripped), ``group`` and ``subgroup``.

    Notes
    -----
    Groups: ``agriculture`` (Farming, Forestry, Animal Husbandry, Fishery and
    Water Conservancy); ``industry`` = mining (Coal Mining and Dressing ...
    Logging and Transport of Wood and Bamboo, 7 sectors) + manufacturing (Food
    Processing ... Scrap and waste, 30) + utilities (Production and Supply of
    Electric Power, Steam and Hot Water; of Gas; of Tap Water), i.e. the CEADs
    rows from "Coal Mining and Dressing" to "Production and Supply of Tap
    Water"; ``construction``; ``transport`` (Transportation, Storage, Post and
    Telecommunication Services); ``services`` (Wholesale, Retail Trade and
    Catering Services; Others); ``households`` (Urban, Rural).  The
    mining/manufacturing/utilities split follows China's national industrial
    classification (GB/T 4754), which CEADs' 45 production sectors follow.
    """
    return _sector_table().copy()


# ----------------------------------------------------------------------------
# reading


def _as_files(source) -> list[Path]:
    """Workbook paths from a folder, a file, or an iterable of files."""
    if isinstance(source, (str, os.PathLike)):
        p = Path(source)
        if p.is_dir():
            files = sorted(
                f for f in p.iterdir()
                if f.suffix.lower() == ".xlsx" and not f.name.startswith(("~$", "."))
            )
            if not files:
                raise InputError(f"no .xlsx workbooks in folder {p}")
            return files
        if not p.is_file():
            raise InputError(f"CEADs workbook or folder not found: {p}")
        return [p]
    files = [Path(f) for f in source]
    if not files:
        raise InputError("no CEADs workbooks given")
    for f in files:
        if not f.is_file():
            raise InputError(f"CEADs workbook not found: {f}")
    return files


def _file_year(path: Path) -> int:
    m = list(_FILE_YEAR.finditer(path.stem))
    if not m:
        raise InputError(
            f"{path.name}: cannot tell the year from the file name; CEADs files are "
            "named like Emission_Inventories_for_30_Provinces_2019.xlsx"
        )
    return int(m[-1].group(0))


def _num(x) -> float:
    if x is None or x == "":
        return 0.0
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        return float(x)
    raise ValueError(x)


def _parse_sheet(rows: list[tuple], where: str):
    """Parse one province sheet; return (sectors, fuel columns, matrix, totals)."""
    if len(rows) < 5:
        raise InputError(f"{where}: too few rows ({len(rows)}) for a CEADs inventory sheet")
    header = rows[0]
    cols: dict[int, str] = {}
    unknown = []
    for j, h in enumerate(header[1:], start=1):
        if h is None or str(h).strip() == "":
            continue
        canon = _COLUMN_KEYS.get(_key(h))
        if canon is None:
            unknown.append(str(h))
        elif canon in cols.values():
            raise InputError(f"{where}: column {canon!r} appears twice in the header")
        else:
            cols[j] = canon
    if unknown:
        raise InputError(
            f"{where}: unknown column(s) {unknown} in the header; expected CEADs fuels "
            f"{', '.join(FUELS)}, {', '.join(SCOPE2)}, {SCOPE1_TOTAL}"
        )
    missing = [c for c in (*FUELS, SCOPE1_TOTAL) if c not in cols.values()]
    if missing:
        raise InputError(f"{where}: missing column(s) {missing} in the header")
    # unit row: every labelled column must say Mt CO2
    for j, c in cols.items():
        u = rows[1][j] if j < len(rows[1]) else None
        if u is None:
            continue
        txt = str(u).strip()
        if _key(txt) not in {"mtco2", "mt"}:
            raise UnitError(
                f"{where}: column {c!r} has unit {txt!r}; the CEADs reader expects Mt CO2"
            )
    total_i = None
    for i, r in enumerate(rows[1:], start=1):
        if r and r[0] is not None and _key(r[0]) in _TOTAL_LABELS:
            total_i = i
            break
    if total_i is None:
        raise InputError(
            f"{where}: no total row (labelled 'Total Consumption' or 'TotalEmissions') "
            "in column A"
        )
    order = list(cols)  # sheet column indices
    names = [cols[j] for j in order]
    sectors, values = [], []
    for i, r in enumerate(rows[total_i:], start=total_i):
        label = r[0] if r else None
        if label is None or str(label).strip() == "":
            if any(x not in (None, "") for x in r[1:]):
                raise InputError(f"{where}: row {i + 1} has values but no sector label")
            continue
        try:
            v = [_num(r[j]) if j < len(r) else 0.0 for j in order]
        except ValueError as exc:
            raise InputError(
                f"{where}: non-numeric cell {exc.args[0]!r} in row {i + 1} ({str(label).strip()!r})"
            ) from None
        sectors.append(str(label).strip())
        values.append(v)
    a = np.asarray(values, dtype="float64")
    totals, body, sectors = a[0], a[1:], sectors[1:]
    if len(set(sectors)) != len(sectors):
        dup = sorted({s for s in sectors if sectors.count(s) > 1})
        raise DuplicateRowError(f"{where}: sector(s) {dup} appear more than once")
    return sectors, names, body, totals


def _check_sheet(sectors, names, body, totals, where, check, rtol, atol):
    """Compare sector sums with the total row and fuel sums with Scope 1 Total."""
    problems = []
    colsum = body.sum(axis=0)
    bad = ~np.isclose(colsum, totals, rtol=rtol, atol=atol)
    for j in np.flatnonzero(bad):
        problems.append(
            f"column {names[j]!r}: sum of sectors {colsum[j]:.9g} Mt != total row {totals[j]:.9g} Mt"
        )
    fuel_idx = [names.index(f) for f in FUELS]
    tot_idx = names.index(SCOPE1_TOTAL)
    full = np.vstack([totals, body])
    rowsum = full[:, fuel_idx].sum(axis=1)
    labels = ["total row", *sectors]
    bad = ~np.isclose(rowsum, full[:, tot_idx], rtol=rtol, atol=atol)
    for i in np.flatnonzero(bad):
        problems.append(
            f"row {labels[i]!r}: sum of fuels and process {rowsum[i]:.9g} Mt != "
            f"{SCOPE1_TOTAL} {full[i, tot_idx]:.9g} Mt"
        )
    if problems and check != "off":
        msg = (f"{where}: the sheet does not add up to its own totals "
               f"(rtol={rtol:g}, atol={atol:g} Mt): " + "; ".join(problems[:5])
               + (f"; and {len(problems) - 5} more" if len(problems) > 5 else ""))
        if check == "raise":
            raise InputError(msg + ". Pass check='warn' to read it anyway.")
        warnings.warn(msg, DataQualityWarning, stacklevel=4)
    s2 = [names.index(c) for c in SCOPE2 if c in names]
    if s2 and np.any(full[:, s2] != 0):
        warnings.warn(
            f"{where}: non-zero scope-2 (heat/electricity) emissions are left out of the "
            "tidy table; they are counted (scope 1) in the power and heat sector",
            DataQualityWarning, stacklevel=4,
        )


def read_provinces(
    source: str | os.PathLike | Iterable[str | os.PathLike],
    years: Sequence[int] | None = None,
    *,
    check: Literal["raise", "warn", "off"] = "raise",
    rtol: float = 1e-9,
    atol: float = 1e-6,
    drop_zeros: bool = False,
    engine: Literal["auto", "openpyxl", "calamine"] = "auto",
) -> pd.DataFrame:
    """Read CEADs provincial inventory workbooks into a tidy table.

    Parameters
    ----------
    source : path or iterable of paths
        A folder of workbooks (every ``*.xlsx`` in it, any case), one
        workbook, or a list of workbooks.  The year is taken from the file
        name (the last 4-digit year in it) and must match the sheet names.
    years : sequence of int, optional
        Keep only these years; a requested year with no workbook raises
        :class:`~spatial_carbon.errors.MissingDataError`.  Workbooks of other
        years are not opened.
    check : {"raise", "warn", "off"}
        What to do when a sheet does not add up to its own totals:
        ``"raise"`` (default) an :class:`~spatial_carbon.errors.InputError`
        naming file, sheet, row/column and both values; ``"warn"`` a
        :class:`~spatial_carbon.errors.DataQualityWarning`; ``"off"`` nothing.
    rtol, atol : float
        Tolerance of the check (relative; absolute in Mt CO2; the default
        ``atol`` of 1e-6 Mt is one tonne).  On the 690 sheets of 1997-2019 the
        largest deviation is 3.4e-13 Mt (floating-point rounding).
    drop_zeros : bool
        Drop rows whose ``CO2_Mt`` is exactly 0 (about 60 % of the cells).
    engine : {"auto", "openpyxl", "calamine"}
        Workbook reader.  ``"auto"`` uses python-calamine (Rust, about ten
        times faster) when it is installed and openpyxl (read-only mode)
        otherwise; both give identical tables (tested).

    Returns
    -------
    pandas.DataFrame
        Columns ``region_code`` (int64, GB/T 2260), ``region`` (English),
        ``year`` (int64), ``sector`` (categorical, CEADs name without padding,
        in sheet order), ``fuel`` (categorical, :data:`FUELS`: 17 combustion
        fuels, ``Other Energy`` and ``Process`` for industrial process
        emissions, chiefly cement), ``CO2_Mt`` (float64, Mt CO2).  Sorted by
        year, region_code, sector order, fuel order.

    Raises
    ------
    InputError
        Missing file, unreadable sheet, unknown header, totals mismatch.
    UnknownRegionError
        A sheet name that is not a province.
    DuplicateRowError
        Two workbooks for one year, or two sheets for one province-year.
    UnitError
        A unit row that is not Mt CO2.

    Notes
    -----
    Scope-2 columns (``Scope_2_Heat``, ``Scope_2_Electricity``) are not
    carried into the table: the emissions of power and heat generation are
    already counted, as scope 1, in "Production and Supply of Electric Power,
    Steam and Hot Water"; adding scope 2 would count them twice.  The sheets'
    ``Scope_1_Total`` equals the sum of the 17 fuels + Other Energy + Process
    (checked), and in the 1997-2019 files the scope-2 columns are all zero; if
    a file has non-zero scope-2 values a DataQualityWarning says they were
    left out.

    Each workbook is opened once per call; nothing is cached between calls.
    Reading all 23 workbooks (1997-2019) takes about 1 s with python-calamine
    and 5-13 s with openpyxl on the development machine
    (``benchmarks/bench_ceads.py``).

    Sources: Shan et al. (2016) Applied Energy 184:742-750; Shan et al.
    (2018) Scientific Data 5:170201; Shan et al. (2020) Scientific Data 7:54;
    Guan et al. (2021) Earth's Future 9:e2021EF002241; data from CEADs
    (https://www.ceads.net).
    """
    eng = _engine(engine)
    if check not in ("raise", "warn", "off"):
        raise InputError(f"check must be 'raise', 'warn' or 'off', got {check!r}")
    files = _as_files(source)
    by_year: dict[int, Path] = {}
    for f in files:
        y = _file_year(f)
        if y in by_year:
            raise DuplicateRowError(
                f"two CEADs workbooks for {y}: {by_year[y].name} and {f.name}; keep one"
            )
        by_year[y] = f
    if years is not None:
        want = sorted({int(y) for y in years})
        missing = [y for y in want if y not in by_year]
        if missing:
            raise MissingDataError(
                f"no CEADs workbook for year(s) {missing}; available: "
                f"{', '.join(map(str, sorted(by_year)))}"
            )
        by_year = {y: by_year[y] for y in want}

    sector_order = list(_sector_table()["sector"])
    blocks = []  # (code, year, sectors, fuels, matrix)
    for year, path in sorted(by_year.items()):
        wb = _Book(path, eng)
        try:
            seen: dict[int, str] = {}
            for name in wb.sheetnames:
                m = _SHEET.match(name)
                if m is None:  # NOTE and other non-data sheets
                    continue
                where = f"{path.name}, sheet {name!r}"
                if int(m.group("year")) != year:
                    raise InputError(
                        f"{where}: sheet year {m.group('year')} differs from the file's year {year}"
                    )
                code = _lookup(m.group("name"), where)
                if code in seen:
                    raise DuplicateRowError(
                        f"{path.name}: sheets {seen[code]!r} and {name!r} are the same province"
                    )
                seen[code] = name
                rows = wb.rows(name)
                sectors, names, body, totals = _parse_sheet(rows, where)
                _check_sheet(sectors, names, body, totals, where, check, rtol, atol)
                fidx = [names.index(f) for f in FUELS]
                blocks.append((code, year, sectors, body[:, fidx]))
        finally:
            wb.close()
        if not seen:
            raise InputError(f"{path}: no province sheets (named like 'Beijing{year}')")

    extra = sorted({s for b in blocks for s in b[2]} - set(sector_order))
    cats = sector_order + extra
    sec_cat = pd.CategoricalDtype(cats, ordered=True)
    fuel_cat = pd.CategoricalDtype(list(FUELS), ordered=True)
    nf = len(FUELS)
    parts = []
    for code, year, sectors, mat in blocks:
        ns = len(sectors)
        parts.append(pd.DataFrame({
            "region_code": np.full(ns * nf, code, dtype="int64"),
            "year": np.full(ns * nf, year, dtype="int64"),
            "sector": pd.Categorical(np.repeat(sectors, nf), dtype=sec_cat),
            "fuel": pd.Categorical.from_codes(np.tile(np.arange(nf), ns), dtype=fuel_cat),
            "CO2_Mt": mat.reshape(-1),
        }))
    out = pd.concat(parts, ignore_index=True)
    if drop_zeros:
        out = out[out["CO2_Mt"] != 0]
    out.insert(1, "region", regions.names(out["region_code"]).to_numpy())
    out = out.sort_values(["year", "region_code", "sector", "fuel"], kind="stable")
    return out.reset_index(drop=True)


def _lookup(name: str, where: str) -> int:
    # CEADs sheet names are CamelCase without spaces ("InnerMongolia"); the
    # registry knows them through its ceads_sheet column.
    try:
        return regions.lookup(name)
    except UnknownRegionError as exc:
        raise UnknownRegionError(f"{where}: sheet name is not a province: {exc}") from None


# ----------------------------------------------------------------------------
# aggregation (pure)


def _check_tidy(tidy: pd.DataFrame, what: str) -> None:
    need = {"region_code", "region", "year", "sector", "fuel", "CO2_Mt"}
    missing = need - set(tidy.columns)
    if missing:
        raise InputError(
            f"{what} needs the tidy CEADs table of read_provinces(); missing column(s) "
            f"{sorted(missing)}"
        )


def group_totals(
    tidy: pd.DataFrame,
    groups: str | Sequence[str] | None = None,
    *,
    level: Literal["group", "subgroup"] = "group",
    include_process: bool = True,
) -> pd.DataFrame:
    """Total CO2 per region, year and sector group.

    Parameters
    ----------
    tidy : pandas.DataFrame
        Output of :func:`read_provinces` (not modified).
    groups : str or sequence of str, optional
        Keep only these groups (e.g. ``"industry"``); default all.
    level : {"group", "subgroup"}
        Aggregate to groups (agriculture, industry, construction, transport,
        services, households) or subgroups (mining, manufacturing, utilities,
        urban, rural, ...); see :func:`sector_groups`.
    include_process : bool
        Include industrial process emissions (fuel ``Process``, chiefly
        cement clinker).  ``False`` gives energy-related emissions only.

    Returns
    -------
    pandas.DataFrame
        ``region_code, region, year, group, CO2_Mt`` (Mt CO2), one row per
        region-year-group (groups with no sectors in ``tidy`` are absent).

    Raises
    ------
    InputError
        If a sector of ``tidy`` has no group in the sector table, or a
        requested group does not exist.
    """
    _check_tidy(tidy, "group_totals")
    if level not in ("group", "subgroup"):
        raise InputError(f"level must be 'group' or 'subgroup', got {level!r}")
    table = _sector_table()
    mapping = dict(zip(table["sector"], table[level]))
    sectors = pd.Series(tidy["sector"].astype(str).str.strip())
    unknown = sorted(set(sectors.unique()) - set(mapping))
    if unknown:
        raise InputError(
            f"sector(s) with no group: {unknown}; known CEADs sectors are listed by "
            "spatial_carbon.inventory.ceads.sector_groups()"
        )
    if groups is not None:
        wanted = [groups] if isinstance(groups, str) else list(groups)
        known = sorted(set(table[level]))
        bad = [g for g in wanted if g not in known]
        if bad:
            raise InputError(f"unknown {level}(s) {bad}; known: {', '.join(known)}")
    df = tidy[["region_code", "region", "year", "CO2_Mt"]].copy()
    df["group"] = sectors.map(mapping).to_numpy()
    if not include_process:
        df = df[(tidy["fuel"].astype(str) != "Process").to_numpy()]
    if groups is not None:
        df = df[df["group"].isin(wanted)]
    out = (
        df.groupby(["region_code", "region", "year", "group"], sort=True, observed=True)["CO2_Mt"]
        .sum()
        .reset_index()
    )
    return out


def industrial_emissions(
    tidy: pd.DataFrame, *, include_process: bool = True, unit: str = "t"
) -> pd.DataFrame:
    """Industrial CO2 (the study's ICE) per region-year from the CEADs table.

    ICE = sum of the ``industry`` group: mining + manufacturing + utilities
    (CEADs sectors "Coal Mining and Dressing" ... "Production and Supply of
    Tap Water"), all fuels, plus process emissions unless
    ``include_process=False``.

    Parameters
    ----------
    tidy : pandas.DataFrame
        Output of :func:`read_provinces` (not modified).
    include_process : bool
        Include industrial process emissions (default True).  Use False for
        energy-related emissions only, comparable with a fuel-based
        inventory (:func:`spatial_carbon.inventory.emissions`).
    unit : str
        Mass unit of the result, ``"t"`` (default, like
        :func:`spatial_carbon.inventory.emissions`) or ``"Mt"`` etc.

    Returns
    -------
    pandas.DataFrame
        ``region_code, region, year, CO2_<unit>`` (e.g. ``CO2_t``: tonnes
        CO2), sorted by year and region_code.
    """
    if units.dimension(unit) != "mass":
        raise UnitError(f"unit must be a mass unit such as 't' or 'Mt', got {unit!r}")
    g = group_totals(tidy, "industry", include_process=include_process)
    col = f"CO2_{unit.strip()}"
    g[col] = units.convert(g["CO2_Mt"], "Mt", unit)
    out = g[["region_code", "region", "year", col]]
    return out.sort_values(["year", "region_code"]).reset_index(drop=True)
