"""The QGIS plugin's out-of-process worker and zip builder, without QGIS.

The end-to-end tests in a real QGIS are in tests/test_qgis_plugin.py.
"""

from __future__ import annotations

import configparser
import json
import re
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


def test_footprint_trends_national_compares_the_regions_with_data_in_both_years(tmp_path):
    """The QGIS trends tool on a sparse panel (cities): the national rate of a
    period is taken over the regions present in both years, as in the study."""
    from spatial_carbon import _io

    # region 1 in 2000 and 2005, region 2 only in 2005
    fp = pd.DataFrame({"region_code": [1, 1, 2], "region": ["a", "a", "b"],
                       "year": [2000, 2005, 2005], "ICE": [10.0, 12.1, 50.0],
                       "CS": [4.0, 4.0, 1.0], "ICF": [100.0, 121.0, 500.0],
                       "CEC": [40.0, 40.0, 10.0]})
    _io.write_csv(fp, tmp_path / "fp.csv")
    qgis_worker.run_job({"step": "footprint_trends", "inputs": {"footprint": str(tmp_path / "fp.csv")},
                         "params": {"periods": "2000-2005", "national": True},
                         "outputs": {"OUTPUT": str(tmp_path / "rates.csv")}})
    got = pd.read_csv(tmp_path / "rates.csv", encoding="utf-8-sig").set_index("indicator")
    # ICF over region 1 only: (121/100)^(1/5) - 1 = 1.1^0.4 - 1 = 0.03886 (the yearly sums
    # 100 -> 621 would say 44 %/a, growth of coverage)
    np.testing.assert_allclose(got.loc["ICF", "growth_rate_per_year"], 1.1 ** 0.4 - 1, rtol=1e-12)
    assert got.loc["ICF", "note"].startswith("over the 1 region(s) with data in both years")


