"""Region registry: codes, names and spellings of China's provinces; groupings.

The registry (package data ``data/regions.csv``) holds the 34 provincial units
with their 6-digit GB/T 2260 code (``region_code``), English name (``region``),
Chinese names, the CEADs sheet name, and the spellings found in users' files
(pinyin such as ``Nei Monggol``/``Neimenggu``, ``内蒙古``, names with
省/市/自治区, "Province", ...).  Every table input passes through
:func:`attach_codes`, so outputs always carry ``region_code`` and ``region``.

Zones are not only provinces.  :func:`normalise_ids` decides, for a whole
column at once, whether its ids are provincial (then they are normalised
through the registry) or other ids, which pass through unchanged (city and
county GB/T 2260 codes, the names of the bundled city and county layers, a
user's own ids); the rule is in its docstring.  :data:`REGION_COLUMNS` is the
one vocabulary of region-column names every table reader uses.

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

from .errors import InputError, UnknownRegionError, shortlist, show

#: The one vocabulary of columns that hold region ids in tables, in order of
#: preference (matched ignoring case and spaces; see :func:`find_region_column`).
REGION_COLUMNS: tuple[str, ...] = (
    "region_code", "region", "zone", "province", "地区", "地区名称", "省份", "省", "name_zh",
)
#: How the ids of a column are read: ``auto`` (the rule of
#: :func:`normalise_ids`), ``province`` (registry only, unknown = error) or
#: ``as_given`` (never looked up in the registry).
ID_KINDS: tuple[str, ...] = ("auto", "province", "as_given")

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
        close = _closest(str(name)[:60])
        hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise UnknownRegionError(f"unknown region {show(name)}{hint}")
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
            close = _closest(str(u)[:60]) if len(bad) < 10 else []
            bad.append(show(u) + (f" (closest: {', '.join(close)})" if close else ""))
    if bad:
        more = f" and {len(bad) - 10} more" if len(bad) > 10 else ""
        raise UnknownRegionError(
            f"unknown region name(s) in {where}: {shortlist(bad, sep='; ')}. "
            "Use English, Chinese or pinyin names or GB/T 2260 codes "
            "(see spatial_carbon.regions.registry())"
        )
    return s.astype(object).map(mapping).astype("int64").set_axis(s.index)


def names(codes: Iterable) -> pd.Series:
    """English names for (provincial) region codes.

    Raises
    ------
    UnknownRegionError
        For a code that is not one of the 34 provincial units.
    """
    reg = _registry().set_index("region_code")["region"]
    codes = pd.Series(list(codes) if not isinstance(codes, pd.Series) else codes)
    out = codes.map(reg)
    if out.isna().any():
        missing = sorted(set(codes[out.isna()].tolist()), key=str)
        raise UnknownRegionError(f"unknown region code(s): {shortlist(missing)}")
    return out


def labels(ids: Iterable) -> list[str]:
    """Display text for ids of any kind: the English name of a provincial
    code, else the id itself (for messages and legends)."""
    reg = dict(zip(_registry()["region_code"], _registry()["region"]))
    out = []
    for i in ids:
        try:
            out.append(reg.get(int(i), str(i)) if _is_whole(i) else str(i))
        except (TypeError, ValueError):  # pragma: no cover - defensive
            out.append(str(i))
    return out


def find_region_column(df: pd.DataFrame, *, where: str = "input",
                       required: bool = True) -> str | None:
    """The column of ``df`` holding region ids: the first of
    :data:`REGION_COLUMNS` present (ignoring case and spaces).

    Raises
    ------
    InputError
        If ``required`` and there is none (the message lists the names).
    """
    have = {str(c).replace(" ", "").lower(): c for c in df.columns}
    for cand in REGION_COLUMNS:
        c = have.get(cand.replace(" ", "").lower())
        if c is not None:
            return c
    if required:
        raise InputError(
            f"{where} has no region column; name it one of {', '.join(REGION_COLUMNS)} "
            f"(columns found: {shortlist(map(str, df.columns), n=20)})"
        )
    return None


_WHOLE_TEXT = re.compile(r"^(?:0|[1-9][0-9]*)$")


def _is_whole(v) -> bool:
    if isinstance(v, (bool, np.bool_)):
        return False
    if isinstance(v, (int, np.integer)):
        return True
    if isinstance(v, (float, np.floating)):
        return bool(np.isfinite(v) and float(v).is_integer())
    return False


def canonical_ids(values: Iterable, *, where: str = "input") -> pd.Series:
    """Ids in one canonical type, so the same id matches across files.

    Whole numbers (also ``110100.0`` from a CSV column with gaps, or the text
    ``"110100"`` without leading zeros) become ``int64`` when every id of the
    column is one; otherwise every id is text (``str``, surrounding spaces
    removed; ``"001"`` stays ``"001"``).

    Raises
    ------
    InputError
        For empty ids, or fractional numbers.
    """
    s = values if isinstance(values, pd.Series) else pd.Series(list(values))
    na = s.isna()
    if na.any():
        raise InputError(f"{where}: {int(na.sum())} empty id(s); every row needs an id")
    if pd.api.types.is_bool_dtype(s):
        return s.astype(str)
    if pd.api.types.is_numeric_dtype(s):
        f = s.astype("float64")
        if not np.all(f == np.round(f)):
            bad = s[f != np.round(f)].unique()
            raise InputError(f"{where}: ids must be whole numbers or text, got {shortlist(bad)}")
        return f.astype("int64") if not pd.api.types.is_integer_dtype(s) else s.astype("int64")
    obj = s.astype(object)
    uniq = pd.unique(obj)
    as_int: dict = {}
    for u in uniq:
        if _is_whole(u):
            as_int[u] = int(u)
        elif isinstance(u, str) and _WHOLE_TEXT.match(u.strip()) and len(u.strip()) < 19:
            as_int[u] = int(u.strip())
        else:
            as_int = {}
            break
    if as_int and len(as_int) == len(uniq):
        return obj.map(as_int).astype("int64")
    txt = {u: (str(int(u)) if _is_whole(u) else str(u).strip()) for u in uniq}
    return obj.map(txt).astype(object)


@lru_cache(maxsize=1)
def _bundled_ids() -> dict[str, tuple[frozenset, frozenset]]:
    """Codes and names of the bundled city and county layers (empty if the
    sample data is not installed)."""
    try:
        import pyogrio

        from . import datasets

        gpkg = datasets.path("boundaries", "china_admin.gpkg")
        out = {}
        for level, layer in (("city", "cities"), ("county", "counties")):
            df = pyogrio.read_dataframe(gpkg, layer=layer, read_geometry=False,
                                        columns=["code", "name_zh"])
            out[level] = (frozenset(int(c) for c in df["code"]),
                          frozenset(str(n).strip() for n in df["name_zh"]))
        return out
    except Exception:  # pragma: no cover - sample data not installed
        return {}


def _in_bundled_layer(uniq: list) -> bool:
    """True if every id is a code of the bundled city layer, or every id a
    name of it, or the same for the county layer."""
    for codes, nms in _bundled_ids().values():
        if all(isinstance(u, (int, np.integer)) and int(u) in codes for u in uniq):
            return True
        if all(isinstance(u, str) and u in nms for u in uniq):
            return True
    return False


def _provincial(u) -> int | None:
    """Registry code of one canonical id, or None.  Whole numbers count only
    as full 6-digit codes here; 2-digit prefixes are decided column-wide."""
    if isinstance(u, (int, np.integer)):
        code = int(u)
        return code if code in _codes() else None
    return _index().get(_key(u))


@lru_cache(maxsize=1)
def _codes() -> frozenset:
    return frozenset(int(c) for c in _registry()["region_code"])


def id_kind(values: Iterable, *, where: str = "input") -> str:
    """``"province"`` or ``"as_given"``: how :func:`normalise_ids` reads these
    ids under ``ids="auto"`` (raises for mixed columns, see there)."""
    return _decide(canonical_ids(values, where=where), "auto", where)[0]


def _decide(ids: pd.Series, kind: str, where: str) -> tuple[str, dict | None]:
    if kind not in ID_KINDS:
        raise InputError(f"ids must be one of {', '.join(ID_KINDS)}, got {kind!r}")
    if kind == "as_given":
        return "as_given", None
    uniq = list(pd.unique(ids))
    found = {u: _provincial(u) for u in uniq}
    if kind == "province" and pd.api.types.is_integer_dtype(ids):  # 2-digit codes: 11 = Beijing
        prefixes = {int(c) // 10000: int(c) for c in _codes()}
        found = {u: (c if c is not None else prefixes.get(int(u))) for u, c in found.items()}
    bad = [u for u, c in found.items() if c is None]
    if not bad:
        return "province", found
    good = len(uniq) - len(bad)
    hint = ("Use English, Chinese or pinyin names or GB/T 2260 codes "
            "(see spatial_carbon.regions.registry())")
    if kind == "auto":
        if good == 0:
            # no id is provincial: other ids (cities, counties, own ids) -- unless they look like
            # misspelt provinces (a province table has at most 34 distinct ids)
            if len(uniq) > len(_codes()) or not any(
                    isinstance(u, str) and _closest_key(u) for u in bad):
                return "as_given", None
        elif _in_bundled_layer(uniq):
            return "as_given", None  # e.g. city codes: 500000 (Chongqing) is a city code too
        hint += (f"; if the ids are not provinces ({good} of {len(uniq)} are provincial names or "
                 "codes), read them as given: ids='as_given' (study config: [inputs] ids = "
                 "\"as_given\")")
    items = []
    for u in sorted(bad, key=str):
        # a name is shown shortened (a 100,000-character cell gives a short message)
        close = _closest(str(u)[:60]) if isinstance(u, str) else []
        items.append(show(u) + (f" (closest: {', '.join(close)})" if close else ""))
    raise UnknownRegionError(f"unknown region name(s) in {where}: {shortlist(items, sep='; ')}. {hint}")


def _closest_key(u: str) -> bool:
    return bool(difflib.get_close_matches(_key(u), list(_index()), n=1, cutoff=0.85))


def normalise_ids(
    values: Iterable,
    *,
    ids: str = "auto",
    names: Iterable | None = None,
    where: str = "input",
) -> tuple[pd.Series, pd.Series]:
    """Region codes and display names for a column of zone ids.

    Parameters
    ----------
    values : iterable
        Ids of one column (one per row; repeated ids are fine).
    ids : {"auto", "province", "as_given"}
        ``"province"``: every id must be a provincial spelling or code (the
        registry; unknown ones are an error with the closest names).
        ``"as_given"``: ids are used as they are.  ``"auto"`` (default)
        decides for the whole column:

        1. every id is a provincial spelling or code (English, Chinese,
           pinyin, CEADs sheet names, 6-digit GB/T codes) -> provincial
           (whole numbers count only as 6-digit codes: zones numbered 11, 12
           ... are a user's own ids; 2-digit prefixes need ``"province"``);
        2. no id is -> the ids pass through as given (city or county codes,
           a user's own ids), unless the column has at most 34 distinct ids
           and one looks like a misspelt province (then it is an error naming
           the closest provinces);
        3. some are, some are not -> as given if every id is a code of the
           bundled city layer (which has 500000 Chongqing, 710000, 810000,
           820000 as cities) or every id a name of it (北京市, 吉林市 ...), or
           the same for the county layer; otherwise an
           :class:`~spatial_carbon.errors.UnknownRegionError` listing the
           unknown ids, the closest provinces, and how to choose ``as_given``.

        Never silent: a column is either all provinces or all as given.
    names : iterable, optional
        Display names aligned with ``values`` (e.g. a layer's ``name_zh``),
        used for ids read as given.
    where : str
        Name of the input in messages.

    Returns
    -------
    (pandas.Series, pandas.Series)
        ``region_code`` and ``region``, on the index of ``values``.
        Provincial: int64 GB/T 2260 codes and English registry names.  As
        given: the ids in canonical form (:func:`canonical_ids`: int64 for
        whole numbers, else text) and ``names`` (or the id as text).

    Raises
    ------
    UnknownRegionError
        Unknown spellings in a provincial (or mixed) column.
    InputError
        Empty or fractional ids; an unknown ``ids`` choice.
    """
    s = values if isinstance(values, pd.Series) else pd.Series(list(values))
    canon = canonical_ids(s, where=where)
    kind, mapping = _decide(canon, ids, where)
    if kind == "province":
        codes = canon.map(mapping).astype("int64")
        return codes.rename("region_code"), names_of(codes).rename("region")
    if names is not None:
        nm = names if isinstance(names, pd.Series) else pd.Series(list(names), index=s.index)
        nm = nm.set_axis(s.index)
        disp = nm.where(nm.notna() & (nm.astype(str).str.strip() != ""), canon.astype(str))
        disp = disp.astype(str)
    else:
        disp = canon.astype(str)
    return canon.rename("region_code"), disp.astype(object).rename("region")


def names_of(codes: pd.Series) -> pd.Series:
    """English names of provincial codes, on the index of ``codes``."""
    return names(codes).set_axis(codes.index)


def attach_codes(
    df: pd.DataFrame, column: str = "region", *, where: str = "input", ids: str = "auto",
) -> pd.DataFrame:
    """Return a copy of ``df`` keyed by ``region_code`` and ``region``.

    The column holding region ids (spellings, codes, or other ids) is
    replaced by the two columns ``region_code`` and ``region``, placed first
    (:func:`normalise_ids` decides provincial vs as given).  If ``df`` already
    has a ``region_code`` column it is used; for ids read as given, an
    existing ``region`` column is kept as the display name.

    Raises
    ------
    InputError
        If neither ``column`` nor ``region_code`` is present.
    UnknownRegionError
        For unknown spellings in a provincial (or mixed) column.
    """
    src = "region_code" if "region_code" in df.columns else column
    if src not in df.columns:
        raise InputError(
            f"{where} has no region column {column!r} (columns: {', '.join(map(str, df.columns))})"
        )
    disp = df["region"] if (src == "region_code" and "region" in df.columns) else None
    codes, nm = normalise_ids(df[src], ids=ids, names=disp, where=where)
    out = df.drop(columns=[c for c in (src, "region", "region_code") if c in df.columns])
    out.insert(0, "region", nm.to_numpy())
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
