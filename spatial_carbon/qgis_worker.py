"""Out-of-process worker behind the QGIS Processing plugin.

Why out of process
------------------
pip wheels of rasterio and pyogrio bundle their own GDAL and PROJ.  Inside a
QGIS process (``qgis.bin``, ``qgis_process.bin``) QGIS's own ``libgdal`` is
already loaded into the global symbol scope, so the wheel's extension modules
bind to *QGIS's* GDAL for every symbol both libraries export and to the
bundled one for the rest: with Debian's QGIS 3.22 (GDAL 3.6.2) and rasterio
1.4 (bundled GDAL 3.10) ``rasterio.gdal_version()`` reports 3.6.2, three
GDAL copies end up in the process, and QGIS aborts at exit with
"double free or corruption".  ``tests/test_qgis_plugin.py`` reproduces this.
So the plugin never imports spatial_carbon or its dependencies: it exports
the QGIS layers to files, runs ``python -m spatial_carbon.qgis_worker JOB``
in an interpreter where spatial_carbon is installed (any Python >= 3.10, e.g.
a venv), and loads the files written here.

Protocol
--------
``JOB`` is a JSON file ``{"step": name, "inputs": {...}, "params": {...},
"outputs": {...}}`` (paths as strings).  The worker prints one message per
line on stdout, each starting with ``@@``::

    @@progress 42.0          percent done
    @@info text              a line for the Processing log
    @@warning text           a DataQualityWarning (or other warning)
    @@result {json}          outputs written (last line on success)
    @@error {json}           {"type": "CRSError", "message": "..."}; exit 2

Any other exception is a bug: the traceback goes to stderr, exit status 1.

Each step reads its inputs (I/O layer), calls one core function, writes its
outputs atomically (``spatial_carbon._io``) and, for map layers, a QGIS
style from :mod:`spatial_carbon.maps.styles` next to the output.
"""

from __future__ import annotations

import importlib
import json
import sys
import warnings
from pathlib import Path
from typing import Any, Callable

from .errors import InputError, SpatialCarbonError

#: Modules the worker needs (import name -> pip name), checked by ``check``.
REQUIRED = {
    "numpy": "numpy", "pandas": "pandas", "geopandas": "geopandas", "shapely": "shapely",
    "pyogrio": "pyogrio", "pyproj": "pyproj", "rasterio": "rasterio", "libpysal": "libpysal",
    "esda": "esda", "mapclassify": "mapclassify", "openpyxl": "openpyxl",
}
#: Optional modules: a step that needs one says so when it is missing.
OPTIONAL = {"giddy": "giddy", "pymrio": "pymrio"}

STEPS: dict[str, Callable[[dict, dict, dict], dict]] = {}


def step(name: str):
    """Register a worker step ``fn(inputs, params, outputs) -> outputs``."""

    def deco(fn):
        STEPS[name] = fn
        return fn

    return deco


# --------------------------------------------------------------------- messages
def emit(kind: str, payload: Any = "") -> None:
    """Print one protocol line (``@@kind payload``) and flush."""
    if not isinstance(payload, str):
        payload = json.dumps(payload, ensure_ascii=False)
    payload = payload.replace("\r", " ").replace("\n", " | ")
    sys.stdout.write(f"@@{kind} {payload}\n")
    sys.stdout.flush()


def progress(fraction: float) -> None:
    """Report progress as a fraction in [0, 1]."""
    emit("progress", f"{max(0.0, min(1.0, float(fraction))) * 100:.1f}")


def info(text: str) -> None:
    emit("info", text)


# ------------------------------------------------------------------ I/O helpers
def read_layer(path: str, *, layer: str | None = None, where: str = "input layer"):
    """Read a vector layer written by QGIS (GeoPackage/Shapefile/GeoJSON).

    Raises
    ------
    InputError
        If the file cannot be read or holds no features.
    """
    import geopandas as gpd

    p = Path(path)
    if not p.exists():
        raise InputError(f"{where}: file not found: {p}")
    try:
        gdf = gpd.read_file(p, layer=layer) if layer else gpd.read_file(p)
    except Exception as exc:  # pyogrio raises its own DataSourceError etc.
        raise InputError(f"{where}: cannot read {p}: {exc}") from exc
    if len(gdf) == 0:
        raise InputError(f"{where} is empty (no features); choose a layer with features")
    return gdf


def read_table(path: str, *, where: str = "input table"):
    """Read a CSV table (UTF-8 or GB18030) or the attribute table of a layer."""
    p = Path(path)
    if p.suffix.lower() in (".csv", ".txt"):
        from ._io import read_csv

        df = read_csv(p)
    else:
        import pandas as pd

        gdf = read_layer(str(p), where=where)
        df = pd.DataFrame(gdf.drop(columns=gdf.geometry.name, errors="ignore"))
    if len(df) == 0:
        raise InputError(f"{where} is empty (no rows)")
    return df


