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
    """Environment of the QGIS processes.

    QGIS embeds Debian's Python, which finds its prefix by searching PATH for
    ``python3``: with pyenv (or a venv) first on PATH it would load that
    Python's standard library and fail ("Couldn't load SIP module"), so the
    system folders go first.
    """
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONHOME", "PYTHONPATH")}
    env["PATH"] = "/usr/bin:/bin:" + env.get("PATH", "")
    # English unless a test asks for another language (QGIS follows LC_ALL/LANG)
    env.update({"QT_QPA_PLATFORM": "offscreen", "SPATIAL_CARBON_PYTHON": WORKER,
                "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"})
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
    from spatial_carbon.inventory import ceads

    tidy = ceads.read_provinces(datasets.ceads_dir(), years=[2018, 2019])
    ice = ceads.industrial_emissions(tidy, unit="Mt")
    wide = ice.pivot(index="region_code", columns="year", values="CO2_Mt")
    wide.columns = [f"ice_{y}" for y in wide.columns]
    prov = prov.merge(wide.reset_index(), on="region_code", how="inner")  # 30 (no Tibet)
    prov["ice_text"] = prov["ice_2019"].round(3).astype(str)
    prov["zero"] = 0.0  # centre of gravity with zero weights
    paths = {"provinces": str(d / "provinces.gpkg")}
    prov.to_file(paths["provinces"], layer="provinces", driver="GPKG")
    paths["provinces_3857"] = str(d / "provinces_3857.gpkg")
    prov.to_crs(3857).to_file(paths["provinces_3857"], layer="provinces_3857", driver="GPKG")
    paths["empty"] = str(d / "empty.gpkg")
    prov.iloc[:0].to_file(paths["empty"], layer="empty", driver="GPKG")
    paths["ice_csv"] = str(d / "ice.csv")
    ice.to_csv(paths["ice_csv"], index=False)
    ice[ice["year"] == 2019].assign(CO2_t=lambda f: f["CO2_Mt"] * 1e6).drop(
        columns="CO2_Mt").to_csv(d / "ice_2019.csv", index=False)
    paths["ice_2019"] = str(d / "ice_2019.csv")
    # The same table as a GeoPackage attribute table (no geometry): a QGIS table layer.
    import pyogrio

    paths["ice_table"] = str(d / "ice_table.gpkg")
    pyogrio.write_dataframe(pd.read_csv(paths["ice_2019"]), paths["ice_table"], layer="ice",
                            driver="GPKG")
    long = pd.concat([prov[["region_code", "region", "geometry"]].assign(
        year=y, ice=prov[f"ice_{y}"]) for y in (2018, 2019)], ignore_index=True)
    paths["long"] = str(d / "long.gpkg")
    gpd.GeoDataFrame(long, crs=prov.crs).to_file(paths["long"], layer="long", driver="GPKG")
    paths["nocrs"] = str(d / "nocrs.gpkg")
    prov.set_crs(None, allow_override=True).to_file(paths["nocrs"], layer="nocrs", driver="GPKG")
    # the bundled 34-unit province layer as a user loads it in QGIS (CEADs has 30 of them)
    paths["provinces34"] = str(d / "provinces34.gpkg")
    datasets.boundaries("province", mainland31=False)[["region_code", "region", "geometry"]] \
        .to_file(paths["provinces34"], layer="provinces34", driver="GPKG")
    fuel = pd.DataFrame({
        "region": ["Beijing", "河北省", "Hebei"], "year": [2019, 2019, 2019],
        "fuel": ["raw coal", "原煤", "natural gas"], "amount": [100, 250.5, 3.2],
        "unit": ["10^4 t", "万吨", "10^8 m3"]})
    fuel.iloc[[0, 2]].to_csv(d / "fuel.csv", index=False)
    paths["fuel"] = str(d / "fuel.csv")
    bad = fuel.copy()
    bad.loc[1, "amount"] = -5
    bad.to_csv(d / "fuel_negative.csv", index=False)
    paths["fuel_negative"] = str(d / "fuel_negative.csv")
    # Two single-region IO tables (numbers of tests/test_io_provincial.two_provinces).
    S = ["agri", "ind"]
    io_rows = []
    for reg, Z, X, Y, E, EP, M, MP in (
            ("Beijing", [[10, 20], [30, 40]], [100, 200], [65, 110], [20, 50], [20, 40],
             [5, 10], [30, 60]),
            ("Hebei", [[20, 10], [20, 60]], [100, 100], [75, 30], [10, 20], [20, 10],
             [30, 30], [5, 10])):
        for i, sec in enumerate(S):
            io_rows.append({"region": reg, "sector": sec, "agri": Z[i][0], "ind": Z[i][1],
                            "final_use": Y[i], "export": E[i], "outflow": EP[i],
                            "import": M[i], "inflow": MP[i], "output": X[i]})
    io = pd.DataFrame(io_rows)
    paths["io_tables"] = str(d / "io_tables.csv")
    io.to_csv(paths["io_tables"], index=False)
    io_bad = io.copy()
    io_bad.loc[0, "final_use"] += 1.0
    paths["io_unbalanced"] = str(d / "io_unbalanced.csv")
    io_bad.to_csv(paths["io_unbalanced"], index=False)
    paths["io_emissions"] = str(d / "io_emissions.csv")
    pd.DataFrame({"region": ["Beijing", "Beijing", "Hebei", "Hebei"], "sector": S * 2,
                  "emissions": [10.0, 100.0, 20.0, 90.0]}).to_csv(paths["io_emissions"],
                                                                 index=False)
    # Seed 002's route: 2017 tables in the 42-product list (Chinese names) of Zhejiang,
    # Guizhou and Tibet (no emission data), a national table; the adjusted method's inputs.
    from test_io_cli import _stacked
    from test_io_provincial import random_table

    from spatial_carbon.inputoutput.concordance import products

    p17 = list(products(2017)["sector42_zh"])
    t42 = {reg: random_table(reg, p17, seed=k)[0] for k, reg in enumerate(("浙江", "贵州", "西藏"))}
    paths["io42_tables"] = str(d / "io42_tables.csv")
    _stacked(t42).to_csv(paths["io42_tables"], index=False, encoding="utf-8")
    nat = random_table("中国", p17, seed=9)[0]
    paths["io42_national"] = str(d / "io42_national.csv")
    _stacked({"中国": nat}).assign(outflow=0.0, inflow=0.0).assign(
        final_use=lambda f: f["final_use"] + nat.outflow.to_numpy() - nat.inflow.to_numpy()).to_csv(
        paths["io42_national"], index=False, encoding="utf-8")
    rng = np.random.default_rng(11)
    paths["io42_emissions"] = str(d / "io42_emissions.csv")
    pd.DataFrame([(reg, sec, float(rng.uniform(1, 50))) for reg in ("浙江", "贵州") for sec in p17],
                 columns=["region", "sector", "emissions"]).to_csv(paths["io42_emissions"],
                                                                  index=False, encoding="utf-8")
    paths["io_national_intensity"] = str(d / "io_national_intensity.csv")
    pd.DataFrame({"sector": S, "intensity": [0.2, 0.4]}).to_csv(paths["io_national_intensity"],
                                                                index=False)
    paths["io_province_totals"] = str(d / "io_province_totals.csv")
    pd.DataFrame({"region": ["Beijing", "Hebei"], "emissions": [110.0, 55.0]}).to_csv(
        paths["io_province_totals"], index=False)
    # A worker interpreter without spatial_carbon (a bare venv of QGIS's Python).
    paths["bare_python"] = str(d / "bare" / "bin" / "python")
    subprocess.run([QGIS_PY, "-m", "venv", "--without-pip", str(d / "bare")], check=True,
                   timeout=120)
    pd.DataFrame([("Beijing", "s1", 2000, 100, 50), ("Beijing", "s2", 2000, 100, 10),
                  ("Beijing", "s1", 2010, 150, 60), ("Beijing", "s2", 2010, 250, 20),
                  ("Hebei", "s1", 2000, 80, 70), ("Hebei", "s1", 2010, 90, 60)],
                 columns=["region", "sector", "year", "output", "emissions"]).to_csv(
        d / "lmdi.csv", index=False)
    paths["lmdi"] = str(d / "lmdi.csv")

    def wide(Y, E):  # 2 regions x 1 sector, layout of tests/test_io_cli.py::test_io_shift
        Z = np.array([[0.1, 0.2], [0.3, 0.1]])
        x = np.linalg.inv(np.eye(2) - Z) @ (Y.sum(axis=1) + E)
        cols = pd.MultiIndex.from_tuples([("Beijing", "ind"), ("Hebei", "ind"),
                                          ("Beijing", "Household consumption"),
                                          ("Hebei", "Household consumption"), ("", "Export"),
                                          ("", "Total output")])
        idx = pd.MultiIndex.from_tuples([("Beijing", "ind"), ("Hebei", "ind")])
        return pd.DataFrame(np.column_stack([Z * x[None, :], Y, E, x]), index=idx, columns=cols)

    wide(np.array([[50.0, 10.0], [5.0, 40.0]]), np.zeros(2)).to_csv(d / "t0.csv")
    wide(np.array([[60.0, 20.0], [15.0, 50.0]]), np.array([10.0, 0.0])).to_csv(d / "t1.csv")
    pd.DataFrame({"region": ["Beijing", "Hebei"], "sector": ["ind", "ind"],
                  "coefficient": [0.5, 2.0]}).to_csv(d / "coef.csv", index=False)
    paths.update(io_t0=str(d / "t0.csv"), io_t1=str(d / "t1.csv"), io_coef=str(d / "coef.csv"))

    def wide_fd(scale):  # seed 003's categories and imports (tests/test_io_seed003.py::_parts)
        reg = ["Beijing", "Hebei"]
        Z = np.array([[10.0, 20.0], [30.0, 10.0]]) * scale
        Y = np.array([[40.0, 10.0, 10.0, 0.0], [5.0, 0.0, 35.0, 10.0]]) * scale
        E, M = np.array([10.0, 0.0]) * scale, np.array([20.0, 9.0]) * scale
        x = Z.sum(axis=1) + Y.sum(axis=1) + E - M
        cols = pd.MultiIndex.from_tuples(
            [(r, "ind") for r in reg]
            + [(r, c) for r in reg for c in ("Urban household consumption",
                                              "Gross fixed capital formation")]
            + [("", "Export"), ("", "Import"), ("", "Total output")])
        idx = pd.MultiIndex.from_tuples([(r, "ind") for r in reg])
        return pd.DataFrame(np.column_stack([Z, Y, E, -M, x]), index=idx, columns=cols)

    wide_fd(1.0).to_csv(d / "fd0.csv")
    wide_fd(1.5).to_csv(d / "fd1.csv")
    paths.update(io_fd0=str(d / "fd0.csv"), io_fd1=str(d / "fd1.csv"))
    try:
        import pymrio
    except ImportError:  # optional dependency (extra "io"): the MRIO cases are left out
        paths["mrio"] = None
    else:
        pymrio.load_test().save_all(d / "mrio")
        paths["mrio"] = str(d / "mrio")
    paths["out"] = str(d / "out")
    os.makedirs(paths["out"])
    return paths


