"""Sector and region aggregation of IO data with concordances held as data.

Bundled concordances (package data, see ``docs/io.md`` for provenance):

``seed002_2017``
    Seed 002's Table 1: the 42 products of the **2017** NBS input–output
    tables (regional and national; product 22 = 其他制造产品和废品废料,
    35 = 研究和试验发展, 36 = 综合技术服务) to the study's 30 sectors
    (``io_products_42.csv``, column ``seed002_30``; names in
    ``io_sectors_seed002_30.csv``).
``seed002_2012``
    The **2012** 42-product list (22 其他制造产品, 23 废品废料, 36
    科学研究和技术服务) to the same 30 sectors (our derivation of Table 1).
``seed002_30_6``
    The 30 sectors to the seed's six groups (agriculture 1, mining 2-5,
    manufacturing 6-23, utilities 24-26, construction 27, services 28-30);
    ``seed002_2017_6`` and ``seed002_2012_6`` are the compositions.
``seed003_2012``, ``seed003_2017``
    Either 42-product list to the 17 sectors of seed 003's interregional
    tables (our reconstruction, ``docs/io.md``).
``ioc42_30``, ``ioc30_6``, ``ioc42_6``
    The 2012 list to the 30 sectors of the CEADs / Liu Weidong MRIO tables,
    those to six groups, and the composition (``io_sectors_42_30.csv``,
    ``io_sectors_30_6.csv``; the CEADs bridge uses these 30 sectors).

Source sectors may be named by code (``22``, ``"22"``, ``"022"``), Chinese
name (``其他制造产品和废品废料``) or English name, in any mix; a table on
the other product list is refused with a message naming the right
concordance.  Aggregation is the textbook ``Z* = C^T Z C``, ``v* = C^T v``
with a 0/1 concordance matrix ``C`` (Miller & Blair 2009, ch. 4).
Intensities and multipliers are *not* additive: aggregate flows and
emissions, then recompute them.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd

from spatial_carbon import regions
from spatial_carbon.errors import InputError, show

_FILES = {"ioc42_30": ("io_sectors_42_30.csv", "sector42", "sector30"),
          "ioc30_6": ("io_sectors_30_6.csv", "sector30", "group6")}
#: concordances on the 42-product lists: name -> (product list, target column)
_PRODUCTS = {"seed002_2017": (2017, "seed002_30"), "seed002_2012": (2012, "seed002_30"),
             "seed003_2017": (2017, "seed003_17"), "seed003_2012": (2012, "seed003_17")}
_COMPOSED = {"ioc42_6": ("ioc42_30", "ioc30_6"), "seed002_2017_6": ("seed002_2017", "seed002_30_6"),
             "seed002_2012_6": ("seed002_2012", "seed002_30_6")}
#: the product list (2012 or 2017) whose names are the source of each concordance
_SOURCE_LIST = {"ioc42_30": 2012, "ioc42_6": 2012, "seed002_2017": 2017, "seed002_2012": 2012,
                "seed003_2017": 2017, "seed003_2012": 2012, "seed002_2017_6": 2017,
                "seed002_2012_6": 2012}


@lru_cache(maxsize=None)
def _load(fname: str) -> pd.DataFrame:
    with resources.files("spatial_carbon").joinpath(f"data/{fname}").open(encoding="utf-8") as f:
        return pd.read_csv(f, dtype={"seed003_17": str, "sector": str})


def concordance_names() -> list[str]:
    """Names of the bundled sector concordances."""
    return sorted([*_FILES, *_PRODUCTS, *_COMPOSED, "seed002_30_6"])


def products(year: int) -> pd.DataFrame:
    """The 42 products of China's 2012 or 2017 input–output tables.

    Returns
    -------
    DataFrame
        ``code42``, ``sector42_zh`` (NBS name), ``sector42`` (English),
        ``seed002_30`` (seed 002 Table 1 sector code), ``seed003_17``.
    """
    if year not in (2012, 2017):
        raise InputError(f"no bundled 42-product list for {year}; use 2012 or 2017")
    df = _load("io_products_42.csv")
    return df[df["list"] == year].drop(columns="list").reset_index(drop=True)


def seed002_sectors() -> pd.DataFrame:
    """Seed 002's 30 sectors (Table 1): ``code30, sector30_zh, sector30, group6, group6_zh``."""
    return _load("io_sectors_seed002_30.csv").copy()


