"""The plugin in the QGIS desktop application, as a user meets it (Debian's QGIS 3.22).

``qgis.bin`` runs under Xvfb with a fresh profile and ``tests/qgis/desktop.py``
as its startup code: *Install from ZIP* (the Plugin Manager's own code), the
plugin's menu entry, the "cannot be run" message, then Processing runs, then
File > Exit.  Every error dialog QGIS would show is logged, also while it quits.

* Install from ZIP, or a reload, then quitting shows no error (it showed
  ``KeyError: 'SPATIAL_CARBON_PYTHON'`` from the provider's unload).
* One click to a working worker: a fresh profile, the zip, the tool
  *Set up the spatial_carbon worker* with the offline wheel folder only
  (``SPATIAL_CARBON_PYTHON`` unset, pip's configuration off, so nothing can
  be downloaded), then ``lisa`` runs and equals the core.

Needs QGIS, ``xvfb-run`` and, for the setup case, the wheelhouse that
``.ci/qgis_setup.sh`` prepares (``SPATIAL_CARBON_WHEELHOUSE``, default
``<repo>/.wheelhouse``).  Skipped with the reason when one is missing, unless
``SPATIAL_CARBON_REQUIRE_QGIS=1`` (CI), where that is a failure.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
QGIS_BIN = os.environ.get("SPATIAL_CARBON_QGIS_BIN", "/usr/bin/qgis.bin")
REQUIRE = os.environ.get("SPATIAL_CARBON_REQUIRE_QGIS", "") == "1"
WHEELHOUSE = Path(os.environ.get("SPATIAL_CARBON_WHEELHOUSE", REPO / ".wheelhouse"))
XVFB = shutil.which("xvfb-run")


def _missing(reason):
    if REQUIRE:
        pytest.fail(f"SPATIAL_CARBON_REQUIRE_QGIS=1 but {reason}; run .ci/qgis_setup.sh",
                    pytrace=False)
    pytest.skip(f"{reason} (run .ci/qgis_setup.sh)")


if not Path(QGIS_BIN).exists():
    _missing(f"the QGIS desktop {QGIS_BIN} is not installed")
if XVFB is None:
    _missing("xvfb-run is not installed (apt-get install xvfb xauth)")


def _build(dest, with_wheel):
    sys.path.insert(0, str(REPO / "qgis_plugin"))
    try:
        import build_zip
    finally:
        sys.path.remove(str(REPO / "qgis_plugin"))
    return build_zip.build_zip(dest, with_wheel=with_wheel)


@pytest.fixture(scope="module")
def zip_without_wheel(tmp_path_factory):
    return _build(tmp_path_factory.mktemp("zip"), False)


@pytest.fixture(scope="module")
def zip_with_wheel(tmp_path_factory):
    return _build(tmp_path_factory.mktemp("zipw"), True)


def _desktop(tmp: Path, zip_path: Path, **spec) -> tuple[dict, str]:
    """Run QGIS with tests/qgis/desktop.py in a fresh profile under ``tmp``."""
    home = tmp / "home"
    home.mkdir()
    spec.update(zip=str(zip_path), log=str(tmp / "desktop.log"),
                results=str(tmp / "results.json"), scripts=str(REPO / "tests" / "qgis"))
    (tmp / "spec.json").write_text(json.dumps(spec), encoding="utf-8")
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONHOME", "PYTHONPATH", "SPATIAL_CARBON_PYTHON", "QT_QPA_PLATFORM",
                        "VIRTUAL_ENV") and not k.startswith("PIP_")}
    # /usr/bin first: QGIS's embedded Python finds its prefix through PATH.
    env.update(PATH="/usr/bin:/bin:" + env.get("PATH", ""), HOME=str(home),
               XDG_RUNTIME_DIR=str(home), XDG_CONFIG_HOME=str(home / ".config"),
               XDG_DATA_HOME=str(home / ".local" / "share"),
               SPATIAL_CARBON_DESKTOP_SPEC=str(tmp / "spec.json"),
               PIP_CONFIG_FILE=os.devnull,  # no index, no find-links but the wheelhouse
               PIP_NO_INDEX="1")
    r = subprocess.run([XVFB, "-a", "-s", "-screen 0 1280x1024x24", QGIS_BIN, "--nologo",
                        "--noversioncheck", "--code", str(REPO / "tests" / "qgis" / "desktop.py")],
                       env=env, capture_output=True, text=True, timeout=1800 if spec.get("cases") else 600)
    log = (tmp / "desktop.log").read_text(encoding="utf-8") if (tmp / "desktop.log").exists() \
        else ""
    assert (tmp / "results.json").exists(), (
        f"QGIS ended ({r.returncode}) before writing its results:\n{log[-3000:]}\n"
        f"{r.stderr[-3000:]}")
    return json.loads((tmp / "results.json").read_text(encoding="utf-8")), log


def _errors(log: str) -> list[str]:
    return [line for line in log.splitlines() if line.startswith("EXCEPTION")
            or ("Traceback" in line and line.startswith("MSG"))]


def test_install_from_zip_then_quit_shows_no_error(tmp_path, zip_without_wheel):
    res, log = _desktop(tmp_path, zip_without_wheel, open_dialogs=True)
    assert "QUITTING" in log
    assert not _errors(log), log[-4000:]
    assert res["provider"] is True and "gui_error" not in res, res.get("gui_error")
    # Plugins > spatial_carbon > Set up the spatial_carbon worker...
    assert "spatial_carbon_setup_worker" in res["plugin_menu"].get("spatial_carbon", [])
    assert res["menu_opens"] == "spatial_carbon:setup_worker"
    # A tool without a worker says so, with a link that opens the setup tool.
    ok, msg = res["lisa_can_execute_before"]
    assert ok is False and "Set up the spatial_carbon worker" in msg
    assert 'href="spatialcarbon:setup_worker"' in msg
    assert res["link_opens"] == "spatial_carbon:setup_worker"


def test_reload_then_quit_shows_no_error(tmp_path, zip_without_wheel):
    res, log = _desktop(tmp_path, zip_without_wheel, reload=True)
    assert ["reloaded", True] in res["steps"]
    assert "QUITTING" in log and not _errors(log), log[-4000:]


@pytest.fixture(scope="module")
def provinces(tmp_path_factory):
    """Mainland provinces with CEADs 2019 industrial CO2 (Mt), and the core's LISA."""
    from spatial_carbon import datasets
    from spatial_carbon.inventory import ceads
    from spatial_carbon.spatial import autocorr, weights

    prov = datasets.boundaries("province")[["region_code", "region", "geometry"]]
    ice = ceads.industrial_emissions(ceads.read_provinces(datasets.ceads_dir(), years=[2019]),
                                     unit="Mt")
    prov = prov.merge(ice[["region_code", "CO2_Mt"]], on="region_code")
    path = tmp_path_factory.mktemp("prov") / "provinces.gpkg"
    prov.to_file(path, layer="provinces", driver="GPKG")
    w = weights.build(prov, "region_code", kind="queen", islands="knn")[0]
    return path, autocorr.local_moran(prov, w, "CO2_Mt", id_col="region_code", year_col=None)


