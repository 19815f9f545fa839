"""The QGIS Processing plugin, tested in a real QGIS (Debian's QGIS 3.22).

QGIS's Python is Debian's ``/usr/bin/python3``, not the interpreter running
pytest, so the QGIS side runs in a subprocess: ``tests/qgis/driver.py`` runs
every case through ``processing.run`` in one QGIS session and writes a JSON
report; the assertions here compare that report and the files it names with
spatial_carbon's own results on the same inputs, computed in this process.
``qgis_process.bin`` is exercised from the shell as users would.

The plugin runs spatial_carbon in a worker interpreter: ``SPATIAL_CARBON_PYTHON``
if set, else ``<repo>/.venv-qgis/bin/python`` (made by ``.ci/qgis_setup.sh``),
else this interpreter.

Skipped when QGIS is absent, unless ``SPATIAL_CARBON_REQUIRE_QGIS=1`` (CI),
in which case the absence is a failure.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]
PLUGIN_DIR = REPO / "qgis_plugin"
DATA = REPO / "data"
QGIS_PY = os.environ.get("SPATIAL_CARBON_QGIS_INTERPRETER", "/usr/bin/python3")
QGIS_PROCESS = os.environ.get("SPATIAL_CARBON_QGIS_PROCESS", "/usr/bin/qgis_process.bin")
REQUIRE = os.environ.get("SPATIAL_CARBON_REQUIRE_QGIS", "") == "1"


def _qgis_status() -> str | None:
    """None if PyQGIS and qgis_process are usable, else the reason."""
    if not Path(QGIS_PY).exists():
        return f"{QGIS_PY} not found"
    try:
        r = subprocess.run([QGIS_PY, "-c", "import qgis.core, qgis.analysis"],
                           capture_output=True, timeout=120,
                           env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"cannot run {QGIS_PY}: {exc}"
    if r.returncode != 0:
        return f"PyQGIS is not importable by {QGIS_PY} (apt-get install python3-qgis)"
    if not Path(QGIS_PROCESS).exists():
        return f"{QGIS_PROCESS} not found (apt-get install qgis)"
    return None


_REASON = _qgis_status()
if _REASON is not None:
    if REQUIRE:
        pytest.fail(f"SPATIAL_CARBON_REQUIRE_QGIS=1 but QGIS is unusable: {_REASON}; "
                    "run .ci/qgis_setup.sh", pytrace=False)
    pytest.skip(f"QGIS not available: {_REASON} (run .ci/qgis_setup.sh)",
                allow_module_level=True)


def _worker_python() -> str:
    if os.environ.get("SPATIAL_CARBON_PYTHON"):
        return os.environ["SPATIAL_CARBON_PYTHON"]
    venv = Path(os.environ.get("SPATIAL_CARBON_QGIS_VENV", REPO / ".venv-qgis")) / "bin" / "python"
    if venv.exists():
        return str(venv)
    if REQUIRE:
        pytest.fail("SPATIAL_CARBON_REQUIRE_QGIS=1 but no worker venv: run .ci/qgis_setup.sh",
                    pytrace=False)
    return sys.executable


WORKER = _worker_python()


def _env(**extra) -> dict:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "SPATIAL_CARBON_PYTHON": WORKER}
    env.update(extra)
    return env


# ----------------------------------------------------------------- inputs
@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> dict[str, str]:
    """Small real inputs and bad variants, written once for every case."""
    import geopandas as gpd

    from spatial_carbon import datasets

    d = tmp_path_factory.mktemp("qgis_inputs")
    prov = datasets.boundaries("province")  # 31 mainland provinces, EPSG:4326
    prov = prov[["region_code", "region", "geometry"]].copy()
    # A real variable to map: CEADs 2019 industrial CO2 (Mt) per province.
    from spatial_carbon import ceads

    tidy = ceads.read_provinces(datasets.ceads_dir(), years=[2018, 2019])
    ice = ceads.industrial_emissions(tidy, unit="Mt")
    wide = ice.pivot(index="region_code", columns="year", values="CO2_Mt")
    wide.columns = [f"ice_{y}" for y in wide.columns]
    prov = prov.merge(wide.reset_index(), on="region_code", how="inner")  # 30 (no Tibet)
    prov["ice_text"] = prov["ice_2019"].round(3).astype(str)
    paths = {"provinces": str(d / "provinces.gpkg")}
    prov.to_file(paths["provinces"], layer="provinces", driver="GPKG")
    paths["provinces_3857"] = str(d / "provinces_3857.gpkg")
    prov.to_crs(3857).to_file(paths["provinces_3857"], layer="provinces_3857", driver="GPKG")
    paths["empty"] = str(d / "empty.gpkg")
    prov.iloc[:0].to_file(paths["empty"], layer="empty", driver="GPKG")
    paths["ice_csv"] = str(d / "ice.csv")
    ice.to_csv(paths["ice_csv"], index=False)
    paths["out"] = str(d / "out")
    os.makedirs(paths["out"])
    return paths


def _cases(p: dict[str, str]) -> list[dict]:
    o = p["out"]
    ceads_dir = str(DATA / "ceads" / "provinces")
    cases = [
        {"id": "ceads", "alg": "spatial_carbon:ceads_import",
         "params": {"FOLDER": ceads_dir, "FIRST_YEAR": 2018, "LAST_YEAR": 2019,
                    "OUTPUT": f"{o}/ceads.csv"}},
        {"id": "ceads_missing_year", "alg": "spatial_carbon:ceads_import",
         "params": {"FOLDER": ceads_dir, "FIRST_YEAR": 2020, "LAST_YEAR": 2021,
                    "OUTPUT": f"{o}/ceads_bad.csv"}},
    ]
    return cases


@pytest.fixture(scope="module")
def report(inputs, tmp_path_factory) -> dict:
    """Run every case in one real-QGIS session; return the driver's report."""
    d = tmp_path_factory.mktemp("qgis_run")
    spec = {"plugin_dir": str(PLUGIN_DIR), "cases": _cases(inputs)}
    (d / "spec.json").write_text(json.dumps(spec), encoding="utf-8")
    r = subprocess.run(
        [QGIS_PY, str(REPO / "tests" / "qgis" / "driver.py"), str(d / "spec.json"),
         str(d / "report.json")],
        capture_output=True, text=True, timeout=900, env=_env(HOME=str(d)),
    )
    assert r.returncode == 0, f"QGIS driver failed ({r.returncode}):\n{r.stderr[-4000:]}"
    return json.loads((d / "report.json").read_text(encoding="utf-8"))


