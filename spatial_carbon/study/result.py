"""The result of a study: named tables, boundaries, notes, steps, config.

:class:`StudyResult` is what :func:`spatial_carbon.study.run` returns and
what :func:`~spatial_carbon.study.write_outputs`, the maps
(:func:`spatial_carbon.maps.study_figures`), the QGIS styles
(:func:`spatial_carbon.styles.study_styles`) and the report read: every table
is an attribute with one name (``result.footprint``, ``result.lisa``), written
to ``tables/<name>.csv``.  :meth:`StudyResult.read` loads an output folder
back (for ``spatial-carbon figures`` and ``report``).
"""

from __future__ import annotations

import dataclasses
import json
import os
import warnings
from pathlib import Path
from typing import Any, ClassVar, Iterator, Mapping

import pandas as pd

from ..errors import InputError

#: Tables of a study, in the order they are made (and written).
TABLES: tuple[str, ...] = (
    "ice", "areas", "sinks", "footprint", "national", "growth_rates", "cec_projection",
    "zones", "classes", "breaks", "connectivity", "moran", "lisa", "transition_counts",
    "transition_probs", "transition_moves", "transition_summary", "transition_homogeneity",
    "hotspots", "bivariate_moran", "bivariate_lisa", "markov_transitions", "markov_steady_states",
    "markov_classes", "markov_homogeneity", "centre", "centre_summary",
)


@dataclasses.dataclass
class StudyResult:
    """Every table of a study, with what was analysed and why.

    Attributes
    ----------
    config : dict
        The resolved configuration (:func:`spatial_carbon.study.config.load`).
    boundaries : geopandas.GeoDataFrame or None
        Every feature of the boundary layer, keyed by ``region_code`` (drawn
        on maps; features without data appear as "No data").
    ice, areas, sinks, footprint, national, growth_rates, cec_projection, zones, classes,
    breaks, connectivity, moran, lisa, transition_counts, transition_probs, transition_moves,
    transition_summary, transition_homogeneity, hotspots, bivariate_moran, bivariate_lisa,
    markov_transitions, markov_steady_states, markov_classes, markov_homogeneity, centre,
    centre_summary : pandas.DataFrame or None
        The tables (None when the study did not make them; e.g. no
        ``growth_rates`` without ``growth_periods``).  ``zones`` is the
        quadrant-zone table, not a layer.
    extra : dict of str -> DataFrame
        Tables of an output folder this version does not name (read back by
        :meth:`read`, written again as they are).
    notes : list of str
        Data-quality notes and warnings, in words (manifest and report).
    diagnostics : list of dict
        Degenerate-but-valid results found in the tables (e.g. every region
        in deficit), each a mapping with at least ``message`` (manifest and
        report).
    steps : dict of str -> dict
        Metadata of each step (sources, years, the boundary join report).
    """

    TABLES: ClassVar[tuple[str, ...]] = TABLES

    config: dict = dataclasses.field(default_factory=dict)
    boundaries: Any = None
    ice: pd.DataFrame | None = None
    areas: pd.DataFrame | None = None
    sinks: pd.DataFrame | None = None
    footprint: pd.DataFrame | None = None
    national: pd.DataFrame | None = None
    growth_rates: pd.DataFrame | None = None
    cec_projection: pd.DataFrame | None = None
    zones: pd.DataFrame | None = None
    classes: pd.DataFrame | None = None
    breaks: pd.DataFrame | None = None
    connectivity: pd.DataFrame | None = None
    moran: pd.DataFrame | None = None
    lisa: pd.DataFrame | None = None
    transition_counts: pd.DataFrame | None = None
    transition_probs: pd.DataFrame | None = None
    transition_moves: pd.DataFrame | None = None
    transition_summary: pd.DataFrame | None = None
    transition_homogeneity: pd.DataFrame | None = None
    hotspots: pd.DataFrame | None = None
    bivariate_moran: pd.DataFrame | None = None
    bivariate_lisa: pd.DataFrame | None = None
    markov_transitions: pd.DataFrame | None = None
    markov_steady_states: pd.DataFrame | None = None
    markov_classes: pd.DataFrame | None = None
    markov_homogeneity: pd.DataFrame | None = None
    centre: pd.DataFrame | None = None
    centre_summary: pd.DataFrame | None = None
    extra: dict = dataclasses.field(default_factory=dict)
    notes: list = dataclasses.field(default_factory=list)
    diagnostics: list = dataclasses.field(default_factory=list)
    steps: dict = dataclasses.field(default_factory=dict)

    # ------------------------------------------------------------------ tables
    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables made, name -> table, in :data:`TABLES` order (then ``extra``)."""
        out = {n: getattr(self, n) for n in TABLES if getattr(self, n) is not None}
        out.update({n: t for n, t in self.extra.items() if t is not None and n not in out})
        return out

    def get(self, name: str, default=None) -> pd.DataFrame | None:
        """A table by name, or ``default`` (mapping-style reading by maps and styles)."""
        if name in TABLES:
            t = getattr(self, name)
            return default if t is None else t
        return self.extra.get(name, default)

    def __contains__(self, name: str) -> bool:
        return self.get(name) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(self.tables())

    def set_table(self, name: str, table: pd.DataFrame | None) -> None:
        """Store a table under its name (names outside :data:`TABLES` go to ``extra``)."""
        if name in TABLES:
            setattr(self, name, table)
        else:
            self.extra[name] = table

    @classmethod
    def from_tables(cls, tables: Mapping[str, pd.DataFrame], **fields) -> "StudyResult":
        """A result holding ``tables`` (by name) and the given fields."""
        res = cls(**fields)
        for name, t in tables.items():
            res.set_table(name, t)
        return res

    def __getitem__(self, key: str):
        """0.1 dictionary access (``result["tables"]``); use the attributes."""
        warnings.warn(f"result[{key!r}] is deprecated; use the StudyResult attributes "
                      f"(result.{'tables()' if key == 'tables' else key})",
                      DeprecationWarning, stacklevel=2)
        if key == "tables":
            return self.tables()
        if key in ("boundaries", "notes", "steps", "config", "diagnostics"):
            return getattr(self, key)
        raise KeyError(key)

    # ------------------------------------------------------------------- files
    @classmethod
    def read(cls, out_dir: str | os.PathLike, *, boundaries=None) -> "StudyResult":
        """Load a study output folder: ``tables/*.csv`` and the manifest's
        parameters, notes, diagnostics and steps.

        Parameters
        ----------
        out_dir : path
            A folder written by :func:`spatial_carbon.study.write_outputs`.
        boundaries : GeoDataFrame, optional
            The boundary layer to draw on (not stored in the folder whole).

        Raises
        ------
        InputError
            If the folder has no ``tables/`` folder.
        """
        from .._io import read_csv

        out = Path(out_dir)
        tdir = out / "tables"
        if not tdir.is_dir():
            raise InputError(f"{out} has no tables/ folder; is it a study output folder?")
        manifest: dict = {}
        mpath = out / "manifest.json"
        if mpath.is_file():
            try:
                manifest = json.loads(mpath.read_text(encoding="utf-8"))
            except json.JSONDecodeError:
                manifest = {}
        res = cls(config=manifest.get("parameters") or {}, boundaries=boundaries,
                  notes=list(manifest.get("notes") or []),
                  diagnostics=list(manifest.get("diagnostics") or []),
                  steps=dict(manifest.get("steps") or {}))
        for p in sorted(tdir.glob("*.csv")):
            res.set_table(p.stem, read_csv(p))
        return res


__all__ = ["StudyResult", "TABLES"]