def seed003_sectors() -> pd.DataFrame:
    """Seed 003's 17 sectors: ``sector`` (code ``"01"``-``"17"``), ``sector_zh``, ``sector_en``."""
    return _load("seed003_coefficients_2007.csv")[["sector", "sector_zh", "sector_en"]].copy()


def sector_concordance(name: str) -> pd.Series:
    """A bundled many-to-one sector concordance as a Series ``from -> to``.

    Parameters
    ----------
    name : str
        One of :func:`concordance_names` (module docstring).

    Returns
    -------
    Series
        Index: source sector names (English, in table order); values: target
        sector names (English).  :func:`aggregate_sectors` and
        :func:`concordance_matrix` (``aliases=``) also accept the source
        sectors by code or Chinese name.
    """
    if name in _COMPOSED:
        a, b = (sector_concordance(n) for n in _COMPOSED[name])
        return a.map(b).rename(b.name)
    if name == "seed002_30_6":
        df = seed002_sectors()
        return pd.Series(df["group6"].to_numpy(), index=pd.Index(df["sector30"].to_numpy(), name="sector30"),
                         name="group6")
    if name in _PRODUCTS:
        year, col = _PRODUCTS[name]
        df = products(year)
        if col == "seed002_30":
            names = seed002_sectors().set_index("code30")["sector30"]
            tgt = df[col].map(names)
        else:
            tgt = df[col].map(seed003_sectors().set_index("sector")["sector_en"])
        return pd.Series(tgt.to_numpy(), index=pd.Index(df["sector42"].to_numpy(), name="sector42"),
                         name=col)
    if name not in _FILES:
        raise InputError(f"unknown concordance {name!r}; known: {', '.join(concordance_names())}")
    fname, src, dst = _FILES[name]
    df = _load(fname)
    return pd.Series(df[dst].to_numpy(), index=pd.Index(df[src].to_numpy(), name=src), name=dst)


def sector_names_zh(year: int = 2012) -> pd.Series:
    """Chinese -> English names of the 42 products of the 2012 (default) or 2017 tables."""
    df = products(year)
    return pd.Series(df["sector42"].to_numpy(), index=df["sector42_zh"].to_numpy(), name="sector42")


def _norm(label) -> str:
    """Normalised label for matching: no spaces or punctuation, lower case, codes unpadded."""
    s = re.sub(r"[\s,，、;；.·()（）\-_/]+", "", str(label)).lower()
    return str(int(s)) if s.isdigit() else s


def sector_aliases(name: str) -> dict:
    """``{normalised alias: source sector}`` of a bundled concordance (codes, Chinese, English)."""
    src = list(sector_concordance(name).index)
    out = {_norm(s): s for s in src}
    year = _SOURCE_LIST.get(name)
    if year is not None:
        for _, r in products(year).iterrows():
            for a in (r["code42"], r["sector42_zh"], r["sector42"]):
                out[_norm(a)] = r["sector42"]
    elif name in ("seed002_30_6",):
        for _, r in seed002_sectors().iterrows():
            for a in (r["code30"], r["sector30_zh"], r["sector30"]):
                out[_norm(a)] = r["sector30"]
    return out


