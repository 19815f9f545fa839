"""Vector layers: one reader, one "file and layer" syntax, one boundary
resolver, one join of tables to boundaries (I/O layer).

Syntax (the same in the Python API, the CLI, a study configuration and the
QGIS worker) -- GDAL's and QGIS's own data-source syntax:

``zones.gpkg``
    a file with one layer (GeoPackage, shapefile, GeoJSON, FlatGeobuf ...);
``zones.gpkg|layername=cities``
    one layer of a file with several (``|layerid=N`` picks the N-th, from 0);
``bundled:province``, ``bundled:city``, ``bundled:county``
    the bundled AMap boundaries (34 provincial units, 370 prefectures, 2,875
    counties; ``data/README.md``).

:func:`read` also takes the layer as a separate ``layer=`` argument, or a
``{"path": ..., "layer": ...}`` mapping (what the QGIS plugin sends).  A file
with several layers and none chosen, a missing, unreadable or corrupt file,
an unknown layer or a layer without features are a
:class:`~spatial_carbon.errors.LayerError` with a one-line message (the
layers of the file are listed).

:func:`boundaries` turns any polygon layer into zones keyed by
``region_code`` and ``region`` (ids normalised by
:func:`spatial_carbon.regions.normalise_ids`: provinces through the registry,
every other id as given).  :func:`join` attaches a table to boundaries with an
explicit ``how`` and returns a :class:`JoinReport` of what is unmatched on
both sides; features without data are left out of an analysis with one
:class:`~spatial_carbon.errors.UnmatchedRegionsWarning` and kept for drawing
(``how="left"``) as "No data".
"""

from __future__ import annotations

import dataclasses
import os
import re
import warnings
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import pandas as pd

from . import datasets, regions
from .errors import (CRSError, DuplicateRowError, InputError, LayerError,
                     UnmatchedRegionsWarning, shortlist)

#: Bundled boundary levels and their layer in ``data/boundaries/china_admin.gpkg``.
BUNDLED: dict[str, str] = datasets.BOUNDARY_LAYERS
#: Suffixes read as tables (CSV), not as layers, by :func:`read_table`.
TABLE_SUFFIXES = (".csv", ".txt")
#: Name fields looked for (in order) to label zones whose ids are not provinces.
NAME_FIELDS = ("region", "name_zh", "name", "NAME", "name_en", "NAME_EN")
#: Id fields looked for after :data:`spatial_carbon.regions.REGION_COLUMNS`.
ID_FIELDS = ("code", "adcode", "id", "ID", "fid")
_OPTION = re.compile(r"^(layername|layerid|geometrytype)=(.*)$", re.IGNORECASE)


@dataclasses.dataclass(frozen=True)
class LayerSource:
    """A parsed layer reference: a file (and layer) or a bundled level."""

    path: str | None = None
    layer: str | None = None
    layer_index: int | None = None
    bundled: str | None = None

    def __str__(self) -> str:
        if self.bundled:
            return f"bundled:{self.bundled}"
        if self.layer is not None:
            return f"{self.path}|layername={self.layer}"
        if self.layer_index is not None:
            return f"{self.path}|layerid={self.layer_index}"
        return str(self.path)

    @property
    def is_bundled(self) -> bool:
        return self.bundled is not None

    def file(self) -> Path:
        """The file holding the layer (the bundled GeoPackage for ``bundled:``)."""
        if self.bundled:
            return datasets.path("boundaries", "china_admin.gpkg")
        return Path(self.path)