def test_io_trade_carbon_step_offers_the_seed002_options(tmp_path, capsys):
    """National table, Tibet, region and sector groups reach the core unchanged."""
    from test_io_cli import _stacked
    from test_io_seed002 import _china, _with_tibet

    from spatial_carbon.inputoutput import trade_carbon_from_tables
    from spatial_carbon.inputoutput.provincial import aggregate_trade_regions, sector_group_carbon

    tables = _with_tibet()
    _stacked(tables).to_csv(tmp_path / "t.csv", index=False)
    _stacked({"China": _china(tables)}).to_csv(tmp_path / "n.csv", index=False)
    em = pd.DataFrame({"region": ["Beijing", "Beijing", "Hebei", "Hebei"],
                       "sector": ["agri", "ind"] * 2, "emissions": [10.0, 100.0, 20.0, 90.0]})
    em.to_csv(tmp_path / "e.csv", index=False)
    outs = {k: str(tmp_path / f"{k}.csv") for k in ("OUTPUT", "OUTPUT_SECTORS", "OUTPUT_GROUPS")}
    job = {"step": "io_trade_carbon",
           "inputs": {"tables": str(tmp_path / "t.csv"), "emissions": str(tmp_path / "e.csv"),
                      "national_table": str(tmp_path / "n.csv")},
           "params": {"national_for": ["Tibet"], "region_groups": "seed002_8"},
           "outputs": dict(outs)}
    out = qgis_worker.run_job(job)
    exp = trade_carbon_from_tables(tables, emissions=em, national_table=_china(tables))
    got = pd.read_csv(out["OUTPUT"], encoding="utf-8-sig")
    np.testing.assert_allclose(got["CMP"], exp.by_region["CMP"], rtol=1e-12)
    # hand value of tests/test_io_seed002.py: Beijing CMP = 44.4/0.69 with the national table
    np.testing.assert_allclose(got.set_index("region").loc["Beijing", "CMP"], 44.4 / 0.69)
    assert set(got["CMP_multipliers"]) == {"national table"}
    log = capsys.readouterr().out
    assert "national intensity used for: Tibet" in log and "national table multipliers" in log
    reg = pd.read_csv(out["OUTPUT_GROUPS"], encoding="utf-8-sig")
    np.testing.assert_allclose(reg["N"], aggregate_trade_regions(exp.by_region, "seed002_8")["N"])
    # the adjusted route, and provinces without data named when no fallback is allowed
    pd.DataFrame({"sector": ["agri", "ind"], "intensity": [0.2, 0.4]}).to_csv(
        tmp_path / "ni.csv", index=False)
    pd.DataFrame({"region": ["Beijing", "Hebei"], "emissions": [110.0, 55.0]}).to_csv(
        tmp_path / "pt.csv", index=False)
    adj = {"step": "io_trade_carbon",
           "inputs": {"tables": str(tmp_path / "t.csv"), "national_intensity": str(tmp_path / "ni.csv"),
                      "province_totals": str(tmp_path / "pt.csv"),
                      "national_table": str(tmp_path / "n.csv")},
           "params": {"national_emissions": 330.0, "national_output": 600.0},
           "outputs": {"OUTPUT": str(tmp_path / "adj.csv")}}
    got = pd.read_csv(qgis_worker.run_job(adj)["OUTPUT"], encoding="utf-8-sig").set_index("region")
    # m^n = [0.28, 0.38]/0.69 (tests/test_io_seed002.py): Beijing CMP = 31.2/0.69
    np.testing.assert_allclose(got.loc["Beijing", "CMP"], 31.2 / 0.69)
    assert got.loc["Tibet", "intensity_source"] == "national"
    adj["params"]["national_for"] = []
    adj["outputs"] = {"OUTPUT": str(tmp_path / "adj2.csv")}
    with pytest.raises(qgis_worker.InputError, match=r"missing for \['Tibet'\]"):
        qgis_worker.run_job(adj)
    assert not (tmp_path / "adj2.csv").exists()
    # seed 002's Table 6 on tables in its 30 sectors (Chinese names), ratios from group totals
    from test_io_provincial import random_table

    from spatial_carbon.inputoutput.concordance import seed002_sectors

    secs = list(seed002_sectors()["sector30_zh"])
    t30 = {reg: random_table(reg, secs, seed=k)[0] for k, reg in enumerate(("浙江", "贵州"))}
    _stacked(t30).to_csv(tmp_path / "t30.csv", index=False)
    rng = np.random.default_rng(4)
    em30 = pd.DataFrame([(r, x, float(rng.uniform(1, 50))) for r in t30 for x in secs],
                        columns=["region", "sector", "emissions"])
    em30.to_csv(tmp_path / "e30.csv", index=False)
    out = qgis_worker.run_job({
        "step": "io_trade_carbon",
        "inputs": {"tables": str(tmp_path / "t30.csv"), "emissions": str(tmp_path / "e30.csv")},
        "params": {"sector_groups": "seed002_30_6"},
        "outputs": {"OUTPUT": str(tmp_path / "o30.csv"),
                    "OUTPUT_SECTOR_GROUPS": str(tmp_path / "g30.csv")}})
    exp = sector_group_carbon(trade_carbon_from_tables(t30, emissions=em30).by_sector, "seed002_30_6")
    got = pd.read_csv(out["OUTPUT_SECTOR_GROUPS"], encoding="utf-8-sig")
    assert len(got) == 12
    np.testing.assert_allclose(got["ECC"], exp["ECC"], rtol=1e-12)
    np.testing.assert_allclose(got.groupby("region")["export_share_pct"].sum(), 100.0)


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


# ------------------------------------------------------------ issue 11: job files
def _job(tmp_path, job, name="job.json"):
    p = tmp_path / name
    p.write_text(job if isinstance(job, str) else json.dumps(job), encoding="utf-8")
    return p


def _typed_error(tmp_path, job_path):
    r = _run_worker([str(job_path)], tmp_path)
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    assert "Traceback" not in r.stdout + r.stderr
    errs = _lines(r.stdout, "error")
    assert len(errs) == 1 and not _lines(r.stdout, "result")
    return json.loads(errs[0])


