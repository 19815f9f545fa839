"""Sector and region aggregation of IO data with concordances held as data.

Bundled concordances (package data, see ``docs/io.md`` for provenance):

``ioc42_30``
    The 42 products of China's 2017 (and 2012) input–output tables to the 30
    sectors of the CEADs / Liu Weidong China MRIO tables (``io_sectors_42_30.csv``).
``ioc30_6``
    Those 30 sectors to 6 groups: agriculture, mining, manufacturing,
    utilities, construction, services (``io_sectors_30_6.csv``).
``ioc42_6``
    The composition of the two.

Aggregation is the textbook ``Z* = C^T Z C``, ``v* = C^T v`` with a 0/1
concordance matrix ``C`` (Miller & Blair 2009, ch. 4).  Intensities and
multipliers are *not* additive: aggregate flows and emissions, then
recompute them.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd

from spatial_carbon import regions
from spatial_carbon.errors import InputError

_FILES = {"ioc42_30": ("io_sectors_42_30.csv", "sector42", "sector30"),
          "ioc30_6": ("io_sectors_30_6.csv", "sector30", "group6")}


@lru_cache(maxsize=None)
def _load(fname: str) -> pd.DataFrame:
    with resources.files("spatial_carbon").joinpath(f"data/{fname}").open(encoding="utf-8") as f:
        return pd.read_csv(f)


def concordance_names() -> list[str]:
    """Names of the bundled sector concordances."""
    return sorted([*_FILES, "ioc42_6"])


def sector_concordance(name: str) -> pd.Series:
    """A bundled many-to-one sector concordance as a Series ``from -> to``.

    Parameters
    ----------
    name : {"ioc42_30", "ioc30_6", "ioc42_6"}

    Returns
    -------
    Series
        Index: source sector names (English, in table order); values: target
        sector names.  For ``ioc42_30`` the Chinese names of the 2017 table
        are accepted as well by :func:`concordance_matrix` via
        :func:`sector_names_zh`.
    """
    if name == "ioc42_6":
        a = sector_concordance("ioc42_30")
        b = sector_concordance("ioc30_6")
        return a.map(b).rename("group6")
    if name not in _FILES:
        raise InputError(f"unknown concordance {name!r}; known: {', '.join(concordance_names())}")
    fname, src, dst = _FILES[name]
    df = _load(fname)
    return pd.Series(df[dst].to_numpy(), index=pd.Index(df[src].to_numpy(), name=src), name=dst)


def sector_names_zh() -> pd.Series:
    """Chinese -> English names of the 42 products of the 2017 tables."""
    df = _load("io_sectors_42_30.csv")
    return pd.Series(df["sector42"].to_numpy(), index=df["sector42_zh"].to_numpy(), name="sector42")


def concordance_matrix(sectors, mapping: pd.Series | dict) -> pd.DataFrame:
    """0/1 concordance matrix ``C`` (old sectors x new sectors).

    Parameters
    ----------
    sectors : sequence
        Sectors of the data, in order.
    mapping : Series or dict
        ``old -> new``; every data sector must be mapped.

    Raises
    ------
    InputError
        If a data sector has no target (the message lists them).
    """
    mapping = pd.Series(mapping) if isinstance(mapping, dict) else mapping
    if not mapping.index.is_unique:
        raise InputError("concordance maps a sector twice; it must be many-to-one")
    sectors = list(sectors)
    unmapped = [s for s in sectors if s not in mapping.index]
    if unmapped:
        raise InputError(
            f"concordance has no target for sector(s) {unmapped[:10]}; "
            "add them or rename the sectors"
        )
    targets = list(dict.fromkeys(mapping.loc[sectors].tolist()))
    C = np.zeros((len(sectors), len(targets)))
    pos = {t: j for j, t in enumerate(targets)}
    for i, s in enumerate(sectors):
        C[i, pos[mapping[s]]] = 1.0
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

    if isinstance(mapping, str):
        mapping = sector_concordance(mapping)
    if isinstance(obj, ProvincialTable):
        C = concordance_matrix(obj.sectors, mapping)
        agg = lambda v: (C.T @ v).rename(v.name)  # noqa: E731
        return ProvincialTable(
            region=obj.region, Z=C.T @ obj.Z @ C, final_use=agg(obj.final_use),
            export=agg(obj.export), outflow=agg(obj.outflow), imports=agg(obj.imports),
            inflow=agg(obj.inflow), output=agg(obj.output), unit=obj.unit,
        )
    if isinstance(obj, pd.DataFrame) and list(obj.index) == list(obj.columns):
        C = concordance_matrix(obj.index, mapping)
        return C.T @ obj @ C
    if isinstance(obj, (pd.DataFrame, pd.Series)):
        C = concordance_matrix(obj.index, mapping)
        out = C.T @ obj
        return out.rename(obj.name) if isinstance(obj, pd.Series) else out
    raise InputError(f"cannot aggregate an object of type {type(obj).__name__}")


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
        raise InputError(f"grouping {scheme!r} does not cover region code(s) {missing}")
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
        raise InputError(f"sector bridge has no target for source sector(s) {unknown[:8]}")
    missing_w = sorted(set(bridge["target"]) - set(weights.index))
    if missing_w:
        raise InputError(f"no weights for target sector(s) {missing_w[:8]}")
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