def resolve_sectors(sectors, name: str) -> list:
    """Source-sector names of a bundled concordance for the labels of a table.

    Raises
    ------
    InputError
        A label is not a source sector (by code, Chinese or English name); if
        the labels are those of the other 42-product list, the message names
        the concordance to use.
    """
    al = sector_aliases(name)
    sectors = list(sectors)
    out, unknown = [], []
    for s in sectors:
        hit = al.get(_norm(s))
        (unknown.append(s) if hit is None else out.append(hit))
    if unknown:
        hint = ""
        year = _SOURCE_LIST.get(name)
        if year is not None:
            other = 2017 if year == 2012 else 2012
            names_other = {_norm(a) for _, r in products(other).iterrows()
                           for a in (r["sector42_zh"], r["sector42"])}
            if all(_norm(u) in names_other for u in unknown if not str(u).strip().isdigit()):
                fam = name.split("_")[0] if name.startswith("seed") else "seed002"
                hint = (f"; these are products of the {other} list - use concordance "
                        f"'{fam}_{other}'")
        raise InputError(
            f"concordance {name!r} has no source sector {show(unknown)}"
            + (f" and {len(unknown) - 10} more" if len(unknown) > 10 else "") + hint
        )
    if len(set(out)) != len(out):
        dup = sorted({o for o in out if out.count(o) > 1})
        raise InputError(f"table sectors name the same source sector twice: {show(dup)}")
    return out


def concordance_matrix(sectors, mapping: pd.Series | dict, *, aliases: dict | None = None) -> pd.DataFrame:
    """0/1 concordance matrix ``C`` (old sectors x new sectors).

    Parameters
    ----------
    sectors : sequence
        Sectors of the data, in order (the rows of ``C`` keep these labels).
    mapping : Series or dict
        ``old -> new``; every data sector must be mapped.
    aliases : dict, optional
        ``{normalised label: key of mapping}`` (:func:`sector_aliases`), so
        that data sectors may be named by code or in another language.

    Raises
    ------
    InputError
        If a data sector has no target (the message lists them).
    """
    mapping = pd.Series(mapping) if isinstance(mapping, dict) else mapping
    if not mapping.index.is_unique:
        raise InputError("concordance maps a sector twice; it must be many-to-one")
    sectors = list(sectors)
    keys = [aliases.get(_norm(s), s) if aliases else s for s in sectors]
    unmapped = [s for s, k in zip(sectors, keys) if k not in mapping.index]
    if unmapped:
        raise InputError(
            f"concordance has no target for sector(s) {show(unmapped)}; "
            "add them or rename the sectors"
        )
    targets = list(dict.fromkeys(mapping.loc[keys].tolist()))
    C = np.zeros((len(sectors), len(targets)))
    pos = {t: j for j, t in enumerate(targets)}
    for i, k in enumerate(keys):
        C[i, pos[mapping[k]]] = 1.0
    return pd.DataFrame(C, index=pd.Index(sectors), columns=pd.Index(targets))


def aggregate_sectors(obj, mapping: pd.Series | dict | str):
    """Aggregate a flow matrix, a vector, a sector-indexed frame or a provincial table.

    Parameters
    ----------
    obj : ProvincialTable, DataFrame or Series
        * ``ProvincialTable``: every part aggregated (``Z* = C^T Z C``);
        * square DataFrame with sectors on both axes: ``C^T Z C``;
        * other DataFrame or Series: rows summed by target sector.
    mapping : Series, dict or bundled concordance name

    Returns
    -------
    Same type as ``obj``.
    """
    from spatial_carbon.inputoutput.provincial import ProvincialTable

    aliases = None
    if isinstance(mapping, str):
        name = mapping
        mapping = sector_concordance(name)
        aliases = sector_aliases(name)
        labels = obj.sectors if isinstance(obj, ProvincialTable) else obj.index
        resolve_sectors(labels, name)  # clear message for the wrong product list
    if isinstance(obj, ProvincialTable):
        C = concordance_matrix(obj.sectors, mapping, aliases=aliases)
        agg = lambda v: (C.T @ v).rename(v.name)  # noqa: E731
        return ProvincialTable(
            region=obj.region, Z=C.T @ obj.Z @ C, final_use=agg(obj.final_use),
            export=agg(obj.export), outflow=agg(obj.outflow), imports=agg(obj.imports),
            inflow=agg(obj.inflow), output=agg(obj.output), unit=obj.unit,
        )
    if isinstance(obj, pd.DataFrame) and list(obj.index) == list(obj.columns):
        C = concordance_matrix(obj.index, mapping, aliases=aliases)
        return C.T @ obj @ C
    if isinstance(obj, (pd.DataFrame, pd.Series)):
        C = concordance_matrix(obj.index, mapping, aliases=aliases)
        out = C.T @ obj
        return out.rename(obj.name) if isinstance(obj, pd.Series) else out
    raise InputError(f"cannot aggregate an object of type {type(obj).__name__}")