def _breaks_job(tmp_path, **params):
    csv = tmp_path / "t.csv"
    csv.write_text("region,v\nBeijing,1\nHebei,2\nShanxi,3\n", encoding="utf-8")
    return {"step": "natural_breaks", "inputs": {"input": str(csv)},
            "params": {"field": "v", **params}, "outputs": {"OUTPUT": str(tmp_path / "o.csv")}}


@pytest.mark.parametrize("text, match", [
    ('{"step": "natural_breaks", "inputs": {', "not valid JSON .*truncated"),
    ('[1, 2, 3]', "holds a JSON list, not an object"),
    ('"natural_breaks"', "holds a JSON str, not an object"),
])
def test_malformed_job_files_are_typed_errors(tmp_path, text, match):
    err = _typed_error(tmp_path, _job(tmp_path, text))
    assert err["type"] == "JobError" and re.search(match, err["message"]), err


def test_missing_job_file_is_a_typed_error(tmp_path):
    err = _typed_error(tmp_path, tmp_path / "gone.json")
    assert err["type"] == "JobError" and "gone.json not found" in err["message"]


@pytest.mark.parametrize("change, match", [
    ({"params": {"k": "five"}}, r"params.k of the natural_breaks job must be a whole number, "
                                r"got 'five'"),
    ({"params": {"field": None}}, r"params.field is missing from the natural_breaks job"),
    ({"inputs": []}, r"inputs of the natural_breaks job must be an object, got list"),
    ({"outputs": {"OUTPUT": "DIR"}}, r"is a folder; give a file name"),
    ({"outputs": {"OUTPUT": "INPUT"}}, r"also an input"),
    ({"step": "natural_breaks_v2"}, r"unknown step 'natural_breaks_v2'"),
])
def test_jobs_are_checked_against_the_schema(tmp_path, change, match):
    job = _breaks_job(tmp_path)
    for k, v in change.items():
        if isinstance(v, dict) and isinstance(job.get(k), dict):
            for kk, vv in v.items():
                if vv == "DIR":
                    (tmp_path / "adir").mkdir()
                    vv = str(tmp_path / "adir")
                elif vv == "INPUT":
                    vv = job["inputs"]["input"]
                if vv is None:
                    job[k].pop(kk, None)
                else:
                    job[k][kk] = vv
        else:
            job[k] = v
    before = (tmp_path / "t.csv").read_bytes()
    err = _typed_error(tmp_path, _job(tmp_path, job))
    assert re.search(match, err["message"]), err
    assert (tmp_path / "t.csv").read_bytes() == before
    assert not (tmp_path / "o.csv").exists()


def test_workers_must_be_a_count(tmp_path):
    from _small import small_landcover

    raster, zones = small_landcover(tmp_path)
    job = {"step": "class_areas", "inputs": {"rasters": [str(raster)], "zones": {"path": str(zones)}},
           "params": {"zone_field": "name", "workers": "two"},
           "outputs": {"OUTPUT": str(tmp_path / "o.csv")}}
    err = _typed_error(tmp_path, _job(tmp_path, job))
    assert err["type"] == "JobError"
    assert "params.workers of the class_areas job must be a whole number >= 1, got 'two'" \
        in err["message"]


def test_every_step_has_a_schema():
    from spatial_carbon import _jobs

    assert set(_jobs.SCHEMAS) == set(qgis_worker.STEPS)


