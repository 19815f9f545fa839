"""CEADs city CO2 inventories: workbook reader and matching to the city layer.

The CEADs city inventory (Shan et al. 2017, 2018, 2019, 2022) comes as one workbook,
``The_Emission_Inventories_for_290_Chinese_Cities_from_1997_to_2019.xlsx``,
with a ``NOTE`` sheet (unit: million tonnes CO2) and the same numbers twice:

* ``emission vector``: one row per city and year, columns ``ID`` (city name
  followed by the year, ``北京1997``), ``city``, ``year``, ``emission``;
* ``emission matrix``: one row per city, one column per year (header row
  ``city, 1995, 1997, ..., 2019``), empty cells where the city has no
  inventory.

The numbers are **total** CO2 of the city (all sectors, scope 1), not the
industrial emissions of the provincial study.  Coverage is sparse: 1 city in
1995 (Guiyang), 7 in 1997, 107 in 2000, 257-263 in 2010-2013, 170 in 2019;
an empty cell is a missing inventory, never zero, so the reader returns no row
for it.  :func:`read_cities` checks that the two sheets hold the same
city-years and the same values.

City names are written province + city without suffix (``安徽安庆``,
``湖北恩施州``, ``新疆伊犁州直属县``; the four municipalities as ``北京``).
:func:`match_cities` matches them to the prefectures of a city layer (the
bundled ``cities`` layer of 370 prefectures, GB/T 2260 codes, whose names
carry the suffixes 市, 地区, 盟, 自治州 ...) and reports what is unmatched on
both sides; :func:`city_emissions` gives the emissions keyed by the layer's
codes.  The reader is an I/O function; matching and conversion are pure.
"""

from __future__ import annotations

import dataclasses
import math
import os
import re
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from .. import regions, units
from ..errors import DuplicateRowError, InputError, NegativeValueError, UnitError
from ._workbook import Book, choose_engine

VECTOR_SHEET = "emission vector"
MATRIX_SHEET = "emission matrix"

#: What the emissions of the city inventory are (the ``scope`` column).
SCOPE = "total"

#: CEADs cities that are not prefectures of today's layer, and why (their
#: emissions cannot be split among the successors, so they stay unmatched).
FORMER_PREFECTURES = {
    "安徽巢湖": "prefecture abolished in 2011; its counties went to Hefei, Wuhu and Ma'anshan",
    "山东莱芜": "prefecture merged into Jinan in January 2019",
}

_YEAR = re.compile(r"^\s*((?:19|20)\d{2})(?:\.0)?\s*$")


def _col_letter(j: int) -> str:
    """Excel column letters of the 0-based column index ``j``."""
    s = ""
    j += 1
    while j:
        j, r = divmod(j - 1, 26)
        s = chr(65 + r) + s
    return s


def _blank(x) -> bool:
    return x is None or (isinstance(x, str) and x.strip() == "")


def _number(x, where: str) -> float:
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise InputError(f"{where}: {x!r} is not a number; CEADs emissions are numbers in Mt CO2")
    v = float(x)
    if not math.isfinite(v):
        raise InputError(f"{where}: {x!r} is not a finite number")
    if v < 0:
        raise NegativeValueError(f"{where}: negative emissions {v} Mt CO2")
    return v


def _check_unit(book: Book, path: Path) -> None:
    """The NOTE sheet's unit row must say million tonnes (if there is one)."""
    if "NOTE" not in book.sheetnames:
        return
    for r in book.rows("NOTE"):
        if r and not _blank(r[0]) and str(r[0]).lower().startswith("unit"):
            txt = " ".join(str(x) for x in r[1:] if not _blank(x))
            if "million" not in txt.lower() and "百万吨" not in txt:
                raise UnitError(
                    f"{path.name}, sheet 'NOTE': unit {txt!r}; the CEADs city reader expects "
                    "million tonnes (Mt) CO2"
                )
            return


