"""The QGIS worker's job files: reading and validation against a schema.

A job is a JSON object ``{"step", "inputs", "params", "outputs"}`` written
by the plugin (``qgis_plugin/spatial_carbon_qgis/runner.py``).  Before the
worker does anything, :func:`load` reads it and :func:`validate` checks it
against :data:`SCHEMAS`: every problem (a missing or truncated file, a list
instead of an object, a missing key, ``k = "five"``, an output that is a
folder) is a :class:`~spatial_carbon.errors.JobError` (an input file that
does not exist: :class:`~spatial_carbon.errors.InputError`) or
:class:`~spatial_carbon.errors.OutputError` naming the key and the fix,
which the worker reports as ``@@error`` with exit status 2.

Type names of the schema (``?`` at the end: optional, ``None`` allowed):

``file``/``dir``/``path``
    an existing file / folder / either;
``paths``
    a non-empty list of existing paths;
``layer``
    a vector layer: a path, or ``{"path": ..., "layer": ...}``;
``out``/``outdir``
    an output file / folder (checked with :mod:`spatial_carbon._io`);
``str``, ``strs`` (non-empty), ``strs0`` (may be empty), ``int``, ``ints``,
``count`` (int >= 1), ``count0`` (int >= 0),
``number``, ``bool``, ``any``.

Keys the schema does not name are allowed (newer plugins may send more).
"""

from __future__ import annotations

import json
import numbers
import os
from pathlib import Path
from typing import Any

from . import _io
from .errors import InputError, JobError, LayerError, show

_WEIGHTS_IN = {"input": "layer", "weights_file": "file?"}
_WEIGHTS_PARAMS = {"id_field": "str", "year_field": "str?", "weights": "str?", "islands": "str?",
                   "k": "count0?", "threshold": "number?"}
_PERM = {"permutations": "count0?", "seed": "int?", "alternative": "str?"}