def _wheelhouse_lacks() -> list[str]:
    """Dependencies of pyproject.toml without a wheel in the wheelhouse."""
    import re
    import tomllib

    deps = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "dependencies"]
    have = {re.sub(r"[-_.]+", "_", w.name.split("-")[0]).lower()
            for w in WHEELHOUSE.glob("*.whl")}
    names = [re.match(r"[A-Za-z0-9_.\-]+", d).group(0) for d in deps]
    return [n for n in names if re.sub(r"[-_.]+", "_", n).lower() not in have]


def test_fresh_profile_to_a_lisa_map_with_one_setup_click(tmp_path, zip_with_wheel, provinces):
    if not any(WHEELHOUSE.glob("numpy-*.whl")):
        _missing(f"no offline wheelhouse at {WHEELHOUSE}")
    if _wheelhouse_lacks():
        _missing(f"the wheelhouse {WHEELHOUSE} lacks {', '.join(_wheelhouse_lacks())} "
                 "(a dependency was added)")
    import geopandas as gpd

    layer, core = provinces
    out = tmp_path / "lisa.gpkg"
    res, log = _desktop(tmp_path, zip_with_wheel, cases=[
        {"id": "setup", "alg": "spatial_carbon:setup_worker",
         "params": {"WHEELS": str(WHEELHOUSE)}},
        {"id": "lisa", "alg": "spatial_carbon:lisa",
         "png": str(tmp_path / "lisa_map.png"),
         "params": {"INPUT": str(layer), "FIELD": "CO2_Mt", "ID_FIELD": "region_code",
                    "OUTPUT": str(out)}},
    ])
    setup = res["cases"]["setup"]
    assert setup["ok"], setup.get("error") + "\n" + "\n".join(t for _, t in setup["log"][-30:])
    home = tmp_path / "home"
    venv = home / ".local" / "share" / "spatial_carbon" / "venv"
    python = str(venv / "bin" / "python")
    assert res["env_python"] is None  # nothing but the setting points at the worker
    assert setup["outputs"]["PYTHON"] == python == res["setting"]
    text = "\n".join(t for _, t in setup["log"])
    # made from QGIS's own Python (Debian: the system Python 3.11) ...
    assert "Base Python: /usr/bin/python3" in text and "QGIS's own" in text
    # ... pip's own lines streamed into the log, offline from the wheelhouse
    assert "--no-index" in text and "Successfully installed" in text
    assert any(kind == "console" and line.startswith("Processing ") for kind, line in
               setup["log"])
    assert setup["max_progress"] == 100
    # the wheel from the zip, not a checkout
    site = next(venv.glob("lib/python3*/site-packages"))
    assert (site / "spatial_carbon" / "sample_data" / "boundaries" / "china_admin.gpkg").is_file()
    assert not list(site.glob("__editable__*"))
    print(f"\nsetup_worker: {setup['outputs']['SECONDS']:.1f} s, environment "
          f"{setup['outputs']['SIZE_MB']:.0f} MB")
    lisa = res["cases"]["lisa"]
    assert lisa["ok"], lisa.get("error")
    got = gpd.read_file(out, layer=0).sort_values("region_code")
    exp = core.sort_values("region_code")
    np.testing.assert_array_equal(got["cluster"].to_numpy(), exp["cluster"].to_numpy())
    np.testing.assert_allclose(got["p_sim"], exp["p_sim"], rtol=1e-12)
    # ... and it is a map: loaded into the project and the canvas in GeoDa's colours, drawn
    from PIL import Image

    from spatial_carbon.maps.lisa import LISA_CLUSTERS

    m = lisa["map"]
    lay = next(x for x in m["layers"] if x["renderer"] == "categorizedSymbol")
    assert lay["attribute"] == "cluster" and lay["features"] == len(exp)
    assert lay["name"] in m["layer_tree"] and lay["name"] in m["canvas"]
    colours = dict(lay["categories"])
    img = np.asarray(Image.open(m["png"]).convert("RGB"))
    for code in sorted(set(exp["cluster"].astype(int))):
        hexc = LISA_CLUSTERS[code][1].lower()
        assert colours[str(code)] == hexc
        rgb = [int(hexc[i:i + 2], 16) for i in (1, 3, 5)]
        # every cluster present in the core's result is drawn in its colour
        assert (img == rgb).all(axis=2).sum() > 20, (code, hexc)
    assert "QUITTING" in log and not _errors(log), log[-4000:]
