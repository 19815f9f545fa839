"""Land-cover legends as data, and their mapping to sink classes.

The legends ship as package data (``spatial_carbon/data/landcover_legends.csv``,
choices explained in ``landcover_legends.md``): one row per legend and raster
value with ``class_name`` and ``sink_class``.  ``sink_class == "nodata"``
marks fill values, which are counted as nodata pixels, never as a class.

A user edits the mapping either by passing their own CSV (columns ``value``,
``class_name``, ``sink_class``, optional ``legend``) or by overriding single
entries with ``sink_mapping={value_or_class_name: sink_class}``.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd

from ..errors import InputError, show

#: Sink classes understood by :mod:`spatial_carbon.footprint.sinks` (plus ``nodata``).
SINK_CLASSES = (
    "forest", "grassland", "shrub", "cropland", "water", "wetland",
    "impervious", "barren", "snow_ice",
)
NODATA = "nodata"

_ALIASES = {
    "clcd": "clcd",
    "modis": "modis_igbp", "igbp": "modis_igbp", "modis_igbp": "modis_igbp",
    "mcd12c1": "modis_igbp", "mcd12q1": "modis_igbp",
    "esa": "esa_worldcover", "worldcover": "esa_worldcover",
    "esa_worldcover": "esa_worldcover",
    "globeland30": "globeland30", "globeland": "globeland30",
}


@dataclass(frozen=True)
class Legend:
    """A land-cover legend: raster value -> class name and sink class.

    Attributes
    ----------
    name : str
        Legend name (``clcd``, ``modis_igbp``, ``esa_worldcover``,
        ``globeland30`` or the file it was read from).
    table : pandas.DataFrame
        Columns ``value`` (int), ``class_name``, ``sink_class``; one row per
        value, sorted by value.  Rows with ``sink_class == "nodata"`` are fill
        values.
    """

    name: str
    table: pd.DataFrame

    @property
    def classes(self) -> pd.DataFrame:
        """The rows that are real classes (not fill values)."""
        return self.table[self.table["sink_class"] != NODATA].reset_index(drop=True)

    @property
    def nodata_values(self) -> list[int]:
        """Values the legend itself declares as fill (no data)."""
        return self.table.loc[self.table["sink_class"] == NODATA, "value"].astype(int).tolist()

    def lookup(self, dtype: np.dtype, raster_nodata: float | None) -> tuple[np.ndarray, int]:
        """Value -> slot lookup table for a raster of ``dtype``.

        Slots ``0..K-1`` are the legend classes (in :attr:`classes` order),
        slot ``K`` is nodata (legend fill values and the raster's nodata),
        slot ``K+1`` collects values the legend does not know.

        Returns
        -------
        lut : numpy.ndarray of int32, indexed by ``value - offset``
        offset : int
            ``0`` for unsigned rasters, ``-min`` for signed ones.
        """
        dtype = np.dtype(dtype)
        if dtype.kind not in "ui" or dtype.itemsize > 2:
            raise InputError(
                f"land-cover rasters must hold 8- or 16-bit integers, got {dtype}; "
                "convert the raster (gdal_translate -ot Byte/UInt16)"
            )
        info = np.iinfo(dtype)
        offset = -int(info.min)
        k = len(self.classes)
        lut = np.full(int(info.max) - int(info.min) + 1, k + 1, dtype=np.int32)
        for slot, v in enumerate(self.classes["value"].astype(int)):
            if info.min <= v <= info.max:
                lut[v + offset] = slot
        for v in self.nodata_values:
            if info.min <= v <= info.max:
                lut[v + offset] = k
        if raster_nodata is not None and not np.isnan(raster_nodata):
            nd = int(raster_nodata)
            if nd == raster_nodata and info.min <= nd <= info.max:
                lut[nd + offset] = k
        return lut, offset


def available() -> list[str]:
    """Names of the bundled legends."""
    return sorted(_bundled()["legend"].unique().tolist())


@lru_cache(maxsize=1)
def _bundled() -> pd.DataFrame:
    text = resources.files("spatial_carbon").joinpath("data/landcover_legends.csv").read_text(
        encoding="utf-8"
    )
    return pd.read_csv(io.StringIO(text), comment="#", dtype={"legend": str, "class_name": str,
                                                              "sink_class": str})


def _validate(table: pd.DataFrame, where: str) -> pd.DataFrame:
    missing = {"value", "class_name", "sink_class"} - set(table.columns)
    if missing:
        raise InputError(
            f"legend {where} lacks column(s) {', '.join(sorted(missing))}; "
            "a legend table needs value, class_name, sink_class"
        )
    t = table[["value", "class_name", "sink_class"]].copy()
    try:
        v = pd.to_numeric(t["value"], errors="raise")
    except (TypeError, ValueError) as exc:
        raise InputError(f"legend {where}: non-numeric value in column 'value' ({exc})") from None
    if (v != np.floor(v)).any():
        raise InputError(f"legend {where}: values must be integers")
    t["value"] = v.astype("int64")
    t["class_name"] = t["class_name"].astype(str)
    t["sink_class"] = t["sink_class"].astype(str).str.strip().str.lower()
    dup = t["value"][t["value"].duplicated()].unique().tolist()
    if dup:
        raise InputError(f"legend {where}: value(s) {show(list(dup))} listed more than once")
    bad = sorted(set(t["sink_class"]) - set(SINK_CLASSES) - {NODATA})
    if bad:
        raise InputError(
            f"legend {where}: unknown sink class(es) {bad}; use one of "
            f"{', '.join(SINK_CLASSES)} or 'nodata'"
        )
    return t.sort_values("value").reset_index(drop=True)


def get_legend(
    legend: str | os.PathLike | pd.DataFrame | Legend = "clcd",
    sink_mapping: Mapping[int | str, str] | None = None,
) -> Legend:
    """Resolve a legend by name, CSV path or table, and apply edits.

    Parameters
    ----------
    legend : str, path, DataFrame or Legend
        A bundled name (``clcd``, ``modis_igbp``/``modis``/``igbp``,
        ``esa_worldcover``/``worldcover``, ``globeland30``), a CSV file with
        columns ``value, class_name, sink_class`` (a ``legend`` column, if
        present, must hold one legend only), or such a table.
    sink_mapping : mapping, optional
        Overrides: ``{raster value or class name: sink class}``, e.g.
        ``{3: "forest"}`` to count CLCD shrub as forest.

    Returns
    -------
    Legend

    Raises
    ------
    InputError
        Unknown legend name (the message lists the bundled ones), malformed
        table, unknown sink class, or an override naming no legend entry.
    """
    if isinstance(legend, Legend):
        name, table = legend.name, legend.table
    elif isinstance(legend, pd.DataFrame):
        name, table = "custom", legend
    else:
        s = str(legend)
        key = s.strip().lower().replace("-", "_").replace(" ", "_")
        if key in _ALIASES:
            name = _ALIASES[key]
            b = _bundled()
            table = b[b["legend"] == name]
        elif Path(s).suffix.lower() == ".csv" or Path(s).is_file():
            p = Path(s)
            if not p.is_file():
                raise InputError(f"legend file not found: {p}")
            from .._io import read_csv

            table = read_csv(p)
            if "legend" in table.columns and table["legend"].nunique() > 1:
                raise InputError(
                    f"legend file {p} holds several legends ({sorted(table['legend'].unique())}); "
                    "keep the rows of one legend"
                )
            name = p.name
        else:
            raise InputError(
                f"unknown legend {legend!r}; use one of {', '.join(available())} "
                "or the path of a CSV with columns value, class_name, sink_class"
            )
    table = _validate(table, repr(name))
    if sink_mapping:
        table = table.copy()
        for key, sink in sink_mapping.items():
            sink = str(sink).strip().lower()
            if sink not in SINK_CLASSES and sink != NODATA:
                raise InputError(
                    f"sink_mapping: unknown sink class {sink!r} for {key!r}; use one of "
                    f"{', '.join(SINK_CLASSES)} or 'nodata'"
                )
            if isinstance(key, (int, np.integer)) or (isinstance(key, str) and key.isdigit()):
                hit = table["value"] == int(key)
            else:
                hit = table["class_name"].str.lower() == str(key).lower()
            if not hit.any():
                raise InputError(
                    f"sink_mapping: {key!r} is neither a value nor a class name of legend "
                    f"{name!r} (values {table['value'].tolist()})"
                )
            table.loc[hit, "sink_class"] = sink
    return Legend(name=name, table=table)