def parse(spec: Any, *, layer: str | None = None) -> LayerSource:
    """Parse a layer reference (see the module docstring for the syntax).

    Parameters
    ----------
    spec : str, path, mapping or LayerSource
        ``"file"``, ``"file|layername=NAME"``, ``"file|layerid=N"``,
        ``"bundled:province|city|county"``, or ``{"path": ..., "layer": ...}``.
    layer : str, optional
        Layer name given separately (e.g. a ``--zones-layer`` option).

    Raises
    ------
    LayerError
        Unknown bundled level, unsupported option, two different layer names.
    """
    if isinstance(spec, LayerSource):
        src = spec
    elif isinstance(spec, Mapping):
        if "path" not in spec:
            raise LayerError(f"a layer given as a mapping needs 'path' (got {sorted(spec)})")
        src = parse(spec["path"], layer=spec.get("layer") or None)
    elif isinstance(spec, (str, os.PathLike)):
        src = _parse_text(os.fspath(spec))
    else:
        raise LayerError(f"a layer is a path or 'file|layername=NAME', got {type(spec).__name__}")
    if layer:
        if src.bundled:
            raise LayerError(f"bundled:{src.bundled} has one layer; do not give layer={layer!r}")
        if src.layer is not None and src.layer != layer:
            raise LayerError(f"two layer names for {src.path}: {src.layer!r} and {layer!r}")
        src = dataclasses.replace(src, layer=str(layer), layer_index=None)
    return src


def _parse_text(text: str) -> LayerSource:
    text = text.strip()
    if text.startswith("bundled:"):
        level = text[len("bundled:"):]
        if level not in BUNDLED:
            raise LayerError(
                f"unknown bundled layer {text!r}; use one of "
                + ", ".join(f"bundled:{k}" for k in BUNDLED)
            )
        return LayerSource(bundled=level)
    path, *opts = text.split("|")
    if not opts and "::" in path:  # 0.1 syntax of `landcover --zones FILE::LAYER`
        warnings.warn(f"{text!r}: 'FILE::LAYER' is deprecated; write 'FILE|layername=LAYER'",
                      DeprecationWarning, stacklevel=3)
        path, name = path.split("::", 1)
        return LayerSource(path=path, layer=name)
    name, index = None, None
    for opt in opts:
        m = _OPTION.match(opt.strip())
        if m is None:
            raise LayerError(
                f"{text!r}: unsupported option {opt!r}; use FILE|layername=NAME or "
                "FILE|layerid=N (export a filtered selection to a file first)"
            )
        key, value = m.group(1).lower(), m.group(2)
        if key == "layername":
            name = value
        elif key == "layerid":
            try:
                index = int(value)
            except ValueError:
                raise LayerError(f"{text!r}: layerid must be a whole number") from None
    return LayerSource(path=path, layer=name, layer_index=index)


def list_layers(spec: Any, *, spatial: bool = True) -> list[str]:
    """Names of the vector layers in a file.

    ``spatial=True`` (default) lists only layers with geometry: a
    GeoPackage's attribute tables (e.g. ``layer_styles``, where QGIS keeps
    styles) are not layers to choose from.

    Raises
    ------
    LayerError
        If the file does not exist or GDAL cannot open it as vector data.
    """
    src = parse(spec)
    p = src.file()
    if not p.exists():
        raise LayerError(f"file not found: {p}")
    import pyogrio

    try:
        found = pyogrio.list_layers(p)
    except Exception as exc:  # pyogrio raises DataSourceError and others
        raise LayerError(f"cannot read {p}: {_first_line(exc)}; is it a vector file GDAL can "
                         "open (GeoPackage, shapefile, GeoJSON) and complete?") from None
    if not len(found):
        return []
    return [str(n) for n, g in found if not spatial or g is not None]


def _first_line(exc: BaseException) -> str:
    """GDAL's message without its generic driver hint, on one line."""
    text = str(exc).strip().splitlines()
    first = text[0] if text else type(exc).__name__
    return first.split(" It might help")[0].rstrip(" ;.")


