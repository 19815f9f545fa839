"""The QGIS plugin's out-of-process worker and zip builder, without QGIS.

The end-to-end tests in a real QGIS are in tests/test_qgis_plugin.py.
"""

from __future__ import annotations

import configparser
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from spatial_carbon import qgis_worker

REPO = Path(__file__).resolve().parents[1]
PLUGIN = REPO / "qgis_plugin"


def _run_worker(args, cwd):
    return subprocess.run([sys.executable, "-m", "spatial_carbon.qgis_worker", *args],
                          capture_output=True, text=True, timeout=300, cwd=cwd)


def _lines(stdout: str, kind: str) -> list[str]:
    return [line.split(" ", 1)[1] for line in stdout.splitlines() if line.startswith(f"@@{kind} ")]


def test_check_reports_versions_and_steps(tmp_path):
    r = _run_worker(["check"], tmp_path)
    assert r.returncode == 0, r.stderr
    rep = json.loads(_lines(r.stdout, "result")[0])
    assert rep["missing"] == []
    assert {"lisa", "global_moran", "natural_breaks", "class_areas", "footprint"} <= set(rep["steps"])


def test_typed_error_is_one_protocol_line_and_exit_2(tmp_path):
    job = {"step": "natural_breaks", "inputs": {"input": {"path": str(tmp_path / "nope.gpkg")}},
           "params": {"field": "x"}, "outputs": {"OUTPUT": str(tmp_path / "o.gpkg")}}
    (tmp_path / "job.json").write_text(json.dumps(job))
    r = _run_worker([str(tmp_path / "job.json")], tmp_path)
    assert r.returncode == 2
    err = json.loads(_lines(r.stdout, "error")[0])
    assert err["type"] == "LayerError" and "file not found" in err["message"]
    assert "Traceback" not in r.stdout + r.stderr
    assert not (tmp_path / "o.gpkg").exists()


def test_unknown_step_names_the_known_ones():
    with pytest.raises(qgis_worker.InputError, match="unknown step 'nope'.*lisa"):
        qgis_worker.run_job({"step": "nope"})


def test_natural_breaks_step_writes_classes_style_and_breaks(tmp_path, capsys):
    import geopandas as gpd
    from shapely.geometry import box

    from spatial_carbon.spatial import classify

    vals = [1.0, 2.0, 2.5, 8.0, 9.0, 20.0, 21.0, 40.0]
    gdf = gpd.GeoDataFrame({"region_code": range(8), "v": vals},
                           geometry=[box(i, 0, i + 1, 1) for i in range(8)], crs="EPSG:4326")
    gdf.to_file(tmp_path / "in.gpkg", layer="in", driver="GPKG")
    out = qgis_worker.run_job({
        "step": "natural_breaks", "inputs": {"input": {"path": str(tmp_path / "in.gpkg")}},
        "params": {"field": "v", "k": 3},
        "outputs": {"OUTPUT": str(tmp_path / "o.gpkg"), "BREAKS": str(tmp_path / "b.csv")}})
    got = gpd.read_file(out["OUTPUT"])
    exp, brk = classify.natural_breaks(gdf, "v", 3, per_year=False)
    np.testing.assert_array_equal(got["v_class_pooled"], exp["v_class_pooled"])
    qml = Path(out["styles"]["OUTPUT"]).read_text(encoding="utf-8")
    assert 'type="graduatedSymbol"' in qml and 'attr="v"' in qml
    np.testing.assert_allclose(pd.read_csv(out["BREAKS"], encoding="utf-8-sig")["upper"],
                               brk["upper"])
    assert "@@info breaks (pooled)" in capsys.readouterr().out


def test_require_fields_messages():
    df = pd.DataFrame({"a": [1.0], "t": ["x"]})
    with pytest.raises(qgis_worker.InputError, match=r"no field 'b' \(parameter FIELD\).*a, t"):
        qgis_worker.require_fields(df, {"FIELD": "b"}, where="layer")
    with pytest.raises(qgis_worker.InputError, match=r"'t' of layer \(parameter F\) is not numeric"):
        qgis_worker.require_fields(df, {"F": "t"}, where="layer", numeric=("t",))
    qgis_worker.require_fields(df, {"F": "a", "Y": None}, where="layer", numeric=("a",))


# ------------------------------------------------------------------ the zip
def _build(out):
    sys.path.insert(0, str(PLUGIN))
    try:
        from build_zip import build_zip
    finally:
        sys.path.remove(str(PLUGIN))
    return build_zip(out)


def test_plugin_zip_layout_and_metadata(tmp_path):
    z = _build(tmp_path)
    with zipfile.ZipFile(z) as zf:
        names = zf.namelist()
        meta = zf.read("spatial_carbon_qgis/metadata.txt").decode()
    assert all(n.startswith("spatial_carbon_qgis/") for n in names)
    assert not any("__pycache__" in n or n.endswith(".pyc") for n in names)
    for need in ("__init__.py", "plugin.py", "provider.py", "runner.py", "base.py",
                 "algorithms/lisa.py", "icons/spatial_carbon.svg", "models/seed001_study.model3"):
        assert f"spatial_carbon_qgis/{need}" in names, need
    cp = configparser.ConfigParser()
    cp.read_string(meta)
    g = cp["general"]
    assert g["hasProcessingProvider"] == "yes" and g["qgisMinimumVersion"] == "3.22"
    assert z.name == f"spatial_carbon_qgis-{g['version']}.zip"


def test_plugin_zip_is_reproducible(tmp_path):
    a = _build(tmp_path / "a").read_bytes()
    b = _build(tmp_path / "b").read_bytes()
    assert a == b


def test_cli_qgis_plugin_zip(tmp_path):
    from spatial_carbon.cli import main

    r = CliRunner().invoke(main, ["qgis-plugin-zip", "--out", str(tmp_path)])
    assert r.exit_code == 0, r.output
    assert Path(r.output.strip()).is_file()


def test_plugin_never_imports_the_scientific_stack():
    """The plugin runs inside QGIS: it must not import spatial_carbon or the
    wheels that carry their own GDAL (see docs/qgis.md)."""
    import re

    banned = re.compile(r"^\s*(from|import)\s+(spatial_carbon|numpy|pandas|geopandas|rasterio|"
                        r"pyogrio|shapely|fiona|esda|libpysal|mapclassify)\b", re.M)
    for f in (PLUGIN / "spatial_carbon_qgis").rglob("*.py"):
        assert not banned.search(f.read_text(encoding="utf-8")), f
