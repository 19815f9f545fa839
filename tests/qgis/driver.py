"""Run spatial_carbon Processing tools inside a real QGIS (Debian's python3).

Usage: /usr/bin/python3 tests/qgis/driver.py SPEC.json RESULTS.json

SPEC is ``{"plugin_dir": ..., "cases": [{"id", "alg", "params", "load"}]}``.
Each case runs through ``processing.run`` (or ``processing.runAndLoadResults``
with ``"load": true``); RESULTS records outputs, the error message and type,
the log, and the renderer of every GeoPackage output as QGIS loads it.
Run by tests/test_qgis_plugin.py; it never imports spatial_carbon here.
"""

import json
import os
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from qgis.core import (  # noqa: E402
    QgsApplication,
    QgsProject,
    QgsVectorLayer,
)

from feedback import Feedback  # noqa: E402 - tests/qgis/feedback.py, next to this script


def table_summary(layer):
    """Fields, QGIS field types and every row of a (small) table layer."""
    fields = layer.fields()
    return {"provider": layer.providerType(), "features": layer.featureCount(),
            "fields": [f.name() for f in fields], "types": [f.typeName() for f in fields],
            "rows": [[None if v is None or (hasattr(v, "isNull") and v.isNull()) else v
                      for v in f.attributes()] for f in layer.getFeatures()]}


def renderer_summary(path):
    layer = QgsVectorLayer(path, "out", "ogr")
    if not layer.isValid():
        return {"valid": False}
    r = layer.renderer()  # None for a table without geometry
    listed = layer.listStylesInDatabase()
    out = {"valid": True, "type": r.type() if r else None, "features": layer.featureCount(),
           "styles": list(listed[2]) if listed and listed[0] > 0 else [],
           "crs": layer.crs().authid(),
           "fields": [f.name() for f in layer.fields()]}
    if r is None:
        pass
    elif r.type() == "categorizedSymbol":
        out["attribute"] = r.classAttribute()
        out["categories"] = [[str(c.value()), c.symbol().color().name(), c.label()]
                             for c in r.categories()]
    elif r.type() == "graduatedSymbol":
        out["attribute"] = r.classAttribute()
        out["ranges"] = [[g.lowerValue(), g.upperValue(), g.symbol().color().name(), g.label()]
                         for g in r.ranges()]
    return out


def _gui_thread_checks(prov):
    """What a tool dialog costs QGIS's GUI thread: the provider probed the worker
    in the background when it loaded; once that is done, canExecute() of every
    tool must start no subprocess.  Also the Activate setting round trip."""
    import subprocess

    from spatial_carbon_qgis import runner

    for t in list(runner._PENDING.values()):
        t.join(120)
    calls = []
    real = subprocess.run, subprocess.Popen

    def spy(fn):
        def inner(*a, **k):
            calls.append(a[0] if a else k.get("args"))
            return fn(*a, **k)
        return inner

    subprocess.run, subprocess.Popen = spy(real[0]), spy(real[1])
    try:
        answers = {a.id(): a.canExecute()[0] for a in prov.algorithms()}
    finally:
        subprocess.run, subprocess.Popen = real
    from qgis.core import QgsSettings

    active = [prov.isActive()]
    prov.setActive(False)
    active += [prov.isActive(),
               QgsSettings().value("Processing/Configuration/ACTIVATE_SPATIAL_CARBON")]
    prov.setActive(True)
    active.append(prov.isActive())
    return {"subprocesses": [str(c) for c in calls], "can_execute": answers,
            "active": [str(x) for x in active]}