def require_fields(df, fields: dict[str, str], *, where: str, numeric: tuple[str, ...] = ()) -> None:
    """Check that each field exists (and, for ``numeric``, is a number type).

    ``fields`` maps the tool's parameter label to the chosen field name, so the
    message names the parameter the user has to change.
    """
    import pandas as pd

    for label, col in fields.items():
        if col is None or col == "":
            continue
        if col not in df.columns:
            have = ", ".join(str(c) for c in df.columns if c != "geometry")
            raise InputError(
                f"{where} has no field {col!r} (parameter {label}); its fields are: {have}"
            )
        if col in numeric and not pd.api.types.is_numeric_dtype(df[col]):
            raise InputError(
                f"field {col!r} of {where} (parameter {label}) is not numeric "
                f"(type {df[col].dtype}); choose a numeric field or convert it "
                "with the Field Calculator (to_real(...))"
            )


def write_style(qml_text: str | None, output: str) -> str | None:
    """Write a QGIS style next to ``output`` (same name, ``.qml``)."""
    if not qml_text:
        return None
    from ._io import write_text

    qml = str(Path(output).with_suffix(".qml"))
    write_text(qml_text, qml)
    return qml


def _check_gpkg(path: str, label: str) -> None:
    if Path(path).suffix.lower() != ".gpkg":
        raise InputError(f"output {label} must be a GeoPackage (.gpkg), got {path}")


# ------------------------------------------------------------------------ steps
@step("ceads_import")
def _ceads_import(inputs: dict, params: dict, outputs: dict) -> dict:
    from . import ceads
    from ._io import write_csv

    years = None
    if params.get("first_year") and params.get("last_year"):
        years = list(range(int(params["first_year"]), int(params["last_year"]) + 1))
    progress(0.05)
    tidy = ceads.read_provinces(inputs["folder"], years=years)
    progress(0.8)
    group = params.get("group") or "industry"
    if group == "industry":
        out = ceads.industrial_emissions(tidy, include_process=bool(params.get("include_process", True)))
    else:
        out = ceads.group_totals(
            tidy, None if group == "all" else [group],
            include_process=bool(params.get("include_process", True)),
        )
    write_csv(out, outputs["OUTPUT"])
    info(f"{len(out)} rows, {out['region_code'].nunique()} regions, "
         f"years {int(out['year'].min())}-{int(out['year'].max())}")
    return {"OUTPUT": outputs["OUTPUT"], "ROWS": int(len(out))}


# ----------------------------------------------------------------------- driver
def check() -> dict:
    """Versions of spatial_carbon and its dependencies; missing ones listed."""
    from . import __version__

    report: dict[str, Any] = {
        "spatial_carbon": __version__, "python": sys.version.split()[0],
        "executable": sys.executable, "missing": [], "versions": {}, "optional_missing": [],
        "steps": sorted(STEPS),
    }
    for mod, pip in REQUIRED.items():
        try:
            m = importlib.import_module(mod)
            report["versions"][mod] = getattr(m, "__version__", "?")
        except Exception:  # an ImportError or a broken binary wheel
            report["missing"].append(pip)
    for mod, pip in OPTIONAL.items():
        try:
            importlib.import_module(mod)
        except Exception:
            report["optional_missing"].append(pip)
    return report


def run_job(job: dict) -> dict:
    """Run one job dict; return the outputs dict (raises typed errors)."""
    name = job.get("step")
    if name not in STEPS:
        raise InputError(
            f"unknown step {name!r}; this spatial_carbon has: {', '.join(sorted(STEPS))}. "
            "Update spatial_carbon in the worker Python to match the plugin."
        )
    return STEPS[name](job.get("inputs", {}), job.get("params", {}), job.get("outputs", {}))


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["check"]:
        emit("result", check())
        return 0
    if len(argv) != 1:
        sys.stderr.write("usage: python -m spatial_carbon.qgis_worker JOB.json | check\n")
        return 64
    job = json.loads(Path(argv[0]).read_text(encoding="utf-8"))

    def _showwarning(message, category, filename, lineno, file=None, line=None):
        emit("warning", f"{category.__name__}: {message}")

    warnings.showwarning = _showwarning
    try:
        result = run_job(job)
    except SpatialCarbonError as exc:
        emit("error", {"type": type(exc).__name__, "message": str(exc)})
        return 2
    except ImportError as exc:
        emit("error", {"type": "ImportError", "message": (
            f"{exc}. Install the missing package into the Python that runs spatial_carbon: "
            f"{sys.executable} -m pip install {getattr(exc, 'name', None) or 'spatial_carbon[all]'}"
        )})
        return 2
    emit("result", result)
    return 0


if __name__ == "__main__":  # pragma: no cover - exercised through subprocess
    sys.exit(main())