def read(
    spec: Any,
    *,
    layer: str | None = None,
    where: str = "layer",
    require_features: bool = True,
):
    """Read one vector layer as a GeoDataFrame (the one layer reader).

    Parameters
    ----------
    spec : str, path, mapping or LayerSource
        See :func:`parse`.
    layer : str, optional
        Layer name, if not in ``spec``.
    where : str
        What the layer is, for messages (e.g. ``"zones layer"``).
    require_features : bool
        An empty layer is an error (default).

    Returns
    -------
    geopandas.GeoDataFrame
        As stored (no column added), except the bundled city and county
        layers, which also get ``region_code`` (= ``code``, GB/T 2260) and
        ``region`` (= ``name_zh``).

    Raises
    ------
    LayerError
        Missing or unreadable file, several layers and none chosen (the
        message lists them), unknown layer, no features.
    """
    import geopandas as gpd

    src = parse(spec, layer=layer)
    p = src.file()
    if src.bundled:
        name = BUNDLED[src.bundled]
    else:
        names = list_layers(src)
        if not names:
            raise LayerError(f"{where}: {p} holds no vector layer with geometry")
        if src.layer_index is not None:
            if not 0 <= src.layer_index < len(names):
                raise LayerError(f"{where}: {p} has {len(names)} layer(s); layerid="
                                 f"{src.layer_index} is out of range ({shortlist(names)})")
            name = names[src.layer_index]
        elif src.layer is not None:
            if src.layer not in names:
                raise LayerError(f"{where}: {p} has no layer {src.layer!r}; its layers are "
                                 f"{shortlist(names)}")
            name = src.layer
        elif len(names) > 1:
            raise LayerError(
                f"{where}: {p} holds {len(names)} layers ({shortlist(names)}); choose one: "
                f"'{p}|layername={names[0]}'"
            )
        else:
            name = names[0]
    try:
        gdf = gpd.read_file(p, layer=name, engine="pyogrio")
    except Exception as exc:
        raise LayerError(f"{where}: cannot read layer {name!r} of {p}: {_first_line(exc)}") from None
    if not isinstance(gdf, gpd.GeoDataFrame) or gdf.geometry.name not in gdf.columns:
        raise LayerError(f"{where}: layer {name!r} of {p} has no geometry; choose a polygon layer")
    if require_features and len(gdf) == 0:
        raise LayerError(f"{where}: layer {name!r} of {p} has no features")
    if src.bundled in ("city", "county"):
        gdf.insert(0, "region", gdf["name_zh"].astype(object).to_numpy())
        gdf.insert(0, "region_code", gdf["code"].astype("int64").to_numpy())
    return gdf


def read_table(spec: Any, *, where: str = "table") -> pd.DataFrame:
    """A CSV table (UTF-8 or GB18030), or the attribute table of a layer.

    Raises
    ------
    InputError
        An empty table; :class:`LayerError` for an unreadable layer.
    """
    src = parse(spec)
    if not src.bundled and src.layer is None and src.layer_index is None and \
            Path(src.path).suffix.lower() in TABLE_SUFFIXES:
        from ._io import read_csv

        if not Path(src.path).exists():
            raise InputError(f"{where}: file not found: {src.path}")
        df = read_csv(src.path)
    else:
        gdf = read(src, where=where)
        df = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
    if len(df) == 0:
        raise InputError(f"{where} is empty (no rows)")
    return df


def is_table(spec: Any) -> bool:
    """True if ``spec`` names a CSV table rather than a layer."""
    if isinstance(spec, Mapping):
        spec = spec.get("path", "")
    text = os.fspath(spec) if isinstance(spec, (str, os.PathLike)) else ""
    return "|" not in text and Path(text).suffix.lower() in TABLE_SUFFIXES


# --------------------------------------------------------------------------- boundaries