def aggregate_long(df: pd.DataFrame, name: str, value: str, *, keys=("region",)) -> pd.DataFrame:
    """Sum a long ``region, sector, value`` table to the sectors of a bundled concordance.

    Parameters
    ----------
    df : DataFrame
        Columns ``keys``, ``sector`` and ``value`` (an additive quantity, e.g.
        emissions in t CO2; never a ratio such as an intensity).
    name : str
        Bundled concordance (e.g. ``seed002_2017``); sectors may be named by
        code, English or Chinese name (:func:`resolve_sectors`).
    value : str
        The column to sum.
    keys : tuple of str
        Columns kept as they are (default ``("region",)``).

    Returns
    -------
    DataFrame
        ``keys``, ``sector`` (target sectors), ``value``, in order of appearance.
    """
    conc = sector_concordance(name)
    uniq = list(dict.fromkeys(df["sector"].astype(str)))
    target = dict(zip(uniq, resolve_sectors(uniq, name)))
    out = df.assign(sector=df["sector"].astype(str).map(target).map(conc))
    return out.groupby([*keys, "sector"], sort=False)[value].sum().reset_index()


def aggregate_regions(df: pd.DataFrame, scheme: str, columns=None) -> pd.DataFrame:
    """Sum additive columns of a region-keyed table to a grouping scheme.

    Parameters
    ----------
    df : DataFrame
        With a ``region_code`` (or ``region``) column.
    scheme : str
        A grouping of :func:`spatial_carbon.regions.grouping`, e.g.
        ``"seed002_8"`` or ``"seed003_8"``.
    columns : list, optional
        Columns to sum (default: every numeric column except ``region_code``).
        Ratios must be recomputed by the caller.
    """
    if "region_code" not in df.columns:
        df = regions.attach_codes(df, "region")
    g = regions.grouping(scheme)
    missing = sorted(set(df["region_code"]) - set(g.index))
    if missing:
        raise InputError(f"grouping {scheme!r} does not cover region code(s) {show(list(missing))}")
    if columns is None:
        columns = [c for c in df.select_dtypes("number").columns if c != "region_code"]
    out = df.assign(**{scheme: df["region_code"].map(g)}).groupby(scheme, sort=False)[list(columns)].sum()
    return out.reset_index()


# --------------------------------------------------------------------------- bridges (many-to-many)
_BRIDGES = {"ceads_ioc30": ("io_bridge_ceads_30.csv", "ceads_sector", "sector30")}


def sector_bridge(name: str = "ceads_ioc30") -> pd.DataFrame:
    """A bundled many-to-many sector bridge as a frame ``source, target``.

    ``ceads_ioc30`` (``data/io_bridge_ceads_30.csv``): the 45 production
    sectors of the CEADs provincial inventories to the 30 IO sectors of
    ``ioc42_30``.  Two CEADs sectors are split: "Wholesale, Retail Trade and
    Catering Services" -> wholesale/retail and hotels/restaurants; "Others"
    -> leasing/commercial services, scientific research, other services.
    The telecommunication part of CEADs "Transportation, Storage, Post and
    Telecommunication Services" goes wholly to transport (its emissions are
    small); logging goes to agriculture.  Our mapping — check it for a study.
    """
    if name not in _BRIDGES:
        raise InputError(f"unknown sector bridge {name!r}; known: {', '.join(_BRIDGES)}")
    fname, src, dst = _BRIDGES[name]
    df = _load(fname)
    return pd.DataFrame({"source": df[src].to_numpy(), "target": df[dst].to_numpy()})


