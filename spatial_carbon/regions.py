"""Region registry: codes, names and spellings of China's provinces; groupings.

The registry (package data ``data/regions.csv``) holds the 34 provincial units
with their 6-digit GB/T 2260 code (``region_code``), English name (``region``),
Chinese names, the CEADs sheet name, and the spellings found in users' files
(pinyin such as ``Nei Monggol``/``Neimenggu``, ``内蒙古``, names with
省/市/自治区, "Province", ...).  Every table input passes through
:func:`attach_codes`, so outputs always carry ``region_code`` and ``region``.

Groupings (economic regions) are data too: ``data/groupings.csv``, one row
per scheme, group and province; see ``data/groupings.md`` for sources.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from functools import lru_cache
from importlib import resources
from typing import Iterable

import numpy as np
import pandas as pd

from .errors import InputError, UnknownRegionError

_SUFFIXES_ZH = ("维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "省", "市")
_SUFFIXES_EN = (
    "uygurautonomousregion", "uyghurautonomousregion", "zhuangautonomousregion",
    "huiautonomousregion", "autonomousregion", "specialadministrativeregion",
    "municipality", "province", "sar", "zizhiqu", "sheng", "shi",
)


def _key(name: str) -> str:
    """Normalised lookup key of a region spelling (case, spaces, suffixes)."""
    s = unicodedata.normalize("NFKC", str(name)).strip().lower()
    s = re.sub(r"[\s\-_'’.,()]", "", s)
    for suf in _SUFFIXES_ZH:
        if s.endswith(suf) and len(s) > len(suf) + 1:
            s = s[: -len(suf)]
            break
    for suf in _SUFFIXES_EN:
        if s.endswith(suf) and len(s) > len(suf) + 2:
            s = s[: -len(suf)]
            break
    return s


@lru_cache(maxsize=1)
def _registry() -> pd.DataFrame:
    with resources.files("spatial_carbon").joinpath("data/regions.csv").open(
        encoding="utf-8"
    ) as f:
        df = pd.read_csv(f, dtype={"aliases": str, "ceads_sheet": str}, keep_default_na=False)
    df["region_code"] = df["region_code"].astype("int64")
    df["mainland31"] = df["mainland31"].astype(str).str.lower().eq("true")
    return df


@lru_cache(maxsize=1)
def _index() -> dict[str, int]:
    idx: dict[str, int] = {}
    for row in _registry().itertuples(index=False):
        code = int(row.region_code)
        spellings = [
            row.region, row.name_zh, row.name_zh_short, row.abbr_zh,
            row.ceads_sheet, row.stats_yb_name, row.ocha_pcode, str(code), str(code)[:2],
        ]
        spellings += [a for a in str(row.aliases).split("|") if a]
        for s in spellings:
            if not s:
                continue
            k = _key(s)
            if idx.get(k, code) != code:
                raise RuntimeError(f"registry spelling {s!r} is ambiguous")  # pragma: no cover
            idx[k] = code
    return idx


def registry(*, mainland31: bool | None = None) -> pd.DataFrame:
    """The region registry as a new DataFrame.

    Parameters
    ----------
    mainland31 : bool, optional
        ``True``: only the 31 mainland provinces; ``False``: only the others
        (Taiwan, Hong Kong, Macau); ``None`` (default): all 34 units.

    Returns
    -------
    pandas.DataFrame
        Columns ``region_code`` (int, GB/T 2260), ``region`` (English),
        ``name_zh``, ``name_zh_short``, ``abbr_zh``, ``ceads_sheet``,
        ``stats_yb_name``, ``ocha_pcode``, ``mainland31``, ``aliases``.
    """
    df = _registry()
    if mainland31 is not None:
        df = df[df["mainland31"] == mainland31]
    return df.reset_index(drop=True).copy()


def _closest(name: str, n: int = 3) -> list[str]:
    reg = _registry()
    by_code = dict(zip(reg["region_code"], reg["region"]))
    idx = _index()
    hits = difflib.get_close_matches(_key(name), list(idx), n=12, cutoff=0.5)
    out: list[str] = []
    for h in hits:
        nm = by_code[idx[h]]
        if nm not in out:
            out.append(nm)
    return out[:n]


def lookup(name) -> int:
    """Return the region code for one spelling or code.

    Accepts English, Chinese (full, short or one-character), pinyin and
    CEADs spellings, GB/T codes (``110000``, ``"11"``) and OCHA pcodes.

    Raises
    ------
    UnknownRegionError
        With the closest known names, if the spelling is not recognised.
    """
    if isinstance(name, (int, np.integer)) or (isinstance(name, float) and float(name).is_integer()):
        name = str(int(name))
    code = _index().get(_key(name))
    if code is None:
        close = _closest(str(name))
        hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise UnknownRegionError(f"unknown region {name!r}{hint}")
    return code


def to_codes(values: Iterable, *, where: str = "input") -> pd.Series:
    """Map spellings or codes to region codes (int64), element-wise.

    Parameters
    ----------
    values : iterable
        Region names or codes, any spelling.
    where : str
        Name of the input used in the error message (e.g. a file name).

    Raises
    ------
    UnknownRegionError
        Listing every unknown spelling with its closest known names.
    """
    s = pd.Series(list(values) if not isinstance(values, pd.Series) else values)
    uniq = pd.unique(s.astype(object))
    mapping, bad = {}, []
    for u in uniq:
        if u is None or (isinstance(u, float) and np.isnan(u)):
            bad.append("<empty>")
            continue
        try:
            mapping[u] = lookup(u)
        except UnknownRegionError:
            close = _closest(str(u))
            bad.append(f"{u!r}" + (f" (closest: {', '.join(close)})" if close else ""))
    if bad:
        raise UnknownRegionError(
            f"unknown region name(s) in {where}: {'; '.join(bad)}. "
            "Use English, Chinese or pinyin names or GB/T 2260 codes "
            "(see spatial_carbon.regions.registry())"
        )
    return s.astype(object).map(mapping).astype("int64").set_axis(s.index)


def names(codes: Iterable) -> pd.Series:
    """English names for region codes."""
    reg = _registry().set_index("region_code")["region"]
    codes = pd.Series(list(codes) if not isinstance(codes, pd.Series) else codes)
    out = codes.map(reg)
    if out.isna().any():
        missing = sorted(set(codes[out.isna()].tolist()))
        raise UnknownRegionError(f"unknown region code(s): {missing}")
    return out


def attach_codes(
    df: pd.DataFrame, column: str = "region", *, where: str = "input"
) -> pd.DataFrame:
    """Return a copy of ``df`` keyed by ``region_code`` and ``region`` (English).

    The column holding region spellings (or codes) is replaced by the two
    columns ``region_code`` and ``region``, placed first.  If ``df`` already
    has a ``region_code`` column it is validated and used.

    Raises
    ------
    InputError
        If neither ``column`` nor ``region_code`` is present.
    UnknownRegionError
        For any spelling not in the registry.
    """
    src = "region_code" if "region_code" in df.columns else column
    if src not in df.columns:
        raise InputError(
            f"{where} has no region column {column!r} (columns: {', '.join(map(str, df.columns))})"
        )
    codes = to_codes(df[src], where=where)
    out = df.drop(columns=[c for c in (src, "region", "region_code") if c in df.columns])
    out.insert(0, "region", names(codes).to_numpy())
    out.insert(0, "region_code", codes.to_numpy())
    return out


@lru_cache(maxsize=1)
def _groupings() -> pd.DataFrame:
    with resources.files("spatial_carbon").joinpath("data/groupings.csv").open(
        encoding="utf-8"
    ) as f:
        return pd.read_csv(f, dtype={"region_code": "int64"})


def grouping_schemes() -> list[str]:
    """Names of the bundled grouping schemes (e.g. ``seed002_8``, ``ecw3``)."""
    return sorted(_groupings()["scheme"].unique())


def grouping(scheme: str) -> pd.Series:
    """Group of every province under a scheme.

    Returns
    -------
    pandas.Series
        Indexed by ``region_code``, values are group names, named ``scheme``.

    Raises
    ------
    InputError
        If the scheme is unknown (the message lists the known schemes).
    """
    g = _groupings()
    sel = g[g["scheme"] == scheme]
    if sel.empty:
        raise InputError(
            f"unknown grouping scheme {scheme!r}; known: {', '.join(grouping_schemes())}"
        )
    return sel.set_index("region_code")["group"].rename(scheme)