def _id_field(gdf, id_field: str | None, where: str) -> str:
    cols = [c for c in gdf.columns if c != gdf.geometry.name]
    if id_field:
        if id_field not in gdf.columns:
            raise InputError(f"{where} has no id field {id_field!r}; its fields are "
                             f"{shortlist(cols, n=20)}")
        return id_field
    col = regions.find_region_column(gdf[cols], where=where, required=False)
    if col is None:
        col = next((c for c in ID_FIELDS if c in gdf.columns), None)
    if col is None:
        raise InputError(f"{where}: no id field found (looked for "
                         f"{', '.join(regions.REGION_COLUMNS + ID_FIELDS)}); name it "
                         f"(id_field=..., CLI --id-field, config [inputs] id_field); fields: "
                         f"{shortlist(cols, n=20)}")
    return col


def boundaries(
    spec: Any,
    *,
    id_field: str | None = None,
    name_field: str | None = None,
    ids: str = "auto",
    layer: str | None = None,
    where: str | None = None,
):
    """Any polygon layer as zones keyed by ``region_code`` and ``region``
    (the one boundary resolver).

    Parameters
    ----------
    spec : str, path, mapping, LayerSource or GeoDataFrame
        A layer reference (:func:`parse`) or an already-read GeoDataFrame.
    id_field : str, optional
        Field holding the zone ids; default the first of
        :data:`spatial_carbon.regions.REGION_COLUMNS`, then ``code``,
        ``adcode``, ``id`` present.
    name_field : str, optional
        Field with display names for ids that are not provinces; default
        the first of :data:`NAME_FIELDS` present.
    ids : {"auto", "province", "as_given"}
        How ids are read (:func:`spatial_carbon.regions.normalise_ids`).
    layer : str, optional
        Layer name, if not in ``spec``.
    where : str, optional
        Name used in messages (default: the layer reference).

    Returns
    -------
    geopandas.GeoDataFrame
        ``region_code``, ``region``, the layer's other fields and the
        geometry; one feature per id.

    Raises
    ------
    LayerError, InputError, UnknownRegionError
        Unreadable layer, missing id field, unknown provincial spellings.
    DuplicateRowError
        An id on several features (dissolve them first).
    CRSError
        The layer has no coordinate reference system.
    """
    import geopandas as gpd

    if isinstance(spec, gpd.GeoDataFrame):
        gdf, label = spec, where or "boundary layer"
    else:
        src = parse(spec, layer=layer)
        label = where or f"boundary layer {src}"
        gdf = read(src, where=label)
    if gdf.crs is None:
        raise CRSError(f"{label} has no coordinate reference system; define it (QGIS: Layer "
                       "Properties > Source; Python: GeoDataFrame.set_crs('EPSG:4326'))")
    fid = _id_field(gdf, id_field, label)
    if name_field and name_field not in gdf.columns:
        raise InputError(f"{label} has no name field {name_field!r}")
    nf = name_field or next((c for c in NAME_FIELDS if c in gdf.columns and c != fid), None)
    codes, nm = regions.normalise_ids(gdf[fid], ids=ids, names=gdf[nf] if nf else None,
                                      where=f"{label} field {fid!r}")
    dup = codes[codes.duplicated()]
    if len(dup):
        raise DuplicateRowError(
            f"{label}: id(s) {shortlist(regions.labels(pd.unique(dup)))} are on several features; "
            "dissolve them first (QGIS: Vector > Geoprocessing > Dissolve, by the id field)"
        )
    out = gdf.drop(columns=[c for c in ("region_code", "region") if c in gdf.columns])
    out.insert(0, "region", nm.to_numpy())
    out.insert(0, "region_code", codes.to_numpy())
    return gpd.GeoDataFrame(out, geometry=gdf.geometry.name, crs=gdf.crs)


# --------------------------------------------------------------------------- join