def _cases(p: dict[str, str]) -> list[dict]:
    """Every case run in QGIS; ids are referenced by the tests below."""
    o = p["out"]
    ceads_dir = str(DATA / "ceads" / "provinces")
    modis = str(DATA / "landcover" / "MCD12C1_2019_IGBP_china_clip_0p05deg.tif")
    pop = str(DATA / "population" / "China_Statistics_Yearbook_population_by_province_2000_2019.csv")
    areas = {"RASTERS": [modis], "YEARS": "2019", "ZONES": p["provinces"],
             "ZONE_FIELD": "region_code", "LEGEND": 1, "WORKERS": 1}
    return [
        # inventory
        {"id": "ceads", "alg": "spatial_carbon:ceads_import",
         "params": {"FOLDER": ceads_dir, "FIRST_YEAR": 2018, "LAST_YEAR": 2019,
                    "OUTPUT": f"{o}/ceads.csv"}},
        {"id": "ceads_missing_year", "alg": "spatial_carbon:ceads_import",
         "params": {"FOLDER": ceads_dir, "FIRST_YEAR": 2020, "LAST_YEAR": 2021,
                    "OUTPUT": f"{o}/ceads_bad.csv"}},
        {"id": "fuel", "alg": "spatial_carbon:fuel_emissions",
         "params": {"FUEL": p["fuel"], "OUTPUT": f"{o}/fuel.csv"}},
        {"id": "fuel_negative", "alg": "spatial_carbon:fuel_emissions",
         "params": {"FUEL": p["fuel_negative"], "OUTPUT": f"{o}/fuel_bad.csv"}},
        # land cover and sinks
        {"id": "areas", "alg": "spatial_carbon:class_areas",
         "params": {**areas, "OUTPUT": f"{o}/areas.csv"}},
        {"id": "areas_3857", "alg": "spatial_carbon:class_areas",
         "params": {**areas, "ZONES": p["provinces_3857"], "OUTPUT": f"{o}/areas_3857.csv"}},
        {"id": "areas_nocrs", "alg": "spatial_carbon:class_areas",
         "params": {**areas, "ZONES": p["nocrs"], "OUTPUT": f"{o}/areas_nocrs.csv"}},
        {"id": "areas_missing_field", "alg": "spatial_carbon:class_areas",
         "params": {**areas, "ZONE_FIELD": "province_id", "OUTPUT": f"{o}/areas_mf.csv"}},
        {"id": "areas_cancel", "alg": "spatial_carbon:class_areas", "cancel": True,
         "params": {**areas, "OUTPUT": f"{o}/areas_cancel.csv"}},
        {"id": "sinks", "alg": "spatial_carbon:carbon_sinks",
         "params": {"AREAS": f"{o}/areas.csv", "OUTPUT": f"{o}/sinks.csv"}},
        # footprint, zones
        {"id": "footprint", "alg": "spatial_carbon:footprint",
         "params": {"ICE": p["ice_2019"], "SINKS": f"{o}/sinks.csv", "POPULATION": pop,
                    "BOUNDARIES": p["provinces"], "BOUNDARY_ID": "region",
                    "OUTPUT": f"{o}/footprint.csv", "OUTPUT_LAYER": f"{o}/footprint.gpkg"}},
        # tables as layers: a feature sink to a memory layer (temporary output), a
        # GeoPackage attribute table in, a memory layer in, a GeoPackage table out
        {"id": "sinks_memory", "alg": "spatial_carbon:carbon_sinks",
         "params": {"AREAS": f"{o}/areas.csv", "OUTPUT": "TEMPORARY_OUTPUT"}},
        {"id": "footprint_layers", "alg": "spatial_carbon:footprint",
         "params": {"ICE": p["ice_table"], "SINKS": {"$layer": "sinks_memory:OUTPUT"},
                    "POPULATION": pop, "OUTPUT": f"{o}/footprint_table.gpkg"}},
        {"id": "zones", "alg": "spatial_carbon:quadrant_zones", "load": True,
         "params": {"INPUT": f"{o}/footprint.gpkg", "SIZE_FIELD": "ICF_size",
                    "DEPTH_FIELD": "ICF_depth", "YEAR_FIELD": "year",
                    "OUTPUT": f"{o}/zones.gpkg"}},
        {"id": "zones_text_field", "alg": "spatial_carbon:quadrant_zones",
         "params": {"INPUT": p["provinces"], "SIZE_FIELD": "ice_text", "DEPTH_FIELD": "ice_2019",
                    "OUTPUT": f"{o}/zones_bad.gpkg"}},
        # spatial statistics
        {"id": "breaks", "alg": "spatial_carbon:natural_breaks", "load": True,
         "params": {"INPUT": p["provinces"], "FIELD": "ice_2019", "K": 5,
                    "OUTPUT": f"{o}/breaks.gpkg", "BREAKS": f"{o}/breaks.csv"}},
        {"id": "breaks_missing_field", "alg": "spatial_carbon:natural_breaks",
         "params": {"INPUT": p["provinces"], "FIELD": "ICF_2019", "K": 5,
                    "OUTPUT": f"{o}/breaks_mf.gpkg"}},
        {"id": "breaks_empty", "alg": "spatial_carbon:natural_breaks",
         "params": {"INPUT": p["empty"], "FIELD": "ice_2019", "K": 5,
                    "OUTPUT": f"{o}/breaks_empty.gpkg"}},
        {"id": "breaks_text_field", "alg": "spatial_carbon:natural_breaks",
         "params": {"INPUT": p["provinces"], "FIELD": "ice_text", "K": 5,
                    "OUTPUT": f"{o}/breaks_text.gpkg"}},
        {"id": "weights", "alg": "spatial_carbon:spatial_weights",
         "params": {"INPUT": p["provinces"], "ID_FIELD": "region_code", "WEIGHTS": 0,
                    "ISLANDS": 0, "K": 4, "OUTPUT": f"{o}/queen.gal",
                    "OUTPUT_REPORT": f"{o}/queen.json"}},
        {"id": "moran", "alg": "spatial_carbon:global_moran",
         "params": {"INPUT": p["provinces"], "FIELDS": ["ice_2019", "ice_2018"],
                    "ID_FIELD": "region_code", **MORAN, "OUTPUT": f"{o}/moran.csv"}},
        {"id": "lisa", "alg": "spatial_carbon:lisa", "load": True,
         "params": {"INPUT": p["provinces"], "FIELD": "ice_2019", "ID_FIELD": "region_code",
                    **MORAN, "OUTPUT": f"{o}/lisa.gpkg"}},
        {"id": "lisa_two_sided", "alg": "spatial_carbon:lisa",
         "params": {"INPUT": p["provinces"], "FIELD": "ice_2019", "ID_FIELD": "region_code",
                    **MORAN, "ALTERNATIVE": 0, "OUTPUT": f"{o}/lisa_two_sided.gpkg"}},
        {"id": "lisa_3857", "alg": "spatial_carbon:lisa",
         "params": {"INPUT": p["provinces_3857"], "FIELD": "ice_2019", "ID_FIELD": "region",
                    **MORAN, "OUTPUT": f"{o}/lisa_3857.gpkg"}},
        {"id": "lisa_long_layer", "alg": "spatial_carbon:lisa",
         "params": {"INPUT": f"{o}/footprint.gpkg", "FIELD": "ICF_size",
                    "ID_FIELD": "region_code", "YEAR_FIELD": "year", **MORAN,
                    "OUTPUT": f"{o}/lisa_fp.gpkg"}},
        {"id": "lisa_analytic", "alg": "spatial_carbon:lisa",
         "params": {"INPUT": p["provinces"], "FIELD": "ice_2019", "ID_FIELD": "region_code",
                    **MORAN, "PERMUTATIONS": 0, "INFERENCE": 1,
                    "OUTPUT": f"{o}/lisa_analytic.gpkg"}},
        {"id": "lisa_two_years", "alg": "spatial_carbon:lisa",
         "params": {"INPUT": p["long"], "FIELD": "ice", "ID_FIELD": "region_code",
                    "YEAR_FIELD": "year", **MORAN, "OUTPUT": f"{o}/lisa_2y.gpkg"}},
        {"id": "transitions", "alg": "spatial_carbon:lisa_transitions",
         "params": {"INPUT": f"{o}/lisa_2y.gpkg", "YEAR_FIELD": "year",
                    "OUTPUT_COUNTS": f"{o}/tr_counts.csv",
                    "OUTPUT_PROBABILITIES": f"{o}/tr_probs.csv",
                    "OUTPUT_MOVES": f"{o}/tr_moves.csv", "OUTPUT_SUMMARY": f"{o}/tr_sum.csv"}},
        {"id": "transitions_one_year", "alg": "spatial_carbon:lisa_transitions",
         "params": {"INPUT": f"{o}/lisa_fp.gpkg", "YEAR_FIELD": "year",
                    "OUTPUT_COUNTS": f"{o}/tr1_counts.csv",
                    "OUTPUT_PROBABILITIES": f"{o}/tr1_probs.csv"}},
        # hot spots, bivariate LISA, spatial Markov, centre of gravity (issue 13)
        {"id": "hot_spots", "alg": "spatial_carbon:hot_spots", "load": True,
         "params": {"INPUT": p["provinces"], "FIELD": "ice_2019", "ID_FIELD": "region_code",
                    **MORAN, "OUTPUT": f"{o}/hot.gpkg"}},
        {"id": "bivariate_lisa", "alg": "spatial_carbon:bivariate_lisa", "load": True,
         "params": {"INPUT": p["provinces"], "FIELD": "ice_2019", "WITH_FIELD": "ice_2018",
                    "ID_FIELD": "region_code", **MORAN, "OUTPUT": f"{o}/bilisa.gpkg"}},
        {"id": "spatial_markov", "alg": "spatial_carbon:spatial_markov",
         "params": {"INPUT": p["long"], "FIELD": "ice", "ID_FIELD": "region_code",
                    "YEAR_FIELD": "year", "K_CLASSES": 3, "WEIGHTS": 0, "ISLANDS": 0,
                    "OUTPUT": f"{o}/markov.csv", "OUTPUT_STEADY": f"{o}/markov_ss.csv"}},
        {"id": "centre", "alg": "spatial_carbon:centre_of_gravity", "load": True,
         "params": {"INPUT": p["long"], "FIELD": "ice", "ID_FIELD": "region_code",
                    "YEAR_FIELD": "year", "OUTPUT_POINTS": f"{o}/centres.gpkg",
                    "OUTPUT_ELLIPSES": f"{o}/ellipses.gpkg",
                    "OUTPUT_TRAJECTORY": f"{o}/trajectory.gpkg"}},
        {"id": "centre_zero", "alg": "spatial_carbon:centre_of_gravity",
         "params": {"INPUT": p["provinces"], "FIELD": "zero", "ID_FIELD": "region_code",
                    "OUTPUT_POINTS": f"{o}/c0.gpkg", "OUTPUT_ELLIPSES": f"{o}/e0.gpkg"}},
        {"id": "model", "alg": "spatial_carbon:seed001_study",
         "params": {"CEADS": ceads_dir, "YEAR": 2019, "LANDCOVER": modis, "LEGEND": 1,
                    "BOUNDARIES": p["provinces"], "POPULATION": pop,
                    "footprint:footprint": f"{o}/model_fp.gpkg",
                    "footprint:footprint_table": f"{o}/model_fp.csv",
                    "zones:zones": f"{o}/model_zones.gpkg",
                    "breaks:icf_classes": f"{o}/model_breaks.gpkg",
                    "moran:moran": f"{o}/model_moran.csv",
                    "lisa:lisa": f"{o}/model_lisa.gpkg"}},
        {"id": "model34", "alg": "spatial_carbon:seed001_study",
         "params": {"CEADS": ceads_dir, "YEAR": 2019, "LANDCOVER": modis, "LEGEND": 1,
                    "BOUNDARIES": p["provinces34"], "POPULATION": pop,
                    "footprint:footprint": f"{o}/model34_fp.gpkg",
                    "footprint:footprint_table": f"{o}/model34_fp.csv",
                    "zones:zones": f"{o}/model34_zones.gpkg",
                    "breaks:icf_classes": f"{o}/model34_breaks.gpkg",
                    "moran:moran": f"{o}/model34_moran.csv",
                    "lisa:lisa": f"{o}/model34_lisa.gpkg"}},
        {"id": "study", "alg": "spatial_carbon:run_study",
         "params": {"MAPS": False, "REPORT": False, "OUTPUT_FOLDER": f"{o}/study"}},
        {"id": "trends", "alg": "spatial_carbon:footprint_trends",
         "params": {"INPUT": f"{o}/study/tables/footprint.csv",
                    "PERIODS": "2000-2011,2011-2019", "NATIONAL": False, "PROJECT_TO": 2030,
                    "PROJECT_COLUMN": "CEC", "OUTPUT": f"{o}/trends.csv",
                    "OUTPUT_PROJECTION": f"{o}/trends_projection.csv"}},
        {"id": "trends_bad_period", "alg": "spatial_carbon:footprint_trends",
         "params": {"INPUT": f"{o}/study/tables/footprint.csv", "PERIODS": "1990-2000",
                    "NATIONAL": True, "PROJECT_COLUMN": "CEC", "OUTPUT": f"{o}/trends_bad.csv"}},
        {"id": "study_cancel", "alg": "spatial_carbon:run_study", "cancel_on_progress": True,
         "params": {"MAPS": True, "REPORT": True, "OUTPUT_FOLDER": f"{o}/study_cancel"}},
        {"id": "breaks_temporary", "alg": "spatial_carbon:natural_breaks",
         "params": {"INPUT": p["provinces"], "FIELD": "ice_2018", "K": 4,
                    "OUTPUT": "TEMPORARY_OUTPUT"}},
        {"id": "io", "alg": "spatial_carbon:io_trade_carbon",
         "params": {"TABLES": p["io_tables"], "EMISSIONS": p["io_emissions"],
                    "BOUNDARIES": p["provinces"], "BOUNDARY_ID": "region_code",
                    "OUTPUT": f"{o}/io.csv", "OUTPUT_SECTORS": f"{o}/io_sectors.csv",
                    "OUTPUT_LAYER": f"{o}/io.gpkg"}},
        {"id": "io_unbalanced", "alg": "spatial_carbon:io_trade_carbon",
         "params": {"TABLES": p["io_unbalanced"], "EMISSIONS": p["io_emissions"],
                    "OUTPUT": f"{o}/io_bad.csv"}},
        {"id": "io_seed002", "alg": "spatial_carbon:io_trade_carbon",
         "params": {"TABLES": p["io42_tables"], "EMISSIONS": p["io42_emissions"],
                    "NATIONAL_TABLE": p["io42_national"], "SECTORS": 1,
                    "OUTPUT": f"{o}/io42.csv", "OUTPUT_SECTORS": f"{o}/io42_sectors.csv",
                    "OUTPUT_GROUPS": f"{o}/io42_groups.csv",
                    "OUTPUT_SECTOR_GROUPS": "TEMPORARY_OUTPUT"}},
        {"id": "io_seed002_no_fallback", "alg": "spatial_carbon:io_trade_carbon",
         "params": {"TABLES": p["io42_tables"], "EMISSIONS": p["io42_emissions"], "SECTORS": 1,
                    "NATIONAL_FOR": "", "OUTPUT": f"{o}/io42_bad.csv"}},
        {"id": "io_adjusted", "alg": "spatial_carbon:io_trade_carbon",
         "params": {"TABLES": p["io_tables"], "NATIONAL_INTENSITY": p["io_national_intensity"],
                    "PROVINCE_TOTALS": p["io_province_totals"], "NATIONAL_EMISSIONS": 330.0,
                    "NATIONAL_OUTPUT": 600.0, "OUTPUT": f"{o}/io_adjusted.csv"}},
        {"id": "io_no_intensity", "alg": "spatial_carbon:io_trade_carbon",
         "params": {"TABLES": p["io_tables"], "OUTPUT": f"{o}/io_none.csv"}},
        {"id": "shift_seed003", "alg": "spatial_carbon:io_transfer_shift",
         "params": {"TABLE0": p["io_fd0"], "TABLE1": p["io_fd1"], "COEFFICIENTS": p["io_coef"],
                    "OUTPUT": f"{o}/shift_fd.csv"}},
        {"id": "shift_all_competitive", "alg": "spatial_carbon:io_transfer_shift",
         "params": {"TABLE0": p["io_fd0"], "TABLE1": p["io_fd1"], "COEFFICIENTS": p["io_coef"],
                    "FINAL_DEMAND": 1, "IMPORTS": 1, "OUTPUT": f"{o}/shift_fd_all.csv",
                    "OUTPUT_REGIONS": f"{o}/shift_fd_all_regions.csv"}},
        {"id": "lmdi", "alg": "spatial_carbon:io_decompose",
         "params": {"TABLE": p["lmdi"], "YEAR0": 2000, "YEAR1": 2010,
                    "OUTPUT": f"{o}/lmdi.csv"}},
        {"id": "growth", "alg": "spatial_carbon:io_decompose",
         "params": {"TABLE": p["lmdi"], "YEAR0": 2000, "YEAR1": 2010, "METHOD": 1,
                    "OUTPUT": f"{o}/growth.csv"}},
        {"id": "lmdi_missing_year", "alg": "spatial_carbon:io_decompose",
         "params": {"TABLE": p["lmdi"], "YEAR0": 2000, "YEAR1": 2020,
                    "OUTPUT": f"{o}/lmdi_bad.csv"}},
        {"id": "share_shift", "alg": "spatial_carbon:io_share_shift",
         "params": {"TABLE": p["lmdi"], "YEAR0": 2000, "YEAR1": 2010, "SECTORS": "s1",
                    "OUTPUT": f"{o}/share_shift.csv"}},
        *([] if p["mrio"] is None else [
            {"id": "mrio", "alg": "spatial_carbon:io_mrio_accounts",
             "params": {"DIRECTORY": p["mrio"], "EXTENSION": "emissions",
                        "STRESSOR": "emission_type1", "OUTPUT": f"{o}/mrio.csv",
                        "OUTPUT_FLOWS": f"{o}/mrio_flows.csv"}},
            {"id": "mrio_bad_stressor", "alg": "spatial_carbon:io_mrio_accounts",
             "params": {"DIRECTORY": p["mrio"], "EXTENSION": "emissions", "STRESSOR": "CO2",
                        "OUTPUT": f"{o}/mrio_bad.csv"}}]),
        {"id": "shift", "alg": "spatial_carbon:io_transfer_shift", "load": True,
         "params": {"TABLE0": p["io_t0"], "TABLE1": p["io_t1"], "COEFFICIENTS": p["io_coef"],
                    "BOUNDARIES": p["provinces"], "BOUNDARY_ID": "region",
                    "OUTPUT": f"{o}/shift.csv", "OUTPUT_REGIONS": f"{o}/shift_regions.csv",
                    "OUTPUT_FLOWS": f"{o}/shift_flows.gpkg"}},
        {"id": "no_spatial_carbon", "alg": "spatial_carbon:lisa",
         "env": {"SPATIAL_CARBON_PYTHON": p["bare_python"]},
         "params": {"INPUT": p["provinces"], "FIELD": "ice_2019", "ID_FIELD": "region_code",
                    "OUTPUT": f"{o}/x.gpkg"}},
        {"id": "no_interpreter", "alg": "spatial_carbon:lisa",
         "env": {"SPATIAL_CARBON_PYTHON": f"{o}/no/such/python"},
         "params": {"INPUT": p["provinces"], "FIELD": "ice_2019", "ID_FIELD": "region_code",
                    "OUTPUT": f"{o}/y.gpkg"}},
        {"id": "lisa_text_field", "alg": "spatial_carbon:lisa",
         "params": {"INPUT": p["provinces"], "FIELD": "ice_text", "ID_FIELD": "region_code",
                    **MORAN, "OUTPUT": f"{o}/lisa_text.gpkg"}},
        {"id": "lisa_empty", "alg": "spatial_carbon:lisa",
         "params": {"INPUT": p["empty"], "FIELD": "ice_2019", "ID_FIELD": "region_code",
                    **MORAN, "OUTPUT": f"{o}/lisa_empty.gpkg"}},
        {"id": "lisa_missing_id", "alg": "spatial_carbon:lisa",
         "params": {"INPUT": p["provinces"], "FIELD": "ice_2019", "ID_FIELD": "adcode",
                    **MORAN, "OUTPUT": f"{o}/lisa_mid.gpkg"}},
    ]