def split_to_sectors(values: pd.Series, bridge: pd.DataFrame, weights: pd.Series) -> pd.Series:
    """Move values from source to target sectors, splitting by target weights.

    Parameters
    ----------
    values : Series
        Indexed by source sector (e.g. CEADs emissions).
    bridge : DataFrame
        Columns ``source``, ``target`` (many-to-many).
    weights : Series
        Indexed by target sector (e.g. the province's output by IO sector).

    Returns
    -------
    Series
        Indexed by the targets in ``weights`` order: ``Σ_s v_s w_t / Σ_{t'∈T(s)} w_t'``.
        The total is preserved.

    Raises
    ------
    InputError
        A source sector with a non-zero value has no target, or all its
        targets have zero weight (the value would be lost).
    """
    unknown = [s for s in values.index if s not in set(bridge["source"]) and values[s] != 0]
    if unknown:
        raise InputError(f"sector bridge has no target for source sector(s) {show(unknown)}")
    missing_w = sorted(set(bridge["target"]) - set(weights.index))
    if missing_w:
        raise InputError(f"no weights for target sector(s) {show(missing_w)}")
    out = pd.Series(0.0, index=weights.index, name=values.name)
    for s, v in values.items():
        if v == 0 or s not in set(bridge["source"]):
            continue
        targets = bridge.loc[bridge["source"] == s, "target"].tolist()
        w = weights.loc[targets].astype(float)
        if w.sum() <= 0:
            raise InputError(f"all targets of source sector {s!r} have zero weight; cannot split {v}")
        out.loc[targets] += v * (w / w.sum()).to_numpy()
    return out


def ceads_to_io_emissions(
    ceads: pd.DataFrame, tables: dict, year: int, *, bridge: str = "ceads_ioc30",
    factor: float = 1e6,
) -> pd.DataFrame:
    """Province-sector emissions in IO sectors from a CEADs inventory (direct method, seed 002).

    Parameters
    ----------
    ceads : DataFrame
        Tidy table of :func:`spatial_carbon.inventory.ceads.read_provinces`
        (``region_code, year, sector, fuel, CO2_Mt``); households are ignored.
    tables : dict of ProvincialTable
        In the bridge's target sectors (30 sectors: aggregate 42-sector tables
        with ``aggregate_sectors(t, "ioc42_30")`` first); their output is the
        split weight.
    year : int
    factor : float
        Multiplier applied to ``CO2_Mt`` (default 1e6: t CO2).

    Returns
    -------
    DataFrame
        ``region, sector, emissions`` for :func:`~spatial_carbon.inputoutput.provincial.province_intensities`.
    """
    from spatial_carbon import regions as _r
    from spatial_carbon.errors import MissingDataError

    need = {"region_code", "year", "sector", "CO2_Mt"}
    if need - set(ceads.columns):
        raise InputError(f"CEADs table lacks column(s) {sorted(need - set(ceads.columns))}")
    sub = ceads[ceads["year"] == year]
    if sub.empty:
        raise MissingDataError(f"CEADs table has no rows for {year}")
    br = sector_bridge(bridge)
    sums = sub.groupby(["region_code", sub["sector"].astype(str)], observed=True)["CO2_Mt"].sum()
    rows = []
    for reg, t in tables.items():
        code = _r.lookup(reg)
        if code not in sums.index.get_level_values(0):
            raise MissingDataError(f"CEADs table has no {year} rows for {reg!r}")
        v = sums.loc[code]
        v = v[v.index.isin(set(br["source"]))]  # drops Urban/Rural households
        e = split_to_sectors(v * factor, br, t.output)
        rows.append(pd.DataFrame({"region": reg, "sector": e.index, "emissions": e.to_numpy()}))
    return pd.concat(rows, ignore_index=True)