def main(spec_path, results_path):
    with open(spec_path, encoding="utf-8") as f:
        spec = json.load(f)
    t0 = time.time()
    app = QgsApplication([], False)
    app.initQgis()
    sys.path.insert(0, "/usr/share/qgis/python/plugins")
    import processing  # noqa: F401
    from processing.core.Processing import Processing

    Processing.initialize()
    sys.path.insert(0, spec["plugin_dir"])
    import spatial_carbon_qgis

    plugin = spatial_carbon_qgis.classFactory(None)
    plugin.initProcessing()
    reg = QgsApplication.processingRegistry()
    prov = reg.providerById("spatial_carbon")
    checks = _gui_thread_checks(prov) if prov is not None else {}
    res = {
        "qgis_version": __import__("qgis.core", fromlist=["Qgis"]).Qgis.QGIS_VERSION,
        "provider": None if prov is None else {
            "id": prov.id(), "name": prov.name(),
            "algorithms": sorted(a.id() for a in prov.algorithms()),
            "checks": checks,
            "help": {a.id(): {"short": a.shortHelpString(), "display": a.displayName(),
                              "group": a.group(), "group_id": a.groupId(),
                              "help_url": a.helpUrl(),
                              "params": [[p.name(), p.description(), p.help(),
                                          bool(p.flags() & p.FlagAdvanced)]
                                         for p in a.parameterDefinitions()],
                              "can_execute": list(a.canExecute())}
                     for a in prov.algorithms()},
        },
        "cases": {},
        "init_s": time.time() - t0,
    }
    kept = {}  # "case:OUTPUT" -> memory layer returned by an earlier case

    def resolve(v):
        if isinstance(v, dict) and "$layer" in v:
            return kept[v["$layer"]]
        if isinstance(v, list):
            return [resolve(x) for x in v]
        return v

    for case in spec["cases"]:
        fb = Feedback()
        t = time.time()
        rec = {"ok": False, "alg": case["alg"]}
        saved_env = {k: os.environ.get(k) for k in case.get("env", {})}
        os.environ.update(case.get("env", {}))
        alg = reg.algorithmById(case["alg"])
        rec["can_execute"] = list(alg.canExecute()) if alg is not None else None
        if case.get("cancel"):
            fb.cancel()
        if case.get("cancel_on_progress"):
            fb.progressChanged.connect(lambda v, fb=fb: v > 0 and fb.cancel())
        try:
            params = {k: resolve(v) for k, v in case["params"].items()}
            if case.get("load"):
                out = processing.runAndLoadResults(case["alg"], params, feedback=fb)
            else:
                out = processing.run(case["alg"], params, feedback=fb)
            rec["ok"] = True
            rec["outputs"] = {}
            rec["tables"] = {}
            for k, v in out.items():
                if isinstance(v, QgsVectorLayer):  # a memory layer (temporary output)
                    kept["%s:%s" % (case["id"], k)] = v
                    rec["tables"][k] = table_summary(v)
                    v = v.source()
                rec["outputs"][k] = (v if isinstance(v, (str, int, float, bool, type(None)))
                                     else str(v))
        except BaseException as exc:  # noqa: BLE001 - recorded for the test
            rec["error_type"] = type(exc).__name__
            rec["error"] = str(exc)
        for k, v in saved_env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        rec["log"] = fb.log
        rec["max_progress"] = max(fb.progress_values) if fb.progress_values else None
        rec["seconds"] = time.time() - t
        rec["layers"] = {}
        for k, v in (rec.get("outputs") or {}).items():
            if isinstance(v, str) and v.lower().endswith(".gpkg") and os.path.isfile(v):
                rec["layers"][k] = renderer_summary(v)
        if case.get("load"):
            rec["project_layers"] = {}
            for lyr in QgsProject.instance().mapLayers().values():
                r = lyr.renderer() if hasattr(lyr, "renderer") else None
                rec["project_layers"][lyr.name()] = {
                    "source": lyr.source(), "renderer": r.type() if r else None}
            QgsProject.instance().removeAllMapLayers()
        res["cases"][case["id"]] = rec
    # Proof that no pip wheel (with its own GDAL) was loaded into this process.
    maps = ""
    if os.path.exists("/proc/self/maps"):
        with open("/proc/self/maps") as f:
            maps = f.read()
    res["gdal_libs"] = sorted({line.split()[-1] for line in maps.splitlines()
                               if "libgdal" in line})
    res["modules"] = sorted(m for m in ("spatial_carbon", "rasterio", "pyogrio", "geopandas",
                                        "pandas", "shapely", "esda", "libpysal")
                            if m in sys.modules)
    plugin.unload()
    res["unloaded"] = reg.providerById("spatial_carbon") is None
    with open(results_path, "w", encoding="utf-8") as f:
        json.dump(res, f, ensure_ascii=False, indent=1)
    app.exitQgis()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