#: Weights and permutations of the seed-001 study's spatial step.
MORAN = {"WEIGHTS": 0, "ISLANDS": 0, "PERMUTATIONS": 999, "SEED": 20191231}


def _drive(spec: dict, d: Path, **env) -> dict:
    (d / "spec.json").write_text(json.dumps(spec), encoding="utf-8")
    r = subprocess.run(
        [QGIS_PY, str(REPO / "tests" / "qgis" / "driver.py"), str(d / "spec.json"),
         str(d / "report.json")],
        capture_output=True, text=True, timeout=900, env=_env(HOME=str(d), **env),
    )
    assert r.returncode == 0, f"QGIS driver failed ({r.returncode}):\n{r.stderr[-4000:]}"
    return json.loads((d / "report.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def report(inputs, tmp_path_factory) -> dict:
    """Run every case in one real-QGIS session; return the driver's report."""
    d = tmp_path_factory.mktemp("qgis_run")
    return _drive({"plugin_dir": str(PLUGIN_DIR), "cases": _cases(inputs)}, d)


def _ok(report, case_id) -> dict:
    rec = report["cases"][case_id]
    assert rec["ok"], f"{case_id} failed in QGIS: {rec.get('error')}\nlog: {rec['log']}"
    return rec


def _gpkg(path):
    """The data layer of an output GeoPackage (which also holds layer_styles)."""
    import geopandas as gpd

    return gpd.read_file(path, layer=0)


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
    from_plugin = _plugin_algorithm_names() + ["seed001_study"]  # tools + the model
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
        if alg.endswith(":seed001_study"):
            continue  # the model: help in its own ALG_DESC
        assert "spatial_carbon" in h["short"] and len(h["short"]) > 200, alg
        for name, desc, help_text, _adv in h["params"]:
            assert help_text and len(help_text) > 10, f"{alg}: parameter {name} has no help"
        assert h["can_execute"][0] is True, f"{alg}: {h['can_execute']}"


def test_model_sits_in_the_whole_study_group_under_its_name(report):
    """The bundled model is 'Seed-001 study for one year' in '6 - Whole study'
    (it was a seventh group 'Seed-001 study for one year (model)' holding an
    item 'seed001_study': name, group and groupId were shifted); its id stays
    spatial_carbon:seed001_study."""
    h = report["provider"]["help"]
    m = h["spatial_carbon:seed001_study"]
    assert m["display"] == "Seed-001 study for one year"
    assert (m["group"], m["group_id"]) == ("6 - Whole study", "study")
    assert (h["spatial_carbon:run_study"]["group"], h["spatial_carbon:run_study"]["group_id"]) \
        == ("6 - Whole study", "study")
    groups = {(a["group_id"], a["group"]) for a in h.values()}
    assert groups == {("setup", "0 - Set up"), ("inventory", "1 - Emissions inventory"),
                      ("sinks", "2 - Land cover and carbon sinks"),
                      ("footprint", "3 - Carbon footprint"), ("spatial", "4 - Spatial statistics"),
                      ("io", "5 - Input-output carbon transfer"), ("study", "6 - Whole study")}


def test_opening_a_tool_starts_no_subprocess_on_the_gui_thread(report):
    """QGIS froze ~4.4 s on the first tool dialog: canExecute() ran the worker
    check (a subprocess importing numpy, geopandas, rasterio ...) on the GUI
    thread.  The provider now probes the worker in the background when it
    loads; afterwards canExecute() of every tool answers from the cache."""
    checks = report["provider"]["checks"]
    assert checks["subprocesses"] == []
    assert all(checks["can_execute"].values()), checks["can_execute"]


def test_activate_setting_like_the_gdal_provider(report):
    active = report["provider"]["checks"]["active"]
    assert active[0] == "True" and active[1] == "False" and active[3] == "True"
    assert active[2].lower() == "false"  # stored where Processing keeps it


def test_each_tool_has_a_help_url_to_its_section_of_the_manual(report):
    for alg, h in report["provider"]["help"].items():
        name = alg.split(":")[1]
        url = h["help_url"]
        assert url.endswith(f"#tool-{name}"), (alg, url)
        path = Path(url[len("file://"):].split("#")[0])
        assert path.is_file(), url
        assert f'<a id="tool-{name}"></a>' in path.read_text(encoding="utf-8"), (alg, path)


I18N = PLUGIN_DIR / "spatial_carbon_qgis" / "i18n"


def _ts_messages(lang="zh_CN"):
    import xml.etree.ElementTree as ET

    root = ET.parse(I18N / f"spatial_carbon_{lang}.ts").getroot()
    return {m.findtext("source"): (m.findtext("translation") or "",
                                   m.find("translation").get("type"))
            for m in root.iter("message")}


def _shown(report):
    """Every name and label the provider shows: tools, groups, parameters."""
    out = set()
    for h in report["provider"]["help"].values():
        out |= {h["display"], h["group"]} | {p[1] for p in h["params"]}
    return out


def test_every_shown_name_has_a_chinese_translation(report):
    msgs = _ts_messages()
    missing = sorted(s for s in _shown(report) if not msgs.get(s, ("", None))[0]
                     or msgs[s][1] in ("unfinished", "obsolete"))
    assert not missing, (
        f"untranslated: {missing}; run QT_QPA_PLATFORM=offscreen /usr/bin/python3 "
        "qgis_plugin/update_translations.py, translate the new entries of "
        "qgis_plugin/spatial_carbon_qgis/i18n/spatial_carbon_zh_CN.ts and run it again")


def test_translation_qm_is_built_from_the_ts(tmp_path):
    import shutil

    exe = shutil.which("lrelease")
    if exe is None:
        if REQUIRE:
            pytest.fail("lrelease missing (apt-get install qttools5-dev-tools)", pytrace=False)
        pytest.skip("lrelease not installed (apt-get install qttools5-dev-tools)")
    subprocess.run([exe, "-silent", "-nounfinished", str(I18N / "spatial_carbon_zh_CN.ts"),
                    "-qm", str(tmp_path / "zh.qm")], check=True, timeout=120)
    assert (tmp_path / "zh.qm").read_bytes() == (I18N / "spatial_carbon_zh_CN.qm").read_bytes(), \
        "run: QT_QPA_PLATFORM=offscreen /usr/bin/python3 qgis_plugin/update_translations.py"


@pytest.fixture(scope="module")
def report_zh(tmp_path_factory, inputs) -> dict:
    """The provider in a QGIS whose interface language is Chinese; one LISA run."""
    d = tmp_path_factory.mktemp("qgis_zh")
    cases = [{"id": "lisa_zh", "alg": "spatial_carbon:lisa",
              "params": {"INPUT": inputs["provinces"], "FIELD": "ice_2019",
                         "ID_FIELD": "region_code", **MORAN, "OUTPUT": str(d / "lisa_zh.gpkg")}}]
    return _drive({"plugin_dir": str(PLUGIN_DIR), "cases": cases}, d, LC_ALL="zh_CN.UTF-8",
                  LANG="zh_CN.UTF-8")


def test_the_chinese_translation_loads(report_zh, report):
    """With QGIS in Chinese the Toolbox shows the tools, groups and parameter
    labels in Chinese; ids (and so models and scripts) stay the same."""
    zh, en = report_zh["provider"]["help"], report["provider"]["help"]
    assert sorted(zh) == sorted(en)
    lisa = zh["spatial_carbon:lisa"]
    assert lisa["display"] == "局部莫兰指数（LISA 聚类）"
    assert (lisa["group"], lisa["group_id"]) == ("4 - 空间统计", "spatial")
    labels = {p[0]: p[1] for p in lisa["params"]}
    assert labels["INPUT"] == "输入图层" and labels["SEED"] == "随机种子"
    model = zh["spatial_carbon:seed001_study"]
    assert model["display"] == "Seed-001 单年研究" and model["group"] == "6 - 完整研究"
    assert {p[0]: p[1] for p in model["params"]}["YEAR"] == "年份"
    assert zh["spatial_carbon:setup_worker"]["display"] == "配置 spatial_carbon 运行环境"
    # the legend of the styles follows the interface language
    cats = {c[0]: c[2] for c in _ok(report_zh, "lisa_zh")["layers"]["OUTPUT"]["categories"]}
    assert cats["1"] == "高-高" and cats["0"] == "不显著"
    msgs = _ts_messages()
    for alg, h in en.items():  # every shown string is the .ts translation of the English
        assert zh[alg]["display"] == msgs[h["display"]][0]
        for (name, desc, *_), (name_zh, desc_zh, *_) in zip(h["params"], zh[alg]["params"]):
            assert name == name_zh and desc_zh == msgs[desc][0], (alg, name)


def test_no_pip_wheel_gdal_in_the_qgis_process(report):
    """The fix for the GDAL clash: nothing of the scientific stack is imported
    into QGIS, and QGIS's libgdal is the only GDAL mapped in the process."""
    assert report["modules"] == []
    assert len(report["gdal_libs"]) == 1, report["gdal_libs"]
    assert re.search(r"/libgdal\.so\.\d+", report["gdal_libs"][0]), report["gdal_libs"]


def test_model_is_up_to_date(tmp_path):
    """The shipped .model3 is what qgis_plugin/make_model.py builds."""
    target = tmp_path / "m.model3"
    r = subprocess.run([QGIS_PY, str(PLUGIN_DIR / "make_model.py"), str(target)],
                       capture_output=True, text=True, timeout=300, env=_env(HOME=str(tmp_path)))
    assert r.returncode == 0, r.stderr[-2000:]
    shipped = PLUGIN_DIR / "spatial_carbon_qgis" / "models" / "seed001_study.model3"
    import xml.etree.ElementTree as ET

    def canon(path):  # Qt writes XML attributes in hash order: compare canonical XML
        text = path.read_text(encoding="utf-8").replace("<!DOCTYPE model>", "")
        return ET.canonicalize(text, strip_text=True)

    assert canon(target) == canon(shipped), "run: /usr/bin/python3 qgis_plugin/make_model.py"


def test_without_spatial_carbon_the_tools_say_what_to_install(report, inputs):
    """canExecute() is False with the commands to run when the worker
    interpreter lacks spatial_carbon or does not exist, and running a tool
    fails with the same message instead of a traceback."""
    rec = report["cases"]["no_spatial_carbon"]
    ok, msg = rec["can_execute"]
    assert ok is False
    # a venv (PEP 668 does not apply inside one): the setup tool, or pip into it
    assert "is not usable by" in msg and "Set up the spatial_carbon worker" in msg
    assert f'"{inputs["bare_python"]}" -m pip install' in msg
    assert "Set up the spatial_carbon worker" in _error(report, "no_spatial_carbon")
    ok, msg = report["cases"]["no_interpreter"]["can_execute"]
    assert ok is False and "no Python interpreter at" in msg
    assert "Set up the spatial_carbon worker" in msg
    assert "no Python interpreter at" in _error(report, "no_interpreter")


def test_every_algorithm_ran(report):
    ran = {rec["alg"] for rec in report["cases"].values() if rec["ok"]}
    ran.add("spatial_carbon:setup_worker")  # end to end in tests/test_qgis_desktop.py
    if not any(c["alg"].endswith("io_mrio_accounts") for c in report["cases"].values()):
        ran.add("spatial_carbon:io_mrio_accounts")  # pymrio absent: its test says so
    missing = sorted(set(report["provider"]["algorithms"]) - ran)
    assert not missing, f"no successful end-to-end run of: {missing}"


# ------------------------------------------------------------ inventory
def test_ceads_import_matches_core(report):
    from spatial_carbon.inventory import ceads
    from spatial_carbon import datasets

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


def test_fuel_emissions_match_core(report, inputs):
    from spatial_carbon import inventory

    rec = _ok(report, "fuel")
    got = pd.read_csv(rec["outputs"]["OUTPUT"], encoding="utf-8-sig")
    exp = inventory.emissions(inventory.read_fuel_use(inputs["fuel"]))
    np.testing.assert_array_equal(got["region_code"], exp["region_code"])
    np.testing.assert_allclose(got["CO2_t"], exp["CO2_t"], rtol=1e-12)


def test_fuel_negative_amount_is_a_readable_message(report):
    msg = _error(report, "fuel_negative")
    assert msg.startswith("NegativeValueError:") and "negative fuel use in row 2" in msg


# --------------------------------------------------------- land cover, sinks
def _core_areas(inputs):
    import geopandas as gpd

    from spatial_carbon import landcover

    zones = gpd.read_file(inputs["provinces"])
    return landcover.class_areas(
        str(DATA / "landcover" / "MCD12C1_2019_IGBP_china_clip_0p05deg.tif"), zones,
        "region_code", legend="modis_igbp", years=[2019], workers=1)


@pytest.fixture(scope="module")
def core_areas(inputs):
    return _core_areas(inputs)


def test_class_areas_match_core(report, core_areas):
    rec = _ok(report, "areas")
    got = pd.read_csv(rec["outputs"]["OUTPUT"], encoding="utf-8-sig")
    assert len(got) == len(core_areas)
    np.testing.assert_array_equal(got["zone"], core_areas["zone"])
    np.testing.assert_array_equal(got["class"], core_areas["class"])
    np.testing.assert_array_equal(got["pixels"], core_areas["pixels"])
    np.testing.assert_allclose(got["area_hm2"], core_areas["area_hm2"], rtol=1e-12)
    assert rec["max_progress"] == pytest.approx(100.0)


def test_class_areas_zones_in_another_crs_are_reprojected(report, core_areas):
    """Zones in EPSG:3857 are reprojected to the raster's CRS: same provinces,
    areas equal up to the pixels whose centres the reprojected edges move."""
    rec = _ok(report, "areas_3857")
    got = pd.read_csv(rec["outputs"]["OUTPUT"], encoding="utf-8-sig")
    tot = got.groupby("zone")["area_hm2"].sum()
    exp = core_areas.groupby("zone")["area_hm2"].sum()
    np.testing.assert_array_equal(tot.index, exp.index)
    np.testing.assert_allclose(tot.to_numpy(), exp.to_numpy(), rtol=2e-3)


def test_class_areas_zones_without_crs_is_a_readable_message(report):
    msg = _error(report, "areas_nocrs")
    assert msg.startswith("CRSError:") and "CRS" in msg


def test_class_areas_missing_field_is_a_readable_message(report):
    msg = _error(report, "areas_missing_field")
    assert "province_id" in msg and "region_code" in msg


def test_cancel_stops_the_tool(report):
    rec = report["cases"]["areas_cancel"]
    assert not rec["ok"] and "cancel" in rec["error"].lower(), rec


def test_sinks_match_core(report, core_areas):
    from spatial_carbon.footprint import sinks

    rec = _ok(report, "sinks")
    got = pd.read_csv(rec["outputs"]["OUTPUT"], encoding="utf-8-sig")
    exp = sinks.carbon_sink(core_areas)
    assert list(got.columns) == list(exp.columns)
    np.testing.assert_allclose(got["CS"], exp["CS"], rtol=1e-12)


# ---------------------------------------------------------- footprint, zones
@pytest.fixture(scope="module")
def core_footprint(inputs, core_areas):
    from spatial_carbon import datasets, footprint
    from spatial_carbon.inventory import population
    from spatial_carbon.footprint import sinks

    ice = pd.read_csv(inputs["ice_2019"])
    return footprint.compute(ice, sinks.carbon_sink(core_areas),
                             population=population.read_yearbook(datasets.population_csv()))


def test_footprint_matches_core(report, core_footprint):
    rec = _ok(report, "footprint")
    got = pd.read_csv(rec["outputs"]["OUTPUT"], encoding="utf-8-sig")
    for col in ("ICE", "CS", "ICF", "CEC", "ICD", "ICS", "ICF_size", "ICF_depth", "ICF_pc"):
        np.testing.assert_allclose(got[col], core_footprint[col], rtol=1e-12, err_msg=col)
    lay = rec["layers"]["OUTPUT_LAYER"]
    assert lay["valid"] and lay["features"] == len(core_footprint) == 30
    assert lay["crs"] == "EPSG:4326"
    # styled (it loaded unstyled): ICF by its natural breaks, as the seed study's map
    from spatial_carbon.spatial import classify

    assert lay["type"] == "graduatedSymbol" and lay["attribute"] == "ICF"
    assert lay["styles"][:3] == ["ICF", "ICF_size", "ICF_depth"]
    _, brk = classify.natural_breaks(core_footprint, "ICF", 5, per_year=False)
    np.testing.assert_allclose([r[1] for r in lay["ranges"]], brk["upper"], rtol=1e-12)


def test_table_outputs_are_feature_sinks_and_inputs_any_table_layer(report, core_areas,
                                                                     core_footprint):
    """A table output written to a temporary output is a memory layer (what a
    model passes between steps) with typed fields; a table input takes a
    GeoPackage attribute table and that memory layer; a table output can be a
    GeoPackage table -- no CSV file in between, same numbers as the core."""
    from spatial_carbon.footprint import sinks

    rec = _ok(report, "sinks_memory")
    t = rec["tables"]["OUTPUT"]
    assert t["provider"] == "memory"
    exp = sinks.carbon_sink(core_areas)
    assert t["fields"] == list(exp.columns) and t["features"] == len(exp) == 30
    types = dict(zip(t["fields"], t["types"]))
    assert types["CS"].lower() in ("double", "real") and types["year"].lower() in (
        "integer", "integer64", "int", "int8")
    got = pd.DataFrame(t["rows"], columns=t["fields"])
    np.testing.assert_array_equal(got["region_code"].astype(int), exp["region_code"])
    np.testing.assert_allclose(got["CS"].astype(float), exp["CS"], rtol=1e-12)
    rec = _ok(report, "footprint_layers")
    assert rec["outputs"]["OUTPUT"].startswith(str(Path(rec["outputs"]["OUTPUT"]).parent))
    got = _gpkg(rec["outputs"]["OUTPUT"].split("|")[0])
    assert "geometry" not in got.columns or got.geometry.isna().all()
    for col in ("ICE", "CS", "ICF", "CEC", "ICF_size", "ICF_depth", "ICF_pc"):
        np.testing.assert_allclose(got[col].astype(float), core_footprint[col], rtol=1e-12,
                                   err_msg=col)


def test_zones_match_core_and_load_styled(report, core_footprint):
    from spatial_carbon.footprint import zones

    rec = _ok(report, "zones")
    got = _gpkg(rec["outputs"]["OUTPUT"]).sort_values("region_code")
    exp = zones.quadrants(core_footprint).sort_values("region_code")
    np.testing.assert_array_equal(got["zone"].to_numpy(), exp["zone"].to_numpy())
    lay = rec["layers"]["OUTPUT"]
    assert lay["type"] == "categorizedSymbol" and lay["attribute"] == "zone"
    assert [c[0] for c in lay["categories"]] == ["I", "II", "III", "IV"]
    # Loaded into the project by Processing (runAndLoadResults): styled too.
    assert "categorizedSymbol" in {v["renderer"] for v in rec["project_layers"].values()}


def test_zones_non_numeric_field_is_a_readable_message(report):
    msg = _error(report, "zones_text_field")
    assert "ice_text" in msg and "not numeric" in msg


def test_natural_breaks_match_core_and_load_styled(report, inputs):
    import geopandas as gpd

    from spatial_carbon.spatial import classify

    rec = _ok(report, "breaks")
    got = _gpkg(rec["outputs"]["OUTPUT"])
    src = gpd.read_file(inputs["provinces"])
    cls, brk = classify.natural_breaks(src, "ice_2019", 5, per_year=False)
    np.testing.assert_array_equal(got["ice_2019_class_pooled"], cls["ice_2019_class_pooled"])
    got_brk = pd.read_csv(rec["outputs"]["BREAKS"], encoding="utf-8-sig")
    np.testing.assert_allclose(got_brk["upper"], brk["upper"], rtol=1e-12)
    lay = rec["layers"]["OUTPUT"]
    assert lay["type"] == "graduatedSymbol" and lay["attribute"] == "ice_2019"
    np.testing.assert_allclose([r[1] for r in lay["ranges"]], brk["upper"], rtol=1e-12)
    assert len({r[2] for r in lay["ranges"]}) == 5  # five distinct colours
    assert "graduatedSymbol" in {v["renderer"] for v in rec["project_layers"].values()}


@pytest.mark.parametrize("case, pattern", [
    ("breaks_missing_field", r"no field 'ICF_2019'.*ice_2019"),
    ("breaks_empty", r"empty"),
    ("breaks_text_field", r"'ice_text'.*not numeric"),
])
def test_natural_breaks_bad_input_is_a_readable_message(report, case, pattern):
    assert re.search(pattern, _error(report, case))


# --------------------------------------------------------- Moran, LISA
def _core_weights(gdf, id_field="region_code"):
    from spatial_carbon.spatial import weights

    return weights.build(gdf, id_field, kind="queen", islands="knn")[0]


def test_spatial_weights_file_matches_core(report, inputs):
    import geopandas as gpd

    from spatial_carbon.spatial import weights

    rec = _ok(report, "weights")
    ids, pairs, _ = weights.read_gal(rec["outputs"]["OUTPUT"])
    w = _core_weights(gpd.read_file(inputs["provinces"]))
    assert sorted(map(int, ids)) == sorted(map(int, w.ids))
    assert len(pairs) == w.binary.nnz
    rep = json.loads(Path(rec["outputs"]["OUTPUT_REPORT"]).read_text(encoding="utf-8"))
    assert rep["islands"] == [460000]  # Hainan, linked to its nearest province
    assert rec["outputs"]["N_ISLANDS"] == 1 and rec["outputs"]["N_COMPONENTS"] == 1


def test_global_moran_matches_core(report, inputs):
    import geopandas as gpd

    from spatial_carbon.spatial import autocorr

    rec = _ok(report, "moran")
    got = pd.read_csv(rec["outputs"]["OUTPUT"], encoding="utf-8-sig")
    src = gpd.read_file(inputs["provinces"])
    w = _core_weights(src)
    for i, col in enumerate(["ice_2019", "ice_2018"]):
        exp = autocorr.global_moran(src, w, col, id_col="region_code", year_col=None,
                                    permutations=999, seed=20191231)
        row = got.iloc[i]
        assert row["variable"] == col
        for c in ("I", "z_norm", "p_norm", "z_rand", "p_sim", "EI_sim"):
            np.testing.assert_allclose(row[c], exp[c].iloc[0], rtol=1e-12, err_msg=c)
    assert rec["outputs"]["I"] == pytest.approx(got["I"].iloc[0], rel=1e-12)


def test_lisa_matches_core_and_loads_with_geoda_colours(report, inputs):
    import geopandas as gpd

    from spatial_carbon.spatial import autocorr
    from spatial_carbon.maps.lisa import LISA_CLUSTERS

    rec = _ok(report, "lisa")
    got = _gpkg(rec["outputs"]["OUTPUT"]).sort_values("region_code")
    src = gpd.read_file(inputs["provinces"])
    exp = autocorr.local_moran(src, _core_weights(src), "ice_2019", id_col="region_code",
                               year_col=None, permutations=999, seed=20191231)
    exp = exp.sort_values("region_code")
    np.testing.assert_array_equal(got["cluster"].to_numpy(), exp["cluster"].to_numpy())
    np.testing.assert_allclose(got["p_sim"], exp["p_sim"], rtol=1e-12)
    np.testing.assert_allclose(got["I"], exp["I"], rtol=1e-12)
    assert got.crs.to_epsg() == 4326 and len(got) == 30
    lay = rec["layers"]["OUTPUT"]
    assert lay["type"] == "categorizedSymbol" and lay["attribute"] == "cluster"
    colours = {c[0]: c[1] for c in lay["categories"]}
    for code, (_label, colour) in LISA_CLUSTERS.items():
        assert colours[str(code)] == colour.lower(), (code, colours)
    # GeoDa's palette: High-High red, Low-Low blue.
    assert colours["1"] == "#ff0000" and colours["2"] == "#0000ff"
    # GeoPackage 1.2, which QGIS's older GDAL opens without a version warning.
    import sqlite3

    with sqlite3.connect(rec["outputs"]["OUTPUT"]) as con:
        assert con.execute("PRAGMA user_version").fetchone()[0] == 10200
    # The significance map is stored in the GeoPackage as a second, named style.
    assert lay["styles"] == ["LISA clusters (cluster)", "LISA significance (p_sim)"]
    assert "categorizedSymbol" in {v["renderer"] for v in rec["project_layers"].values()}
    # The default is GeoDa's folded p: 999 permutations reach Bonferroni's 0.05/30 (1/1000 < 0.00167).
    assert not any("Bonferroni" in text for _kind, text in rec["log"])


def test_lisa_two_sided_option_doubles_p_and_warns(report):
    """ALTERNATIVE two-sided (index 0) stays available: p = min(1, 2 x folded p)."""
    a = _gpkg(_ok(report, "lisa")["outputs"]["OUTPUT"]).sort_values("region_code")
    rec = _ok(report, "lisa_two_sided")
    b = _gpkg(rec["outputs"]["OUTPUT"]).sort_values("region_code")
    assert set(a["alternative"]) == {"folded"} and set(b["alternative"]) == {"two-sided"}
    np.testing.assert_allclose(b["p_sim"], np.minimum(1.0, 2 * a["p_sim"].to_numpy()), rtol=1e-12)
    assert (b["cluster"] != 0).sum() <= (a["cluster"] != 0).sum()
    # two-sided: the smallest p 2/1000 is above 0.05/30, and the core's DataQualityWarning
    # reaches the Processing log as a warning
    assert any(kind == "warning" and "Bonferroni" in text for kind, text in rec["log"])


def test_lisa_on_a_layer_in_another_crs_gives_the_same_clusters(report):
    a = _gpkg(_ok(report, "lisa")["outputs"]["OUTPUT"]).sort_values("region_code")
    b = _gpkg(_ok(report, "lisa_3857")["outputs"]["OUTPUT"]).sort_values("region_code")
    assert b.crs.to_epsg() == 3857
    np.testing.assert_array_equal(a["cluster"].to_numpy(), b["cluster"].to_numpy())
    np.testing.assert_allclose(a["p_sim"], b["p_sim"], rtol=1e-12)


def test_lisa_on_a_long_layer_runs_per_year(report, core_footprint):
    got = _gpkg(_ok(report, "lisa_long_layer")["outputs"]["OUTPUT"])
    assert set(got["year"]) == {2019} and len(got) == len(core_footprint)


@pytest.mark.parametrize("case, pattern", [
    ("lisa_text_field", r"'ice_text'.*not numeric"),
    ("lisa_empty", r"empty"),
    ("lisa_missing_id", r"no field 'adcode' \(parameter ID_FIELD\)"),
])
def test_lisa_bad_input_is_a_readable_message(report, case, pattern):
    assert re.search(pattern, _error(report, case))


# ------------------------------------------------------------ qgis_process
@pytest.fixture(scope="module")
def qp_env(tmp_path_factory) -> dict:
    """A fresh QGIS profile (HOME) with the plugin on QGIS_PLUGINPATH, enabled."""
    import zipfile

    home = tmp_path_factory.mktemp("qgis_process_home")
    # Install as "Install from ZIP" does: unpack the built zip into the profile.
    sys.path.insert(0, str(PLUGIN_DIR))
    try:
        from build_zip import build_zip
    finally:
        sys.path.remove(str(PLUGIN_DIR))
    plugins = home / ".local" / "share" / "QGIS" / "QGIS3" / "profiles" / "default" / "python" \
        / "plugins"
    with zipfile.ZipFile(build_zip(home / "dist", with_wheel=False)) as zf:
        zf.extractall(plugins)
    env = _env(HOME=str(home), XDG_RUNTIME_DIR=str(home))
    r = subprocess.run([QGIS_PROCESS, "plugins", "enable", "spatial_carbon_qgis"], env=env,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    return env


def _qgis_process(env, *args, timeout=600):
    return subprocess.run([QGIS_PROCESS, *args], env=env, capture_output=True, text=True,
                          timeout=timeout)


def test_debian_qgis_process_wrapper_is_broken_so_we_call_the_binary(qp_env):
    """Debian bookworm's /usr/bin/qgis_process adds --noversioncheck (from
    /etc/default/qgis), which qgis_process.bin rejects; docs/qgis.md tells
    users to call /usr/bin/qgis_process.bin."""
    wrapper = Path("/usr/bin/qgis_process")
    if not wrapper.exists() or "noversioncheck" not in Path("/etc/default/qgis").read_text() \
            if Path("/etc/default/qgis").exists() else True:
        pytest.skip("no Debian qgis_process wrapper with --noversioncheck here")
    r = subprocess.run([str(wrapper), "list"], env=qp_env, capture_output=True, text=True,
                       timeout=300)
    assert "--noversioncheck not known" in r.stdout + r.stderr


def test_qgis_process_lists_the_provider(qp_env):
    r = _qgis_process(qp_env, "list")
    assert r.returncode == 0, r.stderr
    for name in _plugin_algorithm_names():
        assert f"spatial_carbon:{name}" in r.stdout


def test_qgis_process_runs_lisa_like_processing_run(qp_env, report, tmp_path, inputs):
    out = tmp_path / "lisa_qp.gpkg"
    r = _qgis_process(qp_env, "--json", "run", "spatial_carbon:lisa", "--",
                      f"INPUT={inputs['provinces']}", "FIELD=ice_2019", "ID_FIELD=region_code",
                      "WEIGHTS=0", "ISLANDS=0", "PERMUTATIONS=999", "SEED=20191231",
                      f"OUTPUT={out}")
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    res = json.loads(r.stdout[r.stdout.index("{"):])
    assert res["results"]["OUTPUT"] == str(out)
    a = _gpkg(str(out)).sort_values("region_code")
    b = _gpkg(_ok(report, "lisa")["outputs"]["OUTPUT"]).sort_values("region_code")
    np.testing.assert_array_equal(a["cluster"].to_numpy(), b["cluster"].to_numpy())
    np.testing.assert_array_equal(a["p_sim"].to_numpy(), b["p_sim"].to_numpy())


def test_qgis_process_bad_input_is_a_message_not_a_traceback(qp_env, tmp_path, inputs):
    r = _qgis_process(qp_env, "run", "spatial_carbon:lisa", "--",
                      f"INPUT={inputs['provinces']}", "FIELD=ice_text", "ID_FIELD=region_code",
                      f"OUTPUT={tmp_path / 'bad.gpkg'}")
    text = r.stdout + r.stderr
    assert r.returncode != 0
    assert "field 'ice_text' of input layer (parameter FIELD) is not numeric" in text
    assert "Traceback" not in text


# ------------------------------------------- why the core runs out of process
_PROBE = '''
import os, sys
from qgis.core import (QgsApplication, QgsProcessingAlgorithm, QgsProcessingOutputString,
                       QgsProcessingProvider)


class Probe(QgsProcessingAlgorithm):
    def name(self): return "probe"
    def displayName(self): return "probe"
    def createInstance(self): return Probe()
    def initAlgorithm(self, config=None):
        self.addOutput(QgsProcessingOutputString("OUT", "out"))
    def processAlgorithm(self, parameters, context, feedback):
        sys.path.insert(0, os.environ["PROBE_SITE"])
        import rasterio
        with open("/proc/self/maps") as f:
            libs = sorted({l.split()[-1].rsplit("/", 1)[-1] for l in f if "libgdal" in l})
        line = "PROBE runtime=%s libs=%s" % (rasterio.gdal_version(), ",".join(libs))
        print(line, flush=True)
        return {"OUT": line}


class Prov(QgsProcessingProvider):
    def id(self): return "gdalprobe"
    def name(self): return "gdalprobe"
    def loadAlgorithms(self): self.addAlgorithm(Probe())


class Plugin:
    def __init__(self, iface=None): self.p = None
    def initProcessing(self):
        self.p = Prov()
        QgsApplication.processingRegistry().addProvider(self.p)
    def initGui(self): self.initProcessing()
    def unload(self): QgsApplication.processingRegistry().removeProvider(self.p)


def classFactory(iface):
    return Plugin(iface)
'''


def test_pip_rasterio_inside_qgis_binds_to_qgis_gdal(tmp_path):
    """The evidence behind the out-of-process design: a pip rasterio imported
    inside qgis_process.bin runs on QGIS's GDAL (symbol interposition), not on
    the GDAL its wheel bundles -- an ABI mismatch (QGIS 3.22 on Debian 12:
    GDAL 3.6.2 vs rasterio 1.4's bundled 3.10), and the process typically
    aborts at exit ("double free or corruption")."""
    r = subprocess.run([WORKER, "-c", "import rasterio, os, glob; d = os.path.dirname("
                        "rasterio.__file__); print(os.path.dirname(d)); print(' '.join("
                        "glob.glob(os.path.join(os.path.dirname(d), 'rasterio.libs', "
                        "'libgdal*'))))"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    site, bundled = r.stdout.splitlines()[0], r.stdout.splitlines()[1].split()
    if not bundled:
        pytest.skip("the worker's rasterio does not bundle GDAL (built against a system GDAL)")
    m = re.search(r"\.so\.\d+\.(\d+\.\d+\.\d+)$", bundled[0])
    if not m:
        pytest.skip(f"cannot read the bundled GDAL version from {bundled[0]}")
    plugin = tmp_path / "plugins" / "gdalprobe"
    plugin.mkdir(parents=True)
    (plugin / "__init__.py").write_text(_PROBE)
    (plugin / "metadata.txt").write_text(
        "[general]\nname=gdalprobe\nqgisMinimumVersion=3.22\ndescription=probe\nversion=0.1\n"
        "author=tests\nemail=t@example.org\nabout=probe\nrepository=https://example.org\n"
        "hasProcessingProvider=yes\n")
    env = _env(HOME=str(tmp_path), QGIS_PLUGINPATH=str(tmp_path / "plugins"),
               XDG_RUNTIME_DIR=str(tmp_path), PROBE_SITE=site)
    subprocess.run([QGIS_PROCESS, "plugins", "enable", "gdalprobe"], env=env,
                   capture_output=True, timeout=300)
    r = subprocess.run([QGIS_PROCESS, "run", "gdalprobe:probe"], env=env, capture_output=True,
                       text=True, timeout=300)
    line = next((s for s in r.stdout.splitlines() if s.startswith("PROBE ")), None)
    assert line, r.stdout[-2000:] + r.stderr[-2000:]
    runtime = re.search(r"runtime=(\S+)", line).group(1)
    libs = line.split("libs=")[1].split(",")
    assert len([x for x in libs if x.startswith("libgdal")]) >= 2, libs  # two GDALs mapped
    assert runtime != m.group(1), (
        f"rasterio ran on its own GDAL {runtime} inside QGIS: no clash on this platform; "
        "the out-of-process worker is still correct but could be made optional")


def test_lisa_transitions_match_core(report, inputs):
    import geopandas as gpd

    from spatial_carbon.spatial import autocorr, transitions

    rec = _ok(report, "transitions")
    long = gpd.read_file(inputs["long"])
    w = _core_weights(long.drop_duplicates("region_code"))
    lisa = autocorr.local_moran(long, w, "ice", id_col="region_code", year_col="year",
                                permutations=999, seed=20191231)
    exp = transitions.lisa_transitions(lisa)
    got = pd.read_csv(rec["outputs"]["OUTPUT_COUNTS"], encoding="utf-8-sig", index_col=0)
    np.testing.assert_array_equal(got.to_numpy(), exp.counts.to_numpy())
    assert list(got.columns) == [str(c) for c in exp.counts.columns]
    moves = pd.read_csv(rec["outputs"]["OUTPUT_MOVES"], encoding="utf-8-sig")
    assert len(moves) == len(exp.moves) == 30
    np.testing.assert_array_equal(moves["type"].astype(str), exp.moves["type"].astype(str))


def test_lisa_transitions_bad_input_is_a_readable_message(report):
    msg = _error(report, "transitions_one_year")
    assert msg.startswith("InputError:") and "year" in msg


# ------------------------------------------------------------- model, study
def test_seed001_model_chains_the_tools_like_the_core(report, inputs):
    """The Processing model (CEADs -> areas -> sinks -> footprint -> zones,
    breaks, Moran, LISA) equals the core run step by step on the same inputs."""
    import geopandas as gpd

    from spatial_carbon.spatial import autocorr, classify
    from spatial_carbon.inventory import ceads, population
    from spatial_carbon import datasets, footprint, landcover
    from spatial_carbon.footprint import sinks, zones

    _ok(report, "model")
    o = Path(inputs["out"])
    ice = ceads.industrial_emissions(ceads.read_provinces(datasets.ceads_dir(), years=[2019]))
    prov = gpd.read_file(inputs["provinces"])
    areas = landcover.class_areas(datasets.modis_landcover(), prov, "region_code",
                                  legend="modis_igbp", years=[2019], workers=1)
    fp = footprint.compute(ice, sinks.carbon_sink(areas),
                           population=population.read_yearbook(datasets.population_csv()))
    got = pd.read_csv(o / "model_fp.csv", encoding="utf-8-sig")
    np.testing.assert_allclose(got["ICF"], fp["ICF"], rtol=1e-12)
    np.testing.assert_allclose(got["ICF_depth"], fp["ICF_depth"], rtol=1e-12)
    z = _gpkg(str(o / "model_zones.gpkg")).sort_values("region_code")
    np.testing.assert_array_equal(z["zone"].to_numpy(),
                                  zones.quadrants(fp).sort_values("region_code")["zone"])
    cls, _ = classify.natural_breaks(fp, "ICF", 5)
    b = _gpkg(str(o / "model_breaks.gpkg")).sort_values("region_code")
    np.testing.assert_array_equal(b["ICF_class_pooled"].to_numpy(),
                                  cls.sort_values("region_code")["ICF_class_pooled"])
    layer = _gpkg(str(o / "model_fp.gpkg"))
    w = _core_weights(layer.drop_duplicates("region_code"))
    # the model leaves permutations, seed and alternative to the tools' defaults
    lisa = autocorr.local_moran(fp, w, "ICF_size", id_col="region_code", year_col="year",
                                ).sort_values("region_code")
    got_l = _gpkg(str(o / "model_lisa.gpkg")).sort_values("region_code")
    np.testing.assert_array_equal(got_l["cluster"].to_numpy(), lisa["cluster"].to_numpy())
    moran = pd.read_csv(o / "model_moran.csv", encoding="utf-8-sig")
    assert list(moran["variable"]) == ["ICF_size", "ICF_depth"]


def test_model_with_the_34_unit_province_layer_and_ceads_30(report, inputs):
    """Was: "only in the sinks table: Hong Kong, Macau, Taiwan, Tibet".  The
    four without CEADs data are left out with a warning; the footprint equals
    the model's on the 30-province layer."""
    rec = _ok(report, "model34")
    log = " | ".join(str(m) for _, m in rec["log"])
    assert re.search(r"4 region\(s\) .*no emission data.*Tibet", log), log
    o = Path(inputs["out"])
    got = pd.read_csv(o / "model34_fp.csv", encoding="utf-8-sig").sort_values("region_code")
    ref = pd.read_csv(o / "model_fp.csv", encoding="utf-8-sig").sort_values("region_code")
    assert got["region_code"].nunique() == 30
    np.testing.assert_allclose(got["ICF"].to_numpy(), ref["ICF"].to_numpy(), rtol=1e-12)
    assert len(_gpkg(str(o / "model34_lisa.gpkg"))) == 30


def test_cancel_stops_a_running_worker_and_leaves_no_output(report, inputs):
    """Cancel during the whole-study tool (which does not poll the cancel file):
    after a 2 s grace the worker's process group is terminated; the worker
    unwinds, so neither the output folder nor its temporary twin remains."""
    rec = report["cases"]["study_cancel"]
    assert not rec["ok"] and "canceled" in rec["error"]
    assert rec["seconds"] < 15
    out = Path(inputs["out"])
    assert not (out / "study_cancel").exists()
    assert not list(out.glob(".study_cancel*")), list(out.glob(".study_cancel*"))


def test_footprint_trends_match_core(report, inputs):
    from spatial_carbon import footprint
    from spatial_carbon._io import read_csv

    rec = _ok(report, "trends")
    fp = read_csv(Path(inputs["out"]) / "study" / "tables" / "footprint.csv")
    exp = footprint.growth_rates(fp, ["2000-2011", "2011-2019"])
    got = pd.read_csv(rec["outputs"]["OUTPUT"], encoding="utf-8-sig")
    np.testing.assert_allclose(got["growth_rate_per_year"], exp["growth_rate_per_year"],
                               rtol=1e-12, equal_nan=True)
    proj = pd.read_csv(rec["outputs"]["OUTPUT_PROJECTION"], encoding="utf-8-sig")
    np.testing.assert_allclose(proj["projected"],
                               footprint.project_cec(fp, 2030)["projected"], rtol=1e-12)
    assert "1990" in _error(report, "trends_bad_period")


def test_temporary_outputs_are_geopackages(report):
    rec = _ok(report, "breaks_temporary")
    assert rec["outputs"]["OUTPUT"].endswith(".gpkg")
    assert rec["layers"]["OUTPUT"]["type"] == "graduatedSymbol"


def test_run_study_tool_runs_the_demo(report):
    rec = _ok(report, "study")
    out = Path(rec["outputs"]["OUTPUT_FOLDER"])
    assert (out / "manifest.json").is_file() and (out / "tables" / "footprint.csv").is_file()
    lay = rec["layers"]["STUDY_LAYER"]
    # study.gpkg carries the study's own styles; QGIS opens it with the first one.
    assert lay["valid"] and lay["styles"][0] == "ICF" and "zone" in lay["styles"]
    assert lay["type"] == "graduatedSymbol" and lay["attribute"] == "ICF"
    assert lay["features"] > 30 * 10  # region-years of 1997-2019


# ------------------------------------------------------------ input-output
def test_io_trade_carbon_matches_core(report, inputs):
    from spatial_carbon._io import read_csv
    from spatial_carbon.inputoutput import province_intensities, trade_carbon
    from spatial_carbon.inputoutput.readers import read_provincial_tables

    rec = _ok(report, "io")
    tables = read_provincial_tables(inputs["io_tables"])
    exp = trade_carbon(tables, province_intensities(
        tables, emissions=read_csv(inputs["io_emissions"]))).by_region
    got = pd.read_csv(rec["outputs"]["OUTPUT"], encoding="utf-8-sig")
    for col in ("CE", "CM", "CEP", "CMP", "N", "NP", "T"):
        np.testing.assert_allclose(got[col], exp[col], rtol=1e-12, err_msg=col)
    # hand values of tests/test_io_provincial.py: Beijing CE = 40, CMP = 94, type IV
    bj = got.set_index("region").loc["Beijing"]
    np.testing.assert_allclose([bj["CE"], bj["CMP"]], [40.0, 94.0])
    assert bj["type"] == "IV"
    lay = rec["layers"]["OUTPUT_LAYER"]
    assert lay["valid"] and lay["features"] == 2
    # styled by seed 002's trade type (it loaded unstyled)
    assert lay["type"] == "categorizedSymbol" and lay["attribute"] == "type"
    assert [c[0] for c in lay["categories"]] == ["I", "II", "III", "IV", ""]


def test_io_unbalanced_table_is_a_readable_message(report):
    msg = _error(report, "io_unbalanced")
    assert msg.split(":")[0].endswith("Error") and "Beijing" in msg


def test_io_trade_carbon_seed002_options_match_core(report, inputs):
    """2017 42-product tables (Chinese names) -> the seed's 30 sectors, Tibet without data
    takes the national intensity, CMP from the national table, region groups and Table 6."""
    from spatial_carbon._io import read_csv
    from spatial_carbon.inputoutput import trade_carbon_from_tables
    from spatial_carbon.inputoutput.provincial import aggregate_trade_regions, sector_group_carbon
    from spatial_carbon.inputoutput.readers import read_national_table, read_provincial_tables

    rec = _ok(report, "io_seed002")
    exp = trade_carbon_from_tables(
        read_provincial_tables(inputs["io42_tables"]), emissions=read_csv(inputs["io42_emissions"]),
        national_table=read_national_table(inputs["io42_national"]), concordance="seed002_2017")
    got = pd.read_csv(rec["outputs"]["OUTPUT"], encoding="utf-8-sig")
    for col in ("CE", "CM", "CEP", "CMP", "N", "NP", "T"):
        np.testing.assert_allclose(got[col], exp.by_region[col], rtol=1e-12, err_msg=col)
    g = got.set_index("region_code")
    assert g.loc[540000, "intensity_source"] == "national"  # 西藏, Tibet
    assert set(got["CMP_multipliers"]) == {"national table"}
    sec = pd.read_csv(rec["outputs"]["OUTPUT_SECTORS"], encoding="utf-8-sig")
    assert sec["sector"].nunique() == 30
    grp = pd.read_csv(rec["outputs"]["OUTPUT_GROUPS"], encoding="utf-8-sig")
    np.testing.assert_allclose(grp["N"], aggregate_trade_regions(exp.by_region, "seed002_8")["N"],
                               rtol=1e-12)
    # Table 6 came back as a temporary (memory) layer: 3 provinces x 6 groups
    tab = rec["tables"]["OUTPUT_SECTOR_GROUPS"]
    assert tab["provider"] == "memory" and tab["features"] == 18
    six = sector_group_carbon(exp.by_sector, "seed002_30_6")
    rows = pd.DataFrame(tab["rows"], columns=tab["fields"])
    np.testing.assert_allclose(rows["ECC"].astype(float), six["ECC"], rtol=1e-9)
    np.testing.assert_allclose(rows["PECC"].astype(float), six["PECC"], rtol=1e-9)
    assert any("national intensity used for: Tibet" in m for _, m in rec["log"])
    # without the fallback a province without emission data is named
    assert "no rows for province '西藏'" in _error(report, "io_seed002_no_fallback")


def test_io_trade_carbon_adjusted_method_matches_core(report, inputs):
    from spatial_carbon.inputoutput import trade_carbon_from_tables
    from spatial_carbon.inputoutput.readers import read_provincial_tables

    got = pd.read_csv(_ok(report, "io_adjusted")["outputs"]["OUTPUT"], encoding="utf-8-sig")
    exp = trade_carbon_from_tables(
        read_provincial_tables(inputs["io_tables"]),
        national_intensity=pd.Series([0.2, 0.4], index=["agri", "ind"]),
        province_emissions=pd.Series({"Beijing": 110.0, "Hebei": 55.0}),
        national_emissions=330.0, national_output=600.0).by_region
    for col in ("CE", "CM", "CEP", "CMP"):
        np.testing.assert_allclose(got[col], exp[col], rtol=1e-12, err_msg=col)
    # Beijing d = d^n (110/300)/(330/600) = [0.4/3, 0.8/3]: CE = d (I - A)^-1 E with
    # (I - A)^-1 = [[.8, .1], [.3, .9]]/.69, E = [20, 50]:
    # m = [0.4/3*.8 + 0.8/3*.3, 0.4/3*.1 + 0.8/3*.9]/.69 = [0.56/3, 0.76/3]/.69
    np.testing.assert_allclose(got.set_index("region").loc["Beijing", "CE"],
                               (0.56 / 3 * 20 + 0.76 / 3 * 50) / 0.69)
    assert set(got["intensity_source"]) == {"adjusted"}
    assert "Sector emissions" in _error(report, "io_no_intensity")


def test_io_transfer_final_demand_and_import_options_match_core(report, inputs):
    from spatial_carbon.inputoutput.readers import read_wide_table, split_wide
    from spatial_carbon.inputoutput.transfer import transfer_from_tables

    parts = [split_wide(read_wide_table(inputs[k])) for k in ("io_fd0", "io_fd1")]
    co = pd.read_csv(inputs["io_coef"])
    S = co.set_index(["region", "sector"])["coefficient"].astype(float)
    runs = {}
    for case, kw in (("shift_seed003", {}),
                     ("shift_all_competitive", {"final_demand": "all", "imports": "competitive"})):
        got = pd.read_csv(_ok(report, case)["outputs"]["OUTPUT"], encoding="utf-8-sig")
        exp = transfer_from_tables(parts[0], parts[1], S, **kw).pairs
        for col in ("output_transfer", "carbon_transfer", "leakage"):
            np.testing.assert_allclose(got[col], exp[col], rtol=1e-12, err_msg=f"{case} {col}")
        runs[case] = got
    # the defaults are the seed's (final consumption, non-competitive); the options differ
    assert set(runs["shift_seed003"]["final_demand"]) == {"consumption"}
    assert set(runs["shift_all_competitive"]["final_demand"]) == {"all"}
    assert not np.allclose(runs["shift_seed003"]["output_transfer"],
                           runs["shift_all_competitive"]["output_transfer"])
    reg = pd.read_csv(_ok(report, "shift_all_competitive")["outputs"]["OUTPUT_REGIONS"],
                      encoding="utf-8-sig")
    assert set(reg["imports"]) == {"competitive"}


def test_lmdi_decomposition_matches_core(report, inputs):
    from spatial_carbon.inputoutput.lmdi import lmdi_decompose

    rec = _ok(report, "lmdi")
    got = pd.read_csv(rec["outputs"]["OUTPUT"], encoding="utf-8-sig")
    exp = lmdi_decompose(pd.read_csv(inputs["lmdi"]), 2000, 2010)
    for col in ("scale", "structure", "technique", "total"):
        np.testing.assert_allclose(got[col], exp[col], rtol=1e-12, err_msg=col)
    np.testing.assert_allclose(got[["scale", "structure", "technique"]].sum(axis=1),
                               got["total"], atol=1e-9)
    assert "2020" in _error(report, "lmdi_missing_year")


def test_growth_decomposition_matches_core(report, inputs):
    from spatial_carbon.inputoutput.growth import growth_decompose

    got = pd.read_csv(_ok(report, "growth")["outputs"]["OUTPUT"], encoding="utf-8-sig")
    exp = growth_decompose(pd.read_csv(inputs["lmdi"]), 2000, 2010)
    for col in ("scale", "structure", "technique", "residual", "total", "scale_t"):
        np.testing.assert_allclose(got[col], exp[col], rtol=1e-12, err_msg=col)


def test_two_period_transfer_matches_core_and_maps_flows(report, inputs):
    from spatial_carbon.inputoutput.readers import read_wide_table, split_wide
    from spatial_carbon.inputoutput.transfer import transfer_from_tables

    rec = _ok(report, "shift")
    parts = [split_wide(read_wide_table(inputs[k])) for k in ("io_t0", "io_t1")]
    co = pd.read_csv(inputs["io_coef"])
    S = co.set_index(["region", "sector"])["coefficient"].astype(float)
    exp = transfer_from_tables(parts[0], parts[1], S).pairs
    got = pd.read_csv(rec["outputs"]["OUTPUT"], encoding="utf-8-sig")
    np.testing.assert_allclose(got["carbon_transfer"], exp["carbon_transfer"], rtol=1e-12)
    # hand value of tests/test_io_cli.py::test_io_shift: carbon transfer N -> S = 40
    g = got.set_index(["origin", "destination"])
    np.testing.assert_allclose(g.loc[("Beijing", "Hebei"), "carbon_transfer"], 40.0)
    lay = rec["layers"]["OUTPUT_FLOWS"]
    assert lay["valid"] and lay["features"] == 1
    # styled by width also when every flow has the same value (it loaded unstyled)
    assert lay["type"] == "graduatedSymbol" and lay["attribute"] == "value"
    assert "graduatedSymbol" in {v["renderer"] for v in rec["project_layers"].values()}


def test_share_shift_matches_core(report, inputs):
    from spatial_carbon.inputoutput.lmdi import share_shift_transfer

    rec = _ok(report, "share_shift")
    got = pd.read_csv(rec["outputs"]["OUTPUT"], encoding="utf-8-sig")
    exp = share_shift_transfer(pd.read_csv(inputs["lmdi"]), 2000, 2010, sectors=["s1"])
    np.testing.assert_allclose(got["carbon_transfer"], exp["carbon_transfer"], rtol=1e-12)
    np.testing.assert_allclose(got["output_transfer"].sum(), 0.0, atol=1e-9)


def test_mrio_accounts_match_core(report, inputs):
    if inputs["mrio"] is None:
        pytest.skip("pymrio is not installed (extra 'io')")
    from spatial_carbon.inputoutput import calc_accounts
    from spatial_carbon.inputoutput.readers import read_pymrio

    rec = _ok(report, "mrio")
    got = pd.read_csv(rec["outputs"]["OUTPUT"], encoding="utf-8-sig")
    exp = calc_accounts(read_pymrio(inputs["mrio"], "emissions", "emission_type1"))
    np.testing.assert_allclose(got["consumption_based"], exp["consumption_based"], rtol=1e-9)
    np.testing.assert_allclose(got["production_based"], exp["production_based"], rtol=1e-9)
    flows = pd.read_csv(rec["outputs"]["OUTPUT_FLOWS"], encoding="utf-8-sig")
    assert list(flows.columns)[:3] == ["origin", "destination", "value"]
    assert "CO2" in _error(report, "mrio_bad_stressor")


# ------------------------------------------------- issue 13 spatial tools
def test_hot_spots_match_core_and_load_in_arcgis_colours(report, inputs):
    import geopandas as gpd

    from spatial_carbon.maps.hotspots import GI_BIN_COLORS
    from spatial_carbon.spatial import hotspots

    rec = _ok(report, "hot_spots")
    got = _gpkg(rec["outputs"]["OUTPUT"]).sort_values("region_code")
    src = gpd.read_file(inputs["provinces"])
    exp = hotspots.local_g(src, _core_weights(src), "ice_2019", id_col="region_code",
                           year_col=None, permutations=999, seed=20191231).sort_values("region_code")
    np.testing.assert_allclose(got["gi_z"], exp["gi_z"], rtol=1e-12)
    np.testing.assert_allclose(got["p_sim"], exp["p_sim"], rtol=1e-12)
    np.testing.assert_array_equal(got["gi_bin"], exp["gi_bin"])
    lay = rec["layers"]["OUTPUT"]
    assert lay["type"] == "categorizedSymbol" and lay["attribute"] == "gi_bin"
    colours = {c[0]: c[1] for c in lay["categories"]}
    assert colours["3"] == GI_BIN_COLORS[3][1] and colours["-3"] == GI_BIN_COLORS[-3][1]


def test_bivariate_lisa_matches_core(report, inputs):
    import geopandas as gpd

    from spatial_carbon.spatial import autocorr

    rec = _ok(report, "bivariate_lisa")
    got = _gpkg(rec["outputs"]["OUTPUT"]).sort_values("region_code")
    src = gpd.read_file(inputs["provinces"])
    exp = autocorr.local_moran(src, _core_weights(src), "ice_2019", id_col="region_code",
                               year_col=None, with_column="ice_2018", permutations=999,
                               seed=20191231).sort_values("region_code")
    np.testing.assert_allclose(got["I"], exp["I"], rtol=1e-12)
    np.testing.assert_array_equal(got["cluster"], exp["cluster"])
    assert rec["layers"]["OUTPUT"]["attribute"] == "cluster"


def test_spatial_markov_matches_core(report, inputs):
    import geopandas as gpd

    from spatial_carbon.spatial import markov

    rec = _ok(report, "spatial_markov")
    got = pd.read_csv(rec["outputs"]["OUTPUT"], encoding="utf-8-sig")
    long = gpd.read_file(inputs["long"])
    exp = markov.spatial_markov(pd.DataFrame(long.drop(columns="geometry")),
                                _core_weights(long.drop_duplicates("region_code")), "ice",
                                id_col="region_code", year_col="year", k=3)
    np.testing.assert_array_equal(got["n_steps"], exp.transitions["n_steps"])
    assert rec["outputs"]["Q"] == pytest.approx(exp.homogeneity["Q"], rel=1e-12)


def test_centre_of_gravity_points_and_polygons(report, inputs):
    import geopandas as gpd

    from spatial_carbon.spatial import centrography

    rec = _ok(report, "centre")
    pts = _gpkg(rec["outputs"]["OUTPUT_POINTS"])
    ell = _gpkg(rec["outputs"]["OUTPUT_ELLIPSES"])
    assert (pts.geom_type == "Point").all() and (ell.geom_type == "Polygon").all()
    long = gpd.read_file(inputs["long"])
    geo = long.drop_duplicates("region_code")[["region_code", "geometry"]]
    exp = centrography.mean_centre(pd.DataFrame(long.drop(columns="geometry")), geo, "ice",
                                   id_col="region_code", year_col="year")
    np.testing.assert_allclose(pts["x_m"], exp.centres["x_m"], rtol=1e-12)
    np.testing.assert_allclose(pts["distance_km"].iloc[1:], exp.centres["distance_km"].iloc[1:],
                               rtol=1e-12)
    assert len(ell) == 3 * len(pts)
    assert len(_gpkg(rec["outputs"]["OUTPUT_TRAJECTORY"])) == len(pts) - 1
    assert rec["layers"]["OUTPUT_ELLIPSES"]["type"] == "categorizedSymbol"


def test_centre_of_zero_weights_is_a_readable_message(report):
    assert re.search(r"sums to 0", _error(report, "centre_zero"))


def test_lisa_analytic_inference_decides_the_cluster(report, inputs):
    import geopandas as gpd

    from spatial_carbon.spatial import autocorr

    got = _gpkg(_ok(report, "lisa_analytic")["outputs"]["OUTPUT"]).sort_values("region_code")
    src = gpd.read_file(inputs["provinces"])
    exp = autocorr.local_moran(src, _core_weights(src), "ice_2019", id_col="region_code",
                               year_col=None, permutations=0,
                               inference="analytic").sort_values("region_code")
    assert got["cluster_basis"].str.startswith("p_rand").all()
    np.testing.assert_allclose(got["z_rand"], exp["z_rand"], rtol=1e-12)
    np.testing.assert_array_equal(got["cluster"], exp["cluster"])