#: step -> {"inputs": {...}, "params": {...}, "outputs": {...}} (see the module docstring).
SCHEMAS: dict[str, dict[str, dict[str, str]]] = {
    "ceads_import": {
        "inputs": {"folder": "path"},
        "params": {"first_year": "int?", "last_year": "int?", "group": "str?",
                   "include_process": "bool?"},
        "outputs": {"OUTPUT": "out"}},
    "fuel_emissions": {
        "inputs": {"fuel": "file", "factors": "file?"},
        "params": {"preset": "str?", "by_fuel": "bool?", "basis": "str?"},
        "outputs": {"OUTPUT": "out"}},
    "class_areas": {
        "inputs": {"rasters": "paths", "zones": "layer", "legend_csv": "file?"},
        "params": {"zone_field": "str", "years": "ints?", "legend": "str?", "pixel_rule": "str?",
                   "workers": "count?"},
        "outputs": {"OUTPUT": "out"}},
    "carbon_sinks": {
        "inputs": {"areas": "file", "rates": "file?", "factors": "file?"},
        "params": {"nep_forest": "number?", "nep_grassland": "number?"},
        "outputs": {"OUTPUT": "out"}},
    "footprint": {
        "inputs": {"ice": "file", "sinks": "file", "population": "file?", "boundaries": "layer?"},
        "params": {"shares": "any?", "basis": "str?", "nep_forest": "number?",
                   "nep_grassland": "number?", "boundary_id": "str?"},
        "outputs": {"OUTPUT": "out", "OUTPUT_LAYER": "out?"}},
    "quadrant_zones": {
        "inputs": {"input": "layer"},
        "params": {"size": "str", "depth": "str", "year_field": "str?", "lang": "str?"},
        "outputs": {"OUTPUT": "out"}},
    "natural_breaks": {
        "inputs": {"input": "layer"},
        "params": {"field": "str", "k": "int?", "year_field": "str?", "scheme": "str?",
                   "cmap": "str?"},
        "outputs": {"OUTPUT": "out", "BREAKS": "out?"}},
    "global_moran": {
        "inputs": _WEIGHTS_IN,
        "params": {**_WEIGHTS_PARAMS, **_PERM, "fields": "strs"},
        "outputs": {"OUTPUT": "out"}},
    "lisa": {
        "inputs": _WEIGHTS_IN,
        "params": {**_WEIGHTS_PARAMS, **_PERM, "field": "str", "alpha": "number?",
                   "cluster_on": "str?", "lang": "str?", "inference": "str?"},
        "outputs": {"OUTPUT": "out"}},
    "hotspots": {
        "inputs": _WEIGHTS_IN,
        "params": {**_WEIGHTS_PARAMS, **_PERM, "field": "str", "alpha": "number?",
                   "cluster_on": "str?", "star": "bool?", "bins_fdr": "bool?", "lang": "str?"},
        "outputs": {"OUTPUT": "out"}},
    "bivariate_lisa": {
        "inputs": _WEIGHTS_IN,
        "params": {**_WEIGHTS_PARAMS, **_PERM, "field": "str", "with_field": "str",
                   "alpha": "number?", "cluster_on": "str?", "lang": "str?"},
        "outputs": {"OUTPUT": "out"}},
    "spatial_markov": {
        "inputs": _WEIGHTS_IN,
        "params": {**_WEIGHTS_PARAMS, "field": "str", "k_classes": "count0?", "m_classes": "count0?",
                   "scheme": "str?", "lag_scheme": "str?"},
        "outputs": {"OUTPUT": "out?", "OUTPUT_STEADY": "out?", "OUTPUT_CLASSES": "out?"}},
    "centre": {
        "inputs": {"input": "layer", "points": "layer?"},
        "params": {"field": "str", "id_field": "str", "year_field": "str?",
                   "point_zone": "str?", "point_weight": "str?"},
        "outputs": {"OUTPUT_POINTS": "out", "OUTPUT_ELLIPSES": "out", "OUTPUT_TRAJECTORY": "out?"}},
    "lisa_transitions": {
        "inputs": {"input": "layer"},
        "params": {"year_field": "str?", "significant_only": "bool?", "sig_col": "str?"},
        "outputs": {"OUTPUT_COUNTS": "out?", "OUTPUT_PROBABILITIES": "out?",
                    "OUTPUT_MOVES": "out?", "OUTPUT_SUMMARY": "out?"}},
    "study": {
        "inputs": {"config": "file?"},
        "params": {"maps": "bool?", "report": "bool?"},
        "outputs": {"OUTPUT_FOLDER": "outdir"}},
    "io_trade_carbon": {
        # emissions (direct method) or national_intensity + province_totals (adjusted)
        "inputs": {"tables": "file", "emissions": "file?", "national_intensity": "file?",
                   "province_totals": "file?", "national_table": "file?", "boundaries": "layer?"},
        "params": {"treatment": "str?", "boundary_id": "str?", "lang": "str?",
                   "concordance": "str?", "national_for": "strs0?",
                   "national_emissions": "number?", "national_output": "number?",
                   "region_groups": "str?", "sector_groups": "str?"},
        "outputs": {"OUTPUT": "out", "OUTPUT_SECTORS": "out?", "OUTPUT_GROUPS": "out?",
                    "OUTPUT_SECTOR_GROUPS": "out?", "OUTPUT_LAYER": "out?"}},
    "io_decompose": {
        "inputs": {"table": "file"},
        "params": {"year0": "int", "year1": "int", "energy_mix": "bool?", "national": "bool?",
                   "method": "str?"},
        "outputs": {"OUTPUT": "out"}},
    "io_transfer_shift": {
        # no coefficients: seed 003's Table 2 (bundled)
        "inputs": {"table0": "file", "table1": "file", "coefficients": "file?",
                   "boundaries": "layer?"},
        "params": {"exports": "bool?", "boundary_id": "str?", "final_demand": "str?",
                   "imports": "str?"},
        "outputs": {"OUTPUT": "out", "OUTPUT_REGIONS": "out?", "OUTPUT_FLOWS": "out?"}},
    "footprint_trends": {
        "inputs": {"footprint": "file"},
        "params": {"periods": "str?", "national": "bool?", "project_to": "int?",
                   "project_column": "str?"},
        "outputs": {"OUTPUT": "out", "OUTPUT_PROJECTION": "out?"}},
    "spatial_weights": {
        "inputs": _WEIGHTS_IN,
        "params": _WEIGHTS_PARAMS,
        "outputs": {"OUTPUT": "out", "OUTPUT_REPORT": "out?"}},
    "io_share_shift": {
        "inputs": {"table": "file"},
        "params": {"year0": "int", "year1": "int", "sectors": "str?"},
        "outputs": {"OUTPUT": "out"}},
    "io_mrio_accounts": {
        "inputs": {"directory": "dir"},
        "params": {"extension": "str", "stressor": "str", "method": "str?", "solver": "str?",
                   "allow_pickle": "bool?"},
        "outputs": {"OUTPUT": "out", "OUTPUT_FLOWS": "out?"}},
}