def _ok(report, case_id) -> dict:
    rec = report["cases"][case_id]
    assert rec["ok"], f"{case_id} failed in QGIS: {rec.get('error')}\nlog: {rec['log']}"
    return rec


def _error(report, case_id) -> str:
    rec = report["cases"][case_id]
    assert not rec["ok"], f"{case_id} should have failed"
    # A QgsProcessingException is shown as a plain message in the Processing
    # log; any other exception type would be shown with a Python traceback.
    assert rec["error_type"] == "QgsProcessingException", rec
    assert "Traceback" not in rec["error"]
    return rec["error"]


# ------------------------------------------------------------- provider
def test_qgis_version_is_the_tested_one(report):
    assert report["qgis_version"].startswith("3.")
    major, minor = map(int, report["qgis_version"].split(".")[:2])
    assert (major, minor) >= (3, 22)


def test_provider_registers_and_unloads(report):
    prov = report["provider"]
    assert prov is not None, "provider spatial_carbon was not registered"
    assert prov["id"] == "spatial_carbon"
    from_plugin = _plugin_algorithm_names()
    assert sorted(f"spatial_carbon:{n}" for n in from_plugin) == prov["algorithms"]
    assert report["unloaded"]


def _plugin_algorithm_names() -> list[str]:
    names = []
    for f in sorted((PLUGIN_DIR / "spatial_carbon_qgis" / "algorithms").glob("*.py")):
        m = re.search(r'^\s+NAME = "(\w+)"', f.read_text(encoding="utf-8"), re.M)
        if m:
            names.append(m.group(1))
    return names


def test_every_algorithm_has_help_and_can_execute(report):
    for alg, h in report["provider"]["help"].items():
        assert "spatial_carbon" in h["short"] and len(h["short"]) > 200, alg
        for name, desc, help_text, _adv in h["params"]:
            assert help_text and len(help_text) > 10, f"{alg}: parameter {name} has no help"
        assert h["can_execute"][0] is True, f"{alg}: {h['can_execute']}"


def test_no_pip_wheel_gdal_in_the_qgis_process(report):
    """The fix for the GDAL clash: nothing of the scientific stack is imported
    into QGIS, and QGIS's libgdal is the only GDAL mapped in the process."""
    assert report["modules"] == []
    assert len(report["gdal_libs"]) == 1, report["gdal_libs"]
    assert re.search(r"/libgdal\.so\.\d+", report["gdal_libs"][0]), report["gdal_libs"]


def test_every_algorithm_ran(report):
    ran = {rec["alg"] for rec in report["cases"].values() if rec["ok"]}
    missing = sorted(set(report["provider"]["algorithms"]) - ran)
    assert not missing, f"no successful end-to-end run of: {missing}"


# ------------------------------------------------------------ inventory
def test_ceads_import_matches_core(report):
    from spatial_carbon import ceads, datasets

    rec = _ok(report, "ceads")
    got = pd.read_csv(rec["outputs"]["OUTPUT"], encoding="utf-8-sig")
    tidy = ceads.read_provinces(datasets.ceads_dir(), years=[2018, 2019])
    exp = ceads.industrial_emissions(tidy)
    assert list(got.columns) == list(exp.columns)
    np.testing.assert_array_equal(got["region_code"], exp["region_code"])
    np.testing.assert_allclose(got["CO2_t"], exp["CO2_t"], rtol=1e-12)
    assert rec["max_progress"] >= 5


def test_ceads_missing_year_is_a_readable_message(report):
    msg = _error(report, "ceads_missing_year")
    assert re.search(r"MissingDataError: no CEADs workbook for year\(s\) \[2020, 2021\]", msg)