def _parse_vector(rows: list[tuple], where: str) -> pd.DataFrame:
    if not rows:
        raise InputError(f"{where}: the sheet is empty")
    head = [str(h).strip().lower() if not _blank(h) else "" for h in rows[0]]
    need = ["id", "city", "year", "emission"]
    if head[:4] != need:
        raise InputError(f"{where}: header {list(rows[0][:4])}; expected ID, city, year, emission")
    city, year, value = [], [], []
    for i, r in enumerate(rows[1:], start=2):
        r = tuple(r) + (None,) * (4 - len(r))
        if all(_blank(x) for x in r[:4]):
            continue
        cell = f"{where}, row {i}"
        if _blank(r[1]):
            raise InputError(f"{cell}: no city name in column B")
        name = str(r[1]).strip()
        try:
            y = int(_number(r[2], f"{cell}, cell C{i}"))
        except InputError:
            raise InputError(f"{cell}, cell C{i}: year {r[2]!r} is not a year") from None
        if float(r[2]) != y:
            raise InputError(f"{cell}, cell C{i}: year {r[2]!r} is not a whole number")
        if _blank(r[0]) or str(r[0]).strip() != f"{name}{y}":
            raise InputError(
                f"{cell}, cell A{i}: ID {r[0]!r} is not the city and year {name}{y}"
            )
        city.append(name)
        year.append(y)
        value.append(_number(r[3], f"{cell}, cell D{i}"))
    out = pd.DataFrame({"city_zh": city, "year": np.asarray(year, dtype="int64"),
                        "CO2_Mt": np.asarray(value, dtype="float64")})
    dup = out.duplicated(["city_zh", "year"], keep=False)
    if dup.any():
        ex = out.loc[dup, ["city_zh", "year"]].drop_duplicates().head(10).values.tolist()
        raise DuplicateRowError(f"{where}: {int(dup.sum())} rows repeat a city-year, e.g. {ex}")
    return out


def _parse_matrix(rows: list[tuple], where: str) -> pd.DataFrame:
    if not rows:
        raise InputError(f"{where}: the sheet is empty")
    head = rows[0]
    if _blank(head[0]) or str(head[0]).strip().lower() != "city":
        raise InputError(f"{where}: cell A1 is {head[0]!r}; expected 'city'")
    years: dict[int, int] = {}
    for j, h in enumerate(head[1:], start=1):
        if _blank(h):
            continue
        m = _YEAR.match(str(h))
        if m is None:
            raise InputError(f"{where}: header cell {_col_letter(j)}1 {h!r} is not a year")
        y = int(m.group(1))
        if y in years.values():
            raise DuplicateRowError(f"{where}: year {y} appears twice in the header")
        years[j] = y
    city, year, value = [], [], []
    seen: dict[str, int] = {}
    for i, r in enumerate(rows[1:], start=2):
        if all(_blank(x) for x in r):
            continue
        if _blank(r[0]):
            raise InputError(f"{where}, row {i}: values but no city name in column A")
        name = str(r[0]).strip()
        if name in seen:
            raise DuplicateRowError(f"{where}: city {name!r} in rows {seen[name]} and {i}")
        seen[name] = i
        for j, y in years.items():
            x = r[j] if j < len(r) else None
            if _blank(x):
                continue  # no inventory for that year: missing, not zero
            city.append(name)
            year.append(y)
            value.append(_number(x, f"{where}, cell {_col_letter(j)}{i} ({name} {y})"))
    return pd.DataFrame({"city_zh": city, "year": np.asarray(year, dtype="int64"),
                         "CO2_Mt": np.asarray(value, dtype="float64")})


def _compare(vec: pd.DataFrame, mat: pd.DataFrame, where: str, rtol: float, atol: float) -> None:
    m = vec.merge(mat, on=["city_zh", "year"], how="outer", suffixes=("_v", "_m"), indicator=True)
    only_v = m[m["_merge"] == "left_only"]
    only_m = m[m["_merge"] == "right_only"]
    both = m[m["_merge"] == "both"]
    bad = both[~np.isclose(both["CO2_Mt_v"], both["CO2_Mt_m"], rtol=rtol, atol=atol)]
    problems = []

    def ex(df, n=5):
        return ", ".join(f"{c} {y}" for c, y in df[["city_zh", "year"]].head(n).itertuples(index=False))

    if len(only_v):
        problems.append(f"{len(only_v)} city-year(s) only in {VECTOR_SHEET!r} ({ex(only_v)})")
    if len(only_m):
        problems.append(f"{len(only_m)} city-year(s) only in {MATRIX_SHEET!r} ({ex(only_m)})")
    if len(bad):
        vals = "; ".join(f"{c} {y}: {a:.9g} vs {b:.9g} Mt" for c, y, a, b in
                         bad[["city_zh", "year", "CO2_Mt_v", "CO2_Mt_m"]].head(5)
                         .itertuples(index=False))
        problems.append(f"{len(bad)} value(s) differ ({vals})")
    if problems:
        raise InputError(
            f"{where}: the sheets {VECTOR_SHEET!r} and {MATRIX_SHEET!r} disagree: "
            + "; ".join(problems) + ". Fix the workbook or pass check='off' to read the "
            f"{MATRIX_SHEET!r} sheet alone"
        )