@dataclasses.dataclass
class JoinReport:
    """What a :func:`join` matched, and what it did not (on both sides).

    ``only_boundaries`` are ids of features without a row in the table (no
    data), ``only_table`` ids of table rows without a feature; ``*_labels``
    are their display names (English names for provinces).
    """

    how: str
    key: str
    n_features: int
    n_ids: int
    matched: int
    only_boundaries: list = dataclasses.field(default_factory=list)
    only_table: list = dataclasses.field(default_factory=list)
    only_boundaries_labels: list = dataclasses.field(default_factory=list)
    only_table_labels: list = dataclasses.field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.only_boundaries and not self.only_table

    def summary(self) -> str:
        """One line: matched counts and the unmatched on each side (at most 10 named)."""
        text = f"{self.matched} of {self.n_features} features matched {self.n_ids} table ids"
        if self.only_boundaries:
            text += (f"; {len(self.only_boundaries)} feature(s) without data: "
                     f"{shortlist(self.only_boundaries_labels)}")
        if self.only_table:
            text += (f"; {len(self.only_table)} table id(s) without a feature: "
                     f"{shortlist(self.only_table_labels)}")
        return text

    def as_dict(self) -> dict:
        """JSON-able form (for the manifest)."""
        d = dataclasses.asdict(self)
        for k in ("only_boundaries", "only_table"):
            d[k] = [v.item() if hasattr(v, "item") else v for v in d[k]]
        return d


def keys(values: Iterable) -> pd.Series:
    """Ids as matching text: the same id matches whether it was read as a
    number, a float with ``.0`` or text (:func:`regions.canonical_ids`)."""
    s = values if isinstance(values, pd.Series) else pd.Series(list(values))
    return regions.canonical_ids(s, where="ids").astype(str).set_axis(s.index)