def test_the_schema_names_every_key_a_step_reads():
    """Every ``inputs``/``params``/``outputs`` key a step function (or a helper
    it calls) reads is in its schema, so each one is type-checked before the
    step runs (a step added to the worker without its schema keys fails here)."""
    import inspect

    from spatial_carbon import _jobs

    helpers = {n: inspect.getsource(getattr(qgis_worker, n))
               for n in ("_weights_input", "_boundary_layer", "_year_field")}
    missing = {}
    for name, fn in qgis_worker.STEPS.items():
        src = inspect.getsource(fn)
        src += "".join(h for n, h in helpers.items() if n + "(" in src)
        for sec in ("inputs", "params", "outputs"):
            read = set(re.findall(sec + r'(?:\.get\(|\[)"(\w+)"', src)) - {"_cancel_file"}
            lacking = read - set(_jobs.SCHEMAS[name].get(sec, {}))
            if lacking:
                missing[f"{name}.{sec}"] = sorted(lacking)
    assert missing == {}
    # the regex does see the keys (not an empty pass): a few known ones
    assert "inference" in _jobs.SCHEMAS["lisa"]["params"]
    assert "final_demand" in _jobs.SCHEMAS["io_transfer_shift"]["params"]


def test_the_plugin_runs_the_worker_in_isolated_mode():
    """runner.py starts the job with Python's -I; the probe (worker_env) too."""
    text = (PLUGIN / "spatial_carbon_qgis" / "runner.py").read_text(encoding="utf-8")
    assert 'ISOLATED = ["-I"]' in text
    calls = re.findall(r"\[python\][^\n]*\"spatial_carbon\.qgis_worker\"", text)
    assert len(calls) == 1 and all("ISOLATED" in c for c in calls), calls
    env = (PLUGIN / "spatial_carbon_qgis" / "worker_env.py").read_text(encoding="utf-8")
    assert re.search(r'\[python, "-I", "-c", PROBE\]', env)


def test_isolated_mode_ignores_a_module_planted_in_the_working_folder(tmp_path):
    """A planted ``numpy.py`` in the worker's working folder: imported without
    -I (the threat), never with -I (what the plugin runs)."""
    import os

    marker = tmp_path / "PLANTED_RAN"
    (tmp_path / "numpy.py").write_text(
        f"open({str(marker)!r}, 'w').close()\nraise ImportError('planted')\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(REPO)  # ignored by -I; the worker venv has spatial_carbon installed
    args = ["-m", "spatial_carbon.qgis_worker", "check"]
    subprocess.run([sys.executable, *args], cwd=tmp_path, env=env, capture_output=True,
                   timeout=300)
    assert marker.exists()  # without -I the working folder comes first on sys.path
    marker.unlink()
    worker = os.environ.get("SPATIAL_CARBON_PYTHON") or str(REPO / ".venv-qgis" / "bin" / "python")
    if not Path(worker).exists():
        pytest.skip("no worker venv (.ci/qgis_setup.sh) with spatial_carbon installed")
    r = subprocess.run([worker, "-I", *args], cwd=tmp_path, env=env, capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    assert not marker.exists()


def test_schemas_of_the_io_options(tmp_path):
    """Optional inputs the plugin leaves out validate; wrong types are named."""
    from spatial_carbon import _jobs
    from spatial_carbon.errors import JobError

    t = tmp_path / "t.csv"
    t.write_text("x\n", encoding="utf-8")
    trade = {"step": "io_trade_carbon", "inputs": {"tables": str(t), "national_intensity": str(t),
                                                   "province_totals": str(t)},
             "params": {"national_for": [], "concordance": "seed002_2017"},
             "outputs": {"OUTPUT": str(tmp_path / "o.csv")}}
    _jobs.validate(trade, qgis_worker.STEPS)  # no emissions (adjusted method), no fallback
    trade["params"]["national_for"] = "Tibet"
    with pytest.raises(JobError, match=r"params.national_for of the io_trade_carbon job must be a list "
                             r"of texts \(may be empty\)"):
        _jobs.validate(trade, qgis_worker.STEPS)
    # io_transfer_shift without coefficients: seed 003's Table 2 (the plugin sends None)
    shift = {"step": "io_transfer_shift",
             "inputs": {"table0": str(t), "table1": str(t), "coefficients": None},
             "params": {"final_demand": "all", "imports": "competitive"},
             "outputs": {"OUTPUT": str(tmp_path / "s.csv")}}
    _jobs.validate(shift, qgis_worker.STEPS)