def read_cities(
    path: str | os.PathLike | None = None,
    *,
    check: Literal["raise", "off"] = "raise",
    rtol: float = 1e-12,
    atol: float = 1e-9,
    engine: Literal["auto", "openpyxl", "calamine"] = "auto",
) -> pd.DataFrame:
    """Read the CEADs city inventory workbook into a tidy table.

    Parameters
    ----------
    path : path-like, optional
        The workbook; default the bundled copy
        (:func:`spatial_carbon.datasets.ceads_cities`).
    check : {"raise", "off"}
        ``"raise"`` (default): the sheets ``emission vector`` and ``emission
        matrix`` must hold the same city-years with the same values (within
        ``rtol``/``atol``, Mt CO2), else an
        :class:`~spatial_carbon.errors.InputError` names the differences;
        ``"off"``: read the matrix alone.  In the 2019 release both sheets
        agree exactly (3,929 city-years).
    rtol, atol : float
        Tolerance of the check (relative; absolute in Mt CO2).
    engine : {"auto", "openpyxl", "calamine"}
        Workbook reader (as :func:`spatial_carbon.inventory.ceads.read_provinces`).

    Returns
    -------
    pandas.DataFrame
        ``city_zh`` (CEADs name, province + city, e.g. ``安徽安庆``), ``year``
        (int64), ``CO2_Mt`` (float64, Mt CO2 per year, total of the city),
        one row per city-year *with* an inventory (cities without data in a
        year have no row), in the matrix's city order, then by year.

    Raises
    ------
    InputError
        Missing or unreadable file, missing sheet, unexpected header,
        non-numeric cell (named by sheet and cell), sheets that disagree.
    UnitError
        If the NOTE sheet gives another unit than million tonnes.
    NegativeValueError, DuplicateRowError
        Negative emissions; a city-year or city twice.

    Notes
    -----
    References (the workbook's NOTE sheet): Shan Y. et al. (2022). City-level
    emission peak and drivers in China. Science Bulletin,
    doi:10.1016/j.scib.2022.08.024; Shan Y., Guan D., Hubacek K. et al.
    (2018). City-level climate change mitigation in China. Science Advances
    4:eaaq0390; Shan Y. et al. (2017). Methodology and applications of city
    level CO2 emission accounts in China. Journal of Cleaner Production;
    Shan Y. et al. (2019). An emissions-socioeconomic inventory of Chinese
    cities. Scientific Data 6:190027.  Data: https://ceads.net/data/city/.
    """
    from .. import datasets

    p = Path(path) if path is not None else datasets.ceads_cities()
    if not p.is_file():
        raise InputError(f"CEADs city workbook not found: {p}")
    if check not in ("raise", "off"):
        raise InputError(f"check must be 'raise' or 'off', got {check!r}")
    with Book(p, choose_engine(engine)) as book:
        missing = [s for s in (VECTOR_SHEET, MATRIX_SHEET) if s not in book.sheetnames]
        if MATRIX_SHEET in missing or (check == "raise" and missing):
            raise InputError(
                f"{p.name}: no sheet(s) {missing} (sheets: {book.sheetnames}); is this the CEADs "
                "city inventory workbook?"
            )
        _check_unit(book, p)
        mat = _parse_matrix(book.rows(MATRIX_SHEET), f"{p.name}, sheet {MATRIX_SHEET!r}")
        if check == "raise":
            vec = _parse_vector(book.rows(VECTOR_SHEET), f"{p.name}, sheet {VECTOR_SHEET!r}")
            _compare(vec, mat, p.name, rtol, atol)
    order = {c: i for i, c in enumerate(dict.fromkeys(mat["city_zh"]))}
    mat = mat.assign(_o=mat["city_zh"].map(order)).sort_values(["_o", "year"], kind="stable")
    return mat.drop(columns="_o").reset_index(drop=True)


# ----------------------------------------------------------------------------
# matching to a city layer (pure)


#: Suffixes of prefecture names in the layer, longest first.
_SUFFIXES = ("地区", "林区", "盟", "市", "县")
#: CEADs' short forms of a name (tried in order after the name itself).
_SHORT_FORMS = ((re.compile(r"州直属县$"), "", "the directly administered counties of the "
                 "autonomous prefecture (伊犁州直属县), matched to the prefecture's polygon"),
                (re.compile(r"州$"), "", "autonomous prefecture written X州"))


