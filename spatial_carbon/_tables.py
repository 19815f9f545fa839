"""Validation helpers shared by the table-in, table-out computation modules.

Private: used by :mod:`spatial_carbon.footprint.sinks`, :mod:`spatial_carbon.footprint`,
:mod:`spatial_carbon.footprint.zones` and :mod:`spatial_carbon.spatial.classify`.  Every helper
returns a new frame (inputs are never modified) or raises a typed error that
names the input, the offending rows and how to fix them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import regions
from .errors import (DuplicateRowError, InputError, MissingDataError, NegativeValueError,
                     show)

#: The region-column vocabulary (one list, owned by :mod:`spatial_carbon.regions`).
REGION_COLUMNS = regions.REGION_COLUMNS


def find_column(df: pd.DataFrame, name: str) -> str | None:
    """The column of ``df`` whose name equals ``name`` ignoring case and spaces."""
    want = name.replace(" ", "").lower()
    for c in df.columns:
        if str(c).replace(" ", "").lower() == want:
            return c
    return None


def with_regions(df: pd.DataFrame, *, where: str, ids: str = "auto") -> pd.DataFrame:
    """Copy of ``df`` keyed by ``region_code`` and ``region``.

    The region column is the first of :data:`spatial_carbon.regions.REGION_COLUMNS`
    present (any case); provincial spellings are normalised through the
    registry, other ids (cities, counties, a user's own) pass through
    (:func:`spatial_carbon.regions.normalise_ids`, rule ``ids``).
    """
    col = regions.find_region_column(df, where=where)
    cand = next(c for c in REGION_COLUMNS if find_column(df, c) == col)
    src = df.rename(columns={col: cand}) if col != cand else df
    if cand != "region_code" and "region_code" in src.columns:
        src = src.drop(columns="region_code")
    return regions.attach_codes(src, cand, where=where, ids=ids)


def with_year(df: pd.DataFrame, *, where: str, column: str = "year") -> pd.DataFrame:
    """Copy of ``df`` with an integer ``year`` column (checked, not coerced silently)."""
    col = find_column(df, column)
    if col is None:
        raise InputError(
            f"{where} has no {column!r} column (columns found: {', '.join(map(str, df.columns))})"
        )
    out = df.rename(columns={col: column}) if col != column else df.copy()
    empty = out[column].isna()
    if empty.all():
        raise InputError(
            f"{where}: column {column!r} is empty (e.g. class areas of a land-cover raster "
            "without a year in its name); give the year: spatial-carbon landcover --year YEAR, "
            "or years=[YEAR]"
        )
    y = pd.to_numeric(out[column], errors="coerce")
    bad = out.loc[y.isna() | (y != np.round(y)), column]
    if len(bad):
        raise InputError(
            f"{where}: column {column!r} must hold whole years; bad values: "
            f"{show(list(bad.unique()))}; correct them (e.g. 2019)"
        )
    out[column] = y.astype("int64")
    return out


def check_numeric(df: pd.DataFrame, cols, *, where: str, allow_negative: bool = False) -> pd.DataFrame:
    """Copy of ``df`` with ``cols`` as float64; missing, infinite or negative values are errors."""
    out = df.copy()
    for c in cols:
        v = pd.to_numeric(out[c], errors="coerce")
        nan = v.isna()
        if nan.any():
            rows = _describe_rows(out[nan])
            raise MissingDataError(
                f"{where}: column {c!r} is empty or not a number in {int(nan.sum())} row(s): "
                f"{rows}; fill in numbers or remove these rows"
            )
        inf = ~np.isfinite(v.to_numpy(dtype="float64"))
        if inf.any():
            rows = _describe_rows(out[inf])
            raise InputError(
                f"{where}: column {c!r} is infinite (inf) in {int(inf.sum())} row(s): {rows}; "
                "give finite numbers"
            )
        if not allow_negative and (v < 0).any():
            rows = _describe_rows(out[v < 0])
            raise NegativeValueError(
                f"{where}: column {c!r} must be non-negative; negative in {int((v < 0).sum())} "
                f"row(s): {rows}; correct or remove these rows"
            )
        out[c] = v.astype("float64")
    return out


def check_unique(df: pd.DataFrame, keys, *, where: str) -> None:
    """Raise :class:`DuplicateRowError` listing the keys that occur more than once."""
    dup = df.duplicated(list(keys), keep=False)
    if dup.any():
        # show the region's name rather than its code
        cols = ["region" if k == "region_code" and "region" in df.columns else k for k in keys]
        shown = df.loc[dup, cols].drop_duplicates().head(5)
        items = "; ".join(", ".join(f"{k}={show(v, 40, quote=False)}"
                                    for k, v in zip(cols, row))
                          for row in shown.itertuples(index=False))
        name = "-".join("region" if k == "region_code" else str(k) for k in keys)
        raise DuplicateRowError(
            f"{where} has {int(dup.sum())} rows with a repeated {name} key "
            f"(e.g. {items}); aggregate or remove the duplicates"
        )


def _describe_rows(df: pd.DataFrame, n: int = 5) -> str:
    cols = [c for c in ("region", "year", "class", "sink_class") if c in df.columns]
    if not cols:
        return ", ".join(f"row {i}" for i in df.index[:n])
    parts = [
        "/".join(str(v) for v in row) for row in df[cols].head(n).itertuples(index=False)
    ]
    more = f" and {len(df) - n} more" if len(df) > n else ""
    return ", ".join(parts) + more