_WORDS = {
    "file": "an existing file", "dir": "an existing folder", "path": "an existing file or folder",
    "paths": "a non-empty list of existing files", "layer": "a vector layer",
    "out": "an output file path", "outdir": "an output folder path", "str": "a text",
    "strs": "a list of texts", "strs0": "a list of texts (may be empty)",
    "int": "a whole number", "ints": "a list of whole numbers",
    "count": "a whole number >= 1", "count0": "a whole number >= 0", "number": "a number",
    "bool": "true or false", "any": "a value",
}


def load(path: str | os.PathLike) -> dict[str, Any]:
    """Read a job file; the JSON must be an object.

    Raises
    ------
    JobError
        Missing or unreadable file, invalid (e.g. truncated) JSON, or not an object.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise JobError(f"job file {p} not found; run the tool again from QGIS") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise JobError(f"cannot read job file {p}: {getattr(exc, 'strerror', None) or exc}; "
                       "run the tool again from QGIS") from None
    try:
        job = json.loads(text)
    except json.JSONDecodeError as exc:
        raise JobError(f"job file {p} is not valid JSON ({exc.msg} at line {exc.lineno}, "
                       f"column {exc.colno}; truncated?); run the tool again from QGIS") from None
    if not isinstance(job, dict):
        raise JobError(f"job file {p} holds a JSON {type(job).__name__}, not an object "
                       '{"step", "inputs", "params", "outputs"}; run the tool again from QGIS')
    return job


def validate(job: dict[str, Any], steps) -> None:
    """Check ``job`` against :data:`SCHEMAS` (``steps``: the names the worker knows).

    Raises
    ------
    JobError, OutputError
        Naming the section and key and what it should be.
    """
    name = job.get("step")
    if not isinstance(name, str) or name not in steps:
        raise JobError(
            f"unknown step {show(name)}; this spatial_carbon has: {', '.join(sorted(steps))}. "
            "Update spatial_carbon in the worker Python to match the plugin."
        )
    schema = SCHEMAS.get(name, {})
    ins: list = []
    outs: list = []
    for section in ("inputs", "params", "outputs"):
        sec = job.get(section, {})
        if not isinstance(sec, dict):
            raise JobError(f"{section} of the {name} job must be an object, got "
                           f"{type(sec).__name__}")
        for key, spec in schema.get(section, {}).items():
            optional = spec.endswith("?")
            kind = spec.rstrip("?")
            value = sec.get(key)
            if value is None or (optional and value == "" and kind not in ("str",)):
                if not optional:
                    raise JobError(f"{section}.{key} is missing from the {name} job; it must be "
                                   f"{_WORDS[kind]}")
                continue
            _check(value, kind, f"{section}.{key}", name)
            if kind in ("file", "dir", "path", "paths", "layer"):
                ins.append(_layer_path(value))
            elif kind in ("out", "outdir"):
                outs.append((kind, value))
    for kind, value in outs:
        if kind == "out":
            _io.check_output(value)
            _io.check_not_input(value, ins)
    _io.check_distinct([v for k, v in outs if k == "out"])


def input_values(job: dict[str, Any]) -> list:
    """Every input path of a (validated) job, for :func:`spatial_carbon._io.protect_inputs`."""
    schema = SCHEMAS.get(job.get("step"), {})
    out = []
    for key, spec in schema.get("inputs", {}).items():
        v = job.get("inputs", {}).get(key)
        if v is not None and spec.rstrip("?") in ("file", "dir", "path", "paths", "layer"):
            out.append(_layer_path(v))
    return out


def _layer_path(value):
    if isinstance(value, dict):
        return value.get("path")
    return value


def _fail(where: str, step: str, kind: str, value) -> JobError:
    return JobError(f"{where} of the {step} job must be {_WORDS[kind]}, got {show(value)}")


def _is_int(v) -> bool:
    return isinstance(v, numbers.Integral) and not isinstance(v, bool)


def _check(value, kind: str, where: str, step: str) -> None:
    if kind == "any":
        return
    if kind in ("str",):
        if not isinstance(value, str):
            raise _fail(where, step, kind, value)
    elif kind in ("strs", "strs0"):
        if not isinstance(value, list) or (kind == "strs" and not value) \
                or not all(isinstance(v, str) for v in value):
            raise _fail(where, step, kind, value)
    elif kind in ("int", "count", "count0"):
        if not _is_int(value):
            raise _fail(where, step, kind, value)
        if (kind == "count" and value < 1) or (kind == "count0" and value < 0):
            raise _fail(where, step, kind, value)
    elif kind == "ints":
        if not isinstance(value, list) or not all(_is_int(v) for v in value):
            raise _fail(where, step, kind, value)
    elif kind == "number":
        if not isinstance(value, numbers.Real) or isinstance(value, bool) or value != value:
            raise _fail(where, step, kind, value)
    elif kind == "bool":
        if not isinstance(value, bool):
            raise _fail(where, step, kind, value)
    elif kind in ("file", "dir", "path"):
        if not isinstance(value, str) or not value:
            raise _fail(where, step, kind, value)
        p = Path(value)
        ok = p.is_file() if kind == "file" else p.is_dir() if kind == "dir" else p.exists()
        if not p.exists():  # the job is well formed; the file is gone
            raise InputError(f"{where}: file not found: {value}; choose an existing "
                             + ("folder" if kind == "dir" else "file"))
        if not ok:
            state = "a folder" if p.is_dir() else "not a folder"
            raise JobError(f"{where} of the {step} job: {value} is {state}; it must be "
                           f"{_WORDS[kind]}")
    elif kind == "paths":
        if not isinstance(value, list) or not value:
            raise _fail(where, step, kind, value)
        for i, v in enumerate(value):
            _check(v, "path", f"{where}[{i}]", step)
    elif kind == "layer":
        if isinstance(value, dict):
            if "path" not in value:
                raise JobError(f"{where} of the {step} job has no 'path'")
            if value.get("layer") is not None and not isinstance(value["layer"], str):
                raise _fail(f"{where}.layer", step, "str", value["layer"])
        path = value["path"] if isinstance(value, dict) else value
        try:
            _check(path, "path", f"{where}.path" if isinstance(value, dict) else where, step)
        except JobError:
            raise
        except InputError as exc:  # a layer that is not there: the layers' own error type
            raise LayerError(str(exc)) from None
    elif kind in ("out", "outdir"):
        if not isinstance(value, str) or not value:
            raise _fail(where, step, kind, value)
        if kind == "outdir" and Path(value).is_file():
            raise JobError(f"{where} of the {step} job: {value} is a file; give a folder")
    else:  # pragma: no cover - a typo in SCHEMAS
        raise AssertionError(f"unknown schema type {kind!r}")