@dataclasses.dataclass
class CityMatch:
    """Result of :func:`match_cities`.

    Attributes
    ----------
    table : DataFrame
        One row per CEADs city: ``city_zh``, ``province_code`` (GB/T 2260 of
        the province, from the name's prefix), ``region_code`` (the layer's
        code, ``<NA>`` if unmatched), ``region`` (the layer's name),
        ``rule`` (how it matched, or why not).
    unmatched_data : list of str
        CEADs names without a polygon.
    unmatched_layer : DataFrame
        Layer rows (code, name, province code) no CEADs city matched.
    """

    table: pd.DataFrame
    unmatched_data: list[str]
    unmatched_layer: pd.DataFrame

    @property
    def n_matched(self) -> int:
        return int(self.table["region_code"].notna().sum())

    def summary(self) -> str:
        """One paragraph: counts and examples on both sides."""
        ul = self.unmatched_layer
        by_prov = ul.groupby("province_code").size().sort_values(ascending=False)
        provs = ", ".join(f"{regions.names([c]).iloc[0]} {n}" for c, n in by_prov.head(5).items())
        data_txt = "; ".join(
            f"{c} ({FORMER_PREFECTURES.get(c, 'no prefecture of that name')})"
            for c in self.unmatched_data) or "none"
        return (
            f"{self.n_matched} of {len(self.table)} CEADs cities matched to the city layer's "
            f"{self.n_matched + len(ul)} prefectures; unmatched in the inventory "
            f"({len(self.unmatched_data)}): {data_txt}; prefectures without an inventory "
            f"({len(ul)}), e.g. {', '.join(ul['region'].head(6))}"
            + (f" (most in {provs})" if provs else "")
        )


def _province_prefixes() -> list[tuple[str, int]]:
    reg = regions.registry()
    pairs = [(str(s), int(c)) for s, c in zip(reg["name_zh_short"], reg["region_code"]) if s]
    return sorted(pairs, key=lambda p: -len(p[0]))


def _stem(name: str) -> str:
    for suf in _SUFFIXES:
        if name.endswith(suf) and len(name) > len(suf) + 1:
            return name[: -len(suf)]
    return name