def join(
    boundaries,
    table: pd.DataFrame,
    *,
    on: str = "region_code",
    how: str = "inner",
    keep: Sequence[str] | str = (),
    order: str = "table",
    table_only: str = "error",
    warn: bool = True,
    where: str = "the table",
    layer_name: str = "the boundary layer",
):
    """Join a table (one or several rows per id) to boundaries (one feature per id).

    Parameters
    ----------
    boundaries : GeoDataFrame
        Zones with the id column ``on`` (unique), e.g. from :func:`boundaries`.
    table : DataFrame
        Rows keyed by ``on`` (e.g. one per region and year).
    on : str
        Id column of both sides (default ``region_code``); ids match across
        number/text types (:func:`keys`).
    how : {"inner", "left"}
        ``"inner"`` (analysis): the table's rows with a feature, in table
        order; features without data are left out with one
        :class:`~spatial_carbon.errors.UnmatchedRegionsWarning` (``warn``).
        ``"left"`` (drawing): every feature, in layer order; features without
        data once, with empty table columns ("No data"); no warning.
    keep : sequence of str or "all"
        Boundary fields carried besides ``on`` and the geometry (table
        columns of the same name win).
    order : {"table", "layer"}
        Row order of ``how="inner"``: the table's (default) or the layer's
        feature order (stable within a feature).
    table_only : {"error", "drop"}
        Table ids without a feature: an :class:`InputError` naming them
        (default), or dropped with a warning.
    warn : bool
        Issue the warning of ``how="inner"``.
    where, layer_name : str
        Names of the two sides in messages.

    Returns
    -------
    (geopandas.GeoDataFrame, JoinReport)

    Raises
    ------
    InputError
        ``on`` missing on a side, or (``table_only="error"``) table ids
        without a feature, or no id matching at all.
    DuplicateRowError
        An id on several features.
    """
    import geopandas as gpd

    if order not in ("table", "layer"):
        raise InputError(f"order must be 'table' or 'layer', got {order!r}")
    if how not in ("inner", "left"):
        raise InputError(f"how must be 'inner' (analysis) or 'left' (drawing), got {how!r}")
    if table_only not in ("error", "drop"):
        raise InputError(f"table_only must be 'error' or 'drop', got {table_only!r}")
    for side, df in ((layer_name, boundaries), (where, table)):
        if on not in df.columns:
            raise InputError(f"{side} has no id column {on!r} (columns: "
                             f"{shortlist(map(str, df.columns), n=20)}); pass the id field")
    geom = boundaries.geometry.name
    bkey = keys(boundaries[on])
    if bkey.duplicated().any():
        dup = pd.unique(boundaries[on][bkey.duplicated()])
        raise DuplicateRowError(f"{layer_name}: id(s) {shortlist(regions.labels(dup))} are on "
                                f"several features ({on!r}); dissolve them first")
    tkey = keys(table[on]) if len(table) else pd.Series([], dtype=str)
    bset, tset = set(bkey), set(tkey)
    only_b = [v for v, k in zip(boundaries[on], bkey) if k not in tset]
    seen: set = set()
    only_t = []
    for v, k in zip(table[on], tkey):
        if k not in bset and k not in seen:
            seen.add(k)
            only_t.append(v)
    rep = JoinReport(how=how, key=on, n_features=len(boundaries), n_ids=len(tset),
                     matched=len(bset & tset), only_boundaries=only_b, only_table=only_t,
                     only_boundaries_labels=_labels(boundaries, on, only_b),
                     only_table_labels=_labels(table, on, only_t))
    if rep.matched == 0 and len(table):
        raise InputError(
            f"no id of {where} ({shortlist(rep.only_table_labels)}) is in {layer_name} "
            f"({shortlist(_labels(boundaries, on, list(boundaries[on])))}): are they at the same "
            "administrative level and keyed by the same id field?"
        )
    if only_t:
        msg = (f"{len(only_t)} id(s) of {where} not in {layer_name}: "
               f"{shortlist(rep.only_table_labels)}")
        if table_only == "error":
            raise InputError(msg + "; check the id field and the boundary level (are both at "
                             "the same administrative level and keyed by the same id field?)")
        warnings.warn(msg + "; their rows are left out", UnmatchedRegionsWarning, stacklevel=2)
    cols = list(boundaries.columns) if keep == "all" else [on, *keep]
    cols = [c for c in dict.fromkeys(cols) if c != geom and (c == on or c not in table.columns)]
    b = pd.DataFrame(boundaries[cols]).assign(_k=bkey.to_numpy(), _g=boundaries.geometry.values)
    t = table.assign(_k=tkey.to_numpy())
    if how == "inner":
        t = t[t["_k"].isin(bset)]
        merged = t.merge(b.drop(columns=[on]), on="_k", how="inner", validate="many_to_one")
        if order == "layer":
            pos = pd.Series(range(len(bkey)), index=bkey.to_numpy())
            merged = merged.iloc[pos.loc[merged["_k"]].to_numpy().argsort(kind="stable")]
            merged = merged.reset_index(drop=True)
        if only_b and warn:
            warnings.warn(
                f"{len(only_b)} region(s) of {layer_name} have no data in {where} and are left "
                f"out of the analysis (drawn as 'No data'): {shortlist(rep.only_boundaries_labels)}",
                UnmatchedRegionsWarning, stacklevel=2)
    else:
        merged = b.merge(t.drop(columns=[on]), on="_k", how="left", validate="one_to_many")
    merged = merged.drop(columns="_k")
    out = gpd.GeoDataFrame(merged.drop(columns="_g"), geometry=merged["_g"].to_numpy(),
                           crs=boundaries.crs)
    if geom != "geometry":
        out = out.rename_geometry(geom)
    return out, rep


def _labels(df: pd.DataFrame, on: str, ids: list) -> list[str]:
    """Display names of ``ids``: the ``region`` column where it exists, else
    registry names for provincial codes, else the id."""
    if not ids:
        return []
    if "region" in df.columns and on != "region":
        k = keys(df[on])
        lookup = dict(zip(k, df["region"].astype(str)))
        return [lookup.get(kk, str(i)) for i, kk in zip(ids, keys(pd.Series(ids)))]
    return regions.labels(ids)


__all__ = ["BUNDLED", "LayerSource", "parse", "list_layers", "read", "read_table", "is_table",
           "boundaries", "join", "JoinReport", "keys"]