def match_cities(
    names, layer: pd.DataFrame, *, code_col: str = "code", name_col: str = "name_zh",
    province_col: str = "province_adcode",
) -> CityMatch:
    """Match CEADs city names (province + city) to the prefectures of a layer.

    Parameters
    ----------
    names : iterable of str
        CEADs names, e.g. ``安徽安庆``, ``北京``, ``湖北恩施州``.
    layer : DataFrame or GeoDataFrame
        The prefectures: code (GB/T 2260), Chinese name with suffix
        (``安庆市``, ``恩施土家族苗族自治州``, ``兴安盟``, ``大兴安岭地区``) and
        province code, e.g. :func:`spatial_carbon.datasets.boundaries` ``("city")``.
    code_col, name_col, province_col : str
        Column names in ``layer``.

    Returns
    -------
    CityMatch

    Raises
    ------
    InputError
        If ``layer`` lacks a column, or a name has no province prefix.

    Notes
    -----
    The province is the longest short provincial name (registry column
    ``name_zh_short``: 北京, 内蒙古, 黑龙江 ...) the name starts with; a
    municipality (name = province) matches its province's only polygon.
    Otherwise, among the province's prefectures, the one whose name without
    suffix (市, 地区, 盟, 林区, 县) equals the rest, else the one whose name
    starts with it (恩施 -> 恩施土家族苗族自治州); if none, the short forms
    X州 and X州直属县 are tried as X.  Two candidates are never guessed
    between: the name stays unmatched.
    """
    for c in (code_col, name_col, province_col):
        if c not in layer.columns:
            raise InputError(f"city layer has no column {c!r} (columns: {list(layer.columns)})")
    lay = pd.DataFrame({"code": layer[code_col].astype("int64").to_numpy(),
                        "name": layer[name_col].astype(str).to_numpy(),
                        "prov": layer[province_col].astype("int64").to_numpy()})
    prefixes = _province_prefixes()
    rows = []
    for raw in dict.fromkeys(str(n).strip() for n in names):
        prov = next((c for s, c in prefixes if raw.startswith(s)), None)
        if prov is None:
            raise InputError(f"CEADs city {raw!r} does not start with a province's name (安徽, 北京 ...)")
        short = next(s for s, c in prefixes if c == prov and raw.startswith(s))
        rest = raw[len(short):]
        cand = lay[lay["prov"] == prov]
        hit, rule = None, None
        if rest == "":
            if len(cand) == 1:
                hit, rule = cand.iloc[0], "municipality: the province's only polygon"
            else:
                rule = f"unmatched: municipality name but {len(cand)} polygons in the province"
        else:
            for pattern, repl, why in ((None, None, None), *_SHORT_FORMS):
                key = rest if pattern is None else pattern.sub(repl, rest)
                if pattern is not None and key == rest:
                    continue
                exact = cand[cand["name"].map(_stem) == key]
                pref = cand[cand["name"].str.startswith(key)]
                pick = exact if len(exact) == 1 else pref if len(pref) == 1 else None
                if pick is not None:
                    hit = pick.iloc[0]
                    rule = ("name" if pattern is None and len(exact) == 1 else
                            "name (prefix of the official name)" if pattern is None else why)
                    break
                if len(exact) > 1 or len(pref) > 1:
                    rule = f"unmatched: ambiguous ({', '.join((exact if len(exact) > 1 else pref)['name'])})"
                    break
            if hit is None and rule is None:
                rule = "unmatched: " + FORMER_PREFECTURES.get(raw, "no prefecture of that name in the layer")
        rows.append({"city_zh": raw, "province_code": prov,
                     "region_code": None if hit is None else int(hit["code"]),
                     "region": None if hit is None else hit["name"], "rule": rule})
    table = pd.DataFrame(rows, columns=["city_zh", "province_code", "region_code", "region", "rule"])
    table["region_code"] = table["region_code"].astype("Int64")
    table["province_code"] = table["province_code"].astype("int64")
    dup = table.dropna(subset=["region_code"])
    dup = dup[dup.duplicated("region_code", keep=False)]
    if len(dup):
        raise InputError(
            "several CEADs cities match one prefecture: "
            + "; ".join(f"{r} <- {', '.join(g['city_zh'])}" for r, g in dup.groupby("region"))
        )
    used = set(table["region_code"].dropna().astype(int))
    ul = lay[~lay["code"].isin(used)].rename(
        columns={"code": "region_code", "name": "region", "prov": "province_code"})
    return CityMatch(table=table,
                     unmatched_data=table.loc[table["region_code"].isna(), "city_zh"].tolist(),
                     unmatched_layer=ul.reset_index(drop=True))


def city_emissions(tidy: pd.DataFrame, match: CityMatch, *, unit: str = "t") -> pd.DataFrame:
    """Total CO2 per matched city and year, keyed by the layer's codes.

    Parameters
    ----------
    tidy : DataFrame
        From :func:`read_cities` (not modified).
    match : CityMatch
        From :func:`match_cities` on ``tidy["city_zh"]``; unmatched cities
        are left out (``match.unmatched_data`` names them).
    unit : str
        Mass unit of the result column (``"t"``: ``CO2_t``).

    Returns
    -------
    DataFrame
        ``region_code`` (GB/T 2260 city code), ``region`` (layer name),
        ``city_zh`` (CEADs name), ``province_code``, ``year``,
        ``CO2_<unit>`` and ``scope`` (``"total"``: all sectors of the city,
        not industry alone), sorted by year and region_code.
    """
    if units.dimension(unit) != "mass":
        raise UnitError(f"unit must be a mass unit such as 't' or 'Mt', got {unit!r}")
    need = {"city_zh", "year", "CO2_Mt"}
    if need - set(tidy.columns):
        raise InputError(f"city_emissions needs the table of read_cities(); missing "
                         f"{sorted(need - set(tidy.columns))}")
    m = match.table.dropna(subset=["region_code"])
    out = tidy.merge(m[["city_zh", "region_code", "region", "province_code"]], on="city_zh",
                     how="inner")
    col = f"CO2_{unit.strip()}"
    out[col] = units.convert(out["CO2_Mt"].to_numpy(dtype=float), "Mt", unit)
    out["region_code"] = out["region_code"].astype("int64")
    out["scope"] = SCOPE
    out = out[["region_code", "region", "city_zh", "province_code", "year", col, "scope"]]
    return out.sort_values(["year", "region_code"], kind="stable").reset_index(drop=True)


__all__ = ["read_cities", "match_cities", "city_emissions", "CityMatch", "FORMER_PREFECTURES",
           "SCOPE", "VECTOR_SHEET", "MATRIX_SHEET"]
